/* The tokenizer of the command language: turns source text into tokens with
 * line and column (columns count Unicode code points, from 1). Newlines inside
 * brackets are dropped, so statements continue over lines; ';' ends a
 * statement like a newline. */
#ifndef MASKCLEAN_LEXER_H
#define MASKCLEAN_LEXER_H

#include <stddef.h>
#include <stdint.h>

typedef enum mc_tok_kind {
	MC_TK_EOF,
	MC_TK_NEWLINE,   /* end of a statement: newline outside brackets, or ';' */
	MC_TK_NAME,      /* identifiers and keywords */
	MC_TK_INT,
	MC_TK_FLOAT,
	MC_TK_STRING,
	MC_TK_OP         /* punctuation: ( ) [ ] { } , : . = + - * / // % ** == != < <= > >= += -= *= /= */
} mc_tok_kind;

typedef struct mc_token {
	mc_tok_kind kind;
	int line, col;        /* where the token starts, 1-based, col in code points */
	size_t offset, len;   /* bytes of the token in the source */
	char op[4];           /* MC_TK_OP: the operator text */
	char *text;           /* MC_TK_NAME: the name; MC_TK_STRING: decoded value (owned) */
	size_t text_len;
	int64_t ival;
	double fval;
	int semicolon;        /* MC_TK_NEWLINE made by ';' */
} mc_token;

typedef struct mc_tokens {
	mc_token *t;
	size_t n;
	int open_at_eof;   /* brackets still open at the end of the source */
} mc_tokens;

/* Where and why tokenizing or parsing failed. incomplete is 1 when more
 * input could fix it (an open bracket or string at the end). */
typedef struct mc_syntax_error {
	int line, col;
	char msg[512];
	int incomplete;
} mc_syntax_error;

/* Tokenizes src (NUL-terminated UTF-8). Returns 0 and fills *out (free with
 * mc_tokens_free), or MC_ERR_PARSE / MC_ERR_NOMEM with *serr filled and *out
 * empty. The last token is always MC_TK_EOF. */
int mc_lex(mc_tokens *out, const char *src, mc_syntax_error *serr);
void mc_tokens_free(mc_tokens *toks);

/* Text of a token for messages: "')'", "name 'x'", "end of input". */
void mc_token_describe(const mc_token *t, char *buf, size_t n);

#endif
