/*
 * Unit tests for analyzer ingest (ingest.c, reader.c, snapshot.c, save.c):
 * CSV line tracking and dialects, row accounting, snapshot diffing and
 * idempotent saving. Inputs are written to /tmp with mkstemp and removed.
 */
#include "analyzer/ingest.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/dataset.h"
#include "analyzer/load.h"
#include "analyzer/save.h"
#include "core/err.h"
#include "core/model.h"
#include "core/store.h"
#include "core/time.h"

/* ---- helpers ------------------------------------------------------------ */

/* Write `len` bytes to a new file under /tmp; its path goes to `path`. */
static void write_tmp(char *path, size_t pathsz, const char *text, size_t len)
{
    FILE *f;
    int fd;

    snprintf(path, pathsz, "/tmp/handoff-test-ingest-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

struct run {
    char path[64];
    char map[64];
    struct an_data d;
    struct an_ingest_result res;
    struct hd_err err;
    int rc;
};

/*
 * Ingest `len` bytes of `text` with the generic profile, or with the
 * mapping `map` when not NULL; the dataset is finished (events ordered).
 */
static void run_ingest_limit(struct run *r, const char *text, size_t len, const char *map,
                             size_t max_events_per_ticket)
{
    struct an_ingest_opts o;

    memset(r, 0, sizeof(*r));
    write_tmp(r->path, sizeof(r->path), text, len);
    an_ingest_opts_init(&o);
    o.not_after_ms = hd_days_from_civil(2027, 1, 1) * HD_MS_PER_DAY;
    if (map) {
        write_tmp(r->map, sizeof(r->map), map, strlen(map));
        o.profile = NULL;
        o.map_path = r->map;
    }
    if (max_events_per_ticket) {
        o.max_events_per_ticket = max_events_per_ticket;
    }
    an_data_init(&r->d);
    r->rc = an_ingest_file(&r->d, r->path, &o, &r->res, &r->err);
    an_data_finish(&r->d);
}

static void run_ingest(struct run *r, const char *text, size_t len, const char *map)
{
    run_ingest_limit(r, text, len, map, 0);
}

static void run_release(struct run *r)
{
    unlink(r->path);
    if (r->map[0]) {
        unlink(r->map);
    }
    an_ingest_result_release(&r->res);
    an_data_release(&r->d);
}

static void run_text(struct run *r, const char *text, const char *map)
{
    run_ingest(r, text, strlen(text), map);
}

/* The rows-read identity every ingest must keep. */
static void assert_accounted(const struct an_ingest_result *res)
{
    assert_int_equal(res->rows_read, res->rows_used + res->rows_rejected + res->rows_duplicate);
    assert_int_equal(res->rows_rejected, res->nrejects);
}

/* Event i of ticket `key` (events ordered by an_data_finish), or NULL. */
static const struct an_event *ticket_event(const struct run *r, const char *key, uint32_t i)
{
    for (size_t t = 0; t < r->d.ntickets; t++) {
        const struct an_ticket *tk = &r->d.tickets[t];
        if (!strcmp(an_str(&r->d, tk->key), key)) {
            return i < tk->nevents ? &r->d.events[tk->first + i] : NULL;
        }
    }
    return NULL;
}

static uint32_t ticket_nevents(const struct run *r, const char *key)
{
    for (size_t t = 0; t < r->d.ntickets; t++) {
        if (!strcmp(an_str(&r->d, r->d.tickets[t].key), key)) {
            return r->d.tickets[t].nevents;
        }
    }
    return 0;
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return hd_days_from_civil(y, mo, d) * HD_MS_PER_DAY + h * HD_MS_PER_H + mi * HD_MS_PER_MIN;
}

/* ---- CSV: lines and dialects ------------------------------------------ */

static void csv_line__quoted_multiline_fields__rows_keep_first_and_last_line(void **state)
{
    struct run r;
    (void)state;
    run_text(&r,
             "ticket,time,kind,note\n"                               /* 1 */
             "T1,2026-10-01T09:00:00Z,opened,\n"                     /* 2 */
             "T1,2026-10-01T09:01:00Z,note,\"first line\n"           /* 3 */
             "second, with a comma\n"                                /* 4 */
             "third\"\n"                                             /* 5 */
             "T1,2026-10-01T09:02:00Z,note,\"one \"\"quoted\"\"\"\n" /* 6 */
             "T1,2026-10-01T09:03:00Z,bogus,\"x\n"                   /* 7 */
             "y\"\n"                                                 /* 8 */
             "T1,2026-10-01T09:04:00Z,note,last\n",                  /* 9 */
             NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 5);
    assert_int_equal(ticket_nevents(&r, "T1"), 4);
    assert_int_equal(ticket_event(&r, "T1", 0)->line, 2);
    assert_int_equal(ticket_event(&r, "T1", 1)->line, 3);
    assert_string_equal(an_str(&r.d, ticket_event(&r, "T1", 1)->text),
                        "first line\nsecond, with a comma\nthird");
    assert_int_equal(ticket_event(&r, "T1", 2)->line, 6);
    assert_string_equal(an_str(&r.d, ticket_event(&r, "T1", 2)->text), "one \"quoted\"");
    assert_int_equal(ticket_event(&r, "T1", 3)->line, 9);
    /* The rejected row spans lines 7-8 and keeps both in its raw text. */
    assert_int_equal(r.res.nrejects, 1);
    assert_int_equal(r.res.rejects[0].reason, AN_REJ_KIND);
    assert_int_equal(r.res.rejects[0].line, 7);
    assert_int_equal(r.res.rejects[0].last_line, 8);
    assert_string_equal(r.res.rejects[0].raw, "T1,2026-10-01T09:03:00Z,bogus,\"x\ny\"");
    run_release(&r);
}

static void csv_dialect__bom_crlf_no_final_newline__same_events_as_plain(void **state)
{
    static const char plain[] = "ticket,time,kind,note\n"
                                "T1,2026-10-01T09:00:00Z,opened,\n"
                                "T1,2026-10-01T09:01:00Z,note,\"a\nb\"\n"
                                "T1,2026-10-01T09:02:00Z,note,end\n";
    static const char dialect[] = "\xEF\xBB\xBFticket,time,kind,note\r\n"
                                  "T1,2026-10-01T09:00:00Z,opened,\r\n"
                                  "T1,2026-10-01T09:01:00Z,note,\"a\nb\"\r\n"
                                  "T1,2026-10-01T09:02:00Z,note,end";
    struct run a, b;
    (void)state;
    run_text(&a, plain, NULL);
    run_text(&b, dialect, NULL);
    assert_int_equal(a.rc, HD_OK);
    assert_int_equal(b.rc, HD_OK);
    assert_accounted(&b.res);
    assert_int_equal(b.res.rows_read, 3);
    assert_int_equal(b.res.rows_used, 3);
    assert_int_equal(ticket_nevents(&b, "T1"), 3);
    for (uint32_t i = 0; i < 3; i++) {
        const struct an_event *x = ticket_event(&a, "T1", i), *y = ticket_event(&b, "T1", i);
        assert_int_equal(x->t_ms, y->t_ms);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->line, y->line);
        assert_string_equal(an_str(&a.d, x->text), an_str(&b.d, y->text));
    }
    assert_int_equal(ticket_event(&b, "T1", 2)->line, 5);
    run_release(&a);
    run_release(&b);
}

static void csv_fast_path__quoted_and_plain_rows__same_row_same_events(void **state)
{
    /* Rows without quotes are split in place, single-line rows with quotes
     * by csv_quoted_line (multi-line ones by libcsv, as in the test above):
     * the same fields must give the same row, whichever way they came. */
    static const char plain[] = "ticket,time,kind,note\n"
                                "T1,2026-10-01T09:00:00Z,opened,\n"
                                "T1,2026-10-01T09:01:00Z,note, a b \n"
                                "\n"
                                "T1,2026-10-01T09:02:00Z,note,end\n";
    static const char quoted[] = "ticket,time,kind,note\n"
                                 "\"T1\",\"2026-10-01T09:00:00Z\",\"opened\",\"\"\n"
                                 "T1,2026-10-01T09:01:00Z,note,\" a b \"\n"
                                 "\n"
                                 "\"T1\",2026-10-01T09:02:00Z,note,\"end\"\n"
                                 "T1,2026-10-01T09:02:00Z,note,end\n";
    struct run a, b;
    (void)state;
    run_text(&a, plain, NULL);
    run_text(&b, quoted, NULL);
    assert_int_equal(a.rc, HD_OK);
    assert_int_equal(b.rc, HD_OK);
    assert_accounted(&a.res);
    assert_accounted(&b.res);
    assert_int_equal(a.res.rows_read, 3);
    assert_int_equal(b.res.rows_read, 4);
    assert_int_equal(b.res.rows_duplicate, 1); /* the plain copy of a quoted row */
    assert_int_equal(ticket_nevents(&a, "T1"), 3);
    assert_int_equal(ticket_nevents(&b, "T1"), 3);
    for (uint32_t i = 0; i < 3; i++) {
        const struct an_event *x = ticket_event(&a, "T1", i), *y = ticket_event(&b, "T1", i);
        assert_int_equal(x->t_ms, y->t_ms);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->line, y->line); /* the blank line counts in both */
        assert_string_equal(an_str(&a.d, x->text), an_str(&b.d, y->text));
    }
    assert_string_equal(an_str(&a.d, ticket_event(&a, "T1", 1)->text), " a b ");
    run_release(&a);
    run_release(&b);
}

