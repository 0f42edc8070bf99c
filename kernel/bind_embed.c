/* Command-language functions of the embed area (entries of the function
 * table): .npy files (the memory-mapped Embeddings object), IDX files, the
 * built-in embedding and the demo dataset. */
#include "bind_embed.h"
#include "bind_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/coco.h"
#include "maskclean/demo.h"
#include "maskclean/embed.h"
#include "maskclean/idx.h"
#include "maskclean/npy.h"
#include "registry.h"

/* ---- Embeddings: an mc_npy ---- */

static void s_emb_free(void *ptr)
{
	mc_npy_free(ptr);
}

static char *s_emb_repr(const void *ptr)
{
	const mc_npy *npy = ptr;
	size_t n = strlen(mc_npy_path(npy)) + 128;
	char *s = malloc(n);

	if (s == NULL)
		return NULL;
	if (mc_npy_ndim(npy) == 1)
		snprintf(s, n, "Embeddings(shape=(%zu,), dtype=%s, path='%s', memory-mapped)",
		         mc_npy_rows(npy), mc_npy_dtype_of(npy) == MC_NPY_F4 ? "float32" : "float64",
		         mc_npy_path(npy));
	else
		snprintf(s, n, "Embeddings(shape=(%zu, %zu), dtype=%s, path='%s', memory-mapped)",
		         mc_npy_rows(npy), mc_npy_cols(npy),
		         mc_npy_dtype_of(npy) == MC_NPY_F4 ? "float32" : "float64", mc_npy_path(npy));
	return s;
}

static mc_value *s_emb_shape(mc_value *self, mc_error *err)
{
	const mc_npy *npy = mc_object_ptr(self);
	mc_value *l = mc_list_new();

	(void)err;
	if (l == NULL || mc_list_append(l, mc_int((int64_t)mc_npy_rows(npy))) != 0 ||
	    (mc_npy_ndim(npy) == 2 && mc_list_append(l, mc_int((int64_t)mc_npy_cols(npy))) != 0)) {
		mc_unref(l);
		return NULL;
	}
	return l;
}

static mc_value *s_emb_dtype(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(mc_npy_dtype_of(mc_object_ptr(self)) == MC_NPY_F4 ? "float32" : "float64");
}

static mc_value *s_emb_rows(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_npy_rows(mc_object_ptr(self)));
}

static mc_value *s_emb_cols(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_npy_cols(mc_object_ptr(self)));
}

static mc_value *s_emb_ndim(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int(mc_npy_ndim(mc_object_ptr(self)));
}

static mc_value *s_emb_path(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(mc_npy_path(mc_object_ptr(self)));
}

static const mc_attr_def s_emb_attrs[] = {
	{ .name = "shape", .doc = "[rows] or [rows, cols]", .get = s_emb_shape },
	{ .name = "dtype", .doc = "\"float32\" or \"float64\", as in the file", .get = s_emb_dtype },
	{ .name = "rows", .doc = "one per instance", .get = s_emb_rows },
	{ .name = "cols", .doc = "features per row", .get = s_emb_cols },
	{ .name = "ndim", .doc = "1 or 2", .get = s_emb_ndim },
	{ .name = "path", .doc = "the .npy file (read in place)", .get = s_emb_path },
	{ .name = NULL }
};

const mc_class mc_embeddings_class = {
	.name = "Embeddings", .free = s_emb_free, .repr = s_emb_repr, .attributes = s_emb_attrs
};

const mc_npy *mc_embeddings_npy(const mc_value *v)
{
	if (v == NULL || mc_object_class(v) != &mc_embeddings_class)
		return NULL;
	return mc_object_ptr(v);
}

int mc_embeddings_matrix(const mc_value *v, mc_matrix *view, mc_matrix **owned,
                         mc_error *err)
{
	const mc_npy *npy = mc_embeddings_npy(v);
	int rc;

	*owned = NULL;
	if (npy == NULL)
		return mc_error_set(err, MC_ERR_TYPE, "expected Embeddings, got %s",
		                    v == NULL ? "nothing" : mc_type_name(v));
	if (mc_npy_dtype_of(npy) == MC_NPY_F8)
		return mc_npy_view(npy, view, err);
	rc = mc_npy_to_matrix(owned, npy, NULL, err);
	if (rc != 0)
		return rc;
	*view = **owned;
	view->owns = 0;
	return 0;
}

