/* Command-language functions of the mask area (entries of the function table):
 * COCO RLE encode/decode, mask area and box, and the Mask and Image objects
 * (a Dataset's masks and instances are Dataset methods, in bind_data.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/image.h"
#include "maskclean/rle.h"
#include "bind_mask.h"
#include "registry.h"

/* ---- Mask: an mc_rle shown as a black and white PNG ---- */

static void s_mask_free(void *ptr)
{
	mc_rle_free(ptr);
}

static char *s_mask_repr(const void *ptr)
{
	const mc_rle *r = ptr;
	char *s = malloc(96);

	if (s != NULL)
		snprintf(s, 96, "Mask(%ux%u, area=%llu)", (unsigned)r->w, (unsigned)r->h,
		         (unsigned long long)mc_rle_area(r));
	return s;
}

static int s_mask_display(const void *ptr, json_t *data, json_t *metadata, mc_error *err)
{
	const mc_rle *r = ptr;
	size_t i, n = (size_t)r->h * r->w;
	unsigned char *png = NULL;
	uint8_t *px;
	size_t len = 0;
	int rc;

	if (n == 0)
		return 0;   /* nothing to draw: text/plain only */
	px = malloc(n);
	if (px == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory drawing a mask");
	mc_rle_decode_rowmajor(r, px);
	for (i = 0; i < n; i++)
		px[i] = px[i] ? 255 : 0;
	rc = mc_png_encode(&png, &len, px, (int)r->w, (int)r->h, 1, err);
	if (rc == 0)
		rc = mc_bundle_add_image(data, metadata, "image/png", png, len, (int)r->w, (int)r->h,
		                         err);
	free(px);
	free(png);
	return rc;
}

static mc_value *s_size_value(const mc_rle *r)
{
	mc_value *size = mc_list_new();

	if (size == NULL || mc_list_append(size, mc_int(r->h)) != 0 ||
	    mc_list_append(size, mc_int(r->w)) != 0) {
		mc_unref(size);
		return NULL;
	}
	return size;
}

static mc_value *s_bbox_value(const mc_rle *r)
{
	mc_value *list = mc_list_new();
	double bb[4];
	int k;

	mc_rle_bbox(r, bb);
	for (k = 0; k < 4 && list != NULL; k++)
		if (mc_list_append(list, mc_float(bb[k])) != 0) {
			mc_unref(list);
			list = NULL;
		}
	return list;
}

static mc_value *s_counts_value(const mc_rle *r, mc_error *err)
{
	char *s = NULL;
	mc_value *v;

	if (mc_rle_to_string(&s, r, err) < 0)
		return NULL;
	v = mc_str(s);
	free(s);
	return v;
}

static mc_value *s_mask_size(mc_value *self, mc_error *err)
{
	(void)err;
	return s_size_value(mc_object_ptr(self));
}

static mc_value *s_mask_bbox_attr(mc_value *self, mc_error *err)
{
	(void)err;
	return s_bbox_value(mc_object_ptr(self));
}

static mc_value *s_mask_counts(mc_value *self, mc_error *err)
{
	return s_counts_value(mc_object_ptr(self), err);
}

static mc_value *s_mask_area_attr(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_rle_area(mc_object_ptr(self)));
}

static const mc_attr_def s_mask_attrs[] = {
	{ .name = "size", .doc = "[height, width]", .get = s_mask_size },
	{ .name = "area", .doc = "pixels set", .get = s_mask_area_attr },
	{ .name = "bbox", .doc = "[x, y, width, height] of the pixels set", .get = s_mask_bbox_attr },
	{ .name = "counts", .doc = "the compressed COCO RLE string", .get = s_mask_counts },
	{ .name = NULL }
};

const mc_class mc_mask_class = {
	.name = "Mask", .free = s_mask_free, .repr = s_mask_repr, .display = s_mask_display,
	.attributes = s_mask_attrs
};

/* ---- Image ---- */

static void s_image_free(void *ptr)
{
	mc_image_free(ptr);
}

