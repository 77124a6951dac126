/* Text, Markdown and CSV renderings of the analyze summary and findings. */
#include "reports/analyze.h"

#include <jansson.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/summary.h"
#include "core/time.h"

static json_int_t ival(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static const char *dur(const json_t *dist, const char *k, char *buf, size_t n)
{
    json_t *v = json_object_get(dist, k);
    if (!v) {
        snprintf(buf, n, "-");
        return buf;
    }
    hd_duration_format((int64_t)json_number_value(v), buf, n);
    return buf;
}

static void dist_line(FILE *f, const char *label, const json_t *dist)
{
    char a[32], b[32], c[32], d[32];
    fprintf(f, "  %-22s n=%-7lld mean %-9s p50 %-9s p90 %-9s max %s\n", label,
            (long long)ival(dist, "n"), dur(dist, "mean", a, sizeof(a)),
            dur(dist, "p50", b, sizeof(b)), dur(dist, "p90", c, sizeof(c)),
            dur(dist, "max", d, sizeof(d)));
}

static void table(FILE *f, const json_t *arr, const char *key, const char *title, int md)
{
    size_t i;
    json_t *o;
    char a[32], b[32];

    if (!json_array_size(arr)) {
        return;
    }
    if (md) {
        fprintf(f,
                "\n## %s\n\n| %s | tickets | reassign/ticket | bounces | misroutes | reopens "
                "| security | TTR p50 | TTR p90 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
                title, key);
    } else {
        fprintf(f, "\n%s\n  %-24s %8s %8s %8s %9s %8s %8s %9s %9s\n", title, key, "tickets",
                "re/tkt", "bounces", "misroutes", "reopens", "security", "TTR p50", "TTR p90");
    }
    json_array_foreach(arr, i, o)
    {
        json_t *ttr = json_object_get(o, "time_to_resolve_ms");
        const char *name = json_string_value(json_object_get(o, key));
        if (md) {
            fprintf(f, "| %s | %lld | %.2f | %lld | %lld | %lld | %lld | %s | %s |\n", name,
                    (long long)ival(o, "tickets"),
                    json_number_value(json_object_get(o, "reassignments_per_ticket")),
                    (long long)ival(o, "bounces"), (long long)ival(o, "misroutes"),
                    (long long)ival(o, "reopens"), (long long)ival(o, "security"),
                    dur(ttr, "p50", a, sizeof(a)), dur(ttr, "p90", b, sizeof(b)));
        } else {
            fprintf(f, "  %-24.24s %8lld %8.2f %8lld %9lld %8lld %8lld %9s %9s\n", name,
                    (long long)ival(o, "tickets"),
                    json_number_value(json_object_get(o, "reassignments_per_ticket")),
                    (long long)ival(o, "bounces"), (long long)ival(o, "misroutes"),
                    (long long)ival(o, "reopens"), (long long)ival(o, "security"),
                    dur(ttr, "p50", a, sizeof(a)), dur(ttr, "p90", b, sizeof(b)));
        }
    }
}

static void agreement(FILE *f, const char *label, const json_t *o, int md)
{
    size_t i;
    json_t *x;
    if (!o) {
        return;
    }
    json_t *rate = json_object_get(o, "rate");
    fprintf(f,
            md ? "- %s: %lld of %lld incidents agree (%.2f%%)"
               : "  %-20s %lld of %lld agree (%.2f%%)",
            label, (long long)ival(o, "agree"), (long long)ival(o, "compared"),
            rate ? 100.0 * json_number_value(rate) : 0.0);
    if (ival(o, "disagreements")) {
        fprintf(f, "; first disagreeing:");
        json_array_foreach(json_object_get(o, "first_disagreeing"), i, x)
        {
            if (i >= 5) {
                break;
            }
            fprintf(f, " %s (source %lld, handoff %lld)",
                    json_string_value(json_object_get(x, "ticket")), (long long)ival(x, "source"),
                    (long long)ival(x, "handoff"));
        }
    }
    fputc('\n', f);
}

static int render(FILE *f, const json_t *s, int md)
{
    const json_t *t = json_object_get(s, "totals"), *fd = json_object_get(s, "findings");
    const char *k;
    json_t *v;
    size_t i;

    if (md) {
        fprintf(f, "# Escalation analysis\n\n");
    }
    fprintf(f, md ? "- tickets: %lld, events: %lld\n" : "tickets %lld, events %lld",
            (long long)ival(s, "tickets"), (long long)ival(s, "events"));
    if (json_object_get(s, "opened_from")) {
        fprintf(f, md ? "- opened %s .. %s\n" : ", opened %s .. %s",
                json_string_value(json_object_get(s, "opened_from")),
                json_string_value(json_object_get(s, "opened_to")));
    }
    if (!md) {
        fputc('\n', f);
    }
    fprintf(f, md ? "\n## Totals\n\n" : "\ntotals\n");
    json_object_foreach((json_t *)t, k, v)
    {
        if (json_is_real(v)) {
            fprintf(f, md ? "- %s: %.3f\n" : "  %-24s %.3f\n", k, json_real_value(v));
        } else {
            fprintf(f, md ? "- %s: %lld\n" : "  %-24s %lld\n", k, (long long)json_integer_value(v));
        }
    }
    fprintf(f, md ? "\n## Findings\n\n" : "\nfindings\n");
    json_object_foreach((json_t *)fd, k, v)
    {
        fprintf(f, md ? "- %s: %lld\n" : "  %-26s %lld\n", k, (long long)json_integer_value(v));
    }
    fprintf(f, md ? "\n## Distributions\n\n```\n" : "\ndistributions\n");
    dist_line(f, "time to resolve", json_object_get(s, "time_to_resolve_ms"));
    dist_line(f, "time to escalate (sec)", json_object_get(s, "time_to_escalate_ms"));
    if (md) {
        fprintf(f, "```\n");
    }
    table(f, json_object_get(s, "by_client"), "client", "by client", md);
    table(f, json_object_get(s, "by_priority"), "priority", "by priority", md);
    table(f, json_object_get(s, "by_month"), "month", "by month (opened)", md);
    table(f, json_object_get(s, "by_resolving_group"), "group", "by last group", md);
    table(f, json_object_get(s, "by_category"), "category", "by category", md);
    if (json_array_size(json_object_get(s, "ping_pong_pairs"))) {
        fprintf(f, md ? "\n## Top ping-pong pairs\n\n" : "\ntop ping-pong pairs\n");
        json_array_foreach(json_object_get(s, "ping_pong_pairs"), i, v)
        {
            fprintf(f, md ? "- %s <-> %s: %lld\n" : "  %s <-> %s  %lld\n",
                    json_string_value(json_object_get(v, "a")),
                    json_string_value(json_object_get(v, "b")), (long long)ival(v, "count"));
        }
    }
    if (json_array_size(json_object_get(s, "misroute_paths"))) {
        fprintf(f, md ? "\n## Top misroute paths\n\n" : "\ntop misroute paths\n");
        json_array_foreach(json_object_get(s, "misroute_paths"), i, v)
        {
            fprintf(f, md ? "- %s -> %s: %lld\n" : "  %s -> %s  %lld\n",
                    json_string_value(json_object_get(v, "from")),
                    json_string_value(json_object_get(v, "to")), (long long)ival(v, "count"));
        }
    }
    if (json_array_size(json_object_get(s, "longest_security_dwell"))) {
        char a[32];
        fprintf(f, md ? "\n## Longest security dwell\n\n" : "\nlongest security dwell\n");
        json_array_foreach(json_object_get(s, "longest_security_dwell"), i, v)
        {
            hd_duration_format(ival(v, "dwell_ms"), a, sizeof(a));
            fprintf(f, md ? "- %s: %s\n" : "  %-16s %s\n",
                    json_string_value(json_object_get(v, "ticket")), a);
        }
    }
    const json_t *sc = json_object_get(s, "source_counters");
    if (sc) {
        fprintf(f, md ? "\n## Source counters\n\n"
                      : "\nsource counters (the source's own figure beside ours)\n");
        agreement(f, "reassignment_count", json_object_get(sc, "reassignment_count"), md);
        agreement(f, "reopen_count", json_object_get(sc, "reopen_count"), md);
    }
    return ferror(f) ? -1 : 0;
}

int rpt_analyze_text(FILE *f, const json_t *s)
{
    return render(f, s, 0);
}

int rpt_analyze_md(FILE *f, const json_t *s)
{
    return render(f, s, 1);
}

static void csv_field(FILE *f, const char *s)
{
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

int rpt_findings_csv(FILE *f, const struct an_data *d, const struct an_result *r,
                     const struct an_filter *flt)
{
    char when[40], val[32];

    fputs("ticket,kind,time,group,other_group,value_ms,value,evidence\n", f);
    for (size_t i = 0; i < r->nfinds; i++) {
        const struct an_finding *x = &r->finds[i];
        if (flt && !an_filter_match(flt, d, r, x->ticket)) {
            continue;
        }
        hd_time_format(x->t_ms, when, sizeof(when));
        hd_duration_format(x->value_ms, val, sizeof(val));
        csv_field(f, an_str(d, d->tickets[x->ticket].key));
        fprintf(f, ",%s,%s,", an_finding_name((enum an_finding_kind)x->kind), when);
        csv_field(f, an_str(d, x->group));
        fputc(',', f);
        csv_field(f, an_str(d, x->group2));
        fprintf(f, ",%lld,%s,", (long long)x->value_ms, val);
        char ev[600] = "";
        uint32_t evs[2] = {x->ev, x->ev2};
        size_t off = 0;
        for (int k = 0; k < 2; k++) {
            if (evs[k] == UINT32_MAX || evs[k] >= d->nevents) {
                continue;
            }
            const struct an_event *e = &d->events[evs[k]];
            off += (size_t)snprintf(ev + off, sizeof(ev) - off, "%s%s:%u", off ? " " : "",
                                    e->source < d->nsources ? d->sources[e->source].path : "?",
                                    e->line);
            if (off >= sizeof(ev)) {
                break;
            }
        }
        csv_field(f, ev);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}
