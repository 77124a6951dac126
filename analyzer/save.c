/*
 * Dataset -> SQLite: sources, tickets (upserted), events (INSERT OR IGNORE
 * on their identity), rejects. Prepared statements and large transactions;
 * the schema is core/store.c's.
 */
#include "analyzer/save.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/an_int.h"
#include "analyzer/dataset.h"
#include "analyzer/ingest.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/store.h"

/*
 * Events go in multi-row INSERT statements of EV_BATCH rows (one statement's
 * fixed cost, paid per row, was a sixth of the store time), tickets in
 * statements of TK_BATCH rows; a transaction is committed about every
 * BATCH_EVENTS events (analyzer/save.h; fewer, larger ones measured no
 * faster).
 */
#define BATCH_EVENTS 200000
#define EV_COLS      17
#define EV_BATCH     64
#define TK_COLS      16
#define TK_BATCH     32

/* Eight rows of placeholders for the events' and the tickets' columns. */
#define EV_VALUES8                                                                                 \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                         \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                         \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                         \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                         \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                         \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                         \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                         \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define TK_VALUES8                                                                                 \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                           \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                           \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                           \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                           \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                           \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                           \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),"                                                           \
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

static uint64_t hstr(uint64_t h, const char *s)
{
    return an_hash(h, s, strlen(s) + 1);
}

static uint64_t hint(uint64_t h, int64_t v)
{
    return an_hash(h, &v, sizeof(v));
}

uint64_t an_event_ident(const struct an_data *d, size_t i, uint32_t occ)
{
    const struct an_event *e = &d->events[i];
    const struct an_ticket *t = &d->tickets[e->ticket];
    uint64_t h = AN_HASH_INIT;

    h = hstr(h, an_str(d, t->client));
    h = hstr(h, an_str(d, t->key));
    h = hint(h, e->t_ms);
    h = hint(h, e->kind);
    h = hstr(h, an_str(d, e->group));
    h = hstr(h, an_str(d, e->agent));
    h = hint(h, e->flags);
    h = hint(h, e->state);
    h = hint(h, e->priority);
    h = hstr(h, an_str(d, e->category));
    h = hstr(h, an_str(d, e->subcategory));
    h = hstr(h, an_str(d, e->text));
    h = hint(h, occ);
    /* SQLite integers are signed; keep the full 64 bits. */
    return h;
}

static int same_event(const struct an_event *a, const struct an_event *b)
{
    return a->ticket == b->ticket && a->t_ms == b->t_ms && a->kind == b->kind &&
           a->group == b->group && a->agent == b->agent && a->flags == b->flags &&
           a->state == b->state && a->priority == b->priority && a->category == b->category &&
           a->subcategory == b->subcategory && a->text == b->text;
}

static void bind_str(sqlite3_stmt *s, int col, const struct an_data *d, uint32_t id)
{
    if (id) {
        sqlite3_bind_text(s, col, an_str(d, id), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(s, col);
    }
}

static void bind_opt_int(sqlite3_stmt *s, int col, int present, int64_t v)
{
    if (present) {
        sqlite3_bind_int64(s, col, v);
    } else {
        sqlite3_bind_null(s, col);
    }
}

static int step_done(struct hd_store *st, sqlite3_stmt *s, struct hd_err *err, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return hd_store_fail(st, err, what);
    }
    return HD_OK;
}

/* Bind ticket `t`'s TK_COLS values from parameter `base` + 1 on. */
static void bind_ticket(sqlite3_stmt *s, int base, const struct an_data *d,
                        const struct an_ticket *t)
{
    sqlite3_bind_text(s, base + 1, an_str(d, t->client), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, base + 2, an_str(d, t->key), -1, SQLITE_STATIC);
    bind_str(s, base + 3, d, t->title);
    bind_str(s, base + 4, d, t->description);
    bind_str(s, base + 5, d, t->category);
    bind_str(s, base + 6, d, t->subcategory);
    bind_opt_int(s, base + 7, t->priority != 0, t->priority);
    bind_str(s, base + 8, d, t->requester);
    bind_str(s, base + 9, d, t->requester_tier);
    bind_str(s, base + 10, d, t->asset);
    bind_str(s, base + 11, d, t->asset_class);
    bind_str(s, base + 12, d, t->channel);
    bind_opt_int(s, base + 13, t->opened_ms != AN_TIME_NONE, t->opened_ms);
    bind_opt_int(s, base + 14, t->src_reassignment_count >= 0, t->src_reassignment_count);
    bind_opt_int(s, base + 15, t->src_reopen_count >= 0, t->src_reopen_count);
    bind_opt_int(s, base + 16, t->src_made_sla >= 0, t->src_made_sla);
}

