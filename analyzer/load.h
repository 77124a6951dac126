#ifndef HD_ANALYZER_LOAD_H
#define HD_ANALYZER_LOAD_H

/*
 * Loading a dataset from the store: every ticket and event, with events in
 * the order of docs/metrics.md, "Event order". The dataset then serves the
 * same analysis as one read straight from export files.
 */

struct an_data;
struct hd_store;
struct hd_err;

/*
 * Load into an initialised, empty dataset. Errors: HD_EIO (SQLite);
 * HD_EINPUT when a source is marked incomplete (an ingest was killed or
 * failed part-way, analyzer/save.h), naming it and how to complete it.
 */
int an_load(struct hd_store *st, struct an_data *d, struct hd_err *err);

#endif
