/* Tests of the mask area's language functions (kernel/bind_mask.c) through
 * the interpreter: rle_encode/rle_decode/mask_area/mask_bbox, Mask and
 * load_image with their rich display, and the errors users see. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_fixture.h"
#include "maskclean/rle.h"
#include "suite_run.h"

/* The MIME bundle of the value of expr: asserts it has an image/png of w x h. */
static void assert_png_bundle(const char *expr, int w, int h)
{
	mc_value *res = NULL;
	mc_exec_error xe;
	json_t *data = NULL, *meta = NULL;
	mc_error err;

	memset(&xe, 0, sizeof xe);
	ck_assert_int_eq(mc_interp_execute(s_in, expr, NULL, &res, &xe), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_value_bundle(res, &data, &meta, &err), 0);
	ck_assert(json_is_string(json_object_get(data, "image/png")));
	ck_assert(json_string_length(json_object_get(data, "image/png")) > 20);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(meta, "image/png"),
	                                                    "width")), w);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(meta, "image/png"),
	                                                    "height")), h);
	json_decref(data);
	json_decref(meta);
	mc_unref(res);
}

START_TEST(test_rle_functions)
{
	/* the box x 1..3, y 1..4 of a 5x5 image (see check_rle) */
	assert_run("m = rle_decode({\"size\": [5, 5], \"counts\": \"63209\"})", "");
	assert_run("m[0]", "array([0, 0, 0, 0, 0])");
	assert_run("m[3]", "array([0, 1, 1, 0, 0])");
	assert_run("m[4]", "array([0, 0, 0, 0, 0])");
	assert_run("rle_encode(m)", "{'size': [5, 5], 'counts': '63209'}");
	assert_run("mask_area(rle_encode(m))", "6");
	assert_run("mask_bbox({\"size\": [5, 5], \"counts\": [6, 3, 2, 3, 11]})",
	           "[1.0, 1.0, 2.0, 3.0]");
	assert_run("k = Mask({\"size\": [5, 5], \"counts\": [6, 3, 2, 3, 11]})", "");
	assert_run("k", "Mask(5x5, area=6)");
	assert_run("[k.size, k.area, k.counts]", "[[5, 5], 6, '63209']");
	assert_png_bundle("k", 5, 5);
}
END_TEST

START_TEST(test_rle_errors)
{
	assert_run("mask_area({\"size\": [5, 5], \"counts\": \"63208\"})",
	           "ParseError: mask_area(): RLE counts sum to 24, image is 5x5");
	assert_run("rle_decode({\"size\": [5, 5], \"counts\": \"6~\"})",
	           "ParseError: rle_decode(): compressed RLE has invalid character 0x7e at "
	           "offset 1, expected '0'..'o'");
	assert_run("mask_bbox({\"size\": [5, 5], \"counts\": [6, -3]})",
	           "ParseError: mask_bbox(): rle counts[1] must be an int 0..4294967295");
	assert_run("mask_area(3)", "TypeError: mask_area(): rle must be a Mask or a dict "
	           "{\"size\": [h, w], \"counts\": ...}, got int");
	assert_run("rle_encode([1, 0])", "TypeError: rle_encode(): mask must be a 2-D array "
	           "(h x w, non-zero = foreground), got list");
}
END_TEST

START_TEST(test_load_image)
{
	const char *dir = getenv("MC_TEST_DATA");
	char code[4200], *missing;

	ck_assert_msg(dir != NULL && *dir != '\0', "MC_TEST_DATA is not set (run make check)");
	snprintf(code, sizeof code,
	         "img = load_image(\"%s/coco/tinycoco/images/train2017/000000037777.jpg\")", dir);
	assert_run(code, "");
	assert_run("img", "Image(352x230, rgb)");
	assert_run("[img.width, img.height, img.channels]", "[352, 230, 3]");
	assert_png_bundle("img", 352, 230);
	assert_run("img.resize(35, 23)", "Image(35x23, rgb)");
	snprintf(code, sizeof code, "load_image(\"%s/coco/no-such.jpg\")", dir);
	missing = run(code);
	ck_assert_ptr_nonnull(strstr(missing, "IOError: "));
	ck_assert_ptr_nonnull(strstr(missing, "/coco/no-such.jpg: cannot open: No such file"));
	free(missing);
}
END_TEST

