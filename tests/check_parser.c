/* Tests of the command-language parser (kernel/parser.c): tree shapes,
 * precedence, and syntax errors with line, column and what was expected
 * (cases in tests/data/lang/syntax_errors.txt). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "maskclean/error.h"

static mc_program s_parse_ok(const char *src)
{
	mc_program p;
	mc_syntax_error e;
	int rc = mc_parse(&p, src, &e);

	ck_assert_msg(rc == 0, "parsing '%s' failed: %d:%d %s", src, e.line, e.col, e.msg);
	return p;
}

START_TEST(test_call_with_kwargs)
{
	mc_program p = s_parse_ok("svc.get_cleaning_samples(60, class_size={\"orange\": 60})");
	mc_node *call = p.stmts[0]->kids[0];

	ck_assert_int_eq(p.n, 1);
	ck_assert_int_eq(p.stmts[0]->kind, MC_N_EXPR);
	ck_assert_int_eq(call->kind, MC_N_CALL);
	ck_assert_int_eq(call->nkids, 3);
	ck_assert_int_eq(call->kids[0]->kind, MC_N_ATTR);
	ck_assert_str_eq(call->kids[0]->name, "get_cleaning_samples");
	ck_assert_int_eq(call->kids[0]->col, 5);
	ck_assert_int_eq(call->kids[0]->kids[0]->kind, MC_N_NAME);
	ck_assert_int_eq(call->kids[1]->kind, MC_N_LITERAL);
	ck_assert_int_eq(call->kids[2]->kind, MC_N_KWARG);
	ck_assert_str_eq(call->kids[2]->name, "class_size");
	ck_assert_int_eq(call->kids[2]->kids[0]->kind, MC_N_DICT);
	ck_assert_int_eq(call->kids[2]->kids[0]->nkids, 2);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_precedence)
{
	mc_program p = s_parse_ok("1 + 2 * 3 ** -2 == 7 and not x or y");
	mc_node *n = p.stmts[0]->kids[0], *cmp, *sum;

	ck_assert_int_eq(n->kind, MC_N_OR);
	ck_assert_int_eq(n->kids[0]->kind, MC_N_AND);
	cmp = n->kids[0]->kids[0];
	ck_assert_str_eq(cmp->op, "==");
	sum = cmp->kids[0];
	ck_assert_str_eq(sum->op, "+");
	ck_assert_str_eq(sum->kids[1]->op, "*");
	ck_assert_str_eq(sum->kids[1]->kids[1]->op, "**");
	/* -2 folds to a literal */
	ck_assert_int_eq(sum->kids[1]->kids[1]->kids[1]->kind, MC_N_LITERAL);
	ck_assert_int_eq(mc_as_int(sum->kids[1]->kids[1]->kids[1]->lit), -2);
	ck_assert_str_eq(n->kids[0]->kids[1]->op, "not");
	mc_program_free(&p);
}
END_TEST

