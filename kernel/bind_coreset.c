/* Command-language functions of the coreset area (entries of the function
 * table): CoresetTreeServiceLG, load_coreset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_data.h"
#include "bind_embed.h"
#include "bind_mpi.h"
#include "bind_render.h"
#include "registry.h"

#include "maskclean/coreset.h"
#include "maskclean/image.h"
#include "maskclean/logreg.h"
#include "maskclean/plot.h"
#include "maskclean/render.h"
#include "maskclean/review.h"
#include "maskclean/table.h"

/* ---- argument conversion ---- */

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
		return mc_error_nomem(err);
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

/* ---- CoresetLR: the model fit on a coreset ---- */

static void s_model_free(void *p)
{
	mc_logreg_free(p);
}

static char *s_model_repr(const void *p)
{
	char buf[200];
	snprintf(buf, sizeof buf, "CoresetLR(%zu classes, %zu features, %zu iterations)",
	         mc_logreg_n_classes(p), mc_logreg_n_features(p), mc_logreg_n_iter(p));
	return strdup(buf);
}

static mc_value *s_model_coef(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_array_from_matrix(mc_logreg_coef(mc_object_ptr(self)));
}

static mc_value *s_model_intercept(mc_value *self, mc_error *err)
{
	const mc_logreg *lr = mc_object_ptr(self);

	(void)err;
	return s_f64_array(mc_logreg_intercept(lr), mc_logreg_n_classes(lr));
}

static const mc_attr_def s_model_attrs[] = {
	{ .name = "coef_", .doc = "weights, one row per class", .get = s_model_coef },
	{ .name = "intercept_", .doc = "the bias of each class", .get = s_model_intercept },
	{ .name = NULL }
};

static const mc_class s_model_class = {
	.name = "CoresetLR", .free = s_model_free, .repr = s_model_repr, .attributes = s_model_attrs
};

static int s_model_apply(mc_call *call, mc_value **out, mc_error *err, int proba)
{
	mc_matrix view, *owned = NULL, *P = NULL;
	int rc;
	const mc_logreg *lr = mc_call_self_ptr(call);

	*out = NULL;
	rc = mc_arg_matrix(call, "X", &view, &owned, err);
	if (rc)
		return rc;
	if (proba) {
		rc = mc_logreg_proba(&P, lr, &view, err);
		if (rc == 0)
			*out = mc_array_from_matrix(P);
		mc_matrix_free(P);
	} else {
		int64_t *y = NULL;
		rc = mc_logreg_predict(&y, lr, &view, err);
		if (rc == 0) {
			*out = mc_array_new(MC_I64, view.rows, 0);
			if (*out)
				memcpy(mc_array_i64(*out), y, view.rows * sizeof *y);
		}
		free(y);
	}
	mc_matrix_free(owned);
	if (rc == 0 && *out == NULL)
		rc = mc_error_nomem(err);
	return rc;
}

static int s_model_predict(mc_call *c, mc_value **o, mc_error *e) { return s_model_apply(c, o, e, 0); }
static int s_model_predict_proba(mc_call *c, mc_value **o, mc_error *e) { return s_model_apply(c, o, e, 1); }

/* ---- CoresetTreeServiceLG ---- */

static void s_service_free(void *p)
{
	mc_coreset_free(p);
}

static char *s_service_repr(const void *p)
{
	const mc_coreset *cs = p;
	char buf[320];
	if (mc_coreset_n(cs) == 0)
		snprintf(buf, sizeof buf, "CoresetTreeServiceLG(optimized_for=\"%s\", not built)",
		         mc_coreset_params_of(cs)->optimized_for == MC_CORESET_TRAINING ? "training"
		                                                                        : "cleaning");
	else
		snprintf(buf, sizeof buf, "CoresetTreeServiceLG(optimized_for=\"%s\", %zu samples x %zu "
		         "features, %zu classes, %zu chunks of %zu, %zu tree levels)",
		         mc_coreset_params_of(cs)->optimized_for == MC_CORESET_TRAINING ? "training"
		                                                                        : "cleaning",
		         mc_coreset_n(cs), mc_coreset_dim(cs), mc_coreset_n_classes(cs),
		         mc_coreset_n_chunks(cs), mc_coreset_chunk_size(cs), mc_coreset_n_levels(cs));
	return strdup(buf);
}

