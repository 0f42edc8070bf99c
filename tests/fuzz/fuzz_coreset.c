/* Fuzz harness: loading a saved coreset service (mc_coreset_load,
 * runtime/coreset.c), the file a colleague sends or a review session's
 * initial.mcc. Each input is loaded as it is, and again with every section's
 * CRC-32 recomputed, so that mutations reach the parsing of the sections
 * instead of stopping at their checksums. Properties: a load fails with a
 * message naming the file, or gives a service whose coresets can be read;
 * saving it and loading the save gives the same bytes again. */
#include "fuzz.h"

#include <string.h>
#include <zlib.h>

#include "maskclean/coreset.h"
#include "maskclean/matrix.h"

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

/* A copy of data with each section's checksum made right (sections:
 * 4-byte tag, 8-byte length, 4-byte CRC-32, data; after 12 bytes of magic
 * and version). Returns NULL when there is nothing to fix. */
static uint8_t *s_fix_crcs(const uint8_t *data, size_t size)
{
	uint8_t *copy = NULL;
	size_t pos = 12;

	while (pos + 16 <= size) {
		uint64_t len;
		uint32_t crc;
		memcpy(&len, data + pos + 4, 8);
		if (len > size - pos - 16)
			break;
		crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data + pos + 16, (uInt)len);
		if (memcmp(&crc, data + pos + 12, 4) != 0) {
			if (copy == NULL && (copy = malloc(size)) != NULL)
				memcpy(copy, data, size);
			if (copy == NULL)
				break;
			memcpy(copy + pos + 12, &crc, 4);
		}
		pos += 16 + (size_t)len;
	}
	return copy;
}

static void s_load(const uint8_t *data, size_t size);

/* A small service made by the library (12 rows, chunks of 4: fewer rows
 * than a node's 64 samples) must load: a load that refuses what the
 * library writes would turn every seed into a refusal. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	mc_coreset_params p;
	mc_coreset *cs = NULL, *back = NULL;
	mc_matrix *X = NULL;
	int64_t y[12];
	mc_error err;

	(void)argc;
	(void)argv;
	mc_error_clear(&err);
	mc_coreset_params_init(&p);
	p.chunk_size = 4;
	FZ_ASSERT(mc_matrix_new(&X, 12, 2, &err) == 0);
	for (size_t i = 0; i < 12; i++) {
		y[i] = (int64_t)(i % 3);
		MC_AT(X, i, 0) = (double)(i % 5);
		MC_AT(X, i, 1) = (double)y[i] + 0.25 * (double)(i % 2);
	}
	FZ_ASSERT(mc_coreset_new(&cs, &p, &err) == 0);
	FZ_ASSERT(mc_coreset_build(cs, X, y, NULL, NULL, &err) == 0);
	FZ_ASSERT(mc_coreset_save(cs, fz_scratch("init.mcc"), &err) == 0);
	if (mc_coreset_load(&back, fz_scratch("init.mcc"), &err) != 0) {
		fprintf(stderr, "a service the library saved does not load: %s\n", err.text);
		abort();
	}
	mc_coreset_free(back);
	mc_coreset_free(cs);
	mc_matrix_free(X);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed = s_fix_crcs(data, size);

	s_load(data, size);
	if (fixed != NULL)
		s_load(fixed, size);
	free(fixed);
	return 0;
}

static void s_load(const uint8_t *data, size_t size)
{
	const char *path = fz_file(data, size);
	mc_coreset *cs = NULL, *back = NULL;
	size_t *idx = NULL, m = 0;
	double *w = NULL;
	mc_error err;

	mc_error_clear(&err);
	if (mc_coreset_load(&cs, path, &err) != 0) {
		FZ_ASSERT(cs == NULL && strncmp(err.text, path, strlen(path)) == 0);
		return;
	}
	FZ_ASSERT(mc_coreset_n(cs) > 0 && mc_coreset_dim(cs) > 0);
	for (size_t level = 0; level < 2; level++) {
		mc_error_clear(&err);
		if (mc_coreset_get_coreset(&idx, &w, &m, cs, level, &err) == 0) {
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
}
