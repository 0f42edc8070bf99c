/* This module implements the table builder of table.h and its HTML and
 * plain-text renderings. */
#include "maskclean/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/buf.h"

typedef enum s_kind { S_EMPTY, S_STR, S_INT, S_FLOAT } s_kind;

typedef struct s_cell {
	s_kind kind;
	char *s;
	int64_t i;
	double f;
} s_cell;

struct mc_table {
	size_t n_cols, n_rows, cap_rows;
	char **names;
	int *digits;
	char *caption;
	size_t max_rows;
	s_cell *cells;   /* n_rows x n_cols */
};

int mc_table_new(mc_table **out, const char *const *names, size_t n_cols, mc_error *err)
{
	mc_table *t;
	size_t j;

	*out = NULL;
	if (n_cols == 0)
		return mc_error_set(err, MC_ERR_INVALID, "table: no columns");
	for (j = 0; j < n_cols; j++)
		if (names[j] == NULL)
			return mc_error_set(err, MC_ERR_INVALID, "table: column %zu has no name", j);
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
	t->n_cols = n_cols;
	t->names = calloc(n_cols, sizeof *t->names);
	t->digits = malloc(n_cols * sizeof *t->digits);
	if (t->names == NULL || t->digits == NULL)
		goto nomem;
	for (j = 0; j < n_cols; j++) {
		t->names[j] = strdup(names[j]);
		if (t->names[j] == NULL)
			goto nomem;
		t->digits[j] = -1;
	}
	*out = t;
	return MC_OK;
nomem:
	mc_table_free(t);
	return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
}

void mc_table_free(mc_table *t)
{
	size_t j;

	if (t == NULL)
		return;
	if (t->names != NULL)
		for (j = 0; j < t->n_cols; j++)
			free(t->names[j]);
	for (j = 0; j < t->n_rows * t->n_cols; j++)
		free(t->cells[j].s);
	free(t->names);
	free(t->digits);
	free(t->caption);
	free(t->cells);
	free(t);
}

size_t mc_table_rows(const mc_table *t)
{
	return t->n_rows;
}

size_t mc_table_cols(const mc_table *t)
{
	return t->n_cols;
}

