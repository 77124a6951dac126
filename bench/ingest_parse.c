/*
 * bench/ingest_parse: time handoff's ingest phases on one file, in-process.
 *
 *   ingest_parse [--profile P] [--db DB] FILE
 *
 * Phase 1, parse + normalise: an_ingest_file into an in-memory dataset
 * (CSV parsing, validation, interning, snapshot diffing) and an_data_finish
 * (events grouped by ticket and ordered). Phase 2, only with --db: store,
 * i.e. hd_store_open on a fresh file, an_save, hd_store_close (which
 * checkpoints the WAL). Prints one line of key=value pairs; store_s is
 * open_s + save_s + close_s, and store_cpu_s the process's CPU time over
 * the same span (less sensitive to other load on the machine).
 *
 * Built by bench/ingest.sh against build/libhd_analyzer.a and
 * build/libhd_core.a; not part of `make`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/dataset.h"
#include "analyzer/ingest.h"
#include "analyzer/save.h"
#include "core/err.h"
#include "core/store.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *profile = "generic", *db = NULL, *path = NULL;
    struct an_ingest_opts o;
    struct an_ingest_result res;
    struct an_save_stats ss;
    struct an_data d;
    struct hd_err err = HD_ERR_INIT;
    struct hd_store *st = NULL;
    double t0, t1, t2, t3 = 0, ts = 0, tc = 0, c2, c3 = 0;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--profile") && i + 1 < argc) {
            profile = argv[++i];
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (argv[i][0] != '-' || !strcmp(argv[i], "-")) {
            path = argv[i];
        } else {
            path = NULL;
            break;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: ingest_parse [--profile P] [--db DB] FILE\n");
        return 2;
    }
    an_ingest_opts_init(&o);
    o.profile = profile;
    an_data_init(&d);

    t0 = now_s();
    rc = an_ingest_file(&d, path, &o, &res, &err);
    if (rc) {
        fprintf(stderr, "ingest_parse: %s\n", err.msg);
        return 1;
    }
    t1 = now_s();
    an_data_finish(&d);
    t2 = now_s();
    c2 = cpu_s();
    if (db) {
        rc = hd_store_open(db, HD_STORE_CREATE, &st, &err);
        ts = now_s();
        if (!rc) {
            rc = an_save(st, &d, &res, NULL, &ss, &err);
        }
        tc = now_s();
        hd_store_close(st);
        if (rc) {
            fprintf(stderr, "ingest_parse: %s\n", err.msg);
            return 1;
        }
        t3 = now_s();
        c3 = cpu_s();
    }
    printf("rows=%llu events=%llu tickets=%llu rejected=%llu read_s=%.4f finish_s=%.4f "
           "parse_s=%.4f rows_per_s=%.0f",
           (unsigned long long)res.rows_read, (unsigned long long)res.events,
           (unsigned long long)res.tickets, (unsigned long long)res.rows_rejected, t1 - t0, t2 - t1,
           t2 - t0, (double)res.rows_read / (t2 - t0));
    if (db) {
        printf(" store_s=%.4f open_s=%.4f save_s=%.4f close_s=%.4f events_new=%llu"
               " store_events_per_s=%.0f store_cpu_s=%.4f",
               t3 - t2, ts - t2, tc - ts, t3 - tc, (unsigned long long)ss.events_new,
               (double)ss.events_new / (t3 - t2), c3 - c2);
    }
    printf("\n");
    an_ingest_result_release(&res);
    an_data_release(&d);
    return 0;
}
