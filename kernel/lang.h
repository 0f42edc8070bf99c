/* Internals of the command language shared by value.c, dict.c, gc.c, iter.c,
 * args.c, eval.c, format.c, bind_core.c and complete.c: function values, the
 * bound call, signatures, iteration, limits, interrupts and UTF-8 helpers.
 * Not for the areas: they use builtin.h. */
#ifndef MASKCLEAN_LANG_H
#define MASKCLEAN_LANG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "builtin.h"
#include "interp.h"
#include "parser.h"
#include "value.h"

/* ---- functions ---- */

/* A function value for a table entry, bound to self for methods (self may
 * be NULL). Takes a new reference to self. Caller owns the result. */
mc_value *mc_func_new(const mc_func_def *def, mc_value *self);
const mc_func_def *mc_func_def_of(const mc_value *v);   /* NULL unless a table function */
mc_value *mc_func_self(const mc_value *v);               /* borrowed, may be NULL */

/* A function defined in the language (def or lambda). */
typedef struct mc_userfn {
	mc_code *code;           /* the cell it was defined in (a reference) */
	const mc_fundef *def;    /* borrowed from code's tree */
	mc_value **defaults;     /* def->nparams entries, NULL where there is none (owned) */
	mc_value *env;           /* the enclosing functions' scopes: a list of dicts,
	                            innermost first, or NULL (owned) */
	char *qualname;          /* "f", "outer.<locals>.inner", "<lambda>" (owned) */
} mc_userfn;

/* Wraps fn (steals it and everything it owns, even on failure). */
mc_value *mc_userfn_new(mc_userfn *fn);
/* Releases what fn owns and fn itself; accepts NULL. */
void mc_userfn_free(mc_userfn *fn);
mc_userfn *mc_userfn_of(const mc_value *v);   /* NULL unless a user function */

/* Type name used to find methods of builtin values: "list.append". */
const char *mc_value_method_prefix(const mc_value *v);

/* ---- containers ---- */

/* Boolean masks: int64 arrays of 0/1 made by comparisons (y == 3). They
 * show as True/False and select rows when used as an index (X[y == 3]). */
void mc_array_set_mask(mc_value *v, int mask);
int mc_array_is_mask(const mc_value *v);

/* Replaces item i of a list (steals item). */
int mc_list_set(mc_value *list, size_t i, mc_value *item);
/* Inserts item before position i (i <= len; steals item). */
int mc_list_insert(mc_value *list, size_t i, mc_value *item);
/* Removes item i and hands its reference to the caller. */
mc_value *mc_list_pop(mc_value *list, size_t i);
/* Makes room for n items in total. */
int mc_list_reserve(mc_value *list, size_t n);
/* The item array of a list (borrowed; valid until the list changes). */
mc_value *const *mc_list_items(const mc_value *list);

/* Dicts take keys that are hashable: str, int, bool, float and None.
 * Lookup of key (borrowed result) or NULL; *unhashable set when key cannot
 * be a key (may be NULL). A str key keeps its hash, computed once. */
mc_value *mc_dict_lookup(const mc_value *d, mc_value *key);
/* Lookup by the bytes of a str key. */
mc_value *mc_dict_get_n(const mc_value *d, const char *key, size_t n);
/* Removes key; returns 0, or MC_ERR_NOTFOUND when it is not there (a str
 * key keeps its hash). */
int mc_dict_del(mc_value *d, mc_value *key);
/* Changes whenever a key is added or removed (iteration checks it). */
uint64_t mc_dict_version(const mc_value *d);
/* Lookup by the bytes of a str key and its hash (mc_str_hash). */
mc_value *mc_dict_get_h(const mc_value *d, const char *key, size_t n, uint64_t hash);
uint64_t mc_str_hash(const char *s, size_t n);
/* 1 if v can be a dict key. */
int mc_value_hashable(const mc_value *v);

/* A new str that takes over buf (malloc'd, n bytes plus a NUL); buf is
 * freed on failure. */
mc_value *mc_str_take(char *buf, size_t n);

