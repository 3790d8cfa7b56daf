/* audit.c — the audit engine (caveat.h, cav_audit_*): every row of event logs decided in input
 * order on all cores, in constant memory.
 *
 * Pipeline. A reader thread cuts the input into chunks of whole rows (about 1 MiB; rows end where
 * src/core/csv.h says, NDJSON documents where cav_split_next says) and counts their lines, so
 * every row knows its file line; worker threads each take a chunk, bind, decide and format its
 * rows into the chunk's output (audit_rows.c); the thread that called cav_audit_run writes the
 * finished chunks strictly in input order through a stream (core/stream.h), which writes a
 * regular file in whole blocks with O_DIRECT: the kernel's copy of the output into the page
 * cache was the largest single cost of a run to a file, and workers writing their own chunks
 * with pwrite only queued on the file's lock. A fixed pool of 4 * threads + 4 chunks bounds
 * memory whatever the input's size. Rows in = rows out, always.
 *
 * Ownership: see audit.h. The library prints nothing: failures are kept in fail_msg and returned
 * to the caller of cav_audit_run.
 */
#include "batch/audit.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

__attribute__((format(printf, 2, 3))) static void fail(cav_audit *a, const char *fmt, ...) {
    pthread_mutex_lock(&a->mu);
    if (!a->failed) {
        va_list ap;
        va_start(ap, fmt);
        a->failed = 1;
        vsnprintf(a->fail_msg, sizeof a->fail_msg, fmt, ap);
        va_end(ap);
    }
    pthread_cond_broadcast(&a->cv_ready);
    pthread_cond_broadcast(&a->cv_done);
    pthread_cond_broadcast(&a->cv_free);
    pthread_mutex_unlock(&a->mu);
}

/* ---- input ---------------------------------------------------------------------------------- */

