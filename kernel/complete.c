/* This module implements completion, inspection (Shift-Tab) and the
 * is_complete check of the command language (interp.h). Everything offered
 * comes from the session's variables, the names the cell itself defines
 * (assignments, loop variables, functions and their parameters), and the
 * function table. Cursor positions are Unicode code points. */
#include "interp.h"
#include "lang.h"
#include "lexer.h"
#include "parser.h"
#include "registry.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int s_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

/* Scans code[0..pos) for an open string literal; returns the byte offset of
 * its first character (after the quote) or -1. */
static long s_open_string(const char *code, size_t pos)
{
	size_t i = 0;
	long start = -1;
	char q = 0;
	int triple = 0;

	while (i < pos) {
		char c = code[i];

		if (q == 0) {
			if (c == '#') {
				while (i < pos && code[i] != '\n')
					i++;
				continue;
			}
			if (c == '"' || c == '\'') {
				q = c;
				triple = i + 2 < pos && code[i + 1] == c && code[i + 2] == c;
				i += triple ? 3 : 1;
				start = (long)i;
				continue;
			}
			i++;
			continue;
		}
		if (c == '\\') {
			i += 2;
			continue;
		}
		if (c == q && (!triple || (i + 2 < pos + 2 && code[i + 1] == q && code[i + 2] == q))) {
			i += triple ? 3 : 1;
			q = 0;
			start = -1;
			continue;
		}
		if (c == '\n' && !triple) {
			q = 0;
			start = -1;
		}
		i++;
	}
	return q != 0 ? start : -1;
}

/* Start of the expression chain (names, dots, brackets) that ends at end. */
static size_t s_chain_start(const char *code, size_t end, int *has_call)
{
	size_t i = end;

	*has_call = 0;
	while (i > 0) {
		char c = code[i - 1];

		if (s_ident(c) || c == '.') {
			i--;
			continue;
		}
		if (c == ']' || c == ')') {
			int depth = 0;
			char open = c == ']' ? '[' : '(';

			if (c == ')')
				*has_call = 1;
			while (i > 0) {
				char d = code[i - 1];

				if (d == c)
					depth++;
				else if (d == open && --depth == 0) {
					i--;
					break;
				}
				i--;
			}
			continue;
		}
		break;
	}
	/* a chain starts with a name, not a digit or a dot */
	while (i < end && (code[i] == '.' || (code[i] >= '0' && code[i] <= '9')))
		i++;
	return i;
}

/* Evaluates a side-effect-free chain (no calls) to a value; NULL if not. */
static mc_value *s_eval_chain(mc_interp *in, const char *code, size_t a, size_t b)
{
	char *text;
	mc_value *v = NULL;
	mc_exec_error xerr;
	int has_call = 0;
	size_t i;

	if (b <= a)
		return NULL;
	for (i = a; i < b; i++)
		if (code[i] == '(')
			has_call = 1;
	if (has_call)
		return NULL;
	text = strndup(code + a, b - a);
	if (text == NULL)
		return NULL;
	if (mc_interp_eval(in, text, NULL, &v, &xerr) != 0) {
		mc_exec_error_clear(&xerr);
		v = NULL;
	}
	free(text);
	return v;
}

typedef struct s_matches {
	json_t *arr;
	const char *prefix;
	size_t plen;
} s_matches;

static void s_offer(s_matches *m, const char *cand, const char *suffix)
{
	size_t i;
	char buf[512];

	if (cand == NULL || strncmp(cand, m->prefix, m->plen) != 0)
		return;
	snprintf(buf, sizeof buf, "%s%s", cand, suffix != NULL ? suffix : "");
	for (i = 0; i < json_array_size(m->arr); i++)
		if (strcmp(json_string_value(json_array_get(m->arr, i)), buf) == 0)
			return;
	json_array_append_new(m->arr, json_string(buf));
}

/* The session's variable named s[0..n), or else the function of the table
 * of that name, as a new reference; NULL when there is none. */
