/*
 * Determinism of simulator experiments: the same scenario, policies and
 * seed give byte-identical JSON, with one thread or two; another seed gives
 * other numbers; and every policy sees the same tickets (common random
 * numbers), so the paired difference of the ticket count is exactly zero.
 */
#include "simulator/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/err.h"

static char *run_json(const char *scenario, uint64_t seed, int threads)
{
    static const char *const pols[] = {"samples/policies/baseline.json",
                                       "samples/policies/candidate.json",
                                       "samples/policies/strict-soc.json"};
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;
    struct sim_policy *p[3];
    struct sim_results *res = NULL;
    struct sim_opts o;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    if (sim_scenario_load(scenario, &sc, &err)) {
        fail_msg("%s", err.msg);
    }
    for (int i = 0; i < 3; i++) {
        if (sim_policy_load(pols[i], sc, &p[i], &err)) {
            fail_msg("%s", err.msg);
        }
    }
    memset(&o, 0, sizeof(o));
    o.replications = 5;
    o.seed = seed;
    o.have_seed = 1;
    o.threads = threads;
    if (sim_run(sc, p, 3, &o, &res, &err)) {
        fail_msg("%s", err.msg);
    }
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(sim_results_write_json(res, f, &err), HD_OK);
    fclose(f);
    {
        double mean, half;
        uint64_t n;
        assert_int_equal(sim_results_kpi(res, 1, "tickets", 1, &mean, &half, &n), 0);
        assert_true(mean == 0 && n == 5);
        assert_int_equal(sim_results_kpi(res, 2, "incidents", 1, &mean, &half, &n), 0);
        assert_true(mean == 0);
    }
    sim_results_free(res);
    for (int i = 0; i < 3; i++) {
        sim_policy_free(p[i]);
    }
    sim_scenario_free(sc);
    return buf;
}

static void sim_run__same_seed_one_or_two_threads__byte_identical_json(void **state)
{
    static const char *const scen[] = {"samples/scenarios/phishing-wave.json",
                                       "samples/scenarios/mfa-outage.json"};
    (void)state;
    for (int i = 0; i < 2; i++) {
        char *a = run_json(scen[i], 7, 1);
        char *b = run_json(scen[i], 7, 2);
        char *c = run_json(scen[i], 7, 2);
        assert_true(strlen(a) > 1000);
        assert_string_equal(a, b);
        assert_string_equal(b, c);
        free(a);
        free(b);
        free(c);
    }
}

static void sim_run__other_seed__other_results(void **state)
{
    char *a = run_json("samples/scenarios/normal-week.json", 7, 2);
    char *b = run_json("samples/scenarios/normal-week.json", 8, 2);
    (void)state;
    assert_true(strcmp(a, b) != 0);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_run__same_seed_one_or_two_threads__byte_identical_json),
        cmocka_unit_test(sim_run__other_seed__other_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
