/* Command-language functions of the core area (entries of the function table):
 * print, help, len, range, conversions, min/max/sum/sorted, any/all,
 * isinstance, format, display, input, dir, sleep, setrecursionlimit, and the
 * methods of the builtin types (list, dict, str, array). Every function that
 * takes a sequence takes any iterable (lang.h's mc_iter). */
#include "registry.h"
#include "lang.h"
#include "interp.h"
#include "language_doc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ---- */

typedef mc_text s_text;

static void s_add(s_text *t, const char *s)
{
	mc_text_puts(t, s);
}

/* The items of an iterable value as a list: list items, dict keys, range
 * items, characters of a string, elements (1-D) or rows (2-D) of an array,
 * what an object's __iter__ gives. A list is returned as itself. */
static int s_items(mc_call *call, mc_value **out, mc_value *v, const char *fname, mc_error *err)
{
	return mc_value_items(out, v, call->io, call->interp, fname, err);
}

static int s_is_num(const mc_value *v)
{
	return mc_type(v) == MC_T_INT || mc_type(v) == MC_T_FLOAT || mc_type(v) == MC_T_BOOL;
}

/* Orders a and b (numbers with numbers, strings with strings, lists item by item). */
static int s_order(const mc_value *a, const mc_value *b, int *res, const char *fname, mc_error *err)
{
	int rc = mc_value_order(a, b, "<", res, err);

	if (rc != 0)
		mc_error_prefix(err, "%s()", fname);
	return rc;
}

/* ---- help ---- */

static int s_help(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");
	char *text = NULL;

	if (mc_type(x) == MC_T_NONE && !mc_arg_given(call, "x")) {
		text = mc_help_overview();
	} else if (mc_type(x) == MC_T_STR && strcmp(mc_as_str(x), "language") == 0) {
		text = strdup(mc_language_doc);
	} else if (mc_type(x) == MC_T_STR) {
		const mc_func_def *d = mc_registry_find(mc_as_str(x));
		mc_value *var = mc_interp_get_var(mc_call_interp(call), mc_as_str(x));

		if (d != NULL)
			text = mc_help_for_def(d);
		else if (var != NULL)
			text = mc_help_for_value(var);
		else
			return mc_error_set(err, MC_ERR_NOTFOUND,
			                    "help(): no function, method or variable named '%s'", mc_as_str(x));
	} else {
		text = mc_help_for_value(x);
	}
	if (text == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "help(): out of memory");
	if (text[0] != '\0' && text[strlen(text) - 1] != '\n') {
		char *t2 = realloc(text, strlen(text) + 2);

		if (t2 != NULL) {
			text = t2;
			strcat(text, "\n");
		}
	}
	mc_help_show(call, text, mc_type(x) == MC_T_STR && strcmp(mc_as_str(x), "language") == 0);
	free(text);
	*out = mc_none();
	return 0;
}

/* exit() and quit(): IPython's ask_exit payload ends jupyter console, and
 * then the kernel, unless keep_kernel. */
static int s_exit(mc_call *call, mc_value **out, mc_error *err)
{
	int keep = 0;

	if (mc_arg_bool(call, "keep_kernel", &keep, err) != 0)
		return err->code;
	mc_call_payload(call, json_pack("{s:s, s:b}", "source", "ask_exit", "keepkernel", keep));
	*out = mc_none();
	return 0;
}

/* ---- basic functions ---- */

/* The stream print(file=...) names: stdout, stderr (the functions below,
 * or their names as strings). */
static int s_stream_arg(mc_call *call, const char **stream, mc_error *err)
{
	mc_value *file = mc_arg(call, "file");
	const mc_func_def *def = mc_func_def_of(file);
	const char *name = def != NULL ? def->name : mc_type(file) == MC_T_STR ? mc_as_str(file)
	                   : NULL;

	if (file == NULL || mc_type(file) == MC_T_NONE)
		return 0;
	if (name == NULL || (strcmp(name, "stdout") != 0 && strcmp(name, "stderr") != 0))
		return mc_error_set(err, MC_ERR_TYPE, "print(): file must be stdout or stderr, got %s",
		                    mc_type_name(file));
	*stream = name;
	return 0;
}

/* print to stream: stdout, stderr, or (NULL) as the file argument says. */
static int s_print_to(mc_call *call, mc_value **out, mc_error *err, const char *stream)
{
	mc_value *vals = mc_arg(call, "values");
	const char *sep, *end;
	s_text t = { 0 };
	size_t i;

	if (mc_arg_str(call, "sep", &sep, err) != 0 || mc_arg_str(call, "end", &end, err) != 0)
		return err->code;
	if (stream == NULL) {
		stream = "stdout";
		if (s_stream_arg(call, &stream, err) != 0)
			return err->code;
	}
	for (i = 0; i < mc_list_len(vals); i++) {
		size_t n = 0, k;
		char *s = mc_value_str_n(mc_list_get(vals, i), &n);

		if (s == NULL) {
			free(t.s);
			return mc_error_set(err, MC_ERR_NOMEM, "print(): out of memory");
		}
		if (i > 0)
			s_add(&t, sep);
		/* the output stream is text: NUL characters are not shown */
		for (k = 0; k < n; k += strlen(s + k) + 1)
			s_add(&t, s + k);
		free(s);
	}
	s_add(&t, end);
	if (t.oom) {
		free(t.s);
		return mc_error_set(err, MC_ERR_NOMEM, "print(): out of memory");
	}
	if (strcmp(stream, "stdout") == 0)
		mc_call_print(call, t.s != NULL ? t.s : "");
	else if (call->io != NULL && call->io->stream != NULL) {
		/* valid UTF-8 for the JSON of the stream message, as mc_call_print */
		char *clean = mc_utf8_clean(t.s != NULL ? t.s : "", t.n);

		call->io->stream(call->io->ctx, stream, clean != NULL ? clean : "");
		free(clean);
	}
	free(t.s);
	*out = mc_none();
	return 0;
}

static int s_print(mc_call *c, mc_value **o, mc_error *e) { return s_print_to(c, o, e, NULL); }
static int s_stdout(mc_call *c, mc_value **o, mc_error *e) { return s_print_to(c, o, e, "stdout"); }
static int s_stderr(mc_call *c, mc_value **o, mc_error *e) { return s_print_to(c, o, e, "stderr"); }

static int s_len(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t n;

	if (mc_value_len(mc_arg(call, "x"), call->io, call->interp, &n, err) != 0)
		return err->code;
	*out = mc_int(n);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* An int argument of range(): int or bool, as Python's __index__. */
static int s_range_int(mc_call *call, const char *name, int64_t *out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (mc_type(v) != MC_T_INT && mc_type(v) != MC_T_BOOL)
		return mc_error_set(err, MC_ERR_TYPE, "range(): %s must be int, got %s (a float cannot be "
		                    "a range bound; use int(x))", name, mc_type_name(v));
	*out = mc_as_int(v);
	return 0;
}

static int s_range(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t start = 0, stop, step = 1;

	if (mc_type(mc_arg(call, "stop")) == MC_T_NONE) {
		if (s_range_int(call, "start", &stop, err) != 0)
			return err->code;
	} else if (s_range_int(call, "start", &start, err) != 0 || s_range_int(call, "stop", &stop, err) != 0) {
		return err->code;
	}
	if (s_range_int(call, "step", &step, err) != 0)
		return err->code;
	if (step == 0)
		return mc_error_set(err, MC_ERR_INVALID, "range(): step must not be zero");
	*out = mc_range_new(start, stop, step);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "range(): out of memory");
}

static int s_list(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x"), *items;

	if (mc_type(x) == MC_T_NONE && !mc_arg_given(call, "x")) {
		*out = mc_list_new();
		return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "list(): out of memory");
	}
	if (s_items(call, &items, x, "list", err) != 0)
		return err->code;
	if (items != x) {
		*out = items;
		return 0;
	}
	/* a new list, so changing it leaves x alone */
	*out = mc_list_copy(items);
	mc_unref(items);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "list(): out of memory");
}

static int s_dict(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "pairs"), *kw = mc_arg(call, "kwargs"), *d, *items = NULL;
	size_t i;

	d = mc_dict_new();
	if (d == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "dict(): out of memory");
	if (mc_type(x) == MC_T_DICT) {
		mc_unref(d);
		d = mc_dict_copy(x);
		if (d == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "dict(): out of memory");
	} else if (mc_type(x) != MC_T_NONE) {
		if (s_items(call, &items, x, "dict", err) != 0) {
			mc_unref(d);
			return err->code;
		}
		for (i = 0; i < mc_list_len(items); i++) {
			mc_value *p = mc_list_get(items, i), *k = mc_list_get(p, 0);

			if (mc_list_len(p) != 2 || !mc_value_hashable(k)) {
				mc_unref(items);
				mc_unref(d);
				return mc_error_set(err, MC_ERR_TYPE,
				                    "dict(): item %zu must be a [key, value] pair with a str, int, "
				                    "float, bool or None key", i);
			}
			if (mc_dict_set(d, k, mc_ref(mc_list_get(p, 1))) != 0) {
				mc_unref(items);
				goto nomem;
			}
		}
		mc_unref(items);
	}
	for (i = 0; i < mc_dict_len(kw); i++)
		if (mc_dict_set(d, mc_dict_key(kw, i), mc_ref(mc_dict_value(kw, i))) != 0)
			goto nomem;
	*out = d;
	return 0;
