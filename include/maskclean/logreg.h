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
 * split over the threads OpenBLAS uses (openblas_set_num_threads); the
 * result agrees across thread counts to rounding. Stopping: the largest
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

#endif
