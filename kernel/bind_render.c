/* Command-language functions of the render area (entries of the function
 * table): line and bar plots, heatmaps, tables, the three views of an
 * instance, the grid of instances and the overlay of an image, and the
 * Figure and Table values they return. */
#include "registry.h"
#include "bind_data.h"
#include "bind_render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/atomic_file.h"
#include "maskclean/coco.h"
#include "maskclean/image.h"
#include "maskclean/plot.h"
#include "maskclean/render.h"
#include "maskclean/rle.h"

#define S_MAX_GRID 300

/* ---- Figure ---- */

typedef struct s_figure {
	mc_png *png;
	char *text;
} s_figure;

static void s_figure_free(void *p)
{
	s_figure *f = p;

	if (f == NULL)
		return;
	mc_png_free(f->png);
	free(f->text);
	free(f);
}

static char *s_figure_repr(const void *p)
{
	const s_figure *f = p;

	return strdup(f->text);
}

static int s_figure_display(const void *p, json_t *data, json_t *metadata, mc_error *err)
{
	const s_figure *f = p;

	/* pictures of photos go as JPEG: several times smaller than the PNG */
	if (f->png->jpeg != NULL)
		return mc_bundle_add_image(data, metadata, "image/jpeg", f->png->jpeg,
		                           f->png->jpeg_len, f->png->width, f->png->height, err);
	return mc_bundle_add_image(data, metadata, "image/png", f->png->data, f->png->len,
	                           f->png->width, f->png->height, err);
}

static mc_value *s_figure_width(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int(((const s_figure *)mc_object_ptr(self))->png->width);
}

static mc_value *s_figure_height(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int(((const s_figure *)mc_object_ptr(self))->png->height);
}

static const mc_attr_def s_figure_attrs[] = {
	{ .name = "width", .doc = "pixels across", .get = s_figure_width },
	{ .name = "height", .doc = "pixels down", .get = s_figure_height },
	{ .name = NULL }
};

const mc_class mc_figure_class = {
	.name = "Figure", .free = s_figure_free, .repr = s_figure_repr, .display = s_figure_display,
	.attributes = s_figure_attrs
};

mc_value *mc_figure_value(mc_png *png, const char *what)
{
	s_figure *f = calloc(1, sizeof *f);
	size_t n = 64 + (what != NULL ? strlen(what) : 0);

	if (f == NULL || (f->text = malloc(n)) == NULL) {
		free(f);
		mc_png_free(png);
		return NULL;
	}
	f->png = png;
	if (what != NULL && what[0] != '\0')
		snprintf(f->text, n, "<Figure %dx%d: %s>", png->width, png->height, what);
	else
		snprintf(f->text, n, "<Figure %dx%d>", png->width, png->height);
	return mc_object_new(&mc_figure_class, f);
}

static int s_figure_save(mc_call *call, mc_value **out, mc_error *err)
{
	const s_figure *f = mc_call_self_ptr(call);
	const char *path;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) != 0)
		return rc;
	if ((rc = mc_write_file_atomic(path, f->png->data, f->png->len, err)) != 0)
		return rc;
	*out = mc_none();
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* ---- Table ---- */

static void s_table_free(void *p)
{
	mc_table_free(p);
}

static char *s_table_repr(const void *p)
{
	char *text = NULL;
	mc_error err;

	mc_error_clear(&err);
	if (mc_table_text(&text, p, &err) != 0)
		return NULL;
	return text;
}

static int s_table_display(const void *p, json_t *data, json_t *metadata, mc_error *err)
{
	char *html = NULL;
	int rc = mc_table_html(&html, p, err);

	(void)metadata;
	if (rc == 0 && json_object_set_new(data, "text/html", json_string(html)) != 0)
		rc = mc_error_nomem(err);
	free(html);
	return rc;
}

static mc_value *s_table_n_rows(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_table_rows(mc_object_ptr(self)));
}

static mc_value *s_table_n_cols(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_table_cols(mc_object_ptr(self)));
}

static mc_value *s_table_columns(mc_value *self, mc_error *err)
{
	const mc_table *t = mc_object_ptr(self);
	mc_value *l = mc_list_new();

	(void)err;
	for (size_t c = 0; l != NULL && c < mc_table_cols(t); c++)
		if (mc_list_append(l, mc_str(mc_table_col_name(t, c))) != 0) {
			mc_unref(l);
			l = NULL;
		}
	return l;
}

static const mc_attr_def s_table_attrs[] = {
	{ .name = "n_rows", .doc = "rows, without the header", .get = s_table_n_rows },
	{ .name = "n_cols", .doc = "columns", .get = s_table_n_cols },
	{ .name = "columns", .doc = "the column names, as t[name] takes them", .get = s_table_columns },
	{ .name = NULL }
};

/* A table cell as a language value (none for an empty cell). */
static mc_value *s_cell_value(const mc_table_cell *c)
{
	switch (c->kind) {
	case MC_TABLE_STR:
		return mc_str(c->s);
	case MC_TABLE_INT:
		return mc_int(c->i);
	case MC_TABLE_FLOAT:
		return mc_float(c->f);
	default:
		return mc_none();
	}
}

/* t[k]: row k (negative from the end) as a dict; t["name"]: a column as a
 * list. */
static int s_table_len(mc_call *call, mc_value **out, mc_error *err)
{
	(void)err;
	*out = mc_int((int64_t)mc_table_rows(mc_call_self_ptr(call)));
	return 0;
}

static int s_table_getitem(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_table *t = mc_call_self_ptr(call);
	mc_value *key = mc_arg(call, "key"), *v = NULL;
	size_t rows = mc_table_rows(t), cols = mc_table_cols(t), col = cols, r;
	mc_table_cell cell;
	int rc = 0;

	*out = NULL;
	if (mc_type(key) == MC_T_INT) {
		int64_t k = mc_as_int(key);
		if (k < -(int64_t)rows || k >= (int64_t)rows)
			return mc_error_set(err, MC_ERR_INVALID, "Table index %lld out of range (%zu rows)",
			                    (long long)k, rows);
		r = (size_t)(k < 0 ? k + (int64_t)rows : k);
		v = mc_dict_new();
		for (size_t c = 0; v != NULL && rc == 0 && c < cols; c++) {
			rc = mc_table_get(&cell, t, r, c, err);
			if (rc == 0 && mc_dict_set_str(v, mc_table_col_name(t, c), s_cell_value(&cell)))
				rc = mc_error_nomem(err);
		}
	} else if (mc_type(key) == MC_T_STR) {
		for (size_t c = 0; c < cols && col == cols; c++)
			if (strcmp(mc_table_col_name(t, c), mc_as_str(key)) == 0)
				col = c;
		if (col == cols) {
			char names[512];
			size_t o = 0;
			for (size_t c = 0; c < cols && o < sizeof names; c++)
				o += (size_t)snprintf(names + o, sizeof names - o, "%s\"%s\"", c ? ", " : "",
				                      mc_table_col_name(t, c));
			return mc_error_set(err, MC_ERR_NOTFOUND, "Table has no column \"%s\"; its "
			                    "columns: %s", mc_as_str(key), names);
		}
		v = mc_list_new();
		for (r = 0; v != NULL && rc == 0 && r < rows; r++) {
			rc = mc_table_get(&cell, t, r, col, err);
			if (rc == 0 && mc_list_append(v, s_cell_value(&cell)) != 0)
				rc = mc_error_nomem(err);
		}
	} else {
		return mc_error_set(err, MC_ERR_TYPE, "Table indices are a row number or a column "
		                    "name, got %s", mc_type_name(key));
	}
	if (v == NULL)
		rc = mc_error_nomem(err);
	if (rc) {
		mc_unref(v);
		return rc;
	}
	*out = v;
	return 0;
}

