/* Tests of the embed area's language functions (kernel/bind_embed.c) through
 * the interpreter: load_npy/Embeddings/to_array/save_npy, load_idx, embed
 * and make_demo, and the errors users see. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind_embed.h"
#include "maskclean/cnn.h"
#include "lang_fixture.h"
#include "suite_run.h"
#include "testutil.h"

static char s_npy[4096];   /* tests/data/npy */
static char s_cnn[4096];   /* tests/data/cnn */
static char s_tmp[4096];   /* scratch directory of this run */

static void s_setup(void)
{
	td_path(s_npy, sizeof s_npy, "npy");
	td_path(s_cnn, sizeof s_cnn, "cnn");
	tu_scratch_path(s_tmp, sizeof s_tmp, "bind-embed");   /* made by the tests */
	setup();
}

static void s_teardown(void)
{
	teardown();
	tu_rmtree(s_tmp);
}

/* run() of code given printf-style. Caller frees. */
__attribute__((format(printf, 1, 2)))
static char *runf(const char *fmt, ...)
{
	char code[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(code, sizeof code, fmt, ap);
	va_end(ap);
	return run(code);
}

static void want(char *got, const char *expect)
{
	ck_assert_msg(strcmp(got, expect) == 0, "gave: %s\n  want: %s", got, expect);
	free(got);
}

START_TEST(test_load_npy)
{
	char expect[8192];

	want(runf("E = load_npy(\"%s/f4_2x3.npy\")", s_npy), "");
	snprintf(expect, sizeof expect,
	         "Embeddings(shape=(2, 3), dtype=float32, path='%s/f4_2x3.npy', memory-mapped)", s_npy);
	want(runf("E"), expect);
	want(runf("E.shape"), "[2, 3]");
	want(runf("E.dtype"), "'float32'");
	want(runf("to_array(E)[1, 0]"), "-1.0");
	want(runf("E.to_array()[0, 2]"), "2.5");
	/* float32 0.001 widened exactly. */
	want(runf("to_array(E)[1, 2]"), "0.0010000000474974513");
	/* A float64 file is a view; to_array copies it. */
	want(runf("F = load_npy(\"%s/f8_3x2.npy\", dataset=3)", s_npy), "");
	want(runf("to_array(F)[2, 1]"), "0.1");
	want(runf("load_npy(\"%s/f8_1d.npy\").shape", s_npy), "[4]");
}
END_TEST

START_TEST(test_load_npy_errors)
{
	char expect[8192];

	snprintf(expect, sizeof expect,
	         "ValueError: %s/i4.npy: dtype '<i4' is not supported; expected '<f4' or '<f8'", s_npy);
	want(runf("load_npy(\"%s/i4.npy\")", s_npy), expect);
	snprintf(expect, sizeof expect, "ValueError: %s/nan.npy: row 1, column 2 is NaN", s_npy);
	want(runf("load_npy(\"%s/nan.npy\")", s_npy), expect);
	snprintf(expect, sizeof expect,
	         "ShapeError: %s/f8_3x2.npy: 3 rows, the dataset has 5 instances (one row per kept annotation, in annotation order)",
	         s_npy);
	want(runf("load_npy(\"%s/f8_3x2.npy\", dataset=5)", s_npy), expect);
	want(runf("load_npy(\"%s/f8_3x2.npy\", dataset=\"x\")", s_npy),
	     "TypeError: load_npy(): dataset must be a Dataset or an int, got str");
	/* Nothing half-built was bound. */
	want(runf("x = 1"), "");
	snprintf(expect, sizeof expect,
	         "ParseError: %s/truncated.npy: truncated data: shape (3, 2) of '<f8' needs 48 bytes, the file has 43",
	         s_npy);
	want(runf("x = load_npy(\"%s/truncated.npy\")", s_npy), expect);
	want(runf("x"), "1");
}
END_TEST

START_TEST(test_save_npy_round_trip)
{
	want(runf("X = to_array(load_npy(\"%s/f8_3x2.npy\"))", s_npy), "");
	ck_assert_int_eq(mkdir(s_tmp, 0777), 0);
	want(runf("save_npy(\"%s/x.npy\", X)", s_tmp), "");
	want(runf("to_array(load_npy(\"%s/x.npy\"))[2, 1]", s_tmp), "0.1");
	want(runf("load_npy(\"%s/x.npy\").dtype", s_tmp), "'float64'");
	/* Embeddings save directly (float32 widened). */
	want(runf("save_npy(\"%s/y.npy\", load_npy(\"%s/f4_2x3.npy\"))", s_tmp, s_npy), "");
	want(runf("load_npy(\"%s/y.npy\").shape", s_tmp), "[2, 3]");
	want(runf("save_npy(\"%s/y.npy\", 3)", s_tmp),
	     "TypeError: save_npy(): expected an array or Embeddings, got int");
}
END_TEST

START_TEST(test_load_idx)
{
	want(runf("L = load_idx(\"/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz\")"), "");
	want(runf("len(L)"), "10000");
	want(runf("L[0]"), "9");   /* the first test item is an ankle boot */
	want(runf("load_idx(\"/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz\").shape"),
	     "[10000, 784]");
	want(runf("load_idx(\"/nonexistent.gz\")"),
	     "IOError: /nonexistent.gz: cannot open: No such file or directory");
}
END_TEST

START_TEST(test_demo_and_embed)
{
	char expect[8192];

	want(runf("d = make_demo(\"%s\", n_images=5, error_rate=0.2, seed=3)", s_tmp), "");
	snprintf(expect, sizeof expect, "'%s/annotations.json'", s_tmp);
	want(runf("d[\"annotations\"]"), expect);
	want(runf("ds = load_coco(d[\"annotations\"], images=d[\"images\"])"), "");
	want(runf("ds.n_instances == d[\"n_instances\"]"), "True");
	want(runf("F = embed(ds)"), "");
	want(runf("F.shape[0] == ds.n_instances"), "True");
	want(runf("F.shape[1]"), "488");
	want(runf("embed(ds, size=16, method=\"pixels\").shape[1]"), "256");
	want(runf("save_npy(\"%s/f.npy\", F)", s_tmp), "");
	want(runf("load_npy(\"%s/f.npy\", dataset=ds).shape == F.shape", s_tmp), "True");
	want(runf("embed(ds, method=\"sift\")"),
	     "ValueError: embed: unknown method 'sift'; expected 'hog' or 'pixels'");
	want(runf("embed(ds, size=30)"),
	     "ValueError: embed(): size is 30; expected a multiple of 4 in 8..256");
	want(runf("embed(3)"), "TypeError: embed(): ds must be a Dataset or the path of a COCO file, got int");
	/* issue 13: an empty path was copied into 1 byte and written 2 */
	want(runf("embed(\"\")"), "IOError: : cannot open: No such file or directory");
	want(runf("make_demo(\"%s\", n_images=0)", s_tmp),
	     "ValueError: make_demo: n_images is 0; expected 1..1000000");
}
END_TEST

START_TEST(test_embeddings_matrix)
{
	mc_value *res = NULL;
	mc_exec_error xe;
	mc_matrix view, *owned = NULL;
	mc_error err;
	char code[4200];

	snprintf(code, sizeof code, "load_npy(\"%s/f8_3x2.npy\")", s_npy);
	memset(&xe, 0, sizeof xe);
	ck_assert_int_eq(mc_interp_execute(s_in, code, NULL, &res, &xe), 0);
	ck_assert_ptr_eq(mc_object_class(res), &mc_embeddings_class);
	ck_assert_ptr_nonnull(mc_embeddings_npy(res));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_embeddings_matrix(res, &view, &owned, &err), 0);
	ck_assert_ptr_null(owned);   /* float64: a view of the map */
	ck_assert(view.rows == 3 && view.cols == 2 && MC_AT(&view, 2, 1) == 0.1);
	mc_unref(res);
	snprintf(code, sizeof code, "load_npy(\"%s/f4_2x3.npy\")", s_npy);
	ck_assert_int_eq(mc_interp_execute(s_in, code, NULL, &res, &xe), 0);
	ck_assert_int_eq(mc_embeddings_matrix(res, &view, &owned, &err), 0);
	ck_assert_ptr_nonnull(owned);
	ck_assert(view.rows == 2 && view.cols == 3 && MC_AT(&view, 0, 1) == 1.5);
	mc_matrix_free(owned);
	mc_unref(res);
}
END_TEST

