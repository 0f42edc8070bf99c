/* This module implements the rows of a maskclean-mpi rank (mpi/shards.h):
 * the manifest, the split between ranks, and reading features, labels and
 * weights. It uses no MPI (tests/check_shards.c runs it alone). */
#include "shards.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Largest manifest file read, in bytes. */
#define S_MANIFEST_BYTES ((size_t)256 << 20)

/* path relative to the folder of base (unless absolute). Caller frees. */
static char *s_join(const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');
	size_t dir = slash != NULL ? (size_t)(slash - base) + 1 : 0, n = strlen(path);
	char *out;

	if (path[0] == '/' || dir == 0)
		return strdup(path);
	out = malloc(dir + n + 1);
	if (out != NULL) {
		memcpy(out, base, dir);
		memcpy(out + dir, path, n + 1);
	}
	return out;
}

void mc_shards_free(mc_shards *sh)
{
	for (size_t i = 0; sh->shard != NULL && i < sh->count; i++) {
		free(sh->shard[i].features);
		free(sh->shard[i].labels);
		free(sh->shard[i].weights);
	}
	for (size_t i = 0; sh->feat != NULL && i < sh->last - sh->first; i++)
		mc_npy_free(sh->feat[i]);
	free(sh->shard);
	free(sh->feat);
	free(sh->start);
	memset(sh, 0, sizeof *sh);
}

size_t mc_shards_unit_start(size_t n, size_t unit, size_t rank, size_t size)
{
	size_t units = unit > 0 ? (n + unit - 1) / unit : n, u;

	if (unit == 0)
		unit = 1;
	/* ceil(units * rank / size): rank 0 gets a unit whenever there is one */
	u = (size_t)(((unsigned __int128)units * rank + size - 1) / size);
	return u * unit < n ? u * unit : n;
}

/* One shard entry of a manifest: "features" and "rows", optional "labels"
 * and "weights" (as the first shard has them). */
static int s_entry(mc_shard *s, json_t *e, const char *manifest, size_t i, int with_labels,
                   int with_weights, mc_error *err)
{
	json_t *f = json_object_get(e, "features"), *r = json_object_get(e, "rows");
	json_t *l = json_object_get(e, "labels"), *w = json_object_get(e, "weights");

	if (!json_is_object(e))
		return mc_error_set(err, MC_ERR_PARSE, "%s: shard %zu is not an object", manifest, i);
	if (!json_is_string(f) || json_string_length(f) == 0)
		return mc_error_set(err, MC_ERR_PARSE, "%s: shard %zu: \"features\" must be a "
		                    "file name", manifest, i);
	if (!json_is_integer(r) || json_integer_value(r) < 0)
		return mc_error_set(err, MC_ERR_PARSE, "%s: shard %zu: \"rows\" must be a whole "
		                    "number >= 0", manifest, i);
	if ((l != NULL) != with_labels || (w != NULL) != with_weights)
		return mc_error_set(err, MC_ERR_PARSE, "%s: shard %zu: %s; every shard has them "
		                    "as the first one does", manifest, i,
		                    (l != NULL) != with_labels ? "\"labels\" differs"
		                                               : "\"weights\" differs");
	if ((l != NULL && (!json_is_string(l) || json_string_length(l) == 0)) ||
	    (w != NULL && (!json_is_string(w) || json_string_length(w) == 0)))
		return mc_error_set(err, MC_ERR_PARSE, "%s: shard %zu: \"labels\" and \"weights\" "
		                    "must be file names", manifest, i);
	s->rows = (size_t)json_integer_value(r);
	s->features = s_join(manifest, json_string_value(f));
	s->labels = l != NULL ? s_join(manifest, json_string_value(l)) : NULL;
	s->weights = w != NULL ? s_join(manifest, json_string_value(w)) : NULL;
	if (s->features == NULL || (l != NULL && s->labels == NULL) ||
	    (w != NULL && s->weights == NULL))
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", manifest);
	return 0;
}

static int s_manifest(mc_shards *sh, const char *manifest, mc_error *err)
{
	json_error_t jerr;
	json_t *root = NULL, *list;
	struct stat st;
	int rc = 0;

	if (stat(manifest, &st) != 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot read the manifest", manifest);
	if ((size_t)st.st_size > S_MANIFEST_BYTES)
		return mc_error_set(err, MC_ERR_PARSE, "%s: %lld bytes; a manifest holds at most %zu",
		                    manifest, (long long)st.st_size, S_MANIFEST_BYTES);
	root = json_load_file(manifest, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %d: %s", manifest, jerr.line,
		                    jerr.text);
	list = json_object_get(root, "shards");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > MC_SHARDS_MAX) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: expected {\"shards\": [...]} with 1 to %d "
		                  "shards", manifest, MC_SHARDS_MAX);
		goto cleanup;
	}
	sh->count = json_array_size(list);
	sh->shard = calloc(sh->count, sizeof *sh->shard);
	if (sh->shard == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", manifest);
		goto cleanup;
	}
	for (size_t i = 0; i < sh->count && rc == 0; i++) {
		json_t *e = json_array_get(list, i), *first = json_array_get(list, 0);
		rc = s_entry(&sh->shard[i], e, manifest, i,
		             json_is_object(first) && json_object_get(first, "labels") != NULL,
		             json_is_object(first) && json_object_get(first, "weights") != NULL, err);
		if (rc == 0) {
			sh->shard[i].row0 = sh->n;
			if (sh->shard[i].rows > ((size_t)1 << 53) - sh->n)
				rc = mc_error_set(err, MC_ERR_PARSE, "%s: the shards hold more than 2^53 "
				                  "rows", manifest);
			sh->n += sh->shard[i].rows;
		}
	}
