/*
 * Calibration from an analyzer database (docs/calibration.md): read the
 * tickets and their ownership segments with SQL through core/store, fit
 * arrivals, ticket types, holding times, the routing between groups and
 * bounce figures, and write a scenario that `handoff simulate` reads as it
 * is. Also the historical KPIs for `simulate --validate` and the arrivals
 * for trace replay. The event loop and the scenario parser live elsewhere.
 */
#include "simulator/sim_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/stats.h"
#include "core/store.h"
#include "core/time.h"

#define MAX_EMPIRICAL  400 /* points kept of an empirical distribution */
#define SIM_UNASSIGNED "(unassigned)"

/* ---- the history in memory ------------------------------------------- */

/* One holding: consecutive segments of one group (docs/metrics.md, "Misroute"). */
struct holding {
    uint32_t grp;     /* intern id */
    int64_t start_ms; /* the first holding starts when the ticket opens */
    int64_t dur_ms;   /* to the next holding or the first resolution; -1: unknown */
};

struct hticket {
    int64_t id;
    int64_t opened_ms;
    int64_t ttr_ms; /* -1: never done */
    uint32_t cat, subcat;
    int priority;
    int reassignments; /* ticket_metrics.reassignments; -1: none */
    size_t h0, nh;     /* its holdings in hist.h */
};

struct hist {
    struct hd_intern *strs;
    struct hticket *t;
    size_t nt, at;
    struct holding *h;
    size_t nh, ah;
    unsigned char *sec; /* per group id: a security group */
    uint32_t ngrp;      /* largest group id + 1 */
    int64_t from_ms, to_ms;
};

static void hist_release(struct hist *h)
{
    hd_intern_free(h->strs);
    free(h->t);
    free(h->h);
    free(h->sec);
    memset(h, 0, sizeof(*h));
}

