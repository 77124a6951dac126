/*
 * Calibration from a hand-built database: the figures of a known history
 * come back (first group, resolve and pass shares, holding times, arrival
 * rate), too few tickets fall back to the pooled estimate and say so, the
 * fitted scenario loads and its "observed" routing reproduces the history's
 * reassignments, trace replay keeps the historical instants, and the
 * historical KPIs for --validate are those of the tickets.
 */
#include "simulator/sim_int.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/store.h"
#include "core/time.h"

#define T0_MS   1767225600000LL /* 2026-01-01T00:00:00Z */
#define MIN_MS  60000LL
#define NTICKET 200

struct fixture {
    char path[64];
};

static void exec_sql(struct hd_store *st, const char *sql)
{
    struct hd_err err = HD_ERR_INIT;
    if (hd_store_exec(st, sql, &err)) {
        fail_msg("%s", err.msg);
    }
}

/*
 * NTICKET tickets, one every 30 minutes, category "A" at P3: each is held by
 * Desk for 10 minutes; odd tickets are then passed to Net, which holds them
 * for 60 minutes and resolves them; even tickets are resolved by Desk.
 * Ticket 1 (odd) keeps its category "B" (a category with one ticket).
 */
static void build_db(const char *path, int n)
{
    struct hd_err err = HD_ERR_INIT;
    struct hd_store *st = NULL;
    char sql[512];

    if (hd_store_open(path, HD_STORE_CREATE, &st, &err)) {
        fail_msg("%s", err.msg);
    }
    exec_sql(st, "BEGIN");
    for (int i = 0; i < n; i++) {
        int64_t t = T0_MS + (int64_t)i * 30 * MIN_MS;
        int pass = i % 2 == 1;
        int64_t ttr = (pass ? 70 : 10) * MIN_MS;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO tickets(id, key, category, priority, opened_ms)"
                 " VALUES (%d, 'T%d', '%s', 3, %lld)",
                 i + 1, i + 1, i == 1 ? "B" : "A", (long long)t);
        exec_sql(st, sql);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO segments(ticket_id, seq, grp, start_ms, end_ms)"
                 " VALUES (%d, 0, 'Desk', %lld, %lld)",
                 i + 1, (long long)t, (long long)(t + 10 * MIN_MS));
        exec_sql(st, sql);
        if (pass) {
            snprintf(sql, sizeof(sql),
                     "INSERT INTO segments(ticket_id, seq, grp, start_ms, end_ms)"
                     " VALUES (%d, 1, 'Net', %lld, %lld)",
                     i + 1, (long long)(t + 10 * MIN_MS), (long long)(t + ttr));
            exec_sql(st, sql);
        }
        snprintf(sql, sizeof(sql),
                 "INSERT INTO ticket_metrics(ticket_id, opened_ms, reassignments, bounces,"
                 " time_to_resolve_ms) VALUES (%d, %lld, %d, 0, %lld)",
                 i + 1, (long long)t, pass, (long long)ttr);
        exec_sql(st, sql);
    }
    exec_sql(st, "COMMIT");
    hd_store_close(st);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    snprintf(fx->path, sizeof(fx->path), "/tmp/hd-test-calibrate-%ld.db", (long)getpid());
    unlink(fx->path);
    build_db(fx->path, NTICKET);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char p[80];
    unlink(fx->path);
    snprintf(p, sizeof(p), "%s-wal", fx->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", fx->path);
    unlink(p);
    free(fx);
    return 0;
}

static void opts_for(struct sim_calib_opts *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    o->db_path = path;
    o->from_ms = INT64_MIN;
    o->to_ms = INT64_MAX;
}

/* Calibrate into memory; returns the JSON text (caller frees). */
static char *calibrate_text(const struct sim_calib_opts *o)
{
    struct hd_err err = HD_ERR_INIT;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    if (sim_calibrate(o, f, NULL, &err)) {
        fail_msg("%s", err.msg);
    }
    fclose(f);
    return buf;
}

static const json_t *find_note(const json_t *root, const char *figure)
{
    const json_t *notes = json_object_get(json_object_get(root, "calibration"), "notes");
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n)
    {
        if (!strcmp(json_string_value(json_object_get(n, "figure")), figure)) {
            return n;
        }
    }
    fail_msg("no note for '%s'", figure);
    return NULL;
}

