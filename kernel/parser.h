/* The parser of the command language: tokens to a syntax tree, with
 * Python's grammar for the statements and expressions the language has.
 *
 *   block    := statements at one indentation (INDENT ... DEDENT)
 *   compound := if/elif/else, while [else], for target in exprlist [else],
 *               def NAME(params): block
 *   simple   := targets '=' ... '=' exprlist | target augop exprlist |
 *               exprlist | pass | break | continue | return [exprlist] |
 *               del targets | global NAMEs | nonlocal NAMEs |
 *               assert expr [',' expr]     (several on a line, with ';')
 *   expr     := lambda params: expr | or ['if' or 'else' expr]
 *   or/and/not, comparisons (chained: a < b <= c), | sum, term, unary,
 *   power := postfix ['**' unary] ; postfix := atom trailer*
 *   trailer  := '(' args ')' | '[' subscript ']' | '.' NAME
 *   atom     := NAME | number | string+ | f-string | True/False/None |
 *               '(' [exprlist | comprehension] ')' | '[' [...] ']' | '{' [...] '}'
 *
 * Chains of one precedence level (a + b - c, a < b < c, x[0][1].y(2)) are
 * kept flat, so their length costs no recursion. Nesting (brackets, unary
 * operators, '**', blocks) is limited by mc_lang_depth_limit() and by the
 * room left on the C stack. */
#ifndef MASKCLEAN_PARSER_H
#define MASKCLEAN_PARSER_H

#include "lexer.h"
#include "value.h"

typedef enum mc_node_kind {
	/* expressions */
	MC_N_LITERAL,   /* lit */
	MC_N_NAME,      /* name */
	MC_N_LIST,      /* kids: items (MC_N_STAR for *x) */
	MC_N_TUPLE,     /* kids: items (evaluates to a list; a target when assigned) */
	MC_N_DICT,      /* kids: key, value, key, value, ... */
	MC_N_UNARY,     /* op: MC_OP_NEG, MC_OP_POS, MC_OP_NOT; kids[0] */
	MC_N_BINARY,    /* kids[0..n-1] operands; links[i] joins kids[i] and kids[i + 1],
	                   left to right (a '**' node has two kids) */
	MC_N_COMPARE,   /* kids[0..n-1]; links: comparisons, chained as in Python */
	MC_N_AND,       /* kids[0..n-1], short-circuit */
	MC_N_OR,
	MC_N_IFEXP,     /* kids: value, condition, else-value */
	MC_N_LAMBDA,    /* fn */
	MC_N_COMP,      /* comprehension: op MC_COMP_LIST or MC_COMP_DICT; kids[0] the item
	                   (dicts: kids[0] key, kids[1] value), then MC_N_COMPFOR and
	                   MC_N_COMPIF clauses in order */
	MC_N_COMPFOR,   /* kids: target, iterable */
	MC_N_COMPIF,    /* kids[0] condition */
	MC_N_FSTRING,   /* kids: MC_N_LITERAL (str) and MC_N_FORMAT parts */
	MC_N_FORMAT,    /* kids[0] value, kids[1] the spec (MC_N_FSTRING) or NULL;
	                   op: 0, 'r', 's' or 'a' (the !conversion) */
	MC_N_POSTFIX,   /* kids[0] the primary, kids[1..] trailers applied in order */
	MC_N_CALL,      /* trailer: kids are the arguments (expressions, MC_N_KWARG,
	                   MC_N_STAR *x, MC_N_DSTAR **x) */
	MC_N_INDEX,     /* trailer: kids[0] the index (MC_N_SLICE or MC_N_TUPLE for a[i, j]) */
	MC_N_ATTR,      /* trailer: name */
	MC_N_SLICE,     /* kids[0..2]: start, stop, step (each may be NULL) */
	MC_N_KWARG,     /* name, kids[0] */
	MC_N_STAR,      /* kids[0]: *x in a call, a list display or an assignment target */
	MC_N_DSTAR,     /* kids[0]: **x in a call */
	/* statements */
	MC_N_EXPR,      /* kids[0]; flags MC_F_HIDE when a final ';' hides the result */
	MC_N_ASSIGN,    /* kids[0..n-2] targets, kids[n-1] value */
	MC_N_AUGASSIGN, /* op, kids[0] target, kids[1] value */
	MC_N_IF,        /* kids: cond, block, cond, block, ... [, else-block] */
	MC_N_WHILE,     /* kids: cond, block [, else-block] */
	MC_N_FOR,       /* kids: target, iterable, block [, else-block] */
	MC_N_BREAK,
	MC_N_CONTINUE,
	MC_N_PASS,
	MC_N_RETURN,    /* kids[0] value or none */
	MC_N_DEF,       /* fn */
	MC_N_GLOBAL,    /* kids: MC_N_NAME */
	MC_N_NONLOCAL,  /* kids: MC_N_NAME */
	MC_N_DEL,       /* kids: targets */
	MC_N_ASSERT,    /* kids: condition [, message] */
	MC_N_BLOCK      /* kids: statements */
} mc_node_kind;

