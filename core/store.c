/*
 * SQLite store: open/create, schema and forward migrations, and helpers that
 * capture SQLite's error message at the failure site. The tables themselves
 * are documented in docs/schema.md; keep the two in step.
 */
#include "core/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"

struct hd_store {
    sqlite3 *db;
    char *path;
    int found_version;
    int in_txn;
};

/*
 * Migrations: entry i upgrades a database from version i to i + 1. Never
 * edit a released entry; append a new one and bump HD_STORE_SCHEMA_VERSION.
 */
static const char *const migrations[] = {
    /* 0 -> 1: ingest tables. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE sources("
    " id INTEGER PRIMARY KEY, path TEXT NOT NULL, digest TEXT NOT NULL,"
    " bytes INTEGER NOT NULL, profile TEXT NOT NULL, client TEXT NOT NULL DEFAULT '',"
    " rows_read INTEGER NOT NULL DEFAULT 0, rows_used INTEGER NOT NULL DEFAULT 0,"
    " rows_rejected INTEGER NOT NULL DEFAULT 0, rows_duplicate INTEGER NOT NULL DEFAULT 0,"
    " events_new INTEGER NOT NULL DEFAULT 0, events_known INTEGER NOT NULL DEFAULT 0,"
    " tickets INTEGER NOT NULL DEFAULT 0, first_ms INTEGER, last_ms INTEGER,"
    " complete INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(digest, profile, client));"
    "CREATE TABLE tickets("
    " id INTEGER PRIMARY KEY, client TEXT NOT NULL DEFAULT '', key TEXT NOT NULL,"
    " title TEXT, description TEXT, category TEXT, subcategory TEXT, priority INTEGER,"
    " requester TEXT, requester_tier TEXT, asset TEXT, asset_class TEXT, channel TEXT,"
    " opened_ms INTEGER,"
    " src_reassignment_count INTEGER, src_reopen_count INTEGER, src_made_sla INTEGER,"
    " UNIQUE(client, key));"
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
    " t_ms INTEGER NOT NULL, kind TEXT NOT NULL, grp TEXT, agent TEXT, state TEXT,"
    " priority INTEGER, category TEXT, subcategory TEXT, note TEXT, public INTEGER,"
    " linked TEXT, target TEXT,"
    " source_id INTEGER NOT NULL REFERENCES sources(id), line INTEGER NOT NULL,"
    " ord INTEGER NOT NULL, ident INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX events_ident ON events(ident);"
    "CREATE TABLE rejects("
    " source_id INTEGER NOT NULL REFERENCES sources(id), line INTEGER NOT NULL,"
    " reason TEXT NOT NULL, raw TEXT NOT NULL, PRIMARY KEY(source_id, line)) WITHOUT ROWID;",

    /* 1 -> 2: derived tables and the users' views. */
    "CREATE TABLE segments("
    " ticket_id INTEGER NOT NULL REFERENCES tickets(id), seq INTEGER NOT NULL,"
    " grp TEXT, agent TEXT, tier INTEGER, start_ms INTEGER NOT NULL, end_ms INTEGER,"
    " state TEXT, worked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(ticket_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE findings("
    " id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
    " kind TEXT NOT NULL, t_ms INTEGER, value_ms INTEGER, grp TEXT, detail TEXT,"
    " evidence TEXT);"
    "CREATE INDEX findings_kind ON findings(kind);"
    "CREATE INDEX findings_ticket ON findings(ticket_id);"
    "CREATE TABLE ticket_metrics("
    " ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id), opened_ms INTEGER,"
    " resolved_ms INTEGER, closed_ms INTEGER, first_group TEXT, last_group TEXT,"
    " groups INTEGER, reassignments INTEGER, agent_reassignments INTEGER,"
    " reassignments_src_rule INTEGER, bounces INTEGER, ping_pongs INTEGER,"
    " misroutes INTEGER, reopens INTEGER, priority_changes INTEGER,"
    " time_to_resolve_ms INTEGER, paused_ms INTEGER, tte_ms INTEGER,"
    " security_dwell_ms INTEGER, dirty INTEGER NOT NULL DEFAULT 1);"
    "CREATE VIEW v_reassignments AS SELECT t.client, t.key, m.reassignments,"
    " m.agent_reassignments, m.bounces, m.ping_pongs, m.reassignments_src_rule,"
    " t.src_reassignment_count FROM ticket_metrics m JOIN tickets t ON t.id = m.ticket_id;"
    "CREATE VIEW v_findings AS SELECT t.client, t.key, f.kind, f.t_ms, f.value_ms, f.grp,"
    " f.detail, f.evidence FROM findings f JOIN tickets t ON t.id = f.ticket_id;"
    "CREATE VIEW v_events AS SELECT t.client, t.key, e.t_ms, e.kind, e.grp, e.agent, e.state,"
    " e.priority, e.category, e.note, e.public, s.path AS source, e.line"
    " FROM events e JOIN tickets t ON t.id = e.ticket_id JOIN sources s ON s.id = e.source_id;",

    /* 2 -> 3: the derived tables are stale while meta 'derived_stale' is '1'
     * (set when events are saved, cleared when the derived tables are
     * rebuilt), and the views over them then show nothing rather than stale
     * rows: a killed ingest must not leave old findings looking current. */
    "DROP VIEW v_reassignments; DROP VIEW v_findings;"
    "CREATE VIEW v_reassignments AS SELECT t.client, t.key, m.reassignments,"
    " m.agent_reassignments, m.bounces, m.ping_pongs, m.reassignments_src_rule,"
    " t.src_reassignment_count FROM ticket_metrics m JOIN tickets t ON t.id = m.ticket_id"
    " WHERE coalesce((SELECT value FROM meta WHERE key = 'derived_stale'), '0') = '0';"
    "CREATE VIEW v_findings AS SELECT t.client, t.key, f.kind, f.t_ms, f.value_ms, f.grp,"
    " f.detail, f.evidence FROM findings f JOIN tickets t ON t.id = f.ticket_id"
    " WHERE coalesce((SELECT value FROM meta WHERE key = 'derived_stale'), '0') = '0';",

    /* 3 -> 4: an event's identity is unique within its ticket. The hash
     * covers the ticket, so this accepts exactly what the unique index on
     * ident alone did (short of a hash collision between two tickets, now
     * harmless), and an ingest, which saves events ticket by ticket, adds
     * to it near its end instead of at random places: the random index
     * was a fifth of the store time. */
    "DROP INDEX events_ident; CREATE UNIQUE INDEX events_ident ON events(ticket_id, ident);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == HD_STORE_SCHEMA_VERSION,
               "one migration per schema version");

