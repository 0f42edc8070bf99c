/* This module implements the jobs of maskclean-mpi (mpi/jobs.h): each rank
 * works on its rows through the runtime's entry points for parts of a fit
 * (include/maskclean/pca.h, logreg.h), the ranks meet through mpi/comm.h,
 * and rank 0 writes the results (include/maskclean/jobfiles.h). Every step
 * that can fail on one rank ends with mc_comm_agree, so no rank waits for
 * a rank that gave up. */
#include "jobs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maskclean/atomic_file.h"
#include "maskclean/coreset.h"
#include "maskclean/jobfiles.h"
#include "maskclean/logreg.h"
#include "maskclean/modelfile.h"
#include "maskclean/npy.h"
#include "maskclean/pca.h"
#include "maskclean/split.h"

static int s_nomem(mc_error *err)
{
	return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
}

/* out/name into path (PATH_MAX). */
static int s_path(char *path, const char *dir, const char *name, mc_error *err)
{
	if ((size_t)snprintf(path, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return mc_error_set(err, MC_ERR_INVALID, "%s/%s: path too long", dir, name);
	return 0;
}

/* The lowest rank that holds rows (it holds row 0). */
static int s_first_holder(const mc_shards *sh)
{
	for (size_t r = 0; r < sh->size; r++)
		if (sh->start[r + 1] > sh->start[r])
			return (int)r;
	return 0;
}

/* ---- pca and transform ---- */

static size_t s_pca_unit(const void *opts, size_t n, size_t d)
{
	const mc_opts *o = opts;
	mc_pca_params p;

	(void)n;
	mc_pca_params_init(&p);
	p.chunk_rows = o->chunk_rows;
	return mc_pca_chunk_rows(&p, d);
}

static int s_pca_new(mc_pca **out, const mc_opts *o, mc_error *err)
{
	mc_pca_params p;

	mc_pca_params_init(&p);
	p.n_components = o->n_components;
	p.chunk_rows = o->chunk_rows;
	return mc_pca_new(out, &p, err);
}

/* The pieces of the scores: a manifest's shards, or the ranks' rows of one
 * file. Piece i holds rows [*r0, *r1) of the whole data. */
static size_t s_pieces(const mc_shards *sh)
{
	return sh->manifest ? sh->count : sh->size;
}

static void s_piece_rows(const mc_shards *sh, size_t i, size_t *r0, size_t *r1)
{
	if (sh->manifest) {
		*r0 = sh->shard[i].row0;
		*r1 = *r0 + sh->shard[i].rows;
	} else {
		*r0 = sh->start[i];
		*r1 = sh->start[i + 1];
	}
}

/* Rank 0: the manifest of the scores' pieces, with the input's labels and
 * weights (absolute paths). */
static int s_scores_manifest(const mc_shards *sh, const char *out, mc_error *err)
{
	json_t *root = json_object(), *list = json_array();
	char path[PATH_MAX], name[64], *text = NULL;
	int rc = 0;

	if (root == NULL || list == NULL || json_object_set_new(root, "shards", list) != 0) {
		json_decref(list);
		rc = s_nomem(err);
		goto cleanup;
	}
	for (size_t i = 0; i < s_pieces(sh) && rc == 0; i++) {
		size_t r0, r1;
		json_t *e = json_object();
		const mc_shard *s = sh->manifest ? &sh->shard[i] : &sh->shard[0];

		s_piece_rows(sh, i, &r0, &r1);
		if (r1 == r0) {
			json_decref(e);
			continue;
		}
		snprintf(name, sizeof name, MC_JOB_SCORES, i);
		if (e == NULL || json_array_append_new(list, e) != 0 ||
		    json_object_set_new(e, "features", json_string(name)) != 0 ||
		    json_object_set_new(e, "rows", json_integer((json_int_t)(r1 - r0))) != 0)
			rc = s_nomem(err);
		/* a manifest's per-row files stay valid for its shards */
		if (rc == 0 && sh->manifest && s->labels != NULL &&
		    (realpath(s->labels, path) == NULL ||
		     json_object_set_new(e, "labels", json_string(path)) != 0))
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot resolve its path", s->labels);
		if (rc == 0 && sh->manifest && s->weights != NULL &&
		    (realpath(s->weights, path) == NULL ||
		     json_object_set_new(e, "weights", json_string(path)) != 0))
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot resolve its path", s->weights);
	}
	if (rc == 0)
		rc = s_path(path, out, MC_JOB_SCORES_MANIFEST, err);
	if (rc == 0 && (text = json_dumps(root, JSON_INDENT(1))) == NULL)
		rc = s_nomem(err);
	if (rc == 0)
		rc = mc_write_file_atomic(path, text, strlen(text), err);
cleanup:
	free(text);
	json_decref(root);
	return rc;
}

/* Transforms this rank's rows with pca and writes its pieces; rank 0 then
 * lists them. */
static int s_transform_rows(mc_comm *c, const mc_pca *pca, const mc_opts *o, mc_shards *sh,
                            mc_error *err)
{
	mc_rows src = mc_shards_rows(sh);
	mc_matrix *scores = NULL;
	int rc = 0;

	if (sh->rows > 0)
		rc = mc_pca_transform_rows(&scores, pca, &src, &c->progress, err);
	/* this rank's pieces: its shards, or its rows of the one file */
	for (size_t i = sh->manifest ? sh->first : sh->rank;
	     i < (sh->manifest ? sh->last : sh->rank + 1) && rc == 0; i++) {
		size_t r0, r1;
		char name[64];
		mc_matrix part;

		s_piece_rows(sh, i, &r0, &r1);
		if (r0 == r1)
			continue;
		part = mc_matrix_view_rows(scores, r0 - sh->row0, r1 - r0);
		snprintf(name, sizeof name, MC_JOB_SCORES, i);
		rc = mc_modelfile_save(o->out, name, &part, NULL, 0, err);
	}
	mc_matrix_free(scores);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0 && c->rank == 0)
		rc = s_scores_manifest(sh, o->out, err);
	return mc_comm_agree(c, rc, err);
}

/* pca: moments of each rank's rows about the center of the first chunk,
 * folded on rank 0 in rank order, the eigensolve there, the model sent to
 * every rank for the sign pass, the signs' maxima merged in rank order. */
static int s_job_pca(mc_comm *c, const mc_opts *o, mc_shards *sh, mc_error *err)
{
	mc_pca *pca = NULL;
	mc_pca_moments *m = NULL;
	mc_rows src = mc_shards_rows(sh);
	size_t d = sh->d, k = o->n_components, chunk = 0;
	double *total = NULL, *model = NULL, *best = NULL, *all = NULL, *zero = NULL;
	int holder = s_first_holder(sh), rc;

	rc = s_pca_new(&pca, o, err);
	if (rc == 0)
		rc = mc_pca_moments_new(&m, d, 1, err);
	if (rc == 0) {
		chunk = mc_pca_chunk_rows(mc_pca_params_of(pca), d);
		total = malloc(m->len * sizeof *total);
		model = malloc((k * d + d) * sizeof *model);
		best = calloc(2 * k, sizeof *best);
		all = calloc(2 * k * (size_t)c->size, sizeof *all);
		zero = calloc(k, sizeof *zero);
		if (total == NULL || model == NULL || best == NULL || all == NULL || zero == NULL)
			rc = s_nomem(err);
	}
	if (rc == 0 && c->rank == holder)
		rc = mc_pca_moments_center(m, NULL, &src, chunk, err);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_bcast_from(c, holder, m->center, d * sizeof *m->center, err);
	if (rc == 0)
		rc = mc_pca_moments_add(m, NULL, &src, chunk, &c->progress, err);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_fold(c, total, m->sums, 1, m->len, err);
	if (rc == 0 && c->rank == 0) {
		memcpy(m->sums, total, m->len * sizeof *total);
		mc_progress_report(&c->progress, 0, 1, "PCA: eigenvectors");
		rc = mc_pca_fit_moments(pca, m, err);
		if (rc == 0) {
			memcpy(model, mc_pca_model_of(pca)->components->data, k * d * sizeof *model);
			memcpy(model + k * d, mc_pca_model_of(pca)->mean, d * sizeof *model);
		}
	}
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_bcast(c, model, (k * d + d) * sizeof *model, err);
	if (rc == 0 && c->rank != 0) {
		mc_matrix comps = { k, d, d, model, 0 };
		rc = mc_pca_restore(pca, &comps, model + k * d, zero, zero, sh->n, err);
	}
	if (rc == 0)
		rc = mc_pca_signs_scan(best, pca, NULL, &src, &c->progress, err);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_gather(c, best, all, 2 * k * sizeof *best, err);
	if (rc == 0 && c->rank == 0) {
		memset(best, 0, 2 * k * sizeof *best);
		for (int r = 0; r < c->size; r++)
			mc_pca_signs_merge(best, all + 2 * k * (size_t)r, k);
		mc_pca_signs_apply(pca, best);
		rc = mc_pca_save(pca, o->out, err);
	}
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0 && o->scores) {
		rc = mc_comm_bcast(c, best, 2 * k * sizeof *best, err);
		if (rc == 0 && c->rank != 0)
			mc_pca_signs_apply(pca, best);
		if (rc == 0)
			rc = s_transform_rows(c, pca, o, sh, err);
	}
	free(total);
	free(model);
	free(best);
	free(all);
	free(zero);
	mc_pca_moments_free(m);
	mc_pca_free(pca);
	return rc;
}

