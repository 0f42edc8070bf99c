/* This module implements the parser of the command language (parser.h):
 * recursive descent over the tokens, with messages that say what was
 * expected and where. Chains of one precedence level are built flat, and
 * every nesting goes through s_enter, which bounds the depth. Constant
 * integer expressions are folded exactly (in 128 bits), so that -2**63 is
 * the int it is in Python. */
#include "parser.h"
#include "lang.h"
#include "maskclean/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 s_i128;

typedef struct s_parser {
	mc_tokens toks;
	size_t pos;
	const char *src;
	mc_syntax_error *serr;
	int failed;
	int depth;       /* nesting, bounded by limit */
	int limit;
	int loops;       /* enclosing loops (break/continue are allowed) */
	int funcs;       /* enclosing functions (return is allowed) */
	int fdepth;      /* f-strings inside f-string specs */
} s_parser;

static mc_node *s_test(s_parser *p);
static mc_node *s_or(s_parser *p);
static mc_node *s_bitor(s_parser *p);
static mc_node *s_exprlist(s_parser *p, int allow_star, int *was_tuple);
static mc_node *s_unary(s_parser *p);
static int s_block(s_parser *p, mc_node *into, const mc_token *opener, const char *what);

static const char *const s_op_texts[] = {
	"", "+", "-", "*", "/", "//", "%", "**", "@", "==", "!=", "<", "<=", ">", ">=",
	"in", "not in", "is", "is not", "-", "+", "not", "<<", ">>", "&", "^", "|", "~"
};

const char *mc_op_text(int op)
{
	return op >= 0 && op < (int)(sizeof s_op_texts / sizeof s_op_texts[0]) ? s_op_texts[op] : "?";
}