nomem:
	mc_unref(d);
	return mc_error_set(err, MC_ERR_NOMEM, "dict(): out of memory");
}

static int s_str(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");
	size_t n = 0;
	char *s;

	if (mc_type(x) == MC_T_STR) {
		*out = mc_ref(x);
		return 0;
	}
	s = mc_value_str_n(x, &n);
	if (s == NULL || (*out = mc_str_take(s, n)) == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "str(): out of memory");
	return 0;
}

/* A copy of the str x without '_' between digits and surrounding white
 * space, for int() and float(); NULL (with err) when it holds a NUL. */
static char *s_numeric_text(mc_value *x, const char *fname, mc_error *err)
{
	const char *s = mc_as_str(x);
	size_t n = mc_str_len(x), a = 0, b = n, i, o = 0;
	char *t;

	if (memchr(s, '\0', n) != NULL) {
		mc_error_set(err, MC_ERR_INVALID, "%s(): invalid literal: the text holds a NUL character", fname);
		return NULL;
	}
	while (a < b && strchr(" \t\n\r\f\v", s[a]) != NULL)
		a++;
	while (b > a && strchr(" \t\n\r\f\v", s[b - 1]) != NULL)
		b--;
	t = malloc(b - a + 1);
	if (t == NULL) {
		mc_error_nomem(err);
		return NULL;
	}
	for (i = a; i < b; i++)
		if (!(s[i] == '_' && i > a && i + 1 < b && s[i - 1] >= '0' && s[i - 1] <= '9' &&
		      s[i + 1] >= '0' && s[i + 1] <= '9'))
			t[o++] = s[i];
	t[o] = '\0';
	return t;
}

static int s_int(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");

	switch (mc_type(x)) {
	case MC_T_INT:
	case MC_T_BOOL:
		*out = mc_int(mc_as_int(x));
		return 0;
	case MC_T_FLOAT: {
		double f = mc_as_float(x);

		if (!isfinite(f) || f >= 9.2233720368547758e18 || f < -9.2233720368547758e18)
			return mc_error_set(err, MC_ERR_INVALID, "int(): cannot convert %g to int", f);
		*out = mc_int((int64_t)f);
		return 0;
	}
	case MC_T_STR: {
		char *t = s_numeric_text(x, "int", err), *end;
		long long v;

		if (t == NULL)
			return err->code;
		errno = 0;
		v = strtoll(t, &end, 10);
		if (end == t || *end != '\0' || errno != 0 || t[0] == ' ') {
			int range = errno == ERANGE;

			free(t);
			if (range) {
				mc_lang_set_ename("OverflowError");
				return mc_error_set(err, MC_ERR_INVALID, "int(): '%s' does not fit in 64 bits",
				                    mc_as_str(x));
			}
			return mc_error_set(err, MC_ERR_INVALID, "int(): invalid literal '%s': expected digits",
			                    mc_as_str(x));
		}
		free(t);
		*out = mc_int(v);
		return 0;
	}
	default:
		return mc_error_set(err, MC_ERR_TYPE, "int(): cannot convert %s to int", mc_type_name(x));
	}
}

static int s_float(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");

	if (s_is_num(x)) {
		*out = mc_float(mc_as_float(x));
		return 0;
	}
	if (mc_type(x) == MC_T_STR) {
		char *t = s_numeric_text(x, "float", err), *end;
		double f;

		if (t == NULL)
			return err->code;
		f = strtod(t, &end);
		if (end == t || *end != '\0') {
			free(t);
			return mc_error_set(err, MC_ERR_INVALID, "float(): invalid number '%s'", mc_as_str(x));
		}
		free(t);
		*out = mc_float(f);
		return 0;
	}
	return mc_error_set(err, MC_ERR_TYPE, "float(): cannot convert %s to float", mc_type_name(x));
}

static int s_round(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");
	int64_t nd;
	double f;

	if (!s_is_num(x))
		return mc_error_set(err, MC_ERR_TYPE, "round(): x must be a number, got %s", mc_type_name(x));
	f = mc_as_float(x);
	if (mc_arg_int_opt(call, "ndigits", &nd, err) == 1) {
		if (mc_type(x) != MC_T_FLOAT) {
			*out = mc_int(mc_as_int(x));
			return 0;
		}
		if (!isfinite(f) || fabs(f) >= 9.2e18)
			return mc_error_set(err, MC_ERR_INVALID, "round(): cannot round %g to an int", f);
		*out = mc_int((int64_t)nearbyint(f));
		return 0;
	}
	if (err->code != 0)
		return err->code;
	if (nd > 300 || nd < -300 || !isfinite(f)) {
		*out = mc_float(f);
		return 0;
	}
	if (nd >= 0) {
		char buf[512];

		snprintf(buf, sizeof buf, "%.*f", (int)nd, f);
		*out = mc_float(strtod(buf, NULL));
	} else {
		double p = pow(10.0, (double)-nd);

		*out = mc_float(nearbyint(f / p) * p);
	}
	if (mc_type(x) != MC_T_FLOAT && *out != NULL) {
		int64_t iv = (int64_t)mc_as_float(*out);

		mc_unref(*out);
		*out = mc_int(iv);
	}
	return 0;
}

/* key(v) when a key function was given, else v; a new reference. */
static int s_key_of(mc_call *call, mc_value *key, mc_value *v, mc_value **out, mc_error *err)
{
	if (mc_type(key) == MC_T_NONE) {
		*out = mc_ref(v);
		return 0;
	}
	return mc_call_value(call, key, &v, 1, out, err);
}

static int s_minmax(mc_call *call, mc_value **out, mc_error *err, int want_max)
{
	mc_value *vals = mc_arg(call, "values"), *key = mc_arg(call, "key"), *items = NULL;
	mc_value *best = NULL, *bestk = NULL;
	const char *fname = want_max ? "max" : "min";
	size_t i;
	int rc = 0;

	if (mc_list_len(vals) == 0)
		return mc_error_set(err, MC_ERR_TYPE, "%s() expected at least 1 argument, got 0", fname);
	if (mc_list_len(vals) == 1) {
		if (s_items(call, &items, mc_list_get(vals, 0), fname, err) != 0)
			return err->code;
	} else {
		items = mc_ref(vals);
	}
	if (mc_list_len(items) == 0) {
		mc_unref(items);
		if (mc_arg_given(call, "default")) {
			*out = mc_ref(mc_arg(call, "default"));
			return 0;
		}
		return mc_error_set(err, MC_ERR_INVALID, "%s(): expected at least one value, got an empty sequence",
		                    fname);
	}
	for (i = 0; i < mc_list_len(items) && rc == 0; i++) {
		mc_value *v = mc_list_get(items, i), *k = NULL;
		int c;

		if ((i & 0xFFF) == 0xFFF && mc_call_interrupted(call)) {
			rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
			break;
		}
		if ((rc = s_key_of(call, key, v, &k, err)) != 0)
			break;
		if (best == NULL) {
			best = v;
			bestk = k;
			continue;
		}
		rc = s_order(k, bestk, &c, fname, err);
		if (rc == 0 && ((want_max && c > 0) || (!want_max && c < 0))) {
			best = v;
			mc_unref(bestk);
			bestk = k;
		} else {
			mc_unref(k);
		}
	}
	if (rc == 0 && mc_list_len(items) == 1 && (rc = s_order(bestk, bestk, &(int){ 0 }, fname, err)) != 0)
		best = NULL;
	if (rc == 0)
		*out = mc_ref(best);
	mc_unref(bestk);
	mc_unref(items);
	return rc != 0 ? err->code : 0;
}

static int s_min(mc_call *call, mc_value **out, mc_error *err) { return s_minmax(call, out, err, 0); }
static int s_max(mc_call *call, mc_value **out, mc_error *err) { return s_minmax(call, out, err, 1); }