int mc_table_set_caption(mc_table *t, const char *caption, mc_error *err)
{
	char *c = NULL;

	if (caption != NULL && (c = strdup(caption)) == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
	free(t->caption);
	t->caption = c;
	return MC_OK;
}

void mc_table_set_digits(mc_table *t, size_t col, int digits)
{
	if (col < t->n_cols)
		t->digits[col] = digits < 0 ? -1 : digits > 17 ? 17 : digits;
}

void mc_table_set_max_rows(mc_table *t, size_t max_rows)
{
	t->max_rows = max_rows;
}

int mc_table_add_row(mc_table *t, size_t *row, mc_error *err)
{
	if (t->n_rows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
		s_cell *c = realloc(t->cells, cap * t->n_cols * sizeof *c);
		if (c == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
		t->cells = c;
		t->cap_rows = cap;
	}
	memset(t->cells + t->n_rows * t->n_cols, 0, t->n_cols * sizeof *t->cells);
	*row = t->n_rows++;
	return MC_OK;
}

static s_cell *s_cell_at(mc_table *t, size_t row, size_t col, mc_error *err)
{
	if (row >= t->n_rows || col >= t->n_cols) {
		mc_error_set(err, MC_ERR_INVALID, "table: no cell (%zu, %zu), the table is %zux%zu", row,
		             col, t->n_rows, t->n_cols);
		return NULL;
	}
	return &t->cells[row * t->n_cols + col];
}

const char *mc_table_col_name(const mc_table *t, size_t col)
{
	return col < t->n_cols ? t->names[col] : NULL;
}

int mc_table_get(mc_table_cell *out, const mc_table *t, size_t row, size_t col, mc_error *err)
{
	const s_cell *c;

	if (row >= t->n_rows || col >= t->n_cols)
		return mc_error_set(err, MC_ERR_INVALID, "table: no cell (%zu, %zu) in %zu x %zu",
		                    row, col, t->n_rows, t->n_cols);
	c = &t->cells[row * t->n_cols + col];
	out->kind = c->kind == S_STR ? MC_TABLE_STR : c->kind == S_INT ? MC_TABLE_INT :
	            c->kind == S_FLOAT ? MC_TABLE_FLOAT : MC_TABLE_EMPTY;
	out->s = c->s;
	out->i = c->i;
	out->f = c->f;
	return 0;
}

int mc_table_set_str(mc_table *t, size_t row, size_t col, const char *s, mc_error *err)
{
	s_cell *c = s_cell_at(t, row, col, err);
	char *copy = NULL;

	if (c == NULL)
		return MC_ERR_INVALID;
	if (s != NULL && (copy = strdup(s)) == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
	free(c->s);
	c->s = copy;
	c->kind = s != NULL ? S_STR : S_EMPTY;
	return MC_OK;
}

/* Replaces the cell at (row, col) by a number of the given kind. */
static int s_set_number(mc_table *t, size_t row, size_t col, s_cell v, mc_error *err)
{
	s_cell *c = s_cell_at(t, row, col, err);

	if (c == NULL)
		return MC_ERR_INVALID;
	free(c->s);
	*c = v;
	return MC_OK;
}

int mc_table_set_int(mc_table *t, size_t row, size_t col, int64_t v, mc_error *err)
{
	return s_set_number(t, row, col, (s_cell){ .kind = S_INT, .i = v }, err);
}

int mc_table_set_float(mc_table *t, size_t row, size_t col, double v, mc_error *err)
{
	return s_set_number(t, row, col, (s_cell){ .kind = S_FLOAT, .f = v }, err);
}

/* ---------- rendering ---------- */

static void s_puts(mc_buf *o, const char *s)
{
	mc_buf_put(o, s, strlen(s));
}

static void s_escape(mc_buf *o, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': s_puts(o, "&amp;"); break;
		case '<': s_puts(o, "&lt;"); break;
		case '>': s_puts(o, "&gt;"); break;
		case '"': s_puts(o, "&quot;"); break;
		case '\'': s_puts(o, "&#39;"); break;
		default: mc_buf_put(o, s, 1); break;
		}
	}
}

static int s_finish(char **out, mc_buf *o, mc_error *err)
{
	if (o->failed || o->data == NULL) {
		free(o->data);
		return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
	}
	*out = (char *)o->data;
	return MC_OK;
}

/* The text of a cell (into buf when it is a number). Borrowed. */
static const char *s_cell_text(const mc_table *t, const s_cell *c, size_t col, char *buf,
                               size_t n)
{
	switch (c->kind) {
	case S_STR:
		return c->s;
	case S_INT:
		snprintf(buf, n, "%lld", (long long)c->i);
		return buf;
	case S_FLOAT:
		if (isnan(c->f))
			return "nan";
		if (isinf(c->f))
			return c->f > 0 ? "inf" : "-inf";
		if (t->digits[col] >= 0)
			snprintf(buf, n, "%.*f", t->digits[col], c->f);
		else
			snprintf(buf, n, "%.4g", c->f);
		return buf;
	default:
		return "";
	}
}

/* 1 if every non-empty cell of col is a number (and there is one). */
static int s_numeric(const mc_table *t, size_t col)
{
	size_t r;
	int any = 0;

	for (r = 0; r < t->n_rows; r++) {
		s_kind k = t->cells[r * t->n_cols + col].kind;
		if (k == S_STR)
			return 0;
		any |= k != S_EMPTY;
	}
	return any;
}

/* Which rows are shown: [0, head) and [tail, n_rows). */
static void s_shown(const mc_table *t, size_t *head, size_t *tail)
{
	if (t->max_rows == 0 || t->n_rows <= t->max_rows) {
		*head = t->n_rows;
		*tail = t->n_rows;
		return;
	}
	*head = (t->max_rows + 1) / 2;
	*tail = t->n_rows - t->max_rows / 2;
}

int mc_table_html(char **out, const mc_table *t, mc_error *err)
{
	mc_buf o = { 0 };
	size_t r, j, head, tail;
	char buf[64];
	int *num = calloc(t->n_cols, sizeof *num);

	*out = NULL;
	if (num == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
	for (j = 0; j < t->n_cols; j++)
		num[j] = s_numeric(t, j);
	s_shown(t, &head, &tail);
	s_puts(&o, "<table class=\"maskclean-table\" style=\"border-collapse:collapse;"
	           "font-variant-numeric:tabular-nums\">\n");
	if (t->caption != NULL) {
		s_puts(&o, "<caption style=\"caption-side:top;text-align:left;font-weight:bold;"
		           "padding:2px 8px\">");
		s_escape(&o, t->caption);
		s_puts(&o, "</caption>\n");
	}
	s_puts(&o, "<thead><tr>");
	for (j = 0; j < t->n_cols; j++) {
		s_puts(&o, num[j] ? "<th style=\"text-align:right;padding:2px 8px;"
		                    "border-bottom:1px solid #888\">"
		                  : "<th style=\"text-align:left;padding:2px 8px;"
		                    "border-bottom:1px solid #888\">");
		s_escape(&o, t->names[j]);
		s_puts(&o, "</th>");
	}
	s_puts(&o, "</tr></thead>\n<tbody>\n");
	for (r = 0; r < t->n_rows; r++) {
		if (r == head && head < tail) {
			s_puts(&o, "<tr>");
			for (j = 0; j < t->n_cols; j++)
				s_puts(&o, num[j] ? "<td style=\"text-align:right;padding:2px 8px\">\xe2\x80\xa6</td>"
				                  : "<td style=\"text-align:left;padding:2px 8px\">\xe2\x80\xa6</td>");
			s_puts(&o, "</tr>\n");
			r = tail - 1;
			continue;
		}
		s_puts(&o, "<tr>");
		for (j = 0; j < t->n_cols; j++) {
			const s_cell *c = &t->cells[r * t->n_cols + j];
			s_puts(&o, num[j] ? "<td style=\"text-align:right;padding:2px 8px\">"
			                  : "<td style=\"text-align:left;padding:2px 8px\">");
			s_escape(&o, s_cell_text(t, c, j, buf, sizeof buf));
			s_puts(&o, "</td>");
		}
		s_puts(&o, "</tr>\n");
	}
	s_puts(&o, "</tbody>\n</table>\n");
	if (head < tail) {
		snprintf(buf, sizeof buf, "<p>%zu rows \xc3\x97 %zu columns</p>\n", t->n_rows, t->n_cols);
		s_puts(&o, buf);
	}
	free(num);
	return s_finish(out, &o, err);
}

/* Code points in s. */
static size_t s_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void s_pad(mc_buf *o, size_t n)
{
	while (n-- > 0)
		mc_buf_put(o, " ", 1);
}

/* Writes s with newlines, tabs and carriage returns as spaces. */
static void s_put_flat(mc_buf *o, const char *s)
{
	for (; *s != '\0'; s++)
		mc_buf_put(o, (*s == '\n' || *s == '\r' || *s == '\t') ? " " : s, 1);
}

static void s_text_cell(mc_buf *o, const char *s, size_t w, int right, int last)
{
	size_t n = s_width(s);

	if (right)
		s_pad(o, w - n);
	s_put_flat(o, s);
	if (!right && !last)
		s_pad(o, w - n);
}

int mc_table_text(char **out, const mc_table *t, mc_error *err)
{
	mc_buf o = { 0 };
	size_t r, j, head, tail;
	char buf[64];
	int *num = calloc(t->n_cols, sizeof *num);
	size_t *w = calloc(t->n_cols, sizeof *w);

	*out = NULL;
	if (num == NULL || w == NULL) {
		free(num);
		free(w);
		return mc_error_set(err, MC_ERR_NOMEM, "table: out of memory");
	}
	s_shown(t, &head, &tail);
	for (j = 0; j < t->n_cols; j++) {
		num[j] = s_numeric(t, j);
		w[j] = s_width(t->names[j]);
		if (head < tail && w[j] < 1)
			w[j] = 1;
		for (r = 0; r < t->n_rows; r++) {
			size_t n;
			if (r >= head && r < tail)
				continue;
			n = s_width(s_cell_text(t, &t->cells[r * t->n_cols + j], j, buf, sizeof buf));
			if (n > w[j])
				w[j] = n;
		}
	}
	if (t->caption != NULL) {
		s_put_flat(&o, t->caption);
		s_puts(&o, "\n");
	}
	for (j = 0; j < t->n_cols; j++) {
		if (j > 0)
			s_puts(&o, "  ");
		s_text_cell(&o, t->names[j], w[j], num[j], j + 1 == t->n_cols);
	}
	s_puts(&o, "\n");
	for (j = 0; j < t->n_cols; j++) {
		size_t k;
		if (j > 0)
			s_puts(&o, "  ");
		for (k = 0; k < w[j]; k++)
			s_puts(&o, "-");
	}
	s_puts(&o, "\n");
	for (r = 0; r < t->n_rows; r++) {
		if (r == head && head < tail) {
			for (j = 0; j < t->n_cols; j++) {
				if (j > 0)
					s_puts(&o, "  ");
				s_text_cell(&o, "\xe2\x80\xa6", w[j], num[j], j + 1 == t->n_cols);
			}
			s_puts(&o, "\n");
			r = tail - 1;
			continue;
		}
		for (j = 0; j < t->n_cols; j++) {
			if (j > 0)
				s_puts(&o, "  ");
			s_text_cell(&o, s_cell_text(t, &t->cells[r * t->n_cols + j], j, buf, sizeof buf),
			            w[j], num[j], j + 1 == t->n_cols);
		}
		s_puts(&o, "\n");
	}
	if (head < tail) {
		snprintf(buf, sizeof buf, "[%zu rows x %zu columns]\n", t->n_rows, t->n_cols);
		s_puts(&o, buf);
	}
	free(num);
	free(w);
	return s_finish(out, &o, err);
}
