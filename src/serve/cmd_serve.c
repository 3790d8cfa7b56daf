/* cmd_serve.c — `caveat serve`: the HTTP decision service (docs/serve.md).
 *
 * This file only reads the command line into a srv_config; the service itself is src/serve/
 * (server.c and the modules its header lists), a front end over libcaveat like this command
 * line. Sizes accept a suffix k, M or G (powers of 1024).
 */
#include "cli.h"
#include "serve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static cli_list policies;
static const char *listen_at, *token_file, *log_path, *log_sync, *log_max, *threads, *max_conn,
    *timeout, *max_body, *max_buffered, *drain;
static int watch, access_log;

static const char *const sync_values[] = {"always", "batch", "none", NULL};

static const cli_opt opts[] = {
    CLI_POLICY_OPT(policies),
    {"listen", 'l', OPT_STRING, &listen_at, "ADDR",
     "address and port, 127.0.0.1:8080 by default; a non-loopback address needs --token-file; "
     "port 0 picks a free port (printed on stderr)",
     NULL},
    {"token-file", 't', OPT_STRING, &token_file, "FILE",
     "bearer tokens, one per line: every /v1 request must carry one (Authorization: Bearer)", NULL},
    {"watch", 'w', OPT_FLAG, &watch, NULL, "reload the pack when a --policy file changes", NULL},
    {"log", 0, OPT_STRING, &log_path, "FILE",
     "the decision log: one record per decision, chained by SHA-256 (`caveat log verify`)", NULL},
    {"log-sync", 0, OPT_STRING, &log_sync, "WHEN",
     "always: a decision is answered once on disk (one fdatasync for every request waiting); "
     "batch (the default): answered once written, synced in groups within 5 ms; none: never "
     "synced by the server",
     sync_values},
    {"log-max-size", 0, OPT_STRING, &log_max, "SIZE",
     "rotate the log when it would grow past SIZE (e.g. 256M); the new file continues the chain",
     NULL},
    {"threads", 0, OPT_STRING, &threads, "N", "HTTP threads (default: one per core)", NULL},
    {"max-connections", 0, OPT_STRING, &max_conn, "N", "open connections at once (default 1000)",
     NULL},
    {"timeout", 0, OPT_STRING, &timeout, "S",
     "close a connection idle or stalled for S seconds (default 15)", NULL},
    {"max-body", 0, OPT_STRING, &max_body, "SIZE",
     "the largest request body (default 64M; larger: 413)", NULL},
    {"max-buffered", 0, OPT_STRING, &max_buffered, "SIZE",
     "request bodies held at once, all requests together (default 512M; beyond: 503)", NULL},
    {"drain", 0, OPT_STRING, &drain, "S",
     "on SIGTERM, wait at most S seconds for requests in flight (default 30)", NULL},
    {"access-log", 0, OPT_FLAG, &access_log, NULL,
     "one line per request on stderr: request id, endpoint, status, time (never a header)", NULL},
    CLI_END_OPTS};

/* A size with an optional k/M/G suffix; -1 after printing the error. */
static int size_of(const char *text, const char *opt, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024ULL, end++;
    else if (*end == 'M')
        mul = 1024ULL * 1024, end++;
    else if (*end == 'G')
        mul = 1024ULL * 1024 * 1024, end++;
    if (end == text || *end || errno || text[0] == '-' || v > UINT64_MAX / mul) {
        fprintf(stderr, "caveat serve: --%s: '%s' is not a size (a number, with k, M or G)\n", opt,
                text);
        return -1;
    }
    *out = v * mul;
    return 0;
}

static int count_of(const char *text, const char *opt, unsigned lo, unsigned hi, unsigned *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < (long)lo || v > (long)hi) {
        fprintf(stderr, "caveat serve: --%s: '%s' is not a number from %u to %u\n", opt, text, lo,
                hi);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int run_serve(const char **args, int nargs) {
    (void)args, (void)nargs; /* takes no arguments */
    srv_config c = {0};
    c.listen = listen_at ? listen_at : "127.0.0.1:8080";
    c.policies = policies.v;
    c.npolicies = policies.n;
    c.token_file = token_file;
    c.watch = watch;
    c.log_path = log_path;
    c.log_sync = !log_sync || strcmp(log_sync, "batch") == 0 ? SRV_SYNC_BATCH
                 : strcmp(log_sync, "always") == 0           ? SRV_SYNC_ALWAYS
                                                             : SRV_SYNC_NONE;
    c.max_connections = 1000;
    c.timeout_s = 15;
    c.drain_s = 30;
    c.access_log = access_log;
    uint64_t body = 64ULL << 20, buffered = 512ULL << 20, logmax = 0;
    unsigned nthreads = 0;
    if ((log_max && size_of(log_max, "log-max-size", &logmax) != 0) ||
        (max_body && size_of(max_body, "max-body", &body) != 0) ||
        (max_buffered && size_of(max_buffered, "max-buffered", &buffered) != 0) ||
        (threads && count_of(threads, "threads", 1, 256, &nthreads) != 0) ||
        (max_conn && count_of(max_conn, "max-connections", 1, 1000000, &c.max_connections) != 0) ||
        (timeout && count_of(timeout, "timeout", 1, 86400, &c.timeout_s) != 0) ||
        (drain && count_of(drain, "drain", 0, 86400, &c.drain_s) != 0))
        return CLI_USAGE;
    if ((log_sync || log_max) && !log_path) {
        fputs("caveat serve: --log-sync and --log-max-size go with --log FILE\n", stderr);
        return CLI_USAGE;
    }
    c.threads = (int)nthreads;
    c.max_body = (size_t)body;
    c.max_buffered = (size_t)buffered;
    c.log_max_bytes = logmax;
    return srv_run(&c) == 0 ? CLI_OK : CLI_USAGE;
}

const cli_cmd cmd_serve = {
    "serve",
    "caveat serve [OPTIONS]",
    "the decision service over HTTP, with a tamper-evident decision log",
    "Answers decisions over HTTP/1.1: POST /v1/decisions (a JSON query, an array or NDJSON; one\n"
    "NDJSON line per query, byte for byte what `caveat check` prints), GET /v1/decisions with\n"
    "the query as parameters, the reports /v1/zones, /v1/diff, /v1/timeline, /v1/sources and\n"
    "/v1/pack, /healthz and /metrics (Prometheus); /v1/openapi.json describes them all\n"
    "(docs/serve.md). SIGHUP (or --watch) reloads the pack beside the old one and swaps it when\n"
    "it has no error; SIGTERM drains the requests in flight, syncs the log and exits. With --log\n"
    "every decision is written to the log before it is answered; a decision that cannot be\n"
    "logged is refused with 503.",
    0,
    0,
    opts,
    run_serve};
