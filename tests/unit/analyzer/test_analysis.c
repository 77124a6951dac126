/*
 * Unit tests for analyzer/analysis.c: every detector of docs/metrics.md on
 * hand-built timelines, with the edge cases of event order, open tickets,
 * reopens, paused weekends and rows that change two things at once.
 */
#include "analyzer/analysis.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/time.h"

/* ------------------------------------------------------------------ */
/* A tiny timeline builder                                             */

/*
 * One dataset, its config and the result. Each added event is its own input
 * row (line) unless added through a helper that emits two events of one row,
 * as ingest does for a snapshot version or an `opened` row naming a group.
 */
struct tb {
    struct an_data d;
    struct an_config cfg;
    struct an_result r;
    uint32_t src;
    uint32_t line;
    uint32_t ord;
    int analysed;
};

static int tb_setup(void **state)
{
    struct tb *b = hd_xcalloc(1, sizeof(*b));
    struct hd_err err = HD_ERR_INIT;
    an_data_init(&b->d);
    b->src = an_data_add_source(&b->d, "test.csv", "generic");
    if (an_config_load(NULL, &b->cfg, &err) != HD_OK) {
        fail_msg("default config: %s", err.msg);
    }
    *state = b;
    return 0;
}

static int tb_teardown(void **state)
{
    struct tb *b = *state;
    if (b->analysed) {
        an_result_release(&b->r);
    }
    an_config_release(&b->cfg);
    an_data_release(&b->d);
    free(b);
    return 0;
}

static uint32_t sid(struct tb *b, const char *s)
{
    return s && *s ? hd_intern_id(b->d.strs, s, strlen(s)) : 0;
}

/* An instant, "2026-01-05T09:00" (2026-01-05 is a Monday), UTC. */
static int64_t at(const char *iso)
{
    int64_t ms = 0;
    assert_int_equal(hd_time_parse(iso, strlen(iso), HD_TF_ISO8601, NULL, &ms, NULL), HD_OK);
    return ms;
}

static uint32_t ticket(struct tb *b, const char *key)
{
    return an_data_ticket(&b->d, 0, sid(b, key));
}

static struct an_event *add(struct tb *b, uint32_t tk, const char *t, enum hd_kind kind,
                            int new_row)
{
    struct an_event e;
    memset(&e, 0, sizeof(e));
    if (new_row) {
        b->line++;
    }
    e.t_ms = at(t);
    e.ticket = tk;
    e.source = b->src;
    e.line = b->line;
    e.ord = ++b->ord;
    e.kind = (uint8_t)kind;
    return an_data_add_event(&b->d, &e);
}

static void ev_open(struct tb *b, uint32_t tk, const char *t, int prio)
{
    struct an_event *e = add(b, tk, t, HD_KIND_OPENED, 1);
    e->priority = (uint8_t)prio;
    if (b->d.tickets[tk].opened_ms == AN_TIME_NONE || e->t_ms < b->d.tickets[tk].opened_ms) {
        b->d.tickets[tk].opened_ms = e->t_ms;
    }
    if (prio) {
        b->d.tickets[tk].priority = prio;
    }
}

/* `group`: NULL keeps the group, "" clears it; a stated group also states the agent. */
static void ev_assign_row(struct tb *b, uint32_t tk, const char *t, const char *group,
                          const char *agent, int new_row)
{
    struct an_event *e = add(b, tk, t, HD_KIND_ASSIGNED, new_row);
    if (group) {
        e->flags |= AN_EV_GROUP | AN_EV_AGENT;
        e->group = sid(b, group);
    }
    if (agent) {
        e->flags |= AN_EV_AGENT;
        e->agent = sid(b, agent);
    }
}

static void ev_assign(struct tb *b, uint32_t tk, const char *t, const char *group,
                      const char *agent)
{
    ev_assign_row(b, tk, t, group, agent, 1);
}

/* An `opened` row naming its first owner: the first version. */
static void ev_open_in(struct tb *b, uint32_t tk, const char *t, const char *group, int prio)
{
    ev_open(b, tk, t, prio);
    ev_assign_row(b, tk, t, group, NULL, 0);
}

static void ev_state_row(struct tb *b, uint32_t tk, const char *t, enum hd_state s, int new_row)
{
    add(b, tk, t, HD_KIND_STATE, new_row)->state = (uint8_t)s;
}

static void ev_state(struct tb *b, uint32_t tk, const char *t, enum hd_state s)
{
    ev_state_row(b, tk, t, s, 1);
}

static void ev_prio(struct tb *b, uint32_t tk, const char *t, int prio)
{
    add(b, tk, t, HD_KIND_PRIORITY, 1)->priority = (uint8_t)prio;
    b->d.tickets[tk].priority = prio;
}

static void ev_note(struct tb *b, uint32_t tk, const char *t, int public)
{
    struct an_event *e = add(b, tk, t, HD_KIND_NOTE, 1);
    e->text = sid(b, "note");
    if (public) {
        e->flags |= AN_EV_PUBLIC;
    }
}

static void ev_escalate(struct tb *b, uint32_t tk, const char *t, const char *target)
{
    uint32_t id = sid(b, target);
    add(b, tk, t, HD_KIND_ESCALATED, 1)->text = id;
}

