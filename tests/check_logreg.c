/* Tests of runtime/logreg.c against scikit-learn 1.2.1's LogisticRegression
 * (expected values in tests/data/learn/logreg.json). */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include <cblas.h>

#include "learn_fixture.h"
#include "maskclean/logreg.h"
#include "maskclean/rng.h"
#include "testutil.h"
#include "suite_run.h"

typedef struct lr_data {
	json_t *root;
	mc_matrix *X, *Xt;
	int64_t *y;
	double *w;
} lr_data;

static lr_data s_data(void)
{
	lr_data d;

	d.root = fx_load("logreg.json");
	d.X = fx_matrix(json_object_get(d.root, "X"));
	d.Xt = fx_matrix(json_object_get(d.root, "Xtest"));
	d.y = fx_ints(json_object_get(d.root, "y"));
	d.w = fx_doubles(json_object_get(d.root, "w"));
	return d;
}

static void s_data_free(lr_data *d)
{
	json_decref(d->root);
	mc_matrix_free(d->X);
	mc_matrix_free(d->Xt);
	free(d->y);
	free(d->w);
}

/* Parameters of case c of logreg.json. */
static void s_params(mc_logreg_params *p, json_t *c, double *cw)
{
	json_t *j = json_object_get(c, "class_weight");

	mc_logreg_params_init(p);
	p->C = fx_num(c, "C");
	p->tol = 1e-11;
	p->max_iter = 20000;
	if (json_is_string(j)) {
		p->class_weight = MC_CW_BALANCED;
	} else if (json_is_array(j)) {
		for (size_t k = 0; k < json_array_size(j); k++)
			cw[k] = json_number_value(json_array_get(j, k));
		p->class_weight = MC_CW_DICT;
		p->class_weights = cw;
		p->n_classes = json_array_size(j);
	}
}

START_TEST(test_matches_sklearn)
{
	lr_data d = s_data();
	json_t *cases = json_object_get(d.root, "cases");
	json_t *c = json_array_get(cases, (size_t)_i);
	const char *name = json_string_value(json_object_get(c, "name"));
	int use_w = json_is_true(json_object_get(c, "use_weights"));
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_matrix *want = NULL, *got = NULL;
	int64_t *pred = NULL;
	double cw[8], obj, score;
	mc_error err = { 0 };
	char what[128];

	s_params(&p, c, cw);
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	ck_assert_msg(mc_logreg_fit(lr, d.X, d.y, use_w ? d.w : NULL, NULL, &err) == 0, "%s",
	              err.text);
	ck_assert_msg(mc_logreg_converged(lr), "%s: did not converge", name);

	want = fx_matrix(json_object_get(c, "coef"));
	for (size_t k = 0; k < want->rows; k++) {
		for (size_t j = 0; j < want->cols; j++) {
			snprintf(what, sizeof what, "%s coef[%zu][%zu]", name, k, j);
			fx_assert_close(MC_AT(mc_logreg_coef(lr), k, j), MC_AT(want, k, j), 1e-5, what);
		}
		snprintf(what, sizeof what, "%s intercept[%zu]", name, k);
		fx_assert_close(mc_logreg_intercept(lr)[k],
		                json_number_value(json_array_get(json_object_get(c, "intercept"), k)),
		                1e-5, what);
	}
	mc_matrix_free(want);
	snprintf(what, sizeof what, "%s objective", name);
	fx_assert_close(mc_logreg_final_objective(lr), fx_num(c, "objective"), 1e-9, what);
	ck_assert_int_eq(mc_logreg_objective(&obj, lr, d.X, d.y, use_w ? d.w : NULL, &err), 0);
	fx_assert_close(obj, fx_num(c, "objective"), 1e-9, what);

	want = fx_matrix(json_object_get(c, "proba"));
	ck_assert_int_eq(mc_logreg_proba(&got, lr, d.Xt, &err), 0);
	ck_assert_uint_eq(got->rows, want->rows);
	ck_assert_uint_eq(got->cols, want->cols);
	for (size_t i = 0; i < want->rows; i++)
		for (size_t k = 0; k < want->cols; k++) {
			snprintf(what, sizeof what, "%s proba[%zu][%zu]", name, i, k);
			fx_assert_close(MC_AT(got, i, k), MC_AT(want, i, k), 1e-6, what);
		}
	mc_matrix_free(want);
	mc_matrix_free(got);

	want = fx_matrix(json_object_get(c, "decision"));
	ck_assert_int_eq(mc_logreg_decision(&got, lr, d.Xt, &err), 0);
	for (size_t i = 0; i < want->rows; i++)
		for (size_t k = 0; k < want->cols; k++) {
			snprintf(what, sizeof what, "%s decision[%zu][%zu]", name, i, k);
			fx_assert_close(MC_AT(got, i, k), MC_AT(want, i, k), 1e-5, what);
		}
	mc_matrix_free(want);
	mc_matrix_free(got);

	ck_assert_int_eq(mc_logreg_predict(&pred, lr, d.Xt, &err), 0);
	for (size_t i = 0; i < d.Xt->rows; i++)
		ck_assert_int_eq(pred[i], (int64_t)json_number_value(
		                              json_array_get(json_object_get(c, "predict"), i)));
	free(pred);

	/* score on the kept training rows, as sklearn scored them */
	if (use_w) {
		double *keep = malloc(d.X->rows * sizeof *keep);
		for (size_t i = 0; i < d.X->rows; i++)
			keep[i] = d.w[i] > 0.0;
		ck_assert_int_eq(mc_logreg_score(&score, lr, d.X, d.y, keep, &err), 0);
		free(keep);
	} else {
		ck_assert_int_eq(mc_logreg_score(&score, lr, d.X, d.y, NULL, &err), 0);
	}
	fx_assert_close(score, fx_num(c, "score_train"), 1e-12, "score");
	mc_logreg_free(lr);
	s_data_free(&d);
}
END_TEST

