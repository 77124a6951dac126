/*
 * `handoff report compare`: the policy comparison from a `handoff simulate
 * --out DIR` folder. Reads results.json, series.csv and containment.csv as
 * docs/scenario.md ("Output") describes them; runs no simulation itself.
 */
#include "reports/report.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/stats.h"
#include "reports/chart.h"
#include "reports/render.h"

/* The KPIs shown, in order, with their meaning (docs/scenario.md, "Output"). */
static const struct {
    const char *key, *label;
} kpis[] = {
    {"tickets", "tickets"},
    {"incidents", "security incidents"},
    {"ttc_mean_min", "time to contain, mean (min)"},
    {"ttc_p50_min", "time to contain, p50 (min)"},
    {"ttc_p90_min", "time to contain, p90 (min)"},
    {"ttc_p99_min", "time to contain, p99 (min)"},
    {"tte_mean_min", "time to escalate, mean (min)"},
    {"uncontained", "uncontained incidents"},
    {"escalation_recall", "escalation recall"},
    {"escalation_precision", "escalation precision"},
    {"misroutes_per_ticket", "misroutes per ticket"},
    {"bounces_per_ticket", "bounces per ticket"},
    {"handoffs_per_ticket", "handoffs per ticket"},
    {"sla_response", "SLA response attainment"},
    {"sla_resolve", "SLA resolution attainment"},
    {"resolve_mean_min", "time to resolve, mean (min)"},
    {"peak_queue", "peak queue (tickets)"},
    {"drain_min", "drain time after the spike (min)"},
};
#define NKPIS (sizeof(kpis) / sizeof(kpis[0]))

/* Four significant digits, without exponents for ordinary magnitudes. */
static void num(double x, char *buf, size_t n)
{
    double a = fabs(x);
    if (a >= 1000 && a < 1e9) {
        snprintf(buf, n, "%.0f", x);
    } else if (a != 0 && a < 1e-3) {
        snprintf(buf, n, "%.2e", x);
    } else {
        snprintf(buf, n, "%.4g", x);
    }
}

static const char *mean_ci(const json_t *k, char *buf, size_t n)
{
    char a[24], b[24];
    json_t *m = json_object_get(k, "mean"), *c = json_object_get(k, "ci95");
    if (!json_is_number(m)) {
        snprintf(buf, n, "-");
    } else if (json_is_number(c)) {
        num(json_number_value(m), a, sizeof(a));
        num(json_number_value(c), b, sizeof(b));
        snprintf(buf, n, "%s ± %s", a, b);
    } else {
        num(json_number_value(m), a, sizeof(a));
        snprintf(buf, n, "%s", a);
    }
    return buf;
}

/* ------------------------------------------------------------------ */
/* series.csv                                                          */

struct srow {
    char policy[128], team[128];
    double hour, queue;
};

struct series {
    struct srow *v;
    size_t n, alloc;
};

static int read_series(const char *path, struct series *s, struct hd_err *err)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    long ln = 0;

    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot open: %s", strerror(errno));
    }
    while (fgets(line, sizeof(line), f)) {
        char *fld[6], *p = line, *end;
        int nf = 0;
        struct srow r;
        ln++;
        line[strcspn(line, "\r\n")] = '\0';
        if (ln == 1) {
            if (strncmp(line, "policy,team,hour,queue_mean", 27)) {
                fclose(f);
                return hd_err_set(err, HD_EINPUT, path, 1, "not a simulate series.csv header");
            }
            continue;
        }
        while (nf < 6) {
            fld[nf++] = p;
            p = strchr(p, ',');
            if (!p) {
                break;
            }
            *p++ = '\0';
        }
        if (nf < 4 || strlen(fld[0]) >= sizeof(r.policy) || strlen(fld[1]) >= sizeof(r.team)) {
            fclose(f);
            return hd_err_set(err, HD_EINPUT, path, ln, "expected policy,team,hour,queue_mean");
        }
        snprintf(r.policy, sizeof(r.policy), "%s", fld[0]);
        snprintf(r.team, sizeof(r.team), "%s", fld[1]);
        errno = 0;
        r.hour = strtod(fld[2], &end);
        if (errno || *end) {
            fclose(f);
            return hd_err_set(err, HD_EINPUT, path, ln, "bad hour '%s'", fld[2]);
        }
        r.queue = strtod(fld[3], &end);
        if (errno || *end) {
            fclose(f);
            return hd_err_set(err, HD_EINPUT, path, ln, "bad queue_mean '%s'", fld[3]);
        }
        HD_GROW(s->v, s->alloc, s->n + 1);
        s->v[s->n++] = r;
    }
    fclose(f);
    return 0;
}

