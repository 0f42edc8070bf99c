/* Tests of the command-language interpreter (kernel/eval.c, args.c, iter.c,
 * format.c, bind_core.c, complete.c): values of expressions and statements,
 * errors with position, message and a traceback per call, atomic
 * statements, limits on recursion and nesting, interrupts of loops and
 * builtins, cycle collection, progress, completion, inspection and
 * is_complete. Data-driven cases live in tests/data/lang/. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "interp.h"
#include "lang.h"
#include "registry.h"
#include "suite_run.h"

/* ---- an mc_io that records what it receives ---- */

typedef struct rec {
	char out[65536];   /* help() lists every function */
	json_t *displays;   /* [{data, id, update}] */
	const char *input_line;
	atomic_int intr;
} rec;

static void r_stream(void *ctx, const char *name, const char *text)
{
	rec *r = ctx;

	ck_assert_str_eq(name, "stdout");
	strncat(r->out, text, sizeof r->out - strlen(r->out) - 1);
}

static void r_display(void *ctx, json_t *data, json_t *meta, const char *id, int update)
{
	rec *r = ctx;

	(void)meta;
	json_array_append_new(r->displays, json_pack("{s:O, s:s, s:b}", "data", data, "id", id ? id : "",
	                                             "update", update));
}

static int r_input(void *ctx, const char *prompt, int password, char **out)
{
	rec *r = ctx;

	(void)password;
	ck_assert_str_eq(prompt, "name? ");
	if (r->input_line == NULL)
		return -1;
	*out = strdup(r->input_line);
	return 0;
}

static mc_io s_io(rec *r)
{
	mc_io io = { r, r_stream, r_display, NULL, r_input, &r->intr, 0, NULL };

	memset(r, 0, sizeof *r);
	r->displays = json_array();
	return io;
}

static void s_rec_free(rec *r)
{
	json_decref(r->displays);
}

/* Runs code, which must succeed; returns the repr of the result ("" if none). */
static char *s_run(mc_interp *in, const mc_io *io, const char *code)
{
	mc_value *res;
	mc_exec_error x;
	int rc = mc_interp_execute(in, code, io, &res, &x);
	char *r;

	ck_assert_msg(rc == 0, "'%s' failed: %s: %s", code, x.ename, x.evalue);
	r = res != NULL ? mc_value_repr(res) : strdup("");
	mc_unref(res);
	return r;
}

static void s_run_is(mc_interp *in, const mc_io *io, const char *code, const char *want)
{
	char *r = s_run(in, io, code);

	ck_assert_msg(strcmp(r, want) == 0, "'%s' gave %s, expected %s", code, r, want);
	free(r);
}

/* A copy of s without its ANSI colour codes. Caller frees. */
static char *s_plain(const char *s)
{
	char *o = malloc(strlen(s) + 1), *w = o;

	ck_assert_ptr_nonnull(o);
	while (*s != '\0') {
		if (s[0] == '\x1b' && s[1] == '[') {
			s += 2;
			while (*s != '\0' && *s != 'm')
				s++;
			if (*s == 'm')
				s++;
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
	return o;
}

/* Entry i of a traceback without colours (i < 0 counts from the end). */
static char *s_tb(const mc_exec_error *x, int i)
{
	size_t n = json_array_size(x->traceback);

	if (i < 0)
		i += (int)n;
	ck_assert_msg(i >= 0 && (size_t)i < n, "traceback has %zu entries, asked for %d", n, i);
	return s_plain(json_string_value(json_array_get(x->traceback, (size_t)i)));
}

/* Runs code, which must fail with ename; returns the error (clear it). The
 * traceback ends with "ename: evalue" and has one entry per frame. */
static mc_exec_error s_run_fail(mc_interp *in, const mc_io *io, const char *code, const char *ename)
{
	mc_value *res;
	mc_exec_error x;
	int rc = mc_interp_execute(in, code, io, &res, &x);
	char *last, want[1200];

	ck_assert_msg(rc != 0, "'%s' should fail", code);
	ck_assert_ptr_null(res);
	ck_assert_msg(strcmp(x.ename, ename) == 0, "'%s': %s (%s), expected %s", code, x.ename, x.evalue, ename);
	ck_assert_ptr_nonnull(x.traceback);
	ck_assert_uint_ge(json_array_size(x.traceback), 2);
	last = s_tb(&x, -1);
	snprintf(want, sizeof want, "%s: %s", x.ename, x.evalue);
	ck_assert_str_eq(last, want);
	free(last);
	/* coloured as ipykernel's */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(x.traceback, json_array_size(x.traceback) - 1)),
	                             "\x1b[0;31m"));
	return x;
}

/* The frame entry of a traceback shows the source line with an arrow and a
 * caret under column col of it. */
static void s_assert_caret(const char *entry, const char *src_line, int line, int col, const char *mark)
{
	char arrow[64];
	const char *a, *nl;
	size_t pad;

	snprintf(arrow, sizeof arrow, "%s%d ", mark, line);
	a = strstr(entry, arrow);
	ck_assert_msg(a != NULL, "no '%s' in '%s'", arrow, entry);
	ck_assert_msg(strncmp(a + strlen(arrow), src_line, strlen(src_line)) == 0, "'%s' does not show '%s'",
	              entry, src_line);
	nl = strchr(a, '\n');
	ck_assert_ptr_nonnull(nl);
	pad = strlen(arrow) + (size_t)col - 1;
	ck_assert_msg(strlen(nl + 1) == pad + 1 && nl[1 + pad] == '^', "'%s': caret not at column %d", entry, col);
}

static void s_unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static FILE *s_open_data(const char *name, char *path, size_t n)
{
	const char *srcdir = getenv("MC_SRCDIR");
	FILE *f;

	ck_assert_msg(srcdir != NULL, "MC_SRCDIR is not set: run the tests through make check");
	snprintf(path, n, "%s/tests/data/lang/%s", srcdir, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	return f;
}

/* ---- data-driven cases ---- */

START_TEST(test_eval_cases)
{
	char path[4096], line[4096];
	FILE *f = s_open_data("eval.txt", path, sizeof path);
	int cases = 0;
	rec r;
	mc_io io = s_io(&r);

	while (fgets(line, sizeof line, f) != NULL) {
		char *want, *nl = strchr(line, '\n');
		mc_interp *in;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nl != NULL)
			*nl = '\0';
		want = strchr(line, '\t');
		ck_assert_msg(want != NULL, "%s: no tab in '%s'", path, line);
		*want++ = '\0';
		s_unescape(line);
		s_unescape(want);
		in = mc_interp_new();
		s_run_is(in, &io, line, want);
		mc_interp_free(in);
		cases++;
	}
	fclose(f);
	s_rec_free(&r);
	ck_assert_int_ge(cases, 40);
}
END_TEST

