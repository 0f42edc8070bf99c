/* This module implements the coreset tree service for logistic regression
 * (maskclean/coreset.h): per-(chunk, class) sensitivities (each block's by
 * maskclean/leverage.h, blocks spread over worker threads), the
 * merge-and-reduce tree, cleaning queries, model-based scores from
 * out-of-fold logistic regression and local updates. The binary file is
 * coreset_io.c's. */
#include "maskclean/coreset.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "maskclean/leverage.h"
#include "maskclean/logreg.h"
#include "maskclean/pool.h"
#include "maskclean/rng.h"
#include "maskclean/split.h"
#include "coreset_internal.h"

static void s_invalidate_scores(mc_coreset *cs);

/* ---------------------------------------------------------------- params */

void mc_coreset_params_init(mc_coreset_params *p)
{
	*p = (mc_coreset_params){ .optimized_for = MC_CORESET_CLEANING,
	                          .basis = MC_BASIS_CHOLQR, .folds = 5, .C = 1.0, .max_iter = 100 };
}

int mc_coreset_goal_parse(mc_coreset_goal *out, const char *name, mc_error *err)
{
	if (strcmp(name, "cleaning") == 0)
		*out = MC_CORESET_CLEANING;
	else if (strcmp(name, "training") == 0)
		*out = MC_CORESET_TRAINING;
	else
		return mc_error_set(err, MC_ERR_INVALID,
		                    "optimized_for: expected \"cleaning\" or \"training\", got \"%s\"",
		                    name);
	return 0;
}

static int s_check_params(const mc_coreset_params *p, mc_error *err)
{
	if (p->optimized_for != MC_CORESET_CLEANING && p->optimized_for != MC_CORESET_TRAINING)
		return mc_error_set(err, MC_ERR_INVALID, "optimized_for: unknown goal %d",
		                    (int)p->optimized_for);
	if (p->basis != MC_BASIS_CHOLQR && p->basis != MC_BASIS_QR)
		return mc_error_set(err, MC_ERR_INVALID, "basis: unknown basis %d", (int)p->basis);
	if (p->chunk_size == 1)
		return mc_error_set(err, MC_ERR_INVALID, "chunk_size: expected at least 2, got 1");
	if (p->folds < 2)
		return mc_error_set(err, MC_ERR_INVALID, "folds: expected at least 2, got %d",
		                    p->folds);
	if (!(p->C > 0) || !isfinite(p->C))
		return mc_error_set(err, MC_ERR_INVALID, "C: expected a positive number, got %g",
		                    p->C);
	if (p->max_iter < 1)
		return mc_error_set(err, MC_ERR_INVALID, "max_iter: expected at least 1, got %d",
		                    p->max_iter);
	return 0;
}

/* ---------------------------------------------------------------- object */