static int s_sum(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "values"), *start = mc_arg(call, "start"), *e;
	mc_iter it;
	int is_float = mc_type(start) == MC_T_FLOAT, rc;
	double fs;
	int64_t is;
	size_t i;

	if (!s_is_num(start))
		return mc_error_set(err, MC_ERR_TYPE, "sum(): start must be a number, got %s", mc_type_name(start));
	fs = mc_as_float(start);
	is = mc_as_int(start);
	if (mc_type(x) == MC_T_ARRAY) {
		size_t n = mc_array_size(x);

		if (mc_array_dtype(x) == MC_F64) {
			for (i = 0; i < n; i++)
				fs += mc_array_f64(x)[i];
			*out = mc_float(fs);
		} else {
			for (i = 0; i < n; i++)
				if (__builtin_add_overflow(is, mc_array_i64(x)[i], &is))
					return mc_error_set(err, MC_ERR_INVALID, "sum(): the int64 sum overflows");
			*out = is_float ? mc_float(fs + (double)(is - mc_as_int(start))) : mc_int(is);
		}
		return 0;
	}
	/* walked, not built as a list: sum(range(10**12)) takes no memory */
	if (mc_iter_init(&it, x, call->io, call->interp, err) != 0) {
		mc_error_prefix(err, "sum()");
		return err->code;
	}
	for (i = 0; (rc = mc_iter_next(&it, &e, err)) == 1; i++) {
		if (!s_is_num(e)) {
			mc_iter_clear(&it);
			rc = mc_error_set(err, MC_ERR_TYPE, "sum(): item %zu is %s, expected a number", i,
			                  mc_type_name(e));
			mc_unref(e);
			return rc;
		}
		if ((i & 0xFFFF) == 0xFFFF && mc_call_interrupted(call)) {
			mc_unref(e);
			mc_iter_clear(&it);
			return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		}
		if (mc_type(e) == MC_T_FLOAT && !is_float) {
			is_float = 1;
			fs = (double)is;
		}
		if (is_float) {
			fs += mc_as_float(e);
		} else {
			int64_t prev = is;

			if (__builtin_add_overflow(prev, mc_as_int(e), &is)) {
				/* overflow: continue in floating point, as int arithmetic does */
				is_float = 1;
				fs = (double)prev + (double)mc_as_int(e);
			}
		}
		mc_unref(e);
	}
	mc_iter_clear(&it);
	if (rc < 0)
		return err->code;
	*out = is_float ? mc_float(fs) : mc_int(is);
	return 0;
}
typedef struct s_sort_item {
	mc_value *v, *key;
	size_t i;
} s_sort_item;

typedef struct s_sorter {
	mc_call *call;
	int rev;
	size_t steps;
	mc_error *err;
} s_sorter;

/* Merge sort: stable (reverse keeps equal items in order, as Python's),
 * reports incomparable items, and stops when the user interrupts. */
static int s_merge_sort(s_sorter *so, s_sort_item *a, s_sort_item *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j, k = 0;

	if (n < 2)
		return 0;
	if (s_merge_sort(so, a, tmp, mid) != 0 || s_merge_sort(so, a + mid, tmp, n - mid) != 0)
		return so->err->code;
	j = mid;
	while (i < mid && j < n) {
		int c;

		if ((++so->steps & 0xFFFF) == 0 && mc_call_interrupted(so->call))
			return mc_error_set(so->err, MC_ERR_INTERRUPTED, "interrupted");
		if (s_order(a[j].key, a[i].key, &c, "sorted", so->err) != 0)
			return so->err->code;
		if (so->rev ? c > 0 : c < 0)
			tmp[k++] = a[j++];
		else
			tmp[k++] = a[i++];
	}
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
	return 0;
}

/* Sorts the items of v into a new list. */
static int s_sort_items(mc_call *call, mc_value *v, mc_value *key, int rev, mc_value **out,
                        const char *fname, mc_error *err)
{
	mc_value *items, *l;
	s_sort_item *a, *tmp;
	size_t i, n;
	s_sorter so;
	int rc = 0;

	*out = NULL;
	if (s_items(call, &items, v, fname, err) != 0)
		return err->code;
	n = mc_list_len(items);
	a = calloc(n + 1, sizeof *a);
	tmp = calloc(n + 1, sizeof *tmp);
	l = mc_list_new();
	if (a == NULL || tmp == NULL || l == NULL || mc_list_reserve(l, n) != 0) {
		free(a);
		free(tmp);
		mc_unref(l);
		mc_unref(items);
		return mc_error_set(err, MC_ERR_NOMEM, "%s(): out of memory", fname);
	}
	for (i = 0; i < n && rc == 0; i++) {
		a[i].v = mc_list_get(items, i);
		a[i].i = i;
		rc = s_key_of(call, key, a[i].v, &a[i].key, err);
	}
	so.call = call;
	so.rev = rev;
	so.steps = 0;
	so.err = err;
	if (rc == 0 && s_merge_sort(&so, a, tmp, n) == 0)
		for (i = 0; i < n; i++)
			mc_list_append(l, mc_ref(a[i].v));
	for (i = 0; i < n; i++)
		mc_unref(a[i].key);
	free(a);
	free(tmp);
	mc_unref(items);
	if (err->code != 0) {
		mc_unref(l);
		return err->code;
	}
	*out = l;
	return 0;
}

static int s_sorted(mc_call *call, mc_value **out, mc_error *err)
{
	int rev;

	if (mc_arg_bool(call, "reverse", &rev, err) != 0)
		return err->code;
	return s_sort_items(call, mc_arg(call, "values"), mc_arg(call, "key"), rev, out, "sorted", err);
}

static int s_enumerate(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *items, *l;
	int64_t start;
	size_t i;

	if (mc_arg_int(call, "start", &start, err) != 0 ||
	    s_items(call, &items, mc_arg(call, "values"), "enumerate", err) != 0)
		return err->code;
	l = mc_list_new();
	if (l != NULL && mc_list_reserve(l, mc_list_len(items)) != 0) {
		mc_unref(l);
		l = NULL;
	}
	for (i = 0; l != NULL && i < mc_list_len(items); i++) {
		mc_value *pair = mc_list_new();
		int64_t k;
		/* past the largest int the index goes on as a float, as int arithmetic does */
		mc_value *index = __builtin_add_overflow(start, (int64_t)i, &k) ?
			mc_float((double)start + (double)i) : mc_int(k);

		if (pair == NULL || mc_list_append(pair, index) != 0 ||
		    mc_list_append(pair, mc_ref(mc_list_get(items, i))) != 0 || mc_list_append(l, pair) != 0) {
			if (pair != NULL && mc_list_len(pair) < 2)
				mc_unref(pair);
			mc_unref(l);
			l = NULL;
		}
	}
	mc_unref(items);
	if (l == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "enumerate(): out of memory");
	*out = l;
	return 0;
}

static int s_zip(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *seqs = mc_arg(call, "sequences"), *l, **its;
	size_t k, i, n = (size_t)-1, m = mc_list_len(seqs);
	int rc = 0;

	its = calloc(m + 1, sizeof *its);
	if (its == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "zip(): out of memory");
	for (k = 0; k < m; k++) {
		if (s_items(call, &its[k], mc_list_get(seqs, k), "zip", err) != 0) {
			rc = err->code;
			goto cleanup;
		}
		if (mc_list_len(its[k]) < n)
			n = mc_list_len(its[k]);
	}
	if (m == 0)
		n = 0;
	l = mc_list_new();
	for (i = 0; l != NULL && i < n; i++) {
		mc_value *row = mc_list_new();

		for (k = 0; row != NULL && k < m; k++)
			if (mc_list_append(row, mc_ref(mc_list_get(its[k], i))) != 0) {
				mc_unref(row);
				row = NULL;
			}
		if (row == NULL || mc_list_append(l, row) != 0) {
			mc_unref(l);
			l = NULL;
		}
	}
	if (l == NULL)
		rc = mc_error_set(err, MC_ERR_NOMEM, "zip(): out of memory");
	*out = l;
cleanup:
	for (k = 0; k < m; k++)
		mc_unref(its[k]);
	free(its);
	return rc;
}

static int s_type(mc_call *call, mc_value **out, mc_error *err)
{
	(void)err;
	*out = mc_str(mc_type_name(mc_arg(call, "x")));
	return 0;
}

static int s_display(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *vals = mc_arg(call, "values");
	size_t i;

	for (i = 0; i < mc_list_len(vals); i++)
		if (mc_call_display(call, mc_list_get(vals, i), err) != 0)
			return err->code;
	*out = mc_none();
	return 0;
}

static int s_clear_output(mc_call *call, mc_value **out, mc_error *err)
{
	int wait;

	if (mc_arg_bool(call, "wait", &wait, err) != 0)
		return err->code;
	if (call->io != NULL && call->io->clear_output != NULL && !call->io->silent)
		call->io->clear_output(call->io->ctx, wait);
	*out = mc_none();
	return 0;
}

static int s_input(mc_call *call, mc_value **out, mc_error *err)
{
	const char *prompt;
	int password;
	char *line = NULL;

	if (mc_arg_str(call, "prompt", &prompt, err) != 0 || mc_arg_bool(call, "password", &password, err) != 0 ||
	    mc_call_input(call, prompt, password, &line, err) != 0)
		return err->code;
	*out = mc_str(line);
	free(line);
	return 0;
}

