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

#include "maskclean/modelfile.h"
#include "maskclean/pool.h"

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

/* Rows per segment: at least S_SEG_MIN, and at most about S_SEG_MIN segments
 * in all (mc_logreg_segment_rows). */
#define S_SEG_MIN ((size_t)4096)

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
 * (fast phase), where the scores are simply V xs + c. The rows are this
 * process's: rows [row0, row0 + n) of the data. */
struct s_parts;

typedef struct s_problem {
	const mc_matrix *X;
	const float *Xst;     /* d x n: the standardized copy, feature-major */
	int fast;             /* evaluate on Xst */
	const int64_t *y;
	const double *sw;     /* per-sample weight including the class weight */
	size_t n, d, k, row0, seg; /* seg: rows per segment */
	double C, sw_sum;
	const double *mu, *scale;
	double *W, *b;        /* model, in the evaluated coordinates */
	double *total;        /* 1 + k d + k: the data term and its gradient, folded */
	double *GW, *gb;      /* total + 1, total + 1 + k d */
	float *Wf;            /* W in single precision (fast phase) */
	struct s_parts *parts; /* per-thread buffers and per-segment partial sums */
	const mc_logreg_comm *comm; /* NULL: one process */
	double *msg;          /* S_MSG_HEAD + k (d + 1): the root's commands */
	atomic_int stop;        /* raised by thread 0 on an interrupt */
	int may_stop;           /* the progress callback may stop an evaluation (root) */
	const mc_progress *prog;
	size_t iter, iter0, max_iter;
	double tol, grad_max, last_f;
	int interrupted, tol_met, failed;
	mc_logreg_trace_fn trace;
	void *trace_ctx;
} s_problem;

/* One thread's share of an evaluation: the segments it takes, one at a
 * time, with its own scratch and its segment's partial sums in out. */
typedef struct s_part {
	s_problem *pb;
	size_t block;
	double *out;          /* len */
	double *Z;            /* block x k */
	float *Zf, *Gf;       /* k x block, k x d (fast phase) */
	float *mx, *sum, *zy; /* block each (fast phase) */
	int lead;             /* thread 0: reports progress */
} s_part;

/* Work buffers of an evaluation: one part per worker (pool.h). Threads take the
 * segments in order (next); with comm, each segment's partial sums
 * (len = 1 + k d + k doubles) are kept in seg (nseg x len) for the fold
 * between processes; without, they are added to the total in segment order
 * as they come (folded counts them), so memory does not grow with n. */
typedef struct s_parts {
	s_part part[MC_POOL_MAX];
	size_t count, nseg, len;
	double *seg;
	double *mem;
	float *fmem;
	atomic_size_t next;
	size_t folded;
	pthread_mutex_t lock;
	pthread_cond_t turn;
	int sync;             /* lock and turn are initialised */
} s_parts;

size_t mc_logreg_segment_rows(size_t n_total)
{
	size_t per = (n_total + S_SEG_MIN * S_SEG_MIN - 1) / (S_SEG_MIN * S_SEG_MIN);

	return S_SEG_MIN * (per > 1 ? per : 1);
}

/* Segments of the rows [row0, row0 + n): cut at multiples of seg rows of
 * the global row index. */
static size_t s_nseg(size_t seg, size_t row0, size_t n)
{
	return n == 0 ? 0 : (row0 + n - 1) / seg - row0 / seg + 1;
}

/* Local rows [*r0, *r1) of segment s. */
static void s_seg_rows(size_t seg, size_t row0, size_t n, size_t s, size_t *r0, size_t *r1)
{
	size_t g0 = (row0 / seg + s) * seg;
	size_t g1 = g0 + seg;

	if (g0 < row0)
		g0 = row0;
	if (g1 > row0 + n)
		g1 = row0 + n;
	*r0 = g0 - row0;
	*r1 = g1 - row0;
}

void mc_logreg_fold_add(double *acc, const double *partials, size_t nseg, size_t len)
{
	for (size_t s = 0; s < nseg; s++) {
		const double *p = partials + s * len;
		for (size_t j = 0; j < len; j++)
			acc[j] += p[j];
	}
}

/* The total of the segments' partial sums: on the root with comm, here
 * without. */
static int s_fold(const mc_logreg_comm *comm, double *out, const double *partials, size_t nseg,
                  size_t len, mc_error *err)
{
	if (comm != NULL)
		return comm->fold(comm->ctx, out, partials, nseg, len, err);
	memset(out, 0, len * sizeof *out);
	mc_logreg_fold_add(out, partials, nseg, len);
	return 0;
}

/* The fold, then the total sent from the root to every process. */
static int s_allfold(const mc_logreg_comm *comm, double *out, const double *partials,
                     size_t nseg, size_t len, mc_error *err)
{
	int rc = s_fold(comm, out, partials, nseg, len, err);

	if (rc == 0 && comm != NULL)
		rc = comm->bcast(comm->ctx, out, len * sizeof *out, err);
	return rc;
}

/* Every process learns whether any failed (rc != 0 here): the ones that did
 * keep their error, the others fail with "another process failed". */
