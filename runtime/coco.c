/* This module implements loading COCO instance files (coco.h): a streaming
 * reader that turns images, annotations and categories into compact arrays,
 * the indexes by id, image and class, and lookups on them. */
#include "coco_internal.h"
#include "maskclean/buf.h"
#include "maskclean/limits.h"
#include "maskclean/rle.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* Bytes of the mapped file behind the reader that are dropped from memory
 * at a time, so that a 450 MB file never sits in memory whole. */
#define S_DROP_CHUNK ((size_t)32 << 20)

enum { S_IMAGES, S_ANNOTATIONS, S_CATEGORIES };
static const char *const s_array_names[] = { "images", "annotations", "categories" };
static const char *const s_record_names[] = { "image", "annotation", "category" };

typedef struct s_scan {
	const char *base, *p, *end;
	size_t dropped;          /* bytes at the start already given back */
	const char *name;        /* file base name, for messages */
	mc_coco *ds;
	mc_error *err;
	const mc_progress *progress;
	size_t elements;         /* elements read, for progress */
	EVP_MD_CTX *sha;         /* the file's SHA-256, hashed as the reader moves on */
	size_t hashed;           /* bytes hashed so far */
	int fast;                /* the fast scanner may read elements (json_depth >= 6) */
	int skip_depth;          /* nesting the fast scanner skips in unknown members */
	uint64_t max_depth, max_string, max_list;   /* limits.h, read once */
} s_scan;

/* ---------------------------------------------------------------- pools */

static int s_push_chars(mc_coco *ds, const char *s, size_t len, uint64_t *off)
{
	if (mc_grow((void **)&ds->chars, &ds->cap_chars, ds->n_chars + len + 1, 1) < 0)
		return -1;
	memcpy(ds->chars + ds->n_chars, s, len);
	ds->chars[ds->n_chars + len] = '\0';
	*off = ds->n_chars;
	ds->n_chars += len + 1;
	return 0;
}

static int s_push_xy(mc_coco *ds, double v)
{
	return mc_push((void **)&ds->xy, &ds->n_xy, &ds->cap_xy, &v, sizeof v);
}

static int s_push_u32(mc_coco *ds, uint32_t v)
{
	return mc_push((void **)&ds->u32, &ds->n_u32, &ds->cap_u32, &v, sizeof v);
}

/* ---------------------------------------------------------------- messages */

static void s_line_col(const char *base, size_t off, size_t *line, size_t *col)
{
	const char *p = base, *stop = base + off, *nl;
	size_t l = 1;
	const char *last = base;

	while (p < stop && (nl = memchr(p, '\n', (size_t)(stop - p))) != NULL) {
		l++;
		p = nl + 1;
		last = p;
	}
	*line = l;
	*col = (size_t)(stop - last) + 1;
}

/* "(annotations[5], after annotation 17)" */
static void s_where(char *buf, size_t len, const s_scan *sc, int which, size_t idx)
{
	const mc_coco *ds = sc->ds;
	int64_t prev = 0;
	int have = 0;

	if (which < 0) {
		buf[0] = '\0';
		return;
	}
	if (idx > 0) {
		have = 1;
		if (which == S_ANNOTATIONS)
			prev = ds->anns[idx - 1].id;
		else if (which == S_IMAGES)
			prev = ds->imgs[idx - 1].id;
		else
			prev = ds->cats[idx - 1].id;
	}
	if (have)
		snprintf(buf, len, " (in %s[%zu], after %s %lld)", s_array_names[which], idx,
		         s_record_names[which], (long long)prev);
	else
		snprintf(buf, len, " (in %s[%zu])", s_array_names[which], idx);
}

static int s_syntax(s_scan *sc, const char *at, const char *what, int which, size_t idx)
{
	size_t line, col;
	char where[160];

	s_line_col(sc->base, (size_t)(at - sc->base), &line, &col);
	s_where(where, sizeof where, sc, which, idx);
	if (at >= sc->end)
		return mc_error_set(sc->err, MC_ERR_PARSE,
		                    "%s: line %zu, column %zu: unexpected end of file, %s "
		                    "(truncated JSON?)%s", sc->name, line, col, what, where);
	return mc_error_set(sc->err, MC_ERR_PARSE, "%s: line %zu, column %zu: %s%s", sc->name,
	                    line, col, what, where);
}

/* Jansson's error for a value that starts at start, placed in the file. */
static int s_jansson_error(s_scan *sc, const char *start, const json_error_t *je, int which,
                           size_t idx)
{
	size_t line, col, off = (size_t)(start - sc->base) + (size_t)je->position;
	char where[160];

	/* Jansson says nothing when it could not even start (out of memory). */
	if (je->text[0] == '\0' || json_error_code(je) == json_error_out_of_memory)
		return mc_error_set(sc->err, MC_ERR_NOMEM, "%s: out of memory", sc->name);

	if (off > (size_t)(sc->end - sc->base))
		off = (size_t)(sc->end - sc->base);
	s_line_col(sc->base, off, &line, &col);
	s_where(where, sizeof where, sc, which, idx);
	return mc_error_set(sc->err, MC_ERR_PARSE, "%s: line %zu, column %zu: %s%s%s", sc->name,
	                    line, col, je->text, where, off >= (size_t)(sc->end - sc->base) ?
	                    ": unexpected end of file (truncated JSON?)" : "");
}

static const char *s_jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int s_nomem(s_scan *sc)
{
	return mc_error_set(sc->err, MC_ERR_NOMEM, "%s: out of memory", sc->name);
}

/* ---------------------------------------------------------------- scanner */

static inline const char *s_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* A plain string (printable ASCII, no escapes) at p ('"'). Returns the byte
 * after the closing quote, or NULL when the string is anything else. */
static inline const char *s_plain_string(const char *p, const char *end, const char **s,
                                         size_t *len)
{
	const char *q = p + 1;

	while (q < end) {
		unsigned char c = (unsigned char)*q;
		if (c == '"') {
			*s = p + 1;
			*len = (size_t)(q - p - 1);
			return q + 1;
		}
		if (c < 0x20 || c >= 0x80 || c == '\\')
			return NULL;
		q++;
	}
	return NULL;
}

static const double s_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

typedef struct s_num {
	double d;
	int64_t i;
	int is_int;
} s_num;

/* A JSON number at p. Returns the byte after it, or NULL when it is not a
 * number or is one this reader leaves to Jansson. Reals are correctly
 * rounded: exactly (Clinger's fast path) when the digits fit in 53 bits and
 * the power of ten is at most 22, otherwise through Jansson. */
static const char *s_number(const char *p, const char *end, s_num *out)
{
	const char *s = p;
	uint64_t m = 0;
	int nd = 0, exp10 = 0, neg = 0, dropped = 0;

	out->is_int = 1;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end)
		return NULL;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9') {
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd++;
			} else {
				exp10++;
				dropped = 1;
			}
			p++;
		}
	} else {
		return NULL;
	}
	if (p < end && *p == '.') {
		out->is_int = 0;
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9') {
			if (m == 0 && *p == '0') {
				exp10--;
			} else if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd++;
				exp10--;
			} else if (*p != '0') {
				dropped = 1;
			}
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, e = 0;
		out->is_int = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9') {
			if (e < 100000)
				e = e * 10 + (*p - '0');
			p++;
		}
		exp10 += eneg ? -e : e;
	}
	if (out->is_int) {
		if (dropped || m > (uint64_t)INT64_MAX)
			return NULL;
		out->i = neg ? -(int64_t)m : (int64_t)m;
		out->d = (double)out->i;
		return p;
	}
	if (!dropped && m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
		double d = (double)m;
		d = exp10 < 0 ? d / s_pow10[-exp10] : d * s_pow10[exp10];
		out->d = neg ? -d : d;
		return p;
	} else {
		json_t *v = json_loadb(s, (size_t)(p - s), JSON_DECODE_ANY, NULL);
		if (v == NULL || !json_is_number(v)) {
			json_decref(v);
			return NULL;
		}
		out->d = json_number_value(v);
		json_decref(v);
		return p;
	}
}

/* Skips a value made of numbers, plain strings, literals and arrays of them
 * nested at most max deep. Returns NULL for anything else (objects
 * included): Jansson then reads the element. */
