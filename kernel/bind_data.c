/* Command-language functions of the data area (entries of the function
 * table): load_coco and every method of the Dataset object (sizes, classes,
 * labels, counts, annotations, a per-class summary table, export of
 * corrected labels, and an instance's mask and isolated image). */
#include "registry.h"
#include "bind_data.h"
#include "bind_mask.h"
#include "bind_render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/coco.h"
#include "maskclean/image.h"
#include "maskclean/limits.h"
#include "maskclean/rle.h"
#include "maskclean/table.h"

/* ---- the per-class summary table ---- */

/* The table: one row per class with its instances and images. max_rows 0: all. */
static int s_summary_table(mc_table **out, const mc_coco *ds, size_t max_rows, mc_error *err)
{
	static const char *const cols[] = { "class", "name", "category_id", "instances", "images" };
	size_t K = mc_coco_n_classes(ds), k, i, row;
	mc_table *t = NULL;
	char caption[512];
	size_t *seen = NULL;
	int rc;

	*out = NULL;
	rc = mc_table_new(&t, cols, 5, err);
	if (rc != 0)
		return rc;
	snprintf(caption, sizeof caption, "%s: %zu images, %zu annotations, %zu instances%s, "
	         "%zu classes", mc_coco_file_name(ds), mc_coco_n_images(ds),
	         mc_coco_n_annotations(ds), mc_coco_n_instances(ds),
	         mc_coco_include_crowd(ds) ? " (crowd included)" : "", K);
	rc = mc_table_set_caption(t, caption, err);
	seen = malloc((mc_coco_n_images(ds) + 1) * sizeof *seen);
	if (rc == 0 && seen == NULL)
		rc = mc_error_nomem(err);
	if (seen != NULL)
		for (i = 0; i < mc_coco_n_images(ds); i++)
			seen[i] = (size_t)-1;
	for (k = 0; rc == 0 && k < K; k++) {
		size_t n, images = 0;
		const size_t *inst = mc_coco_class_instances(ds, k, &n);
		for (i = 0; i < n; i++) {
			mc_coco_ann a;
			mc_coco_instance(ds, inst[i], &a);
			if (seen[a.image] != k) {
				seen[a.image] = k;
				images++;
			}
		}
		rc = mc_table_add_row(t, &row, err);
		if (rc == 0)
			rc = mc_table_set_int(t, row, 0, (int64_t)k, err);
		if (rc == 0)
			rc = mc_table_set_str(t, row, 1, mc_coco_class_name(ds, k), err);
		if (rc == 0)
			rc = mc_table_set_int(t, row, 2, mc_coco_class_id(ds, k), err);
		if (rc == 0)
			rc = mc_table_set_int(t, row, 3, (int64_t)n, err);
		if (rc == 0)
			rc = mc_table_set_int(t, row, 4, (int64_t)images, err);
	}
	free(seen);
	if (rc != 0) {
		mc_table_free(t);
		return rc;
	}
	mc_table_set_max_rows(t, max_rows);
	*out = t;
	return 0;
}

static int s_add_html(json_t *data, const mc_table *t, mc_error *err)
{
	char *html = NULL;
	int rc = mc_table_html(&html, t, err);

	if (rc == 0 && json_object_set_new(data, "text/html", json_string(html)) != 0)
		rc = mc_error_nomem(err);
	free(html);
	return rc;
}

/* ---- Dataset ---- */

static void s_dataset_free(void *p)
{
	mc_coco_free(p);
}

static char *s_dataset_repr(const void *p)
{
	const mc_coco *ds = p;
	size_t n = 256 + strlen(mc_coco_file_name(ds));
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "Dataset(%s: %zu images, %zu annotations, %zu instances, %zu classes)",
		         mc_coco_file_name(ds), mc_coco_n_images(ds), mc_coco_n_annotations(ds),
		         mc_coco_n_instances(ds), mc_coco_n_classes(ds));
	return s;
}

/* The notebook shows the first classes; ds.summary() shows them all. */
static int s_dataset_display(const void *p, json_t *data, json_t *metadata, mc_error *err)
{
	mc_table *t = NULL;
	int rc;

	(void)metadata;
	rc = s_summary_table(&t, p, 12, err);
	if (rc == 0)
		rc = s_add_html(data, t, err);
	mc_table_free(t);
	return rc;
}

