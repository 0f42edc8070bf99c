/* This module implements the review loop (maskclean/review.h): batches of
 * the most suspicious instances named by annotation id, their export (PNGs +
 * CSV), the reviewer's decisions, the journal that makes them durable,
 * resume, the folder lock, the simulated reviewer, the plateau test and the
 * corrected export. */
#include "maskclean/review.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maskclean/atomic_file.h"
#include "maskclean/buf.h"
#include "maskclean/image.h"
#include "maskclean/journal.h"
#include "maskclean/lock.h"
#include "maskclean/logreg.h"
#include "maskclean/metrics.h"
#include "maskclean/path.h"
#include "maskclean/render.h"
#include "maskclean/rle.h"

#define S_SESSION_VERSION 2

struct mc_review {
	mc_review_opts o;
	size_t *classes;          /* the reviewed classes (o.classes points here) */
	unsigned char *in_class;  /* K flags */
	char *dir, *real, *batch_dir, *notice;
	const mc_coco *ds;
	mc_coco *ds_owned;
	mc_matrix *X;
	size_t n, K;
	int64_t *labels;
	double *weights;
	unsigned char *seen;
	size_t n_seen;
	mc_coreset *cs;
	mc_journal *j;
	mc_lock *lock;
	/* the open batch */
	int batch_open, exhausted;
	size_t *batch;
	int64_t *batch_ids;
	double *batch_sc;
	size_t batch_n, batch_tied;
	size_t *sug_cls;
	double *sug_p;
	int sug_ok;
	double sim_pool, sim_errors;   /* from the simulated reviewer; pool 0: none */
	/* pending decisions: act[i] = -1 or an mc_review_action */
	signed char *act;
	unsigned char *act_out;        /* 1: a correction outside the batch */
	size_t *act_cls;
	size_t *pend;
	size_t n_pend;
	/* history and the corrections log */
	mc_review_record *hist;
	size_t n_hist, cap_hist;
	mc_review_change *chg;
	size_t n_chg, cap_chg;
	int superseded;
	mc_review *live_next;
};

void mc_review_opts_init(mc_review_opts *o)
{
	*o = (mc_review_opts){ .n = 60, .method = MC_SCORE_IMPORTANCE, .folds = 5,
	                       .export_images = 1, .image_size = 160,
	                       .plateau_threshold = 0.002, .plateau_window = 2 };
}

/* ---------------------------------------------------------------- helpers */

static int s_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
}

static int s_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Appends one element to a growing array (*a of *n, capacity *cap). */
static int s_push(void **a, size_t *n, size_t *cap, size_t size, const void *elem,
                  mc_error *err)
{
	return mc_push(a, n, cap, elem, size) < 0 ? s_nomem(err) : 0;
}

static const char *s_action_name(mc_review_action a)
{
	return a == MC_ACT_RELABEL ? "relabel" : a == MC_ACT_REMOVE ? "remove" : "keep";
}

/* A number for the journal: JSON has no NaN, so an undefined value is null. */
static json_t *s_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static double s_get_num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static size_t s_get_size(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (size_t)v : 0;
}

/* Appends a JSON record to the journal (compact, reals round-trip). */
static int s_journal(mc_review *rv, json_t *rec, mc_error *err)
{
	char *text;
	int rc;

	if (rec == NULL)
		return s_nomem(err);
	text = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(rec);
	if (text == NULL)
		return s_nomem(err);
	rc = mc_journal_append(rv->j, text, strlen(text), err);
	free(text);
	return rc;
}

/* A CSV field, quoted when it holds a comma, quote or newline. */
static void s_csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\n\r") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static int64_t s_ann_id(const mc_review *rv, size_t row)
{
	mc_coco_ann ann;
	mc_coco_instance(rv->ds, row, &ann);
	return ann.id;
}

int mc_review_row(size_t *row, const mc_review *rv, int64_t ann_id, mc_error *err)
{
	mc_coco_ann ann;
	size_t a;

	if (mc_coco_find_annotation(&a, rv->ds, ann_id, NULL) != 0)
		return mc_error_set(err, MC_ERR_NOTFOUND, "review: no annotation with id %lld in %s",
		                    (long long)ann_id, mc_coco_file_name(rv->ds));
	mc_coco_annotation(rv->ds, a, &ann);
	if (ann.instance == (size_t)-1)
		return mc_error_set(err, MC_ERR_NOTFOUND, "review: annotation %lld is a crowd "
		                    "annotation, which is not reviewed", (long long)ann_id);
	*row = ann.instance;
	return 0;
}

static int s_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Scores within a relative 1e-9 of each other are tied: the same score
 * computed along two paths differs in its last bits. */
