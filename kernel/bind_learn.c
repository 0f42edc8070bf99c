/* Command-language functions of the learn area (entries of the function
 * table): PCA, train_test_split, LogisticRegression, cross_val_predict,
 * confusion_matrix (ConfusionMatrix objects shown as heatmaps, with the
 * pick of the class to clean), classification_report, roc_auc,
 * cross_val_auc and accuracy_score. */
#include "registry.h"
#include "bind_embed.h"
#include "bind_mpi.h"
#include "bind_render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/logreg.h"
#include "maskclean/matrix.h"
#include "maskclean/metrics.h"
#include "maskclean/pca.h"
#include "maskclean/plot.h"
#include "maskclean/split.h"
#include "maskclean/table.h"

/* ---- argument conversion ---- */

/* Optional per-sample weights (none: *out = NULL) of exactly n entries. */
static int s_weights_arg(mc_call *call, const char *name, size_t n, double **out,
                         mc_error *err)
{
	mc_value *v = mc_arg(call, name);
	size_t m;
	int rc;

	*out = NULL;
	if (v == NULL || mc_type(v) == MC_T_NONE)
		return 0;
	rc = mc_arg_numbers(call, name, out, &m, 0, 0, err);
	if (rc != 0)
		return rc;
	if (m != n) {
		free(*out);
		*out = NULL;
		return mc_error_set(err, MC_ERR_SHAPE, "%s(): %s has %zu entries, expected %zu",
		                    mc_call_name(call), name, m, n);
	}
	return 0;
}

static int s_same_len(mc_call *call, const char *a, size_t na, const char *b, size_t nb,
                      mc_error *err)
{
	if (na == nb)
		return 0;
	return mc_error_set(err, MC_ERR_SHAPE, "%s(): %s has %zu rows but %s has %zu",
	                    mc_call_name(call), a, na, b, nb);
}

/* y and the optional sample_weight (X read elsewhere: on a cluster it stays
 * in its file). On failure nothing is left to free. */
static int s_yw_args(mc_call *call, int64_t **y, size_t *n, double **w, mc_error *err)
{
	int rc = mc_arg_labels(call, "y", y, n, err);

	*w = NULL;
	if (rc == 0)
		rc = s_weights_arg(call, "sample_weight", *n, w, err);
	if (rc != 0) {
		free(*y);
		*y = NULL;
	}
	return rc;
}

/* X (rows), y (one label per row) and the optional sample_weight. On
 * failure nothing is left to free. */
static int s_xyw_args(mc_call *call, mc_matrix *X, mc_matrix **owned, int64_t **y, size_t *n,
                      double **w, mc_error *err)
{
	int rc = mc_arg_matrix(call, "X", X, owned, err);

	*y = NULL;
	*w = NULL;
	*n = 0;
	if (rc == 0)
		rc = s_yw_args(call, y, n, w, err);
	if (rc == 0)
		rc = s_same_len(call, "X", X->rows, "y", *n, err);
	if (rc != 0) {
		mc_matrix_free(*owned);
		*owned = NULL;
		free(*y);
		*y = NULL;
		free(*w);
		*w = NULL;
	}
	return rc;
}

static size_t s_n_classes(const int64_t *y, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if ((size_t)y[i] + 1 > k)
			k = (size_t)y[i] + 1;
	return k;
}

/* Values made from runtime data. */
static mc_value *s_array_from(const double *x, size_t n)
{
	mc_value *a = mc_array_new(MC_F64, n, 0);

	if (a != NULL && n > 0)
		memcpy(mc_array_f64(a), x, n * sizeof *x);
	return a;
}

static mc_value *s_int_array_from(const int64_t *x, size_t n)
{
	mc_value *a = mc_array_new(MC_I64, n, 0);

	if (a != NULL && n > 0)
		memcpy(mc_array_i64(a), x, n * sizeof *x);
	return a;
}

static char *s_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

/* ---- PCA ---- */

static void s_pca_free(void *p)
{
	mc_pca_free(p);
}

static char *s_pca_repr(const void *p)
{
	const mc_pca *pca = p;
	const mc_pca_params *pp = mc_pca_params_of(pca);
	const mc_pca_model *m = mc_pca_model_of(pca);
	const char *solver = pp->solver == MC_PCA_EXACT ? "exact" : "randomized";
	char buf[256];

	if (m != NULL) {
		double tot = 0.0;
		for (size_t c = 0; c < m->k; c++)
			tot += m->evr[c];
		snprintf(buf, sizeof buf,
		         "PCA(n_components=%zu, solver=\"%s\") fitted on %zu x %zu, explains %.2f%% "
		         "of the variance", pp->n_components, solver, m->n, m->d, 100.0 * tot);
	} else {
		snprintf(buf, sizeof buf, "PCA(n_components=%zu, solver=\"%s\") (not fitted)",
		         pp->n_components, solver);
	}
	return s_strdup(buf);
}

/* The fitted model behind self, or NULL with "PCA is not fitted yet". */
static const mc_pca_model *s_pca_model(mc_value *self, mc_error *err)
{
	const mc_pca_model *m = mc_pca_model_of(mc_object_ptr(self));

	if (m == NULL)
		mc_error_set(err, MC_ERR_STATE, "PCA is not fitted yet; call fit(X) first");
	return m;
}

static mc_value *s_pca_n_components(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_pca_params_of(mc_object_ptr(self))->n_components);
}

static mc_value *s_pca_components(mc_value *self, mc_error *err)
{
	const mc_pca_model *m = s_pca_model(self, err);

	return m != NULL ? mc_array_from_matrix(m->components) : NULL;
}

static mc_value *s_pca_mean(mc_value *self, mc_error *err)
{
	const mc_pca_model *m = s_pca_model(self, err);

	return m != NULL ? s_array_from(m->mean, m->d) : NULL;
}

static mc_value *s_pca_explained_variance(mc_value *self, mc_error *err)
{
	const mc_pca_model *m = s_pca_model(self, err);

	return m != NULL ? s_array_from(m->ev, m->k) : NULL;
}

static mc_value *s_pca_explained_variance_ratio(mc_value *self, mc_error *err)
{
	const mc_pca_model *m = s_pca_model(self, err);

	return m != NULL ? s_array_from(m->evr, m->k) : NULL;
}

static mc_value *s_pca_n_features_in(mc_value *self, mc_error *err)
{
	const mc_pca_model *m = s_pca_model(self, err);

	return m != NULL ? mc_int((int64_t)m->d) : NULL;
}

static mc_value *s_pca_n_samples(mc_value *self, mc_error *err)
{
	const mc_pca_model *m = s_pca_model(self, err);

	return m != NULL ? mc_int((int64_t)m->n) : NULL;
}

static const mc_attr_def s_pca_attrs[] = {
	{ .name = "n_components", .doc = "components asked for", .get = s_pca_n_components },
	{ .name = "components_", .doc = "the principal axes, one row each (after fit)", .get = s_pca_components },
	{ .name = "mean_", .doc = "the mean of each feature (after fit)", .get = s_pca_mean },
	{ .name = "explained_variance_", .doc = "the variance along each component (after fit)",
	  .get = s_pca_explained_variance },
	{ .name = "explained_variance_ratio_", .doc = "each component's share of the total variance (after fit)",
	  .get = s_pca_explained_variance_ratio },
	{ .name = "n_features_in_", .doc = "features of the data fitted", .get = s_pca_n_features_in },
	{ .name = "n_samples_", .doc = "samples of the data fitted", .get = s_pca_n_samples },
	{ .name = NULL }
};

static const mc_class s_pca_class = {
	.name = "PCA", .free = s_pca_free, .repr = s_pca_repr, .attributes = s_pca_attrs
};

