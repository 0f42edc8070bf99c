/* Tests of the review loop (maskclean/review.h) on the real tinycoco
 * dataset and on a small generated demo dataset. */
#include <check.h>
#include <fontconfig/fontconfig.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maskclean/canvas.h"
#include "maskclean/demo.h"
#include "maskclean/embed.h"
#include "maskclean/image.h"
#include "review_fixture.h"

static void s_write(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

static size_t s_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	size_t n = 0;
	int c;
	ck_assert_ptr_nonnull(fp);
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

static mc_review *s_session(mc_coco *ds, mc_matrix *X, const char *dir, size_t n, int images)
{
	mc_review_opts o;
	mc_review *rv = NULL;
	mc_error err;

	mc_error_clear(&err);
	mc_review_opts_default(&o);
	o.dir = dir;
	o.class_of_interest = fx_class(ds, "orange");
	o.n = n;
	o.folds = 3;
	o.export_images = images;
	o.image_size = 48;
	ck_assert_msg(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	return rv;
}

START_TEST(test_batch_export)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 1);
	char *dir = fx_scratch("export"), path[4300], line[512];
	mc_review *rv = s_session(ds, X, dir, 5, 1);
	size_t orange = fx_class(ds, "orange"), n, nh;
	const size_t *idx;
	const mc_review_record *h;
	FILE *fp;
	mc_error err;

	mc_error_clear(&err);
	/* The baseline is the first history record. */
	h = mc_review_history(rv, &nh);
	ck_assert_uint_eq(nh, 1);
	ck_assert_uint_eq(h[0].reviewed, 0);
	ck_assert(h[0].auc > 0 && h[0].auc <= 1);
	ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
	ck_assert_uint_eq(n, 5);
	for (size_t k = 0; k < n; k++) {
		mc_image *png = NULL;
		char *p = mc_review_png_path(rv, k);
		ck_assert_int_eq(mc_review_labels(rv)[idx[k]], (int64_t)orange);
		ck_assert(mc_review_is_seen(rv, idx[k]));
		if (k)
			ck_assert(mc_review_batch_scores(rv)[k] <= mc_review_batch_scores(rv)[k - 1]);
		/* One PNG per sample, three views side by side. */
		ck_assert_msg(mc_image_load(&png, p, &err) == 0, "%s", err.text);
		ck_assert_int_gt(png->width, png->height);
		mc_image_free(png);
		free(p);
	}
	snprintf(path, sizeof path, "%s/iter_001/review.csv", dir);
	ck_assert_uint_eq(s_lines(path), 6);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	ck_assert_str_eq(line, "index,annotation_id,image_id,label,importance,action,new_label\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	{
		mc_coco_ann ann;
		char want[128];
		mc_coco_instance(ds, idx[0], &ann);
		snprintf(want, sizeof want, "%zu,%lld,%lld,orange,", idx[0], (long long)ann.id,
		         (long long)ann.image_id);
		ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "%s vs %s", line, want);
		ck_assert_ptr_nonnull(strstr(line, ",,\n"));
	}
	fclose(fp);
	/* Asking again returns the same open batch. */
	{
		const size_t *again;
		size_t n2;
		size_t first = idx[0];
		ck_assert_int_eq(mc_review_next(rv, &again, &n2, NULL, &err), 0);
		ck_assert_uint_eq(n2, 5);
		ck_assert_uint_eq(again[0], first);
	}
	mc_review_free(rv);
	fx_rmtree(dir);
	free(dir);
	mc_matrix_free(X);
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_csv_actions_apply_and_export)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 2);
	char *dir = fx_scratch("csv"), csv[4300], text[2048], out[4300];
	mc_review *rv = s_session(ds, X, dir, 4, 0);
	size_t apple = fx_class(ds, "apple"), orange = fx_class(ds, "orange"), n, nact;
	const size_t *idx;
	size_t batch[4];
	mc_review_record rec;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
	ck_assert_uint_eq(n, 4);
	memcpy(batch, idx, sizeof batch);
	snprintf(csv, sizeof csv, "%s/edited.csv", dir);
	/* Errors name the file, the line and what was expected; nothing of a
	 * failing file is recorded. */
	snprintf(text, sizeof text,
	         "index,annotation_id,image_id,label,importance,action,new_label\n"
	         "%zu,1,1,orange,0.5,remove,\n%zu,1,1,orange,0.4,relabl,\n", batch[0], batch[1]);
	s_write(csv, text);
	ck_assert_int_eq(mc_review_load_csv(rv, csv, &nact, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "edited.csv: line 3: action \"relabl\": expected keep, "
	                     "remove, relabel or relabel:<class>") != NULL, "%s", err.text);
	ck_assert_uint_eq(mc_review_n_pending(rv), 0);
	mc_error_clear(&err);
	snprintf(text, sizeof text, "index,action,new_label\n%zu,relabel,appel\n", batch[0]);
	s_write(csv, text);
	ck_assert_int_eq(mc_review_load_csv(rv, csv, &nact, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "line 2: unknown class \"appel\"") != NULL, "%s", err.text);
	mc_error_clear(&err);
	snprintf(text, sizeof text, "index,action,new_label\n%zu,relabel,\n", batch[0]);
	s_write(csv, text);
	ck_assert_int_eq(mc_review_load_csv(rv, csv, &nact, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "line 2: action \"relabel\" needs the new class in column "
	                     "\"new_label\"") != NULL, "%s", err.text);
	mc_error_clear(&err);
	s_write(csv, "index,action\n99999,keep\n");
	ck_assert_int_eq(mc_review_load_csv(rv, csv, &nact, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "line 2: index \"99999\": expected an instance index below")
	              != NULL, "%s", err.text);
	mc_error_clear(&err);
	s_write(csv, "id,what\n1,2\n");
	ck_assert_int_eq(mc_review_load_csv(rv, csv, &nact, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, "line 1: expected a header with the columns \"index\" and "
	                     "\"action\"") != NULL, "%s", err.text);
	ck_assert_uint_eq(mc_review_n_pending(rv), 0);
	/* A good file: quoted fields, relabel:<class>, an empty action. */
	mc_error_clear(&err);
	snprintf(text, sizeof text,
	         "index,annotation_id,image_id,label,importance,action,new_label\n"
	         "%zu,1,1,\"orange\",0.5,relabel,apple\n"
	         "%zu,1,1,orange,0.4,remove,\n"
	         "%zu,1,1,orange,0.3,,\n"
	         "%zu,1,1,orange,0.2,\"relabel:banana\",\n", batch[0], batch[1], batch[2], batch[3]);
	s_write(csv, text);
	ck_assert_msg(mc_review_load_csv(rv, csv, &nact, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(nact, 3);
	ck_assert_uint_eq(mc_review_n_pending(rv), 3);
	/* A command replaces the CSV's action for batch[3]. */
	ck_assert_int_eq(mc_review_act(rv, batch[3], MC_ACT_KEEP, 0, &err), 0);
	ck_assert_int_eq(mc_review_act(rv, 100000, MC_ACT_KEEP, 0, &err), MC_ERR_INVALID);
	mc_error_clear(&err);
	ck_assert_msg(mc_review_apply(rv, &rec, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(rec.iteration, 1);
	ck_assert_uint_eq(rec.reviewed, 4);
	ck_assert_uint_eq(rec.fixed, 1);
	ck_assert_uint_eq(rec.removed, 1);
	ck_assert(rec.auc > 0 && rec.auc <= 1);
	ck_assert_int_eq(mc_review_labels(rv)[batch[0]], (int64_t)apple);
	ck_assert(mc_review_weights(rv)[batch[1]] == 0);
	ck_assert_int_eq(mc_review_labels(rv)[batch[3]], (int64_t)orange);
	/* The service was updated. */
	ck_assert_int_eq(mc_coreset_labels(mc_review_service(rv))[batch[0]], (int64_t)apple);
	ck_assert(mc_coreset_importance(mc_review_service(rv))[batch[1]] == 0);
	ck_assert_int_eq(mc_review_apply(rv, &rec, NULL, &err), MC_ERR_STATE);
	mc_error_clear(&err);
	/* Next batch: the other unseen oranges only. */
	ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
	ck_assert_uint_eq(n, 4);
	for (size_t k = 0; k < n; k++)
		for (size_t q = 0; q < 4; q++)
			ck_assert(idx[k] != batch[q]);
	/* Export: corrected COCO JSON and the corrections log. */
	snprintf(out, sizeof out, "%s/corrected.json", dir);
	ck_assert_msg(mc_review_export(rv, out, NULL, &err) == 0, "%s", err.text);
	{
		mc_coco *back = NULL;
		mc_coco_options co = { mc_coco_images_dir(ds), 0, NULL };
		mc_coco_ann a0, a1;
		size_t k;
		ck_assert_msg(mc_coco_load(&back, out, &co, &err) == 0, "%s", err.text);
		ck_assert_uint_eq(mc_coco_n_instances(back), mc_coco_n_instances(ds) - 1);
		mc_coco_instance(ds, batch[0], &a0);
		mc_coco_instance(ds, batch[1], &a1);
		ck_assert_int_eq(mc_coco_find_annotation(&k, back, a0.id, &err), 0);
		mc_coco_annotation(back, k, &a0);
		ck_assert_str_eq(mc_coco_class_name(back, a0.class_index), "apple");
		ck_assert_int_eq(mc_coco_find_annotation(&k, back, a1.id, &err), MC_ERR_NOTFOUND);
		mc_coco_free(back);
	}
	snprintf(out, sizeof out, "%s/corrected.corrections.csv", dir);
	ck_assert_uint_eq(s_lines(out), 3);
	mc_review_free(rv);
	fx_rmtree(dir);
	free(dir);
	mc_matrix_free(X);
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_plateau_and_resume)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 3);
	char *dir = fx_scratch("plateau");
	mc_review *rv = s_session(ds, X, dir, 2, 0), *back = NULL;
	mc_review_opts o;
	const size_t *idx;
	size_t n, nh, nh2;
	const mc_review_record *h, *h2;
	mc_error err;

	mc_error_clear(&err);
	/* Needs window + 1 = 3 records before it can hold. */
	ck_assert_int_eq(mc_review_plateau(rv), 0);
	for (int it = 0; it < 2; it++) {
		ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
		ck_assert_int_eq(mc_review_act(rv, idx[0], MC_ACT_REMOVE, 0, &err), 0);
		ck_assert_int_eq(mc_review_apply(rv, NULL, NULL, &err), 0);
	}
	h = mc_review_history(rv, &nh);
	ck_assert_uint_eq(nh, 3);
	ck_assert_int_eq(mc_review_plateau(rv),
	                 h[2].auc - h[0].auc < mc_review_options(rv)->plateau_threshold);
	/* The same session from disk (as after a kernel restart). */
	ck_assert_msg(mc_review_resume(&back, dir, NULL, NULL, &err) == 0, "%s", err.text);
	h2 = mc_review_history(back, &nh2);
	ck_assert_uint_eq(nh2, nh);
	ck_assert_mem_eq(h, h2, nh * sizeof *h);
	ck_assert_mem_eq(mc_review_weights(rv), mc_review_weights(back),
	                 mc_review_n_instances(rv) * sizeof(double));
	ck_assert_uint_eq(mc_review_n_seen(back), 4);
	ck_assert_int_eq(mc_review_plateau(back), mc_review_plateau(rv));
	mc_review_free(back);
	mc_review_free(rv);
	/* Same class with other options is refused too. */
	mc_review_opts_default(&o);
	o.dir = dir;
	o.class_of_interest = fx_class(ds, "orange");
	o.n = 7;
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "other options (n, method)"));
	mc_error_clear(&err);
	/* Another class in the same folder is refused; restart discards. */
	mc_review_opts_default(&o);
	o.dir = dir;
	o.class_of_interest = fx_class(ds, "apple");
	o.export_images = 0;
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "holds a review session for another dataset or "
	                             "class"));
	mc_error_clear(&err);
	o.restart = 1;
	o.folds = 3;
	ck_assert_msg(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_review_n_seen(rv), 0);
	mc_review_free(rv);
	/* No session at all. */
	ck_assert_int_eq(mc_review_resume(&rv, "/nonexistent-review", NULL, NULL, &err),
	                 MC_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.text, "no review session here"));
	fx_rmtree(dir);
	free(dir);
	mc_matrix_free(X);
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_simulated_reviewer_on_demo)
{
	char *dir = fx_scratch("demo"), sdir[4300];
	mc_demo_opts dopt;
	mc_demo_result *demo = NULL;
	mc_coco *ds = NULL;
	mc_matrix *X = NULL;
	mc_review_opts o;
	mc_review *rv = NULL;
	json_t *gt;
	json_error_t jerr;
	const size_t *idx;
	size_t n, nact, want_fix = 0, want_rm = 0, coi = 0, best = 0;
	mc_review_record rec;
	mc_error err;

	mc_error_clear(&err);
	mc_demo_opts_default(&dopt);
	dopt.n_images = getenv("MC_VALGRIND") ? 10 : 24;
	dopt.image_size = 64;
	dopt.error_rate = 0.3;
	ck_assert_msg(mc_demo_make(&demo, dir, &dopt, NULL, &err) == 0, "%s", err.text);
	{
		mc_coco_options co = { demo->images, 0, NULL };
		ck_assert_msg(mc_coco_load(&ds, demo->annotations, &co, &err) == 0, "%s", err.text);
	}
	ck_assert_msg(mc_embed_dataset(&X, ds, NULL, 16, MC_EMBED_HOG, NULL, &err) == 0, "%s",
	              err.text);
	/* The class of interest: the one with most instances. */
	for (size_t k = 0; k < mc_coco_n_classes(ds); k++)
		if (mc_coco_class_count(ds, k) > best) {
			best = mc_coco_class_count(ds, k);
			coi = k;
		}
	mc_review_opts_default(&o);
	snprintf(sdir, sizeof sdir, "%s/session", dir);
	o.dir = sdir;
	o.class_of_interest = coi;
	o.n = 1000;
	o.folds = 2;
	o.export_images = 0;
	ck_assert_msg(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	ck_assert_int_eq(mc_review_simulate(rv, demo->ground_truth, &nact, &err), MC_ERR_STATE);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
	ck_assert_uint_eq(n, best);
	ck_assert_msg(mc_review_simulate(rv, demo->ground_truth, &nact, &err) == 0, "%s",
	              err.text);
	ck_assert_uint_eq(nact, n);
	/* What the ground truth says about the batch. */
	gt = json_load_file(demo->ground_truth, 0, &jerr);
	ck_assert_ptr_nonnull(gt);
	for (size_t k = 0; k < n; k++) {
		mc_coco_ann ann;
		json_t *a;
		const char *fix;
		mc_coco_instance(ds, idx[k], &ann);
		a = json_array_get(json_object_get(gt, "annotations"), (size_t)ann.id - 1);
		ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), ann.id);
		fix = json_string_value(json_object_get(a, "fix"));
		want_fix += strcmp(fix, "relabel") == 0;
		want_rm += strcmp(fix, "remove") == 0;
		if (strcmp(fix, "relabel") == 0) {
			mc_review_action act;
			size_t cls;
			ck_assert(mc_review_pending(rv, idx[k], &act, &cls));
			ck_assert_int_eq(act, MC_ACT_RELABEL);
			ck_assert_str_eq(mc_coco_class_name(ds, cls),
			                 json_string_value(json_object_get(a, "true_class")));
		}
	}
	json_decref(gt);
	ck_assert_uint_gt(want_fix + want_rm, 0);
	ck_assert_int_eq(mc_review_apply(rv, &rec, NULL, &err), 0);
	ck_assert_uint_eq(rec.fixed, want_fix);
	ck_assert_uint_eq(rec.removed, want_rm);
	/* Not a ground-truth file. */
	ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
	ck_assert_uint_eq(n, 0);
	mc_review_free(rv);
	mc_matrix_free(X);
	mc_coco_free(ds);
	mc_demo_result_free(demo);
	fx_rmtree(dir);
	free(dir);
}
END_TEST

/* Rendering loads fontconfig and Cairo caches: release them in the process
 * that ran the test, so leak checkers see a clean exit. */
static void s_teardown(void)
{
	mc_canvas_shutdown();
	FcFini();
}

static Suite *s_suite(void)
{
	Suite *s = suite_create("review");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, NULL, s_teardown);
	tcase_add_test(tc, test_batch_export);
	tcase_add_test(tc, test_csv_actions_apply_and_export);
	tcase_add_test(tc, test_plateau_and_resume);
	tcase_add_test(tc, test_simulated_reviewer_on_demo);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(s_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
