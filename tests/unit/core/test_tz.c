/*
 * Unit tests for core/tz.c: the TZif reader, the POSIX TZ footer rules and
 * the DST gap/overlap rule. Synthetic zone files go to a temporary TZDIR.
 */
#include "core/time.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"

static char tzdir[64];
static char made[32][128];
static int nmade;

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return hd_days_from_civil(y, mo, d) * HD_MS_PER_DAY + h * HD_MS_PER_H + mi * HD_MS_PER_MIN +
           s * HD_MS_PER_S;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct hd_tz *open_zone(const char *name)
{
    struct hd_tz *tz = NULL;
    struct hd_err err = HD_ERR_INIT;
    if (hd_tz_open(name, &tz, &err) != HD_OK) {
        fail_msg("cannot open '%s': %s", name, err.msg);
    }
    return tz;
}

/* ------------------------------------------------------------------ */
/* Writing synthetic TZif files                                        */

struct fake_zone {
    int version; /* 1, 2 or 3 */
    size_t n;
    const int64_t *times; /* seconds */
    const unsigned char *idx;
    size_t ntypes;
    const int32_t *utoff;
    const char *footer; /* versions 2 and 3 */
};

static void put(unsigned char **p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        *(*p)++ = (unsigned char)(v >> (8 * i));
    }
}

static unsigned char *put_block(unsigned char *p, const struct fake_zone *z, int tsize)
{
    memcpy(p, "TZif", 4);
    p[4] = z->version == 1 ? 0 : (unsigned char)('0' + z->version);
    memset(p + 5, 0, 15);
    p += 20;
    put(&p, 0, 4);
    put(&p, 0, 4);
    put(&p, 0, 4);
    put(&p, z->n, 4);
    put(&p, z->ntypes, 4);
    put(&p, 4, 4);
    for (size_t i = 0; i < z->n; i++) {
        put(&p, (uint64_t)z->times[i], tsize);
    }
    for (size_t i = 0; i < z->n; i++) {
        *p++ = z->idx[i];
    }
    for (size_t i = 0; i < z->ntypes; i++) {
        put(&p, (uint32_t)z->utoff[i], 4);
        *p++ = 0;
        *p++ = 0;
    }
    memcpy(p, "XXX", 4);
    return p + 4;
}

/* Write zone `name` into the temporary TZDIR; `cut` bytes are dropped from the end. */
static void write_zone(const char *name, const struct fake_zone *z, size_t cut)
{
    unsigned char buf[8192], *p = buf;
    p = put_block(p, z, 4);
    if (z->version >= 2) {
        p = put_block(p, z, 8);
        p += snprintf((char *)p, sizeof(buf) - (size_t)(p - buf), "\n%s\n", z->footer);
    }
    assert_true(nmade < 32);
    snprintf(made[nmade], sizeof(made[0]), "%s/%s", tzdir, name);
    FILE *f = fopen(made[nmade], "wb");
    assert_non_null(f);
    nmade++;
    assert_int_equal(fwrite(buf, 1, (size_t)(p - buf) - cut, f), (size_t)(p - buf) - cut);
    assert_int_equal(fclose(f), 0);
}

/* A zone with no transitions, only a footer rule. */
static void write_rule_zone(const char *name, const char *footer)
{
    static const int32_t off[1] = {0};
    struct fake_zone z = {2, 0, NULL, NULL, 1, off, footer};
    write_zone(name, &z, 0);
}

/* The footer (last line) of a real zone file. */
static void real_footer(const char *zone, char *out, size_t outsz)
{
    char path[256], buf[65536];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    assert_true(n > 2 && buf[n - 1] == '\n');
    buf[n - 1] = '\0';
    size_t start = n - 1;
    while (start > 0 && buf[start - 1] != '\n') {
        start--;
    }
    assert_true(start > 0 && n - 1 - start < outsz);
    memcpy(out, buf + start, n - start);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tzdir, sizeof(tzdir), "/tmp/hd_test_tz_XXXXXX");
    if (!mkdtemp(tzdir)) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < nmade; i++) {
        unlink(made[i]);
    }
    rmdir(tzdir);
    unsetenv("TZDIR");
    return 0;
}

/* ------------------------------------------------------------------ */

