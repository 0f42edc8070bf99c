/* Tests of runtime/metrics.c against scikit-learn 1.2.1 (expected values in
 * tests/data/learn/metrics.json and cv.json). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "learn_fixture.h"
#include "maskclean/metrics.h"
#include "maskclean/rng.h"
#include "maskclean/split.h"
#include "suite_run.h"

START_TEST(test_confusion_and_pick)
{
	json_t *root = fx_load("metrics.json");
	size_t k = (size_t)fx_num(root, "k"), n, t, p;
	int64_t *yt = fx_ints(json_object_get(root, "y_true"));
	int64_t *yp = fx_ints(json_object_get(root, "y_pred"));
	mc_matrix *counts = fx_matrix(json_object_get(root, "counts"));
	mc_matrix *norm = fx_matrix(json_object_get(root, "normalized"));
	json_t *pick = json_object_get(root, "pick");
	mc_confusion *cm = NULL;
	mc_error err = { 0 };
	double v;

	n = json_array_size(json_object_get(root, "y_true"));
	ck_assert_int_eq(mc_confusion_new(&cm, yt, yp, NULL, n, k, &err), 0);
	for (size_t i = 0; i < k * k; i++) {
		ck_assert_double_eq(cm->counts[i], counts->data[i]);
		fx_assert_close(cm->norm[i], norm->data[i], 1e-15, "normalized");
	}
	ck_assert_int_eq(mc_confusion_pick(cm, &t, &p, &v, &err), 0);
	ck_assert_uint_eq(t, (size_t)fx_num(pick, "true"));
	ck_assert_uint_eq(p, (size_t)fx_num(pick, "predicted"));
	fx_assert_close(v, fx_num(pick, "value"), 1e-15, "pick value");
	mc_confusion_free(cm);

	yp[5] = (int64_t)k;
	ck_assert_int_eq(mc_confusion_new(&cm, yt, yp, NULL, n, k, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(cm);
	ck_assert_msg(strstr(err.text, "y_pred: sample 5 has label 5; expected 0..4") != NULL,
	              "%s", err.text);
	mc_error_clear(&err);
	/* a perfect classifier confuses nothing */
	ck_assert_int_eq(mc_confusion_new(&cm, yt, yt, NULL, n, k, &err), 0);
	ck_assert_int_eq(mc_confusion_pick(cm, &t, &p, &v, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "confuses no two classes") != NULL, "%s", err.text);
	mc_confusion_free(cm);
	free(yt);
	free(yp);
	mc_matrix_free(counts);
	mc_matrix_free(norm);
	json_decref(root);
}
END_TEST

/* _i: 0 unweighted, 1 weighted */
START_TEST(test_report)
{
	json_t *root = fx_load("metrics.json");
	size_t k = (size_t)fx_num(root, "k");
	size_t n = json_array_size(json_object_get(root, "y_true"));
	int64_t *yt = fx_ints(json_object_get(root, "y_true"));
	int64_t *yp = fx_ints(json_object_get(root, "y_pred"));
	double *w = _i ? fx_doubles(json_object_get(root, "w")) : NULL;
	double *pr = fx_doubles(json_object_get(root, _i ? "weighted_precision" : "precision"));
	double *re = fx_doubles(json_object_get(root, _i ? "weighted_recall" : "recall"));
	double *f1 = fx_doubles(json_object_get(root, _i ? "weighted_f1" : "f1"));
	mc_confusion *cm = NULL;
	mc_class_report *r = NULL;
	mc_error err = { 0 };

	ck_assert_int_eq(mc_confusion_new(&cm, yt, yp, w, n, k, &err), 0);
	ck_assert_int_eq(mc_class_report_new(&r, cm, &err), 0);
	for (size_t c = 0; c < k; c++) {
		fx_assert_close(r->precision[c], pr[c], 1e-12, "precision");
		fx_assert_close(r->recall[c], re[c], 1e-12, "recall");
		fx_assert_close(r->f1[c], f1[c], 1e-12, "f1");
	}
	fx_assert_close(r->accuracy, fx_num(root, _i ? "weighted_accuracy" : "accuracy"), 1e-12,
	                "accuracy");
	if (!_i) {
		double *sup = fx_doubles(json_object_get(root, "support"));
		for (size_t c = 0; c < k; c++)
			ck_assert_double_eq(r->support[c], sup[c]);
		free(sup);
	}
	mc_class_report_free(r);
	mc_confusion_free(cm);
	free(yt);
	free(yp);
	free(w);
	free(pr);
	free(re);
	free(f1);
	json_decref(root);
}
END_TEST