static mc_value *s_classes_value(const mc_coco *ds)
{
	mc_value *list = mc_list_new();
	size_t k;

	for (k = 0; list != NULL && k < mc_coco_n_classes(ds); k++)
		if (mc_list_append(list, mc_str(mc_coco_class_name(ds, k))) != 0) {
			mc_unref(list);
			list = NULL;
		}
	return list;
}

static mc_value *s_dataset_n_images(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_coco_n_images(mc_object_ptr(self)));
}

static mc_value *s_dataset_n_annotations(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_coco_n_annotations(mc_object_ptr(self)));
}

static mc_value *s_dataset_n_instances(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_coco_n_instances(mc_object_ptr(self)));
}

static mc_value *s_dataset_n_classes(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_coco_n_classes(mc_object_ptr(self)));
}

static mc_value *s_dataset_classes(mc_value *self, mc_error *err)
{
	(void)err;
	return s_classes_value(mc_object_ptr(self));
}

static mc_value *s_dataset_path(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(mc_coco_path(mc_object_ptr(self)));
}

static mc_value *s_dataset_images_dir(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(mc_coco_images_dir(mc_object_ptr(self)));
}

static size_t s_dataset_strings(const void *p, const char **out, size_t max)
{
	const mc_coco *ds = p;
	size_t k, n = mc_coco_n_classes(ds);

	for (k = 0; k < n && k < max; k++)
		out[k] = mc_coco_class_name(ds, k);
	return k;
}

static const mc_attr_def s_dataset_attrs[] = {
	{ .name = "n_images", .doc = "images in the file", .get = s_dataset_n_images },
	{ .name = "n_annotations", .doc = "annotations in the file (crowd ones too)", .get = s_dataset_n_annotations },
	{ .name = "n_instances", .doc = "the annotations kept: the rows of labels and embeddings", .get = s_dataset_n_instances },
	{ .name = "n_classes", .doc = "categories (index 0..K-1)", .get = s_dataset_n_classes },
	{ .name = "classes", .doc = "the category names, in category-id order", .get = s_dataset_classes },
	{ .name = "path", .doc = "the annotation file", .get = s_dataset_path },
	{ .name = "images_dir", .doc = "where the images are read from", .get = s_dataset_images_dir },
	{ .name = NULL }
};

const mc_class mc_dataset_class = {
	.name = "Dataset", .free = s_dataset_free, .repr = s_dataset_repr, .display = s_dataset_display,
	.attributes = s_dataset_attrs, .strings = s_dataset_strings
};

/* ---- functions ---- */

static int s_load_coco(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path = NULL, *images = NULL;
	int crowd = 0, rc;
	mc_coco_options opt;
	mc_coco *ds = NULL;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) != 0)
		return rc;
	if ((rc = mc_arg_str_opt(call, "images", &images, err)) < 0)
		return rc;
	if ((rc = mc_arg_bool(call, "include_crowd", &crowd, err)) != 0)
		return rc;
	opt.images_dir = images;
	opt.include_crowd = crowd;
	opt.progress = mc_call_progress(call);
	if ((rc = mc_coco_load(&ds, path, &opt, err)) != 0)
		return rc;
	{
		char *warning = mc_coco_empty_classes_warning(ds);
		if (warning != NULL)
			mc_call_print(call, warning);
		free(warning);
	}
	*out = mc_object_new(&mc_dataset_class, ds);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* An index argument in -n .. n-1 (negative counts from the end). */
static int s_index_arg(mc_call *call, const char *name, size_t n, const char *what,
                       size_t *out, mc_error *err)
{
	int64_t i;
	int rc = mc_arg_int(call, name, &i, err);

	if (rc != 0)
		return rc;
	if (i < 0)
		i += (int64_t)n;
	if (i < 0 || (uint64_t)i >= n)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): %s %lld is out of range: the dataset "
		                    "has %zu %s", mc_call_name(call), name, (long long)i, n, what);
	*out = (size_t)i;
	return 0;
}

static int s_labels(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	mc_value *v = mc_array_new(MC_I64, mc_coco_n_instances(ds), 0);

	*out = NULL;
	if (v == NULL)
		return mc_error_nomem(err);
	mc_coco_labels(ds, mc_array_i64(v));
	*out = v;
	return 0;
}

static int s_class_index(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	const char *name;
	size_t k;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "name", &name, err)) != 0 ||
	    (rc = mc_coco_class_index(&k, ds, name, err)) != 0)
		return rc;
	*out = mc_int((int64_t)k);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_class_name(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	size_t k;
	int rc;

	*out = NULL;
	if ((rc = s_index_arg(call, "i", mc_coco_n_classes(ds), "classes", &k, err)) != 0)
		return rc;
	*out = mc_str(mc_coco_class_name(ds, k));
	return *out != NULL ? 0 : mc_error_nomem(err);
}

