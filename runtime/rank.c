/* This module implements the table of ranking methods and the cache of
 * their scores (maskclean/rank.h). */
#include "maskclean/rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/rng.h"

/* ---------------------------------------------------------------- methods */

static int s_importance(double *score, const mc_rank_input *in, mc_error *err)
{
	(void)err;
	for (size_t i = 0; i < in->n; i++)
		score[i] = in->w[i] > 0 ? in->importance[i] : 0.0;
	return 0;
}

/* p(given label) of sample i. */
static double s_p_label(const mc_rank_input *in, size_t i)
{
	return MC_AT(in->proba, i, (size_t)in->y[i]);
}

static int s_self_confidence(double *score, const mc_rank_input *in, mc_error *err)
{
	(void)err;
	for (size_t i = 0; i < in->n; i++)
		score[i] = in->w[i] > 0 ? 1.0 - s_p_label(in, i) : 0.0;
	return 0;
}

static int s_margin(double *score, const mc_rank_input *in, mc_error *err)
{
	(void)err;
	for (size_t i = 0; i < in->n; i++) {
		size_t yi = (size_t)in->y[i];
		double other = 0;
		score[i] = 0;
		if (!(in->w[i] > 0))
			continue;
		for (size_t k = 0; k < in->K; k++)
			if (k != yi && MC_AT(in->proba, i, k) > other)
				other = MC_AT(in->proba, i, k);
		score[i] = (1.0 - (s_p_label(in, i) - other)) / 2.0;
	}
	return 0;
}

static int s_confident_learning(double *score, const mc_rank_input *in, mc_error *err)
{
	size_t K = in->K;
	double *thr = calloc(K ? K : 1, sizeof *thr);

	if (thr == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "confident_learning: out of memory");
	/* t_k: mean self-confidence of the samples labelled k. */
	for (size_t i = 0; i < in->n; i++)
		if (in->w[i] > 0)
			thr[in->y[i]] += s_p_label(in, i);
	for (size_t k = 0; k < K; k++)
		thr[k] = in->class_count[k] > 0 ? thr[k] / (double)in->class_count[k] : INFINITY;
	for (size_t i = 0; i < in->n; i++) {
		size_t yi = (size_t)in->y[i], best = K;
		score[i] = 0;
		if (!(in->w[i] > 0))
			continue;
		for (size_t k = 0; k < K; k++)
			if (MC_AT(in->proba, i, k) >= thr[k] &&
			    (best == K || MC_AT(in->proba, i, k) > MC_AT(in->proba, i, best)))
				best = k;
		score[i] = (best < K && best != yi ? 1.0 : 0.0) + (1.0 - s_p_label(in, i));
	}
	free(thr);
	return 0;
}

static int s_hybrid(double *score, const mc_rank_input *in, mc_error *err)
{
	double *sc = malloc((in->n ? in->n : 1) * sizeof *sc);
	double *pi = malloc((in->n ? in->n : 1) * sizeof *pi);
	int rc = 0;

	if (sc == NULL || pi == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "hybrid: out of memory");
		goto cleanup;
	}
	s_self_confidence(sc, in, err);
	rc = mc_rank_percentile(score, sc, NULL, in->w, in->n, err);
	if (rc == 0)
		rc = mc_rank_percentile(pi, in->importance, in->y, in->w, in->n, err);
	/* The importance percentile squared: the importance takes a batch's
	 * extreme outliers and leaves most of it to the model's evidence. */
	for (size_t i = 0; rc == 0 && i < in->n; i++)
		score[i] = pi[i] * pi[i] > score[i] ? pi[i] * pi[i] : score[i];
cleanup:
	free(sc);
	free(pi);
	return rc;
}

static int s_entropy(double *score, const mc_rank_input *in, mc_error *err)
{
	(void)err;
	for (size_t i = 0; i < in->n; i++) {
		double h = 0;
		for (size_t k = 0; in->w[i] > 0 && k < in->K; k++) {
			double p = MC_AT(in->proba, i, k);
			if (p > 0)
				h -= p * log(p);
		}
		score[i] = h;
	}
	return 0;
}

static int s_random(double *score, const mc_rank_input *in, mc_error *err)
{
	mc_rng r;

	(void)err;
	mc_rng_seed_splitmix(&r, in->seed);
	for (size_t i = 0; i < in->n; i++) {
		double u = mc_rng_uniform(&r);
		score[i] = in->w[i] > 0 ? u : 0.0;
	}
	return 0;
}

