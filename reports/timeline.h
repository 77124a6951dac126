#ifndef HD_REPORTS_TIMELINE_H
#define HD_REPORTS_TIMELINE_H

/*
 * One ticket's timeline, readable: events with their source file:line and
 * the findings they carry, then ownership segments and the ticket metrics.
 */

#include <stdint.h>
#include <stdio.h>

struct an_data;
struct an_result;
struct json_t;

int rpt_timeline_text(FILE *f, const struct an_data *d, const struct an_result *r, uint32_t ticket);

/* The same as JSON; the caller owns the result. */
struct json_t *rpt_timeline_json(const struct an_data *d, const struct an_result *r,
                                 uint32_t ticket);

#endif
