/* Values of the command language: typed and reference-counted.
 *
 * Every constructor returns a new reference that the caller owns (release it
 * with mc_unref) or NULL when memory runs out. Functions documented as
 * "steals" take over the caller's reference even when they fail. Lists and
 * dicts may reference each other in cycles; the interpreter's cycle
 * collector frees those (lang.h). */
#ifndef MASKCLEAN_VALUE_H
#define MASKCLEAN_VALUE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "maskclean/error.h"

typedef enum mc_vtype {
	MC_T_NONE,
	MC_T_BOOL,
	MC_T_INT,
	MC_T_FLOAT,
	MC_T_STR,
	MC_T_LIST,
	MC_T_DICT,    /* insertion-ordered hash table; keys are str, int, bool, float or None */
	MC_T_ARRAY,   /* 1-D or 2-D array of float64 or int64 (numpy-like) */
	MC_T_FUNC,    /* a table function, a bound method, or a function defined in the language */
	MC_T_OBJECT,  /* a runtime handle described by an mc_class */
	MC_T_RANGE    /* range(start, stop, step), without the list (lang.h) */
} mc_vtype;

typedef enum mc_dtype { MC_F64, MC_I64 } mc_dtype;

typedef struct mc_value mc_value;
typedef struct mc_class mc_class;

/* One attribute of a class (obj.name) or of arrays (a.shape): a row of the
 * table that lookup, dir(), completion and help() walk. get returns a new
 * reference, or NULL with err set (NULL with err untouched: out of memory). */
typedef struct mc_attr_def {
	const char *name;
	const char *doc;     /* one line, shown by help(obj) */
	mc_value *(*get)(mc_value *self, mc_error *err);
} mc_attr_def;

/* Describes an object type (Dataset, PCA, LogisticRegression, ...).
 * Methods live in the function table under "<name>.<method>". */
struct mc_class {
	const char *name;
	/* Frees the wrapped pointer. */
	void (*free)(void *ptr);
	/* text/plain form; caller owns the malloc'd string. NULL: "<name object>". */
	char *(*repr)(const void *ptr);
	/* Optional: adds richer MIME types (text/html, image/png, ...) to data and
	 * their metadata (width/height) to metadata. Returns 0 or a negative code. */
	int (*display)(const void *ptr, json_t *data, json_t *metadata, mc_error *err);
	/* The attributes (obj.name), ended by a row whose name is NULL; may be
	 * NULL. Lookup, dir(), completion and help() walk this table. */
	const mc_attr_def *attributes;
	/* Optional: strings this object knows (class names, ...), offered when
	 * completing a string literal. Borrowed; returns how many were written. */
	size_t (*strings)(const void *ptr, const char **out, size_t max);
};

/* Constructors (caller owns the result). */
mc_value *mc_none(void);
mc_value *mc_bool(int b);
mc_value *mc_int(int64_t i);
mc_value *mc_float(double f);
mc_value *mc_str(const char *s);
mc_value *mc_strn(const char *s, size_t n);
mc_value *mc_list_new(void);
mc_value *mc_dict_new(void);
/* A new zero-filled array; cols == 0 makes a 1-D array of rows elements. */
mc_value *mc_array_new(mc_dtype dtype, size_t rows, size_t cols);
/* Wraps ptr, which the object then owns: cls->free(ptr) runs when the last
 * reference goes. On failure (NULL) ptr is freed too. */
mc_value *mc_object_new(const mc_class *cls, void *ptr);

mc_value *mc_ref(mc_value *v);   /* returns v; v may be NULL */
void mc_unref(mc_value *v);      /* v may be NULL */

mc_vtype mc_type(const mc_value *v);
const char *mc_type_name(const mc_value *v);   /* "int", "str", "Dataset", ... */

/* Scalars. mc_as_float accepts int too. */
int mc_as_bool(const mc_value *v);             /* truthiness, as Python */
int64_t mc_as_int(const mc_value *v);          /* v must be MC_T_INT or MC_T_BOOL */
double mc_as_float(const mc_value *v);         /* v must be numeric */
const char *mc_as_str(const mc_value *v);      /* borrowed, NUL-terminated (a str may
                                                  also hold NULs: see mc_str_len) */
size_t mc_str_len(const mc_value *v);          /* in bytes */

/* Lists. Borrowed items; append steals item. */
size_t mc_list_len(const mc_value *v);
mc_value *mc_list_get(const mc_value *v, size_t i);
int mc_list_append(mc_value *list, mc_value *item);

/* Dicts. Keys are str, int, bool, float or None values; set steals item,
 * borrows key; a key of another type fails with MC_ERR_TYPE. */
size_t mc_dict_len(const mc_value *v);
/* Positional access first compacts the entries left by deletions. */
mc_value *mc_dict_key(mc_value *v, size_t i);     /* borrowed, i-th in order */
mc_value *mc_dict_value(mc_value *v, size_t i);   /* borrowed */
mc_value *mc_dict_get(const mc_value *v, const char *key);  /* borrowed or NULL */
int mc_dict_set(mc_value *dict, mc_value *key, mc_value *item);
int mc_dict_set_str(mc_value *dict, const char *key, mc_value *item);

/* Arrays: row-major, contiguous. */
mc_dtype mc_array_dtype(const mc_value *v);
size_t mc_array_rows(const mc_value *v);
size_t mc_array_cols(const mc_value *v);       /* 0 for a 1-D array */
size_t mc_array_size(const mc_value *v);       /* number of elements */
double *mc_array_f64(mc_value *v);             /* NULL unless MC_F64 */
int64_t *mc_array_i64(mc_value *v);            /* NULL unless MC_I64 */
/* Element i (row-major) as a double; 0 past the end. */
double mc_array_at(const mc_value *v, size_t i);

/* A 2-D MC_F64 array as a matrix view (owns = 0) sharing its memory; valid
 * while the value lives. Fails with MC_ERR_TYPE for anything else. */
struct mc_matrix;
int mc_array_as_matrix(mc_value *v, struct mc_matrix *view, mc_error *err);
/* A new 2-D MC_F64 array holding a copy of m. */
mc_value *mc_array_from_matrix(const struct mc_matrix *m);

/* Objects. */
const mc_class *mc_object_class(const mc_value *v);  /* NULL unless an object */
void *mc_object_ptr(const mc_value *v);             /* borrowed */

/* text/plain form of any value (Python-like repr). Caller owns. */
char *mc_value_repr(const mc_value *v);

/* The repr a cell's result is shown with (mc_value_bundle): strings longer
 * than 100,000 bytes, at any depth, are cut there and followed by
 * "  # N characters, the first M shown". Caller owns. */
char *mc_value_repr_shown(const mc_value *v);

/* The MIME bundle of v for execute_result/display_data: always text/plain,
 * plus what the class adds. Caller owns *data and *metadata (json_decref). */
int mc_value_bundle(const mc_value *v, json_t **data, json_t **metadata, mc_error *err);

/* Adds the picture bytes (a PNG or JPEG file) under mime ("image/png",
 * "image/jpeg"), base64 through OpenSSL, with width/height metadata. */
int mc_bundle_add_image(json_t *data, json_t *metadata, const char *mime,
                        const unsigned char *bytes, size_t len, int width, int height,
                        mc_error *err);

#endif
