/* This module implements the MPI plumbing of maskclean-mpi (mpi/comm.h):
 * the rank-order fold, broadcasts, failure agreement, merged progress and
 * byte counts. */
#include "comm.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maskclean/logreg.h"

/* Largest piece of one MPI call (its counts are int). */
#define S_PIECE ((size_t)1 << 28)

/* At most one progress report per rank per interval, in seconds. */
#define S_REPORT_EVERY 0.1

enum { S_TAG_REPORT = 1, S_TAG_LAST = 2, S_TAG_FOLD = 3 };

static pthread_t s_main_thread;

static double s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int s_mpi_failed(mc_error *err, int code, const char *what)
{
	char text[MPI_MAX_ERROR_STRING];
	int len = 0;

	if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
		snprintf(text, sizeof text, "error %d", code);
	return mc_error_set(err, MC_ERR_IO, "MPI: %s failed: %s", what, text);
}

/* Rank 0 reads the reports that have arrived (and counts last ones). */
static size_t s_drain(mc_comm *c)
{
	size_t last = 0;
	int flag = 1;

	while (flag) {
		MPI_Status st;
		mc_comm_slot msg;

		if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, c->prog, &flag, &st) != MPI_SUCCESS ||
		    !flag)
			break;
		MPI_Recv(&msg, (int)sizeof msg, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, c->prog,
		         MPI_STATUS_IGNORE);
		msg.what[MC_COMM_WHAT - 1] = '\0';
		if (st.MPI_TAG == S_TAG_LAST)
			last++;
		else
			c->slots[st.MPI_SOURCE] = msg;
	}
	return last;
}

/* One line for the kernel: the rows (or steps) done of the step rank 0 is
 * in, summed over the ranks in that step. */
static void s_print(mc_comm *c)
{
	uint64_t done = 0, total = 0;

	c->slots[0] = c->mine;
	for (int r = 0; r < c->size; r++)
		if (strcmp(c->slots[r].what, c->mine.what) == 0) {
			done += c->slots[r].done;
			total += c->slots[r].total;
		}
	fprintf(c->out, "progress %llu %llu %s\n", (unsigned long long)done,
	        (unsigned long long)total, c->mine.what);
	fflush(c->out);
}

/* The runtime's progress callback: throttled; ranks other than 0 send
 * their report, rank 0 merges them into a line. Interrupts arrive as
 * signals (the kernel stops mpirun), so it never asks to stop. */
static int s_progress(void *ctx, size_t done, size_t total, const char *what)
{
	mc_comm *c = ctx;
	double now = s_now();
	const char *w = what != NULL ? what : "";

	if (!pthread_equal(pthread_self(), s_main_thread))
		return 0;
	if (strncmp(c->mine.what, w, MC_COMM_WHAT - 1) == 0 && now - c->last < S_REPORT_EVERY)
		return 0;
	c->last = now;
	c->mine.done = done;
	c->mine.total = total;
	snprintf(c->mine.what, sizeof c->mine.what, "%s", w);
	if (c->rank != 0) {
		MPI_Send(&c->mine, (int)sizeof c->mine, MPI_BYTE, 0, S_TAG_REPORT, c->prog);
		return 0;
	}
	s_drain(c);
	if (c->out != NULL)
		s_print(c);
	return 0;
}

int mc_comm_init(mc_comm *c, int *argc, char ***argv, FILE *out)
{
	int provided = 0;

	memset(c, 0, sizeof *c);
	s_main_thread = pthread_self();
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
		fprintf(stderr, "maskclean-mpi: MPI_Init failed\n");
		return -1;
	}
	c->world = MPI_COMM_WORLD;
	MPI_Comm_rank(c->world, &c->rank);
	MPI_Comm_size(c->world, &c->size);
	MPI_Comm_dup(c->world, &c->prog);
	c->slots = calloc((size_t)c->size, sizeof *c->slots);
	if (c->slots == NULL) {
		fprintf(stderr, "maskclean-mpi: rank %d: out of memory\n", c->rank);
		MPI_Abort(c->world, 1);
	}
	c->out = c->rank == 0 ? out : NULL;
	c->progress.fn = s_progress;
	c->progress.ctx = c;
	return 0;
}

