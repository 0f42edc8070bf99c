/* Tests of the .npy reader and writer (runtime/npy.c) on fixtures written by
 * numpy (tests/data/npy/) and on files written by mc_npy_save. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maskclean/npy.h"
#include "testutil.h"
#include "durability_fixture.h"
#include "suite_run.h"

static char s_path[4096];

static const char *fixture(const char *name)
{
	const char *src = getenv("MC_SRCDIR");

	ck_assert_msg(src != NULL, "MC_SRCDIR is not set (run through make check)");
	snprintf(s_path, sizeof s_path, "%s/tests/data/npy/%s", src, name);
	return s_path;
}

/* Opens a fixture expecting failure; returns the message. */
static const char *open_fails(const char *name, int code, mc_error *err)
{
	mc_npy *npy = (mc_npy *)1;

	mc_error_clear(err);
	ck_assert_int_eq(mc_npy_load(&npy, fixture(name), NULL, err), code);
	ck_assert_ptr_null(npy);
	ck_assert_int_eq(err->code, code);
	return err->text;
}

START_TEST(test_f4_read_rows)
{
	mc_error err;
	mc_npy *npy = NULL;
	double out[6];
	mc_matrix view;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_load(&npy, fixture("f4_2x3.npy"), NULL, &err), 0);
	ck_assert_uint_eq(mc_npy_rows(npy), 2);
	ck_assert_uint_eq(mc_npy_cols(npy), 3);
	ck_assert_int_eq(mc_npy_ndim(npy), 2);
	ck_assert_int_eq(mc_npy_dtype_of(npy), MC_NPY_F4);
	ck_assert_str_eq(mc_npy_descr(npy), "<f4");
	ck_assert_int_eq(mc_npy_read_rows(npy, 0, 2, out, &err), 0);
	ck_assert(out[0] == 0.5 && out[1] == 1.5 && out[2] == 2.5);
	ck_assert(out[3] == -1.0 && out[4] == -2.0);
	ck_assert(out[5] == (double)1e-3f);   /* float32 widened exactly */
	ck_assert_int_eq(mc_npy_read_rows(npy, 1, 1, out, &err), 0);
	ck_assert(out[0] == -1.0 && out[2] == (double)1e-3f);
	/* Past the end. */
	ck_assert_int_eq(mc_npy_read_rows(npy, 1, 2, out, &err), MC_ERR_SHAPE);
	ck_assert_ptr_nonnull(strstr(err.text, "the file has 2 rows"));
	/* float32 has no zero-copy double view. */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_view(npy, &view, &err), MC_ERR_TYPE);
	ck_assert_ptr_nonnull(strstr(err.text, "f4_2x3.npy: dtype '<f4' cannot be viewed"));
	mc_npy_free(npy);
}
END_TEST

START_TEST(test_f8_view_is_zero_copy)
{
	mc_error err;
	mc_npy *npy = NULL;
	mc_matrix view, *copy = NULL;
	FILE *f;
	unsigned char raw[176];
	double first;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_load(&npy, fixture("f8_3x2.npy"), NULL, &err), 0);
	ck_assert_int_eq(mc_npy_view(npy, &view, &err), 0);
	ck_assert_uint_eq(view.rows, 3);
	ck_assert_uint_eq(view.cols, 2);
	ck_assert_uint_eq(view.stride, 2);
	ck_assert_int_eq(view.owns, 0);
	ck_assert(MC_AT(&view, 2, 1) == 0.1 && MC_AT(&view, 1, 0) == 3.0);
	/* The view points into the file's bytes: the last 48 bytes of the file. */
	f = fopen(fixture("f8_3x2.npy"), "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(raw, 1, sizeof raw, f), sizeof raw);
	fclose(f);
	memcpy(&first, raw + sizeof raw - 48, 8);
	ck_assert(first == view.data[0]);
	ck_assert_int_eq(mc_npy_to_matrix(&copy, npy, NULL, &err), 0);
	ck_assert(copy->owns == 1 && copy->data != view.data);
	ck_assert(MC_AT(copy, 2, 1) == 0.1);
	mc_matrix_free(copy);
	mc_npy_free(npy);
}
END_TEST

