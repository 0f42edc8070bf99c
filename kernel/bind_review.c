/* Command-language functions of the review loop (entries of the function
 * table): ReviewSession, its methods and plots, resume_review. Samples are
 * named by their COCO annotation id in every argument and output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_data.h"
#include "bind_embed.h"
#include "bind_render.h"
#include "registry.h"

#include "maskclean/plot.h"
#include "maskclean/render.h"
#include "maskclean/review.h"
#include "maskclean/table.h"

#define S_ARROW "\xe2\x86\x92"
/* Device pixels per logical pixel of the batch and gallery tiles: 160
 * logical px show an object at 240 px, and a batch of 60 stays near 2 MB. */
#define S_GRID_SCALE 1.5

/* ---- the session value ---- */

typedef struct s_session {
	mc_review *rv;
	mc_value *ds;   /* keeps the Dataset alive (NULL when the session owns it) */
} s_session;

static void s_session_free(void *p)
{
	s_session *s = p;
	if (s == NULL)
		return;
	mc_review_free(s->rv);
	mc_unref(s->ds);
	free(s);
}

/* What the session reviews, for titles: "\"orange\"", "\"orange\", \"apple\""
 * or "all classes". */
static void s_what(const mc_review *rv, char *buf, size_t size)
{
	const mc_review_opts *o = mc_review_opts_of(rv);
	size_t k = 0;

	if (o->n_classes == 0) {
		snprintf(buf, size, "all classes");
		return;
	}
	buf[0] = '\0';
	for (size_t c = 0; c < o->n_classes && k < size; c++)
		k += (size_t)snprintf(buf + k, size - k, "%s\"%s\"", c ? ", " : "",
		                      mc_coco_class_name(mc_review_dataset(rv), o->classes[c]));
}

static size_t s_total_reviewed(const mc_review *rv)
{
	size_t nh, total = 0;
	const mc_review_record *h = mc_review_history(rv, &nh);
	for (size_t k = 0; k < nh; k++)
		total += h[k].reviewed;
	return total;
}

static char *s_session_repr(const void *p)
{
	const s_session *s = p;
	const mc_review *rv = s->rv;
	const mc_review_opts *o = mc_review_opts_of(rv);
	size_t nh;
	const mc_review_record *h = mc_review_history(rv, &nh);
	char buf[2048], what[1024];

	s_what(rv, what, sizeof what);
	snprintf(buf, sizeof buf, "ReviewSession(dir=\"%s\", classes=%s, n=%zu, method=\"%s\": "
	         "%zu iterations applied, %zu reviewed, %zu pending decisions, AUC %.4f%s)",
	         mc_review_dir(rv), what, o->n, mc_rank_name(o->method),
	         nh ? nh - 1 : 0, s_total_reviewed(rv), mc_review_n_pending(rv),
	         nh ? h[nh - 1].auc : NAN, mc_review_plateau(rv) ? ", plateau reached" : "");
	return strdup(buf);
}

/* The history as a table (iteration 0 = the baseline). */
static int s_history_table(mc_table **out, const mc_review *rv, mc_error *err)
{
	static const char *const cols[] = { "iteration", "reviewed", "relabeled", "removed",
		                            "fixed", "outside batch", "AUC", "macro AUC",
		                            "total reviewed", "note" };
	size_t nh, total = 0;
	const mc_review_record *h = mc_review_history(rv, &nh);
	mc_table *t = NULL;
	int rc = mc_table_new(&t, cols, 10, err);

	*out = NULL;
	if (rc)
		return rc;
	mc_table_set_digits(t, 6, 4);
	mc_table_set_digits(t, 7, 4);
	for (size_t k = 0; rc == 0 && k < nh; k++) {
		const int64_t v[6] = { (int64_t)h[k].iteration, (int64_t)h[k].reviewed,
			               (int64_t)h[k].relabeled, (int64_t)h[k].removed,
			               (int64_t)h[k].fixed, (int64_t)h[k].outside };
		char note[128] = "";
		size_t r;
		total += h[k].reviewed;
		if (k == 0)
			snprintf(note, sizeof note, "baseline");
		else if (h[k].tied >= 2 && 4 * h[k].tied > h[k].reviewed)
			snprintf(note, sizeof note, "warning: %zu of %zu scores tied", h[k].tied,
			         h[k].reviewed);
		rc = mc_table_add_row(t, &r, err);
		for (size_t c = 0; rc == 0 && c < 6; c++)
			rc = mc_table_set_int(t, r, c, v[c], err);
		if (rc == 0)
			rc = mc_table_set_float(t, r, 6, h[k].auc, err);
		if (rc == 0)
			rc = mc_table_set_float(t, r, 7, h[k].auc_macro, err);
		if (rc == 0)
			rc = mc_table_set_int(t, r, 8, (int64_t)total, err);
		if (rc == 0)
			rc = mc_table_set_str(t, r, 9, note, err);
	}
	if (rc == 0)
		rc = mc_table_set_caption(t, mc_review_plateau(rv) ? "Review iterations (plateau "
		                          "reached)" : "Review iterations", err);
	if (rc) {
		mc_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static mc_review *s_rv(mc_value *self)
{
	return ((s_session *)mc_object_ptr(self))->rv;
}

static mc_value *s_session_history(mc_value *self, mc_error *err)
{
	mc_table *t = NULL;

	if (s_history_table(&t, s_rv(self), err) != 0)
		return NULL;
	return mc_table_value(t);
}

static mc_value *s_session_labels(mc_value *self, mc_error *err)
{
	mc_review *rv = s_rv(self);
	size_t n = mc_review_n_instances(rv);
	mc_value *a = mc_array_new(MC_I64, n, 0);

	(void)err;
	if (a && n)
		memcpy(mc_array_i64(a), mc_review_labels(rv), n * sizeof(int64_t));
	return a;
}

static mc_value *s_session_weights(mc_value *self, mc_error *err)
{
	mc_review *rv = s_rv(self);
	size_t n = mc_review_n_instances(rv);
	mc_value *a = mc_array_new(MC_F64, n, 0);

	(void)err;
	if (a && n)
		memcpy(mc_array_f64(a), mc_review_weights(rv), n * sizeof(double));
	return a;
}

static mc_value *s_session_iteration(mc_value *self, mc_error *err)
{
	size_t nh;

	(void)err;
	mc_review_history(s_rv(self), &nh);
	return mc_int((int64_t)(nh ? nh - 1 : 0));
}

static mc_value *s_session_batch(mc_value *self, mc_error *err)
{
	size_t nb;
	const int64_t *b = mc_review_batch(s_rv(self), &nb);
	mc_value *a = mc_array_new(MC_I64, nb, 0);

	(void)err;
	if (a && nb)
		memcpy(mc_array_i64(a), b, nb * sizeof *b);
	return a;
}

static mc_value *s_session_classes(mc_value *self, mc_error *err)
{
	mc_review *rv = s_rv(self);
	const mc_coco *ds = mc_review_dataset(rv);
	mc_value *l = mc_list_new();

	(void)err;
	for (size_t k = 0; l && k < mc_coco_n_classes(ds); k++)
		if (mc_review_reviews_class(rv, k) && mc_list_append(l, mc_str(mc_coco_class_name(ds, k))) != 0) {
			mc_unref(l);
			l = NULL;
		}
	return l;
}

static mc_value *s_session_n_seen(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_review_n_seen(s_rv(self)));
}

static mc_value *s_session_n_pending(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_review_n_pending(s_rv(self)));
}

