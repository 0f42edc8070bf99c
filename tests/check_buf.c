/* Tests of maskclean/buf.h: arrays that grow by appending keep what they
 * hold, an impossible size fails without touching the array, and a byte
 * buffer stays a C string and remembers a failure. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/buf.h"
#include "suite_run.h"

START_TEST(test_push_keeps_every_element)
{
	uint32_t *a = NULL;
	size_t n = 0, cap = 0;

	for (uint32_t v = 0; v < 100000; v++)
		ck_assert_int_eq(mc_push((void **)&a, &n, &cap, &v, sizeof v), 0);
	ck_assert_uint_eq(n, 100000);
	ck_assert_uint_ge(cap, n);
	for (uint32_t v = 0; v < 100000; v++)
		ck_assert_uint_eq(a[v], v);
	free(a);
}
END_TEST

START_TEST(test_grow_refuses_an_overflowing_size)
{
	double *a = NULL;
	size_t cap = 0;

	ck_assert_int_eq(mc_grow((void **)&a, &cap, 10, sizeof *a), 0);
	ck_assert_uint_ge(cap, 10);
	double *before = a;
	size_t cap_before = cap;
	ck_assert_int_eq(mc_grow((void **)&a, &cap, SIZE_MAX / 4, sizeof *a), -1);
	ck_assert_ptr_eq(a, before);
	ck_assert_uint_eq(cap, cap_before);
	/* enough room already: nothing to do */
	ck_assert_int_eq(mc_grow((void **)&a, &cap, 3, sizeof *a), 0);
	ck_assert_ptr_eq(a, before);
	free(a);
}
END_TEST

START_TEST(test_buf_is_a_string_and_remembers_failure)
{
	mc_buf b = { 0 };

	ck_assert_int_eq(mc_buf_put(&b, "ab", 2), 0);
	ck_assert_int_eq(mc_buf_put(&b, "", 0), 0);
	ck_assert_int_eq(mc_buf_put(&b, "cd", 2), 0);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_str_eq((const char *)b.data, "abcd");
	/* a length no buffer can take fails, and later appends do nothing */
	ck_assert_int_eq(mc_buf_put(&b, "x", SIZE_MAX - 2), -1);
	ck_assert(b.failed);
	ck_assert_int_eq(mc_buf_put(&b, "ef", 2), -1);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_str_eq((const char *)b.data, "abcd");
	free(b.data);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_push_keeps_every_element);
	tcase_add_test(tc, test_grow_refuses_an_overflowing_size);
	tcase_add_test(tc, test_buf_is_a_string_and_remembers_failure);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(buf_suite());
}
