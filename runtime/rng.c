/* This module implements rng.h: xoshiro256** seeded through splitmix64, the
 * plain splitmix64 sequence, and the uniform, normal, bounded and shuffling
 * draws built on either. */
#include "maskclean/rng.h"

#include <math.h>

uint64_t mc_rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void mc_rng_seed(mc_rng *rng, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);

	for (int i = 0; i < 4; i++)
		rng->s[i] = mc_rng_splitmix64(&x);
	rng->splitmix = 0;
}

void mc_rng_seed_splitmix(mc_rng *rng, uint64_t seed)
{
	rng->s[0] = seed;
	rng->s[1] = rng->s[2] = rng->s[3] = 0;
	rng->splitmix = 1;
}

static uint64_t s_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t mc_rng_next(mc_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result, t;

	if (rng->splitmix)
		return mc_rng_splitmix64(&s[0]);
	result = s_rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = s_rotl(s[3], 45);
	return result;
}

double mc_rng_uniform(mc_rng *rng)
{
	return (double)(mc_rng_next(rng) >> 11) * 0x1.0p-53;
}

double mc_rng_normal(mc_rng *rng)
{
	double u1, u2;

	do
		u1 = mc_rng_uniform(rng);
	while (u1 <= 0.0);
	u2 = mc_rng_uniform(rng);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t mc_rng_below(mc_rng *rng, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = mc_rng_next(rng);
	while (v >= limit);
	return v % n;
}

void mc_rng_shuffle(mc_rng *rng, size_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)mc_rng_below(rng, i);
		size_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