static const char *s_skip_value(const char *p, const char *end, int depth, int max)
{
	const char *s;
	size_t len;
	s_num n;

	if (p >= end)
		return NULL;
	switch (*p) {
	case '"':
		return s_plain_string(p, end, &s, &len);
	case 'n':
		return (end - p >= 4 && memcmp(p, "null", 4) == 0) ? p + 4 : NULL;
	case 't':
		return (end - p >= 4 && memcmp(p, "true", 4) == 0) ? p + 4 : NULL;
	case 'f':
		return (end - p >= 5 && memcmp(p, "false", 5) == 0) ? p + 5 : NULL;
	case '[':
		if (depth >= max)
			return NULL;
		p = s_ws(p + 1, end);
		if (p < end && *p == ']')
			return p + 1;
		for (;;) {
			p = s_skip_value(p, end, depth + 1, max);
			if (p == NULL)
				return NULL;
			p = s_ws(p, end);
			if (p >= end)
				return NULL;
			if (*p == ']')
				return p + 1;
			if (*p != ',')
				return NULL;
			p = s_ws(p + 1, end);
		}
	default:
		return s_number(p, end, &n);
	}
}

static inline int s_is_null(const char *p, const char *end)
{
	return end - p >= 4 && memcmp(p, "null", 4) == 0;
}

/* ------------------------------------------------- segmentation checks */

static int s_check_polygon(char *why, size_t len, const uint32_t *lens, size_t n)
{
	size_t i;

	if (n == 0) {
		snprintf(why, len, "segmentation is an empty list of polygons");
		return -1;
	}
	if (lens[0] == 4) {
		for (i = 1; i < n; i++)
			if (lens[i] != 4) {
				snprintf(why, len, "polygon %zu has %u numbers, but polygon 0 has 4 "
				         "(a bbox); expected 4 in every part", i, lens[i]);
				return -1;
			}
		return 0;
	}
	for (i = 0; i < n; i++)
		if (lens[i] < 6 || lens[i] % 2 != 0) {
			if (lens[i] < 6 && lens[i] % 2 == 0)
				snprintf(why, len, "polygon %zu has %u numbers (%u point%s), expected at "
				         "least 3 points (6 numbers)", i, lens[i], lens[i] / 2,
				         lens[i] == 2 ? "" : "s");
			else
				snprintf(why, len, "polygon %zu has %u numbers, expected an even number "
				         "of at least 6 (x, y pairs)", i, lens[i]);
			return -1;
		}
	return 0;
}

/* ---------------------------------------------------- fast element readers */

static int s_key_is(const char *k, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(k, name, len) == 0;
}

/* After a list element or object member at *pp: 1 at ',' (*pp moves to
 * the next one), 0 at close (*pp stays on it), -1 at anything else. */
static inline int s_next(const char **pp, const char *end, char close)
{
	const char *p = s_ws(*pp, end);

	if (p < end && *p == ',') {
		*pp = s_ws(p + 1, end);
		return 1;
	}
	*pp = p;
	return p < end && *p == close ? 0 : -1;
}

/* A member's key at *pp ('"'): *pp moves to its value. */
static inline int s_member_key(const char **pp, const char *end, const char **k, size_t *klen)
{
	const char *p = *pp;

	if (p >= end || *p != '"' || (p = s_plain_string(p, end, k, klen)) == NULL)
		return -1;
	p = s_ws(p, end);
	if (p >= end || *p != ':')
		return -1;
	p = s_ws(p + 1, end);
	*pp = p;
	return p < end ? 0 : -1;
}

/* Reads an annotation object at sc->p in its common shape (polygon
 * segmentation, plain values). Returns 1 and advances sc->p, 0 to leave the
 * element to Jansson (pools are restored), -1 when memory runs out. */
static int s_fast_annotation(s_scan *sc, mc_coco_ann_rec *a)
{
	const char *start = sc->p, *p = start + 1, *end = sc->end, *k;
	mc_coco *ds = sc->ds;
	size_t klen, xy0 = ds->n_xy, u0 = ds->n_u32;
	unsigned seen = 0;
	int more;
	s_num n;
	char why[200];

	memset(a, 0, sizeof *a);
	p = s_ws(p, end);
	if (p >= end || *p != '"')
		goto bail;
	for (;;) {
		if (s_member_key(&p, end, &k, &klen) < 0)
			goto bail;
		if (s_key_is(k, klen, "segmentation")) {
			uint32_t parts = 0;
			if (*p != '[' || (seen & 1))
				goto bail;
			p = s_ws(p + 1, end);
			a->seg_off = ds->n_xy;
			a->part_off = ds->n_u32;
			for (;;) {
				size_t before = ds->n_xy;
				if (p >= end || *p != '[')
					goto bail;
				p = s_ws(p + 1, end);
				for (;;) {
					if ((p = s_number(p, end, &n)) == NULL)
						goto bail;
					if (s_push_xy(ds, n.d) < 0)
						return -1;
					if ((more = s_next(&p, end, ']')) < 0)
						goto bail;
					if (!more)
						break;
				}
				if (ds->n_xy - before > sc->max_list || ds->n_xy - before > UINT32_MAX ||
				    s_push_u32(ds, (uint32_t)(ds->n_xy - before)) < 0)
					goto bail;
				if (++parts > sc->max_list)
					goto bail;
				p++;
				if ((more = s_next(&p, end, ']')) < 0)
					goto bail;
				if (!more)
					break;
			}
			p++;
			if (s_check_polygon(why, sizeof why, ds->u32 + a->part_off, parts) < 0)
				goto bail;
			a->seg_n = parts;
			a->kind = MC_SEG_POLYGON;
			seen |= 1;
		} else if (s_key_is(k, klen, "id") || s_key_is(k, klen, "image_id") ||
		           s_key_is(k, klen, "category_id") || s_key_is(k, klen, "iscrowd")) {
			const char *v = p;
			if ((p = s_number(p, end, &n)) == NULL || !n.is_int)
				goto bail;
			if (k[0] == 'c') {
				a->category_id = n.i;
				a->cat_off = (uint32_t)(v - start);
				a->cat_len = (uint8_t)(p - v);
				if (p - v > 255)
					goto bail;
				seen |= 2;
			} else if (k[0] == 'i' && klen == 2) {
				a->id = n.i;
				seen |= 4;
			} else if (k[1] == 'm') {
				a->image_id = n.i;
				seen |= 8;
			} else {
				if (n.i != 0 && n.i != 1)
					goto bail;
				a->iscrowd = (uint8_t)n.i;
			}
		} else if (s_key_is(k, klen, "area")) {
			if (s_is_null(p, end)) {
				p += 4;
			} else {
				if ((p = s_number(p, end, &n)) == NULL)
					goto bail;
				a->area = n.d;
			}
		} else if (s_key_is(k, klen, "bbox")) {
			int j;
			if (s_is_null(p, end)) {
				p += 4;
			} else {
				if (*p != '[')
					goto bail;
				for (j = 0; j < 4; j++) {
					p = s_ws(p + 1, end);
					if ((p = s_number(p, end, &n)) == NULL)
						goto bail;
					a->bbox[j] = n.d;
					p = s_ws(p, end);
					if (p >= end || *p != (j == 3 ? ']' : ','))
						goto bail;
				}
				p++;
			}
		} else {
			if ((p = s_skip_value(p, end, 0, sc->skip_depth)) == NULL)
				goto bail;
		}
		if ((more = s_next(&p, end, '}')) < 0)
			goto bail;
		if (!more)
			break;
	}
	if (seen != 15 || (uint64_t)(p + 1 - start) > UINT32_MAX)
		goto bail;
	a->file_off = (uint64_t)(start - sc->base);
	a->file_len = (uint32_t)(p + 1 - start);
	sc->p = p + 1;
	return 1;
bail:
	ds->n_xy = xy0;
	ds->n_u32 = u0;
	return 0;
}

