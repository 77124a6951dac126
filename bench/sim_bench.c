/*
 * Benchmark driver for the simulator: loads a scenario (optionally with its
 * horizon replaced), runs it single-threaded under the resolver routing or
 * a policy, and prints the events processed, the wall time and events per
 * second. With --repeat N it then runs the same simulation N more times in
 * the same process and prints, on stderr, each run's time and the minor
 * page faults inside it (getrusage), the first run's included: how much of
 * a short run is the cold start of a fresh process. Built and run by
 * bench/simulate.sh; not part of handoff.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/err.h"
#include "simulator/sim.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *scenario = NULL, *horizon = NULL, *policy = NULL;
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;
    struct sim_policy *pol = NULL;
    struct sim_results *res = NULL;
    struct sim_opts o;
    json_error_t je;
    json_t *root;
    char *text;
    double t0, t1, secs = 0;
    uint32_t reps = 1;
    unsigned long repeat = 0;
    struct rusage u0, u1;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--horizon") && i + 1 < argc) {
            horizon = argv[++i];
        } else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
            policy = argv[++i];
        } else if (!strcmp(argv[i], "--replications") && i + 1 < argc) {
            reps = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = strtoul(argv[++i], NULL, 10);
        } else {
            scenario = argv[i];
        }
    }
    if (!scenario) {
        fprintf(stderr, "usage: sim_bench SCENARIO [--horizon H] [--policy P] [--replications N] "
                        "[--repeat N]\n");
        return 2;
    }
    root = json_load_file(scenario, 0, &je);
    if (!root) {
        fprintf(stderr, "sim_bench: %s: %s\n", scenario, je.text);
        return 2;
    }
    if (horizon) {
        json_object_set_new(root, "horizon", json_string(horizon));
        /* The default series interval keeps at most ~2000 points whatever
         * the horizon; a fixed one would make the series grow with it. */
        json_object_del(root, "series_interval");
    }
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (sim_scenario_load_text(text, strlen(text), scenario, &sc, &err) ||
        (policy && sim_policy_load(policy, sc, &pol, &err))) {
        fprintf(stderr, "sim_bench: %s: %s\n", err.src, err.msg);
        return 2;
    }
    free(text);
    if (!pol) {
        pol = sim_policy_new_resolver(sc);
    }
    memset(&o, 0, sizeof(o));
    o.replications = reps;
    o.threads = 1;
    for (unsigned long k = 0; k <= repeat; k++) {
        struct sim_results *r = NULL;
        getrusage(RUSAGE_SELF, &u0);
        t0 = now_s();
        if (sim_run(sc, &pol, 1, &o, &r, &err)) {
            fprintf(stderr, "sim_bench: %s\n", err.msg);
            return 3;
        }
        t1 = now_s();
        getrusage(RUSAGE_SELF, &u1);
        if (repeat) {
            fprintf(stderr, "run %lu seconds %.6f minor_faults %ld\n", k, t1 - t0,
                    u1.ru_minflt - u0.ru_minflt);
        }
        if (k == 0) {
            res = r; /* the first run is the one reported on stdout */
            secs = t1 - t0;
        } else {
            sim_results_free(r);
        }
    }
    {
        double tickets, half;
        uint64_t n;
        sim_results_kpi(res, 0, "tickets", 0, &tickets, &half, &n);
        printf("events %llu seconds %.6f events_per_s %.0f tickets_per_rep %.0f\n",
               (unsigned long long)sim_results_events(res), secs,
               (double)sim_results_events(res) / secs, tickets);
    }
    sim_results_free(res);
    sim_policy_free(pol);
    sim_scenario_free(sc);
    return 0;
}
