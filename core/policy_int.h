#ifndef HD_CORE_POLICY_INT_H
#define HD_CORE_POLICY_INT_H

/*
 * Internals of the policy engine shared by core/policy*.c: the loaded
 * representation and the word rules of keyword matching. Never included
 * from outside core/.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/policy.h"

struct hd_intern;

/* Ticket text fields a rule can read. */
enum pol_field {
    PF_TITLE,
    PF_DESCRIPTION,
    PF_CATEGORY,
    PF_SUBCATEGORY,
    PF_ASSET_CLASS,
    PF_ASSET,
    PF_REQUESTER,
    PF_REQUESTER_TIER,
    PF_CLIENT,
    PF_CHANNEL,
    PF_COUNT
};

/* Fields keywords are searched in, as bits of pol_rule.kw_fields. */
#define PKW_TITLE       (1u << 0)
#define PKW_DESCRIPTION (1u << 1)
#define PKW_CATEGORY    (1u << 2)
#define PKW_ALL         (PKW_TITLE | PKW_DESCRIPTION | PKW_CATEGORY)

/* List conditions: "any of these values", case-insensitive equality. */
enum pol_list {
    PL_CATEGORY,
    PL_SUBCATEGORY,
    PL_ASSET_CLASS,
    PL_REQUESTER_TIER,
    PL_CLIENT,
    PL_CHANNEL,
    PL_COUNT
};

struct pol_strlist {
    char **v;    /* lowercased values, owned */
    size_t *len; /* their lengths */
    size_t n;    /* 0: no condition */
};

/* Keys a repeat pattern groups tickets by. */
enum pol_repeat_key { PR_REQUESTER, PR_ASSET, PR_CATEGORY, PR_CLIENT };

struct pol_repeat {
    enum pol_repeat_key key;
    uint32_t count;    /* >= 2: this ticket is at least the count-th */
    int64_t within_ms; /* > 0: oldest counted ticket opened at most this long ago */
    size_t table;      /* index of this rule's table in a state */
};

/* What a rule (or the default) does. */
struct pol_action {
    size_t queue;
    bool escalate;    /* target queue is a security queue */
    int set_priority; /* 1..5, 0: unchanged */
    bool require_note;
    int64_t cadence_ms; /* 0: fall back to update_cadence */
};

/*
 * A rule. A condition kind that is absent always holds: an empty prio mask
 * is never stored (absent means PRIO_ALL), list n == 0 and nkw == 0 mean no
 * condition, repeat.count == 0 means no repeat.
 */
struct pol_rule {
    char *id;
    char *description;  /* "" when none */
    unsigned prio_mask; /* bit p set: priority p matches (p = 0 unknown) */
    struct pol_strlist lists[PL_COUNT];
    uint8_t list_ix[PL_COUNT]; /* the lists[] present, in order */
    uint8_t nlists;
    uint32_t *kw;    /* keyword ids, into hd_policy.kws */
    uint64_t kw_sig; /* bit (id % 64) for each keyword: a quick negative test */
    char **kw_text;  /* the keywords as written, parallel to kw */
    size_t nkw;
    unsigned kw_fields; /* PKW_* bits */
    struct pol_repeat repeat;
    struct pol_action act;
};

#define PRIO_ALL 0x3fu /* bits 0..5: unknown and P1..P5 */

/* A keyword: a phrase of 1..HD_POLICY_MAX_PHRASE_WORDS word ids. */
struct pol_kw {
    uint32_t words[HD_POLICY_MAX_PHRASE_WORDS];
    uint32_t nwords;
};

/* The word hash table used while scanning ticket text. */
struct pol_wslot {
    uint32_t hash;
    uint32_t id;   /* 0: empty */
    const char *s; /* the word, lowercased; borrowed from hd_policy.words */
};

struct hd_policy {
    char *name;
    struct hd_policy_queue *queues;
    size_t nqueues;
    struct pol_rule *rules;
    size_t nrules;
    struct pol_action dflt;
    struct hd_policy_timer *timers;
    size_t ntimers;
    int64_t cadence_ms[6]; /* by priority; [0] unused */

    /* Keyword tables, built once at load. */
    struct hd_intern *words;   /* lowercased words; id 1.. */
    struct hd_intern *kwnames; /* normalised phrases ("mfa reset"); kw id + 1 */
    struct pol_kw *kws;
    size_t nkws;
    uint64_t *wfilter;      /* POL_WFILTER_BITS bits by pol_wfilter_key(): may a word be in wtab? */
    struct pol_wslot *wtab; /* power-of-two size, load <= 1/4 */
    size_t wmask;
    uint32_t *by_last_start; /* keywords ending in word w: by_last[start[w]..start[w+1]) */
    uint32_t *by_last;

    size_t *repeat_rules; /* indexes of rules with a repeat condition, ascending */
    size_t nrepeat;
};

/* ASCII word characters; bytes >= 0x80 (UTF-8) count as letters. */
static inline bool pol_isword(unsigned char c)
{
    return (unsigned)((c | 0x20) - 'a') < 26u || (unsigned)(c - '0') < 10u || c >= 0x80;
}

static inline unsigned char pol_lower(unsigned char c)
{
    return (unsigned)(c - 'A') < 26u ? (unsigned char)(c + 32) : c;
}

/*
 * pol_fold[c]: the lowercase of a word byte, 0 for a separator (and NUL).
 * One table load per byte of ticket text instead of several compares.
 */
extern const unsigned char pol_fold[256];

/*
 * A filter on (first two folded bytes, length) that rejects most words of
 * a ticket before they are hashed: 2^16 bits, 8 KiB.
 */
#define POL_WFILTER_BITS 65536u
static inline uint32_t pol_wfilter_key(unsigned char f0, unsigned char f1, size_t len)
{
    uint32_t k = ((uint32_t)f0 * 31u + f1) * 64u + (uint32_t)(len < 63 ? len : 63);
    return (k * 2654435761u) >> 16;
}

/* FNV-1a over lowercased bytes: the hash of the word table. */
#define POL_HASH_INIT 2166136261u
static inline uint32_t pol_hash_step(uint32_t h, unsigned char c)
{
    return (h ^ pol_lower(c)) * 16777619u;
}

/* Free everything a policy owns (tolerates a partly built one). */
void pol_destroy(struct hd_policy *p);

#endif
