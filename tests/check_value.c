/* Tests of the command-language values (kernel/value.c): reference counts,
 * ownership, Python-like text forms, MIME bundles and matrix views. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "value.h"
#include "maskclean/matrix.h"

static int s_freed;

static void s_thing_free(void *p)
{
	s_freed++;
	free(p);
}

static char *s_thing_repr(const void *p)
{
	char *s = malloc(32);

	snprintf(s, 32, "Thing(%d)", *(const int *)p);
	return s;
}

static int s_thing_display(const void *p, json_t *data, json_t *meta, mc_error *err)
{
	(void)meta;
	(void)err;
	json_object_set_new(data, "text/html", json_sprintf("<b>%d</b>", *(const int *)p));
	return 0;
}

static const mc_class s_thing = { "Thing", s_thing_free, s_thing_repr, s_thing_display, NULL, NULL, NULL };

static mc_value *s_new_thing(int k)
{
	int *p = malloc(sizeof *p);

	*p = k;
	return mc_object_new(&s_thing, p);
}

static void s_repr_is(const mc_value *v, const char *want)
{
	char *r = mc_value_repr(v);

	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, want);
	free(r);
}

START_TEST(test_refcount_frees_once)
{
	mc_value *obj = s_new_thing(7), *list = mc_list_new(), *dict = mc_dict_new();

	s_freed = 0;
	ck_assert_int_eq(mc_list_append(list, mc_ref(obj)), 0);
	ck_assert_int_eq(mc_dict_set_str(dict, "t", mc_ref(obj)), 0);
	mc_unref(obj);
	ck_assert_int_eq(s_freed, 0);
	ck_assert_ptr_eq(mc_list_get(list, 0), mc_dict_get(dict, "t"));
	mc_unref(list);
	ck_assert_int_eq(s_freed, 0);
	mc_unref(dict);
	ck_assert_int_eq(s_freed, 1);
	mc_unref(NULL);
	ck_assert_ptr_null(mc_ref(NULL));
}
END_TEST

START_TEST(test_dict_order_and_replace)
{
	mc_value *d = mc_dict_new(), *k = mc_int(3);

	mc_dict_set_str(d, "b", mc_int(1));
	mc_dict_set_str(d, "a", mc_int(2));
	mc_dict_set(d, k, mc_str("three"));
	mc_dict_set_str(d, "b", mc_int(10));   /* replacing keeps the position */
	ck_assert_uint_eq(mc_dict_len(d), 3);
	ck_assert_str_eq(mc_as_str(mc_dict_key(d, 0)), "b");
	ck_assert_int_eq(mc_as_int(mc_dict_value(d, 0)), 10);
	ck_assert_str_eq(mc_as_str(mc_dict_lookup(d, k)), "three");
	ck_assert_ptr_null(mc_dict_get(d, "zz"));
	s_repr_is(d, "{'b': 10, 'a': 2, 3: 'three'}");
	/* list keys are refused and the item is released */
	{
		mc_value *bad = mc_list_new();

		ck_assert_int_eq(mc_dict_set(d, bad, mc_int(1)), MC_ERR_TYPE);
		mc_unref(bad);
	}
	mc_unref(k);
	mc_unref(d);
}
END_TEST

START_TEST(test_scalar_repr)
{
	struct { double f; const char *s; } fl[] = {
		{ 0.1, "0.1" }, { 1e-4, "0.0001" }, { 1e-5, "1e-05" }, { 1e16, "1e+16" }, { 100.0, "100.0" },
		{ -2.5, "-2.5" }, { 1.0 / 3.0, "0.3333333333333333" }, { 123456789.0, "123456789.0" },
		{ 0.0, "0.0" }
	};
	size_t i;
	mc_value *v;

	for (i = 0; i < sizeof fl / sizeof fl[0]; i++) {
		v = mc_float(fl[i].f);
		s_repr_is(v, fl[i].s);
		mc_unref(v);
	}
	v = mc_float(NAN); s_repr_is(v, "nan"); mc_unref(v);
	v = mc_int(-42); s_repr_is(v, "-42"); mc_unref(v);
	v = mc_bool(1); s_repr_is(v, "True"); mc_unref(v);
	v = mc_none(); s_repr_is(v, "None"); mc_unref(v);
	v = mc_str("it's \"x\"\n"); s_repr_is(v, "'it\\'s \"x\"\\n'"); mc_unref(v);
	v = mc_str("it's"); s_repr_is(v, "\"it's\""); mc_unref(v);
	v = mc_str("plain");
	{
		char *s = mc_value_str(v);

		ck_assert_str_eq(s, "plain");
		free(s);
	}
	mc_unref(v);
}
END_TEST

START_TEST(test_list_repr_truncates)
{
	mc_value *l = mc_list_new(), *nested = mc_list_new();
	char *r;
	int i;

	mc_list_append(nested, mc_int(1));
	mc_list_append(nested, mc_str("a"));
	mc_list_append(l, nested);
	mc_list_append(l, mc_none());
	s_repr_is(l, "[[1, 'a'], None]");
	mc_unref(l);
	l = mc_list_new();
	for (i = 0; i < 1000; i++)
		mc_list_append(l, mc_int(i));
	r = mc_value_repr(l);
	ck_assert_ptr_nonnull(strstr(r, "[0, 1, 2,"));
	ck_assert_ptr_nonnull(strstr(r, ", ..., 995, 996, 997, 998, 999]"));
	ck_assert_ptr_nonnull(strstr(r, "1000 items"));
	ck_assert_uint_lt(strlen(r), 300);
	free(r);
	mc_unref(l);
}
END_TEST

