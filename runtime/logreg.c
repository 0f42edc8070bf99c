/* This module implements multinomial L2 logistic regression: the objective
 * (value and gradient: blocked BLAS products and log-sum-exp, split over
 * threads) and its minimisation by liblbfgs in centred and scaled
 * coordinates, first in single then in double precision
 * (include/maskclean/logreg.h). */
#include "maskclean/logreg.h"

#include <cblas.h>
#include <lbfgs.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* L-BFGS memory: more pairs model the curvature of these ill-conditioned
 * problems better, at a cost (4 m (d+1) K flops per iteration) that is
 * negligible next to the two products over X. */
#ifndef MC_LOGREG_LBFGS_M
#define MC_LOGREG_LBFGS_M 50
#endif

/* Bytes of X per block: a block is multiplied twice (scores, then gradient)
 * while it is still in the core's L2 cache, so X is read from memory once
 * per evaluation. */
#define S_BLOCK_BYTES ((size_t)256 * 1024)

/* Blocks between two progress reports (and interrupt checks) of thread 0. */
#define S_REPORT_BLOCKS 32

#define S_MAX_THREADS 16

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

/* The problem lbfgs sees. Variables: V (k x d) then c (k). The model is
 * W = V diag(scale), b = c - W mu. The objective is evaluated either on X
 * itself (exact phase) or on Xs = (X - mu) diag(scale) in single precision
 * (fast phase), where the scores are simply V xs + c. */
struct s_parts;

typedef struct s_problem {
	const mc_matrix *X;
	const float *Xst;     /* d x n: the standardized copy, feature-major */
	int fast;             /* evaluate on Xst */
	const int64_t *y;
	const double *sw;     /* per-sample weight including the class weight */
	size_t n, d, k;
	double C, sw_sum;
	const double *mu, *scale;
	double *W, *b, *GW, *gb; /* model and data-term gradient, in the evaluated coordinates */
	float *Wf;            /* W in single precision (fast phase) */
	struct s_parts *parts; /* per-thread buffers */
	atomic_int stop;        /* raised by thread 0 on an interrupt */
	const mc_progress *prog;
	size_t iter, iter0, max_iter;
	double tol, grad_max, last_f;
	int interrupted, tol_met;
	mc_logreg_trace_fn trace;
	void *trace_ctx;
} s_problem;

/* One thread's rows [r0, r1) of an evaluation, with its own accumulators. */
typedef struct s_part {
	s_problem *pb;
	size_t r0, r1, block;
	double f;
	double *GW, *gb, *Z;  /* k x d, k, block x k */
	float *Zf, *Gf;       /* k x block, k x d (fast phase) */
	float *mx, *sum, *zy; /* block each (fast phase) */
	int lead;             /* thread 0: reports progress */
} s_part;

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

/* Turns the scores Z of m rows (from row r0, row-major m x k) into
 * weighted residuals s_i (softmax(z_i + b) - e_{y_i}) in place, adds them to
 * gb and returns the weighted cross-entropy of the rows. */
static double s_softmax_rows(const s_problem *pb, size_t r0, size_t m, double *Z, double *gb)
{
	size_t k = pb->k;
	double f = 0.0;

	for (size_t i = 0; i < m; i++) {
		double *z = Z + i * k, s = pb->sw[r0 + i], mx, sum = 0.0, zy;
		size_t yi = (size_t)pb->y[r0 + i];

		if (s == 0.0) {
			memset(z, 0, k * sizeof *z);
			continue;
		}
		for (size_t c = 0; c < k; c++)
			z[c] += pb->b[c];
		mx = z[0];
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
			gb[c] += z[c];
	}
	return f;
}

/* The same in single precision for the fast phase, on class-major scores
 * Zt (k x m, row stride m): the loops run along the rows, which the
 * compiler vectorizes; the cross-entropy is summed in double. mx, sum, zy
 * are m-entry work arrays. */
