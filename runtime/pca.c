/* This module implements PCA: exact (streamed covariance + LAPACK dsyevr)
 * and randomized (Halko et al.), over an in-memory matrix or a row source
 * read in chunks, with scikit-learn's sign convention
 * (include/maskclean/pca.h). */
#include "maskclean/pca.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/modelfile.h"
#include "maskclean/rng.h"

struct mc_pca {
	mc_pca_params p;
	int fitted;
	mc_pca_model m;
};

/* Rows from a matrix (no copy) or from a source (into buf). */
typedef struct s_src {
	const mc_matrix *m;
	const mc_rows *rows;
	size_t n, d, chunk;
	double *buf;             /* chunk x d */
	int single;              /* float32 source: single-precision BLAS */
} s_src;

/* The model being built by a fit; moved into mc_pca on success. */
typedef mc_pca_model s_fit;

void mc_pca_params_init(mc_pca_params *p)
{
	*p = (mc_pca_params){ .n_components = 256, .solver = MC_PCA_EXACT, .n_oversamples = 10,
	                      .n_iter = 4 };
}

int mc_pca_new(mc_pca **out, const mc_pca_params *p, mc_error *err)
{
	mc_pca *pca;

	*out = NULL;
	if (p->n_components == 0)
		return mc_error_set(err, MC_ERR_INVALID, "PCA: n_components is 0; expected >= 1");
	if (p->solver != MC_PCA_EXACT && p->solver != MC_PCA_RANDOMIZED)
		return mc_error_set(err, MC_ERR_INVALID, "PCA: unknown solver %d", (int)p->solver);
	pca = calloc(1, sizeof *pca);
	if (pca == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	pca->p = *p;
	*out = pca;
	return 0;
}

static void s_fit_clear(s_fit *f)
{
	mc_matrix_free(f->components);
	free(f->mean);
	free(f->ev);
	free(f->evr);
	memset(f, 0, sizeof *f);
}

void mc_pca_free(mc_pca *pca)
{
	if (pca == NULL)
		return;
	mc_matrix_free(pca->m.components);
	free(pca->m.mean);
	free(pca->m.ev);
	free(pca->m.evr);
	free(pca);
}

static int s_nomem(mc_error *err, const char *what)
{
	return mc_error_set(err, MC_ERR_NOMEM, "PCA: out of memory for %s", what);
}

static size_t s_chunk_rows(size_t chunk, size_t d)
{
	if (chunk > 0)
		return chunk;
	chunk = (4u << 20) / d;
	return chunk < 64 ? 64 : chunk;
}

size_t mc_pca_chunk_rows(const mc_pca_params *p, size_t d)
{
	return s_chunk_rows(p->chunk_rows, d > 0 ? d : 1);
}

static int s_src_init(s_src *s, const mc_matrix *m, const mc_rows *rows, size_t chunk,
                      mc_error *err)
{
	memset(s, 0, sizeof *s);
	s->m = m;
	s->rows = rows;
	s->n = m != NULL ? m->rows : rows->rows;
	s->d = m != NULL ? m->cols : rows->cols;
	s->single = m == NULL && rows->single;
	if (s->d == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "PCA: the data has no columns");
	s->chunk = s_chunk_rows(chunk, s->d);
	if (m == NULL) {
		s->buf = malloc(s->chunk * s->d * sizeof *s->buf);
		if (s->buf == NULL)
			return s_nomem(err, "a chunk of rows");
	}
	return 0;
}

/* Rows [r0, r0+m) as a pointer and a stride. */
static int s_src_get(s_src *s, size_t r0, size_t m, const double **ptr, size_t *stride,
                     mc_error *err)
{
	int rc;

	if (s->m != NULL) {
		size_t bad;
		mc_matrix v = mc_matrix_view_rows(s->m, r0, m);
		bad = mc_matrix_find_nonfinite(&v);
		if (bad != (size_t)-1)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "X: row %zu, column %zu is %g; expected a finite value",
			                    r0 + bad / s->d, bad % s->d,
			                    MC_AT(&v, bad / s->d, bad % s->d));
		*ptr = v.data;
		*stride = s->m->stride;
		return 0;
	}
	rc = s->rows->read(s->rows->ctx, r0, m, s->buf, err);
	if (rc != 0)
		return rc;
	*ptr = s->buf;
	*stride = s->d;
	return 0;
}

/* The per-row loops take restrict pointers so that the compiler vectorizes
 * them. */
static void s_sub_row(double *restrict out, const double *restrict row,
                      const double *restrict center, size_t d)
{
	for (size_t j = 0; j < d; j++)
		out[j] = row[j] - center[j];
}

/* sum += v, sq += v * v, elementwise */
static void s_add_moments(double *restrict sum, double *restrict sq, const double *restrict v,
                          size_t d)
{
	for (size_t j = 0; j < d; j++) {
		sum[j] += v[j];
		sq[j] += v[j] * v[j];
	}
}

/* One row of the single-precision path: v = row - center, summed into sum
 * and sq in double, stored as float. */
