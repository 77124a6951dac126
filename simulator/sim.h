#ifndef HD_SIMULATOR_SIM_H
#define HD_SIMULATOR_SIM_H

/*
 * The discrete-event simulator of the escalation layer: load a scenario
 * (docs/scenario.md), bind policies to it (core/policy, the same JSON that
 * `handoff audit` reads), run replications on several threads, and write
 * the per-policy KPIs with 95% confidence intervals and paired differences
 * against the first policy.
 *
 * Determinism: the same scenario, policies, seed and binary give the same
 * results bit for bit, whatever the number of threads. Every replication
 * draws from its own random streams (per replication and purpose), and every
 * policy sees the same arrivals and tickets (common random numbers).
 *
 * Ownership: the scenario, the policies and the results are created by the
 * _load/_new/_run functions here and freed by their _free; each borrows what
 * it was made from (a policy borrows its scenario, the results borrow the
 * scenario and the policies), so free in reverse order. All are immutable
 * after creation and may be read from any number of threads.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hd_err;
struct sim_scenario;
struct sim_policy;
struct sim_results;

/*
 * Load and validate the scenario file `path`. Errors: HD_EIO when it cannot
 * be read; HD_EINPUT when it is not JSON (err->line from the parser) or
 * breaks a rule of docs/scenario.md, with err->src = path and the message
 * starting with the JSON path: "teams[2].shifts: empty shift pattern".
 */
int sim_scenario_load(const char *path, struct sim_scenario **out, struct hd_err *err);

/* As sim_scenario_load from `len` bytes of JSON; `name` is used as err->src. */
int sim_scenario_load_text(const char *text, size_t len, const char *name,
                           struct sim_scenario **out, struct hd_err *err);

void sim_scenario_free(struct sim_scenario *sc);

/* The scenario's defaults (its "replications" and "seed"). */
uint32_t sim_scenario_replications(const struct sim_scenario *sc);
uint64_t sim_scenario_seed(const struct sim_scenario *sc);
const char *sim_scenario_name(const struct sim_scenario *sc);

/*
 * Load the policy file `path` (core/policy) and map its queues to the
 * scenario's teams by name. Errors: those of hd_policy_load, and HD_EINPUT
 * "queues[i]: no team 'X' in scenario 'S'" when a queue names an unknown
 * team, or "queues[i]: team 'X' never has agents".
 */
int sim_policy_load(const char *path, const struct sim_scenario *sc, struct sim_policy **out,
                    struct hd_err *err);

/* As sim_policy_load from JSON text; `name` is used as err->src. */
int sim_policy_load_text(const char *text, size_t len, const char *name,
                         const struct sim_scenario *sc, struct sim_policy **out,
                         struct hd_err *err);

/*
 * The built-in "resolver" routing: every ticket goes straight to its type's
 * resolver team and nothing is escalated by policy. Used to validate the
 * queueing model and as an ideal-dispatcher reference.
 */
struct sim_policy *sim_policy_new_resolver(const struct sim_scenario *sc);

/*
 * The built-in "observed" routing: first assignment and passes between
 * teams drawn from the scenario's "routing" section (written by
 * sim_calibrate), so the historical baseline can be simulated. HD_EINPUT
 * when the scenario has no routing section.
 */
int sim_policy_new_observed(const struct sim_scenario *sc, struct sim_policy **out,
                            struct hd_err *err);

void sim_policy_free(struct sim_policy *p);
const char *sim_policy_name(const struct sim_policy *p);

struct sim_opts {
    uint32_t replications; /* 0: the scenario's */
    uint64_t seed;
    int have_seed;    /* use `seed` instead of the scenario's */
    int threads;      /* worker threads; <= 0: one per core */
    FILE *emit_log;   /* when set, replication 0 of policy 0 as a generic event log */
    FILE *emit_truth; /* and its hidden truth, one line per ticket */
    void (*progress)(void *ctx, const char *line); /* NULL: quiet */
    void *progress_ctx;
};

/*
 * Run every policy over the replications. On success *out holds the
 * results (free with sim_results_free). Errors: HD_EUSAGE for no policy or
 * zero replications; HD_EINPUT / HD_EIO from a policy decision or a write
 * to the emitted log.
 */
