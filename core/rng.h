#ifndef HD_CORE_RNG_H
#define HD_CORE_RNG_H

/*
 * Seeded random streams: xoshiro256** (Blackman & Vigna). A generator is
 * identified by (seed, stream): the state is seeded from `seed` through
 * splitmix64 and then advanced by `stream` jumps of 2^128 draws, so
 * streams never overlap in practice. The simulator takes one stream per
 * (replication, purpose) so that every policy sees the same arrivals and
 * ticket draws (common random numbers).
 *
 * The same (seed, stream) gives the same raw sequence on every platform;
 * uniform, below, bernoulli, discrete and empirical draws too. exp, normal
 * and lognormal call log/exp, which C does not require to be correctly
 * rounded, so two maths libraries may differ in the last bit; the same
 * binary on the same system always repeats itself.
 * A struct hd_rng is a plain value: embed it, copy it; no release needed.
 */

#include <stddef.h>
#include <stdint.h>

struct hd_rng {
    uint64_t s[4];
};

/* Seed stream `stream` of generator family `seed`: one 2^128 jump per set bit
 * of `stream` (at most 64), equivalent to `stream` single jumps. */
void hd_rng_seed(struct hd_rng *r, uint64_t seed, uint64_t stream);

/* Derive a stream number from a small tuple, e.g. (replication, purpose). */
uint64_t hd_rng_stream_id(uint32_t replication, uint32_t purpose);

uint64_t hd_rng_u64(struct hd_rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double hd_rng_uniform(struct hd_rng *r);

/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t hd_rng_below(struct hd_rng *r, uint64_t n);

/* Exponential with the given rate (mean 1/rate); rate > 0. */
double hd_rng_exp(struct hd_rng *r, double rate);

/* Standard normal (polar Box–Muller, no cached spare: one call, one value). */
double hd_rng_normal(struct hd_rng *r);

/* Lognormal: exp(mu + sigma * N(0,1)). */
double hd_rng_lognormal(struct hd_rng *r, double mu, double sigma);

/* Bernoulli: 1 with probability p. */
int hd_rng_bernoulli(struct hd_rng *r, double p);

/*
 * Empirical draw: one of `values[0..n)` with equal weight (n > 0), or, when
 * `interpolate` is non-zero and the values are sorted ascending, a value
 * interpolated linearly between neighbouring order statistics.
 */
double hd_rng_empirical(struct hd_rng *r, const double *values, size_t n, int interpolate);

/*
 * Index drawn from cumulative weights `cum[0..n)` (non-decreasing, last
 * > 0): the first i with u * cum[n-1] < cum[i]. O(log n).
 */
size_t hd_rng_discrete(struct hd_rng *r, const double *cum, size_t n);

#endif
