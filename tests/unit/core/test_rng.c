/*
 * Unit tests for core/rng.c: known answers against a reference
 * xoshiro256** written here, the stream jumps (recomputed independently
 * with GF(2) polynomial arithmetic), and the moments of each distribution
 * over fixed-seed samples, so every assertion is deterministic.
 */
#include "core/rng.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#define NDRAWS 1000000

/* ------------------------------------------------ reference algorithm */

static uint64_t ref_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256starstar.c by Blackman and Vigna, transcribed. */
static uint64_t ref_next(uint64_t s[4])
{
    const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return result;
}

/* The reference jump(): s <- poly(T) s for a 256-bit polynomial. */
static void ref_jump(uint64_t s[4], const uint64_t poly[4])
{
    uint64_t acc[4] = {0, 0, 0, 0};
    for (int w = 0; w < 4; w++) {
        for (int b = 0; b < 64; b++) {
            if (poly[w] & (UINT64_C(1) << b)) {
                for (int k = 0; k < 4; k++) {
                    acc[k] ^= s[k];
                }
            }
            ref_next(s);
        }
    }
    memcpy(s, acc, sizeof(acc));
}

/* Published constants: jump by 2^128 and by 2^192 draws. */
static const uint64_t REF_JUMP[4] = {UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c),
                                     UINT64_C(0xa9582618e03fc9aa), UINT64_C(0x39abdc4529b1661c)};
static const uint64_t REF_LONG_JUMP[4] = {
    UINT64_C(0x76e15d3efefdcbbf), UINT64_C(0xc5004e441c522fb3), UINT64_C(0x77710069854ee241),
    UINT64_C(0x39109bb02acbe635)};

/*
 * Characteristic polynomial of xoshiro256's linear engine (degree 256,
 * coefficient of x^k in bit k), found by Berlekamp-Massey on its output
 * bits. The tests below check it rather than trust it: p(T) s = 0, and
 * x^(2^128), x^(2^192) mod p are the published jump constants.
 */
static const uint64_t CHARPOLY[5] = {UINT64_C(0x9d116f2bb0f0f001), UINT64_C(0x0280002bcefd1a5e),
                                     UINT64_C(0x04b4edcf26259f85), UINT64_C(0x0003c03c3f3ecb19),
                                     UINT64_C(1)};

/* a <- a * x mod p, a of degree < 256. */
static void poly_mulx(uint64_t a[4])
{
    uint64_t top = a[3] >> 63;
    for (int w = 3; w > 0; w--) {
        a[w] = (a[w] << 1) | (a[w - 1] >> 63);
    }
    a[0] <<= 1;
    if (top) {
        for (int w = 0; w < 4; w++) {
            a[w] ^= CHARPOLY[w];
        }
    }
}

/* r <- a * b mod p (Horner over b's bits from the top). */
static void poly_mulmod(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t acc[4] = {0, 0, 0, 0};
    for (int bit = 255; bit >= 0; bit--) {
        poly_mulx(acc);
        if (b[bit / 64] & (UINT64_C(1) << (bit % 64))) {
            for (int w = 0; w < 4; w++) {
                acc[w] ^= a[w];
            }
        }
    }
    memcpy(r, acc, sizeof(acc));
}

static void rng_set(struct hd_rng *r, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    r->s[0] = a;
    r->s[1] = b;
    r->s[2] = c;
    r->s[3] = d;
}

/* ------------------------------------------------------- known answers */

static void u64__state_1234__gives_reference_outputs(void **state)
{
    struct hd_rng r;
    (void)state;
    /* By hand: rotl(2 * 5, 7) * 9 = 1280 * 9 = 11520; the step leaves
     * s[1] = 2 ^ (3 ^ 1) = 0, so the second output is 0. */
    rng_set(&r, 1, 2, 3, 4);
    assert_true(hd_rng_u64(&r) == UINT64_C(11520));
    assert_true(hd_rng_u64(&r) == UINT64_C(0));
    assert_true(hd_rng_u64(&r) == UINT64_C(1509978240));
    assert_true(hd_rng_u64(&r) == UINT64_C(1215971899390074240));
}

