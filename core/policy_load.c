/*
 * Policy engine: reading and validating the JSON policy language
 * (docs/policy.md), building the keyword tables the evaluator scans with,
 * and the shadowed-rule warning. Evaluation lives in policy_eval.c.
 */
#include "core/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/policy_int.h"
#include "core/time.h"

/* ---- Loader context and JSON paths ------------------------------------ */

struct loader {
    struct hd_policy *p;
    const char *src;
    hd_policy_warn_fn *warn;
    void *warn_ctx;
    struct hd_err *err;
    char path[256]; /* JSON path of the value being read: "rules[3].when" */
    size_t plen;
};

static size_t path_append(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append to the path; returns the old length for path_pop(). */
static size_t path_append(struct loader *ld, const char *fmt, ...)
{
    size_t old = ld->plen;
    size_t room = sizeof(ld->path) - old;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(ld->path + old, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        ld->path[old] = '\0';
    } else {
        ld->plen = (size_t)n < room ? old + (size_t)n : sizeof(ld->path) - 1;
    }
    return old;
}

static size_t path_key(struct loader *ld, const char *key)
{
    return path_append(ld, "%s%s", ld->plen ? "." : "", key);
}

static size_t path_index(struct loader *ld, size_t i)
{
    return path_append(ld, "[%zu]", i);
}

static void path_pop(struct loader *ld, size_t old)
{
    ld->plen = old;
    ld->path[old] = '\0';
}

static int fail(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fail with HD_EINPUT: "PATH: message", err->src the file, line 0. */
static int fail(struct loader *ld, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return hd_err_set(ld->err, HD_EINPUT, ld->src, 0, "%s: %s", ld->plen ? ld->path : "(root)",
                      msg);
}

static const char *jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* ---- Field names and suggestions --------------------------------------- */

/* Case-insensitive Levenshtein distance, capped for long words. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[64];

    if (la >= 63 || lb >= 63) {
        return 99;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost =
                pol_lower((unsigned char)a[i - 1]) == pol_lower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best) {
                best = row[j] + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The closest of `names` (NULL-terminated) to `s`, if close enough to be a typo. */
static const char *nearest(const char *s, const char *const *names)
{
    const char *best = NULL;
    size_t bestd = 3;

    for (; *names; names++) {
        size_t d = edit_distance(s, *names);
        if (d < bestd && d * 3 <= strlen(*names)) {
            bestd = d;
            best = *names;
        }
    }
    return best;
}

static bool in_names(const char *s, const char *const *names)
{
    for (; *names; names++) {
        if (!strcmp(s, *names)) {
            return true;
        }
    }
    return false;
}

/* Fail on the first key of `obj` that is not in `allowed`. */
static int check_fields(struct loader *ld, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        if (!in_names(key, allowed)) {
            const char *near = nearest(key, allowed);
            path_key(ld, key);
            if (near) {
                return fail(ld, "unknown field (did you mean '%s'?)", near);
            }
            return fail(ld, "unknown field");
        }
    }
    return HD_OK;
}

static int missing(struct loader *ld, const char *key)
{
    path_key(ld, key);
    return fail(ld, "missing required field");
}

/* ---- Typed getters: the path already names the value -------------------- */

static int want_object(struct loader *ld, json_t *v)
{
    if (!json_is_object(v)) {
        return fail(ld, "expected an object, got %s", jtype(v));
    }
    return HD_OK;
}

static int want_string(struct loader *ld, json_t *v, const char **out)
{
    if (!json_is_string(v)) {
        return fail(ld, "expected a string, got %s", jtype(v));
    }
    *out = json_string_value(v);
    return HD_OK;
}

static int want_name(struct loader *ld, json_t *v, const char **out)
{
    int rc = want_string(ld, v, out);
    if (rc) {
        return rc;
    }
    if (!**out) {
        return fail(ld, "must not be empty");
    }
    return HD_OK;
}

static int want_bool(struct loader *ld, json_t *v, bool *out)
{
    if (!json_is_boolean(v)) {
        return fail(ld, "expected true or false, got %s", jtype(v));
    }
    *out = json_is_true(v);
    return HD_OK;
}

static int want_int(struct loader *ld, json_t *v, long lo, long hi, long *out)
{
    json_int_t n;

    if (!json_is_integer(v)) {
        return fail(ld, "expected an integer, got %s", jtype(v));
    }
    n = json_integer_value(v);
    if (n < lo || n > hi) {
        return fail(ld, "%" JSON_INTEGER_FORMAT " is out of range %ld..%ld", n, lo, hi);
    }
    *out = (long)n;
    return HD_OK;
}

static int want_duration(struct loader *ld, json_t *v, int64_t *out_ms)
{
    struct hd_err e = HD_ERR_INIT;

    if (!json_is_string(v)) {
        return fail(ld, "expected a duration such as '15m' or 'PT15M', got %s", jtype(v));
    }
    if (hd_duration_parse(json_string_value(v), out_ms, &e)) {
        return fail(ld, "%s", e.msg);
    }
    if (*out_ms <= 0) {
        return fail(ld, "duration '%s' must be greater than zero", json_string_value(v));
    }
    return HD_OK;
}

/* "P1".."P5" (or "p1".."p5") to 1..5. */
static int priority_from_name(struct loader *ld, const char *s, int *out)
{
    if ((s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '5' && s[2] == '\0') {
        *out = s[1] - '0';
        return HD_OK;
    }
    return fail(ld, "unknown priority '%s' (expected P1..P5)", s);
}

static int want_priority(struct loader *ld, json_t *v, int *out)
{
    const char *s = NULL;
    int rc = want_string(ld, v, &s);

    return rc ? rc : priority_from_name(ld, s, out);
}

/*
 * A string or a non-empty array of strings; calls fn for each string with
 * the path naming it.
 */
typedef int strlist_fn(struct loader *ld, const char *s, void *ctx);

static int want_strings(struct loader *ld, json_t *v, strlist_fn *fn, void *ctx)
{
    size_t i;
    json_t *e;

    if (json_is_string(v)) {
        return fn(ld, json_string_value(v), ctx);
    }
    if (!json_is_array(v)) {
        return fail(ld, "expected a string or an array of strings, got %s", jtype(v));
    }
    if (json_array_size(v) == 0) {
        return fail(ld, "empty list");
    }
    json_array_foreach(v, i, e)
    {
        size_t old = path_index(ld, i);
        const char *s = NULL;
        int rc = want_string(ld, e, &s);
        if (!rc) {
            rc = fn(ld, s, ctx);
        }
        if (rc) {
            return rc;
        }
        path_pop(ld, old);
    }
    return HD_OK;
}

/* ---- Queues --------------------------------------------------------------- */

static const char *const queue_fields[] = {"name",   "tier",        "security",
                                           "groups", "description", NULL};

static long group_owner(const struct hd_policy *p, size_t nq, const char *g)
{
    for (size_t i = 0; i < nq; i++) {
        for (size_t k = 0; k < p->queues[i].ngroups; k++) {
            const char *a = p->queues[i].groups[k], *b = g;
            while (*a && pol_lower((unsigned char)*a) == pol_lower((unsigned char)*b)) {
                a++;
                b++;
            }
            if (!*a && !*b) {
                return (long)i;
            }
        }
    }
    return -1;
}

static int add_group(struct loader *ld, const char *s, void *ctx)
{
    struct hd_policy_queue *q = ctx;
    struct hd_policy *p = ld->p;
    long owner;

    if (!*s) {
        return fail(ld, "must not be empty");
    }
    /* The queue being read is p->queues[p->nqueues]: search it too. */
    owner = group_owner(p, p->nqueues + 1, s);
    if (owner >= 0) {
        return fail(ld, "group '%s' already belongs to queue '%s'", s, p->queues[owner].name);
    }
    q->groups = hd_xrealloc((void *)q->groups, (q->ngroups + 1) * sizeof(*q->groups));
    q->groups[q->ngroups++] = hd_xstrdup(s);
    return HD_OK;
}

static int load_queue(struct loader *ld, json_t *o)
{
    struct hd_policy *p = ld->p;
    struct hd_policy_queue *q = &p->queues[p->nqueues];
    const char *name = NULL;
    long tier;
    bool sec = false;
    json_t *v;
    size_t old;
    int rc;

    if ((rc = want_object(ld, o)) || (rc = check_fields(ld, o, queue_fields))) {
        return rc;
    }
    if (!(v = json_object_get(o, "name"))) {
        return missing(ld, "name");
    }
    old = path_key(ld, "name");
    if ((rc = want_name(ld, v, &name))) {
        return rc;
    }
    if (hd_policy_queue_find(p, name) >= 0) {
        return fail(ld, "duplicate queue '%s'", name);
    }
    path_pop(ld, old);
    q->name = hd_xstrdup(name);
    if (!(v = json_object_get(o, "tier"))) {
        return missing(ld, "tier");
    }
    old = path_key(ld, "tier");
    if ((rc = want_int(ld, v, 1, 9, &tier))) {
        return rc;
    }
    path_pop(ld, old);
    q->tier = (int)tier;
    if ((v = json_object_get(o, "security"))) {
        old = path_key(ld, "security");
        if ((rc = want_bool(ld, v, &sec))) {
            return rc;
        }
        path_pop(ld, old);
    }
    q->is_security = sec;
    if ((v = json_object_get(o, "description"))) {
        const char *d = NULL;
        old = path_key(ld, "description");
        if ((rc = want_string(ld, v, &d))) {
            return rc;
        }
        path_pop(ld, old);
    }
    old = path_key(ld, "groups");
    if ((v = json_object_get(o, "groups"))) {
        rc = want_strings(ld, v, add_group, q);
    } else {
        rc = add_group(ld, q->name, q);
    }
    if (rc) {
        return rc;
    }
    path_pop(ld, old);
    return HD_OK;
}

static int load_queues(struct loader *ld, json_t *root)
{
    json_t *arr = json_object_get(root, "queues");
    json_t *o;
    size_t i, old;
    int rc;

    if (!arr) {
        return missing(ld, "queues");
    }
    old = path_key(ld, "queues");
    if (!json_is_array(arr)) {
        return fail(ld, "expected an array, got %s", jtype(arr));
    }
    if (json_array_size(arr) == 0) {
        return fail(ld, "empty list: a policy needs at least one queue");
    }
    ld->p->queues = hd_xcalloc(json_array_size(arr), sizeof(*ld->p->queues));
    json_array_foreach(arr, i, o)
    {
        size_t o2 = path_index(ld, i);
        rc = load_queue(ld, o);
        /* Count the queue even when it failed half-built, so it is freed. */
        ld->p->nqueues++;
        if (rc) {
            return rc;
        }
        path_pop(ld, o2);
    }
    path_pop(ld, old);
    return HD_OK;
}

static int queue_ref(struct loader *ld, json_t *v, size_t *out)
{
    const char *name = NULL;
    long i;
    int rc = want_name(ld, v, &name);

    if (rc) {
        return rc;
    }
    i = hd_policy_queue_find(ld->p, name);
    if (i < 0) {
        const char **names = hd_xcalloc(ld->p->nqueues + 1, sizeof(*names));
        const char *near;
        for (size_t k = 0; k < ld->p->nqueues; k++) {
            names[k] = ld->p->queues[k].name;
        }
        near = nearest(name, names);
        if (near) {
            rc = fail(ld, "unknown queue '%s' (did you mean '%s'?)", name, near);
        } else {
            rc = fail(ld, "unknown queue '%s'", name);
        }
        free((void *)names);
        return rc;
    }
    *out = (size_t)i;
    return HD_OK;
}

static long first_security_queue(const struct hd_policy *p)
{
    for (size_t i = 0; i < p->nqueues; i++) {
        if (p->queues[i].is_security) {
            return (long)i;
        }
    }
    return -1;
}

/* ---- Actions ---------------------------------------------------------------- */

static const char *const action_fields[] = {"route",        "escalate_to_security", "set_priority",
                                            "require_note", "update_every",         NULL};

/*
 * Read an action object. `is_default` makes a route (or escalation)
 * mandatory; rules without one route to the default queue.
 */
static int load_action(struct loader *ld, json_t *o, bool is_default, struct pol_action *a)
{
    json_t *route = NULL, *esc = NULL, *v;
    bool escalate = false;
    size_t old;
    int rc;

    if ((rc = want_object(ld, o)) || (rc = check_fields(ld, o, action_fields))) {
        return rc;
    }
    if (json_object_size(o) == 0) {
        return fail(ld, "no action (expected route, escalate_to_security, set_priority, "
                        "require_note or update_every)");
    }
    a->queue = ld->p->dflt.queue;
    if ((route = json_object_get(o, "route"))) {
        old = path_key(ld, "route");
        if ((rc = queue_ref(ld, route, &a->queue))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if ((esc = json_object_get(o, "escalate_to_security"))) {
        old = path_key(ld, "escalate_to_security");
        if ((rc = want_bool(ld, esc, &escalate))) {
            return rc;
        }
        if (escalate && !route) {
            long s = first_security_queue(ld->p);
            if (s < 0) {
                return fail(ld, "the policy has no security queue to escalate to");
            }
            a->queue = (size_t)s;
        }
        path_pop(ld, old);
    }
    if (is_default && !route && !escalate) {
        return missing(ld, "route");
    }
    if (route && esc) {
        bool sec = ld->p->queues[a->queue].is_security;
        if (escalate && !sec) {
            path_key(ld, "route");
            return fail(ld, "queue '%s' is not a security queue, but escalate_to_security is true",
                        ld->p->queues[a->queue].name);
        }
        if (!escalate && sec) {
            path_key(ld, "route");
            return fail(ld, "queue '%s' is a security queue, but escalate_to_security is false",
                        ld->p->queues[a->queue].name);
        }
    }
    a->escalate = ld->p->queues[a->queue].is_security;
    if ((v = json_object_get(o, "set_priority"))) {
        old = path_key(ld, "set_priority");
        if ((rc = want_priority(ld, v, &a->set_priority))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if ((v = json_object_get(o, "require_note"))) {
        old = path_key(ld, "require_note");
        if ((rc = want_bool(ld, v, &a->require_note))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if ((v = json_object_get(o, "update_every"))) {
        old = path_key(ld, "update_every");
        if ((rc = want_duration(ld, v, &a->cadence_ms))) {
            return rc;
        }
        path_pop(ld, old);
    }
    return HD_OK;
}

/* ---- Conditions --------------------------------------------------------------- */

static const char *const when_fields[] = {
    "keywords",    "keywords_in",    "category", "subcategory", "priority", "priority_at_least",
    "asset_class", "requester_tier", "client",   "channel",     "repeat",   NULL};

/* JSON names of the list conditions, by enum pol_list. */
static const char *const list_names[PL_COUNT] = {"category",       "subcategory", "asset_class",
                                                 "requester_tier", "client",      "channel"};

static int add_list_value(struct loader *ld, const char *s, void *ctx)
{
    struct pol_strlist *l = ctx;
    size_t n = strlen(s);
    char *v;

    if (!n) {
        return fail(ld, "must not be empty");
    }
    v = hd_xstrndup(s, n);
    for (size_t i = 0; i < n; i++) {
        v[i] = (char)pol_lower((unsigned char)v[i]);
    }
    l->v = hd_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->len = hd_xrealloc(l->len, (l->n + 1) * sizeof(*l->len));
    l->v[l->n] = v;
    l->len[l->n] = n;
    l->n++;
    return HD_OK;
}

static int add_priority(struct loader *ld, const char *s, void *ctx)
{
    unsigned *mask = ctx;
    int prio = 0;
    int rc = priority_from_name(ld, s, &prio);

    if (!rc) {
        *mask |= 1u << prio;
    }
    return rc;
}

/* Split a keyword into lowercased words, intern them, and find or add the phrase. */
static int add_keyword(struct loader *ld, const char *s, void *ctx)
{
    struct pol_rule *r = ctx;
    struct hd_policy *p = ld->p;
    struct hd_buf word = HD_BUF_INIT, phrase = HD_BUF_INIT;
    struct pol_kw kw = {{0}, 0};
    const unsigned char *c = (const unsigned char *)s;
    uint32_t id;
    int rc = HD_OK;

    if (!*s) {
        return fail(ld, "empty keyword");
    }
    while (*c) {
        while (*c && !pol_isword(*c)) {
            c++;
        }
        if (!*c) {
            break;
        }
        hd_buf_reset(&word);
        while (pol_isword(*c)) {
            hd_buf_addch(&word, pol_lower(*c), NULL);
            c++;
        }
        if (kw.nwords == HD_POLICY_MAX_PHRASE_WORDS) {
            rc = fail(ld, "keyword '%s' has more than %d words", s, HD_POLICY_MAX_PHRASE_WORDS);
            goto out;
        }
        kw.words[kw.nwords++] = hd_intern_id(p->words, word.buf, word.len);
        if (phrase.len) {
            hd_buf_addch(&phrase, ' ', NULL);
        }
        hd_buf_add(&phrase, word.buf, word.len, NULL);
    }
    if (kw.nwords == 0) {
        rc = fail(ld, "keyword '%s' has no words (letters or digits)", s);
        goto out;
    }
    id = hd_intern_id(p->kwnames, phrase.buf, phrase.len) - 1;
    if (id == p->nkws) {
        p->kws = hd_xrealloc(p->kws, (p->nkws + 1) * sizeof(*p->kws));
        p->kws[p->nkws++] = kw;
    }
    r->kw = hd_xrealloc(r->kw, (r->nkw + 1) * sizeof(*r->kw));
    r->kw_text = hd_xrealloc(r->kw_text, (r->nkw + 1) * sizeof(*r->kw_text));
    r->kw[r->nkw] = id;
    r->kw_text[r->nkw] = hd_xstrdup(s);
    r->nkw++;
out:
    hd_buf_release(&word);
    hd_buf_release(&phrase);
    return rc;
}

static int add_kw_field(struct loader *ld, const char *s, void *ctx)
{
    unsigned *fields = ctx;

    if (!strcmp(s, "title")) {
        *fields |= PKW_TITLE;
    } else if (!strcmp(s, "description")) {
        *fields |= PKW_DESCRIPTION;
    } else if (!strcmp(s, "category")) {
        *fields |= PKW_CATEGORY;
    } else {
        return fail(ld, "unknown text field '%s' (expected title, description or category)", s);
    }
    return HD_OK;
}

static const char *const repeat_fields[] = {"same", "count", "within", NULL};

static int load_repeat(struct loader *ld, json_t *o, struct pol_repeat *rep)
{
    static const char *const keys[] = {"requester", "asset", "category", "client", NULL};
    const char *same = NULL;
    long count;
    json_t *v;
    size_t old;
    int rc;

    if ((rc = want_object(ld, o)) || (rc = check_fields(ld, o, repeat_fields))) {
        return rc;
    }
    if (!(v = json_object_get(o, "same"))) {
        return missing(ld, "same");
    }
    old = path_key(ld, "same");
    if ((rc = want_string(ld, v, &same))) {
        return rc;
    }
    for (int k = 0;; k++) {
        if (!keys[k]) {
            return fail(ld, "unknown key '%s' (expected requester, asset, category or client)",
                        same);
        }
        if (!strcmp(same, keys[k])) {
            rep->key = (enum pol_repeat_key)k;
            break;
        }
    }
    path_pop(ld, old);
    if (!(v = json_object_get(o, "count"))) {
        return missing(ld, "count");
    }
    old = path_key(ld, "count");
    if ((rc = want_int(ld, v, 2, 1000, &count))) {
        return rc;
    }
    path_pop(ld, old);
    rep->count = (uint32_t)count;
    if (!(v = json_object_get(o, "within"))) {
        return missing(ld, "within");
    }
    old = path_key(ld, "within");
    if ((rc = want_duration(ld, v, &rep->within_ms))) {
        return rc;
    }
    path_pop(ld, old);
    return HD_OK;
}

static int load_when(struct loader *ld, json_t *o, struct pol_rule *r)
{
    json_t *v, *kwin;
    size_t old;
    int rc;

    r->prio_mask = PRIO_ALL;
    r->kw_fields = PKW_ALL;
    if ((rc = want_object(ld, o)) || (rc = check_fields(ld, o, when_fields))) {
        return rc;
    }
    if ((v = json_object_get(o, "keywords"))) {
        old = path_key(ld, "keywords");
        if ((rc = want_strings(ld, v, add_keyword, r))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if ((kwin = json_object_get(o, "keywords_in"))) {
        unsigned fields = 0;
        old = path_key(ld, "keywords_in");
        if (!v) {
            return fail(ld, "keywords_in without keywords");
        }
        if ((rc = want_strings(ld, kwin, add_kw_field, &fields))) {
            return rc;
        }
        r->kw_fields = fields;
        path_pop(ld, old);
    }
    for (int l = 0; l < PL_COUNT; l++) {
        if ((v = json_object_get(o, list_names[l]))) {
            old = path_key(ld, list_names[l]);
            if ((rc = want_strings(ld, v, add_list_value, &r->lists[l]))) {
                return rc;
            }
            path_pop(ld, old);
        }
    }
    if ((v = json_object_get(o, "priority"))) {
        unsigned mask = 0;
        old = path_key(ld, "priority");
        if ((rc = want_strings(ld, v, add_priority, &mask))) {
            return rc;
        }
        r->prio_mask &= mask;
        path_pop(ld, old);
    }
    if ((v = json_object_get(o, "priority_at_least"))) {
        int prio;
        unsigned mask = 0;
        old = path_key(ld, "priority_at_least");
        if ((rc = want_priority(ld, v, &prio))) {
            return rc;
        }
        for (int i = 1; i <= prio; i++) {
            mask |= 1u << i;
        }
        r->prio_mask &= mask;
        path_pop(ld, old);
    }
    if (r->prio_mask == 0) {
        return fail(ld, "priority and priority_at_least together match no priority");
    }
    if ((v = json_object_get(o, "repeat"))) {
        old = path_key(ld, "repeat");
        if ((rc = load_repeat(ld, v, &r->repeat))) {
            return rc;
        }
        path_pop(ld, old);
    }
    return HD_OK;
}

/* ---- Rules, timers, ids ----------------------------------------------------------- */

static const char *const rule_fields[] = {"id", "description", "when", "then", NULL};

/* Rule and timer ids share one namespace; "default" names the default route. */
static int check_id(struct loader *ld, const char *id, size_t nrules, size_t ntimers)
{
    if (!strcmp(id, "default")) {
        return fail(ld, "id 'default' is reserved for the default route");
    }
    for (size_t i = 0; i < nrules; i++) {
        if (!strcmp(ld->p->rules[i].id, id)) {
            return fail(ld, "duplicate id '%s' (first used by rules[%zu])", id, i);
        }
    }
    for (size_t i = 0; i < ntimers; i++) {
        if (!strcmp(ld->p->timers[i].id, id)) {
            return fail(ld, "duplicate id '%s' (first used by timers[%zu])", id, i);
        }
    }
    return HD_OK;
}

static int load_rule(struct loader *ld, json_t *o, size_t index)
{
    struct pol_rule *r = &ld->p->rules[index];
    const char *s = NULL;
    json_t *v;
    size_t old;
    int rc;

    r->prio_mask = PRIO_ALL;
    r->kw_fields = PKW_ALL;
    if ((rc = want_object(ld, o)) || (rc = check_fields(ld, o, rule_fields))) {
        return rc;
    }
    if (!(v = json_object_get(o, "id"))) {
        return missing(ld, "id");
    }
    old = path_key(ld, "id");
    if ((rc = want_name(ld, v, &s)) || (rc = check_id(ld, s, index, 0))) {
        return rc;
    }
    path_pop(ld, old);
    r->id = hd_xstrdup(s);
    s = "";
    if ((v = json_object_get(o, "description"))) {
        old = path_key(ld, "description");
        if ((rc = want_string(ld, v, &s))) {
            return rc;
        }
        path_pop(ld, old);
    }
    r->description = hd_xstrdup(s);
    if ((v = json_object_get(o, "when"))) {
        old = path_key(ld, "when");
        if ((rc = load_when(ld, v, r))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if (!(v = json_object_get(o, "then"))) {
        return missing(ld, "then");
    }
    old = path_key(ld, "then");
    if ((rc = load_action(ld, v, false, &r->act))) {
        return rc;
    }
    path_pop(ld, old);
    return HD_OK;
}

static int load_rules(struct loader *ld, json_t *root)
{
    json_t *arr = json_object_get(root, "rules");
    json_t *o;
    size_t i, old;
    int rc;

    if (!arr) {
        return missing(ld, "rules");
    }
    old = path_key(ld, "rules");
    if (!json_is_array(arr)) {
        return fail(ld, "expected an array, got %s", jtype(arr));
    }
    ld->p->rules = hd_xcalloc(json_array_size(arr) + 1, sizeof(*ld->p->rules));
    json_array_foreach(arr, i, o)
    {
        size_t o2 = path_index(ld, i);
        rc = load_rule(ld, o, i);
        ld->p->nrules++;
        if (rc) {
            return rc;
        }
        path_pop(ld, o2);
    }
    path_pop(ld, old);
    return HD_OK;
}

static const char *const timer_fields[] = {
    "id", "description", "condition", "after", "priority_at_least", "escalate_to", NULL};

static int load_timer(struct loader *ld, json_t *o, size_t index)
{
    struct hd_policy_timer *t = &ld->p->timers[index];
    const char *s = NULL;
    json_t *v;
    size_t old;
    int rc;

    if ((rc = want_object(ld, o)) || (rc = check_fields(ld, o, timer_fields))) {
        return rc;
    }
    if (!(v = json_object_get(o, "id"))) {
        return missing(ld, "id");
    }
    old = path_key(ld, "id");
    if ((rc = want_name(ld, v, &s)) || (rc = check_id(ld, s, ld->p->nrules, index))) {
        return rc;
    }
    path_pop(ld, old);
    t->id = hd_xstrdup(s);
    if ((v = json_object_get(o, "description"))) {
        old = path_key(ld, "description");
        if ((rc = want_string(ld, v, &s))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if (!(v = json_object_get(o, "condition"))) {
        return missing(ld, "condition");
    }
    old = path_key(ld, "condition");
    if ((rc = want_string(ld, v, &s))) {
        return rc;
    }
    if (!strcmp(s, "unassigned")) {
        t->condition = HD_POLICY_UNASSIGNED;
    } else if (!strcmp(s, "unaccepted")) {
        t->condition = HD_POLICY_UNACCEPTED;
    } else {
        return fail(ld, "unknown condition '%s' (expected unassigned or unaccepted)", s);
    }
    path_pop(ld, old);
    if (!(v = json_object_get(o, "after"))) {
        return missing(ld, "after");
    }
    old = path_key(ld, "after");
    if ((rc = want_duration(ld, v, &t->after_ms))) {
        return rc;
    }
    path_pop(ld, old);
    if ((v = json_object_get(o, "priority_at_least"))) {
        old = path_key(ld, "priority_at_least");
        if ((rc = want_priority(ld, v, &t->min_priority))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if (!(v = json_object_get(o, "escalate_to"))) {
        return missing(ld, "escalate_to");
    }
    old = path_key(ld, "escalate_to");
    if ((rc = queue_ref(ld, v, &t->queue))) {
        return rc;
    }
    path_pop(ld, old);
    t->escalates_to_security = ld->p->queues[t->queue].is_security;
    return HD_OK;
}

static int load_timers(struct loader *ld, json_t *root)
{
    json_t *arr = json_object_get(root, "timers");
    json_t *o;
    size_t i, old;
    int rc;

    if (!arr) {
        return HD_OK;
    }
    old = path_key(ld, "timers");
    if (!json_is_array(arr)) {
        return fail(ld, "expected an array, got %s", jtype(arr));
    }
    ld->p->timers = hd_xcalloc(json_array_size(arr) + 1, sizeof(*ld->p->timers));
    json_array_foreach(arr, i, o)
    {
        size_t o2 = path_index(ld, i);
        rc = load_timer(ld, o, i);
        ld->p->ntimers++;
        if (rc) {
            return rc;
        }
        path_pop(ld, o2);
    }
    path_pop(ld, old);
    return HD_OK;
}

static int load_cadence(struct loader *ld, json_t *root)
{
    json_t *o = json_object_get(root, "update_cadence");
    const char *key;
    json_t *v;
    size_t old;
    int rc;

    if (!o) {
        return HD_OK;
    }
    old = path_key(ld, "update_cadence");
    if ((rc = want_object(ld, o))) {
        return rc;
    }
    json_object_foreach(o, key, v)
    {
        size_t o2 = path_key(ld, key);
        int prio = 0;
        rc = priority_from_name(ld, key, &prio);
        if (rc || (rc = want_duration(ld, v, &ld->p->cadence_ms[prio]))) {
            return rc;
        }
        path_pop(ld, o2);
    }
    path_pop(ld, old);
    return HD_OK;
}

/* ---- Keyword tables -------------------------------------------------------------- */

/*
 * The evaluator hashes each word of the ticket text as it lowercases it and
 * probes wtab; keywords are indexed by their last word so that a phrase is
 * recognised when its last word is read (policy_eval.c).
 */
static void build_keyword_tables(struct hd_policy *p)
{
    uint32_t nwords = hd_intern_count(p->words);
    size_t size = 16;

    while (size < 4 * ((size_t)nwords + 1)) {
        size *= 2;
    }
    p->wtab = hd_xcalloc(size, sizeof(*p->wtab));
    p->wmask = size - 1;
    for (uint32_t id = 1; id <= nwords; id++) {
        const unsigned char *s = (const unsigned char *)hd_intern_str(p->words, id);
        uint32_t h = POL_HASH_INIT;
        size_t i;
        for (; *s; s++) {
            h = pol_hash_step(h, *s);
        }
        for (i = h & p->wmask; p->wtab[i].id; i = (i + 1) & p->wmask) {
        }
        p->wtab[i].hash = h;
        p->wtab[i].id = id;
        p->wtab[i].s = hd_intern_str(p->words, id);
    }
    p->wfilter = hd_xcalloc(POL_WFILTER_BITS / 64, sizeof(*p->wfilter));
    for (uint32_t id = 1; id <= nwords; id++) {
        const unsigned char *s = (const unsigned char *)hd_intern_str(p->words, id);
        size_t len = strlen((const char *)s);
        uint32_t k = pol_wfilter_key(s[0], len > 1 ? s[1] : 0, len);
        p->wfilter[k / 64] |= 1ull << (k % 64);
    }
    for (size_t i = 0; i < p->nrules; i++) {
        struct pol_rule *r = &p->rules[i];
        for (int l = 0; l < PL_COUNT; l++) {
            if (r->lists[l].n) {
                r->list_ix[r->nlists++] = (uint8_t)l;
            }
        }
        for (size_t k = 0; k < r->nkw; k++) {
            r->kw_sig |= 1ull << (r->kw[k] % 64);
        }
    }
    p->by_last_start = hd_xcalloc((size_t)nwords + 2, sizeof(*p->by_last_start));
    p->by_last = hd_xcalloc(p->nkws + 1, sizeof(*p->by_last));
    for (size_t k = 0; k < p->nkws; k++) {
        p->by_last_start[p->kws[k].words[p->kws[k].nwords - 1] + 1]++;
    }
    for (uint32_t w = 1; w <= nwords + 1; w++) {
        p->by_last_start[w] += p->by_last_start[w - 1];
    }
    {
        uint32_t *fill = hd_xcalloc((size_t)nwords + 1, sizeof(*fill));
        for (size_t k = 0; k < p->nkws; k++) {
            uint32_t w = p->kws[k].words[p->kws[k].nwords - 1];
            p->by_last[p->by_last_start[w] + fill[w]++] = (uint32_t)k;
        }
        free(fill);
    }
}

/* ---- Shadowing --------------------------------------------------------------------- */

static bool list_has(const struct pol_strlist *l, const char *v, size_t n)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->len[i] == n && !memcmp(l->v[i], v, n)) {
            return true;
        }
    }
    return false;
}

/*
 * True when every ticket rule `b` matches is also matched by the earlier
 * rule `a` (conservatively: false when unsure). A repeat condition of `a`
 * is implied by one of `b` on the same key with a count at least as high in
 * a window at most as long, because every repeat rule records every ticket
 * its other conditions match, whatever rule decides it.
 */
static bool covers(const struct pol_rule *a, const struct pol_rule *b)
{
    if (b->prio_mask & ~a->prio_mask) {
        return false;
    }
    for (int l = 0; l < PL_COUNT; l++) {
        if (!a->lists[l].n) {
            continue;
        }
        if (!b->lists[l].n) {
            return false;
        }
        for (size_t i = 0; i < b->lists[l].n; i++) {
            if (!list_has(&a->lists[l], b->lists[l].v[i], b->lists[l].len[i])) {
                return false;
            }
        }
    }
    if (a->nkw) {
        if (!b->nkw || (b->kw_fields & ~a->kw_fields)) {
            return false;
        }
        for (size_t i = 0; i < b->nkw; i++) {
            bool found = false;
            for (size_t k = 0; k < a->nkw && !found; k++) {
                found = a->kw[k] == b->kw[i];
            }
            if (!found) {
                return false;
            }
        }
    }
    if (a->repeat.count) {
        if (!b->repeat.count || b->repeat.key != a->repeat.key ||
            b->repeat.count < a->repeat.count || b->repeat.within_ms > a->repeat.within_ms) {
            return false;
        }
    }
    return true;
}

static void warn_shadowed(struct loader *ld)
{
    const struct hd_policy *p = ld->p;
    char msg[512];

    if (!ld->warn) {
        return;
    }
    for (size_t j = 1; j < p->nrules; j++) {
        for (size_t i = 0; i < j; i++) {
            if (covers(&p->rules[i], &p->rules[j])) {
                snprintf(msg, sizeof(msg),
                         "rules[%zu]: rule '%s' can never match: the earlier rules[%zu] '%s' has "
                         "a subset of its conditions and matches first",
                         j, p->rules[j].id, i, p->rules[i].id);
                ld->warn(ld->warn_ctx, ld->src, 0, msg);
                break;
            }
        }
    }
}

/* ---- Top level ---------------------------------------------------------------------- */

static const char *const root_fields[] = {"name",   "description",    "version",
                                          "queues", "default",        "rules",
                                          "timers", "update_cadence", NULL};

static char *name_from_src(const char *src)
{
    const char *base = strrchr(src, '/');
    size_t n;

    base = base ? base + 1 : src;
    n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".json")) {
        n -= 5;
    }
    return n ? hd_xstrndup(base, n) : hd_xstrdup("policy");
}

static int load_root(struct loader *ld, json_t *root)
{
    struct hd_policy *p = ld->p;
    json_t *v;
    size_t old;
    int rc;

    if ((rc = want_object(ld, root)) || (rc = check_fields(ld, root, root_fields))) {
        return rc;
    }
    if ((v = json_object_get(root, "version"))) {
        long version;
        old = path_key(ld, "version");
        if ((rc = want_int(ld, v, 0, 1000000, &version))) {
            return rc;
        }
        if (version != 1) {
            return fail(ld, "unsupported version %ld (this handoff reads version 1)", version);
        }
        path_pop(ld, old);
    }
    if ((v = json_object_get(root, "name"))) {
        const char *s = NULL;
        old = path_key(ld, "name");
        if ((rc = want_name(ld, v, &s))) {
            return rc;
        }
        p->name = hd_xstrdup(s);
        path_pop(ld, old);
    } else {
        p->name = name_from_src(ld->src);
    }
    if ((v = json_object_get(root, "description"))) {
        const char *s = NULL;
        old = path_key(ld, "description");
        if ((rc = want_string(ld, v, &s))) {
            return rc;
        }
        path_pop(ld, old);
    }
    if ((rc = load_queues(ld, root)) || (rc = load_cadence(ld, root))) {
        return rc;
    }
    if (!(v = json_object_get(root, "default"))) {
        return missing(ld, "default");
    }
    old = path_key(ld, "default");
    if ((rc = load_action(ld, v, true, &p->dflt))) {
        return rc;
    }
    path_pop(ld, old);
    if ((rc = load_rules(ld, root)) || (rc = load_timers(ld, root))) {
        return rc;
    }
    for (size_t i = 0; i < p->nrules; i++) {
        if (p->rules[i].repeat.count) {
            p->repeat_rules =
                hd_xrealloc(p->repeat_rules, (p->nrepeat + 1) * sizeof(*p->repeat_rules));
            p->rules[i].repeat.table = p->nrepeat;
            p->repeat_rules[p->nrepeat++] = i;
        }
    }
    build_keyword_tables(p);
    warn_shadowed(ld);
    return HD_OK;
}

int hd_policy_load_text(const char *text, size_t len, const char *name, struct hd_policy **out,
                        hd_policy_warn_fn *warn, void *warn_ctx, struct hd_err *err)
{
    struct loader ld = {0};
    json_error_t jerr;
    json_t *root = NULL;
    int rc;

    *out = NULL;
    ld.src = name ? name : "<policy>";
    ld.warn = warn;
    ld.warn_ctx = warn_ctx;
    ld.err = err;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return hd_err_set(err, HD_EINPUT, ld.src, jerr.line > 0 ? jerr.line : 0,
                          "invalid JSON: %s (column %d)", jerr.text, jerr.column);
    }
    ld.p = hd_xcalloc(1, sizeof(*ld.p));
    ld.p->words = hd_intern_new();
    ld.p->kwnames = hd_intern_new();
    rc = load_root(&ld, root);
    if (rc) {
        pol_destroy(ld.p);
        goto out;
    }
    *out = ld.p;
out:
    json_decref(root);
    return rc;
}

int hd_policy_load(const char *path, struct hd_policy **out, hd_policy_warn_fn *warn,
                   void *warn_ctx, struct hd_err *err)
{
    FILE *f = NULL;
    char *text = NULL;
    size_t len = 0, alloc = 0;
    int rc = HD_OK;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot open policy: %s", strerror(errno));
    }
    for (;;) {
        size_t n;
        HD_GROW(text, alloc, len + 65536);
        n = fread(text + len, 1, alloc - len, f);
        len += n;
        if (len > HD_POLICY_MAX_FILE_BYTES) {
            rc = hd_err_set(err, HD_EINPUT, path, 0, "policy file is larger than %u bytes",
                            HD_POLICY_MAX_FILE_BYTES);
            goto out;
        }
        if (n == 0) {
            break;
        }
    }
    if (ferror(f)) {
        rc = hd_err_set(err, HD_EIO, path, 0, "cannot read policy: %s", strerror(errno));
        goto out;
    }
    rc = hd_policy_load_text(text, len, path, out, warn, warn_ctx, err);
out:
    free(text);
    fclose(f);
    return rc;
}
