/* Tests of the coreset tree service (maskclean/coreset.h). */
#include <check.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maskclean/coreset.h"
#include "durability_fixture.h"
#include "suite_run.h"

/* ------------------------------------------------------------ fixtures */

static uint64_t g_state;

static double s_randn(void)
{
	/* Box-Muller on a 64-bit LCG: reproducible test data. */
	double u1, u2;
	g_state = g_state * 6364136223846793005ULL + 1442695040888963407ULL;
	u1 = ((g_state >> 11) + 0.5) * 0x1.0p-53;
	g_state = g_state * 6364136223846793005ULL + 1442695040888963407ULL;
	u2 = ((g_state >> 11) + 0.5) * 0x1.0p-53;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* n rows of dimension d: class c = i % K, centred at 3*e_c (mod d). */
static mc_matrix *s_data(size_t n, size_t d, size_t K, int64_t **y, uint64_t seed)
{
	mc_matrix *X = NULL;
	mc_error err;

	mc_error_clear(&err);
	g_state = seed;
	ck_assert_int_eq(mc_matrix_new(&X, n, d, &err), 0);
	*y = malloc(n * sizeof **y);
	for (size_t i = 0; i < n; i++) {
		(*y)[i] = (int64_t)(i % K);
		for (size_t j = 0; j < d; j++)
			MC_AT(X, i, j) = s_randn() + (j == (size_t)(*y)[i] % d ? 3.0 : 0.0);
	}
	return X;
}

static mc_coreset *s_built(const mc_matrix *X, const int64_t *y, const double *w,
                           size_t chunk, uint64_t seed)
{
	mc_coreset_params p;
	mc_coreset *cs = NULL;
	mc_error err;

	mc_error_clear(&err);
	mc_coreset_params_init(&p);
	p.chunk_size = chunk;
	p.seed = seed;
	ck_assert_int_eq(mc_coreset_new(&cs, &p, &err), 0);
	ck_assert_msg(mc_coreset_build(cs, X, y, w, NULL, &err) == 0, "build: %s", err.text);
	return cs;
}

/* Reference sensitivity of one class block, straight from the definition,
 * with Householder QR (dgeqrf + dorgqr). */
static void s_reference(const mc_matrix *X, const int64_t *y, const double *w, int64_t c,
                        size_t lo, size_t hi, double *s_out)
{
	size_t d = X->cols, p = d + 1, n = 0, k = 0;
	double W = 0, *A, *tau;
	int unit = 1;

	for (size_t i = lo; i < hi; i++)
		if (y[i] == c && (!w || w[i] > 0)) {
			n++;
			W += w ? w[i] : 1;
			if (w && w[i] != 1)
				unit = 0;
		}
	A = calloc(n * p, sizeof *A);
	tau = calloc(p, sizeof *tau);
	for (size_t i = lo; i < hi; i++) {
		if (y[i] != c || (w && !(w[i] > 0)))
			continue;
		double sc = unit ? 1 : sqrt(w[i]);
		for (size_t j = 0; j < d; j++)
			A[k * p + j] = sc * MC_AT(X, i, j);
		A[k * p + d] = sc;
		k++;
	}
	ck_assert_int_ge(n, p);
	ck_assert_int_eq(LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, n, p, A, p, tau), 0);
	ck_assert_int_eq(LAPACKE_dorgqr(LAPACK_ROW_MAJOR, n, p, p, A, p, tau), 0);
	k = 0;
	for (size_t i = lo; i < hi; i++) {
		if (y[i] != c || (w && !(w[i] > 0)))
			continue;
		double lev = 0, wi = w ? w[i] : 1;
		for (size_t j = 0; j < p; j++)
			lev += A[k * p + j] * A[k * p + j];
		s_out[i] = (2 * wi / W + lev) * W;
		k++;
	}
	free(A);
	free(tau);
}

/* ------------------------------------------------------------ importance */

/* Importance agrees with the double-precision definition to this relative
 * tolerance: well-conditioned blocks solve for the basis in single
 * precision (include/maskclean/coreset.h). */
#define S_IMPORTANCE_RTOL 1e-5