typedef enum mc_op {
	MC_OP_NONE,
	MC_OP_ADD, MC_OP_SUB, MC_OP_MUL, MC_OP_DIV, MC_OP_FLOORDIV, MC_OP_MOD, MC_OP_POW,
	MC_OP_MATMUL,
	MC_OP_EQ, MC_OP_NE, MC_OP_LT, MC_OP_LE, MC_OP_GT, MC_OP_GE,
	MC_OP_IN, MC_OP_NOTIN, MC_OP_IS, MC_OP_ISNOT,
	MC_OP_NEG, MC_OP_POS, MC_OP_NOT,
	MC_OP_LSHIFT, MC_OP_RSHIFT, MC_OP_BITAND, MC_OP_BITXOR, MC_OP_BITOR, MC_OP_INVERT
} mc_op;

/* The text of an operator ("+", "not in"). */
const char *mc_op_text(int op);

enum { MC_COMP_LIST = 1, MC_COMP_DICT = 2 };
enum { MC_F_HIDE = 1 };

/* How one parameter is passed (signatures of table functions and of
 * functions defined in the language). */
typedef enum mc_param_kind {
	MC_PARAM_NORMAL,   /* positional or keyword */
	MC_PARAM_KWONLY,   /* after a bare '*' or '*args' */
	MC_PARAM_VARARGS,  /* *args: extra positionals as a list */
	MC_PARAM_VARKW     /* **kwargs: extra keywords as a dict */
} mc_param_kind;

typedef struct mc_node mc_node;

typedef struct mc_fparam {
	char *name;
	mc_param_kind kind;
	mc_node *dflt;     /* default expression, or NULL */
} mc_fparam;

/* A function definition (def or lambda), as parsed. */
typedef struct mc_fundef {
	char *name;            /* "f", or "<lambda>" */
	char *sigtext;         /* "(a, b=1, *args, c=2, **kw)" as written, on one line */
	char *doc;             /* the docstring, or NULL */
	mc_fparam *params;
	size_t nparams;
	mc_node *body;         /* MC_N_BLOCK, or the expression of a lambda */
	char **locals;         /* sorted names bound in the body (parameters included) */
	size_t nlocals;
	char **globals;        /* declared global */
	size_t nglobals;
	char **nonlocals;      /* declared nonlocal */
	size_t nnonlocals;
	int line, col;
} mc_fundef;

/* 1 if name is in a sorted name list. */
int mc_names_has(char *const *names, size_t n, const char *name);

/* An operator between two operands of a chain, and where it is written. */
typedef struct mc_link {
	int op;
	int line, col;
} mc_link;

struct mc_node {
	mc_node_kind kind;
	int line, col;      /* where the caret goes for errors about this node */
	int op;             /* mc_op (UNARY, AUGASSIGN), MC_COMP_* (COMP), conversion (FORMAT) */
	int flags;
	char *name;         /* owned */
	uint64_t hash;      /* of the name (NAME, DEF), set by the parser */
	int hashed;
	mc_value *lit;      /* owned; NAME, DEF: the name as a str, the key it is stored under */
	int wide;           /* LITERAL: an int beyond 64 bits from a constant expression;
	                       lit holds it as a float, wide_hi:wide_lo exactly */
	int64_t wide_hi;
	uint64_t wide_lo;
	mc_node **kids;     /* owned; entries may be NULL (slices, defaults) */
	size_t nkids;
	mc_link *links;     /* BINARY, COMPARE: nkids - 1 links (owned) */
	mc_fundef *fn;      /* DEF, LAMBDA (owned) */
};

typedef struct mc_program {
	mc_node **stmts;
	size_t n;
} mc_program;

/* Parses src. Returns 0 and fills *prog (free with mc_program_free), or
 * MC_ERR_PARSE with *serr saying where and what was expected, e.g.
 * "expected ')' to close '(' opened at line 1, column 4". serr->incomplete
 * is 1 when more lines could complete the code (an open bracket or string,
 * or a block with no body yet at the end). */
int mc_parse(mc_program *prog, const char *src, mc_syntax_error *serr);
void mc_program_free(mc_program *prog);
void mc_node_free(mc_node *n);

/* Parses a single expression (or a comma-separated list) and nothing else. */
int mc_parse_expr(mc_node **out, const char *src, mc_syntax_error *serr);

/* A parsed cell: its source, kept for tracebacks, and its tree, kept alive
 * by the functions it defines. Reference-counted. */
typedef struct mc_code {
	long refs;
	const char *src;    /* text, for a parsed cell; a frame over a source
	                     * that did not parse borrows it */
	mc_program prog;
	char label[64];     /* how tracebacks name it: "Cell In[3]" */
	char text[];        /* the source, kept with the code (mc_code_parse) */
} mc_code;

/* Parses src into a new code object (refs 1). On failure returns
 * MC_ERR_PARSE or MC_ERR_NOMEM with *serr filled and *out NULL. */
int mc_code_parse(mc_code **out, const char *src, const char *label, mc_syntax_error *serr);
mc_code *mc_code_ref(mc_code *c);
void mc_code_unref(mc_code *c);
/* Line n (1-based) of the code's source: a pointer into it and its length
 * without the newline; "" past the end. */
const char *mc_code_line(const mc_code *c, int n, size_t *len);

#endif
