/* Command-language functions of the data area (entries of the function table). */
#include "registry.h"

const mc_func_def mc_funcs_data[] = {
	{ NULL, NULL, NULL, NULL, NULL }
};
