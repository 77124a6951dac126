/*
 * Time zones: our own TZif reader (RFC 8536, v1 to v4) and POSIX TZ footer
 * rules, turned into one sorted table of offset changes that every lookup
 * binary-searches. No libc time functions and no global TZ state, so a zone
 * is immutable once open and safe to share between threads. Civil-time
 * arithmetic and parsing live in time.c.
 */
#include "core/time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_MAX_FILE    (1 << 20)
/* 400 Gregorian years: the period after which weekdays and leap years repeat. */
#define CYCLE_MS (146097LL * HD_MS_PER_DAY)
/* Transitions further out than this (in seconds) cannot be held in ms. */
#define MAX_TRANS_S 9000000000000LL
/* Keeps offset arithmetic away from int64 overflow at the extremes. */
#define EDGE_MS (INT64_MAX / 4)

/*
 * A zone is the list of instants at which its offset changes. The footer
 * rule is expanded into that list for one full 400-year cycle past the last
 * explicit transition; later instants are folded back by whole cycles,
 * which is exact because the rule repeats with the calendar. A zone whose
 * file holds only a rule is folded in both directions.
 */
struct hd_tz {
    char *name;
    size_t n;        /* transitions */
    int64_t *at;     /* UTC ms of each transition, strictly increasing */
    int64_t *off;    /* offset in force from at[i] on */
    int64_t *key;    /* at[i] + the offset before it: the wall time it happens */
    int64_t off0;    /* offset before the first transition */
    int fold;        /* 0 none, 1 fold instants >= fold_hi, 2 also < fold_lo */
    int64_t fold_lo; /* start of the expanded cycle */
    int64_t fold_hi; /* fold_lo + one cycle */
};

/* ------------------------------------------------------------------ */
/* POSIX TZ strings (the TZif footer)                                  */

enum rule_kind { RULE_JULIAN1, RULE_JULIAN0, RULE_MWD };

struct rule_date {
    enum rule_kind kind;
    int n;        /* day for the Julian forms */
    int m, w, d;  /* month, week 1..5, weekday for Mm.w.d */
    int32_t secs; /* local time of day of the change, may pass 24h */
};

struct posix_tz {
    int32_t std_off; /* seconds east of UTC */
    int32_t dst_off;
    int has_dst;
    struct rule_date start, end;
};

static const char *tzs_name(const char *p, const char *end)
{
    if (p < end && *p == '<') {
        const char *q = memchr(p, '>', (size_t)(end - p));
        return q && q - p >= 2 ? q + 1 : NULL;
    }
    const char *q = p;
    while (q < end && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))) {
        q++;
    }
    return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] with hh <= max_h; returns seconds in *out. */
static const char *tzs_hms(const char *p, const char *end, int max_h, int32_t *out)
{
    int sign = 1, part[3] = {0, 0, 0};
    if (p < end && (*p == '+' || *p == '-')) {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (p >= end || *p != ':') {
                break;
            }
            p++;
        }
        int nd = 0, v = 0;
        while (p < end && *p >= '0' && *p <= '9' && nd < 3) {
            v = v * 10 + (*p - '0');
            p++;
            nd++;
        }
        if (nd == 0 || (i > 0 && (nd != 2 || v > 59)) || (i == 0 && v > max_h)) {
            return NULL;
        }
        part[i] = v;
    }
    *out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return p;
}

static const char *tzs_num(const char *p, const char *end, int lo, int hi, int *out)
{
    int nd = 0, v = 0;
    while (p < end && *p >= '0' && *p <= '9' && nd < 4) {
        v = v * 10 + (*p - '0');
        p++;
        nd++;
    }
    if (nd == 0 || v < lo || v > hi) {
        return NULL;
    }
    *out = v;
    return p;
}

