/* Tests of images (runtime/image.c): JPEG and PNG decoding on the COCO files
 * in tests/data, corrupt and truncated files, PNG round trips, crop,
 * resize, colour conversion and instance isolation. */
#include <check.h>
#include <jansson.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "maskclean/image.h"
#include "maskclean/limits.h"
#include "maskclean/rle.h"
#include "durability_fixture.h"
#include "testutil.h"
#include "suite_run.h"

static char s_tmpdir[4096];

/* A fresh directory for the files a test writes (tests/testutil.h). */
static void tmp_setup(void)
{
	tu_tmpdir(s_tmpdir, sizeof s_tmpdir, "check_image");
}

static void tmp_teardown(void)
{
	tu_rmtree(s_tmpdir);
}

static const char *tmp_file(const char *name)
{
	static char path[4200];

	return tu_path(path, sizeof path, s_tmpdir, name);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void write_all(const char *path, const unsigned char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Loads path expecting failure with code; returns the message. */
static const char *load_fails(const char *path, int code, mc_error *err)
{
	mc_image *img = (mc_image *)1;

	mc_error_clear(err);
	ck_assert_int_eq(mc_image_load(&img, path, err), code);
	ck_assert_ptr_null(img);
	ck_assert_int_eq(err->code, code);
	ck_assert_msg(strncmp(err->text, path, strlen(path)) == 0,
	              "message does not start with the file: %s", err->text);
	return err->text + strlen(path);
}

START_TEST(test_jpeg_dimensions_match_json)
{
	json_error_t je;
	json_t *root = json_load_file(tu_data("coco/tinycoco/annotations/instances_val2017.json"),
	                              0, &je);
	const json_t *images = json_object_get(root, "images");
	size_t i, checked = 0;

	ck_assert_msg(root != NULL, "%s", je.text);
	/* every val image of the copy in tests/data: 2 JPEGs */
	for (i = 0; i < json_array_size(images); i++) {
		const json_t *im = json_array_get(images, i);
		char rel[512];
		mc_image *img = NULL;
		mc_error err;
		size_t k, n, nonzero = 0;

		snprintf(rel, sizeof rel, "coco/tinycoco/images/val2017/%s",
		         json_string_value(json_object_get(im, "file_name")));
		mc_error_clear(&err);
		ck_assert_msg(mc_image_load(&img, tu_data(rel), &err) == 0, "%s", err.text);
		ck_assert_int_eq(img->width, (int)json_integer_value(json_object_get(im, "width")));
		ck_assert_int_eq(img->height, (int)json_integer_value(json_object_get(im, "height")));
		ck_assert(img->channels == 1 || img->channels == 3);
		n = (size_t)img->width * img->height * img->channels;
		for (k = 0; k < n; k++)
			nonzero += img->pixels[k] != 0;
		ck_assert_uint_gt(nonzero, n / 2);   /* a photograph, not a black page */
		mc_image_free(img);
		checked++;
	}
	ck_assert_uint_eq(checked, 2);
	json_decref(root);
}
END_TEST

START_TEST(test_corrupt_files_name_the_file)
{
	const char *jpg = tu_data("coco/tinycoco/images/train2017/000000037777.jpg");
	unsigned char *data, *png = NULL, junk[64];
	size_t len, png_len = 0;
	uint8_t px[12 * 10];
	mc_image *img = (mc_image *)1;
	mc_error err;

	data = read_all(jpg, &len);
	/* JPEG cut in the middle of the scan data */
	write_all(tmp_file("half.jpg"), data, len / 2);
	ck_assert_ptr_nonnull(strstr(load_fails(tmp_file("half.jpg"), MC_ERR_PARSE, &err),
	                             ": JPEG truncated: the data ends before the image is "
	                             "complete"));
	/* JPEG cut inside its headers */
	write_all(tmp_file("head.jpg"), data, 200);
	ck_assert_ptr_nonnull(strstr(load_fails(tmp_file("head.jpg"), MC_ERR_PARSE, &err),
	                             ": JPEG truncated: "));

	/* the same from memory names the given name */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_decode(&img, data, len / 3, "cut.jpg", &err), MC_ERR_PARSE);
	ck_assert_ptr_null(img);
	ck_assert_ptr_nonnull(strstr(err.text, "cut.jpg: JPEG truncated"));
	/* JPEG with a frame the decoder does not support: corrupt */
	data[2] = 0xff, data[3] = 0xc3;   /* a lossless frame */
	write_all(tmp_file("marker.jpg"), data, len);
	ck_assert_ptr_nonnull(strstr(load_fails(tmp_file("marker.jpg"), MC_ERR_PARSE, &err),
	                             ": corrupt JPEG: "));
	free(data);

	/* PNG: truncated, and with a broken chunk CRC */
	memset(px, 7, sizeof px);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_png_encode(&png, &png_len, px, 12, 10, 1, &err), 0);
	write_all(tmp_file("half.png"), png, png_len - 20);
	ck_assert_ptr_nonnull(strstr(load_fails(tmp_file("half.png"), MC_ERR_PARSE, &err),
	                             ": corrupt PNG: "));
	png[png_len - 16] ^= 0x55;   /* inside the last IDAT chunk or its CRC */
	write_all(tmp_file("crc.png"), png, png_len);
	ck_assert_ptr_nonnull(strstr(load_fails(tmp_file("crc.png"), MC_ERR_PARSE, &err),
	                             ": corrupt PNG: "));
	free(png);

	/* neither format */
	memset(junk, 'x', sizeof junk);
	write_all(tmp_file("notes.txt"), junk, sizeof junk);
	ck_assert_str_eq(load_fails(tmp_file("notes.txt"), MC_ERR_PARSE, &err),
	                 ": not an image: expected a JPEG or PNG file (64 bytes)");
	/* missing */
	ck_assert_str_eq(load_fails(tmp_file("missing.jpg"), MC_ERR_IO, &err),
	                 ": cannot open: No such file or directory");
}
END_TEST