/* Reads an image object in its common shape; as s_fast_annotation. */
static int s_fast_image(s_scan *sc, mc_coco_img_rec *im)
{
	const char *p = sc->p + 1, *end = sc->end, *k, *name = NULL;
	size_t klen, name_len = 0;
	unsigned seen = 0;
	int more;
	s_num n;

	memset(im, 0, sizeof *im);
	p = s_ws(p, end);
	for (;;) {
		if (s_member_key(&p, end, &k, &klen) < 0)
			return 0;
		if (s_key_is(k, klen, "id") || s_key_is(k, klen, "width") ||
		    s_key_is(k, klen, "height")) {
			if ((p = s_number(p, end, &n)) == NULL || !n.is_int)
				return 0;
			if (k[0] == 'i') {
				im->id = n.i;
				seen |= 1;
			} else {
				if (n.i <= 0 || n.i > 1000000)
					return 0;
				if (k[0] == 'w')
					im->width = (uint32_t)n.i;
				else
					im->height = (uint32_t)n.i;
				seen |= k[0] == 'w' ? 2 : 4;
			}
		} else if (s_key_is(k, klen, "file_name")) {
			if (*p != '"' || (p = s_plain_string(p, end, &name, &name_len)) == NULL)
				return 0;
			seen |= 8;
		} else if ((p = s_skip_value(p, end, 0, sc->skip_depth)) == NULL) {
			return 0;
		}
		if ((more = s_next(&p, end, '}')) < 0)
			return 0;
		if (!more)
			break;
	}
	if (seen != 15 || name_len > sc->max_string)
		return 0;
	if (s_push_chars(sc->ds, name, name_len, &im->name_off) < 0)
		return -1;
	sc->p = p + 1;
	return 1;
}

/* ------------------------------------------------ converters from Jansson */

/* Integer field key of obj into *out. Returns 1 if present, 0 if absent (or
 * null when nullable), negative on error (message prefixed with rec). */
static int s_get_int(s_scan *sc, const json_t *obj, const char *key, int required,
                     const char *rec, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || (!required && json_is_null(v))) {
		if (required)
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: missing field \"%s\"",
			                    sc->name, rec, key);
		return 0;
	}
	if (!json_is_integer(v))
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: field \"%s\" must be an integer, "
		                    "got %s", sc->name, rec, key, s_jtype(v));
	*out = json_integer_value(v);
	return 1;
}

static int s_get_number(s_scan *sc, const json_t *v, const char *rec, const char *what,
                        double *out)
{
	if (!json_is_number(v))
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: %s must be a number, got %s",
		                    sc->name, rec, what, s_jtype(v));
	*out = json_number_value(v);
	if (!isfinite(*out))
		return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: %s is not finite", sc->name,
		                    rec, what);
	return 0;
}

static int s_conv_segmentation(s_scan *sc, const json_t *seg, const char *rec,
                               mc_coco_ann_rec *a)
{
	mc_coco *ds = sc->ds;
	char what[64], why[200];

	if (json_is_array(seg)) {
		size_t i, j, n = json_array_size(seg);
		a->seg_off = ds->n_xy;
		a->part_off = ds->n_u32;
		for (i = 0; i < n; i++) {
			json_t *part = json_array_get(seg, i);
			size_t m;
			if (!json_is_array(part))
				return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: segmentation polygon %zu "
				                    "must be a list of numbers, got %s", sc->name, rec, i,
				                    s_jtype(part));
			m = json_array_size(part);
			for (j = 0; j < m; j++) {
				double d;
				snprintf(what, sizeof what, "polygon %zu, number %zu", i, j);
				if (s_get_number(sc, json_array_get(part, j), rec, what, &d) < 0)
					return sc->err->code;
				if (s_push_xy(ds, d) < 0)
					return s_nomem(sc);
			}
			if (m > UINT32_MAX || s_push_u32(ds, (uint32_t)m) < 0)
				return s_nomem(sc);
		}
		if (s_check_polygon(why, sizeof why, ds->u32 + a->part_off, n) < 0)
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: %s", sc->name, rec, why);
		a->seg_n = (uint32_t)n;
		a->kind = MC_SEG_POLYGON;
		return 0;
	}
	if (json_is_object(seg)) {
		json_t *size = json_object_get(seg, "size"), *counts = json_object_get(seg, "counts");
		json_int_t h, w;
		if (size == NULL || counts == NULL)
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: RLE segmentation has no "
			                    "\"%s\"", sc->name, rec, size == NULL ? "size" : "counts");
		if (!json_is_array(size) || json_array_size(size) != 2 ||
		    !json_is_integer(json_array_get(size, 0)) ||
		    !json_is_integer(json_array_get(size, 1)) ||
		    (h = json_integer_value(json_array_get(size, 0))) <= 0 ||
		    (w = json_integer_value(json_array_get(size, 1))) <= 0 ||
		    h > 1000000 || w > 1000000)
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: RLE \"size\" must be "
			                    "[h, w] (two positive integers)", sc->name, rec);
		a->h = (uint32_t)h;
		a->w = (uint32_t)w;
		if (json_is_array(counts)) {
			size_t i, n = json_array_size(counts);
			uint64_t sum = 0;
			a->seg_off = ds->n_u32;
			for (i = 0; i < n; i++) {
				json_t *c = json_array_get(counts, i);
				json_int_t v;
				if (!json_is_integer(c) || (v = json_integer_value(c)) < 0 ||
				    v > (json_int_t)UINT32_MAX)
					return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: RLE count %zu "
					                    "must be a non-negative integer", sc->name, rec, i);
				sum += (uint64_t)v;
				if (s_push_u32(ds, (uint32_t)v) < 0)
					return s_nomem(sc);
			}
			if (sum != (uint64_t)h * (uint64_t)w)
				return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: RLE counts sum to "
				                    "%llu, image is %lldx%lld (h*w = %llu)", sc->name, rec,
				                    (unsigned long long)sum, (long long)h, (long long)w,
				                    (unsigned long long)h * (unsigned long long)w);
			if (n > UINT32_MAX)
				return s_nomem(sc);
			a->seg_n = (uint32_t)n;
			a->kind = MC_SEG_RLE;
			return 0;
		}
		if (json_is_string(counts)) {
			mc_rle *r = NULL;
			mc_error e;
			mc_error_clear(&e);
			if (mc_rle_from_string(&r, json_string_value(counts), (uint32_t)h, (uint32_t)w,
			                       &e) < 0)
				return mc_error_set(sc->err, e.code == MC_ERR_NOMEM ? MC_ERR_NOMEM :
				                    MC_ERR_INVALID, "%s: %s: %s", sc->name, rec, e.text);
			mc_rle_free(r);
			if (json_string_length(counts) > UINT32_MAX ||
			    s_push_chars(ds, json_string_value(counts), json_string_length(counts),
			                 &a->seg_off) < 0)
				return s_nomem(sc);
			a->seg_n = (uint32_t)json_string_length(counts);
			a->kind = MC_SEG_RLE_STRING;
			return 0;
		}
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: RLE \"counts\" must be a list "
		                    "of integers or a string, got %s", sc->name, rec, s_jtype(counts));
	}
	return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: field \"segmentation\" must be a list "
	                    "of polygons or an RLE object, got %s", sc->name, rec, s_jtype(seg));
}

static int s_conv_annotation(s_scan *sc, const json_t *v, size_t idx, mc_coco_ann_rec *a)
{
	char rec[64];
	json_t *x;
	int64_t crowd = 0;
	size_t xy0 = sc->ds->n_xy, u0 = sc->ds->n_u32, c0 = sc->ds->n_chars;
	int rc;

	memset(a, 0, sizeof *a);
	snprintf(rec, sizeof rec, "annotations[%zu]", idx);
	if (!json_is_object(v))
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: expected an object, got %s",
		                    sc->name, rec, s_jtype(v));
	if (s_get_int(sc, v, "id", 1, rec, &a->id) < 0)
		return sc->err->code;
	snprintf(rec, sizeof rec, "annotation %lld", (long long)a->id);
	if (s_get_int(sc, v, "image_id", 1, rec, &a->image_id) < 0 ||
	    s_get_int(sc, v, "category_id", 1, rec, &a->category_id) < 0 ||
	    s_get_int(sc, v, "iscrowd", 0, rec, &crowd) < 0)
		return sc->err->code;
	if (crowd != 0 && crowd != 1)
		return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: iscrowd must be 0 or 1, got "
		                    "%lld", sc->name, rec, (long long)crowd);
	a->iscrowd = (uint8_t)crowd;
	if ((x = json_object_get(v, "area")) != NULL && !json_is_null(x) &&
	    s_get_number(sc, x, rec, "field \"area\"", &a->area) < 0)
		return sc->err->code;
	if ((x = json_object_get(v, "bbox")) != NULL && !json_is_null(x)) {
		size_t j;
		if (!json_is_array(x) || json_array_size(x) != 4)
			return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: field \"bbox\" must be a list "
			                    "of 4 numbers [x, y, width, height]", sc->name, rec);
		for (j = 0; j < 4; j++)
			if (s_get_number(sc, json_array_get(x, j), rec, "bbox", &a->bbox[j]) < 0)
				return sc->err->code;
	}
	if ((x = json_object_get(v, "segmentation")) == NULL)
		return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: missing field \"segmentation\"",
		                    sc->name, rec);
	rc = s_conv_segmentation(sc, x, rec, a);
	if (rc < 0) {
		sc->ds->n_xy = xy0;
		sc->ds->n_u32 = u0;
		sc->ds->n_chars = c0;
	}
	return rc;
}

