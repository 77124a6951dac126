/* Writing segments, findings and ticket metrics to the store. */
#include "analyzer/derive.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "core/err.h"
#include "core/model.h"
#include "core/store.h"

static void bind_time(sqlite3_stmt *s, int col, int64_t v)
{
    if (v == AN_TIME_NONE) {
        sqlite3_bind_null(s, col);
    } else {
        sqlite3_bind_int64(s, col, v);
    }
}

static void bind_name(sqlite3_stmt *s, int col, const struct an_data *d, uint32_t id)
{
    if (id) {
        sqlite3_bind_text(s, col, an_str(d, id), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(s, col);
    }
}

static int step(struct hd_store *st, sqlite3_stmt *s, struct hd_err *err)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? HD_OK : hd_store_fail(st, err, "saving derived tables");
}

static void evidence(const struct an_data *d, const struct an_finding *f, char *buf, size_t n)
{
    size_t off = 0;
    uint32_t evs[2] = {f->ev, f->ev2};
    buf[0] = '\0';
    for (int k = 0; k < 2; k++) {
        if (evs[k] == UINT32_MAX || evs[k] >= d->nevents || off >= n) {
            continue;
        }
        const struct an_event *e = &d->events[evs[k]];
        off += (size_t)snprintf(
            buf + off, n - off, "%sevent %lld (%s:%u)", off ? "; " : "", (long long)e->db_id,
            e->source < d->nsources ? d->sources[e->source].path : "?", e->line);
    }
}

int an_derive_save(struct hd_store *st, const struct an_data *d, const struct an_result *r,
                   struct hd_err *err)
{
    sqlite3_stmt *sg = NULL, *fd = NULL, *tm = NULL;
    int rc;
    char ev[600];

    rc = hd_store_begin(st, err);
    if (!rc) {
        rc = hd_store_exec(st,
                           "DELETE FROM segments; DELETE FROM findings;"
                           " DELETE FROM ticket_metrics;"
                           " INSERT OR REPLACE INTO meta(key, value) VALUES('derived_stale', '0');",
                           err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              "INSERT INTO segments(ticket_id, seq, grp, agent, tier, start_ms,"
                              " end_ms, state, worked) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                              &sg, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              "INSERT INTO findings(ticket_id, kind, t_ms, value_ms, grp, detail,"
                              " evidence) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                              &fd, err);
    }
    if (!rc) {
        rc = hd_store_prepare(
            st,
            "INSERT INTO ticket_metrics(ticket_id, opened_ms, resolved_ms, closed_ms,"
            " first_group, last_group, groups, reassignments, agent_reassignments,"
            " reassignments_src_rule, bounces, ping_pongs, misroutes, reopens, priority_changes,"
            " time_to_resolve_ms, paused_ms, tte_ms, security_dwell_ms, dirty)"
            " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,0)",
            &tm, err);
    }
    if (rc) {
        goto out;
    }
    uint32_t seq = 0, last_ticket = UINT32_MAX;
    for (size_t i = 0; i < r->nsegs && !rc; i++) {
        const struct an_segment *s = &r->segs[i];
        seq = s->ticket == last_ticket ? seq + 1 : 0;
        last_ticket = s->ticket;
        sqlite3_bind_int64(sg, 1, d->tickets[s->ticket].db_id);
        sqlite3_bind_int(sg, 2, (int)seq);
        bind_name(sg, 3, d, s->group);
        bind_name(sg, 4, d, s->agent);
        if (s->tier) {
            sqlite3_bind_int(sg, 5, s->tier);
        } else {
            sqlite3_bind_null(sg, 5);
        }
        sqlite3_bind_int64(sg, 6, s->start_ms);
        sqlite3_bind_int64(sg, 7, s->end_ms);
        if (s->state) {
            sqlite3_bind_text(sg, 8, hd_state_name(s->state), -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(sg, 8);
        }
        sqlite3_bind_int(sg, 9, s->worked);
        rc = step(st, sg, err);
    }
    for (size_t i = 0; i < r->nfinds && !rc; i++) {
        const struct an_finding *f = &r->finds[i];
        char detail[300] = "";
        if (f->group2) {
            snprintf(detail, sizeof(detail), "%s -> %s", an_str(d, f->group), an_str(d, f->group2));
        }
        if (f->open_at_end) {
            snprintf(detail, sizeof(detail), "open at end of data");
        }
        evidence(d, f, ev, sizeof(ev));
        sqlite3_bind_int64(fd, 1, d->tickets[f->ticket].db_id);
        sqlite3_bind_text(fd, 2, an_finding_name((enum an_finding_kind)f->kind), -1, SQLITE_STATIC);
        sqlite3_bind_int64(fd, 3, f->t_ms);
        sqlite3_bind_int64(fd, 4, f->value_ms);
        bind_name(fd, 5, d, f->group);
        sqlite3_bind_text(fd, 6, detail, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(fd, 7, ev, -1, SQLITE_TRANSIENT);
        rc = step(st, fd, err);
    }
    for (uint32_t ti = 0; ti < d->ntickets && !rc; ti++) {
        const struct an_tmetrics *m = &r->tm[ti];
        sqlite3_bind_int64(tm, 1, d->tickets[ti].db_id);
        bind_time(tm, 2, m->opened_ms);
        bind_time(tm, 3, m->resolved_ms);
        bind_time(tm, 4, m->closed_ms);
        bind_name(tm, 5, d, m->first_group);
        bind_name(tm, 6, d, m->last_group);
        uint32_t v[10] = {m->groups,
                          m->reassignments,
                          m->agent_reassignments,
                          m->reassignments_src_rule,
                          m->bounces,
                          m->ping_pongs,
                          m->misroutes,
                          m->reopens,
                          m->priority_changes,
                          0};
        for (int k = 0; k < 9; k++) {
            sqlite3_bind_int64(tm, 7 + k, v[k]);
        }
        bind_time(tm, 16, m->time_to_resolve_ms);
        sqlite3_bind_int64(tm, 17, m->paused_ms);
        bind_time(tm, 18, m->tte_ms);
        bind_time(tm, 19, m->security_dwell_ms);
        rc = step(st, tm, err);
    }
    if (!rc) {
        rc = hd_store_commit(st, err);
    }
out:
    if (rc) {
        hd_store_rollback(st);
    }
    sqlite3_finalize(sg);
    sqlite3_finalize(fd);
    sqlite3_finalize(tm);
    return rc;
}