/* Give a group a tier and a security flag (-1 = by name) in the config. */
static void set_group(struct tb *b, const char *name, int tier, int security)
{
    size_t n = b->cfg.ngroups + 1;
    b->cfg.group_names = hd_xrealloc(b->cfg.group_names, n * sizeof(char *));
    b->cfg.groups = hd_xrealloc(b->cfg.groups, n * sizeof(*b->cfg.groups));
    b->cfg.group_names[n - 1] = hd_xstrdup(name);
    b->cfg.groups[n - 1].tier = tier;
    b->cfg.groups[n - 1].security = security;
    b->cfg.ngroups = n;
}

static void run(struct tb *b)
{
    if (b->analysed) {
        an_result_release(&b->r);
    }
    an_analyze(&b->d, &b->cfg, &b->r);
    b->analysed = 1;
}

static size_t nfind(const struct tb *b, uint32_t tk, enum an_finding_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < b->r.nfinds; i++) {
        n += b->r.finds[i].ticket == tk && b->r.finds[i].kind == k;
    }
    return n;
}

/* The n-th (0-based) finding of kind k on ticket tk; fails the test when absent. */
static const struct an_finding *find(const struct tb *b, uint32_t tk, enum an_finding_kind k,
                                     size_t nth)
{
    for (size_t i = 0; i < b->r.nfinds; i++) {
        if (b->r.finds[i].ticket == tk && b->r.finds[i].kind == k && nth-- == 0) {
            return &b->r.finds[i];
        }
    }
    fail_msg("no finding '%s' #%zu", an_finding_name(k), nth);
    return NULL;
}

static const char *gname(const struct tb *b, uint32_t id)
{
    return an_str(&b->d, id);
}

static const struct an_tmetrics *tm(const struct tb *b, uint32_t tk)
{
    assert_true(tk < b->r.ntm);
    return &b->r.tm[tk];
}

/* ------------------------------------------------------------------ */
/* Reassignment                                                        */

static void reassignment__three_groups__two_reassignments_named(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "Desk", 3);
    ev_note(b, t, "2026-01-05T09:05Z", 0);
    ev_assign(b, t, "2026-01-05T09:10Z", "Network", NULL);
    ev_note(b, t, "2026-01-05T09:15Z", 0);
    ev_assign(b, t, "2026-01-05T09:20Z", "Servers", "ann");
    ev_state(b, t, "2026-01-05T09:30Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(tm(b, t)->reassignments, 2);
    assert_int_equal(tm(b, t)->groups, 3);
    assert_int_equal(nfind(b, t, AN_FIND_REASSIGNMENT), 2);
    assert_string_equal(gname(b, find(b, t, AN_FIND_REASSIGNMENT, 0)->group), "Desk");
    assert_string_equal(gname(b, find(b, t, AN_FIND_REASSIGNMENT, 0)->group2), "Network");
    assert_string_equal(gname(b, find(b, t, AN_FIND_REASSIGNMENT, 1)->group), "Network");
    assert_string_equal(gname(b, find(b, t, AN_FIND_REASSIGNMENT, 1)->group2), "Servers");
    assert_int_equal(tm(b, t)->first_group, sid(b, "Desk"));
    assert_int_equal(tm(b, t)->last_group, sid(b, "Servers"));
    assert_int_equal(tm(b, t)->resolving_group, sid(b, "Servers"));
}

static void reassignment__unassigned_then_same_group__not_counted(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "Desk", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "", NULL);
    ev_assign(b, t, "2026-01-05T09:20Z", "Desk", NULL);
    run(b);
    assert_int_equal(tm(b, t)->reassignments, 0);
    assert_int_equal(tm(b, t)->groups, 1);
    assert_int_equal(nfind(b, t, AN_FIND_REASSIGNMENT), 0);
    /* The source rule counts the change to empty and back (docs/metrics.md). */
    assert_int_equal(tm(b, t)->reassignments_src_rule, 2);
}

static void agent_reassignment__agents_change_within_group__agent_sequence_counted(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "Desk", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", NULL, "ann");
    ev_assign(b, t, "2026-01-05T09:20Z", NULL, "bob");
    ev_assign(b, t, "2026-01-05T09:25Z", "Desk", NULL); /* back to the queue: no agent */
    ev_assign(b, t, "2026-01-05T09:30Z", NULL, "bob");  /* same agent again: merged */
    ev_assign(b, t, "2026-01-05T09:40Z", NULL, "ann");
    run(b);
    /* agent sequence ann, bob, ann */
    assert_int_equal(tm(b, t)->agent_reassignments, 2);
    assert_int_equal(nfind(b, t, AN_FIND_AGENT_REASSIGNMENT), 2);
    assert_int_equal(tm(b, t)->reassignments, 0);
    assert_int_equal(tm(b, t)->reassignments_src_rule, 0);
}

static void src_rule__first_version_assignment__not_counted(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "Desk", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "Network", NULL);
    run(b);
    assert_int_equal(tm(b, t)->reassignments_src_rule, 1);
    assert_int_equal(tm(b, t)->reassignments, 1);
}

static void src_rule__created_without_group__first_assignment_counted(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open(b, t, "2026-01-05T09:00Z", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "Desk", NULL);
    ev_assign(b, t, "2026-01-05T09:20Z", "", NULL);
    ev_assign(b, t, "2026-01-05T09:30Z", "Desk", NULL);
    run(b);
    /* "" -> Desk, Desk -> "", "" -> Desk: all counted by the source rule */
    assert_int_equal(tm(b, t)->reassignments_src_rule, 3);
    /* our rule: the first assignment is no reassignment; empty groups ignored */
    assert_int_equal(tm(b, t)->reassignments, 0);
}

