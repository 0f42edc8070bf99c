/* Command-language functions of the core area (entries of the function table):
 * print, help, len, range, conversions, min/max/sum/sorted, display, input,
 * dir, sleep, and the methods of the builtin types (list, dict, str, array). */
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

typedef struct s_text {
	char *s;
	size_t n, cap;
	int oom;
} s_text;

static void s_add(s_text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->oom)
		return;
	if (t->n + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		char *p;

		while (cap < t->n + n + 1)
			cap *= 2;
		p = realloc(t->s, cap);
		if (p == NULL) {
			t->oom = 1;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->n, s, n + 1);
	t->n += n;
}

static char *s_done(s_text *t)
{
	if (t->oom) {
		free(t->s);
		return NULL;
	}
	return t->s != NULL ? t->s : strdup("");
}

/* The items of an iterable value as a new list: list items, dict keys,
 * characters of a string, elements (1-D) or rows (2-D) of an array. */
static int s_items(mc_value **out, mc_value *v, const char *fname, mc_error *err)
{
	mc_value *l;
	size_t i, n;

	*out = NULL;
	switch (mc_type(v)) {
	case MC_T_LIST:
		*out = mc_ref(v);
		return 0;
	case MC_T_DICT:
	case MC_T_STR:
	case MC_T_ARRAY:
		break;
	default:
		return mc_error_set(err, MC_ERR_TYPE, "%s(): expected a list, dict, str or array, got %s",
		                    fname, mc_type_name(v));
	}
	l = mc_list_new();
	if (l == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (mc_type(v) == MC_T_DICT) {
		for (i = 0; i < mc_dict_len(v); i++)
			if (mc_list_append(l, mc_ref(mc_dict_key(v, i))) != 0)
				goto nomem;
	} else if (mc_type(v) == MC_T_STR) {
		const char *s = mc_as_str(v);
		size_t off = 0;

		while (off < mc_str_len(v)) {
			size_t len = mc_utf8_offset(s + off, 1);

			if (mc_list_append(l, mc_strn(s + off, len)) != 0)
				goto nomem;
			off += len;
		}
	} else {
		size_t cols = mc_array_cols(v);

		n = mc_array_rows(v);
		for (i = 0; i < n; i++) {
			mc_value *item;

			if (cols == 0) {
				item = mc_array_dtype(v) == MC_F64 ? mc_float(mc_array_f64(v)[i]) :
					mc_int(mc_array_i64(v)[i]);
			} else {
				item = mc_array_new(mc_array_dtype(v), cols, 0);
				if (item != NULL && mc_array_dtype(v) == MC_F64)
					memcpy(mc_array_f64(item), mc_array_f64(v) + i * cols, cols * sizeof(double));
				else if (item != NULL)
					memcpy(mc_array_i64(item), mc_array_i64(v) + i * cols, cols * sizeof(int64_t));
			}
			if (mc_list_append(l, item) != 0)
				goto nomem;
		}
	}
	*out = l;
	return 0;
nomem:
	mc_unref(l);
	return mc_error_set(err, MC_ERR_NOMEM, "%s(): out of memory", fname);
}

static int s_is_num(const mc_value *v)
{
	return mc_type(v) == MC_T_INT || mc_type(v) == MC_T_FLOAT || mc_type(v) == MC_T_BOOL;
}

/* Orders a and b (numbers with numbers, strings with strings). */
static int s_order(const mc_value *a, const mc_value *b, int *res, const char *fname, mc_error *err)
{
	if (s_is_num(a) && s_is_num(b)) {
		if (mc_type(a) != MC_T_FLOAT && mc_type(b) != MC_T_FLOAT) {
			int64_t x = mc_as_int(a), y = mc_as_int(b);

			*res = x < y ? -1 : x > y;
		} else {
			double x = mc_as_float(a), y = mc_as_float(b);

			*res = x < y ? -1 : x > y;
		}
		return 0;
	}
	if (mc_type(a) == MC_T_STR && mc_type(b) == MC_T_STR) {
		int c = strcmp(mc_as_str(a), mc_as_str(b));

		*res = c < 0 ? -1 : c > 0;
		return 0;
	}
	return mc_error_set(err, MC_ERR_TYPE, "%s(): cannot compare %s with %s", fname,
	                    mc_type_name(a), mc_type_name(b));
}

/* ---- help ---- */

static void s_add_entry_line(s_text *t, const mc_func_def *d, const char *shown_name)
{
	s_add(t, "  ");
	s_add(t, shown_name);
	s_add(t, d->signature != NULL ? d->signature : "()");
	if (d->doc != NULL) {
		s_add(t, "\n      ");
		s_add(t, d->doc);
	}
	s_add(t, "\n");
}

/* Lists the methods "<prefix>.*" of the table. */
static void s_add_methods(s_text *t, const char *prefix)
{
	size_t plen = strlen(prefix), k;
	const mc_func_def *d;
	int any = 0;

	for (k = 0; mc_registry_tables[k] != NULL; k++)
		for (d = mc_registry_tables[k]; d->name != NULL; d++)
			if (strncmp(d->name, prefix, plen) == 0 && d->name[plen] == '.') {
				if (!any)
					s_add(t, "\nMethods:\n");
				any = 1;
				s_add_entry_line(t, d, d->name + plen + 1);
			}
}

char *mc_help_for_def(const mc_func_def *def)
{
	s_text t = { 0 };

	s_add(&t, def->name);
	s_add(&t, def->signature != NULL ? def->signature : "()");
	s_add(&t, "\n\n");
	if (def->doc != NULL) {
		s_add(&t, def->doc);
		s_add(&t, "\n");
	}
	if (def->long_doc != NULL && def->long_doc[0] != '\0') {
		s_add(&t, "\n");
		s_add(&t, def->long_doc);
		if (def->long_doc[strlen(def->long_doc) - 1] != '\n')
			s_add(&t, "\n");
	}
	/* a constructor: also list the methods of its objects */
	if (strchr(def->name, '.') == NULL)
		s_add_methods(&t, def->name);
	return s_done(&t);
}

char *mc_help_for_value(const mc_value *v)
{
	s_text t = { 0 };
	const mc_class *cls = mc_object_class(v);
	char *r;

	if (mc_type(v) == MC_T_FUNC)
		return mc_help_for_def(mc_func_def_of(v));
	s_add(&t, mc_type_name(v));
	s_add(&t, cls != NULL ? " object\n" : " value\n");
	r = mc_value_repr(v);
	if (r != NULL) {
		if (strlen(r) > 400)
			strcpy(r + 396, " ...");
		s_add(&t, "\n");
		s_add(&t, r);
		s_add(&t, "\n");
		free(r);
	}
	if (cls != NULL && cls->attrs != NULL && cls->attrs[0] != NULL) {
		const char *const *a;

		s_add(&t, "\nAttributes:\n ");
		for (a = cls->attrs; *a != NULL; a++) {
			s_add(&t, " ");
			s_add(&t, *a);
		}
		s_add(&t, "\n");
	}
	if (mc_type(v) == MC_T_ARRAY)
		s_add(&t, "\nAttributes:\n  shape ndim size dtype T\n");
	s_add_methods(&t, mc_value_method_prefix(v));
	return s_done(&t);
}

static const char *const s_area_names[] = {
	"Core", "Data", "Masks and images", "Embeddings", "Learning", "Coreset and review", "Rendering"
};

static char *s_help_overview(void)
{
	s_text t = { 0 };
	size_t k;
	const mc_func_def *d;

	s_add(&t, "maskclean command language: Python-like statements, one per line or separated by ';'.\n"
	          "  x = load_coco(\"annotations.json\")   assignment; a, b = f() unpacks a list\n"
	          "  f(1, name=2)   calls with positional and keyword arguments\n"
	          "  obj.method()   obj.attribute   x[0]   x[-1]   x[1:3]   d[\"key\"]\n"
	          "  help(f) or help(obj) shows one function or object; dir(obj) lists its methods.\n"
	          "\nFunctions:\n");
	for (k = 0; mc_registry_tables[k] != NULL; k++) {
		int any = 0;

		for (d = mc_registry_tables[k]; d->name != NULL; d++) {
			if (strchr(d->name, '.') != NULL)
				continue;
			if (!any && k < sizeof s_area_names / sizeof s_area_names[0]) {
				s_add(&t, "\n");
				s_add(&t, s_area_names[k]);
				s_add(&t, ":\n");
			}
			any = 1;
			s_add_entry_line(&t, d, d->name);
		}
	}
	return s_done(&t);
}

/* Help longer than this many lines goes to the front end's pager. */
#define HELP_PAGE_LINES 20

/* Adds a payload to the execute_reply (see mc_io.payload); steals payload. */
static void s_payload(mc_call *call, json_t *payload)
{
	if (payload != NULL && call->io != NULL && call->io->payload != NULL)
		call->io->payload(call->io->ctx, payload);
	json_decref(payload);
}

/* Shows help text: printed, or in the pager when it is long (markdown: also
 * as text/markdown). */
static void s_show_help(mc_call *call, const char *text, int markdown)
{
	size_t lines = 0;

	for (const char *p = text; *p != '\0'; p++)
		lines += *p == '\n';
	if (lines <= HELP_PAGE_LINES || call->io == NULL || call->io->payload == NULL) {
		mc_call_print(call, text);
		return;
	}
	s_payload(call, json_pack("{s:s, s:{s:s, s:s*}, s:i}", "source", "page", "data",
	                          "text/plain", text, "text/markdown", markdown ? text : NULL,
	                          "start", 0));
}

static int s_help(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");
	char *text = NULL;

	if (mc_type(x) == MC_T_NONE && !mc_arg_given(call, "x")) {
		text = s_help_overview();
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
	s_show_help(call, text, mc_type(x) == MC_T_STR && strcmp(mc_as_str(x), "language") == 0);
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
	s_payload(call, json_pack("{s:s, s:b}", "source", "ask_exit", "keepkernel", keep));
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
		char *s = mc_value_str(mc_list_get(vals, i));

		if (s == NULL) {
			free(t.s);
			return mc_error_set(err, MC_ERR_NOMEM, "print(): out of memory");
		}
		if (i > 0)
			s_add(&t, sep);
		s_add(&t, s);
		free(s);
	}
	s_add(&t, end);
	if (t.oom) {
		free(t.s);
		return mc_error_set(err, MC_ERR_NOMEM, "print(): out of memory");
	}
	if (strcmp(stream, "stdout") == 0)
		mc_call_print(call, t.s != NULL ? t.s : "");
	else if (call->io != NULL && call->io->stream != NULL)
		call->io->stream(call->io->ctx, stream, t.s != NULL ? t.s : "");
	free(t.s);
	*out = mc_none();
	return 0;
}

static int s_print(mc_call *c, mc_value **o, mc_error *e) { return s_print_to(c, o, e, NULL); }
static int s_stdout(mc_call *c, mc_value **o, mc_error *e) { return s_print_to(c, o, e, "stdout"); }
static int s_stderr(mc_call *c, mc_value **o, mc_error *e) { return s_print_to(c, o, e, "stderr"); }

static int s_len(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x");

	switch (mc_type(x)) {
	case MC_T_STR:
		*out = mc_int((int64_t)mc_utf8_count(mc_as_str(x), mc_str_len(x)));
		break;
	case MC_T_LIST:
		*out = mc_int((int64_t)mc_list_len(x));
		break;
	case MC_T_DICT:
		*out = mc_int((int64_t)mc_dict_len(x));
		break;
	case MC_T_ARRAY:
		*out = mc_int((int64_t)mc_array_rows(x));
		break;
	default:
		return mc_error_set(err, MC_ERR_TYPE, "len(): %s has no length", mc_type_name(x));
	}
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

static int s_range(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t start = 0, stop, step = 1, i, n;
	mc_value *l;

	if (mc_type(mc_arg(call, "stop")) == MC_T_NONE) {
		if (mc_arg_int(call, "start", &stop, err) != 0)
			return err->code;
	} else if (mc_arg_int(call, "start", &start, err) != 0 || mc_arg_int(call, "stop", &stop, err) != 0) {
		return err->code;
	}
	if (mc_arg_int(call, "step", &step, err) != 0)
		return err->code;
	if (step == 0)
		return mc_error_set(err, MC_ERR_INVALID, "range(): step must not be zero");
	n = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0) :
		(start > stop ? (start - stop - step - 1) / (-step) : 0);
	if (n > 50000000)
		return mc_error_set(err, MC_ERR_INVALID, "range(): %lld items is too many (the limit is 50000000)",
		                    (long long)n);
	l = mc_list_new();
	for (i = 0; l != NULL && i < n; i++)
		if (mc_list_append(l, mc_int(start + i * step)) != 0) {
			mc_unref(l);
			l = NULL;
		}
	if (l == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "range(): out of memory for %lld items", (long long)n);
	*out = l;
	return 0;
}

static int s_list(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "x"), *items;
	size_t i;

	if (mc_type(x) == MC_T_NONE) {
		*out = mc_list_new();
		return 0;
	}
	if (s_items(&items, x, "list", err) != 0)
		return err->code;
	/* a new list, so changing it leaves x alone */
	*out = mc_list_new();
	for (i = 0; *out != NULL && i < mc_list_len(items); i++)
		if (mc_list_append(*out, mc_ref(mc_list_get(items, i))) != 0) {
			mc_unref(*out);
			*out = NULL;
		}
	mc_unref(items);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "list(): out of memory");
}

