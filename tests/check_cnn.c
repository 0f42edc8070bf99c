/* Tests of ONNX models run by OpenCV (runtime/cnn.cpp) on the fixture of
 * tests/data/cnn (written by its make_fixture.py): which layer is read, the
 * shapes, batches, two handles at once, and the errors of bad model files. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/cnn.h"
#include "maskclean/cnn_module.h"
#include "suite_run.h"

static char s_dir[4096];

static void s_setup(void)
{
	const char *src = getenv("MC_SRCDIR");

	ck_assert_msg(src != NULL, "MC_SRCDIR is not set (run through make check)");
	snprintf(s_dir, sizeof s_dir, "%s/tests/data/cnn", src);
}

static const char *fixture(const char *name)
{
	static char path[2][4200];
	static int k;

	k = !k;
	snprintf(path[k], sizeof path[k], "%s/%s", s_dir, name);
	return path[k];
}

/* n images of c x s x s floats in [-2, 2], a fixed pattern per image. */
static float *pattern(size_t n, int c, int s)
{
	size_t len = n * (size_t)c * (size_t)s * (size_t)s, i;
	float *x = malloc(len * sizeof *x);

	ck_assert_ptr_nonnull(x);
	for (i = 0; i < len; i++)
		x[i] = (float)(2.0 * sin(0.37 * (double)i * (1.0 + 0.3 * (double)(i / (len / n))) +
		                         0.001 * (double)(i * i % 977)));
	return x;
}

/* Loads name from the fixture, which must succeed. */
static mc_cnn *load(const char *name, int size, const char *output)
{
	mc_cnn *net = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(mc_cnn_load(&net, fixture(name), size, output, &err) == 0, "%s: %s", name,
	              err.text);
	return net;
}

/* mc_cnn_load of name fails with code and a message holding every part. */
static void load_fails(const char *name, const char *output, int code, const char *part1,
                       const char *part2)
{
	mc_cnn *net = (mc_cnn *)1;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_cnn_load(&net, fixture(name), 64, output, &err), code);
	ck_assert_ptr_null(net);
	ck_assert_msg(strstr(err.text, part1) != NULL, "%s: %s", name, err.text);
	ck_assert_msg(part2 == NULL || strstr(err.text, part2) != NULL, "%s: %s", name, err.text);
}

START_TEST(test_load_picks_the_global_average_pool)
{
	mc_cnn *net = load("tiny_resnet.onnx", 64, NULL);

	ck_assert_int_eq(mc_cnn_channels(net), 3);
	ck_assert_int_eq(mc_cnn_size(net), 64);
	ck_assert_uint_eq(mc_cnn_dim(net), 16);
	ck_assert_str_eq(mc_cnn_output(net), "/avgpool/GlobalAveragePool");
	mc_cnn_free(net);
	/* Another side: the pool still gives 16 numbers. */
	net = load("tiny_resnet.onnx", 96, NULL);
	ck_assert_uint_eq(mc_cnn_dim(net), 16);
	mc_cnn_free(net);
	mc_cnn_free(NULL);
	ck_assert_msg(strncmp(mc_cnn_engine_version(), "4.", 2) == 0, "%s", mc_cnn_engine_version());
}
END_TEST

START_TEST(test_output_names_a_layer)
{
	/* 64 -> conv /2 -> 32 -> max pool /2 -> 16 -> layer2 /2 -> 8: 16 x 8 x 8. */
	mc_cnn *net = load("tiny_resnet.onnx", 64, "/layer2/relu_1/Relu");

	ck_assert_uint_eq(mc_cnn_dim(net), 1024);
	ck_assert_str_eq(mc_cnn_output(net), "/layer2/relu_1/Relu");
	mc_cnn_free(net);
	/* OpenCV's own spelling works too. */
	net = load("tiny_resnet.onnx", 64, "onnx_node!/fc/Gemm");
	ck_assert_uint_eq(mc_cnn_dim(net), 5);
	mc_cnn_free(net);
	load_fails("tiny_resnet.onnx", "/layer9/Relu", MC_ERR_NOTFOUND,
	           "tiny_resnet.onnx: no layer named '/layer9/Relu'; the last layers are ",
	           "'/avgpool/GlobalAveragePool' (Pooling, 16 x 1 x 1)");
	load_fails("tiny_resnet.onnx", "/layer9/Relu", MC_ERR_NOTFOUND, "'/fc/Gemm' (InnerProduct, 5)",
	           NULL);
}
END_TEST

