/* Tests of the folder lock (maskclean/lock.h). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maskclean/lock.h"
#include "testutil.h"
#include "suite_run.h"

START_TEST(test_one_holder)
{
	char path[4096], want[512], host[256];
	mc_lock *a = NULL, *b = NULL;
	mc_error err;

	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "lock.lock");
	ck_assert_int_eq(mc_lock_acquire(&a, path, &err), 0);
	/* A second acquire fails, even in the same process, naming the holder. */
	ck_assert_int_eq(mc_lock_acquire(&b, path, &err), MC_ERR_STATE);
	ck_assert_ptr_null(b);
	gethostname(host, sizeof host);
	snprintf(want, sizeof want, "in use by pid %ld on host %s since ", (long)getpid(), host);
	ck_assert_msg(strstr(err.text, want) != NULL && strstr(err.text, path) != NULL, "%s",
	              err.text);
	mc_error_clear(&err);
	mc_lock_release(a);
	ck_assert_int_eq(mc_lock_acquire(&b, path, &err), 0);
	mc_lock_release(b);
	mc_lock_release(NULL);
	/* The file stays: removing it would let two writers lock two files. */
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);
}
END_TEST

START_TEST(test_dead_holder_does_not_block)
{
	char path[4096];
	mc_lock *a = NULL;
	int fds[2], status;
	pid_t pid;
	char c;
	mc_error err;

	mc_error_clear(&err);
	tu_tmpfile(path, sizeof path, "lock.lock");
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mc_lock *held = NULL;
		if (mc_lock_acquire(&held, path, &err) != 0 || write(fds[1], "x", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	ck_assert_int_eq(mc_lock_acquire(&a, path, &err), MC_ERR_STATE);
	mc_error_clear(&err);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(mc_lock_acquire(&a, path, &err), 0);
	mc_lock_release(a);
	close(fds[0]);
	close(fds[1]);
	unlink(path);
}
END_TEST

START_TEST(test_unwritable_folder)
{
	mc_lock *a = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_lock_acquire(&a, "/nonexistent-folder/session.lock", &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent-folder/session.lock: cannot create"));
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_one_holder);
	tcase_add_test(tc, test_dead_holder_does_not_block);
	tcase_add_test(tc, test_unwritable_folder);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
