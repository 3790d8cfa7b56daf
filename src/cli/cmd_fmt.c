/* cmd_fmt.c — `caveat fmt`: policy files in canonical layout, printed or rewritten in place.
 * A file with syntax errors is never rewritten. --write replaces a file atomically (temporary
 * file, then rename), so an interrupted run leaves the old file whole. */
#include "cli/cli.h"
#include "core/diag.h"
#include "lang/fmt.h"
#include "lang/pack.h"

#include <stdlib.h>
#include <string.h>

static const char fmt_help[] =
    "usage: caveat fmt [--write | --check] FILE...\n\n"
    "Prints each policy file in canonical layout. --write rewrites the files in place;\n"
    "--check prints nothing and exits 1 if some file is not in canonical layout.\n";

static int fmt_one(const char *path, int write, int check) {
    cav_diags *d = cav_diags_new();
    char *text = cav__read_policy_file(path, d);
    if (!text) {
        cli_print_diags(d, stderr, 0);
        cav_diags_free(d);
        return CLI_USAGE;
    }
    size_t len = strlen(text);
    cav_parse ps = {0};
    int rc = cav__parse_file(&ps, path, text, d);
    if (rc != 0 || cav_diags_errors(d)) {
        cli_print_diags(d, stderr, 0);
        rc = CLI_USAGE;
        goto cleanup;
    }
    char *out = NULL;
    size_t outlen = 0;
    FILE *mem = open_memstream(&out, &outlen);
    if (!mem) {
        rc = CLI_USAGE;
        goto cleanup;
    }
    cav__fmt_file(&ps, 0, mem);
    fclose(mem);
    if (check) {
        rc = outlen != len || memcmp(out, text, len) != 0 ? CLI_INPUT_ERRORS : CLI_OK;
        if (rc)
            printf("%s: not in canonical layout\n", path);
    } else if (write) {
        if (cli_write_output(path, out, outlen, "caveat fmt", NULL) != 0)
            rc = CLI_USAGE;
    } else {
        fwrite(out, 1, outlen, stdout);
    }
    free(out);
cleanup:
    cav__parse_free(&ps);
    cav_diags_free(d);
    free(text);
    return rc;
}

int cmd_fmt(int argc, char **argv) {
    int write = 0, check = 0, rc = CLI_OK, files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(fmt_help, stdout);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--write") == 0)
            write = 1;
        else if (strcmp(argv[i], "--check") == 0)
            check = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "caveat fmt: unknown option '%s'\n", argv[i]);
            return CLI_USAGE;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        files++;
        int r = fmt_one(argv[i], write, check);
        if (r > rc)
            rc = r;
    }
    if (!files) {
        fputs(fmt_help, stderr);
        return CLI_USAGE;
    }
    return rc;
}
