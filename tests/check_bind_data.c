/* Tests of the data area's language functions (kernel/bind_data.c) through
 * the interpreter: load_coco, the Dataset attributes and methods, the summary
 * table's text/html and text/plain, export, and the errors users see. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang_fixture.h"
#include "maskclean/coco.h"
#include "suite_run.h"
#include "testutil.h"

static void assert_contains(const char *code, const char *needle)
{
	char *got = run(code);
	ck_assert_msg(strstr(got, needle) != NULL, "%s\n  gave: %s\n  want it to contain: %s", code,
	              got, needle);
	free(got);
}

static void load_var(const char *var, const char *path, const char *extra)
{
	char code[4400];
	char *got;

	snprintf(code, sizeof code, "%s = load_coco(\"%s\"%s)", var, path, extra);
	got = run(code);
	ck_assert_msg(got[0] == '\0', "%s: %s", code, got);
	free(got);
}

/* tests/data/coco/name (tu_data: a buffer the next call reuses). */
static const char *fixture(const char *name)
{
	char rel[512];

	snprintf(rel, sizeof rel, "coco/%s", name);
	return tu_data(rel);
}

START_TEST(test_dataset_attributes)
{
	mc_coco *ds = NULL;
	mc_error err;
	size_t k;
	char code[256], want[64];

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_load(&ds, tiny(), NULL, &err), 0);
	load_var("ds", tiny(), "");
	assert_run("ds", "Dataset(instances_train2017.json: 7 images, 43 annotations, "
	           "42 instances, 80 classes)");
	assert_run("ds.n_images", "7");
	assert_run("ds.n_annotations", "43");
	assert_run("ds.n_instances", "42");
	assert_run("ds.classes[0]", "'person'");
	ck_assert_int_eq(mc_coco_class_index(&k, ds, "orange", &err), 0);
	snprintf(want, sizeof want, "%zu", k);
	assert_run("ds.class_index(\"orange\")", want);
	snprintf(code, sizeof code, "ds.class_name(%zu)", k);
	assert_run(code, "'orange'");
	snprintf(want, sizeof want, "%zu", mc_coco_class_count(ds, k));
	assert_run("ds.count(\"orange\")", want);
	assert_run("ds.labels().shape", "[42]");
	snprintf(code, sizeof code, "ds.labels()[%zu]", mc_coco_class_instances(ds, k, &k)[0]);
	mc_coco_class_index(&k, ds, "orange", &err);
	snprintf(want, sizeof want, "%zu", k);
	assert_run(code, want);
	assert_contains("ds.annotation(0)", "'segmentation': [[");
	assert_contains("ds.annotation(0)", "'class': '");
	assert_contains("ds.annotation(-1)", "'instance': 41");
	assert_contains("ds.class_name(80)", "out of range");
	load_var("dc", tiny(), ", include_crowd=true");
	assert_run("dc.n_instances", "43");
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_unknown_class)
{
	load_var("ds", tiny(), "");
	assert_contains("ds.class_index(\"oranje\")",
	                "KeyError: unknown class 'oranje' (did you mean 'orange'?); classes are: "
	                "person, bicycle, car");
	assert_contains("ds.count(\"oranje\")", "did you mean 'orange'");
	/* The failing call leaves the session alive. */
	assert_run("ds.n_images", "7");
}
END_TEST

START_TEST(test_summary_display)
{
	mc_value *res = NULL;
	mc_exec_error xe;
	json_t *data = NULL, *meta = NULL;
	mc_error err;
	const char *html, *text;

	load_var("ds", tiny(), "");
	memset(&xe, 0, sizeof xe);
	ck_assert_int_eq(mc_interp_execute(s_in, "ds.summary()", NULL, &res, &xe), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_value_bundle(res, &data, &meta, &err), 0);
	html = json_string_value(json_object_get(data, "text/html"));
	text = json_string_value(json_object_get(data, "text/plain"));
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(html, "<table"));
	ck_assert_ptr_nonnull(strstr(html, "orange"));
	ck_assert_ptr_nonnull(strstr(html, "toothbrush"));   /* every class, the last too */
	ck_assert_ptr_nonnull(strstr(text, "orange"));
	ck_assert_ptr_nonnull(strstr(text, "instances"));
	json_decref(data);
	json_decref(meta);
	mc_unref(res);
	/* It is a Table: one row per class, its columns by name. */
	assert_run("ds.summary().n_rows", "80");
	assert_run("ds.summary().columns", "['class', 'name', 'category_id', 'instances', 'images']");
	assert_run("ds.summary()[\"instances\"][0] == ds.count(\"person\")", "True");

	/* The dataset itself shows an HTML summary. */
	ck_assert_int_eq(mc_interp_execute(s_in, "ds", NULL, &res, &xe), 0);
	ck_assert_int_eq(mc_value_bundle(res, &data, &meta, &err), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(data, "text/html")),
	                             "42 instances"));
	json_decref(data);
	json_decref(meta);
	mc_unref(res);
}
END_TEST

