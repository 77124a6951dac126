/*
 * handoff's entry point: the subcommand table and dispatch, as git.c does.
 * No logic lives here; each subcommand is cli/cmd_<name>.c.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

const struct cli_cmd cli_cmds[] = {
    {"ingest", cmd_ingest, "read ticket-history exports into the database"},
    {"simulate", cmd_simulate, "compare routing policies on a simulated scenario"},
    {"analyze", cmd_analyze, "escalation metrics and findings, from the database or files"},
    {"timeline", cmd_timeline, "one ticket's events, ownership segments and findings"},
    {"audit", cmd_audit, "what a policy would have done with history, and how much earlier"},
    {"report", cmd_report, "report folders: quarterly, SLA, checklist, comparison"},
    {"calibrate", cmd_calibrate, "fit a scenario from the database, for simulate --validate"},
    {"help", cmd_help, "show help for handoff or one subcommand"},
    {"version", cmd_version, "print the version"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fputs("usage: handoff [--version] [--help] <command> [<args>]\n\n"
          "handoff shows where tickets stall between arriving and the right team acting,\n"
          "and tests routing policies against volume spikes before they go live.\n\n"
          "commands:\n",
          f);
    for (const struct cli_cmd *c = cli_cmds; c->name; c++) {
        fprintf(f, "  %-10s %s\n", c->name, c->help);
    }
    fputs("\n'handoff help <command>' or 'handoff <command> --help' for one command.\n", f);
}

static const struct cli_cmd *find(const char *name)
{
    for (const struct cli_cmd *c = cli_cmds; c->name; c++) {
        if (!strcmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("handoff %s\n", HD_VERSION);
    return cli_finish(0);
}

int cmd_help(int argc, char **argv)
{
    const struct cli_cmd *c;
    char *sub[] = {NULL, "--help", NULL};

    if (argc < 2) {
        usage(stdout);
        return cli_finish(0);
    }
    c = find(argv[1]);
    if (!c) {
        return cli_usage(NULL, "unknown command '%s'", argv[1]);
    }
    if (c->fn == cmd_help || c->fn == cmd_version) {
        printf("usage: handoff %s\n\n%s\n", c->name, c->help);
        return cli_finish(0);
    }
    sub[0] = argv[1];
    return c->fn(2, sub);
}

int main(int argc, char **argv)
{
    const struct cli_cmd *c;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return cli_finish(0);
    }
    if (!strcmp(argv[1], "--version")) {
        return cmd_version(1, argv + 1);
    }
    c = find(argv[1]);
    if (!c) {
        return cli_usage(NULL, "unknown command '%s'", argv[1]);
    }
    return c->fn(argc - 1, argv + 1);
}