/* ------------------------------------------------------------------ */
/* Bounce and ping-pong                                                */

static void bounce__returns_to_group_left_two_steps_earlier__bounce_not_ping_pong(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "B", NULL);
    ev_assign(b, t, "2026-01-05T09:20Z", "C", NULL);
    ev_assign(b, t, "2026-01-05T09:30Z", "A", NULL);
    run(b);
    assert_int_equal(tm(b, t)->bounces, 1);
    assert_int_equal(tm(b, t)->ping_pongs, 0);
    assert_int_equal(nfind(b, t, AN_FIND_BOUNCE), 1);
    assert_string_equal(gname(b, find(b, t, AN_FIND_BOUNCE, 0)->group), "A");
    assert_int_equal(nfind(b, t, AN_FIND_PING_PONG), 0);
    assert_int_equal(tm(b, t)->reassignments, 3);
}

static void ping_pong__a_b_a_b__two_ping_pongs_and_two_bounces(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "B", NULL);
    ev_assign(b, t, "2026-01-05T09:20Z", "A", NULL);
    ev_assign(b, t, "2026-01-05T09:30Z", "B", NULL);
    run(b);
    assert_int_equal(tm(b, t)->ping_pongs, 2);
    assert_int_equal(tm(b, t)->bounces, 2);
    const struct an_finding *f = find(b, t, AN_FIND_PING_PONG, 0);
    assert_string_equal(gname(b, f->group), "A");
    assert_string_equal(gname(b, f->group2), "B");
    assert_int_equal(f->t_ms, at("2026-01-05T09:20Z"));
}

static void ping_pong__return_after_unassigned_spell__merged_no_ping_pong(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "", NULL);
    ev_assign(b, t, "2026-01-05T09:20Z", "A", NULL);
    ev_assign(b, t, "2026-01-05T09:30Z", "B", NULL);
    run(b);
    assert_int_equal(tm(b, t)->ping_pongs, 0);
    assert_int_equal(tm(b, t)->bounces, 0);
    assert_int_equal(tm(b, t)->reassignments, 1);
}

/* ------------------------------------------------------------------ */
/* Misroute                                                            */

static void misroute__holding_without_work__names_group_and_next(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, t, "2026-01-05T09:05Z", HD_STATE_NEW); /* `new` is no work */
    ev_assign(b, t, "2026-01-05T09:40Z", "B", NULL);
    ev_note(b, t, "2026-01-05T09:45Z", 0);
    ev_assign(b, t, "2026-01-05T10:00Z", "C", NULL);
    run(b);
    assert_int_equal(tm(b, t)->misroutes, 1);
    const struct an_finding *f = find(b, t, AN_FIND_MISROUTE, 0);
    assert_string_equal(gname(b, f->group), "A");
    assert_string_equal(gname(b, f->group2), "B");
    assert_int_equal(f->value_ms, 40 * HD_MS_PER_MIN);
}

static void misroute__each_kind_of_work__no_misroute(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T09:01Z", NULL, "ann"); /* an agent of A */
    ev_assign(b, t, "2026-01-05T09:10Z", "B", NULL);
    ev_state(b, t, "2026-01-05T09:11Z", HD_STATE_IN_PROGRESS); /* a state change */
    ev_assign(b, t, "2026-01-05T09:20Z", "C", NULL);
    ev_note(b, t, "2026-01-05T09:21Z", 0); /* a note */
    ev_assign(b, t, "2026-01-05T09:30Z", "D", NULL);
    ev_escalate(b, t, "2026-01-05T09:31Z", "tier2"); /* an escalation */
    ev_assign(b, t, "2026-01-05T09:40Z", "E", NULL);
    run(b);
    assert_int_equal(tm(b, t)->misroutes, 0);
    assert_int_equal(nfind(b, t, AN_FIND_MISROUTE), 0);
    assert_int_equal(tm(b, t)->reassignments, 4);
}

static void misroute__note_while_unassigned__not_work_of_previous_group(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "", NULL);
    ev_note(b, t, "2026-01-05T09:15Z", 0);
    ev_assign(b, t, "2026-01-05T09:20Z", "B", NULL);
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_MISROUTE), 1);
    assert_string_equal(gname(b, find(b, t, AN_FIND_MISROUTE, 0)->group), "A");
}

static void first_misroute__first_group_not_resolving__reported(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    uint32_t v = ticket(b, "T3");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_note(b, t, "2026-01-05T09:05Z", 0);
    ev_assign(b, t, "2026-01-05T09:10Z", "B", "bob");
    ev_state(b, t, "2026-01-05T09:30Z", HD_STATE_RESOLVED);
    ev_assign(b, t, "2026-01-05T09:40Z", "A", NULL); /* after the first resolution */
    /* resolved by its first group: none */
    ev_open_in(b, u, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, u, "2026-01-05T09:10Z", "B", "bob");
    ev_assign(b, u, "2026-01-05T09:20Z", "A", "ann");
    ev_state(b, u, "2026-01-05T09:30Z", HD_STATE_CLOSED);
    /* never resolved: not defined */
    ev_open_in(b, v, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, v, "2026-01-05T09:10Z", "B", "bob");
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_FIRST_MISROUTE), 1);
    assert_string_equal(gname(b, find(b, t, AN_FIND_FIRST_MISROUTE, 0)->group), "A");
    assert_string_equal(gname(b, find(b, t, AN_FIND_FIRST_MISROUTE, 0)->group2), "B");
    assert_int_equal(tm(b, t)->resolving_group, sid(b, "B"));
    assert_int_equal(nfind(b, u, AN_FIND_FIRST_MISROUTE), 0);
    assert_int_equal(nfind(b, v, AN_FIND_FIRST_MISROUTE), 0);
}

