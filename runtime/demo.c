/* This module implements the demo dataset generator: Fashion-MNIST items
 * composed into COCO instance segmentation images with injected errors. */
#include "maskclean/demo.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maskclean/atomic_file.h"
#include "maskclean/idx.h"
#include "maskclean/image.h"
#include "maskclean/path.h"
#include "maskclean/rle.h"
#include "maskclean/rng.h"

const char *const mc_demo_class_names[10] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
};

static const char *const s_supercategory[10] = {
	"clothing", "clothing", "clothing", "clothing", "clothing",
	"footwear", "clothing", "footwear", "accessory", "footwear"
};

/* Confusable groups: class -> group id (-1: none). */
static const int s_group[10] = { 0, -1, 0, -1, 0, 1, 0, 1, -1, 1 };

#define S_THRESHOLD 24
#define S_SRC 28
#define S_TRIES 30

enum { S_ERR_NONE = 0, S_ERR_CLASS = 1, S_ERR_MASK = 2 };
enum { S_SEG_POLY = 0, S_SEG_RLE = 1, S_SEG_RLE_STRING = 2 };

void mc_demo_opts_init(mc_demo_opts *o)
{
	*o = (mc_demo_opts){ .fmnist_dir = NULL, .test_split = 0, .n_images = 600,
	                     .image_size = 128, .min_items = 2, .max_items = 5,
	                     .error_rate = 0.1, .class_error_share = 0.6, .seed = 0,
	                     .imbalance = 0.0, .n_tiny = 0, .tiny_size = 36,
	                     .empty_category = 0, .copies = 1, .toward_small = 0.0,
	                     .away_small = 0.0 };
}

void mc_demo_opts_hard(mc_demo_opts *o)
{
	mc_demo_opts_init(o);
	o->imbalance = 1.0;
	o->n_tiny = 2;
	o->tiny_size = 36;
	o->empty_category = 1;
	o->copies = 3;
	o->error_rate = 0.08;
	o->toward_small = 0.5;
	o->away_small = 0.25;
}

/* ---- random numbers: maskclean/rng.h, one stream per use */

/* mc_rng_shuffle for an array of uint32_t. */
static void s_shuffle(mc_rng *r, uint32_t *a, size_t n)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = (size_t)mc_rng_below(r, i);
		uint32_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- items */

typedef struct s_item {
	uint32_t src;       /* Fashion-MNIST index */
	uint8_t cls;        /* true class 0..9 */
	uint8_t label;      /* class written in the annotation */
	uint8_t error;      /* S_ERR_* */
	uint8_t box;        /* mask error: 1 box, 0 union */
	uint8_t seg;        /* S_SEG_* */
	uint8_t target;     /* class error: the wrong label chosen (S_ANY: drawn later) */
	uint8_t tint[3];
	int x, y, n;        /* top-left corner and side of the scaled item */
	uint32_t neighbour; /* mask error: the other instance (global index) */
	uint32_t image;     /* image index */
} s_item;

typedef struct s_plan {
	size_t first;       /* first instance */
	int count;
	/* A near-duplicate copy of a scene: mirrored, shifted by (dx, dy) and
	 * with its colours scaled by gain/256 (copy 0, the original, is none). */
	int copy, flip, dx, dy;
	int gain[3];
	size_t scene;
} s_plan;

typedef struct s_gen {
	const mc_demo_opts *o;
	const mc_idx *images, *labels;
	int S;
	s_item *items;
	size_t n_items, cap_items;
	s_plan *plans;
	size_t n_plans;        /* images written: n_images * copies */
	/* Class sizes: keep[c] is the chance an item of class c is used
	 * (Zipf-like imbalance), cap[c] the most originals of class c (0: no
	 * limit), count[c] the originals placed. */
	double keep[10];
	size_t cap[10], count[10];
	int shaped;            /* keep or cap differ from "every item" */
} s_gen;

#define S_ANY 0xff

/* Renders the item source src at side n into inten (n*n) and its silhouette
 * (intensity >= threshold, enclosed holes filled) into sil (n*n).
 * stack has room for n*n ints. */
static void s_render_item(const s_gen *g, uint32_t src, int n, uint8_t *inten, uint8_t *sil,
                          int *stack)
{
	const uint8_t *p = g->images->u8 + (size_t)src * S_SRC * S_SRC;
	double k = (double)S_SRC / n;
	int u, v, top = 0;

	for (v = 0; v < n; v++) {
		double sy = (v + 0.5) * k - 0.5, fy;
		int y0;

		if (sy < 0)
			sy = 0;
		if (sy > S_SRC - 1)
			sy = S_SRC - 1;
		y0 = (int)sy;
		if (y0 > S_SRC - 2)
			y0 = S_SRC - 2;
		fy = sy - y0;
		for (u = 0; u < n; u++) {
			double sx = (u + 0.5) * k - 0.5, fx, val;
			int x0;

			if (sx < 0)
				sx = 0;
			if (sx > S_SRC - 1)
				sx = S_SRC - 1;
			x0 = (int)sx;
			if (x0 > S_SRC - 2)
				x0 = S_SRC - 2;
			fx = sx - x0;
			val = p[y0 * S_SRC + x0] * (1 - fx) * (1 - fy) +
			      p[y0 * S_SRC + x0 + 1] * fx * (1 - fy) +
			      p[(y0 + 1) * S_SRC + x0] * (1 - fx) * fy +
			      p[(y0 + 1) * S_SRC + x0 + 1] * fx * fy;
			inten[v * n + u] = (uint8_t)lround(val);
			sil[v * n + u] = inten[v * n + u] >= S_THRESHOLD ? 1 : 0;
		}
	}
	/* Fill holes: background reachable from the border (4-connected) is
	 * marked 2; every other background pixel becomes silhouette. */
	for (u = 0; u < n * n; u++) {
		int x = u % n, y = u / n;
		if ((x == 0 || y == 0 || x == n - 1 || y == n - 1) && sil[u] == 0) {
			sil[u] = 2;
			stack[top++] = u;
		}
	}
	while (top > 0) {
		int c = stack[--top], x = c % n, y = c / n, nb[4], i;

		nb[0] = x > 0 ? c - 1 : -1;
		nb[1] = x < n - 1 ? c + 1 : -1;
		nb[2] = y > 0 ? c - n : -1;
		nb[3] = y < n - 1 ? c + n : -1;
		for (i = 0; i < 4; i++)
			if (nb[i] >= 0 && sil[nb[i]] == 0) {
				sil[nb[i]] = 2;
				stack[top++] = nb[i];
			}
	}
	for (u = 0; u < n * n; u++)
		sil[u] = sil[u] != 2;
}

