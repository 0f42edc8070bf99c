/* This module implements the append-only checksummed journal declared in
 * maskclean/journal.h: append, replay, and recovery from damage. */
#include "maskclean/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "maskclean/atomic_file.h"

static const char s_magic[8] = { 'M', 'C', 'J', 'R', 'N', 'L', '\0', '\1' };
#define S_MAX_RECORD (64u << 20)
#define S_HEAD 8

struct mc_journal {
	int fd;
	char *path;
	off_t size;
	size_t count;
};

static void s_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t s_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the whole file into memory (caller frees). */
static int s_slurp(const char *path, unsigned char **buf, size_t *len, mc_error *err)
{
	struct stat st;
	unsigned char *b = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open journal: %s", path,
		                    strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
		goto cleanup;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = pread(fd, b + got, (size_t)st.st_size - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path,
			                  k < 0 ? strerror(errno) : "short read");
			goto cleanup;
		}
		got += (size_t)k;
	}
	*buf = b;
	*len = got;
	b = NULL;
cleanup:
	free(b);
	close(fd);
	return rc;
}

/* The length of the intact record at pos, or -1. Records are never empty:
 * the header of an empty one would be all zeros, like a block of a file
 * that a crash left zero-filled. */
static long long s_record_at(const unsigned char *buf, size_t len, size_t pos)
{
	uint32_t rlen, crc;

	if (pos + S_HEAD > len)
		return -1;
	rlen = s_get32(buf + pos);
	crc = s_get32(buf + pos + 4);
	if (rlen == 0 || rlen > S_MAX_RECORD || rlen > len - pos - S_HEAD)
		return -1;
	if ((uint32_t)crc32(0L, buf + pos + S_HEAD, rlen) != crc)
		return -1;
	return (long long)rlen;
}

/* 1 when the bytes from pos to the end are the start of a record whose
 * length runs past the end of the file (a write cut short). */
static int s_torn(const unsigned char *buf, size_t len, size_t pos)
{
	uint32_t rlen;

	if (pos + S_HEAD > len)
		return 1;
	rlen = s_get32(buf + pos);
	return rlen <= S_MAX_RECORD && rlen > len - pos - S_HEAD;
}

/* Keeps the original file as <path>.damaged-<k>: a hard link, or a copy
 * where links are not possible. */
static int s_keep_aside(const char *path, const unsigned char *buf, size_t len, char *aside,
                        size_t size, mc_error *err)
{
	for (int k = 1; k < 10000; k++) {
		snprintf(aside, size, "%s.damaged-%d", path, k);
		if (access(aside, F_OK) == 0)
			continue;
		if (link(path, aside) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		return mc_write_file_atomic(aside, buf, len, err);
	}
	aside[0] = '\0';
	return mc_error_set(err, MC_ERR_IO, "%s: cannot keep the damaged journal: too many "
	                    "earlier copies (%s.damaged-*)", path, path);
}

typedef struct s_range {
	size_t pos, len;
} s_range;

/* Replaces path by the magic and the intact records (ranges) atomically. */
static int s_rewrite(const char *path, const unsigned char *buf, const s_range *keep,
                     size_t n, mc_error *err)
{
	mc_atomic_file *f = NULL;
	int rc = mc_atomic_file_open(&f, path, err);

	if (rc)
		return rc;
	rc = mc_atomic_file_write(f, s_magic, sizeof s_magic, err);
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = mc_atomic_file_write(f, buf + keep[k].pos, keep[k].len, err);
	if (rc) {
		mc_atomic_file_abort(f);
		return rc;
	}
	return mc_atomic_file_commit(f, err);
}

/* Scans buf: replays intact records, notes the damaged and torn stretches
 * in r and the intact records in keep (*n_keep of them). */
static int s_scan(const char *path, unsigned char *buf, size_t len, mc_journal_replay_fn fn,
                  void *ctx, mc_journal_report *r, s_range *keep, size_t *n_keep, mc_error *err)
{
	size_t pos = sizeof s_magic;

	*n_keep = 0;
	while (pos < len) {
		long long rl = s_record_at(buf, len, pos);
		size_t q;

		if (rl >= 0) {
			char *rec = (char *)buf + pos + S_HEAD;
			size_t end = pos + S_HEAD + (size_t)rl;
			if (fn != NULL) {
				/* NUL-terminate in place for the callback, then restore. */
				char saved = end < len ? rec[rl] : '\0';
				int rc;
				rec[rl] = '\0';
				rc = fn(ctx, rec, (size_t)rl, err);
				if (end < len)
					rec[rl] = saved;
				if (rc) {
					mc_error_prefix(err, "%s: record %zu", path, r->records + 1);
					return rc;
				}
			}
			keep[(*n_keep)++] = (s_range){ pos, S_HEAD + (size_t)rl };
			r->records++;
			pos = end;
			continue;
		}
		/* Damage at pos: resynchronise on the next intact record. */
		for (q = pos + 1; q < len && s_record_at(buf, len, q) < 0; q++)
			;
		if (q >= len && s_torn(buf, len, pos)) {
			r->torn_bytes = len - pos;
			break;
		}
		if (r->damaged < MC_JOURNAL_REGIONS) {
			r->region[r->damaged].offset = pos;
			r->region[r->damaged].len = q - pos;
			r->region[r->damaged].after = r->records;
		}
		r->damaged++;
		r->damaged_bytes += q - pos;
		pos = q;
	}
	return 0;
}

int mc_journal_open(mc_journal **out, const char *path, mc_journal_replay_fn fn, void *ctx,
                    mc_journal_report *report, mc_error *err)
{
	mc_journal *j = NULL;
	mc_journal_report r;
	unsigned char *buf = NULL;
	s_range *keep = NULL;
	size_t len = 0, n_keep = 0;
	struct stat st;
	int rc = 0;

	*out = NULL;
	memset(&r, 0, sizeof r);
	if (report)
		memset(report, 0, sizeof *report);
	j = calloc(1, sizeof *j);
	if (j == NULL || (j->path = strdup(path)) == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	j->fd = -1;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot open journal: %s", path,
			                  strerror(errno));
			goto cleanup;
		}
		/* A new journal appears whole (magic included) or not at all. */
		rc = mc_write_file_atomic(path, s_magic, sizeof s_magic, err);
		if (rc)
			goto cleanup;
	} else {
		rc = s_slurp(path, &buf, &len, err);
		if (rc)
			goto cleanup;
		if (memcmp(buf, s_magic, len < sizeof s_magic ? len : sizeof s_magic) != 0) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: not a maskclean journal (bad magic)",
			                  path);
			goto cleanup;
		}
		if (len < sizeof s_magic) {
			/* A crash while it was created by an older version: no record
			 * can be in it. */
			r.torn_bytes = len;
		} else {
			keep = malloc((len / S_HEAD + 1) * sizeof *keep);
			if (keep == NULL) {
				rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
				goto cleanup;
			}
			rc = s_scan(path, buf, len, fn, ctx, &r, keep, &n_keep, err);
			if (rc)
				goto cleanup;
		}
		/* An empty file too gets its magic back, or appends would follow none. */
		if (r.damaged > 0 || r.torn_bytes > 0 || len < sizeof s_magic) {
			if (len > sizeof s_magic)
				rc = s_keep_aside(path, buf, len, r.aside, sizeof r.aside, err);
			if (rc == 0)
				rc = s_rewrite(path, buf, keep, n_keep, err);
			if (rc)
				goto cleanup;
		}
	}
	j->fd = open(path, O_RDWR | O_CLOEXEC);
	if (j->fd < 0 || fstat(j->fd, &st) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot open journal: %s", path,
		                  strerror(errno));
		goto cleanup;
	}
	j->size = st.st_size;
	j->count = r.records;
	if (report)
		*report = r;
	*out = j;
	j = NULL;
