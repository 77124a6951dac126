/* The in-memory dataset: tickets, events, sources; grouping and ordering. */
#include "analyzer/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/an_int.h"
#include "core/alloc.h"
#include "core/intern.h"

void an_data_init(struct an_data *d)
{
    memset(d, 0, sizeof(*d));
    d->strs = hd_intern_new();
}

void an_data_release(struct an_data *d)
{
    for (size_t i = 0; i < d->nsources; i++) {
        free(d->sources[i].path);
        free(d->sources[i].profile);
    }
    free(d->sources);
    hd_big_free(d->tickets, d->tickets_alloc * sizeof(*d->tickets));
    hd_big_free(d->events, d->events_alloc * sizeof(*d->events));
    hd_big_free(d->event_ids, d->event_ids ? d->events_alloc * sizeof(*d->event_ids) : 0);
    hd_big_free(d->tmap, d->tmap_size * sizeof(*d->tmap));
    hd_intern_free(d->strs);
    memset(d, 0, sizeof(*d));
}

const char *an_str(const struct an_data *d, uint32_t id)
{
    return hd_intern_str(d->strs, id);
}

uint32_t an_data_add_source(struct an_data *d, const char *path, const char *profile)
{
    HD_GROW(d->sources, d->sources_alloc, d->nsources + 1);
    d->sources[d->nsources].path = hd_xstrdup(path);
    d->sources[d->nsources].profile = hd_xstrdup(profile);
    d->sources[d->nsources].db_id = 0;
    return (uint32_t)d->nsources++;
}

