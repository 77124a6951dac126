/*
 * Ingest: files -> rows -> events in an in-memory dataset. CSV goes through
 * libcsv fed one physical line at a time, so every row knows its first and
 * last line; JSON goes through jansson one element at a time. Rows become
 * events by the profile (an_int.h); snapshot logs are diffed in snapshot.c.
 * Nothing here touches SQLite (save.c does).
 */
#include "analyzer/ingest.h"

#include <csv.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyzer/an_int.h"
#include "analyzer/dataset.h"
#include "analyzer/ingest_int.h"
#include "core/alloc.h"
#include "core/bits.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/time.h"

#define RAW_CAP 4096
#define CHUNK   (1 << 20)

static const char *const reason_names[AN_REJ__COUNT] = {
    "wrong_columns",  "unterminated_quote", "field_too_long", "invalid_utf8",
    "missing_ticket", "bad_time",           "time_too_early", "time_too_late",
    "bad_kind",       "bad_value",          "bad_json",       "too_many_events",
};

const char *an_reject_reason_name(enum an_reject_reason r)
{
    return (unsigned)r < AN_REJ__COUNT ? reason_names[r] : "unknown";
}

void an_ingest_opts_init(struct an_ingest_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->profile = "generic";
    o->not_before_ms = hd_days_from_civil(1990, 1, 1) * HD_MS_PER_DAY;
    o->not_after_ms = (int64_t)time(NULL) * 1000 + HD_MS_PER_DAY;
    o->max_field = (1 << 20) - 1;
    o->max_events_per_ticket = 100000;
    o->max_columns = 10000;
    o->max_json_depth = 64;
}

void an_ingest_result_init(struct an_ingest_result *r)
{
    memset(r, 0, sizeof(*r));
    r->first_ms = AN_TIME_NONE;
    r->last_ms = AN_TIME_NONE;
}

void an_ingest_result_release(struct an_ingest_result *r)
{
    for (size_t i = 0; i < r->nrejects; i++) {
        free(r->rejects[i].detail);
        free(r->rejects[i].raw);
    }
    free(r->rejects);
    an_ingest_result_init(r);
}

/* ---- rejects and bookkeeping ------------------------------------------ */