static int s_dict(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "pairs"), *kw = mc_arg(call, "kwargs"), *d;
	size_t i;

	d = mc_dict_new();
	if (d == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "dict(): out of memory");
	if (mc_type(x) == MC_T_DICT) {
		for (i = 0; i < mc_dict_len(x); i++)
			mc_dict_set(d, mc_dict_key(x, i), mc_ref(mc_dict_value(x, i)));
	} else if (mc_type(x) == MC_T_LIST) {
		for (i = 0; i < mc_list_len(x); i++) {
			mc_value *p = mc_list_get(x, i), *k = mc_list_get(p, 0);

			if (mc_list_len(p) != 2 || (mc_type(k) != MC_T_STR && mc_type(k) != MC_T_INT)) {
				mc_unref(d);
				return mc_error_set(err, MC_ERR_TYPE,
				                    "dict(): item %zu must be a [key, value] pair with a str or int key", i);
			}
			mc_dict_set(d, k, mc_ref(mc_list_get(p, 1)));
		}
	} else if (mc_type(x) != MC_T_NONE) {
		mc_unref(d);
		return mc_error_set(err, MC_ERR_TYPE, "dict(): expected a dict or a list of pairs, got %s",
		                    mc_type_name(x));
	}
	for (i = 0; i < mc_dict_len(kw); i++)
		mc_dict_set(d, mc_dict_key(kw, i), mc_ref(mc_dict_value(kw, i)));
	*out = d;
	return 0;
}