static int s_agree(const mc_logreg_comm *comm, int rc, mc_error *err)
{
	double mine = rc != 0, any = 0.0;
	mc_error cerr;

	if (comm == NULL)
		return rc;
	mc_error_clear(&cerr);
	if (s_allfold(comm, &any, &mine, 1, 1, &cerr) != 0)
		return rc != 0 ? rc : mc_error_set(err, cerr.code, "%s", cerr.text);
	if (rc == 0 && any > 0.0)
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "LogisticRegression: another process failed (see its message)");
	return rc;
}


void mc_logreg_params_init(mc_logreg_params *p)
{
	*p = (mc_logreg_params){ .C = 1.0, .class_weight = MC_CW_NONE, .max_iter = 100,
	                         .tol = 1e-4 };
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

static int s_fail_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "LogisticRegression: out of memory");
}

/* Checks X, y, w (the rows of a process, the first being global row row0;
 * none allowed when empty_ok) and derives the class count. */
static int s_check(size_t *k_out, const mc_logreg_params *p, const mc_matrix *X,
                   const int64_t *y, const double *w, size_t row0, int empty_ok,
                   mc_error *err)
{
	size_t k = p->n_classes, bad;

	if (X->cols == 0 || (X->rows == 0 && !empty_ok))
		return mc_error_set(err, MC_ERR_SHAPE, "LogisticRegression: X is %zu x %zu; "
		                    "expected at least one row and one column", X->rows, X->cols);
	bad = mc_matrix_find_nonfinite(X);
	if (bad != (size_t)-1)
		return mc_error_set(err, MC_ERR_INVALID, "X: row %zu, column %zu is %g; expected "
		                    "a finite value", row0 + bad / X->cols, bad % X->cols,
		                    MC_AT(X, bad / X->cols, bad % X->cols));
	for (size_t i = 0; i < X->rows; i++) {
		if (y[i] < 0)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y: sample %zu has label %lld; expected a class index >= 0",
			                    row0 + i, (long long)y[i]);
		if (p->n_classes > 0 && (uint64_t)y[i] >= p->n_classes)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y: sample %zu has label %lld; expected 0..%zu", row0 + i,
			                    (long long)y[i], p->n_classes - 1);
		if (w != NULL && (!(w[i] >= 0.0) || !isfinite(w[i])))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "sample_weight: sample %zu has weight %g; expected a "
			                    "finite value >= 0", row0 + i, w[i]);
		if (p->n_classes == 0 && (size_t)y[i] + 1 > k)
			k = (size_t)y[i] + 1;
	}
	if (k < 2)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "LogisticRegression: y has %zu class; need at least 2", k);
	*k_out = k;
	return 0;
}

/* Class weights (k) from the counts of kept samples per class (over every
 * process). */
static void s_class_weights(double *cw, const mc_logreg_params *p, size_t k,
                            const double *count)
{
	double kept = 0.0, present = 0.0;

	for (size_t c = 0; c < k; c++) {
		kept += count[c];
		present += count[c] > 0.0;
		cw[c] = 1.0;
	}
	if (p->class_weight == MC_CW_BALANCED)
		for (size_t c = 0; c < k; c++)
			cw[c] = count[c] > 0.0 ? kept / (present * count[c]) : 0.0;
	else if (p->class_weight == MC_CW_DICT)
		for (size_t c = 0; c < k; c++)
			cw[c] = c < p->n_classes ? p->class_weights[c] : 1.0;
}

/* Per-sample weights s_i = w_i * class_weight[y_i] of this process's rows,
 * the class weights coming from the counts of every process. */