START_TEST(test_statements)
{
	mc_program p = s_parse_ok("a, b = f()\nx[1:3]; y = z = 2\n\n# only a comment\nn += 1\n");

	ck_assert_int_eq(p.n, 4);
	ck_assert_int_eq(p.stmts[0]->kind, MC_N_ASSIGN);
	ck_assert_int_eq(p.stmts[0]->kids[0]->kind, MC_N_TUPLE);
	ck_assert_int_eq(p.stmts[0]->kids[0]->nkids, 2);
	ck_assert_int_eq(p.stmts[1]->kind, MC_N_EXPR);
	ck_assert_int_eq(p.stmts[1]->kids[0]->kind, MC_N_INDEX);
	ck_assert_int_eq(p.stmts[1]->kids[0]->kids[1]->kind, MC_N_SLICE);
	ck_assert_ptr_null(p.stmts[1]->kids[0]->kids[1]->kids[2]);
	ck_assert_int_eq(p.stmts[2]->kind, MC_N_ASSIGN);
	ck_assert_int_eq(p.stmts[2]->nkids, 3);
	ck_assert_int_eq(p.stmts[3]->kind, MC_N_AUGASSIGN);
	ck_assert_str_eq(p.stmts[3]->op, "+");
	ck_assert_int_eq(p.stmts[3]->line, 5);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_continuation_and_literals)
{
	mc_program p = s_parse_ok("x = load(\n    \"a.json\",   # the file\n    images=[1, 2,\n            3],\n)\n"
	                          "t = (true, False, none, None, 'a' \"b\")");
	mc_node *call = p.stmts[0]->kids[1], *tup = p.stmts[1]->kids[1];

	ck_assert_int_eq(p.n, 2);
	ck_assert_int_eq(call->kind, MC_N_CALL);
	ck_assert_int_eq(call->nkids, 3);
	ck_assert_int_eq(call->kids[2]->kids[0]->nkids, 3);
	ck_assert_int_eq(tup->kind, MC_N_TUPLE);
	ck_assert_int_eq(mc_type(tup->kids[0]->lit), MC_T_BOOL);
	ck_assert_int_eq(mc_as_bool(tup->kids[0]->lit), 1);
	ck_assert_int_eq(mc_as_bool(tup->kids[1]->lit), 0);
	ck_assert_int_eq(mc_type(tup->kids[2]->lit), MC_T_NONE);
	ck_assert_int_eq(mc_type(tup->kids[3]->lit), MC_T_NONE);
	ck_assert_str_eq(mc_as_str(tup->kids[4]->lit), "ab");
	ck_assert_int_eq(p.stmts[1]->line, 6);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_index_forms)
{
	mc_program p = s_parse_ok("a[1, 2]; a[:, 0]; a[::2]; a[-1]");

	ck_assert_int_eq(p.stmts[0]->kids[0]->kids[1]->kind, MC_N_TUPLE);
	ck_assert_int_eq(p.stmts[1]->kids[0]->kids[1]->kids[0]->kind, MC_N_SLICE);
	ck_assert_int_eq(p.stmts[2]->kids[0]->kids[1]->kind, MC_N_SLICE);
	ck_assert_ptr_nonnull(p.stmts[2]->kids[0]->kids[1]->kids[2]);
	ck_assert_int_eq(mc_as_int(p.stmts[3]->kids[0]->kids[1]->lit), -1);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_parse_expr)
{
	mc_node *n;
	mc_syntax_error e;

	ck_assert_int_eq(mc_parse_expr(&n, "x.y[0]", &e), 0);
	ck_assert_int_eq(n->kind, MC_N_INDEX);
	mc_node_free(n);
	ck_assert_int_eq(mc_parse_expr(&n, "x = 1", &e), MC_ERR_PARSE);
	ck_assert_ptr_null(n);
	ck_assert_ptr_nonnull(strstr(e.msg, "expected the end of the expression"));
}
END_TEST

START_TEST(test_deep_nesting_is_an_error)
{
	char *src = malloc(20010);
	mc_program p;
	mc_syntax_error e;
	int i;

	for (i = 0; i < 10000; i++)
		src[i] = '[';
	for (i = 0; i < 10000; i++)
		src[10000 + i] = ']';
	src[20000] = '\0';
	ck_assert_int_eq(mc_parse(&p, src, &e), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "nested too deeply"));
	memset(src, '-', 5000);
	strcpy(src + 5000, "1");
	ck_assert_int_eq(mc_parse(&p, src, &e), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "too many signs"));
	/* reasonable nesting is fine */
	ck_assert_int_eq(mc_parse(&p, "[[[[[[[[[[1]]]]]]]]]]", &e), 0);
	mc_program_free(&p);
	free(src);
}
END_TEST

/* Deterministic mutations of valid programs: the parser must answer with a
 * tree or a syntax error, never crash or leak (run under ASan/valgrind). */
