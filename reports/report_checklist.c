/*
 * `handoff report checklist`: five questions about the escalation layer,
 * each scored green, amber or red from the data by the thresholds of
 * docs/metrics.md, "Checklist scoring", with the evidence, the tickets
 * behind it and the next step. Adherence comes from analyzer/audit.
 */
#include "reports/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/audit.h"
#include "analyzer/dataset.h"
#include "analyzer/summary.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/policy.h"
#include "core/time.h"
#include "reports/chart.h"
#include "reports/render.h"
#include "reports/report_int.h"

#define MAX_TICKETS 10

/* Thresholds, docs/metrics.md "Checklist scoring": green at or below g, amber at or below a. */
#define Q1_GREEN 0.10
#define Q1_AMBER 0.25
#define Q2_GREEN 0.90 /* adherence: green at or above */
#define Q2_AMBER 0.75
#define Q3_GREEN 0.10
#define Q3_AMBER 0.25
#define Q4_GREEN 0.10
#define Q4_AMBER 0.25
#define Q5_GREEN 0.90 /* ratio latest / previous month: green at or below */
#define Q5_AMBER 1.10

enum score { GREEN, AMBER, RED };
static const char *const score_names[] = {"green", "amber", "red"};

struct question {
    const char *title;
    enum score score;
    double value; /* the measure, or -1 when there is no evidence */
    struct hd_buf evidence, rule, next;
    uint32_t tickets[MAX_TICKETS];
    int64_t figures[MAX_TICKETS];
    size_t ntickets;
    const char *figure_name;
    int figure_is_dur;
};

/* Keep the MAX_TICKETS tickets with the largest figure (first come first on ties). */
static void keep_ticket(struct question *q, uint32_t ti, int64_t fig)
{
    size_t j;
    for (j = 0; j < q->ntickets; j++) {
        if (q->tickets[j] == ti) {
            if (fig > q->figures[j]) {
                q->figures[j] = fig; /* position kept: small lists, rarely matters */
            }
            return;
        }
    }
    for (j = q->ntickets; j > 0 && q->figures[j - 1] < fig; j--) {
        if (j < MAX_TICKETS) {
            q->tickets[j] = q->tickets[j - 1];
            q->figures[j] = q->figures[j - 1];
        }
    }
    if (j < MAX_TICKETS) {
        q->tickets[j] = ti;
        q->figures[j] = fig;
        q->ntickets += q->ntickets < MAX_TICKETS;
    }
}

static enum score low_is_good(double v, double g, double a)
{
    return v <= g ? GREEN : v <= a ? AMBER : RED;
}

static void q_triggers(struct question *q, const struct an_data *d, const struct an_result *r,
                       const struct an_config *cfg, const uint8_t *in)
{
    size_t sec = 0, late = 0;
    char th[32];
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        if (in[ti] && r->tm[ti].security && r->tm[ti].tte_ms != AN_TIME_NONE) {
            sec++;
            if (r->tm[ti].tte_ms > cfg->late_security_ms) {
                late++;
                keep_ticket(q, ti, r->tm[ti].tte_ms);
            }
        }
    }
    q->title = "Clear escalation triggers";
    q->figure_name = "time to escalate";
    q->figure_is_dur = 1;
    rpt_dur(cfg->late_security_ms, th, sizeof(th));
    if (!sec) {
        q->score = AMBER;
        q->value = -1;
        hd_buf_addf(&q->evidence, NULL,
                    "No ticket reached security in the period: the "
                    "triggers cannot be judged from the data.");
    } else {
        q->value = (double)late / (double)sec;
        q->score = low_is_good(q->value, Q1_GREEN, Q1_AMBER);
        hd_buf_addf(&q->evidence, NULL,
                    "%zu of %zu security tickets (%.1f%%) reached security later than %s after "
                    "opening (late security escalation).",
                    late, sec, 100 * q->value, th);
    }
    hd_buf_addf(&q->rule, NULL, "late share: green at most %.0f%%, amber at most %.0f%%, red above",
                100 * Q1_GREEN, 100 * Q1_AMBER);
    hd_buf_adds(&q->next,
                q->score == GREEN
                    ? "Keep the triggers and review them once a quarter against new threats."
                : q->score == AMBER
                    ? "Read the late tickets' first notes for the signals that were missed "
                      "(phishing, MFA, account compromise) and add them as intake triggers."
                    : "Write explicit security triggers into the intake policy (keywords, "
                      "categories, VIP requesters) that route straight to the security queue, "
                      "and add a timer for tickets left unassigned.",
                NULL);
}

