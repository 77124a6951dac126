/*
 * Policy engine: evaluation. The keyword scan over ticket text, condition
 * checks, first-match decision, and the repeat-pattern memory kept in a
 * struct hd_policy_state. Nothing here allocates except a repeat table that
 * must grow. Loading lives in policy_load.c.
 */
#include "core/policy.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/policy_int.h"

/* ---- Repeat memory ------------------------------------------------------ */

/*
 * One slot per distinct key: the times of its last m = count-1 matching
 * tickets in a ring (rings[slot * m ...]), oldest at `head`.
 */
struct rep_slot {
    uint32_t hash;
    uint32_t key_len; /* 0: empty slot */
    size_t key_off;   /* lowercased key in the table's key arena */
    int64_t newest_ms;
    uint32_t head;
    uint32_t n; /* entries in the ring, <= m */
};

/*
 * Open addressing with linear probing, load <= 1/2. When the table fills,
 * it is rebuilt into the spare arrays without the keys whose newest ticket
 * has left the window (they can never count again, as time only moves
 * forward); it doubles only when at least a quarter of it is still live.
 */
struct rep_table {
    uint32_t m;        /* ring length: count - 1 */
    int64_t within_ms; /* window length */
    size_t cap;        /* slots in use as the table: 0 or a power of two */
    size_t used;       /* occupied slots */
    struct rep_slot *slots;
    int64_t *rings;
    size_t nalloc; /* slots (and rings of m) allocated */
    char *keys;
    size_t keys_len, keys_alloc;
    struct rep_slot *spare_slots; /* rebuilt into, then swapped */
    int64_t *spare_rings;
    size_t spare_nalloc;
    char *spare_keys;
    size_t spare_keys_alloc;
};

struct hd_policy_state {
    const struct hd_policy *p;
    uint32_t gen;             /* evaluation counter for kw_gen */
    uint32_t *kw_gen;         /* per keyword: the gen in which it was last seen */
    uint8_t *kw_fields;       /* per keyword: PKW_* fields it was seen in, during kw_gen */
    struct rep_table *tables; /* one per repeat rule */
    int64_t last_ms;          /* opened_ms of the previous ticket */
    bool seen;                /* a ticket has been recorded since new/reset */
};

static uint32_t hash_lower(const char *s, size_t n)
{
    uint32_t h = POL_HASH_INIT;
    for (size_t i = 0; i < n; i++) {
        h = pol_hash_step(h, (unsigned char)s[i]);
    }
    return h;
}

/* `low` is already lowercase; compare with `s` folded. */
static bool eq_folded(const char *low, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)low[i] != pol_lower((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

static void rep_rebuild(struct rep_table *t, int64_t now_ms)
{
    size_t live = 0, ncap = t->cap ? t->cap : 16, klen = 0;

    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].key_len && now_ms - t->slots[i].newest_ms <= t->within_ms) {
            live++;
        }
    }
    while (ncap < 4 * (live + 1)) {
        ncap *= 2;
    }
    if (t->spare_nalloc < ncap) {
        free(t->spare_slots);
        free(t->spare_rings);
        t->spare_slots = hd_xmalloc(ncap * sizeof(*t->spare_slots));
        t->spare_rings = hd_xmalloc(ncap * t->m * sizeof(*t->spare_rings));
        t->spare_nalloc = ncap;
    }
    if (t->spare_keys_alloc < t->keys_len) {
        free(t->spare_keys);
        t->spare_keys = hd_xmalloc(t->keys_alloc);
        t->spare_keys_alloc = t->keys_alloc;
    }
    memset(t->spare_slots, 0, ncap * sizeof(*t->spare_slots));
    for (size_t i = 0; i < t->cap; i++) {
        const struct rep_slot *s = &t->slots[i];
        size_t j;
        if (!s->key_len || now_ms - s->newest_ms > t->within_ms) {
            continue;
        }
        for (j = s->hash & (ncap - 1); t->spare_slots[j].key_len; j = (j + 1) & (ncap - 1)) {
        }
        t->spare_slots[j] = *s;
        t->spare_slots[j].key_off = klen;
        memcpy(t->spare_keys + klen, t->keys + s->key_off, s->key_len);
        klen += s->key_len;
        memcpy(t->spare_rings + j * t->m, t->rings + i * t->m, t->m * sizeof(*t->rings));
    }
    {
        struct rep_slot *ss = t->slots;
        int64_t *sr = t->rings;
        size_t sn = t->nalloc;
        char *sk = t->keys;
        size_t ska = t->keys_alloc;
        t->slots = t->spare_slots;
        t->rings = t->spare_rings;
        t->nalloc = t->spare_nalloc;
        t->keys = t->spare_keys;
        t->keys_alloc = t->spare_keys_alloc;
        t->spare_slots = ss;
        t->spare_rings = sr;
        t->spare_nalloc = sn;
        t->spare_keys = sk;
        t->spare_keys_alloc = ska;
    }
    t->cap = ncap;
    t->used = live;
    t->keys_len = klen;
}