int hd_store_fail(struct hd_store *st, struct hd_err *err, const char *what)
{
    int code = st && st->db ? sqlite3_errcode(st->db) : SQLITE_ERROR;
    const char *msg = st && st->db ? sqlite3_errmsg(st->db) : "no database";
    enum hd_rc rc = HD_EIO;

    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
        rc = HD_EINPUT;
        msg = "not a handoff database (not SQLite, or corrupted)";
    }
    return hd_err_set(err, rc, st ? st->path : NULL, 0, "%s: %s", what, msg);
}

int hd_store_exec(struct hd_store *st, const char *sql, struct hd_err *err)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return hd_store_fail(st, err, "sql");
    }
    return HD_OK;
}

int hd_store_prepare(struct hd_store *st, const char *sql, sqlite3_stmt **out, struct hd_err *err)
{
    *out = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK) {
        return hd_store_fail(st, err, "prepare");
    }
    return HD_OK;
}

int hd_store_begin(struct hd_store *st, struct hd_err *err)
{
    int rc = hd_store_exec(st, "BEGIN IMMEDIATE", err);
    if (!rc) {
        st->in_txn = 1;
    }
    return rc;
}

int hd_store_commit(struct hd_store *st, struct hd_err *err)
{
    int rc = hd_store_exec(st, "COMMIT", err);
    if (!rc) {
        st->in_txn = 0;
    }
    return rc;
}

