/*
 * Unit tests for analyzer/audit.c: adherence, lead time, missed security
 * escalations, rules that never fire, timers against the actual history,
 * and the opening-time order that repeat windows rely on. Datasets are
 * built by hand; the policy is loaded from text.
 */
#include "analyzer/audit.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/summary.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/policy.h"
#include "core/time.h"

/* ------------------------------------------------------------------ */
/* Fixture: a dataset, the default config, a policy and the audit      */

static const char policy_text[] =
    "{\"name\": \"t\", \"version\": 1,"
    " \"queues\": [{\"name\": \"Service Desk\", \"tier\": 1},"
    "              {\"name\": \"Identity\", \"tier\": 2},"
    "              {\"name\": \"desktop\", \"tier\": 2, \"groups\": [\"Desktop Support\"]},"
    "              {\"name\": \"SOC\", \"tier\": 2, \"security\": true}],"
    " \"default\": {\"route\": \"Service Desk\"},"
    " \"rules\": ["
    "  {\"id\": \"phishing\", \"when\": {\"keywords\": [\"phishing\"]},"
    "   \"then\": {\"escalate_to_security\": true}},"
    "  {\"id\": \"repeat-lockouts\", \"when\": {\"keywords\": [\"locked out\"],"
    "   \"repeat\": {\"same\": \"requester\", \"count\": 3, \"within\": \"24h\"}},"
    "   \"then\": {\"escalate_to_security\": true}},"
    "  {\"id\": \"lockout\", \"when\": {\"keywords\": [\"locked out\"]},"
    "   \"then\": {\"route\": \"Identity\"}},"
    "  {\"id\": \"hardware\", \"when\": {\"category\": \"Hardware\"},"
    "   \"then\": {\"route\": \"desktop\"}},"
    "  {\"id\": \"fax\", \"when\": {\"keywords\": [\"fax machine\"]},"
    "   \"then\": {\"route\": \"desktop\"}}],"
    " \"timers\": ["
    "  {\"id\": \"p1-unassigned-30m\", \"condition\": \"unassigned\", \"after\": \"30m\","
    "   \"priority_at_least\": \"P1\", \"escalate_to\": \"SOC\"},"
    "  {\"id\": \"p2-unaccepted-1h\", \"condition\": \"unaccepted\", \"after\": \"1h\","
    "   \"priority_at_least\": \"P2\", \"escalate_to\": \"SOC\"},"
    "  {\"id\": \"any-unassigned-8h\", \"condition\": \"unassigned\", \"after\": \"8h\","
    "   \"escalate_to\": \"Service Desk\"}]}";

/* Rule and timer indexes of policy_text. */
enum { R_PHISHING, R_REPEAT, R_LOCKOUT, R_HARDWARE, R_FAX, R_DEFAULT };
enum { T_P1_UNASSIGNED, T_P2_UNACCEPTED, T_ANY_UNASSIGNED };

struct fx {
    struct an_data d;
    struct an_config cfg;
    struct an_result r;
    struct an_audit a;
    struct hd_policy *pol;
    uint32_t src, line;
    int ran;
};

static int fx_setup(void **state)
{
    struct fx *x = hd_xcalloc(1, sizeof(*x));
    struct hd_err err = HD_ERR_INIT;
    an_data_init(&x->d);
    x->src = an_data_add_source(&x->d, "test.csv", "generic");
    if (an_config_load(NULL, &x->cfg, &err) != HD_OK) {
        fail_msg("default config: %s", err.msg);
    }
    if (hd_policy_load_text(policy_text, strlen(policy_text), "t.json", &x->pol, NULL, NULL,
                            &err) != HD_OK) {
        fail_msg("policy: %s", err.msg);
    }
    *state = x;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *x = *state;
    if (x->ran) {
        an_audit_release(&x->a);
        an_result_release(&x->r);
    }
    hd_policy_free(x->pol);
    an_config_release(&x->cfg);
    an_data_release(&x->d);
    free(x);
    return 0;
}

