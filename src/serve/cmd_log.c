/* cmd_log.c — `caveat log verify` and `caveat log replay`: reading the decision log that
 * `caveat serve --log` writes (docs/serve.md, "The decision log").
 *
 * verify checks the SHA-256 chain of the files and names the first record that was altered,
 * removed, reordered or torn; replay decides every logged query again against a pack and lists
 * every decision that would now differ. Both are src/serve/logread.c; this is their command line.
 */
#include "cli.h"
#include "serve.h"

#include <string.h>

static cli_list policies;
static const char *format, *anchor;
static const char *const formats[] = {"text", "json", NULL};

static const cli_opt opts[] = {
    CLI_POLICY_OPT(policies),
    {"format", 'f', OPT_STRING, &format, "F", "replay: the differences as text or NDJSON", formats},
    {"anchor", 0, OPT_STRING, &anchor, "SEQ:HASH",
     "verify: a head of the chain recorded elsewhere (GET /healthz gives it) that the log must "
     "still contain; it catches a log rewritten from some record to its end",
     NULL},
    CLI_END_OPTS};

static int run_log(const char **args, int nargs) {
    int rc = CLI_OK;
    const char *what = args[0];
    const char *const *files = args + 1;
    int nfiles = nargs - 1;
    cav_buf out = {0};
    if (strcmp(what, "verify") == 0) {
        if (policies.n || format) {
            fputs("caveat log verify: --policy and --format go with replay\n", stderr);
            return CLI_USAGE;
        }
        rc = srv_log_verify(files, nfiles, anchor, &out);
        fwrite(out.data ? out.data : "", 1, out.len, rc == 2 ? stderr : stdout);
        cav_buf_free(&out);
        return rc == 0 ? CLI_OK : rc == 1 ? CLI_INPUT_ERRORS : CLI_USAGE;
    }
    if (strcmp(what, "replay") == 0) {
        if (anchor) {
            fputs("caveat log replay: --anchor goes with verify\n", stderr);
            return CLI_USAGE;
        }
        cav_pack *p = cli_load_pack(&policies);
        if (!p)
            return CLI_USAGE;
        long records, diffs;
        int json = format && strcmp(format, "json") == 0;
        rc = srv_log_replay(p, files, nfiles, json, &out, &records, &diffs);
        fwrite(out.data ? out.data : "", 1, out.len, rc ? stderr : stdout);
        if (rc == 0)
            fprintf(stderr, "caveat log replay: %ld records decided again with %s: %ld differ\n",
                    records, cav_pack_id(p), diffs);
        cav_buf_free(&out);
        cav_pack_release(p);
        return rc ? CLI_USAGE : diffs ? CLI_INPUT_ERRORS : CLI_OK;
    }
    fprintf(stderr, "caveat log: unknown action '%s' (verify or replay)\n", what);
    return CLI_USAGE;
}

const cli_cmd cmd_log = {
    "log",
    "caveat log verify [--anchor SEQ:HASH] FILE...\n"
    "       caveat log replay [--policy P] [--format F] FILE...",
    "verify or replay the decision log of `caveat serve --log`",
    "verify: checks that the log's records form one unbroken SHA-256 chain and names the first\n"
    "record that was altered, removed, reordered, or torn (an incomplete last record: a crash\n"
    "or a full disk). Rotated files may be given in any order. Exit status 0 intact, 1 broken or\n"
    "torn, 2 unreadable.\n\n"
    "replay: decides every logged query again (with --policy, against another pack) and lists\n"
    "every decision that now differs, the pack id aside: after a pack change, exactly the\n"
    "decisions the change altered. Exit status 0 no difference, 1 differences, 2 error.",
    2,
    -1,
    opts,
    run_log};