static int s_abs(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");
	size_t i;

	switch (mc_type(x)) {
	case MC_T_INT:
	case MC_T_BOOL:
		if (mc_as_int(x) == INT64_MIN)
			return mc_error_set(err, MC_ERR_INVALID, "abs(): integer overflow");
		*out = mc_int(llabs(mc_as_int(x)));
		return 0;
	case MC_T_FLOAT:
		*out = mc_float(fabs(mc_as_float(x)));
		return 0;
	case MC_T_ARRAY:
		*out = mc_array_new(mc_array_dtype(x), mc_array_rows(x), mc_array_cols(x));
		if (*out == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "abs(): out of memory");
		for (i = 0; i < mc_array_size(x); i++) {
			if (mc_array_dtype(x) == MC_F64)
				mc_array_f64(*out)[i] = fabs(mc_array_f64(x)[i]);
			else
				mc_array_i64(*out)[i] = llabs(mc_array_i64(x)[i]);
		}
		return 0;
	default:
		return mc_error_set(err, MC_ERR_TYPE, "abs(): expected a number or an array, got %s",
		                    mc_type_name(x));
	}
}

static int s_dir(mc_call *call, mc_value **out, mc_error *err)
{
	if (!mc_arg_given(call, "x"))
		*out = mc_interp_var_names(mc_call_interp(call));
	else
		*out = mc_value_dir(mc_arg(call, "x"));
	if (*out == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "dir(): out of memory");
	return 0;
}

/* hasattr(x, name): name is among what dir(x) lists. */
static int s_hasattr(mc_call *call, mc_value **out, mc_error *err)
{
	const char *name;
	mc_value *names;
	size_t i;
	int found = 0;

	if (mc_arg_str(call, "name", &name, err) != 0)
		return err->code;
	names = mc_value_dir(mc_arg(call, "x"));
	if (names == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "hasattr(): out of memory");
	for (i = 0; i < mc_list_len(names) && !found; i++)
		found = strcmp(mc_as_str(mc_list_get(names, i)), name) == 0;
	mc_unref(names);
	*out = mc_bool(found);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_sleep(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_progress *p = mc_call_progress(call);
	struct timespec t0, now, step = { 0, 20 * 1000 * 1000 };
	double secs, el = 0;

	if (mc_arg_float(call, "seconds", &secs, err) != 0)
		return err->code;
	if (!(secs >= 0) || secs > 86400)
		return mc_error_set(err, MC_ERR_INVALID, "sleep(): seconds must be between 0 and 86400, got %g", secs);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		size_t total = (size_t)(secs * 1000.0), done;

		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9;
		done = el >= secs ? total : (size_t)(el * 1000.0);
		if (mc_progress_report(p, done, total, "sleep") != 0)
			return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		if (el >= secs)
			break;
		if (secs - el < 0.02)
			step.tv_nsec = (long)((secs - el) * 1e9) + 1;
		nanosleep(&step, NULL);
	}
	*out = mc_none();
	return 0;
}

/* array(values, dtype=None): a numeric array from numbers or lists of numbers. */

/* ---- methods of builtin types ---- */

static int s_list_append(mc_call *call, mc_value **out, mc_error *err)
{
	if (mc_list_append(mc_call_self(call), mc_ref(mc_arg(call, "item"))) != 0)
		return mc_error_set(err, MC_ERR_NOMEM, "list.append(): out of memory");
	*out = mc_none();
	return 0;
}

static int s_list_index(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *x = mc_arg(call, "item");
	size_t i;

	for (i = 0; i < mc_list_len(self); i++)
		if (mc_value_equal(mc_list_get(self, i), x)) {
			*out = mc_int((int64_t)i);
			return 0;
		}
	return mc_error_set(err, MC_ERR_INVALID, "list.index(): the value is not in the list");
}

static int s_dict_part(mc_call *call, mc_value **out, mc_error *err, int what)
{
	mc_value *self = mc_call_self(call), *l = mc_list_new();
	size_t i;

	for (i = 0; l != NULL && i < mc_dict_len(self); i++) {
		mc_value *item;

		if (what == 0)
			item = mc_ref(mc_dict_key(self, i));
		else if (what == 1)
			item = mc_ref(mc_dict_value(self, i));
		else {
			item = mc_list_new();
			if (item != NULL && (mc_list_append(item, mc_ref(mc_dict_key(self, i))) != 0 ||
			                     mc_list_append(item, mc_ref(mc_dict_value(self, i))) != 0)) {
				mc_unref(item);
				item = NULL;
			}
		}
		if (mc_list_append(l, item) != 0) {
			mc_unref(l);
			l = NULL;
		}
	}
	if (l == NULL)
		return mc_error_nomem(err);
	*out = l;
	return 0;
}

static int s_dict_keys(mc_call *call, mc_value **out, mc_error *err) { return s_dict_part(call, out, err, 0); }
static int s_dict_values(mc_call *call, mc_value **out, mc_error *err) { return s_dict_part(call, out, err, 1); }
static int s_dict_items(mc_call *call, mc_value **out, mc_error *err) { return s_dict_part(call, out, err, 2); }

static int s_dict_get(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *k = mc_arg(call, "key"), *v;

	(void)err;
	v = mc_dict_lookup(mc_call_self(call), k);
	*out = mc_ref(v != NULL ? v : mc_arg(call, "default"));
	return 0;
}

