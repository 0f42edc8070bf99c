/* The C side of bench/scale: the whole article at COCO scale in one
 * process, every step timed. Not a test; never run by make check.
 *
 *   scale_driver article DIR [N [D [K]]]
 *
 * Generates N x D features (848k x 256 by default) of K = 80 classes with
 * COCO's long tail (Zipf sizes), confusable groups of classes and injected
 * errors (wrong labels within a group; "masks over two objects": a row
 * mixed with another class's, to be removed), written to DIR/features.npy
 * (float32) with DIR/labels.npy (float64); then, as a notebook would:
 * load_npy, PCA(256) on the memory-mapped file, a stratified 80/20 split,
 * LogisticRegression(class_weight="balanced", max_iter=500) on the train
 * split, the confusion matrix of the test split and the article's pick,
 * the coreset service on the train split, and 10 review iterations of 60
 * samples of the picked class, the simulated reviewer fixing each from the
 * generator's ground truth (relabel a wrong label, remove a mixed row),
 * with the 5-fold AUC of the picked class after each. The AUC is computed
 * on the article's "slim" data: the train rows first labelled as the
 * picked class or the class it is confused with. The PCA scores go to
 * DIR/scores.npy for the MPI runs of bench/scale.
 *
 * Prints one JSON object on stdout; progress on stderr. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "maskclean/atomic_file.h"
#include "maskclean/coreset.h"
#include "maskclean/logreg.h"
#include "maskclean/metrics.h"
#include "maskclean/npy.h"
#include "maskclean/pca.h"
#include "maskclean/rng.h"
#include "maskclean/split.h"

#define S_GROUP 4        /* classes per confusable group */
#define S_FACTORS 24     /* shared low-rank structure of the features */
#define S_ITERS 10
#define S_BATCH 60

static double s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static _Noreturn void s_die(const char *what, const mc_error *err)
{
	fprintf(stderr, "scale_driver: %s: %s\n", what, err->text);
	exit(1);
}

static int s_note(void *ctx, size_t done, size_t total, const char *what)
{
	static double last;
	double now = s_now();

	(void)ctx;
	if (now - last > 5.0) {
		fprintf(stderr, "  %s %zu/%zu\n", what, done, total);
		last = now;
	}
	return 0;
}

static const mc_progress s_prog = { s_note, NULL };

/* The generated data set: labels as given (with errors), the truth. */
typedef struct gen {
	size_t n, d, k;
	int64_t *label, *truth;
	unsigned char *mixed;  /* a row over two objects: to be removed */
	size_t n_wrong, n_mixed;
} gen;

/* Zipf sizes (exponent 1) summing to n, at least 200 rows a class. */
static void s_sizes(size_t *size, size_t n, size_t k)
{
	double h = 0.0;
	size_t sum = 0;

	for (size_t c = 0; c < k; c++)
		h += 1.0 / (double)(c + 1);
	for (size_t c = 0; c < k; c++) {
		size[c] = (size_t)((double)(n - 200 * k) / ((double)(c + 1) * h)) + 200;
		sum += size[c];
	}
	size[0] += n - sum;
}

