/*
 * The report document and its writers: HTML, Markdown, text, CSV and JSON.
 * What a report says is decided by its builder (reports/quarterly.c, ...);
 * this file only decides how it looks, and escapes everything it prints.
 */
#include "reports/render.h"

#include <errno.h>
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "reports/chart.h"

/* ------------------------------------------------------------------ */
/* The document                                                        */

enum block_kind { BLK_HEADING, BLK_PARA, BLK_ITEM, BLK_TABLE, BLK_CHART };

struct rpt_table {
    char *name;
    size_t ncols, show;
    char **head;
    char **cells; /* row-major, ncells = rows * ncols (+ the current row) */
    size_t ncells, cells_alloc;
};

struct block {
    enum block_kind kind;
    int level;
    char *text;
    struct rpt_table *table;
    struct rpt_chart *chart;
    int drawn; /* the chart's SVG exists */
};

struct rpt_doc {
    char *title;
    struct block *blocks;
    size_t nblocks, blocks_alloc;
    json_t *metrics;
    int no_gnuplot; /* charts could not be drawn: gnuplot missing */
};

static char *vfmt(const char *fmt, va_list ap)
{
    struct hd_buf b = HD_BUF_INIT;
    hd_buf_vaddf(&b, NULL, fmt, ap);
    return hd_buf_detach(&b, NULL);
}

static struct block *add_block(struct rpt_doc *doc, enum block_kind kind)
{
    HD_GROW(doc->blocks, doc->blocks_alloc, doc->nblocks + 1);
    memset(&doc->blocks[doc->nblocks], 0, sizeof(doc->blocks[0]));
    doc->blocks[doc->nblocks].kind = kind;
    return &doc->blocks[doc->nblocks++];
}

struct rpt_doc *rpt_doc_new(const char *title)
{
    struct rpt_doc *doc = hd_xcalloc(1, sizeof(*doc));
    doc->title = hd_xstrdup(title);
    return doc;
}

static void table_free(struct rpt_table *t)
{
    for (size_t i = 0; i < t->ncols; i++) {
        free(t->head[i]);
    }
    for (size_t i = 0; i < t->ncells; i++) {
        free(t->cells[i]);
    }
    free(t->head);
    free(t->cells);
    free(t->name);
    free(t);
}

void rpt_doc_free(struct rpt_doc *doc)
{
    if (!doc) {
        return;
    }
    for (size_t i = 0; i < doc->nblocks; i++) {
        free(doc->blocks[i].text);
        if (doc->blocks[i].table) {
            table_free(doc->blocks[i].table);
        }
        rpt_chart_free(doc->blocks[i].chart);
    }
    free(doc->blocks);
    free(doc->title);
    json_decref(doc->metrics);
    free(doc);
}

void rpt_doc_heading(struct rpt_doc *doc, int level, const char *fmt, ...)
{
    va_list ap;
    struct block *b = add_block(doc, BLK_HEADING);
    b->level = level < 1 ? 1 : level > 3 ? 3 : level;
    va_start(ap, fmt);
    b->text = vfmt(fmt, ap);
    va_end(ap);
}

void rpt_doc_para(struct rpt_doc *doc, const char *fmt, ...)
{
    va_list ap;
    struct block *b = add_block(doc, BLK_PARA);
    va_start(ap, fmt);
    b->text = vfmt(fmt, ap);
    va_end(ap);
}

void rpt_doc_item(struct rpt_doc *doc, const char *fmt, ...)
{
    va_list ap;
    struct block *b = add_block(doc, BLK_ITEM);
    va_start(ap, fmt);
    b->text = vfmt(fmt, ap);
    va_end(ap);
}

struct rpt_table *rpt_doc_table(struct rpt_doc *doc, const char *name, size_t show, size_t ncols,
                                const char *const *headers)
{
    struct rpt_table *t = hd_xcalloc(1, sizeof(*t));
    t->name = hd_xstrdup(name);
    t->ncols = ncols;
    t->show = show;
    t->head = hd_xcalloc(ncols, sizeof(*t->head));
    for (size_t i = 0; i < ncols; i++) {
        t->head[i] = hd_xstrdup(headers[i]);
    }
    add_block(doc, BLK_TABLE)->table = t;
    return t;
}