static int s_push_item(s_gen *g, const s_item *it)
{
	if (g->n_items == g->cap_items) {
		size_t cap = g->cap_items ? 2 * g->cap_items : 1024;
		s_item *p = realloc(g->items, cap * sizeof *p);
		if (p == NULL)
			return -1;
		g->items = p;
		g->cap_items = cap;
	}
	g->items[g->n_items++] = *it;
	return 0;
}

/* ---- class sizes */

/* Whether the drawn item of class c is used: below its class's cap, and
 * with the class's keep probability (one draw from ra per call). */
static int s_accept(const s_gen *g, int c, mc_rng *ra)
{
	double u;

	if (g->cap[c] > 0 && g->count[c] >= g->cap[c])
		return 0;
	u = mc_rng_uniform(ra);
	return u < g->keep[c];
}

/* The classes' sizes: ranked in a seeded order, class of rank r keeps a
 * share (r + 1)^-imbalance of its items; the last n_tiny ranks take their
 * first tiny_size instances (copies included) and no more. */
static void s_shape_classes(s_gen *g)
{
	const mc_demo_opts *o = g->o;
	int order[10], c;
	mc_rng r;

	for (c = 0; c < 10; c++) {
		order[c] = c;
		g->keep[c] = 1.0;
		g->cap[c] = 0;
		g->count[c] = 0;
	}
	g->shaped = o->imbalance > 0 || o->n_tiny > 0;
	if (!g->shaped)
		return;
	mc_rng_seed(&r, o->seed, 0x5eed0003ull);
	for (c = 9; c > 0; c--) {
		int j = (int)mc_rng_below(&r, (uint64_t)c + 1), t = order[c];
		order[c] = order[j];
		order[j] = t;
	}
	for (c = 0; c < 10; c++) {
		g->keep[order[c]] = pow((double)c + 1.0, -o->imbalance);
		/* a tiny class takes its first items, so that it reaches its size */
		if ((size_t)c >= 10 - o->n_tiny) {
			g->keep[order[c]] = 1.0;
			g->cap[order[c]] = (o->tiny_size + (size_t)o->copies - 1) / (size_t)o->copies;
		}
	}
}

/* ---- pass 1: placement */

static int s_plan_all(s_gen *g, const mc_progress *p, mc_error *err)
{
	const mc_demo_opts *o = g->o;
	const int S = g->S, maxn = 2 * S_SRC;
	size_t n_src = g->images->dims[0], next = 0, img;
	uint32_t *perm = NULL;
	int16_t *owner = NULL;
	uint8_t *inten = NULL, *sil = NULL;
	int *stack = NULL, rc = 0;
	size_t *vis = NULL, *lost = NULL, *full = NULL;
	mc_rng rp, ra;

	mc_rng_seed(&rp, o->seed, 0);
	mc_rng_seed(&ra, o->seed, 0x5eed0002ull);
	perm = malloc(n_src * sizeof *perm);
	owner = malloc((size_t)S * S * sizeof *owner);
	inten = malloc((size_t)maxn * maxn);
	sil = malloc((size_t)maxn * maxn);
	stack = malloc((size_t)maxn * maxn * sizeof *stack);
	vis = calloc(16, sizeof *vis);
	lost = calloc(16, sizeof *lost);
	full = calloc(16, sizeof *full);
	g->plans = calloc(o->n_images, sizeof *g->plans);
	if (perm == NULL || owner == NULL || inten == NULL || sil == NULL || stack == NULL ||
	    vis == NULL || lost == NULL || full == NULL || g->plans == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
		goto cleanup;
	}
	for (next = 0; next < n_src; next++)
		perm[next] = (uint32_t)next;
	s_shuffle(&rp, perm, n_src);
	next = 0;
	for (img = 0; img < o->n_images; img++) {
		mc_rng r;
		int want, placed = 0, t, i;

		if ((img & 255) == 0 && mc_progress_report(p, img, o->n_images, "demo: layout") != 0) {
			rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
			goto cleanup;
		}
		mc_rng_seed(&r, o->seed, 1 + img);
		for (i = 0; i < S * S; i++)
			owner[i] = -1;
		g->plans[img].first = g->n_items;
		want = o->min_items + (int)mc_rng_below(&r, (uint64_t)(o->max_items - o->min_items + 1));
		while (placed < want) {
			s_item it;
			size_t area = 0;
			int ok = 0, u;

			if (next == n_src) {
				s_shuffle(&rp, perm, n_src);
				next = 0;
			}
			memset(&it, 0, sizeof it);
			it.image = (uint32_t)img;
			it.src = perm[next];
			it.cls = g->labels->u8[it.src];
			it.label = it.cls;
			it.target = S_ANY;
			if (g->shaped && !s_accept(g, it.cls, &ra)) {
				next++;
				continue;
			}
			it.n = S_SRC + 4 * (int)mc_rng_below(&r, 8);
			if (it.n > S)
				it.n = S;
			for (i = 0; i < 3; i++)
				it.tint[i] = (uint8_t)(110 + mc_rng_below(&r, 146));
			s_render_item(g, it.src, it.n, inten, sil, stack);
			for (u = 0; u < it.n * it.n; u++)
				area += sil[u];
			if (area < 20) {   /* (almost) blank item: never used */
				next++;
				continue;
			}
			for (t = 0; t < S_TRIES && !ok; t++) {
				it.x = (int)mc_rng_below(&r, (uint64_t)(S - it.n + 1));
				it.y = (int)mc_rng_below(&r, (uint64_t)(S - it.n + 1));
				memset(lost, 0, 16 * sizeof *lost);
				for (u = 0; u < it.n * it.n; u++) {
					int o_;
					if (!sil[u])
						continue;
					o_ = owner[(it.y + u / it.n) * S + it.x + u % it.n];
					if (o_ >= 0)
						lost[o_]++;
				}
				ok = 1;
				for (i = 0; i < placed; i++)
					if (2 * (vis[i] - lost[i]) < full[i] || vis[i] - lost[i] < 20)
						ok = 0;
			}
			if (!ok) {
				/* No room: this image gets one item fewer, and the
				 * item opens the next image instead. */
				want--;
				continue;
			}
			next++;
			for (u = 0; u < it.n * it.n; u++) {
				int16_t *cell;
				if (!sil[u])
					continue;
				cell = &owner[(it.y + u / it.n) * S + it.x + u % it.n];
				if (*cell >= 0)
					vis[*cell]--;
				*cell = (int16_t)placed;
			}
			vis[placed] = area;
			full[placed] = area;
			g->count[it.cls]++;
			if (s_push_item(g, &it) != 0) {
				rc = mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
				goto cleanup;
			}
			placed++;
		}
		g->plans[img].count = placed;
	}
cleanup:
	free(perm);
	free(owner);
	free(inten);
	free(sil);
	free(stack);
	free(vis);
	free(lost);
	free(full);
	return rc;
}

