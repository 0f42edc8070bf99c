/* Command-language functions of the render area (entries of the function table). */
#include "registry.h"

const mc_func_def mc_funcs_render[] = {
	{ NULL, NULL, NULL, NULL, NULL }
};
