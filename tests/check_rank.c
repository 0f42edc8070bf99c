/* Tests of the ranking table (maskclean/rank.h): the table itself, one test
 * per method, percentile keys and the score cache. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/rank.h"
#include "suite_run.h"

/* ------------------------------------------------------------ fixtures */

/* 6 samples of 3 classes with hand-made out-of-fold probabilities:
 *   0, 1: class 0, confidently right (0.9) and unsure (0.5, 0.4 for 1);
 *   2, 3: class 1, right (0.8) and confidently wrong (0.1, 0.85 for 2);
 *   4:    class 2, right (0.6);
 *   5:    class 2, removed (weight 0). */
static const int64_t s_y[6] = { 0, 0, 1, 1, 2, 2 };
static const double s_w[6] = { 1, 1, 1, 1, 1, 0 };
static const double s_imp[6] = { 3.0, 5.0, 2.0, 2.5, 9.0, 4.0 };
static double s_p[6][3] = {
	{ 0.90, 0.05, 0.05 }, { 0.50, 0.40, 0.10 }, { 0.10, 0.80, 0.10 },
	{ 0.05, 0.10, 0.85 }, { 0.20, 0.20, 0.60 }, { 0.00, 0.00, 1.00 },
};
static const size_t s_count[3] = { 2, 2, 1 };

static mc_matrix s_proba = { 6, 3, 3, &s_p[0][0], 0 };

static mc_score_method s_method(const char *name)
{
	mc_score_method m;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_rank_parse(&m, name, &err) == 0, "%s", err.text);
	return m;
}

/* The scores of method name on the fixture. */
static void s_scores(const char *name, double *out)
{
	const mc_rank_method *m = mc_rank_method_get(s_method(name));
	mc_rank_input in;
	mc_error err;

	mc_error_clear(&err);
	memset(&in, 0, sizeof in);
	in.n = 6;
	in.K = 3;
	in.y = s_y;
	in.w = s_w;
	in.importance = s_imp;
	in.proba = m->needs_model ? &s_proba : NULL;
	in.class_count = s_count;
	in.seed = 7;
	ck_assert_int_eq(m->fn(out, &in, &err), 0);
	ck_assert(out[5] == 0.0);   /* removed */
}

static void s_close(double got, double want)
{
	ck_assert_msg(fabs(got - want) < 1e-12, "%.17g, want %.17g", got, want);
}

/* ------------------------------------------------------------ the table */

START_TEST(test_table)
{
	size_t n;
	const mc_rank_method *m = mc_rank_methods(&n);
	mc_score_method got;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_uint_ge(n, 7);
	ck_assert_str_eq(m[MC_SCORE_IMPORTANCE].name, "importance");
	ck_assert(!m[MC_SCORE_IMPORTANCE].needs_model && m[MC_SCORE_IMPORTANCE].per_class);
	for (size_t k = 0; k < n; k++) {
		ck_assert(m[k].name != NULL && m[k].doc != NULL && m[k].fn != NULL);
		ck_assert_int_eq(mc_rank_parse(&got, m[k].name, &err), 0);
		ck_assert_uint_eq(got, k);
		ck_assert_str_eq(mc_rank_name(k), m[k].name);
		ck_assert_ptr_eq(mc_rank_method_get(k), &m[k]);
		/* the error text lists every name */
		ck_assert_ptr_nonnull(strstr(mc_rank_names(), m[k].name));
	}
	ck_assert_ptr_null(mc_rank_method_get(n));
	ck_assert_str_eq(mc_rank_name(n), "unknown");
	ck_assert_int_eq(mc_rank_parse(&got, "best", &err), MC_ERR_INVALID);
	ck_assert_msg(strncmp(err.text, "method: expected one of \"importance\", ", 38) == 0, "%s",
	              err.text);
	ck_assert_ptr_nonnull(strstr(err.text, "\"entropy\""));
	ck_assert_ptr_nonnull(strstr(err.text, "; got \"best\""));
}
END_TEST