static int s_conv_image(s_scan *sc, const json_t *v, size_t idx, mc_coco_img_rec *im)
{
	char rec[64];
	int64_t w = 0, h = 0;
	json_t *name;

	memset(im, 0, sizeof *im);
	snprintf(rec, sizeof rec, "images[%zu]", idx);
	if (!json_is_object(v))
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: expected an object, got %s",
		                    sc->name, rec, s_jtype(v));
	if (s_get_int(sc, v, "id", 1, rec, &im->id) < 0)
		return sc->err->code;
	snprintf(rec, sizeof rec, "image %lld", (long long)im->id);
	if (s_get_int(sc, v, "width", 1, rec, &w) < 0 || s_get_int(sc, v, "height", 1, rec, &h) < 0)
		return sc->err->code;
	if (w <= 0 || h <= 0 || w > 1000000 || h > 1000000)
		return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: size %lldx%lld is not a "
		                    "positive image size", sc->name, rec, (long long)w, (long long)h);
	im->width = (uint32_t)w;
	im->height = (uint32_t)h;
	name = json_object_get(v, "file_name");
	if (name == NULL)
		return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: missing field \"file_name\"",
		                    sc->name, rec);
	if (!json_is_string(name))
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: field \"file_name\" must be a "
		                    "string, got %s", sc->name, rec, s_jtype(name));
	if (s_push_chars(sc->ds, json_string_value(name), json_string_length(name),
	                 &im->name_off) < 0)
		return s_nomem(sc);
	return 0;
}

static int s_conv_category(s_scan *sc, const json_t *v, size_t idx, mc_coco_cat_rec *c)
{
	char rec[64];
	json_t *name, *sup;

	memset(c, 0, sizeof *c);
	snprintf(rec, sizeof rec, "categories[%zu]", idx);
	if (!json_is_object(v))
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: expected an object, got %s",
		                    sc->name, rec, s_jtype(v));
	if (s_get_int(sc, v, "id", 1, rec, &c->id) < 0)
		return sc->err->code;
	snprintf(rec, sizeof rec, "category %lld", (long long)c->id);
	name = json_object_get(v, "name");
	if (name == NULL)
		return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: missing field \"name\"",
		                    sc->name, rec);
	if (!json_is_string(name))
		return mc_error_set(sc->err, MC_ERR_TYPE, "%s: %s: field \"name\" must be a string, "
		                    "got %s", sc->name, rec, s_jtype(name));
	sup = json_object_get(v, "supercategory");
	if (s_push_chars(sc->ds, json_string_value(name), json_string_length(name),
	                 &c->name_off) < 0 ||
	    s_push_chars(sc->ds, json_is_string(sup) ? json_string_value(sup) : "",
	                 json_is_string(sup) ? json_string_length(sup) : 0, &c->super_off) < 0)
		return s_nomem(sc);
	return 0;
}

/* ------------------------------------------------------------ limits */

/* Checks a value Jansson read against the limits json_depth (v sits at
 * depth base + 1 of the document), string_bytes and list_length. where
 * names it ("annotations[5]"). Recurses at most json_depth deep. v is not
 * changed (not const: Jansson's object iteration takes a json_t *). */