/* Upsert one ticket (`up`, the statement with RETURNING id) and set its db_id. */
static int upsert_ticket(struct hd_store *st, sqlite3_stmt *up, const struct an_data *d,
                         struct an_ticket *t, struct hd_err *err)
{
    bind_ticket(up, 0, d, t);
    if (sqlite3_step(up) != SQLITE_ROW) {
        sqlite3_reset(up);
        return hd_store_fail(st, err, "saving ticket");
    }
    t->db_id = sqlite3_column_int64(up, 0);
    sqlite3_reset(up);
    return HD_OK;
}

/*
 * Save the TK_BATCH tickets `tix` with one INSERT that skips known tickets
 * (`many`). When all were new their ids are the consecutive rowids the
 * statement gave; otherwise every ticket of the batch goes through the
 * upsert, which merges a known ticket's attributes and changes nothing in
 * a row just inserted with the same values.
 */
static int save_tickets(struct hd_store *st, sqlite3_stmt *many, sqlite3_stmt *up,
                        struct an_data *d, const uint32_t *tix, struct hd_err *err)
{
    sqlite3 *db = hd_store_db(st);
    int rc;

    for (int k = 0; k < TK_BATCH; k++) {
        bind_ticket(many, k * TK_COLS, d, &d->tickets[tix[k]]);
    }
    rc = step_done(st, many, err, "saving ticket");
    if (rc) {
        return rc;
    }
    if (sqlite3_changes(db) == TK_BATCH) {
        int64_t last = sqlite3_last_insert_rowid(db);
        for (int k = 0; k < TK_BATCH; k++) {
            d->tickets[tix[k]].db_id = last - TK_BATCH + 1 + k;
        }
        return HD_OK;
    }
    for (int k = 0; k < TK_BATCH && !rc; k++) {
        rc = upsert_ticket(st, up, d, &d->tickets[tix[k]], err);
    }
    return rc;
}

/* One event waiting for its INSERT: its index in `d` and occurrence number. */
struct pending_event {
    size_t i;
    uint32_t occ;
};