/* has(code, part): the result of code contains part. */
static void has(char *got, const char *part)
{
	ck_assert_msg(strstr(got, part) != NULL, "gave: %s\n  want a part: %s", got, part);
	free(got);
}

START_TEST(test_embed_model)
{
	char expect[8192];

	want(runf("ds = load_coco(\"%s/instances.json\", images=\"%s/images\")", s_cnn, s_cnn), "");
	want(runf("X = embed(ds, model=\"%s/tiny_resnet.onnx\", size=64)", s_cnn), "");
	want(runf("X.shape"), "[6, 16]");
	/* PyTorch's numbers (tests/data/cnn/make_fixture.py), to 1e-4 relative. */
	want(runf("T = to_array(load_npy(\"%s/expected.npy\"))", s_cnn), "");
	want(runf("(((X - T) * (X - T)).max() / (T * T).max()) ** 0.5 < 1e-4"), "True");
	want(runf("(((X - T) * (X - T)).max() / (T * T).max()) ** 0.5 < 1e-9"), "False");
	/* The same from the COCO file's path, in batches, with 2 workers. */
	want(runf("Y = embed(\"%s/instances.json\", images=\"%s/images\", model=\"%s/tiny_resnet.onnx\", "
	          "size=64, batch=4)", s_cnn, s_cnn, s_cnn), "");
	want(runf("(((Y - T) * (Y - T)).max() / (T * T).max()) ** 0.5 < 1e-4"), "True");
	/* To a file, memory-mapped back. */
	ck_assert_int_eq(mkdir(s_tmp, 0777), 0);
	want(runf("E = embed(ds, model=\"%s/tiny_resnet.onnx\", size=64, out=\"%s/f.npy\")", s_cnn,
	          s_tmp), "");
	snprintf(expect, sizeof expect,
	         "Embeddings(shape=(6, 16), dtype=float32, path='%s/f.npy', memory-mapped)", s_tmp);
	want(runf("E"), expect);
	want(runf("(((to_array(E) - T) * (to_array(E) - T)).max() / (T * T).max()) ** 0.5 < 1e-4"),
	     "True");
	/* Another layer, another mean and std (one number for every channel). */
	want(runf("embed(ds, model=\"%s/tiny_resnet.onnx\", size=64, output=\"/layer2/relu_1/Relu\").shape",
	          s_cnn), "[6, 1024]");
	want(runf("Z = embed(ds, model=\"%s/tiny_resnet.onnx\", size=64, mean=0.5, std=[0.2, 0.3, 0.4])",
	          s_cnn), "");
	want(runf("((Z - X) * (Z - X)).max() > 1e-6"), "True");
	/* model=none and out=none are the built-in embedding (one notebook cell
	 * serves both). */
	want(runf("embed(ds, model=none, out=none).shape"), "[6, 488]");
}
END_TEST

