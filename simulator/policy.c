/*
 * Policies bound to a scenario: a core policy (core/policy.h) with its
 * queues mapped to the scenario's teams by name, or the built-in resolver
 * routing. The decision itself is made in run.c (route()).
 */
#include "simulator/sim_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/policy.h"

static long team_index(const struct sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->nteams; i++) {
        if (!strcmp(sc->teams[i].name, name)) {
            return (long)i;
        }
    }
    return -1;
}

static int bind(struct hd_policy *hp, const char *src, const struct sim_scenario *sc,
                struct sim_policy **out, struct hd_err *err)
{
    struct sim_policy *p = hd_xcalloc(1, sizeof(*p));
    size_t nq = hd_policy_queue_count(hp);

    p->pol = hp;
    p->name = hd_xstrdup(hd_policy_name(hp));
    p->queue_team = hd_xcalloc(nq ? nq : 1, sizeof(uint32_t));
    for (size_t i = 0; i < nq; i++) {
        const struct hd_policy_queue *q = hd_policy_queue(hp, i);
        long t = team_index(sc, q->name);
        if (t < 0) {
            hd_err_set(err, HD_EINPUT, src, 0, "queues[%zu]: no team '%s' in scenario '%s'", i,
                       q->name, sc->name);
            goto bad;
        }
        if (sc->teams[t].staff.max <= 0) {
            hd_err_set(err, HD_EINPUT, src, 0,
                       "queues[%zu]: team '%s' never has agents, but the policy routes there", i,
                       q->name);
            goto bad;
        }
        p->queue_team[i] = (uint32_t)t;
    }
    p->ntimers = hd_policy_timer_count(hp);
    if (p->ntimers > SIM_MAX_TIMERS) {
        hd_err_set(err, HD_EINPUT, src, 0, "timers: the simulator takes at most %d timers",
                   SIM_MAX_TIMERS);
        goto bad;
    }
    for (size_t i = 0; i < p->ntimers; i++) {
        const struct hd_policy_timer *t = hd_policy_timer(hp, i);
        p->timers[i].after_ms = t->after_ms;
        p->timers[i].from_open = t->condition == HD_POLICY_UNASSIGNED;
        p->timers[i].min_priority = t->min_priority;
        p->timers[i].team = p->queue_team[t->queue];
        p->timers[i].escalate = t->escalates_to_security;
    }
    *out = p;
    return HD_OK;
bad:
    sim_policy_free(p);
    return HD_EINPUT;
}

int sim_policy_load(const char *path, const struct sim_scenario *sc, struct sim_policy **out,
                    struct hd_err *err)
{
    struct hd_policy *hp = NULL;
    int rc;

    *out = NULL;
    rc = hd_policy_load(path, &hp, NULL, NULL, err);
    if (rc) {
        return rc;
    }
    return bind(hp, path, sc, out, err);
}

int sim_policy_load_text(const char *text, size_t len, const char *name,
                         const struct sim_scenario *sc, struct sim_policy **out, struct hd_err *err)
{
    struct hd_policy *hp = NULL;
    int rc;

    *out = NULL;
    rc = hd_policy_load_text(text, len, name, &hp, NULL, NULL, err);
    if (rc) {
        return rc;
    }
    return bind(hp, name ? name : "<policy>", sc, out, err);
}

struct sim_policy *sim_policy_new_resolver(const struct sim_scenario *sc)
{
    struct sim_policy *p = hd_xcalloc(1, sizeof(*p));
    (void)sc;
    p->name = hd_xstrdup("resolver");
    return p;
}

int sim_policy_new_observed(const struct sim_scenario *sc, struct sim_policy **out,
                            struct hd_err *err)
{
    struct sim_policy *p;

    *out = NULL;
    if (!sc->route) {
        return hd_err_set(err, HD_EINPUT, sc->src, 0,
                          "policy 'observed': scenario '%s' has no 'routing' section (write one "
                          "with 'handoff calibrate')",
                          sc->name);
    }
    p = hd_xcalloc(1, sizeof(*p));
    p->name = hd_xstrdup("observed");
    p->observed = 1;
    *out = p;
    return HD_OK;
}

void sim_policy_free(struct sim_policy *p)
{
    if (!p) {
        return;
    }
    hd_policy_free(p->pol);
    free(p->queue_team);
    free(p->name);
    free(p);
}

const char *sim_policy_name(const struct sim_policy *p)
{
    return p->name;
}
