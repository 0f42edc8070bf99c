/* Tests of the demo dataset generator (runtime/demo.c): determinism, the
 * injected errors against the ground truth, and the validity of every mask. */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "maskclean/coco.h"
#include "maskclean/demo.h"
#include "testutil.h"
#include "durability_fixture.h"
#include "maskclean/idx.h"
#include "maskclean/rle.h"

/* A small Fashion-MNIST: the first s_n_items test items, written once by
 * main() so that each test does not inflate the whole file again. */
static char s_fmnist[4096];
static const size_t s_n_items = 600;

static int s_group(int cls)   /* category id 1..10 -> confusable group */
{
	static const int g[10] = { 0, -1, 0, -1, 0, 1, 0, 1, -1, 1 };
	return g[cls - 1];
}


static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long len;

	ck_assert_msg(f != NULL, "%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)len + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return b;
}

static void same_file(const char *a, const char *b, int want_same)
{
	size_t na, nb;
	unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
	int same = na == nb && memcmp(x, y, na) == 0;

	ck_assert_msg(same == want_same, "%s and %s: same=%d", a, b, same);
	free(x);
	free(y);
}

static void small_opts(mc_demo_opts *o)
{
	mc_demo_opts_init(o);
	o->fmnist_dir = s_fmnist;
	o->test_split = 1;
	o->n_images = getenv("MC_VALGRIND") != NULL ? 10 : 30;
	o->error_rate = 0.2;
	o->seed = 7;
}

static mc_demo_result *make(const char *name, const mc_demo_opts *o)
{
	char dir[4096];
	mc_demo_result *r = NULL;
	mc_error err;

	tu_tmpfile(dir, sizeof dir, name);
	mc_error_clear(&err);
	ck_assert_msg(mc_demo_make(&r, dir, o, NULL, &err) == 0, "%s", err.text);
	return r;
}

START_TEST(test_same_seed_same_bytes)
{
	mc_demo_opts o;
	mc_demo_result *a, *b, *c;
	char pa[4200], pb[4200];
	size_t i;

	small_opts(&o);
	a = make("a", &o);
	b = make("b", &o);
	o.seed = 8;
	c = make("c", &o);
	same_file(a->annotations, b->annotations, 1);
	same_file(a->ground_truth, b->ground_truth, 1);
	for (i = 1; i <= a->n_images; i++) {
		snprintf(pa, sizeof pa, "%s/%06zu.png", a->images, i);
		snprintf(pb, sizeof pb, "%s/%06zu.png", b->images, i);
		same_file(pa, pb, 1);
	}
	same_file(a->annotations, c->annotations, 0);
	snprintf(pa, sizeof pa, "%s/000001.png", a->images);
	snprintf(pb, sizeof pb, "%s/000001.png", c->images);
	same_file(pa, pb, 0);
	tu_rmtree(a->dir);
	tu_rmtree(b->dir);
	tu_rmtree(c->dir);
	mc_demo_result_free(a);
	mc_demo_result_free(b);
	mc_demo_result_free(c);
}
END_TEST