#define S_SIZE_ATTR(fn, expr) \
	static mc_value *fn(mc_value *self, mc_error *err) \
	{ \
		const mc_coreset *cs = mc_object_ptr(self); \
		(void)err; \
		return mc_int((int64_t)(expr)); \
	}

S_SIZE_ATTR(s_service_n_samples, mc_coreset_n(cs))
S_SIZE_ATTR(s_service_n_features, mc_coreset_dim(cs))
S_SIZE_ATTR(s_service_n_classes, mc_coreset_n_classes(cs))
S_SIZE_ATTR(s_service_n_chunks, mc_coreset_n_chunks(cs))
S_SIZE_ATTR(s_service_n_levels, mc_coreset_n_levels(cs))
S_SIZE_ATTR(s_service_chunk_size, mc_coreset_chunk_size(cs))

static mc_value *s_service_optimized_for(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(mc_coreset_params_of(mc_object_ptr(self))->optimized_for == MC_CORESET_TRAINING
	              ? "training" : "cleaning");
}

static mc_value *s_service_importance(mc_value *self, mc_error *err)
{
	const mc_coreset *cs = mc_object_ptr(self);
	size_t n = mc_coreset_n(cs);

	(void)err;
	return s_f64_array(n ? mc_coreset_importance(cs) : NULL, n);
}

static mc_value *s_service_weights(mc_value *self, mc_error *err)
{
	const mc_coreset *cs = mc_object_ptr(self);
	size_t n = mc_coreset_n(cs);

	(void)err;
	return s_f64_array(n ? mc_coreset_weights(cs) : NULL, n);
}

static mc_value *s_service_labels(mc_value *self, mc_error *err)
{
	const mc_coreset *cs = mc_object_ptr(self);
	size_t n = mc_coreset_n(cs);
	mc_value *a = mc_array_new(MC_I64, n, 0);

	(void)err;
	if (a && n)
		memcpy(mc_array_i64(a), mc_coreset_labels(cs), n * sizeof(int64_t));
	return a;
}

static mc_value *s_service_classes(mc_value *self, mc_error *err)
{
	const mc_coreset *cs = mc_object_ptr(self);
	mc_value *l = mc_list_new();

	(void)err;
	for (size_t k = 0; l != NULL && k < mc_coreset_n_class_names(cs); k++)
		if (mc_list_append(l, mc_str(mc_coreset_class_name(cs, k))) != 0) {
			mc_unref(l);
			l = NULL;
		}
	return l;
}

static mc_value *s_service_seen_indices(mc_value *self, mc_error *err)
{
	const mc_coreset *cs = mc_object_ptr(self);
	size_t n = mc_coreset_n(cs);
	size_t *s = malloc((n ? n : 1) * sizeof *s), m = 0;
	mc_value *a;

	(void)err;
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (mc_coreset_is_seen(cs, i))
			s[m++] = i;
	a = s_i64_array(s, m);
	free(s);
	return a;
}

static const mc_attr_def s_service_attrs[] = {
	{ .name = "n_samples", .doc = "samples built into the service", .get = s_service_n_samples },
	{ .name = "n_features", .doc = "features per sample", .get = s_service_n_features },
	{ .name = "n_classes", .doc = "classes of the labels", .get = s_service_n_classes },
	{ .name = "n_chunks", .doc = "chunks the samples are split into", .get = s_service_n_chunks },
	{ .name = "n_levels", .doc = "levels of the coreset tree", .get = s_service_n_levels },
	{ .name = "chunk_size", .doc = "samples per chunk", .get = s_service_chunk_size },
	{ .name = "optimized_for", .doc = "\"cleaning\" or \"training\"", .get = s_service_optimized_for },
	{ .name = "classes", .doc = "the class names given to build (may be empty)", .get = s_service_classes },
	{ .name = "importance", .doc = "each sample's importance score", .get = s_service_importance },
	{ .name = "weights", .doc = "each sample's weight (0: removed)", .get = s_service_weights },
	{ .name = "labels", .doc = "each sample's label (class index)", .get = s_service_labels },
	{ .name = "seen", .doc = "indices of the samples marked seen", .get = s_service_seen_indices },
	{ .name = NULL }
};

