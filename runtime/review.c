/* This module implements the review loop (maskclean/review.h): batches of
 * the most suspicious instances, their export (PNGs + CSV), the reviewer's
 * actions, the journal that makes them durable, resume, the simulated
 * reviewer, the plateau test and the corrected export. */
#include "maskclean/review.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maskclean/image.h"
#include "maskclean/atomic_file.h"
#include "maskclean/journal.h"
#include "maskclean/logreg.h"
#include "maskclean/metrics.h"
#include "maskclean/render.h"
#include "maskclean/rle.h"

#define S_SESSION_VERSION 1

typedef struct s_corr {
	size_t iteration, index;
	mc_review_action action;
	int64_t old_label, new_label;
} s_corr;

struct mc_review {
	mc_review_opts o;
	char *dir;
	char *batch_dir;
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
	/* open batch */
	int batch_open;
	size_t *batch;
	double *batch_sc;
	size_t batch_n;
	/* pending actions: act[i] = -1 or an mc_review_action */
	signed char *act;
	size_t *act_cls;
	size_t *pend;
	size_t n_pend;
	/* history and corrections */
	mc_review_record *hist;
	size_t n_hist, cap_hist;
	s_corr *corr;
	size_t n_corr, cap_corr;
	int replaying;
};

void mc_review_opts_default(mc_review_opts *o)
{
	memset(o, 0, sizeof *o);
	o->n = 60;
	o->method = MC_SCORE_IMPORTANCE;
	o->folds = 5;
	o->export_images = 1;
	o->image_size = 128;
	o->plateau_threshold = 0.002;
	o->plateau_window = 2;
}

/* ---------------------------------------------------------------- helpers */

static char *s_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

static int s_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int s_mkdir(const char *path, mc_error *err)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot create folder: %s", path,
		                    strerror(errno));
	return 0;
}