void ing_reject(struct ing *c, uint32_t line, uint32_t last_line, enum an_reject_reason why,
                const char *raw, size_t rawlen, const char *fmt, ...)
{
    struct an_ingest_result *r = c->res;
    struct an_reject *rj;
    char detail[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    HD_GROW(r->rejects, r->rejects_alloc, r->nrejects + 1);
    rj = &r->rejects[r->nrejects++];
    rj->source = c->source;
    rj->line = line;
    rj->last_line = last_line ? last_line : line;
    rj->reason = (uint8_t)why;
    rj->detail = hd_xstrdup(detail);
    if (rawlen > RAW_CAP) {
        struct hd_buf b = HD_BUF_INIT;
        hd_buf_add(&b, raw, RAW_CAP, NULL);
        /* Only the first bytes of a long CSV record are captured at all, so
         * rawlen need not be the record's full length: do not claim one. */
        hd_buf_addf(&b, NULL, "... (truncated to %d bytes)", RAW_CAP);
        rj->raw = hd_buf_detach(&b, NULL);
    } else {
        rj->raw = hd_xstrndup(raw ? raw : "", raw ? rawlen : 0);
    }
    r->rows_rejected++;
    r->by_reason[why]++;
}

/*
 * Duplicate rows. The exact record is an open-addressing set of 64-bit row
 * hashes, sized for the whole file at once (rehashing was a hot spot) and on
 * huge pages; but a probe there is a cache miss per row, the largest single
 * cost of parsing. So a row first meets a small filter: one 64-bit word per
 * ticket id (in its struct ing_tid), with one bit set per row hash seen
 * there. A duplicate has the same ticket and hash, so a clear bit proves the
 * row new:
 * it only joins a pending list, inserted into the set in one batch (its
 * misses overlapped) before the set is next consulted. Only rows whose bit
 * is already set (a tenth, with ~12 rows a ticket) probe the set.
 */
static size_t seen_slot(uint64_t h, size_t size)
{
    return (size_t)((h * 0x9E3779B97F4A7C15ull) >> 7) & (size - 1);
}

static void seen_reserve(struct ing *c, size_t extra)
{
    size_t n;
    uint64_t *s;

    /* At most 2/3 full: linear probing stays short, and the table (one
     * cache miss per row) stays half the size a 1/2 limit gave for 1M rows. */
    if ((c->nseen + extra + 1) * 3 <= c->seen_size * 2) {
        return;
    }
    n = c->seen_size ? c->seen_size * 2 : 4096;
    while (n * 2 < c->expect_rows * 3 && n < ((size_t)1 << 26)) {
        n *= 2; /* the file's guess, capped: a wrong guess must not reserve GBs */
    }
    while (n * 2 < (c->nseen + extra + 1) * 3) {
        n *= 2; /* what is needed, always */
    }
    s = hd_big_zalloc(n * sizeof(*s));
    for (size_t i = 0; i < c->seen_size; i++) {
        if (c->seen[i]) {
            size_t j = seen_slot(c->seen[i], n); /* where lookups will start */
            while (s[j]) {
                j = (j + 1) & (n - 1);
            }
            s[j] = c->seen[i];
        }
    }
    hd_big_free(c->seen, c->seen_size * sizeof(*c->seen));
    c->seen = s;
    c->seen_size = n;
}

/* Add h to the set; 1 when it was there already. */
static int seen_insert(struct ing *c, uint64_t h)
{
    size_t mask = c->seen_size - 1;

    for (size_t j = seen_slot(h, c->seen_size);; j = (j + 1) & mask) {
        if (c->seen[j] == h) {
            return 1;
        }
        if (!c->seen[j]) {
            c->seen[j] = h;
            c->nseen++;
            return 0;
        }
    }
}

/* Insert the pending hashes, all their slots requested first. */
static void seen_flush(struct ing *c)
{
    if (!c->npending) {
        return;
    }
    seen_reserve(c, c->npending);
    for (size_t i = 0; i < c->npending; i++) {
        HD_PREFETCH(&c->seen[seen_slot(c->pending[i], c->seen_size)]);
    }
    for (size_t i = 0; i < c->npending; i++) {
        seen_insert(c, c->pending[i]);
    }
    c->npending = 0;
}

int ing_seen_row(struct ing *c, uint64_t h)
{
    if (h == 0) {
        h = 1;
    }
    seen_flush(c);
    seen_reserve(c, 0);
    return seen_insert(c, h);
}

/*
 * Ticket ids. Rows of many tickets interleave in an export, so finding a
 * row's ticket cost several cache misses per row: the intern table's slot,
 * entry and string, then the dataset's ticket map and ticket. The table
 * below, one entry per ticket id of this file keyed by the hash of its text,
 * keeps the id's intern id and dataset ticket once a row of it was used, and
 * the id's duplicate filter word, so a row's ticket costs one miss (its
 * entry, prefetched while the row is validated). Texts whose hashes collide
 * share an entry's filter word, which only makes the filter say "maybe";
 * the intern id and ticket belong to the text that came first, checked
 * against the text kept in the entry (or, when longer, the interned one).
 */
static void tid_grow(struct ing *c)
{
    size_t n = c->tids_size * 2, mask;
    struct ing_tid *t;

    if (!n) {
        /* ~1 ticket id per 12 rows at 3/4 load: 6 MiB for 1M rows */
        n = 1024;
        while (n < c->expect_rows / 12 && n < ((size_t)1 << 22)) {
            n *= 2;
        }
    }
    t = hd_big_zalloc(n * sizeof(*t));
    mask = n - 1;
    for (size_t i = 0; i < c->tids_size; i++) {
        if (c->tids[i].h) {
            size_t j = c->tids[i].h & mask;
            while (t[j].h) {
                j = (j + 1) & mask;
            }
            t[j] = c->tids[i];
        }
    }
    hd_big_free(c->tids, c->tids_size * sizeof(*c->tids));
    c->tids = t;
    c->tids_size = n;
}

static uint64_t tid_hash(const char *s, size_t n)
{
    uint64_t h = an_hash(AN_HASH_INIT, s, n);
    return h ? h : 1;
}

/* The entry of hash h, added empty if new; valid until the next call. */
static struct ing_tid *tid_get(struct ing *c, uint64_t h)
{
    size_t mask, j;

    if ((c->ntids + 1) * 4 > c->tids_size * 3) {
        tid_grow(c);
    }
    mask = c->tids_size - 1;
    for (j = h & mask; c->tids[j].h != h; j = (j + 1) & mask) {
        if (!c->tids[j].h) {
            c->tids[j].h = h;
            c->ntids++;
            break;
        }
    }
    return &c->tids[j];
}

/* 1 when entry t (with an intern id) is the row's ticket id. */
static int tid_is(const struct ing *c, const struct ing_tid *t, const struct ing_row *r)
{
    const char *v = r->val[AN_F_TICKET];
    size_t n = r->len[AN_F_TICKET];

    if (t->len <= ING_TID_TEXT) {
        return t->len == n && !memcmp(t->text, v, n);
    }
    const char *s = hd_intern_str(c->d->strs, t->key);
    return n > ING_TID_TEXT && strlen(s) == n && !memcmp(s, v, n);
}

/* Entry t becomes the row's ticket id, whose intern id is key. */
static void tid_claim(struct ing_tid *t, uint32_t key, const struct ing_row *r)
{
    size_t n = r->len[AN_F_TICKET];

    t->key = key;
    if (n <= ING_TID_TEXT) {
        memcpy(t->text, r->val[AN_F_TICKET], n);
        t->len = (uint8_t)n;
    } else {
        t->len = ING_TID_TEXT + 1;
    }
}

/* 1 when the row (hash h, ticket id key) repeats an earlier row. */
static int seen_ticket_row(struct ing *c, uint64_t *word, uint64_t h)
{
    uint64_t bit;

    if (h == 0) {
        h = 1;
    }
    bit = (uint64_t)1 << (h >> 58);
    if (!(*word & bit)) {
        *word |= bit; /* never seen: new for certain */
        HD_GROW(c->pending, c->pending_alloc, c->npending + 1);
        c->pending[c->npending++] = h;
        if (c->npending >= 4096) {
            seen_flush(c);
        }
        return 0;
    }
    return ing_seen_row(c, h);
}

uint32_t ing_next_ord(struct ing *c, uint32_t ticket)
{
    if (ticket >= c->nords) {
        size_t old = c->ords_alloc;
        HD_GROW(c->ords, c->ords_alloc, (size_t)ticket + 1);
        memset(c->ords + old, 0, (c->ords_alloc - old) * sizeof(*c->ords));
        c->nords = c->ords_alloc;
    }
    return c->ords[ticket]++;
}

void ing_note_time(struct ing *c, int64_t t)
{
    if (c->res->first_ms == AN_TIME_NONE || t < c->res->first_ms) {
        c->res->first_ms = t;
    }
    if (c->res->last_ms == AN_TIME_NONE || t > c->res->last_ms) {
        c->res->last_ms = t;
    }
}

/* ---- field helpers ---------------------------------------------------- */

static int is_missing(const struct ing *c, const char *s, size_t n)
{
    for (size_t i = 0; i < c->p->nmissing; i++) {
        const char *m = c->p->missing[i];
        if (m[0] == s[0] && strlen(m) == n && !memcmp(m, s, n)) {
            return 1;
        }
    }
    return 0;
}

/*
 * Intern field f's value. Each field remembers its last value (up to
 * ING_LAST_MAX bytes): consecutive rows of a ticket, or of a group's queue,
 * repeat most values, and a compare is cheaper than a hash probe.
 */
uint32_t ing_intern(struct ing *c, const struct ing_row *r, enum an_field f)
{
    size_t n = r->len[f];
    struct ing_last *l = &c->last[f];
    uint32_t id;

    if (!n) {
        return 0;
    }
    if (l->id && l->len == n && !memcmp(l->text, r->val[f], n)) {
        return l->id;
    }
    id = hd_intern_id(c->d->strs, r->val[f], n);
    if (n <= ING_LAST_MAX) {
        memcpy(l->text, r->val[f], n);
        l->len = (uint8_t)n;
        l->id = id;
    }
    return id;
}

/*
 * Parse the time in field f. Returns 0 and *t, or the reject reason after
 * recording the reject.
 */
int ing_time(struct ing *c, const struct ing_row *r, enum an_field f, int64_t *t, int required)
{
    if (!r->len[f]) {
        if (!required) {
            *t = AN_TIME_NONE;
            return 0;
        }
        ing_reject(c, r->line, r->last_line, AN_REJ_TIME, r->raw, r->rawlen,
                   "missing time in column '%s'", c->p->columns[f]);
        return 1;
    }
    /* The same text as this column's last good time (a ticket's versions
     * repeat its opened time): the same instant, without parsing. */
    struct ing_last *l = &c->last_time[f];
    if (l->id && l->len == r->len[f] && !memcmp(l->text, r->val[f], r->len[f])) {
        *t = c->last_time_ms[f];
    } else {
        if (hd_time_parse(r->val[f], r->len[f], c->p->time_fmt, c->tz, t, NULL)) {
            /* Parse again for the message: only bad rows pay for one. */
            struct hd_err e = HD_ERR_INIT;
            hd_time_parse(r->val[f], r->len[f], c->p->time_fmt, c->tz, t, &e);
            ing_reject(c, r->line, r->last_line, AN_REJ_TIME, r->raw, r->rawlen,
                       "column '%s': %s", c->p->columns[f], e.msg);
            return 1;
        }
        if (r->len[f] <= ING_LAST_MAX) {
            memcpy(l->text, r->val[f], r->len[f]);
            l->len = (uint8_t)r->len[f];
            l->id = 1;
            c->last_time_ms[f] = *t;
        }
    }
    if (*t < c->o->not_before_ms) {
        char when[40];
        hd_time_format(c->o->not_before_ms, when, sizeof(when));
        ing_reject(c, r->line, r->last_line, AN_REJ_TIME_EARLY, r->raw, r->rawlen,
                   "column '%s': time '%.*s' is before %s", c->p->columns[f], (int)r->len[f],
                   r->val[f], when);
        return 1;
    }
    if (*t > c->o->not_after_ms) {
        ing_reject(c, r->line, r->last_line, AN_REJ_TIME_LATE, r->raw, r->rawlen,
                   "column '%s': time '%.*s' is after the export date", c->p->columns[f],
                   (int)r->len[f], r->val[f]);
        return 1;
    }
    return 0;
}

/* Map a state value; returns 1 and rejects when unknown. *s may be NONE. */
int ing_state(struct ing *c, const struct ing_row *r, enum hd_state *s)
{
    const char *name = r->val[AN_F_STATE];
    size_t len = r->len[AN_F_STATE];
    const char *m;

    *s = HD_STATE_NONE;
    if (!len) {
        return 0;
    }
    if (c->last_state.id && c->last_state.len == len && !memcmp(c->last_state.text, name, len)) {
        *s = (enum hd_state)(c->last_state.id - 1); /* the last value, mapped before */
        return 0;
    }
    if (len <= ING_LAST_MAX) {
        memcpy(c->last_state.text, name, len);
        c->last_state.len = (uint8_t)len;
        c->last_state.id = 0; /* set below once the value maps */
    }
    m = an_vmap_get(&c->p->states, name, len);
    if (m) {
        *s = hd_state_from_name(m, strlen(m)); /* "none" -> NONE: value ignored */
    } else {
        *s = hd_state_from_name(name, len);
        if (*s == HD_STATE_NONE) {
            ing_reject(c, r->line, r->last_line, AN_REJ_VALUE, r->raw, r->rawlen,
                       "unknown state '%.*s' in column '%s'", (int)len, name,
                       c->p->columns[AN_F_STATE]);
            return 1;
        }
    }
    if (len <= ING_LAST_MAX) {
        c->last_state.id = (uint32_t)*s + 1;
    }
    return 0;
}

int ing_priority(struct ing *c, const struct ing_row *r, int *prio)
{
    *prio = 0;
    if (!r->len[AN_F_PRIORITY]) {
        return 0;
    }
    *prio = hd_priority_parse(r->val[AN_F_PRIORITY], r->len[AN_F_PRIORITY]);
    if (!*prio) {
        ing_reject(c, r->line, r->last_line, AN_REJ_VALUE, r->raw, r->rawlen,
                   "bad priority '%.*s' in column '%s' (P1..P5, 1..5, or '1 - Critical')",
                   (int)r->len[AN_F_PRIORITY], r->val[AN_F_PRIORITY], c->p->columns[AN_F_PRIORITY]);
        return 1;
    }
    return 0;
}

/* Set *dst from field f unless it is set: only then is the value interned. */
static void set_if_empty(struct ing *c, uint32_t *dst, const struct ing_row *r, enum an_field f)
{
    if (!*dst && r->len[f]) {
        *dst = ing_intern(c, r, f);
    }
}

/* Ticket attributes a row may carry (first non-empty value wins). */
void ing_ticket_attrs(struct ing *c, struct an_ticket *t, const struct ing_row *r)
{
    set_if_empty(c, &t->title, r, AN_F_TITLE);
    set_if_empty(c, &t->description, r, AN_F_DESCRIPTION);
    set_if_empty(c, &t->requester, r, AN_F_REQUESTER);
    set_if_empty(c, &t->requester_tier, r, AN_F_REQUESTER_TIER);
    set_if_empty(c, &t->asset, r, AN_F_ASSET);
    set_if_empty(c, &t->asset_class, r, AN_F_ASSET_CLASS);
    set_if_empty(c, &t->channel, r, AN_F_CHANNEL);
}

uint32_t ing_ticket(struct ing *c, const struct ing_row *r)
{
    uint32_t client = c->client ? c->client : ing_intern(c, r, AN_F_CLIENT);
    struct ing_tid *t = c->cur_tid;
    uint32_t key, idx;

    if (t && t->key && tid_is(c, t, r)) {
        key = t->key;
    } else {
        key = ing_intern(c, r, AN_F_TICKET);
        if (t && !t->key) {
            tid_claim(t, key, r);
        } else {
            t = NULL; /* the entry is another id's whose hash is the same */
        }
    }
    /* Exports often list a ticket's rows together: skip the map lookup. */
    if (c->last_ticket && key == c->last_key && client == c->last_client) {
        idx = c->last_ticket - 1;
    } else {
        if (t && t->ticket && t->client == client) {
            idx = t->ticket - 1;
        } else {
            idx = an_data_ticket(c->d, client, key);
            if (t) {
                t->ticket = idx + 1;
                t->client = client;
            }
        }
        c->last_ticket = idx + 1;
        c->last_key = key;
        c->last_client = client;
    }

    if (idx >= c->nords || c->ords[idx] == 0) {
        if (idx >= c->ntouched_alloc * 8) {
            size_t old = c->ntouched_alloc;
            HD_GROW(c->touched, c->ntouched_alloc, (size_t)idx / 8 + 1);
            memset(c->touched + old, 0, c->ntouched_alloc - old);
        }
        if (!(c->touched[idx / 8] & (1u << (idx % 8)))) {
            c->touched[idx / 8] |= (uint8_t)(1u << (idx % 8));
            c->res->tickets++;
        }
    }
    return idx;
}

/* ---- event-log rows ---------------------------------------------------- */

static void add_event(struct ing *c, struct an_event *ev)
{
    ev->source = c->source;
    ev->ord = ing_next_ord(c, ev->ticket);
    an_data_add_event(c->d, ev);
    c->res->events++;
    ing_note_time(c, ev->t_ms);
}

static int need(struct ing *c, const struct ing_row *r, enum an_field f, enum hd_kind k)
{
    if (r->len[f]) {
        return 0;
    }
    const char *name = hd_kind_name(k);
    ing_reject(c, r->line, r->last_line, AN_REJ_VALUE, r->raw, r->rawlen,
               "%s '%s' event needs a value in column '%s'", name[0] == 'e' ? "an" : "a", name,
               c->p->columns[f] ? c->p->columns[f] : an_field_name(f));
    return 1;
}

static int public_flag(const struct ing_row *r)
{
    const char *v = r->val[AN_F_PUBLIC];
    size_t n = r->len[AN_F_PUBLIC];
    return (n == 1 && (v[0] == '1' || v[0] == 'y' || v[0] == 'Y')) ||
           (n == 4 && !strncasecmp(v, "true", 4)) || (n == 3 && !strncasecmp(v, "yes", 3));
}

static void event_row(struct ing *c, const struct ing_row *r)
{
    struct an_event ev;
    enum hd_kind kind;
    enum hd_state st;
    int prio;
    int64_t t;
    const char *km;
    uint32_t ti;

    memset(&ev, 0, sizeof(ev));
    km = an_vmap_get(&c->p->kinds, r->val[AN_F_KIND], r->len[AN_F_KIND]);
    kind = km ? hd_kind_from_name(km, strlen(km))
              : hd_kind_from_name(r->val[AN_F_KIND], r->len[AN_F_KIND]);
    if (ing_time(c, r, AN_F_TIME, &t, 1)) {
        return;
    }
    if (kind == HD_KIND_NONE) {
        ing_reject(c, r->line, r->last_line, AN_REJ_KIND, r->raw, r->rawlen,
                   r->len[AN_F_KIND] ? "unknown event kind '%.*s'" : "missing event kind%.*s",
                   (int)r->len[AN_F_KIND], r->val[AN_F_KIND]);
        return;
    }
    if (ing_state(c, r, &st) || ing_priority(c, r, &prio)) {
        return;
    }
    switch (kind) {
    case HD_KIND_ASSIGNED:
        if (!r->len[AN_F_GROUP] && !r->len[AN_F_AGENT]) {
            ing_reject(c, r->line, r->last_line, AN_REJ_VALUE, r->raw, r->rawlen,
                       "an 'assigned' event needs a group or an agent");
            return;
        }
        break;
    case HD_KIND_STATE:
        if (need(c, r, AN_F_STATE, kind)) {
            return;
        }
        if (st == HD_STATE_NONE) { /* mapped to "none": nothing to record */
            ing_reject(c, r->line, r->last_line, AN_REJ_VALUE, r->raw, r->rawlen,
                       "state '%.*s' maps to no state", (int)r->len[AN_F_STATE],
                       r->val[AN_F_STATE]);
            return;
        }
        break;
    case HD_KIND_PRIORITY:
        if (need(c, r, AN_F_PRIORITY, kind)) {
            return;
        }
        break;
    case HD_KIND_CATEGORY:
        if (need(c, r, AN_F_CATEGORY, kind)) {
            return;
        }
        break;
    case HD_KIND_NOTE:
        if (need(c, r, AN_F_NOTE, kind)) {
            return;
        }
        break;
    case HD_KIND_LINKED:
        if (need(c, r, AN_F_LINKED, kind)) {
            return;
        }
        break;
    case HD_KIND_ESCALATED:
        if (need(c, r, AN_F_TARGET, kind)) {
            return;
        }
        break;
    default:
        break;
    }
    ti = ing_ticket(c, r);
    if (c->ords && ti < c->nords && c->ords[ti] >= c->o->max_events_per_ticket) {
        ing_reject(c, r->line, r->last_line, AN_REJ_TOO_MANY, r->raw, r->rawlen,
                   "more than %zu events for ticket '%.*s'", c->o->max_events_per_ticket,
                   (int)r->len[AN_F_TICKET], r->val[AN_F_TICKET]);
        return;
    }
    c->res->rows_used++;
    struct an_ticket *tk = &c->d->tickets[ti];
    ing_ticket_attrs(c, tk, r);
    ev.ticket = ti;
    ev.t_ms = t;
    ev.line = r->line;
    ev.kind = (uint8_t)kind;
    ev.category = ing_intern(c, r, AN_F_CATEGORY);
    ev.subcategory = ing_intern(c, r, AN_F_SUBCATEGORY);
    if (prio) {
        tk->priority = prio;
        ev.priority = (uint8_t)prio;
    }
    if (ev.category) {
        tk->category = ev.category;
        tk->subcategory = ev.subcategory;
    }
    switch (kind) {
    case HD_KIND_OPENED:
        if (tk->opened_ms == AN_TIME_NONE || t < tk->opened_ms) {
            tk->opened_ms = t;
        }
        break;
    case HD_KIND_STATE:
        ev.state = (uint8_t)st;
        break;
    case HD_KIND_NOTE:
        ev.text = ing_intern(c, r, AN_F_NOTE);
        if (public_flag(r)) {
            ev.flags |= AN_EV_PUBLIC;
        }
        break;
    case HD_KIND_LINKED:
        ev.text = ing_intern(c, r, AN_F_LINKED);
        break;
    case HD_KIND_ESCALATED:
        ev.text = ing_intern(c, r, AN_F_TARGET);
        break;
    default:
        break;
    }
    if (kind != HD_KIND_ASSIGNED) {
        add_event(c, &ev);
    }
    /* An `assigned` row, or an `opened` row naming its first owner. */
    if (kind == HD_KIND_ASSIGNED ||
        (kind == HD_KIND_OPENED && (r->len[AN_F_GROUP] || r->len[AN_F_AGENT]))) {
        struct an_event a = ev;
        a.kind = HD_KIND_ASSIGNED;
        a.text = 0;
        a.priority = 0;
        a.category = a.subcategory = 0;
        a.group = ing_intern(c, r, AN_F_GROUP);
        a.agent = ing_intern(c, r, AN_F_AGENT);
        /* A stated group also states the agent: none means the group's queue. */
        a.flags = (uint8_t)((r->len[AN_F_GROUP] ? AN_EV_GROUP | AN_EV_AGENT : 0) |
                            (r->len[AN_F_AGENT] ? AN_EV_AGENT : 0));
        if (r->len[AN_F_GROUP] == 1 && r->val[AN_F_GROUP][0] == '-') {
            a.group = 0; /* "-" clears the group */
        }
        add_event(c, &a);
    }
}

/* ---- one row, from any reader ----------------------------------------- */

/* 1 when s[0, n) is ASCII without NUL, eight bytes a step. */
static int plain_ascii(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t w;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if ((w & high) || ((w - ones) & ~w & high)) {
            return 0;
        }
    }
    for (; i < n; i++) {
        if (s[i] == '\0' || (unsigned char)s[i] >= 0x80) {
            return 0;
        }
    }
    return 1;
}

