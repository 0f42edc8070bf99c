/* Tests of the instance views (render.h) on synthetic images, whose pixels
 * are known exactly, and on a real COCO image (tinycoco 37777: five small
 * oranges, a banana, chairs, a table). Every picture is written to
 * MC_BUILDDIR/tests/pictures/ for a person to look at. */
#include <check.h>
#include <fontconfig/fontconfig.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/image.h"
#include "maskclean/render.h"
#include "pictures.h"
#include "suite_run.h"

/* ---------- synthetic data ---------- */

/* A w x h RGB image of one colour. */
static mc_image *s_flat(int w, int h, uint8_t r, uint8_t g, uint8_t b)
{
	mc_image *img = NULL;
	mc_error err = { 0 };
	size_t i;

	ck_assert_int_eq(mc_image_new(&img, w, h, 3, &err), 0);
	for (i = 0; i < (size_t)w * (size_t)h; i++) {
		img->pixels[3 * i] = r;
		img->pixels[3 * i + 1] = g;
		img->pixels[3 * i + 2] = b;
	}
	return img;
}

/* A column-major mask of the rectangle [x0, x1) x [y0, y1). */
static uint8_t *s_rect_mask(int w, int h, int x0, int y0, int x1, int y1)
{
	uint8_t *m = calloc((size_t)w * (size_t)h, 1);
	int x, y;

	ck_assert_ptr_nonnull(m);
	for (x = x0; x < x1; x++)
		for (y = y0; y < y1; y++)
			m[(size_t)x * (size_t)h + (size_t)y] = 1;
	return m;
}

static uint32_t s_mix(uint32_t px, uint32_t c, double a)
{
	uint32_t out = 0;
	int k;

	for (k = 16; k >= 0; k -= 8)
		out |= (uint32_t)lround(((px >> k) & 0xff) * (1 - a) + ((c >> k) & 0xff) * a) << k;
	return out;
}

/* Views are laid out 10 px from the edge, 12 px apart (render.h). */
#define EDGE 10.0
#define GAP 12.0

START_TEST(test_views_pixels)
{
	mc_image *img = s_flat(100, 80, 128, 128, 128);
	uint8_t *mask = s_rect_mask(100, 80, 30, 20, 60, 50);
	mc_render_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *s;
	const uint32_t red = 0xe6194b;
	double a0, a1, a2, y0;
	size_t i, caps = 0;

	memset(&o, 0, sizeof o);
	o.panel = 200;   /* 100 x 80 shows at 200 x 160: 2 logical px per image px */
	ck_assert_int_eq(mc_render_views(&p, img, mask, &o, &err), 0);
	pic_save("views_synthetic.png", p);
	s = pic_decode(p);
	pic_assert_text_inside(p);
	ck_assert_int_eq(p->width, (int)(2 * EDGE + 3 * 200 + 2 * GAP));
	for (i = 0; i < p->n_text; i++)
		caps += p->text[i].kind == MC_TEXT_CAPTION;
	ck_assert_uint_eq(caps, 3);
	a0 = EDGE;
	a1 = EDGE + 200 + GAP;
	a2 = EDGE + 2 * (200 + GAP);
	y0 = EDGE;
	/* the unprocessed image is untouched, inside and outside the object */
	pic_assert_color(s, p->scale, a0 + 90, y0 + 70, 0x808080, 1);
	pic_assert_color(s, p->scale, a0 + 10, y0 + 150, 0x808080, 1);
	/* attention: the object as it is, everything else dimmed to 30% */
	pic_assert_color(s, p->scale, a1 + 90, y0 + 70, 0x808080, 1);
	pic_assert_color(s, p->scale, a1 + 10, y0 + 150, 0x262626, 2);
	pic_assert_color(s, p->scale, a1 + 58.5, y0 + 70, 0x262626, 2);
	/* overlay: the object tinted with its colour, a solid outline just
	 * outside it (object spans x 60..120, y 40..100 in the view), the rest as is */
	pic_assert_color(s, p->scale, a2 + 90, y0 + 70, s_mix(0x808080, red, 0.35), 2);
	pic_assert_color(s, p->scale, a2 + 59, y0 + 70, red, 1);
	pic_assert_color(s, p->scale, a2 + 121, y0 + 70, red, 1);
	pic_assert_color(s, p->scale, a2 + 90, y0 + 38.5, red, 1);
	pic_assert_color(s, p->scale, a2 + 124, y0 + 70, 0x808080, 1);
	pic_assert_color(s, p->scale, a2 + 10, y0 + 150, 0x808080, 1);
	cairo_surface_destroy(s);
	mc_png_free(p);
	free(mask);
	mc_image_free(img);
}
END_TEST

