/*
 * Roll-ups of a finished analysis into a JSON document. Distributions use
 * core/stats (type-7 quantiles); group keys are intern ids, so the tables
 * here are arrays indexed by id.
 */
#include "analyzer/summary.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/intern.h"
#include "core/stats.h"
#include "core/time.h"

void an_filter_init(struct an_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->from_ms = AN_TIME_NONE;
    f->to_ms = AN_TIME_NONE;
}

int an_filter_match(const struct an_filter *f, const struct an_data *d, const struct an_result *r,
                    uint32_t ti)
{
    const struct an_ticket *t = &d->tickets[ti];
    int64_t opened = r->tm[ti].opened_ms;

    if (f->from_ms != AN_TIME_NONE && (opened == AN_TIME_NONE || opened < f->from_ms)) {
        return 0;
    }
    if (f->to_ms != AN_TIME_NONE && (opened == AN_TIME_NONE || opened >= f->to_ms)) {
        return 0;
    }
    if (f->client && strcmp(an_str(d, t->client), f->client)) {
        return 0;
    }
    if (f->priority && t->priority != f->priority) {
        return 0;
    }
    if (f->group) {
        for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
            if (d->events[i].group && !strcmp(an_str(d, d->events[i].group), f->group)) {
                return 1;
            }
        }
        return 0;
    }
    return 1;
}

/* A growable list of int64 samples. */
struct samples {
    int64_t *v;
    size_t n, alloc;
};

static void samples_add(struct samples *s, int64_t x)
{
    if (s->n == s->alloc) {
        HD_GROW(s->v, s->alloc, s->n + 1);
    }
    s->v[s->n++] = x;
}

static json_t *dist(struct samples *s)
{
    json_t *o = json_object();
    double sum = 0;

    json_object_set_new(o, "n", json_integer((json_int_t)s->n));
    if (s->n == 0) {
        return o;
    }
    hd_sort_i64(s->v, s->n);
    for (size_t i = 0; i < s->n; i++) {
        sum += (double)s->v[i];
    }
    json_object_set_new(o, "mean", json_real(sum / (double)s->n));
    json_object_set_new(o, "p50", json_real(hd_quantile_sorted_i64(s->v, s->n, 0.5)));
    json_object_set_new(o, "p90", json_real(hd_quantile_sorted_i64(s->v, s->n, 0.9)));
    json_object_set_new(o, "max", json_integer(s->v[s->n - 1]));
    return o;
}

/* Per-key accumulators for the breakdowns. */
struct bucket {
    char *key;
    uint64_t tickets, reassignments, bounces, misroutes, reopens, security;
    struct samples ttr, tte;
};

struct buckets {
    struct bucket *b;
    size_t n, alloc;
};

static struct bucket *bucket_get(struct buckets *bs, const char *key)
{
    for (size_t i = 0; i < bs->n; i++) {
        if (!strcmp(bs->b[i].key, key)) {
            return &bs->b[i];
        }
    }
    HD_GROW(bs->b, bs->alloc, bs->n + 1);
    memset(&bs->b[bs->n], 0, sizeof(bs->b[0]));
    bs->b[bs->n].key = hd_xstrdup(key);
    return &bs->b[bs->n++];
}

/*
 * A small direct-mapped memo from an integer key (an intern id, a priority,
 * a day number) to the index of its bucket: the breakdowns take one bucket
 * per ticket, and most tickets repeat a recent key, so most lookups skip
 * the string compares. Only a shortcut: a miss asks bucket_get.
 */
#define MEMO_SIZE 256

struct memo {
    int64_t key[MEMO_SIZE];
    uint32_t idx[MEMO_SIZE]; /* bucket index + 1; 0 = empty */
};

static size_t memo_slot(int64_t key)
{
    return (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ull >> 56) & (MEMO_SIZE - 1);
}

/* The bucket the memo knows for `key`, or NULL (the caller names it then). */
static struct bucket *memo_hit(const struct memo *m, struct buckets *bs, int64_t key)
{
    size_t slot = memo_slot(key);
    return m->idx[slot] && m->key[slot] == key ? &bs->b[m->idx[slot] - 1] : NULL;
}

static struct bucket *memo_get(struct memo *m, struct buckets *bs, int64_t key, const char *name)
{
    size_t slot = memo_slot(key);
    struct bucket *b = memo_hit(m, bs, key);
    if (b) {
        return b;
    }
    b = bucket_get(bs, name);
    m->key[slot] = key;
    m->idx[slot] = (uint32_t)(b - bs->b) + 1;
    return b;
}

static int64_t floor_div_day(int64_t ms)
{
    const int64_t day = 86400000;
    return ms / day - (ms % day < 0);
}