START_TEST(test_error_cases)
{
	char path[4096], line[4096];
	FILE *f = s_open_data("eval_errors.txt", path, sizeof path);
	int cases = 0;
	rec r;
	mc_io io = s_io(&r);

	while (fgets(line, sizeof line, f) != NULL) {
		char *fields[5], *p = line, *nl = strchr(line, '\n');
		mc_interp *in;
		mc_exec_error x;
		int k, col, lineno;
		const char *code_line;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nl != NULL)
			*nl = '\0';
		for (k = 0; k < 5; k++) {
			fields[k] = p;
			p = strchr(p, '\t');
			ck_assert_msg(p != NULL || k == 4, "%s: bad line", path);
			if (p != NULL)
				*p++ = '\0';
		}
		s_unescape(fields[0]);
		lineno = atoi(fields[2]);
		col = atoi(fields[3]);
		in = mc_interp_new();
		x = s_run_fail(in, &io, fields[0], fields[1]);
		ck_assert_msg(strstr(x.evalue, fields[4]) != NULL, "'%s': '%s' lacks '%s'", fields[0], x.evalue,
		              fields[4]);
		/* the innermost frame: the source line, a caret under the column */
		ck_assert_msg(x.line == lineno && x.col == col, "'%s': error at %d:%d, expected %d:%d", fields[0],
		              x.line, x.col, lineno, col);
		code_line = fields[0];
		for (k = 1; k < lineno; k++)
			code_line = strchr(code_line, '\n') + 1;
		{
			char line1[512], *entry = s_tb(&x, -2);
			size_t len = strcspn(code_line, "\n");
			int back = -2;

			/* the innermost frame (a recursion's note may follow it) */
			while (strstr(entry, "skipping similar frames") != NULL) {
				free(entry);
				entry = s_tb(&x, --back);
			}

			snprintf(line1, sizeof line1, "%.*s", (int)len, code_line);
			s_assert_caret(entry, line1, lineno, col, strcmp(x.ename, "SyntaxError") == 0 ? "    " : "----> ");
			free(entry);
		}
		mc_exec_error_clear(&x);
		mc_interp_free(in);
		cases++;
	}
	fclose(f);
	s_rec_free(&r);
	ck_assert_int_ge(cases, 20);
}
END_TEST

/* seq * n: every repetition in place, and the repeat limit in bytes */
START_TEST(test_repeat_builds_and_bounds)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;
	size_t old = mc_lang_repeat_limit();

	ck_assert_uint_eq(old, (size_t)1 << 31);
	s_run_is(in, &io, "\"abc\" * 5", "'abcabcabcabcabc'");
	s_run_is(in, &io, "\"ab\" * 0, \"ab\" * -2, \"\" * 7, \"q\" * 1", "['', '', '', 'q']");
	s_run_is(in, &io, "s = \"xyz\" * 1000003\nlen(s), s.count(\"xyz\"), s[-4:], s[2999:3003]",
	         "[3000009, 1000003, 'zxyz', 'zxyz']");
	mc_lang_set_repeat_limit(32);
	s_run_is(in, &io, "len(\"ab\" * 16), len([1, 2] * 2)", "[32, 4]");
	x = s_run_fail(in, &io, "\"ab\" * 17", "MemoryError");
	mc_exec_error_clear(&x);
	x = s_run_fail(in, &io, "[1, 2] * 2 * 2", "MemoryError");
	mc_exec_error_clear(&x);
	mc_lang_set_repeat_limit(old);
	mc_interp_free(in);
	s_rec_free(&r);
}
END_TEST

/* ---- session behaviour ---- */