/* ------------------------------------------------------------------ */
/* Push-to-front                                                       */

static void push_to_front__tier_sequences__starts_high_skips_tier_moves_down(void **state)
{
    struct tb *b = *state;
    uint32_t ok = ticket(b, "OK");
    uint32_t hi = ticket(b, "HIGH");
    uint32_t sk = ticket(b, "SKIP");
    uint32_t dn = ticket(b, "DOWN");
    set_group(b, "L1", 1, 0);
    set_group(b, "L2", 2, 0);
    set_group(b, "L3", 3, 0);
    /* 1 - (unknown) - 1 - 2 - 3: the unknown tier is skipped, duplicates merged */
    ev_open_in(b, ok, "2026-01-05T09:00Z", "L1", 3);
    ev_assign(b, ok, "2026-01-05T09:10Z", "Other", NULL);
    ev_assign(b, ok, "2026-01-05T09:20Z", "L1", NULL);
    ev_assign(b, ok, "2026-01-05T09:30Z", "L2", NULL);
    ev_assign(b, ok, "2026-01-05T09:40Z", "L3", NULL);
    /* starts at tier 2 (after an unknown group) */
    ev_open_in(b, hi, "2026-01-05T09:00Z", "Other", 3);
    ev_assign(b, hi, "2026-01-05T09:10Z", "L2", NULL);
    ev_assign(b, hi, "2026-01-05T09:20Z", "L3", NULL);
    /* 1 -> 3 */
    ev_open_in(b, sk, "2026-01-05T09:00Z", "L1", 3);
    ev_assign(b, sk, "2026-01-05T09:10Z", "L3", NULL);
    /* 1 -> 2 -> 1 */
    ev_open_in(b, dn, "2026-01-05T09:00Z", "L1", 3);
    ev_assign(b, dn, "2026-01-05T09:10Z", "L2", NULL);
    ev_assign(b, dn, "2026-01-05T09:20Z", "L1", NULL);
    run(b);
    for (int k = AN_FIND_STARTS_HIGH; k <= AN_FIND_MOVES_DOWN; k++) {
        assert_int_equal(nfind(b, ok, (enum an_finding_kind)k), 0);
    }
    assert_int_equal(nfind(b, hi, AN_FIND_STARTS_HIGH), 1);
    assert_string_equal(gname(b, find(b, hi, AN_FIND_STARTS_HIGH, 0)->group), "L2");
    assert_int_equal(nfind(b, hi, AN_FIND_SKIPS_TIER), 0);
    assert_int_equal(nfind(b, sk, AN_FIND_SKIPS_TIER), 1);
    assert_int_equal(find(b, sk, AN_FIND_SKIPS_TIER, 0)->value_ms, 2);
    assert_string_equal(gname(b, find(b, sk, AN_FIND_SKIPS_TIER, 0)->group), "L3");
    assert_int_equal(nfind(b, sk, AN_FIND_STARTS_HIGH), 0);
    assert_int_equal(nfind(b, dn, AN_FIND_MOVES_DOWN), 1);
    assert_string_equal(gname(b, find(b, dn, AN_FIND_MOVES_DOWN, 0)->group), "L1");
    assert_string_equal(gname(b, find(b, dn, AN_FIND_MOVES_DOWN, 0)->group2), "L2");
}

static void unnecessary_escalation__resolved_at_tier_2_quickly__reported(void **state)
{
    struct tb *b = *state;
    uint32_t fast = ticket(b, "FAST");
    uint32_t slow = ticket(b, "SLOW");
    uint32_t low = ticket(b, "LOW");
    set_group(b, "L1", 1, 0);
    set_group(b, "L2", 2, 0);
    ev_open_in(b, fast, "2026-01-05T09:00Z", "L1", 3);
    ev_assign(b, fast, "2026-01-05T10:00Z", "L2", NULL);
    ev_state(b, fast, "2026-01-05T10:10Z", HD_STATE_RESOLVED);
    ev_open_in(b, slow, "2026-01-05T09:00Z", "L1", 3);
    ev_assign(b, slow, "2026-01-05T10:00Z", "L2", NULL);
    ev_state(b, slow, "2026-01-05T10:15Z", HD_STATE_RESOLVED); /* not under 15m */
    ev_open_in(b, low, "2026-01-05T09:00Z", "L1", 3);
    ev_state(b, low, "2026-01-05T09:01Z", HD_STATE_RESOLVED); /* tier 1: fine */
    run(b);
    assert_int_equal(nfind(b, fast, AN_FIND_UNNECESSARY_ESCALATION), 1);
    assert_int_equal(find(b, fast, AN_FIND_UNNECESSARY_ESCALATION, 0)->value_ms,
                     10 * HD_MS_PER_MIN);
    assert_string_equal(gname(b, find(b, fast, AN_FIND_UNNECESSARY_ESCALATION, 0)->group), "L2");
    assert_int_equal(nfind(b, slow, AN_FIND_UNNECESSARY_ESCALATION), 0);
    assert_int_equal(nfind(b, low, AN_FIND_UNNECESSARY_ESCALATION), 0);
}

