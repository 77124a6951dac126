/*
 * Scenario loading and validation (docs/scenario.md): JSON in, struct
 * sim_scenario out, or one error naming the JSON path and the reason. The
 * simulation itself lives in run.c.
 */
#include "simulator/sim_int.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/time.h"

#define MIN_PER_WEEK (7 * 24 * 60)

struct parser {
    const char *src;
    struct hd_err *err;
    struct sim_scenario *sc;
};

static int fail(struct parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, const char *path, const char *fmt, ...)
{
    char msg[224];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path && *path) {
        return hd_err_set(p->err, HD_EINPUT, p->src, 0, "%s: %s", path, msg);
    }
    return hd_err_set(p->err, HD_EINPUT, p->src, 0, "%s", msg);
}

/* path + "." + key, or key at the top; a path too long for `out` is cut. */
static void join(char *out, size_t n, const char *path, const char *key)
{
    int w = *path ? snprintf(out, n, "%s.%s", path, key) : snprintf(out, n, "%s", key);
    if (w < 0 || (size_t)w >= n) {
        out[n - 1] = '\0';
    }
}

static void joini(char *out, size_t n, const char *path, size_t i)
{
    int w = snprintf(out, n, "%s[%zu]", path, i);
    if (w < 0 || (size_t)w >= n) {
        out[n - 1] = '\0';
    }
}

static int check_keys(struct parser *p, const json_t *obj, const char *path,
                      const char *const *allowed)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj)) {
        return fail(p, path, "expected an object");
    }
    json_object_foreach((json_t *)obj, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) {
            if (!strcmp(*a, key)) {
                ok = 1;
                break;
            }
        }
        if (!ok) {
            char sub[160];
            join(sub, sizeof(sub), path, key);
            return fail(p, sub, "unknown field '%s'", key);
        }
    }
    return HD_OK;
}

static int get_duration(struct parser *p, const json_t *v, const char *path, int64_t *out)
{
    struct hd_err e = HD_ERR_INIT;

    if (json_is_integer(v) && json_integer_value(v) == 0) {
        *out = 0;
        return HD_OK;
    }
    if (!json_is_string(v)) {
        return fail(p, path, "expected a duration such as \"15m\"");
    }
    if (hd_duration_parse(json_string_value(v), out, &e)) {
        return fail(p, path, "%s", e.msg);
    }
    return HD_OK;
}

static int get_number(struct parser *p, const json_t *v, const char *path, double *out)
{
    if (!json_is_number(v)) {
        return fail(p, path, "expected a number");
    }
    *out = json_number_value(v);
    if (!isfinite(*out)) {
        return fail(p, path, "expected a finite number");
    }
    return HD_OK;
}

static int get_prob(struct parser *p, const json_t *v, const char *path, double *out)
{
    if (get_number(p, v, path, out)) {
        return p->err ? p->err->rc : HD_EINPUT;
    }
    if (*out < 0 || *out > 1) {
        return fail(p, path, "probability %g is outside [0, 1]", *out);
    }
    return HD_OK;
}

static int get_rate(struct parser *p, const json_t *v, const char *path, double *out)
{
    if (get_number(p, v, path, out)) {
        return p->err ? p->err->rc : HD_EINPUT;
    }
    if (*out < 0) {
        return fail(p, path, "negative rate %g", *out);
    }
    return HD_OK;
}

static long find_team(const struct sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->nteams; i++) {
        if (!strcmp(sc->teams[i].name, name)) {
            return (long)i;
        }
    }
    return -1;
}

static long find_type(const struct sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->ntypes; i++) {
        if (!strcmp(sc->types[i].name, name)) {
            return (long)i;
        }
    }
    return -1;
}

static int get_team(struct parser *p, const json_t *v, const char *path, long *out)
{
    if (!json_is_string(v)) {
        return fail(p, path, "expected a team name");
    }
    *out = find_team(p->sc, json_string_value(v));
    if (*out < 0) {
        return fail(p, path, "unknown team '%s'", json_string_value(v));
    }
    return HD_OK;
}

/* ---- distributions --------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_dist(struct parser *p, const json_t *v, const char *path, struct sim_dist *d)
{
    static const char *const keys[] = {"dist",    "mean",        "sd",  "value", "values",
                                       "minutes", "interpolate", "min", "max",   NULL};
    char sub[160];
    const char *kind;
    int64_t ms;

    memset(d, 0, sizeof(*d));
    if (json_is_string(v)) {
        if (get_duration(p, v, path, &ms)) {
            return HD_EINPUT;
        }
        d->kind = SIM_DIST_FIXED;
        d->mean_ms = (double)ms;
        return HD_OK;
    }
    if (check_keys(p, v, path, keys)) {
        return HD_EINPUT;
    }
    join(sub, sizeof(sub), path, "dist");
    if (!json_is_string(json_object_get(v, "dist"))) {
        return fail(p, sub,
                    "expected \"exponential\", \"lognormal\", \"empirical\", "
                    "\"fixed\" or \"uniform\"");
    }
    kind = json_string_value(json_object_get(v, "dist"));
    if (!strcmp(kind, "exponential") || !strcmp(kind, "lognormal") || !strcmp(kind, "fixed")) {
        const char *mkey = json_object_get(v, "value") && !strcmp(kind, "fixed") ? "value" : "mean";
        join(sub, sizeof(sub), path, mkey);
        if (!json_object_get(v, mkey)) {
            return fail(p, sub, "missing");
        }
        if (get_duration(p, json_object_get(v, mkey), sub, &ms)) {
            return HD_EINPUT;
        }
        d->mean_ms = (double)ms;
        d->kind = kind[0] == 'e'   ? SIM_DIST_EXP
                  : kind[0] == 'f' ? SIM_DIST_FIXED
                                   : SIM_DIST_LOGNORMAL;
        if (d->kind == SIM_DIST_LOGNORMAL) {
            int64_t sd;
            join(sub, sizeof(sub), path, "sd");
            if (!json_object_get(v, "sd")) {
                return fail(p, sub, "missing");
            }
            if (get_duration(p, json_object_get(v, "sd"), sub, &sd)) {
                return HD_EINPUT;
            }
            if (ms <= 0) {
                return fail(p, path, "a lognormal needs a positive mean");
            }
            d->sigma = sqrt(log(1.0 + ((double)sd * sd) / ((double)ms * ms)));
            d->mu = log((double)ms) - d->sigma * d->sigma / 2;
        }
        return HD_OK;
    }
    if (!strcmp(kind, "uniform")) {
        int64_t lo, hi;
        join(sub, sizeof(sub), path, "min");
        if (get_duration(p, json_object_get(v, "min"), sub, &lo)) {
            return HD_EINPUT;
        }
        join(sub, sizeof(sub), path, "max");
        if (get_duration(p, json_object_get(v, "max"), sub, &hi)) {
            return HD_EINPUT;
        }
        if (hi < lo) {
            return fail(p, sub, "max is below min");
        }
        d->kind = SIM_DIST_UNIFORM;
        d->lo_ms = (double)lo;
        d->hi_ms = (double)hi;
        d->mean_ms = (d->lo_ms + d->hi_ms) / 2;
        return HD_OK;
    }
    if (!strcmp(kind, "empirical")) {
        const json_t *vals = json_object_get(v, "values");
        int minutes = 0;
        size_t i;
        json_t *x;

        if (!vals) {
            vals = json_object_get(v, "minutes");
            minutes = 1;
        }
        join(sub, sizeof(sub), path, minutes ? "minutes" : "values");
        if (!json_is_array(vals) || json_array_size(vals) == 0) {
            return fail(p, sub, "expected a non-empty array");
        }
        d->kind = SIM_DIST_EMPIRICAL;
        d->nvalues = json_array_size(vals);
        d->values = hd_xcalloc(d->nvalues, sizeof(double));
        json_array_foreach(vals, i, x)
        {
            char el[176];
            joini(el, sizeof(el), sub, i);
            if (minutes) {
                if (get_number(p, x, el, &d->values[i])) {
                    return HD_EINPUT;
                }
                if (d->values[i] < 0) {
                    return fail(p, el, "negative duration");
                }
                d->values[i] *= (double)HD_MS_PER_MIN;
            } else {
                if (get_duration(p, x, el, &ms)) {
                    return HD_EINPUT;
                }
                d->values[i] = (double)ms;
            }
            d->mean_ms += d->values[i];
        }
        d->mean_ms /= (double)d->nvalues;
        qsort(d->values, d->nvalues, sizeof(double), cmp_double);
        d->interpolate = json_is_true(json_object_get(v, "interpolate"));
        return HD_OK;
    }
    return fail(p, sub, "unknown distribution '%s'", kind);
}

/* ---- weekly schedules ------------------------------------------------ */