/* Writes the float32 features of g to path (atomic, streamed by block). */
static void s_generate(gen *g, const char *path, uint64_t seed)
{
	size_t n = g->n, d = g->k, D = g->d, k = g->k, *size = calloc(k, sizeof *size);
	size_t *order = malloc(n * sizeof *order), block = 4096;
	double *mu = malloc(k * D * sizeof *mu), *L = malloc(D * S_FACTORS * sizeof *L);
	double *grp = malloc(D * sizeof *grp), z[S_FACTORS];
	double sw = 3.0 / sqrt(2.0 * (double)D), sg = 6.0 / sqrt(2.0 * (double)D);
	float *rows = malloc(block * D * sizeof *rows), *prev = malloc(D * sizeof *prev);
	char head[160];
	mc_atomic_file *f = NULL;
	mc_error err = { 0 };
	mc_rng rng;
	int hn;
	unsigned short hl;

	(void)d;
	mc_rng_seed_splitmix(&rng, seed);
	for (size_t j = 0; j < D * S_FACTORS; j++)
		L[j] = 0.35 * mc_rng_normal(&rng);
	for (size_t c = 0; c < k; c++) {
		if (c % S_GROUP == 0)
			for (size_t j = 0; j < D; j++)
				grp[j] = sg * mc_rng_normal(&rng);
		for (size_t j = 0; j < D; j++)
			mu[c * D + j] = grp[j] + sw * mc_rng_normal(&rng);
	}
	s_sizes(size, n, k);
	for (size_t c = 0, i = 0; c < k; c++)
		for (size_t r = 0; r < size[c]; r++)
			order[i++] = c;
	mc_rng_shuffle(&rng, order, n);
	g->label = malloc(n * sizeof *g->label);
	g->truth = malloc(n * sizeof *g->truth);
	g->mixed = calloc(n, 1);
	hn = snprintf(head, sizeof head, "{'descr': '<f4', 'fortran_order': False, "
	              "'shape': (%zu, %zu), }", n, D);
	hl = (unsigned short)((10 + hn + 1 + 63) / 64 * 64 - 10);
	if (mc_atomic_file_open(&f, path, &err) != 0 ||
	    mc_atomic_file_write(f, "\x93NUMPY\x01\x00", 8, &err) != 0 ||
	    mc_atomic_file_write(f, &hl, 2, &err) != 0 ||
	    mc_atomic_file_write(f, head, (size_t)hn, &err) != 0)
		s_die(path, &err);
	for (int i = hn; i < hl - 1; i++)
		mc_atomic_file_write(f, " ", 1, &err);
	mc_atomic_file_write(f, "\n", 1, &err);
	memset(prev, 0, D * sizeof *prev);
	for (size_t r0 = 0; r0 < n; r0 += block) {
		size_t m = n - r0 < block ? n - r0 : block;
		for (size_t i = 0; i < m; i++) {
			size_t row = r0 + i, c = order[row];
			float *x = rows + i * D;
			/* wrong labels: 3% of rows, 15% in the fourth group (the
			 * "fruit" of the article), to another class of the group */
			double p = c / S_GROUP == 3 ? 0.15 : 0.03, u = mc_rng_uniform(&rng);
			g->truth[row] = (int64_t)c;
			g->label[row] = (int64_t)c;
			if (u < p) {
				size_t other = (c / S_GROUP) * S_GROUP +
				               (c % S_GROUP + 1 + mc_rng_below(&rng, S_GROUP - 1)) % S_GROUP;
				if (other < k) {
					g->label[row] = (int64_t)other;
					g->n_wrong++;
				}
			}
			for (size_t f2 = 0; f2 < S_FACTORS; f2++)
				z[f2] = mc_rng_normal(&rng);
			for (size_t j = 0; j < D; j++) {
				double v = mu[c * D + j] + mc_rng_normal(&rng);
				for (size_t f2 = 0; f2 < S_FACTORS; f2++)
					v += L[j * S_FACTORS + f2] * z[f2];
				x[j] = (float)v;
			}
			/* 1% of rows span two objects: mixed with the previous row */
			if (mc_rng_uniform(&rng) < 0.01 && row > 0) {
				for (size_t j = 0; j < D; j++)
					x[j] = 0.5f * (x[j] + prev[j]);
				g->mixed[row] = 1;
				g->n_mixed++;
			}
			memcpy(prev, x, D * sizeof *prev);
		}
		if (mc_atomic_file_write(f, rows, m * D * sizeof *rows, &err) != 0)
			s_die(path, &err);
	}
	if (mc_atomic_file_commit(f, &err) != 0)
		s_die(path, &err);
	free(size);
	free(order);
	free(mu);
	free(L);
	free(grp);
	free(rows);
	free(prev);
}

static double s_peak_gb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / (1024.0 * 1024.0);
}

/* 5-fold AUC of class c on the slim rows, their labels numbered 0, 1, ...
 * in the order the classes come (as a LabelEncoder would). */
static double s_auc(const mc_matrix *Z, const int64_t *y, const double *w, const size_t *slim,
                    size_t ns, size_t k, size_t c)
{
	mc_matrix *X = NULL;
	int64_t *ys = malloc(ns * sizeof *ys), *code = malloc(k * sizeof *code), m = 0;
	double *ws = malloc(ns * sizeof *ws), auc;
	mc_logreg_params p;
	mc_cv_auc *cv = NULL;
	mc_error err = { 0 };

	if (mc_matrix_gather_rows(&X, Z, slim, ns, &err) != 0)
		s_die("slim rows", &err);
	for (size_t j = 0; j < k; j++)
		code[j] = -1;
	code[c] = m++;
	for (size_t i = 0; i < ns; i++) {
		if (code[y[slim[i]]] < 0)
			code[y[slim[i]]] = m++;
		ys[i] = code[y[slim[i]]];
		ws[i] = w[slim[i]];
	}
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.max_iter = 500;
	if (mc_cross_val_auc(&cv, X, ys, ws, (size_t)m, 5, 0, &p, NULL, &err) != 0)
		s_die("cross_val_auc", &err);
	auc = cv->per_class[0];
	mc_cv_auc_free(cv);
	mc_matrix_free(X);
	free(ys);
	free(ws);
	free(code);
	return auc;
}

