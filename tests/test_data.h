/* Where the tests find their data: tests/data in the repository (MC_TEST_DATA,
 * always there), and the optional ../shared/data beside the clone
 * (MC_SHARED_DATA), which holds data we do not copy (the labelme example is
 * GPL-3.0). Tests that need the optional data are registered only when it is
 * there; otherwise they say "SKIP <test>: <reason>" in the test log and
 * tools/test.sh lists them. */
#ifndef MC_TEST_DATA_H
#define MC_TEST_DATA_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* MC_TEST_DATA/rel in buf; fails the test when the variable is unset or the
 * file is missing. Returns buf. */
static inline const char *td_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("MC_TEST_DATA");
	struct stat st;

	ck_assert_msg(dir != NULL && *dir != '\0',
	              "MC_TEST_DATA is not set: run the tests through make check");
	snprintf(buf, len, "%s/%s", dir, rel);
	ck_assert_msg(stat(buf, &st) == 0, "test data is missing: %s", buf);
	return buf;
}

/* MC_SHARED_DATA/rel in buf (the optional data). */
static inline const char *td_shared_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("MC_SHARED_DATA");

	snprintf(buf, len, "%s/%s", dir != NULL ? dir : "../shared/data", rel);
	return buf;
}

/* Adds test t to tc when MC_SHARED_DATA/rel exists; otherwise prints why it
 * is skipped. */
static inline void td_add_optional(TCase *tc, const TTest *t, const char *rel, const char *why)
{
	char path[4096];
	struct stat st;

	if (stat(td_shared_path(path, sizeof path, rel), &st) == 0) {
		tcase_add_test(tc, t);
		return;
	}
	printf("SKIP %s: %s is absent (%s)\n", t->name, path, why);
	fflush(stdout);
}

#endif
