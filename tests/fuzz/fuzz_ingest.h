#ifndef HD_TESTS_FUZZ_INGEST_H
#define HD_TESTS_FUZZ_INGEST_H

/*
 * Shared by the ingest fuzz targets: the input is written to one temporary
 * file per process (an_ingest_file reads paths), ingested into an in-memory
 * dataset with limits small enough to reach, and the dataset released.
 * With `save` set, an accepted file is also saved into a ":memory:" store.
 * Header-only code (static functions) so each target stays one file.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/dataset.h"
#include "analyzer/ingest.h"
#include "analyzer/save.h"
#include "core/err.h"
#include "core/store.h"

static char fz_path[64];
static int fz_fd = -1;
static struct hd_store *fz_store;
static unsigned long fz_saves;

static void fz_cleanup(void)
{
    hd_store_close(fz_store);
    fz_store = NULL;
    if (fz_fd >= 0) {
        close(fz_fd);
        unlink(fz_path);
    }
}

/* Replace the temporary file's contents with data[0..size). */
static const char *fz_write(const uint8_t *data, size_t size)
{
    if (fz_fd < 0) {
        snprintf(fz_path, sizeof(fz_path), "/tmp/handoff-fuzz-XXXXXX");
        fz_fd = mkstemp(fz_path);
        if (fz_fd < 0) {
            abort();
        }
        atexit(fz_cleanup);
    }
    if (ftruncate(fz_fd, 0) != 0) {
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t n = pwrite(fz_fd, data + off, size - off, (off_t)off);
        if (n <= 0) {
            abort();
        }
        off += (size_t)n;
    }
    return fz_path;
}

/* Ingest data with `profile` (or the mapping file `map`), optionally saving. */
static void fz_ingest(const uint8_t *data, size_t size, const char *profile, const char *map,
                      int save)
{
    struct an_ingest_opts o;
    struct an_ingest_result res;
    struct an_data d;
    struct hd_err err = HD_ERR_INIT;
    const char *path = fz_write(data, size);

    an_ingest_opts_init(&o);
    o.profile = map ? NULL : profile;
    o.map_path = map;
    o.not_after_ms = 1893456000000LL; /* 2030-01-01: no dependence on the clock */
    o.max_field = 4096;               /* small enough for the fuzzer to reach */
    o.max_events_per_ticket = 64;
    an_data_init(&d);
    int rc = an_ingest_file(&d, path, &o, &res, &err);
    if (rc == HD_OK) {
        if (res.rows_read != res.rows_used + res.rows_rejected + res.rows_duplicate) {
            abort(); /* the accounting invariant of analyzer/ingest.h */
        }
        an_data_finish(&d);
        if (save) {
            struct an_save_stats ss;
            if (!fz_store || ++fz_saves % 256 == 0) {
                /* Creating the schema costs more than a small ingest: reuse the
                 * store, starting afresh now and then to bound its memory. */
                hd_store_close(fz_store);
                fz_store = NULL;
                if (hd_store_open(":memory:", HD_STORE_CREATE, &fz_store, &err) != HD_OK) {
                    abort();
                }
            }
            if (an_save(fz_store, &d, &res, NULL, &ss, &err) != HD_OK) {
                abort(); /* an in-memory store never fails on valid data */
            }
        }
    }
    an_ingest_result_release(&res);
    an_data_release(&d);
}

#endif