static int s_str_case(mc_call *call, mc_value **out, mc_error *err, int upper)
{
	mc_value *self = mc_call_self(call);
	size_t i, n = mc_str_len(self);
	char *s = malloc(n + 1);

	if (s == NULL)
		return mc_error_nomem(err);
	memcpy(s, mc_as_str(self), n);
	for (i = 0; i < n; i++)
		if (upper && s[i] >= 'a' && s[i] <= 'z')
			s[i] = (char)(s[i] - 32);
		else if (!upper && s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + 32);
	*out = mc_str_take(s, n);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_str_upper(mc_call *call, mc_value **out, mc_error *err) { return s_str_case(call, out, err, 1); }
static int s_str_lower(mc_call *call, mc_value **out, mc_error *err) { return s_str_case(call, out, err, 0); }

static int s_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int s_str_strip(mc_call *call, mc_value **out, mc_error *err)
{
	const char *s = mc_as_str(mc_call_self(call));
	size_t a = 0, b = mc_str_len(mc_call_self(call));

	while (a < b && s_is_space(s[a]))
		a++;
	while (b > a && s_is_space(s[b - 1]))
		b--;
	*out = mc_strn(s + a, b - a);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_str_split(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *sepv = mc_arg(call, "sep"), *l;
	const char *s = mc_as_str(self), *end = s + mc_str_len(self);
	const char *sep;
	size_t seplen;
	int rc = 0;

	if (mc_type(sepv) != MC_T_NONE && mc_type(sepv) != MC_T_STR)
		return mc_error_set(err, MC_ERR_TYPE, "str.split(): sep must be str or None, got %s",
		                    mc_type_name(sepv));
	sep = mc_as_str(sepv);
	seplen = mc_str_len(sepv);
	if (sep != NULL && seplen == 0)
		return mc_error_set(err, MC_ERR_INVALID, "str.split(): empty separator");
	l = mc_list_new();
	if (l == NULL)
		return mc_error_nomem(err);
	if (sep == NULL) {
		while (s < end && rc == 0) {
			const char *w;

			while (s < end && s_is_space(*s))
				s++;
			if (s == end)
				break;
			w = s;
			while (s < end && !s_is_space(*s))
				s++;
			rc = mc_list_append(l, mc_strn(w, (size_t)(s - w)));
		}
	} else {
		const char *hit;

		while (rc == 0 && (hit = memmem(s, (size_t)(end - s), sep, seplen)) != NULL) {
			rc = mc_list_append(l, mc_strn(s, (size_t)(hit - s)));
			s = hit + seplen;
		}
		if (rc == 0)
			rc = mc_list_append(l, mc_strn(s, (size_t)(end - s)));
	}
	if (rc != 0) {
		mc_unref(l);
		return mc_error_nomem(err);
	}
	*out = l;
	return 0;
}

static int s_str_join(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *items, *self = mc_call_self(call);
	size_t i, n = 0, sl = mc_str_len(self), o = 0;
	char *buf;

	if (s_items(call, &items, mc_arg(call, "items"), "str.join", err) != 0)
		return err->code;
	for (i = 0; i < mc_list_len(items); i++) {
		mc_value *e = mc_list_get(items, i);

		if (mc_type(e) != MC_T_STR) {
			mc_unref(items);
			return mc_error_set(err, MC_ERR_TYPE, "str.join(): item %zu is %s, expected str", i,
			                    mc_type_name(e));
		}
		n += mc_str_len(e) + (i > 0 ? sl : 0);
	}
	buf = malloc(n + 1);
	if (buf == NULL) {
		mc_unref(items);
		return mc_error_nomem(err);
	}
	for (i = 0; i < mc_list_len(items); i++) {
		mc_value *e = mc_list_get(items, i);

		if (i > 0) {
			memcpy(buf + o, mc_as_str(self), sl);
			o += sl;
		}
		memcpy(buf + o, mc_as_str(e), mc_str_len(e));
		o += mc_str_len(e);
	}
	mc_unref(items);
	*out = mc_str_take(buf, o);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_str_replace(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *oldv = mc_arg(call, "old"), *newv = mc_arg(call, "new");
	const char *s = mc_as_str(self), *end, *hit;
	size_t ol, nl, count = 0, o = 0;
	char *buf;

	if (mc_type(oldv) != MC_T_STR || mc_type(newv) != MC_T_STR)
		return mc_error_set(err, MC_ERR_TYPE, "str.replace(): old and new must be str");
	end = s + mc_str_len(self);
	ol = mc_str_len(oldv);
	nl = mc_str_len(newv);
	if (ol == 0) {
		*out = mc_ref(self);
		return 0;
	}
	for (hit = s; (hit = memmem(hit, (size_t)(end - hit), mc_as_str(oldv), ol)) != NULL; hit += ol)
		count++;
	if (nl > ol && count > (SIZE_MAX / 2) / (nl - ol + 1))
		return mc_error_set(err, MC_ERR_NOMEM, "str.replace(): the result would be too long");
	buf = malloc(mc_str_len(self) + count * (nl > ol ? nl - ol : 0) + 1);
	if (buf == NULL)
		return mc_error_nomem(err);
	while ((hit = memmem(s, (size_t)(end - s), mc_as_str(oldv), ol)) != NULL) {
		memcpy(buf + o, s, (size_t)(hit - s));
		o += (size_t)(hit - s);
		memcpy(buf + o, mc_as_str(newv), nl);
		o += nl;
		s = hit + ol;
	}
	memcpy(buf + o, s, (size_t)(end - s));
	o += (size_t)(end - s);
	*out = mc_str_take(buf, o);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_str_affix(mc_call *call, mc_value **out, mc_error *err, int prefix)
{
	const char *s = mc_as_str(mc_call_self(call));
	size_t ls = mc_str_len(mc_call_self(call)), la;
	mc_value *a = mc_arg(call, prefix ? "prefix" : "suffix");

	if (mc_type(a) != MC_T_STR)
		return mc_error_set(err, MC_ERR_TYPE, "str.%s(): expected a str, got %s",
		                    prefix ? "startswith" : "endswith", mc_type_name(a));
	la = mc_str_len(a);
	*out = mc_bool(la <= ls && memcmp(prefix ? s : s + ls - la, mc_as_str(a), la) == 0);
	return 0;
}

static int s_str_startswith(mc_call *call, mc_value **out, mc_error *err) { return s_str_affix(call, out, err, 1); }
static int s_str_endswith(mc_call *call, mc_value **out, mc_error *err) { return s_str_affix(call, out, err, 0); }

/* ---- more builtins ---- */

static int s_anyall(mc_call *call, mc_value **out, mc_error *err, int want_all)
{
	mc_iter it;
	mc_value *x;
	int rc, found = 0;
	size_t n = 0;

	if (mc_iter_init(&it, mc_arg(call, "values"), call->io, call->interp, err) != 0) {
		mc_error_prefix(err, "%s()", want_all ? "all" : "any");
		return err->code;
	}
	while (!found && (rc = mc_iter_next(&it, &x, err)) == 1) {
		found = mc_as_bool(x) != want_all;
		mc_unref(x);
		if ((++n & 0xFFFF) == 0 && mc_call_interrupted(call)) {
			mc_iter_clear(&it);
			return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		}
	}
	mc_iter_clear(&it);
	if (err->code != 0)
		return err->code;
	*out = mc_bool(want_all ? !found : found);
	return 0;
}

static int s_any(mc_call *call, mc_value **out, mc_error *err) { return s_anyall(call, out, err, 0); }
static int s_all(mc_call *call, mc_value **out, mc_error *err) { return s_anyall(call, out, err, 1); }

/* 1 if x is an instance of the type named by t (a function such as int or
 * PCA, a type name, or a list of them). */
static int s_instance_of(const mc_value *x, const mc_value *t, int *res, mc_error *err)
{
	const char *name = NULL, *have = mc_type_name(x);
	size_t i;

	*res = 0;
	if (mc_type(t) == MC_T_LIST) {
		for (i = 0; i < mc_list_len(t) && !*res; i++)
			if (s_instance_of(x, mc_list_get(t, i), res, err) != 0)
				return err->code;
		return 0;
	}
	if (mc_func_def_of(t) != NULL && mc_func_self(t) == NULL)
		name = mc_func_def_of(t)->name;
	else if (mc_type(t) == MC_T_STR)
		name = mc_as_str(t);
	if (name == NULL)
		return mc_error_set(err, MC_ERR_TYPE, "isinstance(): the second argument must be a type (int, "
		                    "str, list, dict, PCA, ...), a type name or a list of them, got %s",
		                    mc_type_name(t));
	*res = strcmp(name, have) == 0 || (strcmp(name, "int") == 0 && mc_type(x) == MC_T_BOOL) ||
	       strcmp(name, "object") == 0 || (strcmp(name, "None") == 0 && mc_type(x) == MC_T_NONE);
	return 0;
}

static int s_isinstance(mc_call *call, mc_value **out, mc_error *err)
{
	int res;

	if (s_instance_of(mc_arg(call, "x"), mc_arg(call, "types"), &res, err) != 0)
		return err->code;
	*out = mc_bool(res);
	return 0;
}

static int s_setrecursionlimit(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t n;

	if (mc_arg_int(call, "limit", &n, err) != 0)
		return err->code;
	if (n < 20 || n > 1000000)
		return mc_error_set(err, MC_ERR_INVALID, "setrecursionlimit(): the limit must be between 20 and "
		                    "1000000, got %lld", (long long)n);
	mc_lang_set_depth_limit((int)n);
	*out = mc_none();
	return 0;
}

static int s_getrecursionlimit(mc_call *call, mc_value **out, mc_error *err)
{
	(void)call;
	(void)err;
	*out = mc_int(mc_lang_depth_limit());
	return 0;
}

static int s_format(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *spec = mc_arg(call, "spec");
	char *s;
	size_t n;

	if (mc_type(spec) != MC_T_STR)
		return mc_error_set(err, MC_ERR_TYPE, "format(): spec must be str, got %s", mc_type_name(spec));
	if (mc_format_value(mc_arg(call, "value"), mc_as_str(spec), mc_str_len(spec), &s, &n, err) != 0)
		return err->code;
	*out = mc_str_take(s, n);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_repr_fn(mc_call *call, mc_value **out, mc_error *err)
{
	char *s = mc_value_repr(mc_arg(call, "x"));

	if (s == NULL || (*out = mc_str_take(s, strlen(s))) == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "repr(): out of memory");
	return 0;
}

static int s_bool(mc_call *call, mc_value **out, mc_error *err)
{
	(void)err;
	*out = mc_bool(mc_as_bool(mc_arg(call, "x")));
	return 0;
}

static int s_reversed(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *items, *l;
	size_t i, n;

	if (s_items(call, &items, mc_arg(call, "values"), "reversed", err) != 0)
		return err->code;
	n = mc_list_len(items);
	l = mc_list_new();
	if (l != NULL && mc_list_reserve(l, n) != 0) {
		mc_unref(l);
		l = NULL;
	}
	for (i = 0; l != NULL && i < n; i++)
		mc_list_append(l, mc_ref(mc_list_get(items, n - 1 - i)));
	mc_unref(items);
	if (l == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "reversed(): out of memory");
	*out = l;
	return 0;
}

static int s_chr(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t i;
	char *s;
	size_t n;
	mc_value *v;

	if (mc_arg_int(call, "i", &i, err) != 0)
		return err->code;
	if (i < 0 || i > 0x10FFFF || (i >= 0xD800 && i <= 0xDFFF))
		return mc_error_set(err, MC_ERR_INVALID, "chr(): %lld is not a character code (0 to 0x10ffff, "
		                    "without the surrogates)", (long long)i);
	v = mc_int(i);
	if (v == NULL || mc_format_value(v, "c", 1, &s, &n, err) != 0) {
		mc_unref(v);
		return err->code != 0 ? err->code : mc_error_nomem(err);
	}
	mc_unref(v);
	*out = mc_str_take(s, n);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_ord(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *c = mc_arg(call, "c");
	const unsigned char *s = (const unsigned char *)mc_as_str(c);
	size_t n = mc_str_len(c), k;
	long cp;

	if (mc_type(c) != MC_T_STR || mc_utf8_count((const char *)s, n) != 1)
		return mc_error_set(err, MC_ERR_TYPE, "ord(): expected a string of one character, got %s",
		                    mc_type(c) == MC_T_STR ? "a longer or empty string" : mc_type_name(c));
	k = mc_utf8_valid_at((const char *)s, n);
	if (k == 0 || k != n)
		return mc_error_set(err, MC_ERR_INVALID, "ord(): the string is not valid UTF-8");
	cp = k == 1 ? s[0] : k == 2 ? (s[0] & 0x1F) : k == 3 ? (s[0] & 0x0F) : (s[0] & 0x07);
	for (size_t i = 1; i < k; i++)
		cp = (cp << 6) | (s[i] & 0x3F);
	*out = mc_int(cp);
	return 0;
}

static int s_callable(mc_call *call, mc_value **out, mc_error *err)
{
	(void)err;
	*out = mc_bool(mc_type(mc_arg(call, "x")) == MC_T_FUNC);
	return 0;
}

static int s_map(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *fn = mc_arg(call, "function"), *seqs = mc_arg(call, "iterables"), **its, *l = NULL;
	size_t m = mc_list_len(seqs), n = (size_t)-1, i, k;
	int rc = 0;

	if (m == 0)
		return mc_error_set(err, MC_ERR_TYPE, "map() needs at least one iterable");
	its = calloc(m, sizeof *its);
	if (its == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "map(): out of memory");
	for (k = 0; k < m && rc == 0; k++) {
		rc = s_items(call, &its[k], mc_list_get(seqs, k), "map", err);
		if (rc == 0 && mc_list_len(its[k]) < n)
			n = mc_list_len(its[k]);
	}
	if (rc == 0 && (l = mc_list_new()) == NULL)
		rc = mc_error_set(err, MC_ERR_NOMEM, "map(): out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		mc_value *args[16], *r = NULL;

		if (m > 16) {
			rc = mc_error_set(err, MC_ERR_INVALID, "map(): at most 16 iterables");
			break;
		}
		for (k = 0; k < m; k++)
			args[k] = mc_list_get(its[k], i);
		rc = mc_call_value(call, fn, args, m, &r, err);
		if (rc == 0 && mc_list_append(l, r) != 0)
			rc = mc_error_set(err, MC_ERR_NOMEM, "map(): out of memory");
	}
	for (k = 0; k < m; k++)
		mc_unref(its[k]);
	free(its);
	if (rc != 0) {
		mc_unref(l);
		return rc;
	}
	*out = l;
	return 0;
}

static int s_filter(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *fn = mc_arg(call, "function"), *items, *l;
	size_t i;
	int rc = 0;

	if (s_items(call, &items, mc_arg(call, "values"), "filter", err) != 0)
		return err->code;
	l = mc_list_new();
	if (l == NULL)
		rc = mc_error_set(err, MC_ERR_NOMEM, "filter(): out of memory");
	for (i = 0; rc == 0 && i < mc_list_len(items); i++) {
		mc_value *v = mc_list_get(items, i), *r = NULL;
		int keep;

		if (mc_type(fn) == MC_T_NONE) {
			keep = mc_as_bool(v);
		} else {
			rc = mc_call_value(call, fn, &v, 1, &r, err);
			keep = rc == 0 && mc_as_bool(r);
			mc_unref(r);
		}
		if (rc == 0 && keep && mc_list_append(l, mc_ref(v)) != 0)
			rc = mc_error_set(err, MC_ERR_NOMEM, "filter(): out of memory");
	}
	mc_unref(items);
	if (rc != 0) {
		mc_unref(l);
		return rc;
	}
	*out = l;
	return 0;
}

/* ---- more methods of builtin types ---- */

static int s_list_extend(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *items;
	size_t i, n;

	if (s_items(call, &items, mc_arg(call, "items"), "list.extend", err) != 0)
		return err->code;
	n = mc_list_len(items);
	if (mc_list_reserve(self, mc_list_len(self) + n) != 0) {
		mc_unref(items);
		return mc_error_set(err, MC_ERR_NOMEM, "list.extend(): out of memory");
	}
	for (i = 0; i < n; i++)
		mc_list_append(self, mc_ref(mc_list_get(items, i)));
	mc_unref(items);
	*out = mc_none();
	return 0;
}

/* Index i of a list of length n (negative counts from the end). */
static int s_list_pos(int64_t i, size_t n, size_t *out, const char *fname, mc_error *err)
{
	int64_t k = i < 0 ? i + (int64_t)n : i;

	if (k < 0 || (uint64_t)k >= n) {
		mc_lang_set_ename("IndexError");
		return mc_error_set(err, MC_ERR_INVALID, "%s(): index %lld out of range (length %zu)", fname,
		                    (long long)i, n);
	}
	*out = (size_t)k;
	return 0;
}

static int s_list_pop(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call);
	int64_t i;
	size_t k = 0;

	if (mc_arg_int(call, "index", &i, err) != 0)
		return err->code;
	if (mc_list_len(self) == 0) {
		mc_lang_set_ename("IndexError");
		return mc_error_set(err, MC_ERR_INVALID, "list.pop(): the list is empty");
	}
	if (s_list_pos(i, mc_list_len(self), &k, "list.pop", err) != 0)
		return err->code;
	*out = mc_list_pop(self, k);
	return 0;
}

static int s_list_insert(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call);
	int64_t i, n = (int64_t)mc_list_len(self);

	if (mc_arg_int(call, "index", &i, err) != 0)
		return err->code;
	/* as Python: out-of-range positions clamp to the ends */
	if (i < 0)
		i = i + n < 0 ? 0 : i + n;
	if (i > n)
		i = n;
	if (mc_list_insert(self, (size_t)i, mc_ref(mc_arg(call, "item"))) != 0)
		return mc_error_set(err, MC_ERR_NOMEM, "list.insert(): out of memory");
	*out = mc_none();
	return 0;
}

static int s_list_find(mc_value *self, mc_value *x, size_t *at)
{
	size_t i;

	for (i = 0; i < mc_list_len(self); i++)
		if (mc_list_get(self, i) == x || mc_value_equal(mc_list_get(self, i), x)) {
			*at = i;
			return 1;
		}
	return 0;
}

static int s_list_remove(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call);
	size_t at;

	if (!s_list_find(self, mc_arg(call, "item"), &at))
		return mc_error_set(err, MC_ERR_INVALID, "list.remove(): the value is not in the list");
	mc_unref(mc_list_pop(self, at));
	*out = mc_none();
	return 0;
}

static int s_list_count(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *x = mc_arg(call, "item");
	size_t i, n = 0;

	(void)err;
	for (i = 0; i < mc_list_len(self); i++)
		n += mc_list_get(self, i) == x || mc_value_equal(mc_list_get(self, i), x);
	*out = mc_int((int64_t)n);
	return 0;
}

static int s_list_sort(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *sorted = NULL;
	size_t i, n;
	int rev;

	if (mc_arg_bool(call, "reverse", &rev, err) != 0)
		return err->code;
	/* sort a copy first: the list is unchanged if the sort fails */
	{
		mc_value *copy = mc_list_copy(self);

		n = mc_list_len(self);
		if (copy == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "list.sort(): out of memory");
		i = (size_t)s_sort_items(call, copy, mc_arg(call, "key"), rev, &sorted, "list.sort", err);
		mc_unref(copy);
		if (sorted == NULL)
			return err->code;
	}
	for (i = 0; i < n && i < mc_list_len(sorted); i++)
		mc_list_set(self, i, mc_ref(mc_list_get(sorted, i)));
	mc_unref(sorted);
	*out = mc_none();
	return 0;
}

static int s_list_reverse(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call);
	size_t i, n = mc_list_len(self);

	(void)err;
	for (i = 0; i < n / 2; i++) {
		mc_value *a = mc_ref(mc_list_get(self, i)), *b = mc_ref(mc_list_get(self, n - 1 - i));

		mc_list_set(self, i, b);
		mc_list_set(self, n - 1 - i, a);
	}
	*out = mc_none();
	return 0;
}

/* list.copy and dict.copy. */
static int s_copy(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call);

	*out = mc_type(self) == MC_T_LIST ? mc_list_copy(self) : mc_dict_copy(self);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "%s(): out of memory", mc_call_name(call));
}

