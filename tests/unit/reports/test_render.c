/*
 * Unit tests for reports/render.c and reports/chart.c: the one HTML escape
 * function, gnuplot string quoting, the chart script, a folder written with
 * and without gnuplot, and values from data rendered as text everywhere.
 */
#include "reports/render.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "reports/chart.h"

static const char evil[] = "<script>alert(\"x\")</script> & 'quotes' | pipes";

static char *capture_escape(const char *s)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    rpt_html_escape(f, s);
    fclose(f);
    return out;
}

static void html_escape__script_quotes_amp__become_entities(void **state)
{
    (void)state;
    char *s = capture_escape(evil);
    assert_string_equal(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                           "&#39;quotes&#39; | pipes");
    free(s);
}

static void html_escape__null_and_plain__unchanged(void **state)
{
    (void)state;
    char *s = capture_escape(NULL);
    assert_string_equal(s, "");
    free(s);
    s = capture_escape("Service Desk 24/7");
    assert_string_equal(s, "Service Desk 24/7");
    free(s);
}

static void gp_quote__quotes_doubled_newlines_spaced(void **state)
{
    (void)state;
    struct hd_buf b = HD_BUF_INIT;
    assert_int_equal(rpt_gp_quote(&b, "it's\n'; system(\"rm\") #"), 0);
    assert_string_equal(b.buf, "'it''s ''; system(\"rm\") #'");
    hd_buf_release(&b);
    assert_int_equal(rpt_gp_quote(&b, NULL), 0);
    assert_string_equal(b.buf, "''");
    hd_buf_release(&b);
}

static void chart_script__labels_from_data__quoted_and_key_by_series(void **state)
{
    (void)state;
    struct hd_buf b = HD_BUF_INIT;
    struct rpt_chart *c =
        rpt_chart_new("we ird/name", RPT_CHART_BARS, "Title 'x'", "x (h)", "y (count)");
    size_t s = rpt_chart_series(c, "one");
    rpt_chart_point(c, s, 0, 1);
    rpt_chart_xtic(c, 0, "O'Brien\nteam");
    assert_string_equal(rpt_chart_name(c), "we_ird_name");
    assert_int_equal(rpt_chart_script(c, 0, &b), 0);
    assert_non_null(strstr(b.buf, "set title 'Title ''x'''"));
    assert_non_null(strstr(b.buf, "set xlabel 'x (h)'"));
    assert_non_null(strstr(b.buf, "set xtics ('O''Brien team' 0)"));
    assert_non_null(strstr(b.buf, "unset key"));
    hd_buf_reset(&b);
    rpt_chart_point(c, rpt_chart_series(c, "two"), 0, 2);
    assert_int_equal(rpt_chart_script(c, 1, &b), 0);
    assert_non_null(strstr(b.buf, "set key"));
    assert_non_null(strstr(b.buf, "title 'two'"));
    assert_non_null(strstr(b.buf, "set output 'we_ird_name.png'"));
    hd_buf_release(&b);
    rpt_chart_free(c);
}

static void gnuplot_run__missing_program__eio(void **state)
{
    (void)state;
    struct hd_err err = HD_ERR_INIT;
    assert_int_equal(rpt_gnuplot_run("hd-no-such-gnuplot", ".", "x\n", 2, &err), HD_EIO);
    assert_non_null(strstr(err.msg, "cannot run"));
}