void mc_comm_finish(mc_comm *c)
{
	if (c->rank != 0) {
		MPI_Send(&c->mine, (int)sizeof c->mine, MPI_BYTE, 0, S_TAG_LAST, c->prog);
	} else {
		size_t last = 0;
		while (last + 1 < (size_t)c->size) {
			MPI_Status st;
			mc_comm_slot msg;
			MPI_Recv(&msg, (int)sizeof msg, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, c->prog,
			         &st);
			last += st.MPI_TAG == S_TAG_LAST;
		}
	}
	free(c->slots);
	free(c->acc);
	MPI_Comm_free(&c->prog);
	MPI_Finalize();
}

int mc_comm_echo(const mc_error *err)
{
	return strcmp(err->text, "another rank failed") == 0 ||
	       strstr(err->text, "another process failed") != NULL;
}

int mc_comm_agree(mc_comm *c, int rc, mc_error *err)
{
	int mine = rc != 0, any = 0, e;

	e = MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, c->world);
	if (e != MPI_SUCCESS)
		return rc != 0 ? rc : s_mpi_failed(err, e, "MPI_Allreduce");
	if (rc == 0 && any)
		rc = mc_error_set(err, MC_ERR_INVALID, "another rank failed");
	return rc;
}

/* Point-to-point in pieces that fit MPI's int counts. */
static int s_send(mc_comm *c, const void *buf, size_t bytes, int to, mc_error *err)
{
	for (size_t o = 0; o < bytes; o += S_PIECE) {
		size_t m = bytes - o < S_PIECE ? bytes - o : S_PIECE;
		int e = MPI_Send((const char *)buf + o, (int)m, MPI_BYTE, to, S_TAG_FOLD, c->world);
		if (e != MPI_SUCCESS)
			return s_mpi_failed(err, e, "MPI_Send");
	}
	c->sent += bytes;
	return 0;
}

static int s_recv(mc_comm *c, void *buf, size_t bytes, int from, mc_error *err)
{
	for (size_t o = 0; o < bytes; o += S_PIECE) {
		size_t m = bytes - o < S_PIECE ? bytes - o : S_PIECE;
		int e = MPI_Recv((char *)buf + o, (int)m, MPI_BYTE, from, S_TAG_FOLD, c->world,
		                 MPI_STATUS_IGNORE);
		if (e != MPI_SUCCESS)
			return s_mpi_failed(err, e, "MPI_Recv");
	}
	c->received += bytes;
	return 0;
}

int mc_comm_fold(void *ctx, double *out, const double *partials, size_t nseg, size_t len,
                 mc_error *err)
{
	mc_comm *c = ctx;
	size_t bytes = len * sizeof(double);
	int rc = 0;

	if (c->acc_len < len) {
		double *a = realloc(c->acc, bytes);
		if (a == NULL) {
			fprintf(stderr, "maskclean-mpi: rank %d: out of memory for a sum of %zu values\n",
			        c->rank, len);
			MPI_Abort(c->world, 1);
		}
		c->acc = a;
		c->acc_len = len;
	}
	if (c->rank == 0)
		memset(c->acc, 0, bytes);
	else
		rc = s_recv(c, c->acc, bytes, c->rank - 1, err);
	if (rc != 0)
		return rc;
	mc_logreg_fold_add(c->acc, partials, nseg, len);
	if (c->rank + 1 < c->size)
		rc = s_send(c, c->acc, bytes, c->rank + 1, err);
	else if (c->rank != 0)
		rc = s_send(c, c->acc, bytes, 0, err);
	if (rc == 0 && c->rank == 0) {
		if (c->size > 1)
			rc = s_recv(c, out, bytes, c->size - 1, err);
		else
			memcpy(out, c->acc, bytes);
	}
	return rc;
}