static int s_pca_new(mc_call *call, mc_value **out, mc_error *err)
{
	mc_pca_params p;
	mc_pca *pca = NULL;
	int64_t k, seed;
	const char *solver;
	int rc;

	mc_pca_params_init(&p);
	if ((rc = mc_arg_int(call, "n_components", &k, err)) != 0 ||
	    (rc = mc_arg_str(call, "solver", &solver, err)) != 0 ||
	    (rc = mc_arg_int(call, "seed", &seed, err)) != 0)
		return rc;
	if (k < 1)
		return mc_error_set(err, MC_ERR_INVALID, "PCA(): n_components is %lld; expected >= 1",
		                    (long long)k);
	if (strcmp(solver, "exact") == 0 || strcmp(solver, "full") == 0)
		p.solver = MC_PCA_EXACT;
	else if (strcmp(solver, "randomized") == 0)
		p.solver = MC_PCA_RANDOMIZED;
	else
		return mc_error_set(err, MC_ERR_INVALID,
		                    "PCA(): unknown solver \"%s\"; expected \"exact\" or \"randomized\"",
		                    solver);
	p.n_components = (size_t)k;
	p.seed = (uint64_t)seed;
	rc = mc_pca_new(&pca, &p, err);
	if (rc != 0)
		return rc;
	*out = mc_object_new(&s_pca_class, pca);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* A float32 Embeddings file is streamed in chunks (never copied whole), and
 * reduced in single precision. */
static int s_stream_source(mc_call *call, const char *name, mc_rows *src)
{
	const mc_npy *npy = mc_embeddings_npy(mc_arg(call, name));

	if (npy == NULL || mc_npy_dtype_of(npy) != MC_NPY_F4)
		return 0;
	src->rows = mc_npy_rows(npy);
	src->cols = mc_npy_cols(npy);
	src->read = mc_npy_stream_rows;
	src->ctx = npy;
	src->single = 1;
	return 1;
}

static int s_pca_fit_common(mc_call *call, mc_value **out, int transform, mc_error *err)
{
	mc_pca *pca = mc_call_self_ptr(call);
	mc_matrix X, *owned = NULL, *scores = NULL;
	const mc_progress *prog = mc_call_progress(call);
	const mc_cluster *c = NULL;
	mc_rows src;
	int rc;

	if ((rc = mc_arg_cluster(call, "mpi", &c, err)) != 0)
		return rc;
	if (c != NULL)
		rc = mc_mpi_pca_fit(pca, mc_arg(call, "X"), c, transform ? &scores : NULL, prog, err);
	else if (s_stream_source(call, "X", &src))
		rc = transform ? mc_pca_fit_transform_rows(&scores, pca, &src, prog, err)
		               : mc_pca_fit_rows(pca, &src, prog, err);
	else if ((rc = mc_arg_matrix(call, "X", &X, &owned, err)) == 0)
		rc = transform ? mc_pca_fit_transform(&scores, pca, &X, prog, err)
		               : mc_pca_fit(pca, &X, prog, err);
	mc_matrix_free(owned);
	if (rc != 0)
		return rc;
	if (transform) {
		*out = mc_array_from_matrix(scores);
		mc_matrix_free(scores);
	} else {
		*out = mc_ref(mc_call_self(call));
	}
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_pca_fit(mc_call *call, mc_value **out, mc_error *err)
{
	return s_pca_fit_common(call, out, 0, err);
}

static int s_pca_fit_transform(mc_call *call, mc_value **out, mc_error *err)
{
	return s_pca_fit_common(call, out, 1, err);
}

static int s_pca_transform(mc_call *call, mc_value **out, mc_error *err)
{
	mc_matrix X, *owned = NULL, *scores = NULL;
	const mc_cluster *c = NULL;
	mc_rows src;
	int rc;

	if ((rc = mc_arg_cluster(call, "mpi", &c, err)) != 0)
		return rc;
	if (c != NULL)
		rc = mc_mpi_pca_transform(&scores, mc_call_self_ptr(call), mc_arg(call, "X"), c,
		                          mc_call_progress(call), err);
	else if (s_stream_source(call, "X", &src))
		rc = mc_pca_transform_rows(&scores, mc_call_self_ptr(call), &src,
		                           mc_call_progress(call), err);
	else if ((rc = mc_arg_matrix(call, "X", &X, &owned, err)) == 0)
		rc = mc_pca_transform(&scores, mc_call_self_ptr(call), &X, mc_call_progress(call),
		                      err);
	mc_matrix_free(owned);
	if (rc != 0)
		return rc;
	*out = mc_array_from_matrix(scores);
	mc_matrix_free(scores);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* ---- train_test_split ---- */

static mc_value *s_gather_value(const mc_matrix *X, const size_t *idx, size_t n, mc_error *err)
{
	mc_matrix *g = NULL;
	mc_value *v;

	if (mc_matrix_gather_rows(&g, X, idx, n, err) != 0)
		return NULL;
	v = mc_array_from_matrix(g);
	mc_matrix_free(g);
	if (v == NULL)
		mc_error_nomem(err);
	return v;
}

static int s_train_test_split(mc_call *call, mc_value **out, mc_error *err)
{
	mc_matrix X, *owned = NULL;
	int64_t *y = NULL, *ys = NULL;
	size_t n = 0, *tr = NULL, *te = NULL, ntr = 0, nte = 0;
	double test_size;
	int64_t seed;
	mc_value *list = NULL, *parts[4] = { NULL, NULL, NULL, NULL };
	int rc;

	*out = NULL;
	if ((rc = mc_arg_float(call, "test_size", &test_size, err)) != 0 ||
	    (rc = mc_arg_int(call, "seed", &seed, err)) != 0)
		return rc;
	rc = mc_arg_matrix(call, "X", &X, &owned, err);
	if (rc == 0)
		rc = mc_arg_labels(call, "y", &y, &n, err);
	if (rc == 0)
		rc = s_same_len(call, "X", X.rows, "y", n, err);
	if (rc == 0)
		rc = mc_split_train_test(&tr, &ntr, &te, &nte, y, NULL, n, s_n_classes(y, n),
		                         test_size, (uint64_t)seed, err);
	if (rc != 0)
		goto cleanup;
	parts[0] = s_gather_value(&X, tr, ntr, err);
	parts[1] = s_gather_value(&X, te, nte, err);
	parts[2] = mc_array_new(MC_I64, ntr, 0);
	parts[3] = mc_array_new(MC_I64, nte, 0);
	list = mc_list_new();
	if (parts[0] == NULL || parts[1] == NULL || parts[2] == NULL || parts[3] == NULL ||
	    list == NULL) {
		rc = err->code != 0 ? err->code : mc_error_nomem(err);
		goto cleanup;
	}
	ys = mc_array_i64(parts[2]);
	for (size_t i = 0; i < ntr; i++)
		ys[i] = y[tr[i]];
	ys = mc_array_i64(parts[3]);
	for (size_t i = 0; i < nte; i++)
		ys[i] = y[te[i]];
	for (int i = 0; i < 4; i++) {
		if (mc_list_append(list, parts[i]) != 0) {
			parts[i] = NULL;
			rc = mc_error_nomem(err);
			goto cleanup;
		}
		parts[i] = NULL;
	}
	*out = list;
	list = NULL;
cleanup:
	for (int i = 0; i < 4; i++)
		mc_unref(parts[i]);
	mc_unref(list);
	mc_matrix_free(owned);
	free(y);
	free(tr);
	free(te);
	return rc;
}

/* ---- LogisticRegression ---- */

typedef struct s_lr {
	mc_logreg *lr;
	mc_logreg_params p;
	mc_value *cw_dict;   /* the class_weight dict, or NULL */
} s_lr;

static void s_lr_free(void *p)
{
	s_lr *l = p;

	if (l == NULL)
		return;
	mc_logreg_free(l->lr);
	mc_unref(l->cw_dict);
	free(l);
}

static char *s_lr_repr(const void *p)
{
	const s_lr *l = p;
	char buf[320];
	const char *cw = l->p.class_weight == MC_CW_BALANCED ? "\"balanced\""
	                 : l->p.class_weight == MC_CW_DICT   ? "{...}"
	                                                       : "None";
	int n = snprintf(buf, sizeof buf, "LogisticRegression(C=%g, class_weight=%s, max_iter=%zu, "
	                 "tol=%g%s)", l->p.C, cw, l->p.max_iter, l->p.tol,
	                 l->p.warm_start ? ", warm_start=True" : "");

	if (n > 0 && (size_t)n < sizeof buf) {
		if (l->lr != NULL && mc_logreg_fitted(l->lr))
			snprintf(buf + n, sizeof buf - (size_t)n,
			         " fitted: %zu classes, %zu features, %zu iterations%s",
			         mc_logreg_n_classes(l->lr), mc_logreg_n_features(l->lr),
			         mc_logreg_n_iter(l->lr),
			         mc_logreg_converged(l->lr) ? "" : " (max_iter reached)");
		else
			snprintf(buf + n, sizeof buf - (size_t)n, " (not fitted)");
	}
	return s_strdup(buf);
}

static mc_value *s_lr_C(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_float(((const s_lr *)mc_object_ptr(self))->p.C);
}

static mc_value *s_lr_max_iter(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)((const s_lr *)mc_object_ptr(self))->p.max_iter);
}

static mc_value *s_lr_tol(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_float(((const s_lr *)mc_object_ptr(self))->p.tol);
}

/* The fitted model behind self, or NULL with "not fitted yet". */
static const mc_logreg *s_lr_model(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = ((const s_lr *)mc_object_ptr(self))->lr;

	if (lr == NULL || !mc_logreg_fitted(lr)) {
		mc_error_set(err, MC_ERR_STATE, "LogisticRegression is not fitted yet; call fit(X, y) first");
		return NULL;
	}
	return lr;
}

static mc_value *s_lr_coef(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = s_lr_model(self, err);

	return lr != NULL ? mc_array_from_matrix(mc_logreg_coef(lr)) : NULL;
}

static mc_value *s_lr_intercept(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = s_lr_model(self, err);

	return lr != NULL ? s_array_from(mc_logreg_intercept(lr), mc_logreg_n_classes(lr)) : NULL;
}

static mc_value *s_lr_classes(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = s_lr_model(self, err);
	mc_value *a = lr != NULL ? mc_array_new(MC_I64, mc_logreg_n_classes(lr), 0) : NULL;

	for (size_t c = 0; a != NULL && c < mc_logreg_n_classes(lr); c++)
		mc_array_i64(a)[c] = (int64_t)c;
	return a;
}

static mc_value *s_lr_n_iter(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = s_lr_model(self, err);

	return lr != NULL ? mc_int((int64_t)mc_logreg_n_iter(lr)) : NULL;
}

static mc_value *s_lr_n_features_in(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = s_lr_model(self, err);

	return lr != NULL ? mc_int((int64_t)mc_logreg_n_features(lr)) : NULL;
}

static mc_value *s_lr_objective(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = s_lr_model(self, err);

	return lr != NULL ? mc_float(mc_logreg_final_objective(lr)) : NULL;
}

static mc_value *s_lr_converged(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = s_lr_model(self, err);

	return lr != NULL ? mc_bool(mc_logreg_converged(lr)) : NULL;
}

static const mc_attr_def s_lr_attrs[] = {
	{ .name = "C", .doc = "inverse regularisation strength", .get = s_lr_C },
	{ .name = "max_iter", .doc = "iterations at most", .get = s_lr_max_iter },
	{ .name = "tol", .doc = "the gradient tolerance that stops the fit", .get = s_lr_tol },
	{ .name = "coef_", .doc = "weights, one row per class (after fit)", .get = s_lr_coef },
	{ .name = "intercept_", .doc = "the bias of each class (after fit)", .get = s_lr_intercept },
	{ .name = "classes_", .doc = "the class indices 0..K-1 (after fit)", .get = s_lr_classes },
	{ .name = "n_iter_", .doc = "iterations the fit took", .get = s_lr_n_iter },
	{ .name = "n_features_in_", .doc = "features of the data fitted", .get = s_lr_n_features_in },
	{ .name = "objective_", .doc = "the final value of the objective", .get = s_lr_objective },
	{ .name = "converged_", .doc = "True if the fit met tol before max_iter", .get = s_lr_converged },
	{ .name = NULL }
};

static const mc_class s_lr_class = {
	.name = "LogisticRegression", .free = s_lr_free, .repr = s_lr_repr, .attributes = s_lr_attrs
};

/* Reads C, class_weight, max_iter, tol (and warm_start if asked) into p;
 * a class_weight dict is returned in *dict (new reference). */
static int s_lr_params(mc_call *call, mc_logreg_params *p, mc_value **dict, int warm,
                       mc_error *err)
{
	mc_value *cw = mc_arg(call, "class_weight");
	int64_t max_iter;
	int rc;

	mc_logreg_params_init(p);
	*dict = NULL;
	if ((rc = mc_arg_float(call, "C", &p->C, err)) != 0 ||
	    (rc = mc_arg_int(call, "max_iter", &max_iter, err)) != 0 ||
	    (rc = mc_arg_float(call, "tol", &p->tol, err)) != 0)
		return rc;
	if (warm && (rc = mc_arg_bool(call, "warm_start", &p->warm_start, err)) != 0)
		return rc;
	if (max_iter < 1)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): max_iter is %lld; expected >= 1",
		                    mc_call_name(call), (long long)max_iter);
	p->max_iter = (size_t)max_iter;
	if (cw == NULL || mc_type(cw) == MC_T_NONE) {
		p->class_weight = MC_CW_NONE;
	} else if (mc_type(cw) == MC_T_STR && strcmp(mc_as_str(cw), "balanced") == 0) {
		p->class_weight = MC_CW_BALANCED;
	} else if (mc_type(cw) == MC_T_DICT) {
		for (size_t i = 0; i < mc_dict_len(cw); i++) {
			mc_value *k = mc_dict_key(cw, i), *v = mc_dict_value(cw, i);
			if (mc_type(k) != MC_T_INT || mc_as_int(k) < 0 ||
			    (mc_type(v) != MC_T_INT && mc_type(v) != MC_T_FLOAT))
				return mc_error_set(err, MC_ERR_INVALID,
				                    "%s(): class_weight keys must be class indices (int "
				                    ">= 0) and values numbers", mc_call_name(call));
		}
		p->class_weight = MC_CW_DICT;
		*dict = mc_ref(cw);
	} else {
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s(): class_weight must be None, \"balanced\" or a dict "
		                    "{class: weight}", mc_call_name(call));
	}
	{
		/* checks C and tol now, so a bad value fails at construction */
		mc_logreg_params check = *p;
		mc_logreg *probe = NULL;
		check.class_weight = MC_CW_NONE;
		rc = mc_logreg_new(&probe, &check, err);
		mc_logreg_free(probe);
		if (rc != 0) {
			mc_unref(*dict);
			*dict = NULL;
		}
	}
	return rc;
}

