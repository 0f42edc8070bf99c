/* This module implements the Cairo drawing canvas (canvas.h): a white
 * surface at a device scale, text with recorded boxes, auto-sizing by a
 * measuring pass, and PNG encoding in memory. */
#include "maskclean/canvas.h"
#include "maskclean/buf.h"
#include "maskclean/image.h"

#include <cairo.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define S_FONT "DejaVu Sans"
#define S_MAX_DEVICE_PX 16384

struct mc_canvas {
	cairo_surface_t *surface;
	cairo_t *cr;
	int width, height;       /* logical; 0 for a measuring canvas */
	double scale;
	int measure;
	double ox, oy;           /* shift added to every drawing coordinate */
	int has_extent;
	double x0, y0, x1, y1;   /* measured extent, unshifted */
	mc_text_box *text;
	size_t n_text, cap_text;
	int nomem;
};

static void s_font_setup(cairo_t *cr)
{
	cairo_font_options_t *fo = cairo_font_options_create();

	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
}

/* The two faces, made on first use and kept until mc_canvas_shutdown, which
 * also runs at exit: it hands fontconfig's memory back (FcFini, looked up at
 * run time as libcairo already loaded it), because fontconfig stores its
 * pointers as offsets and leak checkers would report every pattern. */
static cairo_font_face_t *s_faces[2];
static pthread_mutex_t s_faces_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_atexit_set;

static void s_font(cairo_t *cr, double size, int bold)
{
	pthread_mutex_lock(&s_faces_lock);
	if (s_faces[0] == NULL) {
		s_faces[0] = cairo_toy_font_face_create(S_FONT, CAIRO_FONT_SLANT_NORMAL,
		                                        CAIRO_FONT_WEIGHT_NORMAL);
		s_faces[1] = cairo_toy_font_face_create(S_FONT, CAIRO_FONT_SLANT_NORMAL,
		                                        CAIRO_FONT_WEIGHT_BOLD);
		if (!s_atexit_set && atexit(mc_canvas_shutdown) == 0)
			s_atexit_set = 1;
	}
	cairo_set_font_face(cr, s_faces[bold ? 1 : 0]);
	pthread_mutex_unlock(&s_faces_lock);
	cairo_set_font_size(cr, size);
}

static void s_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
	                     (rgb & 0xff) / 255.0);
}

static int s_cairo_fail(mc_error *err, cairo_status_t st, const char *what)
{
	if (st == CAIRO_STATUS_NO_MEMORY)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", what);
	return mc_error_set(err, MC_ERR_INVALID, "%s: cairo: %s", what, cairo_status_to_string(st));
}

static int s_canvas_alloc(mc_canvas **out, int width, int height, double scale, int measure,
                          mc_error *err)
{
	mc_canvas *c;
	int pw, ph;

	*out = NULL;
	if (scale <= 0)
		scale = 2;
	pw = measure ? 1 : (int)ceil(width * scale);
	ph = measure ? 1 : (int)ceil(height * scale);
	if (!measure && (width < 1 || height < 1 || pw > S_MAX_DEVICE_PX || ph > S_MAX_DEVICE_PX))
		return mc_error_set(err, MC_ERR_INVALID,
		                    "canvas: size %dx%d at scale %g is outside 1..%d device pixels",
		                    width, height, scale, S_MAX_DEVICE_PX);
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "canvas: out of memory");
	c->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
	c->cr = cairo_create(c->surface);
	if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
		int rc = s_cairo_fail(err, cairo_status(c->cr), "canvas");
		mc_canvas_free(c);
		return rc;
	}
	c->measure = measure;
	c->width = measure ? 0 : width;
	c->height = measure ? 0 : height;
	c->scale = scale;
	s_font_setup(c->cr);
	if (!measure) {
		cairo_set_source_rgb(c->cr, 1, 1, 1);
		cairo_paint(c->cr);
		cairo_scale(c->cr, scale, scale);
	}
	*out = c;
	return MC_OK;
}

int mc_canvas_new(mc_canvas **out, int width, int height, double scale, mc_error *err)
{
	return s_canvas_alloc(out, width, height, scale, 0, err);
}

int mc_canvas_new_measure(mc_canvas **out, mc_error *err)
{
	return s_canvas_alloc(out, 0, 0, 1, 1, err);
}

