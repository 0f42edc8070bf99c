/* Tests of the command-language parser (kernel/parser.c): tree shapes,
 * precedence, flat chains and constant folding, blocks, functions,
 * comprehensions and f-strings, nesting limits, and syntax errors with line,
 * column and what was expected (cases in tests/data/lang/syntax_errors.txt). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lang.h"
#include "parser.h"
#include "maskclean/error.h"
#include "suite_run.h"

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
	mc_node *chain = p.stmts[0]->kids[0], *call;

	ck_assert_int_eq(p.n, 1);
	ck_assert_int_eq(p.stmts[0]->kind, MC_N_EXPR);
	/* a flat chain: the primary, then its trailers */
	ck_assert_int_eq(chain->kind, MC_N_POSTFIX);
	ck_assert_int_eq(chain->nkids, 3);
	ck_assert_int_eq(chain->kids[0]->kind, MC_N_NAME);
	ck_assert_int_eq(chain->kids[1]->kind, MC_N_ATTR);
	ck_assert_str_eq(chain->kids[1]->name, "get_cleaning_samples");
	ck_assert_int_eq(chain->kids[1]->col, 5);
	call = chain->kids[2];
	ck_assert_int_eq(call->kind, MC_N_CALL);
	/* errors about the call point at the method's name */
	ck_assert_int_eq(call->col, 5);
	ck_assert_int_eq(call->nkids, 2);
	ck_assert_int_eq(call->kids[0]->kind, MC_N_LITERAL);
	ck_assert_int_eq(call->kids[1]->kind, MC_N_KWARG);
	ck_assert_str_eq(call->kids[1]->name, "class_size");
	ck_assert_int_eq(call->kids[1]->kids[0]->kind, MC_N_DICT);
	ck_assert_int_eq(call->kids[1]->kids[0]->nkids, 2);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_precedence)
{
	mc_program p = s_parse_ok("1 + x * 3 ** -y == 7 and not x or y");
	mc_node *n = p.stmts[0]->kids[0], *cmp, *sum, *prod, *pw;

	ck_assert_int_eq(n->kind, MC_N_OR);
	ck_assert_int_eq(n->kids[0]->kind, MC_N_AND);
	cmp = n->kids[0]->kids[0];
	ck_assert_int_eq(cmp->kind, MC_N_COMPARE);
	ck_assert_int_eq(cmp->links[0].op, MC_OP_EQ);
	sum = cmp->kids[0];
	ck_assert_int_eq(sum->kind, MC_N_BINARY);
	ck_assert_int_eq(sum->links[0].op, MC_OP_ADD);
	prod = sum->kids[1];
	ck_assert_int_eq(prod->links[0].op, MC_OP_MUL);
	pw = prod->kids[1];
	ck_assert_int_eq(pw->links[0].op, MC_OP_POW);
	ck_assert_int_eq(pw->kids[1]->kind, MC_N_UNARY);
	ck_assert_int_eq(pw->kids[1]->op, MC_OP_NEG);
	ck_assert_int_eq(n->kids[0]->kids[1]->op, MC_OP_NOT);
	mc_program_free(&p);
}
END_TEST

