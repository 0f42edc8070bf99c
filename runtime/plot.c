/* This module implements the plots of plot.h: line plots with a marked
 * point, (stacked) bar charts and heatmaps, drawn on a canvas (canvas.h). */
#include "maskclean/plot.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/canvas.h"

/* matplotlib's tab10 */
static const uint32_t s_tab10[10] = {
	0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
	0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf
};

/* matplotlib's "Blues" anchors, light to dark */
static const uint32_t s_blues[9] = {
	0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6,
	0x4292c6, 0x2171b5, 0x08519c, 0x08306b
};

#define S_INK 0x262626       /* text */
#define S_AXIS 0x404040      /* spines and ticks */
#define S_GRID 0xe6e6e6
#define S_MARK 0xd62728      /* the plateau, the chosen cell, the class of interest */
#define S_NAN 0xd9d9d9

#define S_TITLE_SIZE 14.0
#define S_LABEL_SIZE 12.0
#define S_TICK_SIZE 11.0
#define S_PAD 10.0
#define S_TICK_LEN 4.0

void mc_plot_opts_init(mc_plot_opts *o)
{
	*o = (mc_plot_opts){ .width = 640, .height = 400, .scale = 2, .value_labels = 1 };
}

void mc_heatmap_opts_init(mc_heatmap_opts *o)
{
	*o = (mc_heatmap_opts){ .xlabel = "Predicted label", .ylabel = "True label",
	                        .highlight = -1, .mark_row = -1, .mark_col = -1,
	                        .show_values = 1, .scale = 2, .max_label = 150 };
}

/* ---------- ticks ---------- */

size_t mc_plot_ticks(double lo, double hi, int target, int integer, double *ticks, size_t max,
                     double *step)
{
	static const double mult[] = { 1, 2, 2.5, 5, 10 };
	double raw, mag, st = 1, first;
	size_t k = 0, i;

	if (target < 1)
		target = 1;
	if (!(hi > lo)) {
		if (max > 0)
			ticks[k++] = lo;
		*step = 1;
		return k;
	}
	raw = (hi - lo) / target;
	mag = pow(10, floor(log10(raw)));
	for (i = 0; i < sizeof mult / sizeof mult[0]; i++) {
		st = mult[i] * mag;
		if (integer && st != floor(st))
			continue;
		if (st >= raw * 0.999)
			break;
	}
	if (integer && st < 1)
		st = 1;
	first = ceil(lo / st - 1e-9) * st;
	for (i = 0; k < max; i++) {
		double v = first + (double)i * st;
		if (v > hi + st * 1e-9)
			break;
		if (fabs(v) < st * 1e-9)
			v = 0;
		ticks[k++] = v;
	}
	*step = st;
	return k;
}

/* Decimals needed to write multiples of step exactly (at most 6). */
static int s_decimals(double step)
{
	int d;

	for (d = 0; d < 6; d++) {
		double v = step * pow(10, d);
		if (fabs(v - round(v)) < 1e-6 * fmax(1, v))
			break;
	}
	return d;
}

static void s_fmt_tick(char *buf, size_t n, double v, int dec)
{
	snprintf(buf, n, "%.*f", dec, v);
	if (strcmp(buf, "-0") == 0 || (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1)))
		memmove(buf, buf + 1, strlen(buf));
}

/* ---------- shared axis drawing ---------- */

typedef struct s_axes {
	double l, t, r, b;        /* plot area in logical px */
	double x0, x1, y0, y1;    /* data range */
} s_axes;

static double s_px(const s_axes *a, double x)
{
	return a->l + (x - a->x0) / (a->x1 - a->x0) * (a->r - a->l);
}

static double s_py(const s_axes *a, double y)
{
	return a->b - (y - a->y0) / (a->y1 - a->y0) * (a->b - a->t);
}

static int s_all_integer(const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != floor(v[i]) || fabs(v[i]) > 1e9)
			return 0;
	return 1;
}

/* Width of the widest y tick label. */
static double s_ytick_width(const double *ticks, size_t n, int dec)
{
	double wmax = 0, w, h;
	char buf[64];
	size_t i;

	for (i = 0; i < n; i++) {
		s_fmt_tick(buf, sizeof buf, ticks[i], dec);
		mc_text_measure(buf, S_TICK_SIZE, 0, &w, &h);
		wmax = fmax(wmax, w);
	}
	return wmax;
}

/* Title, axis labels, y ticks with grid lines, spines. */
static void s_draw_frame(mc_canvas *c, const s_axes *a, const mc_plot_opts *o,
                         const double *yt, size_t nyt, int ydec, double xtick_h)
{
	char buf[64];
	size_t i;
	double wy = s_ytick_width(yt, nyt, ydec);

	for (i = 0; i < nyt; i++) {
		double y = s_py(a, yt[i]);
		mc_canvas_line(c, a->l, y, a->r, y, 1, S_GRID);
	}
	for (i = 0; i < nyt; i++) {
		double y = s_py(a, yt[i]);
		mc_canvas_line(c, a->l - S_TICK_LEN, y, a->l, y, 1, S_AXIS);
		s_fmt_tick(buf, sizeof buf, yt[i], ydec);
		mc_canvas_text(c, a->l - S_TICK_LEN - 3, y, buf, S_TICK_SIZE, 0, 0, MC_RIGHT,
		               MC_MIDDLE, S_INK, MC_TEXT_YTICK);
	}
	/* titles and axis labels longer than the picture are cut with "…" */
	if (o->title != NULL && o->title[0] != '\0') {
		double w = o->width - 2 * S_PAD, tw, th, x = (a->l + a->r) / 2;
		char *t = mc_text_fit(o->title, S_TITLE_SIZE, 1, w);
		if (t != NULL) {
			/* centred over the plot area, unless that pushes it off the picture */
			mc_text_measure(t, S_TITLE_SIZE, 1, &tw, &th);
			x = fmin(fmax(x, S_PAD + tw / 2), o->width - S_PAD - tw / 2);
			mc_canvas_text(c, x, S_PAD, t, S_TITLE_SIZE, 1, 0, MC_CENTER, MC_TOP, S_INK,
			               MC_TEXT_TITLE);
		}
		free(t);
	}
	if (o->xlabel != NULL && o->xlabel[0] != '\0') {
		char *t = mc_text_fit(o->xlabel, S_LABEL_SIZE, 0, a->r - a->l);
		if (t != NULL)
			mc_canvas_text(c, (a->l + a->r) / 2, a->b + S_TICK_LEN + 3 + xtick_h + 6, t,
			               S_LABEL_SIZE, 0, 0, MC_CENTER, MC_TOP, S_INK, MC_TEXT_AXIS_LABEL);
		free(t);
	}
	if (o->ylabel != NULL && o->ylabel[0] != '\0') {
		char *t = mc_text_fit(o->ylabel, S_LABEL_SIZE, 0, a->b - a->t);
		if (t != NULL)
			mc_canvas_text(c, a->l - S_TICK_LEN - 3 - wy - 8, (a->t + a->b) / 2, t,
			               S_LABEL_SIZE, 0, 90, MC_CENTER, MC_BOTTOM, S_INK,
			               MC_TEXT_AXIS_LABEL);
		free(t);
	}
}

