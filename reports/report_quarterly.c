/*
 * `handoff report quarterly`: the escalation review of one period with the
 * change against the period before it. Figures come from an_summary() and
 * the analysis; this file picks, orders and charts them.
 */
#include "reports/report.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/sla.h"
#include "analyzer/summary.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/time.h"
#include "reports/chart.h"
#include "reports/render.h"
#include "reports/report_int.h"

#define TBL(doc, name, show, ...)                                                                  \
    rpt_doc_table((doc), (name), (show), sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *),   \
                  (const char *[]){__VA_ARGS__})

static json_int_t ji(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static double jnum(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* ------------------------------------------------------------------ */
/* Per-period figures                                                  */

struct period {
    int64_t from, to;
    struct an_filter f;
    uint8_t *in; /* ticket mask */
    json_t *sum; /* an_summary */
    uint64_t tickets, kinds[AN_FIND__COUNT], kind_tickets[AN_FIND__COUNT];
    struct rpt_samples tte, ttr;
    uint64_t security;
    int64_t sla_met, sla_total;
};

/*
 * The shape of an_summary() for no tickets, built here because an_summary()
 * sorts its empty tables with qsort(NULL, 0, ...), which UBSan rejects.
 */
static json_t *empty_summary(void)
{
    static const char *const arrays[] = {
        "by_client",       "by_resolving_group", "by_category", "by_priority",           "by_month",
        "ping_pong_pairs", "misroute_paths",     "groups",      "longest_security_dwell"};
    json_t *o = json_object(), *totals = json_object();
    json_object_set_new(o, "tickets", json_integer(0));
    json_object_set_new(o, "events", json_integer(0));
    json_object_set_new(totals, "reassignments", json_integer(0));
    json_object_set_new(totals, "bounces", json_integer(0));
    json_object_set_new(totals, "ping_pongs", json_integer(0));
    json_object_set_new(totals, "misroutes", json_integer(0));
    json_object_set_new(o, "totals", totals);
    for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
        json_object_set_new(o, arrays[i], json_array());
    }
    return o;
}

static void period_build(struct period *p, const struct an_data *d, const struct an_result *r,
                         const struct rpt_scope *sc, int top)
{
    uint32_t *last = hd_xcalloc(AN_FIND__COUNT, sizeof(*last));

    an_filter_init(&p->f);
    p->f.from_ms = p->from;
    p->f.to_ms = p->to;
    p->f.client = sc->client;
    p->in = hd_xcalloc(d->ntickets + 1, 1);
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        if (an_filter_match(&p->f, d, r, ti)) {
            p->in[ti] = 1;
            p->tickets++;
            if (r->tm[ti].security && r->tm[ti].tte_ms != AN_TIME_NONE) {
                rpt_samples_add(&p->tte, r->tm[ti].tte_ms);
                p->security++;
            }
            if (r->tm[ti].time_to_resolve_ms != AN_TIME_NONE) {
                rpt_samples_add(&p->ttr, r->tm[ti].time_to_resolve_ms);
            }
        }
    }
    for (size_t i = 0; i < AN_FIND__COUNT; i++) {
        last[i] = UINT32_MAX;
    }
    for (size_t i = 0; i < r->nfinds; i++) {
        const struct an_finding *fd = &r->finds[i];
        if (p->in[fd->ticket]) {
            p->kinds[fd->kind]++;
            if (last[fd->kind] != fd->ticket) {
                p->kind_tickets[fd->kind]++; /* findings come grouped by ticket */
                last[fd->kind] = fd->ticket;
            }
        }
    }
    free(last);
    if (p->tickets) {
        p->sum = an_summary(d, r, &p->f, top);
    } else {
        p->sum = empty_summary();
    }
}

