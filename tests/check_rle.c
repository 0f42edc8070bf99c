/* Tests of the COCO mask codec (runtime/rle.c): hand-computed cases, bad
 * input, the real COCO files in tests/data (cocoapi results and COCO-Stuff
 * RLE strings), and, when ../shared/data is there, labelme's polygons
 * against its instance maps. */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/image.h"
#include "maskclean/limits.h"
#include "maskclean/rle.h"
#include "testutil.h"
#include "suite_run.h"

static char s_path[4096];

/* A file of tests/data, or of the optional shared data for labelme's. */
static json_t *load_json(const char *rel)
{
	json_error_t je;
	json_t *root = json_load_file(strncmp(rel, "coco/labelme/", 13) == 0 ? tu_shared(rel) :
	                              td_path(s_path, sizeof s_path, rel), 0, &je);

	ck_assert_msg(root != NULL, "%s: %s (line %d)", s_path, je.text, je.line);
	return root;
}

static void assert_counts(const mc_rle *r, const uint32_t *want, size_t m)
{
	size_t i;

	ck_assert_uint_eq(r->m, m);
	for (i = 0; i < m; i++)
		ck_assert_msg(r->counts[i] == want[i], "counts[%zu] = %u, expected %u", i,
		              (unsigned)r->counts[i], (unsigned)want[i]);
}

static int same_counts(const mc_rle *a, const mc_rle *b)
{
	return a->h == b->h && a->w == b->w && a->m == b->m &&
	       (a->m == 0 || memcmp(a->counts, b->counts, a->m * sizeof *a->counts) == 0);
}

/* Parses a segmentation's compressed string, asserting it loads. */
static mc_rle *rle_of_json(const json_t *seg, const char *what)
{
	const json_t *size = json_object_get(seg, "size");
	const char *counts = json_string_value(json_object_get(seg, "counts"));
	mc_rle *r = NULL;
	mc_error err;

	ck_assert_msg(json_is_array(size) && json_array_size(size) == 2 && counts != NULL,
	              "%s: expected {size: [h, w], counts: string}", what);
	mc_error_clear(&err);
	ck_assert_msg(mc_rle_from_string(&r, counts,
	                                 (uint32_t)json_integer_value(json_array_get(size, 0)),
	                                 (uint32_t)json_integer_value(json_array_get(size, 1)),
	                                 &err) == 0, "%s: %s", what, err.text);
	return r;
}

/* The string round-trips byte for byte, and decoding then encoding the
 * mask gives the same counts (the form is canonical). */
static void assert_round_trip(const mc_rle *r, const char *text, const char *what)
{
	mc_rle *again = NULL;
	uint8_t *mask = malloc((size_t)r->h * r->w);
	char *s = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_to_string(&s, r, &err), 0);
	ck_assert_msg(strcmp(s, text) == 0, "%s: re-encoded string differs", what);
	ck_assert_ptr_nonnull(mask);
	mc_rle_decode(r, mask);
	ck_assert_int_eq(mc_rle_encode(&again, mask, r->h, r->w, &err), 0);
	ck_assert_msg(same_counts(again, r), "%s: encode(decode(rle)) differs", what);
	free(s);
	free(mask);
	mc_rle_free(again);
}

START_TEST(test_encode_decode_hand)
{
	/* 3x2 (h=3, w=2) column-major: column 0 = 0,1,1; column 1 = 1,0,0 */
	const uint8_t mask[6] = { 0, 1, 1, 1, 0, 0 };
	const uint8_t rowmajor[6] = { 0, 1, 1, 0, 1, 0 };
	const uint32_t want[] = { 1, 3, 2 };
	uint8_t back[6];
	mc_rle *r = NULL, *r2 = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_encode(&r, mask, 3, 2, &err), 0);
	assert_counts(r, want, 3);
	ck_assert_uint_eq(mc_rle_area(r), 3);
	mc_rle_decode(r, back);
	ck_assert_mem_eq(back, mask, 6);
	mc_rle_decode_rowmajor(r, back);
	ck_assert_mem_eq(back, rowmajor, 6);
	ck_assert_int_eq(mc_rle_encode_rowmajor(&r2, rowmajor, 3, 2, &err), 0);
	ck_assert(same_counts(r, r2));
	mc_rle_free(r);
	mc_rle_free(r2);

	/* A mask starting with foreground has an empty first run. */
	{
		const uint8_t full[4] = { 1, 1, 0, 1 };
		const uint32_t want2[] = { 0, 2, 1, 1 };

		ck_assert_int_eq(mc_rle_encode(&r, full, 2, 2, &err), 0);
		assert_counts(r, want2, 4);
		mc_rle_free(r);
	}
}
END_TEST

