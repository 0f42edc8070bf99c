/* IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed
 * (read through zlib's gzopen/gzread, which passes plain files through).
 *
 * An IDX file is a big-endian header (two zero bytes, a type byte, a
 * dimension count, one 32-bit size per dimension) followed by the data in
 * C order. Unsigned bytes (type 0x08, images and labels) are kept as bytes;
 * the other types (0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
 * 0x0E float64) are converted to double. */
#ifndef MASKCLEAN_IDX_H
#define MASKCLEAN_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"

#define MC_IDX_MAX_DIMS 8

typedef struct mc_idx {
	int type;                     /* 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E */
	int ndim;                     /* 1 .. MC_IDX_MAX_DIMS */
	size_t dims[MC_IDX_MAX_DIMS]; /* dims[0] is the item count */
	size_t count;                 /* product of dims */
	uint8_t *u8;                  /* count bytes when type == 0x08, else NULL; owned */
	double *f64;                  /* count values for other types, else NULL; owned */
} mc_idx;

/* Reads the whole file at path. Caller owns *out; free with mc_idx_free.
 * Fails with MC_ERR_IO (cannot open, gzip stream corrupt), MC_ERR_PARSE
 * ("t10k.gz: bad IDX magic 0x1f8b0808; expected 0x0000TTDD", unknown type,
 * "truncated: header says 10000x28x28 unsigned bytes (7840000 bytes), the
 * file has 5000") or MC_ERR_NOMEM. */
int mc_idx_load(mc_idx **out, const char *path, mc_error *err);

/* mc_idx_load, then checks the file holds u8 images n x rows x cols (ndim 3)
 * or, for mc_idx_load_labels, n u8 labels (ndim 1), each below max_label
 * (0: no check). Fails with MC_ERR_SHAPE / MC_ERR_INVALID naming the file. */
int mc_idx_load_images(mc_idx **out, const char *path, mc_error *err);
int mc_idx_load_labels(mc_idx **out, const char *path, unsigned max_label, mc_error *err);

/* Element k as a double, whatever the type. */
double mc_idx_get(const mc_idx *idx, size_t k);

/* Frees idx and its data. idx may be NULL. */
void mc_idx_free(mc_idx *idx);

#endif
