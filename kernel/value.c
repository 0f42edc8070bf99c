/* This module implements the values of the command language (kernel/value.h):
 * typed, reference-counted scalars, strings, lists, arrays, ranges, functions
 * and objects, their Python-like text forms and their MIME bundles. Dicts
 * live in dict.c and the cycle collector in gc.c.
 *
 * Releasing a value never recurses: a container whose count drops to zero
 * goes on a list that one loop empties, so a list nested a million deep is
 * freed with a constant amount of C stack. None, True, False and the ints
 * -5..256 are shared values that are never freed. */
#include "value_impl.h"
#include "maskclean/matrix.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation ---- */

#define S_IMMORTAL (1L << 40)
#define S_SMALL_MIN (-5)
#define S_SMALL_MAX 256

static mc_value s_none_v = { S_IMMORTAL, MC_T_NONE, { 0 } };
static mc_value s_true_v = { S_IMMORTAL, MC_T_BOOL, { .b = 1 } };
static mc_value s_false_v = { S_IMMORTAL, MC_T_BOOL, { .b = 0 } };
static mc_value s_small[S_SMALL_MAX - S_SMALL_MIN + 1];
static int s_small_ready;

mc_value *mc_value_alloc(mc_vtype t)
{
	mc_value *v;

	if (t == MC_T_LIST || t == MC_T_DICT || t == MC_T_FUNC) {
		mc_gc_head *h = calloc(1, sizeof *h + sizeof *v);

		if (h == NULL)
			return NULL;
		v = MC_GC_VALUE(h);
	} else {
		v = calloc(1, sizeof *v);
		if (v == NULL)
			return NULL;
	}
	v->refs = 1;
	v->type = t;
	if (mc_is_container(v))
		mc_gc_track(v);
	return v;
}

static void s_free_mem(mc_value *v)
{
	if (mc_is_container(v))
		free(MC_GC_HEAD(v));
	else
		free(v);
}

mc_value *mc_none(void) { return &s_none_v; }

mc_value *mc_bool(int b)
{
	return b ? &s_true_v : &s_false_v;
}

mc_value *mc_int(int64_t i)
{
	mc_value *v;

	if (i >= S_SMALL_MIN && i <= S_SMALL_MAX) {
		if (!s_small_ready) {
			int k;

			for (k = 0; k <= S_SMALL_MAX - S_SMALL_MIN; k++) {
				s_small[k].refs = S_IMMORTAL;
				s_small[k].type = MC_T_INT;
				s_small[k].u.i = k + S_SMALL_MIN;
			}
			s_small_ready = 1;
		}
		return &s_small[i - S_SMALL_MIN];
	}
	v = mc_value_alloc(MC_T_INT);
	if (v != NULL)
		v->u.i = i;
	return v;
}

mc_value *mc_float(double f)
{
	mc_value *v = mc_value_alloc(MC_T_FLOAT);

	if (v != NULL)
		v->u.f = f;
	return v;
}

mc_value *mc_str_take(char *buf, size_t n)
{
	mc_value *v = mc_value_alloc(MC_T_STR);

	if (v == NULL) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	v->u.str.s = buf;
	v->u.str.n = n;
	return v;
}

mc_value *mc_strn(const char *s, size_t n)
{
	char *buf = malloc(n + 1);

	if (buf == NULL)
		return NULL;
	if (n > 0)
		memcpy(buf, s, n);
	return mc_str_take(buf, n);
}

