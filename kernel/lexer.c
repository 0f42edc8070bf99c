/* This module implements the tokenizer of the command language (lexer.h). */
#include "lexer.h"
#include "maskclean/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct s_lexer {
	const char *src;
	size_t pos;
	int line, col;
	int depth;
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

/* Appends the UTF-8 encoding of code point cp to buf. */
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

static int s_string(s_lexer *lx, int raw)
{
	int line = lx->line, col = lx->col;
	size_t off = lx->pos;
	char q;
	int triple;
	char *buf;
	size_t n = 0;
	mc_token *t;

	if (raw)
		s_adv(lx);
	q = s_cur(lx);
	triple = s_peek(lx, 1) == q && s_peek(lx, 2) == q;
	s_adv(lx);
	if (triple) {
		s_adv(lx);
		s_adv(lx);
	}
	/* decoded text is never longer than the source */
	buf = malloc(strlen(lx->src + lx->pos) + 1);
	if (buf == NULL)
		return MC_ERR_NOMEM;
	for (;;) {
		char c = s_cur(lx);

		if (c == '\0' || (c == '\n' && !triple)) {
			free(buf);
			return s_fail(lx, line, col, triple && c == '\0',
			              "unterminated string: expected %s%c%s to close the string opened at line %d, column %d",
			              triple ? "" : "'", q, triple ? " three times" : "'", line, col);
		}
		if (c == q && (!triple || (s_peek(lx, 1) == q && s_peek(lx, 2) == q))) {
			s_adv(lx);
			if (triple) {
				s_adv(lx);
				s_adv(lx);
			}
			break;
		}
		if (c == '\\' && !raw) {
			int eline = lx->line, ecol = lx->col;
			char e = s_peek(lx, 1);
			int digits = 0;

			s_adv(lx);
			switch (e) {
			case 'n': buf[n++] = '\n'; s_adv(lx); break;
			case 't': buf[n++] = '\t'; s_adv(lx); break;
			case 'r': buf[n++] = '\r'; s_adv(lx); break;
			case '0': buf[n++] = '\0'; s_adv(lx); break;
			case '\\': buf[n++] = '\\'; s_adv(lx); break;
			case '\'': buf[n++] = '\''; s_adv(lx); break;
			case '"': buf[n++] = '"'; s_adv(lx); break;
			case '\n': s_adv(lx); break;
			case 'x': digits = 2; break;
			case 'u': digits = 4; break;
			case 'U': digits = 8; break;
			default:
				/* unknown escapes stay as written, as in Python */
				buf[n++] = '\\';
				break;
			}
			if (digits > 0) {
				unsigned long cp = 0;
				int k;

				s_adv(lx);
				for (k = 0; k < digits; k++) {
					int h = s_hexval(s_cur(lx));

					if (h < 0) {
						free(buf);
						return s_fail(lx, eline, ecol, 0,
						              "bad escape: expected %d hex digits after '\\%c'",
						              digits, e);
					}
					cp = cp * 16 + (unsigned long)h;
					s_adv(lx);
				}
				if (cp > 0x10FFFF) {
					free(buf);
					return s_fail(lx, eline, ecol, 0, "bad escape: code point out of range");
				}
				n += s_utf8_put(buf + n, cp);
			}
			continue;
		}
		{
			size_t p0 = lx->pos;

			s_adv(lx);
			memcpy(buf + n, lx->src + p0, lx->pos - p0);
			n += lx->pos - p0;
		}
	}
	buf[n] = '\0';
	t = s_push(lx, MC_TK_STRING, line, col, off);
	if (t == NULL) {
		free(buf);
		return MC_ERR_NOMEM;
	}
	t->text = buf;
	t->text_len = n;
	t->len = lx->pos - off;
	return 0;
}

