/* Tests of the COCO loader and exporter (runtime/coco.c, runtime/coco_write.c)
 * on the real files in tests/data/coco (tinycoco, cocoapi), our labelme-style
 * export and the hand-made files (good.json and one bad file per kind of
 * error). */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maskclean/coco.h"
#include "maskclean/rle.h"
#include "durability_fixture.h"
#include "suite_run.h"
#include "testutil.h"

static char s_tmpdir[4096];

/* tests/data/coco/name (tests/testutil.h's tu_data: in a buffer the next
 * call reuses; the test fails when it is missing). */
static const char *fixture(const char *name)
{
	char rel[512];

	snprintf(rel, sizeof rel, "coco/%s", name);
	return tu_data(rel);
}

/* A file under tests/data; the test fails when the data is missing. */
static const char *data_file(const char *rel)
{
	return tu_data(rel);
}

/* A fresh directory for the files a test writes, removed after it. */
static void tmp_setup(void)
{
	tu_tmpdir(s_tmpdir, sizeof s_tmpdir, "check_coco");
}

static void tmp_teardown(void)
{
	tu_rmtree(s_tmpdir);
}

static const char *tmpdir(void)
{
	return s_tmpdir;
}

static mc_coco *load_ok(const char *path, int crowd)
{
	mc_coco_options opt = { NULL, crowd, NULL };
	mc_coco *ds = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_coco_load(&ds, path, &opt, &err) == 0, "%s: %s", path, err.text);
	ck_assert_ptr_nonnull(ds);
	return ds;
}

static size_t class_of(const mc_coco *ds, const char *name)
{
	size_t k;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_coco_class_index(&k, ds, name, &err) == 0, "%s", err.text);
	return k;
}

/* ------------------------------------------------------------ real data */

static size_t count_in_image(const mc_coco *ds, int64_t image_id, const char *cls)
{
	size_t img, n, i, k = class_of(ds, cls), found = 0;
	const size_t *anns;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_find_image(&img, ds, image_id, &err), 0);
	anns = mc_coco_image_annotations(ds, img, &n);
	for (i = 0; i < n; i++) {
		mc_coco_ann a;
		mc_coco_annotation(ds, anns[i], &a);
		ck_assert_int_eq(a.image_id, image_id);
		if (a.class_index == k && !a.iscrowd)
			found++;
	}
	return found;
}

START_TEST(test_tinycoco_train)
{
	mc_coco *ds = load_ok(data_file("coco/tinycoco/annotations/instances_train2017.json"), 0);
	size_t k, n, i, img, total = 0;
	int64_t *labels;
	char *path = NULL;
	mc_error err;

	ck_assert_uint_eq(mc_coco_n_images(ds), 7);
	ck_assert_uint_eq(mc_coco_n_annotations(ds), 43);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 42);   /* 1 crowd annotation left out */
	ck_assert_uint_eq(mc_coco_n_classes(ds), 80);
	ck_assert_str_eq(mc_coco_class_name(ds, 0), "person");
	for (k = 1; k < mc_coco_n_classes(ds); k++)
		ck_assert(mc_coco_class_id(ds, k) > mc_coco_class_id(ds, k - 1));
	ck_assert_str_eq(mc_coco_class_supercategory(ds, class_of(ds, "orange")), "food");

	ck_assert_uint_eq(count_in_image(ds, 37777, "orange"), 5);
	ck_assert_uint_eq(count_in_image(ds, 37777, "banana"), 1);
	ck_assert_uint_eq(count_in_image(ds, 184791, "orange"), 5);

	/* Labels, class counts and the by-class index agree. */
	labels = malloc(mc_coco_n_instances(ds) * sizeof *labels);
	mc_coco_labels(ds, labels);
	for (k = 0; k < mc_coco_n_classes(ds); k++) {
		const size_t *inst = mc_coco_class_instances(ds, k, &n);
		ck_assert_uint_eq(n, mc_coco_class_count(ds, k));
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(labels[inst[i]], (int64_t)k);
			if (i > 0)
				ck_assert(inst[i] > inst[i - 1]);
		}
		total += n;
	}
	ck_assert_uint_eq(total, mc_coco_n_instances(ds));
	/* Instance order is annotation order, crowd left out. */
	for (i = 1; i < mc_coco_n_instances(ds); i++)
		ck_assert(mc_coco_instance_annotation(ds, i) > mc_coco_instance_annotation(ds, i - 1));
	free(labels);

	/* Images are found next to the annotations, never decoded. */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_find_image(&img, ds, 37777, &err), 0);
	ck_assert_msg(mc_coco_image_path(&path, ds, img, &err) == 0, "%s", err.text);
	ck_assert_ptr_nonnull(strstr(path, "images/train2017/000000037777.jpg"));
	free(path);
	ck_assert_int_eq(mc_coco_find_image(&img, ds, 12345678, &err), MC_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.text, "12345678"));
	mc_coco_free(ds);

	ds = load_ok(data_file("coco/tinycoco/annotations/instances_train2017.json"), 1);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 43);
	mc_coco_free(ds);
}
END_TEST

