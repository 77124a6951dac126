/*
 * The policy audit (analyzer/audit.h): each ticket of the history through
 * hd_policy_decide() in opening order, timers evaluated against the
 * ticket's own events, and the roll-ups. Definitions: docs/policy.md,
 * "Audit". Rendering lives in reports/audit.c.
 */
#include "analyzer/audit.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/summary.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/model.h"
#include "core/policy.h"

/* ---- helpers ------------------------------------------------------------- */

long an_audit_queue_of(const struct hd_policy *p, const char *group)
{
    long q;
    if (!group || !*group) {
        return -1;
    }
    q = hd_policy_queue_find(p, group);
    return q >= 0 ? q : hd_policy_queue_for_group(p, group);
}

/* Tickets in opening order; ties by index, so the order is total. */
struct order {
    int64_t opened_ms;
    uint32_t ticket;
};

static int order_cmp(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    if (x->opened_ms != y->opened_ms) {
        return x->opened_ms < y->opened_ms ? -1 : 1;
    }
    return x->ticket < y->ticket ? -1 : x->ticket > y->ticket;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The priority the ticket was opened with, else its latest known one. */
static int opening_priority(const struct an_data *d, uint32_t ti)
{
    const struct an_ticket *t = &d->tickets[ti];
    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        if (e->kind == HD_KIND_OPENED && e->priority) {
            return e->priority;
        }
    }
    return t->priority;
}

/* An agent is working the ticket once it reaches one of these states. */
static int is_work_state(int s)
{
    return s == HD_STATE_IN_PROGRESS || s == HD_STATE_ON_HOLD || s == HD_STATE_AWAITING_USER ||
           s == HD_STATE_AWAITING_VENDOR;
}

/* ---- timers -------------------------------------------------------------- */

/* Whether a timer whose condition has held long enough fires now. */
static int fire_ok(const struct an_data *d, const struct hd_policy *p,
                   const struct hd_policy_timer *tm, int prio, uint32_t group)
{
    long q = an_audit_queue_of(p, an_str(d, group));
    return hd_policy_timer_applies(tm, prio) && !(q >= 0 && (size_t)q == tm->queue);
}

/*
 * The first instant timer `tm` fires on ticket `ti` in its actual history,
 * or AN_TIME_NONE. The condition's clock starts as docs/policy.md, "Timers"
 * says; the timer fires at start + after_ms when no event in
 * (start, start + after_ms] ended the condition and the priority then
 * (`set_prio` when the decision set one) is covered. An event at exactly
 * start + after_ms that ends the condition wins: the ticket was no longer
 * waiting. A timer whose target queue already holds the ticket does
 * nothing ("if the ticket is already there, nothing happens"), so it does
 * not fire. The history ends at `horizon` (the end of the data).
 */