static int s_tied(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

int mc_review_ties(const double *scores, size_t n, size_t *tied, double *value)
{
	double *s = malloc((n ? n : 1) * sizeof *s), at = n ? scores[0] : NAN;
	size_t best = n > 0 ? 1 : 0;

	if (s != NULL) {
		memcpy(s, scores, n * sizeof *s);
		qsort(s, n, sizeof *s, s_cmp_double);
		for (size_t a = 0; a < n;) {
			size_t b = a;
			while (b < n && s_tied(s[b], s[a]))
				b++;
			if (b - a > best) {
				best = b - a;
				at = s[a];
			}
			a = b;
		}
		free(s);
	}
	if (tied)
		*tied = best;
	if (value)
		*value = at;
	return best >= 2 && 4 * best > n;
}

/* ---------------------------------------------------------------- state */

static void s_record_action(mc_review *rv, size_t i, mc_review_action a, size_t cls,
                            int outside)
{
	if (rv->act[i] < 0)
		rv->pend[rv->n_pend++] = i;
	rv->act[i] = (signed char)a;
	rv->act_cls[i] = a == MC_ACT_RELABEL ? cls : 0;
	rv->act_out[i] = (unsigned char)(outside != 0);
}

static void s_mark_seen(mc_review *rv, size_t i)
{
	if (!rv->seen[i])
		rv->n_seen++;
	rv->seen[i] = 1;
}

static void s_open_batch(mc_review *rv, const size_t *rows, const double *sc, size_t n)
{
	if (rows != rv->batch)
		memcpy(rv->batch, rows, n * sizeof *rows);
	if (sc != rv->batch_sc)
		memcpy(rv->batch_sc, sc, n * sizeof *sc);
	rv->batch_n = n;
	rv->batch_open = 1;
	rv->exhausted = 0;
	rv->sug_ok = 0;
	rv->sim_pool = 0;
	rv->sim_errors = 0;
	for (size_t k = 0; k < n; k++) {
		rv->batch_ids[k] = s_ann_id(rv, rows[k]);
		s_mark_seen(rv, rows[k]);
	}
	mc_review_ties(rv->batch_sc, n, &rv->batch_tied, NULL);
}

static int s_in_batch(const mc_review *rv, size_t row)
{
	for (size_t k = 0; rv->batch_open && k < rv->batch_n; k++)
		if (rv->batch[k] == row)
			return 1;
	return 0;
}

/* What the pending decisions change: counts, and (when the arrays are
 * given) the rows whose label changes (with the new labels) and the rows
 * removed. */
typedef struct s_effect {
	size_t relabeled, removed, outside;
	size_t *ci, *ri;
	int64_t *cy;
	size_t nc, nr;
} s_effect;

static void s_effect_of(const mc_review *rv, s_effect *e)
{
	e->relabeled = e->removed = e->outside = e->nc = e->nr = 0;
	for (size_t k = 0; k < rv->n_pend; k++) {
		size_t i = rv->pend[k];
		int changes = 0;
		if (rv->act[i] == MC_ACT_RELABEL && rv->labels[i] != (int64_t)rv->act_cls[i] &&
		    rv->weights[i] > 0) {
			if (e->ci) {
				e->ci[e->nc] = i;
				e->cy[e->nc] = (int64_t)rv->act_cls[i];
			}
			e->nc++;
			changes = 1;
			if (!rv->act_out[i])
				e->relabeled++;
		} else if (rv->act[i] == MC_ACT_REMOVE && rv->weights[i] > 0) {
			if (e->ri)
				e->ri[e->nr] = i;
			e->nr++;
			changes = 1;
			if (!rv->act_out[i])
				e->removed++;
		}
		if (changes && rv->act_out[i])
			e->outside++;
	}
}

/* Applies the pending decisions to labels and weights and logs the
 * changes. Fails only for memory (the log). */
static int s_apply_pending(mc_review *rv, size_t iteration, mc_error *err)
{
	for (size_t k = 0; k < rv->n_pend; k++) {
		size_t i = rv->pend[k];
		mc_review_change c = { iteration, s_ann_id(rv, i), (size_t)rv->labels[i],
			               (size_t)rv->labels[i], (mc_review_action)rv->act[i],
			               rv->act_out[i] };
		int log = 0;
		if (c.action == MC_ACT_RELABEL && rv->labels[i] != (int64_t)rv->act_cls[i] &&
		    rv->weights[i] > 0) {
			rv->labels[i] = (int64_t)rv->act_cls[i];
			c.new_class = rv->act_cls[i];
			log = 1;
		} else if (c.action == MC_ACT_REMOVE && rv->weights[i] > 0) {
			rv->weights[i] = 0;
			log = 1;
		}
		rv->act[i] = -1;
		rv->act_out[i] = 0;
		if (log && s_push((void **)&rv->chg, &rv->n_chg, &rv->cap_chg, sizeof c, &c, err))
			return MC_ERR_NOMEM;
	}
	rv->n_pend = 0;
	rv->batch_open = 0;
	return 0;
}

/* ---------------------------------------------------------------- replay */

/* The row of a journaled sample: "ids" hold annotation ids (version 2),
 * "idx"/"i" instance rows (version 1). */
static int s_journal_row(const mc_review *rv, const json_t *v, int rows, size_t *row,
                         mc_error *err)
{
	json_int_t x = json_integer_value(v);

	if (!json_is_integer(v))
		return mc_error_set(err, MC_ERR_PARSE, "expected a whole number");
	if (rows) {
		if (x < 0 || (size_t)x >= rv->n)
			return mc_error_set(err, MC_ERR_PARSE, "instance row %lld out of range",
			                    (long long)x);
		*row = (size_t)x;
		return 0;
	}
	return mc_review_row(row, rv, (int64_t)x, err);
}

static int s_replay_acts(mc_review *rv, const json_t *rec, int outside, mc_error *err)
{
	const json_t *ids = json_object_get(rec, "ids"), *as = json_object_get(rec, "a"),
	             *cl = json_object_get(rec, "to");
	int rows = ids == NULL;
	size_t n;

	if (rows)
		ids = json_object_get(rec, "i");
	n = json_is_array(ids) ? json_array_size(ids) : 1;
	for (size_t k = 0; k < n; k++) {
		size_t i;
		json_int_t a = json_integer_value(json_is_array(as) ? json_array_get(as, k) : as);
		json_int_t c = json_integer_value(json_is_array(cl) ? json_array_get(cl, k) : cl);
		int rc = s_journal_row(rv, json_is_array(ids) ? json_array_get(ids, k) : ids, rows,
		                       &i, err);
		if (rc)
			return rc;
		if (a < 0 || a > 2 || c < 0 || (size_t)c >= rv->K)
			return mc_error_set(err, MC_ERR_PARSE, "action %lld to class %lld out of range",
			                    (long long)a, (long long)c);
		s_record_action(rv, i, (mc_review_action)a, (size_t)c, outside);
		if (outside)
			s_mark_seen(rv, i);
	}
	if (json_object_get(rec, "pool") != NULL) {
		rv->sim_pool = s_get_num(json_object_get(rec, "pool"));
		rv->sim_errors = s_get_num(json_object_get(rec, "errors"));
	}
	return 0;
}

static int s_replay_begin(mc_review *rv, const json_t *rec, mc_error *err)
{
	const json_t *ids = json_object_get(rec, "ids"), *sc = json_object_get(rec, "score");
	int rows = ids == NULL;
	size_t n;

	if (rows)
		ids = json_object_get(rec, "idx");
	n = json_array_size(ids);
	if (n > rv->n || json_array_size(sc) != n)
		return mc_error_set(err, MC_ERR_PARSE, "batch of %zu samples and %zu scores, expected "
		                    "as many, at most %zu", n, json_array_size(sc), rv->n);
	for (size_t k = 0; k < n; k++) {
		int rc = s_journal_row(rv, json_array_get(ids, k), rows, &rv->batch[k], err);
		if (rc)
			return rc;
		rv->batch_sc[k] = s_get_num(json_array_get(sc, k));
	}
	s_open_batch(rv, rv->batch, rv->batch_sc, n);
	return 0;
}

static int s_replay(void *ctx, const char *text, size_t len, mc_error *err)
{
	mc_review *rv = ctx;
	json_error_t jerr;
	json_t *rec = json_loadb(text, len, 0, &jerr);
	const char *t = json_string_value(json_object_get(rec, "t"));
	int rc = 0;

	if (rec == NULL || !json_is_object(rec)) {
		rc = mc_error_set(err, MC_ERR_PARSE, "not a JSON object: %s",
		                  rec ? "another JSON value" : jerr.text);
	} else if (t == NULL) {
		rc = mc_error_set(err, MC_ERR_PARSE, "missing record type \"t\"");
	} else if (strcmp(t, "baseline") == 0) {
		mc_review_record r;
		memset(&r, 0, sizeof r);
		r.random_found = NAN;
		r.auc = s_get_num(json_object_get(rec, "auc"));
		r.auc_macro = s_get_num(json_object_get(rec, "macro"));
		rv->n_hist = 0;
		rc = s_push((void **)&rv->hist, &rv->n_hist, &rv->cap_hist, sizeof r, &r, err);
	} else if (strcmp(t, "begin") == 0) {
		rc = s_replay_begin(rv, rec, err);
	} else if (strcmp(t, "act") == 0 || strcmp(t, "acts") == 0 || strcmp(t, "fix") == 0) {
		rc = s_replay_acts(rv, rec, strcmp(t, "fix") == 0, err);
	} else if (strcmp(t, "apply") == 0) {
		mc_review_record r;
		s_effect e;
		memset(&r, 0, sizeof r);
		memset(&e, 0, sizeof e);
		s_effect_of(rv, &e);
		r.iteration = s_get_size(rec, "it");
		r.reviewed = s_get_size(rec, "reviewed");
		r.relabeled = e.relabeled;
		r.removed = e.removed;
		r.fixed = e.relabeled + e.removed;
		r.outside = e.outside;
		r.tied = s_get_size(rec, "tied");
		r.random_found = s_get_num(json_object_get(rec, "random"));
		r.auc = s_get_num(json_object_get(rec, "auc"));
		r.auc_macro = s_get_num(json_object_get(rec, "macro"));
		rc = s_apply_pending(rv, r.iteration, err);
		if (rc == 0)
			rc = s_push((void **)&rv->hist, &rv->n_hist, &rv->cap_hist, sizeof r, &r, err);
	} else {
		rc = mc_error_set(err, MC_ERR_PARSE, "unknown record type \"%s\"", t);
	}
	json_decref(rec);
	return rc;
}

/* ---------------------------------------------------------------- AUC */

static int s_auc(const mc_review *rv, const int64_t *labels, const double *weights,
                 double *auc, double *macro, const mc_progress *progress, mc_error *err)
{
	mc_cv_auc *cv = NULL;
	mc_logreg_params lp;
	double sum = 0;
	size_t m = 0;
	int rc;

	mc_logreg_params_init(&lp);
	lp.class_weight = MC_CW_BALANCED;
	lp.n_classes = rv->K;
	rc = mc_cross_val_auc(&cv, rv->X, labels, weights, rv->K, rv->o.folds, rv->o.seed, &lp,
	                      progress, err);
	if (rc)
		return rc;
	*macro = cv->macro;
	if (rv->o.n_classes == 0) {
		*auc = cv->macro;
	} else {
		for (size_t c = 0; c < rv->o.n_classes; c++)
			if (isfinite(cv->per_class[rv->classes[c]])) {
				sum += cv->per_class[rv->classes[c]];
				m++;
			}
		*auc = m ? sum / (double)m : NAN;
	}
	mc_cv_auc_free(cv);
	return 0;
}

/* ---------------------------------------------------------------- session files */

static json_t *s_classes_json(const mc_review *rv)
{
	json_t *a;

	if (rv->o.n_classes == 0)
		return json_string("all");
	a = json_array();
	for (size_t c = 0; a && c < rv->o.n_classes; c++)
		json_array_append_new(a, json_string(mc_coco_class_name(rv->ds, rv->classes[c])));
	return a;
}

/* path made absolute (as it is when it cannot be resolved) as JSON; null
 * for no path. */
static json_t *s_path_json(const char *path)
{
	char *real = path != NULL ? realpath(path, NULL) : NULL;
	json_t *v = path == NULL ? json_null() : json_string(real != NULL ? real : path);

	free(real);
	return v;
}

static int s_write_session(const mc_review *rv, mc_error *err)
{
	json_t *js = json_object();
	char *path = mc_path_join(rv->dir, "session.json"), *text = NULL;
	int rc = 0;

	if (js == NULL || path == NULL) {
		rc = s_nomem(err);
		goto cleanup;
	}
	json_object_set_new(js, "version", json_integer(S_SESSION_VERSION));
	json_object_set_new(js, "dataset", s_path_json(mc_coco_path(rv->ds)));
	json_object_set_new(js, "images_dir", s_path_json(mc_coco_images_dir(rv->ds)));
	json_object_set_new(js, "include_crowd", json_boolean(mc_coco_include_crowd(rv->ds)));
	json_object_set_new(js, "n_instances", json_integer((json_int_t)rv->n));
	json_object_set_new(js, "n_classes", json_integer((json_int_t)rv->K));
	json_object_set_new(js, "classes", s_classes_json(rv));
	json_object_set_new(js, "n", json_integer((json_int_t)rv->o.n));
	json_object_set_new(js, "method", json_string(mc_rank_name(rv->o.method)));
	json_object_set_new(js, "folds", json_integer((json_int_t)rv->o.folds));
	json_object_set_new(js, "seed", json_integer((json_int_t)rv->o.seed));
	json_object_set_new(js, "export_images", json_boolean(rv->o.export_images));
	json_object_set_new(js, "image_size", json_integer(rv->o.image_size));
	json_object_set_new(js, "plateau_threshold", json_real(rv->o.plateau_threshold));
	json_object_set_new(js, "plateau_window", json_integer((json_int_t)rv->o.plateau_window));
	text = json_dumps(js, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	if (text == NULL) {
		rc = s_nomem(err);
		goto cleanup;
	}
	rc = mc_write_file_atomic(path, text, strlen(text), err);
cleanup:
	json_decref(js);
	free(path);
	free(text);
	return rc;
}

/* The class indices of a session.json's "classes" (names, or "all" = none)
 * or, for version 1, "class_of_interest". *out (caller frees) may be NULL
 * with *n 0 (every class). */
static int s_session_classes(const json_t *js, const mc_coco *ds, const char *spath,
                             size_t **out, size_t *n, mc_error *err)
{
	const json_t *cl = json_object_get(js, "classes");
	size_t m;

	*out = NULL;
	*n = 0;
	if (json_is_string(cl) && strcmp(json_string_value(cl), "all") == 0)
		return 0;
	m = json_is_array(cl) ? json_array_size(cl) : 1;
	*out = malloc(m * sizeof **out);
	if (*out == NULL)
		return s_nomem(err);
	for (size_t k = 0; k < m; k++) {
		const json_t *v = json_is_array(cl) ? json_array_get(cl, k) : NULL;
		int rc;
		if (v == NULL) {
			json_int_t c = json_integer_value(json_object_get(js, "class_of_interest"));
			rc = c >= 0 && (size_t)c < mc_coco_n_classes(ds) ? 0 : MC_ERR_NOTFOUND;
			(*out)[k] = (size_t)c;
		} else {
			rc = json_is_string(v) ? mc_coco_class_index(&(*out)[k], ds, json_string_value(v),
			                                             NULL) : MC_ERR_NOTFOUND;
		}
		if (rc) {
			free(*out);
			*out = NULL;
			return mc_error_set(err, MC_ERR_STATE, "%s: class %zu of the session is not a "
			                    "class of the dataset", spath, k + 1);
		}
	}
	*n = m;
	return 0;
}

/* ---------------------------------------------------------------- live sessions */

/* The sessions open in this process, so that opening a folder again (a
 * re-run cell) supersedes the older session instead of failing on its own
 * lock. */
static pthread_mutex_t s_live_mu = PTHREAD_MUTEX_INITIALIZER;
static mc_review *s_live;

static void s_live_remove(mc_review *rv)
{
	mc_review **p;

	pthread_mutex_lock(&s_live_mu);
	for (p = &s_live; *p != NULL; p = &(*p)->live_next)
		if (*p == rv) {
			*p = rv->live_next;
			break;
		}
	rv->live_next = NULL;
	pthread_mutex_unlock(&s_live_mu);
}

/* Closes the writer side of this process's session on real, if any. */
static void s_supersede(const char *real)
{
	mc_review **p;

	pthread_mutex_lock(&s_live_mu);
	for (p = &s_live; *p != NULL;) {
		mc_review *o = *p;
		if (strcmp(o->real, real) == 0) {
			*p = o->live_next;
			o->live_next = NULL;
			o->superseded = 1;
			mc_journal_close(o->j);
			o->j = NULL;
			mc_lock_release(o->lock);
			o->lock = NULL;
		} else {
			p = &o->live_next;
		}
	}
	pthread_mutex_unlock(&s_live_mu);
}

static void s_live_add(mc_review *rv)
{
	pthread_mutex_lock(&s_live_mu);
	rv->live_next = s_live;
	s_live = rv;
	pthread_mutex_unlock(&s_live_mu);
}

/* Takes dir for this process: supersedes an older session of ours on it,
 * then locks it against other processes. *real gets dir's real path. */
static int s_take_folder(const char *dir, char **real, mc_lock **lock, mc_error *err)
{
	char *lpath;
	int rc;

	*lock = NULL;
	*real = realpath(dir, NULL);
	if (*real == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: %s", dir, strerror(errno));
	s_supersede(*real);
	lpath = mc_path_join(*real, "session.lock");
	if (lpath == NULL) {
		free(*real);
		*real = NULL;
		return s_nomem(err);
	}
	rc = mc_lock_acquire(lock, lpath, err);
	free(lpath);
	if (rc) {
		mc_error_prefix(err, "review");
		free(*real);
		*real = NULL;
	}
	return rc;
}

static int s_writable(const mc_review *rv, const char *what, mc_error *err)
{
	if (rv->superseded)
		return mc_error_set(err, MC_ERR_STATE, "%s: this session of %s was superseded by a "
		                    "newer ReviewSession or resume_review() on the same folder; use "
		                    "the newer one", what, rv->dir);
	return 0;
}

/* ---------------------------------------------------------------- lifetime */

static mc_review *s_alloc(size_t n, size_t K, const char *dir, const size_t *classes,
                          size_t n_classes, mc_error *err)
{
	mc_review *rv = calloc(1, sizeof *rv);
	size_t m = n ? n : 1;

	if (rv == NULL)
		goto fail;
	rv->n = n;
	rv->K = K;
	rv->dir = strdup(dir);
	rv->labels = malloc(m * sizeof *rv->labels);
	rv->weights = malloc(m * sizeof *rv->weights);
	rv->seen = calloc(m, 1);
	rv->act = malloc(m);
	rv->act_out = calloc(m, 1);
	rv->act_cls = calloc(m, sizeof *rv->act_cls);
	rv->pend = malloc(m * sizeof *rv->pend);
	rv->batch = malloc(m * sizeof *rv->batch);
	rv->batch_ids = malloc(m * sizeof *rv->batch_ids);
	rv->batch_sc = malloc(m * sizeof *rv->batch_sc);
	rv->sug_cls = malloc(m * sizeof *rv->sug_cls);
	rv->sug_p = malloc(m * sizeof *rv->sug_p);
	rv->in_class = calloc(K ? K : 1, 1);
	rv->classes = malloc((n_classes ? n_classes : 1) * sizeof *rv->classes);
	if (!rv->dir || !rv->labels || !rv->weights || !rv->seen || !rv->act || !rv->act_out ||
	    !rv->act_cls || !rv->pend || !rv->batch || !rv->batch_ids || !rv->batch_sc ||
	    !rv->sug_cls || !rv->sug_p || !rv->in_class || !rv->classes)
		goto fail;
	memset(rv->act, -1, m);
	for (size_t c = 0; c < n_classes; c++) {
		rv->classes[c] = classes[c];
		rv->in_class[classes[c]] = 1;
	}
	if (n_classes == 0)
		memset(rv->in_class, 1, K);
	return rv;
fail:
	mc_review_free(rv);
	mc_error_set(err, MC_ERR_NOMEM, "review: out of memory for %zu instances", n);
	return NULL;
}

void mc_review_free(mc_review *rv)
{
	if (rv == NULL)
		return;
	if (rv->real != NULL && !rv->superseded)
		s_live_remove(rv);
	mc_journal_close(rv->j);
	mc_lock_release(rv->lock);
	mc_coreset_free(rv->cs);
	mc_matrix_free(rv->X);
	mc_coco_free(rv->ds_owned);
	free(rv->dir);
	free(rv->real);
	free(rv->notice);
	free(rv->batch_dir);
	free(rv->labels);
	free(rv->weights);
	free(rv->seen);
	free(rv->act);
	free(rv->act_out);
	free(rv->act_cls);
	free(rv->pend);
	free(rv->batch);
	free(rv->batch_ids);
	free(rv->batch_sc);
	free(rv->sug_cls);
	free(rv->sug_p);
	free(rv->in_class);
	free(rv->classes);
	free(rv->hist);
	free(rv->chg);
	free(rv);
}

/* Brings the service (built from the initial state) to the current labels,
 * weights and seen set. */
static int s_sync_service(mc_review *rv, const mc_progress *progress, mc_error *err)
{
	const int64_t *sy = mc_coreset_labels(rv->cs);
	const double *sw = mc_coreset_weights(rv->cs);
	size_t *idx = malloc((rv->n + 1) * sizeof *idx), m = 0;
	int64_t *ny = malloc((rv->n + 1) * sizeof *ny);
	double *nw = malloc((rv->n + 1) * sizeof *nw);
	int rc = 0;

	if (idx == NULL || ny == NULL || nw == NULL) {
		rc = s_nomem(err);
		goto cleanup;
	}
	for (size_t i = 0; i < rv->n; i++)
		if (sy[i] != rv->labels[i]) {
			idx[m] = i;
			ny[m++] = rv->labels[i];
		}
	if (m)
		rc = mc_coreset_update_targets(rv->cs, idx, m, ny, progress, err);
	m = 0;
	for (size_t i = 0; rc == 0 && i < rv->n; i++)
		if (sw[i] != rv->weights[i]) {
			idx[m] = i;
			nw[m++] = rv->weights[i];
		}
	if (rc == 0 && m)
		rc = mc_coreset_update_weights(rv->cs, idx, m, nw, progress, err);
	if (rc == 0) {
		mc_coreset_set_seen(rv->cs, NULL, 0, 0, err);
		m = 0;
		for (size_t i = 0; i < rv->n; i++)
			if (rv->seen[i])
				idx[m++] = i;
		rc = mc_coreset_set_seen(rv->cs, idx, m, 1, err);
	}
cleanup:
	free(idx);
	free(ny);
	free(nw);
	return rc;
}

static int s_baseline(mc_review *rv, const mc_progress *progress, mc_error *err)
{
	mc_review_record r;
	json_t *rec;
	int rc;

	memset(&r, 0, sizeof r);
	r.random_found = NAN;
	rc = s_auc(rv, rv->labels, rv->weights, &r.auc, &r.auc_macro, progress, err);
	if (rc)
		return rc;
	rec = json_pack("{s:s, s:o, s:o}", "t", "baseline", "auc", s_num(r.auc), "macro",
	                s_num(r.auc_macro));
	rc = s_journal(rv, rec, err);
	if (rc)
		return rc;
	rv->n_hist = 0;
	return s_push((void **)&rv->hist, &rv->n_hist, &rv->cap_hist, sizeof r, &r, err);
}

/* Reads the options of session.json into o (o->classes stays NULL). */
static void s_session_opts(const json_t *js, mc_review_opts *o)
{
	mc_review_opts_init(o);
	o->n = s_get_size(js, "n");
	o->folds = s_get_size(js, "folds");
	o->seed = (uint64_t)json_integer_value(json_object_get(js, "seed"));
	o->export_images = json_is_true(json_object_get(js, "export_images"));
	o->image_size = (int)json_integer_value(json_object_get(js, "image_size"));
	o->plateau_threshold = json_number_value(json_object_get(js, "plateau_threshold"));
	o->plateau_window = s_get_size(js, "plateau_window");
}

/* 0 when spath, dir's session.json, exists; else MC_ERR_NOTFOUND naming dir. */
static int s_session_here(const char *spath, const char *dir, mc_error *err)
{
	return s_exists(spath) ? 0 : mc_error_set(err, MC_ERR_NOTFOUND, "%s: no review session "
	                                          "here (no session.json)", dir);
}

/* Reads spath (dir's session.json): *js (caller decrefs) and the options
 * it records into *o. Fails naming spath when it is missing, not JSON, of
 * an unknown version or without its required fields. */
static int s_read_session(json_t **js, mc_review_opts *o, const char *dir, const char *spath,
                          mc_error *err)
{
	json_error_t jerr;
	const json_t *method;
	long long version;
	int rc;

	*js = NULL;
	if ((rc = s_session_here(spath, dir, err)) != 0)
		return rc;
	*js = json_load_file(spath, 0, &jerr);
	if (*js == NULL)
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %d: %s", spath, jerr.line, jerr.text);
	version = json_integer_value(json_object_get(*js, "version"));
	if (version < 1 || version > S_SESSION_VERSION ||
	    !json_is_string(json_object_get(*js, "dataset")) ||
	    !json_is_integer(json_object_get(*js, "n_instances")))
		return mc_error_set(err, MC_ERR_PARSE, "%s: expected version 1 to %d with \"dataset\" "
		                    "and \"n_instances\"", spath, S_SESSION_VERSION);
	s_session_opts(*js, o);
	o->dir = dir;
	method = json_object_get(*js, "method");
	if (json_is_string(method) && (rc = mc_rank_parse(&o->method, json_string_value(method),
	                                                  err)) != 0) {
		mc_error_prefix(err, "%s", spath);
		return rc;
	}
	return 0;
}

/* The dataset a session js (read from spath) was made on, loaded into
 * *owned (caller frees). */
static int s_session_dataset(mc_coco **owned, const json_t *js, const char *spath,
                             const mc_progress *progress, mc_error *err)
{
	const json_t *idir = json_object_get(js, "images_dir");
	mc_coco_options co = {
		.images_dir = json_is_string(idir) ? json_string_value(idir) : NULL,
		.include_crowd = json_is_true(json_object_get(js, "include_crowd")),
		.progress = progress,
	};
	int rc = mc_coco_load(owned, json_string_value(json_object_get(js, "dataset")), &co, err);

	if (rc)
		mc_error_prefix(err, "%s: the session's dataset", spath);
	return rc;
}

/* Moves the taken folder (its real path and lock) into rv. */
static void s_own_folder(mc_review *rv, char **real, mc_lock **lock)
{
	rv->real = *real;
	rv->lock = *lock;
	*real = NULL;
	*lock = NULL;
}

/* Loads session.json, initial.mcc and the journal of dir, whose folder is
 * already taken (*real, *lock: moved into the session on success). */
static int s_resume(mc_review **out, const char *dir, const mc_coco *ds, char **real,
                    mc_lock **lock, const mc_progress *progress, mc_error *err)
{
	char *spath = mc_path_join(dir, "session.json"), *ipath = mc_path_join(dir, "initial.mcc");
	char *jpath = mc_path_join(dir, "journal.mcj");
	json_t *js = NULL;
	mc_review *rv = NULL;
	mc_coreset *cs = NULL;
	mc_coco *owned = NULL;
	mc_journal_report jr;
	mc_review_opts o;
	size_t n, K, *classes = NULL, n_classes = 0;
	int rc;

	*out = NULL;
	rc = spath && ipath && jpath ? s_read_session(&js, &o, dir, spath, err) : s_nomem(err);
	if (rc == 0 && ds == NULL && (rc = s_session_dataset(&owned, js, spath, progress, err)) == 0)
		ds = owned;
	if (rc)
		goto cleanup;
	n = mc_coco_n_instances(ds);
	K = mc_coco_n_classes(ds);
	if ((json_int_t)n != json_integer_value(json_object_get(js, "n_instances")) ||
	    o.n == 0 || o.folds < 2) {
		rc = mc_error_set(err, MC_ERR_STATE, "%s: the session is for %lld instances, the "
		                  "dataset has %zu", spath,
		                  (long long)json_integer_value(json_object_get(js, "n_instances")), n);
		goto cleanup;
	}
	rc = s_session_classes(js, ds, spath, &classes, &n_classes, err);
	if (rc)
		goto cleanup;
	rc = mc_coreset_load(&cs, ipath, err);
	if (rc)
		goto cleanup;
	if (mc_coreset_n(cs) != n) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: %zu samples, the session has %zu", ipath,
		                  mc_coreset_n(cs), n);
		goto cleanup;
	}
	rv = s_alloc(n, K, dir, classes, n_classes, err);
	if (rv == NULL) {
		rc = MC_ERR_NOMEM;
		goto cleanup;
	}
	rv->o = o;
	rv->o.dir = rv->dir;
	rv->o.classes = n_classes ? rv->classes : NULL;
	rv->o.n_classes = n_classes;
	s_own_folder(rv, real, lock);
	rv->ds = ds;
	rv->ds_owned = owned;
	owned = NULL;
	rv->cs = cs;
	cs = NULL;
	rc = mc_matrix_new(&rv->X, n, mc_coreset_dim(rv->cs), err);
	if (rc)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		memcpy(rv->X->data + i * rv->X->stride, mc_coreset_row(rv->cs, i),
		       rv->X->cols * sizeof(double));
	memcpy(rv->labels, mc_coreset_labels(rv->cs), n * sizeof *rv->labels);
	memcpy(rv->weights, mc_coreset_weights(rv->cs), n * sizeof *rv->weights);
	rc = mc_journal_open(&rv->j, jpath, s_replay, rv, &jr, err);
	if (rc)
		goto cleanup;
	if (jr.damaged > 0 || jr.torn_bytes > 0) {
		char text[2048];
		mc_journal_report_text(&jr, jpath, text, sizeof text);
		rv->notice = strdup(text);
	}
	rc = s_sync_service(rv, progress, err);
	if (rc)
		goto cleanup;
	if (rv->n_hist == 0) {
		rc = s_baseline(rv, progress, err);
		if (rc)
			goto cleanup;
	}
	if (rv->batch_open || rv->n_hist > 1) {
		char name[32];
		snprintf(name, sizeof name, "iter_%03zu", rv->n_hist - (rv->batch_open ? 0 : 1));
		rv->batch_dir = mc_path_join(rv->dir, name);
	}
	*out = rv;
	rv = NULL;
cleanup:
	mc_review_free(rv);
	mc_coreset_free(cs);
	mc_coco_free(owned);
	json_decref(js);
	free(classes);
	free(spath);
	free(ipath);
	free(jpath);
	return rc;
}

int mc_review_resume(mc_review **out, const char *dir, const mc_coco *ds,
                     const mc_progress *progress, mc_error *err)
{
	char *spath = mc_path_join(dir, "session.json"), *real = NULL;
	mc_lock *lock = NULL;
	int rc;

	*out = NULL;
	if (spath == NULL)
		return s_nomem(err);
	rc = s_session_here(spath, dir, err);
	free(spath);
	if (rc == 0)
		rc = s_take_folder(dir, &real, &lock, err);
	if (rc == 0)
		rc = s_resume(out, dir, ds, &real, &lock, progress, err);
	if (rc == 0)
		s_live_add(*out);
	mc_lock_release(lock);
	free(real);
	return rc;
}

const char *mc_review_notice(const mc_review *rv)
{
	return rv->notice;
}

/* Moves the session files of dir (everything but the lock and earlier
 * discarded sessions) into dir/discarded-<k>/. */
static int s_discard(const char *dir, mc_error *err)
{
	char *aside = NULL, name[32];
	DIR *d = NULL;
	struct dirent *e;
	int rc = 0;

	for (int k = 1; aside == NULL && k < 100000; k++) {
		snprintf(name, sizeof name, "discarded-%d", k);
		aside = mc_path_join(dir, name);
		if (aside == NULL)
			return s_nomem(err);
		if (mkdir(aside, 0755) != 0) {
			int e2 = errno;
			free(aside);
			aside = NULL;
			if (e2 != EEXIST)
				return mc_error_set(err, MC_ERR_IO, "%s/%s: cannot create folder: %s", dir,
				                    name, strerror(e2));
		}
	}
	if (aside == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: too many discarded sessions", dir);
	d = opendir(dir);
	if (d == NULL) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
		goto cleanup;
	}
	while ((e = readdir(d)) != NULL && rc == 0) {
		char *from, *to;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, "session.lock") == 0 ||
		    strncmp(e->d_name, "discarded-", 10) == 0)
			continue;
		from = mc_path_join(dir, e->d_name);
		to = mc_path_join(aside, e->d_name);
		if (from == NULL || to == NULL)
			rc = s_nomem(err);
		else if (rename(from, to) != 0)
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot move to %s: %s", from, to,
			                  strerror(errno));
		free(from);
		free(to);
	}
