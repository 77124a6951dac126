/* Unit tests for core/calendar.c: loading, business time, DST weekends. */
#include "core/calendar.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/time.h"

#define WEEKDAYS_8_17                                                                              \
    "\"mon\":[\"08:00-17:00\"],\"tue\":[\"08:00-17:00\"],\"wed\":[\"08:00-17:00\"],"               \
    "\"thu\":[\"08:00-17:00\"],\"fri\":[\"08:00-17:00\"]"
#define WEEKDAYS_9_17                                                                              \
    "\"mon\":[\"09:00-17:00\"],\"tue\":[\"09:00-17:00\"],\"wed\":[\"09:00-17:00\"],"               \
    "\"thu\":[\"09:00-17:00\"],\"fri\":[\"09:00-17:00\"]"
#define ALL_DAY                                                                                    \
    "\"mon\":[\"00:00-24:00\"],\"tue\":[\"00:00-24:00\"],\"wed\":[\"00:00-24:00\"],"               \
    "\"thu\":[\"00:00-24:00\"],\"fri\":[\"00:00-24:00\"],\"sat\":[\"00:00-24:00\"],"               \
    "\"sun\":[\"00:00-24:00\"]"

static uint64_t rng_state = 0xD1B54A32D192ED03ULL;
static uint64_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct hd_calendar *cal_from(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    struct hd_calendar *cal = NULL;
    struct hd_err err = HD_ERR_INIT;
    if (!v) {
        fail_msg("bad test JSON: %s", jerr.text);
    }
    if (hd_calendar_from_json(v, "test", &cal, &err) != HD_OK) {
        fail_msg("calendar rejected: %s", err.msg);
    }
    json_decref(v);
    return cal;
}

/* A local wall time in `zone`, as YYYY-MM-DD HH:MM. */
static int64_t at(const char *zone, const char *wall)
{
    struct hd_tz *tz = NULL;
    int64_t ms = 0;
    assert_int_equal(hd_tz_open(zone, &tz, NULL), HD_OK);
    assert_int_equal(hd_time_parse(wall, strlen(wall), HD_TF_YMD, tz, &ms, NULL), HD_OK);
    hd_tz_free(tz);
    return ms;
}

/* ------------------------------------------------------------------ */
/* The acceptance vectors                                              */

static void elapsed__friday_night_to_monday__one_and_a_half_hours(void **state)
{
    struct hd_calendar *cal =
        cal_from("{\"zone\":\"Europe/Sofia\",\"hours\":{" WEEKDAYS_8_17 ",\"sat\":[],\"sun\":[]}}");
    (void)state;
    int64_t from = at("Europe/Sofia", "2026-01-09 21:00"); /* a Friday */
    int64_t to = at("Europe/Sofia", "2026-01-12 09:30");   /* the Monday */
    assert_int_equal(hd_calendar_elapsed(cal, from, to), 90 * HD_MS_PER_MIN);
    assert_int_equal(to - from, 60 * HD_MS_PER_H + 30 * HD_MS_PER_MIN);
    assert_int_equal(hd_calendar_add(cal, from, 90 * HD_MS_PER_MIN), to);
    assert_false(hd_calendar_is_open(cal, from));
    assert_true(hd_calendar_is_open(cal, to));
    hd_calendar_free(cal);
}

static void elapsed__afternoon_to_next_morning__three_hours(void **state)
{
    struct hd_calendar *cal =
        cal_from("{\"zone\":\"America/New_York\",\"hours\":{" WEEKDAYS_9_17 "}}");
    (void)state;
    int64_t from = at("America/New_York", "2026-01-13 14:00"); /* a Tuesday */
    int64_t to = at("America/New_York", "2026-01-14 09:00");
    assert_int_equal(hd_calendar_elapsed(cal, from, to), 3 * HD_MS_PER_H);
    assert_int_equal(to - from, 19 * HD_MS_PER_H);
    /* Adding 3h lands at the close, not at the next morning's opening. */
    assert_int_equal(hd_calendar_add(cal, from, 3 * HD_MS_PER_H),
                     at("America/New_York", "2026-01-13 17:00"));
    assert_int_equal(hd_calendar_add(cal, from, 3 * HD_MS_PER_H + 1), to + 1);
    hd_calendar_free(cal);
}

