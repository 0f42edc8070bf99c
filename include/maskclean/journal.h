/* Durable storage: an append-only journal of checksummed records (files
 * replaced as a whole are in maskclean/atomic_file.h).
 *
 * Journal file: the 8-byte magic "MCJRNL\0\1", then records, each
 *   u32 length | u32 CRC-32 of the payload | payload (length bytes)
 * in little-endian order. mc_journal_append returns only after the record
 * and the file size reached the disk (fdatasync), so a recorded action
 * survives a crash or kill -9 of the process.
 *
 * Damage: opening a journal replays every intact record, even those after a
 * damaged stretch (a flipped bit, a block of garbage): the length and CRC of
 * each record let the reader find the next intact one (records are never
 * empty, so a zero-filled block is never taken for one). A torn last
 * record (its length runs past the end of the file: a write cut short by a
 * crash, whose call never returned) is reported apart from damage. The
 * file is never truncated: when anything was skipped, the original is kept
 * beside the journal as "<path>.damaged-<k>" (k = 1, 2, ...) and the
 * journal is replaced, atomically, by its intact records. */
#ifndef MASKCLEAN_JOURNAL_H
#define MASKCLEAN_JOURNAL_H

#include <stddef.h>

#include "maskclean/error.h"

typedef struct mc_journal mc_journal;

/* Called once per intact record, in order. rec is borrowed (valid during
 * the call) and NUL-terminated after len bytes. Returns 0 or a negative
 * code with err set, which stops the replay and fails the open. */
typedef int (*mc_journal_replay_fn)(void *ctx, const char *rec, size_t len, mc_error *err);

#define MC_JOURNAL_REGIONS 8

/* What opening a journal found. */
typedef struct mc_journal_report {
	size_t records;          /* intact records replayed */
	size_t damaged;          /* damaged stretches skipped (a torn tail not included) */
	size_t damaged_bytes;    /* their total size */
	struct {
		size_t offset, len;  /* bytes [offset, offset + len) of the file */
		size_t after;        /* the number of intact records before them */
	} region[MC_JOURNAL_REGIONS];  /* the first MC_JOURNAL_REGIONS stretches */
	size_t torn_bytes;       /* size of a torn last record (0: none) */
	char aside[4096];        /* where the original was kept ("" when nothing was skipped) */
} mc_journal_report;

/* Opens the journal at path, creating it (and fsyncing its folder) if it
 * does not exist, replays every intact record through fn (may be NULL) and
 * positions for appending; see "Damage" above. report (may be NULL) gets
 * what was found. Caller owns *out; close with mc_journal_close. Fails with
 * MC_ERR_IO (cannot open, read, keep the original or rewrite), MC_ERR_PARSE
 * (not a journal: bad magic; the file is left alone), or whatever fn
 * returned (with "<path>: record <k>: " in front; the file is left alone). */
int mc_journal_open(mc_journal **out, const char *path, mc_journal_replay_fn fn, void *ctx,
                    mc_journal_report *report, mc_error *err);

/* One paragraph for the user about a report: what was skipped or torn,
 * where the original is kept and how many records were restored. Writes ""
 * for a journal that opened clean. */
void mc_journal_report_text(const mc_journal_report *r, const char *path, char *buf,
                            size_t size);

/* Appends one record (1 byte to 64 MiB) and makes it durable before
 * returning. On failure the bytes this call wrote are cut off again. Fails
 * with MC_ERR_INVALID (empty or too long) or MC_ERR_IO. */
int mc_journal_append(mc_journal *j, const char *rec, size_t len, mc_error *err);

/* Number of records in the journal (replayed + appended). */
size_t mc_journal_count(const mc_journal *j);

/* Closes j; j may be NULL. */
void mc_journal_close(mc_journal *j);

#endif