START_TEST(test_failing_statement_changes_nothing)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;

	free(s_run(in, &io, "x = 1; keep = [1, 2]"));
	x = s_run_fail(in, &io, "x = 2\ny = undefined_name\nz = 3", "NameError");
	mc_exec_error_clear(&x);
	s_run_is(in, &io, "x", "2");                     /* earlier statement ran */
	x = s_run_fail(in, &io, "y", "NameError");       /* failing one did nothing */
	mc_exec_error_clear(&x);
	x = s_run_fail(in, &io, "z", "NameError");       /* later ones did not run */
	mc_exec_error_clear(&x);
	x = s_run_fail(in, &io, "a, x = [5, 6, 7]", "ValueError");
	mc_exec_error_clear(&x);
	s_run_is(in, &io, "x", "2");
	x = s_run_fail(in, &io, "x = int(\"nope\")", "ValueError");
	mc_exec_error_clear(&x);
	s_run_is(in, &io, "x", "2");
	/* a syntax error anywhere runs nothing */
	x = s_run_fail(in, &io, "x = 100\ny = (", "SyntaxError");
	mc_exec_error_clear(&x);
	s_run_is(in, &io, "x, keep", "[2, [1, 2]]");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_print_and_result)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);

	s_run_is(in, &io, "print(\"a\", 1, [2], sep=\", \")\nprint(\"é\", end=\"\")", "");
	ck_assert_str_eq(r.out, "a, 1, [2]\né");
	/* the value of the last expression only, and nothing for none */
	s_run_is(in, &io, "1\n2", "2");
	s_run_is(in, &io, "none", "");
	s_run_is(in, &io, "x = 3", "");
	s_run_is(in, &io, "x;", "");          /* a final ';' hides the result */
	s_run_is(in, &io, "x; x + 1", "4");
	s_run_is(in, &io, "x;  # comment\n", "");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_help_and_dir)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	char *s;

	free(s_run(in, &io, "d = {\"a\": 1}\nhelp(d.get)"));
	ck_assert_ptr_nonnull(strstr(r.out, "dict.get(key, default=None)"));
	ck_assert_ptr_nonnull(strstr(r.out, "The value under key"));
	r.out[0] = '\0';
	free(s_run(in, &io, "help(len)"));
	ck_assert_ptr_nonnull(strstr(r.out, "len(x)"));
	r.out[0] = '\0';
	free(s_run(in, &io, "help()"));
	ck_assert_ptr_nonnull(strstr(r.out, "print(*values, sep=\" \", end=\"\\n\", file=None)"));
	ck_assert_ptr_nonnull(strstr(r.out, "sleep(seconds)"));
	/* one heading per area, with the registry's titles, over its own functions */
	{
		const char *review = strstr(r.out, "\nReview:\n"), *render = strstr(r.out, "\nRendering:\n");
		const char *mpi = strstr(r.out, "\nClusters (MPI):\n");

		ck_assert_ptr_nonnull(strstr(r.out, "\nCoreset:\n"));
		ck_assert_ptr_nonnull(review);
		ck_assert_ptr_nonnull(render);
		ck_assert_ptr_nonnull(mpi);
		ck_assert_ptr_null(strstr(review + 1, "\nReview:\n"));
		ck_assert(review < strstr(r.out, "\n  ReviewSession(") && strstr(r.out, "\n  ReviewSession(") < render);
		ck_assert(render < strstr(r.out, "\n  plot(") && strstr(r.out, "\n  plot(") < mpi);
	}
	r.out[0] = '\0';
	free(s_run(in, &io, "help(\"list.append\")"));
	ck_assert_ptr_nonnull(strstr(r.out, "list.append(item)"));
	r.out[0] = '\0';
	free(s_run(in, &io, "help([1])"));
	ck_assert_ptr_nonnull(strstr(r.out, "append(item)"));
	r.out[0] = '\0';
	/* the attributes of arrays, from their table: name and doc */
	free(s_run(in, &io, "help(array([[1, 2]]))"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nAttributes:\n  shape   [rows] or [rows, cols]\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\n  T       the transpose"));
	s_run_is(in, &io, "dir(array([1]))[:6]", "['shape', 'ndim', 'size', 'dtype', 'nbytes', 'T']");
	/* nbytes: what an embedding matrix costs in memory */
	s_run_is(in, &io, "array([[1.5, 2], [3, 4], [5, 6]]).nbytes, array([1, 2]).nbytes, array([]).nbytes",
	         "[48, 16, 0]");
	/* hasattr: methods and attributes, as dir() lists them */
	s_run_is(in, &io, "hasattr([], \"append\"), hasattr(array([1]), \"T\"), hasattr(1, \"T\"), "
	         "hasattr(d, \"get\"), hasattr(d, \"a\")", "[True, True, False, True, False]");
	s = s_run(in, &io, "dir([])");
	ck_assert_ptr_nonnull(strstr(s, "'append'"));
	free(s);
	s_run_is(in, &io, "dir()", "['d']");
	s_run_is(in, &io, "d.get", "<bound method dict.get>");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

/* array methods: reductions over every element and along each axis; int64
 * sums stay int64, means are float64, arg* give positions. */
START_TEST(test_array_reductions)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;

	free(s_run(in, &io, "a = array([[1, 5, 3], [4, 2, 6]])\nf = array([0.5, -1.5, 2.0])"));
	s_run_is(in, &io, "a.sum(), a.mean(), a.min(), a.max(), a.argmax(), a.argmin()", "[21, 3.5, 1, 6, 5, 0]");
	s_run_is(in, &io, "a.sum(axis=0).tolist(), a.sum(axis=1).tolist()", "[[5, 7, 9], [9, 12]]");
	s_run_is(in, &io, "a.mean(axis=0).tolist(), a.max(axis=1).tolist()", "[[2.5, 3.5, 4.5], [5, 6]]");
	s_run_is(in, &io, "a.argmax(axis=0).tolist(), a.argmin(axis=1).tolist()", "[[1, 0, 1], [0, 1]]");
	s_run_is(in, &io, "f.sum(), f.min(axis=0), f.argmin(), f.mean()", "[1.0, -1.5, 1, 0.3333333333333333]");
	s_run_is(in, &io, "(a > 2).any(), (a > 0).all(), (a > 1).all(), a.tolist()",
	         "[True, True, False, [[1, 5, 3], [4, 2, 6]]]");
	s_run_is(in, &io, "array([]).sum(), array([1, 2], dtype=\"float64\").sum()", "[0, 3.0]");
	x = s_run_fail(in, &io, "array([]).max()", "ValueError");
	ck_assert_str_eq(x.evalue, "array.max(): the array is empty");
	mc_exec_error_clear(&x);
	x = s_run_fail(in, &io, "a.sum(axis=2)", "ValueError");
	ck_assert_str_eq(x.evalue, "array.sum(): axis must be 0, 1 or None");
	mc_exec_error_clear(&x);
	x = s_run_fail(in, &io, "f.argmax(axis=1)", "ValueError");
	ck_assert_str_eq(x.evalue, "array.argmax(): axis must be 0 or None");
	mc_exec_error_clear(&x);
	x = s_run_fail(in, &io, "array([[1], [2, 3]])", "ShapeError");
	ck_assert_str_eq(x.evalue, "array(): row 1 has 2 items, expected 1");
	mc_exec_error_clear(&x);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

/* The article's own lines, through the coreset area's table entries. */
START_TEST(test_article_style_calls)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;

	free(s_run(in, &io, "svc = CoresetTreeServiceLG(optimized_for=\"cleaning\")\nhelp(svc.get_cleaning_samples)"));
	ck_assert_ptr_nonnull(strstr(r.out, "CoresetTreeServiceLG.get_cleaning_samples(size=None, class_size=None"));
	x = s_run_fail(in, &io, "r = svc.get_cleaning_samples(clas_size={\"orange\": 60})", "TypeError");
	ck_assert_str_eq(x.evalue, "CoresetTreeServiceLG.get_cleaning_samples() got an unexpected keyword "
	                 "argument 'clas_size'; did you mean 'class_size'?");
	ck_assert_int_eq(x.col, 30);
	mc_exec_error_clear(&x);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_display_and_input)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;

	free(s_run(in, &io, "display([1, 2], \"s\")"));
	ck_assert_uint_eq(json_array_size(r.displays), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(r.displays, 0), "data"),
	                                                   "text/plain")), "[1, 2]");
	r.input_line = "Ada";
	s_run_is(in, &io, "name = input(\"name? \")\nname", "'Ada'");
	r.input_line = NULL;
	x = s_run_fail(in, &io, "name = input(\"name? \")", "StateError");
	ck_assert_str_eq(x.evalue, "input() is not allowed: the front end did not allow stdin");
	mc_exec_error_clear(&x);
	s_run_is(in, &io, "name", "'Ada'");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

static void *s_interrupt_later(void *arg)
{
	rec *r = arg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	r->intr = 1;
	return NULL;
}

