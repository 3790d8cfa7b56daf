/* allocator.c — the embedder's allocator (cav_set_allocator): a counting allocator that keeps a
 * size header in front of every block, so it knows the bytes live at any moment. It shows that
 * the library's memory goes through the hook, that evaluation allocates nothing, and that
 * everything the library allocated through it comes back to it (cav_cleanup returns what it
 * keeps for the whole process). */
#include <caveat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "allocator: unexpected: %s\n", what);
        failed = 1;
    }
}

/* The allocator's state, passed to it as its user data. */
typedef struct counter {
    long calls;  /* malloc and realloc calls */
    long blocks; /* blocks live */
    size_t bytes, peak;
} counter;

typedef union header { /* in front of every block: its size, keeping the block aligned */
    size_t size;
    max_align_t align;
} header;

static void *count_malloc(void *ud, size_t n) {
    counter *c = ud;
    header *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    c->calls++;
    c->blocks++;
    c->bytes += n;
    if (c->bytes > c->peak)
        c->peak = c->bytes;
    return h + 1;
}

static void count_free(void *ud, void *p) {
    counter *c = ud;
    if (!p)
        return;
    header *h = (header *)p - 1;
    c->blocks--;
    c->bytes -= h->size;
    free(h);
}

static void *count_realloc(void *ud, void *p, size_t n) {
    counter *c = ud;
    if (!p)
        return count_malloc(ud, n);
    header *old = (header *)p - 1;
    size_t before = old->size;
    header *h = realloc(old, sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    c->calls++;
    c->bytes = c->bytes - before + n;
    if (c->bytes > c->peak)
        c->peak = c->bytes;
    return h + 1;
}

/* Every other kind of call, under the hook: a block the library made through the hook and freed
 * with free() (or the reverse) would crash here, since the hook's blocks start before the
 * pointer it returns. */
static void everything_else(const cav_pack *pack, const cav_query *q) {
    cav_buf out = {0};
    cav_diags *d = cav_diags_new();
    cav_test_result res;
    cav_test_opts opts = {0};
    cav_filter all = {-1, -1};
    int32_t from, to;
    cav_date_parse("2024-05-01", &from);
    cav_date_parse("2024-12-01", &to);
    const char *name = "t.cav", *text = "party US\npermit r party US from 2024-01-01 source s\n";
    cav_pack *bad = NULL;
    expect(cav_timeline(pack, &all, CAV_FMT_JSON, &out) == 0 &&
               cav_diff(pack, from, to, &all, CAV_FMT_MD, &out) == 0 &&
               cav_sources(pack, CAV_FMT_JSON, &out) == 0 &&
               cav_where(pack, 50.6, 36.59, 5000, CAV_FMT_JSON, &out) == 0 &&
               cav_catalog_write(pack, -1, CAV_FMT_JSON, &out) == 0 &&
               cav_map(pack, q, NULL, CAV_FMT_GEOJSON, &out) == 0 &&
               cav_pack_lint(pack, 0, d) == 0 && cav_fmt(name, text, d, &out) == 0 &&
               cav_pack_load_mem(&name, &text, 1, d, &bad) == CAV_EPOLICY &&
               cav_diags_write(d, 1, CAV_FMT_SARIF, &out) == 0 &&
               cav_pack_test_default(pack, &opts, CAV_FMT_JUNIT, &out, &res) == 0,
           "every report under the hook");
    cav_diags_free(d);
    cav_buf_free(&out);

    /* an audit of a small synthetic log */
    char log[] = "/tmp/caveat-allocator-XXXXXX";
    int fd = mkstemp(log);
    cav_sample_opts so = {.rows = 500, .seed = 1, .bad_rate = 0.1};
    FILE *sink = tmpfile();
    const char *inputs[] = {log};
    cav_audit_opts ao = {.inputs = inputs,
                         .ninputs = 1,
                         .output_format = CAV_FMT_CSV,
                         .threads = 1,
                         .out_fd = sink ? fileno(sink) : -1};
    cav_audit *a = NULL;
    expect(fd >= 0 && sink && cav_sample(pack, &so, fd) == 0 &&
               cav_audit_new(pack, &ao, &a, &out) == 0 && cav_audit_run(a, &out) == 0 &&
               cav_audit_summary(a, CAV_FMT_JSON, &out) == 0,
           "an audit under the hook");
    cav_audit_free(a);
    cav_buf_free(&out);
    if (sink)
        fclose(sink);
    if (fd >= 0) {
        close(fd);
        unlink(log);
    }
}

int main(void) {
    counter c = {0};
    cav_allocator a = {count_malloc, count_realloc, count_free, &c};
    cav_allocator half = {count_malloc, NULL, count_free, &c};
    expect(cav_set_allocator(&half) == CAV_EINVAL, "every function is needed");
    if (cav_set_allocator(&a) != 0) /* before any other call of the library */
        return 1;

    cav_pack *pack = NULL;
    expect(cav_pack_load_default(NULL, &pack) == 0, "loaded");
    printf("loading the pack: %ld allocations through the hook\n", c.calls);

    const char *doc = "{\"date\": \"2024-06-10\", \"weapon\": \"gmlrs\", \"target\": "
                      "{\"lat\": 50.60, \"lon\": 36.59, \"kind\": \"artillery\", "
                      "\"role\": \"attacking\"}, \"purpose\": \"counterfire\"}";
    cav_query q;
    cav_qerrors e;
    cav_buf id = {0}, line = {0};
    long before = c.calls;
    expect(cav_query_parse_json(pack, doc, strlen(doc), NULL, &q, &id, &e) == 0, "parsed");
    printf("reading a JSON query: %ld allocations\n", c.calls - before);

    /* evaluation allocates nothing, however many times */
    before = c.calls;
    cav_decision d;
    int permitted = 0;
    for (int i = 0; i < 100000; i++) {
        q.target_lon = 35.0 + i * 4e-5; /* 35 to 39 E, across the border */
        permitted += cav_eval(pack, &q, &d) == 0 && d.verdict == CAV_PERMITTED;
    }
    printf("100000 decisions (%d permitted): %ld allocations\n", permitted, c.calls - before);
    expect(c.calls == before, "cav_eval allocates nothing");
    expect(permitted > 0 && permitted < 100000, "some of them permitted");

    before = c.calls;
    cav_decision_json(pack, &q, &d, id.data, CAV_EXPLAIN, &line);
    printf("writing the decision (%zu bytes): %ld allocations\n", line.len, c.calls - before);
    expect(c.calls > before, "the buffer grew through the hook");

    before = c.calls;
    everything_else(pack, &q);
    printf("reports, a map, lint, fmt, the pack's tests and an audit: %ld allocations\n",
           c.calls - before);

    cav_buf_free(&id);
    cav_buf_free(&line);
    cav_pack_release(pack);
    printf("after releasing the pack: %ld blocks, %zu bytes live\n", c.blocks, c.bytes);
    cav_cleanup(); /* the boundary data's locator, kept for the whole process */
    printf("after cav_cleanup: %ld blocks, %zu bytes live (peak %zu bytes)\n", c.blocks, c.bytes,
           c.peak);
    expect(c.blocks == 0 && c.bytes == 0, "everything came back");
    cav_set_allocator(NULL); /* malloc, realloc and free again */
    return failed;
}