/* ------------------------------------------------------------------ */
/* containment.csv                                                     */

/* Each policy's times to contain (minutes), pooled over replications. */
struct ttc_set {
    double *v;
    size_t n, alloc;
    size_t censored; /* still open when the run ended (lower bounds) */
};

/*
 * Split the first field of `line` off, unquoting it (RFC 4180) in place:
 * *rest gets what follows its comma. NULL when the quotes do not close or
 * no comma follows.
 */
static char *first_field(char *line, char **rest)
{
    char *r, *w;

    if (*line != '"') {
        char *c = strchr(line, ',');
        if (!c) {
            return NULL;
        }
        *c = '\0';
        *rest = c + 1;
        return line;
    }
    for (r = line + 1, w = line; *r; r++) {
        if (*r == '"') {
            if (r[1] != '"') {
                break;
            }
            r++;
        }
        *w++ = *r;
    }
    if (*r != '"' || r[1] != ',') {
        return NULL;
    }
    *w = '\0';
    *rest = r + 2;
    return line;
}

/*
 * Read containment.csv into sets[0..np), matched to the policies of
 * results.json by name. *found is 0 when the file does not exist (a folder
 * written before the simulator wrote it): not an error.
 */
static int read_containment(const char *path, const json_t *pols, struct ttc_set *sets, int *found,
                            struct hd_err *err)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    long ln = 0;
    int rc = 0;

    *found = 0;
    if (!f) {
        if (errno == ENOENT) {
            return 0;
        }
        return hd_err_set(err, HD_EIO, path, 0, "cannot open: %s", strerror(errno));
    }
    *found = 1;
    while (fgets(line, sizeof(line), f)) {
        char *rest = NULL, *name, *fld[4], *end;
        size_t i, p = SIZE_MAX;
        const json_t *pol;
        int nf = 0;
        double ttc;
        long cens;
        ln++;
        line[strcspn(line, "\r\n")] = '\0';
        if (ln == 1) {
            if (strncmp(line, "policy,replication,ticket,ttc_min", 33)) {
                rc = hd_err_set(err, HD_EINPUT, path, 1, "not a simulate containment.csv header");
                goto out;
            }
            continue;
        }
        name = first_field(line, &rest);
        while (name && nf < 4) {
            fld[nf++] = rest;
            rest = strchr(rest, ',');
            if (!rest) {
                break;
            }
            *rest++ = '\0';
        }
        if (!name || nf < 4) {
            rc = hd_err_set(err, HD_EINPUT, path, ln,
                            "expected policy,replication,ticket,ttc_min,censored");
            goto out;
        }
        errno = 0;
        ttc = strtod(fld[2], &end);
        if (errno || *end || end == fld[2] || !(ttc >= 0)) {
            rc = hd_err_set(err, HD_EINPUT, path, ln, "bad ttc_min '%s'", fld[2]);
            goto out;
        }
        cens = strtol(fld[3], &end, 10);
        if (errno || *end || end == fld[3] || (cens != 0 && cens != 1)) {
            rc = hd_err_set(err, HD_EINPUT, path, ln, "bad censored '%s'", fld[3]);
            goto out;
        }
        json_array_foreach(pols, i, pol)
        {
            const char *pn = json_string_value(json_object_get(pol, "name"));
            if (p == SIZE_MAX && pn && !strcmp(pn, name)) {
                p = i;
            }
        }
        if (p == SIZE_MAX) {
            rc = hd_err_set(err, HD_EINPUT, path, ln, "no policy '%s' in results.json", name);
            goto out;
        }
        HD_GROW(sets[p].v, sets[p].alloc, sets[p].n + 1);
        sets[p].v[sets[p].n++] = ttc;
        sets[p].censored += (size_t)cens;
    }
    if (ferror(f)) {
        rc = hd_err_set(err, HD_EIO, path, 0, "cannot read: %s", strerror(errno));
    }
