/*
 * `handoff report sla`: one client's SLA attainment for a month, with the
 * breach list and the monthly trend. Only that client's tickets are read,
 * so no other client's tickets, groups or people can reach the folder.
 */
#include "reports/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/sla.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/model.h"
#include "core/time.h"
#include "reports/chart.h"
#include "reports/render.h"
#include "reports/report_int.h"

#define TBL(doc, name, show, ...)                                                                  \
    rpt_doc_table((doc), (name), (show), sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *),   \
                  (const char *[]){__VA_ARGS__})

#define TREND_MONTHS 6

struct tally {
    int64_t n, met[2], breached[2], pending[2];
};

static void tally_add(struct tally *t, const struct an_sla_ticket *st)
{
    const uint8_t s[2] = {st->response, st->resolution};
    t->n++;
    for (int k = 0; k < 2; k++) {
        t->met[k] += s[k] == AN_SLA_MET;
        t->breached[k] += s[k] == AN_SLA_BREACHED;
        t->pending[k] += s[k] == AN_SLA_PENDING;
    }
}

static double attain(const struct tally *t, int k)
{
    int64_t den = t->met[k] + t->breached[k];
    return den ? (double)t->met[k] / (double)den : -1;
}

static json_t *tally_json(const struct tally *t)
{
    json_t *o = json_object();
    static const char *const names[2] = {"response", "resolution"};
    json_object_set_new(o, "tickets", json_integer(t->n));
    for (int k = 0; k < 2; k++) {
        json_t *x = json_object();
        json_object_set_new(x, "met", json_integer(t->met[k]));
        json_object_set_new(x, "breached", json_integer(t->breached[k]));
        json_object_set_new(x, "pending", json_integer(t->pending[k]));
        json_object_set_new(x, "attainment",
                            attain(t, k) < 0 ? json_null() : json_real(attain(t, k)));
        json_object_set_new(o, names[k], x);
    }
    return o;
}

static int is_client(const struct an_data *d, uint32_t ti, const char *client)
{
    return d->tickets[ti].client && !strcmp(an_str(d, d->tickets[ti].client), client);
}

/* The person who held the ticket last (agent), or "-". */
static uint32_t last_agent(const struct an_data *d, uint32_t ti)
{
    const struct an_ticket *t = &d->tickets[ti];
    uint32_t agent = 0;
    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        if (e->kind == HD_KIND_ASSIGNED && (e->flags & AN_EV_AGENT)) {
            agent = e->agent;
        }
    }
    return agent;
}

static const char *person(const struct an_data *d, uint32_t id, const char *kind, int pseudo,
                          char *buf, unsigned n)
{
    if (!id || !*an_str(d, id)) {
        return "-";
    }
    return pseudo ? rpt_pseudonym(kind, an_str(d, id), buf, n) : an_str(d, id);
}

static void pct_cell(struct rpt_table *t, const struct tally *ta, int k)
{
    char b[32];
    rpt_table_cell(
        t, "%s", rpt_pct((double)ta->met[k], (double)(ta->met[k] + ta->breached[k]), b, sizeof(b)));
}

int rpt_sla(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
            const struct an_sla_config *sla, const struct rpt_scope *sc, int pseudonymize,
            struct hd_err *err)
{
    const struct an_sla_client *cl = an_sla_for(sla, sc->client);
    struct tally byp[6], all, trend[TREND_MONTHS];
    int64_t from = sc->from_ms, to = sc->to_ms, latest = AN_TIME_NONE, first = AN_TIME_NONE;
    int64_t tfrom;
    struct rpt_table *t, *bt;
    struct rpt_chart *c;
    json_t *m = json_object(), *jp = json_array(), *jb = json_array(), *jt = json_array(), *jo;
    char a[32], b[32], cbuf[32], pbuf[64], qbuf[64];
    size_t s1, s2, x;

