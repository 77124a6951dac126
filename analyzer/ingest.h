#ifndef HD_ANALYZER_INGEST_H
#define HD_ANALYZER_INGEST_H

/*
 * Ingest: read ticket-history exports (CSV, NDJSON, JSON arrays, Jira
 * changelog JSON) through a profile into an in-memory dataset. Writing to
 * the database is analyzer/save.h; this module never touches SQLite.
 *
 * Every input row is accounted for: rows_read = rows_used + rows_rejected +
 * rows_duplicate, always. A rejected row is data, not an error: it is kept
 * in the result with its line, reason and raw text. An error (non-zero
 * return) means the file could not be used at all: missing, unreadable,
 * empty, not the declared format, a mapping naming a missing column.
 */

#include <stddef.h>
#include <stdint.h>

struct an_data;
struct hd_err;

typedef void an_progress_fn(void *ctx, const char *line);

struct an_ingest_opts {
    const char *profile;          /* "generic", "servicenow", "jira"; NULL with map_path */
    const char *map_path;         /* a user's mapping JSON (--map) */
    const char *client;           /* --client: every ticket of the file belongs to it */
    const char *tz;               /* --tz: zone for times without an offset */
    int64_t not_before_ms;        /* earlier times are rejected (default 1990-01-01) */
    int64_t not_after_ms;         /* later times are rejected (the export date) */
    size_t max_field;             /* longest accepted field in bytes */
    size_t max_events_per_ticket; /* rows past this for one ticket are rejected */
    size_t max_columns;           /* a CSV header with more columns refuses the file */
    size_t max_json_depth;        /* JSON rows nested deeper are rejected (bad_json) */
    an_progress_fn *progress;     /* NULL: no progress lines */
    void *progress_ctx;
    int no_digest; /* skip the content digest (result's digest is then ""): a
                      run that stores nothing needs none, and it costs a pass
                      over every byte */
};

/*
 * Defaults: 1990-01-01, now + 1 day, max_field 1 MiB - 1, 100000 events per
 * ticket, 10000 columns, JSON depth 64. The limits bound memory whatever the
 * input (docs/reliability.md): a physical line longer than
 * max(16 MiB, 16 * max_field) refuses the file, since no row can fit in it.
 */
void an_ingest_opts_init(struct an_ingest_opts *o);

enum an_reject_reason {
    AN_REJ_COLUMNS,    /* wrong number of columns */
    AN_REJ_QUOTE,      /* unterminated quoted field */
    AN_REJ_FIELD_SIZE, /* a field longer than the limit */
    AN_REJ_UTF8,       /* invalid UTF-8 */
    AN_REJ_NO_TICKET,  /* missing ticket id */
    AN_REJ_TIME,       /* missing or unparsable time */
    AN_REJ_TIME_EARLY, /* time before the earliest plausible date */
    AN_REJ_TIME_LATE,  /* time after the export date */
    AN_REJ_KIND,       /* missing or unknown event kind */
    AN_REJ_VALUE,      /* a value the kind needs is missing or unknown */
    AN_REJ_JSON,       /* invalid JSON */
    AN_REJ_TOO_MANY,   /* more events for one ticket than the limit */
    AN_REJ__COUNT
};

/* Stable short name of a reason ("wrong_columns", ...), used in the store. */
const char *an_reject_reason_name(enum an_reject_reason r);

struct an_reject {
    uint32_t source;    /* index into the dataset's sources */
    uint32_t line;      /* first line of the row */
    uint32_t last_line; /* last line (a quoted field may span lines) */
    uint8_t reason;     /* enum an_reject_reason */
    char *detail;       /* one line: what exactly was wrong */
    char *raw;          /* the row's text, capped at 4 KiB */
};

struct an_ingest_result {
    uint32_t source; /* the dataset source index of this file */
    char digest[17]; /* hex content hash: identifies the file */
    uint64_t bytes;
    uint64_t rows_read, rows_used, rows_rejected, rows_duplicate;
    uint64_t events;  /* events produced */
    uint64_t tickets; /* distinct tickets touched */
    uint64_t by_reason[AN_REJ__COUNT];
    int64_t first_ms, last_ms; /* span of event times; AN_TIME_NONE if none */
    struct an_reject *rejects;
    size_t nrejects, rejects_alloc;
    int header_only; /* the file had a header and no data rows */
};

/* Zero a result; release frees its rejects. */
void an_ingest_result_init(struct an_ingest_result *r);
void an_ingest_result_release(struct an_ingest_result *r);

/*
 * Read `path` ("-" = stdin) into `d`, appending a source, tickets and events.
 * On return `res` describes the file, even on error as far as it got.
 * Errors: HD_EUSAGE unknown profile; HD_EINPUT (src = file, line when known)
 * empty file, not the declared format, bad mapping, unknown zone; HD_EIO
 * unreadable file. Events added by a failed call are left in `d`; callers
 * discard the dataset on error.
 */
int an_ingest_file(struct an_data *d, const char *path, const struct an_ingest_opts *o,
                   struct an_ingest_result *res, struct hd_err *err);

#endif