static void s_center_moments_f(float *restrict out, double *restrict sum, double *restrict sq,
                               const double *restrict row, const double *restrict center,
                               size_t d)
{
	for (size_t j = 0; j < d; j++) {
		double v = row[j] - center[j];
		sum[j] += v;
		sq[j] += v * v;
		out[j] = (float)v;
	}
}

/* tmp (m x d, compact) = rows - center */
static void s_center(double *tmp, const double *rows, size_t stride, size_t m, size_t d,
                     const double *center)
{
	for (size_t i = 0; i < m; i++)
		s_sub_row(tmp + i * d, rows + i * stride, center, d);
}

/* Scores of centered rows: out (m x k, leading dimension ld) = tmp (m x d,
 * compact) C' for the k x d components C, in double, or in single precision
 * through p when p->cf holds C as floats. */
typedef struct s_proj {
	float *cf, *tf, *of;     /* k x d, chunk x d, chunk x k; NULL: double */
} s_proj;

static int s_proj_init(s_proj *p, const s_src *s, const mc_matrix *C)
{
	size_t k = C->rows, d = C->cols;

	memset(p, 0, sizeof *p);
	if (!s->single)
		return 0;
	p->cf = malloc(k * d * sizeof *p->cf);
	p->tf = malloc(s->chunk * d * sizeof *p->tf);
	p->of = malloc(s->chunk * k * sizeof *p->of);
	if (p->cf == NULL || p->tf == NULL || p->of == NULL)
		return -1;
	for (size_t c = 0; c < k; c++)
		mc_to_float(p->cf + c * d, C->data + c * C->stride, d);
	return 0;
}

static void s_proj_free(s_proj *p)
{
	free(p->cf);
	free(p->tf);
	free(p->of);
}

static void s_sub_row_f(float *restrict out, const double *restrict row,
                        const double *restrict center, size_t d)
{
	for (size_t j = 0; j < d; j++)
		out[j] = (float)(row[j] - center[j]);
}

/* Scores of rows (m x d, leading dimension stride) centered by center;
 * tmp holds m x d doubles. */
static void s_project(const s_proj *p, const double *rows, size_t stride, size_t m,
                      const double *center, double *tmp, const mc_matrix *C, double *out,
                      size_t ld)
{
	size_t k = C->rows, d = C->cols;

	if (p->cf == NULL) {
		s_center(tmp, rows, stride, m, d, center);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)d, 1.0,
		            tmp, (int)d, C->data, (int)C->stride, 0.0, out, (int)ld);
		return;
	}
	for (size_t i = 0; i < m; i++)
		s_sub_row_f(p->tf + i * d, rows + i * stride, center, d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)d, 1.0f, p->tf,
	            (int)d, p->cf, (int)d, 0.0f, p->of, (int)k);
	for (size_t i = 0; i < m; i++)
		mc_to_double(out + i * ld, p->of + i * k, k);
}

static int s_interrupted(const mc_progress *prog, size_t done, size_t total,
                         const char *what, mc_error *err)
{
	if (mc_progress_report(prog, done, total, what))
		return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
	return 0;
}

/* The moments of a fit in one block: n, sum, sq, then the cross products. */
static double *s_m_sum(const mc_pca_moments *m)
{
	return m->sums + 1;
}

static double *s_m_sq(const mc_pca_moments *m)
{
	return m->sums + 1 + m->d;
}

static double *s_m_cross(const mc_pca_moments *m)
{
	return m->cross ? m->sums + 1 + 2 * m->d : NULL;
}

int mc_pca_moments_new(mc_pca_moments **out, size_t d, int cross, mc_error *err)
{
	mc_pca_moments *m;

	*out = NULL;
	if (d == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "PCA: the data has no columns");
	if (cross && d > ((size_t)-1 / sizeof(double) - 1 - 2 * d) / d)
		return s_nomem(err, "the covariance");
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return s_nomem(err, "the moments");
	m->d = d;
	m->cross = cross != 0;
	m->len = 1 + 2 * d + (cross ? d * d : 0);
	m->center = calloc(d, sizeof *m->center);
	m->sums = calloc(m->len, sizeof *m->sums);
	if (m->center == NULL || m->sums == NULL) {
		mc_pca_moments_free(m);
		return s_nomem(err, "the moments");
	}
	*out = m;
	return 0;
}

void mc_pca_moments_free(mc_pca_moments *m)
{
	if (m == NULL)
		return;
	free(m->center);
	free(m->sums);
	free(m);
}

static int s_check_cols(const mc_pca_moments *m, const s_src *s, mc_error *err)
{
	if (s->d != m->d)
		return mc_error_set(err, MC_ERR_SHAPE, "PCA: the data has %zu columns, expected %zu",
		                    s->d, m->d);
	return 0;
}