static mc_value *s_named(mc_interp *in, const char *s, size_t n)
{
	char name[256];
	mc_value *v;
	const mc_func_def *d;

	snprintf(name, sizeof name, "%.*s", (int)n, s);
	v = mc_interp_get_var(in, name);
	if (v != NULL)
		return mc_ref(v);
	d = strchr(name, '.') == NULL ? mc_registry_find(name) : NULL;
	return d != NULL ? mc_func_new(d, NULL) : NULL;
}

/* The function called by the innermost open '(' before pos, as a value
 * (a new reference), or NULL. *base gets the object of a method call
 * (a new reference) when there is one. */
static mc_value *s_enclosing_call(mc_interp *in, const char *code, size_t pos, mc_value **base)
{
	long i;
	int depth = 0;
	size_t end, start, dot;
	int has_call;

	if (base != NULL)
		*base = NULL;
	for (i = (long)pos - 1; i >= 0; i--) {
		char c = code[i];

		if (c == ')' || c == ']' || c == '}')
			depth++;
		else if (c == '[' || c == '{') {
			if (depth == 0)
				return NULL;
			depth--;
		} else if (c == '(') {
			if (depth == 0)
				break;
			depth--;
		}
	}
	if (i < 0)
		return NULL;
	end = (size_t)i;
	while (end > 0 && (code[end - 1] == ' ' || code[end - 1] == '\t'))
		end--;
	start = s_chain_start(code, end, &has_call);
	if (start >= end)
		return NULL;
	dot = end;
	while (dot > start && code[dot - 1] != '.')
		dot--;
	if (dot > start) {
		mc_value *obj = s_eval_chain(in, code, start, dot - 1), *fn = NULL;
		char full[256];
		const mc_func_def *d;

		if (obj == NULL)
			return NULL;
		snprintf(full, sizeof full, "%s.%.*s", mc_value_method_prefix(obj), (int)(end - dot), code + dot);
		d = mc_registry_find(full);
		if (d != NULL)
			fn = mc_func_new(d, obj);
		if (base != NULL)
			*base = mc_ref(obj);
		mc_unref(obj);
		return fn;
	}
	{
		mc_value *v = s_named(in, code + start, end - start);

		if (mc_type(v) != MC_T_FUNC) {
			mc_unref(v);
			return NULL;
		}
		return v;
	}
}

/* Offers the keyword parameters of a function value as "name=". */
static void s_offer_params(s_matches *m, mc_value *fn)
{
	mc_userfn *u = mc_userfn_of(fn);
	size_t i;

	if (u != NULL) {
		for (i = 0; i < u->def->nparams; i++)
			if (u->def->params[i].kind == MC_PARAM_NORMAL || u->def->params[i].kind == MC_PARAM_KWONLY)
				s_offer(m, u->def->params[i].name, "=");
		return;
	}
	if (mc_func_def_of(fn) != NULL) {
		mc_error err;
		const mc_signature *sig;

		mc_error_clear(&err);
		sig = mc_signature_of(mc_func_def_of(fn), &err);
		for (i = 0; sig != NULL && i < sig->n; i++)
			if (sig->params[i].kind == MC_PARAM_NORMAL || sig->params[i].kind == MC_PARAM_KWONLY)
				s_offer(m, sig->params[i].name, "=");
	}
}

static int s_is_keyword(const char *s, size_t n)
{
	static const char *const kws[] = {
		"and", "as", "assert", "break", "continue", "def", "del", "elif", "else", "for",
		"global", "if", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "return",
		"while", "True", "False", "None", "true", "false", "none", NULL
	};
	int k;

	for (k = 0; kws[k] != NULL; k++)
		if (strlen(kws[k]) == n && strncmp(kws[k], s, n) == 0)
			return 1;
	return 0;
}

/* What the scan of a cell for the names it defines knows at code[i]. */
typedef struct s_names_scan {
	const char *code;
	size_t pos, i;
	int after_for;   /* between "for" and "in" */
	int in_params;   /* the bracket depth of a def's parameter list, or 0 */
	int depth;       /* brackets open */
	int lambda;      /* between "lambda" and its ':' */
} s_names_scan;

