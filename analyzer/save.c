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

#define BATCH_EVENTS 200000

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

static int step_done(struct hd_store *st, sqlite3_stmt *s, struct hd_err *err, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return hd_store_fail(st, err, what);
    }
    return HD_OK;
}

static int save_ticket(struct hd_store *st, sqlite3_stmt *s, struct an_data *d, struct an_ticket *t,
                       struct hd_err *err)
{
    int rc;

    sqlite3_bind_text(s, 1, an_str(d, t->client), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, an_str(d, t->key), -1, SQLITE_STATIC);
    bind_str(s, 3, d, t->title);
    bind_str(s, 4, d, t->description);
    bind_str(s, 5, d, t->category);
    bind_str(s, 6, d, t->subcategory);
    if (t->priority) {
        sqlite3_bind_int(s, 7, t->priority);
    } else {
        sqlite3_bind_null(s, 7);
    }
    bind_str(s, 8, d, t->requester);
    bind_str(s, 9, d, t->requester_tier);
    bind_str(s, 10, d, t->asset);
    bind_str(s, 11, d, t->asset_class);
    bind_str(s, 12, d, t->channel);
    if (t->opened_ms != AN_TIME_NONE) {
        sqlite3_bind_int64(s, 13, t->opened_ms);
    } else {
        sqlite3_bind_null(s, 13);
    }
    int32_t counters[3] = {t->src_reassignment_count, t->src_reopen_count, t->src_made_sla};
    for (int k = 0; k < 3; k++) {
        if (counters[k] >= 0) {
            sqlite3_bind_int(s, 14 + k, counters[k]);
        } else {
            sqlite3_bind_null(s, 14 + k);
        }
    }
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return hd_store_fail(st, err, "saving ticket");
    }
    t->db_id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return HD_OK;
}

