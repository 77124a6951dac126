#ifndef HD_REPORTS_RENDER_H
#define HD_REPORTS_RENDER_H

/*
 * The renderer layer: a report is built once as a document (headings,
 * paragraphs, tables, charts, and a metrics JSON value) and then written
 * as a folder in every format:
 *   index.html    self-contained page, charts inline as SVG
 *   report.md     the Markdown twin (charts linked as NAME.svg)
 *   report.txt    plain text
 *   metrics.json  the figures, for machines
 *   TABLE.csv     each table in full
 *   CHART.gp, CHART.dat, CHART.svg (and CHART.png)  each chart
 * Every string from data is escaped for the format it is written in: HTML
 * through rpt_html_escape() only, gnuplot through rpt_gp_quote().
 *
 * Ownership: the document copies every string given to it and owns its
 * tables and charts; rpt_doc_set_metrics() steals the JSON value.
 */

#include <stddef.h>
#include <stdio.h>

struct hd_err;
struct json_t;
struct rpt_chart;

struct rpt_doc;
struct rpt_table;

/* A new document whose page title is `title`. */
struct rpt_doc *rpt_doc_new(const char *title);
void rpt_doc_free(struct rpt_doc *doc);

/* A heading of level 1..3. */
void rpt_doc_heading(struct rpt_doc *doc, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A paragraph of text (escaped on output, never markup). */
void rpt_doc_para(struct rpt_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A bullet item; consecutive items form one list. */
void rpt_doc_item(struct rpt_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A table written in full to NAME.csv and shown in the page and the
 * Markdown (at most `show` rows there, 0 = all, with a line pointing to
 * the CSV for the rest). `ncols` headers follow. Columns whose header
 * starts with '#' are right-aligned numbers (the '#' is not shown).
 */
struct rpt_table *rpt_doc_table(struct rpt_doc *doc, const char *name, size_t show, size_t ncols,
                                const char *const *headers);

/* Append a cell to the current row; a row is complete after ncols cells. */
void rpt_table_cell(struct rpt_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
size_t rpt_table_rows(const struct rpt_table *t);

/* Add a chart (the document takes it over: "steals"). */
void rpt_doc_chart_take(struct rpt_doc *doc, struct rpt_chart *c);

/* Set the metrics JSON value (steals the reference). */
void rpt_doc_set_metrics(struct rpt_doc *doc, struct json_t *metrics);

/* Write `s` HTML-escaped: & < > " ' become entities; NULL writes nothing. */
void rpt_html_escape(FILE *f, const char *s);

struct rpt_write_opts {
    const char *gnuplot; /* as struct rpt_chart_opts */
    int png;
    /* Called with one line per warning (gnuplot missing or failing); may be NULL. */
    void (*warn)(void *ctx, const char *line);
    void *warn_ctx;
};

/*
 * Write the folder `dir`, whole: everything goes into `dir`.partial first,
 * which is renamed to `dir` (replacing an earlier report) only when every
 * file was written, so a full disk or a kill never leaves a folder that
 * looks complete. Parents are created when missing. Charts are drawn first;
 * without gnuplot the scripts and data are still written, and the page and
 * the Markdown carry a note saying how to draw them. Errors: HD_EIO when a
 * file cannot be written.
 */
int rpt_doc_write(struct rpt_doc *doc, const char *dir, const struct rpt_write_opts *o,
                  struct hd_err *err);

/* The renderers on their own, for tests; each returns 0 or -1 on a stream error. */
int rpt_doc_md(const struct rpt_doc *doc, FILE *f);
int rpt_doc_text(const struct rpt_doc *doc, FILE *f);
int rpt_doc_html(const struct rpt_doc *doc, const char *dir, FILE *f);
int rpt_table_csv(const struct rpt_table *t, FILE *f);

/* Create directory `path` and its parents (mode 0777 & umask). HD_EIO on failure. */
int rpt_mkdirs(const char *path, struct hd_err *err);

#endif