static int open_input(cav_audit *a, int file) {
    const char *path = a->inputs[file];
    a->file = file;
    if (strcmp(path, "-") == 0) {
        a->fd = STDIN_FILENO;
        return 0;
    }
    a->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (a->fd < 0)
        return -1;
    struct stat st;
    if (fstat(a->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(a->fd);
        a->fd = -1;
        errno = EISDIR;
        return -1;
    }
    return 0;
}

static void close_input(cav_audit *a) {
    if (a->fd > STDIN_FILENO)
        close(a->fd);
    a->fd = -1;
}

/* Grows buf (capacity *cap) to hold need bytes plus the slack; 0 or -1. */
static int reserve(char **buf, size_t *cap, size_t need) {
    if (need + AUDIT_SLACK <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 65536;
    while (ncap < need + AUDIT_SLACK)
        ncap *= 2;
    char *g = cav__realloc(*buf, ncap);
    if (!g) {
        errno = ENOMEM;
        return -1;
    }
    memset(g + need, 0, ncap - need);
    *buf = g;
    *cap = ncap;
    return 0;
}

/* Reads more of the current input into buf after *len (at most want bytes). Returns the bytes
 * read, 0 at its end, -1 on error. */
static ssize_t read_some(cav_audit *a, char *buf, size_t want) {
    for (;;) {
        ssize_t k = read(a->fd, buf, want);
        if (k < 0 && errno == EINTR)
            continue;
        return k;
    }
}

/* Fills the carry until it holds a complete first row (CSV header) or the input ends. */
static int read_first_row(cav_audit *a, char delim, size_t *row_len, int *eof) {
    for (;;) {
        size_t cut = 0;
        if (a->ncarry) {
            char d = delim ? delim : cav__csv_detect(a->carry, a->ncarry);
            cut = cav__csv_cut(a->carry, a->ncarry, d, *eof);
            if (cut) {
                cav_csv_row row;
                cav__csv_row(a->carry, cut, d, NULL, 0, &row);
                *row_len = row.size;
                return 0;
            }
        }
        if (*eof) {
            *row_len = a->ncarry;
            return 0;
        }
        if (a->ncarry > AUDIT_MAX_ROW)
            return -2;
        if (reserve(&a->carry, &a->carry_cap, a->ncarry + 65536) != 0)
            return -3;
        ssize_t k = read_some(a, a->carry + a->ncarry, 65536);
        if (k < 0)
            return -1;
        if (k == 0)
            *eof = 1;
        a->ncarry += (size_t)k;
        a->carry[a->ncarry] = '\0';
    }
}

/* Reads the header of the current (CSV) input into names; compares it with the plan's when the
 * plan is made. Returns 0, or a CAV_E* code with the message in err. */
static int input_header(cav_audit *a, const cav_audit_opts *o, cav_buf *err, int first) {
    int eof = 0;
    size_t n = 0;
    int rc = read_first_row(a, first ? o->delimiter : a->plan.delim, &n, &eof);
    if (rc == -1 || rc == -3) {
        cav__buf_printf(err, "%s: %s\n", a->inputs[a->file],
                        rc == -1 ? strerror(errno) : "out of memory");
        return rc == -1 ? CAV_EIO : CAV_ENOMEM;
    }
    if (rc == -2) {
        cav__buf_printf(err, "%s: the header is longer than %d bytes\n", a->inputs[a->file],
                        AUDIT_MAX_ROW);
        return CAV_ELIMIT;
    }
    size_t skip = 0;
    if (n >= 3 && memcmp(a->carry, "\xef\xbb\xbf", 3) == 0)
        skip = 3; /* a byte-order mark, as spreadsheet programs write */
    if (n == skip) {
        cav__buf_printf(err,
                        "%s: empty input: a CSV log starts with a header row naming its "
                        "columns\n",
                        a->inputs[a->file]);
        return CAV_EQUERY;
    }
    cav_csv_row row;
    char delim = first ? (o->delimiter ? o->delimiter : cav__csv_detect(a->carry + skip, n - skip))
                       : a->plan.delim;
    cav__csv_row(a->carry + skip, n - skip, delim, NULL, 0, &row);
    if (first) {
        rc = cav__audit_plan_csv(&a->plan, o, a->carry + skip, row.text_len, err);
        if (rc != 0)
            return rc;
    } else {
        /* a later input must have the same columns, in the same order */
        cav_csv_span *f = cav__malloc(AUDIT_MAX_COLS * sizeof *f);
        char *v = cav__malloc(row.text_len + 1);
        int same = f && v;
        if (same) {
            cav__csv_row(a->carry + skip, n - skip, delim, f, AUDIT_MAX_COLS, &row);
            same = row.nfields == (size_t)a->plan.ncols;
            for (int i = 0; same && i < a->plan.ncols; i++) {
                size_t k = cav__csv_unquote(&f[i], v, row.text_len);
                size_t s = 0;
                while (s < k && (v[s] == ' ' || v[s] == '\t'))
                    s++;
                while (k > s && (v[k - 1] == ' ' || v[k - 1] == '\t'))
                    k--;
                same = strlen(a->plan.cols[i].name) == k - s &&
                       memcmp(a->plan.cols[i].name, v + s, k - s) == 0;
            }
        }
        cav__free(f);
        cav__free(v);
        if (!same) {
            cav__buf_printf(err,
                            "%s: its header differs from the first input's; inputs of one "
                            "audit share one header\n",
                            a->inputs[a->file]);
            return CAV_EQUERY;
        }
    }
    a->line = 1 + (long)(row.lines ? row.lines : 1);
    memmove(a->carry, a->carry + n, a->ncarry - n);
    a->ncarry -= n;
    return 0;
}

/* The input's format: NDJSON when its first byte that is no space is '{' or '['. */
static int sniff(cav_audit *a, int *ndjson) {
    int eof = 0;
    for (;;) {
        size_t i = 0;
        if (a->ncarry >= 3 && memcmp(a->carry, "\xef\xbb\xbf", 3) == 0)
            i = 3;
        while (i < a->ncarry && (a->carry[i] == ' ' || a->carry[i] == '\t' || a->carry[i] == '\n' ||
                                 a->carry[i] == '\r'))
            i++;
        if (i < a->ncarry || eof) {
            *ndjson = i < a->ncarry && (a->carry[i] == '{' || a->carry[i] == '[');
            return 0;
        }
        if (a->ncarry > AUDIT_MAX_ROW) {
            *ndjson = 0;
            return 0;
        }
        if (reserve(&a->carry, &a->carry_cap, a->ncarry + 65536) != 0)
            return -1;
        ssize_t k = read_some(a, a->carry + a->ncarry, 65536);
        if (k < 0)
            return -1;
        if (k == 0)
            eof = 1;
        a->ncarry += (size_t)k;
    }
}

/* ---- the reader thread ---------------------------------------------------------------------- */

static chunk *free_chunk(cav_audit *a) {
    pthread_mutex_lock(&a->mu);
    chunk *c = NULL;
    while (!a->failed) {
        for (int i = 0; i < a->nchunks && !c; i++)
            if (a->chunks[i].state == CH_FREE)
                c = &a->chunks[i];
        if (c)
            break;
        pthread_cond_wait(&a->cv_free, &a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return c;
}

static void submit(cav_audit *a, chunk *c) {
    pthread_mutex_lock(&a->mu);
    c->seq = a->nread++;
    c->state = CH_READY;
    pthread_cond_broadcast(&a->cv_ready);
    pthread_mutex_unlock(&a->mu);
}

/* Where the complete NDJSON documents of buf[0, len) end, advancing a->split. */
static size_t ndjson_cut(cav_audit *a, const char *buf, size_t len, int eof) {
    size_t pos = 0;
    while (pos < len && pos < AUDIT_CHUNK) {
        cav_doc doc;
        cav_split s = a->split;
        size_t used = cav_split_next(&s, buf + pos, len - pos, eof, &doc);
        if (doc.kind == CAV_DOC_END && used == 0)
            break;
        a->split = s;
        pos += used;
    }
    return pos;
}

/* Drops the rest of a row too long to read, up to its line end. Returns 0 or -1. */
static int drop_long_row(cav_audit *a, chunk *c, int *eof) {
    for (;;) {
        for (size_t i = 0; i < a->ncarry; i++)
            if (a->carry[i] == '\n' || a->carry[i] == '\r') {
                size_t e = a->carry[i] == '\r' && i + 1 < a->ncarry && a->carry[i + 1] == '\n'
                               ? i + 2
                               : i + 1;
                if (a->carry[i] == '\r' && i + 1 == a->ncarry && !*eof)
                    break; /* a "\n" may follow */
                memmove(a->carry, a->carry + e, a->ncarry - e);
                a->ncarry -= e;
                return 0;
            }
        a->ncarry = 0;
        if (*eof)
            return 0;
        ssize_t k = read_some(a, a->carry, a->carry_cap - AUDIT_SLACK);
        if (k < 0)
            return -1;
        if (k == 0)
            *eof = 1;
        a->ncarry = (size_t)k;
        (void)c;
    }
}

/* Reads the current input to its end in chunks. Returns 0 or -1 (after fail()). */
static int read_input(cav_audit *a) {
    int eof = 0;
    const audit_plan *pl = &a->plan;
    while (!eof || a->ncarry) {
        chunk *c = free_chunk(a);
        if (!c)
            return -1;
        if (reserve(&c->in, &c->in_cap, a->ncarry + AUDIT_CHUNK) != 0)
            goto oom;
        memcpy(c->in, a->carry, a->ncarry);
        size_t len = a->ncarry, cut = 0;
        cav_split at_start = a->split;
        for (;;) {
            while (!eof && len < AUDIT_CHUNK) {
                if (reserve(&c->in, &c->in_cap, len + AUDIT_CHUNK) != 0)
                    goto oom;
                ssize_t k = read_some(a, c->in + len, c->in_cap - AUDIT_SLACK - len);
                if (k < 0)
                    goto io;
                if (k == 0)
                    eof = 1;
                len += (size_t)k;
            }
            memset(c->in + len, 0, AUDIT_SLACK);
            a->split = at_start;
            cut = pl->ndjson_in ? ndjson_cut(a, c->in, len, eof)
                                : cav__csv_cut(c->in, len, pl->delim, eof);
            if (cut > 0 || eof || len == 0)
                break;
            if (len >= (pl->ndjson_in ? 2 * (size_t)CAV_MAX_DOC + AUDIT_CHUNK : AUDIT_MAX_ROW))
                break; /* one row fills the buffer */
            if (reserve(&c->in, &c->in_cap, len + AUDIT_CHUNK) != 0)
                goto oom;
            size_t room = c->in_cap - AUDIT_SLACK - len;
            ssize_t k = read_some(a, c->in + len, room);
            if (k < 0)
                goto io;
            if (k == 0)
                eof = 1;
            len += (size_t)k;
        }
        c->too_long = 0;
        c->file = a->file;
        c->first_line = a->line;
        c->split = at_start;
        if (cut == 0 && len > 0 && !pl->ndjson_in) {
            /* a row longer than AUDIT_MAX_ROW: an unbalanced quote ends it at its first line end;
               else it is dropped to its line end and reported */
            cav_csv_row row;
            cav__csv_row(c->in, len, pl->delim, NULL, 0, &row);
            if (row.size < len && row.text_len < AUDIT_MAX_ROW) {
                cut = row.size;
            } else {
                if (reserve(&a->carry, &a->carry_cap, len) != 0)
                    goto oom;
                memcpy(a->carry, c->in, len);
                a->ncarry = len;
                if (drop_long_row(a, c, &eof) != 0)
                    goto io;
                c->in_len = 0;
                c->too_long = 1;
                a->line++;
                submit(a, c);
                continue;
            }
        }
        if (cut == 0 && len > 0) {
            cut = len; /* NDJSON: the splitter reports what it could not read */
            cav_split s = at_start;
            a->split = s;
            ndjson_cut(a, c->in, len, 1);
        }
        if (reserve(&a->carry, &a->carry_cap, len - cut) != 0)
            goto oom;
        memcpy(a->carry, c->in + cut, len - cut);
        a->ncarry = len - cut;
        c->in_len = cut;
        memset(c->in + cut, 0, AUDIT_SLACK);
        if (!pl->ndjson_in)
            a->line += (long)cav__csv_lines(c->in, cut);
        if (cut == 0) {
            pthread_mutex_lock(&a->mu);
            c->state = CH_FREE;
            pthread_mutex_unlock(&a->mu);
            if (eof)
                break;
            continue;
        }
        submit(a, c);
    }
    return 0;
io:
    fail(a, "read error: %s", strerror(errno));
    return -1;
oom:
    fail(a, "%s", "out of memory");
    return -1;
}

static void *reader_main(void *arg) {
    cav_audit *a = arg;
    int rc = read_input(a);
    for (int f = a->file + 1; rc == 0 && f < a->ninputs; f++) {
        close_input(a);
        a->ncarry = 0;
        cav_split_init(&a->split);
        if (open_input(a, f) != 0) {
            fail(a, "%s: %s", a->inputs[f], strerror(errno));
            break;
        }
        if (!a->plan.ndjson_in) {
            cav_buf err = {0};
            cav_audit_opts o = {0};
            if (input_header(a, &o, &err, 0) != 0) {
                if (err.data && err.len && err.data[err.len - 1] == '\n')
                    err.data[--err.len] = '\0';
                fail(a, "%s", err.data ? err.data : "cannot read a header");
                cav_buf_free(&err);
                break;
            }
            cav_buf_free(&err);
        } else {
            a->line = 1;
        }
        rc = read_input(a);
    }
    close_input(a);
    pthread_mutex_lock(&a->mu);
    a->reader_done = 1;
    pthread_cond_broadcast(&a->cv_ready);
    pthread_cond_broadcast(&a->cv_done);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* ---- workers and the ordered writer --------------------------------------------------------- */

static void *worker_main(void *arg) {
    worker *w = arg;
    cav_audit *a = w->a;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        chunk *next = NULL;
        for (int i = 0; i < a->nchunks; i++)
            if (a->chunks[i].state == CH_READY && (!next || a->chunks[i].seq < next->seq))
                next = &a->chunks[i];
        if (a->failed || (!next && a->reader_done))
            break;
        if (!next) {
            pthread_cond_wait(&a->cv_ready, &a->mu);
            continue;
        }
        next->state = CH_BUSY;
        pthread_mutex_unlock(&a->mu);
        if (cav__audit_chunk(w, next) != 0)
            fail(a, "%s", "out of memory");
        pthread_mutex_lock(&a->mu);
        next->state = CH_DONE;
        pthread_cond_broadcast(&a->cv_done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Takes finished chunks in order until the input ends: writes them to out, counts rows out,
 * keeps the first error samples. */
static int write_chunks(cav_audit *a, cav_stream *out) {
    uint64_t next = 0;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        chunk *c = NULL;
        for (;;) {
            if (a->failed)
                break;
            for (int i = 0; i < a->nchunks && !c; i++)
                if (a->chunks[i].state == CH_DONE && a->chunks[i].seq == next)
                    c = &a->chunks[i];
            if (c || (a->reader_done && next == a->nread))
                break;
            pthread_cond_wait(&a->cv_done, &a->mu);
        }
        pthread_mutex_unlock(&a->mu);
        if (!c)
            return a->failed ? -1 : 0;
        if (cav__stream_write(out, c->out.data, c->out.len) != 0) {
            fail(a, "write error: %s", strerror(errno));
            return -1;
        }
        for (int i = 0; i < c->nsamples && a->nsamples < AUDIT_SAMPLES; i++)
            a->samples[a->nsamples++] = c->samples[i];
        a->rows_out += c->nrows;
        pthread_mutex_lock(&a->mu);
        c->state = CH_FREE;
        next++;
        pthread_cond_broadcast(&a->cv_free);
        pthread_mutex_unlock(&a->mu);
    }
}

/* ---- the API -------------------------------------------------------------------------------- */

int cav_audit_new(const cav_pack *p, const cav_audit_opts *o, cav_audit **out, cav_buf *err) {
    if (!p || !o || !out)
        return CAV_EINVAL;
    *out = NULL;
    if (o->delimiter && o->delimiter != ',' && o->delimiter != ';' && o->delimiter != '\t') {
        cav__buf_puts(err, "the delimiter must be ',', ';' or a tab\n");
        return CAV_EINVAL;
    }
    if (o->input_format < CAV_AUDIT_IN_AUTO || o->input_format > CAV_AUDIT_IN_NDJSON ||
        o->threads < 0 || o->threads > 256) {
        cav__buf_puts(err, "bad input format or thread count\n");
        return CAV_EINVAL;
    }
    cav_audit *a = cav__calloc(1, sizeof *a);
    if (!a)
        return CAV_ENOMEM;
    a->ref = cav_pack_retain((cav_pack *)p);
    a->pack = p;
    a->fd = -1;
    a->out_fd = o->out_fd;
    a->flags = o->flags;
    a->dec_slots = AUDIT_DEC_SLOTS;
    cav_split_init(&a->split);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv_ready, NULL);
    pthread_cond_init(&a->cv_done, NULL);
    pthread_cond_init(&a->cv_free, NULL);
    int rc = CAV_ENOMEM;
    a->ninputs = o->ninputs ? (int)o->ninputs : 1;
    a->inputs = cav__calloc((size_t)a->ninputs, sizeof *a->inputs);
    if (!a->inputs)
        goto fail;
    for (int i = 0; i < a->ninputs; i++)
        if (!(a->inputs[i] = cav__strdup(o->ninputs ? o->inputs[i] : "-")))
            goto fail;
    if (open_input(a, 0) != 0) {
        cav__buf_printf(err, "%s: %s\n", a->inputs[0], strerror(errno));
        rc = CAV_EIO;
        goto fail;
    }
    int ndjson = o->input_format == CAV_AUDIT_IN_NDJSON;
    if (o->input_format == CAV_AUDIT_IN_AUTO && sniff(a, &ndjson) != 0) {
        cav__buf_printf(err, "%s: %s\n", a->inputs[0], strerror(errno));
        rc = errno == ENOMEM ? CAV_ENOMEM : CAV_EIO;
        goto fail;
    }
    rc = ndjson ? cav__audit_plan_ndjson(&a->plan, o, err) : input_header(a, o, err, 1);
    if (rc != 0)
        goto fail;
    if (ndjson)
        a->line = 1;
    if ((rc = cav__audit_epochs(a)) != 0)
        goto fail;
    a->nthreads = o->threads;
    if (a->nthreads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        a->nthreads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
    }
    *out = a;
    return 0;
fail:
    cav_audit_free(a);
    return rc;
}

int cav_audit_run(cav_audit *a, cav_buf *err) {
    if (!a || a->ran)
        return CAV_EINVAL;
    a->ran = 1;
    double t0 = now_s();
    int nw = a->nthreads;
    a->workers = cav__calloc((size_t)nw, sizeof *a->workers);
    a->nchunks = 4 * nw + 4;
    a->chunks = cav__calloc((size_t)a->nchunks, sizeof *a->chunks);
    if (!a->workers || !a->chunks) {
        cav__buf_puts(err, "out of memory\n");
        return CAV_ENOMEM;
    }
    for (int i = 0; i < nw; i++)
        if (cav__audit_worker_init(a, &a->workers[i]) != 0) {
            cav__buf_puts(err, "out of memory\n");
            return CAV_ENOMEM;
        }
    /* the output's head: the CSV header, or the GeoJSON collection's opening */
    const char *head = a->plan.out == CAV_FMT_CSV       ? a->plan.header
                       : a->plan.out == CAV_FMT_GEOJSON ? "{\"type\": \"FeatureCollection\", "
                                                          "\"features\": [\n"
                                                        : "";
    size_t head_len = a->plan.out == CAV_FMT_CSV ? a->plan.header_len : strlen(head);
    cav_stream *out;
    if (cav__stream_open(&out, a->out_fd) != 0) {
        cav__buf_puts(err, "out of memory\n");
        return CAV_ENOMEM;
    }
    if (cav__stream_write(out, head, head_len) != 0) {
        cav__buf_printf(err, "write error: %s\n", strerror(errno));
        cav__stream_close(out);
        return CAV_EIO;
    }
    pthread_t reader;
    int started = 0, reader_started = 0;
    for (; started < nw; started++)
        if (pthread_create(&a->workers[started].thread, NULL, worker_main, &a->workers[started]) !=
            0)
            break;
    if (started < nw || pthread_create(&reader, NULL, reader_main, a) != 0)
        fail(a, "%s", "cannot start threads");
    else
        reader_started = 1;
    int rc = write_chunks(a, out);
    if (reader_started)
        pthread_join(reader, NULL);
    for (int i = 0; i < started; i++)
        pthread_join(a->workers[i].thread, NULL);
    if (rc == 0 && !a->failed && a->plan.out == CAV_FMT_GEOJSON) {
        const char *tail = a->rows_out ? "\n]}\n" : "]}\n";
        if (cav__stream_write(out, tail, strlen(tail)) != 0)
            fail(a, "write error: %s", strerror(errno));
    }
    if (cav__stream_close(out) != 0)
        fail(a, "write error: %s", strerror(errno));
    a->seconds = now_s() - t0;
    if (a->failed) {
        cav__buf_printf(err, "%s\n", a->fail_msg);
        return strstr(a->fail_msg, "out of memory") ? CAV_ENOMEM : CAV_EIO;
    }
    return 0;
}

void cav_audit_counts_get(const cav_audit *a, cav_audit_counts *c) {
    memset(c, 0, sizeof *c);
    if (!a)
        return;
    for (int i = 0; a->workers && i < a->nthreads; i++) {
        const worker *w = &a->workers[i];
        c->rows_in += w->rows;
        c->errors += w->errors;
        for (int v = 0; v < AUDIT_NVERDICTS; v++)
            c->verdicts[v] += w->verdicts[v];
    }
    c->rows_out = a->rows_out;
    c->seconds = a->seconds;
}

int cav_audit_summary(const cav_audit *a, cav_format f, cav_buf *out) {
    if (!a || !out)
        return CAV_EINVAL;
    if (f == CAV_FMT_JSON)
        return cav__audit_summary_json(a, out);
    if (f == CAV_FMT_TEXT)
        return cav__audit_summary_text(a, out);
    return CAV_EINVAL;
}

void cav_audit_free(cav_audit *a) {
    if (!a)
        return;
    close_input(a);
    for (int i = 0; a->workers && i < a->nthreads; i++)
        cav__audit_worker_free(&a->workers[i]);
    cav__free(a->workers);
    for (int i = 0; a->chunks && i < a->nchunks; i++) {
        cav__free(a->chunks[i].in);
        cav_buf_free(&a->chunks[i].out);
    }
    cav__free(a->chunks);
    for (int i = 0; a->inputs && i < a->ninputs; i++)
        cav__free(a->inputs[i]);
    cav__free(a->inputs);
    cav__free(a->carry);
    cav__free(a->epoch_dates);
    cav__free(a->epoch_off);
    cav__free(a->exception_fields);
    cav__audit_plan_free(&a->plan);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv_ready);
    pthread_cond_destroy(&a->cv_done);
    pthread_cond_destroy(&a->cv_free);
    cav_pack_release(a->ref);
    cav__free(a);
}
