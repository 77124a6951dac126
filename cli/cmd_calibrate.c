/* handoff calibrate: fit a scenario from the database (docs/calibration.md). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/time.h"
#include "simulator/sim.h"

static const char usage_text[] =
    "usage: handoff calibrate [--db DB] [--from D] [--to D] [--client C]\n"
    "                         [--security-group G ...] [--min-n N] --out MODEL.json\n"
    "\n"
    "Fit a scenario from the tickets in the database (docs/calibration.md):\n"
    "arrival rates per hour of the week, ticket types per category with their\n"
    "priority mix, holding times per group (empirical, lognormal fit reported),\n"
    "the routing between groups (first group by category and priority, passes,\n"
    "returns) and the share reaching a security group. MODEL.json is a scenario\n"
    "that 'handoff simulate --policy observed' reads as it is; it notes where each\n"
    "figure came from and how many tickets it rests on. The same notes are printed.\n"
    "\n"
    "  --db DB              the database (default ./handoff.db)\n"
    "  --from/--to D        tickets opened in [from, to) (ISO 8601 date or time;\n"
    "                       default: all)\n"
    "  --client C           only this client's tickets\n"
    "  --security-group G   a security group (repeat); default: groups named like\n"
    "                       security, soc, csirt or cert\n"
    "  --min-n N            fewest tickets or holdings a figure may rest on before\n"
    "                       it falls back to a pooled estimate (default 30)\n"
    "  --out FILE           where to write the scenario ('-': standard output)\n";

int cmd_calibrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"client", required_argument, NULL, 'c'},
        {"security-group", required_argument, NULL, 's'},
        {"min-n", required_argument, NULL, 'n'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct hd_err err = HD_ERR_INIT;
    struct sim_calib_opts o;
    const char **sec = NULL;
    size_t nsec = 0, asec = 0;
    const char *out_path = NULL;
    FILE *out = NULL;
    int opt, rc;

    memset(&o, 0, sizeof(o));
    o.db_path = "handoff.db";
    o.from_ms = INT64_MIN;
    o.to_ms = INT64_MAX;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:f:t:c:s:n:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            o.db_path = optarg;
            break;
        case 'f':
        case 't':
            if (cli_parse_when(optarg, opt == 'f' ? &o.from_ms : &o.to_ms, &err)) {
                free(sec);
                return cli_usage("calibrate", "--%s: %s", opt == 'f' ? "from" : "to", err.msg);
            }
            break;
        case 'c':
            o.client = optarg;
            break;
        case 's':
            HD_GROW(sec, asec, nsec + 1);
            sec[nsec++] = optarg;
            break;
        case 'n': {
            char *end;
            long v;
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 || v > 1000000) {
                free(sec);
                return cli_usage("calibrate", "--min-n: expected 1 to 1000000, not '%s'", optarg);
            }
            o.min_n = (uint32_t)v;
            break;
        }
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            free(sec);
            fputs(usage_text, stdout);
            return cli_finish(0);
        default:
            free(sec);
            return cli_usage("calibrate", "bad option");
        }
    }
    if (optind < argc) {
        free(sec);
        return cli_usage("calibrate", "unexpected argument '%s'", argv[optind]);
    }
    if (!out_path) {
        free(sec);
        return cli_usage("calibrate", "no --out");
    }
    if (o.from_ms != INT64_MIN && o.to_ms != INT64_MAX && o.to_ms <= o.from_ms) {
        free(sec);
        return cli_usage("calibrate", "--to must be after --from");
    }
    o.security = sec;
    o.nsecurity = nsec;
    if (!strcmp(out_path, "-")) {
        rc = sim_calibrate(&o, stdout, stderr, &err);
    } else {
        out = fopen(out_path, "w");
        if (!out) {
            rc = hd_err_set(&err, HD_EIO, out_path, 0, "cannot create: %s", strerror(errno));
        } else {
            rc = sim_calibrate(&o, out, stdout, &err);
            if (fclose(out) != 0 && !rc) {
                rc = hd_err_set(&err, HD_EIO, out_path, 0, "cannot write: %s", strerror(errno));
            }
            if (rc) {
                remove(out_path);
            } else {
                printf("wrote %s\n", out_path);
            }
        }
    }
    free(sec);
    if (rc) {
        return cli_fail(&err);
    }
    return cli_finish(0);
}
