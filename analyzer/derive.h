#ifndef HD_ANALYZER_DERIVE_H
#define HD_ANALYZER_DERIVE_H

/*
 * Derived tables: `segments`, `findings` and `ticket_metrics` written from
 * an analysis, so users can query them with plain SQL (docs/schema.md).
 * They are rebuilt whole after each ingest: the end of data moves with new
 * events, and it changes the open tickets' trailing gaps, so an update
 * limited to the touched tickets would leave stale rows behind.
 */

struct an_data;
struct an_result;
struct hd_store;
struct hd_err;

/*
 * Replace the derived tables in one transaction. The ticket ids written
 * are d's db_id (from an_load or an_save); foreign keys are not checked
 * meanwhile and are on again when it returns. HD_EIO on SQLite errors.
 */
int an_derive_save(struct hd_store *st, const struct an_data *d, const struct an_result *r,
                   struct hd_err *err);

#endif
