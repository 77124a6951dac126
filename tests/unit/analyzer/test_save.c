/*
 * Unit tests for analyzer/save.c beyond what test_ingest.c covers: saving
 * in multi-row statements (batches of tickets and events that are partly
 * new, partly stored), the counts of a source completed by a second run,
 * and foreign keys back on afterwards. Inputs are written to /tmp with
 * mkstemp and removed; databases are ":memory:".
 */
#include "analyzer/save.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/dataset.h"
#include "analyzer/ingest.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/model.h"
#include "core/store.h"
#include "core/time.h"

/* ---- helpers ------------------------------------------------------------ */

/* More tickets and events than one multi-row statement takes. */
#define NTICKETS 50

struct run {
    char path[64];
    struct an_data d;
    struct an_ingest_result res;
};

/* Ingest `text` with the generic profile into r (finished dataset). */
static void run_text(struct run *r, const char *text)
{
    struct an_ingest_opts o;
    struct hd_err err = HD_ERR_INIT;
    FILE *f;
    int fd;

    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "/tmp/handoff-test-save-XXXXXX");
    fd = mkstemp(r->path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    an_ingest_opts_init(&o);
    o.not_after_ms = hd_days_from_civil(2027, 1, 1) * HD_MS_PER_DAY;
    an_data_init(&r->d);
    assert_int_equal(an_ingest_file(&r->d, r->path, &o, &r->res, &err), HD_OK);
    an_data_finish(&r->d);
}

static void run_release(struct run *r)
{
    unlink(r->path);
    an_ingest_result_release(&r->res);
    an_data_release(&r->d);
}

/*
 * NTICKETS tickets of three events each (opened, assigned, state); with
 * `extra`, each ticket also gets a note between the last two.
 */
static void make_log(struct hd_buf *b, int extra)
{
    hd_buf_addf(b, NULL, "ticket,time,kind,group,state,note\n");
    for (int i = 0; i < NTICKETS; i++) {
        hd_buf_addf(b, NULL, "T%03d,2026-10-01T09:%02d:00Z,opened,,,\n", i, i);
        hd_buf_addf(b, NULL, "T%03d,2026-10-01T10:%02d:00Z,assigned,Network L2,,\n", i, i);
        if (extra) {
            hd_buf_addf(b, NULL, "T%03d,2026-10-01T10:%02d:30Z,note,,,looked\n", i, i);
        }
        hd_buf_addf(b, NULL, "T%03d,2026-10-01T11:%02d:00Z,state,,resolved,\n", i, i);
    }
}

static int64_t query_int(struct hd_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_prepare_v2(hd_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) {
        v = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return v;
}

/* ---- tests ---------------------------------------------------------------- */

static void save__overlapping_export__only_new_events_stored_each_with_its_id(void **state)
{
    struct hd_store *st = NULL;
    struct hd_err err = HD_ERR_INIT;
    struct an_save_stats ss;
    struct hd_buf b;
    struct run r;
    sqlite3_stmt *s = NULL;
    size_t checked = 0;
    (void)state;

    assert_int_equal(hd_store_open(":memory:", HD_STORE_CREATE, &st, &err), HD_OK);
    hd_buf_init(&b, 0);
    make_log(&b, 0);
    run_text(&r, b.buf);
    assert_int_equal(an_save(st, &r.d, &r.res, NULL, &ss, &err), HD_OK);
    assert_int_equal(ss.events_new, 3 * NTICKETS);
    run_release(&r);

    hd_buf_reset(&b);
    make_log(&b, 1);
    run_text(&r, b.buf);
    assert_int_equal(an_save(st, &r.d, &r.res, NULL, &ss, &err), HD_OK);
    assert_int_equal(ss.events_new, NTICKETS);
    assert_int_equal(ss.events_known, 3 * NTICKETS);
    assert_int_equal(query_int(st, "SELECT count(*) FROM events"), 4 * NTICKETS);
    assert_int_equal(query_int(st, "SELECT count(*) FROM tickets"), NTICKETS);
    assert_int_equal(query_int(st, "SELECT events_new FROM sources WHERE id = 2"), NTICKETS);
    assert_int_equal(query_int(st, "SELECT events_known FROM sources WHERE id = 2"), 3 * NTICKETS);
    /* A new event knows its row; a known one was not stored again. */
    assert_int_equal(sqlite3_prepare_v2(hd_store_db(st),
                                        "SELECT kind, line, source_id FROM events WHERE id = ?1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < r.d.nevents; i++) {
        const struct an_event *e = &r.d.events[i];
        if (e->kind != HD_KIND_NOTE) {
            assert_int_equal(an_data_event_id(&r.d, i), 0);
            continue;
        }
        assert_true(an_data_event_id(&r.d, i) > 0);
        sqlite3_bind_int64(s, 1, an_data_event_id(&r.d, i));
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), "note");
        assert_int_equal(sqlite3_column_int64(s, 1), e->line);
        assert_int_equal(sqlite3_column_int64(s, 2), 2);
        sqlite3_reset(s);
        checked++;
    }
    assert_int_equal(checked, NTICKETS);
    sqlite3_finalize(s);
    run_release(&r);
    hd_buf_release(&b);
    hd_store_close(st);
}