static int s_str(mc_call *call, mc_value **out, mc_error *err)
{
	char *s = mc_value_str(mc_arg(call, "x"));

	if (s == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "str(): out of memory");
	*out = mc_str(s);
	free(s);
	return 0;
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
		const char *s = mc_as_str(x);
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		while (*end == ' ' || *end == '\n' || *end == '\t')
			end++;
		if (end == s || *end != '\0' || errno != 0)
			return mc_error_set(err, MC_ERR_INVALID, "int(): invalid literal '%s': expected digits", s);
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
		const char *s = mc_as_str(x);
		char *end;
		double f = strtod(s, &end);

		while (*end == ' ' || *end == '\n' || *end == '\t')
			end++;
		if (end == s || *end != '\0')
			return mc_error_set(err, MC_ERR_INVALID, "float(): invalid number '%s'", s);
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

static int s_minmax(mc_call *call, mc_value **out, mc_error *err, int want_max)
{
	mc_value *vals = mc_arg(call, "values"), *items = NULL, *best = NULL;
	const char *fname = want_max ? "max" : "min";
	size_t i;

	if (mc_list_len(vals) == 1) {
		if (s_items(&items, mc_list_get(vals, 0), fname, err) != 0)
			return err->code;
	} else {
		items = mc_ref(vals);
	}
	if (mc_list_len(items) == 0) {
		mc_unref(items);
		return mc_error_set(err, MC_ERR_INVALID, "%s(): expected at least one value, got an empty sequence",
		                    fname);
	}
	if (mc_type(mc_list_get(items, 0)) == MC_T_ARRAY) {
		mc_unref(items);
		return mc_error_set(err, MC_ERR_TYPE, "%s(): give a 1-D array or numbers", fname);
	}
	best = mc_list_get(items, 0);
	for (i = 1; i < mc_list_len(items); i++) {
		int c;

		if (s_order(mc_list_get(items, i), best, &c, fname, err) != 0) {
			mc_unref(items);
			return err->code;
		}
		if ((want_max && c > 0) || (!want_max && c < 0))
			best = mc_list_get(items, i);
	}
	if (s_order(best, best, &(int){ 0 }, fname, err) != 0) {
		mc_unref(items);
		return err->code;
	}
	*out = mc_ref(best);
	mc_unref(items);
	return 0;
}

static int s_min(mc_call *call, mc_value **out, mc_error *err) { return s_minmax(call, out, err, 0); }
static int s_max(mc_call *call, mc_value **out, mc_error *err) { return s_minmax(call, out, err, 1); }

static int s_sum(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "values"), *start = mc_arg(call, "start");
	int is_float = mc_type(start) == MC_T_FLOAT;
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
				is += mc_array_i64(x)[i];
			*out = is_float ? mc_float(fs + (double)(is - mc_as_int(start))) : mc_int(is);
		}
		return 0;
	}
	if (mc_type(x) != MC_T_LIST)
		return mc_error_set(err, MC_ERR_TYPE, "sum(): expected a list or array, got %s", mc_type_name(x));
	for (i = 0; i < mc_list_len(x); i++) {
		mc_value *e = mc_list_get(x, i);

		if (!s_is_num(e))
			return mc_error_set(err, MC_ERR_TYPE, "sum(): item %zu is %s, expected a number", i,
			                    mc_type_name(e));
		if (mc_type(e) == MC_T_FLOAT)
			is_float = 1;
		fs += mc_as_float(e);
		if (!is_float && __builtin_add_overflow(is, mc_as_int(e), &is))
			is_float = 1;
	}
	*out = is_float ? mc_float(fs) : mc_int(is);
	return 0;
}

