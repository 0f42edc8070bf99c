/* Tests of the plots (plot.h) and the canvas under them (canvas.h): every
 * picture is written to MC_BUILDDIR/tests/pictures/ for a person to look at,
 * decoded again, and checked for size, text placement and marked pixels. */
#include <check.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/plot.h"
#include "pictures.h"
#include "suite_run.h"

/* ---------- ticks ---------- */

START_TEST(test_ticks_nice_numbers)
{
	double t[32], step;
	size_t n;

	n = mc_plot_ticks(0.8075, 0.8625, 6, 0, t, 32, &step);
	ck_assert_double_eq_tol(step, 0.01, 1e-12);
	ck_assert_uint_eq(n, 6);
	ck_assert_double_eq_tol(t[0], 0.81, 1e-12);
	ck_assert_double_eq_tol(t[5], 0.86, 1e-12);

	n = mc_plot_ticks(0, 1, 5, 0, t, 32, &step);
	ck_assert_double_eq_tol(step, 0.2, 1e-12);
	ck_assert_uint_eq(n, 6);

	n = mc_plot_ticks(-0.45, 9.45, 8, 1, t, 32, &step);
	ck_assert_double_eq(step, 2);
	ck_assert_uint_eq(n, 5);
	ck_assert_double_eq(t[0], 0);
	ck_assert_double_eq(t[4], 8);

	/* integer ticks never go below 1 */
	n = mc_plot_ticks(-0.1, 2.1, 8, 1, t, 32, &step);
	ck_assert_double_eq(step, 1);
	ck_assert_uint_eq(n, 3);

	/* 2.5 steps for ranges that call for them, and zero is written as zero */
	n = mc_plot_ticks(-0.05, 0.1, 6, 0, t, 32, &step);
	ck_assert_double_eq_tol(step, 0.025, 1e-12);
	ck_assert_double_eq(t[2], 0);
}
END_TEST

/* ---------- line plot ---------- */

static const double s_auc[10] = { 0.812, 0.831, 0.846, 0.853, 0.856, 0.857, 0.856, 0.858,
                                  0.857, 0.858 };

START_TEST(test_line_auc_with_plateau)
{
	mc_plot_opts o;
	mc_plot_series s = { NULL, s_auc, 10, "orange" };
	mc_plot_mark mk = { 0, 4, "plateau (iteration 4)" };
	mc_png *p = NULL, *q = NULL;
	mc_error err = { 0 };
	cairo_surface_t *img, *img2;
	size_t red, red2, i, notes = 0;

	mc_plot_opts_init(&o);
	o.title = "AUC across iterations";
	o.xlabel = "Iteration";
	o.ylabel = "AUC (5-fold cross-validation)";
	ck_assert_int_eq(mc_plot_line(&p, &s, 1, &mk, &o, &err), 0);
	pic_save("line_auc_plateau.png", p);
	ck_assert_int_eq(p->width, 640);
	ck_assert_int_eq(p->height, 400);
	img = pic_decode(p);
	pic_assert_text_inside(p);
	for (i = 0; i < p->n_text; i++)
		if (p->text[i].kind == MC_TEXT_NOTE)
			notes++;
	ck_assert_uint_eq(notes, 1);
	red = pic_count_color(img, 0xd62728, 40);

	/* without the mark there is no red at all */
	ck_assert_int_eq(mc_plot_line(&q, &s, 1, NULL, &o, &err), 0);
	img2 = pic_decode(q);
	red2 = pic_count_color(img2, 0xd62728, 40);
	ck_assert_uint_gt(red, 400);
	ck_assert_uint_eq(red2, 0);
	/* the line itself is drawn in tab:blue */
	ck_assert_uint_gt(pic_count_color(img2, 0x1f77b4, 30), 1000);
	cairo_surface_destroy(img);
	cairo_surface_destroy(img2);
	mc_png_free(p);
	mc_png_free(q);
}
END_TEST

/* The walkthrough's curve: rising to its last point, which is the plateau.
 * The note finds the free space under the curve instead of covering the
 * line (it used to sit across the segment before the mark). */
