/* The boundary between maskclean and its ONNX engine. OpenCV's DNN module
 * (runtime/cnn.cpp) is built as a loadable module, maskclean-cnn.so, that
 * runtime/cnn_loader.c opens on the first mc_cnn_load: a kernel that never
 * reads an ONNX model never maps OpenCV and its libraries (they took about
 * half of the kernel's start). The module exports one function,
 * MC_CNN_MODULE_SYMBOL, that returns this table of cnn.h's functions. */
#ifndef MASKCLEAN_CNN_MODULE_H
#define MASKCLEAN_CNN_MODULE_H

#include "maskclean/cnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever the table or the meaning of an entry changes: a module
 * of another version is refused rather than called. */
#define MC_CNN_MODULE_VERSION 1
#define MC_CNN_MODULE_SYMBOL "mc_cnn_module_get"
#define MC_CNN_MODULE_FILE "maskclean-cnn.so"

typedef struct mc_cnn_module {
	int version;   /* MC_CNN_MODULE_VERSION */
	int (*load)(mc_cnn **out, const char *path, int size, const char *output, mc_error *err);
	void (*free)(mc_cnn *cnn);
	int (*channels)(const mc_cnn *cnn);
	int (*size)(const mc_cnn *cnn);
	size_t (*dim)(const mc_cnn *cnn);
	const char *(*output)(const mc_cnn *cnn);
	int (*forward)(mc_cnn *cnn, float *out, const float *in, size_t n, mc_error *err);
	int (*set_threads)(int n);
	const char *(*engine_version)(void);
} mc_cnn_module;

/* The module's one export (its other symbols are hidden). */
const mc_cnn_module *mc_cnn_module_get(void);

/* Opens the module (cnn_loader.c): MC_CNN_MODULE when set, else
 * maskclean-cnn.so beside the running program, else in maskclean's library
 * folder. *out is its table. Fails with MC_ERR_IO naming the module, why it
 * did not open and the places tried. mc_cnn_load calls it once and keeps
 * the table; tests call it to see each failure. */
int mc_cnn_module_load(const mc_cnn_module **out, mc_error *err);

#ifdef __cplusplus
}
#endif

#endif