static uint32_t sid(struct fx *x, const char *s)
{
    return s && *s ? hd_intern_id(x->d.strs, s, strlen(s)) : 0;
}

/* An instant on 2026-10-05 (a Monday), "09:00", UTC. */
static int64_t at(const char *hhmm)
{
    char iso[40];
    int64_t ms = 0;
    snprintf(iso, sizeof(iso), "2026-10-05T%s:00Z", hhmm);
    assert_int_equal(hd_time_parse(iso, strlen(iso), HD_TF_ISO8601, NULL, &ms, NULL), HD_OK);
    return ms;
}

static struct an_event *add(struct fx *x, uint32_t tk, const char *t, enum hd_kind kind)
{
    struct an_event e;
    memset(&e, 0, sizeof(e));
    e.t_ms = at(t);
    e.ticket = tk;
    e.source = x->src;
    e.line = ++x->line;
    e.ord = x->line;
    e.kind = (uint8_t)kind;
    return an_data_add_event(&x->d, &e);
}

/* A ticket opened at `t` with a title, requester and priority; no group yet. */
static uint32_t open_ticket(struct fx *x, const char *key, const char *t, const char *title,
                            const char *requester, int prio)
{
    uint32_t tk = an_data_ticket(&x->d, 0, sid(x, key));
    struct an_ticket *tt = &x->d.tickets[tk];
    tt->title = sid(x, title);
    tt->requester = sid(x, requester);
    tt->priority = prio;
    tt->opened_ms = at(t);
    add(x, tk, t, HD_KIND_OPENED)->priority = (uint8_t)prio;
    return tk;
}

static void set_category(struct fx *x, uint32_t tk, const char *category)
{
    x->d.tickets[tk].category = sid(x, category);
}

/* `group` "" clears the group; `agent` NULL leaves the agent unstated. */
static void assign(struct fx *x, uint32_t tk, const char *t, const char *group, const char *agent)
{
    struct an_event *e = add(x, tk, t, HD_KIND_ASSIGNED);
    e->flags |= AN_EV_GROUP | AN_EV_AGENT;
    e->group = sid(x, group);
    if (agent) {
        e->agent = sid(x, agent);
    }
}

static void set_state(struct fx *x, uint32_t tk, const char *t, enum hd_state s)
{
    add(x, tk, t, HD_KIND_STATE)->state = (uint8_t)s;
}

static void run_filtered(struct fx *x, const struct an_filter *f)
{
    struct hd_err err = HD_ERR_INIT;
    if (x->ran) {
        an_audit_release(&x->a);
        an_result_release(&x->r);
    }
    an_analyze(&x->d, &x->cfg, &x->r);
    assert_int_equal(an_audit_run(&x->d, &x->r, x->pol, f, &x->a, &err), HD_OK);
    x->ran = 1;
}

static void run(struct fx *x)
{
    run_filtered(x, NULL);
}

static const struct an_audit_row *row(const struct fx *x, uint32_t tk)
{
    for (size_t i = 0; i < x->a.nrows; i++) {
        if (x->a.rows[i].ticket == tk) {
            return &x->a.rows[i];
        }
    }
    fail_msg("ticket %u has no row", tk);
    return NULL;
}

static const int64_t MIN_MS = 60 * 1000;

/* ------------------------------------------------------------------ */
/* Adherence                                                           */

