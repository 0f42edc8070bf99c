/* This module implements a model's arrays as .npy files of one folder
 * (include/maskclean/modelfile.h), over npy.h. */
#include "maskclean/modelfile.h"

#include <limits.h>
#include <stdio.h>

#include "maskclean/npy.h"

static int s_path(char *path, const char *dir, const char *name, mc_error *err)
{
	if ((size_t)snprintf(path, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return mc_error_set(err, MC_ERR_IO, "%s/%s: path too long", dir, name);
	return 0;
}

int mc_modelfile_save(const char *dir, const char *name, const mc_matrix *m, const double *v,
                      size_t n, mc_error *err)
{
	char path[PATH_MAX];
	int rc = s_path(path, dir, name, err);

	if (rc != 0)
		return rc;
	return m != NULL ? mc_npy_save(path, m, err) : mc_npy_save_vector(path, v, n, err);
}

int mc_modelfile_load(mc_matrix **out, const char *dir, const char *name, size_t rows,
                      size_t cols, mc_error *err)
{
	char path[PATH_MAX];
	mc_npy *npy = NULL;
	int rc;

	*out = NULL;
	rc = s_path(path, dir, name, err);
	if (rc == 0)
		rc = mc_npy_open(&npy, path, err);
	if (rc == 0 && ((rows != MC_MODELFILE_ANY && mc_npy_rows(npy) != rows) ||
	                (cols > 0 ? mc_npy_ndim(npy) != 2 ||
	                            (cols != MC_MODELFILE_ANY && mc_npy_cols(npy) != cols)
	                          : mc_npy_ndim(npy) != 1)))
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s: %zu x %zu%s; expected %s", path,
		                  mc_npy_rows(npy), mc_npy_cols(npy),
		                  mc_npy_ndim(npy) == 1 ? " (1-D)" : "",
		                  cols == 0 ? "a 1-D array" : "a 2-D array");
	if (rc == 0)
		rc = mc_npy_to_matrix(out, npy, NULL, err);
	mc_npy_free(npy);
	return rc;
}