static void u64__arbitrary_state__matches_reference_for_10000_draws(void **state)
{
    struct hd_rng r;
    uint64_t s[4] = {UINT64_C(0x0123456789abcdef), UINT64_C(0xfedcba9876543210),
                     UINT64_C(0xdeadbeefcafef00d), UINT64_C(0x0f1e2d3c4b5a6978)};
    (void)state;
    memcpy(r.s, s, sizeof(s));
    for (int i = 0; i < 10000; i++) {
        assert_true(hd_rng_u64(&r) == ref_next(s));
    }
    assert_memory_equal(r.s, s, sizeof(s));
}

static void seed__seed_42__gives_splitmix64_seeded_outputs(void **state)
{
    struct hd_rng r;
    (void)state;
    /* Computed with an independent implementation (Python). */
    hd_rng_seed(&r, 42, 0);
    assert_true(hd_rng_u64(&r) == UINT64_C(0x15780b2e0c2ec716));
    assert_true(hd_rng_u64(&r) == UINT64_C(0x6104d9866d113a7e));
    assert_true(hd_rng_u64(&r) == UINT64_C(0xae17533239e499a1));
    hd_rng_seed(&r, 42, 3);
    assert_true(hd_rng_u64(&r) == UINT64_C(0x057ea7493b2592a3));
    assert_true(hd_rng_u64(&r) == UINT64_C(0xd24b173f5c5cdd42));
}

static void seed__seed_1234__matches_php_engine_test_vector(void **state)
{
    struct hd_rng r;
    (void)state;
    /* php-src ext/random/tests/02_engine/xoshiro256starstar_value.phpt:
     * seed 1234 (splitmix64), 10000 draws, jump(), jumpLong(), then one
     * draw whose little-endian bytes are 1f197e9ca7969123. */
    hd_rng_seed(&r, 1234, 0);
    for (int i = 0; i < 10000; i++) {
        (void)hd_rng_u64(&r);
    }
    ref_jump(r.s, REF_JUMP);
    ref_jump(r.s, REF_LONG_JUMP);
    assert_true(hd_rng_u64(&r) == UINT64_C(0x239196a79c7e191f));
}

/* ------------------------------------------------------------- streams */

static void seed__stream_k__equals_k_reference_jumps(void **state)
{
    struct hd_rng r;
    uint64_t s[4];
    (void)state;
    hd_rng_seed(&r, 7, 0);
    memcpy(s, r.s, sizeof(s));
    for (uint64_t k = 0; k < 12; k++) {
        hd_rng_seed(&r, 7, k);
        assert_memory_equal(r.s, s, sizeof(s));
        ref_jump(s, REF_JUMP);
    }
}

static void charpoly__annihilates_state__and_gives_published_jumps(void **state)
{
    uint64_t s[4] = {1, 2, 3, 4};
    uint64_t acc[4] = {0, 0, 0, 0};
    uint64_t x[4] = {2, 0, 0, 0};
    (void)state;
    for (int k = 0; k <= 256; k++) { /* Cayley-Hamilton: p(T) s = 0 */
        if (CHARPOLY[k / 64] & (UINT64_C(1) << (k % 64))) {
            for (int w = 0; w < 4; w++) {
                acc[w] ^= s[w];
            }
        }
        ref_next(s);
    }
    assert_true((acc[0] | acc[1] | acc[2] | acc[3]) == 0);
    for (int i = 0; i < 128; i++) {
        poly_mulmod(x, x, x);
    }
    assert_memory_equal(x, REF_JUMP, sizeof(x));
    for (int i = 0; i < 64; i++) {
        poly_mulmod(x, x, x);
    }
    assert_memory_equal(x, REF_LONG_JUMP, sizeof(x));
}

static void seed__stream_power_of_two__equals_recomputed_jump(void **state)
{
    struct hd_rng base, r;
    uint64_t poly[4];
    (void)state;
    memcpy(poly, REF_JUMP, sizeof(poly));
    hd_rng_seed(&base, 2024, 0);
    for (int i = 0; i < 64; i++) { /* poly = x^(2^(128+i)) mod p */
        uint64_t s[4];
        memcpy(s, base.s, sizeof(s));
        ref_jump(s, poly);
        hd_rng_seed(&r, 2024, UINT64_C(1) << i);
        assert_memory_equal(r.s, s, sizeof(s));
        poly_mulmod(poly, poly, poly);
    }
}

