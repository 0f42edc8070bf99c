/* Tests of the embeddings (runtime/embed.c): the built-in blocks on synthetic
 * instances, and whole datasets (the demo dataset through the COCO loader);
 * a CNN's embedding against PyTorch on the fixture of tests/data/cnn (its
 * make_fixture.py reproduces the preprocessing and runs the network), the
 * mask's effect, the .npy output, interrupts and errors. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maskclean/cnn.h"
#include "maskclean/coco.h"
#include "maskclean/demo.h"
#include "maskclean/embed.h"
#include "maskclean/image.h"
#include "maskclean/npy.h"
#include "maskclean/rle.h"
#include "suite_run.h"
#include "testutil.h"

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

	tu_scratch_path(s_dir, sizeof s_dir, "embed");
	mc_demo_opts_init(&o);
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
	tu_rmtree(s_dir);
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

/* ---- a CNN's embedding (tests/data/cnn) */

/* tests/data/cnn/name, in one of two buffers used in turn (two paths may
 * be in use at once). */
static const char *cnn_path(const char *name)
{
	static char path[2][4200];
	static int k;
	char rel[512];

	snprintf(rel, sizeof rel, "cnn/%s", name);
	k = !k;
	return td_path(path[k], sizeof path[k], rel);
}

/* A scratch file name (tests/testutil.h), nothing removed. */
static const char *scratch(const char *name)
{
	static char path[4200];

	return tu_scratch_path(path, sizeof path, name);
}

static mc_coco *cnn_dataset(void)
{
	mc_coco_options co = { NULL, 0, NULL };
	mc_coco *ds = NULL;
	mc_error err;

	co.images_dir = cnn_path("images");
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_load(&ds, cnn_path("instances.json"), &co, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 6);
	return ds;
}

static void cnn_opts(mc_embed_cnn_opts *o)
{
	mc_embed_cnn_opts_init(o);
	o->model = cnn_path("tiny_resnet.onnx");
	o->size = 64;
}

/* PyTorch's features of the fixture's instances (6 x 16). */
static void expected(double *want)
{
	mc_npy *npy = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_npy_load(&npy, cnn_path("expected.npy"), NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_npy_rows(npy), 6);
	ck_assert_uint_eq(mc_npy_cols(npy), 16);
	ck_assert_int_eq(mc_npy_read_rows(npy, 0, 6, want, &err), 0);
	mc_npy_free(npy);
}

/* Row by row, every element within 1e-4 of the row's largest magnitude. */
static void assert_close(const double *got, size_t stride, const double *want, size_t rows,
                         size_t cols)
{
	size_t i, j;

	for (i = 0; i < rows; i++) {
		double scale = 0;
		for (j = 0; j < cols; j++)
			scale = fmax(scale, fabs(want[i * cols + j]));
		ck_assert(scale > 0);
		for (j = 0; j < cols; j++)
			ck_assert_msg(fabs(got[i * stride + j] - want[i * cols + j]) <= 1e-4 * scale,
			              "row %zu, column %zu: %.8g, PyTorch %.8g", i, j,
			              got[i * stride + j], want[i * cols + j]);
	}
}

