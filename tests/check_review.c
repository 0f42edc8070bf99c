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
#include "suite_run.h"

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

/* A session over classes (names, NULL-terminated; NULL: every class). */
static mc_review *s_open(mc_coco *ds, mc_matrix *X, const char *dir, const char *const *names,
                         size_t n, int images, mc_error *err)
{
	mc_review_opts o;
	mc_review *rv = NULL;
	size_t cls[8], m = 0;

	for (; names && names[m]; m++)
		cls[m] = fx_class(ds, names[m]);
	mc_review_opts_init(&o);
	o.dir = dir;
	o.classes = cls;
	o.n_classes = m;
	o.n = n;
	o.folds = 3;
	o.export_images = images;
	o.image_size = 48;
	mc_error_clear(err);
	if (mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, err) != 0)
		return NULL;
	return rv;
}

static mc_review *s_session(mc_coco *ds, mc_matrix *X, const char *dir, size_t n, int images)
{
	static const char *const orange[] = { "orange", NULL };
	mc_error err;
	mc_review *rv = s_open(ds, X, dir, orange, n, images, &err);
	ck_assert_msg(rv != NULL, "%s", err.text);
	return rv;
}

/* The annotation id of instance row i. */
static int64_t s_id(const mc_coco *ds, size_t i)
{
	mc_coco_ann ann;
	mc_coco_instance(ds, i, &ann);
	return ann.id;
}

/* An instance of class name that is not in the open batch. */
static int64_t s_outside(mc_review *rv, const char *name)
{
	const mc_coco *ds = mc_review_dataset(rv);
	size_t k = fx_class(ds, name), n;
	const int64_t *b = mc_review_batch(rv, &n);

	for (size_t i = 0; i < mc_review_n_instances(rv); i++) {
		int in = 0;
		if ((size_t)mc_review_labels(rv)[i] != k)
			continue;
		for (size_t q = 0; q < n; q++)
			in |= b[q] == s_id(ds, i);
		if (!in)
			return s_id(ds, i);
	}
	ck_abort_msg("no %s outside the batch", name);
	return -1;
}

START_TEST(test_ids_shown_are_ids_accepted)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 1);
	char *dir = fx_scratch("export"), path[4300], line[512];
	mc_review *rv = s_session(ds, X, dir, 5, 1);
	size_t orange = fx_class(ds, "orange"), n, nh, row;
	const int64_t *ids;
	const mc_review_record *h;
	FILE *fp;
	mc_error err;

	mc_error_clear(&err);
	/* The baseline is the first history record. */
	h = mc_review_history(rv, &nh);
	ck_assert_uint_eq(nh, 1);
	ck_assert_uint_eq(h[0].reviewed, 0);
	ck_assert(h[0].auc > 0 && h[0].auc <= 1);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 5);
	for (size_t k = 0; k < n; k++) {
		mc_image *png = NULL;
		char *p = mc_review_png_path(rv, k), want[64];
		ck_assert_int_eq(mc_review_row(&row, rv, ids[k], &err), 0);
		ck_assert_int_eq(mc_review_labels(rv)[row], (int64_t)orange);
		ck_assert_int_eq(mc_review_batch_rows(rv)[k], row);
		ck_assert(mc_review_is_seen(rv, ids[k]));
		if (k)
			ck_assert(mc_review_batch_scores(rv)[k] <= mc_review_batch_scores(rv)[k - 1]);
		/* The PNG is named by the annotation id, three views side by side. */
		snprintf(want, sizeof want, "/%lld.png", (long long)ids[k]);
		ck_assert_msg(strstr(p, want) != NULL, "%s lacks %s", p, want);
		ck_assert_msg(mc_image_load(&png, p, &err) == 0, "%s", err.text);
		ck_assert_int_gt(png->width, png->height);
		mc_image_free(png);
		free(p);
	}
	/* The CSV names the same ids, with the label, the model's suggestion
	 * and the score. */
	snprintf(path, sizeof path, "%s/iter_001/review.csv", dir);
	ck_assert_uint_eq(s_lines(path), 6);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	ck_assert_str_eq(line, "annotation_id,image_id,label,suggested,probability,score,action,"
	                 "new_label\n");
	for (size_t k = 0; k < n; k++) {
		mc_coco_ann ann;
		char want[128];
		ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
		mc_review_row(&row, rv, ids[k], &err);
		mc_coco_instance(ds, row, &ann);
		snprintf(want, sizeof want, "%lld,%lld,orange,", (long long)ids[k],
		         (long long)ann.image_id);
		ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "%s vs %s", line, want);
		ck_assert_ptr_nonnull(strstr(line, ",,\n"));
	}
	fclose(fp);
	/* What the CSV shows is what act() takes: a decision by id lands on
	 * that sample, and a row index is not an id. */
	ck_assert_int_eq(mc_review_act(rv, &ids[2], 1, MC_ACT_REMOVE, 0, &err), 0);
	{
		mc_review_action a;
		ck_assert(mc_review_pending(rv, ids[2], &a, NULL, NULL));
		ck_assert_int_eq(a, MC_ACT_REMOVE);
		ck_assert(!mc_review_pending(rv, ids[1], NULL, NULL, NULL));
	}
	{
		int64_t r = (int64_t)mc_review_batch_rows(rv)[0];
		ck_assert_int_ne(mc_review_act(rv, &r, 1, MC_ACT_KEEP, 0, &err), 0);
		mc_error_clear(&err);
	}
	/* Asking again returns the same open batch. */
	{
		const int64_t *again;
		size_t n2;
		int64_t first = ids[0];
		ck_assert_int_eq(mc_review_next(&again, &n2, rv, NULL, &err), 0);
		ck_assert_uint_eq(n2, 5);
		ck_assert_int_eq(again[0], first);
	}
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

