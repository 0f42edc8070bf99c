/* Plots as PNG pictures: line plots (AUC across iterations, with the plateau
 * marked), bar charts (samples fixed per iteration, optionally stacked:
 * relabeled / removed) and heatmaps (confusion matrices, readable at 80
 * classes).
 *
 * Every function draws with Cairo (canvas.h) and returns an mc_png (png.h):
 * the PNG bytes, the logical width/height to put in the display metadata
 * (the PNG itself has scale times as many pixels, 2 by default), and the box
 * of every text drawn. Axes get "nice" ticks (1, 2, 2.5, 5 x 10^k), labels are never
 * clipped: margins are measured from the labels themselves.
 *
 * Typical use from a binding (kernel/bind_*.c):
 *
 *     mc_plot_opts o;
 *     mc_plot_opts_init(&o);
 *     o.title = "AUC across iterations"; o.xlabel = "Iteration"; o.ylabel = "AUC";
 *     mc_plot_series s = { x, auc, n, "orange" };
 *     mc_plot_mark m = { 0, plateau_index, "plateau" };
 *     mc_png *png;
 *     if (mc_plot_line(&png, &s, 1, &m, &o, err) == 0) {
 *             mc_bundle_add_image(data, meta, "image/png", png->data, png->len,
 *                                 png->width, png->height, err);
 *             mc_png_free(png);
 *     }
 *
 * In a kernel binding, wrap the picture as a language value with
 * mc_figure_value(png, title) (kernel/bind_render.h): it shows as image/png
 * with the width/height metadata and a text/plain fallback.
 *
 * All functions set *out = NULL on entry, return 0 or a negative MC_ERR_*
 * code with err set, and never modify their inputs. */
#ifndef MASKCLEAN_PLOT_H
#define MASKCLEAN_PLOT_H

#include <stddef.h>

#include "maskclean/error.h"
#include "maskclean/matrix.h"
#include "maskclean/png.h"

/* Options shared by line and bar plots. Initialise with mc_plot_opts_init. */
typedef struct mc_plot_opts {
	const char *title;    /* NULL: none */
	const char *xlabel;   /* NULL: none */
	const char *ylabel;   /* NULL: none */
	int width, height;    /* logical pixels; default 640 x 400 */
	double scale;         /* device pixels per logical pixel; default 2 */
	double ymin, ymax;    /* fixed y range when ymin < ymax; default: from the data */
	int value_labels;     /* bar charts: write each bar's total above it (default 1) */
} mc_plot_opts;

/* Sets the defaults listed above (no title, 640 x 400 at scale 2, automatic
 * y range, value labels on). */
void mc_plot_opts_init(mc_plot_opts *o);

/* One line: n points (x[i], y[i]). x NULL means x = 0, 1, ..., n-1. When every
 * x is an integer the x ticks are integers. label names the line in the
 * legend (drawn when any series has a label); NULL for none. Borrowed. */
typedef struct mc_plot_series {
	const double *x;
	const double *y;
	size_t n;
	const char *label;
} mc_plot_series;

/* A point to call out (the plateau): point index of series series, drawn as
 * a large red ring with a dashed vertical guide and the text next to it. */
typedef struct mc_plot_mark {
	size_t series;
	size_t index;
	const char *text;     /* e.g. "plateau (iteration 4)"; NULL: no text */
} mc_plot_mark;

/* Line plot of n_series series (1..10, tab10 colours, round markers),
 * with an optional mark (NULL: none). Caller owns *out; free with
 * mc_png_free. Fails with MC_ERR_INVALID when there is no series, a series
 * is empty, a value is not finite, or the mark points outside the data (the
 * message names the series and the point). */
int mc_plot_line(mc_png **out, const mc_plot_series *series, size_t n_series,
                 const mc_plot_mark *mark, const mc_plot_opts *opts, mc_error *err);

