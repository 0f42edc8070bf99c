/* This module implements the instance views of render.h: image, attention
 * and overlay panels, multi-instance overlays and the captioned grid. */
#include "maskclean/render.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/canvas.h"

/* Sasha Trubetskoy's distinct colours, the most separable first */
static const uint32_t s_palette[12] = {
	0xe6194b, 0x3cb44b, 0x4363d8, 0xf58231, 0x911eb4, 0x42d4f4,
	0xf032e6, 0xbfef45, 0xffe119, 0x469990, 0x9a6324, 0x800000
};

#define S_INK 0x262626
#define S_MUTED 0x595959
#define S_ALERT 0xc0392b
#define S_FRAME 0xbfbfbf
#define S_PAD 10.0
#define S_OUTLINE 2.0     /* logical px */
#define S_SMALL 12.0      /* objects smaller than this on screen get a circle */

uint32_t mc_render_color(size_t i)
{
	return s_palette[i % 12];
}

/* ---------- inputs ---------- */

static int s_check_image(const mc_image *img, const char *what, mc_error *err)
{
	if (img == NULL || img->pixels == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "%s: no image", what);
	if (img->width <= 0 || img->height <= 0 || img->width > 65535 || img->height > 65535)
		return mc_error_set(err, MC_ERR_INVALID, "%s: image is %dx%d, expected 1..65535 per side",
		                    what, img->width, img->height);
	if (img->channels != 1 && img->channels != 3 && img->channels != 4)
		return mc_error_set(err, MC_ERR_INVALID, "%s: image has %d channels, expected 1, 3 or 4",
		                    what, img->channels);
	return MC_OK;
}

/* The mask of an RLE, decoded, after checking its size against img. */
static int s_decode_rle(uint8_t **out, const mc_rle *r, const mc_image *img, const char *what,
                        mc_error *err)
{
	*out = NULL;
	if (r->w != (uint32_t)img->width || r->h != (uint32_t)img->height)
		return mc_error_set(err, MC_ERR_SHAPE, "%s: mask is %ux%u, image is %dx%d", what, r->w,
		                    r->h, img->width, img->height);
	*out = malloc((size_t)r->w * r->h + 1);
	if (*out == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", what);
	mc_rle_decode(r, *out);
	return MC_OK;
}

/* The object's box {x0, y0, x1, y1} (exclusive ends); 0 if the mask is empty. */
static int s_mask_box(const uint8_t *mask, int w, int h, int box[4])
{
	int x, y, found = 0;

	box[0] = w;
	box[1] = h;
	box[2] = box[3] = 0;
	for (x = 0; x < w; x++) {
		const uint8_t *col = mask + (size_t)x * (size_t)h;
		for (y = 0; y < h; y++) {
			if (!col[y])
				continue;
			found = 1;
			if (x < box[0]) box[0] = x;
			if (x + 1 > box[2]) box[2] = x + 1;
			if (y < box[1]) box[1] = y;
			if (y + 1 > box[3]) box[3] = y + 1;
		}
	}
	if (!found)
		box[0] = box[1] = 0;
	return found;
}

/* A source region: the whole image, or the box grown by context (a
 * fraction of its larger side, at least min_px) and clipped. */
typedef struct s_region {
	double x, y, w, h;
} s_region;

static s_region s_region_for(const mc_image *img, const int box[4], int has_box, double context,
                             double min_px, int square)
{
	s_region r = { 0, 0, img->width, img->height };
	double bw, bh, m, cx, cy, x0, y0, x1, y1;

	if (!has_box || context < 0)
		return r;
	bw = box[2] - box[0];
	bh = box[3] - box[1];
	m = fmax(fmax(bw, bh) * context, min_px);
	x0 = box[0] - m;
	y0 = box[1] - m;
	x1 = box[2] + m;
	y1 = box[3] + m;
	if (square) {
		double s = fmax(x1 - x0, y1 - y0);
		cx = (x0 + x1) / 2;
		cy = (y0 + y1) / 2;
		x0 = cx - s / 2;
		x1 = cx + s / 2;
		y0 = cy - s / 2;
		y1 = cy + s / 2;
	}
	/* shift into the image before clipping, so the object stays centred if it can */
	if (x0 < 0) { x1 -= x0; x0 = 0; }
	if (y0 < 0) { y1 -= y0; y0 = 0; }
	if (x1 > img->width) { x0 -= x1 - img->width; x1 = img->width; }
	if (y1 > img->height) { y0 -= y1 - img->height; y1 = img->height; }
	r.x = floor(fmax(0, x0));
	r.y = floor(fmax(0, y0));
	r.w = ceil(fmin(img->width, x1)) - r.x;
	r.h = ceil(fmin(img->height, y1)) - r.y;
	return r;
}

/* img as an opaque Cairo surface. Caller destroys it. */
static int s_image_surface(cairo_surface_t **out, const mc_image *img, mc_error *err)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
	unsigned char *d;
	int stride, x, y, ch = img->channels;

	*out = NULL;
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return mc_error_set(err, MC_ERR_NOMEM, "image %dx%d: out of memory", img->width,
		                    img->height);
	}
	cairo_surface_flush(s);
	d = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	for (y = 0; y < img->height; y++) {
		uint32_t *row = (uint32_t *)(d + (size_t)y * (size_t)stride);
		const uint8_t *p = img->pixels + (size_t)y * (size_t)img->width * (size_t)ch;
		for (x = 0; x < img->width; x++, p += ch) {
			uint32_t r = p[0], g = ch >= 3 ? p[1] : p[0], b = ch >= 3 ? p[2] : p[0];
			row[x] = 0xff000000u | r << 16 | g << 8 | b;
		}
	}
	cairo_surface_mark_dirty(s);
	*out = s;
	return MC_OK;
}