static mc_value *s_session_dir(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(mc_review_dir(s_rv(self)));
}

static mc_value *s_session_batch_dir(mc_value *self, mc_error *err)
{
	const char *d = mc_review_batch_dir(s_rv(self));

	(void)err;
	return d != NULL ? mc_str(d) : mc_none();
}

static mc_value *s_session_notice(mc_value *self, mc_error *err)
{
	const char *t = mc_review_notice(s_rv(self));

	(void)err;
	return t != NULL ? mc_str(t) : mc_none();
}

static mc_value *s_session_auc(mc_value *self, mc_error *err)
{
	size_t nh;
	const mc_review_record *h = mc_review_history(s_rv(self), &nh);
	mc_value *a = mc_array_new(MC_F64, nh, 0);

	(void)err;
	for (size_t k = 0; a && k < nh; k++)
		mc_array_f64(a)[k] = h[k].auc;
	return a;
}

static const mc_attr_def s_session_attrs[] = {
	{ .name = "history", .doc = "one row per iteration: AUC, fixes, samples seen (a table)",
	  .get = s_session_history },
	{ .name = "labels", .doc = "every instance's label after the decisions applied", .get = s_session_labels },
	{ .name = "weights", .doc = "every instance's weight (0: removed)", .get = s_session_weights },
	{ .name = "iteration", .doc = "iterations applied", .get = s_session_iteration },
	{ .name = "batch", .doc = "the annotation ids of the open batch", .get = s_session_batch },
	{ .name = "classes", .doc = "the classes under review", .get = s_session_classes },
	{ .name = "n_seen", .doc = "samples reviewed so far", .get = s_session_n_seen },
	{ .name = "n_pending", .doc = "samples of the open batch not decided yet", .get = s_session_n_pending },
	{ .name = "dir", .doc = "the session's folder (journal, batches)", .get = s_session_dir },
	{ .name = "batch_dir", .doc = "the open batch's folder, or None", .get = s_session_batch_dir },
	{ .name = "notice", .doc = "what resuming found (a damaged journal kept aside), or None",
	  .get = s_session_notice },
	{ .name = "auc", .doc = "the K-fold AUC after each iteration", .get = s_session_auc },
	{ .name = NULL }
};

static size_t s_session_strings(const void *p, const char **out, size_t max)
{
	const s_session *s = p;
	const mc_coco *ds = mc_review_dataset(s->rv);
	size_t k;
	for (k = 0; k < mc_coco_n_classes(ds) && k < max; k++)
		out[k] = mc_coco_class_name(ds, k);
	return k;
}

static const mc_class s_session_class = {
	.name = "ReviewSession", .free = s_session_free, .repr = s_session_repr,
	.attributes = s_session_attrs, .strings = s_session_strings
};

/* ---- arguments ---- */

/* One class: a name of ds or an index. */
static int s_class_value(mc_call *call, const char *name, const mc_value *v, const mc_coco *ds,
                         size_t *out, mc_error *err)
{
	if (v != NULL && mc_type(v) == MC_T_STR)
		return mc_coco_class_index(out, ds, mc_as_str(v), err);
	if (v != NULL && mc_type(v) == MC_T_INT && mc_as_int(v) >= 0 &&
	    (size_t)mc_as_int(v) < mc_coco_n_classes(ds)) {
		*out = (size_t)mc_as_int(v);
		return 0;
	}
	return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a class name or an index below %zu",
	                    mc_call_name(call), name, mc_coco_n_classes(ds));
}

/* class_of_interest: a class, a list of classes, or None / "all" (every
 * class: *n = 0). Caller frees *out. */
static int s_classes_arg(mc_call *call, const mc_coco *ds, size_t **out, size_t *n,
                         mc_error *err)
{
	mc_value *v = mc_arg(call, "class_of_interest");
	size_t m;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (v == NULL || mc_type(v) == MC_T_NONE ||
	    (mc_type(v) == MC_T_STR && strcmp(mc_as_str(v), "all") == 0 &&
	     mc_coco_class_index(&m, ds, "all", NULL) != 0))
		return 0;
	m = mc_type(v) == MC_T_LIST ? mc_list_len(v) : 1;
	if (m == 0)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): class_of_interest is an empty list; "
		                    "give classes, or None for every class", mc_call_name(call));
	*out = malloc(m * sizeof **out);
	if (*out == NULL)
		return mc_error_nomem(err);
	for (size_t k = 0; rc == 0 && k < m; k++)
		rc = s_class_value(call, "class_of_interest",
		                   mc_type(v) == MC_T_LIST ? mc_list_get(v, k) : v, ds, &(*out)[k],
		                   err);
	if (rc) {
		free(*out);
		*out = NULL;
		return rc;
	}
	*n = m;
	return 0;
}

