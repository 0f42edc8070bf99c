/* This module implements iteration over the values of the command language
 * (lang.h): what "for x in v" walks, what list(v), sorted(v), sum(v) and the
 * other builtins take, and len(v). Lists are walked live (an item appended
 * while walking is seen, as in Python), dicts refuse to change size under
 * a walk, ranges are never built as lists, and objects take part through
 * the "__iter__" and "__len__" methods of their type in the function table. */
#include "value_impl.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most items list(v) and friends build from a walk. */
#define S_MAX_ITEMS ((uint64_t)1 << 31)

static mc_value *s_array_item(mc_value *a, size_t i)
{
	size_t cols = mc_array_cols(a);
	mc_value *row;

	if (cols == 0) {
		if (mc_array_is_mask(a))
			return mc_bool(mc_array_i64(a)[i] != 0);
		return mc_array_dtype(a) == MC_F64 ? mc_float(mc_array_f64(a)[i]) : mc_int(mc_array_i64(a)[i]);
	}
	row = mc_array_new(mc_array_dtype(a), cols, 0);
	if (row == NULL)
		return NULL;
	mc_array_set_mask(row, mc_array_is_mask(a));
	memcpy(mc_array_dtype(a) == MC_F64 ? (void *)mc_array_f64(row) : (void *)mc_array_i64(row),
	       (const char *)a->u.arr.data + i * cols * 8, cols * 8);
	return row;
}

int mc_iter_init(mc_iter *it, mc_value *v, const mc_io *io, mc_interp *in, mc_error *err)
{
	memset(it, 0, sizeof *it);
	switch (mc_type(v)) {
	case MC_T_LIST:
	case MC_T_STR:
		break;
	case MC_T_DICT:
		it->version = v->u.dict.version;
		break;
	case MC_T_RANGE:
		it->n = v->u.range.len;
		break;
	case MC_T_ARRAY:
		it->n = mc_array_rows(v);
		break;
	case MC_T_OBJECT: {
		const mc_func_def *def = mc_special_method(v, "__iter__");
		mc_value *items = NULL;
		int bad, rc;

		if (def == NULL) {
			/* walked by index: 0 .. len - 1 */
			int64_t len;

			it->getitem = mc_special_method(v, "__getitem__");
			if (it->getitem == NULL || mc_special_method(v, "__len__") == NULL)
				break;
			if (mc_value_len(v, io, in, &len, err) != 0)
				return err->code;
			it->n = (uint64_t)len;
			it->io = io;
			it->in = in;
			it->src = mc_ref(v);
			return 0;
		}
		rc = mc_call_def(def, v, NULL, 0, io, in, NULL, &items, &bad, err);
		if (rc != 0)
			return rc;
		if (mc_type(items) == MC_T_OBJECT) {
			mc_unref(items);
			return mc_error_set(err, MC_ERR_TYPE, "%s.__iter__ gave an object, expected a list",
			                    mc_type_name(v));
		}
		rc = mc_iter_init(it, items, io, in, err);
		mc_unref(items);
		return rc;
	}
	default:
		break;
	}
	if (mc_type(v) == MC_T_OBJECT || mc_type(v) == MC_T_NONE || mc_type(v) == MC_T_BOOL ||
	    mc_type(v) == MC_T_INT || mc_type(v) == MC_T_FLOAT || mc_type(v) == MC_T_FUNC)
		return mc_error_set(err, MC_ERR_TYPE, "'%s' object is not iterable", mc_type_name(v));
	it->src = mc_ref(v);
	return 0;
}

int mc_iter_next(mc_iter *it, mc_value **out, mc_error *err)
{
	mc_value *v = it->src;

	*out = NULL;
	if (v == NULL)
		return 0;
	switch (v->type) {
	case MC_T_LIST:
		if (it->i >= v->u.list.n)
			return 0;
		*out = mc_ref(v->u.list.items[it->i++]);
		return 1;
	case MC_T_RANGE:
		if (it->i >= it->n)
			return 0;
		*out = mc_int(mc_range_item(v, it->i++));
		break;
	case MC_T_DICT:
		if (v->u.dict.version != it->version) {
			mc_lang_set_ename("RuntimeError");
			return mc_error_set(err, MC_ERR_STATE, "the dict changed size while a loop walked it "
			                    "(loop over list(d) to change d)");
		}
		while (it->i < v->u.dict.n && v->u.dict.e[it->i].key == NULL)
			it->i++;
		if (it->i >= v->u.dict.n)
			return 0;
		*out = mc_ref(v->u.dict.e[it->i++].key);
		return 1;
	case MC_T_STR: {
		size_t k = 1;

		if (it->off >= v->u.str.n)
			return 0;
		while (it->off + k < v->u.str.n && ((unsigned char)v->u.str.s[it->off + k] & 0xC0) == 0x80)
			k++;
		*out = mc_strn(v->u.str.s + it->off, k);
		it->off += k;
		break;
	}
	case MC_T_ARRAY:
		if (it->i >= it->n)
			return 0;
		*out = s_array_item(v, it->i++);
		break;
	case MC_T_OBJECT: {
		mc_callarg arg = { NULL, NULL };
		int bad, rc;

		if (it->i >= it->n)
			return 0;
		arg.value = mc_int((int64_t)it->i++);
		if (arg.value == NULL)
			return mc_error_nomem(err);
		rc = mc_call_def(it->getitem, v, &arg, 1, it->io, it->in, NULL, out, &bad, err);
		mc_unref(arg.value);
		if (rc != 0)
			return rc;
		break;
	}
	default:
		return 0;
	}
	if (*out == NULL)
		return mc_error_nomem(err);
	return 1;
}