static int s_sample_weights(double **out, const mc_logreg_params *p, size_t k,
                            const int64_t *y, const double *w, size_t n,
                            const mc_logreg_comm *comm, mc_error *err)
{
	double *sw = malloc((n > 0 ? n : 1) * sizeof *sw), *cw = calloc(2 * k, sizeof *cw);
	double *count = cw + k;
	int rc = 0;

	*out = NULL;
	if (sw == NULL || cw == NULL)
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu weights", n);
	rc = s_agree(comm, rc, err);
	if (rc != 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		if (w == NULL || w[i] > 0.0)
			cw[y[i]] += 1.0;
	/* counts are whole numbers: their sum is exact in any order */
	rc = s_allfold(comm, count, cw, 1, k, err);
	if (rc != 0)
		goto cleanup;
	s_class_weights(cw, p, k, count);
	for (size_t i = 0; i < n; i++)
		sw[i] = (w != NULL ? w[i] : 1.0) * cw[y[i]];
	*out = sw;
	sw = NULL;
cleanup:
	free(sw);
	free(cw);
	return rc;
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

/* Takes the next segment (its index in *s, its rows in [*r0, *r1));
 * returns 0 when none is left. */
static int s_take(s_parts *ps, const s_problem *pb, size_t *s, size_t *r0, size_t *r1)
{
	*s = atomic_fetch_add(&ps->next, 1);
	if (*s >= ps->nseg)
		return 0;
	s_seg_rows(pb->seg, pb->row0, pb->n, *s, r0, r1);
	return 1;
}

/* Hands in segment s's partial sums: kept for the fold between processes,
 * or added to the total once every earlier segment is. */
static void s_hand_in(s_parts *ps, s_problem *pb, size_t s, const double *out)
{
	if (ps->seg != NULL) {
		memcpy(ps->seg + s * ps->len, out, ps->len * sizeof *out);
		return;
	}
	pthread_mutex_lock(&ps->lock);
	while (ps->folded != s)
		pthread_cond_wait(&ps->turn, &ps->lock);
	mc_logreg_fold_add(pb->total, out, 1, ps->len);
	ps->folded++;
	pthread_cond_broadcast(&ps->turn);
	pthread_mutex_unlock(&ps->lock);
}

/* The data term of the segments a thread takes, block by block: scores,
 * residuals, gradient, while the block is in cache. Thread 0 reports
 * progress and, on the root, raises the shared stop flag on an interrupt;
 * a stopped thread still hands in (zero) sums so that no thread waits for
 * it. */
static void s_part_run(void *ctx, size_t worker, size_t workers)
{
	s_parts *ps = ctx;
	s_part *pt = &ps->part[worker];
	s_problem *pb = pt->pb;
	size_t d = pb->d, k = pb->k, kd = k * d, nblock = 0, s, s0, s1;

	(void)workers;
	while (s_take(ps, pb, &s, &s0, &s1)) {
		double *out = pt->out, *GW = out + 1, *gb = GW + kd, f = 0.0;

		memset(out, 0, ps->len * sizeof *out);
		for (size_t r0 = s0; r0 < s1; r0 += pt->block, nblock++) {
			size_t m = s1 - r0 < pt->block ? s1 - r0 : pt->block;

			if (pt->lead && nblock % S_REPORT_BLOCKS == 0 &&
			    mc_progress_report(pb->prog, pb->iter, pb->max_iter,
			                       "LogisticRegression: fitting") && pb->may_stop)
				atomic_store(&pb->stop, 1);
			if (atomic_load_explicit(&pb->stop, memory_order_relaxed))
				break;
			if (pb->fast) {
				/* Zt = W A^T (k x m), then G = Rt A (k x d), with the block A^T
				 * (d x m) read in place from the feature-major copy */
				const float *At = pb->Xst + r0;
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)m,
				            (int)d, 1.0f, pb->Wf, (int)d, At, (int)pb->n, 0.0f, pt->Zf,
				            (int)m);
				f += s_softmax_cols(pb, r0, m, pt->Zf, pt->mx, pt->sum, pt->zy, gb);
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)d, (int)m,
				            1.0f, pt->Zf, (int)m, At, (int)pb->n, 0.0f, pt->Gf, (int)d);
				for (size_t j = 0; j < kd; j++)
					GW[j] += (double)pt->Gf[j];
			} else {
				const double *A = pb->X->data + r0 * pb->X->stride;
				cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)d,
				            1.0, A, (int)pb->X->stride, pb->W, (int)d, 0.0, pt->Z, (int)k);
				f += s_softmax_rows(pb, r0, m, pt->Z, gb);
				cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)m,
				            1.0, pt->Z, (int)k, A, (int)pb->X->stride, 1.0, GW, (int)d);
			}
		}
		out[0] = f;
		s_hand_in(ps, pb, s, out);
	}
}

static void s_parts_free(s_parts *ps)
{
	free(ps->seg);
	free(ps->mem);
	free(ps->fmem);
	if (ps->sync) {
		pthread_mutex_destroy(&ps->lock);
		pthread_cond_destroy(&ps->turn);
	}
	memset(ps, 0, sizeof *ps);
}

/* Workers for this process's segments: the pool's count (at most one per
 * segment), each running single-threaded BLAS (pool.h) on blocks that
 * stay in its L2 cache (larger blocks with many classes, where the scores
 * of a block are the larger product). Single-threaded BLAS on blocks whose
 * size depends on k and d only forms a segment's sums the same way on any
 * process and with any thread count: OpenBLAS's own threads would not (the
 * rows it gives each thread decide which kernel computes them). Returns -1
 * when out of memory. */
#define S_MANY_CLASSES 12

static int s_parts_new(s_parts *ps, s_problem *pb, size_t threads, int keep)
{
	size_t d = pb->d, k = pb->k;
	size_t block = S_BLOCK_BYTES / (d * sizeof(float));
	size_t per, fper;

	memset(ps, 0, sizeof *ps);
	if (threads < 1)
		threads = 1;
	if (threads > MC_POOL_MAX)
		threads = MC_POOL_MAX;
	if (k > S_MANY_CLASSES)
		block *= 4;
	block = block < 16 ? 16 : block > 8192 ? 8192 : block;
	ps->nseg = s_nseg(pb->seg, pb->row0, pb->n);
	ps->len = 1 + k * d + k;
	if (threads > ps->nseg)
		threads = ps->nseg > 0 ? ps->nseg : 1;
	per = ps->len + block * k;
	fper = block * (k + 3) + k * d;
	if (keep)
		ps->seg = malloc((ps->nseg > 0 ? ps->nseg : 1) * ps->len * sizeof(double));
	ps->mem = malloc(threads * per * sizeof(double));
	ps->fmem = malloc(threads * fper * sizeof(float));
	if ((keep && ps->seg == NULL) || ps->mem == NULL || ps->fmem == NULL) {
		s_parts_free(ps);
		return -1;
	}
	if (pthread_mutex_init(&ps->lock, NULL) != 0) {
		s_parts_free(ps);
		return -1;
	}
	if (pthread_cond_init(&ps->turn, NULL) != 0) {
		pthread_mutex_destroy(&ps->lock);
		s_parts_free(ps);
		return -1;
	}
	ps->sync = 1;
	ps->count = threads;
	for (size_t t = 0; t < threads; t++) {
		s_part *pt = &ps->part[t];
		pt->pb = pb;
		pt->block = block;
		pt->lead = t == 0;
		pt->out = ps->mem + t * per;
		pt->Z = pt->out + ps->len;
		pt->Zf = ps->fmem + t * fper;
		pt->Gf = pt->Zf + block * k;
		pt->mx = pt->Gf + k * d;
		pt->sum = pt->mx + block;
		pt->zy = pt->sum + block;
	}
	return 0;
}