/* A copy of fixture name (tests/data/image) whose JPEG frame header says
 * w x h. */
static unsigned char *jpeg_claiming(const char *name, unsigned w, unsigned h, size_t *len)
{
	char rel[256];
	unsigned char *d;
	size_t i;

	snprintf(rel, sizeof rel, "image/%s", name);
	d = read_all(tu_data(rel), len);
	for (i = 2; i + 9 < *len; i++)
		if (d[i] == 0xff && (d[i + 1] == 0xc0 || d[i + 1] == 0xc2)) {
			d[i + 5] = (unsigned char)(h >> 8);
			d[i + 6] = (unsigned char)h;
			d[i + 7] = (unsigned char)(w >> 8);
			d[i + 8] = (unsigned char)w;
			return d;
		}
	ck_abort_msg("%s: no frame header", name);
	return NULL;
}

/* Decompression bombs (issue 13): a 541-byte progressive JPEG that says
 * 60000x60000 is refused from its header, with the limit's name, before any
 * memory is spent on it; with the limit raised, a baseline JPEG that says
 * 16000x16000 with 16x16 pixels of data is reported as truncated. The memory
 * is asserted on the peak resident size. */
START_TEST(test_decompression_bombs)
{
	unsigned char *d, *png = NULL;
	size_t len, png_len = 0;
	uint8_t px[16] = { 0 };
	long before = tu_peak_rss_mib();
	mc_image *img = NULL;
	mc_error err;

	mc_limit_reset();
	d = jpeg_claiming("progressive.jpg", 60000, 60000, &len);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_decode(&img, d, len, "bomb.jpg", &err), MC_ERR_INVALID);
	ck_assert_ptr_null(img);
	ck_assert_str_eq(err.text, "bomb.jpg: image is 60000x60000 = 3600000000 pixels, above the "
	                 "limit of 178956970 (image_pixels; raise it with "
	                 "set_limit(\"image_pixels\", n))");
	free(d);
	/* the same size as a PNG */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_png_encode(&png, &png_len, px, 4, 4, 1, &err), 0);
	png[16] = 0, png[17] = 0, png[18] = 0xea, png[19] = 0x60;   /* IHDR width 60000 */
	png[20] = 0, png[21] = 0, png[22] = 0xea, png[23] = 0x60;   /* height */
	{
		uLong crc = crc32(0, png + 12, 17);
		png[29] = (unsigned char)(crc >> 24), png[30] = (unsigned char)(crc >> 16);
		png[31] = (unsigned char)(crc >> 8), png[32] = (unsigned char)crc;
	}
	ck_assert_int_eq(mc_image_decode(&img, png, png_len, "bomb.png", &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "bomb.png: image is 60000x60000 = 3600000000 "
	                                       "pixels, above the limit"));
	free(png);

	/* Raised, as a user would: what is missing is the data, which is said
	 * before anything is allocated when the file is too short for any image
	 * of that size (Huffman coding spends a bit or more on every block)... */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_limit_set(MC_LIMIT_IMAGE_PIXELS, (uint64_t)1 << 28, &err), 0);
	d = jpeg_claiming("baseline.jpg", 16000, 16000, &len);
	ck_assert_int_eq(mc_image_decode(&img, d, len, "short.jpg", &err), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, "short.jpg: JPEG truncated: a 16000x16000 image "
	                                       "needs at least 500000 bytes of data, the file has "));
	free(d);
	/* ... and when the decoder runs out of it. */
	mc_error_clear(&err);
	d = jpeg_claiming("baseline.jpg", 64, 64, &len);
	ck_assert_int_eq(mc_image_decode(&img, d, len, "short.jpg", &err), MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, "short.jpg: JPEG truncated: the data ends before "
	                                       "the image is complete"));
	free(d);
	mc_limit_reset();
	if (getenv("MC_VALGRIND") == NULL)
		ck_assert_msg(tu_peak_rss_mib() - before < 64, "peak resident memory grew by %ld MiB",
		              tu_peak_rss_mib() - before);
}
END_TEST

