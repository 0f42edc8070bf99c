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

/* A K x K confusion matrix: rows are true classes, columns predictions. */
typedef struct mc_confusion {
	size_t k;
	double *counts;   /* k*k, row-major: counts[t*k+p], sums of sample weights */
	double *norm;     /* each row divided by its sum (0 for an empty row) */
} mc_confusion;

/* Counts pairs (y_true[i], y_pred[i]) weighted by w (NULL: 1 each; 0:
 * removed). Labels in [0, k). Caller owns; free with mc_confusion_free.
 * Fails with MC_ERR_INVALID naming the first label out of range. */
int mc_confusion_new(mc_confusion **out, const int64_t *y_true, const int64_t *y_pred,
                     const double *w, size_t n, size_t k, mc_error *err);
void mc_confusion_free(mc_confusion *cm);

/* The article's rule: the largest off-diagonal entry of the normalised
 * matrix, at true class *true_class and predicted class *pred_class (first
 * in row-major order on ties); the class of interest is *pred_class.
 * Fails with MC_ERR_INVALID when k < 2 or no off-diagonal entry is > 0
 * ("the classifier confuses no two classes"). */
int mc_confusion_pick(const mc_confusion *cm, size_t *true_class, size_t *pred_class,
                      double *value, mc_error *err);

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

/* K-fold cross-validated one-vs-rest AUC of logistic regression. */
typedef struct mc_cv_auc {
	size_t n_classes, folds;
	double *per_class;   /* n_classes: mean over folds (NaN if never defined) */
	double *fold_macro;  /* folds: each fold's macro AUC */
	double macro;        /* mean of the defined per_class entries */
} mc_cv_auc;

/* Stratified K-fold (mc_split_kfold with seed) over the kept samples
 * (w > 0); each fold trains mc_logreg with params p on the other folds
 * (weights w) and scores its own kept samples (weights w). Progress names
 * the fold. Caller owns *out; free with mc_cv_auc_free. Fails as
 * mc_split_kfold and mc_logreg_fit, or MC_ERR_INTERRUPTED. */
int mc_cross_val_auc(mc_cv_auc **out, const mc_matrix *X, const int64_t *y,
                     const double *w, size_t n_classes, size_t folds, uint64_t seed,
                     const mc_logreg_params *p, const mc_progress *prog, mc_error *err);
void mc_cv_auc_free(mc_cv_auc *cv);

#endif