static void s_draw_spines(mc_canvas *c, const s_axes *a)
{
	cairo_t *cr = mc_canvas_cairo(c);

	cairo_set_source_rgb(cr, 0x40 / 255.0, 0x40 / 255.0, 0x40 / 255.0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, a->l, a->t, a->r - a->l, a->b - a->t);
	cairo_stroke(cr);
}

/* Left and top/bottom margins from the labels; fills a->l, a->t, a->b, a->r. */
static void s_margins(s_axes *a, const mc_plot_opts *o, double ytick_w, double xtick_h,
                      double right_extra)
{
	double w, h;

	a->l = S_PAD + ytick_w + S_TICK_LEN + 3;
	if (o->ylabel != NULL && o->ylabel[0] != '\0') {
		mc_text_measure(o->ylabel, S_LABEL_SIZE, 0, &w, &h);
		a->l += h + 8;
	}
	a->t = S_PAD + 6;
	if (o->title != NULL && o->title[0] != '\0') {
		mc_text_measure(o->title, S_TITLE_SIZE, 1, &w, &h);
		a->t += h + 4;
	}
	a->b = o->height - S_PAD - S_TICK_LEN - 3 - xtick_h;
	if (o->xlabel != NULL && o->xlabel[0] != '\0') {
		mc_text_measure(o->xlabel, S_LABEL_SIZE, 0, &w, &h);
		a->b -= h + 6;
	}
	a->r = o->width - S_PAD - 8 - right_extra;
}

/* Box overlap test, for choosing where a legend or a note goes. */
static int s_overlap(double ax, double ay, double aw, double ah, double bx, double by, double bw,
                     double bh)
{
	return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

/* How much of the drawn data a box at (x, y, w, h) would cover: the number
 * of sample points of the polylines (px, py) inside it. */
static size_t s_hits(const double *px, const double *py, const size_t *start, size_t n_lines,
                     double x, double y, double w, double h)
{
	size_t hits = 0, li, i;
	int k;

	for (li = 0; li < n_lines; li++) {
		for (i = start[li]; i < start[li + 1]; i++) {
			if (px[i] >= x && px[i] <= x + w && py[i] >= y && py[i] <= y + h)
				hits += 10;
			if (i + 1 == start[li + 1])
				continue;
			for (k = 1; k < 16; k++) {
				double sx = px[i] + (px[i + 1] - px[i]) * k / 16;
				double sy = py[i] + (py[i + 1] - py[i]) * k / 16;
				if (sx >= x && sx <= x + w && sy >= y && sy <= y + h)
					hits++;
			}
		}
	}
	return hits;
}

typedef struct s_legend_item {
	const char *label;
	uint32_t rgb;
	int marker;   /* 1: line with a marker, 0: filled square */
} s_legend_item;

static void s_legend_size(const s_legend_item *it, size_t n, double *w, double *h)
{
	double tw, th, wmax = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		mc_text_measure(it[i].label, S_TICK_SIZE, 0, &tw, &th);
		wmax = fmax(wmax, tw);
	}
	*w = 8 + 22 + 6 + wmax + 8;
	*h = 6 + (double)n * 17 + 4;
}

static void s_legend_draw(mc_canvas *c, const s_legend_item *it, size_t n, double x, double y)
{
	cairo_t *cr = mc_canvas_cairo(c);
	double w, h;
	size_t i;

	s_legend_size(it, n, &w, &h);
	cairo_save(cr);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_rectangle(cr, x + 0.5, y + 0.5, w - 1, h - 1);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	cairo_restore(cr);
	mc_canvas_extend(c, x, y, x + w, y + h);
	for (i = 0; i < n; i++) {
		double cy = y + 6 + 17 * (double)i + 8.5;
		if (it[i].marker) {
			mc_canvas_line(c, x + 8, cy, x + 30, cy, 2, it[i].rgb);
			cairo_arc(cr, x + 19, cy, 3.5, 0, 2 * M_PI);
			cairo_set_source_rgb(cr, ((it[i].rgb >> 16) & 0xff) / 255.0,
			                     ((it[i].rgb >> 8) & 0xff) / 255.0, (it[i].rgb & 0xff) / 255.0);
			cairo_fill(cr);
		} else {
			mc_canvas_rect(c, x + 12, cy - 6, 14, 12, it[i].rgb);
		}
		mc_canvas_text(c, x + 36, cy, it[i].label, S_TICK_SIZE, 0, 0, MC_LEFT, MC_MIDDLE, S_INK,
		               MC_TEXT_LEGEND);
	}
}

/* Puts the legend in the corner of the plot area that covers the least data. */
static void s_legend_place(const s_axes *a, double w, double h, const double *px,
                           const double *py, const size_t *start, size_t n_lines,
                           const double *avoid, double *x, double *y)
{
	double cx[4], cy[4];
	size_t best = (size_t)-1, i;

	cx[0] = a->r - w - 8; cy[0] = a->b - h - 8;   /* lower right */
	cx[1] = a->l + 8;     cy[1] = a->t + 8;       /* upper left */
	cx[2] = a->r - w - 8; cy[2] = a->t + 8;       /* upper right */
	cx[3] = a->l + 8;     cy[3] = a->b - h - 8;   /* lower left */
	*x = cx[0];
	*y = cy[0];
	for (i = 0; i < 4; i++) {
		size_t hits = s_hits(px, py, start, n_lines, cx[i], cy[i], w, h);
		if (avoid != NULL && s_overlap(cx[i], cy[i], w, h, avoid[0], avoid[1], avoid[2], avoid[3]))
			hits += 1000;
		if (hits < best) {
			best = hits;
			*x = cx[i];
			*y = cy[i];
		}
	}
}

/* ---------- line plot ---------- */

#define S_MAX_TICKS 64

/* opts, or the defaults, with a usable size. */
static void s_opts_resolve(mc_plot_opts *o, const mc_plot_opts *opts)
{
	if (opts != NULL)
		*o = *opts;
	else
		mc_plot_opts_init(o);
	if (o->width <= 0)
		o->width = 640;
	if (o->height <= 0)
		o->height = 400;
}

/* Tick marks and labels along the x axis. */
static void s_draw_xticks(mc_canvas *c, const s_axes *a, const double *xt, size_t nxt, int xdec)
{
	char buf[64];
	size_t i;

	for (i = 0; i < nxt; i++) {
		double x = s_px(a, xt[i]);
		mc_canvas_line(c, x, a->b, x, a->b + S_TICK_LEN, 1, S_AXIS);
		s_fmt_tick(buf, sizeof buf, xt[i], xdec);
		mc_canvas_text(c, x, a->b + S_TICK_LEN + 3, buf, S_TICK_SIZE, 0, 0, MC_CENTER, MC_TOP,
		               S_INK, MC_TEXT_XTICK);
	}
}

static void s_set_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
	                     (rgb & 0xff) / 255.0);
}

/* A line plot being drawn: its input, its axes and its points on the canvas. */
typedef struct s_line {
	const mc_plot_series *series;
	size_t n_series;
	const mc_plot_mark *mark;
	mc_plot_opts o;
	s_axes a;
	int xint;            /* every x is an integer */
	int has_legend;      /* some series has a label */
	size_t total;        /* points in all series */
	double *px, *py;     /* every point in logical px, series after series */
	size_t *start;       /* series s is points start[s] .. start[s + 1] - 1 */
	double note[4];      /* the mark's text box (x, y, w, h) when has_note */
	int has_note;
} s_line;

