/*
 * One replication of one policy: the event loop of the service-desk model
 * (arrivals, routing, queues, agents on shifts, misroutes and bounces,
 * security detection, authorisation and containment) and the KPIs it
 * measures. Threads, confidence intervals and output live in experiment.c
 * and output.c. The loop itself never allocates once the pools, the heap
 * and the scratch arrays have reached their high-water marks.
 */
#include "simulator/sim_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/policy.h"
#include "core/rng.h"
#include "core/stats.h"
#include "core/time.h"

/* Random stream purposes: one stream per (replication, purpose). */
enum { STREAM_ARRIVALS = 1, STREAM_TICKETS = 2 };

/* Per-ticket draws, keyed by the ticket's key: the same ticket gets the same
 * numbers under every policy (common random numbers). */
enum {
    KEY_SERVICE = 1,
    KEY_RECOGNISE,
    KEY_LATE,
    KEY_CONTAIN,
    KEY_REDISPATCH,
    KEY_AUTH,
    KEY_ROUTE = 200, /* past KEY_AUTH's per-approver purposes */
    KEY_REPLAY,
    KEY_HOLD_FACTOR,
};

enum ev_kind {
    EV_NONE = 0,    /* the sentinel that ends the calendar */
    EV_ARRIVAL = 1, /* a = replay ticket, b = copy (trace replay) */
    EV_END,         /* a = ticket, b = agent */
    EV_SHIFT,       /* a = team */
    EV_TIMER,       /* a = ticket, b = timer, gen = stay stamp or ticket id */
    EV_LATE,        /* a = ticket, gen = ticket id */
    EV_CONTAIN,     /* a = ticket, gen = ticket id */
    EV_SAMPLE,      /* a = sample index */
    EV_SPIKE_START,
    EV_SPIKE_END,
};

#define QBUCKETS 16384 /* buckets of order_stats' histogram (64 KiB) */

/* One ticket's truth line for the --emit-log truth file. */
struct sim_truth {
    uint32_t id;
    uint16_t type;
    uint16_t reassignments, bounces;
    uint8_t is_sec, severity, reached_sec;
};

struct team_st {
    int32_t staff, busy;
    uint32_t qhead[SIM_NPRIO], qtail[SIM_NPRIO];
    uint32_t qlen;
    uint16_t *free_agents; /* stack of idle agent ids */
    uint32_t nfree;
    /* The time integrals of qlen, busy and staff over the window, in ms
     * units, kept as sum_i -dx_i * clip(t_i) over the changes dx_i at
     * times t_i (team_q_add, team_busy_add, team_staff_set), to which
     * x * clip(end) is added at the end (team_area): a sum by parts, with
     * nothing to do when time passes without a change. The integer sums are
     * exact (modulo 2^64, and the final integral fits), so the integrals
     * are the same as summing dt * x per interval in doubles, which was
     * exact below 2^53. */
    uint64_t acc_q, acc_busy, acc_staff;
    uint64_t enq_n;  /* queue entries within the window */
    uint64_t left_n; /* of those, left the queue */
    /* Sums of whole milliseconds, exact as integers (up to 9.2e18 ms); the
     * doubles they replaced were exact only below 2^53. */
    int64_t wait_sum_ms;
    uint64_t waited_n, answered_n;
    int64_t hold_sum_ms;
    uint64_t hold_n;
    int64_t wprio_sum[SIM_NPRIO];
    uint64_t wprio_n[SIM_NPRIO];
    uint32_t peak_q;
    uint32_t base_q;
    int watching;
    int64_t drain_ms;
};

struct sim_run {
    const struct sim_scenario *sc;
    int64_t warmup_ms, horizon_ms; /* the scenario's, at hand for the hot paths */
    uint64_t window_ms;            /* horizon_ms - warmup_ms */
    const struct sim_policy *pol;
    struct hd_policy_state *pstate;
    const struct hd_policy *pstate_for;
    struct sim_cal cal;
    /* The next arrival, kept beside the heap rather than in it (a push and
     * a pop less per ticket); it takes its insertion number from `cal`, so
     * events come out in the same order. */
    struct sim_event next_arrival;
    int have_arrival;
    struct sim_pool tickets;
    struct team_st *teams;
    struct hd_rng arr_rng, tk_rng;
    int64_t now;
    int64_t now_clip; /* clip_window(now), for the teams' integrals */
    uint32_t gen;
    uint32_t next_id;

    /* arrivals: a piecewise-constant rate, stepped through by inversion */
    double arr_t;    /* last arrival, ms (kept as a double: no rounding drift) */
    double seg_end;  /* the current segment ends here */
    double seg_rate; /* total rate in the segment, per ms */
    double *cum;     /* per type, cumulative rate in the segment */

    /* Per type, a new ticket as it starts out: the fixed fields set, and
     * the attributes whose choice has one value or none already in place
     * (choose() takes no draw for those). tmpl_draw says whether any of
     * the attributes before the keywords needs a draw. */
    struct sim_ticket *tmpl;
    unsigned char *tmpl_draw;
    uint32_t staged; /* pool index of the next arrival's ticket, drawn ahead (stage_next) */
    int want_e1;     /* some service time is exponential: tickets keep e1 */

    /* the first spike, for time-to-drain */
    uint32_t tot_q, tot_peak, tot_base;
    int tot_watching;
    int64_t tot_drain_ms;
    int64_t spike_end_ms;

    /* ticket-level tallies over tickets that arrived in the window */
    uint64_t n_tickets, n_incidents, n_escalated, n_esc_true;
    uint64_t n_misroutes, n_bounces, n_handoffs, n_reached_sec;
    uint64_t sla_resp_n, sla_resp_ok, sla_res_n, sla_res_ok;
    uint64_t uncontained;
    int64_t resolve_sum_ms; /* exact, as the teams' sums */
    uint64_t resolve_n;
    double tte_sum_ms, detect_sum_ms, auth_sum_ms;
    uint64_t tte_n, detect_n, auth_n;
    double impact_sum;
    double *ttc_min; /* containment times of this run, minutes */
    size_t ttc_n, ttc_alloc;
    struct sim_ttc *incidents; /* the same times by ticket, for containment.csv */
    size_t inc_alloc;
    /* Times to resolve of this run in ms, 4 bytes each (half the memory a
     * run of a million tickets touches); UINT32_MAX stands for a time of
     * that or more, kept in res_big. */
    uint32_t *res_ms;
    size_t res_n, res_alloc;
    uint32_t res_max; /* largest below UINT32_MAX */
    int64_t *res_big;
    size_t res_big_n, res_big_alloc;
    /* From QBUCKETS times to resolve on, their histogram by value >> qshift
     * (UINT32_MAX stand-ins counted in qover), kept as they come, so that
     * order_stats need not read them all once more to build it. */
    uint32_t *qhist;
    int qon, qshift;
    size_t qover;
    uint32_t *qscratch; /* the values order_stats selects from */
    size_t qscratch_alloc;

    int64_t *series; /* caller's accumulator, or NULL */
    size_t nsamples;

    FILE *log, *truth;
    struct sim_truth *truths; /* --emit-log: finished tickets */
    size_t ntruth, truth_alloc;
    char title[SIM_MAX_KEYWORDS * 48];
    char requester[16], asset[16];
    struct hd_err *err;
};

/* ---- helpers --------------------------------------------------------- */

/* sim_pool_at with the item size known here: a shift and an add, not a multiply by a load. */
static inline struct sim_ticket *tk_at(struct sim_run *restrict run, uint32_t i)
{
    return (struct sim_ticket *)(void *)run->tickets.items + i;
}

static inline uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/*
 * xoshiro256** exactly as core/rng.c's hd_rng_u64 (the same words), inlined
 * here because the event loop draws a few words per ticket and a call
 * across files costs about as much as the step itself.
 */
static inline uint64_t xoshiro_out(uint64_t s1)
{
    uint64_t result = s1 * 5;
    return ((result << 7) | (result >> 57)) * 9;
}