START_TEST(test_importance_matches_definition)
{
	int64_t *y;
	mc_matrix *X = s_data(300, 6, 3, &y, 1);
	double *w = malloc(300 * sizeof *w), *ref = calloc(300, sizeof *ref);
	mc_coreset *cs;

	for (size_t i = 0; i < 300; i++)
		w[i] = 0.5 + (double)(i % 4);
	cs = s_built(X, y, w, 0, 7);
	ck_assert_uint_eq(mc_coreset_n_chunks(cs), 1);
	for (int64_t c = 0; c < 3; c++)
		s_reference(X, y, w, c, 0, 300, ref);
	for (size_t i = 0; i < 300; i++)
		ck_assert_msg(fabs(mc_coreset_importance(cs)[i] - ref[i]) < S_IMPORTANCE_RTOL * ref[i],
		              "row %zu: %.17g vs %.17g", i, mc_coreset_importance(cs)[i], ref[i]);
	mc_coreset_free(cs);
	free(w);
	free(ref);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_importance_per_chunk_blocks)
{
	/* With 4 chunks, each (chunk, class) block is its own basis. */
	int64_t *y;
	mc_matrix *X = s_data(400, 4, 2, &y, 2);
	double *ref = calloc(400, sizeof *ref);
	mc_coreset *cs = s_built(X, y, NULL, 100, 3);

	ck_assert_uint_eq(mc_coreset_n_chunks(cs), 4);
	ck_assert_uint_eq(mc_coreset_n_levels(cs), 3);
	for (size_t j = 0; j < 4; j++)
		for (int64_t c = 0; c < 2; c++)
			s_reference(X, y, NULL, c, j * 100, j * 100 + 100, ref);
	for (size_t i = 0; i < 400; i++)
		ck_assert_msg(fabs(mc_coreset_importance(cs)[i] - ref[i]) < S_IMPORTANCE_RTOL * ref[i],
		              "row %zu", i);
	mc_coreset_free(cs);
	free(ref);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_importance_rank_deficient)
{
	/* 3 rows of a class in 5 dimensions (with a constant column): plain
	 * leverages would all be 1. Ridge leverages sum to n/4 = 0.75 per class,
	 * so each class's importances sum to 2 * 3 + 3 * 0.75 = 8.25, and they
	 * differ within the class. */
	int64_t *y;
	mc_matrix *X = s_data(60, 5, 20, &y, 4);
	mc_coreset *cs;

	for (size_t i = 0; i < 60; i++)
		MC_AT(X, i, 4) = 2.0;
	cs = s_built(X, y, NULL, 0, 0);
	for (int64_t c = 0; c < 20; c++) {
		double sum = 0, lo = INFINITY, hi = 0;
		for (size_t i = 0; i < 60; i++) {
			double v = mc_coreset_importance(cs)[i];
			if (y[i] != c)
				continue;
			ck_assert(isfinite(v) && v > 2.0);
			sum += v;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		ck_assert_msg(fabs(sum - 8.25) < 1e-9, "class %lld: %.17g", (long long)c, sum);
		ck_assert_msg(hi - lo > 1e-6, "class %lld: every score is %g", (long long)c, lo);
	}
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_small_class_scores_not_tied)
{
	/* A class of 30 rows in 64 dimensions (at most d + 1 rows: every plain
	 * leverage would be 1 and the ranking index order) beside a class of
	 * 400. One of the 30 sits far from the others: its ridge importance is
	 * the largest of its class, and the class's scores are all distinct. */
	const size_t n = 430, d = 64;
	int64_t *y = malloc(n * sizeof *y);
	mc_matrix *X = NULL;
	mc_coreset *cs;
	mc_cleaning_query q;
	mc_class_size one = { 1, MC_CLASS_SIZE_COUNT, 30 };
	size_t *idx, cnt, top = 0;
	double *sc;
	mc_error err;

	mc_error_clear(&err);
	g_state = 31;
	ck_assert_int_eq(mc_matrix_new(&X, n, d, &err), 0);
	for (size_t i = 0; i < n; i++) {
		y[i] = i < 400 ? 0 : 1;
		for (size_t j = 0; j < d; j++)
			MC_AT(X, i, j) = s_randn() + (y[i] == 1 && j == 0 ? 4.0 : 0.0);
	}
	for (size_t j = 0; j < 8; j++)
		MC_AT(X, 417, j) += 9.0;
	cs = s_built(X, y, NULL, 0, 0);
	for (size_t i = 400; i < n; i++)
		if (mc_coreset_importance(cs)[i] > mc_coreset_importance(cs)[400 + top])
			top = i - 400;
	ck_assert_uint_eq(400 + top, 417);
	mc_cleaning_query_init(&q);
	q.class_size = &one;
	q.n_class_size = 1;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 30);
	ck_assert_uint_eq(idx[0], 417);
	for (size_t k = 1; k < cnt; k++)
		ck_assert_msg(sc[k] < sc[k - 1], "scores %zu and %zu tie at %g", k - 1, k, sc[k]);
	free(idx);
	free(sc);
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* Classes of 40, 200 and 1000 rows with the same share (5%) of planted
 * errors: odd samples (far from their class) and wrong labels (a sample of
 * another class). A ranking over every class, as many as the errors long,
 * finds most errors of every class: neither the small class comes last
 * nor the large one first. */
START_TEST(test_cross_class_not_by_size)
{
	static const size_t size[3] = { 40, 200, 1000 };
	const size_t n = 1240, d = 32, n_err = 62;
	int64_t *y = malloc(n * sizeof *y);
	unsigned char *bad = calloc(n, 1);
	mc_matrix *X = NULL;
	mc_error err;
	size_t i = 0;
	static const char *const methods[2] = { "importance", "hybrid" };

	mc_error_clear(&err);
	g_state = 41;
	ck_assert_int_eq(mc_matrix_new(&X, n, d, &err), 0);
	for (int64_t c = 0; c < 3; c++)
		for (size_t k = 0; k < size[c]; k++, i++) {
			/* 1 in 20 rows: odd (even k) or of the next class (odd k) */
			int odd = k % 20 == 10, wrong = k % 20 == 15;
			int64_t src = wrong ? (c + 1) % 3 : c;
			y[i] = c;
			bad[i] = (unsigned char)(odd || wrong);
			for (size_t j = 0; j < d; j++)
				MC_AT(X, i, j) = s_randn() + (j == (size_t)src ? 6.0 : 0.0) +
				                 (odd && j >= 3 ? 7.0 : 0.0);
		}
	for (size_t m = 0; m < 2; m++) {
		mc_coreset *cs = s_built(X, y, NULL, 0, 0);
		mc_cleaning_query q;
		size_t *idx, cnt, found[3] = { 0 }, taken[3] = { 0 }, planted[3] = { 2, 10, 50 };
		double *sc;
		mc_cleaning_query_init(&q);
		q.size = n_err;
		q.has_size = 1;
		ck_assert_int_eq(mc_rank_parse(&q.method, methods[m], &err), 0);
		ck_assert_msg(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err) ==
		              0, "%s", err.text);
		ck_assert_uint_eq(cnt, n_err);
		for (size_t k = 0; k < cnt; k++) {
			taken[y[idx[k]]]++;
			found[y[idx[k]]] += bad[idx[k]];
		}
		for (size_t c = 0; c < 3; c++) {
			/* its share of the top, against its share of the data */
			double fair = (double)n_err * (double)size[c] / (double)n;
			ck_assert_msg(found[c] * 2 >= planted[c], "%s: class of %zu: %zu of %zu errors",
			              methods[m], size[c], found[c], planted[c]);
			ck_assert_msg((double)taken[c] <= 3 * fair + 1 && (double)taken[c] >= fair / 2,
			              "%s: class of %zu has %zu of the top %zu", methods[m], size[c],
			              taken[c], n_err);
		}
		free(idx);
		free(sc);
		mc_coreset_free(cs);
	}
	free(y);
	free(bad);
	mc_matrix_free(X);
}
END_TEST

/* Fold groups: set, checked against the sample count, used by the model
 * scores (which change when copies share a fold), and cleared. */
