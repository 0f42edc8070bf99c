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
#include "suite_run.h"

static char *g_dir, g_cwd[4096];

/* Each test works in a scratch folder of its own, also its current folder
 * (sessions without dir= write to review-<classes>-<method> there). */
static void s_setup(void)
{
	g_dir = fx_scratch("bind-review");
	ck_assert_int_eq(mkdir(g_dir, 0755), 0);
	ck_assert_ptr_nonnull(getcwd(g_cwd, sizeof g_cwd));
	ck_assert_int_eq(chdir(g_dir), 0);
}

static void s_teardown(void)
{
	ck_assert_int_eq(chdir(g_cwd), 0);
	fx_rmtree(g_dir);
	free(g_dir);
	g_dir = NULL;
	mc_canvas_shutdown();
	FcFini();
}

/* What the cells printed (stdout), for the warnings a user reads. */
static char g_out[65536];

static void s_capture(void *ctx, const char *name, const char *text)
{
	size_t n = strlen(g_out);
	(void)ctx;
	(void)name;
	snprintf(g_out + n, sizeof g_out - n, "%s", text);
}

static const mc_io s_cap_io = { NULL, s_capture, s_display, s_clear, s_input, &s_flag, 0, NULL };

/* Runs code with its output captured in g_out (cleared first). */
static void s_printed(mc_interp *in, const char *code)
{
	mc_value *res = NULL;
	mc_exec_error xerr;

	g_out[0] = '\0';
	memset(&xerr, 0, sizeof xerr);
	if (mc_interp_execute(in, code, &s_cap_io, &res, &xerr) != 0)
		ck_abort_msg("%s failed: %s: %s", code, xerr.ename, xerr.evalue);
	mc_exec_error_clear(&xerr);
	mc_unref(res);
}

/* A demo dataset in g_dir with embeddings: d, ds, X; returns the most
 * frequent class's index, and the least frequent one's in *small. */
static int64_t s_demo(mc_interp *in, int64_t *small)
{
	char code[4096];
	int64_t best = 0, coi = 0, least = -1;

	snprintf(code, sizeof code,
	         "d = make_demo(\"%s/demo\", n_images=%d, image_size=64, error_rate=0.3, seed=3)\n"
	         "ds = load_coco(d[\"annotations\"], images=d[\"images\"])\n"
	         "X = embed(ds, size=8)", g_dir, 16);
	s_do(in, code);
	for (int k = 0; k < 10; k++) {
		char q[64];
		snprintf(q, sizeof q, "ds.count(%d)", k);
		if (s_int(in, q) > best) {
			best = s_int(in, q);
			coi = k;
		}
		if (s_int(in, q) > 0 && (least < 0 || s_int(in, q) < least)) {
			least = s_int(in, q);
			*small = k;
		}
	}
	ck_assert_int_ge(best, 7);
	return coi;
}

