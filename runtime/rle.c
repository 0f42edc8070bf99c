/* This module implements run-length encoded masks with the COCO mask API's
 * semantics: encode/decode, the compressed string form, area, bbox, merge,
 * IoU and polygon/box rasterisation (see include/maskclean/rle.h). */
#include "maskclean/rle.h"
#include "maskclean/limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* COCO's upsampling factor for polygons. */
#define S_SCALE 5

static int s_check_size(uint32_t h, uint32_t w, mc_error *err)
{
	if ((uint64_t)h * w > UINT32_MAX)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "image size %ux%u exceeds 2^32 pixels", (unsigned)w, (unsigned)h);
	return 0;
}

/* Takes ownership of counts (freed on failure). */
static int s_rle_wrap(mc_rle **out, uint32_t h, uint32_t w, uint32_t *counts, size_t m,
                      mc_error *err)
{
	mc_rle *r = malloc(sizeof *r);

	if (r == NULL) {
		free(counts);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	r->h = h;
	r->w = w;
	r->m = m;
	r->counts = counts;
	*out = r;
	return 0;
}

void mc_rle_free(mc_rle *r)
{
	if (r == NULL)
		return;
	free(r->counts);
	free(r);
}

int mc_rle_new(mc_rle **out, uint32_t h, uint32_t w, const uint32_t *counts, size_t m,
               mc_error *err)
{
	uint64_t sum = 0;
	uint32_t *c = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = s_check_size(h, w, err)) < 0)
		return rc;
	for (i = 0; i < m; i++)
		sum += counts[i];
	if (sum != (uint64_t)h * w)
		return mc_error_set(err, MC_ERR_PARSE, "RLE counts sum to %llu, image is %ux%u",
		                    (unsigned long long)sum, (unsigned)w, (unsigned)h);
	if (m > 0) {
		c = malloc(m * sizeof *c);
		if (c == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		memcpy(c, counts, m * sizeof *c);
	}
	return s_rle_wrap(out, h, w, c, m, err);
}