static int s_check_json(s_scan *sc, json_t *v, uint64_t depth, const char *where)
{
	char what[160];
	int rc = 0;

	if (json_is_object(v) || json_is_array(v)) {
		if (depth > sc->max_depth) {
			snprintf(what, sizeof what, "%s: %s: lists and objects nest %llu deep", sc->name,
			         where, (unsigned long long)depth);
			return mc_limit_check(MC_LIMIT_JSON_DEPTH, depth, what, sc->err);
		}
	}
	if (json_is_string(v) && json_string_length(v) > sc->max_string) {
		snprintf(what, sizeof what, "%s: %s: a string of %zu bytes", sc->name, where,
		         json_string_length(v));
		return mc_limit_check(MC_LIMIT_STRING_BYTES, json_string_length(v), what, sc->err);
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		if (json_array_size(v) > sc->max_list) {
			snprintf(what, sizeof what, "%s: %s: a list of %zu elements", sc->name, where,
			         json_array_size(v));
			return mc_limit_check(MC_LIMIT_LIST_LENGTH, json_array_size(v), what, sc->err);
		}
		json_array_foreach(v, i, x)
			if ((rc = s_check_json(sc, x, depth + 1, where)) < 0)
				return rc;
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			if (strlen(k) > sc->max_string) {
				snprintf(what, sizeof what, "%s: %s: a member name of %zu bytes", sc->name,
				         where, strlen(k));
				return mc_limit_check(MC_LIMIT_STRING_BYTES, strlen(k), what, sc->err);
			}
			if ((rc = s_check_json(sc, x, depth + 1, where)) < 0)
				return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- arrays */

/* Hashes the file's bytes up to upto (the content check of export). */
static int s_hash_upto(s_scan *sc, size_t upto)
{
	if (upto <= sc->hashed)
		return 0;
	if (EVP_DigestUpdate(sc->sha, sc->base + sc->hashed, upto - sc->hashed) != 1)
		return -1;
	sc->hashed = upto;
	return 0;
}

static int s_drop_behind(s_scan *sc)
{
	size_t done = (size_t)(sc->p - sc->base);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (done - sc->dropped < S_DROP_CHUNK)
		return 0;
	done -= done % page;
	if (s_hash_upto(sc, done) < 0)
		return s_nomem(sc);
	mc_coco_drop_pages(sc->base + sc->dropped, done - sc->dropped);
	sc->dropped = done;
	return 0;
}

/* Room for one more record of the array which. */
static int s_reserve(mc_coco *ds, int which)
{
	if (which == S_ANNOTATIONS)
		return mc_grow((void **)&ds->anns, &ds->cap_anns, ds->n_anns + 1, sizeof *ds->anns);
	if (which == S_IMAGES)
		return mc_grow((void **)&ds->imgs, &ds->cap_imgs, ds->n_imgs + 1, sizeof *ds->imgs);
	return mc_grow((void **)&ds->cats, &ds->cap_cats, ds->n_cats + 1, sizeof *ds->cats);
}

static int s_element(s_scan *sc, int which, size_t idx)
{
	mc_coco *ds = sc->ds;
	const char *start = sc->p;
	json_error_t je;
	json_t *v;
	int rc = 0;

	if (s_reserve(ds, which) < 0)
		return s_nomem(sc);
	/* the fast scanner reads plain annotations and images; Jansson the rest */
	if (*start == '{' && sc->fast && which != S_CATEGORIES) {
		rc = which == S_ANNOTATIONS ? s_fast_annotation(sc, &ds->anns[ds->n_anns])
		                            : s_fast_image(sc, &ds->imgs[ds->n_imgs]);
		if (rc < 0)
			return s_nomem(sc);
		if (rc > 0) {
			*(which == S_ANNOTATIONS ? &ds->n_anns : &ds->n_imgs) += 1;
			return 0;
		}
	}

	v = json_loadb(start, (size_t)(sc->end - start), JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY,
	               &je);
	if (v == NULL)
		return s_jansson_error(sc, start, &je, which, idx);
	{
		char where[64];
		snprintf(where, sizeof where, "%s[%zu]", s_array_names[which], idx);
		if (s_check_json(sc, v, 3, where) < 0) {
			json_decref(v);
			return sc->err->code;
		}
		/* Jansson gives the element's end as an int offset. */
		if (je.position <= 0 || (size_t)je.position > (size_t)(sc->end - start)) {
			json_decref(v);
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s: an element larger than "
			                    "2 GiB", sc->name, where);
		}
	}
	if (which == S_ANNOTATIONS) {
		mc_coco_ann_rec *a = &ds->anns[ds->n_anns];
		rc = s_conv_annotation(sc, v, idx, a);
		if (rc == 0) {
			a->file_off = (uint64_t)(start - sc->base);
			a->file_len = (uint32_t)je.position;
			a->cat_off = 0;
			a->cat_len = 0;
			ds->n_anns++;
		}
	} else if (which == S_IMAGES) {
		rc = s_conv_image(sc, v, idx, &ds->imgs[ds->n_imgs]);
		if (rc == 0)
			ds->n_imgs++;
	} else {
		rc = s_conv_category(sc, v, idx, &ds->cats[ds->n_cats]);
		if (rc == 0)
			ds->n_cats++;
	}
	json_decref(v);
	sc->p = start + je.position;
	return rc;
}

static int s_array(s_scan *sc, int which)
{
	const char *end = sc->end;
	size_t idx = 0;
	char what[96];

	if (which == S_ANNOTATIONS) {
		sc->ds->has_ann_array = 1;
		sc->ds->ann_open = (uint64_t)(sc->p + 1 - sc->base);
	}
	sc->p = s_ws(sc->p + 1, end);
	if (sc->p < end && *sc->p == ']') {
		if (which == S_ANNOTATIONS)
			sc->ds->ann_close = (uint64_t)(sc->p - sc->base);
		sc->p++;
		return 0;
	}
	for (;;) {
		if (sc->p >= end)
			return s_syntax(sc, sc->p, "expected a value", which, idx);
		if (s_element(sc, which, idx) < 0)
			return sc->err->code;
		idx++;
		if ((sc->elements++ & 1023) == 0) {
			if (mc_progress_report(sc->progress, (size_t)(sc->p - sc->base),
			                       (size_t)(end - sc->base), "loading annotations"))
				return mc_error_set(sc->err, MC_ERR_INTERRUPTED, "interrupted");
			if (s_drop_behind(sc) < 0)
				return sc->err->code;
		}
		sc->p = s_ws(sc->p, end);
		if (sc->p < end && *sc->p == ',') {
			sc->p = s_ws(sc->p + 1, end);
			if (sc->p < end && *sc->p == ']')
				return s_syntax(sc, sc->p, "expected a value after ','", which, idx);
			continue;
		}
		if (sc->p < end && *sc->p == ']') {
			if (which == S_ANNOTATIONS)
				sc->ds->ann_close = (uint64_t)(sc->p - sc->base);
			sc->p++;
			return 0;
		}
		snprintf(what, sizeof what, "expected ',' or ']' after %s[%zu]", s_array_names[which],
		         idx - 1);
		return s_syntax(sc, sc->p, what, which, idx);
	}
}

static int s_top(s_scan *sc)
{
	const char *end = sc->end;
	int seen[3] = { 0, 0, 0 };
	int i;

	sc->p = s_ws(sc->base, end);
	if (end - sc->p >= 3 && memcmp(sc->p, "\xef\xbb\xbf", 3) == 0)
		sc->p = s_ws(sc->p + 3, end);
	if (sc->p >= end)
		return mc_error_set(sc->err, MC_ERR_PARSE, "%s: the file is empty, expected a COCO "
		                    "JSON object", sc->name);
	if (*sc->p != '{')
		return s_syntax(sc, sc->p, "expected a JSON object ('{') holding images, annotations "
		                "and categories", -1, 0);
	sc->p = s_ws(sc->p + 1, end);
	if (sc->p < end && *sc->p == '}') {
		sc->p++;
		goto done;
	}
	for (;;) {
		json_error_t je;
		json_t *key, *v;
		const char *k;
		int which = -1;

		if (sc->p >= end || *sc->p != '"')
			return s_syntax(sc, sc->p, "expected a member name (a string)", -1, 0);
		key = json_loadb(sc->p, (size_t)(end - sc->p), JSON_DISABLE_EOF_CHECK |
		                 JSON_DECODE_ANY, &je);
		if (key == NULL)
			return s_jansson_error(sc, sc->p, &je, -1, 0);
		if (s_check_json(sc, key, 2, "a member name") < 0) {
			json_decref(key);
			return sc->err->code;
		}
		sc->p += je.position;
		k = json_string_value(key);
		for (i = 0; i < 3; i++)
			if (strcmp(k, s_array_names[i]) == 0)
				which = i;
		sc->p = s_ws(sc->p, end);
		if (sc->p >= end || *sc->p != ':') {
			json_decref(key);
			return s_syntax(sc, sc->p, "expected ':' after a member name", -1, 0);
		}
		sc->p = s_ws(sc->p + 1, end);
		if (which >= 0) {
			json_decref(key);
			if (seen[which]++)
				return mc_error_set(sc->err, MC_ERR_INVALID, "%s: \"%s\" appears twice",
				                    sc->name, s_array_names[which]);
			if (sc->p < end && *sc->p != '[') {
				v = json_loadb(sc->p, (size_t)(end - sc->p), JSON_DISABLE_EOF_CHECK |
				               JSON_DECODE_ANY, &je);
				if (v == NULL)
					return s_jansson_error(sc, sc->p, &je, -1, 0);
				mc_error_set(sc->err, MC_ERR_TYPE, "%s: \"%s\" must be a list, got %s",
				             sc->name, s_array_names[which], s_jtype(v));
				json_decref(v);
				return MC_ERR_TYPE;
			}
			if (sc->p >= end)
				return s_syntax(sc, sc->p, "expected a value", -1, 0);
			if (s_array(sc, which) < 0)
				return sc->err->code;
		} else {
			if (sc->p >= end) {
				json_decref(key);
				return s_syntax(sc, sc->p, "expected a value", -1, 0);
			}
			v = json_loadb(sc->p, (size_t)(end - sc->p), JSON_DISABLE_EOF_CHECK |
			               JSON_DECODE_ANY, &je);
			if (v == NULL) {
				json_decref(key);
				return s_jansson_error(sc, sc->p, &je, -1, 0);
			}
			sc->p += je.position;
			if (s_check_json(sc, v, 2, k) < 0) {
				json_decref(v);
				json_decref(key);
				return sc->err->code;
			}
			if (json_object_set_new(sc->ds->extra, k, v) < 0) {
				json_decref(key);
				return s_nomem(sc);
			}
			json_decref(key);
		}
		sc->p = s_ws(sc->p, end);
		if (sc->p < end && *sc->p == ',') {
			sc->p = s_ws(sc->p + 1, end);
			continue;
		}
		if (sc->p < end && *sc->p == '}') {
			sc->p++;
			break;
		}
		return s_syntax(sc, sc->p, "expected ',' or '}' after a member of the top-level "
		                "object", -1, 0);
	}
done:
	sc->p = s_ws(sc->p, end);
	if (sc->p < end)
		return s_syntax(sc, sc->p, "end of file expected after the top-level object", -1, 0);
	for (i = 0; i < 3; i++)
		if (!seen[i])
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: missing \"%s\": not a COCO "
			                    "instances file", sc->name, s_array_names[i]);
	return 0;
}

/* ---------------------------------------------------------------- indexes */