void rpt_table_cell(struct rpt_table *t, const char *fmt, ...)
{
    va_list ap;
    HD_GROW(t->cells, t->cells_alloc, t->ncells + 1);
    va_start(ap, fmt);
    t->cells[t->ncells++] = vfmt(fmt, ap);
    va_end(ap);
}

size_t rpt_table_rows(const struct rpt_table *t)
{
    return t->ncells / t->ncols;
}

void rpt_doc_chart_take(struct rpt_doc *doc, struct rpt_chart *c)
{
    add_block(doc, BLK_CHART)->chart = c;
}

void rpt_doc_set_metrics(struct rpt_doc *doc, json_t *metrics)
{
    json_decref(doc->metrics);
    doc->metrics = metrics;
}

static const char *col_name(const char *h)
{
    return h[0] == '#' ? h + 1 : h;
}

static int col_num(const char *h)
{
    return h[0] == '#';
}

/* ------------------------------------------------------------------ */
/* Escaping                                                            */

void rpt_html_escape(FILE *f, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*p, f);
        }
    }
}

/*
 * Markdown: backslash-escape what could start markup, keep each value on
 * one line, and in tables escape the cell separator. '<' and '&' become
 * entities so that no HTML inside data reaches a Markdown viewer.
 */
static void md_escape(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '<') {
            fputs("&lt;", f);
        } else if (*p == '&') {
            fputs("&amp;", f);
        } else if (strchr("\\`*[]|#", *p)) {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p < 0x20) {
            fputc(' ', f);
        } else {
            fputc(*p, f);
        }
    }
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            fputc('"', f);
        }
        fputc(*p, f);
    }
    fputc('"', f);
}