START_TEST(test_export)
{
	char code[4400], dir[512], out[600];

	tu_tmpdir(dir, sizeof dir, "check_bind_data");
	tu_path(out, sizeof out, dir, "fixed.json");
	load_var("ds", fixture("good.json"), "");
	assert_run("ds.labels()", "array([0, 1, 2, 1, 2])");
	snprintf(code, sizeof code, "r = ds.export(\"%s\", labels=[1, 1, \"banana\", 0, 2], "
	         "weights=[1, 0, 1, 1, 1])\nr[\"relabeled\"], r[\"removed\"]", out);
	assert_run(code, "[2, 1]");
	load_var("fixed", out, "");
	assert_run("fixed.n_instances", "4");
	assert_run("fixed.labels()", "array([1, 2, 0, 2])");
	assert_contains("fixed.annotation(2)", "'attributes': {'occluded': False}");
	snprintf(code, sizeof code, "ds.export(\"%s\", labels=[1, 2])", out);
	assert_contains(code, "ShapeError: Dataset.export(): labels has 2 entries, the dataset has 5 "
	                "instances");
	snprintf(code, sizeof code, "ds.export(\"%s\", labels=[0, 0, 0, \"kiwi\", 0])", out);
	assert_contains(code, "unknown class 'kiwi'");
	snprintf(code, sizeof code, "ds.export(\"%s\", weights=[1, 0, 1])", out);
	assert_contains(code, "ShapeError: Dataset.export(): weights has 3 entries, the dataset has 5 "
	                "instances");
	snprintf(code, sizeof code, "ds.export(\"%s\", weights=[1, \"x\", 1, 1, 1])", out);
	assert_contains(code, "TypeError: Dataset.export(): weights[1] must be a number, got str");
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_load_errors)
{
	char code[4400];

	assert_contains("load_coco(\"/nonexistent/instances_val.json\")",
	                "IOError: /nonexistent/instances_val.json: cannot open");
	snprintf(code, sizeof code, "load_coco(\"%s\")", fixture("invalid/missing_field.json"));
	assert_contains(code, "missing_field.json: annotation 5: missing field \"category_id\"");
	snprintf(code, sizeof code, "load_coco(\"%s\")", fixture("invalid/truncated.json"));
	assert_contains(code, "ParseError: truncated.json: line 17, column 45");
	/* Nothing half-built is left behind: the name stays unbound. */
	snprintf(code, sizeof code, "bad = load_coco(\"%s\")", fixture("invalid/bad_rle.json"));
	assert_contains(code, "RLE counts sum to 70");
	assert_contains("bad", "NameError");
}
END_TEST

/* limits() and set_limit(): a file beyond a limit is refused with the
 * limit's name and how to raise it; raised, it loads. */
START_TEST(test_limits)
{
	char code[4400];

	assert_run("limits()[\"image_pixels\"]", "178956970");
	assert_run("set_limit(\"json_depth\", 3)", "128");
	snprintf(code, sizeof code, "load_coco(\"%s\")", fixture("good.json"));
	assert_contains(code, "ValueError: good.json: annotations[0]: lists and objects nest 4 "
	                      "deep, above the limit of 3 (json_depth; raise it with "
	                      "set_limit(\"json_depth\", n))");
	assert_run("set_limit(\"json_depth\", 5)", "3");
	snprintf(code, sizeof code, "len(load_coco(\"%s\").classes)", fixture("good.json"));
	assert_run(code, "3");
	assert_run("set_limit(\"string_bytes\", 4)", "67108864");
	snprintf(code, sizeof code, "load_coco(\"%s\")", fixture("good.json"));
	assert_contains(code, "good.json: a member name: a string of 10 bytes, above the limit of 4 "
	                      "(string_bytes;");
	assert_contains("set_limit(\"pixels\", 1)", "KeyError: unknown limit 'pixels'; limits "
	                                              "are: image_pixels, json_depth");
	assert_contains("set_limit(\"json_depth\", 5000)", "ValueError: set_limit(): json_depth "
	                                                     "must be 1..2048, got 5000");
	assert_run("set_limit(\"json_depth\", 128)", "5");
	assert_run("set_limit(\"string_bytes\", 67108864)", "4");
}
END_TEST

static Suite *bind_data_suite(void)
{
	Suite *s = suite_create("bind_data");
	TCase *tc = tcase_create("bind_data");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dataset_attributes);
	tcase_add_test(tc, test_unknown_class);
	tcase_add_test(tc, test_summary_display);
	tcase_add_test(tc, test_export);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(bind_data_suite());
}