int mc_names_has(char *const *names, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(names[mid], name);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- tokens ---- */

static const mc_token *s_tok(const s_parser *p) { return &p->toks.t[p->pos]; }
static const mc_token *s_ahead(const s_parser *p, size_t k)
{
	size_t i = p->pos;

	while (k-- > 0 && p->toks.t[i].kind != MC_TK_EOF)
		i++;
	return &p->toks.t[i];
}

static const mc_token *s_next(s_parser *p)
{
	const mc_token *t = &p->toks.t[p->pos];

	if (t->kind != MC_TK_EOF)
		p->pos++;
	return t;
}

static int s_tok_is_op(const mc_token *t, const char *op)
{
	return t->kind == MC_TK_OP && strcmp(t->op, op) == 0;
}

static int s_is_op(const s_parser *p, const char *op) { return s_tok_is_op(s_tok(p), op); }

static int s_tok_is_kw(const mc_token *t, const char *kw)
{
	return t->kind == MC_TK_NAME && strcmp(t->text, kw) == 0;
}

static int s_is_kw(const s_parser *p, const char *kw) { return s_tok_is_kw(s_tok(p), kw); }

static int s_at_end(const s_parser *p)
{
	mc_tok_kind k = s_tok(p)->kind;

	return k == MC_TK_NEWLINE || k == MC_TK_EOF || k == MC_TK_DEDENT || k == MC_TK_INDENT;
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

static void s_fail_indent(s_parser *p, const mc_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void s_fail_indent(s_parser *p, const mc_token *t, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s_fail_at(p, t, "%s", msg);
	snprintf(p->serr->ename, sizeof p->serr->ename, "IndentationError");
}

static void s_nomem(s_parser *p)
{
	s_fail_at(p, s_tok(p), "out of memory");
}

static void s_describe(const mc_token *t, char *buf, size_t n)
{
	mc_token_describe(t, buf, n);
}

/* Bounds nesting: the depth limit and the room on the C stack. */
static int s_enter(s_parser *p)
{
	if (++p->depth > p->limit || !mc_stack_ok()) {
		s_fail_at(p, s_tok(p), "too deeply nested: more than %d levels of brackets, operators or "
		          "blocks (setrecursionlimit(n) raises the limit)", p->limit);
		p->depth--;
		return -1;
	}
	return 0;
}

static void s_leave(s_parser *p)
{
	p->depth--;
}

/* ---- nodes ---- */

static mc_node *s_node(s_parser *p, mc_node_kind kind, const mc_token *at)
{
	mc_node *n = calloc(1, sizeof *n);

	if (n == NULL) {
		s_nomem(p);
		return NULL;
	}
	n->kind = kind;
	n->line = at->line;
	n->col = at->col;
	return n;
}

/* Gives a node the key the evaluator stores its name under, as a str value
 * with its hash, made once here so that evaluation reads them from a const
 * tree. 0, or -1 without memory (reported). */
static int s_name_key(s_parser *p, mc_node *n, const char *name)
{
	n->hash = mc_str_hash(name, strlen(name));
	n->hashed = 1;
	if ((n->lit = mc_str(name)) == NULL) {
		s_nomem(p);
		return -1;
	}
	return 0;
}

/* A NAME node for the name token t (its key made); NULL without memory. */
static mc_node *s_name_node(s_parser *p, const mc_token *t)
{
	mc_node *n = s_node(p, MC_N_NAME, t);

	if (n == NULL)
		return NULL;
	if ((n->name = strdup(t->text)) == NULL) {
		mc_node_free(n);
		s_nomem(p);
		return NULL;
	}
	if (s_name_key(p, n, n->name) != 0) {
		mc_node_free(n);
		return NULL;
	}
	return n;
}

static void s_fundef_free(mc_fundef *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nparams; i++) {
		free(f->params[i].name);
		mc_node_free(f->params[i].dflt);
	}
	free(f->params);
	mc_node_free(f->body);
	for (i = 0; i < f->nlocals; i++)
		free(f->locals[i]);
	free(f->locals);
	for (i = 0; i < f->nglobals; i++)
		free(f->globals[i]);
	free(f->globals);
	for (i = 0; i < f->nnonlocals; i++)
		free(f->nonlocals[i]);
	free(f->nonlocals);
	free(f->name);
	free(f->sigtext);
	free(f->doc);
	free(f);
}

/* Frees a tree without recursion: kids are pushed on a work list. */
void mc_node_free(mc_node *n)
{
	mc_node **stack = NULL, **grown;
	size_t sp = 0, cap = 0, i;

	while (n != NULL) {
		for (i = 0; i < n->nkids; i++) {
			if (n->kids[i] == NULL)
				continue;
			if (sp == cap) {
				cap = cap ? 2 * cap : 64;
				grown = realloc(stack, cap * sizeof *grown);
				if (grown == NULL) {
					/* no memory for the list: fall back to recursion */
					mc_node_free(n->kids[i]);
					cap = sp;
					continue;
				}
				stack = grown;
			}
			stack[sp++] = n->kids[i];
		}
		free(n->kids);
		free(n->links);
		free(n->name);
		mc_unref(n->lit);
		s_fundef_free(n->fn);
		free(n);
		n = sp > 0 ? stack[--sp] : NULL;
	}
	free(stack);
}

/* Appends kid (may be NULL for slices) to n; on failure frees kid. */
static int s_add(s_parser *p, mc_node *n, mc_node *kid)
{
	if ((n->nkids & (n->nkids - 1)) == 0 || n->nkids < 4) {
		size_t cap = n->nkids < 4 ? 4 : 2 * n->nkids;
		mc_node **k = realloc(n->kids, cap * sizeof *k);

		if (k == NULL) {
			mc_node_free(kid);
			s_nomem(p);
			return -1;
		}
		n->kids = k;
	}
	n->kids[n->nkids++] = kid;
	return 0;
}

/* Appends a link (operator) to a chain node. */
static int s_add_link(s_parser *p, mc_node *n, int op, const mc_token *at)
{
	size_t k = n->nkids;   /* links: one fewer than kids, before the new kid */

	if (k == 0 || (k & (k - 1)) == 0 || k < 4) {
		size_t cap = k < 4 ? 4 : 2 * k;
		mc_link *l = realloc(n->links, cap * sizeof *l);

		if (l == NULL) {
			s_nomem(p);
			return -1;
		}
		n->links = l;
	}
	n->links[k - 1].op = op;
	n->links[k - 1].line = at->line;
	n->links[k - 1].col = at->col;
	return 0;
}

static mc_node *s_wrap(s_parser *p, mc_node_kind kind, const mc_token *at, mc_node *kid)
{
	mc_node *n;

	if (kid == NULL)
		return NULL;
	n = s_node(p, kind, at);
	if (n == NULL || s_add(p, n, kid) != 0) {
		if (n == NULL)
			mc_node_free(kid);
		mc_node_free(n);
		return NULL;
	}
	return n;
}

/* A node of kind with the kids a and b (taken over, freed on failure;
 * either may be NULL after a failure: then NULL). */
static mc_node *s_pair(s_parser *p, mc_node_kind kind, const mc_token *at, mc_node *a, mc_node *b)
{
	mc_node *n;

	if (a == NULL || b == NULL) {
		mc_node_free(a);
		mc_node_free(b);
		return NULL;
	}
	n = s_wrap(p, kind, at, a);
	if (n == NULL) {
		mc_node_free(b);
		return NULL;
	}
	if (s_add(p, n, b) != 0) {
		mc_node_free(n);
		return NULL;
	}
	return n;
}

/* Adds kid to the chain node *chain (with a link op before it, unless op
 * is MC_OP_NONE), making the chain around first, where first is, when there
 * is none yet. On failure frees the chain (first included) and kid. */
static int s_chain_add(s_parser *p, mc_node **chain, mc_node_kind kind, const mc_token *at,
                       mc_node *first, int op, mc_node *kid)
{
	if (*chain == NULL) {
		*chain = s_wrap(p, kind, at, first);
		if (*chain == NULL) {
			mc_node_free(kid);
			return -1;
		}
		(*chain)->line = first->line;
		(*chain)->col = first->col;
	}
	if (op != MC_OP_NONE && s_add_link(p, *chain, op, at) != 0) {
		mc_node_free(kid);
		mc_node_free(*chain);
		*chain = NULL;
		return -1;
	}
	if (s_add(p, *chain, kid) != 0) {   /* s_add frees kid */
		mc_node_free(*chain);
		*chain = NULL;
		return -1;
	}
	return 0;
}

/* ---- constant folding ---- */

/* The exact integer value of a literal node, if it is one. */
static int s_const_int(const mc_node *n, s_i128 *v)
{
	if (n == NULL || n->kind != MC_N_LITERAL)
		return 0;
	if (n->wide) {
		*v = (s_i128)(((unsigned __int128)(uint64_t)n->wide_hi << 64) | n->wide_lo);
		return 1;
	}
	if (mc_type(n->lit) != MC_T_INT)
		return 0;
	*v = mc_as_int(n->lit);
	return 1;
}

/* Makes n the literal v: an int when it fits 64 bits, else a float that
 * remembers the exact value for further folding. */
static int s_set_int(s_parser *p, mc_node *n, s_i128 v)
{
	mc_value *lit = (v >= INT64_MIN && v <= INT64_MAX) ? mc_int((int64_t)v) : mc_float((double)v);

	if (lit == NULL) {
		s_nomem(p);
		return -1;
	}
	n->wide = !(v >= INT64_MIN && v <= INT64_MAX);
	n->wide_hi = (int64_t)(v >> 64);
	n->wide_lo = (uint64_t)v;
	mc_unref(n->lit);
	n->lit = lit;
	n->kind = MC_N_LITERAL;
	return 0;
}

static int s_fold_binary(int op, s_i128 a, s_i128 b, s_i128 *r)
{
	const s_i128 lim = (s_i128)1 << 100;

	switch (op) {
	case MC_OP_ADD: *r = a + b; break;
	case MC_OP_SUB: *r = a - b; break;
	case MC_OP_MUL:
		if (__builtin_mul_overflow(a, b, r))
			return -1;
		break;
	case MC_OP_FLOORDIV:
	case MC_OP_MOD: {
		s_i128 q, m;

		if (b == 0)
			return -1;
		q = a / b;
		m = a % b;
		if (m != 0 && ((m < 0) != (b < 0))) {
			q--;
			m += b;
		}
		*r = op == MC_OP_FLOORDIV ? q : m;
		break;
	}
	case MC_OP_POW: {
		s_i128 acc = 1;

		if (b < 0 || b > 200)
			return -1;
		while (b-- > 0)
			if (__builtin_mul_overflow(acc, a, &acc) || acc > lim || acc < -lim)
				return -1;
		*r = acc;
		break;
	}
	default:
		return -1;
	}
	return (*r > lim || *r < -lim) ? -1 : 0;
}

/* ---- atoms ---- */

static const char *const s_keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
	"continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
	"if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
	"try", "while", "with", "yield", NULL
};

static int s_is_keyword(const char *name)
{
	int k;

	for (k = 0; s_keywords[k] != NULL; k++)
		if (strcmp(name, s_keywords[k]) == 0)
			return 1;
	return 0;
}

/* Why a keyword that the language does not have cannot be used. */
static const char *s_unsupported(const char *kw)
{
	static const struct { const char *kw, *why; } table[] = {
		{ "class", "defining classes is not part of this language: use functions, dicts and lists" },
		{ "import", "'import' is not part of this language: every function is already there (help() lists them)" },
		{ "from", "'from ... import' is not part of this language: every function is already there (help() lists them)" },
		{ "try", "'try' is not part of this language: an error stops the cell and shows where it happened" },
		{ "except", "'except' is not part of this language: an error stops the cell and shows where it happened" },
		{ "finally", "'finally' is not part of this language" },
		{ "raise", "'raise' is not part of this language: use assert condition, \"message\"" },
		{ "with", "'with' is not part of this language: functions open and close their files themselves" },
		{ "yield", "'yield' is not part of this language: build and return a list" },
		{ "async", "'async' is not part of this language" },
		{ "await", "'await' is not part of this language" },
		{ NULL, NULL }
	};
	int k;

	for (k = 0; table[k].kw != NULL; k++)
		if (strcmp(kw, table[k].kw) == 0)
			return table[k].why;
	return NULL;
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

static mc_node *s_fstring_parts(s_parser *p, mc_node *into, const mc_token *t);

/* One or more adjacent string tokens: a literal, or an f-string node. */
static mc_node *s_strings(s_parser *p)
{
	const mc_token *first = s_tok(p);
	size_t i, len = 0;
	int any_f = 0;
	mc_node *n;

	for (i = p->pos; p->toks.t[i].kind == MC_TK_STRING || p->toks.t[i].kind == MC_TK_FSTRING; i++) {
		any_f |= p->toks.t[i].kind == MC_TK_FSTRING;
		len += p->toks.t[i].text_len;
	}
	if (!any_f) {
		char *buf = malloc(len + 1);

		n = s_node(p, MC_N_LITERAL, first);
		if (buf == NULL || n == NULL) {
			free(buf);
			mc_node_free(n);
			s_nomem(p);
			return NULL;
		}
		len = 0;
		while (s_tok(p)->kind == MC_TK_STRING) {
			memcpy(buf + len, s_tok(p)->text, s_tok(p)->text_len);
			len += s_tok(p)->text_len;
			s_next(p);
		}
		buf[len] = '\0';
		n->lit = mc_str_take(buf, len);
		if (n->lit == NULL) {
			mc_node_free(n);
			s_nomem(p);
			return NULL;
		}
		return n;
	}
	n = s_node(p, MC_N_FSTRING, first);
	while (n != NULL && (s_tok(p)->kind == MC_TK_STRING || s_tok(p)->kind == MC_TK_FSTRING)) {
		const mc_token *t = s_next(p);

		if (t->kind == MC_TK_STRING) {
			mc_node *lit = s_node(p, MC_N_LITERAL, t);

			if (lit != NULL && (lit->lit = mc_strn(t->text, t->text_len)) == NULL) {
				mc_node_free(lit);
				lit = NULL;
				s_nomem(p);
			}
			if (lit == NULL || s_add(p, n, lit) != 0) {
				mc_node_free(n);
				return NULL;
			}
		} else if (s_fstring_parts(p, n, t) == NULL) {
			mc_node_free(n);
			return NULL;
		}
	}
	return n;
}

static mc_node *s_comprehension(s_parser *p, mc_node *head, mc_node *value, int kind,
                                const mc_token *open);

/* '(' ... ')': a parenthesized expression, a tuple or a generator. */
static mc_node *s_paren(s_parser *p, const mc_token *open)
{
	mc_node *n;
	int tuple = 0;

	if (s_is_op(p, ")")) {
		n = s_node(p, MC_N_TUPLE, open);
		s_next(p);
		return n;
	}
	n = s_exprlist(p, 1, &tuple);
	if (n != NULL && !tuple && s_is_kw(p, "for"))
		n = s_comprehension(p, n, NULL, MC_COMP_LIST, open);
	if (n == NULL || s_close(p, ")", open, "',' or ") != 0) {
		mc_node_free(n);
		return NULL;
	}
	return n;
}

static mc_node *s_star_or_test(s_parser *p)
{
	if (s_is_op(p, "*")) {
		const mc_token *t = s_next(p);

		return s_wrap(p, MC_N_STAR, t, s_bitor(p));
	}
	return s_test(p);
}

/* n after its closing bracket; NULL (n freed) when that is not there. */
static mc_node *s_closed(s_parser *p, mc_node *n, const char *close, const mc_token *open,
                         const char *also)
{
	if (n == NULL || p->failed || s_close(p, close, open, also) != 0) {
		mc_node_free(n);
		return NULL;
	}
	return n;
}

/* A display whose first item (or key: value) is followed by 'for': the
 * comprehension it starts, up to its closing bracket. */
static mc_node *s_display_comp(s_parser *p, mc_node *n, int kind, const char *close,
                               const mc_token *open)
{
	mc_node *head = n->kids[0], *value = kind == MC_COMP_DICT ? n->kids[1] : NULL;

	n->nkids = 0;
	mc_node_free(n);
	return s_closed(p, s_comprehension(p, head, value, kind, open), close, open, "");
}

static mc_node *s_list_display(s_parser *p, const mc_token *open)
{
	mc_node *n = s_node(p, MC_N_LIST, open);

	while (n != NULL && !s_is_op(p, "]")) {
		if (s_add(p, n, s_star_or_test(p)) != 0 || p->failed)
			break;
		if (n->nkids == 1 && s_is_kw(p, "for") && n->kids[0]->kind != MC_N_STAR)
			return s_display_comp(p, n, MC_COMP_LIST, "]", open);
		if (!s_is_op(p, ","))
			break;
		s_next(p);
	}
	return s_closed(p, n, "]", open, "',' or ");
}

static mc_node *s_dict_display(s_parser *p, const mc_token *open)
{
	mc_node *n = s_node(p, MC_N_DICT, open);
	char found[96];

	while (n != NULL && !s_is_op(p, "}")) {
		if (s_is_op(p, "**")) {
			s_fail_at(p, s_tok(p), "'**' in a dict display is not part of this language: use d.update(other)");
			break;
		}
		if (s_add(p, n, s_test(p)) != 0 || p->failed)
			break;
		if (!s_is_op(p, ":")) {
			s_describe(s_tok(p), found, sizeof found);
			if (s_is_op(p, ",") || s_is_op(p, "}"))
				s_fail_at(p, s_tok(p), "expected ':' after a dict key, found %s (sets are not part of "
				          "this language: use a dict or a list)", found);
			else
				s_fail_at(p, s_tok(p), "expected ':' after a dict key, found %s", found);
			break;
		}
		s_next(p);
		if (s_add(p, n, s_test(p)) != 0 || p->failed)
			break;
		if (n->nkids == 2 && s_is_kw(p, "for"))
			return s_display_comp(p, n, MC_COMP_DICT, "}", open);
		if (!s_is_op(p, ","))
			break;
		s_next(p);
	}
	return s_closed(p, n, "}", open, "',' or ");
}

static mc_node *s_atom(s_parser *p)
{
	const mc_token *t = s_tok(p);
	mc_node *n = NULL;
	char found[96];

	switch (t->kind) {
	case MC_TK_INT:
	case MC_TK_FLOAT:
		n = s_node(p, MC_N_LITERAL, t);
		if (n == NULL)
			return NULL;
		if (t->kind == MC_TK_INT && t->wide) {
			if (s_set_int(p, n, (s_i128)t->uval) != 0) {
				mc_node_free(n);
				return NULL;
			}
		} else {
			n->lit = t->kind == MC_TK_INT ? mc_int(t->ival) : mc_float(t->fval);
			if (n->lit == NULL) {
				mc_node_free(n);
				s_nomem(p);
				return NULL;
			}
		}
		s_next(p);
		return n;
	case MC_TK_STRING:
	case MC_TK_FSTRING:
		return s_strings(p);
	case MC_TK_NAME:
		if (strcmp(t->text, "true") == 0 || strcmp(t->text, "True") == 0 ||
		    strcmp(t->text, "false") == 0 || strcmp(t->text, "False") == 0 ||
		    strcmp(t->text, "none") == 0 || strcmp(t->text, "None") == 0) {
			n = s_node(p, MC_N_LITERAL, t);
			if (n == NULL)
				return NULL;
			n->lit = (t->text[0] | 0x20) == 'n' ? mc_none() : mc_bool((t->text[0] | 0x20) == 't');
			s_next(p);
			return n;
		}
		if (s_unsupported(t->text) != NULL) {
			s_fail_at(p, t, "%s", s_unsupported(t->text));
			return NULL;
		}
		if (s_is_keyword(t->text)) {
			if (strcmp(t->text, "and") == 0 || strcmp(t->text, "or") == 0 ||
			    strcmp(t->text, "in") == 0 || strcmp(t->text, "is") == 0 ||
			    strcmp(t->text, "if") == 0 || strcmp(t->text, "else") == 0 ||
			    strcmp(t->text, "for") == 0)
				s_fail_at(p, t, "expected an expression before '%s'", t->text);
			else
				s_fail_at(p, t, "expected an expression, found the keyword '%s'", t->text);
			return NULL;
		}
		n = s_name_node(p, t);
		if (n == NULL)
			return NULL;
		s_next(p);
		return n;
	case MC_TK_OP:
		if (strcmp(t->op, "(") == 0 || strcmp(t->op, "[") == 0 || strcmp(t->op, "{") == 0) {
			s_next(p);
			if (s_enter(p) != 0)
				return NULL;
			n = t->op[0] == '(' ? s_paren(p, t) : t->op[0] == '[' ? s_list_display(p, t) :
				s_dict_display(p, t);
			s_leave(p);
			return n;
		}
		break;
	case MC_TK_INDENT:
		s_fail_indent(p, t, "unexpected indent");
		return NULL;
	default:
		break;
	}
	s_describe(t, found, sizeof found);
	s_fail_at(p, t, "expected an expression, found %s", found);
	return NULL;
}

/* ---- trailers: calls, subscripts, attributes ---- */

/* One part of a subscript: expr, or a slice start:stop:step. */
static mc_node *s_subscript_item(s_parser *p)
{
	const mc_token *at = s_tok(p);
	mc_node *start = NULL, *n;
	int part;

	if (!s_is_op(p, ":")) {
		start = s_test(p);
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
			k = s_test(p);
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

/* The arguments of a call after '(' (at is where errors about the call point). */
static mc_node *s_call(s_parser *p, const mc_token *open, int line, int col)
{
	mc_node *n = s_node(p, MC_N_CALL, open);
	int seen_kw = 0;
	char found[96];

	if (n == NULL)
		return NULL;
	n->line = line;
	n->col = col;
	while (!s_is_op(p, ")")) {
		const mc_token *t = s_tok(p);
		mc_node *arg;

		if (t->kind == MC_TK_NAME && s_tok_is_op(s_ahead(p, 1), "=")) {
			arg = s_node(p, MC_N_KWARG, t);
			if (arg == NULL || (arg->name = strdup(t->text)) == NULL) {
				mc_node_free(arg);
				mc_node_free(n);
				s_nomem(p);
				return NULL;
			}
			if (s_is_keyword(t->text)) {
				s_fail_at(p, t, "'%s' is a keyword and cannot be an argument name", t->text);
				mc_node_free(arg);
				mc_node_free(n);
				return NULL;
			}
			s_next(p);
			s_next(p);
			if (s_add(p, arg, s_test(p)) != 0 || p->failed) {
				mc_node_free(arg);
				mc_node_free(n);
				return NULL;
			}
			seen_kw = 1;
		} else if (s_is_op(p, "*") || s_is_op(p, "**")) {
			const mc_token *st = s_next(p);

			arg = s_wrap(p, st->op[1] == '*' ? MC_N_DSTAR : MC_N_STAR, st, s_test(p));
			if (arg == NULL) {
				mc_node_free(n);
				return NULL;
			}
			if (st->op[1] == '*')
				seen_kw = 1;
		} else {
			arg = s_test(p);
			if (arg == NULL) {
				mc_node_free(n);
				return NULL;
			}
			if (n->nkids == 0 && s_is_kw(p, "for")) {
				/* f(x for x in xs): a generator, built as a list */
				arg = s_comprehension(p, arg, NULL, MC_COMP_LIST, t);
				if (arg == NULL) {
					mc_node_free(n);
					return NULL;
				}
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

static mc_node *s_subscript(s_parser *p, const mc_token *open)
{
	mc_node *idx = NULL, *sub;
	int many = 0;

	for (;;) {
		sub = s_subscript_item(p);
		if (sub == NULL)
			break;
		if (idx == NULL && !s_is_op(p, ",")) {
			idx = sub;
			break;
		}
		if (idx == NULL) {
			idx = s_node(p, MC_N_TUPLE, open);
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
	if (p->failed || idx == NULL || s_close(p, "]", open, many ? "',' or " : "") != 0) {
		mc_node_free(idx);
		return NULL;
	}
	return s_wrap(p, MC_N_INDEX, open, idx);
}

static mc_node *s_postfix(s_parser *p)
{
	mc_node *prim = s_atom(p), *chain = NULL, *tr;
	char found[96];
	int cline, ccol;   /* where errors about the next call point */

	if (prim == NULL)
		return NULL;
	cline = prim->line;
	ccol = prim->col;
	for (;;) {
		const mc_token *t = s_tok(p);

		if (s_is_op(p, "(")) {
			s_next(p);
			if (s_enter(p) != 0)
				tr = NULL;
			else {
				tr = s_call(p, t, cline, ccol);
				s_leave(p);
			}
			cline = t->line;
			ccol = t->col;
		} else if (s_is_op(p, "[")) {
			s_next(p);
			if (s_enter(p) != 0)
				tr = NULL;
			else {
				tr = s_subscript(p, t);
				s_leave(p);
			}
			cline = t->line;
			ccol = t->col;
		} else if (s_is_op(p, ".")) {
			const mc_token *name;

			s_next(p);
			name = s_tok(p);
			if (name->kind != MC_TK_NAME) {
				s_describe(name, found, sizeof found);
				s_fail_at(p, name, "expected an attribute or method name after '.', found %s", found);
				tr = NULL;
			} else {
				s_next(p);
				tr = s_node(p, MC_N_ATTR, name);
				if (tr != NULL && (tr->name = strdup(name->text)) == NULL) {
					mc_node_free(tr);
					tr = NULL;
					s_nomem(p);
				}
				cline = name->line;
				ccol = name->col;
			}
		} else {
			break;
		}
		if (tr == NULL) {
			mc_node_free(chain != NULL ? chain : prim);
			return NULL;
		}
		if (s_chain_add(p, &chain, MC_N_POSTFIX, t, prim, MC_OP_NONE, tr) != 0)
			return NULL;
	}
	return chain != NULL ? chain : prim;
}

/* ---- operators ---- */

/* l op r as a left-to-right chain: a chain on the left is the whole left
 * operand, so appending to it computes (l) op r. Folds constant ints. */
static mc_node *s_chain(s_parser *p, mc_node *l, int op, const mc_token *at, mc_node *r)
{
	s_i128 a, b, v;

	if (l == NULL || r == NULL) {
		mc_node_free(l);
		mc_node_free(r);
		return NULL;
	}
	if (s_const_int(l, &a) && s_const_int(r, &b) && s_fold_binary(op, a, b, &v) == 0) {
		if (s_set_int(p, l, v) != 0) {
			mc_node_free(l);
			mc_node_free(r);
			return NULL;
		}
		mc_node_free(r);
		return l;
	}
	if (l->kind != MC_N_BINARY) {
		l = s_wrap(p, MC_N_BINARY, at, l);
		if (l == NULL) {
			mc_node_free(r);
			return NULL;
		}
		l->line = l->kids[0]->line;
		l->col = l->kids[0]->col;
	}
	if (s_add_link(p, l, op, at) != 0 || s_add(p, l, r) != 0) {
		mc_node_free(l);
		return NULL;
	}
	return l;
}

static mc_node *s_power(s_parser *p)
{
	mc_node *l = s_postfix(p);

	if (l != NULL && s_is_op(p, "**")) {
		const mc_token *t = s_next(p);
		mc_node *r;

		if (s_enter(p) != 0) {
			mc_node_free(l);
			return NULL;
		}
		r = s_unary(p);
		s_leave(p);
		return s_chain(p, l, MC_OP_POW, t, r);
	}
	return l;
}

static mc_node *s_unary(s_parser *p)
{
	if (s_is_op(p, "-") || s_is_op(p, "+") || s_is_op(p, "~")) {
		const mc_token *t = s_next(p);
		int op = t->op[0] == '-' ? MC_OP_NEG : t->op[0] == '+' ? MC_OP_POS : MC_OP_INVERT;
		mc_node *k, *n;
		s_i128 v;

		if (s_enter(p) != 0)
			return NULL;
		k = s_unary(p);
		s_leave(p);
		if (k == NULL)
			return NULL;
		/* fold signs of numeric literals: -1 is a literal */
		if (s_const_int(k, &v) && v > -((s_i128)1 << 100) && v < ((s_i128)1 << 100)) {
			if (s_set_int(p, k, op == MC_OP_NEG ? -v : op == MC_OP_POS ? v : ~v) != 0) {
				mc_node_free(k);
				return NULL;
			}
			k->line = t->line;
			k->col = t->col;
			return k;
		}
		if (op != MC_OP_INVERT && k->kind == MC_N_LITERAL && !k->wide && mc_type(k->lit) == MC_T_FLOAT) {
			mc_value *f = mc_float(op == MC_OP_NEG ? -mc_as_float(k->lit) : mc_as_float(k->lit));

			if (f == NULL) {
				mc_node_free(k);
				s_nomem(p);
				return NULL;
			}
			mc_unref(k->lit);
			k->lit = f;
			k->line = t->line;
			k->col = t->col;
			return k;
		}
		n = s_wrap(p, MC_N_UNARY, t, k);
		if (n != NULL)
			n->op = op;
		return n;
	}
	return s_power(p);
}

/* The binary operators, loosest first; each level's operands are the next
 * level's expressions, the last level's are unary expressions. */
static const struct s_level {
	const char *ops[6];
	int codes[6];
} s_levels[] = {
	{ { "|" }, { MC_OP_BITOR } },
	{ { "^" }, { MC_OP_BITXOR } },
	{ { "&" }, { MC_OP_BITAND } },
	{ { "<<", ">>" }, { MC_OP_LSHIFT, MC_OP_RSHIFT } },
	{ { "+", "-" }, { MC_OP_ADD, MC_OP_SUB } },
	{ { "*", "/", "//", "%", "@" }, { MC_OP_MUL, MC_OP_DIV, MC_OP_FLOORDIV, MC_OP_MOD, MC_OP_MATMUL } },
};

#define S_NLEVELS (sizeof s_levels / sizeof s_levels[0])

static mc_node *s_level(s_parser *p, size_t level)
{
	mc_node *l;

	if (level == S_NLEVELS)
		return s_unary(p);
	l = s_level(p, level + 1);
	while (l != NULL) {
		const struct s_level *lv = &s_levels[level];
		int k;

		for (k = 0; lv->ops[k] != NULL && !s_is_op(p, lv->ops[k]); k++)
			;
		if (lv->ops[k] == NULL)
			break;
		{
			const mc_token *t = s_next(p);

			l = s_chain(p, l, lv->codes[k], t, s_level(p, level + 1));
		}
	}
	return l;
}

static mc_node *s_bitor(s_parser *p)
{
	return s_level(p, 0);
}

static int s_cmp_op(s_parser *p, const mc_token **at)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=", NULL };
	static const int codes[] = { MC_OP_EQ, MC_OP_NE, MC_OP_LT, MC_OP_LE, MC_OP_GT, MC_OP_GE };
	int k;

	*at = s_tok(p);
	for (k = 0; ops[k] != NULL; k++)
		if (s_is_op(p, ops[k])) {
			s_next(p);
			return codes[k];
		}
	if (s_is_kw(p, "in")) {
		s_next(p);
		return MC_OP_IN;
	}
	if (s_is_kw(p, "not") && s_tok_is_kw(s_ahead(p, 1), "in")) {
		s_next(p);
		s_next(p);
		return MC_OP_NOTIN;
	}
	if (s_is_kw(p, "is")) {
		s_next(p);
		if (s_is_kw(p, "not")) {
			s_next(p);
			return MC_OP_ISNOT;
		}
		return MC_OP_IS;
	}
	return MC_OP_NONE;
}

static mc_node *s_compare(s_parser *p)
{
	mc_node *l = s_bitor(p), *cmp = NULL;

	while (l != NULL) {
		const mc_token *at;
		int op = s_cmp_op(p, &at);
		mc_node *r;

		if (op == MC_OP_NONE)
			break;
		r = s_bitor(p);
		if (r == NULL) {
			mc_node_free(cmp != NULL ? cmp : l);
			return NULL;
		}
		if (s_chain_add(p, &cmp, MC_N_COMPARE, at, l, op, r) != 0)
			return NULL;
	}
	return cmp != NULL ? cmp : l;
}

static mc_node *s_not(s_parser *p)
{
	if (s_is_kw(p, "not")) {
		const mc_token *t = s_next(p);
		mc_node *k, *n;

		if (s_enter(p) != 0)
			return NULL;
		k = s_not(p);
		s_leave(p);
		n = s_wrap(p, MC_N_UNARY, t, k);
		if (n != NULL)
			n->op = MC_OP_NOT;
		return n;
	}
	return s_compare(p);
}

/* a and b and c / a or b or c: one flat node. */
static mc_node *s_logic(s_parser *p, mc_node_kind kind, const char *kw,
                        mc_node *(*next)(s_parser *))
{
	mc_node *l = next(p), *n = NULL;

	while (l != NULL && s_is_kw(p, kw)) {
		const mc_token *t = s_next(p);
		mc_node *r = next(p);

		if (r == NULL) {
			mc_node_free(n != NULL ? n : l);
			return NULL;
		}
		if (s_chain_add(p, &n, kind, t, l, MC_OP_NONE, r) != 0)
			return NULL;
	}
	return n != NULL ? n : l;
}

static mc_node *s_and(s_parser *p) { return s_logic(p, MC_N_AND, "and", s_not); }
static mc_node *s_or(s_parser *p) { return s_logic(p, MC_N_OR, "or", s_and); }

static mc_fundef *s_params(s_parser *p, const char *close, int lambda, const mc_token *open);
static int s_analyze(s_parser *p, mc_fundef *f, const mc_token *at);

static mc_node *s_lambda(s_parser *p)
{
	const mc_token *t = s_next(p);
	mc_node *n = s_node(p, MC_N_LAMBDA, t);
	int loops = p->loops;

	if (n == NULL)
		return NULL;
	n->fn = s_params(p, ":", 1, t);
	if (n->fn == NULL) {
		mc_node_free(n);
		return NULL;
	}
	s_next(p);   /* ':' */
	p->loops = 0;
	p->funcs++;
	n->fn->body = s_test(p);
	p->funcs--;
	p->loops = loops;
	if (n->fn->body == NULL || s_analyze(p, n->fn, t) != 0) {
		mc_node_free(n);
		return NULL;
	}
	return n;
}

/* expr: lambda, or a conditional expression. */
static mc_node *s_test(s_parser *p)
{
	mc_node *body, *n;

	if (s_enter(p) != 0)
		return NULL;
	if (s_is_kw(p, "lambda")) {
		n = s_lambda(p);
		s_leave(p);
		return n;
	}
	body = s_or(p);
	if (body != NULL && s_is_kw(p, "if")) {
		const mc_token *t = s_next(p);
		mc_node *cond = s_or(p), *orelse = NULL;
		char found[96];

		if (cond != NULL && !s_is_kw(p, "else")) {
			s_describe(s_tok(p), found, sizeof found);
			s_fail_at(p, s_tok(p), "expected 'else' in the conditional expression 'x if c else y', found %s",
			          found);
		} else if (cond != NULL) {
			s_next(p);
			orelse = s_test(p);
		}
		n = s_node(p, MC_N_IFEXP, t);
		if (n == NULL || orelse == NULL || s_add(p, n, body) != 0) {
			if (n == NULL || orelse == NULL)
				mc_node_free(body);
			mc_node_free(cond);
			mc_node_free(orelse);
			mc_node_free(n);
			s_leave(p);
			return NULL;
		}
		n->line = body->line;
		n->col = body->col;
		if (s_add(p, n, cond) != 0 || s_add(p, n, orelse) != 0) {
			mc_node_free(n);
			s_leave(p);
			return NULL;
		}
		body = n;
	}
	s_leave(p);
	return body;
}

static int s_exprlist_end(const s_parser *p)
{
	const mc_token *t = s_tok(p);

	return s_at_end(p) ||
	       (t->kind == MC_TK_OP && (strcmp(t->op, ")") == 0 || strcmp(t->op, "=") == 0 ||
	                                strcmp(t->op, "]") == 0 || strcmp(t->op, "}") == 0 ||
	                                (t->op[1] == '=' && t->op[0] != '=' && t->op[0] != '!' &&
	                                 t->op[0] != '<' && t->op[0] != '>') ||
	                                strcmp(t->op, "**=") == 0 || strcmp(t->op, "//=") == 0 ||
	                                strcmp(t->op, ":") == 0));
}

/* expr (',' expr)* [','] ; two or more (or a trailing comma) make a tuple. */
static mc_node *s_exprlist(s_parser *p, int allow_star, int *was_tuple)
{
	const mc_token *start = s_tok(p);
	mc_node *first = allow_star ? s_star_or_test(p) : s_test(p), *tup;

	*was_tuple = 0;
	if (first == NULL || !s_is_op(p, ","))
		return first;
	tup = s_wrap(p, MC_N_TUPLE, start, first);
	if (tup == NULL)
		return NULL;
	*was_tuple = 1;
	while (s_is_op(p, ",")) {
		s_next(p);
		if (s_exprlist_end(p) || s_is_kw(p, "in") || s_is_kw(p, "for"))
			break;
		if (s_add(p, tup, allow_star ? s_star_or_test(p) : s_test(p)) != 0 || p->failed) {
			mc_node_free(tup);
			return NULL;
		}
	}
	return tup;
}

/* Targets of for and comprehensions: "x", "i, x", "(a, b), c" (no 'in'). */
static mc_node *s_targets(s_parser *p)
{
	const mc_token *start = s_tok(p);
	mc_node *first, *tup;

	first = s_is_op(p, "*") ? s_star_or_test(p) : s_bitor(p);
	if (first == NULL || !s_is_op(p, ","))
		return first;
	tup = s_wrap(p, MC_N_TUPLE, start, first);
	while (tup != NULL && s_is_op(p, ",")) {
		s_next(p);
		if (s_is_kw(p, "in"))
			break;
		if (s_add(p, tup, s_is_op(p, "*") ? s_star_or_test(p) : s_bitor(p)) != 0 || p->failed) {
			mc_node_free(tup);
			return NULL;
		}
	}
	return tup;
}

/* Checks that n can be assigned to; names the problem otherwise. */
static int s_check_target(s_parser *p, const mc_node *n, const char *how)
{
	size_t i, stars = 0;
	mc_token at;
	const mc_node *last;

	memset(&at, 0, sizeof at);
	at.line = n->line;
	at.col = n->col;
	switch (n->kind) {
	case MC_N_NAME:
		return 0;
	case MC_N_POSTFIX:
		last = n->kids[n->nkids - 1];
		if (last->kind == MC_N_INDEX || last->kind == MC_N_ATTR)
			return 0;
		s_fail_at(p, &at, "cannot %s a function call: expected a name, an item x[i] or names a, b",
		          how);
		return -1;
	case MC_N_TUPLE:
	case MC_N_LIST:
		if (n->nkids == 0)
			break;
		for (i = 0; i < n->nkids; i++) {
			const mc_node *k = n->kids[i];

			if (k->kind == MC_N_STAR) {
				stars++;
				k = k->kids[0];
			}
			if (s_check_target(p, k, how) != 0)
				return -1;
		}
		if (stars > 1) {
			s_fail_at(p, &at, "multiple starred names in one assignment");
			return -1;
		}
		return 0;
	default:
		break;
	}
	s_fail_at(p, &at, "cannot %s %s: expected a name, an item x[i] or names a, b", how,
	          n->kind == MC_N_LITERAL || n->kind == MC_N_FSTRING ? "a literal" :
	          n->kind == MC_N_STAR ? "a starred name alone (write *x, = ...)" : "an expression");
	return -1;
}

/* [item for target in iterable if cond ...] after the item (and value). */
static mc_node *s_comprehension(s_parser *p, mc_node *head, mc_node *value, int kind,
                                const mc_token *open)
{
	mc_node *n = s_node(p, MC_N_COMP, open);
	char found[96];

	if (n == NULL) {
		mc_node_free(head);
		mc_node_free(value);
		return NULL;
	}
	if (s_add(p, n, head) != 0) {
		mc_node_free(value);
		mc_node_free(n);
		return NULL;
	}
	if (value != NULL && s_add(p, n, value) != 0) {
		mc_node_free(n);
		return NULL;
	}
	n->op = kind;
	while (s_is_kw(p, "for") || s_is_kw(p, "if")) {
		const mc_token *t = s_next(p);
		mc_node *cl;

		if (t->text[0] == 'f') {
			mc_node *target = s_targets(p), *iter;

			if (target == NULL || s_check_target(p, target, "assign to") != 0) {
				mc_node_free(target);
				mc_node_free(n);
				return NULL;
			}
			if (!s_is_kw(p, "in")) {
				s_describe(s_tok(p), found, sizeof found);
				s_fail_at(p, s_tok(p), "expected 'in' after 'for %s', found %s",
				          target->kind == MC_N_NAME ? target->name : "...", found);
				mc_node_free(target);
				mc_node_free(n);
				return NULL;
			}
			s_next(p);
			iter = s_or(p);
			cl = s_pair(p, MC_N_COMPFOR, t, target, iter);
			if (cl == NULL) {
				mc_node_free(n);
				return NULL;
			}
		} else {
			cl = s_wrap(p, MC_N_COMPIF, t, s_or(p));
			if (cl == NULL) {
				mc_node_free(n);
				return NULL;
			}
		}
		if (s_add(p, n, cl) != 0) {
			mc_node_free(n);
			return NULL;
		}
	}
	return n;
}

/* ---- f-strings ---- */

static mc_node *s_fstring_body(s_parser *p, mc_node *into, const char *s, size_t n, int raw,
                               int line, int col);

/* Where a piece of an f-string ends: the index of the first c of stops at
 * bracket depth 0 outside strings, from s[i]. */
static size_t s_fexpr_end(const char *s, size_t n, size_t i, const char *stops)
{
	int depth = 0;

	while (i < n) {
		char c = s[i];

		if (c == '\'' || c == '"') {
			size_t j = i + 1;

			while (j < n && s[j] != c) {
				if (s[j] == '\\')
					j++;
				j++;
			}
			i = j + 1;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		else if (depth == 0 && strchr(stops, c) != NULL) {
			if (c == '!' && i + 1 < n && s[i + 1] == '=') {
				i += 2;
				continue;
			}
			if (c == '=' && ((i + 1 < n && s[i + 1] == '=') ||
			                 (i > 0 && strchr("=!<>", s[i - 1]) != NULL))) {
				i += 2;
				continue;
			}
			return i;
		}
		i++;
	}
	return n;
}

/* Advances line/col over s[a..b). */
static void s_track(const char *s, size_t a, size_t b, int *line, int *col)
{
	for (; a < b; a++) {
		unsigned char c = (unsigned char)s[a];

		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else if ((c & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/* Parses the expression text of one field. */
static mc_node *s_fexpr(s_parser *p, const char *text, size_t n, int line, int col)
{
	char *buf = strndup(text, n);
	s_parser q;
	mc_syntax_error serr;
	mc_node *e = NULL;
	int tuple;
	mc_token at;

	memset(&at, 0, sizeof at);
	at.line = line;
	at.col = col;
	if (buf == NULL) {
		s_nomem(p);
		return NULL;
	}
	if (strspn(buf, " \t\r\n") == n) {
		free(buf);
		s_fail_at(p, &at, "f-string: empty expression: expected a value between '{' and '}'");
		return NULL;
	}
	memset(&q, 0, sizeof q);
	q.serr = &serr;
	q.src = buf;
	q.depth = p->depth + 1;
	q.limit = p->limit;
	q.funcs = p->funcs;
	q.fdepth = p->fdepth;
	if (mc_lex_at(&q.toks, buf, line, col, &serr) != 0) {
		free(buf);
		if (!p->failed) {
			*p->serr = serr;
			p->failed = 1;
		}
		return NULL;
	}
	e = s_exprlist(&q, 1, &tuple);
	if (e != NULL && s_tok(&q)->kind == MC_TK_NEWLINE)
		s_next(&q);
	if (e != NULL && s_tok(&q)->kind != MC_TK_EOF) {
		char found[96];

		s_describe(s_tok(&q), found, sizeof found);
		s_fail_at(&q, s_tok(&q), "f-string: expected '}' after the expression, found %s", found);
		mc_node_free(e);
		e = NULL;
	}
	mc_tokens_free(&q.toks);
	free(buf);
	if (q.failed && !p->failed) {
		*p->serr = serr;
		p->failed = 1;
	}
	return e;
}

/* Adds the literal text s[0..n) (escapes decoded unless raw). */
static int s_flit(s_parser *p, mc_node *into, const char *s, size_t n, int raw, int line, int col)
{
	char *buf;
	long len;
	mc_node *lit;
	mc_token at;

	if (n == 0)
		return 0;
	buf = malloc(n + 1);
	if (buf == NULL) {
		s_nomem(p);
		return -1;
	}
	memset(&at, 0, sizeof at);
	at.line = line;
	at.col = col;
	if (raw) {
		memcpy(buf, s, n);
		len = (long)n;
	} else {
		char msg[256];
		size_t bad;

		len = mc_unescape(s, n, buf, msg, sizeof msg, &bad);
		if (len < 0) {
			free(buf);
			s_track(s, 0, bad, &at.line, &at.col);
			s_fail_at(p, &at, "%s", msg);
			return -1;
		}
	}
	buf[len] = '\0';
	lit = s_node(p, MC_N_LITERAL, &at);
	if (lit == NULL) {
		free(buf);
		return -1;
	}
	lit->lit = mc_str_take(buf, (size_t)len);
	if (lit->lit == NULL) {
		mc_node_free(lit);
		s_nomem(p);
		return -1;
	}
	return s_add(p, into, lit);
}

/* The format spec of a field, s[s0..) up to the field's '}' (*s1): an
 * f-string of its own, nested at most twice. */
static mc_node *s_fstring_spec(s_parser *p, const mc_token *at, const char *s, size_t n, int raw,
                               size_t e0, size_t s0, size_t *s1, int eline, int ecol)
{
	size_t k = s0;
	int depth = 0, sline = eline, scol = ecol;
	mc_node *spec;

	while (k < n && (s[k] != '}' || depth > 0)) {
		if (s[k] == '{')
			depth++;
		else if (s[k] == '}')
			depth--;
		k++;
	}
	*s1 = k;
	if (p->fdepth >= 2) {
		s_fail_at(p, at, "f-string: format specs nest too deeply");
		return NULL;
	}
	s_track(s, e0, s0, &sline, &scol);
	spec = s_node(p, MC_N_FSTRING, at);
	p->fdepth++;
	if (spec == NULL || s_fstring_body(p, spec, s + s0, k - s0, raw, sline, scol) == NULL) {
		p->fdepth--;
		mc_node_free(spec);
		return NULL;
	}
	p->fdepth--;
	return spec;
}

/* A field {expr[=][!c][:spec]} whose '{' is s[i], at (eline, ecol - 1):
 * its FORMAT node is added to into; *end is the place of its '}'. */
static int s_fstring_field(s_parser *p, mc_node *into, const char *s, size_t n, int raw, size_t i,
                           int eline, int ecol, size_t *end)
{
	size_t e0 = i + 1, e1, j, dbg_end;
	int debug = 0, conv = 0;
	mc_node *fmt, *val, *spec = NULL;
	mc_token at;

	e1 = s_fexpr_end(s, n, e0, "}!:=");
	j = e1;
	if (j < n && s[j] == '=') {
		debug = 1;
		j++;
		while (j < n && (s[j] == ' ' || s[j] == '\t'))
			j++;
	}
	dbg_end = j;
	memset(&at, 0, sizeof at);
	at.line = eline;
	at.col = ecol;
	if (j < n && s[j] == '!') {
		if (j + 1 >= n || strchr("rsa", s[j + 1]) == NULL) {
			s_fail_at(p, &at, "f-string: expected 'r', 's' or 'a' after '!'");
			return -1;
		}
		conv = s[j + 1];
		j += 2;
	}
	val = s_fexpr(p, s + e0, e1 - e0, eline, ecol);
	if (val == NULL)
		return -1;
	if (debug) {
		/* f"{x=}": the text of the expression, then its repr */
		if (s_flit(p, into, s + e0, dbg_end - e0, 1, eline, ecol) != 0) {
			mc_node_free(val);
			return -1;
		}
		if (conv == 0)
			conv = 'r';
	}
	if (j < n && s[j] == ':') {
		spec = s_fstring_spec(p, &at, s, n, raw, e0, j + 1, &j, eline, ecol);
		if (spec == NULL) {
			mc_node_free(val);
			return -1;
		}
	}
	if (j >= n || s[j] != '}') {
		p->serr->incomplete = 0;
		s_fail_at(p, &at, "f-string: expected '}' to close the '{' at line %d, column %d",
		          eline, ecol - 1);
		mc_node_free(val);
		mc_node_free(spec);
		return -1;
	}
	fmt = s_node(p, MC_N_FORMAT, &at);
	if (fmt == NULL || s_add(p, fmt, val) != 0) {
		if (fmt == NULL)
			mc_node_free(val);
		mc_node_free(fmt);
		mc_node_free(spec);
		return -1;
	}
	fmt->op = conv;
	if (s_add(p, fmt, spec) != 0 || s_add(p, into, fmt) != 0)
		return -1;
	*end = j;
	return 0;
}

static mc_node *s_fstring_body(s_parser *p, mc_node *into, const char *s, size_t n, int raw,
                               int line, int col)
{
	size_t i = 0, cn = 0, j;
	char *chunk = malloc(n + 1);   /* literal text, '{{' and '}}' undoubled */
	int lline = line, lcol = col, cline = line, ccol = col;

	if (chunk == NULL) {
		s_nomem(p);
		return NULL;
	}
	while (i < n) {
		char c = s[i];

		if (c == '\\' && !raw && i + 1 < n) {
			chunk[cn++] = c;
			chunk[cn++] = s[i + 1];
			s_track(s, i, i + 2, &cline, &ccol);
			i += 2;
			continue;
		}
		if ((c == '{' || c == '}') && i + 1 < n && s[i + 1] == c) {
			chunk[cn++] = c;
			s_track(s, i, i + 2, &cline, &ccol);
			i += 2;
			continue;
		}
		if (c == '}') {
			mc_token at;

			memset(&at, 0, sizeof at);
			at.line = cline;
			at.col = ccol;
			s_fail_at(p, &at, "f-string: single '}' is not allowed (write '}}' for a brace)");
			free(chunk);
			return NULL;
		}
		if (c != '{') {
			chunk[cn++] = c;
			s_track(s, i, i + 1, &cline, &ccol);
			i++;
			continue;
		}
		if (s_flit(p, into, chunk, cn, raw, lline, lcol) != 0 ||
		    s_fstring_field(p, into, s, n, raw, i, cline, ccol + 1, &j) != 0) {
			free(chunk);
			return NULL;
		}
		cn = 0;
		s_track(s, i, j + 1, &cline, &ccol);
		i = j + 1;
		lline = cline;
		lcol = ccol;
	}
	if (s_flit(p, into, chunk, cn, raw, lline, lcol) != 0) {
		free(chunk);
		return NULL;
	}
	free(chunk);
	return into;
}

static mc_node *s_fstring_parts(s_parser *p, mc_node *into, const mc_token *t)
{
	return s_fstring_body(p, into, t->text, t->text_len, t->raw, t->body_line, t->body_col);
}

/* ---- functions ---- */

static int s_names_add(s_parser *p, char ***names, size_t *n, const char *name)
{
	char **grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return 0;
	grown = realloc(*names, (*n + 1) * sizeof *grown);
	if (grown == NULL) {
		s_nomem(p);
		return -1;
	}
	*names = grown;
	if ((grown[*n] = strdup(name)) == NULL) {
		s_nomem(p);
		return -1;
	}
	(*n)++;
	return 0;
}

static int s_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects the names a target binds. */
static int s_bound_names(s_parser *p, mc_fundef *f, const mc_node *t)
{
	size_t i;

	if (t == NULL)
		return 0;
	switch (t->kind) {
	case MC_N_NAME:
		return s_names_add(p, &f->locals, &f->nlocals, t->name);
	case MC_N_TUPLE:
	case MC_N_LIST:
		for (i = 0; i < t->nkids; i++)
			if (s_bound_names(p, f, t->kids[i]) != 0)
				return -1;
		return 0;
	case MC_N_STAR:
		return s_bound_names(p, f, t->kids[0]);
	default:
		return 0;
	}
}

/* Walks the statements of a function body for the names it binds and
 * declares (not inside nested functions). */
static int s_walk_body(s_parser *p, mc_fundef *f, const mc_node *st)
{
	size_t i;

	if (st == NULL)
		return 0;
	if (!mc_stack_ok()) {
		s_fail_at(p, s_tok(p), "too deeply nested blocks");
		return -1;
	}
	switch (st->kind) {
	case MC_N_BLOCK:
		for (i = 0; i < st->nkids; i++)
			if (s_walk_body(p, f, st->kids[i]) != 0)
				return -1;
		return 0;
	case MC_N_ASSIGN:
		for (i = 0; i + 1 < st->nkids; i++)
			if (s_bound_names(p, f, st->kids[i]) != 0)
				return -1;
		return 0;
	case MC_N_AUGASSIGN:
	case MC_N_DEL:
		for (i = 0; i < (st->kind == MC_N_DEL ? st->nkids : 1); i++)
			if (s_bound_names(p, f, st->kids[i]) != 0)
				return -1;
		return 0;
	case MC_N_FOR:
		if (s_bound_names(p, f, st->kids[0]) != 0)
			return -1;
		for (i = 2; i < st->nkids; i++)
			if (s_walk_body(p, f, st->kids[i]) != 0)
				return -1;
		return 0;
	case MC_N_IF:
	case MC_N_WHILE:
		for (i = 0; i < st->nkids; i++)
			if (st->kids[i] != NULL && st->kids[i]->kind == MC_N_BLOCK &&
			    s_walk_body(p, f, st->kids[i]) != 0)
				return -1;
		return 0;
	case MC_N_DEF:
		return s_names_add(p, &f->locals, &f->nlocals, st->fn->name);
	case MC_N_GLOBAL:
	case MC_N_NONLOCAL:
		for (i = 0; i < st->nkids; i++)
			if (s_names_add(p, st->kind == MC_N_GLOBAL ? &f->globals : &f->nonlocals,
			                st->kind == MC_N_GLOBAL ? &f->nglobals : &f->nnonlocals,
			                st->kids[i]->name) != 0)
				return -1;
		return 0;
	default:
		return 0;
	}
}

/* Drops from names those in drop. */
static void s_names_remove(char **names, size_t *n, char *const *drop, size_t ndrop)
{
	size_t i, o = 0;

	for (i = 0; i < *n; i++) {
		size_t k;
		int found = 0;

		for (k = 0; k < ndrop && !found; k++)
			found = strcmp(names[i], drop[k]) == 0;
		if (found)
			free(names[i]);
		else
			names[o++] = names[i];
	}
	*n = o;
}

/* The docstring: Python's inspect.cleandoc (common indentation removed,
 * blank lines at the ends dropped). */
static char *s_cleandoc(const char *doc)
{
	size_t n = strlen(doc), i, o = 0, indent = (size_t)-1;
	const char *line;
	char *out = malloc(n + 1);
	int first = 1;

	if (out == NULL)
		return NULL;
	/* the smallest indentation of the lines after the first */
	line = strchr(doc, '\n');
	while (line != NULL) {
		size_t k = 0;

		line++;
		while (line[k] == ' ' || line[k] == '\t')
			k++;
		if (line[k] != '\n' && line[k] != '\0' && k < indent)
			indent = k;
		line = strchr(line, '\n');
	}
	if (indent == (size_t)-1)
		indent = 0;
	line = doc;
	while (line != NULL) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line), skip = 0;

		if (first) {
			while (skip < len && (line[skip] == ' ' || line[skip] == '\t'))
				skip++;
		} else {
			while (skip < indent && skip < len && (line[skip] == ' ' || line[skip] == '\t'))
				skip++;
		}
		memcpy(out + o, line + skip, len - skip);
		o += len - skip;
		if (end != NULL)
			out[o++] = '\n';
		first = 0;
		line = end != NULL ? end + 1 : NULL;
	}
	out[o] = '\0';
	/* blank lines at both ends */
	while (o > 0 && (out[o - 1] == '\n' || out[o - 1] == ' ' || out[o - 1] == '\t'))
		out[--o] = '\0';
	i = 0;
	while (out[i] == '\n')
		i++;
	memmove(out, out + i, o - i + 1);
	return out;
}

/* After the body is parsed: docstring, bound names, declarations. */
static int s_analyze(s_parser *p, mc_fundef *f, const mc_token *at)
{
	size_t i;

	for (i = 0; i < f->nparams; i++)
		if (s_names_add(p, &f->locals, &f->nlocals, f->params[i].name) != 0)
			return -1;
	if (f->body->kind == MC_N_BLOCK) {
		const mc_node *first = f->body->nkids > 0 ? f->body->kids[0] : NULL;

		if (first != NULL && first->kind == MC_N_EXPR && first->kids[0]->kind == MC_N_LITERAL &&
		    mc_type(first->kids[0]->lit) == MC_T_STR) {
			f->doc = s_cleandoc(mc_as_str(first->kids[0]->lit));
			if (f->doc == NULL) {
				s_nomem(p);
				return -1;
			}
		}
		if (s_walk_body(p, f, f->body) != 0)
			return -1;
	}
	for (i = 0; i < f->nparams; i++) {
		size_t k;

		for (k = 0; k < f->nglobals; k++)
			if (strcmp(f->params[i].name, f->globals[k]) == 0) {
				mc_token t = *at;

				s_fail_at(p, &t, "name '%s' is a parameter and declared global", f->globals[k]);
				return -1;
			}
	}
	s_names_remove(f->locals, &f->nlocals, f->globals, f->nglobals);
	s_names_remove(f->locals, &f->nlocals, f->nonlocals, f->nnonlocals);
	if (f->nlocals > 0)
		qsort(f->locals, f->nlocals, sizeof *f->locals, s_cmp_names);
	if (f->nglobals > 0)
		qsort(f->globals, f->nglobals, sizeof *f->globals, s_cmp_names);
	if (f->nnonlocals > 0)
		qsort(f->nonlocals, f->nnonlocals, sizeof *f->nonlocals, s_cmp_names);
	return 0;
}

/* The signature as written, on one line: "(a, b=1)". */
static char *s_sigtext(const char *src, size_t a, size_t b, int lambda)
{
	char *out = malloc(b - a + 3);
	size_t o = 0, i;
	int space = 0;

	if (out == NULL)
		return NULL;
	if (lambda)
		out[o++] = '(';
	for (i = a; i < b; i++) {
		char c = src[i];

		if (c == '#') {
			while (i < b && src[i] != '\n')
				i++;
			space = 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\\') {
			space = 1;
			continue;
		}
		if (space && o > 0 && out[o - 1] != '(' && c != ')' && c != ',')
			out[o++] = ' ';
		space = 0;
		out[o++] = c;
	}
	if (lambda)
		out[o++] = ')';
	out[o] = '\0';
	return out;
}

/* Parameters up to close (")" for def, ":" for lambda); leaves close unread. */
static mc_fundef *s_params(s_parser *p, const char *close, int lambda, const mc_token *open)
{
	mc_fundef *f = calloc(1, sizeof *f);
	int kwonly = 0, seen_default = 0, seen_varkw = 0;
	size_t sig0 = s_tok(p)->offset;
	char found[96];

	if (f == NULL) {
		s_nomem(p);
		return NULL;
	}
	f->line = open->line;
	f->col = open->col;
	while (!s_is_op(p, close)) {
		const mc_token *t = s_tok(p);
		mc_fparam *grown, *prm;
		mc_param_kind kind = kwonly ? MC_PARAM_KWONLY : MC_PARAM_NORMAL;

		if (seen_varkw) {
			s_fail_at(p, t, "no parameter can follow **%s", f->params[f->nparams - 1].name);
			goto fail;
		}
		if (s_is_op(p, "/")) {
			/* positional-only marker: accepted, parameters stay positional */
			s_next(p);
			goto next;
		}
		if (s_is_op(p, "*") || s_is_op(p, "**")) {
			int two = t->op[1] == '*';

			s_next(p);
			if (s_tok(p)->kind != MC_TK_NAME) {
				if (two || kwonly) {
					s_describe(s_tok(p), found, sizeof found);
					s_fail_at(p, s_tok(p), "expected a parameter name after '%s', found %s",
					          two ? "**" : "*", found);
					goto fail;
				}
				kwonly = 1;
				goto next;
			}
			kind = two ? MC_PARAM_VARKW : MC_PARAM_VARARGS;
			if (!two)
				kwonly = 1;
			else
				seen_varkw = 1;
			t = s_tok(p);
		}
		if (t->kind != MC_TK_NAME || s_is_keyword(t->text) || strcmp(t->text, "true") == 0 ||
		    strcmp(t->text, "false") == 0 || strcmp(t->text, "none") == 0) {
			s_describe(t, found, sizeof found);
			s_fail_at(p, t, "expected a parameter name, found %s", found);
			goto fail;
		}
		{
			size_t k;

			for (k = 0; k < f->nparams; k++)
				if (strcmp(f->params[k].name, t->text) == 0) {
					s_fail_at(p, t, "duplicate parameter '%s'", t->text);
					goto fail;
				}
		}
		grown = realloc(f->params, (f->nparams + 1) * sizeof *grown);
		if (grown == NULL) {
			s_nomem(p);
			goto fail;
		}
		f->params = grown;
		prm = &f->params[f->nparams];
		memset(prm, 0, sizeof *prm);
		prm->kind = kind;
		if ((prm->name = strdup(t->text)) == NULL) {
			s_nomem(p);
			goto fail;
		}
		f->nparams++;
		s_next(p);
		if (!lambda && s_is_op(p, ":")) {
			/* an annotation: parsed and ignored */
			mc_node *ann;

			s_next(p);
			ann = s_test(p);
			if (ann == NULL)
				goto fail;
			mc_node_free(ann);
		}
		if (s_is_op(p, "=")) {
			if (kind == MC_PARAM_VARARGS || kind == MC_PARAM_VARKW) {
				s_fail_at(p, s_tok(p), "*%s and **%s parameters cannot have a default",
				          prm->name, prm->name);
				goto fail;
			}
			s_next(p);
			prm->dflt = s_test(p);
			if (prm->dflt == NULL)
				goto fail;
			if (kind == MC_PARAM_NORMAL)
				seen_default = 1;
		} else if (kind == MC_PARAM_NORMAL && seen_default) {
			s_fail_at(p, t, "parameter '%s' without a default follows a parameter with a default",
			          prm->name);
			goto fail;
		}
next:
		if (s_is_op(p, ",")) {
			s_next(p);
			continue;
		}
		if (!s_is_op(p, close)) {
			s_describe(s_tok(p), found, sizeof found);
			s_fail_at(p, s_tok(p), "expected ',' or '%s' after a parameter, found %s", close, found);
			goto fail;
		}
	}
	if (lambda) {
		f->sigtext = s_sigtext(p->src, sig0, s_tok(p)->offset, 1);
		f->name = strdup("<lambda>");
	} else {
		f->sigtext = s_sigtext(p->src, open->offset, s_tok(p)->offset + 1, 0);
	}
	if (f->sigtext == NULL || (lambda && f->name == NULL)) {
		s_nomem(p);
		goto fail;
	}
	return f;
fail:
	s_fundef_free(f);
	return NULL;
}

static mc_node *s_def(s_parser *p)
{
	const mc_token *kw = s_next(p), *name = s_tok(p), *open;
	mc_node *n;
	char found[96];
	int loops = p->loops;

	if (name->kind != MC_TK_NAME || s_is_keyword(name->text)) {
		s_describe(name, found, sizeof found);
		s_fail_at(p, name, "expected the function's name after 'def', found %s", found);
		return NULL;
	}
	s_next(p);
	open = s_tok(p);
	if (!s_is_op(p, "(")) {
		s_describe(open, found, sizeof found);
		s_fail_at(p, open, "expected '(' after 'def %s', found %s", name->text, found);
		return NULL;
	}
	s_next(p);
	n = s_node(p, MC_N_DEF, kw);
	if (n == NULL)
		return NULL;
	n->fn = s_params(p, ")", 0, open);
	if (n->fn == NULL) {
		mc_node_free(n);
		return NULL;
	}
	s_next(p);   /* ')' */
	n->fn->name = strdup(name->text);
	if (n->fn->name == NULL) {
		mc_node_free(n);
		s_nomem(p);
		return NULL;
	}
	if (s_name_key(p, n, n->fn->name) != 0) {
		mc_node_free(n);
		return NULL;
	}
	if (s_is_op(p, "->")) {
		mc_node *ann;

		s_next(p);
		ann = s_test(p);
		if (ann == NULL) {
			mc_node_free(n);
			return NULL;
		}
		mc_node_free(ann);
	}
	n->fn->body = s_node(p, MC_N_BLOCK, kw);
	p->loops = 0;
	p->funcs++;
	if (n->fn->body == NULL || s_block(p, n->fn->body, kw, "function definition") != 0 ||
	    s_analyze(p, n->fn, kw) != 0) {
		p->funcs--;
		p->loops = loops;
		mc_node_free(n);
		return NULL;
	}
	p->funcs--;
	p->loops = loops;
	return n;
}

/* ---- statements ---- */

static const char *const s_augops[] = { "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=",
                                        "&=", "|=", "^=", "<<=", ">>=", NULL };
static const int s_augcodes[] = { MC_OP_ADD, MC_OP_SUB, MC_OP_MUL, MC_OP_DIV, MC_OP_FLOORDIV,
                                  MC_OP_MOD, MC_OP_POW, MC_OP_MATMUL, MC_OP_BITAND, MC_OP_BITOR,
                                  MC_OP_BITXOR, MC_OP_LSHIFT, MC_OP_RSHIFT };

static mc_node *s_names_stmt(s_parser *p, mc_node_kind kind)
{
	const mc_token *kw = s_next(p);
	mc_node *n = s_node(p, kind, kw);
	char found[96];

	while (n != NULL) {
		const mc_token *t = s_tok(p);
		mc_node *nm;

		if (t->kind != MC_TK_NAME || s_is_keyword(t->text)) {
			s_describe(t, found, sizeof found);
			s_fail_at(p, t, "expected a name after '%s', found %s", kw->text, found);
			mc_node_free(n);
			return NULL;
		}
		nm = s_name_node(p, t);
		if (nm == NULL || s_add(p, n, nm) != 0) {
			mc_node_free(n);
			return NULL;
		}
		s_next(p);
		if (!s_is_op(p, ","))
			break;
		s_next(p);
	}
	if (n != NULL && kind == MC_N_NONLOCAL && p->funcs == 0) {
		s_fail_at(p, kw, "nonlocal declaration not allowed outside a function");
		mc_node_free(n);
		return NULL;
	}
	return n;
}

/* One simple statement. */
static mc_node *s_return_stmt(s_parser *p, const mc_token *start)
{
	mc_node *st;
	int tuple;

	if (p->funcs == 0) {
		s_fail_at(p, start, "'return' outside a function");
		return NULL;
	}
	s_next(p);
	st = s_node(p, MC_N_RETURN, start);
	if (st != NULL && !s_at_end(p)) {
		if (s_add(p, st, s_exprlist(p, 1, &tuple)) != 0 || p->failed) {
			mc_node_free(st);
			return NULL;
		}
	}
	return st;
}

static mc_node *s_del_stmt(s_parser *p, const mc_token *start)
{
	mc_node *st;

	s_next(p);
	st = s_node(p, MC_N_DEL, start);
	while (st != NULL) {
		mc_node *t = s_bitor(p);

		if (t != NULL && s_check_target(p, t, "delete") != 0) {
			mc_node_free(t);
			t = NULL;
		}
		if (t == NULL || s_add(p, st, t) != 0) {
			mc_node_free(st);
			return NULL;
		}
		if (!s_is_op(p, ","))
			break;
		s_next(p);
	}
	return st;
}

static mc_node *s_assert_stmt(s_parser *p, const mc_token *start)
{
	mc_node *st;

	s_next(p);
	st = s_wrap(p, MC_N_ASSERT, start, s_test(p));
	if (st != NULL && s_is_op(p, ",")) {
		s_next(p);
		if (s_add(p, st, s_test(p)) != 0 || p->failed) {
			mc_node_free(st);
			return NULL;
		}
	}
	return st;
}

/* A simple statement that starts with a keyword, or the error of a
 * keyword that cannot stand here. *handled is 0 when kw is no such word. */
static mc_node *s_keyword_stmt(s_parser *p, const mc_token *start, int *handled)
{
	const char *kw = start->text;

	*handled = 1;
	if (strcmp(kw, "pass") == 0 || strcmp(kw, "break") == 0 || strcmp(kw, "continue") == 0) {
		if (kw[0] != 'p' && p->loops == 0) {
			s_fail_at(p, start, "'%s' outside a loop", kw);
			return NULL;
		}
		s_next(p);
		return s_node(p, kw[0] == 'p' ? MC_N_PASS : kw[0] == 'b' ? MC_N_BREAK : MC_N_CONTINUE, start);
	}
	if (strcmp(kw, "return") == 0)
		return s_return_stmt(p, start);
	if (strcmp(kw, "global") == 0)
		return s_names_stmt(p, MC_N_GLOBAL);
	if (strcmp(kw, "nonlocal") == 0)
		return s_names_stmt(p, MC_N_NONLOCAL);
	if (strcmp(kw, "del") == 0)
		return s_del_stmt(p, start);
	if (strcmp(kw, "assert") == 0)
		return s_assert_stmt(p, start);
	if (strcmp(kw, "else") == 0 || strcmp(kw, "elif") == 0) {
		s_fail_at(p, start, "'%s' without a matching 'if', 'for' or 'while' above it at the same "
		          "indentation", kw);
		return NULL;
	}
	if (strcmp(kw, "if") == 0 || strcmp(kw, "while") == 0 || strcmp(kw, "for") == 0 ||
	    strcmp(kw, "def") == 0) {
		s_fail_at(p, start, "'%s' must start a line of its own (after ';' only simple "
		          "statements may follow)", kw);
		return NULL;
	}
	*handled = 0;
	return NULL;
}

/* first op= value, where op is s_augops[k] (the current token). */
static mc_node *s_augassign_stmt(s_parser *p, mc_node *first, int k)
{
	const mc_token *t = s_next(p);
	mc_node *rhs, *st;
	int tuple;

	if (first->kind != MC_N_NAME &&
	    !(first->kind == MC_N_POSTFIX && (first->kids[first->nkids - 1]->kind == MC_N_INDEX ||
	                                      first->kids[first->nkids - 1]->kind == MC_N_ATTR))) {
		s_fail_at(p, t, "'%s' needs a name or an item x[i] on its left", s_augops[k]);
		mc_node_free(first);
		return NULL;
	}
	rhs = s_exprlist(p, 0, &tuple);
	st = s_pair(p, MC_N_AUGASSIGN, t, first, rhs);
	if (st != NULL) {
		st->line = t->line;
		st->col = t->col;
		st->op = s_augcodes[k];
	}
	return st;
}

/* first = value (= value ...): every part but the last is a target. */
static mc_node *s_assign_stmt(s_parser *p, const mc_token *start, mc_node *first)
{
	mc_node *st = s_wrap(p, MC_N_ASSIGN, start, first);
	int tuple;

	if (st == NULL)
		return NULL;
	while (s_is_op(p, "=")) {
		mc_node *v;

		s_next(p);
		if (s_check_target(p, st->kids[st->nkids - 1], "assign to") != 0) {
			mc_node_free(st);
			return NULL;
		}
		v = s_exprlist(p, 1, &tuple);
		if (v == NULL || s_add(p, st, v) != 0) {
			mc_node_free(st);
			return NULL;
		}
	}
	return st;
}

/* The error for what follows a complete expression statement. */
static void s_fail_trailing(s_parser *p)
{
	const mc_token *t = s_tok(p);
	char found[96];

	s_describe(t, found, sizeof found);
	if (s_tok_is_kw(t, "if") || s_tok_is_kw(t, "for"))
		s_fail_at(p, t, "expected the end of the statement (a new line or ';'), found %s "
		          "(a conditional expression is 'x if c else y')", found);
	else
		s_fail_at(p, t, "expected the end of the statement (a new line or ';'), found %s%s",
		          found, t->kind == MC_TK_OP && strchr(")]}", t->op[0]) != NULL ?
		          " that closes nothing" : "");
}

static mc_node *s_simple(s_parser *p)
{
	const mc_token *start = s_tok(p);
	int tuple, k, handled = 0;
	mc_node *first, *st;

	if (start->kind == MC_TK_NAME) {
		st = s_keyword_stmt(p, start, &handled);
		if (handled)
			return st;
	}
	first = s_exprlist(p, 1, &tuple);
	if (first == NULL)
		return NULL;
	for (k = 0; s_augops[k] != NULL; k++)
		if (s_is_op(p, s_augops[k]))
			return s_augassign_stmt(p, first, k);
	if (s_is_op(p, "="))
		return s_assign_stmt(p, start, first);
	if (s_is_op(p, ":") && first->kind == MC_N_NAME) {
		s_fail_at(p, s_tok(p), "variable annotations (x: int = ...) are not part of this language; "
		          "write x = ...");
		mc_node_free(first);
		return NULL;
	}
	if (!s_at_end(p) && !(s_tok(p)->kind == MC_TK_NEWLINE)) {
		s_fail_trailing(p);
		mc_node_free(first);
		return NULL;
	}
	return s_wrap(p, MC_N_EXPR, start, first);
}

/* Simple statements separated by ';' up to the end of the line, added to into. */
static int s_simple_line(s_parser *p, mc_node *into)
{
	for (;;) {
		mc_node *st = s_simple(p);
		char found[96];

		if (st == NULL || s_add(p, into, st) != 0)
			return -1;
		if (s_tok(p)->kind == MC_TK_NEWLINE) {
			const mc_token *nl = s_next(p);

			if (nl->semicolon && !nl->eol && !s_at_end(p))
				continue;
			/* a final expression ended by ';' shows no result (as in IPython) */
			if (st->kind == MC_N_EXPR && nl->semicolon)
				st->flags |= MC_F_HIDE;
			return 0;
		}
		if (s_tok(p)->kind == MC_TK_EOF || s_tok(p)->kind == MC_TK_DEDENT)
			return 0;
		s_describe(s_tok(p), found, sizeof found);
		s_fail_at(p, s_tok(p), "expected the end of the statement (a new line or ';'), found %s", found);
		return -1;
	}
}

static int s_statement(s_parser *p, mc_node *into);

/* The body after ':': statements on the same line, or an indented block. */
static int s_block(s_parser *p, mc_node *into, const mc_token *opener, const char *what)
{
	char found[96];

	if (!s_is_op(p, ":")) {
		s_describe(s_tok(p), found, sizeof found);
		s_fail_at(p, s_tok(p), "expected ':' after the %s on line %d, found %s", what, opener->line,
		          found);
		return -1;
	}
	s_next(p);
	if (s_tok(p)->kind != MC_TK_NEWLINE) {
		if (s_tok(p)->kind == MC_TK_EOF) {
			s_fail_indent(p, s_tok(p), "expected an indented block after the %s on line %d", what,
			              opener->line);
			p->serr->incomplete = 1;
			return -1;
		}
		return s_simple_line(p, into);
	}
	s_next(p);
	if (s_tok(p)->kind != MC_TK_INDENT) {
		s_fail_indent(p, s_tok(p), "expected an indented block after the %s on line %d", what,
		              opener->line);
		{
			size_t k = 0;

			while (s_ahead(p, k)->kind == MC_TK_DEDENT)
				k++;
			if (s_ahead(p, k)->kind == MC_TK_EOF)
				p->serr->incomplete = 1;
		}
		return -1;
	}
	s_next(p);
	if (s_enter(p) != 0)
		return -1;
	while (s_tok(p)->kind != MC_TK_DEDENT && s_tok(p)->kind != MC_TK_EOF)
		if (s_statement(p, into) != 0) {
			s_leave(p);
			return -1;
		}
	s_leave(p);
	if (s_tok(p)->kind == MC_TK_DEDENT)
		s_next(p);
	return 0;
}

/* A block node for a compound statement's body. */
static mc_node *s_body(s_parser *p, const mc_token *opener, const char *what)
{
	mc_node *b = s_node(p, MC_N_BLOCK, opener);

	if (b == NULL || s_block(p, b, opener, what) != 0) {
		mc_node_free(b);
		return NULL;
	}
	return b;
}

/* An optional "else:" at the start of the next statement. */
static int s_else(s_parser *p, mc_node *n, const char *what)
{
	if (s_is_kw(p, "else")) {
		const mc_token *t = s_next(p);

		if (s_add(p, n, s_body(p, t, what)) != 0 || p->failed)
			return -1;
	}
	return 0;
}

/* The body of a loop (where break and continue may stand) and its else. */
static int s_loop_body(s_parser *p, mc_node *n, const mc_token *kw, const char *what)
{
	int rc;

	p->loops++;
	rc = s_add(p, n, s_body(p, kw, what)) != 0 || p->failed ? -1 : 0;
	p->loops--;
	return rc != 0 ? rc : s_else(p, n, "'else'");
}

static mc_node *s_compound(s_parser *p)
{
	const mc_token *kw = s_tok(p);
	mc_node *n = NULL;
	char found[96];

	if (strcmp(kw->text, "def") == 0)
		return s_def(p);
	s_next(p);
	if (strcmp(kw->text, "if") == 0) {
		n = s_node(p, MC_N_IF, kw);
		if (n == NULL || s_add(p, n, s_test(p)) != 0 || p->failed ||
		    s_add(p, n, s_body(p, kw, "'if' statement")) != 0 || p->failed)
			goto fail;
		while (s_is_kw(p, "elif")) {
			const mc_token *t = s_next(p);

			if (s_add(p, n, s_test(p)) != 0 || p->failed ||
			    s_add(p, n, s_body(p, t, "'elif' statement")) != 0 || p->failed)
				goto fail;
		}
		if (s_else(p, n, "'else'") != 0)
			goto fail;
		return n;
	}
	if (strcmp(kw->text, "while") == 0) {
		n = s_node(p, MC_N_WHILE, kw);
		if (n == NULL || s_add(p, n, s_test(p)) != 0 || p->failed)
			goto fail;
		if (s_loop_body(p, n, kw, "'while' statement") != 0)
			goto fail;
		return n;
	}
	/* for */
	{
		mc_node *target = s_targets(p);
		int tuple;

		n = s_node(p, MC_N_FOR, kw);
		if (n == NULL || target == NULL || s_check_target(p, target, "assign to") != 0) {
			mc_node_free(target);
			goto fail;
		}
		if (s_add(p, n, target) != 0)
			goto fail;
		if (!s_is_kw(p, "in")) {
			s_describe(s_tok(p), found, sizeof found);
			s_fail_at(p, s_tok(p), "expected 'in' after 'for %s', found %s",
			          target->kind == MC_N_NAME ? target->name : "...", found);
			goto fail;
		}
		s_next(p);
		if (s_add(p, n, s_exprlist(p, 1, &tuple)) != 0 || p->failed)
			goto fail;
		if (s_loop_body(p, n, kw, "'for' statement") != 0)
			goto fail;
		return n;
	}
fail:
	mc_node_free(n);
	return NULL;
}

/* One statement (a compound one or a line of simple ones), added to into. */
static int s_statement(s_parser *p, mc_node *into)
{
	const mc_token *t = s_tok(p);

	if (t->kind == MC_TK_INDENT) {
		s_fail_indent(p, t, "unexpected indent: this line is indented more than the block it is in");
		return -1;
	}
	if (t->kind == MC_TK_NAME && (strcmp(t->text, "if") == 0 || strcmp(t->text, "while") == 0 ||
	                              strcmp(t->text, "for") == 0 || strcmp(t->text, "def") == 0)) {
		mc_node *st = s_compound(p);

		if (st == NULL || s_add(p, into, st) != 0)
			return -1;
		return 0;
	}
	return s_simple_line(p, into);
}

static void s_init(s_parser *p, const char *src, mc_syntax_error *serr)
{
	memset(p, 0, sizeof *p);
	p->serr = serr;
	p->src = src;
	p->limit = mc_lang_depth_limit();
}

int mc_parse(mc_program *prog, const char *src, mc_syntax_error *serr)
{
	s_parser p;
	mc_node *top;
	int rc, entered = mc_stack_enter();

	prog->stmts = NULL;
	prog->n = 0;
	s_init(&p, src, serr);
	rc = mc_lex(&p.toks, src, serr);
	if (rc != 0) {
		mc_stack_leave(entered);
		return rc;
	}
	top = s_node(&p, MC_N_BLOCK, s_tok(&p));
	while (top != NULL && s_tok(&p)->kind != MC_TK_EOF && !p.failed) {
		if (s_tok(&p)->kind == MC_TK_NEWLINE || s_tok(&p)->kind == MC_TK_DEDENT) {
			s_next(&p);
			continue;
		}
		if (s_statement(&p, top) != 0)
			break;
	}
	/* a final expression hides its result only when ';' is the last thing */
	if (top != NULL && !p.failed && top->nkids > 0) {
		size_t i;

		for (i = 0; i + 1 < top->nkids; i++)
			top->kids[i]->flags &= ~MC_F_HIDE;
	}
	mc_tokens_free(&p.toks);
	mc_stack_leave(entered);
	if (p.failed || top == NULL) {
		mc_node_free(top);
		return MC_ERR_PARSE;
	}
	prog->stmts = top->kids;
	prog->n = top->nkids;
	top->kids = NULL;
	top->nkids = 0;
	mc_node_free(top);
	return 0;
}

int mc_parse_expr(mc_node **out, const char *src, mc_syntax_error *serr)
{
	s_parser p;
	int tuple, entered = mc_stack_enter();
	mc_node *n;
	char found[96];

	*out = NULL;
	s_init(&p, src, serr);
	if (mc_lex(&p.toks, src, serr) != 0) {
		mc_stack_leave(entered);
		return MC_ERR_PARSE;
	}
	while (s_tok(&p)->kind == MC_TK_NEWLINE)
		s_next(&p);
	n = s_exprlist(&p, 1, &tuple);
	while (n != NULL && s_tok(&p)->kind == MC_TK_NEWLINE)
		s_next(&p);
	if (n != NULL && s_tok(&p)->kind != MC_TK_EOF) {
		s_describe(s_tok(&p), found, sizeof found);
		s_fail_at(&p, s_tok(&p), "expected the end of the expression, found %s", found);
		mc_node_free(n);
		n = NULL;
	}
	mc_tokens_free(&p.toks);
	mc_stack_leave(entered);
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

/* ---- code objects ---- */

int mc_code_parse(mc_code **out, const char *src, const char *label, mc_syntax_error *serr)
{
	size_t n = strlen(src) + 1;
	mc_code *c = calloc(1, sizeof *c + n);
	int rc;

	*out = NULL;
	if (c == NULL) {
		memset(serr, 0, sizeof *serr);
		snprintf(serr->ename, sizeof serr->ename, "MemoryError");
		snprintf(serr->msg, sizeof serr->msg, "out of memory");
		return MC_ERR_NOMEM;
	}
	memcpy(c->text, src, n);
	c->src = c->text;
	c->refs = 1;
	snprintf(c->label, sizeof c->label, "%s", label != NULL ? label : "Cell");
	rc = mc_parse(&c->prog, c->src, serr);
	if (rc != 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

mc_code *mc_code_ref(mc_code *c)
{
	if (c != NULL)
		c->refs++;
	return c;
}

void mc_code_unref(mc_code *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	mc_program_free(&c->prog);
	free(c);
}

const char *mc_code_line(const mc_code *c, int n, size_t *len)
{
	const char *p = c != NULL ? c->src : NULL, *end;
	int l;

	*len = 0;
	if (p == NULL)
		return "";
	for (l = 1; l < n && p != NULL; l++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return "";
	end = strchr(p, '\n');
	*len = end != NULL ? (size_t)(end - p) : strlen(p);
	if (*len > 0 && p[*len - 1] == '\r')
		(*len)--;
	return p;
}
