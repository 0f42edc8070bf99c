/* This module implements pool.h: the worker-thread policy, a job run on
 * workers, and OpenBLAS kept single-threaded while jobs run. */
#include "maskclean/pool.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

size_t mc_pool_threads(void)
{
	const char *env = getenv("MC_THREADS");
	long n = env != NULL ? strtol(env, NULL, 10) : 0;

	if (n < 1)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MC_POOL_MAX ? MC_POOL_MAX : (size_t)n;
}

/* Jobs running, and OpenBLAS's thread count before the first of them. */
static pthread_mutex_t s_blas_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_running;
static int s_blas_threads;

static void s_blas_enter(void)
{
	pthread_mutex_lock(&s_blas_lock);
	if (s_running++ == 0) {
		s_blas_threads = openblas_get_num_threads();
		openblas_set_num_threads(1);
	}
	pthread_mutex_unlock(&s_blas_lock);
}

static void s_blas_leave(void)
{
	pthread_mutex_lock(&s_blas_lock);
	if (--s_running == 0)
		openblas_set_num_threads(s_blas_threads);
	pthread_mutex_unlock(&s_blas_lock);
}

typedef struct s_worker {
	void (*fn)(void *ctx, size_t worker);
	void *ctx;
	size_t w;
} s_worker;

static void *s_start(void *arg)
{
	s_worker *wk = arg;

	wk->fn(wk->ctx, wk->w);
	return NULL;
}

size_t mc_pool_run(size_t n, void (*fn)(void *ctx, size_t worker), void *ctx)
{
	pthread_t tid[MC_POOL_MAX];
	s_worker wk[MC_POOL_MAX];
	int started[MC_POOL_MAX] = { 0 };
	size_t w, ran = 1;

	if (n < 1)
		n = 1;
	if (n > MC_POOL_MAX)
		n = MC_POOL_MAX;
	s_blas_enter();
	for (w = 1; w < n; w++) {
		wk[w].fn = fn;
		wk[w].ctx = ctx;
		wk[w].w = w;
		started[w] = pthread_create(&tid[w], NULL, s_start, &wk[w]) == 0;
		ran += (size_t)started[w];
	}
	fn(ctx, 0);
	for (w = 1; w < n; w++)
		if (started[w])
			pthread_join(tid[w], NULL);
	s_blas_leave();
	return ran;
}
