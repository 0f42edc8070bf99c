/* Tests of maskclean-mpi through the kernel's runs of it (kernel/bind_mpi.h)
 * on this machine: mpirun -np 1, 2 and 3 (3 splits the rows unevenly), each
 * job's result against the one-process result of the runtime on the same
 * data, manifests of shards, bad data, an interrupt, and a rank killed in
 * the middle of a job. Run by tools/test.sh (not by make check: it starts
 * mpirun); MC_MPI_PROGRAM names the maskclean-mpi to test. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind_mpi.h"
#include "learn_fixture.h"
#include "interp.h"
#include "maskclean/jobfiles.h"
#include "maskclean/coreset.h"
#include "maskclean/logreg.h"
#include "maskclean/metrics.h"
#include "maskclean/npy.h"
#include "maskclean/pca.h"
#include "maskclean/rng.h"
#include "value.h"
#include "testutil.h"
#include "suite_run.h"

static mc_interp *s_in;
static char s_dir[256];

static void setup(void)
{
	s_in = mc_interp_new();
	ck_assert_ptr_nonnull(s_in);
	tu_tmpdir(s_dir, sizeof s_dir, "mc-mpi-test");
}

static void teardown(void)
{
	mc_interp_free(s_in);
	tu_rmtree(s_dir);
}

/* A value of the language from code (caller unrefs). */
static mc_value *s_eval(const char *code)
{
	mc_value *v = NULL;
	mc_exec_error xe;

	memset(&xe, 0, sizeof xe);
	if (mc_interp_execute(s_in, code, NULL, &v, &xe) != 0)
		ck_abort_msg("%s: %s: %s", code, xe.ename, xe.evalue);
	mc_exec_error_clear(&xe);
	return v;
}

static const mc_cluster *s_cluster(mc_value *v)
{
	ck_assert_ptr_eq(mc_object_class(v), &mc_cluster_class);
	return mc_object_ptr(v);
}

static mc_value *s_new_cluster(int np)
{
	char code[128];

	snprintf(code, sizeof code, "Cluster(np=%d, threads=1)", np);
	return s_eval(code);
}

/* n x d rows of k overlapping classes; labels in *y when y != NULL. */
static mc_matrix *s_data(size_t n, size_t d, size_t k, uint64_t seed, int64_t **y)
{
	mc_matrix *X = NULL;
	mc_error err = { 0 };
	mc_rng rng;

	mc_rng_seed_splitmix(&rng, seed);
	ck_assert_int_eq(mc_matrix_new(&X, n, d, &err), 0);
	if (y != NULL)
		*y = malloc(n * sizeof **y);
	for (size_t i = 0; i < n; i++) {
		size_t c = i * 7 % k;
		if (y != NULL)
			(*y)[i] = (int64_t)c;
		for (size_t j = 0; j < d; j++)
			MC_AT(X, i, j) = 2.0 + (double)j * 0.3 + 0.8 * (double)((c * (j + 3)) % 4) +
			                 (1.0 + 0.2 * (double)j) * mc_rng_normal(&rng);
	}
	return X;
}

static mc_value *s_array(const mc_matrix *X)
{
	mc_value *a = mc_array_new(MC_F64, X->rows, X->cols);

	ck_assert_ptr_nonnull(a);
	memcpy(mc_array_f64(a), X->data, X->rows * X->cols * sizeof(double));
	return a;
}

/* |a - b| <= tol * (1 + |b|) */
static void s_close(double a, double b, double tol, const char *what, size_t i)
{
	ck_assert_msg(fabs(a - b) <= tol * (1.0 + fabs(b)), "%s[%zu]: %.17g vs %.17g", what, i, a,
	              b);
}

