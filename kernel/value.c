/* This module implements the values of the command language (kernel/value.h):
 * typed, reference-counted scalars, strings, lists, dicts, arrays, functions
 * and objects, their Python-like text form and their MIME bundles. */
#include "value.h"
#include "lang.h"
#include "maskclean/matrix.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_value {
	long refs;
	mc_vtype type;
	union {
		int b;
		int64_t i;
		double f;
		struct { char *s; size_t n; } str;
		struct { mc_value **items; size_t n, cap; } list;
		struct { mc_value **keys, **vals; size_t n, cap; } dict;
		struct { mc_dtype dtype; size_t rows, cols; void *data; int mask; } arr;
		struct { const mc_func_def *def; mc_value *self; } fn;
		struct { const mc_class *cls; void *ptr; } obj;
	} u;
};

static mc_value *s_alloc(mc_vtype t)
{
	mc_value *v = calloc(1, sizeof *v);

	if (v != NULL) {
		v->refs = 1;
		v->type = t;
	}
	return v;
}

mc_value *mc_none(void) { return s_alloc(MC_T_NONE); }

mc_value *mc_bool(int b)
{
	mc_value *v = s_alloc(MC_T_BOOL);

	if (v != NULL)
		v->u.b = b != 0;
	return v;
}

mc_value *mc_int(int64_t i)
{
	mc_value *v = s_alloc(MC_T_INT);

	if (v != NULL)
		v->u.i = i;
	return v;
}

mc_value *mc_float(double f)
{
	mc_value *v = s_alloc(MC_T_FLOAT);

	if (v != NULL)
		v->u.f = f;
	return v;
}

mc_value *mc_strn(const char *s, size_t n)
{
	mc_value *v = s_alloc(MC_T_STR);

	if (v == NULL)
		return NULL;
	v->u.str.s = malloc(n + 1);
	if (v->u.str.s == NULL) {
		free(v);
		return NULL;
	}
	if (n > 0)
		memcpy(v->u.str.s, s, n);
	v->u.str.s[n] = '\0';
	v->u.str.n = n;
	return v;
}