START_TEST(test_groups)
{
	int64_t *y, *g = malloc(300 * sizeof *g);
	mc_matrix *X = s_data(300, 4, 3, &y, 43);
	mc_coreset *cs = s_built(X, y, NULL, 0, 0);
	const double *a, *b;
	double *first = malloc(300 * sizeof *first);
	mc_score_method m;
	mc_error err;
	int differ = 0;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rank_parse(&m, "self_confidence", &err), 0);
	ck_assert_int_eq(mc_coreset_scores(cs, m, &a, NULL, &err), 0);
	memcpy(first, a, 300 * sizeof *first);
	for (size_t i = 0; i < 300; i++)
		g[i] = (int64_t)(i / 10);
	ck_assert_int_eq(mc_coreset_set_groups(cs, g, 299, &err), MC_ERR_SHAPE);
	ck_assert_str_eq(err.text, "groups: 299 entries for 300 samples");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_set_groups(cs, g, 300, &err), 0);
	ck_assert_int_eq(mc_coreset_scores(cs, m, &b, NULL, &err), 0);
	for (size_t i = 0; i < 300; i++)
		differ |= first[i] != b[i];
	ck_assert(differ);
	ck_assert_int_eq(mc_coreset_set_groups(cs, NULL, 0, &err), 0);
	ck_assert_int_eq(mc_coreset_scores(cs, m, &b, NULL, &err), 0);
	ck_assert_mem_eq(first, b, 300 * sizeof *first);
	mc_coreset_free(cs);
	free(first);
	free(g);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_qr_basis_agrees)
{
	int64_t *y;
	mc_matrix *X = s_data(500, 8, 2, &y, 5);
	mc_coreset_params p;
	mc_coreset *a = s_built(X, y, NULL, 0, 0), *b = NULL;
	mc_error err;

	mc_error_clear(&err);
	mc_coreset_params_init(&p);
	p.basis = MC_BASIS_QR;
	ck_assert_int_eq(mc_coreset_new(&b, &p, &err), 0);
	ck_assert_int_eq(mc_coreset_build(b, X, y, NULL, NULL, &err), 0);
	for (size_t i = 0; i < 500; i++)
		ck_assert(fabs(mc_coreset_importance(a)[i] - mc_coreset_importance(b)[i]) <
		          S_IMPORTANCE_RTOL * mc_coreset_importance(a)[i]);
	mc_coreset_free(a);
	mc_coreset_free(b);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_mislabeled_rank_first)
{
	/* Class 0 is centred at +3 e_0, class 1 at +3 e_1. Rows 10, 20, 30 are
	 * class-1 points labelled 0: they must be the three most important
	 * samples of class 0. */
	int64_t *y;
	mc_matrix *X = s_data(1000, 10, 2, &y, 6);
	mc_coreset *cs;
	mc_cleaning_query q;
	mc_class_size c0 = { 0, MC_CLASS_SIZE_COUNT, 3 };
	size_t *idx, cnt;
	double *sc;
	mc_error err;
	int found = 0;

	mc_error_clear(&err);
	for (size_t k = 10; k <= 30; k += 10) {
		for (size_t j = 0; j < 10; j++)
			MC_AT(X, k, j) = s_randn() + (j == 1 ? 6.0 : 0.0);
		y[k] = 0;
	}
	cs = s_built(X, y, NULL, 0, 0);
	mc_cleaning_query_init(&q);
	q.class_size = &c0;
	q.n_class_size = 1;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 3);
	for (size_t k = 0; k < 3; k++)
		found += idx[k] == 10 || idx[k] == 20 || idx[k] == 30;
	ck_assert_int_eq(found, 3);
	ck_assert(sc[0] >= sc[1] && sc[1] >= sc[2]);
	free(idx);
	free(sc);
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* ------------------------------------------------------------ tree */