/* ---------- panels ---------- */

typedef enum s_effect { S_PLAIN, S_ATTENTION, S_OVERLAY } s_effect;

typedef struct s_panel {
	const mc_image *img;
	cairo_surface_t *src;        /* img as a surface */
	s_region region;             /* what part of img */
	double x, y, w, h;           /* where, logical px (integers) */
	s_effect effect;
	const uint8_t *const *masks; /* n masks, column-major img size */
	const uint32_t *colors;      /* n colours */
	size_t n;
	double dim, alpha;
	int outline;                 /* draw the outline in attention views too */
} s_panel;

/* dst[i] = 1 where any of src within r pixels (square) is set, w x h row-major. */
static void s_dilate(uint8_t *dst, const uint8_t *src, uint8_t *tmp, int w, int h, int r)
{
	int x, y;

	for (y = 0; y < h; y++) {
		const uint8_t *s = src + (size_t)y * (size_t)w;
		uint8_t *t = tmp + (size_t)y * (size_t)w;
		int count = 0;
		for (x = 0; x < r && x < w; x++)
			count += s[x] != 0;
		for (x = 0; x < w; x++) {
			if (x + r < w)
				count += s[x + r] != 0;
			if (x - r - 1 >= 0)
				count -= s[x - r - 1] != 0;
			t[x] = count > 0;
		}
	}
	for (x = 0; x < w; x++) {
		int count = 0;
		for (y = 0; y < r && y < h; y++)
			count += tmp[(size_t)y * (size_t)w + (size_t)x] != 0;
		for (y = 0; y < h; y++) {
			if (y + r < h)
				count += tmp[(size_t)(y + r) * (size_t)w + (size_t)x] != 0;
			if (y - r - 1 >= 0)
				count -= tmp[(size_t)(y - r - 1) * (size_t)w + (size_t)x] != 0;
			dst[(size_t)y * (size_t)w + (size_t)x] = count > 0;
		}
	}
}

/* The mask resampled to the panel's dw x dh device pixels, row-major: a
 * device pixel is inside when any source pixel under it is, so small
 * objects never vanish when the image is shrunk. */
static void s_device_mask(uint8_t *dm, const uint8_t *mask, const mc_image *img, s_region rg,
                          int dw, int dh)
{
	int i, j, H = img->height;

	for (i = 0; i < dw; i++) {
		double sx0 = rg.x + (double)i * rg.w / dw, sx1 = rg.x + (double)(i + 1) * rg.w / dw;
		int x0 = (int)floor(sx0), x1 = (int)ceil(sx1 - 1e-9);
		if (x1 <= x0)
			x1 = x0 + 1;
		if (x0 < 0)
			x0 = 0;
		if (x1 > img->width)
			x1 = img->width;
		for (j = 0; j < dh; j++) {
			double sy0 = rg.y + (double)j * rg.h / dh, sy1 = rg.y + (double)(j + 1) * rg.h / dh;
			int y0 = (int)floor(sy0), y1 = (int)ceil(sy1 - 1e-9), x, y, in = 0;
			if (y1 <= y0)
				y1 = y0 + 1;
			if (y0 < 0)
				y0 = 0;
			if (y1 > H)
				y1 = H;
			for (x = x0; x < x1 && !in; x++)
				for (y = y0; y < y1; y++)
					if (mask[(size_t)x * (size_t)H + (size_t)y]) {
						in = 1;
						break;
					}
			dm[(size_t)j * (size_t)dw + (size_t)i] = (uint8_t)in;
		}
	}
}

