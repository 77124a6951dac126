#ifndef HD_CORE_POLICY_H
#define HD_CORE_POLICY_H

/*
 * The policy engine: one JSON routing and escalation language, used both to
 * audit ticket history (analyzer) and to drive the simulator. The language
 * itself is specified in docs/policy.md; this header is the C API.
 *
 * A policy names its queues, an ordered list of rules (the first rule whose
 * conditions all hold decides), a default route, and timers. Every decision
 * carries the id of the rule that made it, so reports can say why.
 *
 * Ownership, once for the whole API: a struct hd_policy is created by
 * hd_policy_load*() and freed by hd_policy_free(); it is immutable after
 * loading and may be shared by any number of threads. Every `const char *`
 * and `const struct ... *` returned by a query is borrowed from the policy
 * and valid until hd_policy_free(). A struct hd_policy_state belongs to one
 * policy and one thread at a time; it must be freed before its policy.
 * Ticket strings passed in are borrowed for the duration of the call only.
 *
 * Cost: loading is O(size of the JSON) plus O(rules^2) for the shadowing
 * check. hd_policy_decide() is O(length of title + description + category)
 * for the keyword scan (done once, lazily, whatever the number of keywords)
 * plus O(conditions of the rules it visits); it does not allocate except
 * when a repeat table must grow (see struct hd_policy_state).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hd_err;
struct hd_policy;
struct hd_policy_state;

/* Largest number of words in one keyword phrase. */
#define HD_POLICY_MAX_PHRASE_WORDS 16

/* Largest policy file hd_policy_load() reads. */
#define HD_POLICY_MAX_FILE_BYTES (16u * 1024u * 1024u)

/*
 * Warning callback: called during loading for problems that do not stop the
 * policy from working (a rule shadowed by an earlier one). `src` is the file
 * (or the name given to hd_policy_load_text), `line` is 0, `msg` starts with
 * the JSON path ("rules[4]: ..."). All three are borrowed for the call.
 */
typedef void hd_policy_warn_fn(void *ctx, const char *src, long line, const char *msg);

/*
 * Load and validate the policy in the JSON file `path`. On success *out is a
 * new policy (free with hd_policy_free) and HD_OK is returned. Warnings go
 * to `warn(warn_ctx, ...)` when `warn` is non-NULL and are dropped otherwise.
 *
 * Errors (*out is left NULL):
 *   HD_EIO     the file cannot be opened or read;
 *   HD_EINPUT  the file is larger than HD_POLICY_MAX_FILE_BYTES, is not
 *              JSON (err->line is the line jansson reports), or breaks a
 *              rule of the language. err->src is `path`, err->line is 0 for
 *              semantic errors, and err->msg starts with the JSON path of
 *              the offending value: "rules[3].when.priority: unknown
 *              priority 'P9'". docs/policy.md lists every message.
 */
int hd_policy_load(const char *path, struct hd_policy **out, hd_policy_warn_fn *warn,
                   void *warn_ctx, struct hd_err *err);

/*
 * As hd_policy_load, from `len` bytes of JSON at `text` (need not be
 * NUL-terminated). `name` is used as err->src and for warnings, and as the
 * policy's name when the JSON has no "name"; NULL means "<policy>".
 */
int hd_policy_load_text(const char *text, size_t len, const char *name, struct hd_policy **out,
                        hd_policy_warn_fn *warn, void *warn_ctx, struct hd_err *err);

/* Free a policy and everything borrowed from it. NULL is a no-op. */
void hd_policy_free(struct hd_policy *p);

/* The "name" field, or the file name without directory and ".json". */
const char *hd_policy_name(const struct hd_policy *p);

/* ---- Queues ---------------------------------------------------------- */

struct hd_policy_queue {
    const char *name;    /* unique, as written in the policy */
    int tier;            /* 1..9; 1 is the front line */
    bool is_security;    /* a security (SOC/CSIRT) queue */
    const char **groups; /* source assignment-group names that belong here */
    size_t ngroups;      /* >= 1: the queue name itself when "groups" is absent */
};

size_t hd_policy_queue_count(const struct hd_policy *p);

/* Queue `i` in the order the policy lists them; NULL when i >= count. */
const struct hd_policy_queue *hd_policy_queue(const struct hd_policy *p, size_t i);

/* Index of the queue named `name` (exact match), or -1. O(queues). */
long hd_policy_queue_find(const struct hd_policy *p, const char *name);

/*
 * Index of the queue that source assignment group `group` belongs to (its
 * "groups" list, compared case-insensitively, ASCII), or -1. For the audit,
 * which sees group names from the history. O(total groups).
 */
long hd_policy_queue_for_group(const struct hd_policy *p, const char *group);

/* ---- Rules ----------------------------------------------------------- */

size_t hd_policy_rule_count(const struct hd_policy *p);

/* The id of rule `i` (in policy order); NULL when i >= count. */
const char *hd_policy_rule_id(const struct hd_policy *p, size_t i);

/* The rule's "description", or "" when it has none; NULL when i >= count. */
const char *hd_policy_rule_description(const struct hd_policy *p, size_t i);

/*
 * True when some rule has a "repeat" condition. Only then does
 * hd_policy_decide() need tickets in time order.
 */
bool hd_policy_has_repeat(const struct hd_policy *p);

/*
 * The public-update cadence the policy's "update_cadence" table gives
 * priority `priority` (1..5), or 0 when it gives none (or priority is
 * unknown). Rules and the default may override it per decision.
 */