int mc_arg_matrix(mc_call *call, const char *name, mc_matrix *view, mc_matrix **owned,
                  mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	*owned = NULL;
	if (mc_embeddings_npy(v) != NULL)
		return mc_embeddings_matrix(v, view, owned, err);
	if (v == NULL || mc_type(v) != MC_T_ARRAY || mc_array_cols(v) == 0)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a 2-D array or "
		                    "Embeddings, got %s",
		                    mc_call_name(call), name,
		                    v == NULL ? "nothing"
		                    : mc_type(v) == MC_T_ARRAY ? "a 1-D array" : mc_type_name(v));
	if (mc_array_dtype(v) == MC_F64)
		return mc_array_as_matrix(v, view, err);
	{
		const int64_t *src = mc_array_i64(v);
		size_t r = mc_array_rows(v), c = mc_array_cols(v);
		int rc = mc_matrix_new(owned, r, c, err);
		if (rc != 0)
			return rc;
		for (size_t i = 0; i < r * c; i++)
			(*owned)->data[i] = (double)src[i];
		*view = **owned;
		view->owns = 0;
	}
	return 0;
}

/* ---- helpers ---- */

/* The expected row count from dataset=: a Dataset object (its instances) or
 * an int. *has = 0 when none. */
static int s_expected_rows(mc_call *call, size_t *rows, int *has, mc_error *err)
{
	mc_value *v = mc_arg(call, "dataset");
	const mc_class *cls;

	*has = 0;
	if (v == NULL || mc_type(v) == MC_T_NONE)
		return 0;
	if (mc_type(v) == MC_T_INT) {
		if (mc_as_int(v) < 0)
			return mc_error_set(err, MC_ERR_INVALID, "%s(): dataset must be >= 0",
			                    mc_call_name(call));
		*rows = (size_t)mc_as_int(v);
		*has = 1;
		return 0;
	}
	cls = mc_object_class(v);
	if (cls == &mc_dataset_class) {
		*rows = mc_coco_n_instances(mc_object_ptr(v));
		*has = 1;
		return 0;
	}
	return mc_error_set(err, MC_ERR_TYPE, "%s(): dataset must be a Dataset or an int, got %s",
	                    mc_call_name(call), mc_type_name(v));
}

/* ---- functions ---- */

static int s_load_npy(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	mc_npy *npy = NULL;
	size_t rows = 0;
	int has = 0, rc;

	*out = NULL;
	rc = mc_arg_str(call, "path", &path, err);
	if (rc == 0)
		rc = s_expected_rows(call, &rows, &has, err);
	if (rc != 0)
		return rc;
	rc = mc_npy_load(&npy, path, mc_call_progress(call), err);
	if (rc != 0)
		return rc;
	if (has) {
		rc = mc_npy_check_rows(npy, rows, err);
		if (rc != 0) {
			mc_npy_free(npy);
			return rc;
		}
	}
	*out = mc_object_new(&mc_embeddings_class, npy);
	if (*out == NULL)
		return mc_error_nomem(err);
	return 0;
}

/* A 1-D or 2-D array (or Embeddings) as a new float64 array value. */
static int s_to_f64_array(mc_value *v, const char *fn, mc_value **out, mc_error *err)
{
	*out = NULL;
	if (mc_embeddings_npy(v) != NULL) {
		const mc_npy *npy = mc_embeddings_npy(v);
		mc_value *a = mc_array_new(MC_F64, mc_npy_rows(npy),
		                           mc_npy_ndim(npy) == 2 ? mc_npy_cols(npy) : 0);
		int rc;

		if (a == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "%s(): out of memory for %zu x %zu",
			                    fn, mc_npy_rows(npy), mc_npy_cols(npy));
		rc = mc_npy_read_rows(npy, 0, mc_npy_rows(npy), mc_array_f64(a), err);
		if (rc != 0) {
			mc_unref(a);
			return rc;
		}
		*out = a;
		return 0;
	}
	if (mc_type(v) == MC_T_ARRAY) {
		size_t n = mc_array_size(v), i;
		mc_value *a;

		if (mc_array_dtype(v) == MC_F64) {
			*out = mc_ref(v);
			return 0;
		}
		a = mc_array_new(MC_F64, mc_array_rows(v), mc_array_cols(v));
		if (a == NULL)
			return mc_error_nomem(err);
		for (i = 0; i < n; i++)
			mc_array_f64(a)[i] = (double)mc_array_i64(v)[i];
		*out = a;
		return 0;
	}
	return mc_error_set(err, MC_ERR_TYPE, "%s(): expected an array or Embeddings, got %s", fn,
	                    mc_type_name(v));
}