START_TEST(test_roc_auc)
{
	json_t *root = fx_load("metrics.json");
	size_t nb = json_array_size(json_object_get(root, "binary_y"));
	int64_t *yb = fx_ints(json_object_get(root, "binary_y"));
	double *sb = fx_doubles(json_object_get(root, "binary_score"));
	double *wb = fx_doubles(json_object_get(root, "binary_w"));
	int64_t *yt = fx_ints(json_object_get(root, "y_true"));
	mc_matrix *proba = fx_matrix(json_object_get(root, "proba"));
	double *ovr = fx_doubles(json_object_get(root, "ovr_auc"));
	unsigned char *pos = malloc(nb);
	double auc, per[5], macro;
	mc_error err = { 0 };

	for (size_t i = 0; i < nb; i++)
		pos[i] = yb[i] != 0;
	ck_assert_int_eq(mc_roc_auc_binary(&auc, pos, sb, NULL, nb, &err), 0);
	fx_assert_close(auc, fx_num(root, "binary_auc"), 1e-12, "binary AUC with ties");
	ck_assert_int_eq(mc_roc_auc_binary(&auc, pos, sb, wb, nb, &err), 0);
	fx_assert_close(auc, fx_num(root, "binary_auc_weighted"), 1e-12, "weighted AUC");

	ck_assert_int_eq(mc_roc_auc_ovr(per, &macro, yt, proba, NULL, &err), 0);
	for (size_t c = 0; c < 5; c++)
		fx_assert_close(per[c], ovr[c], 1e-12, "one-vs-rest AUC");
	fx_assert_close(macro, fx_num(root, "ovr_macro"), 1e-12, "macro AUC");

	memset(pos, 1, nb);
	ck_assert_int_eq(mc_roc_auc_binary(&auc, pos, sb, NULL, nb, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "only one class present") != NULL, "%s", err.text);
	free(pos);
	free(yb);
	free(sb);
	free(wb);
	free(yt);
	free(ovr);
	mc_matrix_free(proba);
	json_decref(root);
}
END_TEST

static int s_count(void *ctx, size_t done, size_t total, const char *what)
{
	int *calls = ctx;

	(void)done; (void)total;
	ck_assert_msg(strstr(what, "cross_val_auc") != NULL, "progress says '%s'", what);
	return ++*calls > 1000000;
}

static int s_stop_in_fold_2(void *ctx, size_t done, size_t total, const char *what)
{
	(void)ctx; (void)done; (void)total;
	return strstr(what, "fold 2 of") != NULL;
}

