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

struct hd_intern {
    uint32_t *slots;   /* 0 = empty, else id */
    uint32_t *hashes;  /* hash per id, index id */
    const char **strs; /* string per id, index id */
    uint32_t *lens;    /* length per id */
    size_t nslots;     /* power of two */
    uint32_t count;    /* ids handed out */
    size_t ids_alloc;
    struct block *blocks;
};

static uint32_t hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

struct hd_intern *hd_intern_new(void)
{
    struct hd_intern *in = hd_xcalloc(1, sizeof(*in));
    in->nslots = 1024;
    in->slots = hd_xcalloc_touch(in->nslots, sizeof(*in->slots));
    HD_GROW(in->strs, in->ids_alloc, 64);
    in->hashes = hd_xcalloc(in->ids_alloc, sizeof(*in->hashes));
    in->lens = hd_xcalloc(in->ids_alloc, sizeof(*in->lens));
    in->strs[0] = "";
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
    free(in->slots);
    free(in->hashes);
    free(in->strs);
    free(in->lens);
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
        uint32_t id = in->slots[i];
        if (!id || (in->hashes[id] == h && in->lens[id] == len && !memcmp(in->strs[id], s, len))) {
            return i;
        }
        i = (i + 1) & mask;
    }
}

static void rehash(struct hd_intern *in)
{
    size_t n = in->nslots * 2;
    uint32_t *slots = hd_xcalloc_touch(n, sizeof(*slots));

    for (uint32_t id = 1; id <= in->count; id++) {
        size_t i = in->hashes[id] & (n - 1);
        while (slots[i]) {
            i = (i + 1) & (n - 1);
        }
        slots[i] = id;
    }
    free(in->slots);
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
    i = probe(in, s, len, h);
    if (in->slots[i]) {
        return in->slots[i];
    }
    id = ++in->count;
    if (id >= in->ids_alloc) {
        size_t old = in->ids_alloc;
        HD_GROW(in->strs, in->ids_alloc, (size_t)id + 1);
        in->hashes = hd_xrealloc(in->hashes, in->ids_alloc * sizeof(*in->hashes));
        in->lens = hd_xrealloc(in->lens, in->ids_alloc * sizeof(*in->lens));
        (void)old;
    }
    in->strs[id] = store(in, s, len);
    in->hashes[id] = h;
    in->lens[id] = (uint32_t)len;
    in->slots[i] = id;
    if ((size_t)in->count * 2 > in->nslots) {
        rehash(in);
    }
    return id;
}

uint32_t hd_intern_find(const struct hd_intern *in, const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    return in->slots[probe(in, s, len, hash(s, len))];
}

const char *hd_intern_str(const struct hd_intern *in, uint32_t id)
{
    if (id == 0 || id > in->count) {
        return "";
    }
    return in->strs[id];
}

uint32_t hd_intern_count(const struct hd_intern *in)
{
    return in->count;
}
