/* handoff timeline: one ticket's events, ownership segments and findings. */
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/load.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/model.h"
#include "core/store.h"
#include "core/time.h"
#include "reports/timeline.h"

static const char usage_text[] =
    "usage: handoff timeline TICKET [--db DB] [--client C] [--config C] [--format text|json]\n"
    "\n"
    "Show one ticket's escalation timeline: every event with its source file and\n"
    "line, the ownership segments with durations, and the findings on them.\n";

int cmd_timeline(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},     {"client", required_argument, NULL, 'c'},
        {"config", required_argument, NULL, 'C'}, {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct hd_err err = HD_ERR_INIT;
    struct hd_store *st = NULL;
    struct an_config cfg;
    struct an_data d;
    struct an_result r;
    const char *db = "handoff.db", *client = "", *config = NULL, *format = "text";
    int opt, rc, status;
    uint32_t ti;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:c:C:F:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            db = optarg;
            break;
        case 'c':
            client = optarg;
            break;
        case 'C':
            config = optarg;
            break;
        case 'F':
            format = optarg;
            if (strcmp(format, "text") && strcmp(format, "json")) {
                return cli_usage("timeline", "--format: unknown format '%s'", optarg);
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish(0);
        default:
            return cli_usage("timeline", "bad option");
        }
    }
    if (optind + 1 != argc) {
        return cli_usage("timeline", "expected one ticket id");
    }
    rc = an_config_load(config, &cfg, &err);
    if (rc) {
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
    ti = an_data_find_ticket(&d, hd_intern_find(d.strs, client, strlen(client)),
                             hd_intern_find(d.strs, argv[optind], strlen(argv[optind])));
    if (ti == UINT32_MAX || (*client && !hd_intern_find(d.strs, client, strlen(client)))) {
        hd_err_set(&err, HD_EINPUT, db, 0, "no ticket '%s'%s%s", argv[optind],
                   *client ? " for client " : "", client);
        status = cli_fail(&err);
        goto out;
    }
    an_analyze(&d, &cfg, &r);
    if (!strcmp(format, "json")) {
        json_t *j = rpt_timeline_json(&d, &r, ti);
        json_dumpf(j, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(j);
    } else {
        rpt_timeline_text(stdout, &d, &r, ti);
    }
    an_result_release(&r);
    status = cli_finish(0);
out:
    an_data_release(&d);
    an_config_release(&cfg);
    return status;
}