cleanup:
	if (d != NULL)
		closedir(d);
	free(aside);
	return rc;
}

/* 1 when session.json js is for the same dataset size and classes as o. */
static int s_same_session(const json_t *js, const mc_coco *ds, const mc_review_opts *o)
{
	size_t *cl = NULL, m = 0;
	int same = json_integer_value(json_object_get(js, "n_instances")) ==
	           (json_int_t)mc_coco_n_instances(ds);

	if (same && s_session_classes(js, ds, "", &cl, &m, NULL) != 0)
		same = 0;
	if (same && m != o->n_classes)
		same = 0;
	for (size_t a = 0; same && a < m; a++) {
		int found = 0;
		for (size_t b = 0; b < m; b++)
			found |= cl[a] == o->classes[b];
		same = found;
	}
	free(cl);
	return same;
}

/* Checks an existing session of dir against o: 1 when it can be resumed,
 * 2 when restart is to put it aside, 0 when there is none, an error
 * otherwise. */
static int s_existing(const char *dir, const mc_coco *ds, const mc_review_opts *o,
                      mc_error *err)
{
	char *spath = mc_path_join(dir, "session.json");
	json_error_t jerr;
	json_t *js;
	const char *m;
	int rc;

	if (spath == NULL)
		return s_nomem(err);
	if (!s_exists(spath)) {
		free(spath);
		return 0;
	}
	free(spath);
	if (o->restart)
		return 2;
	spath = mc_path_join(dir, "session.json");
	js = spath ? json_load_file(spath, 0, &jerr) : NULL;
	free(spath);
	m = js ? json_string_value(json_object_get(js, "method")) : NULL;
	if (js == NULL || !s_same_session(js, ds, o))
		rc = mc_error_set(err, MC_ERR_STATE, "%s: holds a review session for another dataset "
		                  "or other classes; pass restart=true to put it aside and start "
		                  "anew, or use another dir", dir);
	else if (s_get_size(js, "n") != o->n || m == NULL ||
	         strcmp(m, mc_rank_name(o->method)) != 0)
		rc = mc_error_set(err, MC_ERR_STATE, "%s: holds a review session with other options "
		                  "(n, method); resume it with resume_review, pass restart=true to "
		                  "put it aside and start anew, or use another dir", dir);
	else
		rc = 1;
	json_decref(js);
	return rc;
}