static int cmp_tid(const void *a, const void *b)
{
    const struct hticket *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_topened(const void *a, const void *b)
{
    const struct hticket *x = a, *y = b;
    if (x->opened_ms != y->opened_ms) {
        return (x->opened_ms > y->opened_ms) - (x->opened_ms < y->opened_ms);
    }
    return (x->id > y->id) - (x->id < y->id);
}

static uint32_t col_str(struct hd_intern *in, sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? hd_intern_id(in, (const char *)s, (size_t)sqlite3_column_bytes(st, i)) : 0;
}

/* Whole word `w` in `s`, case-insensitive: "SOC L2" has "soc", "Associates" has not. */
static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && (p[i] | 0x20) == w[i]) {
            i++;
        }
        if (i == n) {
            int before = p == s || !((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z');
            int after = !((p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z');
            if (before && after) {
                return 1;
            }
        }
    }
    return 0;
}

static int is_security(const struct sim_calib_opts *o, const char *name)
{
    for (size_t i = 0; i < o->nsecurity; i++) {
        if (!strcmp(o->security[i], name)) {
            return 1;
        }
    }
    if (o->nsecurity) {
        return 0;
    }
    /* The analyzer's default rule (docs/metrics.md, "Security"). */
    return has_word(name, "security") || has_word(name, "soc") || has_word(name, "csirt") ||
           has_word(name, "cert");
}

#define TICKET_FILTER                                                                              \
    " t.opened_ms IS NOT NULL AND t.opened_ms >= ?1 AND t.opened_ms < ?2"                          \
    " AND (?3 IS NULL OR t.client = ?3)"

static void bind_filter(sqlite3_stmt *st, const struct sim_calib_opts *o)
{
    sqlite3_bind_int64(st, 1, o->from_ms);
    sqlite3_bind_int64(st, 2, o->to_ms);
    if (o->client) {
        sqlite3_bind_text(st, 3, o->client, -1, SQLITE_STATIC);
    }
}

/*
 * Load the tickets opened in [from, to) of the client and their holdings.
 * Holdings come from `segments` with empty groups left out and consecutive
 * segments of one group merged; a holding lasts until the next one starts,
 * the last one until the ticket is first done, so the holdings of a ticket
 * add up to its time to resolve.
 */
static int hist_load(struct hist *h, const struct sim_calib_opts *o, struct hd_err *err)
{
    struct hd_store *st = NULL;
    sqlite3_stmt *q = NULL;
    int rc, src;

    memset(h, 0, sizeof(*h));
    h->strs = hd_intern_new();
    rc = hd_store_open(o->db_path, HD_STORE_READONLY, &st, err);
    if (rc) {
        goto out;
    }
    rc = hd_store_prepare(st,
                          "SELECT t.id, t.opened_ms, t.category, t.subcategory, t.priority,"
                          " m.time_to_resolve_ms, m.reassignments"
                          " FROM tickets t LEFT JOIN ticket_metrics m ON m.ticket_id = t.id"
                          " WHERE" TICKET_FILTER " ORDER BY t.id",
                          &q, err);
    if (rc) {
        goto out;
    }
    bind_filter(q, o);
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        struct hticket *t;
        if (h->nt == h->at) {
            HD_GROW(h->t, h->at, h->nt + 1);
        }
        t = &h->t[h->nt++];
        memset(t, 0, sizeof(*t));
        t->id = sqlite3_column_int64(q, 0);
        t->opened_ms = sqlite3_column_int64(q, 1);
        t->cat = col_str(h->strs, q, 2);
        t->subcat = col_str(h->strs, q, 3);
        t->priority = sqlite3_column_int(q, 4);
        if (t->priority < 0 || t->priority > SIM_NPRIO) {
            t->priority = 0;
        }
        t->ttr_ms = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 5);
        t->reassignments = sqlite3_column_type(q, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 6);
    }
    if (src != SQLITE_DONE) {
        rc = hd_store_fail(st, err, "reading tickets");
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;

    rc = hd_store_prepare(st,
                          "SELECT s.ticket_id, s.grp, s.start_ms FROM segments s"
                          " JOIN tickets t ON t.id = s.ticket_id"
                          " WHERE" TICKET_FILTER " AND s.grp IS NOT NULL AND s.grp <> ''"
                          " ORDER BY s.ticket_id, s.seq",
                          &q, err);
    if (rc) {
        goto out;
    }
    bind_filter(q, o);
    {
        struct hticket *cur = NULL;
        while ((src = sqlite3_step(q)) == SQLITE_ROW) {
            struct hticket key;
            uint32_t g = col_str(h->strs, q, 1);
            int64_t start = sqlite3_column_int64(q, 2);
            key.id = sqlite3_column_int64(q, 0);
            if (!cur || cur->id != key.id) {
                cur = bsearch(&key, h->t, h->nt, sizeof(*h->t), cmp_tid);
                if (!cur) {
                    continue;
                }
                cur->h0 = h->nh;
            }
            if (cur->nh && h->h[cur->h0 + cur->nh - 1].grp == g) {
                continue; /* the same group: one holding */
            }
            if (h->nh == h->ah) {
                HD_GROW(h->h, h->ah, h->nh + 1);
            }
            h->h[h->nh].grp = g;
            h->h[h->nh].start_ms = cur->nh ? start : cur->opened_ms;
            h->h[h->nh].dur_ms = -1;
            h->nh++;
            cur->nh++;
        }
    }
    if (src != SQLITE_DONE) {
        rc = hd_store_fail(st, err, "reading segments");
        goto out;
    }
    /* A ticket never assigned to a group is held by the pseudo-group
     * "(unassigned)" from opening to resolution, so the model keeps it. */
    for (size_t i = 0; i < h->nt; i++) {
        struct hticket *t = &h->t[i];
        if (t->nh == 0) {
            if (h->nh == h->ah) {
                HD_GROW(h->h, h->ah, h->nh + 1);
            }
            t->h0 = h->nh;
            t->nh = 1;
            h->h[h->nh].grp = hd_intern_id(h->strs, SIM_UNASSIGNED, strlen(SIM_UNASSIGNED));
            h->h[h->nh].start_ms = t->opened_ms;
            h->h[h->nh].dur_ms = -1;
            h->nh++;
        }
    }
    for (size_t i = 0; i < h->nt; i++) {
        struct hticket *t = &h->t[i];
        for (size_t k = 0; k < t->nh; k++) {
            struct holding *x = &h->h[t->h0 + k];
            int64_t end = k + 1 < t->nh    ? h->h[t->h0 + k + 1].start_ms
                          : t->ttr_ms >= 0 ? t->opened_ms + t->ttr_ms
                                           : -1;
            x->dur_ms = end >= x->start_ms ? end - x->start_ms : -1;
        }
    }
    h->ngrp = hd_intern_count(h->strs) + 1;
    h->sec = hd_xcalloc(h->ngrp, 1);
    for (uint32_t g = 1; g < h->ngrp; g++) {
        h->sec[g] = (unsigned char)is_security(o, hd_intern_str(h->strs, g));
    }
    h->from_ms = o->from_ms;
    h->to_ms = o->to_ms;
out:
    sqlite3_finalize(q);
    hd_store_close(st);
    if (rc) {
        hist_release(h);
    }
    return rc;
}

/* The period: as given, else from the first to just after the last ticket opened. */
static int hist_period(const struct sim_calib_opts *o, struct sim_calib_opts *eff,
                       struct hd_err *err)
{
    struct hd_store *st = NULL;
    sqlite3_stmt *q = NULL;
    int rc;

    *eff = *o;
    if (o->from_ms != INT64_MIN && o->to_ms != INT64_MAX) {
        return HD_OK;
    }
    rc = hd_store_open(o->db_path, HD_STORE_READONLY, &st, err);
    if (rc) {
        return rc;
    }
    rc = hd_store_prepare(
        st, "SELECT min(t.opened_ms), max(t.opened_ms) FROM tickets t WHERE" TICKET_FILTER, &q,
        err);
    if (!rc) {
        bind_filter(q, o);
        if (sqlite3_step(q) != SQLITE_ROW) {
            rc = hd_store_fail(st, err, "reading tickets");
        } else if (sqlite3_column_type(q, 0) == SQLITE_NULL) {
            rc = hd_err_set(err, HD_EINPUT, o->db_path, 0, "no tickets opened in the period%s%s",
                            o->client ? " for client " : "", o->client ? o->client : "");
        } else {
            if (o->from_ms == INT64_MIN) {
                eff->from_ms = sqlite3_column_int64(q, 0);
            }
            if (o->to_ms == INT64_MAX) {
                eff->to_ms = sqlite3_column_int64(q, 1) + 1;
            }
        }
    }
    sqlite3_finalize(q);
    hd_store_close(st);
    return rc;
}

/* ---- small statistics ------------------------------------------------- */

struct counts {
    double *c; /* by id */
    size_t n;
};

static void counts_add(struct counts *k, uint32_t id, double w)
{
    if (id >= k->n) {
        size_t n = id + 16;
        k->c = hd_xrealloc(k->c, n * sizeof(double));
        memset(k->c + k->n, 0, (n - k->n) * sizeof(double));
        k->n = n;
    }
    k->c[id] += w;
}

static double counts_total(const struct counts *k)
{
    double s = 0;
    for (size_t i = 0; i < k->n; i++) {
        s += k->c[i];
    }
    return s;
}

static json_t *num(double x)
{
    /* Six significant digits: the file stays readable and diffable. */
    char buf[32];
    snprintf(buf, sizeof(buf), "%.6g", x);
    return json_real(strtod(buf, NULL));
}

/* Weights {"name": share} of the groups (or strings) counted in k. */
static json_t *weights_json(const struct counts *k, const struct hd_intern *strs)
{
    json_t *o = json_object();
    double tot = counts_total(k);
    for (size_t i = 1; i < k->n; i++) {
        if (k->c[i] > 0) {
            json_object_set_new(o, hd_intern_str(strs, (uint32_t)i), num(k->c[i] / tot));
        }
    }
    return o;
}

static json_t *prio_weights_json(const double *c)
{
    json_t *o = json_object();
    double tot = 0;
    for (int p = 1; p <= SIM_NPRIO; p++) {
        tot += c[p];
    }
    for (int p = 1; p <= SIM_NPRIO; p++) {
        if (c[p] > 0) {
            char key[16];
            snprintf(key, sizeof(key), "P%d", p);
            json_object_set_new(o, key, num(c[p] / tot));
        }
    }
    if (tot <= 0) {
        json_object_set_new(o, "P3", json_real(1));
    }
    return o;
}

struct fit {
    size_t n;
    double mean_min, p50_min, p90_min;
    double mu, sigma; /* lognormal of the positive values, in log minutes */
    double zero_share;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sort `ms` and fit; the empirical distribution of at most MAX_EMPIRICAL points. */
static json_t *dist_fit(int64_t *ms, size_t n, struct fit *f)
{
    json_t *d = json_object(), *arr = json_array();
    struct hd_welford lw = {0};
    double sum = 0;
    size_t zeros = 0;

    memset(f, 0, sizeof(*f));
    if (n > 1) {
        qsort(ms, n, sizeof(*ms), cmp_i64);
    }
    for (size_t i = 0; i < n; i++) {
        double m = (double)ms[i] / HD_MS_PER_MIN;
        sum += m;
        if (ms[i] > 0) {
            hd_welford_add(&lw, log(m));
        } else {
            zeros++;
        }
    }
    f->n = n;
    f->mean_min = n ? sum / (double)n : 0;
    f->p50_min = n ? (double)hd_quantile_sorted_i64(ms, n, 0.5) / HD_MS_PER_MIN : 0;
    f->p90_min = n ? (double)hd_quantile_sorted_i64(ms, n, 0.9) / HD_MS_PER_MIN : 0;
    f->mu = lw.n ? lw.mean : 0;
    f->sigma = lw.n > 1 ? hd_welford_sd(&lw) : 0;
    f->zero_share = n ? (double)zeros / (double)n : 0;
    if (n == 0) {
        json_array_append_new(arr, json_real(0));
    } else if (n <= MAX_EMPIRICAL) {
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(arr, num((double)ms[i] / HD_MS_PER_MIN));
        }
    } else {
        /* Evenly spaced quantiles, min and max included: interpolating between
         * them keeps the mean within a fraction of a percent of the sample's. */
        for (size_t i = 0; i < MAX_EMPIRICAL; i++) {
            double p = (double)i / (MAX_EMPIRICAL - 1);
            json_array_append_new(arr,
                                  num((double)hd_quantile_sorted_i64(ms, n, p) / HD_MS_PER_MIN));
        }
    }
    json_object_set_new(d, "dist", json_string("empirical"));
    json_object_set_new(d, "minutes", arr);
    json_object_set_new(d, "interpolate", json_true());
    return d;
}

/* ---- the notes -------------------------------------------------------- */

struct notes {
    json_t *arr;
    FILE *out; /* the summary for the user, or NULL */
};

static void note(struct notes *nt, const char *figure, size_t n, const char *source,
                 const char *fallback, json_t *extra)
{
    json_t *o = json_object();
    json_object_set_new(o, "figure", json_string(figure));
    json_object_set_new(o, "n", json_integer((json_int_t)n));
    json_object_set_new(o, "source", json_string(source));
    if (fallback) {
        json_object_set_new(o, "fallback", json_string(fallback));
    }
    if (nt->out) {
        const json_t *v = extra ? json_object_get(extra, "value") : NULL;
        char val[48] = "";
        if (v) {
            snprintf(val, sizeof(val), " = %.4g", json_number_value(v));
        }
        fprintf(nt->out, "  %-44s n=%-7zu %s%s%s%s\n", figure, n, source, val, fallback ? "; " : "",
                fallback ? fallback : "");
    }
    if (extra) {
        json_object_update(o, extra);
        json_decref(extra);
    }
    json_array_append_new(nt->arr, o);
}

/* ---- fitting ---------------------------------------------------------- */

static const char *const day_keys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Hour of the week, 0 = Monday 00:00 UTC. */
static int hour_of_week(int64_t ms)
{
    int64_t h = ms >= 0 ? ms / HD_MS_PER_H : (ms - HD_MS_PER_H + 1) / HD_MS_PER_H;
    /* 1970-01-01 was a Thursday: hour 0 of the epoch is hour 72 of its week. */
    return (int)(((h + 72) % 168 + 168) % 168);
}

static json_t *fit_arrivals(const struct hist *h, const struct sim_calib_opts *o, struct notes *nt)
{
    double cnt[168] = {0}, expo[168] = {0}, rate[168];
    double hcnt[24] = {0}, hexpo[24] = {0};
    double total_h = (double)(h->to_ms - h->from_ms) / HD_MS_PER_H;
    size_t n = h->nt;
    json_t *arr = json_object(), *how = json_object();
    const char *fallback = NULL;
    char src[160];

    for (size_t i = 0; i < n; i++) {
        cnt[hour_of_week(h->t[i].opened_ms)]++;
    }
    for (int64_t t = h->from_ms; t < h->to_ms;) {
        int64_t next = (t / HD_MS_PER_H + 1) * HD_MS_PER_H;
        if (next > h->to_ms) {
            next = h->to_ms;
        }
        expo[hour_of_week(t)] += (double)(next - t) / HD_MS_PER_H;
        t = next;
    }
    for (int k = 0; k < 168; k++) {
        hcnt[k % 24] += cnt[k];
        hexpo[k % 24] += expo[k];
    }
    /* A rate needs, on average, a third of min_n tickets (10 by default). */
    size_t per_rate = (o->min_n + 2) / 3;
    if (n >= per_rate * 168) {
        for (int k = 0; k < 168; k++) {
            rate[k] = expo[k] > 0         ? cnt[k] / expo[k]
                      : hexpo[k % 24] > 0 ? hcnt[k % 24] / hexpo[k % 24]
                                          : (double)n / total_h;
        }
        snprintf(src, sizeof(src), "tickets opened per hour of the week (UTC), %.0f h observed",
                 total_h);
    } else if (n >= per_rate * 24) {
        for (int k = 0; k < 168; k++) {
            rate[k] = hexpo[k % 24] > 0 ? hcnt[k % 24] / hexpo[k % 24] : (double)n / total_h;
        }
        snprintf(src, sizeof(src), "tickets opened per hour of the day (UTC), %.0f h observed",
                 total_h);
        fallback = "too few tickets for 168 hour-of-week rates: one profile by hour of day "
                   "for every day";
    } else {
        for (int k = 0; k < 168; k++) {
            rate[k] = (double)n / total_h;
        }
        snprintf(src, sizeof(src), "tickets opened over %.0f h", total_h);
        fallback = "too few tickets for an hourly profile: one constant rate";
    }
    for (int d = 0; d < 7; d++) {
        json_t *day = json_array();
        for (int hh = 0; hh < 24; hh++) {
            json_array_append_new(day, num(rate[d * 24 + hh]));
        }
        json_object_set_new(how, day_keys[d], day);
    }
    json_object_set_new(arr, "hour_of_week", how);
    {
        json_t *x = json_object();
        json_object_set_new(x, "mean_rate_per_h", num((double)n / total_h));
        note(nt, "arrivals.hour_of_week", n, src, fallback, x);
    }
    return arr;
}

/* A growable array of durations. */
struct msv {
    int64_t *v;
    size_t n, a;
};

static void msv_push(struct msv *m, int64_t x)
{
    if (m->n == m->a) {
        HD_GROW(m->v, m->a, m->n + 1);
    }
    m->v[m->n++] = x;
}

static void msv_cat(struct msv *m, const struct msv *x)
{
    for (size_t i = 0; i < x->n; i++) {
        msv_push(m, x->v[i]);
    }
}

static const char *const hold_keys[2][SIM_NPOS] = {
    {"resolve_first", "resolve_second", "resolve_later"},
    {"pass_first", "pass_second", "pass_later"}};

/* The position class of the k-th holding (0-based): first, second, later. */
static int pos_of(size_t k)
{
    return k >= SIM_NPOS ? SIM_NPOS - 1 : (int)k;
}

/* The standard normal score of probability q in (0, 1), by bisection: O(60). */
static double normal_score(double q)
{
    double lo = -9, hi = 9;
    for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(-mid / sqrt(2.0)) < q) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return (lo + hi) / 2;
}

