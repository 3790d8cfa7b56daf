/* cmd_test.c — `caveat test`: a pack's own test cases (docs/testing.md), run by the library
 * (cav_pack_test); this file finds the pack and its case files. */
#include "cli.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static cli_list policies;
static const char *format, *run;
static int verbose, coverage;
static const char *const formats[] = {"text", "json", "junit", NULL};

static const cli_opt opts[] = {
    {"run", 'r', OPT_STRING, &run, "REGEX", "run only the cases whose name matches", NULL},
    {"format", 'f', OPT_STRING, &format, "F", "report format", formats},
    {"coverage", 'c', OPT_FLAG, &coverage, NULL,
     "list the rules no case decides and the tests no case sees both true and false", NULL},
    {"verbose", 'v', OPT_FLAG, &verbose, NULL, "list passing cases too", NULL},
    CLI_ALLOW_OPT,
    CLI_END_OPTS};

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads every *.jsonl of dir/tests, in name order. */
static int read_cases(const char *dir, char ***names, char ***texts, size_t **lens, size_t *n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tests", dir);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "caveat test: %s: no tests directory\n", path);
        return -1;
    }
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL && rc == 0) {
        size_t len = strlen(e->d_name);
        if (len < 7 || strcmp(e->d_name + len - 6, ".jsonl") != 0 || e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **g = realloc(*names, cap * sizeof *g);
            if (!g) {
                rc = -1;
                break;
            }
            *names = g;
        }
        size_t need = strlen(path) + len + 2;
        (*names)[*n] = malloc(need);
        if (!(*names)[*n]) {
            rc = -1;
            break;
        }
        snprintf((*names)[(*n)++], need, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (rc != 0) {
        fputs("caveat test: out of memory\n", stderr);
        return -1;
    }
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_str);
    *texts = calloc(*n + 1, sizeof **texts);
    *lens = calloc(*n + 1, sizeof **lens);
    if (!*texts || !*lens)
        return -1;
    for (size_t i = 0; i < *n; i++)
        if (cli_read_file((*names)[i], &(*texts)[i], &(*lens)[i], "caveat test") != 0)
            return -1;
    return 0;
}

static int run_test(const char **args, int nargs) {
    int rc = CLI_OK;
    cav_format fmt = (cav_format)cli_format(format, formats, CAV_FMT_TEXT, "caveat test");
    char **names = NULL, **texts = NULL;
    size_t *lens = NULL, n = 0;
    cav_pack *p = NULL;
    if (nargs) {
        policies.n = 0;
        cli_list one = {(const char **)args, 1, 1};
        p = cli_load_pack(&one);
        if (!p || read_cases(args[0], &names, &texts, &lens, &n) != 0) {
            rc = CLI_USAGE;
            goto done;
        }
    } else {
        p = cli_load_pack(&policies);
        if (!p) {
            rc = CLI_USAGE;
            goto done;
        }
    }
    cav_test_opts o = {run, verbose, coverage};
    cav_test_result res;
    cav_buf out = {0};
    int err = nargs ? cav_pack_test(p, (const char *const *)names, (const char *const *)texts, lens,
                                    n, &o, fmt, &out, &res)
                    : cav_pack_test_default(p, &o, fmt, &out, &res);
    if (err == CAV_EINVAL) {
        fprintf(stderr, "caveat test: --run '%s' is not a valid regular expression\n", run);
        rc = CLI_USAGE;
    } else if (err != 0) {
        fprintf(stderr, "caveat test: %s\n", cav_strerror(err));
        rc = CLI_USAGE;
    } else {
        fwrite(out.data, 1, out.len, stdout);
        if (res.passed + res.failed + res.errors == 0) {
            fputs("caveat test: no test case ran\n", stderr);
            rc = CLI_INPUT_ERRORS;
        } else {
            rc =
                res.failed || res.errors || (coverage && res.uncovered) ? CLI_INPUT_ERRORS : CLI_OK;
        }
    }
    cav_buf_free(&out);
done:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(texts ? texts[i] : NULL);
    }
    free(names);
    free(texts);
    free(lens);
    cav_pack_release(p);
    return rc;
}

const cli_cmd cmd_test = {
    "test",
    "caveat test [OPTIONS] [PACKDIR]",
    "run a pack's own test cases",
    "Runs the test cases a pack ships (PACKDIR/tests/*.jsonl, docs/testing.md) against the pack\n"
    "in PACKDIR; with no PACKDIR, the embedded default pack and its embedded cases. A case that\n"
    "fails shows the expected and actual verdicts and deciding rules; a line that is no valid\n"
    "case is an error, never skipped.\n\n"
    "Exit status: 0 all passed (and, with --coverage, everything covered), 1 a case failed or\n"
    "was invalid, 2 usage or policy error.",
    0,
    1,
    opts,
    run_test};