int mc_canvas_new_fit(mc_canvas **out, const mc_canvas *measure, double pad, double scale,
                      mc_error *err)
{
	double x0 = 0, y0 = 0, x1 = 1, y1 = 1;
	int rc;

	*out = NULL;
	if (measure->has_extent) {
		x0 = measure->x0;
		y0 = measure->y0;
		x1 = measure->x1;
		y1 = measure->y1;
	}
	x0 = floor(x0 - pad);
	y0 = floor(y0 - pad);
	rc = s_canvas_alloc(out, (int)ceil(x1 + pad - x0), (int)ceil(y1 + pad - y0), scale, 0, err);
	if (rc != MC_OK)
		return rc;
	(*out)->ox = -x0;
	(*out)->oy = -y0;
	cairo_translate((*out)->cr, -x0, -y0);
	return MC_OK;
}

void mc_canvas_free(mc_canvas *c)
{
	if (c == NULL)
		return;
	if (c->cr != NULL)
		cairo_destroy(c->cr);
	if (c->surface != NULL)
		cairo_surface_destroy(c->surface);
	free(c->text);
	free(c);
}

cairo_t *mc_canvas_cairo(mc_canvas *c)
{
	return c->cr;
}

int mc_canvas_width(const mc_canvas *c)
{
	return c->width;
}

void mc_canvas_offset(const mc_canvas *c, double *ox, double *oy)
{
	*ox = c->ox;
	*oy = c->oy;
}

void mc_canvas_extend(mc_canvas *c, double x0, double y0, double x1, double y1)
{
	if (x0 > x1) {
		double t = x0;
		x0 = x1;
		x1 = t;
	}
	if (y0 > y1) {
		double t = y0;
		y0 = y1;
		y1 = t;
	}
	if (!c->has_extent) {
		c->x0 = x0;
		c->y0 = y0;
		c->x1 = x1;
		c->y1 = y1;
		c->has_extent = 1;
		return;
	}
	c->x0 = fmin(c->x0, x0);
	c->y0 = fmin(c->y0, y0);
	c->x1 = fmax(c->x1, x1);
	c->y1 = fmax(c->y1, y1);
}

void mc_canvas_rect(mc_canvas *c, double x, double y, double w, double h, uint32_t rgb)
{
	mc_canvas_extend(c, x, y, x + w, y + h);
	if (c->measure)
		return;
	s_rgb(c->cr, rgb);
	cairo_rectangle(c->cr, x, y, w, h);
	cairo_fill(c->cr);
}

void mc_canvas_line(mc_canvas *c, double x0, double y0, double x1, double y1, double width,
                    uint32_t rgb)
{
	mc_canvas_extend(c, x0 - width / 2, y0 - width / 2, x1 + width / 2, y1 + width / 2);
	if (c->measure)
		return;
	s_rgb(c->cr, rgb);
	cairo_set_line_width(c->cr, width);
	cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_BUTT);
	cairo_move_to(c->cr, x0, y0);
	cairo_line_to(c->cr, x1, y1);
	cairo_stroke(c->cr);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t s_utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/* A copy of s with each invalid UTF-8 byte replaced by '?'. Caller frees. */
static char *s_utf8_clean(const char *s)
{
	size_t n = strlen(s), i = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, s, n + 1);
	while (i < n) {
		size_t k = s_utf8_len((const unsigned char *)out + i);
		if (k == 0) {
			out[i] = '?';
			k = 1;
		}
		i += k;
	}
	return out;
}

static void s_record(mc_canvas *c, mc_text_box b)
{
	if (c->n_text == c->cap_text) {
		size_t cap = c->cap_text ? c->cap_text * 2 : 64;
		mc_text_box *t = realloc(c->text, cap * sizeof *t);
		if (t == NULL) {
			c->nomem = 1;
			return;
		}
		c->text = t;
		c->cap_text = cap;
	}
	c->text[c->n_text++] = b;
}

/* Measures s (clean UTF-8) in the font currently set on cr. */
static void s_measure(cairo_t *cr, const char *s, double *w, double *ascent, double *descent)
{
	cairo_text_extents_t te;
	cairo_font_extents_t fe;

	cairo_text_extents(cr, s, &te);
	cairo_font_extents(cr, &fe);
	*w = te.x_advance;
	*ascent = fe.ascent;
	*descent = fe.descent;
}

