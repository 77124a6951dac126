/* Unit tests for core/alloc.c: the big-array allocator's recycling. */
#include "core/alloc.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#define MIB ((size_t)1 << 20)

/* Mark the first byte of every 4 KiB page of p[0, n), then its last byte. */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i += 4096) {
        p[i] = (unsigned char)(seed + i / 4096);
    }
    p[n - 1] = (unsigned char)(seed ^ 0x5A);
}

/* The page marks of fill(p, m, seed) for m > n, up to n. */
static int filled(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n - 1; i += 4096) {
        if (p[i] != (unsigned char)(seed + i / 4096)) {
            return 0;
        }
    }
    return 1;
}

static int zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return 0;
        }
    }
    return 1;
}

static void big_zalloc__after_a_free__is_zero_again(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        unsigned char *a = hd_big_alloc(9 * MIB + 5);
        fill(a, 9 * MIB + 5, 7);
        hd_big_free(a, 9 * MIB + 5);
        /* Smaller (carved from the freed pages) and larger (grown past them). */
        unsigned char *b = hd_big_zalloc(5 * MIB);
        unsigned char *c = hd_big_zalloc(12 * MIB + 3);
        assert_true(zero(b, 5 * MIB));
        assert_true(zero(c, 12 * MIB + 3));
        hd_big_free(b, 5 * MIB);
        hd_big_free(c, 12 * MIB + 3);
    }
}

static void big_zalloc__from_several_freed_ranges__zero_and_apart(void **state)
{
    (void)state;
    unsigned char *a = hd_big_alloc(4 * MIB), *b = hd_big_alloc(4 * MIB);
    unsigned char *c = hd_big_alloc(6 * MIB);
    fill(a, 4 * MIB, 1);
    fill(b, 4 * MIB, 2);
    fill(c, 6 * MIB, 3);
    hd_big_free(a, 4 * MIB);
    hd_big_free(c, 6 * MIB);
    /* Larger than either freed range: both are gathered into it. */
    unsigned char *d = hd_big_zalloc(13 * MIB);
    assert_true(zero(d, 13 * MIB));
    fill(d, 13 * MIB, 4);
    assert_true(filled(b, 4 * MIB, 2));
    assert_true(filled(d, 13 * MIB, 4));
    hd_big_free(b, 4 * MIB);
    hd_big_free(d, 13 * MIB);
}

static void big_realloc__grows_and_shrinks__keeps_contents(void **state)
{
    size_t n = MIB; /* below the mapped size: malloc'd at first */
    unsigned char *p = hd_big_alloc(n);
    (void)state;
    fill(p, n, 1);
    for (int i = 0; i < 5; i++) {
        p = hd_big_realloc(p, n, n * 2);
        assert_true(filled(p, n, 1));
        assert_int_equal(p[n - 1], 1 ^ 0x5A);
        n *= 2;
        fill(p, n, 1);
    }
    p = hd_big_realloc(p, n, 5 * MIB);
    assert_true(filled(p, 5 * MIB, 1));
    p = hd_big_realloc(p, 5 * MIB, 5000); /* back to malloc */
    assert_true(filled(p, 5000, 1));
    hd_big_free(p, 5000);
}

static void big_alloc__live_arrays__never_overlap(void **state)
{
    unsigned char *a[6];
    size_t n[6] = {4 * MIB, 6 * MIB + 1, 17 * MIB, 4 * MIB, 2 * MIB, 8 * MIB};
    (void)state;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 6; i++) {
            a[i] = hd_big_alloc(n[i]);
            fill(a[i], n[i], (unsigned)(i * 31 + round));
        }
        for (int i = 0; i < 6; i++) {
            assert_true(filled(a[i], n[i], (unsigned)(i * 31 + round)));
            assert_int_equal(a[i][n[i] - 1], (unsigned char)((i * 31 + round) ^ 0x5A));
        }
        /* Free in an order that leaves holes to merge and carve. */
        for (int i = 0; i < 6; i += 2) {
            hd_big_free(a[i], n[i]);
        }
        for (int i = 1; i < 6; i += 2) {
            hd_big_free(a[i], n[i]);
        }
    }
    hd_big_free(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(big_zalloc__after_a_free__is_zero_again),
        cmocka_unit_test(big_zalloc__from_several_freed_ranges__zero_and_apart),
        cmocka_unit_test(big_realloc__grows_and_shrinks__keeps_contents),
        cmocka_unit_test(big_alloc__live_arrays__never_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
