/* cmd_pack.c — `caveat pack export DIR`: the embedded default pack written out as files (its
 * .cav files and its test cases), so a user can read it, change it, or build on it with
 * `--policy DIR` or `--policy @default --policy mine.cav`. */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int force;

static const cli_opt opts[] = {
    {"force", 0, OPT_FLAG, &force, NULL, "replace files that exist already", NULL}, CLI_END_OPTS};

static int run_pack(const char **args, int nargs) {
    (void)nargs; /* a fixed count, checked by cli_parse */
    if (strcmp(args[0], "export") != 0) {
        fprintf(stderr, "caveat pack: unknown action '%s' (export)\n", args[0]);
        return CLI_USAGE;
    }
    const char *dir = args[1];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "caveat pack export: %s: %s\n", dir, strerror(errno));
        return CLI_USAGE;
    }
    char tests[4096];
    snprintf(tests, sizeof tests, "%s/tests", dir);
    if (mkdir(tests, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "caveat pack export: %s: %s\n", tests, strerror(errno));
        return CLI_USAGE;
    }
    const char *path, *text;
    size_t len;
    int n = 0;
    for (size_t i = 0; cav_default_file(i, &path, &text, &len) == 0; i++) {
        char out[8192];
        snprintf(out, sizeof out, "%s/%s", dir, path);
        struct stat st;
        if (!force && stat(out, &st) == 0) {
            fprintf(stderr, "caveat pack export: %s exists (--force replaces it)\n", out);
            return CLI_USAGE;
        }
        if (cli_write_output(out, text, len, "caveat pack export", NULL, NULL) != 0)
            return CLI_USAGE;
        n++;
    }
    printf("wrote %d files of the default pack to %s\n", n, dir);
    return CLI_OK;
}

const cli_cmd cmd_pack = {
    "pack",
    "caveat pack export [--force] DIR",
    "write the embedded default pack out as files",
    "Writes the embedded default pack (its .cav files and its test cases, tests/*.jsonl) into\n"
    "DIR, so it can be read, changed, tested (`caveat test DIR`) and used (`--policy DIR`). To "
    "add\n"
    "your own rules on top of the default pack without copying it, give both:\n"
    "`--policy @default --policy mine.cav`.",
    2,
    2,
    opts,
    run_pack};
