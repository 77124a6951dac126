/*
 * libFuzzer target: business calendars from JSON (core/calendar.c). A
 * calendar that loads is queried over a few spans built from the input, so
 * the arithmetic on fuzzer-chosen hours, zones and holidays runs too. The
 * spans are bounded (a year) because elapsed time is O(days spanned).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "core/calendar.h"
#include "core/err.h"
#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hd_err err = HD_ERR_INIT;
    struct hd_calendar *cal = NULL;
    json_error_t jerr;
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);

    if (!v) {
        return 0;
    }
    if (hd_calendar_from_json(v, "fuzz", &cal, &err) == HD_OK) {
        uint32_t seed = 0;
        memcpy(&seed, data, size < sizeof(seed) ? size : sizeof(seed));
        int64_t base = 1767225600000LL; /* 2026-01-01T00:00:00Z */
        int64_t from = base + (int64_t)(seed % 400) * HD_MS_PER_DAY + (seed >> 9) % HD_MS_PER_DAY;
        int64_t span = (int64_t)((seed >> 3) % 366) * HD_MS_PER_H * 24 + (seed % 7) * HD_MS_PER_H;
        int64_t el = hd_calendar_elapsed(cal, from, from + span);
        if (el < 0 || el > span) {
            __builtin_trap(); /* business time within a span is at most the span */
        }
        int64_t t = hd_calendar_add(cal, from, el);
        if (t != INT64_MAX && t < from) {
            __builtin_trap();
        }
        (void)hd_calendar_is_open(cal, from);
        (void)hd_calendar_add(cal, from, (int64_t)(seed % 1000) * HD_MS_PER_MIN);
        hd_calendar_free(cal);
    }
    json_decref(v);
    return 0;
}