/*
 * Record a ticket opened at `now_ms` under `key` and say whether it is at
 * least the (m+1)-th within the window: the oldest of the m previous ones
 * is at most within_ms old (inclusive).
 */
static bool rep_record(struct rep_table *t, const char *key, size_t len, int64_t now_ms)
{
    uint32_t h = hash_lower(key, len);
    struct rep_slot *s;
    int64_t *ring;
    size_t i;
    bool fire;

    if ((t->used + 1) * 2 > t->cap) {
        rep_rebuild(t, now_ms);
    }
    for (i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        s = &t->slots[i];
        if (!s->key_len) {
            break;
        }
        if (s->hash == h && s->key_len == len && eq_folded(t->keys + s->key_off, key, len)) {
            break;
        }
    }
    if (!s->key_len) {
        if (t->keys_len + len > t->keys_alloc) {
            HD_GROW(t->keys, t->keys_alloc, t->keys_len + len);
        }
        for (size_t k = 0; k < len; k++) {
            t->keys[t->keys_len + k] = (char)pol_lower((unsigned char)key[k]);
        }
        s->hash = h;
        s->key_len = (uint32_t)len;
        s->key_off = t->keys_len;
        s->head = 0;
        s->n = 0;
        t->keys_len += len;
        t->used++;
    }
    ring = t->rings + i * t->m;
    fire = s->n == t->m && now_ms - ring[s->head] <= t->within_ms;
    if (s->n < t->m) {
        ring[(s->head + s->n) % t->m] = now_ms;
        s->n++;
    } else {
        ring[s->head] = now_ms;
        s->head = (s->head + 1) % t->m;
    }
    s->newest_ms = now_ms;
    return fire;
}

static void rep_release(struct rep_table *t)
{
    free(t->slots);
    free(t->rings);
    free(t->keys);
    free(t->spare_slots);
    free(t->spare_rings);
    free(t->spare_keys);
}

/* ---- State ------------------------------------------------------------------- */

struct hd_policy_state *hd_policy_state_new(const struct hd_policy *p)
{
    struct hd_policy_state *st = hd_xcalloc(1, sizeof(*st));

    st->p = p;
    st->kw_gen = hd_xcalloc(p->nkws + 1, sizeof(*st->kw_gen));
    st->kw_fields = hd_xcalloc(p->nkws + 1, sizeof(*st->kw_fields));
    st->tables = hd_xcalloc(p->nrepeat + 1, sizeof(*st->tables));
    for (size_t i = 0; i < p->nrepeat; i++) {
        const struct pol_repeat *r = &p->rules[p->repeat_rules[i]].repeat;
        st->tables[i].m = r->count - 1;
        st->tables[i].within_ms = r->within_ms;
    }
    return st;
}

void hd_policy_state_free(struct hd_policy_state *st)
{
    if (!st) {
        return;
    }
    for (size_t i = 0; i < st->p->nrepeat; i++) {
        rep_release(&st->tables[i]);
    }
    free(st->tables);
    free(st->kw_gen);
    free(st->kw_fields);
    free(st);
}

void hd_policy_state_reset(struct hd_policy_state *st)
{
    for (size_t i = 0; i < st->p->nrepeat; i++) {
        struct rep_table *t = &st->tables[i];
        if (t->cap) {
            memset(t->slots, 0, t->cap * sizeof(*t->slots));
        }
        t->used = 0;
        t->keys_len = 0;
    }
    st->seen = false;
    st->last_ms = 0;
}

/* ---- Keyword scan ---------------------------------------------------------------- */

