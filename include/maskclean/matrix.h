/* The one dense matrix type: row-major doubles with a row stride.
 *
 * A matrix owns its data (owns = 1) or is a view into another matrix or a
 * memory map (owns = 0). Views share memory for folds and subsets. Every BLAS
 * call on it states CblasRowMajor and passes stride as the leading dimension. */
#ifndef MASKCLEAN_MATRIX_H
#define MASKCLEAN_MATRIX_H

#include <stddef.h>
#include "maskclean/error.h"

typedef struct mc_matrix {
	size_t rows;
	size_t cols;
	size_t stride;   /* elements between the starts of two rows, >= cols */
	double *data;
	int owns;        /* 1 if mc_matrix_free releases data */
} mc_matrix;

#define MC_AT(m, i, j) ((m)->data[(size_t)(i) * (m)->stride + (size_t)(j)])

/* New zero-filled rows x cols matrix in *out. Caller owns; free with
 * mc_matrix_free. Fails with MC_ERR_NOMEM (message names the size). */
int mc_matrix_new(mc_matrix **out, size_t rows, size_t cols, mc_error *err);

/* Deep copy of m (compact stride). Caller owns; free with mc_matrix_free. */
int mc_matrix_copy(mc_matrix **out, const mc_matrix *m, mc_error *err);

/* New matrix holding the rows idx[0..n) of m, in that order.
 * Caller owns; free with mc_matrix_free. */
int mc_matrix_gather_rows(mc_matrix **out, const mc_matrix *m, const size_t *idx,
                          size_t n, mc_error *err);

/* A view of rows [r0, r0+n) of m: shares m's memory, owns nothing, valid
 * while m lives. Returned by value; needs no free. */
mc_matrix mc_matrix_view_rows(const mc_matrix *m, size_t r0, size_t n);

/* Wraps caller memory without copying (owns = 0). Caller owns the returned
 * struct (free with mc_matrix_free) but not data. */
int mc_matrix_wrap(mc_matrix **out, double *data, size_t rows, size_t cols,
                   size_t stride, mc_error *err);

/* Frees m and, if it owns them, its data. m may be NULL. */
void mc_matrix_free(mc_matrix *m);

/* Index of the first non-finite element in row-major order, or (size_t)-1 if
 * every element is finite. Lets loaders report "row 12, column 3 is NaN". */
size_t mc_matrix_find_nonfinite(const mc_matrix *m);

/* dst[0..n) = src[0..n) rounded to float / widened to double (elementwise,
 * vectorized): the single-precision paths of PCA, logistic regression and
 * the coreset blocks. */
void mc_to_float(float *restrict dst, const double *restrict src, size_t n);
void mc_to_double(double *restrict dst, const float *restrict src, size_t n);

#endif
