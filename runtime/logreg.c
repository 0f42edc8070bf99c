/* This module implements multinomial L2 logistic regression: the objective
 * (value and gradient, chunked dgemm, log-sum-exp) and its minimisation by
 * liblbfgs in centred and scaled coordinates (include/maskclean/logreg.h). */
#include "maskclean/logreg.h"

#include <cblas.h>
#include <lbfgs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* L-BFGS memory: more pairs model the curvature of these ill-conditioned
 * problems better, at a cost (4 m (d+1) K flops per iteration) that is
 * negligible next to the two dgemm over X. */
#ifndef MC_LOGREG_LBFGS_M
#define MC_LOGREG_LBFGS_M 50
#endif

/* Rows per chunk of the objective: large chunks keep OpenBLAS efficient on
 * these skinny products; progress and interrupts are checked between chunks,
 * so a chunk is held to about 2^28 multiply-adds per product. */
static size_t s_chunk_rows(size_t d, size_t k)
{
	size_t rows = ((size_t)1 << 28) / (d * k > 0 ? d * k : 1);

	return rows < 2048 ? 2048 : rows > 65536 ? 65536 : rows;
}

struct mc_logreg {
	mc_logreg_params p;
	double *cw_dict;      /* copy of p.class_weights (MC_CW_DICT) */
	size_t k, d;
	mc_matrix *coef;      /* k x d */
	double *intercept;    /* k */
	int fitted;
	size_t n_iter;
	double objective;
	int converged;
};

/* The problem lbfgs sees. Variables: V (k x d) then c (k), with
 * W = V diag(scale) and b = c - W mu. */
typedef struct s_problem {
	const mc_matrix *X;
	const int64_t *y;
	const double *sw;     /* per-sample weight including the class weight */
	size_t n, d, k;
	double C, sw_sum;
	const double *mu, *scale;
	double *W, *b, *GW, *gb, *Z;
	size_t chunk;
	const mc_progress *prog;
	size_t iter, max_iter;
	double tol, grad_max, last_f;
	int interrupted, tol_met;
	mc_logreg_trace_fn trace;
	void *trace_ctx;
} s_problem;

void mc_logreg_params_init(mc_logreg_params *p)
{
	memset(p, 0, sizeof *p);
	p->C = 1.0;
	p->class_weight = MC_CW_NONE;
	p->max_iter = 100;
	p->tol = 1e-4;
}

int mc_logreg_new(mc_logreg **out, const mc_logreg_params *p, mc_error *err)
{
	mc_logreg *lr;

	*out = NULL;
	if (!(p->C > 0.0) || !isfinite(p->C))
		return mc_error_set(err, MC_ERR_INVALID,
		                    "LogisticRegression: C is %g; expected a finite value > 0", p->C);
	if (!(p->tol >= 0.0))
		return mc_error_set(err, MC_ERR_INVALID,
		                    "LogisticRegression: tol is %g; expected a value >= 0", p->tol);
	if (p->max_iter == 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "LogisticRegression: max_iter is 0; expected at least 1");
	if (p->class_weight == MC_CW_DICT) {
		if (p->class_weights == NULL || p->n_classes == 0)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "LogisticRegression: a class_weight dict needs n_classes "
			                    "weights");
		for (size_t c = 0; c < p->n_classes; c++)
			if (!(p->class_weights[c] >= 0.0) || !isfinite(p->class_weights[c]))
				return mc_error_set(err, MC_ERR_INVALID,
				                    "LogisticRegression: class_weight of class %zu is "
				                    "%g; expected a finite value >= 0", c,
				                    p->class_weights[c]);
	}
	lr = calloc(1, sizeof *lr);
	if (lr == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	lr->p = *p;
	lr->p.class_weights = NULL;
	if (p->class_weight == MC_CW_DICT) {
		lr->cw_dict = malloc(p->n_classes * sizeof *lr->cw_dict);
		if (lr->cw_dict == NULL) {
			free(lr);
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		}
		memcpy(lr->cw_dict, p->class_weights, p->n_classes * sizeof *lr->cw_dict);
		lr->p.class_weights = lr->cw_dict;
	}
	*out = lr;
	return 0;
}

