/* Test helpers of the language bindings (tests/check_bind_*.c): run code in
 * an interpreter and look at its value or its error, as a notebook would. */
#ifndef MC_TESTS_LANG_FIXTURE_H
#define MC_TESTS_LANG_FIXTURE_H

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "interp.h"
#include "value.h"

/* ---- one interpreter per test in s_in, run without an mc_io ---- */

static mc_interp *s_in;

/* Checked fixture: a new interpreter in s_in. */
static inline void setup(void)
{
	s_in = mc_interp_new();
	ck_assert_ptr_nonnull(s_in);
}

static inline void teardown(void)
{
	mc_interp_free(s_in);
	s_in = NULL;
}

/* Runs code in s_in; returns the repr of its value ("" for none) or
 * "<ename>: <evalue>". Caller frees. */
static inline char *run(const char *code)
{
	mc_value *res = NULL;
	mc_exec_error xe;
	char *s;

	memset(&xe, 0, sizeof xe);
	if (mc_interp_execute(s_in, code, NULL, &res, &xe) != 0) {
		size_t n = strlen(xe.ename) + strlen(xe.evalue) + 3;

		s = malloc(n);
		snprintf(s, n, "%s: %s", xe.ename, xe.evalue);
		json_decref(xe.traceback);
		return s;
	}
	s = res != NULL ? mc_value_repr(res) : strdup("");
	mc_unref(res);
	return s;
}

static inline void assert_run(const char *code, const char *want)
{
	char *got = run(code);

	ck_assert_msg(strcmp(got, want) == 0, "%s\n  gave: %s\n  want: %s", code, got, want);
	free(got);
}

/* The tinycoco annotations under MC_TEST_DATA; fails the test if missing. */
static inline const char *tiny(void)
{
	static char path[4096];
	const char *dir = getenv("MC_TEST_DATA");
	struct stat st;

	ck_assert_msg(dir != NULL, "MC_TEST_DATA is not set (run through make check)");
	snprintf(path, sizeof path, "%s/coco/tinycoco/annotations/instances_train2017.json", dir);
	ck_assert_msg(stat(path, &st) == 0, "test data is missing: %s", path);
	return path;
}

/* ---- an interpreter of the test's own, run with an mc_io that drops what
 * it is sent (displays are built, not shown) ---- */

static atomic_int s_flag;

static inline void s_stream(void *ctx, const char *name, const char *text)
{
	(void)ctx; (void)name; (void)text;
}

static inline void s_display(void *ctx, json_t *data, json_t *metadata, const char *id,
                             int update)
{
	(void)ctx; (void)data; (void)metadata; (void)id; (void)update;
}

static inline void s_clear(void *ctx, int wait)
{
	(void)ctx; (void)wait;
}

static inline int s_input(void *ctx, const char *prompt, int password, char **out)
{
	(void)ctx; (void)prompt; (void)password; (void)out;
	return -1;
}

static const mc_io s_io = { NULL, s_stream, s_display, s_clear, s_input, &s_flag, 1, NULL };

/* Runs code; returns the result (caller unrefs) and fails the test on error. */
static inline mc_value *s_run(mc_interp *in, const char *code)
{
	mc_value *res = NULL;
	mc_exec_error xerr;

	memset(&xerr, 0, sizeof xerr);
	if (mc_interp_execute(in, code, &s_io, &res, &xerr) != 0)
		ck_abort_msg("%s failed: %s: %s", code, xerr.ename, xerr.evalue);
	mc_exec_error_clear(&xerr);
	return res;
}

/* Runs code expecting an error named ename whose message contains want. */
static inline void s_fails(mc_interp *in, const char *code, const char *ename, const char *want)
{
	mc_value *res = NULL;
	mc_exec_error xerr;

	memset(&xerr, 0, sizeof xerr);
	ck_assert_msg(mc_interp_execute(in, code, &s_io, &res, &xerr) != 0, "%s did not fail", code);
	ck_assert_str_eq(xerr.ename, ename);
	ck_assert_msg(strstr(xerr.evalue, want) != NULL, "%s: '%s' lacks '%s'", code, xerr.evalue,
	              want);
	mc_exec_error_clear(&xerr);
	mc_unref(res);
}

/* Shorthands over s_run: run for the effect, or for an int, a bool, a repr
 * (caller frees) or a value whose bundle has a picture. */
static inline void s_do(mc_interp *in, const char *code)
{
	mc_unref(s_run(in, code));
}

static inline int64_t s_int(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	int64_t i;
	ck_assert_msg(v != NULL && mc_type(v) == MC_T_INT, "%s is not an int", code);
	i = mc_as_int(v);
	mc_unref(v);
	return i;
}

static inline int s_true(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	int b;
	ck_assert_msg(v != NULL && mc_type(v) == MC_T_BOOL, "%s is not a bool", code);
	b = mc_as_bool(v);
	mc_unref(v);
	return b;
}

static inline char *s_repr(mc_interp *in, const char *code)
{
	mc_value *v = s_run(in, code);
	char *s = mc_value_repr(v);
	mc_unref(v);
	return s;
}

/* The bundle of code's value has a picture under mime: image/png, or
 * image/jpeg for pictures of photos (review batches, grids). */
static inline void s_has_image(mc_interp *in, const char *code, const char *mime)
{
	mc_value *v = s_run(in, code);
	json_t *data = NULL, *meta = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_value_bundle(v, &data, &meta, &err), 0);
	ck_assert_msg(json_is_string(json_object_get(data, mime)), "%s has no %s", code, mime);
	json_decref(data);
	json_decref(meta);
	mc_unref(v);
}

static inline void s_has_png(mc_interp *in, const char *code)
{
	s_has_image(in, code, "image/png");
}

/* What the last s_run_output printed (stdout and stderr). */
static inline char *s_output(void)
{
	static char buf[8192];
	return buf;
}

static inline void s_output_stream(void *ctx, const char *name, const char *text)
{
	char *buf = s_output();
	(void)ctx;
	(void)name;
	strncat(buf, text, 8192 - strlen(buf) - 1);
}

/* s_run, with what the code prints kept for s_output(). */
static inline mc_value *s_run_output(mc_interp *in, const char *code)
{
	mc_io io = s_io;
	mc_value *res = NULL;
	mc_exec_error xerr;

	io.stream = s_output_stream;
	io.silent = 0;
	s_output()[0] = '\0';
	memset(&xerr, 0, sizeof xerr);
	if (mc_interp_execute(in, code, &io, &res, &xerr) != 0)
		ck_abort_msg("%s failed: %s: %s", code, xerr.ename, xerr.evalue);
	mc_exec_error_clear(&xerr);
	return res;
}

#endif
