/* Tests of the render area's language functions (kernel/bind_render.c)
 * through the interpreter: plot, bar, heatmap, table, show, grid, overlay,
 * the Figure and Table values' MIME bundles, and the errors users see. The
 * figures are also saved to MC_BUILDDIR/tests/pictures/ to look at. */
#include <check.h>
#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lang_fixture.h"
#include "maskclean/canvas.h"
#include "suite_run.h"

/* The MIME bundle of the value of code. Caller json_decrefs both. */
static void bundle(const char *code, json_t **data, json_t **meta)
{
	mc_value *res = NULL;
	mc_exec_error xe;
	mc_error err;

	memset(&xe, 0, sizeof xe);
	mc_error_clear(&err);
	ck_assert_msg(mc_interp_execute(s_in, code, NULL, &res, &xe) == 0, "%s: %s: %s", code,
	              xe.ename, xe.evalue);
	ck_assert_ptr_nonnull(res);
	ck_assert_msg(mc_value_bundle(res, data, meta, &err) == 0, "%s", err.text);
	mc_unref(res);
}

/* Checks a figure's bundle: a picture under mime (image/png, or image/jpeg
 * for pictures of photos) with the logical size in the metadata, a
 * text/plain fallback. Saves it (as PNG) as name. */
static void assert_figure(const char *var, const char *mime, int width, int height,
                          const char *name)
{
	json_t *data = NULL, *meta = NULL;
	char code[4400];
	const char *b64, *dir = getenv("MC_BUILDDIR");
	int jpeg = strcmp(mime, "image/jpeg") == 0;
	struct stat st;

	bundle(var, &data, &meta);
	b64 = json_string_value(json_object_get(data, mime));
	ck_assert_msg(b64 != NULL, "%s has no %s", var, mime);
	/* the magic numbers in base64: \x89PNG\r\n\x1a\n, or FF D8 FF */
	ck_assert_msg(strncmp(b64, jpeg ? "/9j/" : "iVBORw0KGgo", jpeg ? 4 : 11) == 0,
	              "not a %s: %.20s", mime, b64);
	/* one picture, not the same twice */
	ck_assert_ptr_null(json_object_get(data, jpeg ? "image/png" : "image/jpeg"));
	ck_assert_ptr_nonnull(json_object_get(data, "text/plain"));
	if (width > 0)
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(meta, mime),
		                                                    "width")), width);
	if (height > 0)
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(meta, mime),
		                                                    "height")), height);
	ck_assert_int_gt(json_integer_value(json_object_get(json_object_get(meta, mime),
	                                                    "width")), 0);
	json_decref(data);
	json_decref(meta);
	ck_assert_msg(dir != NULL, "MC_BUILDDIR is not set (run through make check)");
	snprintf(code, sizeof code, "%s/tests", dir);
	mkdir(code, 0777);
	snprintf(code, sizeof code, "%s/tests/pictures", dir);
	mkdir(code, 0777);
	snprintf(code, sizeof code, "%s.save(\"%s/tests/pictures/%s\")", var, dir, name);
	assert_run(code, "");
	snprintf(code, sizeof code, "%s/tests/pictures/%s", dir, name);
	ck_assert_int_eq(stat(code, &st), 0);
	ck_assert_int_gt(st.st_size, 1000);
}

