/* The interface between the language and the functions it calls.
 *
 * One table describes every command-language function. Each area of the
 * runtime exposes an array of mc_func_def in kernel/bind_<area>.c, ended by
 * an entry whose name is NULL; kernel/registry.c lists the arrays. Help,
 * inspect (Shift-Tab), completion and docs/functions.md are generated from
 * these entries, never written twice.
 *
 * Names: "PCA" is a function (often a constructor); "PCA.fit" is a method of
 * objects whose class name is "PCA".
 *
 * signature is the parameter list in the language's own syntax, e.g.
 *   "(X, y, n_components=256, solver=\"exact\", *, seed=0)"
 * The interpreter binds positional and keyword arguments to these names,
 * fills defaults, and rejects unknown, missing or duplicated arguments (with
 * a "did you mean" hint) before fn runs. Methods do not list self. */
#ifndef MASKCLEAN_BUILTIN_H
#define MASKCLEAN_BUILTIN_H

#include "maskclean/error.h"
#include "maskclean/progress.h"
#include "value.h"

typedef struct mc_call mc_call;

/* Returns 0 and a new reference in *out (mc_none() when there is nothing to
 * return), or a negative mc_status with err set. On failure nothing that the
 * user can see has changed (no half-built value, no half-updated object). */
typedef int (*mc_builtin_fn)(mc_call *call, mc_value **out, mc_error *err);

typedef struct mc_func_def {
	const char *name;       /* "PCA", "PCA.fit", "print" */
	const char *signature;  /* "(n_components=256, solver=\"exact\")" */
	const char *doc;        /* one line */
	const char *long_doc;   /* paragraphs (Markdown), may be NULL */
	mc_builtin_fn fn;
} mc_func_def;

/* Arguments, by parameter name, after binding. Borrowed; NULL only when the
 * parameter has no default and was not given (cannot happen for required
 * parameters) or the name is not in the signature. */
mc_value *mc_arg(mc_call *call, const char *name);
/* 1 if the caller passed the parameter explicitly. */
int mc_arg_given(mc_call *call, const char *name);

/* Typed access. On a type mismatch they fail with MC_ERR_TYPE and a message
 * such as "PCA(): n_components must be int, got str". A none value is
 * accepted by the _opt variants, which then leave *out untouched and
 * return 1. A str holding a NUL character is refused (MC_ERR_INVALID): the
 * C string a path or name gives would stop at it. */
int mc_arg_int(mc_call *call, const char *name, int64_t *out, mc_error *err);
int mc_arg_float(mc_call *call, const char *name, double *out, mc_error *err);
int mc_arg_bool(mc_call *call, const char *name, int *out, mc_error *err);
int mc_arg_str(mc_call *call, const char *name, const char **out, mc_error *err);
int mc_arg_int_opt(mc_call *call, const char *name, int64_t *out, mc_error *err);
int mc_arg_str_opt(mc_call *call, const char *name, const char **out, mc_error *err);
/* An object argument of class cls; *out borrowed. */
int mc_arg_obj(mc_call *call, const char *name, const mc_class *cls, void **out,
               mc_error *err);
/* A 1-D numeric argument (a 1-D array, a list of numbers, or one number when
 * scalar_ok) as *n doubles; caller frees *out. With optional, none (or a
 * parameter not given) gives *out = NULL, *n = 0; otherwise it fails with
 * "f(): name is required". Fails with MC_ERR_TYPE "f(): y[1] must be a
 * number, got str" or "f(): y must be a 1-D array or a list, got ...". */
int mc_arg_numbers(mc_call *call, const char *name, double **out, size_t *n, int optional,
                   int scalar_ok, mc_error *err);
/* Class labels: a 1-D argument of whole numbers >= 0 as *n int64; caller
 * frees *out. Fails with MC_ERR_INVALID "f(): y[3] is -1; labels must be
 * class indices 0, 1, 2, ...". */
int mc_arg_labels(mc_call *call, const char *name, int64_t **out, size_t *n, mc_error *err);

/* The usual end of a table function: *out = v (a new value, stolen) and 0,
 * or MC_ERR_NOMEM "out of memory" when v is NULL. */
int mc_call_return(mc_value **out, mc_value *v, mc_error *err);

/* For methods: the object the method was called on (borrowed). */
mc_value *mc_call_self(mc_call *call);
void *mc_call_self_ptr(mc_call *call);
/* "PCA.fit" */
const char *mc_call_name(mc_call *call);

/* Progress and interrupts for the runtime: shows a bar in the notebook,
 * updated in place, and returns non-zero once the user interrupted. */
const mc_progress *mc_call_progress(mc_call *call);

/* Output while the call runs. */
int mc_call_print(mc_call *call, const char *text);          /* stdout stream */
int mc_call_display(mc_call *call, const mc_value *v, mc_error *err);  /* display_data */
/* Asks the front end for a line of input (stdin channel). Fails with
 * MC_ERR_STATE when the request does not allow stdin. Caller owns *out. */
int mc_call_input(mc_call *call, const char *prompt, int password, char **out,
                  mc_error *err);

#endif
