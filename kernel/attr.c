/* This module implements attribute lookup (obj.name) through the attribute
 * tables of classes and of arrays (value.h's mc_attr_def): the lookup, the
 * names for dir() and completion, and the rows for help(). */
#include "lang.h"

#include <string.h>

const mc_attr_def *mc_value_attrs(const mc_value *v)
{
	const mc_class *cls = mc_object_class(v);

	if (cls != NULL)
		return cls->attributes;
	if (mc_type(v) == MC_T_ARRAY)
		return mc_array_attrs;
	return NULL;
}

int mc_value_getattr(mc_value **out, mc_value *v, const char *name, mc_error *err)
{
	const mc_attr_def *a = mc_value_attrs(v);

	*out = NULL;
	for (; a != NULL && a->name != NULL; a++)
		if (strcmp(a->name, name) == 0) {
			*out = a->get(v, err);
			if (*out != NULL)
				return 0;
			return err->code != MC_OK ? err->code
			       : mc_error_set(err, MC_ERR_NOMEM, "%s.%s: out of memory", mc_type_name(v), name);
		}
	return mc_error_set(err, MC_ERR_NOTFOUND, "%s has no attribute '%s'", mc_type_name(v), name);
}

int mc_value_attr_names(const mc_value *v, mc_value *list)
{
	const mc_attr_def *a = mc_value_attrs(v);

	for (; a != NULL && a->name != NULL; a++)
		if (mc_list_append(list, mc_str(a->name)) != 0)
			return MC_ERR_NOMEM;
	return 0;
}
