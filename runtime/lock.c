/* This module implements the folder lock of maskclean/lock.h with flock(2). */
#include "maskclean/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

struct mc_lock {
	int fd;
};

/* The holder written in the file, without its newline, into buf. */
static void s_holder(int fd, char *buf, size_t size)
{
	ssize_t k = pread(fd, buf, size - 1, 0);
	char *nl;

	buf[k > 0 ? k : 0] = '\0';
	nl = strchr(buf, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (buf[0] == '\0')
		snprintf(buf, size, "another process (it has not said who yet)");
}

int mc_lock_acquire(mc_lock **out, const char *path, mc_error *err)
{
	char who[512], host[256], when[64];
	time_t now = time(NULL);
	struct tm tm;
	mc_lock *l;
	int fd, n;

	*out = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot create the lock file: %s", path,
		                    strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		if (e == EWOULDBLOCK) {
			s_holder(fd, who, sizeof who);
			close(fd);
			return mc_error_set(err, MC_ERR_STATE, "%s: in use by %s; one writer at a time: "
			                    "close that session or stop its kernel first", path, who);
		}
		close(fd);
		return mc_error_set(err, MC_ERR_IO, "%s: cannot lock: %s", path, strerror(e));
	}
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "an unknown host");
	host[sizeof host - 1] = '\0';
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	n = snprintf(who, sizeof who, "pid %ld on host %s since %s\n", (long)getpid(), host, when);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, who, (size_t)n, 0) != n) {
		/* The lock holds; only its description is missing. */
	}
	l = malloc(sizeof *l);
	if (l == NULL) {
		close(fd);
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	}
	l->fd = fd;
	*out = l;
	return 0;
}

void mc_lock_release(mc_lock *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	free(l);
}