START_TEST(test_cnn_matches_pytorch)
{
	mc_coco *ds = cnn_dataset();
	mc_embed_cnn_opts o;
	mc_matrix *a = NULL, *b = NULL;
	double want[6 * 16];
	mc_error err;

	expected(want);
	cnn_opts(&o);
	mc_error_clear(&err);
	ck_assert_msg(mc_embed_cnn_dataset(&a, ds, NULL, &o, NULL, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(a->rows, 6);
	ck_assert_uint_eq(a->cols, 16);
	assert_close(a->data, a->stride, want, 6, 16);
	/* One worker with batches of 4, and 3 workers: the same numbers. */
	o.threads = 1;
	o.batch = 4;
	ck_assert_int_eq(mc_embed_cnn_dataset(&b, ds, NULL, &o, NULL, NULL, &err), 0);
	assert_close(b->data, b->stride, want, 6, 16);
	mc_matrix_free(b);
	o.threads = 3;
	o.batch = 2;
	ck_assert_int_eq(mc_embed_cnn_dataset(&b, ds, NULL, &o, NULL, NULL, &err), 0);
	assert_close(b->data, b->stride, want, 6, 16);
	mc_matrix_free(a);
	mc_matrix_free(b);
	mc_coco_free(ds);
}
END_TEST

/* The features of instance i of ds in img, through mc_embed_cnn_input. */
static void embed_one(float *f, mc_cnn *net, const mc_image *img, const mc_rle *rle)
{
	static const double mean[3] = { 0.485, 0.456, 0.406 }, std[3] = { 0.229, 0.224, 0.225 };
	float *in = malloc(3 * 64 * 64 * sizeof *in);
	mc_error err;

	ck_assert_ptr_nonnull(in);
	mc_error_clear(&err);
	ck_assert_msg(mc_embed_cnn_input(in, img, rle, 64, 3, mean, std, &err) == 0, "%s", err.text);
	ck_assert_int_eq(mc_cnn_forward(net, f, in, 1, &err), 0);
	free(in);
}

START_TEST(test_cnn_mask_is_applied)
{
	mc_coco *ds = cnn_dataset();
	mc_image *img = NULL;
	mc_rle *rle = NULL;
	mc_cnn *net = NULL;
	uint8_t *mask;
	float base[16], f[16];
	double diff = 0;
	size_t i, npix;
	int j;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_load(&img, cnn_path("images/wide.png"), &err), 0);
	ck_assert_int_eq(mc_coco_instance_rle(&rle, ds, 0, NULL, &err), 0);
	ck_assert_int_eq(mc_cnn_load(&net, cnn_path("tiny_resnet.onnx"), 64, NULL, &err), 0);
	npix = (size_t)img->width * (size_t)img->height;
	mask = malloc(npix);
	ck_assert_ptr_nonnull(mask);
	mc_rle_decode_rowmajor(rle, mask);
	embed_one(base, net, img, rle);
	/* Every pixel outside the mask changed, inside the box and out of it:
	 * the same features, bit for bit. */
	for (i = 0; i < npix; i++)
		if (!mask[i])
			for (j = 0; j < 3; j++)
				img->pixels[i * 3 + (size_t)j] = (uint8_t)(255 - img->pixels[i * 3 + (size_t)j]);
	embed_one(f, net, img, rle);
	ck_assert_mem_eq(f, base, sizeof base);
	/* Pixels inside it changed: other features. */
	for (i = 0; i < npix; i++)
		if (mask[i] && i % 3 == 0)
			img->pixels[i * 3] = (uint8_t)(255 - img->pixels[i * 3]);
	embed_one(f, net, img, rle);
	for (j = 0; j < 16; j++)
		diff += fabs((double)f[j] - base[j]);
	ck_assert_msg(diff > 1e-3, "features moved by %g only", diff);
	free(mask);
	mc_cnn_free(net);
	mc_rle_free(rle);
	mc_image_free(img);
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_cnn_input)
{
	static const double mean[3] = { 0.5, 0.25, 0 }, std[3] = { 0.5, 0.25, 1 };
	static const double bad_std[3] = { 0.5, 0, 1 };
	mc_coco *ds = cnn_dataset();
	mc_image *img = NULL;
	mc_rle *rle = NULL;
	float *in = malloc(3 * 64 * 64 * sizeof *in);
	mc_error err;
	int c;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_load(&img, cnn_path("images/gray.png"), &err), 0);
	ck_assert_int_eq(img->channels, 1);
	ck_assert_int_eq(mc_coco_instance_rle(&rle, ds, 4, NULL, &err), 0);
	ck_assert_int_eq(mc_embed_cnn_input(in, img, rle, 64, 3, mean, std, &err), 0);
	/* The corner is letterbox black: (0 - mean) / std in each channel. */
	ck_assert_float_eq(in[0], -1.0f);
	ck_assert_float_eq(in[64 * 64], -1.0f);
	ck_assert_float_eq(in[2 * 64 * 64], 0.0f);
	/* Gray goes to all three channels: R and G agree after undoing mean/std. */
	for (c = 0; c < 64 * 64; c++)
		ck_assert_float_eq_tol(in[c] * 0.5f + 0.5f, in[64 * 64 + c] * 0.25f + 0.25f, 1e-6f);
	ck_assert_int_eq(mc_embed_cnn_input(in, img, rle, 64, 3, mean, bad_std, &err),
	                 MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "std > 0") != NULL, "%s", err.text);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_cnn_input(in, img, rle, 64, 2, mean, std, &err), MC_ERR_INVALID);
	free(in);
	mc_rle_free(rle);
	mc_image_free(img);
	mc_coco_free(ds);
}
END_TEST

