/* cmd_fmt.c — `caveat fmt`: policy files in canonical layout (the library's cav_fmt), printed,
 * checked, shown as a unified diff, or rewritten in place atomically (a file with syntax errors
 * is never rewritten; a read-only file is refused, as cli_write_output does). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int write_back, check, diff;

static const cli_opt opts[] = {
    {"write", 'w', OPT_FLAG, &write_back, NULL, "rewrite the files in place", NULL},
    {"check", 'c', OPT_FLAG, &check, NULL,
     "change nothing; name each file not in canonical layout and exit with status 1", NULL},
    {"diff", 'd', OPT_FLAG, &diff, NULL, "print what would change, as a unified diff", NULL},
    CLI_END_OPTS};

static int fmt_one(const char *path) {
    char *text = NULL;
    size_t len = 0;
    if (cli_read_file(path, &text, &len, "caveat fmt") != 0)
        return CLI_USAGE;
    if (memchr(text, '\0', len)) {
        fprintf(stderr, "caveat fmt: %s: contains a NUL byte (is it a text file?)\n", path);
        free(text);
        return CLI_USAGE;
    }
    cav_diags *d = cav_diags_new();
    cav_buf out = {0};
    int rc = CLI_OK, err = cav_fmt(path, text, d, &out);
    if (err != 0) {
        cli_print_diags(d, stderr, 0);
        if (err != CAV_EPOLICY)
            fprintf(stderr, "caveat fmt: %s: %s\n", path, cav_strerror(err));
        rc = CLI_USAGE;
    } else {
        int changed = out.len != len || memcmp(out.data ? out.data : "", text, len) != 0;
        if (check || diff) {
            if (changed && check && !diff)
                printf("%s: not in canonical layout\n", path);
            if (changed && diff) {
                cav_buf d2 = {0};
                if (cav_fmt_diff(path, text, len, out.data ? out.data : "", out.len, &d2) != 0)
                    fprintf(stderr, "caveat fmt: %s: out of memory for the diff\n", path);
                fwrite(d2.data ? d2.data : "", 1, d2.len, stdout);
                cav_buf_free(&d2);
            }
            rc = changed ? CLI_INPUT_ERRORS : CLI_OK;
        } else if (write_back) {
            if (changed && cli_write_output(path, out.data, out.len, "caveat fmt", NULL, NULL) != 0)
                rc = CLI_USAGE;
        } else {
            fwrite(out.data ? out.data : "", 1, out.len, stdout);
        }
    }
    cav_buf_free(&out);
    cav_diags_free(d);
    free(text);
    return rc;
}

static int run_fmt(const char **args, int nargs) {
    int rc = CLI_OK;
    if (write_back + check + diff > 1) {
        fputs("caveat fmt: give one of --write, --check and --diff\n", stderr);
        return CLI_USAGE;
    }
    for (int i = 0; i < nargs; i++) {
        int r = fmt_one(args[i]);
        if (r > rc)
            rc = r;
    }
    return rc;
}

const cli_cmd cmd_fmt = {
    "fmt",
    "caveat fmt [--write | --check | --diff] FILE...",
    "print policy files in canonical layout",
    "Prints each policy file in canonical layout (docs/language.md, \"Layout\"); comments are\n"
    "kept and the result parses to the same pack. --write rewrites the files in place (a file\n"
    "is replaced only whole, keeping its permissions; a file with syntax errors is never\n"
    "rewritten); --check exits with status 1 when a file is not in canonical layout; --diff shows\n"
    "the changes as a unified diff.",
    1,
    -1,
    opts,
    run_fmt};