static double s_softmax_cols(const s_problem *pb, size_t r0, size_t m, float *Zt, float *mx,
                             float *sum, float *zy, double *gb)
{
	size_t k = pb->k;
	const double *sw = pb->sw + r0;
	const int64_t *y = pb->y + r0;
	double f = 0.0;

	for (size_t c = 0; c < k; c++) {
		float *z = Zt + c * m, bc = (float)pb->b[c];
		for (size_t i = 0; i < m; i++) {
			z[i] += bc;
			mx[i] = c == 0 || z[i] > mx[i] ? z[i] : mx[i];
		}
	}
	for (size_t i = 0; i < m; i++) {
		zy[i] = Zt[(size_t)y[i] * m + i] - mx[i];
		sum[i] = 0.0f;
	}
	for (size_t c = 0; c < k; c++) {
		float *z = Zt + c * m;
		for (size_t i = 0; i < m; i++) {
			z[i] = expf(z[i] - mx[i]);
			sum[i] += z[i];
		}
	}
	/* CE = logsumexp(z) - z_y = log(sum) - (z_y - mx); then sum becomes
	 * the factor s_i / sum_i of the residuals */
	for (size_t i = 0; i < m; i++) {
		f += sw[i] * ((double)logf(sum[i]) - (double)zy[i]);
		sum[i] = (float)sw[i] / sum[i];
	}
	for (size_t c = 0; c < k; c++) {
		float *z = Zt + c * m;
		double acc = 0.0;
		for (size_t i = 0; i < m; i++)
			z[i] *= sum[i];
		for (size_t i = 0; i < m; i++)
			acc += z[i];
		gb[c] += acc;
	}
	for (size_t i = 0; i < m; i++) {
		Zt[(size_t)y[i] * m + i] -= (float)sw[i];
		gb[y[i]] -= sw[i];
	}
	return f;
}

/* The data term of one part, block by block: scores, residuals, gradient,
 * while the block is in cache. Thread 0 reports progress and raises the
 * shared stop flag; the other threads watch it. */
static void *s_part_run(void *arg)
{
	s_part *pt = arg;
	s_problem *pb = pt->pb;
	size_t d = pb->d, k = pb->k, nblock = 0;

	pt->f = 0.0;
	memset(pt->GW, 0, k * d * sizeof(double));
	memset(pt->gb, 0, k * sizeof(double));
	for (size_t r0 = pt->r0; r0 < pt->r1; r0 += pt->block, nblock++) {
		size_t m = pt->r1 - r0 < pt->block ? pt->r1 - r0 : pt->block;

		if (pt->lead && nblock % S_REPORT_BLOCKS == 0 &&
		    mc_progress_report(pb->prog, pb->iter, pb->max_iter,
		                       "LogisticRegression: fitting"))
			atomic_store(&pb->stop, 1);
		if (atomic_load_explicit(&pb->stop, memory_order_relaxed))
			return NULL;
		if (pb->fast) {
			/* Zt = W A^T (k x m), then G = Rt A (k x d), with the block A^T
			 * (d x m) read in place from the feature-major copy */
			const float *At = pb->Xst + r0;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)m, (int)d,
			            1.0f, pb->Wf, (int)d, At, (int)pb->n, 0.0f, pt->Zf, (int)m);
			pt->f += s_softmax_cols(pb, r0, m, pt->Zf, pt->mx, pt->sum, pt->zy, pt->gb);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)d, (int)m,
			            1.0f, pt->Zf, (int)m, At, (int)pb->n, 0.0f, pt->Gf, (int)d);
			for (size_t j = 0; j < k * d; j++)
				pt->GW[j] += (double)pt->Gf[j];
		} else {
			const double *A = pb->X->data + r0 * pb->X->stride;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)d,
			            1.0, A, (int)pb->X->stride, pb->W, (int)d, 0.0, pt->Z, (int)k);
			pt->f += s_softmax_rows(pb, r0, m, pt->Z, pt->gb);
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)m,
			            1.0, pt->Z, (int)k, A, (int)pb->X->stride, 1.0, pt->GW, (int)d);
		}
	}
	return NULL;
}

/* Work buffers of an evaluation: one part per thread. */
typedef struct s_parts {
	s_part part[S_MAX_THREADS];
	size_t count;
	double *mem;
	float *fmem;
} s_parts;

static void s_parts_free(s_parts *ps)
{
	free(ps->mem);
	free(ps->fmem);
	memset(ps, 0, sizeof *ps);
}

/* Splits the n rows among the threads OpenBLAS would use; each thread runs
 * single-threaded BLAS on its own rows, in blocks that stay in its L2
 * cache. With more than S_OWN_THREADS_MAX_K classes, one part calls
 * OpenBLAS's own threads on larger blocks instead: measured on OpenBLAS
 * 0.3.21 (Zen), its single-threaded sgemm with 16 or more rows in the small
 * dimension runs at about a third of the per-core rate of its threaded one,
 * while with 10 classes our threads are twice as fast as its (see
 * docs/benchmarks.md). Returns -1 when out of memory. */
#define S_OWN_THREADS_MAX_K 12