void mc_logreg_free(mc_logreg *lr)
{
	if (lr == NULL)
		return;
	free(lr->cw_dict);
	mc_matrix_free(lr->coef);
	free(lr->intercept);
	free(lr);
}

/* Checks X, y, w and derives the class count. */
static int s_check(size_t *k_out, const mc_logreg_params *p, const mc_matrix *X,
                   const int64_t *y, const double *w, mc_error *err)
{
	size_t k = p->n_classes, bad;

	if (X->rows == 0 || X->cols == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "LogisticRegression: X is %zu x %zu; "
		                    "expected at least one row and one column", X->rows, X->cols);
	bad = mc_matrix_find_nonfinite(X);
	if (bad != (size_t)-1)
		return mc_error_set(err, MC_ERR_INVALID, "X: row %zu, column %zu is %g; expected "
		                    "a finite value", bad / X->cols, bad % X->cols,
		                    MC_AT(X, bad / X->cols, bad % X->cols));
	for (size_t i = 0; i < X->rows; i++) {
		if (y[i] < 0)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y: sample %zu has label %lld; expected a class index >= 0",
			                    i, (long long)y[i]);
		if (p->n_classes > 0 && (uint64_t)y[i] >= p->n_classes)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y: sample %zu has label %lld; expected 0..%zu", i,
			                    (long long)y[i], p->n_classes - 1);
		if (w != NULL && (!(w[i] >= 0.0) || !isfinite(w[i])))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "sample_weight: sample %zu has weight %g; expected a "
			                    "finite value >= 0", i, w[i]);
		if (p->n_classes == 0 && (size_t)y[i] + 1 > k)
			k = (size_t)y[i] + 1;
	}
	if (k < 2)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "LogisticRegression: y has %zu class; need at least 2", k);
	*k_out = k;
	return 0;
}

/* Per-sample weights s_i = w_i * class_weight[y_i] and their sum. */
static int s_sample_weights(double **out, double *sum, const mc_logreg_params *p,
                            size_t k, const int64_t *y, const double *w, size_t n,
                            mc_error *err)
{
	double *sw = malloc(n * sizeof *sw), *cw = calloc(k, sizeof *cw);
	size_t *count = calloc(k, sizeof *count);
	size_t kept = 0, present = 0;

	*out = NULL;
	if (sw == NULL || cw == NULL || count == NULL) {
		free(sw);
		free(cw);
		free(count);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu weights", n);
	}
	for (size_t i = 0; i < n; i++)
		if (w == NULL || w[i] > 0.0) {
			count[y[i]]++;
			kept++;
		}
	for (size_t c = 0; c < k; c++) {
		present += count[c] > 0;
		cw[c] = 1.0;
	}
	if (p->class_weight == MC_CW_BALANCED)
		for (size_t c = 0; c < k; c++)
			cw[c] = count[c] > 0 ? (double)kept / ((double)present * (double)count[c]) : 0.0;
	else if (p->class_weight == MC_CW_DICT)
		for (size_t c = 0; c < k; c++)
			cw[c] = c < p->n_classes ? p->class_weights[c] : 1.0;
	*sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		sw[i] = (w != NULL ? w[i] : 1.0) * cw[y[i]];
		*sum += sw[i];
	}
	free(cw);
	free(count);
	if (!(*sum > 0.0)) {
		free(sw);
		return mc_error_set(err, MC_ERR_INVALID,
		                    "LogisticRegression: every sample has weight 0 (all removed)");
	}
	*out = sw;
	return 0;
}

/* f and, if GW != NULL, its gradient at (W, b) in the original coordinates.
 * Returns 1 if interrupted. */
