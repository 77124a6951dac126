#ifndef HD_ANALYZER_DATASET_H
#define HD_ANALYZER_DATASET_H

/*
 * The analyzer's in-memory dataset: tickets and their events, with strings
 * interned. Ingest fills it from export files; the store loads it from a
 * database; timelines, detectors and metrics read it. One dataset serves
 * both `handoff analyze FILE` (no database) and `handoff analyze --db`.
 *
 * Invariants after an_data_finish(): events are grouped by ticket and each
 * ticket's events are ordered by (t_ms, source, ord) — ties by source order,
 * never by an unstable sort; ticket i's events are
 * events[tickets[i].first .. tickets[i].first + tickets[i].nevents).
 */

#include <stddef.h>
#include <stdint.h>

struct hd_intern;

#define AN_TIME_NONE INT64_MIN

/* Event flags. */
enum an_event_flags {
    AN_EV_GROUP = 1 << 0,  /* an `assigned` event states the group (0 = cleared) */
    AN_EV_AGENT = 1 << 1,  /* an `assigned` event states the agent (0 = none) */
    AN_EV_PUBLIC = 1 << 2, /* a customer-visible note */
};

struct an_event {
    int64_t t_ms;
    uint32_t ticket; /* index into an_data.tickets */
    uint32_t source; /* index into an_data.sources */
    uint32_t line;   /* 1-based line of the input row that caused it */
    uint32_t ord;    /* order among the ticket's events within its source */
    uint32_t group;  /* intern ids; 0 = none */
    uint32_t agent;
    uint32_t category;
    uint32_t subcategory;
    uint32_t text;    /* note text, or linked ticket, or escalation target */
    uint8_t kind;     /* enum hd_kind */
    uint8_t state;    /* enum hd_state, for state events */
    uint8_t priority; /* 1..5 for priority events (and opened, if known) */
    uint8_t flags;    /* enum an_event_flags */
    /* events.id, once stored or loaded, is in an_data.event_ids: kept out
     * of the record, which a parse writes a million of (48 bytes, not 56) */
};

struct an_ticket {
    uint32_t client; /* intern ids; 0 = none */
    uint32_t key;    /* the source's ticket id, e.g. INC0000045 */
    uint32_t title, description, category, subcategory, requester, requester_tier;
    uint32_t asset, asset_class, channel;
    int priority;                   /* latest known 1..5; 0 unknown */
    int64_t opened_ms;              /* AN_TIME_NONE when unknown */
    int32_t src_reassignment_count; /* the source's own counters; -1 unknown */
    int32_t src_reopen_count;
    int32_t src_made_sla; /* 1, 0, or -1 unknown */
    uint32_t first;       /* first event index (after an_data_finish) */
    uint32_t nevents;
    int64_t db_id; /* tickets.id once stored or loaded; 0 before */
};

struct an_source {
    char *path; /* as the user named it ("-" for stdin) */
    char *profile;
    int64_t db_id;
};

struct an_data {
    struct hd_intern *strs;
    struct an_ticket *tickets;
    size_t ntickets, tickets_alloc;
    struct an_event *events;
    size_t nevents, events_alloc;
    /* events.id of events[i] once stored or loaded (0 before); NULL until
     * an_data_event_ids() first asks for it; kept in step with events */
    int64_t *event_ids;
    struct an_source *sources;
    size_t nsources, sources_alloc;
    /* ticket lookup: open addressing over (client, key) -> index + 1 */
    uint32_t *tmap;
    size_t tmap_size;
    int finished; /* an_data_finish() ran since the last change */
};

/* Initialise an empty dataset; release with an_data_release. */
void an_data_init(struct an_data *d);
void an_data_release(struct an_data *d);

/* Add a source; returns its index. Strings are copied. */
uint32_t an_data_add_source(struct an_data *d, const char *path, const char *profile);

/*
 * The index of ticket (client, key), created empty if new (ids from
 * d->strs). O(1) expected.
 */
uint32_t an_data_ticket(struct an_data *d, uint32_t client, uint32_t key);

/* Index of ticket (client, key), or UINT32_MAX when absent. Never adds. */
uint32_t an_data_find_ticket(const struct an_data *d, uint32_t client, uint32_t key);

/*
 * Make room for `nevents` more events without reallocating: growth by
 * doubling copied the array and faulted its pages in twice over.
 */
void an_data_reserve(struct an_data *d, size_t nevents);

/*
 * Make room for `ntickets` more tickets, and size the lookup table for
 * them, so that adding them neither copies the array nor rehashes.
 */
void an_data_reserve_tickets(struct an_data *d, size_t ntickets);

/* Append an event (copied); returns a pointer valid until the next append. */
struct an_event *an_data_add_event(struct an_data *d, const struct an_event *ev);

/*
 * d->event_ids, allocated (all 0) on first use, for events_alloc events; it
 * grows and is reordered with the events from then on. Returns it.
 */
int64_t *an_data_event_ids(struct an_data *d);

/* events.id of event i, or 0 when not stored or loaded. */
int64_t an_data_event_id(const struct an_data *d, size_t i);

/*
 * Group events by ticket and order them (see the invariants above); sets
 * each ticket's first/nevents. O(n log n). Idempotent.
 */
void an_data_finish(struct an_data *d);

/* Convenience: the interned string of an id. */
const char *an_str(const struct an_data *d, uint32_t id);

#endif