START_TEST(test_1d_and_version2)
{
	mc_error err;
	mc_npy *npy = NULL;
	double out[8];
	int i;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_load(&npy, fixture("f8_1d.npy"), NULL, &err), 0);
	ck_assert_int_eq(mc_npy_ndim(npy), 1);
	ck_assert_uint_eq(mc_npy_rows(npy), 4);
	ck_assert_uint_eq(mc_npy_cols(npy), 1);
	ck_assert_int_eq(mc_npy_read_rows(npy, 0, 4, out, &err), 0);
	ck_assert(out[1] == -2.5 && out[3] == 1e300);
	mc_npy_free(npy);

	ck_assert_int_eq(mc_npy_load(&npy, fixture("v2_f4.npy"), NULL, &err), 0);
	ck_assert_uint_eq(mc_npy_rows(npy), 4);
	ck_assert_uint_eq(mc_npy_cols(npy), 2);
	ck_assert_int_eq(mc_npy_read_rows(npy, 0, 4, out, &err), 0);
	for (i = 0; i < 8; i++)
		ck_assert(out[i] == i / 4.0);
	mc_npy_free(npy);
}
END_TEST

START_TEST(test_bad_files)
{
	mc_error err;

	ck_assert_str_eq(strrchr(open_fails("i4.npy", MC_ERR_INVALID, &err), '/') + 1,
	                 "i4.npy: dtype '<i4' is not supported; expected '<f4' or '<f8'");
	ck_assert_ptr_nonnull(strstr(open_fails("bigendian.npy", MC_ERR_INVALID, &err),
	                             "bigendian.npy: dtype '>f8' is not supported"));
	ck_assert_ptr_nonnull(strstr(open_fails("fortran.npy", MC_ERR_PARSE, &err),
	                             "fortran.npy: fortran_order is True"));
	ck_assert_ptr_nonnull(strstr(open_fails("bad_magic.npy", MC_ERR_PARSE, &err),
	                             "bad_magic.npy: not a .npy file (wrong magic"));
	ck_assert_ptr_nonnull(strstr(open_fails("bad_header.npy", MC_ERR_PARSE, &err),
	                             "bad_header.npy: bad .npy header"));
	ck_assert_ptr_nonnull(strstr(err.text, "Nope"));
	ck_assert_ptr_nonnull(strstr(open_fails("truncated.npy", MC_ERR_PARSE, &err),
	                             "truncated.npy: truncated data: shape (3, 2) of '<f8' needs 48 bytes, the file has 43"));
	ck_assert_ptr_nonnull(strstr(open_fails("d3.npy", MC_ERR_INVALID, &err),
	                             "d3.npy: array has 3 dimensions; expected 1 or 2"));
	ck_assert_ptr_nonnull(strstr(open_fails("nan.npy", MC_ERR_INVALID, &err),
	                             "nan.npy: row 1, column 2 is NaN"));
	ck_assert_ptr_nonnull(strstr(open_fails("inf.npy", MC_ERR_INVALID, &err),
	                             "inf.npy: row 1, column 0 is -inf"));
	ck_assert_ptr_nonnull(strstr(open_fails("no_such_file.npy", MC_ERR_IO, &err),
	                             "no_such_file.npy: cannot open: No such file or directory"));
}
END_TEST

START_TEST(test_nan_found_by_read_rows_after_open)
{
	mc_error err;
	mc_npy *npy = NULL;
	double out[12];

	/* open alone does not scan; the row reader still refuses the NaN. */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_open(&npy, fixture("nan.npy"), &err), 0);
	ck_assert_int_eq(mc_npy_read_rows(npy, 0, 1, out, &err), 0);
	ck_assert(out[3] == 3.0);
	ck_assert_int_eq(mc_npy_read_rows(npy, 0, 3, out, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "nan.npy: row 1, column 2 is NaN"));
	mc_npy_free(npy);
}
END_TEST