/* ---- error injection */

/* A class other than c to confuse it with: one of its look-alike group, or
 * any class when c has no group. */
static int s_partner(int c, mc_rng *r)
{
	int same[10], n = 0, k;

	for (k = 0; k < 10; k++)
		if (k != c && (s_group[c] < 0 || s_group[k] == s_group[c]))
			same[n++] = k;
	return same[mc_rng_below(r, (uint64_t)n)];
}

/* The smallest class present (the fewest originals; ties to the lower). */
static int s_smallest(const s_gen *g)
{
	int best = -1, c;

	for (c = 0; c < 10; c++)
		if (g->count[c] > 0 && (best < 0 || g->count[c] < g->count[best]))
			best = c;
	return best;
}

/* Class errors around the smallest class: away_small of its items get
 * another label, and items of its look-alikes (any class when it has none),
 * toward_small times its size, get its label. Returns how many were marked
 * (at most budget). */
static size_t s_small_errors(s_gen *g, const uint32_t *order, size_t budget)
{
	const mc_demo_opts *o = g->o;
	int small = s_smallest(g);
	size_t N = g->n_items, away, toward, done = 0, k;
	mc_rng r;

	if (small < 0 || (o->away_small <= 0 && o->toward_small <= 0))
		return 0;
	mc_rng_seed(&r, o->seed, 0x5eed0004ull);
	away = (size_t)llround(o->away_small * (double)g->count[small]);
	toward = (size_t)llround(o->toward_small * (double)g->count[small]);
	for (k = 0; k < N && away > 0 && done < budget; k++) {
		s_item *it = &g->items[order[k]];
		if (it->error == S_ERR_NONE && it->cls == small) {
			it->error = S_ERR_CLASS;
			it->target = (uint8_t)s_partner(small, &r);
			away--;
			done++;
		}
	}
	for (k = 0; k < N && toward > 0 && done < budget; k++) {
		s_item *it = &g->items[order[k]];
		if (it->error == S_ERR_NONE && it->cls != small &&
		    (s_group[small] < 0 || s_group[it->cls] == s_group[small])) {
			it->error = S_ERR_CLASS;
			it->target = (uint8_t)small;
			toward--;
			done++;
		}
	}
	return done;
}