static void csv_fast_path__comma_inside_a_field__not_the_same_row(void **state)
{
    /* Joined by commas both rows read "T1,...,note,x,y", but their fields
     * differ: the second is a row of its own (rejected: kind 'note,x'). */
    static const char text[] = "ticket,time,kind,note\n"
                               "T1,2026-10-01T09:00:00Z,note,\"x,y\"\n"
                               "T1,2026-10-01T09:00:00Z,\"note,x\",y\n"
                               "T1,2026-10-01T09:00:00Z,note,x,y\n";
    struct run r;
    (void)state;
    run_text(&r, text, NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 3);
    assert_int_equal(r.res.rows_used, 1);
    assert_int_equal(r.res.rows_duplicate, 0);
    assert_int_equal(r.res.rows_rejected, 2);
    assert_int_equal(r.res.by_reason[AN_REJ_KIND], 1);
    assert_int_equal(r.res.by_reason[AN_REJ_COLUMNS], 1); /* 5 columns, unquoted */
    assert_string_equal(an_str(&r.d, ticket_event(&r, "T1", 0)->text), "x,y");
    run_release(&r);
}

static void csv_header__repeated_names__name_hash_n_picks_the_nth(void **state)
{
    static const char map[] = "{\"columns\": {\"ticket\": \"id\", \"time\": \"at\","
                              " \"kind\": \"what\", \"note\": \"note#2\","
                              " \"agent\": \"#5\"}}";
    struct run r;
    (void)state;
    run_text(&r,
             "id,at,what,note,note\n"
             "T1,2026-10-01T09:00:00Z,note,first,second\n"
             "T1,2026-10-01T09:01:00Z,assigned,,\n",
             map);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_used, 1);
    assert_string_equal(an_str(&r.d, ticket_event(&r, "T1", 0)->text), "second");
    /* "#5" is the fifth column, the second "note": empty, so no agent. */
    assert_int_equal(r.res.by_reason[AN_REJ_VALUE], 1);
    run_release(&r);
}