/* The mask of annotation a (row-major, h*w), and its COCO area. */
static uint8_t *ann_mask(json_t *a, uint32_t h, uint32_t w, uint64_t *area, int *kind)
{
	json_t *seg = json_object_get(a, "segmentation");
	mc_rle *r = NULL;
	mc_error err;
	uint8_t *m = malloc((size_t)h * w);

	mc_error_clear(&err);
	if (json_is_array(seg)) {
		size_t np = json_array_size(seg), p, q, x, y, x0, y0, x1, y1;
		const double **parts = malloc(np * sizeof *parts);
		double **owned = malloc(np * sizeof *owned);   /* parts[p], to free */
		size_t *lens = malloc(np * sizeof *lens);
		uint8_t *exact = calloc((size_t)h * w, 1);

		*kind = 0;
		for (p = 0; p < np; p++) {
			json_t *pa = json_array_get(seg, p);
			double *xy;
			lens[p] = json_array_size(pa);
			ck_assert_msg(lens[p] >= 6 && lens[p] % 2 == 0, "polygon part of %zu numbers",
			              lens[p]);
			xy = malloc(lens[p] * sizeof *xy);
			for (q = 0; q < lens[p]; q++)
				xy[q] = json_number_value(json_array_get(pa, q));
			parts[p] = owned[p] = xy;
			/* Pixel-centre rasterisation (even-odd) of this part, over
			 * its bounding box. */
			x0 = w;
			y0 = h;
			x1 = y1 = 0;
			for (q = 0; q < lens[p]; q += 2) {
				x0 = xy[q] < x0 ? (size_t)xy[q] : x0;
				x1 = xy[q] > x1 ? (size_t)xy[q] : x1;
				y0 = xy[q + 1] < y0 ? (size_t)xy[q + 1] : y0;
				y1 = xy[q + 1] > y1 ? (size_t)xy[q + 1] : y1;
			}
			ck_assert(x1 <= w && y1 <= h);
			for (y = y0; y < y1; y++)
				for (x = x0; x < x1; x++) {
					int in = 0;
					size_t i, j;
					for (i = 0, j = lens[p] - 2; i < lens[p]; j = i, i += 2) {
						double yi = xy[i + 1], yj = xy[j + 1], py = y + 0.5;
						if ((yi > py) != (yj > py) &&
						    x + 0.5 < (xy[j] - xy[i]) * (py - yi) / (yj - yi) + xy[i])
							in = !in;
					}
					if (in)
						exact[y * w + x] = 1;
				}
		}
		ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, np, h, w, NULL, &err), 0);
		mc_rle_decode_rowmajor(r, m);
		/* The outline runs along pixel edges, so COCO's rasteriser gives
		 * back exactly the pixels inside it. */
		ck_assert_mem_eq(m, exact, (size_t)h * w);
		for (p = 0; p < np; p++)
			free(owned[p]);
		free(owned);
		free(parts);
		free(lens);
		free(exact);
	} else {
		json_t *counts = json_object_get(seg, "counts");
		json_t *size = json_object_get(seg, "size");

		ck_assert_int_eq(json_integer_value(json_array_get(size, 0)), h);
		ck_assert_int_eq(json_integer_value(json_array_get(size, 1)), w);
		if (json_is_string(counts)) {
			*kind = 2;
			ck_assert_msg(mc_rle_from_string(&r, json_string_value(counts), h, w, &err) == 0,
			              "%s", err.text);
		} else {
			size_t n = json_array_size(counts), i;
			uint32_t *c = malloc((n ? n : 1) * sizeof *c);
			*kind = 1;
			for (i = 0; i < n; i++)
				c[i] = (uint32_t)json_integer_value(json_array_get(counts, i));
			ck_assert_msg(mc_rle_new(&r, h, w, c, n, &err) == 0, "%s", err.text);
			free(c);
		}
		mc_rle_decode_rowmajor(r, m);
	}
	*area = mc_rle_area(r);
	mc_rle_free(r);
	return m;
}

