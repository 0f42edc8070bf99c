/* Classification metrics: the confusion matrix and the article's choice of
 * the class to clean, per-class precision/recall/F1, one-vs-rest ROC AUC
 * (ties as scikit-learn's roc_auc_score) and K-fold cross-validated AUC. */
#ifndef MASKCLEAN_METRICS_H
#define MASKCLEAN_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/logreg.h"
#include "maskclean/matrix.h"
#include "maskclean/progress.h"

/* A K x K confusion matrix: rows are true classes (the given labels),
 * columns predictions. */
typedef struct mc_confusion {
	size_t k;
	double *counts;   /* k*k, row-major: counts[t*k+p], sums of sample weights */
	double *norm;     /* each row divided by its sum (0 for an empty row) */
	double *expected; /* k*k expected wrong labels per cell: the sum over the
	                     cell's samples of w (1 - p(t)), from class
	                     probabilities (mc_confusion_from_proba); NULL when
	                     built from predicted labels */
} mc_confusion;

/* Counts pairs (y_true[i], y_pred[i]) weighted by w (NULL: 1 each; 0:
 * removed). Labels in [0, k). Caller owns; free with mc_confusion_free.
 * Fails with MC_ERR_INVALID naming the first label out of range. */
int mc_confusion_new(mc_confusion **out, const int64_t *y_true, const int64_t *y_pred,
                     const double *w, size_t n, size_t k, mc_error *err);
void mc_confusion_free(mc_confusion *cm);

/* The matrix of out-of-fold predictions: the prediction of sample i is the
 * most probable class of row i of proba (n x k, the first on ties), and each
 * cell also sums the expected wrong labels w_i (1 - proba[i][y_true[i]]).
 * Fails as mc_confusion_new. */
int mc_confusion_from_proba(mc_confusion **out, const int64_t *y_true, const mc_matrix *proba,
                            const double *w, mc_error *err);

/* The article's rule: the largest off-diagonal entry of the normalised
 * matrix, at true class *true_class and predicted class *pred_class (first
 * in row-major order on ties); the class of interest is *pred_class.
 * Fails with MC_ERR_INVALID when k < 2 or no off-diagonal entry is > 0
 * ("the classifier confuses no two classes"). */
int mc_confusion_pick(const mc_confusion *cm, size_t *true_class, size_t *pred_class,
                      double *value, mc_error *err);

/* The rules that choose where to look. */
typedef enum mc_pick_rule {
	MC_PICK_EXPECTED_ERRORS = 0,  /* the pair with the most expected wrong labels */
	MC_PICK_ARTICLE = 1           /* the largest off-diagonal rate (the article) */
} mc_pick_rule;

/* "expected_errors" / "article". Fails with MC_ERR_INVALID naming both. */
int mc_pick_rule_parse(mc_pick_rule *out, const char *name, mc_error *err);
const char *mc_pick_rule_name(mc_pick_rule r);

/* A candidate (true, predicted) pair of the matrix. */
typedef struct mc_confusion_pair {
	size_t t, p;
	double count;      /* samples labelled t predicted as p */
	double support;    /* samples labelled t */
	double rate;       /* count / support */
	double expected;   /* expected wrong labels in the cell (the count when
	                      the matrix has no probabilities) */
	int skipped;       /* support below the minimum */
} mc_confusion_pair;

/* Every off-diagonal pair with a count > 0, in the rule's order:
 * expected_errors by expected wrong labels, then count (highest first);
 * article by rate; remaining ties in row-major order. Pairs whose true
 * class has fewer than min_support samples are marked skipped (and stay in
 * place). *out (caller frees) holds *n pairs. Fails with MC_ERR_NOMEM. */
int mc_confusion_pairs(mc_confusion_pair **out, size_t *n, const mc_confusion *cm,
                       mc_pick_rule rule, double min_support, mc_error *err);

/* The class to clean: the first pair of mc_confusion_pairs that is not
 * skipped. The class to review is its true class t for expected_errors
 * (the wrong labels of the pair are labelled t) and its predicted class p
 * for the article's rule (the article cleans the class that others are
 * confused with). *skipped gets how many pairs ranked above it were
 * skipped for their support. Fails with MC_ERR_INVALID when k < 2, when no
 * two classes are confused, or when every pair is skipped (the message
 * names the best skipped pair and its support). */
typedef struct mc_pick {
	mc_confusion_pair pair;
	size_t cls;            /* the class to review */
	mc_pick_rule rule;
	size_t skipped;
} mc_pick;

