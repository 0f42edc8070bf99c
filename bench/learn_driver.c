/* The C side of bench/learn_speed and bench/learn_compare: times maskclean's
 * PCA, logistic regression and cross-validated AUC and prints one JSON
 * object per run on stdout. Not a test; never run by make check.
 *
 *   learn_driver pca-fmnist FMNIST_DIR OUT_DIR K    PCA-K on Fashion-MNIST; writes
 *                                                   OUT_DIR/{ztr,zte,ytr,yte}.npy
 *   learn_driver lr OUT_DIR MAX_ITER TOL TARGET     LR (balanced) on ztr; time to
 *                                                   reach objective <= TARGET
 *   learn_driver cv OUT_DIR FOLDS                   K-fold CV AUC on ztr
 *   learn_driver coco N D K MAX_ITER FOLDS          generated N x D, K classes:
 *                                                   LR to convergence, K-fold CV AUC
 *   learn_driver compare OUT_DIR X.npy Y.npy K      PCA-K + LR on a small set; writes
 *                                                   OUT_DIR/mc_*.npy
 *   learn_driver pca-npy TRAIN.npy TEST.npy K       PCA-K fit_transform + transform,
 *                                                   as PCA() in a notebook reads
 *                                                   them: float32 files streamed
 *                                                   (single precision), float64
 *                                                   loaded
 *   learn_driver pca-stream FILE.npy K              PCA-K fit_transform of one file
 *                                                   (as pca-npy); reports the peak
 *                                                   resident memory */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maskclean/idx.h"
#include "maskclean/logreg.h"
#include "maskclean/metrics.h"
#include "maskclean/npy.h"
#include "maskclean/pca.h"
#include "maskclean/rng.h"
#include "maskclean/split.h"

static double s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static _Noreturn void s_die(const mc_error *err)
{
	fprintf(stderr, "learn_driver: %s\n", err->text);
	exit(1);
}

static mc_matrix *s_load_npy(const char *path)
{
	mc_npy *npy = NULL;
	mc_matrix *m = NULL;
	mc_error err = { 0 };

	if (mc_npy_open(&npy, path, &err) != 0 || mc_npy_to_matrix(&m, npy, NULL, &err) != 0)
		s_die(&err);
	mc_npy_free(npy);
	return m;
}

static int64_t *s_load_labels(const char *path, size_t *n)
{
	mc_matrix *m = s_load_npy(path);
	int64_t *y = malloc(m->rows * sizeof *y);

	for (size_t i = 0; i < m->rows; i++)
		y[i] = (int64_t)m->data[i * m->stride];
	*n = m->rows;
	mc_matrix_free(m);
	return y;
}

static void s_save(const char *dir, const char *name, const mc_matrix *m)
{
	char path[4096];
	mc_error err = { 0 };

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (mc_npy_save(path, m, &err) != 0)
		s_die(&err);
}

static void s_save_vec(const char *dir, const char *name, const double *x, size_t n)
{
	char path[4096];
	mc_error err = { 0 };

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (mc_npy_save_vector(path, x, n, &err) != 0)
		s_die(&err);
}

/* Images (n x 784, 0..255) and labels of one Fashion-MNIST split. */
static mc_matrix *s_fmnist(const char *dir, const char *prefix, int64_t **y)
{
	char path[4096];
	mc_idx *img = NULL, *lab = NULL;
	mc_matrix *X = NULL;
	mc_error err = { 0 };
	size_t n, d;

	snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
	if (mc_idx_load_images(&img, path, &err) != 0)
		s_die(&err);
	snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
	if (mc_idx_load_labels(&lab, path, 10, &err) != 0)
		s_die(&err);
	n = img->dims[0];
	d = img->dims[1] * img->dims[2];
	if (mc_matrix_new(&X, n, d, &err) != 0)
		s_die(&err);
	for (size_t i = 0; i < n * d; i++)
		X->data[i] = (double)img->u8[i];
	*y = malloc(n * sizeof **y);
	for (size_t i = 0; i < n; i++)
		(*y)[i] = lab->u8[i];
	mc_idx_free(img);
	mc_idx_free(lab);
	return X;
}