START_TEST(test_string_hand)
{
	/* Worked by hand from the format: each count as 5-bit chunks + '0',
	 * 0x20 = more chunks follow, 0x10 in the last chunk = negative; counts
	 * after the third are deltas against counts[i-2]. */
	static const struct {
		uint32_t counts[5];
		size_t m;
		uint32_t h, w;
		const char *text;
	} cases[] = {
		{ { 6, 3, 2, 3, 11 }, 5, 5, 5, "63209" },   /* 3-3 = 0, 11-2 = 9 */
		{ { 1, 10, 1, 2 }, 4, 7, 2, "1:1H" },       /* 2-10 = -8: 24 | sign */
		{ { 100 }, 1, 10, 10, "T3" },               /* 100 = 4 | 3 << 5 */
		{ { 0, 16 }, 2, 4, 4, "0`0" },              /* 16 needs a second chunk: bit 4 is the sign */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mc_rle *r = NULL, *back = NULL;
		char *s = NULL;
		mc_error err;

		mc_error_clear(&err);
		ck_assert_int_eq(mc_rle_new(&r, cases[i].h, cases[i].w, cases[i].counts, cases[i].m,
		                            &err), 0);
		ck_assert_int_eq(mc_rle_to_string(&s, r, &err), 0);
		ck_assert_str_eq(s, cases[i].text);
		ck_assert_int_eq(mc_rle_from_string(&back, s, cases[i].h, cases[i].w, &err), 0);
		ck_assert(same_counts(back, r));
		free(s);
		mc_rle_free(r);
		mc_rle_free(back);
	}
}
END_TEST

/* Parses text for a 5x5 image expecting MC_ERR_PARSE; returns the message. */
static const char *parse_fails(const char *text, mc_error *err)
{
	mc_rle *r = (mc_rle *)1;

	mc_error_clear(err);
	ck_assert_int_eq(mc_rle_from_string(&r, text, 5, 5, err), MC_ERR_PARSE);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(err->code, MC_ERR_PARSE);
	return err->text;
}

START_TEST(test_string_malformed)
{
	const uint32_t bad[] = { 6, 3, 2 };
	mc_rle *r = (mc_rle *)1;
	mc_error err;

	ck_assert_str_eq(parse_fails("63 09", &err),
	                 "compressed RLE has invalid character 0x20 at offset 2, expected '0'..'o'");
	ck_assert_ptr_nonnull(strstr(parse_fails("632~9", &err), "0x7e at offset 3"));
	ck_assert_ptr_nonnull(strstr(parse_fails("63T", &err),
	                             "ends inside count 2 (offset 2)"));
	ck_assert_str_eq(parse_fails("63208", &err), "RLE counts sum to 24, image is 5x5");
	ck_assert_str_eq(parse_fails("", &err), "RLE counts sum to 0, image is 5x5");
	/* '@' = 16: the sign bit, so the first count is -16 */
	ck_assert_ptr_nonnull(strstr(parse_fails("@", &err),
	                             "count 0 (offset 0) is -16, expected 0..4294967295"));
	/* counts 2, 1, 2, then 1 + delta -8 = -7 */
	ck_assert_ptr_nonnull(strstr(parse_fails("212H", &err), "count 3 (offset 3) is -7"));
	/* six chunks of 31 and one of 15: 2^34 - 1 > 2^32 - 1 */
	ck_assert_ptr_nonnull(strstr(parse_fails("oooooo?", &err), "is 17179869183"));
	ck_assert_ptr_nonnull(strstr(parse_fails("ooooooo0", &err), "more than 7 chunks"));

	/* Uncompressed counts are checked the same way. */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_new(&r, 40, 40, bad, 3, &err), MC_ERR_PARSE);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.text, "RLE counts sum to 11, image is 40x40");
}
END_TEST

