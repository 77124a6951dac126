#ifndef HD_ANALYZER_INGEST_INT_H
#define HD_ANALYZER_INGEST_INT_H

/*
 * Ingest internals shared by ingest.c (rows, CSV), reader.c (files, JSON)
 * and snapshot.c (snapshot diffing). Never included outside analyzer/.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/an_int.h"
#include "analyzer/ingest.h"
#include "core/buf.h"
#include "core/model.h"

struct an_data;
struct an_ticket;
struct hd_tz;
struct hd_err;

/* One input row, as the profile's fields. Values borrow the reader's buffers. */
struct ing_row {
    const char *val[AN_F__COUNT];
    size_t len[AN_F__COUNT]; /* 0 = empty (missing values already cleared) */
    uint32_t line, last_line;
    const char *raw;
    size_t rawlen;
    const int *fields; /* the fields that can be non-empty, in order; NULL: all */
    int nfields;
    int ascii; /* 1: every value is known to be ASCII without NUL */
};

/* A snapshot row, kept until the file is read and then diffed. */
struct ing_snap {
    int64_t t_ms, opened_ms;
    uint32_t ticket, line; /* the version's index in snaps is its order in the file */
    uint32_t group, agent, category, subcategory;
    int32_t src_reassign, src_reopen, src_made_sla;
    uint8_t state, priority;
};

/* Buffered reading of a file or stdin, with the content digest. */
struct ing_reader {
    FILE *f;
    int is_stdin;
    char *buf;
    size_t len, pos, alloc;
    int eof;
    int no_digest; /* leave digest alone */
    uint64_t digest;
    uint64_t bytes;
    uint64_t size;   /* file size if known, else 0 */
    size_t max_line; /* longest line ing_reader_line hands out; 0: no limit */
    const char *path;
    struct hd_buf line; /* a line that straddles two chunks */
};

/* The last value interned from one field (ing_intern). */
#define ING_LAST_MAX 47
struct ing_last {
    uint32_t id; /* 0: none yet */
    uint8_t len;
    char text[ING_LAST_MAX];
};

/*
 * A ticket id of the file being read, by the 64-bit hash of its text (see
 * ingest.c, "ticket ids"): its duplicate filter word, then, once a row of
 * it is used, its intern id and dataset ticket.
 */
#define ING_TID_TEXT 19
struct ing_tid {
    uint64_t h;      /* 0: empty slot */
    uint64_t filt;   /* a bit per row hash seen (seen_ticket_row) */
    uint32_t key;    /* intern id of the text; 0 until first looked up */
    uint32_t ticket; /* dataset index + 1 for `client`; 0: not yet */
    uint32_t client;
    uint8_t len;                /* the text's length; ING_TID_TEXT + 1: longer */
    char text[ING_TID_TEXT]; /* the text when it fits */
};