int mc_rle_copy(mc_rle **out, const mc_rle *r, mc_error *err)
{
	uint32_t *c = NULL;

	*out = NULL;
	if (r->m > 0) {
		c = malloc(r->m * sizeof *c);
		if (c == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		memcpy(c, r->counts, r->m * sizeof *c);
	}
	return s_rle_wrap(out, r->h, r->w, c, r->m, err);
}

/* Encodes a mask read through index(i) = the i-th pixel in column-major
 * order; stride_y/stride_x give the memory offsets of one step in y and x. */
static int s_encode(mc_rle **out, const uint8_t *mask, uint32_t h, uint32_t w,
                    size_t stride_y, size_t stride_x, mc_error *err)
{
	uint32_t *counts, *shrunk, run = 0;
	size_t m = 0, cap = 16;
	uint8_t prev = 0;
	uint32_t x, y;
	int rc;

	*out = NULL;
	if ((rc = s_check_size(h, w, err)) < 0)
		return rc;
	counts = malloc(cap * sizeof *counts);
	if (counts == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	for (x = 0; x < w; x++) {
		for (y = 0; y < h; y++) {
			uint8_t v = mask[y * stride_y + x * stride_x] != 0;

			if (v != prev) {
				if (m == cap) {
					uint32_t *grown = realloc(counts, 2 * cap * sizeof *counts);

					if (grown == NULL) {
						free(counts);
						return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
					}
					counts = grown;
					cap *= 2;
				}
				counts[m++] = run;
				run = 0;
				prev = v;
			}
			run++;
		}
	}
	if (m == cap) {
		uint32_t *grown = realloc(counts, (cap + 1) * sizeof *counts);

		if (grown == NULL) {
			free(counts);
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		}
		counts = grown;
	}
	counts[m++] = run;
	shrunk = realloc(counts, m * sizeof *counts);
	return s_rle_wrap(out, h, w, shrunk != NULL ? shrunk : counts, m, err);
}

int mc_rle_encode(mc_rle **out, const uint8_t *mask, uint32_t h, uint32_t w, mc_error *err)
{
	return s_encode(out, mask, h, w, 1, h, err);
}

int mc_rle_encode_rowmajor(mc_rle **out, const uint8_t *mask, uint32_t h, uint32_t w,
                           mc_error *err)
{
	return s_encode(out, mask, h, w, w, 1, err);
}

void mc_rle_decode(const mc_rle *r, uint8_t *mask)
{
	uint8_t v = 0;
	size_t i;

	for (i = 0; i < r->m; i++) {
		memset(mask, v, r->counts[i]);
		mask += r->counts[i];
		v = !v;
	}
}

void mc_rle_decode_rowmajor(const mc_rle *r, uint8_t *mask)
{
	uint32_t x = 0, y = 0;
	uint8_t v = 0;
	size_t i;

	for (i = 0; i < r->m; i++) {
		uint32_t left = r->counts[i];

		while (left > 0) {
			uint32_t n = r->h - y < left ? r->h - y : left;
			uint32_t k;

			for (k = 0; k < n; k++)
				mask[(size_t)(y + k) * r->w + x] = v;
			left -= n;
			y += n;
			if (y == r->h) {
				y = 0;
				x++;
			}
		}
		v = !v;
	}
}

int mc_rle_to_string(char **out, const mc_rle *r, mc_error *err)
{
	/* A count or a delta needs at most 7 chunks of 5 bits (33 signed bits). */
	char *s = malloc(r->m * 7 + 1);
	size_t i, p = 0;

	*out = NULL;
	if (s == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	for (i = 0; i < r->m; i++) {
		int64_t x = r->counts[i];
		int more = 1;

		if (i > 2)
			x -= r->counts[i - 2];
		while (more) {
			int c = (int)(x & 0x1f);

			x >>= 5;   /* arithmetic shift: gcc and clang define it */
			more = (c & 0x10) ? x != -1 : x != 0;
			if (more)
				c |= 0x20;
			s[p++] = (char)(c + 48);
		}
	}
	s[p] = '\0';
	*out = s;
	return 0;
}

int mc_rle_from_string(mc_rle **out, const char *s, uint32_t h, uint32_t w, mc_error *err)
{
	size_t len = strlen(s), p = 0, m = 0;
	uint64_t sum = 0, total = (uint64_t)h * w;
	uint32_t *counts;
	int rc;

	*out = NULL;
	if ((rc = s_check_size(h, w, err)) < 0)
		return rc;
	counts = malloc((len > 0 ? len : 1) * sizeof *counts);
	if (counts == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	while (p < len) {
		uint64_t bits = 0;
		int64_t x;
		int k = 0, c = 0;
		size_t start = p;

		do {
			if (p == len) {
				free(counts);
				return mc_error_set(err, MC_ERR_PARSE,
				                    "compressed RLE ends inside count %zu (offset %zu), "
				                    "expected a last chunk without the continuation bit",
				                    m, start);
			}
			if (s[p] < '0' || s[p] > 'o') {
				free(counts);
				return mc_error_set(err, MC_ERR_PARSE,
				                    "compressed RLE has invalid character 0x%02x at offset "
				                    "%zu, expected '0'..'o'", (unsigned char)s[p], p);
			}
			if (k == 7) {
				free(counts);
				return mc_error_set(err, MC_ERR_PARSE,
				                    "compressed RLE count %zu (offset %zu) overflows: more "
				                    "than 7 chunks, expected a 32-bit count", m, start);
			}
			c = s[p] - 48;
			bits |= (uint64_t)(c & 0x1f) << (5 * k);
			p++;
			k++;
		} while (c & 0x20);
		if (c & 0x10)
			bits |= ~(uint64_t)0 << (5 * k);   /* sign-extend the last chunk */
		x = (int64_t)bits;
		if (m > 2)
			x += counts[m - 2];
		if (x < 0 || x > (int64_t)UINT32_MAX) {
			free(counts);
			return mc_error_set(err, MC_ERR_PARSE,
			                    "compressed RLE count %zu (offset %zu) is %lld, "
			                    "expected 0..4294967295", m, start, (long long)x);
		}
		counts[m++] = (uint32_t)x;
		sum += (uint64_t)x;
	}
	if (sum != total) {
		free(counts);
		return mc_error_set(err, MC_ERR_PARSE, "RLE counts sum to %llu, image is %ux%u",
		                    (unsigned long long)sum, (unsigned)w, (unsigned)h);
	}
	if (m == 0) {
		free(counts);
		counts = NULL;
	} else {
		uint32_t *shrunk = realloc(counts, m * sizeof *counts);

		if (shrunk != NULL)
			counts = shrunk;
	}
	return s_rle_wrap(out, h, w, counts, m, err);
}

uint64_t mc_rle_area(const mc_rle *r)
{
	uint64_t a = 0;
	size_t i;

	for (i = 1; i < r->m; i += 2)
		a += r->counts[i];
	return a;
}

void mc_rle_bbox(const mc_rle *r, double bbox[4])
{
	/* As rleToBbox: an odd trailing run is background and is ignored; the
	 * box spans every row when a foreground run crosses a column. A
	 * foreground run of length 0 (possible in an uncompressed RLE) holds no
	 * pixel and is skipped, where rleToBbox would take the pixel before it. */
	size_t m = r->m / 2 * 2, j;
	uint32_t h = r->h, xs = r->w, ys = r->h, xe = 0, ye = 0, cc = 0;
	int any = 0;

	for (j = 0; j < m && h > 0; j += 2) {
		uint32_t first, last, x0, y0, x1, y1;

		cc += r->counts[j];
		if (r->counts[j + 1] == 0)
			continue;
		first = cc;
		cc += r->counts[j + 1];
		last = cc - 1;
		y0 = first % h;
		x0 = first / h;
		y1 = last % h;
		x1 = last / h;
		if (x0 < x1) {
			ys = 0;
			ye = h - 1;
		}
		xs = x0 < xs ? x0 : xs;
		xe = x1 > xe ? x1 : xe;
		ys = y0 < ys ? y0 : ys;
		ye = y1 > ye ? y1 : ye;
		ys = y1 < ys ? y1 : ys;
		ye = y0 > ye ? y0 : ye;
		any = 1;
	}
	if (!any) {
		bbox[0] = bbox[1] = bbox[2] = bbox[3] = 0;
		return;
	}
	bbox[0] = xs;
	bbox[1] = ys;
	bbox[2] = (double)xe - xs + 1;
	bbox[3] = (double)ye - ys + 1;
}

/* One step of a merge: combines a (ma runs) and b into out (capacity
 * ma + mb + 1), as rleMerge does for a pair. Runs of length 0 (an
 * uncompressed RLE may hold them) are stepped over, where rleMerge would
 * stop early. Returns the number of runs. */
static size_t s_merge2(uint32_t *out, const uint32_t *a, size_t ma, const uint32_t *b,
                       size_t mb, int intersect)
{
	uint32_t ca = ma > 0 ? a[0] : 0, cb = mb > 0 ? b[0] : 0, acc = 0;
	size_t ia = 1, ib = 1, m = 0;
	int va = 0, vb = 0, v = 0, more = 1;

	while (more) {
		uint32_t c = ca < cb ? ca : cb;
		int was = v;

		acc += c;
		ca -= c;
		while (ca == 0 && ia < ma) {
			ca = a[ia++];
			va = !va;
		}
		cb -= c;
		while (cb == 0 && ib < mb) {
			cb = b[ib++];
			vb = !vb;
		}
		more = ca > 0 || cb > 0;
		v = intersect ? (va && vb) : (va || vb);
		if (v != was || !more) {
			out[m++] = acc;
			acc = 0;
		}
	}
	return m;
}

int mc_rle_merge(mc_rle **out, const mc_rle *const *parts, size_t n, int intersect,
                 mc_error *err)
{
	uint32_t *cur = NULL, *next = NULL, *shrunk;
	size_t m, i, cap;
	uint32_t h, w;

	*out = NULL;
	if (n == 0)
		return mc_error_set(err, MC_ERR_INVALID, "merge of no masks, expected at least one");
	h = parts[0]->h;
	w = parts[0]->w;
	for (i = 1; i < n; i++)
		if (parts[i]->h != h || parts[i]->w != w)
			return mc_error_set(err, MC_ERR_SHAPE,
			                    "merge: mask %zu is %ux%u, mask 0 is %ux%u", i,
			                    (unsigned)parts[i]->w, (unsigned)parts[i]->h,
			                    (unsigned)w, (unsigned)h);
	if (n == 1)
		return mc_rle_copy(out, parts[0], err);
	/* A merge never has more runs than its inputs together (plus one). */
	cap = parts[0]->m + 1;
	for (i = 1; i < n; i++)
		cap += parts[i]->m;
	cur = malloc(cap * sizeof *cur);
	next = malloc(cap * sizeof *next);
	if (cur == NULL || next == NULL) {
		free(cur);
		free(next);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	m = parts[0]->m;
	if (m > 0)
		memcpy(cur, parts[0]->counts, m * sizeof *cur);
	for (i = 1; i < n; i++) {
		uint32_t *t;

		m = s_merge2(next, cur, m, parts[i]->counts, parts[i]->m, intersect);
		t = cur;
		cur = next;
		next = t;
	}
	free(next);
	shrunk = realloc(cur, (m > 0 ? m : 1) * sizeof *cur);
	return s_rle_wrap(out, h, w, shrunk != NULL ? shrunk : cur, m, err);
}

/* ---------------------------------------------------------------- polygons */

/* The rasteriser follows COCO's frPoly (cocoapi's maskApi.c): the outline
 * is walked at 5x resolution, one upsampled point per step along each edge's
 * longer axis, and wherever the walk moves to another upsampled column whose
 * boundary is the centre of a pixel column x inside the image, the first
 * pixel of that column below the outline (clamped to 0..h) is a run boundary
 * (a "crossing"). Sorted crossings, with the image's end, give the runs; two
 * crossings at the same place cancel.
 *
 * Instead of visiting every upsampled point (5e7 per edge for coordinates
 * around 1e7), each edge's crossings are computed directly: only the pixel
 * columns the edge spans inside the image are visited, so the work is the
 * number of crossings, not the outline's length. The numbers are the same as
 * the walk's: the same expressions, in the same floating-point arithmetic,
 * give each point (tests/fuzz/fuzz_poly.c checks this against cocoapi's code).
 *
 * Crossings are kept in a list while it is smaller than a bitmap of the
 * image (one bit per boundary position, flipped by each crossing); beyond
 * that the bitmap holds them, so memory stays below h*w/8 bytes however
 * often the outline crosses the image. */

#define S_POLL 65536   /* crossings between two progress calls */

typedef struct s_cross {
	uint32_t h, w;
	uint64_t npos;       /* boundary positions 0 .. h*w */
	uint32_t *v;         /* the list, while there is no bitmap */
	size_t n, cap;
	uint64_t *bits;      /* the bitmap (npos bits), once the list outgrew it */
	size_t work;         /* crossings added, for progress */
	const mc_progress *progress;
	/* the previous point of the walk */
	int have_prev;
	int64_t pu, pv;
} s_cross;

/* Adds the crossing at position pos. Returns 0, MC_ERR_NOMEM or
 * MC_ERR_INTERRUPTED. */
static int s_cross_add(s_cross *c, uint64_t pos)
{
	if (++c->work % S_POLL == 0 && mc_progress_report(c->progress, 0, 0, "rasterising a polygon"))
		return MC_ERR_INTERRUPTED;
	if (c->bits != NULL) {
		c->bits[pos >> 6] ^= (uint64_t)1 << (pos & 63);
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		uint32_t *g;

		/* The list would outgrow the bitmap: move to the bitmap. */
		if ((uint64_t)cap * 32 > c->npos + 64 * 64) {
			c->bits = calloc((size_t)((c->npos + 63) / 64), sizeof *c->bits);
			if (c->bits == NULL)
				return MC_ERR_NOMEM;
			for (size_t i = 0; i < c->n; i++)
				c->bits[c->v[i] >> 6] ^= (uint64_t)1 << (c->v[i] & 63);
			free(c->v);
			c->v = NULL;
			c->n = c->cap = 0;
			c->bits[pos >> 6] ^= (uint64_t)1 << (pos & 63);
			return 0;
		}
		g = realloc(c->v, cap * sizeof *g);
		if (g == NULL)
			return MC_ERR_NOMEM;
		c->v = g;
		c->cap = cap;
	}
	c->v[c->n++] = (uint32_t)pos;
	return 0;
}

/* ceil(n / 5) for any integer n. */
static int64_t s_ceil_div5(int64_t n)
{
	int64_t q = n / S_SCALE;

	return (n % S_SCALE > 0) ? q + 1 : q;
}

/* The crossing of a step of the walk to another upsampled column: uc is
 * the upsampled column left of the boundary crossed, vc the upper of the
 * step's two rows. COCO's xd = (uc + .5)/5 - .5 is a whole pixel column
 * exactly when uc % 5 == 2, and its ceil((vc + .5)/5 - .5) is
 * ceil((vc - 2)/5). */
static int s_crossing(s_cross *c, int64_t uc, int64_t vc)
{
	int64_t x, y;

	if (uc < 0 || uc % S_SCALE != 2)
		return 0;
	x = (uc - 2) / S_SCALE;
	if (x > (int64_t)c->w - 1)
		return 0;
	y = s_ceil_div5(vc - 2);
	if (y < 0)
		y = 0;
	else if (y > (int64_t)c->h)
		y = c->h;
	return s_cross_add(c, (uint64_t)x * c->h + (uint64_t)y);
}

/* The walk's next point (u, v): a crossing when it changes column. */
static int s_point(s_cross *c, int64_t u, int64_t v)
{
	int have = c->have_prev;
	int64_t pu = c->pu, pv = c->pv;

	c->have_prev = 1;
	c->pu = u;
	c->pv = v;
	if (!have || u == pu)
		return 0;
	return s_crossing(c, u < pu ? u : u - 1, v < pv ? v : pv);
}

/* The first upsampled column u >= lo with u % 5 == 2. */
static int64_t s_next_centre(int64_t lo)
{
	int64_t r = ((lo - 2) % S_SCALE + S_SCALE) % S_SCALE;

	return r == 0 ? lo : lo + (S_SCALE - r);
}

/* The edge from (xs, ys) to (xe, ye), upsampled, as COCO walks it: one step
 * along the longer axis, the other coordinate rounded as (int)(a + s*t + .5)
 * from the edge's lower end, whichever way the edge runs. */
static int s_edge(s_cross *c, int64_t xs, int64_t ys, int64_t xe, int64_t ye)
{
	int64_t dx = xe > xs ? xe - xs : xs - xe, dy = ye > ys ? ye - ys : ys - ye;
	int major_x = dx >= dy, flip = major_x ? xs > xe : ys > ye, rc;
	int64_t n = major_x ? dx : dy, lo, hi;
	double s;

	if (flip) {
		int64_t t = xs;
		xs = xe;
		xe = t;
		t = ys;
		ys = ye;
		ye = t;
	}
	if (n == 0)   /* a repeated vertex: one point */
		return s_point(c, xs, ys);
	s = major_x ? (double)(ye - ys) / (double)dx : (double)(xe - xs) / (double)dy;
#define S_V(T) ((int64_t)(int)(ys + s * (double)(T) + .5))
#define S_U(T) ((int64_t)(int)(xs + s * (double)(T) + .5))
	/* The first point (t = n when flipped) against the previous edge's last. */
	if (major_x)
		rc = s_point(c, xs + (flip ? n : 0), S_V(flip ? n : 0));
	else
		rc = s_point(c, S_U(flip ? n : 0), ys + (flip ? n : 0));
	if (rc)
		return rc;
	if (major_x) {
		/* u runs through xs .. xs+n, one column a step: the step between t and
		 * t+1 crosses column uc = xs + t, at the upper of its two rows. Only
		 * the whole pixel columns inside the image matter. */
		lo = s_next_centre(xs > 2 ? xs : 2);
		hi = xs + n - 1;
		if (hi > (int64_t)S_SCALE * (c->w - 1) + 2)
			hi = (int64_t)S_SCALE * (c->w - 1) + 2;
		for (int64_t uc = lo; uc <= hi; uc += S_SCALE) {
			int64_t t = uc - xs, v0 = S_V(t), v1 = S_V(t + 1);
			if ((rc = s_crossing(c, uc, v0 < v1 ? v0 : v1)) != 0)
				return rc;
		}
	} else {
		/* v runs through ys .. ys+n and u = S_U(t) moves monotonically by at
		 * most one column a step: for each column boundary uc | uc+1 between
		 * u(0) and u(n), binary search the step t | t+1 that crosses it; the
		 * upper row is ys + t. */
		int64_t u0 = S_U(0), un = S_U(n), umin = u0 < un ? u0 : un, umax = u0 < un ? un : u0;
		int up = un > u0;

		lo = s_next_centre(umin > 2 ? umin : 2);
		hi = umax - 1;
		if (hi > (int64_t)S_SCALE * (c->w - 1) + 2)
			hi = (int64_t)S_SCALE * (c->w - 1) + 2;
		for (int64_t uc = lo; uc <= hi; uc += S_SCALE) {
			/* the last t on uc's side: u(t) <= uc (rising) or >= uc + 1 */
			int64_t a = 0, b = n;   /* u(a) is on that side, u(b) is not */
			while (b - a > 1) {
				int64_t m = a + (b - a) / 2;
				if (up ? S_U(m) <= uc : S_U(m) >= uc + 1)
					a = m;
				else
					b = m;
			}
			/* The walk takes the column next to the point it steps to; when
			 * rounding makes a step of two columns (coordinates near the
			 * limit), the farther boundary is not crossed. */
			if (S_U(b) != (up ? uc + 1 : uc))
				continue;
			if ((rc = s_crossing(c, uc, ys + a)) != 0)
				return rc;
		}
	}
	/* The last point (t = 0 when flipped) becomes the previous one. */
	c->have_prev = 1;
	if (major_x) {
		c->pu = xs + (flip ? 0 : n);
		c->pv = S_V(flip ? 0 : n);
	} else {
		c->pu = S_U(flip ? 0 : n);
		c->pv = ys + (flip ? 0 : n);
	}
#undef S_U
#undef S_V
	return 0;
}

static int s_cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/* The runs of the crossings: boundaries are the positions crossed an odd
 * number of times, and the image's end. Caller owns *counts. */
static int s_runs(s_cross *c, uint32_t **counts, size_t *m)
{
	uint64_t total = c->npos - 1, prev = 0;
	uint32_t *out;
	size_t k = 0;

	if (c->bits == NULL) {
		/* Sorted: an empty run inside is dropped together with the next, which
		 * joins the run before (the pairs that cancel), as COCO does. */
		size_t j;
		out = malloc((c->n + 1) * sizeof *out);
		if (out == NULL)
			return MC_ERR_NOMEM;
		if (c->n > 1)
			qsort(c->v, c->n, sizeof *c->v, s_cmp_u32);
		for (j = 0; j <= c->n; j++) {
			uint64_t at = j < c->n ? c->v[j] : total;
			uint32_t run = (uint32_t)(at - prev);
			prev = at;
			if (k == 0 || run > 0) {
				out[k++] = run;
			} else if (j + 1 <= c->n) {
				j++;
				at = j < c->n ? c->v[j] : total;
				out[k - 1] += (uint32_t)(at - prev);
				prev = at;
			}
		}
	} else {
		size_t n = 0;
		for (uint64_t wd = 0; wd < (c->npos + 63) / 64; wd++)
			n += (size_t)__builtin_popcountll(c->bits[wd]);
		out = malloc((n + 2) * sizeof *out);
		if (out == NULL)
			return MC_ERR_NOMEM;
		for (uint64_t wd = 0; wd < (total + 63) / 64; wd++) {
			uint64_t b = c->bits[wd];
			while (b != 0) {
				uint64_t at = wd * 64 + (uint64_t)__builtin_ctzll(b);
				b &= b - 1;
				if (at >= total)
					break;
				out[k++] = (uint32_t)(at - prev);
				prev = at;
			}
		}
		out[k++] = (uint32_t)(total - prev);
	}
	*counts = out;
	*m = k;
	return 0;
}

int mc_rle_from_poly(mc_rle **out, const double *xy, size_t k, uint32_t h, uint32_t w,
                     const mc_progress *progress, mc_error *err)
{
	s_cross c;
	uint32_t *counts = NULL;
	uint64_t coord_max = mc_limit(MC_LIMIT_COORDINATE);
	size_t j, m = 0;
	char what[96];
	int rc;

	*out = NULL;
	if ((rc = s_check_size(h, w, err)) < 0)
		return rc;
	if (k == 0)
		return mc_error_set(err, MC_ERR_INVALID, "polygon has no points, expected at least 3");
	snprintf(what, sizeof what, "polygon has %zu points", k);
	if ((rc = mc_limit_check(MC_LIMIT_POLYGON_POINTS, k, what, err)) < 0)
		return rc;
	snprintf(what, sizeof what, "mask is %ux%u = %llu pixels", (unsigned)w, (unsigned)h,
	         (unsigned long long)h * w);
	if ((rc = mc_limit_check(MC_LIMIT_IMAGE_PIXELS, (uint64_t)h * w, what, err)) < 0)
		return rc;
	for (j = 0; j < 2 * k; j++)
		if (!isfinite(xy[j]) || fabs(xy[j]) > (double)coord_max) {
			if (!isfinite(xy[j]))
				return mc_error_set(err, MC_ERR_INVALID, "polygon point %zu has %s %g, "
				                    "expected a finite number", j / 2, j % 2 ? "y" : "x",
				                    xy[j]);
			snprintf(what, sizeof what, "polygon point %zu has %s %g", j / 2,
			         j % 2 ? "y" : "x", xy[j]);
			return mc_limit_check(MC_LIMIT_COORDINATE, UINT64_MAX, what, err);
		}
	memset(&c, 0, sizeof c);
	c.h = h;
	c.w = w;
	c.npos = (uint64_t)h * w + 1;
	c.progress = progress;
	for (j = 0; j < k && rc == 0; j++) {
		size_t e = (j + 1) % k;   /* the outline closes on the first point */
		int64_t xs = (int)(S_SCALE * xy[2 * j] + .5), ys = (int)(S_SCALE * xy[2 * j + 1] + .5);
		int64_t xe = (int)(S_SCALE * xy[2 * e] + .5), ye = (int)(S_SCALE * xy[2 * e + 1] + .5);

		rc = s_edge(&c, xs, ys, xe, ye);
	}
	if (rc == 0)
		rc = s_runs(&c, &counts, &m);
	free(c.v);
	free(c.bits);
	if (rc == MC_ERR_INTERRUPTED)
		return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
	if (rc != 0)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	return s_rle_wrap(out, h, w, counts, m, err);
}

int mc_rle_from_bbox(mc_rle **out, const double bbox[4], uint32_t h, uint32_t w,
                     const mc_progress *progress, mc_error *err)
{
	double xs = bbox[0], xe = bbox[0] + bbox[2];
	double ys = bbox[1], ye = bbox[1] + bbox[3];
	double xy[8] = { xs, ys, xs, ye, xe, ye, xe, ys };

	return mc_rle_from_poly(out, xy, 4, h, w, progress, err);
}

int mc_rle_from_polygons(mc_rle **out, const double *const *parts, const size_t *lens,
                         size_t n, uint32_t h, uint32_t w, const mc_progress *progress,
                         mc_error *err)
{
	mc_rle **rles = NULL;
	int boxes, rc = 0;
	size_t i, made = 0;

	*out = NULL;
	if (n == 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "segmentation has no polygons, expected at least one");
	boxes = lens[0] == 4;
	for (i = 0; i < n; i++) {
		if (boxes) {
			if (lens[i] != 4)
				return mc_error_set(err, MC_ERR_INVALID,
				                    "polygon %zu has %zu numbers, expected 4 (a box, "
				                    "as polygon 0)", i, lens[i]);
			continue;
		}
		if (lens[i] < 6 || lens[i] % 2 != 0)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "polygon %zu has %zu numbers, expected an even number "
			                    "of at least 6 (3 x, y points)", i, lens[i]);
	}
	rles = calloc(n, sizeof *rles);
	if (rles == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	for (i = 0; i < n && rc == 0; i++, made++) {
		rc = boxes ? mc_rle_from_bbox(&rles[i], parts[i], h, w, progress, err)
		           : mc_rle_from_poly(&rles[i], parts[i], lens[i] / 2, h, w, progress, err);
		if (rc < 0)
			mc_error_prefix(err, "polygon %zu", i);
	}
	if (rc == 0)
		rc = mc_rle_merge(out, (const mc_rle *const *)rles, n, 0, err);
	for (i = 0; i < made; i++)
		mc_rle_free(rles[i]);
	free(rles);
	return rc;
}

int mc_rle_iou(double *iou, const mc_rle *dt, const mc_rle *gt, int iscrowd, mc_error *err)
{
	uint32_t ca, cb;
	uint64_t inter = 0, uni = 0;
	size_t ia = 1, ib = 1;
	int va = 0, vb = 0;

	*iou = 0;
	if (dt->h != gt->h || dt->w != gt->w)
		return mc_error_set(err, MC_ERR_SHAPE, "IoU of a %ux%u mask and a %ux%u mask",
		                    (unsigned)dt->w, (unsigned)dt->h, (unsigned)gt->w,
		                    (unsigned)gt->h);
	ca = dt->m > 0 ? dt->counts[0] : 0;
	cb = gt->m > 0 ? gt->counts[0] : 0;
	for (;;) {
		uint32_t c = ca < cb ? ca : cb;

		if (va || vb) {
			uni += c;
			if (va && vb)
				inter += c;
		}
		ca -= c;
		while (ca == 0 && ia < dt->m) {
			ca = dt->counts[ia++];
			va = !va;
		}
		cb -= c;
		while (cb == 0 && ib < gt->m) {
			cb = gt->counts[ib++];
			vb = !vb;
		}
		if (ca == 0 && cb == 0)
			break;
	}
	if (inter == 0)
		return 0;
	if (iscrowd)
		uni = mc_rle_area(dt);
	*iou = (double)inter / (double)uni;
	return 0;
}