static void s_same_pca(const mc_pca *a, const mc_pca *b, double tol)
{
	size_t k = mc_pca_model_of(b)->k, d = mc_pca_model_of(b)->d;

	ck_assert_uint_eq(mc_pca_model_of(a)->k, k);
	ck_assert_uint_eq(mc_pca_model_of(a)->d, d);
	ck_assert_uint_eq(mc_pca_model_of(a)->n, mc_pca_model_of(b)->n);
	for (size_t i = 0; i < k * d; i++)
		s_close(mc_pca_model_of(a)->components->data[i], mc_pca_model_of(b)->components->data[i], tol,
		        "components", i);
	for (size_t c = 0; c < k; c++) {
		s_close(mc_pca_model_of(a)->ev[c], mc_pca_model_of(b)->ev[c], tol,
		        "explained_variance", c);
		s_close(mc_pca_model_of(a)->evr[c],
		        mc_pca_model_of(b)->evr[c], tol, "ratio", c);
	}
	for (size_t j = 0; j < d; j++)
		s_close(mc_pca_model_of(a)->mean[j], mc_pca_model_of(b)->mean[j], tol, "mean", j);
}

static mc_pca *s_pca(size_t k, size_t chunk)
{
	mc_pca_params p;
	mc_pca *pca = NULL;
	mc_error err = { 0 };

	mc_pca_params_init(&p);
	p.n_components = k;
	p.chunk_rows = chunk;
	ck_assert_int_eq(mc_pca_new(&pca, &p, &err), 0);
	return pca;
}

static mc_coreset *s_service(size_t chunk);
static void s_same_service(mc_coreset *a, mc_coreset *b);

/* PCA.fit_transform of an array on np ranks (_i + 1) equals one process's. */
START_TEST(test_pca)
{
	int np = _i + 1;
	mc_matrix *X = s_data(6000, 12, 3, 1, NULL), *one = NULL, *many = NULL, *again = NULL;
	mc_value *c = s_new_cluster(np), *a = s_array(X);
	mc_pca *ref = s_pca(5, 700), *pca = s_pca(5, 700);
	mc_error err = { 0 };

	ck_assert_int_eq(mc_pca_fit_transform(&one, ref, X, NULL, &err), 0);
	ck_assert_msg(mc_mpi_pca_fit(pca, a, s_cluster(c), &many, NULL, &err) == 0, "%s",
	              err.text);
	s_same_pca(pca, ref, 1e-10);
	for (size_t i = 0; i < one->rows * one->cols; i++)
		s_close(many->data[i], one->data[i], 1e-10, "scores", i);
	/* transform on the cluster gives the scores of transform here */
	ck_assert_msg(mc_mpi_pca_transform(&again, ref, a, s_cluster(c), NULL, &err) == 0, "%s",
	              err.text);
	mc_matrix_free(many);
	ck_assert_int_eq(mc_pca_transform(&many, ref, X, NULL, &err), 0);
	ck_assert(memcmp(again->data, many->data, X->rows * 5 * sizeof(double)) == 0);
	mc_matrix_free(again);
	mc_matrix_free(many);
	mc_matrix_free(one);
	mc_pca_free(ref);
	mc_pca_free(pca);
	mc_unref(a);
	mc_unref(c);
	mc_matrix_free(X);
}
END_TEST

/* A float32 .npy of X (format 1.0). */
static void s_save_f4(const char *path, const mc_matrix *X)
{
	char head[128];
	int n = snprintf(head, sizeof head, "{'descr': '<f4', 'fortran_order': False, "
	                 "'shape': (%zu, %zu), }", X->rows, X->cols);
	unsigned short len = (unsigned short)((10 + n + 1 + 63) / 64 * 64 - 10);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fwrite(&len, 2, 1, f);
	fwrite(head, 1, (size_t)n, f);
	for (int i = n; i < len - 1; i++)
		fputc(' ', f);
	fputc('\n', f);
	for (size_t i = 0; i < X->rows * X->cols; i++) {
		float v = (float)X->data[i];
		fwrite(&v, sizeof v, 1, f);
	}
	ck_assert_int_eq(fclose(f), 0);
}

/* A float32 file loaded as Embeddings is read by the ranks from the file
 * itself, in single precision as one process streams it. */