/* transform: the model of a pca job (--model), each rank's scores to its
 * pieces. */
static int s_job_transform(mc_comm *c, const mc_opts *o, mc_shards *sh, mc_error *err)
{
	mc_pca *pca = NULL;
	int rc = 0;

	if (o->model == NULL)
		rc = mc_error_set(err, MC_ERR_INVALID, "transform needs --model DIR (a pca job's "
		                  "results)");
	if (rc == 0)
		rc = s_pca_new(&pca, o, err);
	if (rc == 0)
		rc = mc_pca_load(pca, o->model, err);
	if (rc == 0 && mc_pca_model_of(pca)->d != sh->d)
		rc = mc_error_set(err, MC_ERR_SHAPE, "the model in %s has %zu features; the data "
		                  "has %zu columns", o->model, mc_pca_model_of(pca)->d, sh->d);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = s_transform_rows(c, pca, o, sh, err);
	mc_pca_free(pca);
	return rc;
}

/* ---- lr ---- */

static size_t s_lr_unit(const void *opts, size_t n, size_t d)
{
	(void)opts;
	(void)d;
	return mc_logreg_segment_rows(n);
}

/* The params of the command line for k classes; *cw (caller frees) holds a
 * class-weight list, padded with 1 to k entries. */
static int s_lr_params(mc_logreg_params *p, double **cw, const mc_opts *o, size_t k,
                       mc_error *err)
{
	const char *s = o->class_weight;

	mc_logreg_params_init(p);
	*cw = NULL;
	p->C = o->C;
	p->tol = o->tol;
	p->max_iter = o->max_iter;
	p->n_classes = k;
	if (s == NULL || strcmp(s, "none") == 0)
		return 0;
	if (strcmp(s, "balanced") == 0) {
		p->class_weight = MC_CW_BALANCED;
		return 0;
	}
	*cw = malloc(k * sizeof **cw);
	if (*cw == NULL)
		return s_nomem(err);
	for (size_t c = 0; c < k; c++)
		(*cw)[c] = 1.0;
	for (size_t c = 0; *s != '\0'; c++) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || (*end != ',' && *end != '\0') || c >= k)
			return mc_error_set(err, MC_ERR_INVALID, "--class-weight %s: expected none, "
			                    "balanced or at most %zu numbers w0,w1,...", o->class_weight,
			                    k);
		(*cw)[c] = v;
		s = *end == ',' ? end + 1 : end;
	}
	p->class_weight = MC_CW_DICT;
	p->class_weights = *cw;
	return 0;
}