static uint32_t s_blend(uint32_t px, uint32_t rgb, double a)
{
	uint32_t out = 0xff000000u;
	int k;

	for (k = 16; k >= 0; k -= 8) {
		double p = (px >> k) & 0xff, c = (rgb >> k) & 0xff;
		out |= (uint32_t)lround(p * (1 - a) + c * a) << k;
	}
	return out;
}

static uint32_t s_scale_px(uint32_t px, double f)
{
	uint32_t out = 0xff000000u;
	int k;

	for (k = 16; k >= 0; k -= 8)
		out |= (uint32_t)lround(((px >> k) & 0xff) * f) << k;
	return out;
}

/* Draws one panel onto c; also rings objects too small to see. */
static int s_panel_draw(mc_canvas *c, const s_panel *p, mc_error *err)
{
	cairo_t *cr = mc_canvas_cairo(c);
	double dx = p->x, dy = p->y, dx1 = p->x + p->w, dy1 = p->y + p->h, sc;
	cairo_surface_t *ps = NULL;
	cairo_t *pc;
	cairo_pattern_t *pat;
	uint8_t *dm = NULL, *dil = NULL, *tmp = NULL, *any = NULL;
	int dw, dh, stride, i, rc = MC_OK;
	size_t k, npx;
	unsigned char *data;

	cairo_user_to_device(cr, &dx, &dy);
	cairo_user_to_device(cr, &dx1, &dy1);
	dx = round(dx);
	dy = round(dy);
	dw = (int)round(dx1) - (int)dx;
	dh = (int)round(dy1) - (int)dy;
	if (dw < 1 || dh < 1)
		return MC_OK;
	sc = (dx1 - dx) / p->w;
	npx = (size_t)dw * (size_t)dh;
	ps = cairo_image_surface_create(CAIRO_FORMAT_RGB24, dw, dh);
	pc = cairo_create(ps);
	cairo_scale(pc, dw / p->region.w, dh / p->region.h);
	cairo_translate(pc, -p->region.x, -p->region.y);
	cairo_set_source_surface(pc, p->src, 0, 0);
	pat = cairo_get_source(pc);
	cairo_pattern_set_filter(pat, CAIRO_FILTER_GOOD);
	cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
	cairo_paint(pc);
	if (cairo_status(pc) != CAIRO_STATUS_SUCCESS) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "render: out of memory for a %dx%d view", dw, dh);
		cairo_destroy(pc);
		goto cleanup;
	}
	cairo_destroy(pc);
	cairo_surface_flush(ps);
	data = cairo_image_surface_get_data(ps);
	stride = cairo_image_surface_get_stride(ps);

	if (p->effect != S_PLAIN && p->n > 0) {
		int r = (int)lround(S_OUTLINE * sc);
		dm = malloc(npx);
		dil = malloc(npx);
		tmp = malloc(npx);
		any = calloc(npx, 1);
		if (dm == NULL || dil == NULL || tmp == NULL || any == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "render: out of memory for a %dx%d view", dw, dh);
			goto cleanup;
		}
		if (r < 1)
			r = 1;
		if (p->effect == S_ATTENTION) {
			for (k = 0; k < p->n; k++) {
				size_t q;
				s_device_mask(dm, p->masks[k], p->img, p->region, dw, dh);
				for (q = 0; q < npx; q++)
					any[q] |= dm[q];
			}
			for (i = 0; i < dh; i++) {
				uint32_t *row = (uint32_t *)(data + (size_t)i * (size_t)stride);
				int x;
				for (x = 0; x < dw; x++)
					if (!any[(size_t)i * (size_t)dw + (size_t)x])
						row[x] = s_scale_px(row[x], p->dim);
			}
		}
		for (k = 0; k < p->n && (p->effect == S_OVERLAY || p->outline); k++) {
			s_device_mask(dm, p->masks[k], p->img, p->region, dw, dh);
			s_dilate(dil, dm, tmp, dw, dh, r);
			for (i = 0; i < dh; i++) {
				uint32_t *row = (uint32_t *)(data + (size_t)i * (size_t)stride);
				int x;
				for (x = 0; x < dw; x++) {
					size_t q = (size_t)i * (size_t)dw + (size_t)x;
					if (dm[q] && p->effect == S_OVERLAY)
						row[x] = s_blend(row[x], p->colors[k], p->alpha);
					else if (!dm[q] && dil[q])
						row[x] = 0xff000000u | p->colors[k];
				}
			}
		}
	}
	cairo_surface_mark_dirty(ps);
	cairo_save(cr);
	cairo_identity_matrix(cr);
	cairo_set_source_surface(cr, ps, dx, dy);
	cairo_rectangle(cr, dx, dy, dw, dh);
	cairo_fill(cr);
	cairo_restore(cr);
	mc_canvas_extend(c, p->x, p->y, p->x + p->w, p->y + p->h);

	/* objects too small to notice get a circle around them */
	if (p->effect != S_PLAIN) {
		for (k = 0; k < p->n; k++) {
			int box[4];
			double bx0, by0, bx1, by1, f = p->w / p->region.w;
			if (!s_mask_box(p->masks[k], p->img->width, p->img->height, box))
				continue;
			bx0 = p->x + (box[0] - p->region.x) * f;
			bx1 = p->x + (box[2] - p->region.x) * f;
			by0 = p->y + (box[1] - p->region.y) * f;
			by1 = p->y + (box[3] - p->region.y) * f;
			if (fmax(bx1 - bx0, by1 - by0) >= S_SMALL)
				continue;
			cairo_save(cr);
			cairo_rectangle(cr, p->x, p->y, p->w, p->h);
			cairo_clip(cr);
			cairo_set_source_rgb(cr, ((p->colors[k] >> 16) & 0xff) / 255.0,
			                     ((p->colors[k] >> 8) & 0xff) / 255.0,
			                     (p->colors[k] & 0xff) / 255.0);
			cairo_set_line_width(cr, 1.5);
			cairo_arc(cr, (bx0 + bx1) / 2, (by0 + by1) / 2,
			          fmax(bx1 - bx0, by1 - by0) / 2 + 8, 0, 2 * M_PI);
			cairo_stroke(cr);
			cairo_restore(cr);
		}
	}
	/* a hairline frame keeps light images apart from the page */
	cairo_set_source_rgb(cr, ((S_FRAME >> 16) & 0xff) / 255.0, ((S_FRAME >> 8) & 0xff) / 255.0,
	                     (S_FRAME & 0xff) / 255.0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, p->x - 0.5, p->y - 0.5, p->w + 1, p->h + 1);
	cairo_stroke(cr);