static char *s_image_repr(const void *ptr)
{
	const mc_image *img = ptr;
	char *s = malloc(64);

	if (s != NULL)
		snprintf(s, 64, "Image(%dx%d, %s)", img->width, img->height,
		         img->channels == 1 ? "gray" : "rgb");
	return s;
}

static int s_image_display(const void *ptr, json_t *data, json_t *metadata, mc_error *err)
{
	const mc_image *img = ptr;
	unsigned char *png = NULL;
	size_t len = 0;
	int rc;

	rc = mc_png_encode(&png, &len, img->pixels, img->width, img->height, img->channels, err);
	if (rc == 0)
		rc = mc_bundle_add_image(data, metadata, "image/png", png, len, img->width, img->height,
		                         err);
	free(png);
	return rc;
}

static mc_value *s_image_width(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int(((const mc_image *)mc_object_ptr(self))->width);
}

static mc_value *s_image_height(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int(((const mc_image *)mc_object_ptr(self))->height);
}

static mc_value *s_image_channels(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int(((const mc_image *)mc_object_ptr(self))->channels);
}

static const mc_attr_def s_image_attrs[] = {
	{ .name = "width", .doc = "pixels across", .get = s_image_width },
	{ .name = "height", .doc = "pixels down", .get = s_image_height },
	{ .name = "channels", .doc = "1 (grey) or 3 (RGB)", .get = s_image_channels },
	{ .name = NULL }
};

const mc_class mc_image_class = {
	.name = "Image", .free = s_image_free, .repr = s_image_repr, .display = s_image_display,
	.attributes = s_image_attrs
};

/* Wraps img (stolen) as an Image value. */
static int s_image_value(mc_value **out, mc_image *img, mc_error *err)
{
	*out = mc_object_new(&mc_image_class, img);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

/* ---- reading RLE arguments ---- */

/* The mask in v: a Mask, or a COCO dict {"size": [h, w], "counts": str or
 * list of ints}. Caller owns *out. fn names the function in messages. */
static int s_rle_of(mc_rle **out, const mc_value *v, const char *fn, mc_error *err)
{
	const mc_value *size, *counts;
	int64_t h, w;
	int rc;

	*out = NULL;
	if (mc_object_class(v) == &mc_mask_class)
		return mc_rle_copy(out, mc_object_ptr(v), err);
	if (mc_type(v) != MC_T_DICT)
		return mc_error_set(err, MC_ERR_TYPE,
		                    "%s(): rle must be a Mask or a dict {\"size\": [h, w], "
		                    "\"counts\": ...}, got %s", fn, mc_type_name(v));
	size = mc_dict_get(v, "size");
	counts = mc_dict_get(v, "counts");
	if (size == NULL || counts == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): rle has no \"%s\", expected "
		                    "{\"size\": [h, w], \"counts\": ...}", fn,
		                    size == NULL ? "size" : "counts");
	if (mc_type(size) != MC_T_LIST || mc_list_len(size) != 2 ||
	    mc_type(mc_list_get(size, 0)) != MC_T_INT || mc_type(mc_list_get(size, 1)) != MC_T_INT)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): rle \"size\" must be [h, w] (two "
		                    "ints)", fn);
	h = mc_as_int(mc_list_get(size, 0));
	w = mc_as_int(mc_list_get(size, 1));
	if (h < 0 || w < 0 || h > UINT32_MAX || w > UINT32_MAX)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): rle \"size\" is [%lld, %lld], "
		                    "expected non-negative h and w", fn, (long long)h, (long long)w);
	if (mc_type(counts) == MC_T_STR) {
		rc = mc_rle_from_string(out, mc_as_str(counts), (uint32_t)h, (uint32_t)w, err);
	} else if (mc_type(counts) == MC_T_LIST) {
		size_t i, m = mc_list_len(counts);
		uint32_t *c = malloc((m > 0 ? m : 1) * sizeof *c);

		if (c == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		for (i = 0; i < m; i++) {
			const mc_value *x = mc_list_get(counts, i);

			if (mc_type(x) != MC_T_INT || mc_as_int(x) < 0 || mc_as_int(x) > UINT32_MAX) {
				free(c);
				return mc_error_set(err, MC_ERR_PARSE, "%s(): rle counts[%zu] must be an "
				                    "int 0..4294967295", fn, i);
			}
			c[i] = (uint32_t)mc_as_int(x);
		}
		rc = mc_rle_new(out, (uint32_t)h, (uint32_t)w, c, m, err);
		free(c);
	} else {
		return mc_error_set(err, MC_ERR_TYPE, "%s(): rle \"counts\" must be a str "
		                    "(compressed) or a list of ints, got %s", fn, mc_type_name(counts));
	}
	if (rc < 0)
		mc_error_prefix(err, "%s()", fn);
	return rc;
}