START_TEST(test_line_note_keeps_off_a_rising_curve)
{
	static const double auc[10] = { 0.9596, 0.9643, 0.9676, 0.9702, 0.9729, 0.9745, 0.9759,
	                                0.9774, 0.9785, 0.9790 };
	mc_plot_series s = { NULL, auc, 10, "all classes" };
	mc_plot_mark mk = { 0, 9, "plateau (iteration 9)" };
	mc_plot_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *img;
	const mc_text_box *note = NULL;
	size_t blue = 0;

	mc_plot_opts_init(&o);
	o.title = "Macro AUC of all classes across iterations";
	o.xlabel = "Iteration";
	o.ylabel = "AUC";
	ck_assert_int_eq(mc_plot_line(&p, &s, 1, &mk, &o, &err), 0);
	pic_save("line_note_rising.png", p);
	pic_assert_text_inside(p);
	for (size_t i = 0; i < p->n_text; i++)
		if (p->text[i].kind == MC_TEXT_NOTE)
			note = &p->text[i];
	ck_assert_ptr_nonnull(note);
	img = pic_decode(p);
	/* no pixel of the line inside the note's box: tab:blue, or tab:blue
	 * paled by the note's white backing (the text is red, the grid grey) */
	for (double y = note->y; y < note->y + note->h; y += 0.5)
		for (double x = note->x; x < note->x + note->w; x += 0.5) {
			uint32_t px = pic_pixel(img, p->scale, x, y);
			blue += (int)(px & 0xff) - (int)(px >> 16 & 0xff) > 20;
		}
	ck_assert_msg(blue == 0, "%zu pixels of the line under the note at (%.0f, %.0f)", blue,
	              note->x, note->y);
	cairo_surface_destroy(img);
	mc_png_free(p);
}
END_TEST

START_TEST(test_line_two_series_legend_and_x)
{
	const double x[4] = { 1, 2, 5, 10 }, y1[4] = { 0.5, 0.7, 0.8, 0.82 },
	             y2[4] = { 0.5, 0.55, 0.6, 0.62 };
	mc_plot_series s[2] = { { x, y1, 4, "importance sampling" }, { x, y2, 4, "random sampling" } };
	mc_plot_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	size_t i, legend = 0;

	mc_plot_opts_init(&o);
	o.title = "Errors found";
	o.xlabel = "Iteration";
	o.ylabel = "Recall";
	ck_assert_int_eq(mc_plot_line(&p, s, 2, NULL, &o, &err), 0);
	pic_save("line_two_series.png", p);
	pic_assert_text_inside(p);
	for (i = 0; i < p->n_text; i++)
		if (p->text[i].kind == MC_TEXT_LEGEND)
			legend++;
	ck_assert_uint_eq(legend, 2);
	mc_png_free(p);
}
END_TEST

START_TEST(test_line_flat_and_single_point)
{
	const double flat[4] = { 0.85, 0.85, 0.85, 0.85 }, one[1] = { 0.7 };
	mc_plot_series s = { NULL, flat, 4, NULL }, p1 = { NULL, one, 1, NULL };
	mc_plot_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *img;
	size_t i, yt = 0;

	mc_plot_opts_init(&o);
	/* a title wider than the picture is cut, not clipped */
	o.title = "A flat line whose title goes on and on, far longer than any picture of 640 "
	          "logical pixels could hold in one line";
	o.ylabel = "AUC, averaged over five folds of stratified cross-validation, per iteration";
	ck_assert_int_eq(mc_plot_line(&p, &s, 1, NULL, &o, &err), 0);
	pic_save("line_flat.png", p);
	pic_assert_text_inside(p);
	pic_assert_no_overlap(p, MC_TEXT_YTICK);
	for (i = 0; i < p->n_text; i++)
		yt += p->text[i].kind == MC_TEXT_YTICK;
	ck_assert_uint_ge(yt, 3);   /* a readable axis around the value, not one tick */
	img = pic_decode(p);
	ck_assert_uint_gt(pic_count_color(img, 0x1f77b4, 30), 500);
	cairo_surface_destroy(img);
	mc_png_free(p);
	ck_assert_int_eq(mc_plot_line(&p, &p1, 1, NULL, NULL, &err), 0);
	pic_save("line_single_point.png", p);
	pic_assert_text_inside(p);
	mc_png_free(p);
}
END_TEST

START_TEST(test_line_rejects_bad_input)
{
	const double y[3] = { 0.5, NAN, 0.7 };
	mc_plot_series s = { NULL, y, 3, NULL };
	mc_plot_series ok = { NULL, s_auc, 10, NULL };
	mc_plot_mark mk = { 0, 10, "x" };
	mc_png *p = (mc_png *)1;
	mc_error err = { 0 };

	ck_assert_int_eq(mc_plot_line(&p, &s, 1, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.text, "line plot: series 0, point 1: (1, nan) is not finite");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_plot_line(&p, &ok, 1, &mk, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "line plot: mark at series 0, point 10 is outside the data");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_plot_line(&p, &ok, 0, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "0 series"));
}
END_TEST