/* This rank's rows as an owned array of doubles (rows x d). */
static int s_rows(double **out, const mc_shards *sh, mc_error *err)
{
	mc_matrix *X = NULL;
	int rc = mc_shards_matrix(&X, sh, err);

	*out = NULL;
	if (rc == 0) {
		*out = X->data;
		X->owns = 0;
	}
	mc_matrix_free(X);
	return rc;
}

/* lr: mc_logreg_fit_comm with rank 0 as the root; folds in rank order
 * (mc_comm_fold). The rows first move so that every rank starts at a
 * segment boundary (shards of any size): the one-process model. */
static int s_job_lr(mc_comm *c, const mc_opts *o, mc_shards *sh, mc_error *err)
{
	double *X = NULL, *w = NULL, *cw = NULL;
	int64_t *y = NULL, k = 0;
	size_t row0 = sh->row0, rows = sh->rows, d = sh->d;
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_logreg_comm comm;
	int rc;

	rc = s_rows(&X, sh, err);
	if (rc == 0)
		rc = mc_shards_labels(&y, sh, err);
	if (rc == 0)
		rc = mc_shards_weights(&w, sh, err);
	for (size_t i = 0; rc == 0 && i < rows; i++)
		if (y[i] + 1 > k)
			k = y[i] + 1;
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_realign(c, &X, &y, &w, &row0, &rows, d, mc_logreg_segment_rows(sh->n),
		                     err);
	if (rc == 0 && o->n_classes > 0)
		k = (int64_t)o->n_classes;
	else if (rc == 0)
		rc = mc_comm_max(c, &k, err);
	if (rc == 0)
		rc = s_lr_params(&p, &cw, o, (size_t)k, err);
	if (rc == 0)
		rc = mc_logreg_new(&lr, &p, err);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0) {
		mc_matrix view = { rows, d, d, X, 0 };
		memset(&comm, 0, sizeof comm);
		comm.row0 = row0;
		comm.n_total = sh->n;
		comm.root = c->rank == 0;
		comm.fold = mc_comm_fold;
		comm.bcast = mc_comm_bcast;
		comm.ctx = c;
		/* the iterations are the root's: the other ranks do not report */
		rc = mc_logreg_fit_comm(lr, &view, y, w, &comm, c->rank == 0 ? &c->progress : NULL,
		                        err);
	}
	if (rc == 0 && c->rank == 0)
		rc = mc_logreg_save(lr, o->out, err);
	rc = mc_comm_agree(c, rc, err);
	mc_logreg_free(lr);
	free(X);
	free(y);
	free(w);
	free(cw);
	return rc;
}