/* ------------------------------------------------------------ one test per method */

START_TEST(test_importance)
{
	double s[6];

	s_scores("importance", s);
	for (size_t i = 0; i < 5; i++)
		s_close(s[i], s_imp[i]);
}
END_TEST

START_TEST(test_self_confidence)
{
	double s[6];

	s_scores("self_confidence", s);
	s_close(s[0], 0.1);
	s_close(s[1], 0.5);
	s_close(s[2], 0.2);
	s_close(s[3], 0.9);
	s_close(s[4], 0.4);
}
END_TEST

START_TEST(test_margin)
{
	double s[6];

	s_scores("margin", s);
	s_close(s[0], (1 - (0.90 - 0.05)) / 2);
	s_close(s[1], (1 - (0.50 - 0.40)) / 2);
	s_close(s[3], (1 - (0.10 - 0.85)) / 2);
	ck_assert(s[3] > s[1] && s[1] > s[0]);
}
END_TEST

START_TEST(test_confident_learning)
{
	/* thresholds: class 0 (0.9 + 0.5) / 2 = 0.7, class 1 0.45, class 2
	 * 0.6 (the removed sample does not count). Sample 3 has p_2 = 0.85 >=
	 * 0.6 beating its label: flagged, 1 + 0.9. Sample 1 has p_1 = 0.4 <
	 * 0.45: not flagged. */
	double s[6];

	s_scores("confident_learning", s);
	s_close(s[3], 1.9);
	s_close(s[1], 0.5);
	s_close(s[0], 0.1);
	s_close(s[4], 0.4);
}
END_TEST

START_TEST(test_hybrid)
{
	/* the larger of the percentile of self-confidence over the kept
	 * samples (0.1 0.5 0.2 0.9 0.4: ranks 1 4 2 5 3, (r - 1/2) / 5) and the
	 * square of the importance's within the class (class 0: 3 < 5 -> 1/4,
	 * 3/4; class 1: 2 < 2.5 -> 1/4, 3/4; class 2 alone: 1/2) */
	double s[6];

	s_scores("hybrid", s);
	s_close(s[0], 0.1);
	s_close(s[1], 0.7);
	s_close(s[2], 0.3);
	s_close(s[3], 0.9);
	s_close(s[4], 0.5);
	/* the importance wins where it is extreme and the model is sure */
	s_p[1][0] = 0.95;
	s_p[1][1] = 0.04;
	s_p[1][2] = 0.01;
	s_scores("hybrid", s);
	s_close(s[1], 0.5625);
	s_p[1][0] = 0.50;
	s_p[1][1] = 0.40;
	s_p[1][2] = 0.10;
}
END_TEST

START_TEST(test_entropy)
{
	double s[6];

	s_scores("entropy", s);
	s_close(s[0], -(0.9 * log(0.9) + 2 * 0.05 * log(0.05)));
	s_close(s[1], -(0.5 * log(0.5) + 0.4 * log(0.4) + 0.1 * log(0.1)));
	/* unsure (1, 4) above sure (0, 3), whatever the label */
	ck_assert(s[1] > s[3] && s[4] > s[3] && s[3] > s[0]);
}
END_TEST

START_TEST(test_random)
{
	double a[6], b[6];
	int differ = 0;

	s_scores("random", a);
	s_scores("random", b);
	ck_assert_mem_eq(a, b, sizeof a);
	for (size_t i = 0; i < 5; i++) {
		ck_assert(a[i] >= 0 && a[i] < 1);
		differ |= a[i] != a[0];
	}
	ck_assert(differ);
}
END_TEST

/* ------------------------------------------------------------ keys and cache */

