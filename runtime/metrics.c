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
	free(cm->expected);
	free(cm);
}

int mc_confusion_from_proba(mc_confusion **out, const int64_t *y_true, const mc_matrix *proba,
                            const double *w, mc_error *err)
{
	size_t n = proba->rows, k = proba->cols;
	int64_t *pred = malloc((n ? n : 1) * sizeof *pred);
	double *q = calloc(k ? k : 1, sizeof *q), *pi = calloc(k ? k : 1, sizeof *pi);
	mc_confusion *cm = NULL;
	int rc;

	*out = NULL;
	if (pred == NULL || q == NULL || pi == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu predictions", n);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		size_t best = 0;
		for (size_t c = 1; c < k; c++)
			if (MC_AT(proba, i, c) > MC_AT(proba, i, best))
				best = c;
		pred[i] = (int64_t)best;
	}
	rc = mc_confusion_new(&cm, y_true, pred, w, n, k, err);
	if (rc != 0)
		goto cleanup;
	cm->expected = calloc(k * k, sizeof *cm->expected);
	if (cm->expected == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory for a %zu x %zu matrix", k, k);
		goto cleanup;
	}
	/* The probabilities adjusted to the label frequencies: class c's are
	 * scaled by pi_c / q_c (its share of the labels over its mean
	 * probability) and renormalised, the prior adjustment of Saerens et
	 * al. (2002). A balanced model gives small classes more probability
	 * than their frequency; unadjusted, that share would count as wrong
	 * labels of the large classes. A calibrated model has q = pi and is
	 * left as it is. */
	for (size_t i = 0; i < n; i++) {
		double wi = w != NULL ? w[i] : 1.0;
		pi[y_true[i]] += wi;
		for (size_t c = 0; c < k; c++)
			q[c] += wi * MC_AT(proba, i, c);
	}
	for (size_t i = 0; i < n; i++) {
		size_t t = (size_t)y_true[i];
		double num = 0, den = 0;
		for (size_t c = 0; c < k; c++) {
			double a = q[c] > 0 ? MC_AT(proba, i, c) * pi[c] / q[c] : 0;
			den += a;
			if (c == t)
				num = a;
		}
		cm->expected[t * k + (size_t)pred[i]] +=
		    (w != NULL ? w[i] : 1.0) * (den > 0 ? 1.0 - num / den : 1.0);
	}
	*out = cm;
	cm = NULL;
cleanup:
	mc_confusion_free(cm);
	free(pred);
	free(q);
	free(pi);
	return rc;
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

int mc_pick_rule_parse(mc_pick_rule *out, const char *name, mc_error *err)
{
	if (strcmp(name, "expected_errors") == 0)
		*out = MC_PICK_EXPECTED_ERRORS;
	else if (strcmp(name, "article") == 0)
		*out = MC_PICK_ARTICLE;
	else
		return mc_error_set(err, MC_ERR_INVALID, "rule: expected \"expected_errors\" or "
		                    "\"article\", got \"%s\"", name);
	return 0;
}

const char *mc_pick_rule_name(mc_pick_rule r)
{
	return r == MC_PICK_ARTICLE ? "article" : "expected_errors";
}

static int s_cmp_cell(const mc_confusion_pair *x, const mc_confusion_pair *y)
{
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->p > y->p) - (x->p < y->p);
}

static int s_cmp_expected(const void *a, const void *b)
{
	const mc_confusion_pair *x = a, *y = b;

	if (x->expected != y->expected)
		return x->expected > y->expected ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return s_cmp_cell(x, y);
}

static int s_cmp_rate(const void *a, const void *b)
{
	const mc_confusion_pair *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate > y->rate ? -1 : 1;
	return s_cmp_cell(x, y);
}

int mc_confusion_pairs(mc_confusion_pair **out, size_t *n, const mc_confusion *cm,
                       mc_pick_rule rule, double min_support, mc_error *err)
{
	size_t k = cm->k, m = 0;
	mc_confusion_pair *v = malloc((k > 0 ? k * k : 1) * sizeof *v);

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu pairs", k * k);
	for (size_t t = 0; t < k; t++) {
		double support = 0;
		for (size_t p = 0; p < k; p++)
			support += cm->counts[t * k + p];
		for (size_t p = 0; p < k; p++) {
			double c = cm->counts[t * k + p];
			if (p == t || !(c > 0))
				continue;
			v[m].t = t;
			v[m].p = p;
			v[m].count = c;
			v[m].support = support;
			v[m].rate = cm->norm[t * k + p];
			v[m].expected = cm->expected != NULL ? cm->expected[t * k + p] : c;
			v[m].skipped = support < min_support;
			m++;
		}
	}
	qsort(v, m, sizeof *v, rule == MC_PICK_ARTICLE ? s_cmp_rate : s_cmp_expected);
	*out = v;
	*n = m;
	return 0;
}