static const char *tzs_date(const char *p, const char *end, struct rule_date *r)
{
    if (p < end && *p == 'J') {
        r->kind = RULE_JULIAN1;
        p = tzs_num(p + 1, end, 1, 365, &r->n);
    } else if (p < end && *p == 'M') {
        r->kind = RULE_MWD;
        p = tzs_num(p + 1, end, 1, 12, &r->m);
        if (!p || p >= end || *p != '.') {
            return NULL;
        }
        p = tzs_num(p + 1, end, 1, 5, &r->w);
        if (!p || p >= end || *p != '.') {
            return NULL;
        }
        p = tzs_num(p + 1, end, 0, 6, &r->d);
    } else {
        r->kind = RULE_JULIAN0;
        p = tzs_num(p, end, 0, 365, &r->n);
    }
    if (!p) {
        return NULL;
    }
    r->secs = 2 * 3600;
    if (p < end && *p == '/') {
        /* RFC 8536 (version 3) lets the time run from -167 to 167 hours. */
        p = tzs_hms(p + 1, end, 167, &r->secs);
    }
    return p;
}

/*
 * Parse a POSIX TZ string such as "EET-2EEST,M3.5.0/3,M10.5.0/4". POSIX
 * offsets count west of Greenwich, so their sign is flipped here. Returns 0
 * on success.
 */
static int posix_tz_parse(const char *p, const char *end, struct posix_tz *out)
{
    int32_t v;
    memset(out, 0, sizeof(*out));
    p = tzs_name(p, end);
    if (!p || !(p = tzs_hms(p, end, 24, &v))) {
        return -1;
    }
    out->std_off = -v;
    if (p == end) {
        return 0;
    }
    p = tzs_name(p, end);
    if (!p) {
        return -1;
    }
    out->has_dst = 1;
    out->dst_off = out->std_off + 3600;
    if (p < end && *p != ',') {
        if (!(p = tzs_hms(p, end, 24, &v))) {
            return -1;
        }
        out->dst_off = -v;
    }
    if (p == end) {
        /* No rule: the US rule, as tzcode's TZDEFRULESTRING does. */
        static const char def[] = ",M3.2.0,M11.1.0";
        p = def;
        end = def + sizeof(def) - 1;
    }
    if (*p != ',' || !(p = tzs_date(p + 1, end, &out->start))) {
        return -1;
    }
    if (p >= end || *p != ',' || !(p = tzs_date(p + 1, end, &out->end))) {
        return -1;
    }
    return p == end ? 0 : -1;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Local midnight (as days since the epoch) of the rule's day in year y. */
static int64_t rule_day(const struct rule_date *r, int y)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    switch (r->kind) {
    case RULE_JULIAN1:
        return hd_days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
    case RULE_JULIAN0:
        return hd_days_from_civil(y, 1, 1) + r->n;
    case RULE_MWD:
        break;
    }
    int64_t first = hd_days_from_civil(y, r->m, 1);
    int wday1 = (int)(((first + 4) % 7 + 7) % 7);
    int dom = 1 + (r->d - wday1 + 7) % 7 + 7 * (r->w - 1);
    int len = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
    while (dom > len) {
        dom -= 7;
    }
    return first + dom - 1;
}

/* UTC ms of a rule change in year y; `before` is the offset it ends. */
static int64_t rule_instant(const struct rule_date *r, int y, int32_t before)
{
    return (rule_day(r, y) * 86400 + r->secs - before) * HD_MS_PER_S;
}

/* ------------------------------------------------------------------ */
/* TZif                                                                */

struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int tzif_header(const unsigned char *p, size_t len, struct tzif_counts *c, int *version)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0) {
        return -1;
    }
    *version = p[4] == 0 ? 1 : p[4] - '0';
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    if (c->type == 0 || c->type > 256 || c->chars == 0 || c->time > 100000 || c->leap > 100000 ||
        c->chars > 100000 || (c->isut != 0 && c->isut != c->type) ||
        (c->isstd != 0 && c->isstd != c->type)) {
        return -1;
    }
    return 0;
}

static size_t tzif_block_size(const struct tzif_counts *c, int tsize)
{
    return (size_t)c->time * (size_t)tsize + c->time + (size_t)c->type * 6 + c->chars +
           (size_t)c->leap * (size_t)(tsize + 4) + c->isstd + c->isut;
}

/* Append (at, off) to tz's table; growth is by doubling. */
static void table_push(struct hd_tz *tz, size_t *alloc, int64_t at, int64_t off)
{
    if (tz->n == *alloc) {
        /* at[] and off[] grow in step, so one count serves both. */
        size_t a1 = *alloc, a2 = *alloc;
        HD_GROW(tz->at, a1, tz->n + 1);
        HD_GROW(tz->off, a2, tz->n + 1);
        *alloc = a1;
    }
    tz->at[tz->n] = at;
    tz->off[tz->n] = off;
    tz->n++;
}