/* ------------------------------------------------------------------ */
/* Queue wait                                                          */

static void queue_wait__action_after_wait__threshold_is_strict(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T13:01Z", NULL, "ann"); /* 4h01m */
    ev_open_in(b, u, "2026-01-05T09:00Z", "A", 3);
    ev_note(b, u, "2026-01-05T13:00Z", 0); /* exactly 4h: not above */
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_QUEUE_WAIT), 1);
    assert_int_equal(find(b, t, AN_FIND_QUEUE_WAIT, 0)->value_ms, 4 * HD_MS_PER_H + HD_MS_PER_MIN);
    assert_int_equal(nfind(b, u, AN_FIND_QUEUE_WAIT), 0);
}

static void queue_wait__holding_without_action__wait_is_its_length(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T19:00Z", "B", "bob");
    ev_state(b, t, "2026-01-05T19:30Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_QUEUE_WAIT), 1);
    const struct an_finding *f = find(b, t, AN_FIND_QUEUE_WAIT, 0);
    assert_string_equal(gname(b, f->group), "A");
    assert_int_equal(f->value_ms, 10 * HD_MS_PER_H); /* calendar time, not business */
    assert_int_equal(f->ev2, UINT32_MAX);            /* no action */
}

/* ------------------------------------------------------------------ */
/* Waiting gap                                                         */

static void waiting_gap__across_weekend__business_time_only(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    /* Friday 16:00 -> Monday 10:00: 2h + 2h = 4h business, not above 4h */
    ev_open_in(b, t, "2026-01-09T15:00Z", "A", 3);
    ev_note(b, t, "2026-01-09T16:00Z", 0);
    ev_note(b, t, "2026-01-12T10:00Z", 0);
    ev_state(b, t, "2026-01-12T10:30Z", HD_STATE_RESOLVED);
    /* Friday 16:00 -> Monday 11:00: 5h business */
    ev_open_in(b, u, "2026-01-09T15:00Z", "A", 3);
    ev_note(b, u, "2026-01-09T16:00Z", 0);
    ev_note(b, u, "2026-01-12T11:00Z", 0);
    ev_state(b, u, "2026-01-12T11:30Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_WAITING_GAP), 0);
    assert_int_equal(nfind(b, u, AN_FIND_WAITING_GAP), 1);
    const struct an_finding *f = find(b, u, AN_FIND_WAITING_GAP, 0);
    assert_int_equal(f->value_ms, 5 * HD_MS_PER_H);
    assert_int_equal(f->t_ms, at("2026-01-09T16:00Z"));
    assert_int_equal(f->open_at_end, 0);
    assert_string_equal(gname(b, f->group), "A");
}

static void waiting_gap__paused_across_weekend__nothing_counted(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-09T15:00Z", "A", 3);
    ev_state(b, t, "2026-01-09T16:00Z", HD_STATE_AWAITING_USER);
    ev_state(b, t, "2026-01-13T16:00Z", HD_STATE_IN_PROGRESS); /* Tuesday */
    ev_state(b, t, "2026-01-13T17:00Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_WAITING_GAP), 0);
    assert_int_equal(tm(b, t)->paused_ms, 4 * HD_MS_PER_DAY);
}

static void waiting_gap__done_ticket__no_gap_after_resolution(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, t, "2026-01-05T09:30Z", HD_STATE_RESOLVED);
    ev_state(b, t, "2026-01-08T09:30Z", HD_STATE_CLOSED);
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_WAITING_GAP), 0);
    assert_int_equal(tm(b, t)->time_to_resolve_ms, 30 * HD_MS_PER_MIN);
}

static void waiting_gap__open_at_end_of_data__gap_to_end_marked(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_note(b, t, "2026-01-05T10:00Z", 0);
    ev_open_in(b, u, "2026-01-06T12:00Z", "A", 3); /* sets the end of data */
    run(b);
    assert_int_equal(b->r.end_of_data, at("2026-01-06T12:00Z"));
    assert_int_equal(nfind(b, t, AN_FIND_WAITING_GAP), 1);
    const struct an_finding *f = find(b, t, AN_FIND_WAITING_GAP, 0);
    assert_int_equal(f->open_at_end, 1);
    assert_int_equal(f->value_ms, 12 * HD_MS_PER_H); /* 8h Monday + 4h Tuesday */
    assert_int_equal(tm(b, t)->time_to_resolve_ms, AN_TIME_NONE);
    assert_int_equal(nfind(b, u, AN_FIND_WAITING_GAP), 0);
}

/* ------------------------------------------------------------------ */
/* Security                                                            */