/* The center: the mean of the first chunk (keeps the sums well conditioned). */
static int s_center_of(mc_pca_moments *m, s_src *s, mc_error *err)
{
	size_t n = s->n < s->chunk ? s->n : s->chunk, d = s->d, stride;
	const double *rows;
	int rc;

	if (s->n == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "PCA: the data has no rows");
	rc = s_src_get(s, 0, n, &rows, &stride, err);
	if (rc != 0)
		return rc;
	memset(m->center, 0, d * sizeof *m->center);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			m->center[j] += rows[i * stride + j] / (double)n;
	return 0;
}

int mc_pca_moments_center(mc_pca_moments *m, const mc_matrix *X, const mc_rows *src,
                          size_t chunk_rows, mc_error *err)
{
	s_src s;
	int rc = s_src_init(&s, X, src, chunk_rows, err);

	if (rc == 0)
		rc = s_check_cols(m, &s, err);
	if (rc == 0)
		rc = s_center_of(m, &s, err);
	free(s.buf);
	return rc;
}

/* Adds the rows of s, chunk by chunk, to m's sums about m->center. */
static int s_moments_add(mc_pca_moments *m, s_src *s, const mc_progress *prog,
                         mc_error *err)
{
	size_t n = s->n, d = s->d;
	double *sum = s_m_sum(m), *sq = s_m_sq(m), *cov = s_m_cross(m);
	double *tmp = malloc(s->chunk * d * sizeof *tmp);
	float *tf = NULL, *cf = NULL;
	int rc = 0;

	if (s->single && cov != NULL) {
		tf = malloc(s->chunk * d * sizeof *tf);
		cf = malloc(d * d * sizeof *cf);
	}
	if (tmp == NULL || (s->single && cov != NULL && (tf == NULL || cf == NULL))) {
		rc = s_nomem(err, "the covariance");
		goto cleanup;
	}
	for (size_t r0 = 0; r0 < n; r0 += s->chunk) {
		size_t c = n - r0 < s->chunk ? n - r0 : s->chunk, stride;
		const double *rows;

		rc = s_interrupted(prog, r0, n, "PCA: covariance", err);
		if (rc == 0)
			rc = s_src_get(s, r0, c, &rows, &stride, err);
		if (rc != 0)
			goto cleanup;
		if (tf != NULL) {
			for (size_t i = 0; i < c; i++)
				s_center_moments_f(tf + i * d, sum, sq, rows + i * stride, m->center, d);
		} else {
			s_center(tmp, rows, stride, c, d, m->center);
			for (size_t i = 0; i < c; i++)
				s_add_moments(sum, sq, tmp + i * d, d);
		}
		if (cov != NULL && tf != NULL) {
			/* each chunk's products in single precision, their sum in double */
			cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)c, 1.0f, tf,
			            (int)d, 0.0f, cf, (int)d);
			for (size_t j = 0; j < d; j++)
				for (size_t l = j; l < d; l++)
					cov[j * d + l] += (double)cf[j * d + l];
		} else if (cov != NULL) {
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)c, 1.0, tmp,
			            (int)d, 1.0, cov, (int)d);
		}
		m->sums[0] += (double)c;
	}
cleanup:
	free(tmp);
	free(tf);
	free(cf);
	return rc;
}

int mc_pca_moments_add(mc_pca_moments *m, const mc_matrix *X, const mc_rows *src,
                       size_t chunk_rows, const mc_progress *prog, mc_error *err)
{
	s_src s;
	int rc = s_src_init(&s, X, src, chunk_rows, err);

	if (rc == 0)
		rc = s_check_cols(m, &s, err);
	if (rc == 0)
		rc = s_moments_add(m, &s, prog, err);
	free(s.buf);
	return rc;
}

int mc_pca_moments_merge(mc_pca_moments *dst, const mc_pca_moments *src, mc_error *err)
{
	if (dst->d != src->d || dst->cross != src->cross ||
	    memcmp(dst->center, src->center, dst->d * sizeof *dst->center) != 0)
		return mc_error_set(err, MC_ERR_SHAPE,
		                    "PCA: the moments to merge differ in columns (%zu, %zu), cross "
		                    "products or center", dst->d, src->d);
	for (size_t i = 0; i < dst->len; i++)
		dst->sums[i] += src->sums[i];
	return 0;
}

/* Mean (into f->mean) and total variance from m; with cov, the covariance
 * (d x d, upper triangle, n - 1 dof). */
static void s_from_moments(s_fit *f, double *cov, double *total_var,
                           const mc_pca_moments *m)
{
	size_t d = m->d;
	double n = m->sums[0], *sum = s_m_sum(m), *sq = s_m_sq(m), *cross = s_m_cross(m);

	*total_var = 0.0;
	for (size_t j = 0; j < d; j++) {
		double dm = sum[j] / n;
		f->mean[j] = m->center[j] + dm;
		*total_var += (sq[j] - n * dm * dm) / (n - 1.0);
		if (cov != NULL)
			for (size_t l = j; l < d; l++)
				cov[j * d + l] = (cross[j * d + l] - n * dm * (sum[l] / n)) / (n - 1.0);
	}
}