int mc_comm_bcast_from(mc_comm *c, int root, void *buf, size_t bytes, mc_error *err)
{
	for (size_t o = 0; o < bytes; o += S_PIECE) {
		size_t m = bytes - o < S_PIECE ? bytes - o : S_PIECE;
		int e = MPI_Bcast((char *)buf + o, (int)m, MPI_BYTE, root, c->world);
		if (e != MPI_SUCCESS)
			return s_mpi_failed(err, e, "MPI_Bcast");
	}
	if (c->rank == root)
		c->sent += bytes * (size_t)(c->size - 1);
	else
		c->received += bytes;
	return 0;
}

int mc_comm_bcast(void *ctx, void *buf, size_t bytes, mc_error *err)
{
	return mc_comm_bcast_from(ctx, 0, buf, bytes, err);
}

int mc_comm_gather(mc_comm *c, const void *mine, void *all, size_t bytes, mc_error *err)
{
	int e;

	if (bytes > S_PIECE)
		return mc_error_set(err, MC_ERR_INVALID, "MPI: a gather of %zu bytes per rank", bytes);
	e = MPI_Gather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, 0, c->world);
	if (e != MPI_SUCCESS)
		return s_mpi_failed(err, e, "MPI_Gather");
	if (c->rank == 0)
		c->received += bytes * (size_t)(c->size - 1);
	else
		c->sent += bytes;
	return 0;
}

int mc_comm_max(mc_comm *c, int64_t *v, mc_error *err)
{
	int64_t mine = *v;
	int e = MPI_Allreduce(&mine, v, 1, MPI_INT64_T, MPI_MAX, c->world);

	if (e != MPI_SUCCESS)
		return s_mpi_failed(err, e, "MPI_Allreduce");
	c->sent += sizeof mine;
	c->received += sizeof mine;
	return 0;
}

int mc_comm_barrier(mc_comm *c, mc_error *err)
{
	int e = MPI_Barrier(c->world);

	return e == MPI_SUCCESS ? 0 : s_mpi_failed(err, e, "MPI_Barrier");
}

/* The rows [lo, hi) of the sequence that rank q holds after the realign. */
static void s_target(const uint64_t *start, int size, uint64_t unit, int q, uint64_t *lo,
                     uint64_t *hi)
{
	uint64_t n = start[size];

	for (int e = 0; e < 2; e++) {
		int r = q + e;
		uint64_t a = r == 0 ? 0 : r == size ? n : (start[r] + unit - 1) / unit * unit;
		*(e == 0 ? lo : hi) = a < n ? a : n;
	}
}

/* One array of the realign: per-row items of item bytes. */
static int s_move(mc_comm *c, const void *src, void **dst, size_t item, const int *scount,
                  const int *sdispl, const int *rcount, const int *rdispl, size_t rows,
                  mc_error *err)
{
	int *sc = malloc(4 * (size_t)c->size * sizeof *sc), *sd, *rc2, *rd, e;
	size_t sent = 0, got = 0;

	*dst = malloc((rows > 0 ? rows : 1) * item);
	if (sc == NULL || *dst == NULL) {
		free(sc);
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu rows", rows);
	}
	sd = sc + c->size;
	rc2 = sd + c->size;
	rd = rc2 + c->size;
	for (int q = 0; q < c->size; q++) {
		if ((size_t)scount[q] * item > INT32_MAX || (size_t)rcount[q] * item > INT32_MAX ||
		    (size_t)sdispl[q] * item > INT32_MAX || (size_t)rdispl[q] * item > INT32_MAX) {
			free(sc);
			return mc_error_set(err, MC_ERR_INVALID, "MPI: too many rows to move at once");
		}
		sc[q] = scount[q] * (int)item;
		sd[q] = sdispl[q] * (int)item;
		rc2[q] = rcount[q] * (int)item;
		rd[q] = rdispl[q] * (int)item;
		if (q != c->rank) {
			sent += (size_t)sc[q];
			got += (size_t)rc2[q];
		}
	}
	e = MPI_Alltoallv(src, sc, sd, MPI_BYTE, *dst, rc2, rd, MPI_BYTE, c->world);
	free(sc);
	if (e != MPI_SUCCESS)
		return s_mpi_failed(err, e, "MPI_Alltoallv");
	c->sent += sent;
	c->received += got;
	return 0;
}