void hd_store_rollback(struct hd_store *st)
{
    if (st && st->db && !sqlite3_get_autocommit(st->db)) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (st) {
        st->in_txn = 0;
    }
}

static int query_int(struct hd_store *st, const char *sql, int *out, struct hd_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = hd_store_prepare(st, sql, &s, err);
    if (rc) {
        return rc;
    }
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *out = sqlite3_column_int(s, 0);
    } else if (step == SQLITE_DONE) {
        *out = 0;
    } else {
        rc = hd_store_fail(st, err, "query");
    }
    sqlite3_finalize(s);
    return rc;
}

static int migrate(struct hd_store *st, int from, struct hd_err *err)
{
    char sql[64];
    int rc = hd_store_begin(st, err);
    if (rc) {
        return rc;
    }
    for (int v = from; v < HD_STORE_SCHEMA_VERSION; v++) {
        rc = hd_store_exec(st, migrations[v], err);
        if (rc) {
            hd_err_prefix(err, "migrating schema %d to %d", v, v + 1);
            goto out;
        }
    }
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", HD_STORE_SCHEMA_VERSION);
    rc = hd_store_exec(st, sql, err);
    if (!rc) {
        rc = hd_store_commit(st, err);
    }
out:
    if (rc) {
        hd_store_rollback(st);
    }
    return rc;
}

/*
 * A database on a read-only file system cannot be opened normally in WAL
 * mode (SQLite wants to create the -shm file): open it as immutable, which
 * is safe because nothing can change it. A leftover -wal there holds
 * commits an immutable open would not see, so that case is refused.
 * Returns HD_OK with *uri set (caller frees) or *uri NULL when not needed.
 */
static int readonly_fs_uri(const char *path, char **uri, struct hd_err *err)
{
    struct statvfs vfs;
    char wal[4096];
    struct stat sb;
    size_t n = 0;

    *uri = NULL;
    if (statvfs(path, &vfs) != 0 || !(vfs.f_flag & ST_RDONLY)) {
        return HD_OK;
    }
    snprintf(wal, sizeof(wal), "%s-wal", path);
    if (stat(wal, &sb) == 0 && sb.st_size > 0) {
        return hd_err_set(err, HD_EIO, path, 0,
                          "database on a read-only file system has an unmerged '-wal' file; "
                          "copy both to a writable place");
    }
    char *u = hd_xmalloc(strlen(path) * 3 + 32);
    n += (size_t)snprintf(u, 8, "file:");
    for (const char *c = path; *c; c++) {
        if (*c == '%' || *c == '?' || *c == '#') {
            n += (size_t)snprintf(u + n, 4, "%%%02x", (unsigned char)*c);
        } else {
            u[n++] = *c;
        }
    }
    snprintf(u + n, 16, "?immutable=1");
    *uri = u;
    return HD_OK;
}