int main(int argc, char **argv)
{
	size_t n = 847970, D = 256, K = 80, ntr = 0, nte = 0, *tr = NULL, *te = NULL;
	size_t true_c = 0, c = 0, *slim = NULL, ns = 0, found_total = 0, bad_c = 0;
	char fpath[4096], lpath[4096], spath[4096];
	double t, t0 = s_now(), value = 0.0, *lab = NULL, *w = NULL;
	gen g;
	mc_npy *npy = NULL;
	mc_rows src;
	mc_pca_params pp;
	mc_pca *pca = NULL;
	mc_matrix *Z = NULL, *Ztr = NULL, *Zte = NULL;
	mc_logreg_params lp;
	mc_logreg *lr = NULL;
	int64_t *ytr = NULL, *yte = NULL, *pred = NULL, *truth_tr = NULL;
	unsigned char *mixed_tr = NULL;
	mc_confusion *cm = NULL;
	mc_coreset *cs = NULL;
	mc_error err = { 0 };

	if (argc < 3 || strcmp(argv[1], "article") != 0) {
		fprintf(stderr, "usage: scale_driver article DIR [N [D [K]]]\n");
		return 2;
	}
	if (argc > 3)
		n = (size_t)atol(argv[3]);
	if (argc > 4)
		D = (size_t)atol(argv[4]);
	if (argc > 5)
		K = (size_t)atol(argv[5]);
	snprintf(fpath, sizeof fpath, "%s/features.npy", argv[2]);
	snprintf(lpath, sizeof lpath, "%s/labels.npy", argv[2]);
	snprintf(spath, sizeof spath, "%s/scores.npy", argv[2]);
	memset(&g, 0, sizeof g);
	g.n = n;
	g.d = D;
	g.k = K;
	printf("{\"rows\": %zu, \"cols\": %zu, \"classes\": %zu", n, D, K);

	fprintf(stderr, "generate\n");
	t = s_now();
	s_generate(&g, fpath, 7);
	lab = malloc(n * sizeof *lab);
	for (size_t i = 0; i < n; i++)
		lab[i] = (double)g.label[i];
	if (mc_npy_save_vector(lpath, lab, n, &err) != 0)
		s_die(lpath, &err);
	printf(", \"wrong_labels\": %zu, \"mixed_rows\": %zu, \"generate_s\": %.2f", g.n_wrong,
	       g.n_mixed, s_now() - t);

	fprintf(stderr, "load\n");
	t = s_now();
	if (mc_npy_load(&npy, fpath, NULL, &err) != 0)
		s_die(fpath, &err);
	printf(", \"load_s\": %.2f", s_now() - t);

	fprintf(stderr, "pca\n");
	t = s_now();
	mc_pca_params_init(&pp);
	pp.n_components = 256 < D ? 256 : D;
	src = (mc_rows){ n, D, mc_npy_stream_rows, npy, 1 };
	if (mc_pca_new(&pca, &pp, &err) != 0 ||
	    mc_pca_fit_transform_rows(&Z, pca, &src, &s_prog, &err) != 0)
		s_die("PCA", &err);
	printf(", \"pca_s\": %.2f", s_now() - t);
	if (mc_npy_save(spath, Z, &err) != 0)
		s_die(spath, &err);

	fprintf(stderr, "split\n");
	t = s_now();
	if (mc_split_train_test(&tr, &ntr, &te, &nte, g.label, NULL, n, K, 0.2, 0, &err) != 0 ||
	    mc_matrix_gather_rows(&Ztr, Z, tr, ntr, &err) != 0 ||
	    mc_matrix_gather_rows(&Zte, Z, te, nte, &err) != 0)
		s_die("split", &err);
	ytr = malloc(ntr * sizeof *ytr);
	truth_tr = malloc(ntr * sizeof *truth_tr);
	mixed_tr = malloc(ntr);
	yte = malloc(nte * sizeof *yte);
	for (size_t i = 0; i < ntr; i++) {
		ytr[i] = g.label[tr[i]];
		truth_tr[i] = g.truth[tr[i]];
		mixed_tr[i] = g.mixed[tr[i]];
	}
	for (size_t i = 0; i < nte; i++)
		yte[i] = g.label[te[i]];
	mc_matrix_free(Z);
	Z = NULL;
	printf(", \"split_s\": %.2f", s_now() - t);

	fprintf(stderr, "logistic regression\n");
	t = s_now();
	mc_logreg_params_init(&lp);
	lp.class_weight = MC_CW_BALANCED;
	lp.max_iter = 500;
	if (mc_logreg_new(&lr, &lp, &err) != 0 ||
	    mc_logreg_fit(lr, Ztr, ytr, NULL, &s_prog, &err) != 0)
		s_die("LogisticRegression", &err);
	printf(", \"lr_s\": %.2f, \"lr_iter\": %zu", s_now() - t, mc_logreg_n_iter(lr));

	t = s_now();
	if (mc_logreg_predict(&pred, lr, Zte, &err) != 0 ||
	    mc_confusion_new(&cm, yte, pred, NULL, nte, K, &err) != 0 ||
	    mc_confusion_pick(cm, &true_c, &c, &value, &err) != 0)
		s_die("pick", &err);
	for (size_t i = 0; i < ntr; i++)
		bad_c += ytr[i] == (int64_t)c && (truth_tr[i] != ytr[i] || mixed_tr[i]);
	printf(", \"pick_s\": %.2f, \"picked\": %zu, \"confused_with\": %zu, \"confusion\": %.4f",
	       s_now() - t, c, true_c, value);

	fprintf(stderr, "coreset service\n");
	t = s_now();
	if (mc_coreset_new(&cs, NULL, &err) != 0 ||
	    mc_coreset_build(cs, Ztr, ytr, NULL, &s_prog, &err) != 0)
		s_die("coreset build", &err);
	printf(", \"build_s\": %.2f", s_now() - t);

	/* the slim rows: first labelled as the picked class or its confusion */
	slim = malloc(ntr * sizeof *slim);
	for (size_t i = 0; i < ntr; i++)
		if (ytr[i] == (int64_t)c || ytr[i] == (int64_t)true_c)
			slim[ns++] = i;
	{
		size_t c_rows = 0;
		for (size_t i = 0; i < ntr; i++)
			c_rows += ytr[i] == (int64_t)c;
		printf(", \"class_rows\": %zu, \"class_errors\": %zu, \"slim_rows\": %zu", c_rows,
		       bad_c, ns);
	}
	w = malloc(ntr * sizeof *w);
	for (size_t i = 0; i < ntr; i++)
		w[i] = 1.0;
	t = s_now();
	value = s_auc(Ztr, ytr, w, slim, ns, K, c);
	printf(", \"auc0\": %.4f, \"auc0_s\": %.2f", value, s_now() - t);
	printf(", \"iterations\": [");
	for (int it = 0; it < S_ITERS; it++) {
		mc_cleaning_query q;
		mc_class_size cls = { (int64_t)c, MC_CLASS_SIZE_COUNT, S_BATCH };
		size_t *idx = NULL, count = 0, nrel = 0, nrem = 0;
		size_t rel[S_BATCH], rem[S_BATCH];
		int64_t rely[S_BATCH];
		double *score = NULL, tq, tu, ta, auc;

		fprintf(stderr, "iteration %d\n", it + 1);
		t = s_now();
		mc_cleaning_query_init(&q);
		q.class_size = &cls;
		q.n_class_size = 1;
		if (mc_coreset_get_cleaning_samples(&idx, &score, &count, cs, &q, NULL, &err) != 0)
			s_die("query", &err);
		tq = s_now() - t;
		/* the simulated reviewer */
		for (size_t i = 0; i < count; i++) {
			size_t r = idx[i];
			if (mixed_tr[r]) {
				rem[nrem++] = r;
				w[r] = 0.0;
			} else if (truth_tr[r] != ytr[r]) {
				rel[nrel] = r;
				rely[nrel++] = truth_tr[r];
				ytr[r] = truth_tr[r];
			}
		}
		found_total += nrel + nrem;
		t = s_now();
		if ((nrel > 0 && mc_coreset_update_targets(cs, rel, nrel, rely, NULL, &err) != 0) ||
		    (nrem > 0 && mc_coreset_remove_samples(cs, rem, nrem, NULL, &err) != 0))
			s_die("update", &err);
		tu = s_now() - t;
		t = s_now();
		auc = s_auc(Ztr, ytr, w, slim, ns, K, c);
		ta = s_now() - t;
		printf("%s{\"query_s\": %.3f, \"update_s\": %.3f, \"auc_s\": %.2f, \"reviewed\": %zu, "
		       "\"relabeled\": %zu, \"removed\": %zu, \"auc\": %.4f}", it ? ", " : "", tq, tu,
		       ta, count, nrel, nrem, auc);
		fflush(stdout);
		free(idx);
		free(score);
	}
	printf("], \"found\": %zu, \"total_s\": %.2f, \"peak_rss_gb\": %.2f}\n", found_total,
	       s_now() - t0, s_peak_gb());
	mc_coreset_free(cs);
	mc_confusion_free(cm);
	mc_logreg_free(lr);
	mc_pca_free(pca);
	mc_npy_free(npy);
	mc_matrix_free(Ztr);
	mc_matrix_free(Zte);
	free(g.label);
	free(g.truth);
	free(g.mixed);
	free(tr);
	free(te);
	free(ytr);
	free(yte);
	free(pred);
	free(truth_tr);
	free(mixed_tr);
	free(slim);
	free(lab);
	free(w);
	return 0;
}