START_TEST(test_actions_outside_the_batch)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 5);
	char *dir = fx_scratch("outside");
	mc_review *rv = s_session(ds, X, dir, 3, 0);
	size_t apple = fx_class(ds, "apple"), n, nc, row;
	const int64_t *ids;
	int64_t car, missing = 1, batch0;
	const mc_review_change *ch;
	mc_review_record rec;
	int out;
	mc_error err;

	mc_error_clear(&err);
	car = s_outside(rv, "person");
	/* No batch yet: an action says so and points at fix(). */
	ck_assert_int_eq(mc_review_act(rv, &car, 1, MC_ACT_REMOVE, 0, &err), MC_ERR_STATE);
	ck_assert_msg(strstr(err.text, "no batch is open") && strstr(err.text, "fix("), "%s",
	              err.text);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 3);
	batch0 = ids[0];
	/* A sample outside the batch is refused, naming the batch. */
	ck_assert_int_eq(mc_review_act(rv, &car, 1, MC_ACT_REMOVE, 0, &err), MC_ERR_INVALID);
	ck_assert_msg(strstr(err.text, "is not in the open batch (iteration 1, 3 samples") != NULL,
	              "%s", err.text);
	ck_assert_ptr_nonnull(strstr(err.text, "fix("));
	mc_error_clear(&err);
	/* A list with one outsider records nothing. */
	{
		int64_t two[2] = { ids[0], car };
		ck_assert_int_eq(mc_review_act(rv, two, 2, MC_ACT_KEEP, 0, &err), MC_ERR_INVALID);
		ck_assert_uint_eq(mc_review_n_pending(rv), 0);
		mc_error_clear(&err);
	}
	/* An unknown id is not found. */
	while (mc_review_row(&row, rv, missing, NULL) == 0)
		missing++;
	ck_assert_int_eq(mc_review_act(rv, &missing, 1, MC_ACT_KEEP, 0, &err), MC_ERR_NOTFOUND);
	mc_error_clear(&err);
	/* fix() takes the outsider, not a sample of the batch. */
	ck_assert_int_eq(mc_review_fix(rv, &batch0, 1, MC_ACT_REMOVE, 0, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "decide it with keep, relabel or remove"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_fix(rv, &car, 1, MC_ACT_RELABEL, apple, &err), 0);
	ck_assert(mc_review_pending(rv, car, NULL, NULL, &out));
	ck_assert_int_eq(out, 1);
	ck_assert(mc_review_is_seen(rv, car));
	/* apply: refused while the batch is undecided, saying how many and how
	 * to settle them. */
	ck_assert_int_eq(mc_review_act(rv, &ids[1], 1, MC_ACT_REMOVE, 0, &err), 0);
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err), MC_ERR_STATE);
	ck_assert_msg(strstr(err.text, "2 of the 3 samples of the open batch (iteration 1) have no "
	                     "decision") && strstr(err.text, "keep_rest()") &&
	              strstr(err.text, "apply(rest=\"keep\")"), "%s", err.text);
	mc_error_clear(&err);
	ck_assert_uint_eq(mc_review_history(rv, &nc)[0].iteration, 0);
	ck_assert_uint_eq(nc, 1);
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_KEEP, NULL, &err), 0);
	ck_assert_uint_eq(rec.reviewed, 3);
	ck_assert_uint_eq(rec.removed, 1);
	ck_assert_uint_eq(rec.relabeled, 0);
	ck_assert_uint_eq(rec.fixed, 1);
	ck_assert_uint_eq(rec.outside, 1);
	mc_review_row(&row, rv, car, &err);
	ck_assert_int_eq(mc_review_labels(rv)[row], (int64_t)apple);
	/* The changes log says which was a fix outside the batch. */
	ch = mc_review_changes(rv, &nc);
	ck_assert_uint_eq(nc, 2);
	for (size_t k = 0; k < nc; k++) {
		ck_assert_int_eq(ch[k].outside, ch[k].ann_id == car);
		ck_assert_int_eq(ch[k].action, ch[k].ann_id == car ? MC_ACT_RELABEL : MC_ACT_REMOVE);
	}
	/* A fix with no batch open is applied alone. */
	{
		int64_t other = s_outside(rv, "chair");
		ck_assert_int_eq(mc_review_fix(rv, &other, 1, MC_ACT_REMOVE, 0, &err), 0);
		ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err), 0);
		ck_assert_uint_eq(rec.reviewed, 0);
		ck_assert_uint_eq(rec.outside, 1);
	}
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

