/* serve.h — the pieces of `caveat serve`, the HTTP decision service, and of `caveat log`, which
 * reads the service's decision log.
 *
 * The service is a front end like the command line: it includes only caveat.h and system or
 * library headers (libmicrohttpd, OpenSSL), and every answer it gives is a call into libcaveat.
 * Its modules, one file each:
 *
 *   server.c   the HTTP daemon (libmicrohttpd): routing, access, limits, draining
 *   decide.c   the decision endpoints: one query, a stream of them, and the lines they give
 *   reports.c  zones, diff, timeline, sources and the pack's description
 *   params.c   URL parameters bound to a query through cav_query_set, the one query mechanism
 *   packs.c    the current pack, reloaded beside the old one and swapped atomically
 *   auth.c     bearer tokens, kept as SHA-256 hashes and compared in constant time
 *   metrics.c  counters and latency histograms in the Prometheus text format
 *   declog.c   the decision log: append-only NDJSON chained by SHA-256, synced, rotated
 *   logread.c  verifying and replaying a decision log (`caveat log`)
 *   static.c   files served as they are (the web map, the OpenAPI description)
 *   panic.c    the report, with the counters, when libmicrohttpd cannot go on
 *
 * Ownership: every object here has one new/free (or open/close) pair; packs are shared by
 * reference (cav_pack_retain/release), so a request keeps the pack it started with however many
 * reloads happen before it ends. Nothing here is a mutable global: the daemon's state is one
 * srv_server passed to every callback (the one process-wide setting is libmicrohttpd's panic
 * function, panic.c).
 */
#ifndef CAV_SERVE_H
#define CAV_SERVE_H

#include "caveat.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ---- configuration (cmd_serve.c fills it from the command line) ---- */

enum { SRV_SYNC_NONE = 0, SRV_SYNC_BATCH = 1, SRV_SYNC_ALWAYS = 2 };

typedef struct srv_config {
    const char *listen;          /* "HOST:PORT" or "[V6]:PORT"; port 0 picks a free one */
    const char *const *policies; /* --policy paths, or none for the embedded pack */
    int npolicies;
    const char *token_file;   /* NULL: no tokens, loopback only */
    int watch;                /* reload when a policy file changes (inotify) */
    const char *log_path;     /* the decision log, or NULL */
    int log_sync;             /* SRV_SYNC_* */
    uint64_t log_max_bytes;   /* rotate past this size (0: never) */
    int threads;              /* HTTP threads (0: one per core) */
    unsigned max_connections; /* open connections at once */
    unsigned timeout_s;       /* an idle or stalled connection is closed after this */
    size_t max_body;          /* largest request body */
    size_t max_buffered;      /* request bodies held at once, all requests together */
    unsigned drain_s;         /* how long SIGTERM waits for requests in flight */
    int access_log;           /* one line per request on stderr */
} srv_config;

/* Runs the service until SIGTERM or SIGINT: starts the daemon, answers, reloads on SIGHUP (and
 * file changes with watch), then drains and closes the log. Messages go to stderr. Returns the
 * process's exit status (0, or 2 when it could not start). */
int srv_run(const srv_config *c);

/* ---- metrics ---- */

typedef enum srv_endpoint {
    EP_DECISIONS_GET,
    EP_DECISIONS_POST,
    EP_ZONES,
    EP_DIFF,
    EP_TIMELINE,
    EP_SOURCES,
    EP_PACK,
    EP_OPENAPI,
    EP_HEALTHZ,
    EP_METRICS,
    EP_STATIC,
    EP_OTHER, /* unknown paths and methods */
    EP_COUNT
} srv_endpoint;

#define SRV_NBUCKETS 14          /* latency histogram buckets, +Inf excluded */
#define SRV_MAP_CACHE_ENTRIES 64 /* uses whose map areas the service keeps (cav_map_cache) */
#define SRV_NCODES 12            /* the status codes counted apart, the last one "other" */

typedef struct srv_metrics {
    atomic_ullong requests[EP_COUNT][SRV_NCODES];
    atomic_ullong latency[EP_COUNT][SRV_NBUCKETS + 1]; /* non-cumulative; last: above all */
    atomic_ullong latency_us[EP_COUNT];                /* sum, in microseconds */
    atomic_ullong verdicts[4];                         /* by cav_verdict */
    atomic_ullong query_errors;                        /* error lines */
    atomic_ullong reloads_ok, reloads_failed;
    atomic_ullong log_records, log_fsyncs, log_bytes, log_failures, log_rotations;
    atomic_ullong refused_unlogged; /* requests refused because the log could not be written */
    atomic_llong connections, inflight;
} srv_metrics;

