/* Detection benchmark driver: on a demo dataset with injected errors, runs
 * the review loop (iterations of `per` samples, the simulated reviewer
 * fixing what the ground truth says, the service updated after each) for
 * the default workflow, every ranking method over all classes, the ways of
 * choosing one class, and every method on the class that holds the most
 * errors named by hand; prints a Markdown table of the errors found.
 *
 * Usage: coreset_detect_driver DEMO_DIR [--hard] [--class-share F] [--images N]
 *                              [--pca D] [--iters I] [--per P] [--seed S]
 *                              [--size S] [--default METHOD] [--save PATH]
 *                              [--title T] [--features-only]
 * --features-only stops after writing the features (--save).
 * DEMO_DIR is created with mc_demo_make (the hard demo with --hard) when it
 * holds no annotations.json. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maskclean/coco.h"
#include "maskclean/coreset.h"
#include "maskclean/demo.h"
#include "maskclean/embed.h"
#include "maskclean/metrics.h"
#include "maskclean/npy.h"
#include "maskclean/pca.h"
#include "maskclean/rank.h"
#include "maskclean/split.h"

#define S_MAX_ITERS 64

static double s_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static _Noreturn void s_die(const char *what, const mc_error *err)
{
	fprintf(stderr, "coreset_detect: %s: %s\n", what, err->text);
	exit(1);
}

typedef struct s_truth {
	int error;       /* 0 none, 1 class, 2 mask */
	int fix;         /* 0 keep, 1 relabel, 2 remove */
	size_t true_cls;
} s_truth;

/* The data every run shares. */
typedef struct s_ctx {
	const mc_matrix *X;
	const int64_t *y0;
	const s_truth *gt;
	size_t n, K, iters, per;
	uint64_t seed;
} s_ctx;

/* Where a run looks: every class, one class, or a fixed set of samples. */
typedef struct s_scope {
	int kind;               /* 0 all, 1 class, 2 select */
	int64_t cls;
	const size_t *sel;
	size_t n_sel;
	const int64_t *groups;  /* fold groups of the model scores, or NULL */
} s_scope;

/* One row of the table. */
typedef struct s_run {
	char name[160];
	size_t found[S_MAX_ITERS];
	size_t fclass, fmask;
	double secs;
} s_run;

/* The review loop: per iteration the top `per` unseen samples of the scope,
 * the simulated reviewer's fixes, the service updated. */
static void s_loop(const s_ctx *c, mc_score_method m, const s_scope *sc, s_run *run)
{
	mc_coreset *cs = NULL;
	mc_coreset_params p;
	size_t total = 0, *ri = malloc(c->per * sizeof *ri), *rm = malloc(c->per * sizeof *rm);
	int64_t *ry = malloc(c->per * sizeof *ry);
	double t0 = s_now();
	mc_error err;

	mc_error_clear(&err);
	mc_coreset_params_init(&p);
	p.seed = c->seed + 1;
	if (mc_coreset_new(&cs, &p, &err) != 0 ||
	    mc_coreset_build(cs, c->X, c->y0, NULL, NULL, &err) != 0 ||
	    (sc->groups != NULL && mc_coreset_set_groups(cs, sc->groups, c->n, &err) != 0))
		s_die("build", &err);
	for (size_t it = 0; it < c->iters; it++) {
		mc_cleaning_query q;
		mc_class_size one = { sc->cls, MC_CLASS_SIZE_COUNT, c->per };
		size_t *idx = NULL, cnt = 0, nrel = 0, nrm = 0;
		double *score = NULL;

		mc_cleaning_query_init(&q);
		q.size = c->per;
		q.has_size = 1;
		q.method = m;
		if (sc->kind == 1) {
			q.class_size = &one;
			q.n_class_size = 1;
		} else if (sc->kind == 2) {
			q.select_from = sc->sel;
			q.n_select_from = sc->n_sel;
			q.has_select_from = 1;
		}
		if (mc_coreset_get_cleaning_samples(&idx, &score, &cnt, cs, &q, NULL, &err) != 0)
			s_die(run->name, &err);
		for (size_t k = 0; k < cnt; k++) {
			const s_truth *g = &c->gt[idx[k]];
			if (g->error) {
				total++;
				run->fclass += g->error == 1;
				run->fmask += g->error == 2;
			}
			if (g->fix == 1) {
				ri[nrel] = idx[k];
				ry[nrel++] = (int64_t)g->true_cls;
			} else if (g->fix == 2) {
				rm[nrm++] = idx[k];
			}
		}
		if ((nrel && mc_coreset_update_targets(cs, ri, nrel, ry, NULL, &err) != 0) ||
		    (nrm && mc_coreset_remove_samples(cs, rm, nrm, NULL, &err) != 0))
			s_die("update", &err);
		run->found[it] = total;
		free(idx);
		free(score);
	}
	run->secs = s_now() - t0;
	mc_coreset_free(cs);
	free(ri);
	free(rm);
	free(ry);
	fprintf(stderr, "%s: %zu errors in %zu reviewed (%.1f s)\n", run->name, total,
	        c->iters * c->per, run->secs);
}

