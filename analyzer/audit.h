#ifndef HD_ANALYZER_AUDIT_H
#define HD_ANALYZER_AUDIT_H

/*
 * The policy audit: replay ticket history through a routing policy
 * (core/policy.h) and put, for each ticket, the policy's decision beside
 * what happened. From that: adherence (overall and per rule), tickets the
 * policy would have sent to security earlier and the lead time it would
 * have gained, tickets it would have sent to security that never went
 * there, and rules and timers that never fire. The definitions are in
 * docs/policy.md, "Audit"; this module computes, it does not render.
 *
 * Ownership: an_audit_run() borrows the dataset, the analysis and the
 * policy; the struct an_audit it fills owns its arrays (an_audit_release).
 * Row fields that are intern ids refer to the dataset's strings, and rule
 * and timer indexes to the policy, so both must outlive any use of a row.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct an_data;
struct an_filter;
struct an_result;
struct hd_err;
struct hd_policy;

/*
 * One audited ticket. "Intake" is the decision hd_policy_decide() makes
 * when the ticket is opened; a timer can later send it to security.
 * Durations are from the ticket's opening (an_tmetrics.opened_ms).
 */
struct an_audit_row {
    uint32_t ticket;      /* index into an_data.tickets */
    int64_t opened_ms;    /* its opening, as the analysis has it (an_tmetrics.opened_ms) */
    long rule;            /* intake: deciding rule index, -1 for the default route */
    size_t queue;         /* intake: policy queue index */
    const char *keyword;  /* intake: matching keyword, or NULL (borrowed from the policy) */
    long timer;           /* first timer escalating to security that fires; -1 none */
    bool policy_security; /* intake goes to security, or `timer` fires */
    int64_t decision_ms;  /* opened -> the policy's security decision; AN_TIME_NONE if none */
    uint32_t first_group; /* first actual group (intern id); 0 when never assigned */
    long first_queue;     /* policy queue that group belongs to; -1 when none */
    int adherent;         /* 1 first group is in the intake queue, 0 not, -1 not compared */
    bool actual_security; /* reached a security group (an_tmetrics.security) */
    int64_t tte_ms;       /* opened -> first security assignment; AN_TIME_NONE if never */
    int64_t lead_ms;      /* tte_ms - decision_ms when the policy is earlier; else AN_TIME_NONE */
    bool missed;          /* policy_security and not actual_security */
};

/* Counts for one rule (or the default route, or a timer). */
struct an_audit_stat {
    size_t decided;  /* tickets this rule decided at intake (timers: tickets it fired on) */
    size_t compared; /* of those, with an actual first group */
    size_t adherent; /* of those, first group in the decided queue */
    size_t earlier;  /* tickets where this rule (or timer) made the earlier security decision */
    size_t missed;   /* tickets where it sent to security and the ticket never went */
    int64_t lead_total_ms;
};

struct an_audit {
    struct an_audit_row *rows; /* the tickets that pass the filter, in opening order */
    size_t nrows;
    struct an_audit_stat *rules;  /* hd_policy_rule_count() + 1: the last is the default */
    size_t nrules;                /* including the default */
    struct an_audit_stat *timers; /* hd_policy_timer_count() */
    size_t ntimers;
    size_t skipped;         /* tickets without an opening time (neither audited nor decided) */
    size_t compared;        /* rows with an actual first group */
    size_t adherent;        /* of those, first group in the intake queue */
    size_t policy_security; /* rows the policy sends to security */
    size_t actual_security; /* rows that reached security */
    size_t both_security;   /* both of the above */
    size_t earlier;         /* rows with lead_ms > 0 */
    size_t missed;          /* policy_security && !actual_security */
    size_t actual_only;     /* reached security, the policy would not have sent it */
    int64_t lead_total_ms;  /* sum of lead_ms over `earlier` rows */
    int64_t lead_p50_ms;    /* median lead (lower middle); AN_TIME_NONE when no row is earlier */
    int64_t lead_max_ms;    /* AN_TIME_NONE when no row is earlier */
};

/*
 * Audit `p` against the analysed dataset `d` / `r` (r from an_analyze(d)).
 * Every ticket with an opening time is given to hd_policy_decide() in order
 * of opening (ties by ticket index), so repeat windows see all of history;
 * only tickets that pass `f` (NULL: all) become rows and count. Timers are
 * evaluated against each ticket's events up to r->end_of_data.
 *
 * `out` is initialised here, also on failure; release with
 * an_audit_release. Returns HD_OK, or the code of hd_policy_decide() (with
 * `err` filled) should it refuse a ticket, which would be a bug here.
 * Cost: O(n log n) for the sort plus O(events x timers) plus the policy.
 */
int an_audit_run(const struct an_data *d, const struct an_result *r, const struct hd_policy *p,
                 const struct an_filter *f, struct an_audit *out, struct hd_err *err);

/* Free what an_audit_run() allocated; a zeroed struct is fine. */
void an_audit_release(struct an_audit *a);

/*
 * The queue index that data group `group` maps to: the queue whose name is
 * exactly `group`, else the queue listing it in "groups" (case-insensitive,
 * hd_policy_queue_for_group), else -1. NULL or "" gives -1.
 */
long an_audit_queue_of(const struct hd_policy *p, const char *group);

#endif
