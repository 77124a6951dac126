/*
 * Distributions and weekly schedules: the pieces of a scenario that turn
 * into numbers during a run (a service time, the agents on duty, the next
 * time an approver can be reached). Parsing lives in scenario.c.
 */
#include "simulator/sim_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/rng.h"
#include "core/time.h"

#define MIN_PER_WEEK (7 * 24 * 60)

/*
 * Exponential draws by the ziggurat method (Marsaglia & Tsang 2000): about
 * 99% of draws take one table lookup and one multiply, without the log()
 * that inversion needs. The exponential is the simulator's hottest
 * distribution (every Poisson arrival, most service times).
 */
uint32_t sim_zig_k[256];
double sim_zig_w[256];
static double zig_f[256];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void)
{
    const double m = 4294967296.0;
    double de = 7.697117470131487, te = de, ve = 3.949659822581572e-3;
    double q = ve / exp(-de);

    sim_zig_k[0] = (uint32_t)((de / q) * m);
    sim_zig_k[1] = 0;
    sim_zig_w[0] = q / m;
    sim_zig_w[255] = de / m;
    zig_f[0] = 1.0;
    zig_f[255] = exp(-de);
    for (int i = 254; i >= 1; i--) {
        de = -log(ve / de + exp(-de));
        sim_zig_k[i + 1] = (uint32_t)((de / te) * m);
        te = de;
        zig_f[i] = exp(-de);
        sim_zig_w[i] = de / m;
    }
}

void sim_exp_init(void)
{
    pthread_once(&zig_once, zig_init);
}

/* The rest of a draw whose first word `u` missed the fast test: the tail,
 * the wedge, or a fresh try; together with the inline fast path in run.c
 * exactly the draw sim_exp1 makes. */
double sim_exp1_rest(struct hd_rng *r, uint64_t u)
{
    for (;;) {
        uint32_t iz = (uint32_t)(u & 255), jz = (uint32_t)(u >> 32);
        double x;

        if (jz < sim_zig_k[iz]) {
            return jz * sim_zig_w[iz];
        }
        if (iz == 0) {
            return 7.697117470131487 - log1p(-hd_rng_uniform(r));
        }
        x = jz * sim_zig_w[iz];
        if (zig_f[iz] + hd_rng_uniform(r) * (zig_f[iz - 1] - zig_f[iz]) < exp(-x)) {
            return x;
        }
        u = hd_rng_u64(r);
    }
}

double sim_exp1(struct hd_rng *r)
{
    return sim_exp1_rest(r, hd_rng_u64(r));
}

int64_t sim_dist_draw(const struct sim_dist *d, struct hd_rng *r)
{
    double x;

    switch (d->kind) {
    case SIM_DIST_FIXED:
        x = d->mean_ms;
        break;
    case SIM_DIST_EXP:
        x = d->mean_ms * sim_exp1(r);
        break;
    case SIM_DIST_LOGNORMAL:
        x = hd_rng_lognormal(r, d->mu, d->sigma);
        break;
    case SIM_DIST_EMPIRICAL:
        x = hd_rng_empirical(r, d->values, d->nvalues, d->interpolate);
        break;
    case SIM_DIST_UNIFORM:
        x = d->lo_ms + (d->hi_ms - d->lo_ms) * hd_rng_uniform(r);
        break;
    default:
        x = 0;
        break;
    }
    return sim_ms_round(x);
}

