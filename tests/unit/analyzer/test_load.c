/*
 * Unit tests for analyzer/load.c: a database read by one connection or by
 * two (a worker thread over the upper half of the events' rowids) gives the
 * same dataset, down to the intern ids, and the parallel analysis gives the
 * same result as the serial one. Databases are files under /tmp (a second
 * connection cannot see a :memory: one), removed at teardown.
 */
#include "analyzer/load.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/store.h"

struct fx {
    char path[64];
    struct hd_store *st;
};

/*
 * A database of 300 tickets and 6000 events whose strings repeat, change
 * and are sometimes NULL or empty, with every kind, so both readers intern
 * new strings and the merge has to give them their one-scan ids.
 */
static int fx_setup(void **state)
{
    struct fx *x = calloc(1, sizeof(*x));
    struct hd_err err = HD_ERR_INIT;
    int fd;

    snprintf(x->path, sizeof(x->path), "/tmp/handoff-test-load-XXXXXX");
    fd = mkstemp(x->path);
    assert_true(fd >= 0);
    close(fd);
    unlink(x->path);
    assert_int_equal(hd_store_open(x->path, HD_STORE_CREATE, &x->st, &err), HD_OK);
    assert_int_equal(
        hd_store_exec(
            x->st,
            "BEGIN;"
            "INSERT INTO sources(id, path, digest, bytes, profile, complete)"
            " VALUES (1, 'a.csv', 'd1', 1, 'generic', 1), (2, 'b.csv', 'd2', 1, 'generic', 1);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
            " INSERT INTO tickets(id, client, key, title, category, priority, opened_ms)"
            " SELECT i, CASE WHEN i % 7 = 0 THEN 'acme' ELSE '' END, 'T' || i, 'title ' || (i % "
            "13),"
            " CASE WHEN i % 5 = 0 THEN NULL ELSE 'cat' || (i % 4) END, 1 + i % 5,"
            " CASE WHEN i % 3 = 0 THEN NULL ELSE 1700000000000 + i * 1000 END FROM n;"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)"
            " INSERT INTO events(id, ticket_id, t_ms, kind, grp, agent, state, priority, category,"
            " subcategory, note, public, linked, target, source_id, line, ord, ident)"
            " SELECT i, 1 + (i * 7919) % 300, 1700000000000 + (i % 97) * 60000 + i * 1000,"
            " CASE i % 8 WHEN 0 THEN 'opened' WHEN 1 THEN 'assigned' WHEN 2 THEN 'state'"
            " WHEN 3 THEN 'priority' WHEN 4 THEN 'note' WHEN 5 THEN 'linked'"
            " WHEN 6 THEN 'escalated' ELSE 'assigned' END,"
            " CASE WHEN i % 8 IN (1, 7) THEN CASE WHEN i % 11 = 0 THEN '' ELSE"
            " 'G' || ((i * 31) % 17) || CASE WHEN i > 3000 THEN 'late' ELSE '' END END END,"
            " CASE WHEN i % 8 = 7 THEN 'agent' || (i % 23) END,"
            " CASE WHEN i % 8 = 2 THEN CASE i % 3 WHEN 0 THEN 'in_progress'"
            " WHEN 1 THEN 'resolved' ELSE 'pending' END END,"
            " CASE WHEN i % 8 = 3 THEN 1 + i % 4 END,"
            " CASE WHEN i % 9 = 0 THEN 'ecat' || (i % 5) END,"
            " CASE WHEN i % 10 = 0 THEN 'esub' || (i % 3) END,"
            " CASE WHEN i % 8 = 4 THEN 'note ' || (i % 41) END, CASE WHEN i % 8 = 4 THEN i % 2 END,"
            " CASE WHEN i % 8 = 5 THEN 'T' || (i % 300) END,"
            " CASE WHEN i % 8 = 6 THEN CASE WHEN i % 3 = 0 THEN 'security' ELSE 'tier2' END END,"
            " 1 + i % 2, i, i % 5, i FROM n;"
            "COMMIT;",
            &err),
        HD_OK);
    *state = x;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *x = *state;
    char wal[80];
    hd_store_close(x->st);
    unlink(x->path);
    snprintf(wal, sizeof(wal), "%s-wal", x->path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", x->path);
    unlink(wal);
    free(x);
    unsetenv("HD_ANALYZE_THREADS");
    return 0;
}

static void load_with(struct fx *x, const char *threads, struct an_data *d)
{
    struct hd_err err = HD_ERR_INIT;
    setenv("HD_ANALYZE_THREADS", threads, 1);
    an_data_init(d);
    assert_int_equal(an_load(x->st, d, &err), HD_OK);
    unsetenv("HD_ANALYZE_THREADS");
}

