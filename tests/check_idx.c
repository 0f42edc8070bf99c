/* Tests of the IDX reader (runtime/idx.c): files written here through zlib,
 * bad files, and Debian's Fashion-MNIST. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "maskclean/demo.h"
#include "maskclean/idx.h"
#include "testutil.h"
#include "suite_run.h"

/* Writes bytes to path, gzip-compressed when gz. */
static void write_file(const char *path, const unsigned char *b, size_t n, int gz)
{
	if (gz) {
		gzFile f = gzopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(gzwrite(f, b, (unsigned)n), (int)n);
		ck_assert_int_eq(gzclose(f), Z_OK);
	} else {
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(b, 1, n, f), n);
		fclose(f);
	}
}

/* 3 images of 2x2 unsigned bytes. */
static const unsigned char s_images[] = {
	0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2,
	1, 2, 3, 4, 5, 6, 7, 8, 250, 251, 252, 255
};

START_TEST(test_u8_images_gz_and_plain)
{
	char path[4096];
	mc_idx *idx = NULL;
	mc_error err;
	int gz;

	for (gz = 0; gz < 2; gz++) {
		tu_tmpfile(path, sizeof path, gz ? "idx-img.gz" : "idx-img");
		write_file(path, s_images, sizeof s_images, gz);
		mc_error_clear(&err);
		ck_assert_int_eq(mc_idx_load_images(&idx, path, &err), 0);
		ck_assert_int_eq(idx->type, 0x08);
		ck_assert_int_eq(idx->ndim, 3);
		ck_assert_uint_eq(idx->dims[0], 3);
		ck_assert_uint_eq(idx->dims[1], 2);
		ck_assert_uint_eq(idx->dims[2], 2);
		ck_assert_uint_eq(idx->count, 12);
		ck_assert_ptr_null(idx->f64);
		ck_assert_int_eq(idx->u8[0], 1);
		ck_assert_int_eq(idx->u8[11], 255);
		ck_assert(mc_idx_get(idx, 8) == 250.0);
		mc_idx_free(idx);
		/* Images are not labels. */
		ck_assert_int_eq(mc_idx_load_labels(&idx, path, 10, &err), MC_ERR_SHAPE);
		ck_assert_ptr_null(idx);
		ck_assert_ptr_nonnull(strstr(err.text, "holds 3x2x2 of type 0x08; expected labels"));
		unlink(path);
	}
}
END_TEST

START_TEST(test_other_types)
{
	/* int32 1-D {-2, 70000} and float32 1-D {1.5, -0.25}, big-endian. */
	static const unsigned char i32[] = { 0, 0, 0x0C, 1, 0, 0, 0, 2,
		                             0xff, 0xff, 0xff, 0xfe, 0, 1, 0x11, 0x70 };
	static const unsigned char f32[] = { 0, 0, 0x0D, 1, 0, 0, 0, 2,
		                             0x3f, 0xc0, 0, 0, 0xbe, 0x80, 0, 0 };
	char path[4096];
	mc_idx *idx = NULL;
	mc_error err;

	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "idx-i32.gz");
	write_file(path, i32, sizeof i32, 1);
	ck_assert_int_eq(mc_idx_load(&idx, path, &err), 0);
	ck_assert_ptr_null(idx->u8);
	ck_assert(idx->f64[0] == -2.0 && idx->f64[1] == 70000.0);
	mc_idx_free(idx);
	tu_tmpfile(path, sizeof path, "idx-f32");
	write_file(path, f32, sizeof f32, 0);
	ck_assert_int_eq(mc_idx_load(&idx, path, &err), 0);
	ck_assert(mc_idx_get(idx, 0) == 1.5 && mc_idx_get(idx, 1) == -0.25);
	mc_idx_free(idx);
	unlink(path);
	tu_tmpfile(path, sizeof path, "idx-i32.gz");
	unlink(path);
}
END_TEST

START_TEST(test_bad_files)
{
	static const unsigned char bad_magic[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
	static const unsigned char labels[] = { 0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 12, 3 };
	char path[4096];
	mc_idx *idx = (mc_idx *)1;
	mc_error err;
	FILE *f;
	long size;

	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "idx-magic");
	write_file(path, bad_magic, sizeof bad_magic, 1);
	ck_assert_int_eq(mc_idx_load(&idx, path, &err), MC_ERR_PARSE);
	ck_assert_ptr_null(idx);
	ck_assert_ptr_nonnull(strstr(err.text, "magic: bad IDX magic 0x89504e47; expected 0x0000TTDD"));
	unlink(path);

	/* Plain file cut short. */
	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "idx-short");
	write_file(path, s_images, sizeof s_images - 5, 0);
	ck_assert_int_eq(mc_idx_load(&idx, path, &err), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text,
	                             "short: truncated: header says 3x2x2 unsigned bytes (12 bytes), the file has 7"));
	unlink(path);

	/* gzip stream cut short. */
	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "idx-cut.gz");
	{
		/* 10 x 200 x 2 unsigned bytes of poorly compressible data. */
		static const unsigned char head[16] = { 0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 200,
			                                0, 0, 0, 2 };
		unsigned char big[16 + 4000];
		size_t i;
		memcpy(big, head, 16);
		for (i = 16; i < sizeof big; i++)
			big[i] = (unsigned char)(i * 7919u >> 3);
		write_file(path, big, sizeof big, 1);
	}
	f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	ck_assert_int_eq(truncate(path, size / 2), 0);
	ck_assert_int_eq(mc_idx_load(&idx, path, &err), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, "cut.gz: truncated: header says 10x200x2 unsigned bytes (4000 bytes), the file has"));
	unlink(path);

	/* Labels out of range. */
	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "idx-labels");
	write_file(path, labels, sizeof labels, 1);
	ck_assert_int_eq(mc_idx_load_labels(&idx, path, 10, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "labels: label 2 is 12; expected 0..9"));
	ck_assert_int_eq(mc_idx_load_labels(&idx, path, 0, &err), 0);
	mc_idx_free(idx);
	unlink(path);

	mc_error_clear(&err);
	ck_assert_int_eq(mc_idx_load(&idx, "/nonexistent/x.gz", &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/x.gz: cannot open: No such file"));
}
END_TEST

START_TEST(test_fashion_mnist)
{
	mc_idx *img = NULL, *lab = NULL;
	mc_error err;
	size_t per_class[10] = { 0 }, i;

	mc_error_clear(&err);
	ck_assert_msg(mc_idx_load_images(&img, MC_DEMO_FMNIST_DIR "/t10k-images-idx3-ubyte.gz", &err) == 0,
	              "%s (install the Debian package dataset-fashion-mnist)", err.text);
	ck_assert_int_eq(mc_idx_load_labels(&lab, MC_DEMO_FMNIST_DIR "/t10k-labels-idx1-ubyte.gz", 10,
	                                    &err), 0);
	ck_assert_uint_eq(img->dims[0], 10000);
	ck_assert_uint_eq(img->dims[1], 28);
	ck_assert_uint_eq(img->dims[2], 28);
	ck_assert_uint_eq(lab->dims[0], 10000);
	/* The test split is balanced: 1000 items per class. */
	for (i = 0; i < lab->count; i++)
		per_class[lab->u8[i]]++;
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(per_class[i], 1000);
	mc_idx_free(img);
	mc_idx_free(lab);
}
END_TEST

static Suite *idx_suite(void)
{
	Suite *s = suite_create("idx");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_u8_images_gz_and_plain);
	tcase_add_test(tc, test_other_types);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_fashion_mnist);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(idx_suite());
}