/* ---------- bar chart ---------- */

START_TEST(test_bar_stacked_fixes)
{
	const char *labels[10] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };
	const double v[20] = { 5, 4, 3, 2, 1, 1, 0, 1, 0, 0,     /* relabeled */
	                       3, 2, 2, 1, 1, 0, 1, 0, 0, 0 };   /* removed */
	const char *stacks[2] = { "relabeled", "removed" };
	mc_plot_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *img;
	size_t i, legend = 0, values = 0;

	mc_plot_opts_init(&o);
	o.title = "Samples fixed per iteration";
	o.xlabel = "Iteration";
	o.ylabel = "Samples fixed";
	ck_assert_int_eq(mc_plot_bar(&p, labels, 10, v, 2, stacks, &o, &err), 0);
	pic_save("bar_fixed_stacked.png", p);
	pic_assert_text_inside(p);
	pic_assert_no_overlap(p, MC_TEXT_XTICK);
	img = pic_decode(p);
	ck_assert_uint_gt(pic_count_color(img, 0x1f77b4, 10), 2000);
	ck_assert_uint_gt(pic_count_color(img, 0xff7f0e, 10), 1000);
	for (i = 0; i < p->n_text; i++) {
		legend += p->text[i].kind == MC_TEXT_LEGEND;
		values += p->text[i].kind == MC_TEXT_CELL;
	}
	ck_assert_uint_eq(legend, 2);
	ck_assert_uint_eq(values, 10);   /* the total above each bar, zeros included */
	cairo_surface_destroy(img);
	mc_png_free(p);
}
END_TEST

START_TEST(test_bar_long_labels_rotate)
{
	const char *labels[12] = { "person", "bicycle", "motorcycle", "airplane", "traffic light",
	                           "fire hydrant", "baseball glove", "tennis racket", "wine glass",
	                           "hot dog", "potted plant", "a very long category name indeed" };
	double v[12];
	mc_plot_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	size_t i;

	for (i = 0; i < 12; i++)
		v[i] = 10 + (double)(i * 37 % 50);
	mc_plot_opts_init(&o);
	o.title = "Instances per class";
	o.ylabel = "Instances";
	ck_assert_int_eq(mc_plot_bar(&p, labels, 12, v, 1, NULL, &o, &err), 0);
	pic_save("bar_long_labels.png", p);
	pic_assert_text_inside(p);
	mc_png_free(p);
}
END_TEST

