/* handoff audit: what a routing policy would have done with the history in the database. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/audit.h"
#include "analyzer/dataset.h"
#include "analyzer/load.h"
#include "analyzer/summary.h"
#include "core/err.h"
#include "core/policy.h"
#include "core/store.h"
#include "core/time.h"
#include "reports/audit.h"

static const char usage_text[] =
    "usage: handoff audit --policy P [--db DB] [--config C] [--from D] [--to D] [--client C]\n"
    "                     [--format text|json|csv|md] [--top N]\n"
    "\n"
    "Replay the history in DB (default ./handoff.db) through policy P: per\n"
    "ticket, the policy's decision beside what happened; adherence overall and\n"
    "per rule; tickets the policy would have sent to security earlier, with the\n"
    "lead time gained; tickets it would have sent there that never went; rules\n"
    "and timers that never fire (docs/policy.md, \"Audit\").\n"
    "\n"
    "  --policy P        the policy JSON (docs/policy.md)\n"
    "  --config C        analysis config JSON (which groups count as security)\n"
    "  --from/--to D     tickets opened in [from, to) (ISO 8601 date or time);\n"
    "                    earlier tickets still feed the policy's repeat windows\n"
    "  --client C        only client C\n"
    "  --format F        text (default), json, md, or csv (one row per ticket)\n"
    "  --top N           ticket lists in text and md show N (default 20; 0: all)\n";

static void policy_warn(void *ctx, const char *src, long line, const char *msg)
{
    (void)ctx;
    (void)line;
    cli_warn("%s: %s", src, msg);
}

int cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'}, {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'C'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},     {"client", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'F'}, {"top", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct hd_err err = HD_ERR_INIT;
    struct hd_policy *pol = NULL;
    struct hd_store *st = NULL;
    struct an_filter flt;
    struct an_config cfg;
    struct an_data d;
    struct an_result r;
    struct an_audit au;
    const char *db = "handoff.db", *config = NULL, *format = "text", *policy = NULL;
    int opt, rc, status, top = 20;
    char *end;

    an_filter_init(&flt);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:d:C:f:t:c:F:n:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            policy = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'C':
            config = optarg;
            break;
        case 'f':
        case 't':
            if (cli_parse_when(optarg, opt == 'f' ? &flt.from_ms : &flt.to_ms, &err)) {
                return cli_usage("audit", "--%s: %s", opt == 'f' ? "from" : "to", err.msg);
            }
            break;
        case 'c':
            flt.client = optarg;
            break;
        case 'F':
            format = optarg;
            if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "md") &&
                strcmp(format, "csv")) {
                return cli_usage("audit", "--format: unknown format '%s'", optarg);
            }
            break;
        case 'n': {
            long v;
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 0 || v > 1000000) {
                return cli_usage("audit", "--top: expected a number 0..1000000, got '%s'", optarg);
            }
            top = (int)v;
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish(0);
        default:
            return cli_usage("audit", "bad option");
        }
    }
    if (!policy) {
        return cli_usage("audit", "--policy is required");
    }
    if (optind != argc) {
        return cli_usage("audit", "unexpected argument '%s'", argv[optind]);
    }
    rc = hd_policy_load(policy, &pol, policy_warn, NULL, &err);
    if (rc) {
        return cli_fail(&err);
    }
    rc = an_config_load(config, &cfg, &err);
    if (rc) {
        hd_policy_free(pol);
        return cli_fail(&err);
    }
    an_data_init(&d);
    rc = hd_store_open(db, HD_STORE_READONLY, &st, &err);
    if (!rc) {
        rc = an_load(st, &d, &err);
    }
    hd_store_close(st);
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    an_analyze(&d, &cfg, &r);
    rc = an_audit_run(&d, &r, pol, &flt, &au, &err);
    if (rc) {
        status = cli_fail(&err);
    } else if (!strcmp(format, "csv")) {
        rpt_audit_csv(stdout, &d, pol, &au);
        status = cli_finish(0);
    } else {
        json_t *doc = rpt_audit_json(&d, pol, &au);
        if (!strcmp(format, "json")) {
            json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
            fputc('\n', stdout);
        } else if (!strcmp(format, "md")) {
            rpt_audit_md(stdout, doc, top);
        } else {
            rpt_audit_text(stdout, doc, top);
        }
        json_decref(doc);
        status = cli_finish(0);
    }
    an_audit_release(&au);
    an_result_release(&r);
out:
    an_data_release(&d);
    an_config_release(&cfg);
    hd_policy_free(pol);
    return status;
}
