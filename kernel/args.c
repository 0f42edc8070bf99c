/* This module implements the binding of call arguments to a function's
 * signature (positional, keyword, defaults, '*' keyword-only marker, *args,
 * **kwargs) and the typed mc_arg_* accessors of builtin.h. What a call shows
 * while it runs (progress, output, input) is in callio.c. */
#include "lang.h"
#include "lexer.h"
#include "parser.h"
#include "registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- did you mean ---- */

size_t mc_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *prev, *cur, d;

	if (la > 256 || lb > 256)
		return (size_t)-1;
	prev = malloc((lb + 1) * sizeof *prev);
	cur = malloc((lb + 1) * sizeof *cur);
	if (prev == NULL || cur == NULL) {
		free(prev);
		free(cur);
		return (size_t)-1;
	}
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		size_t *t;

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
	free(prev);
	free(cur);
	return d;
}

const char *mc_closest(const char *name, const char *const *cands, size_t n)
{
	size_t i, best = (size_t)-1, limit = strlen(name) / 3;
	const char *found = NULL;

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (i = 0; i < n; i++) {
		size_t d;

		if (cands[i] == NULL)
			continue;
		d = mc_edit_distance(name, cands[i]);
		if (strcasecmp(name, cands[i]) == 0)
			d = 0;
		if (d <= limit && d < best) {
			best = d;
			found = cands[i];
		}
	}
	return found;
}

/* ---- signatures ---- */

/* A literal default value from an expression tree. */
static mc_value *s_literal(const mc_node *n)
{
	mc_value *v;
	size_t i;

	switch (n->kind) {
	case MC_N_LITERAL:
		return mc_ref(n->lit);
	case MC_N_LIST:
	case MC_N_TUPLE:
		v = mc_list_new();
		for (i = 0; v != NULL && i < n->nkids; i++) {
			mc_value *item = s_literal(n->kids[i]);

			if (item == NULL || mc_list_append(v, item) != 0) {
				mc_unref(v);
				return NULL;
			}
		}
		return v;
	case MC_N_DICT:
		v = mc_dict_new();
		for (i = 0; v != NULL && i + 1 < n->nkids; i += 2) {
			mc_value *k = s_literal(n->kids[i]), *item = s_literal(n->kids[i + 1]);
			int rc = (k == NULL || item == NULL) ? -1 : mc_dict_set(v, k, item);

			if (k == NULL || item == NULL)
				mc_unref(item);
			mc_unref(k);
			if (rc != 0) {
				mc_unref(v);
				return NULL;
			}
		}
		return v;
	default:
		return NULL;
	}
}

void mc_signature_clear(mc_signature *sig)
{
	size_t i;

	if (sig == NULL)
		return;
	for (i = 0; i < sig->n; i++) {
		free(sig->params[i].name);
		mc_unref(sig->params[i].dflt);
	}
	free(sig->params);
	sig->params = NULL;
	sig->n = 0;
}

