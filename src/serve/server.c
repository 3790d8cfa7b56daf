/* server.c — `caveat serve`: the HTTP daemon (libmicrohttpd), its routes, access and limits, and
 * the main thread's loop of signals and file watches.
 *
 * Threads: libmicrohttpd runs a pool of polling threads (epoll), each answering its connections
 * from start to end; the main thread only waits for signals (SIGHUP reloads, SIGTERM and SIGINT
 * drain and stop) and inotify events, and reloads the pack. Those signals are blocked in every
 * thread and read from a signalfd, so no handler runs in the middle of a request.
 *
 * A request's life (handler): the first call routes it, checks its token and its body's declared
 * size, and answers at once unless a body is to come; body calls append to a buffer bounded per
 * request (max_body) and over all requests together (max_buffered); the last call answers. A
 * POST of decisions is answered by a reader callback that decides the body chunk by chunk
 * (decide.c), so the response streams however long the body. Every request holds its pack (one
 * reference) and its buffers until libmicrohttpd reports it completed, where it is counted in the
 * metrics and freed.
 *
 * Limits that keep memory bounded whatever clients do (docs/robustness.md): connections
 * (max_connections), each connection's memory for its request line and headers (a fixed pool:
 * longer headers get 431), bodies (max_body per request, max_buffered in all), an idle or stalled
 * connection's time (timeout_s), and output per chunk (SRV_CHUNK_BYTES).
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

typedef struct srv_server {
    srv_config cfg;
    struct MHD_Daemon *daemon;
    srv_packs *packs;
    srv_tokens *tokens;
    srv_log *log;
    srv_metrics m;
    atomic_ullong next_request;
    char boot[12];          /* a per-start prefix of generated request ids */
    atomic_size_t buffered; /* body bytes held by all requests */
    atomic_int draining;    /* SIGTERM received: healthz says so, connections close */
    atomic_int suspended;   /* requests suspended, their resumption not yet asked for */
    atomic_int stopping;    /* drain() is about to stop the daemon: no request may suspend */
    atomic_llong log_lines; /* libmicrohttpd messages printed this second (rate limit) */
    atomic_llong log_second;
    FILE *err;
} srv_server;

typedef struct request {
    srv_server *s;
    srv_endpoint ep;
    double t0;
    unsigned status;
    char id[72];
    int head;            /* a HEAD request: headers only */
    int replied;         /* a response is queued */
    unsigned pending;    /* an error found in the first call, answered in the last */
    const char *message; /* its message */
    int accepts_body;    /* a POST of decisions: its body is kept */
    int close;           /* close the connection after the response */
    /* a request suspended while its decisions wait for the log's group commit */
    atomic_int log_wait;         /* 0 none, 1 waiting, 2 logged, 3 refused */
    struct MHD_Connection *conn; /* to resume */
    cav_buf ready;               /* a GET's line, sent once logged */
    int verdict;                 /* a GET's verdict, counted once sent */
    char *body;                  /* POST body (not NUL-terminated) */
    size_t len, cap, reserved;
    srv_stream st; /* the decisions of a POST, decided as the response is read */
} request;

/* ---- responses ---- */

static void free_buf(void *cls) {
    cav_buf *b = cls;
    cav_buf_free(b);
    free(b);
}

