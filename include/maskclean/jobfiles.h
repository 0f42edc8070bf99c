/* What maskclean-mpi (mpi/) and the kernel that starts it (kernel/bind_mpi.c)
 * agree on: the files of a job's results folder and the progress lines.
 *
 * Every file is written atomically (include/maskclean/atomic_file.h), .npy
 * files as float64. A job that fails leaves the files of an earlier
 * successful job in place: a reader only looks after mpirun exits with 0.
 *
 * Progress: rank 0 prints lines "progress DONE TOTAL WHAT\n" on stdout,
 * DONE and TOTAL summed over the ranks in the step WHAT. Errors: each rank
 * that failed prints "maskclean-mpi: rank R: NAME: MESSAGE\n" on stderr,
 * NAME as mc_error_name gives it ("ValueError"). */
#ifndef MASKCLEAN_JOBFILES_H
#define MASKCLEAN_JOBFILES_H

#define MC_JOB_PROGRESS "progress "
#define MC_JOB_ERROR "maskclean-mpi: rank "

/* pca: the model as mc_pca_save writes it (maskclean/pca.h); lr: as
 * mc_logreg_save writes it (maskclean/logreg.h); transform (and pca with
 * --scores): */
/* one file of scores per piece (a shard of a manifest, or a
 * rank's rows of one file), listed in a manifest of their own (the shards'
 * labels and weights kept), so the next job can read them */
#define MC_JOB_SCORES "scores-%06zu.npy"
#define MC_JOB_SCORES_MANIFEST "scores.json"

/* importance and oof: one file per rank (its rows, in row order), listed
 * with their rows in a manifest of the same form */
#define MC_JOB_IMPORTANCE "importance-%06zu.npy"            /* rows values */
#define MC_JOB_IMPORTANCE_MANIFEST "importance.json"
#define MC_JOB_OOF "oof-%06zu.npy"                          /* rows x K */
#define MC_JOB_OOF_MANIFEST "oof.json"

/* coreset: the service as mc_coreset_save writes it */
#define MC_JOB_SERVICE "service.mcc"

/* every job: timings and the bytes each rank sent and received (JSON) */
#define MC_JOB_STATS "stats.json"

#endif