static void sim_calibrate__known_history__recovers_routing_and_holdings(void **state)
{
    struct fixture *fx = *state;
    struct sim_calib_opts o;
    json_error_t je;
    json_t *root, *desk, *net, *first;
    char *text;

    opts_for(&o, fx->path);
    text = calibrate_text(&o);
    root = json_loads(text, 0, &je);
    assert_non_null(root);
    desk = json_object_get(json_object_get(json_object_get(root, "routing"), "groups"), "Desk");
    net = json_object_get(json_object_get(json_object_get(root, "routing"), "groups"), "Net");
    assert_float_equal(json_real_value(json_object_get(desk, "resolve")), 0.5, 1e-9);
    assert_float_equal(json_real_value(json_object_get(json_object_get(desk, "to"), "Net")), 1,
                       1e-9);
    assert_float_equal(json_real_value(json_object_get(net, "resolve_second")), 1, 1e-9);
    /* Every ticket starts at Desk. */
    first = json_array_get(json_object_get(json_object_get(root, "routing"), "first"), 0);
    assert_float_equal(json_real_value(json_object_get(json_object_get(first, "to"), "Desk")), 1,
                       1e-9);
    /* Desk resolves in 10 minutes; Net holds a passed ticket for 60. */
    assert_float_equal(
        json_real_value(json_object_get(find_note(root, "teams.Desk.service"), "mean_min")), 10,
        1e-9);
    assert_float_equal(
        json_real_value(json_object_get(find_note(root, "teams.Net.service"), "mean_min")), 60,
        1e-9);
    json_decref(root);
    free(text);
}

static void sim_calibrate__too_few_tickets__says_so_and_pools(void **state)
{
    struct fixture *fx = *state;
    struct sim_calib_opts o;
    json_error_t je;
    json_t *root;
    const json_t *n;
    char *text;

    opts_for(&o, fx->path);
    text = calibrate_text(&o);
    root = json_loads(text, 0, &je);
    assert_non_null(root);
    /* 200 tickets are too few for 168 (or 24) hourly rates: one constant rate. */
    n = find_note(root, "arrivals.hour_of_week");
    assert_non_null(json_object_get(n, "fallback"));
    assert_int_equal(json_integer_value(json_object_get(n, "n")), NTICKET);
    {
        const json_t *how = json_object_get(json_object_get(root, "arrivals"), "hour_of_week");
        double want = (double)NTICKET / ((NTICKET - 1) * 0.5 + 1.0 / 3600000);
        double got = json_real_value(json_array_get(json_object_get(how, "sun"), 23));
        assert_true(fabs(got - want) < 1e-4 * want);
    }
    /* Category B has one ticket: it is pooled, and the pooled type says so. */
    n = find_note(root, "types.(other categories)");
    assert_int_equal(json_integer_value(json_object_get(n, "n")), 1);
    assert_non_null(json_object_get(n, "fallback"));
    json_decref(root);
    free(text);
}

static void sim_calibrate__scenario_loads__observed_reproduces_reassignments(void **state)
{
    struct fixture *fx = *state;
    struct hd_err err = HD_ERR_INIT;
    struct sim_calib_opts o;
    struct sim_scenario *sc = NULL;
    struct sim_policy *pol = NULL;
    struct sim_results *res = NULL;
    struct sim_opts so;
    double mean, half;
    uint64_t n;
    char *text;

    opts_for(&o, fx->path);
    text = calibrate_text(&o);
    if (sim_scenario_load_text(text, strlen(text), "model.json", &sc, &err)) {
        fail_msg("%s", err.msg);
    }
    if (sim_policy_new_observed(sc, &pol, &err)) {
        fail_msg("%s", err.msg);
    }
    memset(&so, 0, sizeof(so));
    so.replications = 20;
    so.threads = 2;
    if (sim_run(sc, &pol, 1, &so, &res, &err)) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(sim_results_kpi(res, 0, "handoffs_per_ticket", 0, &mean, &half, &n), 0);
    assert_true(fabs(mean - 0.5) < 0.05);
    assert_int_equal(sim_results_kpi(res, 0, "teams.Net.hold_mean_min", 0, &mean, &half, &n), 0);
    assert_float_equal(mean, 60, 1e-6);
    sim_results_free(res);
    sim_policy_free(pol);
    sim_scenario_free(sc);
    free(text);
}