static int s_count(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	mc_value *v = mc_arg(call, "name");
	size_t k;
	int rc;

	*out = NULL;
	if (v != NULL && mc_type(v) == MC_T_INT) {
		if ((rc = s_index_arg(call, "name", mc_coco_n_classes(ds), "classes", &k, err)) != 0)
			return rc;
	} else {
		const char *name;
		if ((rc = mc_arg_str(call, "name", &name, err)) != 0 ||
		    (rc = mc_coco_class_index(&k, ds, name, err)) != 0)
			return rc;
	}
	*out = mc_int((int64_t)mc_coco_class_count(ds, k));
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* A language value holding a copy of j (not const: jansson's object
 * iteration takes a json_t *). */
static mc_value *s_from_json(json_t *j)
{
	mc_value *v = NULL;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *item;
		v = mc_dict_new();
		json_object_foreach(j, key, item) {
			mc_value *x = s_from_json(item);
			if (v == NULL || x == NULL || mc_dict_set_str(v, key, x) != 0) {
				mc_unref(v);
				return NULL;
			}
		}
		return v;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *item;
		v = mc_list_new();
		json_array_foreach(j, i, item) {
			mc_value *x = s_from_json(item);
			if (v == NULL || x == NULL || mc_list_append(v, x) != 0) {
				mc_unref(v);
				return NULL;
			}
		}
		return v;
	}
	case JSON_STRING:
		return mc_strn(json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return mc_int(json_integer_value(j));
	case JSON_REAL:
		return mc_float(json_real_value(j));
	case JSON_TRUE:
		return mc_bool(1);
	case JSON_FALSE:
		return mc_bool(0);
	default:
		return mc_none();
	}
}

static int s_annotation(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	json_t *j = NULL;
	mc_value *v;
	mc_coco_ann a;
	mc_coco_img im;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = s_index_arg(call, "i", mc_coco_n_instances(ds), "instances", &i, err)) != 0)
		return rc;
	mc_coco_instance(ds, i, &a);
	mc_coco_image(ds, a.image, &im);
	if ((rc = mc_coco_annotation_json(&j, ds, mc_coco_instance_annotation(ds, i), err)) != 0)
		return rc;
	v = s_from_json(j);
	json_decref(j);
	if (v == NULL || mc_dict_set_str(v, "instance", mc_int((int64_t)i)) != 0 ||
	    mc_dict_set_str(v, "class", mc_str(mc_coco_class_name(ds, a.class_index))) != 0 ||
	    mc_dict_set_str(v, "file_name", mc_str(im.file_name)) != 0) {
		mc_unref(v);
		return mc_error_nomem(err);
	}
	*out = v;
	return 0;
}

static int s_summary(mc_call *call, mc_value **out, mc_error *err)
{
	mc_table *t = NULL;
	int rc;

	*out = NULL;
	if ((rc = s_summary_table(&t, mc_call_self_ptr(call), 0, err)) != 0)
		return rc;
	*out = mc_table_value(t);   /* a Table: text, HTML, len, [], columns */
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* "Dataset.export(): labels has 2 entries, the dataset has 5 instances" */
static int s_count_error(mc_call *call, const char *name, size_t m, size_t n, mc_error *err)
{
	return mc_error_set(err, MC_ERR_SHAPE, "%s(): %s has %zu entries, the dataset has %zu "
	                    "instances", mc_call_name(call), name, m, n);
}

/* export()'s argument name: *out NULL when not given (or None), else a 1-D
 * array or a list of one entry per instance of ds (borrowed); entries says
 * what they are ("class indices or names"). */
static int s_per_instance_arg(mc_call *call, const mc_coco *ds, const char *name,
                              const char *entries, mc_value **out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);
	size_t n = mc_coco_n_instances(ds), m;

	*out = NULL;
	if (v == NULL || mc_type(v) == MC_T_NONE)
		return 0;
	if (mc_type(v) == MC_T_ARRAY && mc_array_cols(v) == 0)
		m = mc_array_rows(v);
	else if (mc_type(v) == MC_T_LIST)
		m = mc_list_len(v);
	else
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a 1-D array or a list of "
		                    "%s, got %s", mc_call_name(call), name, entries, mc_type_name(v));
	if (m != n)
		return s_count_error(call, name, m, n, err);
	*out = v;
	return 0;
}

