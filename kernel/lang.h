/* Internals of the command language shared by value.c, args.c, eval.c,
 * bind_core.c and complete.c: function values, the bound call, signatures,
 * and UTF-8 helpers. Not for the areas: they use builtin.h. */
#ifndef MASKCLEAN_LANG_H
#define MASKCLEAN_LANG_H

#include <stddef.h>
#include <stdint.h>

#include "builtin.h"
#include "interp.h"
#include "value.h"

/* A function value: a table entry, bound to self for methods (self may be
 * NULL). Takes a new reference to self. Caller owns the result. */
mc_value *mc_func_new(const mc_func_def *def, mc_value *self);
const mc_func_def *mc_func_def_of(const mc_value *v);   /* NULL unless a function */
mc_value *mc_func_self(const mc_value *v);               /* borrowed, may be NULL */

/* Type name used to find methods of builtin values: "list.append". */
const char *mc_value_method_prefix(const mc_value *v);

/* Boolean masks: int64 arrays of 0/1 made by comparisons (y == 3). They
 * show as True/False and select rows when used as an index (X[y == 3]). */
void mc_array_set_mask(mc_value *v, int mask);
int mc_array_is_mask(const mc_value *v);

/* Replaces item i of a list (steals item). */
int mc_list_set(mc_value *list, size_t i, mc_value *item);

/* Value stored under key (str or int value) in dict d; borrowed or NULL. */
mc_value *mc_dict_lookup(const mc_value *d, const mc_value *key);

/* print() form: strings bare, everything else as repr. Caller owns. */
char *mc_value_str(const mc_value *v);

/* Python-like equality (1 == 1.0, lists element-wise). */
int mc_value_equal(const mc_value *a, const mc_value *b);

/* One parameter of a parsed signature. */
typedef enum mc_param_kind {
	MC_PARAM_NORMAL,   /* positional or keyword */
	MC_PARAM_KWONLY,   /* after a bare '*' or '*args' */
	MC_PARAM_VARARGS,  /* *args: extra positionals as a list */
	MC_PARAM_VARKW     /* **kwargs: extra keywords as a dict */
} mc_param_kind;

typedef struct mc_param {
	char name[64];
	mc_param_kind kind;
	mc_value *dflt;   /* owned; NULL when required */
} mc_param;

typedef struct mc_signature {
	mc_param *params;
	size_t n;
} mc_signature;

/* Parses a signature string "(X, y=none, *, seed=0)". Defaults must be
 * literals (numbers, strings, booleans, none, lists, dicts). Fills *sig (free
 * with mc_signature_clear); fails with MC_ERR_PARSE naming the column. */
int mc_signature_parse(mc_signature *sig, const char *text, mc_error *err);
void mc_signature_clear(mc_signature *sig);

/* The state of one call of a table function. */
struct mc_call {
	const mc_func_def *def;
	mc_value *self;            /* borrowed; NULL for plain functions */
	mc_signature sig;
	mc_value **vals;           /* sig.n bound values, owned */
	unsigned char *given;      /* sig.n flags */
	const mc_io *io;           /* may be NULL (tests) */
	mc_interp *interp;         /* may be NULL */
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

/* Binds args to the signature of def into call (call->io and interp are set
 * by the caller afterwards). On failure returns MC_ERR_TYPE with a message
 * such as "PCA() got an unexpected keyword argument 'n_component'; did you
 * mean 'n_components'?" and sets *bad_arg to the index of the offending
 * argument (or -1). Free with mc_call_clear. */
int mc_call_bind(mc_call *call, const mc_func_def *def, mc_value *self,
                 const mc_callarg *args, size_t nargs, int *bad_arg, mc_error *err);
void mc_call_clear(mc_call *call);
/* Finishes the progress bar of call (100% or "interrupted"). */
void mc_call_finish_progress(mc_call *call, int status);

/* The interpreter behind a call (for help, dir, display). */
mc_interp *mc_call_interp(mc_call *call);
/* Variable lookup for builtins (borrowed or NULL). */
mc_value *mc_interp_get_var(mc_interp *in, const char *name);
/* Sets variable name to v (takes a new reference). Returns 0 or MC_ERR_NOMEM. */
int mc_interp_set_var(mc_interp *in, const char *name, mc_value *v);
/* Sorted names of all variables (a list value; caller owns). */
mc_value *mc_interp_var_names(mc_interp *in);

/* Levenshtein distance, for "did you mean". */
size_t mc_edit_distance(const char *a, const char *b);
/* Closest of the candidates to name (distance <= max(1, len/3)), or NULL. */
const char *mc_closest(const char *name, const char *const *cands, size_t n);

/* Help text for a table entry: signature, doc, long doc. Caller owns. */
char *mc_help_for_def(const mc_func_def *def);
/* Help text for any value (functions, objects, builtin types). Caller owns. */
char *mc_help_for_value(const mc_value *v);
/* Names offered after "v." : methods from the table and attributes. */
mc_value *mc_value_dir(const mc_value *v);

/* UTF-8: number of code points in s[0..n). */
size_t mc_utf8_count(const char *s, size_t n);
/* Byte offset of code point index cp in s (clamped to strlen). */
size_t mc_utf8_offset(const char *s, size_t cp);

#endif