static int64_t timer_fires(const struct an_data *d, const struct hd_policy *p, uint32_t ti,
                           int64_t opened, int64_t horizon, const struct hd_policy_timer *tm,
                           int set_prio)
{
    const struct an_ticket *t = &d->tickets[ti];
    const int unassigned = tm->condition == HD_POLICY_UNASSIGNED;
    uint32_t group = 0, agent = 0;
    int accepted = 0, done = 0, prio = opening_priority(d, ti);
    int64_t start = unassigned ? opened : AN_TIME_NONE;

    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        int before, after, restart = 0;

        if (start != AN_TIME_NONE && start + tm->after_ms < e->t_ms) {
            if (fire_ok(d, p, tm, set_prio ? set_prio : prio, group)) {
                return start + tm->after_ms;
            }
            start = AN_TIME_NONE; /* at most once per period */
        }
        before = !done && (unassigned ? group == 0 : group != 0 && !accepted);
        switch (e->kind) {
        case HD_KIND_OPENED:
        case HD_KIND_PRIORITY:
            if (e->priority) {
                prio = e->priority;
            }
            break;
        case HD_KIND_ASSIGNED: {
            uint32_t ng = (e->flags & AN_EV_GROUP) ? e->group : group;
            uint32_t na = (e->flags & AN_EV_AGENT) ? e->agent : agent;
            if (ng != group) {
                restart = ng != 0;
                accepted = na != 0;
            } else if (na && na != agent) {
                accepted = 1;
            }
            group = ng;
            agent = na;
            break;
        }
        case HD_KIND_STATE:
            if (hd_state_is_done((enum hd_state)e->state)) {
                done = 1;
            } else if (e->state != HD_STATE_NONE) {
                done = 0;
                if (is_work_state(e->state) && group) {
                    accepted = 1;
                }
            }
            break;
        default:
            break;
        }
        after = !done && (unassigned ? group == 0 : group != 0 && !accepted);
        if (!after) {
            start = AN_TIME_NONE;
        } else if (!before || (!unassigned && restart)) {
            start = e->t_ms;
        }
    }
    if (start != AN_TIME_NONE && horizon != AN_TIME_NONE && start + tm->after_ms <= horizon &&
        fire_ok(d, p, tm, set_prio ? set_prio : prio, group)) {
        return start + tm->after_ms;
    }
    return AN_TIME_NONE;
}

/* ---- the audit ----------------------------------------------------------- */

void an_audit_release(struct an_audit *a)
{
    free(a->rows);
    free(a->rules);
    free(a->timers);
    memset(a, 0, sizeof(*a));
}

static void init_out(struct an_audit *a, const struct hd_policy *p)
{
    memset(a, 0, sizeof(*a));
    a->nrules = hd_policy_rule_count(p) + 1;
    a->rules = hd_xcalloc(a->nrules, sizeof(*a->rules));
    a->ntimers = hd_policy_timer_count(p);
    a->timers = hd_xcalloc(a->ntimers ? a->ntimers : 1, sizeof(*a->timers));
    a->lead_p50_ms = a->lead_max_ms = AN_TIME_NONE;
}

/* Evaluate the timers on one row and set its security decision. */
static void row_timers(const struct an_data *d, const struct an_result *r,
                       const struct hd_policy *p, struct an_audit *a, struct an_audit_row *row,
                       int set_prio)
{
    int64_t opened = row->opened_ms;
    for (size_t k = 0; k < a->ntimers; k++) {
        const struct hd_policy_timer *tm = hd_policy_timer(p, k);
        int64_t at = timer_fires(d, p, row->ticket, opened, r->end_of_data, tm, set_prio);
        if (at == AN_TIME_NONE) {
            continue;
        }
        a->timers[k].decided++;
        if (tm->escalates_to_security && !row->policy_security &&
            (row->decision_ms == AN_TIME_NONE || at - opened < row->decision_ms)) {
            row->timer = (long)k;
            row->decision_ms = at - opened;
        }
    }
    if (row->timer >= 0) {
        row->policy_security = true;
    }
}

/* Compare the decision with what happened, and count. */
static void row_outcome(const struct an_data *d, const struct an_result *r,
                        const struct hd_policy *p, struct an_audit *a, struct an_audit_row *row)
{
    const struct an_tmetrics *m = &r->tm[row->ticket];
    struct an_audit_stat *rs = &a->rules[row->rule >= 0 ? (size_t)row->rule : a->nrules - 1];
    struct an_audit_stat *by = row->timer >= 0 ? &a->timers[row->timer] : rs;

    row->first_group = m->first_group;
    row->first_queue = an_audit_queue_of(p, an_str(d, m->first_group));
    row->actual_security = m->security != 0;
    row->tte_ms = row->actual_security ? m->tte_ms : AN_TIME_NONE;
    row->lead_ms = AN_TIME_NONE;
    rs->decided++;
    if (row->first_group) {
        row->adherent = row->first_queue >= 0 && (size_t)row->first_queue == row->queue;
        rs->compared++;
        a->compared++;
        rs->adherent += (size_t)row->adherent;
        a->adherent += (size_t)row->adherent;
    } else {
        row->adherent = -1;
    }
    a->policy_security += row->policy_security;
    a->actual_security += row->actual_security;
    if (row->policy_security && row->actual_security) {
        a->both_security++;
        if (row->tte_ms != AN_TIME_NONE && row->tte_ms - row->decision_ms > 0) {
            row->lead_ms = row->tte_ms - row->decision_ms;
            a->earlier++;
            a->lead_total_ms += row->lead_ms;
            by->earlier++;
            by->lead_total_ms += row->lead_ms;
        }
    } else if (row->policy_security) {
        row->missed = true;
        a->missed++;
        by->missed++;
    } else if (row->actual_security) {
        a->actual_only++;
    }
}