static int s_to_array(mc_call *call, mc_value **out, mc_error *err)
{
	return s_to_f64_array(mc_arg(call, "X"), mc_call_name(call), out, err);
}

static int s_emb_to_array(mc_call *call, mc_value **out, mc_error *err)
{
	return s_to_f64_array(mc_call_self(call), "Embeddings.to_array", out, err);
}

static int s_save_npy(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	mc_value *a = NULL;
	int rc;

	*out = NULL;
	rc = mc_arg_str(call, "path", &path, err);
	if (rc == 0)
		rc = s_to_f64_array(mc_arg(call, "X"), "save_npy", &a, err);
	if (rc != 0)
		return rc;
	if (mc_array_cols(a) == 0) {
		rc = mc_npy_save_vector(path, mc_array_f64(a), mc_array_rows(a), err);
	} else {
		mc_matrix m;
		rc = mc_array_as_matrix(a, &m, err);
		if (rc == 0)
			rc = mc_npy_save(path, &m, err);
	}
	mc_unref(a);
	if (rc != 0)
		return rc;
	*out = mc_none();
	return 0;
}

static int s_load_idx(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	mc_idx *idx = NULL;
	mc_value *a;
	size_t rows, cols, i;
	int rc;

	*out = NULL;
	rc = mc_arg_str(call, "path", &path, err);
	if (rc == 0)
		rc = mc_idx_load(&idx, path, err);
	if (rc != 0)
		return rc;
	rows = idx->dims[0];
	cols = idx->ndim == 1 ? 0 : 1;   /* items flattened to one row each */
	for (i = 1; i < (size_t)idx->ndim; i++)
		cols *= idx->dims[i];
	a = mc_array_new(idx->u8 != NULL ? MC_I64 : MC_F64, rows, cols);
	if (a == NULL) {
		mc_idx_free(idx);
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	}
	for (i = 0; i < idx->count; i++) {
		if (idx->u8 != NULL)
			mc_array_i64(a)[i] = idx->u8[i];
		else
			mc_array_f64(a)[i] = idx->f64[i];
	}
	mc_idx_free(idx);
	*out = a;
	return 0;
}

/* mean= or std= of embed(): one number for every channel, or three. */
static int s_embed_norm(mc_call *call, const char *name, double v[3], mc_error *err)
{
	double *d = NULL;
	size_t n = 0;
	int rc = mc_arg_numbers(call, name, &d, &n, 1, 1, err);

	if (rc != 0 || d == NULL)
		return rc;
	if (n != 1 && n != 3)
		rc = mc_error_set(err, MC_ERR_INVALID,
		                  "embed(): %s has %zu numbers; expected 1 (every channel) or 3 (R, G, B)",
		                  name, n);
	for (size_t c = 0; rc == 0 && c < 3; c++)
		v[c] = d[n == 1 ? 0 : c];
	free(d);
	return rc;
}