/* Steps over a comment or a string literal at code[i]; 0 if there is none. */
static int s_skip_noise(s_names_scan *sc)
{
	const char *code = sc->code;
	char q = code[sc->i];

	if (q == '#') {
		while (sc->i < sc->pos && code[sc->i] != '\n')
			sc->i++;
		return 1;
	}
	if (q != '"' && q != '\'')
		return 0;
	sc->i++;
	while (sc->i < sc->pos && code[sc->i] != q && code[sc->i] != '\n') {
		if (code[sc->i] == '\\')
			sc->i++;
		sc->i++;
	}
	sc->i++;
	return 1;
}

/* Brackets and a lambda's ':'; 0 if code[i] is none of them. */
static int s_scan_punct(s_names_scan *sc)
{
	char c = sc->code[sc->i];

	if (c == '(' || c == '[' || c == '{') {
		sc->depth++;
	} else if (c == ')' || c == ']' || c == '}') {
		if (sc->depth > 0)
			sc->depth--;
		if (sc->in_params && sc->depth < sc->in_params)
			sc->in_params = 0;
	} else if (c == ':' && sc->lambda) {
		sc->lambda = 0;
	} else {
		return 0;
	}
	sc->i++;
	return 1;
}

static size_t s_skip_blanks(const char *code, size_t k, size_t pos)
{
	while (k < pos && (code[k] == ' ' || code[k] == '\t'))
		k++;
	return k;
}

/* After "def": offers the function's name and opens its parameter list. */
static void s_scan_def(s_matches *m, s_names_scan *sc)
{
	size_t k = s_skip_blanks(sc->code, sc->i, sc->pos), a = k;
	char name[128];

	while (k < sc->pos && s_ident(sc->code[k]))
		k++;
	if (k > a && k < sc->pos) {
		snprintf(name, sizeof name, "%.*s", (int)(k - a), sc->code + a);
		s_offer(m, name, NULL);
	}
	k = s_skip_blanks(sc->code, k, sc->pos);
	if (k < sc->pos && sc->code[k] == '(') {
		sc->depth++;
		sc->in_params = sc->depth;
		k++;
	}
	sc->i = k;
}

/* 1 if the name that ends at code[i] is being defined: a loop or lambda
 * variable, a parameter, or the target of =, += or of an unpacking. */
static int s_defines(const s_names_scan *sc)
{
	const char *code = sc->code;
	size_t k = s_skip_blanks(code, sc->i, sc->pos), pos = sc->pos;

	if (sc->after_for || sc->lambda)
		return 1;
	if (sc->in_params && sc->depth == sc->in_params && k < pos && strchr(",=):", code[k]) != NULL)
		return 1;
	if (k >= pos)
		return 0;
	return (code[k] == '=' && (k + 1 >= pos || code[k + 1] != '=')) ||
	       (code[k] == ',' && sc->depth == 0) ||
	       (k + 1 < pos && code[k + 1] == '=' && strchr("+-*/%", code[k]) != NULL);
}

/* A word at code[i]; returns 1 when it is the word being typed (the end). */
static int s_scan_word(s_matches *m, s_names_scan *sc)
{
	size_t a = sc->i;
	char name[128];

	while (sc->i < sc->pos && s_ident(sc->code[sc->i]))
		sc->i++;
	if (sc->i == sc->pos)
		return 1;
	snprintf(name, sizeof name, "%.*s", (int)(sc->i - a), sc->code + a);
	if (strcmp(name, "for") == 0 || strcmp(name, "in") == 0)
		sc->after_for = name[0] == 'f';
	else if (strcmp(name, "lambda") == 0)
		sc->lambda = 1;
	else if (strcmp(name, "def") == 0)
		s_scan_def(m, sc);
	else if (!s_is_keyword(name, strlen(name)) && !(a > 0 && sc->code[a - 1] == '.') && s_defines(sc))
		s_offer(m, name, NULL);
	return 0;
}

/* Offers the names code[0..pos) defines: assignments, loop variables,
 * functions and their parameters (so completion works inside a block
 * before the cell ran). */