START_TEST(test_check_rows_message)
{
	mc_error err;
	mc_npy *npy = NULL;
	char cwd[4096];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_load(&npy, "f8_3x2.npy", NULL, &err), MC_ERR_IO);
	mc_error_clear(&err);
	ck_assert_int_eq(chdir(getenv("MC_SRCDIR")), 0);
	ck_assert_int_eq(chdir("tests/data/npy"), 0);
	ck_assert_int_eq(mc_npy_load(&npy, "f8_3x2.npy", NULL, &err), 0);
	ck_assert_int_eq(mc_npy_check_rows(npy, 3, &err), 0);
	ck_assert_int_eq(mc_npy_check_rows(npy, 1200, &err), MC_ERR_SHAPE);
	ck_assert_str_eq(err.text,
	                 "f8_3x2.npy: 3 rows, the dataset has 1200 instances (one row per kept annotation, in annotation order)");
	mc_npy_free(npy);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

static int stop_now(void *ctx, size_t done, size_t total, const char *what)
{
	(void)done;
	(void)total;
	(void)what;
	++*(int *)ctx;
	return 1;
}

START_TEST(test_interrupt)
{
	mc_error err;
	mc_npy *npy = (mc_npy *)1;
	int calls = 0;
	mc_progress p = { stop_now, &calls };

	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_load(&npy, fixture("f8_3x2.npy"), &p, &err), MC_ERR_INTERRUPTED);
	ck_assert_ptr_null(npy);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert_int_eq(calls, 1);
}
END_TEST


/* Streaming: rows copied out and released leave the process's resident
 * memory, and read back the same. */
START_TEST(test_release_rows)
{
	const size_t n = 10000, d = 512; /* 41 MB of float64 */
	char path[4096];
	mc_matrix *m = NULL;
	mc_npy *npy = NULL;
	double *row = malloc(d * sizeof *row);
	long before, read_all, released;
	mc_error err;

	tu_tmpfile(path, sizeof path, "npy-release.npy");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_matrix_new(&m, n, d, &err), 0);
	for (size_t k = 0; k < n * d; k++)
		m->data[k] = (double)k * 0.5;
	ck_assert_int_eq(mc_npy_save(path, m, &err), 0);
	ck_assert_int_eq(mc_npy_open(&npy, path, &err), 0);
	before = tu_rss_bytes();
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(mc_npy_read_rows(npy, i, 1, row, &err), 0);
		ck_assert(row[d - 1] == m->data[i * d + d - 1]);
	}
	read_all = tu_rss_bytes();
	mc_npy_release_rows(npy, 0, n);
	released = tu_rss_bytes();
	ck_assert_msg(read_all - before > 30l << 20, "reading mapped %ld bytes", read_all - before);
	ck_assert_msg(read_all - released > 30l << 20, "releasing unmapped %ld bytes",
	              read_all - released);
	/* read again: the same values, from the page cache */
	for (size_t i = 0; i < n; i += 97) {
		ck_assert_int_eq(mc_npy_read_rows(npy, i, 1, row, &err), 0);
		ck_assert_mem_eq(row, m->data + i * d, d * sizeof *row);
	}
	mc_npy_release_rows(npy, n, 5);   /* past the end: nothing */
	mc_npy_release_rows(npy, n - 1, 9);
	ck_assert_int_eq(mc_npy_read_rows(npy, n - 1, 1, row, &err), 0);
	ck_assert_mem_eq(row, m->data + (n - 1) * d, d * sizeof *row);
	mc_npy_free(npy);
	mc_matrix_free(m);
	free(row);
	unlink(path);
}
END_TEST