/* Removing a sample (weight 0) equals deleting its row. */
START_TEST(test_zero_weight_is_removal)
{
	lr_data d = s_data();
	mc_logreg_params p;
	mc_logreg *a = NULL, *b = NULL;
	mc_matrix *Xk = NULL;
	size_t *keep = malloc(d.X->rows * sizeof *keep), nk = 0;
	int64_t *yk = malloc(d.X->rows * sizeof *yk);
	double *w01 = malloc(d.X->rows * sizeof *w01);
	mc_error err = { 0 };

	for (size_t i = 0; i < d.X->rows; i++) {
		w01[i] = d.w[i] > 0.0;
		if (d.w[i] > 0.0) {
			yk[nk] = d.y[i];
			keep[nk++] = i;
		}
	}
	ck_assert_uint_lt(nk, d.X->rows);
	ck_assert_int_eq(mc_matrix_gather_rows(&Xk, d.X, keep, nk, &err), 0);
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.tol = 1e-11;
	p.max_iter = 20000;
	ck_assert_int_eq(mc_logreg_new(&a, &p, &err), 0);
	ck_assert_int_eq(mc_logreg_new(&b, &p, &err), 0);
	ck_assert_int_eq(mc_logreg_fit(a, d.X, d.y, w01, NULL, &err), 0);
	ck_assert_int_eq(mc_logreg_fit(b, Xk, yk, NULL, NULL, &err), 0);
	for (size_t j = 0; j < 3 * d.X->cols; j++)
		fx_assert_close(mc_logreg_coef(a)->data[j], mc_logreg_coef(b)->data[j], 1e-6, "coef");
	fx_assert_close(mc_logreg_final_objective(a), mc_logreg_final_objective(b), 1e-9,
	                "objective");
	mc_logreg_free(a);
	mc_logreg_free(b);
	mc_matrix_free(Xk);
	free(keep);
	free(yk);
	free(w01);
	s_data_free(&d);
}
END_TEST

START_TEST(test_warm_start)
{
	lr_data d = s_data();
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_error err = { 0 };
	double first;

	mc_logreg_params_init(&p);
	p.max_iter = 3;
	p.tol = 1e-11;
	p.warm_start = 1;
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, NULL, NULL, &err), 0);
	ck_assert_uint_eq(mc_logreg_n_iter(lr), 3);
	ck_assert(!mc_logreg_converged(lr));
	first = mc_logreg_final_objective(lr);
	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, NULL, NULL, &err), 0);
	ck_assert_msg(mc_logreg_final_objective(lr) < first, "warm start went back: %g >= %g",
	              mc_logreg_final_objective(lr), first);
	mc_logreg_free(lr);
	s_data_free(&d);
}
END_TEST

static int s_stop_after(void *ctx, size_t done, size_t total, const char *what)
{
	int *calls = ctx;

	(void)done; (void)total;
	ck_assert_msg(strstr(what, "LogisticRegression") != NULL, "progress says '%s'", what);
	return ++*calls > 5;
}