/* The data term sum_i s_i CE_i at (pb->W, pb->b) and its gradient, in the
 * coordinates of the data evaluated (X or Xs), summed over every process
 * into pb->total on the root (f, then GW, then gb). Returns 1 if this
 * process was interrupted (the fold still ran), -1 if the fold failed. */
static int s_data_term(s_problem *pb, s_parts *ps, mc_error *err)
{
	size_t kd = pb->k * pb->d;

	if (pb->fast)
		mc_to_float(pb->Wf, pb->W, kd);
	atomic_store(&ps->next, 0);
	ps->folded = 0;
	memset(pb->total, 0, ps->len * sizeof *pb->total);
	/* workers that could not start: the others take their segments */
	mc_pool_run(ps->count, s_part_run, ps);
	if (ps->seg != NULL && s_fold(pb->comm, pb->total, ps->seg, ps->nseg, ps->len, err) != 0)
		return -1;
	return atomic_load(&pb->stop) ? 1 : 0;
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

/* The root's commands to the other processes: a header then the variables. */
enum { S_CMD_EVAL = 1, S_CMD_DONE = 2, S_CMD_ABORT = 3 };
#define S_MSG_HEAD 6   /* command, fast, iteration, objective, converged, liblbfgs code */

/* Sends a command with the variables x (may be NULL) from the root. */
static int s_command(s_problem *pb, int cmd, const double *x, double fx, int converged,
                     int ret, mc_error *err)
{
	size_t nv = pb->k * (pb->d + 1);

	if (pb->comm == NULL)
		return 0;
	pb->msg[0] = cmd;
	pb->msg[1] = pb->fast;
	pb->msg[2] = (double)pb->iter;
	pb->msg[3] = fx;
	pb->msg[4] = converged;
	pb->msg[5] = ret;
	if (x != NULL)
		memcpy(pb->msg + S_MSG_HEAD, x, nv * sizeof *x);
	return pb->comm->bcast(pb->comm->ctx, pb->msg, (S_MSG_HEAD + nv) * sizeof *pb->msg, err);
}

static lbfgsfloatval_t s_evaluate(void *instance, const lbfgsfloatval_t *x,
                                  lbfgsfloatval_t *g, const int n, const lbfgsfloatval_t step)
{
	s_problem *pb = instance;
	size_t d = pb->d, k = pb->k;
	double f, pen = 0.0, gmax = 0.0;
	mc_error cerr;
	int rc;

	(void)step;
	mc_error_clear(&cerr);
	rc = pb->interrupted || pb->failed ? 1 : 0;
	if (rc == 0 && s_command(pb, S_CMD_EVAL, x, 0.0, 0, 0, &cerr) != 0)
		rc = -1;
	if (rc == 0) {
		s_to_model(pb, x);
		rc = s_data_term(pb, pb->parts, &cerr);
	}
	if (rc != 0) {
		if (rc < 0)
			pb->failed = 1;
		else
			pb->interrupted = 1;
		memset(g, 0, (size_t)n * sizeof *g);
		return 1e300;
	}
	f = pb->total[0];
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

/* Per-segment sums for the standardization: with mu == NULL, [sum s_i,
 * sum s_i by class (k), sum s_i x_i (d)]; with mu, sum s_i (x_i - mu)^2
 * (d). Rows of weight 0 are skipped. */
static void s_seg_stats(double *out, const s_problem *pb, size_t r0, size_t r1,
                        const double *mu)
{
	size_t d = pb->d, k = pb->k;

	for (size_t i = r0; i < r1; i++) {
		const double *row = pb->X->data + i * pb->X->stride;
		double s = pb->sw[i];

		if (s == 0.0)
			continue;
		if (mu != NULL) {
			for (size_t j = 0; j < d; j++)
				out[j] += s * (row[j] - mu[j]) * (row[j] - mu[j]);
			continue;
		}
		out[0] += s;
		out[1 + pb->y[i]] += s;
		for (size_t j = 0; j < d; j++)
			out[1 + k + j] += s * row[j];
	}
}

/* The standardization sums (s_seg_stats) of every process, folded by
 * segment, into total (len doubles) on every process. */
static int s_stats(double *total, const s_problem *pb, const double *mu, mc_error *err)
{
	size_t len = mu != NULL ? pb->d : 1 + pb->k + pb->d;
	size_t nseg = s_nseg(pb->seg, pb->row0, pb->n), r0, r1;
	double *part = calloc((nseg > 0 ? nseg : 1) * len, sizeof *part);
	int rc = s_agree(pb->comm, part == NULL ? s_fail_nomem(err) : 0, err);

	if (rc == 0) {
		for (size_t s = 0; s < nseg; s++) {
			s_seg_rows(pb->seg, pb->row0, pb->n, s, &r0, &r1);
			s_seg_stats(part + s * len, pb, r0, r1, mu);
		}
		rc = s_allfold(pb->comm, total, part, nseg, len, err);
	}
	free(part);
	return rc;
}

/* Weighted column means and scales 1/std (1 for a constant column), and
 * the weighted class frequencies (k) and total weight: over every process. */
static int s_standardize(double *mu, double *scale, double *freq, double *sw_sum,
                         const s_problem *pb, mc_error *err)
{
	size_t d = pb->d, k = pb->k;
	double *tot = malloc((1 + k + d) * sizeof *tot);
	int rc = s_agree(pb->comm, tot == NULL ? s_fail_nomem(err) : 0, err);

	if (rc == 0)
		rc = s_stats(tot, pb, NULL, err);
	if (rc != 0)
		goto cleanup;
	*sw_sum = tot[0];
	if (!(*sw_sum > 0.0)) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "LogisticRegression: every sample has weight 0 (all removed)");
		goto cleanup;
	}
	memcpy(freq, tot + 1, k * sizeof *freq);
	for (size_t j = 0; j < d; j++)
		mu[j] = tot[1 + k + j] / *sw_sum;
	rc = s_stats(scale, pb, mu, err);
	if (rc != 0)
		goto cleanup;
	for (size_t j = 0; j < d; j++) {
		double sd = sqrt(scale[j] / *sw_sum);
		scale[j] = sd > 1e-12 * (1.0 + fabs(mu[j])) ? 1.0 / sd : 1.0;
	}
cleanup:
	free(tot);
	return rc;
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

/* Starting point: the previous fit (warm start) or W = 0 with the
 * intercepts that are optimal for W = 0 (log class frequencies freq). */
static void s_start(double *x, const mc_logreg *lr, const s_problem *pb, const double *freq)
{
	size_t d = pb->d, k = pb->k;
	double mean = 0.0;

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
	for (size_t c = 0; c < k; c++) {
		x[k * d + c] = log(freq[c] > 0.0 ? freq[c] / pb->sw_sum : 1e-12);
		mean += x[k * d + c] / (double)k;
	}
	/* softmax ignores a common shift; keep sum(b) = 0 as scikit-learn */
	for (size_t c = 0; c < k; c++)
		x[k * d + c] -= mean;
}

/* The root's optimizer: phase 1 (if fast, on Xs) and phase 2 (exact) from x.
 * Sets *fx, *ret and pb's iteration count and flags. */
static void s_optimize(s_problem *pb, const mc_logreg *lr, lbfgsfloatval_t *x,
                       lbfgsfloatval_t *g, int fast, const float *Xs, double *fx, int *ret)
{
	size_t nv = pb->k * (pb->d + 1);
	lbfgs_parameter_t param;

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
	if (fast) {
		pb->fast = 1;
		pb->Xst = Xs;
		param.max_iterations = (int)lr->p.max_iter;
		*ret = lbfgs((int)nv, x, fx, s_evaluate, s_progress, pb, &param);
		pb->Xst = NULL;
		pb->fast = 0;
		pb->iter0 = pb->iter;
	}
	if (pb->interrupted || pb->failed)
		return;
	/* Phase 2, exact: double precision on X, from where phase 1 ended, to the
	 * stopping rule in the header, within what is left of max_iter. */
	if (pb->tol_met || pb->iter0 >= lr->p.max_iter) {
		/* phase 1 met tol (confirmed here in double precision) or used up
		 * max_iter: one exact evaluation for the final objective */
		*fx = s_evaluate(pb, x, g, (int)nv, 0.0);
		pb->tol_met = pb->tol_met && isfinite(*fx) && pb->grad_max / pb->sw_sum <= pb->tol;
	}
	if (!pb->interrupted && !pb->failed && !pb->tol_met && pb->iter0 < lr->p.max_iter) {
		param.max_iterations = (int)(lr->p.max_iter - pb->iter0);
		*ret = lbfgs((int)nv, x, fx, s_evaluate, s_progress, pb, &param);
	}
}

/* A process other than the root: evaluates its rows until the root is done
 * (the final variables are then in pb->msg). */
static int s_serve(s_problem *pb, mc_error *err)
{
	size_t nv = pb->k * (pb->d + 1);

	for (;;) {
		int rc = pb->comm->bcast(pb->comm->ctx, pb->msg,
		                         (S_MSG_HEAD + nv) * sizeof *pb->msg, err);
		if (rc != 0)
			return rc;
		if (pb->msg[0] == S_CMD_DONE)
			return 0;
		if (pb->msg[0] != S_CMD_EVAL) {
			int code = (int)pb->msg[3];
			return mc_error_set(err, code == MC_ERR_INTERRUPTED ? code : MC_ERR_INVALID, "%s",
			                    code == MC_ERR_INTERRUPTED
			                            ? "interrupted"
			                            : "LogisticRegression: the root process failed");
		}
		pb->fast = pb->msg[1] != 0.0;
		pb->iter = (size_t)pb->msg[2];
		s_to_model(pb, pb->msg + S_MSG_HEAD);
		if (s_data_term(pb, pb->parts, err) < 0)
			return err->code;
	}
}

/* The buffers of one fit; NULL until allocated, freed by s_fitbuf_free. */
typedef struct s_fitbuf {
	double *sw;          /* sample weights (class weights applied) */
	double *mu, *scale;  /* standardization, d each */
	double *freq;        /* class frequencies, k */
	double *work;        /* the model: W (k x d), then b (k) */
	double *total;       /* objective, gradient of W, gradient of b */
	double *msg;         /* a command to the other processes */
	double *intercept;   /* the fitted intercepts, k */
	lbfgsfloatval_t *x, *g;
	float *Wf;           /* W in single precision */
	float *Xs;           /* the standardized single-precision copy of X */
	mc_matrix *coef;     /* the fitted coefficients, k x d */
} s_fitbuf;

static int s_fitbuf_new(s_fitbuf *b, size_t k, size_t d, mc_error *err)
{
	size_t nv = k * (d + 1);

	b->mu = malloc(d * sizeof *b->mu);
	b->scale = malloc(d * sizeof *b->scale);
	b->freq = malloc(k * sizeof *b->freq);
	b->work = malloc((k * d + k) * sizeof *b->work);
	b->total = malloc((1 + k * d + k) * sizeof *b->total);
	b->msg = malloc((S_MSG_HEAD + nv) * sizeof *b->msg);
	b->Wf = malloc(k * d * sizeof *b->Wf);
	b->x = lbfgs_malloc((int)nv);
	b->g = lbfgs_malloc((int)nv);
	b->intercept = malloc(k * sizeof *b->intercept);
	if (b->mu == NULL || b->scale == NULL || b->freq == NULL || b->work == NULL ||
	    b->total == NULL || b->msg == NULL || b->Wf == NULL || b->x == NULL || b->g == NULL ||
	    b->intercept == NULL)
		return s_fail_nomem(err);
	return mc_matrix_new(&b->coef, k, d, err);
}

static void s_fitbuf_free(s_fitbuf *b)
{
	free(b->sw);
	free(b->mu);
	free(b->scale);
	free(b->freq);
	free(b->work);
	free(b->total);
	free(b->msg);
	free(b->Wf);
	free(b->Xs);
	lbfgs_free(b->x);
	lbfgs_free(b->g);
	mc_matrix_free(b->coef);
	free(b->intercept);
}

/* The problem over this process's rows of X, on the buffers of b. */
static void s_problem_init(s_problem *pb, const mc_logreg *lr, const mc_matrix *X,
                           const int64_t *y, size_t k, s_fitbuf *b, const mc_logreg_comm *comm,
                           const mc_progress *prog)
{
	size_t d = X->cols;

	pb->X = X;
	pb->y = y;
	pb->sw = b->sw;
	pb->n = X->rows;
	pb->d = d;
	pb->k = k;
	pb->row0 = comm != NULL ? comm->row0 : 0;
	pb->seg = mc_logreg_segment_rows(comm != NULL ? comm->n_total : X->rows);
	pb->C = lr->p.C;
	pb->mu = b->mu;
	pb->scale = b->scale;
	pb->W = b->work;
	pb->b = b->work + k * d;
	pb->total = b->total;
	pb->GW = b->total + 1;
	pb->gb = b->total + 1 + k * d;
	pb->Wf = b->Wf;
	pb->comm = comm;
	pb->msg = b->msg;
	pb->may_stop = comm == NULL || comm->root;
	pb->prog = prog;
	pb->max_iter = lr->p.max_iter;
	pb->tol = lr->p.tol;
	pb->trace = lr->p.trace;
	pb->trace_ctx = lr->p.trace_ctx;
}

/* The root process: runs the optimizer, then tells the others it is done
 * (or failed). Sets *fx and *converged. */
static int s_root_fit(s_problem *pb, const mc_logreg *lr, s_fitbuf *b, int fast, double *fx,
                      int *converged, mc_error *err)
{
	int rc = 0, ret = 0;

	s_start(b->x, lr, pb, b->freq);
	s_optimize(pb, lr, b->x, b->g, fast, b->Xs, fx, &ret);
	if (pb->interrupted)
		rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
	else if (pb->failed)
		rc = mc_error_set(err, MC_ERR_INVALID, "LogisticRegression: the processes lost each other");
	else if (!isfinite(*fx))
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "LogisticRegression: the optimizer failed (liblbfgs code %d)", ret);
	*converged = pb->tol_met || ret == LBFGS_STOP || ret == LBFGS_ALREADY_MINIMIZED ||
	             ret == LBFGSERR_ROUNDING_ERROR;
	if (!pb->failed) {
		mc_error cerr;
		mc_error_clear(&cerr);
		if (s_command(pb, rc == 0 ? S_CMD_DONE : S_CMD_ABORT, b->x, rc == 0 ? *fx : rc,
		              *converged, ret, &cerr) != 0 && rc == 0)
			rc = mc_error_set(err, cerr.code, "%s", cerr.text);
	}
	return rc;
}

