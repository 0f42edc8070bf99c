/* Tests of the persistent input history: sessions across restarts, tail,
 * range, search, and the bound on the file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"

static char s_dir[64];
static char s_path[128];

static void s_setup(void)
{
	snprintf(s_dir, sizeof s_dir, "/tmp/mc-hist-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s_dir));
	snprintf(s_path, sizeof s_path, "%s/sub/dir/history", s_dir);
}

static void s_teardown(void)
{
	char cmd[200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static mc_history *s_open(void)
{
	mc_history *h = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_open(&h, s_path, &err) == 0, "%s", err.text);
	return h;
}

static void s_add(mc_history *h, int line, const char *src)
{
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_append(h, line, src, &err) == 0, "%s", err.text);
}

/* Asserts that entry i of arr is [session, line, source]. */
static void s_expect(json_t *arr, size_t i, int session, int line, const char *src)
{
	json_t *e = json_array_get(arr, i);

	ck_assert_msg(json_is_array(e), "entry %zu missing", i);
	ck_assert_int_eq(json_integer_value(json_array_get(e, 0)), session);
	ck_assert_int_eq(json_integer_value(json_array_get(e, 1)), line);
	ck_assert_str_eq(json_string_value(json_array_get(e, 2)), src);
}

START_TEST(test_sessions_across_restart)
{
	mc_history *h = s_open();
	json_t *r;

	ck_assert_int_eq(mc_history_session(h), 1);
	s_add(h, 1, "x = 1");
	s_add(h, 2, "y = \"caf\xc3\xa9\"\nprint(y)");
	mc_history_free(h);  /* the kernel restarts */

	h = s_open();
	ck_assert_int_eq(mc_history_session(h), 2);
	s_add(h, 1, "z = x");
	r = mc_history_tail(h, 10, 0);
	ck_assert_uint_eq(json_array_size(r), 3);
	s_expect(r, 0, 1, 1, "x = 1");
	s_expect(r, 1, 1, 2, "y = \"caf\xc3\xa9\"\nprint(y)");
	s_expect(r, 2, 2, 1, "z = x");
	json_decref(r);

	r = mc_history_tail(h, 2, 1);
	ck_assert_uint_eq(json_array_size(r), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(json_array_get(r, 0), 2), 0)),
	                 "y = \"caf\xc3\xa9\"\nprint(y)");
	ck_assert(json_is_null(json_array_get(json_array_get(json_array_get(r, 0), 2), 1)));
	json_decref(r);

	/* range: session 0 is the current one, -1 the one before */
	r = mc_history_range(h, 0, 1, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 1);
	s_expect(r, 0, 2, 1, "z = x");
	json_decref(r);
	r = mc_history_range(h, -1, 2, 3, 0);
	ck_assert_uint_eq(json_array_size(r), 1);
	s_expect(r, 0, 1, 2, "y = \"caf\xc3\xa9\"\nprint(y)");
	json_decref(r);
	r = mc_history_range(h, 1, 1, 2, 0);
	ck_assert_uint_eq(json_array_size(r), 1);
	s_expect(r, 0, 1, 1, "x = 1");
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_sync_puts_cells_on_disk)
{
	mc_history *h = s_open();
	FILE *f;
	char line[256] = "";

	s_add(h, 1, "on_disk = 1");
	ck_assert_int_eq(mc_history_sync(h), 0);
	f = fopen(s_path, "r");  /* while the kernel still runs */
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	ck_assert_ptr_nonnull(strstr(line, "\"source\":\"on_disk = 1\""));
	ck_assert_ptr_nonnull(strstr(line, "\"session\":1"));
	mc_history_free(h);
}
END_TEST

START_TEST(test_search)
{
	mc_history *h = s_open();
	json_t *r;

	s_add(h, 1, "pca = PCA(n_components=8)");
	s_add(h, 2, "x = 1");
	s_add(h, 3, "pca.fit(X)");
	s_add(h, 4, "x = 1");
	s_add(h, 5, "y = 2");

	r = mc_history_search(h, "*pca*", 0, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 2);
	s_expect(r, 0, 1, 1, "pca = PCA(n_components=8)");
	s_expect(r, 1, 1, 3, "pca.fit(X)");
	json_decref(r);

	r = mc_history_search(h, "? = ?", 0, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 3);
	json_decref(r);
	r = mc_history_search(h, "? = ?", 0, 1, 0);  /* unique keeps the latest x = 1 */
	ck_assert_uint_eq(json_array_size(r), 2);
	s_expect(r, 0, 1, 4, "x = 1");
	s_expect(r, 1, 1, 5, "y = 2");
	json_decref(r);
	r = mc_history_search(h, "*", 1, 0, 0);  /* the last n */
	ck_assert_uint_eq(json_array_size(r), 1);
	s_expect(r, 0, 1, 5, "y = 2");
	json_decref(r);
	r = mc_history_search(h, "nothing*", 0, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 0);
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_bounded)
{
	mc_history *h = s_open();
	json_t *r;
	char src[32];
	int total = MC_HISTORY_MAX + 10;
	FILE *f;
	int lines = 0, c;

	for (int i = 1; i <= total; i++) {
		snprintf(src, sizeof src, "x = %d", i);
		s_add(h, i, src);
	}
	r = mc_history_tail(h, 0, 0);
	ck_assert_uint_le(json_array_size(r), MC_HISTORY_MAX);
	snprintf(src, sizeof src, "x = %d", total);
	s_expect(r, json_array_size(r) - 1, 1, total, src);
	json_decref(r);
	mc_history_free(h);

	f = fopen(s_path, "r");
	ck_assert_ptr_nonnull(f);
	while ((c = fgetc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	ck_assert_int_le(lines, MC_HISTORY_MAX);
	ck_assert_int_gt(lines, 0);

	h = s_open();  /* the compacted file still reads back, newest last */
	ck_assert_int_eq(mc_history_session(h), 2);
	r = mc_history_tail(h, 1, 0);
	s_expect(r, 0, 1, total, src);
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_corrupt_lines_skipped)
{
	mc_history *h = s_open();
	FILE *f;
	json_t *r;

	s_add(h, 1, "a = 1");
	mc_history_free(h);
	f = fopen(s_path, "a");
	fputs("{\"session\": 1, \"line\": \ngarbage\n", f);
	fclose(f);
	h = s_open();
	s_add(h, 1, "b = 2");
	r = mc_history_tail(h, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 2);
	s_expect(r, 0, 1, 1, "a = 1");
	s_expect(r, 1, 2, 1, "b = 2");
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_unwritable)
{
	mc_history *h = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_history_open(&h, "/proc/maskclean/history", &err), MC_ERR_IO);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(err.text, "/proc/maskclean/history"));
}
END_TEST

START_TEST(test_default_path)
{
	char *p;

	setenv("XDG_DATA_HOME", "/data/home", 1);
	p = mc_history_default_path();
	ck_assert_str_eq(p, "/data/home/maskclean/history");
	free(p);
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/u", 1);
	p = mc_history_default_path();
	ck_assert_str_eq(p, "/home/u/.local/share/maskclean/history");
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("history");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_sessions_across_restart);
	tcase_add_test(tc, test_sync_puts_cells_on_disk);
	tcase_add_test(tc, test_search);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_corrupt_lines_skipped);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_default_path);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