static int s_pca_fmnist(const char *dir, const char *out, size_t k)
{
	int64_t *ytr, *yte;
	mc_matrix *Xtr = s_fmnist(dir, "train", &ytr), *Xte = s_fmnist(dir, "t10k", &yte);
	mc_matrix *Ztr = NULL, *Zte = NULL;
	mc_pca_params p;
	mc_pca *pca = NULL;
	mc_error err = { 0 };
	double t0, t1, t2, *v, evr = 0.0;

	mc_pca_params_init(&p);
	p.n_components = k;
	if (mc_pca_new(&pca, &p, &err) != 0)
		s_die(&err);
	t0 = s_now();
	if (mc_pca_fit_transform(&Ztr, pca, Xtr, NULL, &err) != 0)
		s_die(&err);
	t1 = s_now();
	if (mc_pca_transform(&Zte, pca, Xte, NULL, &err) != 0)
		s_die(&err);
	t2 = s_now();
	for (size_t c = 0; c < k; c++)
		evr += mc_pca_model_of(pca)->evr[c];
	s_save(out, "ztr.npy", Ztr);
	s_save(out, "zte.npy", Zte);
	s_save(out, "mc_components.npy", mc_pca_model_of(pca)->components);
	v = malloc(Xtr->rows * sizeof *v);
	for (size_t i = 0; i < Xtr->rows; i++)
		v[i] = (double)ytr[i];
	s_save_vec(out, "ytr.npy", v, Xtr->rows);
	for (size_t i = 0; i < Xte->rows; i++)
		v[i] = (double)yte[i];
	s_save_vec(out, "yte.npy", v, Xte->rows);
	printf("{\"pca_fit_transform_s\": %.4f, \"pca_transform_test_s\": %.4f, "
	       "\"explained_variance_ratio_sum\": %.17g}\n", t1 - t0, t2 - t1, evr);
	free(v);
	free(ytr);
	free(yte);
	mc_matrix_free(Xtr);
	mc_matrix_free(Xte);
	mc_matrix_free(Ztr);
	mc_matrix_free(Zte);
	mc_pca_free(pca);
	return 0;
}

/* Fit-transforms (train) or transforms (test) one .npy file; returns the
 * seconds, and the size of the scores in *scores_bytes when not NULL (scikit-learn's side is timed on arrays already in memory: a
 * float32 file is memory-mapped and read as it streams, from the page
 * cache once warm). */
static double s_pca_npy_one(mc_pca *pca, const char *path, int fit, double *scores_bytes)
{
	mc_npy *npy = NULL;
	mc_matrix *X = NULL, *Z = NULL;
	mc_error err = { 0 };
	double t0 = s_now(), t;
	int rc;

	if (mc_npy_open(&npy, path, &err) != 0)
		s_die(&err);
	if (mc_npy_dtype_of(npy) == MC_NPY_F4) {
		mc_rows src = { mc_npy_rows(npy), mc_npy_cols(npy), mc_npy_stream_rows, npy, 1 };
		rc = fit ? mc_pca_fit_transform_rows(&Z, pca, &src, NULL, &err)
		         : mc_pca_transform_rows(&Z, pca, &src, NULL, &err);
	} else {
		rc = mc_npy_to_matrix(&X, npy, NULL, &err);
		t0 = s_now(); /* a float64 file is loaded first, untimed */
		if (rc == 0)
			rc = fit ? mc_pca_fit_transform(&Z, pca, X, NULL, &err)
			         : mc_pca_transform(&Z, pca, X, NULL, &err);
	}
	if (rc != 0)
		s_die(&err);
	t = s_now() - t0;
	if (scores_bytes != NULL)
		*scores_bytes = (double)Z->rows * Z->cols * sizeof(double);
	mc_matrix_free(X);
	mc_matrix_free(Z);
	mc_npy_free(npy);
	return t;
}