static void q_policy(struct question *q, const struct an_data *d, const struct an_audit *au,
                     const char *policy_name)
{
    q->title = "Routing governed by policy";
    q->figure_name = "first group";
    for (size_t i = 0; i < au->nrows; i++) {
        if (au->rows[i].adherent == 0) {
            keep_ticket(q, au->rows[i].ticket, 0);
        }
    }
    if (!au->compared) {
        q->score = AMBER;
        q->value = -1;
        hd_buf_addf(&q->evidence, NULL,
                    "No ticket with a first assignment to compare with "
                    "policy %s.",
                    policy_name);
    } else {
        q->value = (double)au->adherent / (double)au->compared;
        q->score = q->value >= Q2_GREEN ? GREEN : q->value >= Q2_AMBER ? AMBER : RED;
        hd_buf_addf(&q->evidence, NULL,
                    "%zu of %zu tickets (%.1f%%) went first to the queue that policy %s "
                    "chooses at intake (adherence, docs/policy.md \"Audit\").",
                    au->adherent, au->compared, 100 * q->value, policy_name);
    }
    hd_buf_addf(&q->rule, NULL,
                "adherence: green at least %.0f%%, amber at least %.0f%%, red below",
                100 * Q2_GREEN, 100 * Q2_AMBER);
    hd_buf_adds(&q->next,
                q->score == GREEN
                    ? "Keep routing in the policy file and audit each change before it ships."
                : q->score == AMBER
                    ? "Look at the tickets that bypassed the policy: either the policy misses "
                      "a case (add a rule) or the desk routes by habit (brief the desk)."
                    : "Routing does not follow the written policy. Make the policy the "
                      "dispatcher's source of truth (auto-assign from it) and audit monthly.",
                NULL);
    (void)d;
}

static void q_context(struct question *q, const struct an_data *d, const struct an_result *r,
                      const struct an_config *cfg, const uint8_t *in)
{
    uint64_t handoffs = 0, lost = 0;
    char th[32];
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        if (in[ti]) {
            handoffs += r->tm[ti].reassignments;
        }
    }
    for (size_t i = 0; i < r->nfinds; i++) {
        const struct an_finding *f = &r->finds[i];
        if (in[f->ticket] && f->kind == AN_FIND_CONTEXT_LOSS) {
            lost++;
            keep_ticket(q, f->ticket, (int64_t)r->tm[f->ticket].reassignments);
        }
    }
    q->title = "Context preserved at handoff";
    q->figure_name = "reassignments";
    rpt_dur(cfg->context_window_ms, th, sizeof(th));
    if (!handoffs) {
        q->score = GREEN;
        q->value = 0;
        hd_buf_addf(&q->evidence, NULL, "No handoff between groups in the period.");
    } else {
        q->value = (double)lost / (double)handoffs;
        q->score = low_is_good(q->value, Q3_GREEN, Q3_AMBER);
        hd_buf_addf(&q->evidence, NULL,
                    "%llu of %llu handoffs (%.1f%%) had no note within %s before or after "
                    "them (context loss).",
                    (unsigned long long)lost, (unsigned long long)handoffs, 100 * q->value, th);
    }
    hd_buf_addf(&q->rule, NULL,
                "handoffs without a note: green at most %.0f%%, amber at most "
                "%.0f%%, red above",
                100 * Q3_GREEN, 100 * Q3_AMBER);
    hd_buf_adds(&q->next,
                q->score == GREEN
                    ? "Keep the handoff note habit; spot-check a few notes for quality."
                    : "Require a handoff note (what was tried, what is known, why this team) "
                      "before a reassignment can be saved, and review the tickets below.",
                NULL);
}

