/*
 * Unit tests for analyzer/sla.c (the SLA clock and targets) and for the
 * client isolation of `handoff report sla`: the folder written for one
 * client holds no ticket id, person or group found only in another
 * client's data, in any of its files.
 */
#include "analyzer/sla.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/ingest.h"
#include "core/calendar.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/time.h"
#include "reports/render.h"
#include "reports/report.h"

/* ------------------------------------------------------------------ */
/* The clock on hand-built tickets                                     */

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    assert_int_equal(hd_time_parse(iso, strlen(iso), HD_TF_ISO8601, NULL, &ms, NULL), 0);
    return ms;
}

static void add(struct an_data *d, uint32_t ti, const char *when, int kind, int state,
                const char *agent)
{
    struct an_event e;
    memset(&e, 0, sizeof(e));
    e.t_ms = at(when);
    e.ticket = ti;
    e.kind = (uint8_t)kind;
    e.state = (uint8_t)state;
    e.ord = d->tickets[ti].nevents++;
    e.line = e.ord + 1;
    if (agent) {
        e.agent = hd_intern_id(d->strs, agent, strlen(agent));
        e.flags = AN_EV_AGENT;
    }
    an_data_add_event(d, &e);
}

static const char sla_text[] =
    "{\"clients\": {\"acme\": {\"calendar\": {\"zone\": \"UTC\", \"hours\": {"
    "\"mon\": [\"08:00-18:00\"], \"tue\": [\"08:00-18:00\"], \"wed\": [\"08:00-18:00\"],"
    "\"thu\": [\"08:00-18:00\"], \"fri\": [\"08:00-18:00\"]}},"
    "\"targets\": {\"P2\": {\"response\": \"30m\", \"resolution\": \"2h\"}}}},"
    "\"default\": {\"targets\": {\"P2\": {\"response\": \"1h\", \"resolution\": \"8h\"}}}}";

static void clock__paused_and_closed_hours__stopped(void **state)
{
    (void)state;
    struct an_data d;
    struct an_sla_config cfg;
    struct an_config acfg;
    struct an_result r;
    struct an_sla_ticket st;
    struct hd_err err = HD_ERR_INIT;
    uint32_t c, k, ti;

    an_data_init(&d);
    c = hd_intern_id(d.strs, "acme", 4);
    k = hd_intern_id(d.strs, "A-1", 3);
    ti = an_data_ticket(&d, c, k);
    d.tickets[ti].priority = 2;
    d.tickets[ti].opened_ms = at("2026-11-13T17:00:00Z"); /* a Friday */
    add(&d, ti, "2026-11-13T17:00:00Z", HD_KIND_OPENED, 0, NULL);
    add(&d, ti, "2026-11-13T17:20:00Z", HD_KIND_STATE, HD_STATE_AWAITING_USER, NULL);
    add(&d, ti, "2026-11-16T09:00:00Z", HD_KIND_STATE, HD_STATE_IN_PROGRESS, NULL);
    add(&d, ti, "2026-11-16T09:10:00Z", HD_KIND_ASSIGNED, 0, "Ann");
    add(&d, ti, "2026-11-16T10:00:00Z", HD_KIND_STATE, HD_STATE_RESOLVED, NULL);
    an_data_finish(&d);
    assert_int_equal(an_config_load(NULL, &acfg, &err), 0);
    an_analyze(&d, &acfg, &r);
    assert_int_equal(an_sla_load_text(sla_text, strlen(sla_text), "sla", &cfg, &err), 0);
    assert_non_null(an_sla_for(&cfg, "acme"));
    assert_string_equal(an_sla_for(&cfg, "other")->name, "");

    /* 17:00-17:20 open, paused to Monday 09:00, then 09:00-10:00: 1h20m */
    an_sla_measure(&d, &r, an_sla_for(&cfg, "acme"), ti, &st);
    assert_int_equal(st.resolution_ms, 80 * HD_MS_PER_MIN);
    assert_int_equal(st.resolution, AN_SLA_MET);
    /* the response is the first state change that is not `new`: 17:20, 20 minutes */
    assert_int_equal(st.responded_ms, at("2026-11-13T17:20:00Z"));
    assert_int_equal(st.response_ms, 20 * HD_MS_PER_MIN);
    assert_int_equal(st.response, AN_SLA_MET);
    /* the default entry is 24x7: the weekend pause still stops the clock */
    an_sla_measure(&d, &r, an_sla_for(&cfg, "other"), ti, &st);
    assert_int_equal(st.resolution_ms, 80 * HD_MS_PER_MIN);
    assert_int_equal(an_sla_clock(&d, an_sla_for(&cfg, "other")->cal, ti,
                                  at("2026-11-13T17:00:00Z"), at("2026-11-13T17:10:00Z")),
                     10 * HD_MS_PER_MIN);
    an_sla_release(&cfg);
    an_result_release(&r);
    an_config_release(&acfg);
    an_data_release(&d);
}

