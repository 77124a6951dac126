/*
 * Timelines and detectors (docs/metrics.md). One pass over each ticket's
 * ordered events builds its segments and holdings; detectors then read the
 * holdings. Group-level state is indexed by intern id through small
 * per-dataset tables, so the pass allocates only when arrays grow.
 */
#include "analyzer/analysis.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/an_int.h"
#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/err.h"
#include "core/model.h"
#include "core/time.h"

static const char *const finding_names[AN_FIND__COUNT] = {
    "reassignment",
    "agent_reassignment",
    "bounce",
    "ping_pong",
    "misroute",
    "first_assignment_misroute",
    "starts_high",
    "skips_tier",
    "moves_down",
    "unnecessary_escalation",
    "queue_wait",
    "waiting_gap",
    "late_security_escalation",
    "context_loss",
    "cadence_breach",
    "reopen",
    "priority_churn",
    "paused_share",
};

const char *an_finding_name(enum an_finding_kind k)
{
    return (unsigned)k < AN_FIND__COUNT ? finding_names[k] : "";
}

/* ---- config -------------------------------------------------------------- */

static const char default_calendar[] =
    "{\"zone\":\"UTC\",\"hours\":{\"mon\":[\"08:00-18:00\"],\"tue\":[\"08:00-18:00\"],"
    "\"wed\":[\"08:00-18:00\"],\"thu\":[\"08:00-18:00\"],\"fri\":[\"08:00-18:00\"]}}";

static void config_defaults(struct an_config *c)
{
    memset(c, 0, sizeof(*c));
    c->waiting_gap_ms = 4 * HD_MS_PER_H;
    c->queue_wait_ms = 4 * HD_MS_PER_H;
    c->context_window_ms = 30 * HD_MS_PER_MIN;
    c->late_security_ms = HD_MS_PER_H;
    c->unnecessary_escalation_ms = 15 * HD_MS_PER_MIN;
    c->cadence_priority_at_least = 2;
    c->cadence_ms[1] = HD_MS_PER_H;
    c->cadence_ms[2] = 4 * HD_MS_PER_H;
    c->priority_churn_min = 2;
    c->paused_share_max = 0.5;
}

void an_config_release(struct an_config *c)
{
    hd_calendar_free(c->calendar);
    for (size_t i = 0; i < c->ngroups; i++) {
        free(c->group_names[i]);
    }
    free(c->group_names);
    free(c->groups);
    memset(c, 0, sizeof(*c));
}

static int dur(json_t *v, const char *src, const char *path, int64_t *out, struct hd_err *err)
{
    if (!json_is_string(v)) {
        return hd_err_set(err, HD_EINPUT, src, 0, "%s: expected a duration string", path);
    }
    if (hd_duration_parse(json_string_value(v), out, err)) {
        return hd_err_set(err, HD_EINPUT, src, 0, "%s: %s", path, err ? err->msg : "bad");
    }
    return HD_OK;
}

static int load_groups(struct an_config *c, json_t *g, const char *src, struct hd_err *err)
{
    const char *name;
    json_t *v;

    if (!json_is_object(g)) {
        return hd_err_set(err, HD_EINPUT, src, 0, "groups: expected an object");
    }
    c->ngroups = json_object_size(g);
    c->group_names = hd_xcalloc(c->ngroups + 1, sizeof(char *));
    c->groups = hd_xcalloc(c->ngroups + 1, sizeof(*c->groups));
    size_t i = 0;
    json_object_foreach(g, name, v)
    {
        const char *k;
        json_t *x;
        c->group_names[i] = hd_xstrdup(name);
        c->groups[i].security = -1;
        if (!json_is_object(v)) {
            return hd_err_set(err, HD_EINPUT, src, 0, "groups.%s: expected an object", name);
        }
        json_object_foreach(v, k, x)
        {
            if (!strcmp(k, "tier") && json_is_integer(x) && json_integer_value(x) >= 1 &&
                json_integer_value(x) <= 3) {
                c->groups[i].tier = (int)json_integer_value(x);
            } else if (!strcmp(k, "security") && json_is_boolean(x)) {
                c->groups[i].security = json_is_true(x);
            } else {
                return hd_err_set(err, HD_EINPUT, src, 0,
                                  "groups.%s.%s: unknown field or bad value (tier 1..3, "
                                  "security true/false)",
                                  name, k);
            }
        }
        i++;
    }
    return HD_OK;
}

