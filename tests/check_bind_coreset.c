/* Tests of kernel/bind_coreset.c through the interpreter: the coreset
 * service and the review session as a notebook calls them. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>

#include "lang_fixture.h"
#include "maskclean/canvas.h"

static int s_pngs;

static void s_do(mc_interp *in, const char *code)
{
	mc_unref(s_run(in, code));
}

static int64_t s_int(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	int64_t i;
	ck_assert_msg(v != NULL && mc_type(v) == MC_T_INT, "%s is not an int", code);
	i = mc_as_int(v);
	mc_unref(v);
	return i;
}

static int s_true(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	int b;
	ck_assert_msg(v != NULL && mc_type(v) == MC_T_BOOL, "%s is not a bool", code);
	b = mc_as_bool(v);
	mc_unref(v);
	return b;
}

static char *s_repr(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	char *s = mc_value_repr(v);
	mc_unref(v);
	return s;
}

/* The bundle of code's value has image/png. */
static void s_has_png(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	json_t *data = NULL, *meta = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_value_bundle(v, &data, &meta, &err), 0);
	ck_assert_msg(json_is_string(json_object_get(data, "image/png")), "%s has no PNG", code);
	s_pngs++;
	json_decref(data);
	json_decref(meta);
	mc_unref(v);
}

static char g_dir[1024];

static void s_setup(void)
{
	const char *b = getenv("MC_BUILDDIR");
	char cmd[2400];
	snprintf(g_dir, sizeof g_dir, "%s/tests/scratch-bind-coreset-%d", b ? b : ".",
	         (int)getpid());
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", g_dir, g_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void s_teardown(void)
{
	char cmd[2400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	if (system(cmd) != 0) {
		/* left behind; harmless */
	}
	mc_canvas_shutdown();
	FcFini();
}

START_TEST(test_service)
{
	mc_interp *in = mc_interp_new();
	char code[16384], *s;

	snprintf(code, sizeof code,
	         "d = make_demo(\"%s/demo\", n_images=%d, image_size=64, error_rate=0.3, seed=2)\n"
	         "ds = load_coco(d[\"annotations\"], images=d[\"images\"])\n"
	         "X = embed(ds, size=8)\n"
	         "svc = CoresetTreeServiceLG(optimized_for=\"cleaning\")\n"
	         "svc.build(X, ds.labels())", g_dir, 16);
	s_do(in, code);
	ck_assert_int_eq(s_int(in, "svc.n_samples"), s_int(in, "ds.n_instances"));
	s = s_repr(in, "svc");
	ck_assert_ptr_nonnull(strstr(s, "CoresetTreeServiceLG(optimized_for=\"cleaning\""));
	free(s);
	s_do(in, "r = svc.get_important_samples(class_size={0: \"all\"})");
	ck_assert_int_eq(s_int(in, "len(r[\"idx\"])"), s_int(in, "ds.count(0)"));
	ck_assert_int_eq(s_int(in, "len(svc.seen)"), s_int(in, "ds.count(0)"));
	s_do(in, "svc.set_seen_indication(false)");
	s_do(in, "r = svc.get_important_samples(size=5)");
	ck_assert_int_eq(s_int(in, "len(r[\"idx\"])"), 5);
	s_do(in, "r2 = svc.get_cleaning_samples(size=4, method=\"margin\")");
	ck_assert_int_eq(s_int(in, "len(r2[\"importance\"])"), 4);
	s_do(in, "svc.set_seen_indication(false)");
	ck_assert_int_eq(s_int(in, "len(svc.seen)"), 0);
	s_do(in, "svc.update_targets([r[\"idx\"][0]], [2])");
	ck_assert_int_eq(s_int(in, "svc.labels[r[\"idx\"][0]]"), 2);
	s_do(in, "svc.remove_samples(r[\"idx\"][1])");
	snprintf(code, sizeof code, "svc.save(\"%s/svc.mcc\")\nt = load_coreset(\"%s/svc.mcc\")",
	         g_dir, g_dir);
	s_do(in, code);
	ck_assert_int_eq(s_int(in, "t.n_samples"), s_int(in, "svc.n_samples"));
	ck_assert_int_eq(s_int(in, "len(t.get_coreset(level=0)[\"idx\"])"),
	                 s_int(in, "len(svc.get_coreset()[\"w\"])"));
	s_do(in, "m = svc.fit()\np = m.predict(X)");
	ck_assert_int_eq(s_int(in, "len(p)"), s_int(in, "ds.n_instances"));
	s_fails(in, "svc.get_cleaning_samples(method=\"best\")", "ValueError",
	        "method: expected one of");
	s_fails(in, "svc.get_cleaning_samples(class_size={\"x\": 3})", "KeyError",
	        "this service has no class names");
	s_fails(in, "svc.get_cleaning_samples(class_size={-1: 3})", "TypeError",
	        "class_size keys must be class names or indices");
	/* With classes=ds.classes, class_size takes names; they survive save and
	 * load. */
	s_do(in, "nv = CoresetTreeServiceLG(classes=ds.classes)\nnv.build(X, ds.labels())\n"
	         "a = nv.get_cleaning_samples(class_size={ds.class_name(3): 4})\n"
	         "nv.set_seen_indication(false)\n"
	         "b = nv.get_cleaning_samples(class_size={3: 4})");
	ck_assert_int_eq(s_int(in, "len(a[\"idx\"])"), 4);
	{
		char *ra = s_repr(in, "a[\"idx\"]"), *rb = s_repr(in, "b[\"idx\"]");
		ck_assert_str_eq(ra, rb);
		free(ra);
		free(rb);
	}
	ck_assert(s_true(in, "nv.classes == ds.classes"));
	s_fails(in, "nv.get_cleaning_samples(class_size={\"Baggage\": 3})", "KeyError",
	        "unknown class \"Baggage\"; the service's 10 classes are \"");
	snprintf(code, sizeof code, "nv.save(\"%s/nv.mcc\")\nnt = load_coreset(\"%s/nv.mcc\")",
	         g_dir, g_dir);
	s_do(in, code);
	ck_assert(s_true(in, "nt.classes == ds.classes"));
	ck_assert_int_eq(s_int(in, "len(nt.get_cleaning_samples(class_size={ds.class_name(3): "
	                           "\"all\"})[\"idx\"])"),
	                 s_int(in, "ds.count(3)") - 4);
	ck_assert_int_eq(s_int(in, "len(t.classes)"), 0);
	s_fails(in, "CoresetTreeServiceLG(classes=[\"a\", \"a\"])", "ValueError",
	        "\"a\" is given twice");
	s_fails(in, "CoresetTreeServiceLG(classes=[\"a\", 2])", "TypeError",
	        "classes[1] must be a name");
	s_fails(in, "CoresetTreeServiceLG(classes=\"a\")", "TypeError",
	        "classes must be a list");
	s_fails(in, "svc.update_targets([100000], [1])", "ValueError", "out of range");
	s_fails(in, "svc.build(X, ds.labels())", "StateError", "already built");
	s_fails(in, "load_coreset(\"/nonexistent.mcc\")", "IOError", "cannot open");
	mc_interp_free(in);
}
END_TEST

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
	Suite *s = suite_create("bind_coreset");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_service);
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