static const mc_class s_service_class = {
	.name = "CoresetTreeServiceLG", .free = s_service_free, .repr = s_service_repr,
	.attributes = s_service_attrs
};

/* classes=[names] (e.g. ds.classes): names for class_size keys. */
static int s_classes_arg(mc_call *call, mc_coreset *cs, mc_error *err)
{
	mc_value *cl = mc_arg(call, "classes");
	const char **names;
	size_t n;
	int rc;

	if (cl == NULL || mc_type(cl) == MC_T_NONE)
		return 0;
	if (mc_type(cl) != MC_T_LIST)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): classes must be a list of class names "
		                    "(e.g. ds.classes), got %s", mc_call_name(call), mc_type_name(cl));
	n = mc_list_len(cl);
	names = calloc(n ? n : 1, sizeof *names);
	if (names == NULL)
		return mc_error_nomem(err);
	for (size_t k = 0; k < n; k++) {
		mc_value *it = mc_list_get(cl, k);
		if (mc_type(it) != MC_T_STR) {
			free(names);
			return mc_error_set(err, MC_ERR_TYPE, "%s(): classes[%zu] must be a name (str), "
			                    "got %s", mc_call_name(call), k, mc_type_name(it));
		}
		names[k] = mc_as_str(it);
	}
	rc = mc_coreset_set_class_names(cs, names, n, err);
	free(names);
	return rc;
}

static int s_service_new(mc_call *call, mc_value **out, mc_error *err)
{
	mc_coreset_params p;
	mc_coreset *cs = NULL;
	const char *goal = "cleaning", *basis = "cholqr";
	int64_t chunk = 0, csize = 0, seed = 0;
	int rc;

	*out = NULL;
	mc_coreset_params_init(&p);
	if ((rc = mc_arg_str(call, "optimized_for", &goal, err)) != 0 ||
	    (rc = mc_arg_int_opt(call, "chunk_size", &chunk, err)) < 0 ||
	    (rc = mc_arg_int_opt(call, "coreset_size", &csize, err)) < 0 ||
	    (rc = mc_arg_int(call, "seed", &seed, err)) != 0 ||
	    (rc = mc_arg_str(call, "basis", &basis, err)) != 0)
		return rc;
	if ((rc = mc_coreset_goal_parse(&p.optimized_for, goal, err)) != 0)
		return rc;
	if (chunk < 0 || csize < 0)
		return mc_error_set(err, MC_ERR_INVALID, "CoresetTreeServiceLG(): chunk_size and "
		                    "coreset_size must be >= 0");
	if (strcmp(basis, "cholqr") == 0)
		p.basis = MC_BASIS_CHOLQR;
	else if (strcmp(basis, "qr") == 0)
		p.basis = MC_BASIS_QR;
	else
		return mc_error_set(err, MC_ERR_INVALID, "CoresetTreeServiceLG(): basis must be "
		                    "\"cholqr\" or \"qr\", got \"%s\"", basis);
	p.chunk_size = (size_t)chunk;
	p.coreset_size = (size_t)csize;
	p.seed = (uint64_t)seed;
	if ((rc = mc_coreset_new(&cs, &p, err)) != 0)
		return rc;
	if ((rc = s_classes_arg(call, cs, err)) != 0) {
		mc_coreset_free(cs);
		return rc;
	}
	*out = mc_object_new(&s_service_class, cs);
	return *out ? 0 : mc_error_nomem(err);
}

