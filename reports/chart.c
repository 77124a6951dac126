/*
 * Charts as gnuplot scripts and data files, and the one place that runs
 * gnuplot (fork + execvp + a pipe for the script). The report renderer
 * (reports/render.c) decides where charts go; nothing here knows HTML.
 */
#include "reports/chart.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"

/* ------------------------------------------------------------------ */
/* The chart model                                                     */

struct chart_row {
    double v[6]; /* x, y (points) or x, lo, q1, med, q3, hi (boxes) */
};

struct chart_series {
    char *title;
    struct chart_row *rows;
    size_t n, alloc;
    int overlay; /* points drawn over the first series' positions (outliers) */
};

struct chart_tic {
    double x;
    char *label;
};

struct rpt_chart {
    char *name, *title, *xlabel, *ylabel;
    enum rpt_chart_kind kind;
    struct chart_series *series;
    size_t nseries, series_alloc;
    struct chart_tic *tics;
    size_t ntics, tics_alloc;
    double ylo, yhi;
};

struct rpt_chart *rpt_chart_new(const char *name, enum rpt_chart_kind kind, const char *title,
                                const char *xlabel, const char *ylabel)
{
    struct rpt_chart *c = hd_xcalloc(1, sizeof(*c));
    c->name = hd_xstrdup(name);
    for (char *p = c->name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_')) {
            *p = '_';
        }
    }
    c->kind = kind;
    c->title = hd_xstrdup(title ? title : "");
    c->xlabel = hd_xstrdup(xlabel ? xlabel : "");
    c->ylabel = hd_xstrdup(ylabel ? ylabel : "");
    return c;
}

void rpt_chart_free(struct rpt_chart *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->nseries; i++) {
        free(c->series[i].title);
        free(c->series[i].rows);
    }
    for (size_t i = 0; i < c->ntics; i++) {
        free(c->tics[i].label);
    }
    free(c->series);
    free(c->tics);
    free(c->name);
    free(c->title);
    free(c->xlabel);
    free(c->ylabel);
    free(c);
}

size_t rpt_chart_series(struct rpt_chart *c, const char *title)
{
    HD_GROW(c->series, c->series_alloc, c->nseries + 1);
    memset(&c->series[c->nseries], 0, sizeof(c->series[0]));
    c->series[c->nseries].title = hd_xstrdup(title ? title : "");
    return c->nseries++;
}

size_t rpt_chart_overlay(struct rpt_chart *c, const char *title)
{
    size_t s = rpt_chart_series(c, title);
    c->series[s].overlay = 1;
    return s;
}

static void add_row(struct rpt_chart *c, size_t s, const double *v)
{
    struct chart_series *se = &c->series[s];
    HD_GROW(se->rows, se->alloc, se->n + 1);
    memcpy(se->rows[se->n].v, v, sizeof(se->rows[0].v));
    se->n++;
}

void rpt_chart_point(struct rpt_chart *c, size_t s, double x, double y)
{
    double v[6] = {x, y, 0, 0, 0, 0};
    add_row(c, s, v);
}

void rpt_chart_box(struct rpt_chart *c, size_t s, double x, double lo, double q1, double med,
                   double q3, double hi)
{
    double v[6] = {x, lo, q1, med, q3, hi};
    add_row(c, s, v);
}

void rpt_chart_xtic(struct rpt_chart *c, double x, const char *label)
{
    HD_GROW(c->tics, c->tics_alloc, c->ntics + 1);
    c->tics[c->ntics].x = x;
    c->tics[c->ntics].label = hd_xstrdup(label ? label : "");
    c->ntics++;
}

void rpt_chart_yrange(struct rpt_chart *c, double lo, double hi)
{
    c->ylo = lo;
    c->yhi = hi;
}

const char *rpt_chart_name(const struct rpt_chart *c)
{
    return c->name;
}

const char *rpt_chart_title(const struct rpt_chart *c)
{
    return c->title;
}

size_t rpt_chart_points(const struct rpt_chart *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nseries; i++) {
        n += c->series[i].n;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* Script and data                                                     */

int rpt_gp_quote(struct hd_buf *b, const char *s)
{
    int rc = hd_buf_addch(b, '\'', NULL);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && !rc; p++) {
        if (*p == '\'') {
            rc = hd_buf_adds(b, "''", NULL);
        } else if (*p < 0x20 || *p == 0x7f) {
            rc = hd_buf_addch(b, ' ', NULL);
        } else {
            rc = hd_buf_addch(b, *p, NULL);
        }
    }
    return rc ? rc : hd_buf_addch(b, '\'', NULL);
}

