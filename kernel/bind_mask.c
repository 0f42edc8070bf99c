/* Command-language functions of the mask area (entries of the function table). */
#include "registry.h"

const mc_func_def mc_funcs_mask[] = {
	{ NULL, NULL, NULL, NULL, NULL }
};