START_TEST(test_interrupt_leaves_model)
{
	lr_data d = s_data();
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_error err = { 0 };
	int calls = 0;
	mc_progress prog = { s_stop_after, &calls };
	double before[15];

	mc_logreg_params_init(&p);
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, NULL, NULL, &err), 0);
	memcpy(before, mc_logreg_coef(lr)->data, sizeof before);
	p.C = 0.01;
	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, d.w, &prog, &err), MC_ERR_INTERRUPTED);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert(memcmp(before, mc_logreg_coef(lr)->data, sizeof before) == 0);
	mc_logreg_free(lr);
	s_data_free(&d);
}
END_TEST

START_TEST(test_errors)
{
	lr_data d = s_data();
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_matrix *out = NULL;
	mc_error err = { 0 };
	double keep;

	mc_logreg_params_init(&p);
	p.C = 0.0;
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(lr);
	ck_assert_msg(strstr(err.text, "C is 0") != NULL, "%s", err.text);
	mc_error_clear(&err);

	mc_logreg_params_init(&p);
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	ck_assert_int_eq(mc_logreg_proba(&out, lr, d.Xt, &err), MC_ERR_STATE);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(err.text, "not fitted") != NULL, "%s", err.text);
	mc_error_clear(&err);

	d.y[7] = -2;
	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "sample 7 has label -2") != NULL, "%s", err.text);
	d.y[7] = 0;
	mc_error_clear(&err);

	keep = MC_AT(d.X, 4, 2);
	MC_AT(d.X, 4, 2) = NAN;
	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "X: row 4, column 2 is nan") != NULL, "%s", err.text);
	MC_AT(d.X, 4, 2) = keep;
	ck_assert(!mc_logreg_fitted(lr));
	mc_error_clear(&err);

	d.w[3] = -1.0;
	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, d.w, NULL, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "sample 3 has weight -1") != NULL, "%s", err.text);
	mc_error_clear(&err);

	ck_assert_int_eq(mc_logreg_fit(lr, d.X, d.y, NULL, NULL, &err), 0);
	{
		mc_matrix narrow = mc_matrix_view_rows(d.Xt, 0, 2);
		narrow.cols = 4;
		ck_assert_int_eq(mc_logreg_decision(&out, lr, &narrow, &err), MC_ERR_SHAPE);
		ck_assert_msg(strstr(err.text, "X has 4 columns; the model was fitted on 5") != NULL,
		              "%s", err.text);
	}
	mc_logreg_free(lr);
	s_data_free(&d);
}
END_TEST

/* n x d Gaussian blobs of k classes, overlapping, so the optimum is finite. */
static void s_blobs(mc_matrix **X, int64_t **y, size_t n, size_t d, size_t k, uint64_t seed)
{
	mc_error err = { 0 };
	mc_rng rng;

	mc_rng_seed_splitmix(&rng, seed);
	ck_assert_int_eq(mc_matrix_new(X, n, d, &err), 0);
	*y = malloc(n * sizeof **y);
	for (size_t i = 0; i < n; i++) {
		(*y)[i] = (int64_t)(i % k);
		for (size_t j = 0; j < d; j++)
			MC_AT(*X, i, j) = 3.0 * (double)j + 0.4 * (double)(((size_t)(*y)[i] * (j + 1)) % 5) +
			                  (1.0 + (double)j) * mc_rng_normal(&rng);
	}
}

static mc_logreg *s_fit(const mc_matrix *X, const int64_t *y, double tol)
{
	mc_logreg_params p;
	mc_logreg *lr = NULL;
	mc_error err = { 0 };

	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.tol = tol;
	p.max_iter = 5000;
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	ck_assert_msg(mc_logreg_fit(lr, X, y, NULL, NULL, &err) == 0, "%s", err.text);
	ck_assert(mc_logreg_converged(lr));
	return lr;
}

