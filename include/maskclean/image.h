/* 8-bit images: JPEG (libjpeg-turbo) and PNG (libpng) decoding, PNG encoding,
 * crop, resize, colour conversion, and the article's instance isolation
 * (crop to the box, zero the background, resize to a square).
 *
 * Pixels are row-major, interleaved: pixel (x, y) channel c is at
 * pixels[(y*width + x)*channels + c]; channels is 1 (gray) or 3 (RGB).
 * Functions that can fail return 0 or a negative MC_ERR_* code, set *out =
 * NULL on entry and leave their inputs unchanged. Nothing is cached: callers
 * load one image at a time. */
#ifndef MASKCLEAN_IMAGE_H
#define MASKCLEAN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/rle.h"

typedef struct mc_image {
	int width, height;
	int channels;       /* 1 (gray) or 3 (RGB) */
	uint8_t *pixels;    /* width*height*channels bytes, owned */
} mc_image;

/* A new zero-filled (black) image. channels is 1 or 3, width and height in
 * 1..65535 and at most image_pixels pixels (maskclean/limits.h; else
 * MC_ERR_INVALID with the limit's message). Caller owns *out; free with
 * mc_image_free. */
int mc_image_new(mc_image **out, int width, int height, int channels, mc_error *err);

/* Frees img and its pixels. img may be NULL. */
void mc_image_free(mc_image *img);

/* Reads and decodes the JPEG or PNG file at path, telling them apart by their
 * magic bytes. Gray images give 1 channel, colour ones 3 (alpha is dropped,
 * CMYK and 16-bit are converted). An image with more pixels than the limit
 * image_pixels (maskclean/limits.h, Pillow's MAX_IMAGE_PIXELS) is refused
 * from its header, before anything is allocated for it: MC_ERR_INVALID
 * "big.jpg: image is 60000x60000 = 3600000000 pixels, above the limit of
 * 178956970 (image_pixels; raise it with set_limit("image_pixels", n))".
 * Fails with MC_ERR_IO when the file cannot be read, MC_ERR_PARSE when it is
 * neither format, corrupt, or truncated ("JPEG truncated: the data ends
 * before the image is complete"); the message starts with path. Caller owns
 * *out. */
int mc_image_load(mc_image **out, const char *path, mc_error *err);

/* The same for an in-memory file; name is used in messages. */
int mc_image_decode(mc_image **out, const unsigned char *data, size_t len, const char *name,
                    mc_error *err);

/* Encodes w x h pixels px (row-major, channels 1 or 3) as a PNG in memory.
 * Caller owns *out (free()); *len is its size. Fails with MC_ERR_INVALID for
 * a bad size or channel count, MC_ERR_NOMEM otherwise. */
int mc_png_encode(unsigned char **out, size_t *len, const uint8_t *px, int w, int h,
                  int channels, mc_error *err);

/* Encodes w x h pixels px (row-major, channels 1 or 3) as a baseline JPEG
 * of quality 1..100, without chroma subsampling, in memory: for pictures of
 * photos, several times smaller than their PNG. Caller owns *out (free());
 * *len is its size. Fails with MC_ERR_INVALID for a bad size, channel count
 * or quality, MC_ERR_NOMEM otherwise. */
int mc_jpeg_encode(unsigned char **out, size_t *len, const uint8_t *px, int w, int h,
                   int channels, int quality, mc_error *err);

/* Writes img as a PNG file at path, atomically (maskclean/atomic_file.h).
 * Fails with MC_ERR_IO naming path. */
int mc_image_write_png(const mc_image *img, const char *path, mc_error *err);

/* The rectangle x, y, width, height of img (w, h > 0). Parts outside img are
 * black. Caller owns *out. */
int mc_image_crop(mc_image **out, const mc_image *img, int x, int y, int w, int h,
                  mc_error *err);

/* img resized to w x h (> 0): area averaging along an axis that shrinks,
 * bilinear interpolation (pixel centres aligned) along one that grows.
 * Caller owns *out. */
int mc_image_resize(mc_image **out, const mc_image *img, int w, int h, mc_error *err);

/* img with channels 1 (luma, ITU-R BT.601 weights as libjpeg) or 3 (gray
 * copied to R, G and B). A copy when img already has that many. Caller owns
 * *out. */
int mc_image_convert(mc_image **out, const mc_image *img, int channels, mc_error *err);

/* The article's isolated instance: img cropped to bbox {x, y, w, h} grown by
 * pad pixels on every side (clipped to the image), pixels outside mask set
 * to 0, then scaled to fit out_size x out_size keeping the aspect ratio and
 * centred on black (letterboxing). mask must have img's size (else
 * MC_ERR_SHAPE); out_size > 0, pad >= 0. An empty box gives a black image.
 * Caller owns *out. */
int mc_instance_isolate(mc_image **out, const mc_image *img, const mc_rle *mask,
                        const double bbox[4], int out_size, int pad, mc_error *err);

#endif
