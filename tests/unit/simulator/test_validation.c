/*
 * Validation of the queueing model against analytic results: M/M/1, M/M/c
 * and Erlang C, M/M/1 with two non-preemptive priority classes, the
 * quantiles of M/M/1's time in system, and Little's law on every team of
 * the sample scenarios. Each check asserts
 * that the analytic value lies inside the simulated 95% confidence
 * interval. Seeds are fixed, so the outcome is the same on every run.
 */
#include "simulator/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>

#include "core/err.h"

/* Sanitizer builds run ~10x slower: shorter runs, same assertions. */
#if defined(__SANITIZE_ADDRESS__)
#define SCALE 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALE 4
#else
#define SCALE 1
#endif
#else
#define SCALE 1
#endif

/* The results borrow the scenario and the policy: one of each alive at a time. */
static struct sim_scenario *sc;
static struct sim_policy *pol;

static void done(struct sim_results *res)
{
    sim_results_free(res);
    sim_policy_free(pol);
    sim_scenario_free(sc);
    pol = NULL;
    sc = NULL;
}

static struct sim_results *simulate(const char *json, uint32_t reps, uint64_t seed)
{
    struct hd_err err = HD_ERR_INIT;
    struct sim_results *res = NULL;
    struct sim_opts o;

    if (sim_scenario_load_text(json, strlen(json), "test", &sc, &err)) {
        fail_msg("scenario: %s", err.msg);
    }
    pol = sim_policy_new_resolver(sc);
    memset(&o, 0, sizeof(o));
    o.replications = reps;
    o.seed = seed;
    o.have_seed = 1;
    o.threads = 2;
    if (sim_run(sc, &pol, 1, &o, &res, &err)) {
        fail_msg("run: %s", err.msg);
    }
    return res;
}

static void expect_in_ci(const struct sim_results *res, const char *key, double want)
{
    double mean, half;
    uint64_t n;

    assert_int_equal(sim_results_kpi(res, 0, key, 0, &mean, &half, &n), 0);
    print_message("%-40s simulated %.5f +- %.5f, expected %.5f\n", key, mean, half, want);
    assert_true(n >= 2);
    assert_true(fabs(mean - want) <= half);
}

static double erlang_c(int c, double a)
{
    double term = 1, sum = 1; /* k = 0 */
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    term *= a / c; /* a^c / c! */
    double top = term * c / (c - a);
    return top / (sum + top);
}

static char *mmc_json(double lambda_per_h, const char *mean_service, int c, const char *horizon,
                      const char *warmup)
{
    static char buf[2048];
    snprintf(buf, sizeof(buf),
             "{\"name\": \"mmc\", \"horizon\": \"%s\", \"warmup\": \"%s\", \"drain\": \"4w\","
             " \"series_interval\": \"0\","
             " \"teams\": [{\"name\": \"desk\", \"agents\": %d,"
             "   \"service\": {\"dist\": \"exponential\", \"mean\": \"%s\"}}],"
             " \"types\": [{\"name\": \"any\", \"share\": 1, \"resolver\": \"desk\"}],"
             " \"arrivals\": {\"rate_per_h\": %.10g}}",
             horizon, warmup, c, mean_service, lambda_per_h);
    return buf;
}

static void mm1__mean_wait__inside_ci_of_analytic(void **state)
{
    (void)state;
    /* lambda 0.8/h, mu 1/h: Wq = rho / (mu - lambda) = 4 h. */
    struct sim_results *res =
        simulate(mmc_json(0.8, "1h", 1, SCALE == 1 ? "20000h" : "5000h", "200h"), 20, 11);
    expect_in_ci(res, "teams.desk.wait_mean_min", 4.0 * 60);
    expect_in_ci(res, "teams.desk.p_wait", 0.8);
    done(res);
}

static void mmc__lambda5_mu1_c6__mean_wait_inside_ci_of_analytic(void **state)
{
    (void)state;
    double wq_h = erlang_c(6, 5.0) / (6 * 1.0 - 5.0);
    struct sim_results *res =
        simulate(mmc_json(5, "1h", 6, SCALE == 1 ? "4000h" : "1000h", "100h"), 20, 12);
    expect_in_ci(res, "teams.desk.wait_mean_min", wq_h * 60);
    expect_in_ci(res, "teams.desk.p_wait", erlang_c(6, 5.0));
    expect_in_ci(res, "teams.desk.utilisation", 5.0 / 6);
    done(res);
}

