/*
 * SLA configuration (targets and a calendar per client) and the SLA clock:
 * business time on the client's calendar, stopped in paused states. The
 * definitions are docs/metrics.md, "SLA"; rendering is in reports/.
 */
#include "analyzer/sla.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/err.h"
#include "core/model.h"
#include "core/time.h"

static void client_release(struct an_sla_client *c)
{
    free(c->name);
    hd_calendar_free(c->cal);
    memset(c, 0, sizeof(*c));
}

void an_sla_release(struct an_sla_config *cfg)
{
    for (size_t i = 0; i < cfg->nclients; i++) {
        client_release(&cfg->clients[i]);
    }
    free(cfg->clients);
    if (cfg->deflt) {
        client_release(cfg->deflt);
        free(cfg->deflt);
    }
    memset(cfg, 0, sizeof(*cfg));
}

static int load_targets(const json_t *v, const char *src, const char *where,
                        struct an_sla_targets *t, struct hd_err *err)
{
    const char *k;
    json_t *pv;

    if (!json_is_object(v)) {
        return hd_err_set(err, HD_EINPUT, src, 0, "%s: expected an object", where);
    }
    json_object_foreach((json_t *)v, k, pv)
    {
        int p = strlen(k) == 2 ? hd_priority_parse(k, 2) : 0;
        const char *fk;
        json_t *fv;
        if (!p) {
            return hd_err_set(err, HD_EINPUT, src, 0, "%s: unknown priority '%s' (P1..P5)", where,
                              k);
        }
        if (!json_is_object(pv)) {
            return hd_err_set(err, HD_EINPUT, src, 0, "%s.%s: expected an object", where, k);
        }
        json_object_foreach(pv, fk, fv)
        {
            int64_t *dst;
            struct hd_err derr = HD_ERR_INIT;
            if (!strcmp(fk, "response")) {
                dst = &t->response_ms[p];
            } else if (!strcmp(fk, "resolution")) {
                dst = &t->resolution_ms[p];
            } else {
                return hd_err_set(err, HD_EINPUT, src, 0, "%s.%s: unknown field '%s'", where, k,
                                  fk);
            }
            if (!json_is_string(fv) || hd_duration_parse(json_string_value(fv), dst, &derr)) {
                return hd_err_set(err, HD_EINPUT, src, 0, "%s.%s.%s: %s", where, k, fk,
                                  json_is_string(fv) ? derr.msg : "expected a duration string");
            }
        }
    }
    return 0;
}

static int load_client(const json_t *v, const char *src, const char *where, const char *name,
                       struct an_sla_client *c, struct hd_err *err)
{
    const char *k;
    json_t *fv;
    int rc = 0;

    memset(c, 0, sizeof(*c));
    c->name = hd_xstrdup(name);
    if (!json_is_object(v)) {
        return hd_err_set(err, HD_EINPUT, src, 0, "%s: expected an object", where);
    }
    json_object_foreach((json_t *)v, k, fv)
    {
        char sub[256];
        snprintf(sub, sizeof(sub), "%s.%s", where, k);
        if (!strcmp(k, "calendar")) {
            rc = hd_calendar_from_json(fv, src, &c->cal, err);
            if (rc) {
                hd_err_prefix(err, "%s", sub);
            }
        } else if (!strcmp(k, "targets")) {
            rc = load_targets(fv, src, sub, &c->targets, err);
        } else {
            rc = hd_err_set(err, HD_EINPUT, src, 0, "%s: unknown field '%s'", where, k);
        }
        if (rc) {
            return rc;
        }
    }
    if (!c->cal) {
        c->cal = hd_calendar_new_always();
    }
    return 0;
}

static int load_root(json_t *root, const char *src, struct an_sla_config *cfg, struct hd_err *err)
{
    const char *k;
    json_t *v;
    int rc = 0;

    if (!json_is_object(root)) {
        return hd_err_set(err, HD_EINPUT, src, 0, "(root): expected an object");
    }
    json_object_foreach(root, k, v)
    {
        if (!strcmp(k, "clients") && json_is_object(v)) {
            const char *ck;
            json_t *cv;
            cfg->clients = hd_xcalloc(json_object_size(v) + 1, sizeof(*cfg->clients));
            json_object_foreach(v, ck, cv)
            {
                char where[256];
                snprintf(where, sizeof(where), "clients.%s", ck);
                rc = load_client(cv, src, where, ck, &cfg->clients[cfg->nclients++], err);
                if (rc) {
                    return rc;
                }
            }
        } else if (!strcmp(k, "default")) {
            cfg->deflt = hd_xcalloc(1, sizeof(*cfg->deflt));
            rc = load_client(v, src, "default", "", cfg->deflt, err);
        } else if (!strcmp(k, "clients")) {
            rc = hd_err_set(err, HD_EINPUT, src, 0, "clients: expected an object");
        } else {
            rc = hd_err_set(err, HD_EINPUT, src, 0, "unknown field '%s'", k);
        }
        if (rc) {
            return rc;
        }
    }
    if (!cfg->nclients && !cfg->deflt) {
        return hd_err_set(err, HD_EINPUT, src, 0, "no clients and no default");
    }
    return 0;
}