static int s_value_grad(s_problem *pb, double *f_out)
{
	size_t n = pb->n, d = pb->d, k = pb->k;
	double f = 0.0;

	memset(pb->GW, 0, k * d * sizeof(double));
	memset(pb->gb, 0, k * sizeof(double));
	for (size_t r0 = 0; r0 < n; r0 += pb->chunk) {
		size_t m = n - r0 < pb->chunk ? n - r0 : pb->chunk;
		const double *Xc = pb->X->data + r0 * pb->X->stride;

		if (mc_progress_report(pb->prog, pb->iter, pb->max_iter,
		                       "LogisticRegression: fitting")) {
			pb->interrupted = 1;
			return 1;
		}
		for (size_t i = 0; i < m; i++)
			memcpy(pb->Z + i * k, pb->b, k * sizeof(double));
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)d, 1.0,
		            Xc, (int)pb->X->stride, pb->W, (int)d, 1.0, pb->Z, (int)k);
		for (size_t i = 0; i < m; i++) {
			double *z = pb->Z + i * k, s = pb->sw[r0 + i], mx = z[0], sum = 0.0, zy;
			size_t yi = (size_t)pb->y[r0 + i];

			if (s == 0.0) {
				memset(z, 0, k * sizeof(double));
				continue;
			}
			for (size_t c = 1; c < k; c++)
				if (z[c] > mx)
					mx = z[c];
			zy = z[yi] - mx;
			for (size_t c = 0; c < k; c++) {
				z[c] = exp(z[c] - mx);
				sum += z[c];
			}
			/* CE = logsumexp(z) - z_y = log(sum) - (z_y - mx) */
			f += s * (log(sum) - zy);
			for (size_t c = 0; c < k; c++)
				z[c] = s * z[c] / sum;
			z[yi] -= s;
			for (size_t c = 0; c < k; c++)
				pb->gb[c] += z[c];
		}
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)m, 1.0,
		            pb->Z, (int)k, Xc, (int)pb->X->stride, 1.0, pb->GW, (int)d);
	}
	{
		double pen = 0.0, gmax = 0.0;
		for (size_t j = 0; j < k * d; j++) {
			pen += pb->W[j] * pb->W[j];
			pb->GW[j] += pb->W[j] / pb->C;
			if (fabs(pb->GW[j]) > gmax)
				gmax = fabs(pb->GW[j]);
		}
		for (size_t c = 0; c < k; c++)
			if (fabs(pb->gb[c]) > gmax)
				gmax = fabs(pb->gb[c]);
		f += pen / (2.0 * pb->C);
		pb->grad_max = gmax;
	}
	*f_out = f;
	return 0;
}

/* Maps variables (V, c) to (W, b). */
static void s_to_original(s_problem *pb, const double *x)
{
	size_t d = pb->d, k = pb->k;

	for (size_t c = 0; c < k; c++) {
		double dot = 0.0;
		for (size_t j = 0; j < d; j++) {
			pb->W[c * d + j] = x[c * d + j] * pb->scale[j];
			dot += pb->W[c * d + j] * pb->mu[j];
		}
		pb->b[c] = x[k * d + c] - dot;
	}
}

static lbfgsfloatval_t s_evaluate(void *instance, const lbfgsfloatval_t *x,
                                  lbfgsfloatval_t *g, const int n, const lbfgsfloatval_t step)
{
	s_problem *pb = instance;
	size_t d = pb->d, k = pb->k;
	double f;

	(void)step;
	if (pb->interrupted || (s_to_original(pb, x), s_value_grad(pb, &f))) {
		memset(g, 0, (size_t)n * sizeof *g);
		return 1e300;
	}
	/* df/dV = (GW - gb mu^T) diag(scale); df/dc = gb */
	for (size_t c = 0; c < k; c++) {
		for (size_t j = 0; j < d; j++)
			g[c * d + j] = (pb->GW[c * d + j] - pb->gb[c] * pb->mu[j]) * pb->scale[j];
		g[k * d + c] = pb->gb[c];
	}
	pb->last_f = f;
	return f;
}

static int s_progress(void *instance, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g,
                      const lbfgsfloatval_t fx, const lbfgsfloatval_t xnorm,
                      const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k,
                      int ls)
{
	s_problem *pb = instance;

	(void)x; (void)g; (void)xnorm; (void)gnorm; (void)step; (void)n; (void)ls;
	pb->iter = (size_t)k;
	if (pb->trace != NULL)
		pb->trace(pb->trace_ctx, pb->iter, fx, pb->grad_max / pb->sw_sum);
	if (pb->interrupted ||
	    mc_progress_report(pb->prog, pb->iter, pb->max_iter, "LogisticRegression: fitting")) {
		pb->interrupted = 1;
		return 1;
	}
	if (pb->grad_max / pb->sw_sum <= pb->tol) {
		pb->tol_met = 1;
		return 1;
	}
	return 0;
}

