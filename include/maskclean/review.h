/* The review loop of the article ("Finally, let's start cleaning"): a session
 * over a COCO dataset, its features and the classes reviewed (one class of
 * interest as in the article, several, or every class).
 *
 * Identity: a reviewed sample is named by its COCO annotation id everywhere
 * (tiles, PNG file names, CSV rows, the journal, the batch, the corrections
 * log and every function below that takes a sample). Instance rows (the
 * index into labels, weights and the features) stay internal.
 *
 * Each iteration:
 *   1. mc_review_next takes the top n unseen samples of the reviewed classes
 *      (by the session's score method; for several classes or all, the top
 *      n across them, as the coreset service's cleaning query ranks them)
 *      and exports them to <dir>/iter_NNN/: one PNG per sample named
 *      <annotation id>.png (image | attention mask | overlay, under a title
 *      with the id, the label, the model's suggestion and the score) and
 *      review.csv with the columns
 *        annotation_id,image_id,label,suggested,probability,score,action,new_label
 *      where the reviewer fills in action: keep, remove, relabel (the class
 *      in new_label) or relabel:<class>. An empty action is undecided.
 *   2. Decisions are recorded one by one (mc_review_act), from the edited
 *      CSV (mc_review_load_csv), for every undecided sample at once
 *      (mc_review_keep_rest) or by the simulated reviewer
 *      (mc_review_simulate, from a demo dataset's ground_truth.json; never
 *      the default). Only samples of the open batch take decisions;
 *      corrections of other samples go through mc_review_fix.
 *   3. mc_review_apply applies them (a relabel changes the label, a removal
 *      sets the weight to 0), updates the coreset service, recomputes the
 *      K-fold AUC and appends an iteration record. It refuses while a
 *      sample of the batch is undecided, unless told to keep the rest.
 *
 * Nothing is lost: the batch, every decision and every applied iteration are
 * appended to <dir>/journal.mcj (maskclean/journal.h) and fsync'd before the
 * call returns. The initial state (features, labels, weights) is in
 * <dir>/initial.mcc and the configuration in <dir>/session.json.
 * mc_review_resume replays the journal: after a kernel restart or a kill -9
 * at any point it restores the labels, weights, seen set, open batch,
 * pending decisions and history; a damaged journal is kept aside and every
 * intact record restored (mc_review_notice says what was skipped). An
 * unapplied batch stays open: next() returns it again.
 *
 * One writer per folder: a session holds <dir>/session.lock
 * (maskclean/lock.h); a session of another process on the same folder is
 * refused with an error naming the holder. In one process, opening a folder
 * again (re-running the cell that created the session) supersedes the older
 * session: its changes are in the journal and the newer session resumes
 * them; the older one refuses every further change.
 *
 * AUC: the cross-validated one-vs-rest AUC of the reviewed class; for
 * several classes the mean over them, for every class the macro AUC.
 *
 * Plateau: the session has reached a plateau when it has at least `window`
 * applied iterations and the AUC improved by less than `threshold`
 * (absolute) over the last `window` iterations, i.e.
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
	const char *dir;           /* session folder (created, parents too); required */
	const size_t *classes;     /* the reviewed classes (indices 0..K-1, borrowed) */
	size_t n_classes;          /* 0: every class */
	size_t n;                  /* samples per iteration (60) */
	mc_score_method method;    /* importance */
	size_t folds;              /* K-fold AUC and the model's suggestions (5) */
	uint64_t seed;             /* folds and coreset (0) */
	int export_images;         /* write one PNG per sample (1) */
	int image_size;            /* longest side of each PNG view in pixels (160) */
	double plateau_threshold;  /* 0.002 */
	size_t plateau_window;     /* 2 */
	int restart;               /* 1: put an existing session of dir aside and start anew (0) */
} mc_review_opts;

/* Fills o with the defaults above (dir NULL, every class). */
void mc_review_opts_init(mc_review_opts *o);