/* The normal score of `x` by its mid-rank in the sorted `m`. O(log n). */
static double rank_score(const struct msv *m, int64_t x)
{
    size_t lo = 0, hi = m->n, a, b;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    a = lo;
    hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid] <= x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    b = lo;
    {
        double n = (double)m->n, q = ((double)a + (double)b) / 2 / n;
        q = q < 0.5 / n ? 0.5 / n : q > 1 - 0.5 / n ? 1 - 0.5 / n : q;
        return normal_score(q);
    }
}

/* Per group id, what calibrate learned of its holdings. */
struct gstat {
    struct msv hold[2][SIM_NPOS];            /* holding times by [ends in a pass][position] */
    size_t ends, ends_pos[SIM_NPOS];         /* holdings that ended (resolved or passed) */
    size_t resolves, resolves_pos[SIM_NPOS]; /* of those, resolved; by position */
    size_t passes_prev, backs;               /* passes with a group before; of those, back to it */
    struct counts to;                        /* passes not back, by destination */
    size_t holdings;
};

static int cmp_size_desc(const void *a, const void *b, const size_t *key)
{
    size_t x = key[*(const uint32_t *)a], y = key[*(const uint32_t *)b];
    if (x != y) {
        return x < y ? 1 : -1;
    }
    return (*(const uint32_t *)a > *(const uint32_t *)b) -
           (*(const uint32_t *)a < *(const uint32_t *)b);
}

