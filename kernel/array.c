/* This module implements the numpy-like arrays' operators and subscripts
 * for the command language (lang.h): element-wise arithmetic with numbers
 * and arrays, comparisons that make boolean masks, bitwise operators on
 * masks and int64 arrays, the matrix product (through CBLAS), attributes,
 * and a[...] selection and assignment with indices, slices, index lists and
 * masks. Long loops look at the interrupt flag. */
#include "lang.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_is_num(const mc_value *v)
{
	mc_vtype t = mc_type(v);

	return t == MC_T_INT || t == MC_T_FLOAT || t == MC_T_BOOL;
}

static int s_is_intlike(const mc_value *v)
{
	return mc_type(v) == MC_T_INT || mc_type(v) == MC_T_BOOL;
}

static double s_elem(mc_value *a, size_t k)
{
	return mc_array_dtype(a) == MC_F64 ? mc_array_f64(a)[k] : (double)mc_array_i64(a)[k];
}

static int s_is_cmp(int op)
{
	return op >= MC_OP_EQ && op <= MC_OP_GE;
}

static int s_is_bit(int op)
{
	return op == MC_OP_BITAND || op == MC_OP_BITOR || op == MC_OP_BITXOR ||
	       op == MC_OP_LSHIFT || op == MC_OP_RSHIFT;
}

static int s_cmp_result(int op, double a, double b)
{
	switch (op) {
	case MC_OP_EQ: return a == b;
	case MC_OP_NE: return a != b;
	case MC_OP_LT: return a < b;
	case MC_OP_LE: return a <= b;
	case MC_OP_GT: return a > b;
	default: return a >= b;
	}
}

/* Python's floor division and modulo on doubles. */
static double s_fmod_py(double a, double b)
{
	double m = fmod(a, b);

	if (m != 0.0 && ((m < 0) != (b < 0)))
		m += b;
	return m;
}

static double s_fop(int op, double a, double b)
{
	switch (op) {
	case MC_OP_ADD: return a + b;
	case MC_OP_SUB: return a - b;
	case MC_OP_MUL: return a * b;
	case MC_OP_DIV: return a / b;   /* numpy: x/0 is inf or nan */
	case MC_OP_FLOORDIV: return b == 0.0 ? a / b : floor(a / b);
	case MC_OP_MOD: return b == 0.0 ? NAN : s_fmod_py(a, b);
	case MC_OP_POW: return pow(a, b);
	default: return NAN;
	}
}

int mc_int_op(int op, int64_t a, int64_t b, int64_t *r)
{
	switch (op) {
	case MC_OP_ADD: return __builtin_add_overflow(a, b, r) ? MC_INT_OVERFLOW : MC_INT_OK;
	case MC_OP_SUB: return __builtin_sub_overflow(a, b, r) ? MC_INT_OVERFLOW : MC_INT_OK;
	case MC_OP_MUL: return __builtin_mul_overflow(a, b, r) ? MC_INT_OVERFLOW : MC_INT_OK;
	case MC_OP_FLOORDIV:
	case MC_OP_MOD: {
		int64_t q, m;

		if (b == 0)
			return MC_INT_ZERODIV;
		if (b == -1) {
			if (op == MC_OP_MOD) {
				*r = 0;
				return MC_INT_OK;
			}
			return __builtin_sub_overflow((int64_t)0, a, r) ? MC_INT_OVERFLOW : MC_INT_OK;
		}
		q = a / b;
		m = a % b;
		if (m != 0 && ((m < 0) != (b < 0))) {
			q--;
			m += b;
		}
		*r = op == MC_OP_FLOORDIV ? q : m;
		return MC_INT_OK;
	}
	case MC_OP_POW: {
		int64_t acc = 1, base = a, e = b;

		if (e < 0)
			return MC_INT_NEGPOW;
		while (e > 0) {
			if ((e & 1) && __builtin_mul_overflow(acc, base, &acc))
				return MC_INT_OVERFLOW;
			e >>= 1;
			if (e > 0 && __builtin_mul_overflow(base, base, &base))
				return MC_INT_OVERFLOW;
		}
		*r = acc;
		return MC_INT_OK;
	}
	case MC_OP_BITAND: *r = a & b; return MC_INT_OK;
	case MC_OP_BITOR: *r = a | b; return MC_INT_OK;
	case MC_OP_BITXOR: *r = a ^ b; return MC_INT_OK;
	case MC_OP_LSHIFT:
	case MC_OP_RSHIFT:
		if (b < 0)
			return MC_INT_NEGSHIFT;
		if (op == MC_OP_RSHIFT) {
			*r = b >= 64 ? (a < 0 ? -1 : 0) : a >> b;
			return MC_INT_OK;
		}
		if (b >= 64)
			return a != 0 ? MC_INT_OVERFLOW : (*r = 0, MC_INT_OK);
		*r = (int64_t)((uint64_t)a << b);
		return (*r >> b) != a ? MC_INT_OVERFLOW : MC_INT_OK;
	default:
		return MC_INT_BADOP;
	}
}