START_TEST(test_save_round_trip)
{
	mc_error err;
	mc_matrix *m = NULL;
	mc_npy *npy = NULL;
	mc_matrix view;
	char path[4096], tmp[4200], cmd[8192];
	double vec[3] = { 1.0 / 3.0, -0.0, 5e-324 };
	size_t i, j;

	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "npy-save.npy");
	ck_assert_int_eq(mc_matrix_new(&m, 3, 4, &err), 0);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 4; j++)
			MC_AT(m, i, j) = (double)(i * 4 + j) / 7.0 - 1.0;
	ck_assert_int_eq(mc_npy_save(path, m, &err), 0);
	/* No temporary file left next to it. */
	ck_assert_int_eq(df_temporaries(path, NULL), 0);
	(void)tmp;
	ck_assert_int_eq(mc_npy_load(&npy, path, NULL, &err), 0);
	ck_assert_int_eq(mc_npy_view(npy, &view, &err), 0);
	ck_assert_uint_eq(view.rows, 3);
	ck_assert_uint_eq(view.cols, 4);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 4; j++)
			ck_assert(MC_AT(&view, i, j) == MC_AT(m, i, j));
	mc_npy_free(npy);
	/* numpy reads it back bit for bit. */
	snprintf(cmd, sizeof cmd,
	         "/usr/bin/python3 -c \"import numpy as np, sys; a = np.load(sys.argv[1]); "
	         "assert a.dtype == np.float64 and a.shape == (3, 4); "
	         "assert (a == np.arange(12).reshape(3, 4) / 7.0 - 1.0).all()\" '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);

	tu_tmpfile(path, sizeof path, "npy-vec.npy");
	ck_assert_int_eq(mc_npy_save_vector(path, vec, 3, &err), 0);
	ck_assert_int_eq(mc_npy_load(&npy, path, NULL, &err), 0);
	ck_assert_int_eq(mc_npy_ndim(npy), 1);
	ck_assert_int_eq(mc_npy_view(npy, &view, &err), 0);
	ck_assert(view.data[0] == 1.0 / 3.0 && signbit(view.data[1]) && view.data[2] == 5e-324);
	mc_npy_free(npy);
	unlink(path);

	/* A directory that does not exist. */
	ck_assert_int_eq(mc_npy_save("/nonexistent-dir/x.npy", m, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent-dir/x.npy: cannot create: the folder /nonexistent-dir does not exist"));
	mc_matrix_free(m);
}
END_TEST

/* Issue 13: a header with shape (2^60-1, 0) was accepted (rows of no
 * features, which take no bytes). */
START_TEST(test_shape_without_columns)
{
	static const char head[] = "{'descr': '<f8', 'fortran_order': False, "
	                           "'shape': (1152921504606846975, 0), }";
	unsigned char buf[128] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
	char path[4096];
	mc_npy *npy = (mc_npy *)1;
	mc_error err;
	FILE *f;

	buf[8] = (unsigned char)(sizeof head - 1);
	memcpy(buf + 10, head, sizeof head - 1);
	tu_tmpfile(path, sizeof path, "npy-nocols.npy");
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, 10 + sizeof head - 1, f), 10 + sizeof head - 1);
	fclose(f);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_npy_open(&npy, path, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(npy);
	ck_assert_ptr_nonnull(strstr(err.text, "shape (1152921504606846975, 0): rows of 0 features"));
	unlink(path);
}
END_TEST

static int s_save_big(void *ctx, mc_error *err)
{
	const df_job *j = ctx;

	return mc_npy_save(j->path, j->obj, err);
}

/* Issue 13: save_npy is atomic: on a full disk and when killed in the
 * middle the previous file stays whole, and no temporary is left. */
START_TEST(test_save_killed_and_full_disk)
{
	char path[4096];
	mc_matrix *m = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_matrix_new(&m, 4000, 1000, &err), 0);   /* 32 MB */
	for (size_t i = 0; i < m->rows * m->cols; i++)
		m->data[i] = (double)i;
	tu_tmpfile(path, sizeof path, "npy-durable.npy");
	ck_assert_int_eq(mc_npy_save(path, m, &err), 0);
	m->data[0] = -1;
	{
		df_job j = { path, m };
		df_check_writer(path, s_save_big, &j, 1 << 20);
	}
	unlink(path);
	mc_matrix_free(m);
}
END_TEST

static Suite *npy_suite(void)
{
	Suite *s = suite_create("npy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_f4_read_rows);
	tcase_add_test(tc, test_f8_view_is_zero_copy);
	tcase_add_test(tc, test_1d_and_version2);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_nan_found_by_read_rows_after_open);
	tcase_add_test(tc, test_check_rows_message);
	tcase_add_test(tc, test_interrupt);
	tcase_add_test(tc, test_save_round_trip);
	tcase_add_test(tc, test_release_rows);
	tcase_add_test(tc, test_shape_without_columns);
	tcase_add_test(tc, test_save_killed_and_full_disk);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(npy_suite());
}