static void sim_policy_new_observed__no_routing__einput(void **state)
{
    static const char text[] = "{\"horizon\": \"1d\", \"teams\": [{\"name\": \"Desk\", "
                               "\"agents\": 1, \"service\": \"10m\"}], \"types\": [{\"name\": "
                               "\"t\", \"share\": 1, \"resolver\": \"Desk\"}], \"arrivals\": "
                               "{\"rate_per_h\": 1}}";
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;
    struct sim_policy *pol = NULL;

    (void)state;
    assert_int_equal(sim_scenario_load_text(text, strlen(text), "s.json", &sc, &err), HD_OK);
    assert_int_equal(sim_policy_new_observed(sc, &pol, &err), HD_EINPUT);
    assert_null(pol);
    assert_non_null(strstr(err.msg, "no 'routing' section"));
    sim_scenario_free(sc);
}

static void sim_scenario_set_replay__amplify_one__keeps_instants(void **state)
{
    struct fixture *fx = *state;
    struct hd_err err = HD_ERR_INIT;
    struct sim_calib_opts o;
    struct sim_scenario *sc = NULL;
    char *text;

    opts_for(&o, fx->path);
    text = calibrate_text(&o);
    assert_int_equal(sim_scenario_load_text(text, strlen(text), "m.json", &sc, &err), HD_OK);
    o.from_ms = T0_MS + 60 * MIN_MS;
    o.to_ms = T0_MS + 10 * 60 * MIN_MS;
    assert_int_equal(sim_scenario_set_replay(sc, &o, 1, &err), HD_OK);
    assert_int_equal(sc->nreplay, 18); /* one every 30 minutes in [1h, 10h) */
    for (size_t i = 0; i < sc->nreplay; i++) {
        assert_int_equal(sc->replay[i].t_ms, (int64_t)i * 30 * MIN_MS);
        assert_int_equal(sc->replay[i].priority, 3);
    }
    assert_int_equal(sim_scenario_start_ms(sc), o.from_ms);
    assert_int_equal(sim_scenario_horizon_ms(sc), 9 * 60 * MIN_MS);
    assert_int_equal(sim_scenario_set_replay(sc, &o, 0, &err), HD_EUSAGE);
    sim_scenario_free(sc);
    free(text);
}

static void sim_history_load__tickets__volume_reassignments_and_ttr(void **state)
{
    struct fixture *fx = *state;
    struct hd_err err = HD_ERR_INIT;
    struct sim_calib_opts o;
    struct sim_history *h = NULL;
    struct sim_calib_opts e;

    opts_for(&o, fx->path);
    o.from_ms = T0_MS;
    o.to_ms = T0_MS + 100 * 30 * MIN_MS; /* the first 100 tickets */
    assert_int_equal(sim_history_load(&o, &h, &err), HD_OK);
    assert_int_equal(h->tickets, 100);
    assert_float_equal(h->reassign_per_ticket, 0.5, 1e-12);
    /* Half take 10 minutes, half 70: type 7 median 40, p90 70. */
    assert_float_equal(h->ttr_p50_min, 40, 1e-9);
    assert_float_equal(h->ttr_p90_min, 70, 1e-9);
    assert_float_equal(h->security_share, 0, 1e-12);
    sim_history_free(h);

    opts_for(&e, fx->path);
    e.from_ms = T0_MS - 10 * MIN_MS;
    e.to_ms = T0_MS - MIN_MS;
    assert_int_equal(sim_history_load(&e, &h, &err), HD_OK);
    assert_int_equal(h->tickets, 0);
    sim_history_free(h);
    {
        /* No ticket in the period: calibrate refuses, naming the database. */
        FILE *f = tmpfile();
        assert_int_equal(sim_calibrate(&e, f, NULL, &err), HD_EINPUT);
        assert_non_null(strstr(err.msg, "no tickets"));
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sim_calibrate__known_history__recovers_routing_and_holdings,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sim_calibrate__too_few_tickets__says_so_and_pools, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            sim_calibrate__scenario_loads__observed_reproduces_reassignments, setup, teardown),
        cmocka_unit_test(sim_policy_new_observed__no_routing__einput),
        cmocka_unit_test_setup_teardown(sim_scenario_set_replay__amplify_one__keeps_instants, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sim_history_load__tickets__volume_reassignments_and_ttr,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