static int s_assign(s_gen *g, size_t *n_class, size_t *n_mask, mc_error *err)
{
	const mc_demo_opts *o = g->o;
	size_t N = g->n_items, E, C, M, k;
	uint32_t *order;
	mc_rng r;

	*n_class = *n_mask = 0;
	if (N == 0)
		return 0;
	E = (size_t)llround(o->error_rate * (double)N);
	C = (size_t)llround(o->class_error_share * (double)E);
	M = E - C;
	order = malloc(N * sizeof *order);
	if (order == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
	for (k = 0; k < N; k++)
		order[k] = (uint32_t)k;
	mc_rng_seed(&r, o->seed, 0x5eed0000ull);
	s_shuffle(&r, order, N);
	for (k = 0; k < N && *n_mask < M; k++) {
		s_item *it = &g->items[order[k]];
		if (g->plans[it->image].count >= 2) {
			it->error = S_ERR_MASK;
			++*n_mask;
		}
	}
	*n_class = s_small_errors(g, order, C);
	for (k = 0; k < N && *n_class < C; k++) {
		s_item *it = &g->items[order[k]];
		if (it->error == S_ERR_NONE && s_group[it->cls] >= 0) {
			it->error = S_ERR_CLASS;
			++*n_class;
		}
	}
	free(order);
	/* Per-instance draws, in instance order. */
	for (k = 0; k < N; k++) {
		s_item *it = &g->items[k];

		it->seg = (uint8_t)mc_rng_below(&r, 3);
		if (it->error == S_ERR_CLASS && it->target != S_ANY) {
			it->label = it->target;
		} else if (it->error == S_ERR_CLASS) {
			int same[4], n = 0, c;
			for (c = 0; c < 10; c++)
				if (c != it->cls && s_group[c] == s_group[it->cls])
					same[n++] = c;
			it->label = (uint8_t)same[mc_rng_below(&r, (uint64_t)n)];
		} else if (it->error == S_ERR_MASK) {
			const s_plan *pl = &g->plans[it->image];
			double best = INFINITY;
			size_t j;

			it->box = (uint8_t)mc_rng_below(&r, 2);
			for (j = pl->first; j < pl->first + (size_t)pl->count; j++) {
				const s_item *o_ = &g->items[j];
				double dx = (o_->x + o_->n / 2.0) - (it->x + it->n / 2.0);
				double dy = (o_->y + o_->n / 2.0) - (it->y + it->n / 2.0);
				if (j != k && dx * dx + dy * dy < best) {
					best = dx * dx + dy * dy;
					it->neighbour = (uint32_t)j;
				}
			}
		}
	}
	return 0;
}

/* ---- near-duplicate copies */

/* Expands every scene into o->copies images: the original, then copies
 * mirrored (odd copies) or shifted by a few pixels (even copies), each with
 * its colours scaled by 0.8..1.2 per channel. A copy repeats the scene's
 * annotations, labels and errors, as an export augmented after labelling
 * does. */
static int s_make_copies(s_gen *g, mc_error *err)
{
	const mc_demo_opts *o = g->o;
	size_t copies = (size_t)o->copies, ns = o->n_images, N = g->n_items, s, c;
	s_item *items;
	s_plan *plans;

	g->n_plans = ns;
	if (copies <= 1)
		return 0;
	items = malloc((N ? N : 1) * copies * sizeof *items);
	plans = calloc(ns * copies, sizeof *plans);
	if (items == NULL || plans == NULL) {
		free(items);
		free(plans);
		return mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
	}
	for (s = 0; s < ns; s++) {
		const s_plan *sp = &g->plans[s];
		int minx = g->S, miny = g->S, maxx = 0, maxy = 0, i;
		mc_rng r;

		for (i = 0; i < sp->count; i++) {
			const s_item *it = &g->items[sp->first + (size_t)i];
			minx = it->x < minx ? it->x : minx;
			miny = it->y < miny ? it->y : miny;
			maxx = it->x + it->n > maxx ? it->x + it->n : maxx;
			maxy = it->y + it->n > maxy ? it->y + it->n : maxy;
		}
		mc_rng_seed(&r, o->seed, 0x200000000ull + s);
		for (c = 0; c < copies; c++) {
			s_plan *pl = &plans[s * copies + c];
			size_t at = s * copies + c;
			pl->first = at == 0 ? 0 : plans[at - 1].first + (size_t)plans[at - 1].count;
			pl->count = sp->count;
			pl->copy = (int)c;
			pl->scene = s;
			pl->gain[0] = pl->gain[1] = pl->gain[2] = 256;
			if (c > 0) {
				int lo, hi;
				pl->flip = (c & 1) != 0;
				for (i = 0; i < 3; i++)
					pl->gain[i] = 205 + (int)mc_rng_below(&r, 103);
				lo = -minx > -6 ? -minx : -6;
				hi = g->S - maxx < 6 ? g->S - maxx : 6;
				pl->dx = pl->flip || hi < lo ? 0 : lo + (int)mc_rng_below(&r, (uint64_t)(hi - lo + 1));
				lo = -miny > -6 ? -miny : -6;
				hi = g->S - maxy < 6 ? g->S - maxy : 6;
				pl->dy = pl->flip || hi < lo ? 0 : lo + (int)mc_rng_below(&r, (uint64_t)(hi - lo + 1));
			}
			for (i = 0; i < sp->count; i++) {
				s_item *it = &items[pl->first + (size_t)i];
				*it = g->items[sp->first + (size_t)i];
				it->image = (uint32_t)(s * copies + c);
				if (it->error == S_ERR_MASK)
					it->neighbour = (uint32_t)(pl->first + (it->neighbour - sp->first));
			}
		}
	}
	free(g->items);
	free(g->plans);
	g->items = items;
	g->plans = plans;
	g->n_items = N * copies;
	g->cap_items = g->n_items;
	g->n_plans = ns * copies;
	return 0;
}

/* ---- outline tracing: the boundary of a row-major W x H mask along pixel
 * edges, foreground 4-connected, walked with the inside on the right. */

enum { S_R = 0, S_D = 1, S_L = 2, S_U = 3 };
static const int s_dx[4] = { 1, 0, -1, 0 }, s_dy[4] = { 0, 1, 0, -1 };

typedef struct s_poly {
	double *xy;       /* all parts' numbers */
	size_t n, cap;
	size_t *len;      /* numbers per part */
	size_t parts, cap_parts;
	int holes;        /* 1 if some loop is a hole */
} s_poly;

static int s_poly_add(s_poly *pg, double v)
{
	if (pg->n == pg->cap) {
		size_t cap = pg->cap ? 2 * pg->cap : 256;
		double *p = realloc(pg->xy, cap * sizeof *p);
		if (p == NULL)
			return -1;
		pg->xy = p;
		pg->cap = cap;
	}
	pg->xy[pg->n++] = v;
	return 0;
}

static int s_poly_part(s_poly *pg, size_t len)
{
	if (pg->parts == pg->cap_parts) {
		size_t cap = pg->cap_parts ? 2 * pg->cap_parts : 8;
		size_t *p = realloc(pg->len, cap * sizeof *p);
		if (p == NULL)
			return -1;
		pg->len = p;
		pg->cap_parts = cap;
	}
	pg->len[pg->parts++] = len;
	return 0;
}

static void s_poly_free(s_poly *pg)
{
	free(pg->xy);
	free(pg->len);
}

/* out is a (W+1) x (H+1) byte array of outgoing-edge bits, scratch. */
static int s_trace(s_poly *pg, const uint8_t *m, int W, int H, uint8_t *out)
{
	const int VW = W + 1;
	int x, y, v;

	memset(out, 0, (size_t)(W + 1) * (size_t)(H + 1));
	for (y = 0; y < H; y++) {
		for (x = 0; x < W; x++) {
			if (!m[y * W + x])
				continue;
			if (y == 0 || !m[(y - 1) * W + x])
				out[y * VW + x] |= 1 << S_R;
			if (x == W - 1 || !m[y * W + x + 1])
				out[y * VW + x + 1] |= 1 << S_D;
			if (y == H - 1 || !m[(y + 1) * W + x])
				out[(y + 1) * VW + x + 1] |= 1 << S_L;
			if (x == 0 || !m[y * W + x - 1])
				out[(y + 1) * VW + x] |= 1 << S_U;
		}
	}
	for (v = 0; v < VW * (H + 1); v++) while (out[v] != 0) {
		size_t start_n = pg->n;
		int px = v % VW, py = v / VW, d = -1, i;
		double area2 = 0;

		for (i = 0; i < 4; i++)
			if (out[v] & (1 << i)) {
				d = i;
				break;
			}
		for (;;) {
			int nd = -1, c, cand[3];

			out[py * VW + px] &= (uint8_t)~(1 << d);
			px += s_dx[d];
			py += s_dy[d];
			if (py * VW + px == v)
				break;
			cand[0] = (d + 1) % 4;   /* right turn: hug the current pixel */
			cand[1] = d;
			cand[2] = (d + 3) % 4;
			for (c = 0; c < 3; c++)
				if (out[py * VW + px] & (1 << cand[c])) {
					nd = cand[c];
					break;
				}
			if (nd < 0)
				return -2;   /* cannot happen: every vertex is balanced */
			if (nd != d) {
				if (s_poly_add(pg, px) != 0 || s_poly_add(pg, py) != 0)
					return -1;
			}
			d = nd;
		}
		/* The start vertex is a corner (the loop's top-left-most). */
		if (s_poly_add(pg, v % VW) != 0 || s_poly_add(pg, v / VW) != 0)
			return -1;
		for (i = (int)start_n; i < (int)pg->n; i += 2) {
			size_t j = (size_t)i + 2 < pg->n ? (size_t)i + 2 : start_n;
			area2 += pg->xy[i] * pg->xy[j + 1] - pg->xy[j] * pg->xy[i + 1];
		}
		if (area2 < 0) {
			/* A hole: drop it; the caller will not use polygons. */
			pg->holes = 1;
			pg->n = start_n;
			continue;
		}
		if (s_poly_part(pg, pg->n - start_n) != 0)
			return -1;
	}
	return 0;
}

/* ---- output */

/* Files are written atomically (maskclean/atomic_file.h) and left alone
 * when they already hold the same bytes: a second make_demo with the same
 * options changes nothing another kernel may have loaded. */
static int s_write_png(const char *path, const uint8_t *rgb, int w, int h, mc_error *err)
{
	unsigned char *png = NULL;
	size_t len = 0;
	mc_atomic_file *f = NULL;
	int rc = mc_png_encode(&png, &len, rgb, w, h, 3, err);

	if (rc == 0)
		rc = mc_atomic_file_open(&f, path, err);
	if (rc == 0)
		rc = mc_atomic_file_write(f, png, len, err);
	if (rc == 0)
		rc = mc_atomic_file_commit_if_changed(f, NULL, err);
	else
		mc_atomic_file_abort(f);
	free(png);
	return rc;
}

/* A stdio stream over an atomic file, so that the JSON writers below can
 * use fprintf and json_dumpf; errors stay in the atomic file, whose commit
 * reports them. */
static ssize_t s_stream_write(void *cookie, const char *buf, size_t len)
{
	return mc_atomic_file_sink(buf, len, cookie) == 0 ? (ssize_t)len : -1;
}

static FILE *s_stream(mc_atomic_file *f)
{
	cookie_io_functions_t io = { NULL, s_stream_write, NULL, NULL };

	return fopencookie(f, "w", io);
}

/* Writes v compactly followed by nothing; steals v. */
static int s_dump(FILE *f, json_t *v)
{
	int rc;

	if (v == NULL)
		return -1;
	rc = json_dumpf(v, f, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(v);
	return rc;
}

static const char *const s_seg_names[3] = { "polygon", "rle", "rle_string" };

typedef struct s_out {
	FILE *ann, *gt;
	size_t n_written;
	uint8_t *fm;      /* S*S final mask */
	uint8_t *edges;   /* (S+1)^2 tracing scratch */
} s_out;

/* Instance k's mask into so->fm (its item's pixels; with a mask error the
 * neighbour's too, or their whole box) and its pixel extent into box
 * {minx, miny, maxx, maxy}. */
static int s_instance_mask(const s_gen *g, s_out *so, size_t k, const int16_t *owner,
                           size_t first, int box[4], mc_error *err)
{
	const int S = g->S;
	const s_item *it = &g->items[k];
	int li = (int)(k - first), nb = -1, x, y;
	size_t i;

	box[0] = box[1] = S;
	box[2] = box[3] = -1;
	if (it->error == S_ERR_MASK)
		nb = (int)(it->neighbour - first);
	for (i = 0; i < (size_t)S * S; i++) {
		so->fm[i] = owner[i] == li || (nb >= 0 && owner[i] == nb);
		if (so->fm[i]) {
			x = (int)(i % (size_t)S);
			y = (int)(i / (size_t)S);
			if (x < box[0]) box[0] = x;
			if (x > box[2]) box[2] = x;
			if (y < box[1]) box[1] = y;
			if (y > box[3]) box[3] = y;
		}
	}
	if (box[2] < 0)
		return mc_error_set(err, MC_ERR_INVALID, "demo: instance %zu has an empty mask", k);
	if (it->error == S_ERR_MASK && it->box)
		for (y = box[1]; y <= box[3]; y++)
			for (x = box[0]; x <= box[2]; x++)
				so->fm[y * S + x] = 1;
	return 0;
}

/* The mask so->fm as polygons: *segj the COCO segmentation, *rle the mask
 * they rasterise to. */
static int s_polygon_json(json_t **segj, mc_rle **rle, const s_poly *pg, int S, mc_error *err)
{
	const double **parts = malloc(pg->parts * sizeof *parts);
	size_t off = 0, j;
	int rc;

	if (parts == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
	*segj = json_array();
	for (j = 0; j < pg->parts; j++) {
		json_t *part = json_array();
		size_t q;
		parts[j] = pg->xy + off;
		for (q = 0; q < pg->len[j]; q++)
			json_array_append_new(part, json_real(pg->xy[off + q]));
		json_array_append_new(*segj, part);
		off += pg->len[j];
	}
	rc = mc_rle_from_polygons(rle, parts, pg->len, pg->parts, (uint32_t)S, (uint32_t)S, NULL,
	                          err);
	free(parts);
	return rc;
}

/* The mask so->fm in the segmentation form *seg (polygons fall back to an
 * RLE string when the mask has holes or is not one traceable outline):
 * *segj the COCO segmentation, *rle the mask. */
static int s_segmentation(json_t **segj, mc_rle **rle, int *seg, s_out *so, int S,
                          mc_error *err)
{
	s_poly pg;
	int rc = 0;

	memset(&pg, 0, sizeof pg);
	if (*seg == S_SEG_POLY) {
		int trc = s_trace(&pg, so->fm, S, S, so->edges);
		if (trc == -1)
			rc = mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
		else if (trc != 0 || pg.holes || pg.parts == 0)
			*seg = S_SEG_RLE_STRING;   /* a polygon cannot say it */
	}
	if (rc == 0 && *seg == S_SEG_POLY) {
		rc = s_polygon_json(segj, rle, &pg, S, err);
	} else if (rc == 0) {
		rc = mc_rle_encode_rowmajor(rle, so->fm, (uint32_t)S, (uint32_t)S, err);
		if (rc == 0 && *seg == S_SEG_RLE) {
			json_t *counts = json_array();
			for (size_t i = 0; i < (*rle)->m; i++)
				json_array_append_new(counts, json_integer((*rle)->counts[i]));
			*segj = json_pack("{s:o, s:[i,i]}", "counts", counts, "size", S, S);
		} else if (rc == 0) {
			char *str = NULL;
			rc = mc_rle_to_string(&str, *rle, err);
			if (rc == 0)
				*segj = json_pack("{s:s, s:[i,i]}", "counts", str, "size", S, S);
			free(str);
		}
	}
	s_poly_free(&pg);
	return rc;
}

/* Instance k's ground-truth record (NULL when out of memory). */
static json_t *s_truth_json(const s_gen *g, size_t k, int seg)
{
	const s_item *it = &g->items[k];
	json_t *t;

	t = json_pack("{s:I, s:I, s:I, s:s, s:i, s:s, s:i, s:s, s:o, s:o, s:s, s:I, s:s}",
	              "id", (json_int_t)(k + 1), "image_id", (json_int_t)(it->image + 1),
	              "index", (json_int_t)k,
	              "true_class", mc_demo_class_names[it->cls], "true_category_id", it->cls + 1,
	              "labeled_class", mc_demo_class_names[it->label],
	              "labeled_category_id", it->label + 1,
	              "error", it->error == S_ERR_CLASS ? "class" : it->error == S_ERR_MASK ? "mask" : "none",
	              "mask_error", it->error == S_ERR_MASK ? json_string(it->box ? "box" : "union") : json_null(),
	              "other_id", it->error == S_ERR_MASK ? json_integer((json_int_t)it->neighbour + 1) : json_null(),
	              "fix", it->error == S_ERR_CLASS ? "relabel" : it->error == S_ERR_MASK ? "remove" : "keep",
	              "source", (json_int_t)it->src, "segmentation", s_seg_names[seg]);
	if (t != NULL && g->o->copies > 1)
		json_object_set_new(t, "scene", json_integer((json_int_t)g->plans[it->image].scene + 1));
	return t;
}

/* The annotation and ground-truth lines of instance k (local index li in
 * its image), given the image's owner map. */
static int s_instance(s_gen *g, s_out *so, size_t k, const int16_t *owner, size_t first,
                      mc_error *err)
{
	const int S = g->S;
	s_item *it = &g->items[k];
	int box[4], seg = it->seg, rc;
	mc_rle *rle = NULL;
	json_t *a = NULL, *t = NULL, *segj = NULL;
	double area = 0;

	rc = s_instance_mask(g, so, k, owner, first, box, err);
	if (rc != 0)
		return rc;
	rc = s_segmentation(&segj, &rle, &seg, so, S, err);
	if (rc != 0)
		goto cleanup;
	area = (double)mc_rle_area(rle);
	/* COCO's bbox of a mask: its pixel extent. */
	a = json_pack("{s:I, s:I, s:I, s:o, s:f, s:[f,f,f,f], s:i}",
	              "id", (json_int_t)(k + 1), "image_id", (json_int_t)(it->image + 1),
	              "category_id", (json_int_t)(it->label + 1), "segmentation", segj,
	              "area", area, "bbox", (double)box[0], (double)box[1],
	              (double)(box[2] - box[0] + 1), (double)(box[3] - box[1] + 1), "iscrowd", 0);
	segj = NULL;
	t = s_truth_json(g, k, seg);
	if (a == NULL || t == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
		goto cleanup;
	}
	if (fputs(so->n_written ? ",\n" : "\n", so->ann) < 0 ||
	    fputs(so->n_written ? ",\n" : "\n", so->gt) < 0) {
		rc = mc_error_set(err, MC_ERR_IO, "demo: cannot write: %s", strerror(errno));
		goto cleanup;
	}
	rc = s_dump(so->ann, a);
	a = NULL;
	if (rc == 0)
		rc = s_dump(so->gt, t);
	t = NULL;
	if (rc != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "demo: cannot write the JSON: %s", strerror(errno));
		goto cleanup;
	}
	so->n_written++;
cleanup:
	json_decref(a);
	json_decref(t);
	json_decref(segj);
	mc_rle_free(rle);
	return rc;
}

/* Draws image img into rgb and fills owner with the topmost item per pixel. */
static void s_draw(const s_gen *g, size_t img, uint8_t *rgb, int16_t *owner, uint8_t *inten,
                   uint8_t *sil, int *stack)
{
	const int S = g->S;
	const s_plan *pl = &g->plans[img];
	mc_rng r;
	uint8_t bg[3];
	int i, c, li;

	mc_rng_seed(&r, g->o->seed, 0x100000000ull + img);
	for (c = 0; c < 3; c++)
		bg[c] = (uint8_t)(8 + mc_rng_below(&r, 40));
	for (i = 0; i < S * S; i++) {
		owner[i] = -1;
		for (c = 0; c < 3; c++)
			rgb[3 * i + c] = (uint8_t)(bg[c] + mc_rng_below(&r, 17) - 8);
	}
	for (li = 0; li < pl->count; li++) {
		const s_item *it = &g->items[pl->first + (size_t)li];
		int u, x0 = pl->flip ? S - it->x - it->n : it->x + pl->dx, y0 = it->y + pl->dy;

		s_render_item(g, it->src, it->n, inten, sil, stack);
		for (u = 0; u < it->n * it->n; u++) {
			int pix, su = pl->flip ? (u / it->n) * it->n + (it->n - 1 - u % it->n) : u;
			if (!sil[su])
				continue;
			pix = (y0 + u / it->n) * S + x0 + u % it->n;
			owner[pix] = (int16_t)li;
			for (c = 0; c < 3; c++) {
				int v = (inten[su] * it->tint[c] + 127) / 255;
				if (pl->copy > 0)
					v = (v * pl->gain[c] + 128) / 256;
				rgb[3 * pix + c] = (uint8_t)(v > 255 ? 255 : v);
			}
		}
	}
}

static int s_check_opts(const mc_demo_opts *o, mc_error *err)
{
	if (o->n_images < 1 || o->n_images > 1000000)
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: n_images is %zu; expected 1..1000000",
		                    o->n_images);
	if (o->image_size < 64 || o->image_size > 1024)
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: image_size is %d; expected 64..1024",
		                    o->image_size);
	if (o->min_items < 1 || o->max_items > 8 || o->min_items > o->max_items)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "make_demo: items per image %d..%d; expected 1 <= min <= max <= 8",
		                    o->min_items, o->max_items);
	if (!(o->error_rate >= 0 && o->error_rate <= 0.5))
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: error_rate is %g; expected 0..0.5",
		                    o->error_rate);
	if (!(o->class_error_share >= 0 && o->class_error_share <= 1))
		return mc_error_set(err, MC_ERR_INVALID,
		                    "make_demo: class_error_share is %g; expected 0..1",
		                    o->class_error_share);
	if (!(o->imbalance >= 0 && o->imbalance <= 4))
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: imbalance is %g; expected 0..4",
		                    o->imbalance);
	if (o->n_tiny > 9)
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: tiny_classes is %zu; expected "
		                    "0..9", o->n_tiny);
	if (o->n_tiny > 0 && (o->tiny_size < 1 || o->tiny_size > 59))
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: tiny_size is %zu; expected "
		                    "1..59", o->tiny_size);
	if (o->copies < 1 || o->copies > 8 || o->n_images * (size_t)(o->copies > 0 ? o->copies : 1) > 1000000)
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: copies is %d; expected 1..8 "
		                    "(and n_images * copies at most 1000000)", o->copies);
	if (!(o->toward_small >= 0 && o->toward_small <= 4))
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: toward_small is %g; expected "
		                    "0..4", o->toward_small);
	if (!(o->away_small >= 0 && o->away_small <= 1))
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: away_small is %g; expected 0..1",
		                    o->away_small);
	return 0;
}

