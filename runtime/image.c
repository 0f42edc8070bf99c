/* This module implements 8-bit images: JPEG and PNG decoding, PNG encoding,
 * crop, resize, gray/RGB conversion and the isolation of one masked instance
 * (see include/maskclean/image.h). */
#include "maskclean/image.h"
#include "maskclean/atomic_file.h"
#include "maskclean/limits.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

/* Images wider or taller than this are refused (JPEG's own bound is 65500);
 * their pixels are bounded by the limit image_pixels (maskclean/limits.h). */
#define S_MAX_SIDE 65535

/* Fails with the limit's message when a w x h image has more pixels than
 * image_pixels. name may be NULL. */
static int s_check_pixels(uint64_t w, uint64_t h, const char *name, mc_error *err)
{
	char what[256];

	snprintf(what, sizeof what, "%s%simage is %llux%llu = %llu pixels", name ? name : "",
	         name ? ": " : "", (unsigned long long)w, (unsigned long long)h,
	         (unsigned long long)(w * h));
	return mc_limit_check(MC_LIMIT_IMAGE_PIXELS, w * h, what, err);
}

int mc_image_new(mc_image **out, int width, int height, int channels, mc_error *err)
{
	mc_image *img;
	int rc;

	*out = NULL;
	if (width <= 0 || height <= 0 || width > S_MAX_SIDE || height > S_MAX_SIDE)
		return mc_error_set(err, MC_ERR_INVALID, "image size %dx%d, expected 1..%d a side",
		                    width, height, S_MAX_SIDE);
	if ((rc = s_check_pixels((uint64_t)width, (uint64_t)height, NULL, err)) < 0)
		return rc;
	if (channels != 1 && channels != 3)
		return mc_error_set(err, MC_ERR_INVALID, "image with %d channels, expected 1 or 3",
		                    channels);
	img = malloc(sizeof *img);
	if (img == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	img->pixels = calloc((size_t)width * height, (size_t)channels);
	if (img->pixels == NULL) {
		free(img);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	img->width = width;
	img->height = height;
	img->channels = channels;
	*out = img;
	return 0;
}

void mc_image_free(mc_image *img)
{
	if (img == NULL)
		return;
	free(img->pixels);
	free(img);
}

/* ---- JPEG ---- */

typedef struct s_jpeg_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char text[JMSG_LENGTH_MAX + 96];
	int truncated;   /* the data ended early (else: corrupt) */
} s_jpeg_err;

static void s_jpeg_error_exit(j_common_ptr cinfo)
{
	s_jpeg_err *e = (s_jpeg_err *)cinfo->err;

	e->pub.format_message(cinfo, e->text);
	longjmp(e->jump, 1);
}

/* Warnings are ignored (COCO has images with extraneous bytes that every
 * decoder accepts), except running out of data: a file that ends, or whose
 * scan data stops at a marker, before the image is complete is truncated
 * and an error, not a picture with a grey bottom. */
static void s_jpeg_emit_message(j_common_ptr cinfo, int level)
{
	s_jpeg_err *e = (s_jpeg_err *)cinfo->err;

	if (level == -1 && (e->pub.msg_code == JWRN_JPEG_EOF ||
	                    e->pub.msg_code == JWRN_HIT_MARKER)) {
		char text[JMSG_LENGTH_MAX];
		e->pub.format_message(cinfo, text);
		snprintf(e->text, sizeof e->text, "truncated: the data ends before the image is "
		         "complete (%s)", text);
		e->truncated = 1;
		longjmp(e->jump, 1);
	}
}

static void s_jpeg_output_message(j_common_ptr cinfo)
{
	(void)cinfo;
}

static int s_decode_jpeg(mc_image **out, const unsigned char *data, size_t len,
                         const char *name, mc_error *err)
{
	struct jpeg_decompress_struct cinfo;
	s_jpeg_err jerr;
	/* volatile: they change between setjmp and a longjmp back to it */
	mc_image *volatile img = NULL;
	mc_image *made = NULL;
	unsigned char *volatile row = NULL;
	int rc, channels, cmyk, inverted;

	memset(&jerr, 0, sizeof jerr);
	cinfo.err = jpeg_std_error(&jerr.pub);
	jerr.pub.error_exit = s_jpeg_error_exit;
	jerr.pub.emit_message = s_jpeg_emit_message;
	jerr.pub.output_message = s_jpeg_output_message;
	if (setjmp(jerr.jump)) {
		jpeg_destroy_decompress(&cinfo);
		mc_image_free(img);
		free(row);
		if (jerr.truncated)
			return mc_error_set(err, MC_ERR_PARSE, "%s: JPEG %s", name, jerr.text);
		return mc_error_set(err, MC_ERR_PARSE, "%s: corrupt JPEG: %s", name, jerr.text);
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, data, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);
	/* Refuse from the header, before the decoder allocates for the image (a
	 * progressive JPEG's coefficients come to twice its pixels). */
	if ((rc = s_check_pixels(cinfo.image_width, cinfo.image_height, name, err)) < 0) {
		jpeg_destroy_decompress(&cinfo);
		return rc;
	}
	/* Huffman coding spends at least one bit on every 8x8 block of the
	 * first component (its DC coefficient): fewer bytes left than that is a
	 * truncated file, said before anything is allocated for the image. */
	if (!cinfo.arith_code) {
		uint64_t blocks = (uint64_t)cinfo.comp_info[0].width_in_blocks *
		                  cinfo.comp_info[0].height_in_blocks;
		size_t left = cinfo.src->bytes_in_buffer;
		if (left < blocks / 8) {
			jpeg_destroy_decompress(&cinfo);
			return mc_error_set(err, MC_ERR_PARSE, "%s: JPEG truncated: a %ux%u image needs "
			                    "at least %llu bytes of data, the file has %zu after its "
			                    "headers", name, cinfo.image_width, cinfo.image_height,
			                    (unsigned long long)(blocks / 8), left);
		}
	}
	cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
	inverted = cmyk && cinfo.saw_Adobe_marker;
	if (cmyk)
		cinfo.out_color_space = JCS_CMYK;
	else if (cinfo.num_components == 1)
		cinfo.out_color_space = JCS_GRAYSCALE;
	else
		cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	channels = cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
	rc = mc_image_new(&made, (int)cinfo.output_width, (int)cinfo.output_height, channels,
	                  err);
	img = made;
	if (rc < 0) {
		jpeg_destroy_decompress(&cinfo);
		mc_error_prefix(err, "%s", name);
		return rc;
	}
	row = malloc((size_t)cinfo.output_width * (size_t)cinfo.output_components);
	if (row == NULL) {
		jpeg_destroy_decompress(&cinfo);
		mc_image_free(img);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		uint8_t *dst = img->pixels + (size_t)cinfo.output_scanline * img->width * channels;
		JSAMPROW rows[1];

		rows[0] = cmyk ? row : dst;
		jpeg_read_scanlines(&cinfo, rows, 1);
		if (cmyk) {
			unsigned x;

			for (x = 0; x < cinfo.output_width; x++) {
				const unsigned char *p = row + 4 * x;
				int c;

				/* Adobe writes inverted CMYK: the sample is 255 - ink. */
				for (c = 0; c < 3; c++) {
					int v = inverted ? p[c] * p[3] : (255 - p[c]) * (255 - p[3]);

					dst[3 * x + c] = (uint8_t)((v + 127) / 255);
				}
			}
		}
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	free(row);
	*out = img;
	return 0;
}

/* ---- PNG ---- */

static int s_decode_png(mc_image **out, const unsigned char *data, size_t len,
                        const char *name, mc_error *err)
{
	png_image pi;
	png_color black = { 0, 0, 0 };
	mc_image *img = NULL;
	int rc, channels;

	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, data, len))
		return mc_error_set(err, MC_ERR_PARSE, "%s: corrupt PNG: %s", name, pi.message);
	if ((rc = s_check_pixels(pi.width, pi.height, name, err)) < 0) {
		png_image_free(&pi);
		return rc;
	}
	channels = (pi.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
	pi.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
	rc = mc_image_new(&img, (int)pi.width, (int)pi.height, channels, err);
	if (rc < 0) {
		png_image_free(&pi);
		mc_error_prefix(err, "%s", name);
		return rc;
	}
	if (!png_image_finish_read(&pi, &black, img->pixels, (png_int_32)(pi.width * channels),
	                           NULL)) {
		mc_image_free(img);
		return mc_error_set(err, MC_ERR_PARSE, "%s: corrupt PNG: %s", name, pi.message);
	}
	*out = img;
	return 0;
}

int mc_image_decode(mc_image **out, const unsigned char *data, size_t len, const char *name,
                    mc_error *err)
{
	static const unsigned char png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	*out = NULL;
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return s_decode_jpeg(out, data, len, name, err);
	if (len >= 8 && memcmp(data, png_magic, 8) == 0)
		return s_decode_png(out, data, len, name, err);
	return mc_error_set(err, MC_ERR_PARSE,
	                    "%s: not an image: expected a JPEG or PNG file (%zu bytes)", name, len);
}

int mc_image_load(mc_image **out, const char *path, mc_error *err)
{
	unsigned char *data = NULL;
	size_t len = 0, cap = 1 << 16;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (len == cap || data == NULL) {
			unsigned char *g = realloc(data, data == NULL ? cap : (cap *= 2));

			if (g == NULL) {
				free(data);
				fclose(f);
				return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
			}
			data = g;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
		free(data);
		fclose(f);
		return rc;
	}
	fclose(f);
	rc = mc_image_decode(out, data, len, path, err);
	free(data);
	return rc;
}

int mc_png_encode(unsigned char **out, size_t *len, const uint8_t *px, int w, int h,
                  int channels, mc_error *err)
{
	png_image pi;
	png_alloc_size_t size = 0;
	unsigned char *buf;

	*out = NULL;
	*len = 0;
	if (w <= 0 || h <= 0 || w > S_MAX_SIDE || h > S_MAX_SIDE)
		return mc_error_set(err, MC_ERR_INVALID, "PNG size %dx%d, expected 1..%d a side",
		                    w, h, S_MAX_SIDE);
	if (channels != 1 && channels != 3)
		return mc_error_set(err, MC_ERR_INVALID, "PNG with %d channels, expected 1 or 3",
		                    channels);
	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	pi.width = (png_uint_32)w;
	pi.height = (png_uint_32)h;
	pi.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
	if (!png_image_write_to_memory(&pi, NULL, &size, 0, px, w * channels, NULL))
		return mc_error_set(err, MC_ERR_NOMEM, "PNG encoding failed: %s", pi.message);
	buf = malloc(size);
	if (buf == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (!png_image_write_to_memory(&pi, buf, &size, 0, px, w * channels, NULL)) {
		free(buf);
		return mc_error_set(err, MC_ERR_NOMEM, "PNG encoding failed: %s", pi.message);
	}
	*out = buf;
	*len = size;
	return 0;
}

/* Where libjpeg's memory destination puts the file: on the heap, so that
 * what the library stored there is still known after a longjmp. */
typedef struct s_jpeg_mem {
	unsigned char *data;
	unsigned long size;
} s_jpeg_mem;

int mc_jpeg_encode(unsigned char **out, size_t *len, const uint8_t *px, int w, int h,
                   int channels, int quality, mc_error *err)
{
	struct jpeg_compress_struct cinfo;
	s_jpeg_err jerr;
	s_jpeg_mem *m;

	*out = NULL;
	*len = 0;
	if (w <= 0 || h <= 0 || w > S_MAX_SIDE || h > S_MAX_SIDE)
		return mc_error_set(err, MC_ERR_INVALID, "JPEG size %dx%d, expected 1..%d a side",
		                    w, h, S_MAX_SIDE);
	if (channels != 1 && channels != 3)
		return mc_error_set(err, MC_ERR_INVALID, "JPEG with %d channels, expected 1 or 3",
		                    channels);
	if (quality < 1 || quality > 100)
		return mc_error_set(err, MC_ERR_INVALID, "JPEG quality %d, expected 1..100", quality);
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return mc_error_nomem(err);
	memset(&jerr, 0, sizeof jerr);
	cinfo.err = jpeg_std_error(&jerr.pub);
	jerr.pub.error_exit = s_jpeg_error_exit;
	jerr.pub.output_message = s_jpeg_output_message;
	if (setjmp(jerr.jump)) {
		jpeg_destroy_compress(&cinfo);
		free(m->data);
		free(m);
		return mc_error_set(err, MC_ERR_NOMEM, "JPEG encoding failed: %s", jerr.text);
	}
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, &m->data, &m->size);
	cinfo.image_width = (JDIMENSION)w;
	cinfo.image_height = (JDIMENSION)h;
	cinfo.input_components = channels;
	cinfo.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	/* no chroma subsampling: captions and outlines keep sharp colours */
	for (int c = 0; c < cinfo.num_components; c++)
		cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height) {
		/* libjpeg's rows are not const; it only reads them */
		JSAMPROW row = (JSAMPROW)(uintptr_t)(px + (size_t)cinfo.next_scanline * (size_t)w *
		                                               (size_t)channels);
		jpeg_write_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	*out = m->data;
	*len = (size_t)m->size;
	free(m);
	return 0;
}

int mc_image_write_png(const mc_image *img, const char *path, mc_error *err)
{
	unsigned char *png = NULL;
	size_t len = 0;
	int rc;

	rc = mc_png_encode(&png, &len, img->pixels, img->width, img->height, img->channels, err);
	if (rc == 0)
		rc = mc_write_file_atomic(path, png, len, err);
	free(png);
	return rc;
}

int mc_image_crop(mc_image **out, const mc_image *img, int x, int y, int w, int h,
                  mc_error *err)
{
	mc_image *c = NULL;
	int rc, x0, x1, y0, y1, yy;
	size_t ch = (size_t)img->channels;

	*out = NULL;
	if ((rc = mc_image_new(&c, w, h, img->channels, err)) < 0)
		return rc;
	x0 = x > 0 ? x : 0;
	y0 = y > 0 ? y : 0;
	x1 = (long)x + w < img->width ? x + w : img->width;
	y1 = (long)y + h < img->height ? y + h : img->height;
	for (yy = y0; yy < y1 && x0 < x1; yy++)
		memcpy(c->pixels + ((size_t)(yy - y) * w + (size_t)(x0 - x)) * ch,
		       img->pixels + ((size_t)yy * img->width + x0) * ch, (size_t)(x1 - x0) * ch);
	*out = c;
	return 0;
}

/* The source taps of each output sample along one axis: out[o] =
 * sum_k weight[o*taps + k] * in[first[o] + k]. */
typedef struct s_axis {
	int taps;
	int *first;
	double *weight;
} s_axis;

static void s_axis_free(s_axis *a)
{
	free(a->first);
	free(a->weight);
	a->first = NULL;
	a->weight = NULL;
}

/* Area averaging when n_out < n_in (each output averages the input interval
 * it covers, partial pixels weighted by coverage), else bilinear
 * interpolation with pixel centres aligned. */
static int s_axis_make(s_axis *a, int n_in, int n_out)
{
	double scale = (double)n_in / n_out;
	int o;

	a->taps = n_out < n_in ? (int)ceil(scale) + 1 : 2;
	a->first = malloc((size_t)n_out * sizeof *a->first);
	a->weight = calloc((size_t)n_out * a->taps, sizeof *a->weight);
	if (a->first == NULL || a->weight == NULL) {
		s_axis_free(a);
		return -1;
	}
	for (o = 0; o < n_out; o++) {
		double *wt = a->weight + (size_t)o * a->taps;

		if (n_out < n_in) {
			double lo = o * scale, hi = (o + 1) * scale;
			int i0 = (int)floor(lo), k;

			if (hi > n_in)
				hi = n_in;
			a->first[o] = i0;
			for (k = 0; k < a->taps && i0 + k < n_in; k++) {
				double l = fmax(lo, i0 + k), r = fmin(hi, i0 + k + 1);

				if (r > l)
					wt[k] = (r - l) / scale;
			}
		} else {
			double s = (o + 0.5) * scale - 0.5;
			int i0;

			if (s < 0)
				s = 0;
			if (s > n_in - 1)
				s = n_in - 1;
			i0 = (int)floor(s);
			if (i0 > n_in - 2)
				i0 = n_in > 1 ? n_in - 2 : 0;
			a->first[o] = i0;
			wt[0] = 1 - (s - i0);
			if (n_in > 1)
				wt[1] = s - i0;
			else
				wt[0] = 1;
		}
	}
	return 0;
}

int mc_image_resize(mc_image **out, const mc_image *img, int w, int h, mc_error *err)
{
	s_axis ax = { 0, NULL, NULL }, ay = { 0, NULL, NULL };
	mc_image *r = NULL;
	double *tmp = NULL;
	int rc, x, y, k, c, ch = img->channels;

	*out = NULL;
	if ((rc = mc_image_new(&r, w, h, ch, err)) < 0)
		return rc;
	tmp = malloc((size_t)w * img->height * ch * sizeof *tmp);
	if (tmp == NULL || s_axis_make(&ax, img->width, w) < 0 ||
	    s_axis_make(&ay, img->height, h) < 0) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	/* horizontal pass into tmp (w x img->height), then vertical into r */
	for (y = 0; y < img->height; y++) {
		const uint8_t *src = img->pixels + (size_t)y * img->width * ch;

		for (x = 0; x < w; x++) {
			const double *wt = ax.weight + (size_t)x * ax.taps;

			for (c = 0; c < ch; c++) {
				double s = 0;

				for (k = 0; k < ax.taps; k++)
					if (wt[k] != 0)
						s += wt[k] * src[(size_t)(ax.first[x] + k) * ch + c];
				tmp[((size_t)y * w + x) * ch + c] = s;
			}
		}
	}
	for (y = 0; y < h; y++) {
		const double *wt = ay.weight + (size_t)y * ay.taps;

		for (x = 0; x < w * ch; x++) {
			double s = 0;

			for (k = 0; k < ay.taps; k++)
				if (wt[k] != 0)
					s += wt[k] * tmp[(size_t)(ay.first[y] + k) * w * ch + x];
			s = floor(s + 0.5);
			r->pixels[(size_t)y * w * ch + x] = (uint8_t)(s < 0 ? 0 : s > 255 ? 255 : s);
		}
	}
	*out = r;
	r = NULL;
cleanup:
	s_axis_free(&ax);
	s_axis_free(&ay);
	free(tmp);
	mc_image_free(r);
	return rc;
}

int mc_image_convert(mc_image **out, const mc_image *img, int channels, mc_error *err)
{
	size_t i, n = (size_t)img->width * img->height;
	mc_image *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = mc_image_new(&r, img->width, img->height, channels, err)) < 0)
		return rc;
	if (channels == img->channels) {
		memcpy(r->pixels, img->pixels, n * channels);
	} else if (channels == 1) {
		for (i = 0; i < n; i++) {
			const uint8_t *p = img->pixels + 3 * i;

			r->pixels[i] = (uint8_t)(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] + 0.5);
		}
	} else {
		for (i = 0; i < n; i++)
			r->pixels[3 * i] = r->pixels[3 * i + 1] = r->pixels[3 * i + 2] = img->pixels[i];
	}
	*out = r;
	return 0;
}

