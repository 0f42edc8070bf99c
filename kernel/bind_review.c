/* Command-language functions of the review loop (entries of the function
 * table): ReviewSession, resume_review. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_data.h"
#include "bind_embed.h"
#include "bind_render.h"
#include "registry.h"

#include "maskclean/image.h"
#include "maskclean/plot.h"
#include "maskclean/render.h"
#include "maskclean/review.h"
#include "maskclean/table.h"

static int s_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

/* Indices (non-negative integers). */
static int s_index_arg(mc_call *call, const char *name, size_t **out, size_t *n, int optional,
                       mc_error *err)
{
	double *d;
	size_t m;
	int rc = mc_arg_numbers(call, name, &d, &m, optional, 1, err);

	*out = NULL;
	*n = 0;
	if (rc || d == NULL)
		return rc;
	*out = malloc((m ? m : 1) * sizeof **out);
	if (*out == NULL) {
		free(d);
		return s_nomem(err);
	}
	for (size_t i = 0; i < m; i++) {
		if (!(d[i] >= 0) || d[i] != floor(d[i]) || d[i] > 9e15) {
			rc = mc_error_set(err, MC_ERR_INVALID, "%s(): %s[%zu] = %g, expected an index >= 0",
			                  mc_call_name(call), name, i, d[i]);
			free(*out);
			*out = NULL;
			free(d);
			return rc;
		}
		(*out)[i] = (size_t)d[i];
	}
	free(d);
	*n = m;
	return 0;
}

static mc_value *s_i64_array(const size_t *v, size_t n)
{
	mc_value *a = mc_array_new(MC_I64, n, 0);
	for (size_t i = 0; a != NULL && i < n; i++)
		mc_array_i64(a)[i] = (int64_t)v[i];
	return a;
}

static mc_value *s_f64_array(const double *v, size_t n)
{
	mc_value *a = mc_array_new(MC_F64, n, 0);
	if (a != NULL && n)
		memcpy(mc_array_f64(a), v, n * sizeof *v);
	return a;
}

/* ---- ReviewSession ---- */

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

static char *s_session_repr(const void *p)
{
	const s_session *s = p;
	const mc_review *rv = s->rv;
	const mc_review_opts *o = mc_review_options(rv);
	size_t nh;
	const mc_review_record *h = mc_review_history(rv, &nh);
	char buf[1024];

	snprintf(buf, sizeof buf, "ReviewSession(dir=\"%s\", class_of_interest=\"%s\", n=%zu, "
	         "method=\"%s\": %zu iterations applied, %zu reviewed, %zu pending actions, AUC "
	         "%.4f%s)", mc_review_dir(rv),
	         mc_coco_class_name(mc_review_dataset(rv), o->class_of_interest), o->n,
	         mc_coreset_method_name(o->method), nh ? nh - 1 : 0, mc_review_n_seen(rv),
	         mc_review_n_pending(rv), nh ? h[nh - 1].auc : NAN,
	         mc_review_plateau(rv) ? ", plateau reached" : "");
	return strdup(buf);
}

