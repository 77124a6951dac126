#ifndef HD_SIMULATOR_SIM_INT_H
#define HD_SIMULATOR_SIM_INT_H

/*
 * Internals shared by the files of simulator/: the loaded scenario (struct
 * sim_scenario), distributions and weekly schedules, the router that puts a
 * policy between a ticket and a team, one replication's run, and the KPI
 * table. Never included from outside simulator/.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "simulator/cal.h"
#include "simulator/sim.h"

struct hd_tz;
struct hd_intern;
struct hd_rng;
struct hd_policy;
struct hd_policy_state;

#define SIM_NPRIO        5   /* priorities 1 (P1, most urgent) .. 5 */
#define SIM_MAX_TEAMS    256 /* a ticket's visited teams fit its bit set */
#define SIM_MAX_KEYWORDS 64  /* a ticket's keywords fit one uint64_t */
#define SIM_NSEV         4   /* severities low, medium, high, critical = 1..4 */
#define SIM_MAX_TIMERS   8
#define SIM_NPOS         3 /* holding positions: a ticket's first, second, third and later */

/* ---- distributions --------------------------------------------------- */

enum sim_dist_kind {
    SIM_DIST_NONE = 0,
    SIM_DIST_FIXED,     /* always `mean_ms` */
    SIM_DIST_EXP,       /* exponential with mean `mean_ms` */
    SIM_DIST_LOGNORMAL, /* exp(mu + sigma N), fitted to mean and sd */
    SIM_DIST_EMPIRICAL, /* one of `values` (ms), optionally interpolated */
    SIM_DIST_UNIFORM,   /* uniform on [lo_ms, hi_ms] */
};

struct sim_dist {
    enum sim_dist_kind kind;
    double mean_ms; /* the distribution's mean (all kinds) */
    double mu, sigma;
    double lo_ms, hi_ms;
    double *values; /* empirical values in ms, sorted ascending */
    size_t nvalues;
    int interpolate;
};

/* Exp(1) by the ziggurat method; sim_exp_init() must have run (scenario loading does it). */
void sim_exp_init(void);
double sim_exp1(struct hd_rng *r);

/*
 * The ziggurat's fast path, for callers that inline it (run.c): with u the
 * generator's next word, iz = u & 255 and jz = u >> 32, the draw is
 * jz * sim_zig_w[iz] when jz < sim_zig_k[iz], else sim_exp1_rest(r, u).
 * The two together draw exactly what sim_exp1 does.
 */
extern uint32_t sim_zig_k[256];
extern double sim_zig_w[256];
double sim_exp1_rest(struct hd_rng *r, uint64_t u);

/* A duration in ms rounded to the millisecond: never negative, capped at 9e15. */
static inline int64_t sim_ms_round(double x)
{
    if (!(x > 0)) {
        return 0;
    }
    if (x > 9.0e15) {
        x = 9.0e15;
    }
    return (int64_t)(x + 0.5);
}

/* A draw in ms, rounded to the millisecond and never negative. */
int64_t sim_dist_draw(const struct sim_dist *d, struct hd_rng *r);
void sim_dist_release(struct sim_dist *d);

/* The value of `d` at the quantile Phi(z) of a standard normal score z (ms, as sim_dist_draw). */
int64_t sim_dist_at(const struct sim_dist *d, double z);

/*
 * A weekly schedule: a step function of the local minute of the week
 * (0 = Monday 00:00). Step i holds value[i] from at_min[i] to at_min[i+1]
 * (the last step to the end of the week); at_min[0] == 0.
 */
struct sim_week {
    size_t n;
    int32_t *at_min;
    int32_t *value;
    int32_t max; /* largest value over the week */
};

void sim_week_release(struct sim_week *w);

/* ---- the scenario ---------------------------------------------------- */

/* A categorical draw: ids[i] with probability (cum[i] - cum[i-1]) / cum[n-1]. */
struct sim_choice {
    size_t n;
    uint32_t *ids;
    double *cum;
};

/* A row of routing.first: where tickets of a category and priority go first. */
struct sim_route_first {
    uint32_t cat; /* intern id; 0: any category */
    int priority; /* 1..5; 0: any priority */
    struct sim_choice to;
};

/* A team's row of routing.groups: what happens when it finishes a holding. */
struct sim_route_group {
    int has;                    /* a row was given; without one the team resolves */
    double p_resolve[SIM_NPOS]; /* the holding ends the ticket, by position */
    double p_back;              /* a pass goes back to the team held before */
    struct sim_choice to;       /* else where a pass goes */
    /* Holding times by [ends in a pass][position]; NONE: the nearest
     * position's given, else the team's service. */
    struct sim_dist hold[2][SIM_NPOS];
};