static int s_cmp_pair(const void *a, const void *b)
{
	const mc_coco_idpair *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int s_cmp_cat(const void *a, const void *b)
{
	const mc_coco_cat_rec *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static size_t s_find(const mc_coco_idpair *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < n && v[lo].id == id) ? v[lo].index : MC_COCO_NONE;
}

static size_t s_find_cat(const mc_coco *ds, int64_t id)
{
	size_t lo = 0, hi = ds->n_cats;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ds->cats[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < ds->n_cats && ds->cats[lo].id == id) ? lo : MC_COCO_NONE;
}

/* Sorted (id, index) pairs; fails on a duplicate id. */
static int s_id_index(s_scan *sc, mc_coco_idpair **out, size_t n, int which)
{
	mc_coco *ds = sc->ds;
	mc_coco_idpair *v = malloc((n ? n : 1) * sizeof *v);
	size_t i;
	int sorted = 1;

	if (v == NULL)
		return s_nomem(sc);
	for (i = 0; i < n; i++) {
		v[i].id = which == S_IMAGES ? ds->imgs[i].id : ds->anns[i].id;
		v[i].index = i;
		if (i > 0 && v[i].id <= v[i - 1].id)
			sorted = 0;
	}
	if (!sorted)
		qsort(v, n, sizeof *v, s_cmp_pair);
	for (i = 1; i < n; i++)
		if (v[i].id == v[i - 1].id) {
			mc_error_set(sc->err, MC_ERR_INVALID, "%s: %s id %lld appears twice (%s[%zu] "
			             "and [%zu])", sc->name, s_record_names[which], (long long)v[i].id,
			             s_array_names[which], v[i - 1].index, v[i].index);
			free(v);
			return MC_ERR_INVALID;
		}
	*out = v;
	return 0;
}

static int s_finish(s_scan *sc)
{
	mc_coco *ds = sc->ds;
	size_t i, k;

	if (ds->n_cats > 1)
		qsort(ds->cats, ds->n_cats, sizeof *ds->cats, s_cmp_cat);
	for (i = 1; i < ds->n_cats; i++)
		if (ds->cats[i].id == ds->cats[i - 1].id)
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: category id %lld appears twice",
			                    sc->name, (long long)ds->cats[i].id);
	if (s_id_index(sc, &ds->img_ids, ds->n_imgs, S_IMAGES) < 0 ||
	    s_id_index(sc, &ds->ann_ids, ds->n_anns, S_ANNOTATIONS) < 0)
		return sc->err->code;

	ds->ann_inst = malloc((ds->n_anns ? ds->n_anns : 1) * sizeof *ds->ann_inst);
	ds->inst_ann = malloc((ds->n_anns ? ds->n_anns : 1) * sizeof *ds->inst_ann);
	ds->img_start = calloc(ds->n_imgs + 1, sizeof *ds->img_start);
	ds->img_anns = malloc((ds->n_anns ? ds->n_anns : 1) * sizeof *ds->img_anns);
	ds->cls_start = calloc(ds->n_cats + 1, sizeof *ds->cls_start);
	if (ds->ann_inst == NULL || ds->inst_ann == NULL || ds->img_start == NULL ||
	    ds->img_anns == NULL || ds->cls_start == NULL)
		return s_nomem(sc);

	ds->n_inst = 0;
	for (i = 0; i < ds->n_anns; i++) {
		mc_coco_ann_rec *a = &ds->anns[i];
		size_t img = s_find(ds->img_ids, ds->n_imgs, a->image_id);
		size_t cls = s_find_cat(ds, a->category_id);
		if (img == MC_COCO_NONE)
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: annotation %lld: image_id %lld "
			                    "is not in \"images\"", sc->name, (long long)a->id,
			                    (long long)a->image_id);
		if (cls == MC_COCO_NONE)
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: annotation %lld: category_id "
			                    "%lld is not in \"categories\"", sc->name, (long long)a->id,
			                    (long long)a->category_id);
		a->image = (uint32_t)img;
		a->cls = (uint32_t)cls;
		if (a->kind == MC_SEG_POLYGON) {
			a->h = ds->imgs[img].height;
			a->w = ds->imgs[img].width;
		} else if (a->h != ds->imgs[img].height || a->w != ds->imgs[img].width) {
			return mc_error_set(sc->err, MC_ERR_INVALID, "%s: annotation %lld: RLE size is "
			                    "[%u, %u] but image %lld is %ux%u (h x w)", sc->name,
			                    (long long)a->id, a->h, a->w, (long long)ds->imgs[img].id,
			                    ds->imgs[img].height, ds->imgs[img].width);
		}
		ds->img_start[img + 1]++;
		if (!a->iscrowd || ds->include_crowd) {
			ds->ann_inst[i] = ds->n_inst;
			ds->inst_ann[ds->n_inst++] = i;
			ds->cls_start[cls + 1]++;
		} else {
			ds->ann_inst[i] = MC_COCO_NONE;
		}
		if ((i & 65535) == 65535 &&
		    mc_progress_report(sc->progress, i, ds->n_anns, "indexing annotations"))
			return mc_error_set(sc->err, MC_ERR_INTERRUPTED, "interrupted");
	}
	for (i = 0; i < ds->n_imgs; i++)
		ds->img_start[i + 1] += ds->img_start[i];
	for (k = 0; k < ds->n_cats; k++)
		ds->cls_start[k + 1] += ds->cls_start[k];
	ds->cls_insts = malloc((ds->n_inst ? ds->n_inst : 1) * sizeof *ds->cls_insts);
	if (ds->cls_insts == NULL)
		return s_nomem(sc);
	{
		size_t *fill = calloc(ds->n_imgs + ds->n_cats + 1, sizeof *fill);
		if (fill == NULL)
			return s_nomem(sc);
		for (i = 0; i < ds->n_anns; i++) {
			size_t img = ds->anns[i].image;
			ds->img_anns[ds->img_start[img] + fill[img]++] = i;
			if (ds->ann_inst[i] != MC_COCO_NONE) {
				size_t c = ds->anns[i].cls;
				ds->cls_insts[ds->cls_start[c] + fill[ds->n_imgs + c]++] = ds->ann_inst[i];
			}
		}
		free(fill);
	}
	return 0;
}

/* ---------------------------------------------------------------- load */

static int s_dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *s_guess_images_dir(const char *path)
{
	/* room for "." when path has no folder part ("" included) */
	size_t len = strlen(path);
	char *dir = malloc(len + 2), *slash, *out = NULL;
	const char *base;
	char split[256] = "";
	size_t n;

	if (dir == NULL)
		return NULL;
	memcpy(dir, path, len + 1);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		memcpy(dir, ".", 2);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (strncmp(base, "instances_", 10) == 0) {
		snprintf(split, sizeof split, "%s", base + 10);
		n = strlen(split);
		if (n > 5 && strcmp(split + n - 5, ".json") == 0)
			split[n - 5] = '\0';
	}
	if (split[0] != '\0') {
		n = strlen(dir) + strlen(split) + 16;
		if ((out = malloc(n)) == NULL)
			goto done;
		snprintf(out, n, "%s/../images/%s", dir, split);
		if (s_dir_exists(out))
			goto done;
		snprintf(out, n, "%s/../%s", dir, split);
		if (s_dir_exists(out))
			goto done;
		free(out);
	}
	out = strdup(dir);
done:
	free(dir);
	return out;
}

int mc_coco_load(mc_coco **out, const char *path, const mc_coco_options *opt, mc_error *err)
{
	mc_coco *ds = NULL;
	s_scan sc;
	struct stat st;
	void *map = MAP_FAILED;
	int fd = -1, rc = 0;
	const char *slash;

	*out = NULL;
	memset(&sc, 0, sizeof sc);
	ds = calloc(1, sizeof *ds);
	if (ds == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	slash = strrchr(path, '/');
	ds->path = strdup(path);
	ds->file_name = strdup(slash ? slash + 1 : path);
	ds->include_crowd = opt != NULL && opt->include_crowd;
	ds->images_dir = (opt != NULL && opt->images_dir != NULL) ? strdup(opt->images_dir) :
	                 s_guess_images_dir(path);
	ds->extra = json_object();
	if (ds->path == NULL || ds->file_name == NULL || ds->images_dir == NULL ||
	    ds->extra == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
		goto cleanup;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: is a directory, expected a COCO JSON file",
		                  path);
		goto cleanup;
	}
	ds->file_size = st.st_size;
	ds->file_mtime = st.st_mtim;
	ds->file_ino = st.st_ino;
	ds->file_dev = st.st_dev;
	sc.name = ds->file_name;
	sc.ds = ds;
	sc.err = err;
	sc.progress = opt != NULL ? opt->progress : NULL;
	sc.max_depth = mc_limit(MC_LIMIT_JSON_DEPTH);
	sc.max_string = mc_limit(MC_LIMIT_STRING_BYTES);
	sc.max_list = mc_limit(MC_LIMIT_LIST_LENGTH);
	/* The fast scanner reads polygons 5 deep and skips arrays inside
	 * members (4 deep) up to 9 more levels. */
	sc.fast = sc.max_depth >= 6;
	sc.skip_depth = sc.max_depth - 3 < 9 ? (int)sc.max_depth - 3 : 9;
	sc.sha = EVP_MD_CTX_new();
	if (sc.sha == NULL || EVP_DigestInit_ex(sc.sha, EVP_sha256(), NULL) != 1) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	if (st.st_size == 0) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: the file is empty, expected a COCO JSON "
		                  "object", ds->file_name);
		goto cleanup;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
		goto cleanup;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	sc.base = map;
	sc.end = sc.base + st.st_size;
	rc = s_top(&sc);
	if (rc == 0 && (s_hash_upto(&sc, (size_t)st.st_size) < 0 ||
	                EVP_DigestFinal_ex(sc.sha, ds->file_sha256, NULL) != 1))
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	if (rc == 0)
		rc = s_finish(&sc);
	if (rc == 0 && ds->n_anns > UINT32_MAX)
		rc = mc_error_set(err, MC_ERR_INVALID, "%s: more than 4 billion annotations",
		                  ds->file_name);