START_TEST(test_views_tiny_object_visible)
{
	/* one pixel in a 640 x 480 image that is shown shrunk to 280 x 210 */
	mc_image *img = s_flat(640, 480, 200, 200, 200);
	uint8_t *mask = s_rect_mask(640, 480, 333, 111, 334, 112);
	mc_render_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *s;

	memset(&o, 0, sizeof o);
	o.title = "a one-pixel object";
	o.color = 0x3cb44b;
	ck_assert_int_eq(mc_render_views(&p, img, mask, &o, &err), 0);
	pic_save("views_tiny_object.png", p);
	s = pic_decode(p);
	pic_assert_text_inside(p);
	/* outline ring (4x4 logical px at least) plus the circle around it */
	ck_assert_uint_gt(pic_count_color(s, 0x3cb44b, 8), 150);
	cairo_surface_destroy(s);
	mc_png_free(p);
	free(mask);
	mc_image_free(img);
}
END_TEST

START_TEST(test_views_rejects_bad_input)
{
	mc_image *img = s_flat(20, 10, 0, 0, 0);
	mc_rle *r = NULL;
	mc_png *p = (mc_png *)1;
	mc_error err = { 0 };
	uint8_t mask[100] = { 0 };
	mc_image bad = { 20, 10, 2, img->pixels };

	ck_assert_int_eq(mc_rle_encode(&r, mask, 10, 10, &err), 0);
	ck_assert_int_eq(mc_render_views_rle(&p, img, r, NULL, &err), MC_ERR_SHAPE);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.text, "views: mask is 10x10, image is 20x10");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_render_views(&p, &bad, mask, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "views: image has 2 channels, expected 1, 3 or 4");
	mc_rle_free(r);
	mc_image_free(img);
}
END_TEST

/* ---------- real COCO data ---------- */

typedef struct s_coco {
	mc_image *img;
	size_t n;
	int64_t ids[64];
	char labels[64][64];
	mc_rle *rle[64];
	uint8_t *mask[64];
} s_coco;