START_TEST(test_batches_equal_single_images)
{
	mc_cnn *net = load("tiny_resnet.onnx", 64, NULL);
	mc_error err;
	float *x = pattern(3, 3, 64), one[16], all[3 * 16], diff;
	size_t i, j;

	mc_error_clear(&err);
	ck_assert_msg(mc_cnn_forward(net, all, x, 3, &err) == 0, "%s", err.text);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(mc_cnn_forward(net, one, x + i * 3 * 64 * 64, 1, &err), 0);
		for (j = 0; j < 16; j++)
			ck_assert_float_eq_tol(one[j], all[i * 16 + j], 1e-5f * (1 + fabsf(one[j])));
	}
	/* Distinct images, distinct features; features are finite. */
	diff = 0;
	for (j = 0; j < 16; j++)
		diff += fabsf(all[j] - all[16 + j]);
	ck_assert(diff > 0.1f);
	for (j = 0; j < 48; j++)
		ck_assert(isfinite(all[j]));
	ck_assert_int_eq(mc_cnn_forward(net, all, x, 0, &err), 0);
	mc_cnn_free(net);
	free(x);
}
END_TEST

typedef struct run_arg {
	mc_cnn *net;
	const float *in;
	float out[4 * 16];
	int rc;
} run_arg;

static void *run_thread(void *p)
{
	run_arg *a = p;
	int k;
	mc_error err;

	mc_error_clear(&err);
	for (k = 0; k < 5 && a->rc == 0; k++)
		a->rc = mc_cnn_forward(a->net, a->out, a->in, 4, &err);
	return NULL;
}

START_TEST(test_two_handles_in_parallel)
{
	run_arg a[2];
	float *x = pattern(4, 3, 64), want[4 * 16];
	pthread_t th;
	mc_error err;
	int k, prev;
	size_t j;

	mc_error_clear(&err);
	prev = mc_cnn_set_threads(0);
	for (k = 0; k < 2; k++) {
		memset(&a[k], 0, sizeof a[k]);
		a[k].in = x;
		a[k].net = load("tiny_resnet.onnx", 64, NULL);
	}
	ck_assert_int_eq(mc_cnn_forward(a[0].net, want, x, 4, &err), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, run_thread, &a[1]), 0);
	run_thread(&a[0]);
	pthread_join(th, NULL);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(a[k].rc, 0);
		for (j = 0; j < 4 * 16; j++)
			ck_assert_float_eq_tol(a[k].out[j], want[j], 1e-5f * (1 + fabsf(want[j])));
		mc_cnn_free(a[k].net);
	}
	mc_cnn_set_threads(prev);
	free(x);
}
END_TEST

START_TEST(test_bad_models)
{
	char want[4400];

	snprintf(want, sizeof want, "%s/missing.onnx: cannot open: No such file or directory", s_dir);
	load_fails("missing.onnx", NULL, MC_ERR_IO, want, NULL);
	snprintf(want, sizeof want, "%s/not_onnx.onnx: not an ONNX model", s_dir);
	load_fails("not_onnx.onnx", NULL, MC_ERR_PARSE, want, NULL);
	snprintf(want, sizeof want,
	         "%s/einsum.onnx: node 'mix' uses the operator Einsum, which OpenCV %s's DNN "
	         "module does not support", s_dir, mc_cnn_engine_version());
	load_fails("einsum.onnx", NULL, MC_ERR_INVALID, want, NULL);
	snprintf(want, sizeof want,
	         "%s/mlp.onnx: the model's input is not an image tensor of 64 x 64 pixels", s_dir);
	load_fails("mlp.onnx", NULL, MC_ERR_INVALID, want, "pass size=");
	/* Two pools on separate branches: both are listed. */
	snprintf(want, sizeof want,
	         "%s/two_heads.onnx: 2 global average pools end separate branches", s_dir);
	load_fails("two_heads.onnx", NULL, MC_ERR_INVALID, want,
	           "'/pool_a/GlobalAveragePool' (Pooling, 6 x 1 x 1), "
	           "'/pool_b/GlobalAveragePool' (Pooling, 5 x 1 x 1); pass output= one of them");
	/* A directory is not a model either. */
	load_fails(".", NULL, MC_ERR_PARSE, "not an ONNX model", NULL);
}
END_TEST