static int s_pca_npy(const char *train, const char *test, size_t k)
{
	mc_pca_params p;
	mc_pca *pca = NULL;
	mc_error err = { 0 };
	double t1, t2, evr = 0.0;

	mc_pca_params_init(&p);
	p.n_components = k;
	if (mc_pca_new(&pca, &p, &err) != 0)
		s_die(&err);
	t1 = s_pca_npy_one(pca, train, 1, NULL);
	t2 = s_pca_npy_one(pca, test, 0, NULL);
	for (size_t c = 0; c < k; c++)
		evr += mc_pca_model_of(pca)->evr[c];
	printf("{\"pca_fit_transform_s\": %.4f, \"pca_transform_test_s\": %.4f, "
	       "\"explained_variance_ratio_sum\": %.17g}\n", t1, t2, evr);
	mc_pca_free(pca);
	return 0;
}

/* Peak resident memory (VmHWM) in bytes. */
static double s_peak_rss(void)
{
	char line[256];
	double kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atof(line + 6);
	if (f != NULL)
		fclose(f);
	return kb * 1024;
}

static int s_pca_stream(const char *path, size_t k)
{
	mc_pca_params p;
	mc_pca *pca = NULL;
	mc_error err = { 0 };
	double t, bytes = 0, evr = 0.0;

	mc_pca_params_init(&p);
	p.n_components = k;
	if (mc_pca_new(&pca, &p, &err) != 0)
		s_die(&err);
	t = s_pca_npy_one(pca, path, 1, &bytes);
	for (size_t c = 0; c < k; c++)
		evr += mc_pca_model_of(pca)->evr[c];
	printf("{\"fit_transform_s\": %.3f, \"peak_rss\": %.0f, \"scores_bytes\": %.0f, "
	       "\"explained_variance_ratio_sum\": %.17g}\n", t, s_peak_rss(), bytes, evr);
	mc_pca_free(pca);
	return 0;
}

typedef struct s_trace {
	double t0, target, t_target;
	size_t it_target;
	size_t n, cap;
	double *t, *f;
} s_trace;

static void s_on_iter(void *ctx, size_t iter, double objective, double grad_max)
{
	s_trace *t = ctx;

	if (getenv("LEARN_TRACE") != NULL)
		fprintf(stderr, "%zu %.3f %.10g %.3g\n", iter, s_now() - t->t0, objective, grad_max);
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->t = realloc(t->t, t->cap * sizeof *t->t);
		t->f = realloc(t->f, t->cap * sizeof *t->f);
	}
	t->t[t->n] = s_now() - t->t0;
	t->f[t->n++] = objective;
	if (t->t_target < 0.0 && objective <= t->target) {
		t->t_target = s_now() - t->t0;
		t->it_target = iter;
	}
}

static int s_lr(const char *dir, size_t max_iter, double tol, double target)
{
	char path[4096];
	size_t n, nte;
	mc_matrix *Z, *Zte;
	int64_t *y, *yte;
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_error err = { 0 };
	s_trace tr = { 0, target, -1.0, 0, 0, 0, NULL, NULL };
	double t1, acc;

	snprintf(path, sizeof path, "%s/ztr.npy", dir);
	Z = s_load_npy(path);
	snprintf(path, sizeof path, "%s/zte.npy", dir);
	Zte = s_load_npy(path);
	snprintf(path, sizeof path, "%s/ytr.npy", dir);
	y = s_load_labels(path, &n);
	snprintf(path, sizeof path, "%s/yte.npy", dir);
	yte = s_load_labels(path, &nte);
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.max_iter = max_iter;
	p.tol = tol;
	p.trace = s_on_iter;
	p.trace_ctx = &tr;
	if (mc_logreg_new(&lr, &p, &err) != 0)
		s_die(&err);
	tr.t0 = s_now();
	if (mc_logreg_fit(lr, Z, y, NULL, NULL, &err) != 0)
		s_die(&err);
	t1 = s_now();
	if (mc_logreg_score(&acc, lr, Zte, yte, NULL, &err) != 0)
		s_die(&err);
	printf("{\"fit_s\": %.4f, \"n_iter\": %zu, \"objective\": %.17g, \"converged\": %d, "
	       "\"test_accuracy\": %.6f, \"time_to_target_s\": %.4f, \"iter_to_target\": %zu, "
	       "\"trace\": [", t1 - tr.t0, mc_logreg_n_iter(lr), mc_logreg_final_objective(lr),
	       mc_logreg_converged(lr), acc, tr.t_target, tr.it_target);
	for (size_t i = 0; i < tr.n; i++)
		printf("%s[%.4f, %.17g]", i ? ", " : "", tr.t[i], tr.f[i]);
	printf("]}\n");
	free(tr.t);
	free(tr.f);
	mc_logreg_free(lr);
	mc_matrix_free(Z);
	mc_matrix_free(Zte);
	free(y);
	free(yte);
	return 0;
}