START_TEST(test_pca_float32_file)
{
	mc_matrix *X = s_data(5000, 9, 2, 2, NULL);
	char path[400], code[500];
	mc_value *c = s_new_cluster(3), *E;
	mc_pca *ref = s_pca(4, 512), *pca = s_pca(4, 512);
	mc_npy *npy = NULL;
	mc_rows rows;
	mc_error err = { 0 };

	snprintf(path, sizeof path, "%s/feats32.npy", s_dir);
	s_save_f4(path, X);
	snprintf(code, sizeof code, "load_npy('%s')", path);
	E = s_eval(code);
	ck_assert_int_eq(mc_npy_open(&npy, path, &err), 0);
	rows = (mc_rows){ mc_npy_rows(npy), mc_npy_cols(npy), mc_npy_stream_rows, npy, 1 };
	ck_assert_int_eq(mc_pca_fit_rows(ref, &rows, NULL, &err), 0);
	ck_assert_msg(mc_mpi_pca_fit(pca, E, s_cluster(c), NULL, NULL, &err) == 0, "%s",
	              err.text);
	s_same_pca(pca, ref, 1e-10);
	mc_npy_free(npy);
	mc_pca_free(ref);
	mc_pca_free(pca);
	mc_unref(E);
	mc_unref(c);
	mc_matrix_free(X);
}
END_TEST

static mc_logreg *s_lr(mc_class_weight cw, const double *dict, size_t k)
{
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_error err = { 0 };

	mc_logreg_params_init(&p);
	p.class_weight = cw;
	p.class_weights = dict;
	p.n_classes = dict != NULL ? k : 0;
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	return lr;
}

/* LogisticRegression.fit on np ranks (_i + 1) gives one process's model bit
 * for bit: balanced, with removed samples, and with a class-weight dict. */
START_TEST(test_lr)
{
	int np = _i + 1;
	size_t n = 4 * 4096 + 1234, k = 4;
	int64_t *y = NULL;
	mc_matrix *X = s_data(n, 6, k, 3, &y);
	double *w = malloc(n * sizeof *w), dict[4] = { 1.0, 2.5, 0.5, 1.0 };
	mc_value *c = s_new_cluster(np), *a = s_array(X);
	mc_logreg *ref, *lr;
	mc_error err = { 0 };

	for (size_t i = 0; i < n; i++)
		w[i] = i % 97 == 5 ? 0.0 : 1.0 + (double)(i % 3);
	for (int run = 0; run < 2; run++) {
		/* balanced with weights, then a class-weight dict */
		const double *cw = run == 0 ? NULL : dict, *sw = run == 0 ? w : NULL;
		mc_class_weight kind = run == 0 ? MC_CW_BALANCED : MC_CW_DICT;

		ref = s_lr(kind, cw, k);
		lr = s_lr(kind, cw, k);
		ck_assert_int_eq(mc_logreg_fit(ref, X, y, sw, NULL, &err), 0);
		ck_assert_msg(mc_mpi_logreg_fit(lr, a, y, sw, n, s_cluster(c), NULL, &err) == 0,
		              "%s", err.text);
		fx_assert_same_logreg(lr, ref);
		mc_logreg_free(ref);
		mc_logreg_free(lr);
	}
	mc_unref(a);
	mc_unref(c);
	mc_matrix_free(X);
	free(y);
	free(w);
}
END_TEST

/* Rows [r0, r0 + n) of X (and y) as shard files name-i.npy; returns the
 * manifest entry's text. */
static void s_shard(FILE *m, const mc_matrix *X, const int64_t *y, size_t r0, size_t n, int i,
                    int last)
{
	char path[400];
	mc_matrix v = mc_matrix_view_rows(X, r0, n);
	double *col = malloc((n > 0 ? n : 1) * sizeof *col);
	mc_error err = { 0 };

	snprintf(path, sizeof path, "%s/x-%d.npy", s_dir, i);
	ck_assert_int_eq(mc_npy_save(path, &v, &err), 0);
	for (size_t r = 0; r < n; r++)
		col[r] = (double)y[r0 + r];
	snprintf(path, sizeof path, "%s/y-%d.npy", s_dir, i);
	ck_assert_int_eq(mc_npy_save_vector(path, col, n, &err), 0);
	fprintf(m, "  {\"features\": \"x-%d.npy\", \"labels\": \"y-%d.npy\", \"rows\": %zu}%s\n",
	        i, i, n, last ? "" : ",");
	free(col);
}

/* A job of maskclean-mpi on the manifest of s_dir with extra arguments;
 * returns 0 or the error. */
