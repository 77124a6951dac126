/*
 * Store -> dataset: tickets and events in one scan each. Events come in rowid
 * order (ingest writes them ticket by ticket) and an_data_finish() puts them
 * in event order in O(n); an ORDER BY here made SQLite sort them again.
 * Large databases are read by two threads, each over half of the events'
 * rowids on its own connection; the result is the same as one scan's.
 */
#include "analyzer/load.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---- events -------------------------------------------------------------- */

/*
 * The columns of an event that are interned, in the order the one-scan
 * loader interned them (group, agent, category, subcategory, text): ids are
 * handed out in first-seen order, and the merge below must see the strings
 * in the same order to hand out the same ids.
 */
enum { EV_GROUP, EV_AGENT, EV_CATEGORY, EV_SUBCATEGORY, EV_TEXT, EV__NSTR };

/*
 * The last string seen in one column and its id: consecutive events repeat
 * their group, category and subcategory, and comparing a few bytes is cheaper
 * than hashing them again. Only a shortcut: it returns the id interning would.
 */
struct col_cache {
    const char *s; /* the interned copy; NULL when empty */
    size_t len;
    uint32_t id;
};

/*
 * A reader of the events with rowid in (lo, hi]. The main reader interns
 * into the dataset and appends events, at most `cap` of them. A worker has
 * its own connection and string table (ids local to it) and writes event
 * rowid k to slot[k - lo - 1] of the dataset's array, which the main reader
 * never reaches; it leaves the raw tickets.id in `ticket` (UINT32_MAX when
 * too large) for an_load to map when it merges after the main reader.
 */
struct ev_reader {
    struct hd_store *st;
    int64_t lo, hi;
    struct an_data *d;      /* the main reader's dataset; NULL for a worker */
    struct hd_intern *strs; /* where strings go: d->strs, or the worker's own */
    const uint32_t *map;    /* main reader: tickets.id -> dataset index */
    size_t map_n;
    const uint32_t *smap; /* sources.id -> dataset source index */
    size_t smap_n;
    struct col_cache cache[EV__NSTR];
    size_t cap;            /* main reader: room before the worker's slots */
    struct an_event *slot; /* worker: where its rows go */
    size_t n;              /* events read */
    int overflow;          /* main: more rows than cap; worker: a rowid out of range */
    uint32_t *lens;        /* worker: byte length per local string id */
    size_t lens_alloc;
    struct hd_err *err; /* the caller's (main reader), or &own_err (worker) */
    struct hd_err own_err;
    int rc;
};

static uint32_t ev_str(struct ev_reader *r, int which, sqlite3_stmt *s, int col)
{
    const char *v = (const char *)sqlite3_column_text(s, col);
    struct col_cache *c = &r->cache[which];
    size_t len;
    uint32_t id, count;

    if (!v) {
        return 0;
    }
    len = (size_t)sqlite3_column_bytes(s, col);
    if (c->s && c->len == len && !memcmp(c->s, v, len)) {
        return c->id;
    }
    count = hd_intern_count(r->strs);
    id = hd_intern_id(r->strs, v, len);
    if (!r->d && id > count) { /* a worker's new string: keep its length */
        if (id >= r->lens_alloc) {
            HD_GROW(r->lens, r->lens_alloc, (size_t)id + 1);
        }
        r->lens[id] = (uint32_t)len;
    }
    if (id) {
        c->s = hd_intern_str(r->strs, id);
        c->len = len;
        c->id = id;
    }
    return id;
}

/* The value of a small integer column, -1 for NULL (one column call for both). */
static int32_t ev_int(sqlite3_stmt *s, int col)
{
    sqlite3_value *v = sqlite3_column_value(s, col);
    return sqlite3_value_type(v) == SQLITE_NULL ? -1 : sqlite3_value_int(v);
}

