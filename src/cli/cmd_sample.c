/* cmd_sample.c — `caveat sample`: a synthetic CSV event log over a pack's catalog (cav_sample),
 * written to standard output, for trying and benchmarking the audit. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static cli_list policies;
static const char *rows, *seed, *bad_rate, *coords;
static const char *const coord_forms[] = {"decimal", "dms", "mgrs", NULL};

static const cli_opt opts[] = {
    CLI_POLICY_OPT(policies),
    {"rows", 'n', OPT_STRING, &rows, "N", "rows to write (default 1000)", NULL},
    {"seed", 's', OPT_STRING, &seed, "S", "the generator's seed (default 1)", NULL},
    {"bad-rate", 0, OPT_STRING, &bad_rate, "R",
     "share of rows (0 to 1) with one mistake each (default 0)", NULL},
    {"coords", 0, OPT_STRING, &coords, "FORM", "how positions are written (default decimal)",
     coord_forms},
    {NULL, 0, 0, NULL, NULL, NULL, NULL}};

/* Reads an unsigned integer option; 0 or -1 after printing the error. */
static int read_count(const char *name, const char *text, unsigned long long *v) {
    char *end;
    if (text[0] == '-' || (*v = strtoull(text, &end, 10), *end) || !text[0]) {
        fprintf(stderr, "caveat sample: --%s must be a whole number, not '%s'\n", name, text);
        return -1;
    }
    return 0;
}

static int run_sample(const char **args, int nargs) {
    (void)args, (void)nargs; /* takes no arguments */
    int rc = CLI_OK;
    unsigned long long n = 1000, s = 1;
    if ((rows && read_count("rows", rows, &n) != 0) || (seed && read_count("seed", seed, &s) != 0))
        return CLI_USAGE;
    double bad = 0;
    if (bad_rate) {
        char *end;
        bad = strtod(bad_rate, &end);
        if (*end || !(bad >= 0 && bad <= 1)) {
            fprintf(stderr, "caveat sample: --bad-rate must be 0 to 1, not '%s'\n", bad_rate);
            return CLI_USAGE;
        }
    }
    cav_pack *p = cli_load_pack(&policies);
    if (!p)
        return CLI_USAGE;
    cav_sample_opts o = {n, s, bad,
                         !coords || !strcmp(coords, "decimal") ? CAV_COORDS_DECIMAL
                         : !strcmp(coords, "dms")              ? CAV_COORDS_DMS
                                                               : CAV_COORDS_MGRS};
    fflush(stdout);
    rc = cav_sample(p, &o, STDOUT_FILENO);
    if (rc == CAV_EIO)
        fprintf(stderr, "caveat sample: write error: %s\n", strerror(errno));
    else if (rc != 0)
        fprintf(stderr, "caveat sample: %s\n", cav_strerror(rc));
    cav_pack_release(p);
    return rc ? CLI_USAGE : CLI_OK;
}

const cli_cmd cmd_sample = {
    "sample",
    "caveat sample [--rows N] [--seed S] [--bad-rate R] [--coords decimal|dms|mgrs] > LOG.csv",
    "write a synthetic CSV event log (for trying and benchmarking the audit)",
    "Writes a synthetic CSV event log to standard output: N rows with the query columns and\n"
    "passthrough columns (unit, source, note), names from the pack's catalog, deterministic for\n"
    "a seed. --bad-rate R makes that share of rows erroneous in one field each; --coords writes\n"
    "positions as degrees-minutes-seconds or MGRS instead of decimal degrees.",
    0,
    0,
    opts,
    run_sample};