/* Loads text as the CSV and expects a parse error containing want. */
static void s_bad_csv(mc_review *rv, const char *csv, const char *text, const char *want)
{
	mc_review_csv_counts c;
	mc_error err;

	mc_error_clear(&err);
	s_write(csv, text);
	ck_assert_int_eq(mc_review_load_csv(&c, rv, csv, &err), MC_ERR_PARSE);
	ck_assert_msg(strstr(err.text, want) != NULL, "%s\n  lacks: %s", err.text, want);
	ck_assert_ptr_nonnull(strstr(err.text, "edited.csv: line "));
	ck_assert_uint_eq(mc_review_n_pending(rv), 0);
}

START_TEST(test_csv_rows_apply_and_export)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 2);
	char *dir = fx_scratch("csv"), csv[4300], text[4096], out[4300], line[512];
	mc_review *rv = s_session(ds, X, dir, 4, 0);
	size_t apple = fx_class(ds, "apple"), orange = fx_class(ds, "orange"), n, row;
	const int64_t *ids;
	int64_t b[4], car;
	long long unknown = 1;
	mc_review_csv_counts cnt;
	mc_review_record rec;
	FILE *fp;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 4);
	memcpy(b, ids, sizeof b);
	car = s_outside(rv, "person");
	while (mc_review_row(&row, rv, unknown, NULL) == 0)
		unknown++;
	snprintf(csv, sizeof csv, "%s/edited.csv", dir);
	/* Each bad row names its line, and nothing of the file is recorded. */
	snprintf(text, sizeof text, "annotation_id,action,new_label\n%lld,remove,\n%lld,relabl,\n",
	         (long long)b[0], (long long)b[1]);
	s_bad_csv(rv, csv, text, "line 3: action \"relabl\": expected keep, remove, relabel or "
	          "relabel:<class>");
	snprintf(text, sizeof text, "annotation_id,action,new_label\n%lld,,apple\n",
	         (long long)b[0]);
	s_bad_csv(rv, csv, text, "line 2: new_label \"apple\" without an action");
	snprintf(text, sizeof text, "annotation_id,action,new_label\n%lld,keep,apple\n",
	         (long long)b[0]);
	s_bad_csv(rv, csv, text, "line 2: action \"keep\" with new_label \"apple\"");
	snprintf(text, sizeof text, "annotation_id,action,new_label\n%lld,keep,\n%lld,relabel,appel"
	         "\n", (long long)b[1], (long long)b[0]);
	s_bad_csv(rv, csv, text, "line 3: unknown class \"appel\"");
	snprintf(text, sizeof text, "annotation_id,action,new_label\n%lld,relabel,\n",
	         (long long)b[0]);
	s_bad_csv(rv, csv, text, "line 2: action \"relabel\" needs the new class");
	snprintf(text, sizeof text, "annotation_id,action\n%lld,keep\n%lld,keep\n",
	         (long long)b[0], unknown);
	s_bad_csv(rv, csv, text, "line 3: annotation ");
	ck_assert_ptr_nonnull(strstr(text, "keep"));
	snprintf(text, sizeof text, "annotation_id,action\n%lld,keep\n%lld,remove\n%lld,keep\n",
	         (long long)b[0], (long long)b[1], (long long)b[0]);
	s_bad_csv(rv, csv, text, "line 4: annotation ");
	s_bad_csv(rv, csv, text, "appears again (first on line 2)");
	snprintf(text, sizeof text, "annotation_id,action\n%lld,remove\n", (long long)car);
	s_bad_csv(rv, csv, text, "line 2: annotation ");
	s_bad_csv(rv, csv, text, "is not in the open batch (iteration 1");
	s_bad_csv(rv, csv, "index,action\n1,keep\n", "line 1: expected a header with the columns "
	          "\"annotation_id\" and \"action\"");
	/* A good file: quoted fields, relabel:<class>, an undecided row; the
	 * counts per action. */
	snprintf(text, sizeof text,
	         "annotation_id,image_id,label,suggested,probability,score,action,new_label\n"
	         "%lld,1,\"orange\",x,0.5,0.5,relabel,apple\n"
	         "%lld,1,orange,x,0.5,0.4,remove,\n"
	         "%lld,1,orange,x,0.5,0.3,,\n"
	         "%lld,1,orange,x,0.5,0.2,\"relabel:banana\",\n", (long long)b[0], (long long)b[1],
	         (long long)b[2], (long long)b[3]);
	s_write(csv, text);
	ck_assert_msg(mc_review_load_csv(&cnt, rv, csv, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(cnt.relabel, 2);
	ck_assert_uint_eq(cnt.remove, 1);
	ck_assert_uint_eq(cnt.keep, 0);
	ck_assert_uint_eq(cnt.undecided, 1);
	ck_assert_uint_eq(mc_review_n_pending(rv), 3);
	/* A command replaces the CSV's decision for b[3]. */
	ck_assert_int_eq(mc_review_act(rv, &b[3], 1, MC_ACT_KEEP, 0, &err), 0);
	/* One sample is still undecided. */
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "1 of the 4 samples"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_export(rv, csv, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "not applied yet"));
	mc_error_clear(&err);
	{
		size_t kept;
		ck_assert_int_eq(mc_review_keep_rest(&kept, rv, &err), 0);
		ck_assert_uint_eq(kept, 1);
	}
	ck_assert_msg(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(rec.iteration, 1);
	ck_assert_uint_eq(rec.reviewed, 4);
	ck_assert_uint_eq(rec.relabeled, 1);
	ck_assert_uint_eq(rec.removed, 1);
	ck_assert_uint_eq(rec.fixed, 2);
	ck_assert(rec.auc > 0 && rec.auc <= 1);
	ck_assert(isnan(rec.random_found));
	mc_review_row(&row, rv, b[0], &err);
	ck_assert_int_eq(mc_review_labels(rv)[row], (int64_t)apple);
	ck_assert_int_eq(mc_coreset_labels(mc_review_service(rv))[row], (int64_t)apple);
	mc_review_row(&row, rv, b[1], &err);
	ck_assert(mc_review_weights(rv)[row] == 0);
	ck_assert(mc_coreset_importance(mc_review_service(rv))[row] == 0);
	mc_review_row(&row, rv, b[3], &err);
	ck_assert_int_eq(mc_review_labels(rv)[row], (int64_t)orange);
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err), MC_ERR_STATE);
	mc_error_clear(&err);
	/* Next batch: the other unseen oranges only. */
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 4);
	for (size_t k = 0; k < n; k++)
		for (size_t q = 0; q < 4; q++)
			ck_assert(ids[k] != b[q]);
	ck_assert_int_eq(mc_review_keep_rest(NULL, rv, &err), 0);
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err), 0);
	/* Export: corrected COCO JSON and the corrections log naming it. */
	snprintf(out, sizeof out, "%s/corrected.json", dir);
	ck_assert_msg(mc_review_export(rv, out, NULL, &err) == 0, "%s", err.text);
	{
		mc_coco *back = NULL;
		mc_coco_options co = { mc_coco_images_dir(ds), 0, NULL };
		mc_coco_ann a0;
		size_t k;
		ck_assert_msg(mc_coco_load(&back, out, &co, &err) == 0, "%s", err.text);
		ck_assert_uint_eq(mc_coco_n_instances(back), mc_coco_n_instances(ds) - 1);
		ck_assert_int_eq(mc_coco_find_annotation(&k, back, b[0], &err), 0);
		mc_coco_annotation(back, k, &a0);
		ck_assert_str_eq(mc_coco_class_name(back, a0.class_index), "apple");
		ck_assert_int_eq(mc_coco_find_annotation(&k, back, b[1], &err), MC_ERR_NOTFOUND);
		mc_coco_free(back);
	}
	snprintf(out, sizeof out, "%s/corrected.corrections.csv", dir);
	ck_assert_uint_eq(s_lines(out), 4);
	fp = fopen(out, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	ck_assert_msg(strncmp(line, "# corrections of corrected.json sha256=", 39) == 0 &&
	              strlen(line) == 39 + 64 + 1, "%s", line);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	ck_assert_str_eq(line, "iteration,annotation_id,image_id,action,old_label,new_label,"
	                 "source\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	snprintf(text, sizeof text, "1,%lld,", (long long)b[0]);
	ck_assert_msg(strncmp(line, text, strlen(text)) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, ",relabel,orange,apple,batch\n"));
	fclose(fp);
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

START_TEST(test_exhausted_class)
{
	static const char *const bowl[] = { "bowl", NULL };
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 6);
	char *dir = fx_scratch("exhausted"), sub[4300];
	size_t count = mc_coco_class_count(ds, fx_class(ds, "bowl")), n, nh;
	const int64_t *ids;
	mc_review_record rec;
	mc_review *rv;
	mc_error err;

	/* The folder is created with its parents. */
	snprintf(sub, sizeof sub, "%s/runs/bowl", dir);
	rv = s_open(ds, X, sub, bowl, 100, 0, &err);
	ck_assert_msg(rv != NULL, "%s", err.text);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, count);
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_KEEP, NULL, &err), 0);
	/* Nothing is left: an empty batch, which simulate and apply accept. */
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert(mc_review_exhausted(rv));
	ck_assert_int_eq(mc_review_keep_rest(&n, rv, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err), 0);
	ck_assert_uint_eq(rec.reviewed, 0);
	ck_assert_uint_eq(rec.iteration, 1);
	mc_review_history(rv, &nh);
	ck_assert_uint_eq(nh, 2);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 0);
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