static void period_release(struct period *p)
{
    free(p->in);
    json_decref(p->sum);
    rpt_samples_release(&p->tte);
    rpt_samples_release(&p->ttr);
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */

static void volume(struct rpt_doc *doc, const struct period *p, json_t *m)
{
    json_t *months = json_object_get(p->sum, "by_month"), *o;
    struct rpt_table *t;
    struct rpt_chart *c;
    size_t i, s;

    rpt_doc_heading(doc, 1, "Volume");
    rpt_doc_para(doc, "%lld tickets opened in the period, with %lld events.",
                 (long long)ji(p->sum, "tickets"), (long long)ji(p->sum, "events"));
    t = TBL(doc, "volume_by_month", 0, "month", "#tickets", "#reassignments/ticket", "#bounces",
            "#misroutes", "#security tickets");
    c = rpt_chart_new("volume", RPT_CHART_BARS, "Tickets opened per month", "month (UTC)",
                      "tickets opened (count)");
    s = rpt_chart_series(c, "tickets");
    json_array_foreach(months, i, o)
    {
        rpt_table_cell(t, "%s", json_string_value(json_object_get(o, "month")));
        rpt_table_cell(t, "%lld", (long long)ji(o, "tickets"));
        rpt_table_cell(t, "%.2f", jnum(o, "reassignments_per_ticket"));
        rpt_table_cell(t, "%lld", (long long)ji(o, "bounces"));
        rpt_table_cell(t, "%lld", (long long)ji(o, "misroutes"));
        rpt_table_cell(t, "%lld", (long long)ji(o, "security"));
        rpt_chart_point(c, s, (double)i, (double)ji(o, "tickets"));
        rpt_chart_xtic(c, (double)i, json_string_value(json_object_get(o, "month")));
    }
    rpt_doc_chart_take(doc, c);
    t = TBL(doc, "volume_by_priority", 0, "priority", "#tickets", "#reassignments/ticket",
            "#time to resolve p50", "#time to resolve p90");
    json_array_foreach(json_object_get(p->sum, "by_priority"), i, o)
    {
        char a[32], b[32];
        json_t *ttr = json_object_get(o, "time_to_resolve_ms");
        rpt_table_cell(t, "%s", json_string_value(json_object_get(o, "priority")));
        rpt_table_cell(t, "%lld", (long long)ji(o, "tickets"));
        rpt_table_cell(t, "%.2f", jnum(o, "reassignments_per_ticket"));
        rpt_table_cell(
            t, "%s", json_object_get(ttr, "p50") ? rpt_dur((int64_t)jnum(ttr, "p50"), a, 32) : "-");
        rpt_table_cell(
            t, "%s", json_object_get(ttr, "p90") ? rpt_dur((int64_t)jnum(ttr, "p90"), b, 32) : "-");
    }
    (void)m;
}

#define NBINS 6 /* 0..4 and 5+ */

static void distributions(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                          const struct period *p, json_t *m)
{
    uint64_t re[NBINS] = {0}, bo[NBINS] = {0};
    struct rpt_table *t;
    struct rpt_chart *c;
    json_t *jr = json_array(), *jb = json_array();
    size_t s1, s2;

    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        if (p->in[ti]) {
            re[r->tm[ti].reassignments < NBINS ? r->tm[ti].reassignments : NBINS - 1]++;
            bo[r->tm[ti].bounces < NBINS ? r->tm[ti].bounces : NBINS - 1]++;
        }
    }
    rpt_doc_heading(doc, 1, "Reassignment and bounce distributions");
    rpt_doc_para(doc,
                 "Tickets by how many times they changed group (reassignments) and came back to "
                 "a group they had left (bounces), docs/metrics.md \"Reassignment\" and "
                 "\"Bounce and ping-pong\".");
    t = TBL(doc, "reassignment_distribution", 0, "count per ticket", "#tickets by reassignments",
            "#tickets by bounces");
    c = rpt_chart_new("reassignments", RPT_CHART_BARS, "Tickets by reassignments and bounces",
                      "reassignments or bounces per ticket (count)", "tickets (count)");
    s1 = rpt_chart_series(c, "reassignments");
    s2 = rpt_chart_series(c, "bounces");
    for (int k = 0; k < NBINS; k++) {
        char lab[8];
        snprintf(lab, sizeof(lab), k == NBINS - 1 ? "%d+" : "%d", k);
        rpt_table_cell(t, "%s", lab);
        rpt_table_cell(t, "%llu", (unsigned long long)re[k]);
        rpt_table_cell(t, "%llu", (unsigned long long)bo[k]);
        rpt_chart_point(c, s1, k, (double)re[k]);
        rpt_chart_point(c, s2, k, (double)bo[k]);
        rpt_chart_xtic(c, k, lab);
        json_array_append_new(jr, json_integer((json_int_t)re[k]));
        json_array_append_new(jb, json_integer((json_int_t)bo[k]));
    }
    rpt_doc_chart_take(doc, c);
    json_object_set_new(m, "reassignment_distribution", jr);
    json_object_set_new(m, "bounce_distribution", jb);
}

