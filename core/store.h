#ifndef HD_CORE_STORE_H
#define HD_CORE_STORE_H

/*
 * The SQLite store: opening and creating a handoff database, its schema
 * (docs/schema.md) versioned with PRAGMA user_version and upgraded by
 * forward migrations, and small helpers that turn SQLite failures into
 * struct hd_err values at once (sqlite3_errmsg is overwritten by the next
 * call).
 *
 * A store is used from one thread at a time.
 */

#include <stdint.h>

struct hd_err;
struct hd_store;
struct sqlite3;
struct sqlite3_stmt;

/* The schema version this build writes and reads. */
#define HD_STORE_SCHEMA_VERSION 4

enum hd_store_flags {
    HD_STORE_CREATE = 1 << 0,   /* create the file and schema if missing */
    HD_STORE_READONLY = 1 << 1, /* open read-only; never migrates */
};

/*
 * Open the database at `path` (":memory:" works). With HD_STORE_CREATE a
 * missing file is created and an older schema is migrated forward in one
 * transaction. Errors, all with src = path:
 *   HD_EIO    the file cannot be opened or created
 *   HD_EINPUT "not a handoff database" (a foreign SQLite file, or not
 *             SQLite at all), "database schema version N is newer than this
 *             handoff (M)", "no database (run 'handoff ingest' first)" when
 *             the file is missing and HD_STORE_CREATE is not given, and an
 *             old schema opened read-only.
 * On success *out belongs to the caller (hd_store_close).
 */
int hd_store_open(const char *path, unsigned flags, struct hd_store **out, struct hd_err *err);

/* Close; NULL does nothing. An open transaction is rolled back. */
void hd_store_close(struct hd_store *st);

/* The underlying connection, borrowed for the store's lifetime. */
struct sqlite3 *hd_store_db(struct hd_store *st);

/* The path given to hd_store_open (borrowed). */
const char *hd_store_path(const struct hd_store *st);

/* Run SQL with no results; HD_EIO with SQLite's message on failure. */
int hd_store_exec(struct hd_store *st, const char *sql, struct hd_err *err);

/* Prepare one statement; the caller finalizes it. */
int hd_store_prepare(struct hd_store *st, const char *sql, struct sqlite3_stmt **out,
                     struct hd_err *err);

/*
 * Record the connection's current error message in `err` as HD_EIO (or
 * HD_EINPUT for SQLITE_NOTADB / SQLITE_CORRUPT, which mean a bad file),
 * prefixed with `what`. Returns the code.
 */
int hd_store_fail(struct hd_store *st, struct hd_err *err, const char *what);

int hd_store_begin(struct hd_store *st, struct hd_err *err);
int hd_store_commit(struct hd_store *st, struct hd_err *err);
/* Roll back if a transaction is open; never fails. */
void hd_store_rollback(struct hd_store *st);

/* The schema version found in the file when it was opened (0 if new). */
int hd_store_found_version(const struct hd_store *st);

#endif
