/* handoff simulate: run policies against a scenario and compare their KPIs. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/time.h"
#include "simulator/sim.h"

static const char usage_text[] =
    "usage: handoff simulate --scenario S --policy P [--policy P2 ...]\n"
    "                        [--replications N] [--seed N] [--threads N] [--out DIR]\n"
    "                        [--format text|json] [--emit-log FILE]\n"
    "                        [--validate] [--db DB] [--client C]\n"
    "                        [--replay-from D --replay-to D [--amplify X]]\n"
    "\n"
    "Simulate the scenario S (docs/scenario.md) under each policy (the JSON files\n"
    "'handoff audit' reads) and print, per policy and KPI, the mean and the 95%\n"
    "confidence interval over replications, and the paired difference against the\n"
    "first policy. All policies see the same arrivals and tickets; results do not\n"
    "depend on the number of threads.\n"
    "\n"
    "  --scenario S       the scenario file\n"
    "  --policy P         a policy file; repeat to compare (the first is the baseline);\n"
    "                     'observed' is the built-in routing fitted by 'handoff\n"
    "                     calibrate' (the scenario's routing section)\n"
    "  --replications N   replications per policy (default: the scenario's)\n"
    "  --seed N           seed of the random streams (default: the scenario's)\n"
    "  --threads N        worker threads (default: one per core)\n"
    "  --out DIR          also write DIR/results.json, DIR/series.csv (queue\n"
    "                     length and busy agents per team over time) and\n"
    "                     DIR/containment.csv (each incident's time to contain)\n"
    "  --format F         text (default) or json\n"
    "  --emit-log FILE    write replication 1 of the first policy as a generic event\n"
    "                     log (CSV, docs/schema.md) that 'handoff ingest' reads, with\n"
    "                     the hidden truth and the simulator's own counts per ticket\n"
    "                     in FILE.truth.csv\n"
    "  --validate         print the first policy's KPIs beside history's (volume,\n"
    "                     reassignments per ticket, time to resolve p50 and p90, share\n"
    "                     reaching security, per-group holding times) with the relative\n"
    "                     error; history is the database's tickets opened over the\n"
    "                     scenario's period (docs/calibration.md)\n"
    "  --db DB            the database for --validate and replay (default ./handoff.db)\n"
    "  --client C         only this client's tickets (default: the calibrated one)\n"
    "  --replay-from D, --replay-to D\n"
    "                     trace replay: the arrivals are the tickets opened in [D, D)\n"
    "                     in the database, each with its category and priority\n"
    "  --amplify X        replay each ticket X times on average (thinning and\n"
    "                     duplicating; default 1: the historical instants exactly)\n";

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!*s || *s == '-' || *s == '+') {
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_simulate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"scenario", required_argument, NULL, 's'},
        {"policy", required_argument, NULL, 'p'},
        {"replications", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"emit-log", required_argument, NULL, 'e'},
        {"validate", no_argument, NULL, 'V'},
        {"db", required_argument, NULL, 'd'},
        {"client", required_argument, NULL, 'c'},
        {"replay-from", required_argument, NULL, 'F'},
        {"replay-to", required_argument, NULL, 'T'},
        {"amplify", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct hd_err err = HD_ERR_INIT;
    struct sim_opts o;
    struct sim_scenario *sc = NULL;
    struct sim_policy **pols = NULL;
    struct sim_results *res = NULL;
    const char **pol_paths = NULL;
    size_t npols = 0, pol_alloc = 0;
    const char *scenario = NULL, *out_dir = NULL, *format = "text", *emit = NULL;
    char *truth_path = NULL;
    FILE *logf = NULL, *truthf = NULL;
    uint64_t v;
    int opt, rc = HD_OK, status, validate = 0;
    const char *db = "handoff.db", *client = NULL;
    int64_t replay_from = INT64_MIN, replay_to = INT64_MIN;
    double amplify = 1;
    struct sim_history *hist = NULL;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((opt = getopt_long(argc, argv, "s:p:r:S:t:o:f:e:Vd:c:F:T:a:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            scenario = optarg;
            break;
        case 'p':
            HD_GROW(pol_paths, pol_alloc, npols + 1);
            pol_paths[npols++] = optarg;
            break;
        case 'r':
            if (parse_u64(optarg, 1000000, &v) || v == 0) {
                free(pol_paths);
                return cli_usage("simulate", "--replications: expected 1 to 1000000, not '%s'",
                                 optarg);
            }
            o.replications = (uint32_t)v;
            break;
        case 'S':
            if (parse_u64(optarg, UINT64_MAX, &v)) {
                free(pol_paths);
                return cli_usage("simulate", "--seed: expected a whole number, not '%s'", optarg);
            }
            o.seed = v;
            o.have_seed = 1;
            break;
        case 't':
            if (parse_u64(optarg, 1024, &v) || v == 0) {
                free(pol_paths);
                return cli_usage("simulate", "--threads: expected 1 to 1024, not '%s'", optarg);
            }
            o.threads = (int)v;
            break;
        case 'o':
            out_dir = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'e':
            emit = optarg;
            break;
        case 'V':
            validate = 1;
            break;
        case 'd':
            db = optarg;
            break;
        case 'c':
            client = optarg;
            break;
        case 'F':
        case 'T':
            if (cli_parse_when(optarg, opt == 'F' ? &replay_from : &replay_to, &err)) {
                free(pol_paths);
                return cli_usage("simulate", "--replay-%s: %s", opt == 'F' ? "from" : "to",
                                 err.msg);
            }
            break;
        case 'a': {
            char *end;
            errno = 0;
            amplify = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(amplify > 0) || amplify > 1000) {
                free(pol_paths);
                return cli_usage("simulate",
                                 "--amplify: expected a factor above 0 up to 1000, "
                                 "not '%s'",
                                 optarg);
            }
            break;
        }
        case 'h':
            free(pol_paths);
            fputs(usage_text, stdout);
            return cli_finish(0);
        default:
            free(pol_paths);
            return cli_usage("simulate", "bad option");
        }
    }
    if (optind < argc) {
        free(pol_paths);
        return cli_usage("simulate", "unexpected argument '%s'", argv[optind]);
    }
    if (!scenario) {
        free(pol_paths);
        return cli_usage("simulate", "no --scenario");
    }
    if (!npols) {
        free(pol_paths);
        return cli_usage("simulate", "no --policy");
    }
    if ((replay_from == INT64_MIN) != (replay_to == INT64_MIN)) {
        free(pol_paths);
        return cli_usage("simulate", "--replay-from and --replay-to go together");
    }
    if (replay_from != INT64_MIN && replay_to <= replay_from) {
        free(pol_paths);
        return cli_usage("simulate", "--replay-to must be after --replay-from");
    }
    if (strcmp(format, "text") && strcmp(format, "json")) {
        free(pol_paths);
        return cli_usage("simulate", "--format: expected text or json, not '%s'", format);
    }

    rc = sim_scenario_load(scenario, &sc, &err);
    if (rc) {
        goto out;
    }
    if (!client) {
        client = sim_scenario_client(sc);
    }
    if (replay_from != INT64_MIN) {
        struct sim_calib_opts co;
        memset(&co, 0, sizeof(co));
        co.db_path = db;
        co.from_ms = replay_from;
        co.to_ms = replay_to;
        co.client = client;
        rc = sim_scenario_set_replay(sc, &co, amplify, &err);
        if (rc) {
            goto out;
        }
    }
    pols = hd_xcalloc(npols, sizeof(*pols));
    for (size_t i = 0; i < npols && !rc; i++) {
        if (!strcmp(pol_paths[i], "observed")) {
            rc = sim_policy_new_observed(sc, &pols[i], &err);
        } else {
            rc = sim_policy_load(pol_paths[i], sc, &pols[i], &err);
        }
    }
    if (rc) {
        goto out;
    }
    if (validate) {
        struct sim_calib_opts co;
        memset(&co, 0, sizeof(co));
        co.db_path = db;
        co.from_ms = sim_scenario_start_ms(sc);
        co.to_ms = co.from_ms + sim_scenario_horizon_ms(sc);
        co.client = client;
        rc = sim_history_load(&co, &hist, &err);
        if (rc) {
            goto out;
        }
    }
    if (emit) {
        size_t n = strlen(emit) + sizeof(".truth.csv");
        truth_path = hd_xmalloc(n);
        snprintf(truth_path, n, "%s.truth.csv", emit);
        logf = fopen(emit, "w");
        if (!logf) {
            rc = hd_err_set(&err, HD_EIO, emit, 0, "cannot create: %s", strerror(errno));
            goto out;
        }
        truthf = fopen(truth_path, "w");
        if (!truthf) {
            rc = hd_err_set(&err, HD_EIO, truth_path, 0, "cannot create: %s", strerror(errno));
            goto out;
        }
        o.emit_log = logf;
        o.emit_truth = truthf;
    }
    if (cli_progress_ok()) {
        o.progress = cli_progress;
    }
    rc = sim_run(sc, pols, npols, &o, &res, &err);
    if (o.progress) {
        cli_progress(NULL, NULL);
    }
    if (rc) {
        goto out;
    }
    if (logf) {
        int bad = ferror(logf);
        if (fclose(logf) != 0 || bad) {
            logf = NULL;
            rc = hd_err_set(&err, HD_EIO, emit, 0, "cannot write: %s", strerror(errno));
            goto out;
        }
        logf = NULL;
        bad = ferror(truthf);
        if (fclose(truthf) != 0 || bad) {
            truthf = NULL;
            rc = hd_err_set(&err, HD_EIO, truth_path, 0, "cannot write: %s", strerror(errno));
            goto out;
        }
        truthf = NULL;
    }
    if (out_dir) {
        rc = sim_results_write_dir(res, out_dir, &err);
        if (rc) {
            goto out;
        }
    }
    if (hist) {
        rc = sim_validate_write(res, 0, hist, stdout, &err);
    } else if (!strcmp(format, "json")) {
        rc = sim_results_write_json(res, stdout, &err);
    } else {
        rc = sim_results_write_text(res, stdout, &err);
    }
out:
    if (logf) {
        fclose(logf);
    }
    if (truthf) {
        fclose(truthf);
    }
    free(truth_path);
    sim_history_free(hist);
    sim_results_free(res);
    for (size_t i = 0; pols && i < npols; i++) {
        sim_policy_free(pols[i]);
    }
    free(pols);
    free(pol_paths);
    sim_scenario_free(sc);
    if (rc) {
        status = cli_fail(&err);
        fflush(stdout);
        return status;
    }
    return cli_finish(0);
}
