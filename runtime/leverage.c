/* This module implements the sensitivities of one block of weighted rows
 * (maskclean/leverage.h): the leverage of each row from a Cholesky-QR,
 * Householder-QR or eigendecomposition basis, ridge leverages for small
 * blocks. */
#include "maskclean/leverage.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The scalar loops of a block, written so that the compiler vectorizes
 * them (no aliasing, independent partial sums): in plain form they took a
 * fifth of a block's time next to its BLAS calls. */
static void s_scale_row(double *restrict dst, const double *restrict src, double sc,
                        size_t d)
{
	for (size_t j = 0; j < d; j++)
		dst[j] = sc * src[j];
}

/* Squared norm of a float vector, summed in double by four interleaved
 * partial sums (a single sum is one long chain of dependent additions). */
static double s_sumsq_f(const float *x, size_t p)
{
	double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	size_t j = 0;

	for (; j + 4 <= p; j += 4) {
		a0 += (double)x[j] * (double)x[j];
		a1 += (double)x[j + 1] * (double)x[j + 1];
		a2 += (double)x[j + 2] * (double)x[j + 2];
		a3 += (double)x[j + 3] * (double)x[j + 3];
	}
	for (; j < p; j++)
		a0 += (double)x[j] * (double)x[j];
	return (a0 + a1) + (a2 + a3);
}

/* The ridge lambda >= 0 at which the r eigenvalues ev (ascending, > 0) give
 * sum_k ev_k / (ev_k + lambda) = target; 0 when r <= target (the plain
 * leverages already sum to no more). Bisection: f falls from r at 0 to at
 * most target at ev_max (r / target - 1). */
static double s_ridge_lambda(const double *ev, size_t r, double target)
{
	double lo = 0, hi;

	if (r == 0 || (double)r <= target)
		return 0;
	hi = ev[r - 1] * ((double)r / target - 1.0);
	for (int it = 0; it < 200 && hi - lo > hi * 1e-15; it++) {
		double mid = (lo + hi) / 2, f = 0;
		for (size_t k = 0; k < r; k++)
			f += ev[k] / (ev[k] + mid);
		if (f > target)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* Leverage of the rows of the eigenbasis path: A is n x p; keeps the
 * eigen-directions of the Gram matrix above the tolerance (ridge leverages
 * when n <= p). */
static int s_leverage_eig(double *A, size_t n, size_t p, double *lev, double *tmp,
                          mc_error *err)
{
	size_t q = n <= p ? n : p;
	double *G = tmp, *ev = tmp + q * q, *B = tmp + q * q + q;
	double tol, lmax;
	size_t r = 0;
	int rc = 0;

	if (n <= p)
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)p, 1.0, A,
		            (int)p, 0.0, G, (int)n);
	else
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, A,
		            (int)p, 0.0, G, (int)p);
	if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)q, G, (lapack_int)q, ev) != 0) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "coreset: eigendecomposition of a %zux%zu block failed", n, p);
		goto cleanup;
	}
	lmax = ev[q - 1] > 0 ? ev[q - 1] : 0;
	tol = lmax * (double)(n > p ? n : p) * DBL_EPSILON * 16;
	while (r < q && ev[q - 1 - r] > tol && ev[q - 1 - r] > 0)
		r++;
	if (n <= p) {
		/* A A' = V L V'. With n <= d + 1 rows every plain leverage is 1
		 * and says nothing, so the block takes ridge leverages
		 * x_i' (A'A + lambda I)^-1 x_i = sum_k V_ik^2 l_k / (l_k + lambda),
		 * lambda chosen so that they sum to n / 4: the effective dimension
		 * of a block of four rows per column, as the chunk size gives the
		 * large classes. */
		double lambda = s_ridge_lambda(ev + (q - r), r, (double)n / 4.0);
		for (size_t i = 0; i < n; i++) {
			double s = 0;
			for (size_t k = q - r; k < q; k++)
				s += G[i * q + k] * G[i * q + k] * (ev[k] / (ev[k] + lambda));
			lev[i] = s;
		}
	} else {
		/* U = A V_r L_r^-1/2. */
		for (size_t k = q - r; k < q; k++) {
			double sc = 1.0 / sqrt(ev[k]);
			for (size_t j = 0; j < p; j++)
				G[j * q + k] *= sc;
		}
		if (r > 0)
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)r, (int)p,
			            1.0, A, (int)p, G + (q - r), (int)q, 0.0, B, (int)r);
		for (size_t i = 0; i < n; i++) {
			double s = 0;
			for (size_t k = 0; k < r; k++)
				s += B[i * r + k] * B[i * r + k];
			lev[i] = s;
		}
	}
cleanup:
	return rc;
}

