#ifndef HD_CORE_CALENDAR_H
#define HD_CORE_CALENDAR_H

/*
 * Business-hours calendars: a zone, weekly opening hours and holidays. Used
 * for SLA clocks and waiting-gap thresholds ("4 business hours").
 *
 * JSON form (docs/time-and-calendars.md, "Business calendars"):
 *   { "zone": "Europe/Sofia",
 *     "hours": { "mon": ["08:00-17:00"], "tue": ["08:00-12:00", "13:00-17:00"],
 *                ..., "sat": [], "sun": [] },
 *     "holidays": ["2026-12-25", "2026-12-26"] }
 * Missing days are closed. "24x7" as the whole value means always open.
 * Intervals are local wall-clock times, so a 08:00-17:00 day is 9 business
 * hours even on a DST-change day (the wall clock is what the desk works by);
 * holidays are whole local days. "24:00" may end an interval.
 *
 * A calendar is immutable after loading and safe to share between threads.
 */

#include <stdint.h>

struct hd_err;
struct hd_calendar;
struct json_t;

/* A calendar open all the time (UTC, 24x7). Caller frees. */
struct hd_calendar *hd_calendar_new_always(void);

/*
 * Build a calendar from a parsed JSON value (an object as above, or the
 * string "24x7"). `where` names the value for messages (a file name or a
 * JSON path such as "clients.acme.calendar"); errors are HD_EINPUT with
 * src = where and the sub-path in the message, e.g.
 * "hours.mon[0]: bad interval '8-17'", "zone: unknown time zone 'X'",
 * "holidays[2]: bad date '2026-13-01'", "unknown field 'hour'".
 */
int hd_calendar_from_json(const struct json_t *v, const char *where, struct hd_calendar **out,
                          struct hd_err *err);

/* Read and parse a calendar JSON file (HD_EIO when it cannot be read). */
int hd_calendar_load(const char *path, struct hd_calendar **out, struct hd_err *err);

void hd_calendar_free(struct hd_calendar *cal);

/*
 * Business milliseconds in [from_ms, to_ms); 0 when to_ms <= from_ms.
 * Cost: O(days spanned) with a per-week shortcut for long spans.
 */
int64_t hd_calendar_elapsed(const struct hd_calendar *cal, int64_t from_ms, int64_t to_ms);

/*
 * The earliest instant t >= from_ms with hd_calendar_elapsed(from_ms, t)
 * == business_ms (so adding 0 to a closed time moves to the next opening
 * only when business_ms > 0; adding 0 returns from_ms). Returns INT64_MAX
 * if the calendar has no open hours at all.
 */
int64_t hd_calendar_add(const struct hd_calendar *cal, int64_t from_ms, int64_t business_ms);

/* Whether the calendar is open at instant t. */
int hd_calendar_is_open(const struct hd_calendar *cal, int64_t t_ms);

#endif