static void s_shape_text(mc_value *a, char *buf, size_t n)
{
	if (mc_array_cols(a) > 0)
		snprintf(buf, n, "(%zu, %zu)", mc_array_rows(a), mc_array_cols(a));
	else
		snprintf(buf, n, "(%zu,)", mc_array_rows(a));
}

static int s_matmul(mc_value **out, mc_value *l, mc_value *r, mc_error *err)
{
	size_t m, k, k2, n, i;
	double *A, *B, *C;
	char ls[64], rs[64];
	mc_value *res;

	if (mc_type(l) != MC_T_ARRAY || mc_type(r) != MC_T_ARRAY)
		return mc_error_set(err, MC_ERR_TYPE, "'@' multiplies two arrays, got %s and %s",
		                    mc_type_name(l), mc_type_name(r));
	m = mc_array_cols(l) > 0 ? mc_array_rows(l) : 1;
	k = mc_array_cols(l) > 0 ? mc_array_cols(l) : mc_array_rows(l);
	k2 = mc_array_rows(r);
	n = mc_array_cols(r) > 0 ? mc_array_cols(r) : 1;
	if (k != k2) {
		s_shape_text(l, ls, sizeof ls);
		s_shape_text(r, rs, sizeof rs);
		return mc_error_set(err, MC_ERR_SHAPE, "'@': shapes %s and %s do not align (%zu != %zu)",
		                    ls, rs, k, k2);
	}
	A = malloc((m * k + 1) * sizeof *A);
	B = malloc((k * n + 1) * sizeof *B);
	if (mc_array_cols(l) == 0 && mc_array_cols(r) == 0)
		res = mc_array_new(MC_F64, 1, 0);
	else if (mc_array_cols(l) == 0 || mc_array_cols(r) == 0)
		res = mc_array_new(MC_F64, mc_array_cols(l) == 0 ? n : m, 0);
	else
		res = mc_array_new(MC_F64, m, n);
	if (A == NULL || B == NULL || res == NULL) {
		free(A);
		free(B);
		mc_unref(res);
		return mc_error_set(err, MC_ERR_NOMEM, "'@': out of memory");
	}
	for (i = 0; i < m * k; i++)
		A[i] = s_elem(l, i);
	for (i = 0; i < k * n; i++)
		B[i] = s_elem(r, i);
	C = mc_array_f64(res);
	if (m > 0 && n > 0 && k > 0)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, A,
		            (int)k, B, (int)n, 0.0, C, (int)n);
	free(A);
	free(B);
	if (mc_array_cols(l) == 0 && mc_array_cols(r) == 0) {
		/* a 1-D by 1-D product is the dot product, a number */
		*out = mc_float(C[0]);
		mc_unref(res);
		return *out != NULL ? 0 : mc_error_nomem(err);
	}
	*out = res;
	return 0;
}

/* The result's shape: an array operand's, the 2-D one's when a 1-D array
 * combines with every row of a 2-D one. */
static int s_result_shape(int op, mc_value *l, mc_value *r, size_t *rows, size_t *cols, mc_error *err)
{
	mc_value *shape_of = mc_type(l) == MC_T_ARRAY ? l : r;
	size_t i;

	if (mc_type(l) == MC_T_ARRAY && mc_type(r) == MC_T_ARRAY && mc_array_cols(l) == 0 &&
	    mc_array_cols(r) > 0)
		shape_of = r;
	*rows = mc_array_rows(shape_of);
	*cols = mc_array_cols(shape_of);
	if (mc_type(l) != MC_T_ARRAY || mc_type(r) != MC_T_ARRAY)
		return 0;
	for (i = 0; i < 2; i++) {
		mc_value *o = i == 0 ? l : r;
		int same = mc_array_rows(o) == *rows && mc_array_cols(o) == *cols;
		int row = mc_array_cols(o) == 0 && *cols > 0 && mc_array_rows(o) == *cols;

		if (!same && !row) {
			char ls[64], rs[64];

			s_shape_text(l, ls, sizeof ls);
			s_shape_text(r, rs, sizeof rs);
			return mc_error_set(err, MC_ERR_SHAPE, "operands could not be combined with %s: shapes %s and %s",
			                    mc_op_text(op), ls, rs);
		}
	}
	return 0;
}