static void s_lr_params(mc_logreg_params *lp, size_t K)
{
	mc_logreg_params_init(lp);
	lp->class_weight = MC_CW_BALANCED;
	lp->max_iter = 500;
	lp->n_classes = K;
}

/* The walkthrough's old choice: a 25% test split, the article's rule; the
 * class of interest is the predicted class. */
static size_t s_pick_one_split(const s_ctx *c)
{
	size_t *tr = NULL, *te = NULL, ntr, nte, t, p;
	mc_matrix *Xtr = NULL, *Xte = NULL;
	int64_t *ytr, *yte, *pred = NULL;
	mc_logreg *lr = NULL;
	mc_logreg_params lp;
	mc_confusion *cm = NULL;
	double v;
	mc_error err;

	mc_error_clear(&err);
	if (mc_split_train_test(&tr, &ntr, &te, &nte, c->y0, NULL, c->n, c->K, 0.25, 0, &err) != 0)
		s_die("split", &err);
	ytr = malloc(ntr * sizeof *ytr);
	yte = malloc(nte * sizeof *yte);
	for (size_t i = 0; i < ntr; i++)
		ytr[i] = c->y0[tr[i]];
	for (size_t i = 0; i < nte; i++)
		yte[i] = c->y0[te[i]];
	s_lr_params(&lp, c->K);
	if (mc_matrix_gather_rows(&Xtr, c->X, tr, ntr, &err) != 0 ||
	    mc_matrix_gather_rows(&Xte, c->X, te, nte, &err) != 0 ||
	    mc_logreg_new(&lr, &lp, &err) != 0 || mc_logreg_fit(lr, Xtr, ytr, NULL, NULL, &err) != 0 ||
	    mc_logreg_predict(&pred, lr, Xte, &err) != 0 ||
	    mc_confusion_new(&cm, yte, pred, NULL, nte, c->K, &err) != 0 ||
	    mc_confusion_pick(cm, &t, &p, &v, &err) != 0)
		s_die("one-split pick", &err);
	mc_confusion_free(cm);
	mc_logreg_free(lr);
	mc_matrix_free(Xtr);
	mc_matrix_free(Xte);
	free(tr);
	free(te);
	free(ytr);
	free(yte);
	free(pred);
	return p;
}

/* The out-of-fold choice (expected wrong labels, minimum support 10): the
 * picked class, and in *sel the samples of the top `top` pairs' cells. */