cleanup:
	json_decref(root);
	return rc;
}

/* Ranks' first rows: at shard boundaries, each the boundary nearest to an
 * even split. */
static void s_split_shards(mc_shards *sh)
{
	size_t i = 0;

	for (size_t r = 0; r <= sh->size; r++) {
		size_t target = r == sh->size ? sh->n
		                : (size_t)(((unsigned __int128)sh->n * r + sh->size - 1) / sh->size);
		while (i < sh->count && sh->shard[i].row0 + sh->shard[i].rows / 2 < target)
			i++;
		sh->start[r] = r == 0 ? 0 : i < sh->count ? sh->shard[i].row0 : sh->n;
		if (r > 0 && sh->start[r] < sh->start[r - 1])
			sh->start[r] = sh->start[r - 1];
	}
}

/* Opens a per-row file of one value per row (labels or weights). */
static int s_open_column(mc_npy **out, const char *path, size_t rows, mc_error *err)
{
	int rc = mc_npy_open(out, path, err);

	if (rc == 0 && (mc_npy_cols(*out) != 1 || mc_npy_rows(*out) != rows)) {
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s: %zu x %zu; expected %zu values, one per row",
		                  path, mc_npy_rows(*out), mc_npy_cols(*out), rows);
		mc_npy_free(*out);
		*out = NULL;
	}
	return rc;
}

int mc_shards_open(mc_shards *sh, const char *manifest, const char *features,
                   const char *labels, const char *weights, size_t rank, size_t size,
                   mc_shards_unit_fn unit, const void *ctx, mc_error *err)
{
	int rc = 0;

	memset(sh, 0, sizeof *sh);
	sh->size = size;
	sh->rank = rank;
	sh->start = calloc(size + 1, sizeof *sh->start);
	if (sh->start == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (manifest != NULL) {
		sh->manifest = 1;
		rc = s_manifest(sh, manifest, err);
		if (rc == 0)
			s_split_shards(sh);
	} else {
		mc_npy *npy = NULL;
		sh->count = 1;
		sh->shard = calloc(1, sizeof *sh->shard);
		if (sh->shard == NULL)
			rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		if (rc == 0)
			rc = mc_npy_open(&npy, features, err);
		if (rc == 0) {
			sh->n = sh->shard[0].rows = mc_npy_rows(npy);
			sh->shard[0].features = strdup(features);
			sh->shard[0].labels = labels != NULL ? strdup(labels) : NULL;
			sh->shard[0].weights = weights != NULL ? strdup(weights) : NULL;
			if (sh->shard[0].features == NULL || (labels != NULL && sh->shard[0].labels == NULL) ||
			    (weights != NULL && sh->shard[0].weights == NULL))
				rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
			for (size_t r = 0; r <= size; r++)
				sh->start[r] = mc_shards_unit_start(sh->n, unit(ctx, sh->n, mc_npy_cols(npy)),
				                                    r, size);
		}
		mc_npy_free(npy);
	}
	if (rc != 0)
		goto fail;
	sh->row0 = sh->start[rank];
	sh->rows = sh->start[rank + 1] - sh->row0;
	if (sh->rows > 0) {
		while (sh->shard[sh->first].row0 + sh->shard[sh->first].rows <= sh->row0)
			sh->first++;
		sh->last = sh->first;
		while (sh->last < sh->count && sh->shard[sh->last].row0 < sh->row0 + sh->rows)
			sh->last++;
	}
	sh->feat = calloc(sh->last - sh->first + 1, sizeof *sh->feat);
	if (sh->feat == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		goto fail;
	}
	sh->single = 1;
	for (size_t i = sh->first; i < sh->last; i++) {
		mc_npy *npy = NULL;
		const mc_shard *s = &sh->shard[i];

		rc = mc_npy_open(&npy, s->features, err);
		if (rc != 0)
			goto fail;
		sh->feat[i - sh->first] = npy;
		if (mc_npy_rows(npy) != s->rows) {
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s: %zu rows; the manifest says %zu",
			                  s->features, mc_npy_rows(npy), s->rows);
			goto fail;
		}
		if (sh->d == 0)
			sh->d = mc_npy_cols(npy);
		if (mc_npy_ndim(npy) != 2 || mc_npy_cols(npy) != sh->d) {
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s: %zu x %zu; expected rows x %zu, 2-D",
			                  s->features, mc_npy_rows(npy), mc_npy_cols(npy), sh->d);
			goto fail;
		}
		sh->single = sh->single && mc_npy_dtype_of(npy) == MC_NPY_F4;
	}
	return 0;
