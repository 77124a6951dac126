/*
 * Snapshot logs (one row per version of a ticket record, e.g. ServiceNow's
 * incident_event_log): rows are kept until the file is read, then each
 * ticket's snapshots are ordered by update time, ties in source order
 * (update counters can contradict the clock), and consecutive snapshots are
 * diffed into events. docs/profiles.md, "Snapshot logs", is the contract.
 */
#include "analyzer/ingest_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/model.h"

static int32_t int_field(const struct ing_row *r, enum an_field f)
{
    char tmp[32];
    char *end;
    long v;

    if (!r->len[f] || r->len[f] >= sizeof(tmp)) {
        return -1;
    }
    memcpy(tmp, r->val[f], r->len[f]);
    tmp[r->len[f]] = '\0';
    if (!strcmp(tmp, "true")) {
        return 1;
    }
    if (!strcmp(tmp, "false")) {
        return 0;
    }
    errno = 0;
    v = strtol(tmp, &end, 10);
    if (errno || *end || v < 0 || v > INT32_MAX) {
        return -1;
    }
    return (int32_t)v;
}

void ing_snapshot_row(struct ing *c, const struct ing_row *r)
{
    struct ing_snap s;
    enum hd_state st;
    int prio;

    memset(&s, 0, sizeof(s));
    if (ing_time(c, r, AN_F_TIME, &s.t_ms, 1) || ing_time(c, r, AN_F_OPENED, &s.opened_ms, 0) ||
        ing_state(c, r, &st) || ing_priority(c, r, &prio)) {
        return;
    }
    s.ticket = ing_ticket(c, r);
    if (c->ords && s.ticket < c->nords && c->ords[s.ticket] >= c->o->max_events_per_ticket) {
        ing_reject(c, r->line, r->last_line, AN_REJ_TOO_MANY, r->raw, r->rawlen,
                   "more than %zu snapshots for ticket '%.*s'", c->o->max_events_per_ticket,
                   (int)r->len[AN_F_TICKET], r->val[AN_F_TICKET]);
        return;
    }
    ing_next_ord(c, s.ticket); /* counts snapshots per ticket for the limit above */
    c->res->rows_used++;
    ing_ticket_attrs(c, &c->d->tickets[s.ticket], r);
    s.line = r->line;
    s.row = (uint32_t)c->nsnaps;
    s.state = (uint8_t)st;
    s.priority = (uint8_t)prio;
    s.group = ing_intern(c, r, AN_F_GROUP);
    s.agent = ing_intern(c, r, AN_F_AGENT);
    s.category = ing_intern(c, r, AN_F_CATEGORY);
    s.subcategory = ing_intern(c, r, AN_F_SUBCATEGORY);
    s.src_reassign = int_field(r, AN_F_SRC_REASSIGNMENT_COUNT);
    s.src_reopen = int_field(r, AN_F_SRC_REOPEN_COUNT);
    s.src_made_sla = int_field(r, AN_F_SRC_MADE_SLA);
    if (!c->snaps_alloc && c->expect_rows) {
        c->snaps_alloc = c->expect_rows; /* the file's rows, at once */
        c->snaps = hd_xmalloc(c->snaps_alloc * sizeof(*c->snaps));
        hd_advise_huge(c->snaps, c->snaps_alloc * sizeof(*c->snaps));
    }
    HD_GROW(c->snaps, c->snaps_alloc, c->nsnaps + 1);
    c->snaps[c->nsnaps++] = s;
}

static int cmp_snap(const void *a, const void *b)
{
    const struct ing_snap *x = a, *y = b;
    if (x->ticket != y->ticket) {
        return x->ticket < y->ticket ? -1 : 1;
    }
    if (x->t_ms != y->t_ms) {
        return x->t_ms < y->t_ms ? -1 : 1;
    }
    return x->row < y->row ? -1 : x->row > y->row;
}

static void emit(struct ing *c, struct an_event *ev, uint32_t *ord, const struct ing_snap *s,
                 enum hd_kind kind)
{
    ev->kind = (uint8_t)kind;
    ev->ticket = s->ticket;
    ev->source = c->source;
    ev->line = s->line;
    ev->ord = (*ord)++;
    an_data_add_event(c->d, ev);
    c->res->events++;
    ing_note_time(c, ev->t_ms);
    memset(ev, 0, sizeof(*ev));
}

/*
 * Order the snapshots by (ticket, time, row), a total order. Tickets are
 * dense indexes, so a stable counting sort groups them in O(n) (a full
 * qsort was a tenth of a ServiceNow ingest); each ticket's few versions,
 * already in file order, are then sorted by time.
 */