/* Bind event p's EV_COLS values from parameter `base` + 1 on. */
static void bind_event(sqlite3_stmt *ev, int base, const struct an_data *d,
                       const struct pending_event *p, int64_t source_id)
{
    const struct an_event *e = &d->events[p->i];
    int assigned = e->kind == HD_KIND_ASSIGNED, note = e->kind == HD_KIND_NOTE;

    sqlite3_bind_int64(ev, base + 1, d->tickets[e->ticket].db_id);
    sqlite3_bind_int64(ev, base + 2, e->t_ms);
    sqlite3_bind_text(ev, base + 3, hd_kind_name(e->kind), -1, SQLITE_STATIC);
    if (assigned && (e->flags & AN_EV_GROUP)) {
        sqlite3_bind_text(ev, base + 4, an_str(d, e->group), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(ev, base + 4);
    }
    if (assigned && (e->flags & AN_EV_AGENT)) {
        sqlite3_bind_text(ev, base + 5, an_str(d, e->agent), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(ev, base + 5);
    }
    if (e->state) {
        sqlite3_bind_text(ev, base + 6, hd_state_name(e->state), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(ev, base + 6);
    }
    bind_opt_int(ev, base + 7, e->priority != 0, e->priority);
    bind_str(ev, base + 8, d, e->category);
    bind_str(ev, base + 9, d, e->subcategory);
    bind_str(ev, base + 10, d, note ? e->text : 0);
    bind_opt_int(ev, base + 11, note, (e->flags & AN_EV_PUBLIC) != 0);
    bind_str(ev, base + 12, d, e->kind == HD_KIND_LINKED ? e->text : 0);
    bind_str(ev, base + 13, d, e->kind == HD_KIND_ESCALATED ? e->text : 0);
    sqlite3_bind_int64(ev, base + 14, source_id);
    sqlite3_bind_int64(ev, base + 15, e->line);
    sqlite3_bind_int64(ev, base + 16, e->ord);
    sqlite3_bind_int64(ev, base + 17, (sqlite3_int64)an_event_ident(d, p->i, p->occ));
}

/*
 * Insert the n events `p` with `ev`, a statement of n rows that ignores
 * known events, and count them. The rows one statement inserts get
 * consecutive new rowids, so when all were new their ids follow from the
 * last one; when only some were, each event's id is looked up (`find`)
 * and kept if it is one of those just given.
 */
static int save_events(struct hd_store *st, sqlite3_stmt *ev, sqlite3_stmt *find, struct an_data *d,
                       const struct pending_event *p, int n, int64_t source_id,
                       struct an_save_stats *out, struct hd_err *err)
{
    sqlite3 *db = hd_store_db(st);
    int rc, changes;
    int64_t last;

    for (int k = 0; k < n; k++) {
        bind_event(ev, k * EV_COLS, d, &p[k], source_id);
    }
    rc = step_done(st, ev, err, "saving event");
    if (rc) {
        return rc;
    }
    changes = sqlite3_changes(db);
    last = sqlite3_last_insert_rowid(db);
    out->events_new += (uint64_t)changes;
    out->events_known += (uint64_t)(n - changes);
    int64_t *ids = an_data_event_ids(d);
    if (changes == n) {
        for (int k = 0; k < n; k++) {
            ids[p[k].i] = last - n + 1 + k;
        }
        return HD_OK;
    }
    for (int k = 0; k < n && changes > 0; k++) {
        struct an_event *e = &d->events[p[k].i];
        sqlite3_bind_int64(find, 1, d->tickets[e->ticket].db_id);
        sqlite3_bind_int64(find, 2, (sqlite3_int64)an_event_ident(d, p[k].i, p[k].occ));
        int step = sqlite3_step(find);
        if (step == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(find, 0);
            if (id > last - changes && id <= last) {
                ids[p[k].i] = id;
            }
        }
        sqlite3_reset(find);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            return hd_store_fail(st, err, "saving event");
        }
    }
    return HD_OK;
}

/* The columns every events INSERT names, in bind_event's order. */
#define EV_INSERT                                                                                  \
    "INSERT OR IGNORE INTO events(ticket_id, t_ms, kind, grp, agent, state, priority,"             \
    " category, subcategory, note, public, linked, target, source_id, line, ord, ident)"           \
    " VALUES"
#define TK_INSERT                                                                                  \
    "INSERT INTO tickets(client, key, title, description, category, subcategory,"                  \
    " priority, requester, requester_tier, asset, asset_class, channel, opened_ms,"                \
    " src_reassignment_count, src_reopen_count, src_made_sla) VALUES"

int an_save(struct hd_store *st, struct an_data *d, const struct an_ingest_result *res,
            const char *client, struct an_save_stats *out, struct hd_err *err)
{
    sqlite3_stmt *src = NULL, *old = NULL, *cnt = NULL, *tk = NULL, *tkm = NULL, *ev = NULL,
                 *evm = NULL, *find = NULL, *rj = NULL, *fin = NULL;
    int64_t source_id, stored_before = 0;
    int rc;
    size_t in_batch = 0;
    uint32_t tix[TK_BATCH];
    int ntix = 0;
    struct pending_event pend[EV_BATCH];
    int npend = 0, fk_off = 0;

    memset(out, 0, sizeof(*out));
    an_data_finish(d);
    rc = hd_store_prepare(
        st,
        "INSERT INTO sources(path, digest, bytes, profile, client) VALUES(?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT(digest, profile, client) DO UPDATE SET path = excluded.path"
        " RETURNING id, complete",
        &src, err);
    if (!rc) {
        rc = hd_store_prepare(
            st, "SELECT id FROM sources WHERE digest = ?1 AND profile = ?2 AND client = ?3", &old,
            err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, "SELECT count(*) FROM events WHERE source_id = ?1", &cnt, err);
    }
    if (!rc) {
        rc = hd_store_prepare(
            st,
            TK_INSERT "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
                      " ON CONFLICT(client, key) DO UPDATE SET"
                      " title = coalesce(title, excluded.title),"
                      " description = coalesce(description, excluded.description),"
                      " category = coalesce(excluded.category, category),"
                      " subcategory = coalesce(excluded.subcategory, subcategory),"
                      " priority = coalesce(excluded.priority, priority),"
                      " requester = coalesce(requester, excluded.requester),"
                      " requester_tier = coalesce(requester_tier, excluded.requester_tier),"
                      " asset = coalesce(asset, excluded.asset),"
                      " asset_class = coalesce(asset_class, excluded.asset_class),"
                      " channel = coalesce(channel, excluded.channel),"
                      " opened_ms = min(coalesce(opened_ms, excluded.opened_ms),"
                      "                 coalesce(excluded.opened_ms, opened_ms)),"
                      " src_reassignment_count = coalesce(excluded.src_reassignment_count,"
                      "                                   src_reassignment_count),"
                      " src_reopen_count = coalesce(excluded.src_reopen_count, src_reopen_count),"
                      " src_made_sla = coalesce(excluded.src_made_sla, src_made_sla)"
                      " RETURNING id",
            &tk, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              TK_INSERT TK_VALUES8 "," TK_VALUES8 "," TK_VALUES8 "," TK_VALUES8
                                                   " ON CONFLICT(client, key) DO NOTHING",
                              &tkm, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, EV_INSERT "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &ev, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              EV_INSERT EV_VALUES8 "," EV_VALUES8 "," EV_VALUES8 "," EV_VALUES8
                                                   "," EV_VALUES8 "," EV_VALUES8 "," EV_VALUES8
                                                   "," EV_VALUES8,
                              &evm, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st, "SELECT id FROM events WHERE ticket_id = ?1 AND ident = ?2",
                              &find, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              "INSERT OR IGNORE INTO rejects(source_id, line, reason, raw)"
                              " VALUES(?1, ?2, ?3, ?4)",
                              &rj, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              "UPDATE sources SET rows_read = ?2, rows_used = ?3,"
                              " rows_rejected = ?4, rows_duplicate = ?5, events_new = ?10,"
                              " events_known = ?6 - ?10, tickets = ?7, first_ms = ?8,"
                              " last_ms = ?9, complete = 1 WHERE id = ?1",
                              &fin, err);
    }
    if (rc) {
        goto out;
    }
    /* Every ticket_id and source_id written below is an id that this
     * function has just read back from the same transaction, so the
     * foreign-key checks, two parent lookups per event, would only repeat
     * that (they were a third of the store time). The pragma is a no-op
     * inside a transaction, hence before BEGIN; it is restored at out. */
    rc = hd_store_exec(st, "PRAGMA foreign_keys=OFF", err);
    if (rc) {
        goto out;
    }
    fk_off = 1;
    rc = hd_store_begin(st, err);
    if (!rc) {
        /* Derived tables are stale from the first saved event until
         * an_derive_save() rebuilds them (analyzer/derive.h). */
        rc = hd_store_exec(
            st, "INSERT OR REPLACE INTO meta(key, value) VALUES('derived_stale', '1')", err);
    }
    if (rc) {
        goto out;
    }
    /* A source seen before (an interrupted or a repeated ingest) may have
     * stored events already; they count as this source's new events. The
     * count scans the events, so a first ingest of a file skips it. */
    sqlite3_bind_text(old, 1, res->digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(old, 2, d->sources[res->source].profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(old, 3, client ? client : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(old);
    if (rc == SQLITE_ROW) {
        sqlite3_bind_int64(cnt, 1, sqlite3_column_int64(old, 0));
        if (sqlite3_step(cnt) != SQLITE_ROW) {
            rc = hd_store_fail(st, err, "counting events");
            goto out;
        }
        stored_before = sqlite3_column_int64(cnt, 0);
    } else if (rc != SQLITE_DONE) {
        rc = hd_store_fail(st, err, "reading sources");
        goto out;
    }
    rc = HD_OK;
    sqlite3_bind_text(src, 1, d->sources[res->source].path, -1, SQLITE_STATIC);
    sqlite3_bind_text(src, 2, res->digest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(src, 3, (sqlite3_int64)res->bytes);
    sqlite3_bind_text(src, 4, d->sources[res->source].profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(src, 5, client ? client : "", -1, SQLITE_STATIC);
    if (sqlite3_step(src) != SQLITE_ROW) {
        rc = hd_store_fail(st, err, "saving source");
        goto out;
    }
    source_id = sqlite3_column_int64(src, 0);
    out->source_was_complete = sqlite3_column_int(src, 1);
    sqlite3_reset(src);
    d->sources[res->source].db_id = source_id;

    for (size_t r = 0; r < res->nrejects; r++) {
        const struct an_reject *x = &res->rejects[r];
        char reason[600];
        snprintf(reason, sizeof(reason), "%s: %s", an_reject_reason_name(x->reason), x->detail);
        sqlite3_bind_int64(rj, 1, source_id);
        sqlite3_bind_int64(rj, 2, x->line);
        sqlite3_bind_text(rj, 3, reason, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(rj, 4, x->raw, -1, SQLITE_STATIC);
        rc = step_done(st, rj, err, "saving reject");
        if (rc) {
            goto out;
        }
    }

    /* Every ticket first (they are few beside the events), then the events
     * in ticket order: ids are given in the same order as row by row. */
    for (size_t ti = 0; ti < d->ntickets && !rc; ti++) {
        if (!d->tickets[ti].nevents) {
            continue;
        }
        tix[ntix++] = (uint32_t)ti;
        if (ntix == TK_BATCH) {
            rc = save_tickets(st, tkm, tk, d, tix, err);
            ntix = 0;
        }
    }
    for (int k = 0; k < ntix && !rc; k++) {
        rc = upsert_ticket(st, tk, d, &d->tickets[tix[k]], err);
    }
    if (rc) {
        goto out;
    }

    for (size_t ti = 0; ti < d->ntickets; ti++) {
        const struct an_ticket *t = &d->tickets[ti];
        for (size_t i = t->first; i < (size_t)t->first + t->nevents; i++) {
            const struct an_event *e = &d->events[i];
            uint32_t occ = 0;
            if (e->source != res->source) {
                continue;
            }
            for (size_t j = i; j-- > t->first && d->events[j].t_ms == e->t_ms;) {
                occ += same_event(&d->events[j], e);
            }
            pend[npend].i = i;
            pend[npend].occ = occ;
            if (++npend < EV_BATCH) {
                continue;
            }
            rc = save_events(st, evm, find, d, pend, npend, source_id, out, err);
            if (rc) {
                goto out;
            }
            in_batch += (size_t)npend;
            npend = 0;
            if (in_batch >= BATCH_EVENTS) {
                rc = hd_store_commit(st, err);
                if (!rc) {
                    rc = hd_store_begin(st, err);
                }
                if (rc) {
                    goto out;
                }
                in_batch = 0;
            }
        }
    }
    for (int k = 0; k < npend && !rc; k++) {
        rc = save_events(st, ev, find, d, &pend[k], 1, source_id, out, err);
    }
    if (rc) {
        goto out;
    }
    sqlite3_bind_int64(fin, 1, source_id);
    sqlite3_bind_int64(fin, 2, (sqlite3_int64)res->rows_read);
    sqlite3_bind_int64(fin, 3, (sqlite3_int64)res->rows_used);
    sqlite3_bind_int64(fin, 4, (sqlite3_int64)res->rows_rejected);
    sqlite3_bind_int64(fin, 5, (sqlite3_int64)res->rows_duplicate);
    sqlite3_bind_int64(fin, 6, (sqlite3_int64)res->events);
    sqlite3_bind_int64(fin, 7, (sqlite3_int64)res->tickets);
    bind_opt_int(fin, 8, res->first_ms != AN_TIME_NONE, res->first_ms);
    bind_opt_int(fin, 9, res->first_ms != AN_TIME_NONE, res->last_ms);
    sqlite3_bind_int64(fin, 10, stored_before + (sqlite3_int64)out->events_new);
    rc = step_done(st, fin, err, "saving source");
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
    sqlite3_finalize(src);
    sqlite3_finalize(old);
    sqlite3_finalize(cnt);
    sqlite3_finalize(tk);
    sqlite3_finalize(tkm);
    sqlite3_finalize(ev);
    sqlite3_finalize(evm);
    sqlite3_finalize(find);
    sqlite3_finalize(rj);
    sqlite3_finalize(fin);
    return rc;
}