/* Sends status with a body; takes b's memory (b is left empty). */
static enum MHD_Result reply(request *r, struct MHD_Connection *c, unsigned status,
                             const char *type, cav_buf *b) {
    struct MHD_Response *resp;
    size_t len = b->failed ? 0 : b->len;
    if (b->failed) {
        status = 500;
        type = "text/plain; charset=utf-8";
    }
    if (len <= 4096) {
        resp =
            MHD_create_response_from_buffer(len, len ? b->data : (void *)"", MHD_RESPMEM_MUST_COPY);
        cav_buf_free(b);
    } else {
        cav_buf *own = malloc(sizeof *own);
        if (!own) {
            cav_buf_free(b);
            return MHD_NO;
        }
        *own = *b;
        memset(b, 0, sizeof *b);
        resp =
            MHD_create_response_from_buffer_with_free_callback_cls(len, own->data, free_buf, own);
        if (!resp)
            free_buf(own);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"caveat\"");
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
                                r->ep == EP_DECISIONS_GET ? "GET, HEAD, POST" : "GET, HEAD");
    if (r->close || atomic_load(&r->s->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    r->status = status;
    r->replied = 1;
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result reply_error(request *r, struct MHD_Connection *c, unsigned status,
                                   const char *message) {
    srv_reply e = {0};
    srv_reply_error(&e, status, NULL, message);
    return reply(r, c, status, e.type, &e.body);
}

/* ---- parameters ---- */

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                               const char *value, size_t value_size) {
    (void)kind;
    srv_params *ps = cls;
    if (ps->n == SRV_MAX_PARAMS) {
        ps->overflow = 1;
        return MHD_NO;
    }
    if (strlen(key) != key_size || (value && strlen(value) != value_size))
        ps->nul = 1;
    ps->v[ps->n].key = key;
    ps->v[ps->n].value = value ? value : "";
    ps->n++;
    return MHD_YES;
}

static void params_of(struct MHD_Connection *c, srv_params *ps) {
    memset(ps, 0, sizeof *ps);
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect, ps);
}

/* ---- endpoints ---- */

static enum MHD_Result wait_for_log(request *r, struct MHD_Connection *c);

/* GET /v1/decisions: one query from parameters, one line. */
static enum MHD_Result decision_get(request *r, struct MHD_Connection *c) {
    srv_server *s = r->s;
    srv_params ps;
    params_of(c, &ps);
    srv_stream *st = &r->st;
    st->p = srv_packs_acquire(s->packs);
    st->log = s->log;
    st->m = &s->m;
    st->request_id = r->id;
    cav_query q;
    cav_qerrors e;
    cav_decision d;
    cav_buf out = {0};
    int rc = srv_params_bind(st->p, &ps, NULL, 0, &q, &e, &st->id, &st->flags);
    if (rc == 0 && cav_eval(st->p, &q, &d) != 0) {
        cav_query_init(&q, &e);
        e.n = 1;
        e.v[0].field = -1;
        snprintf(e.v[0].message, sizeof e.v[0].message, "%s",
                 "the query could not be evaluated against this pack");
        rc = CAV_EINVAL;
    }
    if (rc != 0) {
        atomic_fetch_add_explicit(&s->m.query_errors, 1, memory_order_relaxed);
        cav_qerrors_json(&e, st->id.data, 0, &out);
        cav_buf_append(&out, "\n", 1);
        return reply(r, c, 400, "application/json", &out);
    }
    cav_decision_json(st->p, &q, &d, st->id.data, st->flags, &out);
    if (s->log) {
        cav_buf_clear(&st->logq);
        srv_params_encode(&ps, &st->logq);
        srv_logbatch_clear(&st->lb);
        if (srv_log_waits(s->log) &&
            srv_stream_record(st, srv_now(), &st->logq, 1, out.data, out.len) == 0) {
            cav_buf_append(&out, "\n", 1);
            r->ready = out;
            r->verdict = (int)d.verdict;
            return wait_for_log(r, c);
        }
        if (srv_stream_record(st, srv_now(), &st->logq, 1, out.data, out.len) != 0 ||
            srv_log_append(s->log, &st->lb) != 0) {
            cav_buf_free(&out);
            atomic_fetch_add_explicit(&s->m.refused_unlogged, 1, memory_order_relaxed);
            return reply_error(r, c, 503,
                               "the decision could not be written to the decision log, so it "
                               "is not answered; try again later");
        }
    }
    atomic_fetch_add_explicit(&s->m.verdicts[d.verdict], 1, memory_order_relaxed);
    cav_buf_append(&out, "\n", 1);
    return reply(r, c, 200, "application/json", &out);
}

/* The group commit is done with a suspended request: resume it (the handler answers). */
static void log_done(void *cls, int ok) {
    request *r = cls;
    srv_server *s = r->s; /* r may be freed once resumed */
    atomic_store(&r->log_wait, ok ? 2 : 3);
    MHD_resume_connection(r->conn);
    atomic_fetch_sub(&s->suspended, 1);
}