static void tz_open__utc_and_z__work_without_database(void **state)
{
    struct hd_tz *tz = NULL;
    (void)state;
    setenv("TZDIR", tzdir, 1);
    assert_int_equal(hd_tz_open("UTC", &tz, NULL), HD_OK);
    assert_string_equal(hd_tz_name(tz), "UTC");
    assert_int_equal(hd_tz_offset_ms(tz, utc(2026, 7, 1, 0, 0, 0)), 0);
    assert_int_equal(hd_tz_next_transition(tz, 0), INT64_MAX);
    assert_int_equal(hd_tz_local_to_utc(tz, 12345), 12345);
    hd_tz_free(tz);
    assert_int_equal(hd_tz_open("Z", &tz, NULL), HD_OK);
    hd_tz_free(tz);
    assert_int_equal(hd_tz_open("Europe/Sofia", &tz, NULL), HD_EINPUT);
    assert_null(tz);
    unsetenv("TZDIR");
    /* NULL means UTC everywhere. */
    assert_string_equal(hd_tz_name(NULL), "UTC");
    assert_int_equal(hd_tz_offset_ms(NULL, 5), 0);
    assert_int_equal(hd_tz_local_to_utc(NULL, 5), 5);
    assert_int_equal(hd_tz_next_transition(NULL, 5), INT64_MAX);
    hd_tz_free(NULL);
}

static void tz_open__unknown_or_unsafe_name__einput(void **state)
{
    static const char *const names[] = {"Mars/Olympus_Mons",
                                        "",
                                        "../../../../etc/passwd",
                                        "/etc/localtime",
                                        "Europe/../Europe/Sofia",
                                        "Europe/./Sofia",
                                        ".hidden",
                                        "Europe",
                                        "Europe/",
                                        "zone.tab",
                                        "Europe/Sofia ",
                                        "Europe/Sofia\n",
                                        "europe/sofia",
                                        "Europe/Sofia/x"};
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct hd_tz *tz = (struct hd_tz *)&tz;
        struct hd_err err = HD_ERR_INIT;
        char want[300];
        snprintf(want, sizeof(want), "unknown time zone '%s'", names[i]);
        int rc = hd_tz_open(names[i], &tz, &err);
        if (rc != HD_EINPUT || tz != NULL || strcmp(err.msg, want) != 0) {
            fail_msg("'%s': rc %d msg '%s'", names[i], rc, err.msg);
        }
    }
}

static void tz_offset__real_zones__winter_summer_and_history(void **state)
{
    struct hd_tz *sofia = open_zone("Europe/Sofia"), *ny = open_zone("America/New_York");
    struct hd_tz *kath = open_zone("Asia/Kathmandu"), *utc_file = open_zone("Etc/UTC");
    (void)state;
    assert_string_equal(hd_tz_name(sofia), "Europe/Sofia");
    assert_int_equal(hd_tz_offset_ms(sofia, utc(2026, 1, 15, 12, 0, 0)), 2 * HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(sofia, utc(2026, 7, 15, 12, 0, 0)), 3 * HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(ny, utc(2026, 1, 15, 12, 0, 0)), -5 * HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(ny, utc(2026, 7, 15, 12, 0, 0)), -4 * HD_MS_PER_H);
    /* 2006: the old US rule, last Sunday of October. */
    assert_int_equal(hd_tz_offset_ms(ny, utc(2006, 10, 29, 5, 59, 59)), -4 * HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(ny, utc(2006, 10, 29, 6, 0, 0)), -5 * HD_MS_PER_H);
    /* Before the first transition: local mean time (type 0). */
    assert_int_equal(hd_tz_offset_ms(ny, utc(1800, 1, 1, 0, 0, 0)),
                     -(4 * HD_MS_PER_H + 56 * HD_MS_PER_MIN + 2 * HD_MS_PER_S));
    assert_int_equal(hd_tz_offset_ms(kath, utc(2026, 1, 1, 0, 0, 0)),
                     5 * HD_MS_PER_H + 45 * HD_MS_PER_MIN);
    assert_int_equal(hd_tz_offset_ms(utc_file, utc(2026, 1, 1, 0, 0, 0)), 0);
    assert_int_equal(hd_tz_next_transition(utc_file, 0), INT64_MAX);
    assert_int_equal(hd_tz_next_transition(kath, utc(2026, 1, 1, 0, 0, 0)), INT64_MAX);
    hd_tz_free(sofia);
    hd_tz_free(ny);
    hd_tz_free(kath);
    hd_tz_free(utc_file);
}