START_TEST(test_coreset_weights_estimate_class_mass)
{
	/* The weights of a coreset estimate each class's total weight without
	 * bias: averaged over 8 seeds every level is within 6% of the truth. */
	int64_t *y;
	mc_matrix *X = s_data(4000, 5, 4, &y, 8);
	mc_coreset_params p;
	size_t *idx, m;
	double *w, mass[3][4] = { { 0 } };
	mc_error err;

	mc_error_clear(&err);
	for (uint64_t seed = 0; seed < 8; seed++) {
		mc_coreset *cs = NULL;
		mc_coreset_params_init(&p);
		p.chunk_size = 1000;
		p.coreset_size = 200;
		p.seed = seed;
		ck_assert_int_eq(mc_coreset_new(&cs, &p, &err), 0);
		ck_assert_int_eq(mc_coreset_build(cs, X, y, NULL, NULL, &err), 0);
		ck_assert_uint_eq(mc_coreset_n_levels(cs), 3);
		for (size_t level = 0; level < 3; level++) {
			ck_assert_int_eq(mc_coreset_get_coreset(&idx, &w, &m, cs, level, &err), 0);
			/* about 200 samples per node (fewer once duplicates merge) */
			ck_assert_uint_le(m, (size_t)(210 << level));
			ck_assert_uint_ge(m, (size_t)(50 << level));
			for (size_t q = 0; q < m; q++) {
				ck_assert(idx[q] < 4000);
				if (q > 0)
					ck_assert_msg(idx[q] > idx[q - 1], "indices sorted, no duplicates");
				ck_assert(w[q] > 0);
				mass[level][y[idx[q]]] += w[q] / 8;
			}
			free(idx);
			free(w);
		}
		mc_coreset_free(cs);
	}
	for (size_t level = 0; level < 3; level++)
		for (int c = 0; c < 4; c++)
			ck_assert_msg(fabs(mass[level][c] - 1000) < 60, "level %zu class %d: %g", level,
			              c, mass[level][c]);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_build_is_deterministic_and_partial_build_matches)
{
	int64_t *y;
	mc_matrix *X = s_data(1000, 4, 3, &y, 9);
	mc_coreset *full = s_built(X, y, NULL, 150, 11), *part = NULL;
	mc_coreset_params p;
	mc_matrix a = mc_matrix_view_rows(X, 0, 420), b = mc_matrix_view_rows(X, 420, 580);
	size_t *i1, *i2, m1, m2, blocks, nodes;
	double *w1, *w2;
	mc_error err;

	mc_error_clear(&err);
	mc_coreset_params_init(&p);
	p.chunk_size = 150;
	p.seed = 11;
	ck_assert_int_eq(mc_coreset_new(&part, &p, &err), 0);
	ck_assert_int_eq(mc_coreset_partial_build(part, &a, y, NULL, NULL, &err), 0);
	ck_assert_uint_eq(mc_coreset_n(part), 420);
	ck_assert_int_eq(mc_coreset_partial_build(part, &b, y + 420, NULL, NULL, &err), 0);
	/* Chunks 0 and 1 (rows < 300) were full and are not recomputed:
	 * the 5 chunks 2..6 are, each with 3 class blocks. */
	mc_coreset_last_work(part, &blocks, &nodes);
	ck_assert_uint_ge(blocks, 15);
	ck_assert_uint_eq(mc_coreset_n(part), 1000);
	ck_assert_uint_eq(mc_coreset_n_chunks(part), 7);
	ck_assert_mem_eq(mc_coreset_importance(full), mc_coreset_importance(part),
	                 1000 * sizeof(double));
	ck_assert_int_eq(mc_coreset_get_coreset(&i1, &w1, &m1, full, 0, &err), 0);
	ck_assert_int_eq(mc_coreset_get_coreset(&i2, &w2, &m2, part, 0, &err), 0);
	ck_assert_uint_eq(m1, m2);
	ck_assert_mem_eq(i1, i2, m1 * sizeof *i1);
	ck_assert_mem_eq(w1, w2, m1 * sizeof *w1);
	free(i1);
	free(i2);
	free(w1);
	free(w2);
	mc_coreset_free(full);
	mc_coreset_free(part);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_partial_build_leaves_full_chunks_alone)
{
	int64_t *y;
	mc_matrix *X = s_data(600, 4, 2, &y, 10);
	mc_coreset_params p;
	mc_coreset *cs = NULL;
	mc_matrix a = mc_matrix_view_rows(X, 0, 400), b = mc_matrix_view_rows(X, 400, 200);
	size_t blocks, nodes;
	mc_error err;

	mc_error_clear(&err);
	mc_coreset_params_init(&p);
	p.chunk_size = 100;
	ck_assert_int_eq(mc_coreset_new(&cs, &p, &err), 0);
	ck_assert_int_eq(mc_coreset_partial_build(cs, &a, y, NULL, NULL, &err), 0);
	mc_coreset_last_work(cs, &blocks, &nodes);
	ck_assert_uint_eq(nodes, 4 + 2 + 1);
	ck_assert_int_eq(mc_coreset_partial_build(cs, &b, y + 400, NULL, NULL, &err), 0);
	mc_coreset_last_work(cs, &blocks, &nodes);
	/* Two new leaves (2 class blocks each, nothing else at leaf level), one
	 * new level-1 node, and the path to the root. */
	ck_assert_uint_eq(nodes, 2 + 1 + 1 + 1);
	ck_assert_uint_eq(mc_coreset_n_levels(cs), 4);
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* ------------------------------------------------------------ updates */

static char *s_tmpfile(const char *name);

static void s_assert_same_as_fresh(mc_coreset *cs, const mc_matrix *X, const int64_t *y,
                                   const double *w, size_t chunk, uint64_t seed)
{
	mc_coreset *fresh = s_built(X, y, w, chunk, seed);
	size_t *i1, *i2, m1, m2;
	double *w1, *w2;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_mem_eq(mc_coreset_importance(cs), mc_coreset_importance(fresh),
	                 mc_coreset_n(cs) * sizeof(double));
	ck_assert_int_eq(mc_coreset_get_coreset(&i1, &w1, &m1, cs, 0, &err), 0);
	ck_assert_int_eq(mc_coreset_get_coreset(&i2, &w2, &m2, fresh, 0, &err), 0);
	ck_assert_uint_eq(m1, m2);
	ck_assert_mem_eq(i1, i2, m1 * sizeof *i1);
	ck_assert_mem_eq(w1, w2, m1 * sizeof *w1);
	free(i1);
	free(i2);
	free(w1);
	free(w2);
	mc_coreset_free(fresh);
}

START_TEST(test_update_targets_is_local_and_exact)
{
	int64_t *y;
	mc_matrix *X = s_data(800, 4, 4, &y, 12);
	mc_coreset *cs = s_built(X, y, NULL, 100, 13);
	double *before = malloc(800 * sizeof *before);
	size_t idx[2] = { 205, 230 }, blocks, nodes;
	int64_t ny[2] = { 3, 2 };
	mc_error err;

	mc_error_clear(&err);
	memcpy(before, mc_coreset_importance(cs), 800 * sizeof *before);
	/* Row 205 is class 1 -> 3, row 230 class 2 -> 2 (unchanged label). */
	ck_assert_int_eq(mc_coreset_update_targets(cs, idx, 2, ny, NULL, &err), 0);
	mc_coreset_last_work(cs, &blocks, &nodes);
	/* Chunk 2 only: the blocks of classes 1 and 3 (row 230 did not change:
	 * nothing to do for it). The tree waits for its next reader. */
	ck_assert_uint_eq(blocks, 2);
	ck_assert_uint_eq(nodes, 0);
	{
		size_t *ci, cm;
		double *cw;
		ck_assert_int_eq(mc_coreset_get_coreset(&ci, &cw, &cm, cs, 0, &err), 0);
		free(ci);
		free(cw);
	}
	/* Reading it rebuilds the leaf of chunk 2 and its 3 ancestors, with the
	 * blocks of classes 1 and 3 in each ancestor; a second read, nothing. */
	mc_coreset_last_work(cs, &blocks, &nodes);
	ck_assert_uint_eq(nodes, 4);
	ck_assert_uint_eq(blocks, 2 * 3);
	for (size_t i = 0; i < 800; i++) {
		int touched = i / 100 == 2 && (y[i] == 1 || y[i] == 3 || y[i] == 2);
		if (!touched)
			ck_assert_msg(before[i] == mc_coreset_importance(cs)[i], "row %zu changed", i);
	}
	ck_assert(before[205] != mc_coreset_importance(cs)[205]);
	ck_assert_int_eq(mc_coreset_labels(cs)[205], 3);
	y[205] = 3;
	s_assert_same_as_fresh(cs, X, y, NULL, 100, 13);
	free(before);
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* Several updates leave the tree to its next reader; whichever reads it
 * (get_coreset, save, partial_build) sees what a fresh build gives. */
START_TEST(test_deferred_tree_matches_fresh_build)
{
	int64_t *y;
	mc_matrix *X = s_data(800, 4, 4, &y, 30);
	mc_matrix a = mc_matrix_view_rows(X, 0, 500), b = mc_matrix_view_rows(X, 500, 300);
	mc_coreset *cs = s_built(X, y, NULL, 100, 31), *back = NULL, *part = NULL;
	mc_coreset_params p;
	char *path = s_tmpfile("deferred.mcc");
	size_t i1 = 105, i2 = 650, gone = 420, blocks, nodes;
	int64_t c1 = (y[105] + 1) % 4, c2 = (y[650] + 2) % 4;
	double *w = malloc(800 * sizeof *w);
	mc_error err;

	mc_error_clear(&err);
	for (size_t i = 0; i < 800; i++)
		w[i] = 1;
	ck_assert_int_eq(mc_coreset_update_targets(cs, &i1, 1, &c1, NULL, &err), 0);
	ck_assert_int_eq(mc_coreset_update_targets(cs, &i2, 1, &c2, NULL, &err), 0);
	ck_assert_int_eq(mc_coreset_remove_samples(cs, &gone, 1, NULL, &err), 0);
	mc_coreset_last_work(cs, &blocks, &nodes);
	ck_assert_uint_eq(nodes, 0);
	y[105] = c1;
	y[650] = c2;
	w[420] = 0;
	/* save writes the rebuilt tree, not the stale one */
	ck_assert_int_eq(mc_coreset_save(cs, path, &err), 0);
	ck_assert_msg(mc_coreset_load(&back, path, &err) == 0, "%s", err.text);
	s_assert_same_as_fresh(back, X, y, w, 100, 31);
	s_assert_same_as_fresh(cs, X, y, w, 100, 31);
	/* partial_build after an update rebuilds the stale leaf too */
	mc_coreset_params_init(&p);
	p.chunk_size = 100;
	p.seed = 31;
	ck_assert_int_eq(mc_coreset_new(&part, &p, &err), 0);
	ck_assert_int_eq(mc_coreset_partial_build(part, &a, y, NULL, NULL, &err), 0);
	ck_assert_int_eq(mc_coreset_update_targets(part, &i1, 1, &c1, NULL, &err), 0);
	ck_assert_int_eq(mc_coreset_remove_samples(part, &gone, 1, NULL, &err), 0);
	y[650] = (c2 + 2) % 4; /* not updated in part */
	ck_assert_int_eq(mc_coreset_partial_build(part, &b, y + 500, NULL, NULL, &err), 0);
	s_assert_same_as_fresh(part, X, y, w, 100, 31);
	mc_coreset_free(part);
	mc_coreset_free(back);
	mc_coreset_free(cs);
	unlink(path);
	free(path);
	free(w);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_remove_and_update_features_match_fresh_build)
{
	int64_t *y;
	mc_matrix *X = s_data(500, 3, 2, &y, 14);
	mc_coreset *cs = s_built(X, y, NULL, 128, 15);
	double *w = malloc(500 * sizeof *w);
	size_t gone[3] = { 3, 4, 400 }, moved = 77;
	mc_matrix *row = NULL;
	mc_cleaning_query q;
	size_t *idx, cnt;
	double *sc;
	mc_error err;

	mc_error_clear(&err);
	for (size_t i = 0; i < 500; i++)
		w[i] = 1;
	ck_assert_int_eq(mc_coreset_remove_samples(cs, gone, 3, NULL, &err), 0);
	for (size_t k = 0; k < 3; k++) {
		w[gone[k]] = 0;
		ck_assert(mc_coreset_importance(cs)[gone[k]] == 0);
	}
	s_assert_same_as_fresh(cs, X, y, w, 128, 15);
	ck_assert_int_eq(mc_matrix_new(&row, 1, 3, &err), 0);
	MC_AT(row, 0, 0) = 40;
	MC_AT(row, 0, 1) = -2;
	MC_AT(row, 0, 2) = 1;
	ck_assert_int_eq(mc_coreset_update_features(cs, &moved, 1, row, NULL, &err), 0);
	memcpy(&MC_AT(X, moved, 0), row->data, 3 * sizeof(double));
	s_assert_same_as_fresh(cs, X, y, w, 128, 15);
	/* Removed samples are never offered for review. */
	mc_cleaning_query_init(&q);
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 497);
	ck_assert_uint_eq(idx[0], moved);
	for (size_t k = 0; k < cnt; k++)
		ck_assert(idx[k] != 3 && idx[k] != 4 && idx[k] != 400);
	free(idx);
	free(sc);
	mc_matrix_free(row);
	free(w);
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_update_errors_leave_service_unchanged)
{
	int64_t *y;
	mc_matrix *X = s_data(200, 3, 2, &y, 16);
	mc_coreset *cs = s_built(X, y, NULL, 0, 0);
	size_t idx[2] = { 1, 999 };
	int64_t ny[2] = { 1, 0 };
	double nw[1] = { -1 };
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_update_targets(cs, idx, 2, ny, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "update_targets: index 999 (item 1) is out of range (n = 200)");
	ck_assert_int_eq(mc_coreset_labels(cs)[1], 1);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_update_weights(cs, idx, 1, nw, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "weight[0] = -1"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_remove_samples(cs, idx + 1, 1, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "remove_samples: index 999"));
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* ------------------------------------------------------------ queries */

START_TEST(test_cleaning_queries)
{
	int64_t *y;
	mc_matrix *X = s_data(300, 3, 3, &y, 17);
	mc_coreset *cs = s_built(X, y, NULL, 0, 0);
	const double *imp = mc_coreset_importance(cs);
	mc_cleaning_query q;
	mc_class_size cls[3] = { { 0, MC_CLASS_SIZE_COUNT, 4 }, { 1, MC_CLASS_SIZE_ANY, 0 },
	                         { 2, MC_CLASS_SIZE_ANY, 0 } };
	size_t *idx, cnt, ign[1], sel[5] = { 5, 6, 7, 8, 9 };
	double *sc, key[300];
	int per[3] = { 0 };
	mc_error err;

	mc_error_clear(&err);
	/* Top 10 over every class: the importances, ranked by their
	 * within-class percentile (the key of a per-class score). */
	ck_assert_int_eq(mc_rank_percentile(key, imp, y, NULL, 300, &err), 0);
	mc_cleaning_query_init(&q);
	q.size = 10;
	q.has_size = 1;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 10);
	for (size_t k = 0; k < 10; k++) {
		ck_assert(sc[k] == imp[idx[k]]);
		ck_assert(mc_coreset_is_seen(cs, idx[k]));
		if (k)
			ck_assert(key[idx[k]] <= key[idx[k - 1]]);
	}
	for (size_t i = 0; i < 300; i++)
		if (!mc_coreset_is_seen(cs, i))
			ck_assert(key[i] <= key[idx[9]]);
	ign[0] = idx[0];
	free(idx);
	free(sc);
	/* Seen samples are skipped by default, returned when asked. */
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	for (size_t k = 0; k < cnt; k++)
		ck_assert(key[idx[k]] <= key[ign[0]] && idx[k] != ign[0]);
	free(idx);
	free(sc);
	q.ignore_seen = 0;
	q.ignore = ign;
	q.n_ignore = 1;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	for (size_t k = 0; k < cnt; k++)
		ck_assert(idx[k] != ign[0]);
	free(idx);
	free(sc);
	/* select_from restricts; set_seen resets. */
	ck_assert_int_eq(mc_coreset_set_seen(cs, NULL, 0, 0, &err), 0);
	mc_cleaning_query_init(&q);
	q.select_from = sel;
	q.n_select_from = 5;
	q.has_select_from = 1;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 5);
	for (size_t k = 0; k < cnt; k++)
		ck_assert(idx[k] >= 5 && idx[k] <= 9);
	free(idx);
	free(sc);
	/* class_size: 4 from class 0, the rest of 10 from the "any" classes. */
	ck_assert_int_eq(mc_coreset_set_seen(cs, NULL, 0, 0, &err), 0);
	mc_cleaning_query_init(&q);
	q.size = 10;
	q.has_size = 1;
	q.class_size = cls;
	q.n_class_size = 3;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 10);
	for (size_t k = 0; k < cnt; k++)
		per[y[idx[k]]]++;
	ck_assert_int_eq(per[0], 4);
	ck_assert_int_eq(per[1] + per[2], 6);
	free(idx);
	free(sc);
	/* "all" gives every unseen candidate of the class. */
	ck_assert_int_eq(mc_coreset_set_seen(cs, NULL, 0, 0, &err), 0);
	cls[1].kind = MC_CLASS_SIZE_ALL;
	q.n_class_size = 2;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 104);
	free(idx);
	free(sc);
	/* Errors name the argument. */
	cls[0].cls = 9;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err),
	                 MC_ERR_NOTFOUND);
	ck_assert_str_eq(err.text, "class_size: class 9 has no samples");
	mc_error_clear(&err);
	ign[0] = 300;
	mc_cleaning_query_init(&q);
	q.ignore = ign;
	q.n_ignore = 1;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err),
	                 MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "ignore_indices[0] = 300, expected an index below 300");
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_random_method_is_a_seeded_permutation)
{
	int64_t *y;
	mc_matrix *X = s_data(100, 2, 2, &y, 18);
	mc_coreset *cs = s_built(X, y, NULL, 0, 5);
	mc_cleaning_query q;
	size_t *idx, cnt;
	double *sc;
	mc_score_method m;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rank_parse(&m, "random", &err), 0);
	mc_cleaning_query_init(&q);
	q.method = m;
	ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, NULL, &err), 0);
	ck_assert_uint_eq(cnt, 100);
	ck_assert(idx[0] != 0 || idx[1] != 1);
	free(idx);
	free(sc);
	ck_assert_int_eq(mc_rank_parse(&m, "best", &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "\"confident_learning\""));
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_threads_do_not_change_results)
{
	int64_t *y;
	mc_matrix *X = s_data(3000, 24, 6, &y, 23);
	mc_coreset *one, *many;

	setenv("MC_THREADS", "1", 1);
	one = s_built(X, y, NULL, 1500, 3);
	setenv("MC_THREADS", "4", 1);
	many = s_built(X, y, NULL, 1500, 3);
	unsetenv("MC_THREADS");
	ck_assert_mem_eq(mc_coreset_importance(one), mc_coreset_importance(many),
	                 3000 * sizeof(double));
	mc_coreset_free(one);
	mc_coreset_free(many);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_model_scores)
{
	/* Rows 5, 17, 29 are class-1 points labelled 0: out-of-fold LR knows
	 * better, so every model-based score ranks them first. */
	int64_t *y;
	mc_matrix *X = s_data(600, 6, 3, &y, 24);
	mc_coreset *cs;
	static const char *const names[] = { "self_confidence", "margin", "confident_learning",
		                             "hybrid" };
	mc_score_method ms[4];
	mc_error err;

	mc_error_clear(&err);
	for (size_t m = 0; m < 4; m++)
		ck_assert_int_eq(mc_rank_parse(&ms[m], names[m], &err), 0);
	for (size_t k = 5; k < 30; k += 12) {
		for (size_t j = 0; j < 6; j++)
			MC_AT(X, k, j) = s_randn() + (j == 1 ? 3.0 : 0.0);
		y[k] = 0;
	}
	cs = s_built(X, y, NULL, 0, 0);
	for (size_t m = 0; m < sizeof ms / sizeof ms[0]; m++) {
		const double *sc;
		mc_cleaning_query q;
		mc_class_size c0 = { 0, MC_CLASS_SIZE_COUNT, 3 };
		size_t *idx, cnt;
		double *top;
		ck_assert_msg(mc_coreset_scores(cs, ms[m], &sc, NULL, &err) == 0, "%s", err.text);
		for (size_t i = 0; i < 600; i++) {
			ck_assert(isfinite(sc[i]) && sc[i] >= 0);
			if (m != 2)
				ck_assert(sc[i] <= 1.0);
		}
		if (m == 2)
			for (size_t k = 5; k < 30; k += 12)
				ck_assert_msg(sc[k] >= 1.0, "row %zu is flagged", k);
		mc_cleaning_query_init(&q);
		q.method = ms[m];
		q.class_size = &c0;
		q.n_class_size = 1;
		q.ignore_seen = 0;
		ck_assert_int_eq(mc_coreset_get_cleaning_samples(&idx, &top, &cnt, cs, &q, NULL,
		                                                 &err),
		                 0);
		ck_assert_uint_eq(cnt, 3);
		for (size_t k = 0; k < 3; k++)
			ck_assert_msg(idx[k] == 5 || idx[k] == 17 || idx[k] == 29, "%s: %zu",
			              mc_rank_name(ms[m]), idx[k]);
		free(idx);
		free(top);
	}
	/* Fitting on the coreset gives a usable model. */
	{
		mc_logreg *lr = NULL;
		double acc;
		ck_assert_int_eq(mc_coreset_fit(&lr, cs, 0, NULL, NULL, &err), 0);
		ck_assert_int_eq(mc_logreg_score(&acc, lr, X, y, NULL, &err), 0);
		ck_assert_msg(acc > 0.8, "accuracy %g", acc);
		mc_logreg_free(lr);
	}
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* ------------------------------------------------------------ build errors */

static int s_stop(void *ctx, size_t done, size_t total, const char *what)
{
	(void)done;
	(void)total;
	(void)what;
	return ++*(int *)ctx >= 1;
}

START_TEST(test_build_errors)
{
	int64_t *y;
	mc_matrix *X = s_data(50, 3, 2, &y, 19);
	mc_coreset *cs = NULL;
	mc_error err;
	int calls = 0;
	mc_progress stop = { s_stop, &calls };

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_new(&cs, NULL, &err), 0);
	MC_AT(X, 7, 2) = NAN;
	ck_assert_int_eq(mc_coreset_build(cs, X, y, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "coreset: X row 7, column 2 is nan, expected a finite number");
	MC_AT(X, 7, 2) = 0;
	mc_error_clear(&err);
	y[3] = -2;
	ck_assert_int_eq(mc_coreset_build(cs, X, y, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "y[3] = -2"));
	y[3] = 1;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_build(cs, X, y, NULL, &stop, &err), MC_ERR_INTERRUPTED);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert_uint_eq(mc_coreset_n(cs), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_build(cs, X, y, NULL, NULL, &err), 0);
	ck_assert_int_eq(mc_coreset_build(cs, X, y, NULL, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "already built"));
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* ------------------------------------------------------------ save/load */

static char *s_tmpfile(const char *name)
{
	const char *dir = getenv("MC_BUILDDIR");
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/tests/%s.%d", dir ? dir : ".", name, (int)getpid());
	return p;
}

START_TEST(test_save_load_round_trip)
{
	int64_t *y;
	mc_matrix *X = s_data(700, 4, 3, &y, 20);
	mc_coreset *cs = s_built(X, y, NULL, 200, 21), *back = NULL;
	char *path = s_tmpfile("coreset.mcc");
	size_t mark[3] = { 1, 50, 699 }, *i1, *i2, m1, m2;
	double *w1, *w2;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_set_seen(cs, mark, 3, 1, &err), 0);
	ck_assert_int_eq(mc_coreset_remove_samples(cs, mark + 1, 1, NULL, &err), 0);
	ck_assert_int_eq(mc_coreset_save(cs, path, &err), 0);
	ck_assert_msg(mc_coreset_load(&back, path, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coreset_n(back), 700);
	ck_assert_uint_eq(mc_coreset_n_chunks(back), 4);
	for (size_t i = 0; i < 700; i++) {
		ck_assert_int_eq(mc_coreset_is_seen(back, i), i == 1 || i == 50 || i == 699);
		ck_assert_mem_eq(mc_coreset_row(back, i), mc_coreset_row(cs, i), 4 * sizeof(double));
	}
	ck_assert_mem_eq(mc_coreset_labels(back), mc_coreset_labels(cs), 700 * sizeof(int64_t));
	ck_assert_mem_eq(mc_coreset_weights(back), mc_coreset_weights(cs), 700 * sizeof(double));
	ck_assert_mem_eq(mc_coreset_importance(back), mc_coreset_importance(cs),
	                 700 * sizeof(double));
	ck_assert_int_eq(mc_coreset_get_coreset(&i1, &w1, &m1, cs, 1, &err), 0);
	ck_assert_int_eq(mc_coreset_get_coreset(&i2, &w2, &m2, back, 1, &err), 0);
	ck_assert_uint_eq(m1, m2);
	ck_assert_mem_eq(i1, i2, m1 * sizeof *i1);
	ck_assert_mem_eq(w1, w2, m1 * sizeof *w1);
	free(i1);
	free(i2);
	free(w1);
	free(w2);
	/* The loaded service keeps working: updates give what a fresh build
	 * with the same data gives. */
	{
		size_t k = 10;
		int64_t c = 2;
		ck_assert_int_eq(mc_coreset_update_targets(back, &k, 1, &c, NULL, &err), 0);
	}
	mc_coreset_free(back);
	mc_coreset_free(cs);
	unlink(path);
	free(path);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* A service smaller than its node size (12 rows, chunks of 4, the default
 * 64 samples per node) loads back: the load's size checks refused it. */
START_TEST(test_save_load_small_service)
{
	int64_t *y;
	mc_matrix *X = s_data(12, 2, 3, &y, 23);
	mc_coreset *cs = s_built(X, y, NULL, 4, 0), *back = NULL;
	char *path = s_tmpfile("small.mcc");
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_save(cs, path, &err), 0);
	ck_assert_msg(mc_coreset_load(&back, path, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coreset_n(back), 12);
	ck_assert_uint_eq(mc_coreset_n_chunks(back), mc_coreset_n_chunks(cs));
	ck_assert_mem_eq(mc_coreset_importance(back), mc_coreset_importance(cs),
	                 12 * sizeof(double));
	mc_coreset_free(back);
	mc_coreset_free(cs);
	unlink(path);
	free(path);
	free(y);
	mc_matrix_free(X);
}
END_TEST

START_TEST(test_load_detects_corruption)
{
	int64_t *y;
	mc_matrix *X = s_data(100, 3, 2, &y, 22);
	mc_coreset *cs = s_built(X, y, NULL, 0, 0), *back = NULL;
	char *path = s_tmpfile("corrupt.mcc");
	FILE *fp;
	long size;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_save(cs, path, &err), 0);
	fp = fopen(path, "r+b");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	/* Flip a byte inside the feature section (after magic, version, PARM). */
	fseek(fp, 12 + 16 + 13 * 8 + 16 + 40, SEEK_SET);
	fputc(0x5a, fp);
	fclose(fp);
	ck_assert_int_eq(mc_coreset_load(&back, path, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "section FEAT: checksum mismatch") != NULL, "%s", err.text);
	ck_assert_ptr_null(back);
	/* Truncation. */
	ck_assert_int_eq(mc_coreset_save(cs, path, &err), 0);
	ck_assert_int_eq(truncate(path, size - 30), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_load(&back, path, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "truncated") != NULL, "%s", err.text);
	/* Not a coreset file. */
	fp = fopen(path, "wb");
	fputs("{\"json\": true}", fp);
	fclose(fp);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_load(&back, path, &err), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, "not a maskclean coreset file"));
	mc_error_clear(&err);
	unlink(path);
	ck_assert_int_eq(mc_coreset_load(&back, path, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "cannot open"));
	mc_coreset_free(cs);
	free(path);
	free(y);
	mc_matrix_free(X);
}
END_TEST