/* Annotation ids: an int, a list of ints or an int array. Caller frees. */
static int s_ids_arg(mc_call *call, const char *name, int64_t **out, size_t *n, mc_error *err)
{
	double *d;
	size_t m;
	int rc = mc_arg_numbers(call, name, &d, &m, 0, 1, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	*out = malloc((m ? m : 1) * sizeof **out);
	if (*out == NULL) {
		free(d);
		return mc_error_nomem(err);
	}
	for (size_t k = 0; k < m; k++) {
		if (d[k] != floor(d[k]) || fabs(d[k]) > 9e15) {
			rc = mc_error_set(err, MC_ERR_TYPE, "%s(): %s[%zu] = %g, expected an annotation "
			                  "id (a whole number)", mc_call_name(call), name, k, d[k]);
			free(*out);
			*out = NULL;
			free(d);
			return rc;
		}
		(*out)[k] = (int64_t)d[k];
	}
	free(d);
	*n = m;
	return 0;
}

/* The default folder of a session: review-<classes>-<method>, so that
 * sessions of other classes or methods never share one. */
static void s_default_dir(char *buf, size_t size, const mc_coco *ds, const size_t *cls,
                          size_t n, const char *method)
{
	size_t o = (size_t)snprintf(buf, size, "review-");

	for (size_t c = 0; c < n && o + 1 < size && o < 48; c++) {
		const char *name = mc_coco_class_name(ds, cls[c]);
		if (c)
			buf[o++] = '+';
		for (; *name && o + 1 < size && o < 48; name++)
			buf[o++] = (*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
			           (*name >= '0' && *name <= '9') || *name == '-' ? *name : '_';
	}
	buf[o] = '\0';
	if (n == 0 && o < size)
		o += (size_t)snprintf(buf + o, size - o, "all");
	if (o < size)
		snprintf(buf + o, size - o, "-%s", method);
}

static int s_session_value(mc_call *call, mc_review *rv, mc_value *ds, mc_value **out,
                           mc_error *err)
{
	s_session *s = calloc(1, sizeof *s);
	if (s == NULL) {
		mc_review_free(rv);
		return mc_error_nomem(err);
	}
	s->rv = rv;
	s->ds = ds ? mc_ref(ds) : NULL;
	if (mc_review_notice(rv) != NULL) {
		char *msg = malloc(strlen(mc_review_notice(rv)) + 16);
		if (msg != NULL) {
			sprintf(msg, "warning: %s\n", mc_review_notice(rv));
			mc_call_print(call, msg);
			free(msg);
		}
	}
	*out = mc_object_new(&s_session_class, s);
	return *out ? 0 : mc_error_nomem(err);
}

static int s_session_new(mc_call *call, mc_value **out, mc_error *err)
{
	void *dsp = NULL;
	mc_matrix view, *owned = NULL;
	mc_review_opts o;
	mc_review *rv = NULL;
	const char *dir = NULL, *method = "hybrid";
	char defdir[128];
	size_t *classes = NULL, n_classes = 0;
	int64_t n = 60, folds = 5, seed = 0;
	int restart = 0, images = 1, rc;

	*out = NULL;
	mc_review_opts_init(&o);
	if ((rc = mc_arg_obj(call, "ds", &mc_dataset_class, &dsp, err)) != 0 ||
	    (rc = mc_arg_str_opt(call, "dir", &dir, err)) < 0 ||
	    (rc = mc_arg_int(call, "n", &n, err)) != 0 ||
	    (rc = mc_arg_str(call, "method", &method, err)) != 0 ||
	    (rc = mc_arg_int(call, "folds", &folds, err)) != 0 ||
	    (rc = mc_arg_int(call, "seed", &seed, err)) != 0 ||
	    (rc = mc_arg_bool(call, "restart", &restart, err)) != 0 ||
	    (rc = mc_arg_bool(call, "export_images", &images, err)) != 0)
		return rc;
	if ((rc = mc_rank_parse(&o.method, method, err)) != 0)
		return rc;
	if (n < 1 || folds < 2)
		return mc_error_set(err, MC_ERR_INVALID, "ReviewSession(): n must be >= 1 and folds "
		                    ">= 2");
	if ((rc = s_classes_arg(call, dsp, &classes, &n_classes, err)) != 0)
		return rc;
	if (dir == NULL) {
		s_default_dir(defdir, sizeof defdir, dsp, classes, n_classes, method);
		dir = defdir;
	}
	o.dir = dir;
	o.classes = classes;
	o.n_classes = n_classes;
	o.n = (size_t)n;
	o.folds = (size_t)folds;
	o.seed = (uint64_t)seed;
	o.restart = restart;
	o.export_images = images;
	rc = mc_arg_matrix(call, "X", &view, &owned, err);
	if (rc == 0)
		rc = mc_review_new(&rv, dsp, &view, NULL, NULL, &o, mc_call_progress(call), err);
	mc_matrix_free(owned);
	free(classes);
	if (rc)
		return rc;
	return s_session_value(call, rv, mc_arg(call, "ds"), out, err);
}

static int s_resume_review(mc_call *call, mc_value **out, mc_error *err)
{
	const char *dir;
	mc_value *dsv = mc_arg(call, "ds");
	const mc_coco *ds = NULL;
	mc_review *rv = NULL;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "dir", &dir, err)) != 0)
		return rc;
	if (dsv != NULL && mc_type(dsv) != MC_T_NONE) {
		void *p;
		if ((rc = mc_arg_obj(call, "ds", &mc_dataset_class, &p, err)) != 0)
			return rc;
		ds = p;
	}
	rc = mc_review_resume(&rv, dir, ds, mc_call_progress(call), err);
	if (rc)
		return rc;
	return s_session_value(call, rv, ds ? dsv : NULL, out, err);
}