static int s_build(mc_call *call, mc_value **out, mc_error *err, int partial)
{
	mc_coreset *cs = mc_call_self_ptr(call);
	mc_matrix view, *owned = NULL;
	int64_t *y = NULL;
	double *w = NULL;
	size_t ny, nw;
	int rc;
	const mc_cluster *c = NULL;

	*out = NULL;
	rc = mc_arg_cluster(call, "mpi", &c, err);
	if (rc == 0 && c != NULL) {
		/* on a cluster, X stays where it is (its file, or one written for
		 * the ranks) */
		rc = mc_arg_labels(call, "y", &y, &ny, err);
		if (rc == 0)
			rc = mc_arg_numbers(call, "sample_weight", &w, &nw, 1, 0, err);
		if (rc == 0 && w != NULL && nw != ny)
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s(): sample_weight has %zu entries, y has "
			                  "%zu", mc_call_name(call), nw, ny);
		if (rc == 0)
			rc = mc_mpi_coreset_build(cs, mc_arg(call, "X"), y, w, ny, c,
			                          mc_call_progress(call), err);
		free(y);
		free(w);
		if (rc == 0)
			*out = mc_none();
		return rc;
	}
	if (rc == 0)
		rc = mc_arg_matrix(call, "X", &view, &owned, err);
	if (rc == 0)
		rc = mc_arg_labels(call, "y", &y, &ny, err);
	if (rc == 0)
		rc = mc_arg_numbers(call, "sample_weight", &w, &nw, 1, 0, err);
	if (rc == 0 && ny != view.rows)
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s(): y has %zu entries, X has %zu rows",
		                  mc_call_name(call), ny, view.rows);
	if (rc == 0 && w != NULL && nw != view.rows)
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s(): sample_weight has %zu entries, X has %zu "
		                  "rows", mc_call_name(call), nw, view.rows);
	if (rc == 0)
		rc = partial ? mc_coreset_partial_build(cs, &view, y, w, mc_call_progress(call), err)
		             : mc_coreset_build(cs, &view, y, w, mc_call_progress(call), err);
	mc_matrix_free(owned);
	free(y);
	free(w);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int s_service_build(mc_call *c, mc_value **o, mc_error *e) { return s_build(c, o, e, 0); }
static int s_service_partial_build(mc_call *c, mc_value **o, mc_error *e) { return s_build(c, o, e, 1); }

/* class_size={class: n | "all" | "any"} */
static int s_class_size_arg(mc_call *call, const mc_coreset *cs, mc_class_size **out,
                            size_t *n, mc_error *err)
{
	mc_value *v = mc_arg(call, "class_size");
	size_t m;

	*out = NULL;
	*n = 0;
	if (v == NULL || mc_type(v) == MC_T_NONE)
		return 0;
	if (mc_type(v) != MC_T_DICT)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): class_size must be a dict {class: number "
		                    "| \"all\" | \"any\"}, got %s", mc_call_name(call), mc_type_name(v));
	m = mc_dict_len(v);
	*out = calloc(m ? m : 1, sizeof **out);
	if (*out == NULL)
		return mc_error_nomem(err);
	for (size_t k = 0; k < m; k++) {
		mc_value *key = mc_dict_key(v, k), *val = mc_dict_value(v, k);
		mc_class_size *e = &(*out)[k];
		if (mc_type(key) == MC_T_STR) {
			mc_error e2;
			mc_error_clear(&e2);
			if (mc_coreset_class_lookup(&e->cls, cs, mc_as_str(key), &e2) != 0) {
				free(*out);
				*out = NULL;
				return mc_error_set(err, e2.code, "%s(): class_size: %s", mc_call_name(call),
				                    e2.text);
			}
		} else if (mc_type(key) == MC_T_INT && mc_as_int(key) >= 0) {
			e->cls = mc_as_int(key);
		} else {
			free(*out);
			*out = NULL;
			return mc_error_set(err, MC_ERR_TYPE, "%s(): class_size keys must be class "
			                    "names or indices >= 0, got %s", mc_call_name(call),
			                    mc_type_name(key));
		}
		if (mc_type(val) == MC_T_INT && mc_as_int(val) >= 0) {
			e->kind = MC_CLASS_SIZE_COUNT;
			e->count = (size_t)mc_as_int(val);
		} else if (mc_type(val) == MC_T_STR && strcmp(mc_as_str(val), "all") == 0) {
			e->kind = MC_CLASS_SIZE_ALL;
		} else if (mc_type(val) == MC_T_STR && strcmp(mc_as_str(val), "any") == 0) {
			e->kind = MC_CLASS_SIZE_ANY;
		} else {
			int64_t cls = e->cls;
			free(*out);
			*out = NULL;
			if (mc_type(key) == MC_T_STR)
				return mc_error_set(err, MC_ERR_INVALID, "%s(): class_size[\"%s\"] must be "
				                    "a number >= 0, \"all\" or \"any\"",
				                    mc_call_name(call), mc_as_str(key));
			return mc_error_set(err, MC_ERR_INVALID, "%s(): class_size[%lld] must be a number "
			                    ">= 0, \"all\" or \"any\"", mc_call_name(call),
			                    (long long)cls);
		}
	}
	*n = m;
	return 0;
}