static void s_offer_cell_names(s_matches *m, const char *code, size_t pos)
{
	s_names_scan sc = { .code = code, .pos = pos };

	while (sc.i < pos) {
		char c = code[sc.i];

		if (s_skip_noise(&sc) || s_scan_punct(&sc))
			continue;
		if (s_ident(c) && !(c >= '0' && c <= '9')) {
			if (s_scan_word(m, &sc))
				break;   /* the word being typed */
			continue;
		}
		sc.i++;
	}
}

static void s_offer_paths(s_matches *m, const char *typed)
{
	char dir[1024], *slash;
	const char *base;
	DIR *dh;
	struct dirent *de;
	size_t blen, count = 0;

	snprintf(dir, sizeof dir, "%s", typed);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		slash[1] = '\0';
		base = typed + (slash - dir) + 1;
	} else {
		dir[0] = '\0';
		base = typed;
	}
	blen = strlen(base);
	dh = opendir(dir[0] != '\0' ? dir : ".");
	if (dh == NULL)
		return;
	while ((de = readdir(dh)) != NULL && count < 200) {
		char full[2048], path[2048];
		struct stat st;

		if (strncmp(de->d_name, base, blen) != 0 || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 || (de->d_name[0] == '.' && base[0] != '.'))
			continue;
		snprintf(full, sizeof full, "%s%s", dir, de->d_name);
		snprintf(path, sizeof path, "%s%s", dir[0] != '\0' ? dir : "./", de->d_name);
		s_offer(m, full, (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ? "/" : NULL);
		count++;
	}
	closedir(dh);
}

/* The strings an object knows (class names, ...), if its class has any. */
static int s_offer_strings(s_matches *m, const mc_value *v)
{
	const mc_class *cls = mc_object_class(v);
	const char *strs[256];
	size_t n, k;

	if (cls == NULL || cls->strings == NULL)
		return 0;
	n = cls->strings(mc_object_ptr(v), strs, sizeof strs / sizeof strs[0]);
	for (k = 0; k < n && k < sizeof strs / sizeof strs[0]; k++)
		s_offer(m, strs[k], NULL);
	return 1;
}

/* Inside a string literal opened at code[sopen]: a dict's keys after d[",
 * the strings of obj after obj.method(", else the strings of every object
 * in scope and the paths that start with what is typed. */
static void s_complete_string(s_matches *m, mc_interp *in, const char *code, size_t pos, size_t sopen)
{
	char *typed = strndup(code + sopen, pos - sopen);
	size_t q = sopen - 1, i;   /* the opening quote */
	mc_value *base = NULL, *fn, *names;
	int done;

	if (typed == NULL)
		return;
	m->prefix = typed;
	m->plen = strlen(typed);
	while (q > 0 && (code[q - 1] == '"' || code[q - 1] == '\''))
		q--;
	while (q > 0 && (code[q - 1] == ' ' || code[q - 1] == 'r' || code[q - 1] == 'f'))
		q--;
	if (q > 0 && code[q - 1] == '[') {
		int has_call;
		mc_value *d = s_eval_chain(in, code, s_chain_start(code, q - 1, &has_call), q - 1);

		for (i = 0; mc_type(d) == MC_T_DICT && i < mc_dict_len(d); i++)
			if (mc_type(mc_dict_key(d, i)) == MC_T_STR)
				s_offer(m, mc_as_str(mc_dict_key(d, i)), NULL);
		mc_unref(d);
		free(typed);
		return;
	}
	fn = q > 0 && code[q - 1] == '(' ? s_enclosing_call(in, code, q, &base) : NULL;
	done = base != NULL && s_offer_strings(m, base);
	mc_unref(base);
	mc_unref(fn);
	if (!done) {
		names = mc_interp_var_names(in);
		for (i = 0; i < mc_list_len(names); i++)
			s_offer_strings(m, mc_interp_get_var(in, mc_as_str(mc_list_get(names, i))));
		mc_unref(names);
		s_offer_paths(m, typed);
	}
	free(typed);
}

/* The word that ends at the cursor and starts at code[wstart]: after '.', the attributes and methods of what
 * is before it; else parameters of the enclosing call, the cell's names,
 * the session's variables, the table's functions and the keywords. */