/* Checks the series and the mark; sets the data range, xint, has_legend and
 * total. */
static int s_line_check(s_line *l, mc_error *err)
{
	const mc_plot_series *series = l->series;
	const mc_plot_mark *mark = l->mark;
	size_t s, i;

	if (l->n_series == 0 || l->n_series > 10)
		return mc_error_set(err, MC_ERR_INVALID, "line plot: %zu series, expected 1 to 10",
		                    l->n_series);
	l->a.x0 = l->a.y0 = INFINITY;
	l->a.x1 = l->a.y1 = -INFINITY;
	l->xint = 1;
	for (s = 0; s < l->n_series; s++) {
		if (series[s].n == 0 || series[s].y == NULL)
			return mc_error_set(err, MC_ERR_INVALID, "line plot: series %zu has no points", s);
		for (i = 0; i < series[s].n; i++) {
			double x = series[s].x != NULL ? series[s].x[i] : (double)i;
			double y = series[s].y[i];
			if (!isfinite(x) || !isfinite(y))
				return mc_error_set(err, MC_ERR_INVALID,
				                    "line plot: series %zu, point %zu: (%g, %g) is not finite",
				                    s, i, x, y);
			l->a.x0 = fmin(l->a.x0, x);
			l->a.x1 = fmax(l->a.x1, x);
			l->a.y0 = fmin(l->a.y0, y);
			l->a.y1 = fmax(l->a.y1, y);
		}
		if (series[s].x != NULL && !s_all_integer(series[s].x, series[s].n))
			l->xint = 0;
		if (series[s].label != NULL)
			l->has_legend = 1;
		l->total += series[s].n;
	}
	if (mark != NULL && (mark->series >= l->n_series || mark->index >= series[mark->series].n))
		return mc_error_set(err, MC_ERR_INVALID,
		                    "line plot: mark at series %zu, point %zu is outside the data",
		                    mark->series, mark->index);
	return MC_OK;
}

/* The axes' data ranges: the data with matplotlib's 5% margins, or the fixed
 * y range of the options. */
static void s_line_range(s_line *l)
{
	s_axes *a = &l->a;
	double dx, dy;

	if (l->o.ymin < l->o.ymax) {
		a->y0 = l->o.ymin;
		a->y1 = l->o.ymax;
	} else {
		dy = a->y1 - a->y0;
		if (dy <= 0) {
			/* a flat line sits in the middle of a range around it */
			dy = a->y0 != 0 ? fabs(a->y0) * 0.1 : 1;
			a->y0 -= dy / 2;
			a->y1 += dy / 2;
		}
		a->y0 -= dy * 0.05;
		a->y1 += dy * 0.05;
	}
	dx = a->x1 - a->x0;
	if (dx <= 0)
		dx = 2;
	a->x0 -= dx * 0.05;
	a->x1 += dx * 0.05;
	if (a->x1 - a->x0 < 1e-12) {
		a->x0 -= 1;
		a->x1 += 1;
	}
}

/* Every point's position on the canvas (px, py, start). */
static int s_line_points(s_line *l, mc_error *err)
{
	size_t s, i, k = 0;

	l->px = malloc(l->total * sizeof *l->px);
	l->py = malloc(l->total * sizeof *l->py);
	l->start = malloc((l->n_series + 1) * sizeof *l->start);
	if (l->px == NULL || l->py == NULL || l->start == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "line plot: out of memory");
	for (s = 0; s < l->n_series; s++) {
		const mc_plot_series *se = &l->series[s];
		l->start[s] = k;
		for (i = 0; i < se->n; i++, k++) {
			l->px[k] = s_px(&l->a, se->x != NULL ? se->x[i] : (double)i);
			l->py[k] = s_py(&l->a, se->y[i]);
		}
	}
	l->start[l->n_series] = k;
	return MC_OK;
}

/* The mark's dashed vertical guide, drawn under the data. */
static void s_line_guide(mc_canvas *c, const s_line *l)
{
	cairo_t *cr = mc_canvas_cairo(c);
	double mx = l->px[l->start[l->mark->series] + l->mark->index];
	double my = l->py[l->start[l->mark->series] + l->mark->index];
	const double dash[2] = { 5, 4 };

	cairo_save(cr);
	cairo_set_dash(cr, dash, 2, 0);
	s_set_rgb(cr, S_MARK);
	cairo_set_line_width(cr, 1.2);
	cairo_move_to(cr, mx, l->a.b);
	cairo_line_to(cr, mx, my + 8);
	cairo_stroke(cr);
	cairo_restore(cr);
}

/* The lines, with round markers when a series has at most 60 points,
 * clipped to the plot area. */
static void s_line_series(mc_canvas *c, const s_line *l)
{
	cairo_t *cr = mc_canvas_cairo(c);
	size_t s, i;

	cairo_save(cr);
	cairo_rectangle(cr, l->a.l, l->a.t, l->a.r - l->a.l, l->a.b - l->a.t);
	cairo_clip(cr);
	for (s = 0; s < l->n_series; s++) {
		s_set_rgb(cr, s_tab10[s]);
		cairo_set_line_width(cr, 2);
		cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
		for (i = l->start[s]; i < l->start[s + 1]; i++) {
			if (i == l->start[s])
				cairo_move_to(cr, l->px[i], l->py[i]);
			else
				cairo_line_to(cr, l->px[i], l->py[i]);
		}
		cairo_stroke(cr);
		for (i = l->start[s]; i < l->start[s + 1] && l->series[s].n <= 60; i++) {
			cairo_arc(cr, l->px[i], l->py[i], 4, 0, 2 * M_PI);
			s_set_rgb(cr, s_tab10[s]);
			cairo_fill_preserve(cr);
			cairo_set_source_rgb(cr, 1, 1, 1);
			cairo_set_line_width(cr, 1);
			cairo_stroke(cr);
		}
	}
	cairo_restore(cr);
}

/* Candidate places of the mark's text around the ring: below-right,
 * above-right, below-left, above-left, below, above. */
static const double s_note_ox[6] = { 12, 12, -12, -12, 0, 0 };
static const double s_note_oy[6] = { 14, -14, 14, -14, 18, -18 };
static const mc_halign s_note_ha[6] = { MC_LEFT, MC_LEFT, MC_RIGHT, MC_RIGHT, MC_CENTER,
                                        MC_CENTER };

/* Each candidate is tried next to the ring, then further away (extra
 * pixels up or down), so that a mark at a corner of a rising curve finds
 * the free space under it rather than covering the line. */
static const double s_note_away[3] = { 0, 28, 60 };
#define S_NOTE_CANDIDATES (6 * 3)

/* Top-left corner of the text box nw x nh at candidate k around (mx, my). */
static void s_note_at(int k, double mx, double my, double nw, double nh, double *bx, double *by)
{
	int dir = k % 6;
	double away = s_note_away[k / 6];

	*bx = mx + s_note_ox[dir] -
	      (s_note_ha[dir] == MC_LEFT ? 0 : s_note_ha[dir] == MC_CENTER ? nw / 2 : nw);
	*by = s_note_oy[dir] > 0 ? my + s_note_oy[dir] + away : my + s_note_oy[dir] - away - nh;
}

