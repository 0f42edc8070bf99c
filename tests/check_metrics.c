/* Tests of runtime/metrics.c against scikit-learn 1.2.1 (expected values in
 * tests/data/learn/metrics.json and cv.json). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "learn_fixture.h"
#include "maskclean/metrics.h"

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

static Suite *s_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_confusion_and_pick);
	tcase_add_loop_test(tc, test_report, 0, 2);
	tcase_add_test(tc, test_roc_auc);
	tcase_add_test(tc, test_cross_val_auc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(s_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