/* list.clear and dict.clear. */
static int s_clear(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call);

	(void)err;
	while (mc_list_len(self) > 0)
		mc_unref(mc_list_pop(self, mc_list_len(self) - 1));
	while (mc_dict_len(self) > 0)
		mc_dict_del(self, mc_dict_key(self, mc_dict_len(self) - 1));
	*out = mc_none();
	return 0;
}

static int s_dict_pop(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *k = mc_arg(call, "key"), *v = mc_dict_lookup(self, k);

	if (v == NULL) {
		if (mc_arg_given(call, "default")) {
			*out = mc_ref(mc_arg(call, "default"));
			return 0;
		}
		return mc_error_set(err, MC_ERR_NOTFOUND, "dict.pop(): the key is not in the dict");
	}
	*out = mc_ref(v);
	mc_dict_del(self, k);
	return 0;
}

static int s_dict_update(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *x = mc_arg(call, "other"), *kw = mc_arg(call, "kwargs");
	mc_value *add = NULL;
	size_t i;

	/* the pairs are checked first, so a bad argument changes nothing */
	if (mc_type(x) != MC_T_NONE && mc_type(x) != MC_T_DICT) {
		mc_value *items;

		if (s_items(call, &items, x, "dict.update", err) != 0)
			return err->code;
		add = mc_dict_new();
		for (i = 0; add != NULL && i < mc_list_len(items); i++) {
			mc_value *p = mc_list_get(items, i), *k = mc_list_get(p, 0);

			if (mc_list_len(p) != 2 || !mc_value_hashable(k)) {
				mc_unref(items);
				mc_unref(add);
				return mc_error_set(err, MC_ERR_TYPE, "dict.update(): item %zu must be a [key, value] pair", i);
			}
			mc_dict_set(add, k, mc_ref(mc_list_get(p, 1)));
		}
		mc_unref(items);
		if (add == NULL)
			return mc_error_nomem(err);
		x = add;
	}
	for (i = 0; i < mc_dict_len(x); i++)
		mc_dict_set(self, mc_dict_key(x, i), mc_ref(mc_dict_value(x, i)));
	for (i = 0; i < mc_dict_len(kw); i++)
		mc_dict_set(self, mc_dict_key(kw, i), mc_ref(mc_dict_value(kw, i)));
	mc_unref(add);
	*out = mc_none();
	return 0;
}

