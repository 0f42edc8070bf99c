/* This module implements the confusion matrix and the article's choice of
 * class, per-class precision/recall/F1, ROC AUC as scikit-learn computes it,
 * and K-fold cross-validated AUC (include/maskclean/metrics.h). */
#include "maskclean/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/split.h"

int mc_confusion_new(mc_confusion **out, const int64_t *y_true, const int64_t *y_pred,
                     const double *w, size_t n, size_t k, mc_error *err)
{
	mc_confusion *cm;

	*out = NULL;
	if (k == 0)
		return mc_error_set(err, MC_ERR_INVALID, "confusion_matrix: no classes");
	for (size_t i = 0; i < n; i++) {
		if (y_true[i] < 0 || (uint64_t)y_true[i] >= k)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y_true: sample %zu has label %lld; expected 0..%zu", i,
			                    (long long)y_true[i], k - 1);
		if (y_pred[i] < 0 || (uint64_t)y_pred[i] >= k)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y_pred: sample %zu has label %lld; expected 0..%zu", i,
			                    (long long)y_pred[i], k - 1);
		if (w != NULL && !(w[i] >= 0.0 && isfinite(w[i])))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "sample_weight: sample %zu has weight %g; expected a "
			                    "finite value >= 0", i, w[i]);
	}
	cm = calloc(1, sizeof *cm);
	if (cm == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	cm->k = k;
	cm->counts = calloc(k * k, sizeof *cm->counts);
	cm->norm = calloc(k * k, sizeof *cm->norm);
	if (cm->counts == NULL || cm->norm == NULL) {
		mc_confusion_free(cm);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for a %zu x %zu matrix", k, k);
	}
	for (size_t i = 0; i < n; i++)
		cm->counts[(size_t)y_true[i] * k + (size_t)y_pred[i]] += w != NULL ? w[i] : 1.0;
	for (size_t t = 0; t < k; t++) {
		double s = 0.0;
		for (size_t p = 0; p < k; p++)
			s += cm->counts[t * k + p];
		for (size_t p = 0; p < k; p++)
			cm->norm[t * k + p] = s > 0.0 ? cm->counts[t * k + p] / s : 0.0;
	}
	*out = cm;
	return 0;
}

void mc_confusion_free(mc_confusion *cm)
{
	if (cm == NULL)
		return;
	free(cm->counts);
	free(cm->norm);
	free(cm);
}

int mc_confusion_pick(const mc_confusion *cm, size_t *true_class, size_t *pred_class,
                      double *value, mc_error *err)
{
	size_t bt = 0, bp = 0;
	double best = 0.0;
	int found = 0;

	if (cm->k < 2)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "pick_class: the confusion matrix has %zu class; need 2 or more",
		                    cm->k);
	for (size_t t = 0; t < cm->k; t++)
		for (size_t p = 0; p < cm->k; p++)
			if (t != p && cm->norm[t * cm->k + p] > best) {
				best = cm->norm[t * cm->k + p];
				bt = t;
				bp = p;
				found = 1;
			}
	if (!found)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "pick_class: the classifier confuses no two classes "
		                    "(every off-diagonal entry is 0)");
	*true_class = bt;
	*pred_class = bp;
	*value = best;
	return 0;
}