/* The class weight array of a dict for k classes (missing: 1). */
static double *s_dict_weights(mc_value *dict, size_t *k)
{
	double *w;

	for (size_t i = 0; i < mc_dict_len(dict); i++)
		if ((size_t)mc_as_int(mc_dict_key(dict, i)) + 1 > *k)
			*k = (size_t)mc_as_int(mc_dict_key(dict, i)) + 1;
	w = malloc(*k * sizeof *w);
	if (w == NULL)
		return NULL;
	for (size_t c = 0; c < *k; c++)
		w[c] = 1.0;
	for (size_t i = 0; i < mc_dict_len(dict); i++)
		w[mc_as_int(mc_dict_key(dict, i))] = mc_as_float(mc_dict_value(dict, i));
	return w;
}

/* The class count of labels y and, for a class_weight dict, the weights
 * (*cw, caller frees) that p points to. */
static int s_classes_of(mc_logreg_params *p, double **cw, mc_value *dict,
                        const int64_t *y, size_t n, mc_error *err)
{
	*cw = NULL;
	p->n_classes = s_n_classes(y, n);
	if (dict == NULL)
		return 0;
	*cw = s_dict_weights(dict, &p->n_classes);
	if (*cw == NULL)
		return mc_error_nomem(err);
	p->class_weights = *cw;
	return 0;
}