/* Every stored number equals what Jansson reads from the same text. */
START_TEST(test_values_match_jansson)
{
	const char *files[] = {
		"coco/tinycoco/annotations/instances_train2017.json",
		"coco/tinycoco/annotations/instances_val2017.json",
		"coco/labelme_style/annotations.json",
		"coco/cocoapi/PythonAPI/extra/samples/instances_val2017_1img-sample.json",
	};
	size_t f;

	for (f = 0; f < sizeof files / sizeof files[0]; f++) {
		mc_coco *ds = load_ok(data_file(files[f]), 1);
		size_t a;
		for (a = 0; a < mc_coco_n_annotations(ds); a++) {
			mc_coco_ann ann;
			json_t *v = NULL, *seg;
			mc_error err;
			size_t p, j, off = 0;

			mc_error_clear(&err);
			mc_coco_annotation(ds, a, &ann);
			ck_assert_msg(mc_coco_annotation_json(&v, ds, a, &err) == 0, "%s", err.text);
			ck_assert_int_eq(json_integer_value(json_object_get(v, "id")), ann.id);
			ck_assert_int_eq(json_integer_value(json_object_get(v, "category_id")),
			                 ann.category_id);
			ck_assert(json_number_value(json_object_get(v, "area")) == ann.area);
			for (j = 0; j < 4; j++)
				ck_assert(json_number_value(json_array_get(json_object_get(v, "bbox"), j)) ==
				          ann.bbox[j]);
			seg = json_object_get(v, "segmentation");
			if (ann.kind == MC_SEG_POLYGON) {
				ck_assert_uint_eq(json_array_size(seg), ann.n_parts);
				for (p = 0; p < ann.n_parts; p++) {
					json_t *part = json_array_get(seg, p);
					ck_assert_uint_eq(json_array_size(part), ann.part_len[p]);
					for (j = 0; j < ann.part_len[p]; j++)
						ck_assert_msg(json_number_value(json_array_get(part, j)) ==
						              ann.xy[off + j], "annotation %lld number %zu",
						              (long long)ann.id, j);
					off += ann.part_len[p];
				}
			} else {
				ck_assert_int_eq(ann.kind, MC_SEG_RLE);
				ck_assert_uint_eq(json_array_size(json_object_get(seg, "counts")),
				                  ann.n_counts);
			}
			json_decref(v);
		}
		mc_coco_free(ds);
	}
}
END_TEST

/* A labelme-style export (tests/data/coco/labelme_style, our own): ids 0,
 * null fields, file names relative to the JSON, a multi-part polygon. */
START_TEST(test_labelme)
{
	mc_coco *ds = load_ok(data_file("coco/labelme_style/annotations.json"), 0);
	size_t img, i, multi = 0;
	char *path = NULL;
	mc_coco_img im;
	mc_error err;

	ck_assert_uint_eq(mc_coco_n_images(ds), 2);
	ck_assert_uint_eq(mc_coco_n_annotations(ds), 5);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 5);
	ck_assert_int_eq(mc_coco_class_id(ds, 0), 0);            /* category id 0 */
	ck_assert_str_eq(mc_coco_class_name(ds, 0), "_background_");
	ck_assert_str_eq(mc_coco_class_supercategory(ds, 0), ""); /* null */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_find_image(&img, ds, 0, &err), 0);   /* image id 0 */
	mc_coco_image(ds, img, &im);
	ck_assert_str_eq(im.file_name, "JPEGImages/shapes_000.jpg");
	ck_assert_uint_eq(im.width, 160);
	ck_assert_uint_eq(im.height, 120);
	ck_assert_msg(mc_coco_image_path(&path, ds, img, &err) == 0, "%s", err.text);
	free(path);
	for (i = 0; i < mc_coco_n_instances(ds); i++) {
		mc_coco_ann a;
		mc_rle *r = NULL;
		mc_coco_instance(ds, i, &a);
		mc_coco_image(ds, a.image, &im);
		multi += a.n_parts > 1;
		ck_assert_msg(mc_coco_instance_rle(&r, ds, i, NULL, &err) == 0, "%s", err.text);
		ck_assert_uint_eq(r->h, im.height);
		ck_assert_uint_eq(r->w, im.width);
		ck_assert(mc_rle_area(r) > 0);
		mc_rle_free(r);
	}
	ck_assert(multi > 0);
	ck_assert_ptr_nonnull(json_object_get(mc_coco_extra(ds), "info"));
	mc_coco_free(ds);
}
END_TEST

