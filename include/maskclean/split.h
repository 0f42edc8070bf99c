/* Seeded, stratified splits of labelled samples: a train/test split and
 * K-fold assignment, driven by maskclean's PRNG (rng.h), so a seed gives
 * the same split on every machine.
 *
 * Labels are class indices 0..n_classes-1. A sample whose weight is 0 is
 * "removed": it takes part in no split (weights may be NULL: all kept). */
#ifndef MASKCLEAN_SPLIT_H
#define MASKCLEAN_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"

/* Stratified train/test split of the n samples labelled y (each in
 * [0, n_classes)). The test set holds ceil(test_size * kept) samples when
 * 0 < test_size < 1, or round(test_size) samples when test_size >= 1,
 * shared among classes in proportion to their counts (largest remainders,
 * ties to the lower class). Removed samples go to neither side. Both index
 * lists are ascending.
 * Caller owns *train and *test (free()). Fails with MC_ERR_INVALID for a
 * label out of range or a test size that leaves one side empty. */
int mc_split_train_test(size_t **train, size_t *n_train, size_t **test, size_t *n_test,
                        const int64_t *y, const double *weight, size_t n,
                        size_t n_classes, double test_size, uint64_t seed,
                        mc_error *err);

/* Stratified K-fold: fold[i] in [0, k) for every kept sample, -1 for a
 * removed one. Each class is shuffled and dealt round-robin, continuing
 * where the previous class stopped, so fold sizes differ by at most one.
 * Caller owns *fold (free()). Fails with MC_ERR_INVALID if k < 2, k exceeds
 * the kept sample count, or a label is out of range. */
int mc_split_kfold(int **fold, const int64_t *y, const double *weight, size_t n,
                   size_t n_classes, size_t k, uint64_t seed, mc_error *err);

/* Stratified group K-fold: like mc_split_kfold, but the kept samples that
 * share a group id (groups[i], any value: an image, a near-duplicate
 * cluster) all land in the same fold, so that no fold is scored by a model
 * that saw a copy of its samples. A group counts toward the class of its
 * lowest-index kept member; each class's groups, largest first, go to the
 * fold holding the fewest samples of that class. Caller owns *fold.
 * Fails with MC_ERR_INVALID if k < 2, k exceeds the number of groups, or a
 * label is out of range. */
int mc_split_group_kfold(int **fold, const int64_t *y, const double *weight,
                         const int64_t *groups, size_t n, size_t n_classes, size_t k,
                         uint64_t seed, mc_error *err);

#endif
