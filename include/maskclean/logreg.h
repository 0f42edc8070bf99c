/* Multinomial logistic regression with an L2 penalty, as scikit-learn's
 * LogisticRegression(multi_class="multinomial", solver="lbfgs").
 *
 * The objective is scikit-learn 1.2's
 *     f(W, b) = sum_i s_i * CE_i + 1/(2C) * ||W||^2      (b not penalised)
 * where CE_i = logsumexp(z_i) - z_{i,y_i}, z_i = W x_i + b, and
 * s_i = sample_weight_i * class_weight[y_i]. A sample of weight 0 is removed.
 * class_weight "balanced" gives class k the weight kept / (K * count_k),
 * counting kept samples (weight > 0), which equals deleting removed rows.
 *
 * The optimizer is liblbfgs; it sees only the value/gradient callback. It
 * works in centred and scaled coordinates (W = V diag(s), b = c - W mu), a
 * change of variables that leaves the objective and its minimiser unchanged
 * but makes the problem far better conditioned. It runs in two phases: a
 * fast one on a single-precision standardized copy of X (half the memory
 * traffic, twice the arithmetic rate; skipped if the copy does not fit in
 * memory), then an exact one in double precision on X from where the fast
 * one stopped, so the result is the double-precision optimum. The rows are
 * split over the workers of pool.h (MC_THREADS, else one per core, at most
 * 8), each calling BLAS single-threaded; the result does not depend on the
 * thread count (see mc_logreg_fit_comm). Stopping: the largest
 * gradient entry of f divided by sum_i s_i is <= tol (scikit-learn >= 1.3's
 * rule), or the relative decrease of f in one iteration is below 2.2e-9
 * (scipy's default factr, on which scikit-learn's lbfgs stops too; scaled by
 * tol / 1e-4 when tol is smaller than the default), or max_iter. */
#ifndef MASKCLEAN_LOGREG_H
#define MASKCLEAN_LOGREG_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/matrix.h"
#include "maskclean/progress.h"

typedef enum mc_class_weight {
	MC_CW_NONE = 0,
	MC_CW_BALANCED,
	MC_CW_DICT        /* weights given per class in class_weights */
} mc_class_weight;

/* Called once per iteration (for benchmarks and traces). */
typedef void (*mc_logreg_trace_fn)(void *ctx, size_t iter, double objective,
                                   double grad_max);

typedef struct mc_logreg_params {
	double C;                     /* inverse penalty, > 0 (1.0) */
	mc_class_weight class_weight; /* MC_CW_NONE */
	const double *class_weights;  /* n_classes entries for MC_CW_DICT; copied */
	size_t n_classes;             /* 0: 1 + the largest label */
	size_t max_iter;              /* 100 */
	double tol;                   /* 1e-4 */
	int warm_start;               /* start from the previous fit (0) */
	mc_logreg_trace_fn trace;     /* NULL */
	void *trace_ctx;
} mc_logreg_params;

typedef struct mc_logreg mc_logreg;

/* Fills p with the defaults above. */
void mc_logreg_params_init(mc_logreg_params *p);

/* New unfitted model. Caller owns; free with mc_logreg_free. Fails with
 * MC_ERR_INVALID for C <= 0, tol < 0, max_iter == 0 or a negative or
 * non-finite class weight. */
int mc_logreg_new(mc_logreg **out, const mc_logreg_params *p, mc_error *err);
void mc_logreg_free(mc_logreg *lr);

/* Fits on the rows of X with labels y (0..K-1) and optional per-sample
 * weights w (NULL: all 1; 0: removed). Reports progress per iteration.
 * On failure the model is unchanged. Fails with MC_ERR_SHAPE, MC_ERR_INVALID
 * (label out of range, negative/non-finite weight, no kept sample, X not
 * finite: "X: row 3, column 2 is NaN"), MC_ERR_INTERRUPTED, MC_ERR_NOMEM. */
int mc_logreg_fit(mc_logreg *lr, const mc_matrix *X, const int64_t *y, const double *w,
                  const mc_progress *prog, mc_error *err);

/* Scores z = W x + b (rows x K). Caller owns; free with mc_matrix_free.
 * Fail with MC_ERR_STATE before fit, MC_ERR_SHAPE for a column mismatch. */
int mc_logreg_decision(mc_matrix **out, const mc_logreg *lr, const mc_matrix *X,
                       mc_error *err);
/* Class probabilities (softmax of the scores), rows x K. Caller owns. */
int mc_logreg_proba(mc_matrix **out, const mc_logreg *lr, const mc_matrix *X,
                    mc_error *err);
/* Predicted class per row (first largest score). Caller owns (free()). */
int mc_logreg_predict(int64_t **out, const mc_logreg *lr, const mc_matrix *X,
                      mc_error *err);
/* Accuracy of predict(X) against y (weighted by w if not NULL) in *out. */
int mc_logreg_score(double *out, const mc_logreg *lr, const mc_matrix *X,
                    const int64_t *y, const double *w, mc_error *err);