cleanup:
	EVP_MD_CTX_free(sc.sha);
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		mc_coco_free(ds);
		return rc;
	}
	*out = ds;
	return 0;
}

void mc_coco_free(mc_coco *ds)
{
	if (ds == NULL)
		return;
	free(ds->path);
	free(ds->file_name);
	free(ds->images_dir);
	free(ds->anns);
	free(ds->imgs);
	free(ds->cats);
	free(ds->xy);
	free(ds->u32);
	free(ds->chars);
	free(ds->inst_ann);
	free(ds->ann_inst);
	free(ds->img_start);
	free(ds->img_anns);
	free(ds->cls_start);
	free(ds->cls_insts);
	free(ds->img_ids);
	free(ds->ann_ids);
	json_decref(ds->extra);
	free(ds);
}

/* ---------------------------------------------------------------- access */

size_t mc_coco_n_images(const mc_coco *ds) { return ds->n_imgs; }
size_t mc_coco_n_annotations(const mc_coco *ds) { return ds->n_anns; }
size_t mc_coco_n_instances(const mc_coco *ds) { return ds->n_inst; }
size_t mc_coco_n_classes(const mc_coco *ds) { return ds->n_cats; }
int mc_coco_include_crowd(const mc_coco *ds) { return ds->include_crowd; }
const char *mc_coco_path(const mc_coco *ds) { return ds->path; }
const char *mc_coco_file_name(const mc_coco *ds) { return ds->file_name; }
const char *mc_coco_images_dir(const mc_coco *ds) { return ds->images_dir; }
const json_t *mc_coco_extra(const mc_coco *ds) { return ds->extra; }

const char *mc_coco_class_name(const mc_coco *ds, size_t k)
{
	return ds->chars + ds->cats[k].name_off;
}

int64_t mc_coco_class_id(const mc_coco *ds, size_t k)
{
	return ds->cats[k].id;
}

const char *mc_coco_class_supercategory(const mc_coco *ds, size_t k)
{
	return ds->chars + ds->cats[k].super_off;
}

/* Levenshtein distance, case-insensitive, for "did you mean". */
static size_t s_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best;
	size_t *row;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	row = malloc((lb + 1) * sizeof *row);
	if (row == NULL)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t v = diag + cost;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

int mc_coco_class_index(size_t *out, const mc_coco *ds, const char *name, mc_error *err)
{
	size_t k, best = MC_COCO_NONE, best_d = SIZE_MAX, used = 0;
	char list[600];

	*out = MC_COCO_NONE;
	for (k = 0; k < ds->n_cats; k++)
		if (strcmp(mc_coco_class_name(ds, k), name) == 0) {
			*out = k;
			return 0;
		}
	for (k = 0; k < ds->n_cats; k++) {
		size_t d = s_distance(name, mc_coco_class_name(ds, k));
		if (d < best_d) {
			best_d = d;
			best = k;
		}
	}
	list[0] = '\0';
	for (k = 0; k < ds->n_cats && used < sizeof list - 8; k++) {
		int n = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
		                 mc_coco_class_name(ds, k));
		if (n < 0 || (size_t)n >= sizeof list - used) {
			snprintf(list + used, sizeof list - used, ", ...");
			break;
		}
		used += (size_t)n;
	}
	if (best != MC_COCO_NONE && best_d <= (strlen(name) + 2) / 3 + 1)
		return mc_error_set(err, MC_ERR_NOTFOUND, "unknown class '%s' (did you mean '%s'?); "
		                    "classes are: %s", name, mc_coco_class_name(ds, best), list);
	return mc_error_set(err, MC_ERR_NOTFOUND, "unknown class '%s'; classes are: %s", name,
	                    list);
}

size_t mc_coco_class_count(const mc_coco *ds, size_t k)
{
	return ds->cls_start[k + 1] - ds->cls_start[k];
}

char *mc_coco_empty_classes_warning(const mc_coco *ds)
{
	size_t empty = 0, cap = 256, len = 0, listed = 0;
	char *s;

	for (size_t k = 0; k < ds->n_cats; k++)
		if (mc_coco_class_count(ds, k) == 0) {
			empty++;
			if (listed < 20) {
				cap += strlen(mc_coco_class_name(ds, k)) + 32;
				listed++;
			}
		}
	if (empty == 0 || (s = malloc(cap)) == NULL)
		return NULL;
	len += (size_t)snprintf(s, cap, "Warning: %s: %zu categor%s no instance:", ds->file_name,
	                        empty, empty == 1 ? "y has" : "ies have");
	listed = 0;
	for (size_t k = 0; k < ds->n_cats && listed < 20; k++)
		if (mc_coco_class_count(ds, k) == 0) {
			len += (size_t)snprintf(s + len, cap - len, "%s \"%s\" (id %lld)",
			                        listed ? "," : "", mc_coco_class_name(ds, k),
			                        (long long)ds->cats[k].id);
			listed++;
		}
	snprintf(s + len, cap - len, "%s; left out of AUC and of the confusion matrix's axes.\n",
	         empty > listed ? ", ..." : "");
	return s;
}

const size_t *mc_coco_class_instances(const mc_coco *ds, size_t k, size_t *n)
{
	*n = ds->cls_start[k + 1] - ds->cls_start[k];
	return ds->cls_insts + ds->cls_start[k];
}

const size_t *mc_coco_image_annotations(const mc_coco *ds, size_t img, size_t *n)
{
	*n = ds->img_start[img + 1] - ds->img_start[img];
	return ds->img_anns + ds->img_start[img];
}

void mc_coco_labels(const mc_coco *ds, int64_t *labels)
{
	size_t i;
	for (i = 0; i < ds->n_inst; i++)
		labels[i] = ds->anns[ds->inst_ann[i]].cls;
}

void mc_coco_annotation(const mc_coco *ds, size_t a, mc_coco_ann *out)
{
	const mc_coco_ann_rec *r = &ds->anns[a];

	memset(out, 0, sizeof *out);
	out->id = r->id;
	out->image_id = r->image_id;
	out->category_id = r->category_id;
	out->image = r->image;
	out->class_index = r->cls;
	out->instance = ds->ann_inst[a];
	out->iscrowd = r->iscrowd;
	out->area = r->area;
	memcpy(out->bbox, r->bbox, sizeof out->bbox);
	out->h = r->h;
	out->w = r->w;
	out->kind = (mc_coco_seg_kind)r->kind;
	if (r->kind == MC_SEG_POLYGON) {
		out->n_parts = r->seg_n;
		out->xy = ds->xy + r->seg_off;
		out->part_len = ds->u32 + r->part_off;
	} else if (r->kind == MC_SEG_RLE) {
		out->n_counts = r->seg_n;
		out->counts = ds->u32 + r->seg_off;
	} else {
		out->rle_string = ds->chars + r->seg_off;
	}
}