static int s_lr_new(mc_call *call, mc_value **out, mc_error *err)
{
	s_lr *l = calloc(1, sizeof *l);
	int rc;

	if (l == NULL)
		return mc_error_nomem(err);
	rc = s_lr_params(call, &l->p, &l->cw_dict, 1, err);
	if (rc != 0) {
		free(l);
		return rc;
	}
	*out = mc_object_new(&s_lr_class, l);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_lr_fit(mc_call *call, mc_value **out, mc_error *err)
{
	s_lr *l = mc_call_self_ptr(call);
	mc_matrix X, *owned = NULL;
	int64_t *y = NULL;
	double *w = NULL, *cw = NULL;
	size_t n = 0;
	mc_logreg_params p = l->p;
	mc_logreg *fresh = NULL;
	const mc_cluster *c = NULL;
	int rc;

	if ((rc = mc_arg_cluster(call, "mpi", &c, err)) != 0)
		return rc;
	/* on a cluster, X stays where it is (its file, or one written for the
	 * ranks): only y and the weights are read here */
	rc = c != NULL ? s_yw_args(call, &y, &n, &w, err)
	               : s_xyw_args(call, &X, &owned, &y, &n, &w, err);
	if (rc != 0)
		goto cleanup;
	rc = s_classes_of(&p, &cw, l->cw_dict, y, n, err);
	if (rc != 0)
		goto cleanup;
	if (c != NULL) {
		rc = mc_logreg_new(&fresh, &p, err);
		if (rc == 0)
			rc = mc_mpi_logreg_fit(fresh, mc_arg(call, "X"), y, w, n, c,
			                       mc_call_progress(call), err);
		if (rc == 0) {
			mc_logreg_free(l->lr);
			l->lr = fresh;
			fresh = NULL;
		}
	/* a model keeps its parameters; a warm start needs the same class count */
	} else if (l->lr != NULL && l->p.warm_start && mc_logreg_fitted(l->lr) &&
	    mc_logreg_n_classes(l->lr) == p.n_classes && cw == NULL) {
		rc = mc_logreg_fit(l->lr, &X, y, w, mc_call_progress(call), err);
	} else {
		rc = mc_logreg_new(&fresh, &p, err);
		if (rc == 0)
			rc = mc_logreg_fit(fresh, &X, y, w, mc_call_progress(call), err);
		if (rc == 0) {
			mc_logreg_free(l->lr);
			l->lr = fresh;
			fresh = NULL;
		}
	}
	if (rc == 0)
		rc = mc_call_return(out, mc_ref(mc_call_self(call)), err);
cleanup:
	mc_logreg_free(fresh);
	mc_matrix_free(owned);
	free(y);
	free(w);
	free(cw);
	return rc;
}

static int s_lr_fitted(mc_call *call, const s_lr **l, mc_error *err)
{
	*l = mc_call_self_ptr(call);
	if ((*l)->lr == NULL || !mc_logreg_fitted((*l)->lr))
		return mc_error_set(err, MC_ERR_STATE,
		                    "LogisticRegression is not fitted yet; call fit(X, y) first");
	return 0;
}

/* what: 0 predict, 1 predict_proba, 2 decision_function */
static int s_lr_apply(mc_call *call, mc_value **out, int what, mc_error *err)
{
	const s_lr *l;
	mc_matrix X, *owned = NULL, *res = NULL;
	int64_t *pred = NULL;
	int rc;

	rc = s_lr_fitted(call, &l, err);
	if (rc == 0)
		rc = mc_arg_matrix(call, "X", &X, &owned, err);
	if (rc == 0) {
		if (what == 0)
			rc = mc_logreg_predict(&pred, l->lr, &X, err);
		else if (what == 1)
			rc = mc_logreg_proba(&res, l->lr, &X, err);
		else
			rc = mc_logreg_decision(&res, l->lr, &X, err);
	}
	if (rc == 0)
		rc = mc_call_return(out, what == 0 ? s_int_array_from(pred, X.rows) : mc_array_from_matrix(res), err);
	mc_matrix_free(owned);
	mc_matrix_free(res);
	free(pred);
	return rc;
}

static int s_lr_predict(mc_call *call, mc_value **out, mc_error *err)
{
	return s_lr_apply(call, out, 0, err);
}

static int s_lr_proba(mc_call *call, mc_value **out, mc_error *err)
{
	return s_lr_apply(call, out, 1, err);
}

static int s_lr_decision(mc_call *call, mc_value **out, mc_error *err)
{
	return s_lr_apply(call, out, 2, err);
}

static int s_lr_score(mc_call *call, mc_value **out, mc_error *err)
{
	const s_lr *l;
	mc_matrix X, *owned = NULL;
	int64_t *y = NULL;
	double *w = NULL, acc = 0.0;
	size_t n = 0;
	int rc;

	rc = s_lr_fitted(call, &l, err);
	if (rc == 0)
		rc = s_xyw_args(call, &X, &owned, &y, &n, &w, err);
	if (rc == 0)
		rc = mc_logreg_score(&acc, l->lr, &X, y, w, err);
	if (rc == 0)
		rc = mc_call_return(out, mc_float(acc), err);
	mc_matrix_free(owned);
	free(y);
	free(w);
	return rc;
}

/* ---- confusion matrix ---- */

typedef struct s_cm {
	mc_confusion *cm;
	char **names;        /* k class names */
	int show_empty;      /* keep classes without samples on the heatmap's axes */
} s_cm;

/* The minimum support of a pair's true class for pick_class and pairs. */
#define S_MIN_SUPPORT 10

static void s_cm_free(void *p)
{
	s_cm *c = p;

	if (c == NULL)
		return;
	if (c->names != NULL)
		for (size_t i = 0; i < c->cm->k; i++)
			free(c->names[i]);
	free(c->names);
	mc_confusion_free(c->cm);
	free(c);
}

/* Samples labelled t (the support of row t) and predicted as p. */
static double s_cm_row(const mc_confusion *cm, size_t t)
{
	double s = 0;

	for (size_t p = 0; p < cm->k; p++)
		s += cm->counts[t * cm->k + p];
	return s;
}

static double s_cm_col(const mc_confusion *cm, size_t p)
{
	double s = 0;

	for (size_t t = 0; t < cm->k; t++)
		s += cm->counts[t * cm->k + p];
	return s;
}

/* A class is shown when it has samples or predictions (or show_empty). */
static int s_cm_shown(const s_cm *c, size_t k)
{
	return c->show_empty || s_cm_row(c->cm, k) > 0 || s_cm_col(c->cm, k) > 0;
}

/* The candidate pairs as a table: the first max pairs in rule order. */
static int s_pairs_table(mc_table **out, const s_cm *c, mc_pick_rule rule, double min_support,
                         size_t max, mc_error *err)
{
	static const char *const cols[7] = { "true (labelled)", "predicted", "count", "support",
		                             "rate", "expected wrong labels", "note" };
	mc_confusion_pair *v = NULL;
	mc_table *t = NULL;
	size_t n = 0, row;
	int rc;

	*out = NULL;
	rc = mc_confusion_pairs(&v, &n, c->cm, rule, min_support, err);
	if (rc == 0)
		rc = mc_table_new(&t, cols, 7, err);
	if (rc == 0) {
		mc_table_set_digits(t, 4, 3);
		mc_table_set_digits(t, 5, 1);
	}
	for (size_t q = 0; rc == 0 && q < n && q < max; q++) {
		char note[64] = "";
		if (v[q].skipped)
			snprintf(note, sizeof note, "skipped: support < %g", min_support);
		rc = mc_table_add_row(t, &row, err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 0, c->names[v[q].t], err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 1, c->names[v[q].p], err);
		if (rc == 0)
			rc = mc_table_set_int(t, row, 2, (int64_t)llround(v[q].count), err);
		if (rc == 0)
			rc = mc_table_set_int(t, row, 3, (int64_t)llround(v[q].support), err);
		if (rc == 0)
			rc = mc_table_set_float(t, row, 4, v[q].rate, err);
		if (rc == 0)
			rc = mc_table_set_float(t, row, 5, v[q].expected, err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 6, note, err);
	}
	free(v);
	if (rc != 0) {
		mc_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* counts with each row's support, then the top candidate pairs and the
 * pick under the default rule. */
static char *s_cm_text(const s_cm *c)
{
	const mc_confusion *cm = c->cm;
	size_t k = cm->k, cap = 512 + k * k * 16 + k * 64, len = 0, shown = 0;
	char *s = malloc(cap), *pairs = NULL;
	mc_table *t = NULL;
	mc_pick pk;
	mc_error err = { 0 };

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < k; i++)
		shown += s_cm_shown(c, i);
	len += (size_t)snprintf(s + len, cap - len, "ConfusionMatrix (%zu classes; rows: true "
	                        "(the labels), columns: predicted; counts, then each row's "
	                        "support)\n", shown);
	for (size_t r = 0; r < k && shown <= 20; r++) {
		if (!s_cm_shown(c, r))
			continue;
		len += (size_t)snprintf(s + len, cap - len, "%-12.12s", c->names[r]);
		for (size_t q = 0; q < k; q++)
			if (s_cm_shown(c, q))
				len += (size_t)snprintf(s + len, cap - len, " %6.0f",
				                        cm->counts[r * k + q]);
		len += (size_t)snprintf(s + len, cap - len, " | %6.0f\n", s_cm_row(cm, r));
	}
	if (shown > 20)
		len += (size_t)snprintf(s + len, cap - len, "(too many classes for text; see the "
		                        "heatmap)\n");
	if (shown < k)
		len += (size_t)snprintf(s + len, cap - len, "(%zu classes without samples left out; "
		                        "show_empty=True shows them)\n", k - shown);
	if (s_pairs_table(&t, c, MC_PICK_EXPECTED_ERRORS, S_MIN_SUPPORT, 5, &err) == 0 &&
	    mc_table_rows(t) > 0 && mc_table_text(&pairs, t, &err) == 0) {
		size_t need = len + strlen(pairs) + 64;
		if (need > cap) {
			char *grown = realloc(s, need);
			if (grown != NULL) {
				s = grown;
				cap = need;
			}
		}
		len += (size_t)snprintf(s + len, cap - len, "Candidate pairs:\n%s", pairs);
	}
	free(pairs);
	mc_table_free(t);
	if (mc_confusion_choose(&pk, cm, MC_PICK_EXPECTED_ERRORS, S_MIN_SUPPORT, &err) == 0) {
		size_t need = len + strlen(c->names[pk.cls]) + strlen(c->names[pk.pair.t]) +
		              strlen(c->names[pk.pair.p]) + 200;
		char *grown = need > cap ? realloc(s, need) : s;
		if (grown != NULL) {
			s = grown;
			cap = need > cap ? need : cap;
			snprintf(s + len, cap - len, "pick_class() (rule \"expected_errors\"): review "
			         "\"%s\"; %.0f of its %.0f samples are predicted as \"%s\" (%.1f "
			         "expected wrong labels)", c->names[pk.cls], pk.pair.count,
			         pk.pair.support, c->names[pk.pair.p], pk.pair.expected);
		}
	}
	return s;
}

static char *s_cm_repr(const void *p)
{
	return s_cm_text(p);
}

static int s_cm_display(const void *p, json_t *data, json_t *metadata, mc_error *err)
{
	const s_cm *c = p;
	const mc_confusion *cm = c->cm;
	mc_heatmap_opts o;
	mc_matrix *m = NULL;
	mc_png *png = NULL;
	size_t *keep = NULL, nk = 0;
	char **labels = NULL, title[256];
	mc_pick pk;
	mc_error ignore = { 0 };
	int rc;

	keep = malloc((cm->k ? cm->k : 1) * sizeof *keep);
	labels = calloc(cm->k ? cm->k : 1, sizeof *labels);
	if (keep == NULL || labels == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	for (size_t i = 0; i < cm->k; i++)
		if (s_cm_shown(c, i))
			keep[nk++] = i;
	if (nk == 0) {
		keep[nk++] = 0;
	}
	rc = mc_matrix_new(&m, nk, nk, err);
	if (rc != 0)
		goto cleanup;
	mc_heatmap_opts_init(&o);
	o.title = "Normalised confusion matrix (rows: labels, with their support)";
	o.highlight = -1;
	for (size_t a = 0; a < nk; a++) {
		char buf[48];
		size_t len;
		for (size_t b = 0; b < nk; b++)
			MC_AT(m, a, b) = cm->norm[keep[a] * cm->k + keep[b]];
		snprintf(buf, sizeof buf, " (%.0f)", s_cm_row(cm, keep[a]));
		len = strlen(c->names[keep[a]]) + strlen(buf) + 1;
		labels[a] = malloc(len);
		if (labels[a] == NULL) {
			rc = mc_error_nomem(err);
			goto cleanup;
		}
		snprintf(labels[a], len, "%s%s", c->names[keep[a]], buf);
	}
	o.row_labels = (const char *const *)labels;
	{
		const char **cols = malloc(nk * sizeof *cols);
		if (cols == NULL) {
			rc = mc_error_nomem(err);
			goto cleanup;
		}
		for (size_t b = 0; b < nk; b++)
			cols[b] = c->names[keep[b]];
		o.col_labels = cols;
		/* the pick's cell outlined; its class (the row) named in the title */
		if (mc_confusion_choose(&pk, cm, MC_PICK_EXPECTED_ERRORS, S_MIN_SUPPORT, &ignore) ==
		    0) {
			for (size_t a = 0; a < nk; a++) {
				if (keep[a] == pk.pair.t)
					o.mark_row = (long)a;
				if (keep[a] == pk.pair.p)
					o.mark_col = (long)a;
			}
			snprintf(title, sizeof title, "Normalised confusion matrix (rows: labels, with "
			         "their support); pick: review \"%s\"", c->names[pk.cls]);
			o.title = title;
		}
		o.vmin = 0.0;
		o.vmax = 1.0;
		rc = mc_plot_heatmap(&png, NULL, m, &o, err);
		free(cols);
	}
	if (rc == 0)
		rc = mc_bundle_add_image(data, metadata, "image/png", png->data, png->len, png->width,
		                         png->height, err);
cleanup:
	mc_png_free(png);
	mc_matrix_free(m);
	for (size_t a = 0; labels != NULL && a < nk; a++)
		free(labels[a]);
	free(labels);
	free(keep);
	return rc;
}

static mc_value *s_names_list(const s_cm *c)
{
	mc_value *l = mc_list_new();

	for (size_t i = 0; l != NULL && i < c->cm->k; i++)
		if (mc_list_append(l, mc_str(c->names[i])) != 0) {
			mc_unref(l);
			return NULL;
		}
	return l;
}

static mc_value *s_cm_matrix_value(const double *x, size_t k, int integer)
{
	mc_value *a = mc_array_new(integer ? MC_I64 : MC_F64, k, k);

	for (size_t i = 0; a != NULL && i < k * k; i++) {
		if (integer)
			mc_array_i64(a)[i] = (int64_t)llround(x[i]);
		else
			mc_array_f64(a)[i] = x[i];
	}
	return a;
}

static mc_value *s_cm_counts(mc_value *self, mc_error *err)
{
	const s_cm *c = mc_object_ptr(self);

	(void)err;
	return s_cm_matrix_value(c->cm->counts, c->cm->k, 1);
}

static mc_value *s_cm_normalized(mc_value *self, mc_error *err)
{
	const s_cm *c = mc_object_ptr(self);

	(void)err;
	return s_cm_matrix_value(c->cm->norm, c->cm->k, 0);
}

static mc_value *s_cm_expected(mc_value *self, mc_error *err)
{
	const s_cm *c = mc_object_ptr(self);

	(void)err;
	return c->cm->expected != NULL ? s_cm_matrix_value(c->cm->expected, c->cm->k, 0) : mc_none();
}

static mc_value *s_cm_support(mc_value *self, mc_error *err)
{
	const s_cm *c = mc_object_ptr(self);
	mc_value *a = mc_array_new(MC_I64, c->cm->k, 0);

	(void)err;
	for (size_t i = 0; a != NULL && i < c->cm->k; i++)
		mc_array_i64(a)[i] = (int64_t)llround(s_cm_row(c->cm, i));
	return a;
}

static mc_value *s_cm_classes(mc_value *self, mc_error *err)
{
	(void)err;
	return s_names_list(mc_object_ptr(self));
}

static mc_value *s_cm_n_classes(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)((const s_cm *)mc_object_ptr(self))->cm->k);
}

static const mc_attr_def s_cm_attrs[] = {
	{ .name = "counts", .doc = "samples per (label, prediction)", .get = s_cm_counts },
	{ .name = "normalized", .doc = "counts divided by each row's support", .get = s_cm_normalized },
	{ .name = "expected", .doc = "expected wrong labels per cell (from probabilities; else None)",
	  .get = s_cm_expected },
	{ .name = "support", .doc = "samples per label", .get = s_cm_support },
	{ .name = "classes", .doc = "the class names of the rows and columns", .get = s_cm_classes },
	{ .name = "n_classes", .doc = "rows (and columns)", .get = s_cm_n_classes },
	{ .name = NULL }
};

static size_t s_cm_strings(const void *p, const char **out, size_t max)
{
	const s_cm *c = p;
	size_t n = 0;

	for (size_t i = 0; i < c->cm->k && n < max; i++)
		out[n++] = c->names[i];
	return n;
}

static const mc_class s_cm_class = {
	.name = "ConfusionMatrix", .free = s_cm_free, .repr = s_cm_repr, .display = s_cm_display,
	.attributes = s_cm_attrs, .strings = s_cm_strings
};

/* Class names: the classes argument (list of str) or "0", "1", ... */
static int s_class_names(mc_call *call, size_t *k, char ***out, mc_error *err)
{
	mc_value *cl = mc_arg(call, "classes");
	char **names;
	size_t given = 0;

	*out = NULL;
	if (cl != NULL && mc_type(cl) != MC_T_NONE) {
		if (mc_type(cl) != MC_T_LIST)
			return mc_error_set(err, MC_ERR_TYPE,
			                    "%s(): classes must be a list of names, got %s",
			                    mc_call_name(call), mc_type_name(cl));
		given = mc_list_len(cl);
		if (given < *k)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "%s(): classes has %zu names but the labels go up to %zu",
			                    mc_call_name(call), given, *k - 1);
		*k = given;
	}
	names = calloc(*k > 0 ? *k : 1, sizeof *names);
	if (names == NULL)
		return mc_error_nomem(err);
	for (size_t i = 0; i < *k; i++) {
		char buf[32];
		const char *s = buf;
		if (given > 0) {
			mc_value *it = mc_list_get(cl, i);
			if (mc_type(it) == MC_T_STR) {
				s = mc_as_str(it);
			} else {
				char *r = mc_value_repr(it);
				snprintf(buf, sizeof buf, "%s", r != NULL ? r : "?");
				free(r);
			}
		} else {
			snprintf(buf, sizeof buf, "%zu", i);
		}
		names[i] = s_strdup(s);
		if (names[i] == NULL) {
			for (size_t j = 0; j < i; j++)
				free(names[j]);
			free(names);
			return mc_error_nomem(err);
		}
	}
	*out = names;
	return 0;
}

