/*
 * libFuzzer target: time and duration parsing (core/time.c, core/tz.c).
 * The first byte picks the time format and the zone; the rest is parsed as
 * a time in that format, as a duration, and a parsed time is formatted back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hd_tz *zones[3];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[3] = {"Europe/Sofia", "America/New_York", "Australia/Lord_Howe"};
    static int opened;
    struct hd_err err = HD_ERR_INIT;
    char out[64];
    int64_t ms, dur;

    if (!opened) {
        for (int i = 0; i < 3; i++) {
            if (hd_tz_open(names[i], &zones[i], NULL) != HD_OK) {
                zones[i] = NULL; /* no tz database: UTC */
            }
        }
        opened = 1;
    }
    if (size < 1) {
        return 0;
    }
    enum hd_time_fmt fmt = (enum hd_time_fmt)(data[0] % 6);
    const struct hd_tz *tz = (data[0] / 6) % 4 ? zones[(data[0] / 6) % 4 - 1] : NULL;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;

    if (hd_time_parse(s, n, fmt, tz, &ms, &err) == HD_OK) {
        hd_time_format(ms, out, sizeof(out));
        hd_time_format_local(ms, tz, out, sizeof(out));
        (void)hd_tz_offset_ms(tz, ms);
        (void)hd_tz_next_transition(tz, ms);
    }
    char *z = malloc(n + 1);
    if (!z) {
        return 0;
    }
    memcpy(z, s, n);
    z[n] = '\0';
    if (hd_duration_parse(z, &dur, &err) == HD_OK) {
        hd_duration_format(dur, out, sizeof(out));
        hd_duration_format(-dur, out, sizeof(out));
    }
    enum hd_time_fmt f2;
    (void)hd_time_fmt_from_name(z, &f2, &err);
    free(z);
    return 0;
}