int64_t sim_dist_at(const struct sim_dist *d, double z)
{
    double u = 0.5 * erfc(-z / sqrt(2.0)), x;

    switch (d->kind) {
    case SIM_DIST_FIXED:
        x = d->mean_ms;
        break;
    case SIM_DIST_EXP:
        x = -d->mean_ms * log1p(-u);
        break;
    case SIM_DIST_LOGNORMAL:
        x = exp(d->mu + d->sigma * z);
        break;
    case SIM_DIST_EMPIRICAL:
        if (!d->interpolate || d->nvalues == 1) {
            size_t i = (size_t)(u * (double)d->nvalues);
            x = d->values[i < d->nvalues ? i : d->nvalues - 1];
        } else {
            /* As hd_rng_empirical: the piecewise-linear CDF through the values. */
            double h = u * (double)(d->nvalues - 1);
            size_t i = (size_t)h;
            x = i >= d->nvalues - 1
                    ? d->values[d->nvalues - 1]
                    : d->values[i] + (h - (double)i) * (d->values[i + 1] - d->values[i]);
        }
        break;
    case SIM_DIST_UNIFORM:
        x = d->lo_ms + (d->hi_ms - d->lo_ms) * u;
        break;
    default:
        x = 0;
        break;
    }
    return sim_ms_round(x);
}

void sim_dist_release(struct sim_dist *d)
{
    free(d->values);
    d->values = NULL;
    d->nvalues = 0;
}

void sim_week_release(struct sim_week *w)
{
    free(w->at_min);
    free(w->value);
    w->at_min = NULL;
    w->value = NULL;
    w->n = 0;
}

/* Local time of relative instant t, as ms of a civil time encoded as UTC. */
static int64_t local_ms(const struct sim_scenario *sc, int64_t t_ms, int64_t *off)
{
    int64_t abs_ms = sc->start_ms + t_ms;
    *off = sc->tz ? hd_tz_offset_ms(sc->tz, abs_ms) : 0;
    return abs_ms + *off;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t sim_minute_of_week(const struct sim_scenario *sc, int64_t t_ms)
{
    int64_t off, loc = local_ms(sc, t_ms, &off);
    int64_t days = floor_div(loc, HD_MS_PER_DAY);
    int64_t in_day = loc - days * HD_MS_PER_DAY;
    /* 1970-01-01 was a Thursday: Monday-based weekday 3. */
    int64_t dow = ((days + 3) % 7 + 7) % 7;
    return (int32_t)(dow * 1440 + in_day / HD_MS_PER_MIN);
}

static size_t week_step(const struct sim_week *w, int32_t mow)
{
    size_t lo = 0, hi = w->n;
    /* Largest i with at_min[i] <= mow; at_min[0] == 0. */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (w->at_min[mid] <= mow) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int32_t sim_week_at(const struct sim_scenario *sc, const struct sim_week *w, int64_t t_ms)
{
    if (w->n == 1) {
        return w->value[0];
    }
    return w->value[week_step(w, sim_minute_of_week(sc, t_ms))];
}

int64_t sim_week_next(const struct sim_scenario *sc, const struct sim_week *w, int64_t t_ms)
{
    int64_t off, loc, next;
    int32_t mow, nmin;
    size_t i;

    if (w->n <= 1) {
        return INT64_MAX;
    }
    mow = sim_minute_of_week(sc, t_ms);
    i = week_step(w, mow);
    nmin = i + 1 < w->n ? w->at_min[i + 1] : MIN_PER_WEEK;
    loc = local_ms(sc, t_ms, &off);
    /* Start of the current local minute, then forward to the next step. */
    loc -= ((loc % HD_MS_PER_MIN) + HD_MS_PER_MIN) % HD_MS_PER_MIN;
    next = loc + (int64_t)(nmin - mow) * HD_MS_PER_MIN - off - sc->start_ms;
    if (next <= t_ms) {
        /* An offset change moved the wall clock back: try again a minute on. */
        next = t_ms + HD_MS_PER_MIN;
    }
    return next;
}

int64_t sim_week_next_open(const struct sim_scenario *sc, const struct sim_week *w, int64_t t_ms)
{
    int64_t t = t_ms;

    if (w->max <= 0) {
        return INT64_MAX;
    }
    /* At most one lap of the week's steps (plus DST slack). */
    for (size_t k = 0; k < 2 * w->n + 4; k++) {
        if (sim_week_at(sc, w, t) > 0) {
            return t;
        }
        t = sim_week_next(sc, w, t);
        if (t == INT64_MAX) {
            break;
        }
    }
    return INT64_MAX;
}
