/* Progress reporting and cancellation for long runtime loops.
 *
 * The runtime is handed a progress callback; every long loop calls it at least
 * every ~50 ms of work. A non-zero return asks the loop to stop: the function
 * then frees what it allocated, leaves its inputs unchanged and returns
 * MC_ERR_INTERRUPTED with the message "interrupted". Tests pass NULL or a
 * callback of their own, so cancellation is tested without a kernel. */
#ifndef MASKCLEAN_PROGRESS_H
#define MASKCLEAN_PROGRESS_H

#include <stddef.h>

/* done of total units of the step named by what ("PCA: covariance").
 * Returns 0 to go on, non-zero to stop. The callback is cheap to call: it
 * throttles its own output. */
typedef int (*mc_progress_fn)(void *ctx, size_t done, size_t total, const char *what);

typedef struct mc_progress {
	mc_progress_fn fn;
	void *ctx;
} mc_progress;

/* Calls p's callback; p may be NULL (never stops). */
static inline int mc_progress_report(const mc_progress *p, size_t done, size_t total,
                                     const char *what)
{
	return (p != NULL && p->fn != NULL) ? p->fn(p->ctx, done, total, what) : 0;
}

#endif