/* The name of an endpoint as the metrics label it ("decisions_get", ...). */
const char *srv_endpoint_name(srv_endpoint e);
/* Counts one finished request of endpoint e with HTTP status code, taking seconds. */
void srv_metrics_request(srv_metrics *m, srv_endpoint e, unsigned code, double seconds);
/* Appends every metric in the Prometheus text exposition format (version 0.0.4). The pack's id and
 * load time are given by the caller. */
int srv_metrics_write(srv_metrics *m, const char *pack_id, double pack_loaded, cav_buf *out);

/* Makes libmicrohttpd's fatal errors write one whole line to standard error, with m's counters,
 * then abort (panic.c); NULL sets libmicrohttpd's own report back. Process-wide. */
void srv_panic_install(srv_metrics *m);
/* That line, formatted into buf (n bytes, always ended by a newline and a NUL when n >= 2);
 * returns its length. A reason's line breaks become spaces. */
size_t srv_panic_format(char *buf, size_t n, srv_metrics *m, const char *file, unsigned line,
                        const char *reason);

/* ---- packs ---- */

typedef struct srv_packs srv_packs;
/* Loads the pack from paths (none: the embedded default) and keeps it as the current one. Returns
 * NULL after printing the errors to err when the first load fails. The paths are copied. */
srv_packs *srv_packs_new(const char *const *paths, int npaths, srv_metrics *m, FILE *err);
void srv_packs_free(srv_packs *s);
/* The current pack, with a reference the caller drops with cav_pack_release. Never NULL. */
cav_pack *srv_packs_acquire(srv_packs *s);
/* Loads the pack again beside the current one; on success swaps it in (requests in flight keep
 * the one they hold), on failure keeps the current pack and remembers the errors for /v1/pack.
 * Messages go to err. Returns 0 or -1. Thread-safe. */
int srv_packs_reload(srv_packs *s, FILE *err);
/* Watches the policy files' directories with inotify; returns the descriptor to poll, or -1
 * after printing why. */
int srv_packs_watch(srv_packs *s, FILE *err);
/* After the watch descriptor polled readable: reads its events; 1 when a policy file changed. */
int srv_packs_watch_event(srv_packs *s);
/* The seconds since the epoch at which the current pack was loaded. */
double srv_packs_loaded(srv_packs *s);
/* Appends the JSON description of the current pack for GET /v1/pack: id, hash, name, time zone,
 * load time, reload counts, the errors of the last failed reload (or null), and the catalogs a
 * user interface offers. */
int srv_packs_describe(srv_packs *s, cav_buf *out);

/* ---- access ---- */

typedef struct srv_tokens srv_tokens;
/* Reads a token file: one token per line (blank lines and lines starting with '#' ignored),
 * kept only as SHA-256 hashes. NULL after printing why (unreadable, empty, or readable by others
 * than its owner is only warned about). */
srv_tokens *srv_tokens_load(const char *path, FILE *err);
void srv_tokens_free(srv_tokens *t);
/* 1 when the Authorization header value is "Bearer <token>" for a known token. Compares the
 * token's hash with every stored hash in constant time. */
int srv_tokens_check(const srv_tokens *t, const char *authorization);

/* ---- URL parameters ---- */

#define SRV_MAX_PARAMS 32
typedef struct srv_param {
    const char *key, *value; /* decoded, NUL-terminated; owned by the caller */
} srv_param;
typedef struct srv_params {
    srv_param v[SRV_MAX_PARAMS];
    int n;
    int overflow; /* more than SRV_MAX_PARAMS were given */
    int nul;      /* a key or value held a NUL byte (it would be cut there) */
} srv_params;

/* The query field a URL parameter names: the short names of the decisions endpoint ("lat",
 * "kind", "uncertainty_m", "launch_lat") or any spelling cav_qfield_find knows; -1 for none. */
int srv_param_field(const char *key);
/* The value of parameter key, or NULL. */
const char *srv_params_get(const srv_params *ps, const char *key);
/* Binds the use described by ps into q through cav_query_set, then cav_query_finish. Parameters
 * named in `other` (NULL-terminated; e.g. "format") are skipped; "id" and "explain" are read into
 * *id (JSON text) and *flags. Any other parameter is an error. When no_point is set the target
 * point is not required (maps ignore it). Returns 0 or CAV_EQUERY with every problem in e. */