/* labels for export: an int array or list of class indices or class names. */
static int s_labels_arg(mc_call *call, const mc_coco *ds, int64_t **out, mc_error *err)
{
	size_t n = mc_coco_n_instances(ds), i;
	mc_value *v;
	int64_t *l;
	int rc;

	*out = NULL;
	rc = s_per_instance_arg(call, ds, "labels", "class indices or names", &v, err);
	if (rc != 0 || v == NULL)
		return rc;
	l = malloc((n ? n : 1) * sizeof *l);
	if (l == NULL)
		return mc_error_nomem(err);
	for (i = 0; i < n; i++) {
		if (mc_type(v) == MC_T_ARRAY) {
			double d = mc_array_at(v, i);
			if (d != floor(d) || !isfinite(d)) {
				free(l);
				return mc_error_set(err, MC_ERR_INVALID, "%s(): labels[%zu] is %g, "
				                    "expected a class index", mc_call_name(call), i, d);
			}
			l[i] = mc_array_dtype(v) == MC_I64 ? mc_array_i64(v)[i] : (int64_t)d;
		} else {
			mc_value *it = mc_list_get(v, i);
			size_t k;
			if (mc_type(it) == MC_T_INT) {
				l[i] = mc_as_int(it);
			} else if (mc_type(it) == MC_T_STR) {
				if (mc_coco_class_index(&k, ds, mc_as_str(it), err) != 0) {
					free(l);
					mc_error_prefix(err, "%s(): labels[%zu]", mc_call_name(call), i);
					return err->code;
				}
				l[i] = (int64_t)k;
			} else {
				free(l);
				return mc_error_set(err, MC_ERR_TYPE, "%s(): labels[%zu] must be a class "
				                    "index or name, got %s", mc_call_name(call), i,
				                    mc_type_name(it));
			}
		}
	}
	*out = l;
	return 0;
}

/* weights for export: numbers (mc_arg_numbers), one per instance. */
static int s_weights_arg(mc_call *call, const mc_coco *ds, double **out, mc_error *err)
{
	size_t n = mc_coco_n_instances(ds), m;
	int rc = mc_arg_numbers(call, "weights", out, &m, 1, 0, err);

	if (rc == 0 && *out != NULL && m != n) {
		free(*out);
		*out = NULL;
		rc = s_count_error(call, "weights", m, n, err);
	}
	return rc;
}

static int s_export(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	const char *path;
	int64_t *labels = NULL, *orig = NULL;
	double *weights = NULL;
	size_t i, n = mc_coco_n_instances(ds), relabeled = 0, removed = 0;
	mc_value *v = NULL;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) != 0 ||
	    (rc = s_labels_arg(call, ds, &labels, err)) != 0 ||
	    (rc = s_weights_arg(call, ds, &weights, err)) != 0)
		goto cleanup;
	rc = mc_coco_write(ds, path, labels, weights, mc_call_progress(call), err);
	if (rc != 0)
		goto cleanup;
	orig = malloc((n ? n : 1) * sizeof *orig);
	if (orig == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	mc_coco_labels(ds, orig);
	for (i = 0; i < n; i++) {
		if (weights != NULL && weights[i] == 0)
			removed++;
		else if (labels != NULL && labels[i] != orig[i])
			relabeled++;
	}
	v = mc_dict_new();
	if (v == NULL || mc_dict_set_str(v, "path", mc_str(path)) != 0 ||
	    mc_dict_set_str(v, "annotations",
	                    mc_int((int64_t)(mc_coco_n_annotations(ds) - removed))) != 0 ||
	    mc_dict_set_str(v, "relabeled", mc_int((int64_t)relabeled)) != 0 ||
	    mc_dict_set_str(v, "removed", mc_int((int64_t)removed)) != 0) {
		mc_unref(v);
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	*out = v;
cleanup:
	free(labels);
	free(weights);
	free(orig);
	return rc;
}

static int s_len(mc_call *call, mc_value **out, mc_error *err)
{
	(void)err;
	*out = mc_int((int64_t)mc_coco_n_instances(mc_call_self_ptr(call)));
	return 0;
}

/* ---- limits ---- */

static int s_limits(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *d = mc_dict_new();

	(void)call;
	*out = NULL;
	for (int i = 0; d != NULL && i < MC_LIMIT_COUNT_; i++)
		if (mc_dict_set_str(d, mc_limit_info_of((mc_limit_id)i)->name,
		                    mc_int((int64_t)mc_limit((mc_limit_id)i))) != 0) {
			mc_unref(d);
			d = NULL;
		}
	if (d == NULL)
		return mc_error_nomem(err);
	*out = d;
	return 0;
}

static int s_set_limit(mc_call *call, mc_value **out, mc_error *err)
{
	const char *name;
	int64_t value;
	mc_limit_id id;
	uint64_t old;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "name", &name, err)) != 0 ||
	    (rc = mc_arg_int(call, "value", &value, err)) != 0 ||
	    (rc = mc_limit_find(&id, name, err)) != 0)
		return rc;
	if (value < 0)
		return mc_error_set(err, MC_ERR_INVALID, "set_limit(): %s must be positive, got %lld",
		                    name, (long long)value);
	old = mc_limit(id);
	if ((rc = mc_limit_set(id, (uint64_t)value, err)) != 0)
		return rc;
	*out = mc_int((int64_t)old);
	return *out != NULL ? 0 : mc_error_nomem(err);
}