static int s_hist_push(mc_review *rv, const mc_review_record *r, mc_error *err)
{
	if (rv->n_hist == rv->cap_hist) {
		size_t cap = rv->cap_hist ? 2 * rv->cap_hist : 16;
		mc_review_record *h = realloc(rv->hist, cap * sizeof *h);
		if (h == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		rv->hist = h;
		rv->cap_hist = cap;
	}
	rv->hist[rv->n_hist++] = *r;
	return 0;
}

static int s_corr_push(mc_review *rv, const s_corr *c, mc_error *err)
{
	if (rv->n_corr == rv->cap_corr) {
		size_t cap = rv->cap_corr ? 2 * rv->cap_corr : 64;
		s_corr *h = realloc(rv->corr, cap * sizeof *h);
		if (h == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		rv->corr = h;
		rv->cap_corr = cap;
	}
	rv->corr[rv->n_corr++] = *c;
	return 0;
}

static const char *s_action_name(mc_review_action a)
{
	return a == MC_ACT_RELABEL ? "relabel" : a == MC_ACT_REMOVE ? "remove" : "keep";
}

/* A number for the journal: JSON has no NaN, so an undefined AUC is null. */
static json_t *s_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static double s_get_num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Appends a JSON record to the journal (compact, reals round-trip). */
static int s_journal(mc_review *rv, json_t *rec, mc_error *err)
{
	char *text;
	int rc;

	if (rec == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
	text = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(rec);
	if (text == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
	rc = mc_journal_append(rv->j, text, strlen(text), err);
	free(text);
	return rc;
}

/* ---------------------------------------------------------------- state */

static void s_record_action(mc_review *rv, size_t i, mc_review_action a, size_t cls)
{
	if (rv->act[i] < 0)
		rv->pend[rv->n_pend++] = i;
	rv->act[i] = (signed char)a;
	rv->act_cls[i] = cls;
}

static void s_open_batch(mc_review *rv, const size_t *idx, const double *sc, size_t n)
{
	memcpy(rv->batch, idx, n * sizeof *idx);
	memcpy(rv->batch_sc, sc, n * sizeof *sc);
	rv->batch_n = n;
	rv->batch_open = 1;
	for (size_t k = 0; k < n; k++) {
		if (!rv->seen[idx[k]])
			rv->n_seen++;
		rv->seen[idx[k]] = 1;
	}
}

/* Applies the pending actions to labels/weights and the corrections log;
 * counts fixed and removed. Cannot fail except for memory (log). */
static int s_apply_pending(mc_review *rv, size_t iteration, size_t *fixed, size_t *removed,
                           mc_error *err)
{
	*fixed = 0;
	*removed = 0;
	for (size_t k = 0; k < rv->n_pend; k++) {
		size_t i = rv->pend[k];
		mc_review_action a = (mc_review_action)rv->act[i];
		s_corr c = { iteration, i, a, rv->labels[i], rv->labels[i] };
		if (a == MC_ACT_RELABEL && rv->labels[i] != (int64_t)rv->act_cls[i]) {
			rv->labels[i] = (int64_t)rv->act_cls[i];
			c.new_label = rv->labels[i];
			(*fixed)++;
		} else if (a == MC_ACT_REMOVE && rv->weights[i] > 0) {
			rv->weights[i] = 0;
			(*removed)++;
		} else {
			c.action = MC_ACT_KEEP;
		}
		if (s_corr_push(rv, &c, err))
			return err ? err->code : MC_ERR_NOMEM;
		rv->act[i] = -1;
	}
	rv->n_pend = 0;
	rv->batch_open = 0;
	return 0;
}

/* ---------------------------------------------------------------- replay */

static int s_replay(void *ctx, const char *text, size_t len, mc_error *err)
{
	mc_review *rv = ctx;
	json_error_t jerr;
	json_t *rec = json_loadb(text, len, 0, &jerr);
	const char *t;
	int rc = 0;

	if (rec == NULL || !json_is_object(rec))
		rc = mc_error_set(err, MC_ERR_PARSE, "not a JSON object: %s", jerr.text);
	t = rc ? "" : json_string_value(json_object_get(rec, "t"));
	if (rc == 0 && t == NULL)
		rc = mc_error_set(err, MC_ERR_PARSE, "missing record type \"t\"");
	if (rc)
		goto cleanup;
	if (strcmp(t, "baseline") == 0) {
		mc_review_record r = { 0, 0, 0, 0, 0, 0 };
		r.auc = s_get_num(json_object_get(rec, "auc"));
		r.auc_macro = s_get_num(json_object_get(rec, "macro"));
		rv->n_hist = 0;
		rc = s_hist_push(rv, &r, err);
	} else if (strcmp(t, "begin") == 0) {
		json_t *idx = json_object_get(rec, "idx"), *sc = json_object_get(rec, "score");
		size_t n = json_array_size(idx);
		if (n > rv->n || json_array_size(sc) != n) {
			rc = mc_error_set(err, MC_ERR_PARSE, "batch of %zu samples, expected at most %zu",
			                  n, rv->n);
			goto cleanup;
		}
		for (size_t k = 0; k < n; k++) {
			json_int_t i = json_integer_value(json_array_get(idx, k));
			if (i < 0 || (size_t)i >= rv->n) {
				rc = mc_error_set(err, MC_ERR_PARSE, "batch index %lld out of range",
				                  (long long)i);
				goto cleanup;
			}
			rv->batch[k] = (size_t)i;
			rv->batch_sc[k] = s_get_num(json_array_get(sc, k));
		}
		s_open_batch(rv, rv->batch, rv->batch_sc, n);
	} else if (strcmp(t, "act") == 0 || strcmp(t, "acts") == 0) {
		json_t *is = json_object_get(rec, "i"), *as = json_object_get(rec, "a"),
		       *cl = json_object_get(rec, "to");
		size_t n = json_is_array(is) ? json_array_size(is) : 1;
		for (size_t k = 0; k < n; k++) {
			json_int_t i = json_integer_value(json_is_array(is) ? json_array_get(is, k) : is);
			json_int_t a = json_integer_value(json_is_array(as) ? json_array_get(as, k) : as);
			json_int_t c = json_integer_value(json_is_array(cl) ? json_array_get(cl, k) : cl);
			if (i < 0 || (size_t)i >= rv->n || a < 0 || a > 2 || c < 0 || (size_t)c >= rv->K) {
				rc = mc_error_set(err, MC_ERR_PARSE, "action out of range");
				goto cleanup;
			}
			s_record_action(rv, (size_t)i, (mc_review_action)a, (size_t)c);
		}
	} else if (strcmp(t, "apply") == 0) {
		mc_review_record r;
		size_t fixed, removed;
		r.iteration = (size_t)json_integer_value(json_object_get(rec, "it"));
		r.reviewed = (size_t)json_integer_value(json_object_get(rec, "reviewed"));
		r.auc = s_get_num(json_object_get(rec, "auc"));
		r.auc_macro = s_get_num(json_object_get(rec, "macro"));
		rc = s_apply_pending(rv, r.iteration, &fixed, &removed, err);
		r.fixed = fixed;
		r.removed = removed;
		if (rc == 0)
			rc = s_hist_push(rv, &r, err);
	} else {
		rc = mc_error_set(err, MC_ERR_PARSE, "unknown record type \"%s\"", t);
	}
cleanup:
	json_decref(rec);
	return rc;
}

/* ---------------------------------------------------------------- AUC */

static int s_auc(const mc_review *rv, const int64_t *labels, const double *weights,
                 double *auc, double *macro, const mc_progress *progress, mc_error *err)
{
	mc_cv_auc *cv = NULL;
	mc_logreg_params lp;
	int rc;

	mc_logreg_params_init(&lp);
	lp.class_weight = MC_CW_BALANCED;
	lp.n_classes = rv->K;
	rc = mc_cross_val_auc(&cv, rv->X, labels, weights, rv->K, rv->o.folds, rv->o.seed, &lp,
	                      progress, err);
	if (rc)
		return rc;
	*auc = cv->per_class[rv->o.class_of_interest];
	*macro = cv->macro;
	mc_cv_auc_free(cv);
	return 0;
}

/* ---------------------------------------------------------------- session files */

static int s_write_session(const mc_review *rv, mc_error *err)
{
	json_t *js = json_object();
	char *path = s_join(rv->dir, "session.json"), *text = NULL, *real = NULL;
	const char *dpath = mc_coco_path(rv->ds), *idir = mc_coco_images_dir(rv->ds);
	char *ireal = NULL;
	int rc = 0;

	if (js == NULL || path == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		goto cleanup;
	}
	real = realpath(dpath, NULL);
	ireal = idir ? realpath(idir, NULL) : NULL;
	json_object_set_new(js, "version", json_integer(S_SESSION_VERSION));
	json_object_set_new(js, "dataset", json_string(real ? real : dpath));
	json_object_set_new(js, "images_dir", ireal ? json_string(ireal) :
	                    idir ? json_string(idir) : json_null());
	json_object_set_new(js, "include_crowd", json_boolean(mc_coco_include_crowd(rv->ds)));
	json_object_set_new(js, "n_instances", json_integer((json_int_t)rv->n));
	json_object_set_new(js, "n_classes", json_integer((json_int_t)rv->K));
	json_object_set_new(js, "class_of_interest",
	                    json_integer((json_int_t)rv->o.class_of_interest));
	json_object_set_new(js, "class_name",
	                    json_string(mc_coco_class_name(rv->ds, rv->o.class_of_interest)));
	json_object_set_new(js, "n", json_integer((json_int_t)rv->o.n));
	json_object_set_new(js, "method", json_string(mc_coreset_method_name(rv->o.method)));
	json_object_set_new(js, "folds", json_integer((json_int_t)rv->o.folds));
	json_object_set_new(js, "seed", json_integer((json_int_t)rv->o.seed));
	json_object_set_new(js, "export_images", json_boolean(rv->o.export_images));
	json_object_set_new(js, "image_size", json_integer(rv->o.image_size));
	json_object_set_new(js, "plateau_threshold", json_real(rv->o.plateau_threshold));
	json_object_set_new(js, "plateau_window", json_integer((json_int_t)rv->o.plateau_window));
	text = json_dumps(js, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	if (text == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		goto cleanup;
	}
	rc = mc_write_file_atomic(path, text, strlen(text), err);
cleanup:
	json_decref(js);
	free(path);
	free(text);
	free(real);
	free(ireal);
	return rc;
}

static mc_review *s_alloc(size_t n, size_t K, const char *dir, mc_error *err)
{
	mc_review *rv = calloc(1, sizeof *rv);

	if (rv == NULL)
		goto fail;
	rv->n = n;
	rv->K = K;
	rv->dir = strdup(dir);
	rv->labels = malloc(n * sizeof *rv->labels);
	rv->weights = malloc(n * sizeof *rv->weights);
	rv->seen = calloc(n, 1);
	rv->act = malloc(n);
	rv->act_cls = calloc(n, sizeof *rv->act_cls);
	rv->pend = malloc(n * sizeof *rv->pend);
	rv->batch = malloc(n * sizeof *rv->batch);
	rv->batch_sc = malloc(n * sizeof *rv->batch_sc);
	if (!rv->dir || !rv->labels || !rv->weights || !rv->seen || !rv->act || !rv->act_cls ||
	    !rv->pend || !rv->batch || !rv->batch_sc)
		goto fail;
	memset(rv->act, -1, n);
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
	mc_journal_close(rv->j);
	mc_coreset_free(rv->cs);
	mc_matrix_free(rv->X);
	mc_coco_free(rv->ds_owned);
	free(rv->dir);
	free(rv->batch_dir);
	free(rv->labels);
	free(rv->weights);
	free(rv->seen);
	free(rv->act);
	free(rv->act_cls);
	free(rv->pend);
	free(rv->batch);
	free(rv->batch_sc);
	free(rv->hist);
	free(rv->corr);
	free(rv);
}

/* Brings the service (built from the initial state) to the current labels,
 * weights and seen set. */
static int s_sync_service(mc_review *rv, const mc_progress *progress, mc_error *err)
{
	const int64_t *sy = mc_coreset_labels(rv->cs);
	const double *sw = mc_coreset_weights(rv->cs);
	size_t *idx = malloc(rv->n * sizeof *idx), m = 0;
	int64_t *ny = malloc(rv->n * sizeof *ny);
	double *nw = malloc(rv->n * sizeof *nw);
	int rc = 0;

	if (idx == NULL || ny == NULL || nw == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
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
	mc_review_record r = { 0, 0, 0, 0, 0, 0 };
	json_t *rec;
	int rc = s_auc(rv, rv->labels, rv->weights, &r.auc, &r.auc_macro, progress, err);

	if (rc)
		return rc;
	rec = json_pack("{s:s, s:o, s:o}", "t", "baseline", "auc", s_num(r.auc), "macro",
	                s_num(r.auc_macro));
	rc = s_journal(rv, rec, err);
	if (rc)
		return rc;
	rv->n_hist = 0;
	return s_hist_push(rv, &r, err);
}

/* Loads session.json, initial.mcc and the journal of dir. */
static int s_resume(mc_review **out, const char *dir, const mc_coco *ds,
                    const mc_progress *progress, mc_error *err)
{
	char *spath = s_join(dir, "session.json"), *ipath = s_join(dir, "initial.mcc");
	char *jpath = s_join(dir, "journal.mcj");
	json_t *js = NULL;
	json_error_t jerr;
	mc_review *rv = NULL;
	mc_coreset *cs = NULL;
	mc_coco *owned = NULL;
	mc_review_opts o;
	size_t n, K;
	int rc = 0;

	*out = NULL;
	if (!spath || !ipath || !jpath) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		goto cleanup;
	}
	if (!s_exists(spath)) {
		rc = mc_error_set(err, MC_ERR_NOTFOUND, "%s: no review session here (no session.json)",
		                  dir);
		goto cleanup;
	}
	js = json_load_file(spath, 0, &jerr);
	if (js == NULL) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %d: %s", spath, jerr.line, jerr.text);
		goto cleanup;
	}
	if (json_integer_value(json_object_get(js, "version")) != S_SESSION_VERSION ||
	    !json_is_string(json_object_get(js, "dataset")) ||
	    !json_is_integer(json_object_get(js, "n_instances"))) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: expected version %d with \"dataset\" and "
		                  "\"n_instances\"", spath, S_SESSION_VERSION);
		goto cleanup;
	}
	mc_review_opts_default(&o);
	o.dir = dir;
	o.class_of_interest = (size_t)json_integer_value(json_object_get(js, "class_of_interest"));
	o.n = (size_t)json_integer_value(json_object_get(js, "n"));
	o.folds = (size_t)json_integer_value(json_object_get(js, "folds"));
	o.seed = (uint64_t)json_integer_value(json_object_get(js, "seed"));
	o.export_images = json_is_true(json_object_get(js, "export_images"));
	o.image_size = (int)json_integer_value(json_object_get(js, "image_size"));
	o.plateau_threshold = json_number_value(json_object_get(js, "plateau_threshold"));
	o.plateau_window = (size_t)json_integer_value(json_object_get(js, "plateau_window"));
	if (json_is_string(json_object_get(js, "method"))) {
		rc = mc_coreset_method_parse(json_string_value(json_object_get(js, "method")),
		                             &o.method, err);
		if (rc) {
			mc_error_prefix(err, "%s", spath);
			goto cleanup;
		}
	}
	if (ds == NULL) {
		mc_coco_options co = { NULL, 0, progress };
		json_t *idir = json_object_get(js, "images_dir");
		co.images_dir = json_is_string(idir) ? json_string_value(idir) : NULL;
		co.include_crowd = json_is_true(json_object_get(js, "include_crowd"));
		rc = mc_coco_load(&owned, json_string_value(json_object_get(js, "dataset")), &co, err);
		if (rc) {
			mc_error_prefix(err, "%s: the session's dataset", spath);
			goto cleanup;
		}
		ds = owned;
	}
	n = mc_coco_n_instances(ds);
	K = mc_coco_n_classes(ds);
	if ((json_int_t)n != json_integer_value(json_object_get(js, "n_instances")) ||
	    o.class_of_interest >= K || o.n == 0 || o.folds < 2) {
		rc = mc_error_set(err, MC_ERR_STATE, "%s: the session is for %lld instances "
		                  "(class %zu), the dataset has %zu instances and %zu classes",
		                  spath, (long long)json_integer_value(json_object_get(js, "n_instances")),
		                  o.class_of_interest, n, K);
		goto cleanup;
	}
	rc = mc_coreset_load(&cs, ipath, err);
	if (rc)
		goto cleanup;
	if (mc_coreset_n(cs) != n) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: %zu samples, the session has %zu", ipath,
		                  mc_coreset_n(cs), n);
		goto cleanup;
	}
	rv = s_alloc(n, K, dir, err);
	if (rv == NULL) {
		rc = MC_ERR_NOMEM;
		goto cleanup;
	}
	rv->o = o;
	rv->o.dir = rv->dir;
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
	rv->replaying = 1;
	rc = mc_journal_open(&rv->j, jpath, s_replay, rv, NULL, NULL, err);
	rv->replaying = 0;
	if (rc)
		goto cleanup;
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
		rv->batch_dir = s_join(rv->dir, name);
	}
	*out = rv;
	rv = NULL;