    if (!cl) {
        json_decref(m);
        json_decref(jp);
        json_decref(jb);
        json_decref(jt);
        return hd_err_set(err, HD_EUSAGE, NULL, 0, "no SLA for client '%s' and no default",
                          sc->client);
    }
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        int64_t o = r->tm[ti].opened_ms;
        if (is_client(d, ti, sc->client) && o != AN_TIME_NONE) {
            latest = latest == AN_TIME_NONE || o > latest ? o : latest;
            first = first == AN_TIME_NONE || o < first ? o : first;
        }
    }
    if (from == AN_TIME_NONE) {
        rpt_month_of(latest == AN_TIME_NONE ? 0 : latest, &from, &to);
    }
    tfrom = rpt_month_add(from, -(TREND_MONTHS - 1));
    memset(byp, 0, sizeof(byp));
    memset(&all, 0, sizeof(all));
    memset(trend, 0, sizeof(trend));

    rpt_doc_para(doc,
                 "Client %s, tickets opened from %s to %s (UTC, end exclusive). Response and "
                 "resolution are measured in business time on the client's calendar, with the "
                 "clock stopped while a ticket is on hold or awaiting the user or a vendor "
                 "(docs/metrics.md, \"SLA\").%s",
                 sc->client, rpt_date(from, a, 32), rpt_date(to, b, 32),
                 pseudonymize ? " People are shown as stable pseudonyms." : "");

    rpt_doc_heading(doc, 1, "Targets");
    t = TBL(doc, "sla_targets", 0, "priority", "#response", "#resolution");
    for (int p = 1; p <= 5; p++) {
        if (!cl->targets.response_ms[p] && !cl->targets.resolution_ms[p]) {
            continue;
        }
        rpt_table_cell(t, "P%d", p);
        rpt_table_cell(
            t, "%s", cl->targets.response_ms[p] ? rpt_dur(cl->targets.response_ms[p], a, 32) : "-");
        rpt_table_cell(t, "%s",
                       cl->targets.resolution_ms[p] ? rpt_dur(cl->targets.resolution_ms[p], b, 32)
                                                    : "-");
    }

    rpt_doc_heading(doc, 1, "Attainment by priority");
    rpt_doc_para(doc, "Attainment = met / (met + breached); tickets still open and within "
                      "target are pending and not counted.");
    t = TBL(doc, "sla_by_priority", 0, "priority", "#tickets", "#response met",
            "#response breached", "#response pending", "#response attainment", "#resolution met",
            "#resolution breached", "#resolution pending", "#resolution attainment");
    c = rpt_chart_new("sla_attainment", RPT_CHART_BARS, "SLA attainment by priority", "priority",
                      "tickets within target (%)");
    rpt_chart_yrange(c, 0, 105);
    s1 = rpt_chart_series(c, "response");
    s2 = rpt_chart_series(c, "resolution");
    rpt_doc_chart_take(doc, c);
    rpt_doc_heading(doc, 1, "Breaches");
    bt = TBL(doc, "sla_breaches", 50, "ticket", "priority", "title", "target", "#target time",
             "#business time", "#over by", "status", "group", "agent", "requester");
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        struct an_sla_ticket st;
        int64_t o = r->tm[ti].opened_ms;
        if (!is_client(d, ti, sc->client) || o == AN_TIME_NONE || o < tfrom || o >= to) {
            continue;
        }
        an_sla_measure(d, r, cl, ti, &st);
        for (int k = 0; k < TREND_MONTHS; k++) {
            if (o >= rpt_month_add(tfrom, k) && o < rpt_month_add(tfrom, k + 1)) {
                tally_add(&trend[k], &st);
                break;
            }
        }
        if (o < from) {
            continue;
        }
        tally_add(&byp[st.priority >= 1 && st.priority <= 5 ? st.priority : 0], &st);
        tally_add(&all, &st);
        for (int k = 0; k < 2; k++) {
            uint8_t s = k ? st.resolution : st.response;
            int64_t tgt = k ? st.resolution_target_ms : st.response_target_ms;
            int64_t got = k ? st.resolution_ms : st.response_ms;
            int64_t done = k ? st.resolved_ms : st.responded_ms;
            json_t *jx;
            if (s != AN_SLA_BREACHED) {
                continue;
            }
            rpt_table_cell(bt, "%s", rpt_key(d, ti));
            rpt_table_cell(bt, "P%d", st.priority);
            rpt_table_cell(bt, "%s", an_str(d, d->tickets[ti].title));
            rpt_table_cell(bt, "%s", k ? "resolution" : "response");
            rpt_table_cell(bt, "%s", rpt_dur(tgt, a, 32));
            rpt_table_cell(bt, "%s", rpt_dur(got, b, 32));
            rpt_table_cell(bt, "%s", rpt_dur(got - tgt, cbuf, 32));
            rpt_table_cell(bt, "%s", done == AN_TIME_NONE ? "still open" : "done late");
            rpt_table_cell(bt, "%s", r->tm[ti].last_group ? an_str(d, r->tm[ti].last_group) : "-");
            rpt_table_cell(bt, "%s",
                           person(d, last_agent(d, ti), "Agent", pseudonymize, pbuf, sizeof(pbuf)));
            rpt_table_cell(
                bt, "%s",
                person(d, d->tickets[ti].requester, "Requester", pseudonymize, qbuf, sizeof(qbuf)));
            jx = json_object();
            json_object_set_new(jx, "ticket", json_string(rpt_key(d, ti)));
            json_object_set_new(jx, "priority", json_integer(st.priority));
            json_object_set_new(jx, "target", json_string(k ? "resolution" : "response"));
            json_object_set_new(jx, "target_ms", json_integer(tgt));
            json_object_set_new(jx, "business_ms", json_integer(got));
            json_object_set_new(jx, "open", json_boolean(done == AN_TIME_NONE));
            json_array_append_new(jb, jx);
        }
    }
    rpt_doc_para(doc, "%zu breaches in the month (a ticket can breach both targets).",
                 rpt_table_rows(bt));

    x = 0;
    for (int p = 0; p <= 6; p++) {
        const struct tally *ta = p == 6 ? &all : &byp[p];
        char lab[16];
        if (!ta->n) {
            continue;
        }
        snprintf(lab, sizeof(lab), p == 6 ? "all" : p ? "P%d" : "(none)", p);
        rpt_table_cell(t, "%s", lab);
        rpt_table_cell(t, "%lld", (long long)ta->n);
        for (int k = 0; k < 2; k++) {
            rpt_table_cell(t, "%lld", (long long)ta->met[k]);
            rpt_table_cell(t, "%lld", (long long)ta->breached[k]);
            rpt_table_cell(t, "%lld", (long long)ta->pending[k]);
            pct_cell(t, ta, k);
        }
        if (p < 6) {
            if (attain(ta, 0) >= 0) {
                rpt_chart_point(c, s1, (double)x, 100 * attain(ta, 0));
            }
            if (attain(ta, 1) >= 0) {
                rpt_chart_point(c, s2, (double)x, 100 * attain(ta, 1));
            }
            rpt_chart_xtic(c, (double)x++, lab);
        }
        jo = tally_json(ta);
        json_object_set_new(jo, "priority", json_string(lab));
        json_array_append_new(jp, jo);
    }

    rpt_doc_heading(doc, 1, "Monthly trend");
    t = TBL(doc, "sla_trend", 0, "month", "#tickets", "#response attainment",
            "#resolution attainment");
    c = rpt_chart_new("sla_trend", RPT_CHART_LINES, "SLA attainment by month", "month (UTC)",
                      "tickets within target (%)");
    rpt_chart_yrange(c, 0, 105);
    s1 = rpt_chart_series(c, "response");
    s2 = rpt_chart_series(c, "resolution");
    x = 0;
    for (int k = 0; k < TREND_MONTHS; k++) {
        int64_t ms = rpt_month_add(tfrom, k);
        char lab[16];
        if (first == AN_TIME_NONE || rpt_month_add(ms, 1) <= first) {
            continue; /* before the client's first ticket */
        }
        snprintf(lab, sizeof(lab), "%.7s", rpt_date(ms, a, 32));
        rpt_table_cell(t, "%s", lab);
        rpt_table_cell(t, "%lld", (long long)trend[k].n);
        pct_cell(t, &trend[k], 0);
        pct_cell(t, &trend[k], 1);
        if (attain(&trend[k], 0) >= 0) {
            rpt_chart_point(c, s1, (double)x, 100 * attain(&trend[k], 0));
        }
        if (attain(&trend[k], 1) >= 0) {
            rpt_chart_point(c, s2, (double)x, 100 * attain(&trend[k], 1));
        }
        rpt_chart_xtic(c, (double)x++, lab);
        jo = tally_json(&trend[k]);
        json_object_set_new(jo, "month", json_string(lab));
        json_array_append_new(jt, jo);
    }
    rpt_doc_chart_take(doc, c);

    json_object_set_new(m, "report", json_string("sla"));
    json_object_set_new(m, "client", json_string(sc->client));
    json_object_set_new(m, "from", json_string(rpt_date(from, a, 32)));
    json_object_set_new(m, "to", json_string(rpt_date(to, b, 32)));
    json_object_set_new(m, "pseudonymized", json_boolean(pseudonymize));
    json_object_set_new(m, "total", tally_json(&all));
    json_object_set_new(m, "by_priority", jp);
    json_object_set_new(m, "breaches", jb);
    json_object_set_new(m, "trend", jt);
    rpt_doc_set_metrics(doc, m);
    return 0;
}