/* Without its engine module a model cannot load: the error names what is
 * missing, why, and where it was looked for; a library that is not the
 * module is refused. */
START_TEST(test_engine_module_missing)
{
	static const char *const cases[][2] = {
		{ "/nonexistent/maskclean-cnn.so", "the ONNX engine (maskclean-cnn.so, OpenCV's DNN "
		  "module) cannot be loaded: /nonexistent/maskclean-cnn.so: cannot open shared "
		  "object file: No such file or directory (places tried: "
		  "/nonexistent/maskclean-cnn.so; MC_CNN_MODULE names another; reinstall maskclean "
		  "with ./run)" },
		{ "libz.so.1", "the ONNX engine (maskclean-cnn.so, OpenCV's DNN module) cannot be "
		  "loaded: libz.so.1: not a maskclean ONNX module (no mc_cnn_module_get) (places "
		  "tried: libz.so.1; MC_CNN_MODULE names another; reinstall maskclean with ./run)" },
	};
	const char *ours = getenv("MC_CNN_MODULE");
	const mc_cnn_module *m = (const mc_cnn_module *)1;
	char *saved = ours != NULL ? strdup(ours) : NULL;
	mc_error err;

	ck_assert_msg(saved != NULL, "MC_CNN_MODULE is not set (run through make check)");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		setenv("MC_CNN_MODULE", cases[i][0], 1);
		mc_error_clear(&err);
		ck_assert_int_eq(mc_cnn_module_load(&m, &err), MC_ERR_IO);
		ck_assert_ptr_null(m);
		ck_assert_str_eq(err.text, cases[i][1]);
	}
	setenv("MC_CNN_MODULE", saved, 1);
	free(saved);
	mc_error_clear(&err);
	ck_assert_msg(mc_cnn_module_load(&m, &err) == 0, "%s", err.text);
	ck_assert_int_eq(m->version, MC_CNN_MODULE_VERSION);
	ck_assert_str_eq(m->engine_version(), mc_cnn_engine_version());
}
END_TEST

START_TEST(test_bad_size)
{
	mc_cnn *net = (mc_cnn *)1;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_cnn_load(&net, fixture("tiny_resnet.onnx"), 4, NULL, &err),
	                 MC_ERR_INVALID);
	ck_assert_ptr_null(net);
	ck_assert_msg(strstr(err.text, "tiny_resnet.onnx: image size 4; expected 8..4096") != NULL,
	              "%s", err.text);
}
END_TEST

START_TEST(test_ambiguous_pool_picked_by_name)
{
	mc_cnn *net = load("two_heads.onnx", 64, "/pool_a/GlobalAveragePool");
	mc_error err;
	float *x = pattern(1, 3, 64), f[6];

	mc_error_clear(&err);
	ck_assert_uint_eq(mc_cnn_dim(net), 6);
	ck_assert_int_eq(mc_cnn_forward(net, f, x, 1, &err), 0);
	mc_cnn_free(net);
	free(x);
}
END_TEST

/* A squeeze-and-excitation block has a global average pool of its own; the
 * final pool follows it, so the final pool is read. */
START_TEST(test_squeeze_excite_pool_is_passed_over)
{
	mc_cnn *net = load("squeeze_excite.onnx", 64, NULL);

	ck_assert_str_eq(mc_cnn_output(net), "/avgpool/GlobalAveragePool");
	ck_assert_uint_eq(mc_cnn_dim(net), 12);
	mc_cnn_free(net);
	net = load("squeeze_excite.onnx", 64, "/se_pool/GlobalAveragePool");
	ck_assert_uint_eq(mc_cnn_dim(net), 8);
	mc_cnn_free(net);
}
END_TEST

static Suite *cnn_suite(void)
{
	Suite *s = suite_create("cnn");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, s_setup, NULL);
	tcase_add_test(tc, test_load_picks_the_global_average_pool);
	tcase_add_test(tc, test_output_names_a_layer);
	tcase_add_test(tc, test_batches_equal_single_images);
	tcase_add_test(tc, test_two_handles_in_parallel);
	tcase_add_test(tc, test_bad_models);
	tcase_add_test(tc, test_bad_size);
	tcase_add_test(tc, test_engine_module_missing);
	tcase_add_test(tc, test_ambiguous_pool_picked_by_name);
	tcase_add_test(tc, test_squeeze_excite_pool_is_passed_over);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(cnn_suite());
}