static const size_t *sort_key;

static int cmp_by_key(const void *a, const void *b)
{
    return cmp_size_desc(a, b, sort_key);
}

int sim_calibrate(const struct sim_calib_opts *opts, FILE *out, FILE *summary, struct hd_err *err)
{
    struct sim_calib_opts o;
    struct hist h;
    struct notes nt = {NULL, summary};
    struct gstat *gs = NULL;
    json_t *root = NULL, *teams, *types, *routing, *first, *groups, *calib;
    uint32_t *order = NULL, *cat_type = NULL;
    size_t *gkey = NULL, ngroups = 0, nsec_tickets = 0, nwith = 0;
    int rc;

    rc = hist_period(opts, &o, err);
    if (rc) {
        return rc;
    }
    if (o.min_n == 0) {
        o.min_n = 30;
    }
    rc = hist_load(&h, &o, err);
    if (rc) {
        return rc;
    }
    if (h.nt == 0) {
        rc = hd_err_set(err, HD_EINPUT, o.db_path, 0, "no tickets opened in the period");
        goto out;
    }
    root = json_object();
    nt.arr = json_array();
    if (summary) {
        char a[40], b[40];
        hd_time_format(o.from_ms, a, sizeof(a));
        hd_time_format(o.to_ms, b, sizeof(b));
        fprintf(summary, "calibrated from %s: %zu tickets opened %s .. %s%s%s\n", o.db_path, h.nt,
                a, b, o.client ? ", client " : "", o.client ? o.client : "");
        fprintf(summary,
                "figures (n = tickets or holdings each rests on; at least %u per figure, "
                "else the pooled estimate named):\n",
                o.min_n);
    }

    /* Holdings per group. */
    gs = hd_xcalloc(h.ngrp, sizeof(*gs));
    for (size_t i = 0; i < h.nt; i++) {
        const struct hticket *t = &h.t[i];
        int sec = 0;
        nwith += t->nh > 0;
        for (size_t k = 0; k < t->nh; k++) {
            const struct holding *x = &h.h[t->h0 + k];
            struct gstat *g = &gs[x->grp];
            sec |= h.sec[x->grp];
            g->holdings++;
            if (k + 1 < t->nh) {
                uint32_t to = h.h[t->h0 + k + 1].grp;
                g->ends++;
                g->ends_pos[pos_of(k)]++;
                if (x->dur_ms >= 0) {
                    msv_push(&g->hold[1][pos_of(k)], x->dur_ms);
                }
                if (k > 0) {
                    g->passes_prev++;
                    if (to == h.h[t->h0 + k - 1].grp) {
                        g->backs++;
                        continue;
                    }
                }
                counts_add(&g->to, to, 1);
            } else if (t->ttr_ms >= 0) {
                g->ends++;
                g->resolves++;
                g->ends_pos[pos_of(k)]++;
                g->resolves_pos[pos_of(k)]++;
                if (x->dur_ms >= 0) {
                    msv_push(&g->hold[0][pos_of(k)], x->dur_ms);
                }
            }
        }
        nsec_tickets += sec;
    }
    /* How much a ticket's holdings are slow or fast together: the correlation of
     * the normal scores of consecutive holdings, each scored within its group,
     * outcome and position (the one-factor model of the simulator). */
    double hold_corr = 0;
    size_t npairs = 0;
    {
        struct hd_welford wx = {0}, wy = {0};
        double sxy = 0;
        for (uint32_t g = 1; g < h.ngrp; g++) {
            for (int k = 0; k < 2 * SIM_NPOS; k++) {
                struct msv *m = &gs[g].hold[k / SIM_NPOS][k % SIM_NPOS];
                if (m->n > 1) {
                    qsort(m->v, m->n, sizeof(*m->v), cmp_i64);
                }
            }
        }
        for (size_t i = 0; i < h.nt; i++) {
            const struct hticket *t = &h.t[i];
            for (size_t k = 0; k + 1 < t->nh; k++) {
                const struct holding *x = &h.h[t->h0 + k], *y = x + 1;
                const struct msv *mx, *my;
                double zx, zy;
                if (x->dur_ms < 0 || y->dur_ms < 0) {
                    continue;
                }
                mx = &gs[x->grp].hold[1][pos_of(k)];
                my = &gs[y->grp].hold[k + 2 < t->nh][pos_of(k + 1)];
                if (mx->n < 2 || my->n < 2) {
                    continue;
                }
                zx = rank_score(mx, x->dur_ms);
                zy = rank_score(my, y->dur_ms);
                hd_welford_add(&wx, zx);
                hd_welford_add(&wy, zy);
                sxy += zx * zy;
                npairs++;
            }
        }
        if (npairs >= o.min_n) {
            double cov = sxy / (double)npairs - wx.mean * wy.mean;
            double sx = sqrt(wx.m2 / (double)npairs), sy = sqrt(wy.m2 / (double)npairs);
            hold_corr = sx > 0 && sy > 0 ? cov / (sx * sy) : 0;
            hold_corr = hold_corr < 0 ? 0 : hold_corr > 0.99 ? 0.99 : hold_corr;
        }
    }
    /* Teams in order of holdings, busiest first. */
    order = hd_xcalloc(h.ngrp, sizeof(*order));
    gkey = hd_xcalloc(h.ngrp, sizeof(*gkey));
    for (uint32_t g = 1; g < h.ngrp; g++) {
        gkey[g] = gs[g].holdings;
        if (gs[g].holdings) {
            order[ngroups++] = g;
        }
    }
    sort_key = gkey;
    if (ngroups > 1) {
        qsort(order, ngroups, sizeof(*order), cmp_by_key);
    }
    if (ngroups == 0) {
        rc = hd_err_set(err, HD_EINPUT, o.db_path, 0,
                        "no ticket in the period was ever assigned to a group: nothing to route");
        goto out;
    }
    if (ngroups > SIM_MAX_TEAMS) {
        rc = hd_err_set(err, HD_EINPUT, o.db_path, 0,
                        "%zu groups, more than the simulator's %d teams", ngroups, SIM_MAX_TEAMS);
        goto out;
    }

    json_object_set_new(root, "name", json_string("calibrated"));
    {
        char a[40], b[64];
        hd_time_format(o.from_ms, a, sizeof(a));
        json_object_set_new(root, "description",
                            json_string("Fitted by handoff calibrate; see calibration.notes for "
                                        "where each figure came from."));
        json_object_set_new(root, "start", json_string(a));
        json_object_set_new(root, "zone", json_string("UTC"));
        snprintf(b, sizeof(b), "%" PRId64 "ms", o.to_ms - o.from_ms);
        json_object_set_new(root, "horizon", json_string(b));
    }
    json_object_set_new(root, "warmup", json_string("0"));
    json_object_set_new(root, "drain", json_string("52w"));
    json_object_set_new(root, "replications", json_integer(5));
    json_object_set_new(root, "seed", json_integer(1));

    /* Holding-time pools for groups with too few holdings. */
    {
        struct msv all[2][SIM_NPOS];
        struct fit pooled[2][SIM_NPOS], f;
        json_t *pj[2][SIM_NPOS];
        char src[240];

        memset(all, 0, sizeof(all));
        for (int o2 = 0; o2 < 2; o2++) {
            for (int p2 = 0; p2 < SIM_NPOS; p2++) {
                for (uint32_t g = 1; g < h.ngrp; g++) {
                    msv_cat(&all[o2][p2], &gs[g].hold[o2][p2]);
                }
                pj[o2][p2] = dist_fit(all[o2][p2].v, all[o2][p2].n, &pooled[o2][p2]);
            }
        }

        teams = json_array();
        groups = json_object();
        for (size_t i = 0; i < ngroups; i++) {
            uint32_t g = order[i];
            const char *name = hd_intern_str(h.strs, g);
            struct gstat *s = &gs[g];
            json_t *team = json_object(), *x, *row, *hold;
            struct msv res = {0};
            char fig[200];

            json_object_set_new(team, "name", json_string(name));
            /* Unlimited agents: queue waits are part of the observed holdings. */
            json_object_set_new(team, "agents", json_integer(5000));
            for (int p2 = 0; p2 < SIM_NPOS; p2++) {
                msv_cat(&res, &s->hold[0][p2]);
            }
            snprintf(fig, sizeof(fig), "teams.%s.service", name);
            if (res.n >= o.min_n) {
                json_object_set_new(team, "service", dist_fit(res.v, res.n, &f));
                snprintf(src, sizeof(src),
                         "holdings that ended in resolution: mean %.1f min, p50 %.1f, lognormal "
                         "mu %.3f sigma %.3f",
                         f.mean_min, f.p50_min, f.mu, f.sigma);
                x = json_pack("{s:f,s:f,s:f,s:{s:f,s:f},s:f}", "mean_min", f.mean_min, "p50_min",
                              f.p50_min, "p90_min", f.p90_min, "lognormal", "mu", f.mu, "sigma",
                              f.sigma, "zero_share", f.zero_share);
                note(&nt, fig, res.n, src, NULL, x);
            } else {
                struct msv both = {0};
                msv_cat(&both, &all[0][0]);
                msv_cat(&both, &all[0][1]);
                json_object_set_new(team, "service", dist_fit(both.v, both.n, &f));
                free(both.v);
                note(&nt, fig, res.n, "holdings that ended in resolution",
                     "too few: pooled over all groups' resolving holdings", NULL);
            }
            free(res.v);
            if (h.sec[g]) {
                json_object_set_new(team, "security", json_true());
            }
            json_array_append_new(teams, team);

            /* Routing row: resolve or pass on, back or elsewhere, how long. */
            row = json_object();
            snprintf(fig, sizeof(fig), "routing.groups.%s", name);
            /* The chance a holding ends the ticket, at the first holding and
             * later: the group's own, else the group's at either position, else
             * all groups' at that position. */
            for (int p2 = 0; p2 < SIM_NPOS; p2++) {
                static const char *const pkeys[SIM_NPOS] = {"resolve", "resolve_second",
                                                            "resolve_later"};
                const char *key = pkeys[p2];
                const char *fb = NULL;
                double pr;
                char fig2[260];
                if (s->ends_pos[p2] >= o.min_n) {
                    pr = (double)s->resolves_pos[p2] / (double)s->ends_pos[p2];
                } else if (s->ends >= o.min_n) {
                    pr = (double)s->resolves / (double)s->ends;
                    fb = "too few at this position: the group's share at either position";
                } else {
                    size_t e = 0, r = 0;
                    for (uint32_t k = 1; k < h.ngrp; k++) {
                        e += gs[k].ends_pos[p2];
                        r += gs[k].resolves_pos[p2];
                    }
                    pr = e ? (double)r / (double)e : 1;
                    fb = "too few: all groups' share at this position";
                }
                json_object_set_new(row, key, num(pr));
                snprintf(fig2, sizeof(fig2), "%s.%s", fig, key);
                note(&nt, fig2, s->ends_pos[p2],
                     "holdings at this position that ended: resolved or passed on", fb, NULL);
            }
            if (s->passes_prev >= o.min_n) {
                json_object_set_new(row, "back", num((double)s->backs / (double)s->passes_prev));
            } else {
                size_t pp = 0, b2 = 0;
                for (uint32_t k = 1; k < h.ngrp; k++) {
                    pp += gs[k].passes_prev;
                    b2 += gs[k].backs;
                }
                json_object_set_new(row, "back", num(pp ? (double)b2 / (double)pp : 0));
            }
            if (counts_total(&s->to) >= o.min_n) {
                json_object_set_new(row, "to", weights_json(&s->to, h.strs));
            } else {
                struct counts pool = {0};
                for (uint32_t k = 1; k < h.ngrp; k++) {
                    for (size_t d = 0; d < gs[k].to.n; d++) {
                        if (d != g && gs[k].to.c[d] > 0) {
                            counts_add(&pool, (uint32_t)d, gs[k].to.c[d]);
                        }
                    }
                }
                if (counts_total(&pool) > 0) {
                    json_object_set_new(row, "to", weights_json(&pool, h.strs));
                } else {
                    json_object_set_new(row, "resolve", json_real(1));
                }
                free(pool.c);
            }
            /* Holding times by outcome and position: the group's own, else the
             * group's for that outcome at either position, else all groups'. */
            hold = json_object();
            for (int o2 = 0; o2 < 2; o2++) {
                struct msv any = {0};
                for (int p2 = 0; p2 < SIM_NPOS; p2++) {
                    msv_cat(&any, &s->hold[o2][p2]);
                }
                for (int p2 = 0; p2 < SIM_NPOS; p2++) {
                    const struct msv *m = &s->hold[o2][p2];
                    const char *fb = NULL;
                    json_t *d;
                    char fig2[260];
                    if (m->n >= o.min_n) {
                        d = dist_fit(m->v, m->n, &f);
                    } else if (any.n >= o.min_n) {
                        d = dist_fit(any.v, any.n, &f);
                        fb = "too few: the group's holdings of this outcome at any position";
                    } else if (pooled[o2][p2].n > 0) {
                        d = json_deep_copy(pj[o2][p2]);
                        fb = "too few: all groups' holdings of this outcome and position";
                    } else {
                        continue;
                    }
                    json_object_set_new(hold, hold_keys[o2][p2], d);
                    snprintf(fig2, sizeof(fig2), "routing.groups.%s.hold.%s", name,
                             hold_keys[o2][p2]);
                    if (fb || m->n) {
                        note(&nt, fig2, m->n,
                             o2 ? "holdings that ended in a pass"
                                : "holdings that ended in resolution",
                             fb, NULL);
                    }
                }
                free(any.v);
            }
            json_object_set_new(row, "hold", hold);
            json_object_set_new(row, "n", json_integer((json_int_t)s->ends));
            json_object_set_new(groups, name, row);
        }
        for (int o2 = 0; o2 < 2; o2++) {
            for (int p2 = 0; p2 < SIM_NPOS; p2++) {
                const struct fit *pf = &pooled[o2][p2];
                char fig[80];
                json_t *x = json_pack("{s:f,s:f,s:f,s:{s:f,s:f}}", "mean_min", pf->mean_min,
                                      "p50_min", pf->p50_min, "p90_min", pf->p90_min, "lognormal",
                                      "mu", pf->mu, "sigma", pf->sigma);
                snprintf(fig, sizeof(fig), "pooled holding %s", hold_keys[o2][p2]);
                note(&nt, fig, pf->n, "all groups' holdings (the last fallback)", NULL, x);
                json_decref(pj[o2][p2]);
                free(all[o2][p2].v);
            }
        }
    }
    json_object_set_new(root, "teams", teams);

    /* Ticket types: one per category with enough tickets, the rest pooled. */
    {
        struct counts catn = {0};
        double(*prio)[SIM_NPRIO + 1];
        struct counts *resolver;
        uint32_t ncat = hd_intern_count(h.strs) + 1, other = 0;
        size_t nother = 0;
        char fig[200];

        prio = hd_xcalloc(ncat + 1, sizeof(*prio));
        resolver = hd_xcalloc(ncat + 1, sizeof(*resolver));
        cat_type = hd_xcalloc(ncat + 1, sizeof(*cat_type));
        for (size_t i = 0; i < h.nt; i++) {
            const struct hticket *t = &h.t[i];
            counts_add(&catn, t->cat, 1);
        }
        for (uint32_t c = 0; c < ncat; c++) {
            int own = c != 0 && c < catn.n && catn.c[c] >= o.min_n;
            cat_type[c] = own ? c : ncat; /* ncat: the pooled type */
            nother += !own && c < catn.n ? (size_t)catn.c[c] : 0;
        }
        for (size_t i = 0; i < h.nt; i++) {
            const struct hticket *t = &h.t[i];
            uint32_t k = cat_type[t->cat];
            prio[k][t->priority]++;
            if (t->nh) {
                counts_add(&resolver[k], h.h[t->h0 + t->nh - 1].grp, 1);
            }
        }
        types = json_array();
        for (uint32_t pass = 0; pass < 2; pass++) {
            for (uint32_t c = 1; c <= ncat; c++) {
                uint32_t k = c;
                json_t *ty;
                double best = -1;
                uint32_t res = order[0];
                if (pass == 0 ? !(c < ncat && cat_type[c] == c) : c != ncat) {
                    continue;
                }
                if (c == ncat && nother == 0) {
                    continue;
                }
                for (size_t g = 1; g < resolver[k].n; g++) {
                    if (resolver[k].c[g] > best) {
                        best = resolver[k].c[g];
                        res = (uint32_t)g;
                    }
                }
                ty = json_object();
                if (c < ncat) {
                    json_object_set_new(ty, "name", json_string(hd_intern_str(h.strs, c)));
                    json_object_set_new(ty, "share", num(catn.c[c] / (double)h.nt));
                    json_object_set_new(ty, "category", json_string(hd_intern_str(h.strs, c)));
                    snprintf(fig, sizeof(fig), "types.%s", hd_intern_str(h.strs, c));
                    note(&nt, fig, (size_t)catn.c[c],
                         "tickets of the category: share and "
                         "priority mix",
                         NULL, NULL);
                } else {
                    struct counts oc = {0};
                    other = 1;
                    for (uint32_t cc = 1; cc < ncat && cc < catn.n; cc++) {
                        if (cat_type[cc] == ncat && catn.c[cc] > 0) {
                            counts_add(&oc, cc, catn.c[cc]);
                        }
                    }
                    json_object_set_new(ty, "name", json_string("(other categories)"));
                    json_object_set_new(ty, "share", num((double)nother / (double)h.nt));
                    if (counts_total(&oc) > 0) {
                        json_object_set_new(ty, "category", weights_json(&oc, h.strs));
                    }
                    free(oc.c);
                    note(&nt, "types.(other categories)", nother,
                         "tickets of categories with too few tickets, and without one",
                         "pooled: one type for all of them", NULL);
                }
                json_object_set_new(ty, "resolver", json_string(hd_intern_str(h.strs, res)));
                json_object_set_new(ty, "priority", prio_weights_json(prio[k]));
                json_array_append_new(types, ty);
            }
        }
        (void)other;
        json_object_set_new(root, "types", types);

        /* First assignment: (category, priority), category, priority, all. */
        {
            struct cell {
                uint32_t cat;
                int prio;
                struct counts to;
                size_t n;
            } *cells = NULL;
            size_t ncells = 0, acells = 0;
            first = json_array();
            for (size_t i = 0; i < h.nt; i++) {
                const struct hticket *t = &h.t[i];
                if (!t->nh) {
                    continue;
                }
                for (int lvl = 0; lvl < 4; lvl++) {
                    uint32_t cat = lvl == 0 || lvl == 1 ? t->cat : 0;
                    int p = lvl == 0 || lvl == 2 ? t->priority : 0;
                    size_t j;
                    if ((lvl == 0 || lvl == 1) && !cat) {
                        continue;
                    }
                    if ((lvl == 0 || lvl == 2) && !p) {
                        continue;
                    }
                    for (j = 0; j < ncells; j++) {
                        if (cells[j].cat == cat && cells[j].prio == p) {
                            break;
                        }
                    }
                    if (j == ncells) {
                        if (ncells == acells) {
                            HD_GROW(cells, acells, ncells + 1);
                        }
                        memset(&cells[ncells], 0, sizeof(cells[0]));
                        cells[ncells].cat = cat;
                        cells[ncells].prio = p;
                        ncells++;
                    }
                    counts_add(&cells[j].to, h.h[t->h0].grp, 1);
                    cells[j].n++;
                }
            }
            for (size_t j = 0; j < ncells; j++) {
                json_t *row;
                int all = !cells[j].cat && !cells[j].prio;
                if (cells[j].n < o.min_n && !all) {
                    continue;
                }
                row = json_object();
                if (cells[j].cat) {
                    json_object_set_new(row, "category",
                                        json_string(hd_intern_str(h.strs, cells[j].cat)));
                }
                if (cells[j].prio) {
                    char pk[16];
                    snprintf(pk, sizeof(pk), "P%d", cells[j].prio);
                    json_object_set_new(row, "priority", json_string(pk));
                }
                json_object_set_new(row, "to", weights_json(&cells[j].to, h.strs));
                json_object_set_new(row, "n", json_integer((json_int_t)cells[j].n));
                json_array_append_new(first, row);
                if (all) {
                    note(&nt, "routing.first (all tickets)", cells[j].n,
                         "first group of every assigned ticket",
                         "the pooled row for categories and priorities with too few tickets", NULL);
                }
            }
            {
                size_t rows = json_array_size(first), kept = 0;
                for (size_t j = 0; j < ncells; j++) {
                    kept += cells[j].n >= o.min_n && (cells[j].cat || cells[j].prio);
                }
                snprintf(fig, sizeof(fig), "routing.first (%zu rows)", rows);
                note(&nt, fig, nwith,
                     "first group by category and priority, else category, else priority",
                     kept + 1 < ncells ? "cells with too few tickets fall back to the next row"
                                       : NULL,
                     NULL);
            }
            for (size_t j = 0; j < ncells; j++) {
                free(cells[j].to.c);
            }
            free(cells);
        }
        for (uint32_t c = 0; c <= ncat; c++) {
            free(resolver[c].c);
        }
        free(resolver);
        free(prio);
        free(catn.c);
    }
    json_object_set_new(root, "arrivals", fit_arrivals(&h, &o, &nt));
    routing = json_object();
    json_object_set_new(routing, "hold_correlation", num(hold_corr));
    note(&nt, "routing.hold_correlation", npairs,
         "consecutive holdings of a ticket: correlation of their normal scores",
         npairs >= o.min_n ? NULL : "too few pairs: 0 (independent holdings)", NULL);
    json_object_set_new(routing, "first", first);
    json_object_set_new(routing, "groups", groups);
    json_object_set_new(root, "routing", routing);

    /* Bounce and security figures: reported, and reproduced by the routing. */
    {
        size_t reas = 0, bounces = 0, passes = 0, backs = 0;
        for (size_t i = 0; i < h.nt; i++) {
            const struct hticket *t = &h.t[i];
            for (size_t k = 1; k < t->nh; k++) {
                for (size_t j = 0; j + 1 < k; j++) {
                    if (h.h[t->h0 + j].grp == h.h[t->h0 + k].grp) {
                        bounces++;
                        break;
                    }
                }
                reas++;
            }
        }
        for (uint32_t g = 1; g < h.ngrp; g++) {
            passes += gs[g].passes_prev;
            backs += gs[g].backs;
        }
        note(&nt, "reassignments per ticket", h.nt, "holdings after the first", NULL,
             json_pack("{s:f}", "value", h.nt ? (double)reas / (double)h.nt : 0));
        note(&nt, "bounce probability", reas, "reassignments to a group held before", NULL,
             json_pack("{s:f,s:f}", "value", reas ? (double)bounces / (double)reas : 0,
                       "back_share_of_second_passes", passes ? (double)backs / (double)passes : 0));
        note(&nt, "share reaching a security group", h.nt,
             o.nsecurity ? "tickets held by a group named by --security-group"
                         : "tickets held by a group named like security, soc, csirt or cert",
             NULL, json_pack("{s:f}", "value", (double)nsec_tickets / (double)h.nt));
    }

    calib = json_object();
    json_object_set_new(calib, "database", json_string(o.db_path));
    {
        char a[40];
        hd_time_format(o.from_ms, a, sizeof(a));
        json_object_set_new(calib, "from", json_string(a));
        hd_time_format(o.to_ms, a, sizeof(a));
        json_object_set_new(calib, "to", json_string(a));
    }
    if (o.client) {
        json_object_set_new(calib, "client", json_string(o.client));
    }
    json_object_set_new(calib, "tickets", json_integer((json_int_t)h.nt));
    json_object_set_new(calib, "min_n", json_integer(o.min_n));
    json_object_set_new(calib, "model",
                        json_string("holdings (queue plus work) as service times with unlimited "
                                    "agents; routing by the observed first groups and passes"));
    json_object_set_new(calib, "notes", nt.arr);
    nt.arr = NULL;
    json_object_set_new(root, "calibration", calib);

    if (json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(8)) != 0 ||
        fputc('\n', out) == EOF || ferror(out)) {
        rc = hd_err_set(err, HD_EIO, "", 0, "cannot write the scenario");
    }