static void pairs(struct rpt_doc *doc, const struct period *p)
{
    json_t *pp = json_object_get(p->sum, "ping_pong_pairs"), *o;
    struct rpt_table *t;
    struct rpt_chart *c;
    size_t i, s;

    rpt_doc_heading(doc, 1, "Ping-pong group pairs");
    rpt_doc_para(doc, "Immediate returns A -> B -> A, counted per unordered pair of groups.");
    t = TBL(doc, "ping_pong_pairs", 0, "group A", "group B", "#ping-pongs");
    c = rpt_chart_new("ping_pong", RPT_CHART_BARS, "Ping-pong between group pairs", "group pair",
                      "ping-pongs (count)");
    s = rpt_chart_series(c, "ping-pongs");
    json_array_foreach(pp, i, o)
    {
        char lab[256];
        const char *a = json_string_value(json_object_get(o, "a"));
        const char *b = json_string_value(json_object_get(o, "b"));
        rpt_table_cell(t, "%s", a);
        rpt_table_cell(t, "%s", b);
        rpt_table_cell(t, "%lld", (long long)ji(o, "count"));
        snprintf(lab, sizeof(lab), "%s / %s", a, b);
        rpt_chart_point(c, s, (double)i, (double)ji(o, "count"));
        rpt_chart_xtic(c, (double)i, lab);
    }
    rpt_doc_chart_take(doc, c);

    rpt_doc_heading(doc, 1, "Misroute paths");
    rpt_doc_para(doc, "A group's holding that ended with a handoff and no work done in it, "
                      "counted per (from, to) path.");
    t = TBL(doc, "misroute_paths", 0, "from group", "to group", "#misroutes");
    json_array_foreach(json_object_get(p->sum, "misroute_paths"), i, o)
    {
        rpt_table_cell(t, "%s", json_string_value(json_object_get(o, "from")));
        rpt_table_cell(t, "%s", json_string_value(json_object_get(o, "to")));
        rpt_table_cell(t, "%lld", (long long)ji(o, "count"));
    }
}

struct qw_ctx {
    struct rpt_samples *by_group; /* indexed by intern id */
    uint64_t *no_action;
};

static void qw_add(void *ctx, uint32_t group, int64_t wait_ms, int no_action)
{
    struct qw_ctx *q = ctx;
    rpt_samples_add(&q->by_group[group], wait_ms);
    q->no_action[group] += no_action != 0;
}

static void queue_waits(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                        const struct an_config *cfg, const struct period *p, json_t *m)
{
    uint32_t ng = hd_intern_count(d->strs) + 1;
    struct qw_ctx q = {hd_xcalloc(ng, sizeof(struct rpt_samples)),
                       hd_xcalloc(ng, sizeof(uint64_t))};
    struct rpt_table *t;
    struct rpt_chart *c;
    json_t *arr = json_array();
    size_t s, x = 0;
    char th[32];

    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        if (p->in[ti]) {
            rpt_holdings(d, r, ti, qw_add, &q);
        }
    }
    rpt_doc_heading(doc, 1, "Queue waits per group");
    rpt_doc_para(doc,
                 "From a group's assignment to its first action, per holding (docs/metrics.md, "
                 "\"Queue wait\"); a holding ended without action counts its whole length. "
                 "Threshold for the queue_wait finding: %s.",
                 rpt_dur(cfg->queue_wait_ms, th, sizeof(th)));
    t = TBL(doc, "queue_waits", 0, "group", "#holdings", "#no action", "#p50", "#p90", "#max",
            "#over threshold");
    c = rpt_chart_new("queue_waits", RPT_CHART_BOXES,
                      "Queue wait per group (box p25-p75, line median, whiskers p10-p90)", "group",
                      "queue wait (hours)");
    s = rpt_chart_series(c, "queue wait");
    for (uint32_t g = 1; g < ng; g++) {
        struct rpt_samples *sm = &q.by_group[g];
        char a[32], b[32], cc[32];
        uint64_t over = 0;
        json_t *o;
        if (!sm->n) {
            continue;
        }
        for (size_t i = 0; i < sm->n; i++) {
            over += sm->v[i] > cfg->queue_wait_ms;
        }
        rpt_table_cell(t, "%s", an_str(d, g));
        rpt_table_cell(t, "%zu", sm->n);
        rpt_table_cell(t, "%llu", (unsigned long long)q.no_action[g]);
        rpt_table_cell(t, "%s", rpt_dur((int64_t)rpt_samples_q(sm, 0.5), a, 32));
        rpt_table_cell(t, "%s", rpt_dur((int64_t)rpt_samples_q(sm, 0.9), b, 32));
        rpt_table_cell(t, "%s", rpt_dur(sm->v[sm->n - 1], cc, 32));
        rpt_table_cell(t, "%llu", (unsigned long long)over);
        rpt_chart_box(c, s, (double)x, rpt_samples_q(sm, 0.1) / HD_MS_PER_H,
                      rpt_samples_q(sm, 0.25) / HD_MS_PER_H, rpt_samples_q(sm, 0.5) / HD_MS_PER_H,
                      rpt_samples_q(sm, 0.75) / HD_MS_PER_H, rpt_samples_q(sm, 0.9) / HD_MS_PER_H);
        rpt_chart_xtic(c, (double)x, an_str(d, g));
        x++;
        o = rpt_samples_json(sm);
        json_object_set_new(o, "group", json_string(an_str(d, g)));
        json_object_set_new(o, "no_action", json_integer((json_int_t)q.no_action[g]));
        json_object_set_new(o, "over_threshold", json_integer((json_int_t)over));
        json_array_append_new(arr, o);
    }
    rpt_doc_chart_take(doc, c);
    json_object_set_new(m, "queue_waits", arr);
    for (uint32_t g = 0; g < ng; g++) {
        rpt_samples_release(&q.by_group[g]);
    }
    free(q.by_group);
    free(q.no_action);
}