static int s_run_manifest(mc_mpi_job **j, const mc_cluster *c, const char *job,
                          const char *const *args, mc_error *err)
{
	char path[400];
	int rc;

	snprintf(path, sizeof path, "%s/shards.json", s_dir);
	rc = mc_mpi_job_new(j, c, job, err);
	if (rc == 0)
		rc = mc_mpi_job_arg(*j, "--manifest", path, err);
	for (size_t i = 0; rc == 0 && args[i] != NULL; i += 2)
		rc = mc_mpi_job_arg(*j, args[i], args[i + 1], err);
	return rc != 0 ? rc : mc_mpi_job_run(*j, NULL, err);
}

/* Shards of a manifest on _i ranks (two shards on a rank when np = 2): PCA
 * agrees with one process on their rows; logistic regression, with shards
 * of any size (rows move to segment boundaries), bit for bit; transform
 * writes one file of scores per shard. */
START_TEST(test_manifest)
{
	size_t n = 3 * 4096 + 3000, cut[4] = { 0, 3000, 3 * 4096 + 17, n }, k = 3;
	int64_t *y = NULL;
	mc_matrix *X = s_data(n, 5, k, 4, &y), *scores = NULL, *ref_scores = NULL;
	mc_value *c = s_new_cluster(_i);
	mc_pca *ref = s_pca(3, 0), *pca = s_pca(3, 0);
	mc_logreg *lref = s_lr(MC_CW_BALANCED, NULL, k), *lr = s_lr(MC_CW_BALANCED, NULL, k);
	mc_mpi_job *j = NULL;
	const char *pca_args[] = { "--n-components", "3", "--scores", NULL, NULL };
	const char *lr_args[] = { "--class-weight", "balanced", NULL };
	char path[400];
	mc_error err = { 0 };
	FILE *m;

	snprintf(path, sizeof path, "%s/shards.json", s_dir);
	m = fopen(path, "w");
	fprintf(m, "{\"shards\": [\n");
	for (int i = 0; i < 3; i++)
		s_shard(m, X, y, cut[i], cut[i + 1] - cut[i], i, i == 2);
	fprintf(m, "]}\n");
	fclose(m);
	ck_assert_msg(s_run_manifest(&j, s_cluster(c), "pca", pca_args, &err) == 0, "%s",
	              err.text);
	ck_assert_msg(mc_pca_load(pca, mc_mpi_job_out(j), &err) == 0, "%s", err.text);
	ck_assert_int_eq(mc_pca_fit_transform(&ref_scores, ref, X, NULL, &err), 0);
	s_same_pca(pca, ref, 1e-10);
	ck_assert_msg(mc_mpi_job_pieces(&scores, j, MC_JOB_SCORES_MANIFEST, n, 3, &err) == 0, "%s", err.text);
	for (size_t i = 0; i < n * 3; i++)
		s_close(scores->data[i], ref_scores->data[i], 1e-10, "scores", i);
	/* one file of scores per shard */
	for (int i = 0; i < 3; i++) {
		char name[64];
		mc_matrix *part = NULL;
		snprintf(name, sizeof name, MC_JOB_SCORES, (size_t)i);
		ck_assert_int_eq(mc_mpi_job_result(&part, j, name, &err), 0);
		ck_assert_uint_eq(part->rows, cut[i + 1] - cut[i]);
		mc_matrix_free(part);
	}
	mc_mpi_job_free(j);
	/* the coreset service: rows move to whole chunks first */
	{
		const char *cs_args[] = { "--chunk-size", "2500", "--seed", "9", NULL };
		mc_coreset *one = s_service(2500), *many = NULL;
		char service[400];
		mc_error e2 = { 0 };
		ck_assert_msg(s_run_manifest(&j, s_cluster(c), "coreset", cs_args, &err) == 0, "%s",
		              err.text);
		ck_assert_int_eq(mc_coreset_build(one, X, y, NULL, NULL, &e2), 0);
		snprintf(service, sizeof service, "%s/%s", mc_mpi_job_out(j), MC_JOB_SERVICE);
		ck_assert_msg(mc_coreset_load(&many, service, &e2) == 0, "%s", e2.text);
		s_same_service(many, one);
		mc_coreset_free(one);
		mc_coreset_free(many);
		mc_mpi_job_free(j);
	}
	ck_assert_msg(s_run_manifest(&j, s_cluster(c), "lr", lr_args, &err) == 0, "%s", err.text);
	ck_assert_int_eq(mc_logreg_fit(lref, X, y, NULL, NULL, &err), 0);
	ck_assert_msg(mc_logreg_load(lr, mc_mpi_job_out(j), &err) == 0, "%s", err.text);
	fx_assert_same_logreg(lr, lref);
	mc_mpi_job_free(j);
	mc_logreg_free(lr);
	mc_matrix_free(scores);
	mc_matrix_free(ref_scores);
	mc_logreg_free(lref);
	mc_pca_free(ref);
	mc_pca_free(pca);
	mc_unref(c);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* Bad data fails with the rank's own message naming the file and the row;
 * the model is left as it was. */
START_TEST(test_errors)
{
	size_t n = 3000;
	int64_t *y = NULL;
	mc_matrix *X = s_data(n, 4, 3, 5, &y);
	mc_value *c = s_new_cluster(3), *a;
	mc_pca *pca = s_pca(2, 300);
	mc_logreg *lr = s_lr(MC_CW_NONE, NULL, 3);
	mc_mpi_job *j = NULL;
	const char *none[] = { NULL };
	char path[400];
	mc_error err = { 0 };
	FILE *m;

	MC_AT(X, 2500, 1) = NAN;
	a = s_array(X);
	ck_assert_int_eq(mc_mpi_pca_fit(pca, a, s_cluster(c), NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "pca job on 3 ranks: rank 2: ") != NULL &&
	              strstr(err.text, "row 2500, column 1 is NaN") != NULL, "%s", err.text);
	ck_assert(mc_pca_model_of(pca) == NULL);
	mc_unref(a);
	MC_AT(X, 2500, 1) = 1.0;
	a = s_array(X);
	y[10] = -1;
	mc_error_clear(&err);
	ck_assert_int_eq(mc_mpi_logreg_fit(lr, a, y, NULL, n, s_cluster(c), NULL, &err),
	                 MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "rank 0: ") != NULL &&
	              strstr(err.text, "row 10 is -1; expected a class index") != NULL, "%s",
	              err.text);
	ck_assert(!mc_logreg_fitted(lr));
	/* a manifest naming a file that is not there, and one that is not JSON */
	snprintf(path, sizeof path, "%s/shards.json", s_dir);
	m = fopen(path, "w");
	fprintf(m, "{\"shards\": [{\"features\": \"gone.npy\", \"rows\": 10}]}\n");
	fclose(m);
	mc_error_clear(&err);
	ck_assert_int_eq(s_run_manifest(&j, s_cluster(c), "pca", none, &err), MC_ERR_IO);
	ck_assert_msg(strstr(err.text, "gone.npy") != NULL, "%s", err.text);
	mc_mpi_job_free(j);
	m = fopen(path, "w");
	fprintf(m, "{\"shards\": [{\"features\": 3}]}\n");
	fclose(m);
	mc_error_clear(&err);
	ck_assert_int_eq(s_run_manifest(&j, s_cluster(c), "pca", none, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "shard 0: \"features\" must be a file name") != NULL, "%s",
	              err.text);
	mc_mpi_job_free(j);
	mc_unref(a);
	mc_unref(c);
	mc_pca_free(pca);
	mc_logreg_free(lr);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* ---- stopping a job ---- */

/* The pids of this process's children named name (or of pid's). */
static size_t s_children(pid_t parent, const char *name, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL && n < max) {
		char path[300], buf[512], comm[64];
		int pid, ppid;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof buf, f) != NULL &&
		    sscanf(buf, "%d (%63[^)]) %*c %d", &pid, comm, &ppid) == 3 && ppid == parent &&
		    strcmp(comm, name) == 0)
			out[n++] = pid;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* The ranks of the job this test started: children of its mpirun. */