static void adherence__first_group_in_policy_queue__counts_per_rule_and_overall(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Locked out", "ann", 3);
    assign(x, a, "09:00", "Identity", NULL); /* lockout -> Identity: adherent */
    uint32_t b = open_ticket(x, "B", "09:10", "Printer jam", "bob", 4);
    set_category(x, b, "Hardware");
    assign(x, b, "09:15", "Desktop Support", NULL); /* a group listed under desktop */
    uint32_t c = open_ticket(x, "C", "09:20", "Printer jam again", "cat", 4);
    set_category(x, c, "Hardware");
    assign(x, c, "09:25", "Service Desk", NULL); /* hardware -> desktop, went elsewhere */
    uint32_t d = open_ticket(x, "D", "09:30", "A question", "dan", 4);
    set_state(x, d, "09:40", HD_STATE_RESOLVED); /* never assigned: not compared */
    run(x);

    assert_int_equal(x->a.nrows, 4);
    assert_int_equal(row(x, a)->adherent, 1);
    assert_int_equal(row(x, b)->adherent, 1);
    assert_int_equal(row(x, b)->first_queue, hd_policy_queue_find(x->pol, "desktop"));
    assert_int_equal(row(x, c)->adherent, 0);
    assert_int_equal(row(x, d)->adherent, -1);
    assert_int_equal(row(x, d)->rule, -1);
    assert_int_equal(x->a.compared, 3);
    assert_int_equal(x->a.adherent, 2);
    assert_int_equal(x->a.rules[R_HARDWARE].decided, 2);
    assert_int_equal(x->a.rules[R_HARDWARE].compared, 2);
    assert_int_equal(x->a.rules[R_HARDWARE].adherent, 1);
    assert_int_equal(x->a.rules[R_LOCKOUT].adherent, 1);
    assert_int_equal(x->a.rules[R_DEFAULT].decided, 1);
    assert_int_equal(x->a.rules[R_DEFAULT].compared, 0);
}

static void queue_of__exact_name_or_listed_group__else_minus_one(void **state)
{
    struct fx *x = *state;
    assert_int_equal(an_audit_queue_of(x->pol, "SOC"), 3);
    assert_int_equal(an_audit_queue_of(x->pol, "desktop"), 2);
    assert_int_equal(an_audit_queue_of(x->pol, "Desktop Support"), 2);
    assert_int_equal(an_audit_queue_of(x->pol, "Facilities"), -1);
    assert_int_equal(an_audit_queue_of(x->pol, ""), -1);
    assert_int_equal(an_audit_queue_of(x->pol, NULL), -1);
}

/* ------------------------------------------------------------------ */
/* Security: earlier, missed, on time                                  */

static void security_rule__reached_soc_later__lead_is_time_to_security(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Phishing mail", "ann", 3);
    assign(x, a, "09:00", "Service Desk", "sam");
    assign(x, a, "11:30", "SOC", NULL);
    run(x);

    const struct an_audit_row *w = row(x, a);
    assert_true(w->policy_security);
    assert_int_equal(w->rule, R_PHISHING);
    assert_int_equal(w->decision_ms, 0);
    assert_true(w->actual_security);
    assert_int_equal(w->tte_ms, 150 * MIN_MS);
    assert_int_equal(w->lead_ms, 150 * MIN_MS);
    assert_false(w->missed);
    assert_int_equal(x->a.earlier, 1);
    assert_int_equal(x->a.lead_total_ms, 150 * MIN_MS);
    assert_int_equal(x->a.lead_p50_ms, 150 * MIN_MS);
    assert_int_equal(x->a.rules[R_PHISHING].earlier, 1);
}

static void security_rule__soc_at_opening__not_earlier_and_not_missed(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Phishing mail", "ann", 3);
    assign(x, a, "09:00", "SOC", NULL);
    run(x);

    assert_true(row(x, a)->actual_security);
    assert_int_equal(row(x, a)->tte_ms, 0);
    assert_int_equal(row(x, a)->lead_ms, AN_TIME_NONE);
    assert_int_equal(row(x, a)->adherent, 1);
    assert_int_equal(x->a.both_security, 1);
    assert_int_equal(x->a.earlier, 0);
    assert_int_equal(x->a.missed, 0);
    assert_int_equal(x->a.lead_p50_ms, AN_TIME_NONE);
}

