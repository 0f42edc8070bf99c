/* The end of a Check program's main(): runs the suite, frees the runner and
 * gives the exit status make check reads. */
#ifndef MC_TEST_SUITE_RUN_H
#define MC_TEST_SUITE_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int mc_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