/* ---- the batch ---- */

/* The grid of the open batch: each tile with its id, label, the model's
 * suggestion and the score. */
static int s_batch_grid(mc_value **out, mc_review *rv, const char *text, mc_call *call,
                        mc_error *err)
{
	const mc_review_opts *o = mc_review_opts_of(rv);
	const mc_coco *ds = mc_review_dataset(rv);
	const size_t *rows = mc_review_batch_rows(rv), *sug;
	const double *sc = mc_review_batch_scores(rv), *sp;
	size_t n, nh;
	mc_render_cell *cells;
	mc_render_grid_opts go;
	char title[1200], what[1024];
	int rc;

	mc_review_batch(rv, &n);
	rc = mc_review_suggestions(&sug, &sp, rv, mc_call_progress(call), err);
	if (rc)
		return rc;
	cells = calloc(n ? n : 1, sizeof *cells);
	if (cells == NULL)
		return mc_error_nomem(err);
	for (size_t k = 0; k < n; k++) {
		cells[k].label = mc_coco_class_name(ds, (size_t)mc_review_labels(rv)[rows[k]]);
		cells[k].importance = sc[k];
		cells[k].score_name = mc_rank_name(o->method);
		cells[k].suggest = mc_coco_class_name(ds, sug[k]);
		cells[k].suggest_p = sp[k];
	}
	memset(&go, 0, sizeof go);
	mc_review_history(rv, &nh);
	s_what(rv, what, sizeof what);
	snprintf(title, sizeof title, "Iteration %zu: top %zu unseen of %s by %s", nh, n, what,
	         mc_rank_name(o->method));
	go.title = title;
	go.cols = 5;
	go.thumb = 160;
	go.scale = S_GRID_SCALE;
	rc = mc_grid_figure(out, ds, rows, cells, n, &go, text, err);
	free(cells);
	return rc;
}

/* The warning for a batch whose scores do not order it. */
static void s_tie_warning(mc_call *call, mc_review *rv)
{
	size_t n, tied;
	double value;
	const char *method = mc_rank_name(mc_review_opts_of(rv)->method);
	char msg[768];

	mc_review_batch(rv, &n);
	if (!mc_review_ties(mc_review_batch_scores(rv), n, &tied, &value))
		return;
	/* hybrid is the default: suggest it, or a model-only score when it ties. */
	snprintf(msg, sizeof msg, "warning: %zu of the %zu samples of this batch share the score "
	         "%.6g (%s): the ranking does not order them, so they are shown in dataset order. "
	         "This happens when a class has too few samples for its scores to differ; another "
	         "method (e.g. method=\"%s\"; ranking_methods() lists them) ranks them by the "
	         "model's evidence.\n", tied, n, value, method,
	         strcmp(method, "hybrid") == 0 ? "self_confidence" : "hybrid");
	mc_call_print(call, msg);
}

static int s_session_next(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const int64_t *ids;
	size_t n, nh;
	char text[1600], what[1024];
	int rc;

	*out = NULL;
	rc = mc_review_next(&ids, &n, s->rv, mc_call_progress(call), err);
	if (rc)
		return rc;
	mc_review_history(s->rv, &nh);
	if (n == 0) {
		s_what(s->rv, what, sizeof what);
		snprintf(text, sizeof text, "nothing left to review: every sample of %s has been "
		         "seen (%zu in all). The batch is empty: simulate() and apply() accept it "
		         "and change nothing; rv.history and the plots show the work done.\n", what,
		         mc_review_n_seen(s->rv));
		mc_call_print(call, text);
		*out = mc_none();
		return *out ? 0 : mc_error_nomem(err);
	}
	s_tie_warning(call, s->rv);
	snprintf(text, sizeof text, "iteration %zu: %zu samples to review (annotation ids in "
	         "rv.batch); images and review.csv in %s", nh, n, mc_review_batch_dir(s->rv));
	return s_batch_grid(out, s->rv, text, call, err);
}

static int s_act(mc_call *call, mc_value **out, mc_error *err, mc_review_action a)
{
	s_session *s = mc_call_self_ptr(call);
	int64_t *ids = NULL;
	size_t n = 0, cls = 0;
	int rc;

	*out = NULL;
	if (a == MC_ACT_RELABEL &&
	    (rc = s_class_value(call, "label", mc_arg(call, "label"), mc_review_dataset(s->rv),
	                        &cls, err)) != 0)
		return rc;
	rc = s_ids_arg(call, "ann_id", &ids, &n, err);
	if (rc == 0)
		rc = mc_review_act(s->rv, ids, n, a, cls, err);
	free(ids);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int s_session_keep(mc_call *c, mc_value **o, mc_error *e) { return s_act(c, o, e, MC_ACT_KEEP); }
static int s_session_relabel(mc_call *c, mc_value **o, mc_error *e) { return s_act(c, o, e, MC_ACT_RELABEL); }
static int s_session_remove(mc_call *c, mc_value **o, mc_error *e) { return s_act(c, o, e, MC_ACT_REMOVE); }

static int s_session_fix(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	mc_value *label = mc_arg(call, "label");
	int64_t *ids = NULL;
	size_t n = 0, cls = 0;
	int remove = 0, rc;

	*out = NULL;
	if ((rc = mc_arg_bool(call, "remove", &remove, err)) != 0)
		return rc;
	if (remove == (label != NULL && mc_type(label) != MC_T_NONE))
		return mc_error_set(err, MC_ERR_INVALID, "fix(): give either the new label "
		                    "(fix(ann_id, \"apple\")) or remove=True");
	if (!remove && (rc = s_class_value(call, "label", label, mc_review_dataset(s->rv), &cls,
	                                   err)) != 0)
		return rc;
	rc = s_ids_arg(call, "ann_id", &ids, &n, err);
	if (rc == 0)
		rc = mc_review_fix(s->rv, ids, n, remove ? MC_ACT_REMOVE : MC_ACT_RELABEL, cls, err);
	free(ids);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int s_session_keep_rest(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	size_t n;
	int rc = mc_review_keep_rest(&n, s->rv, err);

	*out = rc ? NULL : mc_int((int64_t)n);
	return rc ? rc : *out ? 0 : mc_error_nomem(err);
}

static int s_session_load_csv(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const char *path = NULL;
	char *def = NULL;
	mc_review_csv_counts c;
	mc_value *d;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str_opt(call, "path", &path, err)) < 0)
		return rc;
	if (path == NULL && mc_review_exhausted(s->rv)) {
		/* next() found nothing left: an empty batch has no CSV and nothing to load. */
		memset(&c, 0, sizeof c);
		mc_call_print(call, "load_csv(): the last next() found no sample left to review; "
		              "nothing to load\n");
		goto counts;
	}
	if (path == NULL) {
		const char *b = mc_review_batch_dir(s->rv);
		if (b == NULL)
			return mc_error_set(err, MC_ERR_STATE, "load_csv(): no batch was exported yet; "
			                    "call next() first or give a path");
		def = malloc(strlen(b) + 16);
		if (def == NULL)
			return mc_error_nomem(err);
		sprintf(def, "%s/review.csv", b);
		path = def;
	}
	rc = mc_review_load_csv(&c, s->rv, path, err);
	free(def);
	if (rc)
		return rc;
counts:
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "keep", mc_int((int64_t)c.keep)) ||
	    mc_dict_set_str(d, "relabel", mc_int((int64_t)c.relabel)) ||
	    mc_dict_set_str(d, "remove", mc_int((int64_t)c.remove)) ||
	    mc_dict_set_str(d, "undecided", mc_int((int64_t)c.undecided))) {
		mc_unref(d);
		return mc_error_nomem(err);
	}
	*out = d;
	return 0;
}