START_TEST(test_area_bbox_merge_hand)
{
	/* 4x4: A = column 1 rows 1-2; B = columns 1-2 row 2 */
	const uint32_t a_counts[] = { 5, 2, 9 }, b_counts[] = { 6, 1, 3, 1, 5 };
	const uint32_t uni[] = { 5, 2, 3, 1, 5 }, inter[] = { 6, 1, 9 };
	const uint32_t spans[] = { 2, 5, 9 };   /* one run across columns 0 and 1 */
	mc_rle *a = NULL, *b = NULL, *m = NULL, *s = NULL, *odd = NULL;
	const mc_rle *parts[2];
	double bb[4], iou;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_new(&a, 4, 4, a_counts, 3, &err), 0);
	ck_assert_int_eq(mc_rle_new(&b, 4, 4, b_counts, 5, &err), 0);
	mc_rle_bbox(a, bb);
	ck_assert(bb[0] == 1 && bb[1] == 1 && bb[2] == 1 && bb[3] == 2);
	mc_rle_bbox(b, bb);
	ck_assert(bb[0] == 1 && bb[1] == 2 && bb[2] == 2 && bb[3] == 1);
	parts[0] = a;
	parts[1] = b;
	ck_assert_int_eq(mc_rle_merge(&m, parts, 2, 0, &err), 0);
	assert_counts(m, uni, 5);
	ck_assert_uint_eq(mc_rle_area(m), 3);
	mc_rle_free(m);
	ck_assert_int_eq(mc_rle_merge(&m, parts, 2, 1, &err), 0);
	assert_counts(m, inter, 3);
	mc_rle_free(m);
	ck_assert_int_eq(mc_rle_merge(&m, parts, 1, 0, &err), 0);
	ck_assert(same_counts(m, a));
	mc_rle_free(m);
	/* IoU = 1 / 3; a crowd ground truth divides by the detection's area. */
	ck_assert_int_eq(mc_rle_iou(&iou, a, b, 0, &err), 0);
	ck_assert_double_eq_tol(iou, 1.0 / 3, 1e-15);
	ck_assert_int_eq(mc_rle_iou(&iou, a, b, 1, &err), 0);
	ck_assert_double_eq_tol(iou, 0.5, 1e-15);
	/* COCO's toBbox: a run crossing columns makes the box full height. */
	ck_assert_int_eq(mc_rle_new(&s, 4, 4, spans, 3, &err), 0);
	mc_rle_bbox(s, bb);
	ck_assert(bb[0] == 0 && bb[1] == 0 && bb[2] == 2 && bb[3] == 4);
	/* Empty mask: all zeros. */
	{
		const uint32_t none[] = { 16 };

		ck_assert_int_eq(mc_rle_new(&odd, 4, 4, none, 1, &err), 0);
		mc_rle_bbox(odd, bb);
		ck_assert(bb[0] == 0 && bb[1] == 0 && bb[2] == 0 && bb[3] == 0);
		ck_assert_uint_eq(mc_rle_area(odd), 0);
		mc_rle_free(odd);
	}
	/* Sizes must agree. */
	ck_assert_int_eq(mc_rle_new(&odd, 2, 8, a_counts, 3, &err), 0);
	parts[1] = odd;
	ck_assert_int_eq(mc_rle_merge(&m, parts, 2, 0, &err), MC_ERR_SHAPE);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err.text, "merge: mask 1 is 8x2, mask 0 is 4x4");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_merge(&m, parts, 0, 0, &err), MC_ERR_INVALID);
	mc_rle_free(a);
	mc_rle_free(b);
	mc_rle_free(s);
	mc_rle_free(odd);
}
END_TEST

