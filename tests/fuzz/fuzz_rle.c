/* Fuzz harness: the RLE codec (runtime/rle.c) against brute force on the
 * decoded masks. The input gives a size h x w (1..32 each) and two masks, as
 * compressed strings, as raw counts (zero-length runs included) or as
 * bitmaps. Properties: a string that parses gives counts summing to h*w, and
 * re-encoding it parses to the same counts; decode and encode are inverse;
 * the canonical string is stable; area, bbox, merge (union, intersection),
 * IoU and the row-major decode agree with the bitmaps. */
#include "fuzz.h"

#include <string.h>

#include "maskclean/rle.h"

#define S_MAX 32

/* An RLE of h x w from the input, in one of three forms; NULL when the
 * input's string does not parse (a clean error). */
static mc_rle *s_make(fz_reader *r, uint32_t h, uint32_t w)
{
	uint32_t mode = fz_u8(r) % 3, total = h * w;
	mc_rle *out = NULL;
	mc_error err;

	mc_error_clear(&err);
	if (mode == 0) {
		char s[256];
		size_t n = fz_u8(r) % sizeof s, i;
		for (i = 0; i < n && r->p < r->end; i++)
			s[i] = (char)fz_u8(r);
		s[i] = '\0';
		if (mc_rle_from_string(&out, s, h, w, &err) != 0) {
			FZ_ASSERT(out == NULL && err.code == MC_ERR_PARSE);
			return NULL;
		}
		/* What parses encodes again to a string that parses the same. */
		{
			char *again = NULL;
			mc_rle *back = NULL;
			FZ_ASSERT(mc_rle_to_string(&again, out, &err) == 0);
			FZ_ASSERT(mc_rle_from_string(&back, again, h, w, &err) == 0);
			FZ_ASSERT(back->m == out->m);
			FZ_ASSERT(out->m == 0 || memcmp(back->counts, out->counts,
			                                out->m * sizeof *out->counts) == 0);
			mc_rle_free(back);
			free(again);
		}
	} else if (mode == 1) {
		uint32_t counts[2 * S_MAX * S_MAX + 2], sum = 0;
		size_t m = 0, n = fz_u8(r) % 64;
		for (size_t i = 0; i < n && sum < total; i++) {
			uint32_t c = fz_u8(r) % 40;   /* zero-length runs too */
			if (c > total - sum)
				c = total - sum;
			counts[m++] = c;
			sum += c;
		}
		counts[m++] = total - sum;
		FZ_ASSERT(mc_rle_new(&out, h, w, counts, m, &err) == 0);
	} else {
		uint8_t mask[S_MAX * S_MAX];
		for (uint32_t i = 0; i < total; i++)
			mask[i] = (fz_u8(r) & 1) != 0;
		FZ_ASSERT(mc_rle_encode(&out, mask, h, w, &err) == 0);
	}
	return out;
}