int srv_params_bind(const cav_pack *p, const srv_params *ps, const char *const *other, int no_point,
                    cav_query *q, cav_qerrors *e, cav_buf *id, unsigned *flags);
/* Appends ps as a URL query string ("weapon=gmlrs&lat=50.6"), every byte that is not
 * unreserved percent-encoded: the form in which the log records a GET query. */
int srv_params_encode(const srv_params *ps, cav_buf *out);
/* Parses a URL query string into ps, decoding in place in buf (which ps then points into).
 * Returns 0 or -1 (too many parameters). */
int srv_params_parse(char *buf, srv_params *ps);

/* ---- the decision log ---- */

typedef struct srv_log srv_log;
/* One request's records before they are chained: each record's members after "seq" and before
 * "prev" (`"time":...,"decision":{...}`), appended one after another; ends[i] is where record i
 * ends in text. */
typedef struct srv_logbatch {
    cav_buf text;
    size_t *ends;
    size_t n, cap;
} srv_logbatch;
/* Ends the current record (its members are in b->text since the previous one). 0 or -1. */
int srv_logbatch_mark(srv_logbatch *b);
void srv_logbatch_clear(srv_logbatch *b);
void srv_logbatch_free(srv_logbatch *b);

/* Opens (or creates) the log at path and finds where its chain stands: the last complete
 * record, in path or, when path is empty, in its newest rotated file. A torn tail (an incomplete
 * last line) is moved aside to path.torn-SEQ-TIME and reported on err, so the chain continues
 * from the last complete record. Returns NULL after printing why. */
srv_log *srv_log_open(const char *path, int sync, uint64_t max_bytes, srv_metrics *m, FILE *err);
/* Appends b's records, numbered and chained, and makes them as durable as the sync policy says
 * before returning: always (synced: one fdatasync shared by every append waiting, a group
 * commit), batch (written; synced within SRV_BATCH_WINDOW_MS) or none (written). Returns 0, or -1
 * when they could not be written or synced: then nothing of them remains in the file (it is cut
 * back) and the caller must not answer with the decisions. Thread-safe. */
int srv_log_append(srv_log *l, const srv_logbatch *b);
/* Called once an append queued by srv_log_append_async is durable (ok 1) or refused (ok 0),
 * from the log's sync thread. */
typedef void (*srv_log_done)(void *cls, int ok);
/* As srv_log_append, without waiting for the sync of --log-sync always: returns 0 (durable: no
 * callback), 1 (written; done(cls, ok) follows from the sync thread), or -1 (refused: no
 * callback, nothing kept). */
int srv_log_append_async(srv_log *l, const srv_logbatch *b, srv_log_done done, void *cls);
/* 1 when appends wait for their sync (--log-sync always): use srv_log_append_async. */
int srv_log_waits(const srv_log *l);
/* --log-sync batch: how long records written (and answered) may wait for their sync. */
#define SRV_BATCH_WINDOW_MS 5
/* 1 while the last append succeeded (for /healthz). */
int srv_log_healthy(srv_log *l);
/* The sequence number and hash of the last record (for /healthz). */
void srv_log_head(srv_log *l, uint64_t *seq, char hash[65]);
/* Syncs and closes the log, and prints its head (last record's number and hash) to the error
 * stream given to srv_log_open. NULL is ignored. */
void srv_log_close(srv_log *l);

/* One line of the log, as srv_record_parse finds it (the fixed head and tail of a record). */
typedef struct srv_record {
    uint64_t seq;
    const char *prev, *hash; /* 64 hex digits each, into the line */
    size_t hashed;           /* the hash covers line[0, hashed) */
} srv_record;
/* Parses the head ({"seq":N,) and tail (,"prev":"H0","hash":"H1"}) of a record line (without its
 * newline). 0, or -1 when the line is not a record. */
int srv_record_parse(const char *line, size_t len, srv_record *r);
/* The SHA-256 of data in lower-case hex. */
void srv_sha256_hex(const void *data, size_t n, char hex[65]);

/* Appends t as a JSON string (UTC, microseconds, RFC 3339). */
int srv_rfc3339(double t, cav_buf *out);
/* Seconds since the epoch, with microseconds (CLOCK_REALTIME); and a monotonic clock. */
double srv_now(void);
double srv_monotonic(void);

