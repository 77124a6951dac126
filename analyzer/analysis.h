#ifndef HD_ANALYZER_ANALYSIS_H
#define HD_ANALYZER_ANALYSIS_H

/*
 * Timeline reconstruction and detectors: from a finished dataset
 * (analyzer/dataset.h) to ownership segments, per-ticket metrics and
 * findings with evidence. Every definition is in docs/metrics.md and cited
 * there by name; this module computes, it does not render or store.
 */

#include <stddef.h>
#include <stdint.h>

struct an_data;
struct hd_calendar;
struct hd_err;

enum an_finding_kind {
    AN_FIND_REASSIGNMENT,
    AN_FIND_AGENT_REASSIGNMENT,
    AN_FIND_BOUNCE,
    AN_FIND_PING_PONG,
    AN_FIND_MISROUTE,
    AN_FIND_FIRST_MISROUTE,
    AN_FIND_STARTS_HIGH,
    AN_FIND_SKIPS_TIER,
    AN_FIND_MOVES_DOWN,
    AN_FIND_UNNECESSARY_ESCALATION,
    AN_FIND_QUEUE_WAIT,
    AN_FIND_WAITING_GAP,
    AN_FIND_LATE_SECURITY,
    AN_FIND_CONTEXT_LOSS,
    AN_FIND_CADENCE_BREACH,
    AN_FIND_REOPEN,
    AN_FIND_PRIORITY_CHURN,
    AN_FIND_PAUSED_SHARE,
    AN_FIND__COUNT
};

/* Stable names ("ping_pong", ...) as stored and printed. */
const char *an_finding_name(enum an_finding_kind k);

struct an_group_info {
    int tier;     /* 1..3; 0 unknown */
    int security; /* 1 yes, 0 no, -1 by name (the default rule) */
};

/* Parameters of docs/metrics.md, "Analysis config". */
struct an_config {
    struct hd_calendar *calendar; /* owned */
    int64_t waiting_gap_ms, queue_wait_ms, context_window_ms, late_security_ms;
    int64_t unnecessary_escalation_ms;
    int cadence_priority_at_least;
    int64_t cadence_ms[6]; /* by priority 1..5; 0 = no target */
    int priority_churn_min;
    double paused_share_max;
    /* per-group settings by name */
    char **group_names;
    struct an_group_info *groups;
    size_t ngroups;
};

/*
 * Defaults, or a config file (path may be NULL). Errors: HD_EINPUT with the
 * file and JSON path; HD_EIO when unreadable.
 */
int an_config_load(const char *path, struct an_config *cfg, struct hd_err *err);
void an_config_release(struct an_config *cfg);

struct an_segment {
    uint32_t ticket;
    uint32_t group, agent; /* intern ids */
    int64_t start_ms, end_ms;
    uint8_t tier, state, worked, security;
};

struct an_finding {
    uint32_t ticket;
    uint8_t kind; /* enum an_finding_kind */
    uint8_t open_at_end;
    int64_t t_ms;           /* when it happened */
    int64_t value_ms;       /* its size (a wait, a gap); 0 when none */
    uint32_t group, group2; /* the group concerned, and the other one */
    uint32_t ev, ev2;       /* evidence: event indexes (UINT32_MAX none) */
};

struct an_tmetrics {
    int64_t opened_ms, resolved_ms, closed_ms; /* AN_TIME_NONE when none */
    uint32_t first_group, last_group, resolving_group;
    uint32_t groups, reassignments, agent_reassignments, reassignments_src_rule;
    uint32_t bounces, ping_pongs, misroutes, reopens, priority_changes;
    int64_t time_to_resolve_ms, paused_ms, tte_ms, ttc_ms, security_dwell_ms;
    uint8_t security; /* reached a security group */
};

struct an_result {
    struct an_segment *segs;
    size_t nsegs, segs_alloc;
    struct an_finding *finds;
    size_t nfinds, finds_alloc;
    struct an_tmetrics *tm; /* one per ticket */
    size_t ntm;
    int64_t end_of_data;
};

/*
 * Analyse every ticket of `d` (finishes it first). `out` is initialised
 * here; release with an_result_release. Cost: O(events) plus the calendar.
 */
void an_analyze(struct an_data *d, const struct an_config *cfg, struct an_result *out);
void an_result_release(struct an_result *r);

/* Whether a group counts as security by the config or the default rule. */
int an_group_is_security(const struct an_config *cfg, const char *name);
int an_group_tier(const struct an_config *cfg, const char *name);

#endif
