/* Command-language functions of the core area (entries of the function table). */
#include "registry.h"

const mc_func_def mc_funcs_core[] = {
	{ NULL, NULL, NULL, NULL, NULL }
};
