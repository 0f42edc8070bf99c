/* This module implements the atomic file replacement declared in
 * maskclean/atomic_file.h. */
#include "maskclean/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

struct mc_atomic_file {
	int fd;
	char *path;
	char *tmp;
	mc_error sink_err;  /* the first failure of mc_atomic_file_sink */
};

/* The folder part of path ("." when path has no slash). Caller frees. */
static char *s_folder(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int s_fsync_dir(const char *path, mc_error *err)
{
	char *dir = s_folder(path);
	int fd, rc = 0;

	if (dir == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd) != 0)
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot sync its folder: %s", path,
		                  strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int mc_atomic_file_write_fd(int fd, const void *data, size_t len)
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

/* 1 when the temporary-file suffix names a writer that is gone: "<pid>.XXXXXX"
 * with no such process, or the older "XXXXXX" form that named no writer. */
static int s_stale(const char *suffix)
{
	char *end;
	long pid;

	if (strchr(suffix, '.') == NULL)
		return 1;
	errno = 0;
	pid = strtol(suffix, &end, 10);
	if (errno != 0 || end == suffix || *end != '.' || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Removes "<base>.tmp.*" files of dead writers in path's folder. Best effort:
 * a folder that cannot be listed is left alone (the open that follows
 * reports it). */
static void s_remove_stale(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t nbase = strlen(base);
	char *dir = s_folder(path);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char *victim;
		size_t need;

		if (strncmp(e->d_name, base, nbase) != 0 || strncmp(e->d_name + nbase, ".tmp.", 5) != 0 ||
		    !s_stale(e->d_name + nbase + 5))
			continue;
		need = strlen(dir) + strlen(e->d_name) + 2;
		victim = malloc(need);
		if (victim == NULL)
			break;
		snprintf(victim, need, "%s/%s", dir, e->d_name);
		unlink(victim);
		free(victim);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
}

int mc_atomic_file_open(mc_atomic_file **out, const char *path, mc_error *err)
{
	mc_atomic_file *f;
	size_t n = strlen(path) + 40;

	*out = NULL;
	if (path[0] == '\0')
		return mc_error_set(err, MC_ERR_IO, "cannot write a file with an empty name");
	f = calloc(1, sizeof *f);
	if (f == NULL || (f->path = strdup(path)) == NULL || (f->tmp = malloc(n)) == NULL) {
		if (f)
			free(f->path);
		free(f);
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	}
	s_remove_stale(path);
	snprintf(f->tmp, n, "%s.tmp.%ld.XXXXXX", path, (long)getpid());
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0) {
		int e = errno;
		const char *slash = strrchr(path, '/');
		free(f->tmp);
		free(f->path);
		free(f);
		if (e == ENOENT)
			return mc_error_set(err, MC_ERR_IO, "%s: cannot create: the folder %.*s does not "
			                    "exist (make it first)", path,
			                    slash == NULL ? 1 : slash == path ? 1 : (int)(slash - path),
			                    slash == NULL ? "." : path);
		return mc_error_set(err, MC_ERR_IO, "%s: cannot create: %s", path, strerror(e));
	}
	/* mkstemp makes the file 0600; give it the mode a plain create would. */
	{
		mode_t mask = umask(0);
		umask(mask);
		if (fchmod(f->fd, 0666 & ~mask) != 0) {
			/* Keeping 0600 is safe; not an error. */
		}
	}
	mc_error_clear(&f->sink_err);
	*out = f;
	return 0;
}

int mc_atomic_file_write(mc_atomic_file *f, const void *data, size_t len, mc_error *err)
{
	if (mc_atomic_file_write_fd(f->fd, data, len) != 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot write: %s", f->path, strerror(errno));
	return 0;
}

int mc_atomic_file_write_at(mc_atomic_file *f, const void *data, size_t len, uint64_t offset,
                            mc_error *err)
{
	const char *p = data;

	while (len > 0) {
		ssize_t k = pwrite(f->fd, p, len, (off_t)offset);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return mc_error_set(err, MC_ERR_IO, "%s: cannot write: %s", f->path,
			                    strerror(k < 0 ? errno : ENOSPC));
		p += k;
		len -= (size_t)k;
		offset += (uint64_t)k;
	}
	return 0;
}

int mc_atomic_file_reserve(mc_atomic_file *f, uint64_t len, mc_error *err)
{
	int e = posix_fallocate(f->fd, 0, (off_t)len);

	/* A file system without fallocate (EOPNOTSUPP) only loses the early
	 * warning: the writes themselves still report a full disk. */
	if (e != 0 && e != EOPNOTSUPP && e != ENOSYS && e != EINVAL)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot reserve %llu bytes: %s", f->path,
		                    (unsigned long long)len, strerror(e));
	return 0;
}

int mc_atomic_file_sink(const char *data, size_t len, void *ctx)
{
	mc_atomic_file *f = ctx;

	if (f->sink_err.code != MC_OK)
		return -1;
	return mc_atomic_file_write(f, data, len, &f->sink_err) == 0 ? 0 : -1;
}

int mc_atomic_file_commit(mc_atomic_file *f, mc_error *err)
{
	int rc = 0;

	if (f->sink_err.code != MC_OK) {
		rc = mc_error_set(err, f->sink_err.code, "%s", f->sink_err.text);
	} else if (fsync(f->fd) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot sync: %s", f->path, strerror(errno));
	} else if (close(f->fd) != 0) {
		f->fd = -1;
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot close: %s", f->path, strerror(errno));
	} else {
		f->fd = -1;
		if (rename(f->tmp, f->path) != 0)
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot rename into place: %s", f->path,
			                  strerror(errno));
		else
			rc = s_fsync_dir(f->path, err);
	}
	if (rc) {
		mc_atomic_file_abort(f);
		return rc;
	}
	free(f->tmp);
	free(f->path);
	free(f);
	return 0;
}

/* 1 when the file at path holds exactly the len bytes of fd. */
static int s_same_content(int fd, const char *path)
{
	char a[1 << 15], b[1 << 15];
	struct stat sa, sb;
	off_t off = 0;
	int tfd = open(path, O_RDONLY | O_CLOEXEC), same = 0;

	if (tfd < 0)
		return 0;
	if (fstat(fd, &sa) != 0 || fstat(tfd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sa.st_size != sb.st_size)
		goto done;
	while (off < sa.st_size) {
		ssize_t na = pread(fd, a, sizeof a, off), nb = pread(tfd, b, sizeof b, off);
		if (na <= 0 || na != nb || memcmp(a, b, (size_t)na) != 0)
			goto done;
		off += na;
	}
	same = 1;
done:
	close(tfd);
	return same;
}

int mc_atomic_file_commit_if_changed(mc_atomic_file *f, int *changed, mc_error *err)
{
	if (changed != NULL)
		*changed = 1;
	if (f->sink_err.code == MC_OK && s_same_content(f->fd, f->path)) {
		if (changed != NULL)
			*changed = 0;
		mc_atomic_file_abort(f);
		return 0;
	}
	return mc_atomic_file_commit(f, err);
}

void mc_atomic_file_abort(mc_atomic_file *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	free(f);
}

const char *mc_atomic_file_path(const mc_atomic_file *f)
{
	return f->path;
}

int mc_write_file_atomic(const char *path, const void *data, size_t len, mc_error *err)
{
	mc_atomic_file *f;
	int rc = mc_atomic_file_open(&f, path, err);

	if (rc)
		return rc;
	rc = mc_atomic_file_write(f, data, len, err);
	if (rc) {
		mc_atomic_file_abort(f);
		return rc;
	}
	return mc_atomic_file_commit(f, err);
}