static void tte_cdf(struct rpt_doc *doc, const struct an_config *cfg, struct period *p, json_t *m)
{
    struct rpt_samples *s = &p->tte;
    struct rpt_chart *c;
    size_t se, within = 0;
    char a[32], b[32], th[32], pc[32];
    json_t *o;

    rpt_doc_heading(doc, 1, "Time to escalate, security tickets");
    rpt_chart_yrange(c = rpt_chart_new("tte_cdf", RPT_CHART_STEPS,
                                       "Time to escalate to security (CDF)",
                                       "time from opened to security (hours)",
                                       "share of security tickets (fraction)"),
                     0, 1);
    se = rpt_chart_series(c, "security tickets");
    rpt_samples_q(s, 0.5); /* sorts */
    for (size_t i = 0; i < s->n; i++) {
        within += s->v[i] <= cfg->late_security_ms;
        rpt_chart_point(c, se, (double)s->v[i] / HD_MS_PER_H, (double)(i + 1) / (double)s->n);
    }
    rpt_doc_para(doc,
                 "%zu security tickets (docs/metrics.md, \"Security\"): median %s, p90 %s; "
                 "%s escalated within the late-escalation threshold of %s.",
                 s->n, s->n ? rpt_dur((int64_t)rpt_samples_q(s, 0.5), a, 32) : "-",
                 s->n ? rpt_dur((int64_t)rpt_samples_q(s, 0.9), b, 32) : "-",
                 rpt_pct((double)within, (double)s->n, pc, sizeof(pc)),
                 rpt_dur(cfg->late_security_ms, th, sizeof(th)));
    rpt_doc_chart_take(doc, c);
    o = rpt_samples_json(s);
    json_object_set_new(o, "within_threshold", json_integer((json_int_t)within));
    json_object_set_new(o, "threshold_ms", json_integer(cfg->late_security_ms));
    json_object_set_new(m, "time_to_escalate_security", o);
}

/* The `top` findings of one kind with the largest value, as a table. */
static void longest(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                    const struct period *p, enum an_finding_kind kind, const char *name, int top,
                    json_t *m)
{
    size_t *idx = hd_xcalloc((size_t)top + 1, sizeof(*idx)), n = 0;
    struct rpt_table *t;
    json_t *arr = json_array();

    for (size_t i = 0; i < r->nfinds; i++) {
        const struct an_finding *fd = &r->finds[i];
        size_t j;
        if (fd->kind != kind || !p->in[fd->ticket]) {
            continue;
        }
        for (j = n; j > 0 && r->finds[idx[j - 1]].value_ms < fd->value_ms; j--) {
            if (j < (size_t)top) {
                idx[j] = idx[j - 1];
            }
        }
        if (j < (size_t)top) {
            idx[j] = i;
            n += n < (size_t)top;
        }
    }
    t = TBL(doc, name, 0, "ticket", "title", "group", "when (UTC)", "#length");
    for (size_t k = 0; k < n; k++) {
        const struct an_finding *fd = &r->finds[idx[k]];
        char a[32], b[32];
        json_t *o = json_object();
        rpt_table_cell(t, "%s", rpt_key(d, fd->ticket));
        rpt_table_cell(t, "%s", an_str(d, d->tickets[fd->ticket].title));
        rpt_table_cell(t, "%s", fd->group ? an_str(d, fd->group) : "-");
        rpt_table_cell(t, "%s", rpt_datetime(fd->t_ms, a, 32));
        rpt_table_cell(t, "%s%s", rpt_dur(fd->value_ms, b, 32), fd->open_at_end ? " (open)" : "");
        json_object_set_new(o, "ticket", json_string(rpt_key(d, fd->ticket)));
        json_object_set_new(o, "value_ms", json_integer(fd->value_ms));
        json_array_append_new(arr, o);
    }
    json_object_set_new(m, name, arr);
    free(idx);
}