static int parse_hhmm(const char *s, int allow24, int *out)
{
    int h, m;
    if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
        s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9') {
        return -1;
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || (h == 24 && (m != 0 || !allow24))) {
        return -1;
    }
    *out = h * 60 + m;
    return 0;
}

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Adds the days named by `v` ("mon", "weekdays", "weekend", "daily", or an array) to mask. */
static int parse_days(struct parser *p, const json_t *v, const char *path, unsigned *mask)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        if (json_array_size(v) == 0) {
            return fail(p, path, "no days");
        }
        json_array_foreach(v, i, x)
        {
            char el[176];
            joini(el, sizeof(el), path, i);
            if (parse_days(p, x, el, mask)) {
                return HD_EINPUT;
            }
        }
        return HD_OK;
    }
    if (!json_is_string(v)) {
        return fail(p, path, "expected a day name or an array of them");
    }
    const char *s = json_string_value(v);
    if (!strcmp(s, "daily") || !strcmp(s, "all")) {
        *mask |= 0x7f;
        return HD_OK;
    }
    if (!strcmp(s, "weekdays")) {
        *mask |= 0x1f;
        return HD_OK;
    }
    if (!strcmp(s, "weekend")) {
        *mask |= 0x60;
        return HD_OK;
    }
    for (int d = 0; d < 7; d++) {
        if (!strcmp(s, day_names[d])) {
            *mask |= 1u << d;
            return HD_OK;
        }
    }
    return fail(p, path, "unknown day '%s'", s);
}

static void week_from_diff(struct sim_week *w, const int32_t *diff)
{
    int32_t cur = 0;
    size_t n = 0;

    w->at_min = hd_xmalloc(sizeof(int32_t) * (MIN_PER_WEEK + 1));
    w->value = hd_xmalloc(sizeof(int32_t) * (MIN_PER_WEEK + 1));
    w->max = 0;
    for (int32_t m = 0; m < MIN_PER_WEEK; m++) {
        cur += diff[m];
        if (m == 0 || cur != w->value[n - 1]) {
            w->at_min[n] = m;
            w->value[n] = cur;
            n++;
        }
        if (cur > w->max) {
            w->max = cur;
        }
    }
    w->n = n;
    w->at_min = hd_xrealloc(w->at_min, sizeof(int32_t) * n);
    w->value = hd_xrealloc(w->value, sizeof(int32_t) * n);
}

static void week_const(struct sim_week *w, int32_t v)
{
    w->n = 1;
    w->at_min = hd_xmalloc(sizeof(int32_t));
    w->value = hd_xmalloc(sizeof(int32_t));
    w->at_min[0] = 0;
    w->value[0] = v;
    w->max = v;
}

static void add_range(int32_t *diff, int32_t from, int32_t to, int32_t v)
{
    /* [from, to) in minutes of the week; wraps past Sunday midnight. */
    if (to <= MIN_PER_WEEK) {
        diff[from] += v;
        diff[to] -= v;
    } else {
        diff[from] += v;
        diff[MIN_PER_WEEK] -= v;
        diff[0] += v;
        diff[to - MIN_PER_WEEK] -= v;
    }
}

/*
 * Shifts: "24x7", or an array of {days, start, end, agents}. `count_key` is
 * "agents" for teams; approvers' availability has no count (1).
 */
static int parse_week(struct parser *p, const json_t *v, const char *path, int with_count,
                      struct sim_week *w)
{
    static const char *const keys[] = {"days", "start", "end", "agents", NULL};
    static const char *const keys_nocount[] = {"days", "start", "end", NULL};
    int32_t *diff;
    size_t i;
    json_t *x;

    if (json_is_string(v) && !strcmp(json_string_value(v), "24x7")) {
        week_const(w, 1);
        return HD_OK;
    }
    if (!json_is_array(v)) {
        return fail(p, path, "expected \"24x7\" or an array of shifts");
    }
    if (json_array_size(v) == 0) {
        return fail(p, path, "empty shift pattern");
    }
    diff = hd_xcalloc(MIN_PER_WEEK + 1, sizeof(int32_t));
    json_array_foreach(v, i, x)
    {
        char el[176], sub[200];
        unsigned mask = 0;
        int start, end;
        double agents = 1;

        joini(el, sizeof(el), path, i);
        if (check_keys(p, x, el, with_count ? keys : keys_nocount)) {
            goto bad;
        }
        join(sub, sizeof(sub), el, "days");
        if (!json_object_get(x, "days")) {
            fail(p, sub, "missing");
            goto bad;
        }
        if (parse_days(p, json_object_get(x, "days"), sub, &mask)) {
            goto bad;
        }
        join(sub, sizeof(sub), el, "start");
        if (!json_is_string(json_object_get(x, "start")) ||
            parse_hhmm(json_string_value(json_object_get(x, "start")), 0, &start)) {
            fail(p, sub, "expected a time \"HH:MM\"");
            goto bad;
        }
        join(sub, sizeof(sub), el, "end");
        if (!json_is_string(json_object_get(x, "end")) ||
            parse_hhmm(json_string_value(json_object_get(x, "end")), 1, &end)) {
            fail(p, sub, "expected a time \"HH:MM\" (\"24:00\" allowed)");
            goto bad;
        }
        if (end == start) {
            fail(p, el, "shift starts and ends at %s",
                 json_string_value(json_object_get(x, "start")));
            goto bad;
        }
        if (with_count) {
            join(sub, sizeof(sub), el, "agents");
            if (!json_object_get(x, "agents")) {
                fail(p, sub, "missing");
                goto bad;
            }
            if (!json_is_integer(json_object_get(x, "agents")) ||
                json_integer_value(json_object_get(x, "agents")) < 0 ||
                json_integer_value(json_object_get(x, "agents")) > 100000) {
                fail(p, sub, "expected a whole number of agents from 0 to 100000");
                goto bad;
            }
            agents = (double)json_integer_value(json_object_get(x, "agents"));
        }
        for (int d = 0; d < 7; d++) {
            if (mask & (1u << d)) {
                int32_t from = d * 1440 + start;
                int32_t to = d * 1440 + end + (end < start ? 1440 : 0);
                add_range(diff, from, to, (int32_t)agents);
            }
        }
    }
    week_from_diff(w, diff);
    free(diff);
    return HD_OK;
bad:
    free(diff);
    return HD_EINPUT;
}

/* ---- choices --------------------------------------------------------- */

enum choice_kind { CH_STRING, CH_PRIORITY, CH_SEVERITY, CH_TEAM };