START_TEST(test_annotations_and_ground_truth)
{
	mc_demo_opts o;
	mc_demo_result *r;
	json_error_t je;
	json_t *ds, *gt, *anns, *gts, *cats;
	uint8_t **masks;
	size_t n, i, j, n_class = 0, n_mask = 0, kinds[3] = { 0 };
	const uint32_t S = 128;

	small_opts(&o);
	o.n_images = getenv("MC_VALGRIND") != NULL ? 12 : 40;
	r = make("gt", &o);
	ds = json_load_file(r->annotations, 0, &je);
	ck_assert_msg(ds != NULL, "%s: %s", r->annotations, je.text);
	gt = json_load_file(r->ground_truth, 0, &je);
	ck_assert_msg(gt != NULL, "%s: %s", r->ground_truth, je.text);
	anns = json_object_get(ds, "annotations");
	gts = json_object_get(gt, "annotations");
	cats = json_object_get(ds, "categories");
	n = json_array_size(anns);
	ck_assert_uint_eq(n, r->n_instances);
	ck_assert_uint_eq(json_array_size(gts), n);
	ck_assert_uint_eq(json_array_size(json_object_get(ds, "images")), o.n_images);
	ck_assert_uint_eq(json_array_size(cats), 10);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cats, 6), "name")), "Shirt");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(cats, 6), "id")), 7);
	/* 2..5 items per image. */
	ck_assert(n >= 2 * o.n_images && n <= 5 * o.n_images);
	/* Exactly round(rate * n) errors. */
	ck_assert_uint_eq(r->n_errors, (size_t)llround(0.2 * (double)n));
	ck_assert_int_eq(json_integer_value(json_object_get(gt, "n_errors")), (json_int_t)r->n_errors);

	masks = calloc(n, sizeof *masks);
	for (i = 0; i < n; i++) {
		json_t *a = json_array_get(anns, i), *t = json_array_get(gts, i);
		const char *e = json_string_value(json_object_get(t, "error"));
		int lab = (int)json_integer_value(json_object_get(t, "labeled_category_id"));
		int tru = (int)json_integer_value(json_object_get(t, "true_category_id"));
		uint64_t area;
		int kind;
		json_t *bbox = json_object_get(a, "bbox");
		uint32_t x, y, minx = S, miny = S, maxx = 0, maxy = 0;

		ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), (json_int_t)i + 1);
		ck_assert_int_eq(json_integer_value(json_object_get(t, "id")), (json_int_t)i + 1);
		ck_assert_int_eq(json_integer_value(json_object_get(a, "category_id")), lab);
		ck_assert_int_eq(json_integer_value(json_object_get(a, "iscrowd")), 0);
		ck_assert_int_eq(json_integer_value(json_object_get(a, "image_id")),
		                 json_integer_value(json_object_get(t, "image_id")));
		if (strcmp(e, "class") == 0) {
			n_class++;
			ck_assert_int_ne(lab, tru);
			ck_assert_int_ge(s_group(tru), 0);
			ck_assert_int_eq(s_group(lab), s_group(tru));
			ck_assert_str_eq(json_string_value(json_object_get(t, "fix")), "relabel");
		} else {
			ck_assert_int_eq(lab, tru);
			if (strcmp(e, "mask") == 0) {
				n_mask++;
				ck_assert_str_eq(json_string_value(json_object_get(t, "fix")), "remove");
			} else {
				ck_assert_str_eq(e, "none");
				ck_assert_str_eq(json_string_value(json_object_get(t, "fix")), "keep");
			}
		}
		masks[i] = ann_mask(a, S, S, &area, &kind);
		kinds[kind]++;
		ck_assert(json_number_value(json_object_get(a, "area")) == (double)area);
		ck_assert_uint_gt(area, 0);
		/* bbox is the mask's pixel extent. */
		for (y = 0; y < S; y++)
			for (x = 0; x < S; x++)
				if (masks[i][y * S + x]) {
					if (x < minx) minx = x;
					if (y < miny) miny = y;
					if (x > maxx) maxx = x;
					if (y > maxy) maxy = y;
				}
		ck_assert(json_number_value(json_array_get(bbox, 0)) == minx);
		ck_assert(json_number_value(json_array_get(bbox, 1)) == miny);
		ck_assert(json_number_value(json_array_get(bbox, 2)) == maxx - minx + 1);
		ck_assert(json_number_value(json_array_get(bbox, 3)) == maxy - miny + 1);
	}
	ck_assert_uint_eq(n_class, r->n_class_errors);
	ck_assert_uint_eq(n_mask, r->n_mask_errors);
	ck_assert_uint_eq(n_class + n_mask, r->n_errors);
	ck_assert_uint_gt(n_class, 0);
	ck_assert_uint_gt(n_mask, 0);
	/* All three segmentation forms, roughly a third each. */
	for (i = 0; i < 3; i++)
		ck_assert_msg(kinds[i] > n / 6, "form %zu: %zu of %zu", i, kinds[i], n);

	for (i = 0; i < n; i++) {
		json_t *t = json_array_get(gts, i);
		const char *e = json_string_value(json_object_get(t, "error"));

		if (strcmp(e, "mask") == 0) {
			/* A bad mask covers the other object's mask too. */
			size_t other = (size_t)json_integer_value(json_object_get(t, "other_id")) - 1, k;
			json_t *to = json_array_get(gts, other);
			ck_assert_uint_ne(other, i);
			ck_assert_int_eq(json_integer_value(json_object_get(to, "image_id")),
			                 json_integer_value(json_object_get(t, "image_id")));
			if (strcmp(json_string_value(json_object_get(to, "error")), "mask") != 0) {
				size_t missed = 0;
				for (k = 0; k < (size_t)S * S; k++)
					missed += masks[other][k] && !masks[i][k];
				ck_assert_uint_eq(missed, 0);
			}
			continue;
		}
		/* Visible silhouettes of one image never overlap. */
		for (j = i + 1; j < n; j++) {
			json_t *tj = json_array_get(gts, j);
			size_t k, both = 0;
			if (json_integer_value(json_object_get(tj, "image_id")) !=
			    json_integer_value(json_object_get(t, "image_id")))
				break;
			if (strcmp(json_string_value(json_object_get(tj, "error")), "mask") == 0)
				continue;
			for (k = 0; k < (size_t)S * S; k++)
				both += masks[i][k] && masks[j][k];
			ck_assert_uint_eq(both, 0);
		}
	}
	for (i = 0; i < n; i++)
		free(masks[i]);
	free(masks);
	json_decref(ds);
	json_decref(gt);
	tu_rmtree(r->dir);
	mc_demo_result_free(r);
}
END_TEST