/* {"size": [h, w], "counts": "<compressed>"} of r. */
static int s_rle_dict(mc_value **out, const mc_rle *r, mc_error *err)
{
	mc_value *d = mc_dict_new(), *counts = NULL;

	*out = NULL;
	if (d == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	counts = s_counts_value(r, err);
	if (counts == NULL || mc_dict_set_str(d, "size", s_size_value(r)) != 0 ||
	    mc_dict_set_str(d, "counts", counts) != 0) {
		mc_unref(d);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	*out = d;
	return 0;
}

/* ---- the functions ---- */

static int s_rle_encode(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *m = mc_arg(call, "mask");
	mc_rle *r = NULL;
	uint8_t *px;
	size_t rows, cols, i, n;
	int rc;

	*out = NULL;
	if (mc_object_class(m) == &mc_mask_class)
		return s_rle_dict(out, mc_object_ptr(m), err);
	if (mc_type(m) != MC_T_ARRAY || mc_array_cols(m) == 0)
		return mc_error_set(err, MC_ERR_TYPE, "rle_encode(): mask must be a 2-D array "
		                    "(h x w, non-zero = foreground), got %s", mc_type_name(m));
	rows = mc_array_rows(m);
	cols = mc_array_cols(m);
	if (rows > UINT32_MAX || cols > UINT32_MAX)
		return mc_error_set(err, MC_ERR_SHAPE, "rle_encode(): mask is too large");
	n = rows * cols;
	px = malloc(n > 0 ? n : 1);
	if (px == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (mc_array_dtype(m) == MC_I64) {
		const int64_t *a = mc_array_i64(m);

		for (i = 0; i < n; i++)
			px[i] = a[i] != 0;
	} else {
		const double *a = mc_array_f64(m);

		for (i = 0; i < n; i++)
			px[i] = a[i] != 0;
	}
	rc = mc_rle_encode_rowmajor(&r, px, (uint32_t)rows, (uint32_t)cols, err);
	free(px);
	if (rc == 0)
		rc = s_rle_dict(out, r, err);
	mc_rle_free(r);
	return rc;
}

static int s_rle_decode(mc_call *call, mc_value **out, mc_error *err)
{
	mc_rle *r = NULL;
	mc_value *arr;
	uint8_t *px;
	size_t i, n;
	int64_t *dst;
	int rc;

	*out = NULL;
	if ((rc = s_rle_of(&r, mc_arg(call, "rle"), "rle_decode", err)) < 0)
		return rc;
	n = (size_t)r->h * r->w;
	px = malloc(n > 0 ? n : 1);
	arr = mc_array_new(MC_I64, r->h, r->w > 0 ? r->w : 1);
	if (px == NULL || arr == NULL) {
		free(px);
		mc_unref(arr);
		mc_rle_free(r);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	mc_rle_decode_rowmajor(r, px);
	dst = mc_array_i64(arr);
	for (i = 0; i < n; i++)
		dst[i] = px[i];
	free(px);
	mc_rle_free(r);
	*out = arr;
	return 0;
}

static int s_mask_area(mc_call *call, mc_value **out, mc_error *err)
{
	mc_rle *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = s_rle_of(&r, mc_arg(call, "rle"), "mask_area", err)) < 0)
		return rc;
	*out = mc_int((int64_t)mc_rle_area(r));
	mc_rle_free(r);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

static int s_mask_bbox(mc_call *call, mc_value **out, mc_error *err)
{
	mc_rle *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = s_rle_of(&r, mc_arg(call, "rle"), "mask_bbox", err)) < 0)
		return rc;
	*out = s_bbox_value(r);
	mc_rle_free(r);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

static int s_mask(mc_call *call, mc_value **out, mc_error *err)
{
	mc_rle *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = s_rle_of(&r, mc_arg(call, "rle"), "Mask", err)) < 0)
		return rc;
	*out = mc_object_new(&mc_mask_class, r);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

static int s_load_image(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	mc_image *img = NULL;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) < 0)
		return rc;
	if ((rc = mc_image_load(&img, path, err)) < 0)
		return rc;
	return s_image_value(out, img, err);
}