static void late_security__assigned_to_soc_after_two_hours__tte_ttc_dwell(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "Desk", 2);
    ev_note(b, t, "2026-01-05T09:10Z", 0);
    ev_assign(b, t, "2026-01-05T10:00Z", "", NULL); /* unassigned for an hour */
    ev_assign(b, t, "2026-01-05T11:00Z", "SOC", NULL);
    ev_assign(b, t, "2026-01-05T11:30Z", NULL, "sam");
    ev_state(b, t, "2026-01-05T12:00Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(tm(b, t)->tte_ms, 2 * HD_MS_PER_H);
    assert_int_equal(tm(b, t)->ttc_ms, 2 * HD_MS_PER_H + 30 * HD_MS_PER_MIN);
    assert_true(tm(b, t)->security);
    assert_int_equal(nfind(b, t, AN_FIND_LATE_SECURITY), 1);
    assert_int_equal(find(b, t, AN_FIND_LATE_SECURITY, 0)->value_ms, 2 * HD_MS_PER_H);
    assert_string_equal(gname(b, find(b, t, AN_FIND_LATE_SECURITY, 0)->group), "SOC");
    /* Desk held it 09:00-10:00; the unassigned hour is excluded */
    assert_int_equal(tm(b, t)->security_dwell_ms, HD_MS_PER_H);
}

static void late_security__escalated_to_security_within_hour__tte_not_late(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    ev_open_in(b, t, "2026-01-05T09:00Z", "Desk", 2);
    ev_escalate(b, t, "2026-01-05T09:30Z", "security");
    ev_assign(b, t, "2026-01-05T11:00Z", "CSIRT", "cat"); /* later: TTE already set */
    /* a config flag beats the name rule */
    set_group(b, "Blue Team", 0, 1);
    set_group(b, "SOC", 0, 0);
    ev_open_in(b, u, "2026-01-05T09:00Z", "SOC", 2);
    ev_escalate(b, u, "2026-01-05T10:30Z", "Blue Team");
    run(b);
    assert_int_equal(tm(b, t)->tte_ms, 30 * HD_MS_PER_MIN);
    assert_int_equal(nfind(b, t, AN_FIND_LATE_SECURITY), 0);
    assert_int_equal(tm(b, t)->ttc_ms, 2 * HD_MS_PER_H);
    assert_int_equal(tm(b, t)->security_dwell_ms, 2 * HD_MS_PER_H);
    assert_int_equal(tm(b, u)->tte_ms, 90 * HD_MS_PER_MIN);
    assert_int_equal(nfind(b, u, AN_FIND_LATE_SECURITY), 1);
    assert_int_equal(tm(b, u)->security_dwell_ms, AN_TIME_NONE); /* last group not security */
}

static void group_is_security__names_and_config__word_rule(void **state)
{
    struct tb *b = *state;
    assert_true(an_group_is_security(&b->cfg, "IT Security"));
    assert_true(an_group_is_security(&b->cfg, "soc-l2"));
    assert_true(an_group_is_security(&b->cfg, "CERT"));
    assert_false(an_group_is_security(&b->cfg, "Associates"));
    assert_false(an_group_is_security(&b->cfg, "Certificates"));
    set_group(b, "Security Awareness", 1, 0);
    assert_false(an_group_is_security(&b->cfg, "Security Awareness"));
    assert_int_equal(an_group_tier(&b->cfg, "Security Awareness"), 1);
    assert_int_equal(an_group_tier(&b->cfg, "Unknown"), 0);
}

/* ------------------------------------------------------------------ */
/* Context loss, cadence, reopen, churn, paused share                  */

static void context_loss__handoff_without_note_in_window__reported(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_note(b, t, "2026-01-05T09:00Z", 0);
    ev_assign(b, t, "2026-01-05T09:30Z", "B", NULL); /* note 30m before: inside */
    ev_assign(b, t, "2026-01-05T11:00Z", "C", NULL); /* nothing within 30m */
    ev_note(b, t, "2026-01-05T11:31Z", 0);
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_CONTEXT_LOSS), 1);
    const struct an_finding *f = find(b, t, AN_FIND_CONTEXT_LOSS, 0);
    assert_string_equal(gname(b, f->group), "B");
    assert_string_equal(gname(b, f->group2), "C");
}