static void load__bad_duration__json_path_in_message(void **state)
{
    (void)state;
    static const char bad[] = "{\"clients\": {\"acme\": {\"targets\": {\"P1\": {\"response\": "
                              "\"1x\"}}}}}";
    static const char badp[] = "{\"clients\": {\"acme\": {\"targets\": {\"P9\": {}}}}}";
    struct an_sla_config cfg;
    struct hd_err err = HD_ERR_INIT;
    assert_int_equal(an_sla_load_text(bad, strlen(bad), "s.json", &cfg, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "clients.acme.targets.P1.response: "));
    assert_int_equal(an_sla_load_text(badp, strlen(badp), "s.json", &cfg, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "unknown priority 'P9'"));
}

/* ------------------------------------------------------------------ */
/* Isolation                                                           */

struct names {
    char **v;
    size_t n;
};

static void names_add(struct names *s, const char *x)
{
    if (!x || !*x) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->v[i], x)) {
            return;
        }
    }
    s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->v[s->n++] = strdup(x);
}

static int names_has(const struct names *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->v[i], x)) {
            return 1;
        }
    }
    return 0;
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
}

/* Ticket ids, people and groups of one client. */
static void collect(const struct an_data *d, const char *client, struct names *out)
{
    for (uint32_t ti = 0; ti < d->ntickets; ti++) {
        const struct an_ticket *t = &d->tickets[ti];
        if (strcmp(an_str(d, t->client), client)) {
            continue;
        }
        names_add(out, an_str(d, t->key));
        names_add(out, an_str(d, t->requester));
        for (uint32_t i = t->first; i < t->first + t->nevents; i++) {
            names_add(out, an_str(d, d->events[i].group));
            names_add(out, an_str(d, d->events[i].agent));
        }
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc((size_t)n + 1, 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* Every file of `dir`: none may contain a name of `banned`; returns the bytes read. */
static size_t scan_dir(const char *dir, const struct names *banned, const char *must)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    size_t total = 0, files = 0;
    int found_must = 0;
    assert_non_null(dp);
    while ((de = readdir(dp))) {
        char path[1024], *text;
        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        text = slurp(path);
        files++;
        total += strlen(text);
        for (size_t i = 0; i < banned->n; i++) {
            if (strstr(text, banned->v[i])) {
                fail_msg("%s contains '%s' from the other client's data", de->d_name, banned->v[i]);
            }
        }
        found_must |= must && strstr(text, must) != NULL;
        free(text);
        unlink(path);
    }
    closedir(dp);
    rmdir(dir);
    assert_true(files >= 8);
    if (must) {
        assert_true(found_must);
    }
    return total;
}

static void ingest(struct an_data *d, const char *path, const char *client)
{
    struct an_ingest_opts io;
    struct an_ingest_result res;
    struct hd_err err = HD_ERR_INIT;
    an_ingest_opts_init(&io);
    io.profile = "generic";
    io.client = client;
    if (an_ingest_file(d, path, &io, &res, &err)) {
        fail_msg("ingest %s: %s", path, err.msg);
    }
    an_ingest_result_release(&res);
}

static void run_isolation(int pseudonymize)
{
    struct an_data d;
    struct an_config cfg;
    struct an_result r;
    struct an_sla_config sla;
    struct hd_err err = HD_ERR_INIT;
    struct names a = {0}, b = {0}, only_b = {0};
    struct rpt_scope sc = {AN_TIME_NONE, AN_TIME_NONE, "acme", 10};
    struct rpt_write_opts wo = {NULL, 0, NULL, NULL};
    char dir[] = "/tmp/hd-sla-XXXXXX";

    an_data_init(&d);
    ingest(&d, "tests/data/report/acme.csv", "acme");
    ingest(&d, "tests/data/report/globex.ndjson", "globex");
    an_data_finish(&d);
    assert_int_equal(an_config_load("samples/analysis.json", &cfg, &err), 0);
    an_analyze(&d, &cfg, &r);
    /* the SLA file knows both clients: the report must still pick one */
    assert_int_equal(an_sla_load("tests/data/report/sla-both.json", &sla, &err), 0);
    collect(&d, "acme", &a);
    collect(&d, "globex", &b);
    for (size_t i = 0; i < b.n; i++) {
        if (!names_has(&a, b.v[i])) {
            names_add(&only_b, b.v[i]);
        }
    }
    assert_true(names_has(&only_b, "GLX-9901"));
    assert_true(names_has(&only_b, "Globex Vault Team"));
    assert_true(names_has(&only_b, "Zed Globexagent"));
    assert_true(names_has(&only_b, "Quinn Globexonly"));
    if (pseudonymize) {
        names_add(&only_b, "Chloe Martin"); /* an acme agent: pseudonymized away */
        names_add(&only_b, "Ivy Tester");   /* an acme requester */
        names_add(&only_b, "globex");
    }
    for (int month = 10; month <= 11; month++) {
        struct rpt_doc *doc = rpt_doc_new("SLA report: acme");
        char path[64];
        snprintf(path, sizeof(path), "2026-%02d-01T00:00:00Z", month);
        sc.from_ms = at(path);
        snprintf(path, sizeof(path), "2026-%02d-01T00:00:00Z", month + 1);
        sc.to_ms = at(path);
        assert_non_null(mkdtemp(dir));
        assert_int_equal(rpt_sla(doc, &d, &r, &sla, &sc, pseudonymize, &err), 0);
        assert_int_equal(rpt_doc_write(doc, dir, &wo, &err), 0);
        assert_true(scan_dir(dir, &only_b, month == 11 ? "ACME-9001" : "ACME-1") > 1000);
        rpt_doc_free(doc);
        memcpy(dir, "/tmp/hd-sla-XXXXXX", sizeof(dir));
    }
    names_free(&a);
    names_free(&b);
    names_free(&only_b);
    an_sla_release(&sla);
    an_result_release(&r);
    an_config_release(&cfg);
    an_data_release(&d);
}

static void sla_report__two_clients__no_other_client_string_in_any_file(void **state)
{
    (void)state;
    run_isolation(0);
}

static void sla_report__pseudonymized__no_real_names(void **state)
{
    (void)state;
    run_isolation(1);
}

static void pseudonym__stable_and_distinct(void **state)
{
    (void)state;
    char a[32], b[32], c[32];
    rpt_pseudonym("Agent", "Chloe Martin", a, sizeof(a));
    rpt_pseudonym("Agent", "Chloe Martin", b, sizeof(b));
    rpt_pseudonym("Agent", "Ana Lima", c, sizeof(c));
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), strlen("Agent 7f3a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clock__paused_and_closed_hours__stopped),
        cmocka_unit_test(load__bad_duration__json_path_in_message),
        cmocka_unit_test(pseudonym__stable_and_distinct),
        cmocka_unit_test(sla_report__two_clients__no_other_client_string_in_any_file),
        cmocka_unit_test(sla_report__pseudonymized__no_real_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