/* Another process: serves the root's evaluations, then takes the final
 * variables, objective and convergence from its last message. */
static int s_other_fit(s_problem *pb, s_fitbuf *b, double *fx, int *converged, mc_error *err)
{
	size_t nv = pb->k * (pb->d + 1);
	int rc;

	pb->Xst = b->Xs;
	rc = s_serve(pb, err);
	if (rc != 0)
		return rc;
	memcpy(b->x, b->msg + S_MSG_HEAD, nv * sizeof *b->x);
	pb->iter = (size_t)b->msg[2];
	*fx = b->msg[3];
	*converged = b->msg[4] != 0.0;
	return 0;
}

/* Moves the solution x into lr (intercepts centred to sum to 0). */
static void s_fit_store(mc_logreg *lr, s_problem *pb, s_fitbuf *b, double fx, int converged)
{
	size_t k = pb->k, d = pb->d, c;
	double mean = 0.0;

	pb->fast = 0;
	s_to_model(pb, b->x);
	memcpy(b->coef->data, pb->W, k * d * sizeof(double));
	for (c = 0; c < k; c++)
		mean += pb->b[c] / (double)k;
	for (c = 0; c < k; c++)
		b->intercept[c] = pb->b[c] - mean;
	mc_matrix_free(lr->coef);
	free(lr->intercept);
	lr->coef = b->coef;
	lr->intercept = b->intercept;
	b->coef = NULL;
	b->intercept = NULL;
	lr->k = k;
	lr->d = d;
	lr->fitted = 1;
	lr->n_iter = pb->iter;
	lr->objective = fx;
	lr->converged = converged;
}

