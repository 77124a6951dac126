/*
 * Business-hours calendars: loading the JSON form, and counting open time.
 * Opening hours are wall-clock intervals, but business time is real elapsed
 * time while the wall clock shows an open hour, so every count walks the
 * stretches of constant UTC offset that hd_tz_next_transition() marks out.
 */
#include "core/calendar.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/time.h"

#define WEEK_MS (7 * HD_MS_PER_DAY)
/* Instants are clamped to +-3 million years so offset arithmetic cannot overflow. */
#define CAL_LIMIT 100000000000000000LL

struct cal_iv {
    int64_t s, e; /* ms after local midnight, 0 <= s < e <= 24h */
};

/*
 * Invariants: each day's intervals are sorted and disjoint (touching ones
 * merged); holidays are sorted and unique; week_ms is the sum of all
 * intervals. The always-open calendar has no zone and no intervals.
 */
struct hd_calendar {
    int always;           /* 24x7: everything is business time */
    struct hd_tz *tz;     /* owned */
    struct cal_iv *iv[7]; /* by weekday, 0 = Sunday */
    size_t niv[7];
    int64_t week_ms;   /* open time in any 7 days without holidays */
    int64_t *holidays; /* local days since the epoch */
    size_t nholidays;
};

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct hd_calendar *hd_calendar_new_always(void)
{
    struct hd_calendar *cal = hd_xcalloc(1, sizeof(*cal));
    cal->always = 1;
    return cal;
}

void hd_calendar_free(struct hd_calendar *cal)
{
    if (!cal) {
        return;
    }
    hd_tz_free(cal->tz);
    for (int d = 0; d < 7; d++) {
        free(cal->iv[d]);
    }
    free(cal->holidays);
    free(cal);
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static int two_digits(const char *p, int *out)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return -1;
    }
    *out = (p[0] - '0') * 10 + (p[1] - '0');
    return 0;
}

/* "HH:MM-HH:MM"; 24:00 may end an interval. */
static int parse_interval(const char *s, struct cal_iv *iv)
{
    int h1, m1, h2, m2;
    if (strlen(s) != 11 || s[2] != ':' || s[5] != '-' || s[8] != ':' || two_digits(s, &h1) ||
        two_digits(s + 3, &m1) || two_digits(s + 6, &h2) || two_digits(s + 9, &m2) || h1 > 23 ||
        m1 > 59 || h2 > 24 || m2 > 59 || (h2 == 24 && m2 != 0)) {
        return -1;
    }
    iv->s = h1 * HD_MS_PER_H + m1 * HD_MS_PER_MIN;
    iv->e = h2 * HD_MS_PER_H + m2 * HD_MS_PER_MIN;
    return 0;
}

static int cmp_iv(const void *a, const void *b)
{
    const struct cal_iv *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int load_day(struct hd_calendar *cal, int d, json_t *arr, const char *where,
                    struct hd_err *err)
{
    const char *dn = day_names[d];
    if (!json_is_array(arr)) {
        return hd_err_set(err, HD_EINPUT, where, 0, "hours.%s: expected an array of intervals", dn);
    }
    size_t n = json_array_size(arr);
    cal->iv[d] = hd_xcalloc(n ? n : 1, sizeof(struct cal_iv));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        struct cal_iv iv;
        if (!json_is_string(e)) {
            return hd_err_set(err, HD_EINPUT, where, 0, "hours.%s[%zu]: expected a string", dn, i);
        }
        const char *s = json_string_value(e);
        if (parse_interval(s, &iv)) {
            return hd_err_set(err, HD_EINPUT, where, 0, "hours.%s[%zu]: bad interval '%.40s'", dn,
                              i, s);
        }
        if (iv.s >= iv.e) {
            return hd_err_set(err, HD_EINPUT, where, 0,
                              "hours.%s[%zu]: bad interval '%.40s': end is not after start", dn, i,
                              s);
        }
        cal->iv[d][i] = iv;
    }
    qsort(cal->iv[d], n, sizeof(struct cal_iv), cmp_iv);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && cal->iv[d][i].s < cal->iv[d][k - 1].e) {
            const struct cal_iv *a = &cal->iv[d][k - 1], *b = &cal->iv[d][i];
            return hd_err_set(err, HD_EINPUT, where, 0,
                              "hours.%s: intervals ending %02d:%02d and starting %02d:%02d overlap",
                              dn, (int)(a->e / HD_MS_PER_H), (int)(a->e / HD_MS_PER_MIN % 60),
                              (int)(b->s / HD_MS_PER_H), (int)(b->s / HD_MS_PER_MIN % 60));
        }
        if (k > 0 && cal->iv[d][i].s == cal->iv[d][k - 1].e) {
            cal->iv[d][k - 1].e = cal->iv[d][i].e;
        } else {
            cal->iv[d][k++] = cal->iv[d][i];
        }
    }
    cal->niv[d] = k;
    for (size_t i = 0; i < k; i++) {
        cal->week_ms += cal->iv[d][i].e - cal->iv[d][i].s;
    }
    return HD_OK;
}