static int s_dict_setdefault(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *k = mc_arg(call, "key"), *v = mc_dict_lookup(self, k);

	if (v != NULL) {
		*out = mc_ref(v);
		return 0;
	}
	if (!mc_value_hashable(k))
		return mc_error_set(err, MC_ERR_TYPE, "dict.setdefault(): unhashable key of type %s",
		                    mc_type_name(k));
	if (mc_dict_set(self, k, mc_ref(mc_arg(call, "default"))) != 0)
		return mc_error_nomem(err);
	*out = mc_ref(mc_arg(call, "default"));
	return 0;
}

static int s_str_format(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call);
	char *s;
	size_t n;

	if (mc_format_str(mc_as_str(self), mc_str_len(self), mc_arg(call, "args"), mc_arg(call, "kwargs"),
	                  &s, &n, err) != 0)
		return err->code;
	*out = mc_str_take(s, n);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_str_find_count(mc_call *call, mc_value **out, mc_error *err, int count)
{
	mc_value *self = mc_call_self(call), *sub = mc_arg(call, "sub");
	const char *s = mc_as_str(self), *end = s + mc_str_len(self), *hit, *at = s;
	size_t n = 0;

	if (mc_type(sub) != MC_T_STR)
		return mc_error_set(err, MC_ERR_TYPE, "str.%s(): expected a str, got %s",
		                    count ? "count" : "find", mc_type_name(sub));
	if (mc_str_len(sub) == 0) {
		*out = mc_int(count ? (int64_t)mc_utf8_count(s, mc_str_len(self)) + 1 : 0);
		return 0;
	}
	while ((hit = memmem(at, (size_t)(end - at), mc_as_str(sub), mc_str_len(sub))) != NULL) {
		if (!count) {
			*out = mc_int((int64_t)mc_utf8_count(s, (size_t)(hit - s)));
			return 0;
		}
		n++;
		at = hit + mc_str_len(sub);
	}
	*out = mc_int(count ? (int64_t)n : -1);
	return 0;
}

static int s_str_find(mc_call *call, mc_value **out, mc_error *err) { return s_str_find_count(call, out, err, 0); }
static int s_str_count(mc_call *call, mc_value **out, mc_error *err) { return s_str_find_count(call, out, err, 1); }

