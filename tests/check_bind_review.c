/* Tests of kernel/bind_review.c through the interpreter: the review session
 * as a notebook calls it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>

#include "lang_fixture.h"
#include "maskclean/canvas.h"
#include "review_fixture.h"

static char *g_dir;

static void s_setup(void)
{
	g_dir = fx_scratch("bind-review");
	ck_assert_int_eq(mkdir(g_dir, 0755), 0);
}

static void s_teardown(void)
{
	fx_rmtree(g_dir);
	free(g_dir);
	g_dir = NULL;
	mc_canvas_shutdown();
	FcFini();
}

START_TEST(test_review_session)
{
	mc_interp *in = mc_interp_new();
	char code[16384], *s;
	int64_t total, best = 0, coi = 0;

	snprintf(code, sizeof code,
	         "d = make_demo(\"%s/demo\", n_images=%d, image_size=64, error_rate=0.3, seed=3)\n"
	         "ds = load_coco(d[\"annotations\"], images=d[\"images\"])\n"
	         "X = embed(ds, size=8)", g_dir, 16);
	s_do(in, code);
	/* The class of interest: the most frequent one. */
	for (int k = 0; k < 10; k++) {
		char q[64];
		snprintf(q, sizeof q, "ds.count(%d)", k);
		if (s_int(in, q) > best) {
			best = s_int(in, q);
			coi = k;
		}
	}
	ck_assert_int_ge(best, 7);
	snprintf(code, sizeof code,
	         "rv = ReviewSession(ds, X, class_of_interest=ds.class_name(%lld), dir=\"%s/rv\", "
	         "n=3, folds=2)", (long long)coi, g_dir);
	s_do(in, code);
	s = s_repr(in, "rv");
	ck_assert_ptr_nonnull(strstr(s, "ReviewSession(dir="));
	free(s);
	s_has_png(in, "rv.next()");
	ck_assert_int_eq(s_int(in, "rv.n_seen"), 3);
	ck_assert_int_eq(s_int(in, "rv.simulate(d[\"ground_truth\"])"), 3);
	s_do(in, "rec = rv.apply()");
	ck_assert_int_eq(s_int(in, "rec[\"reviewed\"]"), 3);
	ck_assert_int_eq(s_int(in, "rv.iteration"), 1);
	s_has_png(in, "rv.next()");
	ck_assert_int_eq(s_int(in, "len(rv.batch)"), 3);
	s_do(in, "b = rv.labels\nrv.relabel(0, \"Bag\")\nrv.remove([1, 2])\nrv.keep(3)");
	ck_assert_int_eq(s_int(in, "rv.n_pending"), 4);
	s_fails(in, "rv.relabel(0, \"Baggage\")", "KeyError", "Baggage");
	/* The default CSV has no actions filled in. */
	ck_assert_int_eq(s_int(in, "rv.load_csv()"), 0);
	s_do(in, "rec = rv.apply()");
	ck_assert_int_eq(s_int(in, "rec[\"removed\"]"), 2);
	ck_assert(s_true(in, "rv.weights[1] == 0"));
	s = s_repr(in, "rv.history");
	ck_assert_ptr_nonnull(strstr(s, "iteration"));
	ck_assert_ptr_nonnull(strstr(s, "AUC"));
	free(s);
	s_has_png(in, "rv.plot_auc()");
	s_has_png(in, "rv.plot_fixes()");
	snprintf(code, sizeof code, "rv.export(\"%s/fixed.json\")", g_dir);
	s_do(in, code);
	snprintf(code, sizeof code, "%s/fixed.corrections.csv", g_dir);
	ck_assert_int_eq(access(code, R_OK), 0);
	total = s_int(in, "rv.n_seen");
	snprintf(code, sizeof code, "r2 = resume_review(\"%s/rv\")", g_dir);
	s_do(in, code);
	ck_assert_int_eq(s_int(in, "r2.n_seen"), total);
	ck_assert_int_eq(s_int(in, "r2.iteration"), 2);
	ck_assert(s_true(in, "r2.labels[0] == rv.labels[0]"));
	snprintf(code, sizeof code, "resume_review(\"%s/nothing\")", g_dir);
	s_fails(in, code, "KeyError", "no review session here");
	mc_interp_free(in);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("bind_review");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_review_session);
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
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
