/* This module implements the list of function tables (registry.h) and the
 * lookup of an entry by name. */
#include "registry.h"

#include <string.h>

const mc_func_def *const mc_registry_tables[] = {
	mc_funcs_core,
	mc_funcs_data,
	mc_funcs_mask,
	mc_funcs_embed,
	mc_funcs_learn,
	mc_funcs_coreset,
	mc_funcs_review,
	mc_funcs_render,
	NULL
};

const mc_func_def *mc_registry_find(const char *name)
{
	size_t t;
	const mc_func_def *d;

	if (name == NULL)
		return NULL;
	for (t = 0; mc_registry_tables[t] != NULL; t++)
		for (d = mc_registry_tables[t]; d->name != NULL; d++)
			if (strcmp(d->name, name) == 0)
				return d;
	return NULL;
}