/* Compressed RLE (COCO-Stuff): stored areas equal decoded areas. */
START_TEST(test_stuff_compressed_rle)
{
	mc_coco *ds = load_ok(data_file("coco/cocoapi/annotations/stuff_examples.json"), 0);
	size_t i;

	ck_assert_uint_eq(mc_coco_n_annotations(ds), 17);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 17);
	for (i = 0; i < mc_coco_n_instances(ds); i++) {
		mc_coco_ann a;
		mc_rle *r = NULL;
		mc_error err;
		mc_error_clear(&err);
		mc_coco_instance(ds, i, &a);
		ck_assert_int_eq(a.kind, MC_SEG_RLE_STRING);
		ck_assert_msg(mc_coco_instance_rle(&r, ds, i, NULL, &err) == 0, "%s", err.text);
		ck_assert(fabs((double)mc_rle_area(r) - a.area) < 0.5);
		mc_rle_free(r);
	}
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_sample_crowd_rle)
{
	mc_coco *ds = load_ok(
		data_file("coco/cocoapi/PythonAPI/extra/samples/instances_val2017_1img-sample.json"), 1);
	size_t i, crowd = 0;

	ck_assert_uint_eq(mc_coco_n_annotations(ds), 16);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 16);
	for (i = 0; i < mc_coco_n_instances(ds); i++) {
		mc_coco_ann a;
		mc_rle *r = NULL;
		mc_error err;
		mc_error_clear(&err);
		mc_coco_instance(ds, i, &a);
		ck_assert_msg(mc_coco_instance_rle(&r, ds, i, NULL, &err) == 0, "%s", err.text);
		ck_assert_uint_eq(r->h, 240);
		ck_assert_uint_eq(r->w, 320);
		if (a.iscrowd) {
			crowd++;
			ck_assert_int_eq(a.kind, MC_SEG_RLE);
			/* The stored area of this crowd region is not its mask's (18419 vs
			 * 12852 pixels), so compare with the odd runs of the JSON's counts. */
			{
				json_t *v = NULL, *counts;
				size_t j;
				uint64_t odd = 0;
				ck_assert_int_eq(mc_coco_annotation_json(&v, ds,
				                 mc_coco_instance_annotation(ds, i), &err), 0);
				counts = json_object_get(json_object_get(v, "segmentation"), "counts");
				for (j = 1; j < json_array_size(counts); j += 2)
					odd += (uint64_t)json_integer_value(json_array_get(counts, j));
				ck_assert_uint_eq(mc_rle_area(r), odd);
				ck_assert_uint_eq(odd, 12852);
				json_decref(v);
			}
		}
		mc_rle_free(r);
	}
	ck_assert_uint_eq(crowd, 1);
	mc_coco_free(ds);
}
END_TEST

/* ------------------------------------------------------------ hand-made */

