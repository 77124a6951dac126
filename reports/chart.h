#ifndef HD_REPORTS_CHART_H
#define HD_REPORTS_CHART_H

/*
 * The chart layer: a chart is a title, two labelled axes and one or more
 * series of numbers. rpt_chart_write() puts beside the report a gnuplot
 * script NAME.gp and its data NAME.dat (so a user can restyle and rerun
 * them with `gnuplot NAME.gp`), then runs gnuplot on the script through a
 * pipe (fork + execvp, never a shell) to draw NAME.svg, and NAME.png too
 * when asked.
 *
 * Labels and titles come from data (group names, policy names), so every
 * string that enters a script goes through rpt_gp_quote(): the data file
 * holds numbers only, and category labels are set as xtics in the script.
 *
 * Ownership: a chart owns copies of every string given to it.
 */

#include <stddef.h>

struct hd_buf;
struct hd_err;

enum rpt_chart_kind {
    RPT_CHART_LINES, /* y against x, one line per series */
    RPT_CHART_STEPS, /* as LINES, drawn as steps (CDFs) */
    RPT_CHART_BARS,  /* bars at integer x (categories), series side by side */
    RPT_CHART_BOXES, /* box plots: per x, low whisker, box low, median, box high, high whisker */
};

struct rpt_chart;

/*
 * A new empty chart. `name` is the file stem (letters, digits, '-' and
 * '_' only; anything else becomes '_'); the other strings are shown.
 * Units belong in the axis labels ("wait (h)").
 */
struct rpt_chart *rpt_chart_new(const char *name, enum rpt_chart_kind kind, const char *title,
                                const char *xlabel, const char *ylabel);
void rpt_chart_free(struct rpt_chart *c);

/* Add a series; returns its index. The title is shown in the legend. */
size_t rpt_chart_series(struct rpt_chart *c, const char *title);

/*
 * Add a series drawn as points over the first series' positions, e.g. the
 * outliers of a box plot (add them with rpt_chart_box, all five values
 * equal, or rpt_chart_point). Returns its index.
 */
size_t rpt_chart_overlay(struct rpt_chart *c, const char *title);

/* Add a point (x, y) to series `s`. */
void rpt_chart_point(struct rpt_chart *c, size_t s, double x, double y);

/* Add a box (RPT_CHART_BOXES) at x to series `s`: lo <= q1 <= med <= q3 <= hi. */
void rpt_chart_box(struct rpt_chart *c, size_t s, double x, double lo, double q1, double med,
                   double q3, double hi);

/* Label the x position `x` (categories); the label is copied. */
void rpt_chart_xtic(struct rpt_chart *c, double x, const char *label);

/* Fix the y range (e.g. 0..1 for a CDF); lo == hi leaves it automatic. */
void rpt_chart_yrange(struct rpt_chart *c, double lo, double hi);

const char *rpt_chart_name(const struct rpt_chart *c);
const char *rpt_chart_title(const struct rpt_chart *c);

/* Total points and boxes over all series. */
size_t rpt_chart_points(const struct rpt_chart *c);

/*
 * Append `s` to `b` as a gnuplot single-quoted string literal: quotes
 * doubled, control characters (newlines, tabs) turned into spaces, so a
 * label can never end the string or the command. Returns 0, or an hd_buf
 * error code past its cap.
 */
int rpt_gp_quote(struct hd_buf *b, const char *s);

/*
 * The gnuplot script that draws the chart from NAME.dat into NAME.svg (and
 * NAME.png when `png`), appended to `out`. Text is printed verbatim by the
 * terminals (noenhanced). Returns 0 or an hd_buf error code.
 */
int rpt_chart_script(const struct rpt_chart *c, int png, struct hd_buf *out);

/* The data file NAME.dat: one block per series, numbers only. */
int rpt_chart_data(const struct rpt_chart *c, struct hd_buf *out);

struct rpt_chart_opts {
    const char *gnuplot; /* program to run; NULL: $HD_GNUPLOT, else "gnuplot" */
    int png;             /* also draw NAME.png */
};

/*
 * Write NAME.gp and NAME.dat into directory `dir` and, when gnuplot can be
 * found on PATH, run it there to draw the images. *drawn is set to 1 when
 * NAME.svg was drawn, 0 when gnuplot is missing or the chart has no points
 * (the script is still written). Errors: HD_EIO when a file cannot be
 * written, or gnuplot was found but failed (its exit status in the message).
 */
int rpt_chart_write(const struct rpt_chart *c, const char *dir, const struct rpt_chart_opts *o,
                    int *drawn, struct hd_err *err);

/* Whether the gnuplot of `o` (as in rpt_chart_write) can be found. */
int rpt_gnuplot_available(const struct rpt_chart_opts *o);

/*
 * Run program `prog` (looked up on PATH by execvp) in directory `dir` with
 * `script` (len bytes) on its standard input; its stdout and stderr go to
 * /dev/null. No shell is involved. Returns 0 when it exits with status 0;
 * HD_EIO otherwise ("'gnuplot' exited with status 1", "cannot run 'x'").
 */
int rpt_gnuplot_run(const char *prog, const char *dir, const char *script, size_t len,
                    struct hd_err *err);

#endif