static int s_check_opts(const mc_coco *ds, const mc_matrix *X, const int64_t *labels,
                        const mc_review_opts *o, mc_error *err)
{
	size_t n, K;

	if (o == NULL || o->dir == NULL || ds == NULL || X == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "review: a dataset, features and a folder "
		                    "are required");
	n = mc_coco_n_instances(ds);
	K = mc_coco_n_classes(ds);
	if (X->rows != n)
		return mc_error_set(err, MC_ERR_SHAPE, "review: X has %zu rows, the dataset has %zu "
		                    "instances", X->rows, n);
	for (size_t c = 0; c < o->n_classes; c++) {
		if (o->classes[c] >= K)
			return mc_error_set(err, MC_ERR_INVALID, "review: class %zu, expected a class "
			                    "index below %zu", o->classes[c], K);
		for (size_t d = 0; d < c; d++)
			if (o->classes[d] == o->classes[c])
				return mc_error_set(err, MC_ERR_INVALID, "review: class \"%s\" is listed "
				                    "twice", mc_coco_class_name(ds, o->classes[c]));
	}
	if (o->n == 0 || o->folds < 2 || o->image_size < 16 || o->image_size > 1024)
		return mc_error_set(err, MC_ERR_INVALID, "review: expected n >= 1, folds >= 2 and "
		                    "16 <= image_size <= 1024");
	for (size_t i = 0; labels && i < n; i++)
		if (labels[i] < 0 || (size_t)labels[i] >= K)
			return mc_error_set(err, MC_ERR_INVALID, "review: labels[%zu] = %lld, expected a "
			                    "class index below %zu", i, (long long)labels[i], K);
	return 0;
}

/* A new session on ds in o->dir, whose folder is already taken (*real,
 * *lock: moved into the session on success): the service built and saved,
 * session.json written, the journal started and the baseline AUC taken. */