static void elapsed__holiday_between__skipped(void **state)
{
    struct hd_calendar *with = cal_from("{\"zone\":\"Europe/Sofia\",\"hours\":{" WEEKDAYS_9_17
                                        "},\"holidays\":[\"2026-01-14\",\"2025-12-25\"]}");
    struct hd_calendar *without =
        cal_from("{\"zone\":\"Europe/Sofia\",\"hours\":{" WEEKDAYS_9_17 "}}");
    (void)state;
    int64_t from = at("Europe/Sofia", "2026-01-13 14:00"); /* Tuesday */
    int64_t to = at("Europe/Sofia", "2026-01-15 09:00");   /* Thursday */
    assert_int_equal(hd_calendar_elapsed(without, from, to), 11 * HD_MS_PER_H);
    assert_int_equal(hd_calendar_elapsed(with, from, to), 3 * HD_MS_PER_H);
    assert_false(hd_calendar_is_open(with, at("Europe/Sofia", "2026-01-14 12:00")));
    assert_true(hd_calendar_is_open(without, at("Europe/Sofia", "2026-01-14 12:00")));
    assert_int_equal(hd_calendar_add(with, from, 4 * HD_MS_PER_H),
                     at("Europe/Sofia", "2026-01-15 10:00"));
    hd_calendar_free(with);
    hd_calendar_free(without);
}

static void elapsed__sofia_dst_weekends__wall_hours_real_time(void **state)
{
    struct hd_calendar *office =
        cal_from("{\"zone\":\"Europe/Sofia\",\"hours\":{" WEEKDAYS_8_17 "}}");
    struct hd_calendar *allday = cal_from("{\"zone\":\"Europe/Sofia\",\"hours\":{" ALL_DAY "}}");
    struct hd_calendar *night =
        cal_from("{\"zone\":\"Europe/Sofia\",\"hours\":{\"sun\":[\"00:00-06:00\"]}}");
    (void)state;
    /* Spring forward (Sunday 29 March 2026, 03:00 -> 04:00). */
    int64_t from = at("Europe/Sofia", "2026-03-27 16:00");
    int64_t to = at("Europe/Sofia", "2026-03-30 09:00");
    assert_int_equal(hd_calendar_elapsed(office, from, to), 2 * HD_MS_PER_H);
    assert_int_equal(to - from, 64 * HD_MS_PER_H);
    assert_int_equal(hd_calendar_add(office, from, 2 * HD_MS_PER_H), to);
    /* The office day on either side keeps its 9 wall-clock hours. */
    assert_int_equal(hd_calendar_elapsed(office, at("Europe/Sofia", "2026-03-27 00:00"),
                                         at("Europe/Sofia", "2026-03-28 00:00")),
                     9 * HD_MS_PER_H);
    assert_int_equal(hd_calendar_elapsed(office, at("Europe/Sofia", "2026-03-30 00:00"),
                                         at("Europe/Sofia", "2026-03-31 00:00")),
                     9 * HD_MS_PER_H);
    /* A calendar open round the clock loses the skipped hour. */
    assert_int_equal(hd_calendar_elapsed(allday, at("Europe/Sofia", "2026-03-28 00:00"),
                                         at("Europe/Sofia", "2026-03-30 00:00")),
                     47 * HD_MS_PER_H);
    assert_int_equal(hd_calendar_elapsed(night, at("Europe/Sofia", "2026-03-28 00:00"),
                                         at("Europe/Sofia", "2026-03-30 00:00")),
                     5 * HD_MS_PER_H);

    /* Fall back (Sunday 25 October 2026, 04:00 -> 03:00). */
    from = at("Europe/Sofia", "2026-10-23 16:00");
    to = at("Europe/Sofia", "2026-10-26 09:00");
    assert_int_equal(hd_calendar_elapsed(office, from, to), 2 * HD_MS_PER_H);
    assert_int_equal(to - from, 66 * HD_MS_PER_H);
    assert_int_equal(hd_calendar_elapsed(allday, at("Europe/Sofia", "2026-10-24 00:00"),
                                         at("Europe/Sofia", "2026-10-26 00:00")),
                     49 * HD_MS_PER_H);
    assert_int_equal(hd_calendar_elapsed(night, at("Europe/Sofia", "2026-10-24 00:00"),
                                         at("Europe/Sofia", "2026-10-26 00:00")),
                     7 * HD_MS_PER_H);
    /* Both passes through 03:30 are open on the night shift. */
    int64_t first = at("Europe/Sofia", "2026-10-25 03:30");
    assert_true(hd_calendar_is_open(night, first));
    assert_true(hd_calendar_is_open(night, first + HD_MS_PER_H));
    assert_int_equal(hd_calendar_add(night, at("Europe/Sofia", "2026-10-25 00:00"),
                                     6 * HD_MS_PER_H + 30 * HD_MS_PER_MIN),
                     at("Europe/Sofia", "2026-10-25 05:30"));
    hd_calendar_free(office);
    hd_calendar_free(allday);
    hd_calendar_free(night);
}

