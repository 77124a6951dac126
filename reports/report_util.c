/* Small helpers shared by the report builders: samples, formatting, periods, holdings. */
#include "reports/report_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/model.h"
#include "core/stats.h"
#include "core/time.h"
#include "reports/report.h"

void rpt_samples_add(struct rpt_samples *s, int64_t x)
{
    HD_GROW(s->v, s->alloc, s->n + 1);
    s->v[s->n++] = x;
}

double rpt_samples_q(struct rpt_samples *s, double p)
{
    if (!s->n) {
        return 0;
    }
    hd_sort_i64(s->v, s->n);
    return hd_quantile_sorted_i64(s->v, s->n, p);
}

void rpt_samples_release(struct rpt_samples *s)
{
    free(s->v);
    memset(s, 0, sizeof(*s));
}

json_t *rpt_samples_json(struct rpt_samples *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer((json_int_t)s->n));
    if (s->n) {
        json_object_set_new(o, "p50_ms", json_integer((json_int_t)rpt_samples_q(s, 0.5)));
        json_object_set_new(o, "p90_ms", json_integer((json_int_t)rpt_samples_q(s, 0.9)));
        json_object_set_new(o, "max_ms", json_integer((json_int_t)s->v[s->n - 1]));
    }
    return o;
}

const char *rpt_dur(int64_t ms, char *buf, size_t n)
{
    if (ms == AN_TIME_NONE) {
        snprintf(buf, n, "-");
    } else {
        hd_duration_format(ms, buf, n);
    }
    return buf;
}

const char *rpt_date(int64_t ms, char *buf, size_t n)
{
    struct hd_civil c;
    if (ms == AN_TIME_NONE) {
        snprintf(buf, n, "-");
        return buf;
    }
    hd_civil_from_ms(ms, 0, &c);
    snprintf(buf, n, "%04d-%02d-%02d", c.year, c.month, c.day);
    return buf;
}

const char *rpt_datetime(int64_t ms, char *buf, size_t n)
{
    struct hd_civil c;
    if (ms == AN_TIME_NONE) {
        snprintf(buf, n, "-");
        return buf;
    }
    hd_civil_from_ms(ms, 0, &c);
    snprintf(buf, n, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.min);
    return buf;
}

const char *rpt_pct(double num, double den, char *buf, size_t n)
{
    if (den <= 0) {
        snprintf(buf, n, "-");
    } else {
        snprintf(buf, n, "%.1f%%", 100.0 * num / den);
    }
    return buf;
}

void rpt_month_of(int64_t ms, int64_t *from, int64_t *to)
{
    struct hd_civil c;
    hd_civil_from_ms(ms, 0, &c);
    *from = hd_days_from_civil(c.year, c.month, 1) * HD_MS_PER_DAY;
    *to = rpt_month_add(*from, 1);
}

int64_t rpt_month_add(int64_t month_ms, int delta)
{
    struct hd_civil c;
    int m;
    hd_civil_from_ms(month_ms, 0, &c);
    m = c.year * 12 + (c.month - 1) + delta;
    return hd_days_from_civil(m / 12, m % 12 + 1, 1) * HD_MS_PER_DAY;
}

void rpt_quarter_of(int64_t ms, int64_t *from, int64_t *to)
{
    struct hd_civil c;
    hd_civil_from_ms(ms, 0, &c);
    *from = hd_days_from_civil(c.year, (c.month - 1) / 3 * 3 + 1, 1) * HD_MS_PER_DAY;
    *to = rpt_month_add(*from, 3);
}

const char *rpt_key(const struct an_data *d, uint32_t ti)
{
    return an_str(d, d->tickets[ti].key);
}

char *rpt_pseudonym(const char *kind, const char *name, char *out, unsigned n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h = (h ^ *p) * 16777619u;
    }
    snprintf(out, n, "%s %04x", kind, (unsigned)((h >> 16) ^ (h & 0xffff)));
    return out;
}

/* The rules of docs/metrics.md, "Queue wait", as analyzer/analysis.c applies them. */
void rpt_holdings(const struct an_data *d, const struct an_result *r, uint32_t ti, rpt_hold_fn *fn,
                  void *ctx)
{
    const struct an_ticket *t = &d->tickets[ti];
    uint32_t group = 0, hgroup = 0;
    int64_t hstart = AN_TIME_NONE, last_done = AN_TIME_NONE;
    int worked = 0, open = 1;

    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        int work = 0;
        switch (e->kind) {
        case HD_KIND_ASSIGNED: {
            uint32_t ng = (e->flags & AN_EV_GROUP) ? e->group : group;
            if (ng && ng != group && ng != hgroup) {
                if (hstart != AN_TIME_NONE && !worked) {
                    fn(ctx, hgroup, e->t_ms - hstart, 1);
                }
                hgroup = ng;
                hstart = e->t_ms;
                worked = 0;
            }
            group = ng;
            work = (e->flags & AN_EV_AGENT) && e->agent && ng;
            break;
        }
        case HD_KIND_STATE:
            work = e->state != HD_STATE_NEW && group;
            open = !hd_state_is_done((enum hd_state)e->state);
            if (!open) {
                last_done = e->t_ms;
            }
            break;
        case HD_KIND_NOTE:
        case HD_KIND_ESCALATED:
            work = group != 0;
            break;
        default:
            break;
        }
        if (work && hstart != AN_TIME_NONE && !worked) {
            worked = 1;
            fn(ctx, hgroup, e->t_ms - hstart, 0);
        }
    }
    if (hstart != AN_TIME_NONE && !worked) {
        int64_t end = open ? r->end_of_data : last_done;
        fn(ctx, hgroup, end > hstart ? end - hstart : 0, 1);
    }
}