/* y_true, y_pred, sample_weight (optional) and class names. */
static int s_pair_args(mc_call *call, int64_t **yt, int64_t **yp, double **w, size_t *n,
                       size_t *k, char ***names, mc_error *err)
{
	size_t np = 0;
	int rc;

	*yt = *yp = NULL;
	*w = NULL;
	*names = NULL;
	rc = mc_arg_labels(call, "y_true", yt, n, err);
	if (rc == 0)
		rc = mc_arg_labels(call, "y_pred", yp, &np, err);
	if (rc == 0)
		rc = s_same_len(call, "y_true", *n, "y_pred", np, err);
	if (rc == 0 && mc_arg(call, "sample_weight") != NULL)
		rc = s_weights_arg(call, "sample_weight", *n, w, err);
	if (rc == 0) {
		size_t a = s_n_classes(*yt, *n), b = s_n_classes(*yp, *n);
		*k = a > b ? a : b;
		if (*k == 0)
			*k = 1;
		rc = s_class_names(call, k, names, err);
	}
	if (rc != 0) {
		free(*yt);
		free(*yp);
		free(*w);
		*yt = *yp = NULL;
		*w = NULL;
	}
	return rc;
}

/* y_pred as class probabilities (a 2-D array, e.g. cross_val_predict(...,
 * method="predict_proba")): the matrix of their most probable classes,
 * with expected wrong labels. k is at least the columns; classes names
 * them. */
static int s_confusion_from_proba(mc_call *call, s_cm *c, size_t *k, mc_error *err)
{
	mc_matrix P, *owned = NULL, *wide = NULL;
	const mc_matrix *use = &P;
	int64_t *yt = NULL;
	double *w = NULL;
	size_t n = 0;
	int rc;

	rc = mc_arg_labels(call, "y_true", &yt, &n, err);
	if (rc == 0)
		rc = mc_arg_matrix(call, "y_pred", &P, &owned, err);
	if (rc == 0)
		rc = s_same_len(call, "y_true", n, "y_pred", P.rows, err);
	if (rc == 0)
		rc = s_weights_arg(call, "sample_weight", n, &w, err);
	if (rc == 0) {
		*k = s_n_classes(yt, n);
		if (P.cols > *k)
			*k = P.cols;
		rc = s_class_names(call, k, &c->names, err);
	}
	if (rc == 0 && *k > P.cols) {
		/* classes without a column (no sample, never predicted) */
		rc = mc_matrix_new(&wide, P.rows, *k, err);
		for (size_t i = 0; rc == 0 && i < P.rows; i++)
			memcpy(wide->data + i * wide->stride, P.data + i * P.stride,
			       P.cols * sizeof(double));
		use = wide;
	}
	if (rc == 0)
		rc = mc_confusion_from_proba(&c->cm, yt, use, w, err);
	mc_matrix_free(owned);
	mc_matrix_free(wide);
	free(yt);
	free(w);
	return rc;
}

static int s_confusion_matrix(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *pred = mc_arg(call, "y_pred");
	int64_t *yt = NULL, *yp = NULL;
	double *w = NULL;
	size_t n, k = 0;
	s_cm *c;
	int rc;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return mc_error_nomem(err);
	rc = mc_arg_bool(call, "show_empty", &c->show_empty, err);
	if (rc == 0 && pred != NULL && mc_type(pred) == MC_T_ARRAY && mc_array_cols(pred) > 0) {
		rc = s_confusion_from_proba(call, c, &k, err);
	} else if (rc == 0) {
		rc = s_pair_args(call, &yt, &yp, &w, &n, &k, &c->names, err);
		if (rc == 0)
			rc = mc_confusion_new(&c->cm, yt, yp, w, n, k, err);
	}
	if (rc == 0) {
		*out = mc_object_new(&s_cm_class, c);
		c = NULL;
		if (*out == NULL)
			rc = mc_error_nomem(err);
	}
	if (c != NULL) {
		for (size_t i = 0; c->names != NULL && i < k; i++)
			free(c->names[i]);
		free(c->names);
		mc_confusion_free(c->cm);
		free(c);
	}
	free(yt);
	free(yp);
	free(w);
	return rc;
}

/* rule= and min_support= of pick_class and pairs. */
static int s_rule_args(mc_call *call, mc_pick_rule *rule, double *min_support, mc_error *err)
{
	const char *name = "expected_errors";
	int rc = mc_arg_str(call, "rule", &name, err);

	if (rc == 0)
		rc = mc_pick_rule_parse(rule, name, err);
	*min_support = *rule == MC_PICK_ARTICLE ? 0 : S_MIN_SUPPORT;
	if (rc == 0 && mc_arg_given(call, "min_support"))
		rc = mc_arg_float(call, "min_support", min_support, err);
	if (rc == 0 && !(*min_support >= 0))
		rc = mc_error_set(err, MC_ERR_INVALID, "%s(): min_support is %g; expected >= 0",
		                  mc_call_name(call), *min_support);
	return rc;
}

/* The warning of a pick that skipped better-ranked pairs. */
static void s_warn_skipped(mc_call *call, const s_cm *c, mc_pick_rule rule, double min_support,
                           const mc_pick *pk)
{
	mc_confusion_pair *v = NULL;
	size_t n = 0, len = 0, cap = 256 + pk->skipped * 160;
	char *msg = malloc(cap);
	mc_error ignore = { 0 };

	if (msg == NULL || mc_confusion_pairs(&v, &n, c->cm, rule, min_support, &ignore) != 0) {
		free(msg);
		return;
	}
	len += (size_t)snprintf(msg + len, cap - len, "Warning: pick_class() skipped %zu "
	                        "pair%s ranked above its pick, because the true class has fewer "
	                        "than min_support=%g samples (too few to trust):", pk->skipped,
	                        pk->skipped == 1 ? "" : "s", min_support);
	for (size_t q = 0; q < n && q < pk->skipped && q < 8; q++)
		len += (size_t)snprintf(msg + len, cap - len, "%s \"%s\" predicted as \"%s\" "
		                        "(%.0f samples, %.1f expected wrong labels)", q ? ";" : "",
		                        c->names[v[q].t], c->names[v[q].p], v[q].support,
		                        v[q].expected);
	if (pk->skipped > 8)
		len += (size_t)snprintf(msg + len, cap - len, "; and %zu more", pk->skipped - 8);
	snprintf(msg + len, cap - len, ". Lower min_support to consider them.\n");
	mc_call_print(call, msg);
	free(v);
	free(msg);
}