/* The mark's text next to its ring, at the candidate inside the plot area
 * that covers the least data; records its box in l->note. */
static void s_line_note(mc_canvas *c, s_line *l, double mx, double my)
{
	cairo_t *cr = mc_canvas_cairo(c);
	const s_axes *a = &l->a;
	const char *text = l->mark->text;
	size_t best = (size_t)-1;
	int k, bk = 0;
	double nw, nh, bx, by;

	mc_text_measure(text, S_LABEL_SIZE, 1, &nw, &nh);
	for (k = 0; k < S_NOTE_CANDIDATES; k++) {
		size_t hits;
		s_note_at(k, mx, my, nw, nh, &bx, &by);
		hits = s_hits(l->px, l->py, l->start, l->n_series, bx - 2, by - 2, nw + 4, nh + 4);
		/* nor over the dashed guide under the ring */
		if (bx - 2 <= mx && bx + nw + 2 >= mx && by + nh >= my)
			hits += 5;
		if (bx < a->l + 3 || bx + nw > a->r - 3 || by < a->t + 3 || by + nh > a->b - 3)
			hits += 100000;
		if (hits < best) {
			best = hits;
			bk = k;
		}
	}
	s_note_at(bk, mx, my, nw, nh, &bx, &by);
	if (bx < a->l + 3)
		bx = a->l + 3;
	if (bx + nw > a->r - 3)
		bx = a->r - 3 - nw;
	cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
	cairo_rectangle(cr, bx - 2, by - 1, nw + 4, nh + 2);
	cairo_fill(cr);
	mc_canvas_text(c, bx, by, text, S_LABEL_SIZE, 1, 0, MC_LEFT, MC_TOP, S_MARK, MC_TEXT_NOTE);
	l->note[0] = bx - 4;
	l->note[1] = by - 4;
	l->note[2] = nw + 8;
	l->note[3] = nh + 8;
	l->has_note = 1;
}

/* The mark's red ring, and its text when it has one. */
static void s_line_mark(mc_canvas *c, s_line *l)
{
	cairo_t *cr = mc_canvas_cairo(c);
	double mx = l->px[l->start[l->mark->series] + l->mark->index];
	double my = l->py[l->start[l->mark->series] + l->mark->index];

	s_set_rgb(cr, S_MARK);
	cairo_set_line_width(cr, 2.5);
	cairo_arc(cr, mx, my, 9, 0, 2 * M_PI);
	cairo_stroke(cr);
	if (l->mark->text != NULL && l->mark->text[0] != '\0')
		s_line_note(c, l, mx, my);
}

/* The legend of the series' labels, where it covers the least data and
 * stays off the mark's text. */
static void s_line_legend(mc_canvas *c, const s_line *l)
{
	s_legend_item items[10];
	double lw, lh, lx, ly;
	size_t s;

	for (s = 0; s < l->n_series; s++) {
		items[s].label = l->series[s].label != NULL ? l->series[s].label : "";
		items[s].rgb = s_tab10[s];
		items[s].marker = 1;
	}
	s_legend_size(items, l->n_series, &lw, &lh);
	s_legend_place(&l->a, lw, lh, l->px, l->py, l->start, l->n_series,
	               l->has_note ? l->note : NULL, &lx, &ly);
	s_legend_draw(c, items, l->n_series, lx, ly);
}

int mc_plot_line(mc_png **out, const mc_plot_series *series, size_t n_series,
                 const mc_plot_mark *mark, const mc_plot_opts *opts, mc_error *err)
{
	s_line l = { .series = series, .n_series = n_series, .mark = mark };
	mc_canvas *c = NULL;
	double xt[S_MAX_TICKS], yt[S_MAX_TICKS], xstep, ystep, wy, tw, th;
	size_t nxt, nyt;
	int xdec, ydec, rc;

	*out = NULL;
	s_opts_resolve(&l.o, opts);
	rc = s_line_check(&l, err);
	if (rc != MC_OK)
		return rc;

	/* axes: ranges, ticks, and margins measured from the labels */
	s_line_range(&l);
	nyt = mc_plot_ticks(l.a.y0, l.a.y1, 6, 0, yt, S_MAX_TICKS, &ystep);
	ydec = s_decimals(ystep);
	nxt = mc_plot_ticks(l.a.x0, l.a.x1, 8, l.xint, xt, S_MAX_TICKS, &xstep);
	xdec = l.xint ? 0 : s_decimals(xstep);
	wy = s_ytick_width(yt, nyt, ydec);
	mc_text_measure("0", S_TICK_SIZE, 0, &tw, &th);
	s_margins(&l.a, &l.o, wy, th, 0);
	if (l.a.r - l.a.l < 50 || l.a.b - l.a.t < 50)
		return mc_error_set(err, MC_ERR_INVALID, "line plot: %dx%d is too small for the labels",
		                    l.o.width, l.o.height);

	rc = mc_canvas_new(&c, l.o.width, l.o.height, l.o.scale, err);
	if (rc != MC_OK)
		return rc;
	rc = s_line_points(&l, err);
	if (rc != MC_OK)
		goto cleanup;

	/* bottom to top: frame and ticks, the mark's guide, the data, the
	 * spines, the mark, the legend */
	s_draw_frame(c, &l.a, &l.o, yt, nyt, ydec, th);
	s_draw_xticks(c, &l.a, xt, nxt, xdec);
	if (mark != NULL)
		s_line_guide(c, &l);
	s_line_series(c, &l);
	s_draw_spines(c, &l.a);
	if (mark != NULL)
		s_line_mark(c, &l);
	if (l.has_legend)
		s_line_legend(c, &l);
	rc = mc_canvas_png(out, c, err);
cleanup:
	free(l.px);
	free(l.py);
	free(l.start);
	mc_canvas_free(c);
	return rc;
}

/* ---------- bar chart ---------- */

static void s_fmt_value(char *buf, size_t n, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.3g", v);
}

/* A bar chart being drawn: its input, its axes and the layout of its bars
 * and category labels. */
typedef struct s_bar {
	const char *const *labels;
	size_t n;
	const double *values;        /* n_stack rows of n */
	size_t n_stack;
	const char *const *stack_labels;
	mc_plot_opts o;
	s_axes a;
	double yt[S_MAX_TICKS];      /* y ticks */
	size_t nyt;
	int ydec;
	double wy;                   /* width of the widest y tick label */
	double *tops;                /* each bar's total */
	double *bots;                /* running base of the stacked segments */
	char **lbl;                  /* the category labels, fitted */
	double lblw, lblh;           /* widest category label, its height */
	double angle;                /* category label rotation: 0, 45 or 90 */
	double xh;                   /* height of the category label block */
	double slot, bw;             /* space per bar, bar width */
	double *px, *py;             /* each bar's top edge, as a polyline */
} s_bar;

static int s_bar_check(const s_bar *b, mc_error *err)
{
	size_t i, k;

	if (b->n == 0)
		return mc_error_set(err, MC_ERR_INVALID, "bar chart: no bars");
	if (b->n > 2000)
		return mc_error_set(err, MC_ERR_INVALID, "bar chart: %zu bars, at most 2000", b->n);
	if (b->n_stack == 0 || b->n_stack > 10)
		return mc_error_set(err, MC_ERR_INVALID, "bar chart: %zu stacked series, expected 1 to 10",
		                    b->n_stack);
	for (k = 0; k < b->n_stack; k++)
		for (i = 0; i < b->n; i++) {
			double v = b->values[k * b->n + i];
			if (!isfinite(v) || (b->n_stack > 1 && v < 0))
				return mc_error_set(err, MC_ERR_INVALID,
				                    "bar chart: series %zu, bar %zu: %g, expected a finite%s value",
				                    k, i, v, b->n_stack > 1 ? " non-negative" : "");
		}
	return MC_OK;
}

