/*
 * JSON, text, Markdown and CSV renderings of the policy audit. The figures
 * come from analyzer/audit.c; this file only arranges them. The text and
 * Markdown renderers read the JSON document, never the structs.
 */
#include "reports/audit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/audit.h"
#include "analyzer/dataset.h"
#include "core/alloc.h"
#include "core/policy.h"
#include "core/time.h"

/* ---- the document -------------------------------------------------------- */

static json_t *ms_or_null(int64_t ms)
{
    return ms == AN_TIME_NONE ? json_null() : json_integer((json_int_t)ms);
}

static json_t *rate_or_null(size_t num, size_t den)
{
    return den ? json_real((double)num / (double)den) : json_null();
}

static const char *rule_id(const struct hd_policy *p, long rule)
{
    return rule >= 0 ? hd_policy_rule_id(p, (size_t)rule) : "default";
}

/* The id of whatever sent the ticket to security, or NULL. */
static const char *security_by(const struct hd_policy *p, const struct an_audit_row *w)
{
    if (!w->policy_security) {
        return NULL;
    }
    return w->timer >= 0 ? hd_policy_timer(p, (size_t)w->timer)->id : rule_id(p, w->rule);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *row_json(const struct an_data *d, const struct hd_policy *p,
                        const struct an_audit_row *w)
{
    const struct an_ticket *t = &d->tickets[w->ticket];
    json_t *o = json_object();
    char when[40];

    hd_time_format(w->opened_ms, when, sizeof(when));
    json_object_set_new(o, "ticket", json_string(an_str(d, t->key)));
    json_object_set_new(o, "client", str_or_null(an_str(d, t->client)));
    json_object_set_new(o, "opened", json_string(when));
    json_object_set_new(o, "rule_id", json_string(rule_id(p, w->rule)));
    json_object_set_new(o, "keyword", str_or_null(w->keyword));
    json_object_set_new(o, "policy_queue", json_string(hd_policy_queue(p, w->queue)->name));
    json_object_set_new(o, "policy_security", json_boolean(w->policy_security));
    json_object_set_new(o, "security_by", str_or_null(security_by(p, w)));
    json_object_set_new(o, "decision_ms", ms_or_null(w->decision_ms));
    json_object_set_new(o, "actual_first_group", str_or_null(an_str(d, w->first_group)));
    json_object_set_new(o, "actual_queue",
                        w->first_queue >= 0
                            ? json_string(hd_policy_queue(p, (size_t)w->first_queue)->name)
                            : json_null());
    json_object_set_new(o, "adherent", w->adherent < 0 ? json_null() : json_boolean(w->adherent));
    json_object_set_new(o, "actual_security", json_boolean(w->actual_security));
    json_object_set_new(o, "tte_ms", ms_or_null(w->tte_ms));
    json_object_set_new(o, "lead_ms", ms_or_null(w->lead_ms));
    json_object_set_new(o, "missed", json_boolean(w->missed));
    return o;
}

static json_t *stat_json(const char *id, const char *kind, const struct an_audit_stat *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "fired", json_integer((json_int_t)s->decided));
    json_object_set_new(o, "compared", json_integer((json_int_t)s->compared));
    json_object_set_new(o, "adherent", json_integer((json_int_t)s->adherent));
    json_object_set_new(o, "adherence", rate_or_null(s->adherent, s->compared));
    json_object_set_new(o, "earlier", json_integer((json_int_t)s->earlier));
    json_object_set_new(o, "lead_total_ms", json_integer((json_int_t)s->lead_total_ms));
    json_object_set_new(o, "missed", json_integer((json_int_t)s->missed));
    return o;
}

/* Row indexes of the earlier tickets, by lead time descending (stable). */
struct lead_ix {
    int64_t lead_ms;
    size_t row;
};

