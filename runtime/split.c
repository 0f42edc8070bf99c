/* This module implements seeded stratified train/test splits and K-fold
 * assignment (include/maskclean/split.h) on top of maskclean's PRNG (rng.h). */
#include "maskclean/split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/rng.h"

static int s_cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Groups the kept samples by class: order holds them class by class,
 * start[c]..start[c+1] the range of class c. */
static int s_group(size_t **order, size_t **start, size_t *kept, const int64_t *y,
                   const double *weight, size_t n, size_t n_classes, mc_error *err)
{
	size_t *ord = NULL, *st = NULL, *pos = NULL;
	size_t m = 0;

	*order = NULL;
	*start = NULL;
	for (size_t i = 0; i < n; i++) {
		if (weight != NULL && !(weight[i] >= 0.0 && isfinite(weight[i])))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "sample_weight: sample %zu has weight %g; expected a "
			                    "finite value >= 0", i, weight[i]);
		if (weight != NULL && weight[i] == 0.0)
			continue;
		if (y[i] < 0 || (uint64_t)y[i] >= n_classes)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "y: sample %zu has label %lld; expected 0..%zu", i,
			                    (long long)y[i], n_classes - 1);
		m++;
	}
	ord = malloc((m > 0 ? m : 1) * sizeof *ord);
	st = calloc(n_classes + 1, sizeof *st);
	pos = calloc(n_classes + 1, sizeof *pos);
	if (ord == NULL || st == NULL || pos == NULL) {
		free(ord);
		free(st);
		free(pos);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory splitting %zu samples", n);
	}
	for (size_t i = 0; i < n; i++)
		if (weight == NULL || weight[i] != 0.0)
			st[y[i] + 1]++;
	for (size_t c = 0; c < n_classes; c++)
		st[c + 1] += st[c];
	memcpy(pos, st, (n_classes + 1) * sizeof *pos);
	for (size_t i = 0; i < n; i++)
		if (weight == NULL || weight[i] != 0.0)
			ord[pos[y[i]]++] = i;
	free(pos);
	*order = ord;
	*start = st;
	*kept = m;
	return 0;
}

int mc_split_train_test(size_t **train, size_t *n_train, size_t **test, size_t *n_test,
                        const int64_t *y, const double *weight, size_t n,
                        size_t n_classes, double test_size, uint64_t seed,
                        mc_error *err)
{
	size_t *order = NULL, *start = NULL, *take = NULL, *tr = NULL, *te = NULL;
	double *frac = NULL;
	size_t kept = 0, want, given = 0, ntr = 0, nte = 0;
	mc_rng rng;
	int rc;

	*train = NULL;
	*test = NULL;
	*n_train = 0;
	*n_test = 0;
	if (n_classes == 0)
		return mc_error_set(err, MC_ERR_INVALID, "train_test_split: no classes");
	if (!(test_size > 0.0) || !isfinite(test_size))
		return mc_error_set(err, MC_ERR_INVALID,
		                    "train_test_split: test_size is %g; expected a fraction in "
		                    "(0, 1) or a count >= 1", test_size);
	rc = s_group(&order, &start, &kept, y, weight, n, n_classes, err);
	if (rc != 0)
		return rc;
	want = test_size < 1.0 ? (size_t)ceil(test_size * (double)kept) : (size_t)llround(test_size);
	if (want == 0 || want >= kept) {
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "train_test_split: test_size=%g gives %zu test samples of %zu; "
		                  "both sides need at least one", test_size, want, kept);
		goto cleanup;
	}
	take = calloc(n_classes, sizeof *take);
	frac = calloc(n_classes, sizeof *frac);
	tr = malloc(kept * sizeof *tr);
	te = malloc(kept * sizeof *te);
	if (take == NULL || frac == NULL || tr == NULL || te == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory splitting %zu samples", n);
		goto cleanup;
	}
	for (size_t c = 0; c < n_classes; c++) {
		double exact = (double)want * (double)(start[c + 1] - start[c]) / (double)kept;
		take[c] = (size_t)floor(exact);
		frac[c] = exact - floor(exact);
		given += take[c];
	}
	while (given < want) {
		size_t best = n_classes;
		for (size_t c = 0; c < n_classes; c++)
			if (take[c] < start[c + 1] - start[c] && (best == n_classes || frac[c] > frac[best]))
				best = c;
		take[best]++;
		frac[best] = -1.0;
		given++;
	}
	mc_rng_seed_splitmix(&rng, seed);
	for (size_t c = 0; c < n_classes; c++) {
		size_t cnt = start[c + 1] - start[c];
		mc_rng_shuffle(&rng, order + start[c], cnt);
		for (size_t j = 0; j < cnt; j++) {
			if (j < take[c])
				te[nte++] = order[start[c] + j];
			else
				tr[ntr++] = order[start[c] + j];
		}
	}
	qsort(tr, ntr, sizeof *tr, s_cmp_size);
	qsort(te, nte, sizeof *te, s_cmp_size);
	*train = tr;
	*test = te;
	*n_train = ntr;
	*n_test = nte;
	tr = te = NULL;
	rc = 0;
cleanup:
	free(order);
	free(start);
	free(take);
	free(frac);
	free(tr);
	free(te);
	return rc;
}