static void elapsed__new_york_spring_night__five_hours(void **state)
{
    struct hd_calendar *night =
        cal_from("{\"zone\":\"America/New_York\",\"hours\":{\"sun\":[\"00:00-06:00\"]}}");
    (void)state;
    assert_int_equal(hd_calendar_elapsed(night, at("America/New_York", "2026-03-08 00:00"),
                                         at("America/New_York", "2026-03-09 00:00")),
                     5 * HD_MS_PER_H);
    assert_int_equal(hd_calendar_elapsed(night, at("America/New_York", "2026-11-01 00:00"),
                                         at("America/New_York", "2026-11-02 00:00")),
                     7 * HD_MS_PER_H);
    hd_calendar_free(night);
}

static void always__24x7__elapsed_is_calendar_time(void **state)
{
    json_t *v = json_string("24x7");
    struct hd_calendar *cal = NULL, *always = hd_calendar_new_always();
    (void)state;
    assert_int_equal(hd_calendar_from_json(v, "sla.calendar", &cal, NULL), HD_OK);
    json_decref(v);
    struct hd_calendar *both[2] = {cal, always};
    for (int i = 0; i < 2; i++) {
        int64_t from = at("UTC", "2026-03-27 16:00");
        assert_int_equal(hd_calendar_elapsed(both[i], from, from + 64 * HD_MS_PER_H),
                         64 * HD_MS_PER_H);
        assert_int_equal(hd_calendar_elapsed(both[i], from, from - 5), 0);
        assert_int_equal(hd_calendar_add(both[i], from, 90 * HD_MS_PER_MIN),
                         from + 90 * HD_MS_PER_MIN);
        assert_true(hd_calendar_is_open(both[i], from));
        assert_int_equal(hd_calendar_elapsed(both[i], INT64_MIN, INT64_MAX), INT64_MAX);
        assert_int_equal(hd_calendar_add(both[i], INT64_MAX - 5, 10), INT64_MAX);
    }
    hd_calendar_free(cal);
    hd_calendar_free(always);
}