static void csv_header__mapped_column_missing__einput_with_file_and_line(void **state)
{
    struct run r;
    (void)state;
    run_text(&r, "\n\nid,at,what\nT1,2026-10-01T09:00:00Z,opened\n",
             "{\"columns\": {\"ticket\": \"id\", \"time\": \"at\", \"kind\": \"kind\"}}");
    assert_int_equal(r.rc, HD_EINPUT);
    assert_int_equal(r.err.line, 3);
    assert_string_equal(r.err.src, r.path);
    assert_non_null(strstr(r.err.msg, "no column 'kind'"));
    run_release(&r);
}

/* ---- row accounting ---------------------------------------------------- */

static void rows__mixed_file__read_equals_used_plus_rejected_plus_duplicates(void **state)
{
    struct run r;
    (void)state;
    run_text(&r,
             "ticket,time,kind,group,state,priority,note\n"
             "T1,2026-10-01T09:00:00Z,opened,Service Desk,,P2,\n" /* used (2 events) */
             "T1,2026-10-01T09:00:00Z,opened,Service Desk,,P2,\n" /* duplicate */
             "T1,2026-10-01T09:05:00Z,state,,in_progress,,\n"     /* used */
             "T1,2026-10-01T09:06:00Z,state,,sleeping,,\n"        /* bad_value */
             "T1,1989-12-31T23:59:59Z,note,,,,old\n"              /* time_too_early */
             "T1,2027-01-02T00:00:00Z,note,,,,future\n"           /* time_too_late */
             "T1,yesterday,note,,,,when\n"                        /* bad_time */
             ",2026-10-01T09:07:00Z,note,,,,who\n"                /* missing_ticket */
             "T1,2026-10-01T09:08:00Z,note,,\n"                   /* wrong_columns */
             "T1,2026-10-01T09:09:00Z,teleported,,,,\n"           /* bad_kind */
             "T1,2026-10-01T09:10:00Z,note,,,,caf\xC3\n"          /* invalid_utf8 */
             "T1,2026-10-01T09:11:00Z,priority,,,P9,\n"           /* bad_value */
             "T1,2026-10-01T09:05:00Z,state,,in_progress,,\n"     /* duplicate */
             "T2,2026-10-01T10:00:00Z,opened,,,,\n",              /* used */
             NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 14);
    assert_int_equal(r.res.rows_used, 3);
    assert_int_equal(r.res.rows_duplicate, 2);
    assert_int_equal(r.res.rows_rejected, 9);
    assert_int_equal(r.res.by_reason[AN_REJ_VALUE], 2);
    assert_int_equal(r.res.by_reason[AN_REJ_TIME_EARLY], 1);
    assert_int_equal(r.res.by_reason[AN_REJ_TIME_LATE], 1);
    assert_int_equal(r.res.by_reason[AN_REJ_TIME], 1);
    assert_int_equal(r.res.by_reason[AN_REJ_NO_TICKET], 1);
    assert_int_equal(r.res.by_reason[AN_REJ_COLUMNS], 1);
    assert_int_equal(r.res.by_reason[AN_REJ_KIND], 1);
    assert_int_equal(r.res.by_reason[AN_REJ_UTF8], 1);
    assert_int_equal(r.res.events, 4);
    assert_int_equal(r.res.tickets, 2);
    assert_int_equal(r.res.rejects[0].line, 5);
    assert_int_equal(r.res.rejects[8].line, 13);
    run_release(&r);
}