cleanup:
	mc_review_free(rv);
	mc_coreset_free(cs);
	mc_coco_free(owned);
	json_decref(js);
	free(spath);
	free(ipath);
	free(jpath);
	return rc;
}

int mc_review_resume(mc_review **out, const char *dir, const mc_coco *ds,
                     const mc_progress *progress, mc_error *err)
{
	return s_resume(out, dir, ds, progress, err);
}

int mc_review_new(mc_review **out, const mc_coco *ds, const mc_matrix *X,
                  const int64_t *labels, const double *weights, const mc_review_opts *o,
                  const mc_progress *progress, mc_error *err)
{
	mc_review *rv = NULL;
	mc_coreset_params cp;
	char *spath = NULL, *ipath = NULL, *jpath = NULL;
	size_t n, K;
	int rc;

	*out = NULL;
	if (o == NULL || o->dir == NULL || ds == NULL || X == NULL)
		return mc_error_set(err, MC_ERR_INVALID, "review: a dataset, features and a folder "
		                    "are required");
	n = mc_coco_n_instances(ds);
	K = mc_coco_n_classes(ds);
	if (X->rows != n)
		return mc_error_set(err, MC_ERR_SHAPE, "review: X has %zu rows, the dataset has %zu "
		                    "instances", X->rows, n);
	if (o->class_of_interest >= K)
		return mc_error_set(err, MC_ERR_INVALID, "review: class_of_interest %zu, expected a "
		                    "class index below %zu", o->class_of_interest, K);
	if (o->n == 0 || o->folds < 2 || o->image_size < 16 || o->image_size > 1024)
		return mc_error_set(err, MC_ERR_INVALID, "review: expected n >= 1, folds >= 2 and "
		                    "16 <= image_size <= 1024");
	for (size_t i = 0; labels && i < n; i++)
		if (labels[i] < 0 || (size_t)labels[i] >= K)
			return mc_error_set(err, MC_ERR_INVALID, "review: labels[%zu] = %lld, expected a "
			                    "class index below %zu", i, (long long)labels[i], K);
	rc = s_mkdir(o->dir, err);
	if (rc)
		return rc;
	spath = s_join(o->dir, "session.json");
	ipath = s_join(o->dir, "initial.mcc");
	jpath = s_join(o->dir, "journal.mcj");
	if (!spath || !ipath || !jpath) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		goto cleanup;
	}
	if (s_exists(spath) && !o->restart) {
		json_error_t jerr;
		json_t *js = json_load_file(spath, 0, &jerr);
		const char *m = js ? json_string_value(json_object_get(js, "method")) : NULL;
		int same = js != NULL &&
		           json_integer_value(json_object_get(js, "n_instances")) == (json_int_t)n &&
		           json_integer_value(json_object_get(js, "class_of_interest")) ==
		                   (json_int_t)o->class_of_interest;
		int same_opts = same && json_integer_value(json_object_get(js, "n")) ==
		                        (json_int_t)o->n &&
		                m != NULL && strcmp(m, mc_coreset_method_name(o->method)) == 0;
		json_decref(js);
		if (!same) {
			rc = mc_error_set(err, MC_ERR_STATE, "%s: holds a review session for another "
			                  "dataset or class; pass restart=true to discard it, or use "
			                  "another dir", o->dir);
			goto cleanup;
		}
		if (!same_opts) {
			rc = mc_error_set(err, MC_ERR_STATE, "%s: holds a review session with other "
			                  "options (n, method); resume it with resume_review, pass "
			                  "restart=true to discard it, or use another dir", o->dir);
			goto cleanup;
		}
		rc = s_resume(out, o->dir, ds, progress, err);
		goto cleanup;
	}
	unlink(spath);
	unlink(jpath);
	unlink(ipath);
	rv = s_alloc(n, K, o->dir, err);
	if (rv == NULL) {
		rc = MC_ERR_NOMEM;
		goto cleanup;
	}
	rv->o = *o;
	rv->o.dir = rv->dir;
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
	mc_coreset_params_default(&cp);
	cp.seed = o->seed;
	cp.folds = (int)o->folds;
	rc = mc_coreset_new(&rv->cs, &cp, err);
	if (rc == 0)
		rc = mc_coreset_build(rv->cs, rv->X, rv->labels, rv->weights, progress, err);
	if (rc == 0)
		rc = mc_coreset_save(rv->cs, ipath, err);
	if (rc == 0)
		rc = s_write_session(rv, err);
	if (rc == 0)
		rc = mc_journal_open(&rv->j, jpath, NULL, NULL, NULL, NULL, err);
	if (rc == 0)
		rc = s_baseline(rv, progress, err);
	if (rc)
		goto cleanup;
	*out = rv;
	rv = NULL;