static void add__zero_and_closed_times__documented_edges(void **state)
{
    struct hd_calendar *cal = cal_from("{\"zone\":\"Europe/Sofia\",\"hours\":{" WEEKDAYS_8_17 "}}");
    struct hd_calendar *closed = cal_from("{\"zone\":\"UTC\",\"hours\":{\"sun\":[]}}");
    struct hd_calendar *utc_cal =
        cal_from("{\"zone\":\"UTC\",\"hours\":{\"sun\":[\"10:00-11:00\"]},"
                 "\"holidays\":[\"2026-01-04\"]}");
    (void)state;
    int64_t friday_night = at("Europe/Sofia", "2026-01-09 21:00");
    assert_int_equal(hd_calendar_add(cal, friday_night, 0), friday_night);
    assert_int_equal(hd_calendar_add(cal, friday_night, -5), friday_night);
    assert_int_equal(hd_calendar_add(cal, friday_night, 1),
                     at("Europe/Sofia", "2026-01-12 08:00") + 1);
    /* Whole weeks: 45 business hours from Monday 08:00 end on Friday 17:00. */
    int64_t monday = at("Europe/Sofia", "2026-01-12 08:00");
    assert_int_equal(hd_calendar_add(cal, monday, 45 * HD_MS_PER_H),
                     at("Europe/Sofia", "2026-01-16 17:00"));
    assert_int_equal(hd_calendar_add(cal, monday, 450 * HD_MS_PER_H),
                     at("Europe/Sofia", "2026-03-20 17:00"));
    assert_int_equal(hd_calendar_elapsed(closed, 0, INT64_MAX), 0);
    assert_int_equal(hd_calendar_add(closed, 0, 1), INT64_MAX);
    assert_int_equal(hd_calendar_add(closed, 0, 0), 0);
    assert_false(hd_calendar_is_open(closed, 0));
    /* Far beyond any plausible date: no overflow, no endless walk. */
    assert_int_equal(hd_calendar_add(cal, 0, INT64_MAX), INT64_MAX);
    assert_true(hd_calendar_elapsed(utc_cal, INT64_MIN, INT64_MAX) > 0);
    int64_t y0 = at("UTC", "0000-01-01 00:00"), y9999 = at("UTC", "9999-12-31 00:00");
    int64_t all = hd_calendar_elapsed(cal, y0, y9999);
    assert_true(all > 0);
    assert_int_equal(hd_calendar_add(cal, y0, all), at("Europe/Sofia", "9999-12-30 17:00"));
    hd_calendar_free(cal);
    hd_calendar_free(closed);
    hd_calendar_free(utc_cal);
}

/* ------------------------------------------------------------------ */
/* Properties over many random instants                                */

static const char *const prop_cals[] = {
    "{\"zone\":\"Europe/Sofia\",\"hours\":{" WEEKDAYS_8_17 "},"
    "\"holidays\":[\"2026-01-01\",\"2026-03-03\",\"2026-04-10\",\"2026-04-13\",\"2026-12-24\","
    "\"2026-12-25\",\"2027-01-01\",\"2026-03-30\",\"2026-10-26\"]}",
    "{\"zone\":\"America/New_York\",\"hours\":{\"tue\":[\"13:00-17:00\",\"08:00-12:00\"],"
    "\"thu\":[\"08:00-12:00\",\"12:00-18:30\"],\"sat\":[\"10:00-14:00\"],"
    "\"sun\":[\"00:00-06:00\",\"22:00-24:00\"]},\"holidays\":[\"2026-07-04\"]}",
    "{\"zone\":\"Europe/Sofia\",\"hours\":{" ALL_DAY "}}",
    "{\"zone\":\"America/Santiago\",\"hours\":{\"sat\":[\"22:00-24:00\"],"
    "\"sun\":[\"00:00-02:00\",\"23:00-24:00\"]}}",
    "{\"zone\":\"Australia/Lord_Howe\",\"hours\":{" WEEKDAYS_9_17 ",\"sun\":[\"01:00-03:00\"]}}",
    "\"24x7\"",
};

static void add__random_pairs__inverse_of_elapsed(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(prop_cals) / sizeof(prop_cals[0]); c++) {
        struct hd_calendar *cal = cal_from(prop_cals[c]);
        int64_t lo = at("UTC", "2025-06-01 00:00"), hi = at("UTC", "2027-06-01 00:00");
        for (int i = 0; i < 4000; i++) {
            int64_t from = lo + (int64_t)(next_rand() % (uint64_t)(hi - lo));
            int64_t d = (int64_t)(next_rand() % (uint64_t)(i % 10 ? 300 : 3000)) * HD_MS_PER_H / 7;
            if (i % 3 == 0) {
                from -= from % HD_MS_PER_H; /* land on opening and closing edges */
            }
            int64_t t = hd_calendar_add(cal, from, d);
            int64_t back = hd_calendar_elapsed(cal, from, t);
            /* Earliest: the millisecond before t was still business time. */
            if (t < from || back != d ||
                (d > 0 && (hd_calendar_elapsed(cal, from, t - 1) != d - 1 ||
                           !hd_calendar_is_open(cal, t - 1)))) {
                fail_msg("calendar %zu: from %lld d %lld gave %lld (elapsed %lld)", c,
                         (long long)from, (long long)d, (long long)t, (long long)back);
            }
        }
        hd_calendar_free(cal);
    }
}