/* Bar chart of n categories (labels[i], NULL labels: "0", "1", ...).
 * values holds n_stack rows of n values, row-major (values[k*n + i] is the
 * height of segment k of bar i); n_stack > 1 stacks the segments bottom-up
 * with a legend from stack_labels (may be NULL for n_stack == 1). Stacked
 * values must be >= 0. Category labels rotate by 45 or 90 degrees when they
 * do not fit side by side. Caller owns *out; free with mc_png_free. Fails
 * with MC_ERR_INVALID for n == 0, n_stack outside 1..10, non-finite or
 * (stacked) negative values. */
int mc_plot_bar(mc_png **out, const char *const *labels, size_t n, const double *values,
                size_t n_stack, const char *const *stack_labels, const mc_plot_opts *opts,
                mc_error *err);

/* Heatmap options. Initialise with mc_heatmap_opts_init. */
typedef struct mc_heatmap_opts {
	const char *title;              /* NULL: none */
	const char *xlabel;             /* default "Predicted label" */
	const char *ylabel;             /* default "True label" */
	const char *const *row_labels;  /* rows names; NULL: "0", "1", ... */
	const char *const *col_labels;  /* NULL: row_labels */
	long highlight;        /* class whose row and column labels are marked
	                          (the class of interest); -1: none */
	long mark_row, mark_col;  /* the cell outlined in red; -1: none */
	int show_values;       /* 1 (default): values in cells when they fit; 0: never */
	const char *fmt;       /* printf format of a value; NULL: "%.2f" when every
	                          value is in [0, 1], else "%.0f" for whole numbers,
	                          else "%.3g" */
	double vmin, vmax;     /* colour range when vmin < vmax; default: data range
	                          with vmin = min(0, data min) */
	double scale;          /* device pixels per logical pixel; default 2 */
	double max_label;      /* labels longer than this many logical pixels are
	                          cut with "…"; default 150 */
} mc_heatmap_opts;

/* Defaults: no title, "Predicted label" / "True label", numeric labels, no
 * highlight or mark, values shown, automatic format and range, scale 2. */
void mc_heatmap_opts_init(mc_heatmap_opts *o);

/* Where the heatmap's cells landed, in logical pixels: cell (i, j) covers
 * [x + j*cell, x + (j+1)*cell) x [y + i*cell, y + (i+1)*cell). */
typedef struct mc_heatmap_layout {
	double x, y;          /* top-left corner of cell (0, 0) */
	double cell;          /* cell size */
	int values_shown;     /* 1 if the values were written in the cells */
	double label_angle;   /* rotation of the column labels: 0, 45 or 90 */
} mc_heatmap_layout;

/* Heatmap of m (rows x cols, NaN cells drawn grey), "Blues" colour map, a
 * colour bar on the right, class names on both axes (x labels rotate by 45
 * or 90 degrees when they do not fit), values in the cells in black or white
 * by contrast (omitted when a cell is too small for them). The canvas is
 * sized to what it holds: cells of 10..64 logical pixels, so 80 classes
 * give about 1000 x 1000 logical pixels, and no label is clipped. layout
 * (may be NULL) receives where the cells are. Caller owns *out; free with
 * mc_png_free. Fails with MC_ERR_INVALID for an empty
 * matrix, more than 1000 rows or columns, highlight / mark outside it, or a
 * fmt that mc_plot_format_ok refuses. */
int mc_plot_heatmap(mc_png **out, mc_heatmap_layout *layout, const mc_matrix *m,
                    const mc_heatmap_opts *opts, mc_error *err);

/* 1 when fmt is a printf format of one double: any text around a single
 * %f, %e or %g conversion (upper case too) with flags, width and precision,
 * and no other '%'; 0 otherwise (mc_heatmap_opts.fmt must pass). */
int mc_plot_format_ok(const char *fmt);

/* Nice tick positions for the range [lo, hi] with about target ticks (as
 * matplotlib's MaxNLocator): writes up to max ticks inside [lo, hi] to
 * ticks, the step to *step, and returns how many. integer != 0 keeps the
 * step a whole number. */
size_t mc_plot_ticks(double lo, double hi, int target, int integer, double *ticks,
                     size_t max, double *step);

#endif
