#ifndef HD_ANALYZER_AN_INT_H
#define HD_ANALYZER_AN_INT_H

/*
 * Internals shared by the analyzer's files; never included from outside
 * analyzer/. Profiles (column mappings) and the row-level reading helpers.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/time.h"

struct hd_err;

/* The fields of the event model a profile can map a column onto. */
enum an_field {
    AN_F_TICKET,
    AN_F_TIME,
    AN_F_KIND,
    AN_F_GROUP,
    AN_F_AGENT,
    AN_F_STATE,
    AN_F_PRIORITY,
    AN_F_CATEGORY,
    AN_F_SUBCATEGORY,
    AN_F_TITLE,
    AN_F_DESCRIPTION,
    AN_F_NOTE,
    AN_F_PUBLIC,
    AN_F_CLIENT,
    AN_F_REQUESTER,
    AN_F_REQUESTER_TIER,
    AN_F_ASSET,
    AN_F_ASSET_CLASS,
    AN_F_CHANNEL,
    AN_F_LINKED,
    AN_F_TARGET,
    AN_F_OPENED,
    AN_F_SRC_REASSIGNMENT_COUNT,
    AN_F_SRC_REOPEN_COUNT,
    AN_F_SRC_MADE_SLA,
    AN_F__COUNT
};

const char *an_field_name(enum an_field f);

enum an_shape { AN_SHAPE_EVENTS, AN_SHAPE_SNAPSHOTS };
enum an_format { AN_FORMAT_CSV, AN_FORMAT_JSON, AN_FORMAT_JIRA };

struct an_vmap_entry {
    char *from; /* source value, compared case-sensitively */
    char *to;   /* model value ("in_progress", "assigned", ...) */
};

struct an_vmap {
    struct an_vmap_entry *e;
    size_t n, alloc;
};

struct an_profile {
    char *name;
    enum an_format format;
    enum an_shape shape;
    enum hd_time_fmt time_fmt;
    char *zone;                 /* NULL: UTC unless --tz */
    char *columns[AN_F__COUNT]; /* source column per field; NULL = unmapped */
    char **missing;             /* values that mean "empty", e.g. "?" */
    size_t nmissing;
    struct an_vmap states; /* source state -> hd_state name ("none" = ignore) */
    struct an_vmap kinds;  /* source kind -> hd_kind name */
    int states_strict;     /* unknown state values reject the row */
};

/*
 * Load a profile: a built-in name, or a mapping file. HD_EUSAGE for an
 * unknown name; HD_EINPUT with the file and JSON path for a bad mapping.
 */
int an_profile_load(const char *name, const char *map_path, struct an_profile **out,
                    struct hd_err *err);
void an_profile_free(struct an_profile *p);

/* Look a value up in a map; NULL when absent. */
const char *an_vmap_get(const struct an_vmap *m, const char *s, size_t len);

/* The built-in profile names, NULL-terminated. */
extern const char *const an_builtin_profiles[];

/* Whether s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int an_utf8_valid(const char *s, size_t len);


/* A fast 64-bit hash of n bytes, continued from h (start with AN_HASH_INIT). */
#define AN_HASH_INIT 0xcbf29ce484222325ull
uint64_t an_hash(uint64_t h, const void *p, size_t n);

#endif
