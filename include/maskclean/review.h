/* The review loop of the article ("Finally, let's start cleaning"): a session
 * over a COCO dataset, its features and a class of interest.
 *
 * Each iteration:
 *   1. mc_review_next takes the top n unseen samples of the class of interest
 *      (by the session's score method) and exports them to
 *      <dir>/iter_NNN/: one PNG per sample (image | attention mask |
 *      overlay) and review.csv with the columns
 *        index,annotation_id,image_id,label,importance,action,new_label
 *      where action is empty (= keep) for the reviewer to fill in: keep,
 *      remove, relabel (the class goes in new_label) or relabel:<class>.
 *   2. Actions are recorded one by one (mc_review_act) or from the edited CSV
 *      (mc_review_load_csv), or by the simulated reviewer (mc_review_simulate,
 *      from a demo dataset's ground_truth.json; never the default).
 *   3. mc_review_apply applies them (a relabel changes the label, a removal
 *      sets the weight to 0), updates the coreset service, recomputes the
 *      K-fold AUC and appends an iteration record {reviewed, fixed, removed,
 *      auc}. Samples of the batch without an action are kept.
 *
 * Nothing is lost: the batch, every action and every applied iteration are
 * appended to <dir>/journal.mcj and fsync'd before the call returns. The
 * initial state (features, labels, weights) is in <dir>/initial.mcc and the
 * configuration in <dir>/session.json. mc_review_resume replays the journal:
 * after a kernel restart or a kill -9 at any point it restores exactly the
 * labels, weights, seen set, open batch, pending actions and history (a torn
 * last journal record is dropped). An unapplied batch stays open: next()
 * returns it again instead of drawing a new one.
 *
 * Plateau: the session has reached a plateau when it has at least `window`
 * applied iterations and the AUC of the class of interest improved by less
 * than `threshold` (absolute) over the last `window` iterations, i.e.
 * auc[t] - auc[t - window] < threshold (auc[0] is the baseline before any
 * cleaning). Defaults: window 2, threshold 0.002. */
#ifndef MASKCLEAN_REVIEW_H
#define MASKCLEAN_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/coco.h"
#include "maskclean/coreset.h"
#include "maskclean/error.h"
#include "maskclean/matrix.h"
#include "maskclean/progress.h"

typedef struct mc_review mc_review;

typedef struct mc_review_opts {
	const char *dir;           /* session folder (created); required */
	size_t class_of_interest;  /* class index 0..K-1 */
	size_t n;                  /* samples per iteration (60) */
	mc_score_method method;    /* importance */
	size_t folds;              /* K-fold AUC (5) */
	uint64_t seed;             /* folds and coreset (0) */
	int export_images;         /* write one PNG per sample (1) */
	int image_size;            /* height of each PNG panel in pixels (128) */
	double plateau_threshold;  /* 0.002 */
	size_t plateau_window;     /* 2 */
	int restart;               /* 1: discard an existing session in dir (0) */
} mc_review_opts;

/* Fills o with the defaults above (dir NULL). */
void mc_review_opts_default(mc_review_opts *o);

typedef enum mc_review_action {
	MC_ACT_KEEP = 0,
	MC_ACT_RELABEL = 1,
	MC_ACT_REMOVE = 2
} mc_review_action;

/* One applied iteration. iteration 0 is the baseline (nothing reviewed). */
typedef struct mc_review_record {
	size_t iteration;
	size_t reviewed, fixed, removed;
	double auc;        /* cross-validated AUC of the class of interest */
	double auc_macro;  /* mean over classes */
} mc_review_record;

/* Starts a session on ds (borrowed: must outlive the session) and X (one row
 * per instance of ds; copied). labels/weights: the starting labels and
 * weights (NULL: ds's labels, all weights 1). If dir already holds a
 * session for the same dataset, class, n and method, it is resumed (as
 * mc_review_resume) unless o->restart; a session for something else is an
 * error (MC_ERR_STATE naming dir and suggesting restart). Builds the coreset service and computes
 * the baseline AUC. Caller owns *out; free with mc_review_free. */
int mc_review_new(mc_review **out, const mc_coco *ds, const mc_matrix *X,
                  const int64_t *labels, const double *weights, const mc_review_opts *o,
                  const mc_progress *progress, mc_error *err);

/* Resumes the session in dir. ds may be NULL: the dataset is then loaded
 * from the path recorded in session.json (and owned by the session).
 * Fails with MC_ERR_IO/MC_ERR_PARSE naming the file, MC_ERR_NOTFOUND when
 * dir holds no session. */