static int lead_cmp(const void *a, const void *b)
{
    const struct lead_ix *x = a, *y = b;
    if (x->lead_ms != y->lead_ms) {
        return x->lead_ms > y->lead_ms ? -1 : 1;
    }
    return x->row < y->row ? -1 : x->row > y->row;
}

json_t *rpt_audit_json(const struct an_data *d, const struct hd_policy *p, const struct an_audit *a)
{
    json_t *doc = json_object(), *o, *arr;
    size_t nrules = hd_policy_rule_count(p);

    json_object_set_new(doc, "policy", json_string(hd_policy_name(p)));
    json_object_set_new(doc, "tickets", json_integer((json_int_t)a->nrows));
    json_object_set_new(doc, "skipped_no_opening_time", json_integer((json_int_t)a->skipped));

    o = json_object();
    json_object_set_new(o, "compared", json_integer((json_int_t)a->compared));
    json_object_set_new(o, "adherent", json_integer((json_int_t)a->adherent));
    json_object_set_new(o, "rate", rate_or_null(a->adherent, a->compared));
    json_object_set_new(doc, "adherence", o);

    o = json_object();
    json_object_set_new(o, "policy", json_integer((json_int_t)a->policy_security));
    json_object_set_new(o, "actual", json_integer((json_int_t)a->actual_security));
    json_object_set_new(o, "both", json_integer((json_int_t)a->both_security));
    json_object_set_new(o, "earlier", json_integer((json_int_t)a->earlier));
    json_object_set_new(o, "missed", json_integer((json_int_t)a->missed));
    json_object_set_new(o, "actual_only", json_integer((json_int_t)a->actual_only));
    json_object_set_new(o, "lead_total_ms", json_integer((json_int_t)a->lead_total_ms));
    json_object_set_new(o, "lead_p50_ms", ms_or_null(a->lead_p50_ms));
    json_object_set_new(o, "lead_max_ms", ms_or_null(a->lead_max_ms));
    json_object_set_new(doc, "security", o);

    arr = json_array();
    o = json_array();
    for (size_t i = 0; i < a->nrules; i++) {
        const char *id = i < nrules ? hd_policy_rule_id(p, i) : "default";
        json_array_append_new(arr, stat_json(id, i < nrules ? "rule" : "default", &a->rules[i]));
        if (i < nrules && !a->rules[i].decided) {
            json_array_append_new(o, json_string(id));
        }
    }
    for (size_t i = 0; i < a->ntimers; i++) {
        const char *id = hd_policy_timer(p, i)->id;
        json_array_append_new(arr, stat_json(id, "timer", &a->timers[i]));
        if (!a->timers[i].decided) {
            json_array_append_new(o, json_string(id));
        }
    }
    json_object_set_new(doc, "rules", arr);
    json_object_set_new(doc, "never_fired", o);

    struct lead_ix *ix = hd_xmalloc((a->earlier ? a->earlier : 1) * sizeof(*ix));
    size_t n = 0;
    arr = json_array();
    o = json_array();
    for (size_t i = 0; i < a->nrows; i++) {
        if (a->rows[i].lead_ms != AN_TIME_NONE && n < a->earlier) {
            ix[n].lead_ms = a->rows[i].lead_ms;
            ix[n].row = i;
            n++;
        }
        if (a->rows[i].missed) {
            json_array_append_new(o, row_json(d, p, &a->rows[i]));
        }
    }
    qsort(ix, n, sizeof(*ix), lead_cmp);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, row_json(d, p, &a->rows[ix[i].row]));
    }
    free(ix);
    json_object_set_new(doc, "earlier", arr);
    json_object_set_new(doc, "missed", o);

    arr = json_array();
    for (size_t i = 0; i < a->nrows; i++) {
        json_array_append_new(arr, row_json(d, p, &a->rows[i]));
    }
    json_object_set_new(doc, "tickets_detail", arr);
    return doc;
}

/* ---- text and Markdown --------------------------------------------------- */