START_TEST(test_pngs)
{
	mc_demo_opts o;
	mc_demo_result *r;
	char path[4200];
	unsigned char *b;
	size_t n;
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

	small_opts(&o);
	o.n_images = 3;
	o.image_size = 96;
	r = make("png", &o);
	snprintf(path, sizeof path, "%s/000003.png", r->images);
	b = slurp(path, &n);
	ck_assert_uint_gt(n, 33);
	ck_assert_mem_eq(b, sig, 8);
	ck_assert_mem_eq(b + 12, "IHDR", 4);
	ck_assert_int_eq((b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19], 96);   /* width */
	ck_assert_int_eq((b[20] << 24) | (b[21] << 16) | (b[22] << 8) | b[23], 96);   /* height */
	ck_assert_int_eq(b[24], 8);   /* bit depth */
	ck_assert_int_eq(b[25], 2);   /* RGB */
	free(b);
	snprintf(path, sizeof path, "%s/000004.png", r->images);
	ck_assert_int_ne(access(path, F_OK), 0);
	tu_rmtree(r->dir);
	mc_demo_result_free(r);
}
END_TEST

START_TEST(test_train_split)
{
	mc_demo_opts o;
	mc_demo_result *r;
	json_error_t je;
	json_t *gt, *t;
	size_t i;

	/* The default split: the 60,000 training items (under valgrind, where
	 * inflating 47 MB takes minutes, the small subset). */
	mc_demo_opts_init(&o);
	o.n_images = 4;
	if (getenv("MC_VALGRIND") != NULL) {
		o.fmnist_dir = s_fmnist;
		o.test_split = 1;
	}
	r = make("train", &o);
	gt = json_load_file(r->ground_truth, 0, &je);
	ck_assert_ptr_nonnull(gt);
	json_array_foreach(json_object_get(gt, "annotations"), i, t) {
		json_int_t src = json_integer_value(json_object_get(t, "source"));
		ck_assert(src >= 0 && src < (o.test_split ? (json_int_t)s_n_items : 60000));
	}
	ck_assert_uint_eq(i, r->n_instances);
	json_decref(gt);
	tu_rmtree(r->dir);
	mc_demo_result_free(r);
}
END_TEST

START_TEST(test_coco_loader_reads_it)
{
	mc_demo_opts o;
	mc_demo_result *r;
	mc_coco *ds = NULL;
	mc_coco_options co = { NULL, 0, NULL };
	mc_error err;
	size_t i, bad = 0;
	char *path = NULL;

	small_opts(&o);
	r = make("coco", &o);
	co.images_dir = r->images;
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_load(&ds, r->annotations, &co, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coco_n_images(ds), r->n_images);
	ck_assert_uint_eq(mc_coco_n_instances(ds), r->n_instances);
	ck_assert_uint_eq(mc_coco_n_classes(ds), 10);
	ck_assert_str_eq(mc_coco_class_name(ds, 9), "Ankle boot");
	for (i = 0; i < mc_coco_n_instances(ds); i++) {
		mc_coco_ann a;
		mc_rle *m = NULL;

		mc_coco_instance(ds, i, &a);
		ck_assert_msg(mc_coco_instance_rle(&m, ds, i, NULL, &err) == 0, "%s", err.text);
		bad += (double)mc_rle_area(m) != a.area;
		mc_rle_free(m);
	}
	ck_assert_uint_eq(bad, 0);
	ck_assert_int_eq(mc_coco_image_path(&path, ds, 0, &err), 0);
	ck_assert_ptr_nonnull(strstr(path, "/images/000001.png"));
	free(path);
	mc_coco_free(ds);
	tu_rmtree(r->dir);
	mc_demo_result_free(r);
}
END_TEST