typedef enum mc_review_action {
	MC_ACT_KEEP = 0,
	MC_ACT_RELABEL = 1,
	MC_ACT_REMOVE = 2
} mc_review_action;

/* One applied iteration. iteration 0 is the baseline (nothing reviewed). */
typedef struct mc_review_record {
	size_t iteration;
	size_t reviewed;      /* samples of the batch, each with a decision */
	size_t relabeled;     /* ... whose label changed */
	size_t removed;       /* ... removed */
	size_t fixed;         /* relabeled + removed */
	size_t outside;       /* corrections outside the batch (mc_review_fix) applied */
	size_t tied;          /* the largest group of equal scores in the batch */
	double random_found;  /* simulated reviewer: errors a random batch of the same
	                         size from the same candidates finds on average; NaN
	                         when the batch was not simulated */
	double auc;           /* cross-validated AUC of the reviewed classes */
	double auc_macro;     /* mean over every class */
} mc_review_record;

/* 1 when the largest group of equal scores of a batch of n (its size in
 * *tied, their score in *value; both may be NULL) is more than a quarter of
 * the batch: the ranking does not order those samples, and a warning is
 * due. Scores within a relative 1e-9 count as equal. When memory runs out
 * *tied is 1 and the result 0. */
int mc_review_ties(const double *scores, size_t n, size_t *tied, double *value);

/* Starts a session on ds (borrowed: must outlive the session) and X (one row
 * per instance of ds; copied). labels/weights: the starting labels and
 * weights (NULL: ds's labels, all weights 1). If dir already holds a
 * session for the same dataset, classes, n and method, it is resumed (as
 * mc_review_resume) unless o->restart, which moves the old session's files
 * into <dir>/discarded-<k>/; a session for something else is an error
 * (MC_ERR_STATE naming dir and suggesting restart). Fails with MC_ERR_STATE
 * when another process holds the folder (the message names it). Builds the
 * coreset service and computes the baseline AUC. Caller owns *out; free with
 * mc_review_free. */
int mc_review_new(mc_review **out, const mc_coco *ds, const mc_matrix *X,
                  const int64_t *labels, const double *weights, const mc_review_opts *o,
                  const mc_progress *progress, mc_error *err);

/* Resumes the session in dir. ds may be NULL: the dataset is then loaded
 * from the path recorded in session.json (and owned by the session).
 * Fails with MC_ERR_IO/MC_ERR_PARSE naming the file, MC_ERR_NOTFOUND when
 * dir holds no session, MC_ERR_STATE when another process holds it. */
int mc_review_resume(mc_review **out, const char *dir, const mc_coco *ds,
                     const mc_progress *progress, mc_error *err);

/* What resuming found worth telling the user (a damaged or torn journal:
 * what was skipped, where the original is kept), or NULL. Borrowed. */
const char *mc_review_notice(const mc_review *rv);

/* Frees the session and releases its folder (the journal is already on
 * disk). rv may be NULL. */
void mc_review_free(mc_review *rv);

/* The open batch: draws the top n unseen samples if no batch is open,
 * journals it, exports PNGs and the CSV. *ids (borrowed, valid until the
 * next call that changes rv) gets the batch's annotation ids, highest score
 * first, *n their number. When every sample of the reviewed classes has
 * been seen, *n is 0 and the batch is empty: mc_review_exhausted is then 1,
 * and simulate and apply accept it (they do nothing). */
int mc_review_next(const int64_t **ids, size_t *n, mc_review *rv, const mc_progress *progress,
                   mc_error *err);

/* 1 when the last next() found nothing left to review. */
int mc_review_exhausted(const mc_review *rv);

/* Records decision a for the samples with annotation ids ids[0..n) of the
 * open batch (a later decision for a sample replaces an earlier one), all
 * or none. new_class is the target class of MC_ACT_RELABEL. Journaled
 * before return. Fails with MC_ERR_NOTFOUND (no such annotation among the
 * instances), MC_ERR_STATE (no open batch), MC_ERR_INVALID (a sample is not
 * in the open batch: the message names the batch and points at
 * mc_review_fix; or a class out of range). */