/* One pass over s: f->mean, *total_var and, with cov, the covariance. */
static int s_moments(s_fit *f, double *cov, double *total_var, s_src *s,
                     const mc_progress *prog, mc_error *err)
{
	mc_pca_moments *m = NULL;
	int rc = mc_pca_moments_new(&m, s->d, cov != NULL, err);

	if (rc == 0)
		rc = s_center_of(m, s, err);
	if (rc == 0)
		rc = s_moments_add(m, s, prog, err);
	if (rc == 0)
		s_from_moments(f, cov, total_var, m);
	mc_pca_moments_free(m);
	return rc;
}

/* For svd_flip: per column, the largest |v| so far and the value there (the
 * first of equal ones), written as selects so that it vectorizes. */
static void s_track_max(double *restrict best, double *restrict at_best,
                        const double *restrict v, size_t k)
{
	for (size_t c = 0; c < k; c++) {
		double a = fabs(v[c]);
		int take = a > best[c];
		best[c] = take ? a : best[c];
		at_best[c] = take ? v[c] : at_best[c];
	}
}

static void s_mul_row(double *restrict row, const double *restrict by, size_t k)
{
	for (size_t c = 0; c < k; c++)
		row[c] *= by[c];
}

/* Scans the scores of s's rows under components C and mean (k x d) for
 * svd_flip: best (2 k: |max| then the value there) is updated; if scores
 * != NULL, they are filled (n x k). */
static int s_scan_signs(double *best, const mc_matrix *C, const double *mean,
                        mc_matrix *scores, s_src *s, const mc_progress *prog, mc_error *err)
{
	size_t n = s->n, d = s->d, k = C->rows;
	double *tmp = malloc(s->chunk * d * sizeof *tmp), *sc = NULL;
	s_proj pj;
	int rc = 0;

	if (scores == NULL)
		sc = malloc(s->chunk * k * sizeof *sc);
	if (s_proj_init(&pj, s, C) != 0 || tmp == NULL || (scores == NULL && sc == NULL)) {
		rc = s_nomem(err, "the scores");
		goto cleanup;
	}
	for (size_t r0 = 0; r0 < n; r0 += s->chunk) {
		size_t m = n - r0 < s->chunk ? n - r0 : s->chunk, stride, ld;
		const double *rows;
		double *out;

		rc = s_interrupted(prog, r0, n, "PCA: projecting", err);
		if (rc == 0)
			rc = s_src_get(s, r0, m, &rows, &stride, err);
		if (rc != 0)
			goto cleanup;
		out = scores != NULL ? scores->data + r0 * scores->stride : sc;
		ld = scores != NULL ? scores->stride : k;
		s_project(&pj, rows, stride, m, mean, tmp, C, out, ld);
		for (size_t i = 0; i < m; i++)
			s_track_max(best, best + k, out + i * ld, k);
	}
cleanup:
	s_proj_free(&pj);
	free(tmp);
	free(sc);
	return rc;
}

/* Flips the components (and the scores, if any, with sign: k doubles of
 * work) whose score of largest magnitude is negative. */
static void s_flip(mc_matrix *C, mc_matrix *scores, const double *best, double *sign)
{
	size_t k = C->rows, d = C->cols, flips = 0;

	for (size_t c = 0; c < k; c++) {
		if (!(best[k + c] < 0.0))
			continue;
		flips++;
		for (size_t j = 0; j < d; j++)
			MC_AT(C, c, j) = -MC_AT(C, c, j);
	}
	if (scores == NULL || flips == 0)
		return;
	for (size_t c = 0; c < k; c++)
		sign[c] = best[k + c] < 0.0 ? -1.0 : 1.0;
	for (size_t i = 0; i < scores->rows; i++)
		s_mul_row(scores->data + i * scores->stride, sign, k);
}

/* The pass that fixes signs (scikit-learn's svd_flip on the scores) and,
 * if scores != NULL, fills them (n x k). */
static int s_sign_pass(s_fit *f, mc_matrix *scores, s_src *s, const mc_progress *prog,
                       mc_error *err)
{
	double *best = calloc(3 * f->k, sizeof *best);
	int rc;

	if (best == NULL)
		return s_nomem(err, "the scores");
	rc = s_scan_signs(best, f->components, f->mean, scores, s, prog, err);
	if (rc == 0)
		s_flip(f->components, scores, best, best + 2 * f->k);
	free(best);
	return rc;
}

/* The top k eigenpairs of the covariance into f (components largest
 * first, signs not fixed). cov is destroyed. */
static int s_eigen(s_fit *f, double *cov, double total, mc_error *err)
{
	size_t d = f->d, k = f->k;
	double *w = malloc(d * sizeof *w), *z = malloc(d * k * sizeof *z);
	lapack_int *isuppz = malloc(2 * d * sizeof *isuppz), found = 0;
	int rc = 0;

	if (w == NULL || z == NULL || isuppz == NULL) {
		rc = s_nomem(err, "the covariance");
		goto cleanup;
	}
	if (LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, cov, (lapack_int)d,
	                   0.0, 0.0, (lapack_int)(d - k + 1), (lapack_int)d, 0.0, &found, w, z,
	                   (lapack_int)k, isuppz) != 0 || (size_t)found != k) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "PCA: the eigensolver (dsyevr) failed on the %zu x %zu covariance",
		                  d, d);
		goto cleanup;
	}
	/* dsyevr returns ascending eigenvalues; components go largest first */
	for (size_t c = 0; c < k; c++) {
		size_t src = k - 1 - c;
		f->ev[c] = w[src] > 0.0 ? w[src] : 0.0;
		f->evr[c] = total > 0.0 ? f->ev[c] / total : 0.0;
		for (size_t j = 0; j < d; j++)
			MC_AT(f->components, c, j) = z[j * k + src];
	}
