/* Error reporting for the runtime: a caller-supplied struct that keeps the
 * first error's code and message (like jansson's json_error_t).
 *
 * A message names the file, the record and what was expected, e.g.
 *   "annotations.json: annotation 1234: RLE counts sum to 1200, image is 40x40"
 */
#ifndef MASKCLEAN_ERROR_H
#define MASKCLEAN_ERROR_H

#include <stddef.h>

enum mc_status {
	MC_OK = 0,
	MC_ERR_INVALID = -1,     /* bad argument or bad value in the data */
	MC_ERR_IO = -2,          /* a file cannot be opened, read or written */
	MC_ERR_NOMEM = -3,       /* out of memory */
	MC_ERR_PARSE = -4,       /* malformed JSON, RLE, .npy header, source code */
	MC_ERR_SHAPE = -5,       /* dimensions disagree */
	MC_ERR_NOTFOUND = -6,    /* unknown class, id, name or key */
	MC_ERR_INTERRUPTED = -7, /* the progress callback asked to stop */
	MC_ERR_STATE = -8,       /* not valid in this state (e.g. predict before fit) */
	MC_ERR_TYPE = -9         /* a value of the wrong type */
};

#define MC_ERROR_TEXT_MAX 1024

typedef struct mc_error {
	int code;                      /* MC_OK while no error was set */
	char text[MC_ERROR_TEXT_MAX];  /* the first error's message */
} mc_error;

/* Resets err to "no error". err may be NULL. */
void mc_error_clear(mc_error *err);

/* Records an error unless one is already recorded (first error wins).
 * err may be NULL. Returns code, so callers can write
 *   return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno)); */
int mc_error_set(mc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "<context>: " in front of the recorded message, if any, so a caller
 * can add the file or record name to an error raised deeper down. */
void mc_error_prefix(mc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Records "out of memory" (MC_ERR_NOMEM) as mc_error_set does; returns
 * MC_ERR_NOMEM. The one helper for the most common failure. */
int mc_error_nomem(mc_error *err);

/* A short name for a code, used as the Jupyter "ename":
 * "ValueError", "IOError", "MemoryError", "ParseError", "ShapeError",
 * "KeyError", "KeyboardInterrupt", "StateError", "TypeError". */
const char *mc_error_name(int code);

#endif