out:
    json_decref(root);
    json_decref(nt.arr);
    for (uint32_t g = 0; gs && g < h.ngrp; g++) {
        for (int k = 0; k < 2 * SIM_NPOS; k++) {
            free(gs[g].hold[k / SIM_NPOS][k % SIM_NPOS].v);
        }
        free(gs[g].to.c);
    }
    free(gs);
    free(order);
    free(gkey);
    free(cat_type);
    hist_release(&h);
    return rc;
}

/* ---- validation ------------------------------------------------------- */

int sim_history_load(const struct sim_calib_opts *opts, struct sim_history **out,
                     struct hd_err *err)
{
    struct sim_calib_opts o;
    struct hist h;
    struct sim_history *r;
    int64_t *ttr = NULL;
    double *sum;
    size_t nttr = 0, reas = 0, nsec = 0;
    int rc;

    *out = NULL;
    rc = hist_period(opts, &o, err);
    if (rc) {
        return rc;
    }
    rc = hist_load(&h, &o, err);
    if (rc) {
        return rc;
    }
    r = hd_xcalloc(1, sizeof(*r));
    r->tickets = h.nt;
    ttr = hd_xcalloc(h.nt + 1, sizeof(*ttr));
    sum = hd_xcalloc(h.ngrp, sizeof(*sum));
    r->hold_n = hd_xcalloc(h.ngrp, sizeof(*r->hold_n));
    for (size_t i = 0; i < h.nt; i++) {
        const struct hticket *t = &h.t[i];
        int sec = 0;
        reas += t->reassignments >= 0 ? (size_t)t->reassignments : (t->nh ? t->nh - 1 : 0);
        if (t->ttr_ms >= 0) {
            ttr[nttr++] = t->ttr_ms;
        }
        for (size_t k = 0; k < t->nh; k++) {
            const struct holding *x = &h.h[t->h0 + k];
            sec |= h.sec[x->grp];
            if (x->dur_ms >= 0) {
                sum[x->grp] += (double)x->dur_ms / HD_MS_PER_MIN;
                r->hold_n[x->grp]++;
            }
        }
        nsec += sec;
    }
    r->reassign_per_ticket = h.nt ? (double)reas / (double)h.nt : NAN;
    r->security_share = h.nt ? (double)nsec / (double)h.nt : NAN;
    if (nttr > 1) {
        qsort(ttr, nttr, sizeof(*ttr), cmp_i64);
    }
    r->ttr_p50_min = nttr ? hd_quantile_sorted_i64(ttr, nttr, 0.5) / HD_MS_PER_MIN : NAN;
    r->ttr_p90_min = nttr ? hd_quantile_sorted_i64(ttr, nttr, 0.9) / HD_MS_PER_MIN : NAN;
    r->ngroups = h.ngrp;
    r->group = hd_xcalloc(h.ngrp, sizeof(*r->group));
    r->hold_mean_min = hd_xcalloc(h.ngrp, sizeof(*r->hold_mean_min));
    for (uint32_t g = 1; g < h.ngrp; g++) {
        r->group[g] = hd_xstrdup(hd_intern_str(h.strs, g));
        r->hold_mean_min[g] = r->hold_n[g] ? sum[g] / (double)r->hold_n[g] : NAN;
    }
    {
        char a[40], b[40];
        hd_time_format(o.from_ms, a, sizeof(a));
        hd_time_format(o.to_ms, b, sizeof(b));
        snprintf(r->period, sizeof(r->period), "%s .. %s", a, b);
    }
    free(sum);
    free(ttr);
    hist_release(&h);
    *out = r;
    return HD_OK;
}