static int severity_from_name(const char *s)
{
    static const char *const names[] = {"low", "medium", "high", "critical"};
    for (int i = 0; i < 4; i++) {
        if (!strcmp(s, names[i])) {
            return i + 1;
        }
    }
    if (s[0] >= '1' && s[0] <= '4' && !s[1]) {
        return s[0] - '0';
    }
    return 0;
}

static int choice_id(struct parser *p, enum choice_kind k, const char *s, const char *path,
                     uint32_t *id)
{
    int v;
    switch (k) {
    case CH_PRIORITY:
        v = hd_priority_parse(s, strlen(s));
        if (!v) {
            return fail(p, path, "unknown priority '%s'", s);
        }
        *id = (uint32_t)v;
        return HD_OK;
    case CH_SEVERITY:
        v = severity_from_name(s);
        if (!v) {
            return fail(p, path, "unknown severity '%s' (low, medium, high, critical)", s);
        }
        *id = (uint32_t)v;
        return HD_OK;
    case CH_TEAM: {
        long t = find_team(p->sc, s);
        if (t < 0) {
            return fail(p, path, "no team '%s'", s);
        }
        *id = (uint32_t)t;
        return HD_OK;
    }
    default:
        *id = hd_intern_id(p->sc->strs, s, strlen(s));
        return HD_OK;
    }
}

/* A value: "x", or weights {"x": 0.7, "y": 0.3}. */
static int parse_choice(struct parser *p, const json_t *v, const char *path, enum choice_kind k,
                        struct sim_choice *c)
{
    memset(c, 0, sizeof(*c));
    if (json_is_string(v)) {
        c->n = 1;
        c->ids = hd_xmalloc(sizeof(uint32_t));
        c->cum = hd_xmalloc(sizeof(double));
        c->cum[0] = 1;
        return choice_id(p, k, json_string_value(v), path, &c->ids[0]);
    }
    if (!json_is_object(v) || json_object_size(v) == 0) {
        return fail(p, path, "expected a value or an object of weights");
    }
    const char *key;
    json_t *w;
    size_t i = 0;
    double sum = 0;
    c->n = json_object_size(v);
    c->ids = hd_xcalloc(c->n, sizeof(uint32_t));
    c->cum = hd_xcalloc(c->n, sizeof(double));
    json_object_foreach((json_t *)v, key, w)
    {
        char sub[200];
        double x;
        join(sub, sizeof(sub), path, key);
        if (get_number(p, w, sub, &x)) {
            return HD_EINPUT;
        }
        if (x < 0) {
            return fail(p, sub, "negative weight %g", x);
        }
        if (choice_id(p, k, key, sub, &c->ids[i])) {
            return HD_EINPUT;
        }
        sum += x;
        c->cum[i++] = sum;
    }
    if (!(sum > 0)) {
        return fail(p, path, "weights add up to zero");
    }
    return HD_OK;
}

static void choice_release(struct sim_choice *c)
{
    free(c->ids);
    free(c->cum);
    memset(c, 0, sizeof(*c));
}

/* ---- sections -------------------------------------------------------- */

static int parse_team(struct parser *p, const json_t *v, const char *path, struct sim_team *t)
{
    static const char *const keys[] = {"name",          "agents",   "shifts", "service",
                                       "answer_within", "security", NULL};
    char sub[160];
    const json_t *x;

    if (check_keys(p, v, path, keys)) {
        return HD_EINPUT;
    }
    join(sub, sizeof(sub), path, "name");
    x = json_object_get(v, "name");
    if (!json_is_string(x) || !*json_string_value(x)) {
        return fail(p, sub, "expected a non-empty team name");
    }
    t->name = hd_xstrdup(json_string_value(x));
    if (json_object_get(v, "agents") && json_object_get(v, "shifts")) {
        return fail(p, path, "give either 'agents' (around the clock) or 'shifts', not both");
    }
    if ((x = json_object_get(v, "agents"))) {
        join(sub, sizeof(sub), path, "agents");
        if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 100000) {
            return fail(p, sub, "expected a whole number of agents from 0 to 100000");
        }
        week_const(&t->staff, (int32_t)json_integer_value(x));
    } else if ((x = json_object_get(v, "shifts"))) {
        join(sub, sizeof(sub), path, "shifts");
        if (parse_week(p, x, sub, 1, &t->staff)) {
            return HD_EINPUT;
        }
    } else {
        return fail(p, path, "missing 'agents' or 'shifts'");
    }
    join(sub, sizeof(sub), path, "service");
    if (!(x = json_object_get(v, "service"))) {
        return fail(p, sub, "missing");
    }
    if (parse_dist(p, x, sub, &t->service)) {
        return HD_EINPUT;
    }
    if ((x = json_object_get(v, "security"))) {
        join(sub, sizeof(sub), path, "security");
        if (!json_is_boolean(x)) {
            return fail(p, sub, "expected true or false");
        }
        t->security = json_is_true(x);
    }
    t->answer_ms = 20 * HD_MS_PER_S;
    if ((x = json_object_get(v, "answer_within"))) {
        join(sub, sizeof(sub), path, "answer_within");
        if (get_duration(p, x, sub, &t->answer_ms)) {
            return HD_EINPUT;
        }
    }
    return HD_OK;
}