const mc_func_def mc_funcs_core[] = {
	{ .name = "print", .signature = "(*values, sep=\" \", end=\"\\n\", file=None)",
	  .doc = "Prints values to the cell's output, separated by sep.",
	  .long_doc = "Strings print without quotes; other values print as they show in `text/plain`.\n"
	  "`file=stderr` writes to the error stream (shown in red by the front ends).",
	  .fn = s_print },
	{ .name = "stdout", .signature = "(*values, sep=\" \", end=\"\\n\")",
	  .doc = "The output stream: print(..., file=stdout); called, prints as print does.",
	  .fn = s_stdout },
	{ .name = "stderr", .signature = "(*values, sep=\" \", end=\"\\n\")",
	  .doc = "The error stream: print(..., file=stderr); called, prints to it as print does.",
	  .fn = s_stderr },
	{ .name = "help", .signature = "(x=None)",
	  .doc = "Shows the help of a function, method or object; help() lists every function.",
	  .long_doc = "`help(load_coco)`, `help(svc.get_cleaning_samples)`, `help(\"PCA.fit\")` or `help(ds)`;\n"
	  "`help(\"language\")` shows the language reference. Long help opens in the front end's pager.\n"
	  "The text comes from the same table as the notebook's Shift-Tab and docs/functions.md.",
	  .fn = s_help },
	{ .name = "exit", .signature = "(keep_kernel=False)",
	  .doc = "Ends the session: jupyter console exits and the kernel shuts down.",
	  .long_doc = "`exit` alone on a line does the same. With keep_kernel=True the console exits and the kernel keeps running.",
	  .fn = s_exit },
	{ .name = "quit", .signature = "(keep_kernel=False)",
	  .doc = "Same as exit().", .fn = s_exit },
	{ .name = "len", .signature = "(x)",
	  .doc = "Number of items of a list, dict, str (characters) or range, rows of an array, or items of an object such as a Dataset.",
	  .fn = s_len },
	{ .name = "range", .signature = "(start, stop=None, step=1)",
	  .doc = "The ints from start (or 0) up to, not including, stop.",
	  .long_doc = "`range(5)` walks 0, 1, 2, 3, 4; `range(2, 10, 3)` walks 2, 5, 8. A range is not built as a list:\n"
	  "`for i in range(10**9)` costs nothing until it runs, and `list(range(5))` is `[0, 1, 2, 3, 4]`.",
	  .fn = s_range },
	{ .name = "list", .signature = "(x=None)",
	  .doc = "A new list of the items of x (list, range, dict keys, str characters, array rows).",
	  .fn = s_list },
	{ .name = "dict", .signature = "(pairs=None, **kwargs)",
	  .doc = "A new dict from a dict, [key, value] pairs, or name=value arguments.",
	  .fn = s_dict },
	{ .name = "str", .signature = "(x=\"\")",
	  .doc = "The text of a value, as print shows it.", .fn = s_str },
	{ .name = "int", .signature = "(x)",
	  .doc = "Converts a number or a string of digits to int (floats are truncated toward zero).",
	  .fn = s_int },
	{ .name = "float", .signature = "(x)",
	  .doc = "Converts a number or a numeric string to float.", .fn = s_float },
	{ .name = "round", .signature = "(x, ndigits=None)",
	  .doc = "Rounds x to ndigits decimals (to an int when ndigits is None); ties go to even.",
	  .fn = s_round },
	{ .name = "min", .signature = "(*values, key=None, default=None)",
	  .doc = "The smallest of the values, or of the items of a single iterable.",
	  .long_doc = "`key` is a function applied to each item before comparing (`min(d, key=d.get)`); `default` is the "
	  "result for an empty iterable.", .fn = s_min },
	{ .name = "max", .signature = "(*values, key=None, default=None)",
	  .doc = "The largest of the values, or of the items of a single iterable.",
	  .long_doc = "`key` is a function applied to each item before comparing (`max(d, key=d.get)`); `default` is the "
	  "result for an empty iterable.", .fn = s_max },
	{ .name = "sum", .signature = "(values, start=0)",
	  .doc = "The sum of the numbers of an iterable, or of every element of an array.",
	  .fn = s_sum },
	{ .name = "sorted", .signature = "(values, key=None, reverse=False)",
	  .doc = "A new sorted list of the items (numbers, strings or lists).",
	  .long_doc = "`key` is a function giving what to compare: `sorted(d.items(), key=lambda kv: kv[1])`. The sort is "
	  "stable, reverse=True too.", .fn = s_sorted },
	{ .name = "enumerate", .signature = "(values, start=0)",
	  .doc = "A list of [index, item] pairs: `for i, x in enumerate(xs):`.", .fn = s_enumerate },
	{ .name = "zip", .signature = "(*sequences)",
	  .doc = "A list of lists taking one item from each sequence, as long as the shortest.",
	  .fn = s_zip },
	{ .name = "any", .signature = "(values)",
	  .doc = "True if some item is true.", .fn = s_any },
	{ .name = "all", .signature = "(values)",
	  .doc = "True if every item is true (also for no items).", .fn = s_all },
	{ .name = "map", .signature = "(function, *iterables)",
	  .doc = "A list of function(item) for each item (or for items taken together).",
	  .fn = s_map },
	{ .name = "filter", .signature = "(function, values)",
	  .doc = "A list of the items for which function(item) is true (None: the true items).",
	  .fn = s_filter },
	{ .name = "reversed", .signature = "(values)",
	  .doc = "A new list of the items in reverse order.", .fn = s_reversed },
	{ .name = "isinstance", .signature = "(x, types)",
	  .doc = "True if x is of the type (int, float, str, list, dict, PCA, ...), or of one of a list of them.",
	  .long_doc = "A bool is an int, as in Python. Types may also be given by name: `isinstance(ds, \"Dataset\")`.",
	  .fn = s_isinstance },
	{ .name = "type", .signature = "(x)",
	  .doc = "The name of the type of x: \"int\", \"list\", \"array\", \"Dataset\", ...",
	  .fn = s_type },
	{ .name = "bool", .signature = "(x=False)",
	  .doc = "The truth of x: False for 0, empty text and containers, and None.", .fn = s_bool },
	{ .name = "repr", .signature = "(x)",
	  .doc = "The text of x as the notebook shows it ('quoted' for a str).", .fn = s_repr_fn },
	{ .name = "format", .signature = "(value, spec=\"\")",
	  .doc = "value formatted by a format spec, as in f\"{value:spec}\".",
	  .long_doc = "`format(0.12345, \".2%\")` is `'12.35%'`; `format(1234567, \",\")` is `'1,234,567'`; "
	  "`format(\"x\", \">5\")` is `'    x'`.", .fn = s_format },
	{ .name = "chr", .signature = "(i)",
	  .doc = "The character with code point i.", .fn = s_chr },
	{ .name = "ord", .signature = "(c)",
	  .doc = "The code point of a one-character string.", .fn = s_ord },
	{ .name = "callable", .signature = "(x)",
	  .doc = "True if x is a function.", .fn = s_callable },
	{ .name = "setrecursionlimit", .signature = "(limit)",
	  .doc = "Sets how deep calls and nested expressions may go (default 1000).",
	  .long_doc = "Past the limit a RecursionError stops the cell. Deep recursion also stops, with the same error, "
	  "when the kernel's C stack is nearly full, whatever the limit.",
	  .fn = s_setrecursionlimit },
	{ .name = "getrecursionlimit", .signature = "()",
	  .doc = "How deep calls and nested expressions may go (see setrecursionlimit).",
	  .fn = s_getrecursionlimit },
	{ .name = "display", .signature = "(*values)",
	  .doc = "Shows each value as its own output (HTML tables, images).", .fn = s_display },
	{ .name = "input", .signature = "(prompt=\"\", password=False)",
	  .doc = "Asks the user for a line of text through the notebook.",
	  .long_doc = "Fails when the front end does not allow input (for example when running a notebook in batch).",
	  .fn = s_input },
	{ .name = "abs", .signature = "(x)",
	  .doc = "Absolute value of a number, or element-wise of an array.", .fn = s_abs },
	{ .name = "dir", .signature = "(x=None)",
	  .doc = "The methods and attributes of x, or the session's variables when x is left out.",
	  .fn = s_dir },
	{ .name = "hasattr", .signature = "(x, name)",
	  .doc = "True if x has the method or attribute called name (as dir(x) lists it).",
	  .fn = s_hasattr },
	{ .name = "clear_output", .signature = "(wait=False)",
	  .doc = "Clears the cell's output; with wait=True, when the next output arrives.",
	  .fn = s_clear_output },
	{ .name = "sleep", .signature = "(seconds)",
	  .doc = "Waits, showing a progress bar; the interrupt button stops it.",
	  .long_doc = "Useful to check that interrupts work: `sleep(10)` then Kernel > Interrupt.",
	  .fn = s_sleep },
	{ .name = "list.append", .signature = "(item)",
	  .doc = "Adds item at the end of the list.", .fn = s_list_append },
	{ .name = "list.index", .signature = "(item)",
	  .doc = "Position of the first item equal to item.", .fn = s_list_index },
	{ .name = "list.extend", .signature = "(items)",
	  .doc = "Adds the items of an iterable at the end of the list.", .fn = s_list_extend },
	{ .name = "list.insert", .signature = "(index, item)",
	  .doc = "Inserts item before position index.", .fn = s_list_insert },
	{ .name = "list.pop", .signature = "(index=-1)",
	  .doc = "Removes the item at index (the last by default) and returns it.",
	  .fn = s_list_pop },
	{ .name = "list.remove", .signature = "(item)",
	  .doc = "Removes the first item equal to item.", .fn = s_list_remove },
	{ .name = "list.count", .signature = "(item)",
	  .doc = "How many items equal item.", .fn = s_list_count },
	{ .name = "list.sort", .signature = "(key=None, reverse=False)",
	  .doc = "Sorts the list in place (see sorted).", .fn = s_list_sort },
	{ .name = "list.reverse", .signature = "()",
	  .doc = "Reverses the list in place.", .fn = s_list_reverse },
	{ .name = "list.copy", .signature = "()",
	  .doc = "A new list with the same items.", .fn = s_copy },
	{ .name = "list.clear", .signature = "()",
	  .doc = "Removes every item.", .fn = s_clear },
	{ .name = "dict.keys", .signature = "()",
	  .doc = "The keys, as a list, in insertion order.", .fn = s_dict_keys },
	{ .name = "dict.values", .signature = "()",
	  .doc = "The values, as a list, in insertion order.", .fn = s_dict_values },
	{ .name = "dict.items", .signature = "()",
	  .doc = "The [key, value] pairs, as a list.", .fn = s_dict_items },
	{ .name = "dict.get", .signature = "(key, default=None)",
	  .doc = "The value under key, or default when the key is missing.", .fn = s_dict_get },
	{ .name = "dict.pop", .signature = "(key, default=None)",
	  .doc = "Removes key and returns its value (default when missing, if given).",
	  .fn = s_dict_pop },
	{ .name = "dict.update", .signature = "(other=None, **kwargs)",
	  .doc = "Sets the keys of another dict (or [key, value] pairs) and of name=value arguments.",
	  .fn = s_dict_update },
	{ .name = "dict.setdefault", .signature = "(key, default=None)",
	  .doc = "The value under key; sets it to default first when missing.",
	  .fn = s_dict_setdefault },
	{ .name = "dict.copy", .signature = "()",
	  .doc = "A new dict with the same keys and values.", .fn = s_copy },
	{ .name = "dict.clear", .signature = "()",
	  .doc = "Removes every key.", .fn = s_clear },
	{ .name = "str.upper", .signature = "()",
	  .doc = "The string in upper case (ASCII letters).", .fn = s_str_upper },
	{ .name = "str.lower", .signature = "()",
	  .doc = "The string in lower case (ASCII letters).", .fn = s_str_lower },
	{ .name = "str.strip", .signature = "()",
	  .doc = "The string without leading and trailing white space.", .fn = s_str_strip },
	{ .name = "str.split", .signature = "(sep=None)",
	  .doc = "The parts between sep (or runs of white space), as a list.", .fn = s_str_split },
	{ .name = "str.join", .signature = "(items)",
	  .doc = "The items (strings) joined with this string between them.", .fn = s_str_join },
	{ .name = "str.replace", .signature = "(old, new)",
	  .doc = "The string with every old replaced by new.", .fn = s_str_replace },
	{ .name = "str.startswith", .signature = "(prefix)",
	  .doc = "True if the string starts with prefix.", .fn = s_str_startswith },
	{ .name = "str.endswith", .signature = "(suffix)",
	  .doc = "True if the string ends with suffix.", .fn = s_str_endswith },
	{ .name = "str.format", .signature = "(*args, **kwargs)",
	  .doc = "The string with its {} fields filled: \"{} of {:.1%}\".format(n, frac).",
	  .long_doc = "Fields are `{}`, `{0}` or `{name}`, with `!r` and a format spec after `:` as in f-strings.",
	  .fn = s_str_format },
	{ .name = "str.find", .signature = "(sub)",
	  .doc = "The position of the first sub, or -1.", .fn = s_str_find },
	{ .name = "str.count", .signature = "(sub)",
	  .doc = "How many times sub occurs (without overlaps).", .fn = s_str_count },
	{ .name = NULL }
};
