/*
 * Writing segments, findings and ticket metrics to the store: each table
 * emptied, then filled with multi-row INSERTs of BATCH rows (one
 * statement's fixed cost per row was most of the time).
 */
#include "analyzer/derive.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "core/err.h"
#include "core/model.h"
#include "core/store.h"

#define BATCH   32
#define SG_COLS 9
#define FD_COLS 7
#define TM_COLS 19

/* Eight rows of placeholders for each table's columns (ticket_metrics'
 * dirty is 0: the rows come from the analysis). */
#define SG_VALUES8                                                                                 \
    "(?,?,?,?,?,?,?,?,?),"                                                                         \
    "(?,?,?,?,?,?,?,?,?),"                                                                         \
    "(?,?,?,?,?,?,?,?,?),"                                                                         \
    "(?,?,?,?,?,?,?,?,?),"                                                                         \
    "(?,?,?,?,?,?,?,?,?),"                                                                         \
    "(?,?,?,?,?,?,?,?,?),"                                                                         \
    "(?,?,?,?,?,?,?,?,?),"                                                                         \
    "(?,?,?,?,?,?,?,?,?)"
#define FD_VALUES8                                                                                 \
    "(?,?,?,?,?,?,?),"                                                                             \
    "(?,?,?,?,?,?,?),"                                                                             \
    "(?,?,?,?,?,?,?),"                                                                             \
    "(?,?,?,?,?,?,?),"                                                                             \
    "(?,?,?,?,?,?,?),"                                                                             \
    "(?,?,?,?,?,?,?),"                                                                             \
    "(?,?,?,?,?,?,?),"                                                                             \
    "(?,?,?,?,?,?,?)"
#define TM_VALUES8                                                                                 \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0),"                                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0),"                                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0),"                                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0),"                                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0),"                                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0),"                                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0),"                                                   \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)"

#define SG_INSERT                                                                                  \
    "INSERT INTO segments(ticket_id, seq, grp, agent, tier, start_ms, end_ms, state, worked)"      \
    " VALUES"
#define FD_INSERT                                                                                  \
    "INSERT INTO findings(ticket_id, kind, t_ms, value_ms, grp, detail, evidence) VALUES"
#define TM_INSERT                                                                                  \
    "INSERT INTO ticket_metrics(ticket_id, opened_ms, resolved_ms, closed_ms, first_group,"        \
    " last_group, groups, reassignments, agent_reassignments, reassignments_src_rule,"             \
    " bounces, ping_pongs, misroutes, reopens, priority_changes, time_to_resolve_ms,"              \
    " paused_ms, tte_ms, security_dwell_ms, dirty) VALUES"

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
            buf + off, n - off, "%sevent %lld (%s:%u)", off ? "; " : "",
            (long long)an_data_event_id(d, evs[k]),
            e->source < d->nsources ? d->sources[e->source].path : "?", e->line);
    }
}

