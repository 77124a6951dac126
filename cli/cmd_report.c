/* handoff report: the report folders (quarterly, sla, checklist, compare), docs/reports.md. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/load.h"
#include "analyzer/sla.h"
#include "core/err.h"
#include "core/policy.h"
#include "core/store.h"
#include "core/time.h"
#include "reports/render.h"
#include "reports/report.h"

static const char usage_text[] =
    "usage: handoff report quarterly [--from D] [--to D] [--client C] [--sla F]... --out DIR\n"
    "       handoff report sla --client C [--period YYYY-MM] --sla F [--pseudonymize] --out DIR\n"
    "       handoff report checklist --policy P [--from D] [--to D] [--client C] --out DIR\n"
    "       handoff report compare --sim SIMDIR --out DIR\n"
    "\n"
    "Write a report folder: index.html (charts inline as SVG), report.md,\n"
    "report.txt, metrics.json, CSV tables, and each chart's gnuplot script and\n"
    "data (docs/reports.md). History reports read DB (default ./handoff.db).\n"
    "\n"
    "  --db DB           the database;  --config C  analysis config JSON\n"
    "  --from/--to D     tickets opened in [from, to) (ISO 8601 date or time);\n"
    "                    quarterly default: the quarter of the latest ticket\n"
    "  --client C        one client only\n"
    "  --sla F           SLA targets and calendars per client (docs/metrics.md, \"SLA\")\n"
    "  --period YYYY-MM  the month of the SLA report (default: the client's latest)\n"
    "  --pseudonymize    replace requesters and agents with stable pseudonyms\n"
    "  --policy P        routing policy for the checklist's adherence question\n"
    "  --sim SIMDIR      a folder written by 'handoff simulate --out'\n"
    "  --top N           rows in top-N lists (default 10)\n"
    "  --png             also draw each chart as PNG\n";

static int parse_month(const char *s, int64_t *from, int64_t *to)
{
    char buf[64];
    struct hd_err err = HD_ERR_INIT;
    struct hd_civil c;
    if (strlen(s) != 7) {
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s-01T00:00:00Z", s);
    if (hd_time_parse(buf, strlen(buf), HD_TF_ISO8601, NULL, from, &err)) {
        return -1;
    }
    hd_civil_from_ms(*from, 0, &c);
    c.month++;
    if (c.month > 12) {
        c.month = 1;
        c.year++;
    }
    *to = hd_days_from_civil(c.year, c.month, 1) * HD_MS_PER_DAY;
    return 0;
}

static void report_warn(void *ctx, const char *line)
{
    (void)ctx;
    cli_warn("%s", line);
}

static void policy_warn(void *ctx, const char *src, long line, const char *msg)
{
    (void)ctx;
    (void)line;
    cli_warn("%s: %s", src, msg);
}

#define MAX_SLA 16

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'C'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"client", required_argument, NULL, 'c'},
        {"sla", required_argument, NULL, 's'},
        {"period", required_argument, NULL, 'P'},
        {"pseudonymize", no_argument, NULL, 'y'},
        {"policy", required_argument, NULL, 'p'},
        {"sim", required_argument, NULL, 'S'},
        {"out", required_argument, NULL, 'o'},
        {"top", required_argument, NULL, 'n'},
        {"png", no_argument, NULL, 'G'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct rpt_scope sc = {AN_TIME_NONE, AN_TIME_NONE, NULL, 10};
    struct rpt_write_opts wo = {NULL, 0, report_warn, NULL};
    struct hd_err err = HD_ERR_INIT;
    const char *db = NULL, *config = NULL, *out = NULL, *policy = NULL, *sim = NULL;
    const char *slapaths[MAX_SLA], *kind;
    struct an_sla_config slas[MAX_SLA];
    const struct an_sla_config *slaptrs[MAX_SLA];
    int nsla = 0, nsla_loaded = 0, pseudo = 0, opt, rc = 0, status = 0, have_period = 0;
    int have_cfg = 0, have_data = 0, have_result = 0;
    struct an_config cfg;
    struct an_data d;
    struct an_result r;
    struct hd_policy *pol = NULL;
    struct rpt_doc *doc = NULL;
    char title[256];

    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, stdout);
        return cli_finish(0);
    }
    if (argc < 2) {
        return cli_usage("report", "which report? quarterly, sla, checklist or compare");
    }
    kind = argv[1];
    if (strcmp(kind, "quarterly") && strcmp(kind, "sla") && strcmp(kind, "checklist") &&
        strcmp(kind, "compare")) {
        return cli_usage("report", "unknown report '%s'", kind);
    }
    optind = 2;
    while ((opt = getopt_long(argc, argv, "d:C:f:t:c:s:P:yp:S:o:n:Gh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            db = optarg;
            break;
        case 'C':
            config = optarg;
            break;
        case 'f':
        case 't':
            if (cli_parse_when(optarg, opt == 'f' ? &sc.from_ms : &sc.to_ms, &err)) {
                return cli_usage("report", "--%s: %s", opt == 'f' ? "from" : "to", err.msg);
            }
            break;
        case 'c':
            sc.client = optarg;
            break;
        case 's':
            if (nsla == MAX_SLA) {
                return cli_usage("report", "--sla: at most %d files", MAX_SLA);
            }
            slapaths[nsla++] = optarg;
            break;
        case 'P':
            if (parse_month(optarg, &sc.from_ms, &sc.to_ms)) {
                return cli_usage("report", "--period: expected YYYY-MM, got '%s'", optarg);
            }
            have_period = 1;
            break;
        case 'y':
            pseudo = 1;
            break;
        case 'p':
            policy = optarg;
            break;
        case 'S':
            sim = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1000) {
                return cli_usage("report", "--top: expected a number 1..1000");
            }
            sc.top = (int)v;
            break;
        }
        case 'G':
            wo.png = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish(0);
        default:
            return cli_usage("report", "bad option");
        }
    }
    if (optind < argc) {
        return cli_usage("report", "unexpected argument '%s'", argv[optind]);
    }
    if (!out) {
        return cli_usage("report", "--out DIR is required");
    }
    if (!strcmp(kind, "sla") && (!sc.client || !nsla)) {
        return cli_usage("report", "the sla report needs --client and --sla");
    }
    if (!strcmp(kind, "checklist") && !policy) {
        return cli_usage("report", "the checklist needs --policy");
    }
    if (!strcmp(kind, "compare") && !sim) {
        return cli_usage("report", "the compare report needs --sim DIR");
    }

    if (!strcmp(kind, "compare")) {
        doc = rpt_doc_new("Policy comparison");
        rc = rpt_compare(doc, sim, &err);
        goto write;
    }
    for (int i = 0; i < nsla; i++) {
        rc = an_sla_load(slapaths[i], &slas[i], &err);
        if (rc) {
            status = cli_fail(&err);
            goto out;
        }
        slaptrs[i] = &slas[i];
        nsla_loaded++;
    }
    if (policy) {
        rc = hd_policy_load(policy, &pol, policy_warn, NULL, &err);
        if (rc) {
            status = cli_fail(&err);
            goto out;
        }
    }
    rc = an_config_load(config, &cfg, &err);
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    have_cfg = 1;
    an_data_init(&d);
    have_data = 1;
    {
        struct hd_store *st = NULL;
        rc = hd_store_open(db ? db : "handoff.db", HD_STORE_READONLY, &st, &err);
        if (!rc) {
            rc = an_load(st, &d, &err);
        }
        hd_store_close(st);
        if (rc) {
            status = cli_fail(&err);
            goto out;
        }
    }
    an_analyze(&d, &cfg, &r);
    have_result = 1;
    if (!strcmp(kind, "quarterly")) {
        snprintf(title, sizeof(title), "Quarterly escalation review%s%s", sc.client ? ": " : "",
                 sc.client ? sc.client : "");
        doc = rpt_doc_new(title);
        rc = rpt_quarterly(doc, &d, &r, &cfg, &sc, slaptrs, nsla_loaded, &err);
    } else if (!strcmp(kind, "sla")) {
        if (!have_period) {
            sc.from_ms = sc.to_ms = AN_TIME_NONE;
        }
        snprintf(title, sizeof(title), "SLA report: %s", sc.client);
        doc = rpt_doc_new(title);
        rc = rpt_sla(doc, &d, &r, &slas[0], &sc, pseudo, &err);
    } else {
        doc = rpt_doc_new("Escalation checklist");
        rc = rpt_checklist(doc, &d, &r, &cfg, pol, policy, &sc, &err);
    }
write:
    if (!rc) {
        rc = rpt_doc_write(doc, out, &wo, &err);
    }
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    printf("%s/index.html\n", out);
    status = cli_finish(0);
out:
    rpt_doc_free(doc);
    if (have_result) {
        an_result_release(&r);
    }
    if (have_data) {
        an_data_release(&d);
    }
    if (have_cfg) {
        an_config_release(&cfg);
    }
    hd_policy_free(pol);
    for (int i = 0; i < nsla_loaded; i++) {
        an_sla_release(&slas[i]);
    }
    return status;
}
