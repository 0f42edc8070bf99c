/* This module implements run-length encoded masks with the COCO mask API's
 * semantics: encode/decode, the compressed string form, area, bbox, merge,
 * IoU and polygon/box rasterisation (see include/maskclean/rle.h). */
#include "maskclean/rle.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Polygon coordinates beyond this are rejected: rasterisation walks the
 * outline at 5x resolution, so its cost grows with the coordinates. */
#define S_COORD_MAX 1e7
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
	 * box spans every row when a foreground run crosses a column. */
	size_t m = r->m / 2 * 2, j;
	uint32_t h = r->h, xs = r->w, ys = r->h, xe = 0, ye = 0, cc = 0, xp = 0;

	if (m == 0 || h == 0) {
		bbox[0] = bbox[1] = bbox[2] = bbox[3] = 0;
		return;
	}
	for (j = 0; j < m; j++) {
		uint32_t t, x, y;

		cc += r->counts[j];
		t = cc - (uint32_t)(j % 2);
		y = t % h;
		x = (t - y) / h;
		if (j % 2 == 0)
			xp = x;
		else if (xp < x) {
			ys = 0;
			ye = h - 1;
		}
		xs = x < xs ? x : xs;
		xe = x > xe ? x : xe;
		ys = y < ys ? y : ys;
		ye = y > ye ? y : ye;
	}
	bbox[0] = xs;
	bbox[1] = ys;
	bbox[2] = (double)xe - xs + 1;
	bbox[3] = (double)ye - ys + 1;
}