static int parse_type(struct parser *p, const json_t *v, const char *path, struct sim_type *t)
{
    static const char *const keys[] = {"name",     "share",       "resolver",    "priority",
                                       "category", "subcategory", "asset_class", "requester_tier",
                                       "client",   "channel",     "keywords",    "security",
                                       "service",  "requesters",  "assets",      NULL};
    static const struct {
        const char *key;
        size_t off;
    } strs[] = {
        {"category", offsetof(struct sim_type, category)},
        {"subcategory", offsetof(struct sim_type, subcategory)},
        {"asset_class", offsetof(struct sim_type, asset_class)},
        {"requester_tier", offsetof(struct sim_type, tier)},
        {"client", offsetof(struct sim_type, client)},
        {"channel", offsetof(struct sim_type, channel)},
    };
    char sub[160];
    const json_t *x;
    long team;

    if (check_keys(p, v, path, keys)) {
        return HD_EINPUT;
    }
    join(sub, sizeof(sub), path, "name");
    x = json_object_get(v, "name");
    if (!json_is_string(x) || !*json_string_value(x)) {
        return fail(p, sub, "expected a non-empty type name");
    }
    t->name = hd_xstrdup(json_string_value(x));
    join(sub, sizeof(sub), path, "share");
    if (!(x = json_object_get(v, "share"))) {
        return fail(p, sub, "missing");
    }
    if (get_number(p, x, sub, &t->share)) {
        return HD_EINPUT;
    }
    if (t->share < 0) {
        return fail(p, sub, "negative share %g", t->share);
    }
    join(sub, sizeof(sub), path, "resolver");
    if (!(x = json_object_get(v, "resolver"))) {
        return fail(p, sub, "missing");
    }
    if (get_team(p, x, sub, &team)) {
        return HD_EINPUT;
    }
    t->resolver = (uint32_t)team;
    join(sub, sizeof(sub), path, "priority");
    if ((x = json_object_get(v, "priority"))) {
        if (parse_choice(p, x, sub, CH_PRIORITY, &t->priority)) {
            return HD_EINPUT;
        }
    } else {
        t->priority.n = 1;
        t->priority.ids = hd_xmalloc(sizeof(uint32_t));
        t->priority.cum = hd_xmalloc(sizeof(double));
        t->priority.ids[0] = 3;
        t->priority.cum[0] = 1;
    }
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        struct sim_choice *c = (struct sim_choice *)((char *)t + strs[i].off);
        if ((x = json_object_get(v, strs[i].key))) {
            join(sub, sizeof(sub), path, strs[i].key);
            if (parse_choice(p, x, sub, CH_STRING, c)) {
                return HD_EINPUT;
            }
        }
    }
    t->requesters = 5000;
    t->assets = 5000;
    for (int i = 0; i < 2; i++) {
        const char *key = i ? "assets" : "requesters";
        if ((x = json_object_get(v, key))) {
            join(sub, sizeof(sub), path, key);
            if (!json_is_integer(x) || json_integer_value(x) < 1 ||
                json_integer_value(x) > 100000000) {
                return fail(p, sub, "expected a population size from 1 to 100000000");
            }
            *(i ? &t->assets : &t->requesters) = (uint32_t)json_integer_value(x);
        }
    }
    if ((x = json_object_get(v, "keywords"))) {
        const char *key;
        json_t *w;
        size_t i = 0;
        join(sub, sizeof(sub), path, "keywords");
        if (!json_is_object(x)) {
            return fail(p, sub, "expected an object of keyword probabilities");
        }
        t->nkw = json_object_size(x);
        t->kw = hd_xcalloc(t->nkw ? t->nkw : 1, sizeof(uint32_t));
        t->kw_p = hd_xcalloc(t->nkw ? t->nkw : 1, sizeof(double));
        json_object_foreach((json_t *)x, key, w)
        {
            char el[200];
            uint32_t id = hd_intern_id(p->sc->strs, key, strlen(key));
            size_t k;
            join(el, sizeof(el), sub, key);
            if (!*key) {
                return fail(p, el, "empty keyword");
            }
            if (get_prob(p, w, el, &t->kw_p[i])) {
                return HD_EINPUT;
            }
            for (k = 0; k < p->sc->nkw && p->sc->kw_ids[k] != id; k++) {
            }
            if (k == p->sc->nkw) {
                if (k == SIM_MAX_KEYWORDS) {
                    return fail(p, el, "more than %d distinct keywords", SIM_MAX_KEYWORDS);
                }
                p->sc->kw_ids[p->sc->nkw++] = id;
            }
            t->kw[i++] = (uint32_t)k;
        }
    }
    if ((x = json_object_get(v, "security"))) {
        static const char *const skeys[] = {"probability", "severity", NULL};
        join(sub, sizeof(sub), path, "security");
        if (check_keys(p, x, sub, skeys)) {
            return HD_EINPUT;
        }
        char el[200];
        join(el, sizeof(el), sub, "probability");
        if (!json_object_get(x, "probability")) {
            return fail(p, el, "missing");
        }
        if (get_prob(p, json_object_get(x, "probability"), el, &t->p_security)) {
            return HD_EINPUT;
        }
        join(el, sizeof(el), sub, "severity");
        if (json_object_get(x, "severity")) {
            if (parse_choice(p, json_object_get(x, "severity"), el, CH_SEVERITY, &t->severity)) {
                return HD_EINPUT;
            }
        }
    }
    if (!t->severity.n) {
        t->severity.n = 1;
        t->severity.ids = hd_xmalloc(sizeof(uint32_t));
        t->severity.cum = hd_xmalloc(sizeof(double));
        t->severity.ids[0] = 2;
        t->severity.cum[0] = 1;
    }
    if ((x = json_object_get(v, "service"))) {
        join(sub, sizeof(sub), path, "service");
        if (parse_dist(p, x, sub, &t->service)) {
            return HD_EINPUT;
        }
        t->has_service = 1;
    }
    return HD_OK;
}