/* The bars' totals, the y range (0 included, room above for the value
 * labels) and its ticks. */
static void s_bar_range(s_bar *b)
{
	s_axes *a = &b->a;
	double ystep;
	size_t i, k;

	a->y0 = 0;
	a->y1 = 0;
	for (i = 0; i < b->n; i++) {
		for (k = 0; k < b->n_stack; k++)
			b->tops[i] += b->values[k * b->n + i];
		a->y0 = fmin(a->y0, b->tops[i]);
		a->y1 = fmax(a->y1, b->tops[i]);
	}
	if (b->o.ymin < b->o.ymax) {
		a->y0 = b->o.ymin;
		a->y1 = b->o.ymax;
	} else {
		double span = a->y1 - a->y0;
		if (span <= 0)
			span = 1;
		a->y1 += span * (b->o.value_labels ? 0.12 : 0.05);
		if (a->y0 < 0)
			a->y0 -= span * 0.05;
	}
	a->x0 = -0.5;
	a->x1 = (double)b->n - 0.5;
	b->nyt = mc_plot_ticks(a->y0, a->y1, 6, s_all_integer(b->tops, b->n), b->yt, S_MAX_TICKS,
	                       &ystep);
	b->ydec = s_decimals(ystep);
	b->wy = s_ytick_width(b->yt, b->nyt, b->ydec);
}

/* The category labels cut to 140 px ("0", "1", ... when there are none);
 * sets lblw and lblh. */
static int s_bar_labels(s_bar *b, mc_error *err)
{
	double tw, th = 0;
	size_t i;

	for (i = 0; i < b->n; i++) {
		char num[32];
		const char *s = b->labels != NULL && b->labels[i] != NULL ? b->labels[i] : NULL;
		if (s == NULL) {
			snprintf(num, sizeof num, "%zu", i);
			s = num;
		}
		b->lbl[i] = mc_text_fit(s, S_TICK_SIZE, 0, 140);
		if (b->lbl[i] == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "bar chart: out of memory");
		mc_text_measure(b->lbl[i], S_TICK_SIZE, 0, &tw, &th);
		b->lblw = fmax(b->lblw, tw);
	}
	b->lblh = th;
	return MC_OK;
}

/* The label rotation from a first guess of the slot, then the margins, the
 * slot and the bar width. */
static int s_bar_layout(s_bar *b, mc_error *err)
{
	s_axes *a = &b->a;
	double slot = (b->o.width - 2 * S_PAD - b->wy - 40) / (double)b->n;

	b->angle = 0;
	if (b->lblw > slot - 4)
		b->angle = (slot >= b->lblh * 1.6 && b->n <= 30) ? 45 : 90;
	b->xh = b->angle == 0 ? b->lblh : b->angle == 45 ? (b->lblw + b->lblh) * M_SQRT1_2 : b->lblw;
	s_margins(a, &b->o, b->wy, b->xh, 0);
	if (a->r - a->l < 50 || a->b - a->t < 50)
		return mc_error_set(err, MC_ERR_INVALID, "bar chart: %dx%d is too small for the labels",
		                    b->o.width, b->o.height);
	if (b->angle == 45) {
		/* the first label reaches left of its bar */
		double need = S_PAD + (b->lblw + b->lblh) * M_SQRT1_2 - 0.5 * (a->r - a->l) / (double)b->n;
		if (a->l < need)
			a->l = need;
	}
	b->slot = (a->r - a->l) / (double)b->n;
	b->bw = b->slot * 0.7;
	return MC_OK;
}

/* The bars, segment after segment, clipped to the plot area. */
static void s_bar_bars(mc_canvas *c, s_bar *b)
{
	const s_axes *a = &b->a;
	size_t i, k;

	for (k = 0; k < b->n_stack; k++) {
		for (i = 0; i < b->n; i++) {
			double v = b->values[k * b->n + i];
			double cx = s_px(a, (double)i);
			double y0 = s_py(a, b->bots[i]), y1 = s_py(a, b->bots[i] + v);
			double yt0 = fmax(fmin(y0, y1), a->t), yt1 = fmin(fmax(y0, y1), a->b);
			if (yt1 > yt0)
				mc_canvas_rect(c, cx - b->bw / 2, yt0, b->bw, yt1 - yt0, s_tab10[k]);
			b->bots[i] += v;
		}
	}
	if (a->y0 < 0 && a->y1 > 0)
		mc_canvas_line(c, a->l, s_py(a, 0), a->r, s_py(a, 0), 1, S_AXIS);
}

/* Tick marks and category labels; records each bar's top edge in px, py. */
static void s_bar_xticks(mc_canvas *c, s_bar *b)
{
	const s_axes *a = &b->a;
	size_t i;

	for (i = 0; i < b->n; i++) {
		double cx = s_px(a, (double)i);
		mc_canvas_line(c, cx, a->b, cx, a->b + S_TICK_LEN, 1, S_AXIS);
		if (b->angle == 0)
			mc_canvas_text(c, cx, a->b + S_TICK_LEN + 3, b->lbl[i], S_TICK_SIZE, 0, 0, MC_CENTER,
			               MC_TOP, S_INK, MC_TEXT_XTICK);
		else
			mc_canvas_text(c, cx, a->b + S_TICK_LEN + 3, b->lbl[i], S_TICK_SIZE, 0, b->angle,
			               MC_RIGHT, b->angle == 45 ? MC_TOP : MC_MIDDLE, S_INK, MC_TEXT_XTICK);
		b->px[2 * i] = cx - b->bw / 2;
		b->px[2 * i + 1] = cx + b->bw / 2;
		b->py[2 * i] = b->py[2 * i + 1] = s_py(a, b->tops[i]);
	}
}

/* Each bar's total above it (below a negative one), where it fits. */
static void s_bar_values(mc_canvas *c, const s_bar *b)
{
	const s_axes *a = &b->a;
	double tw, th;
	char buf[64];
	size_t i;

	for (i = 0; i < b->n; i++) {
		double cx = s_px(a, (double)i), y = s_py(a, b->tops[i]);
		s_fmt_value(buf, sizeof buf, b->tops[i]);
		mc_text_measure(buf, 10, 0, &tw, &th);
		if (tw > b->slot - 1 || y - 3 - th < a->t || y > a->b)
			continue;
		mc_canvas_text(c, cx, b->tops[i] >= 0 ? y - 3 : y + 3, buf, 10, 0, 0, MC_CENTER,
		               b->tops[i] >= 0 ? MC_BOTTOM : MC_TOP, S_INK, MC_TEXT_CELL);
	}
}

/* The legend of the stacked series, in the corner that covers the least of
 * the bars (each bar counts as the area below its top, and 16 px above). */
