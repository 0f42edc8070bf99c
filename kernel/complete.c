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

/* Offers the names code[0..pos) defines: assignments, loop variables,
 * functions and their parameters (so completion works inside a block
 * before the cell ran). */
static void s_offer_cell_names(s_matches *m, const char *code, size_t pos)
{
	size_t i = 0;
	int after_for = 0, in_params = 0, depth = 0, lambda = 0;

	while (i < pos) {
		char c = code[i];

		if (c == '#') {
			while (i < pos && code[i] != '\n')
				i++;
			continue;
		}
		if (c == '"' || c == '\'') {
			char q = c;

			i++;
			while (i < pos && code[i] != q && code[i] != '\n') {
				if (code[i] == '\\')
					i++;
				i++;
			}
			i++;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			depth++;
			i++;
			continue;
		}
		if (c == ')' || c == ']' || c == '}') {
			if (depth > 0)
				depth--;
			if (in_params && depth < in_params)
				in_params = 0;
			i++;
			continue;
		}
		if (c == ':' && lambda) {
			lambda = 0;
			i++;
			continue;
		}
		if (s_ident(c) && !(c >= '0' && c <= '9')) {
			size_t a = i, k;
			char name[128];

			while (i < pos && s_ident(code[i]))
				i++;
			if (i == pos)
				break;   /* the word being typed */
			snprintf(name, sizeof name, "%.*s", (int)(i - a), code + a);
			if (strcmp(name, "for") == 0) {
				after_for = 1;
				continue;
			}
			if (strcmp(name, "in") == 0) {
				after_for = 0;
				continue;
			}
			if (strcmp(name, "lambda") == 0) {
				lambda = 1;
				continue;
			}
			if (strcmp(name, "def") == 0) {
				k = i;
				while (k < pos && (code[k] == ' ' || code[k] == '\t'))
					k++;
				a = k;
				while (k < pos && s_ident(code[k]))
					k++;
				if (k > a && k < pos) {
					snprintf(name, sizeof name, "%.*s", (int)(k - a), code + a);
					s_offer(m, name, NULL);
				}
				while (k < pos && (code[k] == ' ' || code[k] == '\t'))
					k++;
				if (k < pos && code[k] == '(') {
					depth++;
					in_params = depth;
					k++;
				}
				i = k;
				continue;
			}
			if (s_is_keyword(name, strlen(name)) || (a > 0 && code[a - 1] == '.'))
				continue;
			k = i;
			while (k < pos && (code[k] == ' ' || code[k] == '\t'))
				k++;
			if (after_for || lambda ||
			    (in_params && depth == in_params && k < pos && strchr(",=):", code[k]) != NULL) ||
			    (k < pos && ((code[k] == '=' && (k + 1 >= pos || code[k + 1] != '=')) ||
			                 (code[k] == ',' && depth == 0) || (k + 1 < pos && code[k + 1] == '=' &&
			                                                    strchr("+-*/%", code[k]) != NULL))))
				s_offer(m, name, NULL);
			continue;
		}
		i++;
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

json_t *mc_interp_complete(mc_interp *in, const char *code, int cursor, int *start, int *end)
{
	size_t pos = mc_utf8_offset(code, strlen(code), cursor > 0 ? (size_t)cursor : 0), wstart;
	long sopen;
	s_matches m;
	size_t i, t;
	const mc_func_def *d;

	m.arr = json_array();
	*end = (int)mc_utf8_count(code, pos);
	*start = *end;
	if (m.arr == NULL)
		return NULL;
	sopen = s_open_string(code, pos);
	if (sopen >= 0) {
		char *typed = strndup(code + sopen, pos - (size_t)sopen);
		const char *strs[256];
		size_t q = (size_t)sopen - 1;   /* the opening quote */
		mc_value *base = NULL, *fn;

		if (typed == NULL)
			return m.arr;
		m.prefix = typed;
		m.plen = strlen(typed);
		*start = (int)mc_utf8_count(code, (size_t)sopen);
		while (q > 0 && (code[q - 1] == '"' || code[q - 1] == '\''))
			q--;
		while (q > 0 && (code[q - 1] == ' ' || code[q - 1] == 'r' || code[q - 1] == 'f'))
			q--;
		/* d["k: the keys of the dict d, and nothing else */
		if (q > 0 && code[q - 1] == '[') {
			int has_call;
			size_t cs = s_chain_start(code, q - 1, &has_call);
			mc_value *d = s_eval_chain(in, code, cs, q - 1);

			for (i = 0; mc_type(d) == MC_T_DICT && i < mc_dict_len(d); i++)
				if (mc_type(mc_dict_key(d, i)) == MC_T_STR)
					s_offer(&m, mc_as_str(mc_dict_key(d, i)), NULL);
			mc_unref(d);
			free(typed);
			return m.arr;
		}
		/* obj.method("k: the strings obj knows (class names), and nothing else */
		fn = q > 0 && code[q - 1] == '(' ? s_enclosing_call(in, code, q, &base) : NULL;
		if (base != NULL && mc_object_class(base) != NULL && mc_object_class(base)->strings != NULL) {
			size_t n = mc_object_class(base)->strings(mc_object_ptr(base), strs, sizeof strs / sizeof strs[0]), k;

			for (k = 0; k < n && k < sizeof strs / sizeof strs[0]; k++)
				s_offer(&m, strs[k], NULL);
			mc_unref(base);
			mc_unref(fn);
			free(typed);
			return m.arr;
		}
		mc_unref(base);
		mc_unref(fn);
		/* strings known to the objects in scope (class names, ...) */
		{
			mc_value *names = mc_interp_var_names(in);

			for (i = 0; i < mc_list_len(names); i++) {
				mc_value *v = mc_interp_get_var(in, mc_as_str(mc_list_get(names, i)));
				const mc_class *cls = mc_object_class(v);
				size_t n, k;

				if (cls == NULL || cls->strings == NULL)
					continue;
				n = cls->strings(mc_object_ptr(v), strs, sizeof strs / sizeof strs[0]);
				for (k = 0; k < n && k < sizeof strs / sizeof strs[0]; k++)
					s_offer(&m, strs[k], NULL);
			}
			mc_unref(names);
		}
		s_offer_paths(&m, typed);
		free(typed);
		return m.arr;
	}
	wstart = pos;
	while (wstart > 0 && s_ident(code[wstart - 1]))
		wstart--;
	if (wstart < pos && code[wstart] >= '0' && code[wstart] <= '9')
		return m.arr;   /* a number */
	m.prefix = code + wstart;
	m.plen = pos - wstart;
	*start = (int)mc_utf8_count(code, wstart);
	{
		char *p = strndup(code + wstart, pos - wstart);

		if (p == NULL)
			return m.arr;
		m.prefix = p;
	}
	if (wstart > 0 && code[wstart - 1] == '.') {
		int has_call;
		size_t cs = s_chain_start(code, wstart - 1, &has_call);
		mc_value *base = s_eval_chain(in, code, cs, wstart - 1);

		if (base != NULL) {
			mc_value *names = mc_value_dir(base);

			for (i = 0; i < mc_list_len(names); i++)
				s_offer(&m, mc_as_str(mc_list_get(names, i)), NULL);
			mc_unref(names);
			mc_unref(base);
		}
		free((char *)m.prefix);
		return m.arr;
	}
	{
		mc_value *fn = s_enclosing_call(in, code, wstart, NULL);

		if (fn != NULL)
			s_offer_params(&m, fn);
		mc_unref(fn);
	}
	s_offer_cell_names(&m, code, wstart);
	{
		mc_value *names = mc_interp_var_names(in);

		for (i = 0; i < mc_list_len(names); i++)
			s_offer(&m, mc_as_str(mc_list_get(names, i)), NULL);
		mc_unref(names);
	}
	for (t = 0; mc_registry[t].title != NULL; t++)
		for (d = mc_registry[t].funcs; d->name != NULL; d++)
			if (strchr(d->name, '.') == NULL)
				s_offer(&m, d->name, NULL);
	if (m.plen > 0) {
		static const char *const kws[] = { "True", "False", "None", "and", "or", "not", "in", "is",
		                                   "if", "elif", "else", "for", "while", "def", "return",
		                                   "lambda", "break", "continue", "pass", "del", "global",
		                                   "nonlocal", "assert", NULL };

		for (i = 0; kws[i] != NULL; i++)
			s_offer(&m, kws[i], NULL);
	}
	free((char *)m.prefix);
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
