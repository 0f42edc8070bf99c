/* A finished picture: the bytes of a PNG file, the logical size to show it
 * at, and the box of every piece of text drawn on it. The plots (plot.h) and
 * the instance views (render.h) return one; a kernel binding shows it as
 * image/png (or image/jpeg when it has a JPEG) with width/height metadata,
 * a test checks its text layout.
 *
 * Coordinates are logical pixels (CSS pixels in the notebook); the PNG holds
 * scale device pixels per logical pixel. */
#ifndef MASKCLEAN_PNG_H
#define MASKCLEAN_PNG_H

#include <stddef.h>

/* What a piece of text is, for the layout checks. */
typedef enum mc_text_kind {
	MC_TEXT_TITLE,
	MC_TEXT_AXIS_LABEL,   /* "Iteration", "True label" */
	MC_TEXT_XTICK,        /* tick and class labels along x */
	MC_TEXT_YTICK,        /* tick and class labels along y */
	MC_TEXT_CELL,         /* values inside heatmap cells, above bars */
	MC_TEXT_LEGEND,
	MC_TEXT_NOTE,         /* annotations (the plateau) */
	MC_TEXT_COLORBAR,     /* colour-bar tick labels */
	MC_TEXT_CAPTION       /* captions under grid cells and panels */
} mc_text_kind;

/* The axis-aligned box of one piece of text, in logical pixels. */
typedef struct mc_text_box {
	double x, y, w, h;
	mc_text_kind kind;
} mc_text_box;

/* A finished picture: PNG file bytes plus its sizes and text layout. */
typedef struct mc_png {
	unsigned char *data;     /* the PNG file, owned */
	size_t len;
	int width, height;       /* logical size: the width/height display metadata */
	int px_width, px_height; /* size of the PNG in device pixels */
	double scale;            /* px_width / width */
	mc_text_box *text;       /* every text drawn, owned; n_text entries */
	size_t n_text;
	unsigned char *jpeg;     /* the same picture as a JPEG file, owned, for pictures
	                            of photos (mc_canvas_photo); NULL for the others */
	size_t jpeg_len;
} mc_png;

/* Frees p, its bytes and its text boxes. p may be NULL. */
void mc_png_free(mc_png *p);

#endif
