/*
 * Unit tests for core/stats.c: hand-computed quantiles, confidence
 * half-widths and t values, Welford against a two-pass computation,
 * merges against sequential adds, the sorts against qsort, histograms.
 */
#include "core/stats.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

/* ------------------------------------------------------------ quantiles */

static void quantile_sorted__four_values__type7_hand_values(void **state)
{
    const double x[4] = {1, 2, 3, 4};
    (void)state;
    /* h = (n-1)p: 1.5 -> 2.5, 2.7 -> 3 + 0.7, 0.75 -> 1.75. */
    assert_true(near(hd_quantile_sorted(x, 4, 0.5), 2.5, 1e-12));
    assert_true(near(hd_quantile_sorted(x, 4, 0.9), 3.7, 1e-12));
    assert_true(near(hd_quantile_sorted(x, 4, 0.25), 1.75, 1e-12));
    assert_true(hd_quantile_sorted(x, 4, 0.0) == 1.0);
    assert_true(hd_quantile_sorted(x, 4, 1.0) == 4.0);
}

static void quantile_sorted__odd_n__median_is_middle_value(void **state)
{
    const double x[5] = {1, 3, 5, 7, 9};
    (void)state;
    assert_true(hd_quantile_sorted(x, 5, 0.5) == 5.0);
    assert_true(near(hd_quantile_sorted(x, 5, 0.1), 1.8, 1e-12));   /* h = 0.4 */
    assert_true(near(hd_quantile_sorted(x, 5, 0.99), 8.92, 1e-12)); /* h = 3.96 */
}

static void quantile_sorted__single_element__always_that_element(void **state)
{
    const double x[1] = {42.5};
    (void)state;
    assert_true(hd_quantile_sorted(x, 1, 0.0) == 42.5);
    assert_true(hd_quantile_sorted(x, 1, 0.37) == 42.5);
    assert_true(hd_quantile_sorted(x, 1, 1.0) == 42.5);
}

static void quantile_sorted__empty_or_nan_p__gives_nan(void **state)
{
    const double x[2] = {1, 2};
    (void)state;
    assert_true(isnan(hd_quantile_sorted(NULL, 0, 0.5)));
    assert_true(isnan(hd_quantile_sorted(x, 2, NAN)));
    assert_true(isnan(hd_quantile_sorted_i64(NULL, 0, 0.5)));
}

static void quantile_sorted__p_outside_unit_interval__clamped(void **state)
{
    const double x[3] = {1, 2, 3};
    (void)state;
    assert_true(hd_quantile_sorted(x, 3, -0.5) == 1.0);
    assert_true(hd_quantile_sorted(x, 3, 1.5) == 3.0);
}

static void quantile_sorted_i64__durations__interpolate_without_overflow(void **state)
{
    const int64_t x[4] = {10, 20, 30, 40};
    const int64_t ext[2] = {INT64_MIN, INT64_MAX};
    (void)state;
    assert_true(near(hd_quantile_sorted_i64(x, 4, 0.5), 25.0, 1e-12));
    assert_true(near(hd_quantile_sorted_i64(x, 4, 0.9), 37.0, 1e-12));
    assert_true(hd_quantile_sorted_i64(x, 4, 0.0) == 10.0);
    assert_true(hd_quantile_sorted_i64(x, 4, 1.0) == 40.0);
    assert_true(hd_quantile_sorted_i64(x, 3, 0.5) == 20.0);
    /* INT64_MAX - INT64_MIN overflows int64; the result is 2^-1 ~ 0. */
    assert_true(fabs(hd_quantile_sorted_i64(ext, 2, 0.5)) <= 1.0);
}

/* --------------------------------------------------------------- Welford */

/*
 * Reference mean and variance by two passes over x - shift: with the shift
 * near the data, both passes work on small numbers and lose nothing.
 */
static void two_pass(const double *x, size_t n, double shift, double *mean, double *var)
{
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += x[i] - shift;
    }
    double m = s / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (x[i] - shift) - m;
        ss += d * d;
    }
    *mean = shift + m;
    *var = ss / (double)(n - 1);
}