START_TEST(test_good_file)
{
	mc_coco *ds = load_ok(fixture("good.json"), 0);
	mc_coco_ann a;
	mc_coco_img im;
	size_t k, i;
	mc_error err;
	char *path = NULL;
	mc_rle *r = NULL;

	ck_assert_uint_eq(mc_coco_n_images(ds), 2);
	ck_assert_uint_eq(mc_coco_n_annotations(ds), 6);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 5);
	/* Class order is category-id order, whatever the file's order. */
	ck_assert_str_eq(mc_coco_class_name(ds, 0), "orange");
	ck_assert_str_eq(mc_coco_class_name(ds, 1), "apple");
	ck_assert_str_eq(mc_coco_class_name(ds, 2), "banana");
	ck_assert_uint_eq(mc_coco_class_count(ds, 0), 1);
	ck_assert_uint_eq(mc_coco_class_count(ds, 1), 2);
	ck_assert_uint_eq(mc_coco_class_count(ds, 2), 2);
	mc_coco_image(ds, 1, &im);
	ck_assert_str_eq(im.file_name, "b c\xc3\xa9.jpg");

	/* Multi-part polygon with exact decimals. */
	mc_coco_instance(ds, 1, &a);
	ck_assert_int_eq(a.id, 2);
	ck_assert_int_eq(a.kind, MC_SEG_POLYGON);
	ck_assert_uint_eq(a.n_parts, 2);
	ck_assert(a.xy[6] == 3.25 && a.xy[8] == 4.125);
	/* 4 numbers: a bbox, as the COCO API reads it. */
	mc_coco_instance(ds, 2, &a);
	ck_assert_uint_eq(a.part_len[0], 4);
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_instance_rle(&r, ds, 2, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_rle_area(r), 9);
	mc_rle_free(r);
	/* Compressed RLE: instance 3 is annotation 5 (annotation 4 is crowd). */
	mc_coco_instance(ds, 3, &a);
	ck_assert_int_eq(a.id, 5);
	ck_assert_int_eq(a.kind, MC_SEG_RLE_STRING);
	ck_assert_str_eq(a.rle_string, "34=");
	ck_assert_int_eq(mc_coco_instance_rle(&r, ds, 3, NULL, &err), 0);
	ck_assert_uint_eq(mc_rle_area(r), 4);
	mc_rle_free(r);
	/* area null, exponent notation. */
	mc_coco_instance(ds, 4, &a);
	ck_assert(a.area == 0 && a.xy[7] == 5.5);
	/* The crowd annotation is indexed by image, not an instance. */
	ck_assert_int_eq(mc_coco_find_annotation(&i, ds, 4, &err), 0);
	mc_coco_annotation(ds, i, &a);
	ck_assert(a.iscrowd && a.instance == (size_t)-1 && a.kind == MC_SEG_RLE);
	ck_assert_uint_eq(a.n_counts, 3);

	/* Unknown class name: KeyError-style message with a suggestion and the list. */
	ck_assert_int_eq(mc_coco_class_index(&k, ds, "oranje", &err), MC_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.text, "'oranje'"));
	ck_assert_ptr_nonnull(strstr(err.text, "did you mean 'orange'"));
	ck_assert_ptr_nonnull(strstr(err.text, "orange, apple, banana"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_class_index(&k, ds, "zebra", &err), MC_ERR_NOTFOUND);
	ck_assert_ptr_null(strstr(err.text, "did you mean"));

	/* A missing image file is found lazily, by the path that is asked for. */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_image_path(&path, ds, 0, &err), MC_ERR_IO);
	ck_assert_ptr_null(path);
	ck_assert_ptr_nonnull(strstr(err.text, "good.json: image 1: "));
	ck_assert_ptr_nonnull(strstr(err.text, "a.jpg does not exist"));
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_unreadable)
{
	mc_coco *ds = (mc_coco *)1;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_load(&ds, "/nonexistent/instances_x.json", NULL, &err), MC_ERR_IO);
	ck_assert_ptr_null(ds);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/instances_x.json: cannot open"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_load(&ds, fixture(""), NULL, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "is a directory"));
}
END_TEST

/* tests/data/coco/invalid/: each NAME.json fails to load with exactly the
 * error in NAME.error ("ErrorName: message"), as a user sees it in a cell.
 * A new case is two files, no code (jansson's test suites are the model).
 * Each failure names the file, the record and what was expected. */