const mc_class mc_table_class = {
	.name = "Table", .free = s_table_free, .repr = s_table_repr, .display = s_table_display,
	.attributes = s_table_attrs
};

mc_value *mc_table_value(mc_table *t)
{
	return mc_object_new(&mc_table_class, t);
}

/* ---- argument helpers ---- */

static int s_is_none(const mc_value *v)
{
	return v == NULL || mc_type(v) == MC_T_NONE;
}

static int s_is_number(const mc_value *v)
{
	mc_vtype t = mc_type(v);

	return t == MC_T_INT || t == MC_T_FLOAT || t == MC_T_BOOL;
}

static double s_number(const mc_value *v)
{
	return mc_type(v) == MC_T_FLOAT ? mc_as_float(v) : (double)mc_as_int(v);
}

/* Numbers of a list or a 1-D array (or a 2-D array with one row or column).
 * Caller frees *out. */
static int s_doubles(double **out, size_t *n, mc_value *v, mc_call *call, const char *arg,
                     mc_error *err)
{
	size_t i, k;

	*out = NULL;
	*n = 0;
	if (mc_type(v) == MC_T_ARRAY) {
		if (mc_array_cols(v) != 0 && mc_array_rows(v) != 1 && mc_array_cols(v) != 1)
			return mc_error_set(err, MC_ERR_SHAPE, "%s(): %s must be 1-D, got a %zux%zu array",
			                    mc_call_name(call), arg, mc_array_rows(v), mc_array_cols(v));
		k = mc_array_size(v);
		*out = malloc((k + 1) * sizeof **out);
		if (*out == NULL)
			return mc_error_nomem(err);
		for (i = 0; i < k; i++)
			(*out)[i] = mc_array_at(v, i);
		*n = k;
		return 0;
	}
	if (mc_type(v) != MC_T_LIST)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a list or an array of numbers, "
		                    "got %s", mc_call_name(call), arg, mc_type_name(v));
	k = mc_list_len(v);
	*out = malloc((k + 1) * sizeof **out);
	if (*out == NULL)
		return mc_error_nomem(err);
	for (i = 0; i < k; i++) {
		mc_value *it = mc_list_get(v, i);
		if (!s_is_number(it)) {
			free(*out);
			*out = NULL;
			return mc_error_set(err, MC_ERR_TYPE, "%s(): %s[%zu] must be a number, got %s",
			                    mc_call_name(call), arg, i, mc_type_name(it));
		}
		(*out)[i] = s_number(it);
	}
	*n = k;
	return 0;
}

/* 1 if v is a list whose first item is a list or array, or a 2-D array with
 * more than one row and column: several series. */
static int s_is_nested(mc_value *v)
{
	if (mc_type(v) == MC_T_ARRAY)
		return mc_array_cols(v) != 0 && mc_array_rows(v) > 1 && mc_array_cols(v) > 1;
	return mc_type(v) == MC_T_LIST && mc_list_len(v) > 0 &&
	       (mc_type(mc_list_get(v, 0)) == MC_T_LIST || mc_type(mc_list_get(v, 0)) == MC_T_ARRAY);
}

/* A rows x cols matrix from a 2-D array or a list of equal-length lists.
 * Caller frees *out (mc_matrix_free). */