static int s_parts_new(s_parts *ps, s_problem *pb, size_t threads)
{
	size_t n = pb->n, d = pb->d, k = pb->k;
	size_t block = S_BLOCK_BYTES / (d * sizeof(float));
	size_t per;

	memset(ps, 0, sizeof *ps);
	if (threads < 1)
		threads = 1;
	if (threads > S_MAX_THREADS)
		threads = S_MAX_THREADS;
	if (k > S_OWN_THREADS_MAX_K) {
		threads = 1;
		block *= 16;
	}
	block = block < 16 ? 16 : block > 8192 ? 8192 : block;
	/* no thread gets fewer than 4 blocks */
	while (threads > 1 && n / threads < 4 * block)
		threads--;
	per = k * d + k + block * k;
	ps->mem = malloc(threads * per * sizeof(double));
	ps->fmem = malloc(threads * (block * (k + 3) + k * d) * sizeof(float));
	if (ps->mem == NULL || ps->fmem == NULL) {
		s_parts_free(ps);
		return -1;
	}
	ps->count = threads;
	for (size_t t = 0; t < threads; t++) {
		s_part *pt = &ps->part[t];
		pt->pb = pb;
		pt->r0 = n * t / threads;
		pt->r1 = n * (t + 1) / threads;
		pt->block = block;
		pt->lead = t == 0;
		pt->GW = ps->mem + t * per;
		pt->gb = pt->GW + k * d;
		pt->Z = pt->gb + k;
		pt->Zf = ps->fmem + t * (block * (k + 3) + k * d);
		pt->Gf = pt->Zf + block * k;
		pt->mx = pt->Gf + k * d;
		pt->sum = pt->mx + block;
		pt->zy = pt->sum + block;
	}
	return 0;
}

/* The data term sum_i s_i CE_i at (pb->W, pb->b) and its gradient into
 * pb->GW, pb->gb, in the coordinates of the data evaluated (X or Xs).
 * Returns 1 if interrupted. */
static int s_data_term(s_problem *pb, s_parts *ps, double *f_out)
{
	size_t kd = pb->k * pb->d;
	pthread_t tid[S_MAX_THREADS];
	size_t started = 1;
	int blas_threads = openblas_get_num_threads();
	double f = 0.0;

	if (pb->fast)
		mc_to_float(pb->Wf, pb->W, kd);
	if (ps->count > 1)
		openblas_set_num_threads(1);
	for (size_t t = 1; t < ps->count; t++, started++)
		if (pthread_create(&tid[t], NULL, s_part_run, &ps->part[t]) != 0)
			break;
	/* a thread that could not start: its rows are done here */
	for (size_t t = started; t < ps->count; t++)
		s_part_run(&ps->part[t]);
	s_part_run(&ps->part[0]);
	for (size_t t = 1; t < started; t++)
		pthread_join(tid[t], NULL);
	if (ps->count > 1)
		openblas_set_num_threads(blas_threads);
	if (atomic_load(&pb->stop)) {
		pb->interrupted = 1;
		return 1;
	}
	memcpy(pb->GW, ps->part[0].GW, kd * sizeof(double));
	memcpy(pb->gb, ps->part[0].gb, pb->k * sizeof(double));
	f = ps->part[0].f;
	for (size_t t = 1; t < ps->count; t++) {
		for (size_t j = 0; j < kd; j++)
			pb->GW[j] += ps->part[t].GW[j];
		for (size_t c = 0; c < pb->k; c++)
			pb->gb[c] += ps->part[t].gb[c];
		f += ps->part[t].f;
	}
	*f_out = f;
	return 0;
}

/* Maps variables (V, c) to the model (W, b) of the data evaluated: itself
 * on Xs, W = V diag(scale) and b = c - W mu on X. */