/* Comments in generated files carry data too: keep them on one line. */
static int add_comment_text(struct hd_buf *b, const char *s)
{
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        rc = hd_buf_addch(b, (*p < 0x20 || *p == 0x7f) ? ' ' : *p, NULL);
    }
    return rc;
}

int rpt_chart_data(const struct rpt_chart *c, struct hd_buf *out)
{
    int rc = 0;
    size_t cols = c->kind == RPT_CHART_BOXES ? 6 : 2;

    rc |= hd_buf_adds(out, "# handoff chart data: ", NULL);
    rc |= add_comment_text(out, c->title);
    rc |= hd_buf_adds(
        out, cols == 6 ? "\n# columns: x low q1 median q3 high\n" : "\n# columns: x y\n", NULL);
    for (size_t s = 0; s < c->nseries && !rc; s++) {
        const struct chart_series *se = &c->series[s];
        if (!se->n) {
            continue;
        }
        rc |= hd_buf_adds(out, "# series: ", NULL);
        rc |= add_comment_text(out, se->title);
        rc |= hd_buf_addch(out, '\n', NULL);
        for (size_t i = 0; i < se->n && !rc; i++) {
            for (size_t k = 0; k < cols; k++) {
                rc |= hd_buf_addf(out, NULL, k ? " %.10g" : "%.10g", se->rows[i].v[k]);
            }
            rc |= hd_buf_addch(out, '\n', NULL);
        }
        rc |= hd_buf_adds(out, "\n\n", NULL);
    }
    return rc;
}

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static int plot_command(const struct rpt_chart *c, struct hd_buf *out)
{
    size_t nonempty = 0, block = 0, k = 0;
    int rc = 0;
    double width = 0.8;

    for (size_t s = 0; s < c->nseries; s++) {
        nonempty += c->series[s].n > 0 && !c->series[s].overlay;
    }
    if (c->kind == RPT_CHART_BARS || c->kind == RPT_CHART_BOXES) {
        width = 0.8 / (double)(nonempty ? nonempty : 1);
        rc |= hd_buf_addf(out, NULL, "set boxwidth %.4f absolute\n", width * 0.9);
    }
    rc |= hd_buf_adds(out, "plot ", NULL);
    for (size_t s = 0; s < c->nseries && !rc; s++) {
        const struct chart_series *se = &c->series[s];
        const char *color = palette[k % NPALETTE];
        double off = (c->kind == RPT_CHART_BARS || c->kind == RPT_CHART_BOXES)
                         ? -0.4 + width * ((double)k + 0.5)
                         : 0;
        if (!se->n) {
            continue;
        }
        if (block) {
            rc |= hd_buf_adds(out, ", \\\n     ", NULL);
        }
        rc |= hd_buf_adds(out, "datafile index ", NULL);
        rc |= hd_buf_addf(out, NULL, "%zu ", block);
        if (se->overlay) {
            /* Points at the first series' offset; y is the median column. */
            double off0 =
                (c->kind == RPT_CHART_BARS || c->kind == RPT_CHART_BOXES) ? -0.4 + width * 0.5 : 0;
            rc |= hd_buf_addf(out, NULL,
                              "using ($1%+.4f):%d with points pt 7 ps 0.6 lc rgb '#555555'", off0,
                              c->kind == RPT_CHART_BOXES ? 4 : 2);
            rc |= hd_buf_adds(out, " title ", NULL);
            rc |= rpt_gp_quote(out, se->title);
            block++;
            continue;
        }
        switch (c->kind) {
        case RPT_CHART_LINES:
            rc |=
                hd_buf_addf(out, NULL,
                            se->n > 60 ? "using 1:2 with lines lw 2 lc rgb '%s'"
                                       : "using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb '%s'",
                            color);
            break;
        case RPT_CHART_STEPS:
            rc |= hd_buf_addf(out, NULL, "using 1:2 with steps lw 2 lc rgb '%s'", color);
            break;
        case RPT_CHART_BARS:
            rc |= hd_buf_addf(out, NULL, "using ($1%+.4f):2 with boxes lc rgb '%s'", off, color);
            break;
        case RPT_CHART_BOXES:
            rc |= hd_buf_addf(out, NULL,
                              "using ($1%+.4f):3:2:6:5 with candlesticks whiskerbars 0.5 "
                              "lw 1.5 lc rgb '%s'",
                              off, color);
            break;
        }
        rc |= hd_buf_adds(out, " title ", NULL);
        rc |= rpt_gp_quote(out, se->title);
        if (c->kind == RPT_CHART_BOXES) {
            rc |= hd_buf_addf(out, NULL,
                              ", \\\n     datafile index %zu using ($1%+.4f):4:4:4:4 "
                              "with candlesticks lw 3 lc rgb '#000000' notitle",
                              block, off);
        }
        block++;
        k++;
    }
    return rc | hd_buf_addch(out, '\n', NULL);
}