static int s_number(s_lexer *lx)
{
	int line = lx->line, col = lx->col;
	size_t off = lx->pos, i, n = 0;
	int is_float = 0;
	char text[128];
	mc_token *t;
	char *end;

	if (s_cur(lx) == '0' && (s_peek(lx, 1) == 'x' || s_peek(lx, 1) == 'X')) {
		s_adv(lx);
		s_adv(lx);
		while (s_hexval(s_cur(lx)) >= 0 || s_cur(lx) == '_')
			s_adv(lx);
	} else {
		while ((s_cur(lx) >= '0' && s_cur(lx) <= '9') || s_cur(lx) == '_')
			s_adv(lx);
		if (s_cur(lx) == '.' && !(s_peek(lx, 1) == '.')) {
			is_float = 1;
			s_adv(lx);
			while ((s_cur(lx) >= '0' && s_cur(lx) <= '9') || s_cur(lx) == '_')
				s_adv(lx);
		}
		if (s_cur(lx) == 'e' || s_cur(lx) == 'E') {
			char c1 = s_peek(lx, 1), c2 = s_peek(lx, 2);

			if ((c1 >= '0' && c1 <= '9') ||
			    ((c1 == '+' || c1 == '-') && c2 >= '0' && c2 <= '9')) {
				is_float = 1;
				s_adv(lx);
				if (s_cur(lx) == '+' || s_cur(lx) == '-')
					s_adv(lx);
				while (s_cur(lx) >= '0' && s_cur(lx) <= '9')
					s_adv(lx);
			} else {
				return s_fail(lx, lx->line, lx->col + 1, 0,
				              "bad number: expected digits after the exponent 'e'");
			}
		}
	}
	if (s_is_ident_start((unsigned char)s_cur(lx)))
		return s_fail(lx, lx->line, lx->col, 0,
		              "bad number: unexpected '%c' after a number (names cannot start with a digit)",
		              s_cur(lx));
	for (i = off; i < lx->pos && n + 1 < sizeof text; i++)
		if (lx->src[i] != '_')
			text[n++] = lx->src[i];
	text[n] = '\0';
	t = s_push(lx, is_float ? MC_TK_FLOAT : MC_TK_INT, line, col, off);
	if (t == NULL)
		return MC_ERR_NOMEM;
	t->len = lx->pos - off;
	errno = 0;
	if (is_float) {
		t->fval = strtod(text, &end);
	} else {
		long long v = strtoll(text, &end, 0);

		if (errno == ERANGE) {
			lx->out->n--;
			return s_fail(lx, line, col, 0,
			              "integer literal %s is too large (the limit is 9223372036854775807)", text);
		}
		t->ival = v;
		t->fval = (double)v;
	}
	return 0;
}

static const char *const s_ops3[] = { "**=", "//=", NULL };
static const char *const s_ops2[] = {
	"**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", NULL
};
static const char s_ops1[] = "()[]{},:.=+-*/%<>";