/* One historical arrival for trace replay. */
struct sim_replay_ticket {
    int64_t t_ms;         /* relative to the scenario start */
    uint32_t cat, subcat; /* intern ids in the scenario's table */
    uint16_t type;
    uint8_t priority; /* 0: drawn from the type */
};

struct sim_team {
    char *name;
    int security;            /* a security team ("security": true, or security.team) */
    struct sim_week staff;   /* agents on duty */
    struct sim_dist service; /* handling time of a ticket that belongs here */
    int64_t answer_ms;       /* "answered within" target for the service level */
};

struct sim_type {
    char *name;
    double share;      /* weight in the routine mix (>= 0) */
    uint32_t resolver; /* team that resolves a routine ticket of this type */
    struct sim_choice category, subcategory, asset_class, tier, client, channel;
    struct sim_choice priority; /* ids 1..5 */
    size_t nkw;
    uint32_t *kw;                /* keyword indices into sim_scenario.kw */
    double *kw_p;                /* probability each keyword appears */
    uint32_t requesters, assets; /* population sizes the ticket's requester and asset come from */
    double p_security;
    struct sim_choice severity; /* ids 1..4 */
    int has_service;
    struct sim_dist service; /* overrides the resolver team's */
};

struct sim_spike {
    int64_t start_ms, end_ms; /* relative to the scenario start */
    double mult;
    unsigned char *types; /* per type: multiplied (NULL: all types) */
    double *mix;          /* per type: share of the extra volume (NULL: multiply mode) */
};

struct sim_approver {
    char *name;
    struct sim_week avail; /* > 0: reachable */
    struct sim_dist response;
};

enum sim_spread_model { SIM_SPREAD_NONE = 0, SIM_SPREAD_LINEAR, SIM_SPREAD_EXP };

struct sim_scenario {
    char *name;
    char *src; /* file it came from, for messages */
    int64_t start_ms;
    struct hd_tz *tz;
    int64_t horizon_ms, warmup_ms, drain_ms, series_ms;
    uint32_t replications;
    uint64_t seed;

    size_t nteams;
    struct sim_team *teams;
    size_t ntypes;
    struct sim_type *types;
    double share_total;

    double how_rate[168]; /* tickets per hour by local hour of week */
    int how_const;        /* all 168 equal: no hourly breakpoints */
    size_t nspikes;
    struct sim_spike *spikes; /* sorted by start */

    struct hd_intern *strs; /* attribute values and keywords */
    size_t nkw;
    uint32_t kw_ids[SIM_MAX_KEYWORDS];

    struct sim_dist triage;   /* time a wrong team spends before passing a ticket on */
    long bounce_to;           /* team a misroute goes back to; -1: straight to the right team */
    struct sim_dist dispatch; /* that team's re-dispatch time */
    double redispatch_ok;     /* it sends the ticket to the right team (else back where it was) */

    long sec_team;        /* team that contains incidents; -1: none */
    double p_recognise;   /* a wrong team spots an incident */
    struct sim_dist late; /* an unspotted incident is found this long after */
    int auth_min_sev;     /* 0: no authorisation needed */
    int auth_any;         /* any approver suffices (default: all must) */
    size_t napprovers;
    struct sim_approver *approvers;
    struct sim_dist contain; /* containment action after approval */
    enum sim_spread_model spread;
    double spread_rate_per_h;
    double spread_max;

    int64_t sla_response_ms[SIM_NPRIO + 1]; /* by priority; 0: no target */
    int64_t sla_resolve_ms[SIM_NPRIO + 1];

    /* Observed routing ("routing", written by calibrate): NULL route without it. */
    size_t nfirst;
    struct sim_route_first *first;
    struct sim_route_group *route; /* per team */
    double hold_corr;              /* correlation of the normal scores of a ticket's holdings */
    char *calib_client;            /* "calibration.client", or NULL */

    /* Trace replay (sim_scenario_set_replay): arrivals from history. */
    size_t nreplay;
    struct sim_replay_ticket *replay;
    double amplify;
};

/* Local minute of the week (0 = Monday 00:00) of relative time `t_ms`. */
int32_t sim_minute_of_week(const struct sim_scenario *sc, int64_t t_ms);

/* Value of `w` at relative time t_ms. */
int32_t sim_week_at(const struct sim_scenario *sc, const struct sim_week *w, int64_t t_ms);

/* The first relative time > t_ms at which `w` may change; INT64_MAX if constant. */
int64_t sim_week_next(const struct sim_scenario *sc, const struct sim_week *w, int64_t t_ms);

/* The first relative time >= t_ms at which w is > 0; INT64_MAX if never. */
int64_t sim_week_next_open(const struct sim_scenario *sc, const struct sim_week *w, int64_t t_ms);

/* ---- routing --------------------------------------------------------- */