static int s_session_simulate(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const char *path;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "ground_truth_path", &path, err)) != 0)
		return rc;
	rc = mc_review_simulate(&n, s->rv, path, err);
	if (rc == 0)
		*out = mc_int((int64_t)n);
	return rc;
}

static int s_session_apply(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	mc_review_record r;
	mc_review_rest rest = MC_REST_REFUSE;
	const char *rs = NULL;
	int exhausted = mc_review_exhausted(s->rv) && mc_review_n_pending(s->rv) == 0, rc;
	mc_value *d;

	*out = NULL;
	if ((rc = mc_arg_str_opt(call, "rest", &rs, err)) < 0)
		return rc;
	if (rs != NULL && strcmp(rs, "keep") != 0)
		return mc_error_set(err, MC_ERR_INVALID, "apply(): rest=\"%s\", expected \"keep\" (keep "
		                    "every undecided sample) or None (refuse while any is undecided)",
		                    rs);
	if (rs != NULL)
		rest = MC_REST_KEEP;
	rc = mc_review_apply(&r, s->rv, rest, mc_call_progress(call), err);
	if (rc)
		return rc;
	if (exhausted)
		mc_call_print(call, "nothing to apply: the batch is empty (nothing left to review), "
		              "the history is unchanged\n");
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "iteration", mc_int((int64_t)r.iteration)) ||
	    mc_dict_set_str(d, "reviewed", mc_int((int64_t)r.reviewed)) ||
	    mc_dict_set_str(d, "relabeled", mc_int((int64_t)r.relabeled)) ||
	    mc_dict_set_str(d, "removed", mc_int((int64_t)r.removed)) ||
	    mc_dict_set_str(d, "fixed", mc_int((int64_t)r.fixed)) ||
	    mc_dict_set_str(d, "outside", mc_int((int64_t)r.outside)) ||
	    mc_dict_set_str(d, "auc", mc_float(r.auc)) ||
	    mc_dict_set_str(d, "plateau", mc_bool(mc_review_plateau(s->rv)))) {
		mc_unref(d);
		return mc_error_nomem(err);
	}
	*out = d;
	return 0;
}

static int s_session_plateau(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	*out = mc_bool(mc_review_plateau(s->rv));
	return *out ? 0 : mc_error_nomem(err);
}

/* ---- plots ---- */

/* Applied iterations (the baseline excluded): *m of them from h + 1. */
static const mc_review_record *s_applied(const mc_review *rv, size_t *m, const char *what,
                                         mc_error *err)
{
	size_t nh;
	const mc_review_record *h = mc_review_history(rv, &nh);

	*m = nh > 0 ? nh - 1 : 0;
	if (*m == 0) {
		mc_error_set(err, MC_ERR_STATE, "%s(): no iteration was applied yet", what);
		return NULL;
	}
	return h + 1;
}

static int s_session_plot_auc(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	size_t nh, m = 0, plateau_at = (size_t)-1;
	const mc_review_record *h = mc_review_history(s->rv, &nh);
	const mc_review_opts *o = mc_review_opts_of(s->rv);
	double *x = malloc((nh + 1) * sizeof *x), *y = malloc((nh + 1) * sizeof *y);
	char title[1400], what[1024], mark_text[64];
	mc_plot_series ser = { x, y, 0, NULL };
	mc_plot_mark mark = { 0, 0, mark_text };
	mc_plot_opts po;
	mc_png *png = NULL;
	int rc;

	*out = NULL;
	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		return mc_error_nomem(err);
	}
	for (size_t k = 0; k < nh; k++) {
		if (!isfinite(h[k].auc))
			continue;
		x[m] = (double)h[k].iteration;
		y[m] = h[k].auc;
		if (plateau_at == (size_t)-1 && o->plateau_window > 0 && k >= o->plateau_window &&
		    h[k].auc - h[k - o->plateau_window].auc < o->plateau_threshold)
			plateau_at = m;
		m++;
	}
	ser.n = m;
	s_what(s->rv, what, sizeof what);
	snprintf(title, sizeof title, "%s of %s across iterations (%zu-fold; %zu reviewed)",
	         o->n_classes == 1 ? "AUC" : o->n_classes == 0 ? "Macro AUC" : "Mean AUC", what,
	         o->folds, s_total_reviewed(s->rv));
	mc_plot_opts_init(&po);
	po.title = title;
	po.xlabel = "Iteration";
	po.ylabel = "AUC";
	if (plateau_at != (size_t)-1) {
		mark.index = plateau_at;
		snprintf(mark_text, sizeof mark_text, "plateau (iteration %.0f)", x[plateau_at]);
	}
	rc = m == 0 ? mc_error_set(err, MC_ERR_STATE, "plot_auc(): no AUC was computed yet")
	            : mc_plot_line(&png, &ser, 1, plateau_at != (size_t)-1 ? &mark : NULL, &po,
	                           err);
	free(x);
	free(y);
	if (rc)
		return rc;
	*out = mc_figure_value(png, "AUC across iterations");
	return *out ? 0 : mc_error_nomem(err);
}