START_TEST(test_cross_val_auc)
{
	json_t *root = fx_load("cv.json");
	mc_matrix *X = fx_matrix(json_object_get(root, "X"));
	int64_t *y = fx_ints(json_object_get(root, "y"));
	double *w = fx_doubles(json_object_get(root, "w"));
	double *per = fx_doubles(json_object_get(root, "per_class"));
	double *fm = fx_doubles(json_object_get(root, "fold_macro"));
	size_t folds = (size_t)fx_num(root, "folds");
	mc_logreg_params p;
	mc_cv_auc *cv = NULL;
	mc_error err = { 0 };
	int calls = 0;
	mc_progress prog = { s_count, &calls }, stop = { s_stop_in_fold_2, NULL };

	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.tol = 1e-10;
	p.max_iter = 10000;
	ck_assert_msg(mc_cross_val_auc(&cv, X, y, w, 0, folds, (uint64_t)fx_num(root, "seed"), &p,
	                               &prog, &err) == 0, "%s", err.text);
	ck_assert_int_gt(calls, 0);
	ck_assert_uint_eq(cv->n_classes, 3);
	for (size_t c = 0; c < 3; c++)
		fx_assert_close(cv->per_class[c], per[c], 1e-9, "cross-validated AUC");
	for (size_t f = 0; f < folds; f++)
		fx_assert_close(cv->fold_macro[f], fm[f], 1e-9, "fold macro AUC");
	fx_assert_close(cv->macro, fx_num(root, "macro"), 1e-9, "macro AUC");
	mc_cv_auc_free(cv);
	cv = NULL;

	ck_assert_int_eq(mc_cross_val_auc(&cv, X, y, w, 0, folds, 7, &p, &stop, &err),
	                 MC_ERR_INTERRUPTED);
	ck_assert_ptr_null(cv);
	ck_assert_msg(strstr(err.text, "interrupted") != NULL, "%s", err.text);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_cross_val_auc(&cv, X, y, w, 0, 1, 7, &p, NULL, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "folds is 1; expected at least 2") != NULL, "%s", err.text);
	mc_matrix_free(X);
	free(y);
	free(w);
	free(per);
	free(fm);
	json_decref(root);
}
END_TEST

/* ------------------------------------------------------------ out of fold */

/* n rows of 3 classes: centres 3 e_0, 3 e_1, 3 e_0 + off e_2 (class 2 is
 * the small one); every tenth row of class 1 is a class-0 sample (a wrong
 * label). The generator is maskclean's own (split.h), so a seed gives the
 * same rows everywhere. */
static mc_matrix *s_three(size_t nA, size_t nB, size_t nC, double off, uint64_t seed,
                          int64_t **y)
{
	size_t n = nA + nB + nC, d = 4;
	mc_matrix *X = NULL;
	mc_error err = { 0 };
	mc_rng r;

	ck_assert_int_eq(mc_matrix_new(&X, n, d, &err), 0);
	*y = malloc(n * sizeof **y);
	mc_rng_seed_splitmix(&r, seed);
	for (size_t i = 0; i < n; i++) {
		int c = i < nA ? 0 : i < nA + nB ? 1 : 2, src = c;
		if (c == 1 && (i - nA) % 10 == 0)
			src = 0;
		(*y)[i] = c;
		for (size_t j = 0; j < d; j++) {
			double m = 0;
			if ((src == 0 || src == 2) && j == 0)
				m = 3;
			if (src == 1 && j == 1)
				m = 3;
			if (src == 2 && j == 2)
				m = off;
			MC_AT(X, i, j) = mc_rng_normal(&r) + m;
		}
	}
	return X;
}

static void s_lr(mc_logreg_params *p)
{
	mc_logreg_params_init(p);
	p->class_weight = MC_CW_BALANCED;
	p->n_classes = 3;
	p->max_iter = 200;
}

/* Each kept row's probabilities come from the model trained on the other
 * folds (checked against fits made here); removed rows are 0 with fold -1;
 * groups keep their members in one fold. */