cleanup:
	mc_review_free(rv);
	free(spath);
	free(ipath);
	free(jpath);
	return rc;
}

/* ---------------------------------------------------------------- export */

int mc_review_write_instance_png(const mc_coco *ds, size_t i, int image_size,
                                 const char *path, mc_error *err)
{
	mc_coco_ann ann;
	mc_image *img = NULL;
	mc_rle *rle = NULL;
	mc_png *png = NULL;
	mc_render_opts ro;
	char *ipath = NULL, title[256];
	int rc;

	mc_coco_instance(ds, i, &ann);
	rc = mc_coco_image_path(&ipath, ds, ann.image, err);
	if (rc == 0)
		rc = mc_image_load(&img, ipath, err);
	if (rc == 0)
		rc = mc_coco_instance_rle(&rle, ds, i, err);
	if (rc)
		goto cleanup;
	memset(&ro, 0, sizeof ro);
	snprintf(title, sizeof title, "#%zu \xc2\xb7 annotation %lld \xc2\xb7 %s", i,
	         (long long)ann.id, mc_coco_class_name(ds, ann.class_index));
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

	if (rv->batch_dir == NULL || k >= rv->batch_n)
		return NULL;
	snprintf(name, sizeof name, "%06zu.png", rv->batch[k]);
	return s_join(rv->batch_dir, name);
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

static int s_export_batch(mc_review *rv, const mc_progress *progress, mc_error *err)
{
	char *csv = NULL, *buf = NULL;
	size_t len = 0;
	FILE *fp = NULL;
	int rc;

	rc = s_mkdir(rv->batch_dir, err);
	if (rc)
		return rc;
	fp = open_memstream(&buf, &len);
	if (fp == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
	fputs("index,annotation_id,image_id,label,importance,action,new_label\n", fp);
	for (size_t k = 0; k < rv->batch_n; k++) {
		mc_coco_ann ann;
		size_t i = rv->batch[k];
		mc_coco_instance(rv->ds, i, &ann);
		fprintf(fp, "%zu,%lld,%lld,", i, (long long)ann.id, (long long)ann.image_id);
		s_csv_field(fp, mc_coco_class_name(rv->ds, (size_t)rv->labels[i]));
		fprintf(fp, ",%.6g,,\n", rv->batch_sc[k]);
		if (rv->o.export_images) {
			char *png = mc_review_png_path(rv, k);
			if (png == NULL) {
				rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
				break;
			}
			rc = mc_review_write_instance_png(rv->ds, i, rv->o.image_size, png, err);
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
		csv = s_join(rv->batch_dir, "review.csv");
		rc = csv ? mc_write_file_atomic(csv, buf, len, err)
		         : mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
	}
	free(csv);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- loop */

int mc_review_next(mc_review *rv, const size_t **idx, size_t *n, const mc_progress *progress,
                   mc_error *err)
{
	mc_cleaning_query q;
	mc_class_size cls;
	size_t *sel = NULL, cnt = 0;
	double *sc = NULL;
	json_t *rec, *ji, *js;
	char name[32];
	int rc;

	*idx = NULL;
	*n = 0;
	if (!rv->batch_open) {
		cls.cls = (int64_t)rv->o.class_of_interest;
		cls.kind = MC_CLASS_SIZE_COUNT;
		cls.count = rv->o.n;
		mc_cleaning_query_init(&q);
		q.class_size = &cls;
		q.n_class_size = 1;
		q.method = rv->o.method;
		q.ignore_seen = 1;
		/* The service's seen flags are the session's. */
		rc = mc_coreset_get_cleaning_samples(rv->cs, &q, &sel, &sc, &cnt, progress, err);
		if (rc == MC_ERR_NOTFOUND) {
			/* No sample carries the class any more: nothing to review. */
			mc_error_clear(err);
			rc = 0;
			cnt = 0;
		}
		if (rc)
			goto cleanup;
		if (cnt == 0)
			goto cleanup;
		rec = json_object();
		ji = json_array();
		js = json_array();
		for (size_t k = 0; rec && ji && js && k < cnt; k++) {
			json_array_append_new(ji, json_integer((json_int_t)sel[k]));
			json_array_append_new(js, s_num(sc[k]));
		}
		if (rec) {
			json_object_set_new(rec, "t", json_string("begin"));
			json_object_set_new(rec, "it", json_integer((json_int_t)rv->n_hist));
			json_object_set_new(rec, "idx", ji);
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
		rv->batch_dir = s_join(rv->dir, name);
		if (rv->batch_dir == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
			goto cleanup;
		}
		rc = s_export_batch(rv, progress, err);
	} else {
		char *csv = rv->batch_dir ? s_join(rv->batch_dir, "review.csv") : NULL;
		rc = 0;
		if (csv == NULL || !s_exists(csv))
			rc = s_export_batch(rv, progress, err);
		free(csv);
	}
	if (rc)
		goto cleanup;
	*idx = rv->batch;
	*n = rv->batch_n;
cleanup:
	free(sel);
	free(sc);
	return rc;
}

static json_t *s_acts_record(const size_t *is, const mc_review_action *as, const size_t *cs,
                             size_t n)
{
	json_t *rec = json_object(), *ji = json_array(), *ja = json_array(), *jc = json_array();

	if (!rec || !ji || !ja || !jc) {
		json_decref(rec);
		json_decref(ji);
		json_decref(ja);
		json_decref(jc);
		return NULL;
	}
	for (size_t k = 0; k < n; k++) {
		json_array_append_new(ji, json_integer((json_int_t)is[k]));
		json_array_append_new(ja, json_integer((json_int_t)as[k]));
		json_array_append_new(jc, json_integer((json_int_t)cs[k]));
	}
	json_object_set_new(rec, "t", json_string("acts"));
	json_object_set_new(rec, "i", ji);
	json_object_set_new(rec, "a", ja);
	json_object_set_new(rec, "to", jc);
	return rec;
}

/* Journals then records n actions, all or nothing. */
static int s_act_many(mc_review *rv, const size_t *is, const mc_review_action *as,
                      const size_t *cs, size_t n, mc_error *err)
{
	int rc;

	if (n == 0)
		return 0;
	rc = s_journal(rv, s_acts_record(is, as, cs, n), err);
	if (rc)
		return rc;
	for (size_t k = 0; k < n; k++)
		s_record_action(rv, is[k], as[k], cs[k]);
	return 0;
}

int mc_review_act(mc_review *rv, size_t i, mc_review_action a, size_t new_class,
                  mc_error *err)
{
	if (i >= rv->n)
		return mc_error_set(err, MC_ERR_INVALID, "review: instance %zu is out of range "
		                    "(the dataset has %zu)", i, rv->n);
	if (a != MC_ACT_KEEP && a != MC_ACT_RELABEL && a != MC_ACT_REMOVE)
		return mc_error_set(err, MC_ERR_INVALID, "review: unknown action %d", (int)a);
	if (a == MC_ACT_RELABEL && new_class >= rv->K)
		return mc_error_set(err, MC_ERR_INVALID, "review: class %zu is out of range (the "
		                    "dataset has %zu classes)", new_class, rv->K);
	if (a != MC_ACT_RELABEL)
		new_class = 0;
	return s_act_many(rv, &i, &a, &new_class, 1, err);
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
	mc_error e;

	mc_error_clear(&e);
	if (mc_coco_class_index(out, rv->ds, name, &e) == 0)
		return 0;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (*name && *end == '\0' && errno == 0 && v < rv->K) {
		*out = v;
		return 0;
	}
	return -1;
}

int mc_review_load_csv(mc_review *rv, const char *path, size_t *n_actions, mc_error *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *f[32];
	size_t cap = 0, lineno = 0, n = 0, ci = (size_t)-1, ca = (size_t)-1, cn = (size_t)-1;
	size_t *is = NULL, *cs = NULL;
	mc_review_action *as = NULL;
	ssize_t got;
	int rc = 0;

	if (n_actions)
		*n_actions = 0;
	if (fp == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	is = malloc(rv->n * sizeof *is);
	cs = malloc(rv->n * sizeof *cs);
	as = malloc(rv->n * sizeof *as);
	if (!is || !cs || !as) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		goto cleanup;
	}
	while ((got = getline(&line, &cap, fp)) >= 0) {
		size_t nf;
		lineno++;
		if (lineno == 1 && (unsigned char)line[0] == 0xef && (unsigned char)line[1] == 0xbb &&
		    (unsigned char)line[2] == 0xbf)
			memmove(line, line + 3, strlen(line + 3) + 1);
		if (*s_trim(line) == '\0')
			continue;
		nf = s_csv_split(line, f, 32);
		for (size_t k = 0; k < nf; k++)
			f[k] = s_trim(f[k]);
		if (ci == (size_t)-1) {
			for (size_t k = 0; k < nf; k++) {
				if (strcmp(f[k], "index") == 0)
					ci = k;
				else if (strcmp(f[k], "action") == 0)
					ca = k;
				else if (strcmp(f[k], "new_label") == 0)
					cn = k;
			}
			if (ci == (size_t)-1 || ca == (size_t)-1) {
				rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: expected a header with "
				                  "the columns \"index\" and \"action\"", path, lineno);
				goto cleanup;
			}
			continue;
		}
		{
			const char *act = ca < nf ? f[ca] : "", *target = NULL;
			char *end;
			unsigned long long i;
			mc_review_action a;
			size_t cls = 0;

			if (ci >= nf || *f[ci] == '\0') {
				rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: expected an instance "
				                  "index in column \"index\"", path, lineno);
				goto cleanup;
			}
			errno = 0;
			i = strtoull(f[ci], &end, 10);
			if (*end != '\0' || errno != 0 || f[ci][0] == '-' || i >= rv->n) {
				rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: index \"%s\": expected "
				                  "an instance index below %zu", path, lineno, f[ci], rv->n);
				goto cleanup;
			}
			if (*act == '\0')
				continue;
			if (strcasecmp(act, "keep") == 0) {
				a = MC_ACT_KEEP;
			} else if (strcasecmp(act, "remove") == 0 || strcasecmp(act, "delete") == 0) {
				a = MC_ACT_REMOVE;
			} else if (strcasecmp(act, "relabel") == 0) {
				a = MC_ACT_RELABEL;
				target = cn < nf ? f[cn] : "";
				if (*target == '\0') {
					rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: action \"relabel\" "
					                  "needs the new class in column \"new_label\"", path,
					                  lineno);
					goto cleanup;
				}
			} else if (strncasecmp(act, "relabel:", 8) == 0) {
				a = MC_ACT_RELABEL;
				target = s_trim((char *)act + 8);
			} else {
				rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: action \"%s\": expected "
				                  "keep, remove, relabel or relabel:<class>", path, lineno,
				                  act);
				goto cleanup;
			}
			if (target != NULL && s_class_of(rv, target, &cls) != 0) {
				rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: unknown class \"%s\": "
				                  "expected a class name of the dataset or an index below "
				                  "%zu", path, lineno, target, rv->K);
				goto cleanup;
			}
			if (n == rv->n) {
				rc = mc_error_set(err, MC_ERR_PARSE, "%s: line %zu: more actions than "
				                  "instances", path, lineno);
				goto cleanup;
			}
			is[n] = (size_t)i;
			as[n] = a;
			cs[n] = cls;
			n++;
		}
	}
	if (ferror(fp)) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
		goto cleanup;
	}
	if (ci == (size_t)-1) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: line 1: expected a header with the columns "
		                  "\"index\" and \"action\", the file is empty", path);
		goto cleanup;
	}
	rc = s_act_many(rv, is, as, cs, n, err);
	if (rc == 0 && n_actions)
		*n_actions = n;
