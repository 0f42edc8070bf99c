/* Files replaced atomically: every file maskclean writes for a user (exports,
 * service files, .npy, PNG, CSV, history, the demo dataset) goes through
 * here, so a reader sees the old file or the new one, never a partial one,
 * even when the process is killed or the disk fills up.
 *
 * Writing: a temporary file "<target>.tmp.<pid>.XXXXXX" in the target's
 * folder; commit fsyncs it, renames it over the target and fsyncs the folder
 * (so the rename survives a power loss). On any failure (a full disk
 * included) the temporary file is removed and the target is untouched.
 *
 * Leftovers: temporary files of the same target whose writer process is
 * gone (killed during a write) are removed when the next write of that target
 * starts. */
#ifndef MASKCLEAN_ATOMIC_FILE_H
#define MASKCLEAN_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/error.h"

typedef struct mc_atomic_file mc_atomic_file;

/* Starts writing path (removing stale temporary files of path first).
 * Caller owns *out: finish with commit or abort. Fails with MC_ERR_IO naming
 * path (its folder does not exist or is not writable) or MC_ERR_NOMEM. */
int mc_atomic_file_open(mc_atomic_file **out, const char *path, mc_error *err);

/* Appends len bytes. Fails with MC_ERR_IO naming the target (the file stays
 * open: abort it). */
int mc_atomic_file_write(mc_atomic_file *f, const void *data, size_t len, mc_error *err);

/* Writes len bytes at offset, for files filled out of order (rows of a .npy
 * that arrive in any order); a gap reads as zeros. Safe to call from several
 * threads at once. Fails with MC_ERR_IO naming the target (abort the file). */
int mc_atomic_file_write_at(mc_atomic_file *f, const void *data, size_t len, uint64_t offset,
                            mc_error *err);

/* Allocates len bytes on disk for the file now, so that a full disk fails
 * here and not hours later. Fails with MC_ERR_IO naming the target. */
int mc_atomic_file_reserve(mc_atomic_file *f, uint64_t len, mc_error *err);

/* fsyncs, renames over the target, fsyncs the folder and frees f (also on
 * failure, after removing the temporary file). */
int mc_atomic_file_commit(mc_atomic_file *f, mc_error *err);

/* As mc_atomic_file_commit, except that when the target already holds
 * exactly the bytes written, the target is left alone (its inode and dates
 * unchanged: a reader that loaded it sees no change) and the temporary file
 * is removed. *changed (may be NULL) is 1 when the target was replaced.
 * For writers that regenerate files others may have loaded (make_demo). */
int mc_atomic_file_commit_if_changed(mc_atomic_file *f, int *changed, mc_error *err);

/* Removes the temporary file and frees f; f may be NULL. */
void mc_atomic_file_abort(mc_atomic_file *f);

/* The target's path (borrowed, valid until commit or abort). */
const char *mc_atomic_file_path(const mc_atomic_file *f);

/* A write callback for libraries that stream their output (jansson's
 * json_dump_callback, Cairo's and libpng's write functions): ctx is the
 * mc_atomic_file, err is kept in it. Returns 0, or -1 after the first
 * failure (later calls keep failing); mc_atomic_file_commit then fails with
 * that error. */
int mc_atomic_file_sink(const char *data, size_t len, void *ctx);

/* Writes all len bytes to the open file fd, retrying short writes and
 * EINTR: 0, or -1 with errno set. For the one file written in place, the
 * journal (an append-only log, maskclean/journal.h). */
int mc_atomic_file_write_fd(int fd, const void *data, size_t len);

/* Writes len bytes to path atomically (open + write + commit). */
int mc_write_file_atomic(const char *path, const void *data, size_t len, mc_error *err);

#endif
