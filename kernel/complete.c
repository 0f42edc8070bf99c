/* This module implements completion, inspection (Shift-Tab) and the
 * is_complete check of the command language (interp.h). Everything offered
 * comes from the session's variables and the function table. Cursor
 * positions are Unicode code points. */
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

/* The function called by the innermost open '(' before pos, or NULL. */
static const mc_func_def *s_enclosing_call(mc_interp *in, const char *code, size_t pos,
                                           size_t *open_at)
{
	long i;
	int depth = 0;

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
	if (open_at != NULL)
		*open_at = (size_t)i;
	{
		size_t end = (size_t)i, start, dot;
		int has_call;
		const mc_func_def *d = NULL;

		while (end > 0 && (code[end - 1] == ' ' || code[end - 1] == '\t'))
			end--;
		start = s_chain_start(code, end, &has_call);
		if (start >= end)
			return NULL;
		dot = end;
		while (dot > start && code[dot - 1] != '.')
			dot--;
		if (dot > start) {
			mc_value *base = s_eval_chain(in, code, start, dot - 1);
			char full[256];

			if (base != NULL) {
				snprintf(full, sizeof full, "%s.%.*s", mc_value_method_prefix(base),
				         (int)(end - dot), code + dot);
				d = mc_registry_find(full);
				mc_unref(base);
			}
		} else {
			char name[128];
			mc_value *var;

			snprintf(name, sizeof name, "%.*s", (int)(end - start), code + start);
			var = mc_interp_get_var(in, name);
			if (var != NULL)
				d = mc_func_def_of(var);
			else if (strchr(name, '.') == NULL)
				d = mc_registry_find(name);
		}
		return d;
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
	size_t pos = mc_utf8_offset(code, cursor > 0 ? (size_t)cursor : 0), wstart;
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

		if (typed == NULL)
			return m.arr;
		m.prefix = typed;
		m.plen = strlen(typed);
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
		/* d["k : the string keys of the dict d */
		{
			size_t q = (size_t)sopen - 1;   /* the opening quote */

			while (q > 0 && (code[q - 1] == '"' || code[q - 1] == '\''))
				q--;
			while (q > 0 && (code[q - 1] == ' ' || code[q - 1] == 'r'))
				q--;
			if (q > 0 && code[q - 1] == '[') {
				int has_call;
				size_t cs = s_chain_start(code, q - 1, &has_call);
				mc_value *d = s_eval_chain(in, code, cs, q - 1);

				for (i = 0; mc_type(d) == MC_T_DICT && i < mc_dict_len(d); i++)
					if (mc_type(mc_dict_key(d, i)) == MC_T_STR)
						s_offer(&m, mc_as_str(mc_dict_key(d, i)), NULL);
				mc_unref(d);
			}
		}
		s_offer_paths(&m, typed);
		*start = (int)mc_utf8_count(code, (size_t)sopen);
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
	d = s_enclosing_call(in, code, wstart, NULL);
	if (d != NULL) {
		mc_signature sig;
		mc_error err;

		mc_error_clear(&err);
		if (mc_signature_parse(&sig, d->signature, &err) == 0) {
			for (i = 0; i < sig.n; i++)
				if (sig.params[i].kind == MC_PARAM_NORMAL || sig.params[i].kind == MC_PARAM_KWONLY)
					s_offer(&m, sig.params[i].name, "=");
			mc_signature_clear(&sig);
		}
	}
	{
		mc_value *names = mc_interp_var_names(in);

		for (i = 0; i < mc_list_len(names); i++)
			s_offer(&m, mc_as_str(mc_list_get(names, i)), NULL);
		mc_unref(names);
	}
	for (t = 0; mc_registry_tables[t] != NULL; t++)
		for (d = mc_registry_tables[t]; d->name != NULL; d++)
			if (strchr(d->name, '.') == NULL)
				s_offer(&m, d->name, NULL);
	if (m.plen > 0) {
		static const char *const kws[] = { "true", "false", "none", "True", "False", "None",
		                                   "and", "or", "not", "in", "is", NULL };

		for (i = 0; kws[i] != NULL; i++)
			s_offer(&m, kws[i], NULL);
	}
	free((char *)m.prefix);
	return m.arr;
}

char *mc_interp_inspect(mc_interp *in, const char *code, int cursor, int detail)
{
	size_t pos = mc_utf8_offset(code, cursor > 0 ? (size_t)cursor : 0), a, b;
	int has_call;
	char *text = NULL;

	(void)detail;
	a = pos;
	while (a > 0 && s_ident(code[a - 1]))
		a--;
	b = pos;
	while (code[b] != '\0' && s_ident(code[b]))
		b++;
	if (a == b || (code[a] >= '0' && code[a] <= '9')) {
		/* not on a name: the function whose parentheses hold the cursor */
		const mc_func_def *d = s_enclosing_call(in, code, pos, NULL);

		return d != NULL ? mc_help_for_def(d) : NULL;
	}
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
		char name[256];
		mc_value *v;
		const mc_func_def *d;

		snprintf(name, sizeof name, "%.*s", (int)(b - a), code + a);
		v = mc_interp_get_var(in, name);
		if (v != NULL)
			return mc_help_for_value(v);
		d = mc_registry_find(name);
		if (d != NULL)
			return mc_help_for_def(d);
		/* an unknown name (a keyword being typed): the enclosing call */
		d = s_enclosing_call(in, code, a, NULL);
		if (d != NULL)
			return mc_help_for_def(d);
	}
	return NULL;
}

const char *mc_interp_is_complete(mc_interp *in, const char *code, const char **indent)
{
	mc_tokens toks;
	mc_syntax_error serr;
	mc_program prog;
	size_t n = strlen(code);

	(void)in;
	*indent = "";
	while (n > 0 && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\n' || code[n - 1] == '\r'))
		n--;
	if (n > 0 && code[n - 1] == '\\')
		return "incomplete";
	if (mc_lex(&toks, code, &serr) != 0) {
		if (serr.incomplete) {
			*indent = "";
			return "incomplete";
		}
		return "invalid";
	}
	if (toks.open_at_eof > 0) {
		mc_tokens_free(&toks);
		*indent = "    ";
		return "incomplete";
	}
	mc_tokens_free(&toks);
	if (mc_parse(&prog, code, &serr) != 0)
		return "invalid";
	mc_program_free(&prog);
	return "complete";
}
