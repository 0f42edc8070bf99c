/* Tests of kernel/bind_learn.c through the interpreter: the learn functions
 * as a notebook calls them (values, attributes, errors, displays). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>

#include "lang_fixture.h"
#include "maskclean/canvas.h"
#include "suite_run.h"
#include "testutil.h"

static double s_float(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	double d;

	ck_assert_msg(v != NULL && (mc_type(v) == MC_T_FLOAT || mc_type(v) == MC_T_INT),
	              "%s is not a number", code);
	d = mc_as_float(v);
	mc_unref(v);
	return d;
}

/* Three well separated classes, 8 samples each, 2 features. */
static const char *s_setup =
	"X = array([[0.0, 0.1], [0.2, 0.0], [0.1, 0.3], [0.3, 0.2], [0.0, 0.4], [0.4, 0.1], [0.2, 0.2], [0.1, 0.0],"
	" [3.0, 0.1], [3.2, 0.0], [3.1, 0.3], [3.3, 0.2], [2.9, 0.4], [3.4, 0.1], [3.2, 0.2], [1.5, 0.1],"
	" [0.0, 3.1], [0.2, 3.0], [0.1, 3.3], [0.3, 3.2], [0.0, 2.9], [0.4, 3.1], [0.2, 3.2], [0.1, 3.0]])\n"
	"y = array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2])\n";

START_TEST(test_pipeline)
{
	mc_interp *in = mc_interp_new();
	mc_value *v;
	json_t *data = NULL, *meta = NULL;
	mc_error err = { 0 };

	mc_unref(s_run(in, s_setup));
	/* PCA */
	mc_unref(s_run(in, "pca = PCA(n_components=2)\nZ = pca.fit_transform(X)"));
	ck_assert(fabs(s_float(in, "sum(pca.explained_variance_ratio_)") - 1.0) < 1e-12);
	ck_assert_int_eq((int)s_float(in, "len(Z)"), 24);
	ck_assert(fabs(s_float(in, "abs(pca.transform(X) - Z).max()")) < 1e-9);
	s_fails(in, "PCA(n_components=3).fit(X)", "ValueError", "n_components=3 must be at most");
	s_fails(in, "PCA(solver=\"magic\")", "ValueError", "unknown solver \"magic\"");
	s_fails(in, "PCA().components_", "StateError", "not fitted");

	/* split */
	mc_unref(s_run(in, "Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=1)"));
	ck_assert_int_eq((int)s_float(in, "len(yte)"), 6);
	ck_assert_int_eq((int)s_float(in, "len(Xtr)"), 18);

	/* logistic regression */
	mc_unref(s_run(in, "clf = LogisticRegression(C=10.0, class_weight=\"balanced\", max_iter=500)\n"
	                   "clf.fit(X, y)"));
	ck_assert(s_float(in, "clf.score(X, y)") >= 23.0 / 24.0);
	ck_assert(fabs(s_float(in, "clf.predict_proba(X).sum()") - 24.0) < 1e-9);
	ck_assert_int_eq((int)s_float(in, "clf.predict(X)[16]"), 2);
	ck_assert(s_float(in, "clf.n_iter_") >= 1);
	s_fails(in, "clf.fit(X, [0, 1])", "ShapeError", "X has 24 rows but y has 2");
	s_fails(in, "LogisticRegression(C=-1)", "ValueError", "C is -1");
	s_fails(in, "LogisticRegression().predict(X)", "StateError", "not fitted");
	s_fails(in, "LogisticRegression().coef_", "StateError", "not fitted");
	s_fails(in, "PCA(2).fit(X, mpi=3)", "TypeError", "mpi must be a Cluster");
	s_fails(in, "clf.fit(X, y, sample_weight=[1, 2])", "ShapeError",
	        "sample_weight has 2 entries, expected 24");
	mc_unref(s_run(in, "clf2 = LogisticRegression(class_weight={0: 2.0, 2: 0.5}).fit(X, y)"));
	ck_assert(s_float(in, "clf2.score(X, y)") > 0.9);

	/* confusion matrix and the class of interest: sample 15 (class 1) sits
	 * between the clusters */
	mc_unref(s_run(in, "yp = array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 0,"
	                   " 2, 2, 2, 2, 2, 2, 2, 2])\n"
	                   "cm = confusion_matrix(y, yp, classes=[\"apple\", \"orange\", \"pear\"])"));
	v = s_run(in, "cm.pick_class(rule=\"article\")");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "true")), "orange");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "predicted")), "apple");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "class")), "apple");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "rule")), "article");
	ck_assert(fabs(mc_as_float(mc_dict_get(v, "value")) - 0.125) < 1e-15);
	mc_unref(v);
	/* every class has 8 samples, under the default minimum support */
	s_fails(in, "cm.pick_class()", "ValueError",
	        "fewer than min_support=10 samples (the best, \"orange\" predicted as \"apple\", has 8)");
	v = s_run(in, "cm.pick_class(min_support=8)");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "class")), "orange");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "rule")), "expected_errors");
	ck_assert_int_eq(mc_as_int(mc_dict_get(v, "support")), 8);
	mc_unref(v);
	ck_assert(fabs(s_float(in, "cm.normalized[1][1]") - 0.75) < 1e-15);
	ck_assert_int_eq((int)s_float(in, "cm.counts[1][2]"), 1);
	v = s_run(in, "cm");
	ck_assert_int_eq(mc_value_bundle(v, &data, &meta, &err), 0);
	ck_assert_msg(json_object_get(data, "image/png") != NULL, "no heatmap PNG");
	ck_assert(strstr(json_string_value(json_object_get(data, "text/plain")),
	                 "skipped: support < 10") != NULL);
	json_decref(data);
	json_decref(meta);
	mc_unref(v);

	v = s_run(in, "classification_report(y, yp, classes=[\"apple\", \"orange\", \"pear\"])");
	ck_assert_int_eq(mc_value_bundle(v, &data, &meta, &err), 0);
	ck_assert(strstr(json_string_value(json_object_get(data, "text/html")), "orange") != NULL);
	json_decref(data);
	json_decref(meta);
	mc_unref(v);
	ck_assert(fabs(s_float(in, "classification_report(y, yp).recall[1]") - 0.75) < 1e-15);
	ck_assert(fabs(s_float(in, "accuracy_score(y, yp)") - 22.0 / 24.0) < 1e-15);

	/* AUC */
	ck_assert(fabs(s_float(in, "roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])") - 0.75) < 1e-15);
	ck_assert(fabs(s_float(in, "roc_auc(y, clf.predict_proba(X))[\"macro\"]")) > 0.95);
	mc_unref(s_run(in, "w = [1.0] * 24\nw[15] = 0.0\n"
	                   "cv = cross_val_auc(X, y, sample_weight=w, folds=3, seed=0)"));
	ck_assert(s_float(in, "cv[\"macro\"]") > 0.95);
	ck_assert_int_eq((int)s_float(in, "len(cv[\"folds\"])"), 3);
	s_fails(in, "cross_val_auc(X, y, folds=1)", "ValueError", "folds is 1");
	mc_interp_free(in);
}
END_TEST

