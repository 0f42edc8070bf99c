/* Instance views, as in the article: the unprocessed image, the attention
 * mask (everything outside the labeled object dimmed) and the mask drawn
 * over the image; all instances of an image overlaid in distinct colours;
 * and the captioned grid a reviewer looks at for each iteration's top N.
 *
 * Images are mc_image values (image.h): row-major, interleaved, 1 or 3
 * channels (4 is accepted too; alpha is ignored). A raw buffer can be passed
 * by filling an mc_image on the stack; nothing is taken over. Masks are
 * binary, column-major as in COCO (pixel (x, y) at index x*height + y,
 * non-zero = object) and the image's size; the _rle variants and the rle
 * field of a grid cell take an mc_rle (rle.h) instead and check its size.
 *
 * Overlays fill the object with its colour at partial opacity and draw a
 * solid outline 2 logical pixels wide just outside it, so an object of a
 * single pixel still shows as a ring; objects smaller than 12 logical pixels
 * on screen also get a circle around them. Pictures come back as mc_png
 * (png.h) at 2 device pixels per logical pixel.
 *
 * In a kernel binding, wrap the picture as a language value with
 * mc_figure_value(png, title) (kernel/bind_render.h).
 *
 * All functions set *out = NULL on entry, return 0 or a negative MC_ERR_*
 * code with err set, and never modify their inputs. */
#ifndef MASKCLEAN_RENDER_H
#define MASKCLEAN_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/image.h"
#include "maskclean/png.h"
#include "maskclean/rle.h"

/* The i-th of 12 distinct, saturated instance colours (0xRRGGBB), cycling. */
uint32_t mc_render_color(size_t i);

/* Options of mc_render_views and mc_render_overlay. All-zero means the
 * defaults given here. */
typedef struct mc_render_opts {
	const char *title;   /* heading, e.g. "annotation 1234 · orange"; NULL: none */
	uint32_t color;      /* mask colour 0xRRGGBB; 0: mc_render_color(0) */
	int crop;            /* non-zero: show the object's box with context around
	                        it (its size on each side, at least 32 px)
	                        instead of the whole image */
	int panel;           /* longest side of a view, logical px; 0: 280 for
	                        the three views, 640 for an overlay */
	double scale;        /* device pixels per logical pixel; 0: 2 */
	double dim;          /* brightness kept outside the object in the attention
	                        view, 0..1; 0: 0.3 */
	double alpha;        /* opacity of the overlay fill, 0..1; 0: 0.35, light
	                        enough for the object's own colours to show */
} mc_render_opts;

/* The three views of one instance side by side, each captioned ("image",
 * "attention mask", "mask overlay"), under opts->title. Layout: views 10
 * logical px from the picture's edges and 12 px apart, the title above. mask is img's size,
 * column-major. Caller owns *out; free with mc_png_free. Fails with
 * MC_ERR_INVALID for an image without pixels, a size of 0 or a channel
 * count other than 1, 3 or 4. */
int mc_render_views(mc_png **out, const mc_image *img, const uint8_t *mask,
                    const mc_render_opts *opts, mc_error *err);

/* The same with the mask as an RLE; MC_ERR_SHAPE ("mask is 40x30, image is
 * 640x480") when the sizes differ. */
int mc_render_views_rle(mc_png **out, const mc_image *img, const mc_rle *mask,
                        const mc_render_opts *opts, mc_error *err);

/* All n masks drawn over img, mask i in colors[i] (colors NULL or colors[i]
 * == 0: mc_render_color(i)), with labels[i] (may be NULL, or labels NULL)
 * written on a chip of its colour at the top-left of the object's box (a
 * label that would cover another is left out). Caller owns *out; free with
 * mc_png_free. Same failures as mc_render_views. */
int mc_render_overlay(mc_png **out, const mc_image *img, const uint8_t *const *masks,
                      size_t n, const uint32_t *colors, const char *const *labels,
                      const mc_render_opts *opts, mc_error *err);

/* One cell of a grid: an instance and its caption. */
typedef struct mc_render_cell {
	const mc_image *image;
	const uint8_t *mask;    /* column-major, image's size; or NULL and rle */
	const mc_rle *rle;
	int64_t id;             /* annotation id, shown as "#1234"; < 0: not shown */
	const char *label;      /* class name; NULL: none */
	double importance;      /* the score, shown as "importance 0.0123"; NaN: not shown */
	const char *note;       /* optional last line ("relabeled: apple"); NULL: none */
	uint32_t color;         /* outline colour; 0: mc_render_color(0) */
	const char *suggest;    /* the model's class, shown as "model: apple 72%" (red
	                           when it is not label); NULL: not shown */
	double suggest_p;       /* its probability, 0..1 */
	const char *score_name; /* the score's name ("self_confidence"); NULL: "importance" */
} mc_render_cell;

/* Grid options. All-zero means the defaults given here. */
typedef struct mc_render_grid_opts {
	const char *title;      /* heading; NULL: none */
	int cols;               /* cells per row; 0: 6 */
	int thumb;              /* side of a cell's picture, logical px; 0: 128 */
	double context;         /* margin around the object's box, as a fraction of
	                           its larger side; 0: 0.25 (negative: none) */
	double dim;             /* brightness kept outside the object; 0: 0.3 */
	double scale;           /* device pixels per logical pixel; 0: 2 */
} mc_render_grid_opts;

/* The captioned grid of n instances: each cell shows the object's box with
 * some context, the rest dimmed, the object outlined, and under it "#id
 * label", "model: class p%", "importance v" and the note. Captions share one size, the largest
 * from 10.5 down to 8.5 px at which every "#id label" fits; lines that still
 * do not fit are cut with "…". Crops wider than tall sit on their caption.
 * Caller owns *out; free with mc_png_free. Fails with MC_ERR_INVALID for
 * n == 0, a cell without image or mask (the message names the cell), or
 * more cells than fit in one picture (the message says how many do);
 * MC_ERR_SHAPE for an RLE of the wrong size. */
int mc_render_grid(mc_png **out, const mc_render_cell *cells, size_t n,
                   const mc_render_grid_opts *opts, mc_error *err);

#endif