static void welford__large_offset__matches_two_pass(void **state)
{
    const double x[4] = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    struct hd_welford w = {0};
    (void)state;
    for (int i = 0; i < 4; i++) {
        hd_welford_add(&w, x[i]);
    }
    /* By hand: mean 1e9 + 10, deviations -6 -3 3 6, var = 90 / 3. */
    assert_true(w.n == 4);
    assert_true(near(w.mean, 1e9 + 10, 1e-6));
    assert_true(near(hd_welford_var(&w), 30.0, 1e-6));
    assert_true(near(hd_welford_sd(&w), sqrt(30.0), 1e-7));
    assert_true(w.min == 1e9 + 4 && w.max == 1e9 + 16);

    /* 10^5 values 1e9 + U(0, 100): the naive sum-of-squares formula would
     * lose every digit here; Welford must agree with two passes. */
    enum { N = 100000 };
    double *y = hd_xmalloc(N * sizeof(*y));
    struct hd_rng r;
    struct hd_welford v = {0};
    double mean, var;
    hd_rng_seed(&r, 1, 0);
    for (int i = 0; i < N; i++) {
        y[i] = 1e9 + 100.0 * hd_rng_uniform(&r);
        hd_welford_add(&v, y[i]);
    }
    two_pass(y, N, 1e9, &mean, &var);
    assert_true(near(v.mean, mean, 1e-6)); /* ulp(1e9) is 1.2e-7 */
    assert_true(near(hd_welford_var(&v), var, 1e-6 * var));
    assert_true(near(var, 10000.0 / 12.0, 10.0)); /* sanity: U(0,100) */
    free(y);
}

static void welford_var__fewer_than_two_values__zero(void **state)
{
    struct hd_welford w = {0};
    (void)state;
    assert_true(hd_welford_var(&w) == 0.0);
    assert_true(hd_ci95_half(&w) == 0.0);
    hd_welford_add(&w, -3.5);
    assert_true(w.mean == -3.5 && w.min == -3.5 && w.max == -3.5);
    assert_true(hd_welford_var(&w) == 0.0);
    assert_true(hd_welford_sd(&w) == 0.0);
    assert_true(hd_ci95_half(&w) == 0.0);
}

static void welford_merge__any_split__equals_sequential(void **state)
{
    double x[50], mean, var;
    struct hd_welford all = {0};
    (void)state;
    for (int i = 0; i < 50; i++) {
        x[i] = 1e9 + (double)((i * 37) % 23) - 0.25 * i;
        hd_welford_add(&all, x[i]);
    }
    /* At 1e9 a double resolves 1.2e-7, so Welford's m2 carries a relative
     * error near 1e-8 whichever order the values come in. */
    two_pass(x, 50, 1e9, &mean, &var);
    assert_true(near(all.mean, mean, 1e-6));
    assert_true(near(all.m2, var * 49.0, 1e-6 * all.m2));
    const int cuts[] = {0, 1, 17, 25, 49, 50};
    for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
        struct hd_welford a = {0}, b = {0};
        for (int i = 0; i < cuts[c]; i++) {
            hd_welford_add(&a, x[i]);
        }
        for (int i = cuts[c]; i < 50; i++) {
            hd_welford_add(&b, x[i]);
        }
        hd_welford_merge(&a, &b);
        assert_true(a.n == all.n);
        assert_true(near(a.mean, all.mean, 1e-6));
        assert_true(near(a.m2, all.m2, 1e-6 * all.m2));
        assert_true(a.min == all.min && a.max == all.max);
    }
}

/* ----------------------------------------------------- t and intervals */

static void t975__reference_df__within_1e3(void **state)
{
    (void)state;
    assert_true(near(hd_t975(1), 12.706, 1e-3));
    assert_true(near(hd_t975(2), 4.303, 1e-3));
    assert_true(near(hd_t975(10), 2.228, 1e-3));
    assert_true(near(hd_t975(30), 2.042, 1e-3));
    assert_true(near(hd_t975(31), 2.040, 1e-3));
    assert_true(near(hd_t975(100), 1.984, 1e-3));
    assert_true(near(hd_t975(1000), 1.962, 1e-3));
    assert_true(near(hd_t975(1000000000), 1.960, 1e-3));
    assert_true(near(hd_t975(UINT64_MAX), 1.959964, 1e-6));
}

