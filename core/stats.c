/*
 * Descriptive statistics: Welford running moments with Chan's merge, the
 * Student t 97.5% quantile and 95% confidence half-widths, type 7 quantiles,
 * LSD radix sorts for doubles and int64, and fixed-width histograms.
 * Definitions are documented in docs/statistics.md.
 */
#include "core/stats.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

/* ------------------------------------------------------------- moments */

void hd_welford_add(struct hd_welford *w, double x)
{
    if (w->n == 0) {
        w->min = x;
        w->max = x;
    } else {
        if (x < w->min) {
            w->min = x;
        }
        if (x > w->max) {
            w->max = x;
        }
    }
    w->n++;
    double delta = x - w->mean;
    w->mean += delta / (double)w->n;
    w->m2 += delta * (x - w->mean);
}

void hd_welford_merge(struct hd_welford *a, const struct hd_welford *b)
{
    if (b->n == 0) {
        return;
    }
    if (a->n == 0) {
        *a = *b;
        return;
    }
    double na = (double)a->n;
    double nb = (double)b->n;
    double n = na + nb;
    double delta = b->mean - a->mean;

    a->mean += delta * (nb / n);
    a->m2 += b->m2 + delta * delta * (na * nb / n);
    a->n += b->n;
    if (b->min < a->min) {
        a->min = b->min;
    }
    if (b->max > a->max) {
        a->max = b->max;
    }
}

double hd_welford_var(const struct hd_welford *w)
{
    if (w->n < 2) {
        return 0.0;
    }
    double v = w->m2 / (double)(w->n - 1);
    return v > 0.0 ? v : 0.0;
}

double hd_welford_sd(const struct hd_welford *w)
{
    return sqrt(hd_welford_var(w));
}

/* -------------------------------------------------- confidence intervals */

/*
 * t(0.975, df) for df = 1..30, computed from the closed-form Student t CDF
 * for integer df (Abramowitz & Stegun 26.7.3-4) by bisection; they agree
 * with the NIST/SEMATECH e-Handbook table (1.3.6.7.2) to its 3 decimals.
 */
static const double t975_table[30] = {
    12.706204736175, 4.302652729749, 3.182446305284, 2.776445105198, 2.570581835636, 2.446911851145,
    2.364624251593,  2.306004135204, 2.262157162798, 2.228138851986, 2.200985160092, 2.178812829667,
    2.160368656463,  2.144786687918, 2.131449545560, 2.119905299221, 2.109815577833, 2.100922040241,
    2.093024054408,  2.085963447266, 2.079613844728, 2.073873067904, 2.068657610419, 2.063898561628,
    2.059538552753,  2.055529438643, 2.051830516480, 2.048407141795, 2.045229642133, 2.042272456301,
};

double hd_t975(uint64_t df)
{
    if (df == 0) {
        return NAN;
    }
    if (df <= 30) {
        return t975_table[df - 1];
    }
    /* Cornish-Fisher expansion of t in powers of 1/df around the normal
     * quantile (Abramowitz & Stegun 26.7.5); error < 3e-8 for df > 30. */
    const double z = 1.959963984540054;
    double z2 = z * z;
    double z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
    double g1 = (z3 + z) / 4.0;
    double g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    double g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    double g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    double v = 1.0 / (double)df;
    return z + v * (g1 + v * (g2 + v * (g3 + v * g4)));
}

double hd_ci95_half(const struct hd_welford *w)
{
    if (w->n < 2) {
        return 0.0;
    }
    return hd_t975(w->n - 1) * hd_welford_sd(w) / sqrt((double)w->n);
}

/* ----------------------------------------------------------- quantiles */

/* Type 7: h = (n-1)p, interpolate between x[floor h] and x[floor h + 1]. */
static int quantile_pos(size_t n, double p, size_t *i, double *frac)
{
    if (n == 0 || isnan(p)) {
        return 0;
    }
    if (p < 0.0) {
        p = 0.0;
    }
    if (p > 1.0) {
        p = 1.0;
    }
    double h = (double)(n - 1) * p;
    *i = (size_t)h;
    if (*i >= n - 1) {
        *i = n - 1;
        *frac = 0.0;
    } else {
        *frac = h - (double)*i;
    }
    return 1;
}

double hd_quantile_sorted(const double *x, size_t n, double p)
{
    size_t i;
    double f;

    if (!quantile_pos(n, p, &i, &f)) {
        return NAN;
    }
    if (f == 0.0) {
        return x[i];
    }
    return x[i] + f * (x[i + 1] - x[i]);
}

double hd_quantile_sorted_i64(const int64_t *x, size_t n, double p)
{
    size_t i;
    double f;

    if (!quantile_pos(n, p, &i, &f)) {
        return NAN;
    }
    if (f == 0.0) {
        return (double)x[i];
    }
    /* The difference is taken in double: int64 subtraction could overflow. */
    return (double)x[i] + f * ((double)x[i + 1] - (double)x[i]);
}

/* -------------------------------------------------------------- sorting */