/* Image image_id of tinycoco train2017 and every annotation on it. */
static void s_coco_load(s_coco *c, int64_t image_id)
{
	const char *shared = getenv("MC_TEST_DATA");
	char path[4096];
	json_error_t jerr;
	json_t *root, *anns, *cats, *a;
	mc_error err = { 0 };
	size_t i, k;

	ck_assert_msg(shared != NULL && shared[0] != '\0',
	              "MC_TEST_DATA is not set: the render tests need tests/data "
	              "(run them through make check)");
	memset(c, 0, sizeof *c);
	snprintf(path, sizeof path, "%s/coco/tinycoco/images/train2017/%012lld.jpg", shared,
	         (long long)image_id);
	ck_assert_msg(mc_image_load(&c->img, path, &err) == 0, "%s", err.text);
	snprintf(path, sizeof path, "%s/coco/tinycoco/annotations/instances_train2017.json", shared);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
	anns = json_object_get(root, "annotations");
	cats = json_object_get(root, "categories");
	json_array_foreach(anns, i, a) {
		json_t *seg = json_object_get(a, "segmentation"), *part, *cat;
		const double *parts[16];
		double *buf[16];
		size_t lens[16], np = 0, j, q;
		if (json_integer_value(json_object_get(a, "image_id")) != image_id || !json_is_array(seg))
			continue;
		ck_assert_uint_lt(c->n, 64);
		json_array_foreach(seg, j, part) {
			ck_assert_uint_lt(np, 16);
			lens[np] = json_array_size(part);
			buf[np] = malloc(lens[np] * sizeof(double));
			for (q = 0; q < lens[np]; q++)
				buf[np][q] = json_number_value(json_array_get(part, q));
			parts[np] = buf[np];
			np++;
		}
		ck_assert_int_eq(mc_rle_from_polygons(&c->rle[c->n], parts, lens, np,
		                                      (uint32_t)c->img->height, (uint32_t)c->img->width,
		                                      NULL, &err), 0);
		for (j = 0; j < np; j++)
			free(buf[j]);
		c->mask[c->n] = malloc((size_t)c->img->width * (size_t)c->img->height);
		mc_rle_decode(c->rle[c->n], c->mask[c->n]);
		c->ids[c->n] = json_integer_value(json_object_get(a, "id"));
		json_array_foreach(cats, k, cat)
			if (json_integer_value(json_object_get(cat, "id")) ==
			    json_integer_value(json_object_get(a, "category_id")))
				snprintf(c->labels[c->n], 64, "%s", json_string_value(json_object_get(cat, "name")));
		c->n++;
	}
	json_decref(root);
	ck_assert_uint_gt(c->n, 0);
}

static void s_coco_free(s_coco *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		mc_rle_free(c->rle[i]);
		free(c->mask[i]);
	}
	mc_image_free(c->img);
}

static size_t s_find(const s_coco *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->ids[i] == id)
			return i;
	ck_abort_msg("annotation %lld is not on the image", (long long)id);
	return 0;
}

START_TEST(test_views_real_orange)
{
	s_coco c;
	mc_render_opts o;
	mc_png *p = NULL, *q = NULL;
	mc_error err = { 0 };
	cairo_surface_t *s;
	size_t k;

	s_coco_load(&c, 37777);
	k = s_find(&c, 1559169);   /* the smallest orange, 12 x 11 px */
	memset(&o, 0, sizeof o);
	o.title = "annotation 1559169 \xc2\xb7 orange \xc2\xb7 image 37777";
	o.color = 0;   /* the default, mc_render_color(0) */
	ck_assert_int_eq(mc_render_views_rle(&p, c.img, c.rle[k], &o, &err), 0);
	pic_save("views_orange_full.png", p);
	s = pic_decode(p);
	pic_assert_text_inside(p);
	ck_assert_uint_gt(pic_count_color(s, mc_render_color(0), 4), 100);
	cairo_surface_destroy(s);
	o.crop = 1;
	ck_assert_int_eq(mc_render_views(&q, c.img, c.mask[k], &o, &err), 0);
	pic_save("views_orange_crop.png", q);
	s = pic_decode(q);
	pic_assert_text_inside(q);
	/* zoomed in, the outline is longer than in the whole-image view */
	ck_assert_uint_gt(pic_count_color(s, mc_render_color(0), 4), 1000);
	cairo_surface_destroy(s);
	mc_png_free(p);
	mc_png_free(q);
	s_coco_free(&c);
}
END_TEST

START_TEST(test_overlay_all_instances)
{
	s_coco c;
	mc_render_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *s;
	const char *labels[64];
	size_t i, caps = 0;

	s_coco_load(&c, 37777);
	for (i = 0; i < c.n; i++)
		labels[i] = c.labels[i];
	memset(&o, 0, sizeof o);
	o.title = "image 37777: every instance";
	ck_assert_int_eq(mc_render_overlay(&p, c.img, (const uint8_t *const *)c.mask, c.n, NULL,
	                                   labels, &o, &err), 0);
	pic_save("overlay_37777.png", p);
	s = pic_decode(p);
	pic_assert_text_inside(p);
	for (i = 0; i < p->n_text; i++)
		caps += p->text[i].kind == MC_TEXT_CAPTION;
	/* crowded labels (five oranges on a plate) are left out, never stacked */
	pic_assert_no_overlap(p, MC_TEXT_CAPTION);
	ck_assert_uint_ge(caps, c.n / 2);
	ck_assert_uint_le(caps, c.n);
	/* each of the first colours shows up as an outline */
	for (i = 0; i < 6 && i < c.n; i++)
		ck_assert_msg(pic_count_color(s, mc_render_color(i), 3) > 20, "instance %zu (#%06x) not drawn",
		              i, mc_render_color(i));
	cairo_surface_destroy(s);
	mc_png_free(p);
	s_coco_free(&c);
}
END_TEST