static int s_cv(const char *dir, size_t folds)
{
	char path[4096];
	size_t n;
	mc_matrix *Z;
	int64_t *y;
	mc_logreg_params p;
	mc_cv_auc *cv = NULL;
	mc_error err = { 0 };
	double t0, t1;

	snprintf(path, sizeof path, "%s/ztr.npy", dir);
	Z = s_load_npy(path);
	snprintf(path, sizeof path, "%s/ytr.npy", dir);
	y = s_load_labels(path, &n);
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	t0 = s_now();
	if (mc_cross_val_auc(&cv, Z, y, NULL, 0, folds, 0, &p, NULL, &err) != 0)
		s_die(&err);
	t1 = s_now();
	printf("{\"cv_s\": %.4f, \"macro_auc\": %.6f}\n", t1 - t0, cv->macro);
	mc_cv_auc_free(cv);
	mc_matrix_free(Z);
	free(y);
	return 0;
}

static int s_coco(size_t n, size_t d, size_t k, size_t max_iter, size_t folds)
{
	mc_matrix *X = NULL, *means = NULL;
	int64_t *y = malloc(n * sizeof *y);
	double *cdf = malloc(k * sizeof *cdf), tot = 0.0, t0, t1, t2, t3;

	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_cv_auc *cv = NULL;
	mc_error err = { 0 };
	mc_rng rng;

	/* COCO-like class sizes (Zipf), class means N(0, 0.3^2), unit noise */
	for (size_t c = 0; c < k; c++) {
		tot += 1.0 / pow((double)(c + 1), 0.9);
		cdf[c] = tot;
	}
	t0 = s_now();
	mc_rng_seed_splitmix(&rng, 42);
	if (mc_matrix_new(&X, n, d, &err) != 0 || mc_matrix_new(&means, k, d, &err) != 0)
		s_die(&err);
	for (size_t i = 0; i < k * d; i++)
		means->data[i] = 0.3 * mc_rng_normal(&rng);
	for (size_t i = 0; i < n; i++) {
		double u = mc_rng_uniform(&rng) * tot;
		size_t c = 0;
		while (c + 1 < k && cdf[c] < u)
			c++;
		y[i] = (int64_t)c;
		for (size_t j = 0; j < d; j++)
			MC_AT(X, i, j) = MC_AT(means, c, j) + mc_rng_normal(&rng);
	}
	t1 = s_now();
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.max_iter = max_iter;
	if (mc_logreg_new(&lr, &p, &err) != 0 || mc_logreg_fit(lr, X, y, NULL, NULL, &err) != 0)
		s_die(&err);
	t2 = s_now();
	/* one line per result, flushed, so a caller can stop before the CV ends */
	printf("{\"generate_s\": %.3f, \"lr_fit_s\": %.3f, \"lr_n_iter\": %zu, "
	       "\"lr_converged\": %d}\n", t1 - t0, t2 - t1, mc_logreg_n_iter(lr),
	       mc_logreg_converged(lr));
	fflush(stdout);
	if (folds >= 2) {
		if (mc_cross_val_auc(&cv, X, y, NULL, k, folds, 0, &p, NULL, &err) != 0)
			s_die(&err);
		t3 = s_now();
		printf("{\"cv5_s\": %.3f, \"cv5_macro_auc\": %.6f}\n", t3 - t2, cv->macro);
	}
	mc_logreg_free(lr);
	mc_cv_auc_free(cv);
	mc_matrix_free(X);
	mc_matrix_free(means);
	free(y);
	free(cdf);
	return 0;
}

