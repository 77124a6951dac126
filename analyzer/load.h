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
 *
 * On a database file of 200,000 events or more, with a core to spare (two
 * or more cores, load average below cores - 0.5) and no transaction open on
 * `st`, a worker thread reads the upper half of the events through a second
 * read-only connection, opened and closed here. The dataset is the same
 * either way, intern ids included. HD_ANALYZE_THREADS=1 in the environment
 * forces one reader; 2 asks for the worker whatever the size and load.
 */
int an_load(struct hd_store *st, struct an_data *d, struct hd_err *err);

#endif