/*
 * Merge changes at the same instant (the later one wins, as in a rule that
 * keeps DST all year) and drop changes that keep the offset, so that every
 * remaining entry really moves the wall clock.
 */
static void table_compact(struct hd_tz *tz)
{
    size_t k = 0;
    for (size_t i = 0; i < tz->n; i++) {
        if (k > 0 && tz->at[k - 1] == tz->at[i]) {
            tz->off[k - 1] = tz->off[i];
        } else {
            tz->at[k] = tz->at[i];
            tz->off[k] = tz->off[i];
            k++;
        }
        int64_t before = k >= 2 ? tz->off[k - 2] : tz->off0;
        if (tz->off[k - 1] == before) {
            k--;
        }
    }
    tz->n = k;
}

/*
 * Expand the footer rule from the year of the last table entry through a
 * full cycle and a bit (see struct hd_tz). The caller trims the tail with
 * trim_expansion(), where a change can still lack the one that follows it.
 */
static void expand_rule(struct hd_tz *tz, size_t *alloc, const struct posix_tz *r)
{
    int64_t last = tz->n ? tz->at[tz->n - 1] : INT64_MIN;
    struct hd_civil c;
    int y0 = 1969;
    if (tz->n) {
        hd_civil_from_ms(last, 0, &c);
        y0 = c.year;
    }
    size_t first = tz->n;
    for (int y = y0; y <= y0 + 403; y++) {
        int64_t s = rule_instant(&r->start, y, r->std_off);
        int64_t e = rule_instant(&r->end, y, r->dst_off);
        int64_t a = s <= e ? s : e, b = s <= e ? e : s;
        int64_t oa = s <= e ? r->dst_off : r->std_off, ob = s <= e ? r->std_off : r->dst_off;
        if (a > last) {
            table_push(tz, alloc, a, oa * HD_MS_PER_S);
        }
        if (b > last) {
            table_push(tz, alloc, b, ob * HD_MS_PER_S);
        }
    }
    /* Stable insertion sort: rules whose times pass 24h can cross years. */
    for (size_t i = first + 1; i < tz->n; i++) {
        int64_t at = tz->at[i], off = tz->off[i];
        size_t j = i;
        while (j > first && tz->at[j - 1] > at) {
            tz->at[j] = tz->at[j - 1];
            tz->off[j] = tz->off[j - 1];
            j--;
        }
        tz->at[j] = at;
        tz->off[j] = off;
    }
    tz->fold = tz->n == first && first == 0 ? 0 : (first == 0 ? 2 : 1);
    tz->fold_lo = hd_days_from_civil(y0 + 1, 1, 1) * HD_MS_PER_DAY;
    tz->fold_hi = tz->fold_lo + CYCLE_MS;
}

/*
 * Read a TZif image into tz. Returns 0, or -1 with *why set when the data is
 * not a usable TZif file.
 */