mc_text_box mc_canvas_text(mc_canvas *c, double x, double y, const char *s, double size,
                           int bold, double angle, mc_halign ha, mc_valign va, uint32_t rgb,
                           mc_text_kind kind)
{
	mc_text_box box = { x, y, 0, 0, kind };
	char *clean = s_utf8_clean(s != NULL ? s : "");
	double w, asc, desc, lx, by, th, cs, sn, bx0, by0, bx1, by1;
	int i;

	if (clean == NULL) {
		c->nomem = 1;
		return box;
	}
	s_font(c->cr, size, bold);
	s_measure(c->cr, clean, &w, &asc, &desc);
	lx = ha == MC_LEFT ? 0 : ha == MC_CENTER ? -w / 2 : -w;
	by = va == MC_TOP ? asc : va == MC_MIDDLE ? (asc - desc) / 2 : va == MC_BASELINE ? 0 : -desc;
	th = -angle * M_PI / 180;
	cs = cos(th);
	sn = sin(th);
	bx0 = by0 = INFINITY;
	bx1 = by1 = -INFINITY;
	for (i = 0; i < 4; i++) {
		double fx = (i & 1) ? lx + w : lx;
		double fy = (i & 2) ? by + desc : by - asc;
		double px = x + fx * cs - fy * sn;
		double py = y + fx * sn + fy * cs;
		bx0 = fmin(bx0, px);
		by0 = fmin(by0, py);
		bx1 = fmax(bx1, px);
		by1 = fmax(by1, py);
	}
	mc_canvas_extend(c, bx0, by0, bx1, by1);
	box.x = bx0 + c->ox;
	box.y = by0 + c->oy;
	box.w = bx1 - bx0;
	box.h = by1 - by0;
	s_record(c, box);
	if (!c->measure) {
		cairo_save(c->cr);
		s_rgb(c->cr, rgb);
		cairo_translate(c->cr, x, y);
		cairo_rotate(c->cr, th);
		cairo_move_to(c->cr, lx, by);
		cairo_show_text(c->cr, clean);
		cairo_new_path(c->cr);
		cairo_restore(c->cr);
	}
	free(clean);
	return box;
}

void mc_text_measure(const char *s, double size, int bold, double *w, double *h)
{
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(surf);
	char *clean = s_utf8_clean(s != NULL ? s : "");
	double asc = 0, desc = 0;

	*w = 0;
	s_font_setup(cr);
	s_font(cr, size, bold);
	if (clean != NULL)
		s_measure(cr, clean, w, &asc, &desc);
	*h = asc + desc;
	free(clean);
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
}

char *mc_text_fit(const char *s, double size, int bold, double max_w)
{
	char *clean = s_utf8_clean(s != NULL ? s : ""), *buf;
	size_t n, cut;
	double w, h;

	if (clean == NULL)
		return NULL;
	mc_text_measure(clean, size, bold, &w, &h);
	n = strlen(clean);
	if (w <= max_w || n == 0)
		return clean;
	buf = malloc(n + 4);
	if (buf == NULL) {
		free(clean);
		return NULL;
	}
	cut = n;
	do {
		size_t k;
		/* drop the last code point of clean[0, cut) */
		do
			cut--;
		while (cut > 0 && ((unsigned char)clean[cut] & 0xc0) == 0x80);
		k = cut;
		memcpy(buf, clean, k);
		while (k > 0 && buf[k - 1] == ' ')
			k--;
		memcpy(buf + k, "\xe2\x80\xa6", 4);
		mc_text_measure(buf, size, bold, &w, &h);
	} while (w > max_w && cut > 0);
	free(clean);
	return buf;
}

static cairo_status_t s_png_write(void *closure, const unsigned char *data, unsigned int length)
{
	return mc_buf_put(closure, data, length) == 0 ? CAIRO_STATUS_SUCCESS
	                                              : CAIRO_STATUS_NO_MEMORY;
}