static int s_service_cleaning(mc_call *call, mc_value **out, mc_error *err)
{
	mc_coreset *cs = mc_call_self_ptr(call);
	mc_cleaning_query q;
	mc_class_size *csz = NULL;
	size_t *ign = NULL, *sel = NULL, *idx = NULL, cnt = 0;
	double *sc = NULL;
	const char *method = "importance";
	int64_t size = 0;
	int ignore_seen = 1, rc, has;
	mc_value *dict = NULL;

	*out = NULL;
	mc_cleaning_query_init(&q);
	if ((has = mc_arg_int_opt(call, "size", &size, err)) < 0 ||
	    (rc = mc_arg_bool(call, "ignore_seen_samples", &ignore_seen, err)) != 0 ||
	    (rc = mc_arg_str(call, "method", &method, err)) != 0)
		return has < 0 ? has : rc;
	if ((rc = mc_rank_parse(&q.method, method, err)) != 0)
		return rc;
	if (has == 0) {
		if (size < 0)
			return mc_error_set(err, MC_ERR_INVALID, "%s(): size must be >= 0",
			                    mc_call_name(call));
		q.size = (size_t)size;
		q.has_size = 1;
	}
	q.ignore_seen = ignore_seen;
	rc = s_class_size_arg(call, cs, &csz, &q.n_class_size, err);
	if (rc == 0)
		rc = s_index_arg(call, "ignore_indices", &ign, &q.n_ignore, 1, err);
	if (rc == 0)
		rc = s_index_arg(call, "select_from_indices", &sel, &q.n_select_from, 1, err);
	if (rc)
		goto cleanup;
	q.class_size = csz;
	q.ignore = ign;
	q.select_from = sel;
	q.has_select_from = sel != NULL;
	rc = mc_coreset_get_cleaning_samples(&idx, &sc, &cnt, cs, &q, mc_call_progress(call), err);
	if (rc)
		goto cleanup;
	dict = mc_dict_new();
	if (dict == NULL || mc_dict_set_str(dict, "idx", s_i64_array(idx, cnt)) != 0 ||
	    mc_dict_set_str(dict, "importance", s_f64_array(sc, cnt)) != 0 ||
	    mc_dict_set_str(dict, "method", mc_str(method)) != 0) {
		mc_unref(dict);
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	*out = dict;
cleanup:
	free(csz);
	free(ign);
	free(sel);
	free(idx);
	free(sc);
	return rc;
}

/* The changes of the review loop: indices, then what changes at them. */
typedef enum s_change { S_TARGETS, S_WEIGHTS, S_FEATURES, S_REMOVE } s_change;

static int s_update(mc_call *call, mc_value **out, mc_error *err, s_change what)
{
	mc_coreset *cs = mc_call_self_ptr(call);
	size_t *idx = NULL, n = 0, ny;
	int64_t *y = NULL;
	double *w = NULL;
	mc_matrix view, *owned = NULL;
	int rc;

	*out = NULL;
	rc = s_index_arg(call, "indices", &idx, &n, 0, err);
	if (rc)
		return rc;
	switch (what) {
	case S_TARGETS:
		rc = mc_arg_labels(call, "y", &y, &ny, err);
		if (rc == 0 && ny != n)
			rc = mc_error_set(err, MC_ERR_SHAPE, "update_targets(): %zu indices, %zu labels",
			                  n, ny);
		if (rc == 0)
			rc = mc_coreset_update_targets(cs, idx, n, y, mc_call_progress(call), err);
		break;
	case S_WEIGHTS:
		rc = mc_arg_numbers(call, "sample_weight", &w, &ny, 0, 1, err);
		if (rc == 0 && ny != n)
			rc = mc_error_set(err, MC_ERR_SHAPE, "update_sample_weight(): %zu indices, %zu "
			                  "weights", n, ny);
		if (rc == 0)
			rc = mc_coreset_update_weights(cs, idx, n, w, mc_call_progress(call), err);
		break;
	case S_FEATURES:
		rc = mc_arg_matrix(call, "X", &view, &owned, err);
		if (rc == 0)
			rc = mc_coreset_update_features(cs, idx, n, &view, mc_call_progress(call), err);
		break;
	case S_REMOVE:
		rc = mc_coreset_remove_samples(cs, idx, n, mc_call_progress(call), err);
		break;
	}
	free(idx);
	free(y);
	free(w);
	mc_matrix_free(owned);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int s_service_update_targets(mc_call *c, mc_value **o, mc_error *e) { return s_update(c, o, e, S_TARGETS); }
static int s_service_update_sample_weight(mc_call *c, mc_value **o, mc_error *e) { return s_update(c, o, e, S_WEIGHTS); }
static int s_service_update_features(mc_call *c, mc_value **o, mc_error *e) { return s_update(c, o, e, S_FEATURES); }
static int s_service_remove_samples(mc_call *c, mc_value **o, mc_error *e) { return s_update(c, o, e, S_REMOVE); }

static int s_service_seen(mc_call *call, mc_value **out, mc_error *err)
{
	mc_coreset *cs = mc_call_self_ptr(call);
	size_t *idx = NULL, n = 0;
	int seen = 1, rc;

	*out = NULL;
	if ((rc = mc_arg_bool(call, "seen", &seen, err)) != 0)
		return rc;
	rc = s_index_arg(call, "indices", &idx, &n, 1, err);
	if (rc == 0)
		rc = mc_coreset_set_seen(cs, idx, n, seen, err);
	free(idx);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int s_service_groups(mc_call *call, mc_value **out, mc_error *err)
{
	mc_coreset *cs = mc_call_self_ptr(call);
	mc_value *v = mc_arg(call, "groups");
	double *g = NULL;
	int64_t *gi = NULL;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (v != NULL && mc_type(v) != MC_T_NONE) {
		rc = mc_arg_numbers(call, "groups", &g, &n, 0, 0, err);
		if (rc == 0 && (gi = malloc((n ? n : 1) * sizeof *gi)) == NULL)
			rc = mc_error_nomem(err);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			if (g[i] != floor(g[i]) || fabs(g[i]) > 9e15)
				rc = mc_error_set(err, MC_ERR_INVALID, "set_groups(): groups[%zu] is %g; "
				                  "expected a whole number (e.g. an image id)", i, g[i]);
			else
				gi[i] = (int64_t)g[i];
		}
	}
	if (rc == 0)
		rc = mc_coreset_set_groups(cs, gi, n, err);
	free(g);
	free(gi);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int s_service_save(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) != 0)
		return rc;
	if (mc_coreset_n(mc_call_self_ptr(call)) == 0)
		return mc_error_set(err, MC_ERR_STATE, "save(): the service is not built yet");
	rc = mc_coreset_save(mc_call_self_ptr(call), path, err);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

static int s_load_coreset(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	mc_coreset *cs = NULL;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) != 0)
		return rc;
	if ((rc = mc_coreset_load(&cs, path, err)) != 0)
		return rc;
	*out = mc_object_new(&s_service_class, cs);
	return *out ? 0 : mc_error_nomem(err);
}