int mc_confusion_choose(mc_pick *out, const mc_confusion *cm, mc_pick_rule rule,
                        double min_support, mc_error *err)
{
	mc_confusion_pair *v = NULL;
	size_t n = 0, q = 0;
	int rc;

	if (cm->k < 2)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "pick_class: the confusion matrix has %zu class; need 2 or more",
		                    cm->k);
	rc = mc_confusion_pairs(&v, &n, cm, rule, min_support, err);
	if (rc != 0)
		return rc;
	while (q < n && v[q].skipped)
		q++;
	if (n == 0)
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "pick_class: the classifier confuses no two classes (every "
		                  "off-diagonal entry is 0)");
	else if (q == n)
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "pick_class: every confused pair has a true class with fewer than "
		                  "min_support=%g samples (the best, class %zu predicted as %zu, "
		                  "has %g); lower min_support", min_support, v[0].t, v[0].p,
		                  v[0].support);
	if (rc == 0) {
		out->pair = v[q];
		out->rule = rule;
		out->cls = rule == MC_PICK_ARTICLE ? v[q].p : v[q].t;
		out->skipped = q;
	}
	free(v);
	return rc;
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

static const double *s_matrix_row(const void *ctx, size_t i)
{
	const mc_matrix *X = ctx;

	return X->data + i * X->stride;
}

void mc_row_source_matrix(mc_row_source *src, const mc_matrix *X)
{
	src->ctx = X;
	src->row = s_matrix_row;
	src->rows = X->rows;
	src->cols = X->cols;
}

/* A copy of the rows idx[0..n) of src. */
static int s_gather(mc_matrix **out, const mc_row_source *src, const size_t *idx, size_t n,
                    mc_error *err)
{
	int rc = mc_matrix_new(out, n, src->cols, err);

	for (size_t q = 0; rc == 0 && q < n; q++)
		memcpy((*out)->data + q * (*out)->stride, src->row(src->ctx, idx[q]),
		       src->cols * sizeof(double));
	return rc;
}

typedef struct s_fold_progress {
	const mc_progress *parent;
	const char *name;
	size_t fold, folds;
	char what[96];
} s_fold_progress;

static int s_fold_report(void *ctx, size_t done, size_t total, const char *what)
{
	s_fold_progress *fp = ctx;

	(void)what;
	snprintf(fp->what, sizeof fp->what, "%s: fold %zu of %zu", fp->name, fp->fold + 1,
	         fp->folds);
	return mc_progress_report(fp->parent, fp->fold * total + done, fp->folds * total,
	                          fp->what);
}

void mc_cv_opts_init(mc_cv_opts *o)
{
	*o = (mc_cv_opts){ .folds = 5, .name = "cross-validation" };
}