/* Weighted column means and scales 1/std (1 for a constant column). */
static void s_standardize(double *mu, double *scale, const mc_matrix *X, const double *sw,
                          double sw_sum)
{
	size_t d = X->cols;

	memset(mu, 0, d * sizeof *mu);
	memset(scale, 0, d * sizeof *scale);
	for (size_t i = 0; i < X->rows; i++) {
		const double *row = X->data + i * X->stride;
		if (sw[i] == 0.0)
			continue;
		for (size_t j = 0; j < d; j++)
			mu[j] += sw[i] * row[j];
	}
	for (size_t j = 0; j < d; j++)
		mu[j] /= sw_sum;
	for (size_t i = 0; i < X->rows; i++) {
		const double *row = X->data + i * X->stride;
		if (sw[i] == 0.0)
			continue;
		for (size_t j = 0; j < d; j++)
			scale[j] += sw[i] * (row[j] - mu[j]) * (row[j] - mu[j]);
	}
	for (size_t j = 0; j < d; j++) {
		double sd = sqrt(scale[j] / sw_sum);
		scale[j] = sd > 1e-12 * (1.0 + fabs(mu[j])) ? 1.0 / sd : 1.0;
	}
}

static int s_fail_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "LogisticRegression: out of memory");
}

int mc_logreg_fit(mc_logreg *lr, const mc_matrix *X, const int64_t *y, const double *w,
                  const mc_progress *prog, mc_error *err)
{
	size_t n = X->rows, d = X->cols, k = 0, nv;
	double *sw = NULL, *mu = NULL, *scale = NULL, *work = NULL, sw_sum = 0.0, fx = 0.0;
	lbfgsfloatval_t *x = NULL;
	mc_matrix *coef = NULL;
	double *intercept = NULL;
	s_problem pb;
	lbfgs_parameter_t param;
	int rc, ret;

	rc = s_check(&k, &lr->p, X, y, w, err);
	if (rc != 0)
		return rc;
	rc = s_sample_weights(&sw, &sw_sum, &lr->p, k, y, w, n, err);
	if (rc != 0)
		return rc;
	memset(&pb, 0, sizeof pb);
	pb.chunk = s_chunk_rows(d, k);
	nv = k * (d + 1);
	mu = malloc(d * sizeof *mu);
	scale = malloc(d * sizeof *scale);
	work = malloc((2 * k * d + 2 * k + pb.chunk * k) * sizeof *work);
	x = lbfgs_malloc((int)nv);
	intercept = malloc(k * sizeof *intercept);
	if (mu == NULL || scale == NULL || work == NULL || x == NULL || intercept == NULL) {
		rc = s_fail_nomem(err);
		goto cleanup;
	}
	rc = mc_matrix_new(&coef, k, d, err);
	if (rc != 0)
		goto cleanup;
	s_standardize(mu, scale, X, sw, sw_sum);
	pb.X = X;
	pb.y = y;
	pb.sw = sw;
	pb.n = n;
	pb.d = d;
	pb.k = k;
	pb.C = lr->p.C;
	pb.sw_sum = sw_sum;
	pb.mu = mu;
	pb.scale = scale;
	pb.W = work;
	pb.GW = work + k * d;
	pb.b = work + 2 * k * d;
	pb.gb = work + 2 * k * d + k;
	pb.Z = work + 2 * k * d + 2 * k;
	pb.prog = prog;
	pb.max_iter = lr->p.max_iter;
	pb.tol = lr->p.tol;
	pb.trace = lr->p.trace;
	pb.trace_ctx = lr->p.trace_ctx;

	/* Start: the previous fit (warm start) or W = 0 with the intercepts that
	 * are optimal for W = 0 (log class frequencies). */
	if (lr->p.warm_start && lr->fitted && lr->k == k && lr->d == d) {
		for (size_t c = 0; c < k; c++) {
			double dot = 0.0;
			for (size_t j = 0; j < d; j++) {
				x[c * d + j] = MC_AT(lr->coef, c, j) / scale[j];
				dot += MC_AT(lr->coef, c, j) * mu[j];
			}
			x[k * d + c] = lr->intercept[c] + dot;
		}
	} else {
		double *freq = pb.gb;
		memset(x, 0, nv * sizeof *x);
		memset(freq, 0, k * sizeof *freq);
		for (size_t i = 0; i < n; i++)
			freq[y[i]] += sw[i];
		double mean = 0.0;
		for (size_t c = 0; c < k; c++) {
			x[k * d + c] = log(freq[c] > 0.0 ? freq[c] / sw_sum : 1e-12);
			mean += x[k * d + c] / (double)k;
		}
		/* softmax ignores a common shift; keep sum(b) = 0 as scikit-learn */
		for (size_t c = 0; c < k; c++)
			x[k * d + c] -= mean;
	}

	lbfgs_parameter_init(&param);
	param.m = MC_LOGREG_LBFGS_M;
	param.epsilon = 0.0;
	/* at the default tol, scipy's default factr (1e7 * eps), on which
	 * scikit-learn's lbfgs also stops; a smaller tol tightens it alike */
	param.past = 1;
	param.delta = 2.220446049250313e-09 * (lr->p.tol < 1e-4 ? lr->p.tol / 1e-4 : 1.0);
	param.max_iterations = (int)lr->p.max_iter;
	param.max_linesearch = 40;
	ret = lbfgs((int)nv, x, &fx, s_evaluate, s_progress, &pb, &param);
	if (pb.interrupted) {
		rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		goto cleanup;
	}
	if (!isfinite(fx) && ret < 0) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "LogisticRegression: the optimizer failed (liblbfgs code %d)", ret);
		goto cleanup;
	}
	s_to_original(&pb, x);
	memcpy(coef->data, pb.W, k * d * sizeof(double));
	{
		double mean = 0.0;
		for (size_t c = 0; c < k; c++)
			mean += pb.b[c] / (double)k;
		for (size_t c = 0; c < k; c++)
			intercept[c] = pb.b[c] - mean;
	}
	mc_matrix_free(lr->coef);
	free(lr->intercept);
	lr->coef = coef;
	lr->intercept = intercept;
	coef = NULL;
	intercept = NULL;
	lr->k = k;
	lr->d = d;
	lr->fitted = 1;
	lr->n_iter = pb.iter;
	lr->objective = fx;
	lr->converged = pb.tol_met || ret == LBFGS_STOP || ret == LBFGS_ALREADY_MINIMIZED ||
	                ret == LBFGSERR_ROUNDING_ERROR;
	rc = 0;
