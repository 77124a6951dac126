/*
 * JSON input for ingest: NDJSON (one object per line), JSON arrays of
 * objects, and Jira's REST export of issues with `expand=changelog`.
 * Arrays are split into elements by a small scanner so that each element is
 * parsed on its own and keeps its line number; a broken element is a
 * rejected row, not a lost file.
 */
#include "analyzer/ingest_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/time.h"

#define JSON_DOC_CAP ((size_t)256 << 20)

/* Text of a scalar JSON value into buf (numbers, strings, booleans). */
static const char *scalar(json_t *v, char *buf, size_t bufsz, size_t *len)
{
    if (json_is_string(v)) {
        *len = json_string_length(v);
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        *len = (size_t)snprintf(buf, bufsz, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        *len = (size_t)snprintf(buf, bufsz, "%.17g", json_real_value(v));
    } else if (json_is_true(v)) {
        *len = (size_t)snprintf(buf, bufsz, "true");
    } else if (json_is_false(v)) {
        *len = (size_t)snprintf(buf, bufsz, "false");
    } else {
        *len = 0;
        return "";
    }
    return buf;
}

/*
 * Whether text nests arrays and objects deeper than `max` (0: no limit).
 * Checked before parsing so the limit holds whatever jansson's own (2048).
 * O(len), no allocation.
 */
static int too_deep(const char *s, size_t n, size_t max)
{
    size_t depth = 0;
    int in_str = 0, esc = 0;

    for (size_t i = 0; max && i < n; i++) {
        if (in_str) {
            if (esc) {
                esc = 0;
            } else if (s[i] == '\\') {
                esc = 1;
            } else if (s[i] == '"') {
                in_str = 0;
            }
        } else if (s[i] == '"') {
            in_str = 1;
        } else if (s[i] == '[' || s[i] == '{') {
            if (++depth > max) {
                return 1;
            }
        } else if ((s[i] == ']' || s[i] == '}') && depth) {
            depth--;
        }
    }
    return 0;
}

/* One object of a generic/mapped JSON log -> one row. */
static void json_object_row(struct ing *c, const char *text, size_t len, uint32_t line,
                            uint32_t last_line)
{
    json_error_t jerr;
    json_t *o;
    struct ing_row r;
    char nums[AN_F__COUNT][40];

    if (too_deep(text, len, c->o->max_json_depth)) {
        c->res->rows_read++;
        ing_reject(c, line, last_line, AN_REJ_JSON, text, len,
                   "nested deeper than the limit of %zu levels", c->o->max_json_depth);
        return;
    }
    o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o || !json_is_object(o)) {
        c->res->rows_read++;
        ing_reject(c, line, last_line, AN_REJ_JSON, text, len, "%s",
                   o ? "not a JSON object" : jerr.text);
        json_decref(o);
        return;
    }
    memset(&r, 0, sizeof(r));
    for (int f = 0; f < AN_F__COUNT; f++) {
        json_t *v = c->p->columns[f] ? json_object_get(o, c->p->columns[f]) : NULL;
        r.val[f] = v ? scalar(v, nums[f], sizeof(nums[f]), &r.len[f]) : "";
        if (r.len[f] > c->o->max_field) {
            c->res->rows_read++;
            ing_reject(c, line, last_line, AN_REJ_FIELD_SIZE, text, len,
                       "field '%s' is longer than the limit of %zu bytes", c->p->columns[f],
                       c->o->max_field);
            json_decref(o);
            return;
        }
    }
    r.line = line;
    r.last_line = last_line;
    r.raw = text;
    r.rawlen = len;
    ing_row(c, &r, an_hash(AN_HASH_INIT, text, len));
    json_decref(o);
}

/*
 * Find the elements of the array starting at text[*pos] == '['. Calls fn for
 * each with its text and line span. Returns 0 with *end just past the ']',
 * or -1 when the array is not closed, with *end at the start of the
 * unfinished element (n when none): the caller rejects that element.
 */
typedef void elem_fn(struct ing *c, const char *text, size_t len, uint32_t line,
                     uint32_t last_line);

