/*
 * Experiments: every (policy, replication) pair is one job; worker threads
 * take jobs from a shared counter, each with its own run state. Results go
 * to fixed slots and series are integer sums, so the output does not depend
 * on the number of threads or on which thread ran what. Summaries (mean,
 * 95% CI, paired differences) are computed here; writers are in output.c.
 */
#include "simulator/sim_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/stats.h"

const struct sim_kpi_def sim_kpi_global_defs[SIM_K_NGLOBAL] = {
    [SIM_K_TICKETS] = {"tickets", "count", "tickets arrived after the warm-up"},
    [SIM_K_INCIDENTS] = {"incidents", "count", "of which true security incidents"},
    [SIM_K_TTC_MEAN] = {"ttc_mean_min", "min", "time to contain an incident, mean"},
    [SIM_K_TTC_P50] = {"ttc_p50_min", "min", "time to contain, median"},
    [SIM_K_TTC_P90] = {"ttc_p90_min", "min", "time to contain, 90th percentile"},
    [SIM_K_TTC_P99] = {"ttc_p99_min", "min", "time to contain, 99th percentile"},
    [SIM_K_TTE_MEAN] = {"tte_mean_min", "min", "time for an incident to reach security, mean"},
    [SIM_K_DETECT_MEAN] = {"detect_mean_min", "min", "time to security's first action, mean"},
    [SIM_K_AUTH_WAIT_MEAN] = {"auth_wait_mean_min", "min",
                              "waiting gap for authorisation to contain, mean"},
    [SIM_K_UNCONTAINED] = {"uncontained", "count", "incidents not contained when the run ended"},
    [SIM_K_RECALL] = {"escalation_recall", "ratio",
                      "incidents the policy escalated to security / all incidents"},
    [SIM_K_PRECISION] = {"escalation_precision", "ratio",
                         "policy escalations that were incidents / all policy escalations"},
    [SIM_K_MISROUTES] = {"misroutes_per_ticket", "ratio", "stays in a wrong queue per ticket"},
    [SIM_K_BOUNCES] = {"bounces_per_ticket", "ratio",
                       "returns to a group the ticket had left, per ticket"},
    [SIM_K_HANDOFFS] = {"handoffs_per_ticket", "ratio", "reassignments per ticket"},
    [SIM_K_SLA_RESPONSE] = {"sla_response", "ratio", "tickets picked up within their target"},
    [SIM_K_SLA_RESOLVE] = {"sla_resolve", "ratio", "tickets resolved within their target"},
    [SIM_K_RESOLVE_MEAN] = {"resolve_mean_min", "min", "time to resolve, mean"},
    [SIM_K_RESOLVE_P50] = {"resolve_p50_min", "min", "time to resolve, median"},
    [SIM_K_RESOLVE_P90] = {"resolve_p90_min", "min", "time to resolve, 90th percentile"},
    [SIM_K_SECURITY_SHARE] = {"security_share", "ratio", "tickets that reached a security team"},
    [SIM_K_IMPACT_MEAN] = {"impact_mean", "units", "incident impact at containment, mean"},
    [SIM_K_IMPACT_TOTAL] = {"impact_total", "units", "incident impact, total per run"},
    [SIM_K_PEAK_QUEUE] = {"peak_queue", "count", "largest number waiting, all teams"},
    [SIM_K_DRAIN] = {"drain_min", "min", "time after the spike until queues are back to before"},
};