static void mm1_sojourn__resolve_p50_p90__inside_ci_of_analytic(void **state)
{
    (void)state;
    /* lambda 50/h, mu 60/h: the time in system of FIFO M/M/1 is exponential
     * with rate mu - lambda = 10/h, so its p quantile is -ln(1 - p) / 10 h.
     * Over 65536 tickets per replication, as here, the quantiles come from
     * the histogram selection in run.c, not the plain quickselect. */
    struct sim_results *res =
        simulate(mmc_json(50, "1m", 1, SCALE == 1 ? "3000h" : "1500h", "20h"), 10, 19);
    expect_in_ci(res, "resolve_p50_min", log(2.0) / 10 * 60);
    expect_in_ci(res, "resolve_p90_min", log(10.0) / 10 * 60);
    expect_in_ci(res, "resolve_mean_min", 1.0 / 10 * 60);
    done(res);
}

static void erlang_c__10_erlang_c14__p_wait_and_service_level(void **state)
{
    (void)state;
    /* 10 Erlang, mean service 3 min: lambda = 200/h. */
    double pw = erlang_c(14, 10.0);
    double sl = 1 - pw * exp(-(14 - 10.0) / 3.0 * (20.0 / 60));
    assert_true(fabs(pw - 0.174) < 0.001);
    assert_true(fabs(sl - 0.888) < 0.001);
    struct sim_results *res =
        simulate(mmc_json(200, "3m", 14, SCALE == 1 ? "400h" : "100h", "2h"), 20, 13);
    expect_in_ci(res, "teams.desk.p_wait", pw);
    expect_in_ci(res, "teams.desk.answered_within", sl);
    done(res);
}

static void erlang_c__10_erlang_c15__p_wait_and_service_level(void **state)
{
    (void)state;
    double pw = erlang_c(15, 10.0);
    double sl = 1 - pw * exp(-(15 - 10.0) / 3.0 * (20.0 / 60));
    assert_true(fabs(pw - 0.102) < 0.001);
    assert_true(fabs(sl - 0.941) < 0.001);
    struct sim_results *res =
        simulate(mmc_json(200, "3m", 15, SCALE == 1 ? "400h" : "100h", "2h"), 20, 14);
    expect_in_ci(res, "teams.desk.p_wait", pw);
    expect_in_ci(res, "teams.desk.answered_within", sl);
    done(res);
}

static void mm1_two_priorities__class_waits__inside_ci_of_analytic(void **state)
{
    (void)state;
    /* Non-preemptive priority M/M/1 (Cobham): W0 = sum lambda_i E[S^2] / 2,
     * Wq1 = W0 / (1 - rho1), Wq2 = W0 / ((1 - rho1)(1 - rho1 - rho2)). */
    double l1 = 0.3, l2 = 0.5, mu = 1;
    double w0 = (l1 + l2) * 2 / (mu * mu) / 2;
    double wq1 = w0 / (1 - l1 / mu), wq2 = w0 / ((1 - l1 / mu) * (1 - (l1 + l2) / mu));
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"horizon\": \"%s\", \"warmup\": \"200h\", \"series_interval\": \"0\","
             " \"teams\": [{\"name\": \"desk\", \"agents\": 1,"
             "   \"service\": {\"dist\": \"exponential\", \"mean\": \"1h\"}}],"
             " \"types\": [{\"name\": \"hi\", \"share\": 3, \"resolver\": \"desk\", \"priority\": "
             "\"P1\"},"
             "             {\"name\": \"lo\", \"share\": 5, \"resolver\": \"desk\", \"priority\": "
             "\"P2\"}],"
             " \"arrivals\": {\"rate_per_h\": 0.8}}",
             SCALE == 1 ? "20000h" : "5000h");
    struct sim_results *res = simulate(json, 20, 15);
    expect_in_ci(res, "teams.desk.wait_p1_min", wq1 * 60);
    expect_in_ci(res, "teams.desk.wait_p2_min", wq2 * 60);
    done(res);
}

/*
 * Times to resolve past 2^32 ms (49.7 days) are kept apart from the rest,
 * and from 16,384 tickets on the quantiles come from a histogram kept as
 * the tickets resolve: a quarter of the tickets take 90 days, the rest one
 * minute, none waits (more agents than tickets), so the median is exactly
 * one minute and the 90th percentile exactly 90 days in every replication.
 */