void ing_row(struct ing *c, struct ing_row *r, uint64_t rowhash)
{
    uint64_t th = 0;

    if (r->len[AN_F_TICKET]) {
        th = tid_hash(r->val[AN_F_TICKET], r->len[AN_F_TICKET]);
        if (!c->tids) {
            tid_grow(c);
        }
        /* Validating the row hides the cache miss (its entry's home slot). */
        HD_PREFETCH(&c->tids[th & (c->tids_size - 1)]);
    }
    c->res->rows_read++;
    for (int k = 0; k < (r->fields ? r->nfields : AN_F__COUNT); k++) {
        int f = r->fields ? r->fields[k] : k;
        if (!r->len[f]) {
            continue;
        }
        if (is_missing(c, r->val[f], r->len[f])) {
            r->len[f] = 0;
            continue;
        }
        if (r->ascii || plain_ascii(r->val[f], r->len[f])) {
            continue; /* neither NUL nor anything but ASCII: nothing to check */
        }
        if (memchr(r->val[f], '\0', r->len[f])) {
            /* Text exports have no NUL bytes; one means binary data. */
            ing_reject(c, r->line, r->last_line, AN_REJ_UTF8, r->raw, r->rawlen,
                       "NUL byte in column '%s'", c->p->columns[f]);
            return;
        }
        if (!an_utf8_valid(r->val[f], r->len[f])) {
            ing_reject(c, r->line, r->last_line, AN_REJ_UTF8, r->raw, r->rawlen,
                       "invalid UTF-8 in column '%s'", c->p->columns[f]);
            return;
        }
    }
    if (!r->len[AN_F_TICKET]) {
        ing_reject(c, r->line, r->last_line, AN_REJ_NO_TICKET, r->raw, r->rawlen,
                   "missing ticket id in column '%s'", c->p->columns[AN_F_TICKET]);
        return;
    }
    c->cur_tid = tid_get(c, th);
    if (seen_ticket_row(c, &c->cur_tid->filt, rowhash)) {
        c->res->rows_duplicate++;
    } else if (c->p->shape == AN_SHAPE_SNAPSHOTS) {
        ing_snapshot_row(c, r);
    } else {
        event_row(c, r);
    }
    c->cur_tid = NULL;
}

