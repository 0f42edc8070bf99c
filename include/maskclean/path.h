/* Paths and folders: joining a folder and a name, and making folders. */
#ifndef MASKCLEAN_PATH_H
#define MASKCLEAN_PATH_H

#include "maskclean/error.h"

/* "dir/name", newly allocated (caller frees); NULL when memory runs out. */
char *mc_path_join(const char *dir, const char *name);

/* Makes the folder path (mode 0755 before the umask) unless it exists.
 * Fails with MC_ERR_IO naming path and the reason. */
int mc_mkdir(const char *path, mc_error *err);

/* As mc_mkdir, making the missing folders above path first. */
int mc_mkdirs(const char *path, mc_error *err);

#endif