/* The shapes of real data: Zipf-like sizes, tiny classes of exactly
 * tiny_size, an empty category (warned about at load), near-duplicate
 * copies repeating their scene's labels, errors and mask areas, and the
 * errors toward and away from the smallest class. */
START_TEST(test_shapes_of_real_data)
{
	mc_demo_opts o;
	mc_demo_result *r;
	mc_coco *ds = NULL;
	mc_coco_options co = { NULL, 0, NULL };
	json_t *ann, *gt, *anns, *gts;
	json_error_t je;
	size_t count[11] = { 0 }, truth[11] = { 0 }, n, lo = SIZE_MAX, hi = 0, small = 0;
	size_t toward = 0, away = 0, tiny_seen = 0;
	char *warning;
	mc_error err;

	small_opts(&o);
	o.n_images = getenv("MC_VALGRIND") != NULL ? 20 : 60;
	o.imbalance = 1.0;
	o.n_tiny = 2;
	o.tiny_size = 12;
	o.empty_category = 1;
	o.copies = 3;
	o.toward_small = 0.5;
	o.away_small = 0.25;
	r = make("shapes", &o);
	ck_assert_uint_eq(r->n_images, 3 * o.n_images);
	ck_assert_uint_eq(r->n_errors % 3, 0);
	ann = json_load_file(r->annotations, 0, &je);
	gt = json_load_file(r->ground_truth, 0, &je);
	ck_assert_ptr_nonnull(ann);
	ck_assert_ptr_nonnull(gt);
	ck_assert_uint_eq(json_array_size(json_object_get(ann, "categories")), 11);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(ann, "categories"), 0), "name")),
	                 "fashion");
	anns = json_object_get(ann, "annotations");
	gts = json_object_get(gt, "annotations");
	n = json_array_size(anns);
	ck_assert_uint_eq(n % 3, 0);
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(anns, i), *t = json_array_get(gts, i);
		count[json_integer_value(json_object_get(a, "category_id"))]++;
		truth[json_integer_value(json_object_get(t, "true_category_id"))]++;
	}
	ck_assert_uint_eq(count[0], 0);
	for (size_t c = 1; c <= 10; c++) {
		/* the smallest class: the fewest instances, the lower id on ties */
		if (truth[c] > 0 && (small == 0 || truth[c] < truth[small]))
			small = c;
		if (truth[c] == 12) {
			tiny_seen++;
			continue;
		}
		lo = truth[c] < lo ? truth[c] : lo;
		hi = truth[c] > hi ? truth[c] : hi;
	}
	ck_assert_uint_eq(tiny_seen, 2);
	ck_assert_msg(hi >= 3 * lo, "class sizes %zu..%zu are not Zipf-like", lo, hi);
	/* copies: the same scene, labels, errors and mask areas; another image */
	for (size_t i = 0; i < n; i += 3) {
		json_t *a0 = json_array_get(anns, i), *t0 = json_array_get(gts, i);
		/* the scene's instances come image by image: find its copies */
		int64_t img0 = json_integer_value(json_object_get(a0, "image_id"));
		size_t per = 0;
		while (i + per < n &&
		       json_integer_value(json_object_get(json_array_get(anns, i + per), "image_id")) ==
		           img0)
			per++;
		for (size_t k = 0; k < per; k++)
			for (size_t c = 1; c < 3; c++) {
				json_t *a = json_array_get(anns, i + k), *b = json_array_get(anns, i + c * per + k);
				json_t *ta = json_array_get(gts, i + k), *tb = json_array_get(gts, i + c * per + k);
				ck_assert_int_eq(json_integer_value(json_object_get(b, "image_id")),
				                 img0 + (int64_t)c);
				ck_assert_int_eq(json_integer_value(json_object_get(a, "category_id")),
				                 json_integer_value(json_object_get(b, "category_id")));
				ck_assert_str_eq(json_string_value(json_object_get(ta, "error")),
				                 json_string_value(json_object_get(tb, "error")));
				ck_assert_int_eq(json_integer_value(json_object_get(ta, "scene")),
				                 json_integer_value(json_object_get(tb, "scene")));
				ck_assert(json_real_value(json_object_get(a, "area")) ==
				          json_real_value(json_object_get(b, "area")));
			}
		(void)t0;
		i += 3 * per - 3;
	}
	/* errors toward and away from the smallest class: 0.5 and 0.25 of its
	 * scenes' instances, in each of the 3 copies (and maybe more: the other
	 * class errors may land there too) */
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_array_get(gts, i);
		if (strcmp(json_string_value(json_object_get(t, "error")), "class") != 0)
			continue;
		toward += (size_t)json_integer_value(json_object_get(t, "labeled_category_id")) == small;
		away += (size_t)json_integer_value(json_object_get(t, "true_category_id")) == small;
	}
	ck_assert_uint_ge(toward, 3 * (size_t)llround(0.5 * (double)(truth[small] / 3)));
	ck_assert_uint_ge(away, 3 * (size_t)llround(0.25 * (double)(truth[small] / 3)));
	ck_assert_uint_gt(away, 0);
	ck_assert_uint_eq(toward % 3, 0);
	/* the loader's warning names the empty category */
	co.images_dir = r->images;
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_load(&ds, r->annotations, &co, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_coco_class_count(ds, 0), 0);
	warning = mc_coco_empty_classes_warning(ds);
	ck_assert_ptr_nonnull(warning);
	ck_assert_msg(strstr(warning, "annotations.json: 1 category has no instance: \"fashion\" "
	                     "(id 0); left out of AUC") != NULL, "%s", warning);
	free(warning);
	mc_coco_free(ds);
	json_decref(ann);
	json_decref(gt);
	tu_rmtree(r->dir);
	mc_demo_result_free(r);
}
END_TEST