START_TEST(test_interrupt_stops_sleep)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;
	pthread_t th;

	free(s_run(in, &io, "before = 1"));
	ck_assert_int_eq(pthread_create(&th, NULL, s_interrupt_later, &r), 0);
	/* without the interrupt this would take a minute and time the test out */
	x = s_run_fail(in, &io, "a = 1\nsleep(60)\nafter = 2", "KeyboardInterrupt");
	pthread_join(th, NULL);
	ck_assert_str_eq(x.evalue, "interrupted");
	ck_assert_int_eq(x.line, 2);
	mc_exec_error_clear(&x);
	r.intr = 0;
	s_run_is(in, &io, "before, a", "[1, 1]");
	x = s_run_fail(in, &io, "after", "NameError");
	mc_exec_error_clear(&x);
	/* a flag already set stops the cell before its first statement */
	r.intr = 1;
	x = s_run_fail(in, &io, "c = 5", "KeyboardInterrupt");
	mc_exec_error_clear(&x);
	r.intr = 0;
	x = s_run_fail(in, &io, "c", "NameError");
	mc_exec_error_clear(&x);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_progress_bar)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	size_t n, i;
	const char *id, *last;
	json_t *first;

	free(s_run(in, &io, "sleep(0.7)"));
	n = json_array_size(r.displays);
	ck_assert_uint_ge(n, 2);
	first = json_array_get(r.displays, 0);
	id = json_string_value(json_object_get(first, "id"));
	ck_assert_ptr_nonnull(strstr(id, "mc-progress-"));
	ck_assert(json_is_false(json_object_get(first, "update")));
	ck_assert_ptr_nonnull(json_object_get(json_object_get(first, "data"), "text/html"));
	for (i = 1; i < n; i++) {
		json_t *d = json_array_get(r.displays, i);

		ck_assert(json_is_true(json_object_get(d, "update")));
		ck_assert_str_eq(json_string_value(json_object_get(d, "id")), id);
	}
	last = json_string_value(json_object_get(json_object_get(json_array_get(r.displays, n - 1), "data"),
	                                         "text/plain"));
	ck_assert_ptr_nonnull(strstr(last, "100%"));
	ck_assert_ptr_nonnull(strstr(last, "done"));
	/* each call gets its own bar; silent requests show none */
	free(s_run(in, &io, "sleep(0.5)"));
	ck_assert_str_ne(json_string_value(json_object_get(json_array_get(r.displays, n), "id")), id);
	n = json_array_size(r.displays);
	io.silent = 1;
	free(s_run(in, &io, "sleep(0.5)\ndisplay(1)"));
	ck_assert_uint_eq(json_array_size(r.displays), n);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_interp_eval)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_value *v;
	mc_exec_error x;

	free(s_run(in, &io, "x = [1, 2]"));
	ck_assert_int_eq(mc_interp_eval(in, "len(x) + 1", &io, &v, &x), 0);
	ck_assert_int_eq(mc_as_int(v), 3);
	mc_unref(v);
	/* no output reaches the session */
	ck_assert_int_eq(mc_interp_eval(in, "print(\"hidden\")", &io, &v, &x), 0);
	mc_unref(v);
	ck_assert_str_eq(r.out, "");
	ck_assert_int_ne(mc_interp_eval(in, "x = 3", &io, &v, &x), 0);
	ck_assert_str_eq(x.ename, "SyntaxError");
	mc_exec_error_clear(&x);
	ck_assert_int_ne(mc_interp_eval(in, "nope", &io, &v, &x), 0);
	ck_assert_str_eq(x.ename, "NameError");
	mc_exec_error_clear(&x);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_every_signature_parses)
{
	size_t t;
	const mc_func_def *d;
	int n = 0;

	for (t = 0; mc_registry[t].title != NULL; t++)
		for (d = mc_registry[t].funcs; d->name != NULL; d++) {
			mc_signature sig;
			mc_error err;

			mc_error_clear(&err);
			ck_assert_msg(mc_signature_parse(&sig, d->signature, &err) == 0, "table entry %s: %s", d->name,
			              err.text);
			ck_assert_msg(d->doc != NULL && d->doc[0] != '\0', "table entry %s has no doc", d->name);
			ck_assert_msg(d->fn != NULL, "table entry %s has no C function", d->name);
			mc_signature_clear(&sig);
			n++;
		}
	ck_assert_int_ge(n, 20);
}
END_TEST

START_TEST(test_signature_parse)
{
	mc_signature sig;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_signature_parse(&sig, "(X, y=none, n_components=256, solver=\"exact\", *, seed=-1, w=[1, 2], **kw)",
	                                    &err), 0);
	ck_assert_uint_eq(sig.n, 7);
	ck_assert_ptr_null(sig.params[0].dflt);
	ck_assert_int_eq(mc_type(sig.params[1].dflt), MC_T_NONE);
	ck_assert_int_eq(mc_as_int(sig.params[2].dflt), 256);
	ck_assert_str_eq(mc_as_str(sig.params[3].dflt), "exact");
	ck_assert_int_eq(sig.params[4].kind, MC_PARAM_KWONLY);
	ck_assert_int_eq(mc_as_int(sig.params[4].dflt), -1);
	ck_assert_uint_eq(mc_list_len(sig.params[5].dflt), 2);
	ck_assert_int_eq(sig.params[6].kind, MC_PARAM_VARKW);
	mc_signature_clear(&sig);
	ck_assert_int_eq(mc_signature_parse(&sig, "(x=foo())", &err), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, "default of 'x' must be a literal"));
}
END_TEST

static int s_kw_fn(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t n;
	const char *solver;

	if (mc_arg_int(call, "n_components", &n, err) != 0 || mc_arg_str(call, "solver", &solver, err) != 0)
		return err->code;
	ck_assert_int_eq(mc_arg_given(call, "solver"), 0);
	*out = mc_int(n);
	return 0;
}

START_TEST(test_bind_keyword_only_and_hint)
{
	const mc_func_def def = { "PCA", "(n_components=256, solver=\"exact\", *, seed=0)", "PCA.", NULL, s_kw_fn };
	mc_value *v = mc_int(8), *out = NULL;
	mc_callarg args[2] = { { NULL, NULL }, { NULL, NULL } };
	mc_call call;
	mc_error err;
	int bad;

	mc_error_clear(&err);
	args[0].name = "n_component";
	args[0].value = v;
	ck_assert_int_eq(mc_call_bind(&call, &def, NULL, args, 1, &bad, &err), MC_ERR_TYPE);
	ck_assert_str_eq(err.text, "PCA() got an unexpected keyword argument 'n_component'; did you mean 'n_components'?");
	ck_assert_int_eq(bad, 0);
	/* seed is keyword-only: a third positional is refused */
	mc_error_clear(&err);
	args[0].name = NULL;
	args[1].value = v;
	{
		mc_callarg three[3] = { { NULL, v }, { NULL, v }, { NULL, v } };

		ck_assert_int_eq(mc_call_bind(&call, &def, NULL, three, 3, &bad, &err), MC_ERR_TYPE);
		ck_assert_str_eq(err.text, "PCA() takes 2 positional arguments but 3 were given");
	}
	mc_error_clear(&err);
	args[1].name = "seed";
	ck_assert_int_eq(mc_call_bind(&call, &def, NULL, args, 2, &bad, &err), 0);
	ck_assert_int_eq(def.fn(&call, &out, &err), 0);
	ck_assert_int_eq(mc_as_int(out), 8);
	ck_assert_int_eq(mc_arg_given(&call, "seed"), 1);
	mc_call_clear(&call);
	mc_unref(out);
	mc_unref(v);
}
END_TEST

/* Deterministic mutations of valid cells: each runs to a value or to an
 * error with a traceback, and never crashes or leaks (ASan/valgrind). */
START_TEST(test_mutated_cells_never_crash)
{
	static const char *const seeds[] = {
		"x = [10, 20, 30]\ny = x[1:3] + [len(x)] * 2\nd = {\"a\": y, 1: -2.5}\nd[\"a\"][-1], sorted(y)",
		"a = array([[1, 2], [3, 4]])\nb = a[1] * 2 - a[:, 0]\nc, e = a\nsum(b == c), a.T, a.mean(axis=1)",
		"s = \"héllo\" + str(12)\nparts = s.split(\"l\")\n\"-\".join(parts)[::-1], s[1], min(3, 1), abs(-4)",
		"n = 7; n //= 2; n **= 3; m = n % 5 / 2\nz = [m, n] == [m, n] and not none or 1e-4",
	};
	static const char pieces[] = "()[]{},:.=+-*/%<>\"'#\n;an1 0_x";
	unsigned long state = 777;
	size_t s_i, round;
	rec r;
	mc_io io = s_io(&r);

	for (s_i = 0; s_i < sizeof seeds / sizeof seeds[0]; s_i++) {
		mc_interp *in = mc_interp_new();
		size_t len = strlen(seeds[s_i]);

		for (round = 0; round < 150; round++) {
			char buf[512];
			size_t n = len, k;
			mc_value *v = NULL;
			mc_exec_error x;

			memcpy(buf, seeds[s_i], len + 1);
			for (k = 0; k < 2; k++) {
				size_t at;

				state = state * 6364136223846793005UL + 1442695040888963407UL;
				at = (state >> 33) % (n + 1);
				if ((state >> 20) & 1) {
					if (at < n) {
						memmove(buf + at, buf + at + 1, n - at);
						n--;
					}
				} else if (n + 1 < sizeof buf) {
					memmove(buf + at + 1, buf + at, n - at + 1);
					buf[at] = pieces[(state >> 40) % (sizeof pieces - 1)];
					n++;
				}
			}
			if (mc_interp_execute(in, buf, &io, &v, &x) == 0) {
				mc_unref(v);
			} else {
				ck_assert_msg(x.ename[0] != '\0' && json_array_size(x.traceback) >= 2, "'%s': bad error", buf);
				mc_exec_error_clear(&x);
			}
			r.out[0] = '\0';
		}
		mc_interp_free(in);
	}
	s_rec_free(&r);
}
END_TEST