static void cadence__p1_without_public_update__breach(void **state)
{
    struct tb *b = *state;
    uint32_t p1 = ticket(b, "P1");
    uint32_t ok = ticket(b, "OK");
    uint32_t p3 = ticket(b, "P3");
    ev_open_in(b, p1, "2026-01-05T09:00Z", "A", 1);
    ev_note(b, p1, "2026-01-05T09:30Z", 1);
    ev_note(b, p1, "2026-01-05T10:00Z", 0); /* private: no update */
    ev_note(b, p1, "2026-01-05T11:00Z", 1);
    ev_state(b, p1, "2026-01-05T11:20Z", HD_STATE_RESOLVED);
    ev_open_in(b, ok, "2026-01-05T09:00Z", "A", 1);
    ev_note(b, ok, "2026-01-05T09:50Z", 1);
    ev_note(b, ok, "2026-01-05T10:40Z", 1);
    ev_state(b, ok, "2026-01-05T11:00Z", HD_STATE_RESOLVED);
    ev_open_in(b, p3, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, p3, "2026-01-05T18:00Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(nfind(b, p1, AN_FIND_CADENCE_BREACH), 1);
    assert_int_equal(find(b, p1, AN_FIND_CADENCE_BREACH, 0)->value_ms, 90 * HD_MS_PER_MIN);
    assert_int_equal(find(b, p1, AN_FIND_CADENCE_BREACH, 0)->t_ms, at("2026-01-05T09:30Z"));
    assert_int_equal(nfind(b, ok, AN_FIND_CADENCE_BREACH), 0);
    assert_int_equal(nfind(b, p3, AN_FIND_CADENCE_BREACH), 0);
}

static void reopen__resolved_then_reopened__counted_once(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, t, "2026-01-05T09:30Z", HD_STATE_RESOLVED);
    ev_state(b, t, "2026-01-05T09:40Z", HD_STATE_CLOSED); /* done to done: none */
    ev_state(b, t, "2026-01-05T10:00Z", HD_STATE_REOPENED);
    ev_state(b, t, "2026-01-05T10:30Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(tm(b, t)->reopens, 1);
    assert_int_equal(nfind(b, t, AN_FIND_REOPEN), 1);
    assert_int_equal(find(b, t, AN_FIND_REOPEN, 0)->t_ms, at("2026-01-05T10:00Z"));
    assert_int_equal(tm(b, t)->resolved_ms, at("2026-01-05T09:30Z"));
    assert_int_equal(tm(b, t)->closed_ms, at("2026-01-05T09:40Z"));
    assert_int_equal(tm(b, t)->time_to_resolve_ms, 30 * HD_MS_PER_MIN);
}

static void reopen__after_close_then_open_at_end__gap_counted_again(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, t, "2026-01-05T09:30Z", HD_STATE_CLOSED);
    ev_state(b, t, "2026-01-06T09:00Z", HD_STATE_IN_PROGRESS); /* no gap while closed */
    ev_open_in(b, u, "2026-01-06T18:00Z", "A", 3);             /* end of data */
    run(b);
    assert_int_equal(tm(b, t)->reopens, 1);
    assert_int_equal(nfind(b, t, AN_FIND_WAITING_GAP), 1);
    assert_int_equal(find(b, t, AN_FIND_WAITING_GAP, 0)->value_ms, 9 * HD_MS_PER_H);
    assert_int_equal(find(b, t, AN_FIND_WAITING_GAP, 0)->open_at_end, 1);
}

static void priority_churn__two_changes__reported(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_prio(b, t, "2026-01-05T09:10Z", 2);
    ev_prio(b, t, "2026-01-05T09:20Z", 2); /* no change */
    ev_prio(b, t, "2026-01-05T09:30Z", 3);
    ev_open_in(b, u, "2026-01-05T09:00Z", "A", 0); /* no priority at opening */
    ev_prio(b, u, "2026-01-05T09:10Z", 3);         /* set, not changed */
    ev_prio(b, u, "2026-01-05T09:20Z", 4);
    run(b);
    assert_int_equal(tm(b, t)->priority_changes, 2);
    assert_int_equal(nfind(b, t, AN_FIND_PRIORITY_CHURN), 1);
    assert_int_equal(find(b, t, AN_FIND_PRIORITY_CHURN, 0)->value_ms, 2);
    assert_int_equal(tm(b, u)->priority_changes, 1);
    assert_int_equal(nfind(b, u, AN_FIND_PRIORITY_CHURN), 0);
}

static void paused_share__mostly_paused__reported(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, t, "2026-01-05T09:30Z", HD_STATE_ON_HOLD);
    ev_state(b, t, "2026-01-05T11:30Z", HD_STATE_IN_PROGRESS);
    ev_state(b, t, "2026-01-05T12:00Z", HD_STATE_RESOLVED);
    /* 50 minutes paused of 60: share high, but not over 1h in all */
    ev_open_in(b, u, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, u, "2026-01-05T09:05Z", HD_STATE_AWAITING_VENDOR);
    ev_state(b, u, "2026-01-05T09:55Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(tm(b, t)->paused_ms, 2 * HD_MS_PER_H);
    assert_int_equal(nfind(b, t, AN_FIND_PAUSED_SHARE), 1);
    assert_int_equal(find(b, t, AN_FIND_PAUSED_SHARE, 0)->value_ms, 2 * HD_MS_PER_H);
    assert_int_equal(tm(b, u)->paused_ms, 50 * HD_MS_PER_MIN);
    assert_int_equal(nfind(b, u, AN_FIND_PAUSED_SHARE), 0);
}

/* ------------------------------------------------------------------ */
/* Event order and rows that change two things                         */

static void order__equal_timestamps__source_order_decides(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_assign(b, t, "2026-01-05T09:10Z", "B", NULL);
    ev_assign(b, t, "2026-01-05T09:10Z", "C", NULL);
    ev_assign(b, t, "2026-01-05T09:10Z", "B", NULL);
    run(b);
    /* A, B, C, B in source order: one ping-pong (B-C-B) */
    assert_int_equal(tm(b, t)->reassignments, 3);
    assert_int_equal(tm(b, t)->ping_pongs, 1);
    assert_int_equal(tm(b, t)->last_group, sid(b, "B"));
    assert_string_equal(gname(b, find(b, t, AN_FIND_PING_PONG, 0)->group), "B");
    /* zero-length holdings without work are misroutes of zero length */
    assert_int_equal(tm(b, t)->misroutes, 3);
    assert_int_equal(find(b, t, AN_FIND_MISROUTE, 1)->value_ms, 0);
}