int mc_split_kfold(int **fold, const int64_t *y, const double *weight, size_t n,
                   size_t n_classes, size_t k, uint64_t seed, mc_error *err)
{
	size_t *order = NULL, *start = NULL;
	size_t kept = 0, next = 0;
	int *f;
	mc_rng rng;
	int rc;

	*fold = NULL;
	if (k < 2)
		return mc_error_set(err, MC_ERR_INVALID, "folds is %zu; expected at least 2", k);
	if (n_classes == 0)
		return mc_error_set(err, MC_ERR_INVALID, "K-fold: no classes");
	rc = s_group(&order, &start, &kept, y, weight, n, n_classes, err);
	if (rc != 0)
		return rc;
	if (k > kept) {
		free(order);
		free(start);
		return mc_error_set(err, MC_ERR_INVALID,
		                    "folds is %zu but only %zu samples are kept", k, kept);
	}
	f = malloc((n > 0 ? n : 1) * sizeof *f);
	if (f == NULL) {
		free(order);
		free(start);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory splitting %zu samples", n);
	}
	for (size_t i = 0; i < n; i++)
		f[i] = -1;
	mc_rng_seed_splitmix(&rng, seed);
	for (size_t c = 0; c < n_classes; c++) {
		size_t cnt = start[c + 1] - start[c];
		mc_rng_shuffle(&rng, order + start[c], cnt);
		for (size_t j = 0; j < cnt; j++) {
			f[order[start[c] + j]] = (int)next;
			next = (next + 1) % k;
		}
	}
	free(order);
	free(start);
	*fold = f;
	return 0;
}

typedef struct s_grp {
	int64_t id;
	size_t first;   /* first kept member (position in the sorted order) */
	size_t count;
	int64_t cls;    /* label of the group's first kept member */
	uint64_t key;   /* random order among the groups of one class */
} s_grp;

typedef struct s_member {
	int64_t group;
	size_t i;
} s_member;

static int s_cmp_member(const void *a, const void *b)
{
	const s_member *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static int s_cmp_grp(const void *a, const void *b)
{
	const s_grp *x = a, *y = b;

	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

int mc_split_group_kfold(int **fold, const int64_t *y, const double *weight,
                         const int64_t *groups, size_t n, size_t n_classes, size_t k,
                         uint64_t seed, mc_error *err)
{
	s_member *mem = NULL;
	s_grp *g = NULL;
	size_t *load = NULL, *cload = NULL, kept = 0, ng = 0;
	int *f = NULL, rc = 0;
	mc_rng rng;

	*fold = NULL;
	if (k < 2)
		return mc_error_set(err, MC_ERR_INVALID, "folds is %zu; expected at least 2", k);
	if (n_classes == 0)
		return mc_error_set(err, MC_ERR_INVALID, "K-fold: no classes");
	for (size_t i = 0; i < n; i++)
		if (y[i] < 0 || (uint64_t)y[i] >= n_classes)
			return mc_error_set(err, MC_ERR_INVALID, "y: sample %zu has label %lld; expected "
			                    "0..%zu", i, (long long)y[i], n_classes - 1);
	mem = malloc((n ? n : 1) * sizeof *mem);
	g = malloc((n ? n : 1) * sizeof *g);
	f = malloc((n ? n : 1) * sizeof *f);
	load = calloc(k, sizeof *load);
	cload = calloc(k, sizeof *cload);
	if (mem == NULL || g == NULL || f == NULL || load == NULL || cload == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory splitting %zu samples", n);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		f[i] = -1;
		if (weight == NULL || weight[i] > 0.0) {
			mem[kept].group = groups[i];
			mem[kept++].i = i;
		}
	}
	qsort(mem, kept, sizeof *mem, s_cmp_member);
	mc_rng_seed_splitmix(&rng, seed);
	for (size_t a = 0; a < kept; ng++) {
		size_t b = a;
		while (b < kept && mem[b].group == mem[a].group)
			b++;
		g[ng].id = mem[a].group;
		g[ng].first = a;
		g[ng].count = b - a;
		g[ng].cls = y[mem[a].i];
		g[ng].key = mc_rng_next(&rng);
		a = b;
	}
	if (k > ng) {
		rc = mc_error_set(err, MC_ERR_INVALID, "folds is %zu but the kept samples form only "
		                  "%zu groups", k, ng);
		goto cleanup;
	}
	/* Each class's groups, largest first (random among equal sizes), go to
	 * the fold holding the fewest samples of that class, then the fewest in
	 * all, then the lowest index. */
	qsort(g, ng, sizeof *g, s_cmp_grp);
	for (size_t q = 0; q < ng; q++) {
		size_t best = 0;
		if (q == 0 || g[q].cls != g[q - 1].cls)
			memset(cload, 0, k * sizeof *cload);
		for (size_t j = 1; j < k; j++)
			if (cload[j] < cload[best] || (cload[j] == cload[best] && load[j] < load[best]))
				best = j;
		cload[best] += g[q].count;
		load[best] += g[q].count;
		for (size_t m = g[q].first; m < g[q].first + g[q].count; m++)
			f[mem[m].i] = (int)best;
	}
	*fold = f;
	f = NULL;
cleanup:
	free(mem);
	free(g);
	free(f);
	free(load);
	free(cload);
	return rc;
}