/* surface (ARGB32) as a PNG file in memory. Caller owns *data (free()). */
static int s_encode_png(unsigned char **data, size_t *len, cairo_surface_t *surface,
                        mc_error *err)
{
	mc_buf b = { 0 };
	cairo_status_t st;

	*data = NULL;
	*len = 0;
	cairo_surface_flush(surface);
	st = cairo_surface_write_to_png_stream(surface, s_png_write, &b);
	if (st != CAIRO_STATUS_SUCCESS) {
		free(b.data);
		return s_cairo_fail(err, st, "PNG encoding");
	}
	*data = b.data;
	*len = b.len;
	return MC_OK;
}

int mc_canvas_png(mc_png **out, mc_canvas *c, mc_error *err)
{
	mc_png *p;
	int rc;

	*out = NULL;
	if (c->measure)
		return mc_error_set(err, MC_ERR_STATE, "canvas: a measuring canvas has no picture");
	if (c->nomem)
		return mc_error_set(err, MC_ERR_NOMEM, "canvas: out of memory while drawing");
	if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS)
		return s_cairo_fail(err, cairo_status(c->cr), "drawing");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "canvas: out of memory");
	rc = s_encode_png(&p->data, &p->len, c->surface, err);
	if (rc != MC_OK) {
		mc_png_free(p);
		return rc;
	}
	if (c->n_text > 0) {
		p->text = malloc(c->n_text * sizeof *p->text);
		if (p->text == NULL) {
			mc_png_free(p);
			return mc_error_set(err, MC_ERR_NOMEM, "canvas: out of memory");
		}
		memcpy(p->text, c->text, c->n_text * sizeof *p->text);
		p->n_text = c->n_text;
	}
	p->width = c->width;
	p->height = c->height;
	p->px_width = cairo_image_surface_get_width(c->surface);
	p->px_height = cairo_image_surface_get_height(c->surface);
	p->scale = c->scale;
	*out = p;
	return MC_OK;
}

/* JPEG quality of mc_canvas_photo: captions stay crisp at 4:4:4. */
#define S_PHOTO_QUALITY 90

int mc_canvas_photo(mc_png **out, mc_canvas *c, mc_error *err)
{
	mc_png *p = NULL;
	unsigned char *rgb = NULL;
	const unsigned char *src;
	int rc, w, h, stride;

	rc = mc_canvas_png(&p, c, err);
	if (rc != MC_OK)
		return rc;
	w = p->px_width;
	h = p->px_height;
	stride = cairo_image_surface_get_stride(c->surface);
	src = cairo_image_surface_get_data(c->surface);
	rgb = malloc((size_t)w * (size_t)h * 3);
	if (rgb == NULL || src == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "canvas: out of memory");
		goto cleanup;
	}
	/* ARGB32, premultiplied, native-endian words: composited over white */
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(src + (size_t)y * (size_t)stride);
		unsigned char *o = rgb + (size_t)y * (size_t)w * 3;
		for (int x = 0; x < w; x++) {
			uint32_t v = row[x];
			unsigned white = 255u - (v >> 24);
			o[3 * x] = (unsigned char)(((v >> 16) & 0xFF) + white);
			o[3 * x + 1] = (unsigned char)(((v >> 8) & 0xFF) + white);
			o[3 * x + 2] = (unsigned char)((v & 0xFF) + white);
		}
	}
	rc = mc_jpeg_encode(&p->jpeg, &p->jpeg_len, rgb, w, h, 3, S_PHOTO_QUALITY, err);
cleanup:
	free(rgb);
	if (rc != MC_OK) {
		mc_png_free(p);
		p = NULL;
	}
	*out = p;
	return rc;
}

void mc_canvas_shutdown(void)
{
	void (*fc_fini)(void);
	int i, live;

	pthread_mutex_lock(&s_faces_lock);
	live = s_faces[0] != NULL;
	for (i = 0; i < 2; i++) {
		if (s_faces[i] != NULL)
			cairo_font_face_destroy(s_faces[i]);
		s_faces[i] = NULL;
	}
	if (live) {
		cairo_debug_reset_static_data();
		*(void **)&fc_fini = dlsym(RTLD_DEFAULT, "FcFini");
		if (fc_fini != NULL)
			fc_fini();
	}
	pthread_mutex_unlock(&s_faces_lock);
}