int mc_logreg_fit_comm(mc_logreg *lr, const mc_matrix *X, const int64_t *y, const double *w,
                       const mc_logreg_comm *comm, const mc_progress *prog, mc_error *err)
{
	size_t n = X->rows, k = 0;
	double fx = 0.0, miss;
	s_fitbuf b;
	s_problem pb;
	s_parts parts;
	int rc, root = comm == NULL || comm->root, converged = 0;

	memset(&b, 0, sizeof b);
	memset(&pb, 0, sizeof pb);
	memset(&parts, 0, sizeof parts);
	atomic_init(&pb.stop, 0);

	/* every process checks its rows; all agree before going on */
	if (comm != NULL && (lr->p.n_classes == 0 || lr->p.warm_start))
		rc = mc_error_set(err, MC_ERR_INVALID, "LogisticRegression: a fit over several "
		                  "processes needs n_classes and no warm_start");
	else
		rc = s_check(&k, &lr->p, X, y, w, comm != NULL ? comm->row0 : 0, comm != NULL, err);
	rc = s_agree(comm, rc, err);
	if (rc == 0)
		rc = s_sample_weights(&b.sw, &lr->p, k, y, w, n, comm, err);
	if (rc != 0)
		return rc;
	rc = s_fitbuf_new(&b, k, X->cols, err);
	s_problem_init(&pb, lr, X, y, k, &b, comm, prog);
	rc = s_agree(comm, rc, err);
	if (rc == 0)
		rc = s_standardize(b.mu, b.scale, b.freq, &pb.sw_sum, &pb, err);
	if (rc == 0 && s_parts_new(&parts, &pb, mc_pool_threads(), comm != NULL) != 0)
		rc = s_fail_nomem(err);
	rc = s_agree(comm, rc, err);
	if (rc != 0)
		goto cleanup;
	pb.parts = &parts;
	/* the fast phase runs where every process has its copy */
	b.Xs = n > 0 ? s_standardized_copy(X, b.sw, b.mu, b.scale) : NULL;
	miss = n > 0 && b.Xs == NULL;
	rc = s_allfold(comm, &miss, &miss, 1, 1, err);
	if (rc != 0)
		goto cleanup;

	if (root)
		rc = s_root_fit(&pb, lr, &b, miss == 0.0, &fx, &converged, err);
	else
		rc = s_other_fit(&pb, &b, &fx, &converged, err);
	if (rc == 0)
		s_fit_store(lr, &pb, &b, fx, converged);
cleanup:
	s_parts_free(&parts);
	s_fitbuf_free(&b);
	return rc;
}