/* Chains of one level are flat; constant ints fold exactly (in 128 bits). */
START_TEST(test_chains_and_folding)
{
	mc_program p = s_parse_ok("a + b - c + d\na < b <= c\n-2**63\n2**63 - 1\n(-2**63) % -1\n2 ** 64\n"
	                          "3 ** -2\n-9223372036854775808\n18446744073709551615 + 0\nx[0][1].y(2)[3]");
	mc_node *n;

	n = p.stmts[0]->kids[0];
	ck_assert_int_eq(n->kind, MC_N_BINARY);
	ck_assert_int_eq(n->nkids, 4);
	ck_assert_int_eq(n->links[0].op, MC_OP_ADD);
	ck_assert_int_eq(n->links[1].op, MC_OP_SUB);
	ck_assert_int_eq(n->links[2].op, MC_OP_ADD);
	ck_assert_int_eq(n->links[1].col, 7);
	n = p.stmts[1]->kids[0];
	ck_assert_int_eq(n->kind, MC_N_COMPARE);
	ck_assert_int_eq(n->nkids, 3);
	ck_assert_int_eq(n->links[1].op, MC_OP_LE);
	n = p.stmts[2]->kids[0];
	ck_assert_int_eq(n->kind, MC_N_LITERAL);
	ck_assert_int_eq(mc_type(n->lit), MC_T_INT);
	ck_assert(mc_as_int(n->lit) == INT64_MIN);
	ck_assert(mc_as_int(p.stmts[3]->kids[0]->lit) == INT64_MAX);
	ck_assert_int_eq(mc_type(p.stmts[4]->kids[0]->lit), MC_T_INT);
	ck_assert_int_eq(mc_as_int(p.stmts[4]->kids[0]->lit), 0);
	/* past 64 bits a constant is a float, as int arithmetic that overflows */
	ck_assert_int_eq(mc_type(p.stmts[5]->kids[0]->lit), MC_T_FLOAT);
	ck_assert(mc_as_float(p.stmts[5]->kids[0]->lit) == 18446744073709551616.0);
	/* a negative power is left to run time (it gives a float) */
	ck_assert_int_eq(p.stmts[6]->kids[0]->kind, MC_N_BINARY);
	ck_assert(mc_as_int(p.stmts[7]->kids[0]->lit) == INT64_MIN);
	ck_assert_int_eq(mc_type(p.stmts[8]->kids[0]->lit), MC_T_FLOAT);
	n = p.stmts[9]->kids[0];
	ck_assert_int_eq(n->kind, MC_N_POSTFIX);
	ck_assert_int_eq(n->nkids, 6);
	ck_assert_int_eq(n->kids[3]->kind, MC_N_ATTR);
	ck_assert_int_eq(n->kids[4]->kind, MC_N_CALL);
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
	ck_assert_int_eq(p.stmts[1]->kids[0]->kind, MC_N_POSTFIX);
	ck_assert_int_eq(p.stmts[1]->kids[0]->kids[1]->kids[0]->kind, MC_N_SLICE);
	ck_assert_ptr_null(p.stmts[1]->kids[0]->kids[1]->kids[0]->kids[2]);
	ck_assert_int_eq(p.stmts[2]->kind, MC_N_ASSIGN);
	ck_assert_int_eq(p.stmts[2]->nkids, 3);
	ck_assert_int_eq(p.stmts[3]->kind, MC_N_AUGASSIGN);
	ck_assert_int_eq(p.stmts[3]->op, MC_OP_ADD);
	ck_assert_int_eq(p.stmts[3]->line, 5);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_blocks)
{
	mc_program p = s_parse_ok("for i, x in enumerate(xs):\n    if x > 0:\n        s += x\n    elif x < 0: n += 1; m = 2\n"
	                          "    else:\n        pass\nelse:\n    done = True\n"
	                          "while k < 3:\n    k += 1\n    if k == 2:\n        break\n"
	                          "y = 1");
	mc_node *f, *body, *iff;

	ck_assert_int_eq(p.n, 3);
	f = p.stmts[0];
	ck_assert_int_eq(f->kind, MC_N_FOR);
	ck_assert_int_eq(f->nkids, 4);   /* target, iterable, body, else */
	ck_assert_int_eq(f->kids[0]->kind, MC_N_TUPLE);
	body = f->kids[2];
	ck_assert_int_eq(body->kind, MC_N_BLOCK);
	ck_assert_int_eq(body->nkids, 1);
	iff = body->kids[0];
	ck_assert_int_eq(iff->kind, MC_N_IF);
	ck_assert_int_eq(iff->nkids, 5);   /* cond, block, cond, block, else */
	ck_assert_int_eq(iff->kids[3]->nkids, 2);   /* "n += 1; m = 2" on the elif's line */
	ck_assert_int_eq(iff->kids[4]->kids[0]->kind, MC_N_PASS);
	ck_assert_int_eq(f->kids[3]->kids[0]->kind, MC_N_ASSIGN);
	ck_assert_int_eq(p.stmts[1]->kind, MC_N_WHILE);
	ck_assert_int_eq(p.stmts[1]->kids[1]->nkids, 2);
	ck_assert_int_eq(p.stmts[1]->kids[1]->kids[1]->kids[1]->kids[0]->kind, MC_N_BREAK);
	ck_assert_int_eq(p.stmts[2]->line, 13);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_functions)
{
	mc_program p = s_parse_ok("def f(a, b=1, *args, c=2, **kw):\n    \"\"\"Adds.\n\n    More text.\n    \"\"\"\n"
	                          "    global g\n    t = a + b\n    for i in args:\n        t += i\n    return t\n"
	                          "h = lambda x, y=2: x * y");
	const mc_fundef *fn = p.stmts[0]->fn;
	const mc_fundef *lam = p.stmts[1]->kids[1]->fn;

	ck_assert_int_eq(p.stmts[0]->kind, MC_N_DEF);
	ck_assert_str_eq(fn->name, "f");
	ck_assert_str_eq(fn->sigtext, "(a, b=1, *args, c=2, **kw)");
	ck_assert_str_eq(fn->doc, "Adds.\n\nMore text.");
	ck_assert_uint_eq(fn->nparams, 5);
	ck_assert_int_eq(fn->params[2].kind, MC_PARAM_VARARGS);
	ck_assert_int_eq(fn->params[3].kind, MC_PARAM_KWONLY);
	ck_assert_int_eq(fn->params[4].kind, MC_PARAM_VARKW);
	ck_assert_ptr_nonnull(fn->params[1].dflt);
	/* names bound in the body, sorted, params included; globals apart */
	ck_assert(mc_names_has(fn->locals, fn->nlocals, "t"));
	ck_assert(mc_names_has(fn->locals, fn->nlocals, "i"));
	ck_assert(mc_names_has(fn->locals, fn->nlocals, "kw"));
	ck_assert(!mc_names_has(fn->locals, fn->nlocals, "g"));
	ck_assert(mc_names_has(fn->globals, fn->nglobals, "g"));
	ck_assert_int_eq(p.stmts[1]->kids[1]->kind, MC_N_LAMBDA);
	ck_assert_str_eq(lam->name, "<lambda>");
	ck_assert_str_eq(lam->sigtext, "(x, y=2)");
	ck_assert_int_eq(lam->body->kind, MC_N_BINARY);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_comprehensions_and_fstrings)
{
	mc_program p = s_parse_ok("[x * 2 for x in xs if x > 0 for y in x]\n{k: v for k, v in d.items()}\n"
	                          "sum(x for x in xs)\nf'a{x!r:>{w}}b{{c}}' 'd'\ny if c else z");
	mc_node *n = p.stmts[0]->kids[0], *fs;

	ck_assert_int_eq(n->kind, MC_N_COMP);
	ck_assert_int_eq(n->op, MC_COMP_LIST);
	ck_assert_int_eq(n->nkids, 4);
	ck_assert_int_eq(n->kids[1]->kind, MC_N_COMPFOR);
	ck_assert_int_eq(n->kids[2]->kind, MC_N_COMPIF);
	ck_assert_int_eq(n->kids[3]->kind, MC_N_COMPFOR);
	n = p.stmts[1]->kids[0];
	ck_assert_int_eq(n->op, MC_COMP_DICT);
	ck_assert_int_eq(n->kids[2]->kids[0]->kind, MC_N_TUPLE);
	n = p.stmts[2]->kids[0];
	ck_assert_int_eq(n->kids[1]->kids[0]->kind, MC_N_COMP);
	fs = p.stmts[3]->kids[0];
	ck_assert_int_eq(fs->kind, MC_N_FSTRING);
	ck_assert_uint_eq(fs->nkids, 4);   /* 'a', {x!r:>{w}}, 'b{c}', 'd' */
	ck_assert_str_eq(mc_as_str(fs->kids[0]->lit), "a");
	ck_assert_int_eq(fs->kids[1]->kind, MC_N_FORMAT);
	ck_assert_int_eq(fs->kids[1]->op, 'r');
	ck_assert_int_eq(fs->kids[1]->kids[0]->col, 5);
	ck_assert_int_eq(fs->kids[1]->kids[1]->kind, MC_N_FSTRING);
	ck_assert_str_eq(mc_as_str(fs->kids[2]->lit), "b{c}");
	ck_assert_str_eq(mc_as_str(fs->kids[3]->lit), "d");
	ck_assert_int_eq(p.stmts[4]->kids[0]->kind, MC_N_IFEXP);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_continuation_and_literals)
{
	mc_program p = s_parse_ok("x = load(\n    \"a.json\",   # the file\n    images=[1, 2,\n            3],\n)\n"
	                          "t = (true, False, none, None, 'a' \"b\", \"a\\0b\")");
	mc_node *call = p.stmts[0]->kids[1]->kids[1], *tup = p.stmts[1]->kids[1];

	ck_assert_int_eq(p.n, 2);
	ck_assert_int_eq(call->kind, MC_N_CALL);
	ck_assert_int_eq(call->nkids, 2);
	ck_assert_int_eq(call->kids[1]->kids[0]->nkids, 3);
	ck_assert_int_eq(tup->kind, MC_N_TUPLE);
	ck_assert_int_eq(mc_type(tup->kids[0]->lit), MC_T_BOOL);
	ck_assert_int_eq(mc_as_bool(tup->kids[0]->lit), 1);
	ck_assert_int_eq(mc_as_bool(tup->kids[1]->lit), 0);
	ck_assert_int_eq(mc_type(tup->kids[2]->lit), MC_T_NONE);
	ck_assert_int_eq(mc_type(tup->kids[3]->lit), MC_T_NONE);
	ck_assert_str_eq(mc_as_str(tup->kids[4]->lit), "ab");
	/* a NUL inside a string is kept: three characters */
	ck_assert_uint_eq(mc_str_len(tup->kids[5]->lit), 3);
	ck_assert_int_eq(p.stmts[1]->line, 6);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_index_forms)
{
	mc_program p = s_parse_ok("a[1, 2]; a[:, 0]; a[::2]; a[-1]");

	ck_assert_int_eq(p.stmts[0]->kids[0]->kids[1]->kids[0]->kind, MC_N_TUPLE);
	ck_assert_int_eq(p.stmts[1]->kids[0]->kids[1]->kids[0]->kids[0]->kind, MC_N_SLICE);
	ck_assert_int_eq(p.stmts[2]->kids[0]->kids[1]->kids[0]->kind, MC_N_SLICE);
	ck_assert_ptr_nonnull(p.stmts[2]->kids[0]->kids[1]->kids[0]->kids[2]);
	ck_assert_int_eq(mc_as_int(p.stmts[3]->kids[0]->kids[1]->kids[0]->lit), -1);
	mc_program_free(&p);
}
END_TEST