START_TEST(test_poly_and_bbox_hand)
{
	/* Pixel (x, y) is inside when its centre (x+.5, y+.5) is: the box
	 * x 1..3, y 1..4 covers columns 1-2, rows 1-3 of a 5x5 image. */
	const double box[4] = { 1, 1, 2, 3 };
	const double square[8] = { 1, 1, 1, 4, 3, 4, 3, 1 };
	const double tri[6] = { 0, 0, 4, 0, 0, 4 };
	const uint32_t want[] = { 6, 3, 2, 3, 11 };
	const double *parts[2];
	size_t lens[2];
	mc_rle *r = NULL, *q = NULL;
	double bb[4];
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_from_bbox(&r, box, 5, 5, NULL, &err), 0);
	assert_counts(r, want, 5);
	mc_rle_bbox(r, bb);
	ck_assert(bb[0] == 1 && bb[1] == 1 && bb[2] == 2 && bb[3] == 3);
	ck_assert_int_eq(mc_rle_from_poly(&q, square, 4, 5, 5, NULL, &err), 0);
	ck_assert(same_counts(q, r));
	mc_rle_free(q);
	/* A polygon of exactly 4 numbers is a box, as the COCO API reads it. */
	parts[0] = box;
	lens[0] = 4;
	ck_assert_int_eq(mc_rle_from_polygons(&q, parts, lens, 1, 5, 5, NULL, &err), 0);
	ck_assert(same_counts(q, r));
	mc_rle_free(q);
	/* Right triangle with legs 4: the pixels whose centre is strictly below
	 * the hypotenuse, x+.5 + y+.5 < 4: columns of 3, 2 and 1 pixels. */
	ck_assert_int_eq(mc_rle_from_poly(&q, tri, 3, 5, 5, NULL, &err), 0);
	{
		uint8_t m[25];
		int x, y, n = 0;

		mc_rle_decode(q, m);
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++) {
				/* strictly inside: x+.5 + y+.5 < 4 */
				int inside = x + y + 1 < 4;

				ck_assert_msg(m[x * 5 + y] == inside, "pixel %d,%d", x, y);
				n += inside;
			}
		ck_assert_int_eq(n, 6);
		ck_assert_uint_eq(mc_rle_area(q), 6);
	}
	mc_rle_free(q);
	/* Union of two parts. */
	parts[0] = square;
	lens[0] = 8;
	parts[1] = tri;
	lens[1] = 6;
	ck_assert_int_eq(mc_rle_from_polygons(&q, parts, lens, 2, 5, 5, NULL, &err), 0);
	ck_assert_uint_eq(mc_rle_area(q), 6 + 6 - 1);   /* (1,1) is in both */
	mc_rle_free(q);
	mc_rle_free(r);
}
END_TEST

START_TEST(test_poly_bad)
{
	const double two[4] = { 0, 0, 3, 3 }, six[6] = { 0, 0, 3, 0, 3, 3 };
	const double nan_xy[6] = { 0, 0, NAN, 0, 3, 3 };
	const double *parts[2] = { six, two };
	size_t lens[2] = { 6, 4 };
	mc_rle *r = (mc_rle *)1;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, 2, 5, 5, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.text, "polygon 1 has 4 numbers, expected an even number of at "
	                           "least 6 (3 x, y points)");
	mc_error_clear(&err);
	lens[1] = 5;
	ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, 2, 5, 5, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "polygon 1 has 5 numbers"));
	/* Box mode: every part must be a box. */
	mc_error_clear(&err);
	parts[0] = two;
	lens[0] = 4;
	parts[1] = six;
	lens[1] = 6;
	ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, 2, 5, 5, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "polygon 1 has 6 numbers, expected 4 (a box, as polygon 0)");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, 0, 5, 5, NULL, &err), MC_ERR_INVALID);
	mc_error_clear(&err);
	parts[0] = nan_xy;
	lens[0] = 6;
	ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, 1, 5, 5, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "polygon 0: polygon point 1 has x nan"));
	ck_assert_ptr_null(r);
}
END_TEST

/* Issue 13: runs of length 0 (an uncompressed RLE may hold them) made merge
 * stop early (a 1x10 mask whose counts summed to 5), and IoU and bbox take
 * pixels that are not there. */