/* The batch is the top n of the candidates: no unseen sample of a reviewed
 * class scores above its lowest score. */
static void s_assert_top(mc_review *rv, const char *const *names)
{
	const mc_coco *ds = mc_review_dataset(rv);
	const double *sc;
	const double *bs = mc_review_batch_scores(rv);
	size_t n;
	mc_error err;

	mc_error_clear(&err);
	mc_review_batch(rv, &n);
	ck_assert_int_eq(mc_coreset_scores(mc_review_service(rv),
	                                   mc_review_opts_of(rv)->method, &sc, NULL, &err), 0);
	for (size_t k = 0; k < n; k++)
		ck_assert(mc_review_reviews_class(rv,
		                                  (size_t)mc_review_labels(rv)[mc_review_batch_rows(rv)[k]]));
	for (size_t i = 0; i < mc_review_n_instances(rv); i++) {
		size_t c = (size_t)mc_review_labels(rv)[i];
		int64_t id;
		mc_coco_ann ann;
		mc_coco_instance(ds, i, &ann);
		id = ann.id;
		if (!mc_review_reviews_class(rv, c) || mc_review_is_seen(rv, id))
			continue;
		ck_assert_msg(sc[i] <= bs[n - 1], "unseen %lld scores %g above the batch's %g",
		              (long long)id, sc[i], bs[n - 1]);
	}
	for (size_t k = 0; names && names[k]; k++)
		ck_assert(mc_review_reviews_class(rv, fx_class(ds, names[k])));
}

