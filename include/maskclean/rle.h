/* Run-length encoded binary masks, matching the COCO mask API (cocoapi's
 * maskApi.c, used by pycocotools) in every observable respect.
 *
 * Layout: masks are column-major, pixel (x, y) is at index x*h + y, and an
 * image's size is written [h, w] as in COCO JSON. counts[] alternate
 * background / foreground runs, starting with a (possibly empty) background
 * run, and sum to h*w; the area is the sum of the odd-indexed runs.
 *
 * The compressed string form is COCO's: each count (for i > 2 as the delta
 * against counts[i-2]) is written as little-endian 5-bit chunks with a
 * continuation bit (0x20) and a sign bit in the last chunk, each chunk offset
 * by 48 ('0'). Decoding a string and encoding it again gives the same bytes.
 *
 * Every mc_rle this module returns is heap-allocated; free it with
 * mc_rle_free. Functions that can fail return 0 or a negative MC_ERR_* code,
 * set *out = NULL on entry and leave their inputs unchanged. Messages say
 * what was expected ("RLE counts sum to 1200, image is 40x40"); callers add
 * the file and the annotation with mc_error_prefix. */
#ifndef MASKCLEAN_RLE_H
#define MASKCLEAN_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/progress.h"

typedef struct mc_rle {
	uint32_t h, w;      /* image size; COCO's "size" is [h, w] */
	size_t m;           /* number of runs */
	uint32_t *counts;   /* m run lengths, owned; may be NULL when m == 0 */
} mc_rle;

/* Frees r and its counts. r may be NULL. */
void mc_rle_free(mc_rle *r);

/* A new RLE holding a copy of counts[0..m). Fails with MC_ERR_PARSE when the
 * counts do not sum to h*w (the message gives the sum and the size). Use it for
 * COCO's uncompressed form {"counts": [...], "size": [h, w]}. Caller owns *out. */
int mc_rle_new(mc_rle **out, uint32_t h, uint32_t w, const uint32_t *counts, size_t m,
               mc_error *err);

/* A deep copy of r. Caller owns *out. Fails only with MC_ERR_NOMEM. */
int mc_rle_copy(mc_rle **out, const mc_rle *r, mc_error *err);

/* Encodes a column-major binary mask (h*w bytes; non-zero = foreground), as
 * COCO's encode(). Caller owns *out. Fails only with MC_ERR_NOMEM. */
int mc_rle_encode(mc_rle **out, const uint8_t *mask, uint32_t h, uint32_t w, mc_error *err);

/* The same for a row-major mask (index y*w + x), as images and renderers hold them. */
int mc_rle_encode_rowmajor(mc_rle **out, const uint8_t *mask, uint32_t h, uint32_t w,
                           mc_error *err);

/* Writes r's mask into mask[0 .. h*w): column-major, 1 = foreground, 0 =
 * background. Cannot fail (r is valid: its counts sum to h*w). */
void mc_rle_decode(const mc_rle *r, uint8_t *mask);

/* The same, row-major (index y*w + x), value 1 or 0. */
void mc_rle_decode_rowmajor(const mc_rle *r, uint8_t *mask);

/* COCO's compressed string of r (as rleToString). Caller owns *out (free()).
 * Fails only with MC_ERR_NOMEM. */
int mc_rle_to_string(char **out, const mc_rle *r, mc_error *err);

/* Parses COCO's compressed string s for an image of h x w (as rleFrString),
 * and checks it. Fails with MC_ERR_PARSE when s holds a character outside
 * '0'..'o', ends inside a count, spends more than 7 chunks on a count, gives
 * a count outside 0..2^32-1, or its counts do not sum to h*w; the message
 * names the offset and what was expected. Caller owns *out. */
int mc_rle_from_string(mc_rle **out, const char *s, uint32_t h, uint32_t w, mc_error *err);

/* Number of foreground pixels (COCO's area). */
uint64_t mc_rle_area(const mc_rle *r);

/* COCO's toBbox: bbox = {x, y, width, height} of the foreground, all 0 for
 * an empty mask. */
void mc_rle_bbox(const mc_rle *r, double bbox[4]);

/* Union (intersect == 0) or intersection (intersect != 0) of the n masks
 * parts[0..n), as COCO's merge(). All must have the same size (else
 * MC_ERR_SHAPE); n == 0 is MC_ERR_INVALID. Caller owns *out. */
int mc_rle_merge(mc_rle **out, const mc_rle *const *parts, size_t n, int intersect,
                 mc_error *err);

/* Rasterises the polygon of k points xy = {x0, y0, x1, y1, ...} for an image
 * of h x w, giving the same runs as COCO's frPoly (5x upsampling, the same
 * rounding and edge walking). k >= 1 (else MC_ERR_INVALID); like the COCO API
 * it accepts k < 3 (giving an empty or thin mask): loaders that reject such
 * polygons check first. The work is the number of pixel columns the edges
 * cross inside the image, whatever the coordinates; memory stays below
 * h*w/8 bytes. progress (may be NULL) is polled; a stop gives
 * MC_ERR_INTERRUPTED. Fails with MC_ERR_INVALID for a non-finite coordinate
 * and for k, |x|, |y| or h*w above the limits polygon_points, coordinate and
 * image_pixels (maskclean/limits.h). Caller owns *out. */
int mc_rle_from_poly(mc_rle **out, const double *xy, size_t k, uint32_t h, uint32_t w,
                     const mc_progress *progress, mc_error *err);

/* COCO's frBbox: the box {x, y, width, height} rasterised as a 4-point
 * polygon. Caller owns *out. */
int mc_rle_from_bbox(mc_rle **out, const double bbox[4], uint32_t h, uint32_t w,
                     const mc_progress *progress, mc_error *err);

/* The mask of a COCO polygon segmentation with n parts: parts[i] holds lens[i]
 * numbers. As pycocotools' annToRLE (frPyObjects + merge): when the first
 * part has exactly 4 numbers every part is read as a bbox {x, y, w, h} (all
 * must then have 4); otherwise every part is a polygon. The parts are merged
 * by union. Fails with MC_ERR_INVALID for n == 0, a polygon with fewer than 3
 * points or an odd count of numbers (the message names the part: "polygon 1
 * has 4 numbers, expected an even number of at least 6"), where the COCO API
 * would rasterise such a polygon to nothing. Caller owns *out. */
int mc_rle_from_polygons(mc_rle **out, const double *const *parts, const size_t *lens,
                         size_t n, uint32_t h, uint32_t w, const mc_progress *progress,
                         mc_error *err);

/* COCO's IoU of a detection dt and a ground truth gt of the same size (else
 * MC_ERR_SHAPE). With iscrowd (a crowd ground truth), the denominator is
 * dt's area instead of the union, as rleIou. Writes *iou (0 when both are
 * empty). */
int mc_rle_iou(double *iou, const mc_rle *dt, const mc_rle *gt, int iscrowd, mc_error *err);

#endif