int mc_review_act(mc_review *rv, const int64_t *ids, size_t n, mc_review_action a,
                  size_t new_class, mc_error *err);

/* Corrections of samples outside the open batch (seen while browsing, in
 * a gallery, in an earlier batch): recorded as such in the journal and the
 * history, mark the samples seen, and take effect at the next
 * mc_review_apply (with the batch's decisions, or alone when no batch is
 * open). Fails as mc_review_act, with MC_ERR_INVALID for a sample of the
 * open batch (decide those with mc_review_act). */
int mc_review_fix(mc_review *rv, const int64_t *ids, size_t n, mc_review_action a,
                  size_t new_class, mc_error *err);

/* Records "keep" for every undecided sample of the open batch; *n (may be
 * NULL) gets how many. Fails with MC_ERR_STATE when no batch is open. */
int mc_review_keep_rest(size_t *n, mc_review *rv, mc_error *err);

/* Counts of a loaded CSV: rows per action, and rows left undecided. */
typedef struct mc_review_csv_counts {
	size_t keep, relabel, remove, undecided;
} mc_review_csv_counts;

/* Reads decisions from an edited review CSV (columns annotation_id, action
 * and optionally new_label). A row with an empty action and an empty
 * new_label is undecided. Each of these is an error naming the file and the
 * line, and then no decision of the file is recorded: a new_label without
 * the action relabel, an unknown action or class, an id that is not an
 * instance of the dataset, an id outside the open batch, an id on two rows.
 * counts (may be NULL) gets the rows per action. */
int mc_review_load_csv(mc_review_csv_counts *counts, mc_review *rv, const char *path,
                       mc_error *err);

/* The simulated reviewer: for every sample of the open batch records the
 * fix given by a demo dataset's ground_truth.json ("keep", "relabel" to
 * true_class, "remove"), matched by annotation id, and notes how many
 * errors the candidates the batch was drawn from held (for random's
 * expectation in the record). An empty batch gives 0 decisions. */
int mc_review_simulate(size_t *n_actions, mc_review *rv, const char *ground_truth_path,
                       mc_error *err);

/* What apply does with undecided samples of the batch. */
typedef enum mc_review_rest {
	MC_REST_REFUSE = 0,  /* fail, saying how many and how to settle them */
	MC_REST_KEEP = 1     /* keep them (journaled as keep) */
} mc_review_rest;

/* Applies the recorded decisions and corrections, updates the service,
 * recomputes the AUC and appends the iteration record (copied to *rec
 * when rec is not NULL). Closes the open batch. After next() found nothing
 * (an empty batch) and with nothing recorded, does nothing and sets *rec to
 * the last record with every count 0. Fails with MC_ERR_STATE when samples
 * are undecided (with MC_REST_REFUSE) or there is nothing to apply (no open
 * batch and nothing recorded). */
int mc_review_apply(mc_review_record *rec, mc_review *rv, mc_review_rest rest,
                    const mc_progress *progress, mc_error *err);

/* 1 if the plateau test above holds, else 0. */
int mc_review_plateau(const mc_review *rv);

/* History: *n records (baseline first), borrowed. */
const mc_review_record *mc_review_history(const mc_review *rv, size_t *n);

/* One applied decision or correction (the corrections log). */
typedef struct mc_review_change {
	size_t iteration;
	int64_t ann_id;
	size_t old_class, new_class;
	mc_review_action action;   /* MC_ACT_RELABEL or MC_ACT_REMOVE */
	int outside;               /* 1: mc_review_fix, 0: a batch decision */
} mc_review_change;

/* Every applied change, in order (*n of them), borrowed. */
const mc_review_change *mc_review_changes(const mc_review *rv, size_t *n);

/* Current state, borrowed; labels and weights have one entry per instance
 * row (mc_coco_instance order). */
const int64_t *mc_review_labels(const mc_review *rv);
const double *mc_review_weights(const mc_review *rv);
size_t mc_review_n_instances(const mc_review *rv);
/* The instance row of annotation ann_id. Fails with MC_ERR_NOTFOUND (not an
 * annotation of the dataset, or a crowd annotation, which is not an
 * instance). */
