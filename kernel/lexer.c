/* This module implements the tokenizer of the command language (lexer.h):
 * one pass over the source, linear in its length, with Python's rules for
 * indentation, continuation lines, numbers and string literals. */
#include "lexer.h"
#include "maskclean/error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct s_lexer {
	const char *src;
	size_t pos;
	int line, col;
	int depth;          /* open brackets */
	int nested;         /* a piece of an f-string: no indentation, newlines are spaces */
	int line_start;     /* at the start of a logical line: indentation counts */
	int indents[MC_MAX_INDENT + 1];    /* columns, a tab to the next multiple of 8 */
	int indents1[MC_MAX_INDENT + 1];   /* columns, a tab as one (to catch mixed tabs) */
	int nindent;
	mc_tokens *out;
	size_t cap;
	mc_syntax_error *serr;
} s_lexer;

static int s_fail(s_lexer *lx, int line, int col, int incomplete, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int s_fail(s_lexer *lx, int line, int col, int incomplete, const char *fmt, ...)
{
	va_list ap;

	lx->serr->line = line;
	lx->serr->col = col;
	lx->serr->incomplete = incomplete;
	va_start(ap, fmt);
	vsnprintf(lx->serr->msg, sizeof lx->serr->msg, fmt, ap);
	va_end(ap);
	return MC_ERR_PARSE;
}

/* Advances one byte, keeping line and code-point column. */
static void s_adv(s_lexer *lx)
{
	unsigned char c = (unsigned char)lx->src[lx->pos];

	if (c == '\0')
		return;
	lx->pos++;
	if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		lx->col++;
	}
}

static char s_cur(const s_lexer *lx) { return lx->src[lx->pos]; }
static char s_peek(const s_lexer *lx, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (lx->src[lx->pos + i] == '\0')
			return '\0';
	return lx->src[lx->pos + k];
}