int mc_class_report_new(mc_class_report **out, const mc_confusion *cm, mc_error *err)
{
	size_t k = cm->k;
	mc_class_report *r;
	double diag = 0.0, total = 0.0;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	r->k = k;
	r->precision = calloc(k, sizeof(double));
	r->recall = calloc(k, sizeof(double));
	r->f1 = calloc(k, sizeof(double));
	r->support = calloc(k, sizeof(double));
	if (r->precision == NULL || r->recall == NULL || r->f1 == NULL || r->support == NULL) {
		mc_class_report_free(r);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	for (size_t c = 0; c < k; c++) {
		double tp = cm->counts[c * k + c], row = 0.0, col = 0.0;
		for (size_t j = 0; j < k; j++) {
			row += cm->counts[c * k + j];
			col += cm->counts[j * k + c];
		}
		r->precision[c] = col > 0.0 ? tp / col : 0.0;
		r->recall[c] = row > 0.0 ? tp / row : 0.0;
		r->f1[c] = r->precision[c] + r->recall[c] > 0.0
		               ? 2.0 * r->precision[c] * r->recall[c] /
		                     (r->precision[c] + r->recall[c])
		               : 0.0;
		r->support[c] = row;
		diag += tp;
		total += row;
		r->macro_precision += r->precision[c] / (double)k;
		r->macro_recall += r->recall[c] / (double)k;
		r->macro_f1 += r->f1[c] / (double)k;
	}
	for (size_t c = 0; c < k && total > 0.0; c++) {
		r->weighted_precision += r->precision[c] * r->support[c] / total;
		r->weighted_recall += r->recall[c] * r->support[c] / total;
		r->weighted_f1 += r->f1[c] * r->support[c] / total;
	}
	r->accuracy = total > 0.0 ? diag / total : 0.0;
	r->total = total;
	*out = r;
	return 0;
}

void mc_class_report_free(mc_class_report *r)
{
	if (r == NULL)
		return;
	free(r->precision);
	free(r->recall);
	free(r->f1);
	free(r->support);
	free(r);
}

typedef struct s_scored {
	double score;
	double w;
	int pos;
} s_scored;

static int s_cmp_desc(const void *a, const void *b)
{
	double x = ((const s_scored *)a)->score, y = ((const s_scored *)b)->score;

	return (x < y) - (x > y);
}

int mc_roc_auc_binary(double *out, const unsigned char *positive, const double *score,
                      const double *w, size_t n, mc_error *err)
{
	s_scored *s;
	size_t m = 0;
	double tp = 0.0, fp = 0.0, area = 0.0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(score[i]))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "roc_auc: score of sample %zu is %g; expected a finite "
			                    "value", i, score[i]);
		if (w != NULL && !(w[i] >= 0.0 && isfinite(w[i])))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "sample_weight: sample %zu has weight %g; expected a "
			                    "finite value >= 0", i, w[i]);
	}
	s = malloc((n > 0 ? n : 1) * sizeof *s);
	if (s == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu scores", n);
	for (size_t i = 0; i < n; i++) {
		double wi = w != NULL ? w[i] : 1.0;
		if (wi == 0.0)
			continue;
		s[m].score = score[i];
		s[m].w = wi;
		s[m].pos = positive[i] != 0;
		if (s[m].pos)
			tp += wi;
		else
			fp += wi;
		m++;
	}
	if (tp <= 0.0 || fp <= 0.0) {
		free(s);
		return mc_error_set(err, MC_ERR_INVALID,
		                    "roc_auc: only one class present in y_true; ROC AUC is not "
		                    "defined in that case");
	}
	qsort(s, m, sizeof *s, s_cmp_desc);
	{
		double P = tp, N = fp, ctp = 0.0, cfp = 0.0;
		size_t i = 0;
		while (i < m) {
			double t0 = ctp / P, f0 = cfp / N;
			size_t j = i;
			while (j < m && s[j].score == s[i].score) {
				if (s[j].pos)
					ctp += s[j].w;
				else
					cfp += s[j].w;
				j++;
			}
			area += (cfp / N - f0) * (ctp / P + t0) / 2.0;
			i = j;
		}
	}
	free(s);
	*out = area;
	return 0;
}

int mc_roc_auc_ovr(double *per_class, double *macro, const int64_t *y,
                   const mc_matrix *proba, const double *w, mc_error *err)
{
	size_t n = proba->rows, k = proba->cols, defined = 0;
	unsigned char *pos = NULL;
	double *col = NULL, sum = 0.0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (y[i] < 0 || (uint64_t)y[i] >= k)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y: sample %zu has label %lld; the scores have %zu "
			                    "columns", i, (long long)y[i], k);
	pos = malloc(n > 0 ? n : 1);
	col = malloc((n > 0 ? n : 1) * sizeof *col);
	if (pos == NULL || col == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu scores", n);
		goto cleanup;
	}
	for (size_t c = 0; c < k; c++) {
		double P = 0.0, N = 0.0;
		for (size_t i = 0; i < n; i++) {
			double wi = w != NULL ? w[i] : 1.0;
			pos[i] = (size_t)y[i] == c;
			col[i] = MC_AT(proba, i, c);
			if (pos[i])
				P += wi;
			else
				N += wi;
		}
		if (P <= 0.0 || N <= 0.0) {
			per_class[c] = NAN;
			continue;
		}
		rc = mc_roc_auc_binary(&per_class[c], pos, col, w, n, err);
		if (rc != 0)
			goto cleanup;
		sum += per_class[c];
		defined++;
	}
	if (defined == 0) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "roc_auc: no class has both positive and negative samples");
		goto cleanup;
	}
	*macro = sum / (double)defined;
cleanup:
	free(pos);
	free(col);
	return rc;
}

typedef struct s_fold_progress {
	const mc_progress *parent;
	size_t fold, folds;
	char what[64];
} s_fold_progress;

static int s_fold_report(void *ctx, size_t done, size_t total, const char *what)
{
	s_fold_progress *fp = ctx;

	(void)what;
	snprintf(fp->what, sizeof fp->what, "cross_val_auc: fold %zu of %zu", fp->fold + 1,
	         fp->folds);
	return mc_progress_report(fp->parent, fp->fold * total + done, fp->folds * total,
	                          fp->what);
}

void mc_cv_auc_free(mc_cv_auc *cv)
{
	if (cv == NULL)
		return;
	free(cv->per_class);
	free(cv->fold_macro);
	free(cv);
}