int an_sla_load_text(const char *text, size_t len, const char *name, struct an_sla_config *cfg,
                     struct hd_err *err)
{
    json_error_t jerr;
    json_t *root;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return hd_err_set(err, HD_EINPUT, name, jerr.line, "%s", jerr.text);
    }
    rc = load_root(root, name, cfg, err);
    json_decref(root);
    if (rc) {
        an_sla_release(cfg);
    }
    return rc;
}

int an_sla_load(const char *path, struct an_sla_config *cfg, struct hd_err *err)
{
    json_error_t jerr;
    json_t *root;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return hd_err_set(err, jerr.line > 0 ? HD_EINPUT : HD_EIO, path, jerr.line, "%s",
                          jerr.text);
    }
    rc = load_root(root, path, cfg, err);
    json_decref(root);
    if (rc) {
        an_sla_release(cfg);
    }
    return rc;
}

const struct an_sla_client *an_sla_for(const struct an_sla_config *cfg, const char *client)
{
    for (size_t i = 0; client && i < cfg->nclients; i++) {
        if (!strcmp(cfg->clients[i].name, client)) {
            return &cfg->clients[i];
        }
    }
    return cfg->deflt;
}

/* ------------------------------------------------------------------ */
/* The clock                                                           */

int64_t an_sla_clock(const struct an_data *d, const struct hd_calendar *cal, uint32_t ti,
                     int64_t from_ms, int64_t to_ms)
{
    const struct an_ticket *t = &d->tickets[ti];
    int64_t total = 0, cur = from_ms;
    int paused = 0;

    if (to_ms <= from_ms) {
        return 0;
    }
    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        int now_paused;
        if (e->kind != HD_KIND_STATE) {
            continue;
        }
        now_paused = hd_state_is_paused((enum hd_state)e->state);
        if (e->t_ms > cur) {
            int64_t end = e->t_ms < to_ms ? e->t_ms : to_ms;
            if (!paused && end > cur) {
                total += hd_calendar_elapsed(cal, cur, end);
            }
            cur = end;
        }
        if (cur >= to_ms) {
            return total;
        }
        paused = now_paused;
    }
    if (!paused && to_ms > cur) {
        total += hd_calendar_elapsed(cal, cur, to_ms);
    }
    return total;
}

/* docs/metrics.md, "SLA": the response event. */
static int64_t response_time(const struct an_data *d, uint32_t ti, int64_t opened)
{
    const struct an_ticket *t = &d->tickets[ti];
    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        if (e->t_ms < opened || e->kind == HD_KIND_OPENED) {
            continue;
        }
        if ((e->kind == HD_KIND_ASSIGNED && (e->flags & AN_EV_AGENT) && e->agent) ||
            (e->kind == HD_KIND_STATE && e->state != HD_STATE_NEW) ||
            (e->kind == HD_KIND_NOTE && (e->flags & AN_EV_PUBLIC))) {
            return e->t_ms;
        }
    }
    return AN_TIME_NONE;
}

static uint8_t status(int64_t done_ms, int64_t elapsed, int64_t target)
{
    if (!target) {
        return AN_SLA_NONE;
    }
    if (elapsed > target) {
        return AN_SLA_BREACHED;
    }
    return done_ms != AN_TIME_NONE ? AN_SLA_MET : AN_SLA_PENDING;
}

void an_sla_measure(const struct an_data *d, const struct an_result *r,
                    const struct an_sla_client *c, uint32_t ti, struct an_sla_ticket *out)
{
    const struct an_tmetrics *m = &r->tm[ti];
    int64_t end, resp_end, res_end;
    int p = d->tickets[ti].priority;

    memset(out, 0, sizeof(*out));
    out->ticket = ti;
    out->priority = p;
    out->opened_ms = m->opened_ms;
    out->responded_ms = AN_TIME_NONE;
    out->resolved_ms = AN_TIME_NONE;
    if (m->opened_ms == AN_TIME_NONE || !c) {
        return;
    }
    end = r->end_of_data > m->opened_ms ? r->end_of_data : m->opened_ms;
    out->resolved_ms =
        m->time_to_resolve_ms != AN_TIME_NONE ? m->opened_ms + m->time_to_resolve_ms : AN_TIME_NONE;
    out->responded_ms = response_time(d, ti, m->opened_ms);
    if (out->resolved_ms != AN_TIME_NONE &&
        (out->responded_ms == AN_TIME_NONE || out->responded_ms > out->resolved_ms)) {
        out->responded_ms = out->resolved_ms;
    }
    resp_end = out->responded_ms != AN_TIME_NONE ? out->responded_ms : end;
    res_end = out->resolved_ms != AN_TIME_NONE ? out->resolved_ms : end;
    out->response_ms = an_sla_clock(d, c->cal, ti, m->opened_ms, resp_end);
    out->resolution_ms = an_sla_clock(d, c->cal, ti, m->opened_ms, res_end);
    out->paused_ms = hd_calendar_elapsed(c->cal, m->opened_ms, res_end) - out->resolution_ms;
    if (p >= 1 && p <= 5) {
        out->response_target_ms = c->targets.response_ms[p];
        out->resolution_target_ms = c->targets.resolution_ms[p];
    }
    out->response = status(out->responded_ms, out->response_ms, out->response_target_ms);
    out->resolution = status(out->resolved_ms, out->resolution_ms, out->resolution_target_ms);
}
