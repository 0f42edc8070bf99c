/* This module implements the append-only checksummed journal declared in
 * maskclean/journal.h. */
#include "maskclean/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const char s_magic[8] = { 'M', 'C', 'J', 'R', 'N', 'L', '\0', '\1' };
#define S_MAX_RECORD (64u << 20)

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

static int s_fsync_dir(const char *path, mc_error *err)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (copy == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd) != 0)
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot sync its folder: %s", path,
		                  strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

static int s_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Reads the whole file into memory (caller frees). */
static int s_slurp(int fd, const char *path, unsigned char **buf, size_t *len, mc_error *err)
{
	struct stat st;
	unsigned char *b;
	size_t got = 0;

	*buf = NULL;
	if (fstat(fd, &st) != 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	while (got < (size_t)st.st_size) {
		ssize_t k = pread(fd, b + got, (size_t)st.st_size - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(b);
			return mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path,
			                    k < 0 ? strerror(errno) : "short read");
		}
		got += (size_t)k;
	}
	*buf = b;
	*len = got;
	return 0;
}

int mc_journal_open(mc_journal **out, const char *path, mc_journal_replay_fn fn, void *ctx,
                    size_t *n_records, size_t *dropped, mc_error *err)
{
	mc_journal *j = NULL;
	unsigned char *buf = NULL;
	size_t len = 0, pos, count = 0;
	int created = 0, rc = 0;

	*out = NULL;
	if (n_records)
		*n_records = 0;
	if (dropped)
		*dropped = 0;
	j = calloc(1, sizeof *j);
	if (j == NULL || (j->path = strdup(path)) == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	j->fd = open(path, O_RDWR | O_CLOEXEC);
	if (j->fd < 0 && errno == ENOENT) {
		j->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		created = 1;
	}
	if (j->fd < 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot open journal: %s", path,
		                  strerror(errno));
		goto cleanup;
	}
	if (created) {
		if (s_write_all(j->fd, s_magic, sizeof s_magic) != 0 || fsync(j->fd) != 0) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write journal: %s", path,
			                  strerror(errno));
			goto cleanup;
		}
		rc = s_fsync_dir(path, err);
		if (rc)
			goto cleanup;
		j->size = sizeof s_magic;
		*out = j;
		return 0;
	}
	rc = s_slurp(j->fd, path, &buf, &len, err);
	if (rc)
		goto cleanup;
	if (len < sizeof s_magic) {
		/* A crash while creating it: the magic itself is torn. */
		if (memcmp(buf, s_magic, len) != 0) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: not a maskclean journal (bad magic)",
			                  path);
			goto cleanup;
		}
		if (dropped)
			*dropped = len;
		if (ftruncate(j->fd, 0) != 0 || pwrite(j->fd, s_magic, sizeof s_magic, 0) !=
		    (ssize_t)sizeof s_magic || fsync(j->fd) != 0) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot repair journal: %s", path,
			                  strerror(errno));
			goto cleanup;
		}
		j->size = sizeof s_magic;
		*out = j;
		free(buf);
		return 0;
	}
	if (memcmp(buf, s_magic, sizeof s_magic) != 0) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: not a maskclean journal (bad magic)", path);
		goto cleanup;
	}
	pos = sizeof s_magic;
	while (pos + 8 <= len) {
		uint32_t rlen = s_get32(buf + pos), crc = s_get32(buf + pos + 4);
		char *rec = (char *)buf + pos + 8;
		char saved;

		if (rlen > S_MAX_RECORD || pos + 8 + rlen > len)
			break;
		if ((uint32_t)crc32(0L, (const Bytef *)rec, rlen) != crc)
			break;
		if (fn != NULL) {
			/* NUL-terminate in place for the callback, then restore. */
			saved = (pos + 8 + rlen < len) ? rec[rlen] : '\0';
			rec[rlen] = '\0';
			rc = fn(ctx, rec, rlen, err);
			if (pos + 8 + rlen < len)
				rec[rlen] = saved;
			if (rc) {
				mc_error_prefix(err, "%s: record %zu", path, count + 1);
				goto cleanup;
			}
		}
		count++;
		pos += 8 + rlen;
	}
	if (pos < len) {
		if (dropped)
			*dropped = len - pos;
		if (ftruncate(j->fd, (off_t)pos) != 0 || fsync(j->fd) != 0) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot drop a torn record: %s", path,
			                  strerror(errno));
			goto cleanup;
		}
	}
	j->size = (off_t)pos;
	j->count = count;
	if (n_records)
		*n_records = count;
	free(buf);
	*out = j;
	return 0;
cleanup:
	free(buf);
	mc_journal_close(j);
	return rc;
}

int mc_journal_append(mc_journal *j, const char *rec, size_t len, mc_error *err)
{
	unsigned char head[8];

	if (len > S_MAX_RECORD)
		return mc_error_set(err, MC_ERR_INVALID, "%s: journal record of %zu bytes is too long",
		                    j->path, len);
	s_put32(head, (uint32_t)len);
	s_put32(head + 4, (uint32_t)crc32(0L, (const Bytef *)rec, (uInt)len));
	if (lseek(j->fd, j->size, SEEK_SET) < 0 || s_write_all(j->fd, head, sizeof head) != 0 ||
	    s_write_all(j->fd, rec, len) != 0 || fdatasync(j->fd) != 0) {
		int e = errno;
		if (ftruncate(j->fd, j->size) != 0) {
			/* The torn record is dropped by the next open. */
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