static void tz_next_transition__real_zones__each_change_in_turn(void **state)
{
    struct hd_tz *sofia = open_zone("Europe/Sofia"), *ny = open_zone("America/New_York");
    (void)state;
    int64_t t = hd_tz_next_transition(sofia, utc(2026, 1, 1, 0, 0, 0));
    assert_int_equal(t, utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(hd_tz_next_transition(sofia, t - 1), t);
    t = hd_tz_next_transition(sofia, t);
    assert_int_equal(t, utc(2026, 10, 25, 1, 0, 0));
    t = hd_tz_next_transition(ny, utc(2026, 1, 1, 0, 0, 0));
    assert_int_equal(t, utc(2026, 3, 8, 7, 0, 0));
    t = hd_tz_next_transition(ny, t);
    assert_int_equal(t, utc(2026, 11, 1, 6, 0, 0));
    hd_tz_free(sofia);
    hd_tz_free(ny);
}

static void tz_local_to_utc__dst_gap_and_overlap__documented_rule(void **state)
{
    struct hd_tz *sofia = open_zone("Europe/Sofia"), *ny = open_zone("America/New_York");
    (void)state;
    /* Sofia, 2026-03-29: 03:00 EET jumps to 04:00 EEST. A gap time is read
     * with the offset before the gap (+02:00), landing an hour later. */
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 3, 29, 2, 59, 59)),
                     utc(2026, 3, 29, 0, 59, 59));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 3, 29, 3, 0, 0)),
                     utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 3, 29, 3, 30, 0)),
                     utc(2026, 3, 29, 1, 30, 0));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 3, 29, 4, 0, 0)),
                     utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 3, 29, 4, 30, 0)),
                     utc(2026, 3, 29, 1, 30, 0));
    /* Sofia, 2026-10-25: 04:00 EEST falls back to 03:00 EET; 03:00-03:59
     * happen twice and the earlier (EEST) instant is taken. */
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 10, 25, 2, 59, 59)),
                     utc(2026, 10, 24, 23, 59, 59));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 10, 25, 3, 0, 0)),
                     utc(2026, 10, 25, 0, 0, 0));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 10, 25, 3, 30, 0)),
                     utc(2026, 10, 25, 0, 30, 0));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 10, 25, 3, 59, 59)),
                     utc(2026, 10, 25, 0, 59, 59));
    assert_int_equal(hd_tz_local_to_utc(sofia, utc(2026, 10, 25, 4, 0, 0)),
                     utc(2026, 10, 25, 2, 0, 0));
    /* New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT. */
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 3, 8, 1, 59, 59)),
                     utc(2026, 3, 8, 6, 59, 59));
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 3, 8, 2, 0, 0)), utc(2026, 3, 8, 7, 0, 0));
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 3, 8, 2, 30, 0)), utc(2026, 3, 8, 7, 30, 0));
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 3, 8, 3, 0, 0)), utc(2026, 3, 8, 7, 0, 0));
    /* New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST. */
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 11, 1, 0, 59, 59)),
                     utc(2026, 11, 1, 4, 59, 59));
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 11, 1, 1, 0, 0)), utc(2026, 11, 1, 5, 0, 0));
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 11, 1, 1, 30, 0)),
                     utc(2026, 11, 1, 5, 30, 0));
    assert_int_equal(hd_tz_local_to_utc(ny, utc(2026, 11, 1, 2, 0, 0)), utc(2026, 11, 1, 7, 0, 0));
    hd_tz_free(sofia);
    hd_tz_free(ny);
}

static void tz_local_to_utc__random_instants__earliest_inverse(void **state)
{
    static const char *const zones[] = {"Europe/Sofia",     "America/New_York", "Australia/Sydney",
                                        "America/Santiago", "Europe/Dublin",    "Asia/Kathmandu",
                                        "Pacific/Apia",     "America/Nuuk"};
    (void)state;
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        struct hd_tz *tz = open_zone(zones[z]);
        for (int i = 0; i < 20000; i++) {
            /* 1850 to 2600: history, the table, the expanded rule and the fold. */
            int64_t lo = utc(1850, 1, 1, 0, 0, 0), hi = utc(2600, 1, 1, 0, 0, 0);
            int64_t u = lo + (int64_t)(next_rand() % (uint64_t)(hi - lo));
            int64_t local = u + hd_tz_offset_ms(tz, u);
            int64_t r = hd_tz_local_to_utc(tz, local);
            if (r + hd_tz_offset_ms(tz, r) != local || r > u) {
                fail_msg("%s: u %lld local %lld gave %lld", zones[z], (long long)u,
                         (long long)local, (long long)r);
            }
        }
        hd_tz_free(tz);
    }
}