/* ---- reading a log (`caveat log`) ---- */

/* Verifies the chain of the given files (in any order: they are put in the order of their first
 * records' sequence numbers). Appends a report to out: every file's records, then the first
 * broken, removed, reordered or torn record by file, line and sequence number, or the head of
 * the chain. `anchor` ("SEQ:HASH", or NULL) is a head recorded elsewhere that the chain must
 * contain. Returns 0 intact, 1 broken, 2 unreadable. */
int srv_log_verify(const char *const *files, int nfiles, const char *anchor, cav_buf *out);
/* Decides every logged query again with p and appends every decision that differs from the one
 * logged (the pack id aside), as text lines or NDJSON. *ndiff receives their number, *nrecords
 * the records read. Returns 0, or 2 when a file could not be read or holds no valid record. */
int srv_log_replay(const cav_pack *p, const char *const *files, int nfiles, int json, cav_buf *out,
                   long *nrecords, long *ndiff);

/* ---- decisions ---- */

/* Appends to out the line `caveat check` writes for one document (no newline), through the same
 * library calls, so the two agree byte for byte. When the document is decided, *verdict is set
 * (else -1) and, if logq is not NULL, the query is appended to logq in the log's form (the
 * document minified). */
int srv_decide_doc(const cav_pack *p, unsigned flags, const cav_doc *doc, cav_buf *out,
                   cav_buf *idbuf, int *verdict, cav_buf *logq);
/* Appends a JSON value with the blanks outside strings removed (a logged query is one line). */
int srv_json_minify(const char *s, size_t n, cav_buf *out);

/* A request body being decided: srv_stream_fill decides the next chunk (at most SRV_CHUNK_DOCS
 * documents or about SRV_CHUNK_BYTES of output) into out, logging its decisions first. */
#define SRV_CHUNK_DOCS 4096
#define SRV_CHUNK_BYTES (256 * 1024)
typedef struct srv_stream {
    cav_pack *p;      /* one reference, held to the end (released by srv_stream_free) */
    unsigned flags;   /* CAV_EXPLAIN */
    const char *body; /* the whole body (owned by the request) */
    size_t len, pos;  /* its length and what the splitter has consumed */
    cav_split split;
    cav_buf out;      /* the current chunk's lines */
    size_t out_pos;   /* how much of out was handed to the connection */
    cav_buf id, logq; /* scratch: a query's id, its logged form */
    srv_logbatch lb;  /* the chunk's log records */
    srv_log *log;     /* NULL: no log */
    srv_metrics *m;
    const char *request_id; /* NUL-terminated, owned by the request */
    int done;               /* the body is exhausted */
    int defer;              /* the next chunk's records are left in lb for the caller to log */
    int deferred;           /* ... and were */
} srv_stream;
/* Decides the next chunk into s->out. Returns 0 (s->out holds lines), 1 at the end (nothing
 * more), -1 when the log refused the chunk (s->out is empty; answer 503 or end the response with
 * an error), -2 out of memory. */
int srv_stream_fill(srv_stream *s);
/* Adds one record to s->lb: the query's logged form (a JSON document, or with params a URL
 * query string) and the decision line as answered. 0 or CAV_ENOMEM. */
int srv_stream_record(srv_stream *s, double now, const cav_buf *logq, int params,
                      const char *decision, size_t len);
void srv_stream_free(srv_stream *s);

/* ---- reports ---- */

/* A reply being built: status, content type (static text) and body. */
typedef struct srv_reply {
    unsigned status;
    const char *type;
    cav_buf body;
} srv_reply;
/* Answers a report endpoint (EP_ZONES, EP_DIFF, EP_TIMELINE, EP_SOURCES) from its parameters. */
void srv_report(srv_endpoint e, const cav_pack *p, const srv_params *ps, srv_reply *r);
/* Sets r to an error: status and {"error":{"parameter":...,"message":...}}. */
void srv_reply_error(srv_reply *r, unsigned status, const char *param, const char *message);

/* ---- static files ---- */

typedef struct srv_static_file {
    const char *path; /* "/" or "/app.js"; "/v1/openapi.json" */
    const unsigned char *data;
    size_t len;
    const char *content_type;
} srv_static_file;
/* The embedded file served at path, or NULL. The web map adds its files to src/serve/www/; they
 * are embedded at build time (src/serve/embed.cmake). */
const srv_static_file *srv_static_find(const char *path);

#endif