cleanup:
	fclose(fp);
	free(line);
	free(is);
	free(cs);
	free(as);
	return rc;
}

int mc_review_simulate(mc_review *rv, const char *gt_path, size_t *n_actions, mc_error *err)
{
	json_error_t jerr;
	json_t *gt, *anns;
	size_t *is = NULL, *cs = NULL, n = 0, na;
	mc_review_action *as = NULL;
	int rc = 0;

	if (n_actions)
		*n_actions = 0;
	if (!rv->batch_open)
		return mc_error_set(err, MC_ERR_STATE, "simulate: no open batch; call next() first");
	gt = json_load_file(gt_path, 0, &jerr);
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
	na = json_array_size(anns);
	is = malloc((rv->batch_n + 1) * sizeof *is);
	cs = malloc((rv->batch_n + 1) * sizeof *cs);
	as = malloc((rv->batch_n + 1) * sizeof *as);
	if (!is || !cs || !as) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		goto cleanup;
	}
	for (size_t k = 0; k < rv->batch_n; k++) {
		mc_coco_ann ann;
		json_t *g = NULL;
		const char *fix;
		mc_coco_instance(rv->ds, rv->batch[k], &ann);
		/* ground truth is in annotation order with ids 1..n: try the direct
		 * slot first, then search. */
		if (ann.id >= 1 && (size_t)ann.id <= na &&
		    json_integer_value(json_object_get(json_array_get(anns, (size_t)ann.id - 1),
		                                       "id")) == ann.id)
			g = json_array_get(anns, (size_t)ann.id - 1);
		for (size_t q = 0; g == NULL && q < na; q++)
			if (json_integer_value(json_object_get(json_array_get(anns, q), "id")) == ann.id)
				g = json_array_get(anns, q);
		if (g == NULL) {
			rc = mc_error_set(err, MC_ERR_NOTFOUND, "%s: annotation %lld is not in the "
			                  "ground truth", gt_path, (long long)ann.id);
			goto cleanup;
		}
		fix = json_string_value(json_object_get(g, "fix"));
		is[n] = rv->batch[k];
		cs[n] = 0;
		if (fix != NULL && strcmp(fix, "relabel") == 0) {
			json_int_t cat = json_integer_value(json_object_get(g, "true_category_id"));
			if (mc_coco_find_class(&cs[n], rv->ds, cat, err) != 0) {
				mc_error_prefix(err, "%s: annotation %lld", gt_path, (long long)ann.id);
				rc = err ? err->code : MC_ERR_NOTFOUND;
				goto cleanup;
			}
			as[n] = MC_ACT_RELABEL;
		} else if (fix != NULL && strcmp(fix, "remove") == 0) {
			as[n] = MC_ACT_REMOVE;
		} else if (fix != NULL && strcmp(fix, "keep") == 0) {
			as[n] = MC_ACT_KEEP;
		} else {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: annotation %lld: \"fix\" must be keep, "
			                  "relabel or remove", gt_path, (long long)ann.id);
			goto cleanup;
		}
		n++;
	}
	rc = s_act_many(rv, is, as, cs, n, err);
	if (rc == 0 && n_actions)
		*n_actions = n;