/* Suspends the request until its records (in r->st.lb) are durable: the HTTP thread goes on
 * with other connections meanwhile, so one fdatasync serves every request waiting (group
 * commit). The handler is called again once it is resumed (after_log). */
static enum MHD_Result wait_for_log(request *r, struct MHD_Connection *c) {
    srv_server *s = r->s;
    r->conn = c;
    /* sequentially consistent with drain(), which sets stopping and then reads suspended:
       either drain waits for this request's resumption, or this request is not suspended (a
       request still in flight when --drain runs out) */
    atomic_fetch_add(&s->suspended, 1);
    if (atomic_load(&s->stopping)) {
        atomic_fetch_sub(&s->suspended, 1);
        r->close = 1;
        return reply_error(r, c, 503,
                           "the server is stopping (SIGTERM) and its --drain time has run out: "
                           "the decisions are not logged or answered; send them again");
    }
    atomic_store(&r->log_wait, 1);
    MHD_suspend_connection(c);
    int rc = srv_log_append_async(s->log, &r->st.lb, log_done, r);
    if (rc != 1) {
        atomic_store(&r->log_wait, rc == 0 ? 2 : 3);
        MHD_resume_connection(c);
        atomic_fetch_sub(&s->suspended, 1);
    }
    return MHD_YES;
}

static enum MHD_Result stream_response(request *r, struct MHD_Connection *c);

/* A suspended request resumed: answer with what was logged, or 503. */
static enum MHD_Result after_log(request *r, struct MHD_Connection *c, int ok) {
    srv_server *s = r->s;
    if (!ok) {
        atomic_fetch_add_explicit(&s->m.refused_unlogged, 1, memory_order_relaxed);
        return reply_error(r, c, 503,
                           "the decisions could not be written to the decision log, so they are "
                           "not answered; try again later");
    }
    if (r->ep == EP_DECISIONS_GET) {
        atomic_fetch_add_explicit(&s->m.verdicts[r->verdict], 1, memory_order_relaxed);
        cav_buf out = r->ready;
        memset(&r->ready, 0, sizeof r->ready);
        return reply(r, c, 200, "application/json", &out);
    }
    return stream_response(r, c);
}

/* The reader of a POST's response: hands out the current chunk, deciding the next when it is
 * used up. */
