/* Fuzz harness: JPEG and PNG decoding (runtime/image.c). The pixel limit is
 * lowered to 2^20 so that refusing from the header is exercised at sizes the
 * fuzzer reaches. Properties: a decode fails with a message naming the input,
 * or gives an image within the limit; its PNG encoding decodes to the same
 * pixels; crop and resize of it work. */
#include "fuzz.h"

#include <string.h>

#include "maskclean/image.h"
#include "maskclean/limits.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mc_limit_set(MC_LIMIT_IMAGE_PIXELS, 1 << 20, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mc_image *img = NULL, *back = NULL, *small = NULL;
	unsigned char *png = NULL;
	size_t len = 0;
	mc_error err;

	mc_error_clear(&err);
	if (mc_image_decode(&img, data, size, "fuzz.img", &err) != 0) {
		FZ_ASSERT(img == NULL && strncmp(err.text, "fuzz.img: ", 10) == 0);
		return 0;
	}
	FZ_ASSERT(img->width > 0 && img->height > 0);
	FZ_ASSERT((uint64_t)img->width * (uint64_t)img->height <= (1u << 20));
	FZ_ASSERT(img->channels == 1 || img->channels == 3);
	FZ_ASSERT(mc_png_encode(&png, &len, img->pixels, img->width, img->height, img->channels,
	                        &err) == 0);
	FZ_ASSERT(mc_image_decode(&back, png, len, "again.png", &err) == 0);
	FZ_ASSERT(back->width == img->width && back->height == img->height &&
	          back->channels == img->channels);
	FZ_ASSERT(memcmp(back->pixels, img->pixels,
	                 (size_t)img->width * img->height * img->channels) == 0);
	FZ_ASSERT(mc_image_resize(&small, img, 1 + img->width / 7, 1 + img->height / 5, &err) == 0);
	mc_image_free(small);
	FZ_ASSERT(mc_image_crop(&small, img, -3, 2, 9, 9, &err) == 0);
	mc_image_free(small);
	mc_image_free(back);
	mc_image_free(img);
	free(png);
	return 0;
}