static struct rpt_doc *evil_doc(void)
{
    struct rpt_doc *doc = rpt_doc_new("Report <b>");
    const char *h[] = {"ticket", "title", "#n"};
    struct rpt_table *t;
    struct rpt_chart *c = rpt_chart_new("c1", RPT_CHART_BARS, evil, "group", "tickets (count)");
    rpt_doc_heading(doc, 1, "Section %s", "&");
    rpt_doc_para(doc, "%s", evil);
    t = rpt_doc_table(doc, "tickets", 0, 3, h);
    rpt_table_cell(t, "T-1");
    rpt_table_cell(t, "%s", evil);
    rpt_table_cell(t, "3");
    rpt_chart_point(c, rpt_chart_series(c, evil), 0, 3);
    rpt_chart_xtic(c, 0, evil);
    rpt_doc_chart_take(doc, c);
    return doc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc((size_t)n + 1, 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static void check_folder(const char *dir, int drawn)
{
    char path[512];
    char *html, *md, *csv;

    snprintf(path, sizeof(path), "%s/index.html", dir);
    html = slurp(path);
    assert_non_null(html);
    /* data never becomes markup: no raw <script> anywhere in the page */
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                                 "&#39;quotes&#39;"));
    assert_non_null(strstr(html, "<title>Report &lt;b&gt;</title>"));
    if (drawn) {
        assert_non_null(strstr(html, "<svg"));
    } else {
        assert_non_null(strstr(html, "gnuplot was not found"));
    }
    snprintf(path, sizeof(path), "%s/report.md", dir);
    md = slurp(path);
    assert_non_null(md);
    assert_null(strstr(md, "<script"));
    assert_non_null(strstr(md, "&lt;script"));
    assert_non_null(strstr(md, "\\| pipes"));
    snprintf(path, sizeof(path), "%s/tickets.csv", dir);
    csv = slurp(path);
    assert_string_equal(csv, "ticket,title,n\nT-1,\"<script>alert(\"\"x\"\")</script> & "
                             "'quotes' | pipes\",3\n");
    snprintf(path, sizeof(path), "%s/c1.gp", dir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof(path), "%s/c1.dat", dir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof(path), "%s/c1.svg", dir);
    assert_int_equal(access(path, R_OK) == 0, drawn);
    free(html);
    free(md);
    free(csv);
}

static void rm_dir(const char *dir)
{
    static const char *const files[] = {"index.html",  "report.md", "report.txt", "metrics.json",
                                        "tickets.csv", "c1.gp",     "c1.dat",     "c1.svg"};
    char path[512];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static int warned;
static void count_warn(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
    warned++;
}

static void doc_write__no_gnuplot__note_and_scripts(void **state)
{
    (void)state;
    char dir[] = "/tmp/hd-render-XXXXXX";
    struct rpt_write_opts o = {"hd-no-such-gnuplot", 0, count_warn, NULL};
    struct hd_err err = HD_ERR_INIT;
    struct rpt_doc *doc = evil_doc();
    assert_non_null(mkdtemp(dir));
    warned = 0;
    assert_int_equal(rpt_doc_write(doc, dir, &o, &err), 0);
    assert_int_equal(warned, 1);
    check_folder(dir, 0);
    rpt_doc_free(doc);
    rm_dir(dir);
}

static void doc_write__with_gnuplot__svg_inline_and_escaped(void **state)
{
    (void)state;
    char dir[] = "/tmp/hd-render-XXXXXX";
    struct rpt_write_opts o = {NULL, 0, NULL, NULL};
    struct rpt_chart_opts co = {NULL, 0};
    struct hd_err err = HD_ERR_INIT;
    struct rpt_doc *doc;
    if (!rpt_gnuplot_available(&co)) {
        skip();
    }
    doc = evil_doc();
    assert_non_null(mkdtemp(dir));
    assert_int_equal(rpt_doc_write(doc, dir, &o, &err), 0);
    check_folder(dir, 1);
    rpt_doc_free(doc);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_escape__script_quotes_amp__become_entities),
        cmocka_unit_test(html_escape__null_and_plain__unchanged),
        cmocka_unit_test(gp_quote__quotes_doubled_newlines_spaced),
        cmocka_unit_test(chart_script__labels_from_data__quoted_and_key_by_series),
        cmocka_unit_test(gnuplot_run__missing_program__eio),
        cmocka_unit_test(doc_write__no_gnuplot__note_and_scripts),
        cmocka_unit_test(doc_write__with_gnuplot__svg_inline_and_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