static void q_cadence(struct question *q, const struct an_data *d, const struct an_result *r,
                      const struct an_config *cfg, const uint8_t *in)
{
    uint64_t subject = 0, breached = 0;
    uint8_t *seen = hd_xcalloc(d->ntickets + 1, 1);
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        int p = d->tickets[ti].priority;
        if (in[ti] && p >= 1 && p <= cfg->cadence_priority_at_least) {
            subject++;
        }
    }
    for (size_t i = 0; i < r->nfinds; i++) {
        const struct an_finding *f = &r->finds[i];
        if (in[f->ticket] && f->kind == AN_FIND_CADENCE_BREACH && !seen[f->ticket]) {
            seen[f->ticket] = 1;
            breached++;
            keep_ticket(q, f->ticket, f->value_ms);
        }
    }
    free(seen);
    q->title = "Communication consistent and timely";
    q->figure_name = "longest silence";
    q->figure_is_dur = 1;
    if (!subject) {
        q->score = AMBER;
        q->value = -1;
        hd_buf_addf(&q->evidence, NULL, "No ticket at P%d or above in the period.",
                    cfg->cadence_priority_at_least);
    } else {
        q->value = (double)breached / (double)subject;
        q->score = low_is_good(q->value, Q4_GREEN, Q4_AMBER);
        hd_buf_addf(&q->evidence, NULL,
                    "%llu of %llu tickets at P%d or above (%.1f%%) went longer than their "
                    "priority's update target without a public update (cadence breach).",
                    (unsigned long long)breached, (unsigned long long)subject,
                    cfg->cadence_priority_at_least, 100 * q->value);
    }
    hd_buf_addf(&q->rule, NULL,
                "tickets breaching cadence: green at most %.0f%%, amber at most "
                "%.0f%%, red above",
                100 * Q4_GREEN, 100 * Q4_AMBER);
    hd_buf_adds(&q->next,
                q->score == GREEN
                    ? "Keep the update cadence; publish it to clients with the SLA."
                    : "Put an update timer on P1/P2 tickets (a reminder at the cadence target) "
                      "and template the customer update so it costs a minute.",
                NULL);
}

/* Escalation problems per ticket by month: bounces, misroutes, late security, cadence. */
static void q_improve(struct question *q, struct rpt_chart **chart, const struct an_data *d,
                      const struct an_result *r, const uint8_t *in, json_t *m)
{
    int64_t first = AN_TIME_NONE, last = AN_TIME_NONE;
    uint64_t *tick, *probs;
    uint32_t *per_ticket = hd_xcalloc(d->ntickets + 1, sizeof(*per_ticket));
    int nmonths, k;
    struct rpt_chart *c;
    size_t s;
    json_t *arr = json_array();
    char a[32];

    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        int64_t o = r->tm[ti].opened_ms;
        if (in[ti] && o != AN_TIME_NONE) {
            first = first == AN_TIME_NONE || o < first ? o : first;
            last = last == AN_TIME_NONE || o > last ? o : last;
        }
    }
    q->title = "Escalation measured and improved over time";
    q->figure_name = "problems";
    hd_buf_addf(&q->rule, NULL,
                "problems per ticket, latest month against the month before: green at most "
                "x%.2f, amber at most x%.2f, red above; amber with less than two months of data",
                Q5_GREEN, Q5_AMBER);
    if (first == AN_TIME_NONE) {
        q->score = AMBER;
        q->value = -1;
        hd_buf_adds(&q->evidence, "No tickets in the period.", NULL);
        hd_buf_adds(&q->next, "Collect ticket history to measure escalation.", NULL);
        free(per_ticket);
        json_decref(arr);
        return;
    }
    {
        int64_t f0, t0;
        rpt_month_of(first, &f0, &t0);
        first = f0;
    }
    for (nmonths = 1; rpt_month_add(first, nmonths) <= last; nmonths++) {
    }
    tick = hd_xcalloc((size_t)nmonths, sizeof(*tick));
    probs = hd_xcalloc((size_t)nmonths, sizeof(*probs));
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        int64_t o = r->tm[ti].opened_ms;
        if (!in[ti] || o == AN_TIME_NONE) {
            continue;
        }
        for (k = nmonths - 1; k > 0 && o < rpt_month_add(first, k); k--) {
        }
        tick[k]++;
    }
    for (size_t i = 0; i < r->nfinds; i++) {
        const struct an_finding *f = &r->finds[i];
        int64_t o = r->tm[f->ticket].opened_ms;
        if (!in[f->ticket] || o == AN_TIME_NONE ||
            (f->kind != AN_FIND_BOUNCE && f->kind != AN_FIND_MISROUTE &&
             f->kind != AN_FIND_LATE_SECURITY && f->kind != AN_FIND_CADENCE_BREACH)) {
            continue;
        }
        for (k = nmonths - 1; k > 0 && o < rpt_month_add(first, k); k--) {
        }
        probs[k]++;
        if (k == nmonths - 1) {
            per_ticket[f->ticket]++;
        }
    }
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        if (per_ticket[ti]) {
            keep_ticket(q, ti, per_ticket[ti]);
        }
    }
    free(per_ticket);
    c = rpt_chart_new("problems_by_month", RPT_CHART_LINES,
                      "Escalation problems per ticket by month", "month opened (UTC)",
                      "problems per ticket (count)");
    s = rpt_chart_series(c, "problems per ticket");
    for (k = 0; k < nmonths; k++) {
        json_t *o = json_object();
        char lab[16];
        snprintf(lab, sizeof(lab), "%.7s", rpt_date(rpt_month_add(first, k), a, sizeof(a)));
        if (tick[k]) {
            rpt_chart_point(c, s, k, (double)probs[k] / (double)tick[k]);
        }
        rpt_chart_xtic(c, k, lab);
        json_object_set_new(o, "month", json_string(lab));
        json_object_set_new(o, "tickets", json_integer((json_int_t)tick[k]));
        json_object_set_new(o, "problems", json_integer((json_int_t)probs[k]));
        json_array_append_new(arr, o);
    }
    json_object_set_new(m, "problems_by_month", arr);
    if (nmonths < 2 || !tick[nmonths - 1] || !tick[nmonths - 2]) {
        q->score = AMBER;
        q->value = -1;
        hd_buf_adds(&q->evidence, "Less than two months of tickets: no trend to judge yet.", NULL);
    } else {
        double now = (double)probs[nmonths - 1] / (double)tick[nmonths - 1];
        double before = (double)probs[nmonths - 2] / (double)tick[nmonths - 2];
        q->value = before > 0 ? now / before : (now > 0 ? 99 : 1);
        q->score = q->value <= Q5_GREEN ? GREEN : q->value <= Q5_AMBER ? AMBER : RED;
        hd_buf_addf(&q->evidence, NULL,
                    "Escalation problems per ticket went from %.2f (%llu tickets) to %.2f "
                    "(%llu tickets) between the last two months: x%.2f.",
                    before, (unsigned long long)tick[nmonths - 2], now,
                    (unsigned long long)tick[nmonths - 1], q->value);
    }
    hd_buf_adds(&q->next,
                q->score == GREEN
                    ? "Keep the monthly review; set the next target from this month's figure."
                : q->score == AMBER
                    ? "Review these figures monthly with the team leads and pick one problem "
                      "(the top finding) to fix each month."
                    : "Problems are growing: hold an escalation review now, starting with the "
                      "tickets below, and track the figure monthly.",
                NULL);
    free(tick);
    free(probs);
    *chart = c;
}

