/* Unit tests for core/time.c: civil arithmetic, parsing, formatting, durations. */
#include "core/time.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* Parse a NUL-terminated value; returns the code and leaves *out alone on error. */
static int parse(const char *s, enum hd_time_fmt fmt, const struct hd_tz *tz, int64_t *out,
                 struct hd_err *err)
{
    return hd_time_parse(s, strlen(s), fmt, tz, out, err);
}

/* ms of a UTC civil time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return hd_days_from_civil(y, mo, d) * HD_MS_PER_DAY + h * HD_MS_PER_H + mi * HD_MS_PER_MIN +
           s * HD_MS_PER_S;
}

/* A deterministic generator, so failures reproduce. */
static uint64_t rng_state = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ------------------------------------------------------------------ */

static void days_from_civil__known_dates__match(void **state)
{
    (void)state;
    assert_int_equal(hd_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(hd_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(hd_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(hd_days_from_civil(0, 1, 1), -719528);
    assert_int_equal(hd_days_from_civil(2026, 3, 29), 20541);
}

static void civil_from_ms__round_trips_over_many_days__same_fields(void **state)
{
    (void)state;
    for (int64_t day = -800000; day < 800000; day += 37) {
        struct hd_civil c;
        int64_t ms = day * HD_MS_PER_DAY + 12345678;
        hd_civil_from_ms(ms, 0, &c);
        assert_int_equal(hd_days_from_civil(c.year, c.month, c.day), day);
        assert_int_equal(hd_ms_from_civil(&c), ms);
        assert_int_equal(c.wday, (int)(((day + 4) % 7 + 7) % 7));
    }
}

static void civil_from_ms__offset_and_negative__floors(void **state)
{
    struct hd_civil c;
    (void)state;
    hd_civil_from_ms(-1, 0, &c);
    assert_int_equal(c.year, 1969);
    assert_int_equal(c.month, 12);
    assert_int_equal(c.day, 31);
    assert_int_equal(c.hour, 23);
    assert_int_equal(c.sec, 59);
    assert_int_equal(c.ms, 999);
    assert_int_equal(c.wday, 3);
    hd_civil_from_ms(utc(2026, 3, 28, 22, 30, 0), 3 * HD_MS_PER_H, &c);
    assert_int_equal(c.day, 29);
    assert_int_equal(c.hour, 1);
    assert_int_equal(c.min, 30);
    assert_int_equal(c.wday, 0);
}

static void fmt_from_name__all_names__known_and_unknown_fails(void **state)
{
    enum hd_time_fmt f;
    struct hd_err err = HD_ERR_INIT;
    (void)state;
    assert_int_equal(hd_time_fmt_from_name("iso8601", &f, NULL), HD_OK);
    assert_int_equal(f, HD_TF_ISO8601);
    assert_int_equal(hd_time_fmt_from_name("ymd", &f, NULL), HD_OK);
    assert_int_equal(f, HD_TF_YMD);
    assert_int_equal(hd_time_fmt_from_name("dmy", &f, NULL), HD_OK);
    assert_int_equal(f, HD_TF_DMY);
    assert_int_equal(hd_time_fmt_from_name("mdy", &f, NULL), HD_OK);
    assert_int_equal(f, HD_TF_MDY);
    assert_int_equal(hd_time_fmt_from_name("epoch", &f, NULL), HD_OK);
    assert_int_equal(f, HD_TF_EPOCH_S);
    assert_int_equal(hd_time_fmt_from_name("epoch_ms", &f, NULL), HD_OK);
    assert_int_equal(f, HD_TF_EPOCH_MS);
    assert_int_equal(hd_time_fmt_from_name("excel", &f, &err), HD_EINPUT);
    assert_string_equal(err.msg, "unknown time format 'excel'");
}

struct good {
    enum hd_time_fmt fmt;
    const char *text;
    int64_t want;
};

static void time_parse__valid_forms__exact_instant(void **state)
{
    const int64_t base = utc(2026, 3, 29, 0, 30, 0);
    const struct good cases[] = {
        {HD_TF_ISO8601, "2026-03-29T00:30:00Z", base},
        {HD_TF_ISO8601, "2026-03-29T00:30Z", base},
        {HD_TF_ISO8601, "2026-03-29 00:30:00Z", base},
        {HD_TF_ISO8601, "2026-03-29t00:30:00z", base},
        {HD_TF_ISO8601, "2026-03-29T00:30:00", base},
        {HD_TF_ISO8601, "2026-03-29T02:30:00+02:00", base},
        {HD_TF_ISO8601, "2026-03-29T02:30:00+0200", base},
        {HD_TF_ISO8601, "2026-03-29T02:30:00+02", base},
        {HD_TF_ISO8601, "2026-03-28T19:30:00-05:00", base},
        {HD_TF_ISO8601, "2026-03-29T06:15:00+05:45", base},
        {HD_TF_ISO8601, "2026-03-29T00:30:00-00:00", base},
        {HD_TF_ISO8601, "2026-03-29T18:30:00+18:00", base},
        {HD_TF_ISO8601, "2026-03-29T00:30:00.5Z", base + 500},
        {HD_TF_ISO8601, "2026-03-29T00:30:00.12Z", base + 120},
        {HD_TF_ISO8601, "2026-03-29T00:30:00.123Z", base + 123},
        {HD_TF_ISO8601, "2026-03-29T00:30:00,123Z", base + 123},
        {HD_TF_ISO8601, "2026-03-29T00:30:00.123999999Z", base + 123},
        {HD_TF_ISO8601, "2026-03-29T02:30:00.007+02:00", base + 7},
        {HD_TF_ISO8601, "1969-12-31T23:59:59.999Z", -1},
        {HD_TF_ISO8601, "0000-01-01T00:00:00Z", -62167219200000LL},
        {HD_TF_ISO8601, "9999-12-31T23:59:59.999Z", 253402300799999LL},
        {HD_TF_YMD, "2026-03-29 00:30:00", base},
        {HD_TF_YMD, "2026-03-29 00:30", base},
        {HD_TF_YMD, "2026-03-29 00:30:00.250", base + 250},
        {HD_TF_DMY, "29/3/2026 0:30", base},
        {HD_TF_DMY, "29/03/2026 00:30:00", base},
        {HD_TF_DMY, "1/2/2026 13:05:09", utc(2026, 2, 1, 13, 5, 9)},
        {HD_TF_MDY, "3/29/2026 0:30", base},
        {HD_TF_MDY, "1/2/2026 13:05:09", utc(2026, 1, 2, 13, 5, 9)},
        {HD_TF_MDY, "12/31/1999 23:59:59", utc(1999, 12, 31, 23, 59, 59)},
        {HD_TF_EPOCH_S, "1774744200", base},
        {HD_TF_EPOCH_S, "1774744200.5", base + 500},
        {HD_TF_EPOCH_S, "1774744200.123456", base + 123},
        {HD_TF_EPOCH_S, "0", 0},
        {HD_TF_EPOCH_S, "-1.5", -1500},
        {HD_TF_EPOCH_MS, "1774744200123", base + 123},
        {HD_TF_EPOCH_MS, "-1", -1},
        {HD_TF_EPOCH_MS, "0", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = 42;
        struct hd_err err = HD_ERR_INIT;
        int rc = parse(cases[i].text, cases[i].fmt, NULL, &got, &err);
        if (rc != HD_OK || got != cases[i].want) {
            fail_msg("'%s': rc %d (%s), got %lld want %lld", cases[i].text, rc, err.msg,
                     (long long)got, (long long)cases[i].want);
        }
    }
}

static void time_parse__not_nul_terminated__reads_len_bytes(void **state)
{
    const char *row = "2026-03-29T00:30:00Z,next,field";
    int64_t got;
    (void)state;
    assert_int_equal(hd_time_parse(row, 20, HD_TF_ISO8601, NULL, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 3, 29, 0, 30, 0));
    assert_int_equal(hd_time_parse(row, 21, HD_TF_ISO8601, NULL, &got, NULL), HD_EINPUT);
}

static void time_parse__leap_days__only_in_leap_years(void **state)
{
    int64_t got;
    (void)state;
    assert_int_equal(parse("2016-02-29 12:00", HD_TF_YMD, NULL, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2016, 2, 29, 12, 0, 0));
    assert_int_equal(parse("2024-02-29T12:00:00Z", HD_TF_ISO8601, NULL, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2024, 2, 29, 12, 0, 0));
    assert_int_equal(parse("2000-02-29T00:00:00Z", HD_TF_ISO8601, NULL, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2000, 2, 29, 0, 0, 0));
    assert_int_equal(parse("29/2/2024 0:00", HD_TF_DMY, NULL, &got, NULL), HD_OK);
    assert_int_equal(parse("2/29/2024 0:00", HD_TF_MDY, NULL, &got, NULL), HD_OK);

    struct hd_err err = HD_ERR_INIT;
    assert_int_equal(parse("2023-02-29T00:00:00Z", HD_TF_ISO8601, NULL, &got, &err), HD_EINPUT);
    assert_string_equal(err.msg, "bad time '2023-02-29T00:00:00Z': day out of range");
    assert_int_equal(parse("1900-02-29 00:00", HD_TF_YMD, NULL, &got, NULL), HD_EINPUT);
    assert_int_equal(parse("29/2/2023 0:00", HD_TF_DMY, NULL, &got, NULL), HD_EINPUT);
    assert_int_equal(parse("2/29/1900 0:00", HD_TF_MDY, NULL, &got, NULL), HD_EINPUT);
    assert_int_equal(parse("2024-02-30 00:00", HD_TF_YMD, NULL, &got, NULL), HD_EINPUT);
}

struct bad {
    enum hd_time_fmt fmt;
    const char *text;
    const char *reason;
};

static void time_parse__malformed__error_not_value(void **state)
{
    const struct bad cases[] = {
        {HD_TF_ISO8601, "", "empty"},
        {HD_TF_ISO8601, "2026-13-01T00:00:00Z", "month out of range"},
        {HD_TF_ISO8601, "2026-00-01T00:00:00Z", "month out of range"},
        {HD_TF_ISO8601, "2026-01-32T00:00:00Z", "day out of range"},
        {HD_TF_ISO8601, "2026-01-00T00:00:00Z", "day out of range"},
        {HD_TF_ISO8601, "2026-04-31T00:00:00Z", "day out of range"},
        {HD_TF_ISO8601, "2026-06-31T00:00:00Z", "day out of range"},
        {HD_TF_ISO8601, "2026-01-01T24:00:00Z", "hour out of range"},
        {HD_TF_ISO8601, "2026-01-01T00:60:00Z", "minute out of range"},
        {HD_TF_ISO8601, "2026-01-01T00:00:60Z", "second out of range"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00Zjunk", "trailing characters"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00 ", "trailing characters"},
        {HD_TF_ISO8601, " 2026-01-01T00:00:00Z", "expected date 'YYYY-MM-DD'"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00.Z", "bad fraction of a second"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00.1234567890Z", "bad fraction of a second"},
        {HD_TF_ISO8601, "2026-01-01T00:00.5Z", "trailing characters"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+25:00", "offset out of range"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+18:01", "offset out of range"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+02:60", "bad offset"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+2:00", "bad offset"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+02:0", "bad offset"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+020", "bad offset"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+", "bad offset"},
        {HD_TF_ISO8601, "2026-01-01T00:00:00+02:00:00", "trailing characters"},
        {HD_TF_ISO8601, "2026-01-01", "missing time"},
        {HD_TF_ISO8601, "2026-01-01T", "missing time"},
        {HD_TF_ISO8601, "2026-01-01T10", "expected time 'HH:MM[:SS]'"},
        {HD_TF_ISO8601, "2026-01-01T1:00:00Z", "expected time 'HH:MM[:SS]'"},
        {HD_TF_ISO8601, "2026-01-01T10:00:0Z", "expected two-digit seconds"},
        {HD_TF_ISO8601, "2026-1-01T00:00:00Z", "expected date 'YYYY-MM-DD'"},
        {HD_TF_ISO8601, "26-01-01T00:00:00Z", "expected date 'YYYY-MM-DD'"},
        {HD_TF_ISO8601, "20260101T000000Z", "expected date 'YYYY-MM-DD'"},
        {HD_TF_ISO8601, "2026/01/01T00:00:00Z", "expected date 'YYYY-MM-DD'"},
        {HD_TF_ISO8601, "2026-01-01X00:00:00Z", "expected 'T' or ' ' after the date"},
        {HD_TF_ISO8601, "abcd-ef-ghTij:kl:mnZ", "expected date 'YYYY-MM-DD'"},
        {HD_TF_ISO8601, "yesterday", "expected date 'YYYY-MM-DD'"},
        {HD_TF_YMD, "2026-01-01T00:00:00", "expected ' ' after the date"},
        {HD_TF_YMD, "2026-01-01 00:00:00Z", "trailing characters"},
        {HD_TF_YMD, "2026-01-01 00:00:00+02:00", "trailing characters"},
        {HD_TF_YMD, "2026-01-01", "missing time"},
        {HD_TF_YMD, "2026-02-30 00:00", "day out of range"},
        {HD_TF_YMD, "2026-01-01 24:00", "hour out of range"},
        {HD_TF_DMY, "31/4/2026 0:00", "day out of range"},
        {HD_TF_DMY, "32/1/2026 0:00", "day out of range"},
        {HD_TF_DMY, "1/13/2026 0:00", "month out of range"},
        {HD_TF_DMY, "0/1/2026 0:00", "day out of range"},
        {HD_TF_DMY, "1/1/26 0:00", "expected date 'D/M/YYYY'"},
        {HD_TF_DMY, "1/1/2026", "missing time"},
        {HD_TF_DMY, "1/1/2026 0", "expected time 'H:MM[:SS]'"},
        {HD_TF_DMY, "1/1/2026 0:0", "expected time 'H:MM[:SS]'"},
        {HD_TF_DMY, "1/1/2026 24:00", "hour out of range"},
        {HD_TF_DMY, "1/1/2026 10:00 PM", "trailing characters"},
        {HD_TF_DMY, "1/1/2026 10:00:00.5", "trailing characters"},
        {HD_TF_DMY, "001/1/2026 0:00", "expected date 'D/M/YYYY'"},
        {HD_TF_MDY, "13/1/2026 0:00", "month out of range"},
        {HD_TF_MDY, "4/31/2026 0:00", "day out of range"},
        {HD_TF_MDY, "1-1-2026 0:00", "expected date 'M/D/YYYY'"},
        {HD_TF_MDY, "1/1/2026T0:00", "expected ' ' after the date"},
        {HD_TF_EPOCH_S, "", "empty"},
        {HD_TF_EPOCH_S, "abc", "not a number"},
        {HD_TF_EPOCH_S, "-", "not a number"},
        {HD_TF_EPOCH_S, "+5", "not a number"},
        {HD_TF_EPOCH_S, "12a", "trailing characters"},
        {HD_TF_EPOCH_S, "12.", "bad fraction of a second"},
        {HD_TF_EPOCH_S, "1e9", "trailing characters"},
        {HD_TF_EPOCH_S, "1 ", "trailing characters"},
        {HD_TF_EPOCH_S, "253402300800", "out of range"},
        {HD_TF_EPOCH_S, "99999999999999999999", "out of range"},
        {HD_TF_EPOCH_MS, "1774744200123.5", "trailing characters"},
        {HD_TF_EPOCH_MS, "253402300800000", "out of range"},
        {HD_TF_EPOCH_MS, "-62167219200001", "out of range"},
        {HD_TF_EPOCH_MS, "x", "not a number"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = 42;
        char want[300];
        struct hd_err err = HD_ERR_INIT;
        int rc = parse(cases[i].text, cases[i].fmt, NULL, &got, &err);
        snprintf(want, sizeof(want), "bad time '%s': %s", cases[i].text, cases[i].reason);
        if (rc != HD_EINPUT || got != 42 || strcmp(err.msg, want) != 0 || err.line != 0 ||
            err.src[0] != '\0') {
            fail_msg("'%s' (fmt %d): rc %d got %lld msg '%s', want '%s'", cases[i].text,
                     (int)cases[i].fmt, rc, (long long)got, err.msg, want);
        }
    }
}

static void time_parse__long_bad_value__message_truncated(void **state)
{
    char text[200];
    struct hd_err err = HD_ERR_INIT;
    int64_t got;
    (void)state;
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(parse(text, HD_TF_ISO8601, NULL, &got, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "xxx...': expected date"));
    assert_int_equal(parse(text, HD_TF_ISO8601, NULL, &got, NULL), HD_EINPUT);
}

static void time_parse__local_time_in_zone__uses_zone_offset(void **state)
{
    struct hd_tz *sofia = NULL, *ny = NULL;
    int64_t got;
    (void)state;
    assert_int_equal(hd_tz_open("Europe/Sofia", &sofia, NULL), HD_OK);
    assert_int_equal(hd_tz_open("America/New_York", &ny, NULL), HD_OK);

    /* Winter and summer. */
    assert_int_equal(parse("2026-01-15 10:00", HD_TF_YMD, sofia, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 1, 15, 8, 0, 0));
    assert_int_equal(parse("15/7/2026 10:00", HD_TF_DMY, sofia, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 7, 15, 7, 0, 0));
    assert_int_equal(parse("7/15/2026 10:00", HD_TF_MDY, ny, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 7, 15, 14, 0, 0));
    /* An offset in the value wins over the zone. */
    assert_int_equal(parse("2026-07-15T10:00:00Z", HD_TF_ISO8601, ny, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 7, 15, 10, 0, 0));
    /* Epoch values carry no wall time: the zone does not apply. */
    assert_int_equal(parse("0", HD_TF_EPOCH_S, ny, &got, NULL), HD_OK);
    assert_int_equal(got, 0);

    /* Sofia jumps 03:00 -> 04:00 on 2026-03-29: 03:30 reads as 04:30 EEST. */
    assert_int_equal(parse("2026-03-29T03:30:00", HD_TF_ISO8601, sofia, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 3, 29, 1, 30, 0));
    /* Sofia repeats 03:00-04:00 on 2026-10-25: the earlier (EEST) instant. */
    assert_int_equal(parse("2026-10-25 03:30", HD_TF_YMD, sofia, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 10, 25, 0, 30, 0));
    /* New York jumps 02:00 -> 03:00 on 2026-03-08: 02:30 reads as 03:30 EDT. */
    assert_int_equal(parse("3/8/2026 2:30", HD_TF_MDY, ny, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 3, 8, 7, 30, 0));
    /* New York repeats 01:00-02:00 on 2026-11-01: the earlier (EDT) instant. */
    assert_int_equal(parse("11/1/2026 1:30", HD_TF_MDY, ny, &got, NULL), HD_OK);
    assert_int_equal(got, utc(2026, 11, 1, 5, 30, 0));

    hd_tz_free(sofia);
    hd_tz_free(ny);
}

static void time_format__utc__iso_with_ms_only_when_needed(void **state)
{
    char buf[64];
    (void)state;
    assert_int_equal(hd_time_format(utc(2026, 3, 29, 0, 30, 0), buf, sizeof(buf)), 20);
    assert_string_equal(buf, "2026-03-29T00:30:00Z");
    hd_time_format(utc(2026, 3, 29, 0, 30, 0) + 7, buf, sizeof(buf));
    assert_string_equal(buf, "2026-03-29T00:30:00.007Z");
    hd_time_format(-1, buf, sizeof(buf));
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    /* Truncates like snprintf and reports the length it wanted. */
    assert_int_equal(hd_time_format(0, buf, 5), 20);
    assert_string_equal(buf, "1970");
    assert_int_equal(hd_time_format(0, NULL, 0), 20);
}

static void time_format_local__zones__wall_time_and_offset(void **state)
{
    struct hd_tz *sofia = NULL, *ny = NULL, *kath = NULL;
    char buf[64];
    (void)state;
    assert_int_equal(hd_tz_open("Europe/Sofia", &sofia, NULL), HD_OK);
    assert_int_equal(hd_tz_open("America/New_York", &ny, NULL), HD_OK);
    assert_int_equal(hd_tz_open("Asia/Kathmandu", &kath, NULL), HD_OK);
    hd_time_format_local(utc(2026, 3, 29, 0, 30, 0), sofia, buf, sizeof(buf));
    assert_string_equal(buf, "2026-03-29T02:30:00+02:00");
    hd_time_format_local(utc(2026, 3, 29, 1, 30, 0), sofia, buf, sizeof(buf));
    assert_string_equal(buf, "2026-03-29T04:30:00+03:00");
    hd_time_format_local(utc(2026, 11, 1, 5, 30, 0) + 1, ny, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-01T01:30:00.001-04:00");
    hd_time_format_local(utc(2026, 11, 1, 6, 30, 0), ny, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-01T01:30:00-05:00");
    hd_time_format_local(0, kath, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T05:30:00+05:30");
    hd_time_format_local(utc(2026, 1, 1, 0, 0, 0), kath, buf, sizeof(buf));
    assert_string_equal(buf, "2026-01-01T05:45:00+05:45");
    hd_time_format_local(0, NULL, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00+00:00");
    /* Local mean time keeps its seconds rather than show a wrong wall time. */
    hd_time_format_local(utc(1870, 1, 1, 0, 0, 0), sofia, buf, sizeof(buf));
    assert_string_equal(buf, "1870-01-01T01:33:16+01:33:16");
    hd_tz_free(sofia);
    hd_tz_free(ny);
    hd_tz_free(kath);
}

static void time_format__random_instants__parse_round_trips(void **state)
{
    struct hd_tz *ny = NULL;
    (void)state;
    assert_int_equal(hd_tz_open("America/New_York", &ny, NULL), HD_OK);
    for (int i = 0; i < 20000; i++) {
        int64_t span = 253402300799999LL + 62167219200000LL;
        int64_t ms = -62167219200000LL + (int64_t)(next_rand() % (uint64_t)span);
        if (i % 2) {
            ms -= ms % 1000; /* half of them without a millisecond part */
        }
        char buf[64];
        int64_t back = 0;
        size_t n = hd_time_format(ms, buf, sizeof(buf));
        assert_int_equal(hd_time_parse(buf, n, HD_TF_ISO8601, NULL, &back, NULL), HD_OK);
        assert_int_equal(back, ms);
        /* The local form carries its offset, so it round-trips even in an overlap. */
        if (ms > utc(1900, 1, 1, 0, 0, 0)) {
            n = hd_time_format_local(ms, ny, buf, sizeof(buf));
            assert_int_equal(hd_time_parse(buf, n, HD_TF_ISO8601, NULL, &back, NULL), HD_OK);
            assert_int_equal(back, ms);
        }
    }
    static const char *const texts[] = {"2026-03-29T00:30:00Z", "2024-02-29T23:59:59.999Z",
                                        "1970-01-01T00:00:00Z", "0001-01-01T00:00:00.100Z",
                                        "9999-12-31T23:59:59Z"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char buf[64];
        int64_t ms;
        assert_int_equal(parse(texts[i], HD_TF_ISO8601, NULL, &ms, NULL), HD_OK);
        hd_time_format(ms, buf, sizeof(buf));
        assert_string_equal(buf, texts[i]);
    }
    hd_tz_free(ny);
}

/* "...Z" with whole seconds is read at fixed places; "+00:00" by the general parser. */
static void time_parse__utc_seconds_shape__same_as_general_parse(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        int64_t span = 253402300799999LL + 62167219200000LL;
        int64_t ms = -62167219200000LL + (int64_t)(next_rand() % (uint64_t)span);
        char buf[64];
        int64_t fast = 0, general = 1;
        ms -= ms % 1000;
        if (ms < -62167219200000LL) {
            ms += 1000;
        }
        size_t n = hd_time_format(ms, buf, sizeof(buf));
        assert_int_equal(n, 20);
        assert_int_equal(hd_time_parse(buf, n, HD_TF_ISO8601, NULL, &fast, NULL), HD_OK);
        memcpy(buf + 19, "+00:00", 7);
        assert_int_equal(hd_time_parse(buf, n + 5, HD_TF_ISO8601, NULL, &general, NULL), HD_OK);
        assert_int_equal(fast, general);
        assert_int_equal(fast, ms);
    }
}

struct dgood {
    const char *text;
    int64_t want;
};

static void duration_parse__valid_forms__exact_ms(void **state)
{
    const struct dgood cases[] = {
        {"0", 0},
        {"0s", 0},
        {"90s", 90 * HD_MS_PER_S},
        {"15m", 15 * HD_MS_PER_MIN},
        {"4h", 4 * HD_MS_PER_H},
        {"2d", 2 * HD_MS_PER_DAY},
        {"1w", 7 * HD_MS_PER_DAY},
        {"250ms", 250},
        {"1h30m", 90 * HD_MS_PER_MIN},
        {"2d4h", 52 * HD_MS_PER_H},
        {"1w2d3h4m5s6ms", 9 * HD_MS_PER_DAY + 3 * HD_MS_PER_H + 4 * HD_MS_PER_MIN + 5006},
        {"1m30s", 90 * HD_MS_PER_S},
        {"1m5ms", HD_MS_PER_MIN + 5},
        {"90m", 90 * HD_MS_PER_MIN},
        {"PT15M", 15 * HD_MS_PER_MIN},
        {"PT1H30M", 90 * HD_MS_PER_MIN},
        {"P2D", 2 * HD_MS_PER_DAY},
        {"P1DT2H", 26 * HD_MS_PER_H},
        {"PT0.5S", 500},
        {"PT1M0.25S", HD_MS_PER_MIN + 250},
        {"P1W", 7 * HD_MS_PER_DAY},
        {"PT36H", 36 * HD_MS_PER_H},
        {"pt1h", HD_MS_PER_H},
        {"P0D", 0},
        {"15250w", 15250 * 7 * HD_MS_PER_DAY},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = -7;
        struct hd_err err = HD_ERR_INIT;
        int rc = hd_duration_parse(cases[i].text, &got, &err);
        if (rc != HD_OK || got != cases[i].want) {
            fail_msg("'%s': rc %d (%s) got %lld want %lld", cases[i].text, rc, err.msg,
                     (long long)got, (long long)cases[i].want);
        }
    }
}

struct dbad {
    const char *text;
    const char *reason;
};

static void duration_parse__malformed__error(void **state)
{
    const struct dbad cases[] = {
        {"", "empty"},
        {"5x", "unknown unit"},
        {"5", "missing unit"},
        {"-5m", "negative"},
        {"+5m", "expected a number"},
        {"m", "expected a number"},
        {"5m ", "expected a number"},
        {" 5m", "expected a number"},
        {"1h 30m", "expected a number"},
        {"30m1h", "units out of order"},
        {"1h1h", "units out of order"},
        {"1.5h", "unknown unit"},
        {"5M", "unknown unit"},
        {"99999999999999999999s", "overflow"},
        {"9223372036854775807s", "overflow"},
        {"106751991167w", "overflow"},
        {"15250w9223372036854775807ms", "overflow"},
        {"P1Y", "years and months have no fixed length"},
        {"P1M", "years and months have no fixed length"},
        {"P", "no components"},
        {"PT", "nothing after 'T'"},
        {"P1H", "unknown designator"},
        {"PT1D", "unknown designator"},
        {"PT1", "missing designator"},
        {"PT1M1H", "designators out of order"},
        {"PT0.5M", "fractions are allowed only in seconds"},
        {"PT.5S", "expected a number"},
        {"PT1.S", "bad fraction of a second"},
        {"P1DT", "nothing after 'T'"},
        {"P-1D", "expected a number"},
        {"PT1H ", "expected a number"},
        {"P99999999999999999D", "overflow"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = -7;
        char want[300];
        struct hd_err err = HD_ERR_INIT;
        int rc = hd_duration_parse(cases[i].text, &got, &err);
        snprintf(want, sizeof(want), "bad duration '%s': %s", cases[i].text, cases[i].reason);
        if (rc != HD_EINPUT || got != -7 || strcmp(err.msg, want) != 0) {
            fail_msg("'%s': rc %d got %lld msg '%s' want '%s'", cases[i].text, rc, (long long)got,
                     err.msg, want);
        }
    }
    assert_int_equal(hd_duration_parse("5x", &(int64_t){0}, NULL), HD_EINPUT);
}

static void duration_format__values__two_largest_units(void **state)
{
    const struct dgood cases[] = {
        {"0s", 0},
        {"250ms", 250},
        {"1ms", 1},
        {"1s", 1000},
        {"1s", 1999},
        {"45s", 45 * HD_MS_PER_S},
        {"15m", 15 * HD_MS_PER_MIN},
        {"1h30m", 90 * HD_MS_PER_MIN},
        {"1h30m", 90 * HD_MS_PER_MIN + 59999},
        {"2d4h", 52 * HD_MS_PER_H + 17 * HD_MS_PER_MIN},
        {"1h5s", HD_MS_PER_H + 5 * HD_MS_PER_S},
        {"14d", 14 * HD_MS_PER_DAY},
        {"-1h30m", -90 * HD_MS_PER_MIN},
        {"-250ms", -250},
        {"106751991167d7h", INT64_MAX},
        {"-106751991167d7h", INT64_MIN},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        size_t n = hd_duration_format(cases[i].want, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(n, strlen(cases[i].text));
    }
    char small[4];
    assert_int_equal(hd_duration_format(90 * HD_MS_PER_MIN, small, sizeof(small)), 5);
    assert_string_equal(small, "1h3");
}

static void duration_format__exact_values__parse_back(void **state)
{
    (void)state;
    for (int i = 0; i < 5000; i++) {
        /* Values with at most two non-zero units format exactly. */
        static const int64_t units[] = {HD_MS_PER_DAY, HD_MS_PER_H, HD_MS_PER_MIN, HD_MS_PER_S};
        size_t a = next_rand() % 4, b = a + 1 + next_rand() % (4 - a);
        uint64_t top = a == 0 ? 1000 : (uint64_t)(units[a - 1] / units[a]);
        int64_t v = (int64_t)(next_rand() % top) * units[a];
        if (b < 4) {
            v += (int64_t)(next_rand() % (uint64_t)(units[b - 1] / units[b])) * units[b];
        }
        char buf[64];
        int64_t back = -1;
        hd_duration_format(v, buf, sizeof(buf));
        assert_int_equal(hd_duration_parse(buf, &back, NULL), HD_OK);
        assert_int_equal(back, v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(days_from_civil__known_dates__match),
        cmocka_unit_test(civil_from_ms__round_trips_over_many_days__same_fields),
        cmocka_unit_test(civil_from_ms__offset_and_negative__floors),
        cmocka_unit_test(fmt_from_name__all_names__known_and_unknown_fails),
        cmocka_unit_test(time_parse__valid_forms__exact_instant),
        cmocka_unit_test(time_parse__not_nul_terminated__reads_len_bytes),
        cmocka_unit_test(time_parse__leap_days__only_in_leap_years),
        cmocka_unit_test(time_parse__malformed__error_not_value),
        cmocka_unit_test(time_parse__long_bad_value__message_truncated),
        cmocka_unit_test(time_parse__local_time_in_zone__uses_zone_offset),
        cmocka_unit_test(time_format__utc__iso_with_ms_only_when_needed),
        cmocka_unit_test(time_format_local__zones__wall_time_and_offset),
        cmocka_unit_test(time_format__random_instants__parse_round_trips),
        cmocka_unit_test(time_parse__utc_seconds_shape__same_as_general_parse),
        cmocka_unit_test(duration_parse__valid_forms__exact_ms),
        cmocka_unit_test(duration_parse__malformed__error),
        cmocka_unit_test(duration_format__values__two_largest_units),
        cmocka_unit_test(duration_format__exact_values__parse_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
