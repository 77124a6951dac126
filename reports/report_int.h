#ifndef HD_REPORTS_REPORT_INT_H
#define HD_REPORTS_REPORT_INT_H

/* Helpers shared by the report builders (reports/report_*.c); not an API. */

#include <stddef.h>
#include <stdint.h>

struct an_data;
struct an_result;
struct json_t;

/* A growable list of int64 samples. */
struct rpt_samples {
    int64_t *v;
    size_t n, alloc;
};

void rpt_samples_add(struct rpt_samples *s, int64_t x);
/* Sorts in place; the type-7 quantile, or 0 when empty. */
double rpt_samples_q(struct rpt_samples *s, double p);
void rpt_samples_release(struct rpt_samples *s);
/* {"n", "p50", "p90", "max"} in ms, or {"n": 0}. */
struct json_t *rpt_samples_json(struct rpt_samples *s);

/* "1h30m", or "-" for AN_TIME_NONE. Returns buf. */
const char *rpt_dur(int64_t ms, char *buf, size_t n);
/* "2026-10-01" (UTC) / "2026-10-01 08:17" (UTC). Returns buf. */
const char *rpt_date(int64_t ms, char *buf, size_t n);
const char *rpt_datetime(int64_t ms, char *buf, size_t n);
/* "87.5%" or "-" when den is 0. */
const char *rpt_pct(double num, double den, char *buf, size_t n);

/* The UTC calendar quarter / month holding `ms`: [from, to). */
void rpt_quarter_of(int64_t ms, int64_t *from, int64_t *to);
void rpt_month_of(int64_t ms, int64_t *from, int64_t *to);
/* The start of the month `delta` months after the one starting at `month_ms`. */
int64_t rpt_month_add(int64_t month_ms, int delta);

/* The ticket's source id (its key). */
const char *rpt_key(const struct an_data *d, uint32_t ti);

/*
 * Queue waits (docs/metrics.md, "Queue wait") of every holding of ticket
 * `ti`: fn(ctx, group, wait_ms, no_action) once per holding.
 */
typedef void rpt_hold_fn(void *ctx, uint32_t group, int64_t wait_ms, int no_action);
void rpt_holdings(const struct an_data *d, const struct an_result *r, uint32_t ti, rpt_hold_fn *fn,
                  void *ctx);

#endif