/* The area of the first non-crowd annotation of a COCO file, rasterised
 * here from the JSON: what Dataset.mask(0) must give. */
static unsigned long long first_instance_area(const char *path, int *w, int *h)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	const json_t *anns = json_object_get(root, "annotations");
	const json_t *images = json_object_get(root, "images");
	unsigned long long area = 0;
	size_t i, p, k;

	ck_assert_msg(root != NULL, "%s: %s", path, je.text);
	for (i = 0; i < json_array_size(anns); i++) {
		const json_t *a = json_array_get(anns, i), *seg = json_object_get(a, "segmentation");
		const double *parts[32];
		double *store[32];
		size_t lens[32], n = json_array_size(seg);
		mc_rle *r = NULL;
		mc_error err;

		if (json_integer_value(json_object_get(a, "iscrowd")) != 0)
			continue;
		for (k = 0; k < json_array_size(images); k++)
			if (json_integer_value(json_object_get(json_array_get(images, k), "id")) ==
			    json_integer_value(json_object_get(a, "image_id"))) {
				*w = (int)json_integer_value(json_object_get(json_array_get(images, k),
				                                             "width"));
				*h = (int)json_integer_value(json_object_get(json_array_get(images, k),
				                                             "height"));
			}
		ck_assert(json_is_array(seg) && n > 0 && n <= 32);
		for (p = 0; p < n; p++) {
			lens[p] = json_array_size(json_array_get(seg, p));
			store[p] = malloc(lens[p] * sizeof(double));
			for (k = 0; k < lens[p]; k++)
				store[p][k] = json_number_value(json_array_get(json_array_get(seg, p), k));
			parts[p] = store[p];
		}
		mc_error_clear(&err);
		ck_assert_int_eq(mc_rle_from_polygons(&r, parts, lens, n, (uint32_t)*h, (uint32_t)*w,
		                                      NULL, &err), 0);
		area = mc_rle_area(r);
		mc_rle_free(r);
		for (p = 0; p < n; p++)
			free(store[p]);
		break;
	}
	json_decref(root);
	return area;
}

START_TEST(test_dataset_mask_and_instance)
{
	const char *dir = getenv("MC_TEST_DATA");
	char path[4096], code[4200], want[128], *msg;
	unsigned long long area;
	int w = 0, h = 0;

	ck_assert_msg(dir != NULL && *dir != '\0', "MC_TEST_DATA is not set (run make check)");
	snprintf(path, sizeof path, "%s/coco/tinycoco/annotations/instances_val2017.json", dir);
	area = first_instance_area(path, &w, &h);
	ck_assert_uint_gt(area, 0);
	snprintf(code, sizeof code, "ds = load_coco(\"%s\")", path);
	assert_run(code, "");
	snprintf(want, sizeof want, "Mask(%dx%d, area=%llu)", w, h, area);
	assert_run("ds.mask(0)", want);
	assert_png_bundle("ds.mask(0)", w, h);
	assert_run("ds.instance(0, size=32)", "Image(32x32, rgb)");
	assert_png_bundle("ds.instance(0, size=32, pad=0)", 32, 32);
	assert_run("ds.instance(-1)", "Image(64x64, rgb)");
	msg = run("ds.mask(100000)");
	ck_assert_ptr_nonnull(strstr(msg, "ValueError: Dataset.mask(): instance 100000 is out of "
	                                  "range: the dataset has "));
	free(msg);
	assert_run("ds.instance(0, size=0)", "ValueError: Dataset.instance(): size 0, pad 2: "
	           "expected size 1..4096 and pad 0..4096");
}
END_TEST

static Suite *bind_mask_suite(void)
{
	Suite *s = suite_create("bind_mask");
	TCase *tc = tcase_create("lang");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rle_functions);
	tcase_add_test(tc, test_rle_errors);
	tcase_add_test(tc, test_load_image);
	tcase_add_test(tc, test_dataset_mask_and_instance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(bind_mask_suite());
}
