#ifndef HD_REPORTS_REPORT_H
#define HD_REPORTS_REPORT_H

/*
 * The report folders of `handoff report` (docs/reports.md): each builder
 * reads analysed data (or simulation output) and fills a document of
 * reports/render.h with headings, tables, charts and the metrics JSON;
 * rpt_doc_write() then writes the folder. Builders never print.
 *
 * Ownership: every argument is borrowed for the duration of the call; the
 * document receives copies.
 */

#include <stdint.h>

struct an_config;
struct an_data;
struct an_result;
struct an_sla_config;
struct hd_err;
struct hd_policy;
struct rpt_doc;

/* Period and scope shared by the history reports. */
struct rpt_scope {
    int64_t from_ms, to_ms; /* [from, to); AN_TIME_NONE: chosen by the report */
    const char *client;     /* NULL: all clients */
    int top;                /* rows in top-N lists (default 10) */
};

/*
 * The quarterly escalation review (docs/reports.md, "quarterly"). When the
 * period is open, it is the calendar quarter holding the latest opening.
 * `slas` (n of them, may be 0) give SLA attainment per client; without
 * them the source's own made_sla flag is used when present.
 */
int rpt_quarterly(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                  const struct an_config *cfg, const struct rpt_scope *sc,
                  const struct an_sla_config *const *slas, int nslas, struct hd_err *err);

/*
 * The client SLA report for one calendar month (sc->from/to; sc->client is
 * required). Only that client's tickets, groups and people appear anywhere
 * in the document; with `pseudonymize`, people are replaced by stable
 * pseudonyms (rpt_pseudonym). Errors: HD_EUSAGE when the SLA file has no
 * entry for the client.
 */
int rpt_sla(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
            const struct an_sla_config *sla, const struct rpt_scope *sc, int pseudonymize,
            struct hd_err *err);

/*
 * The escalation checklist: five questions scored green, amber or red by
 * the thresholds of docs/metrics.md, "Checklist scoring", with evidence,
 * the tickets behind it and the next step. `policy` feeds the adherence of
 * question 2 (analyzer/audit.h).
 */
int rpt_checklist(struct rpt_doc *doc, const struct an_data *d, const struct an_result *r,
                  const struct an_config *cfg, const struct hd_policy *policy,
                  const char *policy_name, const struct rpt_scope *sc, struct hd_err *err);

/*
 * The policy comparison from a `handoff simulate --out DIR` folder
 * (results.json and series.csv, docs/scenario.md). Errors: HD_EIO when a
 * file cannot be read, HD_EINPUT when it is not what simulate writes.
 */
int rpt_compare(struct rpt_doc *doc, const char *simdir, struct hd_err *err);

/*
 * A stable pseudonym for a person: `kind` followed by four hex digits of a
 * hash of the name ("Agent 7f3a"). Writes at most `n` bytes; returns out.
 */
char *rpt_pseudonym(const char *kind, const char *name, char *out, unsigned n);

#endif
