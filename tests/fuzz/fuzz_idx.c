/* Fuzz harness: IDX files, plain or gzip (runtime/idx.c). Properties: a load
 * fails with a message naming the file, or its element count is the product
 * of its dimensions and lies within what the input can hold; images and
 * labels checks agree with the type and shape. */
#include "fuzz.h"

#include <string.h>

#include "maskclean/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_file(data, size);
	mc_idx *idx = NULL, *again = NULL;
	size_t count = 1;
	double sum = 0;
	mc_error err;

	mc_error_clear(&err);
	if (mc_idx_load(&idx, path, &err) != 0) {
		FZ_ASSERT(idx == NULL && strncmp(err.text, path, strlen(path)) == 0);
		return 0;
	}
	for (int i = 0; i < idx->ndim; i++)
		count *= idx->dims[i];
	FZ_ASSERT(count == idx->count);
	for (size_t k = 0; k < idx->count; k++)
		sum += mc_idx_get(idx, k) != 0;
	FZ_ASSERT(sum <= (double)idx->count);
	mc_error_clear(&err);
	if (mc_idx_load_images(&again, path, &err) == 0)
		FZ_ASSERT(idx->type == 0x08 && idx->ndim == 3);
	else
		FZ_ASSERT(idx->type != 0x08 || idx->ndim != 3);
	mc_idx_free(again);
	again = NULL;
	mc_error_clear(&err);
	if (mc_idx_load_labels(&again, path, 10, &err) == 0) {
		FZ_ASSERT(idx->type == 0x08 && idx->ndim == 1);
		for (size_t k = 0; k < again->count; k++)
			FZ_ASSERT(again->u8[k] < 10);
	}
	mc_idx_free(again);
	mc_idx_free(idx);
	return 0;
}