out:
    fclose(f);
    return rc;
}

/* A Tukey box plot of sorted x[0..n), n > 0: quartiles (type 7, as
 * everywhere in handoff), whiskers at the most extreme values within 1.5
 * IQR of the box, and how many values lie beyond them (outliers). */
struct tukey {
    double q1, med, q3, lo, hi;
    size_t outliers;
};

static struct tukey tukey_of(const double *x, size_t n)
{
    struct tukey t;
    double iqr, lo_fence, hi_fence;

    t.q1 = hd_quantile_sorted(x, n, 0.25);
    t.med = hd_quantile_sorted(x, n, 0.50);
    t.q3 = hd_quantile_sorted(x, n, 0.75);
    iqr = t.q3 - t.q1;
    lo_fence = t.q1 - 1.5 * iqr;
    hi_fence = t.q3 + 1.5 * iqr;
    t.lo = t.q1;
    t.hi = t.q3;
    t.outliers = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] < lo_fence || x[i] > hi_fence) {
            t.outliers++;
            continue;
        }
        t.lo = x[i] < t.lo ? x[i] : t.lo;
        t.hi = x[i] > t.hi ? x[i] : t.hi;
    }
    return t;
}

/* ------------------------------------------------------------------ */
/* The report                                                          */

int rpt_compare(struct rpt_doc *doc, const char *simdir, struct hd_err *err)
{
    char path[4096], buf[80], buf2[80];
    json_error_t jerr;
    json_t *root, *pols, *pol, *m = json_object();
    struct series ser = {0};
    struct ttc_set *ttc = NULL;
    int have_ttc = 0;
    struct rpt_table *t;
    struct rpt_chart *c;
    const char **hdr = NULL;
    size_t i, np;
    int rc = 0;

    snprintf(path, sizeof(path), "%s/results.json", simdir);
    root = json_load_file(path, 0, &jerr);
    if (!root) {
        json_decref(m);
        return hd_err_set(err, jerr.line > 0 ? HD_EINPUT : HD_EIO, path, jerr.line, "%s",
                          jerr.text);
    }
    pols = json_object_get(root, "policies");
    np = json_array_size(pols);
    if (!np) {
        rc = hd_err_set(err, HD_EINPUT, path, 0, "policies: expected a non-empty array");
        goto out;
    }
    snprintf(path, sizeof(path), "%s/series.csv", simdir);
    rc = read_series(path, &ser, err);
    if (rc) {
        goto out;
    }
    ttc = hd_xcalloc(np, sizeof(*ttc));
    snprintf(path, sizeof(path), "%s/containment.csv", simdir);
    rc = read_containment(path, pols, ttc, &have_ttc, err);
    if (rc) {
        goto out;
    }

    rpt_doc_para(doc,
                 "Scenario %s: %lld replications per policy, seed %lld, horizon %gh. Every "
                 "policy saw the same arrivals (common random numbers); ± is the 95%% "
                 "confidence half-width over replications (docs/statistics.md).",
                 json_string_value(json_object_get(root, "scenario")),
                 (long long)json_integer_value(json_object_get(root, "replications")),
                 (long long)json_integer_value(json_object_get(root, "seed")),
                 json_number_value(json_object_get(root, "horizon_h")));

    /* KPI table: one column per policy. */
    rpt_doc_heading(doc, 1, "KPIs by policy");
    hdr = hd_xcalloc(np + 1, sizeof(*hdr));
    hdr[0] = "KPI";
    json_array_foreach(pols, i, pol)
    {
        const char *name = json_string_value(json_object_get(pol, "name"));
        char *h = hd_xmalloc(strlen(name ? name : "?") + 2);
        h[0] = '#';
        memcpy(h + 1, name ? name : "?", strlen(name ? name : "?") + 1);
        hdr[i + 1] = h;
    }
    t = rpt_doc_table(doc, "kpis", 0, np + 1, hdr);
    for (size_t k = 0; k < NKPIS; k++) {
        rpt_table_cell(t, "%s", kpis[k].label);
        json_array_foreach(pols, i, pol)
        {
            rpt_table_cell(
                t, "%s",
                mean_ci(json_object_get(json_object_get(pol, "kpis"), kpis[k].key), buf, 80));
        }
    }

    /* Paired differences against the first policy: one column per other policy. */
    if (np > 1) {
        rpt_doc_heading(doc, 1, "Paired differences against %s",
                        json_string_value(json_object_get(json_array_get(pols, 0), "name")));
        rpt_doc_para(doc, "Replication by replication, policy minus the first, with the 95%% "
                          "half-width; * marks a difference whose interval excludes zero.");
        const char *first = hdr[1];
        hdr[1] = hdr[0];
        t = rpt_doc_table(doc, "differences", 0, np, hdr + 1);
        hdr[1] = first;
        for (size_t k = 0; k < NKPIS; k++) {
            rpt_table_cell(t, "%s", kpis[k].label);
            for (i = 1; i < np; i++) {
                json_t *pl = json_array_get(pols, i);
                json_t *dv = json_object_get(json_object_get(pl, "vs_first"), kpis[k].key);
                json_t *mm = json_object_get(dv, "mean"), *ci = json_object_get(dv, "ci95");
                int sig = json_is_number(mm) && json_is_number(ci) &&
                          fabs(json_number_value(mm)) > json_number_value(ci);
                rpt_table_cell(t, "%s%s", mean_ci(dv, buf2, 80), sig ? " *" : "");
            }
        }
    }

    /* Containment time per policy: a box plot of every incident. */
    rpt_doc_heading(doc, 1, "Containment time per policy");
    if (!have_ttc) {
        rpt_doc_para(doc, "This folder has no containment.csv (written by handoff simulate --out "
                          "since the box plots were added): run the simulation again to see the "
                          "time to contain of every incident per policy.");
    } else {
        static const char *const thdr[] = {
            "policy",  "#incidents", "#still open",   "#whisker low", "#q1",
            "#median", "#q3",        "#whisker high", "#outliers",    "#max"};
        size_t sbox, sout = 0;
        int any_out = 0;
        rpt_doc_para(doc,
                     "Every security incident that arrived after the warm-up, pooled over the "
                     "replications (containment.csv), in hours. The box spans the quartiles "
                     "with the median inside; the whiskers reach the most extreme times within "
                     "1.5 interquartile ranges of the box; the marks to the right of a box are "
                     "the outliers beyond them. Incidents still open when a run ended count "
                     "with the time they had reached (a lower bound).");
        c = rpt_chart_new("containment", RPT_CHART_BOXES, "Time to contain per policy", "policy",
                          "time to contain (hours)");
        sbox = rpt_chart_series(c, "incidents, pooled over replications");
        for (i = 0; i < np; i++) {
            hd_sort_doubles(ttc[i].v, ttc[i].n);
            any_out |= ttc[i].n && tukey_of(ttc[i].v, ttc[i].n).outliers > 0;
        }
        if (any_out) {
            sout = rpt_chart_overlay(c, "outliers beyond 1.5 IQR");
        }
        t = rpt_doc_table(doc, "containment_box", 0, sizeof(thdr) / sizeof(thdr[0]), thdr);
        json_array_foreach(pols, i, pol)
        {
            const char *name = json_string_value(json_object_get(pol, "name"));
            rpt_chart_xtic(c, (double)i, name);
            rpt_table_cell(t, "%s", name ? name : "?");
            rpt_table_cell(t, "%zu", ttc[i].n);
            rpt_table_cell(t, "%zu", ttc[i].censored);
            if (!ttc[i].n) {
                for (int k = 0; k < 7; k++) {
                    rpt_table_cell(t, "-");
                }
                continue;
            }
            {
                struct tukey b = tukey_of(ttc[i].v, ttc[i].n);
                const double h = 60;
                rpt_chart_box(c, sbox, (double)i, b.lo / h, b.q1 / h, b.med / h, b.q3 / h,
                              b.hi / h);
                for (size_t k = 0; k < ttc[i].n; k++) {
                    double x = ttc[i].v[k];
                    if (x < b.lo || x > b.hi) {
                        rpt_chart_box(c, sout, (double)i, x / h, x / h, x / h, x / h, x / h);
                    }
                }
                num(b.lo / h, buf, sizeof(buf));
                rpt_table_cell(t, "%s", buf);
                num(b.q1 / h, buf, sizeof(buf));
                rpt_table_cell(t, "%s", buf);
                num(b.med / h, buf, sizeof(buf));
                rpt_table_cell(t, "%s", buf);
                num(b.q3 / h, buf, sizeof(buf));
                rpt_table_cell(t, "%s", buf);
                num(b.hi / h, buf, sizeof(buf));
                rpt_table_cell(t, "%s", buf);
                rpt_table_cell(t, "%zu", b.outliers);
                num(ttc[i].v[ttc[i].n - 1] / h, buf, sizeof(buf));
                rpt_table_cell(t, "%s", buf);
            }
        }
        rpt_doc_chart_take(doc, c);
    }

    /* Queue length through the spike, one chart per team. */
    rpt_doc_heading(doc, 1, "Queue length through the spike");
    rpt_doc_para(doc, "Mean number of tickets waiting per team over simulated time, averaged "
                      "over replications (series.csv), one line per policy.");
    {
        char **teams = NULL;
        size_t nteams = 0, ateams = 0;
        for (size_t r = 0; r < ser.n; r++) {
            size_t k;
            for (k = 0; k < nteams && strcmp(teams[k], ser.v[r].team); k++) {
            }
            if (k == nteams) {
                HD_GROW(teams, ateams, nteams + 1);
                teams[nteams++] = ser.v[r].team;
            }
        }
        for (size_t k = 0; k < nteams; k++) {
            char name[160], title[200];
            const char *cur = NULL;
            size_t s = 0;
            snprintf(name, sizeof(name), "queue_%s", teams[k]);
            snprintf(title, sizeof(title), "Queue length, team %s", teams[k]);
            c = rpt_chart_new(name, RPT_CHART_LINES, title, "simulated time (hours)",
                              "tickets waiting (mean over replications)");
            json_array_foreach(pols, i, pol)
            {
                rpt_chart_series(c, json_string_value(json_object_get(pol, "name")));
            }
            for (size_t r = 0; r < ser.n; r++) {
                if (strcmp(ser.v[r].team, teams[k])) {
                    continue;
                }
                if (!cur || strcmp(cur, ser.v[r].policy)) {
                    cur = ser.v[r].policy;
                    s = SIZE_MAX;
                    json_array_foreach(pols, i, pol)
                    {
                        if (!strcmp(json_string_value(json_object_get(pol, "name")), cur)) {
                            s = i;
                        }
                    }
                }
                if (s != SIZE_MAX) {
                    rpt_chart_point(c, s, ser.v[r].hour, ser.v[r].queue);
                }
            }
            rpt_doc_chart_take(doc, c);
        }
        free(teams);
    }
    json_object_set_new(m, "report", json_string("compare"));
    json_object_set(m, "simulation", root);
    rpt_doc_set_metrics(doc, m);
    m = NULL;
out:
    if (hdr) {
        for (i = 1; i <= np; i++) {
            free((char *)hdr[i]);
        }
        free(hdr);
    }
    free(ser.v);
    if (ttc) {
        for (i = 0; i < np; i++) {
            free(ttc[i].v);
        }
        free(ttc);
    }
    json_decref(root);
    json_decref(m);
    return rc;
}