/* The history as a table (iteration 0 = baseline). */
static int s_history_table(mc_table **out, const mc_review *rv, mc_error *err)
{
	static const char *const cols[] = { "iteration", "reviewed", "fixed", "removed",
		                            "AUC", "macro AUC", "total reviewed" };
	size_t nh, total = 0;
	const mc_review_record *h = mc_review_history(rv, &nh);
	mc_table *t = NULL;
	int rc = mc_table_new(&t, cols, 7, err);

	*out = NULL;
	if (rc)
		return rc;
	mc_table_set_digits(t, 4, 4);
	mc_table_set_digits(t, 5, 4);
	for (size_t k = 0; rc == 0 && k < nh; k++) {
		size_t r;
		total += h[k].reviewed;
		rc = mc_table_add_row(t, &r, err);
		if (rc == 0)
			rc = mc_table_set_int(t, r, 0, (int64_t)h[k].iteration, err);
		if (rc == 0)
			rc = mc_table_set_int(t, r, 1, (int64_t)h[k].reviewed, err);
		if (rc == 0)
			rc = mc_table_set_int(t, r, 2, (int64_t)h[k].fixed, err);
		if (rc == 0)
			rc = mc_table_set_int(t, r, 3, (int64_t)h[k].removed, err);
		if (rc == 0)
			rc = mc_table_set_float(t, r, 4, h[k].auc, err);
		if (rc == 0)
			rc = mc_table_set_float(t, r, 5, h[k].auc_macro, err);
		if (rc == 0)
			rc = mc_table_set_int(t, r, 6, (int64_t)total, err);
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

static mc_value *s_session_getattr(const void *p, const char *name, mc_error *err)
{
	const s_session *s = p;
	mc_review *rv = s->rv;
	size_t n = mc_review_n_instances(rv), nh;

	if (strcmp(name, "history") == 0) {
		mc_table *t = NULL;
		if (s_history_table(&t, rv, err) != 0)
			return NULL;
		return mc_table_value(t);
	}
	if (strcmp(name, "labels") == 0) {
		mc_value *a = mc_array_new(MC_I64, n, 0);
		if (a)
			memcpy(mc_array_i64(a), mc_review_labels(rv), n * sizeof(int64_t));
		return a;
	}
	if (strcmp(name, "weights") == 0)
		return s_f64_array(mc_review_weights(rv), n);
	if (strcmp(name, "iteration") == 0) {
		mc_review_history(rv, &nh);
		return mc_int((int64_t)(nh ? nh - 1 : 0));
	}
	if (strcmp(name, "batch") == 0) {
		size_t nb;
		const size_t *b = mc_review_batch(rv, &nb);
		return s_i64_array(b, nb);
	}
	if (strcmp(name, "n_seen") == 0)
		return mc_int((int64_t)mc_review_n_seen(rv));
	if (strcmp(name, "n_pending") == 0)
		return mc_int((int64_t)mc_review_n_pending(rv));
	if (strcmp(name, "dir") == 0)
		return mc_str(mc_review_dir(rv));
	if (strcmp(name, "batch_dir") == 0)
		return mc_review_batch_dir(rv) ? mc_str(mc_review_batch_dir(rv)) : mc_none();
	if (strcmp(name, "auc") == 0) {
		const mc_review_record *h = mc_review_history(rv, &nh);
		mc_value *a = mc_array_new(MC_F64, nh, 0);
		for (size_t k = 0; a && k < nh; k++)
			mc_array_f64(a)[k] = h[k].auc;
		return a;
	}
	mc_error_set(err, MC_ERR_NOTFOUND, "ReviewSession has no attribute '%s'", name);
	return NULL;
}

static const char *const s_session_attrs[] = {
	"history", "labels", "weights", "iteration", "batch", "n_seen", "n_pending", "dir",
	"batch_dir", "auc", NULL
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
	"ReviewSession", s_session_free, s_session_repr, NULL, s_session_getattr,
	s_session_attrs, s_session_strings
};

/* A class argument: a name of ds or an index. */
static int s_class_arg(mc_call *call, const char *name, const mc_coco *ds, size_t *out,
                       mc_error *err)
{
	mc_value *v = mc_arg(call, name);

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

static int s_session_value(mc_review *rv, mc_value *ds, mc_value **out, mc_error *err)
{
	s_session *s = calloc(1, sizeof *s);
	if (s == NULL) {
		mc_review_free(rv);
		return s_nomem(err);
	}
	s->rv = rv;
	s->ds = ds ? mc_ref(ds) : NULL;
	*out = mc_object_new(&s_session_class, s);
	return *out ? 0 : s_nomem(err);
}

static int f_session_new(mc_call *call, mc_value **out, mc_error *err)
{
	void *dsp = NULL;
	mc_matrix view, *owned = NULL;
	mc_review_opts o;
	mc_review *rv = NULL;
	const char *dir = "review", *method = "importance";
	int64_t n = 60, folds = 5, seed = 0;
	int restart = 0, images = 1, rc;

	*out = NULL;
	mc_review_opts_default(&o);
	if ((rc = mc_arg_obj(call, "ds", &mc_dataset_class, &dsp, err)) != 0 ||
	    (rc = mc_arg_str(call, "dir", &dir, err)) != 0 ||
	    (rc = mc_arg_int(call, "n", &n, err)) != 0 ||
	    (rc = mc_arg_str(call, "method", &method, err)) != 0 ||
	    (rc = mc_arg_int(call, "folds", &folds, err)) != 0 ||
	    (rc = mc_arg_int(call, "seed", &seed, err)) != 0 ||
	    (rc = mc_arg_bool(call, "restart", &restart, err)) != 0 ||
	    (rc = mc_arg_bool(call, "export_images", &images, err)) != 0)
		return rc;
	if ((rc = s_class_arg(call, "class_of_interest", dsp, &o.class_of_interest, err)) != 0)
		return rc;
	if ((rc = mc_coreset_method_parse(method, &o.method, err)) != 0)
		return rc;
	if (n < 1 || folds < 2)
		return mc_error_set(err, MC_ERR_INVALID, "ReviewSession(): n must be >= 1 and folds "
		                    ">= 2");
	o.dir = dir;
	o.n = (size_t)n;
	o.folds = (size_t)folds;
	o.seed = (uint64_t)seed;
	o.restart = restart;
	o.export_images = images;
	if ((rc = mc_arg_matrix(call, "X", &view, &owned, err)) != 0)
		return rc;
	rc = mc_review_new(&rv, dsp, &view, NULL, NULL, &o, mc_call_progress(call), err);
	mc_matrix_free(owned);
	if (rc)
		return rc;
	return s_session_value(rv, mc_arg(call, "ds"), out, err);
}

static int f_resume_review(mc_call *call, mc_value **out, mc_error *err)
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
	return s_session_value(rv, ds ? dsv : NULL, out, err);
}

/* The captioned grid of the open batch. */
static int s_batch_grid(mc_png **out, mc_review *rv, const size_t *idx, size_t n,
                        mc_error *err)
{
	const mc_coco *ds = mc_review_dataset(rv);
	mc_render_cell *cells = calloc(n, sizeof *cells);
	mc_image **imgs = calloc(n, sizeof *imgs);
	mc_rle **rles = calloc(n, sizeof *rles);
	mc_render_grid_opts go;
	const double *sc = mc_review_batch_scores(rv);
	char title[256];
	size_t nh;
	int rc = 0;

	*out = NULL;
	if (!cells || !imgs || !rles) {
		rc = s_nomem(err);
		goto cleanup;
	}
	for (size_t k = 0; k < n && rc == 0; k++) {
		mc_coco_ann ann;
		char *path = NULL;
		mc_coco_instance(ds, idx[k], &ann);
		rc = mc_coco_image_path(&path, ds, ann.image, err);
		if (rc == 0)
			rc = mc_image_load(&imgs[k], path, err);
		if (rc == 0)
			rc = mc_coco_instance_rle(&rles[k], ds, idx[k], err);
		free(path);
		cells[k].image = imgs[k];
		cells[k].rle = rles[k];
		cells[k].id = ann.id;
		cells[k].label = mc_coco_class_name(ds, (size_t)mc_review_labels(rv)[idx[k]]);
		cells[k].importance = sc ? sc[k] : NAN;
	}
	if (rc)
		goto cleanup;
	memset(&go, 0, sizeof go);
	mc_review_history(rv, &nh);
	snprintf(title, sizeof title, "Iteration %zu: top %zu unseen \"%s\" by %s", nh, n,
	         mc_coco_class_name(ds, mc_review_options(rv)->class_of_interest),
	         mc_coreset_method_name(mc_review_options(rv)->method));
	go.title = title;
	go.cols = 10;
	go.thumb = 96;
	rc = mc_render_grid(out, cells, n, &go, err);
cleanup:
	for (size_t k = 0; imgs && rles && k < n; k++) {
		mc_image_free(imgs[k]);
		mc_rle_free(rles[k]);
	}
	free(cells);
	free(imgs);
	free(rles);
	return rc;
}

static int f_session_next(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const size_t *idx;
	size_t n;
	mc_png *png = NULL;
	char text[512];
	int rc;

	*out = NULL;
	rc = mc_review_next(s->rv, &idx, &n, mc_call_progress(call), err);
	if (rc)
		return rc;
	if (n == 0) {
		*out = mc_str("nothing left to review: every sample of the class has been seen");
		return *out ? 0 : s_nomem(err);
	}
	snprintf(text, sizeof text, "%zu samples to review: images and review.csv in %s", n,
	         mc_review_batch_dir(s->rv));
	rc = s_batch_grid(&png, s->rv, idx, n, err);
	if (rc)
		return rc;
	*out = mc_figure_value(png, text);
	return *out ? 0 : s_nomem(err);
}

static int f_session_act(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const char *name = strchr(mc_call_name(call), '.') + 1;
	size_t *idx = NULL, n = 0, cls = 0;
	mc_review_action a = strcmp(name, "remove") == 0 ? MC_ACT_REMOVE
	                     : strcmp(name, "relabel") == 0 ? MC_ACT_RELABEL : MC_ACT_KEEP;
	int rc;

	*out = NULL;
	if (a == MC_ACT_RELABEL &&
	    (rc = s_class_arg(call, "label", mc_review_dataset(s->rv), &cls, err)) != 0)
		return rc;
	rc = s_index_arg(call, "i", &idx, &n, 0, err);
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = mc_review_act(s->rv, idx[k], a, cls, err);
	free(idx);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int f_session_load_csv(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const char *path = NULL;
	char *def = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str_opt(call, "path", &path, err)) < 0)
		return rc;
	if (path == NULL) {
		const char *b = mc_review_batch_dir(s->rv);
		if (b == NULL)
			return mc_error_set(err, MC_ERR_STATE, "load_csv(): no batch was exported yet; "
			                    "call next() first or give a path");
		def = malloc(strlen(b) + 16);
		if (def == NULL)
			return s_nomem(err);
		sprintf(def, "%s/review.csv", b);
		path = def;
	}
	rc = mc_review_load_csv(s->rv, path, &n, err);
	free(def);
	if (rc == 0)
		*out = mc_int((int64_t)n);
	return rc;
}

static int f_session_simulate(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	const char *path;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "ground_truth_path", &path, err)) != 0)
		return rc;
	rc = mc_review_simulate(s->rv, path, &n, err);
	if (rc == 0)
		*out = mc_int((int64_t)n);
	return rc;
}