static int s_matrix(mc_matrix **out, mc_value *v, mc_call *call, const char *arg, mc_error *err)
{
	size_t r, c, i, j;
	int rc;

	*out = NULL;
	if (mc_type(v) == MC_T_ARRAY) {
		r = mc_array_cols(v) == 0 ? 1 : mc_array_rows(v);
		c = mc_array_cols(v) == 0 ? mc_array_rows(v) : mc_array_cols(v);
		if ((rc = mc_matrix_new(out, r, c, err)) != 0)
			return rc;
		for (i = 0; i < r * c; i++)
			(*out)->data[i] = mc_array_at(v, i);
		return 0;
	}
	if (mc_type(v) != MC_T_LIST || mc_list_len(v) == 0)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a 2-D array or a list of lists "
		                    "of numbers, got %s", mc_call_name(call), arg, mc_type_name(v));
	r = mc_list_len(v);
	for (i = 0; i < r; i++) {
		double *row = NULL;
		size_t n;
		char name[64];
		snprintf(name, sizeof name, "%s[%zu]", arg, i);
		rc = s_doubles(&row, &n, mc_list_get(v, i), call, name, err);
		if (rc == 0 && *out == NULL)
			rc = mc_matrix_new(out, r, n, err);
		if (rc == 0 && n != (*out)->cols)
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s(): %s has %zu values, %s[0] has %zu",
			                  mc_call_name(call), name, n, arg, (*out)->cols);
		for (j = 0; rc == 0 && j < n; j++)
			MC_AT(*out, i, j) = row[j];
		free(row);
		if (rc != 0) {
			mc_matrix_free(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

static void s_free_strings(char **s, size_t n)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* Texts of a list (strings as they are, other values as their repr).
 * Caller frees with s_free_strings. */
/* A list argument's length against the count it must match:
 * "bar(): 3 labels for 4 bars". */
static int s_count_is(size_t got, size_t want, const char *what, const char *of, mc_call *call,
                      mc_error *err)
{
	if (got == want)
		return 0;
	return mc_error_set(err, MC_ERR_SHAPE, "%s(): %zu %s for %zu %s", mc_call_name(call), got,
	                    what, want, of);
}

static int s_strings(char ***out, size_t *n, mc_value *v, mc_call *call, const char *arg,
                     mc_error *err)
{
	size_t i, k;

	*out = NULL;
	*n = 0;
	if (mc_type(v) == MC_T_ARRAY) {
		double *d = NULL;
		int rc = s_doubles(&d, &k, v, call, arg, err);
		if (rc != 0)
			return rc;
		*out = calloc(k + 1, sizeof **out);
		for (i = 0; *out != NULL && i < k; i++) {
			char buf[64];
			snprintf(buf, sizeof buf, "%.15g", d[i]);
			if (((*out)[i] = strdup(buf)) == NULL)
				break;
		}
		free(d);
		if (*out == NULL || i < k) {
			s_free_strings(*out, k);
			*out = NULL;
			return mc_error_nomem(err);
		}
		*n = k;
		return 0;
	}
	if (mc_type(v) != MC_T_LIST)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a list of names, got %s",
		                    mc_call_name(call), arg, mc_type_name(v));
	k = mc_list_len(v);
	*out = calloc(k + 1, sizeof **out);
	if (*out == NULL)
		return mc_error_nomem(err);
	for (i = 0; i < k; i++) {
		mc_value *it = mc_list_get(v, i);
		(*out)[i] = mc_type(it) == MC_T_STR ? strdup(mc_as_str(it)) : mc_value_repr(it);
		if ((*out)[i] == NULL) {
			s_free_strings(*out, k);
			*out = NULL;
			return mc_error_nomem(err);
		}
	}
	*n = k;
	return 0;
}

/* Optional string argument; NULL for none. */
static int s_opt_str(mc_call *call, const char *name, const char **out, mc_error *err)
{
	int rc;

	*out = NULL;
	rc = mc_arg_str_opt(call, name, out, err);
	return rc < 0 ? rc : 0;
}

/* ---- plot ---- */

/* plot()'s y: one line (a list or array of numbers), or ns lines (a list of
 * them, or the rows of a 2-D array), into ys[i] (caller frees) of ny[i]
 * values. */
static int s_plot_ys(double **ys, size_t *ny, size_t ns, mc_value *yv, mc_call *call,
                     mc_error *err)
{
	mc_matrix *m = NULL;
	size_t i;
	int rc = 0;

	if (ns == 1 && !s_is_nested(yv))
		return s_doubles(&ys[0], &ny[0], yv, call, "y", err);
	if (mc_type(yv) == MC_T_LIST) {
		for (i = 0; rc == 0 && i < ns; i++) {
			char name[32];
			snprintf(name, sizeof name, "y[%zu]", i);
			rc = s_doubles(&ys[i], &ny[i], mc_list_get(yv, i), call, name, err);
		}
		return rc;
	}
	rc = s_matrix(&m, yv, call, "y", err);
	for (i = 0; rc == 0 && i < ns; i++) {
		ys[i] = malloc(m->cols * sizeof **ys);
		if (ys[i] == NULL) {
			rc = mc_error_nomem(err);
			break;
		}
		memcpy(ys[i], m->data + i * m->stride, m->cols * sizeof **ys);
		ny[i] = m->cols;
	}
	mc_matrix_free(m);
	return rc;
}

static int s_plot(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *xv = mc_arg(call, "x"), *yv = mc_arg(call, "y"), *lv = mc_arg(call, "label");
	double *x = NULL, **ys = NULL;
	size_t nx = 0, ns = 1, i, *ny = NULL, nl = 0;
	char **labels = NULL;
	const char *mark_text = NULL, *single = NULL;
	mc_plot_series *ser = NULL;
	mc_plot_opts o;
	mc_plot_mark mark;
	mc_png *png = NULL;
	int64_t mk = -1;
	int rc, has_mark;

	*out = NULL;
	mc_plot_opts_init(&o);
	if ((rc = s_opt_str(call, "title", &o.title, err)) != 0 ||
	    (rc = s_opt_str(call, "xlabel", &o.xlabel, err)) != 0 ||
	    (rc = s_opt_str(call, "ylabel", &o.ylabel, err)) != 0 ||
	    (rc = s_opt_str(call, "mark_text", &mark_text, err)) != 0)
		return rc;
	rc = mc_arg_int_opt(call, "mark", &mk, err);
	if (rc < 0)
		return rc;
	has_mark = rc == 0;
	if (s_is_none(yv)) {   /* plot(y): x = 0, 1, ... */
		yv = xv;
		xv = NULL;
	}
	if (s_is_nested(yv))
		ns = mc_type(yv) == MC_T_LIST ? mc_list_len(yv) : mc_array_rows(yv);
	if (ns == 0 || ns > 10)
		return mc_error_set(err, MC_ERR_INVALID, "plot(): %zu lines, expected 1 to 10", ns);
	ys = calloc(ns, sizeof *ys);
	ny = calloc(ns, sizeof *ny);
	ser = calloc(ns, sizeof *ser);
	if (ys == NULL || ny == NULL || ser == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	if (xv != NULL && (rc = s_doubles(&x, &nx, xv, call, "x", err)) != 0)
		goto cleanup;
	rc = s_plot_ys(ys, ny, ns, yv, call, err);
	if (rc != 0)
		goto cleanup;
	if (!s_is_none(lv)) {
		if (mc_type(lv) == MC_T_STR)
			single = mc_as_str(lv);
		else if ((rc = s_strings(&labels, &nl, lv, call, "label", err)) != 0)
			goto cleanup;
	}
	for (i = 0; i < ns; i++) {
		if (x != NULL && nx != ny[i]) {
			rc = mc_error_set(err, MC_ERR_SHAPE, "plot(): x has %zu values, y%s has %zu",
			                  nx, ns > 1 ? "[i]" : "", ny[i]);
			goto cleanup;
		}
		ser[i].x = x;
		ser[i].y = ys[i];
		ser[i].n = ny[i];
		ser[i].label = i == 0 && single != NULL ? single : i < nl ? labels[i] : NULL;
	}
	if (has_mark) {
		int64_t m = mk < 0 ? mk + (int64_t)ny[0] : mk;
		if (m < 0 || (uint64_t)m >= ny[0]) {
			rc = mc_error_set(err, MC_ERR_INVALID, "plot(): mark=%lld is not a point: the line "
			                  "has %zu points", (long long)mk, ny[0]);
			goto cleanup;
		}
		mark.series = 0;
		mark.index = (size_t)m;
		mark.text = mark_text;
	}
	rc = mc_plot_line(&png, ser, ns, has_mark ? &mark : NULL, &o, err);
	if (rc == 0 && (*out = mc_figure_value(png, o.title != NULL ? o.title : "line plot")) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	for (i = 0; ys != NULL && i < ns; i++)
		free(ys[i]);
	free(ys);
	free(ny);
	free(ser);
	free(x);
	s_free_strings(labels, nl);
	return rc;
}

/* ---- bar ---- */

static int s_bar(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *lv = mc_arg(call, "labels"), *vv = mc_arg(call, "values"),
	         *sv = mc_arg(call, "stack_labels");
	char **labels = NULL, **stacks = NULL;
	size_t nl = 0, nst = 0, n, k;
	mc_matrix *m = NULL;
	mc_plot_opts o;
	mc_png *png = NULL;
	int rc;

	*out = NULL;
	mc_plot_opts_init(&o);
	if ((rc = s_opt_str(call, "title", &o.title, err)) != 0 ||
	    (rc = s_opt_str(call, "xlabel", &o.xlabel, err)) != 0 ||
	    (rc = s_opt_str(call, "ylabel", &o.ylabel, err)) != 0)
		return rc;
	if (s_is_nested(vv)) {
		rc = s_matrix(&m, vv, call, "values", err);
	} else {
		double *d = NULL;
		rc = s_doubles(&d, &n, vv, call, "values", err);
		if (rc == 0)
			rc = mc_matrix_new(&m, 1, n, err);
		if (rc == 0 && n > 0)
			memcpy(m->data, d, n * sizeof *d);
		free(d);
	}
	if (rc != 0)
		goto cleanup;
	n = m->cols;
	k = m->rows;
	if (!s_is_none(lv) && ((rc = s_strings(&labels, &nl, lv, call, "labels", err)) != 0 ||
	                       (rc = s_count_is(nl, n, "labels", "bars", call, err)) != 0))
		goto cleanup;
	if (!s_is_none(sv) &&
	    ((rc = s_strings(&stacks, &nst, sv, call, "stack_labels", err)) != 0 ||
	     (rc = s_count_is(nst, k, "stack_labels", "stacked series", call, err)) != 0))
		goto cleanup;
	rc = mc_plot_bar(&png, (const char *const *)labels, n, m->data, k,
	                 (const char *const *)stacks, &o, err);
	if (rc == 0 && (*out = mc_figure_value(png, o.title != NULL ? o.title : "bar chart")) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	s_free_strings(labels, nl);
	s_free_strings(stacks, nst);
	mc_matrix_free(m);
	return rc;
}

/* ---- heatmap ---- */

/* A class given as an index or as one of names. */
static int s_class_arg(long *out, mc_value *v, char **names, size_t n, size_t limit,
                       mc_call *call, const char *arg, mc_error *err)
{
	size_t i;

	if (mc_type(v) == MC_T_INT) {
		int64_t k = mc_as_int(v);
		if (k < 0 || (uint64_t)k >= limit)
			return mc_error_set(err, MC_ERR_INVALID, "%s(): %s=%lld is outside the %zu classes",
			                    mc_call_name(call), arg, (long long)k, limit);
		*out = (long)k;
		return 0;
	}
	if (mc_type(v) == MC_T_STR) {
		for (i = 0; i < n; i++)
			if (strcmp(names[i], mc_as_str(v)) == 0) {
				*out = (long)i;
				return 0;
			}
		return mc_error_set(err, MC_ERR_NOTFOUND, "%s(): %s=\"%s\" is not one of the labels",
		                    mc_call_name(call), arg, mc_as_str(v));
	}
	return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a class index or name, got %s",
	                    mc_call_name(call), arg, mc_type_name(v));
}

static int s_heatmap(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *lv = mc_arg(call, "labels"), *hv = mc_arg(call, "highlight"),
	         *mv = mc_arg(call, "mark");
	char **labels = NULL;
	size_t nl = 0;
	mc_matrix *m = NULL;
	mc_heatmap_opts o;
	mc_png *png = NULL;
	int rc;

	*out = NULL;
	mc_heatmap_opts_init(&o);
	if ((rc = s_opt_str(call, "title", &o.title, err)) != 0 ||
	    (rc = s_opt_str(call, "xlabel", &o.xlabel, err)) != 0 ||
	    (rc = s_opt_str(call, "ylabel", &o.ylabel, err)) != 0 ||
	    (rc = s_opt_str(call, "fmt", &o.fmt, err)) != 0)
		return rc;
	if (o.fmt != NULL && !mc_plot_format_ok(o.fmt))
		return mc_error_set(err, MC_ERR_INVALID, "heatmap(): fmt=\"%s\" must hold one %%f, "
		                    "%%g or %%e conversion, like \"%%.2f\"", o.fmt);
	if ((rc = s_matrix(&m, mc_arg(call, "matrix"), call, "matrix", err)) != 0)
		return rc;
	if (!s_is_none(lv)) {
		if ((rc = s_strings(&labels, &nl, lv, call, "labels", err)) != 0)
			goto cleanup;
		if (nl != m->rows || (m->cols != m->rows && nl != m->cols)) {
			rc = mc_error_set(err, MC_ERR_SHAPE, "heatmap(): %zu labels for a %zux%zu matrix",
			                  nl, m->rows, m->cols);
			goto cleanup;
		}
		o.row_labels = (const char *const *)labels;
	}
	if (!s_is_none(hv) &&
	    (rc = s_class_arg(&o.highlight, hv, labels, nl, m->cols, call, "highlight", err)) != 0)
		goto cleanup;
	if (!s_is_none(mv)) {
		mc_value *r = NULL, *c = NULL;
		if (mc_type(mv) == MC_T_LIST && mc_list_len(mv) == 2) {
			r = mc_list_get(mv, 0);
			c = mc_list_get(mv, 1);
		} else if (mc_type(mv) == MC_T_DICT) {   /* ConfusionMatrix.pick_class() */
			r = mc_dict_get(mv, "true");
			c = mc_dict_get(mv, "predicted");
		}
		if (r == NULL || c == NULL) {
			rc = mc_error_set(err, MC_ERR_TYPE, "heatmap(): mark must be [row, column] or a dict "
			                  "with \"true\" and \"predicted\", got %s", mc_type_name(mv));
			goto cleanup;
		}
		if ((rc = s_class_arg(&o.mark_row, r, labels, nl, m->rows, call, "mark", err)) != 0 ||
		    (rc = s_class_arg(&o.mark_col, c, labels, nl, m->cols, call, "mark", err)) != 0)
			goto cleanup;
	}
	rc = mc_plot_heatmap(&png, NULL, m, &o, err);
	if (rc == 0 && (*out = mc_figure_value(png, o.title != NULL ? o.title : "heatmap")) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	s_free_strings(labels, nl);
	mc_matrix_free(m);
	return rc;
}

/* ---- table ---- */

/* Sets cell (r, j) from a language value. */
static int s_table_cell(mc_table *t, size_t r, size_t j, mc_value *v, mc_error *err)
{
	char *s;
	int rc;

	switch (mc_type(v)) {
	case MC_T_NONE:
		return 0;
	case MC_T_INT:
		return mc_table_set_int(t, r, j, mc_as_int(v), err);
	case MC_T_BOOL:
		return mc_table_set_str(t, r, j, mc_as_bool(v) ? "True" : "False", err);
	case MC_T_FLOAT:
		return mc_table_set_float(t, r, j, mc_as_float(v), err);
	case MC_T_STR:
		return mc_table_set_str(t, r, j, mc_as_str(v), err);
	default:
		s = mc_value_repr(v);
		if (s == NULL)
			return mc_error_nomem(err);
		rc = mc_table_set_str(t, r, j, s, err);
		free(s);
		return rc;
	}
}

/* Column j's i-th value from a list or an array (a new reference). */
static mc_value *s_column_item(mc_value *col, size_t i)
{
	if (mc_type(col) == MC_T_LIST)
		return mc_ref(mc_list_get(col, i));
	if (mc_array_dtype(col) == MC_F64)
		return mc_float(mc_array_f64(col)[i]);
	return mc_int(mc_array_i64(col)[i]);
}

static size_t s_column_len(mc_value *col)
{
	return mc_type(col) == MC_T_LIST ? mc_list_len(col) : mc_array_size(col);
}

static int s_table_from_columns(mc_table **out, mc_value *d, mc_call *call, mc_error *err)
{
	size_t nc = mc_dict_len(d), j, i, n = 0, r;
	const char **names = calloc(nc + 1, sizeof *names);
	char **owned = calloc(nc + 1, sizeof *owned);
	mc_table *t = NULL;
	int rc = 0;

	*out = NULL;
	if (names == NULL || owned == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	for (j = 0; j < nc; j++) {
		mc_value *k = mc_dict_key(d, j), *col = mc_dict_value(d, j);
		owned[j] = mc_type(k) == MC_T_STR ? strdup(mc_as_str(k)) : mc_value_repr(k);
		if (owned[j] == NULL) {
			rc = mc_error_nomem(err);
			goto cleanup;
		}
		names[j] = owned[j];
		if (mc_type(col) != MC_T_LIST && mc_type(col) != MC_T_ARRAY) {
			rc = mc_error_set(err, MC_ERR_TYPE, "%s(): column '%s' must be a list or an array, "
			                  "got %s", mc_call_name(call), names[j], mc_type_name(col));
			goto cleanup;
		}
		if (mc_type(col) == MC_T_ARRAY && mc_array_cols(col) != 0) {
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s(): column '%s' must be 1-D, got a %zux%zu "
			                  "array", mc_call_name(call), names[j], mc_array_rows(col),
			                  mc_array_cols(col));
			goto cleanup;
		}
		if (j == 0)
			n = s_column_len(col);
		else if (s_column_len(col) != n) {
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s(): column '%s' has %zu values, column '%s' "
			                  "has %zu", mc_call_name(call), names[j], s_column_len(col),
			                  names[0], n);
			goto cleanup;
		}
	}
	if ((rc = mc_table_new(&t, names, nc, err)) != 0)
		goto cleanup;
	for (i = 0; rc == 0 && i < n; i++) {
		rc = mc_table_add_row(t, &r, err);
		for (j = 0; rc == 0 && j < nc; j++) {
			mc_value *v = s_column_item(mc_dict_value(d, j), i);
			rc = v == NULL ? mc_error_nomem(err) : s_table_cell(t, r, j, v, err);
			mc_unref(v);
		}
	}
cleanup:
	if (rc == 0)
		*out = t;
	else
		mc_table_free(t);
	s_free_strings(owned, nc);
	free(names);
	return rc;
}

/* Rows given as dicts (columns: their keys in first-seen order) or lists. */
static int s_table_from_rows(mc_table **out, mc_value *rows, mc_value *cols_v, mc_call *call,
                             mc_error *err)
{
	size_t nr = mc_list_len(rows), nc = 0, i, j, r, cap = 0;
	char **names = NULL;
	mc_table *t = NULL;
	int rc = 0, dicts;

	*out = NULL;
	if (nr == 0 && s_is_none(cols_v))
		return mc_error_set(err, MC_ERR_INVALID, "%s(): no rows and no columns",
		                    mc_call_name(call));
	dicts = nr > 0 && mc_type(mc_list_get(rows, 0)) == MC_T_DICT;
	if (!s_is_none(cols_v)) {
		if ((rc = s_strings(&names, &nc, cols_v, call, "columns", err)) != 0)
			return rc;
	} else if (dicts) {
		for (i = 0; i < nr; i++) {
			mc_value *row = mc_list_get(rows, i);
			if (mc_type(row) != MC_T_DICT)
				continue;
			for (j = 0; j < mc_dict_len(row); j++) {
				mc_value *k = mc_dict_key(row, j);
				char *s = mc_type(k) == MC_T_STR ? strdup(mc_as_str(k)) : mc_value_repr(k);
				size_t q;
				if (s == NULL) {
					rc = mc_error_nomem(err);
					goto cleanup;
				}
				for (q = 0; q < nc && strcmp(names[q], s) != 0; q++)
					;
				if (q < nc) {
					free(s);
					continue;
				}
				if (nc == cap) {
					char **p = realloc(names, (cap ? 2 * cap : 8) * sizeof *p);
					if (p == NULL) {
						free(s);
						rc = mc_error_nomem(err);
						goto cleanup;
					}
					names = p;
					cap = cap ? 2 * cap : 8;
				}
				names[nc++] = s;
			}
		}
	} else {
		mc_value *row0 = mc_list_get(rows, 0);
		nc = mc_type(row0) == MC_T_LIST ? mc_list_len(row0) : 1;
		names = calloc(nc + 1, sizeof *names);
		for (j = 0; names != NULL && j < nc; j++) {
			char buf[32];
			snprintf(buf, sizeof buf, "%zu", j);
			if ((names[j] = strdup(buf)) == NULL)
				break;
		}
		if (names == NULL || j < nc) {
			rc = mc_error_nomem(err);
			goto cleanup;
		}
	}
	if (nc == 0) {
		rc = mc_error_set(err, MC_ERR_INVALID, "%s(): the rows have no columns", mc_call_name(call));
		goto cleanup;
	}
	if ((rc = mc_table_new(&t, (const char *const *)names, nc, err)) != 0)
		goto cleanup;
	for (i = 0; rc == 0 && i < nr; i++) {
		mc_value *row = mc_list_get(rows, i);
		rc = mc_table_add_row(t, &r, err);
		if (rc != 0)
			break;
		if (mc_type(row) == MC_T_DICT) {
			for (j = 0; rc == 0 && j < nc; j++) {
				mc_value *v = mc_dict_get(row, names[j]);
				if (v != NULL)
					rc = s_table_cell(t, r, j, v, err);
			}
		} else if (mc_type(row) == MC_T_LIST) {
			if (mc_list_len(row) > nc) {
				rc = mc_error_set(err, MC_ERR_SHAPE, "%s(): row %zu has %zu values, there are %zu "
				                  "columns", mc_call_name(call), i, mc_list_len(row), nc);
				break;
			}
			for (j = 0; rc == 0 && j < mc_list_len(row); j++)
				rc = s_table_cell(t, r, j, mc_list_get(row, j), err);
		} else {
			rc = s_table_cell(t, r, 0, row, err);
		}
	}
cleanup:
	if (rc == 0)
		*out = t;
	else
		mc_table_free(t);
	s_free_strings(names, nc);
	return rc;
}

static int s_table(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *data = mc_arg(call, "data"), *cols = mc_arg(call, "columns");
	const char *caption = NULL;
	mc_table *t = NULL;
	int64_t max_rows = 0, digits = -1;
	int rc;

	*out = NULL;
	if ((rc = s_opt_str(call, "caption", &caption, err)) != 0 ||
	    (rc = mc_arg_int(call, "max_rows", &max_rows, err)) != 0)
		return rc;
	rc = mc_arg_int_opt(call, "digits", &digits, err);
	if (rc < 0)
		return rc;
	if (max_rows < 0)
		return mc_error_set(err, MC_ERR_INVALID, "table(): max_rows=%lld, expected 0 (all) or more",
		                    (long long)max_rows);
	if (mc_type(data) == MC_T_DICT)
		rc = s_table_from_columns(&t, data, call, err);
	else if (mc_type(data) == MC_T_LIST)
		rc = s_table_from_rows(&t, data, cols, call, err);
	else
		rc = mc_error_set(err, MC_ERR_TYPE, "table(): data must be a dict of columns or a list of "
		                  "rows, got %s", mc_type_name(data));
	if (rc != 0)
		return rc;
	if (caption != NULL && (rc = mc_table_set_caption(t, caption, err)) != 0) {
		mc_table_free(t);
		return rc;
	}
	mc_table_set_max_rows(t, (size_t)max_rows);
	if (digits >= 0) {
		size_t j;
		for (j = 0; j < mc_table_cols(t); j++)
			mc_table_set_digits(t, j, (int)(digits > 17 ? 17 : digits));
	}
	*out = mc_table_value(t);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* ---- instance views ---- */

/* Instance argument name of ds as an index (negative counts from the end). */
static int s_instance(size_t *out, mc_call *call, const mc_coco *ds, mc_value *v,
                      const char *arg, mc_error *err)
{
	size_t n = mc_coco_n_instances(ds);
	int64_t i;

	if (mc_type(v) != MC_T_INT)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be an instance index (int), got %s",
		                    mc_call_name(call), arg, mc_type_name(v));
	i = mc_as_int(v);
	if (i < 0)
		i += (int64_t)n;
	if (i < 0 || (uint64_t)i >= n)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): instance %lld is out of range: the dataset "
		                    "has %zu instances", mc_call_name(call), (long long)mc_as_int(v), n);
	*out = (size_t)i;
	return 0;
}

/* The image of image index img. Caller frees. */
static int s_load_image(mc_image **out, const mc_coco *ds, size_t img, mc_error *err)
{
	char *path = NULL;
	mc_coco_img im;
	int rc;

	*out = NULL;
	mc_coco_image(ds, img, &im);
	rc = mc_coco_image_path(&path, ds, img, err);
	if (rc == 0 && (rc = mc_image_load(out, path, err)) != 0)
		mc_error_prefix(err, "%s: image %lld", mc_coco_file_name(ds), (long long)im.id);
	if (rc == 0 && ((*out)->width != (int)im.width || (*out)->height != (int)im.height)) {
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s: image %lld: %s is %dx%d, the annotations say "
		                  "%ux%u", mc_coco_file_name(ds), (long long)im.id, path, (*out)->width,
		                  (*out)->height, im.width, im.height);
		mc_image_free(*out);
		*out = NULL;
	}
	free(path);
	return rc;
}

