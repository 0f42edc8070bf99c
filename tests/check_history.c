/* Tests of the persistent input history (SQLite): sessions across restarts,
 * tail, range, search, the bounds, several writers at once, the file of JSON
 * lines of earlier versions, a damaged database, the last session number. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history.h"
#include "suite_run.h"
#include "testutil.h"

static char s_dir[4096];
static char s_path[4200];

static void s_setup(void)
{
	tu_tmpdir(s_dir, sizeof s_dir, "hist");
	snprintf(s_path, sizeof s_path, "%s/sub/dir/history.sqlite", s_dir);
}

static void s_teardown(void)
{
	tu_rmtree(s_dir);
}

static mc_history *s_open_with(const mc_history_limits *limits)
{
	mc_history *h = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_open(&h, s_path, limits, &err) == 0, "%s", err.text);
	return h;
}

static mc_history *s_open(void)
{
	return s_open_with(NULL);
}

static void s_add(mc_history *h, int64_t line, const char *src)
{
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_append(h, line, src, &err) == 0, "%s", err.text);
}

static void s_sync(mc_history *h)
{
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_sync(h, &err) == 0, "%s", err.text);
}

static json_t *s_tail(mc_history *h, int64_t n, int output)
{
	json_t *r = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_tail(h, &r, n, output, &err) == 0, "%s", err.text);
	return r;
}

static json_t *s_range(mc_history *h, int64_t session, int64_t start, int64_t stop)
{
	json_t *r = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_range(h, &r, session, start, stop, 0, &err) == 0, "%s", err.text);
	return r;
}

static json_t *s_search(mc_history *h, const char *pattern, int64_t n, int unique)
{
	json_t *r = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_history_search(h, &r, pattern, n, unique, 0, &err) == 0, "%s", err.text);
	return r;
}

/* Asserts that entry i of arr is [session, line, source]. */
static void s_expect(json_t *arr, size_t i, int64_t session, int64_t line, const char *src)
{
	json_t *e = json_array_get(arr, i);

	ck_assert_msg(json_is_array(e), "entry %zu missing", i);
	ck_assert_int_eq(json_integer_value(json_array_get(e, 0)), session);
	ck_assert_int_eq(json_integer_value(json_array_get(e, 1)), line);
	ck_assert_str_eq(json_string_value(json_array_get(e, 2)), src);
}

