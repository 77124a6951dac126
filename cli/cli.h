#ifndef HD_CLI_CLI_H
#define HD_CLI_CLI_H

/*
 * Shared plumbing for the subcommands in cli/: error printing, usage
 * errors, and the final check of stdout. Subcommands parse arguments, call
 * one library entry point, render, and map the return code to an exit code.
 */

#include <stdint.h>

struct hd_err;

typedef int cmd_fn(int argc, char **argv);

struct cli_cmd {
    const char *name;
    cmd_fn *fn;
    const char *help; /* one line */
};

/* The subcommand table (cli/main.c), ended by a NULL name. */
extern const struct cli_cmd cli_cmds[];

/* Print "handoff: error: SRC:LINE: MSG" and return the exit status for err->rc. */
int cli_fail(const struct hd_err *err);

/* Print "handoff: error: MSG" plus "try 'handoff CMD --help'" and return 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "handoff: warning: MSG" to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Flush and close stdout; a write error (disk full, closed pipe) becomes
 * exit 3 with a message. Returns `status` when stdout is fine.
 */
int cli_finish(int status);

/* Whether progress lines may be shown (stderr is a terminal). */
int cli_progress_ok(void);

/* Progress callback for the library layers: prints "\r" + line on stderr. */
void cli_progress(void *ctx, const char *line);

/*
 * Parse a --from/--to value: ISO 8601, or a bare date YYYY-MM-DD meaning
 * midnight UTC. Returns 0, or HD_EINPUT with the reason in err->msg.
 */
int cli_parse_when(const char *s, int64_t *out, struct hd_err *err);

/* Subcommands. */
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

#endif