static void rows__unterminated_quote__only_its_row_rejected_rows_after_read_again(void **state)
{
    struct run r;
    (void)state;
    run_text(&r,
             "ticket,time,kind,note\n"
             "T1,2026-10-01T09:00:00Z,opened,\n"
             "T1,2026-10-01T09:01:00Z,note,\"never closed\n"
             "T1,2026-10-01T09:02:00Z,note,after\n"
             "T2,2026-10-01T09:03:00Z,opened,\n",
             NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 4);
    assert_int_equal(r.res.rows_used, 3);
    assert_int_equal(r.res.nrejects, 1);
    assert_int_equal(r.res.rejects[0].reason, AN_REJ_QUOTE);
    assert_int_equal(r.res.rejects[0].line, 3);
    assert_string_equal(r.res.rejects[0].raw, "T1,2026-10-01T09:01:00Z,note,\"never closed");
    assert_int_equal(ticket_event(&r, "T1", 1)->line, 4);
    assert_int_equal(ticket_event(&r, "T2", 0)->line, 5);
    run_release(&r);
}

static void rows__field_over_the_limit__rejected_next_row_used(void **state)
{
    size_t big = (1u << 20) + 10, n = 0;
    char *text = malloc(big + 200);
    struct run r;
    (void)state;
    assert_non_null(text);
    n += (size_t)snprintf(text, 200, "ticket,time,kind,note\nT1,2026-10-01T09:00:00Z,note,");
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)snprintf(text + n, 200, "\nT1,2026-10-01T09:01:00Z,note,ok\n");
    run_ingest(&r, text, n, NULL);
    free(text);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 2);
    assert_int_equal(r.res.by_reason[AN_REJ_FIELD_SIZE], 1);
    assert_int_equal(r.res.rejects[0].line, 2);
    /* The raw text kept is capped, and says so. */
    assert_true(strlen(r.res.rejects[0].raw) < 4200);
    assert_non_null(strstr(r.res.rejects[0].raw, "... (truncated to 4096 bytes)"));
    assert_int_equal(ticket_event(&r, "T1", 0)->line, 3);
    run_release(&r);
}

static void rows__fields_of_exactly_the_limit__accepted_quoted_or_not(void **state)
{
    size_t max = (1u << 20) - 1, n = 0;
    char *text = malloc(2 * max + 400);
    struct run r;
    (void)state;
    assert_non_null(text);
    n += (size_t)snprintf(text, 200, "ticket,time,kind,note\nT1,2026-10-01T09:00:00Z,note,\"");
    memset(text + n, 'q', max);
    n += max;
    n += (size_t)snprintf(text + n, 200, "\"\nT1,2026-10-01T09:01:00Z,note,");
    memset(text + n, 'u', max);
    n += max;
    text[n++] = '\n';
    run_ingest(&r, text, n, NULL);
    free(text);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_used, 2);
    assert_int_equal(strlen(an_str(&r.d, ticket_event(&r, "T1", 0)->text)), max);
    assert_int_equal(strlen(an_str(&r.d, ticket_event(&r, "T1", 1)->text)), max);
    run_release(&r);
}

static void rows__empty_and_header_only__error_and_note(void **state)
{
    struct run r;
    (void)state;
    run_text(&r, "\n  \n", NULL);
    assert_int_equal(r.rc, HD_EINPUT);
    assert_string_equal(r.err.msg, "empty file");
    run_release(&r);
    run_text(&r, "ticket,time,kind", NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_int_equal(r.res.rows_read, 0);
    assert_true(r.res.header_only);
    run_release(&r);
}

static void rows__ndjson_and_array__elements_keep_their_lines(void **state)
{
    struct run r;
    (void)state;
    run_text(&r,
             "{\"ticket\":\"T1\",\"time\":\"2026-10-01T09:00:00Z\",\"kind\":\"opened\"}\n"
             "\n"
             "{\"ticket\":\"T1\",\"time\":\"2026-10-01T09:01:00Z\",\"kind\":\"note\","
             "\"note\":\"hi\",\"public\":true}\n"
             "{not json\n",
             NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 3);
    assert_int_equal(ticket_event(&r, "T1", 1)->line, 3);
    assert_true(ticket_event(&r, "T1", 1)->flags & AN_EV_PUBLIC);
    assert_int_equal(r.res.rejects[0].reason, AN_REJ_JSON);
    assert_int_equal(r.res.rejects[0].line, 4);
    run_release(&r);

    run_text(&r,
             "[\n"
             "  {\"ticket\": \"T1\", \"time\": \"2026-10-01T09:00:00Z\", \"kind\": \"opened\"},\n"
             "  {\"ticket\": \"T1\",\n"
             "   \"time\": \"2026-10-01T09:01:00Z\", \"kind\": \"escalated\", \"target\": "
             "\"security\"},\n"
             "  42\n"
             "]\n",
             NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 3);
    assert_int_equal(ticket_event(&r, "T1", 1)->line, 3);
    assert_int_equal(ticket_event(&r, "T1", 1)->kind, HD_KIND_ESCALATED);
    assert_int_equal(r.res.rejects[0].line, 5);
    run_release(&r);
}

static void rows__unclosed_json_array__rejects_only_the_unfinished_element(void **state)
{
    struct run r;
    (void)state;
    run_text(&r,
             "[\n"
             "  {\"ticket\": \"T1\", \"time\": \"2026-10-01T09:00:00Z\", \"kind\": \"opened\"},\n"
             "  {\"ticket\": \"T1\", \"time\": \"2026-10-01T09:01:00Z\",\n"
             "   \"kind\": \"note\", \"note\": \"cut off\"\n",
             NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_read, 2);
    assert_int_equal(r.res.rows_used, 1);
    assert_int_equal(r.res.rejects[0].reason, AN_REJ_JSON);
    assert_int_equal(r.res.rejects[0].line, 3);
    assert_int_equal(r.res.rejects[0].last_line, 4);
    assert_string_equal(r.res.rejects[0].raw, "{\"ticket\": \"T1\", \"time\": "
                                              "\"2026-10-01T09:01:00Z\",\n"
                                              "   \"kind\": \"note\", \"note\": \"cut off\"");
    run_release(&r);
}

static void rows__past_the_per_ticket_limit__too_many_events(void **state)
{
    static const char text[] = "ticket,time,kind,note\n"
                               "T1,2026-10-01T09:00:00Z,opened,\n"
                               "T1,2026-10-01T09:01:00Z,note,a\n"
                               "T1,2026-10-01T09:02:00Z,note,b\n"
                               "T2,2026-10-01T09:03:00Z,note,c\n";
    struct run r;
    (void)state;
    run_ingest_limit(&r, text, strlen(text), NULL, 2);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_used, 3);
    assert_int_equal(r.res.by_reason[AN_REJ_TOO_MANY], 1);
    assert_int_equal(r.res.rejects[0].line, 4);
    run_release(&r);
}

