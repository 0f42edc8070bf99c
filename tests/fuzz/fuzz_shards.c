/* Fuzz harness: maskclean-mpi's shard manifest (mc_shards_open,
 * mpi/shards.c), a JSON file a colleague may send with their shards. The
 * input is the manifest, saved in the scratch folder beside small .npy
 * files made here (a.npy 3 x 2 and c.npy 4 x 2 float64, b.npy 2 x 2
 * float32, d.npy 2 x 3, y3/w3/y2/w2/y4/w4.npy labels and weights, bad.npy a
 * label file with -1 and 0.5, nan.npy weights with a NaN), and opened as
 * every rank of 1, 2 and 3 ranks. Properties: an open fails with a message
 * or gives ranks whose row ranges cover the data in order; a rank's rows,
 * labels and weights read as many values as it holds, or fail with a
 * message. Inputs with '/' or '\\' are skipped, so that a manifest names only
 * files of the scratch folder (the harness reads no other file). */
#include "fuzz.h"

#include <string.h>

#include "shards.h"

static const char *s_manifest;

static size_t s_unit(const void *ctx, size_t n, size_t d)
{
	(void)ctx;
	(void)n;
	(void)d;
	return 1;
}

static void s_save(const char *name, size_t rows, size_t cols, double *v)
{
	mc_matrix m = { .rows = rows, .cols = cols, .stride = cols, .data = v };
	mc_error err;

	mc_error_clear(&err);
	FZ_ASSERT(mc_npy_save(fz_scratch(name), &m, &err) == 0);
}

static void s_save_f4(const char *name, size_t rows, size_t cols, const float *v)
{
	mc_npy_writer *w = NULL;
	mc_error err;

	mc_error_clear(&err);
	FZ_ASSERT(mc_npy_writer_open(&w, fz_scratch(name), rows, cols, &err) == 0);
	FZ_ASSERT(mc_npy_writer_rows(w, 0, rows, v, &err) == 0);
	FZ_ASSERT(mc_npy_writer_commit(w, &err) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* not const: a matrix view holds a double * */
	static double a[6] = { 1, 2, 3, 4, 5, 6 }, c[8] = { 1, 0, 0, 1, 2, 2, 3, 1 };
	static double d[6] = { 1, 2, 3, 4, 5, 6 }, y[4] = { 0, 1, 2, 1 };
	static double w[4] = { 1, 0.5, 2, 0 }, bad[3] = { 0, -1, 0.5 };
	static double nan_w[2] = { 1, 0.0 / 0.0 };
	static const float b[4] = { 1, 2, 3, 4 };

	(void)argc;
	(void)argv;
	s_save("a.npy", 3, 2, a);
	s_save("c.npy", 4, 2, c);
	s_save("d.npy", 2, 3, d);
	s_save_f4("b.npy", 2, 2, b);
	s_save("y3.npy", 3, 1, y);
	s_save("y2.npy", 2, 1, y);
	s_save("y4.npy", 4, 1, y);
	s_save("w3.npy", 3, 1, w);
	s_save("w2.npy", 2, 1, w);
	s_save("w4.npy", 4, 1, w);
	s_save("bad.npy", 3, 1, bad);
	s_save("nan.npy", 2, 1, nan_w);
	s_manifest = strdup(fz_scratch("manifest.json"));
	FZ_ASSERT(s_manifest != NULL);
	return 0;
}

/* The rows, labels and weights of one rank of an open that succeeded. */
static void s_read(const mc_shards *sh, size_t rank, size_t size)
{
	mc_matrix *m = NULL;
	int64_t *y = NULL;
	double *w = NULL;
	mc_error err;

	FZ_ASSERT(sh->start[0] == 0 && sh->start[size] == sh->n);
	for (size_t r = 0; r < size; r++)
		FZ_ASSERT(sh->start[r] <= sh->start[r + 1]);
	FZ_ASSERT(sh->row0 == sh->start[rank] && sh->rows == sh->start[rank + 1] - sh->row0);
	FZ_ASSERT(sh->first <= sh->last && sh->last <= sh->count);
	mc_error_clear(&err);
	if (mc_shards_matrix(&m, sh, &err) == 0) {
		FZ_ASSERT(m->rows == sh->rows && (sh->rows == 0 || m->cols == sh->d));
		mc_matrix_free(m);
	} else {
		FZ_ASSERT(err.code != MC_OK && err.text[0] != '\0');
	}
	mc_error_clear(&err);
	if (mc_shards_labels(&y, sh, &err) == 0) {
		for (size_t i = 0; i < sh->rows; i++)
			FZ_ASSERT(y[i] >= 0);
		free(y);
	} else {
		FZ_ASSERT(y == NULL && err.code != MC_OK && err.text[0] != '\0');
	}
	mc_error_clear(&err);
	if (mc_shards_weights(&w, sh, &err) == 0) {
		for (size_t i = 0; w != NULL && i < sh->rows; i++)
			FZ_ASSERT(w[i] >= 0.0);
		free(w);
	} else {
		FZ_ASSERT(w == NULL && err.code != MC_OK && err.text[0] != '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;

	if (memchr(data, '/', size) != NULL || memchr(data, '\\', size) != NULL)
		return 0;
	f = fopen(s_manifest, "wb");
	FZ_ASSERT(f != NULL);
	FZ_ASSERT(fwrite(data, 1, size, f) == size && fclose(f) == 0);
	for (size_t n = 1; n <= 3; n++)
		for (size_t rank = 0; rank < n; rank++) {
			mc_shards sh;
			mc_error err;

			mc_error_clear(&err);
			if (mc_shards_open(&sh, s_manifest, NULL, NULL, NULL, rank, n, s_unit, NULL,
			                   &err) != 0) {
				FZ_ASSERT(err.code != MC_OK && err.text[0] != '\0');
				FZ_ASSERT(sh.shard == NULL && sh.start == NULL);
				continue;
			}
			s_read(&sh, rank, n);
			mc_shards_free(&sh);
		}
	return 0;
}
