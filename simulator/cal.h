#ifndef HD_SIMULATOR_CAL_H
#define HD_SIMULATOR_CAL_H

/*
 * The simulator's two building blocks: the event calendar and the entity
 * pool. Both grow only when they pass their high-water mark, so a run that
 * has reached its steady state does no allocation in the event loop.
 *
 * Event calendar: events keyed by (t_ms, seq). `seq` is a counter taken at
 * insertion, so events at the same instant come out in the order they were
 * pushed (first-in first-out, as git's prio-queue.c does): ties resolve the
 * same way on every run. While it holds few events (at most
 * SIM_CAL_SORTED_MAX) the calendar is an array sorted latest first, so a
 * pop takes the last element and a push moves the later ones up; past that
 * it is a 4-ary min-heap, O(log n) per push and pop, and it goes back to the
 * sorted array once it has drained to SIM_CAL_SORTED_MIN. The order of
 * (t_ms, seq) is total, so events come out in the same order either way.
 * Event times are never negative.
 *
 * Entity pool: fixed-size items addressed by a uint32_t index, with a free
 * list threaded through the free items. Indices stay valid while an item is
 * live; pointers from sim_pool_at() stay valid only until the next
 * sim_pool_get() (which may move the array when it grows).
 */

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sim_event {
    int64_t t_ms;  /* when the event happens */
    uint64_t seq;  /* insertion counter: ties are first-in first-out */
    uint32_t kind; /* the caller's event type */
    uint32_t a;    /* payload, e.g. a ticket index */
    uint32_t b;    /* payload, e.g. an agent or team */
    uint32_t gen;  /* payload, e.g. a generation number for lazy cancel */
};

struct sim_cal {
    /* sorted: latest first, heap[n-1] earliest; else a heap, heap[0]
     * earliest. heap[-1] exists and is later than any event (t_ms
     * INT64_MAX): the sorted insertion's scan stops there by itself. */
    struct sim_event *heap;
    size_t n;     /* events held */
    size_t alloc; /* slots allocated */
    uint64_t seq; /* next insertion number */
    int sorted;   /* heap[] is a sorted array (few events), not a heap */
};

/* The sorted array becomes a heap when a push would pass SIM_CAL_SORTED_MAX
 * events, and the heap a sorted array when a pop leaves SIM_CAL_SORTED_MIN:
 * a push into the array moves on average half of it, so it pays only while
 * the calendar is short; the gap between the two keeps a calendar that
 * hovers around one size from converting back and forth. */
#define SIM_CAL_SORTED_MAX 24
#define SIM_CAL_SORTED_MIN 8

/* Out of line: the conversions between the two forms (cal.c). */
void sim_cal_to_heap(struct sim_cal *c);
void sim_cal_to_sorted(struct sim_cal *c);

/* An empty calendar (no memory yet). */
void sim_cal_init(struct sim_cal *c);

/* Free the memory; the calendar is then as after sim_cal_init(). */
void sim_cal_release(struct sim_cal *c);

/* Drop every event and restart the counter, keeping the memory. */
void sim_cal_clear(struct sim_cal *c);

/* Make room for `n` events without further allocation. */
void sim_cal_reserve(struct sim_cal *c, size_t n);

/* The earliest event without removing it, or NULL when empty (borrowed). */
static inline const struct sim_event *sim_cal_peek(const struct sim_cal *c)
{
    if (c->n == 0) {
        return NULL;
    }
    return c->sorted ? &c->heap[c->n - 1] : &c->heap[0];
}

/*
 * Take an insertion number for an event the caller keeps outside the heap
 * (a stream with one pending event, such as the next arrival): comparing it
 * with sim_cal_peek() by sim_event_before() then gives the same order as
 * pushing it would, without the push and the pop.
 */
static inline uint64_t sim_cal_take_seq(struct sim_cal *c)
{
    return c->seq++;
}

/*
 * Whether x comes before y: earlier, or as early and inserted first. Event
 * times are never negative (sim_cal_push asserts it), so with t < 2^63 the
 * sum below cannot overflow, and "t_x < t_y + (seq_x < seq_y)" is the
 * lexicographic order of (t, seq) in one comparison, without branches.
 */
static inline int sim_event_before(const struct sim_event *x, const struct sim_event *y)
{
    return (uint64_t)x->t_ms < (uint64_t)y->t_ms + (uint64_t)(x->seq < y->seq);
}

/*
 * A 4-ary heap: node i's children are 4i+1 .. 4i+4, its parent (i-1)/4.
 * Half the levels of a binary heap, so a push or pop moves half as many
 * events; a pop's extra comparisons read siblings that sit side by side in
 * memory (128 bytes). The order of (t_ms, seq) is total, so events come
 * out in the same order as from any other correct heap.
 */
#define SIM_CAL_ARITY 4

/*
 * Schedule an event. Allocates only when the heap passes its high-water
 * mark. Push and pop are inline so that the event loop, which does one of
 * each per event, pays no call for them.
 */