static const mc_rank_method s_methods[] = {
	{ .name = "importance",
	  .doc = "DataHeroes sensitivity: how far a sample sits from the bulk of its own class "
	         "(leverage in the class's basis; ridge leverage for classes of at most d + 1 "
	         "rows). Finds odd members: bad masks, occlusions, out-of-distribution crops. "
	         "Needs no model.",
	  .needs_model = 0, .per_class = 1, .fn = s_importance },
	{ .name = "self_confidence",
	  .doc = "1 - p(given label) from out-of-fold logistic regression. Finds samples "
	         "that look like another class (the classifier knows the right one).",
	  .needs_model = 1, .per_class = 0, .fn = s_self_confidence },
	{ .name = "margin",
	  .doc = "(1 - (p(label) - largest other p)) / 2: as self_confidence, ordered by how "
	         "strongly another class is preferred.",
	  .needs_model = 1, .per_class = 0, .fn = s_margin },
	{ .name = "confident_learning",
	  .doc = "Northcutt et al.'s filter: flagged when another class k has p_k at or above "
	         "its class threshold (the mean p_k of the samples labelled k) and beats the "
	         "label; flagged first, then by self_confidence.",
	  .needs_model = 1, .per_class = 0, .fn = s_confident_learning },
	{ .name = "hybrid",
	  .doc = "The larger of the percentile rank of self_confidence and the square of the "
	         "within-class percentile rank of importance: wrong classes and the most odd "
	         "members both come first. The default workflow's method.",
	  .needs_model = 1, .per_class = 0, .fn = s_hybrid },
	{ .name = "entropy",
	  .doc = "Entropy of the out-of-fold class probabilities: samples the classifier is "
	         "unsure about, whatever their label (a common active-learning baseline).",
	  .needs_model = 1, .per_class = 0, .fn = s_entropy },
	{ .name = "random",
	  .doc = "A seeded random order: the baseline.",
	  .needs_model = 0, .per_class = 0, .fn = s_random },
};

#define S_N_METHODS (sizeof s_methods / sizeof s_methods[0])

const mc_rank_method *mc_rank_methods(size_t *n)
{
	*n = S_N_METHODS;
	return s_methods;
}

const mc_rank_method *mc_rank_method_get(mc_score_method m)
{
	return m < S_N_METHODS ? &s_methods[m] : NULL;
}

const char *mc_rank_name(mc_score_method m)
{
	return m < S_N_METHODS ? s_methods[m].name : "unknown";
}

const char *mc_rank_names(void)
{
	static char buf[512];

	if (buf[0] == '\0') {
		size_t len = 0;
		for (size_t m = 0; m < S_N_METHODS && len < sizeof buf; m++)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\"%s\"", m ? ", " : "",
			                        s_methods[m].name);
	}
	return buf;
}

int mc_rank_parse(mc_score_method *out, const char *name, mc_error *err)
{
	for (size_t m = 0; m < S_N_METHODS; m++)
		if (strcmp(name, s_methods[m].name) == 0) {
			*out = m;
			return 0;
		}
	return mc_error_set(err, MC_ERR_INVALID, "method: expected one of %s; got \"%s\"",
	                    mc_rank_names(), name);
}

/* ---------------------------------------------------------------- percentiles */

typedef struct s_item {
	int64_t cls;
	double v;
	size_t i;
} s_item;

