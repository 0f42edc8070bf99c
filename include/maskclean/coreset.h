/* The coreset tree service for logistic regression (the article's
 * CoresetTreeServiceLG): importance of every sample, a merge-and-reduce tree
 * of weighted coresets, cleaning queries, local updates and persistence.
 *
 * Importance (the public DataHeroes "unified" sensitivity for LR)
 *   For a block of rows of one class c, let A be the rows [x_i | 1], each
 *   multiplied by sqrt(w_i) when the weights are not all 1, and U an
 *   orthonormal basis of A's column space. Then
 *       s_i = (2 w_i / W_c + ||U_i||^2) * W_c,   W_c = sum of w over the block.
 *   ||U_i||^2 is the leverage of row i. U comes from R of A's QR factorization
 *   (U = A R^-1, R the Cholesky factor of A'A; with basis="qr" R and U come
 *   from LAPACK dgeqrf + dorgqr instead). When R is well conditioned (LAPACK's
 *   1-norm estimate at most 1e4) the solve A R^-1 runs in single precision,
 *   twice as fast; leverages then agree with double precision to about 1e-6
 *   relative (tests hold them to 1e-5). Rank-deficient blocks (fewer rows
 *   than columns, constant features, condition number above ~1e5) use the
 *   eigendecomposition of the Gram matrix, which is the SVD of A, and keep
 *   the directions whose eigenvalue is above 16 max(n, d+1) eps times the
 *   largest. A block of at most d+1 rows (a small class) would give every
 *   row leverage 1, which ranks nothing; such a block takes ridge leverages
 *   x_i' (A'A + lambda I)^-1 x_i instead, lambda chosen from the block's
 *   spectrum so that they sum to n/4 (an effective dimension of a quarter
 *   of the rows, as a large class has with the automatic chunk size). Rows
 *   of weight 0 (removed samples) are left out of every block and have
 *   importance 0.
 *
 * Blocks and chunks: the faithful per-class basis of DataHeroes is computed
 *   per (chunk, class), not over the whole class. The data is cut into chunks
 *   of chunk_size rows (the tree's leaves); the block of class c in chunk j is
 *   the rows of chunk j labelled c. When the whole data set fits in one chunk
 *   (the default for up to chunk_size rows) this is exactly the per-class
 *   basis. The cut is what makes updates local: relabelling a row from a to b
 *   in chunk j recomputes only the blocks (j, a) and (j, b) and the tree
 *   nodes above leaf j; no other row's importance changes. The automatic
 *   chunk size is 4 (d+1) rows per class present at the first build (at
 *   least 16384), so that a block's leverage still separates typical rows
 *   from outliers.
 *
 * Blocks are spread over the worker threads of maskclean/pool.h (one per
 * core, at most 8, MC_THREADS overrides), each block's BLAS calls
 * single-threaded: results do not depend on the thread count.
 *
 * Tree: each chunk becomes a leaf coreset drawn from its rows by importance;
 *   the nodes of one level are merged in pairs (union of the two weighted
 *   coresets) and reduced (importance recomputed on the union with its
 *   weights, then sampled again) up to a single root. Level 0 is the root,
 *   level 1 its children, and so on down to the leaves.
 *
 * Sampling: a node keeps about coreset_size samples, allocated per class in
 *   proportion to the class's rows in the node: m_c = ceil(r n_c) with
 *   r = coreset_size / chunk_size for a leaf and 1/2 for a merged node (at
 *   least one per class present). Class c draws m_c samples with
 *   replacement, sample i with probability p_i = s_i / S_c (S_c the class's
 *   total importance), from its own random stream (seed, node, class); each
 *   distinct drawn sample gets weight k * w_i / (m_c p_i) where k is how often
 *   it was drawn. A class with no more rows than m_c keeps all its rows with
 *   their own weights. Because a class's draws depend only on its own rows,
 *   a change in one class leaves the other classes' samples, and so their
 *   blocks in the merged nodes above, untouched: a merged node recomputes
 *   only the blocks whose rows or weights changed.
 *
 * Every random choice is derived from the seed and the node's position, so a
 * rebuild, an update or a load reproduces exactly the same tree. */
#ifndef MASKCLEAN_CORESET_H
#define MASKCLEAN_CORESET_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"
#include "maskclean/logreg.h"
#include "maskclean/matrix.h"
#include "maskclean/progress.h"
#include "maskclean/rank.h"

typedef struct mc_coreset mc_coreset;