cleanup:
	json_decref(gt);
	free(is);
	free(cs);
	free(as);
	return rc;
}

int mc_review_apply(mc_review *rv, mc_review_record *out, const mc_progress *progress,
                    mc_error *err)
{
	int64_t *ny = NULL;
	double *nw = NULL;
	size_t *ci = NULL, *ri = NULL, nc = 0, nr = 0, fixed, removed;
	int64_t *cy = NULL;
	mc_review_record r;
	json_t *rec;
	int rc;

	if (!rv->batch_open && rv->n_pend == 0)
		return mc_error_set(err, MC_ERR_STATE, "apply: nothing to apply (no open batch and no "
		                    "recorded action); call next() first");
	ny = malloc(rv->n * sizeof *ny);
	nw = malloc(rv->n * sizeof *nw);
	ci = malloc((rv->n_pend + 1) * sizeof *ci);
	cy = malloc((rv->n_pend + 1) * sizeof *cy);
	ri = malloc((rv->n_pend + 1) * sizeof *ri);
	if (!ny || !nw || !ci || !cy || !ri) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
		goto cleanup;
	}
	memcpy(ny, rv->labels, rv->n * sizeof *ny);
	memcpy(nw, rv->weights, rv->n * sizeof *nw);
	for (size_t k = 0; k < rv->n_pend; k++) {
		size_t i = rv->pend[k];
		if (rv->act[i] == MC_ACT_RELABEL && ny[i] != (int64_t)rv->act_cls[i]) {
			ny[i] = (int64_t)rv->act_cls[i];
			ci[nc] = i;
			cy[nc++] = ny[i];
		} else if (rv->act[i] == MC_ACT_REMOVE && nw[i] > 0) {
			nw[i] = 0;
			ri[nr++] = i;
		}
	}
	r.iteration = rv->n_hist;
	r.reviewed = rv->batch_open ? rv->batch_n : rv->n_pend;
	rc = s_auc(rv, ny, nw, &r.auc, &r.auc_macro, progress, err);
	if (rc)
		goto cleanup;
	/* Update the service first: it is the step that can fail for lack of
	 * memory; its changes are undone if journaling fails. */
	rc = nc ? mc_coreset_update_targets(rv->cs, ci, nc, cy, progress, err) : 0;
	if (rc == 0 && nr)
		rc = mc_coreset_remove_samples(rv->cs, ri, nr, progress, err);
	if (rc == 0) {
		rec = json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o}", "t", "apply", "it",
		                (json_int_t)r.iteration, "reviewed", (json_int_t)r.reviewed, "fixed",
		                (json_int_t)nc, "removed", (json_int_t)nr, "auc", s_num(r.auc),
		                "macro", s_num(r.auc_macro));
		rc = s_journal(rv, rec, err);
	}
	if (rc) {
		/* Best effort: the service goes back to the journaled state. */
		s_sync_service(rv, NULL, NULL);
		goto cleanup;
	}
	rc = s_apply_pending(rv, r.iteration, &fixed, &removed, err);
	r.fixed = fixed;
	r.removed = removed;
	if (rc == 0)
		rc = s_hist_push(rv, &r, err);
	if (rc == 0 && out)
		*out = r;