/* mc_confusion_choose's error when every confused pair is below
 * min_support, with the class names (the runtime knows only indices). */
static int s_support_error(const s_cm *c, mc_pick_rule rule, double min_support, int rc,
                           mc_error *err)
{
	mc_confusion_pair *v = NULL;
	size_t n = 0, i = 0;
	mc_error ignore = { 0 };

	if (mc_confusion_pairs(&v, &n, c->cm, rule, min_support, &ignore) != 0)
		return rc;
	while (i < n && v[i].skipped)
		i++;
	if (n > 0 && i == n) {
		mc_error_clear(err);
		rc = mc_error_set(err, MC_ERR_INVALID, "pick_class: every confused pair has a true "
		                  "class with fewer than min_support=%g samples (the best, \"%s\" "
		                  "predicted as \"%s\", has %g); lower min_support", min_support,
		                  c->names[v[0].t], c->names[v[0].p], v[0].support);
	}
	free(v);
	return rc;
}

static int s_cm_pick(mc_call *call, mc_value **out, mc_error *err)
{
	const s_cm *c = mc_call_self_ptr(call);
	mc_pick_rule rule;
	double min_support;
	mc_pick pk;
	mc_value *d;
	int rc;

	rc = s_rule_args(call, &rule, &min_support, err);
	if (rc == 0)
		rc = mc_confusion_choose(&pk, c->cm, rule, min_support, err);
	if (rc == MC_ERR_INVALID)
		rc = s_support_error(c, rule, min_support, rc, err);
	if (rc != 0)
		return rc;
	if (pk.skipped > 0)
		s_warn_skipped(call, c, rule, min_support, &pk);
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "class", mc_str(c->names[pk.cls])) != 0 ||
	    mc_dict_set_str(d, "rule", mc_str(mc_pick_rule_name(rule))) != 0 ||
	    mc_dict_set_str(d, "true", mc_str(c->names[pk.pair.t])) != 0 ||
	    mc_dict_set_str(d, "predicted", mc_str(c->names[pk.pair.p])) != 0 ||
	    mc_dict_set_str(d, "count", mc_int((int64_t)llround(pk.pair.count))) != 0 ||
	    mc_dict_set_str(d, "support", mc_int((int64_t)llround(pk.pair.support))) != 0 ||
	    mc_dict_set_str(d, "value", mc_float(pk.pair.rate)) != 0 ||
	    mc_dict_set_str(d, "expected_errors", mc_float(pk.pair.expected)) != 0 ||
	    mc_dict_set_str(d, "skipped", mc_int((int64_t)pk.skipped)) != 0 ||
	    mc_dict_set_str(d, "class_index", mc_int((int64_t)pk.cls)) != 0 ||
	    mc_dict_set_str(d, "true_index", mc_int((int64_t)pk.pair.t)) != 0 ||
	    mc_dict_set_str(d, "predicted_index", mc_int((int64_t)pk.pair.p)) != 0) {
		mc_unref(d);
		return mc_error_nomem(err);
	}
	*out = d;
	return 0;
}

static int s_cm_pairs(mc_call *call, mc_value **out, mc_error *err)
{
	const s_cm *c = mc_call_self_ptr(call);
	mc_pick_rule rule;
	double min_support;
	int64_t n = 10;
	mc_table *t = NULL;
	int rc;

	rc = s_rule_args(call, &rule, &min_support, err);
	if (rc == 0)
		rc = mc_arg_int(call, "n", &n, err);
	if (rc == 0 && n < 1)
		rc = mc_error_set(err, MC_ERR_INVALID, "pairs(): n is %lld; expected >= 1",
		                  (long long)n);
	if (rc == 0)
		rc = s_pairs_table(&t, c, rule, min_support, (size_t)n, err);
	if (rc != 0)
		return rc;
	*out = mc_table_value(t);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* ---- classification report ---- */

typedef struct s_report {
	mc_class_report *r;
	char **names;
} s_report;

static void s_report_free(void *p)
{
	s_report *r = p;

	if (r == NULL)
		return;
	for (size_t i = 0; r->names != NULL && i < r->r->k; i++)
		free(r->names[i]);
	free(r->names);
	mc_class_report_free(r->r);
	free(r);
}

static int s_report_table(mc_table **out, const s_report *rep, mc_error *err)
{
	const char *cols[5] = { "class", "precision", "recall", "f1-score", "support" };
	const mc_class_report *r = rep->r;
	mc_table *t = NULL;
	size_t row;
	int rc;

	*out = NULL;
	rc = mc_table_new(&t, cols, 5, err);
	if (rc != 0)
		return rc;
	for (size_t j = 1; j < 4; j++)
		mc_table_set_digits(t, j, 4);
	for (size_t c = 0; c < r->k + 3 && rc == 0; c++) {
		const char *name;
		double p, re, f, s;
		if (c < r->k) {
			name = rep->names[c];
			p = r->precision[c];
			re = r->recall[c];
			f = r->f1[c];
			s = r->support[c];
		} else if (c == r->k) {
			name = "accuracy";
			p = re = NAN;
			f = r->accuracy;
			s = r->total;
		} else if (c == r->k + 1) {
			name = "macro avg";
			p = r->macro_precision;
			re = r->macro_recall;
			f = r->macro_f1;
			s = r->total;
		} else {
			name = "weighted avg";
			p = r->weighted_precision;
			re = r->weighted_recall;
			f = r->weighted_f1;
			s = r->total;
		}
		rc = mc_table_add_row(t, &row, err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 0, name, err);
		if (rc == 0 && !isnan(p))
			rc = mc_table_set_float(t, row, 1, p, err);
		if (rc == 0 && !isnan(re))
			rc = mc_table_set_float(t, row, 2, re, err);
		if (rc == 0)
			rc = mc_table_set_float(t, row, 3, f, err);
		if (rc == 0)
			rc = s == floor(s) ? mc_table_set_int(t, row, 4, (int64_t)s, err)
			                   : mc_table_set_float(t, row, 4, s, err);
	}
	if (rc != 0) {
		mc_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static char *s_report_repr(const void *p)
{
	mc_table *t = NULL;
	char *text = NULL;
	mc_error err = { 0 };

	if (s_report_table(&t, p, &err) == 0 && mc_table_text(&text, t, &err) != 0)
		text = NULL;
	mc_table_free(t);
	return text;
}

static int s_report_display(const void *p, json_t *data, json_t *metadata, mc_error *err)
{
	mc_table *t = NULL;
	char *html = NULL;
	int rc;

	(void)metadata;
	rc = s_report_table(&t, p, err);
	if (rc == 0)
		rc = mc_table_html(&html, t, err);
	if (rc == 0 && json_object_set_new(data, "text/html", json_string(html)) != 0)
		rc = mc_error_nomem(err);
	free(html);
	mc_table_free(t);
	return rc;
}

#define S_REPORT_ARRAY(fn, field) \
	static mc_value *fn(mc_value *self, mc_error *err) \
	{ \
		const mc_class_report *r = ((const s_report *)mc_object_ptr(self))->r; \
		(void)err; \
		return s_array_from(r->field, r->k); \
	}

S_REPORT_ARRAY(s_report_precision, precision)
S_REPORT_ARRAY(s_report_recall, recall)
S_REPORT_ARRAY(s_report_f1, f1)
S_REPORT_ARRAY(s_report_support, support)

static mc_value *s_report_accuracy(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_float(((const s_report *)mc_object_ptr(self))->r->accuracy);
}

static mc_value *s_report_macro_f1(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_float(((const s_report *)mc_object_ptr(self))->r->macro_f1);
}

static const mc_attr_def s_report_attrs[] = {
	{ .name = "precision", .doc = "per class: right among those predicted as it", .get = s_report_precision },
	{ .name = "recall", .doc = "per class: found among those labelled as it", .get = s_report_recall },
	{ .name = "f1", .doc = "per class: the harmonic mean of precision and recall", .get = s_report_f1 },
	{ .name = "support", .doc = "per class: samples labelled as it (weights summed)", .get = s_report_support },
	{ .name = "accuracy", .doc = "the share of right predictions", .get = s_report_accuracy },
	{ .name = "macro_f1", .doc = "the mean of the classes' f1", .get = s_report_macro_f1 },
	{ .name = NULL }
};

static const mc_class s_report_class = {
	.name = "ClassificationReport", .free = s_report_free, .repr = s_report_repr,
	.display = s_report_display, .attributes = s_report_attrs
};

static int s_classification_report(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t *yt, *yp;
	double *w;
	size_t n, k;
	char **names;
	mc_confusion *cm = NULL;
	s_report *r;
	int rc;

	rc = s_pair_args(call, &yt, &yp, &w, &n, &k, &names, err);
	if (rc != 0)
		return rc;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		rc = mc_error_nomem(err);
	if (rc == 0)
		rc = mc_confusion_new(&cm, yt, yp, w, n, k, err);
	if (rc == 0)
		rc = mc_class_report_new(&r->r, cm, err);
	if (rc == 0) {
		r->names = names;
		names = NULL;
		*out = mc_object_new(&s_report_class, r);
		r = NULL;
		if (*out == NULL)
			rc = mc_error_nomem(err);
	}
	for (size_t i = 0; names != NULL && i < k; i++)
		free(names[i]);
	free(names);
	free(r);
	mc_confusion_free(cm);
	free(yt);
	free(yp);
	free(w);
	return rc;
}

static int s_accuracy_score(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t *yt = NULL, *yp = NULL;
	double *w = NULL, hit = 0.0, tot = 0.0;
	size_t n = 0, np = 0;
	int rc;

	rc = mc_arg_labels(call, "y_true", &yt, &n, err);
	if (rc == 0)
		rc = mc_arg_labels(call, "y_pred", &yp, &np, err);
	if (rc == 0)
		rc = s_same_len(call, "y_true", n, "y_pred", np, err);
	if (rc == 0)
		rc = s_weights_arg(call, "sample_weight", n, &w, err);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++) {
			double wi = w != NULL ? w[i] : 1.0;
			tot += wi;
			hit += yt[i] == yp[i] ? wi : 0.0;
		}
		if (!(tot > 0.0))
			rc = mc_error_set(err, MC_ERR_INVALID,
			                  "accuracy_score(): no sample (or every weight is 0)");
	}
	if (rc == 0)
		rc = mc_call_return(out, mc_float(hit / tot), err);
	free(yt);
	free(yp);
	free(w);
	return rc;
}

/* ---- AUC ---- */

static int s_roc_auc(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *sv = mc_arg(call, "proba");
	int64_t *y = NULL;
	double *w = NULL, *s1 = NULL, *per = NULL, macro = 0.0;
	size_t n = 0, ns = 0;
	mc_matrix P, *owned = NULL;
	unsigned char *pos = NULL;
	int rc;

	rc = mc_arg_labels(call, "y", &y, &n, err);
	if (rc == 0)
		rc = s_weights_arg(call, "sample_weight", n, &w, err);
	if (rc != 0)
		goto cleanup;
	if (sv != NULL && mc_type(sv) == MC_T_ARRAY && mc_array_cols(sv) > 0) {
		rc = mc_arg_matrix(call, "proba", &P, &owned, err);
		if (rc == 0)
			rc = s_same_len(call, "y", n, "proba", P.rows, err);
		if (rc == 0 && !(per = malloc(P.cols * sizeof *per)))
			rc = mc_error_nomem(err);
		if (rc == 0)
			rc = mc_roc_auc_ovr(per, &macro, y, &P, w, err);
		if (rc == 0) {
			mc_value *d = mc_dict_new();
			if (d == NULL || mc_dict_set_str(d, "macro", mc_float(macro)) != 0 ||
			    mc_dict_set_str(d, "per_class", s_array_from(per, P.cols)) != 0) {
				mc_unref(d);
				rc = mc_error_nomem(err);
			} else {
				*out = d;
			}
		}
		goto cleanup;
	}
	/* binary: y in {0, 1}, scores for class 1 */
	rc = mc_arg_numbers(call, "proba", &s1, &ns, 0, 0, err);
	if (rc == 0)
		rc = s_same_len(call, "y", n, "proba", ns, err);
	if (rc == 0 && !(pos = malloc(n > 0 ? n : 1)))
		rc = mc_error_nomem(err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (y[i] > 1)
			rc = mc_error_set(err, MC_ERR_INVALID,
			                  "roc_auc(): with 1-D scores y must be 0 or 1; y[%zu] is %lld "
			                  "(pass the 2-D predict_proba for several classes)", i,
			                  (long long)y[i]);
		else
			pos[i] = y[i] == 1;
	}
	if (rc == 0)
		rc = mc_roc_auc_binary(&macro, pos, s1, w, n, err);
	if (rc == 0 && (*out = mc_float(macro)) == NULL)
		rc = mc_error_nomem(err);
cleanup:
	mc_matrix_free(owned);
	free(y);
	free(w);
	free(s1);
	free(per);
	free(pos);
	return rc;
}

/* The class with the fewest kept samples among those with some (empty
 * classes are left out of the AUC); fails when it has fewer than folds,
 * naming it (by classes= when given) and its size. */
static int s_check_folds(mc_call *call, const int64_t *y, const double *w, size_t n,
                         size_t k, int64_t folds, mc_error *err)
{
	size_t *count = calloc(k ? k : 1, sizeof *count), small = k;
	mc_value *cl = mc_arg(call, "classes");
	char label[160];
	int rc = 0;

	if (count == NULL)
		return mc_error_nomem(err);
	for (size_t i = 0; i < n; i++)
		if (w == NULL || w[i] > 0)
			count[y[i]]++;
	for (size_t c = 0; c < k; c++)
		if (count[c] > 0 && (small == k || count[c] < count[small]))
			small = c;
	if (small < k && count[small] < (size_t)folds) {
		if (cl != NULL && mc_type(cl) == MC_T_LIST && small < mc_list_len(cl) &&
		    mc_type(mc_list_get(cl, small)) == MC_T_STR)
			snprintf(label, sizeof label, "\"%s\" (class %zu)",
			         mc_as_str(mc_list_get(cl, small)), small);
		else
			snprintf(label, sizeof label, "%zu", small);
		rc = mc_error_set(err, MC_ERR_INVALID, "%s(): folds=%lld but class %s has only %zu "
		                  "sample%s; every class needs at least one per fold: use "
		                  "folds=%zu or fewer, or leave the class out (sample_weight 0)",
		                  mc_call_name(call), (long long)folds, label, count[small],
		                  count[small] == 1 ? "" : "s", count[small] >= 2 ? count[small] : 2);
	}
	free(count);
	return rc;
}

static int s_cross_val_auc(mc_call *call, mc_value **out, mc_error *err)
{
	mc_matrix X, *owned = NULL;
	int64_t *y = NULL, folds, seed;
	double *w = NULL, *cw = NULL;
	size_t n = 0;
	mc_logreg_params p;
	mc_value *dict = NULL, *d = NULL;
	mc_cv_auc *cv = NULL;
	int rc;

	rc = s_lr_params(call, &p, &dict, 0, err);
	if (rc == 0 && (rc = mc_arg_int(call, "folds", &folds, err)) == 0)
		rc = mc_arg_int(call, "seed", &seed, err);
	if (rc == 0 && folds < 2)
		rc = mc_error_set(err, MC_ERR_INVALID, "cross_val_auc(): folds is %lld; expected "
		                  "at least 2", (long long)folds);
	if (rc == 0)
		rc = s_xyw_args(call, &X, &owned, &y, &n, &w, err);
	if (rc == 0)
		rc = s_check_folds(call, y, w, n, s_n_classes(y, n), folds, err);
	if (rc != 0)
		goto cleanup;
	rc = s_classes_of(&p, &cw, dict, y, n, err);
	if (rc != 0)
		goto cleanup;
	rc = mc_cross_val_auc(&cv, &X, y, w, p.n_classes, (size_t)folds, (uint64_t)seed, &p,
	                      mc_call_progress(call), err);
	if (rc != 0)
		goto cleanup;
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "macro", mc_float(cv->macro)) != 0 ||
	    mc_dict_set_str(d, "per_class", s_array_from(cv->per_class, cv->n_classes)) != 0 ||
	    mc_dict_set_str(d, "folds", s_array_from(cv->fold_macro, cv->folds)) != 0) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	*out = d;
	d = NULL;