int mc_coreset_new(mc_coreset **out, const mc_coreset_params *params, mc_error *err)
{
	mc_coreset *cs;
	mc_coreset_params p;
	int rc;

	*out = NULL;
	if (params)
		p = *params;
	else
		mc_coreset_params_init(&p);
	rc = s_check_params(&p, err);
	if (rc)
		return rc;
	cs = calloc(1, sizeof *cs);
	if (cs == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	cs->p = p;
	rc = mc_rank_new(&cs->rank, err);
	if (rc) {
		free(cs);
		return rc;
	}
	*out = cs;
	return 0;
}

void mc_cs_node_free(mc_cs_node *nd)
{
	if (nd == NULL)
		return;
	free(nd->idx);
	free(nd->w);
	free(nd->u_id);
	free(nd->u_cls);
	free(nd->u_w);
	free(nd->u_s);
	free(nd);
}

static void s_tree_free(mc_cs_tree *t)
{
	for (size_t k = 0; k < t->n_levels; k++) {
		for (size_t j = 0; j < t->len[k]; j++)
			mc_cs_node_free(t->lv[k][j]);
		free(t->lv[k]);
	}
	free(t->lv);
	free(t->len);
	memset(t, 0, sizeof *t);
}

static void s_invalidate_scores(mc_coreset *cs)
{
	mc_rank_clear(cs->rank);
}

void mc_cs_names_free(char **names, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
}

void mc_coreset_free(mc_coreset *cs)
{
	if (cs == NULL)
		return;
	for (size_t j = 0; j < cs->n_chunks; j++)
		free(cs->chunks[j].X);
	free(cs->chunks);
	free(cs->y);
	free(cs->w);
	free(cs->sens);
	free(cs->seen);
	s_tree_free(&cs->tree);
	free(cs->stale);
	mc_rank_free(cs->rank);
	free(cs->groups);
	mc_cs_names_free(cs->names, cs->n_names);
	free(cs);
}

size_t mc_coreset_n(const mc_coreset *cs) { return cs->n; }
size_t mc_coreset_dim(const mc_coreset *cs) { return cs->d; }
size_t mc_coreset_n_classes(const mc_coreset *cs) { return cs->K; }
size_t mc_coreset_n_chunks(const mc_coreset *cs) { return cs->n_chunks; }
size_t mc_coreset_n_levels(const mc_coreset *cs) { return cs->tree.n_levels; }
size_t mc_coreset_chunk_size(const mc_coreset *cs) { return cs->chunk; }
const mc_coreset_params *mc_coreset_params_of(const mc_coreset *cs) { return &cs->p; }
const int64_t *mc_coreset_labels(const mc_coreset *cs) { return cs->y; }
size_t mc_coreset_n_class_names(const mc_coreset *cs) { return cs->n_names; }

const char *mc_coreset_class_name(const mc_coreset *cs, size_t k)
{
	return k < cs->n_names ? cs->names[k] : NULL;
}

int mc_coreset_set_groups(mc_coreset *cs, const int64_t *groups, size_t n, mc_error *err)
{
	int64_t *g = NULL;

	if (groups != NULL && n != cs->n)
		return mc_error_set(err, MC_ERR_SHAPE, "groups: %zu entries for %zu samples", n, cs->n);
	if (groups != NULL) {
		g = malloc((n ? n : 1) * sizeof *g);
		if (g == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		memcpy(g, groups, n * sizeof *g);
	}
	free(cs->groups);
	cs->groups = g;
	cs->n_groups = g != NULL ? n : 0;
	s_invalidate_scores(cs);
	return 0;
}

int mc_coreset_set_class_names(mc_coreset *cs, const char *const *names, size_t n,
                               mc_error *err)
{
	char **copy = calloc(n ? n : 1, sizeof *copy);

	if (copy == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	for (size_t k = 0; k < n; k++) {
		if (names[k] == NULL || names[k][0] == '\0') {
			mc_cs_names_free(copy, k);
			return mc_error_set(err, MC_ERR_INVALID, "coreset: class name %zu is empty", k);
		}
		for (size_t j = 0; j < k; j++)
			if (strcmp(names[j], names[k]) == 0) {
				mc_cs_names_free(copy, k);
				return mc_error_set(err, MC_ERR_INVALID, "coreset: class name \"%s\" is "
				                    "given twice (classes %zu and %zu)", names[k], j, k);
			}
		copy[k] = strdup(names[k]);
		if (copy[k] == NULL) {
			mc_cs_names_free(copy, k);
			return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		}
	}
	mc_cs_names_free(cs->names, cs->n_names);
	cs->names = copy;
	cs->n_names = n;
	return 0;
}

int mc_coreset_class_lookup(int64_t *out, const mc_coreset *cs, const char *name,
                            mc_error *err)
{
	char known[256];
	size_t len = 0;

	if (cs->n_names == 0)
		return mc_error_set(err, MC_ERR_NOTFOUND, "unknown class \"%s\": this service has no "
		                    "class names (give classes=ds.classes when creating it, or use "
		                    "the class index)", name);
	for (size_t k = 0; k < cs->n_names; k++)
		if (strcmp(cs->names[k], name) == 0) {
			*out = (int64_t)k;
			return 0;
		}
	known[0] = '\0';
	for (size_t k = 0; k < cs->n_names && len + 4 < sizeof known; k++) {
		int w = snprintf(known + len, sizeof known - len, "%s\"%s\"", k ? ", " : "",
		                 cs->names[k]);
		if (w < 0 || (size_t)w >= sizeof known - len) {
			known[len] = '\0';
			snprintf(known + len, sizeof known - len, ", ...");
			break;
		}
		len += (size_t)w;
	}
	return mc_error_set(err, MC_ERR_NOTFOUND, "unknown class \"%s\"; the service's %zu "
	                    "classes are %s", name, cs->n_names, known);
}
const double *mc_coreset_weights(const mc_coreset *cs) { return cs->w; }
const double *mc_coreset_importance(const mc_coreset *cs) { return cs->sens; }

/* Row i, writable: the service's own updates change features in place. */
static double *s_row(mc_coreset *cs, size_t i)
{
	return cs->chunks[i / cs->chunk].X + (i % cs->chunk) * cs->d;
}

const double *mc_coreset_row(const mc_coreset *cs, size_t i)
{
	return cs->chunks[i / cs->chunk].X + (i % cs->chunk) * cs->d;
}

int mc_coreset_is_seen(const mc_coreset *cs, size_t i)
{
	return i < cs->n && cs->seen[i];
}

void mc_coreset_last_work(const mc_coreset *cs, size_t *blocks, size_t *nodes)
{
	if (blocks)
		*blocks = cs->work_blocks;
	if (nodes)
		*nodes = cs->work_nodes;
}

/* ---------------------------------------------------------------- sampling */

typedef struct s_item {
	int64_t cls;
	size_t id;
	double w, s;
} s_item;

static int s_cmp_item(const void *a, const void *b)
{
	const s_item *x = a, *y = b;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

typedef struct s_pair {
	size_t id;
	double w;
} s_pair;

static int s_cmp_pair(const void *a, const void *b)
{
	const s_pair *x = a, *y = b;
	return x->id < y->id ? -1 : (x->id > y->id);
}

/* Sorts items by (class, id). Items already in id order (leaves and merged
 * nodes are) take a stable counting sort by class, O(n + K); else qsort. */
static void s_sort_items(s_item *it, size_t n)
{
	int64_t kmax = 0;
	int by_id = 1;
	size_t *start;
	s_item *tmp;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && it[i].id < it[i - 1].id)
			by_id = 0;
		if (it[i].cls > kmax)
			kmax = it[i].cls;
	}
	if (!by_id || (size_t)kmax > 4 * n + 1024 ||
	    (start = calloc((size_t)kmax + 2, sizeof *start)) == NULL) {
		qsort(it, n, sizeof *it, s_cmp_item);
		return;
	}
	tmp = malloc((n ? n : 1) * sizeof *tmp);
	if (tmp == NULL) {
		free(start);
		qsort(it, n, sizeof *it, s_cmp_item);
		return;
	}
	for (size_t i = 0; i < n; i++)
		start[it[i].cls + 1]++;
	for (size_t k = 1; k <= (size_t)kmax + 1; k++)
		start[k] += start[k - 1];
	for (size_t i = 0; i < n; i++)
		tmp[start[it[i].cls]++] = it[i];
	memcpy(it, tmp, n * sizeof *it);
	free(tmp);
	free(start);
}

/* Draws a node of about m samples from items (sorted here by class, id).
 * Caller owns *out. */
static int s_sample(s_item *it, size_t n, double ratio, uint64_t seed, size_t level, size_t j,
                    mc_cs_node **out,
                    mc_error *err)
{
	mc_cs_node *nd = NULL;
	s_pair *sel = NULL;
	double *cum = NULL;
	size_t *cnt = NULL, nsel = 0, cap;
	double S = 0;
	int rc = 0;

	*out = NULL;
	s_sort_items(it, n);
	for (size_t i = 0; i < n; i++)
		S += it[i].s;
	cap = n;
	sel = malloc((cap ? cap : 1) * sizeof *sel);
	cum = malloc((n ? n : 1) * sizeof *cum);
	cnt = calloc(n ? n : 1, sizeof *cnt);
	nd = calloc(1, sizeof *nd);
	if (sel == NULL || cum == NULL || cnt == NULL || nd == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory (sampling %zu rows)", n);
		goto cleanup;
	}
	for (size_t a = 0; a < n;) {
		size_t b = a, nc, mc;
		double Sc = 0;
		while (b < n && it[b].cls == it[a].cls) {
			Sc += it[b].s;
			b++;
		}
		nc = b - a;
		/* ceil(ratio * n_c): a class's draws depend on its own rows only,
		 * so a change in one class leaves the others' samples alone. */
		mc = (size_t)ceil(ratio * (double)nc - 1e-9);
		(void)S;
		if (mc < 1)
			mc = 1;
		if (mc >= nc || !(Sc > 0)) {
			for (size_t i = a; i < b && nsel < cap; i++) {
				sel[nsel].id = it[i].id;
				sel[nsel].w = it[i].w;
				nsel++;
			}
		} else {
			double acc = 0;
			mc_rng rng;
			/* One stream per (node, class). */
			/* stream (level, j) of the class's seed */
			mc_rng_seed(&rng, seed ^ ((uint64_t)it[a].cls * 0x9e3779b97f4a7c15ULL) ^
			                      ((uint64_t)j * 0x8cb92ba72f3d8dd7ULL), level);
			for (size_t i = a; i < b; i++) {
				acc += it[i].s;
				cum[i] = acc;
				cnt[i] = 0;
			}
			for (size_t t = 0; t < mc; t++) {
				double u = mc_rng_uniform(&rng) * acc;
				size_t lo = a, hi = b - 1;
				while (lo < hi) {
					size_t mid = lo + (hi - lo) / 2;
					if (cum[mid] > u)
						hi = mid;
					else
						lo = mid + 1;
				}
				cnt[lo]++;
			}
			for (size_t i = a; i < b; i++) {
				if (cnt[i] == 0 || nsel >= cap)
					continue;
				sel[nsel].id = it[i].id;
				/* k * w / (m_c p_i), p_i = s_i / S_c */
				sel[nsel].w = (double)cnt[i] * it[i].w * Sc / ((double)mc * it[i].s);
				nsel++;
			}
		}
		a = b;
	}
	qsort(sel, nsel, sizeof *sel, s_cmp_pair);
	nd->m = nsel;
	nd->idx = malloc((nsel ? nsel : 1) * sizeof *nd->idx);
	nd->w = malloc((nsel ? nsel : 1) * sizeof *nd->w);
	if (nd->idx == NULL || nd->w == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < nsel; i++) {
		nd->idx[i] = sel[i].id;
		nd->w[i] = sel[i].w;
	}
	*out = nd;
	nd = NULL;
cleanup:
	mc_cs_node_free(nd);
	free(sel);
	free(cum);
	free(cnt);
	return rc;
}

/* ---------------------------------------------------------------- blocks */

/* Blocks of one group, computed by worker threads: block k covers the
 * sorted positions [start[k], start[k+1]). */
typedef struct s_blockjob {
	const mc_coreset *cs;
	const double **rows;
	const double *bw;
	double *bs;
	const size_t *start;
	size_t n_blocks;
	size_t next;          /* atomically incremented */
	int stop;             /* set (atomically) when the progress callback asks */
	int rc;               /* first failure */
	mc_error err;
	pthread_mutex_t lock;
	const mc_progress *progress;  /* the caller's, for worker 0 */
} s_blockjob;

/* Computes blocks until none is left. The calling thread (progress != NULL)
 * also reports progress after each block and raises stop on request. */
static void s_block_work(s_blockjob *job, const mc_progress *progress)
{
	mc_leverage_work ws = { NULL, 0 };
	mc_error e;

	mc_error_clear(&e);
	for (;;) {
		size_t k, a, b;
		int rc;
		if (__atomic_load_n(&job->stop, __ATOMIC_RELAXED))
			break;
		k = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED);
		if (k >= job->n_blocks)
			break;
		a = job->start[k];
		b = job->start[k + 1];
		rc = mc_leverage_block(job->bs + a, job->rows + a, job->bw + a, b - a,
		                       job->cs->d, job->cs->p.basis, &ws, &e);
		if (rc) {
			pthread_mutex_lock(&job->lock);
			if (job->rc == 0) {
				job->rc = rc;
				job->err = e;
			}
			pthread_mutex_unlock(&job->lock);
			mc_error_clear(&e);
		}
		if (progress != NULL &&
		    mc_progress_report(progress, k + 1, job->n_blocks, "coreset: blocks")) {
			__atomic_store_n(&job->stop, 1, __ATOMIC_RELAXED);
			pthread_mutex_lock(&job->lock);
			if (job->rc == 0) {
				job->rc = MC_ERR_INTERRUPTED;
				mc_error_set(&job->err, MC_ERR_INTERRUPTED, "interrupted");
			}
			pthread_mutex_unlock(&job->lock);
		}
	}
	mc_leverage_work_free(&ws);
}

/* A pool worker (pool.h): worker 0 runs on the calling thread and reports. */
static void s_block_worker(void *ctx, size_t worker, size_t workers)
{
	s_blockjob *job = ctx;

	(void)workers;
	s_block_work(job, worker == 0 ? job->progress : NULL);
}

/* Per-class importance of one group of rows: ids[0..n) (global indices)
 * with weights wts and labels cls. Fills s[0..n). Rows of the same class
 * form one block; blocks are spread over worker threads, each block's BLAS
 * calls single-threaded, so the result does not depend on the thread
 * count. */
static int s_group_sensitivity(const mc_coreset *cs, const size_t *ids, const int64_t *cls,
                               const double *wts, size_t n, double *s, size_t *blocks,
                               const mc_progress *progress, mc_error *err)
{
	s_item *it = NULL;
	const double **rows = NULL;
	double *bw = NULL, *bs = NULL;
	size_t *start = NULL, nb = 0, nt;
	s_blockjob job;
	int rc = 0;

	if (n == 0)
		return 0;
	it = malloc(n * sizeof *it);
	rows = malloc(n * sizeof *rows);
	bw = malloc(n * sizeof *bw);
	bs = malloc(n * sizeof *bs);
	start = malloc((n + 1) * sizeof *start);
	if (it == NULL || rows == NULL || bw == NULL || bs == NULL || start == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		it[i].cls = cls[i];
		it[i].id = i; /* position, to scatter results back */
		it[i].w = wts[i];
	}
	s_sort_items(it, n);
	for (size_t k = 0; k < n; k++) {
		rows[k] = mc_coreset_row(cs, ids[it[k].id]);
		bw[k] = it[k].w;
		if (k == 0 || it[k].cls != it[k - 1].cls)
			start[nb++] = k;
	}
	start[nb] = n;
	memset(&job, 0, sizeof job);
	job.cs = cs;
	job.rows = rows;
	job.bw = bw;
	job.bs = bs;
	job.start = start;
	job.n_blocks = nb;
	mc_error_clear(&job.err);
	job.progress = progress;
	pthread_mutex_init(&job.lock, NULL);
	/* Threads pay off only for enough work. */
	nt = nb < 2 || n * cs->d < 65536 ? 1 : mc_pool_threads();
	if (nt > nb)
		nt = nb;
	mc_pool_run(nt, s_block_worker, &job);
	pthread_mutex_destroy(&job.lock);
	if (job.rc) {
		rc = mc_error_set(err, job.rc, "%s", job.err.text);
		goto cleanup;
	}
	for (size_t k = 0; k < n; k++)
		s[it[k].id] = bs[k];
	if (blocks)
		*blocks += nb;
cleanup:
	free(it);
	free(rows);
	free(bw);
	free(bs);
	free(start);
	return rc;
}

static size_t s_node_size(const mc_coreset *cs)
{
	return cs->csize;
}

/* Leaf coreset of chunk j from the importances sens (local). */
static int s_leaf(const mc_coreset *cs, size_t j, size_t nrows, const double *sens,
                  mc_cs_node **out, mc_error *err)
{
	size_t start = j * cs->chunk, n = 0;
	s_item *it = malloc((nrows ? nrows : 1) * sizeof *it);
	int rc;

	*out = NULL;
	if (it == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	for (size_t r = 0; r < nrows; r++) {
		size_t i = start + r;
		if (!(cs->w[i] > 0))
			continue;
		it[n].cls = cs->y[i];
		it[n].id = i;
		it[n].w = cs->w[i];
		it[n].s = sens[r];
		n++;
	}
	rc = s_sample(it, n, (double)s_node_size(cs) / (double)cs->chunk, cs->p.seed, 0, j, out,
	              err);
	free(it);
	return rc;
}

/* Whether the old union holds class it[x].cls with the same rows it[x..y)
 * (ids and weights): then their importances are old's from *ox on. *q walks
 * old's classes in order across calls (start it at 0). */
static int s_same_block(const mc_cs_node *old, size_t *q, const s_item *it, size_t x,
                        size_t y, size_t *ox)
{
	size_t oy;

	if (old == NULL)
		return 0;
	while (*q < old->un && old->u_cls[*q] < it[x].cls)
		(*q)++;
	*ox = *q;
	oy = *ox;
	while (oy < old->un && old->u_cls[oy] == it[x].cls)
		oy++;
	if (oy - *ox != y - x)
		return 0;
	for (size_t k = 0; k < y - x; k++)
		if (old->u_id[*ox + k] != it[x + k].id ||
		    memcmp(&old->u_w[*ox + k], &it[x + k].w, sizeof(double)) != 0)
			return 0;
	return 1;
}

/* A node holding only a union's cache: it[0..n) in (class, index) order. */
static int s_union_node(mc_cs_node **out, const s_item *it, size_t n, mc_error *err)
{
	mc_cs_node *nd = calloc(1, sizeof *nd);

	*out = NULL;
	if (nd == NULL || (nd->u_id = malloc((n ? n : 1) * sizeof *nd->u_id)) == NULL ||
	    (nd->u_cls = malloc((n ? n : 1) * sizeof *nd->u_cls)) == NULL ||
	    (nd->u_w = malloc((n ? n : 1) * sizeof *nd->u_w)) == NULL ||
	    (nd->u_s = malloc((n ? n : 1) * sizeof *nd->u_s)) == NULL) {
		mc_cs_node_free(nd);
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	}
	nd->un = n;
	for (size_t k = 0; k < n; k++) {
		nd->u_id[k] = it[k].id;
		nd->u_cls[k] = it[k].cls;
		nd->u_w[k] = it[k].w;
		nd->u_s[k] = it[k].s;
	}
	*out = nd;
	return 0;
}

/* Moves the union cache of from into to. */
static void s_union_move(mc_cs_node *to, mc_cs_node *from)
{
	to->un = from->un;
	to->u_id = from->u_id;
	to->u_cls = from->u_cls;
	to->u_w = from->u_w;
	to->u_s = from->u_s;
	from->u_id = NULL;
	from->u_cls = NULL;
	from->u_w = NULL;
	from->u_s = NULL;
}

/* Merge two nodes and reduce the union back to a node. old (may be NULL) is
 * the node this one replaces: the blocks of classes whose rows, labels and
 * weights are unchanged take their importances from it instead of being
 * recomputed (the same numbers: a block's result depends only on its rows
 * in (class, index) order). */
static int s_reduce(const mc_coreset *cs, const mc_cs_node *a, const mc_cs_node *b,
                    const mc_cs_node *old, size_t level, size_t j, mc_cs_node **out,
                    size_t *blocks, const mc_progress *progress, mc_error *err)
{
	size_t n = a->m + b->m, nc = 0, q = 0;
	size_t *ids = malloc((n ? n : 1) * sizeof *ids);
	int64_t *cl = malloc((n ? n : 1) * sizeof *cl);
	double *wt = malloc((n ? n : 1) * sizeof *wt);
	double *s = malloc((n ? n : 1) * sizeof *s);
	size_t *where = malloc((n ? n : 1) * sizeof *where);
	s_item *it = malloc((n ? n : 1) * sizeof *it);
	mc_cs_node *nd = NULL;
	int rc = 0;

	*out = NULL;
	if (ids == NULL || cl == NULL || wt == NULL || s == NULL || it == NULL || where == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	for (size_t k = 0; k < n; k++) {
		const mc_cs_node *src = k < a->m ? a : b;
		size_t r = k < a->m ? k : k - a->m;
		it[k].id = src->idx[r];
		it[k].w = src->w[r];
		it[k].cls = cs->y[it[k].id];
		it[k].s = 0;
	}
	/* Children are sorted by index and a's indices precede b's. */
	s_sort_items(it, n);
	/* each class's block: reused from old, or queued for recomputing */
	for (size_t x = 0; x < n;) {
		size_t y = x, ox = 0;
		int same;
		while (y < n && it[y].cls == it[x].cls)
			y++;
		same = s_same_block(old, &q, it, x, y, &ox);
		for (size_t k = x; k < y; k++) {
			if (same) {
				it[k].s = old->u_s[ox + (k - x)];
			} else {
				ids[nc] = it[k].id;
				cl[nc] = it[k].cls;
				wt[nc] = it[k].w;
				where[nc++] = k;
			}
		}
		x = y;
	}
	rc = s_group_sensitivity(cs, ids, cl, wt, nc, s, blocks, progress, err);
	if (rc)
		goto cleanup;
	for (size_t k = 0; k < nc; k++)
		it[where[k]].s = s[k];
	rc = s_union_node(&nd, it, n, err);
	if (rc)
		goto cleanup;
	/* Each level halves: the union of two nodes goes back to one node's size. */
	rc = s_sample(it, n, 0.5, cs->p.seed, level, j, out, err);
	if (rc == 0)
		s_union_move(*out, nd);
cleanup:
	mc_cs_node_free(nd);
	free(ids);
	free(cl);
	free(wt);
	free(s);
	free(where);
	free(it);
	return rc;
}

static int s_node_copy(const mc_cs_node *a, mc_cs_node **out, mc_error *err)
{
	mc_cs_node *nd = calloc(1, sizeof *nd);

	*out = NULL;
	if (nd == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	nd->m = a->m;
	nd->idx = malloc((a->m ? a->m : 1) * sizeof *nd->idx);
	nd->w = malloc((a->m ? a->m : 1) * sizeof *nd->w);
	if (nd->idx == NULL || nd->w == NULL) {
		mc_cs_node_free(nd);
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	}
	memcpy(nd->idx, a->idx, a->m * sizeof *nd->idx);
	memcpy(nd->w, a->w, a->m * sizeof *nd->w);
	*out = nd;
	return 0;
}

/* ---------------------------------------------------------------- tree */

/* A pending change: chunks [0, n_chunks) with new leaf importances and
 * leaves for the dirty ones, and a new tree sharing the clean nodes. */
typedef struct s_pending {
	size_t n_chunks;
	unsigned char *dirty;     /* per chunk */
	double **sens;            /* per chunk: new local importances (dirty only) */
	mc_cs_tree tree;          /* new tree; owned[k][j] says whether a node is new */
	unsigned char **owned;
} s_pending;

static void s_pending_free(s_pending *pd)
{
	if (pd->sens) {
		for (size_t j = 0; j < pd->n_chunks; j++)
			free(pd->sens[j]);
	}
	free(pd->sens);
	free(pd->dirty);
	for (size_t k = 0; k < pd->tree.n_levels; k++) {
		for (size_t j = 0; j < pd->tree.len[k]; j++)
			if (pd->owned && pd->owned[k] && pd->owned[k][j])
				mc_cs_node_free(pd->tree.lv[k][j]);
		free(pd->tree.lv[k]);
		if (pd->owned)
			free(pd->owned[k]);
	}
	free(pd->owned);
	free(pd->tree.lv);
	free(pd->tree.len);
	memset(pd, 0, sizeof *pd);
}

static size_t s_chunk_rows(const mc_coreset *cs, size_t n_total, size_t j)
{
	size_t start = j * cs->chunk;
	return n_total - start < cs->chunk ? n_total - start : cs->chunk;
}

/* Computes the new tree for n_total rows in pd->n_chunks chunks, where
 * pd->dirty marks the chunks whose leaf must be recomputed (their new
 * importances are in pd->sens). */
static int s_pending_tree(mc_coreset *cs, s_pending *pd, size_t n_total,
                          const mc_progress *progress, mc_error *err)
{
	size_t L = pd->n_chunks, levels = 1, len = L;
	unsigned char *dirty = NULL, *next = NULL;
	mc_cs_tree *t = &pd->tree;
	int rc = 0;

	while (len > 1) {
		len = (len + 1) / 2;
		levels++;
	}
	t->lv = calloc(levels, sizeof *t->lv);
	t->len = calloc(levels, sizeof *t->len);
	pd->owned = calloc(levels, sizeof *pd->owned);
	dirty = calloc(L ? L : 1, 1);
	next = calloc(L ? L : 1, 1);
	if (t->lv == NULL || t->len == NULL || pd->owned == NULL || dirty == NULL || next == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	t->n_levels = levels;
	len = L;
	for (size_t k = 0; k < levels; k++) {
		const mc_cs_tree *old = &cs->tree;
		int have_old = k < old->n_levels;

		t->len[k] = len;
		t->lv[k] = calloc(len, sizeof *t->lv[k]);
		pd->owned[k] = calloc(len, 1);
		if (t->lv[k] == NULL || pd->owned[k] == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
			goto cleanup;
		}
		for (size_t j = 0; j < len; j++) {
			int reuse;
			if (k == 0)
				reuse = !pd->dirty[j] && have_old && j < old->len[0] &&
				        !(j < cs->stale_len && cs->stale[j]);
			else
				reuse = !dirty[2 * j] && (2 * j + 1 >= t->len[k - 1] || !dirty[2 * j + 1]) &&
				        have_old && j < old->len[k] &&
				        /* the pairing must be the same as before */
				        ((2 * j + 1 < t->len[k - 1]) == (2 * j + 1 < old->len[k - 1]));
			if (reuse) {
				t->lv[k][j] = old->lv[k][j];
				next[j] = 0;
				continue;
			}
			if (k == 0) {
				rc = s_leaf(cs, j, s_chunk_rows(cs, n_total, j),
				            pd->sens[j] ? pd->sens[j] : cs->sens + j * cs->chunk,
				            &t->lv[k][j], err);
			} else if (2 * j + 1 < t->len[k - 1]) {
				const mc_cs_node *prev = have_old && j < old->len[k] ? old->lv[k][j]
				                                                      : NULL;
				rc = s_reduce(cs, t->lv[k - 1][2 * j], t->lv[k - 1][2 * j + 1], prev, k,
				              j, &t->lv[k][j], &cs->work_blocks, progress, err);
			} else {
				rc = s_node_copy(t->lv[k - 1][2 * j], &t->lv[k][j], err);
			}
			if (rc)
				goto cleanup;
			pd->owned[k][j] = 1;
			next[j] = 1;
			cs->work_nodes++;
			if (mc_progress_report(progress, k, levels, "coreset: tree")) {
				rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
				goto cleanup;
			}
		}
		memcpy(dirty, next, len);
		len = (len + 1) / 2;
	}
cleanup:
	free(dirty);
	free(next);
	return rc;
}

/* Installs pd: importances of dirty chunks, the new tree (freeing replaced
 * old nodes). */
static void s_pending_commit(mc_coreset *cs, s_pending *pd)
{
	mc_cs_tree *old = &cs->tree;

	for (size_t j = 0; j < pd->n_chunks; j++) {
		if (pd->dirty[j] && pd->sens[j] != NULL)
			memcpy(cs->sens + j * cs->chunk, pd->sens[j],
			       s_chunk_rows(cs, cs->n, j) * sizeof *cs->sens);
	}
	/* Free the old nodes that the new tree does not share. */
	for (size_t k = 0; k < old->n_levels; k++) {
		for (size_t j = 0; j < old->len[k]; j++) {
			int kept = k < pd->tree.n_levels && j < pd->tree.len[k] &&
			           pd->tree.lv[k][j] == old->lv[k][j];
			if (!kept)
				mc_cs_node_free(old->lv[k][j]);
		}
		free(old->lv[k]);
	}
	free(old->lv);
	free(old->len);
	cs->tree = pd->tree;
	memset(&pd->tree, 0, sizeof pd->tree);
	for (size_t k = 0; pd->owned && k < cs->tree.n_levels; k++)
		free(pd->owned[k]);
	free(pd->owned);
	pd->owned = NULL;
	free(cs->stale);
	cs->stale = NULL;
	cs->stale_len = 0;
}

static int s_pending_init(s_pending *pd, size_t n_chunks, mc_error *err)
{
	memset(pd, 0, sizeof *pd);
	pd->n_chunks = n_chunks;
	pd->dirty = calloc(n_chunks ? n_chunks : 1, 1);
	pd->sens = calloc(n_chunks ? n_chunks : 1, sizeof *pd->sens);
	if (pd->dirty == NULL || pd->sens == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	return 0;
}

/* Importance of the rows of the chunks with pd->dirty[j] set: in chunk j,
 * the rows whose class is marked (marks[j][c]; full[j] or marks NULL: every
 * class), into pd->sens[j][local row]; rows of weight 0 get 0, rows of
 * unmarked classes are left alone. All the (chunk, class) blocks go to the
 * workers as one job, so their scratch is allocated once and the threads
 * stay busy across chunks. */
static int s_chunks_importance(const mc_coreset *cs, const s_pending *pd, size_t n_total,
                               unsigned char *const *marks, const unsigned char *full,
                               size_t *blocks, const mc_progress *progress, mc_error *err)
{
	size_t n = 0, *ids = NULL;
	int64_t *key = NULL;
	double *wt = NULL, *s = NULL;
	int rc = 0;

	for (size_t j = 0; j < pd->n_chunks; j++)
		if (pd->dirty[j])
			n += s_chunk_rows(cs, n_total, j);
	ids = malloc((n ? n : 1) * sizeof *ids);
	key = malloc((n ? n : 1) * sizeof *key);
	wt = malloc((n ? n : 1) * sizeof *wt);
	s = malloc((n ? n : 1) * sizeof *s);
	if (ids == NULL || key == NULL || wt == NULL || s == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	n = 0;
	for (size_t j = 0; j < pd->n_chunks; j++) {
		const unsigned char *mark = (full != NULL && full[j]) || marks == NULL ? NULL
		                                                                        : marks[j];
		size_t nrows = s_chunk_rows(cs, n_total, j), start = j * cs->chunk;
		if (!pd->dirty[j])
			continue;
		for (size_t r = 0; r < nrows; r++) {
			size_t i = start + r;
			if (mark != NULL && !mark[cs->y[i]])
				continue;
			if (!(cs->w[i] > 0)) {
				pd->sens[j][r] = 0;
				continue;
			}
			ids[n] = i;
			/* a block is a (chunk, class) pair */
			key[n] = (int64_t)(j * cs->K) + cs->y[i];
			wt[n] = cs->w[i];
			n++;
		}
	}
	if (n == 0)
		goto cleanup; /* only removed rows, or classes with no rows left */
	rc = s_group_sensitivity(cs, ids, key, wt, n, s, blocks, progress, err);
	if (rc)
		goto cleanup;
	for (size_t k = 0; k < n; k++)
		pd->sens[ids[k] / cs->chunk][ids[k] % cs->chunk] = s[k];
cleanup:
	free(ids);
	free(key);
	free(wt);
	free(s);
	return rc;
}

/* Recomputes, for each chunk j with marks[j] != NULL, the blocks of the
 * marked classes (all_dirty[j]: every block of chunk j); commits on success.
 * n_total rows exist. With defer_tree the tree is left to mc_cs_ensure_tree:
 * the cleaning loop reads only importances between updates, and the tree is
 * rebuilt once for any number of updates, when something reads it. */
static int s_recompute(mc_coreset *cs, size_t n_total, size_t n_chunks,
                       unsigned char *const *marks, const unsigned char *all_dirty,
                       const double *given, int defer_tree, const mc_progress *progress,
                       mc_error *err)
{
	s_pending pd;
	int rc;

	cs->work_blocks = 0;
	cs->work_nodes = 0;
	if (all_dirty == NULL) {
		int any = 0;
		for (size_t j = 0; marks != NULL && j < n_chunks && !any; j++)
			any = marks[j] != NULL;
		if (!any)
			return 0; /* nothing changed */
	}
	rc = s_pending_init(&pd, n_chunks, err);
	if (rc)
		goto cleanup;
	if (defer_tree && cs->stale == NULL) {
		cs->stale = calloc(n_chunks ? n_chunks : 1, 1);
		if (cs->stale == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
			goto cleanup;
		}
		cs->stale_len = n_chunks;
	}
	for (size_t j = 0; j < n_chunks; j++) {
		size_t nr = s_chunk_rows(cs, n_total, j);
		int full = all_dirty != NULL && all_dirty[j];

		if (!full && (marks == NULL || marks[j] == NULL))
			continue;
		pd.dirty[j] = 1;
		pd.sens[j] = malloc((nr ? nr : 1) * sizeof *pd.sens[j]);
		if (pd.sens[j] == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
			goto cleanup;
		}
		if (!full)
			memcpy(pd.sens[j], cs->sens + j * cs->chunk,
			       s_chunk_rows(cs, cs->n, j) * sizeof *pd.sens[j]);
	}
	/* given (a first build): the importances were computed elsewhere,
	 * as s_chunks_importance computes them (mc_coreset_importance_rows) */
	for (size_t j = 0; given != NULL && j < n_chunks; j++)
		memcpy(pd.sens[j], given + j * cs->chunk, s_chunk_rows(cs, n_total, j) * sizeof *given);
	if (given == NULL)
		rc = s_chunks_importance(cs, &pd, n_total, marks, all_dirty, &cs->work_blocks,
		                         progress, err);
	if (rc)
		goto cleanup;
	if (defer_tree) {
		for (size_t j = 0; j < n_chunks; j++) {
			if (!pd.dirty[j])
				continue;
			memcpy(cs->sens + j * cs->chunk, pd.sens[j],
			       s_chunk_rows(cs, n_total, j) * sizeof *cs->sens);
			cs->stale[j] = 1;
		}
	} else {
		rc = s_pending_tree(cs, &pd, n_total, progress, err);
		if (rc)
			goto cleanup;
		cs->n = n_total;
		s_pending_commit(cs, &pd);
	}
	s_invalidate_scores(cs);
cleanup:
	s_pending_free(&pd);
	return rc;
}

/* Rebuilds the tree nodes above the leaves that updates left stale. On
 * failure (out of memory, interrupted) the old tree and the stale marks
 * stay, so a later call can try again. */
int mc_cs_ensure_tree(mc_coreset *cs, const mc_progress *progress, mc_error *err)
{
	s_pending pd;
	int rc;

	if (cs->stale == NULL)
		return 0;
	cs->work_blocks = 0;
	cs->work_nodes = 0;
	rc = s_pending_init(&pd, cs->n_chunks, err);
	if (rc == 0)
		rc = s_pending_tree(cs, &pd, cs->n, progress, err);
	if (rc == 0)
		s_pending_commit(cs, &pd);
	s_pending_free(&pd);
	return rc;
}

/* ---------------------------------------------------------------- build */

static int s_check_rows(const mc_matrix *X, const int64_t *y, const double *w, size_t d,
                        int has_d, mc_error *err)
{
	if (X == NULL || y == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "coreset: X and y are required");
	if (X->rows == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "coreset: X has no rows");
	if (X->cols == 0)
		return mc_error_set(err, MC_ERR_SHAPE, "coreset: X has no columns");
	if (has_d && X->cols != d)
		return mc_error_set(err, MC_ERR_SHAPE,
		                    "coreset: X has %zu columns, the service holds %zu", X->cols, d);
	for (size_t i = 0; i < X->rows; i++) {
		if (y[i] < 0 || y[i] > MC_CS_MAX_LABEL)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "coreset: y[%zu] = %lld, expected a class id in [0, %d]", i,
			                    (long long)y[i], MC_CS_MAX_LABEL);
		if (w != NULL && (!(w[i] >= 0) || !isfinite(w[i])))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "coreset: sample_weight[%zu] = %g, expected a finite "
			                    "number >= 0", i, w[i]);
		for (size_t j = 0; j < X->cols; j++) {
			if (!isfinite(MC_AT(X, i, j)))
				return mc_error_set(err, MC_ERR_INVALID,
				                    "coreset: X row %zu, column %zu is %g, expected a finite "
				                    "number", i, j, MC_AT(X, i, j));
		}
	}
	return 0;
}

static void *s_grow(void *p, size_t n, size_t size)
{
	return realloc(p, (n ? n : 1) * size);
}

/* Feature rows of one chunk (up to gigabytes): on 2 MiB pages where the
 * kernel offers them on request, since faulting in 4 KiB pages cost a tenth
 * of a COCO-scale build. Freed with free(). */
static double *s_chunk_alloc(size_t count)
{
	const size_t huge = (size_t)2 << 20;
	size_t bytes = (count ? count : 1) * sizeof(double);
	void *p = NULL;

	if (bytes < 2 * huge)
		return malloc(bytes);
	if (posix_memalign(&p, huge, (bytes + huge - 1) / huge * huge) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE);
#endif
	return p;
}

/* Copies the rows of X into the chunks from row n_old on, in parts taken
 * by the pool's workers: the copy first touches the new pages, and the
 * kernel's zeroing of them is the larger part of its cost. */
typedef struct s_copyjob {
	mc_cs_chunk *chunks;
	size_t chunk, n_old, parts;
	const mc_matrix *X;
	atomic_size_t next;   /* the next part to copy */
} s_copyjob;

static void s_copy_part(void *ctx, size_t worker, size_t workers)
{
	s_copyjob *cj = ctx;
	size_t d = cj->X->cols, t;

	(void)worker;
	(void)workers;
	while ((t = atomic_fetch_add(&cj->next, 1)) < cj->parts) {
		size_t r0 = cj->X->rows * t / cj->parts, r1 = cj->X->rows * (t + 1) / cj->parts;
		for (size_t r = r0; r < r1; r++) {
			size_t i = cj->n_old + r, j = i / cj->chunk;
			memcpy(cj->chunks[j].X + (i % cj->chunk) * d, cj->X->data + r * cj->X->stride,
			       d * sizeof(double));
		}
	}
}

static void s_copy_rows(mc_cs_chunk *chunks, size_t chunk, size_t n_old, const mc_matrix *X)
{
	s_copyjob job = { chunks, chunk, n_old, 1, X, 0 };

	if (X->rows * X->cols >= ((size_t)1 << 20))
		job.parts = mc_pool_threads();
	atomic_init(&job.next, 0);
	mc_pool_run(job.parts, s_copy_part, &job);
}

/* partial_build, with the leaf importances given (a first build only) or
 * computed, and the tree built or left to the next reader (defer_tree). */
static int s_partial_build(mc_coreset *cs, const mc_matrix *X, const int64_t *y,
                           const double *w, const double *given, int defer_tree,
                           const mc_progress *progress, mc_error *err)
{
	size_t n_old, n_new, d, chunk, old_chunks, new_chunks, K;
	mc_cs_chunk *chunks = NULL;
	unsigned char *all = NULL;
	int rc, first = cs->n == 0;

	rc = s_check_rows(X, y, w, cs->d, !first, err);
	if (rc)
		return rc;
	n_old = cs->n;
	n_new = n_old + X->rows;
	d = first ? X->cols : cs->d;
	chunk = cs->chunk;
	K = cs->K;
	for (size_t i = 0; i < X->rows; i++)
		if ((size_t)y[i] + 1 > K)
			K = (size_t)y[i] + 1;
	if (first) {
		size_t present = 0;
		unsigned char *seen = calloc(K, 1);
		if (seen == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		for (size_t i = 0; i < X->rows; i++) {
			if (!seen[y[i]]) {
				seen[y[i]] = 1;
				present++;
			}
		}
		free(seen);
		mc_coreset_sizes(&cs->p, d, present, &chunk, &cs->csize);
	}
	/* Grow per-sample arrays (contents up to n_old are untouched). */
	if (n_new > cs->cap) {
		size_t cap = cs->cap ? cs->cap : 1024;
		int64_t *ny;
		double *nw, *nsens;
		unsigned char *nseen;
		while (cap < n_new)
			cap *= 2;
		ny = s_grow(cs->y, cap, sizeof *cs->y);
		if (ny)
			cs->y = ny;
		nw = s_grow(cs->w, cap, sizeof *cs->w);
		if (nw)
			cs->w = nw;
		nsens = s_grow(cs->sens, cap, sizeof *cs->sens);
		if (nsens)
			cs->sens = nsens;
		nseen = s_grow(cs->seen, cap, 1);
		if (nseen)
			cs->seen = nseen;
		if (!ny || !nw || !nsens || !nseen)
			return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory for %zu samples",
			                    n_new);
		cs->cap = cap;
	}
	old_chunks = cs->n_chunks;
	new_chunks = (n_new + chunk - 1) / chunk;
	chunks = calloc(new_chunks, sizeof *chunks);
	all = calloc(new_chunks, 1);
	if (chunks == NULL || all == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	for (size_t j = 0; j < old_chunks; j++)
		chunks[j] = cs->chunks[j];
	/* Extend the last old chunk, allocate new ones (old rows stay valid). */
	for (size_t j = old_chunks ? old_chunks - 1 : 0; j < new_chunks; j++) {
		size_t rows = (n_new - j * chunk) < chunk ? n_new - j * chunk : chunk;
		size_t have = j < old_chunks ? cs->chunks[j].n : 0;
		double *buf;
		if (rows == have)
			continue;
		buf = s_chunk_alloc(rows * d);
		if (buf == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM,
			                  "coreset: out of memory for a %zux%zu chunk", rows, d);
			goto cleanup;
		}
		if (have)
			memcpy(buf, cs->chunks[j].X, have * d * sizeof *buf);
		chunks[j].X = buf;
		chunks[j].n = rows;
		all[j] = 1;
	}
	s_copy_rows(chunks, chunk, n_old, X);
	for (size_t r = 0; r < X->rows; r++) {
		size_t i = n_old + r;
		cs->y[i] = y[r];
		cs->w[i] = w ? w[r] : 1.0;
		cs->seen[i] = 0;
		cs->sens[i] = 0;
	}
	{
		/* Swap in the chunk table so the row accessor sees new rows; undo on
		 * failure. */
		mc_cs_chunk *old_tab = cs->chunks;
		size_t save_d = cs->d, save_chunk = cs->chunk, save_K = cs->K, save_nc = cs->n_chunks;
		cs->chunks = chunks;
		cs->n_chunks = new_chunks;
		cs->d = d;
		cs->chunk = chunk;
		cs->K = K;
		rc = s_recompute(cs, n_new, new_chunks, NULL, all, given, defer_tree, progress, err);
		if (rc) {
			cs->chunks = old_tab;
			cs->n_chunks = save_nc;
			cs->d = save_d;
			cs->chunk = save_chunk;
			cs->K = save_K;
			goto cleanup;
		}
		/* Free replaced buffers of the extended last chunk. */
		if (old_chunks && all[old_chunks - 1])
			free(old_tab[old_chunks - 1].X);
		free(old_tab);
		chunks = NULL;
	}
cleanup:
	if (chunks) {
		for (size_t j = 0; all != NULL && j < new_chunks; j++)
			if (all[j])
				free(chunks[j].X);
		free(chunks);
	}
	free(all);
	return rc;
}

int mc_coreset_partial_build(mc_coreset *cs, const mc_matrix *X, const int64_t *y,
                             const double *w, const mc_progress *progress, mc_error *err)
{
	return s_partial_build(cs, X, y, w, NULL, 0, progress, err);
}

void mc_coreset_sizes(const mc_coreset_params *p, size_t d, size_t present, size_t *chunk,
                      size_t *csize)
{
	*chunk = p->chunk_size;
	if (*chunk == 0) {
		*chunk = 4 * (d + 1) * present;
		if (*chunk < 16384)
			*chunk = 16384;
	}
	if (p->coreset_size > 0) {
		*csize = p->coreset_size;
	} else {
		size_t frac = p->optimized_for == MC_CORESET_TRAINING ? 8 : 20;
		size_t floor_m = 2 * (d + 2) < 64 ? 64 : 2 * (d + 2);
		*csize = *chunk / frac > floor_m ? *chunk / frac : floor_m;
	}
}

int mc_coreset_importance_rows(double *out, const mc_coreset_params *p, const mc_matrix *X,
                               const int64_t *y, const double *w, const mc_progress *progress,
                               mc_error *err)
{
	mc_coreset *cs = NULL;
	int rc;

	if (p->chunk_size == 0)
		return mc_error_set(err, MC_ERR_INVALID, "coreset: the importance of a part of the "
		                    "data needs the data's chunk_size");
	rc = mc_coreset_new(&cs, p, err);
	if (rc == 0 && X->rows > 0)
		rc = s_partial_build(cs, X, y, w, NULL, 1, progress, err);
	if (rc == 0 && X->rows > 0)
		memcpy(out, cs->sens, X->rows * sizeof *out);
	mc_coreset_free(cs);
	return rc;
}

int mc_coreset_build_with(mc_coreset *cs, const mc_matrix *X, const int64_t *y,
                          const double *w, const double *importance,
                          const mc_progress *progress, mc_error *err)
{
	if (cs->n != 0)
		return mc_error_set(err, MC_ERR_STATE,
		                    "coreset: already built with %zu samples", cs->n);
	return s_partial_build(cs, X, y, w, importance, 0, progress, err);
}

void mc_coreset_swap(mc_coreset *a, mc_coreset *b)
{
	mc_coreset t = *a;

	*a = *b;
	*b = t;
}

int mc_coreset_build(mc_coreset *cs, const mc_matrix *X, const int64_t *y, const double *w,
                     const mc_progress *progress, mc_error *err)
{
	if (cs->n != 0)
		return mc_error_set(err, MC_ERR_STATE,
		                    "coreset: already built with %zu samples; use partial_build to add "
		                    "data", cs->n);
	return mc_coreset_partial_build(cs, X, y, w, progress, err);
}

/* ---------------------------------------------------------------- coreset */

int mc_coreset_get_coreset(size_t **idx, double **w, size_t *m, mc_coreset *cs, size_t level,
                           mc_error *err)
{
	const mc_cs_tree *t = &cs->tree;
	size_t k, total = 0, pos = 0;
	s_pair *pr;
	int rc;

	*idx = NULL;
	*w = NULL;
	*m = 0;
	if (cs->n == 0)
		return mc_error_set(err, MC_ERR_STATE, "coreset: the service is not built yet");
	rc = mc_cs_ensure_tree(cs, NULL, err);
	if (rc)
		return rc;
	k = level >= t->n_levels ? 0 : t->n_levels - 1 - level;
	for (size_t j = 0; j < t->len[k]; j++)
		total += t->lv[k][j]->m;
	pr = malloc((total ? total : 1) * sizeof *pr);
	*idx = malloc((total ? total : 1) * sizeof **idx);
	*w = malloc((total ? total : 1) * sizeof **w);
	if (pr == NULL || *idx == NULL || *w == NULL) {
		free(pr);
		free(*idx);
		free(*w);
		*idx = NULL;
		*w = NULL;
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	}
	for (size_t j = 0; j < t->len[k]; j++) {
		const mc_cs_node *nd = t->lv[k][j];
		for (size_t q = 0; q < nd->m; q++) {
			pr[pos].id = nd->idx[q];
			pr[pos].w = nd->w[q];
			pos++;
		}
	}
	qsort(pr, total, sizeof *pr, s_cmp_pair);
	for (size_t q = 0; q < total; q++) {
		(*idx)[q] = pr[q].id;
		(*w)[q] = pr[q].w;
	}
	free(pr);
	*m = total;
	return 0;
}

int mc_coreset_coreset_data(mc_matrix **Xc, int64_t **yc, double **wc, size_t **idx_out,
                            mc_coreset *cs, size_t level, mc_error *err)
{
	size_t *idx = NULL, m = 0;
	double *w = NULL;
	int64_t *y = NULL;
	mc_matrix *X = NULL;
	int rc;

	*Xc = NULL;
	*yc = NULL;
	*wc = NULL;
	if (idx_out)
		*idx_out = NULL;
	rc = mc_coreset_get_coreset(&idx, &w, &m, cs, level, err);
	if (rc)
		return rc;
	rc = mc_matrix_new(&X, m, cs->d, err);
	if (rc)
		goto cleanup;
	y = malloc((m ? m : 1) * sizeof *y);
	if (y == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	for (size_t q = 0; q < m; q++) {
		memcpy(X->data + q * X->stride, mc_coreset_row(cs, idx[q]), cs->d * sizeof(double));
		y[q] = cs->y[idx[q]];
	}
	*Xc = X;
	*yc = y;
	*wc = w;
	if (idx_out)
		*idx_out = idx;
	else
		free(idx);
	return 0;
cleanup:
	mc_matrix_free(X);
	free(y);
	free(w);
	free(idx);
	return rc;
}

/* ---------------------------------------------------------------- scores */

static const double *s_row_of(const void *ctx, size_t i)
{
	return mc_coreset_row(ctx, i);
}

/* What the ranking methods see of cs. */
static void s_rank_data(const mc_coreset *cs, mc_rank_data *d, mc_row_source *X)
{
	X->ctx = cs;
	X->row = s_row_of;
	X->rows = cs->n;
	X->cols = cs->d;
	memset(d, 0, sizeof *d);
	d->n = cs->n;
	d->K = cs->K;
	d->y = cs->y;
	d->w = cs->w;
	d->importance = cs->sens;
	d->X = X;
	mc_cv_opts_init(&d->cv);
	d->cv.folds = (size_t)cs->p.folds;
	d->cv.seed = cs->p.seed;
	d->cv.name = "model scores";
	d->cv.groups = cs->groups != NULL && cs->n_groups == cs->n ? cs->groups : NULL;
	mc_logreg_params_init(&d->lr);
	d->lr.C = cs->p.C;
	d->lr.class_weight = MC_CW_BALANCED;
	d->lr.n_classes = cs->K;
	d->lr.max_iter = (size_t)cs->p.max_iter;
	d->seed = cs->p.seed;
}

int mc_coreset_scores(mc_coreset *cs, mc_score_method method, const double **scores,
                      const mc_progress *progress, mc_error *err)
{
	mc_rank_data d;
	mc_row_source X;

	*scores = NULL;
	if (cs->n == 0)
		return mc_error_set(err, MC_ERR_STATE, "coreset: the service is not built yet");
	s_rank_data(cs, &d, &X);
	return mc_rank_scores(scores, cs->rank, method, &d, progress, err);
}

int mc_coreset_proba(mc_coreset *cs, const double **proba, size_t *k,
                     const mc_progress *progress, mc_error *err)
{
	const double *sc;
	const mc_matrix *P;
	mc_score_method m;
	int rc;

	*proba = NULL;
	*k = 0;
	rc = mc_rank_parse(&m, "self_confidence", err);
	if (rc == 0)
		rc = mc_coreset_scores(cs, m, &sc, progress, err);
	if (rc)
		return rc;
	P = mc_rank_proba(cs->rank);
	assert(P != NULL && P->stride == P->cols);
	*proba = P->data;
	*k = P->cols;
	return 0;
}

/* ---------------------------------------------------------------- queries */

void mc_cleaning_query_init(mc_cleaning_query *q)
{
	*q = (mc_cleaning_query){ .ignore_seen = 1, .method = MC_SCORE_IMPORTANCE };
}

typedef struct s_ranked {
	double score;
	size_t id;
} s_ranked;

static int s_cmp_ranked(const void *a, const void *b)
{
	const s_ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

/* The query's indices are in range and every class_size class has rows. */
static int s_check_query(const mc_coreset *cs, const mc_cleaning_query *q, mc_error *err)
{
	for (size_t k = 0; k < q->n_ignore; k++)
		if (q->ignore[k] >= cs->n)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "ignore_indices[%zu] = %zu, expected an index below %zu", k,
			                    q->ignore[k], cs->n);
	for (size_t k = 0; q->has_select_from && k < q->n_select_from; k++)
		if (q->select_from[k] >= cs->n)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "select_from_indices[%zu] = %zu, expected an index below %zu",
			                    k, q->select_from[k], cs->n);
	for (size_t c = 0; c < q->n_class_size; c++) {
		int64_t cl = q->class_size[c].cls;
		size_t have = 0;
		for (size_t i = 0; cl >= 0 && i < cs->n && !have; i++)
			have = cs->y[i] == cl;
		if (!have)
			return mc_error_set(err, MC_ERR_NOTFOUND,
			                    "class_size: class %lld has no samples", (long long)cl);
	}
	return 0;
}

/* The candidates (selected, not ignored, weight > 0, unseen unless asked)
 * with their ranking keys, into rk, best first; returns how many. cand is
 * n bytes of scratch. */
static size_t s_candidates(const mc_coreset *cs, const mc_cleaning_query *q, const double *key,
                           unsigned char *cand, s_ranked *rk)
{
	size_t nrk = 0;

	if (q->has_select_from) {
		memset(cand, 0, cs->n);
		for (size_t k = 0; k < q->n_select_from; k++)
			cand[q->select_from[k]] = 1;
	} else {
		memset(cand, 1, cs->n);
	}
	for (size_t k = 0; k < q->n_ignore; k++)
		cand[q->ignore[k]] = 0;
	for (size_t i = 0; i < cs->n; i++) {
		if (!(cs->w[i] > 0) || (q->ignore_seen && cs->seen[i]))
			cand[i] = 0;
		if (cand[i]) {
			rk[nrk].score = key[i];
			rk[nrk].id = i;
			nrk++;
		}
	}
	qsort(rk, nrk, sizeof *rk, s_cmp_ranked);
	return nrk;
}

/* Whether class_size gives class c "any" (it shares the remaining size). */
static int s_class_any(const mc_cleaning_query *q, int64_t c)
{
	for (size_t k = 0; k < q->n_class_size; k++)
		if (q->class_size[k].kind == MC_CLASS_SIZE_ANY && q->class_size[k].cls == c)
			return 1;
	return 0;
}

/* The query's samples among the nrk ranked candidates rk, into out (best
 * first); returns how many. Without class_size the best size; with it,
 * each class's count (or all its candidates) first, then the best of the
 * "any" classes up to size. taken is n bytes of zeroed scratch. */
static size_t s_select(const mc_coreset *cs, const mc_cleaning_query *q, const s_ranked *rk,
                       size_t nrk, unsigned char *taken, s_ranked *out)
{
	size_t nout = 0, fixed = 0, rest;

	if (q->n_class_size == 0) {
		nout = q->has_size && q->size < nrk ? q->size : nrk;
		memcpy(out, rk, nout * sizeof *out);
		return nout;
	}
	for (size_t c = 0; c < q->n_class_size; c++) {
		const mc_class_size *e = &q->class_size[c];
		size_t got = 0;
		if (e->kind == MC_CLASS_SIZE_ANY)
			continue;
		for (size_t k = 0; k < nrk; k++) {
			if (cs->y[rk[k].id] != e->cls || taken[rk[k].id])
				continue;
			if (e->kind == MC_CLASS_SIZE_COUNT && got >= e->count)
				break;
			taken[rk[k].id] = 1;
			out[nout++] = rk[k];
			got++;
		}
		fixed += got;
	}
	rest = q->has_size && q->size > fixed ? q->size - fixed : 0;
	for (size_t k = 0; k < nrk && rest > 0; k++) {
		if (taken[rk[k].id] || !s_class_any(q, cs->y[rk[k].id]))
			continue;
		taken[rk[k].id] = 1;
		out[nout++] = rk[k];
		rest--;
	}
	qsort(out, nout, sizeof *out, s_cmp_ranked);
	return nout;
}

int mc_coreset_get_cleaning_samples(size_t **idx, double **score, size_t *count, mc_coreset *cs,
                                    const mc_cleaning_query *q, const mc_progress *progress,
                                    mc_error *err)
{
	unsigned char *cand = NULL, *taken = NULL;
	s_ranked *rk = NULL, *out = NULL;
	const double *sc = NULL, *key = NULL;
	size_t nrk, nout;
	int rc;

	*idx = NULL;
	*score = NULL;
	*count = 0;
	if (cs->n == 0)
		return mc_error_set(err, MC_ERR_STATE, "coreset: the service is not built yet");
	rc = s_check_query(cs, q, err);
	if (rc == 0)
		rc = mc_coreset_scores(cs, q->method, &sc, progress, err);
	if (rc == 0) {
		mc_rank_data d;
		mc_row_source X;
		s_rank_data(cs, &d, &X);
		rc = mc_rank_keys(&key, cs->rank, q->method, &d, progress, err);
	}
	if (rc)
		return rc;
	cand = malloc(cs->n);
	taken = calloc(cs->n, 1);
	rk = malloc(cs->n * sizeof *rk);
	out = malloc(cs->n * sizeof *out);
	if (cand == NULL || taken == NULL || rk == NULL || out == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	nrk = s_candidates(cs, q, key, cand, rk);
	nout = s_select(cs, q, rk, nrk, taken, out);
	*idx = malloc((nout ? nout : 1) * sizeof **idx);
	*score = malloc((nout ? nout : 1) * sizeof **score);
	if (*idx == NULL || *score == NULL) {
		free(*idx);
		free(*score);
		*idx = NULL;
		*score = NULL;
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		goto cleanup;
	}
	/* the samples returned are seen from now on */
	for (size_t k = 0; k < nout; k++) {
		(*idx)[k] = out[k].id;
		(*score)[k] = sc[out[k].id];
		cs->seen[out[k].id] = 1;
	}
	*count = nout;
cleanup:
	free(cand);
	free(taken);
	free(rk);
	free(out);
	return rc;
}

int mc_coreset_set_seen(mc_coreset *cs, const size_t *idx, size_t n, int seen, mc_error *err)
{
	if (idx == NULL) {
		if (cs->n)
			memset(cs->seen, seen ? 1 : 0, cs->n);
		return 0;
	}
	for (size_t k = 0; k < n; k++)
		if (idx[k] >= cs->n)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "set_seen_indication: index %zu is out of range (n = %zu)",
			                    idx[k], cs->n);
	for (size_t k = 0; k < n; k++)
		cs->seen[idx[k]] = seen ? 1 : 0;
	return 0;
}

/* ---------------------------------------------------------------- updates */

/* Marks, per chunk, the classes of the rows idx (both their current label
 * and old_y when given). Caller frees marks[j] and marks. */
static int s_marks(const mc_coreset *cs, const size_t *idx, size_t n, const int64_t *old_y,
                   const unsigned char *changed, size_t K, unsigned char ***out, mc_error *err)
{
	unsigned char **marks = calloc(cs->n_chunks, sizeof *marks);

	*out = NULL;
	if (marks == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	for (size_t k = 0; k < n; k++) {
		size_t j = idx[k] / cs->chunk;
		if (changed != NULL && !changed[k])
			continue;
		if (marks[j] == NULL && (marks[j] = calloc(K, 1)) == NULL) {
			for (size_t q = 0; q < cs->n_chunks; q++)
				free(marks[q]);
			free(marks);
			return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
		}
		marks[j][cs->y[idx[k]]] = 1;
		if (old_y)
			marks[j][old_y[k]] = 1;
	}
	*out = marks;
	return 0;
}

static void s_marks_free(unsigned char **marks, size_t n)
{
	if (marks == NULL)
		return;
	for (size_t j = 0; j < n; j++)
		free(marks[j]);
	free(marks);
}

static int s_check_idx(const mc_coreset *cs, const char *what, const size_t *idx, size_t n,
                       mc_error *err)
{
	if (cs->n == 0)
		return mc_error_set(err, MC_ERR_STATE, "%s: the service is not built yet", what);
	for (size_t k = 0; k < n; k++)
		if (idx[k] >= cs->n)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "%s: index %zu (item %zu) is out of range (n = %zu)", what,
			                    idx[k], k, cs->n);
	return 0;
}

int mc_coreset_update_targets(mc_coreset *cs, const size_t *idx, size_t n, const int64_t *y,
                              const mc_progress *progress, mc_error *err)
{
	int64_t *old = NULL;
	unsigned char **marks = NULL, *chg = NULL;
	size_t K = cs->K, old_K = cs->K;
	int rc = s_check_idx(cs, "update_targets", idx, n, err);

	if (rc)
		return rc;
	for (size_t k = 0; k < n; k++) {
		if (y[k] < 0 || y[k] > MC_CS_MAX_LABEL)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "update_targets: y[%zu] = %lld, expected a class id in [0, %d]",
			                    k, (long long)y[k], MC_CS_MAX_LABEL);
		if ((size_t)y[k] + 1 > K)
			K = (size_t)y[k] + 1;
	}
	old = malloc((n ? n : 1) * sizeof *old);
	if (old == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	for (size_t k = 0; k < n; k++) {
		old[k] = cs->y[idx[k]];
		cs->y[idx[k]] = y[k];
	}
	cs->K = K;
	chg = malloc((n ? n : 1) * sizeof *chg);
	if (chg == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	} else {
		for (size_t k = 0; k < n; k++)
			chg[k] = old[k] != y[k];
		rc = s_marks(cs, idx, n, old, chg, K, &marks, err);
	}
	if (rc == 0)
		rc = s_recompute(cs, cs->n, cs->n_chunks, marks, NULL, NULL, 1, progress, err);
	if (rc) {
		for (size_t k = n; k-- > 0;)
			cs->y[idx[k]] = old[k];
		cs->K = old_K;
	}
	s_marks_free(marks, cs->n_chunks);
	free(old);
	free(chg);
	return rc;
}

int mc_coreset_update_weights(mc_coreset *cs, const size_t *idx, size_t n, const double *w,
                              const mc_progress *progress, mc_error *err)
{
	double *old = NULL;
	unsigned char **marks = NULL, *chg = NULL;
	int rc = s_check_idx(cs, "update_weights", idx, n, err);

	if (rc)
		return rc;
	for (size_t k = 0; k < n; k++)
		if (!(w[k] >= 0) || !isfinite(w[k]))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "update_weights: weight[%zu] = %g, expected a finite number "
			                    ">= 0", k, w[k]);
	old = malloc((n ? n : 1) * sizeof *old);
	if (old == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	for (size_t k = 0; k < n; k++) {
		old[k] = cs->w[idx[k]];
		cs->w[idx[k]] = w[k];
	}
	chg = malloc((n ? n : 1) * sizeof *chg);
	if (chg == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	} else {
		for (size_t k = 0; k < n; k++)
			chg[k] = old[k] != w[k];
		rc = s_marks(cs, idx, n, NULL, chg, cs->K, &marks, err);
	}
	if (rc == 0)
		rc = s_recompute(cs, cs->n, cs->n_chunks, marks, NULL, NULL, 1, progress, err);
	if (rc) {
		for (size_t k = n; k-- > 0;)
			cs->w[idx[k]] = old[k];
	}
	s_marks_free(marks, cs->n_chunks);
	free(old);
	free(chg);
	return rc;
}

int mc_coreset_remove_samples(mc_coreset *cs, const size_t *idx, size_t n,
                              const mc_progress *progress, mc_error *err)
{
	double *zero = calloc(n ? n : 1, sizeof *zero);
	int rc;

	if (zero == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	rc = mc_coreset_update_weights(cs, idx, n, zero, progress, err);
	if (rc) {
		/* The message names update_weights; say what the user called. */
		char msg[MC_ERROR_TEXT_MAX];
		if (err && strncmp(err->text, "update_weights", 14) == 0) {
			snprintf(msg, sizeof msg, "remove_samples%s", err->text + 14);
			memcpy(err->text, msg, sizeof msg);
		}
	}
	free(zero);
	return rc;
}

int mc_coreset_update_features(mc_coreset *cs, const size_t *idx, size_t n,
                               const mc_matrix *X, const mc_progress *progress,
                               mc_error *err)
{
	double *old = NULL;
	unsigned char **marks = NULL;
	size_t d = cs->d;
	int rc = s_check_idx(cs, "update_features", idx, n, err);

	if (rc)
		return rc;
	if (X == NULL || X->rows != n || X->cols != d)
		return mc_error_set(err, MC_ERR_SHAPE,
		                    "update_features: X is %zux%zu, expected %zux%zu (one row per "
		                    "index)", X ? X->rows : 0, X ? X->cols : 0, n, d);
	for (size_t k = 0; k < n; k++)
		for (size_t j = 0; j < d; j++)
			if (!isfinite(MC_AT(X, k, j)))
				return mc_error_set(err, MC_ERR_INVALID,
				                    "update_features: X row %zu, column %zu is %g, expected "
				                    "a finite number", k, j, MC_AT(X, k, j));
	old = malloc((n ? n : 1) * d * sizeof *old);
	if (old == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "coreset: out of memory");
	for (size_t k = 0; k < n; k++) {
		double *row = s_row(cs, idx[k]);
		memcpy(old + k * d, row, d * sizeof *old);
		memcpy(row, X->data + k * X->stride, d * sizeof *row);
	}
	rc = s_marks(cs, idx, n, NULL, NULL, cs->K, &marks, err);
	if (rc == 0)
		rc = s_recompute(cs, cs->n, cs->n_chunks, marks, NULL, NULL, 1, progress, err);
	if (rc) {
		for (size_t k = n; k-- > 0;)
			memcpy(s_row(cs, idx[k]), old + k * d, d * sizeof *old);
	}
	s_marks_free(marks, cs->n_chunks);
	free(old);
	return rc;
}

/* ---------------------------------------------------------------- fit */

int mc_coreset_fit(mc_logreg **out, mc_coreset *cs, size_t level,
                   const mc_logreg_params *params, const mc_progress *progress, mc_error *err)
{
	mc_matrix *X = NULL;
	int64_t *y = NULL;
	double *w = NULL;
	mc_logreg *lr = NULL;
	mc_logreg_params lp;
	int rc;

	*out = NULL;
	rc = mc_coreset_coreset_data(&X, &y, &w, NULL, cs, level, err);
	if (rc)
		return rc;
	if (params)
		lp = *params;
	else
		mc_logreg_params_init(&lp);
	if (lp.n_classes == 0)
		lp.n_classes = cs->K;
	rc = mc_logreg_new(&lr, &lp, err);
	if (rc == 0)
		rc = mc_logreg_fit(lr, X, y, w, progress, err);
	if (rc == 0) {
		*out = lr;
		lr = NULL;
	}
	mc_logreg_free(lr);
	mc_matrix_free(X);
	free(y);
	free(w);
	return rc;
}
