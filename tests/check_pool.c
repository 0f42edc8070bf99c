/* Tests of runtime/pool.c: the thread-count policy, every worker running
 * once and told how many run, and OpenBLAS single-threaded during a job and
 * restored after it, also when jobs overlap. */
#include <cblas.h>
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "maskclean/pool.h"
#include "suite_run.h"

START_TEST(test_policy)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cpus < 1 ? 1 : cpus > MC_POOL_MAX ? MC_POOL_MAX : (size_t)cpus;

	unsetenv("MC_THREADS");
	ck_assert_uint_eq(mc_pool_threads(), want);
	setenv("MC_THREADS", "3", 1);
	ck_assert_uint_eq(mc_pool_threads(), 3);
	setenv("MC_THREADS", "1", 1);
	ck_assert_uint_eq(mc_pool_threads(), 1);
	setenv("MC_THREADS", "100", 1);
	ck_assert_uint_eq(mc_pool_threads(), MC_POOL_MAX);
	/* not a positive count: the CPUs */
	setenv("MC_THREADS", "0", 1);
	ck_assert_uint_eq(mc_pool_threads(), want);
	setenv("MC_THREADS", "many", 1);
	ck_assert_uint_eq(mc_pool_threads(), want);
	setenv("MC_THREADS", "-2", 1);
	ck_assert_uint_eq(mc_pool_threads(), want);
	unsetenv("MC_THREADS");
}
END_TEST

typedef struct s_job {
	atomic_int ran[MC_POOL_MAX];
	atomic_size_t seen_workers[MC_POOL_MAX];
	atomic_int blas_not_one;
	atomic_size_t next, done;     /* a shared queue of 1000 items */
	pthread_t caller;
	atomic_int worker0_on_caller;
} s_job;

static void s_work(void *ctx, size_t w, size_t workers)
{
	s_job *job = ctx;

	atomic_fetch_add(&job->ran[w], 1);
	atomic_store(&job->seen_workers[w], workers);
	if (w == 0 && pthread_equal(pthread_self(), job->caller))
		atomic_store(&job->worker0_on_caller, 1);
	if (openblas_get_num_threads() != 1)
		atomic_store(&job->blas_not_one, 1);
	while (atomic_fetch_add(&job->next, 1) < 1000)
		atomic_fetch_add(&job->done, 1);
}

START_TEST(test_run_every_worker_once)
{
	for (size_t n = 0; n <= MC_POOL_MAX + 2; n++) {
		s_job job = { 0 };
		size_t expect = n < 1 ? 1 : n > MC_POOL_MAX ? MC_POOL_MAX : n, ran;

		job.caller = pthread_self();
		ran = mc_pool_run(n, s_work, &job);
		ck_assert_uint_eq(ran, expect);
		for (size_t w = 0; w < MC_POOL_MAX; w++) {
			ck_assert_int_eq(atomic_load(&job.ran[w]), w < expect ? 1 : 0);
			/* every worker is told the final count */
			if (w < expect)
				ck_assert_uint_eq(atomic_load(&job.seen_workers[w]), expect);
		}
		ck_assert_int_eq(atomic_load(&job.worker0_on_caller), 1);
		ck_assert_uint_eq(atomic_load(&job.done), 1000);
		ck_assert_int_eq(atomic_load(&job.blas_not_one), 0);
	}
}
END_TEST

/* A job that starts another job on a second thread while it runs. */
typedef struct s_outer {
	s_job inner;
	int inner_blas_after;
} s_outer;

static void *s_inner_thread(void *arg)
{
	s_outer *o = arg;

	mc_pool_run(2, s_work, &o->inner);
	return NULL;
}

static void s_outer_work(void *ctx, size_t w, size_t workers)
{
	s_outer *o = ctx;
	pthread_t t;

	(void)workers;
	if (w != 0)
		return;
	o->inner.caller = pthread_self();
	ck_assert_int_eq(pthread_create(&t, NULL, s_inner_thread, o), 0);
	pthread_join(t, NULL);
	/* the inner job ended first: OpenBLAS stays single-threaded for us */
	o->inner_blas_after = openblas_get_num_threads();
}

START_TEST(test_blas_restored_after_overlapping_jobs)
{
	s_outer o = { 0 };

	openblas_set_num_threads(2);
	ck_assert_int_eq(openblas_get_num_threads(), 2);
	mc_pool_run(2, s_outer_work, &o);
	ck_assert_int_eq(o.inner_blas_after, 1);
	ck_assert_int_eq(atomic_load(&o.inner.blas_not_one), 0);
	ck_assert_uint_eq(atomic_load(&o.inner.done), 1000);
	ck_assert_int_eq(openblas_get_num_threads(), 2);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, test_policy);
	tcase_add_test(tc, test_run_every_worker_once);
	tcase_add_test(tc, test_blas_restored_after_overlapping_jobs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
