/* Tests of the built-in embedding (runtime/embed.c): the blocks on synthetic
 * instances, and whole datasets (the demo dataset through the COCO loader). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maskclean/coco.h"
#include "maskclean/demo.h"
#include "maskclean/embed.h"
#include "maskclean/rle.h"

enum { W = 64, H = 48 };

/* A w x h image of channels, zero, with an object: rectangle [x0,x1) x
 * [y0,y1) of colour rgb, its mask set; stripes: 1 horizontal, 2 vertical. */
typedef struct scene {
	uint8_t px[W * H * 3];
	uint8_t mask[W * H];
	double bbox[4];
} scene;

static void draw(scene *s, int channels, int x0, int y0, int x1, int y1, const uint8_t rgb[3],
                 int stripes)
{
	int x, y, c;

	memset(s, 0, sizeof *s);
	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++) {
			int on = stripes == 1 ? (y / 2) % 2 : stripes == 2 ? (x / 2) % 2 : 1;
			s->mask[y * W + x] = 1;
			for (c = 0; c < channels; c++)
				s->px[(y * W + x) * channels + c] = on ? rgb[c] : 0;
		}
	s->bbox[0] = x0;
	s->bbox[1] = y0;
	s->bbox[2] = x1 - x0;
	s->bbox[3] = y1 - y0;
}

static double norm(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i] * v[i];
	return sqrt(s);
}

static double cosine(const double *a, const double *b, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += a[i] * b[i];
	return s / (norm(a, n) * norm(b, n));
}

static const uint8_t s_red[3] = { 230, 20, 20 }, s_blue[3] = { 20, 20, 230 };

