/* decide.c — the lines of the decision endpoints, and a request body decided chunk by chunk.
 *
 * The service must answer byte for byte what `caveat check` prints for the same input
 * (docs/semantics.md, "The service"), so a document goes through exactly the calls of cmd_check.c:
 * the splitter (cav_split_next) cuts the body into documents, cav_query_parse_json binds each,
 * cav_eval decides, and cav_decision_json or cav_qerrors_json writes the line, with the same
 * messages for an empty line, a document the splitter refuses and a query the pack cannot evaluate.
 * A test (tests/serve/test_decisions.sh) compares the two outputs over the same files.
 *
 * A body is decided in chunks (srv_stream_fill): each chunk's decisions are written to the log
 * and made durable before a byte of them is handed to the connection, so no decision is ever
 * answered unlogged. The stream holds one reference to the pack it started with for its whole
 * life: a reload in the middle of a long body does not mix two packs in one response.
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>

int srv_json_minify(const char *s, size_t n, cav_buf *out) {
    size_t start = 0;
    int instr = 0, esc = 0;
    int rc = 0;
    /* copy runs of bytes between blanks outside strings, so a pretty-printed query logs as one
       line; the document was accepted by the strict reader, so its strings hold no raw newline */
    for (size_t i = 0; i < n && rc == 0; i++) {
        char c = s[i];
        if (instr) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                instr = 0;
            continue;
        }
        if (c == '"') {
            instr = 1;
        } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            rc = cav_buf_append(out, s + start, i - start);
            start = i + 1;
        }
    }
    if (rc == 0)
        rc = cav_buf_append(out, s + start, n - start);
    return rc;
}

/* The error line of a document that is no query (cmd_check.c's doc_error). */
static int doc_error(cav_buf *out, long line, const char *message) {
    cav_qerrors e = {1, 0, {{-1, "", ""}}};
    snprintf(e.v[0].message, sizeof e.v[0].message, "%s", message);
    return cav_qerrors_json(&e, "null", line, out);
}

int srv_decide_doc(const cav_pack *p, unsigned flags, const cav_doc *doc, cav_buf *out,
                   cav_buf *idbuf, int *verdict, cav_buf *logq) {
    *verdict = -1;
    if (doc->kind == CAV_DOC_EMPTY)
        return doc_error(out, doc->line, "empty line: expected a JSON query");
    if (doc->kind == CAV_DOC_ERROR)
        return doc_error(out, doc->line, doc->message);
    cav_query q, defaults;
    cav_qerrors e;
    cav_decision d;
    cav_query_init(&defaults, NULL);
    int rc = cav_query_parse_json(p, doc->text, doc->len, &defaults, &q, idbuf, &e);
    if (rc == 0 && cav_eval(p, &q, &d) != 0) {
        /* the same words as cmd_check.c for a query that binds but cannot be evaluated */
        cav_query_init(&q, &e);
        e.n = 1;
        e.v[0].field = -1;
        snprintf(e.v[0].name, sizeof e.v[0].name, "%s", "");
        snprintf(e.v[0].message, sizeof e.v[0].message, "%s",
                 "the query could not be evaluated against this pack");
        rc = CAV_EINVAL;
    }
    if (rc != 0)
        return cav_qerrors_json(&e, idbuf->data, doc->line, out);
    *verdict = (int)d.verdict;
    if (logq && srv_json_minify(doc->text, doc->len, logq) != 0)
        return CAV_ENOMEM;
    return cav_decision_json(p, &q, &d, idbuf->data, flags, out);
}

/* Appends the members of one log record before its decision: time, pack, request, the query
 * (already in logq) and the flags. */
