/* Command-language functions of the coreset area (entries of the function table). */
#include "registry.h"

const mc_func_def mc_funcs_coreset[] = {
	{ NULL, NULL, NULL, NULL, NULL }
};