int rpt_chart_script(const struct rpt_chart *c, int png, struct hd_buf *out)
{
    size_t nonempty = 0;
    int rc = 0;

    for (size_t s = 0; s < c->nseries; s++) {
        nonempty += c->series[s].n > 0;
    }
    rc |= hd_buf_adds(out, "# handoff chart: ", NULL);
    rc |= add_comment_text(out, c->title);
    rc |=
        hd_buf_addf(out, NULL, "\n# Draws %s.svg from %s.dat; edit and rerun with: gnuplot %s.gp\n",
                    c->name, c->name, c->name);
    rc |= hd_buf_adds(out, "datafile = ", NULL);
    rc |= hd_buf_addf(out, NULL, "'%s.dat'\n", c->name);
    rc |= hd_buf_adds(out,
                      "set terminal svg size 960,480 noenhanced font 'Helvetica,13' "
                      "background rgb 'white'\n",
                      NULL);
    rc |= hd_buf_addf(out, NULL, "set output '%s.svg'\n", c->name);
    rc |= hd_buf_adds(out, "set title ", NULL);
    rc |= rpt_gp_quote(out, c->title);
    rc |= hd_buf_adds(out, " font ',15'\nset xlabel ", NULL);
    rc |= rpt_gp_quote(out, c->xlabel);
    rc |= hd_buf_adds(out, "\nset ylabel ", NULL);
    rc |= rpt_gp_quote(out, c->ylabel);
    rc |= hd_buf_adds(out, "\nset grid ytics lc rgb '#dddddd'\nset border 3\nset tics nomirror\n",
                      NULL);
    if (nonempty > 1) {
        rc |= hd_buf_adds(out, "set key outside right top box opaque\n", NULL);
    } else {
        rc |= hd_buf_adds(out, "unset key\n", NULL);
    }
    if (c->ylo != c->yhi) {
        rc |= hd_buf_addf(out, NULL, "set yrange [%.10g:%.10g]\n", c->ylo, c->yhi);
    } else {
        /* every figure charted is a count, a share or a duration: start at zero */
        rc |= hd_buf_adds(out, "set yrange [0:*]\n", NULL);
    }
    if (c->kind == RPT_CHART_BARS || c->kind == RPT_CHART_BOXES) {
        double maxx = 0;
        for (size_t i = 0; i < c->ntics; i++) {
            maxx = c->tics[i].x > maxx ? c->tics[i].x : maxx;
        }
        rc |= hd_buf_addf(out, NULL, "set xrange [-0.6:%.4f]\n", maxx + 0.6);
        rc |= hd_buf_adds(out, "set style fill solid 0.75 border -1\n", NULL);
    }
    if (c->kind == RPT_CHART_LINES && c->ntics) {
        /* categories on a line chart: keep the first and last off the axes */
        double maxx = 0;
        for (size_t i = 0; i < c->ntics; i++) {
            maxx = c->tics[i].x > maxx ? c->tics[i].x : maxx;
        }
        rc |= hd_buf_addf(out, NULL, "set xrange [-0.5:%.4f]\n", maxx + 0.5);
    }
    if (c->ntics) {
        size_t total = 0;
        int rotate;
        for (size_t i = 0; i < c->ntics; i++) {
            total += strlen(c->tics[i].label) + 2;
        }
        rotate = total > 70;
        rc |= hd_buf_adds(out, "set xtics (", NULL);
        for (size_t i = 0; i < c->ntics && !rc; i++) {
            rc |= hd_buf_adds(out, i ? ", " : "", NULL);
            rc |= rpt_gp_quote(out, c->tics[i].label);
            rc |= hd_buf_addf(out, NULL, " %.10g", c->tics[i].x);
        }
        rc |= hd_buf_addf(out, NULL, ")%s\n", rotate ? " rotate by -30" : "");
    }
    rc |= plot_command(c, out);
    if (png && !rc) {
        rc |= hd_buf_adds(
            out, "set terminal pngcairo size 960,480 noenhanced font 'Helvetica,11'\n", NULL);
        rc |= hd_buf_addf(out, NULL, "set output '%s.png'\nreplot\n", c->name);
    }
    return rc | hd_buf_adds(out, "unset output\n", NULL);
}