static int record_head(srv_stream *s, double now, const cav_buf *logq, int params) {
    cav_buf *t = &s->lb.text;
    int rc = cav_buf_append(t, "\"time\":", 7);
    if (rc == 0)
        rc = srv_rfc3339(now, t);
    if (rc == 0)
        rc = cav_buf_append(t, ",\"pack\":", 8);
    if (rc == 0)
        rc = cav_buf_json_string(t, cav_pack_id(s->p), strlen(cav_pack_id(s->p)));
    if (rc == 0)
        rc = cav_buf_append(t, ",\"request\":", 11);
    if (rc == 0)
        rc = cav_buf_json_string(t, s->request_id, strlen(s->request_id));
    if (rc == 0)
        rc = cav_buf_append(t, s->flags & CAV_EXPLAIN ? ",\"explain\":true" : ",\"explain\":false",
                            s->flags & CAV_EXPLAIN ? 15 : 16);
    if (rc == 0 && params) {
        rc = cav_buf_append(t, ",\"params\":", 10);
        if (rc == 0)
            rc = cav_buf_json_string(t, logq->data, logq->len);
    } else if (rc == 0) {
        rc = cav_buf_append(t, ",\"query\":", 9);
        if (rc == 0)
            rc = cav_buf_append(t, logq->data, logq->len);
    }
    if (rc == 0)
        rc = cav_buf_append(t, ",\"decision\":", 12);
    return rc;
}

int srv_stream_record(srv_stream *s, double now, const cav_buf *logq, int params,
                      const char *decision, size_t len) {
    int rc = record_head(s, now, logq, params);
    if (rc == 0)
        rc = cav_buf_append(&s->lb.text, decision, len);
    if (rc == 0)
        rc = srv_logbatch_mark(&s->lb);
    return rc;
}

/* Counts one line's outcome. */
static void count(srv_stream *s, int verdict) {
    if (verdict >= 0)
        atomic_fetch_add_explicit(&s->m->verdicts[verdict], 1, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&s->m->query_errors, 1, memory_order_relaxed);
}

int srv_stream_fill(srv_stream *s) {
    cav_buf_clear(&s->out);
    s->out_pos = 0;
    if (s->done)
        return 1;
    srv_logbatch_clear(&s->lb);
    double now = s->log ? srv_now() : 0;
    size_t ndocs = 0;
    while (ndocs < SRV_CHUNK_DOCS && s->out.len < SRV_CHUNK_BYTES) {
        cav_doc doc;
        size_t used = cav_split_next(&s->split, s->body + s->pos, s->len - s->pos, 1, &doc);
        s->pos += used;
        if (doc.kind == CAV_DOC_END) {
            if (used == 0) {
                s->done = 1;
                break;
            }
            continue;
        }
        size_t line_start = s->out.len;
        int verdict;
        cav_buf_clear(&s->logq);
        if (srv_decide_doc(s->p, s->flags, &doc, &s->out, &s->id, &verdict,
                           s->log ? &s->logq : NULL) != 0)
            return -2;
        if (verdict >= 0 && s->log &&
            srv_stream_record(s, now, &s->logq, 0, s->out.data + line_start,
                              s->out.len - line_start) != 0)
            return -2;
        count(s, verdict);
        if (cav_buf_append(&s->out, "\n", 1) != 0)
            return -2;
        ndocs++;
    }
    if (s->log && s->lb.n && s->defer) {
        /* the caller logs this chunk itself (srv_log_append_async) and holds its lines till then */
        s->defer = 0;
        s->deferred = 1;
        return 0;
    }
    if (s->log && s->lb.n && srv_log_append(s->log, &s->lb) != 0) {
        /* nothing of this chunk may reach the client */
        cav_buf_clear(&s->out);
        return -1;
    }
    return s->out.len == 0 && s->done ? 1 : 0;
}

void srv_stream_free(srv_stream *s) {
    if (s->p)
        cav_pack_release(s->p);
    cav_buf_free(&s->out);
    cav_buf_free(&s->id);
    cav_buf_free(&s->logq);
    srv_logbatch_free(&s->lb);
    memset(s, 0, sizeof *s);
}
