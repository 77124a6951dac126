/* handoff analyze: escalation metrics from the database or straight from files. */
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/ingest.h"
#include "analyzer/load.h"
#include "analyzer/summary.h"
#include "core/err.h"
#include "core/model.h"
#include "core/store.h"
#include "core/time.h"
#include "reports/analyze.h"

static const char usage_text[] =
    "usage: handoff analyze [--db DB | --profile P FILE... | --map M FILE...]\n"
    "                       [--config C] [--from D] [--to D] [--client C] [--group G]\n"
    "                       [--priority P] [--format text|json|md|csv] [--top N]\n"
    "\n"
    "Reconstruct escalation timelines and report reassignments, bounces,\n"
    "ping-pong, misroutes, waits, security escalation and the source's own\n"
    "counters beside ours (docs/metrics.md). With FILEs, reads them in memory\n"
    "without a database; otherwise reads DB (default ./handoff.db).\n"
    "\n"
    "  --config C        analysis config JSON (tiers, security groups, thresholds)\n"
    "  --from/--to D     tickets opened in [from, to) (ISO 8601 date or time)\n"
    "  --client C        only client C;  --group G  tickets that passed through G\n"
    "  --priority P      only priority P (P1..P5)\n"
    "  --format F        text (default), json, md, or csv (one row per finding)\n";

int cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},     {"profile", required_argument, NULL, 'p'},
        {"map", required_argument, NULL, 'm'},    {"tz", required_argument, NULL, 'z'},
        {"config", required_argument, NULL, 'C'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},     {"client", required_argument, NULL, 'c'},
        {"group", required_argument, NULL, 'g'},  {"priority", required_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'F'}, {"top", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct an_ingest_opts io;
    struct an_filter flt;
    struct an_config cfg;
    struct an_data d;
    struct an_result r;
    struct hd_err err = HD_ERR_INIT;
    const char *db = NULL, *config = NULL, *format = "text";
    int opt, rc = HD_OK, top = 10, files_mode = 0, status = 0;
    json_t *sum = NULL;

    an_ingest_opts_init(&io);
    io.profile = NULL;
    an_filter_init(&flt);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:p:m:z:C:f:t:c:g:P:F:n:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            db = optarg;
            break;
        case 'p':
            io.profile = optarg;
            files_mode = 1;
            break;
        case 'm':
            io.map_path = optarg;
            files_mode = 1;
            break;
        case 'z':
            io.tz = optarg;
            break;
        case 'C':
            config = optarg;
            break;
        case 'f':
        case 't':
            if (cli_parse_when(optarg, opt == 'f' ? &flt.from_ms : &flt.to_ms, &err)) {
                return cli_usage("analyze", "--%s: %s", opt == 'f' ? "from" : "to", err.msg);
            }
            break;
        case 'c':
            flt.client = optarg;
            break;
        case 'g':
            flt.group = optarg;
            break;
        case 'P':
            flt.priority = hd_priority_parse(optarg, strlen(optarg));
            if (!flt.priority) {
                return cli_usage("analyze", "--priority: bad priority '%s' (P1..P5)", optarg);
            }
            break;
        case 'F':
            format = optarg;
            if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "md") &&
                strcmp(format, "csv")) {
                return cli_usage("analyze", "--format: unknown format '%s'", optarg);
            }
            break;
        case 'n':
            top = (int)strtol(optarg, NULL, 10);
            if (top < 1) {
                return cli_usage("analyze", "--top: expected a positive number");
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish(0);
        default:
            return cli_usage("analyze", "bad option");
        }
    }
    if (files_mode && db) {
        return cli_usage("analyze", "--db and input files exclude each other");
    }
    if (files_mode && optind >= argc) {
        return cli_usage("analyze", "--profile/--map given but no input files");
    }
    if (!files_mode && optind < argc) {
        files_mode = 1; /* FILE... with the default profile */
    }
    if (files_mode && !io.profile && !io.map_path) {
        io.profile = "generic";
    }
    if (io.profile && io.map_path) {
        return cli_usage("analyze", "--profile and --map exclude each other");
    }
    rc = an_config_load(config, &cfg, &err);
    if (rc) {
        return cli_fail(&err);
    }
    an_data_init(&d);
    if (files_mode) {
        if (cli_progress_ok()) {
            io.progress = cli_progress;
        }
        io.no_digest = 1; /* nothing is stored */
        for (int i = optind; i < argc && !rc; i++) {
            struct an_ingest_result res;
            rc = an_ingest_file(&d, argv[i], &io, &res, &err);
            if (!rc) {
                fprintf(
                    stderr, "%s: %llu rows read = %llu used + %llu rejected + %llu duplicates\n",
                    argv[i], (unsigned long long)res.rows_read, (unsigned long long)res.rows_used,
                    (unsigned long long)res.rows_rejected, (unsigned long long)res.rows_duplicate);
            }
            an_ingest_result_release(&res);
        }
    } else {
        struct hd_store *st = NULL;
        rc = hd_store_open(db ? db : "handoff.db", HD_STORE_READONLY, &st, &err);
        if (!rc) {
            rc = an_load(st, &d, &err);
        }
        hd_store_close(st);
    }
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    an_analyze(&d, &cfg, &r);
    if (!strcmp(format, "csv")) {
        rpt_findings_csv(stdout, &d, &r, &flt);
    } else {
        sum = an_summary(&d, &r, &flt, top);
        if (!strcmp(format, "json")) {
            json_dumpf(sum, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
            fputc('\n', stdout);
        } else if (!strcmp(format, "md")) {
            rpt_analyze_md(stdout, sum);
        } else {
            rpt_analyze_text(stdout, sum);
        }
        json_decref(sum);
    }
    an_result_release(&r);
    status = cli_finish(0);
out:
    an_data_release(&d);
    an_config_release(&cfg);
    return status;
}