static int s_load_fmnist(s_gen *g, mc_idx **images, mc_idx **labels, mc_error *err)
{
	const char *dir = g->o->fmnist_dir != NULL ? g->o->fmnist_dir : MC_DEMO_FMNIST_DIR;
	const char *split = g->o->test_split ? "t10k" : "train";
	char path[4096];
	int rc;

	snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, split);
	if (access(path, R_OK) != 0)
		return mc_error_set(err, MC_ERR_IO,
		                    "%s: cannot read: %s (install the Debian package dataset-fashion-mnist)",
		                    path, strerror(errno));
	rc = mc_idx_load_images(images, path, err);
	if (rc != 0)
		return rc;
	if ((*images)->dims[1] != S_SRC || (*images)->dims[2] != S_SRC || (*images)->dims[0] == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "%s: items are %zux%zu; expected 28x28", path,
		                    (*images)->dims[1], (*images)->dims[2]);
	snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte.gz", dir, split);
	if (access(path, R_OK) != 0)
		return mc_error_set(err, MC_ERR_IO,
		                    "%s: cannot read: %s (install the Debian package dataset-fashion-mnist)",
		                    path, strerror(errno));
	rc = mc_idx_load_labels(labels, path, 10, err);
	if (rc != 0)
		return rc;
	if ((*labels)->dims[0] != (*images)->dims[0])
		return mc_error_set(err, MC_ERR_SHAPE, "%s: %zu labels for %zu images", path,
		                    (*labels)->dims[0], (*images)->dims[0]);
	return 0;
}