static int s_save(void *ctx, mc_error *err)
{
	df_job *j = ctx;
	return mc_coreset_save(j->obj, j->path, err);
}

/* Issue 13: svc.save is atomic: on a full disk and when killed in the
 * middle, the previous file stays whole and no temporary is left. */
START_TEST(test_save_killed_and_full_disk)
{
	int64_t *y;
	mc_matrix *X = s_data(60000, 24, 3, &y, 24);
	mc_coreset *cs = s_built(X, y, NULL, 0, 0);
	char *path = s_tmpfile("durable.mcc");
	df_job j = { path, cs };
	size_t seen = 5;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_save(cs, path, &err), 0);
	ck_assert_int_eq(mc_coreset_set_seen(cs, &seen, 1, 1, &err), 0);
	df_check_writer(path, s_save, &j, 1 << 20);
	mc_coreset_free(cs);
	mc_matrix_free(X);
	free(y);
	unlink(path);
	free(path);
}
END_TEST

/* Class names: looked up by name, refused when empty or repeated (leaving
 * the old ones), saved and loaded; a version-1 file (no NAME section)
 * still loads. */
START_TEST(test_class_names)
{
	int64_t *y, k = -1;
	mc_matrix *X = s_data(300, 3, 3, &y, 23);
	mc_coreset *cs = s_built(X, y, NULL, 0, 0), *back = NULL;
	const char *names[3] = { "apple", "orange", "lemon" }, *dup[2] = { "a", "a" };
	char *path = s_tmpfile("names.mcc");
	unsigned char *buf;
	FILE *fp;
	long size;
	uint32_t v1 = 1;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_class_lookup(&k, cs, "orange", &err), MC_ERR_NOTFOUND);
	ck_assert_msg(strstr(err.text, "has no class names") != NULL, "%s", err.text);
	ck_assert_int_eq(mc_coreset_set_class_names(cs, names, 3, &err), 0);
	ck_assert_int_eq(mc_coreset_class_lookup(&k, cs, "lemon", &err), 0);
	ck_assert_int_eq(k, 2);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_class_lookup(&k, cs, "oranges", &err), MC_ERR_NOTFOUND);
	ck_assert_str_eq(err.text, "unknown class \"oranges\"; the service's 3 classes are "
	                           "\"apple\", \"orange\", \"lemon\"");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_set_class_names(cs, dup, 2, &err), MC_ERR_INVALID);
	ck_assert_uint_eq(mc_coreset_n_class_names(cs), 3);
	ck_assert_str_eq(mc_coreset_class_name(cs, 1), "orange");
	ck_assert_ptr_null(mc_coreset_class_name(cs, 3));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coreset_save(cs, path, &err), 0);
	ck_assert_msg(mc_coreset_load(&back, path, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coreset_n_class_names(back), 3);
	for (size_t c = 0; c < 3; c++)
		ck_assert_str_eq(mc_coreset_class_name(back, c), names[c]);
	mc_coreset_free(back);
	back = NULL;
	/* Version 1: the same file without its NAME section (the one before the
	 * 16-byte END. header at the end). */
	fp = fopen(path, "rb");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)size);
	ck_assert_int_eq(fread(buf, 1, (size_t)size, fp), size);
	fclose(fp);
	{
		/* NAME: 16-byte header, 8-byte count, then each 8-byte length and
		 * its bytes */
		long name_len = 16 + 8 + 3 * 8 + 5 + 6 + 5, at = size - 16 - name_len;
		ck_assert_mem_eq(buf + at, "NAME", 4);
		memcpy(buf + 8, &v1, 4);
		memmove(buf + at, buf + size - 16, 16);
		fp = fopen(path, "wb");
		ck_assert_int_eq(fwrite(buf, 1, (size_t)(size - name_len), fp), size - name_len);
		fclose(fp);
	}
	ck_assert_msg(mc_coreset_load(&back, path, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coreset_n_class_names(back), 0);
	ck_assert_mem_eq(mc_coreset_importance(back), mc_coreset_importance(cs),
	                 300 * sizeof(double));
	mc_coreset_free(back);
	free(buf);
	unlink(path);
	free(path);
	mc_coreset_free(cs);
	free(y);
	mc_matrix_free(X);
}
END_TEST