static int cmp_bucket(const void *a, const void *b)
{
    return strcmp(((const struct bucket *)a)->key, ((const struct bucket *)b)->key);
}

static json_t *buckets_json(struct buckets *bs, const char *keyname)
{
    json_t *arr = json_array();
    if (bs->n) { /* qsort(NULL, 0) is undefined */
        qsort(bs->b, bs->n, sizeof(*bs->b), cmp_bucket);
    }
    for (size_t i = 0; i < bs->n; i++) {
        struct bucket *b = &bs->b[i];
        json_t *o = json_object();
        json_object_set_new(o, keyname, json_string(b->key));
        json_object_set_new(o, "tickets", json_integer((json_int_t)b->tickets));
        json_object_set_new(o, "reassignments", json_integer((json_int_t)b->reassignments));
        json_object_set_new(
            o, "reassignments_per_ticket",
            json_real(b->tickets ? (double)b->reassignments / (double)b->tickets : 0));
        json_object_set_new(o, "bounces", json_integer((json_int_t)b->bounces));
        json_object_set_new(o, "misroutes", json_integer((json_int_t)b->misroutes));
        json_object_set_new(o, "reopens", json_integer((json_int_t)b->reopens));
        json_object_set_new(o, "security", json_integer((json_int_t)b->security));
        json_object_set_new(o, "time_to_resolve_ms", dist(&b->ttr));
        json_object_set_new(o, "tte_ms", dist(&b->tte));
        json_array_append_new(arr, o);
        free(b->key);
        free(b->ttr.v);
        free(b->tte.v);
    }
    free(bs->b);
    return arr;
}

static void bucket_add(struct bucket *b, const struct an_tmetrics *m)
{
    b->tickets++;
    b->reassignments += m->reassignments;
    b->bounces += m->bounces;
    b->misroutes += m->misroutes;
    b->reopens += m->reopens;
    b->security += m->security;
    if (m->time_to_resolve_ms != AN_TIME_NONE) {
        samples_add(&b->ttr, m->time_to_resolve_ms);
    }
    if (m->tte_ms != AN_TIME_NONE) {
        samples_add(&b->tte, m->tte_ms);
    }
}

/* Counted pairs for the top-N lists. */
struct pair {
    uint32_t a, b;
    uint64_t count;
};

static int cmp_pair(const void *x, const void *y)
{
    const struct pair *p = x, *q = y;
    if (p->count != q->count) {
        return p->count > q->count ? -1 : 1;
    }
    if (p->a != q->a) {
        return p->a < q->a ? -1 : 1;
    }
    return p->b < q->b ? -1 : p->b > q->b;
}

static void pair_add(struct pair **ps, size_t *n, size_t *alloc, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*ps)[i].a == a && (*ps)[i].b == b) {
            (*ps)[i].count++;
            return;
        }
    }
    HD_GROW(*ps, *alloc, *n + 1);
    (*ps)[*n].a = a;
    (*ps)[*n].b = b;
    (*ps)[*n].count = 1;
    (*n)++;
}

