/* answer.c — one answer line per document of a query stream, as `caveat check` writes it and the
 * service returns it (cav_answer, cav_answer_batch): the decision, or the error line naming every
 * problem, for a query, an empty line, or a stretch the splitter refused. One implementation for
 * every front end, so their answers agree by construction; the batch decides documents on
 * several threads and joins the lines in input order. */
#include "core/alloc.h"
#include "core/buf.h"

#include <pthread.h>
#include <string.h>

int cav_answer(const cav_pack *p, const cav_doc *doc, const cav_query *defaults, unsigned flags,
               cav_format fmt, cav_buf *out, cav_buf *id) {
    if (!p || !doc || !out || (fmt != CAV_FMT_JSON && fmt != CAV_FMT_TEXT) ||
        (doc->kind != CAV_DOC_QUERY && doc->kind != CAV_DOC_EMPTY && doc->kind != CAV_DOC_ERROR))
        return CAV_EINVAL;
    cav_buf own = {0};
    cav_buf *idb = id ? id : &own;
    cav_qerrors e;
    cav_query q;
    cav_decision d;
    int rc;
    if (doc->kind != CAV_DOC_QUERY) {
        cav_buf_clear(idb);
        cav__buf_puts(idb, "null");
        cav_query_init(&q, &e);
        cav_qerrors_add(&e, -1,
                        doc->message                 ? doc->message
                        : doc->kind == CAV_DOC_EMPTY ? "empty line: expected a JSON query"
                                                     : "not a JSON query");
        rc = CAV_EQUERY;
    } else {
        rc = cav_query_parse_json(p, doc->text, doc->len, defaults, &q, idb, &e);
        if (rc == CAV_ENOMEM) {
            cav_buf_free(&own);
            return CAV_ENOMEM;
        }
        if (rc == 0 && cav_eval(p, &q, &d) != 0) {
            cav_query_init(&q, &e);
            cav_qerrors_add(&e, -1, "the query could not be evaluated against this pack");
            rc = CAV_EQUERY;
        }
    }
    const char *idj = idb->data ? idb->data : "null";
    int text = fmt == CAV_FMT_TEXT;
    if (text && strcmp(idj, "null") != 0) {
        cav__buf_puts(out, idj);
        cav__buf_putc(out, ' ');
    }
    int w;
    if (rc != 0)
        w = text ? cav_qerrors_text(&e, doc->line, out) : cav_qerrors_json(&e, idj, doc->line, out);
    else
        w = text ? cav_decision_text(p, &q, &d, flags, out)
                 : cav_decision_json(p, &q, &d, idj, flags, out);
    int failed = w != 0 || idb->failed || out->failed;
    cav_buf_free(&own);
    if (failed)
        return CAV_ENOMEM;
    return rc != 0 ? CAV_EQUERY : (int)d.verdict;
}

/* ---- batches ---- */

typedef struct part {
    const cav_pack *p;
    const cav_doc *docs;
    size_t first, n;
    const cav_query *defaults;
    unsigned flags;
    cav_format fmt;
    int *results;
    cav_buf out;
    int rc;
} part;

static void *answer_part(void *arg) {
    part *pt = arg;
    cav_buf id = {0};
    for (size_t i = 0; i < pt->n && pt->rc == 0; i++) {
        size_t k = pt->first + i;
        int r = cav_answer(pt->p, &pt->docs[k], pt->defaults, pt->flags, pt->fmt, &pt->out, &id);
        if (r == CAV_ENOMEM || r == CAV_EINVAL) {
            pt->rc = r;
            break;
        }
        if (pt->results)
            pt->results[k] = r;
        cav__buf_putc(&pt->out, '\n');
    }
    if (pt->out.failed)
        pt->rc = CAV_ENOMEM;
    cav_buf_free(&id);
    return NULL;
}

int cav_answer_batch(const cav_pack *p, const cav_doc *docs, size_t n, const cav_query *defaults,
                     unsigned flags, cav_format fmt, int nthreads, int *results, cav_buf *out) {
    if (!p || (!docs && n) || !out || nthreads < 0 || nthreads > 256)
        return CAV_EINVAL;
    if (nthreads == 0)
        nthreads = 2;
    /* a thread for fewer than 64 documents costs more than it saves */
    if ((size_t)nthreads > n / 64)
        nthreads = n / 64 > 0 ? (int)(n / 64) : 1;
    part parts[256] = {{0}}; /* (nthreads is at least 1: the loop below sets parts[0]) */
    pthread_t tids[256];
    int started[256] = {0};
    size_t at = 0;
    for (int t = 0; t < nthreads; t++) {
        size_t k = n / (size_t)nthreads + ((size_t)t < n % (size_t)nthreads);
        parts[t] = (part){p, docs, at, k, defaults, flags, fmt, results, {0}, 0};
        at += k;
    }
    for (int t = 1; t < nthreads; t++)
        started[t] = pthread_create(&tids[t], NULL, answer_part, &parts[t]) == 0;
    answer_part(&parts[0]);
    int rc = parts[0].rc;
    for (int t = 1; t < nthreads; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            answer_part(&parts[t]); /* no thread to be had: this one does the work */
        if (!rc)
            rc = parts[t].rc;
    }
    for (int t = 0; t < nthreads; t++) {
        if (!rc)
            cav_buf_append(out, parts[t].out.data ? parts[t].out.data : "", parts[t].out.len);
        cav_buf_free(&parts[t].out);
    }
    if (!rc && out->failed)
        rc = CAV_ENOMEM;
    return rc;
}