static void t975__df_increasing__strictly_decreasing(void **state)
{
    (void)state;
    for (uint64_t df = 1; df < 2000; df++) {
        assert_true(hd_t975(df + 1) < hd_t975(df));
    }
}

static void ci95_half__small_sample__hand_computed(void **state)
{
    const double x[8] = {2, 4, 4, 4, 5, 5, 7, 9};
    struct hd_welford w = {0};
    (void)state;
    for (int i = 0; i < 8; i++) {
        hd_welford_add(&w, x[i]);
    }
    /* mean 5, squared deviations sum 32, var 32/7, sd/sqrt(8) = sqrt(4/7),
     * t(0.975, 7) = 2.364624: half-width 1.787488. */
    assert_true(near(hd_welford_var(&w), 32.0 / 7.0, 1e-12));
    assert_true(near(hd_ci95_half(&w), 1.787488, 1e-6));

    struct hd_welford two = {0};
    hd_welford_add(&two, 1.0);
    hd_welford_add(&two, 3.0);
    /* sd = sqrt(2), n = 2: 12.706205 * sqrt(2) / sqrt(2). */
    assert_true(near(hd_ci95_half(&two), 12.706205, 1e-6));
}

/* --------------------------------------------------------------- sorting */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void check_sort_i64(int64_t *x, size_t n)
{
    int64_t *want = hd_xmalloc((n ? n : 1) * sizeof(*want));
    memcpy(want, x, n * sizeof(*x));
    qsort(want, n, sizeof(*want), cmp_i64);
    hd_sort_i64(x, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(x[i] == want[i]);
    }
    free(want);
}

static void sort_i64__random_signed_values__matches_qsort(void **state)
{
    enum { N = 200000 };
    int64_t *x = hd_xmalloc(N * sizeof(*x));
    struct hd_rng r;
    (void)state;
    hd_rng_seed(&r, 2, 0);
    for (size_t i = 0; i < N; i++) {
        x[i] = (int64_t)hd_rng_u64(&r);
    }
    x[0] = INT64_MIN;
    x[1] = INT64_MAX;
    x[2] = 0;
    x[3] = -1;
    check_sort_i64(x, N);
    /* Durations: small non-negative values, most digits skipped. */
    for (size_t i = 0; i < N; i++) {
        x[i] = (int64_t)hd_rng_below(&r, 86400000);
    }
    check_sort_i64(x, N);
    /* All equal, already sorted, reversed. */
    for (size_t i = 0; i < N; i++) {
        x[i] = 7;
    }
    check_sort_i64(x, N);
    for (size_t i = 0; i < N; i++) {
        x[i] = (int64_t)i - 1000;
    }
    check_sort_i64(x, N);
    for (size_t i = 0; i < N; i++) {
        x[i] = 1000 - (int64_t)i;
    }
    check_sort_i64(x, N);
    free(x);
}

static void sort_i64__small_and_empty__sorted(void **state)
{
    int64_t x[63];
    struct hd_rng r;
    (void)state;
    hd_rng_seed(&r, 3, 0);
    for (size_t n = 0; n <= 63; n++) {
        for (size_t i = 0; i < n; i++) {
            x[i] = (int64_t)hd_rng_below(&r, 20) - 10;
        }
        check_sort_i64(x, n);
    }
    hd_sort_i64(NULL, 0);
}

static void check_sort_doubles(double *x, size_t n)
{
    double *want = hd_xmalloc((n ? n : 1) * sizeof(*want));
    memcpy(want, x, n * sizeof(*x));
    qsort(want, n, sizeof(*want), cmp_double);
    hd_sort_doubles(x, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(x[i] == want[i]); /* -0.0 == +0.0 here */
        if (i > 0) {
            assert_true(x[i - 1] <= x[i]);
        }
    }
    free(want);
}