START_TEST(test_invalid_files)
{
	char dir[4200], path[4200 + 256 + 8], expected[4096], got[4096 + 64];   /* path: dir/d_name */
	struct dirent *e;
	size_t cases = 0;
	DIR *d;

	snprintf(dir, sizeof dir, "%s", fixture("invalid"));
	d = opendir(dir);
	ck_assert_msg(d != NULL, "%s: cannot open", dir);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		mc_coco *ds = (mc_coco *)1;
		mc_error err;
		FILE *f;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%.*s.error", dir, (int)(n - 5), e->d_name);
		f = fopen(path, "r");
		ck_assert_msg(f != NULL, "%s has no expected error: %s", e->d_name, path);
		ck_assert_ptr_nonnull(fgets(expected, sizeof expected, f));
		fclose(f);
		expected[strcspn(expected, "\n")] = '\0';
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		mc_error_clear(&err);
		ck_assert_int_ne(mc_coco_load(&ds, path, NULL, &err), 0);
		ck_assert_ptr_null(ds);
		snprintf(got, sizeof got, "%s: %s", mc_error_name(err.code), err.text);
		ck_assert_msg(strcmp(got, expected) == 0, "%s:\n  got      %s\n  expected %s",
		              e->d_name, got, expected);
		cases++;
	}
	closedir(d);
	ck_assert_uint_ge(cases, 9);
}
END_TEST

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 16);

	ck_assert_ptr_nonnull(f);
	*n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

static void write_all(const char *path, const char *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	fclose(f);
}

/* Every prefix of a valid file fails cleanly, naming the file; so does every
 * file with one byte changed, or it loads. Nothing crashes or leaks. */
START_TEST(test_truncations_and_mutations)
{
	size_t n, len, i, step = getenv("MC_VALGRIND") != NULL ? 13 : 1;
	char *good = read_all(fixture("good.json"), &n);
	char *buf = malloc(n);
	char path[4200];
	static const char bytes[] = "{}[],:\"\\0123456789.eE-+ntfx \n\x80";
	unsigned seed = 12345;

	snprintf(path, sizeof path, "%s/cut.json", tmpdir());
	for (len = 0; len < n; len += step) {
		mc_coco *ds = (mc_coco *)1;
		mc_error err;
		write_all(path, good, len);
		mc_error_clear(&err);
		if (len > 0 && strspn(good + len, " \n") == n - len)
			continue;   /* only trailing white space was cut */
		ck_assert_int_lt(mc_coco_load(&ds, path, NULL, &err), 0);
		ck_assert_ptr_null(ds);
		ck_assert_msg(strncmp(err.text, "cut.json: ", 10) == 0, "%zu: %s", len, err.text);
	}
	for (i = 0; i < 2000 / step; i++) {
		mc_coco *ds = NULL;
		mc_error err;
		size_t at;
		memcpy(buf, good, n);
		seed = seed * 1103515245u + 12345u;
		at = (seed >> 8) % n;
		seed = seed * 1103515245u + 12345u;
		buf[at] = bytes[(seed >> 8) % (sizeof bytes - 1)];
		write_all(path, buf, n);
		mc_error_clear(&err);
		if (mc_coco_load(&ds, path, NULL, &err) == 0) {
			ck_assert_ptr_nonnull(ds);
			mc_coco_free(ds);
		} else {
			ck_assert_ptr_null(ds);
			ck_assert_msg(strncmp(err.text, "cut.json: ", 10) == 0, "%s", err.text);
		}
	}
	unlink(path);
	free(buf);
	free(good);
}
END_TEST

static int s_stop(void *ctx, size_t done, size_t total, const char *what)
{
	(void)done;
	(void)total;
	(void)what;
	return ++*(int *)ctx >= 1;
}

START_TEST(test_interrupt)
{
	int calls = 0;
	mc_progress p = { s_stop, &calls };
	mc_coco_options opt = { NULL, 0, &p };
	mc_coco *ds = (mc_coco *)1;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_load(&ds, fixture("good.json"), &opt, &err), MC_ERR_INTERRUPTED);
	ck_assert_ptr_null(ds);
	ck_assert_str_eq(err.text, "interrupted");
	ck_assert_int_eq(calls, 1);
}
END_TEST

/* ------------------------------------------------------------ export */

static json_t *load_json(const char *path)
{
	json_error_t je;
	json_t *v = json_load_file(path, 0, &je);
	ck_assert_msg(v != NULL, "%s: %s", path, je.text);
	return v;
}

/* Relabel, remove, export, reload: the labels changed, the removed ones are
 * gone, and every other field is as it was. */
