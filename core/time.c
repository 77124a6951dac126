/*
 * Civil-time arithmetic, parsing and formatting of instants and durations.
 * hd_time_parse runs once per input row, so it reads digits by hand and
 * never allocates or calls libc time functions; only its error path formats
 * a message. Zones (TZif files, POSIX rules) live in tz.c.
 */
#include "core/time.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"

/* Instants we parse or format: years 0000 through 9999. */
#define MIN_INSTANT_MS (-62167219200000LL)
#define MAX_INSTANT_MS 253402300799999LL
/* Offsets allowed in a value: +-18:00, as in java.time and RFC 3339 use. */
#define MAX_OFFSET_MS (18 * HD_MS_PER_H)
/* How much of a bad value an error message repeats. */
#define ECHO_MAX 64

/* ------------------------------------------------------------------ */
/* Civil time                                                          */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* Howard Hinnant's days_from_civil: exact over the whole int range. */
int64_t hd_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t m = month;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void hd_civil_from_ms(int64_t ms, int64_t offset_ms, struct hd_civil *out)
{
    /* Saturate rather than overflow at the far ends of the range. */
    if (offset_ms > 0 && ms > INT64_MAX - offset_ms) {
        ms = INT64_MAX;
    } else if (offset_ms < 0 && ms < INT64_MIN - offset_ms) {
        ms = INT64_MIN;
    } else {
        ms += offset_ms;
    }
    int64_t z = floor_div(ms, HD_MS_PER_DAY);
    int64_t tod = ms - z * HD_MS_PER_DAY;
    out->wday = (int)(((z + 4) % 7 + 7) % 7);
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    out->year = (int)(yoe + era * 400 + (m <= 2));
    out->month = (int)m;
    out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    out->hour = (int)(tod / HD_MS_PER_H);
    out->min = (int)(tod / HD_MS_PER_MIN % 60);
    out->sec = (int)(tod / HD_MS_PER_S % 60);
    out->ms = (int)(tod % 1000);
}

int64_t hd_ms_from_civil(const struct hd_civil *c)
{
    return hd_days_from_civil(c->year, c->month, c->day) * HD_MS_PER_DAY + c->hour * HD_MS_PER_H +
           c->min * HD_MS_PER_MIN + c->sec * HD_MS_PER_S + c->ms;
}

/* ------------------------------------------------------------------ */
/* Parsing instants                                                    */

static const struct {
    const char *name;
    enum hd_time_fmt fmt;
} fmt_names[] = {
    {"iso8601", HD_TF_ISO8601}, {"ymd", HD_TF_YMD},       {"dmy", HD_TF_DMY},
    {"mdy", HD_TF_MDY},         {"epoch", HD_TF_EPOCH_S}, {"epoch_ms", HD_TF_EPOCH_MS},
};

int hd_time_fmt_from_name(const char *name, enum hd_time_fmt *out, struct hd_err *err)
{
    for (size_t i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++) {
        if (strcmp(name, fmt_names[i].name) == 0) {
            *out = fmt_names[i].fmt;
            return HD_OK;
        }
    }
    return hd_err_set(err, HD_EINPUT, NULL, 0, "unknown time format '%.100s'", name);
}

/* A cursor over the value; the parse helpers return a reason or NULL. */
struct cur {
    const char *s;
    size_t n, i;
};

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Read between lo and hi digits; -1 when fewer than lo are there. */
static int digits(struct cur *c, int lo, int hi, int *out)
{
    int v = 0, k = 0;
    while (k < hi && c->i < c->n && is_digit(c->s[c->i])) {
        v = v * 10 + (c->s[c->i++] - '0');
        k++;
    }
    if (k < lo) {
        return -1;
    }
    *out = v;
    return 0;
}

static int accept(struct cur *c, char ch)
{
    if (c->i < c->n && c->s[c->i] == ch) {
        c->i++;
        return 1;
    }
    return 0;
}

