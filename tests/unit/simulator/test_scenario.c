/*
 * Tests for scenario loading (simulator/scenario.c) and policy binding
 * (simulator/policy.c): the sample scenarios load, and each bad scenario
 * fails with the JSON path and the reason.
 */
#include "simulator/sim.h"

#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/err.h"

static void expect_load_error(const char *path, const char *msg)
{
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;

    assert_int_equal(sim_scenario_load(path, &sc, &err), HD_EINPUT);
    assert_null(sc);
    assert_string_equal(err.src, path);
    assert_string_equal(err.msg, msg);
}

static void expect_text_error(const char *json, const char *msg)
{
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;

    assert_int_equal(sim_scenario_load_text(json, strlen(json), "t.json", &sc, &err), HD_EINPUT);
    assert_null(sc);
    assert_string_equal(err.msg, msg);
}

static void scenario_load__samples__load_and_name_themselves(void **state)
{
    static const char *const names[] = {"normal-week", "phishing-wave", "mfa-outage"};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        struct hd_err err = HD_ERR_INIT;
        struct sim_scenario *sc = NULL;
        snprintf(path, sizeof(path), "samples/scenarios/%s.json", names[i]);
        if (sim_scenario_load(path, &sc, &err)) {
            fail_msg("%s: %s", path, err.msg);
        }
        assert_string_equal(sim_scenario_name(sc), names[i]);
        assert_int_equal(sim_scenario_replications(sc), 20);
        sim_scenario_free(sc);
    }
}

static void scenario_load__negative_rate__path_and_reason(void **state)
{
    (void)state;
    expect_load_error("samples/scenarios/bad/negative-rate.json",
                      "arrivals.rate_per_h: negative rate -3");
}

static void scenario_load__empty_shift_pattern__path_and_reason(void **state)
{
    (void)state;
    expect_load_error("samples/scenarios/bad/empty-shifts.json",
                      "teams[0].shifts: empty shift pattern");
}

static void scenario_load__arrivals_to_unstaffed_team__path_and_reason(void **state)
{
    (void)state;
    expect_load_error("samples/scenarios/bad/never-staffed.json",
                      "types[1].resolver: team 'night-ops' never has agents, but tickets of "
                      "this type arrive there");
}

static void scenario_load__unknown_resolver_and_field__path_and_reason(void **state)
{
    (void)state;
    expect_load_error("samples/scenarios/bad/unknown-resolver.json",
                      "types[0].resolver: unknown team 'helpdesk'");
    expect_load_error("samples/scenarios/bad/unknown-field.json",
                      "teams[0].agnets: unknown field 'agnets'");
}

static void scenario_load__broken_values__each_names_its_path(void **state)
{
    (void)state;
    expect_text_error("{\"horizon\": \"1d\", \"teams\": [], \"types\": [], \"arrivals\": {}}",
                      "teams: expected a non-empty array");
    expect_text_error("{\"horizon\": \"soon\"}", "horizon: bad duration 'soon': expected a number");
    expect_text_error(
        "{\"horizon\": \"1d\", \"teams\": [{\"name\": \"d\", \"agents\": 1, \"service\": "
        "{\"dist\": \"gamma\", \"mean\": \"5m\"}}]}",
        "teams[0].service.dist: unknown distribution 'gamma'");
    expect_text_error(
        "{\"horizon\": \"1d\", \"teams\": [{\"name\": \"d\", \"shifts\": [{\"days\": \"funday\", "
        "\"start\": \"08:00\", \"end\": \"17:00\", \"agents\": 1}], \"service\": \"5m\"}]}",
        "teams[0].shifts[0].days: unknown day 'funday'");
}

static void policy_load__queue_without_team__scenario_validation_error(void **state)
{
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;
    struct sim_policy *p = NULL;
    (void)state;

    assert_int_equal(sim_scenario_load("samples/scenarios/bad/policy-unknown-team.json", &sc, &err),
                     HD_OK);
    assert_int_equal(
        sim_policy_load("samples/scenarios/bad/policy-unknown-team.policy.json", sc, &p, &err),
        HD_EINPUT);
    assert_null(p);
    assert_string_equal(err.msg, "queues[1]: no team 'network' in scenario 'bad'");
    sim_scenario_free(sc);
}

static void policy_load__sample_policies__bind_to_sample_scenarios(void **state)
{
    static const char *const pols[] = {"baseline", "candidate", "strict-soc"};
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;
    (void)state;

    assert_int_equal(sim_scenario_load("samples/scenarios/normal-week.json", &sc, &err), HD_OK);
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        struct sim_policy *p = NULL;
        snprintf(path, sizeof(path), "samples/policies/%s.json", pols[i]);
        if (sim_policy_load(path, sc, &p, &err)) {
            fail_msg("%s: %s", path, err.msg);
        }
        assert_string_equal(sim_policy_name(p), pols[i]);
        sim_policy_free(p);
    }
    sim_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_load__samples__load_and_name_themselves),
        cmocka_unit_test(scenario_load__negative_rate__path_and_reason),
        cmocka_unit_test(scenario_load__empty_shift_pattern__path_and_reason),
        cmocka_unit_test(scenario_load__arrivals_to_unstaffed_team__path_and_reason),
        cmocka_unit_test(scenario_load__unknown_resolver_and_field__path_and_reason),
        cmocka_unit_test(scenario_load__broken_values__each_names_its_path),
        cmocka_unit_test(policy_load__queue_without_team__scenario_validation_error),
        cmocka_unit_test(policy_load__sample_policies__bind_to_sample_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