static int s_service_get_coreset(mc_call *call, mc_value **out, mc_error *err)
{
	size_t *idx = NULL, m = 0;
	double *w = NULL;
	int64_t level = 0;
	mc_value *dict;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_int(call, "level", &level, err)) != 0)
		return rc;
	if (level < 0)
		return mc_error_set(err, MC_ERR_INVALID, "get_coreset(): level must be >= 0");
	rc = mc_coreset_get_coreset(&idx, &w, &m, mc_call_self_ptr(call), (size_t)level, err);
	if (rc)
		return rc;
	dict = mc_dict_new();
	if (dict == NULL || mc_dict_set_str(dict, "idx", s_i64_array(idx, m)) != 0 ||
	    mc_dict_set_str(dict, "w", s_f64_array(w, m)) != 0) {
		mc_unref(dict);
		dict = NULL;
	}
	free(idx);
	free(w);
	*out = dict;
	return dict ? 0 : mc_error_nomem(err);
}

static int s_service_fit(mc_call *call, mc_value **out, mc_error *err)
{
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	int64_t level = 0, max_iter = 100;
	int rc;

	*out = NULL;
	mc_logreg_params_init(&p);
	if ((rc = mc_arg_int(call, "level", &level, err)) != 0 ||
	    (rc = mc_arg_float(call, "C", &p.C, err)) != 0 ||
	    (rc = mc_arg_int(call, "max_iter", &max_iter, err)) != 0)
		return rc;
	if (level < 0 || max_iter < 1)
		return mc_error_set(err, MC_ERR_INVALID, "fit(): level must be >= 0 and max_iter >= 1");
	p.max_iter = (size_t)max_iter;
	rc = mc_coreset_fit(&lr, mc_call_self_ptr(call), (size_t)level, &p, mc_call_progress(call),
	                    err);
	if (rc)
		return rc;
	*out = mc_object_new(&s_model_class, lr);
	return *out ? 0 : mc_error_nomem(err);
}