int mc_cross_val_proba(mc_matrix **proba, int **fold_out, const mc_row_source *X,
                       const int64_t *y, const double *w, size_t n_classes,
                       const mc_cv_opts *o, const mc_logreg_params *p,
                       const mc_progress *prog, mc_error *err)
{
	size_t n = X->rows;
	int *fold = NULL;
	size_t *tr = NULL, *te = NULL;
	int64_t *ytr = NULL;
	double *wtr = NULL;
	mc_matrix *Xtr = NULL, *Xte = NULL, *pr = NULL, *P = NULL;
	mc_logreg *lr = NULL;
	mc_logreg_params lp = *p;
	s_fold_progress fp;
	mc_progress sub;
	int rc;

	*proba = NULL;
	if (fold_out != NULL)
		*fold_out = NULL;
	if (n_classes == 0)
		for (size_t i = 0; i < n; i++)
			if (y[i] >= 0 && (size_t)y[i] + 1 > n_classes)
				n_classes = (size_t)y[i] + 1;
	rc = o->groups != NULL
	         ? mc_split_group_kfold(&fold, y, w, o->groups, n, n_classes, o->folds, o->seed,
	                                err)
	         : mc_split_kfold(&fold, y, w, n, n_classes, o->folds, o->seed, err);
	if (rc != 0) {
		mc_error_prefix(err, "%s", o->name);
		return rc;
	}
	lp.n_classes = n_classes;
	lp.warm_start = 0;
	tr = malloc((n ? n : 1) * sizeof *tr);
	te = malloc((n ? n : 1) * sizeof *te);
	ytr = malloc((n ? n : 1) * sizeof *ytr);
	wtr = malloc((n ? n : 1) * sizeof *wtr);
	if (tr == NULL || te == NULL || ytr == NULL || wtr == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", o->name);
		goto cleanup;
	}
	rc = mc_matrix_new(&P, n, n_classes, err);
	if (rc != 0)
		goto cleanup;
	fp.parent = prog;
	fp.name = o->name;
	fp.folds = o->folds;
	sub.fn = s_fold_report;
	sub.ctx = &fp;
	for (size_t f = 0; f < o->folds; f++) {
		size_t ntr = 0, nte = 0;
		for (size_t i = 0; i < n; i++) {
			if (fold[i] < 0)
				continue;
			if ((size_t)fold[i] == f) {
				te[nte++] = i;
			} else {
				tr[ntr] = i;
				ytr[ntr] = y[i];
				wtr[ntr++] = w != NULL ? w[i] : 1.0;
			}
		}
		fp.fold = f;
		if (mc_progress_report(prog, f, o->folds, o->name)) {
			rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
			goto cleanup;
		}
		if (nte == 0)
			continue;
		rc = s_gather(&Xtr, X, tr, ntr, err);
		if (rc == 0)
			rc = mc_logreg_new(&lr, &lp, err);
		if (rc == 0)
			rc = mc_logreg_fit(lr, Xtr, ytr, wtr, prog != NULL ? &sub : NULL, err);
		mc_matrix_free(Xtr);
		Xtr = NULL;
		if (rc == 0)
			rc = s_gather(&Xte, X, te, nte, err);
		if (rc == 0)
			rc = mc_logreg_proba(&pr, lr, Xte, err);
		if (rc != 0) {
			mc_error_prefix(err, "%s: fold %zu of %zu", o->name, f + 1, o->folds);
			goto cleanup;
		}
		for (size_t q = 0; q < nte; q++)
			for (size_t c = 0; c < n_classes && c < pr->cols; c++)
				MC_AT(P, te[q], c) = MC_AT(pr, q, c);
		mc_matrix_free(Xte);
		mc_matrix_free(pr);
		mc_logreg_free(lr);
		Xte = pr = NULL;
		lr = NULL;
	}
	*proba = P;
	P = NULL;
	if (fold_out != NULL) {
		*fold_out = fold;
		fold = NULL;
	}
cleanup:
	free(fold);
	free(tr);
	free(te);
	free(ytr);
	free(wtr);
	mc_matrix_free(Xtr);
	mc_matrix_free(Xte);
	mc_matrix_free(pr);
	mc_matrix_free(P);
	mc_logreg_free(lr);
	return rc;
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
	size_t n = X->rows, *te = NULL, *defined = NULL;
	int *fold = NULL;
	int64_t *yte = NULL;
	double *wte = NULL, *auc = NULL;
	mc_matrix *P = NULL, view;
	mc_cv_auc *cv = NULL;
	mc_row_source src;
	mc_cv_opts o;
	int rc;

	*out = NULL;
	if (n_classes == 0)
		for (size_t i = 0; i < n; i++)
			if (y[i] >= 0 && (size_t)y[i] + 1 > n_classes)
				n_classes = (size_t)y[i] + 1;
	mc_row_source_matrix(&src, X);
	mc_cv_opts_init(&o);
	o.folds = folds;
	o.seed = seed;
	o.name = "cross_val_auc";
	rc = mc_cross_val_proba(&P, &fold, &src, y, w, n_classes, &o, p, prog, err);
	if (rc != 0)
		return rc;
	te = malloc((n ? n : 1) * sizeof *te);
	yte = malloc((n ? n : 1) * sizeof *yte);
	wte = malloc((n ? n : 1) * sizeof *wte);
	auc = malloc(n_classes * sizeof *auc);
	defined = calloc(n_classes, sizeof *defined);
	cv = calloc(1, sizeof *cv);
	if (te == NULL || yte == NULL || wte == NULL || auc == NULL || defined == NULL ||
	    cv == NULL) {
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
	view.cols = n_classes;
	view.stride = P->stride;
	view.owns = 0;
	/* Each fold's AUC from its own model's probabilities: the rows of the
	 * fold, gathered in order, as one view per fold. */
	for (size_t f = 0; f < folds; f++) {
		size_t nte = 0;
		mc_matrix *Pf = NULL;
		for (size_t i = 0; i < n; i++)
			if (fold[i] >= 0 && (size_t)fold[i] == f) {
				te[nte] = i;
				yte[nte] = y[i];
				wte[nte++] = w != NULL ? w[i] : 1.0;
			}
		view.rows = n;
		view.data = P->data;
		rc = mc_matrix_gather_rows(&Pf, &view, te, nte, err);
		if (rc == 0)
			rc = mc_roc_auc_ovr(auc, &cv->fold_macro[f], yte, Pf, wte, err);
		mc_matrix_free(Pf);
		if (rc != 0) {
			mc_error_prefix(err, "cross_val_auc: fold %zu of %zu", f + 1, folds);
			goto cleanup;
		}
		for (size_t c = 0; c < n_classes; c++)
			if (!isnan(auc[c])) {
				cv->per_class[c] += auc[c];
				defined[c]++;
			}
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
	free(te);
	free(yte);
	free(wte);
	free(auc);
	free(defined);
	mc_matrix_free(P);
	mc_cv_auc_free(cv);
	return rc;
}