cleanup:
	mc_unref(d);
	mc_unref(dict);
	mc_cv_auc_free(cv);
	mc_matrix_free(owned);
	free(y);
	free(w);
	free(cw);
	return rc;
}

/* groups=: one whole number per sample, or none. */
static int s_groups_arg(mc_call *call, size_t n, int64_t **out, mc_error *err)
{
	double *g = NULL;
	int rc;

	*out = NULL;
	rc = s_weights_arg(call, "groups", n, &g, err);
	if (rc != 0 || g == NULL)
		return rc;
	*out = malloc((n ? n : 1) * sizeof **out);
	if (*out == NULL) {
		free(g);
		return mc_error_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		if (g[i] != floor(g[i]) || fabs(g[i]) > 9e15) {
			rc = mc_error_set(err, MC_ERR_INVALID, "%s(): groups[%zu] is %g; expected a "
			                  "whole number (e.g. an image id)", mc_call_name(call), i, g[i]);
			free(*out);
			*out = NULL;
			break;
		}
		(*out)[i] = (int64_t)g[i];
	}
	free(g);
	return rc;
}

static int s_cross_val_predict(mc_call *call, mc_value **out, mc_error *err)
{
	s_lr *l = NULL;
	mc_matrix X, *owned = NULL, *P = NULL;
	mc_row_source src;
	mc_cv_opts o;
	mc_logreg_params p;
	int64_t *y = NULL, *groups = NULL, folds, seed;
	double *w = NULL, *cw = NULL;
	const char *method = "predict";
	const mc_cluster *c = NULL;
	size_t n = 0;
	int proba, rc;

	rc = mc_arg_obj(call, "clf", &s_lr_class, (void **)&l, err);
	if (rc == 0)
		rc = mc_arg_int(call, "folds", &folds, err);
	if (rc == 0)
		rc = mc_arg_int(call, "seed", &seed, err);
	if (rc == 0)
		rc = mc_arg_str(call, "method", &method, err);
	if (rc != 0)
		return rc;
	proba = strcmp(method, "predict_proba") == 0;
	if (!proba && strcmp(method, "predict") != 0)
		return mc_error_set(err, MC_ERR_INVALID, "cross_val_predict(): method must be "
		                    "\"predict\" or \"predict_proba\", got \"%s\"", method);
	if (folds < 2)
		return mc_error_set(err, MC_ERR_INVALID, "cross_val_predict(): folds is %lld; "
		                    "expected at least 2", (long long)folds);
	if ((rc = mc_arg_cluster(call, "mpi", &c, err)) != 0)
		return rc;
	rc = c != NULL ? s_yw_args(call, &y, &n, &w, err)
	               : s_xyw_args(call, &X, &owned, &y, &n, &w, err);
	if (rc == 0)
		rc = s_groups_arg(call, n, &groups, err);
	if (rc != 0)
		goto cleanup;
	p = l->p;
	p.warm_start = 0;
	rc = s_classes_of(&p, &cw, l->cw_dict, y, n, err);
	if (rc != 0)
		goto cleanup;
	mc_cv_opts_init(&o);
	o.folds = (size_t)folds;
	o.seed = (uint64_t)seed;
	o.groups = groups;
	o.name = "cross_val_predict";
	if (c != NULL) {
		rc = mc_mpi_cross_val_proba(&P, mc_arg(call, "X"), y, w, groups, n, p.n_classes, &o,
		                            &p, c, mc_call_progress(call), err);
	} else {
		mc_row_source_matrix(&src, &X);
		rc = mc_cross_val_proba(&P, NULL, &src, y, w, p.n_classes, &o, &p,
		                        mc_call_progress(call), err);
	}
	if (rc != 0)
		goto cleanup;
	if (proba) {
		*out = mc_array_from_matrix(P);
	} else {
		*out = mc_array_new(MC_I64, n, 0);
		for (size_t i = 0; *out != NULL && i < n; i++) {
			size_t best = 0;
			for (size_t k = 1; k < P->cols; k++)
				if (MC_AT(P, i, k) > MC_AT(P, i, best))
					best = k;
			mc_array_i64(*out)[i] = (int64_t)best;
		}
	}
	if (*out == NULL)
		rc = mc_error_nomem(err);
cleanup:
	mc_matrix_free(owned);
	mc_matrix_free(P);
	free(y);
	free(groups);
	free(w);
	free(cw);
	return rc;
}