/* Decoded column-major mask, with the properties of one RLE. */
static void s_props(const mc_rle *r, uint8_t *mask)
{
	uint32_t h = r->h, w = r->w;
	uint64_t sum = 0, area = 0;
	uint8_t row[S_MAX * S_MAX];
	double bb[4];
	uint32_t x0 = w, y0 = h, x1 = 0, y1 = 0;
	mc_rle *enc = NULL, *canon = NULL;
	char *s = NULL, *s2 = NULL;
	mc_error err;

	for (size_t i = 0; i < r->m; i++)
		sum += r->counts[i];
	FZ_ASSERT(sum == (uint64_t)h * w);
	mc_rle_decode(r, mask);
	mc_rle_decode_rowmajor(r, row);
	for (uint32_t x = 0; x < w; x++)
		for (uint32_t y = 0; y < h; y++) {
			uint8_t v = mask[x * h + y];
			FZ_ASSERT(v == 0 || v == 1);
			FZ_ASSERT(row[y * w + x] == v);
			if (v) {
				area++;
				x0 = x < x0 ? x : x0;
				y0 = y < y0 ? y : y0;
				x1 = x > x1 ? x : x1;
				y1 = y > y1 ? y : y1;
			}
		}
	FZ_ASSERT(mc_rle_area(r) == area);
	mc_rle_bbox(r, bb);
	if (area == 0) {
		FZ_ASSERT(bb[0] == 0 && bb[1] == 0 && bb[2] == 0 && bb[3] == 0);
	} else {
		/* COCO's toBbox spans every row when a run crosses a column. */
		FZ_ASSERT(bb[0] == x0 && bb[2] == (double)x1 - x0 + 1);
		FZ_ASSERT(bb[1] <= y0 && bb[1] + bb[3] >= (double)y1 + 1);
	}
	mc_error_clear(&err);
	FZ_ASSERT(mc_rle_encode(&enc, mask, h, w, &err) == 0);
	FZ_ASSERT(mc_rle_area(enc) == area);
	{
		/* The box of r is the box of its canonical form (zero-length runs
		 * add nothing). */
		double cb[4];
		mc_rle_bbox(enc, cb);
		FZ_ASSERT(memcmp(cb, bb, sizeof bb) == 0);
	}
	FZ_ASSERT(mc_rle_to_string(&s, enc, &err) == 0);
	FZ_ASSERT(mc_rle_from_string(&canon, s, h, w, &err) == 0);
	FZ_ASSERT(canon->m == enc->m);
	FZ_ASSERT(enc->m == 0 || memcmp(canon->counts, enc->counts, enc->m * 4) == 0);
	FZ_ASSERT(mc_rle_to_string(&s2, canon, &err) == 0);
	FZ_ASSERT(strcmp(s, s2) == 0);
	mc_rle_free(enc);
	mc_rle_free(canon);
	free(s);
	free(s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reader r = { data, data + size };
	uint32_t h = 1 + fz_u8(&r) % S_MAX, w = 1 + fz_u8(&r) % S_MAX;
	uint8_t ma[S_MAX * S_MAX], mb[S_MAX * S_MAX];
	mc_rle *a = s_make(&r, h, w), *b = NULL, *u = NULL, *in = NULL;
	uint64_t n_and = 0, n_or = 0;
	double iou;
	mc_error err;

	if (a == NULL)
		return 0;
	s_props(a, ma);
	b = s_make(&r, h, w);
	if (b == NULL) {
		mc_rle_free(a);
		return 0;
	}
	s_props(b, mb);
	mc_error_clear(&err);
	{
		const mc_rle *parts[3] = { a, b, a };
		FZ_ASSERT(mc_rle_merge(&u, parts, 3, 0, &err) == 0);
		FZ_ASSERT(mc_rle_merge(&in, parts, 2, 1, &err) == 0);
	}
	{
		uint8_t mu[S_MAX * S_MAX], mi[S_MAX * S_MAX];
		s_props(u, mu);
		s_props(in, mi);
		for (uint32_t i = 0; i < h * w; i++) {
			FZ_ASSERT(mu[i] == (ma[i] | mb[i]));
			FZ_ASSERT(mi[i] == (ma[i] & mb[i]));
			n_and += ma[i] & mb[i];
			n_or += ma[i] | mb[i];
		}
	}
	FZ_ASSERT(mc_rle_iou(&iou, a, b, 0, &err) == 0);
	FZ_ASSERT(iou == (n_and == 0 ? 0 : (double)n_and / (double)n_or));
	FZ_ASSERT(mc_rle_iou(&iou, a, b, 1, &err) == 0);
	FZ_ASSERT(iou == (n_and == 0 ? 0 : (double)n_and / (double)mc_rle_area(a)));
	mc_rle_free(a);
	mc_rle_free(b);
	mc_rle_free(u);
	mc_rle_free(in);
	return 0;
}