fail:
	mc_shards_free(sh);
	return rc;
}

/* Local rows [r0, r0 + n) of this rank, as doubles, across its shards. */
static int s_read(const void *ctx, size_t r0, size_t n, double *out, mc_error *err)
{
	const mc_shards *sh = ctx;
	size_t g = sh->row0 + r0, i = sh->first;

	if (r0 + n > sh->rows)
		return mc_error_set(err, MC_ERR_SHAPE, "rows %zu..%zu are past this rank's %zu", r0,
		                    r0 + n, sh->rows);
	while (n > 0) {
		const mc_shard *s;
		size_t k;
		int rc;

		while (sh->shard[i].row0 + sh->shard[i].rows <= g)
			i++;
		s = &sh->shard[i];
		k = s->row0 + s->rows - g < n ? s->row0 + s->rows - g : n;
		rc = mc_npy_read_rows(sh->feat[i - sh->first], g - s->row0, k, out, err);
		if (rc != 0)
			return rc;
		mc_npy_release_rows(sh->feat[i - sh->first], g - s->row0, k);
		out += k * sh->d;
		g += k;
		n -= k;
	}
	return 0;
}

mc_rows mc_shards_rows(const mc_shards *sh)
{
	mc_rows r = { sh->rows, sh->d, s_read, sh, sh->single };

	return r;
}

int mc_shards_matrix(mc_matrix **out, const mc_shards *sh, mc_error *err)
{
	mc_matrix *m = NULL;
	int rc;

	*out = NULL;
	rc = mc_matrix_new(&m, sh->rows, sh->d > 0 ? sh->d : 1, err);
	if (rc == 0 && sh->rows > 0)
		rc = s_read(sh, 0, sh->rows, m->data, err);
	if (rc != 0) {
		mc_matrix_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* This rank's values of the per-row files (labels: 1, weights: 0) into v. */
static int s_column(double *v, const mc_shards *sh, int labels, mc_error *err)
{
	for (size_t i = sh->first; i < sh->last; i++) {
		const mc_shard *s = &sh->shard[i];
		const char *path = labels ? s->labels : s->weights;
		size_t a = s->row0 > sh->row0 ? s->row0 : sh->row0;
		size_t b = s->row0 + s->rows < sh->row0 + sh->rows ? s->row0 + s->rows
		                                                   : sh->row0 + sh->rows;
		mc_npy *npy = NULL;
		int rc;

		if (a >= b)
			continue;
		rc = s_open_column(&npy, path, s->rows, err);
		if (rc == 0)
			rc = mc_npy_read_rows(npy, a - s->row0, b - a, v + (a - sh->row0), err);
		mc_npy_free(npy);
		if (rc != 0)
			return rc;
		for (size_t r = a; r < b; r++) {
			double x = v[r - sh->row0];
			if (labels && (x < 0.0 || x != floor(x) || x > 9007199254740992.0))
				return mc_error_set(err, MC_ERR_INVALID, "%s: row %zu is %g; expected a "
				                    "class index (a whole number >= 0)", path,
				                    r - s->row0, x);
			if (!labels && !(x >= 0.0))
				return mc_error_set(err, MC_ERR_INVALID, "%s: row %zu is %g; expected a "
				                    "weight >= 0", path, r - s->row0, x);
		}
	}
	return 0;
}

int mc_shards_labels(int64_t **out, const mc_shards *sh, mc_error *err)
{
	double *v = malloc((sh->rows > 0 ? sh->rows : 1) * sizeof *v);
	int64_t *y = malloc((sh->rows > 0 ? sh->rows : 1) * sizeof *y);
	int rc = 0;

	*out = NULL;
	if (v == NULL || y == NULL)
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu labels", sh->rows);
	else if (sh->shard[0].labels == NULL)
		rc = mc_error_set(err, MC_ERR_INVALID, "this job needs labels; none were given");
	else
		rc = s_column(v, sh, 1, err);
	for (size_t i = 0; rc == 0 && i < sh->rows; i++)
		y[i] = (int64_t)v[i];
	free(v);
	if (rc != 0) {
		free(y);
		return rc;
	}
	*out = y;
	return 0;
}

int mc_shards_weights(double **out, const mc_shards *sh, mc_error *err)
{
	double *v;
	int rc;

	*out = NULL;
	if (sh->shard[0].weights == NULL)
		return 0;
	v = malloc((sh->rows > 0 ? sh->rows : 1) * sizeof *v);
	if (v == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu weights", sh->rows);
	rc = s_column(v, sh, 0, err);
	if (rc != 0) {
		free(v);
		return rc;
	}
	*out = v;
	return 0;
}