START_TEST(test_several_classes_and_all)
{
	static const char *const two[] = { "person", "orange", NULL };
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 7);
	char *dir = fx_scratch("classes"), sub[4300], text[256];
	const int64_t *ids;
	size_t n;
	mc_review *rv;
	mc_error err;

	/* Two classes (23 samples): the top 20 across them. */
	snprintf(sub, sizeof sub, "%s-two", dir);
	rv = s_open(ds, X, sub, two, 20, 0, &err);
	ck_assert_msg(rv != NULL, "%s", err.text);
	mc_review_classes_text(rv, text, sizeof text);
	ck_assert_str_eq(text, "person, orange");
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 20);
	s_assert_top(rv, two);
	ck_assert(!mc_review_reviews_class(rv, fx_class(ds, "chair")));
	mc_review_free(rv);
	fx_rmtree(sub);
	/* Every class. */
	rv = s_open(ds, X, dir, NULL, 30, 0, &err);
	ck_assert_msg(rv != NULL, "%s", err.text);
	mc_review_classes_text(rv, text, sizeof text);
	ck_assert_str_eq(text, "all classes");
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, 30);
	s_assert_top(rv, NULL);
	ck_assert(isfinite(mc_review_history(rv, &n)[0].auc));
	/* The same folder with other classes is another session. */
	mc_review_free(rv);
	ck_assert_ptr_null(s_open(ds, X, dir, two, 30, 0, &err));
	ck_assert_int_eq(err.code, MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "another dataset or other classes"));
	fx_done(dir, X, ds);
}
END_TEST