void sim_history_free(struct sim_history *h)
{
    if (!h) {
        return;
    }
    for (size_t g = 0; g < h->ngroups; g++) {
        free(h->group[g]);
    }
    free(h->group);
    free(h->hold_mean_min);
    free(h->hold_n);
    free(h);
}

static double rel_err(double sim, double hist)
{
    return hist != 0 && !isnan(hist) && !isnan(sim) ? (sim - hist) / fabs(hist) : NAN;
}

struct worst {
    size_t g;
    double err;
};

static int cmp_worst(const void *a, const void *b)
{
    const struct worst *x = a, *y = b;
    double ex = fabs(x->err), ey = fabs(y->err);
    if (ex != ey) {
        return ex < ey ? 1 : -1;
    }
    return (x->g > y->g) - (x->g < y->g);
}

static void vline(FILE *f, const char *what, double hist, double sim, double half, double tol,
                  int *ok)
{
    double e = rel_err(sim, hist);
    fprintf(f, "  %-28s %12.4g %12.4g  +-%-10.3g %+8.1f%%", what, hist, sim, isnan(half) ? 0 : half,
            isnan(e) ? 0 : 100 * e);
    if (tol > 0) {
        int in = !isnan(e) && fabs(e) <= tol;
        fprintf(f, "  %s", in ? "within 15%" : "OUTSIDE 15%");
        *ok &= in;
    }
    fputc('\n', f);
}

