/* This module implements maskclean/cnn.h by calling the ONNX engine module
 * (maskclean/cnn_module.h), opened on first use: MC_CNN_MODULE when set, else
 * maskclean-cnn.so beside the running program (a build tree), else in
 * maskclean's library folder (an installed kernel). The module stays open
 * for the life of the process; a failed open is retried at the next call,
 * so a module installed meanwhile is found. */
#include "maskclean/cnn.h"
#include "maskclean/cnn_module.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MC_PKGLIBDIR
#error "MC_PKGLIBDIR (maskclean's library folder) is set by the build"
#endif

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static const mc_cnn_module *s_module;   /* set once, under s_lock */

/* Opens path and checks its table; *why says what went wrong. */
static const mc_cnn_module *s_open(const char *path, char *why, size_t cap)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const mc_cnn_module *(*get)(void);
	const mc_cnn_module *m;
	const char *e;

	if (h == NULL) {
		e = dlerror();
		snprintf(why, cap, "%.480s", e != NULL ? e : path);
		return NULL;
	}
	*(void **)(&get) = dlsym(h, MC_CNN_MODULE_SYMBOL);
	m = get != NULL ? get() : NULL;
	if (m == NULL || m->version != MC_CNN_MODULE_VERSION) {
		if (m == NULL)
			snprintf(why, cap, "%.400s: not a maskclean ONNX module (no %s)", path,
			         MC_CNN_MODULE_SYMBOL);
		else
			snprintf(why, cap, "%.400s: a maskclean ONNX module of version %d, expected %d",
			         path, m->version, MC_CNN_MODULE_VERSION);
		dlclose(h);
		return NULL;
	}
	return m;
}

/* The places tried, in order; n of them written to paths. */
static size_t s_candidates(char paths[2][PATH_MAX + 32])
{
	const char *env = getenv("MC_CNN_MODULE");
	char self[PATH_MAX], *slash;
	ssize_t len;
	size_t n = 0;

	if (env != NULL && env[0] != '\0') {
		snprintf(paths[n++], PATH_MAX + 32, "%s", env);
		return n;
	}
	len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len > 0) {
		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			slash[1] = '\0';
			snprintf(paths[n++], PATH_MAX + 32, "%s%s", self, MC_CNN_MODULE_FILE);
		}
	}
	snprintf(paths[n++], PATH_MAX + 32, "%s/%s", MC_PKGLIBDIR, MC_CNN_MODULE_FILE);
	return n;
}

int mc_cnn_module_load(const mc_cnn_module **out, mc_error *err)
{
	char paths[2][PATH_MAX + 32], why[2][512];
	size_t n = s_candidates(paths), i;

	*out = NULL;
	for (i = 0; i < n && *out == NULL; i++) {
		why[i][0] = '\0';
		*out = s_open(paths[i], why[i], sizeof why[i]);
	}
	if (*out != NULL)
		return 0;
	/* the reason that matters: the first place where a file was found,
	 * else the first place tried */
	for (i = 0; i < n && access(paths[i], F_OK) != 0; i++)
		;
	return mc_error_set(err, MC_ERR_IO, "the ONNX engine (%s, OpenCV's DNN module) cannot be "
	                    "loaded: %s (places tried: %s%s%s; MC_CNN_MODULE names another; "
	                    "reinstall maskclean with ./run)", MC_CNN_MODULE_FILE,
	                    why[i < n ? i : 0], paths[0], n > 1 ? ", " : "", n > 1 ? paths[1] : "");
}

/* The module, opened if need be (once it opened, for good); NULL with err
 * set when it cannot be. */
static const mc_cnn_module *s_get(mc_error *err)
{
	const mc_cnn_module *m;

	pthread_mutex_lock(&s_lock);
	if (s_module == NULL)
		mc_cnn_module_load(&s_module, err);
	m = s_module;
	pthread_mutex_unlock(&s_lock);
	return m;
}

/* The module a handle came from: open, since the handle exists. */
static const mc_cnn_module *s_loaded(void)
{
	const mc_cnn_module *m;

	pthread_mutex_lock(&s_lock);
	m = s_module;
	pthread_mutex_unlock(&s_lock);
	return m;
}

int mc_cnn_load(mc_cnn **out, const char *path, int size, const char *output, mc_error *err)
{
	const mc_cnn_module *m;

	*out = NULL;
	m = s_get(err);
	if (m == NULL) {
		mc_error_prefix(err, "%s", path);
		return MC_ERR_IO;
	}
	return m->load(out, path, size, output, err);
}

void mc_cnn_free(mc_cnn *cnn)
{
	if (cnn != NULL)
		s_loaded()->free(cnn);
}

int mc_cnn_channels(const mc_cnn *cnn)
{
	return s_loaded()->channels(cnn);
}

int mc_cnn_size(const mc_cnn *cnn)
{
	return s_loaded()->size(cnn);
}

size_t mc_cnn_dim(const mc_cnn *cnn)
{
	return s_loaded()->dim(cnn);
}

const char *mc_cnn_output(const mc_cnn *cnn)
{
	return s_loaded()->output(cnn);
}

int mc_cnn_forward(mc_cnn *cnn, float *out, const float *in, size_t n, mc_error *err)
{
	return s_loaded()->forward(cnn, out, in, n, err);
}

int mc_cnn_set_threads(int n)
{
	const mc_cnn_module *m = s_get(NULL);

	return m != NULL ? m->set_threads(n) : 0;
}

const char *mc_cnn_engine_version(void)
{
	const mc_cnn_module *m = s_get(NULL);

	return m != NULL ? m->engine_version() : "unavailable";
}