START_TEST(test_tied_scores_warn)
{
	static const char *const bowl[] = { "bowl", NULL };
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 8);
	char *dir = fx_scratch("ties");
	double sc[60], value;
	size_t tied, n, nh, k = fx_class(ds, "bowl");
	const int64_t *ids;
	const mc_review_record *h;
	mc_review *rv;
	mc_error err;

	/* More than a quarter of a batch equal: warn; a quarter: not. */
	for (int i = 0; i < 60; i++)
		sc[i] = i < 16 ? 0.5 + i * 1e-12 : 1.0 + i;
	ck_assert_int_eq(mc_review_ties(sc, 60, &tied, &value), 1);
	ck_assert_uint_eq(tied, 16);
	ck_assert_double_eq_tol(value, 0.5, 1e-9);
	sc[15] = 99;
	ck_assert_int_eq(mc_review_ties(sc, 60, &tied, NULL), 0);
	ck_assert_uint_eq(tied, 15);
	ck_assert_int_eq(mc_review_ties(sc, 1, &tied, NULL), 0);
	/* A class whose samples look the same to the features: every score
	 * ties, whatever the method; the batch and its history record say so. */
	for (size_t i = 0; i < mc_coco_n_instances(ds); i++) {
		mc_coco_ann ann;
		mc_coco_instance(ds, i, &ann);
		if (ann.class_index == k)
			for (size_t j = 0; j < X->cols; j++)
				MC_AT(X, i, j) = j == 0 ? 3.0 : 0.5;
	}
	rv = s_open(ds, X, dir, bowl, 4, 0, &err);
	ck_assert_msg(rv != NULL, "%s", err.text);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, mc_coco_class_count(ds, k));
	ck_assert_uint_ge(n, 2);
	ck_assert_uint_eq(mc_review_batch_tied(rv), n);
	ck_assert_int_eq(mc_review_ties(mc_review_batch_scores(rv), n, NULL, NULL), 1);
	ck_assert_int_eq(mc_review_apply(NULL, rv, MC_REST_KEEP, NULL, &err), 0);
	h = mc_review_history(rv, &nh);
	ck_assert_uint_eq(h[1].tied, n);
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