int sim_validate_write(const struct sim_results *res, size_t pol, const struct sim_history *h,
                       FILE *f, struct hd_err *err)
{
    const struct sim_scenario *sc = sim_results_scenario(res);
    double m, half, m2, half2;
    uint64_t n;
    struct worst *w;
    size_t nw = 0;
    int ok = 1;

    fprintf(f, "validation: policy '%s' against history (tickets opened %s)\n",
            sim_results_policy(res, pol), h->period);
    fprintf(f, "  %-28s %12s %12s  %-12s %9s\n", "KPI", "history", "simulated", "95% CI",
            "rel.error");
    sim_results_kpi(res, pol, "tickets", 0, &m, &half, &n);
    vline(f, "volume (tickets)", (double)h->tickets, m, half, 0, &ok);
    sim_results_kpi(res, pol, "handoffs_per_ticket", 0, &m, &half, &n);
    vline(f, "reassignments per ticket", h->reassign_per_ticket, m, half, 0.15, &ok);
    sim_results_kpi(res, pol, "resolve_p50_min", 0, &m, &half, &n);
    vline(f, "time to resolve p50 (h)", h->ttr_p50_min / 60, m / 60, half / 60, 0.15, &ok);
    sim_results_kpi(res, pol, "resolve_p90_min", 0, &m2, &half2, &n);
    vline(f, "time to resolve p90 (h)", h->ttr_p90_min / 60, m2 / 60, half2 / 60, 0, &ok);
    sim_results_kpi(res, pol, "security_share", 0, &m, &half, &n);
    vline(f, "share reaching security", h->security_share, m, half, 0, &ok);

    w = hd_xcalloc(sc->nteams + 1, sizeof(*w));
    fprintf(f, "per-group holding time (queue + work, h), mean:\n");
    for (size_t t = 0; t < sc->nteams; t++) {
        char key[300];
        size_t g;
        for (g = 1; g < h->ngroups; g++) {
            if (!strcmp(h->group[g], sc->teams[t].name)) {
                break;
            }
        }
        if (g == h->ngroups || h->hold_n[g] == 0) {
            continue;
        }
        snprintf(key, sizeof(key), "teams.%s.hold_mean_min", sc->teams[t].name);
        if (sim_results_kpi(res, pol, key, 0, &m, &half, &n) || isnan(m)) {
            continue;
        }
        w[nw].g = t;
        w[nw].err = rel_err(m, h->hold_mean_min[g]);
        if (!isnan(w[nw].err) && h->hold_n[g] >= 30) {
            nw++;
        }
    }
    if (nw > 1) {
        qsort(w, nw, sizeof(*w), cmp_worst);
    }
    fprintf(f, "  groups that fit worst (of %zu with at least 30 holdings):\n", nw);
    for (size_t i = 0; i < nw && i < 10; i++) {
        char key[300];
        size_t g;
        const char *name = sc->teams[w[i].g].name;
        for (g = 1; g < h->ngroups && strcmp(h->group[g], name); g++) {
        }
        snprintf(key, sizeof(key), "teams.%s.hold_mean_min", name);
        sim_results_kpi(res, pol, key, 0, &m, &half, &n);
        fprintf(f, "  %-28s %12.4g %12.4g  +-%-10.3g %+8.1f%%  (%zu holdings)\n", name,
                h->hold_mean_min[g] / 60, m / 60, isnan(half) ? 0 : half / 60, 100 * w[i].err,
                h->hold_n[g]);
    }
    free(w);
    fprintf(f, "acceptance (reassignments per ticket and median time to resolve within 15%%): %s\n",
            ok ? "met" : "NOT met");
    if (ferror(f)) {
        return hd_err_set(err, HD_EIO, "", 0, "cannot write the validation");
    }
    return HD_OK;
}

