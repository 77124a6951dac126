/* Rendering one ticket's timeline as text or JSON. */
#include "reports/timeline.h"

#include <jansson.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "core/model.h"
#include "core/time.h"

static void event_desc(const struct an_data *d, const struct an_event *e, char *buf, size_t n)
{
    switch (e->kind) {
    case HD_KIND_ASSIGNED:
        snprintf(buf, n, "assigned  %s / %s", (e->flags & AN_EV_GROUP) ? an_str(d, e->group) : "=",
                 e->agent ? an_str(d, e->agent) : "-");
        break;
    case HD_KIND_STATE:
        snprintf(buf, n, "state     %s", hd_state_name(e->state));
        break;
    case HD_KIND_PRIORITY:
        snprintf(buf, n, "priority  P%d", e->priority);
        break;
    case HD_KIND_CATEGORY:
        snprintf(buf, n, "category  %s / %s", an_str(d, e->category), an_str(d, e->subcategory));
        break;
    case HD_KIND_NOTE:
        snprintf(buf, n, "note      (%s) %.60s", (e->flags & AN_EV_PUBLIC) ? "public" : "internal",
                 an_str(d, e->text));
        break;
    case HD_KIND_LINKED:
        snprintf(buf, n, "linked    %s", an_str(d, e->text));
        break;
    case HD_KIND_ESCALATED:
        snprintf(buf, n, "escalated %s", an_str(d, e->text));
        break;
    default:
        snprintf(buf, n, "%s", hd_kind_name(e->kind));
        break;
    }
}

static const char *src_of(const struct an_data *d, const struct an_event *e)
{
    const char *p = e->source < d->nsources ? d->sources[e->source].path : "?";
    const char *slash = strrchr(p, '/');
    return slash ? slash + 1 : p;
}

int rpt_timeline_text(FILE *f, const struct an_data *d, const struct an_result *r, uint32_t ti)
{
    const struct an_ticket *t = &d->tickets[ti];
    const struct an_tmetrics *m = &r->tm[ti];
    char when[40], desc[200], a[32], b[32];

    hd_time_format(m->opened_ms, when, sizeof(when));
    fprintf(f, "%s", an_str(d, t->key));
    if (t->client) {
        fprintf(f, "  client %s", an_str(d, t->client));
    }
    if (t->priority) {
        fprintf(f, "  P%d", t->priority);
    }
    fprintf(f, "  opened %s\n", when);
    if (t->title) {
        fprintf(f, "  \"%s\"\n", an_str(d, t->title));
    }
    fprintf(f, "\nevents\n");
    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        hd_time_format(e->t_ms, when, sizeof(when));
        event_desc(d, e, desc, sizeof(desc));
        fprintf(f, "  %-22s %-52s %s:%u", when, desc, src_of(d, e), e->line);
        for (size_t k = 0; k < r->nfinds; k++) {
            if (r->finds[k].ticket == ti && r->finds[k].ev == i) {
                fprintf(f, "  <- %s", an_finding_name((enum an_finding_kind)r->finds[k].kind));
            }
        }
        fputc('\n', f);
    }
    fprintf(f, "\nsegments\n");
    for (size_t k = 0; k < r->nsegs; k++) {
        const struct an_segment *s = &r->segs[k];
        if (s->ticket != ti) {
            continue;
        }
        hd_time_format(s->start_ms, when, sizeof(when));
        hd_duration_format(s->end_ms - s->start_ms, a, sizeof(a));
        fprintf(f, "  %-22s %-9s %-24s %-20s%s%s\n", when, a, an_str(d, s->group),
                s->agent ? an_str(d, s->agent) : "-", s->worked ? " worked" : " no work",
                s->security ? " security" : "");
    }
    fprintf(f, "\nfindings\n");
    int any = 0;
    for (size_t k = 0; k < r->nfinds; k++) {
        const struct an_finding *x = &r->finds[k];
        if (x->ticket != ti) {
            continue;
        }
        any = 1;
        hd_time_format(x->t_ms, when, sizeof(when));
        fprintf(f, "  %-22s %-26s %s", when, an_finding_name((enum an_finding_kind)x->kind),
                an_str(d, x->group));
        if (x->group2) {
            fprintf(f, " -> %s", an_str(d, x->group2));
        }
        if (x->value_ms) {
            hd_duration_format(x->value_ms, a, sizeof(a));
            fprintf(f, "  %s", a);
        }
        if (x->open_at_end) {
            fprintf(f, " (open at end of data)");
        }
        fputc('\n', f);
    }
    if (!any) {
        fprintf(f, "  none\n");
    }
    hd_duration_format(m->time_to_resolve_ms, a, sizeof(a));
    fprintf(f,
            "\nmetrics\n  reassignments %u (source rule %u, agent %u), bounces %u, ping-pongs %u,"
            " misroutes %u, reopens %u\n",
            m->reassignments, m->reassignments_src_rule, m->agent_reassignments, m->bounces,
            m->ping_pongs, m->misroutes, m->reopens);
    fprintf(f, "  time to resolve %s", m->time_to_resolve_ms == AN_TIME_NONE ? "-" : a);
    hd_duration_format(m->paused_ms, b, sizeof(b));
    fprintf(f, ", paused %s", b);
    if (m->tte_ms != AN_TIME_NONE) {
        hd_duration_format(m->tte_ms, a, sizeof(a));
        fprintf(f, ", time to escalate to security %s", a);
    }
    fputc('\n', f);
    if (t->src_reassignment_count >= 0) {
        fprintf(f, "  source counters: reassignment_count %d, reopen_count %d, made_sla %s\n",
                t->src_reassignment_count, t->src_reopen_count,
                t->src_made_sla == 1   ? "true"
                : t->src_made_sla == 0 ? "false"
                                       : "-");
    }
    return ferror(f) ? -1 : 0;
}