int mc_signature_parse(mc_signature *sig, const char *text, mc_error *err)
{
	mc_tokens toks = { 0 };
	mc_syntax_error serr;
	size_t i = 0;
	int kwonly = 0, rc = MC_ERR_PARSE;

	sig->params = NULL;
	sig->n = 0;
	if (text == NULL || text[0] == '\0')
		text = "()";
	if (mc_lex(&toks, text, &serr) != 0)
		return mc_error_set(err, MC_ERR_PARSE, "signature %s: column %d: %s", text, serr.col, serr.msg);
	if (toks.t[0].kind != MC_TK_OP || strcmp(toks.t[0].op, "(") != 0) {
		mc_error_set(err, MC_ERR_PARSE, "signature %s: expected '(' at column 1", text);
		goto cleanup;
	}
	i = 1;
	while (!(toks.t[i].kind == MC_TK_OP && strcmp(toks.t[i].op, ")") == 0)) {
		mc_param *p, *grown;
		const mc_token *t = &toks.t[i];

		grown = realloc(sig->params, (sig->n + 1) * sizeof *grown);
		if (grown == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory parsing a signature");
			goto cleanup;
		}
		sig->params = grown;
		p = &sig->params[sig->n];
		memset(p, 0, sizeof *p);
		p->kind = kwonly ? MC_PARAM_KWONLY : MC_PARAM_NORMAL;
		if (t->kind == MC_TK_OP && (strcmp(t->op, "*") == 0 || strcmp(t->op, "**") == 0)) {
			int two = t->op[1] == '*';

			i++;
			if (toks.t[i].kind != MC_TK_NAME) {
				if (two) {
					mc_error_set(err, MC_ERR_PARSE, "signature %s: column %d: expected a name after '**'",
					             text, toks.t[i].col);
					goto cleanup;
				}
				kwonly = 1;      /* bare '*' */
				goto next;
			}
			p->kind = two ? MC_PARAM_VARKW : MC_PARAM_VARARGS;
			if (!two)
				kwonly = 1;
			t = &toks.t[i];
		}
		if (t->kind != MC_TK_NAME) {
			mc_error_set(err, MC_ERR_PARSE, "signature %s: column %d: expected a parameter name",
			             text, t->col);
			goto cleanup;
		}
		if ((p->name = strdup(t->text)) == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory parsing a signature");
			goto cleanup;
		}
		sig->n++;
		i++;
		if (toks.t[i].kind == MC_TK_OP && strcmp(toks.t[i].op, "=") == 0) {
			size_t start, end, depth = 0;
			char *expr;
			mc_node *node = NULL;
			mc_syntax_error e2;

			i++;
			start = toks.t[i].offset;
			while (toks.t[i].kind != MC_TK_EOF) {
				const mc_token *u = &toks.t[i];

				if (u->kind == MC_TK_OP && strchr("([{", u->op[0]) != NULL && u->op[1] == '\0')
					depth++;
				else if (u->kind == MC_TK_OP && strchr(")]}", u->op[0]) != NULL && u->op[1] == '\0') {
					if (depth == 0)
						break;
					depth--;
				} else if (u->kind == MC_TK_OP && strcmp(u->op, ",") == 0 && depth == 0)
					break;
				i++;
			}
			end = toks.t[i].offset;
			expr = strndup(text + start, end - start);
			if (expr == NULL) {
				rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory parsing a signature");
				goto cleanup;
			}
			if (mc_parse_expr(&node, expr, &e2) != 0 || (p->dflt = s_literal(node)) == NULL) {
				mc_error_set(err, MC_ERR_PARSE,
				             "signature %s: default of '%s' must be a literal, got '%s'",
				             text, p->name, expr);
				free(expr);
				mc_node_free(node);
				goto cleanup;
			}
			free(expr);
			mc_node_free(node);
		}
next:
		if (toks.t[i].kind == MC_TK_OP && strcmp(toks.t[i].op, ",") == 0) {
			i++;
			continue;
		}
		if (!(toks.t[i].kind == MC_TK_OP && strcmp(toks.t[i].op, ")") == 0)) {
			mc_error_set(err, MC_ERR_PARSE, "signature %s: column %d: expected ',' or ')'",
			             text, toks.t[i].col);
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	mc_tokens_free(&toks);
	if (rc != 0)
		mc_signature_clear(sig);
	return rc;
}

char *mc_signature_pretty(const char *sig)
{
	size_t n, i = 0, o = 0;
	char *out;

	if (sig == NULL)
		sig = "()";
	n = strlen(sig);
	out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	while (i < n) {
		char c = sig[i];

		if (c == '"' || c == '\'') {
			char q = c;

			out[o++] = sig[i++];
			while (i < n && sig[i] != q) {
				if (sig[i] == '\\' && i + 1 < n)
					out[o++] = sig[i++];
				out[o++] = sig[i++];
			}
			if (i < n)
				out[o++] = sig[i++];
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
			size_t a = i;

			while (i < n && ((sig[i] >= 'a' && sig[i] <= 'z') || (sig[i] >= 'A' && sig[i] <= 'Z') ||
			                 (sig[i] >= '0' && sig[i] <= '9') || sig[i] == '_'))
				i++;
			memcpy(out + o, sig + a, i - a);
			if ((i - a == 4 && (memcmp(sig + a, "none", 4) == 0 || memcmp(sig + a, "true", 4) == 0)) ||
			    (i - a == 5 && memcmp(sig + a, "false", 5) == 0))
				out[o] = (char)(out[o] - 'a' + 'A');
			o += i - a;
			continue;
		}
		out[o++] = sig[i++];
	}
	out[o] = '\0';
	return out;
}

/* Parsed signatures of table entries, by entry: a table entry's signature
 * is parsed on its first call only. An entry at an address that now holds
 * another signature (a test's entry on the stack) is parsed again; the old
 * parse is kept, so a call still using it stays valid. */
typedef struct s_sig_entry {
	const mc_func_def *def;
	char *text;
	mc_signature sig;
	struct s_sig_entry *next;
} s_sig_entry;

#define S_SIG_BUCKETS 1024
static s_sig_entry *s_sig_cache[S_SIG_BUCKETS];

const mc_signature *mc_signature_of(const mc_func_def *def, mc_error *err)
{
	size_t b = ((uintptr_t)def >> 4) % S_SIG_BUCKETS;
	const char *text = def->signature != NULL ? def->signature : "()";
	s_sig_entry *e;

	for (e = s_sig_cache[b]; e != NULL; e = e->next)
		if (e->def == def && strcmp(e->text, text) == 0)
			return &e->sig;
	e = calloc(1, sizeof *e);
	if (e == NULL || (e->text = strdup(text)) == NULL) {
		free(e);
		mc_error_set(err, MC_ERR_NOMEM, "out of memory calling %s()", def->name);
		return NULL;
	}
	if (mc_signature_parse(&e->sig, text, err) != 0) {
		free(e->text);
		free(e);
		mc_error_prefix(err, "%s: bad table entry", def->name);
		return NULL;
	}
	e->def = def;
	e->next = s_sig_cache[b];
	s_sig_cache[b] = e;
	return &e->sig;
}

/* ---- binding ---- */

void mc_call_clear(mc_call *call)
{
	size_t i;

	if (call == NULL)
		return;
	for (i = 0; i < call->sig.n && call->vals != NULL; i++)
		mc_unref(call->vals[i]);
	free(call->vals);
	free(call->given);
	memset(call, 0, sizeof *call);
}

static long s_param_index(const mc_signature *sig, const char *name)
{
	size_t i;

	for (i = 0; i < sig->n; i++)
		if ((sig->params[i].kind == MC_PARAM_NORMAL || sig->params[i].kind == MC_PARAM_KWONLY) &&
		    strcmp(sig->params[i].name, name) == 0)
			return (long)i;
	return -1;
}

static void s_release_vals(const mc_signature *sig, mc_value **vals)
{
	size_t i;

	for (i = 0; i < sig->n; i++) {
		mc_unref(vals[i]);
		vals[i] = NULL;
	}
}

int mc_bind_args(const mc_signature *sig, const char *fname, const char *sigtext,
                 const mc_callarg *args, size_t nargs, mc_value **vals,
                 unsigned char *given, int *bad_arg, mc_error *err)
{
	size_t i, npos = 0, k;
	long varargs = -1, varkw = -1;
	int rc;
	char missing[512] = "";
	size_t nmissing = 0;

	*bad_arg = -1;
	for (i = 0; i < sig->n; i++) {
		vals[i] = NULL;
		given[i] = 0;
	}
	for (i = 0; i < sig->n; i++) {
		if (sig->params[i].kind == MC_PARAM_VARARGS) {
			varargs = (long)i;
			vals[i] = mc_list_new();
		} else if (sig->params[i].kind == MC_PARAM_VARKW) {
			varkw = (long)i;
			vals[i] = mc_dict_new();
		} else if (sig->params[i].kind == MC_PARAM_NORMAL) {
			npos++;
		}
		if ((sig->params[i].kind == MC_PARAM_VARARGS || sig->params[i].kind == MC_PARAM_VARKW) &&
		    vals[i] == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory calling %s()", fname);
			goto fail;
		}
	}
	k = 0;   /* next positional parameter */
	for (i = 0; i < nargs; i++) {
		long idx;

		if (args[i].name == NULL) {
			while (k < sig->n && sig->params[k].kind != MC_PARAM_NORMAL)
				k++;
			if (k < sig->n) {
				vals[k] = mc_ref(args[i].value);
				given[k] = 1;
				k++;
				continue;
			}
			if (varargs >= 0) {
				if (mc_list_append(vals[varargs], mc_ref(args[i].value)) != 0) {
					rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory calling %s()", fname);
					goto fail;
				}
				given[varargs] = 1;
				continue;
			}
			*bad_arg = (int)i;
			{
				size_t ngiven = 0, j;

				for (j = 0; j < nargs; j++)
					ngiven += args[j].name == NULL;
				rc = mc_error_set(err, MC_ERR_TYPE, "%s() takes %zu positional argument%s but %zu %s given",
				                  fname, npos, npos == 1 ? "" : "s", ngiven,
				                  ngiven == 1 ? "was" : "were");
			}
			goto fail;
		}
		idx = s_param_index(sig, args[i].name);
		if (idx < 0) {
			const char **names;
			const char *near;

			if (varkw >= 0) {
				if (mc_dict_get(vals[varkw], args[i].name) != NULL) {
					*bad_arg = (int)i;
					rc = mc_error_set(err, MC_ERR_TYPE, "%s() got multiple values for argument '%s'",
					                  fname, args[i].name);
					goto fail;
				}
				if (mc_dict_set_str(vals[varkw], args[i].name, mc_ref(args[i].value)) != 0) {
					rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory calling %s()", fname);
					goto fail;
				}
				given[varkw] = 1;
				continue;
			}
			*bad_arg = (int)i;
			names = calloc(sig->n + 1, sizeof *names);
			for (k = 0; names != NULL && k < sig->n; k++)
				if (sig->params[k].kind == MC_PARAM_NORMAL || sig->params[k].kind == MC_PARAM_KWONLY)
					names[k] = sig->params[k].name;
			near = names != NULL ? mc_closest(args[i].name, names, sig->n) : NULL;
			if (near != NULL)
				rc = mc_error_set(err, MC_ERR_TYPE,
				                  "%s() got an unexpected keyword argument '%s'; did you mean '%s'?",
				                  fname, args[i].name, near);
			else {
				char *pretty = mc_signature_pretty(sigtext);

				rc = mc_error_set(err, MC_ERR_TYPE,
				                  "%s() got an unexpected keyword argument '%s'; its parameters are %s",
				                  fname, args[i].name, pretty != NULL ? pretty : "()");
				free(pretty);
			}
			free(names);
			goto fail;
		}
		if (given[idx]) {
			*bad_arg = (int)i;
			rc = mc_error_set(err, MC_ERR_TYPE, "%s() got multiple values for argument '%s'",
			                  fname, args[i].name);
			goto fail;
		}
		vals[idx] = mc_ref(args[i].value);
		given[idx] = 1;
	}
	for (i = 0; i < sig->n; i++) {
		const mc_param *p = &sig->params[i];

		if (vals[i] != NULL)
			continue;
		if (p->dflt != NULL) {
			vals[i] = mc_ref(p->dflt);
			continue;
		}
		nmissing++;
		if (strlen(missing) + strlen(p->name) + 8 < sizeof missing) {
			if (missing[0] != '\0')
				strcat(missing, ", ");
			strcat(missing, "'");
			strcat(missing, p->name);
			strcat(missing, "'");
		}
	}
	if (nmissing > 0) {
		char *pretty = mc_signature_pretty(sigtext);

		rc = mc_error_set(err, MC_ERR_TYPE, "%s() missing %zu required argument%s: %s (signature %s%s)",
		                  fname, nmissing, nmissing == 1 ? "" : "s", missing,
		                  fname, pretty != NULL ? pretty : "()");
		free(pretty);
		goto fail;
	}
	return 0;
fail:
	s_release_vals(sig, vals);
	return rc;
}

int mc_call_bind(mc_call *call, const mc_func_def *def, mc_value *self,
                 const mc_callarg *args, size_t nargs, int *bad_arg, mc_error *err)
{
	const mc_signature *sig;
	const mc_area *area;
	int rc;
	size_t i;

	memset(call, 0, sizeof *call);
	*bad_arg = -1;
	sig = mc_signature_of(def, err);
	if (sig == NULL)
		return err->code;
	call->def = def;
	call->self = self;
	call->sig = *sig;
	call->vals = calloc(sig->n + 1, sizeof *call->vals);
	call->given = calloc(sig->n + 1, 1);
	if (call->vals == NULL || call->given == NULL) {
		mc_call_clear(call);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory calling %s()", def->name);
	}
	rc = mc_bind_args(sig, def->name, def->signature, args, nargs, call->vals, call->given,
	                  bad_arg, err);
	if (rc != 0) {
		mc_call_clear(call);
		return rc;
	}
	/* most areas take lists: a range becomes one */
	area = mc_registry_area(def);
	if (area == NULL || !area->keeps_ranges)
		for (i = 0; i < sig->n; i++)
			if (mc_type(call->vals[i]) == MC_T_RANGE) {
				mc_value *l = NULL;

				rc = mc_value_items(&l, call->vals[i], NULL, NULL, def->name, err);
				if (rc != 0) {
					mc_call_clear(call);
					return rc;
				}
				mc_unref(call->vals[i]);
				call->vals[i] = l;
			}
	return 0;
}

int mc_call_def(const mc_func_def *def, mc_value *self, const mc_callarg *args, size_t nargs,
                const mc_io *io, mc_interp *in, void *ctx, mc_value **out, int *bad_arg,
                mc_error *err)
{
	mc_call call;
	int rc;

	*out = NULL;
	rc = mc_call_bind(&call, def, self, args, nargs, bad_arg, err);
	if (rc != 0)
		return rc;
	call.io = io;
	call.interp = in;
	call.ctx = ctx;
	rc = def->fn != NULL ? def->fn(&call, out, err) :
		mc_error_set(err, MC_ERR_STATE, "%s(): the function table gives it no C "
		             "function (a defect of the build; please report it)", def->name);
	mc_call_finish_progress(&call, rc);
	mc_call_clear(&call);
	if (rc != 0) {
		mc_unref(*out);
		*out = NULL;
		if (err->code == MC_OK)
			mc_error_set(err, rc, "%s() failed", def->name);
		return err->code;
	}
	if (*out == NULL && (*out = mc_none()) == NULL)
		return mc_error_nomem(err);
	return 0;
}

const mc_func_def *mc_special_method(const mc_value *v, const char *name)
{
	char full[256];

	snprintf(full, sizeof full, "%s.%s", mc_value_method_prefix(v), name);
	return mc_registry_find(full);
}

/* ---- accessors ---- */

mc_value *mc_arg(mc_call *call, const char *name)
{
	size_t i;

	for (i = 0; i < call->sig.n; i++)
		if (strcmp(call->sig.params[i].name, name) == 0)
			return call->vals[i];
	return NULL;
}

int mc_arg_given(mc_call *call, const char *name)
{
	size_t i;

	for (i = 0; i < call->sig.n; i++)
		if (strcmp(call->sig.params[i].name, name) == 0)
			return call->given[i];
	return 0;
}

static int s_wrong(mc_call *call, const char *name, const char *want, const mc_value *v, mc_error *err)
{
	if (v == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): internal error: no parameter '%s' in %s",
		                    call->def->name, name, call->def->signature ? call->def->signature : "()");
	return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be %s, got %s", call->def->name, name, want,
	                    mc_type_name(v));
}

