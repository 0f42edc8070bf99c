/* Fuzz harness: .npy reading and writing (runtime/npy.c). Properties: an
 * open either fails with a message naming the file or gives a shape whose
 * data lies inside the file; rows read as doubles are the file's values (or
 * a NaN/inf error); a matrix saved and opened again has the same values. */
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "maskclean/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_file(data, size);
	mc_npy *npy = NULL, *back = NULL;
	mc_matrix *m = NULL, view;
	size_t rows, cols, n;
	double buf[64];
	mc_error err;

	mc_error_clear(&err);
	if (mc_npy_open(&npy, path, &err) != 0) {
		FZ_ASSERT(npy == NULL && strncmp(err.text, path, strlen(path)) == 0);
		return 0;
	}
	rows = mc_npy_rows(npy);
	cols = mc_npy_cols(npy);
	FZ_ASSERT(cols >= 1);
	FZ_ASSERT(rows <= size && rows * cols * (size_t)mc_npy_dtype_of(npy) <= size);
	n = cols <= 64 ? 64 / cols : 0;
	if (n > rows)
		n = rows;
	if (n > 0) {
		mc_error_clear(&err);
		if (mc_npy_read_rows(npy, 0, n, buf, &err) == 0)
			for (size_t i = 0; i < n * cols; i++)
				FZ_ASSERT(isfinite(buf[i]));
		else
			FZ_ASSERT(err.code == MC_ERR_INVALID);
	}
	mc_error_clear(&err);
	FZ_ASSERT(mc_npy_read_rows(npy, rows, 1, buf, &err) == MC_ERR_SHAPE);
	mc_error_clear(&err);
	if (mc_npy_view(npy, &view, &err) == 0)
		FZ_ASSERT(view.rows == rows && view.cols == cols);
	mc_error_clear(&err);
	if (mc_npy_to_matrix(&m, npy, NULL, &err) == 0) {
		const char *out = fz_scratch("saved.npy");
		FZ_ASSERT(mc_npy_save(out, m, &err) == 0);
		FZ_ASSERT(mc_npy_open(&back, out, &err) == 0);
		FZ_ASSERT(mc_npy_rows(back) == rows && mc_npy_cols(back) == cols);
		if (rows * cols > 0)
			FZ_ASSERT(mc_npy_view(back, &view, &err) == 0 &&
			          memcmp(view.data, m->data, rows * cols * sizeof(double)) == 0);
		mc_npy_free(back);
		mc_matrix_free(m);
	} else {
		FZ_ASSERT(err.code == MC_ERR_INVALID || err.code == MC_ERR_NOMEM);
	}
	mc_npy_free(npy);
	return 0;
}
