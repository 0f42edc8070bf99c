/* The parser of the command language: tokens to a syntax tree.
 *
 * Grammar (Python-like, one statement per line or separated by ';'):
 *   stmt    := targets '=' ... '=' exprlist | target augop expr | exprlist
 *   exprlist:= expr (',' expr)* [',']          (two or more make a list)
 *   expr    := or ; or := and ('or' and)* ; and := not ('and' not)*
 *   not     := 'not' not | cmp ; cmp := sum (cmpop sum)*
 *   sum     := term (('+'|'-') term)* ; term := unary (('*'|'/'|'//'|'%') unary)*
 *   unary   := ('-'|'+') unary | power ; power := postfix ['**' unary]
 *   postfix := atom ( '(' args ')' | '[' subscript ']' | '.' NAME )*
 *   atom    := NAME | number | string+ | true/false/none | '(' exprlist ')' |
 *              '[' [exprlist] ']' | '{' [expr ':' expr (',' ...)*] '}'
 */
#ifndef MASKCLEAN_PARSER_H
#define MASKCLEAN_PARSER_H

#include "lexer.h"
#include "value.h"

typedef enum mc_node_kind {
	MC_N_LITERAL,   /* lit */
	MC_N_NAME,      /* name */
	MC_N_LIST,      /* kids: items */
	MC_N_TUPLE,     /* kids: items (evaluates to a list; a target when assigned) */
	MC_N_DICT,      /* kids: key, value, key, value, ... */
	MC_N_UNARY,     /* op: "-", "+", "not"; kids[0] */
	MC_N_BINARY,    /* op: "+", "-", "*", "/", "//", "%", "**", comparisons, "in",
	                   "not in", "is", "is not"; kids[0], kids[1] */
	MC_N_AND,       /* kids[0], kids[1] */
	MC_N_OR,
	MC_N_CALL,      /* kids[0] callee, kids[1..] arguments (MC_N_KWARG for name=value) */
	MC_N_KWARG,     /* name, kids[0] */
	MC_N_INDEX,     /* kids[0] object, kids[1] index (MC_N_SLICE or MC_N_TUPLE for a[i, j]) */
	MC_N_SLICE,     /* kids[0..2]: start, stop, step (each may be NULL) */
	MC_N_ATTR,      /* kids[0] object, name */
	MC_N_ASSIGN,    /* kids[0..n-2] targets, kids[n-1] value */
	MC_N_AUGASSIGN, /* op ("+", ...), kids[0] target, kids[1] value */
	MC_N_EXPR       /* expression statement: kids[0]; op ";" when a final ';' hides the result */
} mc_node_kind;

typedef struct mc_node mc_node;
struct mc_node {
	mc_node_kind kind;
	int line, col;      /* where the caret goes for errors about this node */
	char op[8];
	char *name;         /* owned */
	mc_value *lit;      /* owned */
	mc_node **kids;     /* owned; entries may be NULL (slices) */
	size_t nkids;
	int open_line, open_col;   /* calls: the '(' */
};

typedef struct mc_program {
	mc_node **stmts;
	size_t n;
} mc_program;

/* Parses src. Returns 0 and fills *prog (free with mc_program_free), or
 * MC_ERR_PARSE with *serr saying where and what was expected, e.g.
 * "expected ')' to close '(' opened at line 1, column 4". */
int mc_parse(mc_program *prog, const char *src, mc_syntax_error *serr);
void mc_program_free(mc_program *prog);
void mc_node_free(mc_node *n);

/* Parses a single expression (no assignment). */
int mc_parse_expr(mc_node **out, const char *src, mc_syntax_error *serr);

#endif
