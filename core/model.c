/* Names and predicates of the event model (kinds, states, priorities). */
#include "core/model.h"

#include <string.h>
#include <strings.h>

static const char *const kind_names[HD_KIND__COUNT] = {
    "", "opened", "assigned", "state", "priority", "category", "note", "linked", "escalated",
};

static const char *const state_names[HD_STATE__COUNT] = {
    "",         "new",    "in_progress", "on_hold",  "awaiting_user", "awaiting_vendor",
    "resolved", "closed", "cancelled",   "reopened",
};

const char *hd_kind_name(enum hd_kind k)
{
    return (unsigned)k < HD_KIND__COUNT ? kind_names[k] : "";
}

const char *hd_state_name(enum hd_state s)
{
    return (unsigned)s < HD_STATE__COUNT ? state_names[s] : "";
}

/* Names are lowercase ASCII: a differing first letter rules one out
 * before the length and the case-blind compare (one lookup per row). */
static int lookup(const char *const *names, int n, const char *s, size_t len)
{
    int first = len ? (unsigned char)s[0] | 0x20 : 0;
    for (int i = 1; i < n; i++) {
        if (names[i][0] == first && strlen(names[i]) == len && !strncasecmp(names[i], s, len)) {
            return i;
        }
    }
    return 0;
}

enum hd_kind hd_kind_from_name(const char *s, size_t len)
{
    return (enum hd_kind)lookup(kind_names, HD_KIND__COUNT, s, len);
}

enum hd_state hd_state_from_name(const char *s, size_t len)
{
    return (enum hd_state)lookup(state_names, HD_STATE__COUNT, s, len);
}

int hd_priority_parse(const char *s, size_t len)
{
    size_t i = 0;

    if (len > 0 && (s[0] == 'P' || s[0] == 'p')) {
        i = 1;
    }
    if (i >= len || s[i] < '1' || s[i] > '0' + HD_PRIORITY_MAX) {
        return 0;
    }
    if (i + 1 == len) {
        return s[i] - '0';
    }
    /* "1 - Critical": a digit, then " - " and a word. */
    if (i == 0 && len > 4 && !strncmp(s + 1, " - ", 3)) {
        return s[0] - '0';
    }
    return 0;
}

int hd_state_is_paused(enum hd_state s)
{
    return s == HD_STATE_ON_HOLD || s == HD_STATE_AWAITING_USER || s == HD_STATE_AWAITING_VENDOR;
}

int hd_state_is_done(enum hd_state s)
{
    return s == HD_STATE_RESOLVED || s == HD_STATE_CLOSED || s == HD_STATE_CANCELLED;
}