START_TEST(test_plot)
{
	assert_run("auc = [0.812, 0.831, 0.846, 0.853, 0.856, 0.857, 0.856, 0.858]", "");
	assert_run("f = plot(auc, title=\"AUC across iterations\", xlabel=\"Iteration\", "
	           "ylabel=\"AUC\", label=\"orange\", mark=4, mark_text=\"plateau\")", "");
	assert_run("f", "<Figure 640x400: AUC across iterations>");
	assert_run("[f.width, f.height]", "[640, 400]");
	assert_figure("f", "image/png", 640, 400, "bind_plot.png");
	/* several lines, x given */
	assert_run("g = plot([1, 2, 3], [[0.5, 0.7, 0.8], [0.5, 0.55, 0.6]], "
	           "label=[\"importance\", \"random\"])", "");
	assert_figure("g", "image/png", 640, 400, "bind_plot_two.png");
	assert_run("plot([1, 2], [1])", "ShapeError: plot(): x has 2 values, y has 1");
	assert_run("plot([1, 2], mark=5)",
	           "ValueError: plot(): mark=5 is not a point: the line has 2 points");
	assert_run("plot([1, \"a\"])", "TypeError: plot(): y[1] must be a number, got str");
	assert_run("f.depth",
	           "AttributeError: Figure has no attribute 'depth' (dir(x) lists what it has)");
}
END_TEST

START_TEST(test_bar)
{
	assert_run("b = bar([\"0\", \"1\", \"2\", \"3\"], [[5, 3, 1, 0], [2, 2, 0, 1]], "
	           "stack_labels=[\"relabeled\", \"removed\"], title=\"Samples fixed per iteration\", "
	           "xlabel=\"Iteration\", ylabel=\"Samples\")", "");
	assert_run("b", "<Figure 640x400: Samples fixed per iteration>");
	assert_figure("b", "image/png", 640, 400, "bind_bar.png");
	assert_run("bar(none, [1, 2, 3])", "<Figure 640x400: bar chart>");
	assert_run("bar([\"a\"], [1, 2])", "ShapeError: bar(): 1 labels for 2 bars");
	assert_run("bar(none, [[1, 2], [3, -1]])",
	           "ValueError: bar chart: series 1, bar 1: -1, expected a finite non-negative value");
}
END_TEST

START_TEST(test_heatmap)
{
	assert_run("cm = [[0.6, 0.1, 0.3], [0.05, 0.9, 0.05], [0.1, 0.1, 0.8]]", "");
	assert_run("h = heatmap(cm, labels=[\"apple\", \"banana\", \"orange\"], highlight=\"orange\", "
	           "mark={\"true\": 0, \"predicted\": 2, \"value\": 0.3}, title=\"Confusion\")", "");
	assert_run("h", "<Figure 340x279: Confusion>");
	assert_figure("h", "image/png", 0, 0, "bind_heatmap.png");
	assert_run("heatmap(cm, labels=[\"a\", \"b\"])",
	           "ShapeError: heatmap(): 2 labels for a 3x3 matrix");
	assert_run("heatmap(cm, labels=[\"a\", \"b\", \"c\"], highlight=\"d\")",
	           "KeyError: heatmap(): highlight=\"d\" is not one of the labels");
	assert_run("heatmap(cm, mark=[0, 3])", "ValueError: heatmap(): mark=3 is outside the 3 classes");
	assert_run("heatmap(cm, fmt=\"%s\")", "ValueError: heatmap(): fmt=\"%s\" must hold one %f, "
	           "%g or %e conversion, like \"%.2f\"");
	assert_run("heatmap([[1, 2], [3]])", "ShapeError: heatmap(): matrix[1] has 1 values, "
	           "matrix[0] has 2");
}
END_TEST

