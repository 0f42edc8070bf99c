/* The jobs of maskclean-mpi: one table row each (mpi/main.c walks it for
 * the usage text and the dispatch). */
#ifndef MASKCLEAN_MPI_JOBS_H
#define MASKCLEAN_MPI_JOBS_H

#include <stddef.h>

#include "comm.h"
#include "shards.h"

/* The command line, as main.c parsed it. */
typedef struct mc_opts {
	const char *features, *labels, *weights, *manifest; /* the data */
	const char *out;          /* folder of the results */
	const char *model;        /* transform: folder of a pca job's results */
	int progress;             /* rank 0 prints progress lines on stdout */
	int scores;               /* pca: transform the rows as well */
	size_t n_components, chunk_rows;   /* pca */
	double C, tol;            /* lr */
	size_t max_iter, n_classes;
	const char *class_weight; /* "none", "balanced" or "w0,w1,..." */
	const char *optimized_for, *basis; /* coreset: "cleaning"/"training", "cholqr"/"qr" */
	size_t chunk_size, coreset_size;   /* coreset: 0 = automatic */
	size_t seed, folds;       /* coreset, oof */
	const char *groups;       /* oof: fold groups, one value per row (.npy) */
	size_t split_rows;        /* importance, coreset: one file is split at multiples */
} mc_opts;

typedef struct mc_job {
	const char *name;
	const char *doc;
	/* The rows at whose multiples a single file is split (mc_shards_unit_fn). */
	size_t (*unit)(const void *opts, size_t n, size_t d);
	int (*run)(mc_comm *c, const mc_opts *o, mc_shards *sh, mc_error *err);
} mc_job;

/* The jobs, ended by a row whose name is NULL. */
extern const mc_job mc_jobs[];

#endif