static int load_hours(struct hd_calendar *cal, json_t *hours, const char *where, struct hd_err *err)
{
    const char *key;
    json_t *val;
    if (!json_is_object(hours)) {
        return hd_err_set(err, HD_EINPUT, where, 0, "hours: expected an object");
    }
    json_object_foreach(hours, key, val)
    {
        int d = 0;
        while (d < 7 && strcmp(key, day_names[d]) != 0) {
            d++;
        }
        if (d == 7) {
            return hd_err_set(err, HD_EINPUT, where, 0, "hours: unknown day '%.40s'", key);
        }
        int rc = load_day(cal, d, val, where, err);
        if (rc) {
            return rc;
        }
    }
    return HD_OK;
}

static int load_holidays(struct hd_calendar *cal, json_t *arr, const char *where,
                         struct hd_err *err)
{
    if (!json_is_array(arr)) {
        return hd_err_set(err, HD_EINPUT, where, 0, "holidays: expected an array of dates");
    }
    size_t n = json_array_size(arr);
    cal->holidays = hd_xcalloc(n ? n : 1, sizeof(int64_t));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *s = json_is_string(e) ? json_string_value(e) : NULL;
        int64_t ms;
        /* A date is a time at midnight: reuse the validating parser. */
        char buf[24];
        if (!s || strlen(s) != 10) {
            goto bad;
        }
        snprintf(buf, sizeof(buf), "%s 00:00", s);
        if (hd_time_parse(buf, strlen(buf), HD_TF_YMD, NULL, &ms, NULL)) {
            goto bad;
        }
        cal->holidays[i] = ms / HD_MS_PER_DAY;
        continue;
    bad:
        if (!s) {
            return hd_err_set(err, HD_EINPUT, where, 0, "holidays[%zu]: expected a string", i);
        }
        return hd_err_set(err, HD_EINPUT, where, 0, "holidays[%zu]: bad date '%.40s'", i, s);
    }
    qsort(cal->holidays, n, sizeof(int64_t), cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k == 0 || cal->holidays[k - 1] != cal->holidays[i]) {
            cal->holidays[k++] = cal->holidays[i];
        }
    }
    cal->nholidays = k;
    return HD_OK;
}

int hd_calendar_from_json(const struct json_t *cv, const char *where, struct hd_calendar **out,
                          struct hd_err *err)
{
    /* jansson's getters take non-const pointers; nothing here writes. */
    json_t *v = (json_t *)cv;
    struct hd_calendar *cal = NULL;
    const char *key;
    json_t *val, *zone = NULL, *hours = NULL, *holidays = NULL;
    int rc = HD_OK;