START_TEST(test_bar_rejects_negative_stack)
{
	const double v[4] = { 1, 2, -1, 0 };
	mc_png *p = NULL;
	mc_error err = { 0 };

	ck_assert_int_eq(mc_plot_bar(&p, NULL, 2, v, 2, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.text,
	                 "bar chart: series 1, bar 0: -1, expected a finite non-negative value");
}
END_TEST

/* ---------- heatmap ---------- */

START_TEST(test_heatmap_five_classes_marked)
{
	/* the article's example: true A is most often predicted as C */
	double v[25] = { 0.60, 0.05, 0.30, 0.03, 0.02,
	                       0.04, 0.85, 0.05, 0.03, 0.03,
	                       0.05, 0.05, 0.80, 0.05, 0.05,
	                       0.02, 0.03, 0.10, 0.80, 0.05,
	                       0.01, 0.04, 0.05, 0.05, 0.85 };
	const char *names[5] = { "A", "B", "C", "D", "E" };
	mc_matrix m = { 5, 5, 5, v, 0 };
	mc_heatmap_opts o;
	mc_heatmap_layout lay;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *img;
	size_t i, cells = 0;
	double cx, cy;

	mc_heatmap_opts_init(&o);
	o.title = "Normalized confusion matrix";
	o.row_labels = names;
	o.highlight = 2;
	o.mark_row = 0;
	o.mark_col = 2;
	ck_assert_int_eq(mc_plot_heatmap(&p, &lay, &m, &o, &err), 0);
	pic_save("heatmap_5_marked.png", p);
	pic_assert_text_inside(p);
	pic_assert_no_overlap(p, MC_TEXT_XTICK);
	pic_assert_no_overlap(p, MC_TEXT_YTICK);
	ck_assert_int_eq(lay.values_shown, 1);
	ck_assert_double_eq(lay.label_angle, 0);
	for (i = 0; i < p->n_text; i++)
		cells += p->text[i].kind == MC_TEXT_CELL;
	ck_assert_uint_eq(cells, 25);
	img = pic_decode(p);
	/* the marked cell's border is red, inside its left edge */
	cx = lay.x + 2 * lay.cell + 1.2;
	cy = lay.y + 0 * lay.cell + lay.cell * 0.5;
	pic_assert_color(img, p->scale, cx, cy, 0xd62728, 40);
	/* the darkest cell (0.85) is the end of "Blues", the lightest near white */
	pic_assert_color(img, p->scale, lay.x + 1 * lay.cell + 4, lay.y + 1 * lay.cell + 4, 0x08306b,
	                 12);
	pic_assert_color(img, p->scale, lay.x + 0 * lay.cell + 4, lay.y + 4 * lay.cell + 4, 0xf7fbff,
	                 12);
	/* an unmarked cell has no red border */
	ck_assert_uint_gt(pic_distance(img, p->scale, lay.x + 3 * lay.cell + 1.2,
	                               lay.y + 1 * lay.cell + lay.cell * 0.5, 0xd62728), 100);
	cairo_surface_destroy(img);
	mc_png_free(p);
}
END_TEST

static char *s_long_name(size_t i)
{
	static const char *const words[8] = { "traffic light", "fire hydrant", "baseball glove",
	                                       "tennis racket", "potted plant", "teddy bear",
	                                       "hair drier", "cell phone" };
	char *s = malloc(96);

	ck_assert_ptr_nonnull(s);
	snprintf(s, 96, "%s number %zu with a long descriptive name", words[i % 8], i);
	return s;
}

START_TEST(test_heatmap_80_long_names_fit)
{
	const size_t k = 80;
	mc_matrix *m = NULL;
	char *names[80];
	mc_heatmap_opts o;
	mc_heatmap_layout lay;
	mc_png *p = NULL;
	mc_error err = { 0 };
	size_t i, j, xt = 0, yt = 0;

	ck_assert_int_eq(mc_matrix_new(&m, k, k, &err), 0);
	for (i = 0; i < k; i++) {
		double rest = 0;
		names[i] = s_long_name(i);
		for (j = 0; j < k; j++) {
			if (j != i) {
				MC_AT(m, i, j) = (double)((i * 7 + j * 13) % 17 == 0) * 0.05;
				rest += MC_AT(m, i, j);
			}
		}
		MC_AT(m, i, i) = 1 - rest;
	}
	MC_AT(m, 3, 49) = 0.4;
	MC_AT(m, 3, 3) -= 0.4;
	mc_heatmap_opts_init(&o);
	o.title = "Normalized confusion matrix (80 classes)";
	o.row_labels = (const char *const *)names;
	o.highlight = 49;
	o.mark_row = 3;
	o.mark_col = 49;
	ck_assert_int_eq(mc_plot_heatmap(&p, &lay, m, &o, &err), 0);
	pic_save("heatmap_80_long_names.png", p);
	pic_assert_text_inside(p);
	pic_assert_no_overlap(p, MC_TEXT_XTICK);
	pic_assert_no_overlap(p, MC_TEXT_YTICK);
	for (i = 0; i < p->n_text; i++) {
		xt += p->text[i].kind == MC_TEXT_XTICK;
		yt += p->text[i].kind == MC_TEXT_YTICK;
		ck_assert(p->text[i].kind != MC_TEXT_CELL);
	}
	ck_assert_uint_eq(xt, k);
	ck_assert_uint_eq(yt, k);
	ck_assert_int_eq(lay.values_shown, 0);
	ck_assert_double_eq(lay.label_angle, 90);
	/* a notebook can show it: not wider than ~2 screens */
	ck_assert_int_le(p->width, 1400);
	ck_assert_int_le(p->height, 1400);
	{
		cairo_surface_t *img = pic_decode(p);
		/* small cells are marked by a ring around them */
		pic_assert_color(img, p->scale, lay.x + 49 * lay.cell - 1, lay.y + 3.5 * lay.cell,
		                 0xd62728, 40);
		pic_assert_color(img, p->scale, lay.x + 50 * lay.cell + 1.2, lay.y + 3.5 * lay.cell,
		                 0xd62728, 40);
		cairo_surface_destroy(img);
	}
	for (i = 0; i < k; i++)
		free(names[i]);
	mc_matrix_free(m);
	mc_png_free(p);
}
END_TEST

START_TEST(test_heatmap_counts_and_rotation)
{
	const char *names[12] = { "person", "bicycle", "car", "motorcycle", "airplane", "bus",
	                          "train", "truck", "boat", "traffic light", "fire hydrant",
	                          "stop sign" };
	mc_matrix *m = NULL;
	mc_heatmap_opts o;
	mc_heatmap_layout lay;
	mc_png *p = NULL;
	mc_error err = { 0 };
	size_t i, j;

	ck_assert_int_eq(mc_matrix_new(&m, 12, 12, &err), 0);
	for (i = 0; i < 12; i++)
		for (j = 0; j < 12; j++)
			MC_AT(m, i, j) = i == j ? 40 + (double)i * 7 : (double)((i + 2 * j) % 5);
	mc_heatmap_opts_init(&o);
	o.title = "Confusion matrix";
	o.row_labels = names;
	o.highlight = 9;
	o.mark_row = 10;
	o.mark_col = 9;
	ck_assert_int_eq(mc_plot_heatmap(&p, &lay, m, &o, &err), 0);
	pic_save("heatmap_12_counts.png", p);
	pic_assert_text_inside(p);
	ck_assert_int_eq(lay.values_shown, 1);
	ck_assert_double_eq(lay.label_angle, 45);
	mc_matrix_free(m);
	mc_png_free(p);
}
END_TEST

START_TEST(test_heatmap_rejects_bad_mark)
{
	double v[4] = { 1, 0, 0, 1 };
	mc_matrix m = { 2, 2, 2, v, 0 };
	mc_heatmap_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };

	mc_heatmap_opts_init(&o);
	o.mark_row = 0;
	o.mark_col = 2;
	ck_assert_int_eq(mc_plot_heatmap(&p, NULL, &m, &o, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.text, "heatmap: marked cell (0, 2), matrix is 2x2");
}
END_TEST

/* The value format is a caller's string: anything but one conversion of a
 * double (a %s, a %n, two conversions) is refused before it reaches printf. */
START_TEST(test_heatmap_rejects_a_format_that_is_not_one_double)
{
	static const char *const bad[] = { "%s", "%n", "%.2f %.2f", "%d", "100%", "%.2f%%",
	                                   "%*f", "%lf", "no conversion", "%+.3g %" };
	static const char *const good[] = { "%.2f", "%5.1e", "%G", "%+.3g", "p=%#.0f" };
	double v[4] = { 1, 0, 0, 1 };
	mc_matrix m = { 2, 2, 2, v, 0 };
	mc_heatmap_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!mc_plot_format_ok(bad[i]), "%s was accepted", bad[i]);
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ck_assert_msg(mc_plot_format_ok(good[i]), "%s was refused", good[i]);
	mc_heatmap_opts_init(&o);
	o.fmt = "%s";
	ck_assert_int_eq(mc_plot_heatmap(&p, NULL, &m, &o, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.text, "heatmap: fmt \"%s\" must hold one %f, %g or %e conversion, "
	                 "like \"%.2f\"");
	o.fmt = "p=%#.0f";
	mc_error_clear(&err);
	ck_assert_int_eq(mc_plot_heatmap(&p, NULL, &m, &o, &err), 0);
	mc_png_free(p);
}
END_TEST

START_TEST(test_text_fit_ellipsis)
{
	char *s = mc_text_fit("a rather long class name", 11, 0, 60);
	double w, h;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(s, "\xe2\x80\xa6"));
	mc_text_measure(s, 11, 0, &w, &h);
	ck_assert_double_le(w, 60);
	free(s);
	s = mc_text_fit("short", 11, 0, 60);
	ck_assert_str_eq(s, "short");
	free(s);
	/* invalid UTF-8 is shown, not dropped */
	s = mc_text_fit("a\xff" "b", 11, 0, 60);
	ck_assert_str_eq(s, "a?b");
	free(s);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("plot");
	TCase *tc = tcase_create("plot");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ticks_nice_numbers);
	tcase_add_test(tc, test_line_auc_with_plateau);
	tcase_add_test(tc, test_line_note_keeps_off_a_rising_curve);
	tcase_add_test(tc, test_line_two_series_legend_and_x);
	tcase_add_test(tc, test_line_flat_and_single_point);
	tcase_add_test(tc, test_line_rejects_bad_input);
	tcase_add_test(tc, test_bar_stacked_fixes);
	tcase_add_test(tc, test_bar_long_labels_rotate);
	tcase_add_test(tc, test_bar_rejects_negative_stack);
	tcase_add_test(tc, test_heatmap_five_classes_marked);
	tcase_add_test(tc, test_heatmap_80_long_names_fit);
	tcase_add_test(tc, test_heatmap_counts_and_rotation);
	tcase_add_test(tc, test_heatmap_rejects_bad_mark);
	tcase_add_test(tc, test_heatmap_rejects_a_format_that_is_not_one_double);
	tcase_add_test(tc, test_text_fit_ellipsis);
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