/* The heatmap's height in the display metadata. */
static int64_t s_png_height(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	json_t *data = NULL, *meta = NULL;
	mc_error err = { 0 };
	int64_t w;

	ck_assert_int_eq(mc_value_bundle(v, &data, &meta, &err), 0);
	ck_assert_ptr_nonnull(json_object_get(data, "image/png"));
	w = json_integer_value(json_object_get(json_object_get(meta, "image/png"), "height"));
	json_decref(data);
	json_decref(meta);
	mc_unref(v);
	return w;
}

/* Out-of-fold predictions and the pick they lead to: 150 apples, 150
 * oranges of which 15 look like apples (wrong labels), 6 pears. */
START_TEST(test_out_of_fold_pick)
{
	mc_interp *in = mc_interp_new();
	char *code = malloc(65536);
	size_t len = 0;
	uint64_t st = 12345;
	mc_value *v;

	len += (size_t)snprintf(code + len, 65536 - len, "X = array([");
	for (size_t i = 0; i < 306; i++) {
		int c = i < 150 ? 0 : i < 300 ? 1 : 2, src = c == 1 && i % 10 == 0 ? 0 : c;
		double u[2];
		for (int k = 0; k < 2; k++) {
			st = st * 6364136223846793005ULL + 1442695040888963407ULL;
			u[k] = (double)(st >> 11) * 0x1.0p-53 - 0.5;
		}
		len += (size_t)snprintf(code + len, 65536 - len, "%s[%.4f, %.4f]", i ? ", " : "",
		                        u[0] + (src == 1 ? 3.0 : 0.0), u[1] + (src == 2 ? 3.0 : 0.0));
	}
	len += (size_t)snprintf(code + len, 65536 - len, "])\ny = array([");
	for (size_t i = 0; i < 306; i++)
		len += (size_t)snprintf(code + len, 65536 - len, "%s%d", i ? ", " : "",
		                        i < 150 ? 0 : i < 300 ? 1 : 2);
	snprintf(code + len, 65536 - len, "])\nnames = [\"apple\", \"orange\", \"pear\"]\n"
	         "clf = LogisticRegression(class_weight=\"balanced\", max_iter=300)");
	mc_unref(s_run(in, code));
	free(code);
	mc_unref(s_run(in, "P = cross_val_predict(clf, X, y, method=\"predict_proba\")\n"
	                   "p = cross_val_predict(clf, X, y)"));
	ck_assert(fabs(s_float(in, "P.sum()") - 306.0) < 1e-9);
	ck_assert_int_eq((int)s_float(in, "len(P[0])"), 3);
	ck_assert_int_eq((int)s_float(in, "p[150]"), 0);   /* a wrong label, out of fold */
	ck_assert_int_eq((int)s_float(in, "p[151]"), 1);
	mc_unref(s_run(in, "cm = confusion_matrix(y, P, classes=names)\npick = cm.pick_class()"));
	v = s_run(in, "pick");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "class")), "orange");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "predicted")), "apple");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "rule")), "expected_errors");
	ck_assert_int_eq(mc_as_int(mc_dict_get(v, "support")), 150);
	ck_assert(mc_as_float(mc_dict_get(v, "expected_errors")) > 10);
	mc_unref(v);
	s_fails(in, "cross_val_predict(clf, X, y, method=\"scores\")", "ValueError",
	        "method must be \"predict\" or \"predict_proba\"");
	s_fails(in, "cross_val_predict(pick, X, y)", "TypeError", "LogisticRegression");

	/* A pair ranked above the pick is skipped for its support, with a
	 * warning that names it. */
	mc_unref(s_run(in, "yp = array(list(y))\n"
	                   "yp[150] = 0; yp[160] = 0; yp[170] = 0; yp[180] = 0\n"
	                   "yp[300] = 0; yp[301] = 0; yp[302] = 0; yp[303] = 0; yp[304] = 0\n"
	                   "yp[305] = 0\n"
	                   "cl = confusion_matrix(y, yp, classes=names)"));
	v = s_run_output(in, "cl.pick_class(min_support=10)");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "class")), "orange");
	ck_assert_int_eq(mc_as_int(mc_dict_get(v, "skipped")), 1);
	mc_unref(v);
	ck_assert_msg(strstr(s_output(), "Warning: pick_class() skipped 1 pair ranked above its pick, "
	                            "because the true class has fewer than min_support=10 samples "
	                            "(too few to trust): \"pear\" predicted as \"apple\" (6 samples, "
	                            "6.0 expected wrong labels)") != NULL, "%s", s_output());
	{
		char *r = s_repr(in, "cl.pairs(n=3)");
		ck_assert_msg(strstr(r, "skipped: support < 10") != NULL, "%s", r);
		free(r);
		r = s_repr(in, "cl");
		ck_assert_msg(strstr(r, "pick_class() (rule \"expected_errors\"): review \"orange\"") !=
		              NULL, "%s", r);
		free(r);
	}
	v = s_run_output(in, "cl.pick_class(rule=\"article\")");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "class")), "apple");
	ck_assert_str_eq(mc_as_str(mc_dict_get(v, "true")), "pear");
	ck_assert_str_eq(s_output(), "");
	mc_unref(v);

	/* An empty category stays off the heatmap unless asked for. */
	ck_assert(s_png_height(in, "confusion_matrix(y, P, classes=names + [\"kiwi\"])") <
	          s_png_height(in, "confusion_matrix(y, P, classes=names + [\"kiwi\"], "
	                          "show_empty=true)"));
	{
		char *r = s_repr(in, "confusion_matrix(y, P, classes=names + [\"kiwi\"])");
		ck_assert_msg(strstr(r, "ConfusionMatrix (3 classes;") != NULL &&
		              strstr(r, "(1 classes without samples left out") != NULL &&
		              strstr(r, "kiwi") == NULL, "%s", r);
		free(r);
	}

	/* AUC: folds above the smallest class's size name it; an empty class has
	 * no AUC and is left out of the macro average. */
	s_fails(in, "cross_val_auc(X, y, folds=10, classes=names)", "ValueError",
	        "cross_val_auc(): folds=10 but class \"pear\" (class 2) has only 6 samples; every "
	        "class needs at least one per fold: use folds=6 or fewer");
	s_fails(in, "cross_val_auc(X, y, folds=7)", "ValueError", "but class 2 has only 6 samples");
	mc_unref(s_run(in, "y3 = array(list(y))\n"
	                   "y3[300] = 3; y3[301] = 3; y3[302] = 3; y3[303] = 3; y3[304] = 3\n"
	                   "y3[305] = 3\ncv3 = cross_val_auc(X, y3, folds=3)"));
	{
		char *r = s_repr(in, "cv3[\"per_class\"]");
		ck_assert_msg(strstr(r, "nan") != NULL, "%s", r);
		free(r);
	}
	ck_assert(s_float(in, "cv3[\"macro\"]") > 0.5);
	mc_interp_free(in);
}
END_TEST