struct eval {
    const struct hd_policy *p;
    struct hd_policy_state *st;
    const char *f[PF_COUNT]; /* ticket fields, never NULL */
    size_t len[PF_COUNT];    /* SIZE_MAX until measured */
    unsigned scanned;        /* PKW_* fields already scanned */
    uint64_t kw_sig;         /* bit (id % 64) of every keyword seen so far */
    const char *keyword;     /* the keyword the last keyword check matched */
};

static size_t field_len(struct eval *ev, enum pol_field f)
{
    if (ev->len[f] == SIZE_MAX) {
        ev->len[f] = strlen(ev->f[f]);
    }
    return ev->len[f];
}

/* The id of the word `w` (`len` bytes, not folded) in the keyword vocabulary, or 0. */
static uint32_t word_find(const struct hd_policy *p, const unsigned char *w, size_t len)
{
    uint32_t h = POL_HASH_INIT;

    for (size_t i = 0; i < len; i++) {
        h = (h ^ pol_fold[w[i]]) * 16777619u;
    }
    for (size_t i = h & p->wmask;; i = (i + 1) & p->wmask) {
        const struct pol_wslot *s = &p->wtab[i];
        if (!s->id) {
            return 0;
        }
        if (s->hash == h && eq_folded(s->s, (const char *)w, len) && s->s[len] == '\0') {
            return s->id;
        }
    }
}

/*
 * Bit i set when byte i of p[0..8) is a word byte, as pol_fold says: ASCII
 * letters and digits and bytes >= 0x80. SWAR: byte-wise range checks that
 * cannot carry between bytes (every operand byte stays below 0x100), then
 * the eight high bits gathered by one multiplication. The bytes are
 * assembled explicitly so that the result does not depend on byte order
 * (compilers turn it into one load).
 */