static void save__source_left_incomplete__second_run_counts_events_of_both(void **state)
{
    struct hd_store *st = NULL;
    struct hd_err err = HD_ERR_INIT;
    struct an_save_stats ss;
    struct hd_buf b;
    struct run r;
    (void)state;

    assert_int_equal(hd_store_open(":memory:", HD_STORE_CREATE, &st, &err), HD_OK);
    hd_buf_init(&b, 0);
    make_log(&b, 0);
    run_text(&r, b.buf);
    assert_int_equal(an_save(st, &r.d, &r.res, NULL, &ss, &err), HD_OK);
    /* As a kill after the first 100 events were committed leaves it. */
    assert_int_equal(hd_store_exec(st,
                                   "DELETE FROM events WHERE id > 100;"
                                   " UPDATE sources SET complete = 0, events_new = 0",
                                   &err),
                     HD_OK);
    assert_int_equal(an_save(st, &r.d, &r.res, NULL, &ss, &err), HD_OK);
    assert_int_equal(ss.source_was_complete, 0);
    assert_int_equal(ss.events_new, 3 * NTICKETS - 100);
    assert_int_equal(ss.events_known, 100);
    assert_int_equal(query_int(st, "SELECT events_new FROM sources"), 3 * NTICKETS);
    assert_int_equal(query_int(st, "SELECT events_known FROM sources"), 0);
    assert_int_equal(query_int(st, "SELECT complete FROM sources"), 1);
    /* Ids as one uninterrupted run gives them: in ticket and event order. */
    assert_int_equal(query_int(st, "SELECT max(id) FROM events"), 3 * NTICKETS);
    assert_int_equal(query_int(st, "SELECT count(*) FROM events e JOIN tickets t"
                                   " ON t.id = e.ticket_id WHERE e.id != (t.id - 1) * 3 +"
                                   " (e.kind = 'assigned') + 2 * (e.kind = 'state') + 1"),
                     0);
    run_release(&r);
    hd_buf_release(&b);
    hd_store_close(st);
}

static void save__after_saving__foreign_keys_enforced_again(void **state)
{
    struct hd_store *st = NULL;
    struct hd_err err = HD_ERR_INIT;
    struct an_save_stats ss;
    struct run r;
    (void)state;

    assert_int_equal(hd_store_open(":memory:", HD_STORE_CREATE, &st, &err), HD_OK);
    run_text(&r, "ticket,time,kind\nT1,2026-10-01T09:00:00Z,opened\n");
    assert_int_equal(an_save(st, &r.d, &r.res, NULL, &ss, &err), HD_OK);
    assert_int_equal(query_int(st, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(st, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    run_release(&r);
    hd_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(save__overlapping_export__only_new_events_stored_each_with_its_id),
        cmocka_unit_test(save__source_left_incomplete__second_run_counts_events_of_both),
        cmocka_unit_test(save__after_saving__foreign_keys_enforced_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