static inline uint64_t rng_u64(struct hd_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = xoshiro_out(s[1]);
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* As hd_rng_uniform and hd_rng_discrete (the same draws), inline. */
static inline double rng_uniform(struct hd_rng *r)
{
    return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

static inline size_t rng_discrete(struct hd_rng *r, const double *cum, size_t n)
{
    double target = rng_uniform(r) * cum[n - 1];
    size_t lo = 0, hi = n - 1;

    if (n <= 16) {
        /* The first i with target < cum[i] is the number of cum[i] <= target
         * (cum never decreases): a count takes no branch on the draw, where
         * a binary search's steps are coin tosses. The same index. */
        for (size_t i = 0; i + 1 < n; i++) {
            lo += cum[i] <= target;
        }
        return lo;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (target < cum[mid]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* The ziggurat's fast path for the word u (about 99% of draws): 1 and *e,
 * or 0 when sim_exp1_rest must finish the draw. */
static inline int zig_fast(uint64_t u, double *e)
{
    uint32_t iz = (uint32_t)(u & 255), jz = (uint32_t)(u >> 32);

    if (jz < sim_zig_k[iz]) {
        *e = jz * sim_zig_w[iz];
        return 1;
    }
    return 0;
}

/* sim_exp1 with its fast path inline; the same draws. */
static inline double exp1(struct hd_rng *r)
{
    uint64_t u = rng_u64(r);
    double e;

    return zig_fast(u, &e) ? e : sim_exp1_rest(r, u);
}

/* sim_dist_draw with the exponential inline; the same draws. */
static inline int64_t dist_draw(const struct sim_dist *d, struct hd_rng *r)
{
    if (d->kind == SIM_DIST_EXP) {
        return sim_ms_round(d->mean_ms * exp1(r));
    }
    return sim_dist_draw(d, r);
}

/* A generator for one ticket, purpose and visit. */
static inline uint64_t key_seed(uint64_t key, uint32_t purpose, uint32_t visit)
{
    return key ^ ((uint64_t)purpose << 56) ^ ((uint64_t)visit * 0xD1B54A32D192ED03ull);
}

static inline void key_rng(struct hd_rng *r, uint64_t key, uint32_t purpose, uint32_t visit)
{
    uint64_t x = key_seed(key, purpose, visit);
    /* Four independent splitmix words: fewer (or derived words) correlate
     * xoshiro's second output with its first. The validation tests catch it. */
    r->s[0] = splitmix64(&x);
    r->s[1] = splitmix64(&x);
    r->s[2] = splitmix64(&x);
    r->s[3] = splitmix64(&x);
}

/* xoshiro's first output for key_rng(key, purpose, visit): s[1] is the second splitmix word. */
static inline uint64_t key_word(uint64_t key, uint32_t purpose, uint32_t visit)
{
    uint64_t x = key_seed(key, purpose, visit);
    (void)splitmix64(&x); /* s[0], unread by the first output */
    return xoshiro_out(splitmix64(&x));
}

/*
 * dist_draw(d, r) for r = key_rng(key, purpose, visit), without seeding all
 * of r when it is not needed: xoshiro's first output reads only s[1], the
 * second splitmix word, and an exponential drawn by the ziggurat's fast path
 * (about 99% of draws) uses that one output alone. Anything else seeds the
 * whole generator and draws as before, so the numbers are the same.
 */
static inline int64_t key_draw(const struct sim_dist *d, uint64_t key, uint32_t purpose,
                               uint32_t visit)
{
    struct hd_rng r;

    if (d->kind == SIM_DIST_EXP) {
        double e;
        if (zig_fast(key_word(key, purpose, visit), &e)) {
            return sim_ms_round(d->mean_ms * e);
        }
    }
    key_rng(&r, key, purpose, visit);
    return dist_draw(d, &r);
}

/*
 * key_draw(d, tk->key, KEY_SERVICE, tk->visits): the first visit's
 * exponential variate was worked out with the key (tk->e1), ahead of time,
 * so the holding time of a ticket taken at once no longer waits on the
 * hash chain from its key.
 */
static inline int64_t service_draw(const struct sim_dist *d, const struct sim_ticket *tk)
{
    if (tk->visits == 1 && d->kind == SIM_DIST_EXP && tk->e1 >= 0) {
        return sim_ms_round(d->mean_ms * tk->e1);
    }
    return key_draw(d, tk->key, KEY_SERVICE, tk->visits);
}

/* The requester and asset numbers of a ticket of type `ty`, from its key.
 * Derived when first needed (a policy that reads them, or the emitted log),
 * so runs that never look at them do not pay; every policy gets the same. */
static void ticket_people(struct sim_ticket *tk, const struct sim_type *ty)
{
    uint64_t x = tk->key;
    tk->requester_no = 1 + (uint32_t)(splitmix64(&x) % ty->requesters);
    tk->asset_no = 1 + (uint32_t)(splitmix64(&x) % ty->assets);
}

/*
 * Grow `*arr` (of `*alloc` elements of `elsize` bytes) to hold `need`: a
 * first block as asked (at least 1,024 elements), then by doubling, as
 * HD_GROW does; from 2 MiB on the array is a whole number of
 * 2 MiB huge pages, aligned and advised to take transparent huge pages, and
 * below that the new block is mapped in by sim_prefault() before the old
 * contents are copied into it (sim_xrealloc_prefault). A 4 KiB page
 * fault costs about 10 us on the virtual machines we measure on, and the
 * million times to resolve of a long run spent a tenth of the run faulting
 * pages in. Nothing depends on the hints being taken.
 */
#define HUGE_BYTES ((size_t)2 << 20)

static void grow_big(void **arr, size_t *alloc, size_t need, size_t elsize)
{
    size_t n = *alloc ? *alloc : (need > 1024 ? need : 1024), bytes; /* first: as asked */
    void *p = NULL;

    if (need <= *alloc) {
        return;
    }
    while (n < need) {
        if (n > SIZE_MAX / 4 / elsize) {
            hd_xgrow(arr, alloc, need, elsize); /* reports the overflow */
            return;
        }
        n *= 2;
    }
    bytes = n * elsize;
    if (bytes >= 2 * HUGE_BYTES) {
        /* Whole huge pages (doubling from 1024 elements of a power-of-two
         * size already gives a multiple of 2 MiB; this is for other sizes). */
        bytes = (bytes + HUGE_BYTES - 1) / HUGE_BYTES * HUGE_BYTES;
        n = bytes / elsize;
        p = hd_xmalloc_huge(bytes);
        if (*alloc) {
            memcpy(p, *arr, *alloc * elsize);
        }
        free(*arr);
    }
    if (!p) {
        p = sim_xrealloc_prefault(*arr, *alloc * elsize, n * elsize);
    }
    *arr = p;
    *alloc = n;
}

/*
 * About how many tickets a replication resolves in its window, with room to
 * spare: the mean hourly rate over the window plus each spike's extra at the
 * busiest hour (or the replayed tickets, amplified), times 1.25, plus five
 * Poisson standard deviations. Only a size to reserve up front: a run with
 * more simply grows the array, as before.
 */
static size_t expected_tickets(const struct sim_scenario *sc)
{
    double win_h = (double)(sc->horizon_ms - sc->warmup_ms) / (double)HD_MS_PER_H;
    double mean = 0, max = 0, e;

    if (sc->nreplay) {
        e = (double)sc->nreplay * (sc->amplify > 0 ? sc->amplify : 1);
    } else {
        for (int h = 0; h < 168; h++) {
            mean += sc->how_rate[h] / 168;
            max = sc->how_rate[h] > max ? sc->how_rate[h] : max;
        }
        e = mean * win_h;
        for (size_t s = 0; s < sc->nspikes; s++) {
            const struct sim_spike *sp = &sc->spikes[s];
            int64_t a = sp->start_ms > sc->warmup_ms ? sp->start_ms : sc->warmup_ms;
            int64_t b = sp->end_ms < sc->horizon_ms ? sp->end_ms : sc->horizon_ms;
            if (b > a && sp->mult > 1) {
                e += (sp->mult - 1) * max * (double)(b - a) / (double)HD_MS_PER_H;
            }
        }
    }
    e = 1.25 * e + 5 * sqrt(e) + 1024;
    return e < (double)((size_t)1 << 28) ? (size_t)e : (size_t)1 << 28;
}

static inline int in_window(const struct sim_run *restrict run, int64_t t)
{
    /* warm-up <= t < horizon in one comparison (times are never negative) */
    return (uint64_t)(t - run->warmup_ms) < run->window_ms;
}

/* `t` clipped to the window [warm-up, horizon]. */
static inline int64_t clip_window(const struct sim_run *restrict run, int64_t t)
{
    t = t < run->horizon_ms ? t : run->horizon_ms;
    return t > run->warmup_ms ? t : run->warmup_ms;
}

/* Change the team's queue length or busy agents by `d` now (see team_st). */
static inline void team_q_add(struct sim_run *restrict run, struct team_st *ts, int d)
{
    ts->qlen += (uint32_t)d;
    ts->acc_q -= (uint64_t)(int64_t)d * (uint64_t)run->now_clip;
}

static inline void team_busy_add(struct sim_run *restrict run, struct team_st *ts, int d)
{
    ts->busy += d;
    ts->acc_busy -= (uint64_t)(int64_t)d * (uint64_t)run->now_clip;
}

static void team_staff_set(struct sim_run *restrict run, struct team_st *ts, int32_t staff)
{
    ts->acc_staff -= (uint64_t)((int64_t)staff - ts->staff) * (uint64_t)run->now_clip;
    ts->staff = staff;
}

/* The integral of x over the window, given its sum by parts and its value at the end. */
static double team_area(const struct sim_run *restrict run, uint64_t acc, int64_t x)
{
    return (double)(acc + (uint64_t)x * (uint64_t)run->horizon_ms);
}

/* A draw from `c`; one with a single value or none takes no draw (r unused). */
static inline uint32_t choose(struct hd_rng *r, const struct sim_choice *c)
{
    if (c->n == 0) {
        return 0;
    }
    if (c->n == 1) {
        return c->ids[0];
    }
    return c->ids[rng_discrete(r, c->cum, c->n)];
}

/* What choose() gives without a draw: the value of a choice of one, 0 for
 * none; a choice of more is drawn per ticket (0 until then). */
static uint32_t fixed_choice(const struct sim_choice *c)
{
    return c->n == 1 ? c->ids[0] : 0;
}

/* ---- arrivals -------------------------------------------------------- */

static void arrival_segment(struct sim_run *restrict run, double t)
{
    const struct sim_scenario *sc = run->sc;
    int64_t ti = (int64_t)t;
    double base = sc->how_rate[sim_minute_of_week(sc, ti) / 60] / (double)HD_MS_PER_H;
    double end = (double)sc->horizon_ms, sum = 0;

    if (!sc->how_const) {
        int64_t abs_ms = sc->start_ms + ti;
        int64_t off = hd_tz_offset_ms(sc->tz, abs_ms);
        int64_t loc = abs_ms + off;
        int64_t next = loc - (((loc % HD_MS_PER_H) + HD_MS_PER_H) % HD_MS_PER_H) + HD_MS_PER_H -
                       off - sc->start_ms;
        if (next <= ti) {
            next = ti + HD_MS_PER_MIN;
        }
        if ((double)next < end) {
            end = (double)next;
        }
    }
    for (size_t s = 0; s < sc->nspikes; s++) {
        const struct sim_spike *sp = &sc->spikes[s];
        if ((double)sp->start_ms > t && (double)sp->start_ms < end) {
            end = (double)sp->start_ms;
        } else if ((double)sp->start_ms <= t && (double)sp->end_ms > t &&
                   (double)sp->end_ms < end) {
            end = (double)sp->end_ms;
        }
    }
    for (size_t k = 0; k < sc->ntypes; k++) {
        double r = base * sc->types[k].share / sc->share_total;
        double extra = 0;
        for (size_t s = 0; s < sc->nspikes; s++) {
            const struct sim_spike *sp = &sc->spikes[s];
            if ((double)sp->start_ms > t || (double)sp->end_ms <= t) {
                continue;
            }
            if (sp->mix) {
                extra += (sp->mult - 1) * base * sp->mix[k];
            } else if (!sp->types || sp->types[k]) {
                r *= sp->mult;
            }
        }
        sum += r + extra;
        run->cum[k] = sum;
    }
    run->seg_rate = sum;
    run->seg_end = end;
}

/* The next arrival time after run->arr_t, or a negative value when none
 * falls before the horizon. Exact for a piecewise-constant rate: one
 * exponential of unit rate is spent across segments. */
static double next_arrival(struct sim_run *restrict run)
{
    double e = exp1(&run->arr_rng);
    double t = run->arr_t;
    double horizon = (double)run->sc->horizon_ms;

    for (;;) {
        if (t >= horizon) {
            return -1;
        }
        if (run->seg_rate > 0) {
            double dt = e / run->seg_rate;
            if (t + dt < run->seg_end) {
                run->arr_t = t + dt;
                return run->arr_t;
            }
            e -= (run->seg_end - t) * run->seg_rate;
        }
        t = run->seg_end;
        if (t >= horizon) {
            return -1;
        }
        arrival_segment(run, t);
    }
}

static void schedule_arrival(struct sim_run *restrict run)
{
    double t = next_arrival(run);
    if (t >= 0) {
        int64_t ti = (int64_t)(t + 0.5);
        if (ti >= run->sc->horizon_ms) {
            return;
        }
        run->next_arrival =
            (struct sim_event){.t_ms = ti, .seq = sim_cal_take_seq(&run->cal), .kind = EV_ARRIVAL};
        run->have_arrival = 1;
    }
}

/*
 * Trace replay: every historical arrival, amplified by thinning and
 * duplicating from the arrivals stream. With amplify a, a ticket arrives
 * floor(a) times, plus once more with probability a - floor(a); the first
 * copy keeps the historical instant, further copies are moved by a uniform
 * offset within +-30 minutes (kept inside [0, horizon)). With a = 1 the
 * instants are the historical ones exactly.
 */
static void schedule_replay(struct sim_run *restrict run)
{
    const struct sim_scenario *sc = run->sc;
    double a = sc->amplify > 0 ? sc->amplify : 1;
    double whole = floor(a), frac = a - whole;

    for (size_t i = 0; i < sc->nreplay; i++) {
        uint32_t n = (uint32_t)whole;
        if (frac > 0 && rng_uniform(&run->arr_rng) < frac) {
            n++;
        }
        for (uint32_t k = 0; k < n; k++) {
            int64_t t = sc->replay[i].t_ms;
            if (k > 0) {
                t += (int64_t)((rng_uniform(&run->arr_rng) - 0.5) * (double)HD_MS_PER_H);
                t = t < 0 ? 0 : t;
                t = t >= sc->horizon_ms ? sc->horizon_ms - 1 : t;
            }
            sim_cal_push(&run->cal, t, EV_ARRIVAL, (uint32_t)i, k, 0);
        }
    }
}

/* ---- the generic event log (--emit-log) ------------------------------ */

/*
 * The log is written as the events happen, so the file is in time order and
 * the events of one ticket at one instant are in causal order (ingest keeps
 * ties in file order). Times carry milliseconds; every row states the client,
 * which is part of a ticket's identity. Nothing is written unless a log was
 * asked for. Truth rows are kept until the end and written by ticket id.
 */

static const char emit_header[] =
    "ticket,time,kind,group,agent,state,priority,category,subcategory,title,client,requester,"
    "requester_tier,asset,asset_class,channel,note,target\n";

/* One CSV field, quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!s || !*s) {
        return;
    }
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

static void emit_time(struct sim_run *restrict run, FILE *f)
{
    struct hd_civil c;
    hd_civil_from_ms(run->sc->start_ms + run->now, 0, &c);
    fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day, c.hour, c.min, c.sec,
            c.ms);
}

/* A row of `kind` for `tk` now; `attrs` adds the ticket's attributes (the opened row). */
static void emit_row(struct sim_run *restrict run, const struct sim_ticket *tk, const char *kind,
                     const char *group, const char *agent, const char *state, const char *note,
                     const char *target, int attrs)
{
    const struct sim_scenario *sc = run->sc;
    FILE *f = run->log;

    fprintf(f, "SIM-%06u,", tk->id);
    emit_time(run, f);
    fprintf(f, ",%s,", kind);
    csv_field(f, group);
    fputc(',', f);
    csv_field(f, agent);
    fputc(',', f);
    csv_field(f, state);
    fputc(',', f);
    if (attrs) {
        char title[sizeof(run->title)];
        size_t n = 0;
        fprintf(f, "P%d,", tk->priority);
        csv_field(f, hd_intern_str(sc->strs, tk->cat));
        fputc(',', f);
        csv_field(f, hd_intern_str(sc->strs, tk->subcat));
        fputc(',', f);
        for (size_t k = 0; k < sc->nkw; k++) {
            if (tk->kwmask & (1ull << k)) {
                const char *w = hd_intern_str(sc->strs, sc->kw_ids[k]);
                size_t len = strlen(w);
                if (n + len + 3 > sizeof(title)) {
                    break;
                }
                if (n) {
                    title[n++] = ',';
                    title[n++] = ' ';
                }
                memcpy(title + n, w, len);
                n += len;
            }
        }
        title[n] = '\0';
        csv_field(f, title);
        fputc(',', f);
        csv_field(f, hd_intern_str(sc->strs, tk->client));
        fprintf(f, ",u%u,", tk->requester_no);
        csv_field(f, hd_intern_str(sc->strs, tk->tier));
        fprintf(f, ",a%u,", tk->asset_no);
        csv_field(f, hd_intern_str(sc->strs, tk->asset));
        fputc(',', f);
        csv_field(f, hd_intern_str(sc->strs, tk->channel));
        fputc(',', f);
    } else {
        fputs(",,,,", f);
        csv_field(f, hd_intern_str(sc->strs, tk->client));
        fputs(",,,,,,", f);
    }
    csv_field(f, note);
    fputc(',', f);
    csv_field(f, target);
    fputc('\n', f);
}

static void emit_begin(struct sim_run *restrict run)
{
    run->ntruth = 0;
    if (run->log) {
        fputs(emit_header, run->log);
    }
}

static void emit_opened(struct sim_run *restrict run, const struct sim_ticket *tk, const char *rule)
{
    char note[160];

    if (!run->log) {
        return;
    }
    emit_row(run, tk, "opened", NULL, NULL, NULL, NULL, NULL, 1);
    snprintf(note, sizeof(note), "routed by rule %s", rule ? rule : "(none)");
    emit_row(run, tk, "note", NULL, NULL, NULL, note, NULL, 0);
}

/* The ticket enters tk->team's queue (a stated group drops the agent). */
static void emit_assigned(struct sim_run *restrict run, struct sim_ticket *tk)
{
    const struct sim_scenario *sc = run->sc;

    if (!run->log) {
        return;
    }
    if (tk->flags & SIM_TF_LOG_DONE) {
        /* Found late after the user saw it resolved. */
        tk->flags &= (uint8_t) ~(SIM_TF_LOG_DONE | SIM_TF_LOG_WORKING);
        emit_row(run, tk, "state", NULL, NULL, "reopened", NULL, NULL, 0);
    }
    if (sc->teams[tk->team].security && !(tk->flags & SIM_TF_LOG_SEC)) {
        tk->flags |= SIM_TF_LOG_SEC;
        emit_row(run, tk, "escalated", NULL, NULL, NULL, NULL, "security", 0);
    }
    emit_row(run, tk, "assigned", sc->teams[tk->team].name, NULL, NULL, NULL, NULL, 0);
}

/* An agent of the team takes it. */
static void emit_started(struct sim_run *restrict run, struct sim_ticket *tk)
{
    char agent[96];

    if (!run->log) {
        return;
    }
    snprintf(agent, sizeof(agent), "%s/%u", run->sc->teams[tk->team].name, tk->agent + 1u);
    emit_row(run, tk, "assigned", NULL, agent, NULL, NULL, NULL, 0);
    if (!(tk->flags & SIM_TF_LOG_WORKING)) {
        tk->flags |= SIM_TF_LOG_WORKING;
        emit_row(run, tk, "state", NULL, NULL, "in_progress", NULL, NULL, 0);
    }
}

static void emit_resolved(struct sim_run *restrict run, struct sim_ticket *tk)
{
    if (!run->log) {
        return;
    }
    tk->flags |= SIM_TF_LOG_DONE;
    emit_row(run, tk, "state", NULL, NULL, "resolved", NULL, NULL, 0);
}

static void emit_handoff(struct sim_run *restrict run, const struct sim_ticket *tk)
{
    char note[128];

    if (!run->log) {
        return;
    }
    snprintf(note, sizeof(note), "passed on to %s", run->sc->teams[tk->next_team].name);
    emit_row(run, tk, "note", NULL, NULL, NULL, note, NULL, 0);
}

static void emit_investigated(struct sim_run *restrict run, const struct sim_ticket *tk)
{
    if (!run->log) {
        return;
    }
    emit_row(run, tk, "note", NULL, NULL, NULL, "investigation done", NULL, 0);
}

static void emit_contained(struct sim_run *restrict run, struct sim_ticket *tk)
{
    if (!run->log) {
        return;
    }
    emit_row(run, tk, "note", NULL, NULL, NULL, "contained", NULL, 0);
    emit_resolved(run, tk);
}

static void emit_timer(struct sim_run *restrict run, const struct sim_ticket *tk, uint32_t timer)
{
    char note[96];

    if (!run->log) {
        return;
    }
    snprintf(note, sizeof(note), "timer %u: still waiting, moved", timer + 1);
    emit_row(run, tk, "note", NULL, NULL, NULL, note, NULL, 0);
}

/* Keep the ticket's truth, as it stands, for the truth file. */
static void emit_truth(struct sim_run *restrict run, const struct sim_ticket *tk)
{
    struct sim_truth *t;

    if (!run->truth) {
        return;
    }
    if (run->ntruth == run->truth_alloc) {
        HD_GROW(run->truths, run->truth_alloc, run->ntruth + 1);
    }
    t = &run->truths[run->ntruth++];
    t->id = tk->id;
    t->type = tk->type;
    t->is_sec = tk->is_sec;
    t->severity = tk->severity;
    t->reassignments = tk->handoffs;
    t->bounces = tk->bounces;
    t->reached_sec = (tk->flags & SIM_TF_REACHED_SEC) != 0;
}

static int truth_cmp(const void *a, const void *b)
{
    const struct sim_truth *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int emit_end(struct sim_run *restrict run)
{
    static const char *const sev[SIM_NSEV + 1] = {"", "low", "medium", "high", "critical"};
    FILE *f = run->truth;

    if (f) {
        for (uint32_t i = 0; i < run->tickets.used; i++) {
            const struct sim_ticket *tk = tk_at(run, i);
            if (tk->id != 0) {
                emit_truth(run, tk);
            }
        }
        if (run->ntruth > 1) {
            qsort(run->truths, run->ntruth, sizeof(*run->truths), truth_cmp);
        }
        fputs("ticket,type,is_security,severity,reassignments,bounces,security_escalation\n", f);
        for (size_t i = 0; i < run->ntruth; i++) {
            const struct sim_truth *t = &run->truths[i];
            fprintf(f, "SIM-%06u,", t->id);
            csv_field(f, run->sc->types[t->type].name);
            fprintf(f, ",%d,%s,%u,%u,%d\n", t->is_sec, t->is_sec ? sev[t->severity % 5] : "",
                    t->reassignments, t->bounces, t->reached_sec);
        }
        if (ferror(f)) {
            return hd_err_set(run->err, HD_EIO, "", 0, "cannot write the truth file");
        }
    }
    if (run->log && ferror(run->log)) {
        return hd_err_set(run->err, HD_EIO, "", 0, "cannot write the event log");
    }
    return HD_OK;
}

/* ---- queues ---------------------------------------------------------- */

static void q_push(struct sim_run *restrict run, struct team_st *ts, uint32_t idx)
{
    struct sim_ticket *tk = tk_at(run, idx);
    int p = tk->priority >= 1 && tk->priority <= SIM_NPRIO ? tk->priority - 1 : SIM_NPRIO - 1;
    tk->next = SIM_NIL;
    tk->prev = ts->qtail[p];
    if (ts->qtail[p] != SIM_NIL) {
        tk_at(run, ts->qtail[p])->next = idx;
    } else {
        ts->qhead[p] = idx;
    }
    ts->qtail[p] = idx;
    team_q_add(run, ts, 1);
    run->tot_q++;
}

static void drain_check(struct sim_run *restrict run, struct team_st *ts)
{
    if (ts->watching && ts->qlen <= ts->base_q) {
        ts->watching = 0;
        ts->drain_ms = run->now - run->spike_end_ms;
    }
    if (run->tot_watching && run->tot_q <= run->tot_base) {
        run->tot_watching = 0;
        run->tot_drain_ms = run->now - run->spike_end_ms;
    }
}

static void q_remove(struct sim_run *restrict run, struct team_st *ts, uint32_t idx)
{
    struct sim_ticket *tk = tk_at(run, idx);
    int p = tk->priority >= 1 && tk->priority <= SIM_NPRIO ? tk->priority - 1 : SIM_NPRIO - 1;
    if (tk->prev != SIM_NIL) {
        tk_at(run, tk->prev)->next = tk->next;
    } else {
        ts->qhead[p] = tk->next;
    }
    if (tk->next != SIM_NIL) {
        tk_at(run, tk->next)->prev = tk->prev;
    } else {
        ts->qtail[p] = tk->prev;
    }
    team_q_add(run, ts, -1);
    run->tot_q--;
    drain_check(run, ts);
}

static uint32_t q_first(const struct team_st *ts)
{
    for (int p = 0; p < SIM_NPRIO; p++) {
        if (ts->qhead[p] != SIM_NIL) {
            return ts->qhead[p];
        }
    }
    return SIM_NIL;
}

/* Record how long a ticket waited in its queue stay that just ended. */
static void record_wait(struct sim_run *restrict run, struct team_st *ts,
                        const struct sim_ticket *tk)
{
    int64_t w = run->now - tk->enq_ms;
    const struct sim_team *team = &run->sc->teams[tk->team];
    int p = tk->priority >= 1 && tk->priority <= SIM_NPRIO ? tk->priority - 1 : SIM_NPRIO - 1;

    if (!in_window(run, tk->enq_ms)) {
        return;
    }
    ts->left_n++;
    ts->wait_sum_ms += w;
    ts->waited_n += w > 0;
    ts->answered_n += w <= team->answer_ms;
    ts->wprio_sum[p] += w;
    ts->wprio_n[p]++;
}

/* Record the holding that just ended: queue entry to leaving the team. */
static void record_hold(struct sim_run *restrict run, struct team_st *ts,
                        const struct sim_ticket *tk)
{
    if (in_window(run, tk->enq_ms)) {
        ts->hold_sum_ms += run->now - tk->enq_ms;
        ts->hold_n++;
    }
}

/* ---- the ticket's life ----------------------------------------------- */

static void ticket_free(struct sim_run *restrict run, uint32_t idx)
{
    struct sim_ticket *tk = tk_at(run, idx);
    emit_truth(run, tk);
    tk->id = 0;
    sim_pool_put(&run->tickets, idx);
}

/* Double the histogram's buckets' width until `v` falls in one. */
static void hist_widen(struct sim_run *restrict run, uint32_t v)
{
    uint32_t *h = run->qhist;

    while ((v >> run->qshift) >= QBUCKETS) {
        for (size_t i = 0; i < QBUCKETS / 2; i++) {
            h[i] = h[2 * i] + h[2 * i + 1];
        }
        memset(h + QBUCKETS / 2, 0, QBUCKETS / 2 * sizeof(*h));
        run->qshift++;
    }
}

/* Start the histogram of the times to resolve from those so far: the
 * narrowest buckets that hold the largest. Short runs never get here. */
static void hist_start(struct sim_run *restrict run)
{
    if (!run->qhist) {
        run->qhist = hd_xmalloc(QBUCKETS * sizeof(*run->qhist));
    }
    memset(run->qhist, 0, QBUCKETS * sizeof(*run->qhist));
    run->qshift = 0;
    while ((run->res_max >> run->qshift) >= QBUCKETS) {
        run->qshift++;
    }
    for (size_t i = 0; i < run->res_n; i++) {
        if (run->res_ms[i] != UINT32_MAX) {
            run->qhist[run->res_ms[i] >> run->qshift]++;
        }
    }
    run->qon = 1;
}

/* The user-visible resolution: SLA and resolution time. */
static void resolved(struct sim_run *restrict run, struct sim_ticket *tk)
{
    const struct sim_scenario *sc = run->sc;
    int64_t age = run->now - tk->arrive_ms;

    if (!tk->in_window || (tk->flags & SIM_TF_RESOLVED)) {
        return;
    }
    tk->flags |= SIM_TF_RESOLVED; /* counted once */
    run->resolve_sum_ms += age;
    run->resolve_n++;
    if (run->res_n == run->res_alloc) {
        grow_big((void **)&run->res_ms, &run->res_alloc, run->res_n + 1, sizeof(*run->res_ms));
    }
    if (age < (int64_t)UINT32_MAX) {
        run->res_ms[run->res_n++] = (uint32_t)age;
        run->res_max = (uint32_t)age > run->res_max ? (uint32_t)age : run->res_max;
        if (run->qon) {
            uint32_t b = (uint32_t)age >> run->qshift;
            if (b >= QBUCKETS) {
                hist_widen(run, (uint32_t)age);
                b = (uint32_t)age >> run->qshift;
            }
            run->qhist[b]++;
        } else if (run->res_n == QBUCKETS) {
            hist_start(run);
        }
    } else {
        run->res_ms[run->res_n++] = UINT32_MAX;
        run->qover++;
        if (run->res_big_n == run->res_big_alloc) {
            HD_GROW(run->res_big, run->res_big_alloc, run->res_big_n + 1);
        }
        run->res_big[run->res_big_n++] = age;
        if (!run->qon && run->res_n == QBUCKETS) {
            hist_start(run);
        }
    }
    if (sc->sla_resolve_ms[tk->priority]) {
        run->sla_res_n++;
        run->sla_res_ok += age <= sc->sla_resolve_ms[tk->priority];
    }
}

static void mark_escalated(struct sim_run *restrict run, struct sim_ticket *tk)
{
    if (tk->escalated) {
        return;
    }
    tk->escalated = 1;
    if (tk->in_window) {
        run->n_escalated++;
        run->n_esc_true += tk->is_sec;
    }
}

static void start_service(struct sim_run *restrict run, uint32_t idx);

static void schedule_timers(struct sim_run *restrict run, uint32_t idx)
{
    const struct sim_policy *pol = run->pol;
    struct sim_ticket *tk = tk_at(run, idx);

    for (size_t i = 0; i < pol->ntimers; i++) {
        const struct sim_timer *t = &pol->timers[i];
        if (t->min_priority && !(tk->priority >= 1 && tk->priority <= t->min_priority)) {
            continue;
        }
        if (t->team == tk->team) {
            continue;
        }
        if (t->from_open) {
            /* "Unassigned" means no queue holds the ticket; routing puts every
             * simulated ticket in a queue as it opens, so these never fire. */
            continue;
        } else {
            sim_cal_push(&run->cal, run->now + t->after_ms, EV_TIMER, idx, (uint32_t)i, tk->gen);
        }
    }
}

static void enqueue(struct sim_run *restrict run, uint32_t idx, uint32_t team)
{
    const struct sim_scenario *sc = run->sc;
    struct sim_ticket *tk = tk_at(run, idx);
    struct team_st *ts = &run->teams[team];
    int first = tk->visits == 0;

    /* The run's tallies count the window's tickets as their counts change. */
    if (!first) {
        int bounce = (tk->visited[team / 64] & (1ull << (team % 64))) != 0;
        tk->handoffs++;
        tk->bounces += (uint16_t)bounce;
        if (tk->in_window) {
            run->n_handoffs++;
            run->n_bounces += (uint64_t)bounce;
        }
        tk->prev_team = tk->team;
    }
    tk->visited[team / 64] |= 1ull << (team % 64);
    if (sc->teams[team].security && !(tk->flags & SIM_TF_REACHED_SEC)) {
        tk->flags |= SIM_TF_REACHED_SEC;
        run->n_reached_sec += tk->in_window;
    }
    tk->visits++;
    tk->team = (uint16_t)team;
    tk->enq_ms = run->now;
    tk->gen = ++run->gen;
    tk->act = SIM_ACT_NONE;
    if ((long)team == sc->sec_team && tk->sec_enq_ms < 0) {
        tk->sec_enq_ms = run->now;
        if (tk->in_window && tk->is_sec) {
            run->tte_sum_ms += (double)(run->now - tk->arrive_ms);
            run->tte_n++;
        }
    }
    emit_assigned(run, tk);
    if (in_window(run, run->now)) {
        ts->enq_n++;
    }
    if (run->pol->ntimers) {
        schedule_timers(run, idx);
    }
    if (ts->busy < ts->staff && ts->qlen == 0) {
        start_service(run, idx);
        return;
    }
    q_push(run, ts, idx);
    if (in_window(run, run->now)) {
        if (ts->qlen > ts->peak_q) {
            ts->peak_q = ts->qlen;
        }
        if (run->tot_q > run->tot_peak) {
            run->tot_peak = run->tot_q;
        }
    }
}

/* An agent of the ticket's team takes it: decide what the work is. */
static void start_service(struct sim_run *restrict run, uint32_t idx)
{
    const struct sim_scenario *sc = run->sc;
    struct sim_ticket *tk = tk_at(run, idx);
    struct team_st *ts = &run->teams[tk->team];
    const struct sim_team *team = &sc->teams[tk->team];
    struct hd_rng r;
    int64_t dur;
    uint16_t agent;

    record_wait(run, ts, tk);
    team_busy_add(run, ts, 1);
    agent = ts->free_agents[--ts->nfree];
    tk->agent = agent;
    if (tk->first_ms < 0) {
        tk->first_ms = run->now;
        if (tk->in_window && sc->sla_response_ms[tk->priority]) {
            run->sla_resp_n++;
            run->sla_resp_ok += run->now - tk->arrive_ms <= sc->sla_response_ms[tk->priority];
        }
    }
    if (run->pol->observed && sc->route) {
        /* Observed routing: the team resolves or passes it on, as history did. */
        const struct sim_route_group *rg = &sc->route[tk->team];
        int pos = tk->visits >= SIM_NPOS ? SIM_NPOS - 1 : tk->visits - 1;
        struct hd_rng rr;
        key_rng(&rr, tk->key, KEY_ROUTE, tk->visits);
        tk->act = SIM_ACT_RESOLVE;
        if (rg->has && rg->to.n > 0 && rng_uniform(&rr) >= rg->p_resolve[pos]) {
            tk->act = SIM_ACT_PASS;
            if (tk->visits > 1 && rg->p_back > 0 && rng_uniform(&rr) < rg->p_back) {
                tk->next_team = tk->prev_team;
            } else {
                tk->next_team = (uint16_t)choose(&rr, &rg->to);
            }
            if (tk->next_team == tk->team) {
                tk->act = SIM_ACT_RESOLVE;
            }
        }
        {
            int pass = tk->act == SIM_ACT_PASS;
            const struct sim_dist *hd = &rg->hold[pass][pos];
            for (int d = 1; hd->kind == SIM_DIST_NONE && d < SIM_NPOS; d++) {
                if (pos - d >= 0 && rg->hold[pass][pos - d].kind != SIM_DIST_NONE) {
                    hd = &rg->hold[pass][pos - d];
                } else if (pos + d < SIM_NPOS) {
                    hd = &rg->hold[pass][pos + d];
                }
            }
            hd = hd->kind != SIM_DIST_NONE ? hd : &team->service;
            if (sc->hold_corr > 0) {
                /* One factor per ticket: its holdings are slow or fast together. */
                struct hd_rng rz;
                double z0, c = sc->hold_corr;
                key_rng(&rz, tk->key, KEY_HOLD_FACTOR, 0);
                key_rng(&r, tk->key, KEY_SERVICE, tk->visits);
                z0 = hd_rng_normal(&rz);
                dur = sim_dist_at(hd, sqrt(c) * z0 + sqrt(1 - c) * hd_rng_normal(&r));
            } else {
                dur = service_draw(hd, tk);
            }
        }
    } else if (tk->team == tk->correct) {
        if (tk->is_sec) {
            tk->act = SIM_ACT_INVESTIGATE;
            if (tk->detect_ms < 0) {
                tk->detect_ms = run->now;
                if (tk->in_window) {
                    run->detect_sum_ms += (double)(run->now - tk->arrive_ms);
                    run->detect_n++;
                }
            }
            dur = service_draw(&team->service, tk);
        } else {
            const struct sim_type *ty = &sc->types[tk->type];
            tk->act = SIM_ACT_RESOLVE;
            dur = service_draw(ty->has_service ? &ty->service : &team->service, tk);
        }
    } else if (tk->redispatch && (long)tk->team == sc->bounce_to) {
        struct hd_rng rr;
        tk->act = SIM_ACT_DISPATCH;
        tk->redispatch = 0;
        tk->next_team = tk->correct;
        key_rng(&rr, tk->key, KEY_REDISPATCH, tk->visits);
        if (sc->redispatch_ok < 1 && rng_uniform(&rr) >= sc->redispatch_ok) {
            tk->next_team = tk->last_wrong; /* ping-pong: back where it came from */
        }
        dur = service_draw(&sc->dispatch, tk);
    } else {
        tk->misroutes++;
        run->n_misroutes += tk->in_window;
        if (tk->is_sec) {
            struct hd_rng rr;
            key_rng(&rr, tk->key, KEY_RECOGNISE, tk->visits);
            if (rng_uniform(&rr) < sc->p_recognise) {
                tk->act = SIM_ACT_BOUNCE;
                tk->next_team = tk->correct;
                dur = service_draw(&sc->triage, tk);
            } else {
                tk->act = SIM_ACT_MISSED;
                dur = service_draw(&team->service, tk);
            }
        } else {
            tk->act = SIM_ACT_BOUNCE;
            tk->last_wrong = tk->team;
            if (sc->bounce_to >= 0 && (long)tk->team != sc->bounce_to &&
                (long)tk->correct != sc->bounce_to) {
                tk->next_team = (uint16_t)sc->bounce_to;
                tk->redispatch = 1;
            } else {
                tk->next_team = tk->correct;
            }
            dur = service_draw(&sc->triage, tk);
        }
    }
    emit_started(run, tk);
    sim_cal_push(&run->cal, run->now + dur, EV_END, idx, agent, 0);
}

/* The team's free agents take waiting tickets, highest priority first. */
static void team_dispatch(struct sim_run *restrict run, uint32_t team)
{
    struct team_st *ts = &run->teams[team];
    while (ts->busy < ts->staff && ts->qlen > 0) {
        uint32_t idx = q_first(ts);
        q_remove(run, ts, idx);
        start_service(run, idx);
    }
}

static double impact_of(const struct sim_scenario *sc, const struct sim_ticket *tk,
                        int64_t dwell_ms)
{
    double h = (double)dwell_ms / (double)HD_MS_PER_H, x;
    switch (sc->spread) {
    case SIM_SPREAD_LINEAR:
        x = tk->severity * (1 + sc->spread_rate_per_h * h);
        break;
    case SIM_SPREAD_EXP:
        x = tk->severity * exp(sc->spread_rate_per_h * h);
        break;
    default:
        x = tk->severity;
        break;
    }
    if (sc->spread_max > 0 && x > sc->spread_max) {
        x = sc->spread_max;
    }
    return x;
}

/* An incident of the window is contained at `at`, or still open at the
 * end of the run (`censored`: then `at` is the end, a lower bound). */
static void record_ttc(struct sim_run *restrict run, const struct sim_ticket *tk, int64_t at,
                       int censored)
{
    int64_t ttc = at - tk->arrive_ms;
    if (!tk->in_window) {
        return;
    }
    if (run->ttc_n == run->ttc_alloc) {
        HD_GROW(run->ttc_min, run->ttc_alloc, run->ttc_n + 1);
    }
    if (run->ttc_n == run->inc_alloc) {
        HD_GROW(run->incidents, run->inc_alloc, run->ttc_n + 1);
    }
    run->incidents[run->ttc_n].ticket = tk->id;
    run->incidents[run->ttc_n].censored = censored != 0;
    run->incidents[run->ttc_n].ttc_min = (double)ttc / (double)HD_MS_PER_MIN;
    run->ttc_min[run->ttc_n++] = (double)ttc / (double)HD_MS_PER_MIN;
    run->impact_sum += impact_of(run->sc, tk, ttc);
}

/* Investigation done: ask for authorisation, then contain. */
static void investigated(struct sim_run *restrict run, uint32_t idx)
{
    const struct sim_scenario *sc = run->sc;
    struct sim_ticket *tk = tk_at(run, idx);
    int64_t approve = run->now;

    if (sc->auth_min_sev && tk->severity >= sc->auth_min_sev && sc->napprovers) {
        int64_t best = sc->auth_any ? INT64_MAX : 0;
        for (size_t a = 0; a < sc->napprovers; a++) {
            const struct sim_approver *ap = &sc->approvers[a];
            int64_t open = sim_week_next_open(sc, &ap->avail, run->now);
            int64_t t;
            t = open == INT64_MAX
                    ? INT64_MAX / 4
                    : open + key_draw(&ap->response, tk->key, KEY_AUTH + (uint32_t)a * 16, 0);
            if (sc->auth_any ? t < best : t > best) {
                best = t;
            }
        }
        approve = best;
        if (tk->in_window) {
            run->auth_sum_ms += (double)(approve - run->now);
            run->auth_n++;
        }
    }
    sim_cal_push(&run->cal, approve + key_draw(&sc->contain, tk->key, KEY_CONTAIN, 0), EV_CONTAIN,
                 idx, 0, tk->id);
}

static void service_end(struct sim_run *restrict run, uint32_t idx, uint32_t agent)
{
    struct sim_ticket *tk = tk_at(run, idx);
    uint32_t team = tk->team;
    struct team_st *ts = &run->teams[team];

    team_busy_add(run, ts, -1);
    ts->free_agents[ts->nfree++] = (uint16_t)agent;
    record_hold(run, ts, tk);
    if (tk->act == SIM_ACT_RESOLVE) { /* the common end, ahead of the switch */
        emit_resolved(run, tk);
        resolved(run, tk);
        ticket_free(run, idx);
        team_dispatch(run, team);
        return;
    }
    switch (tk->act) {
    case SIM_ACT_BOUNCE:
    case SIM_ACT_DISPATCH:
    case SIM_ACT_PASS:
        emit_handoff(run, tk);
        enqueue(run, idx, tk->next_team);
        break;
    case SIM_ACT_INVESTIGATE:
        emit_investigated(run, tk);
        tk->act = SIM_ACT_NONE;
        investigated(run, idx);
        break;
    case SIM_ACT_MISSED:
        emit_resolved(run, tk);
        resolved(run, tk);
        tk->act = SIM_ACT_NONE;
        sim_cal_push(&run->cal, run->now + key_draw(&run->sc->late, tk->key, KEY_LATE, 0), EV_LATE,
                     idx, 0, tk->id);
        break;
    default:
        break;
    }
    team_dispatch(run, team);
}

static int route(struct sim_run *restrict run, struct sim_ticket *tk, struct sim_decision *d)
{
    const struct sim_scenario *sc = run->sc;
    const struct sim_policy *pol = run->pol;
    struct hd_policy_ticket v;
    struct hd_policy_decision pd;
    size_t n = 0;

    if (pol->observed) {
        const struct sim_route_first *best = NULL;
        int best_score = -1;
        struct hd_rng r;
        for (size_t i = 0; i < sc->nfirst; i++) {
            const struct sim_route_first *f = &sc->first[i];
            int score = (f->cat ? 2 : 0) + (f->priority ? 1 : 0);
            if ((f->cat && f->cat != tk->cat) || (f->priority && f->priority != tk->priority)) {
                continue;
            }
            if (score > best_score) {
                best_score = score;
                best = f;
            }
        }
        key_rng(&r, tk->key, KEY_ROUTE, 0);
        d->team = best ? choose(&r, &best->to) : sc->types[tk->type].resolver;
        d->escalate = 0;
        d->priority = 0;
        d->rule_id = best ? "observed" : "observed-resolver";
        return HD_OK;
    }
    if (!pol->pol) {
        d->team = sc->types[tk->type].resolver;
        d->escalate = 0;
        d->priority = 0;
        d->rule_id = "resolver";
        return HD_OK;
    }
    for (size_t k = 0; k < sc->nkw; k++) {
        if (tk->kwmask & (1ull << k)) {
            const char *w = hd_intern_str(sc->strs, sc->kw_ids[k]);
            size_t len = strlen(w);
            if (n + len + 3 > sizeof(run->title)) {
                break;
            }
            if (n) {
                run->title[n++] = ',';
                run->title[n++] = ' ';
            }
            memcpy(run->title + n, w, len);
            n += len;
        }
    }
    run->title[n] = '\0';
    memset(&v, 0, sizeof(v));
    v.title = run->title;
    v.category = hd_intern_str(sc->strs, tk->cat);
    v.subcategory = hd_intern_str(sc->strs, tk->subcat);
    v.priority = tk->priority;
    v.asset_class = hd_intern_str(sc->strs, tk->asset);
    snprintf(run->requester, sizeof(run->requester), "u%u", tk->requester_no);
    snprintf(run->asset, sizeof(run->asset), "a%u", tk->asset_no);
    v.requester = run->requester;
    v.asset = run->asset;
    v.requester_tier = hd_intern_str(sc->strs, tk->tier);
    v.client = hd_intern_str(sc->strs, tk->client);
    v.channel = hd_intern_str(sc->strs, tk->channel);
    v.opened_ms = sc->start_ms + tk->arrive_ms;
    if (hd_policy_decide(pol->pol, run->pstate, &v, &pd, run->err)) {
        return run->err ? run->err->rc : HD_EINTERNAL;
    }
    d->team = pol->queue_team[pd.queue];
    d->escalate = pd.escalate_to_security;
    d->priority = pd.priority;
    d->rule_id = pd.rule_id;
    return HD_OK;
}

/* The type of the arrival just scheduled, from the arrivals stream, by the
 * rates of the segment its time falls in. */
static inline uint32_t draw_type(struct sim_run *restrict run)
{
    const struct sim_scenario *sc = run->sc;
    return sc->ntypes > 1 && run->seg_rate > 0
               ? (uint32_t)rng_discrete(&run->arr_rng, run->cum, sc->ntypes)
               : 0;
}

/* A new ticket of `type` at tk, as it starts out: the type's template. */
static inline void ticket_init(struct sim_run *restrict run, struct sim_ticket *tk, uint32_t type)
{
    /* Copied in pieces of at most 64 bytes: compilers turn a copy (or
     * memset) of the whole struct into `rep movs`, whose start-up cost was
     * a twentieth of a run; these become a few vector moves. */
    const char *src = (const char *)&run->tmpl[type];
    _Static_assert(sizeof(*tk) > 128 && sizeof(*tk) <= 192, "three pieces");
    memcpy((char *)tk, src, 64);
    memcpy((char *)tk + 64, src + 64, 64);
    memcpy((char *)tk + 128, src + 128, sizeof(*tk) - 128);
}

/* The ticket's own draws from the tickets stream, in a fixed order per
 * type, independent of the policy: attributes, keywords, truth, its key. */
static inline void ticket_draws(struct sim_run *restrict run, struct sim_ticket *tk,
                                const struct sim_type *ty)
{
    struct hd_rng *r = &run->tk_rng;

    /* Choices with one value or none take no draw and are in the template already. */
    if (run->tmpl_draw[tk->type]) {
        tk->priority = (uint8_t)choose(r, &ty->priority);
        tk->cat = choose(r, &ty->category);
        tk->subcat = choose(r, &ty->subcategory);
        tk->asset = choose(r, &ty->asset_class);
        tk->tier = choose(r, &ty->tier);
        tk->client = choose(r, &ty->client);
        tk->channel = choose(r, &ty->channel);
    }
    for (size_t k = 0; k < ty->nkw; k++) {
        double p = ty->kw_p[k];
        if (p >= 1) {
            tk->kwmask |= 1ull << ty->kw[k];
        } else if (p > 0) {
            /* The draw's outcome sets the bit without a branch on it. */
            tk->kwmask |= (uint64_t)(rng_uniform(r) < p) << ty->kw[k];
        }
    }
    /* Draws whose outcome is certain are skipped: the same for every policy. */
    if (ty->p_security > 0 && ty->p_security < 1) {
        tk->is_sec = rng_uniform(r) < ty->p_security;
    }
    if (ty->severity.n > 1) {
        tk->severity = (uint8_t)choose(r, &ty->severity);
    }
    tk->key = rng_u64(r);
    if (!run->want_e1 || !zig_fast(key_word(tk->key, KEY_SERVICE, 1), &tk->e1)) {
        tk->e1 = -1; /* key_draw makes (or finishes) the draw */
    }
}

/*
 * Draw the next arrival's ticket now, into a pool item of its own (its id
 * stays 0, "not here", until it arrives): its type (from the arrivals
 * stream, right after its arrival time, as the arrival itself drew it) and
 * its own draws (after the current ticket's). Every stream gives the same
 * numbers in the same order as drawing at the arrival; the work just starts
 * one arrival ahead, so that the first holding time (tk->e1) is ready when
 * the ticket arrives, off the path that the order of events waits on. Only
 * where that pays (run->want_e1: some first holding is exponential), and
 * not for trace replay, whose arrivals sit in the calendar. May move the pool.
 */
static void stage_next(struct sim_run *restrict run)
{
    const struct sim_scenario *sc = run->sc;
    uint32_t type = draw_type(run);
    struct sim_ticket *tk;

    run->staged = sim_pool_get(&run->tickets);
    tk = tk_at(run, run->staged);
    ticket_init(run, tk, type);
    ticket_draws(run, tk, &sc->types[type]);
}

static int arrival(struct sim_run *restrict run, const struct sim_event *e)
{
    const struct sim_scenario *sc = run->sc;
    uint32_t idx, type;
    struct sim_ticket *tk;
    const struct sim_type *ty;
    struct sim_decision d = {0, 0, 0, NULL};
    int rc;

    const struct sim_replay_ticket *rp = sc->nreplay ? &sc->replay[e->a] : NULL;

    if (rp || !run->want_e1) {
        if (rp) {
            type = rp->type;
        } else {
            type = draw_type(run);
            schedule_arrival(run);
        }
        idx = sim_pool_get(&run->tickets);
        tk = tk_at(run, idx);
        ty = &sc->types[type];
        ticket_init(run, tk, type);
        ticket_draws(run, tk, ty);
    } else {
        idx = run->staged;
        schedule_arrival(run);
        if (run->have_arrival) {
            stage_next(run);
        }
        tk = tk_at(run, idx); /* after stage_next, which may move the pool */
        type = tk->type;
        ty = &sc->types[type];
    }
    tk->arrive_ms = run->now;
    tk->id = ++run->next_id;
    tk->in_window = (uint8_t)in_window(run, run->now);
    if (run->pol->pol || run->log) {
        /* Requester and asset come from the key: only policies that look at
         * them (and the emitted log) pay for them; all see the same ones. */
        ticket_people(tk, ty);
    }
    if (rp) {
        /* Trace replay: the ticket keeps its observed attributes. */
        tk->priority = rp->priority ? rp->priority : tk->priority;
        tk->cat = rp->cat ? rp->cat : tk->cat;
        tk->subcat = rp->subcat ? rp->subcat : tk->subcat;
    }
    tk->correct = (uint16_t)(tk->is_sec ? (uint32_t)sc->sec_team : ty->resolver);
    if (tk->in_window) {
        run->n_tickets++;
        run->n_incidents += tk->is_sec;
    }
    rc = route(run, tk, &d);
    if (rc) {
        return rc;
    }
    tk = tk_at(run, idx);
    if (d.priority >= 1 && d.priority <= SIM_NPRIO) {
        tk->priority = (uint8_t)d.priority;
    }
    emit_opened(run, tk, d.rule_id);
    if (d.escalate) {
        mark_escalated(run, tk);
    }
    enqueue(run, idx, d.team);
    return HD_OK;
}

static void timer_fired(struct sim_run *restrict run, const struct sim_event *e)
{
    struct sim_ticket *tk = tk_at(run, e->a);
    const struct sim_timer *t = &run->pol->timers[e->b];

    if (e->a >= run->tickets.used || tk->id == 0 || tk->act != SIM_ACT_NONE ||
        (tk->first_ms >= 0 && t->from_open)) {
        return;
    }
    if (t->from_open ? tk->id != e->gen : tk->gen != e->gen) {
        return;
    }
    if (tk->team == t->team) {
        return;
    }
    /* Still waiting: the timer moves it. */
    struct team_st *ts = &run->teams[tk->team];
    record_wait(run, ts, tk);
    record_hold(run, ts, tk);
    q_remove(run, ts, e->a);
    if (t->escalate) {
        mark_escalated(run, tk);
    }
    emit_timer(run, tk, e->b);
    enqueue(run, e->a, t->team);
}

static void shift_change(struct sim_run *restrict run, uint32_t team)
{
    const struct sim_scenario *sc = run->sc;
    struct team_st *ts = &run->teams[team];
    int64_t next;

    team_staff_set(run, ts, sim_week_at(sc, &sc->teams[team].staff, run->now));
    next = sim_week_next(sc, &sc->teams[team].staff, run->now);
    if (next != INT64_MAX) {
        sim_cal_push(&run->cal, next, EV_SHIFT, team, 0, 0);
    }
    team_dispatch(run, team);
}

static void sample(struct sim_run *restrict run, uint32_t k)
{
    const struct sim_scenario *sc = run->sc;
    int64_t *row = run->series + (size_t)k * sc->nteams * SIM_SERIES_VALUES;

    for (size_t t = 0; t < sc->nteams; t++) {
        row[t * SIM_SERIES_VALUES + 0] += run->teams[t].qlen;
        row[t * SIM_SERIES_VALUES + 1] += run->teams[t].busy;
        row[t * SIM_SERIES_VALUES + 2] += run->teams[t].staff;
    }
    if (k + 1 < run->nsamples) {
        sim_cal_push(&run->cal, (int64_t)(k + 1) * sc->series_ms, EV_SAMPLE, k + 1, 0, 0);
    }
}

static void spike_start(struct sim_run *restrict run)
{
    for (size_t t = 0; t < run->sc->nteams; t++) {
        run->teams[t].base_q = run->teams[t].qlen;
    }
    run->tot_base = run->tot_q;
}

static void spike_end(struct sim_run *restrict run)
{
    run->spike_end_ms = run->now;
    run->tot_watching = 1;
    for (size_t t = 0; t < run->sc->nteams; t++) {
        run->teams[t].watching = 1;
        drain_check(run, &run->teams[t]);
    }
}

/* ---- setup and results ----------------------------------------------- */

/* Whether a first visit's service time can be exponential: a team's or a
 * type's, triage at a wrong first team, or an observed holding (never
 * dispatch, which comes after a bounce). */
static int any_exp_service(const struct sim_scenario *sc)
{
    int any = sc->triage.kind == SIM_DIST_EXP;

    for (size_t t = 0; t < sc->nteams; t++) {
        any |= sc->teams[t].service.kind == SIM_DIST_EXP;
        for (int p = 0; sc->route && p < 2; p++) {
            for (int q = 0; q < SIM_NPOS; q++) {
                any |= sc->route[t].hold[p][q].kind == SIM_DIST_EXP;
            }
        }
    }
    for (size_t k = 0; k < sc->ntypes; k++) {
        any |= sc->types[k].has_service && sc->types[k].service.kind == SIM_DIST_EXP;
    }
    return any;
}

struct sim_run *sim_run_new(const struct sim_scenario *sc)
{
    struct sim_run *run = hd_xcalloc(1, sizeof(*run));

    run->sc = sc;
    run->want_e1 = any_exp_service(sc);
    sim_cal_init(&run->cal);
    sim_cal_reserve(&run->cal, 256);
    sim_pool_init(&run->tickets, sizeof(struct sim_ticket), 512);
    run->teams = hd_xcalloc(sc->nteams, sizeof(*run->teams));
    for (size_t t = 0; t < sc->nteams; t++) {
        int32_t m = sc->teams[t].staff.max;
        run->teams[t].free_agents = hd_xcalloc(m > 0 ? (size_t)m : 1, sizeof(uint16_t));
    }
    run->cum = hd_xcalloc(sc->ntypes, sizeof(double));
    run->tmpl = hd_xcalloc(sc->ntypes, sizeof(*run->tmpl));
    run->tmpl_draw = hd_xcalloc(sc->ntypes, 1);
    for (size_t k = 0; k < sc->ntypes; k++) {
        const struct sim_type *ty = &sc->types[k];
        const struct sim_choice *pre[] = {&ty->priority,    &ty->category, &ty->subcategory,
                                          &ty->asset_class, &ty->tier,     &ty->client,
                                          &ty->channel};
        struct sim_ticket *tk = &run->tmpl[k];
        tk->first_ms = tk->sec_enq_ms = tk->detect_ms = -1;
        tk->type = (uint16_t)k;
        tk->prev = tk->next = SIM_NIL;
        for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
            run->tmpl_draw[k] |= pre[i]->n > 1;
        }
        tk->priority = (uint8_t)fixed_choice(&ty->priority);
        tk->cat = fixed_choice(&ty->category);
        tk->subcat = fixed_choice(&ty->subcategory);
        tk->asset = fixed_choice(&ty->asset_class);
        tk->tier = fixed_choice(&ty->tier);
        tk->client = fixed_choice(&ty->client);
        tk->channel = fixed_choice(&ty->channel);
        tk->is_sec = ty->p_security >= 1;
        tk->severity = (uint8_t)fixed_choice(&ty->severity);
    }
    return run;
}

void sim_run_free(struct sim_run *run)
{
    if (!run) {
        return;
    }
    sim_cal_release(&run->cal);
    sim_pool_release(&run->tickets);
    for (size_t t = 0; t < run->sc->nteams; t++) {
        free(run->teams[t].free_agents);
    }
    free(run->teams);
    free(run->cum);
    free(run->tmpl);
    free(run->tmpl_draw);
    free(run->ttc_min);
    free(run->incidents);
    free(run->res_ms);
    free(run->res_big);
    free(run->qhist);
    free(run->qscratch);
    free(run->truths);
    hd_policy_state_free(run->pstate);
    free(run);
}

static void reset(struct sim_run *restrict run, const struct sim_policy *pol, uint32_t rep,
                  uint64_t seed)
{
    const struct sim_scenario *sc = run->sc;

    run->pol = pol;
    if (pol->pol && run->pstate_for != pol->pol) {
        hd_policy_state_free(run->pstate);
        run->pstate = hd_policy_state_new(pol->pol);
        run->pstate_for = pol->pol;
    } else if (run->pstate) {
        hd_policy_state_reset(run->pstate);
    }
    run->warmup_ms = sc->warmup_ms;
    run->horizon_ms = sc->horizon_ms;
    run->window_ms = (uint64_t)(sc->horizon_ms - sc->warmup_ms);
    sim_cal_clear(&run->cal);
    run->have_arrival = 0;
    sim_pool_clear(&run->tickets);
    for (size_t t = 0; t < sc->nteams; t++) {
        struct team_st *ts = &run->teams[t];
        uint16_t *fa = ts->free_agents;
        int32_t m = sc->teams[t].staff.max;
        memset(ts, 0, sizeof(*ts));
        ts->free_agents = fa;
        for (int p = 0; p < SIM_NPRIO; p++) {
            ts->qhead[p] = ts->qtail[p] = SIM_NIL;
        }
        /* Lowest ids on top, so agent 0 is taken first. */
        for (int32_t a = 0; a < m; a++) {
            fa[a] = (uint16_t)(m - 1 - a);
        }
        ts->nfree = (uint32_t)(m > 0 ? m : 0);
    }
    hd_rng_seed(&run->arr_rng, seed, hd_rng_stream_id(rep, STREAM_ARRIVALS));
    hd_rng_seed(&run->tk_rng, seed, hd_rng_stream_id(rep, STREAM_TICKETS));
    run->now = 0;
    run->now_clip = clip_window(run, 0);
    run->gen = 0;
    run->next_id = 0;
    run->arr_t = 0;
    run->tot_q = run->tot_peak = run->tot_base = 0;
    run->tot_watching = 0;
    run->tot_drain_ms = 0;
    run->spike_end_ms = 0;
    run->n_tickets = run->n_incidents = run->n_escalated = run->n_esc_true = 0;
    run->n_misroutes = run->n_bounces = run->n_handoffs = run->n_reached_sec = 0;
    run->res_n = 0;
    run->res_max = 0;
    run->qon = 0;
    run->qover = 0;
    /* The times to resolve in one block from the start: growing by doubling
     * wrote twice the memory, fresh pages and copies, a tenth of a run of a
     * million tickets. */
    grow_big((void **)&run->res_ms, &run->res_alloc, expected_tickets(sc), sizeof(*run->res_ms));
    run->res_big_n = 0;
    run->sla_resp_n = run->sla_resp_ok = run->sla_res_n = run->sla_res_ok = 0;
    run->uncontained = 0;
    run->resolve_sum_ms = 0;
    run->resolve_n = 0;
    run->tte_sum_ms = run->detect_sum_ms = run->auth_sum_ms = 0;
    run->tte_n = run->detect_n = run->auth_n = 0;
    run->impact_sum = 0;
    run->ttc_n = 0;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/*
 * Put the k-th smallest of x[lo..hi) at x[k], with no greater value before
 * it and no smaller one after (Hoare's FIND as Wirth writes it, pivot the
 * median of three). O(n) expected; should a pathological order take too
 * many rounds, the rest of the range is sorted instead.
 */
static void select_kth(uint32_t *x, size_t lo, size_t hi, size_t k)
{
    ptrdiff_t l = (ptrdiff_t)lo, m = (ptrdiff_t)hi - 1, kk = (ptrdiff_t)k;
    int rounds = 0;

    while (l < m) {
        uint32_t a = x[l], b = x[kk], c = x[m], piv;
        ptrdiff_t i = l, j = m;
        if (++rounds > 100) {
            qsort(x + l, (size_t)(m - l + 1), sizeof(*x), u32_cmp);
            return;
        }
        piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        do {
            while (x[i] < piv) {
                i++;
            }
            while (piv < x[j]) {
                j--;
            }
            if (i <= j) {
                uint32_t t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < kk) {
            l = i;
        }
        if (kk < i) {
            m = j;
        }
    }
}

/*
 * The values of ranks r[0..nr) (ascending, each < n, nr <= 4) of the times
 * to resolve x = res_ms[0..n) into out, reordering x. From QBUCKETS values
 * on, the histogram kept as they came (hist_start) finds the buckets the
 * ranks fall in; one sequential pass gathers those buckets' values, and
 * only they are selected from, instead of a quickselect's branchy passes
 * over all n.
 */
static void order_stats(struct sim_run *restrict run, uint32_t *x, size_t n, const size_t *r,
                        uint32_t *out, size_t nr)
{
    size_t bk[4], base[4], seg[5], cnt[4], fill[4], nd = 0, cum = 0, q = 0;
    uint32_t *h = run->qhist;
    int shift = run->qshift;

    if (n < QBUCKETS || !run->qon) {
        size_t lo = 0;
        for (q = 0; q < nr; q++) {
            select_kth(x, lo, n, r[q]);
            out[q] = x[r[q]];
            lo = r[q];
        }
        return;
    }
    /* The UINT32_MAX stand-ins rank last: the last bucket, as the pass below puts them. */
    h[QBUCKETS - 1] += (uint32_t)run->qover;
    /* The distinct buckets holding the ranks, and how many values lie below each. */
    for (uint32_t b = 0; b < QBUCKETS && q < nr; b++) {
        if (r[q] < cum + h[b]) {
            bk[nd] = b;
            base[nd] = cum;
            cnt[nd] = h[b];
            nd++;
            while (q < nr && r[q] < cum + h[b]) {
                q++;
            }
        }
        cum += h[b];
    }
    seg[0] = 0;
    for (size_t j = 0; j < nd; j++) {
        seg[j + 1] = seg[j] + cnt[j];
        fill[j] = seg[j];
    }
    if (seg[nd] > run->qscratch_alloc) {
        HD_GROW(run->qscratch, run->qscratch_alloc, seg[nd]);
    }
    /* The histogram is done with: it becomes the buckets' tags, 1 + the
     * bucket's place in bk[] for those gathered, else 0. */
    memset(h, 0, QBUCKETS * sizeof(*h));
    for (size_t j = 0; j < nd; j++) {
        h[bk[j]] = (uint32_t)j + 1;
    }
    run->qon = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b = x[i] >> shift, tag;
        tag = h[b < QBUCKETS ? b : QBUCKETS - 1];
        if (tag) {
            run->qscratch[fill[tag - 1]++] = x[i];
        }
    }
    for (q = 0; q < nr; q++) {
        size_t j = 0, at;
        while (r[q] >= base[j] + cnt[j]) {
            j++;
        }
        at = seg[j] + (r[q] - base[j]);
        select_kth(run->qscratch, seg[j], seg[j + 1], at);
        out[q] = run->qscratch[at];
    }
}

/*
 * The type-7 quantiles ps[0..np) (ascending, np <= 2) of this run's times
 * to resolve, in minutes, equal bit for bit to hd_quantile_sorted on the
 * sorted minutes, by selection on the millisecond values instead of a sort
 * of the minutes (which was an eighth of a run of a million tickets).
 */
static void resolve_quantiles(struct sim_run *restrict run, const double *ps, double *out,
                              size_t np)
{
    size_t n = run->res_n, nsmall = n - run->res_big_n, idx[2], r[4], nr = 0;
    double frac[2], v[4];
    uint32_t o[4];

    for (size_t q = 0; q < np; q++) {
        double h = (double)(n - 1) * ps[q];
        idx[q] = (size_t)h;
        frac[q] = 0;
        if (idx[q] >= n - 1) {
            idx[q] = n - 1;
        } else {
            frac[q] = h - (double)idx[q];
        }
        if (!nr || r[nr - 1] != idx[q]) {
            r[nr++] = idx[q];
        }
        if (frac[q] != 0.0) {
            r[nr++] = idx[q] + 1;
        }
    }
    order_stats(run, run->res_ms, n, r, o, nr);
    if (run->res_big_n > 1) {
        hd_sort_i64(run->res_big, run->res_big_n);
    }
    for (size_t j = 0; j < nr; j++) {
        /* Ranks past the small values are the long times, kept aside. */
        int64_t ms = r[j] < nsmall ? (int64_t)o[j] : run->res_big[r[j] - nsmall];
        v[j] = (double)ms / (double)HD_MS_PER_MIN;
    }
    for (size_t q = 0; q < np; q++) {
        size_t j = 0;
        while (r[j] != idx[q]) {
            j++;
        }
        out[q] = frac[q] == 0.0 ? v[j] : v[j] + frac[q] * (v[j + 1] - v[j]);
    }
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : NAN;
}

static void results(struct sim_run *restrict run, double *kpi)
{
    const struct sim_scenario *sc = run->sc;
    double win_h = (double)(sc->horizon_ms - sc->warmup_ms) / (double)HD_MS_PER_H;
    double win_ms = (double)(sc->horizon_ms - sc->warmup_ms);
    int spiked = sc->nspikes && sc->spikes[0].end_ms <= sc->horizon_ms;

    for (size_t i = 0; i < sim_kpi_count(sc); i++) {
        kpi[i] = NAN;
    }
    kpi[SIM_K_TICKETS] = (double)run->n_tickets;
    kpi[SIM_K_INCIDENTS] = (double)run->n_incidents;
    if (run->ttc_n) {
        double s = 0;
        for (size_t i = 0; i < run->ttc_n; i++) {
            s += run->ttc_min[i];
        }
        kpi[SIM_K_TTC_MEAN] = s / (double)run->ttc_n;
        hd_sort_doubles(run->ttc_min, run->ttc_n);
        kpi[SIM_K_TTC_P50] = hd_quantile_sorted(run->ttc_min, run->ttc_n, 0.50);
        kpi[SIM_K_TTC_P90] = hd_quantile_sorted(run->ttc_min, run->ttc_n, 0.90);
        kpi[SIM_K_TTC_P99] = hd_quantile_sorted(run->ttc_min, run->ttc_n, 0.99);
        kpi[SIM_K_IMPACT_MEAN] = run->impact_sum / (double)run->ttc_n;
    }
    kpi[SIM_K_TTE_MEAN] = ratio(run->tte_sum_ms / HD_MS_PER_MIN, (double)run->tte_n);
    kpi[SIM_K_DETECT_MEAN] = ratio(run->detect_sum_ms / HD_MS_PER_MIN, (double)run->detect_n);
    kpi[SIM_K_AUTH_WAIT_MEAN] = ratio(run->auth_sum_ms / HD_MS_PER_MIN, (double)run->auth_n);
    kpi[SIM_K_UNCONTAINED] = (double)run->uncontained;
    kpi[SIM_K_RECALL] = ratio((double)run->n_esc_true, (double)run->n_incidents);
    kpi[SIM_K_PRECISION] = ratio((double)run->n_esc_true, (double)run->n_escalated);
    kpi[SIM_K_MISROUTES] = ratio((double)run->n_misroutes, (double)run->n_tickets);
    kpi[SIM_K_BOUNCES] = ratio((double)run->n_bounces, (double)run->n_tickets);
    kpi[SIM_K_HANDOFFS] = ratio((double)run->n_handoffs, (double)run->n_tickets);
    kpi[SIM_K_SLA_RESPONSE] = ratio((double)run->sla_resp_ok, (double)run->sla_resp_n);
    kpi[SIM_K_SLA_RESOLVE] = ratio((double)run->sla_res_ok, (double)run->sla_res_n);
    kpi[SIM_K_RESOLVE_MEAN] =
        ratio((double)run->resolve_sum_ms / HD_MS_PER_MIN, (double)run->resolve_n);
    if (run->res_n) {
        static const double ps[2] = {0.50, 0.90};
        double q[2];
        resolve_quantiles(run, ps, q, 2);
        kpi[SIM_K_RESOLVE_P50] = q[0];
        kpi[SIM_K_RESOLVE_P90] = q[1];
    }
    kpi[SIM_K_SECURITY_SHARE] = ratio((double)run->n_reached_sec, (double)run->n_tickets);
    if (run->n_incidents) {
        kpi[SIM_K_IMPACT_TOTAL] = run->impact_sum;
    }
    kpi[SIM_K_PEAK_QUEUE] = run->tot_peak;
    if (spiked) {
        kpi[SIM_K_DRAIN] = (double)run->tot_drain_ms / HD_MS_PER_MIN;
    }
    for (size_t t = 0; t < sc->nteams; t++) {
        const struct team_st *ts = &run->teams[t];
        double lam = (double)ts->enq_n / win_h;
        double w = ratio((double)ts->wait_sum_ms / HD_MS_PER_MIN, (double)ts->left_n);
        kpi[sim_kpi_team(t, SIM_T_ARRIVALS_PER_H)] = lam;
        kpi[sim_kpi_team(t, SIM_T_WAIT_MEAN)] = w;
        kpi[sim_kpi_team(t, SIM_T_P_WAIT)] = ratio((double)ts->waited_n, (double)ts->left_n);
        kpi[sim_kpi_team(t, SIM_T_ANSWERED)] = ratio((double)ts->answered_n, (double)ts->left_n);
        kpi[sim_kpi_team(t, SIM_T_QUEUE_MEAN)] = team_area(run, ts->acc_q, ts->qlen) / win_ms;
        kpi[sim_kpi_team(t, SIM_T_LITTLE_LW)] = isnan(w) ? 0 : lam / 60.0 * w;
        kpi[sim_kpi_team(t, SIM_T_UTIL)] =
            ratio(team_area(run, ts->acc_busy, ts->busy), team_area(run, ts->acc_staff, ts->staff));
        kpi[sim_kpi_team(t, SIM_T_PEAK_QUEUE)] = ts->peak_q;
        kpi[sim_kpi_team(t, SIM_T_HOLD_MEAN)] =
            ratio((double)ts->hold_sum_ms / HD_MS_PER_MIN, (double)ts->hold_n);
        if (spiked) {
            kpi[sim_kpi_team(t, SIM_T_DRAIN)] = (double)ts->drain_ms / HD_MS_PER_MIN;
        }
        for (int p = 0; p < SIM_NPRIO; p++) {
            kpi[sim_kpi_team(t, (enum sim_kpi_team)(SIM_T_WAIT_P1 + p))] =
                ratio((double)ts->wprio_sum[p] / HD_MS_PER_MIN, (double)ts->wprio_n[p]);
        }
    }
}

static int incident_cmp(const void *a, const void *b)
{
    const struct sim_ttc *x = a, *y = b;
    return (x->ticket > y->ticket) - (x->ticket < y->ticket);
}

const struct sim_ttc *sim_run_incidents(const struct sim_run *run, size_t *n)
{
    *n = run->ttc_n;
    return run->incidents;
}

#if defined(__GNUC__)
#define SIM_FLATTEN __attribute__((flatten))
#else
#define SIM_FLATTEN
#endif

SIM_FLATTEN
int sim_run_replication(struct sim_run *run, const struct sim_policy *pol, uint32_t rep,
                        uint64_t seed, double *kpi, int64_t *series, FILE *log, FILE *truth,
                        uint64_t *events, struct hd_err *err)
{
    const struct sim_scenario *sc = run->sc;
    int64_t stop = sc->horizon_ms + sc->drain_ms;
    struct sim_event e;
    uint64_t nev = 0;
    int rc = HD_OK;

    reset(run, pol, rep, seed);
    run->err = err;
    run->series = series;
    run->nsamples = series ? sim_series_samples(sc) : 0;
    run->log = log;
    run->truth = truth;
    emit_begin(run);

    for (size_t t = 0; t < sc->nteams; t++) {
        team_staff_set(run, &run->teams[t], sim_week_at(sc, &sc->teams[t].staff, 0));
        int64_t next = sim_week_next(sc, &sc->teams[t].staff, 0);
        if (next != INT64_MAX) {
            sim_cal_push(&run->cal, next, EV_SHIFT, (uint32_t)t, 0, 0);
        }
    }
    if (sc->nspikes && sc->spikes[0].end_ms <= sc->horizon_ms && sc->spikes[0].start_ms >= 0) {
        sim_cal_push(&run->cal, sc->spikes[0].start_ms, EV_SPIKE_START, 0, 0, 0);
        sim_cal_push(&run->cal, sc->spikes[0].end_ms, EV_SPIKE_END, 0, 0, 0);
    }
    if (run->nsamples) {
        sim_cal_push(&run->cal, 0, EV_SAMPLE, 0, 0, 0);
    }
    if (sc->nreplay) {
        schedule_replay(run);
    } else {
        arrival_segment(run, 0);
        schedule_arrival(run);
        if (run->have_arrival && run->want_e1) {
            stage_next(run);
        }
    }

    /* A sentinel past any run's end keeps the calendar from running empty,
     * so the loop needs no test for it: reaching the sentinel ends the run
     * as an empty calendar did. */
    sim_cal_push(&run->cal, INT64_MAX - 1, EV_NONE, 0, 0, 0);
    for (;;) {
        const struct sim_event *top = sim_cal_peek(&run->cal);
        if (run->have_arrival && sim_event_before(&run->next_arrival, top)) {
            e = run->next_arrival;
            run->have_arrival = 0;
        } else if (!sim_cal_pop(&run->cal, &e)) {
            break; /* not reached: the sentinel stays */
        }
        if (e.t_ms > stop) {
            break;
        }
        run->now = e.t_ms;
        run->now_clip = clip_window(run, e.t_ms);
        nev++;                  /* a register, not a field: stores through char could alias one */
        if (e.kind == EV_END) { /* half of all events, and more in a long run */
            service_end(run, e.a, e.b);
            if (run->now >= sc->horizon_ms && run->tickets.live == 0) {
                break;
            }
            continue;
        }
        switch (e.kind) {
        case EV_ARRIVAL:
            rc = arrival(run, &e);
            break;
        case EV_SHIFT:
            shift_change(run, e.a);
            break;
        case EV_TIMER:
            timer_fired(run, &e);
            break;
        case EV_LATE:
            if (tk_at(run, e.a)->id == e.gen) {
                enqueue(run, e.a, (uint32_t)sc->sec_team);
            }
            break;
        case EV_CONTAIN:
            if (tk_at(run, e.a)->id == e.gen) {
                struct sim_ticket *tk = tk_at(run, e.a);
                emit_contained(run, tk);
                record_ttc(run, tk, run->now, 0);
                resolved(run, tk);
                ticket_free(run, e.a);
            }
            break;
        case EV_SAMPLE:
            sample(run, e.a);
            break;
        case EV_SPIKE_START:
            spike_start(run);
            break;
        case EV_SPIKE_END:
            spike_end(run);
            break;
        default:
            break;
        }
        if (rc) {
            break;
        }
        if (run->now >= sc->horizon_ms && run->tickets.live == 0) {
            break;
        }
    }
    /* Close the books: time integrals to the horizon, tickets still open. */
    for (size_t t = 0; t < sc->nteams; t++) {
        if (run->teams[t].watching) {
            run->teams[t].drain_ms = run->now - run->spike_end_ms;
        }
    }
    if (run->tot_watching) {
        run->tot_drain_ms = run->now - run->spike_end_ms;
    }
    for (uint32_t i = 0; i < run->tickets.used; i++) {
        struct sim_ticket *tk = tk_at(run, i);
        if (!rc && tk->id != 0 && tk->in_window) {
            if (tk->is_sec) {
                /* Censored at the end of the run: counted, and as a lower bound. */
                run->uncontained++;
                record_ttc(run, tk, run->now, 1);
            }
            if (sc->sla_resolve_ms[tk->priority] && !((tk->flags & SIM_TF_RESOLVED))) {
                run->sla_res_n++;
            }
            if (sc->sla_response_ms[tk->priority] && tk->first_ms < 0) {
                run->sla_resp_n++;
            }
        }
    }
    if (!rc) {
        results(run, kpi);
        if (run->ttc_n > 1) {
            qsort(run->incidents, run->ttc_n, sizeof(*run->incidents), incident_cmp);
        }
        rc = emit_end(run);
    }
    if (events) {
        *events = nev;
    }
    return rc;
}