static void round_trip(const char *src, int crowd)
{
	mc_coco *ds = load_ok(src, crowd), *back;
	size_t n = mc_coco_n_instances(ds), K = mc_coco_n_classes(ds), i, a, b;
	int64_t *labels = malloc(n * sizeof *labels);
	double *weights = malloc(n * sizeof *weights);
	char out[4200], cmd[8600];
	json_t *orig, *again;
	mc_error err;
	size_t relabeled = 0, removed = 0;

	snprintf(out, sizeof out, "%s/export.json", tmpdir());
	mc_coco_labels(ds, labels);
	for (i = 0; i < n; i++) {
		weights[i] = 1.0;
		if (i % 3 == 0) {
			labels[i] = (labels[i] + 1) % (int64_t)K;
			relabeled++;
		} else if (i % 3 == 1) {
			weights[i] = 0.0;
			removed++;
		}
	}
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_write(ds, out, labels, weights, NULL, &err) == 0, "%s", err.text);
	back = load_ok(out, crowd);
	ck_assert_uint_eq(mc_coco_n_annotations(back), mc_coco_n_annotations(ds) - removed);
	ck_assert_uint_eq(mc_coco_n_instances(back), n - removed);
	ck_assert_uint_eq(mc_coco_n_images(back), mc_coco_n_images(ds));

	/* Walk both in file order. */
	for (a = 0, b = 0; a < mc_coco_n_annotations(ds); a++) {
		mc_coco_ann x, y;
		json_t *jx = NULL, *jy = NULL;
		mc_coco_annotation(ds, a, &x);
		if (x.instance != (size_t)-1 && weights[x.instance] == 0)
			continue;
		mc_coco_annotation(back, b, &y);
		ck_assert_int_eq(x.id, y.id);
		ck_assert_int_eq(mc_coco_annotation_json(&jx, ds, a, &err), 0);
		ck_assert_int_eq(mc_coco_annotation_json(&jy, back, b, &err), 0);
		if (x.instance != (size_t)-1) {
			ck_assert_int_eq(mc_coco_class_id(ds, (size_t)labels[x.instance]), y.category_id);
			ck_assert_int_eq(y.class_index, labels[x.instance]);
			json_object_del(jx, "category_id");
			json_object_del(jy, "category_id");
		}
		ck_assert_msg(json_equal(jx, jy), "annotation %lld differs", (long long)x.id);
		json_decref(jx);
		json_decref(jy);
		b++;
	}
	ck_assert_uint_eq(b, mc_coco_n_annotations(back));

	/* Everything outside "annotations" is unchanged. */
	orig = load_json(src);
	again = load_json(out);
	json_object_del(orig, "annotations");
	json_object_del(again, "annotations");
	ck_assert(json_equal(orig, again));
	json_decref(orig);
	json_decref(again);

	/* Python's json reads it too. */
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import json,sys; "
	         "d=json.load(open(sys.argv[1])); assert len(d['annotations'])==%zu\" '%s'",
	         mc_coco_n_annotations(back), out);
	ck_assert_int_eq(system(cmd), 0);

	mc_coco_free(back);
	unlink(out);
	free(labels);
	free(weights);
	mc_coco_free(ds);
	(void)relabeled;
}

START_TEST(test_export_round_trip)
{
	round_trip(fixture("good.json"), 0);
	round_trip(fixture("good.json"), 1);
	round_trip(data_file("coco/tinycoco/annotations/instances_train2017.json"), 0);
	round_trip(data_file("coco/labelme_style/annotations.json"), 0);
}
END_TEST

START_TEST(test_export_unchanged_bytes)
{
	mc_coco *ds = load_ok(fixture("good.json"), 0);
	char out[4200];
	FILE *f;
	char a[4096], b[4096];
	size_t na, nb;
	mc_error err;

	/* No labels and no weights: the same bytes. */
	snprintf(out, sizeof out, "%s/same.json", tmpdir());
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_write(ds, out, NULL, NULL, NULL, &err), 0);
	f = fopen(fixture("good.json"), "rb");
	na = fread(a, 1, sizeof a, f);
	fclose(f);
	f = fopen(out, "rb");
	nb = fread(b, 1, sizeof b, f);
	fclose(f);
	ck_assert_uint_eq(na, nb);
	ck_assert(memcmp(a, b, na) == 0);
	unlink(out);
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_export_bad_args)
{
	mc_coco *ds = load_ok(fixture("good.json"), 0);
	int64_t labels[5] = { 0, 1, 2, 7, 0 };
	double weights[5] = { 1, 1, NAN, 1, 1 };
	char out[4200];
	struct stat st;
	mc_error err;

	snprintf(out, sizeof out, "%s/bad.json", tmpdir());
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_write(ds, out, labels, NULL, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "labels[3] is 7"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_write(ds, out, NULL, weights, NULL, &err), MC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "weights[2]"));
	ck_assert_int_ne(stat(out, &st), 0);   /* nothing written */
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_write(ds, "/nonexistent/dir/x.json", NULL, NULL, NULL, &err),
	                 MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/dir/x.json"));
	mc_coco_free(ds);
}
END_TEST