static void s_to_model(s_problem *pb, const double *x)
{
	size_t d = pb->d, k = pb->k;

	if (pb->fast) {
		memcpy(pb->W, x, k * d * sizeof(double));
		memcpy(pb->b, x + k * d, k * sizeof(double));
		return;
	}
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
	double f, pen = 0.0, gmax = 0.0;

	(void)step;
	if (pb->interrupted || (s_to_model(pb, x), s_data_term(pb, pb->parts, &f))) {
		memset(g, 0, (size_t)n * sizeof *g);
		return 1e300;
	}
	/* g = df/d(V, c); gmax = the largest entry of df/d(W, b), where
	 * df/dW = R^T X + W / C and, on Xs, R^T X = GW diag(1/scale) + gb mu^T */
	for (size_t c = 0; c < k; c++) {
		for (size_t j = 0; j < d; j++) {
			double v = x[c * d + j], s = pb->scale[j], w = v * s, gw;
			pen += w * w;
			if (pb->fast) {
				g[c * d + j] = pb->GW[c * d + j] + v * s * s / pb->C;
				gw = pb->GW[c * d + j] / s + pb->gb[c] * pb->mu[j] + w / pb->C;
			} else {
				gw = pb->GW[c * d + j] + w / pb->C;
				g[c * d + j] = (gw - pb->gb[c] * pb->mu[j]) * s;
			}
			if (fabs(gw) > gmax)
				gmax = fabs(gw);
		}
		g[k * d + c] = pb->gb[c];
		if (fabs(pb->gb[c]) > gmax)
			gmax = fabs(pb->gb[c]);
	}
	f += pen / (2.0 * pb->C);
	pb->grad_max = gmax;
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
	pb->iter = pb->iter0 + (size_t)k;
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

/* The single-precision standardized copy (X - mu) diag(scale), stored
 * feature-major (d x n, so a block of rows is a column slice that BLAS
 * reads in place), with removed rows zero; NULL if there is no memory for
 * it. Transposed in tiles that stay in cache. */
static float *s_standardized_copy(const mc_matrix *X, const double *sw, const double *mu,
                                  const double *scale)
{
	size_t n = X->rows, d = X->cols, tile = 64;
	float *Xst = malloc(n * d * sizeof *Xst);

	if (Xst == NULL)
		return NULL;
	for (size_t i0 = 0; i0 < n; i0 += tile) {
		size_t i1 = i0 + tile < n ? i0 + tile : n;
		for (size_t j0 = 0; j0 < d; j0 += tile) {
			size_t j1 = j0 + tile < d ? j0 + tile : d;
			for (size_t j = j0; j < j1; j++)
				for (size_t i = i0; i < i1; i++)
					Xst[j * n + i] = sw[i] == 0.0 ? 0.0f :
					                 (float)((MC_AT(X, i, j) - mu[j]) * scale[j]);
		}
	}
	return Xst;
}

static int s_fail_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "LogisticRegression: out of memory");
}

/* Starting point: the previous fit (warm start) or W = 0 with the
 * intercepts that are optimal for W = 0 (log class frequencies). */
static void s_start(double *x, const mc_logreg *lr, const s_problem *pb)
{
	size_t d = pb->d, k = pb->k;
	double *freq = pb->gb, mean = 0.0;

	if (lr->p.warm_start && lr->fitted && lr->k == k && lr->d == d) {
		for (size_t c = 0; c < k; c++) {
			double dot = 0.0;
			for (size_t j = 0; j < d; j++) {
				x[c * d + j] = MC_AT(lr->coef, c, j) / pb->scale[j];
				dot += MC_AT(lr->coef, c, j) * pb->mu[j];
			}
			x[k * d + c] = lr->intercept[c] + dot;
		}
		return;
	}
	memset(x, 0, k * (d + 1) * sizeof *x);
	memset(freq, 0, k * sizeof *freq);
	for (size_t i = 0; i < pb->n; i++)
		freq[pb->y[i]] += pb->sw[i];
	for (size_t c = 0; c < k; c++) {
		x[k * d + c] = log(freq[c] > 0.0 ? freq[c] / pb->sw_sum : 1e-12);
		mean += x[k * d + c] / (double)k;
	}
	/* softmax ignores a common shift; keep sum(b) = 0 as scikit-learn */
	for (size_t c = 0; c < k; c++)
		x[k * d + c] -= mean;
}