START_TEST(test_cross_val_proba)
{
	int64_t *y, *g = malloc(90 * sizeof *g);
	mc_matrix *X = s_three(40, 40, 10, 2.0, 5, &y), *P = NULL, *Pg = NULL;
	double w[90];
	int *fold = NULL, *gfold = NULL;
	mc_row_source src;
	mc_cv_opts o;
	mc_logreg_params p;
	mc_error err = { 0 };

	for (size_t i = 0; i < 90; i++) {
		w[i] = i == 7 ? 0.0 : 1.0;
		g[i] = (int64_t)(i / 3);
	}
	mc_row_source_matrix(&src, X);
	mc_cv_opts_init(&o);
	o.folds = 3;
	o.seed = 4;
	s_lr(&p);
	ck_assert_msg(mc_cross_val_proba(&P, &fold, &src, y, w, 3, &o, &p, NULL, &err) == 0, "%s",
	              err.text);
	ck_assert_uint_eq(P->rows, 90);
	ck_assert_uint_eq(P->cols, 3);
	ck_assert_int_eq(fold[7], -1);
	for (size_t c = 0; c < 3; c++)
		ck_assert(MC_AT(P, 7, c) == 0.0);
	for (int f = 0; f < 3; f++) {
		size_t tr[90], te[90], ntr = 0, nte = 0;
		int64_t ytr[90];
		double wtr[90];
		mc_matrix *Xtr = NULL, *Xte = NULL, *pr = NULL;
		mc_logreg *lr = NULL;
		for (size_t i = 0; i < 90; i++) {
			if (fold[i] < 0)
				continue;
			if (fold[i] == f) {
				te[nte++] = i;
			} else {
				ytr[ntr] = y[i];
				wtr[ntr] = w[i];
				tr[ntr++] = i;
			}
		}
		ck_assert_uint_gt(nte, 0);
		ck_assert_int_eq(mc_matrix_gather_rows(&Xtr, X, tr, ntr, &err), 0);
		ck_assert_int_eq(mc_matrix_gather_rows(&Xte, X, te, nte, &err), 0);
		ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
		ck_assert_int_eq(mc_logreg_fit(lr, Xtr, ytr, wtr, NULL, &err), 0);
		ck_assert_int_eq(mc_logreg_proba(&pr, lr, Xte, &err), 0);
		for (size_t q = 0; q < nte; q++)
			for (size_t c = 0; c < 3; c++)
				ck_assert(MC_AT(pr, q, c) == MC_AT(P, te[q], c));
		mc_matrix_free(Xtr);
		mc_matrix_free(Xte);
		mc_matrix_free(pr);
		mc_logreg_free(lr);
	}
	o.groups = g;
	ck_assert_int_eq(mc_cross_val_proba(&Pg, &gfold, &src, y, w, 3, &o, &p, NULL, &err), 0);
	for (size_t i = 0; i < 90; i++)
		if (i != 7 && i % 3 != 0 && i - 1 != 7)
			ck_assert_int_eq(gfold[i], gfold[i - 1]);
	mc_matrix_free(P);
	mc_matrix_free(Pg);
	free(fold);
	free(gfold);
	free(g);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* The matrix of out-of-fold probabilities: counts of their argmax, and the
 * expected wrong labels of each cell, 1 - p(label) after the prior
 * adjustment (here the mean probabilities already equal the label
 * frequencies, so it changes nothing). */
START_TEST(test_confusion_from_proba)
{
	static double p[4][2] = { { 0.9, 0.1 }, { 0.3, 0.7 }, { 0.2, 0.8 }, { 0.6, 0.4 } };
	static const int64_t y[4] = { 0, 0, 1, 1 };
	mc_matrix P = { 4, 2, 2, &p[0][0], 0 };
	mc_confusion *cm = NULL;
	mc_error err = { 0 };

	ck_assert_int_eq(mc_confusion_from_proba(&cm, y, &P, NULL, &err), 0);
	ck_assert(cm->counts[0] == 1 && cm->counts[1] == 1 && cm->counts[2] == 1 &&
	          cm->counts[3] == 1);
	ck_assert(fabs(cm->expected[0] - 0.1) < 1e-12);  /* sample 0 */
	ck_assert(fabs(cm->expected[1] - 0.7) < 1e-12);  /* sample 1, predicted 1 */
	ck_assert(fabs(cm->expected[2] - 0.6) < 1e-12);  /* sample 3, predicted 0 */
	ck_assert(fabs(cm->expected[3] - 0.2) < 1e-12);  /* sample 2 */
	mc_confusion_free(cm);
}
END_TEST

/* Pairs in each rule's order; a pair whose true class has too few samples
 * is skipped (and counted), the article's rule stays the old pick. */
START_TEST(test_pairs_and_choose)
{
	/* true 0: 100 samples, 10 predicted 1; true 1: 50, 2 predicted 2;
	 * true 2: 4, 3 predicted 0 */
	int64_t yt[154], yp[154];
	mc_confusion *cm = NULL;
	mc_confusion_pair *v = NULL;
	mc_pick pk;
	size_t n, t, p, i = 0;
	double val;
	mc_error err = { 0 };

	for (size_t k = 0; k < 100; k++, i++) {
		yt[i] = 0;
		yp[i] = k < 10 ? 1 : 0;
	}
	for (size_t k = 0; k < 50; k++, i++) {
		yt[i] = 1;
		yp[i] = k < 2 ? 2 : 1;
	}
	for (size_t k = 0; k < 4; k++, i++) {
		yt[i] = 2;
		yp[i] = k < 3 ? 0 : 2;
	}
	ck_assert_int_eq(mc_confusion_new(&cm, yt, yp, NULL, 154, 3, &err), 0);
	ck_assert_int_eq(mc_confusion_pairs(&v, &n, cm, MC_PICK_EXPECTED_ERRORS, 10, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(v[0].t == 0 && v[0].p == 1 && v[0].count == 10 && v[0].support == 100 &&
	          v[0].expected == 10 && !v[0].skipped);
	ck_assert(v[1].t == 2 && v[1].p == 0 && v[1].skipped && fabs(v[1].rate - 0.75) < 1e-15);
	ck_assert(v[2].t == 1 && v[2].p == 2);
	free(v);
	ck_assert_int_eq(mc_confusion_pairs(&v, &n, cm, MC_PICK_ARTICLE, 0, &err), 0);
	ck_assert(v[0].t == 2 && v[0].p == 0);
	free(v);
	/* expected errors: class 0 (its wrong labels are labelled 0) */
	ck_assert_int_eq(mc_confusion_choose(&pk, cm, MC_PICK_EXPECTED_ERRORS, 10, &err), 0);
	ck_assert(pk.cls == 0 && pk.pair.p == 1 && pk.skipped == 0);
	/* with a minimum above every support, the error names the best pair */
	ck_assert_int_eq(mc_confusion_choose(&pk, cm, MC_PICK_EXPECTED_ERRORS, 120, &err),
	                 MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "fewer than min_support=120 samples (the best, class 0 "
	                     "predicted as 1, has 100)") != NULL, "%s", err.text);
	mc_error_clear(&err);
	/* the article's rule: the 4-sample row's rate 0.75; class of interest is
	 * the predicted class, as mc_confusion_pick */
	ck_assert_int_eq(mc_confusion_choose(&pk, cm, MC_PICK_ARTICLE, 0, &err), 0);
	ck_assert(pk.cls == 0 && pk.pair.t == 2 && pk.rule == MC_PICK_ARTICLE);
	ck_assert_int_eq(mc_confusion_pick(cm, &t, &p, &val, &err), 0);
	ck_assert(t == pk.pair.t && p == pk.pair.p && val == pk.pair.rate);
	/* a minimum support moves the article's rule off the small row */
	ck_assert_int_eq(mc_confusion_choose(&pk, cm, MC_PICK_ARTICLE, 10, &err), 0);
	ck_assert(pk.pair.t == 0 && pk.cls == 1 && pk.skipped == 1);
	mc_confusion_free(cm);
	ck_assert_int_eq(mc_pick_rule_parse(&pk.rule, "article", &err), 0);
	ck_assert_str_eq(mc_pick_rule_name(pk.rule), "article");
	ck_assert_int_eq(mc_pick_rule_parse(&pk.rule, "largest", &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "rule: expected \"expected_errors\" or \"article\", got "
	                           "\"largest\"");
}
END_TEST

/* The case: a class of 8 samples beside two of 300, one of which
 * holds 30 wrong labels. The one-split article rule sees the small class's
 * 2 test samples, both misclassified (rate 1), and sends the review to a
 * class without errors; the out-of-fold matrix ranked by expected wrong
 * labels picks the class that holds them. */
START_TEST(test_oof_pick_where_one_split_fails)
{
	int64_t *y, *ytr, *yte, *pred = NULL;
	mc_matrix *X = s_three(300, 300, 8, 2.0, 2, &y), *Xtr = NULL, *Xte = NULL, *P = NULL;
	size_t *tr = NULL, *te = NULL, ntr, nte, n = 608;
	mc_logreg *lr = NULL;
	mc_logreg_params p;
	mc_confusion *cm = NULL;
	mc_row_source src;
	mc_cv_opts o;
	mc_pick pk;
	mc_error err = { 0 };

	s_lr(&p);
	ck_assert_int_eq(mc_split_train_test(&tr, &ntr, &te, &nte, y, NULL, n, 3, 0.25, 0, &err),
	                 0);
	ytr = malloc(ntr * sizeof *ytr);
	yte = malloc(nte * sizeof *yte);
	for (size_t i = 0; i < ntr; i++)
		ytr[i] = y[tr[i]];
	for (size_t i = 0; i < nte; i++)
		yte[i] = y[te[i]];
	ck_assert_int_eq(mc_matrix_gather_rows(&Xtr, X, tr, ntr, &err), 0);
	ck_assert_int_eq(mc_matrix_gather_rows(&Xte, X, te, nte, &err), 0);
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	ck_assert_int_eq(mc_logreg_fit(lr, Xtr, ytr, NULL, NULL, &err), 0);
	ck_assert_int_eq(mc_logreg_predict(&pred, lr, Xte, &err), 0);
	ck_assert_int_eq(mc_confusion_new(&cm, yte, pred, NULL, nte, 3, &err), 0);
	ck_assert_int_eq(mc_confusion_choose(&pk, cm, MC_PICK_ARTICLE, 0, &err), 0);
	ck_assert_msg(pk.pair.t == 2 && pk.pair.support == 2 && pk.pair.rate == 1.0,
	              "one split: %zu -> %zu, rate %g of %g", pk.pair.t, pk.pair.p, pk.pair.rate,
	              pk.pair.support);
	ck_assert_uint_ne(pk.cls, 1);
	mc_confusion_free(cm);
	cm = NULL;

	mc_row_source_matrix(&src, X);
	mc_cv_opts_init(&o);
	ck_assert_int_eq(mc_cross_val_proba(&P, NULL, &src, y, NULL, 3, &o, &p, NULL, &err), 0);
	ck_assert_int_eq(mc_confusion_from_proba(&cm, y, P, NULL, &err), 0);
	ck_assert_int_eq(mc_confusion_choose(&pk, cm, MC_PICK_EXPECTED_ERRORS, 10, &err), 0);
	ck_assert_msg(pk.cls == 1 && pk.pair.t == 1 && pk.pair.p == 0, "out of fold: %zu -> %zu",
	              pk.pair.t, pk.pair.p);
	mc_confusion_free(cm);
	mc_matrix_free(P);
	mc_matrix_free(Xtr);
	mc_matrix_free(Xte);
	mc_logreg_free(lr);
	free(pred);
	free(tr);
	free(te);
	free(ytr);
	free(yte);
	free(y);
	mc_matrix_free(X);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_confusion_and_pick);
	tcase_add_loop_test(tc, test_report, 0, 2);
	tcase_add_test(tc, test_roc_auc);
	tcase_add_test(tc, test_cross_val_auc);
	tcase_add_test(tc, test_cross_val_proba);
	tcase_add_test(tc, test_confusion_from_proba);
	tcase_add_test(tc, test_pairs_and_choose);
	tcase_add_test(tc, test_oof_pick_where_one_split_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
