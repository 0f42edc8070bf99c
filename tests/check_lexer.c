/* Tests of the command-language tokenizer (kernel/lexer.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "maskclean/error.h"
#include "suite_run.h"

static mc_tokens s_lex_ok(const char *src)
{
	mc_tokens t;
	mc_syntax_error e;
	int rc = mc_lex(&t, src, &e);

	ck_assert_msg(rc == 0, "lexing '%s' failed: %d:%d %s", src, e.line, e.col, e.msg);
	return t;
}

START_TEST(test_kinds_and_positions)
{
	mc_tokens t = s_lex_ok("svc = CoresetTreeServiceLG(optimized_for=\"cleaning\")  # comment\nx[-1]");

	ck_assert_int_eq(t.t[0].kind, MC_TK_NAME);
	ck_assert_str_eq(t.t[0].text, "svc");
	ck_assert_int_eq(t.t[1].kind, MC_TK_OP);
	ck_assert_str_eq(t.t[1].op, "=");
	ck_assert_int_eq(t.t[1].col, 5);
	ck_assert_str_eq(t.t[2].text, "CoresetTreeServiceLG");
	ck_assert_str_eq(t.t[3].op, "(");
	ck_assert_int_eq(t.t[3].col, 27);
	ck_assert_str_eq(t.t[4].text, "optimized_for");
	ck_assert_int_eq(t.t[6].kind, MC_TK_STRING);
	ck_assert_str_eq(t.t[6].text, "cleaning");
	ck_assert_str_eq(t.t[7].op, ")");
	ck_assert_int_eq(t.t[8].kind, MC_TK_NEWLINE);
	ck_assert_str_eq(t.t[9].text, "x");
	ck_assert_int_eq(t.t[9].line, 2);
	ck_assert_int_eq(t.t[9].col, 1);
	ck_assert_str_eq(t.t[11].op, "-");
	ck_assert_int_eq(t.t[12].kind, MC_TK_INT);
	ck_assert_int_eq(t.t[12].ival, 1);
	ck_assert_int_eq(t.t[t.n - 1].kind, MC_TK_EOF);
	mc_tokens_free(&t);
}
END_TEST

START_TEST(test_columns_count_code_points)
{
	/* 'é' and 'ü' are two bytes each; columns count characters */
	mc_tokens t = s_lex_ok("é = \"ü\"; z");

	ck_assert_int_eq(t.t[0].col, 1);
	ck_assert_int_eq(t.t[1].col, 3);
	ck_assert_int_eq(t.t[2].col, 5);
	ck_assert_int_eq(t.t[3].kind, MC_TK_NEWLINE);
	ck_assert_int_eq(t.t[3].semicolon, 1);
	ck_assert_int_eq(t.t[4].col, 10);
	mc_tokens_free(&t);
}
END_TEST

START_TEST(test_numbers)
{
	mc_tokens t = s_lex_ok("1e-4 2.5 .5 1_000 0x1F 3 1E+3 10.");

	ck_assert_int_eq(t.t[0].kind, MC_TK_FLOAT);
	ck_assert(t.t[0].fval == 1e-4);
	ck_assert(t.t[1].fval == 2.5);
	ck_assert(t.t[2].fval == 0.5);
	ck_assert_int_eq(t.t[3].kind, MC_TK_INT);
	ck_assert_int_eq(t.t[3].ival, 1000);
	ck_assert_int_eq(t.t[4].ival, 31);
	ck_assert_int_eq(t.t[5].ival, 3);
	ck_assert_int_eq(t.t[6].kind, MC_TK_FLOAT);
	ck_assert(t.t[6].fval == 1000.0);
	ck_assert_int_eq(t.t[7].kind, MC_TK_FLOAT);
	ck_assert(t.t[7].fval == 10.0);
	mc_tokens_free(&t);
}
END_TEST

START_TEST(test_strings_and_escapes)
{
	mc_tokens t = s_lex_ok("'a\\'b' \"tab\\tnl\\n\" \"\\u00e9\\x41\" r\"c:\\d\" '''multi\nline''' \"q\\\"\"");

	ck_assert_str_eq(t.t[0].text, "a'b");
	ck_assert_str_eq(t.t[1].text, "tab\tnl\n");
	ck_assert_str_eq(t.t[2].text, "\xc3\xa9" "A");
	ck_assert_str_eq(t.t[3].text, "c:\\d");
	ck_assert_str_eq(t.t[4].text, "multi\nline");
	ck_assert_str_eq(t.t[5].text, "q\"");
	mc_tokens_free(&t);
}
END_TEST

START_TEST(test_newlines_inside_brackets)
{
	mc_tokens t = s_lex_ok("f(1,\n  2)\n\n\ng = [\n]");
	size_t i, newlines = 0;

	for (i = 0; i < t.n; i++)
		newlines += t.t[i].kind == MC_TK_NEWLINE;
	/* one after f(...) (blank lines collapse), one at the end */
	ck_assert_int_eq(newlines, 2);
	ck_assert_int_eq(t.open_at_eof, 0);
	mc_tokens_free(&t);
	t = s_lex_ok("f(1,\n");
	ck_assert_int_eq(t.open_at_eof, 1);
	mc_tokens_free(&t);
}
END_TEST

START_TEST(test_operators)
{
	mc_tokens t = s_lex_ok("a ** b // c != d <= e >= f == g += 1 //= 2");
	const char *ops[] = { "**", "//", "!=", "<=", ">=", "==", "+=", "//=" };
	size_t i, k = 0;

	for (i = 0; i < t.n; i++)
		if (t.t[i].kind == MC_TK_OP) {
			ck_assert_uint_lt(k, 8);
			ck_assert_str_eq(t.t[i].op, ops[k]);
			k++;
		}
	ck_assert_uint_eq(k, 8);
	mc_tokens_free(&t);
}
END_TEST

START_TEST(test_errors)
{
	mc_tokens t;
	mc_syntax_error e;

	ck_assert_int_eq(mc_lex(&t, "x = 'abc\ny", &e), MC_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 5);
	ck_assert_ptr_nonnull(strstr(e.msg, "unterminated string"));
	ck_assert_int_eq(e.incomplete, 0);
	ck_assert_ptr_null(t.t);

	ck_assert_int_eq(mc_lex(&t, "x = \"\"\"abc\n", &e), MC_ERR_PARSE);
	ck_assert_int_eq(e.incomplete, 1);

	ck_assert_int_eq(mc_lex(&t, "a = 1\nb = 2 $ 3", &e), MC_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 7);
	ck_assert_str_eq(e.msg, "unexpected character '$'");
}
END_TEST

START_TEST(test_describe)
{
	mc_tokens t = s_lex_ok("x )");
	char buf[64];

	mc_token_describe(&t.t[0], buf, sizeof buf);
	ck_assert_str_eq(buf, "name 'x'");
	mc_token_describe(&t.t[1], buf, sizeof buf);
	ck_assert_str_eq(buf, "')'");
	mc_token_describe(&t.t[t.n - 1], buf, sizeof buf);
	ck_assert_str_eq(buf, "end of input");
	mc_tokens_free(&t);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("lexer");
	TCase *tc = tcase_create("lexer");

	tcase_add_test(tc, test_kinds_and_positions);
	tcase_add_test(tc, test_columns_count_code_points);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_strings_and_escapes);
	tcase_add_test(tc, test_newlines_inside_brackets);
	tcase_add_test(tc, test_operators);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_describe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
