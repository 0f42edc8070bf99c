/* Tests of runtime/pca.c against scikit-learn 1.2.1's PCA (expected values
 * in tests/data/learn/pca.json). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn_fixture.h"
#include "maskclean/pca.h"
#include "testutil.h"
#include "suite_run.h"

/* A row source over a matrix, failing at row fail_at (if set); counts its
 * reads in *calls (when not NULL: the source itself is read-only to the
 * reader). */
typedef struct src_ctx {
	const mc_matrix *m;
	size_t fail_at;
	size_t *calls;
} src_ctx;

static int s_read(const void *ctx, size_t r0, size_t n, double *out, mc_error *err)
{
	const src_ctx *c = ctx;

	if (c->calls != NULL)
		(*c->calls)++;
	if (c->fail_at >= r0 && c->fail_at < r0 + n)
		return mc_error_set(err, MC_ERR_INVALID, "feats.npy: row %zu, column 0 is NaN",
		                    c->fail_at);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * c->m->cols, c->m->data + (r0 + i) * c->m->stride,
		       c->m->cols * sizeof(double));
	return 0;
}

static void s_check_model(const mc_pca *pca, const mc_matrix *scores, json_t *root,
                          double tol, const char *label)
{
	mc_matrix *comp = fx_matrix(json_object_get(root, "components"));
	mc_matrix *tr = fx_matrix(json_object_get(root, "transform"));
	double *mean = fx_doubles(json_object_get(root, "mean"));
	double *ev = fx_doubles(json_object_get(root, "explained_variance"));
	double *evr = fx_doubles(json_object_get(root, "explained_variance_ratio"));
	char what[128];

	ck_assert_uint_eq(mc_pca_model_of(pca)->k, comp->rows);
	ck_assert_uint_eq(mc_pca_model_of(pca)->d, comp->cols);
	for (size_t c = 0; c < comp->rows; c++) {
		for (size_t j = 0; j < comp->cols; j++) {
			snprintf(what, sizeof what, "%s components[%zu][%zu]", label, c, j);
			fx_assert_close(MC_AT(mc_pca_model_of(pca)->components, c, j), MC_AT(comp, c, j), tol,
			                what);
		}
		snprintf(what, sizeof what, "%s explained_variance[%zu]", label, c);
		fx_assert_close(mc_pca_model_of(pca)->ev[c], ev[c], tol, what);
		snprintf(what, sizeof what, "%s explained_variance_ratio[%zu]", label, c);
		fx_assert_close(mc_pca_model_of(pca)->evr[c], evr[c], tol, what);
	}
	for (size_t j = 0; j < comp->cols; j++)
		fx_assert_close(mc_pca_model_of(pca)->mean[j], mean[j], 1e-12, "mean");
	ck_assert_uint_eq(scores->rows, tr->rows);
	ck_assert_uint_eq(scores->cols, tr->cols);
	for (size_t i = 0; i < tr->rows; i++)
		for (size_t c = 0; c < tr->cols; c++) {
			snprintf(what, sizeof what, "%s transform[%zu][%zu]", label, i, c);
			fx_assert_close(MC_AT(scores, i, c), MC_AT(tr, i, c), tol, what);
		}
	mc_matrix_free(comp);
	mc_matrix_free(tr);
	free(mean);
	free(ev);
	free(evr);
}

/* _i: 0 exact in memory, 1 exact streamed, 2 randomized, 3 randomized streamed,
 * 4 exact streamed from a float32 source (single precision) */
