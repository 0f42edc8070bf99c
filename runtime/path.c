/* This module implements maskclean/path.h. */
#include "maskclean/path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *mc_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

int mc_mkdir(const char *path, mc_error *err)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot create the folder: %s", path,
		                    strerror(errno));
	return 0;
}

int mc_mkdirs(const char *path, mc_error *err)
{
	char *p = strdup(path);
	int rc = 0;

	if (p == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	for (char *q = p + 1; rc == 0 && *q; q++)
		if (*q == '/') {
			*q = '\0';
			rc = mc_mkdir(p, err);
			*q = '/';
		}
	if (rc == 0)
		rc = mc_mkdir(p, err);
	free(p);
	return rc;
}