/* Temporary files of path's target left in its folder. */
static int leftovers(const char *path)
{
	char cmd[4400];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof cmd, "ls '%s'.tmp.* 2>/dev/null | wc -l", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

START_TEST(test_cnn_to_npy)
{
	mc_coco *ds = cnn_dataset();
	mc_embed_cnn_opts o;
	mc_matrix *a = (mc_matrix *)1;
	mc_npy *npy = NULL;
	double want[6 * 16], got[6 * 16];
	const char *path = scratch("features.npy");
	mc_error err;

	expected(want);
	cnn_opts(&o);
	o.threads = 2;
	mc_error_clear(&err);
	ck_assert_msg(mc_embed_cnn_dataset(&a, ds, NULL, &o, path, NULL, &err) == 0, "%s", err.text);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(leftovers(path), 0);
	ck_assert_int_eq(mc_npy_load(&npy, path, NULL, &err), 0);
	ck_assert_int_eq(mc_npy_dtype_of(npy), MC_NPY_F4);
	ck_assert_uint_eq(mc_npy_rows(npy), 6);
	ck_assert_uint_eq(mc_npy_cols(npy), 16);
	ck_assert_int_eq(mc_npy_read_rows(npy, 0, 6, got, &err), 0);
	assert_close(got, 16, want, 6, 16);
	mc_npy_free(npy);
	unlink(path);
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_cnn_interrupt_and_errors)
{
	mc_coco *ds = cnn_dataset();
	mc_embed_cnn_opts o;
	mc_matrix *a = (mc_matrix *)1;
	mc_progress p = { stop_now, NULL };
	const char *path = scratch("stopped.npy");
	struct stat st;
	mc_error err;

	cnn_opts(&o);
	o.threads = 1;   /* the calling thread embeds the first instance, then stops */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_cnn_dataset(&a, ds, NULL, &o, path, &p, &err), MC_ERR_INTERRUPTED);
	ck_assert_ptr_null(a);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert_int_ne(stat(path, &st), 0);
	ck_assert_int_eq(leftovers(path), 0);
	/* A bad model: its error, and nothing written. */
	o.model = cnn_path("not_onnx.onnx");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_cnn_dataset(&a, ds, NULL, &o, path, NULL, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "not_onnx.onnx: not an ONNX model") != NULL, "%s", err.text);
	ck_assert_int_ne(stat(path, &st), 0);
	/* Bad options. */
	cnn_opts(&o);
	o.batch = 0;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_cnn_dataset(&a, ds, NULL, &o, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "embed: batch 0; expected 1..1024");
	cnn_opts(&o);
	o.std[1] = -1;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_cnn_dataset(&a, ds, NULL, &o, NULL, NULL, &err), MC_ERR_INVALID);
	/* A missing image is named. */
	cnn_opts(&o);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embed_cnn_dataset(&a, ds, scratch("no-such-dir"), &o, path, NULL, &err),
	                 MC_ERR_IO);
	ck_assert_msg(strstr(err.text, "instances.json: image 1: ") != NULL &&
	              strstr(err.text, "wide.png") != NULL, "%s", err.text);
	ck_assert_int_ne(stat(path, &st), 0);
	ck_assert_int_eq(leftovers(path), 0);
	mc_coco_free(ds);
}
END_TEST

/* A disk too small for the features fails before any work, naming the
 * file, and leaves nothing behind (a file-size limit stands for the full
 * disk; it is lifted again before the test ends). */
START_TEST(test_cnn_npy_disk_full)
{
	const char *path = scratch("full.npy");
	struct rlimit old, lim;
	mc_coco *ds = cnn_dataset();
	mc_embed_cnn_opts o;
	mc_matrix *a = (mc_matrix *)1;
	void (*old_handler)(int);
	struct stat st;
	mc_error err;
	int rc;

	cnn_opts(&o);
	o.output = "/layer2/relu_1/Relu";   /* 6 x 1024 float32: 24 KiB */
	mc_error_clear(&err);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = mc_embed_cnn_dataset(&a, ds, NULL, &o, path, NULL, &err);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	ck_assert_int_eq(rc, MC_ERR_IO);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(err.text, path) != NULL && strstr(err.text, "cannot reserve") != NULL,
	              "%s", err.text);
	ck_assert_int_ne(stat(path, &st), 0);
	ck_assert_int_eq(leftovers(path), 0);
	mc_coco_free(ds);
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
	tcase_add_test(tc, test_cnn_matches_pytorch);
	tcase_add_test(tc, test_cnn_mask_is_applied);
	tcase_add_test(tc, test_cnn_input);
	tcase_add_test(tc, test_cnn_to_npy);
	tcase_add_test(tc, test_cnn_interrupt_and_errors);
	tcase_add_test(tc, test_cnn_npy_disk_full);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(embed_suite());
}