cleanup:
	free(w);
	free(z);
	free(isuppz);
	return rc;
}

static int s_exact(s_fit *f, s_src *s, const mc_progress *prog, mc_error *err)
{
	size_t d = s->d;
	double *cov = malloc(d * d * sizeof *cov), total = 0.0;
	int rc;

	if (cov == NULL)
		return s_nomem(err, "the covariance");
	rc = s_moments(f, cov, &total, s, prog, err);
	if (rc == 0)
		rc = s_interrupted(prog, 0, 1, "PCA: eigenvectors", err);
	if (rc == 0)
		rc = s_eigen(f, cov, total, err);
	free(cov);
	return rc;
}

/* Q (rows x cols, compact) := an orthonormal basis of its columns. */
static int s_orthonormalize(double *q, size_t rows, size_t cols, mc_error *err)
{
	double *tau = malloc(cols * sizeof *tau);
	int rc = 0;

	if (tau == NULL)
		return s_nomem(err, "a QR factorisation");
	if (LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)rows, (lapack_int)cols, q,
	                   (lapack_int)cols, tau) != 0 ||
	    LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)rows, (lapack_int)cols,
	                   (lapack_int)cols, q, (lapack_int)cols, tau) != 0)
		rc = mc_error_set(err, MC_ERR_INVALID, "PCA: QR factorisation failed");
	free(tau);
	return rc;
}

/* With A the centred data (n x d), read chunk by chunk: out (n x l) =
 * A in, with in d x l; or, with transpose, out (d x l) = A^T in, with in
 * n x l. */
static int s_times(double *out, const double *in, size_t l, int transpose, const s_fit *f,
                   s_src *s, const mc_progress *prog, const char *what, mc_error *err)
{
	size_t n = s->n, d = s->d;
	double *tmp = malloc(s->chunk * d * sizeof *tmp);
	int rc = 0;

	if (tmp == NULL)
		return s_nomem(err, "a chunk of rows");
	if (transpose)
		memset(out, 0, d * l * sizeof *out);
	for (size_t r0 = 0; r0 < n && rc == 0; r0 += s->chunk) {
		size_t m = n - r0 < s->chunk ? n - r0 : s->chunk, stride;
		const double *rows;

		rc = s_interrupted(prog, r0, n, what, err);
		if (rc == 0)
			rc = s_src_get(s, r0, m, &rows, &stride, err);
		if (rc != 0)
			break;
		s_center(tmp, rows, stride, m, d, f->mean);
		if (transpose)
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)l, (int)m, 1.0,
			            tmp, (int)d, in + r0 * l, (int)l, 1.0, out, (int)l);
		else
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)l, (int)d, 1.0,
			            tmp, (int)d, in, (int)l, 0.0, out + r0 * l, (int)l);
	}
	free(tmp);
	return rc;
}