int mc_arg_int(mc_call *call, const char *name, int64_t *out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (mc_type(v) != MC_T_INT || v == NULL)
		return s_wrong(call, name, "int", v, err);
	*out = mc_as_int(v);
	return 0;
}

int mc_arg_float(mc_call *call, const char *name, double *out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (v == NULL || (mc_type(v) != MC_T_INT && mc_type(v) != MC_T_FLOAT))
		return s_wrong(call, name, "a number", v, err);
	*out = mc_as_float(v);
	return 0;
}

int mc_arg_bool(mc_call *call, const char *name, int *out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (v == NULL || (mc_type(v) != MC_T_BOOL && mc_type(v) != MC_T_INT))
		return s_wrong(call, name, "true or false", v, err);
	*out = mc_as_bool(v);
	return 0;
}

/* The C string of a str argument: paths, names and methods end at the
 * first NUL in C, so a str holding one is refused (Python: "embedded null
 * byte") rather than cut short. */
static int s_c_string(mc_call *call, const char *name, const mc_value *v, const char **out,
                      mc_error *err)
{
	const char *s = mc_as_str(v);
	size_t n = mc_str_len(v), at = strlen(s);

	if (at < n)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): %s holds a NUL character (\\0) at "
		                    "byte %zu; expected text without NUL", call->def->name, name, at);
	*out = s;
	return 0;
}