cleanup:
	free(ny);
	free(nw);
	free(ci);
	free(cy);
	free(ri);
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

const int64_t *mc_review_labels(const mc_review *rv) { return rv->labels; }
const double *mc_review_weights(const mc_review *rv) { return rv->weights; }
size_t mc_review_n_instances(const mc_review *rv) { return rv->n; }
int mc_review_is_seen(const mc_review *rv, size_t i) { return i < rv->n && rv->seen[i]; }
size_t mc_review_n_seen(const mc_review *rv) { return rv->n_seen; }
size_t mc_review_n_pending(const mc_review *rv) { return rv->n_pend; }
const mc_coco *mc_review_dataset(const mc_review *rv) { return rv->ds; }
mc_coreset *mc_review_service(mc_review *rv) { return rv->cs; }
const mc_review_opts *mc_review_options(const mc_review *rv) { return &rv->o; }
const char *mc_review_dir(const mc_review *rv) { return rv->dir; }
const char *mc_review_batch_dir(const mc_review *rv) { return rv->batch_dir; }

const size_t *mc_review_batch(const mc_review *rv, size_t *n)
{
	*n = rv->batch_open ? rv->batch_n : 0;
	return rv->batch;
}

const double *mc_review_batch_scores(const mc_review *rv)
{
	return rv->batch_open ? rv->batch_sc : NULL;
}

