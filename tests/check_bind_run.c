/* Tests of run(path) (kernel/bind_run.c, mc_call_run_code in eval.c): a
 * file of code runs in the session, its errors name the file and the line,
 * and bad files (missing, too large, not UTF-8, running themselves, never
 * ending) fail clearly and leave the session usable. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lang_fixture.h"
#include "suite_run.h"
#include "testutil.h"

static char g_dir[4096];

static void s_setup(void)
{
	tu_tmpdir(g_dir, sizeof g_dir, "run");
}

static void s_teardown(void)
{
	tu_rmtree(g_dir);
}

/* Writes n bytes of text to g_dir/name. */
static void s_file(const char *name, const char *text, size_t n)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", g_dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Runs run("<g_dir>/name") expecting ename; returns the traceback joined
 * (caller frees) and checks the message contains want. */
static char *s_run_fails(mc_interp *in, const char *name, const char *ename, const char *want)
{
	char code[4400], *all;
	mc_value *res = NULL;
	mc_exec_error x;
	size_t k, n = 1;

	snprintf(code, sizeof code, "run(\"%s/%s\")", g_dir, name);
	memset(&x, 0, sizeof x);
	ck_assert_msg(mc_interp_execute(in, code, &s_io, &res, &x) != 0, "%s did not fail", code);
	ck_assert_str_eq(x.ename, ename);
	ck_assert_msg(strstr(x.evalue, want) != NULL, "%s: '%s' lacks '%s'", code, x.evalue, want);
	for (k = 0; k < json_array_size(x.traceback); k++)
		n += strlen(json_string_value(json_array_get(x.traceback, k))) + 1;
	all = calloc(1, n);
	for (k = 0; k < json_array_size(x.traceback); k++) {
		strcat(all, json_string_value(json_array_get(x.traceback, k)));
		strcat(all, "\n");
	}
	mc_exec_error_clear(&x);
	return all;
}

START_TEST(test_run_defines_in_the_session)
{
	mc_interp *in = mc_interp_new();
	char code[4400];
	const char *text = "x = 40\n"
	                   "def twice(a):\n"
	                   "    \"\"\"Doubles a.\"\"\"\n"
	                   "    return 2 * a\n"
	                   "names = [n for n in [\"a\", \"b\"]]\n";

	s_file("setup.mc", text, strlen(text));
	snprintf(code, sizeof code, "r = run(\"%s/setup.mc\")\nr is None", g_dir);
	ck_assert(s_true(in, code));
	ck_assert_int_eq(s_int(in, "twice(x) + len(names)"), 82);
	/* inside a function, the file still defines the session's variables */
	snprintf(code, sizeof code, "del x\ndef load():\n    run(\"%s/setup.mc\")\n    return 1\n"
	         "load() + x", g_dir);
	ck_assert_int_eq(s_int(in, code), 41);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_run_errors_name_the_file_and_line)
{
	mc_interp *in = mc_interp_new();
	char *tb;
	const char *bad = "y = 5\nz = undefined_name + 1\nw = 3\n";
	const char *syntax = "a = 1\nb = (1,\n";
	char big[4096];

	s_file("bad.mc", bad, strlen(bad));
	tb = s_run_fails(in, "bad.mc", "NameError", "undefined_name");
	ck_assert_msg(strstr(tb, "File ") != NULL && strstr(tb, "bad.mc") != NULL, "%s", tb);
	ck_assert_msg(strstr(tb, "line 2") != NULL && strstr(tb, "z = undefined_name") != NULL,
	              "%s", tb);
	free(tb);
	/* the statements before the failing one keep their effect, as %run */
	ck_assert_int_eq(s_int(in, "y"), 5);
	s_fails(in, "w", "NameError", "'w'");
	s_file("syntax.mc", syntax, strlen(syntax));
	tb = s_run_fails(in, "syntax.mc", "SyntaxError", "'('");
	ck_assert_msg(strstr(tb, "syntax.mc") != NULL && strstr(tb, "line ") != NULL, "%s", tb);
	free(tb);
	s_fails(in, "a", "NameError", "'a'");   /* a syntax error runs nothing */
	free(s_run_fails(in, "missing.mc", "IOError", "missing.mc: cannot open"));
	free(s_run_fails(in, "", "IOError", "expected a file of code"));
	/* not UTF-8, or a NUL byte: the line is named */
	s_file("latin1.mc", "a = 1\nb = 2\ns = \"caf\xe9\"\n", 22);
	free(s_run_fails(in, "latin1.mc", "ParseError", "line 3: byte 0xe9 is not UTF-8"));
	s_file("nul.mc", "a = 1\n\0\n", 8);
	free(s_run_fails(in, "nul.mc", "ParseError", "line 2: a NUL byte"));
	/* more than 1 MiB */
	memset(big, '#', sizeof big);
	{
		char path[4200];
		FILE *f;

		snprintf(path, sizeof path, "%s/big.mc", g_dir);
		f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		for (int k = 0; k < 257; k++)
			ck_assert_uint_eq(fwrite(big, 1, sizeof big, f), sizeof big);
		ck_assert_int_eq(fclose(f), 0);
	}
	free(s_run_fails(in, "big.mc", "ValueError", "at most 1048576"));
	ck_assert_int_eq(s_int(in, "1 + 1"), 2);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_run_of_itself_is_a_recursion_error)
{
	mc_interp *in = mc_interp_new();
	char text[4200], *tb;

	snprintf(text, sizeof text, "run(\"%s/self.mc\")\n", g_dir);
	s_file("self.mc", text, strlen(text));
	tb = s_run_fails(in, "self.mc", "RecursionError", "maximum recursion depth");
	/* the repeated frame is shown once, with how often it repeats */
	ck_assert_msg(strstr(tb, "skipping similar frames: ") != NULL, "%s", tb);
	ck_assert_msg(strlen(tb) < 4000, "%zu bytes of traceback", strlen(tb));
	free(tb);
	ck_assert_int_eq(s_int(in, "1 + 1"), 2);
	mc_interp_free(in);
}
END_TEST

static void *s_interrupt_soon(void *arg)
{
	struct timespec ts = { 0, 150 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	atomic_store(&s_flag, 1);
	return NULL;
}

START_TEST(test_run_stops_on_interrupt)
{
	mc_interp *in = mc_interp_new();
	const char *text = "n = 0\nwhile True:\n    n += 1\n";
	pthread_t th;

	s_file("forever.mc", text, strlen(text));
	atomic_store(&s_flag, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, s_interrupt_soon, NULL), 0);
	free(s_run_fails(in, "forever.mc", "KeyboardInterrupt", "interrupted"));
	pthread_join(th, NULL);
	atomic_store(&s_flag, 0);
	ck_assert(s_true(in, "n > 0"));
	mc_interp_free(in);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("bind_run");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_run_defines_in_the_session);
	tcase_add_test(tc, test_run_errors_name_the_file_and_line);
	tcase_add_test(tc, test_run_of_itself_is_a_recursion_error);
	tcase_add_test(tc, test_run_stops_on_interrupt);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