static void sort_doubles__mixed_signs_and_specials__matches_qsort(void **state)
{
    enum { N = 100000 };
    double *x = hd_xmalloc(N * sizeof(*x));
    struct hd_rng r;
    (void)state;
    hd_rng_seed(&r, 4, 0);
    for (size_t i = 0; i < N; i++) {
        x[i] = (hd_rng_uniform(&r) - 0.5) * pow(10.0, (double)hd_rng_below(&r, 40) - 20.0);
    }
    const double special[] = {0.0, -0.0, INFINITY, -INFINITY, 5e-324, -5e-324, 1.5, -1.5};
    memcpy(x, special, sizeof(special));
    check_sort_doubles(x, N);
    assert_true(x[0] == -INFINITY && x[N - 1] == INFINITY);
    /* -0.0 sorts immediately before +0.0. */
    for (size_t i = 1; i < N; i++) {
        if (x[i] == 0.0 && !signbit(x[i])) {
            assert_true(x[i - 1] == 0.0 && signbit(x[i - 1]));
            break;
        }
    }
    double small[9] = {3, -1, 2.5, 0, -7, 2.5, 100, -0.5, 1};
    check_sort_doubles(small, 9);
    assert_true(small[0] == -7 && small[8] == 100);
    free(x);
}

/* ------------------------------------------------------------ histograms */

static void hist_add__values__binned_with_under_and_over(void **state)
{
    struct hd_hist h;
    const double x[] = {-1, 0, 1.99, 2, 9.999, 10, 15, 4, 5.5, 5.999};
    (void)state;
    hd_hist_init(&h, 0.0, 10.0, 5); /* bins of width 2: [0,2) [2,4) ... */
    for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
        hd_hist_add(&h, x[i]);
    }
    hd_hist_add(&h, -INFINITY);
    hd_hist_add(&h, INFINITY);
    hd_hist_add(&h, NAN);
    assert_true(h.under == 2);
    assert_true(h.over == 4); /* 10 (hi is excluded), 15, +inf, NaN */
    assert_true(h.bins[0] == 2);
    assert_true(h.bins[1] == 1);
    assert_true(h.bins[2] == 3);
    assert_true(h.bins[3] == 0);
    assert_true(h.bins[4] == 1);
    hd_hist_release(&h);
    assert_null(h.bins);
    hd_hist_release(&h); /* released twice: still fine */
}

static void hist_add__value_just_below_hi__lands_in_last_bin(void **state)
{
    struct hd_hist h;
    (void)state;
    hd_hist_init(&h, 0.1, 0.7, 3);
    hd_hist_add(&h, nextafter(0.7, 0.0));
    hd_hist_add(&h, 0.1);
    assert_true(h.bins[2] == 1 && h.bins[0] == 1);
    assert_true(h.under == 0 && h.over == 0);
    hd_hist_release(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantile_sorted__four_values__type7_hand_values),
        cmocka_unit_test(quantile_sorted__odd_n__median_is_middle_value),
        cmocka_unit_test(quantile_sorted__single_element__always_that_element),
        cmocka_unit_test(quantile_sorted__empty_or_nan_p__gives_nan),
        cmocka_unit_test(quantile_sorted__p_outside_unit_interval__clamped),
        cmocka_unit_test(quantile_sorted_i64__durations__interpolate_without_overflow),
        cmocka_unit_test(welford__large_offset__matches_two_pass),
        cmocka_unit_test(welford_var__fewer_than_two_values__zero),
        cmocka_unit_test(welford_merge__any_split__equals_sequential),
        cmocka_unit_test(t975__reference_df__within_1e3),
        cmocka_unit_test(t975__df_increasing__strictly_decreasing),
        cmocka_unit_test(ci95_half__small_sample__hand_computed),
        cmocka_unit_test(sort_i64__random_signed_values__matches_qsort),
        cmocka_unit_test(sort_i64__small_and_empty__sorted),
        cmocka_unit_test(sort_doubles__mixed_signs_and_specials__matches_qsort),
        cmocka_unit_test(hist_add__values__binned_with_under_and_over),
        cmocka_unit_test(hist_add__value_just_below_hi__lands_in_last_bin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
