/* serve_parse.c — what one query costs in each step of answering it, in process: splitting the
 * input (cav_split_next), parsing and binding the JSON (cav_query_parse_json), deciding (cav_eval)
 * and writing the decision line (cav_decision_json, validity included), each timed alone over the
 * same queries, several runs, median. This is the cost model behind `caveat check` and POST
 * /v1/decisions (bench/RESULTS-serve.md). Only the public header is used.
 * Usage: serve_parse FILE.ndjson [RUNS=5]
 */
#include "caveat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct doc {
    const char *text;
    size_t len;
} doc;

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs("usage: serve_parse FILE.ndjson [RUNS]\n", stderr);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        return 2;
    fclose(f);
    cav_pack *p = NULL;
    if (cav_pack_load_default(NULL, &p) != 0)
        return 2;
    /* the documents, found once */
    size_t cap = 1 << 20, n = 0;
    doc *docs = malloc(cap * sizeof *docs);
    cav_split s;
    cav_split_init(&s);
    size_t pos = 0;
    for (;;) {
        cav_doc d;
        size_t used = cav_split_next(&s, buf + pos, (size_t)size - pos, 1, &d);
        pos += used;
        if (d.kind == CAV_DOC_QUERY) {
            if (n == cap)
                docs = realloc(docs, (cap *= 2) * sizeof *docs);
            docs[n].text = d.text;
            docs[n].len = d.len;
            n++;
        } else if (d.kind == CAV_DOC_END && used == 0) {
            break;
        }
    }
    cav_query *qs = malloc(n * sizeof *qs);
    cav_decision *ds = malloc(n * sizeof *ds);
    char **ids = malloc(n * sizeof *ids);
    double *t_split = calloc((size_t)runs, sizeof(double)),
           *t_parse = calloc((size_t)runs, sizeof(double));
    double *t_eval = calloc((size_t)runs, sizeof(double)),
           *t_write = calloc((size_t)runs, sizeof(double));
    cav_buf id = {0}, out = {0};
    size_t ok = 0, bytes = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        cav_split_init(&s);
        pos = 0;
        size_t k = 0;
        for (;;) {
            cav_doc d;
            size_t used = cav_split_next(&s, buf + pos, (size_t)size - pos, 1, &d);
            pos += used;
            k += d.kind == CAV_DOC_QUERY;
            if (d.kind == CAV_DOC_END && used == 0)
                break;
        }
        double t1 = now();
        ok = 0;
        for (size_t i = 0; i < n; i++) {
            cav_qerrors e;
            if (cav_query_parse_json(p, docs[i].text, docs[i].len, NULL, &qs[ok], &id, &e) == 0) {
                if (r == 0)
                    ids[ok] = strdup(id.data);
                ok++;
            }
        }
        double t2 = now();
        for (size_t i = 0; i < ok; i++)
            cav_eval(p, &qs[i], &ds[i]);
        double t3 = now();
        bytes = 0;
        for (size_t i = 0; i < ok; i++) {
            cav_buf_clear(&out);
            cav_decision_json(p, &qs[i], &ds[i], ids[i], 0, &out);
            bytes += out.len + 1;
        }
        double t4 = now();
        t_split[r] = (t1 - t0) / (double)n;
        t_parse[r] = (t2 - t1) / (double)n;
        t_eval[r] = (t3 - t2) / (double)ok;
        t_write[r] = (t4 - t3) / (double)ok;
        (void)k;
    }
    qsort(t_split, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_parse, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_eval, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_write, (size_t)runs, sizeof(double), cmp_double);
    int m = runs / 2;
    printf("queries: %zu (%zu bound), %d runs, median ns per query (one core)\n", n, ok, runs);
    printf("split (cav_split_next):          %8.1f ns\n", t_split[m] * 1e9);
    printf("parse (cav_query_parse_json):    %8.1f ns\n", t_parse[m] * 1e9);
    printf("decide (cav_eval):               %8.1f ns\n", t_eval[m] * 1e9);
    printf("write (cav_decision_json):       %8.1f ns  (%.0f bytes a line)\n", t_write[m] * 1e9,
           (double)bytes / (double)ok);
    double total = t_split[m] + t_parse[m] + t_eval[m] + t_write[m];
    printf("all four:                        %8.1f ns  = %.2f M queries/s per core\n", total * 1e9,
           1e-6 / total);
    cav_buf_free(&id);
    cav_buf_free(&out);
    cav_pack_release(p);
    return 0;
}