START_TEST(test_matches_sklearn)
{
	json_t *root = fx_load("pca.json");
	mc_matrix *X = fx_matrix(json_object_get(root, "X"));
	mc_matrix *scores = NULL, *again = NULL;
	mc_pca_params p;
	mc_pca *pca = NULL;
	size_t calls = 0;
	src_ctx ctx = { X, (size_t)-1, &calls };
	mc_rows rows = { X->rows, X->cols, s_read, &ctx, 0 };
	mc_error err = { 0 };
	int streamed = _i % 2 || _i == 4, randomized = _i == 2 || _i == 3, single = _i == 4;
	const char *label[] = { "exact", "exact streamed", "randomized", "randomized streamed",
		                "exact streamed single" };
	double tol = single ? 1e-4 : randomized ? 1e-6 : 1e-9, far = 0;

	mc_pca_params_init(&p);
	p.n_components = (size_t)fx_num(root, "n_components");
	p.solver = randomized ? MC_PCA_RANDOMIZED : MC_PCA_EXACT;
	p.chunk_rows = streamed ? 7 : 0;
	p.n_iter = 6;
	rows.single = single;
	ck_assert_int_eq(mc_pca_new(&pca, &p, &err), 0);
	if (streamed)
		ck_assert_msg(mc_pca_fit_transform_rows(&scores, pca, &rows, NULL, &err) == 0, "%s",
		              err.text);
	else
		ck_assert_msg(mc_pca_fit_transform(&scores, pca, X, NULL, &err) == 0, "%s", err.text);
	if (streamed)
		ck_assert_uint_ge(calls, 8);
	s_check_model(pca, scores, root, tol, label[_i]);
	/* transform of the training data equals fit_transform's scores (the
	 * matrix X is float64: transform runs in double) */
	ck_assert_int_eq(mc_pca_transform(&again, pca, X, NULL, &err), 0);
	for (size_t i = 0; i < X->rows * p.n_components; i++) {
		double dv = fabs(again->data[i] - scores->data[i]);
		far = dv > far ? dv : far;
		fx_assert_close(again->data[i], scores->data[i], tol, "transform vs fit_transform");
	}
	/* single precision really ran: its scores are not double's to the bit */
	if (single)
		ck_assert_msg(far > 1e-12, "single-precision scores equal double's (%g)", far);
	/* fit alone gives the same components */
	ck_assert_int_eq(mc_pca_fit(pca, X, NULL, &err), 0);
	s_check_model(pca, scores, root, tol, label[_i]);
	mc_matrix_free(scores);
	mc_matrix_free(again);
	mc_matrix_free(X);
	mc_pca_free(pca);
	json_decref(root);
}
END_TEST

static int s_stop_now(void *ctx, size_t done, size_t total, const char *what)
{
	(void)ctx; (void)done; (void)total;
	ck_assert_msg(strncmp(what, "PCA", 3) == 0, "progress says '%s'", what);
	return 1;
}

START_TEST(test_errors)
{
	json_t *root = fx_load("pca.json");
	mc_matrix *X = fx_matrix(json_object_get(root, "X")), *out = NULL;
	mc_pca_params p;
	mc_pca *pca = NULL;
	size_t calls = 0;
	src_ctx ctx = { X, 23, &calls };
	mc_rows rows = { X->rows, X->cols, s_read, &ctx, 0 };
	mc_progress stop = { s_stop_now, NULL };
	mc_error err = { 0 };
	double keep;

	mc_pca_params_init(&p);
	p.n_components = 0;
	ck_assert_int_eq(mc_pca_new(&pca, &p, &err), MC_ERR_INVALID);
	ck_assert_ptr_null(pca);
	mc_error_clear(&err);

	p.n_components = 8;
	p.chunk_rows = 10;
	ck_assert_int_eq(mc_pca_new(&pca, &p, &err), 0);
	ck_assert_int_eq(mc_pca_transform(&out, pca, X, NULL, &err), MC_ERR_STATE);
	ck_assert_msg(strstr(err.text, "not fitted") != NULL, "%s", err.text);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_pca_fit(pca, X, NULL, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "n_components=8 must be at most min(rows, columns) = 7")
	              != NULL, "%s", err.text);
	mc_pca_free(pca);
	mc_error_clear(&err);

	p.n_components = 2;
	ck_assert_int_eq(mc_pca_new(&pca, &p, &err), 0);
	ck_assert_int_eq(mc_pca_fit_rows(pca, &rows, NULL, &err), MC_ERR_INVALID);
	ck_assert_str_eq(err.text, "feats.npy: row 23, column 0 is NaN");
	ck_assert(mc_pca_model_of(pca) == NULL);
	mc_error_clear(&err);

	keep = MC_AT(X, 12, 5);
	MC_AT(X, 12, 5) = INFINITY;
	ck_assert_int_eq(mc_pca_fit(pca, X, NULL, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "X: row 12, column 5 is inf") != NULL, "%s", err.text);
	MC_AT(X, 12, 5) = keep;
	mc_error_clear(&err);

	ck_assert_int_eq(mc_pca_fit(pca, X, &stop, &err), MC_ERR_INTERRUPTED);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert(mc_pca_model_of(pca) == NULL);
	mc_error_clear(&err);

	ck_assert_int_eq(mc_pca_fit(pca, X, NULL, &err), 0);
	{
		mc_matrix narrow = mc_matrix_view_rows(X, 0, 3);
		narrow.cols = 6;
		ck_assert_int_eq(mc_pca_transform(&out, pca, &narrow, NULL, &err), MC_ERR_SHAPE);
		ck_assert_msg(strstr(err.text, "X has 6 columns; the PCA was fitted on 7") != NULL,
		              "%s", err.text);
		ck_assert_ptr_null(out);
	}
	mc_pca_free(pca);
	mc_matrix_free(X);
	json_decref(root);
}
END_TEST