/* An operand of an element-wise operator: an array (n elements, repeated
 * along rows when shorter than the result) or a number. */
typedef struct s_operand {
	mc_value *v;
	size_t n;   /* 0 for a number */
} s_operand;

static double s_operand_f(const s_operand *o, size_t i, size_t size)
{
	return o->n ? s_elem(o->v, o->n == size ? i : i % o->n) : mc_as_float(o->v);
}

static int64_t s_operand_i(const s_operand *o, size_t i, size_t size)
{
	return o->n ? mc_array_i64(o->v)[o->n == size ? i : i % o->n] : mc_as_int(o->v);
}

/* Why element i has no int64 result (mc_int_op's code k). */
static int s_int_fail(mc_error *err, int k, size_t i)
{
	static const char *const why[] = {
		"", "integer overflow", "integer division or modulo by zero",
		"integers to negative integer powers are not allowed", "negative shift count",
		"unsupported operator"
	};

	if (k == MC_INT_ZERODIV)
		mc_lang_set_ename("ZeroDivisionError");
	else if (k == MC_INT_OVERFLOW)
		mc_lang_set_ename("OverflowError");
	return mc_error_set(err, MC_ERR_INVALID, "%s at element %zu", why[k], i);
}

/* Fills res element by element: a mask for comparisons, int64 where both
 * sides are ints (except '/'), float64 otherwise. */
static int s_fill(mc_value *res, int op, const s_operand *l, const s_operand *r, mc_error *err)
{
	size_t size = mc_array_size(res), i;
	int cmp = s_is_cmp(op), int_out = mc_array_dtype(res) == MC_I64;

	for (i = 0; i < size; i++) {
		if ((i & 0xFFFFF) == 0xFFFFF && mc_lang_interrupted())
			return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		if (cmp) {
			mc_array_i64(res)[i] = s_cmp_result(op, s_operand_f(l, i, size), s_operand_f(r, i, size));
		} else if (int_out) {
			int k = mc_int_op(op, s_operand_i(l, i, size), s_operand_i(r, i, size), &mc_array_i64(res)[i]);

			if (k != MC_INT_OK)
				return s_int_fail(err, k, i);
		} else {
			mc_array_f64(res)[i] = s_fop(op, s_operand_f(l, i, size), s_operand_f(r, i, size));
		}
	}
	return 0;
}

