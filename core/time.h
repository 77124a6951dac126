#ifndef HD_CORE_TIME_H
#define HD_CORE_TIME_H

/*
 * Instants, zones and durations.
 *
 * An instant is int64_t milliseconds since 1970-01-01T00:00:00Z (UTC); a
 * duration is int64_t milliseconds. Input times are parsed with an explicit
 * format (never guessed) and an explicit zone: an offset in the value, or a
 * zone from the system tz database (/usr/share/zoneinfo, TZif files read by
 * our own reader, so no global TZ state and no locking: safe from threads).
 *
 * Local times that do not exist or exist twice (DST changes) resolve by the
 * documented rule in docs/time-and-calendars.md ("Local times"):
 *   - in a spring-forward gap, the wall time is read with the offset in force
 *     *before* the gap, so 02:30 on a night that jumps 02:00->03:00 is
 *     read as 03:30 after the jump (as mktime does with tm_isdst = -1);
 *   - in a fall-back overlap, the *earlier* of the two instants is taken.
 */

#include <stddef.h>
#include <stdint.h>

struct hd_err;
struct hd_tz;

#define HD_MS_PER_S   1000LL
#define HD_MS_PER_MIN 60000LL
#define HD_MS_PER_H   3600000LL
#define HD_MS_PER_DAY 86400000LL

/* Broken-down civil time (proleptic Gregorian). */
struct hd_civil {
    int year;  /* e.g. 2026 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
    int hour;  /* 0..23 */
    int min;   /* 0..59 */
    int sec;   /* 0..59 */
    int ms;    /* 0..999 */
    int wday;  /* 0 = Sunday .. 6 = Saturday */
};

/* Days since 1970-01-01 of a civil date (any int year; no validation). */
int64_t hd_days_from_civil(int year, int month, int day);

/* The civil date and time of `ms` as seen at UTC offset `offset_ms`. */
void hd_civil_from_ms(int64_t ms, int64_t offset_ms, struct hd_civil *out);

/* ms since the epoch of a civil time taken as UTC (fields unvalidated). */
int64_t hd_ms_from_civil(const struct hd_civil *c);

/*
 * Open zone `name` ("UTC", "Europe/Sofia", "America/New_York", ...) from
 * the system tz database. On success *out is a new zone the caller frees
 * with hd_tz_free(). Errors: HD_EINPUT "unknown time zone 'NAME'" when no
 * such zone exists or the name is unsafe (absolute, contains ".."); HD_EIO
 * when the file cannot be read. "UTC" and "Z" always work, even without a
 * tz database.
 */
int hd_tz_open(const char *name, struct hd_tz **out, struct hd_err *err);
void hd_tz_free(struct hd_tz *tz);
const char *hd_tz_name(const struct hd_tz *tz);

/* The UTC offset in force at instant `utc_ms` (local = utc + offset). */
int64_t hd_tz_offset_ms(const struct hd_tz *tz, int64_t utc_ms);

/*
 * The first instant after `utc_ms` at which the UTC offset changes, or
 * INT64_MAX when it never changes again (a NULL tz means UTC). A change of
 * abbreviation or DST flag alone is not a transition. Calendars use it to
 * find the stretches of constant offset. O(log transitions).
 */
int64_t hd_tz_next_transition(const struct hd_tz *tz, int64_t utc_ms);

/*
 * The instant of a local wall time `local_ms` (a civil time encoded as if it
 * were UTC), by the gap/overlap rule above. A NULL tz means UTC.
 */
int64_t hd_tz_local_to_utc(const struct hd_tz *tz, int64_t local_ms);

enum hd_time_fmt {
    HD_TF_ISO8601, /* 2026-03-29T02:30:00[.123][Z|+02:00|+0200]; also ' ' for 'T' */
    HD_TF_YMD,     /* YYYY-MM-DD HH:MM[:SS] (no offset: zone applies) */
    HD_TF_DMY,     /* D/M/YYYY H:MM[:SS]  (ServiceNow export) */
    HD_TF_MDY,     /* M/D/YYYY H:MM[:SS]  (US spreadsheets) */
    HD_TF_EPOCH_S, /* seconds since the epoch, optional fraction */
    HD_TF_EPOCH_MS /* milliseconds since the epoch */
};

/*
 * Name -> format: "iso8601", "ymd", "dmy", "mdy", "epoch", "epoch_ms".
 * Returns HD_OK, or HD_EINPUT "unknown time format 'NAME'".
 */
int hd_time_fmt_from_name(const char *name, enum hd_time_fmt *out, struct hd_err *err);

/*
 * Parse `len` bytes at `s` (need not be NUL-terminated; surrounding spaces
 * are not allowed) in format `fmt`. An offset in the value wins; otherwise
 * the wall time is read in `tz` (NULL = UTC). Validates every field
 * (month 1..12, day within the month incl. 29 February in leap years only,
 * hour 0..23, minute and second 0..59, offset within +-18:00). On error
 * returns HD_EINPUT with a message "bad time 'TEXT': REASON" and no
 * source/line (the caller adds them). Cost: O(len), no allocation.
 */
int hd_time_parse(const char *s, size_t len, enum hd_time_fmt fmt, const struct hd_tz *tz,
                  int64_t *out_ms, struct hd_err *err);

/*
 * Format `ms` as ISO 8601 UTC, "2026-03-29T00:30:00Z" (with ".123" only
 * when the millisecond part is non-zero). Writes at most `outsz` bytes
 * including the NUL; returns the length it wanted (as snprintf).
 */
size_t hd_time_format(int64_t ms, char *out, size_t outsz);

/* As hd_time_format, as local time in `tz` with its offset ("+03:00"). */
size_t hd_time_format_local(int64_t ms, const struct hd_tz *tz, char *out, size_t outsz);

/*
 * Parse a human duration: "90s", "15m", "4h", "2d", "1w", combinations
 * ("1h30m", "2d4h"), optional "ms" unit ("250ms"), and ISO 8601 durations
 * ("PT15M", "PT1H30M", "P2D", "P1DT2H", "PT0.5S"; no years or months, which
 * have no fixed length). A bare "0" is zero. Errors: HD_EINPUT "bad
 * duration 'TEXT': REASON" (empty, unknown unit, negative, overflow).
 */
int hd_duration_parse(const char *s, int64_t *out_ms, struct hd_err *err);

/*
 * Format a duration compactly: "0s", "45s", "15m", "1h30m", "2d4h", with
 * the two largest non-zero units (days, hours, minutes, seconds; ms only
 * for durations under a second: "250ms"). Negative values get a '-'.
 * Returns the length wanted, as snprintf.
 */
size_t hd_duration_format(int64_t ms, char *out, size_t outsz);

#endif
