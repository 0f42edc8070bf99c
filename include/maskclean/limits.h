/* Limits on what an input file may make maskclean do, as real tools have
 * them (Pillow's MAX_IMAGE_PIXELS, a JSON parser's nesting depth). A file
 * beyond a limit is refused before anything is allocated for it, with a
 * message that names the limit and how to raise it:
 *   "big.jpg: image is 60000x60000 = 3600000000 pixels, above the limit of
 *    178956970 (image_pixels; raise it with set_limit("image_pixels", n))"
 *
 * One table describes every limit (name, default, range, what it bounds);
 * the language's limits() and set_limit() read and change them for the whole
 * process. Reads are atomic, so worker threads see a consistent value. */
#ifndef MASKCLEAN_LIMITS_H
#define MASKCLEAN_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"

typedef enum mc_limit_id {
	MC_LIMIT_IMAGE_PIXELS,    /* width*height of an image decoded or a mask made */
	MC_LIMIT_JSON_DEPTH,      /* nesting of arrays and objects in a JSON file */
	MC_LIMIT_STRING_BYTES,    /* one string read from a file (names, compressed RLE) */
	MC_LIMIT_LIST_LENGTH,     /* elements of one list read from a file (RLE counts...) */
	MC_LIMIT_POLYGON_POINTS,  /* points of one polygon */
	MC_LIMIT_COORDINATE,      /* |x| and |y| of a polygon point, in pixels */
	MC_LIMIT_COUNT_
} mc_limit_id;

typedef struct mc_limit_info {
	const char *name;         /* "image_pixels", as set_limit() takes it */
	uint64_t dflt, min, max;  /* the default and the range a value must be in */
	const char *doc;          /* one line: what it bounds and why */
} mc_limit_info;

/* The table row of id. */
const mc_limit_info *mc_limit_info_of(mc_limit_id id);

/* The current value of limit id. */
uint64_t mc_limit(mc_limit_id id);

/* Sets limit id to value for the whole process. Fails with MC_ERR_INVALID
 * when value is outside the limit's range (the message gives the range);
 * the limit then keeps its value. */
int mc_limit_set(mc_limit_id id, uint64_t value, mc_error *err);

/* Puts every limit back to its default. */
void mc_limit_reset(void);

/* The limit named name in *out. Fails with MC_ERR_NOTFOUND listing the
 * names. */
int mc_limit_find(mc_limit_id *out, const char *name, mc_error *err);

/* Fails with MC_ERR_INVALID when value is above limit id: the message is
 * "<what> is <value>, above the limit of <limit> (<name>; raise it with
 * set_limit("<name>", n))". what names the thing measured ("image is
 * 60000x60000 pixels"). Returns 0 otherwise. */
int mc_limit_check(mc_limit_id id, uint64_t value, const char *what, mc_error *err);

#endif
