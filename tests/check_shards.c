/* Tests of mpi/shards.c (the rows of a maskclean-mpi rank; no MPI): the
 * split between ranks, manifests read and refused, rows read across shard
 * boundaries, labels checked. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maskclean/npy.h"
#include "shards.h"
#include "testutil.h"
#include "suite_run.h"

static char s_dir[128];

static void setup(void)
{
	tu_tmpdir(s_dir, sizeof s_dir, "mc-shards");
}

static void teardown(void)
{
	tu_rmtree(s_dir);
}

/* name in s_dir, holding text. */
static void s_write(const char *name, const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", s_dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* rows x cols of value r * 100 + c + base in name; labels (r + base) % 3
 * in labels (if not NULL). */
static void s_npy(const char *name, const char *labels, size_t rows, size_t cols, int base)
{
	char path[300];
	mc_matrix *m = NULL;
	double *y = malloc((rows > 0 ? rows : 1) * sizeof *y);
	mc_error err = { 0 };

	ck_assert_int_eq(mc_matrix_new(&m, rows > 0 ? rows : 1, cols, &err), 0);
	m->rows = rows;
	for (size_t r = 0; r < rows; r++) {
		y[r] = (double)((r + (size_t)base) % 3);
		for (size_t c = 0; c < cols; c++)
			MC_AT(m, r, c) = (double)(r * 100 + c) + base;
	}
	snprintf(path, sizeof path, "%s/%s", s_dir, name);
	ck_assert_int_eq(mc_npy_save(path, m, &err), 0);
	if (labels != NULL) {
		snprintf(path, sizeof path, "%s/%s", s_dir, labels);
		ck_assert_int_eq(mc_npy_save_vector(path, y, rows, &err), 0);
	}
	mc_matrix_free(m);
	free(y);
}

static size_t s_unit(const void *ctx, size_t n, size_t d)
{
	(void)n;
	(void)d;
	return *(const size_t *)ctx;
}

/* Ranks get whole units, rank 0 first; ranks past the data get none. */
START_TEST(test_split)
{
	size_t want[2][4] = { { 0, 4, 8, 10 }, { 0, 4, 5, 5 } }, n[2] = { 10, 5 };

	for (int c = 0; c < 2; c++)
		for (size_t r = 0; r <= 3; r++)
			ck_assert_uint_eq(mc_shards_unit_start(n[c], 4, r, 3), want[c][r]);
	ck_assert_uint_eq(mc_shards_unit_start(3, 4, 1, 2), 3);
}
END_TEST

/* One file: each rank its rows, read as the file holds them. */
START_TEST(test_one_file)
{
	char path[300], lpath[300];
	size_t unit = 4;
	mc_shards sh;
	mc_matrix *m = NULL;
	int64_t *y = NULL;
	double *w = NULL;
	mc_error err = { 0 };

	s_npy("x.npy", "y.npy", 10, 3, 0);
	snprintf(path, sizeof path, "%s/x.npy", s_dir);
	snprintf(lpath, sizeof lpath, "%s/y.npy", s_dir);
	ck_assert_int_eq(mc_shards_open(&sh, NULL, path, lpath, NULL, 1, 3, s_unit, &unit, &err),
	                 0);
	ck_assert_uint_eq(sh.row0, 4);
	ck_assert_uint_eq(sh.rows, 4);
	ck_assert_uint_eq(sh.n, 10);
	ck_assert_uint_eq(sh.d, 3);
	ck_assert_int_eq(mc_shards_matrix(&m, &sh, &err), 0);
	ck_assert(MC_AT(m, 0, 2) == 402.0 && MC_AT(m, 3, 0) == 700.0);
	ck_assert_int_eq(mc_shards_labels(&y, &sh, &err), 0);
	ck_assert_int_eq(y[0], 1);
	ck_assert_int_eq(mc_shards_weights(&w, &sh, &err), 0);
	ck_assert_ptr_null(w);
	mc_matrix_free(m);
	free(y);
	mc_shards_free(&sh);
}
END_TEST

/* A manifest: shards to ranks at shard boundaries, rows read across them,
 * paths relative to the manifest's folder, an empty shard skipped. */
START_TEST(test_manifest)
{
	char path[300];
	size_t unit = 1;
	mc_shards sh;
	mc_matrix *m = NULL;
	int64_t *y = NULL;
	mc_rows src;
	double row[2];
	mc_error err = { 0 };

	s_npy("a.npy", "ya.npy", 5, 2, 0);
	s_npy("b.npy", "yb.npy", 0, 2, 1000);
	s_npy("c.npy", "yc.npy", 3, 2, 5000);
	s_npy("d.npy", "yd.npy", 6, 2, 9000);
	s_write("m.json", "{\"shards\": ["
	        "{\"features\": \"a.npy\", \"labels\": \"ya.npy\", \"rows\": 5},"
	        "{\"features\": \"b.npy\", \"labels\": \"yb.npy\", \"rows\": 0},"
	        "{\"features\": \"c.npy\", \"labels\": \"yc.npy\", \"rows\": 3},"
	        "{\"features\": \"d.npy\", \"labels\": \"yd.npy\", \"rows\": 6}]}");
	snprintf(path, sizeof path, "%s/m.json", s_dir);
	ck_assert_msg(mc_shards_open(&sh, path, NULL, NULL, NULL, 0, 2, s_unit, &unit, &err) == 0,
	              "%s", err.text);
	ck_assert_uint_eq(sh.n, 14);
	ck_assert_uint_eq(sh.start[1], 8);
	ck_assert_uint_eq(sh.rows, 8);
	/* rows 4 and 5 of rank 0 sit in two shards */
	src = mc_shards_rows(&sh);
	ck_assert_int_eq(src.read(src.ctx, 5, 1, row, &err), 0);
	ck_assert(row[0] == 5000.0 && row[1] == 5001.0);
	ck_assert_int_eq(mc_shards_matrix(&m, &sh, &err), 0);
	ck_assert(MC_AT(m, 4, 1) == 401.0 && MC_AT(m, 7, 0) == 5200.0);
	ck_assert_int_eq(mc_shards_labels(&y, &sh, &err), 0);
	ck_assert_int_eq(y[5], 5000 % 3);
	ck_assert_int_eq(src.read(src.ctx, 7, 2, row, &err), MC_ERR_SHAPE);
	mc_matrix_free(m);
	free(y);
	mc_shards_free(&sh);
	ck_assert_int_eq(mc_shards_open(&sh, path, NULL, NULL, NULL, 1, 2, s_unit, &unit, &err),
	                 0);
	ck_assert_uint_eq(sh.row0, 8);
	ck_assert_uint_eq(sh.rows, 6);
	ck_assert_uint_eq(sh.last - sh.first, 1);
	mc_shards_free(&sh);
}
END_TEST

/* Manifests and files refused, each with the file, the shard and what was
 * expected. */
static const struct {
	const char *json, *want;
	int code;
} s_bad[] = {
	{ "{\"shards\": [", "m.json: line 1", MC_ERR_PARSE },
	{ "{\"parts\": []}", "expected {\"shards\": [...]}", MC_ERR_PARSE },
	{ "{\"shards\": []}", "expected {\"shards\": [...]}", MC_ERR_PARSE },
	{ "{\"shards\": [7]}", "shard 0 is not an object", MC_ERR_PARSE },
	{ "{\"shards\": [{\"rows\": 5}]}", "shard 0: \"features\" must be a file name",
	  MC_ERR_PARSE },
	{ "{\"shards\": [{\"features\": \"a.npy\", \"rows\": -5}]}",
	  "shard 0: \"rows\" must be a whole number >= 0", MC_ERR_PARSE },
	{ "{\"shards\": [{\"features\": \"a.npy\", \"rows\": 2.5}]}",
	  "shard 0: \"rows\" must be a whole number", MC_ERR_PARSE },
	{ "{\"shards\": [{\"features\": \"a.npy\", \"rows\": 5}, {\"features\": \"a.npy\", "
	  "\"labels\": \"ya.npy\", \"rows\": 5}]}", "shard 1: \"labels\" differs", MC_ERR_PARSE },
	{ "{\"shards\": [{\"features\": \"a.npy\", \"rows\": 5, \"rows\": 6}]}", "duplicate",
	  MC_ERR_PARSE },
	{ "{\"shards\": [{\"features\": \"gone.npy\", \"rows\": 5}]}", "gone.npy", MC_ERR_IO },
	{ "{\"shards\": [{\"features\": \"a.npy\", \"rows\": 6}]}",
	  "a.npy: 5 rows; the manifest says 6", MC_ERR_SHAPE },
	{ "{\"shards\": [{\"features\": \"a.npy\", \"rows\": 5}, {\"features\": \"w.npy\", "
	  "\"rows\": 5}]}", "w.npy: 5 x 3; expected rows x 2", MC_ERR_SHAPE },
	{ "{\"shards\": [{\"features\": \"ya.npy\", \"rows\": 5}]}",
	  "ya.npy: 5 x 1; expected rows x 1, 2-D", MC_ERR_SHAPE },
};

START_TEST(test_refused)
{
	char path[300];
	size_t unit = 1;
	mc_shards sh;
	mc_error err = { 0 };

	s_npy("a.npy", "ya.npy", 5, 2, 0);
	s_npy("w.npy", NULL, 5, 3, 0);
	s_write("m.json", s_bad[_i].json);
	snprintf(path, sizeof path, "%s/m.json", s_dir);
	ck_assert_int_eq(mc_shards_open(&sh, path, NULL, NULL, NULL, 0, 1, s_unit, &unit, &err),
	                 s_bad[_i].code);
	ck_assert_msg(strstr(err.text, s_bad[_i].want) != NULL, "case %d: '%s' lacks '%s'", _i,
	              err.text, s_bad[_i].want);
	ck_assert_ptr_null(sh.shard);
}
END_TEST

/* Labels must be class indices, weights >= 0: the message names the file
 * and the row. */
START_TEST(test_bad_labels)
{
	char path[300], lpath[300];
	double y[4] = { 0, 1, 1.5, 2 }, w[4] = { 1, -1, 1, 1 };
	size_t unit = 1;
	mc_shards sh;
	int64_t *labels = NULL;
	double *weights = NULL;
	mc_error err = { 0 };

	s_npy("x.npy", NULL, 4, 2, 0);
	snprintf(path, sizeof path, "%s/x.npy", s_dir);
	snprintf(lpath, sizeof lpath, "%s/y.npy", s_dir);
	ck_assert_int_eq(mc_npy_save_vector(lpath, y, 4, &err), 0);
	ck_assert_int_eq(mc_shards_open(&sh, NULL, path, lpath, lpath, 0, 1, s_unit, &unit, &err),
	                 0);
	ck_assert_int_eq(mc_shards_labels(&labels, &sh, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "y.npy: row 2 is 1.5; expected a class index") != NULL,
	              "%s", err.text);
	ck_assert_ptr_null(labels);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_save_vector(lpath, w, 4, &err), 0);
	ck_assert_int_eq(mc_shards_weights(&weights, &sh, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "row 1 is -1; expected a weight >= 0") != NULL, "%s",
	              err.text);
	mc_shards_free(&sh);
	/* no labels given */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_shards_open(&sh, NULL, path, NULL, NULL, 0, 1, s_unit, &unit, &err), 0);
	ck_assert_int_eq(mc_shards_labels(&labels, &sh, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "needs labels") != NULL, "%s", err.text);
	mc_shards_free(&sh);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("shards");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_one_file);
	tcase_add_test(tc, test_manifest);
	tcase_add_loop_test(tc, test_refused, 0, (int)(sizeof s_bad / sizeof s_bad[0]));
	tcase_add_test(tc, test_bad_labels);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