/* ---- per-rank pieces (importance, oof) ---- */

/* The file name of a rank's piece (MC_JOB_IMPORTANCE, MC_JOB_OOF). */
typedef void (*s_piece_name_fn)(char *name, size_t size, size_t rank);

static void s_importance_name(char *name, size_t size, size_t rank)
{
	snprintf(name, size, MC_JOB_IMPORTANCE, rank);
}

static void s_oof_name(char *name, size_t size, size_t rank)
{
	snprintf(name, size, MC_JOB_OOF, rank);
}

/* Each rank writes its rows of m (rows x cols; cols 0: a vector of rows
 * values) as piece name_of(rank); rank 0 lists the pieces in manifest. m is
 * only read (not const: the matrix view of it holds a double *). */
static int s_pieces_write(mc_comm *c, const char *out, s_piece_name_fn name_of,
                          const char *manifest, double *m, size_t rows, size_t cols,
                          mc_error *err)
{
	char name[64], path[PATH_MAX], *text = NULL;
	uint64_t mine = rows, *all = calloc((size_t)c->size, sizeof *all);
	json_t *root = NULL, *list = NULL;
	int rc = 0;

	name_of(name, sizeof name, (size_t)c->rank);
	if (all == NULL)
		rc = s_nomem(err);
	if (rc == 0 && rows > 0) {
		mc_matrix v = { rows, cols > 0 ? cols : 1, cols > 0 ? cols : 1, m, 0 };
		rc = mc_modelfile_save(out, name, cols > 0 ? &v : NULL, m, rows, err);
	}
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_gather(c, &mine, all, sizeof mine, err);
	if (rc == 0 && c->rank == 0) {
		root = json_object();
		list = json_array();
		if (root == NULL || list == NULL || json_object_set_new(root, "shards", list) != 0)
			rc = s_nomem(err);
		for (int r = 0; rc == 0 && r < c->size; r++) {
			json_t *e = json_object();
			if (all[r] == 0) {
				json_decref(e);
				continue;
			}
			name_of(name, sizeof name, (size_t)r);
			if (e == NULL || json_array_append_new(list, e) != 0 ||
			    json_object_set_new(e, "features", json_string(name)) != 0 ||
			    json_object_set_new(e, "rows", json_integer((json_int_t)all[r])) != 0)
				rc = s_nomem(err);
		}
		if (rc == 0)
			rc = s_path(path, out, manifest, err);
		if (rc == 0 && (text = json_dumps(root, JSON_INDENT(1))) == NULL)
			rc = s_nomem(err);
		if (rc == 0)
			rc = mc_write_file_atomic(path, text, strlen(text), err);
	}
	free(text);
	json_decref(root);
	free(all);
	return mc_comm_agree(c, rc, err);
}

/* ---- importance and coreset ---- */

static int s_coreset_params(mc_coreset_params *p, const mc_opts *o, mc_error *err);

/* The classes with rows in a labels file (every rank reads it: 8 bytes a
 * row); 0 when it cannot be read (the rows then move to chunk boundaries
 * after the split, and the job reports the file's error). */
static size_t s_present(const char *labels)
{
	mc_npy *npy = NULL;
	mc_error err = { 0 };
	unsigned char *seen = NULL;
	double buf[4096];
	size_t n, present = 0, cap = 0;

	if (labels == NULL || mc_npy_open(&npy, labels, &err) != 0)
		return 0;
	n = mc_npy_rows(npy);
	for (size_t r0 = 0; r0 < n && mc_npy_cols(npy) == 1; r0 += 4096) {
		size_t m = n - r0 < 4096 ? n - r0 : 4096;
		if (mc_npy_read_rows(npy, r0, m, buf, &err) != 0)
			break;
		for (size_t i = 0; i < m; i++) {
			size_t c;
			if (!(buf[i] >= 0.0 && buf[i] < 1e9))
				continue;
			c = (size_t)buf[i];
			if (c >= cap) {
				size_t nc = 2 * c + 64;
				unsigned char *g = realloc(seen, nc);
				if (g == NULL)
					goto done;
				memset(g + cap, 0, nc - cap);
				seen = g;
				cap = nc;
			}
			present += !seen[c];
			seen[c] = 1;
		}
	}
done:
	free(seen);
	mc_npy_free(npy);
	return present;
}