static int s_randomized(s_fit *f, mc_matrix *scores, s_src *s, const mc_pca_params *p,
                        const mc_progress *prog, mc_error *err)
{
	size_t n = s->n, d = s->d, k = f->k, l = k + p->n_oversamples;
	double *Y = NULL, *Z = NULL, *B = NULL, *S = NULL, *Ub = NULL, *Vt = NULL, *U = NULL;
	double total = 0.0;
	mc_rng rng;
	int rc;

	if (l > d)
		l = d;
	if (l > n)
		l = n;
	rc = s_moments(f, NULL, &total, s, prog, err);
	if (rc != 0)
		return rc;
	Y = malloc(n * l * sizeof *Y);
	Z = malloc(d * l * sizeof *Z);
	B = malloc(l * d * sizeof *B);
	S = malloc(l * sizeof *S);
	Ub = malloc(l * l * sizeof *Ub);
	Vt = malloc(l * d * sizeof *Vt);
	U = malloc(n * k * sizeof *U);
	if (Y == NULL || Z == NULL || B == NULL || S == NULL || Ub == NULL || Vt == NULL ||
	    U == NULL) {
		rc = s_nomem(err, "the randomized range finder");
		goto cleanup;
	}
	mc_rng_seed_splitmix(&rng, p->seed);
	for (size_t i = 0; i < d * l; i++)
		Z[i] = mc_rng_normal(&rng);
	rc = s_times(Y, Z, l, 0, f, s, prog, "PCA: range finder", err);
	if (rc == 0)
		rc = s_orthonormalize(Y, n, l, err);
	for (size_t it = 0; it < p->n_iter && rc == 0; it++) {
		rc = s_times(Z, Y, l, 1, f, s, prog, "PCA: power iteration", err);
		if (rc == 0)
			rc = s_orthonormalize(Z, d, l, err);
		if (rc == 0)
			rc = s_times(Y, Z, l, 0, f, s, prog, "PCA: power iteration", err);
		if (rc == 0)
			rc = s_orthonormalize(Y, n, l, err);
	}
	/* B = Q^T A = (A^T Q)^T, l x d */
	if (rc == 0)
		rc = s_times(Z, Y, l, 1, f, s, prog, "PCA: projecting", err);
	if (rc != 0)
		goto cleanup;
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < l; j++)
			B[j * d + i] = Z[i * l + j];
	if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)l, (lapack_int)d, B, (lapack_int)d,
	                   S, Ub, (lapack_int)l, Vt, (lapack_int)d) != 0) {
		rc = mc_error_set(err, MC_ERR_INVALID, "PCA: the SVD (dgesdd) failed");
		goto cleanup;
	}
	/* U = Q Ub[:, :k]; signs from U's columns as svd_flip */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)l, 1.0, Y,
	            (int)l, Ub, (int)l, 0.0, U, (int)k);
	for (size_t c = 0; c < k; c++) {
		double best = -1.0, sign = 1.0;
		for (size_t i = 0; i < n; i++)
			if (fabs(U[i * k + c]) > best) {
				best = fabs(U[i * k + c]);
				sign = U[i * k + c] < 0.0 ? -1.0 : 1.0;
			}
		f->ev[c] = S[c] * S[c] / (double)(n - 1);
		f->evr[c] = total > 0.0 ? f->ev[c] / total : 0.0;
		for (size_t j = 0; j < d; j++)
			MC_AT(f->components, c, j) = sign * Vt[c * d + j];
		if (scores != NULL)
			for (size_t i = 0; i < n; i++)
				MC_AT(scores, i, c) = sign * S[c] * U[i * k + c];
	}
cleanup:
	free(Y);
	free(Z);
	free(B);
	free(S);
	free(Ub);
	free(Vt);
	free(U);
	return rc;
}

/* Checks the shape n x d against n_components k and allocates f. */
static int s_fit_alloc(s_fit *f, size_t k, size_t n, size_t d, mc_error *err)
{
	int rc;

	memset(f, 0, sizeof *f);
	if (n < 2)
		return mc_error_set(err, MC_ERR_INVALID, "PCA: the data has %zu row; need at least 2",
		                    n);
	if (k > d || k > n)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "PCA: n_components=%zu must be at most min(rows, columns) = %zu "
		                    "for %zu x %zu data", k, n < d ? n : d, n, d);
	f->k = k;
	f->d = d;
	f->n = n;
	f->mean = calloc(d, sizeof *f->mean);
	f->ev = calloc(k, sizeof *f->ev);
	f->evr = calloc(k, sizeof *f->evr);
	if (f->mean == NULL || f->ev == NULL || f->evr == NULL) {
		s_fit_clear(f);
		return s_nomem(err, "the model");
	}
	rc = mc_matrix_new(&f->components, k, d, err);
	if (rc != 0)
		s_fit_clear(f);
	return rc;
}

/* Moves f into pca, replacing its model. */
static void s_install(mc_pca *pca, s_fit *f)
{
	mc_matrix_free(pca->m.components);
	free(pca->m.mean);
	free(pca->m.ev);
	free(pca->m.evr);
	pca->m = *f;
	pca->fitted = 1;
	memset(f, 0, sizeof *f);
}

static int s_fit_any(mc_matrix **out, mc_pca *pca, const mc_matrix *X, const mc_rows *rows,
                     const mc_progress *prog, mc_error *err)
{
	s_fit f;
	s_src s;
	mc_matrix *scores = NULL;
	int rc;

	memset(&f, 0, sizeof f);
	if (out != NULL)
		*out = NULL;
	rc = s_src_init(&s, X, rows, pca->p.chunk_rows, err);
	if (rc == 0)
		rc = s_fit_alloc(&f, pca->p.n_components, s.n, s.d, err);
	if (rc == 0 && out != NULL)
		rc = mc_matrix_new(&scores, s.n, f.k, err);
	if (rc != 0)
		goto cleanup;
	if (pca->p.solver == MC_PCA_EXACT) {
		rc = s_exact(&f, &s, prog, err);
		if (rc == 0)
			rc = s_sign_pass(&f, scores, &s, prog, err);
	} else {
		rc = s_randomized(&f, scores, &s, &pca->p, prog, err);
	}
	if (rc != 0)
		goto cleanup;
	s_install(pca, &f);
	if (out != NULL) {
		*out = scores;
		scores = NULL;
	}
cleanup:
	s_fit_clear(&f);
	mc_matrix_free(scores);
	free(s.buf);
	return rc;
}

int mc_pca_fit(mc_pca *pca, const mc_matrix *X, const mc_progress *prog, mc_error *err)
{
	return s_fit_any(NULL, pca, X, NULL, prog, err);
}