static int read_events(struct ev_reader *r)
{
    sqlite3_stmt *s = NULL;
    int rc, step;
    /* kind and state are a few names over and over: parse each run once. */
    char last_kind[16], last_state[16];
    int have_kind = 0, have_state = 0;
    uint8_t kind = 0, state = 0;

    rc = hd_store_prepare(r->st,
                          "SELECT ticket_id, t_ms, kind, grp, agent, state, priority, category,"
                          " subcategory, note, public, linked, target, line, ord, id, source_id"
                          " FROM events WHERE id > ?1 AND id <= ?2",
                          &s, r->err);
    if (rc) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, r->lo);
    sqlite3_bind_int64(s, 2, r->hi);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct an_event e;
        int64_t tid = sqlite3_column_int64(s, 0);
        const char *k = (const char *)sqlite3_column_text(s, 2);
        const char *st = (const char *)sqlite3_column_text(s, 5);
        int32_t prio;

        memset(&e, 0, sizeof(e));
        if (r->d) {
            if (tid < 0 || (size_t)tid >= r->map_n || r->map[tid] == UINT32_MAX) {
                continue; /* foreign keys make this impossible */
            }
            e.ticket = r->map[tid];
        }
        e.t_ms = sqlite3_column_int64(s, 1);
        if (!k) {
            e.kind = (uint8_t)hd_kind_from_name("", 0);
        } else {
            if (!have_kind || strcmp(k, last_kind)) {
                size_t len = strlen(k);
                kind = (uint8_t)hd_kind_from_name(k, len);
                have_kind = len < sizeof(last_kind);
                if (have_kind) {
                    memcpy(last_kind, k, len + 1);
                }
            }
            e.kind = kind;
        }
        if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
            e.group = ev_str(r, EV_GROUP, s, 3);
            e.flags |= AN_EV_GROUP;
        }
        if (sqlite3_column_type(s, 4) != SQLITE_NULL) {
            e.agent = ev_str(r, EV_AGENT, s, 4);
            e.flags |= AN_EV_AGENT;
        }
        if (st) {
            if (!have_state || strcmp(st, last_state)) {
                size_t len = strlen(st);
                state = (uint8_t)hd_state_from_name(st, len);
                have_state = len < sizeof(last_state);
                if (have_state) {
                    memcpy(last_state, st, len + 1);
                }
            }
            e.state = state;
        }
        prio = ev_int(s, 6);
        e.priority = (uint8_t)(prio > 0 ? prio : 0);
        e.category = ev_str(r, EV_CATEGORY, s, 7);
        e.subcategory = ev_str(r, EV_SUBCATEGORY, s, 8);
        if (e.kind == HD_KIND_NOTE) {
            e.text = ev_str(r, EV_TEXT, s, 9);
            if (ev_int(s, 10) == 1) {
                e.flags |= AN_EV_PUBLIC;
            }
        } else if (e.kind == HD_KIND_LINKED) {
            e.text = ev_str(r, EV_TEXT, s, 11);
        } else if (e.kind == HD_KIND_ESCALATED) {
            e.text = ev_str(r, EV_TEXT, s, 12);
        }
        e.line = (uint32_t)sqlite3_column_int64(s, 13);
        e.ord = (uint32_t)sqlite3_column_int64(s, 14);
        int64_t db_id = sqlite3_column_int64(s, 15);
        int64_t sid = sqlite3_column_int64(s, 16);
        e.source = sid >= 0 && (size_t)sid < r->smap_n ? r->smap[sid] : 0;
        if (r->d) {
            if (r->n == r->cap) {
                r->overflow = 1;
                break;
            }
            an_data_add_event(r->d, &e);
            an_data_event_ids(r->d)[r->d->nevents - 1] = db_id;
        } else {
            /* The slot is the id's place in (lo, hi]: merge_worker knows it back. */
            int64_t at = db_id - r->lo - 1;
            if (at < 0 || at >= r->hi - r->lo) {
                r->overflow = 1;
                break;
            }
            e.ticket = tid >= 0 && tid < UINT32_MAX ? (uint32_t)tid : UINT32_MAX;
            r->slot[at] = e;
        }
        r->n++;
    }
    if (step != SQLITE_DONE && !r->overflow) {
        rc = hd_store_fail(r->st, r->err, "loading events");
    }
    sqlite3_finalize(s);
    return rc;
}

static void *worker_main(void *arg)
{
    struct ev_reader *r = arg;
    r->rc = read_events(r);
    return NULL;
}

/* A worker's string `lid` as a dataset id, interned at first use. */
static uint32_t remap(struct an_data *d, struct ev_reader *w, uint32_t *ids, uint32_t lid)
{
    if (lid && !ids[lid]) {
        ids[lid] = hd_intern_id(d->strs, hd_intern_str(w->strs, lid), w->lens[lid]);
    }
    return ids[lid];
}

/*
 * Move a worker's events down to follow the main reader's, dropping those
 * of unknown tickets and interning their strings field by field in row
 * order: the ids come out as one scan over both ranges would have made them.
 */
static void merge_worker(struct an_data *d, struct ev_reader *w, const uint32_t *map, size_t map_n)
{
    uint32_t *ids = hd_xcalloc((size_t)hd_intern_count(w->strs) + 1, sizeof(*ids));
    int64_t *db_ids = an_data_event_ids(d);

    for (size_t i = 0; i < w->n; i++) {
        struct an_event e = w->slot[i];
        if (e.ticket >= map_n || map[e.ticket] == UINT32_MAX) {
            continue;
        }
        e.ticket = map[e.ticket];
        e.group = remap(d, w, ids, e.group);
        e.agent = remap(d, w, ids, e.agent);
        e.category = remap(d, w, ids, e.category);
        e.subcategory = remap(d, w, ids, e.subcategory);
        e.text = remap(d, w, ids, e.text);
        db_ids[d->nevents] = w->lo + 1 + (int64_t)i;
        d->events[d->nevents++] = e;
    }
    d->finished = 0;
    free(ids);
}

