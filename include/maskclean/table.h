/* Tables for the notebook: a small builder of columns and rows of strings
 * and numbers, rendered as text/html (escaped, minimal style, numbers
 * right-aligned) and as its text/plain twin (aligned columns).
 *
 * Used for the dataset summary, top-N lists, per-class metrics and the
 * iteration log. Typical use from a binding:
 *
 *     const char *cols[3] = { "iteration", "AUC", "fixed" };
 *     mc_table *t;
 *     if (mc_table_new(&t, cols, 3, err) != 0) return ...;
 *     mc_table_set_digits(t, 1, 4);                 // AUC as 0.8561
 *     size_t r;
 *     mc_table_add_row(t, &r, err);
 *     mc_table_set_int(t, r, 0, 0, err);
 *     mc_table_set_float(t, r, 1, 0.8561, err);
 *     mc_table_set_int(t, r, 2, 12, err);
 *     char *html, *text;
 *     mc_table_html(&html, t, err); mc_table_text(&text, t, err);
 *     ... json_object_set_new(data, "text/html", json_string(html)); free(html); ...
 *     mc_table_free(t);
 *
 * Functions that can fail return 0 or a negative MC_ERR_* code with err set
 * and leave the table as it was. */
#ifndef MASKCLEAN_TABLE_H
#define MASKCLEAN_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"

typedef struct mc_table mc_table;

/* A table with n_cols columns named names[0..n_cols) (copied) and no rows.
 * Caller owns *out; free with mc_table_free. Fails with MC_ERR_INVALID for
 * n_cols == 0 or a NULL name, MC_ERR_NOMEM. */
int mc_table_new(mc_table **out, const char *const *names, size_t n_cols, mc_error *err);

/* Frees t and everything in it. t may be NULL. */
void mc_table_free(mc_table *t);

size_t mc_table_rows(const mc_table *t);
size_t mc_table_cols(const mc_table *t);

/* A caption shown above the table (copied; NULL removes it). Fails only with
 * MC_ERR_NOMEM. */
int mc_table_set_caption(mc_table *t, const char *caption, mc_error *err);

/* Floats of column col are written with digits decimals ("%.*f"); digits < 0
 * restores the default, 4 significant digits ("%.4g"). col must exist. */
void mc_table_set_digits(mc_table *t, size_t col, int digits);

/* At most max_rows rows are rendered (0: all, the default): the first and
 * last halves, with a "…" row between and a note giving the total. */
void mc_table_set_max_rows(mc_table *t, size_t max_rows);

/* Appends an empty row and writes its index to *row. Fails only with
 * MC_ERR_NOMEM. */
int mc_table_add_row(mc_table *t, size_t *row, mc_error *err);

/* Set cell (row, col) to a string (copied; NULL makes the cell empty), an
 * integer or a float (NaN and infinities are written "nan", "inf").
 * Fails with MC_ERR_INVALID when the cell does not exist, MC_ERR_NOMEM. */
int mc_table_set_str(mc_table *t, size_t row, size_t col, const char *s, mc_error *err);
int mc_table_set_int(mc_table *t, size_t row, size_t col, int64_t v, mc_error *err);
int mc_table_set_float(mc_table *t, size_t row, size_t col, double v, mc_error *err);

/* Reading a table back (for indexing it from the language). */
typedef enum mc_table_kind {
	MC_TABLE_EMPTY = 0,
	MC_TABLE_STR,
	MC_TABLE_INT,
	MC_TABLE_FLOAT
} mc_table_kind;

typedef struct mc_table_cell {
	mc_table_kind kind;
	const char *s;   /* MC_TABLE_STR: borrowed, valid while the table lives */
	int64_t i;       /* MC_TABLE_INT */
	double f;        /* MC_TABLE_FLOAT */
} mc_table_cell;

/* The name of column col (borrowed), or NULL when there is no such column. */
const char *mc_table_col_name(const mc_table *t, size_t col);

/* Cell (row, col) into *out. Fails with MC_ERR_INVALID when the cell does
 * not exist. */
int mc_table_get(mc_table_cell *out, const mc_table *t, size_t row, size_t col, mc_error *err);

/* The table as an HTML fragment (<table>...</table>): text escaped, columns
 * that hold only numbers right-aligned with tabular figures. Caller owns
 * *out (free()). Fails only with MC_ERR_NOMEM. */
int mc_table_html(char **out, const mc_table *t, mc_error *err);

/* The table as plain text: a header, a rule of dashes, one line per row,
 * columns padded to the same width (counted in code points), numbers
 * right-aligned, newlines in cells shown as spaces. Ends with a newline.
 * Caller owns *out (free()). Fails only with MC_ERR_NOMEM. */
int mc_table_text(char **out, const mc_table *t, mc_error *err);

#endif