void mc_coco_instance(const mc_coco *ds, size_t i, mc_coco_ann *out)
{
	mc_coco_annotation(ds, ds->inst_ann[i], out);
}

size_t mc_coco_instance_annotation(const mc_coco *ds, size_t i)
{
	return ds->inst_ann[i];
}

void mc_coco_image(const mc_coco *ds, size_t img, mc_coco_img *out)
{
	const mc_coco_img_rec *r = &ds->imgs[img];
	out->id = r->id;
	out->width = r->width;
	out->height = r->height;
	out->file_name = ds->chars + r->name_off;
}

int mc_coco_find_image(size_t *img, const mc_coco *ds, int64_t image_id, mc_error *err)
{
	*img = s_find(ds->img_ids, ds->n_imgs, image_id);
	if (*img == MC_COCO_NONE)
		return mc_error_set(err, MC_ERR_NOTFOUND, "%s: no image with id %lld", ds->file_name,
		                    (long long)image_id);
	return 0;
}

int mc_coco_find_annotation(size_t *a, const mc_coco *ds, int64_t ann_id, mc_error *err)
{
	*a = s_find(ds->ann_ids, ds->n_anns, ann_id);
	if (*a == MC_COCO_NONE)
		return mc_error_set(err, MC_ERR_NOTFOUND, "%s: no annotation with id %lld",
		                    ds->file_name, (long long)ann_id);
	return 0;
}

int mc_coco_find_class(size_t *k, const mc_coco *ds, int64_t category_id, mc_error *err)
{
	*k = s_find_cat(ds, category_id);
	if (*k == MC_COCO_NONE)
		return mc_error_set(err, MC_ERR_NOTFOUND, "%s: no category with id %lld",
		                    ds->file_name, (long long)category_id);
	return 0;
}

int mc_coco_image_path(char **out, const mc_coco *ds, size_t img, mc_error *err)
{
	const char *name = ds->chars + ds->imgs[img].name_off;
	size_t n = strlen(ds->images_dir) + strlen(name) + 2;
	struct stat st;
	char *p;

	*out = NULL;
	p = malloc(n);
	if (p == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (name[0] == '/')
		snprintf(p, n, "%s", name);
	else
		snprintf(p, n, "%s/%s", ds->images_dir, name);
	if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
		mc_error_set(err, MC_ERR_IO, "%s: image %lld: %s does not exist", ds->file_name,
		             (long long)ds->imgs[img].id, p);
		free(p);
		return MC_ERR_IO;
	}
	*out = p;
	return 0;
}

void mc_coco_drop_pages(const void *p, size_t n)
{
	/* madvise takes a void * but MADV_DONTNEED does not write the pages:
	 * the one place a read-only mapping loses its const */
	madvise((void *)(uintptr_t)p, n, MADV_DONTNEED);
}

int mc_coco_hash_map(unsigned char out[32], const unsigned char *data, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), done = 0;
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	int rc = -1;

	if (sha == NULL || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1)
		goto cleanup;
	while (done < len) {
		size_t n = len - done < S_DROP_CHUNK ? len - done : S_DROP_CHUNK;
		if (EVP_DigestUpdate(sha, data + done, n) != 1)
			goto cleanup;
		/* a mapped file: give the hashed pages back */
		if (n == S_DROP_CHUNK && (uintptr_t)(data + done) % page == 0)
			mc_coco_drop_pages(data + done, n);
		done += n;
	}
	rc = EVP_DigestFinal_ex(sha, out, NULL) == 1 ? 0 : -1;
cleanup:
	EVP_MD_CTX_free(sha);
	return rc;
}

/* "changed since it was loaded" */
static int s_changed(const mc_coco *ds, mc_error *err)
{
	return mc_error_set(err, MC_ERR_IO, "%s: the file changed since it was loaded (its "
	                    "content is not the same); load it again", ds->path);
}

int mc_coco_check_unchanged(const mc_coco *ds, mc_error *err)
{
	unsigned char sum[32];
	struct stat st;
	void *map;
	int fd, rc = 0;

	fd = open(ds->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read the original file again: %s",
		                  ds->path, strerror(errno));
		goto cleanup;
	}
	if (st.st_size != ds->file_size) {
		rc = s_changed(ds, err);
		goto cleanup;
	}
	/* The same file, not written since: no need to read it. */
	if (st.st_ino == ds->file_ino && st.st_dev == ds->file_dev &&
	    st.st_mtim.tv_sec == ds->file_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == ds->file_mtime.tv_nsec)
		goto cleanup;
	/* Rewritten (by make_demo in another kernel, a copy, a sync tool): what
	 * counts is the content. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", ds->path, strerror(errno));
		goto cleanup;
	}
	if (mc_coco_hash_map(sum, map, (size_t)st.st_size) != 0)
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", ds->path);
	else if (memcmp(sum, ds->file_sha256, sizeof sum) != 0)
		rc = s_changed(ds, err);
	munmap(map, (size_t)st.st_size);
cleanup:
	if (fd >= 0)
		close(fd);
	return rc;
}

int mc_coco_annotation_json(json_t **out, const mc_coco *ds, size_t a, mc_error *err)
{
	const mc_coco_ann_rec *r = &ds->anns[a];
	char *buf = NULL;
	json_error_t je;
	json_t *v = NULL;
	int fd = -1, rc = 0;
	ssize_t got;

	*out = NULL;
	if (mc_coco_check_unchanged(ds, err) < 0)
		return err->code;
	buf = malloc(r->file_len ? r->file_len : 1);
	if (buf == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	fd = open(ds->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", ds->path, strerror(errno));
		goto cleanup;
	}
	got = pread(fd, buf, r->file_len, (off_t)r->file_off);
	if (got != (ssize_t)r->file_len) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read annotation %lld", ds->path,
		                  (long long)r->id);
		goto cleanup;
	}
	/* The bytes are the ones loaded (checked above), which parsed then: a
	 * failure now is Jansson running out of memory, which its lexer may
	 * word as a syntax error. */
	v = json_loadb(buf, r->file_len, 0, &je);
	if (v == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory reading annotation %lld",
		                  ds->path, (long long)r->id);
		goto cleanup;
	}
	if (!json_is_object(v)) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: annotation %lld is no longer where it was: "
		                  "the file changed", ds->path, (long long)r->id);
		goto cleanup;
	}
	*out = v;
	v = NULL;
cleanup:
	json_decref(v);
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

int mc_coco_annotation_rle(mc_rle **out, const mc_coco *ds, size_t a,
                           const mc_progress *progress, mc_error *err)
{
	mc_coco_ann ann;
	const double **parts = NULL;
	size_t *lens = NULL, i, off = 0;
	int rc;

	*out = NULL;
	mc_coco_annotation(ds, a, &ann);
	if (ann.kind == MC_SEG_RLE) {
		rc = mc_rle_new(out, ann.h, ann.w, ann.counts, ann.n_counts, err);
	} else if (ann.kind == MC_SEG_RLE_STRING) {
		rc = mc_rle_from_string(out, ann.rle_string, ann.h, ann.w, err);
	} else {
		parts = calloc(ann.n_parts + 1, sizeof *parts);
		lens = calloc(ann.n_parts + 1, sizeof *lens);
		if (parts == NULL || lens == NULL) {
			free(parts);
			free(lens);
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		}
		for (i = 0; i < ann.n_parts; i++) {
			parts[i] = ann.xy + off;
			lens[i] = ann.part_len[i];
			off += ann.part_len[i];
		}
		rc = mc_rle_from_polygons(out, parts, lens, ann.n_parts, ann.h, ann.w, progress, err);
		free(parts);
		free(lens);
	}
	if (rc < 0)
		mc_error_prefix(err, "%s: annotation %lld", ds->file_name, (long long)ann.id);
	return rc;
}

int mc_coco_instance_rle(mc_rle **out, const mc_coco *ds, size_t i,
                         const mc_progress *progress, mc_error *err)
{
	*out = NULL;
	if (i >= ds->n_inst)
		return mc_error_set(err, MC_ERR_INVALID, "%s: instance %zu is out of range (the "
		                    "dataset has %zu)", ds->file_name, i, ds->n_inst);
	return mc_coco_annotation_rle(out, ds, ds->inst_ann[i], progress, err);
}