/* Days since the epoch of the last Sunday of a month. */
static int64_t last_sunday(int y, int m)
{
    int64_t d = hd_days_from_civil(y, m + 1, 1) - 1;
    if (m == 12) {
        d = hd_days_from_civil(y + 1, 1, 1) - 1;
    }
    while (((d + 4) % 7 + 7) % 7 != 0) {
        d--;
    }
    return d;
}

static void tz_footer__far_future__rule_keeps_applying(void **state)
{
    struct hd_tz *sofia = open_zone("Europe/Sofia");
    (void)state;
    /* Past the fat file's 2037, through the expanded cycle and the fold. */
    for (int y = 2030; y <= 9999; y += 7) {
        int64_t spring = last_sunday(y, 3) * HD_MS_PER_DAY + HD_MS_PER_H;
        int64_t autumn = last_sunday(y, 10) * HD_MS_PER_DAY + HD_MS_PER_H;
        if (hd_tz_offset_ms(sofia, spring - 1) != 2 * HD_MS_PER_H ||
            hd_tz_offset_ms(sofia, spring) != 3 * HD_MS_PER_H ||
            hd_tz_offset_ms(sofia, autumn - 1) != 3 * HD_MS_PER_H ||
            hd_tz_offset_ms(sofia, autumn) != 2 * HD_MS_PER_H ||
            hd_tz_next_transition(sofia, spring - HD_MS_PER_DAY) != spring ||
            hd_tz_next_transition(sofia, spring) != autumn) {
            fail_msg("year %d", y);
        }
        /* The gap rule holds there too. */
        assert_int_equal(hd_tz_local_to_utc(sofia, spring + 2 * HD_MS_PER_H + 30 * HD_MS_PER_MIN),
                         spring + 30 * HD_MS_PER_MIN);
    }
    hd_tz_free(sofia);
}

static void tz_footer__rule_only_file__matches_real_table(void **state)
{
    /* The fat files list every change to 2037; a file holding only the same
     * zone's footer rule must give the same offsets and transitions. */
    static const char *const zones[] = {
        "Europe/Sofia",        "America/New_York", "Australia/Sydney", "America/Santiago",
        "America/Nuuk",        "Europe/Dublin",    "Pacific/Auckland", "America/Havana",
        "Australia/Lord_Howe", "Europe/London"};
    (void)state;
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        char footer[128], name[32];
        real_footer(zones[z], footer, sizeof(footer));
        snprintf(name, sizeof(name), "rule%zu", z);
        write_rule_zone(name, footer);
    }
    setenv("TZDIR", tzdir, 1);
    struct hd_tz *rules[sizeof(zones) / sizeof(zones[0])];
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        char name[32];
        snprintf(name, sizeof(name), "rule%zu", z);
        rules[z] = open_zone(name);
    }
    unsetenv("TZDIR");
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        struct hd_tz *real = open_zone(zones[z]);
        int64_t end = utc(2037, 12, 31, 0, 0, 0);
        for (int64_t t = utc(2025, 1, 1, 0, 0, 0); t < end; t += 3 * HD_MS_PER_H) {
            if (hd_tz_offset_ms(real, t) != hd_tz_offset_ms(rules[z], t) ||
                (hd_tz_next_transition(real, t) < end &&
                 hd_tz_next_transition(real, t) != hd_tz_next_transition(rules[z], t))) {
                fail_msg("%s at %lld: offset %lld vs %lld", zones[z], (long long)t,
                         (long long)hd_tz_offset_ms(real, t),
                         (long long)hd_tz_offset_ms(rules[z], t));
            }
        }
        /* Folded backwards too: the rule-only zone applies the rule in 1980. */
        int64_t t = utc(1980, 7, 1, 0, 0, 0);
        assert_int_equal(hd_tz_offset_ms(rules[z], t),
                         hd_tz_offset_ms(rules[z], t + 146097 * HD_MS_PER_DAY));
        hd_tz_free(real);
        hd_tz_free(rules[z]);
    }
}