static int s_bar_legend(mc_canvas *c, const s_bar *b, mc_error *err)
{
	s_legend_item items[10];
	double lw, lh, lx, ly, *fx, *fy;
	size_t fl[2] = { 0, 0 }, i, k, n = b->n;

	for (k = 0; k < b->n_stack; k++) {
		items[k].label = b->stack_labels != NULL && b->stack_labels[k] != NULL
		                 ? b->stack_labels[k] : "";
		items[k].rgb = s_tab10[k];
		items[k].marker = 0;
	}
	s_legend_size(items, b->n_stack, &lw, &lh);
	fx = malloc(4 * n * sizeof *fx);
	fy = malloc(4 * n * sizeof *fy);
	if (fx == NULL || fy == NULL) {
		free(fx);
		free(fy);
		return mc_error_set(err, MC_ERR_NOMEM, "bar chart: out of memory");
	}
	for (i = 0; i < n; i++) {
		fx[4 * i] = b->px[2 * i];
		fy[4 * i] = b->a.b;
		fx[4 * i + 1] = b->px[2 * i];
		fy[4 * i + 1] = b->py[2 * i] - 16;
		fx[4 * i + 2] = b->px[2 * i + 1];
		fy[4 * i + 2] = b->py[2 * i] - 16;
		fx[4 * i + 3] = b->px[2 * i + 1];
		fy[4 * i + 3] = b->a.b;
	}
	fl[1] = 4 * n;
	s_legend_place(&b->a, lw, lh, fx, fy, fl, 1, NULL, &lx, &ly);
	free(fx);
	free(fy);
	s_legend_draw(c, items, b->n_stack, lx, ly);
	return MC_OK;
}

int mc_plot_bar(mc_png **out, const char *const *labels, size_t n, const double *values,
                size_t n_stack, const char *const *stack_labels, const mc_plot_opts *opts,
                mc_error *err)
{
	s_bar b = { .labels = labels, .n = n, .values = values, .n_stack = n_stack,
	            .stack_labels = stack_labels };
	mc_canvas *c = NULL;
	size_t i;
	int rc;

	*out = NULL;
	s_opts_resolve(&b.o, opts);
	rc = s_bar_check(&b, err);
	if (rc != MC_OK)
		return rc;

	b.tops = calloc(n, sizeof *b.tops);
	b.bots = calloc(n, sizeof *b.bots);
	b.lbl = calloc(n, sizeof *b.lbl);
	b.px = calloc(2 * n, sizeof *b.px);
	b.py = calloc(2 * n, sizeof *b.py);
	if (b.tops == NULL || b.bots == NULL || b.lbl == NULL || b.px == NULL || b.py == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "bar chart: out of memory");
		goto cleanup;
	}
	s_bar_range(&b);
	rc = s_bar_labels(&b, err);
	if (rc == MC_OK)
		rc = s_bar_layout(&b, err);
	if (rc == MC_OK)
		rc = mc_canvas_new(&c, b.o.width, b.o.height, b.o.scale, err);
	if (rc != MC_OK)
		goto cleanup;

	/* bottom to top: frame, bars, spines, category labels, values, legend */
	s_draw_frame(c, &b.a, &b.o, b.yt, b.nyt, b.ydec, b.xh);
	s_bar_bars(c, &b);
	s_draw_spines(c, &b.a);
	s_bar_xticks(c, &b);
	if (b.o.value_labels)
		s_bar_values(c, &b);
	if (n_stack > 1) {
		rc = s_bar_legend(c, &b, err);
		if (rc != MC_OK)
			goto cleanup;
	}
	rc = mc_canvas_png(out, c, err);
cleanup:
	if (b.lbl != NULL)
		for (i = 0; i < n; i++)
			free(b.lbl[i]);
	free(b.lbl);
	free(b.tops);
	free(b.bots);
	free(b.px);
	free(b.py);
	mc_canvas_free(c);
	return rc;
}

/* ---------- heatmap ---------- */

static uint32_t s_cmap(double t)
{
	double f;
	int i, k;
	uint32_t a, b, out = 0;

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	f = t * 8;
	i = (int)floor(f);
	if (i >= 8)
		i = 7;
	f -= i;
	a = s_blues[i];
	b = s_blues[i + 1];
	for (k = 16; k >= 0; k -= 8) {
		double ca = (a >> k) & 0xff, cb = (b >> k) & 0xff;
		out |= (uint32_t)lround(ca + (cb - ca) * f) << k;
	}
	return out;
}

static double s_luma(uint32_t rgb)
{
	return (0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff)) /
	       255.0;
}

typedef struct s_heat {
	const mc_matrix *m;
	const mc_heatmap_opts *o;
	char **rl, **cl;          /* fitted labels */
	double cs;                /* cell size */
	double lf, vf;            /* label and value font sizes */
	double angle;             /* x label rotation */
	double xlab_h;            /* height of the x label block */
	double ylab_w;            /* width of the y label block */
	int values;               /* draw values */
	const char *fmt;
	double vmin, vmax;
	double ct[S_MAX_TICKS];
	size_t nct;
	int cdec;
} s_heat;

/* The colour bar, 14 px wide, at x = cbx from the top to cbh, with ticks. */
/* A cell's value in h->fmt: a printf format of one double, ours or the
 * caller's (mc_heatmap_opts.fmt). */