/* Runs in the test's process (fork or not): releases Cairo's and
 * fontconfig's caches so leak checkers see a clean exit. */
static void s_teardown(void)
{
	mc_canvas_shutdown();
	FcFini();
}

/* A float32 .npy of the rows of s_setup's X (values exact in float32). */
static void s_write_f32_npy(const char *path)
{
	static const float x[24][2] = {
		{ 0.0f, 0.1f }, { 0.2f, 0.0f }, { 0.1f, 0.3f }, { 0.3f, 0.2f }, { 0.0f, 0.4f },
		{ 0.4f, 0.1f }, { 0.2f, 0.2f }, { 0.1f, 0.0f }, { 3.0f, 0.1f }, { 3.2f, 0.0f },
		{ 3.1f, 0.3f }, { 3.3f, 0.2f }, { 2.9f, 0.4f }, { 3.4f, 0.1f }, { 3.2f, 0.2f },
		{ 1.5f, 0.1f }, { 0.0f, 3.1f }, { 0.2f, 3.0f }, { 0.1f, 3.3f }, { 0.3f, 3.2f },
		{ 0.0f, 2.9f }, { 0.4f, 3.1f }, { 0.2f, 3.2f }, { 0.1f, 3.0f } };
	char header[128];
	FILE *f = fopen(path, "wb");
	int n;

	ck_assert_ptr_nonnull(f);
	n = snprintf(header, sizeof header,
	             "{'descr': '<f4', 'fortran_order': False, 'shape': (24, 2), }");
	while ((10 + n + 1) % 64 != 0)
		header[n++] = ' ';
	header[n++] = '\n';
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc(n & 0xff, f);
	fputc(n >> 8, f);
	fwrite(header, 1, (size_t)n, f);
	fwrite(x, sizeof x, 1, f);
	fclose(f);
}