static int scan_array(struct ing *c, const char *s, size_t n, size_t pos, uint32_t line,
                      elem_fn *fn, size_t *end)
{
    int depth = 0, in_str = 0, esc = 0;
    size_t start = 0;
    uint32_t start_line = 0;

    for (size_t i = pos; i < n; i++) {
        char ch = s[i];
        if (ch == '\n') {
            line++;
        }
        if (in_str) {
            if (esc) {
                esc = 0;
            } else if (ch == '\\') {
                esc = 1;
            } else if (ch == '"') {
                in_str = 0;
            }
            continue;
        }
        switch (ch) {
        case '"':
            in_str = 1;
            if (depth == 1 && !start) {
                start = i;
                start_line = line;
            }
            break;
        case '[':
        case '{':
            depth++;
            if (depth == 2 && !start) {
                start = i;
                start_line = line;
            }
            break;
        case ']':
        case '}':
            depth--;
            if (depth == 0) {
                if (start) {
                    fn(c, s + start, i - start, start_line, line);
                }
                *end = i + 1;
                return 0;
            }
            break;
        case ',':
            if (depth == 1) {
                if (start) {
                    fn(c, s + start, i - start, start_line, line);
                }
                start = 0;
            }
            break;
        default:
            if (depth == 1 && !start && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
                start = i;
                start_line = line;
            }
            break;
        }
    }
    *end = start ? start : n;
    return -1;
}

static uint32_t line_at(const char *s, size_t pos)
{
    uint32_t line = 1;
    for (size_t i = 0; i < pos; i++) {
        line += s[i] == '\n';
    }
    return line;
}

/* The array ran to the end of the input: reject its unfinished element. */
static void unclosed_array(struct ing *c, const char *s, size_t n, size_t from)
{
    size_t e = n;
    uint32_t last;

    while (e > 0 && (s[e - 1] == '\n' || s[e - 1] == '\r' || s[e - 1] == ' ' || s[e - 1] == '\t')) {
        e--;
    }
    last = line_at(s, e);
    from = from < e ? from : e;
    c->res->rows_read++;
    ing_reject(c, from < e ? line_at(s, from) : last, last, AN_REJ_JSON, s + from, e - from,
               "the JSON array is not closed before the end of the file");
}

int ing_json(struct ing *c, struct ing_reader *rd)
{
    int first = ing_reader_peek(rd, c->err);
    const char *s;
    size_t n, pos = 0, end;
    int rc;

    if (first < 0) {
        return c->err ? c->err->rc : HD_EIO;
    }
    if (first == '[') {
        rc = ing_reader_all(rd, JSON_DOC_CAP, &s, &n, c->err);
        if (rc) {
            return rc;
        }
        while (pos < n && s[pos] != '[') {
            pos++;
        }
        if (scan_array(c, s, n, pos, line_at(s, pos), json_object_row, &end) < 0) {
            unclosed_array(c, s, n, end);
        }
        return HD_OK;
    }
    /* NDJSON: one object per line; blank lines are not rows. */
    const char *line;
    size_t len;
    uint32_t lineno = 0;
    while ((rc = ing_reader_line(rd, &line, &len, c->err)) == HD_OK && line) {
        size_t k = len;
        lineno++;
        while (k && (line[k - 1] == '\n' || line[k - 1] == '\r' || line[k - 1] == ' ')) {
            k--;
        }
        size_t b = 0;
        if (lineno == 1 && k >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) {
            b = 3;
        }
        if (k == b) {
            continue;
        }
        json_object_row(c, line + b, k - b, lineno, lineno);
        if (c->progress_every && (c->res->rows_read & 0xFFFF) == 0) {
            ing_progress(c, rd);
        }
    }
    return rc;
}

/* ---- Jira ---------------------------------------------------------------- */