static const char *const day_keys[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int parse_day_rates(struct parser *p, const json_t *v, const char *path, double *rates)
{
    size_t i;
    json_t *x;

    if (!json_is_array(v) || json_array_size(v) != 24) {
        return fail(p, path, "expected 24 hourly rates");
    }
    json_array_foreach(v, i, x)
    {
        char el[200];
        joini(el, sizeof(el), path, i);
        if (get_rate(p, x, el, &rates[i])) {
            return HD_EINPUT;
        }
    }
    return HD_OK;
}

static int parse_instant_or_offset(struct parser *p, const json_t *v, const char *path,
                                   int64_t *out)
{
    struct hd_err e = HD_ERR_INIT;
    const char *s;

    if (!json_is_string(v)) {
        return fail(p, path, "expected an instant or an offset from the start such as \"9h\"");
    }
    s = json_string_value(v);
    if (strchr(s, '-') && strchr(s, ':')) {
        int64_t abs_ms;
        if (hd_time_parse(s, strlen(s), HD_TF_ISO8601, p->sc->tz, &abs_ms, &e)) {
            return fail(p, path, "%s", e.msg);
        }
        *out = abs_ms - p->sc->start_ms;
        return HD_OK;
    }
    if (hd_duration_parse(s, out, &e)) {
        return fail(p, path, "%s", e.msg);
    }
    return HD_OK;
}

static int parse_arrivals(struct parser *p, const json_t *v, const char *path)
{
    static const char *const keys[] = {"rate_per_h", "hour_of_week", "scale", "spikes", NULL};
    static const char *const hkeys[] = {"daily", "weekdays", "weekend", "mon", "tue", "wed",
                                        "thu",   "fri",      "sat",     "sun", NULL};
    struct sim_scenario *sc = p->sc;
    char sub[160];
    const json_t *x;
    double scale = 1;

    if (check_keys(p, v, path, keys)) {
        return HD_EINPUT;
    }
    if ((x = json_object_get(v, "scale"))) {
        join(sub, sizeof(sub), path, "scale");
        if (get_rate(p, x, sub, &scale)) {
            return HD_EINPUT;
        }
    }
    if ((x = json_object_get(v, "hour_of_week"))) {
        double day[24];
        join(sub, sizeof(sub), path, "hour_of_week");
        if (json_object_get(v, "rate_per_h")) {
            return fail(p, path, "give either 'rate_per_h' or 'hour_of_week', not both");
        }
        if (check_keys(p, x, sub, hkeys)) {
            return HD_EINPUT;
        }
        for (int pass = 0; pass < 3; pass++) {
            for (int d = 0; d < 7; d++) {
                const char *key = pass == 0   ? "daily"
                                  : pass == 1 ? (d < 5 ? "weekdays" : "weekend")
                                              : day_keys[d];
                const json_t *dv = json_object_get(x, key);
                char el[200];
                if (!dv) {
                    continue;
                }
                join(el, sizeof(el), sub, key);
                if (parse_day_rates(p, dv, el, day)) {
                    return HD_EINPUT;
                }
                for (int h = 0; h < 24; h++) {
                    sc->how_rate[d * 24 + h] = day[h];
                }
            }
        }
    } else if ((x = json_object_get(v, "rate_per_h"))) {
        double r;
        join(sub, sizeof(sub), path, "rate_per_h");
        if (get_rate(p, x, sub, &r)) {
            return HD_EINPUT;
        }
        for (int h = 0; h < 168; h++) {
            sc->how_rate[h] = r;
        }
    } else {
        return fail(p, path, "missing 'rate_per_h' or 'hour_of_week'");
    }
    sc->how_const = 1;
    for (int h = 0; h < 168; h++) {
        sc->how_rate[h] *= scale;
        if (sc->how_rate[h] != sc->how_rate[0]) {
            sc->how_const = 0;
        }
    }
    if ((x = json_object_get(v, "spikes"))) {
        static const char *const skeys[] = {"start", "duration", "multiplier",
                                            "types", "mix",      NULL};
        size_t i;
        json_t *s;
        join(sub, sizeof(sub), path, "spikes");
        if (!json_is_array(x)) {
            return fail(p, sub, "expected an array");
        }
        sc->nspikes = json_array_size(x);
        sc->spikes = hd_xcalloc(sc->nspikes ? sc->nspikes : 1, sizeof(*sc->spikes));
        json_array_foreach(x, i, s)
        {
            struct sim_spike *sp = &sc->spikes[i];
            char el[176], f[200];
            int64_t dur;
            joini(el, sizeof(el), sub, i);
            if (check_keys(p, s, el, skeys)) {
                return HD_EINPUT;
            }
            join(f, sizeof(f), el, "start");
            if (parse_instant_or_offset(p, json_object_get(s, "start"), f, &sp->start_ms)) {
                return HD_EINPUT;
            }
            join(f, sizeof(f), el, "duration");
            if (get_duration(p, json_object_get(s, "duration"), f, &dur)) {
                return HD_EINPUT;
            }
            sp->end_ms = sp->start_ms + dur;
            join(f, sizeof(f), el, "multiplier");
            if (get_rate(p, json_object_get(s, "multiplier"), f, &sp->mult)) {
                return HD_EINPUT;
            }
            if (json_object_get(s, "types") && json_object_get(s, "mix")) {
                return fail(p, el, "give either 'types' or 'mix', not both");
            }
            if (json_object_get(s, "types")) {
                const json_t *ts = json_object_get(s, "types");
                size_t k;
                json_t *tn;
                join(f, sizeof(f), el, "types");
                if (!json_is_array(ts) || json_array_size(ts) == 0) {
                    return fail(p, f, "expected a non-empty array of type names");
                }
                sp->types = hd_xcalloc(sc->ntypes, 1);
                json_array_foreach(ts, k, tn)
                {
                    long ti = json_is_string(tn) ? find_type(sc, json_string_value(tn)) : -1;
                    if (ti < 0) {
                        char g[224];
                        joini(g, sizeof(g), f, k);
                        return fail(p, g, "unknown ticket type '%s'",
                                    json_is_string(tn) ? json_string_value(tn) : "?");
                    }
                    sp->types[ti] = 1;
                }
            } else if (json_object_get(s, "mix")) {
                const json_t *mx = json_object_get(s, "mix");
                const char *key;
                json_t *w;
                double sum = 0;
                join(f, sizeof(f), el, "mix");
                if (!json_is_object(mx) || json_object_size(mx) == 0) {
                    return fail(p, f, "expected an object of type weights");
                }
                sp->mix = hd_xcalloc(sc->ntypes, sizeof(double));
                json_object_foreach((json_t *)mx, key, w)
                {
                    char g[224];
                    long ti = find_type(sc, key);
                    double wt;
                    join(g, sizeof(g), f, key);
                    if (ti < 0) {
                        return fail(p, g, "unknown ticket type '%s'", key);
                    }
                    if (get_number(p, w, g, &wt)) {
                        return HD_EINPUT;
                    }
                    if (wt < 0) {
                        return fail(p, g, "negative weight %g", wt);
                    }
                    sp->mix[ti] = wt;
                    sum += wt;
                }
                if (!(sum > 0)) {
                    return fail(p, f, "weights add up to zero");
                }
                for (size_t k = 0; k < sc->ntypes; k++) {
                    sp->mix[k] /= sum;
                }
                if (sp->mult < 1) {
                    join(f, sizeof(f), el, "multiplier");
                    return fail(p, f, "a spike with a mix needs a multiplier of at least 1");
                }
            }
        }
    }
    return HD_OK;
}

static int parse_misroute(struct parser *p, const json_t *v, const char *path)
{
    static const char *const keys[] = {"triage", "bounce_to", "dispatch", "redispatch_accuracy",
                                       NULL};
    struct sim_scenario *sc = p->sc;
    char sub[160];
    const json_t *x;

    if (check_keys(p, v, path, keys)) {
        return HD_EINPUT;
    }
    if ((x = json_object_get(v, "triage"))) {
        join(sub, sizeof(sub), path, "triage");
        sim_dist_release(&sc->triage);
        if (parse_dist(p, x, sub, &sc->triage)) {
            return HD_EINPUT;
        }
    }
    if ((x = json_object_get(v, "bounce_to"))) {
        join(sub, sizeof(sub), path, "bounce_to");
        if (json_is_string(x) && !strcmp(json_string_value(x), "resolver")) {
            sc->bounce_to = -1;
        } else if (get_team(p, x, sub, &sc->bounce_to)) {
            return HD_EINPUT;
        }
    }
    if ((x = json_object_get(v, "redispatch_accuracy"))) {
        join(sub, sizeof(sub), path, "redispatch_accuracy");
        if (get_prob(p, x, sub, &sc->redispatch_ok)) {
            return HD_EINPUT;
        }
    }
    sim_dist_release(&sc->dispatch);
    if ((x = json_object_get(v, "dispatch"))) {
        join(sub, sizeof(sub), path, "dispatch");
        if (parse_dist(p, x, sub, &sc->dispatch)) {
            return HD_EINPUT;
        }
    }
    return HD_OK;
}

static int parse_security(struct parser *p, const json_t *v, const char *path)
{
    static const char *const keys[] = {
        "team", "recognise", "late_detection", "authorisation", "containment", "spread", NULL};
    struct sim_scenario *sc = p->sc;
    char sub[160];
    const json_t *x;

    if (check_keys(p, v, path, keys)) {
        return HD_EINPUT;
    }
    join(sub, sizeof(sub), path, "team");
    if (!(x = json_object_get(v, "team"))) {
        return fail(p, sub, "missing");
    }
    if (get_team(p, x, sub, &sc->sec_team)) {
        return HD_EINPUT;
    }
    if ((x = json_object_get(v, "recognise"))) {
        join(sub, sizeof(sub), path, "recognise");
        if (get_prob(p, x, sub, &sc->p_recognise)) {
            return HD_EINPUT;
        }
    }
    if ((x = json_object_get(v, "late_detection"))) {
        join(sub, sizeof(sub), path, "late_detection");
        sim_dist_release(&sc->late);
        if (parse_dist(p, x, sub, &sc->late)) {
            return HD_EINPUT;
        }
    }
    if ((x = json_object_get(v, "containment"))) {
        join(sub, sizeof(sub), path, "containment");
        if (parse_dist(p, x, sub, &sc->contain)) {
            return HD_EINPUT;
        }
    }
    if ((x = json_object_get(v, "authorisation"))) {
        static const char *const akeys[] = {"min_severity", "approvers", "require", NULL};
        static const char *const pkeys[] = {"name", "availability", "response", NULL};
        const json_t *a = x, *ap;
        char el[200];
        size_t i;
        json_t *o;

        join(sub, sizeof(sub), path, "authorisation");
        if (check_keys(p, a, sub, akeys)) {
            return HD_EINPUT;
        }
        sc->auth_min_sev = 1;
        if ((o = json_object_get(a, "min_severity"))) {
            join(el, sizeof(el), sub, "min_severity");
            if (!json_is_string(o) ||
                !(sc->auth_min_sev = severity_from_name(json_string_value(o)))) {
                return fail(p, el, "expected low, medium, high or critical");
            }
        }
        if ((o = json_object_get(a, "require"))) {
            join(el, sizeof(el), sub, "require");
            if (json_is_string(o) && !strcmp(json_string_value(o), "any")) {
                sc->auth_any = 1;
            } else if (!json_is_string(o) || strcmp(json_string_value(o), "all")) {
                return fail(p, el, "expected \"all\" or \"any\"");
            }
        }
        join(el, sizeof(el), sub, "approvers");
        ap = json_object_get(a, "approvers");
        if (!json_is_array(ap) || json_array_size(ap) == 0) {
            return fail(p, el, "expected a non-empty array");
        }
        sc->napprovers = json_array_size(ap);
        sc->approvers = hd_xcalloc(sc->napprovers, sizeof(*sc->approvers));
        json_array_foreach(ap, i, o)
        {
            struct sim_approver *ar = &sc->approvers[i];
            char e2[224], f[240];
            joini(e2, sizeof(e2), el, i);
            if (check_keys(p, o, e2, pkeys)) {
                return HD_EINPUT;
            }
            join(f, sizeof(f), e2, "name");
            if (!json_is_string(json_object_get(o, "name"))) {
                return fail(p, f, "expected a name");
            }
            ar->name = hd_xstrdup(json_string_value(json_object_get(o, "name")));
            join(f, sizeof(f), e2, "availability");
            if (!json_object_get(o, "availability")) {
                return fail(p, f, "missing");
            }
            if (parse_week(p, json_object_get(o, "availability"), f, 0, &ar->avail)) {
                return HD_EINPUT;
            }
            join(f, sizeof(f), e2, "response");
            if (json_object_get(o, "response")) {
                if (parse_dist(p, json_object_get(o, "response"), f, &ar->response)) {
                    return HD_EINPUT;
                }
            } else {
                ar->response.kind = SIM_DIST_FIXED;
            }
        }
    }
    if ((x = json_object_get(v, "spread"))) {
        static const char *const skeys[] = {"model", "rate_per_h", "max", NULL};
        const json_t *o;
        char el[200];
        join(sub, sizeof(sub), path, "spread");
        if (check_keys(p, x, sub, skeys)) {
            return HD_EINPUT;
        }
        join(el, sizeof(el), sub, "model");
        o = json_object_get(x, "model");
        if (json_is_string(o) && !strcmp(json_string_value(o), "linear")) {
            sc->spread = SIM_SPREAD_LINEAR;
        } else if (json_is_string(o) && !strcmp(json_string_value(o), "exponential")) {
            sc->spread = SIM_SPREAD_EXP;
        } else {
            return fail(p, el, "expected \"linear\" or \"exponential\"");
        }
        join(el, sizeof(el), sub, "rate_per_h");
        if (get_rate(p, json_object_get(x, "rate_per_h"), el, &sc->spread_rate_per_h)) {
            return HD_EINPUT;
        }
        sc->spread_max = 0;
        if ((o = json_object_get(x, "max"))) {
            join(el, sizeof(el), sub, "max");
            if (get_rate(p, o, el, &sc->spread_max)) {
                return HD_EINPUT;
            }
        }
    }
    return HD_OK;
}

static int parse_sla(struct parser *p, const json_t *v, const char *path)
{
    static const char *const keys[] = {"response", "resolve", NULL};
    const char *key;
    json_t *x;

    if (!json_is_object(v)) {
        return fail(p, path, "expected an object keyed by priority");
    }
    json_object_foreach((json_t *)v, key, x)
    {
        char sub[160], el[200];
        int prio = hd_priority_parse(key, strlen(key));
        join(sub, sizeof(sub), path, key);
        if (!prio) {
            return fail(p, sub, "unknown priority '%s'", key);
        }
        if (check_keys(p, x, sub, keys)) {
            return HD_EINPUT;
        }
        if (json_object_get(x, "response")) {
            join(el, sizeof(el), sub, "response");
            if (get_duration(p, json_object_get(x, "response"), el,
                             &p->sc->sla_response_ms[prio])) {
                return HD_EINPUT;
            }
        }
        if (json_object_get(x, "resolve")) {
            join(el, sizeof(el), sub, "resolve");
            if (get_duration(p, json_object_get(x, "resolve"), el, &p->sc->sla_resolve_ms[prio])) {
                return HD_EINPUT;
            }
        }
    }
    return HD_OK;
}

/*
 * "routing": the observed routing that calibrate writes and the built-in
 * policy "observed" follows: first assignment by category and priority, and
 * per team the chance a holding ends the ticket, the chance a pass goes back
 * to the team held before, where other passes go, and how long a holding
 * that ends in a pass lasts.
 */
static int parse_routing(struct parser *p, const json_t *v, const char *path)
{
    static const char *const keys[] = {"first", "groups", "hold_correlation", NULL};
    static const char *const fkeys[] = {"category", "priority", "to", "n", "note", NULL};
    static const char *const gkeys[] = {
        "resolve", "resolve_second", "resolve_later", "back", "to", "hold", "n", "note", NULL};
    static const char *const pkeys[SIM_NPOS] = {"resolve", "resolve_second", "resolve_later"};
    static const char *const hkeys[] = {"resolve_first",
                                        "resolve_second",
                                        "resolve_later",
                                        "pass_first",
                                        "pass_second",
                                        "pass_later",
                                        NULL};
    struct sim_scenario *sc = p->sc;
    const json_t *x, *el;
    const char *key;
    char sub[160], f[200], g[240];
    size_t i;

    if (check_keys(p, v, path, keys)) {
        return HD_EINPUT;
    }
    sc->route = hd_xcalloc(sc->nteams, sizeof(*sc->route));
    if ((x = json_object_get(v, "hold_correlation"))) {
        join(sub, sizeof(sub), path, "hold_correlation");
        if (get_prob(p, x, sub, &sc->hold_corr)) {
            return HD_EINPUT;
        }
    }
    join(sub, sizeof(sub), path, "first");
    x = json_object_get(v, "first");
    if (x && !json_is_array(x)) {
        return fail(p, sub, "expected an array");
    }
    if (x) {
        sc->first = hd_xcalloc(json_array_size(x) + 1, sizeof(*sc->first));
        json_array_foreach(x, i, el)
        {
            struct sim_route_first *r = &sc->first[i];
            const json_t *y;
            joini(f, sizeof(f), sub, i);
            sc->nfirst = i + 1;
            if (check_keys(p, el, f, fkeys)) {
                return HD_EINPUT;
            }
            if ((y = json_object_get(el, "category"))) {
                join(g, sizeof(g), f, "category");
                if (!json_is_string(y)) {
                    return fail(p, g, "expected a category");
                }
                r->cat = hd_intern_id(sc->strs, json_string_value(y), strlen(json_string_value(y)));
            }
            if ((y = json_object_get(el, "priority"))) {
                join(g, sizeof(g), f, "priority");
                if (!json_is_string(y) ||
                    !(r->priority =
                          hd_priority_parse(json_string_value(y), strlen(json_string_value(y))))) {
                    return fail(p, g, "expected a priority such as \"P3\"");
                }
            }
            join(g, sizeof(g), f, "to");
            if (!(y = json_object_get(el, "to"))) {
                return fail(p, g, "missing");
            }
            if (parse_choice(p, y, g, CH_TEAM, &r->to)) {
                return HD_EINPUT;
            }
        }
    }
    join(sub, sizeof(sub), path, "groups");
    x = json_object_get(v, "groups");
    if (x && !json_is_object(x)) {
        return fail(p, sub, "expected an object keyed by team");
    }
    json_object_foreach((json_t *)x, key, el)
    {
        long t = find_team(sc, key);
        struct sim_route_group *r;
        const json_t *y;
        join(f, sizeof(f), sub, key);
        if (t < 0) {
            return fail(p, f, "no team '%s'", key);
        }
        r = &sc->route[t];
        if (check_keys(p, el, f, gkeys)) {
            return HD_EINPUT;
        }
        r->has = 1;
        for (int k = 0; k < SIM_NPOS; k++) {
            /* A position not given takes the one before. */
            r->p_resolve[k] = k ? r->p_resolve[k - 1] : 1;
            if ((y = json_object_get(el, pkeys[k]))) {
                join(g, sizeof(g), f, pkeys[k]);
                if (get_prob(p, y, g, &r->p_resolve[k])) {
                    return HD_EINPUT;
                }
            }
        }
        if ((y = json_object_get(el, "back"))) {
            join(g, sizeof(g), f, "back");
            if (get_prob(p, y, g, &r->p_back)) {
                return HD_EINPUT;
            }
        }
        if ((y = json_object_get(el, "to"))) {
            join(g, sizeof(g), f, "to");
            if (parse_choice(p, y, g, CH_TEAM, &r->to)) {
                return HD_EINPUT;
            }
        }
        if ((y = json_object_get(el, "hold"))) {
            join(g, sizeof(g), f, "hold");
            if (check_keys(p, y, g, hkeys)) {
                return HD_EINPUT;
            }
            for (int k = 0; k < 2 * SIM_NPOS; k++) {
                const json_t *d = json_object_get(y, hkeys[k]);
                char h[280];
                join(h, sizeof(h), g, hkeys[k]);
                if (d && parse_dist(p, d, h, &r->hold[k / SIM_NPOS][k % SIM_NPOS])) {
                    return HD_EINPUT;
                }
            }
        }
    }
    return HD_OK;
}

/* "calibration": provenance written by calibrate; only its client is read. */
static int parse_calibration(struct parser *p, const json_t *v, const char *path)
{
    const json_t *x;
    if (!json_is_object(v)) {
        return fail(p, path, "expected an object");
    }
    if ((x = json_object_get(v, "client")) && json_is_string(x) && *json_string_value(x)) {
        p->sc->calib_client = hd_xstrdup(json_string_value(x));
    }
    return HD_OK;
}

/* ---- checks across sections ------------------------------------------ */

static int check_staffed(struct parser *p, long team, const char *path, const char *why)
{
    if (team >= 0 && p->sc->teams[team].staff.max <= 0) {
        return fail(p, path, "team '%s' never has agents, but %s", p->sc->teams[team].name, why);
    }
    return HD_OK;
}

static int check_model(struct parser *p)
{
    struct sim_scenario *sc = p->sc;
    int incidents = 0;
    double rate_sum = 0;
    char sub[160];

    if (sc->horizon_ms <= sc->warmup_ms) {
        return fail(p, "warmup", "the warm-up must end before the horizon");
    }
    for (int h = 0; h < 168; h++) {
        rate_sum += sc->how_rate[h];
    }
    for (size_t k = 0; k < sc->ntypes; k++) {
        const struct sim_type *t = &sc->types[k];
        int arrives = t->share > 0 && rate_sum > 0;
        for (size_t s = 0; s < sc->nspikes; s++) {
            if (sc->spikes[s].mix && sc->spikes[s].mix[k] > 0 && sc->spikes[s].mult > 1) {
                arrives = 1;
            }
        }
        if (!arrives) {
            continue;
        }
        snprintf(sub, sizeof(sub), "types[%zu].resolver", k);
        if (check_staffed(p, t->resolver, sub, "tickets of this type arrive there")) {
            return HD_EINPUT;
        }
        if (t->p_security > 0) {
            incidents = 1;
        }
    }
    if (sc->share_total <= 0) {
        return fail(p, "types", "the shares add up to zero");
    }
    if (incidents && sc->sec_team < 0) {
        return fail(p, "security.team", "missing, but some ticket types can be incidents");
    }
    if (incidents && check_staffed(p, sc->sec_team, "security.team", "incidents go there")) {
        return HD_EINPUT;
    }
    if (check_staffed(p, sc->bounce_to, "misroute.bounce_to", "misrouted tickets go there")) {
        return HD_EINPUT;
    }
    for (size_t s = 0; s < sc->nspikes; s++) {
        if (sc->spikes[s].end_ms <= sc->spikes[s].start_ms) {
            snprintf(sub, sizeof(sub), "arrivals.spikes[%zu].duration", s);
            return fail(p, sub, "a spike needs a positive duration");
        }
    }
    return HD_OK;
}

static int cmp_spike(const void *a, const void *b)
{
    const struct sim_spike *x = a, *y = b;
    return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
}

/* ---- the document ---------------------------------------------------- */

static int parse_doc(struct parser *p, const json_t *root)
{
    static const char *const keys[] = {"name",     "description",     "start",    "zone",
                                       "horizon",  "warmup",          "drain",    "replications",
                                       "seed",     "series_interval", "teams",    "types",
                                       "arrivals", "misroute",        "security", "sla",
                                       "routing",  "calibration",     NULL};
    struct sim_scenario *sc = p->sc;
    struct hd_err e = HD_ERR_INIT;
    const json_t *x;
    size_t i;
    json_t *el;
    char sub[160];

    if (check_keys(p, root, "", keys)) {
        return HD_EINPUT;
    }
    x = json_object_get(root, "name");
    sc->name = hd_xstrdup(json_is_string(x) ? json_string_value(x) : "scenario");
    x = json_object_get(root, "zone");
    if (x && !json_is_string(x)) {
        return fail(p, "zone", "expected a time zone name");
    }
    if (hd_tz_open(x ? json_string_value(x) : "UTC", &sc->tz, &e)) {
        return fail(p, "zone", "%s", e.msg);
    }
    sc->start_ms = hd_days_from_civil(2026, 1, 5) * HD_MS_PER_DAY; /* a Monday */
    if ((x = json_object_get(root, "start"))) {
        const char *s = json_is_string(x) ? json_string_value(x) : "";
        if (hd_time_parse(s, strlen(s), HD_TF_ISO8601, sc->tz, &sc->start_ms, &e)) {
            return fail(p, "start", "%s", e.msg);
        }
    }
    if (!(x = json_object_get(root, "horizon"))) {
        return fail(p, "horizon", "missing");
    }
    if (get_duration(p, x, "horizon", &sc->horizon_ms)) {
        return HD_EINPUT;
    }
    if (sc->horizon_ms <= 0) {
        return fail(p, "horizon", "must be positive");
    }
    if ((x = json_object_get(root, "warmup")) && get_duration(p, x, "warmup", &sc->warmup_ms)) {
        return HD_EINPUT;
    }
    sc->drain_ms = 14 * HD_MS_PER_DAY;
    if ((x = json_object_get(root, "drain")) && get_duration(p, x, "drain", &sc->drain_ms)) {
        return HD_EINPUT;
    }
    sc->replications = 10;
    if ((x = json_object_get(root, "replications"))) {
        if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 1000000) {
            return fail(p, "replications", "expected a whole number from 1 to 1000000");
        }
        sc->replications = (uint32_t)json_integer_value(x);
    }
    sc->seed = 1;
    if ((x = json_object_get(root, "seed"))) {
        if (!json_is_integer(x) || json_integer_value(x) < 0) {
            return fail(p, "seed", "expected a non-negative whole number");
        }
        sc->seed = (uint64_t)json_integer_value(x);
    }
    if ((x = json_object_get(root, "series_interval"))) {
        if (get_duration(p, x, "series_interval", &sc->series_ms)) {
            return HD_EINPUT;
        }
    } else {
        /* At most ~2000 points, so a year costs no more memory than a week. */
        int64_t min_ms = 15 * HD_MS_PER_MIN;
        int64_t by_len =
            (sc->horizon_ms / 2016 + HD_MS_PER_MIN - 1) / HD_MS_PER_MIN * HD_MS_PER_MIN;
        sc->series_ms = by_len > min_ms ? by_len : min_ms;
    }

    x = json_object_get(root, "teams");
    if (!json_is_array(x) || json_array_size(x) == 0) {
        return fail(p, "teams", "expected a non-empty array");
    }
    if (json_array_size(x) > SIM_MAX_TEAMS) {
        return fail(p, "teams", "more than %d teams", SIM_MAX_TEAMS);
    }
    sc->teams = hd_xcalloc(json_array_size(x), sizeof(*sc->teams));
    json_array_foreach(x, i, el)
    {
        joini(sub, sizeof(sub), "teams", i);
        sc->nteams = i + 1;
        if (parse_team(p, el, sub, &sc->teams[i])) {
            return HD_EINPUT;
        }
        if (find_team(sc, sc->teams[i].name) != (long)i) {
            return fail(p, sub, "duplicate team '%s'", sc->teams[i].name);
        }
    }

    x = json_object_get(root, "types");
    if (!json_is_array(x) || json_array_size(x) == 0) {
        return fail(p, "types", "expected a non-empty array");
    }
    if (json_array_size(x) > 65535) {
        return fail(p, "types", "too many types");
    }
    sc->types = hd_xcalloc(json_array_size(x), sizeof(*sc->types));
    json_array_foreach(x, i, el)
    {
        joini(sub, sizeof(sub), "types", i);
        sc->ntypes = i + 1;
        if (parse_type(p, el, sub, &sc->types[i])) {
            return HD_EINPUT;
        }
        if (find_type(sc, sc->types[i].name) != (long)i) {
            return fail(p, sub, "duplicate type '%s'", sc->types[i].name);
        }
        sc->share_total += sc->types[i].share;
    }

    if (!(x = json_object_get(root, "arrivals"))) {
        return fail(p, "arrivals", "missing");
    }
    if (parse_arrivals(p, x, "arrivals")) {
        return HD_EINPUT;
    }
    if (sc->nspikes > 1) {
        qsort(sc->spikes, sc->nspikes, sizeof(*sc->spikes), cmp_spike);
    }

    sc->triage.kind = SIM_DIST_FIXED;
    sc->triage.mean_ms = 15.0 * HD_MS_PER_MIN;
    sc->bounce_to = -1;
    sc->redispatch_ok = 1;
    if ((x = json_object_get(root, "misroute")) && parse_misroute(p, x, "misroute")) {
        return HD_EINPUT;
    }
    if (sc->dispatch.kind == SIM_DIST_NONE) {
        sc->dispatch = sc->triage;
        if (sc->triage.nvalues) {
            sc->dispatch.values = hd_xmalloc(sizeof(double) * sc->triage.nvalues);
            memcpy(sc->dispatch.values, sc->triage.values, sizeof(double) * sc->triage.nvalues);
        }
    }

    sc->sec_team = -1;
    sc->late.kind = SIM_DIST_EXP;
    sc->late.mean_ms = 3.0 * HD_MS_PER_DAY;
    sc->contain.kind = SIM_DIST_FIXED;
    if ((x = json_object_get(root, "security")) && parse_security(p, x, "security")) {
        return HD_EINPUT;
    }
    if ((x = json_object_get(root, "sla")) && parse_sla(p, x, "sla")) {
        return HD_EINPUT;
    }
    if (sc->sec_team >= 0) {
        sc->teams[sc->sec_team].security = 1;
    }
    if ((x = json_object_get(root, "routing")) && parse_routing(p, x, "routing")) {
        return HD_EINPUT;
    }
    if ((x = json_object_get(root, "calibration")) && parse_calibration(p, x, "calibration")) {
        return HD_EINPUT;
    }
    return check_model(p);
}