int mc_review_row(size_t *row, const mc_review *rv, int64_t ann_id, mc_error *err);
/* 1 when the sample was in a batch or corrected, else 0 (also for an
 * unknown id). */
int mc_review_is_seen(const mc_review *rv, int64_t ann_id);
size_t mc_review_n_seen(const mc_review *rv);
/* Pending (recorded, not applied) decision of a sample: 1 and *a, *cls,
 * *outside set (each may be NULL), or 0 when none. */
int mc_review_pending(const mc_review *rv, int64_t ann_id, mc_review_action *a, size_t *cls,
                      int *outside);
size_t mc_review_n_pending(const mc_review *rv);
const mc_coco *mc_review_dataset(const mc_review *rv);
mc_coreset *mc_review_service(mc_review *rv);
/* The options (classes points at the session's copy, n_classes 0 = all). */
const mc_review_opts *mc_review_opts_of(const mc_review *rv);
/* 1 when the session reviews class k. */
int mc_review_reviews_class(const mc_review *rv, size_t k);
/* "orange", "orange, apple" or "all classes", into buf. */
void mc_review_classes_text(const mc_review *rv, char *buf, size_t size);
const char *mc_review_dir(const mc_review *rv);
/* The folder of the open or last batch's export ("<dir>/iter_001"), or NULL. */
const char *mc_review_batch_dir(const mc_review *rv);
/* The open batch (*n samples, 0 when none is open): annotation ids,
 * instance rows and scores, in the same order, borrowed. */
const int64_t *mc_review_batch(const mc_review *rv, size_t *n);
const size_t *mc_review_batch_rows(const mc_review *rv);
const double *mc_review_batch_scores(const mc_review *rv);
/* The largest group of equal scores of the open batch. */
size_t mc_review_batch_tied(const mc_review *rv);
/* The model's suggestion for each sample of the open batch: the class with
 * the highest out-of-fold probability (*cls) and that probability (*p),
 * computed on first use from the service's fold models. Borrowed. */
int mc_review_suggestions(const size_t **cls, const double **p, mc_review *rv,
                          const mc_progress *progress, mc_error *err);
/* The PNG path of the batch's k-th sample ("<batch dir>/<annotation id>.png").
 * Caller owns; free(). NULL when out of memory or k is out of range. */
char *mc_review_png_path(const mc_review *rv, size_t k);

/* Writes the corrected COCO JSON (labels changed, removed instances left
 * out) to path, then the corrections log next to it
 * (<path without .json>.corrections.csv): a first line
 *   # corrections of <file name> sha256=<hex of the JSON's bytes>
 * naming the JSON it belongs to, then the columns
 *   iteration,annotation_id,image_id,action,old_label,new_label,source
 * (source: batch or fix). Each file is replaced atomically; a reader tells a
 * JSON and a log of different exports apart by the hash. Fails with
 * MC_ERR_STATE while decisions are recorded but not applied. */
int mc_review_export(mc_review *rv, const char *path, const mc_progress *progress,
                     mc_error *err);

/* The text of an instance's PNG title: "annotation <id> · <label>", then
 * " · model: <class> <p>%" when suggest is not NULL, then " · <score name>
 * <score>" when score_name is not NULL. */
void mc_review_title(char *buf, size_t size, int64_t ann_id, const char *label,
                     const char *suggest, double p, const char *score_name, double score);

/* The three views of instance i (image, attention mask, mask overlay, as in
 * the article; mc_render_views_rle with the object's box and context), each
 * at most image_size pixels on its longest side, under title, written
 * atomically as a PNG at path. Fails as mc_image_load (the image file),
 * mc_coco_instance_rle and mc_render_views_rle, or with MC_ERR_IO naming
 * path. */
int mc_review_write_instance_png(const mc_coco *ds, size_t i, int image_size,
                                 const char *title, const char *path, mc_error *err);

#endif