struct ing {
    struct an_data *d;
    const struct an_ingest_opts *o;
    struct an_profile *p;
    struct an_ingest_result *res;
    struct hd_err *err;
    struct hd_tz *tz;
    const char *path;
    uint32_t source;
    uint32_t client; /* --client as an intern id; 0 = from the rows */
    int optional_columns;
    /* CSV state */
    char **cols;
    size_t ncols;
    int colidx[AN_F__COUNT];
    struct hd_buf fbuf; /* the current record's fields, back to back */
    size_t *foff;
    size_t nfields, foff_alloc;
    struct hd_buf raw; /* the current record's text */
    uint32_t line, row_line;
    int have_header, fatal, row_done, csv_overflow;
    size_t csv_field_too_long; /* 1-based column that was too long; 0 none */
    int csv_too_many_cols;     /* the record has more than o->max_columns fields */
    int csv_comma;             /* a field of the current record holds a ',' */
    int csv_fields[AN_F__COUNT]; /* the mapped fields (colidx >= 0), in order */
    int ncsv_fields;
    struct ing_row csv_row; /* a record's row; unmapped fields stay empty */
    /* duplicate rows */
    uint64_t *seen;
    size_t seen_size, nseen;
    struct ing_tid *tids; /* the file's ticket ids, open addressing by hash */
    size_t tids_size, ntids;
    struct ing_tid *cur_tid; /* the current row's, from ing_row to its end */
    uint64_t *pending; /* new row hashes not yet in seen */
    size_t npending, pending_alloc;
    size_t expect_rows; /* estimate from the file size, for sizing tables */
    /* the last value of each field, and the last ticket */
    struct ing_last last[AN_F__COUNT];
    struct ing_last last_time[AN_F__COUNT]; /* id 1: last_time_ms holds its instant */
    int64_t last_time_ms[AN_F__COUNT];
    struct ing_last last_state; /* id: the mapped state + 1 */
    uint32_t last_ticket; /* index + 1; 0: none */
    uint32_t last_key, last_client;
    /* per-ticket event order within this source */
    uint32_t *ords;
    size_t nords, ords_alloc;
    uint8_t *touched;
    size_t ntouched_alloc;
    /* snapshots */
    struct ing_snap *snaps;
    size_t nsnaps, snaps_alloc;
    /* progress */
    int progress_every;
    double t_start;
};

void ing_reject(struct ing *c, uint32_t line, uint32_t last_line, enum an_reject_reason why,
                const char *raw, size_t rawlen, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
int ing_seen_row(struct ing *c, uint64_t h);
uint32_t ing_next_ord(struct ing *c, uint32_t ticket);
void ing_note_time(struct ing *c, int64_t t);
uint32_t ing_intern(struct ing *c, const struct ing_row *r, enum an_field f);
int ing_time(struct ing *c, const struct ing_row *r, enum an_field f, int64_t *t, int required);
int ing_state(struct ing *c, const struct ing_row *r, enum hd_state *s);
int ing_priority(struct ing *c, const struct ing_row *r, int *prio);
void ing_ticket_attrs(struct ing *c, struct an_ticket *t, const struct ing_row *r);
uint32_t ing_ticket(struct ing *c, const struct ing_row *r);

/* Account for one row (rows_read++) and turn it into events or a snapshot. */
void ing_row(struct ing *c, struct ing_row *r, uint64_t rowhash);

/* Readers: CSV (ingest.c), NDJSON/JSON and Jira (jsonread.c). */
int ing_csv(struct ing *c, struct ing_reader *rd);
int ing_json(struct ing *c, struct ing_reader *rd);
int ing_jira(struct ing *c, struct ing_reader *rd);

/* Snapshots (snapshot.c). */
void ing_snapshot_row(struct ing *c, const struct ing_row *r);
void ing_snapshot_finish(struct ing *c);

/* Reader (reader.c). */
int ing_reader_open(struct ing_reader *rd, const char *path, struct hd_err *err);
void ing_reader_close(struct ing_reader *rd);
/*
 * The next line including its '\n' (the last may lack it); *line NULL at EOF.
 * HD_EINPUT when the line passes rd->max_line (memory stays within the
 * limit plus one read chunk).
 */
int ing_reader_line(struct ing_reader *rd, const char **line, size_t *len, struct hd_err *err);
/*
 * The rest of the input in one buffer (for JSON documents), capped at `cap`
 * bytes. HD_EINPUT past the cap, or at a NUL byte (never in JSON text).
 */
int ing_reader_all(struct ing_reader *rd, size_t cap, const char **data, size_t *len,
                   struct hd_err *err);
/*
 * Peek at the first non-blank byte (after a BOM); 0 for an empty input.
 * -1 with HD_EINPUT when that byte is NUL: a binary file (or a sparse one
 * full of zeros) is not an export, and is refused without reading on.
 */
int ing_reader_peek(struct ing_reader *rd, struct hd_err *err);

void ing_progress(struct ing *c, struct ing_reader *rd);

#endif
