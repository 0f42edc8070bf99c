/* Command-language functions of arrays (entries of the function table, in
 * the core area): array(), and the methods of array values (tolist, the
 * reductions, any, all). The operators and subscripts are in array.c. */
#include "registry.h"
#include "lang.h"

#include <string.h>

static int s_is_num(const mc_value *v)
{
	return mc_type(v) == MC_T_INT || mc_type(v) == MC_T_FLOAT || mc_type(v) == MC_T_BOOL;
}

/* array(x) of an array: a copy, converted to dtype. */
static int s_array_convert(mc_value **out, mc_value *x, const char *dt, mc_error *err)
{
	mc_value *a = mc_array_new(dt != NULL ? (dt[0] == 'i' ? MC_I64 : MC_F64) : mc_array_dtype(x),
	                           mc_array_rows(x), mc_array_cols(x));
	size_t i;

	if (a == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "array(): out of memory");
	for (i = 0; i < mc_array_size(x); i++) {
		double f = mc_array_at(x, i);

		if (mc_array_dtype(a) == MC_F64)
			mc_array_f64(a)[i] = f;
		else
			mc_array_i64(a)[i] = mc_array_dtype(x) == MC_I64 ? mc_array_i64(x)[i] : (int64_t)f;
	}
	*out = a;
	return 0;
}

/* The shape of a list of numbers (cols 0) or of lists of numbers, and
 * whether every item is an int. */
static int s_list_shape(mc_value *x, size_t *cols, int *all_int, mc_error *err)
{
	size_t rows = mc_list_len(x), i, j;

	*cols = 0;
	*all_int = 1;
	if (rows > 0 && mc_type(mc_list_get(x, 0)) == MC_T_LIST)
		*cols = mc_list_len(mc_list_get(x, 0));
	for (i = 0; i < rows; i++) {
		mc_value *r = mc_list_get(x, i);
		size_t n = *cols > 0 ? mc_list_len(r) : 1;

		if (*cols > 0 && (mc_type(r) != MC_T_LIST || n != *cols))
			return mc_error_set(err, MC_ERR_SHAPE, "array(): row %zu has %zu items, expected %zu", i,
			                    mc_type(r) == MC_T_LIST ? n : 0, *cols);
		for (j = 0; j < n; j++) {
			mc_value *e = *cols > 0 ? mc_list_get(r, j) : r;

			if (!s_is_num(e))
				return mc_error_set(err, MC_ERR_TYPE, "array(): item [%zu%s] is %s, expected a number", i,
				                    *cols > 0 ? "][j" : "", mc_type_name(e));
			if (mc_type(e) == MC_T_FLOAT)
				*all_int = 0;
		}
	}
	if (rows > 0 && mc_type(mc_list_get(x, 0)) == MC_T_LIST && *cols == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "array(): rows must not be empty");
	return 0;
}

static int s_array(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "values"), *a;
	const char *dt = NULL;
	size_t rows, cols, i, j;
	int want_int;

	if (mc_arg_str_opt(call, "dtype", &dt, err) < 0)
		return err->code;
	if (dt != NULL && strcmp(dt, "float64") != 0 && strcmp(dt, "int64") != 0 &&
	    strcmp(dt, "float") != 0 && strcmp(dt, "int") != 0)
		return mc_error_set(err, MC_ERR_INVALID, "array(): dtype must be \"float64\" or \"int64\", got \"%s\"", dt);
	if (mc_type(x) == MC_T_ARRAY)
		return s_array_convert(out, x, dt, err);
	if (mc_type(x) != MC_T_LIST)
		return mc_error_set(err, MC_ERR_TYPE, "array(): expected a list of numbers or of lists, got %s",
		                    mc_type_name(x));
	if (s_list_shape(x, &cols, &want_int, err) != 0)
		return err->code;
	if (dt != NULL)
		want_int = dt[0] == 'i';
	rows = mc_list_len(x);
	a = mc_array_new(want_int ? MC_I64 : MC_F64, rows, cols);
	if (a == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "array(): out of memory");
	for (i = 0; i < rows; i++)
		for (j = 0; j < (cols > 0 ? cols : 1); j++) {
			mc_value *e = cols > 0 ? mc_list_get(mc_list_get(x, i), j) : mc_list_get(x, i);
			size_t k = cols > 0 ? i * cols + j : i;

			if (want_int)
				mc_array_i64(a)[k] = mc_type(e) == MC_T_FLOAT ? (int64_t)mc_as_float(e) : mc_as_int(e);
			else
				mc_array_f64(a)[k] = mc_as_float(e);
		}
	*out = a;
	return 0;
}