START_TEST(test_review_session)
{
	mc_interp *in = mc_interp_new();
	char code[16384], *s;
	int64_t total, small, coi = s_demo(in, &small);

	snprintf(code, sizeof code,
	         "rv = ReviewSession(ds, X, class_of_interest=ds.class_name(%lld), dir=\"%s/rv\", "
	         "n=3, folds=2)", (long long)coi, g_dir);
	s_do(in, code);
	s = s_repr(in, "rv");
	ck_assert_ptr_nonnull(strstr(s, "ReviewSession(dir="));
	ck_assert_ptr_nonnull(strstr(s, "classes=\""));
	free(s);
	s_has_image(in, "rv.next()", "image/jpeg");
	ck_assert_int_eq(s_int(in, "rv.n_seen"), 3);
	ck_assert_int_eq(s_int(in, "rv.simulate(d[\"ground_truth\"])"), 3);
	s_do(in, "first = rv.batch\nrec = rv.apply()");
	ck_assert_int_eq(s_int(in, "rec[\"reviewed\"]"), 3);
	ck_assert(s_true(in, "rec[\"fixed\"] == rec[\"relabeled\"] + rec[\"removed\"]"));
	ck_assert_int_eq(s_int(in, "rv.iteration"), 1);
	/* The history is indexable, its fixed column the sum of the others. */
	ck_assert_int_eq(s_int(in, "rv.history[-1][\"reviewed\"]"), 3);
	ck_assert_int_eq(s_int(in, "rv.history[0][\"iteration\"]"), 0);
	ck_assert(s_true(in, "h = rv.history[1]\nh[\"fixed\"] == h[\"relabeled\"] + h[\"removed\"]"));
	ck_assert(s_true(in, "rv.history[\"reviewed\"] == [0, 3]"));
	s_fails(in, "rv.history[\"found\"]", "KeyError", "its columns: \"iteration\"");
	s_fails(in, "rv.history[7]", "ValueError", "out of range");
	/* Decisions take the annotation ids of the batch. */
	s_has_image(in, "rv.next()", "image/jpeg");
	ck_assert_int_eq(s_int(in, "len(rv.batch)"), 3);
	s_do(in, "b = rv.batch\nrv.relabel(b[0], \"Bag\")\nrv.remove([b[1]])");
	ck_assert_int_eq(s_int(in, "rv.n_pending"), 2);
	s_fails(in, "rv.relabel(b[0], \"Baggage\")", "KeyError", "Baggage");
	s_fails(in, "rv.keep(rv.history[0][\"iteration\"] - 123456789)", "KeyError",
	        "no annotation with id -123456789");
	/* A sample outside the batch: refused, naming the batch; fix() takes it. */
	s_do(in, "out = first[0]");
	s_fails(in, "rv.remove(out)", "ValueError", "is not in the open batch (iteration 2, 3 "
	        "samples");
	s_fails(in, "rv.fix(out)", "ValueError", "either the new label");
	s_do(in, "rv.fix(out, remove=true)");
	/* apply refuses an undecided sample, saying how to settle it. */
	s_fails(in, "rv.apply()", "StateError", "1 of the 3 samples of the open batch "
	        "(iteration 2) have no decision yet");
	/* The default CSV has no decisions filled in: all undecided. */
	ck_assert(s_true(in, "rv.load_csv() == {\"keep\": 0, \"relabel\": 0, \"remove\": 0, "
	                     "\"undecided\": 3}"));
	ck_assert_int_eq(s_int(in, "rv.keep_rest()"), 1);
	s_do(in, "rec = rv.apply()");
	ck_assert_int_eq(s_int(in, "rec[\"removed\"]"), 1);
	ck_assert_int_eq(s_int(in, "rec[\"outside\"]"), 1);
	ck_assert_int_eq(s_int(in, "rv.history[2][\"outside batch\"]"), 1);
	s = s_repr(in, "rv.history");
	ck_assert_ptr_nonnull(strstr(s, "relabeled"));
	ck_assert_ptr_nonnull(strstr(s, "AUC"));
	free(s);
	s_has_png(in, "rv.plot_auc()");
	s_has_png(in, "rv.plot_fixes()");
	s_has_png(in, "rv.plot_fix_rate()");
	s_has_png(in, "rv.plot_found()");
	s_has_image(in, "rv.gallery()", "image/jpeg");
	snprintf(code, sizeof code, "rv.export(\"%s/fixed.json\")", g_dir);
	s_do(in, code);
	snprintf(code, sizeof code, "%s/fixed.corrections.csv", g_dir);
	ck_assert_int_eq(access(code, R_OK), 0);
	total = s_int(in, "rv.n_seen");
	/* Resuming in the same kernel supersedes rv. */
	snprintf(code, sizeof code, "r2 = resume_review(\"%s/rv\")", g_dir);
	s_do(in, code);
	ck_assert_int_eq(s_int(in, "r2.n_seen"), total);
	ck_assert_int_eq(s_int(in, "r2.iteration"), 2);
	ck_assert(s_true(in, "r2.labels[0] == rv.labels[0]"));
	s_fails(in, "rv.next()", "StateError", "superseded");
	snprintf(code, sizeof code, "resume_review(\"%s/nothing\")", g_dir);
	s_fails(in, code, "KeyError", "no review session here");
	mc_interp_free(in);
}
END_TEST