/* ---- functions, tracebacks, limits ---- */

static int s_has(json_t *arr, const char *s);

START_TEST(test_traceback_frames)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;
	char *e0, *e1, *f1, *f2, *f3;

	free(s_run(in, &io, "def inner(d):\n    return d[\"missing\"]\n\ndef outer(n):\n    total = n + 1\n    return inner({\"k\": total})\n"));
	mc_interp_set_label(in, "In[7]");
	x = s_run_fail(in, &io, "a = 1\nouter(a)", "KeyError");
	/* two header lines, the cell, outer, inner, the message */
	ck_assert_int_eq(x.nframes, 3);
	ck_assert_uint_eq(json_array_size(x.traceback), 6);
	e0 = s_tb(&x, 0);
	e1 = s_tb(&x, 1);
	f1 = s_tb(&x, 2);
	f2 = s_tb(&x, 3);
	f3 = s_tb(&x, 5);
	ck_assert_ptr_nonnull(strstr(e0, "-----"));
	ck_assert_ptr_nonnull(strstr(e1, "KeyError"));
	ck_assert_ptr_nonnull(strstr(e1, "Traceback (most recent call last)"));
	/* the cell that ran, with its label, and the call in it */
	ck_assert_ptr_nonnull(strstr(f1, "Cell In[7], line 2"));
	s_assert_caret(f1, "outer(a)", 2, 1, "----> ");
	/* each function: its name and signature, the line in its own cell */
	ck_assert_ptr_nonnull(strstr(f2, "Cell, line 6, in outer(n)"));
	s_assert_caret(f2, "    return inner({\"k\": total})", 6, 12, "----> ");
	ck_assert_ptr_nonnull(strstr(f3, "KeyError: key 'missing' not found"));
	free(f3);
	f3 = s_tb(&x, -2);
	ck_assert_ptr_nonnull(strstr(f3, "line 2, in inner(d)"));
	s_assert_caret(f3, "    return d[\"missing\"]", 2, 14, "----> ");
	ck_assert_int_eq(x.line, 2);
	ck_assert_int_eq(x.col, 14);
	free(e0);
	free(e1);
	free(f1);
	free(f2);
	free(f3);
	mc_exec_error_clear(&x);
	/* an error in a lambda called by a builtin keeps its frame */
	x = s_run_fail(in, &io, "sorted([1, 0], key=lambda v: 1 / v)", "ZeroDivisionError");
	ck_assert_int_eq(x.nframes, 2);
	f1 = s_tb(&x, -2);
	ck_assert_ptr_nonnull(strstr(f1, "in <lambda>(v)"));
	free(f1);
	mc_exec_error_clear(&x);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_recursion_limits)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;
	char *note;

	free(s_run(in, &io, "def down(n):\n    return 0 if n == 0 else 1 + down(n - 1)\n"));
	s_run_is(in, &io, "down(900)", "900");
	x = s_run_fail(in, &io, "down(5000)", "RecursionError");
	ck_assert_ptr_nonnull(strstr(x.evalue, "setrecursionlimit"));
	/* the repeated frames are told once */
	note = s_tb(&x, -2);
	ck_assert_ptr_nonnull(strstr(note, "skipping similar frames: down at line 2"));
	ck_assert_uint_lt(json_array_size(x.traceback), 10);
	free(note);
	mc_exec_error_clear(&x);
	/* a higher limit: deeper recursion works, and past what the C stack
	 * holds the same clear error comes, never a crash */
	free(s_run(in, &io, "setrecursionlimit(1000000)"));
	s_run_is(in, &io, "down(3000)", "3000");
	x = s_run_fail(in, &io, "down(10000000)", "RecursionError");
	ck_assert_ptr_nonnull(strstr(x.evalue, "C stack"));
	mc_exec_error_clear(&x);
	s_run_is(in, &io, "getrecursionlimit()", "1000000");
	free(s_run(in, &io, "setrecursionlimit(1000)"));
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

/* Builds code of n copies of piece between head and tail. */
static char *s_repeat_code(const char *head, const char *piece, size_t n, const char *tail)
{
	size_t hl = strlen(head), pl = strlen(piece), tl = strlen(tail), i;
	char *s = malloc(hl + pl * n + tl + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, head, hl);
	for (i = 0; i < n; i++)
		memcpy(s + hl + i * pl, piece, pl);
	memcpy(s + hl + n * pl, tail, tl + 1);
	return s;
}

/* issue 13: inputs that crashed the kernel through recursion */
START_TEST(test_deep_inputs_do_not_crash)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;
	char *code;

	/* a left-deep sum of 50,000 terms */
	code = s_repeat_code("n = 1\nn = 1", " + n", 50000, "\nn");
	free(s_run(in, &io, code));
	free(code);
	code = s_repeat_code("x = 0", " + 1", 50000, "\nx");
	s_run_is(in, &io, code, "50000");
	free(code);
	/* 50,000 chained indexings of a list nested 50,000 deep (freed without recursion) */
	free(s_run(in, &io, "a = 7\nfor i in range(50000):\n    a = [a]\n"));
	code = s_repeat_code("a", "[0]", 50000, "");
	s_run_is(in, &io, code, "7");
	free(code);
	/* the repr of a deep list stops at a depth */
	free(s_run(in, &io, "s = repr(a)\nlen(s) < 1000"));
	free(s_run(in, &io, "a = None\nb = {}\nfor i in range(200000):\n    b = {\"k\": b}\nb = None"));
	/* a 50,000-long '**' chain: a syntax error that names the limit */
	code = s_repeat_code("", "2**", 50000, "2");
	x = s_run_fail(in, &io, code, "SyntaxError");
	ck_assert_ptr_nonnull(strstr(x.evalue, "too deeply nested"));
	mc_exec_error_clear(&x);
	free(code);
	/* self-containing values compare and show */
	s_run_is(in, &io, "a = [0]; a[0] = a; a == a", "True");
	s_run_is(in, &io, "d = {}; d[\"d\"] = d; d == d", "True");
	s_run_is(in, &io, "d", "{'d': {...}}");
	x = s_run_fail(in, &io, "b = [0]; b[0] = b; a == b", "RecursionError");
	mc_exec_error_clear(&x);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