int an_audit_run(const struct an_data *d, const struct an_result *r, const struct hd_policy *p,
                 const struct an_filter *f, struct an_audit *out, struct hd_err *err)
{
    struct hd_policy_state *st = NULL;
    struct order *ord = NULL;
    int64_t *leads = NULL;
    size_t n = 0, nleads = 0;
    int rc = HD_OK;

    init_out(out, p);
    ord = hd_xmalloc((d->ntickets ? d->ntickets : 1) * sizeof(*ord));
    for (uint32_t i = 0; i < d->ntickets; i++) {
        if (r->tm[i].opened_ms == AN_TIME_NONE) {
            out->skipped += !f || an_filter_match(f, d, r, i);
            continue;
        }
        ord[n].opened_ms = r->tm[i].opened_ms;
        ord[n].ticket = i;
        n++;
    }
    qsort(ord, n, sizeof(*ord), order_cmp);
    out->rows = hd_xcalloc(n ? n : 1, sizeof(*out->rows));
    st = hd_policy_state_new(p);
    for (size_t k = 0; k < n; k++) {
        uint32_t ti = ord[k].ticket;
        const struct an_ticket *t = &d->tickets[ti];
        struct hd_policy_ticket pt = {
            .title = an_str(d, t->title),
            .description = an_str(d, t->description),
            .category = an_str(d, t->category),
            .subcategory = an_str(d, t->subcategory),
            .priority = opening_priority(d, ti),
            .asset_class = an_str(d, t->asset_class),
            .asset = an_str(d, t->asset),
            .requester = an_str(d, t->requester),
            .requester_tier = an_str(d, t->requester_tier),
            .client = an_str(d, t->client),
            .channel = an_str(d, t->channel),
            .opened_ms = ord[k].opened_ms,
        };
        struct hd_policy_decision dec;

        /* Every ticket is decided, filtered or not: repeat windows need history. */
        rc = hd_policy_decide(p, st, &pt, &dec, err);
        if (rc) {
            goto out;
        }
        if (f && !an_filter_match(f, d, r, ti)) {
            continue;
        }
        struct an_audit_row *row = &out->rows[out->nrows++];
        row->ticket = ti;
        row->opened_ms = ord[k].opened_ms;
        row->rule = dec.rule;
        row->queue = dec.queue;
        row->keyword = dec.keyword;
        row->timer = -1;
        row->policy_security = dec.escalate_to_security;
        row->decision_ms = dec.escalate_to_security ? 0 : AN_TIME_NONE;
        row_timers(d, r, p, out, row, dec.priority);
        row_outcome(d, r, p, out, row);
    }
    if (out->earlier) {
        leads = hd_xmalloc(out->earlier * sizeof(*leads));
        for (size_t k = 0; k < out->nrows; k++) {
            if (out->rows[k].lead_ms != AN_TIME_NONE) {
                leads[nleads++] = out->rows[k].lead_ms;
            }
        }
        qsort(leads, nleads, sizeof(*leads), i64_cmp);
        out->lead_p50_ms = leads[(nleads - 1) / 2];
        out->lead_max_ms = leads[nleads - 1];
    }
out:
    free(leads);
    hd_policy_state_free(st);
    free(ord);
    return rc;
}