static void s_heat_value(char *buf, size_t n, const s_heat *h, double v)
{
	/* The caller's format is a printf format by contract, so it cannot be
	 * a literal: the one place -Wformat-nonliteral is off. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, n, h->fmt, v);
#pragma GCC diagnostic pop
}

static void s_heat_colorbar(mc_canvas *c, const s_heat *h, double cbx, double cbh)
{
	cairo_t *cr = mc_canvas_cairo(c);
	cairo_pattern_t *p = cairo_pattern_create_linear(0, cbh, 0, 0);
	double cbw = 14;
	char buf[64];
	size_t i;
	int k;

	for (k = 0; k < 9; k++)
		cairo_pattern_add_color_stop_rgb(p, k / 8.0, ((s_blues[k] >> 16) & 0xff) / 255.0,
		                                 ((s_blues[k] >> 8) & 0xff) / 255.0,
		                                 (s_blues[k] & 0xff) / 255.0);
	cairo_rectangle(cr, cbx, 0, cbw, cbh);
	cairo_set_source(cr, p);
	cairo_fill(cr);
	cairo_pattern_destroy(p);
	mc_canvas_extend(c, cbx, 0, cbx + cbw, cbh);
	cairo_set_source_rgb(cr, 0x40 / 255.0, 0x40 / 255.0, 0x40 / 255.0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, cbx, 0, cbw, cbh);
	cairo_stroke(cr);
	for (i = 0; i < h->nct; i++) {
		double y = cbh - (h->ct[i] - h->vmin) / (h->vmax - h->vmin) * cbh;
		mc_canvas_line(c, cbx + cbw, y, cbx + cbw + S_TICK_LEN, y, 1, S_AXIS);
		s_fmt_tick(buf, sizeof buf, h->ct[i], h->cdec);
		mc_canvas_text(c, cbx + cbw + S_TICK_LEN + 3, y, buf, fmin(S_TICK_SIZE, 11), 0, 0,
		               MC_LEFT, MC_MIDDLE, S_INK, MC_TEXT_COLORBAR);
	}
}

static void s_heat_draw(mc_canvas *c, const s_heat *h)
{
	const mc_matrix *m = h->m;
	const mc_heatmap_opts *o = h->o;
	cairo_t *cr = mc_canvas_cairo(c);
	double W = h->cs * (double)m->cols, H = h->cs * (double)m->rows;
	size_t i, j;
	char buf[64];

	/* cells */
	for (i = 0; i < m->rows; i++)
		for (j = 0; j < m->cols; j++) {
			double v = MC_AT(m, i, j);
			uint32_t rgb = isfinite(v) ? s_cmap((v - h->vmin) / (h->vmax - h->vmin)) : S_NAN;
			/* overlap by a hair so no seams show between cells */
			mc_canvas_rect(c, (double)j * h->cs, (double)i * h->cs, h->cs + 0.02, h->cs + 0.02,
			               rgb);
		}
	if (h->values)
		for (i = 0; i < m->rows; i++)
			for (j = 0; j < m->cols; j++) {
				double v = MC_AT(m, i, j);
				uint32_t rgb;
				if (!isfinite(v))
					continue;
				rgb = s_cmap((v - h->vmin) / (h->vmax - h->vmin));
				s_heat_value(buf, sizeof buf, h, v);
				mc_canvas_text(c, ((double)j + 0.5) * h->cs, ((double)i + 0.5) * h->cs, buf,
				               h->vf, 0, 0, MC_CENTER, MC_MIDDLE,
				               s_luma(rgb) < 0.5 ? 0xffffff : S_INK, MC_TEXT_CELL);
			}
	/* frame */
	cairo_set_source_rgb(cr, 0x40 / 255.0, 0x40 / 255.0, 0x40 / 255.0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, 0, 0, W, H);
	cairo_stroke(cr);

	/* the class of interest: its column framed, its labels in bold red */
	if (o->highlight >= 0 && (size_t)o->highlight < m->cols) {
		const double dash[2] = { 4, 3 };
		cairo_save(cr);
		cairo_set_dash(cr, dash, 2, 0);
		cairo_set_source_rgb(cr, 0xd6 / 255.0, 0x27 / 255.0, 0x28 / 255.0);
		cairo_set_line_width(cr, 1.5);
		cairo_rectangle(cr, (double)o->highlight * h->cs, 0, h->cs, H);
		cairo_stroke(cr);
		cairo_restore(cr);
	}
	/* the chosen cell */
	if (o->mark_row >= 0 && o->mark_col >= 0) {
		/* inside a large cell; around a small one, so it stays visible */
		double lw = h->cs >= 20 ? 3 : 2, in = h->cs >= 20 ? lw / 2 : -lw / 2;
		cairo_set_source_rgb(cr, 0xd6 / 255.0, 0x27 / 255.0, 0x28 / 255.0);
		cairo_set_line_width(cr, lw);
		cairo_rectangle(cr, (double)o->mark_col * h->cs + in, (double)o->mark_row * h->cs + in,
		                h->cs - 2 * in, h->cs - 2 * in);
		cairo_stroke(cr);
	}

	/* row labels */
	for (i = 0; i < m->rows; i++) {
		int hl = o->highlight >= 0 && (size_t)o->highlight == i;
		double y = ((double)i + 0.5) * h->cs;
		mc_canvas_line(c, -S_TICK_LEN, y, 0, y, 1, S_AXIS);
		mc_canvas_text(c, -S_TICK_LEN - 3, y, h->rl[i], h->lf, hl, 0, MC_RIGHT, MC_MIDDLE,
		               hl ? S_MARK : S_INK, MC_TEXT_YTICK);
	}
	/* column labels */
	for (j = 0; j < m->cols; j++) {
		int hl = o->highlight >= 0 && (size_t)o->highlight == j;
		double x = ((double)j + 0.5) * h->cs;
		uint32_t rgb = hl ? S_MARK : S_INK;
		mc_canvas_line(c, x, H, x, H + S_TICK_LEN, 1, S_AXIS);
		if (h->angle == 0)
			mc_canvas_text(c, x, H + S_TICK_LEN + 3, h->cl[j], h->lf, hl, 0, MC_CENTER, MC_TOP,
			               rgb, MC_TEXT_XTICK);
		else if (h->angle == 45)
			mc_canvas_text(c, x + h->lf * 0.35, H + S_TICK_LEN + 3, h->cl[j], h->lf, hl, 45,
			               MC_RIGHT, MC_TOP, rgb, MC_TEXT_XTICK);
		else
			mc_canvas_text(c, x, H + S_TICK_LEN + 3, h->cl[j], h->lf, hl, 90, MC_RIGHT,
			               MC_MIDDLE, rgb, MC_TEXT_XTICK);
	}
	if (o->title != NULL && o->title[0] != '\0')
		mc_canvas_text(c, W / 2, -12, o->title, S_TITLE_SIZE, 1, 0, MC_CENTER, MC_BOTTOM, S_INK,
		               MC_TEXT_TITLE);
	if (o->xlabel != NULL && o->xlabel[0] != '\0')
		mc_canvas_text(c, W / 2, H + S_TICK_LEN + 3 + h->xlab_h + 8, o->xlabel, S_LABEL_SIZE, 0, 0,
		               MC_CENTER, MC_TOP, S_INK, MC_TEXT_AXIS_LABEL);
	if (o->ylabel != NULL && o->ylabel[0] != '\0')
		mc_canvas_text(c, -S_TICK_LEN - 3 - h->ylab_w - 10, H / 2, o->ylabel, S_LABEL_SIZE, 0, 90,
		               MC_CENTER, MC_BOTTOM, S_INK, MC_TEXT_AXIS_LABEL);

	s_heat_colorbar(c, h, W + 18, H);
}

int mc_plot_format_ok(const char *fmt)
{
	static const char flags[] = "0123456789.-+ #";
	const char *p = strchr(fmt, '%');
	size_t k;

	if (p == NULL)
		return 0;
	k = strspn(p + 1, flags);
	return p[1 + k] != '\0' && strchr("fgeFGE", p[1 + k]) != NULL &&
	       strchr(p + 2 + k, '%') == NULL;
}

static int s_heat_check(const mc_matrix *m, const mc_heatmap_opts *o, mc_error *err)
{
	if (o->fmt != NULL && !mc_plot_format_ok(o->fmt))
		return mc_error_set(err, MC_ERR_INVALID, "heatmap: fmt \"%s\" must hold one %%f, %%g "
		                    "or %%e conversion, like \"%%.2f\"", o->fmt);
	if (m == NULL || m->rows == 0 || m->cols == 0)
		return mc_error_set(err, MC_ERR_INVALID, "heatmap: the matrix is empty");
	if (m->rows > 1000 || m->cols > 1000)
		return mc_error_set(err, MC_ERR_INVALID, "heatmap: %zux%zu, at most 1000x1000", m->rows,
		                    m->cols);
	if (o->highlight >= 0 && (size_t)o->highlight >= m->cols && (size_t)o->highlight >= m->rows)
		return mc_error_set(err, MC_ERR_INVALID, "heatmap: highlighted class %ld, matrix is %zux%zu",
		                    o->highlight, m->rows, m->cols);
	if ((o->mark_row >= 0) != (o->mark_col >= 0) ||
	    (o->mark_row >= 0 && ((size_t)o->mark_row >= m->rows || (size_t)o->mark_col >= m->cols)))
		return mc_error_set(err, MC_ERR_INVALID, "heatmap: marked cell (%ld, %ld), matrix is %zux%zu",
		                    o->mark_row, o->mark_col, m->rows, m->cols);
	return MC_OK;
}

