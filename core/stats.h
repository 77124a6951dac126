#ifndef HD_CORE_STATS_H
#define HD_CORE_STATS_H

/*
 * Statistics for the analyzer's distributions and the simulator's
 * confidence intervals. Definitions (quantile method, CI) are in
 * docs/statistics.md.
 */

#include <stddef.h>
#include <stdint.h>

/* Welford's running mean and variance; zero-initialise to start. */
struct hd_welford {
    uint64_t n;
    double mean;
    double m2;  /* sum of squared deviations from the mean */
    double min; /* valid when n > 0 */
    double max;
};

void hd_welford_add(struct hd_welford *w, double x);

/* Merge `b` into `a` (Chan et al.), as if all of b's values were added. */
void hd_welford_merge(struct hd_welford *a, const struct hd_welford *b);

/* Sample variance (n-1 denominator); 0 when n < 2. */
double hd_welford_var(const struct hd_welford *w);
double hd_welford_sd(const struct hd_welford *w);

/*
 * Two-sided 97.5% quantile of Student's t with `df` degrees of freedom
 * (df >= 1): exact table to df = 30, then a Cornish–Fisher expansion;
 * accurate to 1e-3.
 */
double hd_t975(uint64_t df);

/*
 * Half-width of the 95% confidence interval of the mean:
 * t(0.975, n-1) * sd / sqrt(n). 0 when n < 2 (no interval can be given;
 * callers report that as "n/a", not as zero width).
 */
double hd_ci95_half(const struct hd_welford *w);

/*
 * Quantile p in [0,1] of `x[0..n)` which must be sorted ascending:
 * linear interpolation between order statistics (Hyndman & Fan type 7,
 * the default of R and numpy). n == 0 gives NAN.
 */
double hd_quantile_sorted(const double *x, size_t n, double p);

/* Sort `x[0..n)` ascending in place (doubles; NaN not allowed). */
void hd_sort_doubles(double *x, size_t n);

/* Same for int64 values, the analyzer's durations; returns a double. */
void hd_sort_i64(int64_t *x, size_t n);
double hd_quantile_sorted_i64(const int64_t *x, size_t n, double p);

/*
 * Fixed-width histogram over [lo, hi) with `nbins` bins plus underflow and
 * overflow counts.
 */
struct hd_hist {
    double lo, hi;
    size_t nbins;
    uint64_t *bins;
    uint64_t under, over;
};

/* Initialise with nbins >= 1 and hi > lo; release with hd_hist_release. */
void hd_hist_init(struct hd_hist *h, double lo, double hi, size_t nbins);
void hd_hist_release(struct hd_hist *h);
void hd_hist_add(struct hd_hist *h, double x);

#endif
