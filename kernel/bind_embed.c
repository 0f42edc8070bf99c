/* Command-language functions of the embed area (entries of the function table). */
#include "registry.h"

const mc_func_def mc_funcs_embed[] = {
	{ NULL, NULL, NULL, NULL, NULL }
};