int mc_review_resume(mc_review **out, const char *dir, const mc_coco *ds,
                     const mc_progress *progress, mc_error *err);

/* Frees the session (the journal is already on disk). rv may be NULL. */
void mc_review_free(mc_review *rv);

/* The open batch: draws the top n unseen samples if no batch is open,
 * journals it, exports PNGs and the CSV. *idx (borrowed, valid until the
 * next call that changes rv) gets the batch's instance indices, highest
 * score first, *n their number (0 when nothing is left to review). */
int mc_review_next(mc_review *rv, const size_t **idx, size_t *n,
                   const mc_progress *progress, mc_error *err);

/* Records an action for instance i (any instance, usually one of the open
 * batch; a later action for the same instance replaces an earlier one).
 * new_class is the target class for MC_ACT_RELABEL. Journaled before
 * return. Fails with MC_ERR_INVALID (index or class out of range). */
int mc_review_act(mc_review *rv, size_t i, mc_review_action a, size_t new_class,
                  mc_error *err);

/* Reads actions from an edited review CSV (the action and new_label
 * columns). Errors name the file, the line and what was expected; on error
 * no action of the file is recorded. *n_actions (may be NULL) gets the
 * number of non-empty actions recorded. */
int mc_review_load_csv(mc_review *rv, const char *path, size_t *n_actions, mc_error *err);

/* The simulated reviewer: for every sample of the open batch records the
 * fix given by a demo dataset's ground_truth.json ("keep", "relabel" to
 * true_class, "remove"). Samples are matched by annotation id. */
int mc_review_simulate(mc_review *rv, const char *ground_truth_path, size_t *n_actions,
                       mc_error *err);

/* Applies the recorded actions, updates the service, recomputes the AUC
 * and appends the iteration record (copied to *rec when rec is not NULL).
 * Closes the open batch. Fails with MC_ERR_STATE when there is nothing to
 * apply (no open batch and no action). */
int mc_review_apply(mc_review *rv, mc_review_record *rec, const mc_progress *progress,
                    mc_error *err);

/* 1 if the plateau test above holds, else 0. */
int mc_review_plateau(const mc_review *rv);

/* History: *n records (baseline first), borrowed. */
const mc_review_record *mc_review_history(const mc_review *rv, size_t *n);

/* Current state, borrowed (n_instances entries). */
const int64_t *mc_review_labels(const mc_review *rv);
const double *mc_review_weights(const mc_review *rv);
size_t mc_review_n_instances(const mc_review *rv);
int mc_review_is_seen(const mc_review *rv, size_t i);
size_t mc_review_n_seen(const mc_review *rv);
/* Pending (recorded, not applied) action of instance i: 1 and *a, *cls set,
 * or 0 when none. */
int mc_review_pending(const mc_review *rv, size_t i, mc_review_action *a, size_t *cls);
size_t mc_review_n_pending(const mc_review *rv);
const mc_coco *mc_review_dataset(const mc_review *rv);
mc_coreset *mc_review_service(mc_review *rv);
const mc_review_opts *mc_review_options(const mc_review *rv);
const char *mc_review_dir(const mc_review *rv);
/* The folder of the open or last batch's export ("<dir>/iter_001"), or NULL. */
const char *mc_review_batch_dir(const mc_review *rv);
/* The open batch's instance indices (*n of them, 0 when no batch is open),
 * borrowed. */
const size_t *mc_review_batch(const mc_review *rv, size_t *n);
/* The score of each sample of the open batch (same order as idx). */
const double *mc_review_batch_scores(const mc_review *rv);
/* The PNG path of the batch's k-th sample ("<batch dir>/<index>.png").
 * Caller owns; free(). NULL when out of memory. */
char *mc_review_png_path(const mc_review *rv, size_t k);

/* Writes the corrected COCO JSON (labels changed, removed instances left
 * out) to path, and the corrections log next to it
 * (<path without .json>.corrections.csv: iteration, index, annotation_id,
 * action, old_label, new_label). Both atomically. */
int mc_review_export(mc_review *rv, const char *path, const mc_progress *progress,
                     mc_error *err);

/* The three views of instance i (image, attention mask, mask overlay, as in
 * the article; mc_render_views_rle with the object's box and context), each
 * at most image_size pixels on its longest side, under a title naming the
 * index, annotation id and class, written atomically as a PNG at path.
 * Fails as mc_image_load (the image file), mc_coco_instance_rle and
 * mc_render_views_rle, or with MC_ERR_IO naming path. */
int mc_review_write_instance_png(const mc_coco *ds, size_t i, int image_size,
                                 const char *path, mc_error *err);

#endif
