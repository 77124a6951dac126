/*
 * Policy engine: the queries on a loaded policy and its destruction.
 * Loading and validation live in policy_load.c, evaluation and the repeat
 * memory in policy_eval.c.
 */
#include "core/policy.h"

#include <stdlib.h>
#include <string.h>

#include "core/intern.h"
#include "core/policy_int.h"

#define W2(c)  (c), (c) + 1
#define W4(c)  W2(c), W2((c) + 2)
#define W8(c)  W4(c), W4((c) + 4)
#define W16(c) W8(c), W8((c) + 8)
#define W32(c) W16(c), W16((c) + 16)
#define Z2     0, 0
#define Z4     Z2, Z2
#define Z8     Z4, Z4
#define Z16    Z8, Z8

/* Built by hand so that it is a constant: see pol_isword() and pol_lower(). */
const unsigned char pol_fold[256] = {
    Z16,       Z16,                                   /* 0x00-0x1f */
    Z16,                                              /* 0x20-0x2f: space, punctuation */
    W8('0'),   W2('8'),   Z4,        Z2,              /* 0x30-0x3f: digits, then :;<=>? */
    0,         W16('a'),  W8('q'),   W2('y'),  Z4, 0, /* 0x40-0x5f: @, A-Z folded, [\]^_ */
    0,         W16('a'),  W8('q'),   W2('y'),  Z4, 0, /* 0x60-0x7f: `, a-z, {|}~ DEL */
    W32(0x80), W32(0xa0), W32(0xc0), W32(0xe0)        /* 0x80-0xff: UTF-8 bytes are letters */
};

static void strlist_release(struct pol_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

void pol_destroy(struct hd_policy *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->nqueues; i++) {
        struct hd_policy_queue *q = &p->queues[i];
        for (size_t g = 0; g < q->ngroups; g++) {
            free((char *)q->groups[g]);
        }
        free((void *)q->groups);
        free((char *)q->name);
    }
    free(p->queues);
    for (size_t i = 0; i < p->nrules; i++) {
        struct pol_rule *r = &p->rules[i];
        free(r->id);
        free(r->description);
        for (int l = 0; l < PL_COUNT; l++) {
            strlist_release(&r->lists[l]);
        }
        for (size_t k = 0; k < r->nkw; k++) {
            free(r->kw_text[k]);
        }
        free(r->kw);
        free(r->kw_text);
    }
    free(p->rules);
    for (size_t i = 0; i < p->ntimers; i++) {
        free((char *)p->timers[i].id);
    }
    free(p->timers);
    hd_intern_free(p->words);
    hd_intern_free(p->kwnames);
    free(p->kws);
    free(p->wfilter);
    free(p->wtab);
    free(p->by_last_start);
    free(p->by_last);
    free(p->repeat_rules);
    free(p->name);
    free(p);
}

void hd_policy_free(struct hd_policy *p)
{
    pol_destroy(p);
}

const char *hd_policy_name(const struct hd_policy *p)
{
    return p->name;
}

size_t hd_policy_queue_count(const struct hd_policy *p)
{
    return p->nqueues;
}

const struct hd_policy_queue *hd_policy_queue(const struct hd_policy *p, size_t i)
{
    return i < p->nqueues ? &p->queues[i] : NULL;
}

long hd_policy_queue_find(const struct hd_policy *p, const char *name)
{
    for (size_t i = 0; name && i < p->nqueues; i++) {
        if (!strcmp(p->queues[i].name, name)) {
            return (long)i;
        }
    }
    return -1;
}

static bool ascii_caseeq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        if (pol_lower((unsigned char)*a) != pol_lower((unsigned char)*b)) {
            return false;
        }
    }
    return *a == *b;
}

long hd_policy_queue_for_group(const struct hd_policy *p, const char *group)
{
    for (size_t i = 0; group && i < p->nqueues; i++) {
        for (size_t g = 0; g < p->queues[i].ngroups; g++) {
            if (ascii_caseeq(p->queues[i].groups[g], group)) {
                return (long)i;
            }
        }
    }
    return -1;
}

size_t hd_policy_rule_count(const struct hd_policy *p)
{
    return p->nrules;
}

const char *hd_policy_rule_id(const struct hd_policy *p, size_t i)
{
    return i < p->nrules ? p->rules[i].id : NULL;
}

const char *hd_policy_rule_description(const struct hd_policy *p, size_t i)
{
    return i < p->nrules ? p->rules[i].description : NULL;
}

bool hd_policy_has_repeat(const struct hd_policy *p)
{
    return p->nrepeat > 0;
}

int64_t hd_policy_cadence_ms(const struct hd_policy *p, int priority)
{
    return priority >= 1 && priority <= 5 ? p->cadence_ms[priority] : 0;
}

size_t hd_policy_timer_count(const struct hd_policy *p)
{
    return p->ntimers;
}

const struct hd_policy_timer *hd_policy_timer(const struct hd_policy *p, size_t i)
{
    return i < p->ntimers ? &p->timers[i] : NULL;
}

bool hd_policy_timer_applies(const struct hd_policy_timer *t, int priority)
{
    if (t->min_priority == 0) {
        return true;
    }
    return priority >= 1 && priority <= t->min_priority;
}