int64_t hd_policy_cadence_ms(const struct hd_policy *p, int priority);

/* ---- Timers ---------------------------------------------------------- */

enum hd_policy_timer_condition {
    HD_POLICY_UNASSIGNED, /* no queue holds the ticket; clock starts when opened */
    HD_POLICY_UNACCEPTED  /* a queue holds it, no agent accepted; clock starts at assignment */
};

/*
 * "If a ticket is <condition> for <after_ms> at priority at least
 * <min_priority>, escalate it to <queue>." Evaluating the condition against
 * a history or a simulation is the caller's job; the definitions are in
 * docs/policy.md, "Timers".
 */
struct hd_policy_timer {
    const char *id; /* unique among rule and timer ids */
    enum hd_policy_timer_condition condition;
    int64_t after_ms;           /* > 0 */
    int min_priority;           /* 1..5 ("P2": P1 or P2 qualify); 0: every ticket */
    size_t queue;               /* index of the queue to escalate to */
    bool escalates_to_security; /* the target queue is a security queue */
};

size_t hd_policy_timer_count(const struct hd_policy *p);

/* Timer `i` in the order the policy lists them; NULL when i >= count. */
const struct hd_policy_timer *hd_policy_timer(const struct hd_policy *p, size_t i);

/*
 * True when a ticket of priority `priority` (1..5, 0 unknown) is covered by
 * the timer: min_priority is 0, or 1 <= priority <= min_priority. A ticket
 * of unknown priority is covered only by timers without a minimum.
 */
bool hd_policy_timer_applies(const struct hd_policy_timer *t, int priority);

/* ---- Evaluation ------------------------------------------------------ */

/*
 * What the caller knows about a ticket. All strings are borrowed for the
 * call and may be NULL or "" (unknown); they need not outlive it.
 */
struct hd_policy_ticket {
    const char *title;
    const char *description;
    const char *category;
    const char *subcategory;
    int priority; /* 1..5, P1 most urgent; 0 (or anything else) unknown */
    const char *asset_class;
    const char *asset; /* asset id, for repeat patterns */
    const char *requester;
    const char *requester_tier; /* e.g. "privileged", "vip", "standard" */
    const char *client;
    const char *channel; /* e.g. "email", "phone", "portal", "monitoring" */
    int64_t opened_ms;   /* instant the ticket was opened, ms UTC */
};

/*
 * One decision. Queue, priority and cadence are already resolved: a rule
 * without "route" routes to the default queue, and cadence_ms falls back to
 * the policy's "update_cadence" for the effective priority.
 */
struct hd_policy_decision {
    size_t queue;              /* index of the queue the ticket goes to */
    bool escalate_to_security; /* that queue is a security queue */
    int priority;              /* "set_priority" of the deciding rule (1..5); 0: unchanged */
    bool require_note;         /* a note is required when the ticket is handed off */
    int64_t cadence_ms;        /* public-update cadence; 0: none required */
    long rule;                 /* index of the deciding rule; -1 for the default route */
    const char *rule_id;       /* its id, or "default"; borrowed from the policy */
    const char *keyword;       /* the keyword (as written) that matched, or NULL */
    bool is_default;           /* no rule matched; the default route decided */
};

/*
 * Evaluation state: the memory of repeat patterns ("3 tickets from the same
 * requester within 24h") plus scratch for the keyword scan, so that
 * hd_policy_decide() does not allocate.
 *
 * Cost, honestly: for each rule with a "repeat" condition the state keeps an
 * open-addressing table from key (requester, asset, category or client,
 * compared case-insensitively) to the times of its last count-1 matching
 * tickets: (count-1) * 8 bytes + ~40 bytes + the key per distinct key.
 * Keys whose newest ticket has left the window are dropped when the table
 * fills, so memory follows the number of keys active within one window,
 * not the length of the history. A table that must grow allocates
 * (amortised O(1) per new key, O(table) at that moment); a table of the
 * same size is rebuilt into a spare kept from last time, without
 * allocating. Nothing else in hd_policy_decide() allocates.
 */

/* A new state for `p` (which it borrows: free the state first). */
struct hd_policy_state *hd_policy_state_new(const struct hd_policy *p);

/* Free a state. NULL is a no-op. */
void hd_policy_state_free(struct hd_policy_state *st);

/* Forget every ticket seen (start a new replication), keeping the memory. */
void hd_policy_state_reset(struct hd_policy_state *st);

/*
 * Decide what policy `p` does with ticket `t` and fill *out. Rules are
 * tried in order and the first whose conditions all hold decides; when none
 * does, the default route decides (rule -1, rule_id "default").
 *
 * Side effect: `t` is recorded in `st` for every rule with a "repeat"
 * condition whose other conditions it meets, whether or not an earlier rule
 * decided it, so repeat counts do not depend on rule order.
 *
 * Returns HD_OK, or HD_EUSAGE (with `err` filled, *out and `st` unchanged)
 * when `st` was made for another policy, or when the policy has repeat
 * conditions and t->opened_ms is earlier than that of the previous ticket
 * given to `st` (the windows slide forward in time; reset the state to
 * start again). Windows are absolute time: a "24h" window is 24 real hours,
 * also across a DST change.
 */
int hd_policy_decide(const struct hd_policy *p, struct hd_policy_state *st,
                     const struct hd_policy_ticket *t, struct hd_policy_decision *out,
                     struct hd_err *err);

#endif
