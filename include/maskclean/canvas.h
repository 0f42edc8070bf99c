/* A drawing canvas on top of Cairo, shared by the plots (plot.h) and the
 * instance views (render.h); it finishes into a picture (png.h).
 *
 * Coordinates are logical pixels (CSS pixels in the notebook); the surface
 * holds scale device pixels per logical pixel (2 by default) so pictures stay
 * crisp on high-density screens while the notebook shows them at their
 * logical width and height. Text is anti-aliased "DejaVu Sans" through
 * Cairo's toy text API, with unhinted metrics so a label measures the same
 * at every scale. Every piece of text drawn is recorded with its box, so
 * tests (and callers) can check that no label leaves the picture.
 *
 * A canvas is either fixed-size, or auto-sized: drawn twice, first to
 * measure (mc_canvas_new_measure), then for real at the size the first pass
 * found (mc_canvas_new_fit). */
#ifndef MASKCLEAN_CANVAS_H
#define MASKCLEAN_CANVAS_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/png.h"

/* Cairo's context, opaque here: files that draw with Cairo directly include
 * <cairo.h> themselves (the same type as its cairo_t). */
struct _cairo;

/* Text placement relative to the anchor point, in the text's own
 * (possibly rotated) frame. */
typedef enum mc_halign { MC_LEFT, MC_CENTER, MC_RIGHT } mc_halign;
typedef enum mc_valign { MC_TOP, MC_MIDDLE, MC_BASELINE, MC_BOTTOM } mc_valign;

typedef struct mc_canvas mc_canvas;

/* A white canvas of width x height logical pixels at scale device pixels per
 * logical pixel (scale <= 0 means 2). Caller owns; free with
 * mc_canvas_free. Fails with MC_ERR_INVALID for sizes outside 1..16384
 * device pixels per side, MC_ERR_NOMEM when Cairo cannot allocate. */
int mc_canvas_new(mc_canvas **out, int width, int height, double scale, mc_error *err);

/* A measuring canvas: drawing does nothing visible, but the extent of every
 * shape registered with mc_canvas_extend and every text is accumulated.
 * Caller owns; free with mc_canvas_free. */
int mc_canvas_new_measure(mc_canvas **out, mc_error *err);

/* A white canvas just large enough for what measure recorded plus pad
 * logical pixels on each side; drawing coordinates are shifted so the same
 * drawing code lands inside it. Caller owns; free with mc_canvas_free. */
int mc_canvas_new_fit(mc_canvas **out, const mc_canvas *measure, double pad,
                      double scale, mc_error *err);

/* Frees c. c may be NULL. */
void mc_canvas_free(mc_canvas *c);

/* The Cairo context (a cairo_t *), in logical coordinates. Borrowed; valid
 * while c lives. Callers that draw shapes directly should also call
 * mc_canvas_extend. */
struct _cairo *mc_canvas_cairo(mc_canvas *c);

/* Logical width (0 for a measuring canvas). */
int mc_canvas_width(const mc_canvas *c);

/* The shift a fitted canvas adds to drawing coordinates (0, 0 otherwise):
 * drawing point (x, y) lands at logical (x + *ox, y + *oy). */
void mc_canvas_offset(const mc_canvas *c, double *ox, double *oy);

/* Records that something covers [x0, x1] x [y0, y1] (for auto-sizing). */
void mc_canvas_extend(mc_canvas *c, double x0, double y0, double x1, double y1);

/* Filled and stroked shapes; colours are 0xRRGGBB. They extend the canvas. */
void mc_canvas_rect(mc_canvas *c, double x, double y, double w, double h, uint32_t rgb);
void mc_canvas_line(mc_canvas *c, double x0, double y0, double x1, double y1, double width,
                    uint32_t rgb);

/* Draws UTF-8 text s (invalid bytes show as '?') of size logical pixels,
 * bold or not, rotated by angle degrees counter-clockwise about the anchor
 * (x, y), aligned by ha/va in the text's frame. Records its box with kind.
 * Returns the box (also for a measuring canvas). */
mc_text_box mc_canvas_text(mc_canvas *c, double x, double y, const char *s, double size,
                           int bold, double angle, mc_halign ha, mc_valign va,
                           uint32_t rgb, mc_text_kind kind);

/* Width (advance) and height (ascent + descent) of s at size, in logical
 * pixels, without drawing. */
void mc_text_measure(const char *s, double size, int bold, double *w, double *h);

/* A copy of s cut to at most max_w logical pixels at size, ending in "…"
 * when cut. Caller owns (free()); NULL when memory runs out. */
char *mc_text_fit(const char *s, double size, int bold, double max_w);

/* Finishes c into a PNG. Caller owns *out; free with mc_png_free. Fails with
 * MC_ERR_NOMEM, or MC_ERR_INVALID with Cairo's message if drawing failed. */
int mc_canvas_png(mc_png **out, mc_canvas *c, mc_error *err);

/* As mc_canvas_png, and the same pixels as a JPEG (quality 90, no chroma
 * subsampling) in (*out)->jpeg, to show pictures made of photos: a grid of
 * 60 photos is 3 to 10 times smaller so, and a notebook of review batches
 * stays small enough to share. */
int mc_canvas_photo(mc_png **out, mc_canvas *c, mc_error *err);

/* Releases the fonts, Cairo's process-wide caches and fontconfig's memory
 * (FcFini), so leak checkers see a clean exit. It runs by itself at exit
 * (atexit, registered on first use of text); call it earlier only when no
 * canvas is alive. Text drawn afterwards loads the fonts again. */
void mc_canvas_shutdown(void);

#endif