int an_config_load(const char *path, struct an_config *c, struct hd_err *err)
{
    json_error_t jerr;
    json_t *root = NULL, *v;
    const char *k;
    int rc = HD_OK;

    config_defaults(c);
    if (path) {
        root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
            return hd_err_set(err, jerr.line > 0 ? HD_EINPUT : HD_EIO, path, jerr.line, "%s",
                              jerr.text);
        }
        if (!json_is_object(root)) {
            rc = hd_err_set(err, HD_EINPUT, path, 0, "(root): expected an object");
            goto out;
        }
        json_object_foreach(root, k, v)
        {
            if (!strcmp(k, "calendar")) {
                rc = hd_calendar_from_json(v, path, &c->calendar, err);
            } else if (!strcmp(k, "groups")) {
                rc = load_groups(c, v, path, err);
            } else if (!strcmp(k, "waiting_gap")) {
                rc = dur(v, path, k, &c->waiting_gap_ms, err);
            } else if (!strcmp(k, "queue_wait")) {
                rc = dur(v, path, k, &c->queue_wait_ms, err);
            } else if (!strcmp(k, "context_window")) {
                rc = dur(v, path, k, &c->context_window_ms, err);
            } else if (!strcmp(k, "late_security")) {
                rc = dur(v, path, k, &c->late_security_ms, err);
            } else if (!strcmp(k, "unnecessary_escalation")) {
                rc = dur(v, path, k, &c->unnecessary_escalation_ms, err);
            } else if (!strcmp(k, "priority_churn_min") && json_is_integer(v)) {
                c->priority_churn_min = (int)json_integer_value(v);
            } else if (!strcmp(k, "paused_share_max") && json_is_number(v)) {
                c->paused_share_max = json_number_value(v);
            } else if (!strcmp(k, "cadence") && json_is_object(v)) {
                const char *ck;
                json_t *cv;
                json_object_foreach(v, ck, cv)
                {
                    char where[64];
                    snprintf(where, sizeof(where), "cadence.%s", ck);
                    if (!strcmp(ck, "priority_at_least") && json_is_string(cv) &&
                        hd_priority_parse(json_string_value(cv), json_string_length(cv))) {
                        c->cadence_priority_at_least =
                            hd_priority_parse(json_string_value(cv), json_string_length(cv));
                    } else if (strlen(ck) == 2 && hd_priority_parse(ck, 2)) {
                        rc = dur(cv, path, where, &c->cadence_ms[hd_priority_parse(ck, 2)], err);
                    } else {
                        rc = hd_err_set(err, HD_EINPUT, path, 0, "%s: unknown field or bad value",
                                        where);
                    }
                    if (rc) {
                        goto out;
                    }
                }
            } else {
                rc = hd_err_set(err, HD_EINPUT, path, 0, "%s: unknown field or wrong type", k);
            }
            if (rc) {
                goto out;
            }
        }
    }
    if (!c->calendar) {
        json_t *cal = json_loads(default_calendar, 0, &jerr);
        rc = hd_calendar_from_json(cal, "default calendar", &c->calendar, err);
        json_decref(cal);
    }
out:
    json_decref(root);
    if (rc) {
        an_config_release(c);
    }
    return rc;
}

static const struct an_group_info *group_info(const struct an_config *c, const char *name)
{
    for (size_t i = 0; i < c->ngroups; i++) {
        if (!strcmp(c->group_names[i], name)) {
            return &c->groups[i];
        }
    }
    return NULL;
}

static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; *p; p++) {
        if (!strncasecmp(p, w, n) && (p == s || !isalnum((unsigned char)p[-1])) &&
            !isalnum((unsigned char)p[n])) {
            return 1;
        }
    }
    return 0;
}

int an_group_is_security(const struct an_config *c, const char *name)
{
    const struct an_group_info *g = group_info(c, name);
    if (g && g->security >= 0) {
        return g->security;
    }
    return has_word(name, "security") || has_word(name, "soc") || has_word(name, "csirt") ||
           has_word(name, "cert");
}