/* issue 13: integer edges and strings with NUL, against Python's results */
START_TEST(test_integer_and_string_edges)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);

	s_run_is(in, &io, "X = array([1, 2, 3, 4])\nX[::-9223372036854775807]", "array([4])");
	s_run_is(in, &io, "X = array([1, 2, 3, 4])\nX[::9223372036854775807], X[-2**63:2**63 - 1:2**62]",
	         "[array([1]), array([1])]");
	s_run_is(in, &io, "[1, 2, 3][::-2**63], [1, 2, 3][::2**63 - 1]", "[[3], [1]]");
	s_run_is(in, &io, "(-2**63) % -1, -2**63 // 1", "[0, -9223372036854775808]");
	s_run_is(in, &io, "m = -2**63\nm % -1, m // -1", "[0, 9.223372036854776e+18]");
	s_run_is(in, &io, "range(-2**63, 2**63-1)", "range(-9223372036854775808, 9223372036854775807)");
	s_run_is(in, &io, "enumerate([\"x\"], start=2**63-1)", "[[9223372036854775807, 'x']]");
	s_run_is(in, &io, "\"a\\0bcdefghijklmnopqrstuvwxyz0123456789\".upper()",
	         "'A\\x00BCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'");
	s_run_is(in, &io, "list(\"a\\0b\"), min(\"a\\0b\"), max(\"a\\0b\"), len(\"a\\0b\")",
	         "[['a', '\\x00', 'b'], '\\x00', 'b', 3]");
	s_run_is(in, &io, "sorted(\"b\\0a\")", "['\\x00', 'a', 'b']");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

/* print shows a string's text around a NUL; invalid UTF-8 and lone
 * surrogates never turn into "out of memory". */
START_TEST(test_print_strange_strings)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	mc_exec_error x;

	free(s_run(in, &io, "print(\"a\\0b\", \"\\U0001F600\")"));
	ck_assert_str_eq(r.out, "ab \xf0\x9f\x98\x80\n");
	x = s_run_fail(in, &io, "s = \"\\ud800\"", "SyntaxError");
	ck_assert_ptr_nonnull(strstr(x.evalue, "lone surrogate"));
	mc_exec_error_clear(&x);
	/* a path with a NUL is refused, not cut short at it ("/tmp/a" read) */
	x = s_run_fail(in, &io, "load_coco(\"/tmp/a\\0b.json\")", "ValueError");
	ck_assert_str_eq(x.evalue, "load_coco(): path holds a NUL character (\\0) at byte 6; "
	                 "expected text without NUL");
	mc_exec_error_clear(&x);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

static void *s_interrupt_soon(void *arg)
{
	rec *r = arg;
	struct timespec ts = { 0, 150 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	r->intr = 1;
	return NULL;
}

/* Runs code that would run for hours and must stop on the interrupt. */
static void s_interrupted(mc_interp *in, rec *r, mc_io *io, const char *code)
{
	pthread_t th;
	mc_exec_error x;

	r->intr = 0;
	ck_assert_int_eq(pthread_create(&th, NULL, s_interrupt_soon, r), 0);
	x = s_run_fail(in, io, code, "KeyboardInterrupt");
	pthread_join(th, NULL);
	ck_assert_str_eq(x.evalue, "interrupted");
	mc_exec_error_clear(&x);
	r->intr = 0;
}

START_TEST(test_interrupt_stops_loops_and_builtins)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);

	/* without the interrupt each of these runs for hours: the test would time out */
	s_interrupted(in, &r, &io, "while True:\n    pass");
	s_interrupted(in, &r, &io, "n = 0\nfor i in range(10**18):\n    n += 1");
	s_interrupted(in, &r, &io, "def f():\n    while True:\n        x = [1]\nf()");
	s_interrupted(in, &r, &io, "x = [i for i in range(10**18)]");
	s_interrupted(in, &r, &io, "x = {i: i for i in range(10**18)}");
	s_interrupted(in, &r, &io, "x = list(range(10**9))");
	s_interrupted(in, &r, &io, "big = list(range(3000000))\nfor k in range(1000):\n    sorted(big, reverse=True)");
	s_interrupted(in, &r, &io, "s = sum(range(10**18))");
	s_interrupted(in, &r, &io, "x = [0] * 100000000\nwhile True:\n    5 in x");
	/* the session goes on */
	s_run_is(in, &io, "1 + 1", "2");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

/* Reference cycles are freed by the collector (valgrind checks the rest). */
START_TEST(test_cycles_are_collected)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	size_t before;

	mc_gc_collect();
	before = mc_gc_tracked();
	free(s_run(in, &io, "for i in range(100):\n    a = [1]\n    a.append(a)\n    d = {\"d\": None}\n    d[\"d\"] = d\n"
	               "    def f():\n        return f\na = d = f = None"));
	mc_gc_collect();
	/* the session's own dict and nothing left of the 300 cycles */
	ck_assert_uint_le(mc_gc_tracked(), before + 2);
	free(s_run(in, &io, "keep = [1]\nkeep.append(keep)"));
	mc_gc_collect();
	s_run_is(in, &io, "keep", "[1, [...]]");
	/* a cycle through a closure's scope */
	free(s_run(in, &io, "def make():\n    def g():\n        return g\n    return g\nh = make()\nh() is h"));
	mc_interp_free(in);
	mc_gc_collect();
	ck_assert_uint_le(mc_gc_tracked(), before);
	s_rec_free(&r);
}
END_TEST

