/* Ranking methods: which samples a reviewer should look at first.
 *
 * One table describes every method: {name, doc, needs_model, per_class, fn}.
 * It drives parsing (mc_rank_parse), the error text that lists the accepted
 * names, the language docs and the benchmark's list. A new method is one row
 * of the table, one function and one test.
 *
 * A method's function fills one score per sample (higher = review first)
 * from the labels, the weights, the coreset's importance and, for the
 * methods that need a model, out-of-fold class probabilities: each sample's
 * probabilities come from a logistic regression that did not see it
 * (mc_cross_val_proba), so a wrong label cannot vouch for itself.
 *
 * Across classes. A ranking that mixes classes must not be driven by class
 * size. Model-based scores are probabilities, comparable across classes as
 * they are. A per-class score (per_class = 1: the importance, whose
 * leverages sum to about d + 1 within each class whatever its size) is
 * compared across classes by its within-class percentile rank: a class is
 * then reviewed at the same rate as any other, neither first because it is
 * large nor last because it is small. mc_rank_keys gives that key; within
 * one class it orders samples exactly as the scores do.
 *
 * Rare classes. A within-class percentile is (rank - 1/2) / class size, so
 * the top of a class of one sits at 0.5, not at 1: a small class cannot
 * be extreme for lack of company. A sample that is the only one of its
 * class was judged by models that never saw its class; every model-based
 * method gives it the median score of the other samples.
 *
 * mc_rank caches the scores of one data set (and the out-of-fold
 * probabilities, computed once for every model-based method) until the data
 * changes (mc_rank_clear). */
#ifndef MASKCLEAN_RANK_H
#define MASKCLEAN_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/logreg.h"
#include "maskclean/matrix.h"
#include "maskclean/metrics.h"
#include "maskclean/progress.h"

/* A ranking method: the index of its row in the table. */
typedef size_t mc_score_method;

/* Row 0 of the table is the DataHeroes importance (the service's default). */
#define MC_SCORE_IMPORTANCE ((mc_score_method)0)

/* What a method's function sees. Arrays have n entries (proba n x K). */
typedef struct mc_rank_input {
	size_t n, K;
	const int64_t *y;             /* labels 0..K-1 */
	const double *w;              /* weights; 0 = removed (score it 0) */
	const double *importance;     /* the coreset's sensitivity */
	const mc_matrix *proba;       /* out-of-fold probabilities; NULL unless
	                                 the method needs a model */
	const size_t *class_count;    /* K: kept samples per class */
	uint64_t seed;
} mc_rank_input;

/* Fills score[0..n). Fails only with MC_ERR_NOMEM. */
typedef int (*mc_rank_fn)(double *score, const mc_rank_input *in, mc_error *err);

typedef struct mc_rank_method {
	const char *name;      /* "importance" */
	const char *doc;       /* one sentence: what it scores and when it wins */
	int needs_model;       /* 1: needs out-of-fold probabilities */
	int per_class;         /* 1: comparable only within a class */
	mc_rank_fn fn;
} mc_rank_method;

/* The table: *n rows. Static. */
const mc_rank_method *mc_rank_methods(size_t *n);

/* Row m of the table, or NULL when m is out of range. */
const mc_rank_method *mc_rank_method_get(mc_score_method m);

/* The name of method m ("unknown" out of range). Static. */
const char *mc_rank_name(mc_score_method m);

/* The accepted names, quoted and comma-separated: "\"importance\",
 * \"self_confidence\", ...". Static. */
const char *mc_rank_names(void);

/* The method called name. Fails with MC_ERR_INVALID "method: expected one
 * of <the names>; got \"x\"". */
int mc_rank_parse(mc_score_method *out, const char *name, mc_error *err);

/* The data a ranking is computed on. Borrowed; must stay unchanged between
 * mc_rank_clear calls. */
typedef struct mc_rank_data {
	size_t n, K;
	const int64_t *y;
	const double *w;
	const double *importance;
	const mc_row_source *X;       /* features, for the model-based methods */
	mc_cv_opts cv;                /* folds, seed, groups of the out-of-fold loop */
	mc_logreg_params lr;          /* the model (class_weight balanced) */
	uint64_t seed;                /* for "random" */
} mc_rank_data;

typedef struct mc_rank mc_rank;

/* A new, empty cache. Caller owns; free with mc_rank_free. */
int mc_rank_new(mc_rank **out, mc_error *err);

/* Frees rk; rk may be NULL. */
void mc_rank_free(mc_rank *rk);

/* Forgets every cached score and probability (the data changed). */
void mc_rank_clear(mc_rank *rk);

/* The scores of method m on d (n entries; removed samples 0). Borrowed,
 * valid until mc_rank_clear or mc_rank_free. Model-based methods run the
 * out-of-fold loop on first use (progress names the fold). Fails with
 * MC_ERR_INVALID (unknown method), MC_ERR_INTERRUPTED, or as
 * mc_cross_val_proba. */
int mc_rank_scores(const double **out, mc_rank *rk, mc_score_method m, const mc_rank_data *d,
                   const mc_progress *progress, mc_error *err);

/* The cross-class ranking key of method m: its scores, or for a per-class
 * method the within-class percentile rank (mc_rank_percentile). Borrowed
 * as mc_rank_scores. */
int mc_rank_keys(const double **out, mc_rank *rk, mc_score_method m, const mc_rank_data *d,
                 const mc_progress *progress, mc_error *err);

/* The cached out-of-fold probabilities (n x K), or NULL when no model-based
 * method has run since the last clear. Borrowed. */
const mc_matrix *mc_rank_proba(const mc_rank *rk);

/* Percentile ranks in (0, 1) of v over the samples with w > 0 (w NULL:
 * all), within each class when y is not NULL, else over all of them: the
 * sample of rank r (1 = smallest; ties share their mean rank) among m gets
 * (r - 1/2) / m. Removed samples get 0. out has n entries. Fails only with
 * MC_ERR_NOMEM. */
int mc_rank_percentile(double *out, const double *v, const int64_t *y, const double *w,
                       size_t n, mc_error *err);

#endif