/* PCA streams a float32 Embeddings file, in single precision (as
 * scikit-learn reduces float32 input), and gets what double precision gets
 * from the same numbers in memory, to float32's precision. */
START_TEST(test_pca_streams_embeddings)
{
	mc_interp *in = mc_interp_new();
	char path[4096], code[4400];

	tu_tmpfile(path, sizeof path, "embeddings.npy");
	s_write_f32_npy(path);
	snprintf(code, sizeof code, "E = load_npy(\"%s\")", path);
	mc_unref(s_run(in, code));
	mc_unref(s_run(in, "Xf = array(E.to_array().tolist())\n"
	                   "a = PCA(n_components=2).fit_transform(E)\n"
	                   "p = PCA(n_components=2).fit(E)\n"
	                   "b = PCA(n_components=2).fit_transform(Xf)"));
	ck_assert(s_float(in, "abs(a - b).max()") < 1e-4 * s_float(in, "abs(b).max()"));
	ck_assert(s_float(in, "abs(p.transform(E) - b).max()") < 1e-4 * s_float(in, "abs(b).max()"));
	ck_assert(s_float(in, "abs(b).max()") > 0.1);
	mc_interp_free(in);
	unlink(path);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("bind_learn");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, NULL, s_teardown);
	tcase_add_test(tc, test_pipeline);
	tcase_add_test(tc, test_pca_streams_embeddings);
	tcase_add_test(tc, test_out_of_fold_pick);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
