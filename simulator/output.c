/*
 * Writers for simulation results: JSON (the machine format, described in
 * docs/scenario.md "Output"), a readable text table, and a directory with
 * results.json, series.csv and containment.csv for charts. Numbers come from experiment.c.
 */
#include "simulator/sim_int.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/time.h"

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *summary_json(const struct sim_results *res, size_t pol, size_t k, int diff,
                            const char *unit)
{
    double mean, half;
    uint64_t n;
    json_t *o = json_object();

    sim_results_summary(res, pol, k, diff, &mean, &half, &n);
    json_object_set_new(o, "mean", num_or_null(mean));
    json_object_set_new(o, "ci95", num_or_null(half));
    json_object_set_new(o, "n", json_integer((json_int_t)n));
    if (!diff) {
        json_object_set_new(o, "unit", json_string(unit));
    }
    return o;
}

static json_t *kpis_json(const struct sim_results *res, size_t pol, int diff)
{
    const struct sim_scenario *sc = sim_results_scenario(res);
    json_t *o = json_object(), *teams = json_object();

    for (size_t k = 0; k < SIM_K_NGLOBAL; k++) {
        json_object_set_new(o, sim_kpi_global_defs[k].key,
                            summary_json(res, pol, k, diff, sim_kpi_global_defs[k].unit));
    }
    for (size_t t = 0; t < sc->nteams; t++) {
        json_t *to = json_object();
        for (size_t k = 0; k < SIM_T_NTEAM; k++) {
            json_object_set_new(to, sim_kpi_team_defs[k].key,
                                summary_json(res, pol, sim_kpi_team(t, (enum sim_kpi_team)k), diff,
                                             sim_kpi_team_defs[k].unit));
        }
        json_object_set_new(teams, sc->teams[t].name, to);
    }
    json_object_set_new(o, "teams", teams);
    return o;
}

static json_t *results_json(const struct sim_results *res)
{
    const struct sim_scenario *sc = sim_results_scenario(res);
    json_t *root = json_object(), *pols = json_array();

    json_object_set_new(root, "scenario", json_string(sc->name));
    json_object_set_new(root, "seed", json_integer((json_int_t)sim_results_seed(res)));
    json_object_set_new(root, "replications", json_integer(sim_results_reps(res)));
    json_object_set_new(root, "horizon_h", json_real((double)sc->horizon_ms / HD_MS_PER_H));
    json_object_set_new(root, "warmup_h", json_real((double)sc->warmup_ms / HD_MS_PER_H));
    for (size_t p = 0; p < sim_results_npol(res); p++) {
        json_t *po = json_object();
        json_object_set_new(po, "name", json_string(sim_results_policy(res, p)));
        json_object_set_new(po, "kpis", kpis_json(res, p, 0));
        if (p > 0) {
            json_object_set_new(po, "vs_first", kpis_json(res, p, 1));
        }
        json_array_append_new(pols, po);
    }
    json_object_set_new(root, "policies", pols);
    return root;
}

int sim_results_write_json(const struct sim_results *res, FILE *f, struct hd_err *err)
{
    json_t *root = results_json(res);
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));

    json_decref(root);
    if (rc != 0 || fputc('\n', f) == EOF || ferror(f)) {
        return hd_err_set(err, HD_EIO, NULL, 0, "cannot write results: %s", strerror(errno));
    }
    return HD_OK;
}

/* ---- text ------------------------------------------------------------ */

static void fmt_num(char *out, size_t n, double x)
{
    double a = fabs(x);
    if (!isfinite(x)) {
        snprintf(out, n, "n/a");
    } else if (a >= 1000) {
        snprintf(out, n, "%.0f", x);
    } else if (a >= 10) {
        snprintf(out, n, "%.1f", x);
    } else {
        snprintf(out, n, "%.3f", x);
    }
}

static void cell(char *out, size_t n, const struct sim_results *res, size_t pol, size_t k, int diff)
{
    double mean, half;
    uint64_t cnt;
    char a[32], b[32];

    sim_results_summary(res, pol, k, diff, &mean, &half, &cnt);
    fmt_num(a, sizeof(a), mean);
    if (cnt == 0) {
        snprintf(out, n, "-");
    } else if (!isfinite(half)) {
        snprintf(out, n, "%s", a);
    } else {
        fmt_num(b, sizeof(b), half);
        if (snprintf(out, n, "%s +- %s", a, b) >= (int)n) {
            out[n - 1] = '\0';
        }
    }
}

static int row_has_values(const struct sim_results *res, size_t k)
{
    for (size_t p = 0; p < sim_results_npol(res); p++) {
        double mean, half;
        uint64_t n;
        sim_results_summary(res, p, k, 0, &mean, &half, &n);
        if (n) {
            return 1;
        }
    }
    return 0;
}

static void text_row(FILE *f, const struct sim_results *res, const char *name, size_t k)
{
    char c[96];

    if (!row_has_values(res, k)) {
        return;
    }
    fprintf(f, "%-36s", name);
    for (size_t p = 0; p < sim_results_npol(res); p++) {
        cell(c, sizeof(c), res, p, k, 0);
        fprintf(f, " %-22s", c);
    }
    for (size_t p = 1; p < sim_results_npol(res); p++) {
        cell(c, sizeof(c), res, p, k, 1);
        fprintf(f, " %-22s", c);
    }
    fputc('\n', f);
}