int mc_array_binop(mc_value **out, int op, mc_value *l, mc_value *r, mc_error *err)
{
	mc_value *res;
	size_t rows, cols, size;
	int cmp = s_is_cmp(op), bit = s_is_bit(op);
	int lint = mc_type(l) == MC_T_ARRAY ? mc_array_dtype(l) == MC_I64 : s_is_intlike(l);
	int rint = mc_type(r) == MC_T_ARRAY ? mc_array_dtype(r) == MC_I64 : s_is_intlike(r);
	int lmask = mc_type(l) == MC_T_ARRAY ? mc_array_is_mask(l) : mc_type(l) == MC_T_BOOL;
	int rmask = mc_type(r) == MC_T_ARRAY ? mc_array_is_mask(r) : mc_type(r) == MC_T_BOOL;
	s_operand lo = { l, mc_type(l) == MC_T_ARRAY ? mc_array_size(l) : 0 };
	s_operand ro = { r, mc_type(r) == MC_T_ARRAY ? mc_array_size(r) : 0 };

	*out = NULL;
	if (op == MC_OP_MATMUL)
		return s_matmul(out, l, r, err);
	if ((mc_type(l) != MC_T_ARRAY && !s_is_num(l)) || (mc_type(r) != MC_T_ARRAY && !s_is_num(r)))
		return mc_error_set(err, MC_ERR_TYPE, "unsupported operand types for %s: %s and %s",
		                    mc_op_text(op), mc_type_name(l), mc_type_name(r));
	if (bit && !(lint && rint))
		return mc_error_set(err, MC_ERR_TYPE, "'%s' needs boolean masks or int64 arrays, got %s",
		                    mc_op_text(op), !lint ? "float64 values" : "float64 values on the right");
	if (s_result_shape(op, l, r, &rows, &cols, err) != 0)
		return err->code;
	size = cols > 0 ? rows * cols : rows;
	res = mc_array_new(cmp || (lint && rint && op != MC_OP_DIV) ? MC_I64 : MC_F64, rows, cols);
	if (res == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for an array of %zu elements", size);
	if (cmp || (bit && lmask && rmask && op != MC_OP_LSHIFT && op != MC_OP_RSHIFT))
		mc_array_set_mask(res, 1);
	if (s_fill(res, op, &lo, &ro, err) != 0) {
		mc_unref(res);
		return err->code;
	}
	*out = res;
	return 0;
}

int mc_array_unop(mc_value **out, int op, mc_value *a, mc_error *err)
{
	size_t n = mc_array_size(a), i;
	mc_value *r;

	*out = NULL;
	if (op == MC_OP_POS) {
		*out = mc_ref(a);
		return 0;
	}
	if (op == MC_OP_INVERT && mc_array_dtype(a) != MC_I64)
		return mc_error_set(err, MC_ERR_TYPE, "'~' needs a boolean mask or an int64 array, got a float64 array");
	r = mc_array_new(mc_array_dtype(a), mc_array_rows(a), mc_array_cols(a));
	if (r == NULL)
		return mc_error_nomem(err);
	mc_array_set_mask(r, op == MC_OP_INVERT && mc_array_is_mask(a));
	for (i = 0; i < n; i++) {
		if (mc_array_dtype(a) == MC_F64) {
			mc_array_f64(r)[i] = -mc_array_f64(a)[i];
		} else if (op == MC_OP_INVERT) {
			int64_t x = mc_array_i64(a)[i];

			mc_array_i64(r)[i] = mc_array_is_mask(a) ? !x : ~x;
		} else {
			int64_t x = mc_array_i64(a)[i];

			if (x == INT64_MIN) {
				mc_unref(r);
				mc_lang_set_ename("OverflowError");
				return mc_error_set(err, MC_ERR_INVALID, "integer overflow at element %zu", i);
			}
			mc_array_i64(r)[i] = -x;
		}
	}
	*out = r;
	return 0;
}

/* ---- reductions ---- */

int mc_array_contains(mc_value *a, double x)
{
	size_t i;

	for (i = 0; i < mc_array_size(a); i++)
		if (s_elem(a, i) == x)
			return 1;
	return 0;
}

/* One line of a reduction: inner elements from base, stride apart. */
typedef struct s_line {
	double acc, best;   /* sum (as float), smallest or largest */
	int64_t iacc;       /* sum of an int64 array */
	size_t at;          /* position of best */
} s_line;

static void s_reduce_line(mc_value *a, int want_min, size_t base, size_t inner, size_t stride,
                          s_line *l)
{
	int is_int = mc_array_dtype(a) == MC_I64;
	size_t i;

	memset(l, 0, sizeof *l);
	for (i = 0; i < inner; i++) {
		size_t k = base + i * stride;
		double f = s_elem(a, k);

		l->acc += f;
		if (is_int)
			l->iacc += mc_array_i64(a)[k];
		if (i == 0 || (want_min ? f < l->best : f > l->best)) {
			l->best = f;
			l->at = i;
		}
	}
}

/* The result of one line as a number. */
static mc_value *s_line_value(const s_line *l, mc_reduce kind, int is_int, size_t inner)
{
	switch (kind) {
	case MC_REDUCE_SUM: return is_int ? mc_int(l->iacc) : mc_float(l->acc);
	case MC_REDUCE_MEAN: return mc_float(inner > 0 ? l->acc / (double)inner : NAN);
	case MC_REDUCE_MIN:
	case MC_REDUCE_MAX: return is_int ? mc_int((int64_t)l->best) : mc_float(l->best);
	default: return mc_int((int64_t)l->at);
	}
}

int mc_array_reduce(mc_value **out, mc_value *a, mc_reduce kind, int64_t axis, const char *fname,
                    mc_error *err)
{
	size_t rows = mc_array_rows(a), cols = mc_array_cols(a);
	size_t outer = rows, inner = cols, stride_o = cols, stride_i = 1, o;
	int is_int = mc_array_dtype(a) == MC_I64;
	int want_min = kind == MC_REDUCE_MIN || kind == MC_REDUCE_ARGMIN;
	int int_out = kind >= MC_REDUCE_ARGMAX || (is_int && kind != MC_REDUCE_MEAN);
	mc_value *res;
	s_line l;

	*out = NULL;
	if (axis < 0 || cols == 0) {
		outer = 1, inner = mc_array_size(a), stride_o = 0;
	} else if (axis == 0) {
		outer = cols, inner = rows, stride_o = 1, stride_i = cols;
	}
	if (inner == 0 && kind >= MC_REDUCE_MIN)
		return mc_error_set(err, MC_ERR_INVALID, "%s(): the array is empty", fname);
	if (axis < 0 || cols == 0) {
		s_reduce_line(a, want_min, 0, inner, stride_i, &l);
		*out = s_line_value(&l, kind, is_int, inner);
		return *out != NULL ? 0 : mc_error_nomem(err);
	}
	res = mc_array_new(int_out ? MC_I64 : MC_F64, outer, 0);
	if (res == NULL)
		return mc_error_nomem(err);
	for (o = 0; o < outer; o++) {
		s_reduce_line(a, want_min, o * stride_o, inner, stride_i, &l);
		if (int_out)
			mc_array_i64(res)[o] = kind == MC_REDUCE_SUM ? l.iacc :
			                       kind >= MC_REDUCE_ARGMAX ? (int64_t)l.at : (int64_t)l.best;
		else
			mc_array_f64(res)[o] = kind == MC_REDUCE_SUM ? l.acc :
			                       kind == MC_REDUCE_MEAN ? (inner > 0 ? l.acc / (double)inner : NAN) : l.best;
	}
	*out = res;
	return 0;
}

/* ---- attributes ---- */

static mc_value *s_attr_shape(mc_value *a, mc_error *err)
{
	mc_value *l = mc_list_new();

	(void)err;
	if (l == NULL || mc_list_append(l, mc_int((int64_t)mc_array_rows(a))) != 0 ||
	    (mc_array_cols(a) > 0 && mc_list_append(l, mc_int((int64_t)mc_array_cols(a))) != 0)) {
		mc_unref(l);
		return NULL;
	}
	return l;
}

static mc_value *s_attr_ndim(mc_value *a, mc_error *err)
{
	(void)err;
	return mc_int(mc_array_cols(a) > 0 ? 2 : 1);
}

static mc_value *s_attr_size(mc_value *a, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)mc_array_size(a));
}