int an_group_tier(const struct an_config *c, const char *name)
{
    const struct an_group_info *g = group_info(c, name);
    return g ? g->tier : 0;
}

/* ---- analysis ------------------------------------------------------------ */

/* A holding: consecutive segments of one non-empty group. */
struct holding {
    uint32_t group;
    int64_t start, end, first_action;
    uint32_t ev_start;  /* event that handed it over */
    uint32_t ev_action; /* first work */
    uint8_t worked, tier, security;
};

/*
 * One walker per thread: its own holdings, group-info cache and result
 * arrays (r), over a contiguous range of tickets [from, to). Tickets are
 * independent, so the walkers share the dataset read-only (each writes only
 * its own tickets' priority and metrics) and their segments and findings,
 * concatenated in range order, are those of one walker over all tickets.
 */
struct walk {
    struct an_data *d;
    const struct an_config *cfg;
    struct an_result *r;
    struct holding *h;
    size_t nh, h_alloc;
    int8_t *gsec, *gtier; /* per intern id; -2 not computed */
    size_t ginfo_n;
    uint32_t from, to; /* the tickets this walker analyses */
};

/* Room for `need` elements of `elsize` in big array p (of *alloc), by
 * doubling; see result_reserve. Returns the array. */
static void *big_grow(void *p, size_t *alloc, size_t need, size_t elsize)
{
    size_t n = *alloc ? *alloc : 64;
    while (n < need) {
        n *= 2;
    }
    p = hd_big_realloc(p, *alloc * elsize, n * elsize);
    *alloc = n;
    return p;
}

static void finds_grow(struct an_result *r, size_t need)
{
    r->finds = big_grow(r->finds, &r->finds_alloc, need, sizeof(*r->finds));
}

static void segs_grow(struct an_result *r, size_t need)
{
    r->segs = big_grow(r->segs, &r->segs_alloc, need, sizeof(*r->segs));
}

static void add_finding(struct walk *w, uint32_t ticket, enum an_finding_kind k, int64_t t,
                        int64_t value, uint32_t g, uint32_t g2, uint32_t ev, uint32_t ev2)
{
    struct an_result *r = w->r;
    struct an_finding *f;
    if (r->nfinds == r->finds_alloc) {
        finds_grow(r, r->nfinds + 1);
    }
    f = &r->finds[r->nfinds++];
    *f = (struct an_finding){.ticket = ticket,
                             .kind = (uint8_t)k,
                             .t_ms = t,
                             .value_ms = value,
                             .group = g,
                             .group2 = g2,
                             .ev = ev,
                             .ev2 = ev2};
}

static void ginfo(struct walk *w, uint32_t g, int *sec, int *tier)
{
    if (g >= w->ginfo_n) {
        size_t old = w->ginfo_n, n = (size_t)g + 64;
        w->gsec = hd_xrealloc(w->gsec, n);
        w->gtier = hd_xrealloc(w->gtier, n);
        memset(w->gsec + old, -2, n - old);
        memset(w->gtier + old, -2, n - old);
        w->ginfo_n = n;
    }
    if (w->gsec[g] == -2) {
        const char *name = an_str(w->d, g);
        w->gsec[g] = (int8_t)(g ? an_group_is_security(w->cfg, name) : 0);
        w->gtier[g] = (int8_t)(g ? an_group_tier(w->cfg, name) : 0);
    }
    *sec = w->gsec[g];
    *tier = w->gtier[g];
}

static void add_segment(struct walk *w, uint32_t ticket, uint32_t group, uint32_t agent,
                        int64_t start, int64_t end, uint8_t state, uint8_t worked)
{
    struct an_result *r = w->r;
    struct an_segment *s;
    int sec, tier;
    ginfo(w, group, &sec, &tier);
    if (r->nsegs == r->segs_alloc) {
        segs_grow(r, r->nsegs + 1);
    }
    s = &r->segs[r->nsegs++];
    s->ticket = ticket;
    s->group = group;
    s->agent = agent;
    s->start_ms = start;
    s->end_ms = end;
    s->state = state;
    s->worked = worked;
    s->tier = (uint8_t)tier;
    s->security = (uint8_t)sec;
}

static void holding_work(struct holding *h, int64_t t, uint32_t ev)
{
    if (h && !h->worked) {
        h->worked = 1;
        h->first_action = t;
        h->ev_action = ev;
    }
}

