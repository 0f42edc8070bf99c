/* Tests of runtime/matrix.c: allocation, copies, gathers, views, wraps and
 * the non-finite scan. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "maskclean/matrix.h"
#include "suite_run.h"

static mc_matrix *s_counting(size_t r, size_t c)
{
	mc_matrix *m = NULL;
	mc_error err = { 0 };

	ck_assert_int_eq(mc_matrix_new(&m, r, c, &err), 0);
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			MC_AT(m, i, j) = (double)(10 * i + j);
	return m;
}

START_TEST(test_new_copy_gather)
{
	mc_matrix *m = NULL, *c = NULL, *g = NULL;
	mc_error err = { 0 };
	size_t idx[3] = { 3, 0, 3 };

	ck_assert_int_eq(mc_matrix_new(&m, 4, 3, &err), 0);
	ck_assert_uint_eq(m->rows, 4);
	ck_assert_uint_eq(m->cols, 3);
	ck_assert_uint_eq(m->stride, 3);
	ck_assert_int_eq(m->owns, 1);
	for (size_t i = 0; i < 12; i++)
		ck_assert_double_eq(m->data[i], 0.0);
	mc_matrix_free(m);

	m = s_counting(4, 3);
	ck_assert_int_eq(mc_matrix_copy(&c, m, &err), 0);
	MC_AT(m, 1, 1) = -1.0;
	ck_assert_double_eq(MC_AT(c, 1, 1), 11.0);
	ck_assert_int_eq(mc_matrix_gather_rows(&g, m, idx, 3, &err), 0);
	ck_assert_uint_eq(g->rows, 3);
	ck_assert_double_eq(MC_AT(g, 0, 2), 32.0);
	ck_assert_double_eq(MC_AT(g, 1, 0), 0.0);
	ck_assert_double_eq(MC_AT(g, 2, 1), 31.0);
	mc_matrix_free(g);
	idx[1] = 4;
	ck_assert_int_eq(mc_matrix_gather_rows(&g, m, idx, 3, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(g);
	ck_assert_str_eq(err.text,
	                 "row index 4 (position 1) is out of range, the matrix has 4 rows");
	mc_matrix_free(m);
	mc_matrix_free(c);
	mc_matrix_free(NULL);
}
END_TEST

START_TEST(test_views_and_strides)
{
	double buf[4 * 5];
	mc_matrix *w = NULL, *c = NULL, *m;
	mc_matrix v;
	mc_error err = { 0 };

	for (size_t i = 0; i < 20; i++)
		buf[i] = (double)i;
	ck_assert_int_eq(mc_matrix_wrap(&w, buf, 4, 3, 5, &err), 0);
	ck_assert_int_eq(w->owns, 0);
	ck_assert_double_eq(MC_AT(w, 2, 1), 11.0);
	/* a copy of a strided matrix is compact */
	ck_assert_int_eq(mc_matrix_copy(&c, w, &err), 0);
	ck_assert_uint_eq(c->stride, 3);
	ck_assert_double_eq(MC_AT(c, 3, 2), 17.0);
	v = mc_matrix_view_rows(w, 1, 2);
	ck_assert_uint_eq(v.rows, 2);
	ck_assert_uint_eq(v.stride, 5);
	ck_assert_int_eq(v.owns, 0);
	MC_AT(&v, 0, 0) = 99.0;
	ck_assert_double_eq(buf[5], 99.0);
	mc_matrix_free(w);   /* does not free buf */
	ck_assert_double_eq(buf[19], 19.0);
	mc_matrix_free(c);
	ck_assert_int_eq(mc_matrix_wrap(&w, buf, 4, 6, 5, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(w);
	ck_assert_msg(strstr(err.text, "stride 5 is smaller than its 6 columns") != NULL, "%s",
	              err.text);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_matrix_new(&m, SIZE_MAX / 4, 3, &err), MC_ERR_NOMEM);
	ck_assert_ptr_null(m);
}
END_TEST

START_TEST(test_find_nonfinite)
{
	mc_matrix *m = s_counting(3, 4);
	mc_matrix v;

	ck_assert_uint_eq(mc_matrix_find_nonfinite(m), (size_t)-1);
	MC_AT(m, 2, 1) = NAN;
	ck_assert_uint_eq(mc_matrix_find_nonfinite(m), 9);
	MC_AT(m, 1, 3) = -INFINITY;
	ck_assert_uint_eq(mc_matrix_find_nonfinite(m), 7);
	v = mc_matrix_view_rows(m, 2, 1);
	ck_assert_uint_eq(mc_matrix_find_nonfinite(&v), 1);
	mc_matrix_free(m);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_new_copy_gather);
	tcase_add_test(tc, test_views_and_strides);
	tcase_add_test(tc, test_find_nonfinite);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