static int load_json(json_t *root, const char *name, struct sim_scenario **out, struct hd_err *err)
{
    struct sim_scenario *sc = hd_xcalloc(1, sizeof(*sc));
    struct parser p = {name, err, sc};
    int rc;

    sim_exp_init();
    sc->src = hd_xstrdup(name);
    sc->strs = hd_intern_new();
    rc = parse_doc(&p, root);
    if (rc) {
        sim_scenario_free(sc);
        return rc ? rc : HD_EINPUT;
    }
    *out = sc;
    return HD_OK;
}

int sim_scenario_load_text(const char *text, size_t len, const char *name,
                           struct sim_scenario **out, struct hd_err *err)
{
    json_error_t je;
    json_t *root;
    int rc;

    *out = NULL;
    name = name ? name : "<scenario>";
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        return hd_err_set(err, HD_EINPUT, name, je.line > 0 ? je.line : 0, "bad JSON: %s", je.text);
    }
    rc = load_json(root, name, out, err);
    json_decref(root);
    return rc;
}

int sim_scenario_load(const char *path, struct sim_scenario **out, struct hd_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, alloc = 0;
    int rc;

    *out = NULL;
    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot open: %s", strerror(errno));
    }
    for (;;) {
        size_t n;
        if (alloc - len < 65536) {
            alloc = alloc ? alloc * 2 : 65536;
            buf = hd_xrealloc(buf, alloc);
        }
        n = fread(buf + len, 1, alloc - len, f);
        len += n;
        if (n == 0) {
            break;
        }
        if (len > 64u * 1024 * 1024) {
            fclose(f);
            free(buf);
            return hd_err_set(err, HD_EINPUT, path, 0, "scenario larger than 64 MiB");
        }
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return hd_err_set(err, HD_EIO, path, 0, "cannot read: %s", strerror(errno));
    }
    fclose(f);
    rc = sim_scenario_load_text(buf, len, path, out, err);
    free(buf);
    return rc;
}

