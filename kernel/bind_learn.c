/* Command-language functions of the learn area (entries of the function
 * table): PCA, train_test_split, LogisticRegression, confusion_matrix
 * (ConfusionMatrix objects shown as heatmaps), classification_report,
 * roc_auc, cross_val_auc and accuracy_score. */
#include "registry.h"
#include "bind_embed.h"

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

static int s_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
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
	char buf[256];

	if (mc_pca_fitted(pca)) {
		double tot = 0.0;
		for (size_t c = 0; c < mc_pca_n_components(pca); c++)
			tot += mc_pca_explained_variance_ratio(pca)[c];
		snprintf(buf, sizeof buf,
		         "PCA(n_components=%zu, solver=\"%s\") fitted on %zu x %zu, explains %.2f%% "
		         "of the variance", pp->n_components,
		         pp->solver == MC_PCA_EXACT ? "exact" : "randomized", mc_pca_n_samples(pca),
		         mc_pca_n_features(pca), 100.0 * tot);
	} else {
		snprintf(buf, sizeof buf, "PCA(n_components=%zu, solver=\"%s\") (not fitted)",
		         pp->n_components, pp->solver == MC_PCA_EXACT ? "exact" : "randomized");
	}
	return s_strdup(buf);
}

static mc_value *s_pca_getattr(const void *p, const char *name, mc_error *err)
{
	const mc_pca *pca = p;
	size_t k = mc_pca_n_components(pca);

	if (strcmp(name, "n_components") == 0)
		return mc_int((int64_t)mc_pca_params_of(pca)->n_components);
	if (strcmp(name, "components_") != 0 && strcmp(name, "mean_") != 0 &&
	    strcmp(name, "explained_variance_") != 0 &&
	    strcmp(name, "explained_variance_ratio_") != 0 &&
	    strcmp(name, "n_features_in_") != 0 && strcmp(name, "n_samples_") != 0) {
		mc_error_set(err, MC_ERR_NOTFOUND, "PCA has no attribute '%s'", name);
		return NULL;
	}
	if (!mc_pca_fitted(pca)) {
		mc_error_set(err, MC_ERR_STATE, "PCA is not fitted yet; call fit(X) first");
		return NULL;
	}
	if (strcmp(name, "components_") == 0)
		return mc_array_from_matrix(mc_pca_components(pca));
	if (strcmp(name, "mean_") == 0)
		return s_array_from(mc_pca_mean(pca), mc_pca_n_features(pca));
	if (strcmp(name, "explained_variance_") == 0)
		return s_array_from(mc_pca_explained_variance(pca), k);
	if (strcmp(name, "explained_variance_ratio_") == 0)
		return s_array_from(mc_pca_explained_variance_ratio(pca), k);
	if (strcmp(name, "n_features_in_") == 0)
		return mc_int((int64_t)mc_pca_n_features(pca));
	return mc_int((int64_t)mc_pca_n_samples(pca));
}

static const char *const s_pca_attrs[] = {
	"n_components", "components_", "mean_", "explained_variance_",
	"explained_variance_ratio_", "n_features_in_", "n_samples_", NULL
};

static const mc_class s_pca_class = {
	"PCA", s_pca_free, s_pca_repr, NULL, s_pca_getattr, s_pca_attrs, NULL
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
	return *out != NULL ? 0 : s_nomem(err);
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
	src->ctx = (void *)npy;
	src->single = 1;
	return 1;
}

