/* Command-language functions of the learn area (entries of the function table). */
#include "registry.h"

const mc_func_def mc_funcs_learn[] = {
	{ NULL, NULL, NULL, NULL, NULL }
};