static int s_create(mc_review **out, const mc_coco *ds, const mc_matrix *X,
                    const int64_t *labels, const double *weights, const mc_review_opts *o,
                    char **real, mc_lock **lock, const mc_progress *progress, mc_error *err)
{
	size_t n = mc_coco_n_instances(ds), K = mc_coco_n_classes(ds);
	char *ipath = mc_path_join(o->dir, "initial.mcc");
	char *jpath = mc_path_join(o->dir, "journal.mcj");
	mc_review *rv = NULL;
	mc_coreset_params cp;
	int rc;

	if (!ipath || !jpath) {
		rc = s_nomem(err);
		goto cleanup;
	}
	rv = s_alloc(n, K, o->dir, o->classes, o->n_classes, err);
	if (rv == NULL) {
		rc = MC_ERR_NOMEM;
		goto cleanup;
	}
	rv->o = *o;
	rv->o.dir = rv->dir;
	rv->o.classes = o->n_classes ? rv->classes : NULL;
	rv->o.restart = 0;
	s_own_folder(rv, real, lock);
	rv->ds = ds;
	if (labels)
		memcpy(rv->labels, labels, n * sizeof *labels);
	else
		mc_coco_labels(ds, rv->labels);
	for (size_t i = 0; i < n; i++)
		rv->weights[i] = weights ? weights[i] : 1.0;
	rc = mc_matrix_copy(&rv->X, X, err);
	if (rc)
		goto cleanup;
	mc_coreset_params_init(&cp);
	cp.seed = o->seed;
	cp.folds = (int)o->folds;
	rc = mc_coreset_new(&rv->cs, &cp, err);
	if (rc == 0)
		rc = mc_coreset_build(rv->cs, rv->X, rv->labels, rv->weights, progress, err);
	/* The journal goes last: a folder without one holds no session yet. */
	if (rc == 0)
		rc = mc_coreset_save(rv->cs, ipath, err);
	if (rc == 0)
		rc = s_write_session(rv, err);
	if (rc == 0)
		rc = mc_journal_open(&rv->j, jpath, NULL, NULL, NULL, err);
	if (rc == 0)
		rc = s_baseline(rv, progress, err);
	if (rc == 0) {
		*out = rv;
		rv = NULL;
	}
cleanup:
	mc_review_free(rv);
	free(ipath);
	free(jpath);
	return rc;
}

int mc_review_new(mc_review **out, const mc_coco *ds, const mc_matrix *X,
                  const int64_t *labels, const double *weights, const mc_review_opts *o,
                  const mc_progress *progress, mc_error *err)
{
	mc_lock *lock = NULL;
	char *real = NULL;
	int existing, rc;

	*out = NULL;
	rc = s_check_opts(ds, X, labels, o, err);
	if (rc == 0)
		rc = mc_mkdirs(o->dir, err);
	if (rc == 0)
		rc = s_existing(o->dir, ds, o, err);
	if (rc < 0)
		return rc;
	existing = rc;
	/* Only now, with a session to open, an older one of this process on
	 * the folder is superseded. */
	rc = s_take_folder(o->dir, &real, &lock, err);
	if (rc == 0 && existing == 1)
		rc = s_resume(out, o->dir, ds, &real, &lock, progress, err);
	else if (rc == 0 && (existing != 2 || (rc = s_discard(o->dir, err)) == 0))
		rc = s_create(out, ds, X, labels, weights, o, &real, &lock, progress, err);
	if (rc == 0)
		s_live_add(*out);
	mc_lock_release(lock);
	free(real);
	return rc;
}

/* ---------------------------------------------------------------- export */

void mc_review_title(char *buf, size_t size, int64_t ann_id, const char *label,
                     const char *suggest, double p, const char *score_name, double score)
{
	size_t o = (size_t)snprintf(buf, size, "annotation %lld \xc2\xb7 %s", (long long)ann_id,
	                            label);
	if (suggest != NULL && o < size)
		o += (size_t)snprintf(buf + o, size - o, " \xc2\xb7 model: %s %.0f%%", suggest,
		                      100 * p);
	if (score_name != NULL && o < size)
		snprintf(buf + o, size - o, " \xc2\xb7 %s %.3g", score_name, score);
}

int mc_review_write_instance_png(const mc_coco *ds, size_t i, int image_size,
                                 const char *title, const char *path, mc_error *err)
{
	mc_coco_ann ann;
	mc_image *img = NULL;
	mc_rle *rle = NULL;
	mc_png *png = NULL;
	mc_render_opts ro;
	char *ipath = NULL;
	int rc;

	mc_coco_instance(ds, i, &ann);
	rc = mc_coco_image_path(&ipath, ds, ann.image, err);
	if (rc == 0)
		rc = mc_image_load(&img, ipath, err);
	if (rc == 0)
		rc = mc_coco_instance_rle(&rle, ds, i, NULL, err);
	if (rc)
		goto cleanup;
	memset(&ro, 0, sizeof ro);
	ro.title = title;
	ro.crop = 1;
	ro.panel = image_size;
	ro.scale = 1;
	rc = mc_render_views_rle(&png, img, rle, &ro, err);
	if (rc) {
		mc_error_prefix(err, "%s", ipath);
		goto cleanup;
	}
	rc = mc_write_file_atomic(path, png->data, png->len, err);
cleanup:
	mc_png_free(png);
	mc_image_free(img);
	mc_rle_free(rle);
	free(ipath);
	return rc;
}

char *mc_review_png_path(const mc_review *rv, size_t k)
{
	char name[48];

	if (rv->batch_dir == NULL || !rv->batch_open || k >= rv->batch_n)
		return NULL;
	snprintf(name, sizeof name, "%lld.png", (long long)rv->batch_ids[k]);
	return mc_path_join(rv->batch_dir, name);
}

int mc_review_suggestions(const size_t **cls, const double **p, mc_review *rv,
                          const mc_progress *progress, mc_error *err)
{
	const double *P;
	size_t k;
	int rc;

	*cls = NULL;
	*p = NULL;
	if (!rv->sug_ok && rv->batch_open && rv->batch_n > 0) {
		rc = mc_coreset_proba(rv->cs, &P, &k, progress, err);
		if (rc)
			return rc;
		for (size_t b = 0; b < rv->batch_n; b++) {
			const double *row = P + rv->batch[b] * k;
			size_t best = 0;
			for (size_t c = 1; c < k; c++)
				if (row[c] > row[best])
					best = c;
			rv->sug_cls[b] = best < rv->K ? best : 0;
			rv->sug_p[b] = k ? row[best] : 0;
		}
		rv->sug_ok = 1;
	}
	*cls = rv->sug_cls;
	*p = rv->sug_p;
	return 0;
}

static int s_export_batch(mc_review *rv, const mc_progress *progress, mc_error *err)
{
	const char *score_name = mc_rank_name(rv->o.method);
	const size_t *sug;
	const double *sp;
	char *csv = NULL, *buf = NULL, title[512];
	size_t len = 0;
	FILE *fp = NULL;
	int rc;

	rc = mc_mkdir(rv->batch_dir, err);
	if (rc == 0)
		rc = mc_review_suggestions(&sug, &sp, rv, progress, err);
	if (rc)
		return rc;
	fp = open_memstream(&buf, &len);
	if (fp == NULL)
		return s_nomem(err);
	fputs("annotation_id,image_id,label,suggested,probability,score,action,new_label\n", fp);
	for (size_t k = 0; k < rv->batch_n; k++) {
		mc_coco_ann ann;
		size_t i = rv->batch[k];
		const char *label = mc_coco_class_name(rv->ds, (size_t)rv->labels[i]);
		const char *suggest = mc_coco_class_name(rv->ds, sug[k]);
		mc_coco_instance(rv->ds, i, &ann);
		fprintf(fp, "%lld,%lld,", (long long)ann.id, (long long)ann.image_id);
		s_csv_field(fp, label);
		fputc(',', fp);
		s_csv_field(fp, suggest);
		fprintf(fp, ",%.3f,%.6g,,\n", sp[k], rv->batch_sc[k]);
		if (rv->o.export_images) {
			char *png = mc_review_png_path(rv, k);
			if (png == NULL) {
				rc = s_nomem(err);
				break;
			}
			mc_review_title(title, sizeof title, ann.id, label, suggest, sp[k], score_name,
			                rv->batch_sc[k]);
			rc = mc_review_write_instance_png(rv->ds, i, rv->o.image_size, title, png, err);
			free(png);
			if (rc)
				break;
			if (mc_progress_report(progress, k + 1, rv->batch_n, "review: export")) {
				rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
				break;
			}
		}
	}
	fclose(fp);
	if (rc == 0) {
		csv = mc_path_join(rv->batch_dir, "review.csv");
		rc = csv ? mc_write_file_atomic(csv, buf, len, err) : s_nomem(err);
	}
	free(csv);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- loop */

/* The cleaning query of the session: its classes that still hold a kept
 * sample (one class: exactly n of it; several or all: the top n across
 * them). *none is 1 when no reviewed class holds a sample. */
static int s_draw(mc_review *rv, size_t **sel, double **sc, size_t *cnt,
                  const mc_progress *progress, mc_error *err)
{
	mc_cleaning_query q;
	mc_class_size *cls = NULL;
	unsigned char *present = calloc(rv->K ? rv->K : 1, 1);
	size_t m = 0;
	int rc;

	*sel = NULL;
	*sc = NULL;
	*cnt = 0;
	if (present == NULL)
		return s_nomem(err);
	for (size_t i = 0; i < rv->n; i++)
		if (rv->weights[i] > 0)
			present[rv->labels[i]] = 1;
	mc_cleaning_query_init(&q);
	q.method = rv->o.method;
	q.ignore_seen = 1;
	q.size = rv->o.n;
	q.has_size = 1;
	if (rv->o.n_classes > 0) {
		cls = calloc(rv->o.n_classes, sizeof *cls);
		if (cls == NULL) {
			free(present);
			return s_nomem(err);
		}
		for (size_t c = 0; c < rv->o.n_classes; c++) {
			if (!present[rv->classes[c]])
				continue;
			cls[m].cls = (int64_t)rv->classes[c];
			cls[m].kind = rv->o.n_classes == 1 ? MC_CLASS_SIZE_COUNT : MC_CLASS_SIZE_ANY;
			cls[m].count = rv->o.n;
			m++;
		}
		q.class_size = cls;
		q.n_class_size = m;
	}
	rc = rv->o.n_classes > 0 && m == 0 ? 0 :
	     mc_coreset_get_cleaning_samples(sel, sc, cnt, rv->cs, &q, progress, err);
	free(cls);
	free(present);
	return rc;
}

int mc_review_next(const int64_t **ids, size_t *n, mc_review *rv, const mc_progress *progress,
                   mc_error *err)
{
	size_t *sel = NULL, cnt = 0;
	double *sc = NULL;
	json_t *rec, *ji, *js;
	char name[32];
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = s_writable(rv, "next", err)) != 0)
		return rc;
	if (!rv->batch_open) {
		rc = s_draw(rv, &sel, &sc, &cnt, progress, err);
		if (rc)
			goto cleanup;
		if (cnt == 0) {
			rv->exhausted = 1;
			goto cleanup;
		}
		rec = json_object();
		ji = json_array();
		js = json_array();
		for (size_t k = 0; rec && ji && js && k < cnt; k++) {
			json_array_append_new(ji, json_integer((json_int_t)s_ann_id(rv, sel[k])));
			json_array_append_new(js, s_num(sc[k]));
		}
		if (rec) {
			json_object_set_new(rec, "t", json_string("begin"));
			json_object_set_new(rec, "it", json_integer((json_int_t)rv->n_hist));
			json_object_set_new(rec, "ids", ji);
			json_object_set_new(rec, "score", js);
		} else {
			json_decref(ji);
			json_decref(js);
		}
		rc = s_journal(rv, rec, err);
		if (rc) {
			/* Not journaled: the samples are not seen. */
			mc_coreset_set_seen(rv->cs, sel, cnt, 0, NULL);
			goto cleanup;
		}
		s_open_batch(rv, sel, sc, cnt);
		snprintf(name, sizeof name, "iter_%03zu", rv->n_hist);
		free(rv->batch_dir);
		rv->batch_dir = mc_path_join(rv->dir, name);
		if (rv->batch_dir == NULL) {
			rc = s_nomem(err);
			goto cleanup;
		}
		rc = s_export_batch(rv, progress, err);
	} else {
		char *csv = rv->batch_dir ? mc_path_join(rv->batch_dir, "review.csv") : NULL;
		rc = 0;
		if (csv == NULL || !s_exists(csv))
			rc = s_export_batch(rv, progress, err);
		free(csv);
	}
	if (rc)
		goto cleanup;
	*ids = rv->batch_ids;
	*n = rv->batch_n;