/* Ranges: range(start, stop, step) without the list. */
mc_value *mc_range_new(int64_t start, int64_t stop, int64_t step);
/* Length (may exceed INT64_MAX), first item and step. */
void mc_range_get(const mc_value *v, uint64_t *len, int64_t *start, int64_t *step);
/* Item i (< len). */
int64_t mc_range_item(const mc_value *v, uint64_t i);

/* print() form: strings bare, everything else as repr. Caller owns; NUL
 * characters of a str are kept (see *n). n may be NULL. */
char *mc_value_str(const mc_value *v);
char *mc_value_str_n(const mc_value *v, size_t *n);

/* Python's ordering: numbers with numbers, str with str, lists item by
 * item. *res is -1, 0 or 1. Fails with MC_ERR_TYPE "'<' not supported
 * between instances of 'str' and 'int'" (op names the operator). */
int mc_value_order(const mc_value *a, const mc_value *b, const char *op, int *res, mc_error *err);

/* Python-like equality (1 == 1.0, lists element-wise). 0 when the values
 * nest deeper than the depth limit. */
int mc_value_equal(const mc_value *a, const mc_value *b);
/* The same with the depth limit reported: 1 equal, 0 not, -1 too deep. */
int mc_value_equal_checked(const mc_value *a, const mc_value *b);

/* ---- limits, interrupts, the C stack ---- */

/* The recursion limit (default 1000): calls of functions defined in the
 * language, and the nesting of expressions, blocks and values. The user
 * raises it with setrecursionlimit(n). */
int mc_lang_depth_limit(void);
void mc_lang_set_depth_limit(int n);

/* The largest value `seq * n` builds, in bytes: a string's bytes, a list's
 * items times 8 (default 2^31: 2^31 bytes, 2^28 items, as the language
 * documents); beyond it a MemoryError. A fuzzing harness lowers it so that
 * one cell's value stays within the fuzzer's memory limit. */
size_t mc_lang_repeat_limit(void);
void mc_lang_set_repeat_limit(size_t bytes);

/* The interrupt flag of the running request (NULL: none); returns the
 * previous one, to be restored. */
atomic_int *mc_lang_set_interrupt(atomic_int *flag);
int mc_lang_interrupted(void);

/* A Python error name ("IndexError", "RuntimeError") for the error a builtin
 * is about to return, when its mc_error code names it less well. The
 * evaluator takes it (once) when it reports the error. */
void mc_lang_set_ename(const char *ename);
const char *mc_lang_take_ename(void);

/* A guard against C stack overflow in recursive code: mc_stack_enter marks
 * where the stack starts (the first call on a thread; returns non-zero
 * then, to be passed to mc_stack_leave); mc_stack_ok says whether there
 * is still room (a generous margin is kept). */
int mc_stack_enter(void);
void mc_stack_leave(int entered);
int mc_stack_ok(void);

/* ---- cycle collection (gc.c) ---- */

/* Frees every group of containers that only reference each other.
 * Returns how many values were freed. */
size_t mc_gc_collect(void);
/* 1 when enough containers were made since the last collection. */
int mc_gc_due(void);
/* Containers currently alive (for tests). */
size_t mc_gc_tracked(void);

/* ---- signatures and calls ---- */

typedef struct mc_param {
	char *name;        /* owned by parsed signatures, else borrowed */
	mc_param_kind kind;
	mc_value *dflt;    /* NULL when required; owned by parsed signatures */
} mc_param;

typedef struct mc_signature {
	mc_param *params;
	size_t n;
} mc_signature;

/* Parses a signature string "(X, y=None, *, seed=0)". Defaults must be
 * literals (numbers, strings, booleans, None, lists, dicts). Fills *sig
 * (free with mc_signature_clear); fails with MC_ERR_PARSE naming the column. */
int mc_signature_parse(mc_signature *sig, const char *text, mc_error *err);
void mc_signature_clear(mc_signature *sig);
/* A signature as shown to users: the literals none, true and false in
 * Python's spelling (None, True, False). Caller owns. */
char *mc_signature_pretty(const char *sig);
/* The parsed signature of a table entry, parsed once (borrowed; NULL with
 * err set if the entry's signature is bad). */
const mc_signature *mc_signature_of(const mc_func_def *def, mc_error *err);