START_TEST(test_dims)
{
	mc_embed_method m;
	mc_error err;

	ck_assert_uint_eq(mc_embed_dim(32, MC_EMBED_HOG), 256 + 144 + 24 + 64);
	ck_assert_uint_eq(mc_embed_dim(16, MC_EMBED_HOG), 64 + 144 + 24 + 16);
	ck_assert_uint_eq(mc_embed_dim(32, MC_EMBED_PIXELS), 1024);
	ck_assert_uint_eq(mc_embed_dim(30, MC_EMBED_HOG), 0);
	ck_assert_uint_eq(mc_embed_dim(4, MC_EMBED_HOG), 0);
	ck_assert_uint_eq(mc_embed_dim(260, MC_EMBED_HOG), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_method_parse(&m, "pixels", &err), 0);
	ck_assert_int_eq(m, MC_EMBED_PIXELS);
	ck_assert_int_eq(mc_embed_method_parse(&m, "sift", &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "embed: unknown method 'sift'; expected 'hog' or 'pixels'");
}
END_TEST

START_TEST(test_blocks_are_unit_length)
{
	scene s;
	double v[488];
	mc_error err;

	mc_error_clear(&err);
	draw(&s, 3, 10, 5, 40, 30, s_red, 1);
	ck_assert_int_eq(mc_embed_instance(v, s.px, W, H, 3, s.mask, s.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_double_eq_tol(norm(v, 256), 1.0, 1e-12);
	ck_assert_double_eq_tol(norm(v + 256, 144), 1.0, 1e-12);
	ck_assert_double_eq_tol(norm(v + 400, 24), 1.0, 1e-12);
	ck_assert_double_eq_tol(norm(v + 424, 64), 1.0, 1e-12);
}
END_TEST

START_TEST(test_outside_mask_is_ignored)
{
	scene a, b;
	double va[488], vb[488];
	mc_error err;
	int i;

	mc_error_clear(&err);
	draw(&a, 3, 10, 5, 40, 30, s_red, 0);
	/* An L-shaped mask: a corner of the box is not the object. */
	for (i = 0; i < W * H; i++)
		if (i % W < 20 && i / W < 12)
			a.mask[i] = 0;
	b = a;
	/* Paint everything outside the mask, inside and outside the box. */
	for (i = 0; i < W * H; i++)
		if (!b.mask[i])
			b.px[3 * i] = b.px[3 * i + 1] = b.px[3 * i + 2] = 200;
	ck_assert_int_eq(mc_embed_instance(va, a.px, W, H, 3, a.mask, a.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_int_eq(mc_embed_instance(vb, b.px, W, H, 3, b.mask, b.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_mem_eq(va, vb, sizeof va);
	/* A pixel taken out of the mask no longer counts. */
	b.mask[15 * W + 20] = 0;
	ck_assert_int_eq(mc_embed_instance(vb, b.px, W, H, 3, b.mask, b.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert(memcmp(va, vb, sizeof va) != 0);
}
END_TEST

START_TEST(test_scale_and_position)
{
	scene a, b;
	double va[488], vb[488];
	mc_error err;

	/* The same striped object at another place and twice the size. */
	mc_error_clear(&err);
	draw(&a, 3, 2, 2, 14, 22, s_red, 2);
	draw(&b, 3, 30, 4, 54, 44, s_red, 0);
	{
		int x, y, c;
		for (y = 4; y < 44; y++)
			for (x = 30; x < 54; x++)
				for (c = 0; c < 3; c++)
					b.px[(y * W + x) * 3 + c] = ((x - 30) / 4) % 2 ? 0 : s_red[c];
	}
	ck_assert_int_eq(mc_embed_instance(va, a.px, W, H, 3, a.mask, a.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_int_eq(mc_embed_instance(vb, b.px, W, H, 3, b.mask, b.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_msg(cosine(va, vb, 488) > 0.97, "cosine %g", cosine(va, vb, 488));
	/* The shape block (mask coverage) is exactly the same. */
	ck_assert_double_eq_tol(cosine(va + 424, vb + 424, 64), 1.0, 1e-9);
}
END_TEST

START_TEST(test_hog_orientation_and_colour)
{
	scene h, v, blue;
	double vh[488], vv[488], vb[488];
	double bin4 = 0, total = 0;
	mc_error err;
	int cell;

	mc_error_clear(&err);
	draw(&h, 3, 8, 8, 40, 40, s_red, 1);   /* horizontal stripes: vertical gradients */
	draw(&v, 3, 8, 8, 40, 40, s_red, 2);
	draw(&blue, 3, 8, 8, 40, 40, s_blue, 0);
	ck_assert_int_eq(mc_embed_instance(vh, h.px, W, H, 3, h.mask, h.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_int_eq(mc_embed_instance(vv, v.px, W, H, 3, v.mask, v.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_int_eq(mc_embed_instance(vb, blue.px, W, H, 3, blue.mask, blue.bbox, 32,
	                                   MC_EMBED_HOG, &err), 0);
	/* Gradients at 90 degrees fall in bin 4 (80..100 degrees). */
	for (cell = 0; cell < 16; cell++) {
		int b;
		for (b = 0; b < 9; b++) {
			double x = vh[256 + cell * 9 + b];
			total += x * x;
			if (b == 4)
				bin4 += x * x;
		}
	}
	ck_assert_msg(bin4 / total > 0.6, "bin 4 holds %g of the HOG energy", bin4 / total);
	ck_assert(cosine(vh + 256, vv + 256, 144) < 0.5);
	/* Same shape, other colour: R, G, B histograms of a plain red and a
	 * plain blue object share only the empty G bin (cosine 1/3). */
	ck_assert_double_eq_tol(cosine(vh + 424, vb + 424, 64), 1.0, 1e-12);
	draw(&h, 3, 8, 8, 40, 40, s_red, 0);
	ck_assert_int_eq(mc_embed_instance(vh, h.px, W, H, 3, h.mask, h.bbox, 32, MC_EMBED_HOG, &err), 0);
	ck_assert_double_eq_tol(cosine(vh + 400, vb + 400, 24), 1.0 / 3, 1e-12);
	ck_assert(vh[400 + 7] > 0.5);        /* red in the top R bin */
	ck_assert(vb[400 + 16 + 7] > 0.5);   /* blue in the top B bin */
}
END_TEST

START_TEST(test_pixels_method_and_gray)
{
	scene s;
	double v[1024];
	mc_error err;
	const uint8_t white[3] = { 255, 255, 255 };
	int i;

	/* A square filling its box: every pixel the same, so 1/32 after L2. */
	mc_error_clear(&err);
	draw(&s, 1, 4, 4, 36, 36, white, 0);
	ck_assert_int_eq(mc_embed_instance(v, s.px, W, H, 1, s.mask, s.bbox, 32, MC_EMBED_PIXELS, &err), 0);
	for (i = 0; i < 1024; i++)
		ck_assert_double_eq_tol(v[i], 1.0 / 32, 1e-12);
	/* An empty box, or one outside the image: all zeros. */
	s.bbox[0] = 100;
	ck_assert_int_eq(mc_embed_instance(v, s.px, W, H, 1, s.mask, s.bbox, 32, MC_EMBED_PIXELS, &err), 0);
	ck_assert(norm(v, 1024) == 0);
	ck_assert_int_eq(mc_embed_instance(v, s.px, W, H, 2, s.mask, s.bbox, 32, MC_EMBED_PIXELS, &err),
	                 MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "embed: 2 channels; expected 1 or 3");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_instance(v, s.px, W, H, 1, s.mask, s.bbox, 33, MC_EMBED_PIXELS, &err),
	                 MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "embed: size 33 is not supported; expected a multiple of 4 in 8..256");
}
END_TEST

static char s_dir[4096];

static mc_coco *demo_dataset(void)
{
	mc_demo_opts o;
	mc_demo_result *r = NULL;
	mc_coco *ds = NULL;
	mc_coco_options co = { NULL, 0, NULL };
	mc_error err;

	snprintf(s_dir, sizeof s_dir, "%s/tests/embed-%ld",
	         getenv("MC_BUILDDIR") != NULL ? getenv("MC_BUILDDIR") : "/tmp", (long)getpid());
	mc_demo_opts_default(&o);
	o.test_split = 1;
	o.n_images = 8;
	mc_error_clear(&err);
	ck_assert_msg(mc_demo_make(&r, s_dir, &o, NULL, &err) == 0, "%s", err.text);
	co.images_dir = r->images;
	ck_assert_msg(mc_coco_load(&ds, r->annotations, &co, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coco_n_instances(ds), r->n_instances);
	mc_demo_result_free(r);
	return ds;
}

static void rm_demo(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_dataset)
{
	mc_coco *ds = demo_dataset();
	mc_matrix *a = NULL, *b = NULL;
	mc_error err;
	size_t i, n = mc_coco_n_instances(ds);

	mc_error_clear(&err);
	ck_assert_msg(mc_embed_dataset(&a, ds, NULL, 32, MC_EMBED_HOG, NULL, &err) == 0, "%s",
	              err.text);
	ck_assert_uint_eq(a->rows, n);
	ck_assert_uint_eq(a->cols, 488);
	ck_assert_int_eq(mc_embed_dataset(&b, ds, NULL, 32, MC_EMBED_HOG, NULL, &err), 0);
	/* Deterministic, whatever thread did which image. */
	ck_assert_mem_eq(a->data, b->data, n * 488 * sizeof(double));
	for (i = 0; i < n; i++) {
		ck_assert_double_eq_tol(norm(&MC_AT(a, i, 0), 256), 1.0, 1e-9);
		ck_assert_double_eq_tol(norm(&MC_AT(a, i, 424), 64), 1.0, 1e-9);
	}
	/* Distinct items give distinct rows. */
	ck_assert(cosine(&MC_AT(a, 0, 0), &MC_AT(a, 1, 0), 488) < 0.999);
	mc_matrix_free(a);
	mc_matrix_free(b);
	mc_coco_free(ds);
	rm_demo();
}
END_TEST

static int stop_now(void *ctx, size_t done, size_t total, const char *what)
{
	(void)ctx;
	(void)total;
	(void)what;
	return done > 0;
}

START_TEST(test_dataset_errors)
{
	mc_coco *ds = demo_dataset();
	mc_matrix *a = (mc_matrix *)1;
	mc_error err;
	mc_progress p = { stop_now, NULL };
	char path[4200];

	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_dataset(&a, ds, NULL, 32, MC_EMBED_HOG, &p, &err), MC_ERR_INTERRUPTED);
	ck_assert_ptr_null(a);
	ck_assert_str_eq(err.text, "interrupted");
	/* A missing image file is named. */
	snprintf(path, sizeof path, "%s/images/000003.png", s_dir);
	ck_assert_int_eq(unlink(path), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_dataset(&a, ds, NULL, 32, MC_EMBED_HOG, NULL, &err), MC_ERR_IO);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(err.text, "annotations.json: image 3: ") != NULL &&
	              strstr(err.text, "000003.png does not exist") != NULL, "%s", err.text);
	mc_coco_free(ds);
	rm_demo();
}
END_TEST

static Suite *embed_suite(void)
{
	Suite *s = suite_create("embed");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_dims);
	tcase_add_test(tc, test_blocks_are_unit_length);
	tcase_add_test(tc, test_outside_mask_is_ignored);
	tcase_add_test(tc, test_scale_and_position);
	tcase_add_test(tc, test_hog_orientation_and_colour);
	tcase_add_test(tc, test_pixels_method_and_gray);
	tcase_add_test(tc, test_dataset);
	tcase_add_test(tc, test_dataset_errors);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(embed_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