/* ---- a Dataset's instances ---- */

/* Argument name as an instance index in -n .. n-1 (negative from the end). */
static int s_instance_arg(mc_call *call, const mc_coco *ds, size_t *out, mc_error *err)
{
	size_t n = mc_coco_n_instances(ds);
	int64_t i;
	int rc;

	if ((rc = mc_arg_int(call, "i", &i, err)) < 0)
		return rc;
	if (i < 0)
		i += (int64_t)n;
	if (i < 0 || (uint64_t)i >= n)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): instance %lld is out of range: the "
		                    "dataset has %zu instances", mc_call_name(call), (long long)i, n);
	*out = (size_t)i;
	return 0;
}

static int s_dataset_mask(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	mc_rle *r = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = s_instance_arg(call, ds, &i, err)) < 0)
		return rc;
	if ((rc = mc_coco_instance_rle(&r, ds, i, mc_call_progress(call), err)) < 0)
		return rc;
	return mc_call_return(out, mc_object_new(&mc_mask_class, r), err);
}

static int s_dataset_instance(mc_call *call, mc_value **out, mc_error *err)
{
	const mc_coco *ds = mc_call_self_ptr(call);
	mc_image *img = NULL, *iso = NULL;
	mc_rle *r = NULL;
	char *path = NULL;
	mc_coco_ann a;
	mc_coco_img im;
	int64_t size, pad;
	double bb[4];
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = s_instance_arg(call, ds, &i, err)) < 0 ||
	    (rc = mc_arg_int(call, "size", &size, err)) < 0 ||
	    (rc = mc_arg_int(call, "pad", &pad, err)) < 0)
		return rc;
	if (size < 1 || size > 4096 || pad < 0 || pad > 4096)
		return mc_error_set(err, MC_ERR_INVALID, "Dataset.instance(): size %lld, pad %lld: "
		                    "expected size 1..4096 and pad 0..4096", (long long)size,
		                    (long long)pad);
	mc_coco_instance(ds, i, &a);
	mc_coco_image(ds, a.image, &im);
	if ((rc = mc_coco_instance_rle(&r, ds, i, mc_call_progress(call), err)) < 0 ||
	    (rc = mc_coco_image_path(&path, ds, a.image, err)) < 0)
		goto cleanup;
	if ((rc = mc_image_load(&img, path, err)) < 0) {
		mc_error_prefix(err, "%s: image %lld", mc_coco_file_name(ds), (long long)im.id);
		goto cleanup;
	}
	/* the box of the mask itself, as the built-in embedding crops */
	mc_rle_bbox(r, bb);
	rc = mc_instance_isolate(&iso, img, r, bb, (int)size, (int)pad, err);
	if (rc < 0) {
		mc_error_prefix(err, "%s: annotation %lld: image %s", mc_coco_file_name(ds),
		                (long long)a.id, path);
		goto cleanup;
	}
	rc = mc_call_return(out, mc_object_new(&mc_image_class, iso), err);
	iso = NULL;
cleanup:
	mc_rle_free(r);
	mc_image_free(img);
	mc_image_free(iso);
	free(path);
	return rc;
}