static int s_write(void *ctx, mc_error *err)
{
	df_job *j = ctx;
	return mc_image_write_png(j->obj, j->path, err);
}

/* Issue 13: PNG files are written atomically: on a full disk and when
 * killed in the middle the previous file stays whole, with no temporary. */
START_TEST(test_png_write_killed_and_full_disk)
{
	mc_image *img = NULL;
	uint32_t state = 7;
	df_job j;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_new(&img, 3000, 2000, 3, &err), 0);   /* ~18 MB of noise */
	for (size_t i = 0; i < (size_t)3000 * 2000 * 3; i++) {
		state = state * 1103515245u + 12345u;
		img->pixels[i] = (uint8_t)(state >> 24);
	}
	j.obj = img;
	j.path = tmp_file("durable.png");
	ck_assert_int_eq(mc_image_write_png(img, j.path, &err), 0);
	img->pixels[0] ^= 1;
	df_check_writer(j.path, s_write, &j, 1 << 20);
	mc_image_free(img);
}
END_TEST

START_TEST(test_png_round_trip)
{
	int channels;

	for (channels = 1; channels <= 3; channels += 2) {
		const int w = 37, h = 23;
		size_t n = (size_t)w * h * channels, i, len = 0;
		uint8_t *px = malloc(n);
		unsigned char *png = NULL;
		mc_image *img = NULL, *back = NULL;
		uint32_t state = 12345;
		mc_error err;

		for (i = 0; i < n; i++) {
			state = state * 1103515245u + 12345u;
			px[i] = (uint8_t)(state >> 24);
		}
		mc_error_clear(&err);
		ck_assert_int_eq(mc_png_encode(&png, &len, px, w, h, channels, &err), 0);
		ck_assert_uint_gt(len, 8);
		ck_assert_int_eq(mc_image_decode(&img, png, len, "mem.png", &err), 0);
		ck_assert_int_eq(img->width, w);
		ck_assert_int_eq(img->height, h);
		ck_assert_int_eq(img->channels, channels);
		ck_assert_mem_eq(img->pixels, px, n);
		/* through a file */
		ck_assert_int_eq(mc_image_write_png(img, tmp_file("rt.png"), &err), 0);
		ck_assert_int_eq(mc_image_load(&back, tmp_file("rt.png"), &err), 0);
		ck_assert_int_eq(back->channels, channels);
		ck_assert_mem_eq(back->pixels, px, n);
		free(px);
		free(png);
		mc_image_free(img);
		mc_image_free(back);
	}
}
END_TEST