static void walk_ticket(struct walk *w, uint32_t ti)
{
    struct an_data *d = w->d;
    const struct an_config *cfg = w->cfg;
    struct an_ticket *t = &d->tickets[ti];
    struct an_tmetrics *m = &w->r->tm[ti];
    const struct an_event *ev = d->events + t->first;
    uint32_t n = t->nevents, base = t->first;
    uint32_t group = 0, agent = 0, seg_group = 0, seg_agent = 0;
    uint8_t state = HD_STATE_NONE, seg_state = HD_STATE_NONE, seg_worked = 0;
    int64_t seg_start = AN_TIME_NONE, opened, end, prev_t;
    uint32_t last_agent_seq = 0, nagents = 0, opened_line = 0, opened_src = UINT32_MAX;
    int seen_prio = 0;
    uint8_t prio = (uint8_t)t->priority;
    int64_t paused_before_done = 0;
    struct holding *cur = NULL;

    memset(m, 0, sizeof(*m));
    m->resolved_ms = m->closed_ms = AN_TIME_NONE;
    m->time_to_resolve_ms = m->tte_ms = m->ttc_ms = m->security_dwell_ms = AN_TIME_NONE;
    w->nh = 0;
    if (n == 0) {
        m->opened_ms = t->opened_ms;
        return;
    }
    opened = t->opened_ms != AN_TIME_NONE && t->opened_ms <= ev[0].t_ms ? t->opened_ms : ev[0].t_ms;
    m->opened_ms = opened;
    prev_t = opened;
    int64_t first_done = AN_TIME_NONE, last_done = AN_TIME_NONE, sec_at = AN_TIME_NONE;
    size_t seg0 = w->r->nsegs;
    uint32_t resolving = 0;
    int64_t resolving_start = AN_TIME_NONE;
    int open = 1;
    uint32_t prev_ev = base;

    for (uint32_t i = 0; i < n; i++) {
        const struct an_event *e = &ev[i];
        uint32_t ei = base + i;

        /* Waiting gap and paused time over [prev_t, e->t_ms). */
        if (open && e->t_ms > prev_t) {
            if (hd_state_is_paused(state)) {
                m->paused_ms += e->t_ms - prev_t;
                if (first_done == AN_TIME_NONE) {
                    paused_before_done += e->t_ms - prev_t;
                }
            } else {
                int64_t gap = hd_calendar_elapsed(cfg->calendar, prev_t, e->t_ms);
                if (gap > cfg->waiting_gap_ms) {
                    add_finding(w, ti, AN_FIND_WAITING_GAP, prev_t, gap, group, 0, prev_ev, ei);
                }
            }
        }
        switch (e->kind) {
        case HD_KIND_OPENED:
            if (opened_src == UINT32_MAX) {
                opened_src = e->source;
                opened_line = e->line;
            }
            if (e->priority) {
                prio = e->priority;
                seen_prio = 1;
            }
            break;
        case HD_KIND_ASSIGNED: {
            uint32_t ng = (e->flags & AN_EV_GROUP) ? e->group : group;
            uint32_t na = (e->flags & AN_EV_AGENT) ? e->agent : agent;
            int first_version = e->source == opened_src && e->line == opened_line;
            if (ng == group && na == agent) {
                break;
            }
            if (ng != group && !first_version) {
                m->reassignments_src_rule++;
            }
            if (seg_start != AN_TIME_NONE && (seg_group || seg_agent)) {
                add_segment(w, ti, seg_group, seg_agent, seg_start, e->t_ms, seg_state, seg_worked);
            }
            seg_start = e->t_ms;
            seg_group = ng;
            seg_agent = na;
            seg_state = state;
            seg_worked = 0;
            if (ng != group && ng) {
                /* A new holding, unless the group comes back after an unassigned spell. */
                if (cur && cur->group == ng) {
                    /* same group again: keep the holding */
                } else {
                    int sec, tier;
                    ginfo(w, ng, &sec, &tier);
                    if (cur) {
                        cur->end = e->t_ms;
                        if (!cur->worked) {
                            add_finding(w, ti, AN_FIND_MISROUTE, e->t_ms, e->t_ms - cur->start,
                                        cur->group, ng, cur->ev_start, ei);
                            m->misroutes++;
                        }
                        m->reassignments++;
                        add_finding(w, ti, AN_FIND_REASSIGNMENT, e->t_ms, 0, cur->group, ng, ei,
                                    UINT32_MAX);
                    }
                    HD_GROW(w->h, w->h_alloc, w->nh + 1);
                    cur = &w->h[w->nh++];
                    memset(cur, 0, sizeof(*cur));
                    cur->group = ng;
                    cur->start = e->t_ms;
                    cur->end = AN_TIME_NONE;
                    cur->ev_start = ei;
                    cur->tier = (uint8_t)tier;
                    cur->security = (uint8_t)sec;
                    /* Bounce / ping-pong against the merged group sequence. */
                    if (w->nh >= 3) {
                        if (w->h[w->nh - 3].group == ng) {
                            m->ping_pongs++;
                            add_finding(w, ti, AN_FIND_PING_PONG, e->t_ms, 0, ng,
                                        w->h[w->nh - 2].group, ei, UINT32_MAX);
                        }
                        for (size_t j = 0; j + 2 < w->nh; j++) {
                            if (w->h[j].group == ng) {
                                m->bounces++;
                                add_finding(w, ti, AN_FIND_BOUNCE, e->t_ms, 0, ng,
                                            w->h[w->nh - 2].group, ei, w->h[j].ev_start);
                                break;
                            }
                        }
                    }
                    if (sec && sec_at == AN_TIME_NONE) {
                        sec_at = e->t_ms;
                    }
                    if (sec && m->tte_ms == AN_TIME_NONE) {
                        m->tte_ms = e->t_ms - opened;
                        m->security = 1;
                        if (m->tte_ms > cfg->late_security_ms) {
                            add_finding(w, ti, AN_FIND_LATE_SECURITY, e->t_ms, m->tte_ms, ng, 0, ei,
                                        UINT32_MAX);
                        }
                    }
                }
            }
            if (na && na != last_agent_seq) {
                if (nagents > 0) {
                    m->agent_reassignments++;
                    add_finding(w, ti, AN_FIND_AGENT_REASSIGNMENT, e->t_ms, 0, ng, 0, ei,
                                UINT32_MAX);
                }
                nagents++;
                last_agent_seq = na;
            }
            if (na && ng) {
                holding_work(cur, e->t_ms, ei); /* an agent accepted */
                seg_worked = 1;
            }
            group = ng;
            agent = na;
            break;
        }
        case HD_KIND_STATE:
            if (hd_state_is_done(state) && !hd_state_is_done(e->state)) {
                m->reopens++;
                add_finding(w, ti, AN_FIND_REOPEN, e->t_ms, 0, group, 0, ei, UINT32_MAX);
            }
            if (e->state != HD_STATE_NEW && group) {
                holding_work(cur, e->t_ms, ei);
                seg_worked = 1;
            }
            if (hd_state_is_done(e->state) && first_done == AN_TIME_NONE) {
                first_done = e->t_ms;
                resolving = group;
                resolving_start = cur ? cur->start : AN_TIME_NONE;
            }
            if (e->state == HD_STATE_RESOLVED && m->resolved_ms == AN_TIME_NONE) {
                m->resolved_ms = e->t_ms;
            }
            if (e->state == HD_STATE_CLOSED) {
                m->closed_ms = e->t_ms;
            }
            if (hd_state_is_done(e->state)) {
                last_done = e->t_ms;
            }
            state = e->state;
            open = !hd_state_is_done(state);
            break;
        case HD_KIND_PRIORITY:
            if (seen_prio && e->priority != prio) {
                m->priority_changes++;
            }
            seen_prio = 1;
            prio = e->priority;
            break;
        case HD_KIND_NOTE:
        case HD_KIND_ESCALATED:
            if (group) {
                holding_work(cur, e->t_ms, ei);
                seg_worked = 1;
            }
            if (e->kind == HD_KIND_ESCALATED && m->tte_ms == AN_TIME_NONE) {
                const char *tg = an_str(d, e->text);
                if (!strcasecmp(tg, "security") || an_group_is_security(cfg, tg)) {
                    m->tte_ms = e->t_ms - opened;
                    m->security = 1;
                    if (m->tte_ms > cfg->late_security_ms) {
                        add_finding(w, ti, AN_FIND_LATE_SECURITY, e->t_ms, m->tte_ms, group, 0, ei,
                                    UINT32_MAX);
                    }
                }
            }
            break;
        default:
            break;
        }
        if (e->t_ms > prev_t) {
            prev_t = e->t_ms;
        }
        prev_ev = ei;
    }
    /* The end of the ticket: its last done state, or the end of data if open. */
    end = open ? w->r->end_of_data : last_done;
    if (open && end > prev_t) {
        if (hd_state_is_paused(state)) {
            m->paused_ms += end - prev_t;
        } else {
            int64_t gap = hd_calendar_elapsed(cfg->calendar, prev_t, end);
            if (gap > cfg->waiting_gap_ms) {
                add_finding(w, ti, AN_FIND_WAITING_GAP, prev_t, gap, group, 0, prev_ev, UINT32_MAX);
                w->r->finds[w->r->nfinds - 1].open_at_end = 1;
            }
        }
    }
    if (seg_start != AN_TIME_NONE && (seg_group || seg_agent)) {
        add_segment(w, ti, seg_group, seg_agent, seg_start, end > seg_start ? end : seg_start,
                    seg_state, seg_worked);
    }
    if (cur && cur->end == AN_TIME_NONE) {
        cur->end = end > cur->start ? end : cur->start; /* a holding taken after closure */
    }
    m->groups = (uint32_t)w->nh;
    m->first_group = w->nh ? w->h[0].group : 0;
    m->last_group = w->nh ? w->h[w->nh - 1].group : 0;
    m->resolving_group = resolving;
    if (first_done != AN_TIME_NONE) {
        m->time_to_resolve_ms = first_done - opened;
    }
    if (t->priority == 0 && prio) {
        t->priority = prio;
    }

    /* Holdings: queue waits, time to contain. */
    for (size_t j = 0; j < w->nh; j++) {
        struct holding *h = &w->h[j];
        int64_t wait = (h->worked ? h->first_action : h->end) - h->start;
        if (wait > cfg->queue_wait_ms) {
            add_finding(w, ti, AN_FIND_QUEUE_WAIT, h->start, wait, h->group, 0, h->ev_start,
                        h->worked ? h->ev_action : UINT32_MAX);
        }
        if (h->security && h->worked && m->ttc_ms == AN_TIME_NONE) {
            m->ttc_ms = h->first_action - opened;
        }
    }
    /* Security dwell counts the segments of other groups, so unassigned spells
     * are left out (docs/metrics.md, "Security"). */
    if (w->nh && w->h[w->nh - 1].security && sec_at != AN_TIME_NONE) {
        int64_t dwell = 0;
        for (size_t j = seg0; j < w->r->nsegs; j++) {
            const struct an_segment *s = &w->r->segs[j];
            if (s->group && !s->security && s->start_ms < sec_at) {
                dwell += (s->end_ms < sec_at ? s->end_ms : sec_at) - s->start_ms;
            }
        }
        m->security_dwell_ms = dwell;
    }

    /* First-assignment misroute. */
    if (first_done != AN_TIME_NONE && w->nh && resolving && w->h[0].group != resolving) {
        add_finding(w, ti, AN_FIND_FIRST_MISROUTE, opened, 0, w->h[0].group, resolving,
                    w->h[0].ev_start, UINT32_MAX);
    }

    /* Push-to-front over the tier sequence. */
    int last_tier = 0, max_tier = 0;
    for (size_t j = 0; j < w->nh; j++) {
        int tier = w->h[j].tier;
        if (!tier || tier == last_tier) {
            continue;
        }
        if (!last_tier && tier > 1) {
            add_finding(w, ti, AN_FIND_STARTS_HIGH, w->h[j].start, tier, w->h[j].group, 0,
                        w->h[j].ev_start, UINT32_MAX);
        } else if (last_tier && tier > last_tier + 1) {
            add_finding(w, ti, AN_FIND_SKIPS_TIER, w->h[j].start, tier - last_tier, w->h[j].group,
                        w->h[j - 1].group, w->h[j].ev_start, UINT32_MAX);
        } else if (last_tier && tier < last_tier) {
            add_finding(w, ti, AN_FIND_MOVES_DOWN, w->h[j].start, last_tier - tier, w->h[j].group,
                        w->h[j - 1].group, w->h[j].ev_start, UINT32_MAX);
        }
        last_tier = tier;
        if (tier > max_tier) {
            max_tier = tier;
        }
    }
    if (first_done != AN_TIME_NONE && resolving && max_tier >= 2 &&
        resolving_start != AN_TIME_NONE) {
        int sec, tier;
        ginfo(w, resolving, &sec, &tier);
        if (tier >= 2 && first_done - resolving_start < cfg->unnecessary_escalation_ms) {
            add_finding(w, ti, AN_FIND_UNNECESSARY_ESCALATION, first_done,
                        first_done - resolving_start, resolving, 0, UINT32_MAX, UINT32_MAX);
        }
    }

    /* Context loss: a handoff with no note within the window around it. */
    for (size_t j = 1; j < w->nh; j++) {
        int64_t h = w->h[j].start;
        int noted = 0;
        for (uint32_t i = 0; i < n && !noted; i++) {
            noted = ev[i].kind == HD_KIND_NOTE && ev[i].t_ms >= h - cfg->context_window_ms &&
                    ev[i].t_ms <= h + cfg->context_window_ms;
        }
        if (!noted) {
            add_finding(w, ti, AN_FIND_CONTEXT_LOSS, h, 0, w->h[j - 1].group, w->h[j].group,
                        w->h[j].ev_start, UINT32_MAX);
        }
    }

    /* Communication cadence for high priorities. */
    int p = t->priority;
    if (p && p <= cfg->cadence_priority_at_least && cfg->cadence_ms[p] > 0) {
        int64_t stop = first_done != AN_TIME_NONE ? first_done : w->r->end_of_data;
        int64_t last = opened, longest = 0, at = opened;
        for (uint32_t i = 0; i < n; i++) {
            if (ev[i].kind == HD_KIND_NOTE && (ev[i].flags & AN_EV_PUBLIC) && ev[i].t_ms <= stop) {
                if (ev[i].t_ms - last > longest) {
                    longest = ev[i].t_ms - last;
                    at = last;
                }
                last = ev[i].t_ms;
            }
        }
        if (stop - last > longest) {
            longest = stop - last;
            at = last;
        }
        if (longest > cfg->cadence_ms[p]) {
            add_finding(w, ti, AN_FIND_CADENCE_BREACH, at, longest, m->last_group, 0, UINT32_MAX,
                        UINT32_MAX);
        }
    }
    if ((int)m->priority_changes >= cfg->priority_churn_min) {
        add_finding(w, ti, AN_FIND_PRIORITY_CHURN, opened, m->priority_changes, 0, 0, UINT32_MAX,
                    UINT32_MAX);
    }
    if (m->time_to_resolve_ms != AN_TIME_NONE && m->time_to_resolve_ms > 0 &&
        paused_before_done > HD_MS_PER_H &&
        (double)paused_before_done > cfg->paused_share_max * (double)m->time_to_resolve_ms) {
        add_finding(w, ti, AN_FIND_PAUSED_SHARE, opened, paused_before_done, m->last_group, 0,
                    UINT32_MAX, UINT32_MAX);
    }
}