int an_save(struct hd_store *st, struct an_data *d, const struct an_ingest_result *res,
            const char *client, struct an_save_stats *out, struct hd_err *err)
{
    sqlite3 *db = hd_store_db(st);
    sqlite3_stmt *src = NULL, *tk = NULL, *ev = NULL, *rj = NULL, *fin = NULL;
    int64_t source_id;
    int rc;
    size_t in_batch = 0;

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
            st,
            "INSERT INTO tickets(client, key, title, description, category, subcategory,"
            " priority, requester, requester_tier, asset, asset_class, channel, opened_ms,"
            " src_reassignment_count, src_reopen_count, src_made_sla)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
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
                              "INSERT OR IGNORE INTO events(ticket_id, t_ms, kind, grp, agent,"
                              " state, priority, category, subcategory, note, public, linked,"
                              " target, source_id, line, ord, ident)"
                              " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                              " ?14, ?15, ?16, ?17)",
                              &ev, err);
    }
    if (!rc) {
        rc = hd_store_prepare(st,
                              "INSERT OR IGNORE INTO rejects(source_id, line, reason, raw)"
                              " VALUES(?1, ?2, ?3, ?4)",
                              &rj, err);
    }
    if (!rc) {
        rc = hd_store_prepare(
            st,
            "UPDATE sources SET rows_read = ?2, rows_used = ?3, rows_rejected = ?4,"
            " rows_duplicate = ?5,"
            " events_new = (SELECT count(*) FROM events WHERE source_id = ?1),"
            " events_known = ?6 - (SELECT count(*) FROM events WHERE source_id = ?1),"
            " tickets = ?7, first_ms = ?8, last_ms = ?9, complete = 1 WHERE id = ?1",
            &fin, err);
    }
    if (rc) {
        goto out;
    }
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

    for (size_t ti = 0; ti < d->ntickets; ti++) {
        struct an_ticket *t = &d->tickets[ti];
        if (!t->nevents) {
            continue;
        }
        rc = save_ticket(st, tk, d, t, err);
        if (rc) {
            goto out;
        }
        for (size_t i = t->first; i < (size_t)t->first + t->nevents; i++) {
            struct an_event *e = &d->events[i];
            uint32_t occ = 0;
            if (e->source != res->source) {
                continue;
            }
            for (size_t j = i; j-- > t->first && d->events[j].t_ms == e->t_ms;) {
                occ += same_event(&d->events[j], e);
            }
            sqlite3_bind_int64(ev, 1, t->db_id);
            sqlite3_bind_int64(ev, 2, e->t_ms);
            sqlite3_bind_text(ev, 3, hd_kind_name(e->kind), -1, SQLITE_STATIC);
            if (e->kind == HD_KIND_ASSIGNED && (e->flags & AN_EV_GROUP)) {
                sqlite3_bind_text(ev, 4, an_str(d, e->group), -1, SQLITE_STATIC);
            } else {
                sqlite3_bind_null(ev, 4);
            }
            if (e->kind == HD_KIND_ASSIGNED && (e->flags & AN_EV_AGENT)) {
                sqlite3_bind_text(ev, 5, an_str(d, e->agent), -1, SQLITE_STATIC);
            } else {
                sqlite3_bind_null(ev, 5);
            }
            if (e->state) {
                sqlite3_bind_text(ev, 6, hd_state_name(e->state), -1, SQLITE_STATIC);
            } else {
                sqlite3_bind_null(ev, 6);
            }
            if (e->priority) {
                sqlite3_bind_int(ev, 7, e->priority);
            } else {
                sqlite3_bind_null(ev, 7);
            }
            bind_str(ev, 8, d, e->category);
            bind_str(ev, 9, d, e->subcategory);
            bind_str(ev, 10, d, e->kind == HD_KIND_NOTE ? e->text : 0);
            if (e->kind == HD_KIND_NOTE) {
                sqlite3_bind_int(ev, 11, (e->flags & AN_EV_PUBLIC) != 0);
            } else {
                sqlite3_bind_null(ev, 11);
            }
            bind_str(ev, 12, d, e->kind == HD_KIND_LINKED ? e->text : 0);
            bind_str(ev, 13, d, e->kind == HD_KIND_ESCALATED ? e->text : 0);
            sqlite3_bind_int64(ev, 14, source_id);
            sqlite3_bind_int64(ev, 15, e->line);
            sqlite3_bind_int64(ev, 16, e->ord);
            sqlite3_bind_int64(ev, 17, (sqlite3_int64)an_event_ident(d, i, occ));
            rc = step_done(st, ev, err, "saving event");
            if (rc) {
                goto out;
            }
            if (sqlite3_changes(db)) {
                out->events_new++;
                e->db_id = sqlite3_last_insert_rowid(db);
            } else {
                out->events_known++;
            }
            if (++in_batch >= BATCH_EVENTS) {
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
    sqlite3_bind_int64(fin, 1, source_id);
    sqlite3_bind_int64(fin, 2, (sqlite3_int64)res->rows_read);
    sqlite3_bind_int64(fin, 3, (sqlite3_int64)res->rows_used);
    sqlite3_bind_int64(fin, 4, (sqlite3_int64)res->rows_rejected);
    sqlite3_bind_int64(fin, 5, (sqlite3_int64)res->rows_duplicate);
    sqlite3_bind_int64(fin, 6, (sqlite3_int64)res->events);
    sqlite3_bind_int64(fin, 7, (sqlite3_int64)res->tickets);
    if (res->first_ms != AN_TIME_NONE) {
        sqlite3_bind_int64(fin, 8, res->first_ms);
        sqlite3_bind_int64(fin, 9, res->last_ms);
    } else {
        sqlite3_bind_null(fin, 8);
        sqlite3_bind_null(fin, 9);
    }
    rc = step_done(st, fin, err, "saving source");
    if (!rc) {
        rc = hd_store_commit(st, err);
    }
out:
    if (rc) {
        hd_store_rollback(st);
    }
    sqlite3_finalize(src);
    sqlite3_finalize(tk);
    sqlite3_finalize(ev);
    sqlite3_finalize(rj);
    sqlite3_finalize(fin);
    return rc;
}