int sim_run(const struct sim_scenario *sc, struct sim_policy *const *pols, size_t npols,
            const struct sim_opts *opts, struct sim_results **out, struct hd_err *err);

void sim_results_free(struct sim_results *res);

/* Total events processed over all runs (for benchmarks). */
uint64_t sim_results_events(const struct sim_results *res);

/*
 * A KPI's summary over replications, by its JSON key ("ttc_mean_min", or
 * "teams.NAME.wait_mean_min"), for policy `pol`. `diff` asks for the paired
 * difference against policy 0 instead. Returns 0 and fills mean, the 95% CI
 * half-width (NAN when n < 2) and n (replications with a value), or -1 for
 * an unknown key.
 */
int sim_results_kpi(const struct sim_results *res, size_t pol, const char *key, int diff,
                    double *mean, double *ci95_half, uint64_t *n);

/* Write the results as JSON (docs/scenario.md, "Output"). HD_EIO on a write error. */
int sim_results_write_json(const struct sim_results *res, FILE *f, struct hd_err *err);

/* Write the results as a readable table. HD_EIO on a write error. */
int sim_results_write_text(const struct sim_results *res, FILE *f, struct hd_err *err);

/*
 * Write into directory `dir` (created if missing): results.json,
 * series.csv (policy, team, hour, mean queue length, mean busy agents, agents
 * on duty, averaged over replications) and containment.csv (policy,
 * replication, ticket, time to contain in minutes, censored: every incident
 * that arrived after the warm-up, by policy, replication and ticket).
 * HD_EIO when a file cannot be written.
 */
int sim_results_write_dir(const struct sim_results *res, const char *dir, struct hd_err *err);

/* ---- calibration from history (calibrate.c, docs/calibration.md) ---- */

struct sim_history;

/* What to read from an analyzer database (`handoff ingest`'s tables). */
struct sim_calib_opts {
    const char *db_path;
    int64_t from_ms, to_ms;      /* tickets opened in [from, to); INT64_MIN / INT64_MAX: all */
    const char *client;          /* NULL: every client */
    const char *const *security; /* security group names; none: the analyzer's name rule */
    size_t nsecurity;
    uint32_t min_n; /* fewest tickets or holdings a figure may rest on; 0: 30 */
};

/*
 * Fit a scenario from the database and write it to `out` as JSON that
 * sim_scenario_load reads as it is; when `summary` is non-NULL, print one
 * line per figure there (what it rests on and any pooled fallback).
 * Errors: those of hd_store_open; HD_EINPUT when the period holds no
 * ticket, no ticket was ever assigned, or there are more groups than
 * teams; HD_EIO on a failed read or write.
 */
int sim_calibrate(const struct sim_calib_opts *o, FILE *out, FILE *summary, struct hd_err *err);

/* The historical KPIs of the tickets `o` selects, for --validate; free with sim_history_free. */
int sim_history_load(const struct sim_calib_opts *o, struct sim_history **out, struct hd_err *err);
void sim_history_free(struct sim_history *h);

/*
 * Print policy `pol`'s simulated KPIs beside history's with the relative
 * error: volume, reassignments per ticket, time to resolve p50 and p90,
 * share reaching security, and the groups whose holding times fit worst.
 */
int sim_validate_write(const struct sim_results *res, size_t pol, const struct sim_history *h,
                       FILE *f, struct hd_err *err);

/*
 * Trace replay: arrivals become the tickets opened in o's window, each with
 * its observed category, subcategory and priority (the type is the one of
 * its category, else "(other categories)", else the first), amplified by
 * `amplify` (docs/calibration.md). The scenario starts at the window's
 * start and its horizon is the window. Call before sim_run; the scenario
 * is changed. HD_EUSAGE for a bad factor or an empty window.
 */
int sim_scenario_set_replay(struct sim_scenario *sc, const struct sim_calib_opts *o, double amplify,
                            struct hd_err *err);

/* "calibration.client" of a calibrated scenario, or NULL. */
const char *sim_scenario_client(const struct sim_scenario *sc);
int64_t sim_scenario_start_ms(const struct sim_scenario *sc);
int64_t sim_scenario_horizon_ms(const struct sim_scenario *sc);

#endif