int rpt_checklist(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                  const struct an_config *cfg, const struct hd_policy *policy,
                  const char *policy_name, const struct rpt_scope *sc, struct hd_err *err)
{
    struct question qs[5];
    struct an_filter f;
    struct an_audit au;
    uint8_t *in = hd_xcalloc(d->ntickets + 1, 1);
    json_t *m = json_object(), *arr = json_array(), *extra = json_object();
    struct rpt_table *t;
    struct rpt_chart *chart = NULL;
    const char *sh[] = {"#no.", "question", "score", "measure", "next step"};
    const char *pname = policy ? hd_policy_name(policy) : policy_name;
    size_t n = 0;
    int rc;
    char a[32], b[32];

    memset(qs, 0, sizeof(qs));
    for (int i = 0; i < 5; i++) {
        hd_buf_init(&qs[i].evidence, 0);
        hd_buf_init(&qs[i].rule, 0);
        hd_buf_init(&qs[i].next, 0);
    }
    an_filter_init(&f);
    f.from_ms = sc->from_ms;
    f.to_ms = sc->to_ms;
    f.client = sc->client;
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        in[ti] = (uint8_t)an_filter_match(&f, d, r, ti);
        n += in[ti];
    }
    rc = an_audit_run(d, r, policy, &f, &au, err);
    if (rc) {
        goto out;
    }
    rpt_doc_para(doc,
                 "%zu tickets%s%s%s%s%s%s. Policy: %s. Each question is scored from the data "
                 "by the thresholds in docs/metrics.md, \"Checklist scoring\".",
                 n, sc->client ? " of client " : "", sc->client ? sc->client : "",
                 sc->from_ms != AN_TIME_NONE ? " opened from " : "",
                 sc->from_ms != AN_TIME_NONE ? rpt_date(sc->from_ms, a, 32) : "",
                 sc->to_ms != AN_TIME_NONE ? " to " : "",
                 sc->to_ms != AN_TIME_NONE ? rpt_date(sc->to_ms, b, 32) : "", pname);
    t = rpt_doc_table(doc, "checklist", 0, 5, sh);

    q_triggers(&qs[0], d, r, cfg, in);
    q_policy(&qs[1], d, &au, pname);
    q_context(&qs[2], d, r, cfg, in);
    q_cadence(&qs[3], d, r, cfg, in);
    q_improve(&qs[4], &chart, d, r, in, extra);

    for (int i = 0; i < 5; i++) {
        struct question *q = &qs[i];
        json_t *o = json_object(), *tk = json_array();
        char v[32];
        const char *th[] = {"ticket", "title", q->figure_name};
        struct rpt_table *tt;
        if (q->value < 0) {
            snprintf(v, sizeof(v), "no evidence");
        } else if (i == 4) {
            snprintf(v, sizeof(v), "x%.2f", q->value);
        } else {
            snprintf(v, sizeof(v), "%.1f%%", 100 * q->value);
        }
        rpt_table_cell(t, "%d", i + 1);
        rpt_table_cell(t, "%s", q->title);
        rpt_table_cell(t, "%s", score_names[q->score]);
        rpt_table_cell(t, "%s", v);
        rpt_table_cell(t, "%s", q->next.buf);

        rpt_doc_heading(doc, 1, "%d. %s: %s", i + 1, q->title, score_names[q->score]);
        rpt_doc_para(doc, "%s", q->evidence.buf);
        rpt_doc_para(doc, "Scoring: %s.", q->rule.buf);
        if (i == 4 && chart) {
            rpt_doc_chart_take(doc, chart);
            chart = NULL;
        }
        if (q->ntickets) {
            char name[32];
            snprintf(name, sizeof(name), "q%d_tickets", i + 1);
            rpt_doc_para(doc, "The tickets behind it (largest first, at most %d):", MAX_TICKETS);
            tt = rpt_doc_table(doc, name, 0, 3, th);
            for (size_t k = 0; k < q->ntickets; k++) {
                uint32_t ti = q->tickets[k];
                rpt_table_cell(tt, "%s", rpt_key(d, ti));
                rpt_table_cell(tt, "%s", an_str(d, d->tickets[ti].title));
                if (i == 1) {
                    uint32_t g = r->tm[ti].first_group;
                    rpt_table_cell(tt, "%s", g ? an_str(d, g) : "-");
                } else if (q->figure_is_dur) {
                    rpt_table_cell(tt, "%s", rpt_dur(q->figures[k], a, 32));
                } else {
                    rpt_table_cell(tt, "%lld", (long long)q->figures[k]);
                }
                json_array_append_new(tk, json_string(rpt_key(d, ti)));
            }
        }
        rpt_doc_para(doc, "Next step: %s", q->next.buf);
        json_object_set_new(o, "question", json_string(q->title));
        json_object_set_new(o, "score", json_string(score_names[q->score]));
        json_object_set_new(o, "measure", q->value < 0 ? json_null() : json_real(q->value));
        json_object_set_new(o, "evidence", json_string(q->evidence.buf));
        json_object_set_new(o, "scoring", json_string(q->rule.buf));
        json_object_set_new(o, "tickets", tk);
        json_object_set_new(o, "next_step", json_string(q->next.buf));
        json_array_append_new(arr, o);
    }
    json_object_set_new(m, "report", json_string("checklist"));
    json_object_set_new(m, "policy", json_string(pname));
    json_object_set_new(m, "tickets", json_integer((json_int_t)n));
    json_object_set_new(m, "questions", arr);
    json_object_update(m, extra);
    arr = NULL;
out:
    json_decref(extra);
    json_decref(arr);
    if (!rc) {
        rpt_doc_set_metrics(doc, m);
    } else {
        json_decref(m);
    }
    for (int i = 0; i < 5; i++) {
        hd_buf_release(&qs[i].evidence);
        hd_buf_release(&qs[i].rule);
        hd_buf_release(&qs[i].next);
    }
    an_audit_release(&au);
    rpt_chart_free(chart);
    free(in);
    return rc;
}