static void assert_same_data(const struct an_data *a, const struct an_data *b)
{
    assert_int_equal(hd_intern_count(a->strs), hd_intern_count(b->strs));
    for (uint32_t id = 1; id <= hd_intern_count(a->strs); id++) {
        assert_string_equal(an_str(a, id), an_str(b, id));
    }
    assert_int_equal(a->ntickets, b->ntickets);
    assert_int_equal(a->nevents, b->nevents);
    for (size_t i = 0; i < a->nevents; i++) {
        const struct an_event *x = &a->events[i], *y = &b->events[i];
        assert_int_equal(x->t_ms, y->t_ms);
        assert_int_equal(x->ticket, y->ticket);
        assert_int_equal(x->source, y->source);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->ord, y->ord);
        assert_int_equal(x->group, y->group);
        assert_int_equal(x->agent, y->agent);
        assert_int_equal(x->category, y->category);
        assert_int_equal(x->subcategory, y->subcategory);
        assert_int_equal(x->text, y->text);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->state, y->state);
        assert_int_equal(x->priority, y->priority);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(an_data_event_id(a, i), an_data_event_id(b, i));
        assert_true(an_data_event_id(a, i) > 0);
    }
}

static void an_load__two_readers__same_dataset_and_ids_as_one(void **state)
{
    struct fx *x = *state;
    struct an_data one, two;

    load_with(x, "1", &one);
    load_with(x, "2", &two);
    assert_int_equal(one.nevents, 6000);
    assert_same_data(&one, &two);
    an_data_release(&one);
    an_data_release(&two);
}

static void an_load__rowids_with_gaps__one_reader_same_dataset(void **state)
{
    struct fx *x = *state;
    struct hd_err err = HD_ERR_INIT;
    struct an_data one, two;

    /* Gaps mean the rows' slots cannot be known before reading them. */
    assert_int_equal(hd_store_exec(x->st, "DELETE FROM events WHERE id % 100 = 3", &err), HD_OK);
    load_with(x, "1", &one);
    load_with(x, "2", &two);
    assert_int_equal(one.nevents, 5940);
    assert_same_data(&one, &two);
    an_data_release(&one);
    an_data_release(&two);
}

static void an_load__events_of_unknown_tickets__skipped_by_both_readers(void **state)
{
    struct fx *x = *state;
    struct hd_err err = HD_ERR_INIT;
    struct an_data one, two;

    /* Foreign keys forbid it, but a database edited by hand may have it; the
     * skipped rows' strings must not take ids either. */
    assert_int_equal(hd_store_exec(x->st,
                                   "PRAGMA foreign_keys = OFF;"
                                   "UPDATE events SET ticket_id = 999, grp = 'ghost' || id"
                                   " WHERE id IN (10, 2500, 4001, 5999);",
                                   &err),
                     HD_OK);
    load_with(x, "1", &one);
    load_with(x, "2", &two);
    assert_int_equal(one.nevents, 5996);
    assert_same_data(&one, &two);
    an_data_release(&one);
    an_data_release(&two);
}

static void an_analyze__two_walkers__same_result_as_one(void **state)
{
    struct fx *x = *state;
    struct an_data d1, d2;
    struct an_config cfg;
    struct an_result r1, r2;
    struct hd_err err = HD_ERR_INIT;

    assert_int_equal(an_config_load(NULL, &cfg, &err), HD_OK);
    load_with(x, "1", &d1);
    load_with(x, "1", &d2);
    setenv("HD_ANALYZE_THREADS", "1", 1);
    an_analyze(&d1, &cfg, &r1);
    setenv("HD_ANALYZE_THREADS", "2", 1);
    an_analyze(&d2, &cfg, &r2);
    unsetenv("HD_ANALYZE_THREADS");
    assert_true(r1.nsegs > 100);
    assert_true(r1.nfinds > 100);
    assert_int_equal(r1.nsegs, r2.nsegs);
    assert_int_equal(r1.nfinds, r2.nfinds);
    assert_int_equal(r1.ntm, r2.ntm);
    for (size_t i = 0; i < r1.nsegs; i++) {
        const struct an_segment *a = &r1.segs[i], *b = &r2.segs[i];
        assert_int_equal(a->ticket, b->ticket);
        assert_int_equal(a->group, b->group);
        assert_int_equal(a->agent, b->agent);
        assert_int_equal(a->start_ms, b->start_ms);
        assert_int_equal(a->end_ms, b->end_ms);
        assert_int_equal(a->tier, b->tier);
        assert_int_equal(a->state, b->state);
        assert_int_equal(a->worked, b->worked);
        assert_int_equal(a->security, b->security);
    }
    for (size_t i = 0; i < r1.nfinds; i++) {
        const struct an_finding *a = &r1.finds[i], *b = &r2.finds[i];
        assert_int_equal(a->ticket, b->ticket);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->open_at_end, b->open_at_end);
        assert_int_equal(a->t_ms, b->t_ms);
        assert_int_equal(a->value_ms, b->value_ms);
        assert_int_equal(a->group, b->group);
        assert_int_equal(a->group2, b->group2);
        assert_int_equal(a->ev, b->ev);
        assert_int_equal(a->ev2, b->ev2);
    }
    assert_memory_equal(r1.tm, r2.tm, r1.ntm * sizeof(*r1.tm));
    for (size_t i = 0; i < d1.ntickets; i++) {
        assert_int_equal(d1.tickets[i].priority, d2.tickets[i].priority);
    }
    an_result_release(&r1);
    an_result_release(&r2);
    an_data_release(&d1);
    an_data_release(&d2);
    an_config_release(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_load__two_readers__same_dataset_and_ids_as_one, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(an_load__rowids_with_gaps__one_reader_same_dataset,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(an_load__events_of_unknown_tickets__skipped_by_both_readers,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(an_analyze__two_walkers__same_result_as_one, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