/* embed(ds, model=...): a CNN's features, as an array or (out=) Embeddings. */
static int s_embed_cnn(mc_call *call, const mc_coco *ds, const char *images, const char *model,
                       mc_value **out, mc_error *err)
{
	static const char *const builtin_only[] = { "method", NULL };
	mc_embed_cnn_opts o;
	const char *path = NULL;
	int64_t size = 224, batch = MC_EMBED_CNN_BATCH;
	mc_matrix *m = NULL;
	mc_npy *npy = NULL;
	int rc = 0;

	for (size_t i = 0; builtin_only[i] != NULL; i++)
		if (mc_arg_given(call, builtin_only[i]))
			return mc_error_set(err, MC_ERR_INVALID, "embed(): %s= is for the built-in "
			                    "embedding; leave it out with model=", builtin_only[i]);
	mc_embed_cnn_opts_init(&o);
	o.model = model;
	if (mc_arg_int_opt(call, "size", &size, err) < 0 ||
	    mc_arg_int_opt(call, "batch", &batch, err) < 0 ||
	    mc_arg_str_opt(call, "output", &o.output, err) < 0 ||
	    mc_arg_str_opt(call, "out", &path, err) < 0)
		return err->code;
	rc = s_embed_norm(call, "mean", o.mean, err);
	if (rc == 0)
		rc = s_embed_norm(call, "std", o.std, err);
	if (rc != 0)
		return rc;
	if (size < 8 || size > 4096)
		return mc_error_set(err, MC_ERR_INVALID, "embed(): size is %lld; expected 8..4096",
		                    (long long)size);
	if (batch < 1 || batch > 1024)
		return mc_error_set(err, MC_ERR_INVALID, "embed(): batch is %lld; expected 1..1024",
		                    (long long)batch);
	o.size = (int)size;
	o.batch = (int)batch;
	rc = mc_embed_cnn_dataset(&m, ds, images, &o, path, mc_call_progress(call), err);
	if (rc != 0)
		return rc;
	if (path == NULL) {
		*out = mc_array_from_matrix(m);
		mc_matrix_free(m);
		return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "embed(): out of memory");
	}
	rc = mc_npy_load(&npy, path, mc_call_progress(call), err);
	if (rc != 0)
		return rc;
	*out = mc_object_new(&mc_embeddings_class, npy);
	return *out != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "embed(): out of memory");
}

/* embed() on a loaded COCO dataset: the built-in embedding (size, method,
 * images) or a model's. */
static int s_embed_run(mc_call *call, const mc_coco *ds, mc_value **out, mc_error *err)
{
	static const char *const model_only[] = { "output", "mean", "std", "out", "batch", NULL };
	int64_t size = 32;
	const char *method_name = "hog", *images = NULL, *model = NULL;
	mc_embed_method method;
	mc_matrix *m = NULL;
	int rc;

	if (mc_arg_str_opt(call, "images", &images, err) < 0 ||
	    mc_arg_str_opt(call, "model", &model, err) < 0)
		return err->code;
	if (model != NULL)
		return s_embed_cnn(call, ds, images, model, out, err);
	for (size_t i = 0; model_only[i] != NULL; i++)
		if (mc_arg_given(call, model_only[i]) && mc_type(mc_arg(call, model_only[i])) != MC_T_NONE)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "embed(): %s= is for a model's embedding; give model= too",
			                    model_only[i]);
	rc = mc_arg_int_opt(call, "size", &size, err) < 0 ? err->code : 0;
	if (rc == 0)
		rc = mc_arg_str(call, "method", &method_name, err);
	if (rc == 0)
		rc = mc_embed_method_parse(&method, method_name, err);
	if (rc != 0)
		return rc;
	if (size < 8 || size > 256 || size % 4 != 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "embed(): size is %lld; expected a multiple of 4 in 8..256",
		                    (long long)size);
	rc = mc_embed_dataset(&m, ds, images, (int)size, method, mc_call_progress(call), err);
	if (rc != 0)
		return rc;
	*out = mc_array_from_matrix(m);
	mc_matrix_free(m);
	if (*out == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "embed(): out of memory");
	return 0;
}

static int s_embed(mc_call *call, mc_value **out, mc_error *err)
{
	mc_value *v = mc_arg(call, "ds");
	mc_coco *ds = NULL;
	int rc;

	*out = NULL;
	if (v != NULL && mc_object_class(v) == &mc_dataset_class)
		return s_embed_run(call, mc_object_ptr(v), out, err);
	if (v != NULL && mc_type(v) == MC_T_STR) {
		/* A path to a COCO instances file. */
		const char *images = NULL;
		mc_coco_options co = { NULL, 0, mc_call_progress(call) };

		if (mc_arg_str_opt(call, "images", &images, err) < 0)
			return err->code;
		co.images_dir = images;
		rc = mc_coco_load(&ds, mc_as_str(v), &co, err);
		if (rc != 0)
			return rc;
		rc = s_embed_run(call, ds, out, err);
		mc_coco_free(ds);
		return rc;
	}
	return mc_error_set(err, MC_ERR_TYPE,
	                    "embed(): ds must be a Dataset or the path of a COCO file, got %s",
	                    v == NULL ? "nothing" : mc_type_name(v));
}