static inline void sim_cal_push(struct sim_cal *c, int64_t t_ms, uint32_t kind, uint32_t a,
                                uint32_t b, uint32_t gen)
{
    struct sim_event e = {t_ms, c->seq++, kind, a, b, gen};
    struct sim_event *h;
    size_t i;

    assert(t_ms >= 0 && t_ms < INT64_MAX); /* sim_event_before and heap[-1] rely on it */
    if (c->n == c->alloc) {
        sim_cal_reserve(c, c->alloc ? c->alloc * 2 : 256);
    }
    h = c->heap;
    if (c->sorted) {
        if (c->n < SIM_CAL_SORTED_MAX) {
            /* Move the earlier events (at the end) up by one, put e below
             * them. e has the newest sequence number, so an event comes
             * before it exactly when it is not later: no need to read seq. */
            i = c->n++;
            while (h[i - 1].t_ms <= t_ms) { /* stops at heap[-1] at the latest */
                h[i] = h[i - 1];
                i--;
            }
            h[i] = e;
            return;
        }
        sim_cal_to_heap(c);
    }
    /* Sift up with a hole: one copy per level instead of a swap. */
    i = c->n++;
    while (i > 0) {
        size_t parent = (i - 1) / SIM_CAL_ARITY;
        if (t_ms >= h[parent].t_ms) { /* e is newest: comes first only if earlier */
            break;
        }
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/* Remove the earliest event into *out; returns 0 when the calendar is empty. */
static inline int sim_cal_pop(struct sim_cal *c, struct sim_event *out)
{
    struct sim_event *h = c->heap;
    struct sim_event last;
    size_t i = 0, n;

    if (c->n == 0) {
        return 0;
    }
    if (c->sorted) {
        *out = h[--c->n];
        return 1;
    }
    *out = h[0];
    n = --c->n;
    if (n == 0) {
        return 1;
    }
    last = h[n];
    for (;;) {
        size_t first = SIM_CAL_ARITY * i + 1, best, end;
        if (first + SIM_CAL_ARITY <= n) {
            /* A full family: a tournament of flags and selects, no branches
             * to mispredict (which child is least is a coin toss). */
            size_t b01 = first + (size_t)sim_event_before(&h[first + 1], &h[first]);
            size_t b23 = first + 2 + (size_t)sim_event_before(&h[first + 3], &h[first + 2]);
            best = sim_event_before(&h[b23], &h[b01]) ? b23 : b01;
        } else {
            if (first >= n) {
                break;
            }
            best = first;
            end = n;
            for (size_t k = first + 1; k < end; k++) {
                if (sim_event_before(&h[k], &h[best])) {
                    best = k;
                }
            }
        }
        if (!sim_event_before(&h[best], &last)) {
            break;
        }
        h[i] = h[best];
        i = best;
    }
    h[i] = last;
    if (n <= SIM_CAL_SORTED_MIN) {
        sim_cal_to_sorted(c);
    }
    return 1;
}

/*
 * Map the pages of [p, p + bytes) in now, writable, with one system call
 * instead of a page fault per 4 KiB page as they are first touched (a
 * fault costs about 10 us on the virtual machines this runs on, so a short
 * run's fresh arrays cost more to fault in than to fill). Only whole pages
 * inside the range are touched; the contents are unchanged. A hint: where
 * the system has no such call it does nothing.
 */
void sim_prefault(void *p, size_t bytes);

/*
 * Zeroed memory for n items of `size` bytes, for a large array written from
 * the start of a run: from 16 KiB up a fresh mapping whose pages the same
 * call maps in (the kernel's zero pages need no memset; malloc, a page
 * fault for its header and sim_prefault took two to three times as long
 * for the 100 KiB series of a one-week run), else hd_xcalloc. *mapped says
 * which; give the memory back with sim_unmap_zeroed(p, n * size, *mapped),
 * never free(). Exits like hd_xcalloc.
 */
void *sim_map_zeroed(size_t n, size_t size, int *mapped);
void sim_unmap_zeroed(void *p, size_t bytes, int mapped);

/*
 * hd_xrealloc(p, new_bytes) for a block of old_bytes, with the new block's
 * pages mapped by sim_prefault() before the old contents are copied in.
 */
void *sim_xrealloc_prefault(void *p, size_t old_bytes, size_t new_bytes);

#define SIM_NIL UINT32_MAX

struct sim_pool {
    unsigned char *items; /* alloc * elsize bytes */
    size_t elsize;        /* bytes per item, at least 4 */
    uint32_t alloc;       /* items allocated */
    uint32_t used;        /* items ever handed out (high-water mark) */
    uint32_t free_head;   /* first free item below `used`, or SIM_NIL */
    uint32_t live;        /* items currently handed out */
};

/* An empty pool of items of `elsize` bytes, with room for `reserve` items. */
void sim_pool_init(struct sim_pool *p, size_t elsize, uint32_t reserve);
void sim_pool_release(struct sim_pool *p);

/* Return every item to the pool at once, keeping the memory. O(1). */
void sim_pool_clear(struct sim_pool *p);

static inline void *sim_pool_at(const struct sim_pool *p, uint32_t idx)
{
    return p->items + (size_t)idx * p->elsize;
}

/* Double the array (sim_pool_get does it when every item is handed out). */
void sim_pool_grow(struct sim_pool *p);

/* A free item's index (its contents are garbage). Doubles the array when full. */
static inline uint32_t sim_pool_get(struct sim_pool *p)
{
    uint32_t idx;

    if (p->free_head != SIM_NIL) {
        idx = p->free_head;
        memcpy(&p->free_head, sim_pool_at(p, idx), sizeof(uint32_t));
    } else {
        if (p->used == p->alloc) {
            sim_pool_grow(p);
        }
        idx = p->used++;
    }
    p->live++;
    return idx;
}

/* Give item `idx` back. O(1). */
static inline void sim_pool_put(struct sim_pool *p, uint32_t idx)
{
    memcpy(sim_pool_at(p, idx), &p->free_head, sizeof(uint32_t));
    p->free_head = idx;
    p->live--;
}

#endif