static int tzif_parse(struct hd_tz *tz, const unsigned char *p, size_t len, const char **why)
{
    struct tzif_counts c;
    int version, tsize = 4;
    size_t alloc = 0;

    *why = "not a TZif file";
    if (tzif_header(p, len, &c, &version)) {
        return -1;
    }
    *why = "truncated file";
    size_t bsize = tzif_block_size(&c, 4);
    if (len < 44 + bsize) {
        return -1;
    }
    if (version >= 2) {
        /* Skip the 32-bit data: the 64-bit block after it supersedes it. */
        p += 44 + bsize;
        len -= 44 + bsize;
        *why = "bad second header";
        if (tzif_header(p, len, &c, &version)) {
            return -1;
        }
        tsize = 8;
        bsize = tzif_block_size(&c, 8);
        *why = "truncated file";
        if (len < 44 + bsize) {
            return -1;
        }
    }
    *why = "leap-second zones are not supported";
    if (c.leap != 0) {
        return -1;
    }
    const unsigned char *times = p + 44;
    const unsigned char *idx = times + (size_t)c.time * (size_t)tsize;
    const unsigned char *types = idx + c.time;
    int64_t type_off[256];
    *why = "bad local time type";
    for (uint32_t i = 0; i < c.type; i++) {
        int32_t utoff = (int32_t)be32(types + 6 * i);
        if (utoff < -89999 || utoff > 93599 || types[6 * i + 4] > 1 ||
            types[6 * i + 5] >= c.chars) {
            return -1;
        }
        type_off[i] = (int64_t)utoff * HD_MS_PER_S;
    }
    tz->off0 = type_off[0];
    int64_t prev = INT64_MIN;
    for (uint32_t i = 0; i < c.time; i++) {
        int64_t t = tsize == 8 ? be64(times + 8 * (size_t)i) : (int32_t)be32(times + 4 * i);
        *why = "bad transition";
        if (idx[i] >= c.type || t <= prev) {
            return -1;
        }
        prev = t;
        if (t < -MAX_TRANS_S) {
            /* Before any instant we can hold: it only sets the initial offset. */
            tz->off0 = type_off[idx[i]];
            continue;
        }
        if (t > MAX_TRANS_S) {
            break;
        }
        table_push(tz, &alloc, t * HD_MS_PER_S, type_off[idx[i]]);
    }
    table_compact(tz);
    if (version >= 2) {
        const char *f = (const char *)p + 44 + bsize;
        const char *fend = (const char *)p + len;
        *why = "bad footer";
        if (f >= fend || *f != '\n') {
            return -1;
        }
        f++;
        const char *nl = memchr(f, '\n', (size_t)(fend - f));
        if (!nl) {
            return -1;
        }
        if (nl > f) {
            struct posix_tz r;
            *why = "bad TZ rule in footer";
            if (posix_tz_parse(f, nl, &r)) {
                return -1;
            }
            if (r.has_dst) {
                expand_rule(tz, &alloc, &r);
                table_compact(tz);
                /* Keep a year past the cycle: enough for any folded lookup,
                 * and short of the unpaired changes at the very end. */
                while (tz->n && tz->at[tz->n - 1] >= tz->fold_hi + 365 * HD_MS_PER_DAY) {
                    tz->n--;
                }
            } else if (tz->n == 0) {
                tz->off0 = (int64_t)r.std_off * HD_MS_PER_S;
            }
        }
    }
    tz->key = hd_xmalloc((tz->n ? tz->n : 1) * sizeof(*tz->key));
    for (size_t i = 0; i < tz->n; i++) {
        tz->key[i] = tz->at[i] + (i ? tz->off[i - 1] : tz->off0);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

static int name_is_safe(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 200 || name[0] == '/' || name[0] == '.' || strstr(name, "..") ||
        strstr(name, "/.")) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '_' || ch == '-' || ch == '+' || ch == '.')) {
            return 0;
        }
    }
    return 1;
}

static struct hd_tz *tz_alloc(const char *name)
{
    struct hd_tz *tz = hd_xcalloc(1, sizeof(*tz));
    tz->name = hd_xstrdup(name);
    return tz;
}

/* Read a whole regular file; 1 when it is missing or not a regular file. */
static int read_file(const char *path, unsigned char **out, size_t *len, int *errnum)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *errnum = errno;
        return errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG ? 1 : -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TZ_MAX_FILE) {
        *errnum = errno;
        close(fd);
        return 1;
    }
    size_t size = (size_t)st.st_size, got = 0;
    unsigned char *buf = hd_xmalloc(size ? size : 1);
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            *errnum = r < 0 ? errno : EIO;
            free(buf);
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *len = size;
    return 0;
}