static void tz_open__slim_v2_file__footer_fills_later_years(void **state)
{
    /* As Debian's slim tzdata: transitions stop at the last rule change. */
    static const int64_t times[] = {1143961200, 1162101600, 1173596400};
    static const unsigned char idx[] = {1, 0, 1};
    static const int32_t off[] = {-18000, -14400};
    struct fake_zone z = {2, 3, times, idx, 2, off, "EST5EDT,M3.2.0,M11.1.0"};
    (void)state;
    write_zone("Slim_York", &z, 0);
    setenv("TZDIR", tzdir, 1);
    struct hd_tz *tz = open_zone("Slim_York");
    unsetenv("TZDIR");
    assert_int_equal(hd_tz_offset_ms(tz, utc(2000, 1, 1, 0, 0, 0)), -5 * HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(tz, utc(2006, 7, 1, 0, 0, 0)), -4 * HD_MS_PER_H);
    assert_int_equal(hd_tz_next_transition(tz, utc(2007, 3, 11, 7, 0, 0)),
                     utc(2007, 11, 4, 6, 0, 0));
    assert_int_equal(hd_tz_next_transition(tz, utc(2026, 1, 1, 0, 0, 0)), utc(2026, 3, 8, 7, 0, 0));
    assert_int_equal(hd_tz_offset_ms(tz, utc(2026, 11, 1, 5, 59, 59)), -4 * HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(tz, utc(2026, 11, 1, 6, 0, 0)), -5 * HD_MS_PER_H);
    assert_int_equal(hd_tz_local_to_utc(tz, utc(2026, 3, 8, 2, 30, 0)), utc(2026, 3, 8, 7, 30, 0));
    assert_int_equal(hd_tz_local_to_utc(tz, utc(2026, 11, 1, 1, 30, 0)),
                     utc(2026, 11, 1, 5, 30, 0));
    hd_tz_free(tz);
}

static void tz_open__v1_file__table_only(void **state)
{
    static const int64_t times[] = {0, 86400};
    static const unsigned char idx[] = {1, 0};
    static const int32_t off[] = {3600, 7200};
    struct fake_zone z = {1, 2, times, idx, 2, off, NULL};
    (void)state;
    write_zone("Old_One", &z, 0);
    setenv("TZDIR", tzdir, 1);
    struct hd_tz *tz = open_zone("Old_One");
    unsetenv("TZDIR");
    assert_int_equal(hd_tz_offset_ms(tz, -1), HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(tz, 0), 2 * HD_MS_PER_H);
    assert_int_equal(hd_tz_offset_ms(tz, utc(2026, 1, 1, 0, 0, 0)), HD_MS_PER_H);
    assert_int_equal(hd_tz_next_transition(tz, 0), HD_MS_PER_DAY);
    assert_int_equal(hd_tz_next_transition(tz, HD_MS_PER_DAY), INT64_MAX);
    hd_tz_free(tz);
}