/* One step of a merge: combines a (ma runs) and b into out (capacity
 * ma + mb + 1), as rleMerge does for a pair. Returns the number of runs. */
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
		if (ca == 0 && ia < ma) {
			ca = a[ia++];
			va = !va;
		}
		cb -= c;
		if (cb == 0 && ib < mb) {
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

/* A growing array of uint32_t. */
typedef struct s_vec {
	uint32_t *v;
	size_t n, cap;
} s_vec;

static int s_vec_push(s_vec *a, uint32_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		uint32_t *g = realloc(a->v, cap * sizeof *g);

		if (g == NULL)
			return -1;
		a->v = g;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return 0;
}

static int s_cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/* ceil(n / 5) for any integer n. */
static int64_t s_ceil_div5(int64_t n)
{
	int64_t q = n / S_SCALE;

	return (n % S_SCALE > 0) ? q + 1 : q;
}

/* The state of the outline walk: the previous upsampled point and the
 * column boundary crossings found so far (as pixel indices x*h + y). */
typedef struct s_walk {
	int have_prev;
	int pu, pv;
	uint32_t h, w;
	s_vec cross;
} s_walk;

/* Visits the next upsampled outline point (u, v). Where the outline moves to
 * another upsampled column, and the boundary between them is the centre of a
 * pixel column x inside the image, the first pixel of that column below the
 * outline (clamped to 0..h) is a run boundary. This is COCO's rule, written
 * in integers: its xd = (u' + .5)/5 - .5 is a whole number exactly when
 * u' % 5 == 2, and its ceil((v' + .5)/5 - .5) equals ceil((v' - 2)/5). */
static int s_walk_point(s_walk *wk, int u, int v)
{
	int have = wk->have_prev, pu = wk->pu, pv = wk->pv;

	wk->have_prev = 1;
	wk->pu = u;
	wk->pv = v;
	if (have && u != pu) {
		int64_t uc = u < pu ? u : (int64_t)u - 1;
		int64_t vc = v < pv ? v : pv;
		int64_t x, y;

		if (uc < 0 || uc % S_SCALE != 2)
			return 0;
		x = (uc - 2) / S_SCALE;
		if (x > (int64_t)wk->w - 1)
			return 0;
		y = s_ceil_div5(vc - 2);
		if (y < 0)
			y = 0;
		else if (y > (int64_t)wk->h)
			y = wk->h;
		return s_vec_push(&wk->cross, (uint32_t)(x * wk->h + y));
	}
	return 0;
}

/* Walks the edge from (xs, ys) to (xe, ye) in upsampled coordinates one step
 * along its longer axis, rounding the other coordinate as COCO does: the
 * edge is parametrised from its lower end, whichever way it is walked. */
static int s_walk_edge(s_walk *wk, int xs, int ys, int xe, int ye)
{
	int dx = abs(xe - xs), dy = abs(ye - ys);
	int major_x = dx >= dy;
	int flip = major_x ? xs > xe : ys > ye;
	int n = major_x ? dx : dy, d;
	double s;

	if (flip) {
		int t = xs;

		xs = xe;
		xe = t;
		t = ys;
		ys = ye;
		ye = t;
	}
	if (n == 0)   /* a repeated vertex: one point, no crossing */
		return s_walk_point(wk, xs, ys);
	s = major_x ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
	for (d = 0; d <= n; d++) {
		int t = flip ? n - d : d;
		int rc;

		if (major_x)
			rc = s_walk_point(wk, xs + t, (int)(ys + s * t + .5));
		else
			rc = s_walk_point(wk, (int)(xs + s * t + .5), ys + t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int mc_rle_from_poly(mc_rle **out, const double *xy, size_t k, uint32_t h, uint32_t w,
                     mc_error *err)
{
	s_walk wk = { 0, 0, 0, h, w, { NULL, 0, 0 } };
	uint32_t *counts = NULL, prev = 0;
	size_t j, m;
	int rc;

	*out = NULL;
	if ((rc = s_check_size(h, w, err)) < 0)
		return rc;
	if (k == 0)
		return mc_error_set(err, MC_ERR_INVALID, "polygon has no points, expected at least 3");
	for (j = 0; j < 2 * k; j++)
		if (!isfinite(xy[j]) || fabs(xy[j]) > S_COORD_MAX)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "polygon point %zu has %s %g, expected a finite number "
			                    "within +-%g", j / 2, j % 2 ? "y" : "x", xy[j], S_COORD_MAX);
	for (j = 0; j < k; j++) {
		size_t e = (j + 1) % k;   /* the outline closes on the first point */
		int xs = (int)(S_SCALE * xy[2 * j] + .5), ys = (int)(S_SCALE * xy[2 * j + 1] + .5);
		int xe = (int)(S_SCALE * xy[2 * e] + .5), ye = (int)(S_SCALE * xy[2 * e + 1] + .5);

		if (s_walk_edge(&wk, xs, ys, xe, ye) < 0)
			goto nomem;
	}
	if (s_vec_push(&wk.cross, h * w) < 0)
		goto nomem;
	qsort(wk.cross.v, wk.cross.n, sizeof *wk.cross.v, s_cmp_u32);
	/* Differences of the sorted boundaries are the runs; an empty run inside
	 * is dropped together with the next, which joins the run before. */
	counts = malloc(wk.cross.n * sizeof *counts);
	if (counts == NULL)
		goto nomem;
	m = 0;
	for (j = 0; j < wk.cross.n; j++) {
		uint32_t run = wk.cross.v[j] - prev;

		prev = wk.cross.v[j];
		if (j == 0 || run > 0) {
			counts[m++] = run;
		} else if (j + 1 < wk.cross.n) {
			j++;
			counts[m - 1] += wk.cross.v[j] - prev;
			prev = wk.cross.v[j];
		}
	}
	free(wk.cross.v);
	return s_rle_wrap(out, h, w, counts, m, err);
nomem:
	free(wk.cross.v);
	return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

int mc_rle_from_bbox(mc_rle **out, const double bbox[4], uint32_t h, uint32_t w,
                     mc_error *err)
{
	double xs = bbox[0], xe = bbox[0] + bbox[2];
	double ys = bbox[1], ye = bbox[1] + bbox[3];
	double xy[8] = { xs, ys, xs, ye, xe, ye, xe, ys };

	return mc_rle_from_poly(out, xy, 4, h, w, err);
}

int mc_rle_from_polygons(mc_rle **out, const double *const *parts, const size_t *lens,
                         size_t n, uint32_t h, uint32_t w, mc_error *err)
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
		rc = boxes ? mc_rle_from_bbox(&rles[i], parts[i], h, w, err)
		           : mc_rle_from_poly(&rles[i], parts[i], lens[i] / 2, h, w, err);
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
		if (ca == 0 && ia < dt->m) {
			ca = dt->counts[ia++];
			va = !va;
		}
		cb -= c;
		if (cb == 0 && ib < gt->m) {
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
