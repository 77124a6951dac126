/* Tests for simulator/cal.c: the event calendar's ordering and the entity pool. */
#include "simulator/cal.h"

#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

static void cal_pop__equal_times__come_out_in_insertion_order(void **state)
{
    struct sim_cal c;
    struct sim_event e;
    (void)state;

    sim_cal_init(&c);
    for (uint32_t i = 0; i < 1000; i++) {
        sim_cal_push(&c, 42, 1, i, 0, 0);
    }
    for (uint32_t i = 0; i < 1000; i++) {
        assert_true(sim_cal_pop(&c, &e));
        assert_int_equal(e.t_ms, 42);
        assert_int_equal(e.a, i);
    }
    assert_false(sim_cal_pop(&c, &e));
    sim_cal_release(&c);
}

static void cal_pop__random_times__sorted_by_time_then_sequence(void **state)
{
    struct sim_cal c;
    struct sim_event e, prev;
    uint64_t x = 12345;
    (void)state;

    sim_cal_init(&c);
    for (uint32_t i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        sim_cal_push(&c, (int64_t)((x >> 33) % 500), 0, i, 0, 0);
        if (i % 3 == 0) {
            assert_true(sim_cal_pop(&c, &e)); /* interleave pops and pushes */
        }
    }
    assert_true(sim_cal_pop(&c, &prev));
    while (sim_cal_pop(&c, &e)) {
        assert_true(e.t_ms > prev.t_ms || (e.t_ms == prev.t_ms && e.seq > prev.seq));
        prev = e;
    }
    sim_cal_release(&c);
}

/* Sizes that cross between the sorted array and the heap, both ways and
 * many times, against a reference: the order never depends on the form. */
static void cal_pop__sizes_across_both_forms__same_order_as_a_sort(void **state)
{
    struct sim_cal c;
    struct sim_event e;
    uint64_t x = 99;
    uint64_t next_min = 0; /* every popped (t, seq) is past the previous one */
    int64_t last_t = -1;
    (void)state;

    sim_cal_init(&c);
    for (int round = 0; round < 200; round++) {
        /* Grow to a size around the thresholds, then drain part of it. */
        size_t target = (size_t)(round % 5) * 9 + 1, keep = (size_t)(round % 3) * 4;
        while (c.n < target) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            /* Never earlier than the last pop: a calendar only moves forward. */
            sim_cal_push(&c, (last_t < 0 ? 0 : last_t) + (int64_t)((x >> 33) % 7), 0, (uint32_t)c.n,
                         0, 0);
        }
        assert_int_equal(c.sorted, c.n <= SIM_CAL_SORTED_MAX);
        while (c.n > keep) {
            const struct sim_event *top = sim_cal_peek(&c);
            int64_t t = top->t_ms;
            uint64_t seq = top->seq;
            assert_true(sim_cal_pop(&c, &e));
            assert_int_equal(e.t_ms, t);
            assert_int_equal(e.seq, seq);
            assert_true(e.t_ms > last_t || (e.t_ms == last_t && e.seq >= next_min));
            last_t = e.t_ms;
            next_min = e.seq + 1;
        }
    }
    sim_cal_release(&c);
}

static void cal_peek__empty_and_nonempty__null_then_earliest(void **state)
{
    struct sim_cal c;
    (void)state;

    sim_cal_init(&c);
    assert_null(sim_cal_peek(&c));
    sim_cal_push(&c, 9, 0, 1, 0, 0);
    sim_cal_push(&c, 3, 0, 2, 0, 0);
    assert_int_equal(sim_cal_peek(&c)->a, 2);
    sim_cal_clear(&c);
    assert_null(sim_cal_peek(&c));
    sim_cal_release(&c);
}

static void pool_get__after_put__reuses_the_freed_slot(void **state)
{
    struct sim_pool p;
    uint32_t a, b, c;
    (void)state;

    sim_pool_init(&p, 24, 2);
    a = sim_pool_get(&p);
    b = sim_pool_get(&p);
    c = sim_pool_get(&p); /* grows */
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(c, 2);
    assert_int_equal(p.live, 3);
    sim_pool_put(&p, b);
    assert_int_equal(sim_pool_get(&p), b);
    memset(sim_pool_at(&p, c), 0xab, 24);
    sim_pool_clear(&p);
    assert_int_equal(p.live, 0);
    assert_int_equal(sim_pool_get(&p), 0);
    sim_pool_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cal_pop__equal_times__come_out_in_insertion_order),
        cmocka_unit_test(cal_pop__random_times__sorted_by_time_then_sequence),
        cmocka_unit_test(cal_pop__sizes_across_both_forms__same_order_as_a_sort),
        cmocka_unit_test(cal_peek__empty_and_nonempty__null_then_earliest),
        cmocka_unit_test(pool_get__after_put__reuses_the_freed_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
