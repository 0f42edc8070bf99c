/* Sensitivities of one block of weighted rows, for the coreset service's
 * importance (maskclean/coreset.h explains where blocks come from).
 *
 * For n rows x_i of d features with weights w_i > 0, let A be the rows
 * [x_i | 1], each multiplied by sqrt(w_i) when the weights are not all 1,
 * and l_i the leverage of row i (||U_i||^2, U an orthonormal basis of A's
 * column space). The sensitivity of row i is
 *     s_i = (2 w_i / W + l_i) * W,   W = sum of the w_i.
 * The basis comes from R of A's QR factorization: by default (CholQR)
 * U = A R^-1 with R the Cholesky factor of A'A, the solve in single
 * precision when R is well conditioned (1-norm estimate at most 1e4:
 * leverages within about 1e-6 relative of double precision); with
 * MC_BASIS_QR from LAPACK's dgeqrf + dorgqr. Rank-deficient blocks (fewer
 * rows than columns, constant features, condition number above about 1e5)
 * take the eigendecomposition of the Gram matrix and keep the directions
 * whose eigenvalue is above 16 max(n, d+1) eps times the largest. A block
 * of at most d+1 rows takes ridge leverages x_i' (A'A + lambda I)^-1 x_i,
 * lambda chosen so that they sum to n/4. */
#ifndef MASKCLEAN_LEVERAGE_H
#define MASKCLEAN_LEVERAGE_H

#include <stddef.h>

#include "maskclean/coreset.h"
#include "maskclean/error.h"

/* Scratch memory of one worker, kept across its blocks (a block's scratch
 * is megabytes: fresh pages for every block cost a fifth of a build).
 * Start it as { NULL, 0 }; free it with mc_leverage_work_free. */
typedef struct mc_leverage_work {
	double *mem;
	size_t cap;
} mc_leverage_work;

/* Frees ws's memory and empties it. */
void mc_leverage_work_free(mc_leverage_work *ws);

/* The sensitivities s[0..n) of the n rows rows[i] (d features each) with
 * weights w, computed on basis, with scratch ws. Calls BLAS and LAPACK (run
 * it with OpenBLAS single-threaded for results that do not depend on the
 * thread count: pool.h). Returns 0, or MC_ERR_NOMEM / MC_ERR_INVALID (a
 * LAPACK failure) with err set; s is then unspecified. n == 0 does nothing. */
int mc_leverage_block(double *s, const double *const *rows, const double *w, size_t n,
                      size_t d, mc_coreset_basis basis, mc_leverage_work *ws, mc_error *err);

#endif