static int s_array_tolist(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *rows;
	size_t i;

	if (mc_value_items(&rows, self, call->io, call->interp, "array.tolist", err) != 0)
		return err->code;
	if (mc_array_cols(self) > 0)
		for (i = 0; i < mc_list_len(rows); i++) {
			mc_value *r;

			if (mc_value_items(&r, mc_list_get(rows, i), call->io, call->interp, "array.tolist",
			                   err) != 0 || mc_list_set(rows, i, r) != 0) {
				mc_unref(rows);
				return err->code != 0 ? err->code : mc_error_nomem(err);
			}
		}
	*out = rows;
	return 0;
}

/* The reductions: over all elements, or along an axis (0: columns, 1: rows). */
static int s_reduce(mc_call *call, mc_value **out, mc_error *err, mc_reduce kind)
{
	mc_value *self = mc_call_self(call), *ax = mc_arg(call, "axis");
	size_t cols = mc_array_cols(self);
	int64_t axis = -1;

	if (mc_type(ax) != MC_T_NONE) {
		if (mc_type(ax) != MC_T_INT || (cols > 0 ? (mc_as_int(ax) < 0 || mc_as_int(ax) > 1) : mc_as_int(ax) != 0))
			return mc_error_set(err, MC_ERR_INVALID, "%s(): axis must be %s", mc_call_name(call),
			                    cols > 0 ? "0, 1 or None" : "0 or None");
		axis = mc_as_int(ax);
	}
	return mc_array_reduce(out, self, kind, axis, mc_call_name(call), err);
}

static int s_array_sum(mc_call *c, mc_value **o, mc_error *e) { return s_reduce(c, o, e, MC_REDUCE_SUM); }
static int s_array_mean(mc_call *c, mc_value **o, mc_error *e) { return s_reduce(c, o, e, MC_REDUCE_MEAN); }
static int s_array_min(mc_call *c, mc_value **o, mc_error *e) { return s_reduce(c, o, e, MC_REDUCE_MIN); }
static int s_array_max(mc_call *c, mc_value **o, mc_error *e) { return s_reduce(c, o, e, MC_REDUCE_MAX); }
static int s_array_argmax(mc_call *c, mc_value **o, mc_error *e) { return s_reduce(c, o, e, MC_REDUCE_ARGMAX); }
static int s_array_argmin(mc_call *c, mc_value **o, mc_error *e) { return s_reduce(c, o, e, MC_REDUCE_ARGMIN); }

static int s_anyall(mc_call *call, mc_value **out, mc_error *err, int want_all)
{
	mc_value *self = mc_call_self(call);
	size_t i, n = mc_array_size(self);
	int found = 0;

	(void)err;
	for (i = 0; i < n && !found; i++)
		found = (mc_array_at(self, i) != 0.0) != want_all;
	*out = mc_bool(want_all ? !found : found);
	return 0;
}

static int s_array_any(mc_call *c, mc_value **o, mc_error *e) { return s_anyall(c, o, e, 0); }
static int s_array_all(mc_call *c, mc_value **o, mc_error *e) { return s_anyall(c, o, e, 1); }

const mc_func_def mc_funcs_array[] = {
	{ .name = "array", .signature = "(values, dtype=None)",
	  .doc = "A numeric array from a list of numbers (1-D) or a list of lists (2-D).",
	  .long_doc = "dtype is \"float64\" or \"int64\"; by default int64 when every item is an int.",
	  .fn = s_array },
	{ .name = "array.tolist", .signature = "()",
	  .doc = "The elements as a list (a list of lists for 2-D).", .fn = s_array_tolist },
	{ .name = "array.sum", .signature = "(axis=None)",
	  .doc = "Sum of all elements, or along axis 0 (down columns) or 1 (across rows).", .fn = s_array_sum },
	{ .name = "array.mean", .signature = "(axis=None)",
	  .doc = "Mean of all elements, or along an axis.", .fn = s_array_mean },
	{ .name = "array.min", .signature = "(axis=None)",
	  .doc = "Smallest element, or along an axis.", .fn = s_array_min },
	{ .name = "array.max", .signature = "(axis=None)",
	  .doc = "Largest element, or along an axis.", .fn = s_array_max },
	{ .name = "array.argmax", .signature = "(axis=None)",
	  .doc = "Index of the largest element (flat), or along an axis.", .fn = s_array_argmax },
	{ .name = "array.argmin", .signature = "(axis=None)",
	  .doc = "Index of the smallest element (flat), or along an axis.", .fn = s_array_argmin },
	{ .name = "array.any", .signature = "()",
	  .doc = "True if some element is non-zero (a mask: some is True).", .fn = s_array_any },
	{ .name = "array.all", .signature = "()",
	  .doc = "True if every element is non-zero (a mask: all are True).", .fn = s_array_all },
	{ .name = NULL }
};