START_TEST(test_mutations_never_crash)
{
	static const char *const seeds[] = {
		"svc = CoresetTreeServiceLG(optimized_for=\"cleaning\")\nr = svc.get_cleaning_samples(class_size={\"orange\": 60})",
		"a, b = f(x[1:3], y[-1], d[\"k\"], *[1])\nz = (1 +\n 2) ** -3 // 4 % 5; w = not a or b and c",
		"s = '''multi\nline''' + \"\\u00e9\\x41\" + r'raw' # comment\nq = [1, 2.5e-3, {1: [none, True]}]",
		"x[::2, :] = 1; n += 1; m = a is not b; t = 'x' in l; u = 3 not in l",
	};
	static const char pieces[] = "()[]{},:.=+-*/%<>\"'#\\\n;ab1 e_";
	unsigned long state = 12345;
	size_t s_i, round;
	int ok = 0, bad = 0;

	for (s_i = 0; s_i < sizeof seeds / sizeof seeds[0]; s_i++) {
		size_t len = strlen(seeds[s_i]);

		for (round = 0; round < 400; round++) {
			char buf[512];
			size_t n = len, k, edits;
			mc_program p;
			mc_syntax_error e;

			memcpy(buf, seeds[s_i], len + 1);
			state = state * 6364136223846793005UL + 1442695040888963407UL;
			edits = 1 + (state >> 33) % 3;
			for (k = 0; k < edits; k++) {
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
			if (mc_parse(&p, buf, &e) == 0) {
				mc_program_free(&p);
				ok++;
			} else {
				ck_assert_msg(e.line >= 1 && e.col >= 1 && e.msg[0] != '\0', "'%s': error without position", buf);
				bad++;
			}
		}
	}
	ck_assert_int_gt(ok, 0);
	ck_assert_int_gt(bad, 0);
}
END_TEST

/* Replaces the two-character sequences \n and \t by the characters. */
static void s_unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else if (s[0] == '\\' && s[1] == 't') {
			*o++ = '\t';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

START_TEST(test_syntax_error_cases)
{
	const char *srcdir = getenv("MC_SRCDIR");
	char path[4096], line[2048];
	FILE *f;
	int cases = 0;

	ck_assert_msg(srcdir != NULL, "MC_SRCDIR is not set: run the tests through make check");
	snprintf(path, sizeof path, "%s/tests/data/lang/syntax_errors.txt", srcdir);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	while (fgets(line, sizeof line, f) != NULL) {
		char *code = line, *l, *c, *msg, *nl;
		mc_program p;
		mc_syntax_error e;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		l = strchr(code, '\t');
		ck_assert_msg(l != NULL, "%s: bad line '%s'", path, line);
		*l++ = '\0';
		c = strchr(l, '\t');
		ck_assert_ptr_nonnull(c);
		*c++ = '\0';
		msg = strchr(c, '\t');
		ck_assert_ptr_nonnull(msg);
		*msg++ = '\0';
		s_unescape(code);
		ck_assert_msg(mc_parse(&p, code, &e) == MC_ERR_PARSE, "'%s' parsed but should fail", code);
		ck_assert_msg(strstr(e.msg, msg) != NULL, "'%s': message '%s' lacks '%s'", code, e.msg, msg);
		ck_assert_msg(e.line == atoi(l) && e.col == atoi(c), "'%s': error at %d:%d, expected %s:%s (%s)",
		              code, e.line, e.col, l, c, e.msg);
		cases++;
	}
	fclose(f);
	ck_assert_int_ge(cases, 10);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc = tcase_create("parser");

	tcase_add_test(tc, test_call_with_kwargs);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_statements);
	tcase_add_test(tc, test_continuation_and_literals);
	tcase_add_test(tc, test_index_forms);
	tcase_add_test(tc, test_parse_expr);
	tcase_add_test(tc, test_syntax_error_cases);
	tcase_add_test(tc, test_deep_nesting_is_an_error);
	tcase_add_test(tc, test_mutations_never_crash);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(s_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