static void gaps_and_cadence(struct rpt_doc *doc, const struct an_data *d,
                             const struct an_result *r, const struct an_config *cfg,
                             const struct period *p, int top, json_t *m)
{
    char th[32];

    rpt_doc_heading(doc, 1, "Waiting gaps");
    rpt_doc_para(doc,
                 "%llu waiting gaps on %llu tickets: intervals while open and not paused longer "
                 "than %s of business time (docs/metrics.md, \"Waiting gap\"). The longest:",
                 (unsigned long long)p->kinds[AN_FIND_WAITING_GAP],
                 (unsigned long long)p->kind_tickets[AN_FIND_WAITING_GAP],
                 rpt_dur(cfg->waiting_gap_ms, th, sizeof(th)));
    longest(doc, d, r, p, AN_FIND_WAITING_GAP, "waiting_gaps", top, m);

    rpt_doc_heading(doc, 1, "Cadence breaches");
    rpt_doc_para(doc,
                 "%llu tickets went longer than their priority's target between public updates "
                 "(docs/metrics.md, \"Communication cadence\"). The longest silences:",
                 (unsigned long long)p->kind_tickets[AN_FIND_CADENCE_BREACH]);
    longest(doc, d, r, p, AN_FIND_CADENCE_BREACH, "cadence_breaches", top, m);
}

static void sla_section(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                        struct period *p, const struct an_sla_config *const *slas, int nslas,
                        json_t *m)
{
    int64_t met[2][6] = {{0}}, tot[2][6] = {{0}};
    struct rpt_table *t;
    struct rpt_chart *c;
    json_t *arr = json_array();
    size_t s1, s2, x = 0;
    int src = 0;

    rpt_doc_heading(doc, 1, "SLA attainment");
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        const struct an_ticket *tk = &d->tickets[ti];
        const struct an_sla_client *cl = NULL;
        struct an_sla_ticket st;
        int pr = tk->priority >= 1 && tk->priority <= 5 ? tk->priority : 0;
        if (!p->in[ti]) {
            continue;
        }
        for (int k = 0; k < nslas && !cl; k++) {
            cl = an_sla_for(slas[k], tk->client ? an_str(d, tk->client) : "");
        }
        if (!cl) {
            if (!nslas && tk->src_made_sla >= 0) {
                src = 1;
                tot[1][pr]++;
                met[1][pr] += tk->src_made_sla == 1;
            }
            continue;
        }
        an_sla_measure(d, r, cl, ti, &st);
        if (st.response == AN_SLA_MET || st.response == AN_SLA_BREACHED) {
            tot[0][pr]++;
            met[0][pr] += st.response == AN_SLA_MET;
        }
        if (st.resolution == AN_SLA_MET || st.resolution == AN_SLA_BREACHED) {
            tot[1][pr]++;
            met[1][pr] += st.resolution == AN_SLA_MET;
        }
    }
    if (nslas) {
        rpt_doc_para(doc, "Response and resolution in business time on each client's calendar, "
                          "clock stopped while paused (docs/metrics.md, \"SLA\"); tickets still "
                          "within target are left out.");
    } else if (src) {
        rpt_doc_para(doc, "No SLA file given (--sla); resolution attainment is the source's own "
                          "made_sla flag.");
    } else {
        rpt_doc_para(doc, "No SLA file given (--sla) and the source has no SLA flag.");
    }
    t = TBL(doc, "sla_attainment", 0, "priority", "#response measured", "#response met",
            "#resolution measured", "#resolution met");
    c = rpt_chart_new("sla_attainment", RPT_CHART_BARS, "SLA attainment by priority", "priority",
                      "tickets within target (%)");
    rpt_chart_yrange(c, 0, 100);
    s1 = rpt_chart_series(c, "response");
    s2 = rpt_chart_series(c, "resolution");
    for (int pr = 0; pr <= 5; pr++) {
        char lab[16], a[32], b[32];
        json_t *o;
        if (!tot[0][pr] && !tot[1][pr]) {
            continue;
        }
        snprintf(lab, sizeof(lab), pr ? "P%d" : "(none)", pr);
        rpt_table_cell(t, "%s", lab);
        rpt_table_cell(t, "%lld", (long long)tot[0][pr]);
        rpt_table_cell(t, "%s", rpt_pct((double)met[0][pr], (double)tot[0][pr], a, 32));
        rpt_table_cell(t, "%lld", (long long)tot[1][pr]);
        rpt_table_cell(t, "%s", rpt_pct((double)met[1][pr], (double)tot[1][pr], b, 32));
        if (tot[0][pr]) {
            rpt_chart_point(c, s1, (double)x, 100.0 * (double)met[0][pr] / (double)tot[0][pr]);
        }
        if (tot[1][pr]) {
            rpt_chart_point(c, s2, (double)x, 100.0 * (double)met[1][pr] / (double)tot[1][pr]);
        }
        rpt_chart_xtic(c, (double)x++, lab);
        o = json_object();
        json_object_set_new(o, "priority", json_string(lab));
        json_object_set_new(o, "response_measured", json_integer(tot[0][pr]));
        json_object_set_new(o, "response_met", json_integer(met[0][pr]));
        json_object_set_new(o, "resolution_measured", json_integer(tot[1][pr]));
        json_object_set_new(o, "resolution_met", json_integer(met[1][pr]));
        json_array_append_new(arr, o);
        p->sla_met += met[1][pr];
        p->sla_total += tot[1][pr];
    }
    rpt_doc_chart_take(doc, c);
    json_object_set_new(m, "sla_attainment", arr);
}