static void sort_snaps(struct ing *c)
{
    size_t nt = c->d->ntickets, n = c->nsnaps;
    size_t *start = hd_xcalloc(nt + 1, sizeof(*start));
    struct ing_snap *out = hd_xmalloc(n * sizeof(*out));

    hd_advise_huge(out, n * sizeof(*out));

    for (size_t i = 0; i < n; i++) {
        start[c->snaps[i].ticket + 1]++;
    }
    for (size_t t = 0; t < nt; t++) {
        start[t + 1] += start[t];
    }
    for (size_t i = 0; i < n; i++) {
        out[start[c->snaps[i].ticket]++] = c->snaps[i]; /* start[t] ends as t's end */
    }
    for (size_t t = 0, b = 0; t < nt; b = start[t++]) {
        size_t k = start[t] - b;
        struct ing_snap *v = out + b;
        if (k > 16) {
            qsort(v, k, sizeof(*v), cmp_snap);
            continue;
        }
        for (size_t i = 1; i < k; i++) { /* insertion sort: stable, ties keep file order */
            struct ing_snap x = v[i];
            size_t j = i;
            while (j > 0 && v[j - 1].t_ms > x.t_ms) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
    }
    free(start);
    free(c->snaps);
    c->snaps = out;
    c->snaps_alloc = n;
}

void ing_snapshot_finish(struct ing *c)
{
    size_t i = 0;

    /* No versions (a header-only file): snaps is NULL. */
    if (c->nsnaps) {
        sort_snaps(c);
        /* Most versions change one thing; room for half as many again. */
        an_data_reserve(c->d, c->nsnaps + c->nsnaps / 2);
    }
    while (i < c->nsnaps) {
        size_t j = i;
        uint32_t ord = 0;
        struct an_event ev;
        const struct ing_snap *first = &c->snaps[i];
        struct an_ticket *t = &c->d->tickets[first->ticket];

        while (j < c->nsnaps && c->snaps[j].ticket == first->ticket) {
            j++;
        }
        memset(&ev, 0, sizeof(ev));
        /* The record existed from opened_at, or from its first version. */
        ev.t_ms = first->opened_ms != AN_TIME_NONE && first->opened_ms <= first->t_ms
                      ? first->opened_ms
                      : first->t_ms;
        ev.priority = first->priority;
        ev.category = first->category;
        ev.subcategory = first->subcategory;
        if (t->opened_ms == AN_TIME_NONE || ev.t_ms < t->opened_ms) {
            t->opened_ms = ev.t_ms;
        }
        emit(c, &ev, &ord, first, HD_KIND_OPENED);
        const struct ing_snap *prev = NULL;
        struct ing_snap known;
        for (size_t k = i; k < j; k++) {
            const struct ing_snap *s = &c->snaps[k];
            int first_version = prev == NULL;
            if (first_version ? (s->group || s->agent)
                              : (s->group != prev->group || s->agent != prev->agent)) {
                ev.t_ms = s->t_ms;
                ev.group = s->group;
                ev.agent = s->agent;
                ev.flags = AN_EV_GROUP | AN_EV_AGENT;
                emit(c, &ev, &ord, s, HD_KIND_ASSIGNED);
            }
            /* An unknown state value ("none") leaves the state as it was. */
            if (s->state && (first_version || s->state != prev->state)) {
                ev.t_ms = s->t_ms;
                ev.state = s->state;
                emit(c, &ev, &ord, s, HD_KIND_STATE);
            }
            if (!first_version && s->priority && s->priority != prev->priority) {
                ev.t_ms = s->t_ms;
                ev.priority = s->priority;
                emit(c, &ev, &ord, s, HD_KIND_PRIORITY);
            }
            if (!first_version &&
                (s->category != prev->category || s->subcategory != prev->subcategory)) {
                ev.t_ms = s->t_ms;
                ev.category = s->category;
                ev.subcategory = s->subcategory;
                emit(c, &ev, &ord, s, HD_KIND_CATEGORY);
            }
            if (!prev) {
                prev = s;
            } else {
                /* A state mapped to none, or an empty priority, leaves the
                 * value as it was: diff the next version against the last
                 * known one (prev may be `known` itself, so read it first). */
                uint8_t state = s->state ? s->state : prev->state;
                uint8_t priority = s->priority ? s->priority : prev->priority;
                known = *s;
                known.state = state;
                known.priority = priority;
                prev = &known;
            }
        }
        /* The source's own counters as they stood in its last version. */
        const struct ing_snap *last = &c->snaps[j - 1];
        t->src_reassignment_count = last->src_reassign;
        t->src_reopen_count = last->src_reopen;
        t->src_made_sla = last->src_made_sla;
        if (last->priority) {
            t->priority = last->priority;
        }
        if (last->category) {
            t->category = last->category;
            t->subcategory = last->subcategory;
        }
        i = j;
    }
    free(c->snaps);
    c->snaps = NULL;
    c->nsnaps = c->snaps_alloc = 0;
}