int mc_comm_realign(mc_comm *c, double **X, int64_t **y, double **w, size_t *row0,
                    size_t *rows, size_t d, size_t unit, mc_error *err)
{
	uint64_t mine[2] = { *row0, *row0 + *rows }, *all = NULL, *start = NULL, lo, hi, mlo, mhi;
	int *cnt = NULL, any_w = *w != NULL, e, rc = 0;
	double *nX = NULL, *nw = NULL;
	int64_t *ny = NULL;
	size_t nrows = 0;

	all = malloc(2 * (size_t)c->size * sizeof *all);
	start = malloc(((size_t)c->size + 1) * sizeof *start);
	cnt = malloc(4 * (size_t)c->size * sizeof *cnt);
	if (all == NULL || start == NULL || cnt == NULL)
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	rc = mc_comm_agree(c, rc, err);
	if (rc != 0)
		goto cleanup;
	e = MPI_Allgather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, c->world);
	if (e != MPI_SUCCESS) {
		rc = s_mpi_failed(err, e, "MPI_Allgather");
		goto cleanup;
	}
	for (int q = 0; q < c->size; q++)
		start[q] = all[2 * q];
	start[c->size] = all[2 * (c->size - 1) + 1];
	/* send to q the part of my rows in q's target; receive from q the part
	 * of q's rows in mine, in the order of the sequence */
	s_target(start, c->size, unit, c->rank, &mlo, &mhi);
	for (int q = 0; q < c->size; q++) {
		uint64_t a, b;
		s_target(start, c->size, unit, q, &lo, &hi);
		a = lo > mine[0] ? lo : mine[0];
		b = hi < mine[1] ? hi : mine[1];
		cnt[q] = b > a ? (int)(b - a) : 0;                      /* send count */
		cnt[c->size + q] = b > a ? (int)(a - mine[0]) : 0;      /* send offset */
		a = mlo > start[q] ? mlo : start[q];
		b = mhi < start[q + 1] ? mhi : start[q + 1];
		cnt[2 * c->size + q] = b > a ? (int)(b - a) : 0;        /* receive count */
		cnt[3 * c->size + q] = b > a ? (int)(a - mlo) : 0;      /* receive offset */
	}
	nrows = (size_t)(mhi - mlo);
	rc = s_move(c, *X, (void **)&nX, d * sizeof(double), cnt, cnt + c->size,
	            cnt + 2 * c->size, cnt + 3 * c->size, nrows, err);
	if (rc == 0)
		rc = s_move(c, *y, (void **)&ny, sizeof(int64_t), cnt, cnt + c->size,
		            cnt + 2 * c->size, cnt + 3 * c->size, nrows, err);
	if (rc == 0 && any_w)
		rc = s_move(c, *w, (void **)&nw, sizeof(double), cnt, cnt + c->size,
		            cnt + 2 * c->size, cnt + 3 * c->size, nrows, err);
	if (rc != 0)
		goto cleanup;
	free(*X);
	free(*y);
	free(*w);
	*X = nX;
	*y = ny;
	*w = nw;
	nX = nw = NULL;
	ny = NULL;
	*row0 = (size_t)mlo;
	*rows = nrows;
cleanup:
	free(nX);
	free(ny);
	free(nw);
	free(all);
	free(start);
	free(cnt);
	return rc;
}

int mc_comm_any(mc_comm *c, unsigned char *flags, size_t n, mc_error *err)
{
	for (size_t o = 0; o < n; o += S_PIECE) {
		size_t m = n - o < S_PIECE ? n - o : S_PIECE;
		int e = MPI_Allreduce(MPI_IN_PLACE, flags + o, (int)m, MPI_UNSIGNED_CHAR, MPI_MAX,
		                      c->world);
		if (e != MPI_SUCCESS)
			return s_mpi_failed(err, e, "MPI_Allreduce");
	}
	c->sent += n;
	c->received += n;
	return 0;
}

