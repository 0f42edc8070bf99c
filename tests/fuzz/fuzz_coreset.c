/* Fuzz harness: loading a saved coreset service (mc_coreset_load,
 * runtime/coreset.c), the file a colleague sends or a review session's
 * initial.mcc. Properties: a load fails with a message naming the file, or
 * gives a service whose coresets can be read; saving it and loading the
 * save gives the same bytes again. */
#include "fuzz.h"

#include <string.h>

#include "maskclean/coreset.h"

static unsigned char *s_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	FZ_ASSERT(f != NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	FZ_ASSERT(buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_file(data, size);
	mc_coreset *cs = NULL, *back = NULL;
	size_t *idx = NULL, m = 0;
	double *w = NULL;
	mc_error err;

	mc_error_clear(&err);
	if (mc_coreset_load(&cs, path, &err) != 0) {
		FZ_ASSERT(cs == NULL && strncmp(err.text, path, strlen(path)) == 0);
		return 0;
	}
	FZ_ASSERT(mc_coreset_n(cs) > 0 && mc_coreset_dim(cs) > 0);
	for (size_t level = 0; level < 2; level++) {
		mc_error_clear(&err);
		if (mc_coreset_get_coreset(cs, level, &idx, &w, &m, &err) == 0) {
			for (size_t q = 0; q < m; q++)
				FZ_ASSERT(idx[q] < mc_coreset_n(cs));
			free(idx);
			free(w);
		}
	}
	{
		const char *a = fz_scratch("a.mcc");
		char b[4200];
		unsigned char *da, *db;
		size_t la, lb;

		snprintf(b, sizeof b, "%s", fz_scratch("b.mcc"));
		mc_error_clear(&err);
		FZ_ASSERT(mc_coreset_save(cs, a, &err) == 0);
		FZ_ASSERT(mc_coreset_load(&back, a, &err) == 0);
		FZ_ASSERT(mc_coreset_save(back, b, &err) == 0);
		da = s_read(a, &la);
		db = s_read(b, &lb);
		FZ_ASSERT(la == lb && memcmp(da, db, la) == 0);
		free(da);
		free(db);
		mc_coreset_free(back);
	}
	mc_coreset_free(cs);
	return 0;
}