static size_t s_ranks(pid_t *out, size_t max)
{
	pid_t mpirun[2];
	size_t n = s_children(getpid(), "mpirun", mpirun, 2);

	return n == 1 ? s_children(mpirun[0], "maskclean-mpi", out, max) : 0;
}

typedef struct stopper {
	int kill_rank;      /* 1: SIGKILL a rank; 0: ask the job to stop */
	const char *when;   /* once progress names this step */
	pid_t ranks[8];
	size_t nranks;
	int acted;
} stopper;

/* Once the fit reports iterations, kill a rank or ask to stop. */
static int s_stopper(void *ctx, size_t done, size_t total, const char *what)
{
	stopper *s = ctx;

	(void)total;
	if (s->acted)
		return !s->kill_rank;
	if (done < 1 || strstr(what, s->when) == NULL)
		return 0;
	s->nranks = s_ranks(s->ranks, 8);
	ck_assert_uint_eq(s->nranks, 2);
	s->acted = 1;
	if (s->kill_rank)
		ck_assert_int_eq(kill(s->ranks[1], SIGKILL), 0);
	return !s->kill_rank;
}

static int s_gone(pid_t pid)
{
	char path[64], buf[256], state = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 1;
	if (fgets(buf, sizeof buf, f) != NULL && strrchr(buf, ')') != NULL)
		state = strrchr(buf, ')')[2];
	fclose(f);
	return state == 'Z' || state == 'X';
}

