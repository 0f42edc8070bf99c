/* Fuzz harness: polygon rasterisation (mc_rle_from_poly, runtime/rle.c)
 * against cocoapi's algorithm. s_ref below is rleFrPoly of cocoapi's
 * maskApi.c (Piotr Dollar and Tsung-Yi Lin, BSD-2-Clause) translated
 * line for line: it walks every upsampled point of the outline, which is
 * why it serves as the reference for the clipped, output-sensitive walk.
 * Properties: the same runs as the reference, for polygons anywhere in and
 * around the image; a union of parts is the union of their masks; a
 * coordinate beyond the limit is refused with a message. */
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "maskclean/limits.h"
#include "maskclean/rle.h"

#define S_COORD 1024   /* the harness's coordinate limit: the reference walks them all */

static int s_cmp_uint(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* cocoapi's rleFrPoly. One change: an edge between two equal upsampled
 * vertices (dx = dy = 0) gives its single point at (xs, ys), where cocoapi
 * computes 0/0 and converts NaN to int (undefined behaviour). */
static size_t s_ref(const double *xy, size_t k, uint32_t h, uint32_t w, uint32_t **out)
{
	size_t j, m = 0, kk;
	double scale = 5;
	int *x = malloc(sizeof(int) * (k + 1)), *y = malloc(sizeof(int) * (k + 1)), *u, *v;
	uint32_t *a, *b, p = 0;

	for (j = 0; j < k; j++)
		x[j] = (int)(scale * xy[j * 2 + 0] + .5);
	x[k] = x[0];
	for (j = 0; j < k; j++)
		y[j] = (int)(scale * xy[j * 2 + 1] + .5);
	y[k] = y[0];
	for (j = 0; j < k; j++) {
		int dx = abs(x[j] - x[j + 1]), dy = abs(y[j] - y[j + 1]);
		m += (size_t)(dx > dy ? dx : dy) + 1;
	}
	u = malloc(sizeof(int) * m);
	v = malloc(sizeof(int) * m);
	m = 0;
	for (j = 0; j < k; j++) {
		int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1], dx, dy, t, d, flip;
		double s;
		dx = abs(xe - xs);
		dy = abs(ys - ye);
		flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
		if (flip) {
			t = xs; xs = xe; xe = t;
			t = ys; ys = ye; ye = t;
		}
		if (dx == 0 && dy == 0) {
			u[m] = xs;
			v[m] = ys;
			m++;
			continue;
		}
		s = dx >= dy ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
		if (dx >= dy)
			for (d = 0; d <= dx; d++) {
				t = flip ? dx - d : d;
				u[m] = t + xs;
				v[m] = (int)(ys + s * t + .5);
				m++;
			}
		else
			for (d = 0; d <= dy; d++) {
				t = flip ? dy - d : d;
				v[m] = t + ys;
				u[m] = (int)(xs + s * t + .5);
				m++;
			}
	}
	free(x);
	free(y);
	kk = m;
	m = 0;
	x = malloc(sizeof(int) * (kk + 1));
	y = malloc(sizeof(int) * (kk + 1));
	for (j = 1; j < kk; j++)
		if (u[j] != u[j - 1]) {
			double xd = (double)(u[j] < u[j - 1] ? u[j] : u[j] - 1), yd;
			xd = (xd + .5) / scale - .5;
			if (floor(xd) != xd || xd < 0 || xd > w - 1)
				continue;
			yd = (double)(v[j] < v[j - 1] ? v[j] : v[j - 1]);
			yd = (yd + .5) / scale - .5;
			if (yd < 0)
				yd = 0;
			else if (yd > h)
				yd = h;
			yd = ceil(yd);
			x[m] = (int)xd;
			y[m] = (int)yd;
			m++;
		}
	kk = m;
	a = malloc(sizeof(uint32_t) * (kk + 1));
	for (j = 0; j < kk; j++)
		a[j] = (uint32_t)(x[j] * (int)h + y[j]);
	a[kk++] = h * w;
	free(u);
	free(v);
	free(x);
	free(y);
	qsort(a, kk, sizeof(uint32_t), s_cmp_uint);
	for (j = 0; j < kk; j++) {
		uint32_t t = a[j];
		a[j] -= p;
		p = t;
	}
	b = malloc(sizeof(uint32_t) * kk);
	j = m = 0;
	b[m++] = a[j++];
	while (j < kk)
		if (a[j] > 0) {
			b[m++] = a[j++];
		} else {
			j++;
			if (j < kk)
				b[m - 1] += a[j++];
		}
	free(a);
	*out = b;
	return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mc_limit_set(MC_LIMIT_COORDINATE, S_COORD, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reader r = { data, data + size };
	uint32_t h = 1 + fz_u8(&r) % 48, w = 1 + fz_u8(&r) % 48, parts = 1 + fz_u8(&r) % 3;
	uint32_t flags = fz_u8(&r);
	double xy[3][2 * 16];
	const double *pp[3];
	size_t lens[3];
	uint8_t want[48 * 48], got[48 * 48];
	int big = 0;
	mc_rle *rle = NULL;
	mc_error err;

	memset(want, 0, sizeof want);
	for (uint32_t q = 0; q < parts; q++) {
		size_t k = 3 + fz_u8(&r) % 14;
		for (size_t i = 0; i < 2 * k; i++) {
			int16_t c = (int16_t)fz_u16(&r);
			/* fractions of a pixel, in and around the image, up to ten
			 * image sizes away (the reference walks every upsampled step) */
			xy[q][i] = (flags & 1) ? c / 64.0 : c / 256.0 + (i % 2 ? h : w) / 2.0;
			if ((flags & 2) && i == 0)
				xy[q][i] = c * 1000.0;   /* beyond the harness's coordinate limit */
			big |= fabs(xy[q][i]) > S_COORD;
		}
		pp[q] = xy[q];
		lens[q] = 2 * k;
		if (!big) {
			uint32_t *ref = NULL;
			size_t m = s_ref(xy[q], k, h, w, &ref);
			mc_error_clear(&err);
			FZ_ASSERT(mc_rle_from_poly(&rle, xy[q], k, h, w, NULL, &err) == 0);
			if (rle->m != m || memcmp(rle->counts, ref, m * sizeof *ref) != 0) {
				fprintf(stderr, "runs differ from cocoapi's: %zu and %zu runs\n", rle->m, m);
				FZ_ASSERT(0);
			}
			mc_rle_decode(rle, got);
			for (uint32_t i = 0; i < h * w; i++)
				want[i] |= got[i];
			mc_rle_free(rle);
			rle = NULL;
			free(ref);
		}
	}
	mc_error_clear(&err);
	if (big) {
		FZ_ASSERT(mc_rle_from_polygons(&rle, pp, lens, parts, h, w, NULL, &err) ==
		          MC_ERR_INVALID);
		FZ_ASSERT(rle == NULL && strstr(err.text, "coordinate") != NULL);
		return 0;
	}
	FZ_ASSERT(mc_rle_from_polygons(&rle, pp, lens, parts, h, w, NULL, &err) == 0);
	mc_rle_decode(rle, got);
	FZ_ASSERT(memcmp(got, want, h * w) == 0);
	mc_rle_free(rle);
	return 0;
}