void sim_scenario_free(struct sim_scenario *sc)
{
    if (!sc) {
        return;
    }
    for (size_t i = 0; i < sc->nteams; i++) {
        free(sc->teams[i].name);
        sim_week_release(&sc->teams[i].staff);
        sim_dist_release(&sc->teams[i].service);
    }
    free(sc->teams);
    for (size_t i = 0; i < sc->ntypes; i++) {
        struct sim_type *t = &sc->types[i];
        free(t->name);
        choice_release(&t->category);
        choice_release(&t->subcategory);
        choice_release(&t->asset_class);
        choice_release(&t->tier);
        choice_release(&t->client);
        choice_release(&t->channel);
        choice_release(&t->priority);
        choice_release(&t->severity);
        free(t->kw);
        free(t->kw_p);
        sim_dist_release(&t->service);
    }
    free(sc->types);
    for (size_t i = 0; i < sc->nspikes; i++) {
        free(sc->spikes[i].types);
        free(sc->spikes[i].mix);
    }
    free(sc->spikes);
    for (size_t i = 0; i < sc->napprovers; i++) {
        free(sc->approvers[i].name);
        sim_week_release(&sc->approvers[i].avail);
        sim_dist_release(&sc->approvers[i].response);
    }
    free(sc->approvers);
    for (size_t i = 0; i < sc->nfirst; i++) {
        choice_release(&sc->first[i].to);
    }
    free(sc->first);
    for (size_t i = 0; sc->route && i < sc->nteams; i++) {
        choice_release(&sc->route[i].to);
        for (int k = 0; k < 2 * SIM_NPOS; k++) {
            sim_dist_release(&sc->route[i].hold[k / SIM_NPOS][k % SIM_NPOS]);
        }
    }
    free(sc->route);
    free(sc->calib_client);
    free(sc->replay);
    sim_dist_release(&sc->triage);
    sim_dist_release(&sc->dispatch);
    sim_dist_release(&sc->late);
    sim_dist_release(&sc->contain);
    hd_tz_free(sc->tz);
    hd_intern_free(sc->strs);
    free(sc->name);
    free(sc->src);
    free(sc);
}

uint32_t sim_scenario_replications(const struct sim_scenario *sc)
{
    return sc->replications;
}

uint64_t sim_scenario_seed(const struct sim_scenario *sc)
{
    return sc->seed;
}

const char *sim_scenario_name(const struct sim_scenario *sc)
{
    return sc->name;
}