const struct sim_kpi_def sim_kpi_team_defs[SIM_T_NTEAM] = {
    [SIM_T_ARRIVALS_PER_H] = {"arrivals_per_h", "1/h", "queue entries per hour"},
    [SIM_T_WAIT_MEAN] = {"wait_mean_min", "min", "wait in the queue, mean"},
    [SIM_T_P_WAIT] = {"p_wait", "ratio", "entries that had to wait"},
    [SIM_T_ANSWERED] = {"answered_within", "ratio", "entries picked up within answer_within"},
    [SIM_T_QUEUE_MEAN] = {"queue_mean", "count", "number waiting, time average (L)"},
    [SIM_T_LITTLE_LW] = {"little_lw", "count", "arrival rate times mean wait (lambda W)"},
    [SIM_T_UTIL] = {"utilisation", "ratio", "busy agent time / agent time on duty"},
    [SIM_T_PEAK_QUEUE] = {"peak_queue", "count", "largest number waiting"},
    [SIM_T_DRAIN] = {"drain_min", "min", "time after the spike until back to before"},
    [SIM_T_HOLD_MEAN] = {"hold_mean_min", "min", "holding (queue entry to leaving), mean"},
    [SIM_T_WAIT_P1] = {"wait_p1_min", "min", "wait of P1 entries, mean"},
    [SIM_T_WAIT_P2] = {"wait_p2_min", "min", "wait of P2 entries, mean"},
    [SIM_T_WAIT_P3] = {"wait_p3_min", "min", "wait of P3 entries, mean"},
    [SIM_T_WAIT_P4] = {"wait_p4_min", "min", "wait of P4 entries, mean"},
    [SIM_T_WAIT_P5] = {"wait_p5_min", "min", "wait of P5 entries, mean"},
};

/* One replication's incidents, copied out of its run (struct sim_ttc). */
struct incidents {
    struct sim_ttc *v;
    size_t n;
};

struct sim_results {
    const struct sim_scenario *sc;
    size_t npol;
    char **names;
    uint32_t reps;
    uint64_t seed;
    size_t nkpi;
    double *vals; /* [pol][rep][kpi] */
    size_t nsamples;
    int64_t *series;     /* [pol][sample][team][SIM_SERIES_VALUES], sums over reps */
    size_t series_bytes; /* for sim_unmap_zeroed */
    int series_mapped;   /* from sim_map_zeroed */
    uint64_t events;
    struct incidents *inc; /* [pol][rep]: each incident's time to contain */
};

/* ---- the job queue --------------------------------------------------- */

struct shared {
    const struct sim_scenario *sc;
    struct sim_policy *const *pols;
    size_t npol;
    const struct sim_opts *opts;
    struct sim_results *res;
    pthread_mutex_t mu;
    size_t next, njobs, done;
    size_t err_job; /* job of the first error, by job order */
    struct hd_err err;
};

struct worker {
    struct shared *sh;
    pthread_t th;
    int64_t *series; /* [pol][...] private sums */
    uint64_t events;
};

static size_t series_len(const struct sim_scenario *sc)
{
    return sim_series_samples(sc) * sc->nteams * SIM_SERIES_VALUES;
}

static size_t job_slot(const struct sim_results *res, size_t pol, uint32_t rep)
{
    return (pol * res->reps + rep) * res->nkpi;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct shared *sh = w->sh;
    const struct sim_scenario *sc = sh->sc;
    struct sim_run *run = sim_run_new(sc);
    size_t slen = series_len(sc);

    for (;;) {
        struct hd_err err = HD_ERR_INIT;
        size_t job, pol;
        uint32_t rep;
        uint64_t ev = 0;
        int rc, first;

        pthread_mutex_lock(&sh->mu);
        job = sh->next < sh->njobs && sh->err_job == SIZE_MAX ? sh->next++ : SIZE_MAX;
        pthread_mutex_unlock(&sh->mu);
        if (job == SIZE_MAX) {
            break;
        }
        /* Replication-major: all policies of one replication run close together. */
        rep = (uint32_t)(job / sh->npol);
        pol = job % sh->npol;
        first = job == 0 && sh->opts->emit_log;
        rc = sim_run_replication(
            run, sh->pols[pol], rep, sh->res->seed, sh->res->vals + job_slot(sh->res, pol, rep),
            slen ? w->series + pol * slen : NULL, first ? sh->opts->emit_log : NULL,
            first ? sh->opts->emit_truth : NULL, &ev, &err);
        w->events += ev;
        if (!rc) {
            /* Into the job's own slot: no lock, and the same whatever thread ran it. */
            struct incidents *inc = &sh->res->inc[pol * sh->res->reps + rep];
            const struct sim_ttc *v = sim_run_incidents(run, &inc->n);
            inc->v = inc->n ? hd_xmalloc(inc->n * sizeof(*v)) : NULL;
            if (inc->n) {
                memcpy(inc->v, v, inc->n * sizeof(*v));
            }
        }
        pthread_mutex_lock(&sh->mu);
        if (rc && job < sh->err_job) {
            sh->err_job = job;
            sh->err = err;
        }
        sh->done++;
        if (sh->opts->progress) {
            char line[96];
            snprintf(line, sizeof(line), "simulating: %zu/%zu runs", sh->done, sh->njobs);
            sh->opts->progress(sh->opts->progress_ctx, line);
        }
        pthread_mutex_unlock(&sh->mu);
    }
    sim_run_free(run);
    return NULL;
}