static size_t s_pick_oof(const s_ctx *c, size_t top, size_t **sel, size_t *n_sel,
                         mc_pick *pk)
{
	mc_row_source src;
	mc_cv_opts o;
	mc_logreg_params lp;
	mc_matrix *P = NULL;
	mc_confusion *cm = NULL;
	mc_confusion_pair *pairs = NULL;
	size_t np = 0, used = 0;
	mc_error err;

	mc_error_clear(&err);
	mc_row_source_matrix(&src, c->X);
	mc_cv_opts_init(&o);
	o.seed = 0;
	s_lr_params(&lp, c->K);
	if (mc_cross_val_proba(&P, NULL, &src, c->y0, NULL, c->K, &o, &lp, NULL, &err) != 0 ||
	    mc_confusion_from_proba(&cm, c->y0, P, NULL, &err) != 0 ||
	    mc_confusion_choose(pk, cm, MC_PICK_EXPECTED_ERRORS, 10, &err) != 0 ||
	    mc_confusion_pairs(&pairs, &np, cm, MC_PICK_EXPECTED_ERRORS, 10, &err) != 0)
		s_die("out-of-fold pick", &err);
	*sel = malloc(c->n * sizeof **sel);
	*n_sel = 0;
	for (size_t i = 0; i < c->n; i++) {
		size_t pred = 0;
		for (size_t k = 1; k < c->K; k++)
			if (MC_AT(P, i, k) > MC_AT(P, i, pred))
				pred = k;
		used = 0;
		for (size_t q = 0; q < np && used < top; q++) {
			if (pairs[q].skipped)
				continue;
			used++;
			if ((size_t)c->y0[i] == pairs[q].t && pred == pairs[q].p) {
				(*sel)[(*n_sel)++] = i;
				break;
			}
		}
	}
	free(pairs);
	mc_confusion_free(cm);
	mc_matrix_free(P);
	return pk->cls;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *save = NULL, *title = NULL, *def_name = "hybrid";
	size_t images = 2000, pca_d = 256, iters = 10, per = 60, size = 32;
	uint64_t seed = 0;
	int hard = 0, features_only = 0;
	double class_share = -1;
	char path[4096];
	mc_error err;
	mc_coco *ds = NULL;
	mc_coco_options co = { NULL, 0, NULL };
	mc_matrix *E = NULL, *X = NULL;
	mc_pca *pca = NULL;
	mc_pca_params pp;
	s_truth *gt;
	json_t *js;
	json_error_t jerr;
	size_t n, K, n_err = 0, n_class = 0, n_mask = 0, n_methods, *err_by_class;
	const mc_rank_method *methods = mc_rank_methods(&n_methods);
	int64_t *y0;
	mc_score_method def, imp = MC_SCORE_IMPORTANCE, rnd;
	s_run *runs;
	size_t nr = 0, hand_first, hand_best, c_hand = 0, c_split, c_oof, *sel = NULL, n_sel = 0;
	mc_pick pk;
	s_ctx ctx;
	s_scope all = { 0, 0, NULL, 0, NULL }, sc = { 0, 0, NULL, 0, NULL };
	int64_t *scene = NULL;
	int has_scene = 0;
	double t0;

	mc_error_clear(&err);
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--images") == 0 && a + 1 < argc)
			images = strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--pca") == 0 && a + 1 < argc)
			pca_d = strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--iters") == 0 && a + 1 < argc)
			iters = strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--per") == 0 && a + 1 < argc)
			per = strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--size") == 0 && a + 1 < argc)
			size = strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--save") == 0 && a + 1 < argc)
			save = argv[++a];
		else if (strcmp(argv[a], "--default") == 0 && a + 1 < argc)
			def_name = argv[++a];
		else if (strcmp(argv[a], "--title") == 0 && a + 1 < argc)
			title = argv[++a];
		else if (strcmp(argv[a], "--hard") == 0)
			hard = 1;
		else if (strcmp(argv[a], "--features-only") == 0)
			features_only = 1;
		else if (strcmp(argv[a], "--class-share") == 0 && a + 1 < argc)
			class_share = strtod(argv[++a], NULL);
		else
			dir = argv[a];
	}
	if (dir == NULL || iters > S_MAX_ITERS || per == 0 || iters * per < 600 ||
	    60 % per != 0) {
		fprintf(stderr, "usage: %s DEMO_DIR [--hard] [--class-share F] [--images N] [--pca D] "
		        "[--iters I<=64] "
		        "[--per P dividing 60; iters*per >= 600] [--seed S] [--size S] "
		        "[--default METHOD] [--save PATH] [--title T] [--features-only]\n", argv[0]);
		return 2;
	}
	if (mc_rank_parse(&def, def_name, &err) != 0 || mc_rank_parse(&rnd, "random", &err) != 0)
		s_die("--default", &err);
	snprintf(path, sizeof path, "%s/annotations.json", dir);
	if (access(path, R_OK) != 0) {
		mc_demo_opts o;
		mc_demo_result *r = NULL;
		if (hard)
			mc_demo_opts_hard(&o);
		else
			mc_demo_opts_init(&o);
		o.n_images = images;
		o.seed = seed;
		if (class_share >= 0)
			o.class_error_share = class_share;
		t0 = s_now();
		if (mc_demo_make(&r, dir, &o, NULL, &err) != 0)
			s_die("make demo", &err);
		fprintf(stderr, "demo: %zu images, %zu instances, %zu errors in %.1f s\n",
		        r->n_images, r->n_instances, r->n_errors, s_now() - t0);
		mc_demo_result_free(r);
	}
	snprintf(path, sizeof path, "%s/images", dir);
	co.images_dir = path;
	{
		char ann[4096];
		snprintf(ann, sizeof ann, "%s/annotations.json", dir);
		if (mc_coco_load(&ds, ann, &co, &err) != 0)
			s_die("load", &err);
	}
	n = mc_coco_n_instances(ds);
	K = mc_coco_n_classes(ds);
	t0 = s_now();
	if (mc_embed_dataset(&E, ds, NULL, (int)size, MC_EMBED_HOG, NULL, &err) != 0)
		s_die("embed", &err);
	mc_pca_params_init(&pp);
	pp.n_components = pca_d;
	if (mc_pca_new(&pca, &pp, &err) != 0 || mc_pca_fit_transform(&X, pca, E, NULL, &err) != 0)
		s_die("pca", &err);
	fprintf(stderr, "features: %zu x %zu (HOG %zu -> PCA %zu) in %.1f s\n", n, X->cols, E->cols,
	        pca_d, s_now() - t0);
	mc_matrix_free(E);
	mc_pca_free(pca);
	y0 = malloc(n * sizeof *y0);
	mc_coco_labels(ds, y0);
	if (save != NULL) {
		/* The features and labels, for the scikit-learn reference. */
		double *yd = malloc(n * sizeof *yd);
		char p2[4200];
		for (size_t i = 0; i < n; i++)
			yd[i] = (double)y0[i];
		snprintf(p2, sizeof p2, "%s.X.npy", save);
		if (mc_npy_save(p2, X, &err) != 0)
			s_die("save", &err);
		snprintf(p2, sizeof p2, "%s.y.npy", save);
		if (mc_npy_save_vector(p2, yd, n, &err) != 0)
			s_die("save", &err);
		free(yd);
	}
	if (features_only) {
		free(y0);
		mc_matrix_free(X);
		mc_coco_free(ds);
		return 0;
	}

	/* Ground truth by instance index. */
	snprintf(path, sizeof path, "%s/ground_truth.json", dir);
	js = json_load_file(path, 0, &jerr);
	if (js == NULL) {
		fprintf(stderr, "coreset_detect: %s: %s\n", path, jerr.text);
		return 1;
	}
	gt = calloc(n, sizeof *gt);
	scene = calloc(n, sizeof *scene);
	err_by_class = calloc(K, sizeof *err_by_class);
	{
		json_t *anns = json_object_get(js, "annotations");
		for (size_t q = 0; q < json_array_size(anns); q++) {
			json_t *a = json_array_get(anns, q);
			json_int_t idx = json_integer_value(json_object_get(a, "index"));
			const char *e = json_string_value(json_object_get(a, "error"));
			const char *f = json_string_value(json_object_get(a, "fix"));
			size_t k = 0;
			if (idx < 0 || (size_t)idx >= n || e == NULL || f == NULL)
				continue;
			gt[idx].error = strcmp(e, "class") == 0 ? 1 : strcmp(e, "mask") == 0 ? 2 : 0;
			gt[idx].fix = strcmp(f, "relabel") == 0 ? 1 : strcmp(f, "remove") == 0 ? 2 : 0;
			if (gt[idx].fix == 1 &&
			    mc_coco_find_class(&k, ds,
			                       json_integer_value(json_object_get(a, "true_category_id")),
			                       &err) != 0)
				s_die("ground truth", &err);
			gt[idx].true_cls = k;
			if (json_is_integer(json_object_get(a, "scene"))) {
				scene[idx] = json_integer_value(json_object_get(a, "scene"));
				has_scene = 1;
			}
			n_err += gt[idx].error != 0;
			n_class += gt[idx].error == 1;
			n_mask += gt[idx].error == 2;
			if (gt[idx].error)
				err_by_class[y0[idx]]++;
		}
	}
	json_decref(js);
	for (size_t k = 1; k < K; k++)
		if (err_by_class[k] > err_by_class[c_hand])
			c_hand = k;

	ctx.X = X;
	ctx.y0 = y0;
	ctx.gt = gt;
	ctx.n = n;
	ctx.K = K;
	ctx.iters = iters;
	ctx.per = per;
	ctx.seed = seed;
	runs = calloc(2 * n_methods + 8, sizeof *runs);

	/* The default workflow: every class, ranked by the default method. */
	snprintf(runs[nr].name, sizeof runs[nr].name, "**default workflow**: every class, %s",
	         mc_rank_name(def));
	s_loop(&ctx, def, &all, &runs[nr++]);
	if (has_scene) {
		/* The same with the near-duplicate copies of a photo in one fold
		 * (the photo known from the ground truth): what leakage across
		 * folds costs. */
		sc.groups = scene;
		snprintf(runs[nr].name, sizeof runs[nr].name, "every class, %s, folds grouped by "
		         "photo (copies in one fold)", mc_rank_name(def));
		s_loop(&ctx, def, &sc, &runs[nr++]);
		sc.groups = NULL;
	}
	/* Every method over every class. */
	for (mc_score_method m = 0; m < n_methods; m++) {
		if (m == def)
			continue;
		snprintf(runs[nr].name, sizeof runs[nr].name, "every class, %s", methods[m].name);
		s_loop(&ctx, m, &all, &runs[nr++]);
	}
	/* Choosing one class. */
	c_split = s_pick_one_split(&ctx);
	sc.kind = 1;
	sc.cls = (int64_t)c_split;
	snprintf(runs[nr].name, sizeof runs[nr].name, "the article's path: one-split confusion, "
	         "article's rule picks \"%s\" (%zu errors), importance", mc_coco_class_name(ds, c_split),
	         err_by_class[c_split]);
	s_loop(&ctx, imp, &sc, &runs[nr++]);
	c_oof = s_pick_oof(&ctx, 3, &sel, &n_sel, &pk);
	sc.cls = (int64_t)c_oof;
	snprintf(runs[nr].name, sizeof runs[nr].name, "out-of-fold pick (expected wrong labels): "
	         "\"%s\" (%zu errors), %s", mc_coco_class_name(ds, c_oof), err_by_class[c_oof],
	         mc_rank_name(def));
	s_loop(&ctx, def, &sc, &runs[nr++]);
	sc.kind = 2;
	sc.sel = sel;
	sc.n_sel = n_sel;
	snprintf(runs[nr].name, sizeof runs[nr].name, "out-of-fold top 3 pairs (%zu samples), %s",
	         n_sel, mc_rank_name(def));
	s_loop(&ctx, def, &sc, &runs[nr++]);
	/* The class holding the most errors, named by hand. */
	hand_first = nr;
	sc.kind = 1;
	sc.cls = (int64_t)c_hand;
	for (mc_score_method m = 0; m < n_methods; m++) {
		snprintf(runs[nr].name, sizeof runs[nr].name, "by hand \"%s\", %s",
		         mc_coco_class_name(ds, c_hand), methods[m].name);
		s_loop(&ctx, m, &sc, &runs[nr++]);
	}
	hand_best = hand_first;
	for (size_t r = hand_first; r < nr; r++)
		if (runs[r].found[360 / per - 1] > runs[hand_best].found[360 / per - 1])
			hand_best = r;

	{
		size_t i60 = 60 / per - 1, i360 = 360 / per - 1, i600 = 600 / per - 1, rr = 0;
		double r360;
		for (size_t r = 0; r < nr; r++)
			if (strcmp(runs[r].name, "every class, random") == 0)
				rr = r;
		r360 = (double)runs[rr].found[i360];
		printf("### %s\n\n", title != NULL ? title : (hard ? "Hard demo" : "Standard demo"));
		printf("%zu images, %zu instances, %zu classes; %zu injected errors (%zu wrong class, "
		       "%zu bad mask). The class holding the most errors is \"%s\" (%zu). Features: "
		       "HOG (size %zu) reduced to %zu dimensions by PCA, as the walkthrough does. Each "
		       "row reviews %zu samples per iteration for %zu iterations; the simulated "
		       "reviewer fixes what ground_truth.json says and the service is updated after "
		       "each iteration.\n\n", mc_coco_n_images(ds), n, K, n_err, n_class, n_mask,
		       mc_coco_class_name(ds, c_hand), err_by_class[c_hand], size, X->cols, per,
		       iters);
		printf("| workflow | found in first 60 | in first 360 | recall at 600 | x random "
		       "(360) | class / mask errors | time |\n|---|---:|---:|---:|---:|---:|---:|\n");
		for (size_t r = 0; r < nr; r++) {
			char xr[32];
			if (r360 > 0)
				snprintf(xr, sizeof xr, "%.1f", (double)runs[r].found[i360] / r360);
			else
				snprintf(xr, sizeof xr, "-");
			printf("| %s%s | %zu | %zu | %.3f | %s | %zu / %zu | %.0f s |\n", runs[r].name,
			       r == hand_best ? " (best by hand)" : "", runs[r].found[i60],
			       runs[r].found[i360], (double)runs[r].found[i600] / (double)n_err, xr,
			       runs[r].fclass, runs[r].fmask, runs[r].secs);
		}
		printf("\nGoals (first 360 reviewed): the default workflow finds %zu errors, %.1fx "
		       "random's %zu (goal: at least 5x) and %.0f%% of the %zu found by the best "
		       "method with \"%s\" named by hand (goal: at least 80%%). At 600: %zu against "
		       "%zu by hand (%.0f%%).\n\n", runs[0].found[i360],
		       r360 > 0 ? (double)runs[0].found[i360] / r360 : 0.0, runs[rr].found[i360],
		       100.0 * (double)runs[0].found[i360] / (double)runs[hand_best].found[i360],
		       runs[hand_best].found[i360], mc_coco_class_name(ds, c_hand),
		       runs[0].found[i600], runs[hand_best].found[i600],
		       100.0 * (double)runs[0].found[i600] / (double)runs[hand_best].found[i600]);
		fprintf(stderr, "goal: default %zu vs random %zu (x%.1f) vs by hand %zu (%.0f%%)\n",
		        runs[0].found[i360], runs[rr].found[i360],
		        r360 > 0 ? (double)runs[0].found[i360] / r360 : 0.0,
		        runs[hand_best].found[i360],
		        100.0 * (double)runs[0].found[i360] / (double)runs[hand_best].found[i360]);
	}
	free(runs);
	free(sel);
	free(scene);
	free(gt);
	free(err_by_class);
	free(y0);
	mc_matrix_free(X);
	mc_coco_free(ds);
	return 0;
}