/* The split of one file: at multiples of the chunk the build will use
 * (--split-rows, which the kernel gives, or --chunk-size, or the automatic
 * chunk of the labels' classes), so that no row moves. */
static size_t s_chunk_unit(const void *opts, size_t n, size_t d)
{
	const mc_opts *o = opts;
	mc_coreset_params p;
	mc_error err = { 0 };
	size_t present, chunk = 1, csize = 0;

	(void)n;
	if (o->split_rows > 0 || o->chunk_size > 0)
		return o->split_rows > 0 ? o->split_rows : o->chunk_size;
	present = s_present(o->labels);
	if (present > 0 && s_coreset_params(&p, o, &err) == 0)
		mc_coreset_sizes(&p, d, present, &chunk, &csize);
	return chunk;
}

static int s_coreset_params(mc_coreset_params *p, const mc_opts *o, mc_error *err)
{
	int rc = 0;

	mc_coreset_params_init(p);
	if (o->optimized_for != NULL)
		rc = mc_coreset_goal_parse(&p->optimized_for, o->optimized_for, err);
	if (rc == 0 && o->basis != NULL) {
		if (strcmp(o->basis, "qr") == 0)
			p->basis = MC_BASIS_QR;
		else if (strcmp(o->basis, "cholqr") != 0)
			rc = mc_error_set(err, MC_ERR_INVALID, "--basis %s: expected cholqr or qr",
			                  o->basis);
	}
	p->chunk_size = o->chunk_size;
	p->coreset_size = o->coreset_size;
	p->seed = o->seed;
	p->folds = (int)o->folds;
	p->C = o->C;
	p->max_iter = (int)o->max_iter;
	return rc;
}

/* A rank's rows with their labels and weights (w NULL: none), its first
 * row in the whole data, and the class count over every rank. */
typedef struct s_local {
	double *X;
	int64_t *y;
	double *w;
	size_t row0, rows, d, k;
} s_local;

static void s_local_free(s_local *l)
{
	free(l->X);
	free(l->y);
	free(l->w);
	memset(l, 0, sizeof *l);
}

static int s_local_read(s_local *l, mc_comm *c, const mc_opts *o, const mc_shards *sh,
                        mc_error *err)
{
	int64_t k = 0;
	int rc;

	memset(l, 0, sizeof *l);
	l->row0 = sh->row0;
	l->rows = sh->rows;
	l->d = sh->d;
	rc = s_rows(&l->X, sh, err);
	if (rc == 0)
		rc = mc_shards_labels(&l->y, sh, err);
	if (rc == 0)
		rc = mc_shards_weights(&l->w, sh, err);
	for (size_t i = 0; rc == 0 && i < l->rows; i++)
		if (l->y[i] + 1 > k)
			k = l->y[i] + 1;
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0 && o->n_classes > 0)
		k = (int64_t)o->n_classes;
	else if (rc == 0)
		rc = mc_comm_max(c, &k, err);
	l->k = (size_t)k;
	return rc;
}

/* The importance of each rank's rows, moved first to whole chunks (the
 * chunk of the data: mc_coreset_sizes over every rank's classes): each
 * rank computes its chunks' blocks as a build does. p gets the data's
 * chunk and node sizes in *chunk, *csize; *imp (new) the importances. */
static int s_importance(double **imp, s_local *l, mc_coreset_params *p, size_t *chunk,
                        size_t *csize, mc_comm *c, const mc_opts *o, mc_error *err)
{
	unsigned char *seen = NULL;
	size_t present = 0;
	int rc;

	*imp = NULL;
	rc = s_coreset_params(p, o, err);
	if (rc == 0 && (seen = calloc(l->k > 0 ? l->k : 1, 1)) == NULL)
		rc = s_nomem(err);
	for (size_t i = 0; rc == 0 && i < l->rows; i++)
		seen[l->y[i]] = 1;
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_any(c, seen, l->k, err);
	for (size_t k = 0; rc == 0 && k < l->k; k++)
		present += seen[k];
	free(seen);
	if (rc != 0)
		return rc;
	mc_coreset_sizes(p, l->d, present, chunk, csize);
	rc = mc_comm_realign(c, &l->X, &l->y, &l->w, &l->row0, &l->rows, l->d, *chunk, err);
	if (rc == 0 && (*imp = malloc((l->rows > 0 ? l->rows : 1) * sizeof **imp)) == NULL)
		rc = s_nomem(err);
	if (rc == 0 && l->rows > 0) {
		mc_coreset_params part = *p;
		mc_matrix view = { l->rows, l->d, l->d, l->X, 0 };
		part.chunk_size = *chunk;
		part.coreset_size = *csize;
		rc = mc_coreset_importance_rows(*imp, &part, &view, l->y, l->w, &c->progress, err);
	}
	return mc_comm_agree(c, rc, err);
}