/* Writes text to tmpdir/name; returns the path (a static buffer). */
static const char *write_tmp(const char *name, const char *text)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir(), name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Issue 13: load_coco("") wrote past a 1-byte copy of the path; a file with
 * no categories sorted a NULL array. (Both fail under the sanitizers and
 * valgrind without the fixes.) */
START_TEST(test_empty_path_and_no_categories)
{
	mc_coco *ds = (mc_coco *)1;
	mc_error err;
	const char *path;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_load(&ds, "", NULL, &err), MC_ERR_IO);
	ck_assert_ptr_null(ds);
	ck_assert_ptr_nonnull(strstr(err.text, ": cannot open: No such file or directory"));
	path = write_tmp("nocat.json", "{\"images\": [], \"annotations\": [], \"categories\": []}");
	ds = load_ok(path, 0);
	ck_assert_uint_eq(mc_coco_n_classes(ds), 0);
	ck_assert_uint_eq(mc_coco_n_instances(ds), 0);
	mc_coco_free(ds);
	unlink(path);
}
END_TEST

/* Issue 13: an export that removes every instance wrote only the text after
 * the annotations list. It is a valid COCO file with an empty list (the crowd
 * annotation, not an instance, stays). */
START_TEST(test_export_everything_removed)
{
	mc_coco *ds = load_ok(fixture("good.json"), 0), *back;
	double *w = calloc(mc_coco_n_instances(ds), sizeof *w);
	char out[4200], cmd[8800];
	mc_error err;

	snprintf(out, sizeof out, "%s/none.json", tmpdir());
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_write(ds, out, NULL, w, NULL, &err) == 0, "%s", err.text);
	back = load_ok(out, 1);
	ck_assert_uint_eq(mc_coco_n_instances(back), mc_coco_n_annotations(ds) -
	                  mc_coco_n_instances(ds));
	ck_assert_uint_eq(mc_coco_n_images(back), mc_coco_n_images(ds));
	ck_assert_uint_eq(mc_coco_n_classes(back), mc_coco_n_classes(ds));
	mc_coco_free(back);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import json,sys; "
	         "d=json.load(open(sys.argv[1])); assert len(d['annotations'])==%zu\" '%s'",
	         mc_coco_n_annotations(ds) - mc_coco_n_instances(ds), out);
	ck_assert_int_eq(system(cmd), 0);
	/* with no crowd annotation either: "annotations": [] */
	mc_coco_free(ds);
	ds = load_ok(data_file("coco/labelme_style/annotations.json"), 0);
	free(w);
	w = calloc(mc_coco_n_instances(ds), sizeof *w);
	ck_assert_int_eq(mc_coco_write(ds, out, NULL, w, NULL, &err), 0);
	back = load_ok(out, 1);
	ck_assert_uint_eq(mc_coco_n_annotations(back), 0);
	mc_coco_free(back);
	mc_coco_free(ds);
	free(w);
	unlink(out);
}
END_TEST

/* Issue 13: a second kernel's make_demo rewrote annotations.json with
 * identical bytes, and export refused it as "changed". What counts is the
 * content: the same bytes in a new file (new inode, new dates) export; one
 * byte changed (same size) does not, and neither does the annotation view. */