/* ---- trace replay ----------------------------------------------------- */

int sim_scenario_set_replay(struct sim_scenario *sc, const struct sim_calib_opts *o, double amplify,
                            struct hd_err *err)
{
    struct hist h;
    long other = -1;
    int rc;

    if (!(amplify > 0) || amplify > 1000) {
        return hd_err_set(err, HD_EUSAGE, "", 0, "--amplify: expected a factor above 0 up to 1000");
    }
    if (o->to_ms <= o->from_ms) {
        return hd_err_set(err, HD_EUSAGE, "", 0, "the replay window is empty");
    }
    rc = hist_load(&h, o, err);
    if (rc) {
        return rc;
    }
    if (h.nt > 1) {
        qsort(h.t, h.nt, sizeof(*h.t), cmp_topened);
    }
    for (size_t k = 0; k < sc->ntypes; k++) {
        if (!strcmp(sc->types[k].name, "(other categories)")) {
            other = (long)k;
        }
    }
    free(sc->replay);
    sc->replay = hd_xcalloc(h.nt + 1, sizeof(*sc->replay));
    sc->nreplay = h.nt;
    for (size_t i = 0; i < h.nt; i++) {
        const struct hticket *t = &h.t[i];
        struct sim_replay_ticket *r = &sc->replay[i];
        const char *cat = hd_intern_str(h.strs, t->cat);
        const char *sub = hd_intern_str(h.strs, t->subcat);
        r->t_ms = t->opened_ms - o->from_ms;
        r->cat = hd_intern_id(sc->strs, cat, strlen(cat));
        r->subcat = hd_intern_id(sc->strs, sub, strlen(sub));
        r->priority = (uint8_t)t->priority;
        r->type = (uint16_t)(other >= 0 ? other : 0);
        for (size_t k = 0; k < sc->ntypes; k++) {
            const struct sim_choice *c = &sc->types[k].category;
            if (c->n == 1 && c->ids[0] == r->cat && r->cat) {
                r->type = (uint16_t)k;
                break;
            }
        }
    }
    hist_release(&h);
    sc->start_ms = o->from_ms;
    sc->horizon_ms = o->to_ms - o->from_ms;
    sc->warmup_ms = 0;
    sc->amplify = amplify;
    if (sc->series_ms > 0) {
        int64_t min_ms = 15 * HD_MS_PER_MIN;
        int64_t by_len =
            (sc->horizon_ms / 2016 + HD_MS_PER_MIN - 1) / HD_MS_PER_MIN * HD_MS_PER_MIN;
        sc->series_ms = by_len > min_ms ? by_len : min_ms;
    }
    return HD_OK;
}

const char *sim_scenario_client(const struct sim_scenario *sc)
{
    return sc->calib_client;
}

int64_t sim_scenario_start_ms(const struct sim_scenario *sc)
{
    return sc->start_ms;
}

int64_t sim_scenario_horizon_ms(const struct sim_scenario *sc)
{
    return sc->horizon_ms;
}