/* importance: each rank's rows' importance, one file per rank. */
static int s_job_importance(mc_comm *c, const mc_opts *o, mc_shards *sh, mc_error *err)
{
	s_local l;
	mc_coreset_params p;
	double *imp = NULL;
	size_t chunk = 0, csize = 0;
	int rc;

	rc = s_local_read(&l, c, o, sh, err);
	if (rc == 0)
		rc = s_importance(&imp, &l, &p, &chunk, &csize, c, o, err);
	if (rc == 0)
		rc = s_pieces_write(c, o->out, s_importance_name, MC_JOB_IMPORTANCE_MANIFEST, imp,
		                    l.rows, 0, err);
	free(imp);
	s_local_free(&l);
	return rc;
}

/* coreset: the importances as above, then every row, label, weight and
 * importance gathered on rank 0 in rank order (the tree order of the
 * leaves), which merges and reduces the tree and writes the service. */
static int s_job_coreset(mc_comm *c, const mc_opts *o, mc_shards *sh, mc_error *err)
{
	s_local l;
	mc_coreset_params p;
	mc_coreset *cs = NULL;
	double *imp = NULL, *X = NULL, *w = NULL, *I = NULL;
	int64_t *y = NULL;
	size_t chunk = 0, csize = 0, n = 0, m = 0;
	char path[PATH_MAX];
	int rc, any_w;

	rc = s_local_read(&l, c, o, sh, err);
	if (rc == 0)
		rc = s_importance(&imp, &l, &p, &chunk, &csize, c, o, err);
	any_w = l.w != NULL;
	if (rc == 0)
		rc = mc_comm_gather_rows(c, l.X, l.rows, l.d * sizeof *l.X, (void **)&X, &n, NULL,
		                         err);
	if (rc == 0)
		rc = mc_comm_gather_rows(c, l.y, l.rows, sizeof *l.y, (void **)&y, &m, NULL, err);
	if (rc == 0 && any_w)
		rc = mc_comm_gather_rows(c, l.w, l.rows, sizeof *l.w, (void **)&w, &m, NULL, err);
	if (rc == 0)
		rc = mc_comm_gather_rows(c, imp, l.rows, sizeof *imp, (void **)&I, &m, NULL, err);
	if (rc == 0 && c->rank == 0) {
		mc_matrix view = { n, l.d, l.d, X, 0 };
		mc_progress_report(&c->progress, 0, 1, "coreset: tree");
		rc = mc_coreset_new(&cs, &p, err);
		if (rc == 0)
			rc = mc_coreset_build_with(cs, &view, y, w, I, &c->progress, err);
		if (rc == 0)
			rc = s_path(path, o->out, MC_JOB_SERVICE, err);
		if (rc == 0)
			rc = mc_coreset_save(cs, path, err);
	}
	rc = mc_comm_agree(c, rc, err);
	mc_coreset_free(cs);
	free(imp);
	free(X);
	free(y);
	free(w);
	free(I);
	s_local_free(&l);
	return rc;
}

/* ---- oof ---- */

/* Rank 0 reads every group id of --groups (one value per row). */
static int s_groups(int64_t **out, const char *path, size_t n, mc_error *err)
{
	mc_npy *npy = NULL;
	double *v = malloc((n > 0 ? n : 1) * sizeof *v);
	int rc = v == NULL ? s_nomem(err) : mc_npy_open(&npy, path, err);

	*out = NULL;
	if (rc == 0 && (mc_npy_rows(npy) != n || mc_npy_cols(npy) != 1))
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s: %zu x %zu; expected %zu group ids, one "
		                  "per row", path, mc_npy_rows(npy), mc_npy_cols(npy), n);
	if (rc == 0)
		rc = mc_npy_read_rows(npy, 0, n, v, err);
	if (rc == 0 && (*out = malloc((n > 0 ? n : 1) * sizeof **out)) == NULL)
		rc = s_nomem(err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		(*out)[i] = (int64_t)v[i];
	mc_npy_free(npy);
	free(v);
	return rc;
}

