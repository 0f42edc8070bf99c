/* This module implements the mc_error first-error-wins message struct. */
#include "maskclean/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mc_error_clear(mc_error *err)
{
	if (err == NULL)
		return;
	err->code = MC_OK;
	err->text[0] = '\0';
}

int mc_error_set(mc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != MC_OK)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	return code;
}

void mc_error_prefix(mc_error *err, const char *fmt, ...)
{
	char head[MC_ERROR_TEXT_MAX];
	char joined[2 * MC_ERROR_TEXT_MAX + 2];
	va_list ap;

	if (err == NULL || err->code == MC_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof joined, "%s: %s", head, err->text);
	memcpy(err->text, joined, sizeof err->text - 1);
	err->text[sizeof err->text - 1] = '\0';
}

const char *mc_error_name(int code)
{
	switch (code) {
	case MC_OK: return "OK";
	case MC_ERR_INVALID: return "ValueError";
	case MC_ERR_IO: return "IOError";
	case MC_ERR_NOMEM: return "MemoryError";
	case MC_ERR_PARSE: return "ParseError";
	case MC_ERR_SHAPE: return "ShapeError";
	case MC_ERR_NOTFOUND: return "KeyError";
	case MC_ERR_INTERRUPTED: return "KeyboardInterrupt";
	case MC_ERR_STATE: return "StateError";
	case MC_ERR_TYPE: return "TypeError";
	default: return "Error";
	}
}

int mc_error_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}