static int s_image_save(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) < 0)
		return rc;
	if ((rc = mc_image_write_png(mc_call_self_ptr(call), path, err)) < 0)
		return rc;
	*out = mc_none();
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

static int s_image_resize(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t w, h;
	mc_image *img = NULL;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_int(call, "width", &w, err)) < 0 ||
	    (rc = mc_arg_int(call, "height", &h, err)) < 0)
		return rc;
	if (w <= 0 || h <= 0 || w > 65535 || h > 65535)
		return mc_error_set(err, MC_ERR_INVALID, "Image.resize(): size %lldx%lld, expected "
		                    "1..65535 a side", (long long)w, (long long)h);
	if ((rc = mc_image_resize(&img, mc_call_self_ptr(call), (int)w, (int)h, err)) < 0)
		return rc;
	return s_image_value(out, img, err);
}

const mc_func_def mc_funcs_mask[] = {
	{ .name = "rle_encode", .signature = "(mask)",
	  .doc = "COCO RLE of a binary mask: {\"size\": [h, w], \"counts\": compressed string}.",
	  .long_doc = "`mask` is a 2-D array of h rows and w columns; non-zero entries are the "
	  "object. The result is what pycocotools' `mask.encode` gives (column-major "
	  "runs, compressed string), so it can go straight into a COCO JSON file.\n\n"
	  "    r = rle_encode(m)\n    mask_area(r)", .fn = s_rle_encode },
	{ .name = "rle_decode", .signature = "(rle)",
	  .doc = "The h x w int64 array (1 = object, 0 = background) of a COCO RLE or Mask.",
	  .long_doc = "`rle` is a dict `{\"size\": [h, w], \"counts\": ...}` with compressed (str) "
	  "or uncompressed (list of ints) counts, or a Mask. Counts that do not sum "
	  "to h*w, or a malformed string, are a ParseError saying what was expected.",
	  .fn = s_rle_decode },
	{ .name = "mask_area", .signature = "(rle)",
	  .doc = "Number of object pixels of a COCO RLE or Mask.",
	  .long_doc = "The same as pycocotools' `mask.area`.", .fn = s_mask_area },
	{ .name = "mask_bbox", .signature = "(rle)",
	  .doc = "Bounding box [x, y, width, height] of a COCO RLE or Mask.",
	  .long_doc = "The same as pycocotools' `mask.toBbox`; an empty mask gives [0, 0, 0, 0].",
	  .fn = s_mask_bbox },
	{ .name = "Mask", .signature = "(rle)",
	  .doc = "A Mask object (shown as a black and white image) from a COCO RLE.",
	  .long_doc = "Attributes: `size` ([h, w]), `area`, `bbox`, `counts` (compressed string).",
	  .fn = s_mask },
	{ .name = "load_image", .signature = "(path)",
	  .doc = "Loads a JPEG or PNG file as an Image.",
	  .long_doc = "The format is told by the file's first bytes. Gray images have 1 channel, "
	  "colour ones 3 (alpha is dropped). Attributes: `width`, `height`, "
	  "`channels`. A missing, truncated or corrupt file is an error naming the file.",
	  .fn = s_load_image },
	{ .name = "Image.save", .signature = "(path)",
	  .doc = "Writes the image as a PNG file.", .fn = s_image_save },
	{ .name = "Image.resize", .signature = "(width, height)",
	  .doc = "A resized copy (area averaging when shrinking, bilinear when growing).",
	  .fn = s_image_resize },
	{ .name = NULL }
};
