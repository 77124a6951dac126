/*
 * Unit tests for core/store.c: a schema-3 database (the identity index on
 * ident alone) is upgraded in place to schema 4, keeping its rows, and a
 * new file gets the page size chosen for ingest. Databases are files under
 * /tmp, removed afterwards.
 */
#include "core/store.h"

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

#include "core/err.h"

/* ---- helpers ------------------------------------------------------------ */

/* A fresh path under /tmp (the file itself is removed: a new database). */
static void tmp_db(char *path, size_t n)
{
    int fd;
    snprintf(path, n, "/tmp/handoff-test-store-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
}

static void remove_db(const char *path)
{
    char p[128];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
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

static void open__schema_3_file__upgraded_to_ticket_scoped_identity_rows_kept(void **state)
{
    struct hd_store *st = NULL;
    struct hd_err err = HD_ERR_INIT;
    char path[64];
    (void)state;

    tmp_db(path, sizeof(path));
    assert_int_equal(hd_store_open(path, HD_STORE_CREATE, &st, &err), HD_OK);
    /* Turn it back into what schema 3 wrote, with one event. */
    assert_int_equal(
        hd_store_exec(st,
                      "DROP INDEX events_ident;"
                      " CREATE UNIQUE INDEX events_ident ON events(ident);"
                      " INSERT INTO sources(path, digest, bytes, profile) VALUES('a', 'd', 1, 'g');"
                      " INSERT INTO tickets(key) VALUES('T1');"
                      " INSERT INTO events(ticket_id, t_ms, kind, source_id, line, ord, ident)"
                      " VALUES(1, 0, 'opened', 1, 2, 0, 42);"
                      " PRAGMA user_version = 3;",
                      &err),
        HD_OK);
    hd_store_close(st);

    /* A read-only open upgrades it through a read-write one. */
    assert_int_equal(hd_store_open(path, HD_STORE_READONLY, &st, &err), HD_OK);
    assert_int_equal(query_int(st, "PRAGMA user_version"), HD_STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(st, "SELECT count(*) FROM pragma_index_info('events_ident')"), 2);
    assert_int_equal(query_int(st,
                               "SELECT name = 'ticket_id' FROM pragma_index_info('events_ident')"
                               " WHERE seqno = 0"),
                     1);
    assert_int_equal(query_int(st, "SELECT \"unique\" FROM pragma_index_list('events')"
                                   " WHERE name = 'events_ident'"),
                     1);
    assert_int_equal(query_int(st, "SELECT ident FROM events WHERE line = 2"), 42);
    hd_store_close(st);
    remove_db(path);
}

static void open__new_file__8k_pages_wal_and_foreign_keys(void **state)
{
    struct hd_store *st = NULL;
    struct hd_err err = HD_ERR_INIT;
    char path[64];
    (void)state;

    tmp_db(path, sizeof(path));
    assert_int_equal(hd_store_open(path, HD_STORE_CREATE, &st, &err), HD_OK);
    assert_int_equal(hd_store_found_version(st), 0);
    assert_int_equal(query_int(st, "PRAGMA page_size"), 8192);
    assert_int_equal(query_int(st, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(st, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    hd_store_close(st);
    /* Opened again: the same schema, nothing to migrate. */
    assert_int_equal(hd_store_open(path, 0, &st, &err), HD_OK);
    assert_int_equal(hd_store_found_version(st), HD_STORE_SCHEMA_VERSION);
    hd_store_close(st);
    remove_db(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open__schema_3_file__upgraded_to_ticket_scoped_identity_rows_kept),
        cmocka_unit_test(open__new_file__8k_pages_wal_and_foreign_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