static void order__rows_out_of_order__sorted_by_time(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_state(b, t, "2026-01-05T10:00Z", HD_STATE_RESOLVED);
    ev_assign(b, t, "2026-01-05T09:30Z", "A", "ann");
    ev_assign(b, t, "2026-01-05T09:20Z", "B", NULL);
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    run(b);
    /* A (09:00), B (09:20), A with ann (09:30), resolved (10:00) */
    assert_int_equal(tm(b, t)->opened_ms, at("2026-01-05T09:00Z"));
    assert_int_equal(tm(b, t)->reassignments, 2);
    assert_int_equal(tm(b, t)->ping_pongs, 1);
    assert_int_equal(tm(b, t)->resolving_group, sid(b, "A"));
    assert_int_equal(tm(b, t)->time_to_resolve_ms, HD_MS_PER_H);
    assert_int_equal(nfind(b, t, AN_FIND_FIRST_MISROUTE), 0);
    assert_int_equal(tm(b, t)->misroutes, 2);
}

static void order__group_and_state_in_one_row__state_is_new_groups_work(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    /* one version: assignment first, then state (docs/metrics.md, "Event order") */
    ev_assign_row(b, t, "2026-01-05T09:30Z", "B", NULL, 1);
    ev_state_row(b, t, "2026-01-05T09:30Z", HD_STATE_IN_PROGRESS, 0);
    ev_state(b, t, "2026-01-05T18:00Z", HD_STATE_RESOLVED);
    run(b);
    assert_int_equal(nfind(b, t, AN_FIND_MISROUTE), 1);
    assert_string_equal(gname(b, find(b, t, AN_FIND_MISROUTE, 0)->group), "A");
    assert_int_equal(nfind(b, t, AN_FIND_QUEUE_WAIT), 0); /* B acted at once */
    assert_int_equal(tm(b, t)->reassignments_src_rule, 1);
    /* B's segment: worked, from the row to the resolution */
    int seen = 0;
    for (size_t i = 0; i < b->r.nsegs; i++) {
        const struct an_segment *s = &b->r.segs[i];
        if (s->ticket == t && s->group == sid(b, "B")) {
            seen = 1;
            assert_true(s->worked);
            assert_int_equal(s->start_ms, at("2026-01-05T09:30Z"));
            assert_int_equal(s->end_ms, at("2026-01-05T18:00Z"));
        }
    }
    assert_true(seen);
}

static void segments__closed_ticket_with_later_note__last_segment_ends_at_closure(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_state(b, t, "2026-01-05T10:00Z", HD_STATE_CLOSED);
    ev_note(b, t, "2026-01-05T15:00Z", 0); /* a comment after closure */
    run(b);
    assert_int_equal(b->r.nsegs, 1);
    assert_int_equal(b->r.segs[0].end_ms, at("2026-01-05T10:00Z"));
}

static void segments__open_ticket__last_segment_ends_at_end_of_data(void **state)
{
    struct tb *b = *state;
    uint32_t t = ticket(b, "T1");
    uint32_t u = ticket(b, "T2");
    ev_open_in(b, t, "2026-01-05T09:00Z", "A", 3);
    ev_open_in(b, u, "2026-01-07T09:00Z", "A", 3);
    run(b);
    assert_int_equal(b->r.nsegs, 2);
    assert_int_equal(b->r.segs[0].ticket, t);
    assert_int_equal(b->r.segs[0].end_ms, at("2026-01-07T09:00Z"));
}

/* ------------------------------------------------------------------ */

#define T(f) cmocka_unit_test_setup_teardown(f, tb_setup, tb_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(reassignment__three_groups__two_reassignments_named),
        T(reassignment__unassigned_then_same_group__not_counted),
        T(agent_reassignment__agents_change_within_group__agent_sequence_counted),
        T(src_rule__first_version_assignment__not_counted),
        T(src_rule__created_without_group__first_assignment_counted),
        T(bounce__returns_to_group_left_two_steps_earlier__bounce_not_ping_pong),
        T(ping_pong__a_b_a_b__two_ping_pongs_and_two_bounces),
        T(ping_pong__return_after_unassigned_spell__merged_no_ping_pong),
        T(misroute__holding_without_work__names_group_and_next),
        T(misroute__each_kind_of_work__no_misroute),
        T(misroute__note_while_unassigned__not_work_of_previous_group),
        T(first_misroute__first_group_not_resolving__reported),
        T(push_to_front__tier_sequences__starts_high_skips_tier_moves_down),
        T(unnecessary_escalation__resolved_at_tier_2_quickly__reported),
        T(queue_wait__action_after_wait__threshold_is_strict),
        T(queue_wait__holding_without_action__wait_is_its_length),
        T(waiting_gap__across_weekend__business_time_only),
        T(waiting_gap__paused_across_weekend__nothing_counted),
        T(waiting_gap__done_ticket__no_gap_after_resolution),
        T(waiting_gap__open_at_end_of_data__gap_to_end_marked),
        T(late_security__assigned_to_soc_after_two_hours__tte_ttc_dwell),
        T(late_security__escalated_to_security_within_hour__tte_not_late),
        T(group_is_security__names_and_config__word_rule),
        T(context_loss__handoff_without_note_in_window__reported),
        T(cadence__p1_without_public_update__breach),
        T(reopen__resolved_then_reopened__counted_once),
        T(reopen__after_close_then_open_at_end__gap_counted_again),
        T(priority_churn__two_changes__reported),
        T(paused_share__mostly_paused__reported),
        T(order__equal_timestamps__source_order_decides),
        T(order__rows_out_of_order__sorted_by_time),
        T(order__group_and_state_in_one_row__state_is_new_groups_work),
        T(segments__closed_ticket_with_later_note__last_segment_ends_at_closure),
        T(segments__open_ticket__last_segment_ends_at_end_of_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