/* Bind segment s, the seq-th of its ticket, from parameter `base` + 1 on. */
static void bind_segment(sqlite3_stmt *sg, int base, const struct an_data *d,
                         const struct an_segment *s, uint32_t seq)
{
    sqlite3_bind_int64(sg, base + 1, d->tickets[s->ticket].db_id);
    sqlite3_bind_int(sg, base + 2, (int)seq);
    bind_name(sg, base + 3, d, s->group);
    bind_name(sg, base + 4, d, s->agent);
    if (s->tier) {
        sqlite3_bind_int(sg, base + 5, s->tier);
    } else {
        sqlite3_bind_null(sg, base + 5);
    }
    sqlite3_bind_int64(sg, base + 6, s->start_ms);
    sqlite3_bind_int64(sg, base + 7, s->end_ms);
    if (s->state) {
        sqlite3_bind_text(sg, base + 8, hd_state_name(s->state), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(sg, base + 8);
    }
    sqlite3_bind_int(sg, base + 9, s->worked);
}

/* Bind finding f from parameter `base` + 1 on (its texts are copied). */
static void bind_finding(sqlite3_stmt *fd, int base, const struct an_data *d,
                         const struct an_finding *f)
{
    char detail[300] = "";
    char ev[600];

    if (f->group2) {
        snprintf(detail, sizeof(detail), "%s -> %s", an_str(d, f->group), an_str(d, f->group2));
    }
    if (f->open_at_end) {
        snprintf(detail, sizeof(detail), "open at end of data");
    }
    evidence(d, f, ev, sizeof(ev));
    sqlite3_bind_int64(fd, base + 1, d->tickets[f->ticket].db_id);
    sqlite3_bind_text(fd, base + 2, an_finding_name((enum an_finding_kind)f->kind), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(fd, base + 3, f->t_ms);
    sqlite3_bind_int64(fd, base + 4, f->value_ms);
    bind_name(fd, base + 5, d, f->group);
    sqlite3_bind_text(fd, base + 6, detail, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(fd, base + 7, ev, -1, SQLITE_TRANSIENT);
}

/* Bind ticket ti's metrics m from parameter `base` + 1 on. */
static void bind_metrics(sqlite3_stmt *tm, int base, const struct an_data *d, uint32_t ti,
                         const struct an_tmetrics *m)
{
    sqlite3_bind_int64(tm, base + 1, d->tickets[ti].db_id);
    bind_time(tm, base + 2, m->opened_ms);
    bind_time(tm, base + 3, m->resolved_ms);
    bind_time(tm, base + 4, m->closed_ms);
    bind_name(tm, base + 5, d, m->first_group);
    bind_name(tm, base + 6, d, m->last_group);
    uint32_t v[9] = {
        m->groups,          m->reassignments, m->agent_reassignments, m->reassignments_src_rule,
        m->bounces,         m->ping_pongs,    m->misroutes,           m->reopens,
        m->priority_changes};
    for (int k = 0; k < 9; k++) {
        sqlite3_bind_int64(tm, base + 7 + k, v[k]);
    }
    bind_time(tm, base + 16, m->time_to_resolve_ms);
    sqlite3_bind_int64(tm, base + 17, m->paused_ms);
    bind_time(tm, base + 18, m->tte_ms);
    bind_time(tm, base + 19, m->security_dwell_ms);
}

int an_derive_save(struct hd_store *st, const struct an_data *d, const struct an_result *r,
                   struct hd_err *err)
{
    sqlite3_stmt *sg = NULL, *sgm = NULL, *fd = NULL, *fdm = NULL, *tm = NULL, *tmm = NULL;
    int rc, fk_off = 0;
    size_t i;

    /* Every ticket_id written is the id of a ticket loaded from the store
     * (an_load), and tickets are never deleted: the foreign-key checks
     * would only repeat that, and with them on, emptying a table that has
     * a foreign key deletes row by row instead of dropping its pages. The
     * pragma is a no-op inside a transaction, hence before BEGIN; it is
     * restored at out. */
    rc = hd_store_exec(st, "PRAGMA foreign_keys=OFF", err);
    if (rc) {
        return rc;
    }
    fk_off = 1;
    rc = hd_store_begin(st, err);
    if (!rc) {
        rc = hd_store_exec(st,
                           "DELETE FROM segments; DELETE FROM findings;"
                           " DELETE FROM ticket_metrics;"
                           " INSERT OR REPLACE INTO meta(key, value) VALUES('derived_stale', '0');",
                           err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, SG_INSERT "(?1,?2,?3,?4,?5,?6,?7,?8,?9)", &sg, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, SG_INSERT SG_VALUES8 "," SG_VALUES8 "," SG_VALUES8 "," SG_VALUES8,
                              &sgm, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, FD_INSERT "(?1,?2,?3,?4,?5,?6,?7)", &fd, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, FD_INSERT FD_VALUES8 "," FD_VALUES8 "," FD_VALUES8 "," FD_VALUES8,
                              &fdm, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              TM_INSERT "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                                        "?17,?18,?19,0)",
                              &tm, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, TM_INSERT TM_VALUES8 "," TM_VALUES8 "," TM_VALUES8 "," TM_VALUES8,
                              &tmm, err);
    }
    if (rc) {
        goto out;
    }
    /* Segments, BATCH rows a statement, then the rest one by one. */
    uint32_t seq = 0, last_ticket = UINT32_MAX;
    for (i = 0; i < r->nsegs && !rc;) {
        int many = r->nsegs - i >= BATCH;
        int n = many ? BATCH : 1;
        for (int k = 0; k < n; k++, i++) {
            const struct an_segment *s = &r->segs[i];
            seq = s->ticket == last_ticket ? seq + 1 : 0;
            last_ticket = s->ticket;
            bind_segment(many ? sgm : sg, k * SG_COLS, d, s, seq);
        }
        rc = step(st, many ? sgm : sg, err);
    }
    for (i = 0; i < r->nfinds && !rc;) {
        int many = r->nfinds - i >= BATCH;
        int n = many ? BATCH : 1;
        for (int k = 0; k < n; k++, i++) {
            bind_finding(many ? fdm : fd, k * FD_COLS, d, &r->finds[i]);
        }
        rc = step(st, many ? fdm : fd, err);
    }
    for (i = 0; i < d->ntickets && !rc;) {
        int many = d->ntickets - i >= BATCH;
        int n = many ? BATCH : 1;
        for (int k = 0; k < n; k++, i++) {
            bind_metrics(many ? tmm : tm, k * TM_COLS, d, (uint32_t)i, &r->tm[i]);
        }
        rc = step(st, many ? tmm : tm, err);
    }
    if (!rc) {
        rc = hd_store_commit(st, err);
    }
out:
    if (rc) {
        hd_store_rollback(st);
    }
    if (fk_off) {
        int fk_rc = hd_store_exec(st, "PRAGMA foreign_keys=ON", rc ? NULL : err);
        rc = rc ? rc : fk_rc;
    }
    sqlite3_finalize(sg);
    sqlite3_finalize(sgm);
    sqlite3_finalize(fd);
    sqlite3_finalize(fdm);
    sqlite3_finalize(tm);
    sqlite3_finalize(tmm);
    return rc;
}