/* ranking_methods(): the ranking table as a Table. */
static int s_ranking_methods(mc_call *call, mc_value **out, mc_error *err)
{
	static const char *const cols[4] = { "method", "needs a model", "across classes by",
		                             "what it scores" };
	size_t n, row;
	const mc_rank_method *m = mc_rank_methods(&n);
	mc_table *t = NULL;
	int rc;

	(void)call;
	*out = NULL;
	rc = mc_table_new(&t, cols, 4, err);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		rc = mc_table_add_row(t, &row, err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 0, m[k].name, err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 1, m[k].needs_model ? "yes" : "no", err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 2, m[k].per_class ? "within-class percentile"
			                                                : "score", err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 3, m[k].doc, err);
	}
	if (rc != 0) {
		mc_table_free(t);
		return rc;
	}
	*out = mc_table_value(t);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

#define CLEANING_SIG                                                                         \
	"(size=None, class_size=None, ignore_indices=None, select_from_indices=None, "        \
	"ignore_seen_samples=True, method=\"importance\")"
#define CLEANING_DOC                                                                         \
	"Returns {idx, importance, method}: the samples most worth reviewing, in ranking "     \
	"order, with their scores under method, and marks them seen (grid() captions name "    \
	"the method).\n\n"                                                                      \
	"class_size maps a class (its "                                                         \
	"index, or its name when the service was created with classes=ds.classes) to a "      \
	"number, \"all\" (every candidate of the class) or \"any\" (the class shares what is " \
	"left of size); without class_size the query ranks every class. method is a row of "   \
	"ranking_methods() (default \"importance\", the article's); an unknown name is an "     \
	"error listing them. Across several classes the ranking is never driven by class "    \
	"size: model-based scores are probabilities, comparable as they are; a per-class "     \
	"score (importance) is compared by its within-class percentile. For the whole "        \
	"dataset, \"hybrid\" found the most errors over the demos' kinds of error (see "         \
	"docs/benchmarks.md)."