int mc_arg_str(mc_call *call, const char *name, const char **out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (v == NULL || mc_type(v) != MC_T_STR)
		return s_wrong(call, name, "str", v, err);
	return s_c_string(call, name, v, out, err);
}

int mc_arg_int_opt(mc_call *call, const char *name, int64_t *out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (v != NULL && mc_type(v) == MC_T_NONE)
		return 1;
	if (v == NULL || mc_type(v) != MC_T_INT)
		return s_wrong(call, name, "int or none", v, err);
	*out = mc_as_int(v);
	return 0;
}

int mc_arg_str_opt(mc_call *call, const char *name, const char **out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (v != NULL && mc_type(v) == MC_T_NONE)
		return 1;
	if (v == NULL || mc_type(v) != MC_T_STR)
		return s_wrong(call, name, "str or none", v, err);
	return s_c_string(call, name, v, out, err);
}

int mc_arg_obj(mc_call *call, const char *name, const mc_class *cls, void **out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	if (v == NULL || mc_object_class(v) != cls)
		return s_wrong(call, name, cls != NULL && cls->name != NULL ? cls->name : "an object", v, err);
	*out = mc_object_ptr(v);
	return 0;
}

int mc_arg_numbers(mc_call *call, const char *name, double **out, size_t *n, int optional,
                   int scalar_ok, mc_error *err)
{
	mc_value *v = mc_arg(call, name);
	double *d;
	size_t m;

	*out = NULL;
	*n = 0;
	if (v == NULL || mc_type(v) == MC_T_NONE) {
		if (optional)
			return 0;
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s is required", call->def->name, name);
	}
	if (scalar_ok && (mc_type(v) == MC_T_INT || mc_type(v) == MC_T_FLOAT)) {
		m = 1;
		d = malloc(sizeof *d);
		if (d != NULL)
			d[0] = mc_as_float(v);
	} else if (mc_type(v) == MC_T_ARRAY && mc_array_cols(v) == 0) {
		m = mc_array_rows(v);
		d = malloc((m ? m : 1) * sizeof *d);
		for (size_t i = 0; d != NULL && i < m; i++)
			d[i] = mc_array_at(v, i);
	} else if (mc_type(v) == MC_T_LIST) {
		m = mc_list_len(v);
		d = malloc((m ? m : 1) * sizeof *d);
		for (size_t i = 0; d != NULL && i < m; i++) {
			mc_value *it = mc_list_get(v, i);
			if (mc_type(it) != MC_T_INT && mc_type(it) != MC_T_FLOAT &&
			    mc_type(it) != MC_T_BOOL) {
				free(d);
				return mc_error_set(err, MC_ERR_TYPE, "%s(): %s[%zu] must be a number, got "
				                    "%s", call->def->name, name, i, mc_type_name(it));
			}
			d[i] = mc_as_float(it);
		}
	} else {
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a 1-D array or a list, got %s",
		                    call->def->name, name,
		                    mc_type(v) == MC_T_ARRAY ? "a 2-D array" : mc_type_name(v));
	}
	if (d == NULL)
		return mc_error_nomem(err);
	*out = d;
	*n = m;
	return 0;
}