mc_value *mc_str(const char *s)
{
	return mc_strn(s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

mc_value *mc_list_new(void) { return s_alloc(MC_T_LIST); }
mc_value *mc_dict_new(void) { return s_alloc(MC_T_DICT); }

mc_value *mc_array_new(mc_dtype dtype, size_t rows, size_t cols)
{
	size_t n = rows;
	mc_value *v;

	if (cols > 0) {
		if (rows != 0 && cols > SIZE_MAX / 8 / rows)
			return NULL;
		n = rows * cols;
	}
	if (n > SIZE_MAX / 8)
		return NULL;
	v = s_alloc(MC_T_ARRAY);
	if (v == NULL)
		return NULL;
	v->u.arr.data = calloc(n > 0 ? n : 1, 8);
	if (v->u.arr.data == NULL) {
		free(v);
		return NULL;
	}
	v->u.arr.dtype = dtype;
	v->u.arr.rows = rows;
	v->u.arr.cols = cols;
	return v;
}

mc_value *mc_object_new(const mc_class *cls, void *ptr)
{
	mc_value *v = s_alloc(MC_T_OBJECT);

	if (v == NULL) {
		if (cls != NULL && cls->free != NULL && ptr != NULL)
			cls->free(ptr);
		return NULL;
	}
	v->u.obj.cls = cls;
	v->u.obj.ptr = ptr;
	return v;
}

mc_value *mc_func_new(const mc_func_def *def, mc_value *self)
{
	mc_value *v = s_alloc(MC_T_FUNC);

	if (v == NULL)
		return NULL;
	v->u.fn.def = def;
	v->u.fn.self = mc_ref(self);
	return v;
}

const mc_func_def *mc_func_def_of(const mc_value *v)
{
	return (v != NULL && v->type == MC_T_FUNC) ? v->u.fn.def : NULL;
}

mc_value *mc_func_self(const mc_value *v)
{
	return (v != NULL && v->type == MC_T_FUNC) ? v->u.fn.self : NULL;
}

mc_value *mc_ref(mc_value *v)
{
	if (v != NULL)
		v->refs++;
	return v;
}

void mc_unref(mc_value *v)
{
	size_t i;

	if (v == NULL || --v->refs > 0)
		return;
	switch (v->type) {
	case MC_T_STR:
		free(v->u.str.s);
		break;
	case MC_T_LIST:
		for (i = 0; i < v->u.list.n; i++)
			mc_unref(v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case MC_T_DICT:
		for (i = 0; i < v->u.dict.n; i++) {
			mc_unref(v->u.dict.keys[i]);
			mc_unref(v->u.dict.vals[i]);
		}
		free(v->u.dict.keys);
		free(v->u.dict.vals);
		break;
	case MC_T_ARRAY:
		free(v->u.arr.data);
		break;
	case MC_T_FUNC:
		mc_unref(v->u.fn.self);
		break;
	case MC_T_OBJECT:
		if (v->u.obj.cls != NULL && v->u.obj.cls->free != NULL && v->u.obj.ptr != NULL)
			v->u.obj.cls->free(v->u.obj.ptr);
		break;
	default:
		break;
	}
	free(v);
}

mc_vtype mc_type(const mc_value *v) { return v != NULL ? v->type : MC_T_NONE; }

const char *mc_type_name(const mc_value *v)
{
	switch (mc_type(v)) {
	case MC_T_NONE: return "none";
	case MC_T_BOOL: return "bool";
	case MC_T_INT: return "int";
	case MC_T_FLOAT: return "float";
	case MC_T_STR: return "str";
	case MC_T_LIST: return "list";
	case MC_T_DICT: return "dict";
	case MC_T_ARRAY: return "array";
	case MC_T_FUNC: return "function";
	case MC_T_OBJECT:
		return (v->u.obj.cls != NULL && v->u.obj.cls->name != NULL) ?
			v->u.obj.cls->name : "object";
	}
	return "?";
}

const char *mc_value_method_prefix(const mc_value *v)
{
	return mc_type_name(v);
}

int mc_as_bool(const mc_value *v)
{
	switch (mc_type(v)) {
	case MC_T_NONE: return 0;
	case MC_T_BOOL: return v->u.b;
	case MC_T_INT: return v->u.i != 0;
	case MC_T_FLOAT: return v->u.f != 0.0;
	case MC_T_STR: return v->u.str.n > 0;
	case MC_T_LIST: return v->u.list.n > 0;
	case MC_T_DICT: return v->u.dict.n > 0;
	case MC_T_ARRAY: return mc_array_size(v) > 0;
	default: return 1;
	}
}

int64_t mc_as_int(const mc_value *v)
{
	switch (mc_type(v)) {
	case MC_T_BOOL: return v->u.b;
	case MC_T_INT: return v->u.i;
	case MC_T_FLOAT: return (int64_t)v->u.f;
	default: return 0;
	}
}

double mc_as_float(const mc_value *v)
{
	switch (mc_type(v)) {
	case MC_T_BOOL: return v->u.b;
	case MC_T_INT: return (double)v->u.i;
	case MC_T_FLOAT: return v->u.f;
	default: return NAN;
	}
}

const char *mc_as_str(const mc_value *v)
{
	return mc_type(v) == MC_T_STR ? v->u.str.s : NULL;
}

size_t mc_str_len(const mc_value *v)
{
	return mc_type(v) == MC_T_STR ? v->u.str.n : 0;
}

size_t mc_list_len(const mc_value *v)
{
	return mc_type(v) == MC_T_LIST ? v->u.list.n : 0;
}

mc_value *mc_list_get(const mc_value *v, size_t i)
{
	if (mc_type(v) != MC_T_LIST || i >= v->u.list.n)
		return NULL;
	return v->u.list.items[i];
}

int mc_list_append(mc_value *list, mc_value *item)
{
	if (item == NULL)
		return MC_ERR_NOMEM;
	if (mc_type(list) != MC_T_LIST) {
		mc_unref(item);
		return MC_ERR_TYPE;
	}
	if (list->u.list.n == list->u.list.cap) {
		size_t cap = list->u.list.cap ? 2 * list->u.list.cap : 8;
		mc_value **p = realloc(list->u.list.items, cap * sizeof *p);

		if (p == NULL) {
			mc_unref(item);
			return MC_ERR_NOMEM;
		}
		list->u.list.items = p;
		list->u.list.cap = cap;
	}
	list->u.list.items[list->u.list.n++] = item;
	return 0;
}

int mc_list_set(mc_value *list, size_t i, mc_value *item)
{
	if (item == NULL)
		return MC_ERR_NOMEM;
	if (mc_type(list) != MC_T_LIST || i >= list->u.list.n) {
		mc_unref(item);
		return MC_ERR_INVALID;
	}
	mc_unref(list->u.list.items[i]);
	list->u.list.items[i] = item;
	return 0;
}

size_t mc_dict_len(const mc_value *v)
{
	return mc_type(v) == MC_T_DICT ? v->u.dict.n : 0;
}

mc_value *mc_dict_key(const mc_value *v, size_t i)
{
	if (mc_type(v) != MC_T_DICT || i >= v->u.dict.n)
		return NULL;
	return v->u.dict.keys[i];
}

mc_value *mc_dict_value(const mc_value *v, size_t i)
{
	if (mc_type(v) != MC_T_DICT || i >= v->u.dict.n)
		return NULL;
	return v->u.dict.vals[i];
}

static int s_key_equal(const mc_value *a, const mc_value *b)
{
	if (a->type == MC_T_STR && b->type == MC_T_STR)
		return a->u.str.n == b->u.str.n && memcmp(a->u.str.s, b->u.str.s, a->u.str.n) == 0;
	if ((a->type == MC_T_INT || a->type == MC_T_BOOL) &&
	    (b->type == MC_T_INT || b->type == MC_T_BOOL))
		return mc_as_int(a) == mc_as_int(b);
	return 0;
}

mc_value *mc_dict_get(const mc_value *v, const char *key)
{
	size_t i;

	if (mc_type(v) != MC_T_DICT || key == NULL)
		return NULL;
	for (i = 0; i < v->u.dict.n; i++) {
		const mc_value *k = v->u.dict.keys[i];

		if (k->type == MC_T_STR && strcmp(k->u.str.s, key) == 0)
			return v->u.dict.vals[i];
	}
	return NULL;
}

/* Index of key in dict, or -1. */
static long s_dict_find(const mc_value *d, const mc_value *key)
{
	size_t i;

	for (i = 0; i < d->u.dict.n; i++)
		if (s_key_equal(d->u.dict.keys[i], key))
			return (long)i;
	return -1;
}

mc_value *mc_dict_lookup(const mc_value *d, const mc_value *key)
{
	long i;

	if (mc_type(d) != MC_T_DICT || key == NULL)
		return NULL;
	i = s_dict_find(d, key);
	return i < 0 ? NULL : d->u.dict.vals[i];
}

int mc_dict_set(mc_value *dict, mc_value *key, mc_value *item)
{
	long i;

	if (item == NULL)
		return MC_ERR_NOMEM;
	if (mc_type(dict) != MC_T_DICT || key == NULL ||
	    (key->type != MC_T_STR && key->type != MC_T_INT && key->type != MC_T_BOOL)) {
		mc_unref(item);
		return MC_ERR_TYPE;
	}
	i = s_dict_find(dict, key);
	if (i >= 0) {
		mc_unref(dict->u.dict.vals[i]);
		dict->u.dict.vals[i] = item;
		return 0;
	}
	if (dict->u.dict.n == dict->u.dict.cap) {
		size_t cap = dict->u.dict.cap ? 2 * dict->u.dict.cap : 8;
		mc_value **k = realloc(dict->u.dict.keys, cap * sizeof *k);

		if (k == NULL) {
			mc_unref(item);
			return MC_ERR_NOMEM;
		}
		dict->u.dict.keys = k;
		k = realloc(dict->u.dict.vals, cap * sizeof *k);
		if (k == NULL) {
			mc_unref(item);
			return MC_ERR_NOMEM;
		}
		dict->u.dict.vals = k;
		dict->u.dict.cap = cap;
	}
	dict->u.dict.keys[dict->u.dict.n] = mc_ref(key);
	dict->u.dict.vals[dict->u.dict.n] = item;
	dict->u.dict.n++;
	return 0;
}

int mc_dict_set_str(mc_value *dict, const char *key, mc_value *item)
{
	mc_value *k = mc_str(key);
	int rc;

	if (k == NULL) {
		mc_unref(item);
		return MC_ERR_NOMEM;
	}
	rc = mc_dict_set(dict, k, item);
	mc_unref(k);
	return rc;
}

mc_dtype mc_array_dtype(const mc_value *v)
{
	return mc_type(v) == MC_T_ARRAY ? v->u.arr.dtype : MC_F64;
}

size_t mc_array_rows(const mc_value *v)
{
	return mc_type(v) == MC_T_ARRAY ? v->u.arr.rows : 0;
}

size_t mc_array_cols(const mc_value *v)
{
	return mc_type(v) == MC_T_ARRAY ? v->u.arr.cols : 0;
}

size_t mc_array_size(const mc_value *v)
{
	if (mc_type(v) != MC_T_ARRAY)
		return 0;
	return v->u.arr.cols > 0 ? v->u.arr.rows * v->u.arr.cols : v->u.arr.rows;
}

double *mc_array_f64(mc_value *v)
{
	return (mc_type(v) == MC_T_ARRAY && v->u.arr.dtype == MC_F64) ? v->u.arr.data : NULL;
}

int64_t *mc_array_i64(mc_value *v)
{
	return (mc_type(v) == MC_T_ARRAY && v->u.arr.dtype == MC_I64) ? v->u.arr.data : NULL;
}

static void s_describe(const mc_value *v, char *buf, size_t n)
{
	if (mc_type(v) != MC_T_ARRAY)
		snprintf(buf, n, "%s", mc_type_name(v));
	else if (v->u.arr.cols == 0)
		snprintf(buf, n, "1-D %s array of %zu", v->u.arr.dtype == MC_F64 ? "float64" : "int64",
		         v->u.arr.rows);
	else
		snprintf(buf, n, "%zux%zu %s array", v->u.arr.rows, v->u.arr.cols,
		         v->u.arr.dtype == MC_F64 ? "float64" : "int64");
}

int mc_array_as_matrix(mc_value *v, struct mc_matrix *view, mc_error *err)
{
	char what[96];

	if (mc_type(v) != MC_T_ARRAY || v->u.arr.cols == 0 || v->u.arr.dtype != MC_F64) {
		s_describe(v, what, sizeof what);
		return mc_error_set(err, MC_ERR_TYPE, "expected a 2-D float64 array, got %s", what);
	}
	view->rows = v->u.arr.rows;
	view->cols = v->u.arr.cols;
	view->stride = v->u.arr.cols;
	view->data = v->u.arr.data;
	view->owns = 0;
	return 0;
}

mc_value *mc_array_from_matrix(const struct mc_matrix *m)
{
	mc_value *v;
	double *d;
	size_t i;

	if (m == NULL || m->cols == 0)
		return NULL;
	v = mc_array_new(MC_F64, m->rows, m->cols);
	if (v == NULL)
		return NULL;
	d = v->u.arr.data;
	for (i = 0; i < m->rows; i++)
		memcpy(d + i * m->cols, m->data + i * m->stride, m->cols * sizeof *d);
	return v;
}

void mc_array_set_mask(mc_value *v, int mask)
{
	if (mc_type(v) == MC_T_ARRAY && v->u.arr.dtype == MC_I64)
		v->u.arr.mask = mask != 0;
}

int mc_array_is_mask(const mc_value *v)
{
	return mc_type(v) == MC_T_ARRAY && v->u.arr.mask;
}

const mc_class *mc_object_class(const mc_value *v)
{
	return mc_type(v) == MC_T_OBJECT ? v->u.obj.cls : NULL;
}

void *mc_object_ptr(const mc_value *v)
{
	return mc_type(v) == MC_T_OBJECT ? v->u.obj.ptr : NULL;
}

/* ---- text forms ---- */

typedef struct s_buf {
	char *s;
	size_t n, cap;
	int oom;
} s_buf;

static void s_put(s_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void s_puts(s_buf *b, const char *s) { s_put(b, s, strlen(s)); }

static char *s_finish(s_buf *b)
{
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	if (b->s == NULL)
		return strdup("");
	return b->s;
}

/* Shortest text that reads back as f, formatted as Python's repr(float). */
static void s_fmt_float(double f, char *out, size_t n)
{
	char buf[64];
	int p, exp10;
	const char *e;

	if (isnan(f)) {
		snprintf(out, n, "nan");
		return;
	}
	if (isinf(f)) {
		snprintf(out, n, f < 0 ? "-inf" : "inf");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	if (p > 17)
		p = 17;
	e = strchr(buf, 'e');
	exp10 = e != NULL ? atoi(e + 1) : 0;
	if (exp10 >= -4 && exp10 < 16) {
		int dec = p - 1 - exp10;

		snprintf(out, n, "%.*f", dec > 0 ? dec : 0, f);
		if (strchr(out, '.') == NULL && strlen(out) + 3 < n)
			strcat(out, ".0");
	} else {
		snprintf(out, n, "%s", buf);
	}
}

static void s_repr_str(s_buf *b, const char *s, size_t n)
{
	char q = (memchr(s, '\'', n) != NULL && memchr(s, '"', n) == NULL) ? '"' : '\'';
	size_t i;

	s_put(b, &q, 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c == '\\')
			s_puts(b, "\\\\");
		else if (c == (unsigned char)q)
			s_puts(b, q == '\'' ? "\\'" : "\\\"");
		else if (c == '\n')
			s_puts(b, "\\n");
		else if (c == '\t')
			s_puts(b, "\\t");
		else if (c == '\r')
			s_puts(b, "\\r");
		else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", c);
			s_puts(b, esc);
		} else
			s_put(b, (const char *)&s[i], 1);
	}
	s_put(b, &q, 1);
}

#define S_SEQ_MAX 60    /* lists and dicts longer than this are shortened */
#define S_SEQ_HEAD 25
#define S_SEQ_TAIL 5
#define S_ARR_MAX 1000  /* numpy's threshold */
#define S_ARR_EDGE 3

static void s_repr(s_buf *b, const mc_value *v, int depth);

static void s_fmt_elem(const mc_value *a, size_t k, int all_int, char *out, size_t n)
{
	if (a->u.arr.mask && a->u.arr.dtype == MC_I64) {
		snprintf(out, n, "%s", ((const int64_t *)a->u.arr.data)[k] != 0 ? "True" : "False");
	} else if (a->u.arr.dtype == MC_I64) {
		snprintf(out, n, "%lld", (long long)((const int64_t *)a->u.arr.data)[k]);
	} else {
		double f = ((const double *)a->u.arr.data)[k];

		if (all_int && isfinite(f))
			snprintf(out, n, "%.0f.", f);
		else if (isnan(f))
			snprintf(out, n, "nan");
		else if (isinf(f))
			snprintf(out, n, f < 0 ? "-inf" : "inf");
		else {
			snprintf(out, n, "%.8g", f);
			if (strchr(out, '.') == NULL && strchr(out, 'e') == NULL && strlen(out) + 2 < n)
				strcat(out, ".");
		}
	}
}

/* Indices shown along an axis of length len: all, or edges with a gap. */
static size_t s_axis_shown(size_t len, int trunc, size_t j)
{
	if (!trunc || len <= 2 * S_ARR_EDGE)
		return j;
	return j < S_ARR_EDGE ? j : len - 2 * S_ARR_EDGE + j;
}

static void s_repr_array(s_buf *b, const mc_value *a)
{
	size_t rows = a->u.arr.rows, cols = a->u.arr.cols, size = mc_array_size(a);
	int trunc = size > S_ARR_MAX;
	size_t nr = (trunc && rows > 2 * S_ARR_EDGE) ? 2 * S_ARR_EDGE : rows;
	size_t nc = cols == 0 ? 0 : ((trunc && cols > 2 * S_ARR_EDGE) ? 2 * S_ARR_EDGE : cols);
	int all_int = 1;
	size_t width = 1, i, j, k;
	char tmp[64];

	if (a->u.arr.dtype == MC_F64) {
		const double *d = a->u.arr.data;

		for (k = 0; k < size; k++)
			if (isfinite(d[k]) && (d[k] != floor(d[k]) || fabs(d[k]) >= 1e16)) {
				all_int = 0;
				break;
			}
	}
	/* common width over the shown elements */
	for (i = 0; i < nr; i++) {
		size_t r = s_axis_shown(rows, trunc, i);

		for (j = 0; j < (cols ? nc : 1); j++) {
			size_t c = cols ? s_axis_shown(cols, trunc, j) : 0;

			s_fmt_elem(a, cols ? r * cols + c : r, all_int, tmp, sizeof tmp);
			if (strlen(tmp) > width)
				width = strlen(tmp);
		}
	}
	s_puts(b, "array([");
	for (i = 0; i < nr; i++) {
		size_t r = s_axis_shown(rows, trunc, i);

		if (i > 0) {
			s_puts(b, cols ? ",\n       " : ", ");
			if (trunc && i == S_ARR_EDGE && rows > 2 * S_ARR_EDGE)
				s_puts(b, cols ? "...,\n       " : "..., ");
		}
		if (cols == 0) {
			s_fmt_elem(a, r, all_int, tmp, sizeof tmp);
			s_puts(b, tmp);
			continue;
		}
		s_puts(b, "[");
		for (j = 0; j < nc; j++) {
			size_t c = s_axis_shown(cols, trunc, j);
			char pad[80];

			if (j > 0) {
				s_puts(b, ", ");
				if (trunc && j == S_ARR_EDGE && cols > 2 * S_ARR_EDGE)
					s_puts(b, "..., ");
			}
			s_fmt_elem(a, r * cols + c, all_int, tmp, sizeof tmp);
			snprintf(pad, sizeof pad, "%*s", (int)width, tmp);
			s_puts(b, pad);
		}
		s_puts(b, "]");
	}
	s_puts(b, "]");
	if (trunc || size == 0) {
		if (cols)
			snprintf(tmp, sizeof tmp, ", shape=(%zu, %zu)", rows, cols);
		else
			snprintf(tmp, sizeof tmp, ", shape=(%zu,)", rows);
		s_puts(b, tmp);
	}
	if (a->u.arr.dtype == MC_I64 && size == 0)
		s_puts(b, ", dtype=int64");
	s_puts(b, ")");
}

static void s_repr(s_buf *b, const mc_value *v, int depth)
{
	char tmp[64];
	size_t i, n;

	switch (mc_type(v)) {
	case MC_T_NONE:
		s_puts(b, "None");
		break;
	case MC_T_BOOL:
		s_puts(b, v->u.b ? "True" : "False");
		break;
	case MC_T_INT:
		snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
		s_puts(b, tmp);
		break;
	case MC_T_FLOAT:
		s_fmt_float(v->u.f, tmp, sizeof tmp);
		s_puts(b, tmp);
		break;
	case MC_T_STR:
		s_repr_str(b, v->u.str.s, v->u.str.n);
		break;
	case MC_T_LIST:
	case MC_T_DICT:
		n = v->type == MC_T_LIST ? v->u.list.n : v->u.dict.n;
		s_puts(b, v->type == MC_T_LIST ? "[" : "{");
		if (depth > 20) {
			s_puts(b, "...");
		} else {
			for (i = 0; i < n; i++) {
				if (n > S_SEQ_MAX && i == S_SEQ_HEAD) {
					s_puts(b, ", ...");
					i = n - S_SEQ_TAIL;
				}
				if (i > 0)
					s_puts(b, ", ");
				if (v->type == MC_T_LIST) {
					s_repr(b, v->u.list.items[i], depth + 1);
				} else {
					s_repr(b, v->u.dict.keys[i], depth + 1);
					s_puts(b, ": ");
					s_repr(b, v->u.dict.vals[i], depth + 1);
				}
			}
		}
		s_puts(b, v->type == MC_T_LIST ? "]" : "}");
		if (n > S_SEQ_MAX) {
			snprintf(tmp, sizeof tmp, "  # %zu items", n);
			s_puts(b, tmp);
		}
		break;
	case MC_T_ARRAY:
		s_repr_array(b, v);
		break;
	case MC_T_FUNC:
		if (v->u.fn.self != NULL) {
			s_puts(b, "<bound method ");
			s_puts(b, v->u.fn.def->name);
			s_puts(b, ">");
		} else {
			s_puts(b, "<function ");
			s_puts(b, v->u.fn.def->name);
			s_puts(b, ">");
		}
		break;
	case MC_T_OBJECT:
		if (v->u.obj.cls != NULL && v->u.obj.cls->repr != NULL) {
			char *r = v->u.obj.cls->repr(v->u.obj.ptr);

			if (r != NULL) {
				s_puts(b, r);
				free(r);
				break;
			}
		}
		s_puts(b, "<");
		s_puts(b, mc_type_name(v));
		s_puts(b, " object>");
		break;
	}
}

char *mc_value_repr(const mc_value *v)
{
	s_buf b = { 0 };

	s_repr(&b, v, 0);
	return s_finish(&b);
}

char *mc_value_str(const mc_value *v)
{
	if (mc_type(v) == MC_T_STR)
		return strdup(v->u.str.s);
	return mc_value_repr(v);
}

int mc_value_equal(const mc_value *a, const mc_value *b)
{
	mc_vtype ta = mc_type(a), tb = mc_type(b);
	size_t i;

	if ((ta == MC_T_INT || ta == MC_T_BOOL) && (tb == MC_T_INT || tb == MC_T_BOOL))
		return mc_as_int(a) == mc_as_int(b);
	if ((ta == MC_T_INT || ta == MC_T_BOOL || ta == MC_T_FLOAT) &&
	    (tb == MC_T_INT || tb == MC_T_BOOL || tb == MC_T_FLOAT))
		return mc_as_float(a) == mc_as_float(b);
	if (ta != tb)
		return 0;
	switch (ta) {
	case MC_T_NONE:
		return 1;
	case MC_T_STR:
		return s_key_equal(a, b);
	case MC_T_LIST:
		if (a->u.list.n != b->u.list.n)
			return 0;
		for (i = 0; i < a->u.list.n; i++)
			if (!mc_value_equal(a->u.list.items[i], b->u.list.items[i]))
				return 0;
		return 1;
	case MC_T_DICT:
		if (a->u.dict.n != b->u.dict.n)
			return 0;
		for (i = 0; i < a->u.dict.n; i++) {
			const mc_value *o = mc_dict_lookup(b, a->u.dict.keys[i]);

			if (o == NULL || !mc_value_equal(a->u.dict.vals[i], o))
				return 0;
		}
		return 1;
	case MC_T_ARRAY:
		if (a->u.arr.rows != b->u.arr.rows || a->u.arr.cols != b->u.arr.cols)
			return 0;
		for (i = 0; i < mc_array_size(a); i++) {
			double x = a->u.arr.dtype == MC_F64 ? ((double *)a->u.arr.data)[i] :
				(double)((int64_t *)a->u.arr.data)[i];
			double y = b->u.arr.dtype == MC_F64 ? ((double *)b->u.arr.data)[i] :
				(double)((int64_t *)b->u.arr.data)[i];

			if (x != y)
				return 0;
		}
		return 1;
	case MC_T_FUNC:
		return a->u.fn.def == b->u.fn.def && a->u.fn.self == b->u.fn.self;
	default:
		return a == b;
	}
}

int mc_value_bundle(const mc_value *v, json_t **data, json_t **metadata, mc_error *err)
{
	char *text;
	json_t *d = NULL, *m = NULL;
	int rc = MC_ERR_NOMEM;

	*data = NULL;
	*metadata = NULL;
	text = mc_value_repr(v);
	d = json_object();
	m = json_object();
	if (text == NULL || d == NULL || m == NULL ||
	    json_object_set_new(d, "text/plain", json_string(text)) != 0) {
		mc_error_set(err, MC_ERR_NOMEM, "out of memory while showing a %s", mc_type_name(v));
		goto cleanup;
	}
	if (mc_type(v) == MC_T_OBJECT && v->u.obj.cls != NULL && v->u.obj.cls->display != NULL) {
		rc = v->u.obj.cls->display(v->u.obj.ptr, d, m, err);
		if (rc != 0)
			goto cleanup;
	}
	*data = d;
	*metadata = m;
	d = m = NULL;
	rc = 0;
cleanup:
	free(text);
	json_decref(d);
	json_decref(m);
	return rc;
}

int mc_bundle_add_png(json_t *data, json_t *metadata, const unsigned char *png,
                      size_t len, int width, int height, mc_error *err)
{
	size_t outlen;
	unsigned char *b64;
	json_t *meta;

	if (len > (size_t)INT32_MAX / 4 * 3)
		return mc_error_set(err, MC_ERR_INVALID, "PNG of %zu bytes is too large to show", len);
	outlen = 4 * ((len + 2) / 3) + 1;
	b64 = malloc(outlen);
	if (b64 == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory encoding a PNG of %zu bytes", len);
	EVP_EncodeBlock(b64, png, (int)len);
	meta = json_pack("{s:i, s:i}", "width", width, "height", height);
	if (meta == NULL || json_object_set_new(metadata, "image/png", meta) != 0 ||
	    json_object_set_new(data, "image/png", json_string((const char *)b64)) != 0) {
		free(b64);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory adding a PNG to a bundle");
	}
	free(b64);
	return 0;
}

/* ---- UTF-8 ---- */

size_t mc_utf8_count(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n && s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

size_t mc_utf8_offset(const char *s, size_t cp)
{
	size_t i = 0, c = 0;

	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (c == cp)
				return i;
			c++;
		}
		i++;
	}
	return i;
}