/* One integer from the database at s_path, read as another program would. */
static int64_t s_sql_int(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	ck_assert_int_eq(sqlite3_open_v2(s_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);  /* a history may be writing */
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
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
	r = s_tail(h, 10, 0);
	ck_assert_uint_eq(json_array_size(r), 3);
	s_expect(r, 0, 1, 1, "x = 1");
	s_expect(r, 1, 1, 2, "y = \"caf\xc3\xa9\"\nprint(y)");
	s_expect(r, 2, 2, 1, "z = x");
	json_decref(r);

	r = s_tail(h, 2, 1);
	ck_assert_uint_eq(json_array_size(r), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(json_array_get(r, 0), 2), 0)),
	                 "y = \"caf\xc3\xa9\"\nprint(y)");
	ck_assert(json_is_null(json_array_get(json_array_get(json_array_get(r, 0), 2), 1)));
	json_decref(r);

	/* range: session 0 is the current one, -1 the one before */
	r = s_range(h, 0, 1, 0);
	ck_assert_uint_eq(json_array_size(r), 1);
	s_expect(r, 0, 2, 1, "z = x");
	json_decref(r);
	r = s_range(h, -1, 2, 3);
	ck_assert_uint_eq(json_array_size(r), 1);
	s_expect(r, 0, 1, 2, "y = \"caf\xc3\xa9\"\nprint(y)");
	json_decref(r);
	r = s_range(h, 1, 1, 0);
	ck_assert_uint_eq(json_array_size(r), 2);
	s_expect(r, 0, 1, 1, "x = 1");
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_sync_puts_cells_on_disk)
{
	mc_history *h = s_open();
	struct stat st;

	s_add(h, 1, "on_disk = 1");
	s_sync(h);
	/* while the kernel still runs, another program reads the cell */
	ck_assert_int_eq(s_sql_int("SELECT count(*) FROM history WHERE source = 'on_disk = 1' "
	                           "AND session = 1 AND line = 1"), 1);
	ck_assert_int_eq(stat(s_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);  /* cells may hold secrets */
	mc_history_free(h);
}
END_TEST

START_TEST(test_free_writes_what_is_queued)
{
	mc_history *h = s_open();

	for (int i = 1; i <= 200; i++)
		s_add(h, i, "queued");
	mc_history_free(h);  /* no sync: the kernel is shutting down */
	ck_assert_int_eq(s_sql_int("SELECT count(*) FROM history WHERE source = 'queued'"), 200);
	ck_assert_int_eq(s_sql_int("SELECT num_cmds FROM sessions WHERE session = 1"), 200);
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

	r = s_search(h, "*pca*", 0, 0);
	ck_assert_uint_eq(json_array_size(r), 2);
	s_expect(r, 0, 1, 1, "pca = PCA(n_components=8)");
	s_expect(r, 1, 1, 3, "pca.fit(X)");
	json_decref(r);

	r = s_search(h, "? = ?", 0, 0);
	ck_assert_uint_eq(json_array_size(r), 3);
	json_decref(r);
	r = s_search(h, "? = ?", 0, 1);  /* unique keeps the latest x = 1 */
	ck_assert_uint_eq(json_array_size(r), 2);
	s_expect(r, 0, 1, 4, "x = 1");
	s_expect(r, 1, 1, 5, "y = 2");
	json_decref(r);
	r = s_search(h, "*", 1, 0);  /* the last n */
	ck_assert_uint_eq(json_array_size(r), 1);
	s_expect(r, 0, 1, 5, "y = 2");
	json_decref(r);
	r = s_search(h, "nothing*", 0, 0);
	ck_assert_uint_eq(json_array_size(r), 0);
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_bounded_entries)
{
	mc_history_limits lim;
	mc_history *h;
	json_t *r;
	char src[32];
	int total = 100 + 3 * 256;

	mc_history_limits_init(&lim);
	lim.max_entries = 100;
	h = s_open_with(&lim);
	for (int i = 1; i <= total; i++) {
		snprintf(src, sizeof src, "x = %d", i);
		s_add(h, i, src);
	}
	s_sync(h);
	/* trimmed while written: never more than the bound and one batch */
	ck_assert_int_le(s_sql_int("SELECT count(*) FROM history"), 100 + 256);
	mc_history_free(h);

	h = s_open_with(&lim);  /* trimmed at each start, newest kept */
	r = s_tail(h, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 100);
	snprintf(src, sizeof src, "x = %d", total);
	s_expect(r, 99, 1, total, src);
	snprintf(src, sizeof src, "x = %d", total - 99);
	s_expect(r, 0, 1, total - 99, src);
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_bounded_bytes_and_cells)
{
	mc_history_limits lim;
	mc_history *h;
	json_t *r;
	char *big = malloc(1001), note[128];

	memset(big, 'a', 1000);
	big[1000] = '\0';
	mc_history_limits_init(&lim);
	lim.max_bytes = 10000;
	lim.max_source = 1000;
	h = s_open_with(&lim);
	for (int i = 1; i <= 30; i++)
		s_add(h, i, big);
	big[999] = '\0';
	memset(big, 'b', 999);
	s_add(h, 31, big);
	free(big);
	big = malloc(50 * 1000 + 1);  /* a cell longer than the history keeps */
	memset(big, 'c', 50 * 1000);
	big[50 * 1000] = '\0';
	s_add(h, 32, big);
	free(big);
	mc_history_free(h);

	h = s_open_with(&lim);
	s_sync(h);  /* opened and trimmed */
	ck_assert_int_le(s_sql_int("SELECT sum(length(source)) FROM history"), 10000);
	r = s_tail(h, 2, 0);
	snprintf(note, sizeof note, "# a cell of %d bytes: longer than the history keeps (1000 bytes)",
	         50 * 1000);
	s_expect(r, 1, 1, 32, note);
	ck_assert_uint_eq(strlen(json_string_value(json_array_get(json_array_get(r, 0), 2))), 999);
	json_decref(r);
	mc_history_free(h);
}
END_TEST

typedef struct writer {
	mc_history *h;
	int cells;
} writer;

static void *s_write_cells(void *arg)
{
	writer *w = arg;
	char src[64];

	for (int i = 1; i <= w->cells; i++) {
		snprintf(src, sizeof src, "cell %d of session %lld", i,
		         (long long)mc_history_session(w->h));
		s_add(w->h, i, src);
		if (i % 50 == 0)
			s_sync(w->h);  /* many transactions, interleaved with the other's */
	}
	s_sync(w->h);
	return NULL;
}

START_TEST(test_two_writers_at_once)
{
	mc_history_limits lim;
	writer w[2];
	pthread_t t[2];
	json_t *r;

	mc_history_limits_init(&lim);
	lim.max_entries = 450;  /* both trim while the other writes */
	for (int k = 0; k < 2; k++) {
		w[k].h = s_open_with(&lim);
		w[k].cells = 300;
	}
	ck_assert_int_ne(mc_history_session(w[0].h), mc_history_session(w[1].h));
	for (int k = 0; k < 2; k++)
		ck_assert_int_eq(pthread_create(&t[k], NULL, s_write_cells, &w[k]), 0);
	for (int k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	/* every writer's latest cells are there: only the oldest were trimmed */
	for (int k = 0; k < 2; k++) {
		int64_t session = mc_history_session(w[k].h);
		char src[64];

		r = s_range(w[k].h, 0, 200, 0);
		ck_assert_uint_eq(json_array_size(r), 101);
		snprintf(src, sizeof src, "cell 300 of session %lld", (long long)session);
		s_expect(r, 100, session, 300, src);
		json_decref(r);
	}
	for (int k = 0; k < 2; k++)
		mc_history_free(w[k].h);
	ck_assert_int_le(s_sql_int("SELECT count(*) FROM history"), 450 + 256);
	ck_assert_int_eq(s_sql_int("SELECT count(DISTINCT session) FROM history"), 2);
}
END_TEST

/* Writes the file of JSON lines earlier versions kept beside s_path. */
static void s_write_legacy(const char *text)
{
	char path[4300];
	FILE *f;

	snprintf(path, sizeof path, "%s/sub", s_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sub/dir", s_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sub/dir/history", s_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_imports_legacy_file_after_session_2147483647)
{
	mc_history *h;
	json_t *r;

	s_write_legacy("{\"session\": 1, \"line\": 1, \"source\": \"a = 1\"}\n"
	               "garbage\n"
	               "{\"session\": 2147483647, \"line\": 1, \"source\": \"b = 2\"}\n"
	               "{\"session\": 2147483647, \"line\": 2, \"source\": \"c = \\u0000\"}\n");
	h = s_open();
	/* no signed overflow at last + 1: sessions are 64-bit */
	ck_assert_int_eq(mc_history_session(h), INT64_C(2147483648));
	s_add(h, 1, "d = 4");
	r = s_tail(h, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 3);  /* the line holding U+0000 is skipped */
	s_expect(r, 0, 1, 1, "a = 1");
	s_expect(r, 1, 2147483647, 1, "b = 2");
	s_expect(r, 2, INT64_C(2147483648), 1, "d = 4");
	json_decref(r);
	mc_history_free(h);

	h = s_open();  /* imported once, not at every start */
	ck_assert_int_eq(mc_history_session(h), INT64_C(2147483649));
	r = s_tail(h, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 3);
	json_decref(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_no_session_number_left)
{
	mc_history *h;
	json_t *r = NULL;
	mc_error err;

	s_write_legacy("{\"session\": 9223372036854775807, \"line\": 1, \"source\": \"x = 1\"}\n");
	h = s_open();
	ck_assert_int_eq(mc_history_session(h), 0);
	s_add(h, 1, "y = 2");  /* the kernel goes on without a history */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_history_sync(h, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "no session number is left"));
	ck_assert_ptr_nonnull(strstr(err.text, s_path));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_history_tail(h, &r, 0, 0, &err), MC_ERR_IO);
	ck_assert_ptr_null(r);
	mc_history_free(h);
}
END_TEST

START_TEST(test_damaged_database_moved_aside)
{
	mc_history *h = s_open();
	char cmd[4400], aside[4400] = "";
	json_t *r;
	FILE *f, *p;

	mc_history_free(h);
	f = fopen(s_path, "w");
	fputs("this is not an SQLite database, but it is the user's file\n", f);
	fclose(f);
	h = s_open();
	ck_assert_int_eq(mc_history_session(h), 1);  /* a new history */
	s_add(h, 1, "after = 1");
	r = s_tail(h, 0, 0);
	ck_assert_uint_eq(json_array_size(r), 1);
	json_decref(r);
	mc_history_free(h);
	snprintf(cmd, sizeof cmd, "ls %s.corrupt-*", s_path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(aside, sizeof aside, p));
	pclose(p);
	aside[strcspn(aside, "\n")] = '\0';
	f = fopen(aside, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(cmd, sizeof cmd, f));
	fclose(f);
	ck_assert_str_eq(cmd, "this is not an SQLite database, but it is the user's file\n");
}
END_TEST

START_TEST(test_unwritable)
{
	mc_history *h = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_history_open(&h, "/proc/maskclean/history.sqlite", NULL, &err),
	                 MC_ERR_IO);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(err.text, "/proc/maskclean/history.sqlite"));
}
END_TEST

START_TEST(test_default_path)
{
	char *p;

	setenv("XDG_DATA_HOME", "/data/home", 1);
	p = mc_history_default_path();
	ck_assert_str_eq(p, "/data/home/maskclean/history.sqlite");
	free(p);
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/u", 1);
	p = mc_history_default_path();
	ck_assert_str_eq(p, "/home/u/.local/share/maskclean/history.sqlite");
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("history");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_sessions_across_restart);
	tcase_add_test(tc, test_sync_puts_cells_on_disk);
	tcase_add_test(tc, test_free_writes_what_is_queued);
	tcase_add_test(tc, test_search);
	tcase_add_test(tc, test_bounded_entries);
	tcase_add_test(tc, test_bounded_bytes_and_cells);
	tcase_add_test(tc, test_two_writers_at_once);
	tcase_add_test(tc, test_imports_legacy_file_after_session_2147483647);
	tcase_add_test(tc, test_no_session_number_left);
	tcase_add_test(tc, test_damaged_database_moved_aside);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_default_path);
	suite_add_tcase(s, tc);
	return mc_check_run(s);
}