START_TEST(test_export_checks_content_not_dates)
{
	size_t len;
	unsigned char *text = df_read(fixture("good.json"), &len);
	char src[4200], tmp[4300], out[4200];
	struct timespec later = { 0, 20 * 1000 * 1000 };
	json_t *v = NULL;
	mc_coco *ds;
	mc_error err;
	FILE *f;

	ck_assert_ptr_nonnull(text);
	snprintf(src, sizeof src, "%s/src.json", tmpdir());
	snprintf(tmp, sizeof tmp, "%s.new", src);
	snprintf(out, sizeof out, "%s/out.json", tmpdir());
	f = fopen(src, "wb");
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	ds = load_ok(src, 0);
	nanosleep(&later, NULL);
	f = fopen(tmp, "wb");
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	ck_assert_int_eq(rename(tmp, src), 0);
	mc_error_clear(&err);
	ck_assert_msg(mc_coco_write(ds, out, NULL, NULL, NULL, &err) == 0, "%s", err.text);
	ck_assert_msg(mc_coco_annotation_json(&v, ds, 0, &err) == 0, "%s", err.text);
	json_decref(v);
	/* the same size, one byte different (a category id 1 -> 2) */
	for (size_t i = 0; i + 15 < len; i++)
		if (memcmp(text + i, "\"category_id\": 1", 16) == 0) {
			text[i + 15] = '2';
			break;
		}
	f = fopen(tmp, "wb");
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	ck_assert_int_eq(rename(tmp, src), 0);
	ck_assert_int_eq(mc_coco_write(ds, out, NULL, NULL, NULL, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "changed since it was loaded"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_annotation_json(&v, ds, 0, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "changed since it was loaded"));
	mc_coco_free(ds);
	free(text);
	unlink(src);
	unlink(out);
}
END_TEST

/* A COCO file large enough that its export takes a while to write. */
static const char *big_coco(size_t n)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/big.json", tmpdir());
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs("{\"images\": [{\"id\": 1, \"width\": 640, \"height\": 480, "
	      "\"file_name\": \"a.jpg\"}],\n\"categories\": [{\"id\": 1, \"name\": \"a\"}, "
	      "{\"id\": 2, \"name\": \"b\"}],\n\"annotations\": [", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n{\"id\": %zu, \"image_id\": 1, \"category_id\": %zu, \"iscrowd\": 0, "
		        "\"area\": 1200.5, \"bbox\": [10.25, 20.5, 40.0, 30.0], \"segmentation\": "
		        "[[10.25, 20.5, 50.25, 20.5, 50.25, 50.5, 30.125, 60.75, 10.25, 50.5]]}",
		        i ? "," : "", i + 1, i % 2 + 1);
	fputs("]}\n", f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

typedef struct s_export_job {
	mc_coco *ds;
	const char *out;
	int64_t *labels;
} s_export_job;

static int s_export(void *ctx, mc_error *err)
{
	s_export_job *j = ctx;
	return mc_coco_write(j->ds, j->out, j->labels, NULL, NULL, err);
}

/* Issue 13: the export is atomic: killed in the middle, or on a full disk,
 * the previous export stays whole, the error names the file, and no
 * temporary is left behind (a killed writer's goes at the next export). */
START_TEST(test_export_killed_and_full_disk)
{
	char out[4200], src[4200];
	s_export_job j;
	mc_error err;
	size_t n;

	snprintf(src, sizeof src, "%s", big_coco(60000));
	snprintf(out, sizeof out, "%s/export.json", tmpdir());
	j.ds = load_ok(src, 0);
	j.out = out;
	n = mc_coco_n_instances(j.ds);
	j.labels = malloc(n * sizeof *j.labels);
	mc_coco_labels(j.ds, j.labels);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_coco_write(j.ds, out, NULL, NULL, NULL, &err), 0);   /* the old one */
	for (size_t i = 0; i < n; i++)
		j.labels[i] = 1 - j.labels[i];
	df_check_writer(out, s_export, &j, 1 << 20);
	mc_coco_free(j.ds);
	free(j.labels);
	unlink(out);
	unlink(src);
}
END_TEST

static Suite *coco_suite(void)
{
	Suite *s = suite_create("coco");
	TCase *tc = tcase_create("coco");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tinycoco_train);
	tcase_add_test(tc, test_values_match_jansson);
	tcase_add_test(tc, test_labelme);
	tcase_add_test(tc, test_stuff_compressed_rle);
	tcase_add_test(tc, test_sample_crowd_rle);
	tcase_add_test(tc, test_good_file);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_invalid_files);
	tcase_add_test(tc, test_interrupt);
	tcase_add_test(tc, test_truncations_and_mutations);
	tcase_add_test(tc, test_export_round_trip);
	tcase_add_test(tc, test_export_unchanged_bytes);
	tcase_add_test(tc, test_export_bad_args);
	tcase_add_test(tc, test_empty_path_and_no_categories);
	tcase_add_test(tc, test_export_everything_removed);
	tcase_add_test(tc, test_export_checks_content_not_dates);
	tcase_add_test(tc, test_export_killed_and_full_disk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(coco_suite());
}