/* The fit in parts (moments of row ranges that start at chunk boundaries,
 * merged; the eigensolve; the sign pass in parts) gives mc_pca_fit's model;
 * _i: double, float32 source (single precision). */
START_TEST(test_parts_match_fit)
{
	json_t *root = fx_load("pca.json");
	mc_matrix *X = fx_matrix(json_object_get(root, "X")), *s1 = NULL, *s2 = NULL;
	mc_pca_params p;
	mc_pca *whole = NULL, *parts = NULL;
	mc_pca_moments *m[3] = { NULL, NULL, NULL };
	size_t cut[4] = { 0, 14, 35, X->rows }, k, d = X->cols;
	mc_matrix view[3];
	src_ctx ctx[3];
	mc_rows rows[3], all;
	src_ctx all_ctx = { X, (size_t)-1, NULL };
	double *best = NULL, *later = NULL;
	mc_error err = { 0 };

	mc_pca_params_init(&p);
	p.n_components = k = (size_t)fx_num(root, "n_components");
	p.chunk_rows = 7;
	ck_assert_int_eq(mc_pca_new(&whole, &p, &err), 0);
	ck_assert_int_eq(mc_pca_new(&parts, &p, &err), 0);
	all = (mc_rows){ X->rows, d, s_read, &all_ctx, _i };
	ck_assert_int_eq(mc_pca_fit_rows(whole, &all, NULL, &err), 0);
	best = calloc(2 * k, sizeof *best);
	later = calloc(2 * k, sizeof *later);
	for (int r = 0; r < 3; r++) {
		view[r] = mc_matrix_view_rows(X, cut[r], cut[r + 1] - cut[r]);
		ctx[r] = (src_ctx){ &view[r], (size_t)-1, NULL };
		rows[r] = (mc_rows){ view[r].rows, d, s_read, &ctx[r], _i };
		ck_assert_int_eq(mc_pca_moments_new(&m[r], d, 1, &err), 0);
	}
	/* the center: the first chunk of the first part, known to all */
	ck_assert_int_eq(mc_pca_moments_center(m[0], NULL, &rows[0], p.chunk_rows, &err), 0);
	for (int r = 0; r < 3; r++) {
		memcpy(m[r]->center, m[0]->center, d * sizeof(double));
		ck_assert_int_eq(mc_pca_moments_add(m[r], NULL, &rows[r], p.chunk_rows, NULL, &err),
		                 0);
	}
	ck_assert_int_eq(mc_pca_moments_merge(m[0], m[1], &err), 0);
	ck_assert_int_eq(mc_pca_moments_merge(m[0], m[2], &err), 0);
	ck_assert_int_eq(mc_pca_fit_moments(parts, m[0], &err), 0);
	for (int r = 0; r < 3; r++) {
		memset(later, 0, 2 * k * sizeof *later);
		ck_assert_int_eq(mc_pca_signs_scan(later, parts, NULL, &rows[r], NULL, &err), 0);
		mc_pca_signs_merge(best, later, k);
	}
	mc_pca_signs_apply(parts, best);
	ck_assert_uint_eq(mc_pca_model_of(parts)->n, X->rows);
	for (size_t c = 0; c < k; c++) {
		for (size_t j = 0; j < d; j++)
			fx_assert_close(MC_AT(mc_pca_model_of(parts)->components, c, j),
			                MC_AT(mc_pca_model_of(whole)->components, c, j), 1e-10, "components");
		fx_assert_close(mc_pca_model_of(parts)->ev[c],
		                mc_pca_model_of(whole)->ev[c], 1e-12, "explained_variance");
		fx_assert_close(mc_pca_model_of(parts)->evr[c],
		                mc_pca_model_of(whole)->evr[c], 1e-12, "ratio");
	}
	for (size_t j = 0; j < d; j++)
		fx_assert_close(mc_pca_model_of(parts)->mean[j], mc_pca_model_of(whole)->mean[j], 1e-14, "mean");
	/* a model restored from those arrays transforms as the fitted one */
	ck_assert_int_eq(mc_pca_restore(parts, mc_pca_model_of(whole)->components, mc_pca_model_of(whole)->mean,
	                                mc_pca_model_of(whole)->ev,
	                                mc_pca_model_of(whole)->evr, X->rows, &err), 0);
	ck_assert_int_eq(mc_pca_transform(&s1, whole, X, NULL, &err), 0);
	ck_assert_int_eq(mc_pca_transform(&s2, parts, X, NULL, &err), 0);
	ck_assert(memcmp(s1->data, s2->data, X->rows * k * sizeof(double)) == 0);
	/* moments about another center do not merge */
	m[1]->center[0] += 1.0;
	ck_assert_int_eq(mc_pca_moments_merge(m[0], m[1], &err), MC_ERR_SHAPE);
	for (int r = 0; r < 3; r++)
		mc_pca_moments_free(m[r]);
	free(best);
	free(later);
	mc_matrix_free(s1);
	mc_matrix_free(s2);
	mc_pca_free(whole);
	mc_pca_free(parts);
	mc_matrix_free(X);
	json_decref(root);
}
END_TEST