START_TEST(test_array_repr)
{
	mc_value *a = mc_array_new(MC_F64, 2, 3), *b;
	double *d = mc_array_f64(a);
	char *r;
	size_t i;

	ck_assert_ptr_null(mc_array_i64(a));
	for (i = 0; i < 6; i++)
		d[i] = (double)i;
	s_repr_is(a, "array([[0., 1., 2.],\n       [3., 4., 5.]])");
	d[1] = 0.5;
	s_repr_is(a, "array([[ 0., 0.5,  2.],\n       [ 3.,  4.,  5.]])");
	mc_unref(a);
	b = mc_array_new(MC_I64, 3, 0);
	mc_array_i64(b)[0] = -1;
	mc_array_i64(b)[2] = 7;
	s_repr_is(b, "array([-1, 0, 7])");
	mc_unref(b);
	b = mc_array_new(MC_F64, 2000, 50);
	ck_assert_uint_eq(mc_array_size(b), 100000);
	r = mc_value_repr(b);
	ck_assert_ptr_nonnull(strstr(r, "..."));
	ck_assert_ptr_nonnull(strstr(r, "shape=(2000, 50)"));
	ck_assert_uint_lt(strlen(r), 400);
	free(r);
	mc_unref(b);
}
END_TEST

START_TEST(test_object_repr_and_bundle)
{
	mc_value *t = s_new_thing(5), *f;
	json_t *data, *meta;
	mc_error err;

	mc_error_clear(&err);
	s_repr_is(t, "Thing(5)");
	ck_assert_str_eq(mc_type_name(t), "Thing");
	ck_assert_int_eq(mc_value_bundle(t, &data, &meta, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(data, "text/plain")), "Thing(5)");
	ck_assert_str_eq(json_string_value(json_object_get(data, "text/html")), "<b>5</b>");
	json_decref(data);
	json_decref(meta);
	f = mc_func_new(&(mc_func_def){ "Thing.poke", "()", "Pokes.", NULL, NULL }, t);
	s_repr_is(f, "<bound method Thing.poke>");
	ck_assert_ptr_eq(mc_func_self(f), t);
	mc_unref(t);
	s_freed = 0;
	mc_unref(f);   /* the bound method held the last reference */
	ck_assert_int_eq(s_freed, 1);
}
END_TEST

START_TEST(test_png_base64)
{
	json_t *data = json_object(), *meta = json_object();
	const unsigned char png[] = { 0x89, 'P', 'N', 'G', 0x0d };
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_bundle_add_png(data, meta, png, sizeof png, 40, 30, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(data, "image/png")), "iVBORw0=");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(meta, "image/png"), "width")), 40);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(meta, "image/png"), "height")), 30);
	json_decref(data);
	json_decref(meta);
}
END_TEST

START_TEST(test_matrix_view)
{
	mc_value *a = mc_array_new(MC_F64, 3, 2), *b, *one = mc_array_new(MC_F64, 4, 0);
	mc_matrix view, m;
	mc_error err;
	double buf[9] = { 1, 2, -1, 3, 4, -1, 5, 6, -1 };

	mc_error_clear(&err);
	ck_assert_int_eq(mc_array_as_matrix(a, &view, &err), 0);
	ck_assert_uint_eq(view.rows, 3);
	ck_assert_uint_eq(view.cols, 2);
	ck_assert_uint_eq(view.stride, 2);
	ck_assert_int_eq(view.owns, 0);
	MC_AT(&view, 2, 1) = 9.0;
	ck_assert(mc_array_f64(a)[5] == 9.0);
	ck_assert_int_eq(mc_array_as_matrix(one, &view, &err), MC_ERR_TYPE);
	ck_assert_str_eq(err.text, "expected a 2-D float64 array, got 1-D float64 array of 4");
	/* a strided matrix copies compactly */
	m.rows = 3;
	m.cols = 2;
	m.stride = 3;
	m.data = buf;
	m.owns = 0;
	b = mc_array_from_matrix(&m);
	ck_assert_uint_eq(mc_array_rows(b), 3);
	ck_assert_uint_eq(mc_array_cols(b), 2);
	ck_assert(mc_array_f64(b)[2] == 3.0 && mc_array_f64(b)[5] == 6.0);
	mc_unref(a);
	mc_unref(b);
	mc_unref(one);
}
END_TEST

START_TEST(test_truthiness_and_equality)
{
	mc_value *z = mc_int(0), *f = mc_float(0.0), *one = mc_int(1), *onef = mc_float(1.0), *e = mc_str("");
	mc_value *l = mc_list_new();

	ck_assert(!mc_as_bool(z) && !mc_as_bool(f) && !mc_as_bool(e) && !mc_as_bool(l));
	ck_assert(mc_as_bool(one));
	ck_assert(mc_value_equal(one, onef));
	ck_assert(!mc_value_equal(one, e));
	ck_assert(mc_as_float(one) == 1.0);
	ck_assert_ptr_null(mc_as_str(one));
	mc_unref(z);
	mc_unref(f);
	mc_unref(one);
	mc_unref(onef);
	mc_unref(e);
	mc_unref(l);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("value");
	TCase *tc = tcase_create("value");

	tcase_add_test(tc, test_refcount_frees_once);
	tcase_add_test(tc, test_dict_order_and_replace);
	tcase_add_test(tc, test_scalar_repr);
	tcase_add_test(tc, test_list_repr_truncates);
	tcase_add_test(tc, test_array_repr);
	tcase_add_test(tc, test_object_repr_and_bundle);
	tcase_add_test(tc, test_png_base64);
	tcase_add_test(tc, test_matrix_view);
	tcase_add_test(tc, test_truthiness_and_equality);
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