static void seed__composite_stream__equals_composed_jumps(void **state)
{
    struct hd_rng r;
    uint64_t s[4], poly[4];
    uint64_t stream = hd_rng_stream_id(5, 3); /* bits 0, 1, 32, 34 */
    (void)state;
    hd_rng_seed(&r, 99, 0);
    memcpy(s, r.s, sizeof(s));
    memcpy(poly, REF_JUMP, sizeof(poly));
    for (int i = 0; i < 64; i++) {
        if (stream & (UINT64_C(1) << i)) {
            ref_jump(s, poly);
        }
        poly_mulmod(poly, poly, poly);
    }
    hd_rng_seed(&r, 99, stream);
    assert_memory_equal(r.s, s, sizeof(s));
}

static void seed__same_seed_and_stream__same_sequence(void **state)
{
    struct hd_rng a, b;
    (void)state;
    hd_rng_seed(&a, 12345, hd_rng_stream_id(3, 2));
    hd_rng_seed(&b, 12345, hd_rng_stream_id(3, 2));
    for (int i = 0; i < 1000; i++) {
        assert_true(hd_rng_u64(&a) == hd_rng_u64(&b));
    }
    /* A copy is an independent generator in the same place. */
    struct hd_rng c = a;
    assert_true(hd_rng_u64(&a) == hd_rng_u64(&c));
}

/* Number of positions where two generators' first 1000 draws agree. */
static int same_positions(struct hd_rng a, struct hd_rng b)
{
    int same = 0;
    for (int i = 0; i < 1000; i++) {
        same += hd_rng_u64(&a) == hd_rng_u64(&b);
    }
    return same;
}

static void seed__different_streams__differ(void **state)
{
    struct hd_rng r[4];
    (void)state;
    hd_rng_seed(&r[0], 12345, 0);
    hd_rng_seed(&r[1], 12345, 1);
    hd_rng_seed(&r[2], 12345, hd_rng_stream_id(1, 0));
    hd_rng_seed(&r[3], 12345, hd_rng_stream_id(1, 1));
    for (int i = 0; i < 4; i++) {
        for (int j = i + 1; j < 4; j++) {
            assert_int_equal(same_positions(r[i], r[j]), 0);
        }
    }
}

static void seed__different_seeds__differ(void **state)
{
    struct hd_rng a, b, c;
    (void)state;
    hd_rng_seed(&a, 1, 0);
    hd_rng_seed(&b, 2, 0);
    hd_rng_seed(&c, 0, 0);
    assert_int_equal(same_positions(a, b), 0);
    assert_int_equal(same_positions(a, c), 0);
    assert_int_equal(same_positions(b, c), 0);
}

static void stream_id__replication_and_purpose__packed_and_distinct(void **state)
{
    (void)state;
    assert_true(hd_rng_stream_id(0, 0) == 0);
    assert_true(hd_rng_stream_id(0, 7) == 7);
    assert_true(hd_rng_stream_id(1, 0) == UINT64_C(1) << 32);
    assert_true(hd_rng_stream_id(UINT32_MAX, UINT32_MAX) == UINT64_MAX);
    assert_true(hd_rng_stream_id(2, 1) != hd_rng_stream_id(1, 2));
}

/* ------------------------------------------------------ distributions */

