/* Tests of the input limits (runtime/limits.c): defaults, ranges, lookup by
 * name, the refusal message, and that docs/limits.md documents every limit
 * with its default. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/limits.h"
#include "suite_run.h"

START_TEST(test_defaults_and_set)
{
	mc_error err;

	mc_limit_reset();
	ck_assert_uint_eq(mc_limit(MC_LIMIT_IMAGE_PIXELS), 178956970);
	ck_assert_uint_eq(mc_limit(MC_LIMIT_COORDINATE), 10000000);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_limit_set(MC_LIMIT_IMAGE_PIXELS, 400000000, &err), 0);
	ck_assert_uint_eq(mc_limit(MC_LIMIT_IMAGE_PIXELS), 400000000);
	/* Out of range: refused, the value stays. */
	ck_assert_int_eq(mc_limit_set(MC_LIMIT_JSON_DEPTH, 5000, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "json_depth must be 1..2048, got 5000"));
	ck_assert_uint_eq(mc_limit(MC_LIMIT_JSON_DEPTH), 128);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_limit_set(MC_LIMIT_POLYGON_POINTS, 2, &err), MC_ERR_INVALID);
	mc_limit_reset();
	ck_assert_uint_eq(mc_limit(MC_LIMIT_IMAGE_PIXELS), 178956970);
}
END_TEST

START_TEST(test_find_and_check)
{
	mc_limit_id id;
	mc_error err;

	mc_limit_reset();
	mc_error_clear(&err);
	ck_assert_int_eq(mc_limit_find(&id, "polygon_points", &err), 0);
	ck_assert_int_eq(id, MC_LIMIT_POLYGON_POINTS);
	ck_assert_int_eq(mc_limit_find(&id, "pixels", &err), MC_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown limit 'pixels'; limits are: image_pixels, "
	                                       "json_depth, string_bytes"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_limit_check(MC_LIMIT_IMAGE_PIXELS, 178956970, "image", &err), 0);
	ck_assert_int_eq(mc_limit_check(MC_LIMIT_IMAGE_PIXELS, 178956971,
	                                "image is 13379x13376 = 178956971 pixels", &err),
	                 MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "image is 13379x13376 = 178956971 pixels, above the limit of "
	                           "178956970 (image_pixels; raise it with "
	                           "set_limit(\"image_pixels\", n))");
}
END_TEST

/* docs/limits.md has a row for every limit, with its default. */
START_TEST(test_documented)
{
	const char *src = getenv("MC_SRCDIR");
	char path[4096], *doc;
	FILE *f;
	long n;

	ck_assert_msg(src != NULL, "MC_SRCDIR is not set (run through make check)");
	snprintf(path, sizeof path, "%s/docs/limits.md", src);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	doc = calloc((size_t)n + 1, 1);
	ck_assert_uint_eq(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (int i = 0; i < MC_LIMIT_COUNT_; i++) {
		const mc_limit_info *li = mc_limit_info_of((mc_limit_id)i);
		char row[128];

		snprintf(row, sizeof row, "| `%s` | %llu |", li->name, (unsigned long long)li->dflt);
		ck_assert_msg(strstr(doc, row) != NULL, "docs/limits.md has no row \"%s\"", row);
	}
	free(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("limits");

	tcase_add_test(tc, test_defaults_and_set);
	tcase_add_test(tc, test_find_and_check);
	tcase_add_test(tc, test_documented);
	suite_add_tcase(s, tc);
	return mc_check_run(s);
}