void mc_iter_clear(mc_iter *it)
{
	if (it == NULL)
		return;
	mc_unref(it->src);
	it->src = NULL;
}

int mc_value_items(mc_value **out, mc_value *v, const mc_io *io, mc_interp *in, const char *fname,
                   mc_error *err)
{
	mc_iter it;
	mc_value *l, *item;
	int rc;
	uint64_t count = 0;

	*out = NULL;
	if (mc_type(v) == MC_T_LIST) {
		*out = mc_ref(v);
		return 0;
	}
	if (mc_iter_init(&it, v, io, in, err) != 0) {
		mc_error_prefix(err, "%s()", fname);
		return err->code;
	}
	if (it.n > S_MAX_ITEMS) {
		mc_iter_clear(&it);
		return mc_error_set(err, MC_ERR_INVALID, "%s(): %llu items are too many for a list (the "
		                    "limit is %llu)", fname, (unsigned long long)it.n,
		                    (unsigned long long)S_MAX_ITEMS);
	}
	l = mc_list_new();
	if (l == NULL || (it.n > 0 && mc_list_reserve(l, (size_t)it.n) != 0)) {
		mc_unref(l);
		mc_iter_clear(&it);
		return mc_error_set(err, MC_ERR_NOMEM, "%s(): out of memory", fname);
	}
	while ((rc = mc_iter_next(&it, &item, err)) == 1) {
		if ((++count & 0xFFF) == 0 && mc_lang_interrupted()) {
			mc_unref(item);
			rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
			break;
		}
		if (mc_list_append(l, item) != 0) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "%s(): out of memory", fname);
			break;
		}
	}
	mc_iter_clear(&it);
	if (rc != 0) {
		mc_unref(l);
		return err->code != 0 ? err->code : rc;
	}
	*out = l;
	return 0;
}

int mc_value_len(mc_value *v, const mc_io *io, mc_interp *in, int64_t *out, mc_error *err)
{
	switch (mc_type(v)) {
	case MC_T_STR:
		*out = (int64_t)mc_utf8_count(v->u.str.s, v->u.str.n);
		return 0;
	case MC_T_LIST:
		*out = (int64_t)v->u.list.n;
		return 0;
	case MC_T_DICT:
		*out = (int64_t)v->u.dict.live;
		return 0;
	case MC_T_ARRAY:
		*out = (int64_t)mc_array_rows(v);
		return 0;
	case MC_T_RANGE:
		if (v->u.range.len > (uint64_t)INT64_MAX) {
			mc_lang_set_ename("OverflowError");
			return mc_error_set(err, MC_ERR_INVALID, "len(): the range has %llu items, more than "
			                    "the largest int", (unsigned long long)v->u.range.len);
		}
		*out = (int64_t)v->u.range.len;
		return 0;
	case MC_T_OBJECT: {
		const mc_func_def *def = mc_special_method(v, "__len__");
		mc_value *n = NULL;
		int bad, rc;

		if (def == NULL)
			break;
		rc = mc_call_def(def, v, NULL, 0, io, in, NULL, &n, &bad, err);
		if (rc != 0)
			return rc;
		if (mc_type(n) != MC_T_INT || mc_as_int(n) < 0) {
			mc_unref(n);
			return mc_error_set(err, MC_ERR_TYPE, "%s.__len__ gave %s, expected an int >= 0",
			                    mc_type_name(v), mc_type_name(n));
		}
		*out = mc_as_int(n);
		mc_unref(n);
		return 0;
	}
	default:
		break;
	}
	return mc_error_set(err, MC_ERR_TYPE, "object of type '%s' has no len()", mc_type_name(v));
}
