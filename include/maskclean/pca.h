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
typedef int (*mc_rows_fn)(void *ctx, size_t r0, size_t n, double *out, mc_error *err);

/* A row source: rows x cols values read through read(ctx, ...). single:
 * the values are float32 at the source (a float32 .npy file): the exact
 * solver then computes the covariance and the projections with
 * single-precision BLAS, summing chunks in double, as scikit-learn computes
 * in its input's precision; otherwise everything runs in double. */
typedef struct mc_rows {
	size_t rows, cols;
	mc_rows_fn read;
	void *ctx;
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

/* Accessors, valid after fit (NULL / 0 before). Borrowed; valid while pca
 * lives and until the next fit. components: k x d; mean: d;
 * explained_variance and explained_variance_ratio: k. */
int mc_pca_fitted(const mc_pca *pca);
const mc_matrix *mc_pca_components(const mc_pca *pca);
const double *mc_pca_mean(const mc_pca *pca);
const double *mc_pca_explained_variance(const mc_pca *pca);
const double *mc_pca_explained_variance_ratio(const mc_pca *pca);
size_t mc_pca_n_components(const mc_pca *pca);
size_t mc_pca_n_features(const mc_pca *pca);
size_t mc_pca_n_samples(const mc_pca *pca);
const mc_pca_params *mc_pca_params_of(const mc_pca *pca);

#endif