int mc_confusion_choose(mc_pick *out, const mc_confusion *cm, mc_pick_rule rule,
                        double min_support, mc_error *err);

/* Per-class metrics; a zero division gives 0 (as scikit-learn). */
typedef struct mc_class_report {
	size_t k;
	double *precision, *recall, *f1, *support;   /* k entries each */
	double accuracy;
	double macro_precision, macro_recall, macro_f1;
	double weighted_precision, weighted_recall, weighted_f1;
	double total;                                 /* sum of supports */
} mc_class_report;

/* Report from a confusion matrix. Caller owns; free with
 * mc_class_report_free. Fails only with MC_ERR_NOMEM. */
int mc_class_report_new(mc_class_report **out, const mc_confusion *cm, mc_error *err);
void mc_class_report_free(mc_class_report *r);

/* Binary ROC AUC of scores against positive[i] != 0 with weights w (NULL:
 * 1; 0: ignored): the trapezoid over distinct thresholds, tied scores
 * forming one step, exactly as scikit-learn's roc_auc_score. Fails with
 * MC_ERR_INVALID "only one class present in y_true" when there are no
 * positives or no negatives. */
int mc_roc_auc_binary(double *out, const unsigned char *positive, const double *score,
                      const double *w, size_t n, mc_error *err);

/* One-vs-rest AUC of each class k (column k of proba, rows x K) and their
 * mean. A class without positives or negatives gets NaN and is left out of
 * the mean; fails with MC_ERR_INVALID if no class has an AUC. per_class
 * holds K entries (caller memory). */
int mc_roc_auc_ovr(double *per_class, double *macro, const int64_t *y,
                   const mc_matrix *proba, const double *w, mc_error *err);

/* Rows of a data set by index, for cross-validation over data that is not
 * one matrix (the coreset service keeps its rows in chunks): row(ctx, i)
 * returns the cols values of row i (borrowed). */
typedef struct mc_row_source {
	const void *ctx;
	const double *(*row)(const void *ctx, size_t i);
	size_t rows, cols;
} mc_row_source;

/* The rows of X (borrowed: X must outlive src). */
void mc_row_source_matrix(mc_row_source *src, const mc_matrix *X);

/* Cross-validation options. */
typedef struct mc_cv_opts {
	size_t folds;            /* 5 */
	uint64_t seed;           /* 0 */
	const int64_t *groups;   /* NULL: stratified K-fold per sample; else
	                            mc_split_group_kfold: a group's samples
	                            share a fold */
	const char *name;        /* prefix of progress and error messages
	                            ("cross-validation") */
} mc_cv_opts;

void mc_cv_opts_init(mc_cv_opts *o);

/* The one out-of-fold loop: splits the kept samples (w > 0) into o->folds
 * stratified folds (seeded; grouped when o->groups), trains mc_logreg with
 * params p on the other folds (weights w) and predicts each fold's samples.
 * *proba (caller owns; mc_matrix_free) is rows x n_classes (0 = 1 + the
 * largest label), each kept sample's class probabilities from the model
 * that did not see it; removed rows are 0. *fold (optional; caller frees)
 * gets each sample's fold, -1 for removed ones. Progress names the fold.
 * Fails as mc_split_kfold / mc_split_group_kfold and mc_logreg_fit, or with
 * MC_ERR_INTERRUPTED; nothing is returned then. */
int mc_cross_val_proba(mc_matrix **proba, int **fold, const mc_row_source *X,
                       const int64_t *y, const double *w, size_t n_classes,
                       const mc_cv_opts *o, const mc_logreg_params *p,
                       const mc_progress *prog, mc_error *err);

/* K-fold cross-validated one-vs-rest AUC of logistic regression. */
typedef struct mc_cv_auc {
	size_t n_classes, folds;
	double *per_class;   /* n_classes: mean over folds (NaN if never defined) */
	double *fold_macro;  /* folds: each fold's macro AUC */
	double macro;        /* mean of the defined per_class entries */
} mc_cv_auc;

/* mc_cross_val_proba over the rows of X, then each fold's one-vs-rest AUC
 * from its own model's probabilities (weights w). A class with no kept
 * sample (an empty category) has no AUC (NaN) and is left out of the means.
 * Caller owns *out; free with mc_cv_auc_free. Fails as mc_cross_val_proba. */
int mc_cross_val_auc(mc_cv_auc **out, const mc_matrix *X, const int64_t *y,
                     const double *w, size_t n_classes, size_t folds, uint64_t seed,
                     const mc_logreg_params *p, const mc_progress *prog, mc_error *err);
void mc_cv_auc_free(mc_cv_auc *cv);

#endif
