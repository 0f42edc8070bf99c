/* Test helpers of the learn area: reads the expected values that
 * tests/data/learn/make_expected.py computed with scikit-learn. */
#ifndef MC_TESTS_LEARN_FIXTURE_H
#define MC_TESTS_LEARN_FIXTURE_H

#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/logreg.h"
#include "maskclean/matrix.h"

/* Loads tests/data/learn/<name> (under MC_SRCDIR); fails the test if missing. */
static inline json_t *fx_load(const char *name)
{
	const char *src = getenv("MC_SRCDIR");
	char path[4096];
	json_error_t jerr;
	json_t *j;

	ck_assert_msg(src != NULL, "MC_SRCDIR is not set (run the tests through make check)");
	snprintf(path, sizeof path, "%s/tests/data/learn/%s", src, name);
	j = json_load_file(path, 0, &jerr);
	ck_assert_msg(j != NULL, "%s: %s (line %d)", path, jerr.text, jerr.line);
	return j;
}

/* A JSON array of arrays of numbers as a new matrix (caller frees). */
static inline mc_matrix *fx_matrix(json_t *a)
{
	size_t r = json_array_size(a), c = json_array_size(json_array_get(a, 0));
	mc_matrix *m = NULL;
	mc_error err = { 0 };

	ck_assert_int_eq(mc_matrix_new(&m, r, c, &err), 0);
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			MC_AT(m, i, j) = json_number_value(json_array_get(json_array_get(a, i), j));
	return m;
}

/* A JSON array of numbers as new doubles (caller frees). */
static inline double *fx_doubles(json_t *a)
{
	size_t n = json_array_size(a);
	double *v = malloc((n ? n : 1) * sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = json_number_value(json_array_get(a, i));
	return v;
}

static inline int64_t *fx_ints(json_t *a)
{
	size_t n = json_array_size(a);
	int64_t *v = malloc((n ? n : 1) * sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)json_number_value(json_array_get(a, i));
	return v;
}

static inline double fx_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(v != NULL, "expected key '%s' is missing", key);
	return json_number_value(v);
}

#define fx_assert_close(got, want, tol, what)                                           \
	ck_assert_msg(fabs((double)(got) - (double)(want)) <= (tol) * (1.0 + fabs((double)(want))), \
	              "%s: got %.17g, expected %.17g", (what), (double)(got), (double)(want))

/* a and b are the same model bit for bit: coefficients, intercepts,
 * iterations, final objective and convergence. */
static inline void fx_assert_same_logreg(const mc_logreg *a, const mc_logreg *b)
{
	size_t k = mc_logreg_n_classes(b), d = mc_logreg_n_features(b);

	ck_assert_uint_eq(mc_logreg_n_classes(a), k);
	ck_assert_uint_eq(mc_logreg_n_features(a), d);
	ck_assert_msg(memcmp(mc_logreg_coef(a)->data, mc_logreg_coef(b)->data,
	                     k * d * sizeof(double)) == 0, "coefficients differ");
	ck_assert_msg(memcmp(mc_logreg_intercept(a), mc_logreg_intercept(b),
	                     k * sizeof(double)) == 0, "intercepts differ");
	ck_assert_uint_eq(mc_logreg_n_iter(a), mc_logreg_n_iter(b));
	ck_assert_msg(mc_logreg_final_objective(a) == mc_logreg_final_objective(b), "%.17g %.17g",
	              mc_logreg_final_objective(a), mc_logreg_final_objective(b));
	ck_assert_int_eq(mc_logreg_converged(a), mc_logreg_converged(b));
}

#endif