/* Fractional seconds after '.' or ',': kept to ms, further digits dropped. */
static const char *fraction(struct cur *c, int *ms)
{
    int k = 0, v = 0;
    while (c->i < c->n && is_digit(c->s[c->i])) {
        if (k < 3) {
            v = v * 10 + (c->s[c->i] - '0');
        }
        c->i++;
        k++;
    }
    if (k == 0 || k > 9) {
        return "bad fraction of a second";
    }
    for (; k < 3; k++) {
        v *= 10;
    }
    *ms = v;
    return NULL;
}

static const char *check_fields(const struct hd_civil *t)
{
    if (t->month < 1 || t->month > 12) {
        return "month out of range";
    }
    if (t->day < 1 || t->day > days_in_month(t->year, t->month)) {
        return "day out of range";
    }
    if (t->hour > 23) {
        return "hour out of range";
    }
    if (t->min > 59) {
        return "minute out of range";
    }
    if (t->sec > 59) {
        return "second out of range";
    }
    return NULL;
}

/* HH:MM[:SS[.fff]] (two-digit hour) or H:MM[:SS] (one or two). */
static const char *clock_time(struct cur *c, int hour_lo, int allow_frac, struct hd_civil *t)
{
    if (c->i >= c->n) {
        return "missing time";
    }
    if (digits(c, hour_lo, 2, &t->hour) || !accept(c, ':') || digits(c, 2, 2, &t->min)) {
        return hour_lo == 2 ? "expected time 'HH:MM[:SS]'" : "expected time 'H:MM[:SS]'";
    }
    if (accept(c, ':')) {
        if (digits(c, 2, 2, &t->sec)) {
            return "expected two-digit seconds";
        }
        if (allow_frac && (accept(c, '.') || accept(c, ','))) {
            return fraction(c, &t->ms);
        }
    }
    return NULL;
}

/* Z, +hh:mm, +hhmm or +hh; *has_off is 0 when the value carries none. */
static const char *utc_offset(struct cur *c, int *has_off, int64_t *off_ms)
{
    *has_off = 0;
    if (c->i >= c->n) {
        return NULL;
    }
    if (accept(c, 'Z') || accept(c, 'z')) {
        *has_off = 1;
        *off_ms = 0;
        return NULL;
    }
    char sign = c->s[c->i];
    if (sign != '+' && sign != '-') {
        return "trailing characters";
    }
    c->i++;
    int h, m = 0;
    if (digits(c, 2, 2, &h)) {
        return "bad offset";
    }
    if (accept(c, ':')) {
        if (digits(c, 2, 2, &m)) {
            return "bad offset";
        }
    } else if (c->i < c->n && is_digit(c->s[c->i]) && digits(c, 2, 2, &m)) {
        return "bad offset";
    }
    if (m > 59) {
        return "bad offset";
    }
    int64_t off = h * HD_MS_PER_H + m * HD_MS_PER_MIN;
    if (off > MAX_OFFSET_MS) {
        return "offset out of range";
    }
    *has_off = 1;
    *off_ms = sign == '-' ? -off : off;
    return NULL;
}

/* YYYY-MM-DD, then 'T', 't' or ' ' (ISO) or ' ' only (ymd), then the time. */
static const char *parse_ymd(struct cur *c, int iso, struct hd_civil *t, int *has_off,
                             int64_t *off_ms)
{
    const char *why;
    if (digits(c, 4, 4, &t->year) || !accept(c, '-') || digits(c, 2, 2, &t->month) ||
        !accept(c, '-') || digits(c, 2, 2, &t->day)) {
        return "expected date 'YYYY-MM-DD'";
    }
    if (c->i >= c->n) {
        return "missing time";
    }
    if (!(accept(c, ' ') || (iso && (accept(c, 'T') || accept(c, 't'))))) {
        return iso ? "expected 'T' or ' ' after the date" : "expected ' ' after the date";
    }
    if ((why = clock_time(c, 2, 1, t))) {
        return why;
    }
    if (iso && (why = utc_offset(c, has_off, off_ms))) {
        return why;
    }
    return NULL;
}