/* The colour range, the value format and the cell and font sizes; sets
 * *all_int when every finite value is a whole number. */
static void s_heat_scale(s_heat *h, int *all_int)
{
	const mc_matrix *m = h->m;
	const mc_heatmap_opts *o = h->o;
	double lo = INFINITY, hi = -INFINITY;
	int all_unit = 1;
	size_t i, j, n;

	*all_int = 1;
	for (i = 0; i < m->rows; i++)
		for (j = 0; j < m->cols; j++) {
			double v = MC_AT(m, i, j);
			if (!isfinite(v))
				continue;
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			if (v < 0 || v > 1)
				all_unit = 0;
			if (v != floor(v))
				*all_int = 0;
		}
	if (o->vmin < o->vmax) {
		h->vmin = o->vmin;
		h->vmax = o->vmax;
	} else {
		h->vmin = isfinite(lo) ? fmin(0, lo) : 0;
		h->vmax = isfinite(hi) ? hi : 1;
		if (h->vmax <= h->vmin)
			h->vmax = h->vmin + 1;
	}
	h->fmt = o->fmt != NULL ? o->fmt : *all_int ? "%.0f" : all_unit ? "%.2f" : "%.3g";
	n = m->rows > m->cols ? m->rows : m->cols;
	h->cs = floor(480.0 / (double)n);
	h->cs = fmax(10, fmin(64, h->cs));
	h->lf = fmax(7, fmin(S_TICK_SIZE, h->cs * 0.8));
	h->vf = fmax(7, fmin(12, h->cs * 0.3));
}

/* The row and column labels, cut to max_label ("0", "1", ... when there are
 * none; columns fall back to the row labels). */
static int s_heat_labels(s_heat *h, mc_error *err)
{
	const mc_matrix *m = h->m;
	const mc_heatmap_opts *o = h->o;
	const char *const *cl = o->col_labels != NULL ? o->col_labels : o->row_labels;
	size_t i;

	h->rl = calloc(m->rows, sizeof *h->rl);
	h->cl = calloc(m->cols, sizeof *h->cl);
	if (h->rl == NULL || h->cl == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "heatmap: out of memory");
	for (i = 0; i < m->rows || i < m->cols; i++) {
		const char *s;
		char num[32];
		int bold = o->highlight >= 0 && (size_t)o->highlight == i;
		snprintf(num, sizeof num, "%zu", i);
		if (i < m->rows) {
			s = o->row_labels != NULL && o->row_labels[i] != NULL ? o->row_labels[i] : num;
			h->rl[i] = mc_text_fit(s, h->lf, bold, o->max_label);
			if (h->rl[i] == NULL)
				return mc_error_set(err, MC_ERR_NOMEM, "heatmap: out of memory");
		}
		if (i < m->cols) {
			s = cl != NULL && (o->col_labels != NULL || i < m->rows) && cl[i] != NULL ? cl[i] : num;
			h->cl[i] = mc_text_fit(s, h->lf, bold, o->max_label);
			if (h->cl[i] == NULL)
				return mc_error_set(err, MC_ERR_NOMEM, "heatmap: out of memory");
		}
	}
	return MC_OK;
}

/* The label blocks and the column label rotation, whether the values fit
 * in the cells, and the colour bar's ticks. */
static void s_heat_layout(s_heat *h, int all_int)
{
	const mc_matrix *m = h->m;
	const mc_heatmap_opts *o = h->o;
	double tw, th = 0, wmax = 0, rowh, cstep;
	char buf[64];
	size_t i, j;

	for (j = 0; j < m->cols; j++) {
		mc_text_measure(h->cl[j], h->lf, o->highlight >= 0 && (size_t)o->highlight == j, &tw, &th);
		wmax = fmax(wmax, tw);
	}
	rowh = th;
	if (wmax <= h->cs - 4) {
		h->angle = 0;
		h->xlab_h = rowh;
	} else if (h->cs * M_SQRT1_2 >= rowh + 2 && m->cols <= 30) {
		h->angle = 45;
		h->xlab_h = (wmax + rowh) * M_SQRT1_2;
	} else {
		h->angle = 90;
		h->xlab_h = wmax;
	}
	h->ylab_w = 0;
	for (i = 0; i < m->rows; i++) {
		mc_text_measure(h->rl[i], h->lf, o->highlight >= 0 && (size_t)o->highlight == i, &tw, &th);
		h->ylab_w = fmax(h->ylab_w, tw);
	}
	/* values, when the widest fits its cell */
	h->values = 0;
	if (o->show_values && h->cs >= 20) {
		wmax = 0;
		for (i = 0; i < m->rows; i++)
			for (j = 0; j < m->cols; j++) {
				s_heat_value(buf, sizeof buf, h, MC_AT(m, i, j));
				mc_text_measure(buf, h->vf, 0, &tw, &th);
				wmax = fmax(wmax, tw);
			}
		h->values = wmax <= h->cs - 4 && th <= h->cs - 2;
	}
	h->nct = mc_plot_ticks(h->vmin, h->vmax, 5, all_int && o->vmin >= o->vmax, h->ct, S_MAX_TICKS,
	                       &cstep);
	h->cdec = s_decimals(cstep);
}

int mc_plot_heatmap(mc_png **out, mc_heatmap_layout *layout, const mc_matrix *m,
                    const mc_heatmap_opts *opts, mc_error *err)
{
	mc_heatmap_opts o;
	s_heat h;
	mc_canvas *meas = NULL, *c = NULL;
	size_t i, j;
	int all_int, rc;

	*out = NULL;
	if (opts != NULL)
		o = *opts;
	else
		mc_heatmap_opts_init(&o);
	if (o.max_label <= 0)
		o.max_label = 150;
	rc = s_heat_check(m, &o, err);
	if (rc != MC_OK)
		return rc;
	memset(&h, 0, sizeof h);
	h.m = m;
	h.o = &o;
	s_heat_scale(&h, &all_int);
	rc = s_heat_labels(&h, err);
	if (rc != MC_OK)
		goto cleanup;
	s_heat_layout(&h, all_int);

	/* drawn twice: to measure, then on a canvas of the size found */
	rc = mc_canvas_new_measure(&meas, err);
	if (rc != MC_OK)
		goto cleanup;
	s_heat_draw(meas, &h);
	rc = mc_canvas_new_fit(&c, meas, 8, o.scale, err);
	if (rc != MC_OK)
		goto cleanup;
	s_heat_draw(c, &h);
	rc = mc_canvas_png(out, c, err);
	if (rc == MC_OK && layout != NULL) {
		double ox, oy;
		mc_canvas_offset(c, &ox, &oy);
		layout->x = ox;
		layout->y = oy;
		layout->cell = h.cs;
		layout->values_shown = h.values;
		layout->label_angle = h.angle;
	}
cleanup:
	if (h.rl != NULL)
		for (i = 0; i < m->rows; i++)
			free(h.rl[i]);
	if (h.cl != NULL)
		for (j = 0; j < m->cols; j++)
			free(h.cl[j]);
	free(h.rl);
	free(h.cl);
	mc_canvas_free(meas);
	mc_canvas_free(c);
	return rc;
}