START_TEST(test_percentile)
{
	static const double v[7] = { 5, 1, 5, 3, 2, 2, 9 };
	static const int64_t y[7] = { 0, 0, 0, 0, 1, 1, 1 };
	static const double w[7] = { 1, 1, 1, 1, 1, 1, 0 };
	double out[7];
	mc_error err;

	mc_error_clear(&err);
	/* class 0: 1 < 3 < 5 = 5 -> ranks 1, 2, 3.5 (tied) of 4; class 1: 2 = 2
	 * -> 1.5 of 2; (r - 1/2) / m */
	ck_assert_int_eq(mc_rank_percentile(out, v, y, w, 7, &err), 0);
	s_close(out[1], 0.125);
	s_close(out[3], 0.375);
	s_close(out[0], 0.75);
	s_close(out[2], 0.75);
	s_close(out[4], 0.5);
	s_close(out[5], 0.5);
	s_close(out[6], 0.0);
	/* over every sample; a class of one sits in the middle */
	ck_assert_int_eq(mc_rank_percentile(out, v, NULL, NULL, 7, &err), 0);
	s_close(out[6], 6.5 / 7);
	s_close(out[1], 0.5 / 7);
	ck_assert_int_eq(mc_rank_percentile(out, v, y, NULL, 7, &err), 0);
	s_close(out[6], 5.0 / 6);
}
END_TEST

/* A model-free cache: scores computed once until cleared; the key of a
 * per-class method is its within-class percentile, of the others the
 * score itself. */
