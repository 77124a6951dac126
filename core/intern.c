/* String interning: an open-addressing table over strings kept in blocks. */
#include "core/intern.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define BLOCK_SIZE (64 * 1024)

struct block {
    struct block *next;
    size_t used, size;
    char data[];
};

/*
 * A lookup that finds its string touches three cache lines: the slot, which
 * holds the hash beside the id (a mismatch costs nothing more), the id's
 * entry (string and length together) and the string.
 */
struct entry {
    const char *s;
    uint32_t len;
};

/*
 * A small direct-mapped cache of recent short strings in front of the
 * table, the text kept inline: most lookups repeat one of a few dozen
 * values (groups, agents, canned notes) and are then answered from a
 * line that stays in the CPU's cache instead of three that do not.
 */
#define RECENT      512
#define RECENT_TEXT 55
struct recent {
    uint32_t h, id; /* id 0: empty */
    uint8_t len;
    char text[RECENT_TEXT];
};

struct hd_intern {
    uint64_t *slots;      /* 0 = empty, else hash << 32 | id */
    struct entry *ids;    /* string per id, index id */
    struct recent *recent;
    size_t nslots;        /* power of two */
    uint32_t count;       /* ids handed out */
    size_t ids_alloc;
    struct block *blocks;
};

static uint64_t load64(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

static uint64_t load32(const char *s)
{
    uint32_t w;
    memcpy(&w, s, 4);
    return w;
}

/* Eight bytes a step (the short tail read as overlapping words), then a
 * finaliser: interned values are short, and FNV-1a's byte loop was most
 * of a lookup's instructions. */
static uint32_t hash(const char *s, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (len * 0xff51afd7ed558ccdull), w;

    for (; len > 8; s += 8, len -= 8) {
        h = (h ^ load64(s)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    if (len == 8) {
        w = load64(s);
    } else if (len >= 4) {
        w = load32(s) | load32(s + len - 4) << 32;
    } else if (len) {
        w = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 |
            (uint64_t)(unsigned char)s[len - 1] << 16;
    } else {
        w = 0;
    }
    h = (h ^ w) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

struct hd_intern *hd_intern_new(void)
{
    struct hd_intern *in = hd_xcalloc(1, sizeof(*in));
    in->nslots = 1024;
    in->slots = hd_big_zalloc(in->nslots * sizeof(*in->slots));
    HD_GROW(in->ids, in->ids_alloc, 64);
    in->ids[0].s = "";
    in->ids[0].len = 0;
    in->recent = hd_xcalloc(RECENT, sizeof(*in->recent));
    return in;
}

void hd_intern_free(struct hd_intern *in)
{
    if (!in) {
        return;
    }
    for (struct block *b = in->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    hd_big_free(in->slots, in->nslots * sizeof(*in->slots));
    free(in->ids);
    free(in->recent);
    free(in);
}

static const char *store(struct hd_intern *in, const char *s, size_t len)
{
    struct block *b = in->blocks;
    char *p;

    if (!b || b->size - b->used < len + 1) {
        size_t size = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;
        b = hd_xmalloc(sizeof(*b) + size);
        b->used = 0;
        b->size = size;
        b->next = in->blocks;
        in->blocks = b;
    }
    p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

static size_t probe(const struct hd_intern *in, const char *s, size_t len, uint32_t h)
{
    size_t mask = in->nslots - 1;
    size_t i = h & mask;

    for (;;) {
        uint64_t v = in->slots[i];
        if (!v) {
            return i;
        }
        if ((uint32_t)(v >> 32) == h) {
            const struct entry *e = &in->ids[(uint32_t)v];
            if (e->len == len && !memcmp(e->s, s, len)) {
                return i;
            }
        }
        i = (i + 1) & mask;
    }
}

static void rehash(struct hd_intern *in)
{
    size_t n = in->nslots * 2;
    /* probed at random: huge pages from 2 MiB on (hd_big_zalloc) */
    uint64_t *slots = hd_big_zalloc(n * sizeof(*slots));

    for (size_t k = 0; k < in->nslots; k++) {
        uint64_t v = in->slots[k];
        if (v) {
            size_t i = (v >> 32) & (n - 1);
            while (slots[i]) {
                i = (i + 1) & (n - 1);
            }
            slots[i] = v;
        }
    }
    hd_big_free(in->slots, in->nslots * sizeof(*in->slots));
    in->slots = slots;
    in->nslots = n;
}

uint32_t hd_intern_id(struct hd_intern *in, const char *s, size_t len)
{
    uint32_t h;
    size_t i;
    uint32_t id;

    if (len == 0) {
        return 0;
    }
    h = hash(s, len);
    struct recent *rc = &in->recent[(h >> 16) & (RECENT - 1)];
    if (rc->id && rc->h == h && rc->len == len && !memcmp(rc->text, s, len)) {
        return rc->id;
    }
    i = probe(in, s, len, h);
    if (in->slots[i]) {
        id = (uint32_t)in->slots[i];
    } else {
        id = ++in->count;
        HD_GROW(in->ids, in->ids_alloc, (size_t)id + 1);
        in->ids[id].s = store(in, s, len);
        in->ids[id].len = (uint32_t)len;
        in->slots[i] = (uint64_t)h << 32 | id;
        if ((size_t)in->count * 2 > in->nslots) {
            rehash(in);
        }
    }
    if (len <= RECENT_TEXT) {
        rc->h = h;
        rc->id = id;
        rc->len = (uint8_t)len;
        memcpy(rc->text, s, len);
    }
    return id;
}

uint32_t hd_intern_find(const struct hd_intern *in, const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    return (uint32_t)in->slots[probe(in, s, len, hash(s, len))];
}

const char *hd_intern_str(const struct hd_intern *in, uint32_t id)
{
    if (id == 0 || id > in->count) {
        return "";
    }
    return in->ids[id].s;
}

uint32_t hd_intern_count(const struct hd_intern *in)
{
    return in->count;
}