    *out = NULL;
    where = where ? where : "";
    if (json_is_string(v) && strcmp(json_string_value(v), "24x7") == 0) {
        *out = hd_calendar_new_always();
        return HD_OK;
    }
    if (!json_is_object(v)) {
        return hd_err_set(err, HD_EINPUT, where, 0, "expected an object or \"24x7\"");
    }
    json_object_foreach(v, key, val)
    {
        if (strcmp(key, "zone") == 0) {
            zone = val;
        } else if (strcmp(key, "hours") == 0) {
            hours = val;
        } else if (strcmp(key, "holidays") == 0) {
            holidays = val;
        } else {
            return hd_err_set(err, HD_EINPUT, where, 0, "unknown field '%.60s'", key);
        }
    }
    if (!zone) {
        return hd_err_set(err, HD_EINPUT, where, 0, "missing field 'zone'");
    }
    if (!hours) {
        return hd_err_set(err, HD_EINPUT, where, 0, "missing field 'hours'");
    }
    if (!json_is_string(zone)) {
        return hd_err_set(err, HD_EINPUT, where, 0, "zone: expected a string");
    }
    cal = hd_xcalloc(1, sizeof(*cal));
    struct hd_err tzerr = HD_ERR_INIT;
    if ((rc = hd_tz_open(json_string_value(zone), &cal->tz, &tzerr))) {
        rc = hd_err_set(err, (enum hd_rc)rc, where, 0, "zone: %s", tzerr.msg);
        goto out;
    }
    if ((rc = load_hours(cal, hours, where, err))) {
        goto out;
    }
    if (holidays && (rc = load_holidays(cal, holidays, where, err))) {
        goto out;
    }
    *out = cal;
    cal = NULL;
out:
    hd_calendar_free(cal);
    return rc;
}