static int s_cmp_item(const void *a, const void *b)
{
	const s_item *x = a, *y = b;

	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

int mc_rank_percentile(double *out, const double *v, const int64_t *y, const double *w,
                       size_t n, mc_error *err)
{
	s_item *it = malloc((n ? n : 1) * sizeof *it);
	size_t m = 0;

	if (it == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory ranking %zu samples", n);
	for (size_t i = 0; i < n; i++) {
		out[i] = 0;
		if (w == NULL || w[i] > 0) {
			it[m].cls = y != NULL ? y[i] : 0;
			it[m].v = v[i];
			it[m++].i = i;
		}
	}
	qsort(it, m, sizeof *it, s_cmp_item);
	for (size_t a = 0; a < m;) {
		size_t end = a, b;
		while (end < m && it[end].cls == it[a].cls)
			end++;
		/* one class: [a, end) */
		for (size_t s = a; s < end; s = b) {
			b = s;
			while (b < end && it[b].v == it[s].v)
				b++;
			/* mean rank of the tie (1-based) minus a half, over the
			 * class size: a class of one sits at 0.5, not at 1 */
			for (size_t k = s; k < b; k++)
				out[it[k].i] = ((double)(s - a + b - a) / 2.0) / (double)(end - a);
		}
		a = end;
	}
	free(it);
	return 0;
}

/* ---------------------------------------------------------------- cache */

struct mc_rank {
	size_t n_methods;
	double **scores;       /* per method, NULL until computed */
	double **keys;         /* per per-class method */
	mc_matrix *proba;      /* out-of-fold probabilities */
};

int mc_rank_new(mc_rank **out, mc_error *err)
{
	mc_rank *rk = calloc(1, sizeof *rk);

	*out = NULL;
	if (rk != NULL) {
		rk->n_methods = S_N_METHODS;
		rk->scores = calloc(S_N_METHODS, sizeof *rk->scores);
		rk->keys = calloc(S_N_METHODS, sizeof *rk->keys);
	}
	if (rk == NULL || rk->scores == NULL || rk->keys == NULL) {
		mc_rank_free(rk);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	}
	*out = rk;
	return 0;
}

void mc_rank_clear(mc_rank *rk)
{
	if (rk == NULL)
		return;
	for (size_t m = 0; m < rk->n_methods; m++) {
		/* either array may be missing when mc_rank_new ran out of memory */
		if (rk->scores != NULL)
			free(rk->scores[m]), rk->scores[m] = NULL;
		if (rk->keys != NULL)
			free(rk->keys[m]), rk->keys[m] = NULL;
	}
	mc_matrix_free(rk->proba);
	rk->proba = NULL;
}

void mc_rank_free(mc_rank *rk)
{
	if (rk == NULL)
		return;
	mc_rank_clear(rk);
	free(rk->scores);
	free(rk->keys);
	free(rk);
}

const mc_matrix *mc_rank_proba(const mc_rank *rk)
{
	return rk->proba;
}

static int s_proba(mc_rank *rk, const mc_rank_data *d, const mc_progress *progress,
                   mc_error *err)
{
	mc_cv_opts o = d->cv;
	int rc;

	if (rk->proba != NULL)
		return 0;
	if (o.name == NULL)
		o.name = "model scores";
	rc = mc_cross_val_proba(&rk->proba, NULL, d->X, d->y, d->w, d->K, &o, &d->lr, progress,
	                        err);
	return rc;
}

static int s_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A sample that is the only one of its class was judged by models that
 * never saw its class: its model score says nothing. It gets the median
 * score of the other kept samples, so that rare classes are neither
 * flagged wholesale nor hidden. */
static int s_unjudged(double *sc, const mc_rank_input *in, mc_error *err)
{
	double *v, med;
	size_t m = 0, lone = 0;

	for (size_t i = 0; i < in->n; i++)
		lone += in->w[i] > 0 && in->class_count[in->y[i]] < 2;
	if (lone == 0)
		return 0;
	v = malloc((in->n ? in->n : 1) * sizeof *v);
	if (v == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory ranking %zu samples", in->n);
	for (size_t i = 0; i < in->n; i++)
		if (in->w[i] > 0 && in->class_count[in->y[i]] >= 2)
			v[m++] = sc[i];
	qsort(v, m, sizeof *v, s_cmp_double);
	med = m == 0 ? 0.0 : m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
	for (size_t i = 0; i < in->n; i++)
		if (in->w[i] > 0 && in->class_count[in->y[i]] < 2)
			sc[i] = med;
	free(v);
	return 0;
}

int mc_rank_scores(const double **out, mc_rank *rk, mc_score_method m, const mc_rank_data *d,
                   const mc_progress *progress, mc_error *err)
{
	const mc_rank_method *rm = mc_rank_method_get(m);
	mc_rank_input in;
	size_t *count = NULL;
	double *sc = NULL;
	int rc;

	*out = NULL;
	if (rm == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "method: unknown method %zu; expected one "
		                    "of %s", m, mc_rank_names());
	if (rk->scores[m] != NULL) {
		*out = rk->scores[m];
		return 0;
	}
	if (rm->needs_model && (rc = s_proba(rk, d, progress, err)) != 0)
		return rc;
	count = calloc(d->K ? d->K : 1, sizeof *count);
	sc = malloc((d->n ? d->n : 1) * sizeof *sc);
	if (count == NULL || sc == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", rm->name);
		goto cleanup;
	}
	for (size_t i = 0; i < d->n; i++)
		if (d->w[i] > 0)
			count[d->y[i]]++;
	memset(&in, 0, sizeof in);
	in.n = d->n;
	in.K = d->K;
	in.y = d->y;
	in.w = d->w;
	in.importance = d->importance;
	in.proba = rm->needs_model ? rk->proba : NULL;
	in.class_count = count;
	in.seed = d->seed;
	rc = rm->fn(sc, &in, err);
	if (rc == 0 && rm->needs_model)
		rc = s_unjudged(sc, &in, err);
	if (rc != 0)
		goto cleanup;
	rk->scores[m] = sc;
	*out = sc;
	sc = NULL;
cleanup:
	free(count);
	free(sc);
	return rc;
}

int mc_rank_keys(const double **out, mc_rank *rk, mc_score_method m, const mc_rank_data *d,
                 const mc_progress *progress, mc_error *err)
{
	const double *sc;
	double *k;
	int rc = mc_rank_scores(&sc, rk, m, d, progress, err);

	*out = NULL;
	if (rc != 0)
		return rc;
	if (!mc_rank_method_get(m)->per_class) {
		*out = sc;
		return 0;
	}
	if (rk->keys[m] == NULL) {
		k = malloc((d->n ? d->n : 1) * sizeof *k);
		if (k == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory ranking %zu samples", d->n);
		rc = mc_rank_percentile(k, sc, d->y, d->w, d->n, err);
		if (rc != 0) {
			free(k);
			return rc;
		}
		rk->keys[m] = k;
	}
	*out = rk->keys[m];
	return 0;
}