int mc_pca_fit_rows(mc_pca *pca, const mc_rows *src, const mc_progress *prog,
                    mc_error *err)
{
	return s_fit_any(NULL, pca, NULL, src, prog, err);
}

int mc_pca_fit_transform(mc_matrix **out, mc_pca *pca, const mc_matrix *X,
                         const mc_progress *prog, mc_error *err)
{
	return s_fit_any(out, pca, X, NULL, prog, err);
}

int mc_pca_fit_transform_rows(mc_matrix **out, mc_pca *pca, const mc_rows *src,
                              const mc_progress *prog, mc_error *err)
{
	return s_fit_any(out, pca, NULL, src, prog, err);
}

static int s_transform_any(mc_matrix **out, const mc_pca *pca, const mc_matrix *X,
                           const mc_rows *rows, const mc_progress *prog, mc_error *err)
{
	s_src s;
	mc_matrix *scores = NULL;
	double *tmp = NULL;
	s_proj pj;
	int rc;

	*out = NULL;
	memset(&pj, 0, sizeof pj);
	if (!pca->fitted)
		return mc_error_set(err, MC_ERR_STATE, "PCA is not fitted yet; call fit(X) first");
	rc = s_src_init(&s, X, rows, pca->p.chunk_rows, err);
	if (rc != 0)
		goto cleanup;
	if (s.d != pca->m.d) {
		rc = mc_error_set(err, MC_ERR_SHAPE, "X has %zu columns; the PCA was fitted on %zu",
		                  s.d, pca->m.d);
		goto cleanup;
	}
	tmp = malloc(s.chunk * s.d * sizeof *tmp);
	if (tmp == NULL || s_proj_init(&pj, &s, pca->m.components) != 0) {
		rc = s_nomem(err, "a chunk of rows");
		goto cleanup;
	}
	rc = mc_matrix_new(&scores, s.n, pca->m.k, err);
	for (size_t r0 = 0; r0 < s.n && rc == 0; r0 += s.chunk) {
		size_t m = s.n - r0 < s.chunk ? s.n - r0 : s.chunk, stride;
		const double *src;

		rc = s_interrupted(prog, r0, s.n, "PCA: transform", err);
		if (rc == 0)
			rc = s_src_get(&s, r0, m, &src, &stride, err);
		if (rc != 0)
			break;
		s_project(&pj, src, stride, m, pca->m.mean, tmp, pca->m.components,
		          scores->data + r0 * scores->stride,
		          scores->stride);
	}
	if (rc == 0) {
		*out = scores;
		scores = NULL;
	}
cleanup:
	s_proj_free(&pj);
	mc_matrix_free(scores);
	free(tmp);
	free(s.buf);
	return rc;
}

int mc_pca_transform(mc_matrix **out, const mc_pca *pca, const mc_matrix *X,
                     const mc_progress *prog, mc_error *err)
{
	return s_transform_any(out, pca, X, NULL, prog, err);
}

int mc_pca_transform_rows(mc_matrix **out, const mc_pca *pca, const mc_rows *src,
                          const mc_progress *prog, mc_error *err)
{
	return s_transform_any(out, pca, NULL, src, prog, err);
}

const mc_pca_model *mc_pca_model_of(const mc_pca *pca)
{
	return pca->fitted ? &pca->m : NULL;
}

const mc_pca_params *mc_pca_params_of(const mc_pca *pca)
{
	return &pca->p;
}

int mc_pca_fit_moments(mc_pca *pca, const mc_pca_moments *m, mc_error *err)
{
	s_fit f;
	double *cov = NULL, total = 0.0, n = m->sums[0];
	int rc;

	memset(&f, 0, sizeof f);
	if (!m->cross)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "PCA: the exact solver needs the moments' cross products");
	if (!(n >= 0.0) || n != floor(n) || n > 9007199254740992.0)
		return mc_error_set(err, MC_ERR_INVALID, "PCA: the moments count %g rows", n);
	rc = s_fit_alloc(&f, pca->p.n_components, (size_t)n, m->d, err);
	if (rc != 0)
		return rc;
	cov = malloc(m->d * m->d * sizeof *cov);
	if (cov == NULL) {
		rc = s_nomem(err, "the covariance");
		goto cleanup;
	}
	s_from_moments(&f, cov, &total, m);
	rc = s_eigen(&f, cov, total, err);
	if (rc == 0)
		s_install(pca, &f);
cleanup:
	free(cov);
	s_fit_clear(&f);
	return rc;
}

int mc_pca_signs_scan(double *best, const mc_pca *pca, const mc_matrix *X,
                      const mc_rows *src, const mc_progress *prog, mc_error *err)
{
	s_src s;
	int rc;

	if (!pca->fitted)
		return mc_error_set(err, MC_ERR_STATE, "PCA is not fitted yet; call fit(X) first");
	rc = s_src_init(&s, X, src, pca->p.chunk_rows, err);
	if (rc == 0 && s.d != pca->m.d)
		rc = mc_error_set(err, MC_ERR_SHAPE, "X has %zu columns; the PCA was fitted on %zu",
		                  s.d, pca->m.d);
	if (rc == 0)
		rc = s_scan_signs(best, pca->m.components, pca->m.mean, NULL, &s, prog, err);
	free(s.buf);
	return rc;
}