cleanup:
	free(sel);
	free(sc);
	return rc;
}

int mc_review_exhausted(const mc_review *rv)
{
	return !rv->batch_open && rv->exhausted;
}

/* A decision on an instance row. */
typedef struct s_decision {
	size_t row;
	mc_review_action act;
	size_t cls;                /* the new class of a relabel, else 0 */
} s_decision;

/* Decisions, in the order they are recorded. */
typedef struct s_decisions {
	s_decision *at;
	size_t n;
} s_decisions;

static void s_decisions_free(s_decisions *d)
{
	free(d->at);
	d->at = NULL;
	d->n = 0;
}

/* An empty list with room for cap decisions. */
static int s_decisions_init(s_decisions *d, size_t cap, mc_error *err)
{
	d->n = 0;
	d->at = malloc((cap + 1) * sizeof *d->at);
	return d->at != NULL ? 0 : s_nomem(err);
}

/* Appends a decision; s_decisions_init made room for it. */
static void s_decide(s_decisions *d, size_t row, mc_review_action a, size_t cls)
{
	d->at[d->n++] = (s_decision){ .row = row, .act = a,
	                              .cls = a == MC_ACT_RELABEL ? cls : 0 };
}

static json_t *s_acts_record(const char *type, const mc_review *rv, const s_decisions *d)
{
	json_t *rec = json_object(), *ji = json_array(), *ja = json_array(), *jc = json_array();

	if (!rec || !ji || !ja || !jc) {
		json_decref(rec);
		json_decref(ji);
		json_decref(ja);
		json_decref(jc);
		return NULL;
	}
	for (size_t k = 0; k < d->n; k++) {
		json_array_append_new(ji, json_integer((json_int_t)s_ann_id(rv, d->at[k].row)));
		json_array_append_new(ja, json_integer((json_int_t)d->at[k].act));
		json_array_append_new(jc, json_integer((json_int_t)d->at[k].cls));
	}
	json_object_set_new(rec, "t", json_string(type));
	json_object_set_new(rec, "ids", ji);
	json_object_set_new(rec, "a", ja);
	json_object_set_new(rec, "to", jc);
	return rec;
}

/* Journals then records the decisions d, all or nothing; extra (may be
 * NULL) is merged into the record. */
static int s_act_many(mc_review *rv, const s_decisions *d, int outside, json_t *extra,
                      mc_error *err)
{
	json_t *rec;
	int rc;

	if (d->n == 0 && extra == NULL)
		return 0;
	rec = s_acts_record(outside ? "fix" : "acts", rv, d);
	if (rec != NULL && extra != NULL)
		json_object_update(rec, extra);
	json_decref(extra);
	rc = s_journal(rv, rec, err);
	if (rc)
		return rc;
	for (size_t k = 0; k < d->n; k++) {
		s_record_action(rv, d->at[k].row, d->at[k].act, d->at[k].cls, outside);
		if (outside)
			s_mark_seen(rv, d->at[k].row);
	}
	return 0;
}

/* "the open batch (iteration 3, 60 samples: see rv.batch or <dir>/review.csv)" */
static void s_batch_name(const mc_review *rv, char *buf, size_t size)
{
	snprintf(buf, size, "the open batch (iteration %zu, %zu samples: see rv.batch or %s/"
	         "review.csv)", rv->n_hist, rv->batch_n, rv->batch_dir ? rv->batch_dir : rv->dir);
}

/* Checks a decision on ann_id: known, in the batch (or, for a fix, outside
 * it), a valid class. *row gets its row. */
static int s_check_act(mc_review *rv, const char *what, int64_t ann_id, mc_review_action a,
                       size_t new_class, int outside, size_t *row, mc_error *err)
{
	char batch[640];
	int rc = s_writable(rv, what, err);

	if (rc == 0)
		rc = mc_review_row(row, rv, ann_id, err);
	if (rc)
		return rc;
	if (a != MC_ACT_KEEP && a != MC_ACT_RELABEL && a != MC_ACT_REMOVE)
		return mc_error_set(err, MC_ERR_INVALID, "%s: unknown action %d", what, (int)a);
	if (a == MC_ACT_RELABEL && new_class >= rv->K)
		return mc_error_set(err, MC_ERR_INVALID, "%s: class %zu is out of range (the dataset "
		                    "has %zu classes)", what, new_class, rv->K);
	s_batch_name(rv, batch, sizeof batch);
	if (outside && s_in_batch(rv, *row))
		return mc_error_set(err, MC_ERR_INVALID, "%s: annotation %lld is in %s; decide it "
		                    "with keep, relabel or remove", what, (long long)ann_id, batch);
	if (!outside && !rv->batch_open)
		return mc_error_set(err, MC_ERR_STATE, "%s: annotation %lld: no batch is open; call "
		                    "next() first, or fix(%lld, ...) to correct a sample outside a "
		                    "batch", what, (long long)ann_id, (long long)ann_id);
	if (!outside && !s_in_batch(rv, *row))
		return mc_error_set(err, MC_ERR_INVALID, "%s: annotation %lld is not in %s; to "
		                    "correct a sample outside the batch use fix(%lld, ...)", what,
		                    (long long)ann_id, batch, (long long)ann_id);
	return 0;
}

/* Checks then records decision a for the samples ids[0..n), all or
 * nothing. */
static int s_act_ids(mc_review *rv, const char *what, const int64_t *ids, size_t n,
                     mc_review_action a, size_t new_class, int outside, mc_error *err)
{
	s_decisions d;
	int rc = s_decisions_init(&d, n, err);

	for (size_t k = 0; rc == 0 && k < n; k++) {
		size_t row;
		rc = s_check_act(rv, what, ids[k], a, new_class, outside, &row, err);
		if (rc == 0)
			s_decide(&d, row, a, new_class);
	}
	if (rc == 0)
		rc = s_act_many(rv, &d, outside, NULL, err);
	s_decisions_free(&d);
	return rc;
}

int mc_review_act(mc_review *rv, const int64_t *ids, size_t n, mc_review_action a,
                  size_t new_class, mc_error *err)
{
	return s_act_ids(rv, s_action_name(a), ids, n, a, new_class, 0, err);
}

int mc_review_fix(mc_review *rv, const int64_t *ids, size_t n, mc_review_action a,
                  size_t new_class, mc_error *err)
{
	return s_act_ids(rv, "fix", ids, n, a, new_class, 1, err);
}

static size_t s_undecided(const mc_review *rv)
{
	size_t u = 0;
	for (size_t k = 0; rv->batch_open && k < rv->batch_n; k++)
		u += rv->act[rv->batch[k]] < 0;
	return u;
}

/* The start of a verb on the open batch: 0 to go on, 1 when there is
 * nothing to do (every sample has been seen: the batch is empty), or an
 * error (the session is read-only, or next() was not called). */
static int s_batch_verb(mc_review *rv, const char *what, mc_error *err)
{
	int rc = s_writable(rv, what, err);

	if (rc != 0 || rv->batch_open)
		return rc;
	if (mc_review_exhausted(rv))
		return 1;
	return mc_error_set(err, MC_ERR_STATE, "%s: no batch is open; call next() first", what);
}

int mc_review_keep_rest(size_t *n, mc_review *rv, mc_error *err)
{
	s_decisions d;
	int rc;

	if (n)
		*n = 0;
	if ((rc = s_batch_verb(rv, "keep_rest", err)) != 0)
		return rc > 0 ? 0 : rc;
	if ((rc = s_decisions_init(&d, rv->batch_n, err)) != 0)
		return rc;
	for (size_t k = 0; k < rv->batch_n; k++)
		if (rv->act[rv->batch[k]] < 0)
			s_decide(&d, rv->batch[k], MC_ACT_KEEP, 0);
	rc = s_act_many(rv, &d, 0, NULL, err);
	if (rc == 0 && n)
		*n = d.n;
	s_decisions_free(&d);
	return rc;
}

/* Splits one CSV line into fields (quoted fields may hold commas and ""),
 * in place. Returns the number of fields (at most max). */
static size_t s_csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		char *w;
		if (*p == '"') {
			f[n++] = w = ++p;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			while (*p && *p != ',')
				p++;
			if (*p == ',')
				*p++ = '\0', *w = '\0';
			else {
				*w = '\0';
				break;
			}
		} else {
			f[n++] = p;
			while (*p && *p != ',')
				p++;
			if (*p == ',')
				*p++ = '\0';
			else
				break;
		}
	}
	return n;
}

static char *s_trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Class index of name (a class name or a number). */
static int s_class_of(const mc_review *rv, const char *name, size_t *out)
{
	char *end;
	unsigned long v;

	if (mc_coco_class_index(out, rv->ds, name, NULL) == 0)
		return 0;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (*name && *end == '\0' && errno == 0 && v < rv->K) {
		*out = v;
		return 0;
	}
	return -1;
}

/* The CSV's columns, found in its header. */
typedef struct s_csv_cols {
	size_t id, action, label;
} s_csv_cols;

/* Reads the header fields into c; fails naming the line. */
static int s_csv_header(char **f, size_t nf, s_csv_cols *c, const char *path, size_t lineno,
                        mc_error *err)
{
	c->id = c->action = c->label = (size_t)-1;
	for (size_t k = 0; k < nf; k++) {
		if (strcmp(f[k], "annotation_id") == 0)
			c->id = k;
		else if (strcmp(f[k], "action") == 0)
			c->action = k;
		else if (strcmp(f[k], "new_label") == 0)
			c->label = k;
	}
	if (c->id == (size_t)-1 || c->action == (size_t)-1)
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: expected a header with the "
		                    "columns \"annotation_id\" and \"action\" (and \"new_label\")",
		                    path, lineno);
	return 0;
}