static void *walk_range(void *arg)
{
    struct walk *w = arg;
    for (uint32_t ti = w->from; ti < w->to; ti++) {
        walk_ticket(w, ti);
    }
    return NULL;
}

/*
 * How many walkers: one, unless HD_ANALYZE_THREADS asks for more (2 is the
 * most used). After the arrays went to huge pages the walk of 1M events
 * takes ~40 ms, and a second walker's own arrays, copied in afterwards,
 * cost about what the split saves; the option stays for larger inputs and
 * for the tests that hold the results to be the same either way.
 */
static int walker_count(const struct an_data *d)
{
    const char *env = getenv("HD_ANALYZE_THREADS");
    if (d->ntickets < 2 || !env || !*env || (env[0] == '1' && !env[1]) ||
        (env[0] == '0' && !env[1])) {
        return 1;
    }
    return 2;
}

/*
 * Room for the segments and findings of tickets holding `nevents` events, in
 * huge pages: half of what they take at most (a ticket has at most one
 * segment per assignment plus one; findings rarely outnumber events). The
 * arrays come from the pages the grouping freed (hd_big_alloc), and room
 * reserved but never written would keep those from the next array; a
 * short guess grows by moving pages, not copying them.
 */
static void result_reserve(struct an_result *r, size_t nevents, size_t ntickets)
{
    r->finds_alloc = nevents / 2 + 1;
    r->finds = hd_big_alloc(r->finds_alloc * sizeof(*r->finds));
    r->segs_alloc = (nevents + ntickets) / 2 + 1;
    r->segs = hd_big_alloc(r->segs_alloc * sizeof(*r->segs));
}