static int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (int)n : 1;
}

int sim_run(const struct sim_scenario *sc, struct sim_policy *const *pols, size_t npols,
            const struct sim_opts *opts, struct sim_results **out, struct hd_err *err)
{
    struct sim_results *res;
    struct shared sh;
    struct worker *ws;
    size_t slen = series_len(sc);
    int nth;

    *out = NULL;
    if (npols == 0) {
        return hd_err_set(err, HD_EUSAGE, NULL, 0, "no policy to simulate");
    }
    res = hd_xcalloc(1, sizeof(*res));
    res->sc = sc;
    res->npol = npols;
    res->names = hd_xcalloc(npols, sizeof(char *));
    for (size_t i = 0; i < npols; i++) {
        res->names[i] = hd_xstrdup(sim_policy_name(pols[i]));
    }
    res->reps = opts->replications ? opts->replications : sc->replications;
    res->seed = opts->have_seed ? opts->seed : sc->seed;
    res->nkpi = sim_kpi_count(sc);
    res->nsamples = sim_series_samples(sc);
    res->vals = hd_xcalloc(npols * res->reps * res->nkpi, sizeof(double));
    res->series = sim_map_zeroed(npols * slen + 1, sizeof(int64_t), &res->series_mapped);
    res->series_bytes = (npols * slen + 1) * sizeof(int64_t);
    res->inc = hd_xcalloc(npols * res->reps + 1, sizeof(*res->inc));

    memset(&sh, 0, sizeof(sh));
    sh.sc = sc;
    sh.pols = pols;
    sh.npol = npols;
    sh.opts = opts;
    sh.res = res;
    sh.njobs = npols * res->reps;
    sh.err_job = SIZE_MAX;
    pthread_mutex_init(&sh.mu, NULL);

    nth = opts->threads > 0 ? opts->threads : cpu_count();
    if ((size_t)nth > sh.njobs) {
        nth = (int)sh.njobs;
    }
    ws = hd_xcalloc((size_t)nth, sizeof(*ws));
    for (int i = 0; i < nth; i++) {
        ws[i].sh = &sh;
        /* A lone worker sums straight into the results: the same integer
         * sums, without a second array to fault in and add up. */
        ws[i].series = nth == 1 ? res->series : hd_xcalloc(npols * slen + 1, sizeof(int64_t));
    }
    if (nth == 1) {
        work(&ws[0]);
    } else {
        int started = 0;
        for (int i = 0; i < nth; i++) {
            if (pthread_create(&ws[i].th, NULL, work, &ws[i]) != 0) {
                break;
            }
            started++;
        }
        if (started == 0) {
            work(&ws[0]); /* no threads to be had: do it all here */
        }
        for (int i = 0; i < started; i++) {
            pthread_join(ws[i].th, NULL);
        }
    }
    for (int i = 0; i < nth; i++) {
        if (ws[i].series != res->series) {
            for (size_t k = 0; k < npols * slen; k++) {
                res->series[k] += ws[i].series[k];
            }
            free(ws[i].series);
        }
        res->events += ws[i].events;
    }
    free(ws);
    pthread_mutex_destroy(&sh.mu);
    if (sh.err_job != SIZE_MAX) {
        if (err) {
            *err = sh.err;
        }
        sim_results_free(res);
        return sh.err.rc ? (int)sh.err.rc : HD_EINTERNAL;
    }
    *out = res;
    return HD_OK;
}