/* One data row: *a = -1 for undecided. Fails naming the line. */
static int s_csv_row(const mc_review *rv, char **f, size_t nf, const s_csv_cols *c,
                     const char *path, size_t lineno, size_t *row, int *a, size_t *cls,
                     mc_error *err)
{
	char *act_field = c->action < nf ? f[c->action] : NULL;
	const char *act = act_field != NULL ? act_field : "";
	const char *label = c->label < nf ? f[c->label] : "", *target = NULL;
	const char *id = c->id < nf ? f[c->id] : "";
	char *end;
	long long v;

	*cls = 0;
	errno = 0;
	v = strtoll(id, &end, 10);
	if (*id == '\0' || *end != '\0' || errno != 0)
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: annotation_id \"%s\": expected "
		                    "the annotation id of a sample of the batch", path, lineno, id);
	if (mc_review_row(row, rv, (int64_t)v, NULL) != 0)
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: annotation %lld is not an "
		                    "instance of %s", path, lineno, v, mc_coco_file_name(rv->ds));
	if (!s_in_batch(rv, *row)) {
		char batch[640];
		s_batch_name(rv, batch, sizeof batch);
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: annotation %lld is not in %s; "
		                    "correct samples outside the batch with fix(%lld, ...)", path,
		                    lineno, v, batch, v);
	}
	if (*act == '\0' && *label == '\0') {
		*a = -1;
		return 0;
	}
	if (*act == '\0')
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: new_label \"%s\" without an "
		                    "action: write relabel in column \"action\", or clear new_label",
		                    path, lineno, label);
	if (strcasecmp(act, "keep") == 0 || strcasecmp(act, "remove") == 0 ||
	    strcasecmp(act, "delete") == 0) {
		if (*label != '\0')
			return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: action \"%s\" with "
			                    "new_label \"%s\": write relabel to change the label, or "
			                    "clear new_label", path, lineno, act, label);
		*a = strcasecmp(act, "keep") == 0 ? MC_ACT_KEEP : MC_ACT_REMOVE;
		return 0;
	}
	if (strcasecmp(act, "relabel") == 0) {
		target = label;
		if (*target == '\0')
			return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: action \"relabel\" needs "
			                    "the new class in column \"new_label\"", path, lineno);
	} else if (strncasecmp(act, "relabel:", 8) == 0) {
		target = s_trim(act_field + 8);
		if (*label != '\0' && strcmp(label, target) != 0)
			return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: action \"%s\" and new_label "
			                    "\"%s\" disagree", path, lineno, act, label);
	} else {
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: action \"%s\": expected keep, "
		                    "remove, relabel or relabel:<class>", path, lineno, act);
	}
	if (s_class_of(rv, target, cls) != 0)
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: unknown class \"%s\": expected "
		                    "a class name of the dataset or an index below %zu", path, lineno,
		                    target, rv->K);
	*a = MC_ACT_RELABEL;
	return 0;
}

int mc_review_load_csv(mc_review_csv_counts *counts, mc_review *rv, const char *path,
                       mc_error *err)
{
	FILE *fp = NULL;
	char *line = NULL, *f[32];
	size_t cap = 0, lineno = 0, *line_of = NULL;
	s_decisions d = { .n = 0 };
	mc_review_csv_counts cnt = { 0, 0, 0, 0 };
	s_csv_cols cols = { (size_t)-1, (size_t)-1, (size_t)-1 };   /* set by the header */
	int have_header = 0, rc;

	if (counts)
		memset(counts, 0, sizeof *counts);
	if ((rc = s_writable(rv, "load_csv", err)) != 0)
		return rc;
	if (!rv->batch_open)
		return mc_error_set(err, MC_ERR_STATE, "load_csv: no batch is open; call next() "
		                    "first");
	fp = fopen(path, "r");
	if (fp == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	line_of = calloc(rv->n ? rv->n : 1, sizeof *line_of);
	if ((rc = s_decisions_init(&d, rv->batch_n, err)) != 0)
		goto cleanup;
	if (line_of == NULL) {
		rc = s_nomem(err);
		goto cleanup;
	}
	while (getline(&line, &cap, fp) >= 0) {
		size_t nf, row = 0, cls = 0;
		int a = -1;
		lineno++;
		if (lineno == 1 && (unsigned char)line[0] == 0xef && (unsigned char)line[1] == 0xbb &&
		    (unsigned char)line[2] == 0xbf)
			memmove(line, line + 3, strlen(line + 3) + 1);
		if (*s_trim(line) == '\0')
			continue;
		nf = s_csv_split(line, f, 32);
		for (size_t k = 0; k < nf; k++)
			f[k] = s_trim(f[k]);
		if (!have_header) {
			rc = s_csv_header(f, nf, &cols, path, lineno, err);
			if (rc)
				goto cleanup;
			have_header = 1;
			continue;
		}
		rc = s_csv_row(rv, f, nf, &cols, path, lineno, &row, &a, &cls, err);
		if (rc)
			goto cleanup;
		if (line_of[row] != 0) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: annotation %lld appears "
			                  "again (first on line %zu): one row per sample", path, lineno,
			                  (long long)s_ann_id(rv, row), line_of[row]);
			goto cleanup;
		}
		line_of[row] = lineno;
		if (a < 0) {
			cnt.undecided++;
			continue;
		}
		cnt.keep += a == MC_ACT_KEEP;
		cnt.relabel += a == MC_ACT_RELABEL;
		cnt.remove += a == MC_ACT_REMOVE;
		s_decide(&d, row, (mc_review_action)a, cls);
	}
	if (ferror(fp)) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
		goto cleanup;
	}
	if (!have_header) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: line 1: expected a header with the columns "
		                  "\"annotation_id\" and \"action\", the file is empty", path);
		goto cleanup;
	}
	rc = s_act_many(rv, &d, 0, NULL, err);
	if (rc == 0 && counts)
		*counts = cnt;
cleanup:
	fclose(fp);
	free(line);
	s_decisions_free(&d);
	free(line_of);
	return rc;
}

/* The fix the ground truth gives each row: -1 unknown, else an
 * mc_review_action; *cls[i] the true class of a relabel. */
static int s_ground_truth(const mc_review *rv, const char *gt_path, signed char *fix,
                          size_t *cls, mc_error *err)
{
	json_error_t jerr;
	json_t *gt = json_load_file(gt_path, 0, &jerr), *anns;
	int rc = 0;

	memset(fix, -1, rv->n);
	if (gt == NULL)
		return mc_error_set(err, json_error_code(&jerr) == json_error_cannot_open_file ?
		                    MC_ERR_IO : MC_ERR_PARSE, "%s: line %d: %s", gt_path, jerr.line,
		                    jerr.text);
	anns = json_object_get(gt, "annotations");
	if (!json_is_array(anns)) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: expected an \"annotations\" array (a demo "
		                  "dataset's ground_truth.json)", gt_path);
		goto cleanup;
	}
	for (size_t q = 0; q < json_array_size(anns); q++) {
		json_t *g = json_array_get(anns, q);
		const char *f = json_string_value(json_object_get(g, "fix"));
		json_int_t id = json_integer_value(json_object_get(g, "id"));
		size_t i;
		if (mc_review_row(&i, rv, (int64_t)id, NULL) != 0)
			continue;
		if (f != NULL && strcmp(f, "relabel") == 0) {
			json_int_t cat = json_integer_value(json_object_get(g, "true_category_id"));
			if (mc_coco_find_class(&cls[i], rv->ds, cat, err) != 0) {
				mc_error_prefix(err, "%s: annotation %lld", gt_path, (long long)id);
				rc = MC_ERR_NOTFOUND;
				goto cleanup;
			}
			fix[i] = MC_ACT_RELABEL;
		} else if (f != NULL && strcmp(f, "remove") == 0) {
			fix[i] = MC_ACT_REMOVE;
		} else if (f != NULL && strcmp(f, "keep") == 0) {
			fix[i] = MC_ACT_KEEP;
		} else {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: annotation %lld: \"fix\" must be keep, "
			                  "relabel or remove", gt_path, (long long)id);
			goto cleanup;
		}
	}
cleanup:
	json_decref(gt);
	return rc;
}

int mc_review_simulate(size_t *n_actions, mc_review *rv, const char *gt_path, mc_error *err)
{
	signed char *fix = NULL;
	size_t *cls = NULL, pool = 0, errors = 0;
	s_decisions d = { .n = 0 };
	int rc;

	if (n_actions)
		*n_actions = 0;
	if ((rc = s_batch_verb(rv, "simulate", err)) != 0)
		return rc > 0 ? 0 : rc;
	fix = malloc(rv->n + 1);
	cls = calloc(rv->n + 1, sizeof *cls);
	if ((rc = s_decisions_init(&d, rv->batch_n, err)) != 0)
		goto cleanup;
	if (fix == NULL || cls == NULL) {
		rc = s_nomem(err);
		goto cleanup;
	}
	rc = s_ground_truth(rv, gt_path, fix, cls, err);
	if (rc)
		goto cleanup;
	for (size_t k = 0; k < rv->batch_n; k++) {
		size_t i = rv->batch[k];
		if (fix[i] < 0) {
			rc = mc_error_set(err, MC_ERR_NOTFOUND, "%s: annotation %lld is not in the "
			                  "ground truth", gt_path, (long long)rv->batch_ids[k]);
			goto cleanup;
		}
		s_decide(&d, i, (mc_review_action)fix[i], cls[i]);
	}
	/* The candidates the batch was drawn from: kept samples of the reviewed
	 * classes not seen before it. */
	for (size_t i = 0; i < rv->n; i++) {
		if (!(rv->weights[i] > 0) || !rv->in_class[rv->labels[i]] ||
		    (rv->seen[i] && !s_in_batch(rv, i)))
			continue;
		pool++;
		errors += fix[i] == MC_ACT_RELABEL || fix[i] == MC_ACT_REMOVE;
	}
	rc = s_act_many(rv, &d, 0,
	                json_pack("{s:I, s:I}", "pool", (json_int_t)pool, "errors",
	                          (json_int_t)errors), err);
	if (rc == 0) {
		rv->sim_pool = (double)pool;
		rv->sim_errors = (double)errors;
		if (n_actions)
			*n_actions = rv->batch_n;
	}
cleanup:
	free(fix);
	free(cls);
	s_decisions_free(&d);
	return rc;
}