/* A model saved to a folder loads back as it was; a missing or mismatched
 * file is refused and the model left alone. */
START_TEST(test_save_load)
{
	json_t *root = fx_load("pca.json");
	mc_matrix *X = fx_matrix(json_object_get(root, "X")), *s1 = NULL, *s2 = NULL;
	mc_pca_params p;
	mc_pca *pca = NULL, *back = NULL, *three = NULL;
	char dir[4096], path[4200];
	mc_error err = { 0 };

	tu_tmpdir(dir, sizeof dir, "mc-pca-save");
	mc_pca_params_init(&p);
	p.n_components = 2;
	ck_assert_int_eq(mc_pca_new(&pca, &p, &err), 0);
	ck_assert_int_eq(mc_pca_new(&back, &p, &err), 0);
	ck_assert_int_eq(mc_pca_save(pca, dir, &err), MC_ERR_STATE);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_pca_fit(pca, X, NULL, &err), 0);
	ck_assert_int_eq(mc_pca_save(pca, dir, &err), 0);
	ck_assert_msg(mc_pca_load(back, dir, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_pca_model_of(back)->n, X->rows);
	ck_assert_int_eq(mc_pca_transform(&s1, pca, X, NULL, &err), 0);
	ck_assert_int_eq(mc_pca_transform(&s2, back, X, NULL, &err), 0);
	ck_assert(memcmp(s1->data, s2->data, X->rows * 2 * sizeof(double)) == 0);
	ck_assert(mc_pca_model_of(back)->evr[1] ==
	          mc_pca_model_of(pca)->evr[1]);
	/* a model of another size: the components' rows are refused */
	p.n_components = 3;
	ck_assert_int_eq(mc_pca_new(&three, &p, &err), 0);
	ck_assert_int_eq(mc_pca_load(three, dir, &err), MC_ERR_SHAPE);
	ck_assert_msg(strstr(err.text, "components.npy: 2 x 7") != NULL, "%s", err.text);
	ck_assert(mc_pca_model_of(three) == NULL);
	/* a file gone */
	ck_assert_int_eq(unlink(tu_path(path, sizeof path, dir, "mean.npy")), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_pca_load(three, dir, &err), MC_ERR_SHAPE);
	p.n_components = 2;
	mc_pca_free(back);
	ck_assert_int_eq(mc_pca_new(&back, &p, &err), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_pca_load(back, dir, &err), MC_ERR_IO);
	ck_assert_msg(strstr(err.text, "mean.npy") != NULL, "%s", err.text);
	ck_assert(mc_pca_model_of(back) == NULL);
	tu_rmtree(dir);
	mc_matrix_free(s1);
	mc_matrix_free(s2);
	mc_pca_free(pca);
	mc_pca_free(back);
	mc_pca_free(three);
	mc_matrix_free(X);
	json_decref(root);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("pca");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_matches_sklearn, 0, 5);
	tcase_add_test(tc, test_errors);
	tcase_add_loop_test(tc, test_parts_match_fit, 0, 2);
	tcase_add_test(tc, test_save_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