int mc_arg_labels(mc_call *call, const char *name, int64_t **out, size_t *n, mc_error *err)
{
	double *d = NULL;
	int64_t *y;
	int rc;

	*out = NULL;
	rc = mc_arg_numbers(call, name, &d, n, 0, 0, err);
	if (rc != 0)
		return rc;
	y = malloc((*n > 0 ? *n : 1) * sizeof *y);
	if (y == NULL) {
		free(d);
		return mc_error_nomem(err);
	}
	for (size_t i = 0; i < *n; i++) {
		if (!(d[i] >= 0.0) || d[i] != floor(d[i]) || d[i] > 1e15) {
			rc = mc_error_set(err, MC_ERR_INVALID,
			                  "%s(): %s[%zu] is %g; labels must be class indices 0, 1, 2, ...",
			                  call->def->name, name, i, d[i]);
			free(d);
			free(y);
			return rc;
		}
		y[i] = (int64_t)d[i];
	}
	free(d);
	*out = y;
	return 0;
}

mc_value *mc_call_self(mc_call *call) { return call->self; }
void *mc_call_self_ptr(mc_call *call) { return mc_object_ptr(call->self); }
const char *mc_call_name(mc_call *call) { return call->def->name; }
mc_interp *mc_call_interp(mc_call *call) { return call->interp; }
