/* stream.c — `caveat check` in a page: JSON queries from a file or standard input (NDJSON,
 * pretty-printed queries one after another, or an array), read in chunks of any size, cut into
 * documents by cav_split_next, and answered in order: one decision line or one error line for
 * every document, always. Its output is byte for byte that of `caveat check FILE`.
 *
 * Usage: stream [FILE]      (a summary goes to standard error) */
#include <caveat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tally {
    long documents, errors, verdicts[4];
} tally;

/* Answers one document: its decision, or every problem of the query. */
static void answer(const cav_pack *pack, const cav_doc *doc, cav_buf *id, cav_buf *out, tally *t) {
    cav_query q;
    cav_qerrors e = {0};
    cav_decision d;
    int rc = CAV_EQUERY;
    t->documents++;
    if (doc->kind == CAV_DOC_QUERY) {
        rc = cav_query_parse_json(pack, doc->text, doc->len, NULL, &q, id, &e);
        if (rc == 0 && (rc = cav_eval(pack, &q, &d)) != 0)
            cav_qerrors_add(&e, -1, cav_strerror(rc));
    } else {
        cav_qerrors_add(&e, -1, doc->message); /* an empty line, or no document */
        cav_buf_clear(id);
        cav_buf_append(id, "null", 4);
    }
    if (rc == 0) {
        t->verdicts[d.verdict]++;
        cav_decision_json(pack, &q, &d, id->data, 0, out);
    } else {
        t->errors++;
        cav_qerrors_json(&e, id->data, doc->line, out);
    }
    cav_buf_append(out, "\n", 1);
}

/* Reads in until its end, answering every document; returns 0, or -1 on a read error. */
static int stream(const cav_pack *pack, FILE *in, cav_buf *out, tally *t) {
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    cav_buf id = {0};
    cav_split split;
    cav_split_init(&split);
    int eof = 0;
    while (buf) {
        if (!eof && len < cap) {
            size_t k = fread(buf + len, 1, cap - len, in);
            len += k;
            eof = k == 0;
        }
        size_t start = 0, used;
        cav_doc doc;
        do { /* every whole document in the buffer */
            used = cav_split_next(&split, buf + start, len - start, eof, &doc);
            start += used;
            if (doc.kind != CAV_DOC_END)
                answer(pack, &doc, &id, out, t);
        } while (doc.kind != CAV_DOC_END || used > 0);
        fwrite(out->data, 1, out->len, stdout);
        cav_buf_clear(out);
        memmove(buf, buf + start, len - start); /* keep the start of an unfinished document */
        len -= start;
        if (eof && (len == 0 || start == 0))
            break;
        if (len == cap) { /* a document larger than the buffer: the splitter stops at 1 MiB */
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    free(buf);
    cav_buf_free(&id);
    return buf && !ferror(in) ? 0 : -1;
}

int main(int argc, char **argv) {
    FILE *in = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 2;
    tally t = {0};
    cav_buf out = {0};
    int rc = stream(pack, in, &out, &t);
    fflush(stdout); /* every decision before the summary */
    fprintf(stderr,
            "%ld documents: permitted %ld, prohibited %ld, indeterminate %ld, unknown %ld, "
            "errors %ld\n",
            t.documents, t.verdicts[CAV_PERMITTED], t.verdicts[CAV_PROHIBITED],
            t.verdicts[CAV_INDETERMINATE], t.verdicts[CAV_UNKNOWN], t.errors);
    long decided = t.verdicts[0] + t.verdicts[1] + t.verdicts[2] + t.verdicts[3];
    if (rc != 0 || t.documents == 0 || decided + t.errors != t.documents) {
        fprintf(stderr, "stream: unexpected: every document gets one line\n");
        rc = 1;
    }
    cav_buf_free(&out);
    cav_pack_release(pack);
    if (in != stdin)
        fclose(in);
    return rc ? 1 : 0;
}