/* A JPEG of a smooth picture decodes to the same size and nearly the same
 * pixels (quality 90, no chroma subsampling); bad arguments are refused. */
START_TEST(test_jpeg_encode)
{
	for (int channels = 1; channels <= 3; channels += 2) {
		const int w = 64, h = 48;
		size_t n = (size_t)w * h * (size_t)channels, len = 0;
		uint8_t *px = malloc(n);
		unsigned char *jpeg = NULL;
		mc_image *img = NULL;
		double diff = 0.0;
		mc_error err;

		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				for (int c = 0; c < channels; c++)
					px[((size_t)y * w + x) * channels + c] =
						(uint8_t)(x * 3 + y * 2 + c * 40);
		mc_error_clear(&err);
		ck_assert_int_eq(mc_jpeg_encode(&jpeg, &len, px, w, h, channels, 90, &err), 0);
		ck_assert_uint_gt(len, 100);
		ck_assert(jpeg[0] == 0xFF && jpeg[1] == 0xD8);
		ck_assert_int_eq(mc_image_decode(&img, jpeg, len, "mem.jpg", &err), 0);
		ck_assert_int_eq(img->width, w);
		ck_assert_int_eq(img->height, h);
		ck_assert_int_eq(img->channels, channels);
		for (size_t i = 0; i < n; i++)
			diff += fabs((double)img->pixels[i] - (double)px[i]);
		ck_assert_msg(diff / (double)n < 3.0, "mean error %g", diff / (double)n);
		free(jpeg);
		mc_image_free(img);
		ck_assert_int_eq(mc_jpeg_encode(&jpeg, &len, px, w, h, channels, 0, &err),
		                 MC_ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(err.text, "JPEG quality 0, expected 1..100"));
		mc_error_clear(&err);
		ck_assert_int_eq(mc_jpeg_encode(&jpeg, &len, px, w, h, 2, 90, &err), MC_ERR_INVALID);
		ck_assert_ptr_null(jpeg);
		mc_error_clear(&err);
		ck_assert_int_eq(mc_jpeg_encode(&jpeg, &len, px, 0, h, channels, 90, &err),
		                 MC_ERR_INVALID);
		free(px);
	}
}
END_TEST

START_TEST(test_png_alpha_and_bad_args)
{
	/* RGBA input loses its alpha by compositing on black */
	const uint8_t rgba[8] = { 200, 100, 50, 255, 90, 80, 70, 0 };
	png_image pi;
	png_alloc_size_t size = 0;
	unsigned char *buf, *png = (unsigned char *)1;
	mc_image *img = NULL;
	size_t len = 1;
	mc_error err;

	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	pi.width = 2;
	pi.height = 1;
	pi.format = PNG_FORMAT_RGBA;
	ck_assert(png_image_write_to_memory(&pi, NULL, &size, 0, rgba, 8, NULL));
	buf = malloc(size);
	ck_assert(png_image_write_to_memory(&pi, buf, &size, 0, rgba, 8, NULL));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_decode(&img, buf, size, "rgba.png", &err), 0);
	ck_assert_int_eq(img->channels, 3);
	ck_assert_uint_eq(img->pixels[0], 200);
	ck_assert_uint_eq(img->pixels[1], 100);
	ck_assert_uint_eq(img->pixels[2], 50);
	ck_assert_uint_eq(img->pixels[3] | img->pixels[4] | img->pixels[5], 0);
	mc_image_free(img);
	free(buf);

	ck_assert_int_eq(mc_png_encode(&png, &len, rgba, 2, 1, 4, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(png);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(err.text, "PNG with 4 channels, expected 1 or 3");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_new(&img, 3, 3, 1, &err), 0);
	ck_assert_int_eq(mc_image_write_png(img, tmp_file("no/such/dir.png"), &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "no/such/dir.png: cannot create"));
	mc_image_free(img);
}
END_TEST

static mc_image *gray(int w, int h, const uint8_t *px)
{
	mc_image *img = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_new(&img, w, h, 1, &err), 0);
	memcpy(img->pixels, px, (size_t)w * h);
	return img;
}

