/*
 * Profiles: how a source's columns and values map onto the event model.
 * Built-in profiles are mapping documents compiled in, read by the same
 * loader as a user's --map file, so both behave alike (docs/profiles.md).
 */
#include "analyzer/an_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/model.h"

/* clang-format off */
static const char *const field_names[AN_F__COUNT] = {
    "ticket",      "time",        "kind",           "group",
    "agent",       "state",       "priority",       "category",
    "subcategory", "title",       "description",    "note",
    "public",      "client",      "requester",      "requester_tier",
    "asset",       "asset_class", "channel",        "linked",
    "target",      "opened",      "src_reassignment_count", "src_reopen_count",
    "src_made_sla",
};
/* clang-format on */

const char *an_field_name(enum an_field f)
{
    return (unsigned)f < AN_F__COUNT ? field_names[f] : "";
}

const char *const an_builtin_profiles[] = {"generic", "servicenow", "jira", NULL};

/* The generic format: our own documented columns (docs/schema.md). */
static const char generic_json[] =
    "{\"name\":\"generic\",\"format\":\"csv\",\"shape\":\"events\",\"time_format\":\"iso8601\","
    "\"columns\":{\"ticket\":\"ticket\",\"time\":\"time\",\"kind\":\"kind\",\"group\":\"group\","
    "\"agent\":\"agent\",\"state\":\"state\",\"priority\":\"priority\",\"category\":\"category\","
    "\"subcategory\":\"subcategory\",\"title\":\"title\",\"description\":\"description\","
    "\"note\":\"note\",\"public\":\"public\",\"client\":\"client\",\"requester\":\"requester\","
    "\"requester_tier\":\"requester_tier\",\"asset\":\"asset\",\"asset_class\":\"asset_class\","
    "\"channel\":\"channel\",\"linked\":\"linked\",\"target\":\"target\"},"
    "\"optional\":true}";

/* The ServiceNow incident snapshot export (incident_event_log). */
static const char servicenow_json[] =
    "{\"name\":\"servicenow\",\"format\":\"csv\",\"shape\":\"snapshots\",\"time_format\":\"dmy\","
    "\"missing\":[\"?\"],"
    "\"columns\":{\"ticket\":\"number\",\"time\":\"sys_updated_at\",\"opened\":\"opened_at\","
    "\"state\":\"incident_state\",\"group\":\"assignment_group\",\"agent\":\"assigned_to\","
    "\"priority\":\"priority\",\"category\":\"category\",\"subcategory\":\"subcategory\","
    "\"requester\":\"caller_id\",\"channel\":\"contact_type\",\"asset\":\"cmdb_ci\","
    "\"src_reassignment_count\":\"reassignment_count\",\"src_reopen_count\":\"reopen_count\","
    "\"src_made_sla\":\"made_sla\"},"
    "\"values\":{\"state\":{\"New\":\"new\",\"Active\":\"in_progress\","
    "\"Awaiting User Info\":\"awaiting_user\",\"Awaiting Evidence\":\"awaiting_user\","
    "\"Awaiting Vendor\":\"awaiting_vendor\",\"Awaiting Problem\":\"on_hold\","
    "\"Resolved\":\"resolved\",\"Closed\":\"closed\",\"Cancelled\":\"cancelled\","
    "\"-100\":\"none\"}}}";

static void vmap_add(struct an_vmap *m, const char *from, const char *to)
{
    HD_GROW(m->e, m->alloc, m->n + 1);
    m->e[m->n].from = hd_xstrdup(from);
    m->e[m->n].to = hd_xstrdup(to);
    m->n++;
}

static void vmap_release(struct an_vmap *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].from);
        free(m->e[i].to);
    }
    free(m->e);
}

const char *an_vmap_get(const struct an_vmap *m, const char *s, size_t len)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!strncmp(m->e[i].from, s, len) && m->e[i].from[len] == '\0') {
            return m->e[i].to;
        }
    }
    return NULL;
}

void an_profile_free(struct an_profile *p)
{
    if (!p) {
        return;
    }
    free(p->name);
    free(p->zone);
    for (int i = 0; i < AN_F__COUNT; i++) {
        free(p->columns[i]);
    }
    for (size_t i = 0; i < p->nmissing; i++) {
        free(p->missing[i]);
    }
    free(p->missing);
    vmap_release(&p->states);
    vmap_release(&p->kinds);
    free(p);
}

static int bad(struct hd_err *err, const char *src, const char *path, const char *msg)
{
    return hd_err_set(err, HD_EINPUT, src, 0, "%s: %s", path, msg);
}