int mc_logreg_fit(mc_logreg *lr, const mc_matrix *X, const int64_t *y, const double *w,
                  const mc_progress *prog, mc_error *err)
{
	size_t n = X->rows, d = X->cols, k = 0, nv;
	double *sw = NULL, *mu = NULL, *scale = NULL, *work = NULL, sw_sum = 0.0, fx = 0.0;
	lbfgsfloatval_t *x = NULL, *g = NULL;
	float *Wf = NULL, *Xs = NULL;
	mc_matrix *coef = NULL;
	double *intercept = NULL;
	s_problem pb;
	s_parts parts;
	lbfgs_parameter_t param;
	int rc, ret = 0;

	rc = s_check(&k, &lr->p, X, y, w, err);
	if (rc != 0)
		return rc;
	rc = s_sample_weights(&sw, &sw_sum, &lr->p, k, y, w, n, err);
	if (rc != 0)
		return rc;
	memset(&pb, 0, sizeof pb);
	memset(&parts, 0, sizeof parts);
	atomic_init(&pb.stop, 0);
	nv = k * (d + 1);
	mu = malloc(d * sizeof *mu);
	scale = malloc(d * sizeof *scale);
	work = malloc((2 * k * d + 2 * k) * sizeof *work);
	Wf = malloc(k * d * sizeof *Wf);
	x = lbfgs_malloc((int)nv);
	g = lbfgs_malloc((int)nv);
	intercept = malloc(k * sizeof *intercept);
	if (mu == NULL || scale == NULL || work == NULL || Wf == NULL || x == NULL || g == NULL ||
	    intercept == NULL) {
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
	pb.Wf = Wf;
	pb.prog = prog;
	pb.max_iter = lr->p.max_iter;
	pb.tol = lr->p.tol;
	pb.trace = lr->p.trace;
	pb.trace_ctx = lr->p.trace_ctx;
	if (s_parts_new(&parts, &pb, (size_t)openblas_get_num_threads()) != 0) {
		rc = s_fail_nomem(err);
		goto cleanup;
	}
	pb.parts = &parts;
	s_start(x, lr, &pb);

	lbfgs_parameter_init(&param);
	param.m = MC_LOGREG_LBFGS_M;
	param.epsilon = 0.0;
	/* at the default tol, scipy's default factr (1e7 * eps), on which
	 * scikit-learn's lbfgs also stops; a smaller tol tightens it alike */
	param.past = 1;
	param.delta = 2.220446049250313e-09 * (lr->p.tol < 1e-4 ? lr->p.tol / 1e-4 : 1.0);
	param.max_linesearch = 40;

	/* Phase 1, fast: single precision on the standardized copy (half the
	 * memory traffic, twice the arithmetic rate), until its rounding stops
	 * the progress. Skipped if the copy does not fit in memory. */
	Xs = s_standardized_copy(X, sw, mu, scale);
	if (Xs != NULL) {
		pb.fast = 1;
		pb.Xst = Xs;
		param.max_iterations = (int)lr->p.max_iter;
		ret = lbfgs((int)nv, x, &fx, s_evaluate, s_progress, &pb, &param);
		free(Xs);
		Xs = NULL;
		pb.Xst = NULL;
		pb.fast = 0;
		pb.iter0 = pb.iter;
	}
	if (pb.interrupted) {
		rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		goto cleanup;
	}
	/* Phase 2, exact: double precision on X, from where phase 1 ended, to the
	 * stopping rule in the header, within what is left of max_iter. */
	if (pb.tol_met || pb.iter0 >= lr->p.max_iter) {
		/* phase 1 met tol (confirmed here in double precision) or used up
		 * max_iter: one exact evaluation for the final objective */
		fx = s_evaluate(&pb, x, g, (int)nv, 0.0);
		pb.tol_met = pb.tol_met && isfinite(fx) && pb.grad_max / pb.sw_sum <= pb.tol;
	}
	if (!pb.interrupted && !pb.tol_met && pb.iter0 < lr->p.max_iter) {
		param.max_iterations = (int)(lr->p.max_iter - pb.iter0);
		ret = lbfgs((int)nv, x, &fx, s_evaluate, s_progress, &pb, &param);
	}
	if (pb.interrupted) {
		rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		goto cleanup;
	}
	if (!isfinite(fx)) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "LogisticRegression: the optimizer failed (liblbfgs code %d)", ret);
		goto cleanup;
	}
	s_to_model(&pb, x);
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
	s_parts_free(&parts);
	free(sw);
	free(mu);
	free(scale);
	free(work);
	free(Wf);
	free(Xs);
	lbfgs_free(x);
	lbfgs_free(g);
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
	s_parts parts;
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
	atomic_init(&pb.stop, 0);
	work = malloc((2 * k * lr->d + 2 * k) * sizeof *work);
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
	memcpy(pb.W, lr->coef->data, k * lr->d * sizeof(double));
	memcpy(pb.b, lr->intercept, k * sizeof(double));
	if (s_parts_new(&parts, &pb, 1) != 0) {
		free(sw);
		free(work);
		return s_fail_nomem(err);
	}
	s_data_term(&pb, &parts, &f);
	for (size_t j = 0; j < k * lr->d; j++)
		f += pb.W[j] * pb.W[j] / (2.0 * p.C);
	s_parts_free(&parts);
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