typedef enum mc_coreset_goal {
	MC_CORESET_CLEANING = 0,  /* small node coresets: leaf importance is what matters */
	MC_CORESET_TRAINING = 1   /* larger node coresets, for fitting on the coreset */
} mc_coreset_goal;

typedef enum mc_coreset_basis {
	MC_BASIS_CHOLQR = 0,  /* U = A R^-1 with R = chol(A'A): fast, the default */
	MC_BASIS_QR = 1       /* Householder QR (dgeqrf + dorgqr): the reference */
} mc_coreset_basis;

/* Which score get_cleaning_samples ranks by: a row of the ranking table
 * (maskclean/rank.h). The model-based scores train `folds` logistic
 * regressions (class_weight "balanced", C and max_iter from the params) on
 * the current labels and weights, out of fold, and are cached until the
 * data changes. */
typedef struct mc_coreset_params {
	mc_coreset_goal optimized_for;
	size_t chunk_size;     /* rows per leaf; 0 = automatic at the first build */
	size_t coreset_size;   /* samples per node; 0 = automatic */
	mc_coreset_basis basis;
	uint64_t seed;
	int folds;             /* for the model-based scores (default 5) */
	double C;              /* LR inverse regularisation for them (default 1) */
	int max_iter;          /* LR iterations for them (default 100) */
} mc_coreset_params;

/* Fills p with the defaults: cleaning, automatic sizes, CholQR, seed 0,
 * 5 folds, C = 1, 100 iterations. */
void mc_coreset_params_init(mc_coreset_params *p);

/* "cleaning"/"training" -> goal. Fails with MC_ERR_INVALID naming the
 * accepted values. */
int mc_coreset_goal_parse(mc_coreset_goal *out, const char *name, mc_error *err);

/* A new, empty service. params may be NULL (defaults). Caller owns; free
 * with mc_coreset_free. Fails with MC_ERR_INVALID on bad params. */
int mc_coreset_new(mc_coreset **out, const mc_coreset_params *params, mc_error *err);

/* Frees cs; cs may be NULL. */
void mc_coreset_free(mc_coreset *cs);

/* Builds the service from X (n x d), labels y[n] (class ids >= 0) and
 * optional weights w[n] (NULL = all 1; each >= 0 and finite). Copies the
 * data. Fails with MC_ERR_STATE if already built, MC_ERR_SHAPE/INVALID on
 * bad input (the message names the row), MC_ERR_INTERRUPTED when progress
 * asks to stop; the service is then left empty. */
int mc_coreset_build(mc_coreset *cs, const mc_matrix *X, const int64_t *y, const double *w,
                     const mc_progress *progress, mc_error *err);

/* Appends rows: fills the last, incomplete chunk, adds new chunks, and
 * recomputes only those leaves and the tree nodes above them. Builds when the
 * service is empty. New rows get indices n, n+1, ... On failure the service
 * is unchanged. */
int mc_coreset_partial_build(mc_coreset *cs, const mc_matrix *X, const int64_t *y,
                             const double *w, const mc_progress *progress, mc_error *err);

/* Sizes: samples, feature dimension, 1 + the largest label, chunks, tree
 * levels (0 when empty), and the chunk size in use. */
size_t mc_coreset_n(const mc_coreset *cs);
size_t mc_coreset_dim(const mc_coreset *cs);
size_t mc_coreset_n_classes(const mc_coreset *cs);
size_t mc_coreset_n_chunks(const mc_coreset *cs);
size_t mc_coreset_n_levels(const mc_coreset *cs);
size_t mc_coreset_chunk_size(const mc_coreset *cs);
const mc_coreset_params *mc_coreset_params_of(const mc_coreset *cs);

/* Optional class names, by class index: they let callers name classes
 * (class_size={"orange": 60}) and are saved with the service. Setting
 * copies names[0..n) and replaces any earlier ones; fails with
 * MC_ERR_INVALID on an empty or repeated name, leaving cs unchanged. */
int mc_coreset_set_class_names(mc_coreset *cs, const char *const *names, size_t n,
                               mc_error *err);
size_t mc_coreset_n_class_names(const mc_coreset *cs);
/* Name of class k, or NULL when it has none. Borrowed. */
const char *mc_coreset_class_name(const mc_coreset *cs, size_t k);
/* Class index of a name. Fails with MC_ERR_NOTFOUND, naming the known
 * classes, when the name is unknown or the service has no names. */
int mc_coreset_class_lookup(int64_t *out, const mc_coreset *cs, const char *name,
                            mc_error *err);