static int stop_after(void *ctx, size_t done, size_t total, const char *what)
{
	(void)done;
	(void)total;
	(void)what;
	return ++*(int *)ctx > 3;
}

START_TEST(test_interrupt)
{
	mc_demo_opts o;
	mc_demo_result *r = (mc_demo_result *)1;
	mc_error err;
	char dir[4096], path[4200];
	int calls = 0;
	mc_progress p = { stop_after, &calls };

	small_opts(&o);
	tu_tmpfile(dir, sizeof dir, "demo-stop");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_demo_make(&r, dir, &o, &p, &err), MC_ERR_INTERRUPTED);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert_int_eq(calls, 4);
	snprintf(path, sizeof path, "%s/annotations.json", dir);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(df_temporaries(path, NULL), 0);
	tu_rmtree(dir);
}
END_TEST

typedef struct s_demo_job {
	const char *dir;
	mc_demo_opts o;
} s_demo_job;

static int s_demo(void *ctx, mc_error *err)
{
	s_demo_job *j = ctx;
	mc_demo_result *r = NULL;
	int rc = mc_demo_make(&r, j->dir, &j->o, NULL, err);

	mc_demo_result_free(r);
	return rc;
}

/* Issue 13: make_demo again with the same options (a second kernel) leaves
 * its files alone, so an export of them in the first kernel still finds the
 * file it loaded; killed in the middle, the previous annotations.json stays
 * whole, and the next run removes the dead writer's temporaries. */
