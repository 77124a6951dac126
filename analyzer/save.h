#ifndef HD_ANALYZER_SAVE_H
#define HD_ANALYZER_SAVE_H

/*
 * Writing an ingested dataset to the store, idempotently: a file already
 * ingested adds nothing; an overlapping export adds only new events. Event
 * identity is ticket + instant + kind + values (+ the occurrence number
 * among identical events of one ticket in one file), hashed to 64 bits
 * (docs/schema.md, "Event identity").
 *
 * Writes go in transactions of about 200,000 events; the source row is
 * marked complete only in the last one, so a killed process leaves a
 * consistent database with an incomplete source, and running the same
 * command again completes it.
 */

#include <stddef.h>
#include <stdint.h>

struct an_data;
struct an_ingest_result;
struct hd_store;
struct hd_err;

struct an_save_stats {
    uint64_t events_new;     /* events inserted */
    uint64_t events_known;   /* events already in the store */
    int source_was_complete; /* the same file was ingested completely before */
};

/*
 * Save the events of source `res->source` of `d` (after an_data_finish)
 * with its rejects and counts. `client` is the --client value or NULL.
 * Sets db_id of d's tickets and the event_ids of the events it inserted
 * (known events keep 0). Foreign keys are not checked while it writes (every id it
 * writes is one it has just saved) and are on again when it returns.
 * Errors: HD_EIO (SQLite, disk full), with the database path.
 */
int an_save(struct hd_store *st, struct an_data *d, const struct an_ingest_result *res,
            const char *client, struct an_save_stats *out, struct hd_err *err);

/* The 64-bit identity of event i of `d` with occurrence number `occ`. */
uint64_t an_event_ident(const struct an_data *d, size_t i, uint32_t occ);

#endif
