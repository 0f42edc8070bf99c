/* This module implements the interpreter of the command language (interp.h):
 * it runs parsed statements against the session's variables, calls functions
 * from the table, and turns every failure into a Jupyter error with the
 * line, the column and a caret under the place. */
#include "interp.h"
#include "lang.h"
#include "parser.h"
#include "registry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_interp {
	mc_value *vars;   /* dict: name -> value */
};

typedef struct s_ctx {
	mc_interp *in;
	const mc_io *io;
	const char *src;
	mc_exec_error *xerr;
	int failed;
} s_ctx;

mc_interp *mc_interp_new(void)
{
	mc_interp *in = calloc(1, sizeof *in);

	if (in == NULL)
		return NULL;
	in->vars = mc_dict_new();
	if (in->vars == NULL) {
		free(in);
		return NULL;
	}
	return in;
}

void mc_interp_free(mc_interp *in)
{
	if (in == NULL)
		return;
	mc_unref(in->vars);
	free(in);
}

mc_value *mc_interp_get_var(mc_interp *in, const char *name)
{
	return in != NULL ? mc_dict_get(in->vars, name) : NULL;
}

int mc_interp_set_var(mc_interp *in, const char *name, mc_value *v)
{
	return mc_dict_set_str(in->vars, name, mc_ref(v));
}

static int s_cmp_str(const void *a, const void *b)
{
	return strcmp(mc_as_str(*(mc_value *const *)a), mc_as_str(*(mc_value *const *)b));
}

mc_value *mc_interp_var_names(mc_interp *in)
{
	mc_value *list = mc_list_new();
	size_t i, n = mc_dict_len(in->vars);
	mc_value **tmp;

	if (list == NULL)
		return NULL;
	tmp = calloc(n + 1, sizeof *tmp);
	if (tmp == NULL) {
		mc_unref(list);
		return NULL;
	}
	for (i = 0; i < n; i++)
		tmp[i] = mc_dict_key(in->vars, i);
	qsort(tmp, n, sizeof *tmp, s_cmp_str);
	for (i = 0; i < n; i++)
		if (mc_list_append(list, mc_ref(tmp[i])) != 0) {
			mc_unref(list);
			list = NULL;
			break;
		}
	free(tmp);
	return list;
}

void mc_exec_error_clear(mc_exec_error *xerr)
{
	if (xerr == NULL)
		return;
	json_decref(xerr->traceback);
	xerr->traceback = NULL;
	xerr->ename[0] = '\0';
	xerr->evalue[0] = '\0';
}

/* ---- errors ---- */