/* Kinds that point at a problem, most telling first. */
static const enum an_finding_kind problem_kinds[] = {
    AN_FIND_LATE_SECURITY,  AN_FIND_PING_PONG,
    AN_FIND_BOUNCE,         AN_FIND_MISROUTE,
    AN_FIND_CADENCE_BREACH, AN_FIND_QUEUE_WAIT,
    AN_FIND_WAITING_GAP,    AN_FIND_CONTEXT_LOSS,
    AN_FIND_REOPEN,         AN_FIND_FIRST_MISROUTE,
    AN_FIND_SKIPS_TIER,     AN_FIND_STARTS_HIGH,
    AN_FIND_MOVES_DOWN,     AN_FIND_UNNECESSARY_ESCALATION,
    AN_FIND_PRIORITY_CHURN, AN_FIND_PAUSED_SHARE,
};
#define NPROBLEM (sizeof(problem_kinds) / sizeof(problem_kinds[0]))

static int cmp_kind_count(const void *a, const void *b, const uint64_t *counts)
{
    uint64_t x = counts[*(const enum an_finding_kind *)a],
             y = counts[*(const enum an_finding_kind *)b];
    return x > y ? -1 : x < y;
}

static void top_findings(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                         const struct period *p, int top, json_t *m)
{
    enum an_finding_kind order[NPROBLEM];
    struct rpt_table *t;
    json_t *arr = json_array();

    memcpy(order, problem_kinds, sizeof(order));
    /* a stable insertion sort by ticket count: equal counts keep the order above */
    for (size_t i = 1; i < NPROBLEM; i++) {
        enum an_finding_kind k = order[i];
        size_t j = i;
        while (j > 0 && cmp_kind_count(&order[j - 1], &k, p->kind_tickets) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    rpt_doc_heading(doc, 1, "Top findings");
    rpt_doc_para(doc, "Findings by the number of tickets they affect, with the tickets where "
                      "each is largest (docs/metrics.md names each).");
    t = TBL(doc, "top_findings", 0, "finding", "#tickets", "#findings", "example tickets");
    for (size_t i = 0; i < NPROBLEM && (int)i < top; i++) {
        enum an_finding_kind k = order[i];
        struct hd_buf ex = HD_BUF_INIT;
        uint32_t ids[5];
        int64_t vals[5];
        size_t n = 0;
        json_t *o, *ja;
        if (!p->kind_tickets[k]) {
            continue;
        }
        for (size_t f = 0; f < r->nfinds; f++) {
            const struct an_finding *fd = &r->finds[f];
            size_t j, dup = 0;
            if (fd->kind != k || !p->in[fd->ticket]) {
                continue;
            }
            for (j = 0; j < n; j++) {
                if (ids[j] == fd->ticket) {
                    dup = 1;
                    if (fd->value_ms > vals[j]) {
                        vals[j] = fd->value_ms;
                    }
                }
            }
            if (dup) {
                continue;
            }
            for (j = n; j > 0 && vals[j - 1] < fd->value_ms; j--) {
                if (j < 5) {
                    ids[j] = ids[j - 1];
                    vals[j] = vals[j - 1];
                }
            }
            if (j < 5) {
                ids[j] = fd->ticket;
                vals[j] = fd->value_ms;
                n += n < 5;
            }
        }
        o = json_object();
        ja = json_array();
        for (size_t j = 0; j < n; j++) {
            hd_buf_addf(&ex, NULL, "%s%s", j ? ", " : "", rpt_key(d, ids[j]));
            json_array_append_new(ja, json_string(rpt_key(d, ids[j])));
        }
        rpt_table_cell(t, "%s", an_finding_name(k));
        rpt_table_cell(t, "%llu", (unsigned long long)p->kind_tickets[k]);
        rpt_table_cell(t, "%llu", (unsigned long long)p->kinds[k]);
        rpt_table_cell(t, "%s", ex.buf);
        json_object_set_new(o, "finding", json_string(an_finding_name(k)));
        json_object_set_new(o, "tickets", json_integer((json_int_t)p->kind_tickets[k]));
        json_object_set_new(o, "findings", json_integer((json_int_t)p->kinds[k]));
        json_object_set_new(o, "examples", ja);
        json_array_append_new(arr, o);
        hd_buf_release(&ex);
    }
    json_object_set_new(m, "top_findings", arr);
}

static void change_row(struct rpt_table *t, json_t *arr, const char *name, double now, double prev,
                       int is_dur, int per_ticket)
{
    char a[32], b[32], c[40];
    json_t *o = json_object();
    if (is_dur) {
        rpt_dur((int64_t)now, a, 32);
        rpt_dur((int64_t)prev, b, 32);
    } else {
        snprintf(a, 32, per_ticket ? "%.3f" : "%.0f", now);
        snprintf(b, 32, per_ticket ? "%.3f" : "%.0f", prev);
    }
    if (prev != 0 && !isnan(prev) && !isnan(now)) {
        snprintf(c, sizeof(c), "%+.1f%%", 100.0 * (now - prev) / fabs(prev));
    } else {
        snprintf(c, sizeof(c), "-");
    }
    if (isnan(now)) {
        snprintf(a, 32, "-");
    }
    if (isnan(prev)) {
        snprintf(b, 32, "-");
    }
    rpt_table_cell(t, "%s", name);
    rpt_table_cell(t, "%s", a);
    rpt_table_cell(t, "%s", b);
    rpt_table_cell(t, "%s", c);
    json_object_set_new(o, "metric", json_string(name));
    json_object_set_new(o, "current", isnan(now) ? json_null() : json_real(now));
    json_object_set_new(o, "previous", isnan(prev) ? json_null() : json_real(prev));
    json_array_append_new(arr, o);
}

static double per(uint64_t x, uint64_t n)
{
    return n ? (double)x / (double)n : NAN;
}

static void change(struct rpt_doc *doc, struct period *cur, struct period *prev, json_t *m)
{
    struct rpt_table *t;
    json_t *arr = json_array(), *tc = json_object_get(cur->sum, "totals"),
           *tp = json_object_get(prev->sum, "totals");
    char a[32], b[32];

    rpt_doc_heading(doc, 1, "Change against the previous period");
    rpt_doc_para(doc, "Previous period: %s to %s (same length, just before).",
                 rpt_date(prev->from, a, 32), rpt_date(prev->to, b, 32));
    t = TBL(doc, "change", 0, "metric", "#this period", "#previous", "#change");
    change_row(t, arr, "tickets", (double)cur->tickets, (double)prev->tickets, 0, 0);
    change_row(t, arr, "reassignments per ticket",
               per((uint64_t)ji(tc, "reassignments"), cur->tickets),
               per((uint64_t)ji(tp, "reassignments"), prev->tickets), 0, 1);
    change_row(t, arr, "bounces per ticket", per((uint64_t)ji(tc, "bounces"), cur->tickets),
               per((uint64_t)ji(tp, "bounces"), prev->tickets), 0, 1);
    change_row(t, arr, "ping-pongs per ticket", per((uint64_t)ji(tc, "ping_pongs"), cur->tickets),
               per((uint64_t)ji(tp, "ping_pongs"), prev->tickets), 0, 1);
    change_row(t, arr, "misroutes per ticket", per((uint64_t)ji(tc, "misroutes"), cur->tickets),
               per((uint64_t)ji(tp, "misroutes"), prev->tickets), 0, 1);
    change_row(t, arr, "late security escalations", (double)cur->kinds[AN_FIND_LATE_SECURITY],
               (double)prev->kinds[AN_FIND_LATE_SECURITY], 0, 0);
    change_row(t, arr, "waiting gaps per ticket",
               per(cur->kinds[AN_FIND_WAITING_GAP], cur->tickets),
               per(prev->kinds[AN_FIND_WAITING_GAP], prev->tickets), 0, 1);
    change_row(t, arr, "cadence breaches", (double)cur->kind_tickets[AN_FIND_CADENCE_BREACH],
               (double)prev->kind_tickets[AN_FIND_CADENCE_BREACH], 0, 0);
    change_row(t, arr, "time to resolve p50", cur->ttr.n ? rpt_samples_q(&cur->ttr, 0.5) : NAN,
               prev->ttr.n ? rpt_samples_q(&prev->ttr, 0.5) : NAN, 1, 0);
    change_row(t, arr, "time to escalate p50 (security)",
               cur->tte.n ? rpt_samples_q(&cur->tte, 0.5) : NAN,
               prev->tte.n ? rpt_samples_q(&prev->tte, 0.5) : NAN, 1, 0);
    change_row(t, arr, "SLA resolution attainment (fraction)",
               per((uint64_t)cur->sla_met, (uint64_t)cur->sla_total),
               per((uint64_t)prev->sla_met, (uint64_t)prev->sla_total), 0, 1);
    json_object_set_new(m, "change", arr);
}

/* SLA attainment of the previous period, for the change table only. */
static void sla_totals(const struct an_data *d, const struct an_result *r, struct period *p,
                       const struct an_sla_config *const *slas, int nslas)
{
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        const struct an_ticket *tk = &d->tickets[ti];
        const struct an_sla_client *cl = NULL;
        struct an_sla_ticket st;
        if (!p->in[ti]) {
            continue;
        }
        for (int k = 0; k < nslas && !cl; k++) {
            cl = an_sla_for(slas[k], tk->client ? an_str(d, tk->client) : "");
        }
        if (!cl) {
            if (!nslas && tk->src_made_sla >= 0) {
                p->sla_total++;
                p->sla_met += tk->src_made_sla == 1;
            }
            continue;
        }
        an_sla_measure(d, r, cl, ti, &st);
        if (st.resolution == AN_SLA_MET || st.resolution == AN_SLA_BREACHED) {
            p->sla_total++;
            p->sla_met += st.resolution == AN_SLA_MET;
        }
    }
}

int rpt_quarterly(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                  const struct an_config *cfg, const struct rpt_scope *sc,
                  const struct an_sla_config *const *slas, int nslas, struct hd_err *err)
{
    struct period cur, prev;
    int top = sc->top > 0 ? sc->top : 10;
    int64_t latest = AN_TIME_NONE;
    json_t *m = json_object(), *per_obj = json_object();
    char a[32], b[32];

    (void)err;
    memset(&cur, 0, sizeof(cur));
    memset(&prev, 0, sizeof(prev));
    cur.from = sc->from_ms;
    cur.to = sc->to_ms;
    if (cur.from == AN_TIME_NONE || cur.to == AN_TIME_NONE) {
        int64_t qf, qt;
        for (uint32_t ti = 0; ti < d->ntickets; ti++) {
            int64_t o = r->tm[ti].opened_ms;
            if (o != AN_TIME_NONE && (latest == AN_TIME_NONE || o > latest) &&
                (!sc->client || (d->tickets[ti].client &&
                                 !strcmp(an_str(d, d->tickets[ti].client), sc->client)))) {
                latest = o;
            }
        }
        rpt_quarter_of(latest == AN_TIME_NONE ? 0 : latest, &qf, &qt);
        if (cur.from == AN_TIME_NONE && cur.to == AN_TIME_NONE) {
            cur.from = qf;
            cur.to = qt;
        } else if (cur.from == AN_TIME_NONE) {
            rpt_quarter_of(cur.to - 1, &cur.from, &qt);
        } else {
            rpt_quarter_of(cur.from, &qf, &cur.to);
        }
    }
    prev.to = cur.from;
    prev.from = cur.from - (cur.to - cur.from);
    period_build(&cur, d, r, sc, top);
    period_build(&prev, d, r, sc, top);

    rpt_doc_para(doc,
                 "Tickets opened from %s to %s (UTC, end exclusive)%s%s. Definitions: "
                 "docs/metrics.md.",
                 rpt_date(cur.from, a, 32), rpt_date(cur.to, b, 32), sc->client ? ", client " : "",
                 sc->client ? sc->client : ", all clients");
    json_object_set_new(m, "report", json_string("quarterly"));
    json_object_set_new(per_obj, "from", json_string(rpt_date(cur.from, a, 32)));
    json_object_set_new(per_obj, "to", json_string(rpt_date(cur.to, b, 32)));
    json_object_set_new(m, "period", per_obj);
    json_object_set_new(m, "client", sc->client ? json_string(sc->client) : json_null());

    volume(doc, &cur, m);
    distributions(doc, d, r, &cur, m);
    pairs(doc, &cur);
    queue_waits(doc, d, r, cfg, &cur, m);
    tte_cdf(doc, cfg, &cur, m);
    gaps_and_cadence(doc, d, r, cfg, &cur, top, m);
    sla_section(doc, d, r, &cur, slas, nslas, m);
    sla_totals(d, r, &prev, slas, nslas);
    top_findings(doc, d, r, &cur, top, m);
    change(doc, &cur, &prev, m);
    json_object_set(m, "summary", cur.sum);
    rpt_doc_set_metrics(doc, m);
    period_release(&cur);
    period_release(&prev);
    return 0;
}