void mc_pca_signs_merge(double *best, const double *later, size_t k)
{
	for (size_t c = 0; c < k; c++)
		if (later[c] > best[c]) {
			best[c] = later[c];
			best[k + c] = later[k + c];
		}
}

void mc_pca_signs_apply(mc_pca *pca, const double *best)
{
	if (pca->fitted)
		s_flip(pca->m.components, NULL, best, NULL);
}

int mc_pca_restore(mc_pca *pca, const mc_matrix *components, const double *mean,
                   const double *explained_variance, const double *ratio,
                   size_t n_samples, mc_error *err)
{
	size_t k = components->rows, d = components->cols;
	s_fit f;
	int rc;

	if (k != pca->p.n_components)
		return mc_error_set(err, MC_ERR_SHAPE, "PCA: the model has %zu components, "
		                    "expected n_components=%zu", k, pca->p.n_components);
	if (mc_matrix_find_nonfinite(components) != (size_t)-1)
		return mc_error_set(err, MC_ERR_INVALID, "PCA: the components are not all finite");
	for (size_t j = 0; j < d; j++)
		if (!isfinite(mean[j]))
			return mc_error_set(err, MC_ERR_INVALID, "PCA: mean[%zu] is %g", j, mean[j]);
	for (size_t c = 0; c < k; c++)
		if (!isfinite(explained_variance[c]) || !isfinite(ratio[c]))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "PCA: explained variance of component %zu is not finite", c);
	rc = s_fit_alloc(&f, k, n_samples, d, err);
	if (rc != 0)
		return rc;
	for (size_t c = 0; c < k; c++)
		memcpy(f.components->data + c * f.components->stride,
		       components->data + c * components->stride, d * sizeof(double));
	memcpy(f.mean, mean, d * sizeof *f.mean);
	memcpy(f.ev, explained_variance, k * sizeof *f.ev);
	memcpy(f.evr, ratio, k * sizeof *f.evr);
	s_install(pca, &f);
	return 0;
}

/* The files of a saved model. */
#define S_COMPONENTS "components.npy"
#define S_MEAN "mean.npy"
#define S_VARIANCE "explained_variance.npy"
#define S_RATIO "explained_variance_ratio.npy"
#define S_INFO "pca_info.npy"

int mc_pca_save(const mc_pca *pca, const char *dir, mc_error *err)
{
	double n = (double)pca->m.n;
	int rc;

	if (!pca->fitted)
		return mc_error_set(err, MC_ERR_STATE, "PCA is not fitted yet; call fit(X) first");
	rc = mc_modelfile_save(dir, S_COMPONENTS, pca->m.components, NULL, 0, err);
	if (rc == 0)
		rc = mc_modelfile_save(dir, S_MEAN, NULL, pca->m.mean, pca->m.d, err);
	if (rc == 0)
		rc = mc_modelfile_save(dir, S_VARIANCE, NULL, pca->m.ev, pca->m.k, err);
	if (rc == 0)
		rc = mc_modelfile_save(dir, S_RATIO, NULL, pca->m.evr, pca->m.k, err);
	if (rc == 0)
		rc = mc_modelfile_save(dir, S_INFO, NULL, &n, 1, err);
	return rc;
}

int mc_pca_load(mc_pca *pca, const char *dir, mc_error *err)
{
	mc_matrix *comps = NULL, *mean = NULL, *ev = NULL, *evr = NULL, *info = NULL;
	size_t k = pca->p.n_components;
	int rc;

	rc = mc_modelfile_load(&comps, dir, S_COMPONENTS, k, MC_MODELFILE_ANY, err);
	if (rc == 0)
		rc = mc_modelfile_load(&mean, dir, S_MEAN, comps->cols, 0, err);
	if (rc == 0)
		rc = mc_modelfile_load(&ev, dir, S_VARIANCE, k, 0, err);
	if (rc == 0)
		rc = mc_modelfile_load(&evr, dir, S_RATIO, k, 0, err);
	if (rc == 0)
		rc = mc_modelfile_load(&info, dir, S_INFO, 1, 0, err);
	if (rc == 0 && !(info->data[0] >= 2.0 && info->data[0] == floor(info->data[0])))
		rc = mc_error_set(err, MC_ERR_INVALID, "%s/%s: %g samples; expected a count >= 2",
		                  dir, S_INFO, info->data[0]);
	if (rc == 0)
		rc = mc_pca_restore(pca, comps, mean->data, ev->data, evr->data,
		                    (size_t)info->data[0], err);
	mc_matrix_free(comps);
	mc_matrix_free(mean);
	mc_matrix_free(ev);
	mc_matrix_free(evr);
	mc_matrix_free(info);
	return rc;
}
