/* Principal component analysis, as scikit-learn's PCA (no whitening).
 *
 * "exact": the covariance matrix (one streamed pass, dsyrk over row chunks)
 * and LAPACK's dsyevr for the top k eigenpairs. "randomized": Halko et al.,
 * a Gaussian test matrix, power iterations with QR re-orthonormalisation
 * and a small SVD. Both accept an in-memory matrix or a row source read in
 * chunks, so a memory-mapped file larger than memory can be reduced.
 *
 * Signs follow scikit-learn 1.2's svd_flip(u_based_decision=True): in each
 * component's scores, the entry largest in absolute value (the first such)
 * is positive. explained_variance_ uses n - 1 degrees of freedom. */
#ifndef MASKCLEAN_PCA_H
#define MASKCLEAN_PCA_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/matrix.h"
#include "maskclean/progress.h"

/* Copies rows [r0, r0+n) of a source, as doubles, into out (n x cols,
 * compact). Returns 0 or a negative code with err set. mc_npy_read_rows
 * (maskclean/npy.h) has this shape. */
typedef int (*mc_rows_fn)(const void *ctx, size_t r0, size_t n, double *out, mc_error *err);

/* A row source: rows x cols values read through read(ctx, ...). single:
 * the values are float32 at the source (a float32 .npy file): the exact
 * solver then computes the covariance and the projections with
 * single-precision BLAS, summing chunks in double, as scikit-learn computes
 * in its input's precision; otherwise everything runs in double. */
typedef struct mc_rows {
	size_t rows, cols;
	mc_rows_fn read;
	const void *ctx;
	int single;
} mc_rows;

typedef enum mc_pca_solver { MC_PCA_EXACT = 0, MC_PCA_RANDOMIZED } mc_pca_solver;

typedef struct mc_pca_params {
	size_t n_components;   /* 256 */
	mc_pca_solver solver;  /* MC_PCA_EXACT */
	uint64_t seed;         /* randomized: the test matrix (0) */
	size_t n_oversamples;  /* randomized: 10 */
	size_t n_iter;         /* randomized: power iterations (4) */
	size_t chunk_rows;     /* rows per streamed chunk (0: about 32 MB) */
} mc_pca_params;

typedef struct mc_pca mc_pca;

void mc_pca_params_init(mc_pca_params *p);

/* New unfitted PCA. Caller owns; free with mc_pca_free. Fails with
 * MC_ERR_INVALID for n_components == 0. */
int mc_pca_new(mc_pca **out, const mc_pca_params *p, mc_error *err);
void mc_pca_free(mc_pca *pca);

/* Fits on X or on a row source. On failure the model is unchanged.
 * Fails with MC_ERR_INVALID (n_components > min(rows, cols), fewer than 2
 * rows), errors of the source, MC_ERR_INTERRUPTED or MC_ERR_NOMEM. */
int mc_pca_fit(mc_pca *pca, const mc_matrix *X, const mc_progress *prog, mc_error *err);
int mc_pca_fit_rows(mc_pca *pca, const mc_rows *src, const mc_progress *prog,
                    mc_error *err);

/* Scores (rows x k) of X or of a source: (x - mean) projected on the
 * components. Caller owns; free with mc_matrix_free. Fails with
 * MC_ERR_STATE before fit, MC_ERR_SHAPE for a column mismatch. */
int mc_pca_transform(mc_matrix **out, const mc_pca *pca, const mc_matrix *X,
                     const mc_progress *prog, mc_error *err);
int mc_pca_transform_rows(mc_matrix **out, const mc_pca *pca, const mc_rows *src,
                          const mc_progress *prog, mc_error *err);

/* fit then transform, sharing the pass that fixes the signs. */
int mc_pca_fit_transform(mc_matrix **out, mc_pca *pca, const mc_matrix *X,
                         const mc_progress *prog, mc_error *err);
int mc_pca_fit_transform_rows(mc_matrix **out, mc_pca *pca, const mc_rows *src,
                              const mc_progress *prog, mc_error *err);

/* What a fit learned (scikit-learn's fitted attributes). */
typedef struct mc_pca_model {
	size_t k;                 /* n_components */
	size_t d;                 /* n_features_in_ */
	size_t n;                 /* samples fitted */
	mc_matrix *components;    /* components_: k x d, one principal axis a row */
	double *mean;             /* mean_: d */
	double *ev, *evr;         /* explained_variance_ and its ratio: k */
} mc_pca_model;

/* The fitted model, or NULL before fit. Borrowed and read-only; valid while
 * pca lives and until the next fit. */
const mc_pca_model *mc_pca_model_of(const mc_pca *pca);
const mc_pca_params *mc_pca_params_of(const mc_pca *pca);

/* ---- The exact fit in parts, for data split over processes (maskclean-mpi).
 * mc_pca_fit is these steps on one process:
 *   1. mc_pca_moments_center: the center c, the mean of the data's first
 *      chunk (chunk_rows rows, as mc_pca_params), known to every part;
 *   2. mc_pca_moments_add on each part's rows, then mc_pca_moments_merge;
 *   3. mc_pca_fit_moments: mean, covariance and the eigensolve;
 *   4. mc_pca_signs_scan on each part's rows, mc_pca_signs_merge in row
 *      order, and mc_pca_signs_apply (scikit-learn's sign convention).
 * A part whose first row is a multiple of chunk_rows forms each chunk's
 * sums exactly as mc_pca_fit does (for a float32 source, in single
 * precision); only the order in which the parts' sums are added differs,
 * so the model agrees with mc_pca_fit's to rounding. */