START_TEST(test_rerun_and_kill)
{
	s_demo_job j;
	char dir[4096], png[4200];
	struct stat a1, a2, p1, p2;
	mc_error err;

	small_opts(&j.o);
	tu_tmpfile(dir, sizeof dir, "demo-rerun");
	j.dir = dir;
	mc_error_clear(&err);
	ck_assert_msg(s_demo(&j, &err) == 0, "%s", err.text);
	{
		char ann[4200];
		snprintf(ann, sizeof ann, "%s/annotations.json", dir);
		snprintf(png, sizeof png, "%s/images/000001.png", dir);
		ck_assert_int_eq(stat(ann, &a1), 0);
		ck_assert_int_eq(stat(png, &p1), 0);
		ck_assert_msg(s_demo(&j, &err) == 0, "%s", err.text);
		ck_assert_int_eq(stat(ann, &a2), 0);
		ck_assert_int_eq(stat(png, &p2), 0);
		ck_assert(a1.st_ino == a2.st_ino && a1.st_mtim.tv_nsec == a2.st_mtim.tv_nsec &&
		          a1.st_mtim.tv_sec == a2.st_mtim.tv_sec);
		ck_assert(p1.st_ino == p2.st_ino && p1.st_mtim.tv_nsec == p2.st_mtim.tv_nsec);
		j.o.seed = 8;
		df_check_killed(ann, s_demo, &j, 2048);
		ck_assert_int_eq(df_temporaries(png, NULL), 0);
	}
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_bad_options)
{
	mc_demo_opts o;
	mc_demo_result *r = NULL;
	mc_error err;
	char dir[4096];

	tu_tmpfile(dir, sizeof dir, "demo-bad");
	small_opts(&o);
	o.n_images = 0;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_demo_make(&r, dir, &o, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "make_demo: n_images is 0; expected 1..1000000");
	small_opts(&o);
	o.error_rate = 0.9;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_demo_make(&r, dir, &o, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "make_demo: error_rate is 0.9; expected 0..0.5");
	small_opts(&o);
	o.fmnist_dir = "/nonexistent";
	mc_error_clear(&err);
	ck_assert_int_eq(mc_demo_make(&r, dir, &o, NULL, &err), MC_ERR_IO);
	ck_assert_str_eq(err.text,
	                 "/nonexistent/t10k-images-idx3-ubyte.gz: cannot read: No such file or directory (install the Debian package dataset-fashion-mnist)");
	small_opts(&o);
	o.imbalance = 5;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_demo_make(&r, dir, &o, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "make_demo: imbalance is 5; expected 0..4");
	small_opts(&o);
	o.n_tiny = 1;
	o.tiny_size = 60;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_demo_make(&r, dir, &o, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "make_demo: tiny_size is 60; expected 1..59");
	small_opts(&o);
	o.copies = 0;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_demo_make(&r, dir, &o, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "make_demo: copies is 0; expected 1..8"));
	ck_assert_ptr_null(r);
	ck_assert_int_ne(access(dir, F_OK), 0);
}
END_TEST

static Suite *demo_suite(void)
{
	Suite *s = suite_create("demo");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_same_seed_same_bytes);
	tcase_add_test(tc, test_annotations_and_ground_truth);
	tcase_add_test(tc, test_pngs);
	tcase_add_test(tc, test_coco_loader_reads_it);
	tcase_add_test(tc, test_train_split);
	tcase_add_test(tc, test_interrupt);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_shapes_of_real_data);
	tcase_add_test(tc, test_rerun_and_kill);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

/* Writes the first n items of the t10k split as IDX files under dir. */
static int write_subset(const char *dir, size_t n)
{
	static const char *const kinds[2] = { "images-idx3-ubyte", "labels-idx1-ubyte" };
	char path[4200];
	int k;

	if (mkdir(dir, 0777) != 0)
		return -1;
	for (k = 0; k < 2; k++) {
		mc_idx *idx = NULL;
		mc_error err;
		unsigned char head[16];
		size_t per, hl = k == 0 ? 16 : 8;
		gzFile f;
		int ok;

		snprintf(path, sizeof path, "%s/t10k-%s.gz", MC_DEMO_FMNIST_DIR, kinds[k]);
		mc_error_clear(&err);
		if (mc_idx_load(&idx, path, &err) != 0) {
			fprintf(stderr, "%s\n", err.text);
			return -1;
		}
		per = idx->count / idx->dims[0];
		memset(head, 0, sizeof head);
		head[2] = 8;
		head[3] = (unsigned char)idx->ndim;
		head[6] = (unsigned char)(n >> 8);
		head[7] = (unsigned char)n;
		if (k == 0) {
			head[11] = 28;
			head[15] = 28;
		}
		snprintf(path, sizeof path, "%s/t10k-%s.gz", dir, kinds[k]);
		f = gzopen(path, "wb1");
		ok = f != NULL && gzwrite(f, head, (unsigned)hl) == (int)hl &&
		     gzwrite(f, idx->u8, (unsigned)(n * per)) == (int)(n * per);
		if (f != NULL && gzclose(f) != Z_OK)
			ok = 0;
		mc_idx_free(idx);
		if (!ok)
			return -1;
	}
	return 0;
}

int main(void)
{
	SRunner *sr = srunner_create(demo_suite());
	int failed;

	tu_scratch_path(s_fmnist, sizeof s_fmnist, "demo-fmnist");
	if (write_subset(s_fmnist, s_n_items) != 0) {
		fprintf(stderr, "check_demo: cannot write the Fashion-MNIST subset to %s "
		        "(is the Debian package dataset-fashion-mnist installed?)\n", s_fmnist);
		srunner_free(sr);
		return EXIT_FAILURE;
	}

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (nftw(s_fmnist, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		failed++;
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
