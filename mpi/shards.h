/* The rows a rank of maskclean-mpi works on: one .npy that every rank maps
 * and reads its own row range of (a shared file system), or the shards of a
 * manifest, each rank reading only its own shards (node-local copies are
 * enough).
 *
 * A manifest is a JSON file:
 *   {"shards": [{"features": "x-000.npy", "rows": 1000,
 *                "labels": "y-000.npy", "weights": "w-000.npy"}, ...]}
 * Paths are relative to the manifest's folder (or absolute). "labels" and
 * "weights" are optional, but all shards have them or none. Features are
 * float32 or float64 .npy files of rows x d; labels and weights float64 (or
 * float32) .npy files of one value per row, labels whole numbers >= 0.
 *
 * Rows are numbered over the whole data, shard after shard; a rank holds a
 * contiguous range, ranks in row order. */
#ifndef MASKCLEAN_MPI_SHARDS_H
#define MASKCLEAN_MPI_SHARDS_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/matrix.h"
#include "maskclean/npy.h"
#include "maskclean/pca.h"

/* Largest manifest accepted, in shards. */
#define MC_SHARDS_MAX 1000000

typedef struct mc_shard {
	char *features, *labels, *weights; /* paths as opened; labels, weights may be NULL */
	size_t rows, row0;                 /* its rows; its first row in the whole data */
} mc_shard;

typedef struct mc_shards {
	mc_shard *shard;
	size_t count;
	int manifest;        /* from a manifest (else one file, count == 1) */
	size_t n, d;         /* rows of the whole data; columns (0 until opened) */
	size_t size;         /* ranks */
	size_t *start;       /* size + 1: rank r holds rows [start[r], start[r + 1]) */
	size_t rank, row0, rows; /* this rank and its rows */
	size_t first, last;  /* the shards holding them: [first, last) */
	mc_npy **feat;       /* their opened features (last - first) */
	int single;          /* every feature file of this rank is float32 */
} mc_shards;

/* Rows of the unit at whose multiples a single file is split, for data of
 * n rows of d columns (ctx: the caller's). */
typedef size_t (*mc_shards_unit_fn)(const void *ctx, size_t n, size_t d);

/* Reads the manifest (or takes the one features file with its labels and
 * weights, either of them NULL) and splits the rows between size ranks: a
 * single file at multiples of unit(ctx, n, d) rows (so that the ranks'
 * chunks and segments are the ones one process would use), a manifest at
 * shard boundaries. Opens this rank's
 * feature files (headers only; rows are checked as they are read).
 * Caller owns sh; free with mc_shards_free. Fails with the file's error
 * (MC_ERR_IO, MC_ERR_PARSE naming the manifest and the shard, MC_ERR_SHAPE
 * when a file's rows or columns disagree). */
int mc_shards_open(mc_shards *sh, const char *manifest, const char *features,
                   const char *labels, const char *weights, size_t rank, size_t size,
                   mc_shards_unit_fn unit, const void *ctx, mc_error *err);
void mc_shards_free(mc_shards *sh);

/* The rows of the whole data as a rank would split them (for the files of
 * every rank); unit as mc_shards_open. */
size_t mc_shards_unit_start(size_t n, size_t unit, size_t rank, size_t size);

/* This rank's rows as a row source (borrowed; valid while sh lives). */
mc_rows mc_shards_rows(const mc_shards *sh);

/* This rank's rows as a new matrix (rows x d, doubles). Caller owns. */
int mc_shards_matrix(mc_matrix **out, const mc_shards *sh, mc_error *err);

/* This rank's labels (int64; caller frees) or weights (doubles; caller
 * frees; NULL when the data has none). Fail naming the file and the row of
 * a bad value. */
int mc_shards_labels(int64_t **out, const mc_shards *sh, mc_error *err);
int mc_shards_weights(double **out, const mc_shards *sh, mc_error *err);

#endif