static void rows__repeated_values__bad_ones_rejected_every_time(void **state)
{
    /* Ingest remembers each column's last value; a bad value must still be
     * rejected each time it appears, and a good one mean the same again. */
    static const char text[] = "ticket,time,kind,state\n"
                               "T1,2026-10-01T09:00:00Z,state,in_progress\n"
                               "T2,2026-10-01T09:00:00Z,state,in_progress\n"
                               "T3,2026-10-01T09:00:00Z,state,bogus\n"
                               "T4,2026-10-01T09:00:00Z,state,bogus\n"
                               "T5,2026-10-01T09:00:00Z,state,in_progress\n"
                               "T6,yesterday,state,in_progress\n"
                               "T7,yesterday,state,in_progress\n"
                               "T8,1989-12-31T23:59:59Z,state,in_progress\n"
                               "T9,1989-12-31T23:59:59Z,state,in_progress\n";
    struct run r;
    (void)state;
    run_text(&r, text, NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_used, 3);
    assert_int_equal(r.res.by_reason[AN_REJ_VALUE], 2);
    assert_int_equal(r.res.by_reason[AN_REJ_TIME], 2);
    assert_int_equal(r.res.by_reason[AN_REJ_TIME_EARLY], 2);
    for (const char *const *k = (const char *const[]){"T1", "T2", "T5", NULL}; *k; k++) {
        const struct an_event *e = ticket_event(&r, *k, 0);
        assert_non_null(e);
        assert_int_equal(e->state, HD_STATE_IN_PROGRESS);
        assert_int_equal(e->t_ms, utc(2026, 10, 1, 9, 0));
    }
    run_release(&r);
}

static void profile__mapping_file_missing__einput(void **state)
{
    struct an_ingest_opts o;
    struct an_ingest_result res;
    struct an_data d;
    struct hd_err err = HD_ERR_INIT;
    (void)state;
    an_ingest_opts_init(&o);
    o.profile = NULL;
    o.map_path = "/nonexistent/handoff-map.json";
    an_data_init(&d);
    assert_int_equal(an_ingest_file(&d, "/nonexistent/export.csv", &o, &res, &err), HD_EINPUT);
    assert_string_equal(err.src, "/nonexistent/handoff-map.json");
    an_ingest_result_release(&res);
    an_data_release(&d);
}