START_TEST(test_cache_and_keys)
{
	mc_rank *rk = NULL;
	mc_rank_data d;
	const double *a, *b, *k;
	double imp[6];
	mc_error err;

	mc_error_clear(&err);
	memcpy(imp, s_imp, sizeof imp);
	memset(&d, 0, sizeof d);
	d.n = 6;
	d.K = 3;
	d.y = s_y;
	d.w = s_w;
	d.importance = imp;
	d.seed = 3;
	ck_assert_int_eq(mc_rank_new(&rk, &err), 0);
	ck_assert_int_eq(mc_rank_scores(&a, rk, MC_SCORE_IMPORTANCE, &d, NULL, &err), 0);
	s_close(a[4], 9.0);
	imp[4] = 1.0;   /* the data changed, but the cache was not told */
	ck_assert_int_eq(mc_rank_scores(&b, rk, MC_SCORE_IMPORTANCE, &d, NULL, &err), 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(mc_rank_keys(&k, rk, MC_SCORE_IMPORTANCE, &d, NULL, &err), 0);
	s_close(k[0], 0.25);
	s_close(k[1], 0.75);
	s_close(k[4], 0.5);
	mc_rank_clear(rk);
	ck_assert_int_eq(mc_rank_scores(&a, rk, MC_SCORE_IMPORTANCE, &d, NULL, &err), 0);
	s_close(a[4], 1.0);
	ck_assert_int_eq(mc_rank_scores(&a, rk, s_method("random"), &d, NULL, &err), 0);
	ck_assert_int_eq(mc_rank_keys(&k, rk, s_method("random"), &d, NULL, &err), 0);
	ck_assert_ptr_eq(a, k);
	ck_assert_ptr_null(mc_rank_proba(rk));
	ck_assert_int_eq(mc_rank_scores(&a, rk, 99, &d, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown method 99"));
	mc_rank_free(rk);
	mc_rank_free(NULL);
}
END_TEST

/* A model-based method runs the out-of-fold loop once for every method. */
static const double *s_row(const void *ctx, size_t i)
{
	return (const double *)ctx + 2 * i;
}

START_TEST(test_model_methods_share_the_loop)
{
	enum { N = 60 };
	double X[N * 2], imp[N], w[N];
	int64_t y[N];
	mc_row_source src = { X, s_row, N, 2 };
	mc_rank *rk = NULL;
	mc_rank_data d;
	const double *sc, *mg;
	const mc_matrix *P;
	mc_error err;

	mc_error_clear(&err);
	for (size_t i = 0; i < N; i++) {
		y[i] = (int64_t)(i % 2);
		X[2 * i] = y[i] ? 2.0 + 0.01 * (double)i : -2.0 - 0.01 * (double)i;
		X[2 * i + 1] = (double)((i * 7) % 5) / 5.0;
		imp[i] = 1;
		w[i] = 1;
	}
	y[10] = 1;   /* a wrong label: it sits with class 0 */
	y[23] = 2;   /* the only sample of class 2: no model saw its class */
	memset(&d, 0, sizeof d);
	d.n = N;
	d.K = 3;
	d.y = y;
	d.w = w;
	d.importance = imp;
	d.X = &src;
	mc_cv_opts_init(&d.cv);
	mc_logreg_params_init(&d.lr);
	d.lr.class_weight = MC_CW_BALANCED;
	ck_assert_int_eq(mc_rank_new(&rk, &err), 0);
	ck_assert_msg(mc_rank_scores(&sc, rk, s_method("self_confidence"), &d, NULL, &err) == 0,
	              "%s", err.text);
	P = mc_rank_proba(rk);
	ck_assert_ptr_nonnull(P);
	ck_assert_uint_eq(P->rows, N);
	ck_assert_uint_eq(P->cols, 3);
	ck_assert_int_eq(mc_rank_scores(&mg, rk, s_method("margin"), &d, NULL, &err), 0);
	ck_assert_ptr_eq(mc_rank_proba(rk), P);
	for (size_t i = 0; i < N; i++) {
		if (i == 23)
			continue;
		s_close(sc[i], 1.0 - MC_AT(P, i, (size_t)y[i]));
		if (i != 10)
			ck_assert_msg(sc[10] > sc[i], "sample %zu: %g >= %g", i, sc[i], sc[10]);
	}
	/* the lone sample: the median of the others' scores, not 1 - p */
	{
		double v[N - 1], med;
		size_t m = 0;
		for (size_t i = 0; i < N; i++)
			if (i != 23)
				v[m++] = sc[i];
		for (size_t a = 0; a < m; a++)
			for (size_t b = a + 1; b < m; b++)
				if (v[b] < v[a]) {
					double t = v[a];
					v[a] = v[b];
					v[b] = t;
				}
		med = (v[m / 2 - 1] + v[m / 2]) / 2;
		if (m % 2)
			med = v[m / 2];
		s_close(sc[23], med);
		ck_assert(1.0 - MC_AT(P, 23, 2) > 0.9);
	}
	mc_rank_free(rk);
}
END_TEST

/* docs/coreset.md shows the table: one row per method, its doc as here. */
START_TEST(test_docs_show_the_table)
{
	const char *src = getenv("MC_SRCDIR");
	char path[4096], row[1024];
	size_t n, len;
	const mc_rank_method *m = mc_rank_methods(&n);
	FILE *f;
	char *doc;

	ck_assert_msg(src != NULL, "MC_SRCDIR is not set (run through make check)");
	snprintf(path, sizeof path, "%s/docs/coreset.md", src);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	doc = malloc(len + 1);
	ck_assert_uint_eq(fread(doc, 1, len, f), len);
	doc[len] = '\0';
	fclose(f);
	for (size_t k = 0; k < n; k++) {
		snprintf(row, sizeof row, "| `%s` | %s | %s | %s |", m[k].name,
		         m[k].needs_model ? "yes" : "no",
		         m[k].per_class ? "within-class percentile" : "score", m[k].doc);
		ck_assert_msg(strstr(doc, row) != NULL, "docs/coreset.md lacks the row\n%s", row);
	}
	free(doc);
}
END_TEST

static Suite *rank_suite(void)
{
	Suite *s = suite_create("rank");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_importance);
	tcase_add_test(tc, test_self_confidence);
	tcase_add_test(tc, test_margin);
	tcase_add_test(tc, test_confident_learning);
	tcase_add_test(tc, test_hybrid);
	tcase_add_test(tc, test_entropy);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_percentile);
	tcase_add_test(tc, test_cache_and_keys);
	tcase_add_test(tc, test_model_methods_share_the_loop);
	tcase_add_test(tc, test_docs_show_the_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(rank_suite());
}