int mc_review_pending(const mc_review *rv, size_t i, mc_review_action *a, size_t *cls)
{
	if (i >= rv->n || rv->act[i] < 0)
		return 0;
	if (a)
		*a = (mc_review_action)rv->act[i];
	if (cls)
		*cls = rv->act_cls[i];
	return 1;
}

int mc_review_export(mc_review *rv, const char *path, const mc_progress *progress,
                     mc_error *err)
{
	char *log = NULL, *buf = NULL;
	size_t len = 0, pl = strlen(path);
	FILE *fp;
	int rc;

	rc = mc_coco_write(rv->ds, path, rv->labels, rv->weights, progress, err);
	if (rc)
		return rc;
	log = malloc(pl + 32);
	if (log == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
	memcpy(log, path, pl + 1);
	if (pl > 5 && strcmp(path + pl - 5, ".json") == 0)
		log[pl - 5] = '\0';
	strcat(log, ".corrections.csv");
	fp = open_memstream(&buf, &len);
	if (fp == NULL) {
		free(log);
		return mc_error_set(err, MC_ERR_NOMEM, "review: out of memory");
	}
	fputs("iteration,index,annotation_id,action,old_label,new_label\n", fp);
	for (size_t k = 0; k < rv->n_corr; k++) {
		const s_corr *c = &rv->corr[k];
		mc_coco_ann ann;
		if (c->action == MC_ACT_KEEP)
			continue;
		mc_coco_instance(rv->ds, c->index, &ann);
		fprintf(fp, "%zu,%zu,%lld,%s,", c->iteration, c->index, (long long)ann.id,
		        s_action_name(c->action));
		s_csv_field(fp, mc_coco_class_name(rv->ds, (size_t)c->old_label));
		fputc(',', fp);
		s_csv_field(fp, c->action == MC_ACT_RELABEL ?
		                mc_coco_class_name(rv->ds, (size_t)c->new_label) : "");
		fputc('\n', fp);
	}
	fclose(fp);
	rc = mc_write_file_atomic(log, buf, len, err);
	free(buf);
	free(log);
	return rc;
}