START_TEST(test_resize_crop_convert)
{
	const uint8_t blocks[8] = { 10, 20, 30, 40, 50, 60, 70, 80 };
	const uint8_t ramp[3] = { 0, 90, 180 }, two[2] = { 0, 255 };
	const uint8_t corner[4] = { 1, 2, 3, 4 };
	mc_image *src, *out = NULL, *rgb = NULL;
	mc_error err;
	int i;

	mc_error_clear(&err);
	/* shrinking averages the covered area: 2x2 blocks */
	src = gray(4, 2, blocks);
	ck_assert_int_eq(mc_image_resize(&out, src, 2, 1, &err), 0);
	ck_assert_uint_eq(out->pixels[0], 35);
	ck_assert_uint_eq(out->pixels[1], 55);
	mc_image_free(out);
	/* same size: unchanged */
	ck_assert_int_eq(mc_image_resize(&out, src, 4, 2, &err), 0);
	ck_assert_mem_eq(out->pixels, blocks, 8);
	mc_image_free(out);
	mc_image_free(src);
	/* partial coverage: 3 -> 2 covers [0, 1.5) and [1.5, 3) */
	src = gray(3, 1, ramp);
	ck_assert_int_eq(mc_image_resize(&out, src, 2, 1, &err), 0);
	ck_assert_uint_eq(out->pixels[0], 30);    /* (0 + 90/2) / 1.5 */
	ck_assert_uint_eq(out->pixels[1], 150);   /* (90/2 + 180) / 1.5 */
	mc_image_free(out);
	mc_image_free(src);
	/* growing interpolates between pixel centres, clamped at the edges */
	src = gray(2, 1, two);
	ck_assert_int_eq(mc_image_resize(&out, src, 4, 1, &err), 0);
	ck_assert_uint_eq(out->pixels[0], 0);
	ck_assert_uint_eq(out->pixels[1], 64);    /* 255/4 */
	ck_assert_uint_eq(out->pixels[2], 191);   /* 3*255/4 */
	ck_assert_uint_eq(out->pixels[3], 255);
	mc_image_free(out);
	mc_image_free(src);
	/* crop reaching outside is black there */
	src = gray(2, 2, corner);
	ck_assert_int_eq(mc_image_crop(&out, src, -1, -1, 3, 3, &err), 0);
	{
		const uint8_t want[9] = { 0, 0, 0, 0, 1, 2, 0, 3, 4 };

		ck_assert_mem_eq(out->pixels, want, 9);
	}
	mc_image_free(out);
	/* gray -> RGB -> gray */
	ck_assert_int_eq(mc_image_convert(&rgb, src, 3, &err), 0);
	ck_assert_int_eq(rgb->channels, 3);
	for (i = 0; i < 4; i++)
		ck_assert(rgb->pixels[3 * i] == corner[i] && rgb->pixels[3 * i + 1] == corner[i] &&
		          rgb->pixels[3 * i + 2] == corner[i]);
	rgb->pixels[0] = 255, rgb->pixels[1] = 0, rgb->pixels[2] = 0;
	rgb->pixels[3] = 0, rgb->pixels[4] = 255, rgb->pixels[5] = 0;
	rgb->pixels[6] = 0, rgb->pixels[7] = 0, rgb->pixels[8] = 255;
	ck_assert_int_eq(mc_image_convert(&out, rgb, 1, &err), 0);
	ck_assert_uint_eq(out->pixels[0], 76);    /* .299 * 255 */
	ck_assert_uint_eq(out->pixels[1], 150);   /* .587 * 255 */
	ck_assert_uint_eq(out->pixels[2], 29);    /* .114 * 255 */
	ck_assert_uint_eq(out->pixels[3], 4);
	mc_image_free(out);
	mc_image_free(rgb);
	mc_image_free(src);
	ck_assert_int_eq(mc_image_new(&out, 0, 3, 1, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(out);
}
END_TEST

/* A 20x10 RGB test card: pixel (x, y) = (10x + 5, 20y + 5, 100). */
static mc_image *card(void)
{
	mc_image *img = NULL;
	mc_error err;
	int x, y;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_image_new(&img, 20, 10, 3, &err), 0);
	for (y = 0; y < 10; y++)
		for (x = 0; x < 20; x++) {
			uint8_t *p = img->pixels + (y * 20 + x) * 3;

			p[0] = (uint8_t)(10 * x + 5);
			p[1] = (uint8_t)(20 * y + 5);
			p[2] = 100;
		}
	return img;
}

static int row_is_black(const mc_image *img, int y, int x0, int x1)
{
	int x, c;

	for (x = x0; x < x1; x++)
		for (c = 0; c < img->channels; c++)
			if (img->pixels[((size_t)y * img->width + x) * img->channels + c] != 0)
				return 0;
	return 1;
}

START_TEST(test_isolate_synthetic)
{
	const double box[4] = { 4, 2, 6, 4 }, left[4] = { 4, 2, 3, 4 };
	mc_image *img = card(), *out = NULL, *crop = NULL, *scaled = NULL;
	mc_rle *full = NULL, *half = NULL, *small = NULL;
	mc_error err;
	int y;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_from_bbox(&full, box, 10, 20, NULL, &err), 0);
	ck_assert_int_eq(mc_rle_from_bbox(&half, left, 10, 20, NULL, &err), 0);
	/* The 6x4 box scaled by 2 to 12x8, centred in 12x12: two black rows
	 * above and below, and in between exactly the resized crop. */
	ck_assert_int_eq(mc_instance_isolate(&out, img, full, box, 12, 0, &err), 0);
	ck_assert(out->width == 12 && out->height == 12 && out->channels == 3);
	ck_assert_int_eq(mc_image_crop(&crop, img, 4, 2, 6, 4, &err), 0);
	ck_assert_int_eq(mc_image_resize(&scaled, crop, 12, 8, &err), 0);
	ck_assert(row_is_black(out, 0, 0, 12) && row_is_black(out, 1, 0, 12));
	ck_assert(row_is_black(out, 10, 0, 12) && row_is_black(out, 11, 0, 12));
	ck_assert_mem_eq(out->pixels + 2 * 12 * 3, scaled->pixels, 12 * 8 * 3);
	mc_image_free(out);
	/* Only the left half of the box is the instance: the right half is
	 * background and zeroed (interpolation blurs one column between). */
	ck_assert_int_eq(mc_instance_isolate(&out, img, half, box, 12, 0, &err), 0);
	for (y = 2; y < 10; y++) {
		ck_assert(row_is_black(out, y, 7, 12));
		ck_assert(!row_is_black(out, y, 0, 1) && !row_is_black(out, y, 5, 6));
	}
	mc_image_free(out);
	/* Padding: the 8x6 crop has a zeroed ring; 12/8 gives 12x9 at row 1. */
	ck_assert_int_eq(mc_instance_isolate(&out, img, full, box, 12, 1, &err), 0);
	ck_assert(row_is_black(out, 0, 0, 12) && row_is_black(out, 10, 0, 12) &&
	          row_is_black(out, 11, 0, 12));
	ck_assert(!row_is_black(out, 5, 0, 12));
	mc_image_free(out);
	/* An empty box gives a black square; a mask of another size is refused. */
	{
		const double empty[4] = { 5, 5, 0, 0 };

		ck_assert_int_eq(mc_instance_isolate(&out, img, full, empty, 8, 0, &err), 0);
		for (y = 0; y < 8; y++)
			ck_assert(row_is_black(out, y, 0, 8));
		mc_image_free(out);
	}
	ck_assert_int_eq(mc_rle_from_bbox(&small, box, 5, 5, NULL, &err), 0);
	ck_assert_int_eq(mc_instance_isolate(&out, img, small, box, 8, 0, &err), MC_ERR_SHAPE);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err.text, "mask is 5x5, image is 20x10");
	mc_rle_free(full);
	mc_rle_free(half);
	mc_rle_free(small);
	mc_image_free(img);
	mc_image_free(crop);
	mc_image_free(scaled);
}
END_TEST

