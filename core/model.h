#ifndef HD_CORE_MODEL_H
#define HD_CORE_MODEL_H

/*
 * The ticket/event vocabulary shared by the analyzer and the simulator: event
 * kinds, ticket states, priorities, and their names in the generic format
 * (docs/schema.md). An event is one change to one ticket.
 */

#include <stddef.h>

enum hd_kind {
    HD_KIND_NONE = 0,
    HD_KIND_OPENED,    /* the ticket exists */
    HD_KIND_ASSIGNED,  /* group and/or agent changed (empty = unassigned) */
    HD_KIND_STATE,     /* state changed */
    HD_KIND_PRIORITY,  /* priority changed */
    HD_KIND_CATEGORY,  /* category/subcategory changed */
    HD_KIND_NOTE,      /* a note; `public` says whether the customer saw it */
    HD_KIND_LINKED,    /* related to another ticket */
    HD_KIND_ESCALATED, /* escalated to a tier or to security */
    HD_KIND__COUNT
};

enum hd_state {
    HD_STATE_NONE = 0,
    HD_STATE_NEW,
    HD_STATE_IN_PROGRESS,
    HD_STATE_ON_HOLD,
    HD_STATE_AWAITING_USER,
    HD_STATE_AWAITING_VENDOR,
    HD_STATE_RESOLVED,
    HD_STATE_CLOSED,
    HD_STATE_CANCELLED,
    HD_STATE_REOPENED,
    HD_STATE__COUNT
};

/* Priorities are 1 (P1, most urgent) .. 5 (P5); 0 means unknown. */
#define HD_PRIORITY_MAX 5

/* Names as written in the generic format: "opened", "in_progress", ... */
const char *hd_kind_name(enum hd_kind k);
const char *hd_state_name(enum hd_state s);

/* Name -> value; HD_KIND_NONE / HD_STATE_NONE when unknown. Case-insensitive. */
enum hd_kind hd_kind_from_name(const char *s, size_t len);
enum hd_state hd_state_from_name(const char *s, size_t len);

/*
 * Parse a priority: "P1".."P5", "1".."5", and "N - Word" as ServiceNow
 * writes them ("1 - Critical"). Returns 1..5, or 0 if unparsable.
 */
int hd_priority_parse(const char *s, size_t len);

/* Whether the SLA clock stops in this state (on_hold, awaiting_*). */
int hd_state_is_paused(enum hd_state s);

/* Whether the ticket counts as done (resolved, closed, cancelled). */
int hd_state_is_done(enum hd_state s);

#endif