static void s_complete_word(s_matches *m, mc_interp *in, const char *code, size_t wstart)
{
	mc_value *names, *fn;
	size_t i, t;
	const mc_func_def *d;
	static const char *const kws[] = { "True", "False", "None", "and", "or", "not", "in", "is",
	                                   "if", "elif", "else", "for", "while", "def", "return",
	                                   "lambda", "break", "continue", "pass", "del", "global",
	                                   "nonlocal", "assert", NULL };

	if (wstart > 0 && code[wstart - 1] == '.') {
		int has_call;
		mc_value *base = s_eval_chain(in, code, s_chain_start(code, wstart - 1, &has_call), wstart - 1);

		names = base != NULL ? mc_value_dir(base) : NULL;
		for (i = 0; names != NULL && i < mc_list_len(names); i++)
			s_offer(m, mc_as_str(mc_list_get(names, i)), NULL);
		mc_unref(names);
		mc_unref(base);
		return;
	}
	fn = s_enclosing_call(in, code, wstart, NULL);
	if (fn != NULL)
		s_offer_params(m, fn);
	mc_unref(fn);
	s_offer_cell_names(m, code, wstart);
	names = mc_interp_var_names(in);
	for (i = 0; i < mc_list_len(names); i++)
		s_offer(m, mc_as_str(mc_list_get(names, i)), NULL);
	mc_unref(names);
	for (t = 0; mc_registry[t].title != NULL; t++)
		for (d = mc_registry[t].funcs; d->name != NULL; d++)
			if (strchr(d->name, '.') == NULL)
				s_offer(m, d->name, NULL);
	for (i = 0; m->plen > 0 && kws[i] != NULL; i++)
		s_offer(m, kws[i], NULL);
}

json_t *mc_interp_complete(mc_interp *in, const char *code, int cursor, int *start, int *end)
{
	size_t pos = mc_utf8_offset(code, strlen(code), cursor > 0 ? (size_t)cursor : 0), wstart;
	long sopen;
	s_matches m;
	char *word;

	m.arr = json_array();
	*end = (int)mc_utf8_count(code, pos);
	*start = *end;
	if (m.arr == NULL)
		return NULL;
	sopen = s_open_string(code, pos);
	if (sopen >= 0) {
		*start = (int)mc_utf8_count(code, (size_t)sopen);
		s_complete_string(&m, in, code, pos, (size_t)sopen);
		return m.arr;
	}
	wstart = pos;
	while (wstart > 0 && s_ident(code[wstart - 1]))
		wstart--;
	if (wstart < pos && code[wstart] >= '0' && code[wstart] <= '9')
		return m.arr;   /* a number */
	*start = (int)mc_utf8_count(code, wstart);
	word = strndup(code + wstart, pos - wstart);
	if (word == NULL)
		return m.arr;
	m.prefix = word;
	m.plen = pos - wstart;
	s_complete_word(&m, in, code, wstart);
	free(word);
	return m.arr;
}

/* Help for the function a call is made to (a new value's help). */
static char *s_help_fn(mc_value *fn)
{
	char *text = fn != NULL ? mc_help_for_value(fn) : NULL;

	mc_unref(fn);
	return text;
}

char *mc_interp_inspect(mc_interp *in, const char *code, int cursor, int detail)
{
	size_t pos = mc_utf8_offset(code, strlen(code), cursor > 0 ? (size_t)cursor : 0), a, b;
	int has_call;
	char *text = NULL;

	(void)detail;
	a = pos;
	while (a > 0 && s_ident(code[a - 1]))
		a--;
	b = pos;
	while (code[b] != '\0' && s_ident(code[b]))
		b++;
	if (a == b || (code[a] >= '0' && code[a] <= '9'))
		/* not on a name: the function whose parentheses hold the cursor */
		return s_help_fn(s_enclosing_call(in, code, pos, NULL));
	if (a > 0 && code[a - 1] == '.') {
		size_t cs = s_chain_start(code, a - 1, &has_call);
		mc_value *base = s_eval_chain(in, code, cs, a - 1);
		char full[256];
		const mc_func_def *d;

		if (base == NULL)
			return NULL;
		snprintf(full, sizeof full, "%s.%.*s", mc_value_method_prefix(base), (int)(b - a), code + a);
		d = mc_registry_find(full);
		if (d != NULL) {
			text = mc_help_for_def(d);
		} else {
			mc_value *attr = s_eval_chain(in, code, cs, b);

			if (attr != NULL) {
				text = mc_help_for_value(attr);
				mc_unref(attr);
			}
		}
		mc_unref(base);
		return text;
	}
	{
		mc_value *v = s_named(in, code + a, b - a);

		if (v != NULL) {
			text = mc_help_for_value(v);
			mc_unref(v);
			return text;
		}
		/* an unknown name (a keyword being typed): the enclosing call */
		return s_help_fn(s_enclosing_call(in, code, a, NULL));
	}
}