int sim_results_write_text(const struct sim_results *res, FILE *f, struct hd_err *err)
{
    const struct sim_scenario *sc = sim_results_scenario(res);
    char hz[32], wu[32], name[160];

    hd_duration_format(sc->horizon_ms, hz, sizeof(hz));
    hd_duration_format(sc->warmup_ms, wu, sizeof(wu));
    fprintf(f, "scenario '%s': %u replications, seed %llu, horizon %s, warm-up %s\n", sc->name,
            sim_results_reps(res), (unsigned long long)sim_results_seed(res), hz, wu);
    fprintf(f, "mean +- 95%% CI half-width over replications; differences are paired\n\n");
    fprintf(f, "%-36s", "kpi");
    for (size_t p = 0; p < sim_results_npol(res); p++) {
        fprintf(f, " %-22.22s", sim_results_policy(res, p));
    }
    for (size_t p = 1; p < sim_results_npol(res); p++) {
        char h[64];
        snprintf(h, sizeof(h), "%s - %s", sim_results_policy(res, p), sim_results_policy(res, 0));
        fprintf(f, " %-22.22s", h);
    }
    fputc('\n', f);
    for (size_t k = 0; k < SIM_K_NGLOBAL; k++) {
        text_row(f, res, sim_kpi_global_defs[k].key, k);
    }
    for (size_t t = 0; t < sc->nteams; t++) {
        for (size_t k = 0; k < SIM_T_NTEAM; k++) {
            snprintf(name, sizeof(name), "%.100s.%s", sc->teams[t].name, sim_kpi_team_defs[k].key);
            text_row(f, res, name, sim_kpi_team(t, (enum sim_kpi_team)k));
        }
    }
    if (ferror(f)) {
        return hd_err_set(err, HD_EIO, NULL, 0, "cannot write results: %s", strerror(errno));
    }
    return HD_OK;
}

/* ---- directory --------------------------------------------------------- */

static int write_series(const struct sim_results *res, const char *path, struct hd_err *err)
{
    const struct sim_scenario *sc = sim_results_scenario(res);
    size_t ns = sim_series_samples(sc);
    double reps = sim_results_reps(res);
    FILE *f = fopen(path, "w");
    int bad;

    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot create: %s", strerror(errno));
    }
    fputs("policy,team,hour,queue_mean,busy_mean,on_duty_mean\n", f);
    for (size_t p = 0; p < sim_results_npol(res); p++) {
        const int64_t *s = sim_results_series(res, p);
        for (size_t t = 0; t < sc->nteams; t++) {
            for (size_t k = 0; k < ns; k++) {
                const int64_t *v = s + (k * sc->nteams + t) * SIM_SERIES_VALUES;
                fprintf(f, "%s,%s,%.4f,%.4g,%.4g,%.4g\n", sim_results_policy(res, p),
                        sc->teams[t].name, (double)((int64_t)k * sc->series_ms) / HD_MS_PER_H,
                        (double)v[0] / reps, (double)v[1] / reps, (double)v[2] / reps);
            }
        }
    }
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot write: %s", strerror(errno));
    }
    return HD_OK;
}

/* A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break. */
static void csv_put(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Every incident of the window with its time to contain, by policy, then
 * replication, then ticket: the same bytes whatever the threads. */
static int write_containment(const struct sim_results *res, const char *path, struct hd_err *err)
{
    FILE *f = fopen(path, "w");
    int bad;

    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot create: %s", strerror(errno));
    }
    fputs("policy,replication,ticket,ttc_min,censored\n", f);
    for (size_t p = 0; p < sim_results_npol(res); p++) {
        for (uint32_t r = 0; r < sim_results_reps(res); r++) {
            size_t n;
            const struct sim_ttc *v = sim_results_incidents(res, p, r, &n);
            for (size_t i = 0; i < n; i++) {
                csv_put(f, sim_results_policy(res, p));
                fprintf(f, ",%u,SIM-%06u,%.4f,%u\n", r + 1, v[i].ticket, v[i].ttc_min,
                        v[i].censored);
            }
        }
    }
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot write: %s", strerror(errno));
    }
    return HD_OK;
}

int sim_results_write_dir(const struct sim_results *res, const char *dir, struct hd_err *err)
{
    char path[4096];
    FILE *f;
    int rc, bad;

    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        return hd_err_set(err, HD_EIO, dir, 0, "cannot create directory: %s", strerror(errno));
    }
    snprintf(path, sizeof(path), "%s/results.json", dir);
    f = fopen(path, "w");
    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot create: %s", strerror(errno));
    }
    rc = sim_results_write_json(res, f, err);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot write: %s", strerror(errno));
    }
    if (rc) {
        return rc;
    }
    snprintf(path, sizeof(path), "%s/series.csv", dir);
    rc = write_series(res, path, err);
    if (rc) {
        return rc;
    }
    snprintf(path, sizeof(path), "%s/containment.csv", dir);
    return write_containment(res, path, err);
}
