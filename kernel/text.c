/* This module implements the growing text buffer of the command language
 * (lang.h's mc_text): reprs, tracebacks, help texts and formatted strings
 * are built with it. Out of memory is remembered and reported once, by
 * mc_text_finish. */
#include "lang.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/buf.h"

void mc_text_put(mc_text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (n > SIZE_MAX - t->n - 1 || mc_grow((void **)&t->s, &t->cap, t->n + n + 1, 1) < 0) {
		t->oom = 1;
		return;
	}
	memcpy(t->s + t->n, s, n);
	t->n += n;
	t->s[t->n] = '\0';
}

void mc_text_puts(mc_text *t, const char *s)
{
	mc_text_put(t, s, strlen(s));
}

void mc_text_printf(mc_text *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		mc_text_put(t, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

char *mc_text_finish(mc_text *t)
{
	char *s;

	if (t->oom) {
		free(t->s);
		memset(t, 0, sizeof *t);
		return NULL;
	}
	s = t->s != NULL ? t->s : strdup("");
	memset(t, 0, sizeof *t);
	return s;
}