/* ---- CSV ---------------------------------------------------------------- */

/*
 * A record's fields live back to back in one text with a one-byte separator
 * after each (libcsv's fields in c->fbuf joined by ','; or the line itself
 * on the fast path): field i is text[foff[i], foff[i + 1] - 1). The text
 * without its last separator is then the record as unquoted CSV, which is
 * what a row's identity hashes.
 */
#define FIELD_LEN(off, i) ((off)[(i) + 1] - (off)[(i)] - 1)

static void csv_field(void *s, size_t len, void *data)
{
    struct ing *c = data;
    if (c->csv_overflow || c->csv_too_many_cols) {
        return;
    }
    if (c->nfields >= c->o->max_columns) {
        c->csv_too_many_cols = 1; /* stop storing fields: memory stays bounded */
        return;
    }
    HD_GROW(c->foff, c->foff_alloc, c->nfields + 2);
    c->foff[c->nfields] = c->fbuf.len;
    if (len > c->o->max_field) {
        c->csv_field_too_long = c->csv_field_too_long ? c->csv_field_too_long : c->nfields + 1;
        len = 0;
    }
    if (len && memchr(s, ',', len)) {
        c->csv_comma = 1; /* the joined text alone no longer tells the fields apart */
    }
    if (hd_buf_add(&c->fbuf, s, len, NULL) || hd_buf_addch(&c->fbuf, ',', NULL)) {
        c->csv_overflow = 1;
        return;
    }
    c->nfields++;
    c->foff[c->nfields] = c->fbuf.len;
}