static int load_vmap(json_t *obj, const char *src, const char *path, struct an_vmap *m,
                     int is_state, struct hd_err *err)
{
    const char *k;
    json_t *v;
    char where[128];

    if (!json_is_object(obj)) {
        return bad(err, src, path, "expected an object");
    }
    json_object_foreach(obj, k, v)
    {
        snprintf(where, sizeof(where), "%s.%s", path, k);
        if (!json_is_string(v)) {
            return bad(err, src, where, "expected a string");
        }
        const char *to = json_string_value(v);
        if (is_state && strcmp(to, "none") && !hd_state_from_name(to, strlen(to))) {
            return hd_err_set(err, HD_EINPUT, src, 0, "%s: unknown state '%s'", where, to);
        }
        if (!is_state && !hd_kind_from_name(to, strlen(to))) {
            return hd_err_set(err, HD_EINPUT, src, 0, "%s: unknown event kind '%s'", where, to);
        }
        vmap_add(m, k, to);
    }
    return HD_OK;
}

static int from_json(json_t *root, const char *src, struct an_profile **out, struct hd_err *err)
{
    struct an_profile *p = hd_xcalloc(1, sizeof(*p));
    const char *k;
    json_t *v;
    int rc = HD_OK;

    if (!json_is_object(root)) {
        rc = bad(err, src, "(root)", "expected an object");
        goto out;
    }
    p->format = AN_FORMAT_CSV;
    p->shape = AN_SHAPE_EVENTS;
    p->time_fmt = HD_TF_ISO8601;
    json_object_foreach(root, k, v)
    {
        if (!strcmp(k, "name") && json_is_string(v)) {
            p->name = hd_xstrdup(json_string_value(v));
        } else if (!strcmp(k, "format") && json_is_string(v)) {
            const char *f = json_string_value(v);
            if (!strcmp(f, "csv")) {
                p->format = AN_FORMAT_CSV;
            } else if (!strcmp(f, "json") || !strcmp(f, "ndjson")) {
                p->format = AN_FORMAT_JSON;
            } else {
                rc = hd_err_set(err, HD_EINPUT, src, 0,
                                "format: unknown format '%s' (csv, json, ndjson)", f);
                goto out;
            }
        } else if (!strcmp(k, "shape") && json_is_string(v)) {
            const char *s = json_string_value(v);
            if (!strcmp(s, "events")) {
                p->shape = AN_SHAPE_EVENTS;
            } else if (!strcmp(s, "snapshots")) {
                p->shape = AN_SHAPE_SNAPSHOTS;
            } else {
                rc = hd_err_set(err, HD_EINPUT, src, 0,
                                "shape: unknown shape '%s' (events, snapshots)", s);
                goto out;
            }
        } else if (!strcmp(k, "time_format") && json_is_string(v)) {
            rc = hd_time_fmt_from_name(json_string_value(v), &p->time_fmt, err);
            if (rc) {
                hd_err_set(err, HD_EINPUT, src, 0, "time_format: unknown time format '%s'",
                           json_string_value(v));
                goto out;
            }
        } else if (!strcmp(k, "zone") && json_is_string(v)) {
            p->zone = hd_xstrdup(json_string_value(v));
        } else if (!strcmp(k, "missing") && json_is_array(v)) {
            size_t i;
            json_t *m;
            p->missing = hd_xcalloc(json_array_size(v) + 1, sizeof(char *));
            json_array_foreach(v, i, m)
            {
                if (!json_is_string(m)) {
                    rc = hd_err_set(err, HD_EINPUT, src, 0, "missing[%zu]: expected a string", i);
                    goto out;
                }
                p->missing[p->nmissing++] = hd_xstrdup(json_string_value(m));
            }
        } else if (!strcmp(k, "columns") && json_is_object(v)) {
            const char *fk;
            json_t *fv;
            json_object_foreach(v, fk, fv)
            {
                int f;
                for (f = 0; f < AN_F__COUNT && strcmp(field_names[f], fk); f++) {
                }
                if (f == AN_F__COUNT) {
                    rc = hd_err_set(err, HD_EINPUT, src, 0, "columns.%s: unknown field '%s'", fk,
                                    fk);
                    goto out;
                }
                if (!json_is_string(fv) || !json_string_length(fv)) {
                    rc = hd_err_set(err, HD_EINPUT, src, 0, "columns.%s: expected a column name",
                                    fk);
                    goto out;
                }
                p->columns[f] = hd_xstrdup(json_string_value(fv));
            }
        } else if (!strcmp(k, "values") && json_is_object(v)) {
            const char *vk;
            json_t *vv;
            json_object_foreach(v, vk, vv)
            {
                char where[64];
                snprintf(where, sizeof(where), "values.%s", vk);
                if (!strcmp(vk, "state")) {
                    rc = load_vmap(vv, src, where, &p->states, 1, err);
                } else if (!strcmp(vk, "kind")) {
                    rc = load_vmap(vv, src, where, &p->kinds, 0, err);
                } else {
                    rc = hd_err_set(err, HD_EINPUT, src, 0, "values.%s: unknown value map", vk);
                }
                if (rc) {
                    goto out;
                }
            }
        } else if (!strcmp(k, "states_strict") && json_is_boolean(v)) {
            p->states_strict = json_is_true(v);
        } else if (!strcmp(k, "optional") || !strcmp(k, "description")) {
            /* documentation only */
        } else {
            rc = hd_err_set(err, HD_EINPUT, src, 0, "%s: unknown field or wrong type", k);
            goto out;
        }
    }
    if (!p->name) {
        p->name = hd_xstrdup("map");
    }
    if (!p->columns[AN_F_TICKET] || !p->columns[AN_F_TIME]) {
        rc = hd_err_set(err, HD_EINPUT, src, 0, "columns: '%s' must be mapped",
                        p->columns[AN_F_TICKET] ? "time" : "ticket");
        goto out;
    }
    if (p->shape == AN_SHAPE_EVENTS && !p->columns[AN_F_KIND]) {
        rc = hd_err_set(err, HD_EINPUT, src, 0,
                        "columns: 'kind' must be mapped for an event log (or use shape "
                        "'snapshots')");
        goto out;
    }
    *out = p;
    return HD_OK;
out:
    an_profile_free(p);
    return rc;
}