int mc_lex(mc_tokens *out, const char *src, mc_syntax_error *serr)
{
	s_lexer lx = { src, 0, 1, 1, 0, out, 0, serr };
	int rc = 0;

	out->t = NULL;
	out->n = 0;
	out->open_at_eof = 0;
	memset(serr, 0, sizeof *serr);
	for (;;) {
		unsigned char c = (unsigned char)s_cur(&lx);
		int line = lx.line, col = lx.col;
		size_t off = lx.pos;
		mc_token *t;
		int k;

		if (c == '\0')
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			s_adv(&lx);
			continue;
		}
		if (c == '#') {
			while (s_cur(&lx) != '\0' && s_cur(&lx) != '\n')
				s_adv(&lx);
			continue;
		}
		if (c == '\\' && (s_peek(&lx, 1) == '\n' ||
		                  (s_peek(&lx, 1) == '\r' && s_peek(&lx, 2) == '\n'))) {
			s_adv(&lx);
			if (s_cur(&lx) == '\r')
				s_adv(&lx);
			s_adv(&lx);
			continue;
		}
		if (c == '\n' || c == ';') {
			s_adv(&lx);
			if (lx.depth > 0 && c == '\n')
				continue;
			/* collapse blank lines */
			if (c == '\n' && (out->n == 0 || out->t[out->n - 1].kind == MC_TK_NEWLINE))
				continue;
			t = s_push(&lx, MC_TK_NEWLINE, line, col, off);
			if (t == NULL) {
				rc = MC_ERR_NOMEM;
				goto fail;
			}
			t->len = 1;
			t->semicolon = c == ';';
			continue;
		}
		if ((c == 'r' || c == 'R') && (s_peek(&lx, 1) == '"' || s_peek(&lx, 1) == '\'')) {
			rc = s_string(&lx, 1);
			if (rc != 0)
				goto fail;
			continue;
		}
		if (c == '"' || c == '\'') {
			rc = s_string(&lx, 0);
			if (rc != 0)
				goto fail;
			continue;
		}
		if ((c >= '0' && c <= '9') || (c == '.' && s_peek(&lx, 1) >= '0' && s_peek(&lx, 1) <= '9')) {
			rc = s_number(&lx);
			if (rc != 0)
				goto fail;
			continue;
		}
		if (s_is_ident_start(c)) {
			while (s_is_ident((unsigned char)s_cur(&lx)))
				s_adv(&lx);
			t = s_push(&lx, MC_TK_NAME, line, col, off);
			if (t == NULL || (t->text = strndup(src + off, lx.pos - off)) == NULL) {
				rc = MC_ERR_NOMEM;
				goto fail;
			}
			t->len = t->text_len = lx.pos - off;
			continue;
		}
		{
			size_t oplen = 0;

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
					rc = s_fail(&lx, line, col, 0, "unexpected '!': use 'not' for negation, '!=' for inequality");
				else if (c == '&' || c == '|')
					rc = s_fail(&lx, line, col, 0, "unexpected '%c': use 'and' / 'or'", c);
				else if (c >= 0x20 && c < 0x7f)
					rc = s_fail(&lx, line, col, 0, "unexpected character '%c'", c);
				else
					rc = s_fail(&lx, line, col, 0, "unexpected character 0x%02x", c);
				goto fail;
			}
			t = s_push(&lx, MC_TK_OP, line, col, off);
			if (t == NULL) {
				rc = MC_ERR_NOMEM;
				goto fail;
			}
			memcpy(t->op, src + off, oplen);
			t->len = oplen;
			if (oplen == 1 && (c == '(' || c == '[' || c == '{'))
				lx.depth++;
			else if (oplen == 1 && (c == ')' || c == ']' || c == '}') && lx.depth > 0)
				lx.depth--;
		}
		for (k = 0; k < (int)t->len; k++)
			s_adv(&lx);
	}
	if (out->n > 0 && out->t[out->n - 1].kind != MC_TK_NEWLINE && lx.depth == 0) {
		mc_token *t = s_push(&lx, MC_TK_NEWLINE, lx.line, lx.col, lx.pos);

		if (t == NULL) {
			rc = MC_ERR_NOMEM;
			goto fail;
		}
	}
	if (s_push(&lx, MC_TK_EOF, lx.line, lx.col, lx.pos) == NULL) {
		rc = MC_ERR_NOMEM;
		goto fail;
	}
	out->open_at_eof = lx.depth;
	return 0;
fail:
	if (rc == MC_ERR_NOMEM)
		s_fail(&lx, lx.line, lx.col, 0, "out of memory");
	mc_tokens_free(out);
	return rc;
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
	case MC_TK_NAME: snprintf(buf, n, "name '%s'", t->text); break;
	case MC_TK_INT:
	case MC_TK_FLOAT: snprintf(buf, n, "number"); break;
	case MC_TK_STRING: snprintf(buf, n, "string"); break;
	case MC_TK_OP: snprintf(buf, n, "'%s'", t->op); break;
	}
}