/* The objective f above at the current coefficients on (X, y, w), with the
 * model's C and class weights computed from this y and w. */
int mc_logreg_objective(double *out, const mc_logreg *lr, const mc_matrix *X,
                        const int64_t *y, const double *w, mc_error *err);

/* Accessors, valid after a fit. Borrowed; valid while lr lives and until the
 * next fit. coef is K x d, intercept K entries. */
int mc_logreg_fitted(const mc_logreg *lr);
const mc_matrix *mc_logreg_coef(const mc_logreg *lr);
const double *mc_logreg_intercept(const mc_logreg *lr);
size_t mc_logreg_n_classes(const mc_logreg *lr);
size_t mc_logreg_n_features(const mc_logreg *lr);
size_t mc_logreg_n_iter(const mc_logreg *lr);         /* iterations of the last fit */
double mc_logreg_final_objective(const mc_logreg *lr); /* f at the end of the fit */
int mc_logreg_converged(const mc_logreg *lr);          /* 1 if a tolerance was met */
const mc_logreg_params *mc_logreg_params_of(const mc_logreg *lr);

/* ---- Fitting over rows split between processes (maskclean-mpi) ----
 * Every sum over rows in a fit (the standardization, the objective and its
 * gradient) is formed per segment of mc_logreg_segment_rows(n) rows of the
 * n rows of the whole data, counted from its row 0, and the segments'
 * partial sums are added in segment order (mc_logreg_fold_add).
 * mc_logreg_fit works so on one process, its threads each taking whole
 * segments. A process holding a range of rows that starts at a segment
 * boundary forms its segments' partial sums identically, so a fit over
 * processes whose ranges start at segment boundaries gives bit for bit the
 * model of mc_logreg_fit (a model that does not depend on the thread
 * count either). */

/* Rows per segment for data of n rows: 4096, or more so that there are at
 * most about 4096 segments (the partial sums a process keeps for the fold
 * between processes stay small). */
size_t mc_logreg_segment_rows(size_t n);

/* How the processes of a fit meet. Exactly one process is the root: it runs
 * the optimizer; the others evaluate their rows when it asks. */
typedef struct mc_logreg_comm {
	size_t row0;     /* global index of this process's first row */
	size_t n_total;  /* rows of the whole data */
	int root;        /* 1 on the process that runs the optimizer */
	/* Adds the nseg partial sums (len doubles each, in segment order) of
	 * every process, processes in row order, to zeros with
	 * mc_logreg_fold_add: the total (len doubles) in out on the root (out
	 * is left alone elsewhere). 0 or a negative code with err set. */
	int (*fold)(void *ctx, double *out, const double *partials, size_t nseg, size_t len,
	            mc_error *err);
	/* Copies bytes of buf from the root to every process. */
	int (*bcast)(void *ctx, void *buf, size_t bytes, mc_error *err);
	void *ctx;
} mc_logreg_comm;

/* acc[0..len) += partials[s * len + j] for s = 0..nseg-1 in that order:
 * the one way partial sums are added, on one process and between them. */
void mc_logreg_fold_add(double *acc, const double *partials, size_t nseg, size_t len);

/* Fits on this process's rows X, y, w (rows [comm->row0, comm->row0 +
 * X->rows) of the data, possibly none) with the other processes of comm,
 * which all call it; comm NULL is mc_logreg_fit. With comm, the params must
 * give n_classes (1 + the largest label over every process) and
 * warm_start is refused. A bad value on one process fails every process
 * (the others with "another process failed"). On success every process
 * holds the same model. Fails as mc_logreg_fit, or with the comm's error. */
int mc_logreg_fit_comm(mc_logreg *lr, const mc_matrix *X, const int64_t *y, const double *w,
                       const mc_logreg_comm *comm, const mc_progress *prog, mc_error *err);

/* Restores a model fitted elsewhere (a file maskclean-mpi wrote): coef
 * (K x d), intercept (K) and the fit's iteration count, final objective and
 * convergence. On failure lr is unchanged. Fails with MC_ERR_SHAPE when K < 2
 * or K differs from the params' n_classes (when set), MC_ERR_INVALID on a
 * non-finite value, MC_ERR_NOMEM. */
int mc_logreg_restore(mc_logreg *lr, const mc_matrix *coef, const double *intercept,
                      size_t n_iter, double objective, int converged, mc_error *err);

/* A fitted model as .npy files (float64) in the folder dir, each written
 * atomically: coef.npy (K x d), intercept.npy (K) and lr_info.npy
 * ([n_iter, objective, converged]). save fails with MC_ERR_STATE before a
 * fit, MC_ERR_IO naming the file; load restores lr (mc_logreg_restore),
 * unchanged on failure: the file's error, MC_ERR_SHAPE when the files
 * disagree. */
int mc_logreg_save(const mc_logreg *lr, const char *dir, mc_error *err);
int mc_logreg_load(mc_logreg *lr, const char *dir, mc_error *err);

#endif
