/* Tests of kernel/bind_coreset.c through the interpreter: the coreset
 * service as a notebook calls it. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>

#include "lang_fixture.h"
#include "maskclean/canvas.h"
#include "maskclean/rank.h"
#include "suite_run.h"
#include "testutil.h"

static char g_dir[4096];

static void s_setup(void)
{
	tu_tmpdir(g_dir, sizeof g_dir, "bind-coreset");
}

static void s_teardown(void)
{
	tu_rmtree(g_dir);
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
	/* The dict names its ranking, so that grid() captions say "margin". */
	ck_assert_int_eq(s_int(in, "int(r2[\"method\"] == \"margin\")"), 1);
	ck_assert_int_eq(s_int(in, "int(r[\"method\"] == \"importance\")"), 1);
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

/* The ranking table in the language, class_size values that are not sizes
 * (a use after free named a garbage class), the hard demo's shapes and the
 * load warning for its empty category. */
START_TEST(test_ranking_and_class_size)
{
	mc_interp *in = mc_interp_new();
	char code[4400], *s;
	size_t n;
	const mc_rank_method *m = mc_rank_methods(&n);

	snprintf(code, sizeof code,
	         "d = make_demo(\"%s/hard\", n_images=40, image_size=64, hard=true, "
	         "tiny_size=6, seed=1)", g_dir);
	s_do(in, code);
	ck_assert_int_eq(s_int(in, "d[\"n_images\"]"), 120);
	mc_unref(s_run_output(in, "ds = load_coco(d[\"annotations\"], images=d[\"images\"])"));
	ck_assert_msg(strstr(s_output(), "Warning: annotations.json: 1 category has no instance: "
	                            "\"fashion\" (id 0); left out of AUC") != NULL, "%s", s_output());
	ck_assert_int_eq(s_int(in, "ds.n_classes"), 11);
	ck_assert_int_eq(s_int(in, "ds.count(0)"), 0);
	s_do(in, "X = embed(ds, size=8)\n"
	         "svc = CoresetTreeServiceLG(classes=ds.classes)\nsvc.build(X, ds.labels())");
	/* every row of the table, by name, in the table and in the error text */
	s = s_repr(in, "ranking_methods()");
	for (size_t k = 0; k < n; k++) {
		char call[128];
		ck_assert_msg(strstr(s, m[k].name) != NULL, "%s not in %s", m[k].name, s);
		snprintf(call, sizeof call, "len(svc.get_cleaning_samples(size=3, method=\"%s\")"
		         "[\"idx\"])", m[k].name);
		ck_assert_int_eq(s_int(in, call), 3);
	}
	free(s);
	s_fails(in, "svc.get_cleaning_samples(method=\"best\")", "ValueError",
	        "\"entropy\", \"random\"; got \"best\"");
	/* fold groups: one per sample */
	s_do(in, "svc.set_groups(ds.labels())\nsvc.set_groups(none)");
	s_fails(in, "svc.set_groups([1, 2])", "ShapeError", "groups: 2 entries for");
	s_fails(in, "svc.set_groups([0.5] * ds.n_instances)", "ValueError",
	        "groups[0] is 0.5; expected a whole number");
	/* class_size values that are not sizes name the class as given */
	s_fails(in, "svc.get_cleaning_samples(class_size={\"Coat\": -1})", "ValueError",
	        "get_cleaning_samples(): class_size[\"Coat\"] must be a number >= 0, \"all\" or "
	        "\"any\"");
	s_fails(in, "svc.get_cleaning_samples(class_size={5: \"many\"})", "ValueError",
	        "get_cleaning_samples(): class_size[5] must be a number >= 0");
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
	tcase_add_test(tc, test_ranking_and_class_size);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
