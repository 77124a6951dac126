#ifndef HD_ANALYZER_SUMMARY_H
#define HD_ANALYZER_SUMMARY_H

/*
 * Roll-ups for `handoff analyze` and the reports: totals and distributions
 * per group, client, category, priority and month; top ping-pong pairs and
 * misroute paths; longest security dwell; the source's own counters beside
 * ours with the agreement rate (docs/metrics.md, "Aggregates"). The result
 * is a JSON document (jansson) so every renderer reads the same figures.
 */

#include <stdint.h>

struct an_data;
struct an_result;
struct an_config;
struct json_t;

/* Which tickets count (docs/handoff.1, "analyze"). */
struct an_filter {
    int64_t from_ms, to_ms; /* opened in [from, to); AN_TIME_NONE = open end */
    const char *client;     /* NULL = all */
    const char *group;      /* tickets that passed through this group */
    int priority;           /* 0 = all */
};

void an_filter_init(struct an_filter *f);

/* Whether ticket i passes the filter. */
int an_filter_match(const struct an_filter *f, const struct an_data *d, const struct an_result *r,
                    uint32_t ticket);

/*
 * Build the summary document. The caller owns the result (json_decref).
 * `top` bounds the top-N lists (e.g. 10).
 */
struct json_t *an_summary(const struct an_data *d, const struct an_result *r,
                          const struct an_filter *f, int top);

#endif