START_TEST(test_isolate_coco_oranges)
{
	/* Image 37777 has 5 oranges (data README). Each isolated orange keeps
	 * colour inside and is black in the corners: an orange is round, so the
	 * corners of its box are background. */
	json_error_t je;
	json_t *root = json_load_file(tu_data("coco/tinycoco/annotations/instances_train2017.json"),
	                              0, &je);
	const json_t *anns = json_object_get(root, "annotations");
	const json_t *cats = json_object_get(root, "categories");
	json_int_t orange = -1;
	mc_image *img = NULL;
	mc_error err;
	size_t i, found = 0;

	ck_assert_msg(root != NULL, "%s", je.text);
	for (i = 0; i < json_array_size(cats); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(cats, i), "name")),
		           "orange") == 0)
			orange = json_integer_value(json_object_get(json_array_get(cats, i), "id"));
	ck_assert_int_ge(orange, 0);
	mc_error_clear(&err);
	ck_assert_msg(mc_image_load(&img, tu_data("coco/tinycoco/images/train2017/000000037777.jpg"),
	                            &err) == 0, "%s", err.text);
	for (i = 0; i < json_array_size(anns); i++) {
		const json_t *a = json_array_get(anns, i), *seg = json_object_get(a, "segmentation");
		const json_t *jb = json_object_get(a, "bbox");
		const double *parts[16];
		double *store[16], bb[4];
		size_t lens[16], p, k, n;
		mc_rle *r = NULL;
		mc_image *out = NULL;
		long lit = 0;

		if (json_integer_value(json_object_get(a, "image_id")) != 37777 ||
		    json_integer_value(json_object_get(a, "category_id")) != orange)
			continue;
		n = json_array_size(seg);
		ck_assert(n > 0 && n <= 16);
		for (p = 0; p < n; p++) {
			lens[p] = json_array_size(json_array_get(seg, p));
			store[p] = malloc(lens[p] * sizeof(double));
			for (k = 0; k < lens[p]; k++)
				store[p][k] = json_number_value(json_array_get(json_array_get(seg, p), k));
			parts[p] = store[p];
		}
		for (k = 0; k < 4; k++)
			bb[k] = json_number_value(json_array_get(jb, k));
		ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, n, (uint32_t)img->height,
		                                      (uint32_t)img->width, NULL, &err), 0);
		ck_assert_int_eq(mc_instance_isolate(&out, img, r, bb, 32, 0, &err), 0);
		ck_assert(out->width == 32 && out->height == 32 && out->channels == 3);
		for (k = 0; k < 32 * 32 * 3; k++)
			lit += out->pixels[k] != 0;
		ck_assert_int_gt(lit, 32 * 32 * 3 / 3);
		ck_assert(row_is_black(out, 0, 0, 2) && row_is_black(out, 0, 30, 32));
		ck_assert(row_is_black(out, 31, 0, 2) && row_is_black(out, 31, 30, 32));
		for (p = 0; p < n; p++)
			free(store[p]);
		mc_rle_free(r);
		mc_image_free(out);
		found++;
	}
	ck_assert_uint_eq(found, 5);
	mc_image_free(img);
	json_decref(root);
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *io = tcase_create("io");
	TCase *ops = tcase_create("ops");

	tcase_add_checked_fixture(io, tmp_setup, tmp_teardown);
	tcase_set_timeout(io, 60);
	tcase_add_test(io, test_jpeg_dimensions_match_json);
	tcase_add_test(io, test_corrupt_files_name_the_file);
	tcase_add_test(io, test_png_round_trip);
	tcase_add_test(io, test_jpeg_encode);
	tcase_add_test(io, test_decompression_bombs);
	tcase_add_test(io, test_png_write_killed_and_full_disk);
	tcase_add_test(io, test_png_alpha_and_bad_args);
	suite_add_tcase(s, io);
	tcase_set_timeout(ops, 60);
	tcase_add_test(ops, test_resize_crop_convert);
	tcase_add_test(ops, test_isolate_synthetic);
	tcase_add_test(ops, test_isolate_coco_oranges);
	suite_add_tcase(s, ops);
	return s;
}

int main(void)
{
	return mc_check_run(image_suite());
}