/* Fold groups for the model-based scores (groups[0..n), n = the sample
 * count; NULL clears them): samples sharing a group id (the photo that
 * near-duplicate copies come from) are scored by the same out-of-fold model,
 * so that a copy in the training folds cannot vouch for a wrong label.
 * Rows added later by partial_build leave the groups unused until they are
 * set again. Not saved with the service. Fails with MC_ERR_SHAPE when n is
 * not the sample count, leaving cs unchanged. */
int mc_coreset_set_groups(mc_coreset *cs, const int64_t *groups, size_t n, mc_error *err);

/* Borrowed arrays of n entries, valid until the next call that changes cs:
 * labels, weights, importance (0 for removed samples), feature row i. */
const int64_t *mc_coreset_labels(const mc_coreset *cs);
const double *mc_coreset_weights(const mc_coreset *cs);
const double *mc_coreset_importance(const mc_coreset *cs);
const double *mc_coreset_row(const mc_coreset *cs, size_t i);
/* 1 if sample i was returned by a cleaning query (or marked), else 0. */
int mc_coreset_is_seen(const mc_coreset *cs, size_t i);

/* How many (chunk, class) blocks and tree nodes the last build, partial
 * build, update or tree refresh recomputed. Lets tests and benchmarks show
 * that updates are local. */
void mc_coreset_last_work(const mc_coreset *cs, size_t *blocks, size_t *nodes);

/* The coreset at a tree level (0 = root; levels past the leaves give the
 * leaves): the union of that level's nodes. *idx and *w are new arrays of *m
 * entries (caller frees both with free()), sorted by index. Fails with
 * MC_ERR_STATE before a build. */
int mc_coreset_get_coreset(size_t **idx, double **w, size_t *m, mc_coreset *cs, size_t level,
                           mc_error *err);

/* A gathered copy of the coreset at a level: rows of X in *Xc (caller owns,
 * mc_matrix_free), labels in *yc and weights in *wc (caller frees). */
int mc_coreset_coreset_data(mc_matrix **Xc, int64_t **yc, double **wc, size_t **idx,
                            mc_coreset *cs, size_t level, mc_error *err);

/* Trains logistic regression (params, NULL = defaults; n_classes 0 = the
 * service's) on the coreset at level, with its weights. Caller owns *out;
 * free with mc_logreg_free. Fails as mc_logreg_fit. */
int mc_coreset_fit(mc_logreg **out, mc_coreset *cs, size_t level,
                   const mc_logreg_params *params, const mc_progress *progress, mc_error *err);

/* The score of every sample under method (n entries, borrowed, valid until cs
 * changes). Model-based methods train their folds on first use. */
int mc_coreset_scores(mc_coreset *cs, mc_score_method method, const double **scores,
                      const mc_progress *progress, mc_error *err);

/* The out-of-fold class probabilities behind the model-based scores: *proba
 * is n x *k, row-major (row i: sample i's probabilities from the fold model
 * that did not see it; removed samples' rows are 0). Borrowed, valid until
 * cs changes; trained on first use and cached with the scores. Fails with
 * MC_ERR_STATE before a build, or as the scores' training. */
int mc_coreset_proba(mc_coreset *cs, const double **proba, size_t *k,
                     const mc_progress *progress, mc_error *err);

/* class_size values. */
typedef enum mc_class_size_kind {
	MC_CLASS_SIZE_COUNT = 0,  /* exactly count samples (fewer if the class has fewer) */
	MC_CLASS_SIZE_ALL,        /* every candidate of the class */
	MC_CLASS_SIZE_ANY         /* the class shares the rest of size with other "any" classes */
} mc_class_size_kind;

typedef struct mc_class_size {
	int64_t cls;
	mc_class_size_kind kind;
	size_t count;
} mc_class_size;

/* A cleaning query. Candidates are the samples with weight > 0, minus
 * ignore, restricted to select_from when has_select_from, minus the seen
 * ones when ignore_seen.
 *   No class_size: the top size candidates over every class (all if
 *   !has_size).
 *   class_size: only its classes are considered; numbers and "all" are taken
 *   per class; the "any" classes share what is left of size (nothing if
 *   !has_size).
 * Candidates of several classes are ranked by mc_rank_keys: a model-based
 * score as it is, a per-class score (importance) by its within-class
 * percentile, so that no class comes first or last for its size. */
typedef struct mc_cleaning_query {
	size_t size;
	int has_size;
	const mc_class_size *class_size;
	size_t n_class_size;
	const size_t *ignore;
	size_t n_ignore;
	const size_t *select_from;
	size_t n_select_from;
	int has_select_from;
	int ignore_seen;          /* default 1 */
	mc_score_method method;   /* default importance */
} mc_cleaning_query;