/* The importance of chunk-aligned parts of the data is the build's, and a
 * service built from every row with those importances saves to the same
 * bytes as a build (the tree, the sampling, everything); swap exchanges two
 * services. _i: small classes (ridge leverage) and removed samples too. */
static unsigned char *s_file_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(*n ? *n : 1);
	ck_assert_uint_eq(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

START_TEST(test_build_in_parts_is_the_build)
{
	int64_t *y;
	size_t n = 1300, chunk = 300, cut[4] = { 0, 600, 900, n }, nb1, nb2, chunk2 = 0, csize = 0;
	mc_matrix *X = s_data(n, 4, _i == 0 ? 3 : 40, &y, 33);
	double *w = malloc(n * sizeof *w), *imp = malloc(n * sizeof *imp);
	mc_coreset *cs, *parts = NULL, *empty = NULL;
	mc_coreset_params p;
	char *p1 = s_tmpfile("whole.mcc"), *p2 = s_tmpfile("parts.mcc");
	unsigned char *b1, *b2;
	mc_error err;

	mc_error_clear(&err);
	for (size_t i = 0; i < n; i++)
		w[i] = _i == 1 && i % 17 == 3 ? 0.0 : 1.0;
	cs = s_built(X, y, w, chunk, 5);
	mc_coreset_params_init(&p);
	p.chunk_size = chunk;
	p.seed = 5;
	mc_coreset_sizes(&p, 4, 3, &chunk2, &csize);
	ck_assert_uint_eq(chunk2, chunk);
	for (int r = 0; r < 3; r++) {
		mc_matrix part = mc_matrix_view_rows(X, cut[r], cut[r + 1] - cut[r]);
		ck_assert_msg(mc_coreset_importance_rows(imp + cut[r], &p, &part, y + cut[r],
		                                         w + cut[r], NULL, &err) == 0, "%s",
		              err.text);
	}
	ck_assert_mem_eq(imp, mc_coreset_importance(cs), n * sizeof *imp);
	ck_assert_int_eq(mc_coreset_new(&parts, &p, &err), 0);
	ck_assert_msg(mc_coreset_build_with(parts, X, y, w, imp, NULL, &err) == 0, "%s",
	              err.text);
	ck_assert_int_eq(mc_coreset_save(cs, p1, &err), 0);
	ck_assert_int_eq(mc_coreset_save(parts, p2, &err), 0);
	b1 = s_file_bytes(p1, &nb1);
	b2 = s_file_bytes(p2, &nb2);
	ck_assert_uint_eq(nb1, nb2);
	ck_assert_mem_eq(b1, b2, nb1);
	/* a built service cannot be built again */
	ck_assert_int_eq(mc_coreset_build_with(parts, X, y, w, imp, NULL, &err), MC_ERR_STATE);
	/* chunk_size is required for a part */
	p.chunk_size = 0;
	ck_assert_int_eq(mc_coreset_importance_rows(imp, &p, X, y, w, NULL, &err),
	                 MC_ERR_INVALID);
	/* swap: the empty service takes the built one's place */
	ck_assert_int_eq(mc_coreset_new(&empty, &p, &err), 0);
	mc_coreset_swap(empty, parts);
	ck_assert_uint_eq(mc_coreset_n(empty), n);
	ck_assert_uint_eq(mc_coreset_n(parts), 0);
	ck_assert_mem_eq(mc_coreset_importance(empty), mc_coreset_importance(cs),
	                 n * sizeof *imp);
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
	free(b1);
	free(b2);
	mc_coreset_free(empty);
	mc_coreset_free(parts);
	mc_coreset_free(cs);
	free(imp);
	free(w);
	free(y);
	mc_matrix_free(X);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("coreset");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_importance_matches_definition);
	tcase_add_test(tc, test_class_names);
	tcase_add_test(tc, test_importance_per_chunk_blocks);
	tcase_add_test(tc, test_importance_rank_deficient);
	tcase_add_test(tc, test_small_class_scores_not_tied);
	tcase_add_test(tc, test_cross_class_not_by_size);
	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_qr_basis_agrees);
	tcase_add_test(tc, test_mislabeled_rank_first);
	tcase_add_test(tc, test_coreset_weights_estimate_class_mass);
	tcase_add_test(tc, test_build_is_deterministic_and_partial_build_matches);
	tcase_add_test(tc, test_partial_build_leaves_full_chunks_alone);
	tcase_add_test(tc, test_update_targets_is_local_and_exact);
	tcase_add_test(tc, test_deferred_tree_matches_fresh_build);
	tcase_add_test(tc, test_remove_and_update_features_match_fresh_build);
	tcase_add_test(tc, test_update_errors_leave_service_unchanged);
	tcase_add_test(tc, test_cleaning_queries);
	tcase_add_test(tc, test_random_method_is_a_seeded_permutation);
	tcase_add_test(tc, test_threads_do_not_change_results);
	tcase_add_test(tc, test_model_scores);
	tcase_add_test(tc, test_build_errors);
	tcase_add_test(tc, test_save_load_round_trip);
	tcase_add_test(tc, test_save_load_small_service);
	tcase_add_test(tc, test_load_detects_corruption);
	tcase_add_loop_test(tc, test_build_in_parts_is_the_build, 0, 2);
	tcase_add_test(tc, test_save_killed_and_full_disk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
