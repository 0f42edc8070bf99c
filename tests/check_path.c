/* Tests of maskclean/path.h: joining, and making folders (nested, existing,
 * and failing with an error that names the path). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "maskclean/atomic_file.h"
#include "maskclean/path.h"
#include "testutil.h"
#include "suite_run.h"

static int s_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

START_TEST(test_join)
{
	char *p = mc_path_join("/data/coco", "annotations.json");

	ck_assert_str_eq(p, "/data/coco/annotations.json");
	free(p);
}
END_TEST

START_TEST(test_mkdirs_makes_the_missing_folders)
{
	char dir[4096], deep[4200];
	mc_error err;

	tu_tmpdir(dir, sizeof dir, "path");
	snprintf(deep, sizeof deep, "%s/a/b/c", dir);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_mkdirs(deep, &err), 0);
	ck_assert(s_is_dir(deep));
	/* again: every folder exists, nothing to do */
	ck_assert_int_eq(mc_mkdirs(deep, &err), 0);
	ck_assert_int_eq(mc_mkdir(deep, &err), 0);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_mkdir_under_a_file_names_the_path)
{
	char dir[4096], file[4200], sub[4300];
	mc_error err;

	tu_tmpdir(dir, sizeof dir, "path");
	snprintf(file, sizeof file, "%s/plain", dir);
	snprintf(sub, sizeof sub, "%s/plain/sub", dir);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_write_file_atomic(file, "x", 1, &err), 0);
	ck_assert_int_eq(mc_mkdir(sub, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, sub));
	ck_assert_ptr_nonnull(strstr(err.text, "Not a directory"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_mkdirs(sub, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "plain"));
	ck_assert(!s_is_dir(sub));
	tu_rmtree(dir);
}
END_TEST

static Suite *path_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_mkdirs_makes_the_missing_folders);
	tcase_add_test(tc, test_mkdir_under_a_file_names_the_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(path_suite());
}
