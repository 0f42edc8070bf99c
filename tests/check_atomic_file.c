/* Tests of atomic file replacement (maskclean/atomic_file.h): readers see the
 * old or the new file, failures leave the target alone, and temporary files
 * of killed writers are cleaned up at the next write of the same target. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maskclean/atomic_file.h"
#include "testutil.h"
#include "suite_run.h"

static void s_expect_content(const char *path, const char *want)
{
	char buf[64] = "";
	FILE *fp = fopen(path, "r");

	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, fp));
	fclose(fp);
	ck_assert_str_eq(buf, want);
}

static int s_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

START_TEST(test_replace)
{
	char path[4096];
	mc_atomic_file *f = NULL;
	mc_error err;

	tu_tmpfile(path, sizeof path, "atomic.txt");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_write_file_atomic(path, "old", 3, &err), 0);
	ck_assert_int_eq(mc_atomic_file_open(&f, path, &err), 0);
	ck_assert_str_eq(mc_atomic_file_path(f), path);
	ck_assert_int_eq(mc_atomic_file_write(f, "new content", 11, &err), 0);
	/* Until commit, readers see the old file. */
	s_expect_content(path, "old");
	ck_assert_int_eq(mc_atomic_file_commit(f, &err), 0);
	s_expect_content(path, "new content");
	/* abort leaves the target alone. */
	ck_assert_int_eq(mc_atomic_file_open(&f, path, &err), 0);
	ck_assert_int_eq(mc_atomic_file_write(f, "x", 1, &err), 0);
	mc_atomic_file_abort(f);
	s_expect_content(path, "new content");
	ck_assert_int_eq(mc_write_file_atomic("/nonexistent-dir/x", "a", 1, &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent-dir/x: cannot create: the folder /nonexistent-dir does not exist"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_write_file_atomic("", "a", 1, &err), MC_ERR_IO);
	unlink(path);
}
END_TEST

/* A pid that belonged to a process that has exited. */
static pid_t s_dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	ck_assert_int_gt(pid, 0);
	waitpid(pid, NULL, 0);
	return pid;
}

START_TEST(test_stale_temporaries_removed)
{
	char path[4096], dead[4200], legacy[4200], live[4200], other[4200];
	mc_error err;
	int fd;

	tu_tmpfile(path, sizeof path, "stale.txt");
	mc_error_clear(&err);
	snprintf(dead, sizeof dead, "%s.tmp.%ld.AbC123", path, (long)s_dead_pid());
	snprintf(legacy, sizeof legacy, "%s.tmp.Xy9zQ1", path);
	snprintf(live, sizeof live, "%s.tmp.%ld.LiVe00", path, (long)getppid());
	snprintf(other, sizeof other, "%s.other.tmp.%ld.AbC123", path, (long)s_dead_pid());
	const char *made[] = { dead, legacy, live, other };
	for (size_t i = 0; i < 4; i++) {
		fd = open(made[i], O_CREAT | O_WRONLY, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	ck_assert_int_eq(mc_write_file_atomic(path, "v", 1, &err), 0);
	ck_assert_msg(!s_exists(dead), "a dead writer's temporary file was left");
	ck_assert_msg(!s_exists(legacy), "an old-style temporary file was left");
	ck_assert_msg(s_exists(live), "a live writer's temporary file was removed");
	ck_assert_msg(s_exists(other), "another target's temporary file was removed");
	s_expect_content(path, "v");
	unlink(live);
	unlink(other);
	unlink(path);
}
END_TEST

/* Counts path's "<base>.tmp.*" files. */
static int s_count_temporaries(const char *path)
{
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "ls '%s'.tmp.* 2>/dev/null | wc -l", path);
	FILE *p = popen(cmd, "r");
	int n = -1;
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* A full disk, as the file-size limit simulates it (writes past the limit
 * fail with EFBIG): the streaming sink keeps the first failure, commit
 * reports it naming the target, the old file stays and no temporary file is
 * left. Runs in a child so the limit does not outlive the test. */
START_TEST(test_full_disk)
{
	char path[4096];
	char big[4096];
	mc_error err;
	pid_t pid;
	int status;

	tu_tmpfile(path, sizeof path, "full.txt");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_write_file_atomic(path, "kept", 4, &err), 0);
	memset(big, 'x', sizeof big);
	pid = fork();
	if (pid == 0) {
		struct rlimit lim = { .rlim_cur = 1000, .rlim_max = RLIM_INFINITY };
		mc_atomic_file *f = NULL;
		mc_error e;
		mc_error_clear(&e);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) != 0 || mc_atomic_file_open(&f, path, &e) != 0)
			_exit(10);
		if (mc_atomic_file_sink(big, 600, f) != 0)
			_exit(11);
		if (mc_atomic_file_sink(big, sizeof big, f) != -1 || mc_atomic_file_sink("y", 1, f) != -1)
			_exit(12);
		if (mc_atomic_file_commit(f, &e) != MC_ERR_IO || strstr(e.text, path) == NULL ||
		    strstr(e.text, "cannot write") == NULL)
			_exit(13);
		mc_error_clear(&e);
		if (mc_write_file_atomic(path, big, sizeof big, &e) != MC_ERR_IO)
			_exit(14);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed: %d",
	              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	s_expect_content(path, "kept");
	ck_assert_int_eq(s_count_temporaries(path), 0);
	unlink(path);
}
END_TEST

static Suite *atomic_file_suite(void)
{
	Suite *s = suite_create("atomic_file");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_stale_temporaries_removed);
	tcase_add_test(tc, test_full_disk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(atomic_file_suite());
}