int hd_tz_open(const char *name, struct hd_tz **out, struct hd_err *err)
{
    char path[512];
    unsigned char *data = NULL;
    size_t len = 0;
    int errnum = 0;
    const char *why;

    *out = NULL;
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0) {
        *out = tz_alloc(name);
        return HD_OK;
    }
    if (!name_is_safe(name)) {
        return hd_err_set(err, HD_EINPUT, NULL, 0, "unknown time zone '%.100s'", name);
    }
    /* TZDIR, as glibc reads it, lets tests and odd systems point elsewhere. */
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) {
        dir = TZ_DEFAULT_DIR;
    }
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return hd_err_set(err, HD_EINPUT, NULL, 0, "unknown time zone '%.100s'", name);
    }
    int r = read_file(path, &data, &len, &errnum);
    if (r > 0) {
        return hd_err_set(err, HD_EINPUT, NULL, 0, "unknown time zone '%.100s'", name);
    }
    if (r < 0) {
        return hd_err_set(err, HD_EIO, NULL, 0, "cannot read time zone file '%.200s': %s", path,
                          strerror(errnum));
    }
    if (len < 4 || memcmp(data, "TZif", 4) != 0) {
        free(data);
        return hd_err_set(err, HD_EINPUT, NULL, 0, "unknown time zone '%.100s'", name);
    }
    struct hd_tz *tz = tz_alloc(name);
    if (tzif_parse(tz, data, len, &why)) {
        free(data);
        hd_tz_free(tz);
        return hd_err_set(err, HD_EIO, NULL, 0, "bad time zone file '%.200s': %s", path, why);
    }
    free(data);
    *out = tz;
    return HD_OK;
}

void hd_tz_free(struct hd_tz *tz)
{
    if (!tz) {
        return;
    }
    free(tz->name);
    free(tz->at);
    free(tz->off);
    free(tz->key);
    free(tz);
}

const char *hd_tz_name(const struct hd_tz *tz)
{
    return tz ? tz->name : "UTC";
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */

/* Shift t into the expanded cycle; returns the number of cycles removed. */
static int64_t fold(const struct hd_tz *tz, int64_t *t)
{
    if (tz->fold == 0 || (*t < tz->fold_hi && (tz->fold == 1 || *t >= tz->fold_lo))) {
        return 0;
    }
    int64_t k = floor_div(*t - tz->fold_lo, CYCLE_MS);
    *t -= k * CYCLE_MS;
    return k;
}

/* Number of entries of a[0..n) that are <= v (a sorted ascending). */
static size_t upper_bound(const int64_t *a, size_t n, int64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int64_t hd_tz_offset_ms(const struct hd_tz *tz, int64_t utc_ms)
{
    if (!tz || tz->n == 0) {
        return tz ? tz->off0 : 0;
    }
    fold(tz, &utc_ms);
    size_t i = upper_bound(tz->at, tz->n, utc_ms);
    return i ? tz->off[i - 1] : tz->off0;
}

int64_t hd_tz_next_transition(const struct hd_tz *tz, int64_t utc_ms)
{
    if (!tz || tz->n == 0) {
        return INT64_MAX;
    }
    int64_t k = fold(tz, &utc_ms);
    size_t i = upper_bound(tz->at, tz->n, utc_ms);
    if (i == tz->n) {
        return INT64_MAX;
    }
    if (k > 0 && tz->at[i] > INT64_MAX - k * CYCLE_MS) {
        return INT64_MAX;
    }
    return tz->at[i] + k * CYCLE_MS;
}

/*
 * Find the last transition whose wall time (by the clock before it) is at
 * or before the local time. Past it, either the local time is in its gap,
 * read with the offset before (the rule in time.h), or it is after the
 * change and unique. A local time in an overlap selects the transition
 * before, whose offset gives the earlier instant.
 */
int64_t hd_tz_local_to_utc(const struct hd_tz *tz, int64_t local_ms)
{
    if (!tz || tz->n == 0) {
        int64_t off = tz ? tz->off0 : 0;
        if ((off > 0 && local_ms < INT64_MIN + off) || (off < 0 && local_ms > INT64_MAX + off)) {
            return off > 0 ? INT64_MIN : INT64_MAX;
        }
        return local_ms - off;
    }
    if (local_ms > EDGE_MS || local_ms < -EDGE_MS) {
        return local_ms;
    }
    int64_t k = fold(tz, &local_ms);
    size_t i = upper_bound(tz->key, tz->n, local_ms);
    int64_t u;
    if (i == 0) {
        u = local_ms - tz->off0;
    } else {
        int64_t after = tz->off[i - 1];
        int64_t before = i >= 2 ? tz->off[i - 2] : tz->off0;
        u = local_ms < tz->at[i - 1] + after ? local_ms - before : local_ms - after;
    }
    return u + k * CYCLE_MS;
}