/* Zeroes the pixels of crop (the rectangle x0, y0 of img's frame) that are
 * background in mask, walking the runs instead of decoding the whole mask. */
static void s_apply_mask(mc_image *crop, const mc_rle *mask, int x0, int y0)
{
	uint32_t h = mask->h;
	uint64_t pos = 0, crop_end = (uint64_t)(x0 + crop->width) * h;
	size_t i, ch = (size_t)crop->channels;
	int v = 0;

	for (i = 0; i < mask->m && pos < crop_end; i++, v = !v) {
		uint64_t start = pos, end = pos + mask->counts[i], p;

		pos = end;
		if (v || end <= (uint64_t)x0 * h)
			continue;
		if (start < (uint64_t)x0 * h)
			start = (uint64_t)x0 * h;
		if (end > crop_end)
			end = crop_end;
		for (p = start; p < end; p++) {
			int x = (int)(p / h), y = (int)(p % h);

			if (y >= y0 && y < y0 + crop->height)
				memset(crop->pixels + ((size_t)(y - y0) * crop->width + (x - x0)) * ch, 0, ch);
			else if (y < y0)
				p += (uint64_t)(y0 - y) - 1;
			else
				p += (uint64_t)(h - y) - 1;
		}
	}
}

int mc_instance_isolate(mc_image **out, const mc_image *img, const mc_rle *mask,
                        const double bbox[4], int out_size, int pad, mc_error *err)
{
	mc_image *sq = NULL, *crop = NULL, *scaled = NULL;
	double x0d, y0d, x1d, y1d, scale;
	int rc, x0, y0, x1, y1, cw, chh, nw, nh, y;
	size_t ch = (size_t)img->channels;

	*out = NULL;
	if (mask->h != (uint32_t)img->height || mask->w != (uint32_t)img->width)
		return mc_error_set(err, MC_ERR_SHAPE, "mask is %ux%u, image is %dx%d",
		                    (unsigned)mask->w, (unsigned)mask->h, img->width, img->height);
	if (out_size <= 0 || pad < 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "instance size %d, padding %d: expected size > 0, padding >= 0",
		                    out_size, pad);
	if (!isfinite(bbox[0]) || !isfinite(bbox[1]) || !isfinite(bbox[2]) ||
	    !isfinite(bbox[3]) || bbox[2] < 0 || bbox[3] < 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "bbox [%g, %g, %g, %g], expected finite x, y and width, "
		                    "height >= 0", bbox[0], bbox[1], bbox[2], bbox[3]);
	if ((rc = mc_image_new(&sq, out_size, out_size, img->channels, err)) < 0)
		return rc;
	x0d = fmax(floor(bbox[0]) - pad, 0);
	y0d = fmax(floor(bbox[1]) - pad, 0);
	x1d = fmin(ceil(bbox[0] + bbox[2]) + pad, img->width);
	y1d = fmin(ceil(bbox[1] + bbox[3]) + pad, img->height);
	if (x1d <= x0d || y1d <= y0d || bbox[2] == 0 || bbox[3] == 0) {
		*out = sq;   /* nothing to show: black */
		return 0;
	}
	x0 = (int)x0d;
	y0 = (int)y0d;
	x1 = (int)x1d;
	y1 = (int)y1d;
	cw = x1 - x0;
	chh = y1 - y0;
	if ((rc = mc_image_crop(&crop, img, x0, y0, cw, chh, err)) < 0)
		goto cleanup;
	s_apply_mask(crop, mask, x0, y0);
	scale = (double)out_size / (cw > chh ? cw : chh);
	nw = (int)floor(cw * scale + 0.5);
	nh = (int)floor(chh * scale + 0.5);
	nw = nw < 1 ? 1 : nw > out_size ? out_size : nw;
	nh = nh < 1 ? 1 : nh > out_size ? out_size : nh;
	if ((rc = mc_image_resize(&scaled, crop, nw, nh, err)) < 0)
		goto cleanup;
	for (y = 0; y < nh; y++)
		memcpy(sq->pixels + ((size_t)(y + (out_size - nh) / 2) * out_size +
		                     (size_t)(out_size - nw) / 2) * ch,
		       scaled->pixels + (size_t)y * nw * ch, (size_t)nw * ch);
	*out = sq;
	sq = NULL;
cleanup:
	mc_image_free(sq);
	mc_image_free(crop);
	mc_image_free(scaled);
	return rc;
}