static int s_pca_fit_common(mc_call *call, mc_value **out, int transform, mc_error *err)
{
	mc_pca *pca = mc_call_self_ptr(call);
	mc_matrix X, *owned = NULL, *scores = NULL;
	const mc_progress *prog = mc_call_progress(call);
	mc_rows src;
	int rc;

	if (s_stream_source(call, "X", &src))
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
	return *out != NULL ? 0 : s_nomem(err);
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
	mc_rows src;
	int rc;

	if (s_stream_source(call, "X", &src))
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
	return *out != NULL ? 0 : s_nomem(err);
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
		s_nomem(err);
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
		rc = err->code != 0 ? err->code : s_nomem(err);
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
			rc = s_nomem(err);
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
	                                                       : "none";
	int n = snprintf(buf, sizeof buf, "LogisticRegression(C=%g, class_weight=%s, max_iter=%zu, "
	                 "tol=%g%s)", l->p.C, cw, l->p.max_iter, l->p.tol,
	                 l->p.warm_start ? ", warm_start=true" : "");

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

static mc_value *s_lr_getattr(const void *p, const char *name, mc_error *err)
{
	const s_lr *l = p;
	const mc_logreg *lr = l->lr;

	if (strcmp(name, "C") == 0)
		return mc_float(l->p.C);
	if (strcmp(name, "max_iter") == 0)
		return mc_int((int64_t)l->p.max_iter);
	if (strcmp(name, "tol") == 0)
		return mc_float(l->p.tol);
	if (strcmp(name, "coef_") != 0 && strcmp(name, "intercept_") != 0 &&
	    strcmp(name, "classes_") != 0 && strcmp(name, "n_iter_") != 0 &&
	    strcmp(name, "n_features_in_") != 0 && strcmp(name, "objective_") != 0 &&
	    strcmp(name, "converged_") != 0) {
		mc_error_set(err, MC_ERR_NOTFOUND, "LogisticRegression has no attribute '%s'", name);
		return NULL;
	}
	if (!mc_logreg_fitted(lr)) {
		mc_error_set(err, MC_ERR_STATE,
		             "LogisticRegression is not fitted yet; call fit(X, y) first");
		return NULL;
	}
	if (strcmp(name, "coef_") == 0)
		return mc_array_from_matrix(mc_logreg_coef(lr));
	if (strcmp(name, "intercept_") == 0)
		return s_array_from(mc_logreg_intercept(lr), mc_logreg_n_classes(lr));
	if (strcmp(name, "classes_") == 0) {
		mc_value *a = mc_array_new(MC_I64, mc_logreg_n_classes(lr), 0);
		for (size_t c = 0; a != NULL && c < mc_logreg_n_classes(lr); c++)
			mc_array_i64(a)[c] = (int64_t)c;
		return a;
	}
	if (strcmp(name, "n_iter_") == 0)
		return mc_int((int64_t)mc_logreg_n_iter(lr));
	if (strcmp(name, "n_features_in_") == 0)
		return mc_int((int64_t)mc_logreg_n_features(lr));
	if (strcmp(name, "objective_") == 0)
		return mc_float(mc_logreg_final_objective(lr));
	return mc_bool(mc_logreg_converged(lr));
}

static const char *const s_lr_attrs[] = {
	"C", "max_iter", "tol", "coef_", "intercept_", "classes_", "n_iter_", "n_features_in_",
	"objective_", "converged_", NULL
};

static const mc_class s_lr_class = {
	"LogisticRegression", s_lr_free, s_lr_repr, NULL, s_lr_getattr, s_lr_attrs, NULL
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
		                    "%s(): class_weight must be none, \"balanced\" or a dict "
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
static double *s_dict_weights(const mc_value *dict, size_t *k)
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

static int s_lr_new(mc_call *call, mc_value **out, mc_error *err)
{
	s_lr *l = calloc(1, sizeof *l);
	int rc;

	if (l == NULL)
		return s_nomem(err);
	rc = s_lr_params(call, &l->p, &l->cw_dict, 1, err);
	if (rc != 0) {
		free(l);
		return rc;
	}
	*out = mc_object_new(&s_lr_class, l);
	return *out != NULL ? 0 : s_nomem(err);
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
	int rc;

	rc = mc_arg_matrix(call, "X", &X, &owned, err);
	if (rc == 0)
		rc = mc_arg_labels(call, "y", &y, &n, err);
	if (rc == 0)
		rc = s_same_len(call, "X", X.rows, "y", n, err);
	if (rc == 0)
		rc = s_weights_arg(call, "sample_weight", n, &w, err);
	if (rc != 0)
		goto cleanup;
	p.n_classes = s_n_classes(y, n);
	if (l->cw_dict != NULL) {
		cw = s_dict_weights(l->cw_dict, &p.n_classes);
		if (cw == NULL) {
			rc = s_nomem(err);
			goto cleanup;
		}
		p.class_weights = cw;
	}
	/* a model keeps its parameters; a warm start needs the same class count */
	if (l->lr != NULL && l->p.warm_start && mc_logreg_fitted(l->lr) &&
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
	if (rc == 0) {
		*out = mc_ref(mc_call_self(call));
		if (*out == NULL)
			rc = s_nomem(err);
	}
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
	if (rc == 0) {
		*out = what == 0 ? s_int_array_from(pred, X.rows) : mc_array_from_matrix(res);
		if (*out == NULL)
			rc = s_nomem(err);
	}
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
		rc = mc_arg_matrix(call, "X", &X, &owned, err);
	if (rc == 0)
		rc = mc_arg_labels(call, "y", &y, &n, err);
	if (rc == 0)
		rc = s_same_len(call, "X", X.rows, "y", n, err);
	if (rc == 0)
		rc = s_weights_arg(call, "sample_weight", n, &w, err);
	if (rc == 0)
		rc = mc_logreg_score(&acc, l->lr, &X, y, w, err);
	if (rc == 0) {
		*out = mc_float(acc);
		if (*out == NULL)
			rc = s_nomem(err);
	}
	mc_matrix_free(owned);
	free(y);
	free(w);
	return rc;
}

/* ---- confusion matrix ---- */

typedef struct s_cm {
	mc_confusion *cm;
	char **names;        /* k class names */
} s_cm;

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

static char *s_cm_text(const s_cm *c, int normalized)
{
	size_t k = c->cm->k, cap = 64 + k * k * 16 + k * 48, len = 0;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len, "ConfusionMatrix (%zu classes; rows: true, "
	                        "columns: predicted%s)\n", k, normalized ? ", row-normalised" : "");
	for (size_t t = 0; t < k && k <= 20; t++) {
		len += (size_t)snprintf(s + len, cap - len, "%-12.12s", c->names[t]);
		for (size_t p = 0; p < k; p++)
			len += (size_t)snprintf(s + len, cap - len, normalized ? " %6.3f" : " %6.0f",
			                        normalized ? c->cm->norm[t * k + p]
			                                   : c->cm->counts[t * k + p]);
		len += (size_t)snprintf(s + len, cap - len, "\n");
	}
	if (k > 20)
		snprintf(s + len, cap - len, "(too many classes for text; see the heatmap)\n");
	return s;
}

static char *s_cm_repr(const void *p)
{
	const s_cm *c = p;
	char *text = s_cm_text(c, 0);
	size_t t, pr;
	double v;
	mc_error err = { 0 };

	if (text != NULL && mc_confusion_pick(c->cm, &t, &pr, &v, &err) == 0) {
		size_t n = strlen(text) + strlen(c->names[t]) + strlen(c->names[pr]) + 128;
		char *s = malloc(n);
		if (s != NULL)
			snprintf(s, n, "%sLargest confusion: true \"%s\" predicted as \"%s\" (%.3f of "
			         "its row); class of interest: \"%s\"", text, c->names[t], c->names[pr],
			         v, c->names[pr]);
		free(text);
		return s;
	}
	return text;
}

static int s_cm_display(const void *p, json_t *data, json_t *metadata, mc_error *err)
{
	const s_cm *c = p;
	mc_heatmap_opts o;
	mc_matrix m;
	mc_png *png = NULL;
	size_t t, pr;
	double v;
	mc_error ignore = { 0 };
	int rc;

	mc_heatmap_opts_init(&o);
	o.title = "Normalised confusion matrix";
	o.row_labels = (const char *const *)c->names;
	if (mc_confusion_pick(c->cm, &t, &pr, &v, &ignore) == 0) {
		o.highlight = (long)pr;
		o.mark_row = (long)t;
		o.mark_col = (long)pr;
	}
	o.vmin = 0.0;
	o.vmax = 1.0;
	m.rows = m.cols = m.stride = c->cm->k;
	m.data = c->cm->norm;
	m.owns = 0;
	rc = mc_plot_heatmap(&png, NULL, &m, &o, err);
	if (rc != 0)
		return rc;
	rc = mc_bundle_add_png(data, metadata, png->data, png->len, png->width, png->height, err);
	mc_png_free(png);
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

static mc_value *s_cm_getattr(const void *p, const char *name, mc_error *err)
{
	const s_cm *c = p;

	if (strcmp(name, "counts") == 0)
		return s_cm_matrix_value(c->cm->counts, c->cm->k, 1);
	if (strcmp(name, "normalized") == 0)
		return s_cm_matrix_value(c->cm->norm, c->cm->k, 0);
	if (strcmp(name, "classes") == 0)
		return s_names_list(c);
	if (strcmp(name, "n_classes") == 0)
		return mc_int((int64_t)c->cm->k);
	mc_error_set(err, MC_ERR_NOTFOUND, "ConfusionMatrix has no attribute '%s'", name);
	return NULL;
}

static size_t s_cm_strings(const void *p, const char **out, size_t max)
{
	const s_cm *c = p;
	size_t n = 0;

	for (size_t i = 0; i < c->cm->k && n < max; i++)
		out[n++] = c->names[i];
	return n;
}

static const char *const s_cm_attrs[] = { "counts", "normalized", "classes", "n_classes", NULL };

static const mc_class s_cm_class = {
	"ConfusionMatrix", s_cm_free, s_cm_repr, s_cm_display, s_cm_getattr, s_cm_attrs,
	s_cm_strings
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
		return s_nomem(err);
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
			return s_nomem(err);
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

static int s_confusion_matrix(mc_call *call, mc_value **out, mc_error *err)
{
	int64_t *yt, *yp;
	double *w;
	size_t n, k;
	char **names;
	s_cm *c;
	int rc;

	rc = s_pair_args(call, &yt, &yp, &w, &n, &k, &names, err);
	if (rc != 0)
		return rc;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		rc = s_nomem(err);
	else
		rc = mc_confusion_new(&c->cm, yt, yp, w, n, k, err);
	if (rc != 0) {
		for (size_t i = 0; i < k; i++)
			free(names[i]);
		free(names);
		free(c);
	} else {
		c->names = names;
		*out = mc_object_new(&s_cm_class, c);
		if (*out == NULL)
			rc = s_nomem(err);
	}
	free(yt);
	free(yp);
	free(w);
	return rc;
}

static int s_cm_pick(mc_call *call, mc_value **out, mc_error *err)
{
	const s_cm *c = mc_call_self_ptr(call);
	size_t t, p;
	double v;
	mc_value *d;
	int rc;

	rc = mc_confusion_pick(c->cm, &t, &p, &v, err);
	if (rc != 0)
		return rc;
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "true", mc_str(c->names[t])) != 0 ||
	    mc_dict_set_str(d, "predicted", mc_str(c->names[p])) != 0 ||
	    mc_dict_set_str(d, "value", mc_float(v)) != 0 ||
	    mc_dict_set_str(d, "true_index", mc_int((int64_t)t)) != 0 ||
	    mc_dict_set_str(d, "predicted_index", mc_int((int64_t)p)) != 0) {
		mc_unref(d);
		return s_nomem(err);
	}
	*out = d;
	return 0;
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
		rc = s_nomem(err);
	free(html);
	mc_table_free(t);
	return rc;
}

static mc_value *s_report_getattr(const void *p, const char *name, mc_error *err)
{
	const mc_class_report *r = ((const s_report *)p)->r;

	if (strcmp(name, "precision") == 0)
		return s_array_from(r->precision, r->k);
	if (strcmp(name, "recall") == 0)
		return s_array_from(r->recall, r->k);
	if (strcmp(name, "f1") == 0)
		return s_array_from(r->f1, r->k);
	if (strcmp(name, "support") == 0)
		return s_array_from(r->support, r->k);
	if (strcmp(name, "accuracy") == 0)
		return mc_float(r->accuracy);
	if (strcmp(name, "macro_f1") == 0)
		return mc_float(r->macro_f1);
	mc_error_set(err, MC_ERR_NOTFOUND, "ClassificationReport has no attribute '%s'", name);
	return NULL;
}

static const char *const s_report_attrs[] = {
	"precision", "recall", "f1", "support", "accuracy", "macro_f1", NULL
};

static const mc_class s_report_class = {
	"ClassificationReport", s_report_free, s_report_repr, s_report_display,
	s_report_getattr, s_report_attrs, NULL
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
		rc = s_nomem(err);
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
			rc = s_nomem(err);
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
	if (rc == 0) {
		*out = mc_float(hit / tot);
		if (*out == NULL)
			rc = s_nomem(err);
	}
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
			rc = s_nomem(err);
		if (rc == 0)
			rc = mc_roc_auc_ovr(per, &macro, y, &P, w, err);
		if (rc == 0) {
			mc_value *d = mc_dict_new();
			if (d == NULL || mc_dict_set_str(d, "macro", mc_float(macro)) != 0 ||
			    mc_dict_set_str(d, "per_class", s_array_from(per, P.cols)) != 0) {
				mc_unref(d);
				rc = s_nomem(err);
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
		rc = s_nomem(err);
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
		rc = s_nomem(err);
cleanup:
	mc_matrix_free(owned);
	free(y);
	free(w);
	free(s1);
	free(per);
	free(pos);
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
		rc = mc_arg_matrix(call, "X", &X, &owned, err);
	if (rc == 0)
		rc = mc_arg_labels(call, "y", &y, &n, err);
	if (rc == 0)
		rc = s_same_len(call, "X", X.rows, "y", n, err);
	if (rc == 0)
		rc = s_weights_arg(call, "sample_weight", n, &w, err);
	if (rc != 0)
		goto cleanup;
	p.n_classes = s_n_classes(y, n);
	if (dict != NULL) {
		cw = s_dict_weights(dict, &p.n_classes);
		if (cw == NULL) {
			rc = s_nomem(err);
			goto cleanup;
		}
		p.class_weights = cw;
	}
	rc = mc_cross_val_auc(&cv, &X, y, w, p.n_classes, (size_t)folds, (uint64_t)seed, &p,
	                      mc_call_progress(call), err);
	if (rc != 0)
		goto cleanup;
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "macro", mc_float(cv->macro)) != 0 ||
	    mc_dict_set_str(d, "per_class", s_array_from(cv->per_class, cv->n_classes)) != 0 ||
	    mc_dict_set_str(d, "folds", s_array_from(cv->fold_macro, cv->folds)) != 0) {
		rc = s_nomem(err);
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

const mc_func_def mc_funcs_learn[] = {
	{ "PCA", "(n_components=256, solver=\"exact\", seed=0)",
	  "Principal component analysis (as scikit-learn's PCA); fit it with .fit(X).",
	  "solver \"exact\" builds the covariance matrix in one pass and takes its top "
	  "eigenvectors (LAPACK); \"randomized\" uses a randomized range finder (seeded). "
	  "Components have scikit-learn's signs. X may be a float32 Embeddings file "
	  "(load_npy), which is streamed in chunks and never loaded whole; like "
	  "scikit-learn with float32 input, the exact solver then computes in single "
	  "precision (each chunk's covariance summed in double), about 1.4x faster; "
	  "E.to_array() gives float64. Attributes: "
	  "`components_`, `mean_`, "
	  "`explained_variance_`, `explained_variance_ratio_`.", s_pca_new },
	{ "PCA.fit", "(X)", "Fits the components on the rows of X; returns the PCA.", NULL,
	  s_pca_fit },
	{ "PCA.transform", "(X)", "The rows of X projected on the components (rows x n_components).",
	  NULL, s_pca_transform },
	{ "PCA.fit_transform", "(X)", "fit(X) then transform(X), sharing one pass over X.", NULL,
	  s_pca_fit_transform },
	{ "train_test_split", "(X, y, test_size=0.25, seed=0)",
	  "Seeded stratified split: returns [X_train, X_test, y_train, y_test].",
	  "test_size is a fraction (the test set gets ceil(test_size * n) rows) or a count. "
	  "Each class is split in proportion; rows keep their order.", s_train_test_split },
	{ "LogisticRegression",
	  "(C=1.0, class_weight=none, max_iter=100, tol=1e-4, warm_start=false)",
	  "Multinomial logistic regression with an L2 penalty (scikit-learn's objective).",
	  "Minimises sum_i w_i * cross-entropy_i + ||W||^2 / (2C) with L-BFGS. class_weight is "
	  "none, \"balanced\" (n / (K * count_k)) or a dict {class: weight}. Stops when the "
	  "largest gradient entry divided by the sum of the weights is <= tol, or after max_iter "
	  "iterations.", s_lr_new },
	{ "LogisticRegression.fit", "(X, y, sample_weight=none)",
	  "Fits on rows X with labels y (0..K-1); a sample weight 0 removes the sample.", NULL,
	  s_lr_fit },
	{ "LogisticRegression.predict", "(X)", "The most probable class of each row (int64 array).",
	  NULL, s_lr_predict },
	{ "LogisticRegression.predict_proba", "(X)", "Class probabilities (rows x K).", NULL,
	  s_lr_proba },
	{ "LogisticRegression.decision_function", "(X)", "Class scores W x + b (rows x K).", NULL,
	  s_lr_decision },
	{ "LogisticRegression.score", "(X, y, sample_weight=none)",
	  "Accuracy of predict(X) against y.", NULL, s_lr_score },
	{ "confusion_matrix", "(y_true, y_pred, classes=none, sample_weight=none)",
	  "A ConfusionMatrix (shown as a heatmap of the row-normalised matrix).",
	  "classes is a list of class names (e.g. ds.classes). Attributes: `counts`, "
	  "`normalized`, `classes`; `.pick_class()` applies the article's rule.",
	  s_confusion_matrix },
	{ "ConfusionMatrix.pick_class", "()",
	  "The article's class of interest: {true, predicted, value, ...}.",
	  "Takes the largest off-diagonal entry of the row-normalised matrix, at true class A "
	  "and predicted class C; the class to clean is C (\"predicted\"). value is the share "
	  "of A's samples predicted as C.", s_cm_pick },
	{ "classification_report", "(y_true, y_pred, classes=none, sample_weight=none)",
	  "Per-class precision, recall, F1 and support, with accuracy and averages (a table).",
	  NULL, s_classification_report },
	{ "accuracy_score", "(y_true, y_pred, sample_weight=none)",
	  "Share of predictions equal to the labels.", NULL, s_accuracy_score },
	{ "roc_auc", "(y, proba, sample_weight=none)",
	  "ROC AUC: one-vs-rest per class for 2-D proba ({macro, per_class}), binary for 1-D scores.",
	  "Ties are handled as scikit-learn's roc_auc_score. A class without positive or "
	  "negative samples gets nan and is left out of the macro average.", s_roc_auc },
	{ "cross_val_auc",
	  "(X, y, sample_weight=none, folds=5, seed=0, C=1.0, class_weight=\"balanced\", "
	  "max_iter=100, tol=1e-4)",
	  "K-fold cross-validated one-vs-rest AUC of logistic regression: {macro, per_class, folds}.",
	  "Stratified seeded folds over the kept samples; a sample_weight of 0 removes a sample "
	  "from both training and scoring. This is the article's \"AUC across iterations\".",
	  s_cross_val_auc },
	{ NULL, NULL, NULL, NULL, NULL }
};