static void resolve_quantiles__times_past_49_days__exact(void **state)
{
    (void)state;
    const char *json = "{\"horizon\": \"200h\", \"warmup\": \"0s\", \"drain\": \"100d\","
                       " \"series_interval\": \"0\","
                       " \"teams\": [{\"name\": \"desk\", \"agents\": 30000, \"service\": \"1m\"}],"
                       " \"types\": [{\"name\": \"quick\", \"share\": 3, \"resolver\": \"desk\"},"
                       "             {\"name\": \"slow\", \"share\": 1, \"resolver\": \"desk\","
                       "              \"service\": \"90d\"}],"
                       " \"arrivals\": {\"rate_per_h\": 100}}";
    struct sim_results *res = simulate(json, 2, 31);
    double mean, half, tickets;
    uint64_t n;

    assert_int_equal(sim_results_kpi(res, 0, "tickets", 0, &tickets, &half, &n), 0);
    assert_true(tickets > 16384 * 1.1);
    assert_int_equal(sim_results_kpi(res, 0, "resolve_p50_min", 0, &mean, &half, &n), 0);
    assert_true(mean == 1.0 && half == 0.0);
    assert_int_equal(sim_results_kpi(res, 0, "resolve_p90_min", 0, &mean, &half, &n), 0);
    assert_true(mean == 90.0 * 1440 && half == 0.0);
    done(res);
}

/*
 * Little's law on every team of the sample scenarios: the time-average
 * number waiting L against arrival rate times mean wait (lambda W). The
 * window starts after a one-week warm-up, on the same weekday and hour as
 * it ends, so the backlog carried in balances the backlog carried out (the
 * spike moves into the window with it).
 */
static void little__sample_scenarios__L_equals_lambda_W_on_every_team(void **state)
{
    static const char *const names[] = {"normal-week", "phishing-wave", "mfa-outage"};
    (void)state;

    for (size_t i = 0; i < 3; i++) {
        char path[128], *text;
        json_error_t je;
        json_t *root, *spikes, *sp;
        size_t k;
        struct sim_results *res;
        int nteams;

        snprintf(path, sizeof(path), "samples/scenarios/%s.json", names[i]);
        root = json_load_file(path, 0, &je);
        assert_non_null(root);
        json_object_set_new(root, "warmup", json_string("1w"));
        json_object_set_new(root, "horizon", json_string(SCALE == 1 ? "5w" : "3w"));
        spikes = json_object_get(json_object_get(root, "arrivals"), "spikes");
        json_array_foreach(spikes, k, sp)
        {
            char start[64];
            snprintf(start, sizeof(start), "1w%s", json_string_value(json_object_get(sp, "start")));
            json_object_set_new(sp, "start", json_string(start));
        }
        nteams = (int)json_array_size(json_object_get(root, "teams"));
        text = json_dumps(root, JSON_COMPACT);
        res = simulate(text, 20, 21 + i);
        for (int t = 0; t < nteams; t++) {
            const char *team = json_string_value(
                json_object_get(json_array_get(json_object_get(root, "teams"), (size_t)t), "name"));
            char key[128];
            double lw, half;
            uint64_t n;
            snprintf(key, sizeof(key), "teams.%s.little_lw", team);
            assert_int_equal(sim_results_kpi(res, 0, key, 0, &lw, &half, &n), 0);
            snprintf(key, sizeof(key), "teams.%s.queue_mean", team);
            print_message("%s: ", names[i]);
            expect_in_ci(res, key, lw);
        }
        done(res);
        free(text);
        json_decref(root);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mm1__mean_wait__inside_ci_of_analytic),
        cmocka_unit_test(resolve_quantiles__times_past_49_days__exact),
        cmocka_unit_test(mmc__lambda5_mu1_c6__mean_wait_inside_ci_of_analytic),
        cmocka_unit_test(mm1_sojourn__resolve_p50_p90__inside_ci_of_analytic),
        cmocka_unit_test(erlang_c__10_erlang_c14__p_wait_and_service_level),
        cmocka_unit_test(erlang_c__10_erlang_c15__p_wait_and_service_level),
        cmocka_unit_test(mm1_two_priorities__class_waits__inside_ci_of_analytic),
        cmocka_unit_test(little__sample_scenarios__L_equals_lambda_W_on_every_team),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