/* make_demo's shape options (the hard demo's when hard=True; each given
 * option overrides). */
static int s_demo_shape_args(mc_call *call, mc_demo_opts *o, mc_error *err)
{
	int hard = 0, empty = 0, rc;
	int64_t tiny = 0, tiny_size = 36, copies = 1;

	rc = mc_arg_bool(call, "hard", &hard, err);
	if (rc != 0)
		return rc;
	if (hard) {
		double rate = o->error_rate;
		mc_demo_opts_hard(o);
		if (mc_arg_given(call, "error_rate"))
			o->error_rate = rate;
	}
	if (mc_arg_given(call, "imbalance") &&
	    (rc = mc_arg_float(call, "imbalance", &o->imbalance, err)) != 0)
		return rc;
	if (mc_arg_given(call, "tiny_classes")) {
		if ((rc = mc_arg_int(call, "tiny_classes", &tiny, err)) != 0)
			return rc;
		if (tiny < 0 || tiny > 9)
			return mc_error_set(err, MC_ERR_INVALID, "make_demo: tiny_classes is %lld; "
			                    "expected 0..9", (long long)tiny);
		o->n_tiny = (size_t)tiny;
	}
	if (mc_arg_given(call, "tiny_size")) {
		if ((rc = mc_arg_int(call, "tiny_size", &tiny_size, err)) != 0)
			return rc;
		if (tiny_size < 1 || tiny_size > 59)
			return mc_error_set(err, MC_ERR_INVALID, "make_demo: tiny_size is %lld; "
			                    "expected 1..59", (long long)tiny_size);
		o->tiny_size = (size_t)tiny_size;
	}
	if (mc_arg_given(call, "empty_category")) {
		if ((rc = mc_arg_bool(call, "empty_category", &empty, err)) != 0)
			return rc;
		o->empty_category = empty;
	}
	if (mc_arg_given(call, "copies")) {
		if ((rc = mc_arg_int(call, "copies", &copies, err)) != 0)
			return rc;
		if (copies < 1 || copies > 8)
			return mc_error_set(err, MC_ERR_INVALID, "make_demo: copies is %lld; expected "
			                    "1..8", (long long)copies);
		o->copies = (int)copies;
	}
	if (mc_arg_given(call, "toward_small") &&
	    (rc = mc_arg_float(call, "toward_small", &o->toward_small, err)) != 0)
		return rc;
	if (mc_arg_given(call, "away_small") &&
	    (rc = mc_arg_float(call, "away_small", &o->away_small, err)) != 0)
		return rc;
	return 0;
}