int mc_cross_val_auc(mc_cv_auc **out, const mc_matrix *X, const int64_t *y,
                     const double *w, size_t n_classes, size_t folds, uint64_t seed,
                     const mc_logreg_params *p, const mc_progress *prog, mc_error *err)
{
	size_t n = X->rows;
	int *fold = NULL;
	size_t *tr = NULL, *te = NULL, *defined = NULL;
	int64_t *ytr = NULL, *yte = NULL;
	double *wtr = NULL, *wte = NULL, *auc = NULL;
	mc_matrix *Xtr = NULL, *Xte = NULL, *proba = NULL;
	mc_logreg *lr = NULL;
	mc_cv_auc *cv = NULL;
	mc_logreg_params lp = *p;
	s_fold_progress fp;
	mc_progress sub;
	int rc;

	*out = NULL;
	if (n_classes == 0)
		for (size_t i = 0; i < n; i++)
			if (y[i] >= 0 && (size_t)y[i] + 1 > n_classes)
				n_classes = (size_t)y[i] + 1;
	rc = mc_split_kfold(&fold, y, w, n, n_classes, folds, seed, err);
	if (rc != 0)
		return rc;
	lp.n_classes = n_classes;
	lp.warm_start = 0;
	tr = malloc(n * sizeof *tr);
	te = malloc(n * sizeof *te);
	ytr = malloc(n * sizeof *ytr);
	yte = malloc(n * sizeof *yte);
	wtr = malloc(n * sizeof *wtr);
	wte = malloc(n * sizeof *wte);
	auc = malloc(n_classes * sizeof *auc);
	defined = calloc(n_classes, sizeof *defined);
	cv = calloc(1, sizeof *cv);
	if (tr == NULL || te == NULL || ytr == NULL || yte == NULL || wtr == NULL ||
	    wte == NULL || auc == NULL || defined == NULL || cv == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory for cross-validation");
		goto cleanup;
	}
	cv->n_classes = n_classes;
	cv->folds = folds;
	cv->per_class = calloc(n_classes, sizeof *cv->per_class);
	cv->fold_macro = calloc(folds, sizeof *cv->fold_macro);
	if (cv->per_class == NULL || cv->fold_macro == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory for cross-validation");
		goto cleanup;
	}
	fp.parent = prog;
	fp.folds = folds;
	sub.fn = s_fold_report;
	sub.ctx = &fp;
	for (size_t f = 0; f < folds; f++) {
		size_t ntr = 0, nte = 0;
		for (size_t i = 0; i < n; i++) {
			if (fold[i] < 0)
				continue;
			if ((size_t)fold[i] == f) {
				te[nte] = i;
				yte[nte] = y[i];
				wte[nte++] = w != NULL ? w[i] : 1.0;
			} else {
				tr[ntr] = i;
				ytr[ntr] = y[i];
				wtr[ntr++] = w != NULL ? w[i] : 1.0;
			}
		}
		fp.fold = f;
		if (mc_progress_report(prog, f, folds, "cross_val_auc")) {
			rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
			goto cleanup;
		}
		rc = mc_matrix_gather_rows(&Xtr, X, tr, ntr, err);
		if (rc == 0)
			rc = mc_logreg_new(&lr, &lp, err);
		if (rc == 0)
			rc = mc_logreg_fit(lr, Xtr, ytr, wtr, prog != NULL ? &sub : NULL, err);
		mc_matrix_free(Xtr);
		Xtr = NULL;
		if (rc == 0)
			rc = mc_matrix_gather_rows(&Xte, X, te, nte, err);
		if (rc == 0)
			rc = mc_logreg_proba(&proba, lr, Xte, err);
		if (rc == 0)
			rc = mc_roc_auc_ovr(auc, &cv->fold_macro[f], yte, proba, wte, err);
		if (rc != 0) {
			mc_error_prefix(err, "cross_val_auc: fold %zu of %zu", f + 1, folds);
			goto cleanup;
		}
		for (size_t c = 0; c < n_classes; c++)
			if (!isnan(auc[c])) {
				cv->per_class[c] += auc[c];
				defined[c]++;
			}
		mc_matrix_free(Xte);
		mc_matrix_free(proba);
		mc_logreg_free(lr);
		Xte = proba = NULL;
		lr = NULL;
	}
	{
		double sum = 0.0;
		size_t m = 0;
		for (size_t c = 0; c < n_classes; c++) {
			if (defined[c] == 0) {
				cv->per_class[c] = NAN;
				continue;
			}
			cv->per_class[c] /= (double)defined[c];
			sum += cv->per_class[c];
			m++;
		}
		cv->macro = m > 0 ? sum / (double)m : NAN;
	}
	*out = cv;
	cv = NULL;
	rc = 0;
cleanup:
	free(fold);
	free(tr);
	free(te);
	free(ytr);
	free(yte);
	free(wtr);
	free(wte);
	free(auc);
	free(defined);
	mc_matrix_free(Xtr);
	mc_matrix_free(Xte);
	mc_matrix_free(proba);
	mc_logreg_free(lr);
	mc_cv_auc_free(cv);
	return rc;
}
