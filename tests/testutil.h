/* Helpers the test programs share: the test data (tu_data, tu_shared over
 * test_data.h's td_path, td_shared_path, td_add_optional), scratch
 * directories and scratch files, and the process's resident memory.
 * One copy here, instead of one per test file. */
#ifndef MC_TESTUTIL_H
#define MC_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_data.h"

/* MC_TEST_DATA/rel, in a buffer that the next call reuses; fails the test
 * when the file is missing. */
static inline const char *tu_data(const char *rel)
{
	static char path[4096];

	return td_path(path, sizeof path, rel);
}

/* MC_SHARED_DATA/rel (the optional data beside the clone), in a buffer that
 * the next call reuses. */
static inline const char *tu_shared(const char *rel)
{
	static char path[4096];

	return td_shared_path(path, sizeof path, rel);
}

/* The directory scratch files go to: MC_BUILDDIR/tests under make check
 * (created when missing), else $TMPDIR or /tmp. No Check assertion: usable
 * in main() too. */
static inline const char *tu_scratch(char *buf, size_t cap)
{
	const char *b = getenv("MC_BUILDDIR"), *t = getenv("TMPDIR");

	if (b != NULL && *b != '\0') {
		snprintf(buf, cap, "%s/tests", b);
		(void)mkdir(buf, 0777);
	} else {
		snprintf(buf, cap, "%s", t != NULL && *t != '\0' ? t : "/tmp");
	}
	return buf;
}

/* The path <scratch>/mc-<pid>-<name> (name keeps its extension last) in
 * buf, as tu_tmpfile but without removing what is there and without Check
 * assertions: for main(). */
static inline const char *tu_scratch_path(char *buf, size_t cap, const char *name)
{
	char dir[4096];

	/* a cut path fails where it is used, naming it */
	if (snprintf(buf, cap, "%s/mc-%ld-%s", tu_scratch(dir, sizeof dir), (long)getpid(),
	             name) >= (int)cap)
		buf[cap - 1] = '\0';
	return buf;
}

/* A fresh, empty directory <scratch>/<name>.XXXXXX; its path in buf. Remove
 * it with tu_rmtree. */
static inline const char *tu_tmpdir(char *buf, size_t cap, const char *name)
{
	char dir[4096];

	tu_scratch(dir, sizeof dir);
	ck_assert_int_lt(snprintf(buf, cap, "%s/%s.XXXXXX", dir, name), (int)cap);
	ck_assert_msg(mkdtemp(buf) != NULL, "mkdtemp %s: %s", buf, strerror(errno));
	return buf;
}

/* A path for one scratch file, <scratch>/mc-<pid>-<name> (name keeps its
 * extension last), with nothing there yet; in buf. */
static inline const char *tu_tmpfile(char *buf, size_t cap, const char *name)
{
	tu_scratch_path(buf, cap, name);
	ck_assert_msg(unlink(buf) == 0 || errno == ENOENT, "cannot remove %s: %s", buf,
	              strerror(errno));
	return buf;
}

static inline int tu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes dir and everything in it, as rm -rf (nothing there is fine);
 * fails the test when something stays. */
static inline void tu_rmtree(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) != 0 && errno == ENOENT)
		return;
	ck_assert_msg(nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "cannot remove %s: %s",
	              dir, strerror(errno));
}

/* The peak resident memory of this process so far, in MiB (getrusage's
 * ru_maxrss): what a test bounds the memory of an operation with. */
static inline long tu_peak_rss_mib(void)
{
	struct rusage ru;

	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss / 1024;
}

/* The resident memory of this process now, in bytes (/proc/self/statm):
 * for memory that must be given back. */
static inline long tu_rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &pages, &rss), 2);
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

/* dir/name in buf. */
static inline const char *tu_path(char *buf, size_t cap, const char *dir, const char *name)
{
	ck_assert_int_lt(snprintf(buf, cap, "%s/%s", dir, name), (int)cap);
	return buf;
}

#endif