cleanup:
	free(sw);
	free(mu);
	free(scale);
	free(work);
	lbfgs_free(x);
	mc_matrix_free(coef);
	free(intercept);
	return rc;
}

static int s_check_predict(const mc_logreg *lr, const mc_matrix *X, mc_error *err)
{
	if (!lr->fitted)
		return mc_error_set(err, MC_ERR_STATE,
		                    "LogisticRegression is not fitted yet; call fit(X, y) first");
	if (X->cols != lr->d)
		return mc_error_set(err, MC_ERR_SHAPE,
		                    "X has %zu columns; the model was fitted on %zu", X->cols,
		                    lr->d);
	return 0;
}

int mc_logreg_decision(mc_matrix **out, const mc_logreg *lr, const mc_matrix *X,
                       mc_error *err)
{
	mc_matrix *z;
	int rc;

	*out = NULL;
	rc = s_check_predict(lr, X, err);
	if (rc == 0)
		rc = mc_matrix_new(&z, X->rows, lr->k, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < X->rows; i++)
		memcpy(z->data + i * z->stride, lr->intercept, lr->k * sizeof(double));
	if (X->rows > 0)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)X->rows, (int)lr->k,
		            (int)lr->d, 1.0, X->data, (int)X->stride, lr->coef->data,
		            (int)lr->coef->stride, 1.0, z->data, (int)z->stride);
	*out = z;
	return 0;
}

int mc_logreg_proba(mc_matrix **out, const mc_logreg *lr, const mc_matrix *X,
                    mc_error *err)
{
	mc_matrix *z;
	int rc;

	*out = NULL;
	rc = mc_logreg_decision(&z, lr, X, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < z->rows; i++) {
		double *r = z->data + i * z->stride, mx = r[0], sum = 0.0;
		for (size_t c = 1; c < z->cols; c++)
			if (r[c] > mx)
				mx = r[c];
		for (size_t c = 0; c < z->cols; c++) {
			r[c] = exp(r[c] - mx);
			sum += r[c];
		}
		for (size_t c = 0; c < z->cols; c++)
			r[c] /= sum;
	}
	*out = z;
	return 0;
}