static void elapsed__random_splits__additive(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(prop_cals) / sizeof(prop_cals[0]); c++) {
        struct hd_calendar *cal = cal_from(prop_cals[c]);
        int64_t lo = at("UTC", "2025-06-01 00:00"), span = 400 * HD_MS_PER_DAY;
        for (int i = 0; i < 2000; i++) {
            int64_t a = lo + (int64_t)(next_rand() % (uint64_t)span);
            int64_t b = a + (int64_t)(next_rand() % (uint64_t)(i % 2 ? 60 : 5) * HD_MS_PER_DAY);
            int64_t m = a + (b > a ? (int64_t)(next_rand() % (uint64_t)(b - a)) : 0);
            assert_int_equal(hd_calendar_elapsed(cal, a, b),
                             hd_calendar_elapsed(cal, a, m) + hd_calendar_elapsed(cal, m, b));
        }
        hd_calendar_free(cal);
    }
}

static void elapsed__dst_weeks__agrees_with_minute_by_minute_is_open(void **state)
{
    static const char *const starts[] = {"2026-03-24 00:00", "2026-10-20 00:00",
                                         "2026-03-05 00:00", "2026-10-29 00:00",
                                         "2026-04-01 00:00", "2026-09-03 00:00"};
    (void)state;
    for (size_t c = 0; c + 1 < sizeof(prop_cals) / sizeof(prop_cals[0]); c++) {
        struct hd_calendar *cal = cal_from(prop_cals[c]);
        for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
            int64_t from = at("UTC", starts[s]), count = 0;
            for (int64_t t = from; t < from + 10 * HD_MS_PER_DAY; t += HD_MS_PER_MIN) {
                count += hd_calendar_is_open(cal, t) ? HD_MS_PER_MIN : 0;
            }
            int64_t got = hd_calendar_elapsed(cal, from, from + 10 * HD_MS_PER_DAY);
            if (got != count) {
                fail_msg("calendar %zu from %s: elapsed %lld, minutes open %lld", c, starts[s],
                         (long long)got, (long long)count);
            }
        }
        hd_calendar_free(cal);
    }
}

static void elapsed__years__equals_sum_of_days(void **state)
{
    (void)state;
    for (size_t c = 0; c + 1 < sizeof(prop_cals) / sizeof(prop_cals[0]); c++) {
        struct hd_calendar *cal = cal_from(prop_cals[c]);
        int64_t from = at("UTC", "2024-11-03 05:17") + 123, sum = 0, t = from;
        for (int d = 0; d < 3 * 366; d++, t += HD_MS_PER_DAY) {
            sum += hd_calendar_elapsed(cal, t, t + HD_MS_PER_DAY);
        }
        assert_int_equal(hd_calendar_elapsed(cal, from, t), sum);
        assert_int_equal(hd_calendar_elapsed(cal, from, hd_calendar_add(cal, from, sum)), sum);
        hd_calendar_free(cal);
    }
}

/* ------------------------------------------------------------------ */
/* Loading and validation                                              */

struct bad_json {
    const char *text;
    const char *msg;
};