static void uniform__many_draws__in_unit_interval_mean_half(void **state)
{
    struct hd_rng r;
    double sum = 0.0;
    (void)state;
    hd_rng_seed(&r, 1, 0);
    for (int i = 0; i < NDRAWS; i++) {
        double u = hd_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    assert_true(fabs(sum / NDRAWS - 0.5) < 1e-3);
}

static void uniform__extreme_outputs__zero_and_just_below_one(void **state)
{
    struct hd_rng r;
    (void)state;
    /* Output 0 needs s[1] = 0. Output 2^64-1 needs rotl(s[1] * 5, 7) =
     * -(9^-1) mod 2^64, so s[1] = rotr(-(9^-1), 7) * 5^-1. */
    rng_set(&r, 0, 0, 0, 0);
    assert_true(hd_rng_uniform(&r) == 0.0);
    uint64_t y = 0 - UINT64_C(0x8e38e38e38e38e39);
    uint64_t s1 = ((y >> 7) | (y << 57)) * UINT64_C(0xcccccccccccccccd);
    rng_set(&r, 0, s1, 0, 0);
    struct hd_rng copy = r;
    assert_true(hd_rng_u64(&copy) == UINT64_MAX);
    double u = hd_rng_uniform(&r);
    assert_true(u < 1.0);
    assert_true(u == 1.0 - 0x1.0p-53);
}

static void below__small_n__in_range_and_even(void **state)
{
    struct hd_rng r;
    uint64_t count[7] = {0};
    (void)state;
    hd_rng_seed(&r, 3, 0);
    for (int i = 0; i < 7 * 100000; i++) {
        uint64_t v = hd_rng_below(&r, 7);
        assert_true(v < 7);
        count[v]++;
    }
    for (int k = 0; k < 7; k++) { /* sd ~ 293: 1000 is > 3 sd */
        assert_true(count[k] > 99000 && count[k] < 101000);
    }
    for (int i = 0; i < 100; i++) {
        assert_true(hd_rng_below(&r, 1) == 0);
    }
}

static void below__n_three_quarters_of_range__no_modulo_bias(void **state)
{
    struct hd_rng r;
    const uint64_t n = UINT64_C(3) << 62;
    int low = 0;
    (void)state;
    /* A plain u64 % n would put half the draws below 2^62, not a third. */
    hd_rng_seed(&r, 4, 0);
    for (int i = 0; i < 300000; i++) {
        uint64_t v = hd_rng_below(&r, n);
        assert_true(v < n);
        low += v < (UINT64_C(1) << 62);
    }
    assert_true(fabs(low / 300000.0 - 1.0 / 3.0) < 0.005);
}

static void exp__1e6_draws__mean_within_1pct_of_inverse_rate(void **state)
{
    struct hd_rng r;
    const double rate = 0.25;
    double sum = 0.0;
    (void)state;
    hd_rng_seed(&r, 5, hd_rng_stream_id(0, 2));
    for (int i = 0; i < NDRAWS; i++) {
        double x = hd_rng_exp(&r, rate);
        assert_true(x >= 0.0 && isfinite(x));
        sum += x;
    }
    assert_true(fabs(sum / NDRAWS - 1.0 / rate) < 0.01 / rate);
}

static void normal__1e6_draws__mean_zero_variance_one(void **state)
{
    struct hd_rng r;
    double sum = 0.0, sum2 = 0.0;
    (void)state;
    hd_rng_seed(&r, 6, 0);
    for (int i = 0; i < NDRAWS; i++) {
        double z = hd_rng_normal(&r);
        sum += z;
        sum2 += z * z;
    }
    double mean = sum / NDRAWS;
    assert_true(fabs(mean) < 0.005);
    assert_true(fabs(sum2 / NDRAWS - mean * mean - 1.0) < 0.01);
}

static void lognormal__1e6_draws__mean_within_1pct(void **state)
{
    struct hd_rng r;
    const double mu[2] = {1.0, 2.0}, sigma[2] = {0.5, 1.0};
    (void)state;
    hd_rng_seed(&r, 7, 0);
    for (int c = 0; c < 2; c++) {
        double sum = 0.0;
        for (int i = 0; i < NDRAWS; i++) {
            double x = hd_rng_lognormal(&r, mu[c], sigma[c]);
            assert_true(x > 0.0);
            sum += x;
        }
        double want = exp(mu[c] + sigma[c] * sigma[c] / 2.0);
        assert_true(fabs(sum / NDRAWS - want) < 0.01 * want);
    }
}

static void bernoulli__p__proportion_and_edges(void **state)
{
    struct hd_rng r;
    int ones = 0;
    (void)state;
    hd_rng_seed(&r, 8, 0);
    for (int i = 0; i < NDRAWS; i++) {
        ones += hd_rng_bernoulli(&r, 0.3);
    }
    assert_true(fabs(ones / (double)NDRAWS - 0.3) < 0.002);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(hd_rng_bernoulli(&r, 0.0), 0);
        assert_int_equal(hd_rng_bernoulli(&r, 1.0), 1);
    }
}