START_TEST(test_parse_expr)
{
	mc_node *n;
	mc_syntax_error e;

	ck_assert_int_eq(mc_parse_expr(&n, "x.y[0]", &e), 0);
	ck_assert_int_eq(n->kind, MC_N_POSTFIX);
	mc_node_free(n);
	ck_assert_int_eq(mc_parse_expr(&n, "x = 1", &e), MC_ERR_PARSE);
	ck_assert_ptr_null(n);
	ck_assert_ptr_nonnull(strstr(e.msg, "expected the end of the expression"));
}
END_TEST

/* Nesting is bounded; long flat chains are not nesting. */
START_TEST(test_deep_nesting_is_an_error)
{
	size_t big = 150010, i;
	char *src = malloc(big);
	mc_program p;
	mc_syntax_error e;

	for (i = 0; i < 10000; i++)
		src[i] = '[';
	for (i = 0; i < 10000; i++)
		src[10000 + i] = ']';
	src[20000] = '\0';
	ck_assert_int_eq(mc_parse(&p, src, &e), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "too deeply nested"));
	ck_assert_ptr_nonnull(strstr(e.msg, "setrecursionlimit"));
	memset(src, '-', 5000);
	strcpy(src + 5000, "x");
	ck_assert_int_eq(mc_parse(&p, src, &e), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "too deeply nested"));
	/* a chain of 50,000 '**' nests (right to left): an error, not a crash */
	for (i = 0; i < 50000; i++)
		memcpy(src + 3 * i, "2**", 3);
	strcpy(src + 150000, "2");
	ck_assert_int_eq(mc_parse(&p, src, &e), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "too deeply nested"));
	/* 50,000 terms of a sum, or 50,000 indexings, are flat chains */
	for (i = 0; i < 50000; i++)
		memcpy(src + 2 * i, "x+", 2);
	strcpy(src + 100000, "1");
	ck_assert_int_eq(mc_parse(&p, src, &e), 0);
	ck_assert_uint_eq(p.stmts[0]->kids[0]->nkids, 50001);
	mc_program_free(&p);
	src[0] = 'x';
	for (i = 0; i < 50000; i++)
		memcpy(src + 1 + 3 * i, "[0]", 3);
	src[150001] = '\0';
	ck_assert_int_eq(mc_parse(&p, src, &e), 0);
	ck_assert_uint_eq(p.stmts[0]->kids[0]->nkids, 50001);
	mc_program_free(&p);
	/* reasonable nesting is fine */
	ck_assert_int_eq(mc_parse(&p, "[[[[[[[[[[1]]]]]]]]]]", &e), 0);
	mc_program_free(&p);
	/* indentation deeper than 100 levels */
	{
		size_t o = 0;

		for (i = 0; i < 120; i++) {
			size_t k;

			for (k = 0; k < i; k++)
				src[o++] = ' ';
			memcpy(src + o, "if x:\n", 6);
			o += 6;
		}
		memcpy(src + o, "    pass\n", 10);
		ck_assert_int_eq(mc_parse(&p, src, &e), MC_ERR_PARSE);
		ck_assert_ptr_nonnull(strstr(e.msg, "too many levels of indentation"));
	}
	free(src);
}
END_TEST

