/* What a writer of user files promises (maskclean/atomic_file.h), tested the
 * hard way: the writer is killed with SIGKILL in the middle of a write, and
 * runs on a full disk (a file-size limit, RLIMIT_FSIZE, in a child process).
 * The previous file must stay intact, the error must name the file, no
 * temporary may be left by a failed write, and the temporary of a killed
 * writer must go at the next write of the same target. */
#ifndef MC_TEST_DURABILITY_FIXTURE_H
#define MC_TEST_DURABILITY_FIXTURE_H

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maskclean/error.h"

/* A write of the target under test: 0 or a negative code with err set. */
typedef int (*df_write_fn)(void *ctx, mc_error *err);

/* What most writers need: the target and the object written. */
typedef struct df_job {
	const char *path;
	void *obj;
} df_job;

/* The whole file at path (NULL when it cannot be read); caller frees. */
static inline unsigned char *df_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
			*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Temporaries of target ("<target>.tmp.*") and the size of the largest. */
static inline int df_temporaries(const char *target, off_t *largest)
{
	const char *slash = strrchr(target, '/');
	char dir[4096], prefix[4200];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - target) : 1, slash ? target : ".");
	snprintf(prefix, sizeof prefix, "%.4000s.tmp.", slash ? slash + 1 : target);
	if (largest != NULL)
		*largest = -1;
	d = opendir(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[8400];
		struct stat st;
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		n++;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (largest != NULL && stat(path, &st) == 0 && st.st_size > *largest)
			*largest = st.st_size;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* Runs fn in a child whose files may not grow past limit bytes (a full
 * disk: writes fail with EFBIG). Returns fn's code; msg gets its message. */
static inline int df_full_disk(rlim_t limit, df_write_fn fn, void *ctx, char *msg, size_t cap)
{
	int fds[2], status = 0;
	pid_t pid;
	ssize_t got;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { limit, limit };
		mc_error err;
		int rc;
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		mc_error_clear(&err);
		rc = fn(ctx, &err);
		if (write(fds[1], err.text, strlen(err.text) + 1) < 0)
			_exit(99);
		_exit(-rc);
	}
	close(fds[1]);
	got = read(fds[0], msg, cap - 1);
	msg[got > 0 ? got : 0] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "the writer died (status %d)", status);
	return -WEXITSTATUS(status);
}

/* Runs fn in a child and kills it with SIGKILL once a temporary of target
 * holds at least min bytes: the middle of its write. Returns 1 when the kill
 * came in the middle, 0 when fn had finished first. */
static inline int df_kill_mid_write(const char *target, off_t min, df_write_fn fn, void *ctx)
{
	struct timespec nap = { 0, 50000 };
	int status = 0, mid = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mc_error err;
		mc_error_clear(&err);
		_exit(fn(ctx, &err) == 0 ? 0 : 1);
	}
	for (;;) {
		off_t largest;
		if (df_temporaries(target, &largest) > 0 && largest >= min) {
			mid = kill(pid, SIGKILL) == 0;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return 0;
		nanosleep(&nap, NULL);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return mid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* The writer of target (fn) on a full disk (files limited to limit bytes,
 * less than what it writes): the write fails with MC_ERR_IO naming target,
 * target keeps what it held, and no temporary is left. target must exist. */
static inline void df_check_full_disk(const char *target, df_write_fn fn, void *ctx,
                                      rlim_t limit)
{
	size_t old_len, now_len;
	unsigned char *old = df_read(target, &old_len), *now;
	char msg[MC_ERROR_TEXT_MAX];

	ck_assert_msg(old != NULL, "%s must exist before the test", target);
	ck_assert_int_eq(df_full_disk(limit, fn, ctx, msg, sizeof msg), MC_ERR_IO);
	ck_assert_msg(strstr(msg, target) != NULL, "the error does not name %s: %s", target, msg);
	now = df_read(target, &now_len);
	ck_assert_msg(now != NULL && now_len == old_len && memcmp(now, old, old_len) == 0,
	              "%s changed after a failed write", target);
	ck_assert_int_eq(df_temporaries(target, NULL), 0);
	free(now);
	free(old);
}

/* The writer of target killed with SIGKILL once its temporary holds kill_at
 * bytes (the write must be longer): target keeps what it held, and the next
 * write replaces it and removes the dead writer's temporary. */
static inline void df_check_killed(const char *target, df_write_fn fn, void *ctx, off_t kill_at)
{
	size_t old_len, now_len;
	unsigned char *old = df_read(target, &old_len), *now;
	mc_error err;
	int tries;

	ck_assert_msg(old != NULL, "%s must exist before the test", target);
	for (tries = 0; tries < 20 && !df_kill_mid_write(target, kill_at, fn, ctx); tries++) {
		/* fn finished before it could be killed: put the old file back. */
		FILE *f = fopen(target, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(old, 1, old_len, f), old_len);
		fclose(f);
	}
	ck_assert_msg(tries < 20, "%s: the write was never caught in the middle", target);
	now = df_read(target, &now_len);
	ck_assert_msg(now != NULL && now_len == old_len && memcmp(now, old, old_len) == 0,
	              "%s was damaged by a writer killed in the middle", target);
	free(now);
	ck_assert_int_eq(df_temporaries(target, NULL), 1);   /* the dead writer's */
	mc_error_clear(&err);
	ck_assert_msg(fn(ctx, &err) == 0, "%s", err.text);
	ck_assert_int_eq(df_temporaries(target, NULL), 0);
	free(old);
}

/* Both, for a writer that writes more than kill_at bytes. */
static inline void df_check_writer(const char *target, df_write_fn fn, void *ctx, off_t kill_at)
{
	df_check_full_disk(target, fn, ctx, (rlim_t)kill_at);
	df_check_killed(target, fn, ctx, kill_at);
}

#endif
