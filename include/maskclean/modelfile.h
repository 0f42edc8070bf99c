/* A fitted model's arrays as .npy files of one folder (float64): how PCA
 * and logistic regression models go from maskclean-mpi to the kernel and
 * back (mc_pca_save, mc_logreg_save). Files are written atomically (each a
 * temporary file renamed over the name), so a reader sees a whole file or
 * none. */
#ifndef MASKCLEAN_MODELFILE_H
#define MASKCLEAN_MODELFILE_H

#include <stddef.h>

#include "maskclean/error.h"
#include "maskclean/matrix.h"

/* Writes m (rows x cols), or when m is NULL the n values of v as a 1-D
 * array, to dir/name. Fails with MC_ERR_IO naming the file. */
int mc_modelfile_save(const char *dir, const char *name, const mc_matrix *m, const double *v,
                      size_t n, mc_error *err);

/* Any count, for rows or cols of mc_modelfile_load. */
#define MC_MODELFILE_ANY ((size_t)-1)

/* Reads dir/name into a new matrix (caller owns; mc_matrix_free): a 2-D file
 * of rows x cols, or with cols 0 a 1-D file of rows values (rows x 1);
 * MC_MODELFILE_ANY accepts any count. Every value is checked finite. Fails
 * with the file's error, MC_ERR_SHAPE "dir/name: 3 x 4; expected 2 x 4". */
int mc_modelfile_load(mc_matrix **out, const char *dir, const char *name, size_t rows,
                      size_t cols, mc_error *err);

#endif