/* Householder QR: Q from dgeqrf + dorgqr, A overwritten (n >= p). */
static int s_leverage_qr(double *A, size_t n, size_t p, double *lev, double *tau,
                         mc_error *err)
{
	if (LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)p, A, (lapack_int)p,
	                   tau) != 0 ||
	    LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)p, (lapack_int)p, A,
	                   (lapack_int)p, tau) != 0)
		return mc_error_set(err, MC_ERR_INVALID, "coreset: QR of a %zux%zu block failed", n,
		                    p);
	for (size_t i = 0; i < n; i++)
		lev[i] = cblas_ddot((int)p, A + i * p, 1, A + i * p, 1);
	return 0;
}

/* CholeskyQR: R = chol(A'A), U = A R^-1. Returns 1, with A untouched, when
 * A is (numerically) rank deficient, so the caller can use the eigenbasis;
 * otherwise A is overwritten by U. */
static int s_leverage_cholqr(double *A, size_t n, size_t p, double *lev, double *G,
                             float *fw)
{
	double dmin = INFINITY, dmax = 0, rcond = 0;
	int ok;

	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, A, (int)p, 0.0,
	            G, (int)p);
	/* the row-major upper triangle is the column-major lower one: factor it
	 * in place as such, without LAPACKE's transposed copy (G = L L' there is
	 * G = R' R here, R = L') */
	ok = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)p, G, (lapack_int)p) == 0;
	if (ok) {
		for (size_t j = 0; j < p; j++) {
			double r = fabs(G[j * p + j]);
			dmin = r < dmin ? r : dmin;
			dmax = r > dmax ? r : dmax;
		}
		/* cond(A) above ~1e5 loses too many digits in A'A. */
		ok = dmax > 0 && dmin > dmax * 1e-5;
	}
	if (!ok)
		return 1; /* ask the caller for the eigen path */
	/* U = A R^-1. When R is well conditioned (1-norm estimate <= 100), the
	 * solve runs in single precision, twice as fast: the leverages keep
	 * about five significant digits, far more than sampling needs. */
	if (LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'L', 'N', (lapack_int)p, G, (lapack_int)p,
	                   &rcond) == 0 && rcond >= 1e-4) {
		float *Af = fw, *Rf = fw + n * p;
		mc_to_float(Af, A, n * p);
		mc_to_float(Rf, G, p * p);
		cblas_strsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
		            (int)n, (int)p, 1.0f, Rf, (int)p, Af, (int)p);
		for (size_t i = 0; i < n; i++)
			lev[i] = s_sumsq_f(Af + i * p, p);
		return 0;
	}
	cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)n,
	            (int)p, 1.0, G, (int)p, A, (int)p);
	for (size_t i = 0; i < n; i++)
		lev[i] = cblas_ddot((int)p, A + i * p, 1, A + i * p, 1);
	return 0;
}

static double *s_work_reserve(mc_leverage_work *ws, size_t count)
{
	if (count > ws->cap) {
		free(ws->mem);
		ws->mem = malloc(count * sizeof *ws->mem);
		ws->cap = ws->mem != NULL ? count : 0;
	}
	return ws->mem;
}

void mc_leverage_work_free(mc_leverage_work *ws)
{
	free(ws->mem);
	ws->mem = NULL;
	ws->cap = 0;
}

int mc_leverage_block(double *s, const double *const *rows, const double *w, size_t n,
                      size_t d, mc_coreset_basis basis, mc_leverage_work *ws, mc_error *err)
{
	size_t p = d + 1, q = n <= p ? n : p;
	double *A, *lev, *tmp, W = 0;
	int unit = 1, rc = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		W += w[i];
		if (w[i] != 1.0)
			unit = 0;
	}
	/* A (n x p), lev (n), then the largest scratch of the leverage paths:
	 * eigen q*q + q + n*q, QR p, CholeskyQR p*p + (n*p + p*p) floats */
	A = s_work_reserve(ws, n * p + n + q * q + q + n * q + p * p + p + (n * p + p * p) / 2 + 1);
	if (A == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory (%zux%zu block)", n, p);
	lev = A + n * p;
	tmp = lev + n;
	for (size_t i = 0; i < n; i++) {
		double sc = unit ? 1.0 : sqrt(w[i]);
		double *a = A + i * p;
		if (unit)
			memcpy(a, rows[i], d * sizeof *a);
		else
			s_scale_row(a, rows[i], sc, d);
		a[d] = sc;
	}
	if (n <= p) {
		rc = s_leverage_eig(A, n, p, lev, tmp, err);
	} else if (basis == MC_BASIS_QR) {
		rc = s_leverage_qr(A, n, p, lev, tmp, err);
	} else {
		/* A is only overwritten once the Cholesky factor is accepted. */
		rc = s_leverage_cholqr(A, n, p, lev, tmp, (float *)(tmp + p * p));
		if (rc == 1)
			rc = s_leverage_eig(A, n, p, lev, tmp, err);
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		double l = lev[i];
		l = l < 0 ? 0 : (l > 1 ? 1 : l);
		s[i] = (2.0 * w[i] / W + l) * W;
	}
	return 0;
}