/* A bar chart over iterations as a Figure described by what: bar k is
 * labelled by its iteration it[k]; values holds n_stack rows of n values. */
static int s_iteration_bars(mc_value **out, const size_t *it, size_t n, const double *values,
                            size_t n_stack, const char *const *stack, const char *title,
                            const char *ylabel, const char *what, mc_error *err)
{
	char *text = malloc(n * 24 + 1);
	const char **labels = malloc((n + 1) * sizeof *labels);
	mc_plot_opts po;
	mc_png *png = NULL;
	int rc = 0;

	*out = NULL;
	if (text == NULL || labels == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	for (size_t k = 0; k < n; k++) {
		snprintf(text + 24 * k, 24, "%zu", it[k]);
		labels[k] = text + 24 * k;
	}
	mc_plot_opts_init(&po);
	po.title = title;
	po.xlabel = "Iteration";
	po.ylabel = ylabel;
	rc = mc_plot_bar(&png, labels, n, values, n_stack, stack, &po, err);
	if (rc == 0 && (*out = mc_figure_value(png, what)) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	free(text);
	free(labels);
	return rc;
}

static int s_session_plot_fixes(mc_call *call, mc_value **out, mc_error *err)
{
	static const char *const stack[] = { "relabeled", "removed", "outside the batch (fix)" };
	s_session *s = mc_call_self_ptr(call);
	size_t m, fixed = 0, outside = 0, *it = NULL;
	const mc_review_record *h = s_applied(s->rv, &m, "plot_fixes", err);
	char title[1400], what[1024];
	double *y = NULL;
	int rc;

	*out = NULL;
	if (h == NULL)
		return err ? err->code : MC_ERR_STATE;
	it = malloc(m * sizeof *it);
	y = malloc(3 * m * sizeof *y);
	if (it == NULL || y == NULL) {
		free(it);
		free(y);
		return mc_error_nomem(err);
	}
	for (size_t k = 0; k < m; k++) {
		it[k] = h[k].iteration;
		y[k] = (double)h[k].relabeled;
		y[m + k] = (double)h[k].removed;
		y[2 * m + k] = (double)h[k].outside;
		fixed += h[k].fixed;
		outside += h[k].outside;
	}
	s_what(s->rv, what, sizeof what);
	snprintf(title, sizeof title, "Samples fixed per iteration: %zu of %zu reviewed (%s)%s",
	         fixed, s_total_reviewed(s->rv), what, outside > 0 ? ", and fixes outside" : "");
	rc = s_iteration_bars(out, it, m, y, outside > 0 ? 3 : 2, stack, title, "Samples",
	                      "samples fixed per iteration", err);
	free(it);
	free(y);
	return rc;
}

static int s_session_plot_fix_rate(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	size_t m, q = 0, fixed = 0, relabeled = 0, removed = 0, reviewed = 0, *it = NULL;
	const mc_review_record *h = s_applied(s->rv, &m, "plot_fix_rate", err);
	char title[512], what[128];
	double *y = NULL;
	int rc;

	*out = NULL;
	if (h == NULL)
		return err ? err->code : MC_ERR_STATE;
	it = malloc(m * sizeof *it);
	y = malloc(m * sizeof *y);
	if (it == NULL || y == NULL) {
		free(it);
		free(y);
		return mc_error_nomem(err);
	}
	for (size_t k = 0; k < m; k++) {
		if (h[k].reviewed == 0)
			continue;
		it[q] = h[k].iteration;
		y[q++] = 100.0 * (double)h[k].fixed / (double)h[k].reviewed;
		fixed += h[k].fixed;
		relabeled += h[k].relabeled;
		removed += h[k].removed;
		reviewed += h[k].reviewed;
	}
	if (q == 0) {
		rc = mc_error_set(err, MC_ERR_STATE, "plot_fix_rate(): no batch was reviewed yet");
	} else {
		/* Short enough for the figure's width: the title is cut beyond it. */
		snprintf(title, sizeof title, "%.1f%% of %zu reviewed fixed (%zu relabeled, "
		         "%zu removed)", 100.0 * (double)fixed / (double)reviewed, reviewed,
		         relabeled, removed);
		snprintf(what, sizeof what, "%.1f%% of %zu reviewed samples fixed",
		         100.0 * (double)fixed / (double)reviewed, reviewed);
		rc = s_iteration_bars(out, it, q, y, 1, NULL, title, "% of the batch fixed", what,
		                      err);
	}
	free(it);
	free(y);
	return rc;
}

static int s_session_plot_found(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	size_t nh, reviewed = 0;
	const mc_review_record *h = mc_review_history(s->rv, &nh);
	double *x = calloc(nh + 1, sizeof *x), *y = calloc(nh + 1, sizeof *y);
	double *yr = calloc(nh + 1, sizeof *yr);
	int simulated = 1, rc;
	char title[512], label[128];
	mc_plot_series ser[2];
	mc_plot_opts po;
	mc_png *png = NULL;

	*out = NULL;
	if (x == NULL || y == NULL || yr == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	if (nh < 2) {
		rc = mc_error_set(err, MC_ERR_STATE, "plot_found(): no iteration was applied yet");
		goto cleanup;
	}
	for (size_t k = 0; k < nh; k++) {
		x[k] = (double)h[k].iteration;
		y[k] = (k ? y[k - 1] : 0) + (double)h[k].fixed;
		if (k > 0 && h[k].reviewed > 0 && !isfinite(h[k].random_found))
			simulated = 0;
		yr[k] = (k ? yr[k - 1] : 0) + (isfinite(h[k].random_found) ? h[k].random_found : 0);
		reviewed += h[k].reviewed;
	}
	snprintf(label, sizeof label, "review by %s",
	         mc_rank_name(mc_review_opts_of(s->rv)->method));
	ser[0] = (mc_plot_series){ x, y, nh, label };
	ser[1] = (mc_plot_series){ x, yr, nh, "random order (expected)" };
	if (simulated)
		snprintf(title, sizeof title, "Errors found: %.0f in %zu reviewed (a random order "
		         "finds %.1f on average)", y[nh - 1], reviewed, yr[nh - 1]);
	else
		snprintf(title, sizeof title, "Errors found: %.0f in %zu reviewed (random's "
		         "expectation needs the simulated reviewer)", y[nh - 1], reviewed);
	mc_plot_opts_init(&po);
	po.title = title;
	po.xlabel = "Iteration";
	po.ylabel = "Errors found (cumulative)";
	rc = mc_plot_line(&png, ser, simulated ? 2 : 1, NULL, &po, err);
	if (simulated)
		snprintf(title, sizeof title, "errors found: %.0f in %zu reviewed; random order: %.1f "
		         "expected", y[nh - 1], reviewed, yr[nh - 1]);
	else
		snprintf(title, sizeof title, "errors found: %.0f in %zu reviewed", y[nh - 1],
		         reviewed);
	if (rc == 0 && (*out = mc_figure_value(png, title)) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	free(x);
	free(y);
	free(yr);
	return rc;
}

static int s_session_gallery(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const mc_coco *ds = mc_review_dataset(s->rv);
	size_t nc, shown, relabeled = 0, removed = 0;
	const mc_review_change *c = mc_review_changes(s->rv, &nc);
	mc_render_cell *cells = NULL;
	size_t *rows = NULL;
	char **texts = NULL, title[256];
	mc_render_grid_opts go;
	int64_t max = 60, cols = 5;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_int(call, "max", &max, err)) != 0 ||
	    (rc = mc_arg_int(call, "cols", &cols, err)) != 0)
		return rc;
	if (max < 1 || max > 300 || cols < 1 || cols > 20)
		return mc_error_set(err, MC_ERR_INVALID, "gallery(): expected 1 <= max <= 300 and "
		                    "1 <= cols <= 20");
	if (nc == 0) {
		mc_call_print(call, "no sample was fixed yet\n");
		*out = mc_none();
		return *out ? 0 : mc_error_nomem(err);
	}
	shown = nc < (size_t)max ? nc : (size_t)max;
	cells = calloc(shown, sizeof *cells);
	rows = calloc(shown, sizeof *rows);
	texts = calloc(2 * shown, sizeof *texts);
	if (cells == NULL || rows == NULL || texts == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	for (size_t k = 0; k < nc; k++) {
		relabeled += c[k].action == MC_ACT_RELABEL;
		removed += c[k].action == MC_ACT_REMOVE;
	}
	for (size_t k = 0; k < shown && rc == 0; k++) {
		const char *old = mc_coco_class_name(ds, c[k].old_class);
		size_t len = strlen(old) + 256;
		rc = mc_review_row(&rows[k], s->rv, c[k].ann_id, err);
		texts[2 * k] = malloc(len + strlen(mc_coco_class_name(ds, c[k].new_class)));
		texts[2 * k + 1] = malloc(64);
		if (rc == 0 && (texts[2 * k] == NULL || texts[2 * k + 1] == NULL))
			rc = mc_error_nomem(err);
		if (rc)
			break;
		if (c[k].action == MC_ACT_RELABEL)
			sprintf(texts[2 * k], "%s " S_ARROW " %s", old,
			        mc_coco_class_name(ds, c[k].new_class));
		else
			sprintf(texts[2 * k], "%s: removed", old);
		snprintf(texts[2 * k + 1], 64, "iteration %zu%s", c[k].iteration,
		         c[k].outside ? ", fix()" : "");
		cells[k].label = texts[2 * k];
		cells[k].importance = NAN;
		cells[k].note = texts[2 * k + 1];
	}
	if (rc)
		goto cleanup;
	snprintf(title, sizeof title, "Fixed samples: %zu (%zu relabeled, %zu removed)%s", nc,
	         relabeled, removed, shown < nc ? ", the first shown" : "");
	memset(&go, 0, sizeof go);
	go.title = title;
	go.cols = (int)cols;
	go.thumb = 160;
	go.scale = S_GRID_SCALE;
	rc = mc_grid_figure(out, ds, rows, cells, shown, &go, title, err);
cleanup:
	for (size_t k = 0; texts != NULL && k < 2 * shown; k++)
		free(texts[k]);
	free(texts);
	free(cells);
	free(rows);
	return rc;
}

static int s_session_export(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const char *path;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) != 0)
		return rc;
	rc = mc_review_export(s->rv, path, mc_call_progress(call), err);
	if (rc == 0)
		*out = mc_str(path);
	return rc;
}

const mc_func_def mc_funcs_review[] = {
	{ .name = "ReviewSession",
	  .signature = "(ds, X, class_of_interest=None, dir=None, n=60, method=\"hybrid\", folds=5, "
	  "seed=0, restart=False, export_images=True)",
	  .doc = "The article's cleaning loop over one class, several classes or the whole dataset.",
	  .long_doc = "By default it reviews every class, ranked by method=\"hybrid\" (a score "
	  "comparable across classes): the confusion matrix's pick_class() is a hint of where "
	  "errors are, not a filter. class_of_interest: a class (\"orange\", as in the article), "
	  "a list of classes, or None / \"all\" for every class; with several classes each batch "
	  "is the top n across them. method: any name of ranking_methods() (\"importance\" is "
	  "the article's coreset score). Each iteration: rv.next() shows the top n unseen "
	  "samples (one tile each: the annotation id, the label, the model's suggested label with its out-of-fold "
	  "probability, and the score) and writes a PNG per sample (<annotation id>.png) plus "
	  "review.csv to dir/iter_NNN. Decide each sample by its annotation id: "
	  "rv.keep(id), rv.relabel(id, \"apple\"), rv.remove(id) (an id or a list), or fill in "
	  "the CSV's action column and call rv.load_csv(); rv.keep_rest() keeps the undecided "
	  "ones. Only samples of the open batch take decisions; rv.fix(id, \"apple\") or "
	  "rv.fix(id, remove=True) corrects any other sample, recorded as such. rv.apply() "
	  "applies the decisions (it refuses while a sample is undecided, unless "
	  "rest=\"keep\"), updates the coreset service, recomputes the K-fold AUC and appends "
	  "to rv.history. Every decision is journaled (fsync'd) in dir before the call "
	  "returns: after a restart resume_review(dir) restores the session, and a damaged "
	  "journal is kept aside while every intact record is restored. One kernel writes a "
	  "folder at a time (a second one gets an error naming the first); running the cell "
	  "again in the same kernel replaces the older session. dir defaults to "
	  "review-<classes>-<method>; an existing session in dir for the same classes is "
	  "resumed unless restart=True, which moves it to dir/discarded-<k>. "
	  "rv.plateau() is True when the AUC improved by less than 0.002 over the last 2 "
	  "iterations.", .fn = s_session_new },
	{ .name = "ReviewSession.next", .signature = "()",
	  .doc = "The open batch (drawn if none) as tiles; PNGs and review.csv on disk.",
	  .long_doc = "A warning is printed when more than a quarter of the batch shares one score (the "
	  "ranking does not order those samples). When nothing is left to review it says so "
	  "and returns None; simulate() and apply() accept the empty batch.", .fn = s_session_next },
	{ .name = "ReviewSession.keep", .signature = "(ann_id)",
	  .doc = "Records: the sample(s) of the batch with this annotation id (or list) are right.",
	  .fn = s_session_keep },
	{ .name = "ReviewSession.relabel", .signature = "(ann_id, label)",
	  .doc = "Records: the sample(s) of the batch should be class label (name or index).",
	  .fn = s_session_relabel },
	{ .name = "ReviewSession.remove", .signature = "(ann_id)",
	  .doc = "Records: the sample(s) of the batch should be removed.", .fn = s_session_remove },
	{ .name = "ReviewSession.fix", .signature = "(ann_id, label=None, remove=False)",
	  .doc = "Corrects a sample outside the batch: relabel it, or remove=True; applied with the "
	  "next apply().", .fn = s_session_fix },
	{ .name = "ReviewSession.keep_rest", .signature = "()",
	  .doc = "Records keep for every undecided sample of the batch; returns how many.",
	  .fn = s_session_keep_rest },
	{ .name = "ReviewSession.load_csv", .signature = "(path=None)",
	  .doc = "Records the decisions of an edited review.csv (default: the open batch's).",
	  .long_doc = "Returns the rows per action: {keep, relabel, remove, undecided}. A row with a "
	  "new_label but no relabel action, an unknown action or class, an id that is not in "
	  "the batch, or an id on two rows is an error naming the line; then nothing of the "
	  "file is recorded. After a next() that found nothing left to review, it loads "
	  "nothing and every count is 0.", .fn = s_session_load_csv },
	{ .name = "ReviewSession.simulate", .signature = "(ground_truth_path)",
	  .doc = "The simulated reviewer: answers the open batch from a demo ground_truth.json.",
	  .fn = s_session_simulate },
	{ .name = "ReviewSession.apply", .signature = "(rest=None)",
	  .doc = "Applies the decisions, updates the service, recomputes the AUC: the iteration record.",
	  .long_doc = "Refused while samples of the batch are undecided (the message says how many); "
	  "rest=\"keep\" keeps them. After next() found nothing it changes nothing.",
	  .fn = s_session_apply },
	{ .name = "ReviewSession.plateau", .signature = "()",
	  .doc = "True when the AUC improved by less than the threshold over the last iterations.",
	  .fn = s_session_plateau },
	{ .name = "ReviewSession.plot_auc", .signature = "()",
	  .doc = "AUC across iterations, plateau marked.", .fn = s_session_plot_auc },
	{ .name = "ReviewSession.plot_fixes", .signature = "()",
	  .doc = "Samples relabeled and removed per iteration (their sum is rv.history's fixed).",
	  .fn = s_session_plot_fixes },
	{ .name = "ReviewSession.plot_fix_rate", .signature = "()",
	  .doc = "The percentage of reviewed samples that were fixed, per iteration and overall.",
	  .fn = s_session_plot_fix_rate },
	{ .name = "ReviewSession.plot_found", .signature = "()",
	  .doc = "Errors found across iterations, beside what a random order finds on average.",
	  .long_doc = "Random's expectation is computed, for the simulated reviewer, from the ground truth "
	  "over the same candidates each batch was drawn from.", .fn = s_session_plot_found },
	{ .name = "ReviewSession.gallery", .signature = "(max=60, cols=5)",
	  .doc = "The fixed samples as tiles: old label " S_ARROW " new label, or removed.",
	  .fn = s_session_gallery },
	{ .name = "ReviewSession.export", .signature = "(path)",
	  .doc = "Writes the corrected COCO JSON, then <path>.corrections.csv naming it by its SHA-256.",
	  .fn = s_session_export },
	{ .name = "resume_review", .signature = "(dir, ds=None)",
	  .doc = "Resumes the review session in dir (after a restart or a crash).",
	  .fn = s_resume_review },
	{ .name = NULL }
};