static int f_session_apply(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	mc_review_record r;
	mc_value *d;
	int rc;

	*out = NULL;
	rc = mc_review_apply(s->rv, &r, mc_call_progress(call), err);
	if (rc)
		return rc;
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "iteration", mc_int((int64_t)r.iteration)) ||
	    mc_dict_set_str(d, "reviewed", mc_int((int64_t)r.reviewed)) ||
	    mc_dict_set_str(d, "fixed", mc_int((int64_t)r.fixed)) ||
	    mc_dict_set_str(d, "removed", mc_int((int64_t)r.removed)) ||
	    mc_dict_set_str(d, "auc", mc_float(r.auc)) ||
	    mc_dict_set_str(d, "plateau", mc_bool(mc_review_plateau(s->rv)))) {
		mc_unref(d);
		return s_nomem(err);
	}
	*out = d;
	return 0;
}

static int f_session_plateau(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	*out = mc_bool(mc_review_plateau(s->rv));
	return *out ? 0 : s_nomem(err);
}

static int f_session_plot(mc_call *call, mc_value **out, mc_error *err)
{
	s_session *s = mc_call_self_ptr(call);
	size_t nh;
	const mc_review_record *h = mc_review_history(s->rv, &nh);
	const mc_review_opts *o = mc_review_options(s->rv);
	const char *cname = mc_coco_class_name(mc_review_dataset(s->rv), o->class_of_interest);
	int auc = strstr(mc_call_name(call), "plot_auc") != NULL, rc;
	double *x = malloc((nh + 1) * sizeof *x), *y = malloc(2 * (nh + 1) * sizeof *y);
	mc_plot_opts po;
	mc_png *png = NULL;
	char title[200], mark_text[64];

	*out = NULL;
	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		return s_nomem(err);
	}
	mc_plot_opts_init(&po);
	if (auc) {
		mc_plot_series ser = { x, y, 0, cname };
		mc_plot_mark mark = { 0, 0, mark_text };
		size_t m = 0, plateau_at = (size_t)-1;
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
		snprintf(title, sizeof title, "AUC of \"%s\" across iterations (%zu-fold)", cname,
		         o->folds);
		po.title = title;
		po.xlabel = "Iteration";
		po.ylabel = "AUC";
		if (m == 0) {
			free(x);
			free(y);
			return mc_error_set(err, MC_ERR_STATE, "plot_auc(): no AUC was computed yet");
		}
		if (plateau_at != (size_t)-1) {
			mark.index = plateau_at;
			snprintf(mark_text, sizeof mark_text, "plateau (iteration %.0f)", x[plateau_at]);
		}
		rc = mc_plot_line(&png, &ser, 1, plateau_at != (size_t)-1 ? &mark : NULL, &po, err);
	} else {
		static const char *const stack[] = { "relabeled", "removed" };
		char **labels = calloc(nh ? nh : 1, sizeof *labels);
		size_t m = nh > 0 ? nh - 1 : 0;
		if (labels == NULL || m == 0) {
			free(labels);
			free(x);
			free(y);
			return m == 0 ? mc_error_set(err, MC_ERR_STATE, "plot_fixes(): no iteration was "
			                             "applied yet") : s_nomem(err);
		}
		for (size_t k = 0; k < m; k++) {
			char b[24];
			snprintf(b, sizeof b, "%zu", h[k + 1].iteration);
			labels[k] = strdup(b);
			y[k] = (double)h[k + 1].fixed;
			y[m + k] = (double)h[k + 1].removed;
		}
		snprintf(title, sizeof title, "Samples fixed per iteration (\"%s\", %zu reviewed each)",
		         cname, o->n);
		po.title = title;
		po.xlabel = "Iteration";
		po.ylabel = "Samples";
		rc = mc_plot_bar(&png, (const char *const *)labels, m, y, 2, stack, &po, err);
		for (size_t k = 0; k < m; k++)
			free(labels[k]);
		free(labels);
	}
	free(x);
	free(y);
	if (rc)
		return rc;
	*out = mc_figure_value(png, auc ? "AUC across iterations" : "samples fixed per iteration");
	return *out ? 0 : s_nomem(err);
}

