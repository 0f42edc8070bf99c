/* Shared fixture of check_review and check_journal: the real tinycoco
 * dataset from MC_TEST_DATA with synthetic features, and scratch folders. */
#ifndef MC_TEST_REVIEW_FIXTURE_H
#define MC_TEST_REVIEW_FIXTURE_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maskclean/coco.h"
#include "maskclean/matrix.h"
#include "maskclean/review.h"
#include "testutil.h"

/* Path of the tinycoco train annotations; fails the test when the test
 * data is missing. Caller frees. */
static inline char *fx_tinycoco_path(void)
{
	const char *base = getenv("MC_TEST_DATA");
	char *p;

	ck_assert_msg(base != NULL, "MC_TEST_DATA is not set: run the tests through make check");
	p = malloc(4096);
	snprintf(p, 4096, "%s/coco/tinycoco/annotations/instances_train2017.json", base);
	ck_assert_msg(access(p, R_OK) == 0, "test data missing: %s", p);
	return p;
}

static inline mc_coco *fx_tinycoco(void)
{
	char *p = fx_tinycoco_path();
	mc_coco *ds = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_coco_load(&ds, p, NULL, &err) == 0, "%s", err.text);
	free(p);
	return ds;
}

/* Features that separate classes a little: N(0, 1) + 2 e_(label mod d). */
static inline mc_matrix *fx_features(const mc_coco *ds, size_t d, uint64_t seed)
{
	size_t n = mc_coco_n_instances(ds);
	int64_t *y = malloc(n * sizeof *y);
	mc_matrix *X = NULL;
	uint64_t s = seed * 2654435761u + 1;
	mc_error err;

	mc_error_clear(&err);
	mc_coco_labels(ds, y);
	ck_assert_int_eq(mc_matrix_new(&X, n, d, &err), 0);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double u1, u2;
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			u1 = ((s >> 11) + 0.5) * 0x1.0p-53;
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			u2 = ((s >> 11) + 0.5) * 0x1.0p-53;
			MC_AT(X, i, j) = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2) +
			                 (j == (size_t)y[i] % d ? 2.0 : 0.0);
		}
	free(y);
	return X;
}

/* A path for a fresh scratch folder under the build tree, with nothing
 * there yet (the session makes it). Caller frees. */
static inline char *fx_scratch(const char *name)
{
	char *p = malloc(4096);

	ck_assert_ptr_nonnull(p);
	tu_scratch_path(p, 4096, name);
	tu_rmtree(p);
	return p;
}

static inline void fx_rmtree(const char *p)
{
	tu_rmtree(p);
}

/* Frees what a test made: its scratch folder (removed with what is in it),
 * its features and its dataset. */
static inline void fx_done(char *dir, mc_matrix *X, mc_coco *ds)
{
	fx_rmtree(dir);
	free(dir);
	mc_matrix_free(X);
	mc_coco_free(ds);
}

static inline size_t fx_class(const mc_coco *ds, const char *name)
{
	size_t k;
	mc_error err;
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_class_index(&k, ds, name, &err) == 0, "%s", err.text);
	return k;
}

#endif
