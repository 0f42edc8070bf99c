/* maskclean's pseudo-random numbers: one generator type and one set of
 * draws (uniform, normal, bounded, shuffle) for every use.
 *
 * mc_rng_seed gives xoshiro256** (Blackman and Vigna), its state seeded
 * through splitmix64. A (seed, stream) pair gives the same numbers on every
 * machine; different streams of one seed are independent for practical
 * purposes, so each use (a class's sampling, one image of the demo data)
 * takes its own stream and does not shift the others when it draws more or
 * fewer numbers. New code uses it.
 *
 * mc_rng_seed_splitmix gives the splitmix64 sequence of a seed instead: the
 * train/test split, the K-fold assignment, PCA's random test matrix and the
 * "random" ranking were built on it, and a seed a user wrote down must keep
 * giving the folds and numbers it gave (the test fixtures hold them too).
 *
 * Not for cryptography. The state is a plain value: copy it to fork a
 * sequence, keep one per thread. */
#ifndef MASKCLEAN_RNG_H
#define MASKCLEAN_RNG_H

#include <stddef.h>
#include <stdint.h>

/* A generator's state. Seed with mc_rng_seed or mc_rng_seed_splitmix. */
typedef struct mc_rng {
	uint64_t s[4];   /* xoshiro256** state; s[0] alone for splitmix64 */
	int splitmix;    /* 1: the splitmix64 sequence */
} mc_rng;

/* Seeds rng with xoshiro256** for stream stream of seed: the state is four
 * splitmix64 outputs from x = seed ^ (stream * 0xd1b54a32d192ed03). */
void mc_rng_seed(mc_rng *rng, uint64_t seed, uint64_t stream);

/* Seeds rng with the splitmix64 sequence of seed (Vigna's splitmix64.c
 * from x = seed). */
void mc_rng_seed_splitmix(mc_rng *rng, uint64_t seed);

/* Next 64 random bits. */
uint64_t mc_rng_next(mc_rng *rng);

/* Uniform double in [0, 1) (53 bits). */
double mc_rng_uniform(mc_rng *rng);

/* Standard normal deviate (Box-Muller, one per call). */
double mc_rng_normal(mc_rng *rng);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t mc_rng_below(mc_rng *rng, uint64_t n);

/* Shuffles idx[0..n) in place (Fisher-Yates). */
void mc_rng_shuffle(mc_rng *rng, size_t *idx, size_t n);

/* One splitmix64 step (Vigna): advances *x and returns its next output.
 * The seeding function above; also for hashing a seed into others. */
uint64_t mc_rng_splitmix64(uint64_t *x);

#endif