int rpt_table_csv(const struct rpt_table *t, FILE *f)
{
    for (size_t i = 0; i < t->ncols; i++) {
        if (i) {
            fputc(',', f);
        }
        csv_field(f, col_name(t->head[i]));
    }
    fputc('\n', f);
    for (size_t i = 0; i + t->ncols <= t->ncells; i += t->ncols) {
        for (size_t k = 0; k < t->ncols; k++) {
            if (k) {
                fputc(',', f);
            }
            csv_field(f, t->cells[i + k]);
        }
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

static size_t shown_rows(const struct rpt_table *t)
{
    size_t n = rpt_table_rows(t);
    return t->show && t->show < n ? t->show : n;
}

/* ------------------------------------------------------------------ */
/* Markdown                                                            */

static void md_gnuplot_note(const struct rpt_doc *doc, FILE *f)
{
    if (doc->no_gnuplot) {
        fputs("> Charts were not drawn: gnuplot was not found. Each chart's script and data "
              "are in this folder; draw them with `gnuplot NAME.gp`.\n\n",
              f);
    }
}

int rpt_doc_md(const struct rpt_doc *doc, FILE *f)
{
    int in_list = 0;

    fputs("# ", f);
    md_escape(f, doc->title);
    fputs("\n\n", f);
    md_gnuplot_note(doc, f);
    for (size_t i = 0; i < doc->nblocks; i++) {
        const struct block *b = &doc->blocks[i];
        if (in_list && b->kind != BLK_ITEM) {
            fputc('\n', f);
            in_list = 0;
        }
        switch (b->kind) {
        case BLK_HEADING:
            fprintf(f, "%.*s ", b->level + 1, "####");
            md_escape(f, b->text);
            fputs("\n\n", f);
            break;
        case BLK_PARA:
            md_escape(f, b->text);
            fputs("\n\n", f);
            break;
        case BLK_ITEM:
            fputs("- ", f);
            md_escape(f, b->text);
            fputc('\n', f);
            in_list = 1;
            break;
        case BLK_TABLE: {
            const struct rpt_table *t = b->table;
            size_t rows = shown_rows(t);
            fputc('|', f);
            for (size_t k = 0; k < t->ncols; k++) {
                fputc(' ', f);
                md_escape(f, col_name(t->head[k]));
                fputs(" |", f);
            }
            fputs("\n|", f);
            for (size_t k = 0; k < t->ncols; k++) {
                fputs(col_num(t->head[k]) ? "---:|" : "---|", f);
            }
            fputc('\n', f);
            for (size_t r = 0; r < rows; r++) {
                fputc('|', f);
                for (size_t k = 0; k < t->ncols; k++) {
                    fputc(' ', f);
                    md_escape(f, t->cells[r * t->ncols + k]);
                    fputs(" |", f);
                }
                fputc('\n', f);
            }
            if (!rpt_table_rows(t)) {
                fputs("\n(none)\n", f);
            }
            if (rows < rpt_table_rows(t)) {
                fprintf(f, "\nFirst %zu of %zu rows; all in [%s.csv](%s.csv).\n", rows,
                        rpt_table_rows(t), t->name, t->name);
            } else {
                fprintf(f, "\nTable: [%s.csv](%s.csv)\n", t->name, t->name);
            }
            fputc('\n', f);
            break;
        }
        case BLK_CHART: {
            const char *name = rpt_chart_name(b->chart);
            if (!rpt_chart_points(b->chart)) {
                fputs("Chart \"", f);
                md_escape(f, rpt_chart_title(b->chart));
                fputs("\": no data.\n\n", f);
                break;
            }
            fputs("![", f);
            md_escape(f, rpt_chart_title(b->chart));
            fprintf(f, "](%s.svg)\n\nChart source: [%s.gp](%s.gp), [%s.dat](%s.dat)\n\n", name,
                    name, name, name, name);
            break;
        }
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

static void text_line(FILE *f, const char *s, size_t width)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < width; p++) {
        fputc(*p < 0x20 ? ' ' : *p, f);
        /* count characters, not UTF-8 continuation bytes */
        n += (*p & 0xc0) != 0x80;
    }
    while (n < width) {
        fputc(' ', f);
        n++;
    }
}

static size_t text_width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

int rpt_doc_text(const struct rpt_doc *doc, FILE *f)
{
    size_t tl = text_width(doc->title);

    fprintf(f, "%s\n", doc->title);
    for (size_t i = 0; i < tl; i++) {
        fputc('=', f);
    }
    fputs("\n\n", f);
    if (doc->no_gnuplot) {
        fputs("Charts were not drawn: gnuplot was not found (scripts are in the folder).\n\n", f);
    }
    for (size_t i = 0; i < doc->nblocks; i++) {
        const struct block *b = &doc->blocks[i];
        switch (b->kind) {
        case BLK_HEADING:
            fprintf(f, "%s\n", b->text);
            for (size_t k = text_width(b->text); k > 0; k--) {
                fputc(b->level <= 2 ? '-' : '.', f);
            }
            fputs("\n\n", f);
            break;
        case BLK_PARA:
            fprintf(f, "%s\n\n", b->text);
            break;
        case BLK_ITEM:
            fprintf(f, "  * %s\n", b->text);
            if (i + 1 == doc->nblocks || doc->blocks[i + 1].kind != BLK_ITEM) {
                fputc('\n', f);
            }
            break;
        case BLK_TABLE: {
            const struct rpt_table *t = b->table;
            size_t rows = shown_rows(t), w[64];
            size_t nc = t->ncols < 64 ? t->ncols : 64;
            for (size_t k = 0; k < nc; k++) {
                w[k] = text_width(col_name(t->head[k]));
                for (size_t r = 0; r < rows; r++) {
                    size_t x = text_width(t->cells[r * t->ncols + k]);
                    w[k] = x > w[k] ? x : w[k];
                }
                w[k] = w[k] > 40 ? 40 : w[k];
            }
            for (size_t r = 0; r <= rows; r++) {
                fputs("  ", f);
                for (size_t k = 0; k < nc; k++) {
                    const char *s = r ? t->cells[(r - 1) * t->ncols + k] : col_name(t->head[k]);
                    if (col_num(t->head[k]) && text_width(s) < w[k]) {
                        for (size_t p = text_width(s); p < w[k]; p++) {
                            fputc(' ', f);
                        }
                        fputs(s, f);
                    } else {
                        text_line(f, s, w[k]);
                    }
                    fputs(k + 1 < nc ? "  " : "\n", f);
                }
            }
            if (rows < rpt_table_rows(t)) {
                fprintf(f, "  (first %zu of %zu rows; all in %s.csv)\n", rows, rpt_table_rows(t),
                        t->name);
            }
            fputc('\n', f);
            break;
        }
        case BLK_CHART:
            fprintf(f, "[chart: %s -> %s.svg]\n\n", rpt_chart_title(b->chart),
                    rpt_chart_name(b->chart));
            break;
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* HTML                                                                */

static const char html_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "max-width:1040px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
    "h1{border-bottom:2px solid #444;padding-bottom:.2em}h2{margin-top:1.8em;"
    "border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.92em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\n"
    "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "figure{margin:1em 0}figure svg{max-width:100%;height:auto;display:block}\n"
    ".note{background:#fff6d6;border-left:4px solid #e0b000;padding:.5em .8em}\n"
    ".src{font-size:.85em;color:#555}\n"
    ".green{background:#d9f2d9}.amber{background:#ffe9b3}.red{background:#f8d0d0}\n";

/* Cells that read "green", "amber" or "red" get the matching colour. */
static const char *cell_class(const char *s, int num)
{
    if (!strcmp(s, "green") || !strcmp(s, "amber") || !strcmp(s, "red")) {
        return s;
    }
    return num ? "n" : NULL;
}

/* Copy the <svg ...> element of a gnuplot SVG file into the page. */
static int inline_svg(FILE *f, const char *dir, const char *name)
{
    char path[4096];
    FILE *in;
    char *text = NULL, *start;
    size_t len = 0, alloc = 0;
    char chunk[8192];
    size_t n;

    snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
    in = fopen(path, "r");
    if (!in) {
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
        HD_GROW(text, alloc, len + n + 1);
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(in);
    if (!text) {
        return -1;
    }
    text[len] = '\0';
    start = strstr(text, "<svg");
    if (start) {
        fputs(start, f);
    }
    free(text);
    return start ? 0 : -1;
}

int rpt_doc_html(const struct rpt_doc *doc, const char *dir, FILE *f)
{
    int in_list = 0;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    rpt_html_escape(f, doc->title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", html_style);
    rpt_html_escape(f, doc->title);
    fputs("</h1>\n", f);
    if (doc->no_gnuplot) {
        fputs("<p class=\"note\">Charts were not drawn: gnuplot was not found. Each chart's "
              "script and data are in this folder; draw them with <code>gnuplot NAME.gp</code>."
              "</p>\n",
              f);
    }
    for (size_t i = 0; i < doc->nblocks; i++) {
        const struct block *b = &doc->blocks[i];
        if (in_list && b->kind != BLK_ITEM) {
            fputs("</ul>\n", f);
            in_list = 0;
        }
        switch (b->kind) {
        case BLK_HEADING:
            fprintf(f, "<h%d>", b->level + 1);
            rpt_html_escape(f, b->text);
            fprintf(f, "</h%d>\n", b->level + 1);
            break;
        case BLK_PARA:
            fputs("<p>", f);
            rpt_html_escape(f, b->text);
            fputs("</p>\n", f);
            break;
        case BLK_ITEM:
            if (!in_list) {
                fputs("<ul>\n", f);
                in_list = 1;
            }
            fputs("<li>", f);
            rpt_html_escape(f, b->text);
            fputs("</li>\n", f);
            break;
        case BLK_TABLE: {
            const struct rpt_table *t = b->table;
            size_t rows = shown_rows(t);
            fputs("<table>\n<tr>", f);
            for (size_t k = 0; k < t->ncols; k++) {
                fputs("<th>", f);
                rpt_html_escape(f, col_name(t->head[k]));
                fputs("</th>", f);
            }
            fputs("</tr>\n", f);
            for (size_t r = 0; r < rows; r++) {
                fputs("<tr>", f);
                for (size_t k = 0; k < t->ncols; k++) {
                    const char *s = t->cells[r * t->ncols + k];
                    const char *cls = cell_class(s, col_num(t->head[k]));
                    if (cls) {
                        fprintf(f, "<td class=\"%s\">", cls);
                    } else {
                        fputs("<td>", f);
                    }
                    rpt_html_escape(f, s);
                    fputs("</td>", f);
                }
                fputs("</tr>\n", f);
            }
            fputs("</table>\n<p class=\"src\">", f);
            if (!rpt_table_rows(t)) {
                fputs("(none) ", f);
            }
            if (rows < rpt_table_rows(t)) {
                fprintf(f, "First %zu of %zu rows; all in ", rows, rpt_table_rows(t));
            } else {
                fputs("Table: ", f);
            }
            fputs("<a href=\"", f);
            rpt_html_escape(f, t->name);
            fputs(".csv\">", f);
            rpt_html_escape(f, t->name);
            fputs(".csv</a></p>\n", f);
            break;
        }
        case BLK_CHART: {
            const char *name = rpt_chart_name(b->chart);
            fputs("<figure>\n", f);
            if (!rpt_chart_points(b->chart)) {
                fputs("<p>Chart &quot;", f);
                rpt_html_escape(f, rpt_chart_title(b->chart));
                fputs("&quot;: no data.</p>\n", f);
            } else if (!b->drawn || inline_svg(f, dir, name)) {
                fputs("<p class=\"note\">Chart &quot;", f);
                rpt_html_escape(f, rpt_chart_title(b->chart));
                fprintf(f, "&quot; not drawn; run <code>gnuplot %s.gp</code> in this folder.</p>\n",
                        name);
            }
            fprintf(f,
                    "<figcaption class=\"src\">Chart source: <a href=\"%s.gp\">%s.gp</a>, "
                    "<a href=\"%s.dat\">%s.dat</a></figcaption>\n</figure>\n",
                    name, name, name, name);
            break;
        }
        }
    }
    if (in_list) {
        fputs("</ul>\n", f);
    }
    fputs("<p class=\"src\">Also in this folder: report.md (Markdown), report.txt, metrics.json "
          "and the CSV tables.</p>\n</body>\n</html>\n",
          f);
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* The folder                                                          */

int rpt_mkdirs(const char *path, struct hd_err *err)
{
    char buf[4096];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf)) {
        return hd_err_set(err, HD_EUSAGE, NULL, 0, "bad output directory '%s'", path);
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST) {
                return hd_err_set(err, HD_EIO, buf, 0, "cannot create directory: %s",
                                  strerror(errno));
            }
            buf[i] = c;
        }
    }
    return 0;
}

typedef int writer_fn(const struct rpt_doc *doc, const char *dir, FILE *f, const void *arg);

static int write_to(const char *dir, const char *file, writer_fn *fn, const struct rpt_doc *doc,
                    const void *arg, struct hd_err *err)
{
    char path[4096];
    FILE *f;
    int bad;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    f = fopen(path, "w");
    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot write: %s", strerror(errno));
    }
    bad = fn(doc, dir, f, arg) != 0;
    bad |= ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad) {
        return hd_err_set(err, HD_EIO, path, 0, "write failed: %s", strerror(errno));
    }
    return 0;
}

static int w_html(const struct rpt_doc *doc, const char *dir, FILE *f, const void *arg)
{
    (void)arg;
    return rpt_doc_html(doc, dir, f);
}

static int w_md(const struct rpt_doc *doc, const char *dir, FILE *f, const void *arg)
{
    (void)dir;
    (void)arg;
    return rpt_doc_md(doc, f);
}

static int w_text(const struct rpt_doc *doc, const char *dir, FILE *f, const void *arg)
{
    (void)dir;
    (void)arg;
    return rpt_doc_text(doc, f);
}

static int w_json(const struct rpt_doc *doc, const char *dir, FILE *f, const void *arg)
{
    (void)dir;
    (void)arg;
    if (doc->metrics && json_dumpf(doc->metrics, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6))) {
        return -1;
    }
    if (!doc->metrics) {
        fputs("{}", f);
    }
    fputc('\n', f);
    return 0;
}

static int w_csv(const struct rpt_doc *doc, const char *dir, FILE *f, const void *arg)
{
    (void)doc;
    (void)dir;
    return rpt_table_csv(arg, f);
}

static int write_folder(struct rpt_doc *doc, const char *dir, const struct rpt_write_opts *o,
                        struct hd_err *err)
{
    struct rpt_chart_opts co = {o ? o->gnuplot : NULL, o ? o->png : 0};
    int rc = rpt_mkdirs(dir, err), have_charts = 0;
    char file[512], line[512];

    if (rc) {
        return rc;
    }
    for (size_t i = 0; i < doc->nblocks; i++) {
        have_charts |= doc->blocks[i].kind == BLK_CHART;
    }
    doc->no_gnuplot = have_charts && !rpt_gnuplot_available(&co);
    if (doc->no_gnuplot && o && o->warn) {
        o->warn(o->warn_ctx, "gnuplot not found: charts not drawn, their scripts are written");
    }
    for (size_t i = 0; i < doc->nblocks; i++) {
        struct block *b = &doc->blocks[i];
        struct hd_err cerr = HD_ERR_INIT;
        if (b->kind == BLK_TABLE) {
            snprintf(file, sizeof(file), "%s.csv", b->table->name);
            rc = write_to(dir, file, w_csv, doc, b->table, err);
        } else if (b->kind == BLK_CHART) {
            rc = rpt_chart_write(b->chart, dir, &co, &b->drawn, &cerr);
            if (rc == HD_EIO && strstr(cerr.msg, "chart '") == cerr.msg) {
                /* gnuplot failed: the report is still worth having */
                if (o && o->warn) {
                    snprintf(line, sizeof(line), "%s", cerr.msg);
                    o->warn(o->warn_ctx, line);
                }
                rc = 0;
            } else if (rc && err) {
                *err = cerr;
            }
        }
        if (rc) {
            return rc;
        }
    }
    rc = write_to(dir, "metrics.json", w_json, doc, NULL, err);
    if (!rc) {
        rc = write_to(dir, "report.md", w_md, doc, NULL, err);
    }
    if (!rc) {
        rc = write_to(dir, "report.txt", w_text, doc, NULL, err);
    }
    if (!rc) {
        rc = write_to(dir, "index.html", w_html, doc, NULL, err);
    }
    return rc;
}

/* Remove `path` and, for a folder, everything in it (report folders are shallow). */
static void rm_tree(const char *path)
{
    struct stat sb;
    DIR *dp;
    struct dirent *de;
    char sub[4600];

    if (lstat(path, &sb) != 0) {
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    dp = opendir(path);
    if (dp) {
        while ((de = readdir(dp)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
                continue;
            }
            snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
            rm_tree(sub);
        }
        closedir(dp);
    }
    rmdir(path);
}

/*
 * The folder is written whole into DIR.partial and renamed into place at
 * the end, so a full disk or a kill never leaves a folder that looks
 * complete: either the old DIR (or none) is there, or the new one, whole.
 */
int rpt_doc_write(struct rpt_doc *doc, const char *dir, const struct rpt_write_opts *o,
                  struct hd_err *err)
{
    char clean[4096], partial[4200], old[4200];
    size_t n = strlen(dir);
    struct stat sb;
    int rc;

    while (n > 1 && dir[n - 1] == '/') {
        n--; /* "out/" and "out" are the same folder */
    }
    if (n == 0 || n >= sizeof(clean)) {
        return hd_err_set(err, HD_EUSAGE, NULL, 0, "bad output directory '%s'", dir);
    }
    memcpy(clean, dir, n);
    clean[n] = '\0';
    snprintf(partial, sizeof(partial), "%s.partial", clean);
    snprintf(old, sizeof(old), "%s.old", clean);
    rm_tree(partial); /* left by a killed run */
    rc = write_folder(doc, partial, o, err);
    if (rc) {
        rm_tree(partial);
        return rc;
    }
    if (lstat(clean, &sb) == 0) {
        rm_tree(old);
        if (rename(clean, old) != 0) {
            rc =
                hd_err_set(err, HD_EIO, clean, 0, "cannot replace the folder: %s", strerror(errno));
            rm_tree(partial);
            return rc;
        }
    }
    if (rename(partial, clean) != 0) {
        rc = hd_err_set(err, HD_EIO, clean, 0, "cannot move the finished folder into place: %s",
                        strerror(errno));
        rename(old, clean); /* put the previous report back */
        return rc;
    }
    rm_tree(old);
    return 0;
}