int mc_logreg_predict(int64_t **out, const mc_logreg *lr, const mc_matrix *X,
                      mc_error *err)
{
	mc_matrix *z;
	int64_t *p;
	int rc;

	*out = NULL;
	rc = mc_logreg_decision(&z, lr, X, err);
	if (rc != 0)
		return rc;
	p = malloc((X->rows > 0 ? X->rows : 1) * sizeof *p);
	if (p == NULL) {
		mc_matrix_free(z);
		return s_fail_nomem(err);
	}
	for (size_t i = 0; i < z->rows; i++) {
		const double *r = z->data + i * z->stride;
		size_t best = 0;
		for (size_t c = 1; c < z->cols; c++)
			if (r[c] > r[best])
				best = c;
		p[i] = (int64_t)best;
	}
	mc_matrix_free(z);
	*out = p;
	return 0;
}

int mc_logreg_score(double *out, const mc_logreg *lr, const mc_matrix *X,
                    const int64_t *y, const double *w, mc_error *err)
{
	int64_t *p;
	double hit = 0.0, tot = 0.0;
	int rc;

	rc = mc_logreg_predict(&p, lr, X, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < X->rows; i++) {
		double wi = w != NULL ? w[i] : 1.0;
		tot += wi;
		if (p[i] == y[i])
			hit += wi;
	}
	free(p);
	if (!(tot > 0.0))
		return mc_error_set(err, MC_ERR_INVALID, "score: no sample with a weight > 0");
	*out = hit / tot;
	return 0;
}

int mc_logreg_objective(double *out, const mc_logreg *lr, const mc_matrix *X,
                        const int64_t *y, const double *w, mc_error *err)
{
	mc_logreg_params p = lr->p;
	double *sw = NULL, *work = NULL, sum = 0.0, f = 0.0;
	size_t k = 0;
	s_problem pb;
	int rc;

	rc = s_check_predict(lr, X, err);
	if (rc != 0)
		return rc;
	p.n_classes = lr->k;
	rc = s_check(&k, &p, X, y, w, err);
	if (rc == 0)
		rc = s_sample_weights(&sw, &sum, &p, k, y, w, X->rows, err);
	if (rc != 0)
		return rc;
	memset(&pb, 0, sizeof pb);
	pb.chunk = 4096;
	work = malloc((2 * k * lr->d + 2 * k + pb.chunk * k) * sizeof *work);
	if (work == NULL) {
		free(sw);
		return s_fail_nomem(err);
	}
	pb.X = X;
	pb.y = y;
	pb.sw = sw;
	pb.n = X->rows;
	pb.d = lr->d;
	pb.k = k;
	pb.C = p.C;
	pb.W = work;
	pb.GW = work + k * lr->d;
	pb.b = work + 2 * k * lr->d;
	pb.gb = work + 2 * k * lr->d + k;
	pb.Z = work + 2 * k * lr->d + 2 * k;
	memcpy(pb.W, lr->coef->data, k * lr->d * sizeof(double));
	memcpy(pb.b, lr->intercept, k * sizeof(double));
	s_value_grad(&pb, &f);
	free(sw);
	free(work);
	*out = f;
	return 0;
}

int mc_logreg_fitted(const mc_logreg *lr)
{
	return lr->fitted;
}

const mc_matrix *mc_logreg_coef(const mc_logreg *lr)
{
	return lr->fitted ? lr->coef : NULL;
}

const double *mc_logreg_intercept(const mc_logreg *lr)
{
	return lr->fitted ? lr->intercept : NULL;
}

size_t mc_logreg_n_classes(const mc_logreg *lr)
{
	return lr->fitted ? lr->k : 0;
}

size_t mc_logreg_n_features(const mc_logreg *lr)
{
	return lr->fitted ? lr->d : 0;
}

size_t mc_logreg_n_iter(const mc_logreg *lr)
{
	return lr->n_iter;
}

double mc_logreg_final_objective(const mc_logreg *lr)
{
	return lr->objective;
}

int mc_logreg_converged(const mc_logreg *lr)
{
	return lr->converged;
}

const mc_logreg_params *mc_logreg_params_of(const mc_logreg *lr)
{
	return &lr->p;
}