/* Each rank's fold ids: the split of mc_cross_val_proba, made on rank 0
 * from every label, weight (and group), and sent back. */
static int s_folds(int **fold, const s_local *l, mc_comm *c, const mc_opts *o,
                   const mc_shards *sh, mc_error *err)
{
	int64_t *y = NULL, *groups = NULL;
	double *w = NULL;
	int *all = NULL;
	uint64_t *rows = malloc((size_t)c->size * sizeof *rows);
	size_t n = 0, m = 0;
	int rc = 0;

	*fold = malloc((l->rows > 0 ? l->rows : 1) * sizeof **fold);
	if (rows == NULL || *fold == NULL)
		rc = s_nomem(err);
	rc = mc_comm_agree(c, rc, err);
	for (int r = 0; rc == 0 && r < c->size; r++)
		rows[r] = sh->start[r + 1] - sh->start[r];
	if (rc == 0)
		rc = mc_comm_gather_rows(c, l->y, l->rows, sizeof *l->y, (void **)&y, &n, NULL, err);
	if (rc == 0 && l->w != NULL)
		rc = mc_comm_gather_rows(c, l->w, l->rows, sizeof *l->w, (void **)&w, &m, NULL, err);
	if (rc == 0 && c->rank == 0) {
		if (o->groups != NULL)
			rc = s_groups(&groups, o->groups, n, err);
		if (rc == 0)
			rc = groups != NULL ? mc_split_group_kfold(&all, y, w, groups, n, l->k, o->folds,
			                                           o->seed, err)
			                    : mc_split_kfold(&all, y, w, n, l->k, o->folds, o->seed, err);
		if (rc != 0)
			mc_error_prefix(err, "out-of-fold folds");
	}
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = mc_comm_scatter_rows(c, all, rows, *fold, sizeof **fold, err);
	free(y);
	free(w);
	free(groups);
	free(all);
	free(rows);
	return rc;
}

/* One fold over the ranks: the model of the other folds' rows (moved to
 * segment boundaries, so it is one process's model bit for bit), its
 * probabilities for this fold's rows of each rank, into P. */
static int s_fold(double *P, const s_local *l, const int *fold, int f, size_t folds,
                  mc_comm *c, const mc_logreg_params *lp, mc_error *err)
{
	size_t ntr = 0, nte = 0, k = l->k, d = l->d;
	uint64_t mine, *all = calloc((size_t)c->size, sizeof *all), before = 0, total = 0;
	double *X = malloc((l->rows > 0 ? l->rows : 1) * d * sizeof *X);
	double *w = malloc((l->rows > 0 ? l->rows : 1) * sizeof *w), *te = NULL;
	int64_t *y = malloc((l->rows > 0 ? l->rows : 1) * sizeof *y);
	mc_logreg *lr = NULL;
	mc_matrix *pr = NULL;
	int rc = 0;

	if (all == NULL || X == NULL || w == NULL || y == NULL)
		rc = s_nomem(err);
	for (size_t i = 0; rc == 0 && i < l->rows; i++)
		if (fold[i] >= 0 && fold[i] != f) {
			memcpy(X + ntr * d, l->X + i * d, d * sizeof *X);
			y[ntr] = l->y[i];
			w[ntr++] = l->w != NULL ? l->w[i] : 1.0;
		} else if (fold[i] == f) {
			nte++;
		}
	rc = mc_comm_agree(c, rc, err);
	mine = ntr;
	if (rc == 0)
		rc = mc_comm_gather(c, &mine, all, sizeof mine, err);
	if (rc == 0)
		rc = mc_comm_bcast(c, all, (size_t)c->size * sizeof *all, err);
	for (int r = 0; rc == 0 && r < c->size; r++) {
		before += r < c->rank ? all[r] : 0;
		total += all[r];
	}
	mine = nte;
	if (rc == 0)
		rc = mc_comm_sum(c, &mine, err);
	/* a fold without rows is skipped, as one process skips it */
	if (rc != 0 || mine == 0)
		goto cleanup;
	{
		size_t row0 = (size_t)before, rows = ntr;
		mc_logreg_comm comm = { 0 };
		rc = mc_comm_realign(c, &X, &y, &w, &row0, &rows, d,
		                     mc_logreg_segment_rows((size_t)total), err);
		if (rc == 0)
			rc = mc_logreg_new(&lr, lp, err);
		rc = mc_comm_agree(c, rc, err);
		if (rc == 0) {
			mc_matrix view = { rows, d, d, X, 0 };
			comm.row0 = row0;
			comm.n_total = (size_t)total;
			comm.root = c->rank == 0;
			comm.fold = mc_comm_fold;
			comm.bcast = mc_comm_bcast;
			comm.ctx = c;
			rc = mc_logreg_fit_comm(lr, &view, y, w, &comm,
			                        c->rank == 0 ? &c->progress : NULL, err);
		}
	}
	if (rc == 0 && nte > 0) {
		size_t q = 0;
		mc_matrix Xte;
		if ((te = malloc(nte * d * sizeof *te)) == NULL)
			rc = s_nomem(err);
		for (size_t i = 0; rc == 0 && i < l->rows; i++)
			if (fold[i] == f)
				memcpy(te + q++ * d, l->X + i * d, d * sizeof *te);
		Xte = (mc_matrix){ nte, d, d, te, 0 };
		if (rc == 0)
			rc = mc_logreg_proba(&pr, lr, &Xte, err);
		q = 0;
		for (size_t i = 0; rc == 0 && i < l->rows; i++)
			if (fold[i] == f) {
				for (size_t cl = 0; cl < k && cl < pr->cols; cl++)
					P[i * k + cl] = MC_AT(pr, q, cl);
				q++;
			}
	}
	rc = mc_comm_agree(c, rc, err);
cleanup:
	if (rc != 0 && !mc_comm_echo(err))
		mc_error_prefix(err, "out-of-fold: fold %d of %zu", f + 1, folds);
	mc_matrix_free(pr);
	mc_logreg_free(lr);
	free(te);
	free(all);
	free(X);
	free(w);
	free(y);
	return rc;
}