/* D/M/YYYY H:MM[:SS] or M/D/YYYY H:MM[:SS]. */
static const char *parse_slash(struct cur *c, int day_first, struct hd_civil *t)
{
    int a, b;
    if (digits(c, 1, 2, &a) || !accept(c, '/') || digits(c, 1, 2, &b) || !accept(c, '/') ||
        digits(c, 4, 4, &t->year)) {
        return day_first ? "expected date 'D/M/YYYY'" : "expected date 'M/D/YYYY'";
    }
    t->day = day_first ? a : b;
    t->month = day_first ? b : a;
    if (c->i >= c->n) {
        return "missing time";
    }
    if (!accept(c, ' ')) {
        return "expected ' ' after the date";
    }
    return clock_time(c, 1, 0, t);
}

/* [-]digits[.digits] seconds, or [-]digits milliseconds. */
static const char *parse_epoch(struct cur *c, int in_ms, int64_t *out)
{
    int neg = accept(c, '-');
    int64_t v = 0;
    int k = 0;
    while (c->i < c->n && is_digit(c->s[c->i])) {
        if (k >= 16) {
            return "out of range";
        }
        v = v * 10 + (c->s[c->i++] - '0');
        k++;
    }
    if (k == 0) {
        return "not a number";
    }
    int ms = 0;
    if (!in_ms) {
        if (accept(c, '.')) {
            const char *why = fraction(c, &ms);
            if (why) {
                return why;
            }
        }
        if (v > MAX_INSTANT_MS / HD_MS_PER_S + 1) {
            return "out of range";
        }
        v = v * HD_MS_PER_S + ms;
    }
    if (c->i != c->n) {
        return "trailing characters";
    }
    v = neg ? -v : v;
    if (v < MIN_INSTANT_MS || v > MAX_INSTANT_MS) {
        return "out of range";
    }
    *out = v;
    return NULL;
}

/*
 * "YYYY-MM-DDTHH:MM:SSZ", the shape most ISO 8601 exports use throughout:
 * read at fixed places, as parse_ymd would read it. 0 for any other text,
 * and for a field out of range (the general path then says which).
 */
static int iso_utc_seconds(const char *s, size_t len, int64_t *out_ms)
{
#define D(i) ((unsigned)(s[i] - '0'))
    struct hd_civil t = {0, 0, 0, 0, 0, 0, 0, 0};

    if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z') {
        return 0;
    }
    if ((D(0) > 9) | (D(1) > 9) | (D(2) > 9) | (D(3) > 9) | (D(5) > 9) | (D(6) > 9) |
        (D(8) > 9) | (D(9) > 9) | (D(11) > 9) | (D(12) > 9) | (D(14) > 9) | (D(15) > 9) |
        (D(17) > 9) | (D(18) > 9)) {
        return 0;
    }
    t.year = (int)(D(0) * 1000 + D(1) * 100 + D(2) * 10 + D(3));
    t.month = (int)(D(5) * 10 + D(6));
    t.day = (int)(D(8) * 10 + D(9));
    t.hour = (int)(D(11) * 10 + D(12));
    t.min = (int)(D(14) * 10 + D(15));
    t.sec = (int)(D(17) * 10 + D(18));
#undef D
    if (check_fields(&t)) {
        return 0;
    }
    *out_ms = hd_ms_from_civil(&t);
    return 1;
}

int hd_time_parse(const char *s, size_t len, enum hd_time_fmt fmt, const struct hd_tz *tz,
                  int64_t *out_ms, struct hd_err *err)
{
    struct cur c = {s, len, 0};
    struct hd_civil t = {0, 0, 0, 0, 0, 0, 0, 0};
    int has_off = 0;
    int64_t off_ms = 0, v = 0;
    const char *why = NULL;

    if (fmt == HD_TF_ISO8601 && iso_utc_seconds(s, len, out_ms)) {
        return HD_OK;
    }
    if (len == 0) {
        why = "empty";
        goto fail;
    }
    switch (fmt) {
    case HD_TF_ISO8601:
    case HD_TF_YMD:
        why = parse_ymd(&c, fmt == HD_TF_ISO8601, &t, &has_off, &off_ms);
        break;
    case HD_TF_DMY:
    case HD_TF_MDY:
        why = parse_slash(&c, fmt == HD_TF_DMY, &t);
        break;
    case HD_TF_EPOCH_S:
    case HD_TF_EPOCH_MS:
        why = parse_epoch(&c, fmt == HD_TF_EPOCH_MS, &v);
        if (!why) {
            *out_ms = v;
            return HD_OK;
        }
        goto fail;
    default:
        return hd_err_set(err, HD_EUSAGE, NULL, 0, "unknown time format %d", (int)fmt);
    }
    if (!why && c.i != c.n) {
        why = "trailing characters";
    }
    if (!why) {
        why = check_fields(&t);
    }
    if (why) {
        goto fail;
    }
    v = hd_ms_from_civil(&t);
    *out_ms = has_off ? v - off_ms : hd_tz_local_to_utc(tz, v);
    return HD_OK;
fail:
    return hd_err_set(err, HD_EINPUT, NULL, 0, "bad time '%.*s%s': %s",
                      (int)(len > ECHO_MAX ? ECHO_MAX : len), s, len > ECHO_MAX ? "..." : "", why);
}