static json_int_t ival(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static const char *sval(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static const char *dur(const json_t *o, const char *k, char *buf, size_t n)
{
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) {
        snprintf(buf, n, "-");
    } else {
        hd_duration_format((int64_t)json_integer_value(v), buf, n);
    }
    return buf;
}

static const char *pct(const json_t *o, const char *k, char *buf, size_t n)
{
    const json_t *v = json_object_get(o, k);
    if (!json_is_number(v)) {
        snprintf(buf, n, "-");
    } else {
        snprintf(buf, n, "%.1f%%", 100.0 * json_number_value(v));
    }
    return buf;
}

static const char *yes_no(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_null(v) || !v ? "-" : json_is_true(v) ? "yes" : "no";
}

/* How many of `n` items a list shows, and the "... and K more" line. */
static size_t shown(size_t n, int top)
{
    return top > 0 && (size_t)top < n ? (size_t)top : n;
}

static void more(FILE *f, size_t n, size_t k, int md)
{
    if (k < n) {
        fprintf(f, md ? "\n... and %zu more\n" : "  ... and %zu more\n", n - k);
    }
}

static void earlier_list(FILE *f, const json_t *arr, int top, int md)
{
    size_t n = json_array_size(arr), k = shown(n, top);
    char a[32], b[32], c[32];

    if (md) {
        fprintf(f, "\n## Earlier to security\n\n");
        if (!n) {
            fprintf(f, "None.\n");
            return;
        }
        fprintf(f, "| ticket | client | by | policy decides | actually reached | lead |\n"
                   "|---|---|---|---:|---:|---:|\n");
    } else {
        fprintf(f, "\nearlier to security (lead = actual time to security - policy's decision)\n");
        if (!n) {
            fprintf(f, "  none\n");
            return;
        }
        fprintf(f, "  %-16s %-12s %-28s %9s %9s %9s\n", "ticket", "client", "by", "decides",
                "actual", "lead");
    }
    for (size_t i = 0; i < k; i++) {
        const json_t *o = json_array_get(arr, i);
        dur(o, "decision_ms", a, sizeof(a));
        dur(o, "tte_ms", b, sizeof(b));
        dur(o, "lead_ms", c, sizeof(c));
        fprintf(f, md ? "| %s | %s | %s | %s | %s | %s |\n" : "  %-16s %-12s %-28s %9s %9s %9s\n",
                sval(o, "ticket"), sval(o, "client"), sval(o, "security_by"), a, b, c);
    }
    more(f, n, k, md);
}

static void missed_list(FILE *f, const json_t *arr, int top, int md)
{
    size_t n = json_array_size(arr), k = shown(n, top);
    char a[32];

    if (md) {
        fprintf(f, "\n## Sent to security by the policy, never went\n\n");
        if (!n) {
            fprintf(f, "None.\n");
            return;
        }
        fprintf(f, "| ticket | client | by | policy decides | first group |\n"
                   "|---|---|---|---:|---|\n");
    } else {
        fprintf(f, "\nmissed (the policy sends to security, the ticket never went)\n");
        if (!n) {
            fprintf(f, "  none\n");
            return;
        }
        fprintf(f, "  %-16s %-12s %-28s %9s %s\n", "ticket", "client", "by", "decides",
                "first group");
    }
    for (size_t i = 0; i < k; i++) {
        const json_t *o = json_array_get(arr, i);
        dur(o, "decision_ms", a, sizeof(a));
        fprintf(f, md ? "| %s | %s | %s | %s | %s |\n" : "  %-16s %-12s %-28s %9s %s\n",
                sval(o, "ticket"), sval(o, "client"), sval(o, "security_by"), a,
                sval(o, "actual_first_group"));
    }
    more(f, n, k, md);
}

static void ticket_list(FILE *f, const json_t *arr, int top, int md)
{
    size_t n = json_array_size(arr), k = shown(n, top);
    char a[32], b[32];

    if (md) {
        fprintf(f, "\n## Per ticket\n\n| ticket | rule | policy queue | security | first group "
                   "| adherent | to security | lead |\n"
                   "|---|---|---|---|---|---|---:|---:|\n");
    } else {
        fprintf(f,
                "\nper ticket (policy beside what happened)\n  %-16s %-28s %-14s %-4s "
                "%-20s %-4s %9s %9s\n",
                "ticket", "rule", "policy queue", "sec", "first group", "adh", "to sec", "lead");
    }
    for (size_t i = 0; i < k; i++) {
        const json_t *o = json_array_get(arr, i);
        dur(o, "tte_ms", a, sizeof(a));
        dur(o, "lead_ms", b, sizeof(b));
        fprintf(f,
                md ? "| %s | %s | %s | %s | %s | %s | %s | %s |\n"
                   : "  %-16s %-28s %-14s %-4s %-20s %-4s %9s %9s\n",
                sval(o, "ticket"), sval(o, "rule_id"), sval(o, "policy_queue"),
                yes_no(o, "policy_security"), sval(o, "actual_first_group"), yes_no(o, "adherent"),
                a, b);
    }
    more(f, n, k, md);
}

static int render(FILE *f, const json_t *doc, int top, int md)
{
    const json_t *adh = json_object_get(doc, "adherence"), *sec = json_object_get(doc, "security");
    const json_t *o;
    size_t i;
    char a[32], b[32], c[32];

    if (md) {
        fprintf(f, "# Policy audit: %s\n\n", sval(doc, "policy"));
        fprintf(f, "- tickets audited: %lld", (long long)ival(doc, "tickets"));
    } else {
        fprintf(f, "policy audit: %s\ntickets audited %lld", sval(doc, "policy"),
                (long long)ival(doc, "tickets"));
    }
    if (ival(doc, "skipped_no_opening_time")) {
        fprintf(f, " (%lld skipped: no opening time)",
                (long long)ival(doc, "skipped_no_opening_time"));
    }
    fputc('\n', f);
    fprintf(f,
            md ? "- adherence: %lld of %lld tickets first went to the policy's queue (%s)\n"
               : "adherence %lld of %lld tickets first went to the policy's queue (%s)\n",
            (long long)ival(adh, "adherent"), (long long)ival(adh, "compared"),
            pct(adh, "rate", a, sizeof(a)));
    fprintf(f, md ? "\n## Security\n\n" : "\nsecurity\n");
    fprintf(f,
            md ? "- policy sends: %lld; actually reached: %lld; both: %lld\n"
                 "- earlier: %lld (lead total %s, median %s, max %s)\n"
                 "- missed (policy sends, never went): %lld\n"
                 "- reached security, policy would not send: %lld\n"
               : "  policy sends %lld, actually reached %lld, both %lld\n"
                 "  earlier %lld (lead total %s, median %s, max %s)\n"
                 "  missed (policy sends, never went) %lld\n"
                 "  reached security, policy would not send %lld\n",
            (long long)ival(sec, "policy"), (long long)ival(sec, "actual"),
            (long long)ival(sec, "both"), (long long)ival(sec, "earlier"),
            dur(sec, "lead_total_ms", a, sizeof(a)), dur(sec, "lead_p50_ms", b, sizeof(b)),
            dur(sec, "lead_max_ms", c, sizeof(c)), (long long)ival(sec, "missed"),
            (long long)ival(sec, "actual_only"));

    if (md) {
        fprintf(f, "\n## Rules\n\n| rule | kind | fired | compared | adherence | earlier "
                   "| lead total | missed |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
    } else {
        fprintf(f, "\nrules\n  %-28s %-7s %8s %8s %9s %7s %10s %6s\n", "rule", "kind", "fired",
                "compared", "adherence", "earlier", "lead total", "missed");
    }
    json_array_foreach(json_object_get(doc, "rules"), i, o)
    {
        char cmp[24];
        int timer = !strcmp(sval(o, "kind"), "timer");
        pct(o, "adherence", a, sizeof(a));
        if (ival(o, "earlier")) {
            dur(o, "lead_total_ms", b, sizeof(b));
        } else {
            snprintf(b, sizeof(b), "-");
        }
        if (timer) {
            snprintf(cmp, sizeof(cmp), "-"); /* timers do not route, so adherence is not theirs */
        } else {
            snprintf(cmp, sizeof(cmp), "%lld", (long long)ival(o, "compared"));
        }
        fprintf(f,
                md ? "| %s | %s | %lld | %s | %s | %lld | %s | %lld |\n"
                   : "  %-28s %-7s %8lld %8s %9s %7lld %10s %6lld\n",
                sval(o, "id"), sval(o, "kind"), (long long)ival(o, "fired"), cmp, a,
                (long long)ival(o, "earlier"), b, (long long)ival(o, "missed"));
    }
    const json_t *nf = json_object_get(doc, "never_fired");
    fprintf(f, md ? "\n## Never fired\n\n" : "\nnever fired\n");
    if (!json_array_size(nf)) {
        fprintf(f, md ? "None: every rule and timer fired at least once.\n" : "  none\n");
    }
    json_array_foreach(nf, i, o)
    {
        fprintf(f, md ? "- %s\n" : "  %s\n", json_string_value(o));
    }
    earlier_list(f, json_object_get(doc, "earlier"), top, md);
    missed_list(f, json_object_get(doc, "missed"), top, md);
    ticket_list(f, json_object_get(doc, "tickets_detail"), top, md);
    return ferror(f) ? -1 : 0;
}

int rpt_audit_text(FILE *f, const json_t *doc, int top)
{
    return render(f, doc, top, 0);
}

int rpt_audit_md(FILE *f, const json_t *doc, int top)
{
    return render(f, doc, top, 1);
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s)
{
    if (!s) {
        return;
    }
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') {
                fputc('"', f);
            }
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static void csv_ms(FILE *f, int64_t ms)
{
    fputc(',', f);
    if (ms != AN_TIME_NONE) {
        fprintf(f, "%lld", (long long)ms);
    }
}

int rpt_audit_csv(FILE *f, const struct an_data *d, const struct hd_policy *p,
                  const struct an_audit *a)
{
    char when[40];

    fputs("ticket,client,opened,rule,keyword,policy_queue,policy_security,security_by,"
          "decision_ms,actual_first_group,adherent,actual_security,tte_ms,lead_ms,missed\n",
          f);
    for (size_t i = 0; i < a->nrows; i++) {
        const struct an_audit_row *w = &a->rows[i];
        const struct an_ticket *t = &d->tickets[w->ticket];
        hd_time_format(w->opened_ms, when, sizeof(when));
        csv_field(f, an_str(d, t->key));
        fputc(',', f);
        csv_field(f, an_str(d, t->client));
        fprintf(f, ",%s,", when);
        csv_field(f, rule_id(p, w->rule));
        fputc(',', f);
        csv_field(f, w->keyword);
        fputc(',', f);
        csv_field(f, hd_policy_queue(p, w->queue)->name);
        fprintf(f, ",%s,", w->policy_security ? "yes" : "no");
        csv_field(f, security_by(p, w));
        csv_ms(f, w->decision_ms);
        fputc(',', f);
        csv_field(f, an_str(d, w->first_group));
        fprintf(f, ",%s,%s",
                w->adherent < 0 ? ""
                : w->adherent   ? "yes"
                                : "no",
                w->actual_security ? "yes" : "no");
        csv_ms(f, w->tte_ms);
        csv_ms(f, w->lead_ms);
        fprintf(f, ",%s\n", w->missed ? "yes" : "no");
    }
    return ferror(f) ? -1 : 0;
}