/* oof: the out-of-fold probabilities of mc_cross_val_proba (stratified,
 * seeded folds, grouped with --groups; each fold's logistic regression over
 * the ranks), one file per rank. */
static int s_job_oof(mc_comm *c, const mc_opts *o, mc_shards *sh, mc_error *err)
{
	s_local l;
	mc_logreg_params p;
	double *cw = NULL, *P = NULL;
	int *fold = NULL, rc;

	rc = s_local_read(&l, c, o, sh, err);
	if (rc == 0)
		rc = s_lr_params(&p, &cw, o, l.k, err);
	if (rc == 0 && (P = calloc((l.rows > 0 ? l.rows : 1) * l.k, sizeof *P)) == NULL)
		rc = s_nomem(err);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0)
		rc = s_folds(&fold, &l, c, o, sh, err);
	for (size_t f = 0; rc == 0 && f < o->folds; f++) {
		mc_progress_report(&c->progress, f, o->folds, "out-of-fold");
		rc = s_fold(P, &l, fold, (int)f, o->folds, c, &p, err);
	}
	if (rc == 0)
		rc = s_pieces_write(c, o->out, s_oof_name, MC_JOB_OOF_MANIFEST, P, l.rows, l.k, err);
	free(fold);
	free(P);
	free(cw);
	s_local_free(&l);
	return rc;
}

const mc_job mc_jobs[] = {
	{ "pca", "PCA (exact): moments of the ranks' rows folded in rank order, the "
	  "eigensolve on rank 0, scikit-learn's signs. --n-components K [--chunk-rows N] "
	  "[--scores]", s_pca_unit, s_job_pca },
	{ "transform", "PCA scores of every row with the model of a pca job, one file per "
	  "piece. --model DIR --n-components K", s_pca_unit, s_job_transform },
	{ "lr", "Multinomial logistic regression: liblbfgs on rank 0, the objective and "
	  "gradient of the ranks' rows folded in rank order (the model of one process). "
	  "[--C C] [--max-iter N] [--tol T] [--class-weight none|balanced|w0,w1,...] "
	  "[--n-classes K]", s_lr_unit, s_job_lr },
	{ "importance", "The coreset service's importance of every row: the rows move to "
	  "whole chunks, each rank computes its chunks' (chunk, class) blocks as a build does. "
	  "[--chunk-size N] [--basis cholqr|qr] [--n-classes K]", s_chunk_unit,
	  s_job_importance },
	{ "coreset", "The coreset service, built: the importances as the importance job, then "
	  "rank 0 merges and reduces the tree in tree order and writes service.mcc, byte for "
	  "byte a one-process build. [--optimized-for cleaning|training] [--chunk-size N] "
	  "[--coreset-size N] [--basis cholqr|qr] [--seed S] [--folds F] [--C C] [--max-iter N]",
	  s_chunk_unit, s_job_coreset },
	{ "oof", "Out-of-fold class probabilities (the model-based scores): the folds of one "
	  "process, each fold's logistic regression over the ranks. [--folds F] [--seed S] "
	  "[--groups G.npy] and the options of lr", s_lr_unit, s_job_oof },
	{ NULL, NULL, NULL, NULL }
};