json_t *rpt_timeline_json(const struct an_data *d, const struct an_result *r, uint32_t ti)
{
    const struct an_ticket *t = &d->tickets[ti];
    const struct an_tmetrics *m = &r->tm[ti];
    json_t *o = json_object(), *evs = json_array(), *segs = json_array(), *fs = json_array();
    char when[40];

    json_object_set_new(o, "ticket", json_string(an_str(d, t->key)));
    json_object_set_new(o, "client", json_string(an_str(d, t->client)));
    if (t->priority) {
        json_object_set_new(o, "priority", json_integer(t->priority));
    }
    for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
        const struct an_event *e = &d->events[i];
        json_t *x = json_object();
        hd_time_format(e->t_ms, when, sizeof(when));
        json_object_set_new(x, "time", json_string(when));
        json_object_set_new(x, "kind", json_string(hd_kind_name(e->kind)));
        if (e->kind == HD_KIND_ASSIGNED) {
            json_object_set_new(x, "group", json_string(an_str(d, e->group)));
            json_object_set_new(x, "agent", json_string(an_str(d, e->agent)));
        }
        if (e->state) {
            json_object_set_new(x, "state", json_string(hd_state_name(e->state)));
        }
        if (e->kind == HD_KIND_PRIORITY) {
            json_object_set_new(x, "priority", json_integer(e->priority));
        }
        json_object_set_new(x, "source", json_string(src_of(d, e)));
        json_object_set_new(x, "line", json_integer(e->line));
        json_array_append_new(evs, x);
    }
    for (size_t k = 0; k < r->nsegs; k++) {
        const struct an_segment *s = &r->segs[k];
        if (s->ticket != ti) {
            continue;
        }
        json_t *x = json_object();
        hd_time_format(s->start_ms, when, sizeof(when));
        json_object_set_new(x, "start", json_string(when));
        hd_time_format(s->end_ms, when, sizeof(when));
        json_object_set_new(x, "end", json_string(when));
        json_object_set_new(x, "group", json_string(an_str(d, s->group)));
        json_object_set_new(x, "agent", json_string(an_str(d, s->agent)));
        json_object_set_new(x, "worked", json_boolean(s->worked));
        json_array_append_new(segs, x);
    }
    for (size_t k = 0; k < r->nfinds; k++) {
        const struct an_finding *x = &r->finds[k];
        if (x->ticket != ti) {
            continue;
        }
        json_t *j = json_object();
        hd_time_format(x->t_ms, when, sizeof(when));
        json_object_set_new(j, "kind", json_string(an_finding_name((enum an_finding_kind)x->kind)));
        json_object_set_new(j, "time", json_string(when));
        json_object_set_new(j, "group", json_string(an_str(d, x->group)));
        json_object_set_new(j, "other_group", json_string(an_str(d, x->group2)));
        json_object_set_new(j, "value_ms", json_integer(x->value_ms));
        json_array_append_new(fs, j);
    }
    json_object_set_new(o, "events", evs);
    json_object_set_new(o, "segments", segs);
    json_object_set_new(o, "findings", fs);
    json_object_set_new(o, "reassignments", json_integer(m->reassignments));
    json_object_set_new(o, "reassignments_src_rule", json_integer(m->reassignments_src_rule));
    json_object_set_new(o, "bounces", json_integer(m->bounces));
    json_object_set_new(o, "reopens", json_integer(m->reopens));
    return o;
}