/* Fills xerr: ename, evalue, traceback [source line, caret, "ename: msg"]. */
static void s_fill_error(mc_exec_error *xerr, const char *src, int line, int col,
                         const char *ename, const char *msg)
{
	const char *p = src, *end;
	char *caret;
	char last[1400];
	size_t len, cp, i, off;
	int l;

	snprintf(xerr->ename, sizeof xerr->ename, "%s", ename);
	snprintf(xerr->evalue, sizeof xerr->evalue, "%s", msg);
	json_decref(xerr->traceback);
	xerr->traceback = json_array();
	if (xerr->traceback == NULL)
		return;
	for (l = 1; l < line && p != NULL && *p != '\0'; l++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		p = "";
	end = strchr(p, '\n');
	len = end != NULL ? (size_t)(end - p) : strlen(p);
	if (len > 0 && p[len - 1] == '\r')
		len--;
	json_array_append_new(xerr->traceback, json_stringn(p, len));
	cp = col > 1 ? (size_t)col - 1 : 0;
	caret = malloc(len + cp + 2);
	if (caret != NULL) {
		off = 0;
		for (i = 0; i < cp; i++) {
			size_t b = mc_utf8_offset(p, i);

			caret[off++] = (b < len && p[b] == '\t') ? '\t' : ' ';
		}
		caret[off++] = '^';
		caret[off] = '\0';
		json_array_append_new(xerr->traceback, json_string(caret));
		free(caret);
	}
	snprintf(last, sizeof last, "%s: %s (line %d, column %d)", ename, msg, line, col);
	json_array_append_new(xerr->traceback, json_string(last));
}

static void s_fail(s_ctx *c, const mc_node *at, const char *ename, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void s_fail(s_ctx *c, const mc_node *at, const char *ename, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (c->failed)
		return;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s_fill_error(c->xerr, c->src, at->line, at->col, ename, msg);
}

static void s_fail_err(s_ctx *c, const mc_node *at, const mc_error *err)
{
	const char *ename = err->code == MC_ERR_INTERRUPTED ? "KeyboardInterrupt" : mc_error_name(err->code);

	s_fail(c, at, ename, "%s", err->text[0] != '\0' ? err->text : "failed");
}

static void s_nomem(s_ctx *c, const mc_node *at)
{
	s_fail(c, at, "MemoryError", "out of memory");
}

/* ---- names ---- */

/* Collects variable and function names for "did you mean". */
static const char **s_all_names(s_ctx *c, size_t *n)
{
	size_t cap = mc_dict_len(c->in->vars) + 16, t;
	const char **names = malloc(cap * sizeof *names);
	const mc_func_def *d;
	size_t i;

	*n = 0;
	if (names == NULL)
		return NULL;
	for (i = 0; i < mc_dict_len(c->in->vars); i++)
		names[(*n)++] = mc_as_str(mc_dict_key(c->in->vars, i));
	for (t = 0; mc_registry_tables[t] != NULL; t++)
		for (d = mc_registry_tables[t]; d->name != NULL; d++) {
			if (strchr(d->name, '.') != NULL)
				continue;
			if (*n == cap) {
				const char **g = realloc(names, 2 * cap * sizeof *g);

				if (g == NULL)
					return names;
				names = g;
				cap *= 2;
			}
			names[(*n)++] = d->name;
		}
	return names;
}

static mc_value *s_lookup(s_ctx *c, const mc_node *n)
{
	mc_value *v = mc_dict_get(c->in->vars, n->name);
	const mc_func_def *def;
	const char **names;
	const char *near = NULL;
	size_t count;

	if (v != NULL)
		return mc_ref(v);
	def = mc_registry_find(n->name);
	if (def != NULL && strchr(n->name, '.') == NULL) {
		v = mc_func_new(def, NULL);
		if (v == NULL)
			s_nomem(c, n);
		return v;
	}
	names = s_all_names(c, &count);
	if (names != NULL)
		near = mc_closest(n->name, names, count);
	if (near != NULL)
		s_fail(c, n, "NameError", "name '%s' is not defined; did you mean '%s'?", n->name, near);
	else
		s_fail(c, n, "NameError", "name '%s' is not defined (see help() for the functions)", n->name);
	free(names);
	return NULL;
}

/* Methods ("Type.name") and attributes of v, for errors and dir(). */
mc_value *mc_value_dir(const mc_value *v)
{
	mc_value *list = mc_list_new();
	const char *prefix = mc_value_method_prefix(v);
	size_t plen = strlen(prefix), t;
	const mc_func_def *d;
	const mc_class *cls = mc_object_class(v);

	if (list == NULL)
		return NULL;
	if (cls != NULL && cls->attrs != NULL) {
		const char *const *a;

		for (a = cls->attrs; *a != NULL; a++)
			if (mc_list_append(list, mc_str(*a)) != 0)
				goto fail;
	}
	if (mc_type(v) == MC_T_ARRAY) {
		static const char *const arr_attrs[] = { "shape", "ndim", "size", "dtype", "T", NULL };
		const char *const *a;

		for (a = arr_attrs; *a != NULL; a++)
			if (mc_list_append(list, mc_str(*a)) != 0)
				goto fail;
	}
	for (t = 0; mc_registry_tables[t] != NULL; t++)
		for (d = mc_registry_tables[t]; d->name != NULL; d++)
			if (strncmp(d->name, prefix, plen) == 0 && d->name[plen] == '.' &&
			    mc_list_append(list, mc_str(d->name + plen + 1)) != 0)
				goto fail;
	return list;
fail:
	mc_unref(list);
	return NULL;
}

static mc_value *s_array_attr(mc_value *a, const char *name)
{
	size_t r = mc_array_rows(a), cols = mc_array_cols(a);

	if (strcmp(name, "shape") == 0) {
		mc_value *l = mc_list_new();

		if (l == NULL || mc_list_append(l, mc_int((int64_t)r)) != 0 ||
		    (cols > 0 && mc_list_append(l, mc_int((int64_t)cols)) != 0)) {
			mc_unref(l);
			return NULL;
		}
		return l;
	}
	if (strcmp(name, "ndim") == 0)
		return mc_int(cols > 0 ? 2 : 1);
	if (strcmp(name, "size") == 0)
		return mc_int((int64_t)mc_array_size(a));
	if (strcmp(name, "dtype") == 0)
		return mc_str(mc_array_dtype(a) == MC_F64 ? "float64" : "int64");
	if (strcmp(name, "T") == 0) {
		mc_value *t;
		size_t i, j;

		if (cols == 0)
			return mc_ref(a);
		t = mc_array_new(mc_array_dtype(a), cols, r);
		if (t == NULL)
			return NULL;
		for (i = 0; i < r; i++)
			for (j = 0; j < cols; j++) {
				if (mc_array_dtype(a) == MC_F64)
					mc_array_f64(t)[j * r + i] = mc_array_f64(a)[i * cols + j];
				else
					mc_array_i64(t)[j * r + i] = mc_array_i64(a)[i * cols + j];
			}
		return t;
	}
	return NULL;
}

static void s_no_attr(s_ctx *c, const mc_node *n, mc_value *obj)
{
	mc_value *names = mc_value_dir(obj);
	const char **cands = NULL;
	const char *near = NULL;
	size_t i, k = mc_list_len(names);

	if (k > 0)
		cands = calloc(k, sizeof *cands);
	for (i = 0; cands != NULL && i < k; i++)
		cands[i] = mc_as_str(mc_list_get(names, i));
	if (cands != NULL)
		near = mc_closest(n->name, cands, k);
	if (near != NULL)
		s_fail(c, n, "AttributeError", "%s has no attribute '%s'; did you mean '%s'?",
		       mc_type_name(obj), n->name, near);
	else
		s_fail(c, n, "AttributeError", "%s has no attribute '%s' (dir(x) lists what it has)",
		       mc_type_name(obj), n->name);
	free(cands);
	mc_unref(names);
}

static mc_value *s_eval(s_ctx *c, const mc_node *n);

static mc_value *s_attr(s_ctx *c, const mc_node *n)
{
	mc_value *obj = s_eval(c, n->kids[0]), *v = NULL;
	char full[256];
	const mc_func_def *def;
	const mc_class *cls;

	if (obj == NULL)
		return NULL;
	snprintf(full, sizeof full, "%s.%s", mc_value_method_prefix(obj), n->name);
	def = mc_registry_find(full);
	if (def != NULL) {
		v = mc_func_new(def, obj);
		if (v == NULL)
			s_nomem(c, n);
		mc_unref(obj);
		return v;
	}
	cls = mc_object_class(obj);
	if (cls != NULL && cls->getattr != NULL) {
		mc_error err;

		mc_error_clear(&err);
		v = cls->getattr(mc_object_ptr(obj), n->name, &err);
		if (v == NULL) {
			if (err.code == MC_ERR_NOTFOUND || err.code == MC_OK)
				s_no_attr(c, n, obj);
			else
				s_fail_err(c, n, &err);
		}
		mc_unref(obj);
		return v;
	}
	if (mc_type(obj) == MC_T_ARRAY) {
		v = s_array_attr(obj, n->name);
		if (v != NULL) {
			mc_unref(obj);
			return v;
		}
	}
	s_no_attr(c, n, obj);
	mc_unref(obj);
	return NULL;
}

/* ---- calls ---- */

static mc_value *s_call_func(s_ctx *c, const mc_node *n, mc_value *fn, const mc_callarg *args,
                             size_t nargs, mc_node *const *argnodes)
{
	const mc_func_def *def = mc_func_def_of(fn);
	mc_call call;
	mc_error err;
	mc_value *out = NULL;
	int bad = -1, rc;

	mc_error_clear(&err);
	if (def == NULL) {
		s_fail(c, n, "TypeError", "'%s' object is not callable", mc_type_name(fn));
		return NULL;
	}
	rc = mc_call_bind(&call, def, mc_func_self(fn), args, nargs, &bad, &err);
	if (rc != 0) {
		s_fail_err(c, (bad >= 0 && argnodes != NULL) ? argnodes[bad] : n, &err);
		return NULL;
	}
	call.io = c->io;
	call.interp = c->in;
	if (def->fn == NULL)
		rc = mc_error_set(&err, MC_ERR_STATE, "%s() is not implemented", def->name);
	else
		rc = def->fn(&call, &out, &err);
	mc_call_finish_progress(&call, rc);
	mc_call_clear(&call);
	if (rc != 0) {
		mc_unref(out);
		if (err.code == MC_OK)
			mc_error_set(&err, rc, "%s() failed", def->name);
		s_fail_err(c, n, &err);
		return NULL;
	}
	if (out == NULL) {
		out = mc_none();
		if (out == NULL)
			s_nomem(c, n);
	}
	return out;
}

static mc_value *s_call(s_ctx *c, const mc_node *n)
{
	mc_value *fn = s_eval(c, n->kids[0]), *out = NULL;
	size_t nargs = n->nkids - 1, i;
	mc_callarg *args = NULL;

	if (fn == NULL)
		return NULL;
	args = calloc(nargs + 1, sizeof *args);
	if (args == NULL) {
		mc_unref(fn);
		s_nomem(c, n);
		return NULL;
	}
	for (i = 0; i < nargs; i++) {
		const mc_node *a = n->kids[i + 1];

		if (a->kind == MC_N_KWARG) {
			args[i].name = a->name;
			args[i].value = s_eval(c, a->kids[0]);
		} else {
			args[i].value = s_eval(c, a);
		}
		if (args[i].value == NULL)
			goto cleanup;
	}
	out = s_call_func(c, n, fn, args, nargs, n->kids + 1);
cleanup:
	for (i = 0; i < nargs; i++)
		mc_unref(args[i].value);
	free(args);
	mc_unref(fn);
	return out;
}

/* ---- indexing ---- */

/* Normalizes index i for a sequence of length len; -1 when out of range. */
static int s_norm_index(s_ctx *c, const mc_node *at, const mc_value *iv, size_t len, size_t *out,
                        const char *what)
{
	int64_t i;

	if (mc_type(iv) != MC_T_INT && mc_type(iv) != MC_T_BOOL) {
		s_fail(c, at, "TypeError", "%s indices must be int, got %s", what, mc_type_name(iv));
		return -1;
	}
	i = mc_as_int(iv);
	if (i < 0)
		i += (int64_t)len;
	if (i < 0 || (uint64_t)i >= len) {
		s_fail(c, at, "IndexError", "%s index %lld out of range (length %zu)", what,
		       (long long)mc_as_int(iv), len);
		return -1;
	}
	*out = (size_t)i;
	return 0;
}

/* Resolves a slice node's values into start, step and count (Python rules). */
static int s_slice(s_ctx *c, const mc_node *sl, size_t len, int64_t *start, int64_t *step,
                   size_t *count)
{
	mc_value *v[3] = { NULL, NULL, NULL };
	int64_t lo, hi, st = 1, L = (int64_t)len;
	int k, rc = -1;

	for (k = 0; k < 3; k++) {
		if (sl->kids[k] == NULL)
			continue;
		v[k] = s_eval(c, sl->kids[k]);
		if (v[k] == NULL)
			goto cleanup;
		if (mc_type(v[k]) == MC_T_NONE) {
			mc_unref(v[k]);
			v[k] = NULL;
			continue;
		}
		if (mc_type(v[k]) != MC_T_INT && mc_type(v[k]) != MC_T_BOOL) {
			s_fail(c, sl->kids[k], "TypeError", "slice bounds must be int or none, got %s",
			       mc_type_name(v[k]));
			goto cleanup;
		}
	}
	if (v[2] != NULL) {
		st = mc_as_int(v[2]);
		if (st == 0) {
			s_fail(c, sl->kids[2], "ValueError", "slice step cannot be zero");
			goto cleanup;
		}
	}
	if (st > 0) {
		lo = v[0] ? mc_as_int(v[0]) : 0;
		hi = v[1] ? mc_as_int(v[1]) : L;
		if (lo < 0) lo += L;
		if (hi < 0) hi += L;
		if (lo < 0) lo = 0;
		if (lo > L) lo = L;
		if (hi < 0) hi = 0;
		if (hi > L) hi = L;
		*count = hi > lo ? (size_t)((hi - lo + st - 1) / st) : 0;
	} else {
		lo = v[0] ? mc_as_int(v[0]) : L - 1;
		hi = v[1] ? mc_as_int(v[1]) : -L - 1;
		if (lo < 0) lo += L;
		if (hi < 0) hi += L;
		if (lo < -1) lo = -1;
		if (lo > L - 1) lo = L - 1;
		if (hi < -1) hi = -1;
		if (hi > L - 1) hi = L - 1;
		*count = lo > hi ? (size_t)((lo - hi - st - 1) / (-st)) : 0;
	}
	*start = lo;
	*step = st;
	rc = 0;
cleanup:
	for (k = 0; k < 3; k++)
		mc_unref(v[k]);
	return rc;
}

/* Gathers elements (1-D) or rows (2-D) of a at idx[0..n). */
static mc_value *s_array_take(mc_value *a, const size_t *idx, size_t n)
{
	size_t cols = mc_array_cols(a), w = cols > 0 ? cols : 1, i;
	mc_value *r = mc_array_new(mc_array_dtype(a), n, cols);

	if (r == NULL)
		return NULL;
	mc_array_set_mask(r, mc_array_is_mask(a));
	for (i = 0; i < n; i++) {
		if (mc_array_dtype(a) == MC_F64)
			memcpy(mc_array_f64(r) + i * w, mc_array_f64(a) + idx[i] * w, w * sizeof(double));
		else
			memcpy(mc_array_i64(r) + i * w, mc_array_i64(a) + idx[i] * w, w * sizeof(int64_t));
	}
	return r;
}

static mc_value *s_array_scalar(mc_value *a, size_t k)
{
	if (mc_array_is_mask(a))
		return mc_bool(mc_array_i64(a)[k] != 0);
	return mc_array_dtype(a) == MC_F64 ? mc_float(mc_array_f64(a)[k]) : mc_int(mc_array_i64(a)[k]);
}

/* Row i of a 2-D array, as a new 1-D array. */
static mc_value *s_array_row(mc_value *a, size_t i)
{
	size_t cols = mc_array_cols(a);
	mc_value *row = mc_array_new(mc_array_dtype(a), cols, 0);

	if (row == NULL)
		return NULL;
	if (mc_array_dtype(a) == MC_F64)
		memcpy(mc_array_f64(row), mc_array_f64(a) + i * cols, cols * sizeof(double));
	else
		memcpy(mc_array_i64(row), mc_array_i64(a) + i * cols, cols * sizeof(int64_t));
	return row;
}

/* 1 if iv is a boolean mask: a mask array, or a non-empty list of bools. */
static int s_is_mask(mc_value *iv)
{
	size_t i;

	if (mc_type(iv) == MC_T_ARRAY)
		return mc_array_is_mask(iv) && mc_array_cols(iv) == 0;
	if (mc_type(iv) != MC_T_LIST || mc_list_len(iv) == 0)
		return 0;
	for (i = 0; i < mc_list_len(iv); i++)
		if (mc_type(mc_list_get(iv, i)) != MC_T_BOOL)
			return 0;
	return 1;
}

/* Index positions from an int list or int array (fancy indexing), or the
 * positions where a boolean mask of length len is true. */
static size_t *s_index_list(s_ctx *c, const mc_node *at, mc_value *iv, size_t len, size_t *n)
{
	size_t cnt = mc_type(iv) == MC_T_LIST ? mc_list_len(iv) : mc_array_size(iv), i;
	size_t *idx = malloc((cnt + 1) * sizeof *idx);

	if (idx == NULL) {
		s_nomem(c, at);
		return NULL;
	}
	if (s_is_mask(iv)) {
		size_t k = 0;

		if (cnt != len) {
			s_fail(c, at, "IndexError", "a boolean mask of length %zu cannot select from length %zu",
			       cnt, len);
			free(idx);
			return NULL;
		}
		for (i = 0; i < cnt; i++)
			if (mc_type(iv) == MC_T_LIST ? mc_as_bool(mc_list_get(iv, i)) : mc_array_i64(iv)[i] != 0)
				idx[k++] = i;
		*n = k;
		return idx;
	}
	if (mc_type(iv) == MC_T_ARRAY && mc_array_dtype(iv) != MC_I64) {
		s_fail(c, at, "TypeError", "array indices must be an int64 array or a list of ints, got a float64 array");
		free(idx);
		return NULL;
	}
	for (i = 0; i < cnt; i++) {
		int64_t k = mc_type(iv) == MC_T_LIST ? 0 : mc_array_i64(iv)[i];

		if (mc_type(iv) == MC_T_LIST) {
			mc_value *e = mc_list_get(iv, i);

			if (mc_type(e) != MC_T_INT) {
				s_fail(c, at, "TypeError", "index list item %zu must be int, got %s", i, mc_type_name(e));
				free(idx);
				return NULL;
			}
			k = mc_as_int(e);
		}
		if (k < 0)
			k += (int64_t)len;
		if (k < 0 || (uint64_t)k >= len) {
			s_fail(c, at, "IndexError", "index %lld (item %zu of the index list) out of range (length %zu)",
			       (long long)(mc_type(iv) == MC_T_LIST ? mc_as_int(mc_list_get(iv, i)) : mc_array_i64(iv)[i]),
			       i, len);
			free(idx);
			return NULL;
		}
		idx[i] = (size_t)k;
	}
	*n = cnt;
	return idx;
}

static mc_value *s_index_array(s_ctx *c, const mc_node *n, mc_value *a, const mc_node *ixn)
{
	size_t rows = mc_array_rows(a), cols = mc_array_cols(a), k, cnt;
	int64_t start, step;
	mc_value *iv, *r = NULL;
	size_t *idx;

	if (ixn->kind == MC_N_TUPLE) {
		/* a[i, j], a[:, j], a[i, :], a[s1, s2] */
		size_t rsel, csel, i, j;
		size_t *ri = NULL, *ci = NULL;
		int rscalar = 0, cscalar = 0;

		if (ixn->nkids != 2 || cols == 0) {
			s_fail(c, ixn, "IndexError", "too many indices: the array is %s, expected at most %d",
			       cols == 0 ? "1-D" : "2-D", cols == 0 ? 1 : 2);
			return NULL;
		}
		for (k = 0; k < 2; k++) {
			const mc_node *part = ixn->kids[k];
			size_t len = k == 0 ? rows : cols, **sel = k == 0 ? &ri : &ci;
			size_t *nsel = k == 0 ? &rsel : &csel;

			if (part->kind == MC_N_SLICE) {
				if (s_slice(c, part, len, &start, &step, nsel) != 0)
					goto tfail;
				*sel = malloc((*nsel + 1) * sizeof **sel);
				if (*sel == NULL) {
					s_nomem(c, part);
					goto tfail;
				}
				for (i = 0; i < *nsel; i++)
					(*sel)[i] = (size_t)(start + (int64_t)i * step);
				continue;
			}
			iv = s_eval(c, part);
			if (iv == NULL)
				goto tfail;
			if (mc_type(iv) == MC_T_LIST || mc_type(iv) == MC_T_ARRAY)
				*sel = s_index_list(c, part, iv, len, nsel);
			else {
				*sel = malloc(sizeof **sel);
				*nsel = 1;
				if (*sel == NULL)
					s_nomem(c, part);
				else if (s_norm_index(c, part, iv, len, *sel, k == 0 ? "row" : "column") != 0) {
					free(*sel);
					*sel = NULL;
				}
				if (k == 0)
					rscalar = 1;
				else
					cscalar = 1;
			}
			mc_unref(iv);
			if (*sel == NULL)
				goto tfail;
		}
		if (rscalar && cscalar) {
			r = s_array_scalar(a, ri[0] * cols + ci[0]);
		} else if (rscalar || cscalar) {
			size_t m = rscalar ? csel : rsel;

			r = mc_array_new(mc_array_dtype(a), m, 0);
			for (i = 0; r != NULL && i < m; i++) {
				size_t src = rscalar ? ri[0] * cols + ci[i] : ri[i] * cols + ci[0];

				if (mc_array_dtype(a) == MC_F64)
					mc_array_f64(r)[i] = mc_array_f64(a)[src];
				else
					mc_array_i64(r)[i] = mc_array_i64(a)[src];
			}
		} else {
			r = csel > 0 ? mc_array_new(mc_array_dtype(a), rsel, csel) : mc_array_new(mc_array_dtype(a), 0, 0);
			for (i = 0; r != NULL && csel > 0 && i < rsel; i++)
				for (j = 0; j < csel; j++) {
					size_t src = ri[i] * cols + ci[j];

					if (mc_array_dtype(a) == MC_F64)
						mc_array_f64(r)[i * csel + j] = mc_array_f64(a)[src];
					else
						mc_array_i64(r)[i * csel + j] = mc_array_i64(a)[src];
				}
		}
		if (r == NULL)
			s_nomem(c, n);
tfail:
		free(ri);
		free(ci);
		return r;
	}
	if (ixn->kind == MC_N_SLICE) {
		if (s_slice(c, ixn, rows, &start, &step, &cnt) != 0)
			return NULL;
		idx = malloc((cnt + 1) * sizeof *idx);
		if (idx == NULL) {
			s_nomem(c, n);
			return NULL;
		}
		for (k = 0; k < cnt; k++)
			idx[k] = (size_t)(start + (int64_t)k * step);
		r = s_array_take(a, idx, cnt);
		free(idx);
		if (r == NULL)
			s_nomem(c, n);
		return r;
	}
	iv = s_eval(c, ixn);
	if (iv == NULL)
		return NULL;
	if (mc_type(iv) == MC_T_LIST || mc_type(iv) == MC_T_ARRAY) {
		idx = s_index_list(c, ixn, iv, rows, &cnt);
		mc_unref(iv);
		if (idx == NULL)
			return NULL;
		r = s_array_take(a, idx, cnt);
		free(idx);
		if (r == NULL)
			s_nomem(c, n);
		return r;
	}
	if (s_norm_index(c, ixn, iv, rows, &k, "array") != 0) {
		mc_unref(iv);
		return NULL;
	}
	mc_unref(iv);
	r = cols == 0 ? s_array_scalar(a, k) : s_array_row(a, k);   /* a row of a 2-D array is 1-D */
	if (r == NULL)
		s_nomem(c, n);
	return r;
}

static mc_value *s_key_error(s_ctx *c, const mc_node *at, mc_value *d, mc_value *key)
{
	char *kr = mc_value_repr(key);
	const char **cands = NULL;
	const char *near = NULL;
	size_t i, nk = mc_dict_len(d);

	if (mc_type(key) == MC_T_STR && nk > 0) {
		cands = calloc(nk, sizeof *cands);
		for (i = 0; cands != NULL && i < nk; i++)
			cands[i] = mc_as_str(mc_dict_key(d, i));
		if (cands != NULL)
			near = mc_closest(mc_as_str(key), cands, nk);
	}
	if (near != NULL) {
		s_fail(c, at, "KeyError", "key %s not found; did you mean '%s'?", kr ? kr : "?", near);
	} else {
		mc_value *keys = mc_list_new();
		char *ks;

		for (i = 0; keys != NULL && i < nk && i < 20; i++)
			mc_list_append(keys, mc_ref(mc_dict_key(d, i)));
		ks = mc_value_repr(keys);
		s_fail(c, at, "KeyError", "key %s not found; the keys are %s%s", kr ? kr : "?",
		       ks ? ks : "?", nk > 20 ? " ..." : "");
		free(ks);
		mc_unref(keys);
	}
	free(cands);
	free(kr);
	return NULL;
}

/* obj[key] for an object whose class has the method "<Class>.__getitem__". */
static mc_value *s_index_object(s_ctx *c, const mc_node *n, mc_value *obj, const mc_node *ixn)
{
	char full[128];
	const mc_func_def *def;
	mc_value *fn, *r;
	mc_callarg arg = { NULL, NULL };

	snprintf(full, sizeof full, "%s.__getitem__", mc_value_method_prefix(obj));
	def = mc_registry_find(full);
	if (def == NULL || ixn->kind == MC_N_SLICE || ixn->kind == MC_N_TUPLE) {
		s_fail(c, n, "TypeError", "%s cannot be indexed with [ ]%s", mc_type_name(obj),
		       def != NULL ? " by a slice or several indices" : "");
		return NULL;
	}
	arg.value = s_eval(c, ixn);
	if (arg.value == NULL)
		return NULL;
	fn = mc_func_new(def, obj);
	if (fn == NULL) {
		mc_unref(arg.value);
		s_nomem(c, n);
		return NULL;
	}
	r = s_call_func(c, n, fn, &arg, 1, NULL);
	mc_unref(fn);
	mc_unref(arg.value);
	return r;
}

static mc_value *s_index(s_ctx *c, const mc_node *n)
{
	mc_value *obj = s_eval(c, n->kids[0]), *iv = NULL, *r = NULL;
	const mc_node *ixn = n->kids[1];
	size_t k, cnt, len;
	int64_t start, step;

	if (obj == NULL)
		return NULL;
	switch (mc_type(obj)) {
	case MC_T_ARRAY:
		r = s_index_array(c, n, obj, ixn);
		break;
	case MC_T_LIST:
	case MC_T_STR:
		len = mc_type(obj) == MC_T_LIST ? mc_list_len(obj) : mc_utf8_count(mc_as_str(obj), mc_str_len(obj));
		if (ixn->kind == MC_N_TUPLE) {
			s_fail(c, ixn, "TypeError", "%s indices must be int or a slice, got several indices",
			       mc_type_name(obj));
			break;
		}
		if (ixn->kind == MC_N_SLICE) {
			if (s_slice(c, ixn, len, &start, &step, &cnt) != 0)
				break;
			if (mc_type(obj) == MC_T_LIST) {
				r = mc_list_new();
				for (k = 0; r != NULL && k < cnt; k++)
					if (mc_list_append(r, mc_ref(mc_list_get(obj, (size_t)(start + (int64_t)k * step)))) != 0) {
						mc_unref(r);
						r = NULL;
					}
			} else {
				const char *s = mc_as_str(obj);
				char *buf = malloc(mc_str_len(obj) + 1);
				size_t o = 0;

				for (k = 0; buf != NULL && k < cnt; k++) {
					size_t b = mc_utf8_offset(s, (size_t)(start + (int64_t)k * step));
					size_t e = mc_utf8_offset(s + b, 1) + b;

					memcpy(buf + o, s + b, e - b);
					o += e - b;
				}
				r = buf != NULL ? mc_strn(buf, o) : NULL;
				free(buf);
			}
			if (r == NULL)
				s_nomem(c, n);
			break;
		}
		iv = s_eval(c, ixn);
		if (iv == NULL)
			break;
		if (s_norm_index(c, ixn, iv, len, &k, mc_type_name(obj)) != 0)
			break;
		if (mc_type(obj) == MC_T_LIST) {
			r = mc_ref(mc_list_get(obj, k));
		} else {
			const char *s = mc_as_str(obj);
			size_t b = mc_utf8_offset(s, k);

			r = mc_strn(s + b, mc_utf8_offset(s + b, 1));
			if (r == NULL)
				s_nomem(c, n);
		}
		break;
	case MC_T_DICT:
		if (ixn->kind == MC_N_SLICE || ixn->kind == MC_N_TUPLE) {
			s_fail(c, ixn, "TypeError", "dict keys are str or int, not slices");
			break;
		}
		iv = s_eval(c, ixn);
		if (iv == NULL)
			break;
		if (mc_type(iv) != MC_T_STR && mc_type(iv) != MC_T_INT && mc_type(iv) != MC_T_BOOL) {
			s_fail(c, ixn, "TypeError", "dict keys are str or int, got %s", mc_type_name(iv));
			break;
		}
		r = mc_ref(mc_dict_lookup(obj, iv));
		if (r == NULL)
			s_key_error(c, ixn, obj, iv);
		break;
	case MC_T_OBJECT:
		r = s_index_object(c, n, obj, ixn);
		break;
	default:
		s_fail(c, n, "TypeError", "%s cannot be indexed with [ ]", mc_type_name(obj));
		break;
	}
	mc_unref(iv);
	mc_unref(obj);
	return r;
}

/* ---- arithmetic ---- */

static int s_is_num(const mc_value *v)
{
	mc_vtype t = mc_type(v);

	return t == MC_T_INT || t == MC_T_FLOAT || t == MC_T_BOOL;
}

static int s_is_intlike(const mc_value *v)
{
	return mc_type(v) == MC_T_INT || mc_type(v) == MC_T_BOOL;
}

static double s_floordiv(double a, double b) { return floor(a / b); }
static double s_fmod_py(double a, double b)
{
	double m = fmod(a, b);

	if (m != 0.0 && ((m < 0) != (b < 0)))
		m += b;
	return m;
}

/* op on two doubles; returns 0 or an error message. */
static const char *s_fop(const char *op, double a, double b, double *r)
{
	if (strcmp(op, "+") == 0) *r = a + b;
	else if (strcmp(op, "-") == 0) *r = a - b;
	else if (strcmp(op, "*") == 0) *r = a * b;
	else if (strcmp(op, "/") == 0) {
		if (b == 0.0)
			return "division by zero";
		*r = a / b;
	} else if (strcmp(op, "//") == 0) {
		if (b == 0.0)
			return "division by zero";
		*r = s_floordiv(a, b);
	} else if (strcmp(op, "%") == 0) {
		if (b == 0.0)
			return "modulo by zero";
		*r = s_fmod_py(a, b);
	} else if (strcmp(op, "**") == 0) *r = pow(a, b);
	else return "unsupported";
	return NULL;
}

/* op on two ints; returns 1 if it overflowed (caller uses floats). */
static int s_iop(const char *op, int64_t a, int64_t b, int64_t *r, const char **zero)
{
	*zero = NULL;
	if (strcmp(op, "+") == 0) return __builtin_add_overflow(a, b, r);
	if (strcmp(op, "-") == 0) return __builtin_sub_overflow(a, b, r);
	if (strcmp(op, "*") == 0) return __builtin_mul_overflow(a, b, r);
	if (strcmp(op, "//") == 0 || strcmp(op, "%") == 0) {
		int64_t q, m;

		if (b == 0) {
			*zero = op[0] == '/' ? "integer division by zero" : "integer modulo by zero";
			return 0;
		}
		if (a == INT64_MIN && b == -1)
			return 1;
		q = a / b;
		m = a % b;
		if (m != 0 && ((m < 0) != (b < 0))) {
			q--;
			m += b;
		}
		*r = op[0] == '/' ? q : m;
		return 0;
	}
	if (strcmp(op, "**") == 0) {
		int64_t acc = 1, base = a, e = b;

		while (e > 0) {
			if ((e & 1) && __builtin_mul_overflow(acc, base, &acc))
				return 1;
			e >>= 1;
			if (e > 0 && __builtin_mul_overflow(base, base, &base))
				return 1;
		}
		*r = acc;
		return 0;
	}
	return 1;
}

static int s_cmp_op(const char *op)
{
	return strcmp(op, "==") == 0 || strcmp(op, "!=") == 0 || strcmp(op, "<") == 0 ||
	       strcmp(op, "<=") == 0 || strcmp(op, ">") == 0 || strcmp(op, ">=") == 0;
}

static int s_cmp_result(const char *op, int c3)
{
	if (strcmp(op, "==") == 0) return c3 == 0;
	if (strcmp(op, "!=") == 0) return c3 != 0;
	if (strcmp(op, "<") == 0) return c3 < 0;
	if (strcmp(op, "<=") == 0) return c3 <= 0;
	if (strcmp(op, ">") == 0) return c3 > 0;
	return c3 >= 0;
}

static double s_elem(mc_value *a, size_t k)
{
	return mc_array_dtype(a) == MC_F64 ? mc_array_f64(a)[k] : (double)mc_array_i64(a)[k];
}

/* Element-wise arithmetic or comparison with arrays (numpy broadcasting of a
 * scalar, or a 1-D row over a 2-D array). */
static mc_value *s_array_op(s_ctx *c, const mc_node *n, const char *op, mc_value *l, mc_value *r)
{
	mc_value *shape_of = mc_type(l) == MC_T_ARRAY ? l : r, *out;
	size_t rows = mc_array_rows(shape_of), cols = mc_array_cols(shape_of), size, i;
	int cmp = s_cmp_op(op);
	int both_int = (mc_type(l) == MC_T_ARRAY ? mc_array_dtype(l) == MC_I64 : s_is_intlike(l)) &&
	               (mc_type(r) == MC_T_ARRAY ? mc_array_dtype(r) == MC_I64 : s_is_intlike(r));
	int int_out = cmp || (both_int && strcmp(op, "/") != 0 && strcmp(op, "**") != 0);
	size_t lw, rw;

	if ((mc_type(l) != MC_T_ARRAY && !s_is_num(l)) || (mc_type(r) != MC_T_ARRAY && !s_is_num(r))) {
		s_fail(c, n, "TypeError", "unsupported operand types for %s: %s and %s", op,
		       mc_type_name(l), mc_type_name(r));
		return NULL;
	}
	if (mc_type(l) == MC_T_ARRAY && mc_type(r) == MC_T_ARRAY) {
		if (mc_array_cols(l) == 0 && mc_array_cols(r) > 0)
			shape_of = r;
		rows = mc_array_rows(shape_of);
		cols = mc_array_cols(shape_of);
		for (i = 0; i < 2; i++) {
			mc_value *o = i == 0 ? l : r;
			int same = mc_array_rows(o) == rows && mc_array_cols(o) == cols;
			int row = mc_array_cols(o) == 0 && cols > 0 && mc_array_rows(o) == cols;

			if (!same && !row) {
				s_fail(c, n, "ShapeError", "operands could not be combined with %s: shapes (%zu%s%s) and (%zu%s%s)",
				       op, mc_array_rows(l), mc_array_cols(l) ? ", " : ",",
				       mc_array_cols(l) ? "" : "", mc_array_rows(r), mc_array_cols(r) ? ", " : ",", "");
				return NULL;
			}
		}
	}
	size = cols > 0 ? rows * cols : rows;
	out = mc_array_new(int_out ? MC_I64 : MC_F64, rows, cols);
	if (out == NULL) {
		s_nomem(c, n);
		return NULL;
	}
	if (cmp)
		mc_array_set_mask(out, 1);
	lw = mc_type(l) == MC_T_ARRAY ? mc_array_size(l) : 0;
	rw = mc_type(r) == MC_T_ARRAY ? mc_array_size(r) : 0;
	for (i = 0; i < size; i++) {
		double a = lw ? s_elem(l, lw == size ? i : i % lw) : mc_as_float(l);
		double b = rw ? s_elem(r, rw == size ? i : i % rw) : mc_as_float(r);

		if (cmp) {
			mc_array_i64(out)[i] = s_cmp_result(op, a < b ? -1 : a > b ? 1 : (a == b ? 0 : 2));
			if (a != a || b != b)
				mc_array_i64(out)[i] = strcmp(op, "!=") == 0;
		} else if (int_out) {
			int64_t ia = lw ? mc_array_i64(l)[lw == size ? i : i % lw] : mc_as_int(l);
			int64_t ib = rw ? mc_array_i64(r)[rw == size ? i : i % rw] : mc_as_int(r);
			const char *zero;

			if (s_iop(op, ia, ib, &mc_array_i64(out)[i], &zero) != 0 || zero != NULL) {
				s_fail(c, n, zero ? "ZeroDivisionError" : "OverflowError", "%s at element %zu",
				       zero ? zero : "integer overflow", i);
				mc_unref(out);
				return NULL;
			}
		} else {
			double res = 0;

			/* numpy semantics: x/0 gives inf or nan, no error */
			if ((op[0] == '/' || op[0] == '%') && b == 0.0)
				res = op[0] == '%' ? NAN : (strcmp(op, "//") == 0 ? (a / b) : a / b);
			else
				s_fop(op, a, b, &res);
			mc_array_f64(out)[i] = res;
		}
	}
	return out;
}

static int s_contains(s_ctx *c, const mc_node *n, mc_value *item, mc_value *coll, int *found)
{
	size_t i;

	*found = 0;
	switch (mc_type(coll)) {
	case MC_T_LIST:
		for (i = 0; i < mc_list_len(coll) && !*found; i++)
			*found = mc_value_equal(item, mc_list_get(coll, i));
		return 0;
	case MC_T_DICT:
		*found = (mc_type(item) == MC_T_STR || s_is_intlike(item)) && mc_dict_lookup(coll, item) != NULL;
		return 0;
	case MC_T_STR:
		if (mc_type(item) != MC_T_STR) {
			s_fail(c, n, "TypeError", "'in <str>' needs a str on the left, got %s", mc_type_name(item));
			return -1;
		}
		*found = strstr(mc_as_str(coll), mc_as_str(item)) != NULL;
		return 0;
	case MC_T_ARRAY:
		if (!s_is_num(item)) {
			s_fail(c, n, "TypeError", "'in <array>' needs a number on the left, got %s", mc_type_name(item));
			return -1;
		}
		for (i = 0; i < mc_array_size(coll) && !*found; i++)
			*found = s_elem(coll, i) == mc_as_float(item);
		return 0;
	default:
		s_fail(c, n, "TypeError", "'in' needs a list, dict, str or array on the right, got %s",
		       mc_type_name(coll));
		return -1;
	}
}

static mc_value *s_repeat(s_ctx *c, const mc_node *n, mc_value *seq, int64_t times)
{
	mc_value *r;
	int64_t t;
	size_t i;

	if (times < 0)
		times = 0;
	if (mc_type(seq) == MC_T_STR) {
		size_t len = mc_str_len(seq);
		char *buf;

		if (len > 0 && (uint64_t)times > (1u << 28) / len) {
			s_fail(c, n, "MemoryError", "repeated string would be too long");
			return NULL;
		}
		buf = malloc(len * (size_t)times + 1);
		if (buf == NULL) {
			s_nomem(c, n);
			return NULL;
		}
		for (t = 0; t < times; t++)
			memcpy(buf + (size_t)t * len, mc_as_str(seq), len);
		r = mc_strn(buf, len * (size_t)times);
		free(buf);
	} else {
		if (mc_list_len(seq) > 0 && (uint64_t)times > (1u << 24) / mc_list_len(seq)) {
			s_fail(c, n, "MemoryError", "repeated list would be too long");
			return NULL;
		}
		r = mc_list_new();
		for (t = 0; r != NULL && t < times; t++)
			for (i = 0; i < mc_list_len(seq); i++)
				if (mc_list_append(r, mc_ref(mc_list_get(seq, i))) != 0) {
					mc_unref(r);
					r = NULL;
					break;
				}
	}
	if (r == NULL)
		s_nomem(c, n);
	return r;
}

static mc_value *s_binop(s_ctx *c, const mc_node *n, const char *op, mc_value *l, mc_value *r)
{
	size_t i;

	if (strcmp(op, "in") == 0 || strcmp(op, "not in") == 0) {
		int found;

		if (s_contains(c, n, l, r, &found) != 0)
			return NULL;
		return mc_bool(op[0] == 'i' ? found : !found);
	}
	if (strcmp(op, "is") == 0 || strcmp(op, "is not") == 0) {
		int same;

		if (mc_type(l) == MC_T_NONE || mc_type(r) == MC_T_NONE ||
		    mc_type(l) == MC_T_BOOL || mc_type(r) == MC_T_BOOL)
			same = mc_type(l) == mc_type(r) && mc_value_equal(l, r);
		else
			same = l == r;
		return mc_bool(strcmp(op, "is") == 0 ? same : !same);
	}
	if (mc_type(l) == MC_T_ARRAY || mc_type(r) == MC_T_ARRAY)
		return s_array_op(c, n, op, l, r);
	if (s_is_num(l) && s_is_num(r)) {
		if (s_cmp_op(op)) {
			if (s_is_intlike(l) && s_is_intlike(r)) {
				int64_t a = mc_as_int(l), b = mc_as_int(r);

				return mc_bool(s_cmp_result(op, a < b ? -1 : a > b));
			} else {
				double a = mc_as_float(l), b = mc_as_float(r);

				if (a != a || b != b)
					return mc_bool(strcmp(op, "!=") == 0);
				return mc_bool(s_cmp_result(op, a < b ? -1 : a > b));
			}
		}
		if (s_is_intlike(l) && s_is_intlike(r) && strcmp(op, "/") != 0 &&
		    !(strcmp(op, "**") == 0 && mc_as_int(r) < 0)) {
			int64_t res;
			const char *zero;

			if (s_iop(op, mc_as_int(l), mc_as_int(r), &res, &zero) == 0) {
				if (zero != NULL) {
					s_fail(c, n, "ZeroDivisionError", "%s", zero);
					return NULL;
				}
				return mc_int(res);
			}
			/* overflow: continue in floating point */
		}
		{
			double res = 0;
			const char *e = s_fop(op, mc_as_float(l), mc_as_float(r), &res);

			if (e != NULL) {
				s_fail(c, n, "ZeroDivisionError", "%s", e);
				return NULL;
			}
			return mc_float(res);
		}
	}
	if (mc_type(l) == MC_T_STR && mc_type(r) == MC_T_STR) {
		if (strcmp(op, "+") == 0) {
			size_t a = mc_str_len(l), b = mc_str_len(r);
			char *buf = malloc(a + b + 1);
			mc_value *v;

			if (buf == NULL)
				return NULL;
			memcpy(buf, mc_as_str(l), a);
			memcpy(buf + a, mc_as_str(r), b);
			v = mc_strn(buf, a + b);
			free(buf);
			return v;
		}
		if (s_cmp_op(op))
			return mc_bool(s_cmp_result(op, strcmp(mc_as_str(l), mc_as_str(r))));
	}
	if (mc_type(l) == MC_T_LIST && mc_type(r) == MC_T_LIST && strcmp(op, "+") == 0) {
		mc_value *v = mc_list_new();

		for (i = 0; v != NULL && i < mc_list_len(l) + mc_list_len(r); i++) {
			mc_value *item = i < mc_list_len(l) ? mc_list_get(l, i) : mc_list_get(r, i - mc_list_len(l));

			if (mc_list_append(v, mc_ref(item)) != 0) {
				mc_unref(v);
				v = NULL;
			}
		}
		return v;
	}
	if (strcmp(op, "*") == 0 && (mc_type(l) == MC_T_STR || mc_type(l) == MC_T_LIST) && s_is_intlike(r))
		return s_repeat(c, n, l, mc_as_int(r));
	if (strcmp(op, "*") == 0 && (mc_type(r) == MC_T_STR || mc_type(r) == MC_T_LIST) && s_is_intlike(l))
		return s_repeat(c, n, r, mc_as_int(l));
	if (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) {
		int eq = mc_value_equal(l, r);

		return mc_bool(op[0] == '=' ? eq : !eq);
	}
	s_fail(c, n, "TypeError", "unsupported operand types for %s: %s and %s%s", op, mc_type_name(l),
	       mc_type_name(r),
	       (strcmp(op, "+") == 0 && (mc_type(l) == MC_T_STR || mc_type(r) == MC_T_STR)) ?
	       " (use str(x) to turn a value into text)" : "");
	return NULL;
}

static mc_value *s_unop(s_ctx *c, const mc_node *n, mc_value *v)
{
	if (strcmp(n->op, "not") == 0)
		return mc_bool(!mc_as_bool(v));
	if (strcmp(n->op, "+") == 0 && (s_is_num(v) || mc_type(v) == MC_T_ARRAY))
		return mc_ref(v);
	if (strcmp(n->op, "-") == 0) {
		if (s_is_intlike(v) && mc_as_int(v) != INT64_MIN)
			return mc_int(-mc_as_int(v));
		if (s_is_num(v))
			return mc_float(-mc_as_float(v));
		if (mc_type(v) == MC_T_ARRAY) {
			mc_value *zero = mc_int(0), *r;

			if (zero == NULL)
				return NULL;
			r = s_array_op(c, n, "-", zero, v);
			mc_unref(zero);
			return r;
		}
	}
	s_fail(c, n, "TypeError", "bad operand type for unary %s: %s", n->op, mc_type_name(v));
	return NULL;
}

/* ---- expressions ---- */

static mc_value *s_eval(s_ctx *c, const mc_node *n)
{
	mc_value *v = NULL, *l, *r;
	size_t i;

	if (c->failed)
		return NULL;
	switch (n->kind) {
	case MC_N_LITERAL:
		return mc_ref(n->lit);
	case MC_N_NAME:
		return s_lookup(c, n);
	case MC_N_LIST:
	case MC_N_TUPLE:
		v = mc_list_new();
		if (v == NULL) {
			s_nomem(c, n);
			return NULL;
		}
		for (i = 0; i < n->nkids; i++) {
			mc_value *item = s_eval(c, n->kids[i]);

			if (item == NULL || mc_list_append(v, item) != 0) {
				if (item != NULL)
					s_nomem(c, n);
				mc_unref(v);
				return NULL;
			}
		}
		return v;
	case MC_N_DICT:
		v = mc_dict_new();
		if (v == NULL) {
			s_nomem(c, n);
			return NULL;
		}
		for (i = 0; i + 1 < n->nkids; i += 2) {
			mc_value *k = s_eval(c, n->kids[i]), *item;

			if (k == NULL) {
				mc_unref(v);
				return NULL;
			}
			if (mc_type(k) != MC_T_STR && mc_type(k) != MC_T_INT && mc_type(k) != MC_T_BOOL) {
				s_fail(c, n->kids[i], "TypeError", "dict keys must be str or int, got %s", mc_type_name(k));
				mc_unref(k);
				mc_unref(v);
				return NULL;
			}
			item = s_eval(c, n->kids[i + 1]);
			if (item == NULL || mc_dict_set(v, k, item) != 0) {
				if (item != NULL)
					s_nomem(c, n);
				mc_unref(k);
				mc_unref(v);
				return NULL;
			}
			mc_unref(k);
		}
		return v;
	case MC_N_UNARY:
		l = s_eval(c, n->kids[0]);
		if (l == NULL)
			return NULL;
		v = s_unop(c, n, l);
		mc_unref(l);
		break;
	case MC_N_AND:
	case MC_N_OR:
		l = s_eval(c, n->kids[0]);
		if (l == NULL)
			return NULL;
		if (mc_as_bool(l) == (n->kind == MC_N_OR))
			return l;
		mc_unref(l);
		return s_eval(c, n->kids[1]);
	case MC_N_BINARY:
		l = s_eval(c, n->kids[0]);
		if (l == NULL)
			return NULL;
		r = s_eval(c, n->kids[1]);
		if (r == NULL) {
			mc_unref(l);
			return NULL;
		}
		v = s_binop(c, n, n->op, l, r);
		mc_unref(l);
		mc_unref(r);
		break;
	case MC_N_CALL:
		return s_call(c, n);
	case MC_N_INDEX:
		return s_index(c, n);
	case MC_N_ATTR:
		return s_attr(c, n);
	case MC_N_SLICE:
		s_fail(c, n, "SyntaxError", "a slice a:b is only allowed inside [ ]");
		return NULL;
	case MC_N_KWARG:
		s_fail(c, n, "SyntaxError", "name=value is only allowed inside a call's ( )");
		return NULL;
	default:
		s_fail(c, n, "SyntaxError", "this is a statement, not an expression");
		return NULL;
	}
	if (v == NULL && !c->failed)
		s_nomem(c, n);
	return v;
}

/* ---- statements ---- */

static int s_set_name(s_ctx *c, const mc_node *t, mc_value *v)
{
	/* a variable may hide a function of the same name, as in Python */
	if (mc_dict_set_str(c->in->vars, t->name, mc_ref(v)) != 0) {
		s_nomem(c, t);
		return -1;
	}
	return 0;
}

static int s_set_item(s_ctx *c, const mc_node *t, mc_value *v)
{
	mc_value *obj = s_eval(c, t->kids[0]), *key = NULL;
	const mc_node *ixn = t->kids[1];
	size_t k;
	int rc = -1;

	if (obj == NULL)
		return -1;
	if (ixn->kind == MC_N_SLICE) {
		s_fail(c, ixn, "TypeError", "assigning to a slice is not supported; assign items one by one");
		goto cleanup;
	}
	if (mc_type(obj) == MC_T_ARRAY && ixn->kind == MC_N_TUPLE) {
		mc_value *iv[2] = { NULL, NULL };
		size_t rr = 0, cc = 0;

		if (ixn->nkids != 2 || mc_array_cols(obj) == 0 || ixn->kids[0]->kind == MC_N_SLICE ||
		    ixn->kids[1]->kind == MC_N_SLICE) {
			s_fail(c, ixn, "TypeError", "array item assignment takes a[i] = x or a[i, j] = x");
			goto cleanup;
		}
		iv[0] = s_eval(c, ixn->kids[0]);
		iv[1] = iv[0] ? s_eval(c, ixn->kids[1]) : NULL;
		if (iv[1] != NULL && s_norm_index(c, ixn->kids[0], iv[0], mc_array_rows(obj), &rr, "row") == 0 &&
		    s_norm_index(c, ixn->kids[1], iv[1], mc_array_cols(obj), &cc, "column") == 0) {
			if (!s_is_num(v))
				s_fail(c, t, "TypeError", "array items must be numbers, got %s", mc_type_name(v));
			else if (mc_array_dtype(obj) == MC_F64)
				mc_array_f64(obj)[rr * mc_array_cols(obj) + cc] = mc_as_float(v), rc = 0;
			else if (!s_is_intlike(v))
				s_fail(c, t, "TypeError", "int64 array items must be int, got %s", mc_type_name(v));
			else
				mc_array_i64(obj)[rr * mc_array_cols(obj) + cc] = mc_as_int(v), rc = 0;
		}
		mc_unref(iv[0]);
		mc_unref(iv[1]);
		goto cleanup;
	}
	if (ixn->kind == MC_N_TUPLE) {
		s_fail(c, ixn, "TypeError", "%s indices must be a single value", mc_type_name(obj));
		goto cleanup;
	}
	key = s_eval(c, ixn);
	if (key == NULL)
		goto cleanup;
	switch (mc_type(obj)) {
	case MC_T_LIST:
		if (s_norm_index(c, ixn, key, mc_list_len(obj), &k, "list") != 0)
			goto cleanup;
		if (mc_list_set(obj, k, mc_ref(v)) != 0) {
			s_nomem(c, t);
			goto cleanup;
		}
		rc = 0;
		break;
	case MC_T_DICT:
		if (mc_type(key) != MC_T_STR && !s_is_intlike(key)) {
			s_fail(c, ixn, "TypeError", "dict keys must be str or int, got %s", mc_type_name(key));
			goto cleanup;
		}
		if (mc_dict_set(obj, key, mc_ref(v)) != 0) {
			s_nomem(c, t);
			goto cleanup;
		}
		rc = 0;
		break;
	case MC_T_ARRAY:
		if (mc_array_cols(obj) != 0) {
			s_fail(c, ixn, "TypeError", "assign to one element of a 2-D array with a[i, j] = x");
			goto cleanup;
		}
		if (s_norm_index(c, ixn, key, mc_array_rows(obj), &k, "array") != 0)
			goto cleanup;
		if (!s_is_num(v)) {
			s_fail(c, t, "TypeError", "array items must be numbers, got %s", mc_type_name(v));
			goto cleanup;
		}
		if (mc_array_dtype(obj) == MC_F64)
			mc_array_f64(obj)[k] = mc_as_float(v);
		else if (!s_is_intlike(v)) {
			s_fail(c, t, "TypeError", "int64 array items must be int, got %s", mc_type_name(v));
			goto cleanup;
		} else
			mc_array_i64(obj)[k] = mc_as_int(v);
		rc = 0;
		break;
	default:
		s_fail(c, t, "TypeError", "%s does not support item assignment", mc_type_name(obj));
		break;
	}
cleanup:
	mc_unref(key);
	mc_unref(obj);
	return rc;
}

static int s_assign(s_ctx *c, const mc_node *t, mc_value *v)
{
	size_t i, n;

	switch (t->kind) {
	case MC_N_NAME:
		return s_set_name(c, t, v);
	case MC_N_INDEX:
		return s_set_item(c, t, v);
	case MC_N_ATTR:
		s_fail(c, t, "AttributeError", "cannot set attribute '%s': attributes are read-only; "
		       "use the object's methods to change it", t->name);
		return -1;
	case MC_N_TUPLE:
	case MC_N_LIST:
		n = t->nkids;
		if (mc_type(v) == MC_T_LIST) {
			if (mc_list_len(v) != n) {
				s_fail(c, t, "ValueError", "cannot unpack %zu value%s into %zu name%s", mc_list_len(v),
				       mc_list_len(v) == 1 ? "" : "s", n, n == 1 ? "" : "s");
				return -1;
			}
			for (i = 0; i < n; i++)
				if (s_assign(c, t->kids[i], mc_list_get(v, i)) != 0)
					return -1;
			return 0;
		}
		if (mc_type(v) == MC_T_ARRAY) {
			size_t rows = mc_array_rows(v);

			if (rows != n) {
				s_fail(c, t, "ValueError", "cannot unpack an array of %zu rows into %zu names", rows, n);
				return -1;
			}
			for (i = 0; i < n; i++) {
				mc_value *item;

				item = mc_array_cols(v) == 0 ? s_array_scalar(v, i) : s_array_row(v, i);
				if (item == NULL) {
					s_nomem(c, t);
					return -1;
				}
				if (s_assign(c, t->kids[i], item) != 0) {
					mc_unref(item);
					return -1;
				}
				mc_unref(item);
			}
			return 0;
		}
		s_fail(c, t, "TypeError", "cannot unpack %s into %zu names: expected a list", mc_type_name(v), n);
		return -1;
	default:
		s_fail(c, t, "SyntaxError", "cannot assign to this expression");
		return -1;
	}
}

/* For a, b = v: checks lengths before anything is assigned. */
static int s_check_unpack(s_ctx *c, const mc_node *t, mc_value *v)
{
	size_t n = t->nkids, have;

	if (t->kind != MC_N_TUPLE && t->kind != MC_N_LIST)
		return 0;
	if (mc_type(v) == MC_T_LIST)
		have = mc_list_len(v);
	else if (mc_type(v) == MC_T_ARRAY)
		have = mc_array_rows(v);
	else {
		s_fail(c, t, "TypeError", "cannot unpack %s into %zu names: expected a list", mc_type_name(v), n);
		return -1;
	}
	if (have != n) {
		s_fail(c, t, "ValueError", "cannot unpack %zu value%s into %zu name%s", have,
		       have == 1 ? "" : "s", n, n == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

static mc_value *s_exec(s_ctx *c, const mc_node *st)
{
	mc_value *v;
	size_t i;

	switch (st->kind) {
	case MC_N_EXPR:
		return s_eval(c, st->kids[0]);
	case MC_N_ASSIGN:
		v = s_eval(c, st->kids[st->nkids - 1]);
		if (v == NULL)
			return NULL;
		for (i = 0; i + 1 < st->nkids; i++)
			if (s_check_unpack(c, st->kids[i], v) != 0) {
				mc_unref(v);
				return NULL;
			}
		for (i = 0; i + 1 < st->nkids; i++)
			if (s_assign(c, st->kids[i], v) != 0) {
				mc_unref(v);
				return NULL;
			}
		mc_unref(v);
		return mc_none();
	case MC_N_AUGASSIGN: {
		mc_value *cur = s_eval(c, st->kids[0]), *rhs, *res;

		if (cur == NULL)
			return NULL;
		rhs = s_eval(c, st->kids[1]);
		if (rhs == NULL) {
			mc_unref(cur);
			return NULL;
		}
		res = s_binop(c, st, st->op, cur, rhs);
		mc_unref(cur);
		mc_unref(rhs);
		if (res == NULL) {
			if (!c->failed)
				s_nomem(c, st);
			return NULL;
		}
		if (s_assign(c, st->kids[0], res) != 0) {
			mc_unref(res);
			return NULL;
		}
		mc_unref(res);
		return mc_none();
	}
	default:
		s_fail(c, st, "SyntaxError", "not a statement");
		return NULL;
	}
}

static int s_interrupted(const mc_io *io)
{
	return io != NULL && io->interrupted != NULL && *io->interrupted;
}

int mc_interp_execute(mc_interp *in, const char *code, const mc_io *io, mc_value **result,
                      mc_exec_error *xerr)
{
	mc_program prog;
	mc_syntax_error serr;
	s_ctx c;
	size_t i;
	mc_value *last = NULL;

	*result = NULL;
	memset(xerr, 0, sizeof *xerr);
	if (mc_parse(&prog, code, &serr) != 0) {
		s_fill_error(xerr, code, serr.line, serr.col, "SyntaxError", serr.msg);
		return MC_ERR_PARSE;
	}
	memset(&c, 0, sizeof c);
	c.in = in;
	c.io = io;
	c.src = code;
	c.xerr = xerr;
	for (i = 0; i < prog.n; i++) {
		const mc_node *st = prog.stmts[i];

		mc_unref(last);
		last = NULL;
		if (s_interrupted(io)) {
			s_fail(&c, st, "KeyboardInterrupt", "interrupted before this statement ran");
			break;
		}
		last = s_exec(&c, st);
		if (last == NULL) {
			if (!c.failed)
				s_nomem(&c, st);
			break;
		}
		if (st->kind != MC_N_EXPR || st->op[0] == ';') {
			mc_unref(last);
			last = NULL;
		}
	}
	mc_program_free(&prog);
	if (c.failed) {
		mc_unref(last);
		return strcmp(xerr->ename, "KeyboardInterrupt") == 0 ? MC_ERR_INTERRUPTED : MC_ERR_INVALID;
	}
	if (last != NULL && mc_type(last) == MC_T_NONE) {
		mc_unref(last);
		last = NULL;
	}
	*result = last;
	return 0;
}

int mc_interp_eval(mc_interp *in, const char *expr, const mc_io *io, mc_value **result,
                   mc_exec_error *xerr)
{
	mc_node *n = NULL;
	mc_syntax_error serr;
	mc_io quiet;
	s_ctx c;

	*result = NULL;
	memset(xerr, 0, sizeof *xerr);
	if (mc_parse_expr(&n, expr, &serr) != 0) {
		s_fill_error(xerr, expr, serr.line, serr.col, "SyntaxError", serr.msg);
		return MC_ERR_PARSE;
	}
	memset(&quiet, 0, sizeof quiet);
	if (io != NULL)
		quiet.interrupted = io->interrupted;
	quiet.silent = 1;
	memset(&c, 0, sizeof c);
	c.in = in;
	c.io = &quiet;
	c.src = expr;
	c.xerr = xerr;
	*result = s_eval(&c, n);
	mc_node_free(n);
	if (*result == NULL) {
		if (!c.failed)
			s_fill_error(xerr, expr, 1, 1, "MemoryError", "out of memory");
		return strcmp(xerr->ename, "KeyboardInterrupt") == 0 ? MC_ERR_INTERRUPTED : MC_ERR_INVALID;
	}
	return 0;
}