/* Sums over rows about a center c shared by every part: sums[0] = n, then
 * sum (x - c) (d), sum (x - c)^2 (d) and, with cross, the upper triangle of
 * sum (x - c)(x - c)' (d x d, row-major). len doubles; parts add up
 * elementwise, so sums can travel as one array (MPI_Reduce). */
typedef struct mc_pca_moments {
	size_t d;
	int cross;
	double *center;  /* d */
	double *sums;    /* len */
	size_t len;
} mc_pca_moments;

/* Zeroed moments of d columns (cross: with the cross products the exact
 * solver needs). Caller owns; free with mc_pca_moments_free. Fails with
 * MC_ERR_SHAPE for d == 0, MC_ERR_NOMEM. */
int mc_pca_moments_new(mc_pca_moments **out, size_t d, int cross, mc_error *err);
void mc_pca_moments_free(mc_pca_moments *m);

/* Sets m->center to the mean of the first min(chunk_rows, rows) rows of X
 * or of src (exactly one of them non-NULL); chunk_rows 0: the default of
 * mc_pca_params. Fails with MC_ERR_SHAPE (no rows, a column mismatch) or
 * the source's error (a non-finite value names its row). */
int mc_pca_moments_center(mc_pca_moments *m, const mc_matrix *X, const mc_rows *src,
                          size_t chunk_rows, mc_error *err);

/* Adds the rows of X or of src, in chunks of chunk_rows, to m's sums about
 * m's center. Reports progress ("PCA: covariance"). On failure m's sums are
 * unspecified. Fails with MC_ERR_SHAPE, the source's error,
 * MC_ERR_INTERRUPTED or MC_ERR_NOMEM. */
int mc_pca_moments_add(mc_pca_moments *m, const mc_matrix *X, const mc_rows *src,
                       size_t chunk_rows, const mc_progress *prog, mc_error *err);

/* dst->sums += src->sums. Fails with MC_ERR_SHAPE when the two differ in d,
 * cross or center (dst unchanged). */
int mc_pca_moments_merge(mc_pca_moments *dst, const mc_pca_moments *src, mc_error *err);

/* Fits pca from the moments of the whole data (the exact solver; cross
 * required): mean, covariance (n - 1 degrees of freedom), its top
 * n_components eigenpairs. Signs are not fixed yet: the model transforms,
 * but mc_pca_signs_apply must follow to match mc_pca_fit. On failure pca is
 * unchanged. Fails with MC_ERR_INVALID (fewer than 2 rows, n_components
 * above min(rows, columns), no cross products, the eigensolver failed),
 * MC_ERR_NOMEM. */
int mc_pca_fit_moments(mc_pca *pca, const mc_pca_moments *m, mc_error *err);

/* best (2 k doubles) tracks, per component, the largest |score| (best[c])
 * and the score there, the first of equal ones (best[k + c]). Start it at
 * zeros. scan adds the rows of X or src (scores with the current signs;
 * progress "PCA: projecting"); merge folds in the best of later rows;
 * apply flips each component whose score there is negative. Fails as
 * mc_pca_transform. */
int mc_pca_signs_scan(double *best, const mc_pca *pca, const mc_matrix *X,
                      const mc_rows *src, const mc_progress *prog, mc_error *err);
void mc_pca_signs_merge(double *best, const double *later, size_t k);
void mc_pca_signs_apply(mc_pca *pca, const double *best);

/* Rows per chunk of a fit of d columns under p (p->chunk_rows, or its
 * default of about 32 MB of doubles). */
size_t mc_pca_chunk_rows(const mc_pca_params *p, size_t d);

/* Restores a model fitted elsewhere (a file maskclean-mpi wrote): copies
 * components (k x d), mean (d), explained_variance and its ratio (k) and
 * the sample count. On failure pca is unchanged. Fails with MC_ERR_SHAPE
 * when the sizes disagree with each other or with n_components,
 * MC_ERR_INVALID on a non-finite value, MC_ERR_NOMEM. */
int mc_pca_restore(mc_pca *pca, const mc_matrix *components, const double *mean,
                   const double *explained_variance, const double *ratio,
                   size_t n_samples, mc_error *err);

/* A fitted model as .npy files (float64) in the folder dir, each written
 * atomically: components.npy (k x d), mean.npy (d), explained_variance.npy
 * and explained_variance_ratio.npy (k), pca_info.npy ([n_samples]). The
 * form in which maskclean-mpi hands a model to the kernel and back.
 * save fails with MC_ERR_STATE before fit, MC_ERR_IO naming the file. load
 * restores pca (mc_pca_restore), which is unchanged on failure: the file's
 * error (MC_ERR_IO, MC_ERR_PARSE), MC_ERR_SHAPE when the files disagree. */
int mc_pca_save(const mc_pca *pca, const char *dir, mc_error *err);
int mc_pca_load(mc_pca *pca, const char *dir, mc_error *err);

#endif