/* ------------------------------------------------------------------ */
/* Formatting instants                                                 */

static size_t format_civil(const struct hd_civil *c, const char *zone, char *out, size_t outsz)
{
    char frac[8] = "";
    if (c->ms) {
        snprintf(frac, sizeof(frac), ".%03d", c->ms);
    }
    int n = snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", c->year, c->month, c->day,
                     c->hour, c->min, c->sec, frac, zone);
    return n < 0 ? 0 : (size_t)n;
}

size_t hd_time_format(int64_t ms, char *out, size_t outsz)
{
    struct hd_civil c;
    hd_civil_from_ms(ms, 0, &c);
    return format_civil(&c, "Z", out, outsz);
}

size_t hd_time_format_local(int64_t ms, const struct hd_tz *tz, char *out, size_t outsz)
{
    struct hd_civil c;
    char zone[16];
    int64_t off = hd_tz_offset_ms(tz, ms);
    int64_t a = off < 0 ? -off : off;
    int h = (int)(a / HD_MS_PER_H), m = (int)(a / HD_MS_PER_MIN % 60), sec = (int)(a / 1000 % 60);
    /* Local mean time before ~1900 has seconds; drop them and we would lie. */
    if (sec) {
        snprintf(zone, sizeof(zone), "%c%02d:%02d:%02d", off < 0 ? '-' : '+', h, m, sec);
    } else {
        snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+', h, m);
    }
    hd_civil_from_ms(ms, off, &c);
    return format_civil(&c, zone, out, outsz);
}

/* ------------------------------------------------------------------ */
/* Durations                                                           */

/* v * mult + *acc, or -1 on overflow. */
static int add_scaled(int64_t *acc, int64_t v, int64_t mult)
{
    if (v > (INT64_MAX - *acc) / mult) {
        return -1;
    }
    *acc += v * mult;
    return 0;
}

/* Digits of a duration component; -2 when there are none, -1 on overflow. */
static int dur_number(const char *s, size_t *i, int64_t *out)
{
    int64_t v = 0;
    size_t start = *i;
    while (is_digit(s[*i])) {
        if (v > (INT64_MAX - 9) / 10) {
            return -1;
        }
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return *i == start ? -2 : 0;
}

/* "1h30m", "250ms", ...: units from weeks down to ms, each at most once. */
static const char *dur_human(const char *s, int64_t *out)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"w", 7 * HD_MS_PER_DAY}, {"d", HD_MS_PER_DAY}, {"h", HD_MS_PER_H}, {"ms", 1},
                 {"m", HD_MS_PER_MIN},     {"s", HD_MS_PER_S}};
    int64_t total = 0, last = INT64_MAX;
    size_t i = 0;
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return NULL;
    }
    while (s[i]) {
        int64_t v;
        int r = dur_number(s, &i, &v);
        if (r == -1) {
            return "overflow";
        }
        if (r == -2) {
            return "expected a number";
        }
        size_t u = 0;
        for (; u < sizeof(units) / sizeof(units[0]); u++) {
            size_t ul = strlen(units[u].unit);
            if (strncmp(s + i, units[u].unit, ul) == 0) {
                i += ul;
                break;
            }
        }
        if (u == sizeof(units) / sizeof(units[0])) {
            return s[i] ? "unknown unit" : "missing unit";
        }
        if (units[u].ms >= last) {
            return "units out of order";
        }
        last = units[u].ms;
        if (add_scaled(&total, v, units[u].ms)) {
            return "overflow";
        }
    }
    *out = total;
    return NULL;
}