static unsigned word_mask8(const unsigned char *p)
{
    const uint64_t hi = 0x8080808080808080ull, ones = 0x0101010101010101ull;
    uint64_t x = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                 (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                 (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
    uint64_t y = x & ~hi;         /* low 7 bits of each byte */
    uint64_t c = y | 0x20 * ones; /* ASCII letters folded to lowercase */
    uint64_t letter = (c + (0x80 - 'a') * ones) & ~(c + (0x80 - 'z' - 1) * ones);
    uint64_t digit = (y + (0x80 - '0') * ones) & ~(y + (0x80 - '9' - 1) * ones);
    uint64_t w = (x | letter | digit) & hi;

    return (unsigned)(((w >> 7) * 0x0102040810204080ull) >> 56);
}

/*
 * Read `len` bytes of `text` and mark every keyword found in it with `bit`.
 *
 * Word boundaries come from a bit mask per 64-byte block (eight bytes at a
 * time, no branch per byte), and the words are then visited by their end bits,
 * so the branches taken are per block and per candidate word, not per byte
 * (a byte loop mispredicts at nearly every word end). A word that passes
 * the (first two letters, length) filter is hashed and looked up; the last
 * HD_POLICY_MAX_PHRASE_WORDS word ids stay in a ring, and when a word ends
 * a keyword phrase the phrase's earlier words are compared with the ring.
 * O(len); no allocation.
 */
static void scan(struct eval *ev, const char *text, size_t len, unsigned bit)
{
    const struct hd_policy *p = ev->p;
    struct hd_policy_state *st = ev->st;
    const unsigned char *t = (const unsigned char *)text;
    uint32_t ring[HD_POLICY_MAX_PHRASE_WORDS] = {0};
    uint32_t pos = 0;
    size_t open_start = 0; /* where the word running into this block began */
    uint64_t open = 0;     /* 1 when the previous block ended inside a word */

    _Static_assert((HD_POLICY_MAX_PHRASE_WORDS & (HD_POLICY_MAX_PHRASE_WORDS - 1)) == 0,
                   "the ring is indexed with a mask");
    for (size_t base = 0; base <= len; base += 64) {
        size_t lim = len - base < 64 ? len - base : 64;
        uint64_t m = 0, prev, starts, ends;
        size_t i = 0;

        for (; i + 8 <= lim; i += 8) {
            m |= (uint64_t)word_mask8(t + base + i) << i;
        }
        for (; i < lim; i++) {
            m |= (uint64_t)(pol_fold[t[base + i]] != 0) << i;
        }
        prev = m << 1 | open; /* bit i: byte i-1 is a word byte */
        starts = m & ~prev;
        ends = ~m & prev; /* bit i: a word ends just before byte i */
        for (; ends; ends &= ends - 1) {
            unsigned e = (unsigned)__builtin_ctzll(ends);
            uint64_t before = starts & ((1ull << e) - 1);
            size_t s = before ? base + 63 - (unsigned)__builtin_clzll(before) : open_start;
            size_t n = base + e - s;
            uint32_t key = pol_wfilter_key(pol_fold[t[s]], n > 1 ? pol_fold[t[s + 1]] : 0, n);
            uint32_t id = 0;

            if (p->wfilter[key / 64] >> (key % 64) & 1) {
                id = word_find(p, t + s, n);
            }
            ring[pos & (HD_POLICY_MAX_PHRASE_WORDS - 1)] = id;
            pos++;
            if (!id) {
                continue;
            }
            for (uint32_t j = p->by_last_start[id]; j < p->by_last_start[id + 1]; j++) {
                uint32_t k = p->by_last[j];
                const struct pol_kw *kw = &p->kws[k];
                bool ok = kw->nwords <= pos;
                for (uint32_t q = 1; ok && q < kw->nwords; q++) {
                    ok = ring[(pos - 1 - q) & (HD_POLICY_MAX_PHRASE_WORDS - 1)] ==
                         kw->words[kw->nwords - 1 - q];
                }
                if (ok) {
                    if (st->kw_gen[k] != st->gen) {
                        st->kw_gen[k] = st->gen;
                        st->kw_fields[k] = 0;
                    }
                    st->kw_fields[k] |= (uint8_t)bit;
                    ev->kw_sig |= 1ull << (k % 64);
                }
            }
        }
        open = m >> 63;
        if (open && starts) {
            open_start = base + 63 - (unsigned)__builtin_clzll(starts);
        }
    }
}

static bool keywords_match(struct eval *ev, const struct pol_rule *r)
{
    const struct hd_policy_state *st = ev->st;
    unsigned todo = r->kw_fields & ~ev->scanned;

    if (todo) {
        if (todo & PKW_TITLE) {
            scan(ev, ev->f[PF_TITLE], field_len(ev, PF_TITLE), PKW_TITLE);
        }
        if (todo & PKW_DESCRIPTION) {
            scan(ev, ev->f[PF_DESCRIPTION], field_len(ev, PF_DESCRIPTION), PKW_DESCRIPTION);
        }
        if (todo & PKW_CATEGORY) {
            scan(ev, ev->f[PF_CATEGORY], field_len(ev, PF_CATEGORY), PKW_CATEGORY);
        }
        ev->scanned |= todo;
    }
    if (!(r->kw_sig & ev->kw_sig)) {
        return false; /* none of its keywords was seen anywhere */
    }
    for (size_t i = 0; i < r->nkw; i++) {
        uint32_t k = r->kw[i];
        if (st->kw_gen[k] == st->gen && (st->kw_fields[k] & r->kw_fields)) {
            ev->keyword = r->kw_text[i];
            return true;
        }
    }
    return false;
}

/* ---- Conditions and decision ---------------------------------------------------- */

/* Ticket field each list condition reads, by enum pol_list. */
static const enum pol_field list_field[PL_COUNT] = {
    PF_CATEGORY, PF_SUBCATEGORY, PF_ASSET_CLASS, PF_REQUESTER_TIER, PF_CLIENT, PF_CHANNEL};

static bool list_match(struct eval *ev, const struct pol_strlist *l, enum pol_field f)
{
    size_t n = field_len(ev, f);

    for (size_t i = 0; n && i < l->n; i++) {
        if (l->len[i] == n && eq_folded(l->v[i], ev->f[f], n)) {
            return true;
        }
    }
    return false;
}

/* Every condition of `r` except the repeat threshold. */
static bool filter_match(struct eval *ev, const struct pol_rule *r, int prio)
{
    if (!(r->prio_mask & (1u << prio))) {
        return false;
    }
    for (unsigned i = 0; i < r->nlists; i++) {
        unsigned l = r->list_ix[i];
        if (!list_match(ev, &r->lists[l], list_field[l])) {
            return false;
        }
    }
    return !r->nkw || keywords_match(ev, r);
}

static const enum pol_field repeat_field[] = {PF_REQUESTER, PF_ASSET, PF_CATEGORY, PF_CLIENT};

/* Record the ticket for repeat rule `r`; true when the threshold is met. */
static bool repeat_hit(struct eval *ev, const struct pol_rule *r, int64_t opened_ms)
{
    enum pol_field f = repeat_field[r->repeat.key];
    size_t n = field_len(ev, f);

    if (!n) {
        return false; /* no key: the ticket cannot repeat anything */
    }
    return rep_record(&ev->st->tables[r->repeat.table], ev->f[f], n, opened_ms);
}

int hd_policy_decide(const struct hd_policy *p, struct hd_policy_state *st,
                     const struct hd_policy_ticket *t, struct hd_policy_decision *out,
                     struct hd_err *err)
{
    const char *const raw[PF_COUNT] = {
        [PF_TITLE] = t->title,
        [PF_DESCRIPTION] = t->description,
        [PF_CATEGORY] = t->category,
        [PF_SUBCATEGORY] = t->subcategory,
        [PF_ASSET_CLASS] = t->asset_class,
        [PF_ASSET] = t->asset,
        [PF_REQUESTER] = t->requester,
        [PF_REQUESTER_TIER] = t->requester_tier,
        [PF_CLIENT] = t->client,
        [PF_CHANNEL] = t->channel,
    };
    struct eval ev;
    const struct pol_action *a;
    int prio = t->priority >= 1 && t->priority <= 5 ? t->priority : 0;
    long decided = -1;
    const char *keyword = NULL;

    if (st->p != p) {
        return hd_err_set(err, HD_EUSAGE, NULL, 0, "policy state belongs to another policy");
    }
    if (p->nrepeat && st->seen && t->opened_ms < st->last_ms) {
        return hd_err_set(err, HD_EUSAGE, NULL, 0,
                          "ticket opened at %" PRId64 " ms, before the previous ticket at %" PRId64
                          " ms: repeat windows need tickets in time order",
                          t->opened_ms, st->last_ms);
    }
    ev.p = p;
    ev.st = st;
    for (int f = 0; f < PF_COUNT; f++) {
        ev.f[f] = raw[f] ? raw[f] : "";
        ev.len[f] = SIZE_MAX;
    }
    ev.scanned = 0;
    ev.kw_sig = 0;
    ev.keyword = NULL;
    if (p->nkws && ++st->gen == 0) {
        memset(st->kw_gen, 0, p->nkws * sizeof(*st->kw_gen));
        st->gen = 1;
    }

    for (size_t i = 0; i < p->nrules; i++) {
        const struct pol_rule *r = &p->rules[i];
        /* Inline quick rejections: most rules fail on these. */
        if (!(r->prio_mask & (1u << prio)) ||
            (r->nkw && !(r->kw_fields & ~ev.scanned) && !(r->kw_sig & ev.kw_sig))) {
            continue;
        }
        if (!filter_match(&ev, r, prio)) {
            continue;
        }
        if (r->repeat.count && !repeat_hit(&ev, r, t->opened_ms)) {
            continue;
        }
        decided = (long)i;
        keyword = r->nkw ? ev.keyword : NULL;
        break;
    }
    /* Later repeat rules still see the ticket: counts must not depend on order. */
    if (decided >= 0) {
        for (size_t k = 0; k < p->nrepeat; k++) {
            const struct pol_rule *r = &p->rules[p->repeat_rules[k]];
            if ((long)p->repeat_rules[k] > decided && filter_match(&ev, r, prio)) {
                repeat_hit(&ev, r, t->opened_ms);
            }
        }
    }
    if (p->nrepeat) {
        st->last_ms = t->opened_ms;
        st->seen = true;
    }

    a = decided >= 0 ? &p->rules[decided].act : &p->dflt;
    out->queue = a->queue;
    out->escalate_to_security = a->escalate;
    out->priority = a->set_priority;
    out->require_note = a->require_note;
    out->cadence_ms =
        a->cadence_ms ? a->cadence_ms : p->cadence_ms[a->set_priority ? a->set_priority : prio];
    out->rule = decided;
    out->rule_id = decided >= 0 ? p->rules[decided].id : "default";
    out->keyword = keyword;
    out->is_default = decided < 0;
    return HD_OK;
}