START_TEST(test_grid_captions)
{
	s_coco c;
	mc_render_cell cells[64];
	mc_render_grid_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	cairo_surface_t *s;
	size_t i, caps = 0, calm;

	s_coco_load(&c, 37777);
	memset(cells, 0, sizeof cells);
	for (i = 0; i < c.n; i++) {
		cells[i].image = c.img;
		if (i % 2 == 0)
			cells[i].rle = c.rle[i];
		else
			cells[i].mask = c.mask[i];
		cells[i].id = c.ids[i];
		cells[i].label = c.labels[i];
		cells[i].importance = 0.5 / (double)(i + 1);
		cells[i].note = i == 2 ? "relabeled: apple" : NULL;
		/* the model agrees with the label */
		cells[i].suggest = c.labels[i];
		cells[i].suggest_p = 0.72;
	}
	memset(&o, 0, sizeof o);
	o.title = "Most important samples of image 37777";
	o.cols = 6;
	ck_assert_int_eq(mc_render_grid(&p, cells, c.n, &o, &err), 0);
	s = pic_decode(p);
	calm = pic_count_color(s, 0xc0392b, 8);
	cairo_surface_destroy(s);
	mc_png_free(p);
	/* the model suggests another class: its line turns red */
	for (i = 0; i < c.n; i++)
		cells[i].suggest = "apple";
	cells[1].score_name = "self_confidence";
	ck_assert_int_eq(mc_render_grid(&p, cells, c.n, &o, &err), 0);
	pic_save("grid_37777.png", p);
	/* shown as JPEG: the same pixels as the PNG, much smaller */
	{
		mc_image *a = NULL, *b = NULL;
		double diff = 0.0;
		size_t m;

		ck_assert_ptr_nonnull(p->jpeg);
		ck_assert_uint_lt(p->jpeg_len, p->len);
		ck_assert_int_eq(mc_image_decode(&a, p->data, p->len, "grid.png", &err), 0);
		ck_assert_int_eq(mc_image_decode(&b, p->jpeg, p->jpeg_len, "grid.jpg", &err), 0);
		ck_assert_int_eq(b->width, a->width);
		ck_assert_int_eq(b->height, a->height);
		ck_assert_int_eq(a->width, p->px_width);
		ck_assert_int_eq(b->channels, a->channels);
		m = (size_t)a->width * (size_t)a->height * (size_t)a->channels;
		for (size_t q = 0; q < m; q++)
			diff += fabs((double)a->pixels[q] - (double)b->pixels[q]);
		ck_assert_msg(diff / (double)m < 3.0, "mean error %g", diff / (double)m);
		mc_image_free(a);
		mc_image_free(b);
	}
	s = pic_decode(p);
	pic_assert_text_inside(p);
	pic_assert_no_overlap(p, MC_TEXT_CAPTION);
	for (i = 0; i < p->n_text; i++)
		caps += p->text[i].kind == MC_TEXT_CAPTION;
	/* "#id label", "model: apple 72%", "importance v" each, and the note */
	ck_assert_uint_eq(caps, 3 * c.n + 1);
	ck_assert_int_eq(p->width, (int)(2 * EDGE + 6 * (160 + GAP) - GAP));
	ck_assert_uint_gt(pic_count_color(s, mc_render_color(0), 3), 500);
	ck_assert_uint_gt(pic_count_color(s, 0xc0392b, 8), calm + 50 * c.n);
	cairo_surface_destroy(s);
	mc_png_free(p);
	s_coco_free(&c);
}
END_TEST

