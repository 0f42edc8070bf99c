/* The tokenizer of the command language: turns source text into tokens with
 * line and column (columns count Unicode code points, from 1), following
 * Python's rules: newlines inside brackets are dropped, so statements
 * continue over lines; ';' ends a statement like a newline; the indentation
 * of a line that starts a statement opens (INDENT) or closes (DEDENT)
 * blocks. */
#ifndef MASKCLEAN_LEXER_H
#define MASKCLEAN_LEXER_H

#include <stddef.h>
#include <stdint.h>

typedef enum mc_tok_kind {
	MC_TK_EOF,
	MC_TK_NEWLINE,   /* end of a statement: newline outside brackets, or ';' */
	MC_TK_INDENT,    /* a line indented deeper than the block it follows */
	MC_TK_DEDENT,    /* one block closed by a line indented less */
	MC_TK_NAME,      /* identifiers and keywords */
	MC_TK_INT,
	MC_TK_FLOAT,
	MC_TK_STRING,
	MC_TK_FSTRING,   /* f"...": text holds the raw characters between the quotes */
	MC_TK_OP         /* punctuation: ( ) [ ] { } , : . ; = + - * / // % ** @ == != < <= > >=
	                    and the augmented assignments += -= *= /= //= %= **= */
} mc_tok_kind;

typedef struct mc_token {
	char *text;           /* NAME: the name; STRING: decoded value; FSTRING: raw (owned) */
	size_t offset, len;   /* bytes of the token in the source */
	size_t text_len;
	union {
		int64_t ival;     /* INT */
		uint64_t uval;    /* INT: the value as written (up to 2**64 - 1) */
		double fval;      /* FLOAT */
	};
	int line, col;        /* where the token starts, 1-based, col in code points */
	int body_line, body_col;   /* FSTRING: where the text starts */
	int indent;           /* INDENT/DEDENT: the indentation of the line, in columns */
	char op[4];           /* MC_TK_OP: the operator text */
	unsigned char kind;   /* mc_tok_kind */
	unsigned char wide;   /* INT: uval does not fit in int64 */
	unsigned char semicolon;   /* MC_TK_NEWLINE made by ';' */
	unsigned char eol;    /* MC_TK_NEWLINE: the line ends here */
	unsigned char raw;    /* FSTRING: r prefix (no escapes) */
	unsigned char triple; /* STRING/FSTRING: triple-quoted */
} mc_token;

typedef struct mc_tokens {
	mc_token *t;
	size_t n;
	int open_at_eof;   /* brackets still open at the end of the source */
} mc_tokens;

/* Where and why tokenizing or parsing failed. incomplete is 1 when more
 * input could fix it (an open bracket or string at the end, a block
 * without a body yet). */
typedef struct mc_syntax_error {
	int line, col;
	char msg[512];
	int incomplete;
	char ename[32];    /* "SyntaxError" or "IndentationError" */
} mc_syntax_error;

/* The deepest indentation: 100 levels, as Python. */
#define MC_MAX_INDENT 100

/* Tokenizes src (NUL-terminated UTF-8). Returns 0 and fills *out (free with
 * mc_tokens_free), or MC_ERR_PARSE / MC_ERR_NOMEM with *serr filled and *out
 * empty. The last token is always MC_TK_EOF; before it every open block is
 * closed by a DEDENT. */
int mc_lex(mc_tokens *out, const char *src, mc_syntax_error *serr);
/* The same for a piece of a larger source (an f-string's expression):
 * tokens are placed as if src started at line, col, and no indentation is
 * tracked. */
int mc_lex_at(mc_tokens *out, const char *src, int line, int col, mc_syntax_error *serr);
void mc_tokens_free(mc_tokens *toks);

/* Text of a token for messages: "')'", "name 'x'", "end of input". */
void mc_token_describe(const mc_token *t, char *buf, size_t n);

/* Decodes the escapes of a string literal's body s[0..n) into out (at
 * least n + 1 bytes); returns the decoded length, or -1 with msg filled
 * and *bad set to the byte offset of the faulty escape. */
long mc_unescape(const char *s, size_t n, char *out, char *msg, size_t msgn, size_t *bad);

#endif