cleanup:
	free(dm);
	free(dil);
	free(tmp);
	free(any);
	cairo_surface_destroy(ps);
	return rc;
}

/* Logical size of a view of region at most side x side, keeping its shape. */
static void s_fit(s_region rg, double side, double *w, double *h)
{
	double f = side / fmax(rg.w, rg.h);

	*w = fmax(1, round(rg.w * f));
	*h = fmax(1, round(rg.h * f));
}

/* ---------- the three views ---------- */

/* The title in bold 13 px at the top-left, cut to width. */
static int s_title(mc_canvas *c, const char *title, double width, const char *what,
                   mc_error *err)
{
	char *t = mc_text_fit(title, 13, 1, width);

	if (t == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", what);
	mc_canvas_text(c, S_PAD, S_PAD, t, 13, 1, 0, MC_LEFT, MC_TOP, S_INK, MC_TEXT_TITLE);
	free(t);
	return MC_OK;
}

int mc_render_views(mc_png **out, const mc_image *img, const uint8_t *mask,
                    const mc_render_opts *opts, mc_error *err)
{
	static const char *const names[3] = { "image", "attention mask", "mask overlay" };
	mc_render_opts o;
	mc_canvas *c = NULL;
	cairo_surface_t *src = NULL;
	s_region rg;
	int box[4], has_box, rc, k;
	double pw, ph, top = S_PAD, tw, th, gap = 12;
	uint32_t color;
	const uint8_t *masks[1];

	*out = NULL;
	rc = s_check_image(img, "views", err);
	if (rc != MC_OK)
		return rc;
	if (mask == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "views: no mask");
	memset(&o, 0, sizeof o);
	if (opts != NULL)
		o = *opts;
	color = o.color != 0 ? o.color : mc_render_color(0);
	has_box = s_mask_box(mask, img->width, img->height, box);
	rg = s_region_for(img, box, has_box && o.crop, 1.0, 32, 0);
	s_fit(rg, o.panel > 0 ? o.panel : 280, &pw, &ph);
	if (o.title != NULL && o.title[0] != '\0') {
		mc_text_measure(o.title, 13, 1, &tw, &th);
		top += th + 8;
	}
	mc_text_measure("Ag", 11, 0, &tw, &th);
	rc = mc_canvas_new(&c, (int)(2 * S_PAD + 3 * pw + 2 * gap),
	                   (int)ceil(top + ph + 6 + th + S_PAD), o.scale, err);
	if (rc != MC_OK)
		return rc;
	rc = s_image_surface(&src, img, err);
	if (rc != MC_OK)
		goto cleanup;
	if (o.title != NULL && o.title[0] != '\0') {
		rc = s_title(c, o.title, 3 * pw + 2 * gap, "views", err);
		if (rc != MC_OK)
			goto cleanup;
	}
	masks[0] = mask;
	for (k = 0; k < 3; k++) {
		s_panel p;
		memset(&p, 0, sizeof p);
		p.img = img;
		p.src = src;
		p.region = rg;
		p.x = S_PAD + k * (pw + gap);
		p.y = top;
		p.w = pw;
		p.h = ph;
		p.effect = k == 0 ? S_PLAIN : k == 1 ? S_ATTENTION : S_OVERLAY;
		p.masks = masks;
		p.colors = &color;
		p.n = 1;
		p.dim = o.dim > 0 ? o.dim : 0.3;
		p.alpha = o.alpha > 0 ? o.alpha : 0.35;
		rc = s_panel_draw(c, &p, err);
		if (rc != MC_OK)
			goto cleanup;
		mc_canvas_text(c, p.x + pw / 2, top + ph + 6, names[k], 11, 0, 0, MC_CENTER, MC_TOP,
		               S_MUTED, MC_TEXT_CAPTION);
	}
	rc = mc_canvas_png(out, c, err);
cleanup:
	if (src != NULL)
		cairo_surface_destroy(src);
	mc_canvas_free(c);
	return rc;
}

int mc_render_views_rle(mc_png **out, const mc_image *img, const mc_rle *mask,
                        const mc_render_opts *opts, mc_error *err)
{
	uint8_t *m = NULL;
	int rc;

	*out = NULL;
	rc = s_check_image(img, "views", err);
	if (rc != MC_OK)
		return rc;
	if (mask == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "views: no mask");
	rc = s_decode_rle(&m, mask, img, "views", err);
	if (rc == MC_OK)
		rc = mc_render_views(out, img, m, opts, err);
	free(m);
	return rc;
}

/* ---------- all instances of an image ---------- */

/* The part of img an overlay shows: the whole image, or with crop the union
 * of the objects' boxes with some context. */
static s_region s_overlay_region(const mc_image *img, const uint8_t *const *masks, size_t n,
                                 int crop)
{
	s_region rg = { 0, 0, img->width, img->height };
	int box[4], u[4] = { img->width, img->height, 0, 0 }, any = 0;
	size_t i;

	if (!crop || n == 0)
		return rg;
	for (i = 0; i < n; i++)
		if (s_mask_box(masks[i], img->width, img->height, box)) {
			any = 1;
			u[0] = box[0] < u[0] ? box[0] : u[0];
			u[1] = box[1] < u[1] ? box[1] : u[1];
			u[2] = box[2] > u[2] ? box[2] : u[2];
			u[3] = box[3] > u[3] ? box[3] : u[3];
		}
	return s_region_for(img, u, any, 0.25, 16, 0);
}

/* The overlay's labels already placed: n boxes {x, y, w, h}. */
typedef struct s_chips {
	double *box;
	size_t n;
} s_chips;

/* Where the chip lw x lh of an object with box `box` goes inside panel p:
 * above the box, else inside its top, else under it; 0 when every place
 * covers a chip already placed, or the view is narrower than the chip. */
static int s_chip_place(const s_panel *p, const int box[4], double lw, double lh,
                        const s_chips *placed, double *lx, double *ly)
{
	double f = p->w / p->region.w;
	double top_y = p->y + (box[1] - p->region.y) * f, bot_y = p->y + (box[3] - p->region.y) * f;
	int t, ok = 0;

	for (t = 0; t < 3 && !ok; t++) {
		size_t q;
		const double *b = placed->box;
		*lx = fmin(fmax(p->x + (box[0] - p->region.x) * f, p->x), p->x + p->w - lw - 6);
		*ly = t == 0 ? top_y - lh - 3 : t == 1 ? top_y + 2 : bot_y + 2;
		*ly = fmin(fmax(*ly, p->y), p->y + p->h - lh - 3);
		ok = *lx >= p->x;
		for (q = 0; ok && q < placed->n; q++)
			if (*lx < b[4 * q] + b[4 * q + 2] && b[4 * q] < *lx + lw + 6 &&
			    *ly < b[4 * q + 1] + b[4 * q + 3] && b[4 * q + 1] < *ly + lh + 3)
				ok = 0;
	}
	return ok;
}

/* The label of each object on a chip of its colour (black or white text by
 * contrast), kept inside the view; a label that would cover one already
 * placed is left out. */
static int s_overlay_labels(mc_canvas *c, const s_panel *p, const char *const *labels,
                            mc_error *err)
{
	cairo_t *cr = mc_canvas_cairo(c);
	s_chips placed = { NULL, 0 };
	size_t i;

	placed.box = calloc(4 * (p->n + 1), sizeof *placed.box);
	if (placed.box == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "overlay: out of memory");
	for (i = 0; labels != NULL && i < p->n; i++) {
		uint32_t col = p->colors[i];
		double lx = 0, ly = 0, lw, lh, *b = placed.box + 4 * placed.n;
		int box[4];
		if (labels[i] == NULL || !s_mask_box(p->masks[i], p->img->width, p->img->height, box))
			continue;
		mc_text_measure(labels[i], 10, 1, &lw, &lh);
		if (!s_chip_place(p, box, lw, lh, &placed, &lx, &ly))
			continue;
		b[0] = lx;
		b[1] = ly;
		b[2] = lw + 6;
		b[3] = lh + 3;
		placed.n++;
		cairo_set_source_rgb(cr, ((col >> 16) & 0xff) / 255.0, ((col >> 8) & 0xff) / 255.0,
		                     (col & 0xff) / 255.0);
		cairo_rectangle(cr, lx, ly, lw + 6, lh + 3);
		cairo_fill(cr);
		mc_canvas_text(c, lx + 3, ly + 1.5, labels[i], 10, 1, 0, MC_LEFT, MC_TOP,
		               (0.299 * ((col >> 16) & 0xff) + 0.587 * ((col >> 8) & 0xff) +
		                0.114 * (col & 0xff)) > 150 ? 0x000000 : 0xffffff,
		               MC_TEXT_CAPTION);
	}
	free(placed.box);
	return MC_OK;
}

int mc_render_overlay(mc_png **out, const mc_image *img, const uint8_t *const *masks,
                      size_t n, const uint32_t *colors, const char *const *labels,
                      const mc_render_opts *opts, mc_error *err)
{
	mc_render_opts o;
	mc_canvas *c = NULL;
	cairo_surface_t *src = NULL;
	uint32_t *col = NULL;
	s_region rg;
	s_panel p;
	double pw, ph, top = S_PAD, tw, th;
	int rc;
	size_t i;

	*out = NULL;
	rc = s_check_image(img, "overlay", err);
	if (rc != MC_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (masks[i] == NULL)
			return mc_error_set(err, MC_ERR_INVALID, "overlay: mask %zu is missing", i);
	memset(&o, 0, sizeof o);
	if (opts != NULL)
		o = *opts;
	rg = s_overlay_region(img, masks, n, o.crop);
	s_fit(rg, o.panel > 0 ? o.panel : 640, &pw, &ph);
	if (o.title != NULL && o.title[0] != '\0') {
		mc_text_measure(o.title, 13, 1, &tw, &th);
		top += th + 8;
	}
	col = malloc((n + 1) * sizeof *col);
	if (col == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "overlay: out of memory");
	for (i = 0; i < n; i++)
		col[i] = colors != NULL && colors[i] != 0 ? colors[i] : mc_render_color(i);
	rc = mc_canvas_new(&c, (int)(2 * S_PAD + pw), (int)(top + ph + S_PAD), o.scale, err);
	if (rc == MC_OK)
		rc = s_image_surface(&src, img, err);
	if (rc == MC_OK && o.title != NULL && o.title[0] != '\0')
		rc = s_title(c, o.title, pw, "overlay", err);
	if (rc != MC_OK)
		goto cleanup;
	memset(&p, 0, sizeof p);
	p.img = img;
	p.src = src;
	p.region = rg;
	p.x = S_PAD;
	p.y = top;
	p.w = pw;
	p.h = ph;
	p.effect = S_OVERLAY;
	p.masks = masks;
	p.colors = col;
	p.n = n;
	p.alpha = o.alpha > 0 ? o.alpha : 0.35;
	rc = s_panel_draw(c, &p, err);
	if (rc == MC_OK)
		rc = s_overlay_labels(c, &p, labels, err);
	if (rc == MC_OK)
		rc = mc_canvas_png(out, c, err);
cleanup:
	if (src != NULL)
		cairo_surface_destroy(src);
	free(col);
	mc_canvas_free(c);
	return rc;
}

/* ---------- the grid ---------- */

#define S_GRID_GAP 12.0
#define S_CAP_SIZE 10.5

/* A caption line cut to width, at (x, y). */
static int s_caption(mc_canvas *c, double x, double y, const char *text, double size,
                     int bold, double width, uint32_t color)
{
	char *t = mc_text_fit(text, size, bold, width);

	if (t == NULL)
		return MC_ERR_NOMEM;
	mc_canvas_text(c, x, y, t, size, bold, 0, MC_LEFT, MC_TOP, color, MC_TEXT_CAPTION);
	free(t);
	return MC_OK;
}

/* The first caption line of a cell: "#id label". */
static void s_head(char *line, size_t n, const mc_render_cell *cl)
{
	if (cl->id >= 0 && cl->label != NULL)
		snprintf(line, n, "#%lld %s", (long long)cl->id, cl->label);
	else if (cl->id >= 0)
		snprintf(line, n, "#%lld", (long long)cl->id);
	else
		snprintf(line, n, "%s", cl->label != NULL ? cl->label : "");
}

/* A grid's layout: which caption lines the cells have, and the sizes. */
typedef struct s_grid {
	int any_head, any_sug, any_imp, any_note;   /* caption lines present */
	size_t cols;
	double thumb;       /* side of a cell's picture */
	double ctx;         /* context around the object, fraction of its side */
	double dim;
	double cap;         /* caption text size */
	double lh;          /* caption line height */
	double cell_h;      /* cell height with its captions and the gap */
	double top;         /* y of the first row */
} s_grid;

/* Checks every cell; sets which caption lines the grid has. */
static int s_grid_check(s_grid *g, const mc_render_cell *cells, size_t n, mc_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		const mc_render_cell *cl = &cells[i];
		char what[48];
		snprintf(what, sizeof what, "grid: cell %zu", i);
		rc = s_check_image(cl->image, what, err);
		if (rc != MC_OK)
			return rc;
		if (cl->mask == NULL && cl->rle == NULL)
			return mc_error_set(err, MC_ERR_INVALID, "grid: cell %zu has no mask", i);
		if (cl->mask == NULL && (cl->rle->w != (uint32_t)cl->image->width ||
		                         cl->rle->h != (uint32_t)cl->image->height))
			return mc_error_set(err, MC_ERR_SHAPE, "grid: cell %zu: mask is %ux%u, image is %dx%d",
			                    i, cl->rle->w, cl->rle->h, cl->image->width, cl->image->height);
		g->any_head |= cl->id >= 0 || cl->label != NULL;
		g->any_imp |= !isnan(cl->importance);
		g->any_note |= cl->note != NULL;
		g->any_sug |= cl->suggest != NULL;
	}
	return MC_OK;
}

/* One caption size for the whole grid: the largest (8.5 to 10.5) at which
 * every "#id label" fits its cell; what still does not is cut. */
static double s_grid_cap_size(const s_grid *g, const mc_render_cell *cells, size_t n)
{
	double cap = S_CAP_SIZE, w, h;
	char line[256];
	size_t i;

	for (i = 0; g->any_head && i < n && cap > 8.5; i++) {
		s_head(line, sizeof line, &cells[i]);
		mc_text_measure(line, cap, 1, &w, &h);
		while (w > g->thumb && cap > 8.5) {
			cap -= 0.5;
			mc_text_measure(line, cap, 1, &w, &h);
		}
	}
	return cap;
}

/* Cell i's picture at (x, y): the object's box with context, the rest
 * dimmed, the object outlined. */
static int s_grid_picture(mc_canvas *c, const s_grid *g, const mc_render_cell *cl, double x,
                          double y, mc_error *err)
{
	uint8_t *owned = NULL;
	const uint8_t *mask = cl->mask;
	cairo_surface_t *src = NULL;
	uint32_t color = cl->color != 0 ? cl->color : mc_render_color(0);
	double pw, ph;
	int box[4], has, rc;
	s_panel p;
	s_region rg;

	if (mask == NULL) {
		rc = s_decode_rle(&owned, cl->rle, cl->image, "grid", err);
		if (rc != MC_OK)
			return rc;
		mask = owned;
	}
	has = s_mask_box(mask, cl->image->width, cl->image->height, box);
	rg = s_region_for(cl->image, box, has, g->ctx, 4, 1);
	s_fit(rg, g->thumb, &pw, &ph);
	rc = s_image_surface(&src, cl->image, err);
	if (rc != MC_OK) {
		free(owned);
		return rc;
	}
	memset(&p, 0, sizeof p);
	p.img = cl->image;
	p.src = src;
	p.region = rg;
	p.x = x + floor((g->thumb - pw) / 2);
	p.y = y + g->thumb - ph;   /* wide crops sit on their caption */
	p.w = pw;
	p.h = ph;
	p.effect = S_ATTENTION;
	p.outline = 1;
	p.masks = &mask;
	p.colors = &color;
	p.n = 1;
	p.dim = g->dim;
	rc = s_panel_draw(c, &p, err);
	cairo_surface_destroy(src);
	free(owned);
	return rc;
}

/* Cell i's caption lines from y down: "#id label", "model: class p%",
 * "importance v", the note. A line the grid has but the cell does not is
 * left blank, so the lines align across cells. */
static int s_grid_captions(mc_canvas *c, const s_grid *g, const mc_render_cell *cl, double x,
                           double y, mc_error *err)
{
	char line[256];
	int rc = MC_OK;

	if (g->any_head) {
		s_head(line, sizeof line, cl);
		rc = s_caption(c, x, y, line, g->cap, 1, g->thumb, S_INK);
		y += g->lh + 1;
	}
	if (g->any_sug) {
		if (rc == MC_OK && cl->suggest != NULL) {
			int differs = cl->label == NULL || strcmp(cl->label, cl->suggest) != 0;
			snprintf(line, sizeof line, "model: %s %.0f%%", cl->suggest, 100 * cl->suggest_p);
			rc = s_caption(c, x, y, line, g->cap, 0, g->thumb, differs ? S_ALERT : S_MUTED);
		}
		y += g->lh + 1;
	}
	if (g->any_imp) {
		if (rc == MC_OK && !isnan(cl->importance)) {
			snprintf(line, sizeof line, "%s %.3g",
			         cl->score_name != NULL ? cl->score_name : "importance", cl->importance);
			rc = s_caption(c, x, y, line, g->cap, 0, g->thumb, S_MUTED);
		}
		y += g->lh + 1;
	}
	if (rc == MC_OK && g->any_note && cl->note != NULL)
		rc = s_caption(c, x, y, cl->note, g->cap, 0, g->thumb, S_ALERT);
	if (rc != MC_OK)
		return mc_error_set(err, MC_ERR_NOMEM, "grid: out of memory");
	return MC_OK;
}

int mc_render_grid(mc_png **out, const mc_render_cell *cells, size_t n,
                   const mc_render_grid_opts *opts, mc_error *err)
{
	mc_render_grid_opts o;
	mc_canvas *c = NULL;
	s_grid g;
	double tw, cap_h;
	size_t i, rows, lines, max_rows;
	int rc;

	*out = NULL;
	if (n == 0)
		return mc_error_set(err, MC_ERR_INVALID, "grid: no instances to show");
	memset(&o, 0, sizeof o);
	if (opts != NULL)
		o = *opts;
	memset(&g, 0, sizeof g);
	g.cols = o.cols > 0 ? (size_t)o.cols : 6;
	if (g.cols > n)
		g.cols = n;
	g.thumb = o.thumb > 0 ? o.thumb : 160;
	g.ctx = o.context == 0 ? 0.25 : o.context;
	g.dim = o.dim > 0 ? o.dim : 0.3;
	g.top = S_PAD;
	rc = s_grid_check(&g, cells, n, err);
	if (rc != MC_OK)
		return rc;

	/* sizes: captions, cells, the title, and how many rows fit */
	lines = (size_t)g.any_head + (size_t)g.any_sug + (size_t)g.any_imp + (size_t)g.any_note;
	g.cap = s_grid_cap_size(&g, cells, n);
	mc_text_measure("Ag", g.cap, 0, &tw, &g.lh);
	cap_h = lines > 0 ? 4 + (double)lines * (g.lh + 1) : 0;
	g.cell_h = g.thumb + cap_h + S_GRID_GAP;
	if (o.title != NULL && o.title[0] != '\0') {
		double th;
		mc_text_measure(o.title, 13, 1, &tw, &th);
		g.top += th + 8;
	}
	rows = (n + g.cols - 1) / g.cols;
	max_rows = (size_t)((16384 / (o.scale > 0 ? o.scale : 2) - g.top - S_PAD) / g.cell_h);
	if (rows > max_rows)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "grid: %zu instances in %zu columns do not fit in one picture; "
		                    "show at most %zu", n, g.cols, max_rows * g.cols);

	rc = mc_canvas_new(&c, (int)(2 * S_PAD + (double)g.cols * (g.thumb + S_GRID_GAP) - S_GRID_GAP),
	                   (int)ceil(g.top + (double)rows * g.cell_h - S_GRID_GAP + S_PAD), o.scale,
	                   err);
	if (rc != MC_OK)
		return rc;
	if (o.title != NULL && o.title[0] != '\0')
		rc = s_title(c, o.title, mc_canvas_width(c) - 2 * S_PAD, "grid", err);
	for (i = 0; rc == MC_OK && i < n; i++) {
		double x = S_PAD + (double)(i % g.cols) * (g.thumb + S_GRID_GAP);
		double y = g.top + (double)(i / g.cols) * g.cell_h;
		rc = s_grid_picture(c, &g, &cells[i], x, y, err);
		if (rc == MC_OK)
			rc = s_grid_captions(c, &g, &cells[i], x, y + g.thumb + 4, err);
	}
	if (rc == MC_OK)
		rc = mc_canvas_photo(out, c, err);
	mc_canvas_free(c);
	return rc;
}