static int s_make_demo(mc_call *call, mc_value **out, mc_error *err)
{
	const char *dir;
	int64_t n_images, seed, image_size;
	double rate;
	mc_demo_opts o;
	mc_demo_result *r = NULL;
	mc_value *d;
	int rc;

	*out = NULL;
	mc_demo_opts_init(&o);
	rc = mc_arg_str(call, "dir", &dir, err);
	if (rc == 0)
		rc = mc_arg_int(call, "n_images", &n_images, err);
	if (rc == 0)
		rc = mc_arg_float(call, "error_rate", &rate, err);
	if (rc == 0)
		rc = mc_arg_int(call, "seed", &seed, err);
	if (rc == 0)
		rc = mc_arg_int(call, "image_size", &image_size, err);
	if (rc != 0)
		return rc;
	o.error_rate = rate;
	if ((rc = s_demo_shape_args(call, &o, err)) != 0)
		return rc;
	if (n_images < 1 || n_images > 1000000)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "make_demo: n_images is %lld; expected 1..1000000",
		                    (long long)n_images);
	if (seed < 0)
		return mc_error_set(err, MC_ERR_INVALID, "make_demo: seed must be >= 0");
	if (image_size < 64 || image_size > 1024)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "make_demo: image_size is %lld; expected 64..1024",
		                    (long long)image_size);
	o.n_images = (size_t)n_images;
	o.seed = (uint64_t)seed;
	o.image_size = (int)image_size;
	rc = mc_demo_make(&r, dir, &o, mc_call_progress(call), err);
	if (rc != 0)
		return rc;
	d = mc_dict_new();
	if (d == NULL || mc_dict_set_str(d, "annotations", mc_str(r->annotations)) != 0 ||
	    mc_dict_set_str(d, "images", mc_str(r->images)) != 0 ||
	    mc_dict_set_str(d, "ground_truth", mc_str(r->ground_truth)) != 0 ||
	    mc_dict_set_str(d, "n_images", mc_int((int64_t)r->n_images)) != 0 ||
	    mc_dict_set_str(d, "n_instances", mc_int((int64_t)r->n_instances)) != 0 ||
	    mc_dict_set_str(d, "n_errors", mc_int((int64_t)r->n_errors)) != 0 ||
	    mc_dict_set_str(d, "n_class_errors", mc_int((int64_t)r->n_class_errors)) != 0 ||
	    mc_dict_set_str(d, "n_mask_errors", mc_int((int64_t)r->n_mask_errors)) != 0) {
		mc_unref(d);
		mc_demo_result_free(r);
		return mc_error_nomem(err);
	}
	mc_demo_result_free(r);
	*out = d;
	return 0;
}