static json_t *pairs_json(const struct an_data *d, struct pair *ps, size_t n, int top,
                          const char *ka, const char *kb)
{
    json_t *arr = json_array();
    if (n) {
        qsort(ps, n, sizeof(*ps), cmp_pair);
    }
    for (size_t i = 0; i < n && (int)i < top; i++) {
        json_t *o = json_object();
        json_object_set_new(o, ka, json_string(an_str(d, ps[i].a)));
        json_object_set_new(o, kb, json_string(an_str(d, ps[i].b)));
        json_object_set_new(o, "count", json_integer((json_int_t)ps[i].count));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *agreement(const struct an_data *d, const struct an_result *r,
                         const struct an_filter *f, int which, int top)
{
    uint64_t compared = 0, agree = 0;
    json_t *o = json_object(), *dis = json_array();

    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        const struct an_ticket *t = &d->tickets[ti];
        int32_t src = which == 0 ? t->src_reassignment_count : t->src_reopen_count;
        uint32_t ours = which == 0 ? r->tm[ti].reassignments_src_rule : r->tm[ti].reopens;
        if (src < 0 || !an_filter_match(f, d, r, ti)) {
            continue;
        }
        compared++;
        if ((uint32_t)src == ours) {
            agree++;
        } else if ((int)json_array_size(dis) < top) {
            json_t *x = json_object();
            json_object_set_new(x, "ticket", json_string(an_str(d, t->key)));
            json_object_set_new(x, "source", json_integer(src));
            json_object_set_new(x, "handoff", json_integer(ours));
            json_array_append_new(dis, x);
        }
    }
    json_object_set_new(o, "compared", json_integer((json_int_t)compared));
    json_object_set_new(o, "agree", json_integer((json_int_t)agree));
    json_object_set_new(o, "rate",
                        compared ? json_real((double)agree / (double)compared) : json_null());
    json_object_set_new(o, "disagreements", json_integer((json_int_t)(compared - agree)));
    json_object_set_new(o, "first_disagreeing", dis);
    return o;
}

json_t *an_summary(const struct an_data *d, const struct an_result *r, const struct an_filter *f,
                   int top)
{
    json_t *root = json_object(), *totals = json_object(), *finds = json_object();
    struct buckets by_client = {0}, by_cat = {0}, by_prio = {0}, by_month = {0}, by_group = {0};
    struct samples ttr = {0}, tte = {0};
    uint64_t nt = 0, ne = 0, counts[AN_FIND__COUNT] = {0};
    uint64_t sums[8] = {0};
    struct pair *pp = NULL, *mr = NULL;
    size_t npp = 0, app = 0, nmr = 0, amr = 0;
    uint8_t *in = hd_xcalloc(d->ntickets + 1, 1);
    int64_t first = AN_TIME_NONE, last = AN_TIME_NONE;
    int have_src = 0;
    struct memo *memo = hd_xcalloc(5, sizeof(*memo)); /* client, category, priority, month, group */

    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        const struct an_ticket *t = &d->tickets[ti];
        const struct an_tmetrics *m = &r->tm[ti];
        char key[64];
        struct bucket *b;
        struct hd_civil cv;

        if (!an_filter_match(f, d, r, ti)) {
            continue;
        }
        in[ti] = 1;
        nt++;
        ne += t->nevents;
        have_src |= t->src_reassignment_count >= 0;
        if (m->opened_ms != AN_TIME_NONE) {
            if (first == AN_TIME_NONE || m->opened_ms < first) {
                first = m->opened_ms;
            }
            if (last == AN_TIME_NONE || m->opened_ms > last) {
                last = m->opened_ms;
            }
        }
        sums[0] += m->reassignments;
        sums[1] += m->agent_reassignments;
        sums[2] += m->bounces;
        sums[3] += m->ping_pongs;
        sums[4] += m->misroutes;
        sums[5] += m->reopens;
        sums[6] += m->security;
        sums[7] += m->priority_changes;
        if (m->time_to_resolve_ms != AN_TIME_NONE) {
            samples_add(&ttr, m->time_to_resolve_ms);
        }
        if (m->tte_ms != AN_TIME_NONE) {
            samples_add(&tte, m->tte_ms);
        }
        bucket_add(
            memo_get(&memo[0], &by_client, t->client, t->client ? an_str(d, t->client) : "(none)"),
            m);
        bucket_add(memo_get(&memo[1], &by_cat, t->category,
                            t->category ? an_str(d, t->category) : "(none)"),
                   m);
        /* Keys named only when the memo does not know them. */
        b = memo_hit(&memo[2], &by_prio, t->priority);
        if (!b) {
            snprintf(key, sizeof(key), t->priority ? "P%d" : "(none)", t->priority);
            b = memo_get(&memo[2], &by_prio, t->priority, key);
        }
        bucket_add(b, m);
        if (m->opened_ms != AN_TIME_NONE) {
            /* The month of a UTC day never changes: key the memo by day. */
            int64_t day = floor_div_day(m->opened_ms);
            b = memo_hit(&memo[3], &by_month, day);
            if (!b) {
                hd_civil_from_ms(m->opened_ms, 0, &cv);
                snprintf(key, sizeof(key), "%04d-%02d", cv.year, cv.month);
                b = memo_get(&memo[3], &by_month, day, key);
            }
            bucket_add(b, m);
        }
        bucket_add(memo_get(&memo[4], &by_group, m->last_group,
                            m->last_group ? an_str(d, m->last_group) : "(none)"),
                   m);
    }
    free(memo);
    for (size_t i = 0; i < r->nfinds; i++) {
        const struct an_finding *fd = &r->finds[i];
        if (!in[fd->ticket]) {
            continue;
        }
        counts[fd->kind]++;
        if (fd->kind == AN_FIND_PING_PONG) {
            uint32_t a = fd->group < fd->group2 ? fd->group : fd->group2;
            uint32_t b = fd->group < fd->group2 ? fd->group2 : fd->group;
            pair_add(&pp, &npp, &app, a, b);
        } else if (fd->kind == AN_FIND_MISROUTE) {
            pair_add(&mr, &nmr, &amr, fd->group, fd->group2);
        }
    }
    json_object_set_new(root, "tickets", json_integer((json_int_t)nt));
    json_object_set_new(root, "events", json_integer((json_int_t)ne));
    if (first != AN_TIME_NONE) {
        char a[40], b[40];
        hd_time_format(first, a, sizeof(a));
        hd_time_format(last, b, sizeof(b));
        json_object_set_new(root, "opened_from", json_string(a));
        json_object_set_new(root, "opened_to", json_string(b));
    }
    static const char *const sum_names[8] = {"reassignments",    "agent_reassignments", "bounces",
                                             "ping_pongs",       "misroutes",           "reopens",
                                             "security_tickets", "priority_changes"};
    for (int i = 0; i < 8; i++) {
        json_object_set_new(totals, sum_names[i], json_integer((json_int_t)sums[i]));
    }
    json_object_set_new(totals, "reassignments_per_ticket",
                        json_real(nt ? (double)sums[0] / (double)nt : 0));
    json_object_set_new(root, "totals", totals);
    for (int k = 0; k < AN_FIND__COUNT; k++) {
        json_object_set_new(finds, an_finding_name((enum an_finding_kind)k),
                            json_integer((json_int_t)counts[k]));
    }
    json_object_set_new(root, "findings", finds);
    json_object_set_new(root, "time_to_resolve_ms", dist(&ttr));
    json_object_set_new(root, "time_to_escalate_ms", dist(&tte));
    json_object_set_new(root, "by_client", buckets_json(&by_client, "client"));
    json_object_set_new(root, "by_resolving_group", buckets_json(&by_group, "group"));
    json_object_set_new(root, "by_category", buckets_json(&by_cat, "category"));
    json_object_set_new(root, "by_priority", buckets_json(&by_prio, "priority"));
    json_object_set_new(root, "by_month", buckets_json(&by_month, "month"));
    json_object_set_new(root, "ping_pong_pairs", pairs_json(d, pp, npp, top, "a", "b"));
    json_object_set_new(root, "misroute_paths", pairs_json(d, mr, nmr, top, "from", "to"));

    /* Groups: holdings, queue waits and paused time from the segments. */
    {
        uint32_t ng = hd_intern_count(d->strs) + 1;
        struct samples *qw = hd_xcalloc(ng, sizeof(*qw));
        uint64_t *holds = hd_xcalloc(ng, sizeof(*holds));
        json_t *arr = json_array();
        for (size_t i = 0; i < r->nfinds; i++) {
            const struct an_finding *fd = &r->finds[i];
            if (in[fd->ticket] && fd->kind == AN_FIND_QUEUE_WAIT) {
                samples_add(&qw[fd->group], fd->value_ms);
            }
        }
        for (size_t i = 0; i < r->nsegs; i++) {
            const struct an_segment *s = &r->segs[i];
            if (in[s->ticket] && s->group) {
                holds[s->group]++;
            }
        }
        for (uint32_t g = 1; g < ng; g++) {
            if (!holds[g]) {
                continue;
            }
            json_t *o = json_object();
            json_object_set_new(o, "group", json_string(an_str(d, g)));
            json_object_set_new(o, "segments", json_integer((json_int_t)holds[g]));
            json_object_set_new(o, "queue_waits_over_threshold_ms", dist(&qw[g]));
            json_array_append_new(arr, o);
        }
        for (uint32_t g = 0; g < ng; g++) {
            free(qw[g].v);
        }
        free(qw);
        free(holds);
        json_object_set_new(root, "groups", arr);
    }

    /* Longest security dwell. */
    {
        json_t *arr = json_array();
        struct pair *dw = NULL;
        size_t ndw = 0, adw = 0;
        for (uint32_t ti = 0; ti < d->ntickets; ti++) {
            if (in[ti] && r->tm[ti].security_dwell_ms != AN_TIME_NONE &&
                r->tm[ti].security_dwell_ms > 0) {
                HD_GROW(dw, adw, ndw + 1);
                dw[ndw].a = ti;
                dw[ndw].b = 0;
                dw[ndw].count = (uint64_t)r->tm[ti].security_dwell_ms;
                ndw++;
            }
        }
        if (ndw) {
            qsort(dw, ndw, sizeof(*dw), cmp_pair);
        }
        for (size_t i = 0; i < ndw && (int)i < top; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "ticket", json_string(an_str(d, d->tickets[dw[i].a].key)));
            json_object_set_new(o, "dwell_ms", json_integer((json_int_t)dw[i].count));
            json_array_append_new(arr, o);
        }
        free(dw);
        json_object_set_new(root, "longest_security_dwell", arr);
    }
    if (have_src) {
        json_t *sc = json_object();
        json_object_set_new(sc, "reassignment_count", agreement(d, r, f, 0, top));
        json_object_set_new(sc, "reopen_count", agreement(d, r, f, 1, top));
        json_object_set_new(root, "source_counters", sc);
    }
    free(ttr.v);
    free(tte.v);
    free(pp);
    free(mr);
    free(in);
    return root;
}