static void tz_footer__julian_dates_and_permanent_dst__as_posix_says(void **state)
{
    (void)state;
    /* J60 is 1 March in every year; 300 counts 29 February when there is one. */
    write_rule_zone("Julian", "AAA3BBB,J60/0,300/0");
    write_rule_zone("Always_Dst", "EST5EDT4,0/0,J365/25");
    write_rule_zone("Fixed", "<+0330>-3:30");
    write_rule_zone("Late", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    setenv("TZDIR", tzdir, 1);
    struct hd_tz *j = open_zone("Julian"), *a = open_zone("Always_Dst");
    struct hd_tz *f = open_zone("Fixed"), *late = open_zone("Late");
    unsetenv("TZDIR");
    /* 2023: start 1 March 03:00Z; day 300 is 28 October, 02:00Z. */
    assert_int_equal(hd_tz_next_transition(j, utc(2023, 1, 1, 0, 0, 0)), utc(2023, 3, 1, 3, 0, 0));
    assert_int_equal(hd_tz_next_transition(j, utc(2023, 3, 2, 0, 0, 0)),
                     utc(2023, 10, 28, 2, 0, 0));
    /* 2024 is a leap year: still 1 March, but day 300 is 27 October. */
    assert_int_equal(hd_tz_next_transition(j, utc(2024, 1, 1, 0, 0, 0)), utc(2024, 3, 1, 3, 0, 0));
    assert_int_equal(hd_tz_next_transition(j, utc(2024, 3, 2, 0, 0, 0)),
                     utc(2024, 10, 27, 2, 0, 0));
    assert_int_equal(hd_tz_offset_ms(j, utc(2024, 7, 1, 0, 0, 0)), -2 * HD_MS_PER_H);
    /* DST all year round, across New Year. */
    for (int y = 1990; y < 2100; y += 3) {
        int64_t ny = utc(y, 1, 1, 5, 0, 0);
        assert_int_equal(hd_tz_offset_ms(a, ny - 1), -4 * HD_MS_PER_H);
        assert_int_equal(hd_tz_offset_ms(a, ny), -4 * HD_MS_PER_H);
        assert_int_equal(hd_tz_offset_ms(a, utc(y, 7, 1, 0, 0, 0)), -4 * HD_MS_PER_H);
    }
    assert_int_equal(hd_tz_next_transition(a, 0), INT64_MAX);
    assert_int_equal(hd_tz_offset_ms(f, 0), 3 * HD_MS_PER_H + 30 * HD_MS_PER_MIN);
    assert_int_equal(hd_tz_next_transition(f, 0), INT64_MAX);
    /* Change times below zero: "M3.5.0/-1" is 23:00 on the Saturday before. */
    assert_int_equal(hd_tz_next_transition(late, utc(2026, 1, 1, 0, 0, 0)),
                     utc(2026, 3, 28, 23 + 2, 0, 0));
    hd_tz_free(j);
    hd_tz_free(a);
    hd_tz_free(f);
    hd_tz_free(late);
}

static void tz_open__corrupt_files__eio_with_reason(void **state)
{
    static const int64_t times[] = {0, 86400};
    static const unsigned char idx[] = {1, 0};
    static const unsigned char bad_idx[] = {1, 7};
    static const int32_t off[] = {3600, 7200};
    struct fake_zone ok = {2, 2, times, idx, 2, off, "CET-1"};
    struct fake_zone bad_type = {2, 2, times, bad_idx, 2, off, "CET-1"};
    struct fake_zone bad_rule = {2, 2, times, idx, 2, off, "CET-1CEST,M13.1.0,M10.5.0"};
    struct fake_zone empty_rule = {3, 2, times, idx, 2, off, ""};
    (void)state;
    write_zone("Truncated", &ok, 30);
    write_zone("No_Footer_End", &ok, 1);
    write_zone("Bad_Type", &bad_type, 0);
    write_zone("Bad_Rule", &bad_rule, 0);
    write_zone("Empty_Rule", &empty_rule, 0);
    setenv("TZDIR", tzdir, 1);
    static const struct {
        const char *name, *why;
    } cases[] = {{"Truncated", "truncated file"},
                 {"No_Footer_End", "bad footer"},
                 {"Bad_Type", "bad transition"},
                 {"Bad_Rule", "bad TZ rule in footer"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hd_tz *tz = NULL;
        struct hd_err err = HD_ERR_INIT;
        char want[300];
        snprintf(want, sizeof(want), "bad time zone file '%s/%s': %s", tzdir, cases[i].name,
                 cases[i].why);
        assert_int_equal(hd_tz_open(cases[i].name, &tz, &err), HD_EIO);
        assert_null(tz);
        assert_string_equal(err.msg, want);
    }
    /* An empty footer is allowed: the last offset simply continues. */
    struct hd_tz *tz = open_zone("Empty_Rule");
    unsetenv("TZDIR");
    assert_int_equal(hd_tz_offset_ms(tz, utc(2026, 1, 1, 0, 0, 0)), HD_MS_PER_H);
    hd_tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tz_open__utc_and_z__work_without_database),
        cmocka_unit_test(tz_open__unknown_or_unsafe_name__einput),
        cmocka_unit_test(tz_offset__real_zones__winter_summer_and_history),
        cmocka_unit_test(tz_next_transition__real_zones__each_change_in_turn),
        cmocka_unit_test(tz_local_to_utc__dst_gap_and_overlap__documented_rule),
        cmocka_unit_test(tz_local_to_utc__random_instants__earliest_inverse),
        cmocka_unit_test(tz_footer__far_future__rule_keeps_applying),
        cmocka_unit_test(tz_footer__rule_only_file__matches_real_table),
        cmocka_unit_test(tz_open__slim_v2_file__footer_fills_later_years),
        cmocka_unit_test(tz_open__v1_file__table_only),
        cmocka_unit_test(tz_footer__julian_dates_and_permanent_dst__as_posix_says),
        cmocka_unit_test(tz_open__corrupt_files__eio_with_reason),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
