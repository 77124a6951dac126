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

/* Version i before version j: by time, ties in file order (i, j are rows). */
static int snap_before(const struct ing_snap *v, uint32_t i, uint32_t j)
{
    return v[i].t_ms < v[j].t_ms || (v[i].t_ms == v[j].t_ms && i < j);
}

/* Stable merge sort of k > 16 row numbers by snap_before; tmp holds k. */
static void merge_sort(const struct ing_snap *v, uint32_t *a, uint32_t *tmp, size_t k)
{
    size_t h = k / 2;

    if (k < 2) {
        return;
    }
    merge_sort(v, a, tmp, h);
    merge_sort(v, a + h, tmp, k - h);
    memcpy(tmp, a, h * sizeof(*a));
    for (size_t i = 0, j = h, o = 0; i < h;) {
        a[o++] = j < k && snap_before(v, a[j], tmp[i]) ? a[j++] : tmp[i++];
    }
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
 * The order of the versions by (ticket, time, row), as row numbers (4 bytes
 * each: moving the 64-byte versions themselves faulted in a second copy of
 * the array). Tickets are dense indexes, so a stable counting sort groups
 * them in O(n) (one qsort of all rows was a tenth of a ServiceNow ingest);
 * each ticket's versions, already in file order, are then sorted by time.
 */
static uint32_t *sort_snaps(struct ing *c)
{
    size_t nt = c->d->ntickets, n = c->nsnaps, most = 0;
    size_t *start = hd_xcalloc(nt + 1, sizeof(*start));
    uint32_t *order = hd_xmalloc(n * sizeof(*order)), *tmp;
    const struct ing_snap *v = c->snaps;

    for (size_t i = 0; i < n; i++) {
        start[v[i].ticket + 1]++;
    }
    for (size_t t = 0; t < nt; t++) {
        most = start[t + 1] > most ? start[t + 1] : most;
        start[t + 1] += start[t];
    }
    for (size_t i = 0; i < n; i++) {
        order[start[v[i].ticket]++] = (uint32_t)i; /* start[t] ends as t's end */
    }
    tmp = most > 16 ? hd_xmalloc(most * sizeof(*tmp)) : NULL;
    for (size_t t = 0, b = 0; t < nt; b = start[t++]) {
        size_t k = start[t] - b;
        uint32_t *a = order + b;
        if (k > 16) {
            merge_sort(v, a, tmp, k);
            continue;
        }
        for (size_t i = 1; i < k; i++) { /* insertion sort: stable, ties keep file order */
            uint32_t x = a[i];
            size_t j = i;
            while (j > 0 && v[a[j - 1]].t_ms > v[x].t_ms) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
    }
    free(tmp);
    free(start);
    return order;
}

void ing_snapshot_finish(struct ing *c)
{
    size_t i = 0;
    uint32_t *order = NULL;
    const struct ing_snap *v = c->snaps;

    /* No versions (a header-only file): snaps is NULL. */
    if (c->nsnaps) {
        order = sort_snaps(c);
        /* Most versions change one thing; room for half as many again. */
        an_data_reserve(c->d, c->nsnaps + c->nsnaps / 2);
    }
    while (i < c->nsnaps) {
        size_t j = i;
        uint32_t ord = 0;
        struct an_event ev;
        const struct ing_snap *first = &v[order[i]];
        struct an_ticket *t = &c->d->tickets[first->ticket];

        while (j < c->nsnaps && v[order[j]].ticket == first->ticket) {
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
            const struct ing_snap *s = &v[order[k]];
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
        const struct ing_snap *last = &v[order[j - 1]];
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
    free(order);
    free(c->snaps);
    c->snaps = NULL;
    c->nsnaps = c->snaps_alloc = 0;
}