static const char *jstr(json_t *o, const char *k1, const char *k2)
{
    json_t *v = json_object_get(o, k1);
    if (k2 && json_is_object(v)) {
        v = json_object_get(v, k2);
    }
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static uint32_t jintern(struct ing *c, const char *s)
{
    return s ? hd_intern_id(c->d->strs, s, strlen(s)) : 0;
}

static const struct {
    const char *from;
    enum hd_state to;
} jira_states[] = {
    {"to do", HD_STATE_NEW},
    {"open", HD_STATE_NEW},
    {"new", HD_STATE_NEW},
    {"backlog", HD_STATE_NEW},
    {"selected for development", HD_STATE_NEW},
    {"in progress", HD_STATE_IN_PROGRESS},
    {"work in progress", HD_STATE_IN_PROGRESS},
    {"waiting for support", HD_STATE_IN_PROGRESS},
    {"escalated", HD_STATE_IN_PROGRESS},
    {"in review", HD_STATE_IN_PROGRESS},
    {"waiting for customer", HD_STATE_AWAITING_USER},
    {"pending", HD_STATE_ON_HOLD},
    {"on hold", HD_STATE_ON_HOLD},
    {"waiting for vendor", HD_STATE_AWAITING_VENDOR},
    {"waiting for third party", HD_STATE_AWAITING_VENDOR},
    {"resolved", HD_STATE_RESOLVED},
    {"done", HD_STATE_RESOLVED},
    {"closed", HD_STATE_CLOSED},
    {"canceled", HD_STATE_CANCELLED},
    {"cancelled", HD_STATE_CANCELLED},
    {"declined", HD_STATE_CANCELLED},
    {"reopened", HD_STATE_REOPENED},
};

static enum hd_state jira_state(const char *s)
{
    if (!s) {
        return HD_STATE_NONE;
    }
    for (size_t i = 0; i < sizeof(jira_states) / sizeof(jira_states[0]); i++) {
        if (!strcasecmp(s, jira_states[i].from)) {
            return jira_states[i].to;
        }
    }
    return HD_STATE_NONE;
}

static int jira_priority(const char *s)
{
    static const char *const names[] = {"highest", "high", "medium", "low", "lowest"};
    if (!s) {
        return 0;
    }
    for (int i = 0; i < 5; i++) {
        if (!strcasecmp(s, names[i])) {
            return i + 1;
        }
    }
    return hd_priority_parse(s, strlen(s));
}

static int jira_time(struct ing *c, const char *s, int64_t *t)
{
    return !s || hd_time_parse(s, strlen(s), HD_TF_ISO8601, c->tz, t, NULL) ||
           *t < c->o->not_before_ms || *t > c->o->not_after_ms;
}

/* Which changelog fields carry ownership: the team/group, then the agent. */
static int is_group_field(const char *f)
{
    return f &&
           (!strcasecmp(f, "team") || !strcasecmp(f, "assignment group") ||
            !strcasecmp(f, "group") || !strcasecmp(f, "component") || !strcasecmp(f, "components"));
}

static void jira_issue(struct ing *c, const char *text, size_t len, uint32_t line,
                       uint32_t last_line)
{
    json_error_t jerr;
    json_t *o = NULL;
    json_t *fields, *hist;
    const char *key;
    int64_t created;
    struct an_event ev;
    uint32_t ti, ord;

    c->res->rows_read++;
    if (too_deep(text, len, c->o->max_json_depth)) {
        ing_reject(c, line, last_line, AN_REJ_JSON, text, len,
                   "nested deeper than the limit of %zu levels", c->o->max_json_depth);
        goto out;
    }
    o = json_loadb(text, len, 0, &jerr);
    if (!o || !json_is_object(o)) {
        ing_reject(c, line, last_line, AN_REJ_JSON, text, len, "%s",
                   o ? "not a JSON object" : jerr.text);
        goto out;
    }
    key = jstr(o, "key", NULL);
    fields = json_object_get(o, "fields");
    if (!key || !*key) {
        ing_reject(c, line, last_line, AN_REJ_NO_TICKET, text, len, "issue without a 'key'");
        goto out;
    }
    if (!json_is_object(fields) || jira_time(c, jstr(fields, "created", NULL), &created)) {
        ing_reject(c, line, last_line, AN_REJ_TIME, text, len,
                   "issue '%s': missing or bad 'fields.created'", key);
        goto out;
    }
    if (ing_seen_row(c, an_hash(AN_HASH_INIT, text, len))) {
        c->res->rows_duplicate++;
        goto out;
    }
    c->res->rows_used++;
    uint32_t client = c->client;
    uint32_t kid = jintern(c, key);
    ti = an_data_ticket(c->d, client, kid);
    if (c->d->tickets[ti].opened_ms == AN_TIME_NONE) {
        c->res->tickets++;
    }
    struct an_ticket *t = &c->d->tickets[ti];
    t->opened_ms = created;
    t->title = jintern(c, jstr(fields, "summary", NULL));
    t->requester = jintern(c, jstr(fields, "reporter", "displayName"));
    t->category = jintern(c, jstr(fields, "issuetype", "name"));
    t->priority = jira_priority(jstr(fields, "priority", "name"));
    ord = 0;
    memset(&ev, 0, sizeof(ev));
    ev.ticket = ti;
    ev.source = c->source;
    ev.line = line;
    ev.t_ms = created;
    ev.kind = HD_KIND_OPENED;
    ev.category = t->category;
    ev.ord = ord++;
    an_data_add_event(c->d, &ev);
    c->res->events++;
    ing_note_time(c, created);
    hist = json_object_get(json_object_get(o, "changelog"), "histories");
    size_t i;
    json_t *h;
    json_array_foreach(hist, i, h)
    {
        int64_t when;
        json_t *items = json_object_get(h, "items"), *it;
        size_t k;
        if (jira_time(c, jstr(h, "created", NULL), &when)) {
            continue; /* counted below as a partial row */
        }
        json_array_foreach(items, k, it)
        {
            const char *field = jstr(it, "field", NULL);
            const char *to = jstr(it, "toString", NULL);
            memset(&ev, 0, sizeof(ev));
            ev.ticket = ti;
            ev.source = c->source;
            ev.line = line;
            ev.t_ms = when;
            if (field && !strcasecmp(field, "assignee")) {
                ev.kind = HD_KIND_ASSIGNED;
                ev.agent = jintern(c, to);
                ev.flags = AN_EV_AGENT;
            } else if (is_group_field(field)) {
                ev.kind = HD_KIND_ASSIGNED;
                ev.group = jintern(c, to);
                ev.flags = AN_EV_GROUP;
            } else if (field && !strcasecmp(field, "status")) {
                ev.kind = HD_KIND_STATE;
                ev.state = (uint8_t)jira_state(to);
                if (!ev.state) {
                    continue;
                }
            } else if (field && !strcasecmp(field, "priority")) {
                ev.kind = HD_KIND_PRIORITY;
                ev.priority = (uint8_t)jira_priority(to);
                if (!ev.priority) {
                    continue;
                }
            } else {
                continue;
            }
            ev.ord = ord++;
            an_data_add_event(c->d, &ev);
            c->res->events++;
            ing_note_time(c, when);
        }
    }
out:
    json_decref(o);
}

int ing_jira(struct ing *c, struct ing_reader *rd)
{
    const char *s;
    size_t n, pos = 0, end;
    int rc = ing_reader_all(rd, JSON_DOC_CAP, &s, &n, c->err);

    if (rc) {
        return rc;
    }
    while (pos < n && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\r' || s[pos] == '\t')) {
        pos++;
    }
    if (pos < n && s[pos] == '{') {
        /* {"issues": [...]}: find the array after the "issues" key. */
        const char *k = strstr(s + pos, "\"issues\"");
        if (!k) {
            return hd_err_set(c->err, HD_EINPUT, c->path, 1,
                              "not a Jira export: no \"issues\" array");
        }
        pos = (size_t)(k - s) + 8;
        while (pos < n && s[pos] != '[') {
            pos++;
        }
    }
    if (pos >= n || s[pos] != '[') {
        return hd_err_set(c->err, HD_EINPUT, c->path, 1,
                          "not a Jira export: expected an array of issues");
    }
    if (scan_array(c, s, n, pos, line_at(s, pos), jira_issue, &end) < 0) {
        unclosed_array(c, s, n, end);
    }
    return HD_OK;
}