static void profile__unknown_name__eusage(void **state)
{
    struct an_ingest_opts o;
    struct an_ingest_result res;
    struct an_data d;
    struct hd_err err = HD_ERR_INIT;
    (void)state;
    an_ingest_opts_init(&o);
    o.profile = "zendesk";
    an_data_init(&d);
    assert_int_equal(an_ingest_file(&d, "/nonexistent/export.csv", &o, &res, &err), HD_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown profile 'zendesk'"));
    an_ingest_result_release(&res);
    an_data_release(&d);
}

/* ---- generic rows -> events ------------------------------------------- */

static void generic__opened_with_group__also_assigned_and_dash_clears(void **state)
{
    struct run r;
    const struct an_event *e;
    (void)state;
    run_text(&r,
             "ticket,time,kind,group,agent\n"
             "T1,2026-10-01T09:00:00Z,opened,Service Desk,\n"
             "T1,2026-10-01T09:01:00Z,assigned,,ana\n"
             "T1,2026-10-01T09:02:00Z,assigned,-,\n",
             NULL);
    assert_int_equal(r.rc, HD_OK);
    assert_int_equal(ticket_nevents(&r, "T1"), 4);
    assert_int_equal(ticket_event(&r, "T1", 0)->kind, HD_KIND_OPENED);
    e = ticket_event(&r, "T1", 1);
    assert_int_equal(e->kind, HD_KIND_ASSIGNED);
    assert_string_equal(an_str(&r.d, e->group), "Service Desk");
    /* A stated group states the agent too: none, the group's queue. */
    assert_int_equal(e->flags, AN_EV_GROUP | AN_EV_AGENT);
    assert_int_equal(e->agent, 0);
    e = ticket_event(&r, "T1", 2);
    assert_int_equal(e->flags, AN_EV_AGENT);
    assert_string_equal(an_str(&r.d, e->agent), "ana");
    e = ticket_event(&r, "T1", 3);
    assert_int_equal(e->flags, AN_EV_GROUP | AN_EV_AGENT);
    assert_int_equal(e->group, 0);
    run_release(&r);
}

/* ---- snapshot diffing --------------------------------------------------- */

static const char snap_map[] =
    "{\"name\": \"snap\", \"shape\": \"snapshots\", \"missing\": [\"?\"],"
    " \"columns\": {\"ticket\": \"number\", \"time\": \"updated\", \"opened\": \"opened\","
    " \"state\": \"state\", \"group\": \"group\", \"agent\": \"agent\","
    " \"priority\": \"priority\", \"src_reassignment_count\": \"reassigned\"},"
    " \"values\": {\"state\": {\"Active\": \"in_progress\", \"-100\": \"none\"}}}";

static void snapshot__first_version__opened_then_assigned_then_state(void **state)
{
    struct run r;
    const struct an_event *e;
    (void)state;
    run_text(&r,
             "number,updated,opened,state,group,agent,priority,reassigned\n"
             "S1,2026-10-01T09:05:00Z,2026-10-01T09:00:00Z,new,Service Desk,?,3,0\n"
             /* opened_at later than the first version: the first version wins */
             "S2,2026-10-01T09:05:00Z,2026-10-01T10:00:00Z,new,?,?,3,0\n",
             snap_map);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(ticket_nevents(&r, "S1"), 3);
    e = ticket_event(&r, "S1", 0);
    assert_int_equal(e->kind, HD_KIND_OPENED);
    assert_int_equal(e->t_ms, utc(2026, 10, 1, 9, 0));
    assert_int_equal(e->priority, 3);
    e = ticket_event(&r, "S1", 1);
    assert_int_equal(e->kind, HD_KIND_ASSIGNED);
    assert_int_equal(e->t_ms, utc(2026, 10, 1, 9, 5));
    assert_string_equal(an_str(&r.d, e->group), "Service Desk");
    e = ticket_event(&r, "S1", 2);
    assert_int_equal(e->kind, HD_KIND_STATE);
    assert_int_equal(e->state, HD_STATE_NEW);
    /* No group, no agent: no assignment. */
    assert_int_equal(ticket_nevents(&r, "S2"), 2);
    assert_int_equal(ticket_event(&r, "S2", 0)->t_ms, utc(2026, 10, 1, 9, 5));
    assert_int_equal(ticket_event(&r, "S2", 1)->kind, HD_KIND_STATE);
    run_release(&r);
}

static void snapshot__ties_and_out_of_order__by_time_then_source_order(void **state)
{
    struct run r;
    const struct an_event *e;
    (void)state;
    /* Lines 2-5; sorted by time: line 3 (09:00), then 09:10 in file order: 2, 4, 5. */
    run_text(&r,
             "number,updated,opened,state,group,agent,priority,reassigned\n"
             "S1,2026-10-01T09:10:00Z,2026-10-01T09:00:00Z,Active,Network L2,?,3,1\n"
             "S1,2026-10-01T09:00:00Z,2026-10-01T09:00:00Z,new,Service Desk,?,3,0\n"
             "S1,2026-10-01T09:10:00Z,2026-10-01T09:00:00Z,Active,Identity L2,?,3,2\n"
             "S1,2026-10-01T09:10:00Z,2026-10-01T09:00:00Z,Active,Network L2,?,3,3\n",
             snap_map);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    /* opened, assigned SD, state new, then the three 09:10 versions. */
    assert_int_equal(ticket_nevents(&r, "S1"), 7);
    e = ticket_event(&r, "S1", 3);
    assert_int_equal(e->kind, HD_KIND_ASSIGNED);
    assert_int_equal(e->line, 2);
    assert_string_equal(an_str(&r.d, e->group), "Network L2");
    /* Group and state changed in the same version: both events, assignment first. */
    e = ticket_event(&r, "S1", 4);
    assert_int_equal(e->kind, HD_KIND_STATE);
    assert_int_equal(e->line, 2);
    assert_int_equal(e->state, HD_STATE_IN_PROGRESS);
    e = ticket_event(&r, "S1", 5);
    assert_int_equal(e->line, 4);
    assert_string_equal(an_str(&r.d, e->group), "Identity L2");
    e = ticket_event(&r, "S1", 6);
    assert_int_equal(e->line, 5);
    assert_string_equal(an_str(&r.d, e->group), "Network L2");
    for (uint32_t i = 1; i < 7; i++) {
        assert_true(ticket_event(&r, "S1", i)->ord > ticket_event(&r, "S1", i - 1)->ord);
    }
    /* The source's counter is taken from the last version in that order. */
    assert_int_equal(r.d.tickets[0].src_reassignment_count, 3);
    run_release(&r);
}

static void snapshot__none_states_and_empty_priorities__values_left_unchanged(void **state)
{
    struct run r;
    (void)state;
    run_text(&r,
             "number,updated,opened,state,group,agent,priority,reassigned\n"
             "S1,2026-10-01T09:00:00Z,2026-10-01T09:00:00Z,Active,SD,?,3,0\n"
             "S1,2026-10-01T09:01:00Z,2026-10-01T09:00:00Z,-100,SD,?,3,0\n"
             "S1,2026-10-01T09:02:00Z,2026-10-01T09:00:00Z,-100,SD,?,3,0\n"
             "S1,2026-10-01T09:03:00Z,2026-10-01T09:00:00Z,Active,SD,?,3,0\n"
             "S1,2026-10-01T09:04:00Z,2026-10-01T09:00:00Z,resolved,SD,?,2,0\n"
             /* an empty priority leaves the priority as it was */
             "S1,2026-10-01T09:05:00Z,2026-10-01T09:00:00Z,resolved,SD,?,?,0\n"
             "S1,2026-10-01T09:06:00Z,2026-10-01T09:00:00Z,closed,SD,?,2,0\n",
             snap_map);
    assert_int_equal(r.rc, HD_OK);
    assert_accounted(&r.res);
    assert_int_equal(r.res.rows_used, 7);
    /* opened, assigned, state in_progress, state resolved, priority 2, state closed. */
    assert_int_equal(ticket_nevents(&r, "S1"), 6);
    assert_int_equal(ticket_event(&r, "S1", 5)->state, HD_STATE_CLOSED);
    assert_int_equal(ticket_event(&r, "S1", 2)->state, HD_STATE_IN_PROGRESS);
    assert_int_equal(ticket_event(&r, "S1", 3)->state, HD_STATE_RESOLVED);
    assert_int_equal(ticket_event(&r, "S1", 3)->line, 6);
    assert_int_equal(ticket_event(&r, "S1", 4)->kind, HD_KIND_PRIORITY);
    run_release(&r);
}

static void snapshot__header_only__no_versions_no_events(void **state)
{
    struct run r;
    (void)state;
    /* Under UBSan this once failed: qsort(NULL, 0, ...) on no versions. */
    run_text(&r, "number,updated,opened,state,group,agent,priority,reassigned\n", snap_map);
    assert_int_equal(r.rc, HD_OK);
    assert_true(r.res.header_only);
    assert_int_equal(r.res.rows_read, 0);
    assert_int_equal(r.d.nevents, 0);
    run_release(&r);
}

/* ---- saving --------------------------------------------------------------- */

static void save__same_file_twice__adds_nothing_and_keeps_lines(void **state)
{
    struct hd_store *st = NULL;
    struct hd_err err = HD_ERR_INIT;
    struct an_save_stats ss;
    struct run r;
    (void)state;
    assert_int_equal(hd_store_open(":memory:", HD_STORE_CREATE, &st, &err), HD_OK);
    for (int pass = 0; pass < 2; pass++) {
        run_text(&r,
                 "ticket,time,kind,group,note\n"
                 "T1,2026-10-01T09:00:00Z,opened,Service Desk,\n"
                 "T1,2026-10-01T09:01:00Z,note,,same\n"
                 "T1,2026-10-01T09:01:00Z,note,,same\n"
                 "T1,2026-10-01T09:02:00Z,state,,\n",
                 NULL);
        assert_int_equal(r.rc, HD_OK);
        assert_int_equal(an_save(st, &r.d, &r.res, NULL, &ss, &err), HD_OK);
        assert_int_equal(ss.events_new, pass ? 0 : 3);
        assert_int_equal(ss.events_known, pass ? 3 : 0);
        assert_int_equal(ss.source_was_complete, pass);
        run_release(&r);
    }
    hd_store_close(st);
}

/* ---- limits --------------------------------------------------------------- */

static void ingest__header_over_column_limit__file_refused(void **state)
{
    struct an_ingest_opts o;
    struct an_ingest_result res;
    struct an_data d;
    struct hd_err err = HD_ERR_INIT;
    char path[64];
    (void)state;
    write_tmp(path, sizeof(path), "ticket,time,kind,a,b\n", 21);
    an_ingest_opts_init(&o);
    o.max_columns = 4;
    an_data_init(&d);
    assert_int_equal(an_ingest_file(&d, path, &o, &res, &err), HD_EINPUT);
    assert_string_equal(err.msg, "header has more than 4 columns (the limit)");
    an_ingest_result_release(&res);
    an_data_release(&d);
    unlink(path);
}

static void ingest__nul_bytes__row_rejected_or_file_refused(void **state)
{
    static const char rows[] = "ticket,time,kind\nT1,2026-10-01T09:00:00Z,op\0ened\n"
                               "T1,2026-10-01T09:01:00Z,opened\n";
    struct an_ingest_opts o;
    struct an_ingest_result res;
    struct an_data d;
    struct hd_err err = HD_ERR_INIT;
    char path[64];
    (void)state;
    an_ingest_opts_init(&o);
    write_tmp(path, sizeof(path), rows, sizeof(rows) - 1);
    an_data_init(&d);
    assert_int_equal(an_ingest_file(&d, path, &o, &res, &err), HD_OK);
    assert_int_equal(res.rows_read, 2);
    assert_int_equal(res.by_reason[AN_REJ_UTF8], 1);
    assert_string_equal(res.rejects[0].detail, "NUL byte in column 'kind'");
    an_ingest_result_release(&res);
    an_data_release(&d);
    unlink(path);
    write_tmp(path, sizeof(path), "\0\0\0", 3);
    an_data_init(&d);
    assert_int_equal(an_ingest_file(&d, path, &o, &res, &err), HD_EINPUT);
    assert_string_equal(err.msg, "NUL byte at byte 0: a binary file, not a text export");
    an_ingest_result_release(&res);
    an_data_release(&d);
    unlink(path);
}

static void ingest__json_deeper_than_limit__row_rejected(void **state)
{
    static const char rows[] = "{\"ticket\":\"T1\",\"x\":[[[1]]]}\n"
                               "{\"ticket\":\"T1\",\"time\":\"2026-10-01T09:00:00Z\",\"kind\":"
                               "\"opened\",\"x\":[[1]]}\n";
    struct an_ingest_opts o;
    struct an_ingest_result res;
    struct an_data d;
    struct hd_err err = HD_ERR_INIT;
    char path[64];
    (void)state;
    an_ingest_opts_init(&o);
    o.max_json_depth = 3;
    write_tmp(path, sizeof(path), rows, sizeof(rows) - 1);
    an_data_init(&d);
    assert_int_equal(an_ingest_file(&d, path, &o, &res, &err), HD_OK);
    assert_int_equal(res.rows_read, 2);
    assert_int_equal(res.rows_used, 1);
    assert_int_equal(res.by_reason[AN_REJ_JSON], 1);
    assert_string_equal(res.rejects[0].detail, "nested deeper than the limit of 3 levels");
    an_ingest_result_release(&res);
    an_data_release(&d);
    unlink(path);
}

/* A source left incomplete by a killed ingest is refused, not read as whole. */
static void load__incomplete_source__refused_with_how_to_fix(void **state)
{
    struct hd_store *st = NULL;
    struct hd_err err = HD_ERR_INIT;
    struct an_save_stats ss;
    struct an_data all;
    struct run r;
    (void)state;
    assert_int_equal(hd_store_open(":memory:", HD_STORE_CREATE, &st, &err), HD_OK);
    run_text(&r, "ticket,time,kind\nT1,2026-10-01T09:00:00Z,opened\n", NULL);
    assert_int_equal(an_save(st, &r.d, &r.res, NULL, &ss, &err), HD_OK);
    run_release(&r);
    assert_int_equal(hd_store_exec(st, "UPDATE sources SET complete = 0", &err), HD_OK);
    an_data_init(&all);
    assert_int_equal(an_load(st, &all, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "was not ingested completely"));
    assert_non_null(strstr(err.msg, "run 'handoff ingest"));
    an_data_release(&all);
    hd_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_line__quoted_multiline_fields__rows_keep_first_and_last_line),
        cmocka_unit_test(csv_dialect__bom_crlf_no_final_newline__same_events_as_plain),
        cmocka_unit_test(csv_fast_path__quoted_and_plain_rows__same_row_same_events),
        cmocka_unit_test(csv_fast_path__comma_inside_a_field__not_the_same_row),
        cmocka_unit_test(csv_header__repeated_names__name_hash_n_picks_the_nth),
        cmocka_unit_test(csv_header__mapped_column_missing__einput_with_file_and_line),
        cmocka_unit_test(rows__mixed_file__read_equals_used_plus_rejected_plus_duplicates),
        cmocka_unit_test(rows__unterminated_quote__only_its_row_rejected_rows_after_read_again),
        cmocka_unit_test(rows__field_over_the_limit__rejected_next_row_used),
        cmocka_unit_test(rows__fields_of_exactly_the_limit__accepted_quoted_or_not),
        cmocka_unit_test(rows__empty_and_header_only__error_and_note),
        cmocka_unit_test(rows__ndjson_and_array__elements_keep_their_lines),
        cmocka_unit_test(rows__unclosed_json_array__rejects_only_the_unfinished_element),
        cmocka_unit_test(rows__past_the_per_ticket_limit__too_many_events),
        cmocka_unit_test(rows__repeated_values__bad_ones_rejected_every_time),
        cmocka_unit_test(profile__mapping_file_missing__einput),
        cmocka_unit_test(profile__unknown_name__eusage),
        cmocka_unit_test(generic__opened_with_group__also_assigned_and_dash_clears),
        cmocka_unit_test(snapshot__first_version__opened_then_assigned_then_state),
        cmocka_unit_test(snapshot__ties_and_out_of_order__by_time_then_source_order),
        cmocka_unit_test(snapshot__none_states_and_empty_priorities__values_left_unchanged),
        cmocka_unit_test(snapshot__header_only__no_versions_no_events),
        cmocka_unit_test(save__same_file_twice__adds_nothing_and_keeps_lines),
        cmocka_unit_test(ingest__header_over_column_limit__file_refused),
        cmocka_unit_test(ingest__nul_bytes__row_rejected_or_file_refused),
        cmocka_unit_test(ingest__json_deeper_than_limit__row_rejected),
        cmocka_unit_test(load__incomplete_source__refused_with_how_to_fix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
