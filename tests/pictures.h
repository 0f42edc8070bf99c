/* Helpers for the picture tests (check_plot, check_render): save each
 * picture under MC_BUILDDIR/tests/pictures/ for a person to look at, decode
 * it again, and check its pixels and its text boxes. */
#ifndef MC_TESTS_PICTURES_H
#define MC_TESTS_PICTURES_H

#include <check.h>
#include <cairo.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "maskclean/canvas.h"

/* Writes p to MC_BUILDDIR/tests/pictures/name; fails the test when
 * MC_BUILDDIR is not set or the file cannot be written. */
static inline void pic_save(const char *name, const mc_png *p)
{
	const char *b = getenv("MC_BUILDDIR");
	char dir[4096], path[4200];
	FILE *f;

	ck_assert_msg(b != NULL && b[0] != '\0', "MC_BUILDDIR is not set (run through make check)");
	snprintf(dir, sizeof dir, "%s/tests", b);
	mkdir(dir, 0777);
	snprintf(dir, sizeof dir, "%s/tests/pictures", b);
	ck_assert_msg(mkdir(dir, 0777) == 0 || errno == EEXIST, "cannot create %s: %s", dir,
	              strerror(errno));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(p->data, 1, p->len, f), p->len);
	ck_assert_int_eq(fclose(f), 0);
}

typedef struct pic_reader {
	const unsigned char *data;
	size_t len, pos;
} pic_reader;

static inline cairo_status_t pic_read(void *closure, unsigned char *data, unsigned int length)
{
	pic_reader *r = closure;

	if (r->len - r->pos < length)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->data + r->pos, length);
	r->pos += length;
	return CAIRO_STATUS_SUCCESS;
}

/* Decodes p's PNG, checks its signature and that its size is the logical
 * size times the scale. Caller destroys the surface. */
static inline cairo_surface_t *pic_decode(const mc_png *p)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	pic_reader r = { p->data, p->len, 0 };
	cairo_surface_t *s;

	ck_assert_uint_gt(p->len, 8);
	ck_assert_int_eq(memcmp(p->data, sig, 8), 0);
	s = cairo_image_surface_create_from_png_stream(pic_read, &r);
	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	ck_assert_int_eq(cairo_image_surface_get_width(s), p->px_width);
	ck_assert_int_eq(cairo_image_surface_get_height(s), p->px_height);
	ck_assert_int_eq(p->px_width, (int)(p->width * p->scale + 0.999));
	ck_assert_int_eq(p->px_height, (int)(p->height * p->scale + 0.999));
	ck_assert_int_gt(p->width, 0);
	ck_assert_int_gt(p->height, 0);
	return s;
}

/* The 0xRRGGBB colour of device pixel (px, py), which must be inside s.
 * (No ck_assert here: in fork mode each one is a write to a pipe, and this
 * runs for every pixel.) */
static inline uint32_t pic_device_pixel(cairo_surface_t *s, int px, int py)
{
	unsigned char *d = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);

	return *(uint32_t *)(d + (size_t)py * (size_t)stride + (size_t)px * 4) & 0xffffff;
}

/* The colour at logical point (x, y) of a picture at scale. */
static inline uint32_t pic_pixel(cairo_surface_t *s, double scale, double x, double y)
{
	int px = (int)(x * scale), py = (int)(y * scale);

	ck_assert_msg(px >= 0 && py >= 0 && px < cairo_image_surface_get_width(s) &&
	              py < cairo_image_surface_get_height(s),
	              "point (%.1f, %.1f) is outside the picture", x, y);
	cairo_surface_flush(s);
	return pic_device_pixel(s, px, py);
}

static inline int pic_diff(uint32_t a, uint32_t b)
{
	int d = 0, k;

	for (k = 0; k < 24; k += 8) {
		int x = (int)((a >> k) & 0xff) - (int)((b >> k) & 0xff);
		if (x < 0)
			x = -x;
		if (x > d)
			d = x;
	}
	return d;
}

/* Largest channel difference between the pixel at (x, y) and rgb. */
static inline unsigned pic_distance(cairo_surface_t *s, double scale, double x, double y,
                                    uint32_t rgb)
{
	return (unsigned)pic_diff(pic_pixel(s, scale, x, y), rgb);
}

#define pic_assert_color(s, scale, x, y, rgb, tol) do { \
	uint32_t pic_got_ = pic_pixel((s), (scale), (x), (y)); \
	ck_assert_msg(pic_diff(pic_got_, (rgb)) <= (tol), \
	              "pixel at (%.1f, %.1f) is #%06x, expected #%06x (+-%d)", \
	              (double)(x), (double)(y), (unsigned)pic_got_, (unsigned)(rgb), (int)(tol)); \
} while (0)

/* Number of pixels within tol (per channel) of rgb. */
static inline size_t pic_count_color(cairo_surface_t *s, uint32_t rgb, int tol)
{
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s), x, y;
	size_t n = 0;

	cairo_surface_flush(s);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			if (pic_diff(pic_device_pixel(s, x, y), rgb) <= tol)
				n++;
	return n;
}

/* Every recorded text box lies inside the picture. */
static inline void pic_assert_text_inside(const mc_png *p)
{
	size_t i;

	ck_assert_uint_gt(p->n_text, 0);
	for (i = 0; i < p->n_text; i++) {
		const mc_text_box *b = &p->text[i];
		ck_assert_msg(b->x >= -0.01 && b->y >= -0.01 && b->x + b->w <= p->width + 0.01 &&
		              b->y + b->h <= p->height + 0.01,
		              "text %zu (kind %d) at (%.1f, %.1f) %.1fx%.1f leaves the %dx%d picture", i,
		              (int)b->kind, b->x, b->y, b->w, b->h, p->width, p->height);
	}
}

/* No two text boxes of kind overlap (by more than a quarter pixel). */
static inline void pic_assert_no_overlap(const mc_png *p, mc_text_kind kind)
{
	size_t i, j;
	const double e = 0.25;

	for (i = 0; i < p->n_text; i++) {
		const mc_text_box *a = &p->text[i];
		if (a->kind != kind)
			continue;
		for (j = i + 1; j < p->n_text; j++) {
			const mc_text_box *b = &p->text[j];
			if (b->kind != kind)
				continue;
			ck_assert_msg(!(a->x + e < b->x + b->w - e && b->x + e < a->x + a->w - e &&
			                a->y + e < b->y + b->h - e && b->y + e < a->y + a->h - e),
			              "labels %zu and %zu (kind %d) overlap: (%.1f,%.1f %.1fx%.1f) and "
			              "(%.1f,%.1f %.1fx%.1f)", i, j, (int)kind, a->x, a->y, a->w, a->h, b->x,
			              b->y, b->w, b->h);
		}
	}
}

#endif
