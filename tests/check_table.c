/* Tests of the table builder (table.h): HTML escaping and alignment, the
 * aligned plain-text twin, row limits and errors. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/table.h"
#include "suite_run.h"

static mc_table *s_iterations(void)
{
	const char *cols[4] = { "iteration", "class", "AUC", "fixed" };
	const char *cls[3] = { "orange", "<b>apple</b> & \"pear\"", "lemon" };
	const double auc[3] = { 0.81234, 0.8561, NAN };
	mc_table *t = NULL;
	mc_error err = { 0 };
	size_t i, r;

	ck_assert_int_eq(mc_table_new(&t, cols, 4, &err), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(mc_table_add_row(t, &r, &err), 0);
		ck_assert_uint_eq(r, i);
		ck_assert_int_eq(mc_table_set_int(t, r, 0, (int64_t)i, &err), 0);
		ck_assert_int_eq(mc_table_set_str(t, r, 1, cls[i], &err), 0);
		ck_assert_int_eq(mc_table_set_float(t, r, 2, auc[i], &err), 0);
		ck_assert_int_eq(mc_table_set_int(t, r, 3, (int64_t)(12 - 5 * i), &err), 0);
	}
	return t;
}

START_TEST(test_html_escapes_and_aligns)
{
	mc_table *t = s_iterations();
	mc_error err = { 0 };
	char *html = NULL;

	ck_assert_int_eq(mc_table_set_caption(t, "Iterations <all>", &err), 0);
	ck_assert_int_eq(mc_table_html(&html, t, &err), 0);
	/* markup in the data is escaped, never passed through */
	ck_assert_ptr_null(strstr(html, "<b>"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;b&gt;apple&lt;/b&gt; &amp; &quot;pear&quot;"));
	ck_assert_ptr_nonnull(strstr(html, "Iterations &lt;all&gt;</caption>"));
	/* numbers right, text left, headers follow their column */
	ck_assert_ptr_nonnull(strstr(html, "<td style=\"text-align:right;padding:2px 8px\">0.8561</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td style=\"text-align:right;padding:2px 8px\">nan</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td style=\"text-align:left;padding:2px 8px\">orange</td>"));
	ck_assert_ptr_nonnull(strstr(html, "text-align:right;padding:2px 8px;border-bottom:1px solid #888\">AUC</th>"));
	ck_assert_ptr_nonnull(strstr(html, "text-align:left;padding:2px 8px;border-bottom:1px solid #888\">class</th>"));
	ck_assert_ptr_eq(strstr(html, "<table"), html);
	ck_assert_ptr_nonnull(strstr(html, "</table>"));
	free(html);
	mc_table_free(t);
}
END_TEST

START_TEST(test_text_twin_aligned)
{
	mc_table *t = s_iterations();
	mc_error err = { 0 };
	char *text = NULL;

	mc_table_set_digits(t, 2, 3);
	ck_assert_int_eq(mc_table_text(&text, t, &err), 0);
	ck_assert_str_eq(text,
	                 "iteration  class                    AUC  fixed\n"
	                 "---------  ---------------------  -----  -----\n"
	                 "        0  orange                 0.812     12\n"
	                 "        1  <b>apple</b> & \"pear\"  0.856      7\n"
	                 "        2  lemon                    nan      2\n");
	free(text);
	mc_table_free(t);
}
END_TEST

START_TEST(test_text_counts_code_points_and_flattens_newlines)
{
	const char *cols[2] = { "name", "n" };
	mc_table *t = NULL;
	mc_error err = { 0 };
	char *text = NULL;
	size_t r;

	ck_assert_int_eq(mc_table_new(&t, cols, 2, &err), 0);
	ck_assert_int_eq(mc_table_add_row(t, &r, &err), 0);
	ck_assert_int_eq(mc_table_set_str(t, r, 0, "cr\xc3\xa8me", &err), 0);
	ck_assert_int_eq(mc_table_set_int(t, r, 1, 3, &err), 0);
	ck_assert_int_eq(mc_table_add_row(t, &r, &err), 0);
	ck_assert_int_eq(mc_table_set_str(t, r, 0, "two\nlines", &err), 0);
	ck_assert_int_eq(mc_table_set_int(t, r, 1, -12, &err), 0);
	ck_assert_int_eq(mc_table_text(&text, t, &err), 0);
	ck_assert_str_eq(text,
	                 "name         n\n"
	                 "---------  ---\n"
	                 "cr\xc3\xa8me        3\n"
	                 "two lines  -12\n");
	free(text);
	mc_table_free(t);
}
END_TEST

START_TEST(test_max_rows_elides_the_middle)
{
	const char *cols[1] = { "idx" };
	mc_table *t = NULL;
	mc_error err = { 0 };
	char *text = NULL, *html = NULL;
	size_t i, r;

	ck_assert_int_eq(mc_table_new(&t, cols, 1, &err), 0);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(mc_table_add_row(t, &r, &err), 0);
		ck_assert_int_eq(mc_table_set_int(t, r, 0, (int64_t)i * 10, &err), 0);
	}
	mc_table_set_max_rows(t, 4);
	ck_assert_int_eq(mc_table_text(&text, t, &err), 0);
	ck_assert_str_eq(text, "idx\n---\n  0\n 10\n  \xe2\x80\xa6\n980\n990\n[100 rows x 1 columns]\n");
	ck_assert_int_eq(mc_table_html(&html, t, &err), 0);
	ck_assert_ptr_null(strstr(html, ">20<"));
	ck_assert_ptr_nonnull(strstr(html, ">990<"));
	ck_assert_ptr_nonnull(strstr(html, "100 rows"));
	free(text);
	free(html);
	mc_table_free(t);
}
END_TEST

START_TEST(test_errors)
{
	const char *cols[2] = { "a", NULL };
	mc_table *t = (mc_table *)1;
	mc_error err = { 0 };
	size_t r;

	ck_assert_int_eq(mc_table_new(&t, cols, 0, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err.text, "table: no columns");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_table_new(&t, cols, 2, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "table: column 1 has no name");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_table_new(&t, cols, 1, &err), 0);
	ck_assert_int_eq(mc_table_add_row(t, &r, &err), 0);
	ck_assert_int_eq(mc_table_set_str(t, 1, 0, "x", &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "table: no cell (1, 0), the table is 1x1");
	ck_assert_uint_eq(mc_table_rows(t), 1);
	ck_assert_uint_eq(mc_table_cols(t), 1);
	mc_table_free(t);
	mc_table_free(NULL);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_html_escapes_and_aligns);
	tcase_add_test(tc, test_text_twin_aligned);
	tcase_add_test(tc, test_text_counts_code_points_and_flattens_newlines);
	tcase_add_test(tc, test_max_rows_elides_the_middle);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