START_TEST(test_classes_and_empty_batches)
{
	mc_interp *in = mc_interp_new();
	char code[4096], *s;
	int64_t small;

	s_demo(in, &small);
	/* Several classes; the default folder is the session's own. */
	s_do(in, "rv = ReviewSession(ds, X, class_of_interest=[\"Bag\", \"T-shirt/top\"], n=5, "
	         "folds=2, export_images=false)");
	ck_assert(s_true(in, "rv.classes == [\"T-shirt/top\", \"Bag\"]"));
	ck_assert(s_true(in, "rv.dir == \"review-Bag+T-shirt_top-hybrid\""));
	s = s_repr(in, "rv");
	ck_assert_ptr_nonnull(strstr(s, "classes=\"Bag\", \"T-shirt/top\""));
	free(s);
	s_has_image(in, "rv.next()", "image/jpeg");
	ck_assert(s_true(in, "rv.labels[0] >= 0"));
	s_do(in, "rv = none");
	s_do(in, "rv = ReviewSession(ds, X, class_of_interest=\"all\", n=5, folds=2, "
	         "export_images=false, method=\"importance\")");
	ck_assert_int_eq(s_int(in, "len(rv.classes)"), 10);
	ck_assert(s_true(in, "rv.dir == \"review-all-importance\""));
	s_do(in, "rv = none");
	/* The defaults: every class (the pick is a hint, not a filter), ranked
	 * by "hybrid", whose scores compare across classes. */
	s_do(in, "rv = ReviewSession(ds, X, n=5, folds=2, export_images=false)");
	ck_assert_int_eq(s_int(in, "len(rv.classes)"), 10);
	ck_assert(s_true(in, "rv.dir == \"review-all-hybrid\""));
	s = s_repr(in, "rv");
	ck_assert_msg(strstr(s, "method=\"hybrid\"") != NULL, "%s", s);
	free(s);
	s_has_image(in, "rv.next()", "image/jpeg");
	ck_assert_int_eq(s_int(in, "len(rv.batch)"), 5);
	s_do(in, "rv = None");
	/* An exhausted class: next() says so and returns none; simulate,
	 * apply and the plots accept the empty batch. */
	snprintf(code, sizeof code,
	         "rv = ReviewSession(ds, X, class_of_interest=%lld, dir=\"%s/small\", n=1000, "
	         "folds=2, export_images=false)\n"
	         "rv.next()\nrv.simulate(d[\"ground_truth\"])\nrv.apply()", (long long)small,
	         g_dir);
	s_do(in, code);
	s_printed(in, "rv.next()");
	ck_assert_msg(strstr(g_out, "nothing left to review") != NULL, "%s", g_out);
	ck_assert_int_eq(s_int(in, "rv.simulate(d[\"ground_truth\"])"), 0);
	s_printed(in, "rec = rv.apply()");
	ck_assert_msg(strstr(g_out, "nothing to apply") != NULL, "%s", g_out);
	ck_assert_int_eq(s_int(in, "rec[\"reviewed\"]"), 0);
	ck_assert_int_eq(s_int(in, "rv.iteration"), 1);
	s_has_png(in, "rv.plot_auc()");
	s_has_png(in, "rv.plot_fixes()");
	s_has_png(in, "rv.plot_found()");
	/* A reviewer's loop calls load_csv() after next(): nothing to load. */
	s_printed(in, "c = rv.load_csv()");
	ck_assert_msg(strstr(g_out, "nothing to load") != NULL, "%s", g_out);
	ck_assert_int_eq(s_int(in, "c[\"keep\"] + c[\"relabel\"] + c[\"remove\"]"), 0);
	s_fails(in, "ReviewSession(ds, X, class_of_interest=[], n=5)", "ValueError",
	        "empty list");
	mc_interp_free(in);
}
END_TEST

START_TEST(test_tie_warning_is_shown)
{
	mc_interp *in = mc_interp_new();
	char code[4096];
	int64_t small, coi = s_demo(in, &small);

	/* Every sample looks the same: every score ties. */
	snprintf(code, sizeof code,
	         "Y = X * 0.0 + 1.0\n"
	         "rv = ReviewSession(ds, Y, class_of_interest=%lld, dir=\"%s/ties\", n=4, "
	         "folds=2, export_images=false)", (long long)coi, g_dir);
	s_do(in, code);
	s_printed(in, "rv.next()");
	ck_assert_msg(strstr(g_out, "warning: 4 of the 4 samples of this batch share the score") !=
	              NULL, "%s", g_out);
	/* The default method ties here: the warning suggests another one. */
	ck_assert_msg(strstr(g_out, "(hybrid)") != NULL &&
	              strstr(g_out, "method=\"self_confidence\"") != NULL, "%s", g_out);
	s_do(in, "rv.keep_rest()\nrv.apply()");
	ck_assert(s_true(in, "rv.history[1][\"note\"] == \"warning: 4 of 4 scores tied\""));
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
	tcase_add_test(tc, test_classes_and_empty_batches);
	tcase_add_test(tc, test_tie_warning_is_shown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
