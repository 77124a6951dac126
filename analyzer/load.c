/*
 * Store -> dataset: tickets and events in one scan each. Events come in rowid
 * order (ingest writes them ticket by ticket) and an_data_finish() puts them
 * in event order in O(n); an ORDER BY here made SQLite sort them again.
 */
#include "analyzer/load.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/store.h"

static uint32_t col_id(struct an_data *d, sqlite3_stmt *s, int col)
{
    const unsigned char *v = sqlite3_column_text(s, col);
    return v ? hd_intern_id(d->strs, (const char *)v, (size_t)sqlite3_column_bytes(s, col)) : 0;
}

static int32_t col_int(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? -1 : sqlite3_column_int(s, col);
}

int an_load(struct hd_store *st, struct an_data *d, struct hd_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc, step;
    uint32_t *smap = NULL;
    size_t smap_n = 0;
    /* tickets.id -> dataset index, through a dense table. */
    uint32_t *map = NULL;
    size_t map_n = 0;

    /* Sources in id order, so the dataset's source index orders like the id. */
    rc = hd_store_prepare(st, "SELECT id, path, profile, complete FROM sources ORDER BY id", &s,
                          err);
    if (rc) {
        return rc;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        if (!sqlite3_column_int(s, 3)) {
            /* A killed or failed ingest (analyzer/save.h): never present part of
             * a file as the whole of it. */
            const char *path = (const char *)sqlite3_column_text(s, 1);
            rc = hd_err_set(err, HD_EINPUT, hd_store_path(st), 0,
                            "source '%s' was not ingested completely (interrupted, or the disk "
                            "was full); run 'handoff ingest %s' again to complete it",
                            path ? path : "", path ? path : "FILE");
            goto out;
        }
        uint32_t si = an_data_add_source(d, (const char *)sqlite3_column_text(s, 1),
                                         (const char *)sqlite3_column_text(s, 2));
        if (id >= 0 && (size_t)id >= smap_n) {
            size_t n = (size_t)id * 2 + 16;
            smap = hd_xrealloc(smap, n * sizeof(*smap));
            memset(smap + smap_n, 0, (n - smap_n) * sizeof(*smap));
            smap_n = n;
        }
        smap[id] = si;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (step != SQLITE_DONE) {
        rc = hd_store_fail(st, err, "loading sources");
        goto out;
    }
    rc = hd_store_prepare(st,
                          "SELECT id, client, key, title, description, category, subcategory,"
                          " priority, requester, requester_tier, asset, asset_class, channel,"
                          " opened_ms, src_reassignment_count, src_reopen_count, src_made_sla"
                          " FROM tickets ORDER BY id",
                          &s, err);
    if (rc) {
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        uint32_t ti = an_data_ticket(d, col_id(d, s, 1), col_id(d, s, 2));
        struct an_ticket *t = &d->tickets[ti];
        t->db_id = id;
        t->title = col_id(d, s, 3);
        t->description = col_id(d, s, 4);
        t->category = col_id(d, s, 5);
        t->subcategory = col_id(d, s, 6);
        t->priority = col_int(s, 7) > 0 ? col_int(s, 7) : 0;
        t->requester = col_id(d, s, 8);
        t->requester_tier = col_id(d, s, 9);
        t->asset = col_id(d, s, 10);
        t->asset_class = col_id(d, s, 11);
        t->channel = col_id(d, s, 12);
        t->opened_ms =
            sqlite3_column_type(s, 13) == SQLITE_NULL ? AN_TIME_NONE : sqlite3_column_int64(s, 13);
        t->src_reassignment_count = col_int(s, 14);
        t->src_reopen_count = col_int(s, 15);
        t->src_made_sla = col_int(s, 16);
        if (id >= 0 && (size_t)id >= map_n) {
            size_t n = (size_t)id * 2 + 16;
            map = hd_xrealloc(map, n * sizeof(*map));
            memset(map + map_n, 0xff, (n - map_n) * sizeof(*map));
            map_n = n;
        }
        map[id] = ti;
    }
    if (step != SQLITE_DONE) {
        rc = hd_store_fail(st, err, "loading tickets");
        goto out;
    }
    sqlite3_finalize(s);
    rc = hd_store_prepare(st, "SELECT count(*) FROM events", &s, err);
    if (rc) {
        goto out;
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        an_data_reserve(d, (size_t)sqlite3_column_int64(s, 0));
    }
    sqlite3_finalize(s);
    s = NULL;
    rc = hd_store_prepare(st,
                          "SELECT ticket_id, t_ms, kind, grp, agent, state, priority, category,"
                          " subcategory, note, public, linked, target, line, ord, id, source_id"
                          " FROM events",
                          &s, err);
    if (rc) {
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct an_event e;
        int64_t tid = sqlite3_column_int64(s, 0);
        const unsigned char *kind = sqlite3_column_text(s, 2);
        const unsigned char *state = sqlite3_column_text(s, 5);

        memset(&e, 0, sizeof(e));
        if (tid < 0 || (size_t)tid >= map_n || map[tid] == UINT32_MAX) {
            continue; /* foreign keys make this impossible */
        }
        e.ticket = map[tid];
        e.t_ms = sqlite3_column_int64(s, 1);
        e.kind =
            (uint8_t)hd_kind_from_name((const char *)kind, kind ? strlen((const char *)kind) : 0);
        if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
            e.group = col_id(d, s, 3);
            e.flags |= AN_EV_GROUP;
        }
        if (sqlite3_column_type(s, 4) != SQLITE_NULL) {
            e.agent = col_id(d, s, 4);
            e.flags |= AN_EV_AGENT;
        }
        e.state =
            (uint8_t)(state ? hd_state_from_name((const char *)state, strlen((const char *)state))
                            : 0);
        e.priority = (uint8_t)(col_int(s, 6) > 0 ? col_int(s, 6) : 0);
        e.category = col_id(d, s, 7);
        e.subcategory = col_id(d, s, 8);
        if (e.kind == HD_KIND_NOTE) {
            e.text = col_id(d, s, 9);
            if (col_int(s, 10) == 1) {
                e.flags |= AN_EV_PUBLIC;
            }
        } else if (e.kind == HD_KIND_LINKED) {
            e.text = col_id(d, s, 11);
        } else if (e.kind == HD_KIND_ESCALATED) {
            e.text = col_id(d, s, 12);
        }
        e.line = (uint32_t)sqlite3_column_int64(s, 13);
        e.ord = (uint32_t)sqlite3_column_int64(s, 14);
        e.db_id = sqlite3_column_int64(s, 15);
        int64_t sid = sqlite3_column_int64(s, 16);
        e.source = sid >= 0 && (size_t)sid < smap_n ? smap[sid] : 0;
        an_data_add_event(d, &e);
    }
    if (step != SQLITE_DONE) {
        rc = hd_store_fail(st, err, "loading events");
        goto out;
    }
out:
    sqlite3_finalize(s);
    free(map);
    free(smap);
    return rc;
}
