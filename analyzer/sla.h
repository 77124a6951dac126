#ifndef HD_ANALYZER_SLA_H
#define HD_ANALYZER_SLA_H

/*
 * Service-level attainment: response and resolution targets per client and
 * priority, measured in business time on the client's calendar with the
 * clock stopped while the ticket is paused. The rules are in
 * docs/metrics.md, "SLA"; this module computes, it does not render.
 *
 * SLA file (JSON):
 *   { "clients": {
 *       "acme": { "calendar": { "zone": "Europe/London", "hours": {...} },
 *                 "targets": { "P1": { "response": "15m", "resolution": "4h" }, ... } } },
 *     "default": { "calendar": "24x7", "targets": { ... } } }
 * "default" (optional) serves clients not listed. Unknown fields are
 * errors with their JSON path.
 *
 * Ownership: the config owns its calendars and names (an_sla_release).
 */

#include <stddef.h>
#include <stdint.h>

struct an_data;
struct an_result;
struct hd_calendar;
struct hd_err;

struct an_sla_targets {
    int64_t response_ms[6]; /* by priority 1..5; 0 = no target */
    int64_t resolution_ms[6];
};

struct an_sla_client {
    char *name;              /* "" for the default */
    struct hd_calendar *cal; /* owned; never NULL after loading */
    struct an_sla_targets targets;
};

struct an_sla_config {
    struct an_sla_client *clients;
    size_t nclients;
    struct an_sla_client *deflt; /* NULL, or the "default" entry (owned separately) */
};

/*
 * Load an SLA file. `cfg` is initialised here (also on failure). Errors:
 * HD_EIO when unreadable; HD_EINPUT with src = path and the JSON path in
 * the message ("clients.acme.targets.P1.response: bad duration '1x'").
 */
int an_sla_load(const char *path, struct an_sla_config *cfg, struct hd_err *err);

/* As an_sla_load from JSON text; `name` is used as err->src. */
int an_sla_load_text(const char *text, size_t len, const char *name, struct an_sla_config *cfg,
                     struct hd_err *err);

void an_sla_release(struct an_sla_config *cfg);

/* The entry for `client` (exact name), else the default, else NULL. Borrowed. */
const struct an_sla_client *an_sla_for(const struct an_sla_config *cfg, const char *client);

enum an_sla_status {
    AN_SLA_NONE = 0, /* no target for the priority, or no opening time */
    AN_SLA_MET,
    AN_SLA_BREACHED, /* done late, or still not done with the target already passed */
    AN_SLA_PENDING,  /* not done yet and still within target at the end of data */
};

struct an_sla_ticket {
    uint32_t ticket;
    int priority; /* the ticket's latest priority; 0 unknown */
    int64_t opened_ms;
    int64_t responded_ms;  /* the response event; AN_TIME_NONE when none yet */
    int64_t resolved_ms;   /* the first done state; AN_TIME_NONE when none yet */
    int64_t response_ms;   /* business time on the SLA clock, to the response or end of data */
    int64_t resolution_ms; /* likewise to the first done state or end of data */
    int64_t response_target_ms, resolution_target_ms;
    int64_t paused_ms;            /* business time with the clock stopped, to resolution */
    uint8_t response, resolution; /* enum an_sla_status */
};

/*
 * Measure ticket `ti` of `d` (analysed into `r`) against `c`
 * (docs/metrics.md, "SLA"). Cost: O(events of the ticket) calendar calls.
 */
void an_sla_measure(const struct an_data *d, const struct an_result *r,
                    const struct an_sla_client *c, uint32_t ti, struct an_sla_ticket *out);

/*
 * Business time in [from_ms, to_ms) on `cal` while ticket `ti` is not
 * paused (its state from its events up to each instant).
 */
int64_t an_sla_clock(const struct an_data *d, const struct hd_calendar *cal, uint32_t ti,
                     int64_t from_ms, int64_t to_ms);

#endif
