/* This module implements mc_matrix, the dense row-major double matrix with a
 * row stride (include/maskclean/matrix.h). */
#include "maskclean/matrix.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int s_alloc(mc_matrix **out, size_t rows, size_t cols, int zero, mc_error *err)
{
	mc_matrix *m;
	size_t n;

	*out = NULL;
	if (cols != 0 && rows > SIZE_MAX / sizeof(double) / cols)
		return mc_error_set(err, MC_ERR_NOMEM, "matrix %zu x %zu is too large", rows, cols);
	n = rows * cols;
	m = malloc(sizeof *m);
	if (m == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for a %zu x %zu matrix",
		                    rows, cols);
	m->data = zero ? calloc(n > 0 ? n : 1, sizeof(double))
	               : malloc((n > 0 ? n : 1) * sizeof(double));
	if (m->data == NULL) {
		free(m);
		return mc_error_set(err, MC_ERR_NOMEM,
		                    "out of memory for a %zu x %zu matrix (%.1f MB)", rows, cols,
		                    (double)n * sizeof(double) / 1e6);
	}
	m->rows = rows;
	m->cols = cols;
	m->stride = cols;
	m->owns = 1;
	*out = m;
	return 0;
}

int mc_matrix_new(mc_matrix **out, size_t rows, size_t cols, mc_error *err)
{
	return s_alloc(out, rows, cols, 1, err);
}

int mc_matrix_copy(mc_matrix **out, const mc_matrix *m, mc_error *err)
{
	mc_matrix *c;
	int rc;

	*out = NULL;
	rc = s_alloc(&c, m->rows, m->cols, 0, err);
	if (rc != 0)
		return rc;
	if (m->cols > 0)
		for (size_t i = 0; i < m->rows; i++)
			memcpy(c->data + i * c->stride, m->data + i * m->stride,
			       m->cols * sizeof(double));
	*out = c;
	return 0;
}

int mc_matrix_gather_rows(mc_matrix **out, const mc_matrix *m, const size_t *idx,
                          size_t n, mc_error *err)
{
	mc_matrix *c;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (idx[i] >= m->rows)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "row index %zu (position %zu) is out of range, "
			                    "the matrix has %zu rows", idx[i], i, m->rows);
	rc = s_alloc(&c, n, m->cols, 0, err);
	if (rc != 0)
		return rc;
	if (m->cols > 0)
		for (size_t i = 0; i < n; i++)
			memcpy(c->data + i * c->stride, m->data + idx[i] * m->stride,
			       m->cols * sizeof(double));
	*out = c;
	return 0;
}

mc_matrix mc_matrix_view_rows(const mc_matrix *m, size_t r0, size_t n)
{
	mc_matrix v;

	v.rows = n;
	v.cols = m->cols;
	v.stride = m->stride;
	v.data = m->data + r0 * m->stride;
	v.owns = 0;
	return v;
}

int mc_matrix_wrap(mc_matrix **out, double *data, size_t rows, size_t cols,
                   size_t stride, mc_error *err)
{
	mc_matrix *m;

	*out = NULL;
	if (stride < cols)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "matrix stride %zu is smaller than its %zu columns", stride,
		                    cols);
	m = malloc(sizeof *m);
	if (m == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	m->rows = rows;
	m->cols = cols;
	m->stride = stride;
	m->data = data;
	m->owns = 0;
	*out = m;
	return 0;
}

void mc_matrix_free(mc_matrix *m)
{
	if (m == NULL)
		return;
	if (m->owns)
		free(m->data);
	free(m);
}

size_t mc_matrix_find_nonfinite(const mc_matrix *m)
{
	for (size_t i = 0; i < m->rows; i++) {
		const double *row = m->data + i * m->stride;
		for (size_t j = 0; j < m->cols; j++)
			if (!isfinite(row[j]))
				return i * m->cols + j;
	}
	return (size_t)-1;
}

void mc_to_float(float *restrict dst, const double *restrict src, size_t n)
{
	for (size_t k = 0; k < n; k++)
		dst[k] = (float)src[k];
}

void mc_to_double(double *restrict dst, const float *restrict src, size_t n)
{
	for (size_t k = 0; k < n; k++)
		dst[k] = (double)src[k];
}
