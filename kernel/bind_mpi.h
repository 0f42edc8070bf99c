/* Running the heavy steps over an Open MPI job (maskclean-mpi, mpi/) from
 * the kernel: the Cluster value that says where, and the runs the learn
 * and coreset areas start when a call is given mpi=Cluster(...).
 *
 * The kernel never links MPI: it starts mpirun as a child process group,
 * reads rank 0's progress lines from its stdout (one bar for the notebook),
 * stops every rank on an interrupt (SIGTERM to the group, which mpirun
 * forwards; SIGKILL a second later), and reads the results from files the
 * job wrote atomically. An array that lives only in memory is written to a
 * temporary .npy of the job's folder first; an Embeddings object (load_npy)
 * is read from its own file. */
#ifndef MASKCLEAN_BIND_MPI_H
#define MASKCLEAN_BIND_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "builtin.h"
#include "maskclean/coreset.h"
#include "maskclean/error.h"
#include "maskclean/logreg.h"
#include "maskclean/matrix.h"
#include "maskclean/metrics.h"
#include "maskclean/pca.h"
#include "maskclean/progress.h"
#include "value.h"

typedef struct mc_cluster mc_cluster;

/* The class of Cluster(...) values. */
extern const mc_class mc_cluster_class;

/* The optional Cluster argument name of call: *out = NULL when it is none or
 * not given; fails with MC_ERR_TYPE for anything but a Cluster. */
int mc_arg_cluster(mc_call *call, const char *name, const mc_cluster **out, mc_error *err);

/* One run of maskclean-mpi: a temporary folder under the cluster's tmpdir
 * holding the inputs written for it and the results ("out"), removed by
 * mc_mpi_job_free. */
typedef struct mc_mpi_job mc_mpi_job;

/* A job named job (pca, transform, lr, ...) on cluster c. Caller owns; free
 * with mc_mpi_job_free. Fails with MC_ERR_IO when the folder cannot be
 * made. */
int mc_mpi_job_new(mc_mpi_job **out, const mc_cluster *c, const char *job, mc_error *err);
void mc_mpi_job_free(mc_mpi_job *j);

/* Adds "--opt value" to the job's command line (copied). */
int mc_mpi_job_arg(mc_mpi_job *j, const char *opt, const char *value, mc_error *err);

/* --features: the file of an Embeddings value, or X written to the folder
 * (a 2-D array; int64 arrays converted). Fails with MC_ERR_TYPE otherwise. */
int mc_mpi_job_features(mc_mpi_job *j, mc_value *X, size_t *rows, mc_error *err);

/* opt (--labels, --weights) with n values written to the folder. */
int mc_mpi_job_column(mc_mpi_job *j, const char *opt, const double *v, size_t n,
                      mc_error *err);

/* The folder of the job's results (borrowed; valid while j lives). */
const char *mc_mpi_job_out(const mc_mpi_job *j);

/* Runs the job: mpirun ... maskclean-mpi JOB ARGS --out OUT --progress,
 * showing its progress through prog. Fails with MC_ERR_INTERRUPTED when
 * prog asks to stop (every rank is stopped before it returns), or with the
 * error a rank reported (its name and message, "rank R: ..."), or with
 * mpirun's own message when a rank died. */
int mc_mpi_job_run(mc_mpi_job *j, const mc_progress *prog, mc_error *err);

/* A result file of a finished job as a new matrix (a vector: n x 1).
 * Caller owns. */
int mc_mpi_job_result(mc_matrix **out, const mc_mpi_job *j, const char *name, mc_error *err);

/* The pieces a job listed in its manifest (MC_JOB_SCORES_MANIFEST of pca
 * --scores and transform, MC_JOB_IMPORTANCE_MANIFEST, MC_JOB_OOF_MANIFEST),
 * in row order, as one new rows x k matrix. Caller owns. */
int mc_mpi_job_pieces(mc_matrix **out, const mc_mpi_job *j, const char *manifest,
                      size_t rows, size_t k, mc_error *err);

/* The steps of the learn area on a cluster, each leaving its model unchanged
 * on failure: PCA fit (exact solver), optionally with the scores of X
 * (scores != NULL: caller owns *scores); PCA transform; logistic regression
 * fit (labels y and optional weights w of X's n rows). */
int mc_mpi_pca_fit(mc_pca *pca, mc_value *X, const mc_cluster *c, mc_matrix **scores,
                   const mc_progress *prog, mc_error *err);
int mc_mpi_pca_transform(mc_matrix **scores, const mc_pca *pca, mc_value *X,
                         const mc_cluster *c, const mc_progress *prog, mc_error *err);
int mc_mpi_logreg_fit(mc_logreg *lr, mc_value *X, const int64_t *y, const double *w,
                      size_t n, const mc_cluster *c, const mc_progress *prog, mc_error *err);

/* The coreset service built on the cluster (the coreset job), byte for
 * byte the service of mc_coreset_build, installed in cs (which must be
 * empty; its class names are kept). cs is unchanged on failure. */
int mc_mpi_coreset_build(mc_coreset *cs, mc_value *X, const int64_t *y, const double *w,
                         size_t n, const mc_cluster *c, const mc_progress *prog,
                         mc_error *err);

/* mc_cross_val_proba on the cluster (the oof job): *proba (caller owns) is
 * n x n_classes. groups may be NULL. */
int mc_mpi_cross_val_proba(mc_matrix **proba, mc_value *X, const int64_t *y, const double *w,
                           const int64_t *groups, size_t n, size_t n_classes,
                           const mc_cv_opts *o, const mc_logreg_params *p,
                           const mc_cluster *c, const mc_progress *prog, mc_error *err);

#endif
