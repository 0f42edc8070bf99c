/* maskclean's worker threads: one thread-count policy and one way to run a
 * job on workers, for every multi-threaded loop of the runtime (the
 * logistic regression's evaluations, the coreset service's blocks, the
 * embedding of a dataset's images).
 *
 * The policy: MC_THREADS when it holds a positive integer, else the number
 * of online CPUs; never more than MC_POOL_MAX.
 *
 * OpenBLAS: while any job runs, OpenBLAS is single-threaded, and its thread
 * count is restored when the last running job ends. This is the one place
 * that changes OpenBLAS's process-wide setting. A job's workers each call
 * BLAS on pieces of a size that does not depend on the thread count, so a
 * result is the same with any number of workers, on any machine with the
 * same library. */
#ifndef MASKCLEAN_POOL_H
#define MASKCLEAN_POOL_H

#include <stddef.h>

/* Most workers a job gets (and the size of per-worker arrays). */
#define MC_POOL_MAX 8

/* Workers for a job under the policy above: 1..MC_POOL_MAX. */
size_t mc_pool_threads(void);

/* A worker's function: worker is 0..workers-1, workers how many run. */
typedef void (*mc_pool_fn)(void *ctx, size_t worker, size_t workers);

/* Runs fn(ctx, w, workers) on workers w = 0..workers-1 at once and returns
 * when all have returned. Worker 0 runs on the calling thread, so it is the
 * one to report progress. n (clamped to 1..MC_POOL_MAX) workers are asked
 * for; a worker whose thread cannot be created does not run, so workers may
 * be fewer: fn must take its work from a shared queue (a counter), so that
 * the others do that worker's share. No worker starts before workers is
 * known. Returns workers (at least 1). */
size_t mc_pool_run(size_t n, mc_pool_fn fn, void *ctx);

#endif
