/* Error printing, usage errors and stdout checks shared by subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/time.h"

int cli_fail(const struct hd_err *err)
{
    char line[512];
    fflush(stdout);
    fprintf(stderr, "handoff: error: %s\n", hd_err_format(err, line, sizeof(line)));
    return hd_rc_exit_status(err->rc ? err->rc : HD_EINTERNAL);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("handoff: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd) {
        fprintf(stderr, "\ntry 'handoff %s --help'\n", cmd);
    } else {
        fputs("\ntry 'handoff --help'\n", stderr);
    }
    return 2;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("handoff: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_finish(int status)
{
    int bad = ferror(stdout);
    if (fclose(stdout) != 0) {
        bad = 1;
    }
    if (bad) {
        fprintf(stderr, "handoff: error: cannot write output: %s\n",
                errno ? strerror(errno) : "write error");
        return 3;
    }
    return status;
}

int cli_progress_ok(void)
{
    return isatty(2);
}

void cli_progress(void *ctx, const char *line)
{
    (void)ctx;
    if (line) {
        fprintf(stderr, "\r%s\033[K", line);
    } else {
        fputs("\r\033[K", stderr);
    }
    fflush(stderr);
}

int cli_parse_when(const char *s, int64_t *out, struct hd_err *err)
{
    char buf[64];

    if (strlen(s) == 10) { /* a bare date: midnight UTC */
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
        s = buf;
    }
    return hd_time_parse(s, strlen(s), HD_TF_ISO8601, NULL, out, err);
}
