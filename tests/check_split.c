/* Tests of runtime/split.c: stratified train/test split and stratified
 * K-fold. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/split.h"
#include "suite_run.h"

static int64_t *s_labels(size_t n, const size_t *counts, size_t k)
{
	int64_t *y = malloc(n * sizeof *y);
	size_t i = 0;

	/* interleaved so classes are not contiguous */
	while (i < n)
		for (size_t c = 0; c < k && i < n; c++)
			if (counts[c] > 0) {
				size_t have = 0;
				for (size_t j = 0; j < i; j++)
					have += (size_t)y[j] == c;
				if (have < counts[c])
					y[i++] = (int64_t)c;
			}
	return y;
}

START_TEST(test_train_test)
{
	size_t counts[3] = { 60, 30, 10 }, n = 100;
	int64_t *y = s_labels(n, counts, 3);
	size_t *tr = NULL, *te = NULL, *tr2 = NULL, *te2 = NULL, ntr, nte, ntr2, nte2;
	size_t per[3] = { 0 };
	unsigned char *seen = calloc(n, 1);
	mc_error err = { 0 };

	ck_assert_int_eq(mc_split_train_test(&tr, &ntr, &te, &nte, y, NULL, n, 3, 0.25, 42, &err), 0);
	ck_assert_uint_eq(nte, 25);
	ck_assert_uint_eq(ntr, 75);
	for (size_t i = 0; i < nte; i++) {
		ck_assert(i == 0 || te[i] > te[i - 1]);
		per[y[te[i]]]++;
		seen[te[i]]++;
	}
	for (size_t i = 0; i < ntr; i++) {
		ck_assert(i == 0 || tr[i] > tr[i - 1]);
		seen[tr[i]]++;
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(seen[i], 1);
	/* 25% of 60/30/10: 15, 7.5, 2.5 -> the larger remainder goes first */
	ck_assert_uint_eq(per[0], 15);
	ck_assert_uint_eq(per[1] + per[2], 10);
	ck_assert(per[1] >= 7 && per[1] <= 8);
	/* same seed, same split; another seed, another split */
	ck_assert_int_eq(mc_split_train_test(&tr2, &ntr2, &te2, &nte2, y, NULL, n, 3, 0.25, 42, &err), 0);
	ck_assert(nte2 == nte && memcmp(te, te2, nte * sizeof *te) == 0);
	free(tr2);
	free(te2);
	ck_assert_int_eq(mc_split_train_test(&tr2, &ntr2, &te2, &nte2, y, NULL, n, 3, 0.25, 43, &err), 0);
	ck_assert(memcmp(te, te2, nte * sizeof *te) != 0);
	free(tr2);
	free(te2);

	/* removed samples go nowhere */
	{
		double w[100];
		for (size_t i = 0; i < n; i++)
			w[i] = i % 10 == 0 ? 0.0 : 1.0;
		ck_assert_int_eq(mc_split_train_test(&tr2, &ntr2, &te2, &nte2, y, w, n, 3, 10, 1, &err), 0);
		ck_assert_uint_eq(nte2, 10);
		ck_assert_uint_eq(ntr2, 80);
		for (size_t i = 0; i < nte2; i++)
			ck_assert_uint_ne(te2[i] % 10, 0);
		free(tr2);
		free(te2);
	}
	ck_assert_int_eq(mc_split_train_test(&tr2, &ntr2, &te2, &nte2, y, NULL, n, 3, 100, 1, &err),
	                 MC_ERR_INVALID);
	ck_assert_ptr_null(tr2);
	ck_assert_msg(strstr(err.text, "test_size=100 gives 100 test samples of 100") != NULL, "%s",
	              err.text);
	mc_error_clear(&err);
	y[3] = 7;
	ck_assert_int_eq(mc_split_train_test(&tr2, &ntr2, &te2, &nte2, y, NULL, n, 3, 0.5, 1, &err),
	                 MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "sample 3 has label 7; expected 0..2") != NULL, "%s", err.text);
	free(tr);
	free(te);
	free(y);
	free(seen);
}
END_TEST