typedef struct s_sort_item {
	mc_value *v;
	size_t i;
} s_sort_item;

/* Merge sort (stable, and reports incomparable items). */
static int s_merge_sort(s_sort_item *a, s_sort_item *tmp, size_t n, int rev, mc_error *err)
{
	size_t mid = n / 2, i = 0, j, k = 0;

	if (n < 2)
		return 0;
	if (s_merge_sort(a, tmp, mid, rev, err) != 0 || s_merge_sort(a + mid, tmp, n - mid, rev, err) != 0)
		return err->code;
	j = mid;
	while (i < mid && j < n) {
		int c;

		if (s_order(a[j].v, a[i].v, &c, "sorted", err) != 0)
			return err->code;
		if (rev ? c > 0 : c < 0)
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

static int s_sorted(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *items, *l;
	s_sort_item *a, *tmp;
	size_t i, n;
	int rev;

	if (mc_arg_bool(call, "reverse", &rev, err) != 0 ||
	    s_items(&items, mc_arg(call, "values"), "sorted", err) != 0)
		return err->code;
	n = mc_list_len(items);
	a = calloc(n + 1, sizeof *a);
	tmp = calloc(n + 1, sizeof *tmp);
	l = mc_list_new();
	if (a == NULL || tmp == NULL || l == NULL) {
		free(a);
		free(tmp);
		mc_unref(l);
		mc_unref(items);
		return mc_error_set(err, MC_ERR_NOMEM, "sorted(): out of memory");
	}
	for (i = 0; i < n; i++) {
		a[i].v = mc_list_get(items, i);
		a[i].i = i;
	}
	if (s_merge_sort(a, tmp, n, rev, err) == 0)
		for (i = 0; i < n; i++)
			mc_list_append(l, mc_ref(a[i].v));
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

static int s_enumerate(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *items, *l;
	int64_t start;
	size_t i;

	if (mc_arg_int(call, "start", &start, err) != 0 ||
	    s_items(&items, mc_arg(call, "values"), "enumerate", err) != 0)
		return err->code;
	l = mc_list_new();
	for (i = 0; l != NULL && i < mc_list_len(items); i++) {
		mc_value *pair = mc_list_new();

		if (pair == NULL || mc_list_append(pair, mc_int(start + (int64_t)i)) != 0 ||
		    mc_list_append(pair, mc_ref(mc_list_get(items, i))) != 0 || mc_list_append(l, pair) != 0) {
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
		if (s_items(&its[k], mc_list_get(seqs, k), "zip", err) != 0) {
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

/* array(values, dtype=none): a numeric array from numbers or lists of numbers. */
static int s_array(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *x = mc_arg(call, "values"), *a = NULL;
	const char *dt = NULL;
	size_t rows, cols = 0, i, j;
	int want_int = 1;

	if (mc_arg_str_opt(call, "dtype", &dt, err) < 0)
		return err->code;
	if (dt != NULL && strcmp(dt, "float64") != 0 && strcmp(dt, "int64") != 0 &&
	    strcmp(dt, "float") != 0 && strcmp(dt, "int") != 0)
		return mc_error_set(err, MC_ERR_INVALID, "array(): dtype must be \"float64\" or \"int64\", got \"%s\"", dt);
	if (mc_type(x) == MC_T_ARRAY) {
		a = mc_array_new(dt != NULL ? (dt[0] == 'i' ? MC_I64 : MC_F64) : mc_array_dtype(x),
		                 mc_array_rows(x), mc_array_cols(x));
		if (a == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "array(): out of memory");
		for (i = 0; i < mc_array_size(x); i++) {
			double f = mc_array_dtype(x) == MC_F64 ? mc_array_f64(x)[i] : (double)mc_array_i64(x)[i];

			if (mc_array_dtype(a) == MC_F64)
				mc_array_f64(a)[i] = f;
			else
				mc_array_i64(a)[i] = mc_array_dtype(x) == MC_I64 ? mc_array_i64(x)[i] : (int64_t)f;
		}
		*out = a;
		return 0;
	}
	if (mc_type(x) != MC_T_LIST)
		return mc_error_set(err, MC_ERR_TYPE, "array(): expected a list of numbers or of lists, got %s",
		                    mc_type_name(x));
	rows = mc_list_len(x);
	if (rows > 0 && mc_type(mc_list_get(x, 0)) == MC_T_LIST)
		cols = mc_list_len(mc_list_get(x, 0));
	for (i = 0; i < rows; i++) {
		mc_value *r = mc_list_get(x, i);
		size_t n = cols > 0 ? mc_list_len(r) : 1;

		if (cols > 0 && (mc_type(r) != MC_T_LIST || n != cols))
			return mc_error_set(err, MC_ERR_SHAPE, "array(): row %zu has %zu items, expected %zu", i,
			                    mc_type(r) == MC_T_LIST ? n : 0, cols);
		for (j = 0; j < n; j++) {
			mc_value *e = cols > 0 ? mc_list_get(r, j) : r;

			if (!s_is_num(e))
				return mc_error_set(err, MC_ERR_TYPE, "array(): item [%zu%s] is %s, expected a number", i,
				                    cols > 0 ? "][j" : "", mc_type_name(e));
			if (mc_type(e) == MC_T_FLOAT)
				want_int = 0;
		}
	}
	if (dt != NULL)
		want_int = dt[0] == 'i';
	if (rows > 0 && mc_type(mc_list_get(x, 0)) == MC_T_LIST && cols == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "array(): rows must not be empty");
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
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
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
	char *s = strdup(mc_as_str(self));
	size_t i;

	if (s == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	for (i = 0; s[i] != '\0'; i++)
		if (upper && s[i] >= 'a' && s[i] <= 'z')
			s[i] = (char)(s[i] - 32);
		else if (!upper && s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + 32);
	*out = mc_strn(s, mc_str_len(self));
	free(s);
	return 0;
}

static int s_str_upper(mc_call *call, mc_value **out, mc_error *err) { return s_str_case(call, out, err, 1); }
static int s_str_lower(mc_call *call, mc_value **out, mc_error *err) { return s_str_case(call, out, err, 0); }

static int s_str_strip(mc_call *call, mc_value **out, mc_error *err)
{
	const char *s = mc_as_str(mc_call_self(call));
	size_t a = 0, b = mc_str_len(mc_call_self(call));

	(void)err;
	while (a < b && strchr(" \t\r\n\f\v", s[a]) != NULL)
		a++;
	while (b > a && strchr(" \t\r\n\f\v", s[b - 1]) != NULL)
		b--;
	*out = mc_strn(s + a, b - a);
	return 0;
}

static int s_str_split(mc_call *call, mc_value **out, mc_error *err)
{
	const char *s = mc_as_str(mc_call_self(call)), *sep = NULL;
	mc_value *l;
	int r;

	r = mc_arg_str_opt(call, "sep", &sep, err);
	if (r < 0)
		return err->code;
	if (sep != NULL && sep[0] == '\0')
		return mc_error_set(err, MC_ERR_INVALID, "str.split(): empty separator");
	l = mc_list_new();
	if (l == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (sep == NULL) {
		while (*s != '\0') {
			size_t n;

			while (*s != '\0' && strchr(" \t\r\n\f\v", *s) != NULL)
				s++;
			if (*s == '\0')
				break;
			n = strcspn(s, " \t\r\n\f\v");
			mc_list_append(l, mc_strn(s, n));
			s += n;
		}
	} else {
		const char *hit;

		while ((hit = strstr(s, sep)) != NULL) {
			mc_list_append(l, mc_strn(s, (size_t)(hit - s)));
			s = hit + strlen(sep);
		}
		mc_list_append(l, mc_str(s));
	}
	*out = l;
	return 0;
}

static int s_str_join(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *items = mc_arg(call, "items");
	const char *sep = mc_as_str(mc_call_self(call));
	s_text t = { 0 };
	size_t i;

	if (mc_type(items) != MC_T_LIST)
		return mc_error_set(err, MC_ERR_TYPE, "str.join(): items must be a list of str, got %s",
		                    mc_type_name(items));
	for (i = 0; i < mc_list_len(items); i++) {
		mc_value *e = mc_list_get(items, i);

		if (mc_type(e) != MC_T_STR) {
			free(t.s);
			return mc_error_set(err, MC_ERR_TYPE, "str.join(): item %zu is %s, expected str", i,
			                    mc_type_name(e));
		}
		if (i > 0)
			s_add(&t, sep);
		s_add(&t, mc_as_str(e));
	}
	{
		char *s = s_done(&t);

		if (s == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		*out = mc_str(s);
		free(s);
	}
	return 0;
}

static int s_str_replace(mc_call *call, mc_value **out, mc_error *err)
{
	const char *s = mc_as_str(mc_call_self(call)), *old, *new_;
	s_text t = { 0 };
	const char *hit;
	char *r;

	if (mc_arg_str(call, "old", &old, err) != 0 || mc_arg_str(call, "new", &new_, err) != 0)
		return err->code;
	if (old[0] == '\0') {
		*out = mc_ref(mc_call_self(call));
		return 0;
	}
	while ((hit = strstr(s, old)) != NULL) {
		char *chunk = strndup(s, (size_t)(hit - s));

		if (chunk == NULL)
			t.oom = 1;
		else
			s_add(&t, chunk);
		free(chunk);
		s_add(&t, new_);
		s = hit + strlen(old);
	}
	s_add(&t, s);
	r = s_done(&t);
	if (r == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	*out = mc_str(r);
	free(r);
	return 0;
}

static int s_str_affix(mc_call *call, mc_value **out, mc_error *err, int prefix)
{
	const char *s = mc_as_str(mc_call_self(call)), *a;
	size_t ls = mc_str_len(mc_call_self(call)), la;

	if (mc_arg_str(call, prefix ? "prefix" : "suffix", &a, err) != 0)
		return err->code;
	la = strlen(a);
	*out = mc_bool(la <= ls && memcmp(prefix ? s : s + ls - la, a, la) == 0);
	return 0;
}

static int s_str_startswith(mc_call *call, mc_value **out, mc_error *err) { return s_str_affix(call, out, err, 1); }
static int s_str_endswith(mc_call *call, mc_value **out, mc_error *err) { return s_str_affix(call, out, err, 0); }

static int s_array_tolist(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *self = mc_call_self(call), *rows;
	size_t i;

	if (s_items(&rows, self, "array.tolist", err) != 0)
		return err->code;
	if (mc_array_cols(self) > 0)
		for (i = 0; i < mc_list_len(rows); i++) {
			mc_value *r;

			if (s_items(&r, mc_list_get(rows, i), "array.tolist", err) != 0 ||
			    mc_list_set(rows, i, r) != 0) {
				mc_unref(rows);
				return err->code != 0 ? err->code : mc_error_set(err, MC_ERR_NOMEM, "out of memory");
			}
		}
	*out = rows;
	return 0;
}

/* Reductions over all elements, or along an axis (0: columns, 1: rows). */
static int s_array_reduce(mc_call *call, mc_value **out, mc_error *err, int kind)
{
	static const char *const names[] = { "sum", "mean", "min", "max", "argmax", "argmin" };
	mc_value *self = mc_call_self(call), *ax = mc_arg(call, "axis");
	size_t rows = mc_array_rows(self), cols = mc_array_cols(self), n = mc_array_size(self);
	size_t outer, inner, o, i, stride_o, stride_i;
	int64_t axis = -1;
	int is_int = mc_array_dtype(self) == MC_I64;

	if (mc_type(ax) != MC_T_NONE) {
		if (mc_type(ax) != MC_T_INT || (cols > 0 ? (mc_as_int(ax) < 0 || mc_as_int(ax) > 1) : mc_as_int(ax) != 0))
			return mc_error_set(err, MC_ERR_INVALID, "array.%s(): axis must be %s", names[kind],
			                    cols > 0 ? "0, 1 or none" : "0 or none");
		axis = mc_as_int(ax);
	}
	if (axis < 0 || cols == 0) {
		outer = 1, inner = n, stride_o = 0, stride_i = 1;
	} else if (axis == 0) {
		outer = cols, inner = rows, stride_o = 1, stride_i = cols;
	} else {
		outer = rows, inner = cols, stride_o = cols, stride_i = 1;
	}
	if (inner == 0 && kind >= 2)
		return mc_error_set(err, MC_ERR_INVALID, "array.%s(): the array is empty", names[kind]);
	{
		int int_out = kind >= 4 || (is_int && kind != 1);
		mc_value *res = (axis < 0 || cols == 0) ? NULL : mc_array_new(int_out ? MC_I64 : MC_F64, outer, 0);

		if (res == NULL && !(axis < 0 || cols == 0))
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		for (o = 0; o < outer; o++) {
			double acc = 0, best = 0;
			int64_t iacc = 0;
			size_t bi = 0;

			for (i = 0; i < inner; i++) {
				size_t k = o * stride_o + i * stride_i;
				double f = is_int ? (double)mc_array_i64(self)[k] : mc_array_f64(self)[k];

				acc += f;
				if (is_int)
					iacc += mc_array_i64(self)[k];
				if (i == 0 || (kind == 2 || kind == 5 ? f < best : f > best)) {
					best = f;
					bi = i;
				}
			}
			if (res == NULL) {
				if (kind == 0)
					*out = is_int ? mc_int(iacc) : mc_float(acc);
				else if (kind == 1)
					*out = mc_float(inner > 0 ? acc / (double)inner : NAN);
				else if (kind <= 3)
					*out = is_int ? mc_int((int64_t)best) : mc_float(best);
				else
					*out = mc_int((int64_t)bi);
			} else if (int_out) {
				mc_array_i64(res)[o] = kind == 0 ? iacc : kind >= 4 ? (int64_t)bi : (int64_t)best;
			} else {
				mc_array_f64(res)[o] = kind == 0 ? acc : kind == 1 ? (inner > 0 ? acc / (double)inner : NAN) : best;
			}
		}
		if (res != NULL)
			*out = res;
	}
	return 0;
}

static int s_array_sum(mc_call *c, mc_value **o, mc_error *e) { return s_array_reduce(c, o, e, 0); }
static int s_array_mean(mc_call *c, mc_value **o, mc_error *e) { return s_array_reduce(c, o, e, 1); }
static int s_array_min(mc_call *c, mc_value **o, mc_error *e) { return s_array_reduce(c, o, e, 2); }
static int s_array_max(mc_call *c, mc_value **o, mc_error *e) { return s_array_reduce(c, o, e, 3); }
static int s_array_argmax(mc_call *c, mc_value **o, mc_error *e) { return s_array_reduce(c, o, e, 4); }
static int s_array_argmin(mc_call *c, mc_value **o, mc_error *e) { return s_array_reduce(c, o, e, 5); }

const mc_func_def mc_funcs_core[] = {
	{ "print", "(*values, sep=\" \", end=\"\\n\", file=none)", "Prints values to the cell's output, separated by sep.",
	  "Strings print without quotes; other values print as they show in `text/plain`.\n"
	  "`file=stderr` writes to the error stream (shown in red by the front ends).", s_print },
	{ "stdout", "(*values, sep=\" \", end=\"\\n\")", "The output stream: print(..., file=stdout); called, prints as print does.",
	  NULL, s_stdout },
	{ "stderr", "(*values, sep=\" \", end=\"\\n\")", "The error stream: print(..., file=stderr); called, prints to it as print does.",
	  NULL, s_stderr },
	{ "help", "(x=none)", "Shows the help of a function, method or object; help() lists every function.",
	  "`help(load_coco)`, `help(svc.get_cleaning_samples)`, `help(\"PCA.fit\")` or `help(ds)`;\n"
	  "`help(\"language\")` shows the language reference. Long help opens in the front end's pager.\n"
	  "The text comes from the same table as the notebook's Shift-Tab and docs/functions.md.", s_help },
	{ "exit", "(keep_kernel=false)", "Ends the session: jupyter console exits and the kernel shuts down.",
	  "`exit` alone on a line does the same. With keep_kernel=true the console exits and the kernel keeps running.",
	  s_exit },
	{ "quit", "(keep_kernel=false)", "Same as exit().", NULL, s_exit },
	{ "len", "(x)", "Number of items of a list, dict or str, or rows of an array.", NULL, s_len },
	{ "range", "(start, stop=none, step=1)", "List of ints from start (or 0) up to, not including, stop.",
	  "`range(5)` is `[0, 1, 2, 3, 4]`; `range(2, 10, 3)` is `[2, 5, 8]`.", s_range },
	{ "list", "(x=none)", "A new list of the items of x (list, dict keys, str characters, array rows).", NULL, s_list },
	{ "dict", "(pairs=none, **kwargs)", "A new dict from a dict, a list of [key, value] pairs, or name=value arguments.",
	  NULL, s_dict },
	{ "str", "(x=\"\")", "The text of a value, as print shows it.", NULL, s_str },
	{ "int", "(x)", "Converts a number or a string of digits to int (floats are truncated toward zero).", NULL, s_int },
	{ "float", "(x)", "Converts a number or a numeric string to float.", NULL, s_float },
	{ "round", "(x, ndigits=none)", "Rounds x to ndigits decimals (to an int when ndigits is none); ties go to even.",
	  NULL, s_round },
	{ "min", "(*values)", "The smallest of the values, or of the items of a single list or array.", NULL, s_min },
	{ "max", "(*values)", "The largest of the values, or of the items of a single list or array.", NULL, s_max },
	{ "sum", "(values, start=0)", "The sum of a list of numbers or of every element of an array.", NULL, s_sum },
	{ "sorted", "(values, reverse=false)", "A new sorted list of numbers or strings.", NULL, s_sorted },
	{ "enumerate", "(values, start=0)", "A list of [index, item] pairs.", NULL, s_enumerate },
	{ "zip", "(*sequences)", "A list of lists taking one item from each sequence, as long as the shortest.", NULL, s_zip },
	{ "type", "(x)", "The name of the type of x: \"int\", \"list\", \"array\", \"Dataset\", ...", NULL, s_type },
	{ "display", "(*values)", "Shows each value as its own output (HTML tables, images).", NULL, s_display },
	{ "input", "(prompt=\"\", password=false)", "Asks the user for a line of text through the notebook.",
	  "Fails when the front end does not allow input (for example when running a notebook in batch).", s_input },
	{ "abs", "(x)", "Absolute value of a number, or element-wise of an array.", NULL, s_abs },
	{ "dir", "(x=none)", "The methods and attributes of x, or the session's variables when x is left out.", NULL, s_dir },
	{ "clear_output", "(wait=false)",
	  "Clears the cell's output; with wait=true, when the next output arrives.", NULL,
	  s_clear_output },
	{ "sleep", "(seconds)", "Waits, showing a progress bar; the interrupt button stops it.",
	  "Useful to check that interrupts work: `sleep(10)` then Kernel > Interrupt.", s_sleep },
	{ "array", "(values, dtype=none)", "A numeric array from a list of numbers (1-D) or a list of lists (2-D).",
	  "dtype is \"float64\" or \"int64\"; by default int64 when every item is an int.", s_array },
	{ "list.append", "(item)", "Adds item at the end of the list.", NULL, s_list_append },
	{ "list.index", "(item)", "Position of the first item equal to item.", NULL, s_list_index },
	{ "dict.keys", "()", "The keys, as a list, in insertion order.", NULL, s_dict_keys },
	{ "dict.values", "()", "The values, as a list, in insertion order.", NULL, s_dict_values },
	{ "dict.items", "()", "The [key, value] pairs, as a list.", NULL, s_dict_items },
	{ "dict.get", "(key, default=none)", "The value under key, or default when the key is missing.", NULL, s_dict_get },
	{ "str.upper", "()", "The string in upper case (ASCII letters).", NULL, s_str_upper },
	{ "str.lower", "()", "The string in lower case (ASCII letters).", NULL, s_str_lower },
	{ "str.strip", "()", "The string without leading and trailing white space.", NULL, s_str_strip },
	{ "str.split", "(sep=none)", "The parts between sep (or runs of white space), as a list.", NULL, s_str_split },
	{ "str.join", "(items)", "The items (strings) joined with this string between them.", NULL, s_str_join },
	{ "str.replace", "(old, new)", "The string with every old replaced by new.", NULL, s_str_replace },
	{ "str.startswith", "(prefix)", "True if the string starts with prefix.", NULL, s_str_startswith },
	{ "str.endswith", "(suffix)", "True if the string ends with suffix.", NULL, s_str_endswith },
	{ "array.tolist", "()", "The elements as a list (a list of lists for 2-D).", NULL, s_array_tolist },
	{ "array.sum", "(axis=none)", "Sum of all elements, or along axis 0 (down columns) or 1 (across rows).", NULL, s_array_sum },
	{ "array.mean", "(axis=none)", "Mean of all elements, or along an axis.", NULL, s_array_mean },
	{ "array.min", "(axis=none)", "Smallest element, or along an axis.", NULL, s_array_min },
	{ "array.max", "(axis=none)", "Largest element, or along an axis.", NULL, s_array_max },
	{ "array.argmax", "(axis=none)", "Index of the largest element (flat), or along an axis.", NULL, s_array_argmax },
	{ "array.argmin", "(axis=none)", "Index of the smallest element (flat), or along an axis.", NULL, s_array_argmin },
	{ NULL, NULL, NULL, NULL, NULL }
};