static mc_token *s_push(s_lexer *lx, mc_tok_kind kind, int line, int col, size_t off)
{
	mc_token *t;

	if (lx->out->n == lx->cap) {
		size_t cap = lx->cap ? 2 * lx->cap : 64;
		mc_token *p = realloc(lx->out->t, cap * sizeof *p);

		if (p == NULL)
			return NULL;
		lx->out->t = p;
		lx->cap = cap;
	}
	t = &lx->out->t[lx->out->n++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->line = line;
	t->col = col;
	t->offset = off;
	return t;
}

static int s_is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int s_is_ident(unsigned char c)
{
	return s_is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Writes the UTF-8 encoding of code point cp to buf. */
static size_t s_utf8_put(char *buf, unsigned long cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xC0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xE0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	buf[0] = (char)(0xF0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	buf[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int s_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads k hex digits at s[i..n); -1 if they are not there. */
static long s_hex_digits(const char *s, size_t n, size_t i, int k)
{
	long v = 0;
	int j;

	if (i + (size_t)k > n)
		return -1;
	for (j = 0; j < k; j++) {
		int h = s_hexval(s[i + (size_t)j]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

long mc_unescape(const char *s, size_t n, char *out, char *msg, size_t msgn, size_t *bad)
{
	size_t i = 0, o = 0;

	while (i < n) {
		char e;
		long cp = -1;
		int digits = 0;

		if (s[i] != '\\' || i + 1 >= n) {
			out[o++] = s[i++];
			continue;
		}
		e = s[i + 1];
		switch (e) {
		case 'n': out[o++] = '\n'; i += 2; continue;
		case 't': out[o++] = '\t'; i += 2; continue;
		case 'r': out[o++] = '\r'; i += 2; continue;
		case 'a': out[o++] = '\a'; i += 2; continue;
		case 'b': out[o++] = '\b'; i += 2; continue;
		case 'f': out[o++] = '\f'; i += 2; continue;
		case 'v': out[o++] = '\v'; i += 2; continue;
		case '\\': out[o++] = '\\'; i += 2; continue;
		case '\'': out[o++] = '\''; i += 2; continue;
		case '"': out[o++] = '"'; i += 2; continue;
		case '\n': i += 2; continue;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		default:
			if (e >= '0' && e <= '7') {
				/* octal: up to three digits, as in Python */
				int k = 0;

				cp = 0;
				while (k < 3 && i + 1 + (size_t)k < n && s[i + 1 + k] >= '0' && s[i + 1 + k] <= '7') {
					cp = cp * 8 + (s[i + 1 + k] - '0');
					k++;
				}
				i += 1 + (size_t)k;
				o += s_utf8_put(out + o, (unsigned long)cp);
				continue;
			}
			/* unknown escapes stay as written, as in Python */
			out[o++] = s[i++];
			continue;
		}
		cp = s_hex_digits(s, n, i + 2, digits);
		if (cp < 0) {
			snprintf(msg, msgn, "bad escape: expected %d hex digits after '\\%c'", digits, e);
			*bad = i;
			return -1;
		}
		if (cp > 0x10FFFF) {
			snprintf(msg, msgn, "bad escape: code point out of range (the largest is \\U0010ffff)");
			*bad = i;
			return -1;
		}
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			/* a surrogate pair written as two escapes is one character; a lone
			 * surrogate cannot be held by a UTF-8 string */
			long lo = -1;

			if (cp <= 0xDBFF && i + 2 + (size_t)digits + 1 < n && s[i + 2 + digits] == '\\' &&
			    s[i + 3 + digits] == 'u')
				lo = s_hex_digits(s, n, i + 4 + (size_t)digits, 4);
			if (lo < 0xDC00 || lo > 0xDFFF) {
				snprintf(msg, msgn, "bad escape: \\%c%0*lx is a lone surrogate, which a string cannot "
				         "hold; write the character itself or its code point (\\U0001f600)",
				         e, digits, (unsigned long)cp);
				*bad = i;
				return -1;
			}
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 6;
		}
		i += 2 + (size_t)digits;
		o += s_utf8_put(out + o, (unsigned long)cp);
	}
	out[o] = '\0';
	return (long)o;
}

/* A string literal at lx->pos: prefix letters (r, f, b), quotes, body. */
static int s_string(s_lexer *lx)
{
	int line = lx->line, col = lx->col, raw = 0, fstr = 0, triple;
	size_t off = lx->pos, body, end;
	char q;
	mc_token *t;

	while (s_cur(lx) != '"' && s_cur(lx) != '\'') {
		char c = s_cur(lx);

		if (c == 'r' || c == 'R')
			raw = 1;
		else if (c == 'f' || c == 'F')
			fstr = 1;
		else if (c == 'b' || c == 'B')
			return s_fail(lx, line, col, 0, "bytes literals (b\"...\") are not part of this language; "
			              "use a str");
		s_adv(lx);
	}
	q = s_cur(lx);
	triple = s_peek(lx, 1) == q && s_peek(lx, 2) == q;
	s_adv(lx);
	if (triple) {
		s_adv(lx);
		s_adv(lx);
	}
	body = lx->pos;
	t = NULL;
	{
		int bline = lx->line, bcol = lx->col;

		for (;;) {
			char c = s_cur(lx);

			if (c == '\0' || (c == '\n' && !triple))
				return s_fail(lx, line, col, triple && c == '\0',
				              "unterminated string: expected %s%c%s to close the string opened at line %d, column %d",
				              triple ? "" : "'", q, triple ? " three times" : "'", line, col);
			if (c == q && (!triple || (s_peek(lx, 1) == q && s_peek(lx, 2) == q)))
				break;
			if (c == '\\' && s_peek(lx, 1) != '\0')
				s_adv(lx);
			s_adv(lx);
		}
		end = lx->pos;
		s_adv(lx);
		if (triple) {
			s_adv(lx);
			s_adv(lx);
		}
		t = s_push(lx, fstr ? MC_TK_FSTRING : MC_TK_STRING, line, col, off);
		if (t == NULL)
			return MC_ERR_NOMEM;
		t->len = lx->pos - off;
		t->raw = raw;
		t->triple = triple;
		t->body_line = bline;
		t->body_col = bcol;
	}
	/* decoded text is never longer than the body */
	t->text = malloc(end - body + 1);
	if (t->text == NULL)
		return MC_ERR_NOMEM;
	if (raw || fstr) {
		/* f-strings are decoded piece by piece by the parser */
		memcpy(t->text, lx->src + body, end - body);
		t->text[end - body] = '\0';
		t->text_len = end - body;
	} else {
		char msg[256];
		size_t bad = 0;
		long n = mc_unescape(lx->src + body, end - body, t->text, msg, sizeof msg, &bad);

		if (n < 0) {
			/* the column of the escape: count code points up to it */
			int ecol = t->body_col, eline = t->body_line;
			size_t k;

			for (k = 0; k < bad; k++) {
				unsigned char ch = (unsigned char)lx->src[body + k];

				if (ch == '\n') {
					eline++;
					ecol = 1;
				} else if ((ch & 0xC0) != 0x80) {
					ecol++;
				}
			}
			return s_fail(lx, eline, ecol, 0, "%s", msg);
		}
		t->text_len = (size_t)n;
	}
	return 0;
}

static int s_digit_in(char c, int base)
{
	int v = s_hexval(c);

	return v >= 0 && v < base;
}

static int s_is_digit_(char c)
{
	return (c >= '0' && c <= '9') || c == '_';
}

/* The digits of 0x.., 0o.., 0b.. after the prefix; *base is 16, 8 or 2. */
static int s_number_prefixed(s_lexer *lx, int *base)
{
	char p = s_peek(lx, 1);

	*base = (p == 'x' || p == 'X') ? 16 : (p == 'o' || p == 'O') ? 8 : 2;
	s_adv(lx);
	s_adv(lx);
	if (!s_digit_in(s_cur(lx), *base) && s_cur(lx) != '_')
		return s_fail(lx, lx->line, lx->col, 0, "bad number: expected %s digits after '0%c'",
		              *base == 16 ? "hexadecimal" : *base == 8 ? "octal" : "binary", p);
	while (s_digit_in(s_cur(lx), *base) || s_cur(lx) == '_')
		s_adv(lx);
	return 0;
}

/* Decimal digits, a fraction and an exponent; *is_float when either. */
static int s_number_decimal(s_lexer *lx, int *is_float)
{
	char c1, c2;

	while (s_is_digit_(s_cur(lx)))
		s_adv(lx);
	if (s_cur(lx) == '.' && !(s_peek(lx, 1) == '.')) {
		*is_float = 1;
		s_adv(lx);
		while (s_is_digit_(s_cur(lx)))
			s_adv(lx);
	}
	if (s_cur(lx) != 'e' && s_cur(lx) != 'E')
		return 0;
	c1 = s_peek(lx, 1);
	c2 = s_peek(lx, 2);
	if (!((c1 >= '0' && c1 <= '9') || ((c1 == '+' || c1 == '-') && c2 >= '0' && c2 <= '9')))
		return s_fail(lx, lx->line, lx->col + 1, 0, "bad number: expected digits after the exponent 'e'");
	*is_float = 1;
	s_adv(lx);
	if (s_cur(lx) == '+' || s_cur(lx) == '-')
		s_adv(lx);
	while (s_is_digit_(s_cur(lx)))
		s_adv(lx);
	return 0;
}

/* The value of an int literal's digits (text, without '_') into t: an
 * int64 or uint64, or a float beyond 64 bits (as integer arithmetic that
 * overflows). */
static void s_int_value(mc_token *t, const char *text, size_t n, int base)
{
	uint64_t u = 0;
	double big = 0;
	int wide = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int d = s_hexval(text[i]);

		big = big * base + d;
		if (!wide && (__builtin_mul_overflow(u, (uint64_t)base, &u) ||
		              __builtin_add_overflow(u, (uint64_t)d, &u)))
			wide = 1;
	}
	if (wide) {
		t->kind = MC_TK_FLOAT;
		t->fval = base == 10 ? strtod(text, NULL) : big;
		return;
	}
	/* ival and uval share their bits: ival is the int when it fits */
	t->uval = u;
	t->wide = u > (uint64_t)INT64_MAX;
}

static int s_number(s_lexer *lx)
{
	int line = lx->line, col = lx->col, is_float = 0, base = 10, rc;
	size_t off = lx->pos, i, n = 0;
	char text[512];
	mc_token *t;

	if (s_cur(lx) == '0' && strchr("xXoObB", s_peek(lx, 1)) != NULL && s_peek(lx, 1) != '\0')
		rc = s_number_prefixed(lx, &base);
	else
		rc = s_number_decimal(lx, &is_float);
	if (rc != 0)
		return rc;
	if (s_cur(lx) == 'j' || s_cur(lx) == 'J')
		return s_fail(lx, lx->line, lx->col, 0, "complex numbers are not part of this language");
	if (s_is_ident_start((unsigned char)s_cur(lx)))
		return s_fail(lx, lx->line, lx->col, 0,
		              "bad number: unexpected '%c' after a number (names cannot start with a digit)",
		              s_cur(lx));
	for (i = off + (base != 10 ? 2 : 0); i < lx->pos; i++) {
		if (lx->src[i] == '_')
			continue;
		if (n + 1 < sizeof text)
			text[n++] = lx->src[i];
	}
	text[n] = '\0';
	if (!is_float && base == 10 && n > 1 && text[0] == '0' && strspn(text, "0") != n)
		return s_fail(lx, line, col, 0, "leading zeros in a number are not allowed; use 0o for octal");
	t = s_push(lx, MC_TK_INT, line, col, off);
	if (t == NULL)
		return MC_ERR_NOMEM;
	t->len = lx->pos - off;
	if (is_float) {
		t->kind = MC_TK_FLOAT;
		t->fval = strtod(text, NULL);
		return 0;
	}
	s_int_value(t, text, n, base);
	return 0;
}

static const char *const s_ops3[] = { "**=", "//=", ">>=", "<<=", NULL };
static const char *const s_ops2[] = {
	"**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
	"@=", "<<", ">>", "->", ":=", NULL
};
static const char s_ops1[] = "()[]{},:.=+-*/%<>@&|^~";

/* Measures the indentation of the line at lx->pos and emits INDENT or
 * DEDENT tokens. Blank and comment-only lines are skipped. */
static int s_indentation(s_lexer *lx)
{
	int width = 0, width1 = 0, line = lx->line;
	size_t p = lx->pos;
	char c;

	for (;;) {
		c = lx->src[p];
		if (c == ' ') {
			width++;
			width1++;
		} else if (c == '\t') {
			width = (width / 8 + 1) * 8;
			width1++;
		} else if (c == '\f') {
			width = width1 = 0;
		} else {
			break;
		}
		p++;
	}
	if (c == '\n' || c == '\r' || c == '#' || c == '\0')
		return 0;   /* nothing on this line: it does not count */
	while (lx->pos < p)
		s_adv(lx);
	lx->line_start = 0;
	/* as Python: the order of two lines must not depend on a tab's width */
	if ((width > lx->indents[lx->nindent]) != (width1 > lx->indents1[lx->nindent]) ||
	    (width == lx->indents[lx->nindent]) != (width1 == lx->indents1[lx->nindent])) {
		snprintf(lx->serr->ename, sizeof lx->serr->ename, "TabError");
		return s_fail(lx, line, lx->col, 0, "inconsistent use of tabs and spaces in indentation");
	}
	if (width > lx->indents[lx->nindent]) {
		mc_token *t;

		if (lx->nindent >= MC_MAX_INDENT)
			return s_fail(lx, line, lx->col, 0, "too many levels of indentation (the limit is %d)",
			              MC_MAX_INDENT);
		lx->nindent++;
		lx->indents[lx->nindent] = width;
		lx->indents1[lx->nindent] = width1;
		t = s_push(lx, MC_TK_INDENT, line, lx->col, lx->pos);
		if (t == NULL)
			return MC_ERR_NOMEM;
		t->indent = width;
		return 0;
	}
	while (width < lx->indents[lx->nindent]) {
		mc_token *t;

		lx->nindent--;
		if (width > lx->indents[lx->nindent]) {
			snprintf(lx->serr->ename, sizeof lx->serr->ename, "IndentationError");
			return s_fail(lx, line, lx->col, 0,
			              "unindent does not match any outer indentation level: this line is indented "
			              "by %d, the blocks around it by %d and %d", width, lx->indents[lx->nindent],
			              lx->indents[lx->nindent + 1]);
		}
		t = s_push(lx, MC_TK_DEDENT, line, lx->col, lx->pos);
		if (t == NULL)
			return MC_ERR_NOMEM;
		t->indent = width;
	}
	return 0;
}

/* r and f, or r and b, in either order and case. */
static int s_prefix_pair(char a, char b)
{
	a = (char)(a | 0x20);
	b = (char)(b | 0x20);
	return a != b && (a == 'r' || b == 'r') && (a == 'f' || b == 'f' || a == 'b' || b == 'b');
}

static int s_last_is_newline(const s_lexer *lx)
{
	const mc_tokens *out = lx->out;

	return out->n == 0 || out->t[out->n - 1].kind == MC_TK_NEWLINE ||
	       out->t[out->n - 1].kind == MC_TK_INDENT || out->t[out->n - 1].kind == MC_TK_DEDENT;
}

/* A '\n' or ';' at (line, col): a NEWLINE token, except inside brackets
 * and after a blank line. */
static int s_newline(s_lexer *lx, char c, int line, int col, size_t off)
{
	mc_token *t;

	s_adv(lx);
	if ((lx->depth > 0 || lx->nested) && c == '\n')
		return 0;
	if (c == '\n') {
		lx->line_start = 1;
		/* "a;" then a newline: the ';' ends the line */
		if (lx->out->n > 0 && lx->out->t[lx->out->n - 1].kind == MC_TK_NEWLINE)
			lx->out->t[lx->out->n - 1].eol = 1;
		/* collapse blank lines */
		if (s_last_is_newline(lx))
			return 0;
	}
	t = s_push(lx, MC_TK_NEWLINE, line, col, off);
	if (t == NULL)
		return MC_ERR_NOMEM;
	t->len = 1;
	t->semicolon = c == ';';
	t->eol = c == '\n';
	return 0;
}

/* 1 if a string literal starts here: a quote, or r/f/b prefixes and one. */
static int s_string_starts(const s_lexer *lx, unsigned char c)
{
	char c1 = s_peek(lx, 1), c2 = s_peek(lx, 2);

	if (c == '"' || c == '\'')
		return 1;
	if (c == '\0' || strchr("rRfFbB", (int)c) == NULL)
		return 0;
	return c1 == '"' || c1 == '\'' ||
	       (strchr("rRfFbB", c1) != NULL && c1 != '\0' && (c2 == '"' || c2 == '\'') &&
	        s_prefix_pair((char)c, c1));
}

static int s_name(s_lexer *lx, int line, int col, size_t off)
{
	mc_token *t;

	while (s_is_ident((unsigned char)s_cur(lx)))
		s_adv(lx);
	t = s_push(lx, MC_TK_NAME, line, col, off);
	if (t == NULL || (t->text = strndup(lx->src + off, lx->pos - off)) == NULL)
		return MC_ERR_NOMEM;
	t->len = t->text_len = lx->pos - off;
	return 0;
}

/* The longest operator at off (3, 2 or 1 characters); brackets count depth. */
static int s_operator(s_lexer *lx, unsigned char c, int line, int col, size_t off)
{
	const char *src = lx->src;
	size_t oplen = 0, k;
	mc_token *t;

	for (k = 0; s_ops3[k] != NULL && oplen == 0; k++)
		if (strncmp(src + off, s_ops3[k], 3) == 0)
			oplen = 3;
	for (k = 0; s_ops2[k] != NULL && oplen == 0; k++)
		if (strncmp(src + off, s_ops2[k], 2) == 0)
			oplen = 2;
	if (oplen == 0 && strchr(s_ops1, (int)c) != NULL)
		oplen = 1;
	if (oplen == 0) {
		if (c == '!')
			return s_fail(lx, line, col, 0, "unexpected '!': use 'not' for negation, '!=' for inequality");
		if (c == '$' || c == '?' || c == '`' || (c >= 0x20 && c < 0x7f))
			return s_fail(lx, line, col, 0, "unexpected character '%c'", c);
		return s_fail(lx, line, col, 0, "unexpected character 0x%02x", c);
	}
	t = s_push(lx, MC_TK_OP, line, col, off);
	if (t == NULL)
		return MC_ERR_NOMEM;
	memcpy(t->op, src + off, oplen);
	t->len = oplen;
	if (oplen == 1 && (c == '(' || c == '[' || c == '{'))
		lx->depth++;
	else if (oplen == 1 && (c == ')' || c == ']' || c == '}') && lx->depth > 0)
		lx->depth--;
	for (k = 0; k < oplen; k++)
		s_adv(lx);
	return 0;
}

/* The end of input: a last NEWLINE, the DEDENTs of open blocks, EOF. */
static int s_finish(s_lexer *lx)
{
	if (!s_last_is_newline(lx) && lx->depth == 0 &&
	    s_push(lx, MC_TK_NEWLINE, lx->line, lx->col, lx->pos) == NULL)
		return MC_ERR_NOMEM;
	if (lx->out->n > 0 && lx->out->t[lx->out->n - 1].kind == MC_TK_NEWLINE)
		lx->out->t[lx->out->n - 1].eol = 1;
	while (lx->nindent > 0 && lx->depth == 0) {
		if (s_push(lx, MC_TK_DEDENT, lx->line, lx->col, lx->pos) == NULL)
			return MC_ERR_NOMEM;
		lx->nindent--;
	}
	if (s_push(lx, MC_TK_EOF, lx->line, lx->col, lx->pos) == NULL)
		return MC_ERR_NOMEM;
	lx->out->open_at_eof = lx->depth;
	return 0;
}

/* The token loop: each character class has its step. */
static int s_run(s_lexer *lx)
{
	int rc = 0;

	while (rc == 0) {
		unsigned char c;
		int line, col;
		size_t off;

		if (lx->line_start && lx->depth == 0 && !lx->nested) {
			rc = s_indentation(lx);
			if (rc != 0)
				return rc;
		}
		c = (unsigned char)s_cur(lx);
		line = lx->line;
		col = lx->col;
		off = lx->pos;
		if (c == '\0')
			return s_finish(lx);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			s_adv(lx);
		} else if (c == '#') {
			while (s_cur(lx) != '\0' && s_cur(lx) != '\n')
				s_adv(lx);
		} else if (c == '\\' && (s_peek(lx, 1) == '\n' ||
		                         (s_peek(lx, 1) == '\r' && s_peek(lx, 2) == '\n'))) {
			s_adv(lx);
			if (s_cur(lx) == '\r')
				s_adv(lx);
			s_adv(lx);
		} else if (c == '\\' && s_peek(lx, 1) == '\0') {
			rc = s_fail(lx, line, col, 1, "unexpected end of input after a line continuation '\\'");
		} else if (c == '\n' || c == ';') {
			rc = s_newline(lx, (char)c, line, col, off);
		} else if (s_string_starts(lx, c)) {
			rc = s_string(lx);
		} else if ((c >= '0' && c <= '9') || (c == '.' && s_peek(lx, 1) >= '0' && s_peek(lx, 1) <= '9')) {
			rc = s_number(lx);
		} else if (s_is_ident_start(c)) {
			rc = s_name(lx, line, col, off);
		} else {
			rc = s_operator(lx, c, line, col, off);
		}
	}
	return rc;
}

static int s_lex(mc_tokens *out, const char *src, int line, int col, int nested, mc_syntax_error *serr)
{
	s_lexer lx;
	int rc;

	memset(&lx, 0, sizeof lx);
	lx.src = src;
	lx.line = line;
	lx.col = col;
	lx.nested = nested;
	lx.line_start = !nested;
	lx.out = out;
	lx.serr = serr;
	out->t = NULL;
	out->n = 0;
	out->open_at_eof = 0;
	memset(serr, 0, sizeof *serr);
	snprintf(serr->ename, sizeof serr->ename, "SyntaxError");
	rc = s_run(&lx);
	if (rc != 0) {
		if (rc == MC_ERR_NOMEM)
			s_fail(&lx, lx.line, lx.col, 0, "out of memory");
		mc_tokens_free(out);
	}
	return rc;
}

int mc_lex(mc_tokens *out, const char *src, mc_syntax_error *serr)
{
	return s_lex(out, src, 1, 1, 0, serr);
}

int mc_lex_at(mc_tokens *out, const char *src, int line, int col, mc_syntax_error *serr)
{
	return s_lex(out, src, line, col, 1, serr);
}

void mc_tokens_free(mc_tokens *toks)
{
	size_t i;

	if (toks == NULL)
		return;
	for (i = 0; i < toks->n; i++)
		free(toks->t[i].text);
	free(toks->t);
	toks->t = NULL;
	toks->n = 0;
}

void mc_token_describe(const mc_token *t, char *buf, size_t n)
{
	switch (t->kind) {
	case MC_TK_EOF: snprintf(buf, n, "end of input"); break;
	case MC_TK_NEWLINE: snprintf(buf, n, t->semicolon ? "';'" : "end of line"); break;
	case MC_TK_INDENT: snprintf(buf, n, "an indented line"); break;
	case MC_TK_DEDENT: snprintf(buf, n, "the end of the block"); break;
	case MC_TK_NAME: snprintf(buf, n, "name '%.64s'", t->text); break;
	case MC_TK_INT:
	case MC_TK_FLOAT: snprintf(buf, n, "number"); break;
	case MC_TK_STRING:
	case MC_TK_FSTRING: snprintf(buf, n, "string"); break;
	case MC_TK_OP: snprintf(buf, n, "'%s'", t->op); break;
	}
}