START_TEST(test_plateau_resume_restart)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 3);
	char *dir = fx_scratch("plateau"), path[4300];
	mc_review *rv = s_session(ds, X, dir, 2, 0), *back = NULL;
	mc_review_opts o;
	size_t apple = fx_class(ds, "apple");
	const int64_t *ids;
	size_t n, nh, nh2;
	const mc_review_record *h, *h2;
	mc_error err;

	mc_error_clear(&err);
	/* Needs window + 1 = 3 records before it can hold. */
	ck_assert_int_eq(mc_review_plateau(rv), 0);
	for (int it = 0; it < 2; it++) {
		ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
		ck_assert_int_eq(mc_review_act(rv, &ids[0], 1, MC_ACT_REMOVE, 0, &err), 0);
		ck_assert_int_eq(mc_review_act(rv, &ids[1], 1, MC_ACT_RELABEL, apple, &err), 0);
		ck_assert_int_eq(mc_review_apply(NULL, rv, MC_REST_REFUSE, NULL, &err), 0);
	}
	h = mc_review_history(rv, &nh);
	ck_assert_uint_eq(nh, 3);
	ck_assert_int_eq(mc_review_plateau(rv),
	                 h[2].auc - h[0].auc < mc_review_opts_of(rv)->plateau_threshold);
	/* The same session from disk (as after a kernel restart): this process
	 * supersedes the older handle. */
	ck_assert_msg(mc_review_resume(&back, dir, NULL, NULL, &err) == 0, "%s", err.text);
	ck_assert_ptr_null(mc_review_notice(back));
	h2 = mc_review_history(back, &nh2);
	ck_assert_uint_eq(nh2, nh);
	ck_assert_mem_eq(h, h2, nh * sizeof *h);
	ck_assert_mem_eq(mc_review_weights(rv), mc_review_weights(back),
	                 mc_review_n_instances(rv) * sizeof(double));
	ck_assert_uint_eq(mc_review_n_seen(back), 4);
	ck_assert_int_eq(mc_review_plateau(back), mc_review_plateau(rv));
	{
		size_t nc, nc2;
		const mc_review_change *c = mc_review_changes(rv, &nc);
		const mc_review_change *c2 = mc_review_changes(back, &nc2);
		ck_assert_uint_eq(nc, 4);
		ck_assert_uint_eq(nc2, nc);
		ck_assert_mem_eq(c, c2, nc * sizeof *c);
	}
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "superseded"));
	mc_error_clear(&err);
	mc_review_free(back);
	mc_review_free(rv);
	/* Same class with other options is refused too. */
	mc_review_opts_init(&o);
	o.dir = dir;
	o.classes = (size_t[]){ fx_class(ds, "orange") };
	o.n_classes = 1;
	o.n = 7;
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "other options (n, method)"));
	mc_error_clear(&err);
	/* Another class in the same folder is refused; restart puts the old
	 * session aside, whole. */
	o.classes = (size_t[]){ apple };
	o.n = 60;
	o.export_images = 0;
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "holds a review session for another dataset or "
	                             "other classes"));
	mc_error_clear(&err);
	o.restart = 1;
	o.folds = 3;
	o.classes = (size_t[]){ fx_class(ds, "person") };
	ck_assert_msg(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_review_n_seen(rv), 0);
	mc_review_free(rv);
	snprintf(path, sizeof path, "%s/discarded-1/journal.mcj", dir);
	ck_assert_int_eq(access(path, R_OK), 0);
	ck_assert_msg(mc_review_resume(&back, path, NULL, NULL, &err) == MC_ERR_NOTFOUND, "%s",
	              err.text);
	mc_error_clear(&err);
	snprintf(path, sizeof path, "%s/discarded-1", dir);
	ck_assert_msg(mc_review_resume(&back, path, ds, NULL, &err) == 0, "%s", err.text);
	mc_review_history(back, &nh2);
	ck_assert_uint_eq(nh2, 3);
	mc_review_free(back);
	/* No session at all. */
	ck_assert_int_eq(mc_review_resume(&rv, "/nonexistent-review", NULL, NULL, &err),
	                 MC_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.text, "no review session here"));
	fx_done(dir, X, ds);
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
	json_t *gt, *anns;
	json_error_t jerr;
	const int64_t *ids;
	size_t n, nact, want_fix = 0, want_rm = 0, coi = 0, best = 0, pool = 0, errors = 0;
	mc_review_record rec;
	mc_error err;

	mc_error_clear(&err);
	mc_demo_opts_init(&dopt);
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
	mc_review_opts_init(&o);
	snprintf(sdir, sizeof sdir, "%s/session", dir);
	o.dir = sdir;
	o.classes = &coi;
	o.n_classes = 1;
	o.n = best / 2;
	o.folds = 2;
	o.export_images = 0;
	ck_assert_msg(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	ck_assert_int_eq(mc_review_simulate(&nact, rv, demo->ground_truth, &err), MC_ERR_STATE);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_uint_eq(n, best / 2);
	ck_assert_msg(mc_review_simulate(&nact, rv, demo->ground_truth, &err) == 0, "%s",
	              err.text);
	ck_assert_uint_eq(nact, n);
	/* What the ground truth says about the batch, and about the class it
	 * was drawn from (random's expectation). */
	gt = json_load_file(demo->ground_truth, 0, &jerr);
	ck_assert_ptr_nonnull(gt);
	anns = json_object_get(gt, "annotations");
	for (size_t q = 0; q < json_array_size(anns); q++) {
		json_t *a = json_array_get(anns, q);
		const char *fix = json_string_value(json_object_get(a, "fix"));
		int64_t id = json_integer_value(json_object_get(a, "id"));
		size_t row;
		int in = 0;
		if (mc_review_row(&row, rv, id, NULL) != 0 || (size_t)mc_review_labels(rv)[row] != coi)
			continue;
		pool++;
		errors += strcmp(fix, "keep") != 0;
		for (size_t k = 0; k < n; k++)
			in |= ids[k] == id;
		if (!in)
			continue;
		want_fix += strcmp(fix, "relabel") == 0;
		want_rm += strcmp(fix, "remove") == 0;
		if (strcmp(fix, "relabel") == 0) {
			mc_review_action act;
			size_t cls;
			ck_assert(mc_review_pending(rv, id, &act, &cls, NULL));
			ck_assert_int_eq(act, MC_ACT_RELABEL);
			ck_assert_str_eq(mc_coco_class_name(ds, cls),
			                 json_string_value(json_object_get(a, "true_class")));
		}
	}
	json_decref(gt);
	ck_assert_uint_eq(pool, best);
	ck_assert_uint_gt(want_fix + want_rm, 0);
	ck_assert_int_eq(mc_review_apply(&rec, rv, MC_REST_REFUSE, NULL, &err), 0);
	ck_assert_uint_eq(rec.relabeled, want_fix);
	ck_assert_uint_eq(rec.removed, want_rm);
	ck_assert_uint_eq(rec.fixed, want_fix + want_rm);
	ck_assert_double_eq_tol(rec.random_found, (double)n * (double)errors / (double)pool, 1e-9);
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
	tcase_add_test(tc, test_ids_shown_are_ids_accepted);
	tcase_add_test(tc, test_actions_outside_the_batch);
	tcase_add_test(tc, test_csv_rows_apply_and_export);
	tcase_add_test(tc, test_exhausted_class);
	tcase_add_test(tc, test_several_classes_and_all);
	tcase_add_test(tc, test_tied_scores_warn);
	tcase_add_test(tc, test_plateau_resume_restart);
	tcase_add_test(tc, test_simulated_reviewer_on_demo);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