START_TEST(test_table)
{
	json_t *data = NULL, *meta = NULL;
	const char *html;

	assert_run("t = table({\"class\": [\"a<b\", \"orange\"], \"n\": [1, 20], \"auc\": [0.5, 0.8561]}, "
	           "caption=\"per class\")", "");
	assert_run("t", "per class\nclass    n     auc\n------  --  ------\na<b      1     0.5\n"
	                "orange  20  0.8561\n");
	assert_run("[t.n_rows, t.n_cols]", "[2, 3]");
	/* the column names, in order, and each one indexes the table */
	assert_run("t.columns", "['class', 'n', 'auc']");
	assert_run("[t[c][1] for c in t.columns]", "['orange', 20, 0.8561]");
	bundle("t", &data, &meta);
	html = json_string_value(json_object_get(data, "text/html"));
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(strstr(html, ">a&lt;b</td>"));
	ck_assert_ptr_nonnull(json_object_get(data, "text/plain"));
	json_decref(data);
	json_decref(meta);
	/* rows as dicts: the columns are their keys in first-seen order */
	assert_run("table([{\"a\": 1, \"b\": \"x\"}, {\"b\": \"y\", \"c\": 2.5}])",
	           "a  b    c\n-  -  ---\n1  x     \n   y  2.5\n");
	assert_run("table([[1, \"x\"], [2, \"y\"]], columns=[\"i\", \"s\"], digits=2)",
	           "i  s\n-  -\n1  x\n2  y\n");
	assert_run("table({\"a\": [1, 2], \"b\": [1]})",
	           "ShapeError: table(): column 'b' has 1 values, column 'a' has 2");
	assert_run("table(3)", "TypeError: table(): data must be a dict of columns or a list of rows, "
	                       "got int");
	/* A table is indexed by row (a dict) or by column name (a list). */
	assert_run("t = table({\"a\": [1, 2], \"b\": [\"x\", 2.5]})", "");
	assert_run("t[1]", "{'a': 2, 'b': 2.5}");
	assert_run("t[-2]", "{'a': 1, 'b': 'x'}");
	assert_run("t[\"b\"]", "['x', 2.5]");
	assert_run("t[2]", "ValueError: Table index 2 out of range (2 rows)");
	assert_run("t[\"c\"]", "KeyError: Table has no column \"c\"; its columns: \"a\", \"b\"");
	assert_run("t[0:1]", "TypeError: Table cannot be indexed with [ ] by a slice or several "
	           "indices");
}
END_TEST

START_TEST(test_views_of_a_dataset)
{
	char code[4400];

	snprintf(code, sizeof code, "ds = load_coco(\"%s\")", tiny());
	assert_run(code, "");
	assert_run("s = show(ds, 0)", "");
	assert_figure("s", "image/png", 0, 0, "bind_show.png");
	assert_run("c = show(ds, -1, crop=true)", "");
	assert_figure("c", "image/png", 0, 0, "bind_show_crop.png");
	assert_run("g = grid(ds, [0, 1, 2, 3, 4, 5, 6, 7], importance=[0.9, 0.8, 0.7, 0.6, 0.5, 0.4, "
	           "0.3, 0.2], cols=4, title=\"Top 8\", notes=[\"\", \"relabeled: apple\", \"\", \"\", "
	           "\"removed\", \"\", \"\", \"\"])", "");
	assert_run("g", "<Figure 696x463: Top 8>");
	assert_figure("g", "image/jpeg", 696, 463, "bind_grid.png");
	/* the dict get_cleaning_samples() returns, importance included */
	assert_run("grid(ds, {\"idx\": [3, 1], \"importance\": [0.5, 0.25]}, title=\"Two\")",
	           "<Figure 352x234: Two>");
	/* without importance the captions have one line less */
	assert_run("grid(ds, [3, 1], title=\"Two\")", "<Figure 352x221: Two>");
	assert_run("o = overlay(ds, 0)", "");
	assert_figure("o", "image/png", 0, 0, "bind_overlay.png");
	assert_run("show(ds, 100000)",
	           "ValueError: show(): instance 100000 is out of range: the dataset has 42 instances");
	assert_run("grid(ds, [0, 1], importance=[0.5])",
	           "ShapeError: grid(): 1 importance values for 2 instances");
	assert_run("grid(ds, [0.5])",
	           "ValueError: grid(): idx[0] = 0.5 is not an instance: the dataset has 42 instances");
	assert_run("show(3, 0)", "TypeError: show(): ds must be Dataset, got int");
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("bind_render");
	TCase *tc = tcase_create("bind_render");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plot);
	tcase_add_test(tc, test_bar);
	tcase_add_test(tc, test_heatmap);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_views_of_a_dataset);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int rc = mc_check_run(s_suite());

	mc_canvas_shutdown();
	FcFini();
	return rc;
}