const mc_func_def mc_funcs_data[] = {
	{ .name = "load_coco", .signature = "(path, images=None, include_crowd=False)",
	  .doc = "Loads a COCO instances file (instances_*.json) as a Dataset.",
	  .long_doc = "Reads images, annotations and categories; segmentations may be polygons "
	  "(multi-part too), uncompressed or compressed RLE. Crowd annotations "
	  "(`iscrowd=1`) are left out unless `include_crowd=True`. The kept annotations, "
	  "in file order, are the dataset's *instances*: the row order of labels and "
	  "embeddings. Classes are the categories in category-id order (index 0..K-1). "
	  "`images` is the image directory (default: guessed from the file's place, "
	  "e.g. `../images/train2017` for `annotations/instances_train2017.json`); "
	  "images are only opened when needed.\n\n"
	  "Errors name the file, the annotation or image id and what is wrong.", .fn = s_load_coco },
	{ .name = "Dataset.labels", .signature = "()",
	  .doc = "The class index (0..K-1) of every instance, as an int64 array.", .fn = s_labels },
	{ .name = "Dataset.__len__", .signature = "()",
	  .doc = "len(ds): the number of instances (the rows of labels and embeddings).",
	  .fn = s_len },
	{ .name = "Dataset.class_index", .signature = "(name)",
	  .doc = "The class index of a class name (KeyError if unknown).", .fn = s_class_index },
	{ .name = "Dataset.class_name", .signature = "(i)",
	  .doc = "The name of class index i.", .fn = s_class_name },
	{ .name = "Dataset.count", .signature = "(name)",
	  .doc = "The number of instances of a class (name or index).", .fn = s_count },
	{ .name = "Dataset.annotation", .signature = "(i)",
	  .doc = "Instance i's annotation as a dict: every field of the file, plus instance, "
	  "class and file_name.", .fn = s_annotation },
	{ .name = "Dataset.summary", .signature = "()",
	  .doc = "A table of the instances and images of every class.", .fn = s_summary },
	{ .name = "Dataset.export", .signature = "(path, labels=None, weights=None)",
	  .doc = "Writes the dataset as COCO JSON with corrected labels.",
	  .long_doc = "`labels`: the class of every instance (an int array such as `ds.labels()` "
	  "after corrections, or a list of indices or class names); an instance whose "
	  "label changed gets that class's category_id. `weights`: one per instance; "
	  "weight 0 removes the annotation. Everything else is written exactly as the "
	  "original file has it, so the original must still hold what was loaded (its "
	  "content is compared, not its date). The file is replaced atomically: killed "
	  "or out of disk space, the old one stays whole. Returns a dict {path, "
	  "annotations, relabeled, removed}.", .fn = s_export },
	{ .name = "Dataset.mask", .signature = "(i)",
	  .doc = "The mask of instance i, as a Mask (shown as an image).",
	  .long_doc = "Polygons are rasterised and their parts merged as pycocotools' `annToRLE` "
	  "does; RLE segmentations are decoded. Attributes: `size`, `area`, `bbox`, "
	  "`counts`. Negative i counts from the end.", .fn = s_dataset_mask },
	{ .name = "Dataset.instance", .signature = "(i, size=64, pad=2)",
	  .doc = "Instance i isolated as in the article: cropped, background zeroed, resized.",
	  .long_doc = "The image is read from disk (one image per call, nothing is cached), "
	  "cropped to the box of the instance's mask grown by `pad` pixels, the "
	  "pixels outside the mask are set to black, and the crop is scaled to fit "
	  "a `size` x `size` square keeping its aspect ratio, centred on black. "
	  "Returns an Image.", .fn = s_dataset_instance },
	{ .name = "limits", .signature = "()",
	  .doc = "The input limits in force, as a dict {name: value}.",
	  .long_doc = "Files beyond a limit are refused before anything is allocated for them, with "
	  "an error that names the limit and how to raise it: `image_pixels` (an image "
	  "decoded or a mask made), `json_depth`, `string_bytes` and `list_length` (what "
	  "a file may hold), `polygon_points` and `coordinate` (a polygon). Their "
	  "defaults and what each bounds: docs/limits.md.", .fn = s_limits },
	{ .name = "set_limit", .signature = "(name, value)",
	  .doc = "Sets an input limit (see limits()) for the rest of the session; returns the old value.",
	  .long_doc = "`set_limit(\"image_pixels\", 400000000)` lets a 20000x20000 image be decoded, "
	  "as `Image.MAX_IMAGE_PIXELS = ...` does in Pillow. The value must be in the "
	  "limit's range (the error gives it).", .fn = s_set_limit },
	{ .name = NULL }
};
