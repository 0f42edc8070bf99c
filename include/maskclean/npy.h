/* NumPy .npy files: memory-mapped reading (no copy) and atomic writing.
 *
 * Reads format versions 1.0, 2.0 and 3.0 holding a C-ordered 1-D or 2-D
 * array of dtype '<f4' (float32) or '<f8' (float64). The file is mapped
 * read-only; nothing is copied until the caller asks for rows as doubles
 * (mc_npy_read_rows) or for an owned matrix (mc_npy_to_matrix). A '<f8' file
 * can also be seen as an mc_matrix view of the mapping (mc_npy_view).
 *
 * A 1-D array of n elements is treated as n rows x 1 column (ndim == 1).
 *
 * Rows of an embedding file are instances: one row per kept annotation of
 * the dataset, in annotation order (mc_npy_check_rows checks the count).
 *
 * Messages name the file as the caller spelled the path, e.g.
 *   "feats.npy: dtype '<i4' is not supported; expected '<f4' or '<f8'"
 *   "feats.npy: row 12, column 3 is NaN" */
#ifndef MASKCLEAN_NPY_H
#define MASKCLEAN_NPY_H

#include <stddef.h>

#include "maskclean/error.h"
#include "maskclean/matrix.h"
#include "maskclean/progress.h"

typedef enum mc_npy_dtype {
	MC_NPY_F4 = 4,   /* '<f4' float32 */
	MC_NPY_F8 = 8    /* '<f8' float64 */
} mc_npy_dtype;

typedef struct mc_npy mc_npy;

/* Maps path and parses its header: magic, version, dict ('descr',
 * 'fortran_order', 'shape'), and checks that the file holds all the data
 * the header announces. Does not read the data (see mc_npy_check_finite).
 * Caller owns *out; free with mc_npy_free (which unmaps).
 * Fails with MC_ERR_IO (cannot open/map), MC_ERR_PARSE (wrong magic, bad
 * header, fortran_order True, truncated data) or MC_ERR_INVALID (dtype not
 * '<f4'/'<f8', not 1-D/2-D). */
int mc_npy_open(mc_npy **out, const char *path, mc_error *err);

/* mc_npy_open followed by mc_npy_check_finite: the usual way to load
 * features. Caller owns *out; free with mc_npy_free. */
int mc_npy_load(mc_npy **out, const char *path, const mc_progress *p, mc_error *err);

/* Unmaps and frees. npy may be NULL. */
void mc_npy_free(mc_npy *npy);

/* Scans every element; fails with MC_ERR_INVALID "feats.npy: row 12,
 * column 3 is NaN" (or "is inf"/"is -inf") at the first non-finite value,
 * or MC_ERR_INTERRUPTED. Reports progress ("checking feats.npy"). */
int mc_npy_check_finite(const mc_npy *npy, const mc_progress *p, mc_error *err);

/* Shape and type. rows is the first dimension; cols is 1 for a 1-D file. */
size_t mc_npy_rows(const mc_npy *npy);
size_t mc_npy_cols(const mc_npy *npy);
int mc_npy_ndim(const mc_npy *npy);               /* 1 or 2 */
mc_npy_dtype mc_npy_dtype_of(const mc_npy *npy);
const char *mc_npy_descr(const mc_npy *npy);      /* "<f4" or "<f8"; borrowed */
const char *mc_npy_path(const mc_npy *npy);       /* as given to open; borrowed */

/* Copies rows [r0, r0+n) converted to double into out, which holds
 * n * cols doubles (row-major, compact). Also checks them: fails with
 * MC_ERR_INVALID "feats.npy: row 12, column 3 is NaN" on a non-finite value,
 * or MC_ERR_SHAPE if the range goes past the last row. Cheap to call
 * repeatedly: this is how a 848k x 2048 float32 file is streamed. */
int mc_npy_read_rows(const mc_npy *npy, size_t r0, size_t n, double *out, mc_error *err);

/* Tells the kernel that rows [r0, r0+n) were copied out and their pages
 * can leave the process (a later read maps them in again, from the page
 * cache or the file): a stream over a 6.9 GB file then keeps a chunk
 * resident, not the file. No effect on data that is not mapped. */
void mc_npy_release_rows(const mc_npy *npy, size_t r0, size_t n);

/* mc_npy_read_rows then mc_npy_release_rows, with the shape of a row
 * source's read function (mc_rows in maskclean/pca.h; npy is the mc_npy):
 * a one-pass-at-a-time stream over a file that need not fit in memory. */
int mc_npy_stream_rows(const void *npy, size_t r0, size_t n, double *out, mc_error *err);

/* Fills *view with a zero-copy matrix over the mapped data (owns = 0,
 * stride = cols). Valid while npy lives; never write through it (the map is
 * read-only). Only for '<f8' files: fails with MC_ERR_TYPE for '<f4'
 * ("feats.npy: dtype '<f4' cannot be viewed as float64 without a copy"). */
int mc_npy_view(const mc_npy *npy, mc_matrix *view, mc_error *err);

/* A new owned rows x cols matrix holding the data as doubles (a copy, with
 * the finiteness check). Caller owns; free with mc_matrix_free. */
int mc_npy_to_matrix(mc_matrix **out, const mc_npy *npy, const mc_progress *p,
                     mc_error *err);

/* Checks rows == expected. Fails with MC_ERR_SHAPE:
 * "feats.npy: 1000 rows, the dataset has 1200 instances (one row per kept
 * annotation, in annotation order)". */
int mc_npy_check_rows(const mc_npy *npy, size_t expected, mc_error *err);

/* Writes m as a 2-D '<f8' C-order .npy (format 1.0) atomically
 * (maskclean/atomic_file.h): the path holds the old file or the new one,
 * never half of one, also when the process is killed or the disk fills up.
 * Fails with MC_ERR_IO (the message names path and errno). */
int mc_npy_save(const char *path, const mc_matrix *m, mc_error *err);

/* Writes n doubles as a 1-D '<f8' .npy, atomically (as mc_npy_save). */
int mc_npy_save_vector(const char *path, const double *x, size_t n, mc_error *err);

/* A float32 ('<f4') rows x cols .npy written row by row in any order (the
 * rows of a dataset's instances as workers finish them), atomically
 * (maskclean/atomic_file.h): nothing appears at path until commit, and the
 * disk space is reserved at open, so a full disk fails before the work.
 * Rows never written read as zeros. */
typedef struct mc_npy_writer mc_npy_writer;

/* Starts the file. Caller owns *out: finish with mc_npy_writer_commit or
 * mc_npy_writer_abort. Fails with MC_ERR_IO naming path (folder missing, disk
 * full), MC_ERR_INVALID (a size that overflows), MC_ERR_NOMEM. */
int mc_npy_writer_open(mc_npy_writer **out, const char *path, size_t rows, size_t cols,
                       mc_error *err);

/* Writes rows [r0, r0+n) from n * cols floats. Safe from several threads at
 * once for different rows. Fails with MC_ERR_SHAPE past the last row,
 * MC_ERR_IO. */
int mc_npy_writer_rows(mc_npy_writer *w, size_t r0, size_t n, const float *rows, mc_error *err);

/* Puts the file in place and frees w (also on failure, which removes the
 * temporary file and leaves path as it was). */
int mc_npy_writer_commit(mc_npy_writer *w, mc_error *err);

/* Drops the temporary file and frees w; w may be NULL. */
void mc_npy_writer_abort(mc_npy_writer *w);

#endif
