/* main.c — the `caveat` command: dispatches to one subcommand per cmd_<name>.c. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"check", cmd_check, "decide whether uses are permitted (JSON queries or flags)"},
    {"lint", cmd_lint, "check policy files: every error and warning with its place"},
    {"fmt", cmd_fmt, "print policy files in canonical layout"},
    {"test", cmd_test, "run a pack's own test cases"},
    {"where", cmd_where, "which countries and zones contain a point"},
    {"zones", cmd_zones, "zones or a use's permitted area as GeoJSON or an SVG map"},
    {"timeline", cmd_timeline, "the history of the conditions, one change a row"},
    {"diff", cmd_diff, "what changed between two dates, rule by rule"},
    {"sources", cmd_sources, "every source with the rules that cite it"},
    {"audit", cmd_audit, "decide every row of CSV/NDJSON event logs, in order, on all cores"},
    {"sample", cmd_sample, "write a synthetic CSV event log (for audit)"},
};

static void usage(FILE *f) {
    fputs("usage: caveat COMMAND [OPTIONS]\n\n"
          "caveat checks uses of supplied weapons against the conditions their suppliers set.\n"
          "With no --policy, commands use the default pack embedded in the binary.\n\ncommands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'caveat COMMAND --help' describes a command.\n", f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("caveat 0.1.0");
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int rc = commands[i].run(argc - 1, argv + 1);
            /* output that could not be written (a full disk, a closed pipe) is a failure */
            if (fflush(stdout) != 0 || ferror(stdout)) {
                perror("caveat: writing the output");
                return CLI_USAGE;
            }
            return rc;
        }
    fprintf(stderr, "caveat: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