START_TEST(test_big_dicts)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);

	s_run_is(in, &io, "d = {}\nfor i in range(100000):\n    d[\"k\" + str(i)] = i\nlen(d), d[\"k99999\"], \"k5\" in d",
	         "[100000, 99999, True]");
	s_run_is(in, &io, "d = {i: i for i in range(100000)}\nfor i in range(0, 100000, 3):\n    del d[i]\n"
	         "len(d), d[1], 3 in d, list(d)[:3]", "[66666, 1, False, [1, 2, 4]]");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_user_function_help)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	char *h;
	json_t *m;
	int start, end;

	free(s_run(in, &io, "def scale(values, factor=2, *, clip=None):\n    \"\"\"Multiplies every value by factor.\n\n    Values above clip are cut.\n    \"\"\"\n    return [v * factor for v in values]\n"));
	free(s_run(in, &io, "help(scale)"));
	ck_assert_ptr_nonnull(strstr(r.out, "scale(values, factor=2, *, clip=None)"));
	ck_assert_ptr_nonnull(strstr(r.out, "Multiplies every value by factor.\n\nValues above clip are cut."));
	/* Shift-Tab on the name and inside the call */
	h = mc_interp_inspect(in, "scale(", 6, 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "Multiplies every value"));
	free(h);
	h = mc_interp_inspect(in, "x = scale", 7, 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "scale(values, factor=2"));
	free(h);
	/* its parameters complete as keywords */
	m = mc_interp_complete(in, "scale([1], fa", 13, &start, &end);
	ck_assert(s_has(m, "factor="));
	json_decref(m);
	m = mc_interp_complete(in, "scale([1], cl", 13, &start, &end);
	ck_assert(s_has(m, "clip="));
	json_decref(m);
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_complete_in_blocks)
{
	mc_interp *in = mc_interp_new();
	json_t *m;
	int start, end;
	const char *code = "def clean(dataset, threshold=0.5):\n    kept = []\n    for index, item in enumerate(dataset):\n"
	                   "        if item > thr";
	const char *code2 = "def clean(dataset, threshold=0.5):\n    kept = []\n    for index, item in enumerate(dataset):\n"
	                    "        ke";

	m = mc_interp_complete(in, code, (int)strlen(code), &start, &end);
	ck_assert(s_has(m, "threshold"));
	json_decref(m);
	m = mc_interp_complete(in, code2, (int)strlen(code2), &start, &end);
	ck_assert(s_has(m, "kept"));
	ck_assert(!s_has(m, "index"));
	json_decref(m);
	code2 = "total = 0\nfor index, item in enumerate(xs):\n    tot";
	m = mc_interp_complete(in, code2, (int)strlen(code2), &start, &end);
	ck_assert(s_has(m, "total"));
	json_decref(m);
	code2 = "for index, item in enumerate(xs):\n    print(ite";
	m = mc_interp_complete(in, code2, (int)strlen(code2), &start, &end);
	ck_assert(s_has(m, "item"));
	json_decref(m);
	/* keywords too */
	m = mc_interp_complete(in, "for x in y:\n    con", 19, &start, &end);
	ck_assert(s_has(m, "continue"));
	json_decref(m);
	mc_interp_free(in);
}
END_TEST


/* len() of every sized value, a Dataset too (its Dataset.__len__ entry), and
 * loops over a table's rows. */
START_TEST(test_len_of_everything)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	char code[4400];
	const char *srcdir = getenv("MC_SRCDIR");

	ck_assert_ptr_nonnull(srcdir);
	snprintf(code, sizeof code, "ds = load_coco(\"%s/tests/data/coco/good.json\")\n"
	         "len(ds), len(ds.labels()), len(ds) == ds.n_instances, len(\"é\\0\"), len(range(3)), "
	         "len({1: 2}), len(array([[1, 2]]))", srcdir);
	s_run_is(in, &io, code, "[5, 5, True, 2, 3, 1, 1]");
	/* a table's rows, walked as dicts (its __len__ and __getitem__ entries) */
	s_run_is(in, &io, "t = table({\"name\": [\"a\", \"b\", \"c\"], \"score\": [0.5, 0.25, 1.0]})\n"
	         "[len(t), [r[\"name\"] for r in t if r[\"score\"] < 1], sum(r[\"score\"] for r in t)]",
	         "[3, ['a', 'b'], 1.75]");
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

/* ---- completion, inspection, is_complete ---- */

static mc_value *s_fruit_classes(mc_value *self, mc_error *err)
{
	mc_value *l = mc_list_new();

	(void)self;
	(void)err;
	if (l != NULL && (mc_list_append(l, mc_str("orange")) != 0 || mc_list_append(l, mc_str("apple")) != 0)) {
		mc_unref(l);
		return NULL;
	}
	return l;
}

static mc_value *s_fruit_n_images(mc_value *self, mc_error *err)
{
	(void)self;
	(void)err;
	return mc_int(3);
}

static const mc_attr_def s_fruit_attrs[] = {
	{ .name = "classes", .doc = "the class names", .get = s_fruit_classes },
	{ .name = "n_images", .doc = "how many images", .get = s_fruit_n_images },
	{ .name = NULL }
};

static size_t s_fruit_strings(const void *p, const char **out, size_t max)
{
	static const char *const names[] = { "orange", "apple", "banana" };
	size_t i;

	(void)p;
	for (i = 0; i < 3 && i < max; i++)
		out[i] = names[i];
	return i;
}

static const mc_class s_fruit = {
	.name = "FruitSet", .free = free, .attributes = s_fruit_attrs, .strings = s_fruit_strings
};

static int s_has(json_t *arr, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return 1;
	return 0;
}

START_TEST(test_complete)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	json_t *m;
	int start, end;
	mc_value *fs = mc_object_new(&s_fruit, malloc(1));
	char code[4200];
	const char *srcdir = getenv("MC_SRCDIR");

	free(s_run(in, &io, "counts = [1]; count_max = 2; d = {\"k\": 1}"));
	ck_assert_int_eq(mc_interp_set_var(in, "fruits", fs), 0);
	mc_unref(fs);
	/* a class's attributes are its table's rows: lookup, dir(), help() */
	s_run_is(in, &io, "fruits.n_images, fruits.classes, hasattr(fruits, \"classes\")",
	         "[3, ['orange', 'apple'], True]");
	s_run_is(in, &io, "dir(fruits)", "['classes', 'n_images']");
	r.out[0] = '\0';
	free(s_run(in, &io, "help(fruits)"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nAttributes:\n  classes   the class names\n  n_images  how many images\n"));
	{
		mc_exec_error x = s_run_fail(in, &io, "fruits.n_image", "AttributeError");

		ck_assert_str_eq(x.evalue, "FruitSet has no attribute 'n_image'; did you mean 'n_images'?");
		mc_exec_error_clear(&x);
	}

	m = mc_interp_complete(in, "x = cou", 7, &start, &end);
	ck_assert(s_has(m, "counts") && s_has(m, "count_max"));
	ck_assert_int_eq(start, 4);
	ck_assert_int_eq(end, 7);
	json_decref(m);

	m = mc_interp_complete(in, "pri", 3, &start, &end);
	ck_assert(s_has(m, "print"));
	json_decref(m);

	/* methods after "x." */
	m = mc_interp_complete(in, "counts.ap", 9, &start, &end);
	ck_assert(s_has(m, "append"));
	ck_assert_int_eq(start, 7);
	json_decref(m);
	m = mc_interp_complete(in, "fruits.", 7, &start, &end);
	ck_assert(s_has(m, "classes") && s_has(m, "n_images"));
	json_decref(m);

	/* keyword arguments inside a call */
	m = mc_interp_complete(in, "range(1, st", 11, &start, &end);
	ck_assert(s_has(m, "step=") && s_has(m, "stop="));
	json_decref(m);
	m = mc_interp_complete(in, "d.get(\"k\", de", 13, &start, &end);
	ck_assert(s_has(m, "default="));
	json_decref(m);

	/* string values known to objects in scope */
	m = mc_interp_complete(in, "x = {\"or", 8, &start, &end);
	ck_assert(s_has(m, "orange"));
	ck_assert(!s_has(m, "apple"));
	ck_assert_int_eq(start, 6);
	json_decref(m);

	/* keys of a dict inside d["... */
	free(s_run(in, &io, "result = {\"idx\": [1], \"importance\": [0.5], \"other\": 1}"));
	m = mc_interp_complete(in, "result[\"i", 9, &start, &end);
	ck_assert(s_has(m, "idx") && s_has(m, "importance") && !s_has(m, "other"));
	ck_assert_int_eq(start, 8);
	json_decref(m);

	/* d["... offers the dict's keys and nothing else, not files */
	m = mc_interp_complete(in, "result[\"", 8, &start, &end);
	ck_assert(s_has(m, "idx") && s_has(m, "other"));
	ck_assert_uint_eq(json_array_size(m), 3);
	json_decref(m);
	/* obj.method("... offers the strings the object knows, not files */
	m = mc_interp_complete(in, "fruits.class_index(\"", 20, &start, &end);
	ck_assert(s_has(m, "orange") && s_has(m, "apple") && s_has(m, "banana"));
	ck_assert_uint_eq(json_array_size(m), 3);
	json_decref(m);

	/* file paths inside strings */
	ck_assert_ptr_nonnull(srcdir);
	snprintf(code, sizeof code, "load(\"%s/tests/data/lang/eval_e", srcdir);
	m = mc_interp_complete(in, code, (int)strlen(code), &start, &end);
	snprintf(code, sizeof code, "%s/tests/data/lang/eval_errors.txt", srcdir);
	ck_assert_msg(s_has(m, code), "no path completion for %s", code);
	json_decref(m);

	/* cursor positions count code points, not bytes */
	free(s_run(in, &io, "é = [1]"));
	m = mc_interp_complete(in, "é.app", 5, &start, &end);
	ck_assert(s_has(m, "append"));
	ck_assert_int_eq(start, 2);
	ck_assert_int_eq(end, 5);
	json_decref(m);
	m = mc_interp_complete(in, "ü = 1; cou + 1", 10, &start, &end);
	ck_assert(s_has(m, "counts"));
	ck_assert_int_eq(start, 7);
	json_decref(m);

	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_inspect)
{
	mc_interp *in = mc_interp_new();
	rec r;
	mc_io io = s_io(&r);
	char *h;

	free(s_run(in, &io, "d = {\"a\": 1}"));
	h = mc_interp_inspect(in, "len(", 4, 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "len(x)"));
	free(h);
	h = mc_interp_inspect(in, "x = d.get(\"a\")", 7, 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "dict.get(key, default=None)"));
	free(h);
	h = mc_interp_inspect(in, "sorted([1], rev", 15, 1);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "sorted(values, key=None, reverse=False)"));
	free(h);
	h = mc_interp_inspect(in, "d", 1, 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "dict value"));
	free(h);
	ck_assert_ptr_null(mc_interp_inspect(in, "nothing_here", 3, 0));
	s_rec_free(&r);
	mc_interp_free(in);
}
END_TEST