START_TEST(test_zero_length_runs)
{
	const uint32_t a[] = { 2, 0, 3, 5 };   /* foreground 5..9 */
	const uint32_t b[] = { 6, 0, 0, 4 };   /* empty: 0-length runs only */
	const uint32_t z[] = { 3, 0, 7 };      /* empty, a 0-length foreground run */
	const uint32_t u[] = { 5, 5 };
	mc_rle *ra = NULL, *rb = NULL, *rz = NULL, *m = NULL;
	const mc_rle *parts[2];
	double iou, bb[4];
	uint64_t sum = 0;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_new(&ra, 1, 10, a, 4, &err), 0);
	ck_assert_int_eq(mc_rle_new(&rb, 1, 10, b, 4, &err), 0);
	ck_assert_int_eq(mc_rle_new(&rz, 1, 10, z, 3, &err), 0);
	parts[0] = ra;
	parts[1] = rb;
	ck_assert_int_eq(mc_rle_merge(&m, parts, 2, 0, &err), 0);
	for (size_t i = 0; i < m->m; i++)
		sum += m->counts[i];
	ck_assert_uint_eq(sum, 10);
	assert_counts(m, u, 2);
	mc_rle_free(m);
	parts[0] = rb;
	parts[1] = ra;
	ck_assert_int_eq(mc_rle_merge(&m, parts, 2, 0, &err), 0);
	assert_counts(m, u, 2);
	mc_rle_free(m);
	ck_assert_int_eq(mc_rle_iou(&iou, ra, ra, 0, &err), 0);
	ck_assert(iou == 1.0);
	ck_assert_int_eq(mc_rle_iou(&iou, rz, ra, 0, &err), 0);
	ck_assert(iou == 0.0);
	mc_rle_bbox(rz, bb);
	ck_assert(bb[0] == 0 && bb[1] == 0 && bb[2] == 0 && bb[3] == 0);
	mc_rle_bbox(ra, bb);
	ck_assert(bb[0] == 5 && bb[1] == 0 && bb[2] == 5 && bb[3] == 1);
	mc_rle_free(ra);
	mc_rle_free(rb);
	mc_rle_free(rz);
}
END_TEST

typedef struct s_polls {
	int calls, stop_at;
} s_polls;

/* Counts the calls; asks to stop at the stop_at-th. */
static int s_poll(void *ctx, size_t done, size_t total, const char *what)
{
	s_polls *p = ctx;

	return (void)done, (void)total, (void)what, ++p->calls >= p->stop_at;
}

/* Issue 13: a 2,000-point outline with coordinates around +-1e7 was walked
 * point by point (5e7 upsampled steps an edge). Clipped to the image, the
 * work is the pixel columns the edges cross inside it: the progress
 * callback, polled every 65,536 crossings, is called at most a few times,
 * and memory stays flat. A polygon that does cross the image often is
 * interrupted when the callback says so. */