/* With a title, a cell's four caption lines still end above the next row's
 * pictures (the line height is the caption's, not the title's), also when
 * long labels bring the captions down to their smallest size. */
START_TEST(test_grid_title_keeps_captions_in_their_row)
{
	mc_image *img = s_flat(60, 40, 90, 140, 200);
	uint8_t *mask = s_rect_mask(60, 40, 10, 10, 30, 30);
	mc_render_cell cells[4];
	mc_render_grid_opts o;
	mc_png *p = NULL;
	mc_error err = { 0 };
	double row0 = INFINITY, row1 = INFINITY, row0_end = 0;
	size_t i;

	memset(cells, 0, sizeof cells);
	for (i = 0; i < 4; i++) {
		cells[i].image = img;
		cells[i].mask = mask;
		cells[i].id = (int64_t)i;
		cells[i].label = "a class name too long for a cell";
		cells[i].suggest = "apple";
		cells[i].suggest_p = 0.5;
		cells[i].importance = 0.25;
		cells[i].note = "relabeled: apple";
	}
	memset(&o, 0, sizeof o);
	o.title = "Most important samples";
	o.cols = 2;
	o.thumb = 100;
	ck_assert_int_eq(mc_render_grid(&p, cells, 4, &o, &err), 0);
	/* the first row's captions start at row0; the second row's, thumb + 4
	 * below its pictures, more than a thumb further down */
	for (i = 0; i < p->n_text; i++)
		if (p->text[i].kind == MC_TEXT_CAPTION)
			row0 = fmin(row0, p->text[i].y);
	for (i = 0; i < p->n_text; i++)
		if (p->text[i].kind == MC_TEXT_CAPTION && p->text[i].y > row0 + 100)
			row1 = fmin(row1, p->text[i].y);
	ck_assert(isfinite(row1));
	for (i = 0; i < p->n_text; i++)
		if (p->text[i].kind == MC_TEXT_CAPTION && p->text[i].y < row1 - 100)
			row0_end = fmax(row0_end, p->text[i].y + p->text[i].h);
	ck_assert_double_gt(row0_end, 0);
	ck_assert_double_le(row0_end, row1 - 4 - 100);
	mc_png_free(p);
	free(mask);
	mc_image_free(img);
}
END_TEST

START_TEST(test_grid_errors)
{
	mc_image *img = s_flat(8, 8, 0, 0, 0);
	mc_render_cell cells[2];
	mc_png *p = NULL;
	mc_error err = { 0 };
	uint8_t *mask = s_rect_mask(8, 8, 1, 1, 3, 3);
	mc_render_cell *many;
	size_t i;

	memset(cells, 0, sizeof cells);
	cells[0].image = img;
	cells[0].mask = mask;
	cells[1].image = img;
	ck_assert_int_eq(mc_render_grid(&p, cells, 2, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "grid: cell 1 has no mask");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_render_grid(&p, cells, 0, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "grid: no instances to show");
	mc_error_clear(&err);
	many = calloc(2000, sizeof *many);
	for (i = 0; i < 2000; i++) {
		many[i].image = img;
		many[i].mask = mask;
		many[i].importance = NAN;
		many[i].id = -1;
	}
	ck_assert_int_eq(mc_render_grid(&p, many, 2000, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err.text, "do not fit in one picture; show at most"));
	free(many);
	free(mask);
	mc_image_free(img);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_views_pixels);
	tcase_add_test(tc, test_views_tiny_object_visible);
	tcase_add_test(tc, test_views_rejects_bad_input);
	tcase_add_test(tc, test_views_real_orange);
	tcase_add_test(tc, test_overlay_all_instances);
	tcase_add_test(tc, test_grid_captions);
	tcase_add_test(tc, test_grid_title_keeps_captions_in_their_row);
	tcase_add_test(tc, test_grid_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int rc = mc_check_run(s_suite());

	mc_canvas_shutdown();
	FcFini();
	return rc;
}