const mc_func_def mc_funcs_embed[] = {
	{ .name = "load_npy", .signature = "(path, dataset=None)",
	  .doc = "Memory-maps a .npy file of features as Embeddings (no copy).",
	  .long_doc = "Reads NumPy .npy files (format 1.0, 2.0 or 3.0) holding a C-ordered 1-D or "
	  "2-D float32 ('<f4') or float64 ('<f8') array. The file is mapped, not read: "
	  "an 848k x 2048 float32 file costs no memory until rows are used. Every value "
	  "is checked once: a NaN or infinity is an error naming its row and column.\n\n"
	  "Rows are instances: one row per kept annotation of the dataset, in the "
	  "order of the file's \"annotations\" array. With `dataset=` (a Dataset, or "
	  "the expected row count) the row count is checked.\n\n"
	  "Embeddings go wherever a 2-D array goes (float64 files without a copy); "
	  "`to_array(E)` makes an in-memory float64 array. Attributes: `shape`, "
	  "`dtype`, `rows`, `cols`, `ndim`, `path`.\n\n"
	  "    E = load_npy(\"feats.npy\", dataset=ds)\n    X = to_array(E)", .fn = s_load_npy },
	{ .name = "Embeddings.to_array", .signature = "()",
	  .doc = "The embeddings as an in-memory float64 array.", .fn = s_emb_to_array },
	{ .name = "to_array", .signature = "(X)",
	  .doc = "An Embeddings object (or array) as a float64 array.",
	  .long_doc = "float32 files are widened exactly to float64. Arrays are returned as they "
	  "are (int64 ones converted).", .fn = s_to_array },
	{ .name = "save_npy", .signature = "(path, X)",
	  .doc = "Writes a 1-D or 2-D array as a float64 .npy file.",
	  .long_doc = "The file is written to a temporary name and renamed, so a reader never sees "
	  "half a file. NumPy reads it with `numpy.load`.", .fn = s_save_npy },
	{ .name = "load_idx", .signature = "(path)",
	  .doc = "Loads an IDX file (MNIST, Fashion-MNIST), gzip or plain.",
	  .long_doc = "Images (n x rows x cols unsigned bytes) become an n x (rows*cols) int64 "
	  "array, one flattened image per row; labels a 1-D int64 array. Other IDX "
	  "types give float64.\n\n"
	  "    X = load_idx(\"/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz\")",
	  .fn = s_load_idx },
	{ .name = "embed",
	  .signature = "(ds, size=None, method=\"hog\", images=None, model=None, output=None, "
	  "mean=None, std=None, out=None, batch=None)",
	  .doc = "Embeds every instance, one row each: built-in features, or a CNN's (model=).",
	  .long_doc = "Each instance is isolated as in the article: cropped to its mask's box, the "
	  "background outside the mask zeroed, scaled to fit a square keeping the aspect "
	  "ratio and centred on black. Each image is decoded once; one worker per core "
	  "(MC_THREADS overrides). `ds` is a Dataset or the path of a COCO file (then "
	  "`images=` gives the image directory).\n\n"
	  "**A CNN's embedding** (the article's step: ResNet50's 2048 numbers): `model=` is "
	  "an ONNX file you export from your own network (docs/embeddings.md gives the "
	  "three lines for torchvision's resnet50). The square crop, `size` pixels on a side "
	  "(default 224, torchvision's), is normalised per channel, (v / 255 - mean) / "
	  "std, with ImageNet's `mean=[0.485, 0.456, 0.406]` and `std=[0.229, 0.224, "
	  "0.225]` by default (one number sets every channel). `output=` names the layer "
	  "read (its ONNX node name, as Netron shows it); by default the network's global "
	  "average pool. Each worker runs its own copy of the network on `batch` "
	  "instances at a time (default 1, fastest on a CPU). `out=\"features.npy\"` "
	  "writes the rows to a float32 .npy as they come (the file appears complete or "
	  "not at all) and returns it memory-mapped as Embeddings, so features of a large "
	  "dataset are never held in memory; without it the result is an array. The "
	  "features go on to PCA (256 components in the article), then the classifier "
	  "and the coreset service.\n\n"
	  "    X = embed(ds, model=\"resnet50.onnx\", out=\"features.npy\")\n"
	  "    Z = PCA(256).fit_transform(X)\n\n"
	  "**The built-in embedding** (no model): `method=\"hog\"` (default) joins the "
	  "masked gray pixels at size/2, a HOG (4x4 cells, 9 orientations), R/G/B colour "
	  "histograms of the object and the mask's shape at size/4, each block of unit "
	  "length (488 numbers for the default size 32); `method=\"pixels\"` is the masked "
	  "gray crop alone.", .fn = s_embed },
	{ .name = "make_demo",
	  .signature = "(dir, n_images=600, error_rate=0.1, seed=0, image_size=128, hard=False, "
	  "imbalance=0, tiny_classes=0, tiny_size=36, empty_category=False, copies=1, "
	  "toward_small=0, away_small=0)",
	  .doc = "Writes the demo dataset (Fashion-MNIST items in COCO images, with known errors).",
	  .long_doc = "Composes Debian's Fashion-MNIST items into `n_images` RGB images of 2 to 5 "
	  "items each, possibly overlapping (an instance's mask is what is visible of "
	  "its item), with a COCO JSON mixing polygon, RLE and compressed-RLE "
	  "segmentations. A share `error_rate` of the instances get an injected error: "
	  "a wrong class among look-alikes (shirt, T-shirt, pullover, coat; sandal, "
	  "sneaker, ankle boot) or a mask spanning two objects. The truth goes to a "
	  "separate file for the simulated reviewer. The same arguments give the same "
	  "bytes.\n\nThe shapes of real data (all off by default): `imbalance` gives Zipf-like "
	  "class sizes (the class of rank r keeps (r+1)^-imbalance of its items); the "
	  "`tiny_classes` smallest classes get `tiny_size` instances (< 60); "
	  "`empty_category=True` adds a category (id 0) with no instance; `copies` writes "
	  "each scene that many times, as near-duplicates (mirrored or shifted, colours "
	  "jittered) that repeat its labels and errors; `toward_small` labels other classes' "
	  "instances as the smallest class (that share of its size) and `away_small` gives "
	  "that share of the smallest class's instances another label. `hard=True` sets "
	  "them as the benchmarks' hard demo: imbalance 1, 2 tiny classes of 36, an empty "
	  "category, 3 copies, error_rate 0.08, toward_small 0.5, away_small 0.25 (options "
	  "given beside it override it). With copies, n_images counts scenes.\n\n"
	  "Returns a dict: `annotations`, `images`, `ground_truth` (paths), "
	  "`n_images`, `n_instances`, `n_errors`, `n_class_errors`, `n_mask_errors`.\n\n"
	  "    d = make_demo(\"demo\")\n"
	  "    ds = load_coco(d[\"annotations\"], images=d[\"images\"])", .fn = s_make_demo },
	{ .name = NULL }
};
