/* Tests of runtime/rng.c: splitmix64 and xoshiro256** against their
 * author's reference outputs, seeding by (seed, stream), and the draws on
 * both sequences. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/rng.h"
#include "suite_run.h"

START_TEST(test_splitmix64_reference)
{
	/* Vigna's splitmix64.c from x = 1234567 */
	uint64_t x = 1234567;

	ck_assert_uint_eq(mc_rng_splitmix64(&x), 6457827717110365317ULL);
	ck_assert_uint_eq(mc_rng_splitmix64(&x), 3203168211198807973ULL);
	ck_assert_uint_eq(mc_rng_splitmix64(&x), 9817491932198370423ULL);
}
END_TEST

START_TEST(test_seed_splitmix_gives_the_splitmix_sequence)
{
	/* the folds of a seed stay what they were before rng.h */
	mc_rng r;

	mc_rng_seed_splitmix(&r, 1234567);
	ck_assert_uint_eq(mc_rng_next(&r), 6457827717110365317ULL);
	ck_assert_uint_eq(mc_rng_next(&r), 3203168211198807973ULL);
	ck_assert_uint_eq(mc_rng_next(&r), 9817491932198370423ULL);
}
END_TEST

START_TEST(test_xoshiro256starstar_reference)
{
	/* Vigna's xoshiro256starstar.c from the state {1, 2, 3, 4} (the values
	 * the Rust rand_xoshiro crate checks too) */
	static const uint64_t want[10] = {
		11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL, 1216172134540287360ULL,
		607988272756665600ULL, 16172922978634559625ULL, 8476171486693032832ULL,
		10595114339597558777ULL, 2904607092377533576ULL
	};
	mc_rng r = { { 1, 2, 3, 4 }, 0 };

	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(mc_rng_next(&r), want[i]);
}
END_TEST

START_TEST(test_seed_is_splitmix_of_seed_and_stream)
{
	mc_rng r, again, other;
	uint64_t x = 42 ^ (7 * 0xd1b54a32d192ed03ULL);

	mc_rng_seed(&r, 42, 7);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(r.s[i], mc_rng_splitmix64(&x));
	/* the same pair repeats, another stream or seed does not */
	mc_rng_seed(&again, 42, 7);
	ck_assert_uint_eq(mc_rng_next(&r), mc_rng_next(&again));
	mc_rng_seed(&other, 42, 8);
	ck_assert_uint_ne(mc_rng_next(&r), mc_rng_next(&other));
	mc_rng_seed(&other, 43, 7);
	ck_assert_uint_ne(mc_rng_next(&r), mc_rng_next(&other));
	/* seed 0, stream 0 is a valid (non-zero) state */
	mc_rng_seed(&r, 0, 0);
	ck_assert(r.s[0] != 0 || r.s[1] != 0 || r.s[2] != 0 || r.s[3] != 0);
}
END_TEST

START_TEST(test_draws)
{
	/* the same draws on both sequences */
	mc_rng r;
	size_t counts[7] = { 0 }, idx[100], seen[100] = { 0 };
	double sum = 0, sq = 0;
	int n = 200000;

	if (_i == 0)
		mc_rng_seed(&r, 2024, 0);
	else
		mc_rng_seed_splitmix(&r, 2024);
	for (int i = 0; i < n; i++) {
		double u = mc_rng_uniform(&r);
		uint64_t k = mc_rng_below(&r, 7);
		ck_assert(u >= 0.0 && u < 1.0);
		ck_assert_uint_lt(k, 7);
		counts[k]++;
	}
	/* each of 7 values about n / 7 times (5 standard deviations) */
	for (int k = 0; k < 7; k++)
		ck_assert_msg(fabs((double)counts[k] - n / 7.0) < 5 * sqrt(n / 7.0 * 6 / 7.0),
		              "value %d drawn %zu times of %d", k, counts[k], n);
	for (int i = 0; i < n; i++) {
		double z = mc_rng_normal(&r);
		ck_assert(isfinite(z));
		sum += z;
		sq += z * z;
	}
	ck_assert_double_lt(fabs(sum / n), 0.02);
	ck_assert_double_lt(fabs(sq / n - 1.0), 0.02);
	/* a shuffle is a permutation, and not the identity */
	for (size_t i = 0; i < 100; i++)
		idx[i] = i;
	mc_rng_shuffle(&r, idx, 100);
	for (size_t i = 0; i < 100; i++)
		seen[idx[i]]++;
	for (size_t i = 0; i < 100; i++)
		ck_assert_uint_eq(seen[i], 1);
	{
		size_t fixed = 0;
		for (size_t i = 0; i < 100; i++)
			fixed += idx[i] == i;
		ck_assert_uint_lt(fixed, 100);
	}
	ck_assert_uint_eq(mc_rng_below(&r, 1), 0);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("rng");

	tcase_add_test(tc, test_splitmix64_reference);
	tcase_add_test(tc, test_xoshiro256starstar_reference);
	tcase_add_test(tc, test_seed_is_splitmix_of_seed_and_stream);
	tcase_add_test(tc, test_seed_splitmix_gives_the_splitmix_sequence);
	tcase_add_loop_test(tc, test_draws, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