/*
 * Both sorts map each value to a uint64 key with the same order, sort the
 * keys, and map them back; the maps are bijections, so values round-trip
 * bit for bit. Keys are moved with memcpy because a double's storage may
 * not be read through a uint64_t lvalue (strict aliasing); compilers turn
 * each 8-byte memcpy into a single load or store.
 *
 * The key sort is an LSD radix sort on 8-bit digits with one scratch array
 * of n keys. All eight digit histograms come from one pass, and a digit
 * that is the same for every key is skipped, so durations (high bytes all
 * equal) cost about four scatter passes: O(n) time, O(n) extra memory.
 * Below RADIX_MIN keys insertion sort is faster and needs no memory.
 */
#define RADIX_MIN 64
#define SIGN_BIT  (UINT64_C(1) << 63)

static inline uint64_t key_at(const unsigned char *base, size_t i)
{
    uint64_t k;
    memcpy(&k, base + 8 * i, 8);
    return k;
}

static inline void key_put(unsigned char *base, size_t i, uint64_t k)
{
    memcpy(base + 8 * i, &k, 8);
}

static void insertion_sort_keys(unsigned char *base, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t k = key_at(base, i);
        size_t j = i;
        while (j > 0 && key_at(base, j - 1) > k) {
            key_put(base, j, key_at(base, j - 1));
            j--;
        }
        key_put(base, j, k);
    }
}

static void radix_sort_keys(unsigned char *base, size_t n)
{
    size_t cnt[8][256];
    int live[8], nlive = 0;

    memset(cnt, 0, sizeof(cnt));
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key_at(base, i);
        for (int d = 0; d < 8; d++) {
            cnt[d][(k >> (8 * d)) & 0xff]++;
        }
    }
    /* Turn counts into starting offsets; a digit whose keys all fall in
     * one bucket would scatter to the same order, so it is skipped. */
    for (int d = 0; d < 8; d++) {
        size_t sum = 0;
        live[d] = 1;
        for (int b = 0; b < 256; b++) {
            size_t c = cnt[d][b];
            if (c == n) {
                live[d] = 0;
            }
            cnt[d][b] = sum;
            sum += c;
        }
        nlive += live[d];
    }
    if (nlive == 0) {
        return;
    }

    unsigned char *tmp = hd_xmalloc(n * 8);
    unsigned char *src = base, *dst = tmp;
    for (int d = 0; d < 8; d++) {
        if (!live[d]) {
            continue;
        }
        size_t *pos = cnt[d];
        for (size_t i = 0; i < n; i++) {
            uint64_t k = key_at(src, i);
            key_put(dst, pos[(k >> (8 * d)) & 0xff]++, k);
        }
        unsigned char *t = src;
        src = dst;
        dst = t;
    }
    if (src != base) {
        memcpy(base, src, n * 8);
    }
    free(tmp);
}

static void sort_keys(unsigned char *base, size_t n)
{
    if (n < RADIX_MIN) {
        insertion_sort_keys(base, n);
    } else {
        radix_sort_keys(base, n);
    }
}

/* IEEE 754 order as unsigned: flip every bit of a negative, only the sign
 * bit of the rest. -0.0 sorts just before +0.0; NaN is not allowed. */
void hd_sort_doubles(double *x, size_t n)
{
    _Static_assert(sizeof(double) == 8, "IEEE 754 binary64 double expected");
    unsigned char *base = (unsigned char *)x;

    for (size_t i = 0; i < n; i++) {
        uint64_t u = key_at(base, i);
        key_put(base, i, (u & SIGN_BIT) ? ~u : u ^ SIGN_BIT);
    }
    sort_keys(base, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key_at(base, i);
        key_put(base, i, (k & SIGN_BIT) ? k ^ SIGN_BIT : ~k);
    }
}

/* Two's complement order as unsigned: flip the sign bit. */
void hd_sort_i64(int64_t *x, size_t n)
{
    unsigned char *base = (unsigned char *)x;

    for (size_t i = 0; i < n; i++) {
        key_put(base, i, key_at(base, i) ^ SIGN_BIT);
    }
    sort_keys(base, n);
    for (size_t i = 0; i < n; i++) {
        key_put(base, i, key_at(base, i) ^ SIGN_BIT);
    }
}

/* ----------------------------------------------------------- histograms */

void hd_hist_init(struct hd_hist *h, double lo, double hi, size_t nbins)
{
    assert(nbins >= 1 && hi > lo);
    h->lo = lo;
    h->hi = hi;
    h->nbins = nbins;
    h->bins = hd_xcalloc(nbins, sizeof(*h->bins));
    h->under = 0;
    h->over = 0;
}

void hd_hist_release(struct hd_hist *h)
{
    free(h->bins);
    h->bins = NULL;
    h->nbins = 0;
    h->under = 0;
    h->over = 0;
}

void hd_hist_add(struct hd_hist *h, double x)
{
    if (x < h->lo) {
        h->under++;
        return;
    }
    if (!(x < h->hi)) { /* also NaN: it belongs to no bin */
        h->over++;
        return;
    }
    size_t i = (size_t)((x - h->lo) / (h->hi - h->lo) * (double)h->nbins);
    if (i >= h->nbins) { /* x just below hi can round up to nbins */
        i = h->nbins - 1;
    }
    h->bins[i]++;
}