int hd_calendar_load(const char *path, struct hd_calendar **out, struct hd_err *err)
{
    json_error_t jerr;
    *out = NULL;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_cannot_open_file) {
            return hd_err_set(err, HD_EIO, path, 0, "cannot read calendar: %s", jerr.text);
        }
        return hd_err_set(err, HD_EINPUT, path, jerr.line, "bad JSON: %s", jerr.text);
    }
    int rc = hd_calendar_from_json(root, path, out, err);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Counting business time                                              */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t clamp(int64_t t)
{
    return t < -CAL_LIMIT ? -CAL_LIMIT : t > CAL_LIMIT ? CAL_LIMIT : t;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Index of the first holiday >= day. */
static size_t holiday_from(const struct hd_calendar *cal, int64_t day)
{
    size_t lo = 0, hi = cal->nholidays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->holidays[mid] < day) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int is_holiday(const struct hd_calendar *cal, int64_t day)
{
    size_t i = holiday_from(cal, day);
    return i < cal->nholidays && cal->holidays[i] == day;
}

static int weekday(int64_t day)
{
    return (int)(((day + 4) % 7 + 7) % 7);
}

/*
 * The first open wall-clock stretch that ends after wall time w and starts
 * before wlimit, as [*ws, *we) with *ws >= w. Returns 0 when there is none.
 * Needs week_ms > 0 to terminate.
 */
static int wall_next(const struct hd_calendar *cal, int64_t w, int64_t wlimit, int64_t *ws,
                     int64_t *we)
{
    for (int64_t day = floor_div(w, HD_MS_PER_DAY);; day++) {
        int64_t base = day * HD_MS_PER_DAY;
        if (base >= wlimit) {
            return 0;
        }
        if (is_holiday(cal, day)) {
            continue;
        }
        int d = weekday(day);
        for (size_t i = 0; i < cal->niv[d]; i++) {
            if (base + cal->iv[d][i].e > w) {
                *ws = base + cal->iv[d][i].s > w ? base + cal->iv[d][i].s : w;
                *we = base + cal->iv[d][i].e;
                return *ws < wlimit;
            }
        }
    }
}

/*
 * The first open stretch of real time that ends after u and starts before
 * limit, as [*s, *e) with *s >= u; stretches are cut at offset changes, so
 * one opening hour can come back as two pieces. Returns 0 when none.
 */
static int next_open(const struct hd_calendar *cal, int64_t u, int64_t limit, int64_t *s,
                     int64_t *e)
{
    while (u < limit) {
        int64_t off = hd_tz_offset_ms(cal->tz, u);
        int64_t seg_end = hd_tz_next_transition(cal->tz, u);
        int64_t stop = min64(seg_end, limit);
        int64_t ws, we;
        if (wall_next(cal, u + off, stop + off, &ws, &we)) {
            *s = ws - off;
            *e = min64(we - off, seg_end);
            return 1;
        }
        u = seg_end;
    }
    return 0;
}

/*
 * Whole weeks that can be skipped from u: the offset stays constant and no
 * holiday falls in them, so each holds exactly week_ms of business time.
 */
static int64_t free_weeks(const struct hd_calendar *cal, int64_t u, int64_t max_weeks)
{
    if (max_weeks <= 0) {
        return 0;
    }
    int64_t off = hd_tz_offset_ms(cal->tz, u);
    int64_t seg_end = min64(hd_tz_next_transition(cal->tz, u), CAL_LIMIT);
    int64_t k = min64(max_weeks, (seg_end - u) / WEEK_MS);
    int64_t w = u + off;
    size_t h = holiday_from(cal, floor_div(w, HD_MS_PER_DAY));
    if (h < cal->nholidays) {
        k = min64(k, floor_div(cal->holidays[h] * HD_MS_PER_DAY - w, WEEK_MS));
    }
    return k > 0 ? k : 0;
}

int64_t hd_calendar_elapsed(const struct hd_calendar *cal, int64_t from_ms, int64_t to_ms)
{
    if (to_ms <= from_ms) {
        return 0;
    }
    if (cal->always) {
        if (from_ms < 0 && to_ms > INT64_MAX + from_ms) {
            return INT64_MAX;
        }
        return to_ms - from_ms;
    }
    if (cal->week_ms == 0) {
        return 0;
    }
    int64_t u = clamp(from_ms), to = clamp(to_ms), total = 0, s, e;
    while (u < to) {
        int64_t k = free_weeks(cal, u, (to - u) / WEEK_MS);
        if (k > 0) {
            total += k * cal->week_ms;
            u += k * WEEK_MS;
            continue;
        }
        if (!next_open(cal, u, to, &s, &e)) {
            break;
        }
        total += min64(e, to) - s;
        u = e;
    }
    return total;
}

int64_t hd_calendar_add(const struct hd_calendar *cal, int64_t from_ms, int64_t business_ms)
{
    if (business_ms <= 0) {
        return from_ms;
    }
    if (cal->always) {
        return from_ms > INT64_MAX - business_ms ? INT64_MAX : from_ms + business_ms;
    }
    if (cal->week_ms == 0 || from_ms >= CAL_LIMIT) {
        return INT64_MAX;
    }
    int64_t u = clamp(from_ms), rem = business_ms, s, e;
    /* A real week holds at most week_ms plus a DST overlap or two: give up
     * early on spans past the clamp rather than walk millions of years. */
    int64_t per_week = min64(WEEK_MS, cal->week_ms + HD_MS_PER_DAY);
    if (rem / per_week > (CAL_LIMIT - u) / WEEK_MS + 1) {
        return INT64_MAX;
    }
    for (;;) {
        /* Keep rem > 0 so the answer is the end of an open stretch, not after it. */
        int64_t k = free_weeks(cal, u, min64((rem - 1) / cal->week_ms, (CAL_LIMIT - u) / WEEK_MS));
        if (k > 0) {
            rem -= k * cal->week_ms;
            u += k * WEEK_MS;
            continue;
        }
        if (!next_open(cal, u, CAL_LIMIT, &s, &e)) {
            return INT64_MAX;
        }
        if (e - s >= rem) {
            return s + rem;
        }
        rem -= e - s;
        u = e;
    }
}

int hd_calendar_is_open(const struct hd_calendar *cal, int64_t t_ms)
{
    if (cal->always) {
        return 1;
    }
    int64_t t = clamp(t_ms);
    int64_t w = t + hd_tz_offset_ms(cal->tz, t);
    int64_t day = floor_div(w, HD_MS_PER_DAY);
    int64_t tod = w - day * HD_MS_PER_DAY;
    if (is_holiday(cal, day)) {
        return 0;
    }
    int d = weekday(day);
    for (size_t i = 0; i < cal->niv[d]; i++) {
        if (tod >= cal->iv[d][i].s && tod < cal->iv[d][i].e) {
            return 1;
        }
    }
    return 0;
}