static int s_header(s_gen *g, s_out *so, size_t n_class, size_t n_mask)
{
	const mc_demo_opts *o = g->o;
	json_t *info, *cats;
	char rate[40];
	size_t i;
	int k, rc = 0, prec = 15;

	/* The shortest of %.15g / %.17g that reads back as the same number. */
	snprintf(rate, sizeof rate, "%.15g", o->error_rate);
	if (strtod(rate, NULL) != o->error_rate) {
		snprintf(rate, sizeof rate, "%.17g", o->error_rate);
		prec = 17;
	}
	info = json_pack("{s:s, s:s, s:I, s:f, s:I, s:I, s:i, s:i, s:i}",
	                 "description",
	                 "maskclean demo dataset: Fashion-MNIST items composed into instance segmentation images, with injected label errors (see ground_truth.json)",
	                 "source", o->test_split ? "fashion-mnist t10k" : "fashion-mnist train",
	                 "seed", (json_int_t)o->seed, "error_rate", o->error_rate,
	                 "n_images", (json_int_t)g->n_plans, "n_instances", (json_int_t)g->n_items,
	                 "image_size", g->S, "min_items", o->min_items, "max_items", o->max_items);
	/* The shape options, when they are not the defaults. */
	if (info != NULL && g->shaped) {
		json_object_set_new(info, "imbalance", json_real(o->imbalance));
		json_object_set_new(info, "tiny_classes", json_integer((json_int_t)o->n_tiny));
		json_object_set_new(info, "tiny_size", json_integer((json_int_t)o->tiny_size));
	}
	if (info != NULL && o->copies > 1)
		json_object_set_new(info, "copies", json_integer(o->copies));
	if (info != NULL && o->empty_category)
		json_object_set_new(info, "empty_category", json_true());
	if (info != NULL && (o->toward_small > 0 || o->away_small > 0)) {
		json_object_set_new(info, "toward_small", json_real(o->toward_small));
		json_object_set_new(info, "away_small", json_real(o->away_small));
	}
	rc |= fputs("{\"info\": ", so->ann) < 0;
	rc |= json_dumpf(info, so->ann, JSON_COMPACT | JSON_ENSURE_ASCII |
	                 JSON_REAL_PRECISION(prec)) != 0;
	json_decref(info);
	rc |= fputs(",\n\"images\": [", so->ann) < 0;
	for (i = 0; i < g->n_plans; i++) {
		char name[32];
		snprintf(name, sizeof name, "%06zu.png", i + 1);
		rc |= fputs(i ? ",\n" : "\n", so->ann) < 0;
		rc |= s_dump(so->ann, json_pack("{s:I, s:s, s:i, s:i}", "id", (json_int_t)(i + 1),
		                                "file_name", name, "width", g->S, "height", g->S));
	}
	cats = json_array();
	if (o->empty_category)
		json_array_append_new(cats, json_pack("{s:i, s:s, s:s}", "id", 0, "name", "fashion",
		                                      "supercategory", "none"));
	for (k = 0; k < 10; k++)
		json_array_append_new(cats, json_pack("{s:i, s:s, s:s}", "id", k + 1, "name",
		                                      mc_demo_class_names[k], "supercategory",
		                                      s_supercategory[k]));
	rc |= fputs("],\n\"categories\": ", so->ann) < 0;
	rc |= s_dump(so->ann, cats);
	rc |= fputs(",\n\"annotations\": [", so->ann) < 0;

	rc |= fprintf(so->gt,
	              "{\"seed\": %llu, \"error_rate\": %s, \"n_instances\": %zu, \"n_errors\": %zu, "
	              "\"n_class_errors\": %zu, \"n_mask_errors\": %zu,\n\"annotations\": [",
	              (unsigned long long)o->seed, rate, g->n_items, n_class + n_mask,
	              n_class, n_mask) < 0;
	return rc != 0 ? -1 : 0;
}