int mc_logreg_fit(mc_logreg *lr, const mc_matrix *X, const int64_t *y, const double *w,
                  const mc_progress *prog, mc_error *err)
{
	return mc_logreg_fit_comm(lr, X, y, w, NULL, prog, err);
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
	double *sw = NULL, *work = NULL, *total = NULL, sum = 0.0, f;
	size_t k = 0, kd;
	s_problem pb;
	s_parts parts;
	int rc;

	memset(&parts, 0, sizeof parts);
	rc = s_check_predict(lr, X, err);
	if (rc != 0)
		return rc;
	p.n_classes = lr->k;
	rc = s_check(&k, &p, X, y, w, 0, 0, err);
	if (rc == 0)
		rc = s_sample_weights(&sw, &p, k, y, w, X->rows, NULL, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < X->rows; i++)
		sum += sw[i];
	if (!(sum > 0.0)) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "LogisticRegression: every sample has weight 0 (all removed)");
		goto cleanup;
	}
	kd = k * lr->d;
	memset(&pb, 0, sizeof pb);
	atomic_init(&pb.stop, 0);
	work = malloc((kd + k) * sizeof *work);
	total = malloc((1 + kd + k) * sizeof *total);
	if (work == NULL || total == NULL) {
		rc = s_fail_nomem(err);
		goto cleanup;
	}
	pb.X = X;
	pb.y = y;
	pb.sw = sw;
	pb.n = X->rows;
	pb.d = lr->d;
	pb.k = k;
	pb.seg = mc_logreg_segment_rows(X->rows);
	pb.C = p.C;
	pb.W = work;
	pb.b = work + kd;
	pb.total = total;
	memcpy(pb.W, lr->coef->data, kd * sizeof(double));
	memcpy(pb.b, lr->intercept, k * sizeof(double));
	if (s_parts_new(&parts, &pb, 1, 0) != 0) {
		rc = s_fail_nomem(err);
		goto cleanup;
	}
	pb.parts = &parts;
	s_data_term(&pb, &parts, err);
	f = total[0];
	for (size_t j = 0; j < kd; j++)
		f += pb.W[j] * pb.W[j] / (2.0 * p.C);
	*out = f;