const mc_func_def mc_funcs_coreset[] = {
	{ .name = "CoresetTreeServiceLG",
	  .signature = "(optimized_for=\"cleaning\", chunk_size=None, coreset_size=None, seed=0, "
	  "basis=\"cholqr\", classes=None)",
	  .doc = "A coreset tree service for logistic regression (build it with .build(X, y)).",
	  .long_doc = "The data is cut into chunks (chunk_size rows; automatic: about 4 (d+1) rows per class "
	  "per chunk). Each chunk is a leaf coreset; pairs of nodes are merged and reduced up to "
	  "a root. Importance is the DataHeroes unified sensitivity computed per (chunk, class) "
	  "block: s_i = (2 w_i / W_c + ||U_i||^2) W_c with U an orthonormal basis of [X | 1] "
	  "(rows scaled by sqrt(w)). Updates recompute only the touched blocks and the tree "
	  "path above them. classes (e.g. ds.classes) names the class indices, so that "
	  "class_size can take names; the names are saved with the service.", .fn = s_service_new },
	{ .name = "CoresetTreeServiceLG.build",
	  .signature = "(X, y, sample_weight=None, *, mpi=None)",
	  .doc = "Builds the service from features X, labels y (class indices) and optional weights.",
	  .long_doc = "mpi=Cluster(...) builds over Open MPI ranks: each computes the importances of its "
	  "chunks, rank 0 builds the tree; the service is the one-process service byte for byte "
	  "(docs/scale.md). The review loop's updates then run here.", .fn = s_service_build },
	{ .name = "CoresetTreeServiceLG.partial_build", .signature = "(X, y, sample_weight=None)",
	  .doc = "Adds rows (new indices follow the existing ones) without rebuilding full chunks.",
	  .fn = s_service_partial_build },
	{ .name = "CoresetTreeServiceLG.get_cleaning_samples", .signature = CLEANING_SIG,
	  .doc = "The samples most worth reviewing: dict {idx, importance, method}.",
	  .long_doc = CLEANING_DOC, .fn = s_service_cleaning },
	{ .name = "CoresetTreeServiceLG.get_important_samples", .signature = CLEANING_SIG,
	  .doc = "Alias of get_cleaning_samples.",
	  .long_doc = CLEANING_DOC, .fn = s_service_cleaning },
	{ .name = "CoresetTreeServiceLG.update_targets", .signature = "(indices, y)",
	  .doc = "Changes labels; recomputes only the touched (chunk, class) blocks.",
	  .fn = s_service_update_targets },
	{ .name = "CoresetTreeServiceLG.update_features", .signature = "(indices, X)",
	  .doc = "Replaces feature rows; recomputes only the touched blocks.",
	  .fn = s_service_update_features },
	{ .name = "CoresetTreeServiceLG.update_sample_weight",
	  .signature = "(indices, sample_weight)",
	  .doc = "Changes weights (0 removes); recomputes only the touched blocks.",
	  .fn = s_service_update_sample_weight },
	{ .name = "CoresetTreeServiceLG.remove_samples", .signature = "(indices)",
	  .doc = "Removes samples (weight 0): they leave every block, coreset and cleaning query.",
	  .fn = s_service_remove_samples },
	{ .name = "CoresetTreeServiceLG.set_seen_indication",
	  .signature = "(seen=True, indices=None)",
	  .doc = "Marks samples seen or unseen (indices None: all).", .fn = s_service_seen },
	{ .name = "CoresetTreeServiceLG.set_groups", .signature = "(groups=None)",
	  .doc = "Groups for the model scores' folds: samples sharing an id share a fold.",
	  .long_doc = "One whole number per sample (e.g. the photo that augmented copies come from): a "
	  "wrong label copied onto near-duplicates cannot then be vouched for by a copy in the "
	  "training folds. None clears them. Not saved with the service.", .fn = s_service_groups },
	{ .name = "CoresetTreeServiceLG.save", .signature = "(path)",
	  .doc = "Saves the whole service (data, labels, weights, seen flags, tree) atomically.",
	  .fn = s_service_save },
	{ .name = "CoresetTreeServiceLG.get_coreset", .signature = "(level=0)",
	  .doc = "The coreset at a tree level (0 = root): dict {idx, w}.",
	  .fn = s_service_get_coreset },
	{ .name = "CoresetTreeServiceLG.fit", .signature = "(level=0, C=1.0, max_iter=100)",
	  .doc = "Trains logistic regression on the coreset at level with its weights.",
	  .fn = s_service_fit },
	{ .name = "CoresetLR.predict", .signature = "(X)",
	  .doc = "Predicted class per row.", .fn = s_model_predict },
	{ .name = "CoresetLR.predict_proba", .signature = "(X)",
	  .doc = "Class probabilities per row.", .fn = s_model_predict_proba },
	{ .name = "load_coreset", .signature = "(path)",
	  .doc = "Loads a service saved with .save(path).", .fn = s_load_coreset },
	{ .name = "ranking_methods", .signature = "()",
	  .doc = "The ranking methods of get_cleaning_samples and ReviewSession (a table).",
	  .long_doc = "One row per method of the ranking table (include/maskclean/rank.h): its name, "
	  "whether it trains out-of-fold logistic regressions, how it is compared across "
	  "classes, and what it scores.", .fn = s_ranking_methods },
	{ .name = NULL }
};
