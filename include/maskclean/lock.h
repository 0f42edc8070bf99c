/* An exclusive lock on a lock file: one writer per folder (a review
 * session's folder), across processes and machines sharing the folder.
 *
 * mc_lock_acquire takes an flock(2) on the file (created if needed) without
 * waiting, and writes who holds it ("pid 1234 on host nb-3 since
 * 2024-05-01 10:02:03") into it. The lock belongs to the open file: it is
 * released by mc_lock_release or when the holder dies (kill -9 included),
 * so a dead holder never blocks. A second acquire of the same file fails,
 * also from the same process. The file is never removed (removing it would
 * let two writers lock two different files of the same name). */
#ifndef MASKCLEAN_LOCK_H
#define MASKCLEAN_LOCK_H

#include "maskclean/error.h"

typedef struct mc_lock mc_lock;

/* Locks path. Caller owns *out; release with mc_lock_release. Fails with
 * MC_ERR_STATE when another holder has it: the message names path and the
 * holder ("in use by pid 1234 on host nb-3 since ..."); MC_ERR_IO when the
 * file cannot be created or locked. */
int mc_lock_acquire(mc_lock **out, const char *path, mc_error *err);

/* Releases the lock; l may be NULL. */
void mc_lock_release(mc_lock *l);

#endif