int hd_store_open(const char *path, unsigned flags, struct hd_store **out, struct hd_err *err)
{
    struct hd_store *st = hd_xcalloc(1, sizeof(*st));
    int oflags, rc, version = 0, ntables = 0;
    struct stat sb;
    int is_memory = !strcmp(path, ":memory:");

    *out = NULL;
    st->path = hd_xstrdup(path);
    if (!is_memory && stat(path, &sb) != 0) {
        if (errno != ENOENT) {
            rc = hd_err_set(err, HD_EIO, path, 0, "cannot open database: %s", strerror(errno));
            goto out;
        }
        if (!(flags & HD_STORE_CREATE) || (flags & HD_STORE_READONLY)) {
            rc = hd_err_set(err, HD_EINPUT, path, 0, "no database (run 'handoff ingest' first)");
            goto out;
        }
    }
    oflags = (flags & HD_STORE_READONLY) ? SQLITE_OPEN_READONLY
                                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (!is_memory && !(flags & HD_STORE_READONLY) && access(path, F_OK) == 0 &&
        access(path, W_OK) != 0) {
        /* SQLite would only say "unable to open database file" later on. */
        rc = hd_err_set(err, HD_EIO, path, 0, "cannot write the database: %s", strerror(errno));
        goto out;
    }
    char *uri = NULL;
    if (!is_memory && (flags & HD_STORE_READONLY)) {
        rc = readonly_fs_uri(path, &uri, err);
        if (rc) {
            goto out;
        }
    }
    int orc = sqlite3_open_v2(uri ? uri : path, &st->db,
                              oflags | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
    free(uri);
    if (orc != SQLITE_OK) {
        rc = hd_err_set(err, HD_EIO, path, 0, "cannot open database: %s",
                        st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(st->db, 5000);
    rc = query_int(st, "PRAGMA user_version", &version, err);
    if (!rc) {
        rc = query_int(st, "SELECT count(*) FROM sqlite_master", &ntables, err);
    }
    if (rc) {
        goto out;
    }
    st->found_version = version;
    if (version == 0 && ntables > 0) {
        rc = hd_err_set(err, HD_EINPUT, path, 0, "not a handoff database");
        goto out;
    }
    if (version > HD_STORE_SCHEMA_VERSION) {
        rc = hd_err_set(err, HD_EINPUT, path, 0,
                        "database schema version %d is newer than this handoff (%d)", version,
                        HD_STORE_SCHEMA_VERSION);
        goto out;
    }
    if (version < HD_STORE_SCHEMA_VERSION) {
        if ((flags & HD_STORE_READONLY) && version > 0) {
            /* An older handoff database: migrate it through a read-write
             * open, then open it read-only as asked. */
            struct hd_store *rw = NULL;
            struct hd_err rwerr = HD_ERR_INIT;
            hd_store_close(st);
            st = NULL;
            if (hd_store_open(path, 0, &rw, &rwerr) != HD_OK) {
                return hd_err_set(err, HD_EINPUT, path, 0,
                                  "database schema version %d is older than this handoff "
                                  "(%d) and cannot be upgraded here: %s",
                                  version, HD_STORE_SCHEMA_VERSION, rwerr.msg);
            }
            hd_store_close(rw);
            return hd_store_open(path, flags, out, err);
        }
        if (flags & HD_STORE_READONLY) {
            rc = hd_err_set(err, HD_EINPUT, path, 0, "empty database (run 'handoff ingest' first)");
            goto out;
        }
    }
    if (!(flags & HD_STORE_READONLY)) {
        /* A new file gets 8 KiB pages (SQLite's default is 4 KiB): an
         * ingest appends rows, and bigger pages mean fewer page splits,
         * cells moved and pages allocated per event. 16 KiB measured no
         * faster and made the empty schema 240 KiB. Only possible before
         * the first write. */
        if (version == 0) {
            rc = hd_store_exec(st, "PRAGMA page_size=8192", err);
            if (rc) {
                goto out;
            }
        }
        /* WAL: readers never block the writer, and a killed process leaves
         * only whole committed transactions behind; set before a migration
         * so that it, too, commits without a sync. A page cache of up to
         * 16 MiB: ingest writes append at the end of the tables and of the
         * events' identity index (schema 4), so a bigger cache only cost
         * allocations and page faults. */
        rc = hd_store_exec(st,
                           "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                           " PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;"
                           " PRAGMA temp_store=MEMORY",
                           err);
        if (rc) {
            goto out;
        }
        if (version < HD_STORE_SCHEMA_VERSION) {
            rc = migrate(st, version, err);
            if (rc) {
                goto out;
            }
        }
    }
    *out = st;
    return HD_OK;
out:
    hd_store_close(st);
    return rc;
}

void hd_store_close(struct hd_store *st)
{
    if (!st) {
        return;
    }
    hd_store_rollback(st);
    if (st->db) {
        sqlite3_close(st->db);
    }
    free(st->path);
    free(st);
}

struct sqlite3 *hd_store_db(struct hd_store *st)
{
    return st->db;
}

const char *hd_store_path(const struct hd_store *st)
{
    return st->path;
}

int hd_store_found_version(const struct hd_store *st)
{
    return st->found_version;
}
