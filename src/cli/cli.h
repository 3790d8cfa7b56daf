/* cli.h — shared pieces of the `caveat` command line: pack loading with diagnostics on stderr,
 * bounded line reading, and the subcommand entry points (one cmd_<name>.c each). */
#ifndef CAV_CLI_H
#define CAV_CLI_H

#include "caveat.h"

#include <stdio.h>

#define CAV_MAX_LINE (1024 * 1024) /* longest query line accepted; longer lines are errors */

/* Exit statuses shared by every subcommand. */
enum { CLI_OK = 0, CLI_INPUT_ERRORS = 1, CLI_USAGE = 2 };

/* Loads the pack from the --policy paths, or the embedded default when there are none. Prints
 * every diagnostic to stderr (warnings only when show_warnings). Returns NULL on failure. */
cav_pack *cli_load_pack(const char *const *paths, int npaths, int show_warnings);

/* Prints all diagnostics of d to f. */
void cli_print_diags(const cav_diags *d, FILE *f, int show_warnings);

/* Reads one line (without its newline) into *buf (grown as needed up to CAV_MAX_LINE bytes).
 * Returns the line length, -1 at end of input, or -2 when the line was longer than the limit
 * (the rest of that line has been consumed and discarded). */
long cli_read_line(FILE *in, char **buf, size_t *cap);

/* A use given as options (dates and names as written); NULL for what was not given. */
typedef struct cli_use {
    const char *date, *weapon, *party, *purpose, *kind, *state;
} cli_use;

/* Parses a use into q with the library's query reader (the target point is 0, 0). Errors are
 * printed as "WHO: --option: message"; returns 0 or -1. */
int cli_use_query(const cav_pack *p, const cli_use *u, cav_query *q, const char *who);

/* Writes len bytes to path through a temporary file in the same directory and a rename, so a
 * failed or killed run never leaves a partial file; to stdout when path is NULL or "-"; in place
 * when path is a device or FIFO (never renamed over /dev/null); a directory is an error. Errors
 * are printed as "WHO: OPT PATH: ..." (opt, the option that named the path, may be NULL);
 * returns 0 or -1. */
int cli_write_output(const char *path, const char *data, size_t len, const char *who,
                     const char *opt);

int cmd_check(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_where(int argc, char **argv);
int cmd_zones(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_sample(int argc, char **argv);

#endif