/* The indentation (columns) of the last line of code[0..n) holding something. */
static int s_last_indent(const char *code, size_t n, size_t *line_start)
{
	size_t e = n, b;
	int w = 0;

	for (;;) {
		while (e > 0 && (code[e - 1] == '\n' || code[e - 1] == '\r'))
			e--;
		b = e;
		while (b > 0 && code[b - 1] != '\n')
			b--;
		if (b == e && b == 0)
			break;
		{
			size_t k = b;

			w = 0;
			while (k < e && (code[k] == ' ' || code[k] == '\t')) {
				w = code[k] == '\t' ? (w / 8 + 1) * 8 : w + 1;
				k++;
			}
			if (k < e && code[k] != '#')
				break;
		}
		if (b == 0)
			break;
		e = b - 1;
	}
	if (line_start != NULL)
		*line_start = b;
	return w;
}

static _Thread_local char s_indent_buf[MC_MAX_INDENT * 8 + 8];

static const char *s_indent(int w)
{
	if (w < 0)
		w = 0;
	if ((size_t)w >= sizeof s_indent_buf)
		w = (int)sizeof s_indent_buf - 1;
	memset(s_indent_buf, ' ', (size_t)w);
	s_indent_buf[w] = '\0';
	return s_indent_buf;
}

const char *mc_interp_is_complete(mc_interp *in, const char *code, const char **indent)
{
	mc_tokens toks;
	mc_syntax_error serr;
	mc_program prog;
	size_t n = strlen(code), k = n;
	int closed = 0, w, open, compound;

	(void)in;
	*indent = "";
	/* as IPython: code that ends with an empty line closes its blocks */
	while (k > 0 && (code[k - 1] == ' ' || code[k - 1] == '\t' || code[k - 1] == '\r'))
		k--;
	closed = k > 0 && code[k - 1] == '\n';
	while (n > 0 && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\n' || code[n - 1] == '\r'))
		n--;
	w = s_last_indent(code, n, NULL);
	if (n > 0 && code[n - 1] == '\\') {
		*indent = s_indent(w);
		return "incomplete";
	}
	if (mc_lex(&toks, code, &serr) != 0) {
		if (serr.incomplete) {
			*indent = s_indent(w);
			return "incomplete";
		}
		return "invalid";
	}
	open = toks.open_at_eof > 0;
	mc_tokens_free(&toks);
	if (open) {
		*indent = s_indent(w + 4);
		return "incomplete";
	}
	if (mc_parse(&prog, code, &serr) != 0) {
		if (serr.incomplete) {
			/* a block without its body yet: one level deeper than its opener */
			*indent = s_indent(w + 4);
			return "incomplete";
		}
		return "invalid";
	}
	compound = prog.n > 0 && (prog.stmts[prog.n - 1]->kind == MC_N_IF ||
	                          prog.stmts[prog.n - 1]->kind == MC_N_WHILE ||
	                          prog.stmts[prog.n - 1]->kind == MC_N_FOR ||
	                          prog.stmts[prog.n - 1]->kind == MC_N_DEF);
	mc_program_free(&prog);
	if (compound && !closed && w > 0) {
		/* inside a block: the next line stays at its indentation */
		*indent = s_indent(w);
		return "incomplete";
	}
	return "complete";
}