cleanup:
	free(buf);
	free(keep);
	mc_journal_close(j);
	return rc;
}

void mc_journal_report_text(const mc_journal_report *r, const char *path, char *buf,
                            size_t size)
{
	size_t o = 0;

#define S_PUT(...)                                                                          \
	do {                                                                                 \
		if (o < size)                                                                \
			o += (size_t)snprintf(buf + o, size - o, __VA_ARGS__);               \
	} while (0)
	if (size > 0)
		buf[0] = '\0';
	if (r->damaged == 0 && r->torn_bytes == 0)
		return;
	S_PUT("%s: ", path);
	if (r->damaged > 0) {
		S_PUT("%zu damaged stretch%s skipped (%zu bytes:", r->damaged,
		      r->damaged == 1 ? "" : "es", r->damaged_bytes);
		for (size_t k = 0; k < r->damaged && k < MC_JOURNAL_REGIONS; k++)
			S_PUT("%s bytes %zu-%zu after record %zu", k ? ";" : "", r->region[k].offset,
			      r->region[k].offset + r->region[k].len - 1, r->region[k].after);
		S_PUT("%s); what was recorded there is lost, every intact record after it was "
		      "restored. ", r->damaged > MC_JOURNAL_REGIONS ? "; ..." : "");
	}
	if (r->torn_bytes > 0)
		S_PUT("the last record was cut short by a crash (%zu bytes of a write whose call "
		      "never returned) and is not restored. ", r->torn_bytes);
	S_PUT("%zu intact record%s restored.", r->records, r->records == 1 ? "" : "s");
	if (r->aside[0] != '\0')
		S_PUT(" The original file is kept as %s.", r->aside);
#undef S_PUT
}

int mc_journal_append(mc_journal *j, const char *rec, size_t len, mc_error *err)
{
	unsigned char head[S_HEAD];

	if (len == 0 || len > S_MAX_RECORD)
		return mc_error_set(err, MC_ERR_INVALID, "%s: a journal record of %zu bytes, expected "
		                    "1 to %u", j->path, len, S_MAX_RECORD);
	s_put32(head, (uint32_t)len);
	s_put32(head + 4, (uint32_t)crc32(0L, (const Bytef *)rec, (uInt)len));
	if (lseek(j->fd, j->size, SEEK_SET) < 0 ||
	    mc_atomic_file_write_fd(j->fd, head, sizeof head) != 0 ||
	    mc_atomic_file_write_fd(j->fd, rec, len) != 0 || fdatasync(j->fd) != 0) {
		int e = errno;
		if (ftruncate(j->fd, j->size) != 0) {
			/* Left as a torn last record, which the next open reports. */
		}
		return mc_error_set(err, MC_ERR_IO, "%s: cannot append to journal: %s", j->path,
		                    strerror(e));
	}
	j->size += (off_t)(sizeof head + len);
	j->count++;
	return 0;
}

size_t mc_journal_count(const mc_journal *j)
{
	return j->count;
}

void mc_journal_close(mc_journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	free(j);
}