START_TEST(test_kfold)
{
	size_t counts[4] = { 23, 11, 5, 1 }, n = 40;
	int64_t *y = s_labels(n, counts, 4);
	double w[40];
	int *fold = NULL, *fold2 = NULL;
	size_t size[5] = { 0 }, cls[5][4];
	mc_error err = { 0 };

	memset(cls, 0, sizeof cls);
	for (size_t i = 0; i < n; i++)
		w[i] = i == 4 ? 0.0 : 1.0;
	ck_assert_int_eq(mc_split_kfold(&fold, y, w, n, 4, 5, 3, &err), 0);
	ck_assert_int_eq(fold[4], -1);
	for (size_t i = 0; i < n; i++)
		if (i != 4) {
			ck_assert(fold[i] >= 0 && fold[i] < 5);
			size[fold[i]]++;
			cls[fold[i]][y[i]]++;
		}
	for (size_t f = 0; f < 5; f++) {
		ck_assert(size[f] == 7 || size[f] == 8);
		for (size_t c = 0; c < 4; c++) {
			size_t kept = counts[c] - (c == (size_t)y[4]);
			ck_assert(cls[f][c] >= kept / 5 && cls[f][c] <= kept / 5 + 1);
		}
	}
	ck_assert_int_eq(mc_split_kfold(&fold2, y, w, n, 4, 5, 3, &err), 0);
	ck_assert(memcmp(fold, fold2, n * sizeof *fold) == 0);
	free(fold2);
	ck_assert_int_eq(mc_split_kfold(&fold2, y, w, n, 4, 50, 3, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(fold2);
	ck_assert_msg(strstr(err.text, "folds is 50 but only 39 samples are kept") != NULL, "%s",
	              err.text);
	free(fold);
	free(y);
}
END_TEST

/* Group K-fold: a group's kept samples share a fold, every fold gets
 * samples, classes are spread, removed samples get -1, the seed decides. */
START_TEST(test_group_kfold)
{
	enum { N = 120 };
	int64_t y[N], g[N];
	double w[N];
	int *fold = NULL, *again = NULL;
	size_t per[4][2] = { { 0 } };
	mc_error err = { 0 };

	for (size_t i = 0; i < N; i++) {
		y[i] = (int64_t)(i % 2);
		g[i] = (int64_t)(i / 6) * 7 - 30;   /* 20 groups of 6, any ids */
		w[i] = i == 13 ? 0.0 : 1.0;
	}
	ck_assert_int_eq(mc_split_group_kfold(&fold, y, w, g, N, 2, 4, 9, &err), 0);
	ck_assert_int_eq(fold[13], -1);
	for (size_t i = 0; i < N; i++) {
		if (i == 13)
			continue;
		ck_assert(fold[i] >= 0 && fold[i] < 4);
		if (i % 6 != 0 && i - 1 != 13)
			ck_assert_int_eq(fold[i], fold[i - 1]);
		per[fold[i]][y[i]]++;
	}
	for (size_t f = 0; f < 4; f++)
		ck_assert_msg(per[f][0] >= 12 && per[f][1] >= 12, "fold %zu: %zu + %zu", f, per[f][0],
		              per[f][1]);
	ck_assert_int_eq(mc_split_group_kfold(&again, y, w, g, N, 2, 4, 9, &err), 0);
	ck_assert_mem_eq(fold, again, N * sizeof *fold);
	free(again);
	ck_assert_int_eq(mc_split_group_kfold(&again, y, w, g, N, 2, 21, 9, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(again);
	ck_assert_str_eq(err.text, "folds is 21 but the kept samples form only 20 groups");
	free(fold);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("split");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_train_test);
	tcase_add_test(tc, test_kfold);
	tcase_add_test(tc, test_group_kfold);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