int mc_comm_sum(mc_comm *c, uint64_t *v, mc_error *err)
{
	int e = MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_UINT64_T, MPI_SUM, c->world);

	if (e != MPI_SUCCESS)
		return s_mpi_failed(err, e, "MPI_Allreduce");
	c->sent += sizeof *v;
	c->received += sizeof *v;
	return 0;
}

/* The rows of each rank and their offsets, as int counts of a row type. */
static int s_row_layout(mc_comm *c, const uint64_t *rows, int **cnt, int **displ, mc_error *err)
{
	uint64_t at = 0;

	*cnt = malloc(2 * (size_t)c->size * sizeof **cnt);
	if (*cnt == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	*displ = *cnt + c->size;
	for (int r = 0; r < c->size; r++) {
		if (rows[r] > INT32_MAX || at > INT32_MAX)
			return mc_error_set(err, MC_ERR_INVALID, "MPI: %llu rows on one rank; at most "
			                    "%d move at once", (unsigned long long)rows[r], INT32_MAX);
		(*cnt)[r] = (int)rows[r];
		(*displ)[r] = (int)at;
		at += rows[r];
	}
	return 0;
}

int mc_comm_gather_rows(mc_comm *c, const void *mine, size_t rows, size_t item, void **all,
                        size_t *total, uint64_t **counts, mc_error *err)
{
	uint64_t me = rows, *per = malloc((size_t)c->size * sizeof *per), sum = 0;
	int *cnt = NULL, *displ = NULL, e, rc = 0;
	MPI_Datatype row;

	*all = NULL;
	*total = 0;
	if (counts != NULL)
		*counts = NULL;
	rc = mc_comm_agree(c, per == NULL ? MC_ERR_NOMEM : 0, err);
	if (rc == 0 && (e = MPI_Allgather(&me, 1, MPI_UINT64_T, per, 1, MPI_UINT64_T,
	                                  c->world)) != MPI_SUCCESS)
		rc = s_mpi_failed(err, e, "MPI_Allgather");
	if (rc == 0)
		rc = s_row_layout(c, per, &cnt, &displ, err);
	for (int r = 0; rc == 0 && r < c->size; r++)
		sum += per[r];
	if (rc == 0 && c->rank == 0 && (*all = malloc(sum > 0 ? sum * item : 1)) == NULL)
		rc = MC_ERR_NOMEM;
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0) {
		MPI_Type_contiguous((int)item, MPI_BYTE, &row);
		MPI_Type_commit(&row);
		e = MPI_Gatherv(mine, (int)rows, row, *all, cnt, displ, row, 0, c->world);
		MPI_Type_free(&row);
		if (e != MPI_SUCCESS)
			rc = s_mpi_failed(err, e, "MPI_Gatherv");
	}
	if (rc == 0) {
		if (c->rank == 0)
			c->received += (sum - rows) * item;
		else
			c->sent += rows * item;
		*total = (size_t)sum;
		if (counts != NULL) {
			*counts = per;
			per = NULL;
		}
	} else {
		free(*all);
		*all = NULL;
	}
	free(per);
	free(cnt);
	return rc;
}

int mc_comm_scatter_rows(mc_comm *c, const void *all, const uint64_t *rows, void *mine,
                         size_t item, mc_error *err)
{
	int *cnt = NULL, *displ = NULL, e, rc;
	MPI_Datatype row;

	rc = s_row_layout(c, rows, &cnt, &displ, err);
	rc = mc_comm_agree(c, rc, err);
	if (rc == 0) {
		MPI_Type_contiguous((int)item, MPI_BYTE, &row);
		MPI_Type_commit(&row);
		e = MPI_Scatterv(all, cnt, displ, row, mine, cnt[c->rank], row, 0, c->world);
		MPI_Type_free(&row);
		if (e != MPI_SUCCESS)
			rc = s_mpi_failed(err, e, "MPI_Scatterv");
	}
	if (rc == 0) {
		if (c->rank == 0)
			for (int r = 1; r < c->size; r++)
				c->sent += rows[r] * item;
		else
			c->received += rows[c->rank] * item;
	}
	free(cnt);
	return rc;
}