START_TEST(test_is_complete)
{
	mc_interp *in = mc_interp_new();
	const char *indent = NULL;

	ck_assert_str_eq(mc_interp_is_complete(in, "x = 1", &indent), "complete");
	ck_assert_str_eq(mc_interp_is_complete(in, "", &indent), "complete");
	ck_assert_str_eq(mc_interp_is_complete(in, "f(1,\n", &indent), "incomplete");
	ck_assert_str_eq(indent, "    ");
	ck_assert_str_eq(mc_interp_is_complete(in, "d = {\"a\": [1,", &indent), "incomplete");
	ck_assert_str_eq(mc_interp_is_complete(in, "s = \"\"\"abc", &indent), "incomplete");
	ck_assert_str_eq(mc_interp_is_complete(in, "x = 1 + \\", &indent), "incomplete");
	ck_assert_str_eq(mc_interp_is_complete(in, "x = )", &indent), "invalid");
	ck_assert_str_eq(mc_interp_is_complete(in, "x = 'abc", &indent), "invalid");
	ck_assert_str_eq(mc_interp_is_complete(in, "x = 1 $", &indent), "invalid");
	/* blocks, as IPython answers: a line opening a block asks for its body,
	 * one level deeper; the block is complete once an empty line ends it */
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:", &indent), "incomplete");
	ck_assert_str_eq(indent, "    ");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n", &indent), "incomplete");
	ck_assert_str_eq(indent, "    ");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n    y = 1", &indent), "incomplete");
	ck_assert_str_eq(indent, "    ");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n    y = 1\n", &indent), "complete");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n    y = 1\n\n", &indent), "complete");
	ck_assert_str_eq(mc_interp_is_complete(in, "for i in x:\n    if i:", &indent), "incomplete");
	ck_assert_str_eq(indent, "        ");
	ck_assert_str_eq(mc_interp_is_complete(in, "for i in x:\n    if i:\n        pass", &indent), "incomplete");
	ck_assert_str_eq(indent, "        ");
	ck_assert_str_eq(mc_interp_is_complete(in, "def f(a):\n    return a\n", &indent), "complete");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n    y = 1\nelse:", &indent), "incomplete");
	ck_assert_str_eq(indent, "    ");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x: y = 1", &indent), "complete");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n    y = 1\nz = 2", &indent), "complete");
	ck_assert_str_eq(mc_interp_is_complete(in, "def f():\n    \"\"\"doc", &indent), "incomplete");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n  return 1\n\n", &indent), "invalid");
	ck_assert_str_eq(mc_interp_is_complete(in, "if x:\n    y = 1\n  z = 2\n", &indent), "invalid");
	mc_interp_free(in);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("eval");
	TCase *tc2 = tcase_create("complete");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_eval_cases);
	tcase_add_test(tc, test_error_cases);
	tcase_add_test(tc, test_repeat_builds_and_bounds);
	tcase_add_test(tc, test_failing_statement_changes_nothing);
	tcase_add_test(tc, test_print_and_result);
	tcase_add_test(tc, test_help_and_dir);
	tcase_add_test(tc, test_array_reductions);
	tcase_add_test(tc, test_display_and_input);
	tcase_add_test(tc, test_article_style_calls);
	tcase_add_test(tc, test_interrupt_stops_sleep);
	tcase_add_test(tc, test_progress_bar);
	tcase_add_test(tc, test_interp_eval);
	tcase_add_test(tc, test_every_signature_parses);
	tcase_add_test(tc, test_signature_parse);
	tcase_add_test(tc, test_bind_keyword_only_and_hint);
	tcase_add_test(tc, test_mutated_cells_never_crash);
	tcase_add_test(tc, test_traceback_frames);
	tcase_add_test(tc, test_recursion_limits);
	tcase_add_test(tc, test_deep_inputs_do_not_crash);
	tcase_add_test(tc, test_integer_and_string_edges);
	tcase_add_test(tc, test_print_strange_strings);
	tcase_add_test(tc, test_interrupt_stops_loops_and_builtins);
	tcase_add_test(tc, test_cycles_are_collected);
	tcase_add_test(tc, test_big_dicts);
	tcase_add_test(tc, test_len_of_everything);
	tcase_add_test(tc2, test_user_function_help);
	tcase_add_test(tc2, test_complete_in_blocks);
	tcase_add_test(tc2, test_complete);
	tcase_add_test(tc2, test_inspect);
	tcase_add_test(tc2, test_is_complete);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tc2);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