/* The state of one call of a table function. */
struct mc_call {
	const mc_func_def *def;
	mc_value *self;            /* borrowed; NULL for plain functions */
	mc_signature sig;          /* params borrowed from the cache: do not clear */
	mc_value **vals;           /* sig.n bound values, owned */
	unsigned char *given;      /* sig.n flags */
	const mc_io *io;           /* may be NULL (tests) */
	mc_interp *interp;         /* may be NULL */
	void *ctx;                 /* the evaluator running the call (eval.c), may be NULL */
	/* progress bar */
	mc_progress progress;
	char display_id[64];
	int bar_shown;
	int interrupted_seen;
	double last_update;
	size_t last_done, last_total;
	char last_what[128];
};

/* One argument as written at the call site. */
typedef struct mc_callarg {
	const char *name;   /* NULL for positional */
	mc_value *value;    /* borrowed */
} mc_callarg;

/* Binds args to the parameters of a signature: vals[i] gets a new reference
 * (defaults included, *args a list, **kwargs a dict) and given[i] says
 * whether the caller passed it. fname names the function in messages. On
 * failure returns MC_ERR_TYPE with a message such as "PCA() got an
 * unexpected keyword argument 'n_component'; did you mean 'n_components'?",
 * sets *bad_arg to the index of the offending argument (or -1) and leaves
 * vals empty. */
int mc_bind_args(const mc_signature *sig, const char *fname, const char *sigtext,
                 const mc_callarg *args, size_t nargs, mc_value **vals,
                 unsigned char *given, int *bad_arg, mc_error *err);

/* Binds args to the signature of def into call (call->io and interp are set
 * by the caller afterwards). Free with mc_call_clear. */
int mc_call_bind(mc_call *call, const mc_func_def *def, mc_value *self,
                 const mc_callarg *args, size_t nargs, int *bad_arg, mc_error *err);
void mc_call_clear(mc_call *call);
/* Finishes the progress bar of call (100% or "interrupted"). */
void mc_call_finish_progress(mc_call *call, int status);
/* Binds and runs a table function; *out is a new reference. */
int mc_call_def(const mc_func_def *def, mc_value *self, const mc_callarg *args, size_t nargs,
                const mc_io *io, mc_interp *in, void *ctx, mc_value **out, int *bad_arg,
                mc_error *err);
/* 1 once the user interrupted the request behind call. */
int mc_call_interrupted(mc_call *call);
/* Adds payload to the execute_reply (see mc_io.payload); steals payload,
 * which may be NULL. */
void mc_call_payload(mc_call *call, json_t *payload);

/* Calls any function value (a table function or one defined in the
 * language) from inside a builtin, e.g. the key of sorted(). Errors inside
 * a function of the language keep their traceback. *out is a new reference. */
int mc_call_value(mc_call *call, mc_value *fn, mc_value *const *args, size_t nargs,
                  mc_value **out, mc_error *err);

/* Runs src, the text of a file of code, inside the call's evaluation: its
 * statements run at the session's top level (what they assign are the
 * session's variables), in a frame of their own that tracebacks name by
 * label ("File setup.mc"). Statements before a failing one keep their
 * effect. Fails with the error of the failing statement (its traceback in
 * the evaluation's), a syntax error of src, or a RecursionError when runs
 * nest deeper than the recursion limit. */
int mc_call_run_code(mc_call *call, const char *src, const char *label, mc_error *err);

/* The special method "<Class>.<name>" of v's type in the table ("__len__",
 * "__iter__"), or NULL. */
const mc_func_def *mc_special_method(const mc_value *v, const char *name);

/* The interpreter behind a call (for help, dir, display). */
mc_interp *mc_call_interp(mc_call *call);
/* Variable lookup for builtins (borrowed or NULL). */
mc_value *mc_interp_get_var(mc_interp *in, const char *name);
/* Sets variable name to v (takes a new reference). Returns 0 or MC_ERR_NOMEM. */
int mc_interp_set_var(mc_interp *in, const char *name, mc_value *v);
/* Sorted names of all variables (a list value; caller owns). */
mc_value *mc_interp_var_names(mc_interp *in);

/* ---- iteration (iter.c) ---- */