static mc_value *s_attr_dtype(mc_value *a, mc_error *err)
{
	(void)err;
	return mc_str(mc_array_is_mask(a) ? "bool" : mc_array_dtype(a) == MC_F64 ? "float64" : "int64");
}

static mc_value *s_attr_nbytes(mc_value *a, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)(mc_array_size(a) * sizeof(double)));
}

static mc_value *s_attr_T(mc_value *a, mc_error *err)
{
	size_t r = mc_array_rows(a), cols = mc_array_cols(a), i, j;
	mc_value *t;

	(void)err;
	if (cols == 0)
		return mc_ref(a);
	t = mc_array_new(mc_array_dtype(a), cols, r);
	if (t == NULL)
		return NULL;
	mc_array_set_mask(t, mc_array_is_mask(a));
	for (i = 0; i < r; i++)
		for (j = 0; j < cols; j++) {
			if (mc_array_dtype(a) == MC_F64)
				mc_array_f64(t)[j * r + i] = mc_array_f64(a)[i * cols + j];
			else
				mc_array_i64(t)[j * r + i] = mc_array_i64(a)[i * cols + j];
		}
	return t;
}

const mc_attr_def mc_array_attrs[] = {
	{ .name = "shape", .doc = "[rows] or [rows, cols]", .get = s_attr_shape },
	{ .name = "ndim", .doc = "1 or 2", .get = s_attr_ndim },
	{ .name = "size", .doc = "number of elements", .get = s_attr_size },
	{ .name = "dtype", .doc = "\"float64\", \"int64\" or \"bool\" (a mask)", .get = s_attr_dtype },
	{ .name = "nbytes", .doc = "bytes the elements take (8 each)", .get = s_attr_nbytes },
	{ .name = "T", .doc = "the transpose (a 1-D array is its own)", .get = s_attr_T },
	{ .name = NULL }
};