/* ------------------------------------------------------------------ */
/* Running gnuplot                                                     */

static const char *gnuplot_prog(const struct rpt_chart_opts *o)
{
    const char *p = o ? o->gnuplot : NULL;
    if (!p || !*p) {
        p = getenv("HD_GNUPLOT");
    }
    return p && *p ? p : "gnuplot";
}

/* As execvp looks it up: a name with a '/' is a path, otherwise each PATH entry. */
static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char full[4096];

    if (strchr(prog, '/')) {
        return access(prog, X_OK) == 0;
    }
    if (!path) {
        path = "/usr/bin:/bin";
    }
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        int w = snprintf(full, sizeof(full), "%.*s/%s", (int)n, n ? path : ".", prog);
        if (n == 0) {
            w = snprintf(full, sizeof(full), "./%s", prog);
        }
        if (w > 0 && (size_t)w < sizeof(full) && access(full, X_OK) == 0) {
            return 1;
        }
        path += n + (end != NULL);
    }
    return 0;
}

int rpt_gnuplot_available(const struct rpt_chart_opts *o)
{
    return on_path(gnuplot_prog(o));
}

int rpt_gnuplot_run(const char *prog, const char *dir, const char *script, size_t len,
                    struct hd_err *err)
{
    int fds[2], status = 0, werr = 0;
    struct sigaction ign, old;
    pid_t pid;

    if (pipe(fds)) {
        return hd_err_set(err, HD_EIO, NULL, 0, "cannot create a pipe: %s", strerror(errno));
    }
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return hd_err_set(err, HD_EIO, NULL, 0, "cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        char *argv[2];
        int nul = open("/dev/null", O_WRONLY);
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        if (nul >= 0) {
            dup2(nul, 1);
            dup2(nul, 2);
            close(nul);
        }
        if (chdir(dir)) {
            _exit(126);
        }
        argv[0] = (char *)prog;
        argv[1] = NULL;
        execvp(prog, argv);
        _exit(127);
    }
    close(fds[0]);
    /* A gnuplot that dies early must not kill us with SIGPIPE. */
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fds[1], script + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            werr = errno ? errno : EIO;
            break;
        }
        off += (size_t)w;
    }
    close(fds[1]);
    sigaction(SIGPIPE, &old, NULL);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return hd_err_set(err, HD_EIO, NULL, 0, "cannot wait for '%s': %s", prog,
                              strerror(errno));
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        return hd_err_set(err, HD_EIO, NULL, 0, "cannot run '%s'", prog);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return hd_err_set(err, HD_EIO, NULL, 0, "'%s' exited with status %d", prog,
                          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    if (werr) {
        return hd_err_set(err, HD_EIO, NULL, 0, "cannot write to '%s': %s", prog, strerror(werr));
    }
    return 0;
}

static int write_file(const char *dir, const char *name, const char *ext, const struct hd_buf *b,
                      struct hd_err *err)
{
    char path[4096];
    FILE *f;
    int bad;

    snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
    f = fopen(path, "w");
    if (!f) {
        return hd_err_set(err, HD_EIO, path, 0, "cannot write: %s", strerror(errno));
    }
    bad = fwrite(b->buf, 1, b->len, f) != b->len;
    bad |= fclose(f) != 0;
    if (bad) {
        return hd_err_set(err, HD_EIO, path, 0, "write failed: %s", strerror(errno));
    }
    return 0;
}

int rpt_chart_write(const struct rpt_chart *c, const char *dir, const struct rpt_chart_opts *o,
                    int *drawn, struct hd_err *err)
{
    struct hd_buf script = HD_BUF_INIT, data = HD_BUF_INIT;
    int rc;

    *drawn = 0;
    if (rpt_chart_script(c, o && o->png, &script) || rpt_chart_data(c, &data)) {
        rc = hd_err_set(err, HD_EINTERNAL, c->name, 0, "chart too large");
        goto out;
    }
    rc = write_file(dir, c->name, ".gp", &script, err);
    if (!rc) {
        rc = write_file(dir, c->name, ".dat", &data, err);
    }
    if (rc || !rpt_chart_points(c) || !rpt_gnuplot_available(o)) {
        goto out;
    }
    rc = rpt_gnuplot_run(gnuplot_prog(o), dir, script.buf, script.len, err);
    if (rc) {
        hd_err_prefix(err, "chart '%s'", c->name);
        goto out;
    }
    *drawn = 1;
out:
    hd_buf_release(&script);
    hd_buf_release(&data);
    return rc;
}