/* Defaults: no size, no class_size, nothing ignored, ignore_seen = 1,
 * method = importance. */
void mc_cleaning_query_init(mc_cleaning_query *q);

/* Runs q: *idx and *score (caller frees both) hold *count samples in
 * ranking order (highest key first, ties by index) and their scores under
 * q->method. The returned samples are marked seen. Fails
 * with MC_ERR_STATE before a build, MC_ERR_INVALID on an index out of range,
 * MC_ERR_NOTFOUND on a class_size class with no samples. */
int mc_coreset_get_cleaning_samples(size_t **idx, double **score, size_t *count, mc_coreset *cs,
                                    const mc_cleaning_query *q, const mc_progress *progress,
                                    mc_error *err);

/* Marks idx[0..n) seen (seen = 1) or unseen; idx NULL means every sample. */
int mc_coreset_set_seen(mc_coreset *cs, const size_t *idx, size_t n, int seen, mc_error *err);

/* Local updates: change the labels, weights or feature rows (X has n rows
 * of dimension d) of samples idx[0..n), then recompute only the touched
 * (chunk, class) blocks. The tree nodes above touched leaves are rebuilt
 * when the tree is next read (get_coreset, coreset_data, fit, save), once
 * for any number of updates: a cleaning loop reads only importances between
 * updates. When an index repeats, the last value wins. On failure the
 * service is unchanged.
 * remove_samples sets the weights to 0: the samples leave every block,
 * coreset and cleaning query (their importance is 0). */
int mc_coreset_update_targets(mc_coreset *cs, const size_t *idx, size_t n, const int64_t *y,
                              const mc_progress *progress, mc_error *err);
int mc_coreset_update_weights(mc_coreset *cs, const size_t *idx, size_t n, const double *w,
                              const mc_progress *progress, mc_error *err);
int mc_coreset_update_features(mc_coreset *cs, const size_t *idx, size_t n,
                               const mc_matrix *X, const mc_progress *progress,
                               mc_error *err);
int mc_coreset_remove_samples(mc_coreset *cs, const size_t *idx, size_t n,
                              const mc_progress *progress, mc_error *err);

/* Writes the whole service (params, data, labels, weights, seen flags,
 * importance and tree) to path: a binary file with a magic, a version and a
 * CRC-32 per section, written to a temporary file, fsync'd and renamed over
 * path. Fails with MC_ERR_IO naming the path. */
int mc_coreset_save(mc_coreset *cs, const char *path, mc_error *err);

/* Reads a file written by mc_coreset_save. Caller owns *out. Fails with
 * MC_ERR_IO (cannot read), MC_ERR_PARSE (bad magic, version, truncation or a
 * checksum mismatch; the message names the section). */
int mc_coreset_load(mc_coreset **out, const char *path, mc_error *err);

/* ---- The service built over processes (maskclean-mpi) ----
 * A build is each chunk's importances (its (chunk, class) blocks), then the
 * tree over the leaves. Processes that hold whole chunks compute their
 * chunks' importances (mc_coreset_importance_rows); one process builds the
 * service from every row and those importances (mc_coreset_build_with):
 * the same service, byte for byte once saved, as mc_coreset_build. */

/* The rows per chunk and samples per node of a first build under p on data
 * of d columns where `present` classes have rows (p's own values when
 * set; else 4 (d + 1) rows per class present, at least 16384). */
void mc_coreset_sizes(const mc_coreset_params *p, size_t d, size_t present, size_t *chunk,
                      size_t *csize);

/* The importance of X's rows (X->rows values into out) when they begin a
 * chunk of the data: p->chunk_size must be the data's chunk size (and
 * coreset_size its node size, see mc_coreset_sizes). The same blocks and
 * arithmetic as a build. Fails as mc_coreset_build. */
int mc_coreset_importance_rows(double *out, const mc_coreset_params *p, const mc_matrix *X,
                               const int64_t *y, const double *w, const mc_progress *progress,
                               mc_error *err);

/* mc_coreset_build with the leaf importances given (X->rows values, as
 * mc_coreset_importance_rows gives them chunk by chunk). */
int mc_coreset_build_with(mc_coreset *cs, const mc_matrix *X, const int64_t *y,
                          const double *w, const double *importance,
                          const mc_progress *progress, mc_error *err);

/* Exchanges everything two services hold (data, tree, class names, fold
 * groups, cached scores): how a service loaded from a file takes the place
 * of another. */
void mc_coreset_swap(mc_coreset *a, mc_coreset *b);

#endif
