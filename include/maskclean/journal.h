/* Durable storage: an append-only journal of checksummed records (files
 * replaced as a whole are in maskclean/atomic_file.h).
 *
 * Journal file: the 8-byte magic "MCJRNL\0\1", then records, each
 *   u32 length | u32 CRC-32 of the payload | payload (length bytes)
 * in little-endian order. mc_journal_append returns only after the record
 * and the file size reached the disk (fdatasync), so a recorded action
 * survives a crash or kill -9 of the process. A torn last record (a crash in
 * the middle of a write) fails its length or checksum test; opening the
 * journal drops it, truncates the file to the last good record and says how
 * many bytes were dropped. */
#ifndef MASKCLEAN_JOURNAL_H
#define MASKCLEAN_JOURNAL_H

#include <stddef.h>

#include "maskclean/error.h"

typedef struct mc_journal mc_journal;

/* Called once per intact record, in order. rec is borrowed (valid during
 * the call) and NUL-terminated after len bytes. Returns 0 or a negative
 * code with err set, which stops the replay and fails the open. */
typedef int (*mc_journal_replay_fn)(void *ctx, const char *rec, size_t len, mc_error *err);

/* Opens the journal at path, creating it (and fsyncing its folder) if it
 * does not exist, replays every intact record through fn (may be NULL) and
 * positions for appending. *n_records and *dropped (both may be NULL) get the
 * number of records replayed and the bytes of a torn tail that were dropped.
 * Caller owns *out; close with mc_journal_close. Fails with MC_ERR_IO
 * (cannot open/read/truncate), MC_ERR_PARSE (not a journal: bad magic), or
 * whatever fn returned. */
int mc_journal_open(mc_journal **out, const char *path, mc_journal_replay_fn fn, void *ctx,
                    size_t *n_records, size_t *dropped, mc_error *err);

/* Appends one record and makes it durable before returning. On failure the
 * file is truncated back to its previous size. Fails with MC_ERR_IO. */
int mc_journal_append(mc_journal *j, const char *rec, size_t len, mc_error *err);

/* Number of records in the journal (replayed + appended). */
size_t mc_journal_count(const mc_journal *j);

/* Closes j; j may be NULL. */
void mc_journal_close(mc_journal *j);

#endif