/*
 * Whether to read with a second connection: only for a database file with
 * enough events to repay a thread and a second open (200,000), when this
 * connection has no transaction open (a second connection would not see
 * its changes), and when a core is likely free: two cores or more and a
 * load average below cores - 0.5. On a busy machine the second reader only
 * adds its overhead (~20% more CPU time) to the wall time. HD_ANALYZE_THREADS
 * overrides the size and load rules: 1 forces one reader, 2 asks for two.
 */
static int want_worker(struct hd_store *st, int64_t nevents)
{
    const char *env = getenv("HD_ANALYZE_THREADS");
    const char *path = hd_store_path(st);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double load;

    if (env && *env) {
        if ((env[0] == '1' || env[0] == '0') && !env[1]) {
            return 0;
        }
    } else if (nevents < 200000 || ncpu < 2 ||
               (getloadavg(&load, 1) == 1 && load > (double)ncpu - 0.5)) {
        return 0;
    }
    if (!path || !*path || !strcmp(path, ":memory:") || !strncmp(path, "file:", 5)) {
        return 0;
    }
    return sqlite3_get_autocommit(hd_store_db(st)) != 0;
}

/* ---- an_load --------------------------------------------------------------- */

int an_load(struct hd_store *st, struct an_data *d, struct hd_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc, step;
    uint32_t *smap = NULL;
    size_t smap_n = 0;
    /* tickets.id -> dataset index, through a dense table. */
    uint32_t *map = NULL;
    size_t map_n = 0;
    int64_t nev = 0, min_id = 0, max_id = 0;
    struct ev_reader main_r, work_r;
    pthread_t th;
    int threaded = 0;

    memset(&main_r, 0, sizeof(main_r));
    memset(&work_r, 0, sizeof(work_r));
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
                          "SELECT (SELECT count(*) FROM events), (SELECT min(id) FROM events),"
                          " (SELECT max(id) FROM events), (SELECT count(*) FROM tickets)",
                          &s, err);
    if (rc) {
        goto out;
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        nev = sqlite3_column_int64(s, 0);
        min_id = sqlite3_column_int64(s, 1);
        max_id = sqlite3_column_int64(s, 2);
        an_data_reserve_tickets(
            d, (size_t)(sqlite3_column_int64(s, 3) > 0 ? sqlite3_column_int64(s, 3) : 0));
    }
    sqlite3_finalize(s);
    s = NULL;
    main_r.lo = INT64_MIN;
    main_r.hi = INT64_MAX;
    main_r.cap = SIZE_MAX;
    an_data_reserve(d, (size_t)(nev > 0 ? nev : 0));
    /* Rowids 1..n with no gaps (a database only ever appended to) give each
     * row its slot in the array before it is read. */
    if (nev > 1 && max_id - min_id == nev - 1 && want_worker(st, nev) &&
        hd_store_open(hd_store_path(st), HD_STORE_READONLY, &work_r.st, NULL) == HD_OK) {
        /* The worker takes the upper part of the rowids while this thread
         * reads the tickets and then the lower part. */
        int64_t mid = min_id + (max_id - min_id) / 2;
        main_r.hi = mid;
        main_r.cap = (size_t)(mid - min_id + 1);
        work_r.lo = mid;
        work_r.hi = max_id;
        work_r.slot = d->events + main_r.cap;
        work_r.strs = hd_intern_new();
        work_r.err = &work_r.own_err;
        work_r.smap = smap;
        work_r.smap_n = smap_n;
        threaded = pthread_create(&th, NULL, worker_main, &work_r) == 0;
        if (!threaded) {
            main_r.hi = INT64_MAX; /* no thread to be had: read it all here */
            main_r.cap = SIZE_MAX;
        }
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
    s = NULL;
    main_r.st = st;
    main_r.d = d;
    main_r.strs = d->strs;
    main_r.map = map;
    main_r.map_n = map_n;
    main_r.smap = smap;
    main_r.smap_n = smap_n;
    main_r.err = err;
    rc = read_events(&main_r);
    if (rc) {
        goto out;
    }
    if (threaded) {
        pthread_join(th, NULL);
        threaded = 0;
        if (work_r.rc) {
            rc = work_r.rc;
            if (err) {
                *err = work_r.own_err;
            }
            goto out;
        }
        if (!main_r.overflow && !work_r.overflow && work_r.n == (size_t)(work_r.hi - work_r.lo)) {
            merge_worker(d, &work_r, map, map_n);
        } else {
            /* The table changed under us (rows deleted or added since they were
             * counted): read everything the main reader has not, here. */
            main_r.lo = main_r.overflow ? an_data_event_id(d, d->nevents - 1) : main_r.hi;
            main_r.hi = INT64_MAX;
            main_r.cap = SIZE_MAX;
            main_r.overflow = 0;
            memset(main_r.cache, 0, sizeof(main_r.cache));
            rc = read_events(&main_r);
            if (rc) {
                goto out;
            }
        }
    }
out:
    if (threaded) {
        pthread_join(th, NULL);
    }
    sqlite3_finalize(s);
    hd_store_close(work_r.st);
    hd_intern_free(work_r.strs);
    free(work_r.lens);
    free(map);
    free(smap);
    return rc;
}