mc_value *mc_str(const char *s)
{
	return mc_strn(s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

mc_value *mc_list_new(void) { return mc_value_alloc(MC_T_LIST); }

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
	v = mc_value_alloc(MC_T_ARRAY);
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
	mc_value *v = mc_value_alloc(MC_T_OBJECT);

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
	mc_value *v = mc_value_alloc(MC_T_FUNC);

	if (v == NULL)
		return NULL;
	v->u.fn.def = def;
	v->u.fn.self = mc_ref(self);
	return v;
}

void mc_userfn_free(mc_userfn *fn)
{
	size_t i;

	if (fn == NULL)
		return;
	if (fn->defaults != NULL && fn->def != NULL)
		for (i = 0; i < fn->def->nparams; i++)
			mc_unref(fn->defaults[i]);
	free(fn->defaults);
	mc_unref(fn->env);
	mc_code_unref(fn->code);
	free(fn->qualname);
	free(fn);
}

mc_value *mc_userfn_new(mc_userfn *fn)
{
	mc_value *v = mc_value_alloc(MC_T_FUNC);

	if (v == NULL) {
		mc_userfn_free(fn);
		return NULL;
	}
	v->u.fn.user = fn;
	return v;
}

mc_userfn *mc_userfn_of(const mc_value *v)
{
	return (v != NULL && v->type == MC_T_FUNC) ? v->u.fn.user : NULL;
}

const mc_func_def *mc_func_def_of(const mc_value *v)
{
	return (v != NULL && v->type == MC_T_FUNC) ? v->u.fn.def : NULL;
}

mc_value *mc_func_self(const mc_value *v)
{
	return (v != NULL && v->type == MC_T_FUNC) ? v->u.fn.self : NULL;
}

/* ---- ranges ---- */

mc_value *mc_range_new(int64_t start, int64_t stop, int64_t step)
{
	mc_value *v;
	__int128 span;

	if (step == 0)
		return NULL;
	v = mc_value_alloc(MC_T_RANGE);
	if (v == NULL)
		return NULL;
	v->u.range.start = start;
	v->u.range.stop = stop;
	v->u.range.step = step;
	if (step > 0)
		span = (__int128)stop - start;
	else
		span = (__int128)start - stop;
	if (span <= 0)
		v->u.range.len = 0;
	else if (step > 0)
		v->u.range.len = (uint64_t)((span + step - 1) / step);
	else
		v->u.range.len = (uint64_t)((span - (__int128)step - 1) / -(__int128)step);
	return v;
}

void mc_range_get(const mc_value *v, uint64_t *len, int64_t *start, int64_t *step)
{
	*len = v->u.range.len;
	*start = v->u.range.start;
	*step = v->u.range.step;
}

int64_t mc_range_item(const mc_value *v, uint64_t i)
{
	return (int64_t)((__int128)v->u.range.start + (__int128)i * v->u.range.step);
}

/* ---- reference counts ---- */

static mc_value *s_trash;   /* containers waiting to release their children */
static int s_draining;

/* Drops every value a container holds. */
static void s_release_children(mc_value *v)
{
	size_t i;

	switch (v->type) {
	case MC_T_LIST:
		for (i = 0; i < v->u.list.n; i++)
			mc_unref(v->u.list.items[i]);
		free(v->u.list.items);
		v->u.list.items = NULL;
		v->u.list.n = 0;
		break;
	case MC_T_DICT:
		mc_dict_release(&v->u.dict);
		break;
	case MC_T_FUNC:
		mc_unref(v->u.fn.self);
		v->u.fn.self = NULL;
		mc_userfn_free(v->u.fn.user);
		v->u.fn.user = NULL;
		break;
	default:
		break;
	}
}

static void s_free_leaf(mc_value *v)
{
	switch (v->type) {
	case MC_T_STR:
		free(v->u.str.s);
		break;
	case MC_T_ARRAY:
		free(v->u.arr.data);
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

mc_value *mc_ref(mc_value *v)
{
	if (v != NULL)
		v->refs++;
	return v;
}

void mc_unref(mc_value *v)
{
	if (v == NULL || --v->refs > 0)
		return;
	if (!mc_is_container(v)) {
		s_free_leaf(v);
		return;
	}
	mc_gc_untrack(v);
	/* the head's next pointer links the trash list */
	MC_GC_HEAD(v)->next = s_trash != NULL ? MC_GC_HEAD(s_trash) : NULL;
	s_trash = v;
	if (s_draining)
		return;
	s_draining = 1;
	while (s_trash != NULL) {
		mc_value *w = s_trash;
		mc_gc_head *next = MC_GC_HEAD(w)->next;

		s_trash = next != NULL ? MC_GC_VALUE(next) : NULL;
		s_release_children(w);
		s_free_mem(w);
	}
	s_draining = 0;
}

void mc_value_traverse(mc_value *v, void (*visit)(mc_value *child, void *arg), void *arg)
{
	size_t i;

	switch (v->type) {
	case MC_T_LIST:
		for (i = 0; i < v->u.list.n; i++)
			visit(v->u.list.items[i], arg);
		break;
	case MC_T_DICT:
		for (i = 0; i < v->u.dict.n; i++)
			if (v->u.dict.e[i].key != NULL) {
				visit(v->u.dict.e[i].key, arg);
				visit(v->u.dict.e[i].val, arg);
			}
		break;
	case MC_T_FUNC:
		if (v->u.fn.self != NULL)
			visit(v->u.fn.self, arg);
		if (v->u.fn.user != NULL) {
			mc_userfn *u = v->u.fn.user;

			if (u->env != NULL)
				visit(u->env, arg);
			for (i = 0; u->defaults != NULL && i < u->def->nparams; i++)
				if (u->defaults[i] != NULL)
					visit(u->defaults[i], arg);
		}
		break;
	default:
		break;
	}
}

void mc_value_clear(mc_value *v)
{
	s_release_children(v);
}

/* ---- types and scalars ---- */

mc_vtype mc_type(const mc_value *v) { return v != NULL ? v->type : MC_T_NONE; }

const char *mc_type_name(const mc_value *v)
{
	switch (mc_type(v)) {
	case MC_T_NONE: return "NoneType";
	case MC_T_BOOL: return "bool";
	case MC_T_INT: return "int";
	case MC_T_FLOAT: return "float";
	case MC_T_STR: return "str";
	case MC_T_LIST: return "list";
	case MC_T_DICT: return "dict";
	case MC_T_ARRAY: return "array";
	case MC_T_FUNC: return "function";
	case MC_T_RANGE: return "range";
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
	case MC_T_DICT: return v->u.dict.live > 0;
	case MC_T_ARRAY: return mc_array_size(v) > 0;
	case MC_T_RANGE: return v->u.range.len > 0;
	default: return 1;
	}
}

int64_t mc_as_int(const mc_value *v)
{
	switch (mc_type(v)) {
	case MC_T_BOOL: return v->u.b;
	case MC_T_INT: return v->u.i;
	case MC_T_FLOAT:
		if (!(v->u.f > -9.2233720368547758e18 && v->u.f < 9.2233720368547758e18))
			return v->u.f > 0 ? INT64_MAX : v->u.f < 0 ? INT64_MIN : 0;
		return (int64_t)v->u.f;
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

/* ---- lists ---- */

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

mc_value *const *mc_list_items(const mc_value *list)
{
	return mc_type(list) == MC_T_LIST ? list->u.list.items : NULL;
}

int mc_list_reserve(mc_value *list, size_t n)
{
	mc_value **p;
	size_t cap;

	if (mc_type(list) != MC_T_LIST)
		return MC_ERR_TYPE;
	if (n <= list->u.list.cap)
		return 0;
	cap = list->u.list.cap ? list->u.list.cap : 8;
	while (cap < n) {
		if (cap > SIZE_MAX / 2 / sizeof *p)
			return MC_ERR_NOMEM;
		cap *= 2;
	}
	p = realloc(list->u.list.items, cap * sizeof *p);
	if (p == NULL)
		return MC_ERR_NOMEM;
	list->u.list.items = p;
	list->u.list.cap = cap;
	return 0;
}

int mc_list_append(mc_value *list, mc_value *item)
{
	if (item == NULL)
		return MC_ERR_NOMEM;
	if (mc_type(list) != MC_T_LIST) {
		mc_unref(item);
		return MC_ERR_TYPE;
	}
	if (list->u.list.n == list->u.list.cap && mc_list_reserve(list, list->u.list.n + 1) != 0) {
		mc_unref(item);
		return MC_ERR_NOMEM;
	}
	list->u.list.items[list->u.list.n++] = item;
	return 0;
}

int mc_list_set(mc_value *list, size_t i, mc_value *item)
{
	mc_value *old;

	if (item == NULL)
		return MC_ERR_NOMEM;
	if (mc_type(list) != MC_T_LIST || i >= list->u.list.n) {
		mc_unref(item);
		return MC_ERR_INVALID;
	}
	old = list->u.list.items[i];
	list->u.list.items[i] = item;
	mc_unref(old);
	return 0;
}

int mc_list_insert(mc_value *list, size_t i, mc_value *item)
{
	if (item == NULL)
		return MC_ERR_NOMEM;
	if (mc_type(list) != MC_T_LIST || i > list->u.list.n) {
		mc_unref(item);
		return MC_ERR_INVALID;
	}
	if (mc_list_reserve(list, list->u.list.n + 1) != 0) {
		mc_unref(item);
		return MC_ERR_NOMEM;
	}
	memmove(list->u.list.items + i + 1, list->u.list.items + i,
	        (list->u.list.n - i) * sizeof *list->u.list.items);
	list->u.list.items[i] = item;
	list->u.list.n++;
	return 0;
}

mc_value *mc_list_pop(mc_value *list, size_t i)
{
	mc_value *v;

	if (mc_type(list) != MC_T_LIST || i >= list->u.list.n)
		return NULL;
	v = list->u.list.items[i];
	memmove(list->u.list.items + i, list->u.list.items + i + 1,
	        (list->u.list.n - i - 1) * sizeof *list->u.list.items);
	list->u.list.n--;
	return v;
}

mc_value *mc_list_copy(const mc_value *list)
{
	mc_value *l = mc_list_new();
	size_t i, n = mc_list_len(list);

	if (l == NULL || mc_list_reserve(l, n) != 0) {
		mc_unref(l);
		return NULL;
	}
	for (i = 0; i < n; i++)
		l->u.list.items[i] = mc_ref(list->u.list.items[i]);
	l->u.list.n = n;
	return l;
}

/* ---- arrays ---- */

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

double mc_array_at(const mc_value *v, size_t i)
{
	if (i >= mc_array_size(v))
		return 0.0;
	if (v->u.arr.dtype == MC_F64)
		return ((const double *)v->u.arr.data)[i];
	return (double)((const int64_t *)v->u.arr.data)[i];
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

/* Python's repr of a str; bytes that are not UTF-8 show as \\xHH, so the
 * text is always valid UTF-8. */
/* The repr of s[0..n), cut to its first max bytes (at a character
 * boundary) when max > 0 and it is longer, with a note of its length. */
static void s_repr_str(mc_text *b, const char *s, size_t n, size_t max)
{
	char q = (memchr(s, '\'', n) != NULL && memchr(s, '"', n) == NULL) ? '"' : '\'';
	size_t i = 0, whole = n;

	if (max > 0 && n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}

	mc_text_put(b, &q, 1);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c >= 0x80) {
			size_t k = mc_utf8_valid_at(s + i, n - i);

			if (k > 0) {
				mc_text_put(b, s + i, k);
				i += k;
			} else {
				snprintf(esc, sizeof esc, "\\x%02x", c);
				mc_text_puts(b, esc);
				i++;
			}
			continue;
		}
		if (c == '\\')
			mc_text_puts(b, "\\\\");
		else if (c == (unsigned char)q)
			mc_text_puts(b, q == '\'' ? "\\'" : "\\\"");
		else if (c == '\n')
			mc_text_puts(b, "\\n");
		else if (c == '\t')
			mc_text_puts(b, "\\t");
		else if (c == '\r')
			mc_text_puts(b, "\\r");
		else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", c);
			mc_text_puts(b, esc);
		} else
			mc_text_put(b, (const char *)&s[i], 1);
		i++;
	}
	mc_text_put(b, &q, 1);
	if (n < whole)
		mc_text_printf(b, "  # %zu characters, the first %zu shown", mc_utf8_count(s, whole),
		               mc_utf8_count(s, n));
}

#define S_SEQ_MAX 60    /* lists and dicts longer than this are shortened */
#define S_SEQ_HEAD 25
#define S_SEQ_TAIL 5
#define S_REPR_DEPTH 100   /* deeper containers show as [...] */
#define S_ARR_MAX 1000  /* numpy's threshold */
#define S_ARR_EDGE 3

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

static void s_repr_array(mc_text *b, const mc_value *a)
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
	mc_text_puts(b, "array([");
	for (i = 0; i < nr; i++) {
		size_t r = s_axis_shown(rows, trunc, i);

		if (i > 0) {
			mc_text_puts(b, cols ? ",\n       " : ", ");
			if (trunc && i == S_ARR_EDGE && rows > 2 * S_ARR_EDGE)
				mc_text_puts(b, cols ? "...,\n       " : "..., ");
		}
		if (cols == 0) {
			s_fmt_elem(a, r, all_int, tmp, sizeof tmp);
			mc_text_puts(b, tmp);
			continue;
		}
		mc_text_puts(b, "[");
		for (j = 0; j < nc; j++) {
			size_t c = s_axis_shown(cols, trunc, j);
			char pad[80];

			if (j > 0) {
				mc_text_puts(b, ", ");
				if (trunc && j == S_ARR_EDGE && cols > 2 * S_ARR_EDGE)
					mc_text_puts(b, "..., ");
			}
			s_fmt_elem(a, r * cols + c, all_int, tmp, sizeof tmp);
			snprintf(pad, sizeof pad, "%*s", (int)width, tmp);
			mc_text_puts(b, pad);
		}
		mc_text_puts(b, "]");
	}
	mc_text_puts(b, "]");
	if (trunc || size == 0) {
		if (cols)
			snprintf(tmp, sizeof tmp, ", shape=(%zu, %zu)", rows, cols);
		else
			snprintf(tmp, sizeof tmp, ", shape=(%zu,)", rows);
		mc_text_puts(b, tmp);
	}
	if (a->u.arr.dtype == MC_I64 && size == 0)
		mc_text_puts(b, ", dtype=int64");
	mc_text_puts(b, ")");
}

/* The containers being shown, outermost first: a container inside itself
 * shows as [...] or {...}, as in Python. */
typedef struct s_seen {
	const mc_value *v[S_REPR_DEPTH + 1];
	int n;
	size_t str_max;   /* strings longer than this (bytes) are cut; 0: never */
} s_seen;

static void s_repr(mc_text *b, const mc_value *v, s_seen *seen)
{
	char tmp[64];
	size_t i, n, shown;
	int k;

	switch (mc_type(v)) {
	case MC_T_NONE:
		mc_text_puts(b, "None");
		break;
	case MC_T_BOOL:
		mc_text_puts(b, v->u.b ? "True" : "False");
		break;
	case MC_T_INT:
		snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
		mc_text_puts(b, tmp);
		break;
	case MC_T_FLOAT:
		s_fmt_float(v->u.f, tmp, sizeof tmp);
		mc_text_puts(b, tmp);
		break;
	case MC_T_STR:
		s_repr_str(b, v->u.str.s, v->u.str.n, seen->str_max);
		break;
	case MC_T_RANGE:
		if (v->u.range.step == 1)
			snprintf(tmp, sizeof tmp, "range(%lld, %lld)", (long long)v->u.range.start,
			         (long long)v->u.range.stop);
		else
			snprintf(tmp, sizeof tmp, "range(%lld, %lld, %lld)", (long long)v->u.range.start,
			         (long long)v->u.range.stop, (long long)v->u.range.step);
		mc_text_puts(b, tmp);
		break;
	case MC_T_LIST:
	case MC_T_DICT:
		for (k = 0; k < seen->n; k++)
			if (seen->v[k] == v)
				break;
		if (k < seen->n || seen->n >= S_REPR_DEPTH) {
			mc_text_puts(b, v->type == MC_T_LIST ? "[...]" : "{...}");
			break;
		}
		seen->v[seen->n++] = v;
		n = v->type == MC_T_LIST ? v->u.list.n : v->u.dict.live;
		mc_text_puts(b, v->type == MC_T_LIST ? "[" : "{");
		shown = 0;   /* items seen so far, in order */
		for (i = 0; i < (v->type == MC_T_LIST ? v->u.list.n : v->u.dict.n); i++) {
			if (v->type == MC_T_DICT && v->u.dict.e[i].key == NULL)
				continue;
			if (n > S_SEQ_MAX && shown >= S_SEQ_HEAD && shown < n - S_SEQ_TAIL) {
				if (shown == S_SEQ_HEAD)
					mc_text_puts(b, ", ...");
				if (v->type == MC_T_LIST) {
					i = n - S_SEQ_TAIL - 1;
					shown = n - S_SEQ_TAIL;
				} else {
					shown++;
				}
				continue;
			}
			if (shown > 0)
				mc_text_puts(b, ", ");
			if (v->type == MC_T_LIST) {
				s_repr(b, v->u.list.items[i], seen);
			} else {
				s_repr(b, v->u.dict.e[i].key, seen);
				mc_text_puts(b, ": ");
				s_repr(b, v->u.dict.e[i].val, seen);
			}
			shown++;
		}
		mc_text_puts(b, v->type == MC_T_LIST ? "]" : "}");
		seen->n--;
		if (n > S_SEQ_MAX && seen->n == 0) {
			snprintf(tmp, sizeof tmp, "  # %zu items", n);
			mc_text_puts(b, tmp);
		}
		break;
	case MC_T_ARRAY:
		s_repr_array(b, v);
		break;
	case MC_T_FUNC:
		if (v->u.fn.user != NULL) {
			mc_text_puts(b, "<function ");
			mc_text_puts(b, v->u.fn.user->qualname);
			mc_text_puts(b, ">");
		} else {
			mc_text_puts(b, v->u.fn.self != NULL ? "<bound method " : "<function ");
			mc_text_puts(b, v->u.fn.def->name);
			mc_text_puts(b, ">");
		}
		break;
	case MC_T_OBJECT:
		if (v->u.obj.cls != NULL && v->u.obj.cls->repr != NULL) {
			char *r = v->u.obj.cls->repr(v->u.obj.ptr);

			if (r != NULL) {
				mc_text_puts(b, r);
				free(r);
				break;
			}
		}
		mc_text_puts(b, "<");
		mc_text_puts(b, mc_type_name(v));
		mc_text_puts(b, " object>");
		break;
	}
}

static char *s_repr_of(const mc_value *v, size_t str_max)
{
	mc_text b = { 0 };
	s_seen seen;

	seen.n = 0;
	seen.str_max = str_max;
	s_repr(&b, v, &seen);
	return mc_text_finish(&b);
}

char *mc_value_repr(const mc_value *v)
{
	return s_repr_of(v, 0);
}

/* A cell's result is shown with its strings cut to this many bytes: a
 * string of a gigabyte would otherwise be copied, escaped and sent whole
 * to the notebook (which cannot show it either). */
#define S_SHOWN_STR_MAX 100000

char *mc_value_repr_shown(const mc_value *v)
{
	return s_repr_of(v, S_SHOWN_STR_MAX);
}

char *mc_value_str_n(const mc_value *v, size_t *n)
{
	char *s;

	if (mc_type(v) == MC_T_STR) {
		s = malloc(v->u.str.n + 1);
		if (s != NULL) {
			memcpy(s, v->u.str.s, v->u.str.n + 1);
			if (n != NULL)
				*n = v->u.str.n;
		}
		return s;
	}
	s = mc_value_repr(v);
	if (s != NULL && n != NULL)
		*n = strlen(s);
	return s;
}

char *mc_value_str(const mc_value *v)
{
	return mc_value_str_n(v, NULL);
}

/* ---- equality ---- */

static int s_equal(const mc_value *a, const mc_value *b, int depth);

/* Two numbers (int, bool, float): an int and a float compare exactly, as
 * Python compares them. */
static int s_num_equal(const mc_value *a, const mc_value *b)
{
	double f;
	int64_t k;

	if (a->type != MC_T_FLOAT && b->type != MC_T_FLOAT)
		return mc_as_int(a) == mc_as_int(b);
	if (a->type == MC_T_FLOAT && b->type == MC_T_FLOAT)
		return a->u.f == b->u.f;
	f = a->type == MC_T_FLOAT ? a->u.f : b->u.f;
	k = a->type == MC_T_FLOAT ? mc_as_int(b) : mc_as_int(a);
	if (!(f >= -9.2233720368547758e18 && f < 9.2233720368547758e18) || f != floor(f))
		return 0;
	return (int64_t)f == k;
}

static int s_list_equal(const mc_value *a, const mc_value *b, int depth)
{
	size_t i;

	if (a->u.list.n != b->u.list.n)
		return 0;
	for (i = 0; i < a->u.list.n && i < b->u.list.n; i++) {
		const mc_value *x = a->u.list.items[i], *y = b->u.list.items[i];
		int r;

		if (x == y)
			continue;   /* identity implies equality inside containers, as in Python */
		r = s_equal(x, y, depth + 1);
		if (r != 1)
			return r;
	}
	return a->u.list.n == b->u.list.n;
}

static int s_dict_equal(const mc_value *a, const mc_value *b, int depth)
{
	size_t i;

	if (a->u.dict.live != b->u.dict.live)
		return 0;
	for (i = 0; i < a->u.dict.n; i++) {
		const mc_value *o, *x;
		int r;

		if (a->u.dict.e[i].key == NULL)
			continue;
		o = mc_dict_lookup(b, a->u.dict.e[i].key);
		x = a->u.dict.e[i].val;
		if (o == NULL)
			return 0;
		if (o == x)
			continue;
		r = s_equal(x, o, depth + 1);
		if (r != 1)
			return r;
	}
	return 1;
}

static int s_array_equal(const mc_value *a, const mc_value *b)
{
	size_t i;

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
}

/* 1 if equal, 0 if not, -1 past the depth limit or near the stack's end. */
static int s_equal(const mc_value *a, const mc_value *b, int depth)
{
	mc_vtype ta = mc_type(a), tb = mc_type(b);
	int na = ta == MC_T_INT || ta == MC_T_BOOL || ta == MC_T_FLOAT;
	int nb = tb == MC_T_INT || tb == MC_T_BOOL || tb == MC_T_FLOAT;

	if (na && nb)
		return s_num_equal(a, b);
	if (ta != tb)
		return 0;
	if (depth > mc_lang_depth_limit() || !mc_stack_ok())
		return -1;
	switch (ta) {
	case MC_T_NONE:
		return 1;
	case MC_T_STR:
		return a->u.str.n == b->u.str.n && memcmp(a->u.str.s, b->u.str.s, a->u.str.n) == 0;
	case MC_T_RANGE:
		if (a->u.range.len != b->u.range.len)
			return 0;
		return a->u.range.len == 0 || (a->u.range.start == b->u.range.start &&
		                               (a->u.range.len == 1 || a->u.range.step == b->u.range.step));
	case MC_T_LIST:
		return s_list_equal(a, b, depth);
	case MC_T_DICT:
		return s_dict_equal(a, b, depth);
	case MC_T_ARRAY:
		return s_array_equal(a, b);
	case MC_T_FUNC:
		if (a->u.fn.user != NULL || b->u.fn.user != NULL)
			return a == b;
		return a->u.fn.def == b->u.fn.def && a->u.fn.self == b->u.fn.self;
	default:
		return a == b;
	}
}

/* ---- ordering ---- */

static int s_num(const mc_value *v)
{
	return v->type == MC_T_INT || v->type == MC_T_BOOL || v->type == MC_T_FLOAT;
}

static int s_order(const mc_value *a, const mc_value *b, const char *op, int *res, mc_error *err,
                   int depth)
{
	size_t i, n;

	if (s_num(a) && s_num(b)) {
		long double x = a->type == MC_T_FLOAT ? (long double)a->u.f : (long double)mc_as_int(a);
		long double y = b->type == MC_T_FLOAT ? (long double)b->u.f : (long double)mc_as_int(b);

		*res = x < y ? -1 : x > y ? 1 : 0;
		return 0;
	}
	if (a->type == MC_T_STR && b->type == MC_T_STR) {
		size_t m = a->u.str.n < b->u.str.n ? a->u.str.n : b->u.str.n;
		int c = memcmp(a->u.str.s, b->u.str.s, m);

		*res = c < 0 ? -1 : c > 0 ? 1 : (a->u.str.n < b->u.str.n ? -1 : a->u.str.n > b->u.str.n);
		return 0;
	}
	if (a->type == MC_T_LIST && b->type == MC_T_LIST) {
		if (depth > mc_lang_depth_limit() || !mc_stack_ok()) {
			mc_lang_set_ename("RecursionError");
			return mc_error_set(err, MC_ERR_INVALID, "maximum recursion depth exceeded in comparison");
		}
		n = a->u.list.n < b->u.list.n ? a->u.list.n : b->u.list.n;
		for (i = 0; i < n; i++) {
			const mc_value *x = a->u.list.items[i], *y = b->u.list.items[i];
			int eq = x == y ? 1 : s_equal(x, y, depth + 1);

			if (eq < 0) {
				mc_lang_set_ename("RecursionError");
				return mc_error_set(err, MC_ERR_INVALID, "maximum recursion depth exceeded in comparison");
			}
			if (!eq)
				return s_order(x, y, op, res, err, depth + 1);
		}
		*res = a->u.list.n < b->u.list.n ? -1 : a->u.list.n > b->u.list.n;
		return 0;
	}
	return mc_error_set(err, MC_ERR_TYPE, "'%s' not supported between instances of '%s' and '%s'",
	                    op != NULL ? op : "<", mc_type_name(a), mc_type_name(b));
}

int mc_value_order(const mc_value *a, const mc_value *b, const char *op, int *res, mc_error *err)
{
	int entered = mc_stack_enter(), rc = s_order(a, b, op, res, err, 0);

	mc_stack_leave(entered);
	return rc;
}

int mc_value_equal_checked(const mc_value *a, const mc_value *b)
{
	int entered = mc_stack_enter(), r = s_equal(a, b, 0);

	mc_stack_leave(entered);
	return r;
}

int mc_value_equal(const mc_value *a, const mc_value *b)
{
	return mc_value_equal_checked(a, b) == 1;
}

int mc_value_bundle(const mc_value *v, json_t **data, json_t **metadata, mc_error *err)
{
	char *text;
	json_t *d = NULL, *m = NULL;
	int rc = MC_ERR_NOMEM;

	*data = NULL;
	*metadata = NULL;
	text = mc_value_repr_shown(v);
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

int mc_bundle_add_image(json_t *data, json_t *metadata, const char *mime,
                        const unsigned char *bytes, size_t len, int width, int height,
                        mc_error *err)
{
	size_t outlen;
	unsigned char *b64;
	json_t *meta;

	if (len > (size_t)INT32_MAX / 4 * 3)
		return mc_error_set(err, MC_ERR_INVALID, "%s of %zu bytes is too large to show", mime,
		                    len);
	outlen = 4 * ((len + 2) / 3) + 1;
	b64 = malloc(outlen);
	if (b64 == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory encoding %s of %zu bytes", mime,
		                    len);
	EVP_EncodeBlock(b64, bytes, (int)len);
	meta = json_pack("{s:i, s:i}", "width", width, "height", height);
	if (meta == NULL || json_object_set_new(metadata, mime, meta) != 0 ||
	    json_object_set_new(data, mime, json_string((const char *)b64)) != 0) {
		free(b64);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory adding %s to a bundle", mime);
	}
	free(b64);
	return 0;
}

/* ---- UTF-8 ---- */

size_t mc_utf8_count(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

size_t mc_utf8_offset(const char *s, size_t n, size_t cp)
{
	size_t i = 0, c = 0;

	while (i < n) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (c == cp)
				return i;
			c++;
		}
		i++;
	}
	return n;
}

size_t mc_utf8_valid_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, k;
	unsigned long cp;

	if (n == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		len = 2;
		cp = u[0] & 0x1F;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		len = 3;
		cp = u[0] & 0x0F;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		len = 4;
		cp = u[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (k = 1; k < len; k++) {
		if ((u[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (u[k] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

char *mc_utf8_clean(const char *s, size_t n)
{
	char *out = malloc(3 * n + 1);
	size_t i = 0, o = 0;

	if (out == NULL)
		return NULL;
	while (i < n) {
		size_t k;

		if (s[i] == '\0') {
			i++;
			continue;
		}
		k = mc_utf8_valid_at(s + i, n - i);
		if (k == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return out;
}
