/*
 * The event calendar (a sorted array while short, else a 4-ary heap, keyed by
 * time and insertion number) and the entity pool with its free list: their
 * out-of-line parts (growth, prefaulting, the conversions between the two
 * forms); push, pop, get and put are inline in cal.h. No simulation
 * logic lives here.
 */
#include "simulator/cal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core/alloc.h"

/* Below this a range is left to fault in page by page. */
#define PREFAULT_MIN ((size_t)16 << 10)

void sim_prefault(void *p, size_t bytes)
{
#if defined(MADV_POPULATE_WRITE)
    const uintptr_t page = 4096;
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);
    if (bytes >= PREFAULT_MIN && end > start) {
        madvise((void *)start, end - start, MADV_POPULATE_WRITE); /* a hint: errors ignored */
    }
#else
    (void)p;
    (void)bytes;
#endif
}

void *sim_map_zeroed(size_t n, size_t size, int *mapped)
{
    size_t bytes = n * size;

    *mapped = 0;
    if (size && n > SIZE_MAX / size) {
        return hd_xcalloc(n, size); /* reports the overflow */
    }
#if defined(MAP_POPULATE) && defined(MAP_ANONYMOUS)
    if (bytes >= PREFAULT_MIN) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p != MAP_FAILED) {
            *mapped = 1;
            return p;
        }
    }
#endif
    return hd_xcalloc(bytes ? bytes : 1, 1);
}

void sim_unmap_zeroed(void *p, size_t bytes, int mapped)
{
#if defined(MAP_POPULATE) && defined(MAP_ANONYMOUS)
    if (mapped) {
        munmap(p, bytes);
        return;
    }
#endif
    (void)bytes;
    (void)mapped;
    free(p);
}

void *sim_xrealloc_prefault(void *p, size_t old_bytes, size_t new_bytes)
{
    void *q;

    if (new_bytes <= old_bytes || new_bytes < PREFAULT_MIN) {
        return hd_xrealloc(p, new_bytes);
    }
    /* Not realloc: a block that moves would be copied into pages that
     * fault one by one as the copy reaches them. */
    q = hd_xmalloc(new_bytes);
    sim_prefault(q, new_bytes);
    if (old_bytes) {
        memcpy(q, p, old_bytes);
    }
    free(p);
    return q;
}

void sim_cal_init(struct sim_cal *c)
{
    memset(c, 0, sizeof(*c));
    c->sorted = 1;
}

void sim_cal_release(struct sim_cal *c)
{
    free(c->heap ? c->heap - 1 : NULL);
    sim_cal_init(c);
}

void sim_cal_clear(struct sim_cal *c)
{
    c->n = 0;
    c->seq = 0;
    c->sorted = 1;
}

/* An array sorted earliest first is a min-heap of any arity: reverse the
 * latest-first array. */
void sim_cal_to_heap(struct sim_cal *c)
{
    struct sim_event *h = c->heap;

    for (size_t i = 0, j = c->n; i + 1 < j; i++, j--) {
        struct sim_event t = h[i];
        h[i] = h[j - 1];
        h[j - 1] = t;
    }
    c->sorted = 0;
}

/* The heap's few events sorted latest first (insertion sort: n is small). */
void sim_cal_to_sorted(struct sim_cal *c)
{
    struct sim_event *h = c->heap;

    for (size_t i = 1; i < c->n; i++) {
        struct sim_event e = h[i];
        size_t j = i;
        while (j > 0 && sim_event_before(&h[j - 1], &e)) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = e;
    }
    c->sorted = 1;
}

void sim_cal_reserve(struct sim_cal *c, size_t n)
{
    if (n > c->alloc) {
        /* One slot more, in front: heap[-1], the guard (see struct sim_cal). */
        struct sim_event *base = c->heap ? c->heap - 1 : NULL;
        base = sim_xrealloc_prefault(base, c->alloc ? (c->alloc + 1) * sizeof(*base) : 0,
                                     (n + 1) * sizeof(*base));
        base[0] = (struct sim_event){INT64_MAX, UINT64_MAX, 0, 0, 0, 0};
        c->heap = base + 1;
        c->alloc = n;
    }
}

/* The heap's push and pop are inline in cal.h, so that the event loop
 * inlines them. */

void sim_pool_init(struct sim_pool *p, size_t elsize, uint32_t reserve)
{
    memset(p, 0, sizeof(*p));
    p->elsize = elsize < sizeof(uint32_t) ? sizeof(uint32_t) : elsize;
    p->free_head = SIM_NIL;
    if (reserve) {
        p->items = hd_xmalloc((size_t)reserve * p->elsize);
        p->alloc = reserve;
        sim_prefault(p->items, (size_t)reserve * p->elsize);
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

void sim_pool_grow(struct sim_pool *p)
{
    uint32_t na = p->alloc ? p->alloc * 2 : 64;

    p->items =
        sim_xrealloc_prefault(p->items, (size_t)p->alloc * p->elsize, (size_t)na * p->elsize);
    p->alloc = na;
}
