#ifndef HD_SIMULATOR_CAL_H
#define HD_SIMULATOR_CAL_H

/*
 * The simulator's two building blocks: the event calendar and the entity
 * pool. Both grow only when they pass their high-water mark, so a run that
 * has reached its steady state does no allocation in the event loop.
 *
 * Event calendar: a 4-ary min-heap keyed by (t_ms, seq). `seq` is a counter
 * taken at insertion, so events at the same instant come out in the order
 * they were pushed (first-in first-out, as git's prio-queue.c does): ties
 * resolve the same way on every run. Push and pop are O(log n).
 *
 * Entity pool: fixed-size items addressed by a uint32_t index, with a free
 * list threaded through the free items. Indices stay valid while an item is
 * live; pointers from sim_pool_at() stay valid only until the next
 * sim_pool_get() (which may move the array when it grows).
 */

#include <stddef.h>
#include <stdint.h>

struct sim_event {
    int64_t t_ms;  /* when the event happens */
    uint64_t seq;  /* insertion counter: ties are first-in first-out */
    uint32_t kind; /* the caller's event type */
    uint32_t a;    /* payload, e.g. a ticket index */
    uint32_t b;    /* payload, e.g. an agent or team */
    uint32_t gen;  /* payload, e.g. a generation number for lazy cancel */
};

struct sim_cal {
    struct sim_event *heap; /* heap[0] is the earliest event */
    size_t n;               /* events held */
    size_t alloc;           /* slots allocated */
    uint64_t seq;           /* next insertion number */
};

/* An empty calendar (no memory yet). */
void sim_cal_init(struct sim_cal *c);

/* Free the memory; the calendar is then as after sim_cal_init(). */
void sim_cal_release(struct sim_cal *c);

/* Drop every event and restart the counter, keeping the memory. */
void sim_cal_clear(struct sim_cal *c);

/* Make room for `n` events without further allocation. */
void sim_cal_reserve(struct sim_cal *c, size_t n);

/* Schedule an event. Allocates only when the heap passes its high-water mark. */
void sim_cal_push(struct sim_cal *c, int64_t t_ms, uint32_t kind, uint32_t a, uint32_t b,
                  uint32_t gen);

/* Remove the earliest event into *out; returns 0 when the calendar is empty. */
int sim_cal_pop(struct sim_cal *c, struct sim_event *out);

/* The earliest event without removing it, or NULL when empty (borrowed). */
static inline const struct sim_event *sim_cal_peek(const struct sim_cal *c)
{
    return c->n ? &c->heap[0] : NULL;
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

/* Whether x comes before y: earlier, or as early and inserted first. */
static inline int sim_event_before(const struct sim_event *x, const struct sim_event *y)
{
    return x->t_ms < y->t_ms || (x->t_ms == y->t_ms && x->seq < y->seq);
}

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

/* A free item's index (its contents are garbage). Doubles the array when full. */
uint32_t sim_pool_get(struct sim_pool *p);

/* Give item `idx` back. O(1). */
void sim_pool_put(struct sim_pool *p, uint32_t idx);

static inline void *sim_pool_at(const struct sim_pool *p, uint32_t idx)
{
    return p->items + (size_t)idx * p->elsize;
}

#endif
