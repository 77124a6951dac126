/*
 * Determinism of simulator experiments: the same scenario, policies and
 * seed give byte-identical JSON and containment.csv, with one thread or
 * two; another seed gives other numbers; and every policy sees the same
 * tickets (common random numbers), so the paired difference of the ticket
 * count is exactly zero. containment.csv holds the times behind the TTC KPIs.
 */
#include "simulator/sim.h"

#include <math.h>
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

/* The whole of file `path`, NUL-terminated (free it). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Write res to a fresh directory and return its containment.csv. */
static char *containment_csv(const struct sim_results *res)
{
    char dir[] = "/tmp/hd-test-sim-XXXXXX", path[64];
    struct hd_err err = HD_ERR_INIT;
    char *csv;

    assert_non_null(mkdtemp(dir));
    assert_int_equal(sim_results_write_dir(res, dir, &err), HD_OK);
    snprintf(path, sizeof(path), "%s/containment.csv", dir);
    csv = slurp(path);
    unlink(path);
    snprintf(path, sizeof(path), "%s/results.json", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/series.csv", dir);
    unlink(path);
    rmdir(dir);
    return csv;
}

/*
 * Check containment.csv against the KPIs: per policy, the replications'
 * mean times to contain averaged over replications equal ttc_mean_min
 * (up to the file's 4 decimals), and the censored rows count uncontained.
 */
static void check_containment(const struct sim_results *res, const char *csv, size_t npol,
                              uint32_t reps)
{
    static const char *const names[] = {"baseline", "candidate", "strict-soc"};
    const char *line = strchr(csv, '\n');

    assert_non_null(line);
    assert_memory_equal(csv, "policy,replication,ticket,ttc_min,censored\n", 43);
    for (size_t p = 0; p < npol; p++) {
        double sum[16] = {0}, kmean, khalf, cmean, chalf, rep_means = 0, censored = 0;
        size_t cnt[16] = {0}, nrep = 0;
        uint64_t n;
        for (const char *l = strchr(csv, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
            char name[32];
            unsigned rep, ticket, cens;
            double ttc;
            assert_int_equal(
                sscanf(l, "%31[^,],%u,SIM-%u,%lf,%u", name, &rep, &ticket, &ttc, &cens), 5);
            assert_true(rep >= 1 && rep <= reps && reps <= 16);
            if (strcmp(name, names[p]) == 0) {
                sum[rep - 1] += ttc;
                cnt[rep - 1]++;
                censored += cens;
            }
        }
        for (uint32_t r = 0; r < reps; r++) {
            if (cnt[r]) {
                rep_means += sum[r] / (double)cnt[r];
                nrep++;
            }
        }
        assert_int_equal(sim_results_kpi(res, p, "ttc_mean_min", 0, &kmean, &khalf, &n), 0);
        assert_int_equal(n, nrep);
        if (nrep) {
            assert_true(fabs(rep_means / (double)nrep - kmean) < 1e-3);
        }
        assert_int_equal(sim_results_kpi(res, p, "uncontained", 0, &cmean, &chalf, &n), 0);
        assert_true(fabs(cmean * (double)n - censored) < 1e-6);
    }
}

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
    {
        /* The incidents' file belongs to the output: it must match too. */
        char *csv = containment_csv(res);
        check_containment(res, csv, 3, 5);
        fputs(csv, f);
        free(csv);
    }
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