static uint64_t tkey_hash(uint32_t client, uint32_t key)
{
    uint64_t h = ((uint64_t)client << 32 | key) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static void tmap_rebuild(struct an_data *d, size_t size)
{
    /* Probed at random: from 2 MiB on huge pages (hd_big_zalloc), where a
     * 4 KiB page's TLB miss cost more than the cache miss. */
    hd_big_free(d->tmap, d->tmap_size * sizeof(*d->tmap));
    d->tmap = hd_big_zalloc(size * sizeof(*d->tmap));
    d->tmap_size = size;
    for (size_t i = 0; i < d->ntickets; i++) {
        size_t j = tkey_hash(d->tickets[i].client, d->tickets[i].key) & (size - 1);
        while (d->tmap[j]) {
            j = (j + 1) & (size - 1);
        }
        d->tmap[j] = (uint32_t)i + 1;
    }
}

static size_t tmap_probe(const struct an_data *d, uint32_t client, uint32_t key)
{
    size_t mask = d->tmap_size - 1;
    size_t j = tkey_hash(client, key) & mask;
    for (;;) {
        uint32_t v = d->tmap[j];
        if (!v || (d->tickets[v - 1].client == client && d->tickets[v - 1].key == key)) {
            return j;
        }
        j = (j + 1) & mask;
    }
}

uint32_t an_data_find_ticket(const struct an_data *d, uint32_t client, uint32_t key)
{
    if (!d->tmap_size) {
        return UINT32_MAX;
    }
    uint32_t v = d->tmap[tmap_probe(d, client, key)];
    return v ? v - 1 : UINT32_MAX;
}

/* Move the tickets to an array of `alloc`, in huge pages when large. */
static void tickets_grow(struct an_data *d, size_t alloc)
{
    d->tickets = hd_big_realloc(d->tickets, d->tickets_alloc * sizeof(*d->tickets),
                                alloc * sizeof(*d->tickets));
    d->tickets_alloc = alloc;
}

void an_data_reserve_tickets(struct an_data *d, size_t ntickets)
{
    size_t need = d->ntickets + ntickets, size = d->tmap_size ? d->tmap_size : 1024;

    if (need > d->tickets_alloc) {
        tickets_grow(d, need);
    }
    while ((need + 1) * 2 > size) {
        size *= 2;
    }
    if (size > d->tmap_size) {
        tmap_rebuild(d, size);
    }
}

uint32_t an_data_ticket(struct an_data *d, uint32_t client, uint32_t key)
{
    size_t j;
    struct an_ticket *t;

    if ((d->ntickets + 1) * 2 > d->tmap_size) {
        tmap_rebuild(d, d->tmap_size ? d->tmap_size * 2 : 1024);
    }
    j = tmap_probe(d, client, key);
    if (d->tmap[j]) {
        return d->tmap[j] - 1;
    }
    if (d->ntickets == d->tickets_alloc) {
        tickets_grow(d, d->tickets_alloc ? d->tickets_alloc * 2 : 1024);
    }
    t = &d->tickets[d->ntickets];
    memset(t, 0, sizeof(*t));
    t->client = client;
    t->key = key;
    t->opened_ms = AN_TIME_NONE;
    t->src_reassignment_count = -1;
    t->src_reopen_count = -1;
    t->src_made_sla = -1;
    d->tmap[j] = (uint32_t)d->ntickets + 1;
    d->finished = 0;
    return (uint32_t)d->ntickets++;
}

void an_data_reserve(struct an_data *d, size_t nevents)
{
    if (d->nevents + nevents > d->events_alloc) {
        size_t n = d->nevents + nevents;
        d->events = hd_big_realloc(d->events, d->events_alloc * sizeof(*d->events),
                                   n * sizeof(*d->events));
        if (d->event_ids) {
            d->event_ids = hd_big_realloc(d->event_ids, d->events_alloc * sizeof(*d->event_ids),
                                          n * sizeof(*d->event_ids));
            memset(d->event_ids + d->events_alloc, 0,
                   (n - d->events_alloc) * sizeof(*d->event_ids));
        }
        d->events_alloc = n;
    }
}

int64_t *an_data_event_ids(struct an_data *d)
{
    if (!d->event_ids) {
        if (!d->events_alloc) {
            an_data_reserve(d, 16);
        }
        d->event_ids = hd_big_zalloc(d->events_alloc * sizeof(*d->event_ids));
    }
    return d->event_ids;
}

int64_t an_data_event_id(const struct an_data *d, size_t i)
{
    return d->event_ids && i < d->nevents ? d->event_ids[i] : 0;
}

struct an_event *an_data_add_event(struct an_data *d, const struct an_event *ev)
{
    if (d->nevents == d->events_alloc) {
        an_data_reserve(d, d->events_alloc ? d->events_alloc : 16);
    }
    d->events[d->nevents] = *ev;
    if (d->event_ids) {
        d->event_ids[d->nevents] = 0;
    }
    d->finished = 0;
    return &d->events[d->nevents++];
}

static int cmp_event(const void *a, const void *b)
{
    const struct an_event *x = a, *y = b;
    if (x->ticket != y->ticket) {
        return x->ticket < y->ticket ? -1 : 1;
    }
    if (x->t_ms != y->t_ms) {
        return x->t_ms < y->t_ms ? -1 : 1;
    }
    if (x->source != y->source) {
        return x->source < y->source ? -1 : 1;
    }
    if (x->ord != y->ord) {
        return x->ord < y->ord ? -1 : 1;
    }
    return 0;
}

static int event_before(const struct an_event *x, const struct an_event *y)
{
    return cmp_event(x, y) < 0;
}

void an_data_finish(struct an_data *d)
{
    size_t i;

    if (d->finished) {
        return;
    }
    /* Exports usually come grouped by ticket and in time order: check first. */
    for (i = 1; i < d->nevents && !event_before(&d->events[i], &d->events[i - 1]); i++) {
    }
    if (i < d->nevents) {
        /* Counting sort by ticket (stable), then insertion sort within each
         * ticket: O(n) for the short per-ticket lists of real data, where
         * qsort moved 64-byte records O(n log n) times. The counts give each
         * ticket's first/nevents directly. */
        uint32_t *start = hd_xcalloc_touch(d->ntickets + 1, sizeof(*start));
        size_t nout = d->nevents ? d->nevents : 1;
        struct an_event *out = hd_big_alloc(nout * sizeof(*out));
        int64_t *ids = d->event_ids, *ids_out = ids ? hd_big_alloc(nout * sizeof(*ids)) : NULL;
        for (i = 0; i < d->nevents; i++) {
            start[d->events[i].ticket + 1]++;
        }
        for (i = 0; i < d->ntickets; i++) {
            struct an_ticket *t = &d->tickets[i];
            t->nevents = start[i + 1];
            t->first = t->nevents ? start[i] : 0;
            start[i + 1] += start[i];
        }
        if (ids) {
            for (i = 0; i < d->nevents; i++) {
                size_t at = start[d->events[i].ticket]++;
                out[at] = d->events[i];
                ids_out[at] = ids[i];
            }
        } else {
            for (i = 0; i < d->nevents; i++) {
                out[start[d->events[i].ticket]++] = d->events[i];
            }
        }
        free(start);
        for (size_t ti = 0; ti < d->ntickets; ti++) {
            struct an_event *ev = out + d->tickets[ti].first;
            int64_t *id = ids_out ? ids_out + d->tickets[ti].first : NULL;
            uint32_t n = d->tickets[ti].nevents;
            for (uint32_t k = 1; k < n; k++) {
                if (!event_before(&ev[k], &ev[k - 1])) {
                    continue;
                }
                struct an_event key = ev[k];
                int64_t key_id = id ? id[k] : 0;
                uint32_t j = k;
                while (j > 0 && event_before(&key, &ev[j - 1])) {
                    ev[j] = ev[j - 1];
                    if (id) {
                        id[j] = id[j - 1];
                    }
                    j--;
                }
                ev[j] = key;
                if (id) {
                    id[j] = key_id;
                }
            }
        }
        hd_big_free(d->events, d->events_alloc * sizeof(*d->events));
        hd_big_free(ids, ids ? d->events_alloc * sizeof(*ids) : 0);
        d->events = out;
        d->event_ids = ids_out;
        d->events_alloc = nout;
        d->finished = 1;
        return;
    }
    for (i = 0; i < d->ntickets; i++) {
        d->tickets[i].first = 0;
        d->tickets[i].nevents = 0;
    }
    for (i = 0; i < d->nevents; i++) {
        struct an_ticket *t = &d->tickets[d->events[i].ticket];
        if (t->nevents == 0) {
            t->first = (uint32_t)i;
        }
        t->nevents++;
    }
    d->finished = 1;
}