struct sim_timer {
    int64_t after_ms;
    int from_open; /* clock from opening (unassigned) or from the queue (unaccepted) */
    int min_priority;
    uint32_t team;
    int escalate; /* the target is a security queue */
};

struct sim_decision {
    uint32_t team;
    int escalate;
    int priority; /* 0: unchanged */
    const char *rule_id;
};

/*
 * A policy bound to a scenario: either a core policy with its queues mapped
 * to teams by name, or the built-in "resolver" routing (every ticket to its
 * type's resolver team, no escalation), used by the validation tests.
 */
struct sim_policy {
    char *name;
    int observed;          /* the built-in "observed" routing (scenario's routing section) */
    struct hd_policy *pol; /* NULL: resolver routing */
    uint32_t *queue_team;  /* per policy queue */
    size_t ntimers;
    struct sim_timer timers[SIM_MAX_TIMERS];
};

/* ---- the ticket ------------------------------------------------------ */

enum sim_act {
    SIM_ACT_NONE = 0,
    SIM_ACT_RESOLVE,     /* the right team does the work */
    SIM_ACT_BOUNCE,      /* a wrong team triages and passes it on */
    SIM_ACT_DISPATCH,    /* the dispatch team re-routes a bounced ticket */
    SIM_ACT_INVESTIGATE, /* the security team works an incident */
    SIM_ACT_MISSED,      /* a wrong team handles an incident as routine */
    SIM_ACT_PASS,        /* observed routing: the team passes it on */
};

enum sim_ticket_flags {
    SIM_TF_RESOLVED = 1 << 1,    /* resolution counted */
    SIM_TF_LOG_WORKING = 1 << 2, /* --emit-log: state in_progress written */
    SIM_TF_LOG_DONE = 1 << 3,    /* --emit-log: state resolved written */
    SIM_TF_LOG_SEC = 1 << 4,     /* --emit-log: escalated to security written */
    SIM_TF_REACHED_SEC = 1 << 5, /* entered a security team */
};

struct sim_ticket {
    int64_t arrive_ms;
    int64_t enq_ms;     /* entered its current queue */
    int64_t first_ms;   /* first agent pickup; -1 none yet */
    int64_t sec_enq_ms; /* first reached the security queue; -1 none */
    int64_t detect_ms;  /* security's first action; -1 none */
    uint64_t key;       /* per-ticket random key (common random numbers) */
    double e1; /* the first service draw's Exp(1) variate from the key; < 0: not the fast path */
    uint64_t visited[SIM_MAX_TEAMS / 64]; /* bit per team held */
    uint64_t kwmask;                      /* keywords present */
    uint32_t id;                          /* 1-based arrival number within the run */
    uint32_t prev, next;                  /* queue links */
    uint32_t gen;                         /* stamp of the current queue stay, for timers */
    uint32_t cat, subcat, asset, tier, client, channel; /* intern ids */
    uint32_t requester_no, asset_no;                    /* which requester and asset, 1-based */
    uint16_t type;
    uint16_t team;       /* current team */
    uint16_t correct;    /* team that should act */
    uint16_t next_team;  /* where a bounce goes */
    uint16_t last_wrong; /* the last wrong team that passed it on */
    uint16_t prev_team;  /* the team held before the current one */
    uint16_t visits, misroutes, handoffs, bounces;
    uint8_t priority;
    uint8_t severity;
    uint8_t is_sec;
    uint8_t escalated; /* a policy decision sent it to security */
    uint8_t in_window; /* arrived within [warm-up, horizon) */
    uint8_t act;
    uint8_t redispatch; /* on its way through the dispatch team */
    uint8_t flags;      /* SIM_TF_* */
    uint16_t agent;
};

/* ---- KPIs ------------------------------------------------------------ */

enum sim_kpi_global {
    SIM_K_TICKETS,
    SIM_K_INCIDENTS,
    SIM_K_TTC_MEAN,
    SIM_K_TTC_P50,
    SIM_K_TTC_P90,
    SIM_K_TTC_P99,
    SIM_K_TTE_MEAN,
    SIM_K_DETECT_MEAN,
    SIM_K_AUTH_WAIT_MEAN,
    SIM_K_UNCONTAINED,
    SIM_K_RECALL,
    SIM_K_PRECISION,
    SIM_K_MISROUTES,
    SIM_K_BOUNCES,
    SIM_K_HANDOFFS,
    SIM_K_SLA_RESPONSE,
    SIM_K_SLA_RESOLVE,
    SIM_K_RESOLVE_MEAN,
    SIM_K_RESOLVE_P50,
    SIM_K_RESOLVE_P90,
    SIM_K_SECURITY_SHARE,
    SIM_K_IMPACT_MEAN,
    SIM_K_IMPACT_TOTAL,
    SIM_K_PEAK_QUEUE,
    SIM_K_DRAIN,
    SIM_K_NGLOBAL
};