const mc_func_def mc_funcs_learn[] = {
	{ .name = "PCA", .signature = "(n_components=256, solver=\"exact\", seed=0)",
	  .doc = "Principal component analysis (as scikit-learn's PCA); fit it with .fit(X).",
	  .long_doc = "solver \"exact\" builds the covariance matrix in one pass and takes its top "
	  "eigenvectors (LAPACK); \"randomized\" uses a randomized range finder (seeded). "
	  "Components have scikit-learn's signs. X may be a float32 Embeddings file "
	  "(load_npy), which is streamed in chunks and never loaded whole; like "
	  "scikit-learn with float32 input, the exact solver then computes in single "
	  "precision (each chunk's covariance summed in double), about 1.4x faster; "
	  "E.to_array() gives float64. Attributes: "
	  "`components_`, `mean_`, "
	  "`explained_variance_`, `explained_variance_ratio_`.", .fn = s_pca_new },
	{ .name = "PCA.fit", .signature = "(X, *, mpi=None)",
	  .doc = "Fits the components on the rows of X; returns the PCA.",
	  .long_doc = "mpi=Cluster(...) fits over Open MPI ranks (the exact solver), each reading its rows of "
	  "X (an Embeddings file, or an array written for them): the one-process model to about "
	  "1e-15 (docs/scale.md).", .fn = s_pca_fit },
	{ .name = "PCA.transform", .signature = "(X, *, mpi=None)",
	  .doc = "The rows of X projected on the components (rows x n_components).",
	  .long_doc = "mpi=Cluster(...) projects over Open MPI ranks (docs/scale.md).",
	  .fn = s_pca_transform },
	{ .name = "PCA.fit_transform", .signature = "(X, *, mpi=None)",
	  .doc = "fit(X) then transform(X), sharing one pass over X.",
	  .long_doc = "mpi=Cluster(...): both over Open MPI ranks (docs/scale.md).",
	  .fn = s_pca_fit_transform },
	{ .name = "train_test_split", .signature = "(X, y, test_size=0.25, seed=0)",
	  .doc = "Seeded stratified split: returns [X_train, X_test, y_train, y_test].",
	  .long_doc = "test_size is a fraction (the test set gets ceil(test_size * n) rows) or a count. "
	  "Each class is split in proportion; rows keep their order.", .fn = s_train_test_split },
	{ .name = "LogisticRegression",
	  .signature = "(C=1.0, class_weight=None, max_iter=100, tol=1e-4, warm_start=False)",
	  .doc = "Multinomial logistic regression with an L2 penalty (scikit-learn's objective).",
	  .long_doc = "Minimises sum_i w_i * cross-entropy_i + ||W||^2 / (2C) with L-BFGS. class_weight is "
	  "None, \"balanced\" (n / (K * count_k)) or a dict {class: weight}. Stops when the "
	  "largest gradient entry divided by the sum of the weights is <= tol, or after max_iter "
	  "iterations.", .fn = s_lr_new },
	{ .name = "LogisticRegression.fit", .signature = "(X, y, sample_weight=None, *, mpi=None)",
	  .doc = "Fits on rows X with labels y (0..K-1); a sample weight 0 removes the sample.",
	  .long_doc = "mpi=Cluster(...) fits over Open MPI ranks: liblbfgs on rank 0, the objective and "
	  "gradient of each rank's rows added in rank order, giving the one-process model bit "
	  "for bit (docs/scale.md). warm_start is not available there.", .fn = s_lr_fit },
	{ .name = "LogisticRegression.predict", .signature = "(X)",
	  .doc = "The most probable class of each row (int64 array).", .fn = s_lr_predict },
	{ .name = "LogisticRegression.predict_proba", .signature = "(X)",
	  .doc = "Class probabilities (rows x K).", .fn = s_lr_proba },
	{ .name = "LogisticRegression.decision_function", .signature = "(X)",
	  .doc = "Class scores W x + b (rows x K).", .fn = s_lr_decision },
	{ .name = "LogisticRegression.score", .signature = "(X, y, sample_weight=None)",
	  .doc = "Accuracy of predict(X) against y.", .fn = s_lr_score },
	{ .name = "confusion_matrix",
	  .signature = "(y_true, y_pred, classes=None, sample_weight=None, show_empty=False)",
	  .doc = "A ConfusionMatrix (shown as a heatmap of the row-normalised matrix).",
	  .long_doc = "classes is a list of class names (e.g. ds.classes). y_pred is either predicted "
	  "labels or, better, out-of-fold class probabilities (a 2-D array from "
	  "`cross_val_predict(clf, X, y, method=\"predict_proba\")`): the matrix then counts "
	  "their most probable classes and also sums, per cell, the expected wrong labels "
	  "(1 - p(label)). Rows are the labels (true), columns the predictions; each row's "
	  "support is shown beside its rates. Classes without samples or predictions (empty "
	  "categories) are left off the heatmap and the text unless show_empty=True. "
	  "Attributes: `counts`, `normalized`, `expected`, `support`, `classes`; "
	  "`.pick_class()` chooses where to look, `.pairs()` lists the candidates.",
	  .fn = s_confusion_matrix },
	{ .name = "ConfusionMatrix.pick_class",
	  .signature = "(rule=\"expected_errors\", min_support=10)",
	  .doc = "The class to clean: {class, rule, true, predicted, count, support, value, "
	  "expected_errors, skipped, ...}.",
	  .long_doc = "rule=\"expected_errors\" (default) ranks the (true, predicted) pairs by their "
	  "expected number of wrong labels (from out-of-fold probabilities; the count when the "
	  "matrix was built from labels) and skips pairs whose true class has fewer than "
	  "min_support samples, with a warning naming them; the class to review is the true "
	  "class, whose labels hold the pair's wrong labels. rule=\"article\" is the "
	  "article's: the largest off-diagonal entry of the row-normalised matrix (min_support "
	  "0 unless given), at true class A and predicted class C; the class to clean is C. "
	  "`rule` in the result says which rule picked the class; value is the pair's rate.",
	  .fn = s_cm_pick },
	{ .name = "ConfusionMatrix.pairs",
	  .signature = "(n=10, rule=\"expected_errors\", min_support=10)",
	  .doc = "The top n candidate (true, predicted) pairs: count, support, rate, expected wrong "
	  "labels (a table).", .fn = s_cm_pairs },
	{ .name = "classification_report",
	  .signature = "(y_true, y_pred, classes=None, sample_weight=None)",
	  .doc = "Per-class precision, recall, F1 and support, with accuracy and averages (a table).",
	  .fn = s_classification_report },
	{ .name = "accuracy_score", .signature = "(y_true, y_pred, sample_weight=None)",
	  .doc = "Share of predictions equal to the labels.", .fn = s_accuracy_score },
	{ .name = "roc_auc", .signature = "(y, proba, sample_weight=None)",
	  .doc = "ROC AUC: one-vs-rest per class for 2-D proba ({macro, per_class}), binary for 1-D scores.",
	  .long_doc = "Ties are handled as scikit-learn's roc_auc_score. A class without positive or "
	  "negative samples gets nan and is left out of the macro average.", .fn = s_roc_auc },
	{ .name = "cross_val_auc",
	  .signature = "(X, y, sample_weight=None, folds=5, seed=0, C=1.0, class_weight=\"balanced\", "
	  "max_iter=100, tol=1e-4, classes=None)",
	  .doc = "K-fold cross-validated one-vs-rest AUC of logistic regression: {macro, per_class, folds}.",
	  .long_doc = "Stratified seeded folds over the kept samples; a sample_weight of 0 removes a sample "
	  "from both training and scoring. This is the article's \"AUC across iterations\". "
	  "Classes without samples (empty categories) have no AUC (nan) and are left out of "
	  "the macro average. Every other class needs at least `folds` samples: otherwise the "
	  "error names the smallest class (by `classes=`, e.g. ds.classes) and its size.",
	  .fn = s_cross_val_auc },
	{ .name = "cross_val_predict",
	  .signature = "(clf, X, y, folds=5, seed=0, method=\"predict\", sample_weight=None, groups=None, *, "
	  "mpi=None)",
	  .doc = "Out-of-fold predictions of a LogisticRegression: labels, or probabilities with "
	  "method=\"predict_proba\".",
	  .long_doc = "As scikit-learn's cross_val_predict: stratified seeded folds over the kept samples "
	  "(sample_weight 0 removes one); each fold is predicted by clf's model (its C, "
	  "class_weight, max_iter, tol) trained on the other folds, so no sample is judged by "
	  "a model that saw its label. groups (one id per sample, e.g. the photo that "
	  "augmented copies come from) keeps a group in one fold. Feed the probabilities to "
	  "confusion_matrix to choose where to look:\n\n"
	  "    P = cross_val_predict(clf, Z, y, method=\"predict_proba\")\n"
	  "    cm = confusion_matrix(y, P, classes=ds.classes)\n"
	  "    pick = cm.pick_class()\n\n"
	  "mpi=Cluster(...) runs the folds over Open MPI ranks (the same folds; each fold's "
	  "model the one-process model bit for bit; docs/scale.md).", .fn = s_cross_val_predict },
	{ .name = NULL }
};