/* ---- subscripts ---- */

void mc_slice_resolve(const int64_t *start, const int64_t *stop, const int64_t *step, size_t len,
                      int64_t *rstart, int64_t *rstep, size_t *count)
{
	__int128 st = step != NULL ? *step : 1, lo, hi, L = (__int128)len;

	if (st < -INT64_MAX)
		st = -INT64_MAX;   /* as Python clamps a step to -PY_SSIZE_T_MAX */
	lo = start != NULL ? *start : (st < 0 ? INT64_MAX : 0);
	hi = stop != NULL ? *stop : (st < 0 ? INT64_MIN : INT64_MAX);
	if (lo < 0) {
		lo += L;
		if (lo < 0)
			lo = st < 0 ? -1 : 0;
	} else if (lo >= L) {
		lo = st < 0 ? L - 1 : L;
	}
	if (hi < 0) {
		hi += L;
		if (hi < 0)
			hi = st < 0 ? -1 : 0;
	} else if (hi >= L) {
		hi = st < 0 ? L - 1 : L;
	}
	if (st < 0)
		*count = hi < lo ? (size_t)((lo - hi - 1) / (-st) + 1) : 0;
	else
		*count = lo < hi ? (size_t)((hi - lo - 1) / st + 1) : 0;
	*rstart = (int64_t)lo;
	*rstep = (int64_t)st;
}

static int s_index_error(mc_error *err, const char *what, int64_t i, size_t len)
{
	mc_lang_set_ename("IndexError");
	return mc_error_set(err, MC_ERR_INVALID, "%s index %lld out of range (length %zu)", what,
	                    (long long)i, len);
}