cleanup:
	s_parts_free(&parts);
	free(sw);
	free(work);
	free(total);
	return rc;
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

int mc_logreg_restore(mc_logreg *lr, const mc_matrix *coef, const double *intercept,
                      size_t n_iter, double objective, int converged, mc_error *err)
{
	size_t k = coef->rows, d = coef->cols;
	mc_matrix *c = NULL;
	double *b = NULL;
	int rc;

	if (k < 2 || d == 0 || (lr->p.n_classes > 0 && k != lr->p.n_classes))
		return mc_error_set(err, MC_ERR_SHAPE, "LogisticRegression: the model is %zu x %zu; "
		                    "expected at least 2 classes%s", k, d,
		                    lr->p.n_classes > 0 ? " and n_classes of the params" : "");
	if (mc_matrix_find_nonfinite(coef) != (size_t)-1)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "LogisticRegression: the coefficients are not all finite");
	for (size_t j = 0; j < k; j++)
		if (!isfinite(intercept[j]))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "LogisticRegression: intercept[%zu] is %g", j, intercept[j]);
	rc = mc_matrix_copy(&c, coef, err);
	if (rc != 0)
		return rc;
	b = malloc(k * sizeof *b);
	if (b == NULL) {
		mc_matrix_free(c);
		return s_fail_nomem(err);
	}
	memcpy(b, intercept, k * sizeof *b);
	mc_matrix_free(lr->coef);
	free(lr->intercept);
	lr->coef = c;
	lr->intercept = b;
	lr->k = k;
	lr->d = d;
	lr->fitted = 1;
	lr->n_iter = n_iter;
	lr->objective = objective;
	lr->converged = converged != 0;
	return 0;
}

/* The files of a saved model. */
#define S_COEF "coef.npy"
#define S_INTERCEPT "intercept.npy"
#define S_INFO "lr_info.npy"

int mc_logreg_save(const mc_logreg *lr, const char *dir, mc_error *err)
{
	double info[3] = { (double)lr->n_iter, lr->objective, lr->converged };
	int rc;

	if (!lr->fitted)
		return mc_error_set(err, MC_ERR_STATE,
		                    "LogisticRegression is not fitted yet; call fit(X, y) first");
	rc = mc_modelfile_save(dir, S_COEF, lr->coef, NULL, 0, err);
	if (rc == 0)
		rc = mc_modelfile_save(dir, S_INTERCEPT, NULL, lr->intercept, lr->k, err);
	if (rc == 0)
		rc = mc_modelfile_save(dir, S_INFO, NULL, info, 3, err);
	return rc;
}

int mc_logreg_load(mc_logreg *lr, const char *dir, mc_error *err)
{
	mc_matrix *coef = NULL, *b = NULL, *info = NULL;
	int rc;

	rc = mc_modelfile_load(&coef, dir, S_COEF, MC_MODELFILE_ANY, MC_MODELFILE_ANY, err);
	if (rc == 0)
		rc = mc_modelfile_load(&b, dir, S_INTERCEPT, coef->rows, 0, err);
	if (rc == 0)
		rc = mc_modelfile_load(&info, dir, S_INFO, 3, 0, err);
	if (rc == 0 && !(info->data[0] >= 0.0 && info->data[0] == floor(info->data[0])))
		rc = mc_error_set(err, MC_ERR_INVALID, "%s/%s: %g iterations; expected a count",
		                  dir, S_INFO, info->data[0]);
	if (rc == 0)
		rc = mc_logreg_restore(lr, coef, b->data, (size_t)info->data[0], info->data[1],
		                       info->data[2] != 0.0, err);
	mc_matrix_free(coef);
	mc_matrix_free(b);
	mc_matrix_free(info);
	return rc;
}
