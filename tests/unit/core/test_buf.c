/* Unit tests for core/buf.c and core/err.c. */
#include "core/buf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

static void buf_init__empty__is_nul_terminated_never_null(void **state)
{
    struct hd_buf b = HD_BUF_INIT;
    (void)state;
    assert_non_null(b.buf);
    assert_string_equal(b.buf, "");
    hd_buf_release(&b);
    assert_string_equal(b.buf, "");
}

static void buf_addf__grows__keeps_contents(void **state)
{
    struct hd_buf b;
    (void)state;
    hd_buf_init(&b, 0);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(hd_buf_addf(&b, NULL, "%d,", i), HD_OK);
    }
    assert_int_equal(strncmp(b.buf, "0,1,2,", 6), 0);
    assert_int_equal(b.buf[b.len], '\0');
    hd_buf_release(&b);
}

static void buf_add__past_cap__fails_and_leaves_buffer(void **state)
{
    struct hd_buf b;
    struct hd_err err = HD_ERR_INIT;
    (void)state;
    hd_buf_init(&b, 8);
    assert_int_equal(hd_buf_adds(&b, "12345678", &err), HD_OK);
    assert_int_equal(hd_buf_addch(&b, 'x', &err), HD_EINPUT);
    assert_string_equal(b.buf, "12345678");
    assert_non_null(strstr(err.msg, "limit of 8 bytes"));
    hd_buf_release(&b);
}

static void buf_detach__hands_over__buffer_empty_after(void **state)
{
    struct hd_buf b = HD_BUF_INIT;
    size_t len;
    char *p;
    (void)state;
    p = hd_buf_detach(&b, &len);
    assert_string_equal(p, "");
    free(p);
    hd_buf_adds(&b, "abc", NULL);
    p = hd_buf_detach(&b, &len);
    assert_int_equal(len, 3);
    assert_string_equal(p, "abc");
    assert_string_equal(b.buf, "");
    free(p);
}

static void err_set__returns_code__formats_file_line(void **state)
{
    struct hd_err err = HD_ERR_INIT;
    char line[300];
    (void)state;
    assert_int_equal(hd_err_set(&err, HD_EINPUT, "a.csv", 7, "bad time '%s'", "x"), HD_EINPUT);
    assert_string_equal(hd_err_format(&err, line, sizeof(line)), "a.csv:7: bad time 'x'");
    hd_err_prefix(&err, "column '%s'", "opened_at");
    assert_string_equal(err.msg, "column 'opened_at': bad time 'x'");
    assert_int_equal(hd_err_set(NULL, HD_EIO, NULL, 0, "x"), HD_EIO);
}

static void err_exit_status__maps_codes(void **state)
{
    (void)state;
    assert_int_equal(hd_rc_exit_status(HD_OK), 0);
    assert_int_equal(hd_rc_exit_status(HD_EUSAGE), 2);
    assert_int_equal(hd_rc_exit_status(HD_EINPUT), 2);
    assert_int_equal(hd_rc_exit_status(HD_EIO), 3);
    assert_int_equal(hd_rc_exit_status(HD_EINTERNAL), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_init__empty__is_nul_terminated_never_null),
        cmocka_unit_test(buf_addf__grows__keeps_contents),
        cmocka_unit_test(buf_add__past_cap__fails_and_leaves_buffer),
        cmocka_unit_test(buf_detach__hands_over__buffer_empty_after),
        cmocka_unit_test(err_set__returns_code__formats_file_line),
        cmocka_unit_test(err_exit_status__maps_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
