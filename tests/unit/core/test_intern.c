/* Unit tests for core/intern.c. */
#include "core/intern.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

static void intern_id__same_string__same_id(void **state)
{
    struct hd_intern *in = hd_intern_new();
    (void)state;
    uint32_t a = hd_intern_id(in, "Group 56", 8);
    uint32_t b = hd_intern_id(in, "Group 56xx", 8);
    assert_int_equal(a, 1);
    assert_int_equal(a, b);
    assert_string_equal(hd_intern_str(in, a), "Group 56");
    hd_intern_free(in);
}

static void intern_id__empty__is_zero(void **state)
{
    struct hd_intern *in = hd_intern_new();
    (void)state;
    assert_int_equal(hd_intern_id(in, "", 0), 0);
    assert_string_equal(hd_intern_str(in, 0), "");
    assert_string_equal(hd_intern_str(in, 999), "");
    hd_intern_free(in);
}

static void intern_id__many__dense_and_stable(void **state)
{
    struct hd_intern *in = hd_intern_new();
    char s[32];
    const char *first;
    (void)state;
    hd_intern_id(in, "first", 5);
    first = hd_intern_str(in, 1);
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(s, sizeof(s), "agent %d", i);
        assert_int_equal(hd_intern_id(in, s, (size_t)n), (uint32_t)i + 2);
    }
    assert_int_equal(hd_intern_count(in), 100001);
    assert_ptr_equal(hd_intern_str(in, 1), first);
    assert_int_equal(hd_intern_find(in, "agent 500", 9), 502);
    assert_int_equal(hd_intern_find(in, "nobody", 6), 0);
    hd_intern_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(intern_id__same_string__same_id),
        cmocka_unit_test(intern_id__empty__is_zero),
        cmocka_unit_test(intern_id__many__dense_and_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
