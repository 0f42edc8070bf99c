/* The Embeddings class of the embed area (a memory-mapped .npy file) as other
 * areas see it: so PCA, LogisticRegression or the coreset service can accept
 * load_npy()'s result wherever they accept a 2-D array. */
#ifndef MASKCLEAN_BIND_EMBED_H
#define MASKCLEAN_BIND_EMBED_H

#include "maskclean/matrix.h"
#include "builtin.h"
#include "maskclean/npy.h"
#include "value.h"

/* The class of load_npy() results; compare with mc_object_class(v). */
extern const mc_class mc_embeddings_class;

/* The mapped file of v (borrowed, valid while v lives), or NULL when v is
 * not an Embeddings object. Stream big float32 files through it:
 * mc_npy_read_rows(npy, r0, n, buf, err). */
const mc_npy *mc_embeddings_npy(const mc_value *v);

/* v (an Embeddings object) as a matrix: a zero-copy view of a float64 file
 * (*owned = NULL), or for float32 an owned float64 copy in *owned (free with
 * mc_matrix_free) with *view = **owned, owns = 0. A 1-D file is n x 1.
 * Fails with MC_ERR_TYPE when v is not Embeddings, MC_ERR_NOMEM. */
int mc_embeddings_matrix(const mc_value *v, mc_matrix *view, mc_matrix **owned,
                         mc_error *err);

/* A 2-D numeric argument as a matrix: a view of a float64 array, an owned
 * float64 copy of an int64 array, or an Embeddings object as above; *owned
 * (free with mc_matrix_free) is NULL for a view. Fails with MC_ERR_TYPE
 * "f(): X must be a 2-D array or Embeddings, got str". */
int mc_arg_matrix(mc_call *call, const char *name, mc_matrix *view, mc_matrix **owned,
                  mc_error *err);

#endif
