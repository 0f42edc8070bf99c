/* This module implements the parser of the command language (parser.h):
 * recursive descent over the tokens, with messages that say what was
 * expected and where. */
#include "parser.h"
#include "maskclean/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct s_parser {
	mc_tokens toks;
	size_t pos;
	mc_syntax_error *serr;
	int failed;
	int depth;   /* nesting of expressions, bounded to protect the stack */
} s_parser;

#define S_MAX_DEPTH 200

static mc_node *s_expr(s_parser *p);
static mc_node *s_exprlist(s_parser *p, int *was_tuple);

static const mc_token *s_tok(const s_parser *p) { return &p->toks.t[p->pos]; }
static const mc_token *s_next(s_parser *p)
{
	const mc_token *t = &p->toks.t[p->pos];

	if (t->kind != MC_TK_EOF)
		p->pos++;
	return t;
}

static int s_is_op(const s_parser *p, const char *op)
{
	const mc_token *t = s_tok(p);

	return t->kind == MC_TK_OP && strcmp(t->op, op) == 0;
}

static int s_is_kw(const s_parser *p, const char *kw)
{
	const mc_token *t = s_tok(p);

	return t->kind == MC_TK_NAME && strcmp(t->text, kw) == 0;
}

static void s_fail_at(s_parser *p, const mc_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void s_fail_at(s_parser *p, const mc_token *t, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	p->serr->line = t->line;
	p->serr->col = t->col;
	p->serr->incomplete = t->kind == MC_TK_EOF && p->toks.open_at_eof > 0;
	va_start(ap, fmt);
	vsnprintf(p->serr->msg, sizeof p->serr->msg, fmt, ap);
	va_end(ap);
}

static mc_node *s_node(s_parser *p, mc_node_kind kind, const mc_token *at)
{
	mc_node *n = calloc(1, sizeof *n);

	if (n == NULL) {
		s_fail_at(p, at, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = at->line;
	n->col = at->col;
	return n;
}

void mc_node_free(mc_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		mc_node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	mc_unref(n->lit);
	free(n);
}

/* Appends kid (may be NULL for slices) to n; on failure frees kid. */
static int s_add(s_parser *p, mc_node *n, mc_node *kid)
{
	mc_node **k = realloc(n->kids, (n->nkids + 1) * sizeof *k);

	if (k == NULL) {
		mc_node_free(kid);
		s_fail_at(p, s_tok(p), "out of memory");
		return -1;
	}
	n->kids = k;
	n->kids[n->nkids++] = kid;
	return 0;
}

static mc_node *s_binary(s_parser *p, mc_node_kind kind, const char *op, const mc_token *at,
                         mc_node *l, mc_node *r)
{
	mc_node *n;

	if (l == NULL || r == NULL) {
		mc_node_free(l);
		mc_node_free(r);
		return NULL;
	}
	n = s_node(p, kind, at);
	if (n == NULL || s_add(p, n, l) != 0) {
		if (n == NULL)
			mc_node_free(l);
		mc_node_free(r);
		mc_node_free(n);
		return NULL;
	}
	if (s_add(p, n, r) != 0) {
		mc_node_free(n);
		return NULL;
	}
	snprintf(n->op, sizeof n->op, "%s", op);
	return n;
}

static void s_describe(const mc_token *t, char *buf, size_t n)
{
	mc_token_describe(t, buf, n);
}

/* Expects the closing bracket close for open at *open. */
static int s_close(s_parser *p, const char *close, const mc_token *open, const char *also)
{
	char found[96];

	if (s_is_op(p, close)) {
		s_next(p);
		return 0;
	}
	s_describe(s_tok(p), found, sizeof found);
	s_fail_at(p, s_tok(p), "expected %s'%s' to close '%s' opened at line %d, column %d, found %s",
	          also, close, open->op, open->line, open->col, found);
	return -1;
}

static const char *const s_unsupported[] = {
	"if", "else", "elif", "for", "while", "def", "class", "import", "from",
	"return", "lambda", "with", "try", "except", "del", "global", "yield", NULL
};

static mc_node *s_atom(s_parser *p)
{
	const mc_token *t = s_tok(p);
	mc_node *n = NULL;
	char found[96];
	int k;

	switch (t->kind) {
	case MC_TK_INT:
	case MC_TK_FLOAT:
		n = s_node(p, MC_N_LITERAL, t);
		if (n == NULL)
			return NULL;
		n->lit = t->kind == MC_TK_INT ? mc_int(t->ival) : mc_float(t->fval);
		s_next(p);
		return n;
	case MC_TK_STRING: {
		/* adjacent strings join, as in Python */
		size_t len = 0, i;
		char *buf;

		for (i = p->pos; p->toks.t[i].kind == MC_TK_STRING; i++)
			len += p->toks.t[i].text_len;
		buf = malloc(len + 1);
		n = s_node(p, MC_N_LITERAL, t);
		if (buf == NULL || n == NULL) {
			free(buf);
			mc_node_free(n);
			s_fail_at(p, t, "out of memory");
			return NULL;
		}
		len = 0;
		while (s_tok(p)->kind == MC_TK_STRING) {
			memcpy(buf + len, s_tok(p)->text, s_tok(p)->text_len);
			len += s_tok(p)->text_len;
			s_next(p);
		}
		n->lit = mc_strn(buf, len);
		free(buf);
		return n;
	}
	case MC_TK_NAME:
		if (strcmp(t->text, "true") == 0 || strcmp(t->text, "True") == 0 ||
		    strcmp(t->text, "false") == 0 || strcmp(t->text, "False") == 0) {
			n = s_node(p, MC_N_LITERAL, t);
			if (n != NULL)
				n->lit = mc_bool(t->text[0] == 't' || t->text[0] == 'T');
			s_next(p);
			return n;
		}
		if (strcmp(t->text, "none") == 0 || strcmp(t->text, "None") == 0) {
			n = s_node(p, MC_N_LITERAL, t);
			if (n != NULL)
				n->lit = mc_none();
			s_next(p);
			return n;
		}
		for (k = 0; s_unsupported[k] != NULL; k++)
			if (strcmp(t->text, s_unsupported[k]) == 0) {
				s_fail_at(p, t, "'%s' is not part of this language: write one statement "
				          "per line with assignments, calls, and values (see help())", t->text);
				return NULL;
			}
		if (strcmp(t->text, "and") == 0 || strcmp(t->text, "or") == 0 ||
		    strcmp(t->text, "in") == 0 || strcmp(t->text, "is") == 0) {
			s_fail_at(p, t, "expected an expression before '%s'", t->text);
			return NULL;
		}
		n = s_node(p, MC_N_NAME, t);
		if (n != NULL && (n->name = strdup(t->text)) == NULL) {
			mc_node_free(n);
			s_fail_at(p, t, "out of memory");
			return NULL;
		}
		s_next(p);
		return n;
	case MC_TK_OP:
		if (strcmp(t->op, "(") == 0) {
			int tuple = 0;

			s_next(p);
			if (s_is_op(p, ")")) {
				n = s_node(p, MC_N_TUPLE, t);
				s_next(p);
				return n;
			}
			n = s_exprlist(p, &tuple);
			if (n == NULL || s_close(p, ")", t, "',' or ") != 0) {
				mc_node_free(n);
				return NULL;
			}
			return n;
		}
		if (strcmp(t->op, "[") == 0) {
			n = s_node(p, MC_N_LIST, t);
			s_next(p);
			while (n != NULL && !s_is_op(p, "]")) {
				if (s_add(p, n, s_expr(p)) != 0 || p->failed)
					break;
				if (!s_is_op(p, ","))
					break;
				s_next(p);
			}
			if (n == NULL || p->failed || s_close(p, "]", t, "',' or ") != 0) {
				mc_node_free(n);
				return NULL;
			}
			return n;
		}
		if (strcmp(t->op, "{") == 0) {
			n = s_node(p, MC_N_DICT, t);
			s_next(p);
			while (n != NULL && !s_is_op(p, "}")) {
				if (s_add(p, n, s_expr(p)) != 0 || p->failed)
					break;
				if (!s_is_op(p, ":")) {
					s_describe(s_tok(p), found, sizeof found);
					s_fail_at(p, s_tok(p), "expected ':' after a dict key, found %s", found);
					break;
				}
				s_next(p);
				if (s_add(p, n, s_expr(p)) != 0 || p->failed)
					break;
				if (!s_is_op(p, ","))
					break;
				s_next(p);
			}
			if (n == NULL || p->failed || s_close(p, "}", t, "',' or ") != 0) {
				mc_node_free(n);
				return NULL;
			}
			return n;
		}
		break;
	default:
		break;
	}
	s_describe(t, found, sizeof found);
	s_fail_at(p, t, "expected an expression, found %s", found);
	return NULL;
}

/* One part of a subscript: expr, or a slice start:stop:step. */
static mc_node *s_subscript_item(s_parser *p)
{
	const mc_token *at = s_tok(p);
	mc_node *start = NULL, *n;
	int part;

	if (!s_is_op(p, ":")) {
		start = s_expr(p);
		if (start == NULL)
			return NULL;
		if (!s_is_op(p, ":"))
			return start;
	}
	n = s_node(p, MC_N_SLICE, at);
	if (n == NULL || s_add(p, n, start) != 0) {
		if (n == NULL)
			mc_node_free(start);
		mc_node_free(n);
		return NULL;
	}
	for (part = 0; part < 2; part++) {
		mc_node *k = NULL;

		if (!s_is_op(p, ":"))
			break;
		s_next(p);
		if (!s_is_op(p, ":") && !s_is_op(p, "]") && !s_is_op(p, ",")) {
			k = s_expr(p);
			if (k == NULL) {
				mc_node_free(n);
				return NULL;
			}
		}
		if (s_add(p, n, k) != 0) {
			mc_node_free(n);
			return NULL;
		}
	}
	while (n->nkids < 3)
		if (s_add(p, n, NULL) != 0) {
			mc_node_free(n);
			return NULL;
		}
	return n;
}

static mc_node *s_call(s_parser *p, mc_node *callee, const mc_token *open)
{
	mc_node *n = s_node(p, MC_N_CALL, open);
	int seen_kw = 0;
	char found[96];

	if (n == NULL || s_add(p, n, callee) != 0) {
		if (n == NULL)
			mc_node_free(callee);
		mc_node_free(n);
		return NULL;
	}
	n->line = callee->line;
	n->col = callee->col;
	n->open_line = open->line;
	n->open_col = open->col;
	while (!s_is_op(p, ")")) {
		const mc_token *t = s_tok(p);
		mc_node *arg;

		if (t->kind == MC_TK_NAME && p->toks.t[p->pos + 1].kind == MC_TK_OP &&
		    strcmp(p->toks.t[p->pos + 1].op, "=") == 0) {
			arg = s_node(p, MC_N_KWARG, t);
			if (arg == NULL || (arg->name = strdup(t->text)) == NULL) {
				mc_node_free(arg);
				mc_node_free(n);
				s_fail_at(p, t, "out of memory");
				return NULL;
			}
			s_next(p);
			s_next(p);
			if (s_add(p, arg, s_expr(p)) != 0 || p->failed) {
				mc_node_free(arg);
				mc_node_free(n);
				return NULL;
			}
			seen_kw = 1;
		} else {
			arg = s_expr(p);
			if (arg == NULL) {
				mc_node_free(n);
				return NULL;
			}
			if (s_is_op(p, "=")) {
				s_fail_at(p, s_tok(p), "expected a parameter name before '=' (keyword arguments are written name=value)");
				mc_node_free(arg);
				mc_node_free(n);
				return NULL;
			}
			if (seen_kw) {
				s_fail_at(p, t, "positional argument follows keyword argument: "
				          "expected name=value after a keyword argument");
				mc_node_free(arg);
				mc_node_free(n);
				return NULL;
			}
		}
		if (s_add(p, n, arg) != 0) {
			mc_node_free(n);
			return NULL;
		}
		if (!s_is_op(p, ","))
			break;
		s_next(p);
	}
	if (!s_is_op(p, ")")) {
		s_describe(s_tok(p), found, sizeof found);
		s_fail_at(p, s_tok(p), "expected ',' or ')' to close '(' opened at line %d, column %d, found %s",
		          open->line, open->col, found);
		mc_node_free(n);
		return NULL;
	}
	s_next(p);
	return n;
}

static mc_node *s_postfix(s_parser *p)
{
	mc_node *n = s_atom(p);
	char found[96];

	while (n != NULL) {
		const mc_token *t = s_tok(p);

		if (s_is_op(p, "(")) {
			s_next(p);
			n = s_call(p, n, t);
		} else if (s_is_op(p, "[")) {
			mc_node *idx = NULL, *sub;
			int many = 0;

			s_next(p);
			for (;;) {
				sub = s_subscript_item(p);
				if (sub == NULL)
					break;
				if (idx == NULL && !s_is_op(p, ",")) {
					idx = sub;
					break;
				}
				if (idx == NULL) {
					idx = s_node(p, MC_N_TUPLE, t);
					if (idx == NULL) {
						mc_node_free(sub);
						break;
					}
				}
				many = 1;
				if (s_add(p, idx, sub) != 0)
					break;
				if (!s_is_op(p, ","))
					break;
				s_next(p);
				if (s_is_op(p, "]"))
					break;
			}
			if (p->failed || s_close(p, "]", t, many ? "',' or " : "") != 0) {
				mc_node_free(idx);
				mc_node_free(n);
				return NULL;
			}
			{
				mc_node *ix = s_node(p, MC_N_INDEX, t);

				if (ix == NULL || s_add(p, ix, n) != 0) {
					if (ix == NULL)
						mc_node_free(n);
					mc_node_free(ix);
					mc_node_free(idx);
					return NULL;
				}
				if (s_add(p, ix, idx) != 0) {
					mc_node_free(ix);
					return NULL;
				}
				n = ix;
			}
		} else if (s_is_op(p, ".")) {
			const mc_token *name;
			mc_node *a;

			s_next(p);
			name = s_tok(p);
			if (name->kind != MC_TK_NAME) {
				s_describe(name, found, sizeof found);
				s_fail_at(p, name, "expected an attribute or method name after '.', found %s", found);
				mc_node_free(n);
				return NULL;
			}
			s_next(p);
			a = s_node(p, MC_N_ATTR, name);
			if (a == NULL || (a->name = strdup(name->text)) == NULL || s_add(p, a, n) != 0) {
				if (a == NULL || a->nkids == 0)
					mc_node_free(n);
				mc_node_free(a);
				s_fail_at(p, name, "out of memory");
				return NULL;
			}
			n = a;
		} else {
			break;
		}
	}
	return n;
}

static mc_node *s_unary(s_parser *p);

static mc_node *s_power(s_parser *p)
{
	mc_node *l = s_postfix(p);

	if (l != NULL && s_is_op(p, "**")) {
		const mc_token *t = s_next(p);

		return s_binary(p, MC_N_BINARY, "**", t, l, s_unary(p));
	}
	return l;
}

static mc_node *s_unary(s_parser *p)
{
	if (s_is_op(p, "-") || s_is_op(p, "+")) {
		const mc_token *t = s_next(p);
		mc_node *k, *n;

		if (++p->depth > S_MAX_DEPTH) {
			s_fail_at(p, t, "too many signs in a row: expected at most %d", S_MAX_DEPTH);
			p->depth--;
			return NULL;
		}
		k = s_unary(p);
		p->depth--;

		if (k == NULL)
			return NULL;
		/* fold signs of numeric literals: -1 is a literal */
		if (k->kind == MC_N_LITERAL && (mc_type(k->lit) == MC_T_INT || mc_type(k->lit) == MC_T_FLOAT) &&
		    !(mc_type(k->lit) == MC_T_INT && mc_as_int(k->lit) == INT64_MIN)) {
			if (t->op[0] == '-') {
				mc_value *v = mc_type(k->lit) == MC_T_INT ? mc_int(-mc_as_int(k->lit)) :
					mc_float(-mc_as_float(k->lit));

				mc_unref(k->lit);
				k->lit = v;
			}
			k->line = t->line;
			k->col = t->col;
			return k;
		}
		n = s_node(p, MC_N_UNARY, t);
		if (n == NULL || s_add(p, n, k) != 0) {
			if (n == NULL)
				mc_node_free(k);
			mc_node_free(n);
			return NULL;
		}
		snprintf(n->op, sizeof n->op, "%s", t->op);
		return n;
	}
	return s_power(p);
}

static mc_node *s_term(s_parser *p)
{
	mc_node *l = s_unary(p);

	while (l != NULL && (s_is_op(p, "*") || s_is_op(p, "/") || s_is_op(p, "//") || s_is_op(p, "%"))) {
		const mc_token *t = s_next(p);

		l = s_binary(p, MC_N_BINARY, t->op, t, l, s_unary(p));
	}
	return l;
}

static mc_node *s_sum(s_parser *p)
{
	mc_node *l = s_term(p);

	while (l != NULL && (s_is_op(p, "+") || s_is_op(p, "-"))) {
		const mc_token *t = s_next(p);

		l = s_binary(p, MC_N_BINARY, t->op, t, l, s_term(p));
	}
	return l;
}

static mc_node *s_cmp(s_parser *p)
{
	mc_node *l = s_sum(p);

	while (l != NULL) {
		const mc_token *t = s_tok(p);
		const char *op = NULL;

		if (t->kind == MC_TK_OP && (strcmp(t->op, "==") == 0 || strcmp(t->op, "!=") == 0 ||
		                            strcmp(t->op, "<") == 0 || strcmp(t->op, "<=") == 0 ||
		                            strcmp(t->op, ">") == 0 || strcmp(t->op, ">=") == 0)) {
			op = t->op;
			s_next(p);
		} else if (s_is_kw(p, "in")) {
			op = "in";
			s_next(p);
		} else if (s_is_kw(p, "not") && p->toks.t[p->pos + 1].kind == MC_TK_NAME &&
		           strcmp(p->toks.t[p->pos + 1].text, "in") == 0) {
			op = "not in";
			s_next(p);
			s_next(p);
		} else if (s_is_kw(p, "is")) {
			s_next(p);
			op = "is";
			if (s_is_kw(p, "not")) {
				s_next(p);
				op = "is not";
			}
		} else {
			break;
		}
		l = s_binary(p, MC_N_BINARY, op, t, l, s_sum(p));
	}
	return l;
}

static mc_node *s_not(s_parser *p)
{
	if (s_is_kw(p, "not")) {
		const mc_token *t = s_next(p);
		mc_node *k, *n;

		if (++p->depth > S_MAX_DEPTH) {
			s_fail_at(p, t, "too many 'not' in a row: expected at most %d", S_MAX_DEPTH);
			p->depth--;
			return NULL;
		}
		k = s_not(p);
		p->depth--;

		if (k == NULL)
			return NULL;
		n = s_node(p, MC_N_UNARY, t);
		if (n == NULL || s_add(p, n, k) != 0) {
			if (n == NULL)
				mc_node_free(k);
			mc_node_free(n);
			return NULL;
		}
		snprintf(n->op, sizeof n->op, "not");
		return n;
	}
	return s_cmp(p);
}

static mc_node *s_and(s_parser *p)
{
	mc_node *l = s_not(p);

	while (l != NULL && s_is_kw(p, "and")) {
		const mc_token *t = s_next(p);

		l = s_binary(p, MC_N_AND, "and", t, l, s_not(p));
	}
	return l;
}

static mc_node *s_expr(s_parser *p)
{
	mc_node *l;

	if (++p->depth > S_MAX_DEPTH) {
		s_fail_at(p, s_tok(p), "expression nested too deeply: expected at most %d levels of brackets",
		          S_MAX_DEPTH);
		p->depth--;
		return NULL;
	}
	l = s_and(p);
	while (l != NULL && s_is_kw(p, "or")) {
		const mc_token *t = s_next(p);

		l = s_binary(p, MC_N_OR, "or", t, l, s_and(p));
	}
	p->depth--;
	return l;
}

static int s_exprlist_end(const s_parser *p)
{
	const mc_token *t = s_tok(p);

	return t->kind == MC_TK_NEWLINE || t->kind == MC_TK_EOF ||
	       (t->kind == MC_TK_OP && (strcmp(t->op, ")") == 0 || strcmp(t->op, "=") == 0 ||
	                                strcmp(t->op, "]") == 0 || strcmp(t->op, "}") == 0));
}

/* expr (',' expr)* [','] ; two or more (or a trailing comma) make a tuple. */
static mc_node *s_exprlist(s_parser *p, int *was_tuple)
{
	const mc_token *start = s_tok(p);
	mc_node *first = s_expr(p), *tup;

	*was_tuple = 0;
	if (first == NULL || !s_is_op(p, ","))
		return first;
	tup = s_node(p, MC_N_TUPLE, start);
	if (tup == NULL || s_add(p, tup, first) != 0) {
		if (tup == NULL)
			mc_node_free(first);
		mc_node_free(tup);
		return NULL;
	}
	*was_tuple = 1;
	while (s_is_op(p, ",")) {
		s_next(p);
		if (s_exprlist_end(p))
			break;
		if (s_add(p, tup, s_expr(p)) != 0 || p->failed) {
			mc_node_free(tup);
			return NULL;
		}
	}
	return tup;
}

/* Checks that n can be assigned to; names the problem otherwise. */
static int s_check_target(s_parser *p, const mc_node *n, const mc_token *eq)
{
	size_t i;
	mc_token at;

	switch (n->kind) {
	case MC_N_NAME:
	case MC_N_INDEX:
	case MC_N_ATTR:
		return 0;
	case MC_N_TUPLE:
	case MC_N_LIST:
		for (i = 0; i < n->nkids; i++)
			if (n->kids[i]->kind == MC_N_TUPLE || n->kids[i]->kind == MC_N_LIST ||
			    s_check_target(p, n->kids[i], eq) != 0)
				return -1;
		if (n->nkids == 0)
			break;
		return 0;
	default:
		break;
	}
	at = *eq;
	at.line = n->line;
	at.col = n->col;
	s_fail_at(p, &at, "cannot assign to %s: expected a name, an item x[i] or names a, b before '='",
	          n->kind == MC_N_CALL ? "a function call" : n->kind == MC_N_LITERAL ? "a literal" :
	          "an expression");
	return -1;
}

static mc_node *s_statement(s_parser *p)
{
	const mc_token *start = s_tok(p);
	int tuple;
	mc_node *first = s_exprlist(p, &tuple), *st;
	static const char *const augops[] = { "+=", "-=", "*=", "/=", "//=", "%=", "**=", NULL };
	char found[96];
	int k;

	if (first == NULL)
		return NULL;
	for (k = 0; augops[k] != NULL; k++)
		if (s_is_op(p, augops[k])) {
			const mc_token *t = s_next(p);

			if (first->kind != MC_N_NAME && first->kind != MC_N_INDEX) {
				s_fail_at(p, t, "'%s' needs a name or an item x[i] on its left", augops[k]);
				mc_node_free(first);
				return NULL;
			}
			st = s_binary(p, MC_N_AUGASSIGN, "", t, first, s_expr(p));
			if (st != NULL) {
				snprintf(st->op, sizeof st->op, "%.*s", (int)strlen(augops[k]) - 1, augops[k]);
				st->line = t->line;
				st->col = t->col;
			}
			return st;
		}
	if (s_is_op(p, "=")) {
		st = s_node(p, MC_N_ASSIGN, start);
		if (st == NULL || s_add(p, st, first) != 0) {
			if (st == NULL)
				mc_node_free(first);
			mc_node_free(st);
			return NULL;
		}
		while (s_is_op(p, "=")) {
			const mc_token *eq = s_next(p);
			mc_node *v;

			if (s_check_target(p, st->kids[st->nkids - 1], eq) != 0) {
				mc_node_free(st);
				return NULL;
			}
			v = s_exprlist(p, &tuple);
			if (v == NULL || s_add(p, st, v) != 0) {
				mc_node_free(st);
				return NULL;
			}
		}
		return st;
	}
	if (s_tok(p)->kind != MC_TK_NEWLINE && s_tok(p)->kind != MC_TK_EOF) {
		s_describe(s_tok(p), found, sizeof found);
		s_fail_at(p, s_tok(p), "expected the end of the statement (a new line or ';'), found %s%s",
		          found, s_tok(p)->kind == MC_TK_OP && strchr(")]}", s_tok(p)->op[0]) != NULL ?
		          " that closes nothing" : "");
		mc_node_free(first);
		return NULL;
	}
	st = s_node(p, MC_N_EXPR, start);
	if (st == NULL || s_add(p, st, first) != 0) {
		if (st == NULL)
			mc_node_free(first);
		mc_node_free(st);
		return NULL;
	}
	return st;
}

int mc_parse(mc_program *prog, const char *src, mc_syntax_error *serr)
{
	s_parser p;
	int rc;

	prog->stmts = NULL;
	prog->n = 0;
	memset(&p, 0, sizeof p);
	p.serr = serr;
	rc = mc_lex(&p.toks, src, serr);
	if (rc != 0)
		return rc;
	while (s_tok(&p)->kind != MC_TK_EOF) {
		mc_node *st;
		mc_node **grown;
		char found[96];

		if (s_tok(&p)->kind == MC_TK_NEWLINE) {
			s_next(&p);
			continue;
		}
		st = s_statement(&p);
		if (st == NULL)
			break;
		if (s_tok(&p)->kind != MC_TK_NEWLINE && s_tok(&p)->kind != MC_TK_EOF) {
			s_describe(s_tok(&p), found, sizeof found);
			s_fail_at(&p, s_tok(&p), "expected the end of the statement (a new line or ';'), found %s",
			          found);
			mc_node_free(st);
			break;
		}
		/* a final expression ended by ';' shows no result (as in IPython) */
		if (st->kind == MC_N_EXPR && s_tok(&p)->kind == MC_TK_NEWLINE && s_tok(&p)->semicolon) {
			size_t k = p.pos;

			while (p.toks.t[k].kind == MC_TK_NEWLINE)
				k++;
			if (p.toks.t[k].kind == MC_TK_EOF)
				snprintf(st->op, sizeof st->op, ";");
		}
		grown = realloc(prog->stmts, (prog->n + 1) * sizeof *grown);
		if (grown == NULL) {
			s_fail_at(&p, s_tok(&p), "out of memory");
			mc_node_free(st);
			break;
		}
		prog->stmts = grown;
		prog->stmts[prog->n++] = st;
	}
	mc_tokens_free(&p.toks);
	if (p.failed) {
		mc_program_free(prog);
		return MC_ERR_PARSE;
	}
	return 0;
}

int mc_parse_expr(mc_node **out, const char *src, mc_syntax_error *serr)
{
	s_parser p;
	int tuple;
	mc_node *n;
	char found[96];

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.serr = serr;
	if (mc_lex(&p.toks, src, serr) != 0)
		return MC_ERR_PARSE;
	while (s_tok(&p)->kind == MC_TK_NEWLINE)
		s_next(&p);
	n = s_exprlist(&p, &tuple);
	while (n != NULL && s_tok(&p)->kind == MC_TK_NEWLINE)
		s_next(&p);
	if (n != NULL && s_tok(&p)->kind != MC_TK_EOF) {
		s_describe(s_tok(&p), found, sizeof found);
		s_fail_at(&p, s_tok(&p), "expected the end of the expression, found %s", found);
		mc_node_free(n);
		n = NULL;
	}
	mc_tokens_free(&p.toks);
	if (n == NULL)
		return MC_ERR_PARSE;
	*out = n;
	return 0;
}

void mc_program_free(mc_program *prog)
{
	size_t i;

	if (prog == NULL)
		return;
	for (i = 0; i < prog->n; i++)
		mc_node_free(prog->stmts[i]);
	free(prog->stmts);
	prog->stmts = NULL;
	prog->n = 0;
}