int mc_review_apply(mc_review_record *out, mc_review *rv, mc_review_rest rest,
                    const mc_progress *progress, mc_error *err)
{
	s_effect e;
	mc_review_record r;
	size_t undecided;
	json_t *rec;
	int rc;

	memset(&e, 0, sizeof e);
	if ((rc = s_writable(rv, "apply", err)) != 0)
		return rc;
	if (!rv->batch_open && rv->n_pend == 0) {
		if (mc_review_exhausted(rv)) {
			r = rv->hist[rv->n_hist - 1];
			r.reviewed = r.relabeled = r.removed = r.fixed = r.outside = r.tied = 0;
			r.random_found = NAN;
			if (out)
				*out = r;
			return 0;
		}
		return mc_error_set(err, MC_ERR_STATE, "apply: nothing to apply (no open batch and no "
		                    "recorded decision); call next() first");
	}
	undecided = s_undecided(rv);
	if (undecided > 0 && rest != MC_REST_KEEP)
		return mc_error_set(err, MC_ERR_STATE, "apply: %zu of the %zu samples of the open "
		                    "batch (iteration %zu) have no decision yet; decide them (keep, "
		                    "relabel, remove, load_csv), or keep them all with keep_rest() or "
		                    "apply(rest=\"keep\")", undecided, rv->batch_n, rv->n_hist);
	if (undecided > 0 && (rc = mc_review_keep_rest(NULL, rv, err)) != 0)
		return rc;
	e.ci = malloc((rv->n_pend + 1) * sizeof *e.ci);
	e.cy = malloc((rv->n_pend + 1) * sizeof *e.cy);
	e.ri = malloc((rv->n_pend + 1) * sizeof *e.ri);
	if (!e.ci || !e.cy || !e.ri) {
		rc = s_nomem(err);
		goto cleanup;
	}
	s_effect_of(rv, &e);
	memset(&r, 0, sizeof r);
	r.iteration = rv->n_hist;
	r.reviewed = rv->batch_open ? rv->batch_n : 0;
	r.relabeled = e.relabeled;
	r.removed = e.removed;
	r.fixed = e.relabeled + e.removed;
	r.outside = e.outside;
	r.tied = rv->batch_open ? rv->batch_tied : 0;
	r.random_found = rv->batch_open && rv->sim_pool > 0 ?
	                 (double)rv->batch_n * rv->sim_errors / rv->sim_pool : NAN;
	if (e.nc == 0 && e.nr == 0) {
		/* Nothing changed: the AUC is the last one (same data, same folds). */
		r.auc = rv->hist[rv->n_hist - 1].auc;
		r.auc_macro = rv->hist[rv->n_hist - 1].auc_macro;
	} else {
		int64_t *ny = malloc(rv->n * sizeof *ny);
		double *nw = malloc(rv->n * sizeof *nw);
		if (ny == NULL || nw == NULL) {
			free(ny);
			free(nw);
			rc = s_nomem(err);
			goto cleanup;
		}
		memcpy(ny, rv->labels, rv->n * sizeof *ny);
		memcpy(nw, rv->weights, rv->n * sizeof *nw);
		for (size_t k = 0; k < e.nc; k++)
			ny[e.ci[k]] = e.cy[k];
		for (size_t k = 0; k < e.nr; k++)
			nw[e.ri[k]] = 0;
		rc = s_auc(rv, ny, nw, &r.auc, &r.auc_macro, progress, err);
		free(ny);
		free(nw);
		if (rc)
			goto cleanup;
	}
	/* Update the service first: it is the step that can fail for lack of
	 * memory; its changes are undone if journaling fails. */
	rc = e.nc ? mc_coreset_update_targets(rv->cs, e.ci, e.nc, e.cy, progress, err) : 0;
	if (rc == 0 && e.nr)
		rc = mc_coreset_remove_samples(rv->cs, e.ri, e.nr, progress, err);
	if (rc == 0) {
		rec = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "t", "apply",
		                "it", (json_int_t)r.iteration, "reviewed", (json_int_t)r.reviewed,
		                "relabeled", (json_int_t)r.relabeled, "removed",
		                (json_int_t)r.removed, "outside", (json_int_t)r.outside, "tied",
		                (json_int_t)r.tied, "random", s_num(r.random_found), "auc",
		                s_num(r.auc), "macro", s_num(r.auc_macro));
		rc = s_journal(rv, rec, err);
	}
	if (rc) {
		/* Best effort: the service goes back to the journaled state. */
		s_sync_service(rv, NULL, NULL);
		goto cleanup;
	}
	rc = s_apply_pending(rv, r.iteration, err);
	if (rc == 0)
		rc = s_push((void **)&rv->hist, &rv->n_hist, &rv->cap_hist, sizeof r, &r, err);
	if (rc == 0 && out)
		*out = r;
cleanup:
	free(e.ci);
	free(e.cy);
	free(e.ri);
	return rc;
}

int mc_review_plateau(const mc_review *rv)
{
	size_t w = rv->o.plateau_window, t;

	if (w == 0 || rv->n_hist < w + 1)
		return 0;
	t = rv->n_hist - 1;
	return rv->hist[t].auc - rv->hist[t - w].auc < rv->o.plateau_threshold;
}

const mc_review_record *mc_review_history(const mc_review *rv, size_t *n)
{
	*n = rv->n_hist;
	return rv->hist;
}

const mc_review_change *mc_review_changes(const mc_review *rv, size_t *n)
{
	*n = rv->n_chg;
	return rv->chg;
}

const int64_t *mc_review_labels(const mc_review *rv) { return rv->labels; }
const double *mc_review_weights(const mc_review *rv) { return rv->weights; }
size_t mc_review_n_instances(const mc_review *rv) { return rv->n; }
size_t mc_review_n_seen(const mc_review *rv) { return rv->n_seen; }
size_t mc_review_n_pending(const mc_review *rv) { return rv->n_pend; }
const mc_coco *mc_review_dataset(const mc_review *rv) { return rv->ds; }
mc_coreset *mc_review_service(mc_review *rv) { return rv->cs; }
const mc_review_opts *mc_review_opts_of(const mc_review *rv) { return &rv->o; }
const char *mc_review_dir(const mc_review *rv) { return rv->dir; }
const char *mc_review_batch_dir(const mc_review *rv) { return rv->batch_dir; }
size_t mc_review_batch_tied(const mc_review *rv) { return rv->batch_open ? rv->batch_tied : 0; }

int mc_review_is_seen(const mc_review *rv, int64_t ann_id)
{
	size_t i;
	return mc_review_row(&i, rv, ann_id, NULL) == 0 && rv->seen[i];
}

int mc_review_reviews_class(const mc_review *rv, size_t k)
{
	return k < rv->K && rv->in_class[k];
}

void mc_review_classes_text(const mc_review *rv, char *buf, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (rv->o.n_classes == 0) {
		snprintf(buf, size, "all classes");
		return;
	}
	for (size_t c = 0; c < rv->o.n_classes && o < size; c++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", c ? ", " : "",
		                      mc_coco_class_name(rv->ds, rv->classes[c]));
}

const int64_t *mc_review_batch(const mc_review *rv, size_t *n)
{
	*n = rv->batch_open ? rv->batch_n : 0;
	return rv->batch_ids;
}

const size_t *mc_review_batch_rows(const mc_review *rv)
{
	return rv->batch;
}

const double *mc_review_batch_scores(const mc_review *rv)
{
	return rv->batch_open ? rv->batch_sc : NULL;
}

int mc_review_pending(const mc_review *rv, int64_t ann_id, mc_review_action *a, size_t *cls,
                      int *outside)
{
	size_t i;

	if (mc_review_row(&i, rv, ann_id, NULL) != 0 || rv->act[i] < 0)
		return 0;
	if (a)
		*a = (mc_review_action)rv->act[i];
	if (cls)
		*cls = rv->act_cls[i];
	if (outside)
		*outside = rv->act_out[i];
	return 1;
}

/* The SHA-256 of a file's bytes as 64 hex digits. */
static int s_sha256_file(const char *path, char hex[65], mc_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *fp = fopen(path, "rb");
	size_t k;
	int rc = 0;

	if (ctx == NULL || fp == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = fp == NULL ? mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path,
		                               strerror(errno)) : s_nomem(err);
		goto cleanup;
	}
	while ((k = fread(buf, 1, sizeof buf, fp)) > 0)
		EVP_DigestUpdate(ctx, buf, k);
	if (ferror(fp) || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read", path);
		goto cleanup;
	}
	for (unsigned int q = 0; q < mdlen && q < 32; q++)
		snprintf(hex + 2 * q, 3, "%02x", md[q]);
cleanup:
	EVP_MD_CTX_free(ctx);
	if (fp)
		fclose(fp);
	return rc;
}

int mc_review_export(mc_review *rv, const char *path, const mc_progress *progress,
                     mc_error *err)
{
	char *log = NULL, *buf = NULL, hex[65] = "";
	const char *base = strrchr(path, '/');
	size_t len = 0, pl = strlen(path);
	FILE *fp;
	int rc;

	if (rv->n_pend > 0)
		return mc_error_set(err, MC_ERR_STATE, "export: %zu recorded decision%s not applied "
		                    "yet and would be missing; call apply() first", rv->n_pend,
		                    rv->n_pend == 1 ? " is" : "s are");
	rc = mc_coco_write(rv->ds, path, rv->labels, rv->weights, progress, err);
	if (rc == 0)
		rc = s_sha256_file(path, hex, err);
	if (rc == 0 && mc_progress_report(progress, 1, 2, "review: corrections"))
		rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
	if (rc)
		return rc;
	log = malloc(pl + 32);
	if (log == NULL)
		return s_nomem(err);
	memcpy(log, path, pl + 1);
	if (pl > 5 && strcmp(path + pl - 5, ".json") == 0)
		log[pl - 5] = '\0';
	strcat(log, ".corrections.csv");
	fp = open_memstream(&buf, &len);
	if (fp == NULL) {
		free(log);
		return s_nomem(err);
	}
	fprintf(fp, "# corrections of %s sha256=%s\n", base ? base + 1 : path, hex);
	fputs("iteration,annotation_id,image_id,action,old_label,new_label,source\n", fp);
	for (size_t k = 0; k < rv->n_chg; k++) {
		const mc_review_change *c = &rv->chg[k];
		mc_coco_ann ann;
		size_t i;
		if (mc_review_row(&i, rv, c->ann_id, NULL) != 0)
			continue;
		mc_coco_instance(rv->ds, i, &ann);
		fprintf(fp, "%zu,%lld,%lld,%s,", c->iteration, (long long)ann.id,
		        (long long)ann.image_id, s_action_name(c->action));
		s_csv_field(fp, mc_coco_class_name(rv->ds, c->old_class));
		fputc(',', fp);
		s_csv_field(fp, c->action == MC_ACT_RELABEL ? mc_coco_class_name(rv->ds, c->new_class)
		                                            : "");
		fprintf(fp, ",%s\n", c->outside ? "fix" : "batch");
	}
	fclose(fp);
	rc = mc_write_file_atomic(log, buf, len, err);
	free(buf);
	free(log);
	return rc;
}