/* PCA-k and LR (C=1, balanced, tight tolerance) on a small set, for the
 * comparison with scikit-learn. */
static int s_compare(const char *out, const char *xpath, const char *ypath, size_t k)
{
	mc_matrix *X = s_load_npy(xpath), *Z = NULL, *P = NULL, *ev = NULL;
	size_t n;
	int64_t *y = s_load_labels(ypath, &n);
	mc_pca_params pp;
	mc_pca *pca = NULL;
	mc_logreg_params lp;
	mc_logreg *lr = NULL;
	mc_error err = { 0 };
	double acc, per[64], macro;

	mc_pca_params_init(&pp);
	pp.n_components = k;
	if (mc_pca_new(&pca, &pp, &err) != 0 || mc_pca_fit_transform(&Z, pca, X, NULL, &err) != 0)
		s_die(&err);
	s_save(out, "mc_components.npy", mc_pca_model_of(pca)->components);
	s_save_vec(out, "mc_evr.npy", mc_pca_model_of(pca)->evr, k);
	s_save(out, "mc_z.npy", Z);
	mc_logreg_params_init(&lp);
	lp.class_weight = MC_CW_BALANCED;
	lp.max_iter = 20000;
	lp.tol = 1e-9;
	if (mc_logreg_new(&lr, &lp, &err) != 0 || mc_logreg_fit(lr, Z, y, NULL, NULL, &err) != 0 ||
	    mc_logreg_proba(&P, lr, Z, &err) != 0 || mc_logreg_score(&acc, lr, Z, y, NULL, &err) != 0 ||
	    mc_roc_auc_ovr(per, &macro, y, P, NULL, &err) != 0)
		s_die(&err);
	s_save(out, "mc_proba.npy", P);
	s_save(out, "mc_coef.npy", mc_logreg_coef(lr));
	printf("{\"objective\": %.17g, \"train_accuracy\": %.17g, \"macro_auc\": %.17g, "
	       "\"n_iter\": %zu}\n", mc_logreg_final_objective(lr), acc, macro, mc_logreg_n_iter(lr));
	(void)ev;
	mc_pca_free(pca);
	mc_logreg_free(lr);
	mc_matrix_free(X);
	mc_matrix_free(Z);
	mc_matrix_free(P);
	free(y);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "pca-stream") == 0)
		return s_pca_stream(argv[2], (size_t)atol(argv[3]));
	if (argc == 5 && strcmp(argv[1], "pca-npy") == 0)
		return s_pca_npy(argv[2], argv[3], (size_t)atol(argv[4]));
	if (argc == 5 && strcmp(argv[1], "pca-fmnist") == 0)
		return s_pca_fmnist(argv[2], argv[3], (size_t)atol(argv[4]));
	if (argc == 6 && strcmp(argv[1], "lr") == 0)
		return s_lr(argv[2], (size_t)atol(argv[3]), atof(argv[4]), atof(argv[5]));
	if (argc == 4 && strcmp(argv[1], "cv") == 0)
		return s_cv(argv[2], (size_t)atol(argv[3]));
	if (argc == 7 && strcmp(argv[1], "coco") == 0)
		return s_coco((size_t)atol(argv[2]), (size_t)atol(argv[3]), (size_t)atol(argv[4]),
		              (size_t)atol(argv[5]), (size_t)atol(argv[6]));
	if (argc == 6 && strcmp(argv[1], "compare") == 0)
		return s_compare(argv[2], argv[3], argv[4], (size_t)atol(argv[5]));
	fprintf(stderr, "usage: see the comment at the top of bench/learn_driver.c\n");
	return 2;
}