START_TEST(test_poly_far_outside_is_cheap_and_interruptible)
{
	const size_t k = 2000;
	double *xy = malloc(2 * k * sizeof *xy);
	uint32_t state = 99;
	s_polls polls = { 0, 1 << 30 };
	mc_progress p = { s_poll, &polls };
	long before = tu_peak_rss_mib();
	mc_rle *r = NULL;
	mc_error err;

	for (size_t i = 0; i < k; i++) {
		double t = 2 * M_PI * (double)i / (double)k, rad = 9e6;
		state = state * 1103515245u + 12345u;
		rad += (double)(state >> 16) * 10;   /* a ragged outline around the image */
		xy[2 * i] = 320 + rad * cos(t);
		xy[2 * i + 1] = 240 + rad * sin(t);
	}
	mc_error_clear(&err);
	ck_assert_msg(mc_rle_from_poly(&r, xy, k, 480, 640, &p, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_rle_area(r), 480 * 640);   /* the image is inside the outline */
	ck_assert_int_le(polls.calls, 2);
	mc_rle_free(r);
	if (getenv("MC_VALGRIND") == NULL)
		ck_assert_int_lt(tu_peak_rss_mib() - before, 32);
	/* A zigzag across a wide image: 2,000 edges x 4,000 columns. */
	for (size_t i = 0; i < k; i++) {
		xy[2 * i] = i % 2 ? 4100.0 : -100.0;
		xy[2 * i + 1] = (double)i;
	}
	polls.calls = 0;
	polls.stop_at = 3;
	ck_assert_int_eq(mc_rle_from_poly(&r, xy, k, 2000, 4000, &p, &err), MC_ERR_INTERRUPTED);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert_int_eq(polls.calls, 3);
	free(xy);
}
END_TEST

/* The limits polygon_points and coordinate refuse with their names. */
START_TEST(test_poly_limits)
{
	const double far[6] = { 0, 0, 2e7, 0, 0, 3 };
	mc_rle *r = (mc_rle *)1;
	mc_error err;

	mc_limit_reset();
	mc_error_clear(&err);
	ck_assert_int_eq(mc_rle_from_poly(&r, far, 3, 5, 5, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err.text, "polygon point 1 has x 2e+07"));
	ck_assert_ptr_nonnull(strstr(err.text, "(coordinate; raise it with set_limit(\"coordinate\""));
	ck_assert_int_eq(mc_limit_set(MC_LIMIT_COORDINATE, 30000000, &err), 0);
	ck_assert_int_eq(mc_rle_from_poly(&r, far, 3, 5, 5, NULL, &err), 0);
	mc_rle_free(r);
	ck_assert_int_eq(mc_limit_set(MC_LIMIT_POLYGON_POINTS, 3, &err), 0);
	{
		const double four[8] = { 0, 0, 4, 0, 4, 4, 0, 4 };
		mc_error_clear(&err);
		ck_assert_int_eq(mc_rle_from_poly(&r, four, 4, 5, 5, NULL, &err), MC_ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(err.text, "polygon has 4 points, above the limit of 3 "
		                                       "(polygon_points;"));
	}
	mc_limit_reset();
}
END_TEST

START_TEST(test_fakesegm_results_round_trip)
{
	json_t *root = load_json("coco/cocoapi/results/instances_val2014_fakesegm100_results.json");
	size_t i, n = json_array_size(root);

	ck_assert_uint_eq(n, 734);   /* the data README's count */
	for (i = 0; i < n; i++) {
		const json_t *seg = json_object_get(json_array_get(root, i), "segmentation");
		char what[64];
		mc_rle *r;

		snprintf(what, sizeof what, "result %zu", i);
		r = rle_of_json(seg, what);
		assert_round_trip(r, json_string_value(json_object_get(seg, "counts")), what);
		mc_rle_free(r);
	}
	json_decref(root);
}
END_TEST

START_TEST(test_stuff_round_trip_area_bbox)
{
	json_t *root = load_json("coco/cocoapi/annotations/stuff_examples.json");
	const json_t *anns = json_object_get(root, "annotations");
	size_t i, n = json_array_size(anns);

	ck_assert_uint_eq(n, 17);
	for (i = 0; i < n; i++) {
		const json_t *ann = json_array_get(anns, i);
		const json_t *seg = json_object_get(ann, "segmentation");
		const json_t *jb = json_object_get(ann, "bbox");
		char what[64];
		double bb[4];
		mc_rle *r;
		int k;

		snprintf(what, sizeof what, "stuff annotation %zu", i);
		r = rle_of_json(seg, what);
		assert_round_trip(r, json_string_value(json_object_get(seg, "counts")), what);
		/* Stuff stores the decoded mask's area and box exactly. */
		ck_assert_msg((double)mc_rle_area(r) == json_number_value(json_object_get(ann, "area")),
		              "%s: area %llu, stored %g", what, (unsigned long long)mc_rle_area(r),
		              json_number_value(json_object_get(ann, "area")));
		mc_rle_bbox(r, bb);
		for (k = 0; k < 4; k++)
			ck_assert_msg(bb[k] == json_number_value(json_array_get(jb, k)),
			              "%s: bbox[%d] %g, stored %g", what, k, bb[k],
			              json_number_value(json_array_get(jb, k)));
		mc_rle_free(r);
	}
	json_decref(root);
}
END_TEST

/* Colour of instance id in the PASCAL VOC palette that labelme writes. */
static void voc_colour(int id, uint8_t rgb[3])
{
	int r = 0, g = 0, b = 0, j;

	for (j = 0; j < 8; j++, id >>= 3) {
		r |= ((id >> 0) & 1) << (7 - j);
		g |= ((id >> 1) & 1) << (7 - j);
		b |= ((id >> 2) & 1) << (7 - j);
	}
	rgb[0] = (uint8_t)r;
	rgb[1] = (uint8_t)g;
	rgb[2] = (uint8_t)b;
}

/* The instance ids labelme2voc gave the annotations of one image: shapes
 * are numbered 1, 2, ... by distinct (label, group_id) in order, a null
 * group_id making a new instance every time and __ignore__ shapes included;
 * annotations.json lists the other instances in that order.
 * Writes the ids of the first max annotations and their labels. */
static size_t labelme_instance_ids(const char *stem, int *ids, const char **labels,
                                   size_t max, json_t **keep)
{
	char rel[256];
	json_t *doc, *shapes, *seen = json_array();
	size_t i, n = 0;

	snprintf(rel, sizeof rel, "coco/labelme/data_annotated/%s.json", stem);
	doc = load_json(rel);
	shapes = json_object_get(doc, "shapes");
	for (i = 0; i < json_array_size(shapes); i++) {
		const json_t *s = json_array_get(shapes, i);
		json_t *key = json_pack("[OO]", json_object_get(s, "label"),
		                        json_object_get(s, "group_id"));
		size_t j;
		int found = 0;

		for (j = 0; j < json_array_size(seen); j++)
			found |= !json_is_null(json_object_get(s, "group_id")) &&
			         json_equal(json_array_get(seen, j), key);
		if (found) {
			json_decref(key);
			continue;
		}
		json_array_append_new(seen, key);
		if (strcmp(json_string_value(json_object_get(s, "label")), "__ignore__") == 0)
			continue;
		ck_assert_uint_lt(n, max);
		ids[n] = (int)json_array_size(seen);
		labels[n] = json_string_value(json_object_get(s, "label"));
		n++;
	}
	json_decref(seen);
	*keep = doc;   /* labels borrow from it */
	return n;
}

START_TEST(test_labelme_polygons_match_instance_maps)
{
	/* labelme rasterised its polygons with PIL's ImageDraw.polygon, outline
	 * included, which takes every pixel the outline touches; the COCO API
	 * takes a pixel when its centre is inside (after 5x upsampling). The two
	 * therefore disagree on the boundary only. Measured on these 12
	 * annotations: every disagreeing pixel lies on the COCO mask's boundary
	 * (8-neighbourhood; outside the image counts as background), the
	 * disagreement is 0.20-0.55 of the mask's boundary pixels (IoU
	 * 0.934-0.997, the worst being the 815-pixel bottle), the COCO area is
	 * 0.93-0.996 of labelme's stored (PIL) area, and the boxes differ by up
	 * to 2 pixels. Tolerance: zero disagreement off the boundary, at most one
	 * boundary ring (disagreement <= boundary pixels), COCO area below the
	 * stored area but above 90% of it, box edges within 2 pixels. Pixels the
	 * map gives to a later instance (occlusion) are not compared. */
	json_t *root = load_json("coco/labelme/annotations.json");
	const json_t *images = json_object_get(root, "images");
	const json_t *anns = json_object_get(root, "annotations");
	const json_t *cats = json_object_get(root, "categories");
	size_t im, compared = 0;

	ck_assert_uint_eq(json_array_size(anns), 12);
	for (im = 0; im < json_array_size(images); im++) {
		const json_t *image = json_array_get(images, im);
		const char *file = json_string_value(json_object_get(image, "file_name"));
		uint32_t h = (uint32_t)json_integer_value(json_object_get(image, "height"));
		uint32_t w = (uint32_t)json_integer_value(json_object_get(image, "width"));
		json_int_t image_id = json_integer_value(json_object_get(image, "id"));
		const char *base = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;
		char stem[128], rel[256];
		int ids[16];
		const char *labels[16];
		json_t *doc = NULL;
		size_t n_ids, next = 0, a;
		mc_image *map = NULL;
		uint8_t *ours = malloc((size_t)h * w);
		mc_error err;

		snprintf(stem, sizeof stem, "%.*s", (int)(strlen(base) - 4), base);
		n_ids = labelme_instance_ids(stem, ids, labels, 16, &doc);
		snprintf(rel, sizeof rel, "coco/labelme/voc_SegmentationObject/%s.png", stem);
		mc_error_clear(&err);
		ck_assert_msg(mc_image_load(&map, tu_shared(rel), &err) == 0, "%s", err.text);
		ck_assert_int_eq(map->width, (int)w);
		ck_assert_int_eq(map->height, (int)h);
		ck_assert_int_eq(map->channels, 3);
		for (a = 0; a < json_array_size(anns); a++) {
			const json_t *ann = json_array_get(anns, a);
			const json_t *seg = json_object_get(ann, "segmentation");
			const json_t *jb = json_object_get(ann, "bbox");
			const double *parts[8];
			double *store[8], bb[4], stored_area;
			size_t lens[8], p, k, n_parts = json_array_size(seg);
			long boundary = 0, differ = 0, off_boundary = 0;
			uint8_t rgb[3];
			mc_rle *r = NULL;
			uint32_t x, y;
			int id;

			if (json_integer_value(json_object_get(ann, "image_id")) != image_id)
				continue;
			ck_assert_uint_lt(next, n_ids);
			id = ids[next];
			/* the mapping is right: the annotation's class is the shape's label */
			ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cats,
			                 (size_t)json_integer_value(json_object_get(ann, "category_id"))),
			                 "name")), labels[next]);
			next++;
			ck_assert_uint_le(n_parts, 8);
			for (p = 0; p < n_parts; p++) {
				const json_t *poly = json_array_get(seg, p);

				lens[p] = json_array_size(poly);
				store[p] = malloc(lens[p] * sizeof(double));
				for (k = 0; k < lens[p]; k++)
					store[p][k] = json_number_value(json_array_get(poly, k));
				parts[p] = store[p];
			}
			ck_assert_msg(mc_rle_from_polygons(&r, parts, lens, n_parts, h, w, NULL, &err) == 0,
			              "%s", err.text);
			mc_rle_decode_rowmajor(r, ours);
			voc_colour(id, rgb);
			for (y = 0; y < h; y++)
				for (x = 0; x < w; x++) {
					const uint8_t *px = map->pixels + ((size_t)y * w + x) * 3;
					int theirs = px[0] == rgb[0] && px[1] == rgb[1] && px[2] == rgb[2];
					int other = !theirs && (px[0] | px[1] | px[2]) != 0;
					int o = ours[(size_t)y * w + x], on_edge = 0, dx, dy;

					for (dy = -1; dy <= 1; dy++)
						for (dx = -1; dx <= 1; dx++) {
							long xx = (long)x + dx, yy = (long)y + dy;
							int nv = xx < 0 || yy < 0 || xx >= (long)w || yy >= (long)h
							         ? 0 : ours[yy * w + xx];

							on_edge |= nv != o;
						}
					boundary += o && on_edge;
					if (o == theirs || (o && other))
						continue;
					differ++;
					off_boundary += !on_edge;
				}
			stored_area = json_number_value(json_object_get(ann, "area"));
			ck_assert_msg(off_boundary == 0, "%s instance %d: %ld pixels differ off the "
			              "boundary", stem, id, off_boundary);
			ck_assert_msg(differ <= boundary, "%s instance %d: %ld pixels differ, the "
			              "boundary has %ld", stem, id, differ, boundary);
			ck_assert_msg((double)mc_rle_area(r) < stored_area &&
			              (double)mc_rle_area(r) > 0.9 * stored_area,
			              "%s instance %d: area %llu, stored %g", stem, id,
			              (unsigned long long)mc_rle_area(r), stored_area);
			mc_rle_bbox(r, bb);
			for (k = 0; k < 4; k++)
				ck_assert_msg(fabs(bb[k] - json_number_value(json_array_get(jb, k))) <= 2,
				              "%s instance %d: bbox[%zu] %g, stored %g", stem, id, k,
				              bb[k], json_number_value(json_array_get(jb, k)));
			for (p = 0; p < n_parts; p++)
				free(store[p]);
			mc_rle_free(r);
			compared++;
		}
		ck_assert_uint_eq(next, n_ids);
		mc_image_free(map);
		free(ours);
		json_decref(doc);
	}
	ck_assert_uint_eq(compared, 12);
	json_decref(root);
}
END_TEST

static Suite *rle_suite(void)
{
	Suite *s = suite_create("rle");
	TCase *hand = tcase_create("hand");
	TCase *data = tcase_create("data");

	tcase_add_test(hand, test_encode_decode_hand);
	tcase_add_test(hand, test_string_hand);
	tcase_add_test(hand, test_string_malformed);
	tcase_add_test(hand, test_area_bbox_merge_hand);
	tcase_add_test(hand, test_poly_and_bbox_hand);
	tcase_add_test(hand, test_poly_bad);
	tcase_add_test(hand, test_zero_length_runs);
	tcase_add_test(hand, test_poly_far_outside_is_cheap_and_interruptible);
	tcase_add_test(hand, test_poly_limits);
	suite_add_tcase(s, hand);
	tcase_set_timeout(data, 120);
	tcase_add_test(data, test_fakesegm_results_round_trip);
	tcase_add_test(data, test_stuff_round_trip_area_bbox);
	td_add_optional(data, test_labelme_polygons_match_instance_maps, "coco/labelme",
	                "labelme's example is GPL-3.0 and is not copied into tests/data");
	suite_add_tcase(s, data);
	return s;
}

int main(void)
{
	return mc_check_run(rle_suite());
}
