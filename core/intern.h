#ifndef HD_CORE_INTERN_H
#define HD_CORE_INTERN_H

/*
 * String interning with stable integer ids: groups, agents, clients,
 * categories. Id 0 is reserved for "no value" and maps to "". Ids are dense
 * (1, 2, 3, ... in first-seen order), so callers can index arrays by them.
 * Strings live as long as their hd_intern; pointers returned by
 * hd_intern_str() stay valid until hd_intern_free().
 *
 * Cost: lookups and inserts are O(length) expected (open addressing over
 * a word-at-a-time hash); memory is the strings plus ~48 bytes per entry.
 */

#include <stddef.h>
#include <stdint.h>

struct hd_intern;

struct hd_intern *hd_intern_new(void);
void hd_intern_free(struct hd_intern *in);

/* The id of `s` (`len` bytes, need not be NUL-terminated), added if new.
 * An empty string gives 0. */
uint32_t hd_intern_id(struct hd_intern *in, const char *s, size_t len);

/* The id of `s`, or 0 when it was never interned. Never adds. */
uint32_t hd_intern_find(const struct hd_intern *in, const char *s, size_t len);

/* The string for `id` (borrowed, NUL-terminated); "" for 0 or unknown ids. */
const char *hd_intern_str(const struct hd_intern *in, uint32_t id);

/* Number of ids handed out (the largest id). */
uint32_t hd_intern_count(const struct hd_intern *in);

#endif