/* Append b's segments and findings to a's, then free b's. */
static void result_append(struct an_result *a, struct an_result *b)
{
    if (b->nsegs) {
        if (a->nsegs + b->nsegs > a->segs_alloc) {
            segs_grow(a, a->nsegs + b->nsegs);
        }
        memcpy(a->segs + a->nsegs, b->segs, b->nsegs * sizeof(*b->segs));
        a->nsegs += b->nsegs;
    }
    if (b->nfinds) {
        if (a->nfinds + b->nfinds > a->finds_alloc) {
            finds_grow(a, a->nfinds + b->nfinds);
        }
        memcpy(a->finds + a->nfinds, b->finds, b->nfinds * sizeof(*b->finds));
        a->nfinds += b->nfinds;
    }
    hd_big_free(b->segs, b->segs_alloc * sizeof(*b->segs));
    hd_big_free(b->finds, b->finds_alloc * sizeof(*b->finds));
}

void an_analyze(struct an_data *d, const struct an_config *cfg, struct an_result *out)
{
    struct walk w[2];
    struct an_result part;
    int nw;

    memset(out, 0, sizeof(*out));
    an_data_finish(d);
    out->end_of_data = AN_TIME_NONE;
    for (size_t i = 0; i < d->nevents; i++) {
        if (d->events[i].t_ms > out->end_of_data) {
            out->end_of_data = d->events[i].t_ms;
        }
    }
    out->ntm = d->ntickets;
    out->tm = hd_big_zalloc((d->ntickets + 1) * sizeof(*out->tm));
    memset(w, 0, sizeof(w));
    memset(&part, 0, sizeof(part));
    part.end_of_data = out->end_of_data;
    part.tm = out->tm;
    part.ntm = out->ntm;
    nw = walker_count(d);
    for (int k = 0; k < 2; k++) {
        w[k].d = d;
        w[k].cfg = cfg;
        w[k].r = k ? &part : out;
    }
    w[0].to = (uint32_t)d->ntickets;
    if (nw == 2) {
        /* Split where half the events are done: tickets cost about their events. */
        uint32_t split = 0;
        while (split < d->ntickets &&
               (size_t)d->tickets[split].first + d->tickets[split].nevents <= d->nevents / 2) {
            split++;
        }
        w[0].to = w[1].from = split;
        w[1].to = (uint32_t)d->ntickets;
        size_t ev0 = 0; /* the events of walker 0's tickets */
        for (uint32_t ti = 0; ti < split; ti++) {
            ev0 += d->tickets[ti].nevents;
        }
        result_reserve(&part, d->nevents - ev0, w[1].to - w[1].from);
    }
    /* Sized for every ticket: walker 1's results are appended at the end. */
    result_reserve(out, d->nevents, d->ntickets);
    pthread_t th;
    int threaded = nw == 2 && pthread_create(&th, NULL, walk_range, &w[1]) == 0;
    walk_range(&w[0]);
    if (nw == 2) {
        if (threaded) {
            pthread_join(th, NULL);
        } else {
            walk_range(&w[1]); /* no thread to be had: the same work, here */
        }
        result_append(out, &part);
    }
    for (int k = 0; k < 2; k++) {
        free(w[k].h);
        free(w[k].gsec);
        free(w[k].gtier);
    }
}

void an_result_release(struct an_result *r)
{
    hd_big_free(r->segs, r->segs_alloc * sizeof(*r->segs));
    hd_big_free(r->finds, r->finds_alloc * sizeof(*r->finds));
    hd_big_free(r->tm, r->tm ? (r->ntm + 1) * sizeof(*r->tm) : 0);
    memset(r, 0, sizeof(*r));
}
