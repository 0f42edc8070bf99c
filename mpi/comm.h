/* MPI plumbing of maskclean-mpi: sums folded in rank order (so results are
 * the same on every run), broadcasts, the agreement on failures, one
 * progress bar merged from the ranks, and the bytes each rank moved.
 *
 * Ranks hold contiguous row ranges in rank order, so rank order is row
 * order. Every function here is collective (every rank calls it) unless it
 * says otherwise. */
#ifndef MASKCLEAN_MPI_COMM_H
#define MASKCLEAN_MPI_COMM_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "maskclean/error.h"
#include "maskclean/progress.h"

#define MC_COMM_WHAT 64

typedef struct mc_comm_slot {
	uint64_t done, total;
	char what[MC_COMM_WHAT];
} mc_comm_slot;

typedef struct mc_comm {
	MPI_Comm world;       /* the job's ranks */
	MPI_Comm prog;        /* progress messages, apart from the job's own */
	int rank, size;
	uint64_t sent, received; /* bytes this rank sent and received */
	double *acc;          /* the fold's running sum */
	size_t acc_len;
	FILE *out;            /* rank 0 with --progress: progress lines go here */
	double last;          /* when this rank last reported */
	mc_comm_slot mine;    /* what it reported */
	mc_comm_slot *slots;  /* rank 0: the latest report of every rank */
	mc_progress progress; /* the runtime's callback */
} mc_comm;

/* MPI_Init and the communicators; out: where rank 0 prints progress lines
 * (NULL: none). Returns 0 or -1 (MPI could not start; printed). */
int mc_comm_init(mc_comm *c, int *argc, char ***argv, FILE *out);

/* Waits for every rank's last progress message, then MPI_Finalize. */
void mc_comm_finish(mc_comm *c);

/* Every rank learns whether any rank failed (rc != 0 there): returns rc,
 * or MC_ERR_INVALID with "another rank failed" where rc was 0. */
int mc_comm_agree(mc_comm *c, int rc, mc_error *err);

/* 1 when err says only that another rank (or process) failed: nothing of
 * this rank's own to report. */
int mc_comm_echo(const mc_error *err);

/* The nseg partial sums (len doubles each) of every rank added to zeros in
 * rank order, segment by segment (mc_logreg_fold_add): rank 0 starts, each
 * rank adds its own and passes the sum on, the last sends it to rank 0.
 * The total in out on rank 0. The signature of mc_logreg_comm's fold (ctx
 * is the mc_comm). */
int mc_comm_fold(void *ctx, double *out, const double *partials, size_t nseg, size_t len,
                 mc_error *err);

/* bytes of buf from rank 0 (mc_comm_bcast, mc_logreg_comm's bcast) or from
 * root to every rank. */
int mc_comm_bcast(void *ctx, void *buf, size_t bytes, mc_error *err);
int mc_comm_bcast_from(mc_comm *c, int root, void *buf, size_t bytes, mc_error *err);

/* Rank 0 gets every rank's bytes of mine, in rank order, in all (size x
 * bytes; ignored elsewhere). */
int mc_comm_gather(mc_comm *c, const void *mine, void *all, size_t bytes, mc_error *err);

/* The largest v over the ranks, on every rank. */
int mc_comm_max(mc_comm *c, int64_t *v, mc_error *err);

/* Rows of a sequence spread over the ranks in rank order (this rank holds
 * *rows of them from global row *row0, with their d features in *X, labels
 * in *y and weights in *w, w may be NULL) move between ranks so that each
 * rank's first row is a multiple of unit (rank 0 from row 0): then every
 * segment of unit rows is whole on one rank, as mc_logreg_fit_comm needs
 * for the one-process result. Only the rows near the boundaries move.
 * Replaces *X, *y, *w (freed) and updates *row0, *rows. */
int mc_comm_realign(mc_comm *c, double **X, int64_t **y, double **w, size_t *row0,
                    size_t *rows, size_t d, size_t unit, mc_error *err);

/* flags[0..n) becomes, on every rank, the largest value over the ranks
 * (1 where any rank has 1). */
int mc_comm_any(mc_comm *c, unsigned char *flags, size_t n, mc_error *err);

/* The sum of v over the ranks, on every rank (whole numbers: exact). */
int mc_comm_sum(mc_comm *c, uint64_t *v, mc_error *err);

/* Each rank's rows (rows items of item bytes, in rank order) to rank 0,
 * which gets them in *all (new; caller frees) with *total rows; elsewhere
 * *all is NULL. Also *counts (new, size entries, rank 0; may be NULL): the
 * rows of each rank. */
int mc_comm_gather_rows(mc_comm *c, const void *mine, size_t rows, size_t item, void **all,
                        size_t *total, uint64_t **counts, mc_error *err);

/* Rank 0's rows (in *all, total rows of item bytes) back to the ranks,
 * rows[r] to rank r in rank order, into mine (this rank's rows). */
int mc_comm_scatter_rows(mc_comm *c, const void *all, const uint64_t *rows, void *mine,
                         size_t item, mc_error *err);

/* Every rank waits for the others. */
int mc_comm_barrier(mc_comm *c, mc_error *err);

#endif
