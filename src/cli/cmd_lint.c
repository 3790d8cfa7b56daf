/* cmd_lint.c — `caveat lint`: every error and warning of policy files, with place, caret and
 * hint, as text, JSON or SARIF (for code scanning in CI). Loading and the analysis are the
 * library's (cav_pack_load, cav_pack_lint, cav_diags_write). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static cli_list bases;
static const char *format;
static int overlaps, strict;
static const char *const formats[] = {"text", "json", "sarif", NULL};

static const cli_opt opts[] = {
    {"base", 'b', OPT_LIST, &bases, "P",
     "lint the files on top of pack P (repeatable; @default is the embedded pack)", NULL},
    {"overlaps", 0, OPT_FLAG, &overlaps, NULL,
     "list every permit/forbid pair that can match the same use instead", NULL},
    {"strict", 0, OPT_FLAG, &strict, NULL, "exit with status 1 when there are warnings", NULL},
    {"format", 'f', OPT_STRING, &format, "F", "output format", formats},
    CLI_ALLOW_OPT,
    CLI_END_OPTS};

static int run_lint(const char **args, int nargs) {
    int rc = CLI_OK;
    int fmt = cli_format(format, formats, CAV_FMT_TEXT, "caveat lint");
    size_t n = (size_t)bases.n + (size_t)nargs;
    const char **paths = malloc((n + 1) * sizeof *paths);
    cav_diags *d = cav_diags_new();
    if (!paths || !d) {
        free(paths);
        cav_diags_free(d);
        return CLI_USAGE;
    }
    for (int i = 0; i < bases.n; i++)
        paths[i] = bases.v[i];
    for (int i = 0; i < nargs; i++)
        paths[bases.n + i] = args[i];
    cav_pack *p = NULL;
    cav_load_opts lo = cli_load_opts();
    int err = n ? cav_pack_load_opts(paths, n, &lo, d, &p) : cav_pack_load_default(d, &p);
    if (err == 0)
        cav_pack_lint(p, overlaps ? CAV_LINT_OVERLAPS : 0, d);
    cav_buf o = {0};
    cav_diags_write(d, 1, (cav_format)fmt, &o);
    size_t errors = cav_diags_errors(d), warnings = cav_diags_count(d) - errors;
    if (fmt == CAV_FMT_TEXT)
        cav_buf_append(&o, "", 0);
    rc = cli_emit(&o, 0, "caveat lint");
    if (fmt == CAV_FMT_TEXT)
        printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s");
    cav_pack_release(p);
    cav_diags_free(d);
    free(paths);
    if (rc != CLI_OK || err != 0)
        return CLI_USAGE;
    return strict && warnings ? CLI_INPUT_ERRORS : CLI_OK;
}

const cli_cmd cmd_lint = {
    "lint",
    "caveat lint [OPTIONS] [FILE|DIR...]",
    "check policy files: every error and warning with its place",
    "Checks policy files as one pack (with no file, the embedded pack): syntax, names (with the\n"
    "nearest known names as hints), dates, sources, zones; warns about rules that can never\n"
    "match, permits that can never permit because a forbid overrides them, and redundant rules;\n"
    "--overlaps lists every permit/forbid pair that can match the same use.\n\n"
    "Exit status: 0 no error (warnings allowed unless --strict), 1 warnings with --strict,\n"
    "2 errors.",
    0,
    -1,
    opts,
    run_lint};