START_TEST(test_embed_model_errors)
{
	char expect[8192];

	want(runf("ds = load_coco(\"%s/instances.json\", images=\"%s/images\")", s_cnn, s_cnn), "");
	want(runf("X = 5"), "");
	snprintf(expect, sizeof expect,
	         "IOError: %s/missing.onnx: cannot open: No such file or directory", s_cnn);
	want(runf("X = embed(ds, model=\"%s/missing.onnx\")", s_cnn), expect);
	snprintf(expect, sizeof expect,
	         "ParseError: %s/not_onnx.onnx: not an ONNX model (OpenCV cannot parse it as an "
	         "ONNX protobuf)", s_cnn);
	want(runf("X = embed(ds, model=\"%s/not_onnx.onnx\")", s_cnn), expect);
	snprintf(expect, sizeof expect,
	         "ValueError: %s/einsum.onnx: node 'mix' uses the operator Einsum, which OpenCV "
	         "%s's DNN module does not support", s_cnn, mc_cnn_engine_version());
	want(runf("X = embed(ds, model=\"%s/einsum.onnx\", size=64)", s_cnn), expect);
	snprintf(expect, sizeof expect,
	         "ValueError: %s/mlp.onnx: the model's input is not an image tensor of 224 x 224 "
	         "pixels (n x 3 x 224 x 224); it goes to 'fc' (InnerProduct); if it takes images "
	         "of another size, pass size= (OpenCV: ", s_cnn);
	has(runf("X = embed(ds, model=\"%s/mlp.onnx\")", s_cnn), expect);
	snprintf(expect, sizeof expect,
	         "ValueError: %s/two_heads.onnx: 2 global average pools end separate branches, so "
	         "which one gives the embedding is unclear: '/pool_a/GlobalAveragePool' (Pooling, "
	         "6 x 1 x 1), '/pool_b/GlobalAveragePool' (Pooling, 5 x 1 x 1); pass output= one of "
	         "them", s_cnn);
	want(runf("X = embed(ds, model=\"%s/two_heads.onnx\", size=64)", s_cnn), expect);
	want(runf("embed(ds, model=\"%s/two_heads.onnx\", size=64, output=\"/pool_b/GlobalAveragePool\").shape",
	          s_cnn), "[6, 5]");
	snprintf(expect, sizeof expect, "KeyError: %s/tiny_resnet.onnx: no layer named 'fc7'", s_cnn);
	has(runf("X = embed(ds, model=\"%s/tiny_resnet.onnx\", size=64, output=\"fc7\")", s_cnn),
	    expect);
	want(runf("X = embed(ds, model=\"%s/tiny_resnet.onnx\", method=\"pixels\")", s_cnn),
	     "ValueError: embed(): method= is for the built-in embedding; leave it out with model=");
	want(runf("X = embed(ds, model=\"%s/tiny_resnet.onnx\", mean=[1, 2])", s_cnn),
	     "ValueError: embed(): mean has 2 numbers; expected 1 (every channel) or 3 (R, G, B)");
	want(runf("X = embed(ds, model=\"%s/tiny_resnet.onnx\", std=0)", s_cnn),
	     "ValueError: embed: mean 0.485 and std 0 of channel 0; expected finite numbers and std > 0");
	want(runf("X = embed(ds, model=\"%s/tiny_resnet.onnx\", size=4)", s_cnn),
	     "ValueError: embed(): size is 4; expected 8..4096");
	want(runf("X = embed(ds, out=\"x.npy\")"),
	     "ValueError: embed(): out= is for a model's embedding; give model= too");
	snprintf(expect, sizeof expect, "IOError: /nonexistent-dir/f.npy: cannot create: ");
	has(runf("X = embed(ds, model=\"%s/tiny_resnet.onnx\", size=64, out=\"/nonexistent-dir/f.npy\")",
	         s_cnn), expect);
	/* The kernel is alive and nothing was half-changed. */
	want(runf("X"), "5");
	want(runf("embed(ds, model=\"%s/tiny_resnet.onnx\", size=64).shape", s_cnn), "[6, 16]");
}
END_TEST

static Suite *bind_embed_suite(void)
{
	Suite *s = suite_create("bind_embed");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_load_npy);
	tcase_add_test(tc, test_load_npy_errors);
	tcase_add_test(tc, test_save_npy_round_trip);
	tcase_add_test(tc, test_load_idx);
	tcase_add_test(tc, test_demo_and_embed);
	tcase_add_test(tc, test_embeddings_matrix);
	tcase_add_test(tc, test_embed_model);
	tcase_add_test(tc, test_embed_model_errors);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(bind_embed_suite());
}