static int header_index(const struct ing *c, const char *name)
{
    /* "name" is the first column so named; "name#2" the second; "#5" the fifth. */
    const char *hash = strrchr(name, '#');
    size_t n = hash ? (size_t)(hash - name) : strlen(name);
    long want = 1;

    if (hash) {
        char *end;
        errno = 0;
        want = strtol(hash + 1, &end, 10);
        if (errno || *end || want < 1) {
            hash = NULL;
            n = strlen(name);
            want = 1;
        } else if (n == 0) {
            return want <= (long)c->ncols ? (int)want - 1 : -1;
        }
    }
    for (size_t i = 0; i < c->ncols; i++) {
        if (strlen(c->cols[i]) == n && !memcmp(c->cols[i], name, n) && --want == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void csv_header(struct ing *c)
{
    c->ncols = c->nfields;
    c->cols = hd_xcalloc(c->ncols + 1, sizeof(char *));
    for (size_t i = 0; i < c->nfields; i++) {
        const char *s = c->fbuf.buf + c->foff[i];
        size_t n = FIELD_LEN(c->foff, i);
        if (i == 0 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
            s += 3; /* a UTF-8 byte-order mark from a spreadsheet */
            n -= 3;
        }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        c->cols[i] = hd_xstrndup(s, n);
    }
    for (int f = 0; f < AN_F__COUNT; f++) {
        c->colidx[f] = -1;
        if (!c->p->columns[f]) {
            continue;
        }
        c->colidx[f] = header_index(c, c->p->columns[f]);
        if (c->colidx[f] < 0 && !c->optional_columns) {
            hd_err_set(c->err, HD_EINPUT, c->path, c->row_line,
                       "no column '%s' (mapped to '%s'); is this a %s export?", c->p->columns[f],
                       an_field_name(f), c->p->name);
            c->fatal = 1;
            return;
        }
    }
    for (int f = 0; f < AN_F__COUNT; f++) {
        int required = f == AN_F_TICKET || f == AN_F_TIME ||
                       (f == AN_F_KIND && c->p->shape == AN_SHAPE_EVENTS);
        if (required && c->colidx[f] < 0) {
            hd_err_set(c->err, HD_EINPUT, c->path, c->row_line,
                       "no column '%s' in the header; is this a %s %s?", c->p->columns[f],
                       c->p->name, c->p->shape == AN_SHAPE_EVENTS ? "event log" : "export");
            c->fatal = 1;
            return;
        }
    }
    memset(&c->csv_row, 0, sizeof(c->csv_row));
    c->ncsv_fields = 0;
    for (int f = 0; f < AN_F__COUNT; f++) {
        c->csv_row.val[f] = "";
        if (c->colidx[f] >= 0) {
            c->csv_fields[c->ncsv_fields++] = f;
        }
    }
    c->csv_row.fields = c->csv_fields;
    c->csv_row.nfields = c->ncsv_fields;
    c->have_header = 1;
}

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/*
 * A row's identity within one ingest (never stored): an_hash's mixing on
 * two independent lanes of eight bytes, which halves the dependency chain
 * (a ServiceNow row is ~330 bytes), then an_hash for the tail and the
 * finaliser. Reading the words anyway, it also sets *ascii to whether the
 * text is ASCII without NUL (plain_ascii).
 */
static uint64_t row_hash(const char *text, size_t n, int *ascii)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t a = AN_HASH_INIT, b = AN_HASH_INIT ^ 0x9E3779B97F4A7C15ull, w1, w2, bad = 0;

    while (n >= 16) {
        memcpy(&w1, text, 8);
        memcpy(&w2, text + 8, 8);
        bad |= w1 | w2 | ((w1 - ones) & ~w1) | ((w2 - ones) & ~w2);
        a ^= rotl(w1 * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
        a = rotl(a, 27) * 5 + 0x52dce729;
        b ^= rotl(w2 * 0x4cf5ad432745937full, 33) * 0x87c37b91114253d5ull;
        b = rotl(b, 31) * 5 + 0x38495ab5;
        text += 16;
        n -= 16;
    }
    *ascii = !(bad & high) && plain_ascii(text, n);
    return an_hash(a ^ rotl(b, 17), text, n);
}

/*
 * One record's fields (see FIELD_LEN; offsets in c->foff) to a row. `comma`:
 * some field holds a ',', so the offsets join the identity.
 */
static void csv_fields_row(struct ing *c, const char *text, size_t nfields, const char *raw,
                           size_t rawlen, uint32_t last_line, int comma)
{
    struct ing_row *r = &c->csv_row; /* unmapped fields were set empty once */
    uint64_t h;

    if (nfields != c->ncols) {
        c->res->rows_read++;
        ing_reject(c, c->row_line, last_line, AN_REJ_COLUMNS, raw, rawlen,
                   "%zu columns, the header has %zu", nfields, c->ncols);
        return;
    }
    const size_t *foff = c->foff; /* locals: the stores below may alias c's fields */
    const int *fields = c->csv_fields, *colidx = c->colidx;
    for (int k = 0, nk = c->ncsv_fields; k < nk; k++) {
        int f = fields[k];
        size_t i = (size_t)colidx[f];
        r->val[f] = text + foff[i];
        r->len[f] = FIELD_LEN(foff, i);
    }
    r->line = c->row_line;
    r->last_line = last_line;
    r->raw = raw;
    r->rawlen = rawlen;
    /* Identity of a row: its fields, so CRLF vs LF or quoting does not
     * matter. And one ASCII check of the whole record instead of one per
     * field (the separators are ASCII); a failure has ing_row look field by
     * field. */
    h = row_hash(text, c->foff[nfields] - 1, &r->ascii);
    if (comma) {
        h = an_hash(h, c->foff, (nfields + 1) * sizeof(*c->foff));
    }
    ing_row(c, r, h);
}

static void csv_record(int term, void *data)
{
    struct ing *c = data;

    (void)term;
    if (c->fatal) {
        goto done;
    }
    if (c->csv_overflow && c->have_header) {
        c->res->rows_read++;
        ing_reject(c, c->row_line, c->line, AN_REJ_FIELD_SIZE, c->raw.buf, c->raw.len,
                   "row longer than the limit of %zu bytes", c->fbuf.cap);
        goto done;
    }
    if (!c->have_header) {
        if (c->csv_too_many_cols) {
            hd_err_set(c->err, HD_EINPUT, c->path, c->row_line,
                       "header has more than %zu columns (the limit)", c->o->max_columns);
            c->fatal = 1;
            goto done;
        }
        if (c->csv_overflow || c->csv_field_too_long) {
            hd_err_set(c->err, HD_EINPUT, c->path, c->row_line, "header longer than the limit");
            c->fatal = 1;
            goto done;
        }
        csv_header(c);
        goto done;
    }
    if (c->csv_too_many_cols) {
        c->res->rows_read++;
        ing_reject(c, c->row_line, c->line, AN_REJ_COLUMNS, c->raw.buf, c->raw.len,
                   "more than %zu columns, the header has %zu", c->o->max_columns, c->ncols);
        goto done;
    }
    if (c->csv_field_too_long) {
        c->res->rows_read++;
        ing_reject(c, c->row_line, c->line, AN_REJ_FIELD_SIZE, c->raw.buf, c->raw.len,
                   "column %zu is longer than the limit of %zu bytes", c->csv_field_too_long,
                   c->o->max_field);
        goto done;
    }
    csv_fields_row(c, c->fbuf.buf, c->nfields, c->raw.buf, c->raw.len, c->line, c->csv_comma);
done:
    c->nfields = 0;
    c->csv_comma = 0;
    c->csv_overflow = 0;
    c->csv_field_too_long = 0;
    c->csv_too_many_cols = 0;
    hd_buf_reset(&c->fbuf);
    c->row_done = 1;
}

/* libcsv's states (libcsv.c): 0 = ROW_NOT_BEGUN, 2 = FIELD_BEGUN. */
#define CSV_STATE_ROW_NOT_BEGUN 0
#define CSV_STATE_FIELD_BEGUN   2

static size_t csv_cap; /* libcsv's realloc hook has no context; one ingest at a time */

static void *capped_realloc(void *p, size_t n)
{
    if (n > csv_cap) {
        return NULL; /* libcsv reports CSV_ENOMEM: we turn it into a reject */
    }
    return realloc(p, n);
}

static int space_none(unsigned char ch)
{
    (void)ch;
    return 0; /* keep spaces: RFC 4180 says they are part of the field */
}

static int csv_start(struct csv_parser *p)
{
    if (csv_init(p, CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        return -1;
    }
    csv_set_realloc_func(p, capped_realloc);
    csv_set_space_func(p, space_none);
    return 0;
}

/*
 * An unterminated quote would swallow the rest of the file into one field.
 * So the physical lines of the record being read are kept (`pend`), and
 * when a record that spans lines cannot end (the input ends inside its
 * quoted field, or it grows past the size limit), only its first line is
 * rejected and the lines after it are read again (`replay`). Every row it
 * ran over is then accounted for on its own. docs/schema.md, "Reject
 * reasons".
 */
struct csv_lines {
    struct hd_buf pend;   /* the current record's lines, as read */
    struct hd_buf replay; /* lines to read again before reading on */
    size_t replay_pos;
};

/* The next physical line: replayed lines first, then the reader. */
static int csv_next_line(struct csv_lines *cl, struct ing_reader *rd, const char **line,
                         size_t *len, struct hd_err *err)
{
    if (cl->replay_pos < cl->replay.len) {
        const char *s = cl->replay.buf + cl->replay_pos;
        const char *nl = memchr(s, '\n', cl->replay.len - cl->replay_pos);
        *line = s;
        *len = nl ? (size_t)(nl - s) + 1 : cl->replay.len - cl->replay_pos;
        cl->replay_pos += *len;
        return HD_OK;
    }
    if (cl->replay.len) {
        hd_buf_reset(&cl->replay); /* the caller is done with the last replayed line */
        cl->replay_pos = 0;
    }
    return ing_reader_line(rd, line, len, err);
}

/*
 * The record that began on c->row_line cannot end: reject its first line,
 * queue the lines after it to be read again, and forget the record. The
 * caller restarts the parser and must not touch the current line again
 * (it may have lived in the old replay buffer).
 */
static void csv_requeue(struct ing *c, struct csv_lines *cl, enum an_reject_reason why,
                        const char *what)
{
    const char *s = cl->pend.buf;
    const char *nl = memchr(s, '\n', cl->pend.len);
    size_t first = nl ? (size_t)(nl - s) + 1 : cl->pend.len;
    size_t keep = first;
    struct hd_buf nb;

    while (keep && (s[keep - 1] == '\n' || s[keep - 1] == '\r')) {
        keep--;
    }
    c->res->rows_read++;
    ing_reject(c, c->row_line, c->row_line, why, s, keep,
               "quoted field opened in this row %s; lines %u-%u are read again", what,
               c->row_line + 1, c->line);
    hd_buf_init(&nb, 0);
    hd_buf_add(&nb, s + first, cl->pend.len - first, NULL);
    hd_buf_add(&nb, cl->replay.buf + cl->replay_pos, cl->replay.len - cl->replay_pos, NULL);
    hd_buf_release(&cl->replay);
    cl->replay = nb;
    cl->replay_pos = 0;
    hd_buf_reset(&cl->pend);
    c->line = c->row_line;
    c->nfields = 0;
    c->csv_overflow = 0;
    c->csv_field_too_long = 0;
    c->csv_too_many_cols = 0;
    hd_buf_reset(&c->fbuf);
}

/*
 * A line (n bytes, without its line end) that begins a record and holds
 * quotes, where every quoted field closes on this line and is followed by
 * a ',' or the end of the line, and no unquoted field holds a quote: under
 * RFC 4180 one record, whose fields are unquoted here ("" -> ") into
 * c->fbuf exactly as csv_field joins libcsv's. Such lines are ~13% of a
 * typical export (a title or note with a comma), and libcsv's per-byte
 * callbacks cost them ~7 times what a plain line costs. Anything else
 * returns 0 and goes to libcsv.
 */
static int csv_quoted_line(struct ing *c, const char *line, size_t n)
{
    const char *p = line, *end = line + n;
    size_t nf = 0;
    int comma = 0;
    char *out;

    /* Unquoting never lengthens a field: the fields and their separators
     * take at most n + 1 bytes. */
    if (c->fbuf.len || hd_buf_grow(&c->fbuf, n + 1, NULL)) {
        return 0;
    }
    out = c->fbuf.buf;
    HD_GROW(c->foff, c->foff_alloc, c->ncols + 2);
    c->foff[0] = 0;
    for (;;) {
        char *field = out;
        if (p < end && *p == '"') {
            for (p++;;) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q) {
                    return 0; /* the field goes on past this line */
                }
                memcpy(out, p, (size_t)(q - p));
                out += q - p;
                p = q + 1;
                if (p == end || *p != '"') {
                    break; /* the closing quote */
                }
                *out++ = '"';
                p++;
            }
            if (p < end && *p != ',') {
                return 0; /* text after the closing quote */
            }
            comma |= memchr(field, ',', (size_t)(out - field)) != NULL;
        } else {
            const char *q = memchr(p, ',', (size_t)(end - p));
            const char *fend = q ? q : end;
            if (memchr(p, '"', (size_t)(fend - p))) {
                return 0; /* a quote inside an unquoted field */
            }
            memcpy(out, p, (size_t)(fend - p));
            out += fend - p;
            p = fend;
        }
        *out++ = ',';
        if (++nf > c->o->max_columns) {
            return 0; /* libcsv's path reports it */
        }
        HD_GROW(c->foff, c->foff_alloc, nf + 2);
        c->foff[nf] = (size_t)(out - c->fbuf.buf);
        if (p == end) {
            break;
        }
        p++; /* the ',' */
    }
    c->fbuf.len = (size_t)(out - c->fbuf.buf); /* within the room grown above */
    *out = '\0';
    c->row_line = c->line;
    csv_fields_row(c, c->fbuf.buf, nf, line, n, c->line, comma);
    hd_buf_reset(&c->fbuf);
    return 1;
}

/*
 * A plain line's field offsets into c->foff as its commas are found.
 * `limit`: how many there is room for and the column limit allows, so
 * that each comma costs one check.
 */
struct csv_split {
    size_t *foff, nf, limit, maxc;
};

static void csv_split_start(struct ing *c, struct csv_split *sp)
{
    HD_GROW(c->foff, c->foff_alloc, c->ncols + 2);
    sp->foff = c->foff;
    sp->nf = 0;
    sp->maxc = c->o->max_columns;
    sp->limit = sp->maxc ? sp->maxc - 1 : 0;
    if (c->foff_alloc - 2 < sp->limit) {
        sp->limit = c->foff_alloc - 2;
    }
    sp->foff[0] = 0;
}

/* A comma at line[pos]; 0 when the line has more columns than the limit. */
static inline int csv_split_comma(struct ing *c, struct csv_split *sp, size_t pos)
{
    if (sp->nf >= sp->limit) {
        if (sp->nf + 1 >= sp->maxc) {
            return 0; /* libcsv's path reports it */
        }
        HD_GROW(c->foff, c->foff_alloc, sp->nf + 3);
        sp->foff = c->foff;
        sp->limit = sp->maxc - 1 < c->foff_alloc - 2 ? sp->maxc - 1 : c->foff_alloc - 2;
    }
    sp->foff[++sp->nf] = pos + 1;
    return 1;
}

#if defined(__SSE2__)
/* Bit k set in *commas when p[k] is ',', in *special when '"' or CR. */
static inline void csv_block16(const char *p, unsigned *commas, unsigned *special)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    *commas = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
    *special = (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
}
#endif

/*
 * The fast path: a line that begins a record and holds no quote and no CR
 * but at its end is, under RFC 4180, exactly one record whose fields are the
 * text between commas, which is what libcsv would hand us. Such lines (most
 * of a typical export) are split here in place, without copying; lines
 * with quotes may be taken by csv_quoted_line. Any other line, and any
 * line long enough to hold an oversized field or more columns than the
 * limit, goes through libcsv. Returns 1 when the line was taken.
 *
 * With SSE2 (every x86-64) one pass of 16-byte compares finds the commas,
 * quotes and CRs, and the first quote or CR sends the line on as the
 * memchr checks of the other path would (a CR anywhere: libcsv; else a
 * quote: csv_quoted_line); elsewhere commas are found eight bytes at a
 * time (SWAR) after those checks. One memchr call per field cost more than
 * either search.
 */
static int csv_fast_line(struct ing *c, const char *line, size_t len)
{
    struct csv_split sp;
    size_t n = len;

    if (n && line[n - 1] == '\n') {
        n--;
    }
    if (n && line[n - 1] == '\r') {
        n--;
    }
#if defined(__SSE2__)
    if (n > c->o->max_field) {
        return 0;
    }
#else
    if (n > c->o->max_field || memchr(line, '\r', n)) {
        return 0;
    }
    if (memchr(line, '"', n)) {
        return csv_quoted_line(c, line, n);
    }
#endif
    if (n == 0) {
        return 1; /* a blank line: libcsv skips it too */
    }
    csv_split_start(c, &sp);
#if defined(__SSE2__)
    for (size_t i = 0; i < n;) {
        size_t at = i; /* bit k of the masks is line[at + k] */
        unsigned commas, special;
        if (n - i >= 16) {
            csv_block16(line + i, &commas, &special);
            i += 16;
        } else if (n >= 16) {
            /* the last 16 bytes, without those already seen */
            csv_block16(line + n - 16, &commas, &special);
            commas >>= 16 - (n - i);
            special >>= 16 - (n - i);
            i = n;
        } else {
            char tmp[16] = {0}; /* NULs match nothing */
            memcpy(tmp, line, n);
            csv_block16(tmp, &commas, &special);
            i = n;
        }
        if (special) {
            if (memchr(line + at, '\r', n - at)) {
                return 0;
            }
            return csv_quoted_line(c, line, n);
        }
        for (; commas; commas &= commas - 1) {
            if (!csv_split_comma(c, &sp, at + hd_ctz64(commas))) {
                return 0;
            }
        }
    }
#else
    for (size_t i = 0; i < n; i += 8) {
        size_t span = n - i < 8 ? n - i : 8;
        uint64_t w, m = 0;
        if (HD_LITTLE_ENDIAN && span == 8) {
            const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
            memcpy(&w, line + i, 8);
            w ^= 0x2C2C2C2C2C2C2C2Cull; /* a ',' byte becomes 0 */
            /* the top bit of each byte that is 0; no carry crosses bytes */
            m = ~(((w & low7) + low7) | w | low7);
        } else {
            for (size_t k = 0; k < span; k++) {
                m |= (uint64_t)(line[i + k] == ',') << (8 * k + 7);
            }
        }
        for (; m; m &= m - 1) {
            if (!csv_split_comma(c, &sp, i + hd_ctz64(m) / 8)) {
                return 0;
            }
        }
    }
#endif
    sp.foff[++sp.nf] = n + 1;
    c->row_line = c->line;
    csv_fields_row(c, line, sp.nf, line, n, c->line, 0);
    return 1;
}

/*
 * A hint: start loading the ticket-id entry of the line after the current
 * one, so that its cache miss overlaps the current line's work (prefetched
 * at the start of its own row, it came too late to hide). Its hash is
 * computed again when that row is read; any line that does not look
 * plain up to its ticket field is simply not prefetched.
 */
static void tid_prefetch_next(const struct ing *c, const struct ing_reader *rd)
{
    int col = c->colidx[AN_F_TICKET];
    const char *s, *e, *end;

    if (!c->tids || col < 0 || rd->pos >= rd->len) {
        return;
    }
    s = rd->buf + rd->pos;
    end = rd->buf + rd->len;
    for (int k = 0; k < col; k++) {
        const char *q = memchr(s, ',', (size_t)(end - s));
        if (!q) {
            return;
        }
        s = q + 1;
    }
    for (e = s; e < end && *e != ',' && *e != '\n' && *e != '\r' && *e != '"'; e++) {
    }
    if (e == end || e == s || *e == '"') {
        return;
    }
    HD_PREFETCH(&c->tids[tid_hash(s, (size_t)(e - s)) & (c->tids_size - 1)]);
}

int ing_csv(struct ing *c, struct ing_reader *rd)
{
    struct csv_parser p;
    struct csv_lines cl;
    const char *line;
    size_t len, pend_limit;
    int rc = HD_OK;

    /* libcsv keeps a quoted field's closing quote until it sees what follows,
     * and wants room for that next character and the NUL before reading it. */
    csv_cap = c->o->max_field + 3;
    if (csv_start(&p) != 0) {
        return hd_err_set(c->err, HD_EINTERNAL, c->path, 0, "cannot initialise the CSV parser");
    }
    hd_buf_init(&c->fbuf, c->o->max_field * 4 + 4096);
    hd_buf_init(&c->raw, 0);
    hd_buf_init(&cl.pend, 0);
    hd_buf_init(&cl.replay, 0);
    cl.replay_pos = 0;
    pend_limit = c->fbuf.cap * 2;
    for (;;) {
        rc = csv_next_line(&cl, rd, &line, &len, c->err);
        if (rc) {
            break;
        }
        if (!line) {
            if (c->have_header && p.pstate == CSV_STATE_FIELD_BEGUN && p.quoted &&
                c->line > c->row_line) {
                csv_requeue(c, &cl, AN_REJ_QUOTE, "is not closed by the end of the file");
                csv_free(&p);
                csv_start(&p);
                continue;
            }
            break;
        }
        c->line++;
        tid_prefetch_next(c, rd);
        if (c->have_header && p.pstate == CSV_STATE_ROW_NOT_BEGUN && c->nfields == 0 &&
            csv_fast_line(c, line, len)) {
            if (c->fatal) {
                break;
            }
            if (c->progress_every && (c->res->rows_read & 0xFFFF) == 0) {
                ing_progress(c, rd);
            }
            continue;
        }
        if (p.pstate == CSV_STATE_ROW_NOT_BEGUN && c->nfields == 0) {
            c->row_line = c->line;
            hd_buf_reset(&c->raw);
            hd_buf_reset(&cl.pend);
        }
        hd_buf_add(&cl.pend, line, len, NULL);
        if (c->raw.len < RAW_CAP * 2) {
            size_t keep = len;
            while (keep && (line[keep - 1] == '\n' || line[keep - 1] == '\r')) {
                keep--;
            }
            if (c->raw.len) {
                hd_buf_addch(&c->raw, '\n', NULL);
            }
            hd_buf_add(&c->raw, line, keep < RAW_CAP * 2 ? keep : RAW_CAP * 2, NULL);
        }
        c->row_done = 0;
        if (csv_parse(&p, line, len, csv_field, csv_record, c) != len) {
            csv_free(&p);
            csv_start(&p);
            if (c->have_header && c->line > c->row_line) {
                /* Past the limit inside a field that began on an earlier line. */
                csv_requeue(c, &cl, AN_REJ_FIELD_SIZE, "is still open past the size limit");
                continue;
            }
            /* Out of room for a field: reject what we have and restart at the next line. */
            c->csv_field_too_long = c->nfields + 1;
            csv_record('\n', c);
        } else if (c->have_header && cl.pend.len > pend_limit && c->line > c->row_line &&
                   p.pstate != CSV_STATE_ROW_NOT_BEGUN) {
            csv_free(&p);
            csv_start(&p);
            csv_requeue(c, &cl, AN_REJ_FIELD_SIZE, "is still open past the size limit");
            continue;
        }
        if (c->fatal) {
            break;
        }
        if (c->progress_every && (c->res->rows_read & 0xFFFF) == 0) {
            ing_progress(c, rd);
        }
    }
    if (!rc && !c->fatal) {
        int open_quote = p.pstate == CSV_STATE_FIELD_BEGUN && p.quoted;
        if (open_quote) {
            c->res->rows_read++;
            ing_reject(c, c->row_line, c->line, AN_REJ_QUOTE, c->raw.buf, c->raw.len,
                       "quoted field opened in this row is not closed by the end of the file");
            c->nfields = 0;
        } else {
            csv_fini(&p, csv_field, csv_record, c);
        }
    }
    csv_free(&p);
    hd_buf_release(&c->fbuf);
    hd_buf_release(&c->raw);
    hd_buf_release(&cl.pend);
    hd_buf_release(&cl.replay);
    if (!rc && c->fatal) {
        rc = c->err ? c->err->rc : HD_EINPUT;
    }
    if (!rc && !c->have_header) {
        rc = hd_err_set(c->err, HD_EINPUT, c->path, 0, "empty file: no header row");
    }
    return rc;
}

/* ---- driver ------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ing_progress(struct ing *c, struct ing_reader *rd)
{
    char line[160];
    double dt = now_s() - c->t_start;
    double rate = dt > 0 ? (double)c->res->rows_read / dt : 0;

    if (!c->o->progress) {
        return;
    }
    if (rd->size) {
        snprintf(line, sizeof(line), "ingest %s: %llu rows, %.0f rows/s, %.0f%%", c->path,
                 (unsigned long long)c->res->rows_read, rate,
                 100.0 * (double)rd->bytes / (double)rd->size);
    } else {
        snprintf(line, sizeof(line), "ingest %s: %llu rows, %.0f rows/s", c->path,
                 (unsigned long long)c->res->rows_read, rate);
    }
    c->o->progress(c->o->progress_ctx, line);
}

/*
 * Rows to size tables for: the file size over the mean line length of the
 * first chunk read, plus a margin (a wide ServiceNow row is ~470 bytes, a
 * generic event ~75: one fixed guess reserved 6x too much for one of them).
 * 0 when the size is unknown (stdin): tables then grow as needed.
 */
static size_t expect_rows(const struct ing_reader *rd)
{
    const char *s = rd->buf + rd->pos, *end = rd->buf + rd->len, *nl;
    size_t lines = 0;

    if (!rd->size) {
        return 0;
    }
    while (s < end && (nl = memchr(s, '\n', (size_t)(end - s)))) {
        lines++;
        s = nl + 1;
    }
    if (lines < 2) {
        return (size_t)(rd->size / 48);
    }
    return (size_t)((double)rd->size / ((double)(rd->len - rd->pos) / (double)lines) * 1.1) + 64;
}

int an_ingest_file(struct an_data *d, const char *path, const struct an_ingest_opts *o,
                   struct an_ingest_result *res, struct hd_err *err)
{
    struct ing c;
    struct ing_reader rd;
    const char *zone;
    int rc, first;

    memset(&c, 0, sizeof(c));
    an_ingest_result_init(res);
    c.d = d;
    c.o = o;
    c.res = res;
    c.err = err;
    c.path = path;
    c.t_start = now_s();
    c.progress_every = o->progress != NULL;
    memset(&rd, 0, sizeof(rd));

    rc = an_profile_load(o->profile, o->map_path, &c.p, err);
    if (rc) {
        goto out;
    }
    c.optional_columns = !o->map_path && !strcmp(c.p->name, "generic");
    zone = o->tz ? o->tz : c.p->zone;
    if (zone) {
        rc = hd_tz_open(zone, &c.tz, err);
        if (rc) {
            goto out;
        }
    }
    if (o->client && *o->client) {
        c.client = hd_intern_id(d->strs, o->client, strlen(o->client));
    }
    rc = ing_reader_open(&rd, path, err);
    if (rc) {
        goto out;
    }
    rd.no_digest = o->no_digest;
    /* No row fits in a line longer than this (ingest.h): refuse it, bounded. */
    rd.max_line = o->max_field < ((size_t)1 << 20) ? (size_t)16 << 20 : o->max_field * 16;
    first = ing_reader_peek(&rd, err);
    if (first < 0) {
        rc = err ? err->rc : HD_EIO;
        goto out;
    }
    if (first == 0) {
        rc = hd_err_set(err, HD_EINPUT, path, 0, "empty file");
        goto out;
    }
    /* Size tables from the file only once it looks like text, and cap the
     * guess: a huge or hostile file must be refused, not reserved for. A
     * typical export row is 50-300 bytes; beyond the cap arrays just grow. */
    c.expect_rows = expect_rows(&rd);
    if (c.expect_rows > ((size_t)1 << 24)) {
        c.expect_rows = (size_t)1 << 24;
    }
    /* A snapshot log's versions become more events than rows (see snapshot.c). */
    an_data_reserve(d, c.p->shape == AN_SHAPE_SNAPSHOTS ? c.expect_rows + c.expect_rows / 2
                                                        : c.expect_rows);
    /* Exports carry ~5-15 rows a ticket: growing the ticket array and its
     * map by doubling copied and rehashed them each time. */
    an_data_reserve_tickets(d, c.expect_rows / 5);
    c.source = an_data_add_source(d, path, c.p->name);
    res->source = c.source;
    if (c.p->format == AN_FORMAT_JIRA) {
        rc = ing_jira(&c, &rd);
    } else if (first == '{' || first == '[') {
        if (c.p->format == AN_FORMAT_CSV && strcmp(c.p->name, "generic")) {
            rc = hd_err_set(err, HD_EINPUT, path, 1, "looks like JSON, but profile '%s' reads CSV",
                            c.p->name);
            goto out;
        }
        rc = ing_json(&c, &rd);
    } else {
        if (c.p->format == AN_FORMAT_JSON) {
            rc =
                hd_err_set(err, HD_EINPUT, path, 1, "not JSON, but the mapping says format 'json'");
            goto out;
        }
        rc = ing_csv(&c, &rd);
        res->header_only = !rc && res->rows_read == 0;
    }
    if (rc) {
        goto out;
    }
    if (c.p->shape == AN_SHAPE_SNAPSHOTS) {
        ing_snapshot_finish(&c);
    }
    /* Drain stdin/the file so the digest covers all of it. */
    while (!rd.eof) {
        const char *l;
        size_t n;
        if (ing_reader_line(&rd, &l, &n, err) || !l) {
            break;
        }
    }
    if (!o->no_digest) {
        snprintf(res->digest, sizeof(res->digest), "%016llx", (unsigned long long)rd.digest);
    }
    res->bytes = rd.bytes;
    if (o->progress) {
        o->progress(o->progress_ctx, NULL);
    }
out:
    ing_reader_close(&rd);
    for (size_t i = 0; i < c.ncols; i++) {
        free(c.cols[i]);
    }
    free(c.cols);
    free(c.foff);
    hd_big_free(c.seen, c.seen_size * sizeof(*c.seen));
    hd_big_free(c.tids, c.tids_size * sizeof(*c.tids));
    free(c.pending);
    free(c.ords);
    free(c.touched);
    free(c.snaps);
    hd_tz_free(c.tz);
    an_profile_free(c.p);
    return rc;
}