/* ISO 8601 "PnW" or "PnDTnHnMn.nS"; no years or months. */
static const char *dur_iso(const char *s, int64_t *out)
{
    int64_t total = 0;
    size_t i = 1;
    int in_time = 0, parts = 0, rank = 0;
    while (s[i]) {
        if (!in_time && (s[i] == 'T' || s[i] == 't')) {
            in_time = 1;
            i++;
            if (!s[i]) {
                return "nothing after 'T'";
            }
            continue;
        }
        int64_t v;
        int r = dur_number(s, &i, &v);
        if (r == -1) {
            return "overflow";
        }
        if (r == -2) {
            return "expected a number";
        }
        int ms = 0, has_frac = 0;
        if (s[i] == '.' || s[i] == ',') {
            struct cur c = {s, strlen(s), i + 1};
            const char *why = fraction(&c, &ms);
            if (why) {
                return why;
            }
            i = c.i;
            has_frac = 1;
        }
        char d = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
        int64_t mult;
        int this_rank;
        if (d == 'Y' || (d == 'M' && !in_time)) {
            return "years and months have no fixed length";
        }
        if (!in_time && d == 'W') {
            mult = 7 * HD_MS_PER_DAY, this_rank = 1;
        } else if (!in_time && d == 'D') {
            mult = HD_MS_PER_DAY, this_rank = 2;
        } else if (in_time && d == 'H') {
            mult = HD_MS_PER_H, this_rank = 3;
        } else if (in_time && d == 'M') {
            mult = HD_MS_PER_MIN, this_rank = 4;
        } else if (in_time && d == 'S') {
            mult = HD_MS_PER_S, this_rank = 5;
        } else {
            return d ? "unknown designator" : "missing designator";
        }
        if (this_rank <= rank) {
            return "designators out of order";
        }
        if (has_frac && d != 'S') {
            return "fractions are allowed only in seconds";
        }
        rank = this_rank;
        i++;
        parts++;
        if (add_scaled(&total, v, mult) || total > INT64_MAX - ms) {
            return "overflow";
        }
        total += ms;
    }
    if (parts == 0) {
        return "no components";
    }
    *out = total;
    return NULL;
}

int hd_duration_parse(const char *s, int64_t *out_ms, struct hd_err *err)
{
    const char *why;
    int64_t v = 0;
    if (!s || !*s) {
        why = "empty";
    } else if (s[0] == '-') {
        why = "negative";
    } else if (s[0] == 'P' || s[0] == 'p') {
        why = dur_iso(s, &v);
    } else {
        why = dur_human(s, &v);
    }
    if (why) {
        return hd_err_set(err, HD_EINPUT, NULL, 0, "bad duration '%.*s': %s", ECHO_MAX, s ? s : "",
                          why);
    }
    *out_ms = v;
    return HD_OK;
}

size_t hd_duration_format(int64_t ms, char *out, size_t outsz)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"d", 86400000u}, {"h", 3600000u}, {"m", 60000u}, {"s", 1000u}};
    char tmp[64];
    size_t n = 0;
    uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;

    if (ms < 0) {
        tmp[n++] = '-';
    }
    if (a == 0) {
        n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "0s");
    } else if (a < 1000) {
        n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%ums", (unsigned)a);
    } else {
        /* The two largest non-zero units; the rest is truncated. */
        int shown = 0;
        for (size_t u = 0; u < sizeof(units) / sizeof(units[0]) && shown < 2; u++) {
            uint64_t q = a / units[u].ms;
            a -= q * units[u].ms;
            if (q) {
                n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%llu%s", (unsigned long long)q,
                                      units[u].unit);
                shown++;
            }
        }
    }
    return (size_t)snprintf(out, outsz, "%s", tmp);
}