/* An interrupt (_i 0) stops every rank and reports "interrupted"; a rank
 * killed mid-job (_i 1) fails the job with mpirun's message naming it. The
 * model is left as it was and the job's folder removed; the next job runs. */
START_TEST(test_stop)
{
	size_t n = 60000, k = 6;
	int64_t *y = NULL;
	mc_matrix *X = s_data(n, 40, k, 6, &y);
	mc_value *c, *a = s_array(X);
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	stopper st = { _i, "LogisticRegression", { 0 }, 0, 0 };
	mc_progress prog = { s_stopper, &st };
	mc_error err = { 0 };
	char code[300];
	DIR *d;
	struct dirent *e;
	int rc;

	snprintf(code, sizeof code, "Cluster(np=2, threads=1, tmpdir='%s')", s_dir);
	c = s_eval(code);
	mc_logreg_params_init(&p);
	p.tol = 0.0;
	p.max_iter = 100000;
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	rc = mc_mpi_logreg_fit(lr, a, y, NULL, n, s_cluster(c), &prog, &err);
	ck_assert(st.acted);
	if (_i == 0) {
		ck_assert_int_eq(rc, MC_ERR_INTERRUPTED);
		ck_assert_str_eq(err.text, "interrupted");
	} else {
		ck_assert_int_eq(rc, MC_ERR_IO);
		ck_assert_msg(strstr(err.text, "lr job on 2 ranks failed") != NULL &&
		              strstr(err.text, "signal 9") != NULL, "%s", err.text);
	}
	for (size_t i = 0; i < st.nranks; i++)
		ck_assert_msg(s_gone(st.ranks[i]), "rank pid %d is still running", (int)st.ranks[i]);
	ck_assert(!mc_logreg_fitted(lr));
	/* the job's folder is gone */
	d = opendir(s_dir);
	while ((e = readdir(d)) != NULL)
		ck_assert_msg(strncmp(e->d_name, "maskclean-mpi-", 14) != 0, "%s left", e->d_name);
	closedir(d);
	/* the cluster still works */
	mc_logreg_free(lr);
	lr = s_lr(MC_CW_NONE, NULL, k);
	mc_error_clear(&err);
	ck_assert_msg(mc_mpi_logreg_fit(lr, a, y, NULL, n, s_cluster(c), NULL, &err) == 0, "%s",
	              err.text);
	mc_logreg_free(lr);
	mc_unref(a);
	mc_unref(c);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* The bytes of a file (caller frees). */
static unsigned char *s_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(*n > 0 ? *n : 1);
	ck_assert_uint_eq(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

/* a and b saved to the same bytes. */
static void s_same_service(mc_coreset *a, mc_coreset *b)
{
	char pa[300], pb[300];
	unsigned char *ba, *bb;
	size_t na, nb;
	mc_error err = { 0 };

	snprintf(pa, sizeof pa, "%s/a.mcc", s_dir);
	snprintf(pb, sizeof pb, "%s/b.mcc", s_dir);
	ck_assert_int_eq(mc_coreset_save(a, pa, &err), 0);
	ck_assert_int_eq(mc_coreset_save(b, pb, &err), 0);
	ba = s_bytes(pa, &na);
	bb = s_bytes(pb, &nb);
	ck_assert_uint_eq(na, nb);
	ck_assert_msg(memcmp(ba, bb, na) == 0, "the service files differ");
	free(ba);
	free(bb);
}

static mc_coreset *s_service(size_t chunk)
{
	mc_coreset_params p;
	mc_coreset *cs = NULL;
	mc_error err = { 0 };

	mc_coreset_params_init(&p);
	p.chunk_size = chunk;
	p.seed = 9;
	ck_assert_int_eq(mc_coreset_new(&cs, &p, &err), 0);
	return cs;
}

/* svc.build on np ranks (_i) is the one-process build byte for byte: with a
 * chunk size given (many classes, small ones among them, removed samples),
 * and with the automatic chunk of a larger data set. The importance job
 * gives the build's importances. */
START_TEST(test_coreset)
{
	int np = _i;
	mc_value *c = s_new_cluster(np);
	mc_error err = { 0 };

	for (int run = 0; run < 2; run++) {
		size_t n = run == 0 ? 5000 : 36000, d = run == 0 ? 6 : 3, k = run == 0 ? 40 : 3;
		int64_t *y = NULL;
		mc_matrix *X = s_data(n, d, k, 7 + (uint64_t)run, &y), *imp = NULL;
		double *w = malloc(n * sizeof *w);
		mc_value *a = s_array(X);
		mc_coreset *one = s_service(run == 0 ? 700 : 0), *many = s_service(run == 0 ? 700 : 0);
		mc_mpi_job *j = NULL;
		const char *names[40];

		for (size_t i = 0; i < n; i++)
			w[i] = i % 53 == 7 ? 0.0 : 1.0;
		for (size_t i = 0; i < k; i++)
			names[i] = i == 0 ? "orange" : i == 1 ? "apple" : i == 2 ? "lemon" : "other";
		ck_assert_int_eq(mc_coreset_build(one, X, y, w, NULL, &err), 0);
		if (run == 1) {
			ck_assert_int_eq(mc_coreset_set_class_names(one, names, 3, &err), 0);
			ck_assert_int_eq(mc_coreset_set_class_names(many, names, 3, &err), 0);
		}
		ck_assert_msg(mc_mpi_coreset_build(many, a, y, w, n, s_cluster(c), NULL, &err) == 0,
		              "%s", err.text);
		if (run == 1)
			ck_assert_str_eq(mc_coreset_class_name(many, 0), "orange");
		s_same_service(many, one);
		/* a built service is refused */
		ck_assert_int_eq(mc_mpi_coreset_build(many, a, y, w, n, s_cluster(c), NULL, &err),
		                 MC_ERR_STATE);
		mc_error_clear(&err);
		/* the importance job */
		ck_assert_int_eq(mc_mpi_job_new(&j, s_cluster(c), "importance", &err), 0);
		if (run == 0)
			ck_assert_int_eq(mc_mpi_job_arg(j, "--chunk-size", "700", &err), 0);
		{
			size_t rows = 0;
			ck_assert_int_eq(mc_mpi_job_features(j, a, &rows, &err), 0);
		}
		{
			double *col = malloc(n * sizeof *col);
			for (size_t i = 0; i < n; i++)
				col[i] = (double)y[i];
			ck_assert_int_eq(mc_mpi_job_column(j, "--labels", col, n, &err), 0);
			ck_assert_int_eq(mc_mpi_job_column(j, "--weights", w, n, &err), 0);
			free(col);
		}
		ck_assert_msg(mc_mpi_job_run(j, NULL, &err) == 0, "%s", err.text);
		ck_assert_msg(mc_mpi_job_pieces(&imp, j, MC_JOB_IMPORTANCE_MANIFEST, n, 1, &err) == 0,
		              "%s", err.text);
		ck_assert(memcmp(imp->data, mc_coreset_importance(one), n * sizeof(double)) == 0);
		mc_mpi_job_free(j);
		mc_matrix_free(imp);
		mc_coreset_free(one);
		mc_coreset_free(many);
		mc_unref(a);
		mc_matrix_free(X);
		free(y);
		free(w);
	}
	mc_unref(c);
}
END_TEST

/* cross_val_predict's probabilities on np ranks (_i) are one process's:
 * the same folds, each fold's model the same bit for bit (its rows moved
 * to segment boundaries); with groups too. */
START_TEST(test_oof)
{
	size_t n = 9000, k = 4;
	int64_t *y = NULL, *groups = malloc(n * sizeof *groups);
	mc_matrix *X = s_data(n, 5, k, 11, &y), *one = NULL, *many = NULL;
	double *w = malloc(n * sizeof *w);
	mc_value *c = s_new_cluster(_i), *a = s_array(X);
	mc_row_source src;
	mc_cv_opts o;
	mc_logreg_params p;
	mc_error err = { 0 };

	for (size_t i = 0; i < n; i++) {
		w[i] = i % 41 == 3 ? 0.0 : 1.0;
		groups[i] = (int64_t)(i / 3);
	}
	mc_row_source_matrix(&src, X);
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	for (int run = 0; run < 2; run++) {
		mc_cv_opts_init(&o);
		o.folds = 4;
		o.seed = 3;
		o.groups = run == 1 ? groups : NULL;
		ck_assert_int_eq(mc_cross_val_proba(&one, NULL, &src, y, w, k, &o, &p, NULL, &err), 0);
		ck_assert_msg(mc_mpi_cross_val_proba(&many, a, y, w, o.groups, n, k, &o, &p,
		                                     s_cluster(c), NULL, &err) == 0, "%s", err.text);
		for (size_t i = 0; i < n * k; i++)
			s_close(many->data[i], one->data[i], 1e-12, "proba", i);
		mc_matrix_free(one);
		mc_matrix_free(many);
	}
	mc_unref(a);
	mc_unref(c);
	mc_matrix_free(X);
	free(y);
	free(w);
	free(groups);
}
END_TEST

/* A rank killed while the coreset job builds: the service file of the
 * job's earlier run is left as it was, byte for byte. */
START_TEST(test_service_file_kept)
{
	size_t n = 80000, k = 6, nb1, nb2;
	int64_t *y = NULL;
	mc_matrix *X = s_data(n, 40, k, 13, &y);
	mc_value *c = s_new_cluster(2), *a = s_array(X);
	mc_mpi_job *j = NULL;
	stopper st = { 1, "coreset", { 0 }, 0, 0 };
	mc_progress prog = { s_stopper, &st };
	double *col = malloc(n * sizeof *col);
	unsigned char *before, *after;
	char path[400];
	size_t rows = 0;
	mc_error err = { 0 };

	for (size_t i = 0; i < n; i++)
		col[i] = (double)y[i];
	ck_assert_int_eq(mc_mpi_job_new(&j, s_cluster(c), "coreset", &err), 0);
	ck_assert_int_eq(mc_mpi_job_arg(j, "--chunk-size", "4000", &err), 0);
	ck_assert_int_eq(mc_mpi_job_features(j, a, &rows, &err), 0);
	ck_assert_int_eq(mc_mpi_job_column(j, "--labels", col, n, &err), 0);
	ck_assert_msg(mc_mpi_job_run(j, NULL, &err) == 0, "%s", err.text);
	snprintf(path, sizeof path, "%s/%s", mc_mpi_job_out(j), MC_JOB_SERVICE);
	before = s_bytes(path, &nb1);
	ck_assert_int_eq(mc_mpi_job_run(j, &prog, &err), MC_ERR_IO);
	ck_assert(st.acted);
	ck_assert_msg(strstr(err.text, "signal 9") != NULL, "%s", err.text);
	after = s_bytes(path, &nb2);
	ck_assert_uint_eq(nb1, nb2);
	ck_assert(memcmp(before, after, nb1) == 0);
	for (size_t i = 0; i < st.nranks; i++)
		ck_assert_msg(s_gone(st.ranks[i]), "rank pid %d is still running", (int)st.ranks[i]);
	free(before);
	free(after);
	free(col);
	mc_mpi_job_free(j);
	mc_unref(a);
	mc_unref(c);
	mc_matrix_free(X);
	free(y);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("mpi_jobs");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_pca, 0, 3);
	tcase_add_test(tc, test_pca_float32_file);
	tcase_add_loop_test(tc, test_lr, 1, 3);
	tcase_add_loop_test(tc, test_manifest, 2, 4);
	tcase_add_test(tc, test_errors);
	tcase_add_loop_test(tc, test_stop, 0, 2);
	tcase_add_loop_test(tc, test_coreset, 2, 4);
	tcase_add_loop_test(tc, test_oof, 2, 4);
	tcase_add_test(tc, test_service_file_kept);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