static ssize_t read_decisions(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    request *r = cls;
    srv_stream *st = &r->st;
    while (st->out_pos == st->out.len) {
        int rc = srv_stream_fill(st);
        if (rc == 1)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (rc < 0) {
            /* the status line is gone: end the response with an error, so the client sees a
               broken chunked body, never a decision that was not logged */
            if (rc == -1)
                atomic_fetch_add_explicit(&r->s->m.refused_unlogged, 1, memory_order_relaxed);
            r->status = 503;
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
    size_t n = st->out.len - st->out_pos;
    if (n > max)
        n = max;
    memcpy(buf, st->out.data + st->out_pos, n);
    st->out_pos += n;
    return (ssize_t)n;
}

/* POST /v1/decisions, once the body is in: decide the first chunk now (so a log that cannot be
 * written still gets a 503), and stream the rest. */
static enum MHD_Result decisions_post(request *r, struct MHD_Connection *c) {
    srv_server *s = r->s;
    srv_params ps;
    params_of(c, &ps);
    srv_stream *st = &r->st;
    for (int i = 0; i < ps.n; i++) {
        if (strcmp(ps.v[i].key, "explain") == 0 &&
            (strcmp(ps.v[i].value, "1") == 0 || strcmp(ps.v[i].value, "true") == 0 ||
             !*ps.v[i].value)) {
            st->flags |= CAV_EXPLAIN;
        } else if (!(strcmp(ps.v[i].key, "explain") == 0 &&
                     (strcmp(ps.v[i].value, "0") == 0 || strcmp(ps.v[i].value, "false") == 0))) {
            return reply_error(r, c, 400, "POST /v1/decisions takes one parameter, explain=1");
        }
    }
    st->p = srv_packs_acquire(s->packs);
    st->body = r->body ? r->body : "";
    st->len = r->len;
    st->log = s->log;
    st->m = &s->m;
    st->request_id = r->id;
    st->defer = s->log && srv_log_waits(s->log);
    cav_split_init(&st->split);
    int rc = srv_stream_fill(st);
    if (rc == 0 && st->deferred)
        return wait_for_log(r, c);
    if (rc == -1) {
        atomic_fetch_add_explicit(&s->m.refused_unlogged, 1, memory_order_relaxed);
        return reply_error(r, c, 503,
                           "the decisions could not be written to the decision log, so they are "
                           "not answered; try again later");
    }
    if (rc == -2)
        return reply_error(r, c, 500, "out of memory");
    return stream_response(r, c);
}

/* Sends a POST's first chunk (decided and logged): whole when it is the only one, else as the
 * start of a stream read by read_decisions. */
static enum MHD_Result stream_response(request *r, struct MHD_Connection *c) {
    srv_server *s = r->s;
    srv_stream *st = &r->st;
    if (st->done) {
        /* the whole answer is in one chunk: send it with its length */
        cav_buf out = st->out;
        memset(&st->out, 0, sizeof st->out);
        return reply(r, c, 200, "application/x-ndjson", &out);
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, read_decisions, r, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (atomic_load(&s->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    r->status = 200;
    r->replied = 1;
    enum MHD_Result q = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return q;
}

static enum MHD_Result healthz(request *r, struct MHD_Connection *c) {
    srv_server *s = r->s;
    cav_pack *p = srv_packs_acquire(s->packs);
    cav_buf b = {0};
    int draining = atomic_load(&s->draining);
    int log_ok = !s->log || srv_log_healthy(s->log);
    const char *status = draining ? "draining" : log_ok ? "ok" : "log-failing";
    char head[256];
    cav_buf_append(&b, "{\"status\":\"", 11);
    cav_buf_append(&b, status, strlen(status));
    cav_buf_append(&b, "\",\"pack\":", 9);
    cav_buf_json_string(&b, cav_pack_id(p), strlen(cav_pack_id(p)));
    if (s->log) {
        uint64_t seq;
        char hash[65];
        srv_log_head(s->log, &seq, hash);
        int n = snprintf(head, sizeof head, ",\"log\":{\"seq\":%llu,\"head\":\"%s\"}}\n",
                         (unsigned long long)seq, hash);
        cav_buf_append(&b, head, (size_t)n);
    } else {
        cav_buf_append(&b, ",\"log\":null}\n", 13);
    }
    cav_pack_release(p);
    return reply(r, c, draining || !log_ok ? 503 : 200, "application/json", &b);
}

static enum MHD_Result metrics(request *r, struct MHD_Connection *c) {
    cav_pack *p = srv_packs_acquire(r->s->packs);
    cav_buf b = {0};
    srv_metrics_write(&r->s->m, cav_pack_id(p), srv_packs_loaded(r->s->packs), &b);
    cav_pack_release(p);
    return reply(r, c, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

static enum MHD_Result report(request *r, struct MHD_Connection *c) {
    srv_params ps;
    params_of(c, &ps);
    srv_reply rep = {0};
    if (r->ep == EP_PACK) {
        if (ps.n)
            return reply_error(r, c, 400, "GET /v1/pack takes no parameter");
        srv_packs_describe(r->s->packs, &rep.body);
        return reply(r, c, 200, "application/json", &rep.body);
    }
    cav_pack *p = srv_packs_acquire(r->s->packs);
    srv_report(r->ep, p, &ps, &rep);
    cav_pack_release(p);
    return reply(r, c, rep.status, rep.type, &rep.body);
}

static enum MHD_Result static_file(request *r, struct MHD_Connection *c, const srv_static_file *f) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    r->status = 200;
    r->replied = 1;
    enum MHD_Result rc = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- routing ---- */

static const struct {
    const char *path;
    srv_endpoint ep;
} routes[] = {
    {"/v1/decisions", EP_DECISIONS_GET}, {"/v1/zones", EP_ZONES},     {"/v1/diff", EP_DIFF},
    {"/v1/timeline", EP_TIMELINE},       {"/v1/sources", EP_SOURCES}, {"/v1/pack", EP_PACK},
    {"/v1/openapi.json", EP_OPENAPI},    {"/healthz", EP_HEALTHZ},    {"/metrics", EP_METRICS},
};

static srv_endpoint route(const char *url) {
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (strcmp(url, routes[i].path) == 0)
            return routes[i].ep;
    return srv_static_find(url) ? EP_STATIC : EP_OTHER;
}

/* The request id: the client's X-Request-Id when it is a plain token, else a new one. */
static void request_id(srv_server *s, struct MHD_Connection *c, char *id, size_t cap) {
    const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
    if (given) {
        size_t n = strlen(given);
        if (n > 0 && n <= 64 &&
            strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") ==
                n) {
            snprintf(id, cap, "%s", given);
            return;
        }
    }
    unsigned long long k = atomic_fetch_add_explicit(&s->next_request, 1, memory_order_relaxed);
    snprintf(id, cap, "%s-%llx", s->boot, k);
}

/* Counts the Content-Length and Transfer-Encoding headers of a request. */
static enum MHD_Result framing(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value) {
    (void)kind, (void)value;
    int *n = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        n[0]++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        n[1]++;
    return MHD_YES;
}

static int is_v1(const char *url) {
    return strncmp(url, "/v1/", 4) == 0 || strcmp(url, "/v1") == 0;
}

/* The first call of a request: route it, check its token and its declared body. An error is
 * kept in r->pending and answered at the request's last call, after any body was read and
 * dropped: libmicrohttpd closes a connection answered in the first call (it cannot know the
 * request ended), and keep-alive is what makes single decisions fast. Only a body declared too
 * large is refused at once (and its connection closed), so it is never read. */
static enum MHD_Result begin(srv_server *s, struct MHD_Connection *c, const char *url,
                             const char *method, void **con_cls) {
    request *r = calloc(1, sizeof *r);
    if (!r)
        return MHD_NO;
    r->s = s;
    r->t0 = srv_monotonic();
    r->status = 500;
    *con_cls = r;
    /* sequentially consistent with drain(), which sets draining and then reads inflight: either
       drain waits for this request, or this request sees draining (and is not a decision) */
    atomic_fetch_add(&s->m.inflight, 1);
    int late = atomic_load(&s->draining);
    request_id(s, c, r->id, sizeof r->id);
    r->ep = route(url);
    int get = strcmp(method, "GET") == 0, head = strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0;
    r->head = head;
    if (r->ep == EP_DECISIONS_GET && post)
        r->ep = EP_DECISIONS_POST;
    int lengths[2] = {0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, framing, lengths);
    if (lengths[0] > 1 || (lengths[0] && lengths[1])) {
        /* two framings of one body: where it ends is ambiguous (request smuggling), so the
           request is refused and the connection closed */
        r->pending = 400;
        r->close = 1;
        r->message = "a request with two Content-Length headers, or with both Content-Length "
                     "and Transfer-Encoding, is refused";
    } else if (is_v1(url) && s->tokens &&
               !srv_tokens_check(
                   s->tokens, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"))) {
        /* before anything else, so an unknown path says nothing to a client without a token */
        r->pending = 401;
        r->message = "a valid `Authorization: Bearer TOKEN` header is needed";
    } else if (late && (r->ep == EP_DECISIONS_GET || r->ep == EP_DECISIONS_POST)) {
        /* a decision sent after SIGTERM (on a connection kept alive from before it) is refused
           at once, its body unread: drain() may have seen no request in flight and be stopping
           the daemon, and a request waiting for the log's group commit then would be suspended
           as libmicrohttpd stops, which aborts the process */
        r->close = 1;
        return reply_error(r, c, 503,
                           "the server is stopping (SIGTERM): a decision sent after it began "
                           "to drain is not answered; send it again");
    } else if (r->ep == EP_OTHER) {
        r->pending = 404;
        r->message = "no such endpoint (GET /v1/openapi.json describes them)";
    } else if (r->ep == EP_DECISIONS_POST) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (declared > s->cfg.max_body)
            return reply_error(r, c, 413, "the body is larger than the server's --max-body");
        /* reserve what the body declares against every request's buffers together */
        size_t want = declared ? (size_t)declared : 64 * 1024;
        size_t was = atomic_fetch_add(&s->buffered, want);
        r->reserved = want;
        if (was + want > s->cfg.max_buffered)
            return reply_error(r, c, 503, "too many request bodies held at once; try again");
        r->accepts_body = 1;
    } else if (!get && !head) {
        r->pending = 405;
        r->message = "this endpoint answers GET (and HEAD) only";
    }
    return MHD_YES;
}

static enum MHD_Result answer(request *r, struct MHD_Connection *c, const char *url) {
    switch (r->ep) {
    case EP_DECISIONS_GET: return decision_get(r, c);
    case EP_DECISIONS_POST: return decisions_post(r, c);
    case EP_HEALTHZ: return healthz(r, c);
    case EP_METRICS: return metrics(r, c);
    case EP_ZONES:
    case EP_DIFF:
    case EP_TIMELINE:
    case EP_SOURCES:
    case EP_PACK: return report(r, c);
    case EP_OPENAPI:
    case EP_STATIC: return static_file(r, c, srv_static_find(url));
    default: return reply_error(r, c, 404, "no such endpoint");
    }
}

/* Appends a chunk of the body, within the limits. */
static enum MHD_Result body(request *r, const char *data, size_t n) {
    srv_server *s = r->s;
    if (r->len + n > s->cfg.max_body) {
        /* a chunked body past the limit (a declared one was refused with 413 before it was
           sent): libmicrohttpd cannot answer before the body ends, and reading the rest would
           let a client hold the connection forever, so it is closed */
        r->status = 413;
        return MHD_NO;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16 * 1024;
        while (cap < r->len + n)
            cap *= 2;
        if (cap > s->cfg.max_body)
            cap = s->cfg.max_body;
        /* a declared length was reserved whole: grow to it, not past it (doubling a 3 MB body's
           buffer to 4 MB reserved a megabyte more, and refused bodies that fitted) */
        if (r->len + n <= r->reserved && cap > r->reserved)
            cap = r->reserved;
        if (cap > r->reserved) {
            size_t more = cap - r->reserved;
            size_t was = atomic_fetch_add(&s->buffered, more);
            r->reserved = cap;
            if (was + more > s->cfg.max_buffered) {
                r->status = 503; /* as above: closed, not read to its end */
                return MHD_NO;
            }
        }
        char *g = realloc(r->body, cap);
        if (!g)
            return MHD_NO;
        r->body = g;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls) {
    (void)version;
    srv_server *s = cls;
    request *r = *con_cls;
    if (!r)
        return begin(s, c, url, method, con_cls);
    int w = atomic_load(&r->log_wait);
    if (w == 1)
        return MHD_YES; /* still waiting for the log */
    if (w > 1) {
        atomic_store(&r->log_wait, 0);
        return after_log(r, c, w == 2);
    }
    if (r->replied) {
        *upload_size = 0; /* a body after an early answer is not read */
        return MHD_YES;
    }
    if (*upload_size) {
        enum MHD_Result rc = MHD_YES;
        if (r->accepts_body && !r->pending)
            rc = body(r, upload, *upload_size);
        *upload_size = 0; /* a body nobody asked for is dropped */
        return rc;
    }
    if (r->pending)
        return reply_error(r, c, r->pending, r->message);
    return answer(r, c, url);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why) {
    (void)c;
    srv_server *s = cls;
    request *r = *con_cls;
    if (!r)
        return;
    double dt = srv_monotonic() - r->t0;
    unsigned status = why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->status : 499;
    if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->status == 503)
        status = 503;
    srv_metrics_request(&s->m, r->ep, status, dt);
    if (s->cfg.access_log)
        fprintf(s->err, "%s %s %u %.3fms\n", r->id, srv_endpoint_name(r->ep), status, dt * 1e3);
    srv_stream_free(&r->st);
    cav_buf_free(&r->ready);
    free(r->body);
    atomic_fetch_sub(&s->buffered, r->reserved);
    atomic_fetch_sub_explicit(&s->m.inflight, 1, memory_order_relaxed);
    free(r);
    *con_cls = NULL;
}

static void connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                       enum MHD_ConnectionNotificationCode code) {
    (void)c, (void)socket_ctx;
    srv_server *s = cls;
    atomic_fetch_add_explicit(&s->m.connections, code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1,
                              memory_order_relaxed);
}

/* libmicrohttpd's own messages (malformed requests, limits reached), at most 20 a second so a
 * flood of bad requests cannot flood the server's log. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
    srv_server *s = cls;
    long long now = (long long)srv_monotonic();
    if (atomic_exchange(&s->log_second, now) != now)
        atomic_store(&s->log_lines, 0);
    if (atomic_fetch_add(&s->log_lines, 1) >= 20)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    fprintf(s->err, "caveat serve: http: %s\n", msg);
}

/* ---- starting and stopping ---- */

/* Parses "HOST:PORT" or "[V6]:PORT" into an address; "localhost" is 127.0.0.1 (no name service
 * is asked: what is bound must be what was written). */
static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len, FILE *err) {
    char host[256];
    const char *port;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
            goto bad;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || (size_t)(colon - text) >= sizeof host)
            goto bad;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port = colon + 1;
    }
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (!*port || getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        goto bad;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
bad:
    fprintf(err,
            "caveat serve: --listen %s: expected HOST:PORT with a numeric address "
            "(127.0.0.1:8080, [::1]:8080)\n",
            text);
    return -1;
}

static int is_loopback(const struct sockaddr_storage *ss) {
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    return 0;
}

static void random_prefix(char *out, size_t cap) {
    unsigned char b[4] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(b, 1, sizeof b, f) != sizeof b)
            memset(b, 0, sizeof b);
        fclose(f);
    }
    snprintf(out, cap, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

/* Closes each new connection at once while draining. MHD_quiesce_daemon, which would close the
 * listening socket instead, races the worker threads of an epoll daemon in libmicrohttpd 0.9.75:
 * both take the socket out of a worker's epoll set, and the loser aborts the process ("Failed to
 * remove listen FD from epoll set"), which SIGTERM under load reached in serve/test_crash under
 * ThreadSanitizer. The socket stays open until MHD_stop_daemon. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len) {
    (void)addr, (void)len;
    const srv_server *s = cls;
    return atomic_load(&s->draining) ? MHD_NO : MHD_YES;
}

/* Waits for requests in flight to end (at most drain_s), then stops the daemon. */
static void drain(srv_server *s) {
    atomic_store(&s->draining, 1); /* no new connections (accept_policy) */
    double until = srv_monotonic() + s->cfg.drain_s;
    while (atomic_load(&s->m.inflight) > 0 && srv_monotonic() < until) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    long long left = atomic_load(&s->m.inflight);
    if (left > 0)
        fprintf(s->err, "caveat serve: %lld requests still running after %u s; stopping them\n",
                left, s->cfg.drain_s);
    /* libmicrohttpd aborts when stopped with a connection suspended and not yet asked to resume:
       a request waiting for the log's group commit is resumed when its write ends, so that is
       waited for however long the disk takes (each write ends, in success or error) */
    atomic_store(&s->stopping, 1);
    if (atomic_load(&s->suspended) > 0)
        fprintf(s->err, "caveat serve: waiting for %d requests' decision log writes\n",
                atomic_load(&s->suspended));
    while (atomic_load(&s->suspended) > 0) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}

/* The main thread's loop: signals and watched files until SIGTERM or SIGINT. */
static void loop(srv_server *s, int sfd, int wfd) {
    double reload_at = 0; /* a watched change waits for quiet (one save is several events) */
    for (;;) {
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {wfd, POLLIN, 0}};
        int timeout = reload_at > 0 ? 50 : -1;
        int n = poll(fds, wfd >= 0 ? 2 : 1, timeout);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && (fds[0].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGHUP) {
                    fputs("caveat serve: SIGHUP: reloading the pack\n", s->err);
                    srv_packs_reload(s->packs, s->err);
                } else {
                    fprintf(s->err, "caveat serve: %s: draining\n",
                            si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
                    return;
                }
            }
        }
        if (wfd >= 0 && n > 0 && (fds[1].revents & POLLIN) && srv_packs_watch_event(s->packs))
            reload_at = srv_monotonic() + 0.2;
        if (reload_at > 0 && srv_monotonic() >= reload_at) {
            reload_at = 0;
            fputs("caveat serve: a policy file changed: reloading the pack\n", s->err);
            srv_packs_reload(s->packs, s->err);
        }
    }
}

int srv_run(const srv_config *cfg) {
    srv_server *s = calloc(1, sizeof *s);
    if (!s)
        return 2;
    s->cfg = *cfg;
    s->err = stderr;
    setvbuf(stderr, NULL, _IOLBF, 0);
    random_prefix(s->boot, sizeof s->boot);
    int status = 2, sfd = -1, wfd = -1;
    /* the signals are read from a signalfd by this thread; every thread started from here on
       (the log's syncer, libmicrohttpd's) inherits the mask, so none of them is interrupted or
       killed by them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_storage addr;
    socklen_t alen;
    if (parse_listen(cfg->listen, &addr, &alen, s->err) != 0)
        goto done;
    if (cfg->token_file) {
        if (!(s->tokens = srv_tokens_load(cfg->token_file, s->err)))
            goto done;
    } else if (!is_loopback(&addr)) {
        fprintf(s->err,
                "caveat serve: --listen %s is not a loopback address: without "
                "--token-file the service answers this machine only\n",
                cfg->listen);
        goto done;
    }
    if (!(s->packs = srv_packs_new(cfg->policies, cfg->npolicies, &s->m, s->err)))
        goto done;
    if (cfg->log_path &&
        !(s->log = srv_log_open(cfg->log_path, cfg->log_sync, cfg->log_max_bytes, &s->m, s->err)))
        goto done;
    if (cfg->watch && (wfd = srv_packs_watch(s->packs, s->err)) < 0)
        goto done;
    sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0) {
        fprintf(s->err, "caveat serve: signalfd: %s\n", strerror(errno));
        goto done;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    long threads = cfg->threads > 0 ? cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    srv_panic_install(&s->m);
    s->daemon = MHD_start_daemon(
        flags, 0, accept_policy, s, handler, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(32 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_NOTIFY_COMPLETED,
        completed, s, MHD_OPTION_NOTIFY_CONNECTION, connection, s, MHD_OPTION_END);
    if (!s->daemon) {
        fprintf(s->err, "caveat serve: cannot listen on %s: %s\n", cfg->listen, strerror(errno));
        goto done;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN] = "?";
    if (addr.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&addr)->sin_addr, host, sizeof host);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr)->sin6_addr, host, sizeof host);
    cav_pack *p = srv_packs_acquire(s->packs);
    fprintf(s->err, "caveat serve: listening on http://%s%s%s:%u/ (pack %s, %ld threads, %s%s%s)\n",
            addr.ss_family == AF_INET6 ? "[" : "", host, addr.ss_family == AF_INET6 ? "]" : "",
            info ? (unsigned)info->port : 0u, cav_pack_id(p), threads,
            s->tokens ? "bearer tokens" : "loopback only, no tokens",
            cfg->log_path ? ", decision log " : "", cfg->log_path ? cfg->log_path : "");
    cav_pack_release(p);
    loop(s, sfd, wfd);
    drain(s);
    status = 0;
done:
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    srv_panic_install(NULL);
    srv_log_close(s->log);
    srv_packs_free(s->packs);
    srv_tokens_free(s->tokens);
    if (sfd >= 0)
        close(sfd);
    free(s);
    return status;
}