int mc_demo_make(mc_demo_result **out, const char *dir, const mc_demo_opts *o,
                 const mc_progress *p, mc_error *err)
{
	s_gen g;
	s_out so;
	mc_idx *images = NULL, *labels = NULL;
	mc_demo_result *res = NULL;
	char *png = NULL;
	mc_atomic_file *ann_f = NULL, *gt_f = NULL;
	uint8_t *rgb = NULL, *inten = NULL, *sil = NULL;
	int16_t *owner = NULL;
	int *stack = NULL, rc;
	size_t n_class = 0, n_mask = 0, img, k;
	const int maxn = 2 * S_SRC;

	*out = NULL;
	memset(&g, 0, sizeof g);
	memset(&so, 0, sizeof so);
	rc = s_check_opts(o, err);
	if (rc != 0)
		return rc;
	g.o = o;
	g.S = o->image_size;
	rc = s_load_fmnist(&g, &images, &labels, err);
	if (rc != 0)
		goto cleanup;
	g.images = images;
	g.labels = labels;
	res = calloc(1, sizeof *res);
	if (res == NULL || (res->dir = strdup(dir)) == NULL ||
	    (res->annotations = mc_path_join(dir, "annotations.json")) == NULL ||
	    (res->images = mc_path_join(dir, "images")) == NULL ||
	    (res->ground_truth = mc_path_join(dir, "ground_truth.json")) == NULL ||
	    (png = malloc(strlen(dir) + 64)) == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
		goto cleanup;
	}
	rc = mc_mkdir(dir, err);
	if (rc == 0)
		rc = mc_mkdir(res->images, err);
	if (rc != 0)
		goto cleanup;
	s_shape_classes(&g);
	rc = s_plan_all(&g, p, err);
	if (rc == 0)
		rc = s_assign(&g, &n_class, &n_mask, err);
	if (rc == 0)
		rc = s_make_copies(&g, err);
	if (rc != 0)
		goto cleanup;
	n_class *= (size_t)o->copies;
	n_mask *= (size_t)o->copies;
	rgb = malloc((size_t)g.S * g.S * 3);
	owner = malloc((size_t)g.S * g.S * sizeof *owner);
	inten = malloc((size_t)maxn * maxn);
	sil = malloc((size_t)maxn * maxn);
	stack = malloc((size_t)maxn * maxn * sizeof *stack);
	so.fm = malloc((size_t)g.S * g.S);
	so.edges = malloc((size_t)(g.S + 1) * (g.S + 1));
	if (rgb == NULL || owner == NULL || inten == NULL || sil == NULL || stack == NULL ||
	    so.fm == NULL || so.edges == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
		goto cleanup;
	}
	if ((rc = mc_atomic_file_open(&ann_f, res->annotations, err)) != 0 ||
	    (rc = mc_atomic_file_open(&gt_f, res->ground_truth, err)) != 0)
		goto cleanup;
	so.ann = s_stream(ann_f);
	so.gt = s_stream(gt_f);
	if (so.ann == NULL || so.gt == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "demo: out of memory");
		goto cleanup;
	}
	if (s_header(&g, &so, n_class, n_mask) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write", res->annotations);
		goto cleanup;
	}
	for (img = 0; img < g.n_plans; img++) {
		const s_plan *pl = &g.plans[img];

		if (mc_progress_report(p, img, g.n_plans, "demo: images") != 0) {
			rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
			goto cleanup;
		}
		s_draw(&g, img, rgb, owner, inten, sil, stack);
		snprintf(png, strlen(dir) + 64, "%s/images/%06zu.png", dir, img + 1);
		rc = s_write_png(png, rgb, g.S, g.S, err);
		if (rc != 0)
			goto cleanup;
		for (k = pl->first; k < pl->first + (size_t)pl->count; k++) {
			rc = s_instance(&g, &so, k, owner, pl->first, err);
			if (rc != 0)
				goto cleanup;
		}
	}
	mc_progress_report(p, g.n_plans, g.n_plans, "demo: images");
	if (fputs("\n]}\n", so.ann) < 0 || fputs("\n]}\n", so.gt) < 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write: %s", dir, strerror(errno));
		goto cleanup;
	}
	{
		int e1 = fclose(so.ann), e2 = fclose(so.gt);
		so.ann = so.gt = NULL;
		if (e1 != 0 || e2 != 0) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write: %s", dir, strerror(errno));
			goto cleanup;
		}
	}
	/* The ground truth first: annotations.json, what users load, completes
	 * the set. */
	rc = mc_atomic_file_commit_if_changed(gt_f, NULL, err);
	gt_f = NULL;
	if (rc == 0)
		rc = mc_atomic_file_commit_if_changed(ann_f, NULL, err);
	ann_f = NULL;
	if (rc != 0)
		goto cleanup;
	res->n_images = g.n_plans;
	res->n_instances = g.n_items;
	res->n_class_errors = n_class;
	res->n_mask_errors = n_mask;
	res->n_errors = n_class + n_mask;
	*out = res;
	res = NULL;
cleanup:
	if (so.ann != NULL)
		fclose(so.ann);
	if (so.gt != NULL)
		fclose(so.gt);
	mc_atomic_file_abort(ann_f);
	mc_atomic_file_abort(gt_f);
	mc_demo_result_free(res);
	mc_idx_free(images);
	mc_idx_free(labels);
	free(g.items);
	free(g.plans);
	free(png);
	free(rgb);
	free(owner);
	free(inten);
	free(sil);
	free(stack);
	free(so.fm);
	free(so.edges);
	return rc;
}

void mc_demo_result_free(mc_demo_result *r)
{
	if (r == NULL)
		return;
	free(r->dir);
	free(r->annotations);
	free(r->images);
	free(r->ground_truth);
	free(r);
}