/* Rows split over two threads give the fit of one thread. */
START_TEST(test_threads_agree)
{
	size_t n = 80000;
	mc_matrix *X = NULL;
	int64_t *y = NULL;
	mc_logreg *one, *two;
	int threads = openblas_get_num_threads();

	s_blobs(&X, &y, n, 4, 3, 7);
	openblas_set_num_threads(1);
	one = s_fit(X, y, 1e-8);
	openblas_set_num_threads(2);
	two = s_fit(X, y, 1e-8);
	openblas_set_num_threads(threads);
	fx_assert_close(mc_logreg_final_objective(two), mc_logreg_final_objective(one), 1e-10,
	                "objective");
	for (size_t j = 0; j < 3 * 4; j++)
		fx_assert_close(mc_logreg_coef(two)->data[j], mc_logreg_coef(one)->data[j], 1e-5,
		                "coef");
	mc_logreg_free(one);
	mc_logreg_free(two);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* Many classes (OpenBLAS's threads on large blocks): the fit reaches the
 * optimum, which a warm start with a much tighter tolerance confirms. */
START_TEST(test_many_classes_converge)
{
	size_t n = getenv("MC_VALGRIND") != NULL ? 4000 : 40000, k = 20, d = 6;
	mc_matrix *X = NULL;
	int64_t *y = NULL;
	mc_logreg *lr;
	mc_logreg_params p;
	mc_error err = { 0 };
	double f0;

	s_blobs(&X, &y, n, d, k, 11);
	lr = s_fit(X, y, 1e-4);
	f0 = mc_logreg_final_objective(lr);
	p = *mc_logreg_params_of(lr);
	mc_logreg_free(lr);
	p.tol = 1e-10;
	ck_assert_int_eq(mc_logreg_new(&lr, &p, &err), 0);
	ck_assert_msg(mc_logreg_fit(lr, X, y, NULL, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_logreg_n_classes(lr), k);
	/* the default tolerance stops within 1e-5 of the optimum's objective */
	ck_assert_msg(f0 >= mc_logreg_final_objective(lr) - 1e-9 * f0 &&
	              f0 <= mc_logreg_final_objective(lr) * (1.0 + 1e-5),
	              "objective %.10g at tol 1e-4, %.10g at 1e-10", f0,
	              mc_logreg_final_objective(lr));
	mc_logreg_free(lr);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* ---- fits over processes, played by threads sharing memory ---- */

#define S_PROCS_MAX 4

/* The meeting point of the threads: each posts its partial sums or buffer,
 * then the root reads them, between two barriers. */
typedef struct procs {
	pthread_barrier_t bar;
	const double *part[S_PROCS_MAX];
	size_t nseg[S_PROCS_MAX];
	void *buf;
	size_t count;
} procs;

typedef struct proc {
	procs *all;
	size_t rank;
	mc_logreg_comm comm;
	const mc_matrix *X;
	mc_matrix view;
	const int64_t *y;
	mc_logreg *lr;
	int rc;
	mc_error err;
} proc;

static int s_fold(void *ctx, double *out, const double *partials, size_t nseg, size_t len,
                  mc_error *err)
{
	proc *me = ctx;
	procs *all = me->all;

	(void)err;
	all->part[me->rank] = partials;
	all->nseg[me->rank] = nseg;
	pthread_barrier_wait(&all->bar);
	if (me->rank == 0) {
		memset(out, 0, len * sizeof *out);
		for (size_t r = 0; r < all->count; r++)
			mc_logreg_fold_add(out, all->part[r], all->nseg[r], len);
	}
	pthread_barrier_wait(&all->bar);
	return 0;
}

static int s_bcast(void *ctx, void *buf, size_t bytes, mc_error *err)
{
	proc *me = ctx;
	procs *all = me->all;

	(void)err;
	if (me->rank == 0)
		all->buf = buf;
	pthread_barrier_wait(&all->bar);
	if (me->rank != 0)
		memcpy(buf, all->buf, bytes);
	pthread_barrier_wait(&all->bar);
	return 0;
}

static void *s_proc_run(void *arg)
{
	proc *me = arg;

	me->rc = mc_logreg_fit_comm(me->lr, &me->view, me->y, NULL, &me->comm, NULL, &me->err);
	return NULL;
}

/* Fits X, y split at rows cut[0] = 0 < cut[1] < ... < cut[count] = n, one
 * thread per part; returns the root's model and checks that every part
 * holds the same one. err gets the first failing part's message. */
static mc_logreg *s_fit_split(const mc_matrix *X, const int64_t *y, const size_t *cut,
                              size_t count, const mc_logreg_params *p, int *rc, mc_error *err)
{
	procs all;
	proc me[S_PROCS_MAX];
	pthread_t tid[S_PROCS_MAX];
	mc_logreg *root;

	ck_assert_uint_le(count, S_PROCS_MAX);
	memset(&all, 0, sizeof all);
	all.count = count;
	pthread_barrier_init(&all.bar, NULL, (unsigned)count);
	for (size_t r = 0; r < count; r++) {
		memset(&me[r], 0, sizeof me[r]);
		me[r].all = &all;
		me[r].rank = r;
		me[r].comm.row0 = cut[r];
		me[r].comm.n_total = X->rows;
		me[r].comm.root = r == 0;
		me[r].comm.fold = s_fold;
		me[r].comm.bcast = s_bcast;
		me[r].comm.ctx = &me[r];
		me[r].view = mc_matrix_view_rows(X, cut[r], cut[r + 1] - cut[r]);
		me[r].y = y + cut[r];
		ck_assert_int_eq(mc_logreg_new(&me[r].lr, p, err), 0);
		ck_assert_int_eq(pthread_create(&tid[r], NULL, s_proc_run, &me[r]), 0);
	}
	*rc = 0;
	for (size_t r = 0; r < count; r++) {
		pthread_join(tid[r], NULL);
		/* the part that failed first has the message; the others say so */
		if (me[r].rc != 0 && (*rc == 0 || strstr(err->text, "another process") != NULL)) {
			*rc = me[r].rc;
			*err = me[r].err;
		}
	}
	for (size_t r = 1; r < count; r++) {
		if (*rc == 0) {
			const mc_matrix *a = mc_logreg_coef(me[0].lr), *b = mc_logreg_coef(me[r].lr);
			ck_assert(memcmp(a->data, b->data, a->rows * a->cols * sizeof(double)) == 0);
			ck_assert_uint_eq(mc_logreg_n_iter(me[0].lr), mc_logreg_n_iter(me[r].lr));
		}
		mc_logreg_free(me[r].lr);
	}
	pthread_barrier_destroy(&all.bar);
	root = me[0].lr;
	if (*rc != 0) {
		mc_logreg_free(root);
		root = NULL;
	}
	return root;
}

/* Parts that start at segment boundaries give bit for bit the model of one
 * process, whatever the thread count; _i: few classes (our threads), many
 * classes (OpenBLAS's threads), and a part with no rows. */
START_TEST(test_split_fit_is_exact)
{
	size_t seg = mc_logreg_segment_rows(0), n = 3 * seg + 1000, k = _i == 1 ? 14 : 3, d = 5;
	size_t cuts[3][4] = { { 0, seg, 3 * seg, n }, { 0, 2 * seg, n, 0 },
	                      { 0, seg, seg, n } };
	size_t count = _i == 1 ? 2 : 3;
	mc_matrix *X = NULL;
	int64_t *y = NULL;
	mc_logreg_params p;
	mc_logreg *one, *split;
	mc_error err = { 0 };
	int rc, threads = openblas_get_num_threads();

	ck_assert_uint_eq(seg, 4096);
	s_blobs(&X, &y, n, d, k, 21);
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.n_classes = k;
	one = s_fit(X, y, 1e-4);
	split = s_fit_split(X, y, cuts[_i], count, &p, &rc, &err);
	ck_assert_msg(rc == 0, "%s", err.text);
	fx_assert_same_logreg(one, split);
	mc_logreg_free(split);
	/* one thread gives the same model too */
	openblas_set_num_threads(1);
	split = s_fit(X, y, 1e-4);
	openblas_set_num_threads(threads);
	fx_assert_same_logreg(one, split);
	mc_logreg_free(split);
	mc_logreg_free(one);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* Parts cut anywhere still reach the same optimum. */
START_TEST(test_split_fit_unaligned)
{
	size_t n = 9000, k = 3, d = 4, cut[4] = { 0, 1234, 5000, n };
	mc_matrix *X = NULL;
	int64_t *y = NULL;
	mc_logreg_params p;
	mc_logreg *one, *split;
	mc_error err = { 0 };
	int rc;

	s_blobs(&X, &y, n, d, k, 5);
	mc_logreg_params_init(&p);
	p.class_weight = MC_CW_BALANCED;
	p.n_classes = k;
	p.tol = 1e-10;
	p.max_iter = 5000;
	one = s_fit(X, y, 1e-10);
	split = s_fit_split(X, y, cut, 3, &p, &rc, &err);
	ck_assert_msg(rc == 0, "%s", err.text);
	for (size_t j = 0; j < k * d; j++)
		fx_assert_close(mc_logreg_coef(split)->data[j], mc_logreg_coef(one)->data[j], 1e-6,
		                "coef");
	mc_logreg_free(split);
	mc_logreg_free(one);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* A bad label in one part fails every part; the message names the row of
 * the whole data. Missing n_classes is refused. */
START_TEST(test_split_fit_errors)
{
	size_t n = 3000, cut[4] = { 0, 1000, 2000, n };
	mc_matrix *X = NULL;
	int64_t *y = NULL;
	mc_logreg_params p;
	mc_logreg *lr;
	mc_error err = { 0 };
	int rc;

	s_blobs(&X, &y, n, 3, 3, 9);
	y[2500] = 7;
	mc_logreg_params_init(&p);
	p.n_classes = 3;
	lr = s_fit_split(X, y, cut, 3, &p, &rc, &err);
	ck_assert_ptr_null(lr);
	ck_assert_int_eq(rc, MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "sample 2500 has label 7") != NULL, "%s", err.text);
	y[2500] = 1;
	p.n_classes = 0;
	mc_error_clear(&err);
	lr = s_fit_split(X, y, cut, 3, &p, &rc, &err);
	ck_assert_ptr_null(lr);
	ck_assert_msg(strstr(err.text, "needs n_classes") != NULL, "%s", err.text);
	mc_matrix_free(X);
	free(y);
}
END_TEST

/* A model restored from its arrays (or saved and loaded) is the fitted
 * one; bad arrays are refused and leave the model alone. */
START_TEST(test_restore)
{
	mc_matrix *X = NULL, *pa = NULL, *pb = NULL, *bad = NULL;
	int64_t *y = NULL;
	mc_logreg *lr, *copy = NULL;
	mc_logreg_params p;
	mc_error err = { 0 };

	s_blobs(&X, &y, 600, 3, 3, 4);
	lr = s_fit(X, y, 1e-4);
	mc_logreg_params_init(&p);
	ck_assert_int_eq(mc_logreg_new(&copy, &p, &err), 0);
	ck_assert_int_eq(mc_logreg_restore(copy, mc_logreg_coef(lr), mc_logreg_intercept(lr),
	                                   mc_logreg_n_iter(lr), mc_logreg_final_objective(lr),
	                                   mc_logreg_converged(lr), &err), 0);
	ck_assert_int_eq(mc_logreg_proba(&pa, lr, X, &err), 0);
	ck_assert_int_eq(mc_logreg_proba(&pb, copy, X, &err), 0);
	ck_assert(memcmp(pa->data, pb->data, 600 * 3 * sizeof(double)) == 0);
	ck_assert_uint_eq(mc_logreg_n_iter(copy), mc_logreg_n_iter(lr));
	ck_assert_int_eq(mc_matrix_copy(&bad, mc_logreg_coef(lr), &err), 0);
	MC_AT(bad, 1, 2) = NAN;
	ck_assert_int_eq(mc_logreg_restore(copy, bad, mc_logreg_intercept(lr), 1, 0.0, 1, &err),
	                 MC_ERR_INVALID);
	ck_assert_uint_eq(mc_logreg_n_iter(copy), mc_logreg_n_iter(lr));
	/* saved to a folder and loaded back: the same model */
	{
		char dir[4096];
		mc_logreg *back = NULL;

		tu_tmpdir(dir, sizeof dir, "mc-lr-save");
		ck_assert_int_eq(mc_logreg_new(&back, &p, &err), 0);
		ck_assert_int_eq(mc_logreg_save(back, dir, &err), MC_ERR_STATE);
		ck_assert_int_eq(mc_logreg_load(back, dir, &err), MC_ERR_IO);
		ck_assert(!mc_logreg_fitted(back));
		ck_assert_int_eq(mc_logreg_save(lr, dir, &err), 0);
		ck_assert_msg(mc_logreg_load(back, dir, &err) == 0, "%s", err.text);
		fx_assert_same_logreg(back, lr);
		tu_rmtree(dir);
		mc_logreg_free(back);
	}
	mc_matrix_free(bad);
	mc_matrix_free(pa);
	mc_matrix_free(pb);
	mc_logreg_free(copy);
	mc_logreg_free(lr);
	mc_matrix_free(X);
	free(y);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("logreg");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_matches_sklearn, 0, 4);
	tcase_add_test(tc, test_zero_weight_is_removal);
	tcase_add_test(tc, test_warm_start);
	tcase_add_test(tc, test_interrupt_leaves_model);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_threads_agree);
	tcase_add_test(tc, test_many_classes_converge);
	tcase_add_loop_test(tc, test_split_fit_is_exact, 0, 3);
	tcase_add_test(tc, test_split_fit_unaligned);
	tcase_add_test(tc, test_split_fit_errors);
	tcase_add_test(tc, test_restore);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
