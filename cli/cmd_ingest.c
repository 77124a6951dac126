/* handoff ingest: read exports into the database and account for every row. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dataset.h"
#include "analyzer/derive.h"
#include "analyzer/ingest.h"
#include "analyzer/load.h"
#include "analyzer/save.h"
#include "core/err.h"
#include "core/store.h"
#include "core/time.h"

static const char usage_text[] =
    "usage: handoff ingest FILE... [--profile generic|servicenow|jira | --map MAP.json]\n"
    "                      [--db DB] [--client NAME] [--tz ZONE] [--export-date TIME]\n"
    "                      [--max-field BYTES] [--max-events-per-ticket N]\n"
    "                      [--max-columns N] [--max-json-depth N]\n"
    "\n"
    "Read ticket-history exports into the database (default ./handoff.db).\n"
    "'-' reads standard input. Every row is accounted for: rows read = used +\n"
    "rejected + duplicates; rejected rows are kept in the 'rejects' table with\n"
    "their line, reason and text. Ingesting the same file again adds nothing.\n"
    "\n"
    "  --profile P        generic (default), servicenow, jira (docs/profiles.md)\n"
    "  --map M            a mapping file for any other CSV or NDJSON export\n"
    "  --db DB            the database (created if missing)\n"
    "  --client NAME      every ticket of these files belongs to client NAME\n"
    "  --tz ZONE          IANA zone for times without an offset (default UTC)\n"
    "  --export-date T    reject times after T (default: now + 1 day)\n"
    "  --max-field BYTES  reject rows with a longer field (default 1048575)\n"
    "  --max-events-per-ticket N\n"
    "                     reject a ticket's rows past the N-th (default 100000)\n"
    "  --max-columns N    refuse a CSV whose header has more columns (default 10000)\n"
    "  --max-json-depth N reject JSON rows nested deeper (default 64, at most 2048)\n"
    "  --config C         analysis config for the derived tables (docs/metrics.md)\n";

void cli_print_ingest_summary(const char *path, const char *profile,
                              const struct an_ingest_result *r, const struct an_save_stats *s);

void cli_print_ingest_summary(const char *path, const char *profile,
                              const struct an_ingest_result *r, const struct an_save_stats *s)
{
    char a[40], b[40];

    printf("%s (%s): %llu rows read = %llu used + %llu rejected + %llu duplicates\n", path, profile,
           (unsigned long long)r->rows_read, (unsigned long long)r->rows_used,
           (unsigned long long)r->rows_rejected, (unsigned long long)r->rows_duplicate);
    if (s) {
        printf("  events: %llu new, %llu already stored; tickets: %llu\n",
               (unsigned long long)s->events_new, (unsigned long long)s->events_known,
               (unsigned long long)r->tickets);
    } else {
        printf("  events: %llu; tickets: %llu\n", (unsigned long long)r->events,
               (unsigned long long)r->tickets);
    }
    if (r->first_ms != AN_TIME_NONE) {
        hd_time_format(r->first_ms, a, sizeof(a));
        hd_time_format(r->last_ms, b, sizeof(b));
        printf("  span: %s .. %s\n", a, b);
    }
    if (r->rows_rejected) {
        printf("  rejected by reason:");
        for (int i = 0; i < AN_REJ__COUNT; i++) {
            if (r->by_reason[i]) {
                printf(" %s %llu", an_reject_reason_name((enum an_reject_reason)i),
                       (unsigned long long)r->by_reason[i]);
            }
        }
        printf("\n");
        for (size_t i = 0; i < r->nrejects && i < 10; i++) {
            const struct an_reject *x = &r->rejects[i];
            printf("  %s:%u: %s: %s\n", path, x->line,
                   an_reject_reason_name((enum an_reject_reason)x->reason), x->detail);
        }
        if (r->nrejects > 10) {
            printf("  ... %zu more (SELECT * FROM rejects)\n", r->nrejects - 10);
        }
    }
    if (r->header_only) {
        printf("  note: the file has a header and no data rows\n");
    }
}

/* A whole number in 1..max, digits only; 0 on success. */
static int parse_limit(const char *s, size_t max, size_t *out)
{
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v < 1 || v > max) {
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, 'p'},
        {"map", required_argument, NULL, 'm'},
        {"db", required_argument, NULL, 'd'},
        {"client", required_argument, NULL, 'c'},
        {"tz", required_argument, NULL, 'z'},
        {"export-date", required_argument, NULL, 'e'},
        {"config", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"max-field", required_argument, NULL, 'F'},
        {"max-events-per-ticket", required_argument, NULL, 'E'},
        {"max-columns", required_argument, NULL, 'K'},
        {"max-json-depth", required_argument, NULL, 'J'},
        {NULL, 0, NULL, 0},
    };
    struct an_ingest_opts o;
    struct hd_err err = HD_ERR_INIT;
    struct hd_store *st = NULL;
    const char *db = "handoff.db", *config = NULL;
    int opt, rc = HD_OK, profile_given = 0;

    an_ingest_opts_init(&o);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:m:d:c:z:e:C:F:E:K:J:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            o.profile = optarg;
            profile_given = 1;
            break;
        case 'm':
            o.map_path = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'c':
            o.client = optarg;
            break;
        case 'z':
            o.tz = optarg;
            break;
        case 'e':
            if (hd_time_parse(optarg, strlen(optarg), HD_TF_ISO8601, NULL, &o.not_after_ms, &err)) {
                return cli_usage("ingest", "--export-date: %s", err.msg);
            }
            break;
        case 'C':
            config = optarg;
            break;
        case 'F':
            /* Past 1 GiB a field could not be held in memory sensibly. */
            if (parse_limit(optarg, (size_t)1 << 30, &o.max_field)) {
                return cli_usage("ingest", "--max-field: '%s' is not a size from 1 to 1073741824",
                                 optarg);
            }
            break;
        case 'E':
            if (parse_limit(optarg, (size_t)UINT32_MAX, &o.max_events_per_ticket)) {
                return cli_usage("ingest",
                                 "--max-events-per-ticket: '%s' is not a count from 1 to %u",
                                 optarg, UINT32_MAX);
            }
            break;
        case 'K':
            if (parse_limit(optarg, 1000000, &o.max_columns)) {
                return cli_usage("ingest", "--max-columns: '%s' is not a count from 1 to 1000000",
                                 optarg);
            }
            break;
        case 'J':
            /* jansson refuses deeper documents by itself (JSON_PARSER_MAX_DEPTH). */
            if (parse_limit(optarg, 2048, &o.max_json_depth)) {
                return cli_usage("ingest", "--max-json-depth: '%s' is not a depth from 1 to 2048",
                                 optarg);
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish(0);
        default:
            return cli_usage("ingest", "bad option");
        }
    }
    if (optind >= argc) {
        return cli_usage("ingest", "no input files");
    }
    if (profile_given && o.map_path) {
        return cli_usage("ingest", "--profile and --map exclude each other");
    }
    if (cli_progress_ok()) {
        o.progress = cli_progress;
    }
    rc = hd_store_open(db, HD_STORE_CREATE, &st, &err);
    if (rc) {
        return cli_fail(&err);
    }
    for (int i = optind; i < argc && !rc; i++) {
        struct an_data d;
        struct an_ingest_result res;
        struct an_save_stats ss;

        an_data_init(&d);
        rc = an_ingest_file(&d, argv[i], &o, &res, &err);
        if (!rc) {
            rc = an_save(st, &d, &res, o.client, &ss, &err);
        }
        if (!rc) {
            cli_print_ingest_summary(argv[i], o.map_path ? o.map_path : o.profile, &res, &ss);
        }
        an_ingest_result_release(&res);
        an_data_release(&d);
    }
    if (!rc) {
        /* Rebuild the derived tables over the whole database (analyzer/derive.h). */
        struct an_data all;
        struct an_config cfg;
        struct an_result r;
        an_data_init(&all);
        rc = an_config_load(config, &cfg, &err);
        if (!rc) {
            rc = an_load(st, &all, &err);
            if (!rc) {
                an_analyze(&all, &cfg, &r);
                rc = an_derive_save(st, &all, &r, &err);
                an_result_release(&r);
            }
            an_config_release(&cfg);
        }
        an_data_release(&all);
    }
    hd_store_close(st);
    if (rc) {
        return cli_fail(&err);
    }
    return cli_finish(0);
}