static void discrete__cumulative_weights__proportions_match(void **state)
{
    struct hd_rng r;
    const double cum[4] = {1.0, 1.0, 4.0, 10.0}; /* weights 1, 0, 3, 6 */
    uint64_t count[4] = {0};
    (void)state;
    hd_rng_seed(&r, 9, 0);
    for (int i = 0; i < NDRAWS; i++) {
        size_t k = hd_rng_discrete(&r, cum, 4);
        assert_true(k < 4);
        count[k]++;
    }
    assert_true(count[1] == 0);
    assert_true(fabs(count[0] / (double)NDRAWS - 0.1) < 0.002);
    assert_true(fabs(count[2] / (double)NDRAWS - 0.3) < 0.002);
    assert_true(fabs(count[3] / (double)NDRAWS - 0.6) < 0.002);
    const double one[1] = {2.5};
    assert_true(hd_rng_discrete(&r, one, 1) == 0);
}

static void empirical__plain__draws_members_evenly(void **state)
{
    struct hd_rng r;
    const double v[3] = {5.0, -1.0, 8.0};
    int count[3] = {0};
    (void)state;
    hd_rng_seed(&r, 10, 0);
    for (int i = 0; i < 300000; i++) {
        double x = hd_rng_empirical(&r, v, 3, 0);
        int k = x == 5.0 ? 0 : x == -1.0 ? 1 : x == 8.0 ? 2 : -1;
        assert_true(k >= 0);
        count[k]++;
    }
    for (int k = 0; k < 3; k++) {
        assert_true(count[k] > 99000 && count[k] < 101000);
    }
}

static void empirical__interpolated__stays_in_range_mean_of_segments(void **state)
{
    struct hd_rng r;
    const double v[3] = {1.0, 2.0, 4.0};
    double sum = 0.0;
    (void)state;
    hd_rng_seed(&r, 11, 0);
    for (int i = 0; i < NDRAWS; i++) {
        double x = hd_rng_empirical(&r, v, 3, 1);
        assert_true(x >= 1.0 && x < 4.0);
        sum += x;
    }
    /* Half the mass on [1,2] (mean 1.5), half on [2,4] (mean 3). */
    assert_true(fabs(sum / NDRAWS - 2.25) < 0.01);
    assert_true(hd_rng_empirical(&r, v, 1, 1) == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(u64__state_1234__gives_reference_outputs),
        cmocka_unit_test(u64__arbitrary_state__matches_reference_for_10000_draws),
        cmocka_unit_test(seed__seed_42__gives_splitmix64_seeded_outputs),
        cmocka_unit_test(seed__seed_1234__matches_php_engine_test_vector),
        cmocka_unit_test(seed__stream_k__equals_k_reference_jumps),
        cmocka_unit_test(charpoly__annihilates_state__and_gives_published_jumps),
        cmocka_unit_test(seed__stream_power_of_two__equals_recomputed_jump),
        cmocka_unit_test(seed__composite_stream__equals_composed_jumps),
        cmocka_unit_test(seed__same_seed_and_stream__same_sequence),
        cmocka_unit_test(seed__different_streams__differ),
        cmocka_unit_test(seed__different_seeds__differ),
        cmocka_unit_test(stream_id__replication_and_purpose__packed_and_distinct),
        cmocka_unit_test(uniform__many_draws__in_unit_interval_mean_half),
        cmocka_unit_test(uniform__extreme_outputs__zero_and_just_below_one),
        cmocka_unit_test(below__small_n__in_range_and_even),
        cmocka_unit_test(below__n_three_quarters_of_range__no_modulo_bias),
        cmocka_unit_test(exp__1e6_draws__mean_within_1pct_of_inverse_rate),
        cmocka_unit_test(normal__1e6_draws__mean_zero_variance_one),
        cmocka_unit_test(lognormal__1e6_draws__mean_within_1pct),
        cmocka_unit_test(bernoulli__p__proportion_and_edges),
        cmocka_unit_test(discrete__cumulative_weights__proportions_match),
        cmocka_unit_test(empirical__plain__draws_members_evenly),
        cmocka_unit_test(empirical__interpolated__stays_in_range_mean_of_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