static void security_rule__never_reached_soc__missed(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Phishing mail", "ann", 3);
    assign(x, a, "09:00", "Service Desk", "sam");
    set_state(x, a, "10:00", HD_STATE_RESOLVED);
    uint32_t b = open_ticket(x, "B", "09:30", "Odd pop-ups", "bob", 3);
    assign(x, b, "09:30", "Service Desk", "sam");
    assign(x, b, "10:00", "SOC", NULL); /* went to security, the policy would not send it */
    run(x);

    assert_true(row(x, a)->missed);
    assert_false(row(x, a)->actual_security);
    assert_int_equal(row(x, a)->lead_ms, AN_TIME_NONE);
    assert_int_equal(x->a.missed, 1);
    assert_int_equal(x->a.rules[R_PHISHING].missed, 1);
    assert_false(row(x, b)->missed);
    assert_int_equal(x->a.actual_only, 1);
    assert_int_equal(x->a.policy_security, 1);
    assert_int_equal(x->a.actual_security, 1);
}

/* ------------------------------------------------------------------ */
/* Rules that never fire                                               */

static void rule_without_matches__decides_nothing(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Printer jam", "ann", 4);
    assign(x, a, "09:00", "Service Desk", "sam");
    run(x);

    assert_int_equal(x->a.nrules, hd_policy_rule_count(x->pol) + 1);
    assert_int_equal(x->a.rules[R_FAX].decided, 0);
    assert_int_equal(x->a.rules[R_PHISHING].decided, 0);
    assert_int_equal(x->a.rules[R_DEFAULT].decided, 1);
    assert_int_equal(x->a.ntimers, 3);
    assert_int_equal(x->a.timers[T_P1_UNASSIGNED].decided, 0);
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */

static void unassigned_timer__still_unassigned_after_x__decides_at_opened_plus_x(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Floor cannot print", "ann", 1);
    assign(x, a, "10:00", "Service Desk", NULL);
    assign(x, a, "12:00", "SOC", NULL);
    run(x);

    const struct an_audit_row *w = row(x, a);
    assert_int_equal(w->rule, -1); /* the default route */
    assert_int_equal(w->timer, T_P1_UNASSIGNED);
    assert_true(w->policy_security);
    assert_int_equal(w->decision_ms, 30 * MIN_MS);
    assert_int_equal(w->tte_ms, 180 * MIN_MS);
    assert_int_equal(w->lead_ms, 150 * MIN_MS);
    assert_int_equal(x->a.timers[T_P1_UNASSIGNED].decided, 1);
    assert_int_equal(x->a.timers[T_P1_UNASSIGNED].earlier, 1);
    assert_int_equal(x->a.rules[R_DEFAULT].earlier, 0);
}

static void unassigned_timer__assigned_before_x_or_at_x__does_not_fire(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Floor cannot print", "ann", 1);
    assign(x, a, "09:29", "Service Desk", "sam");
    uint32_t b = open_ticket(x, "B", "09:00", "Floor cannot scan", "bob", 1);
    assign(x, b, "09:30", "Service Desk", "sam"); /* exactly at 30m: no longer waiting */
    run(x);

    assert_int_equal(row(x, a)->timer, -1);
    assert_false(row(x, a)->policy_security);
    assert_int_equal(row(x, a)->decision_ms, AN_TIME_NONE);
    assert_int_equal(row(x, b)->timer, -1);
    assert_int_equal(x->a.timers[T_P1_UNASSIGNED].decided, 0);
}

static void unassigned_timer__priority_not_covered__does_not_fire(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Floor cannot print", "ann", 3);
    assign(x, a, "10:00", "Service Desk", "sam");
    run(x);

    assert_int_equal(row(x, a)->timer, -1);
    assert_false(row(x, a)->policy_security);
}

static void unassigned_timer__group_cleared_later__clock_restarts_then(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Floor cannot print", "ann", 1);
    assign(x, a, "09:00", "Service Desk", "sam");
    assign(x, a, "10:00", "", NULL); /* loses its queue */
    assign(x, a, "11:00", "SOC", NULL);
    run(x);

    assert_int_equal(row(x, a)->timer, T_P1_UNASSIGNED);
    assert_int_equal(row(x, a)->decision_ms, 90 * MIN_MS); /* 10:00 + 30m */
    assert_int_equal(row(x, a)->lead_ms, 30 * MIN_MS);
}

static void unaccepted_timer__clock_starts_at_assignment_and_restarts_on_reassignment(void **state)
{
    struct fx *x = *state;
    /* Held unaccepted 09:00-09:50 by Service Desk, then 09:50-11:00 by Identity. */
    uint32_t a = open_ticket(x, "A", "09:00", "Cannot log in", "ann", 2);
    assign(x, a, "09:00", "Service Desk", NULL);
    assign(x, a, "09:50", "Identity", NULL);
    assign(x, a, "11:30", "SOC", NULL);
    /* Accepted by an agent after 40 minutes: never fires. */
    uint32_t b = open_ticket(x, "B", "09:00", "Cannot log in either", "bob", 2);
    assign(x, b, "09:00", "Service Desk", NULL);
    assign(x, b, "09:40", "Service Desk", "sam");
    /* A work state counts as accepted too. */
    uint32_t c = open_ticket(x, "C", "09:00", "Still cannot log in", "cat", 2);
    assign(x, c, "09:00", "Service Desk", NULL);
    set_state(x, c, "09:10", HD_STATE_IN_PROGRESS);
    run(x);

    assert_int_equal(row(x, a)->timer, T_P2_UNACCEPTED);
    assert_int_equal(row(x, a)->decision_ms, 110 * MIN_MS); /* 09:50 + 1h */
    assert_int_equal(row(x, a)->lead_ms, 40 * MIN_MS);
    assert_int_equal(row(x, b)->timer, -1);
    assert_int_equal(row(x, c)->timer, -1);
}

static void unaccepted_timer__resolved_before_x__does_not_fire(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Cannot log in", "ann", 2);
    assign(x, a, "09:00", "Service Desk", NULL);
    set_state(x, a, "09:30", HD_STATE_RESOLVED);
    uint32_t b = open_ticket(x, "B", "09:00", "Cannot log in", "bob", 2);
    assign(x, b, "09:00", "Service Desk", NULL);
    set_state(x, b, "12:00", HD_STATE_RESOLVED);
    run(x);

    assert_int_equal(row(x, a)->timer, -1);
    assert_int_equal(row(x, b)->timer, T_P2_UNACCEPTED);
    assert_true(row(x, b)->missed);
    assert_int_equal(x->a.timers[T_P2_UNACCEPTED].missed, 1);
}

static void unaccepted_timer__target_queue_already_holds_ticket__does_not_fire(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Cannot log in", "ann", 2);
    assign(x, a, "09:00", "SOC", NULL);
    set_state(x, a, "12:00", HD_STATE_RESOLVED);
    run(x);

    assert_int_equal(row(x, a)->timer, -1);
    assert_int_equal(x->a.timers[T_P2_UNACCEPTED].decided, 0);
}

static void timer_to_non_security_queue__counts_as_fired__not_security(void **state)
{
    struct fx *x = *state;
    uint32_t a = open_ticket(x, "A", "09:00", "Printer jam", "ann", 4);
    assign(x, a, "18:00", "Service Desk", "sam");
    run(x);

    assert_int_equal(x->a.timers[T_ANY_UNASSIGNED].decided, 1);
    assert_int_equal(row(x, a)->timer, -1);
    assert_false(row(x, a)->policy_security);
}

/* ------------------------------------------------------------------ */
/* Order and filters                                                   */

static void repeat_rule__tickets_created_out_of_order__decided_in_opening_order(void **state)
{
    struct fx *x = *state;
    /* The third lockout is created first in the dataset. */
    uint32_t c = open_ticket(x, "C", "16:00", "Locked out again", "jdoe", 3);
    uint32_t a = open_ticket(x, "A", "08:00", "Locked out", "jdoe", 3);
    uint32_t b = open_ticket(x, "B", "12:00", "Locked out", "jdoe", 3);
    assign(x, a, "08:00", "Identity", NULL);
    assign(x, b, "12:00", "Identity", NULL);
    assign(x, c, "16:00", "Identity", NULL);
    assign(x, c, "17:00", "SOC", NULL);
    run(x);

    assert_int_equal(x->a.rows[0].ticket, a);
    assert_int_equal(x->a.rows[2].ticket, c);
    assert_int_equal(row(x, a)->rule, R_LOCKOUT);
    assert_int_equal(row(x, b)->rule, R_LOCKOUT);
    assert_int_equal(row(x, c)->rule, R_REPEAT);
    assert_int_equal(row(x, c)->lead_ms, 60 * MIN_MS);
}

static void filter__earlier_tickets_excluded__still_feed_repeat_windows(void **state)
{
    struct fx *x = *state;
    struct an_filter f;
    uint32_t a = open_ticket(x, "A", "08:00", "Locked out", "jdoe", 3);
    uint32_t b = open_ticket(x, "B", "12:00", "Locked out", "jdoe", 3);
    uint32_t c = open_ticket(x, "C", "16:00", "Locked out again", "jdoe", 3);
    (void)a;
    (void)b;
    an_filter_init(&f);
    f.from_ms = at("15:00");
    run_filtered(x, &f);

    assert_int_equal(x->a.nrows, 1);
    assert_int_equal(x->a.rows[0].ticket, c);
    assert_int_equal(x->a.rows[0].rule, R_REPEAT);
    assert_int_equal(x->a.rules[R_LOCKOUT].decided, 0);
    assert_int_equal(x->a.compared, 0);
}

static void empty_dataset__no_rows__zero_counts(void **state)
{
    struct fx *x = *state;
    struct an_result none;
    struct an_audit a;
    struct hd_err err = HD_ERR_INIT;
    /* A hand-made empty analysis: the audit must not need an_analyze() for this. */
    memset(&none, 0, sizeof(none));
    none.end_of_data = AN_TIME_NONE;
    assert_int_equal(an_audit_run(&x->d, &none, x->pol, NULL, &a, &err), HD_OK);
    assert_int_equal(a.nrows, 0);
    assert_int_equal(a.compared, 0);
    assert_int_equal(a.earlier, 0);
    assert_int_equal(a.lead_max_ms, AN_TIME_NONE);
    assert_int_equal(a.rules[R_DEFAULT].decided, 0);
    an_audit_release(&a);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(adherence__first_group_in_policy_queue__counts_per_rule_and_overall),
        T(queue_of__exact_name_or_listed_group__else_minus_one),
        T(security_rule__reached_soc_later__lead_is_time_to_security),
        T(security_rule__soc_at_opening__not_earlier_and_not_missed),
        T(security_rule__never_reached_soc__missed),
        T(rule_without_matches__decides_nothing),
        T(unassigned_timer__still_unassigned_after_x__decides_at_opened_plus_x),
        T(unassigned_timer__assigned_before_x_or_at_x__does_not_fire),
        T(unassigned_timer__priority_not_covered__does_not_fire),
        T(unassigned_timer__group_cleared_later__clock_restarts_then),
        T(unaccepted_timer__clock_starts_at_assignment_and_restarts_on_reassignment),
        T(unaccepted_timer__resolved_before_x__does_not_fire),
        T(unaccepted_timer__target_queue_already_holds_ticket__does_not_fire),
        T(timer_to_non_security_queue__counts_as_fired__not_security),
        T(repeat_rule__tickets_created_out_of_order__decided_in_opening_order),
        T(filter__earlier_tickets_excluded__still_feed_repeat_windows),
        T(empty_dataset__no_rows__zero_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