/* Walks any iterable value: a list (live, as Python does), a range, a dict's
 * keys (changing its size while walking is an error), a str's characters,
 * an array's elements (1-D) or rows (2-D), objects whose type has an
 * "__iter__" method in the table, and objects whose type has "__len__" and
 * "__getitem__" (t[0], t[1], ... as Python's sequence protocol). */
typedef struct mc_iter {
	mc_value *src;       /* owned */
	size_t i;
	uint64_t n;          /* ranges, arrays, objects walked by index: the length */
	uint64_t version;    /* dicts */
	size_t off;          /* str: byte offset */
	const mc_func_def *getitem;   /* objects with __len__ and __getitem__ */
	const mc_io *io;
	mc_interp *in;
} mc_iter;

/* Starts walking v. io and in run an object's __iter__ (may be NULL).
 * Fails with MC_ERR_TYPE "'int' object is not iterable". */
int mc_iter_init(mc_iter *it, mc_value *v, const mc_io *io, mc_interp *in, mc_error *err);
/* 1 and a new reference in *out, 0 at the end, or a negative code. */
int mc_iter_next(mc_iter *it, mc_value **out, mc_error *err);
void mc_iter_clear(mc_iter *it);
/* The items of any iterable as a list (a new reference; a list is
 * returned as itself). fname prefixes messages. Stops when interrupted. */
int mc_value_items(mc_value **out, mc_value *v, const mc_io *io, mc_interp *in,
                   const char *fname, mc_error *err);
/* len(v): lists, dicts, str (characters), arrays (rows), ranges, and
 * objects with "__len__". */
int mc_value_len(mc_value *v, const mc_io *io, mc_interp *in, int64_t *out,
                 mc_error *err);

/* ---- arrays (array.c) ---- */

/* Element-wise arithmetic, comparison (boolean masks) and bitwise
 * operators of arrays with numbers or arrays: a number combines with every
 * element, a 1-D array with every row of a 2-D one. op is an mc_op; '@' is
 * the matrix product. Errors: MC_ERR_SHAPE, MC_ERR_TYPE, MC_ERR_INVALID. */
int mc_array_binop(mc_value **out, int op, mc_value *l, mc_value *r, mc_error *err);
/* -a, +a, ~a (masks and int64 arrays). */
int mc_array_unop(mc_value **out, int op, mc_value *a, mc_error *err);
/* x in a: 1 if some element equals x. */
int mc_array_contains(mc_value *a, double x);
/* Reductions of an array: over every element (axis < 0, or any axis of a
 * 1-D array) to a number, or along axis 0 (down columns) or 1 (across rows)
 * of a 2-D array to a 1-D array. Sums, min and max of int64 arrays stay
 * int64; arg* give positions (flat, or within the line). min, max and arg*
 * of no elements fail with MC_ERR_INVALID "fname(): the array is empty". */
typedef enum mc_reduce {
	MC_REDUCE_SUM, MC_REDUCE_MEAN, MC_REDUCE_MIN, MC_REDUCE_MAX, MC_REDUCE_ARGMAX, MC_REDUCE_ARGMIN
} mc_reduce;
int mc_array_reduce(mc_value **out, mc_value *a, mc_reduce kind, int64_t axis, const char *fname,
                    mc_error *err);
/* The attributes of arrays: shape, ndim, size, dtype, T. */
extern const mc_attr_def mc_array_attrs[];

/* One axis of a subscript a[i], a[i:j:k], a[idx], a[mask]. */
typedef enum mc_axis_kind { MC_AXIS_INDEX, MC_AXIS_SLICE, MC_AXIS_LIST } mc_axis_kind;
typedef struct mc_axis {
	mc_axis_kind kind;
	int64_t index;            /* INDEX, as written (negative counts from the end) */
	int64_t start, step;      /* SLICE, resolved for the axis' length */
	size_t count;
	mc_value *list;           /* LIST: ints, an int64 array, or a boolean mask (borrowed) */
} mc_axis;

/* a[ax[0]] or a[ax[0], ax[1]]; *bad_axis says which axis an error is about. */
int mc_array_select(mc_value **out, mc_value *a, const mc_axis *ax, size_t nax,
                    size_t *bad_axis, mc_error *err);
/* a[...] = v: a number for every selected element, or an array of the
 * selection's shape (a 1-D one repeats along rows). */