int an_profile_load(const char *name, const char *map_path, struct an_profile **out,
                    struct hd_err *err)
{
    json_error_t jerr;
    json_t *root;
    const char *src;
    int rc;

    *out = NULL;
    if (map_path) {
        FILE *f = fopen(map_path, "rb");
        if (!f) {
            /* A missing mapping is a configuration error (exit 2), as a missing input is. */
            return hd_err_set(err, errno == ENOENT ? HD_EINPUT : HD_EIO, map_path, 0,
                              "cannot open mapping: %s", strerror(errno));
        }
        root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
        fclose(f);
        src = map_path;
        if (!root) {
            return hd_err_set(err, jerr.line > 0 ? HD_EINPUT : HD_EIO, map_path, jerr.line, "%s",
                              jerr.text);
        }
    } else if (!strcmp(name, "generic")) {
        root = json_loads(generic_json, 0, &jerr);
        src = "generic";
    } else if (!strcmp(name, "servicenow")) {
        root = json_loads(servicenow_json, 0, &jerr);
        src = "servicenow";
    } else if (!strcmp(name, "jira")) {
        struct an_profile *p = hd_xcalloc(1, sizeof(*p));
        p->name = hd_xstrdup("jira");
        p->format = AN_FORMAT_JIRA;
        p->time_fmt = HD_TF_ISO8601;
        *out = p;
        return HD_OK;
    } else {
        return hd_err_set(err, HD_EUSAGE, NULL, 0,
                          "unknown profile '%s' (generic, servicenow, jira, or --map FILE)", name);
    }
    if (!root) {
        return hd_err_set(err, HD_EINTERNAL, src, jerr.line, "built-in profile: %s", jerr.text);
    }
    rc = from_json(root, src, out, err);
    json_decref(root);
    return rc;
}

int an_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            uint64_t w;
            /* ASCII, the usual case, eight bytes a step */
            while (end - p >= 8 && (memcpy(&w, p, 8), !(w & 0x8080808080808080ull))) {
                p += 8;
            }
            while (p < end && *p < 0x80) {
                p++;
            }
            continue;
        }
        size_t n;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            min = 0x80;
            c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            min = 0x800;
            c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            min = 0x10000;
            c &= 0x07;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n) {
            return 0;
        }
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                return 0;
            }
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return 0;
        }
        p += n + 1;
    }
    return 1;
}

static uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/*
 * Eight bytes a step (words read little-endian by memcpy), murmur3-style
 * mixing and finaliser: ~1 cycle a byte, where byte-wise FNV-1a took ~4
 * and was the ingest hot spot. Identifies rows and files, not security.
 */
uint64_t an_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t w;

    while (n >= 8) {
        memcpy(&w, b, 8);
        h ^= rotl64(w * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
        h = rotl64(h, 27) * 5 + 0x52dce729;
        b += 8;
        n -= 8;
    }
    w = 0;
    memcpy(&w, b, n);
    h ^= rotl64((w ^ ((uint64_t)n << 56)) * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}