static int f_session_export(mc_call *call, mc_value **out, mc_error *err)
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
	{ "ReviewSession",
	  "(ds, X, class_of_interest=\"orange\", dir=\"review\", n=60, method=\"importance\", "
	  "folds=5, seed=0, restart=false, export_images=true)",
	  "The article's cleaning loop over a dataset and a class of interest.",
	  "Each iteration: rv.next() shows the top n unseen samples of the class (and writes one "
	  "PNG per sample plus review.csv to dir/iter_NNN); record actions with rv.keep(i), "
	  "rv.relabel(i, \"apple\"), rv.remove(i) or rv.load_csv(); rv.apply() applies them, "
	  "updates the coreset service, recomputes the K-fold AUC and appends to rv.history. "
	  "Every action is journaled (fsync'd) in dir before the call returns: after a restart "
	  "resume_review(dir) restores the session exactly. rv.plateau() is true when the AUC "
	  "of the class improved by less than 0.002 over the last 2 iterations. An existing "
	  "session in dir for the same data is resumed unless restart=true.", f_session_new },
	{ "ReviewSession.next", "()",
	  "The open batch (drawn if none): a captioned grid; PNGs and review.csv on disk.", NULL,
	  f_session_next },
	{ "ReviewSession.keep", "(i)", "Records: instance i (or a list) is right.", NULL,
	  f_session_act },
	{ "ReviewSession.relabel", "(i, label)",
	  "Records: instance i (or a list) should be class label (name or index).", NULL,
	  f_session_act },
	{ "ReviewSession.remove", "(i)", "Records: instance i (or a list) should be removed.",
	  NULL, f_session_act },
	{ "ReviewSession.load_csv", "(path=none)",
	  "Records the actions of an edited review.csv (default: the open batch's); returns how "
	  "many.", NULL, f_session_load_csv },
	{ "ReviewSession.simulate", "(ground_truth_path)",
	  "The simulated reviewer: answers the open batch from a demo ground_truth.json.", NULL,
	  f_session_simulate },
	{ "ReviewSession.apply", "()",
	  "Applies the actions, updates the service, recomputes the AUC: the iteration record.",
	  NULL, f_session_apply },
	{ "ReviewSession.plateau", "()",
	  "True when the AUC improved by less than the threshold over the last iterations.", NULL,
	  f_session_plateau },
	{ "ReviewSession.plot_auc", "()", "AUC across iterations, plateau marked.", NULL,
	  f_session_plot },
	{ "ReviewSession.plot_fixes", "()", "Samples relabeled and removed per iteration.", NULL,
	  f_session_plot },
	{ "ReviewSession.export", "(path)",
	  "Writes the corrected COCO JSON and <path>.corrections.csv.", NULL, f_session_export },
	{ "resume_review", "(dir, ds=none)",
	  "Resumes the review session in dir (after a restart or a crash).", NULL,
	  f_resume_review },
	{ NULL, NULL, NULL, NULL, NULL }
};