enum sim_kpi_team {
    SIM_T_ARRIVALS_PER_H,
    SIM_T_WAIT_MEAN,
    SIM_T_P_WAIT,
    SIM_T_ANSWERED,
    SIM_T_QUEUE_MEAN,
    SIM_T_LITTLE_LW,
    SIM_T_UTIL,
    SIM_T_PEAK_QUEUE,
    SIM_T_DRAIN,
    SIM_T_HOLD_MEAN,
    SIM_T_WAIT_P1,
    SIM_T_WAIT_P2,
    SIM_T_WAIT_P3,
    SIM_T_WAIT_P4,
    SIM_T_WAIT_P5,
    SIM_T_NTEAM
};

struct sim_kpi_def {
    const char *key;  /* JSON key */
    const char *unit; /* "min", "ratio", "count", ... */
    const char *what; /* one line for text output */
};

extern const struct sim_kpi_def sim_kpi_global_defs[SIM_K_NGLOBAL];
extern const struct sim_kpi_def sim_kpi_team_defs[SIM_T_NTEAM];

static inline size_t sim_kpi_count(const struct sim_scenario *sc)
{
    return SIM_K_NGLOBAL + sc->nteams * SIM_T_NTEAM;
}

static inline size_t sim_kpi_team(size_t team, enum sim_kpi_team k)
{
    return SIM_K_NGLOBAL + team * SIM_T_NTEAM + (size_t)k;
}

/* Series: per sample and team, queue length, busy agents, agents on duty. */
#define SIM_SERIES_VALUES 3

static inline size_t sim_series_samples(const struct sim_scenario *sc)
{
    return sc->series_ms > 0 ? (size_t)(sc->horizon_ms / sc->series_ms) + 1 : 0;
}

/* ---- one replication ------------------------------------------------- */

struct sim_run;

/* Worker state, reused from one replication to the next. */
struct sim_run *sim_run_new(const struct sim_scenario *sc);
void sim_run_free(struct sim_run *run);

/*
 * Simulate replication `rep` of `sc` under `pol` with seed family `seed`.
 * Writes sim_kpi_count(sc) values to kpi (NaN where a KPI has no value in
 * this replication) and, when series is non-NULL, adds the sampled values
 * to series[sample][team][SIM_SERIES_VALUES]. When `log` is non-NULL the
 * tickets are written to it as a generic event log and their truth to
 * `truth`. Returns HD_OK or the code of a failed policy decision / write.
 * *events gets the number of events processed.
 */
int sim_run_replication(struct sim_run *run, const struct sim_policy *pol, uint32_t rep,
                        uint64_t seed, double *kpi, int64_t *series, FILE *log, FILE *truth,
                        uint64_t *events, struct hd_err *err);

/* One security incident's time to contain (containment.csv). */
struct sim_ttc {
    uint32_t ticket;   /* arrival number within the replication (SIM-%06u in --emit-log) */
    uint32_t censored; /* still open when the run ended: ttc_min is a lower bound */
    double ttc_min;
};

/*
 * The incidents that arrived in the window of the last successful
 * sim_run_replication, by ticket number, *n of them: the times behind
 * ttc_*_min. Borrowed: valid until the next replication on `run`.
 */
const struct sim_ttc *sim_run_incidents(const struct sim_run *run, size_t *n);

/* ---- calibration (calibrate.c) --------------------------------------- */

/* History's KPIs for --validate (sim_history_load). */
struct sim_history {
    size_t tickets;
    double reassign_per_ticket;
    double ttr_p50_min, ttr_p90_min; /* NAN when none resolved */
    double security_share;
    size_t ngroups;
    char **group;
    double *hold_mean_min;
    size_t *hold_n;
    char period[96];
};

/* ---- results (experiment.c), for output.c ---------------------------- */

void sim_results_summary(const struct sim_results *res, size_t pol, size_t k, int diff,
                         double *mean, double *half, uint64_t *n);
long sim_results_kpi_index(const struct sim_results *res, const char *key);
const struct sim_scenario *sim_results_scenario(const struct sim_results *res);
size_t sim_results_npol(const struct sim_results *res);
const char *sim_results_policy(const struct sim_results *res, size_t i);
uint32_t sim_results_reps(const struct sim_results *res);
uint64_t sim_results_seed(const struct sim_results *res);
const int64_t *sim_results_series(const struct sim_results *res, size_t pol);
/* Replication rep's incidents under policy pol, by ticket (*n of them; borrowed). */
const struct sim_ttc *sim_results_incidents(const struct sim_results *res, size_t pol, uint32_t rep,
                                            size_t *n);

#endif