static void from_json__invalid__error_names_the_path(void **state)
{
    const struct bad_json cases[] = {
        {"{\"zone\":\"Europe/Sofia\",\"hours\":{\"mon\":[\"8-17\"]}}",
         "hours.mon[0]: bad interval '8-17'"},
        {"{\"zone\":\"UTC\",\"hours\":{\"mon\":[\"08:00-17:00\",\"8:00-17:00\"]}}",
         "hours.mon[1]: bad interval '8:00-17:00'"},
        {"{\"zone\":\"UTC\",\"hours\":{\"mon\":[\"08:00-17:00 \"]}}",
         "hours.mon[0]: bad interval '08:00-17:00 '"},
        {"{\"zone\":\"UTC\",\"hours\":{\"fri\":[\"08:60-17:00\"]}}",
         "hours.fri[0]: bad interval '08:60-17:00'"},
        {"{\"zone\":\"UTC\",\"hours\":{\"fri\":[\"24:00-24:00\"]}}",
         "hours.fri[0]: bad interval '24:00-24:00'"},
        {"{\"zone\":\"UTC\",\"hours\":{\"fri\":[\"20:00-24:30\"]}}",
         "hours.fri[0]: bad interval '20:00-24:30'"},
        {"{\"zone\":\"UTC\",\"hours\":{\"tue\":[\"17:00-08:00\"]}}",
         "hours.tue[0]: bad interval '17:00-08:00': end is not after start"},
        {"{\"zone\":\"UTC\",\"hours\":{\"tue\":[\"09:00-09:00\"]}}",
         "hours.tue[0]: bad interval '09:00-09:00': end is not after start"},
        {"{\"zone\":\"UTC\",\"hours\":{\"wed\":[\"09:00-12:00\",\"08:00-10:00\"]}}",
         "hours.wed: intervals ending 10:00 and starting 09:00 overlap"},
        {"{\"zone\":\"UTC\",\"hours\":{\"mon\":\"08:00-17:00\"}}",
         "hours.mon: expected an array of intervals"},
        {"{\"zone\":\"UTC\",\"hours\":{\"mon\":[8]}}", "hours.mon[0]: expected a string"},
        {"{\"zone\":\"UTC\",\"hours\":{\"monday\":[]}}", "hours: unknown day 'monday'"},
        {"{\"zone\":\"UTC\",\"hours\":[]}", "hours: expected an object"},
        {"{\"zone\":\"Mars/Base\",\"hours\":{}}", "zone: unknown time zone 'Mars/Base'"},
        {"{\"zone\":\"../etc/passwd\",\"hours\":{}}", "zone: unknown time zone '../etc/passwd'"},
        {"{\"zone\":3,\"hours\":{}}", "zone: expected a string"},
        {"{\"zone\":\"UTC\",\"hour\":{}}", "unknown field 'hour'"},
        {"{\"hours\":{}}", "missing field 'zone'"},
        {"{\"zone\":\"UTC\"}", "missing field 'hours'"},
        {"{\"zone\":\"UTC\",\"hours\":{},\"holidays\":[\"2026-12-25\",\"2026-12-26\","
         "\"2026-13-01\"]}",
         "holidays[2]: bad date '2026-13-01'"},
        {"{\"zone\":\"UTC\",\"hours\":{},\"holidays\":[\"2023-02-29\"]}",
         "holidays[0]: bad date '2023-02-29'"},
        {"{\"zone\":\"UTC\",\"hours\":{},\"holidays\":[\"2026-1-01\"]}",
         "holidays[0]: bad date '2026-1-01'"},
        {"{\"zone\":\"UTC\",\"hours\":{},\"holidays\":[\"2026-01-01 00:00\"]}",
         "holidays[0]: bad date '2026-01-01 00:00'"},
        {"{\"zone\":\"UTC\",\"hours\":{},\"holidays\":[20260101]}",
         "holidays[0]: expected a string"},
        {"{\"zone\":\"UTC\",\"hours\":{},\"holidays\":\"2026-01-01\"}",
         "holidays: expected an array of dates"},
        {"\"24/7\"", "expected an object or \"24x7\""},
        {"42", "expected an object or \"24x7\""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = json_loads(cases[i].text, JSON_DECODE_ANY, NULL);
        struct hd_calendar *cal = (struct hd_calendar *)&cal;
        struct hd_err err = HD_ERR_INIT;
        assert_non_null(v);
        int rc = hd_calendar_from_json(v, "clients.acme.calendar", &cal, &err);
        json_decref(v);
        if (rc != HD_EINPUT || cal != NULL || strcmp(err.msg, cases[i].msg) != 0 ||
            strcmp(err.src, "clients.acme.calendar") != 0 || err.line != 0) {
            fail_msg("%s: rc %d src '%s' msg '%s', want '%s'", cases[i].text, rc, err.src, err.msg,
                     cases[i].msg);
        }
    }
}

static void from_json__valid_forms__accepted(void **state)
{
    (void)state;
    /* Touching intervals merge; 24:00 ends a day; duplicate holidays are fine. */
    struct hd_calendar *cal =
        cal_from("{\"zone\":\"UTC\",\"hours\":{\"mon\":[\"12:00-24:00\",\"00:00-12:00\"],"
                 "\"tue\":[]},\"holidays\":[\"2026-01-12\",\"2026-01-12\",\"2024-02-29\"]}");
    int64_t monday = at("UTC", "2026-01-05 00:00");
    assert_int_equal(hd_calendar_elapsed(cal, monday - HD_MS_PER_H, monday + 2 * HD_MS_PER_DAY),
                     24 * HD_MS_PER_H);
    assert_true(hd_calendar_is_open(cal, at("UTC", "2026-01-05 12:00")));
    assert_false(hd_calendar_is_open(cal, at("UTC", "2026-01-12 12:00")));
    assert_true(hd_calendar_is_open(cal, at("UTC", "2026-01-19 12:00")));
    hd_calendar_free(cal);
}

static void load__files__parse_io_and_json_errors(void **state)
{
    char path[] = "/tmp/hd_test_cal_XXXXXX";
    int fd = mkstemp(path);
    struct hd_calendar *cal = NULL;
    struct hd_err err = HD_ERR_INIT;
    (void)state;
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"zone\": \"Europe/Sofia\",\n \"hours\": {\"mon\": [\"08:00-17:00\"]}}\n", f);
    fclose(f);
    assert_int_equal(hd_calendar_load(path, &cal, &err), HD_OK);
    assert_true(hd_calendar_is_open(cal, at("Europe/Sofia", "2026-01-12 08:00")));
    hd_calendar_free(cal);

    f = fopen(path, "w");
    fputs("{\"zone\": \"UTC\",\n \"hours\": {\"mon\": [\"08:00-17:00\",]}}\n", f);
    fclose(f);
    assert_int_equal(hd_calendar_load(path, &cal, &err), HD_EINPUT);
    assert_null(cal);
    assert_string_equal(err.src, path);
    assert_int_equal(err.line, 2);

    f = fopen(path, "w");
    fputs("{\"zone\": \"UTC\", \"zone\": \"UTC\", \"hours\": {}}", f);
    fclose(f);
    assert_int_equal(hd_calendar_load(path, &cal, &err), HD_EINPUT);

    f = fopen(path, "w");
    fputs("{\"zone\": \"UTC\", \"hours\": {\"sun\": [\"1-2\"]}}", f);
    fclose(f);
    assert_int_equal(hd_calendar_load(path, &cal, &err), HD_EINPUT);
    assert_string_equal(err.src, path);
    assert_string_equal(err.msg, "hours.sun[0]: bad interval '1-2'");

    unlink(path);
    assert_int_equal(hd_calendar_load(path, &cal, &err), HD_EIO);
    assert_null(cal);
    assert_string_equal(err.src, path);
    hd_calendar_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(elapsed__friday_night_to_monday__one_and_a_half_hours),
        cmocka_unit_test(elapsed__afternoon_to_next_morning__three_hours),
        cmocka_unit_test(elapsed__holiday_between__skipped),
        cmocka_unit_test(elapsed__sofia_dst_weekends__wall_hours_real_time),
        cmocka_unit_test(elapsed__new_york_spring_night__five_hours),
        cmocka_unit_test(always__24x7__elapsed_is_calendar_time),
        cmocka_unit_test(add__zero_and_closed_times__documented_edges),
        cmocka_unit_test(add__random_pairs__inverse_of_elapsed),
        cmocka_unit_test(elapsed__random_splits__additive),
        cmocka_unit_test(elapsed__dst_weeks__agrees_with_minute_by_minute_is_open),
        cmocka_unit_test(elapsed__years__equals_sum_of_days),
        cmocka_unit_test(from_json__invalid__error_names_the_path),
        cmocka_unit_test(from_json__valid_forms__accepted),
        cmocka_unit_test(load__files__parse_io_and_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