int mc_array_store(mc_value *a, const mc_axis *ax, size_t nax, mc_value *v, size_t *bad_axis,
                   mc_error *err);

/* Python's slice rules (PySlice_AdjustIndices): missing parts are NULL. */
void mc_slice_resolve(const int64_t *start, const int64_t *stop, const int64_t *step, size_t len,
                      int64_t *rstart, int64_t *rstep, size_t *count);

/* ---- text ---- */

/* A growing text buffer (text.c). Start it zeroed: mc_text t = { 0 }. */
typedef struct mc_text {
	char *s;
	size_t n, cap;
	int oom;
} mc_text;

void mc_text_put(mc_text *t, const char *s, size_t n);
void mc_text_puts(mc_text *t, const char *s);
void mc_text_printf(mc_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (caller owns; "" when nothing was put), or NULL after running
 * out of memory. Resets t. */
char *mc_text_finish(mc_text *t);

/* Integer arithmetic with Python's rules (floor division and modulo) on
 * 64 bits (array.c): 0 and *r, or why it has no int result. */
enum { MC_INT_OK, MC_INT_OVERFLOW, MC_INT_ZERODIV, MC_INT_NEGPOW, MC_INT_NEGSHIFT, MC_INT_BADOP };
int mc_int_op(int op, int64_t a, int64_t b, int64_t *r);

/* Shallow copies (the items are shared): NULL when memory runs out. */
mc_value *mc_list_copy(const mc_value *list);
mc_value *mc_dict_copy(const mc_value *dict);

/* format(v, spec) as Python's format mini-language ("{:>8.3f}"). Caller
 * owns *out (n bytes). Fails with MC_ERR_INVALID naming the spec. */
int mc_format_value(const mc_value *v, const char *spec, size_t spec_len, char **out,
                    size_t *n, mc_error *err);
/* str.format: fields {} {0} {name} {x:spec} {x!r}. */
int mc_format_str(const char *fmt, size_t len, const mc_value *args, const mc_value *kwargs,
                  char **out, size_t *n, mc_error *err);

/* Levenshtein distance, for "did you mean". */
size_t mc_edit_distance(const char *a, const char *b);
/* Closest of the candidates to name (distance <= max(1, len/3)), or NULL. */
const char *mc_closest(const char *name, const char *const *cands, size_t n);

/* ---- attributes (attr.c) ---- */
/* The attribute table of v's class, or of arrays; NULL when v has none. */
const mc_attr_def *mc_value_attrs(const mc_value *v);
/* v.name: 0 and a new reference in *out, or MC_ERR_NOTFOUND ("Dataset has
 * no attribute 'x'") or the getter's error. Methods are not attributes
 * (they are in the function table). */
int mc_value_getattr(mc_value **out, mc_value *v, const char *name, mc_error *err);
/* Appends the attribute names of v to list; MC_ERR_NOMEM when memory runs out. */
int mc_value_attr_names(const mc_value *v, mc_value *list);

/* ---- help (help.c) ---- */
/* Help text for a table entry: signature, doc, long doc. Caller owns. */
char *mc_help_for_def(const mc_func_def *def);
/* Help text for any value (functions, objects, builtin types). Caller owns. */
char *mc_help_for_value(const mc_value *v);
/* help(): the language in a few lines, then every function by area. Caller
 * owns; NULL when memory runs out. */
char *mc_help_overview(void);
/* Shows help text: printed, or in the front end's pager when it is long
 * (with markdown, also as text/markdown). */
void mc_help_show(mc_call *call, const char *text, int markdown);
/* Names offered after "v." : methods from the table and attributes. */
mc_value *mc_value_dir(const mc_value *v);

/* UTF-8: number of code points in s[0..n). */
size_t mc_utf8_count(const char *s, size_t n);
/* Byte offset of code point index cp in s[0..n) (clamped to n). */
size_t mc_utf8_offset(const char *s, size_t n, size_t cp);
/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
size_t mc_utf8_valid_at(const char *s, size_t n);
/* A copy of s[0..n) that is valid UTF-8 for JSON: NUL characters dropped,
 * invalid bytes replaced by U+FFFD. Caller owns. */
char *mc_utf8_clean(const char *s, size_t n);

#endif
