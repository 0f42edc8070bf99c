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

/* The workers of one run: they wait for go, set once every thread that
 * could be created is, so that each sees the final count. */
typedef struct s_run {
	mc_pool_fn fn;
	void *ctx;
	size_t workers;
	int go;
	pthread_mutex_t lock;
	pthread_cond_t turn;
} s_run;

typedef struct s_worker {
	s_run *run;
	size_t w;
} s_worker;

static void *s_start(void *arg)
{
	s_worker *wk = arg;
	s_run *run = wk->run;

	pthread_mutex_lock(&run->lock);
	while (!run->go)
		pthread_cond_wait(&run->turn, &run->lock);
	pthread_mutex_unlock(&run->lock);
	run->fn(run->ctx, wk->w, run->workers);
	return NULL;
}

size_t mc_pool_run(size_t n, mc_pool_fn fn, void *ctx)
{
	pthread_t tid[MC_POOL_MAX];
	s_worker wk[MC_POOL_MAX];
	s_run run = { .fn = fn, .ctx = ctx, .workers = 1, .go = 0 };
	size_t w;

	if (n < 1)
		n = 1;
	if (n > MC_POOL_MAX)
		n = MC_POOL_MAX;
	/* a run that cannot synchronise its threads runs on the caller alone */
	if (n > 1 && pthread_mutex_init(&run.lock, NULL) != 0)
		n = 1;
	if (n > 1 && pthread_cond_init(&run.turn, NULL) != 0) {
		pthread_mutex_destroy(&run.lock);
		n = 1;
	}
	s_blas_enter();
	/* worker numbers stay dense: a thread that cannot be created gives its
	 * number to the next */
	for (w = 1; w < n; w++) {
		wk[run.workers].run = &run;
		wk[run.workers].w = run.workers;
		if (pthread_create(&tid[run.workers], NULL, s_start, &wk[run.workers]) == 0)
			run.workers++;
	}
	if (n > 1) {
		pthread_mutex_lock(&run.lock);
		run.go = 1;
		pthread_cond_broadcast(&run.turn);
		pthread_mutex_unlock(&run.lock);
	}
	fn(ctx, 0, run.workers);
	for (w = 1; w < run.workers; w++)
		pthread_join(tid[w], NULL);
	if (n > 1) {
		pthread_cond_destroy(&run.turn);
		pthread_mutex_destroy(&run.lock);
	}
	s_blas_leave();
	return run.workers;
}