/* Peak resident memory of the process in MiB; -1 in sanitizer builds and
 * under valgrind, which measure their own bookkeeping. */
static long s_peak_rss_mib(void)
{
#ifdef __SANITIZE_ADDRESS__
	return -1;
#else
	struct rusage ru;

	if (getenv("MC_VALGRIND") != NULL)
		return -1;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
#endif
}

/* A cell of 300,000 small dict literals (2.7 MB) parses in memory linear in
 * its size: each string literal used to allocate the rest of the source
 * (2 GB for this cell). Asserted on the peak resident size. */
START_TEST(test_many_string_literals)
{
	size_t n = 300000, i, o = 0;
	char *src = malloc(n * 9 + 1);
	long before = s_peak_rss_mib();
	mc_program p;
	mc_syntax_error e;

	for (i = 0; i < n; i++) {
		memcpy(src + o, "{'a': 1}\n", 9);
		o += 9;
	}
	src[o] = '\0';
	ck_assert_int_eq(mc_parse(&p, src, &e), 0);
	ck_assert_uint_eq(p.n, n);
	/* the tokens and tree of 300,000 dicts (about 350 MiB; CPython's
	 * compile() takes 820), not 2 GB of copies of the source */
	if (before >= 0)
		ck_assert_msg(s_peak_rss_mib() - before < 1024, "parsing took %ld MiB",
		              s_peak_rss_mib() - before);
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
		"def f(a, *b, c=1, **d):\n    for i in b:\n        if i: break\n    return [x for x in b if x]\n",
		"while n < 3:\n    n += 1\nelse:\n    s = f\"{n!r:>4}{{}}\" + (lambda y: y)(1)\n",
	};
	static const char pieces[] = "()[]{},:.=+-*/%<>\"'#\\\n;ab1 e_f{} \t";
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
	tcase_add_test(tc, test_chains_and_folding);
	tcase_add_test(tc, test_statements);
	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_functions);
	tcase_add_test(tc, test_comprehensions_and_fstrings);
	tcase_add_test(tc, test_continuation_and_literals);
	tcase_add_test(tc, test_index_forms);
	tcase_add_test(tc, test_parse_expr);
	tcase_add_test(tc, test_syntax_error_cases);
	tcase_add_test(tc, test_deep_nesting_is_an_error);
	tcase_add_test(tc, test_mutations_never_crash);
	tcase_add_test(tc, test_many_string_literals);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