void sim_results_free(struct sim_results *res)
{
    if (!res) {
        return;
    }
    for (size_t i = 0; i < res->npol; i++) {
        free(res->names[i]);
    }
    free(res->names);
    free(res->vals);
    sim_unmap_zeroed(res->series, res->series_bytes, res->series_mapped);
    for (size_t i = 0; i < res->npol * res->reps; i++) {
        free(res->inc[i].v);
    }
    free(res->inc);
    free(res);
}

uint64_t sim_results_events(const struct sim_results *res)
{
    return res->events;
}

/* ---- summaries ------------------------------------------------------- */

/* Mean and CI over replications of KPI k for policy pol (paired against
 * policy 0 when diff). Replications where a value is NaN are left out. */
void sim_results_summary(const struct sim_results *res, size_t pol, size_t k, int diff,
                         double *mean, double *half, uint64_t *n)
{
    struct hd_welford w;

    memset(&w, 0, sizeof(w));
    for (uint32_t r = 0; r < res->reps; r++) {
        double x = res->vals[job_slot(res, pol, r) + k];
        if (diff) {
            x -= res->vals[job_slot(res, 0, r) + k];
        }
        if (!isnan(x)) {
            hd_welford_add(&w, x);
        }
    }
    *n = w.n;
    *mean = w.n ? w.mean : NAN;
    *half = w.n >= 2 ? hd_ci95_half(&w) : NAN;
}

/* KPI index of a key ("ttc_mean_min", "teams.NAME.wait_mean_min"), or -1. */
long sim_results_kpi_index(const struct sim_results *res, const char *key)
{
    const struct sim_scenario *sc = res->sc;

    for (size_t k = 0; k < SIM_K_NGLOBAL; k++) {
        if (!strcmp(key, sim_kpi_global_defs[k].key)) {
            return (long)k;
        }
    }
    if (strncmp(key, "teams.", 6)) {
        return -1;
    }
    key += 6;
    for (size_t t = 0; t < sc->nteams; t++) {
        size_t len = strlen(sc->teams[t].name);
        if (strncmp(key, sc->teams[t].name, len) || key[len] != '.') {
            continue;
        }
        for (size_t k = 0; k < SIM_T_NTEAM; k++) {
            if (!strcmp(key + len + 1, sim_kpi_team_defs[k].key)) {
                return (long)sim_kpi_team(t, (enum sim_kpi_team)k);
            }
        }
    }
    return -1;
}

int sim_results_kpi(const struct sim_results *res, size_t pol, const char *key, int diff,
                    double *mean, double *ci95_half, uint64_t *n)
{
    long k = sim_results_kpi_index(res, key);
    if (k < 0 || pol >= res->npol) {
        return -1;
    }
    sim_results_summary(res, pol, (size_t)k, diff, mean, ci95_half, n);
    return 0;
}

/* Accessors for output.c. */
const struct sim_scenario *sim_results_scenario(const struct sim_results *res)
{
    return res->sc;
}

size_t sim_results_npol(const struct sim_results *res)
{
    return res->npol;
}

const char *sim_results_policy(const struct sim_results *res, size_t i)
{
    return res->names[i];
}

uint32_t sim_results_reps(const struct sim_results *res)
{
    return res->reps;
}

uint64_t sim_results_seed(const struct sim_results *res)
{
    return res->seed;
}

const int64_t *sim_results_series(const struct sim_results *res, size_t pol)
{
    return res->series + pol * series_len(res->sc);
}

const struct sim_ttc *sim_results_incidents(const struct sim_results *res, size_t pol, uint32_t rep,
                                            size_t *n)
{
    const struct incidents *inc = &res->inc[pol * res->reps + rep];
    *n = inc->n;
    return inc->v;
}
