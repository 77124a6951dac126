/*
 * The event calendar (4-ary heap keyed by time and insertion number) and
 * the entity pool with its free list. No simulation logic lives here.
 */
#include "simulator/cal.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void sim_cal_init(struct sim_cal *c)
{
    memset(c, 0, sizeof(*c));
}

void sim_cal_release(struct sim_cal *c)
{
    free(c->heap);
    sim_cal_init(c);
}

void sim_cal_clear(struct sim_cal *c)
{
    c->n = 0;
    c->seq = 0;
}

void sim_cal_reserve(struct sim_cal *c, size_t n)
{
    if (n > c->alloc) {
        c->heap = hd_xrealloc(c->heap, n * sizeof(*c->heap));
        c->alloc = n;
    }
}

#define before sim_event_before

/*
 * A 4-ary heap: node i's children are 4i+1 .. 4i+4, its parent (i-1)/4.
 * Half the levels of a binary heap, so a push or pop moves half as many
 * events; a pop's extra comparisons read siblings that sit side by side in
 * memory (128 bytes). The order of (t_ms, seq) is total, so events come
 * out in the same order as from any other correct heap.
 */
#define ARITY 4

void sim_cal_push(struct sim_cal *c, int64_t t_ms, uint32_t kind, uint32_t a, uint32_t b,
                  uint32_t gen)
{
    struct sim_event e = {t_ms, c->seq++, kind, a, b, gen};
    struct sim_event *h;
    size_t i;

    if (c->n == c->alloc) {
        sim_cal_reserve(c, c->alloc ? c->alloc * 2 : 256);
    }
    /* Sift up with a hole: one copy per level instead of a swap. */
    h = c->heap;
    i = c->n++;
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (!before(&e, &h[parent])) {
            break;
        }
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

int sim_cal_pop(struct sim_cal *c, struct sim_event *out)
{
    struct sim_event *h = c->heap;
    struct sim_event last;
    size_t i = 0, n;

    if (c->n == 0) {
        return 0;
    }
    *out = h[0];
    n = --c->n;
    if (n == 0) {
        return 1;
    }
    last = h[n];
    for (;;) {
        size_t first = ARITY * i + 1, best, end;
        if (first >= n) {
            break;
        }
        best = first;
        end = first + ARITY < n ? first + ARITY : n;
        for (size_t k = first + 1; k < end; k++) {
            if (before(&h[k], &h[best])) {
                best = k;
            }
        }
        if (!before(&h[best], &last)) {
            break;
        }
        h[i] = h[best];
        i = best;
    }
    h[i] = last;
    return 1;
}

void sim_pool_init(struct sim_pool *p, size_t elsize, uint32_t reserve)
{
    memset(p, 0, sizeof(*p));
    p->elsize = elsize < sizeof(uint32_t) ? sizeof(uint32_t) : elsize;
    p->free_head = SIM_NIL;
    if (reserve) {
        p->items = hd_xmalloc((size_t)reserve * p->elsize);
        p->alloc = reserve;
    }
}

void sim_pool_release(struct sim_pool *p)
{
    free(p->items);
    p->items = NULL;
    p->alloc = p->used = p->live = 0;
    p->free_head = SIM_NIL;
}

void sim_pool_clear(struct sim_pool *p)
{
    p->used = 0;
    p->live = 0;
    p->free_head = SIM_NIL;
}

uint32_t sim_pool_get(struct sim_pool *p)
{
    uint32_t idx;

    if (p->free_head != SIM_NIL) {
        idx = p->free_head;
        memcpy(&p->free_head, sim_pool_at(p, idx), sizeof(uint32_t));
    } else {
        if (p->used == p->alloc) {
            uint32_t na = p->alloc ? p->alloc * 2 : 64;
            p->items = hd_xrealloc(p->items, (size_t)na * p->elsize);
            p->alloc = na;
        }
        idx = p->used++;
    }
    p->live++;
    return idx;
}

void sim_pool_put(struct sim_pool *p, uint32_t idx)
{
    memcpy(sim_pool_at(p, idx), &p->free_head, sizeof(uint32_t));
    p->free_head = idx;
    p->live--;
}