/* The instance a call shows: its dataset ds, instance index i (argument
 * "i"), annotation, image record and pixels (caller frees img). */
typedef struct s_shown {
	const mc_coco *ds;
	size_t i;
	mc_coco_ann a;
	mc_coco_img im;
	mc_image *img;
} s_shown;

static int s_shown_load(s_shown *sh, mc_call *call, mc_error *err)
{
	void *p;
	int rc;

	memset(sh, 0, sizeof *sh);
	if ((rc = mc_arg_obj(call, "ds", &mc_dataset_class, &p, err)) != 0)
		return rc;
	sh->ds = p;
	if ((rc = s_instance(&sh->i, call, sh->ds, mc_arg(call, "i"), "i", err)) != 0)
		return rc;
	mc_coco_instance(sh->ds, sh->i, &sh->a);
	mc_coco_image(sh->ds, sh->a.image, &sh->im);
	return s_load_image(&sh->img, sh->ds, sh->a.image, err);
}

static int s_show(mc_call *call, mc_value **out, mc_error *err)
{
	s_shown sh;
	mc_rle *r = NULL;
	mc_png *png = NULL;
	char title[512];
	mc_render_opts o = { .title = title };
	int rc, crop;

	*out = NULL;
	if ((rc = mc_arg_bool(call, "crop", &crop, err)) != 0)
		return rc;
	if ((rc = s_shown_load(&sh, call, err)) != 0 ||
	    (rc = mc_coco_instance_rle(&r, sh.ds, sh.i, mc_call_progress(call), err)) != 0)
		goto cleanup;
	snprintf(title, sizeof title, "instance %zu \xc2\xb7 annotation %lld \xc2\xb7 %s \xc2\xb7 image %lld",
	         sh.i, (long long)sh.a.id, mc_coco_class_name(sh.ds, sh.a.class_index),
	         (long long)sh.im.id);
	o.crop = crop;
	rc = mc_render_views_rle(&png, sh.img, r, &o, err);
	if (rc == 0 && (*out = mc_figure_value(png, title)) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	mc_rle_free(r);
	mc_image_free(sh.img);
	return rc;
}

static int s_overlay(mc_call *call, mc_value **out, mc_error *err)
{
	s_shown sh;
	const mc_coco *ds;
	mc_image *img;
	mc_png *png = NULL;
	const size_t *anns;
	size_t n = 0, k, kept = 0;
	uint8_t **masks = NULL;
	const char **labels = NULL;
	char title[256];
	mc_render_opts o = { .title = title };
	int rc;

	*out = NULL;
	if ((rc = s_shown_load(&sh, call, err)) != 0) {
		mc_image_free(sh.img);
		return rc;
	}
	ds = sh.ds;
	img = sh.img;
	anns = mc_coco_image_annotations(ds, sh.a.image, &n);
	masks = calloc(n + 1, sizeof *masks);
	labels = calloc(n + 1, sizeof *labels);
	if (masks == NULL || labels == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	for (k = 0; k < n; k++) {
		mc_coco_ann b;
		mc_rle *r = NULL;
		mc_coco_annotation(ds, anns[k], &b);
		if (b.instance == (size_t)-1)
			continue;   /* crowd regions left out, as everywhere else */
		if ((rc = mc_coco_annotation_rle(&r, ds, anns[k], mc_call_progress(call), err)) != 0)
			goto cleanup;
		masks[kept] = malloc((size_t)r->w * r->h + 1);
		if (masks[kept] == NULL) {
			mc_rle_free(r);
			rc = mc_error_nomem(err);
			goto cleanup;
		}
		if (r->w != (uint32_t)img->width || r->h != (uint32_t)img->height) {
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s: annotation %lld: mask is %ux%u, image is "
			                  "%dx%d", mc_coco_file_name(ds), (long long)b.id, r->w, r->h,
			                  img->width, img->height);
			mc_rle_free(r);
			kept++;
			goto cleanup;
		}
		mc_rle_decode(r, masks[kept]);
		mc_rle_free(r);
		labels[kept] = mc_coco_class_name(ds, b.class_index);
		kept++;
	}
	snprintf(title, sizeof title, "image %lld \xc2\xb7 %zu instances", (long long)sh.im.id, kept);
	rc = mc_render_overlay(&png, img, (const uint8_t *const *)masks, kept, NULL, labels, &o, err);
	if (rc == 0 && (*out = mc_figure_value(png, title)) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	for (k = 0; masks != NULL && k < kept; k++)
		free(masks[k]);
	free(masks);
	free(labels);
	mc_image_free(img);
	return rc;
}

/* The grid of instance rows of ds (see bind_render.h). */
int mc_grid_figure(mc_value **out, const mc_coco *ds, const size_t *rows,
                   mc_render_cell *cells, size_t n, const mc_render_grid_opts *o,
                   const char *what, mc_error *err)
{
	mc_image **imgs = calloc(n ? n : 1, sizeof *imgs);
	mc_rle **rles = calloc(n ? n : 1, sizeof *rles);
	size_t *img_of = calloc(n ? n : 1, sizeof *img_of), k, q;
	mc_png *png = NULL;
	int rc = 0;

	*out = NULL;
	if (imgs == NULL || rles == NULL || img_of == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	for (k = 0; k < n && rc == 0; k++) {
		mc_coco_ann a;
		mc_coco_instance(ds, rows[k], &a);
		img_of[k] = a.image;
		/* one load per image: reuse an earlier cell's */
		for (q = 0; q < k && img_of[q] != a.image; q++)
			;
		if (q < k)
			cells[k].image = cells[q].image;
		else if ((rc = s_load_image(&imgs[k], ds, a.image, err)) == 0)
			cells[k].image = imgs[k];
		if (rc == 0)
			rc = mc_coco_instance_rle(&rles[k], ds, rows[k], NULL, err);
		cells[k].rle = rles[k];
		cells[k].id = a.id;
		if (cells[k].label == NULL)
			cells[k].label = mc_coco_class_name(ds, a.class_index);
	}
	if (rc == 0)
		rc = mc_render_grid(&png, cells, n, o, err);
	if (rc == 0 && (*out = mc_figure_value(png, what)) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	for (k = 0; k < n; k++) {
		if (imgs != NULL)
			mc_image_free(imgs[k]);
		if (rles != NULL)
			mc_rle_free(rles[k]);
	}
	free(imgs);
	free(rles);
	free(img_of);
	return rc;
}

static int s_grid(mc_call *call, mc_value **out, mc_error *err)
{
	void *p;
	const mc_coco *ds;
	mc_value *iv = mc_arg(call, "idx"), *impv = mc_arg(call, "importance"),
	         *nv = mc_arg(call, "notes");
	double *idx = NULL, *imp = NULL;
	size_t n = 0, nimp = 0, nn = 0, k;
	char **notes = NULL;
	const char *score_name = NULL;
	mc_render_cell *cells = NULL;
	size_t *rows = NULL;
	mc_render_grid_opts o;
	int64_t cols;
	int rc;

	*out = NULL;
	memset(&o, 0, sizeof o);
	if ((rc = mc_arg_obj(call, "ds", &mc_dataset_class, &p, err)) != 0 ||
	    (rc = mc_arg_int(call, "cols", &cols, err)) != 0 ||
	    (rc = s_opt_str(call, "title", &o.title, err)) != 0)
		return rc;
	ds = p;
	if (cols < 1 || cols > 20)
		return mc_error_set(err, MC_ERR_INVALID, "grid(): cols=%lld, expected 1 to 20",
		                    (long long)cols);
	o.cols = (int)cols;
	if (mc_type(iv) == MC_T_DICT) {   /* what get_cleaning_samples() returns */
		mc_value *d = iv;
		iv = mc_dict_get(d, "idx");
		if (iv == NULL)
			return mc_error_set(err, MC_ERR_INVALID, "grid(): idx is a dict without \"idx\"");
		if (s_is_none(impv) && mc_dict_get(d, "importance") != NULL) {
			mc_value *mv = mc_dict_get(d, "method");
			impv = mc_dict_get(d, "importance");
			/* The captions name the ranking that gave the scores. */
			if (mc_type(mv) == MC_T_STR)
				score_name = mc_as_str(mv);
		}
	}
	if ((rc = s_doubles(&idx, &n, iv, call, "idx", err)) != 0)
		return rc;
	if (n == 0 || n > S_MAX_GRID) {
		rc = mc_error_set(err, MC_ERR_INVALID, "grid(): %zu instances; show 1 to %d at once "
		                  "(slice idx)", n, S_MAX_GRID);
		goto cleanup;
	}
	if (!s_is_none(impv) &&
	    ((rc = s_doubles(&imp, &nimp, impv, call, "importance", err)) != 0 ||
	     (rc = s_count_is(nimp, n, "importance values", "instances", call, err)) != 0))
		goto cleanup;
	if (!s_is_none(nv) && ((rc = s_strings(&notes, &nn, nv, call, "notes", err)) != 0 ||
	                       (rc = s_count_is(nn, n, "notes", "instances", call, err)) != 0))
		goto cleanup;
	cells = calloc(n, sizeof *cells);
	rows = calloc(n, sizeof *rows);
	if (cells == NULL || rows == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	for (k = 0; k < n; k++) {
		size_t ni = mc_coco_n_instances(ds);
		double d = idx[k] < 0 ? idx[k] + (double)ni : idx[k];
		if (d != floor(d) || d < 0 || d >= (double)ni) {
			rc = mc_error_set(err, MC_ERR_INVALID, "grid(): idx[%zu] = %g is not an instance: the "
			                  "dataset has %zu instances", k, idx[k], ni);
			goto cleanup;
		}
		rows[k] = (size_t)d;
		cells[k].importance = imp != NULL ? imp[k] : NAN;
		cells[k].score_name = score_name;
		cells[k].note = notes != NULL && notes[k][0] != '\0' ? notes[k] : NULL;
	}
	rc = mc_grid_figure(out, ds, rows, cells, n, &o, o.title != NULL ? o.title : "grid", err);
cleanup:
	free(rows);
	free(cells);
	free(idx);
	free(imp);
	s_free_strings(notes, nn);
	return rc;
}

const mc_func_def mc_funcs_render[] = {
	{ .name = "plot",
	  .signature = "(x, y=None, title=None, xlabel=None, ylabel=None, label=None, mark=None, "
	  "mark_text=None)",
	  .doc = "A line plot (PNG) of y against x, with an optional marked point.",
	  .long_doc = "`plot(y)` draws y against 0, 1, 2, ...; `plot(x, y)` against x. y may also "
	  "be a list of lines (or a 2-D array, one line per row), named by a list "
	  "`label` in a legend; one `label` string names a single line. `mark` is the "
	  "index of a point of the (first) line to call out, e.g. where the AUC "
	  "reaches its plateau, with `mark_text` written beside it:\n\n"
	  "    plot(auc, title=\"AUC across iterations\", xlabel=\"Iteration\",\n"
	  "         ylabel=\"AUC\", mark=4, mark_text=\"plateau\")\n\n"
	  "Returns a Figure (640x400, shown as image/png).", .fn = s_plot },
	{ .name = "bar",
	  .signature = "(labels, values, title=None, xlabel=None, ylabel=None, stack_labels=None)",
	  .doc = "A bar chart (PNG), optionally stacked, with each bar's total above it.",
	  .long_doc = "`labels` names the bars (None: 0, 1, ...). `values` is a list of numbers, "
	  "or a list of lists (a 2-D array) to stack: each inner list is one series "
	  "across all bars, named by `stack_labels` in the legend:\n\n"
	  "    bar([0, 1, 2], [[5, 3, 1], [2, 1, 0]], stack_labels=[\"relabeled\", \"removed\"],\n"
	  "        title=\"Samples fixed per iteration\")\n\n"
	  "Long labels are turned by 45 or 90 degrees. Returns a Figure.", .fn = s_bar },
	{ .name = "heatmap",
	  .signature = "(matrix, labels=None, title=None, xlabel=\"Predicted label\", "
	  "ylabel=\"True label\", highlight=None, mark=None, fmt=None)",
	  .doc = "A heatmap (PNG) of a matrix such as a confusion matrix, with a colour bar.",
	  .long_doc = "`labels` names the classes on both axes. `highlight` (index or name) "
	  "marks the class of interest in red; `mark` outlines one cell, given as "
	  "[row, column] or as the dict `ConfusionMatrix.pick_class()` returns. "
	  "Values are written in the cells when they fit (`fmt` like \"%.2f\"); with "
	  "many classes the picture grows and the labels turn, so none is cut off. "
	  "Returns a Figure.", .fn = s_heatmap },
	{ .name = "table",
	  .signature = "(data, columns=None, caption=None, max_rows=0, digits=None)",
	  .doc = "A table shown as HTML (with a plain-text twin) from columns or rows.",
	  .long_doc = "`data` is a dict of columns (`{\"class\": names, \"AUC\": aucs}`), a list of "
	  "dicts (one per row; the columns are their keys) or a list of lists (named "
	  "by `columns`). Numbers are right-aligned; `digits` fixes the decimals of "
	  "floats (default: 4 significant digits). With `max_rows` > 0 only the first "
	  "and last rows are shown. Returns a Table (attributes `n_rows`, `n_cols`).",
	  .fn = s_table },
	{ .name = "show", .signature = "(ds, i, crop=False)",
	  .doc = "The three views of instance i: the image, the attention mask, the mask overlay.",
	  .long_doc = "As in the article: the unprocessed image; the attention mask, which dims "
	  "everything outside the labeled object; and the mask drawn over the image "
	  "with an outline (small objects also get a circle). `crop=True` zooms in "
	  "on the object. The heading gives the instance, annotation id, class and "
	  "image id. Returns a Figure.", .fn = s_show },
	{ .name = "grid", .signature = "(ds, idx, importance=None, cols=5, title=None, notes=None)",
	  .doc = "A captioned grid of instances: the reviewer's view of the top N.",
	  .long_doc = "`idx` lists instance indices (a list or an int64 array), or is the dict "
	  "`get_cleaning_samples()` returns, whose importance is then shown too:\n\n"
	  "    grid(ds, service.get_cleaning_samples(class_size={\"orange\": 60}))\n\n"
	  "Each cell shows the object with some "
	  "context, the rest dimmed, and under it `#annotation-id class`, the "
	  "importance (when given, one per instance) and a note (e.g. the fix). At "
	  "most 300 at once. Each image is read once. Returns a Figure.", .fn = s_grid },
	{ .name = "overlay", .signature = "(ds, i)",
	  .doc = "Every instance on the image of instance i, each in its own colour and named.",
	  .long_doc = "Crowd regions are left out, as in the rest of the dataset. Returns a Figure.",
	  .fn = s_overlay },
	{ .name = "Table.__len__", .signature = "()",
	  .doc = "len(t): the number of rows; `for row in t:` walks them as dicts.",
	  .fn = s_table_len },
	{ .name = "Table.__getitem__", .signature = "(key)",
	  .doc = "t[k] is row k as a dict {column: value} (t[-1]: the last); t[\"name\"] a column as a "
	  "list.", .fn = s_table_getitem },
	{ .name = "Figure.save", .signature = "(path)",
	  .doc = "Writes the figure as a PNG file.",
	  .long_doc = "The file has twice the figure's width and height in pixels.",
	  .fn = s_figure_save },
	{ .name = NULL }
};