/* The positions an axis selects from a length; caller frees *pos. */
static int s_positions(const mc_axis *ax, size_t len, const char *what, size_t **pos, size_t *n,
                       mc_error *err)
{
	size_t i, cnt;
	size_t *p;
	mc_value *iv = ax->list;

	*pos = NULL;
	*n = 0;
	if (ax->kind == MC_AXIS_INDEX) {
		int64_t k = ax->index;

		if (k < 0)
			k += (int64_t)len;
		if (k < 0 || (uint64_t)k >= len)
			return s_index_error(err, what, ax->index, len);
		p = malloc(sizeof *p);
		if (p == NULL)
			return mc_error_nomem(err);
		p[0] = (size_t)k;
		*pos = p;
		*n = 1;
		return 0;
	}
	if (ax->kind == MC_AXIS_SLICE) {
		p = malloc((ax->count + 1) * sizeof *p);
		if (p == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu positions", ax->count);
		for (i = 0; i < ax->count; i++)
			p[i] = (size_t)((__int128)ax->start + (__int128)i * ax->step);
		*pos = p;
		*n = ax->count;
		return 0;
	}
	/* a list of ints, an int64 array, or a boolean mask */
	cnt = mc_type(iv) == MC_T_LIST ? mc_list_len(iv) : mc_array_size(iv);
	if (mc_type(iv) == MC_T_ARRAY && mc_array_cols(iv) != 0)
		return mc_error_set(err, MC_ERR_TYPE, "an index array must be 1-D, got a 2-D array");
	p = malloc((cnt + 1) * sizeof *p);
	if (p == NULL)
		return mc_error_nomem(err);
	{
		int mask = mc_type(iv) == MC_T_ARRAY ? mc_array_is_mask(iv) : cnt > 0;

		for (i = 0; mc_type(iv) == MC_T_LIST && mask && i < cnt; i++)
			if (mc_type(mc_list_get(iv, i)) != MC_T_BOOL)
				mask = 0;
		if (mask) {
			size_t k = 0;

			if (cnt != len) {
				free(p);
				mc_lang_set_ename("IndexError");
				return mc_error_set(err, MC_ERR_INVALID,
				                    "a boolean mask of length %zu cannot select from length %zu", cnt, len);
			}
			for (i = 0; i < cnt; i++)
				if (mc_type(iv) == MC_T_LIST ? mc_as_bool(mc_list_get(iv, i)) : mc_array_i64(iv)[i] != 0)
					p[k++] = i;
			*pos = p;
			*n = k;
			return 0;
		}
	}
	if (mc_type(iv) == MC_T_ARRAY && mc_array_dtype(iv) != MC_I64) {
		free(p);
		return mc_error_set(err, MC_ERR_TYPE,
		                    "array indices must be an int64 array or a list of ints, got a float64 array");
	}
	for (i = 0; i < cnt; i++) {
		int64_t k, orig;

		if (mc_type(iv) == MC_T_LIST) {
			mc_value *e = mc_list_get(iv, i);

			if (mc_type(e) != MC_T_INT) {
				free(p);
				return mc_error_set(err, MC_ERR_TYPE, "index list item %zu must be int, got %s", i,
				                    mc_type_name(e));
			}
			k = mc_as_int(e);
		} else {
			k = mc_array_i64(iv)[i];
		}
		orig = k;
		if (k < 0)
			k += (int64_t)len;
		if (k < 0 || (uint64_t)k >= len) {
			free(p);
			mc_lang_set_ename("IndexError");
			return mc_error_set(err, MC_ERR_INVALID,
			                    "index %lld (item %zu of the index list) out of range (length %zu)",
			                    (long long)orig, i, len);
		}
		p[i] = (size_t)k;
	}
	*pos = p;
	*n = cnt;
	return 0;
}

/* The positions of every axis of a subscript (ci NULL for one axis). */
static int s_selection(mc_value *a, const mc_axis *ax, size_t nax, size_t **ri, size_t *nr, size_t **ci,
                       size_t *nc, size_t *bad_axis, mc_error *err);

static int s_check_axes(mc_value *a, size_t nax, mc_error *err)
{
	size_t cols = mc_array_cols(a);

	if (nax > (cols > 0 ? 2u : 1u)) {
		mc_lang_set_ename("IndexError");
		return mc_error_set(err, MC_ERR_INVALID, "too many indices: the array is %s, expected at most %d",
		                    cols == 0 ? "1-D" : "2-D", cols == 0 ? 1 : 2);
	}
	return 0;
}

static int s_selection(mc_value *a, const mc_axis *ax, size_t nax, size_t **ri, size_t *nr, size_t **ci,
                       size_t *nc, size_t *bad_axis, mc_error *err)
{
	int rc;

	*ri = *ci = NULL;
	*bad_axis = 0;
	if ((rc = s_check_axes(a, nax, err)) != 0)
		return rc;
	if ((rc = s_positions(&ax[0], mc_array_rows(a), nax == 2 ? "row" : "array", ri, nr, err)) != 0)
		return rc;
	if (nax == 2) {
		*bad_axis = 1;
		if ((rc = s_positions(&ax[1], mc_array_cols(a), "column", ci, nc, err)) != 0) {
			free(*ri);
			*ri = NULL;
			return rc;
		}
	}
	return 0;
}

int mc_array_select(mc_value **out, mc_value *a, const mc_axis *ax, size_t nax, size_t *bad_axis,
                    mc_error *err)
{
	size_t cols = mc_array_cols(a), nr = 0, nc = 0, i, j;
	size_t *ri = NULL, *ci = NULL;
	mc_value *r = NULL;
	int rc, f64 = mc_array_dtype(a) == MC_F64;

	*out = NULL;
	if ((rc = s_selection(a, ax, nax, &ri, &nr, &ci, &nc, bad_axis, err)) != 0)
		return rc;
	if (cols == 0 || nax == 1) {
		/* elements of a 1-D array, or rows of a 2-D one */
		size_t w = cols > 0 ? cols : 1;

		if (ax[0].kind == MC_AXIS_INDEX) {
			if (cols == 0)
				r = mc_array_is_mask(a) ? mc_bool(mc_array_i64(a)[ri[0]] != 0) :
					f64 ? mc_float(mc_array_f64(a)[ri[0]]) : mc_int(mc_array_i64(a)[ri[0]]);
			else
				r = mc_array_new(mc_array_dtype(a), cols, 0);
			if (r != NULL && cols > 0) {
				mc_array_set_mask(r, mc_array_is_mask(a));
				memcpy(f64 ? (void *)mc_array_f64(r) : (void *)mc_array_i64(r),
				       f64 ? (void *)(mc_array_f64(a) + ri[0] * cols) : (void *)(mc_array_i64(a) + ri[0] * cols),
				       cols * 8);
			}
		} else {
			r = mc_array_new(mc_array_dtype(a), nr, cols);
			if (r != NULL) {
				mc_array_set_mask(r, mc_array_is_mask(a));
				for (i = 0; i < nr; i++) {
					if (f64)
						memcpy(mc_array_f64(r) + i * w, mc_array_f64(a) + ri[i] * w, w * sizeof(double));
					else
						memcpy(mc_array_i64(r) + i * w, mc_array_i64(a) + ri[i] * w, w * sizeof(int64_t));
				}
			}
		}
	} else {
		int rscalar = ax[0].kind == MC_AXIS_INDEX, cscalar = ax[1].kind == MC_AXIS_INDEX;

		if (rscalar && cscalar) {
			size_t k = ri[0] * cols + ci[0];

			r = mc_array_is_mask(a) ? mc_bool(mc_array_i64(a)[k] != 0) :
				f64 ? mc_float(mc_array_f64(a)[k]) : mc_int(mc_array_i64(a)[k]);
		} else if (rscalar || cscalar) {
			size_t m = rscalar ? nc : nr;

			r = mc_array_new(mc_array_dtype(a), m, 0);
			for (i = 0; r != NULL && i < m; i++) {
				size_t src = rscalar ? ri[0] * cols + ci[i] : ri[i] * cols + ci[0];

				if (f64)
					mc_array_f64(r)[i] = mc_array_f64(a)[src];
				else
					mc_array_i64(r)[i] = mc_array_i64(a)[src];
			}
			mc_array_set_mask(r, mc_array_is_mask(a));
		} else {
			r = nc > 0 ? mc_array_new(mc_array_dtype(a), nr, nc) : mc_array_new(mc_array_dtype(a), 0, 0);
			for (i = 0; r != NULL && nc > 0 && i < nr; i++)
				for (j = 0; j < nc; j++) {
					size_t src = ri[i] * cols + ci[j];

					if (f64)
						mc_array_f64(r)[i * nc + j] = mc_array_f64(a)[src];
					else
						mc_array_i64(r)[i * nc + j] = mc_array_i64(a)[src];
				}
			mc_array_set_mask(r, mc_array_is_mask(a));
		}
	}
	free(ri);
	free(ci);
	if (r == NULL)
		return mc_error_nomem(err);
	*out = r;
	return 0;
}

int mc_array_store(mc_value *a, const mc_axis *ax, size_t nax, mc_value *v, size_t *bad_axis,
                   mc_error *err)
{
	size_t cols = mc_array_cols(a), nr = 0, nc = 1, i, j, want, have;
	size_t *ri = NULL, *ci = NULL;
	int rc, f64 = mc_array_dtype(a) == MC_F64;

	*bad_axis = 0;
	if (!s_is_num(v) && mc_type(v) != MC_T_ARRAY)
		return mc_error_set(err, MC_ERR_TYPE, "array items must be numbers, got %s", mc_type_name(v));
	if (!f64 && (mc_type(v) == MC_T_FLOAT || (mc_type(v) == MC_T_ARRAY && mc_array_dtype(v) == MC_F64)))
		return mc_error_set(err, MC_ERR_TYPE, "int64 array items must be int, got %s",
		                    mc_type(v) == MC_T_FLOAT ? "float" : "a float64 array");
	if ((rc = s_selection(a, ax, nax, &ri, &nr, &ci, &nc, bad_axis, err)) != 0)
		return rc;
	if (nax == 1)
		nc = cols > 0 ? cols : 1;   /* whole rows, or one element */
	want = nr * nc;
	have = mc_type(v) == MC_T_ARRAY ? mc_array_size(v) : 1;
	if (mc_type(v) == MC_T_ARRAY && have != want && !(have == nc && nc > 0)) {
		free(ri);
		free(ci);
		return mc_error_set(err, MC_ERR_SHAPE, "cannot assign %zu values to %zu selected elements",
		                    have, want);
	}
	for (i = 0; i < nr; i++)
		for (j = 0; j < nc; j++) {
			size_t dst = cols == 0 ? ri[i] : ri[i] * cols + (ci != NULL ? ci[j] : j);
			size_t src = have == want ? i * nc + j : j;

			if (f64)
				mc_array_f64(a)[dst] = mc_type(v) == MC_T_ARRAY ? s_elem(v, src) : mc_as_float(v);
			else
				mc_array_i64(a)[dst] = mc_type(v) == MC_T_ARRAY ? mc_array_i64(v)[src] : mc_as_int(v);
		}
	free(ri);
	free(ci);
	return 0;
}
