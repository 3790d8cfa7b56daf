/* cmd_lint.c — `caveat lint`: every error and warning of policy files, with place, caret, hint. */
#include "cli/cli.h"
#include "core/diag.h"
#include "lang/pack.h"

#include <string.h>

static const char lint_help[] =
    "usage: caveat lint [--overlaps] [--strict] FILE|DIR...\n\n"
    "Checks policy files as one pack: syntax, names (with the nearest known names as hints),\n"
    "dates, sources, zones; warns about rules that can never match, permits that a forbid always\n"
    "overrides and redundant rules. --overlaps also lists every permit/forbid pair that can match\n"
    "the same use. Exit status: 0 clean (warnings allowed unless --strict), 1 warnings with\n"
    "--strict, 2 errors.\n";

int cmd_lint(int argc, char **argv) {
    const char *paths[256];
    int n = 0, overlaps = 0, strict = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(lint_help, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--overlaps") == 0) {
            overlaps = 1;
        } else if (strcmp(argv[i], "--strict") == 0) {
            strict = 1;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "caveat lint: unknown option '%s'\n", argv[i]);
            return CLI_USAGE;
        } else if (n < 256) {
            paths[n++] = argv[i];
        }
    }
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    int rc = n ? cav_pack_load(paths, (size_t)n, d, &p) : cav_pack_load_default(d, &p);
    if (rc == 0 && overlaps) {
        cav__pack_analyze(p, NULL, d, 1);
        cav__diags_sort(d, 0);
    }
    cli_print_diags(d, stdout, 1);
    size_t errors = cav_diags_errors(d), warnings = cav_diags_count(d) - errors;
    printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings,
           warnings == 1 ? "" : "s");
    cav_pack_release(p);
    cav_diags_free(d);
    if (rc != 0)
        return CLI_USAGE;
    return strict && warnings ? CLI_INPUT_ERRORS : CLI_OK;
}
