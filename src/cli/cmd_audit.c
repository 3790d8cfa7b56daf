/* cmd_audit.c — `caveat audit`: decide every row of event logs (CSV or NDJSON), in order, on all
 * cores, in constant memory.
 *
 * Pipeline. A reader thread cuts the input into chunks of whole rows (about 1 MiB; a row may hold
 * quoted newlines, see core/csv.h); worker threads each take a chunk, read its rows, evaluate them
 * and format the output rows into the chunk's own output buffer; finished chunks are written
 * strictly in input order: to a file (-o) by the worker that made the chunk, at the offset its
 * turn gives it (the kernel copies the bytes while they are in that core's cache, and no thread
 * does nothing but copy); to stdout by the main thread. A fixed pool of 4 * threads + 4 chunks
 * bounds memory whatever the input size. Rows in = rows out, always: a row that cannot be evaluated
 * keeps its place, with an `error` naming the field.
 *
 * Deciding rows is audit_rows.c's (the hot path: caches in front of the catalog look-ups, the
 * added columns formatted once per distinct decision), the summary audit_summary.c's.
 *
 * Output goes to a temporary file in the directory of -o, renamed over OUT only when complete;
 * SIGINT/SIGTERM remove it, and a run killed harder leaves only a hidden ".OUT.part.XXXXXX".
 */
#include "cli/audit.h"
#include "cli/cli.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char audit_help[] =
    "usage: caveat audit [--policy DIR|FILE]... [--format csv|ndjson] [--input-format csv|ndjson]\n"
    "                    [-o OUT] [--summary FILE] [--threads N] [--quiet] [INPUT... | -]\n\n"
    "Decides every row of event logs and writes each row with the columns decision, parties,\n"
    "rule, explanation and error added, in input order: rows in = rows out. A row that cannot be\n"
    "evaluated gets an error naming the field and the run goes on.\n\n"
    "CSV input has a header row naming the query fields dotted: id, date, weapon, supplier,\n"
    "target.lat, target.lon, target.kind, target.state, purpose, launch.lat, launch.lon (date,\n"
    "weapon, target.lat, target.lon and target.kind are required); other columns pass through\n"
    "unchanged. NDJSON input (by extension .ndjson/.jsonl, or --input-format) holds one query per\n"
    "line; other top-level keys pass through to NDJSON output (CSV output from NDJSON has the\n"
    "query columns only). Several inputs are read one after the other (CSV inputs must share one\n"
    "header). Values are trimmed of spaces; names are case-insensitive.\n\n"
    "  --policy P        load the pack from P (repeatable); default: the embedded pack\n"
    "  --format F        output csv or ndjson (default: the input's format)\n"
    "  --input-format F  csv or ndjson (default: by extension; stdin is csv)\n"
    "  -o OUT            write to OUT (through a temporary file renamed when complete);\n"
    "                    default: stdout\n"
    "  --summary FILE    write the summary as JSON to FILE\n"
    "  --threads N       worker threads (default: the number of cores)\n"
    "  --quiet           no summary and no progress on stderr\n\n"
    "Columns added: decision (permitted, prohibited, unknown; empty for an error), parties\n"
    "(PARTY:decision;...), rule (the deciding rules of the parties that decided, or default-deny,\n"
    "or no-rules-in-force), explanation, error (FIELD: message). NDJSON output adds decision,\n"
    "parties (as in `caveat check`), rule, explanation, or error {field, message}.\n\n"
    "Exit status: 0 every row evaluated, 1 some row was an error, 2 usage, policy or I/O error.\n";

static const char *const added_names[] = {"decision", "parties", "rule", "explanation", "error"};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail(audit *a, const char *fmt, const char *arg) {
    pthread_mutex_lock(&a->mu);
    if (!a->failed) {
        a->failed = 1;
        snprintf(a->fail_msg, sizeof a->fail_msg, fmt, arg);
    }
    pthread_cond_broadcast(&a->cv_ready);
    pthread_cond_broadcast(&a->cv_done);
    pthread_cond_broadcast(&a->cv_free);
    pthread_cond_broadcast(&a->cv_offset);
    pthread_mutex_unlock(&a->mu);
}

/* Writes all n bytes, retrying short writes and EINTR: at offset with pwrite, or at the file
 * position with write when offset is WRITE_AT_END (pipes, terminals). */
#define WRITE_AT_END UINT64_MAX
static int write_fully(int fd, const char *s, size_t n, uint64_t offset) {
    while (n) {
        ssize_t k = offset == WRITE_AT_END ? write(fd, s, n) : pwrite(fd, s, n, (off_t)offset);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        s += k;
        n -= (size_t)k;
        if (offset != WRITE_AT_END)
            offset += (uint64_t)k;
    }
    return 0;
}

/* Writes chunk c at its place in the output, once every chunk before it has taken its place. */
static void write_direct(audit *a, chunk *c) {
    pthread_mutex_lock(&a->mu);
    while (a->offset_seq != c->seq && !a->failed)
        pthread_cond_wait(&a->cv_offset, &a->mu);
    uint64_t at = a->next_offset;
    a->next_offset += c->out_len;
    a->offset_seq++;
    int failed = a->failed;
    pthread_cond_broadcast(&a->cv_offset);
    pthread_mutex_unlock(&a->mu);
    if (!failed && write_fully(a->direct_fd, c->out, c->out_len, at) != 0)
        fail(a, "caveat audit: write error: %s", strerror(errno));
}

static void *worker_main(void *arg) {
    worker *w = arg;
    audit *a = w->a;
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
        int rc = cli_audit_process_chunk(w, next);
        if (rc != 0)
            fail(a, "caveat audit: %s", "out of memory");
        else if (a->direct_fd >= 0)
            write_direct(a, next);
        pthread_mutex_lock(&a->mu);
        next->state = CH_DONE;
        pthread_cond_broadcast(&a->cv_done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* ---- reading --------------------------------------------------------------------------------- */

typedef struct reader {
    audit *a;
    pthread_t thread;
    int fd, file;
    const char *name;
    char *carry;
    size_t ncarry, carry_cap;
    int eof;
    uint64_t consumed; /* bytes of all inputs taken into chunks */
} reader;

/* Reads into *buf until it holds at least want bytes or the input ends. */
static int fill(reader *r, char **buf, size_t *len, size_t *cap, size_t want) {
    /* 16 bytes of slack after the data: the row reader may load whole words past a value */
    if (cli_audit_reserve(buf, cap, *len > want ? *len : want, 16) != 0)
        return -1;
    while (*len < want && !r->eof) {
        ssize_t got = read(r->fd, *buf + *len, want - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            r->eof = 1;
        *len += (size_t)got;
    }
    return 0;
}

static size_t complete_rows(const audit *a, const char *s, size_t len) {
    if (a->in_fmt == FMT_CSV)
        return cav__csv_complete(s, len);
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == '\n')
            return i;
    return 0;
}

static int open_input(reader *r, int file) {
    const audit_opts *o = r->a->o;
    r->file = file;
    r->eof = 0;
    r->ncarry = 0;
    r->name = o->ninputs ? o->inputs[file] : "-";
    if (strcmp(r->name, "-") == 0) {
        r->fd = 0;
        r->name = "<stdin>";
        return 0;
    }
    r->fd = open(r->name, O_RDONLY);
    return r->fd < 0 ? -1 : 0;
}

/* Splits the header row of a CSV input into names (unquoted). Returns the column count or -1. */
static int split_header(const char *s, size_t len, char ***names) {
    cav_csv_span *f = malloc(MAX_COLS * sizeof *f);
    cav_csv_row row;
    if (!f)
        return -1;
    cav__csv_row(s, len, f, MAX_COLS, &row);
    if (row.nfields > MAX_COLS || row.unterminated) {
        free(f);
        return -1;
    }
    char **v = calloc(row.nfields, sizeof *v);
    for (size_t i = 0; v && i < row.nfields; i++) {
        v[i] = malloc(f[i].len + 1);
        if (!v[i])
            break;
        size_t n = cav__csv_unquote(&f[i], v[i], f[i].len);
        v[i][n] = '\0';
        const char *t = v[i];
        cli_audit_trim(&t, &n);
        memmove(v[i], t, n);
        v[i][n] = '\0';
    }
    free(f);
    *names = v;
    return v ? (int)row.nfields : -1;
}

/* Reads the header row of the current CSV input into the audit (first input) or checks that it is
 * the first input's. Returns 0, or -1 with a message printed. */
static int read_header(reader *r) {
    audit *a = r->a;
    size_t cut = 0;
    for (size_t want = 65536;; want *= 2) {
        if (fill(r, &r->carry, &r->ncarry, &r->carry_cap, want) != 0) {
            fprintf(stderr, "caveat audit: %s: %s\n", r->name, strerror(errno));
            return -1;
        }
        if (r->ncarry) {
            cav_csv_row row;
            cut = cav__csv_row(r->carry, r->ncarry, NULL, 0, &row);
            if (row.unterminated || r->carry[cut - 1] != '\n')
                cut = 0; /* the header row is not complete yet */
        }
        if (cut || r->eof || want > MAX_ROW)
            break;
    }
    if (!cut)
        cut = r->ncarry;
    size_t skip = r->ncarry >= 3 && memcmp(r->carry, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    if (cut <= skip) {
        fprintf(stderr, "caveat audit: %s: empty input, expected a header row\n", r->name);
        return -1;
    }
    char **names;
    int n = split_header(r->carry + skip, cut - skip, &names);
    if (n < 0) {
        fprintf(stderr, "caveat audit: %s: cannot read the header row\n", r->name);
        return -1;
    }
    int rc = 0;
    if (!a->cols) {
        a->cols = names;
        a->ncols = n;
        for (int q = 0; q < NQ; q++) {
            a->qcol[q] = -1;
            for (int i = 0; i < n; i++)
                if (cav__streqi(names[i], cli_audit_fields[q]))
                    a->qcol[q] = i;
        }
        for (int i = 0; i < n && rc == 0; i++)
            for (size_t k = 0; k < sizeof added_names / sizeof added_names[0]; k++)
                if (cav__streqi(names[i], added_names[k])) {
                    fprintf(stderr,
                            "caveat audit: %s: the input already has a '%s' column (an audit's "
                            "output?); remove the added columns first\n",
                            r->name, names[i]);
                    rc = -1;
                }
        static const int required[] = {Q_DATE, Q_WEAPON, Q_TLAT, Q_TLON, Q_KIND};
        for (size_t k = 0; k < sizeof required / sizeof required[0] && rc == 0; k++)
            if (a->qcol[required[k]] < 0) {
                fprintf(stderr, "caveat audit: %s: the header has no '%s' column\n", r->name,
                        cli_audit_fields[required[k]]);
                rc = -1;
            }
        size_t end = cut - skip;
        while (end && (r->carry[skip + end - 1] == '\n' || r->carry[skip + end - 1] == '\r'))
            end--;
        a->header_line = malloc(end + 1);
        if (a->header_line) {
            memcpy(a->header_line, r->carry + skip, end);
            a->header_len = end;
        }
    } else {
        int same = n == a->ncols;
        for (int i = 0; same && i < n; i++)
            same = strcmp(names[i], a->cols[i]) == 0;
        for (int i = 0; i < n; i++)
            free(names[i]);
        free(names);
        if (!same) {
            fprintf(stderr, "caveat audit: %s: its header differs from the first input's\n",
                    r->name);
            rc = -1;
        }
    }
    memmove(r->carry, r->carry + cut, r->ncarry - cut);
    r->ncarry -= cut;
    r->consumed += cut;
    return rc;
}

static chunk *free_chunk(audit *a) {
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

static void submit(audit *a, chunk *c) {
    pthread_mutex_lock(&a->mu);
    c->seq = a->nread++;
    c->state = CH_READY;
    pthread_cond_broadcast(&a->cv_ready);
    pthread_mutex_unlock(&a->mu);
}

/* Cuts the current input into chunks. Returns 0 at its end, -1 on failure (reported). */
static int read_input(reader *r) {
    audit *a = r->a;
    while (!(r->eof && r->ncarry == 0)) {
        chunk *c = free_chunk(a);
        if (!c)
            return -1;
        c->special = SPECIAL_NONE;
        c->file = r->file;
        c->in_len = 0;
        if (cli_audit_reserve(&c->in, &c->in_cap, 0, r->ncarry + 1) != 0)
            goto oom;
        if (r->ncarry)
            memcpy(c->in, r->carry, r->ncarry);
        c->in_len = r->ncarry;
        size_t cut = 0;
        for (size_t want = CHUNK_BYTES;; want += CHUNK_BYTES) {
            if (fill(r, &c->in, &c->in_len, &c->in_cap, want) != 0)
                goto io;
            cut = r->eof ? c->in_len : complete_rows(a, c->in, c->in_len);
            if (cut || c->in_len < want)
                break;
            if (c->in_len >= MAX_ROW + CHUNK_BYTES)
                break;
        }
        if (r->eof && a->in_fmt == FMT_CSV) {
            /* the input ends inside a row: a quoted field left open for more than the row limit
             * is cut at its row's first newline, as it would be before the end */
            size_t done = cav__csv_complete(c->in, c->in_len);
            const char *nl = memchr(c->in + done, '\n', c->in_len - done);
            if (c->in_len - done > MAX_ROW && nl)
                cut = (size_t)(nl - c->in) + 1;
        }
        if (!cut) {
            /* no row ends within the limit: a CSV row with an open quote is cut at its first
             * newline (its error says so); a row with no newline at all is dropped up to its end */
            const char *nl = memchr(c->in, '\n', c->in_len);
            if (nl && (size_t)(nl - c->in) < MAX_ROW) {
                cut = (size_t)(nl - c->in) + 1;
            } else {
                c->special = SPECIAL_TOOLONG;
                for (;;) {
                    nl = memchr(c->in, '\n', c->in_len);
                    if (nl || r->eof)
                        break;
                    r->consumed += c->in_len;
                    c->in_len = 0;
                    if (fill(r, &c->in, &c->in_len, &c->in_cap, CHUNK_BYTES) != 0)
                        goto io;
                }
                cut = nl ? (size_t)(nl - c->in) + 1 : c->in_len;
            }
        }
        if (cli_audit_reserve(&r->carry, &r->carry_cap, 0, c->in_len - cut + 1) != 0)
            goto oom;
        r->ncarry = c->in_len - cut;
        memcpy(r->carry, c->in + cut, r->ncarry);
        c->in_len = c->special ? 0 : cut;
        r->consumed += cut;
        c->bytes_end = r->consumed;
        if (c->in_len == 0 && !c->special) {
            pthread_mutex_lock(&a->mu);
            c->state = CH_FREE;
            pthread_mutex_unlock(&a->mu);
            continue;
        }
        submit(a, c);
    }
    return 0;
io:
    fail(a, "caveat audit: read error: %s", strerror(errno));
    return -1;
oom:
    fail(a, "caveat audit: %s", "out of memory");
    return -1;
}

static void *reader_main(void *arg) {
    reader *r = arg;
    audit *a = r->a;
    int nfiles = a->o->ninputs ? a->o->ninputs : 1;
    int rc = read_input(r);
    for (int f = r->file + 1; rc == 0 && f < nfiles; f++) {
        if (r->fd > 0)
            close(r->fd);
        if (open_input(r, f) != 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: %s", a->o->inputs[f], strerror(errno));
            fail(a, "caveat audit: %s", msg);
            break; /* fail() records the error for the run's exit status */
        }
        if (a->in_fmt == FMT_CSV && read_header(r) != 0) {
            fail(a, "%s", "");
            break;
        }
        rc = read_input(r);
    }
    if (r->fd > 0)
        close(r->fd);
    r->fd = -1;
    pthread_mutex_lock(&a->mu);
    a->reader_done = 1;
    pthread_cond_broadcast(&a->cv_ready);
    pthread_cond_broadcast(&a->cv_done);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* ---- writing --------------------------------------------------------------------------------- */

static char tmp_path[4096]; /* the temporary output, removed on SIGINT/SIGTERM */
static char tmp_summary[4096];

static void on_signal(int sig) {
    if (tmp_path[0])
        unlink(tmp_path);
    if (tmp_summary[0])
        unlink(tmp_summary);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int write_all(int fd, const char *s, size_t n) {
    return write_fully(fd, s, n, WRITE_AT_END);
}

/* Opens a temporary file next to path (same directory, so rename is atomic) and writes its name
 * into tmp; when path exists and is no regular file (/dev/null, a FIFO), opens path itself and
 * leaves tmp empty: the caller renames only a temporary file. */
static int open_temp(const char *path, char *tmp, size_t size) {
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device, a FIFO: written in place (never replaced), with no temporary file */
        tmp[0] = '\0';
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        return open(path, O_WRONLY);
    }
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    int n = snprintf(tmp, size, "%.*s.%s.part.XXXXXX", dirlen, path, slash ? slash + 1 : path);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return fd;
}

typedef struct progress {
    int on;
    double start, last;
    uint64_t rows;
} progress;

static void show_progress(const audit *a, progress *pg, uint64_t bytes, int final) {
    double t = now_s();
    if (!pg->on || (!final && t - pg->last < 0.2))
        return;
    pg->last = t;
    double el = t - pg->start, rate = el > 0 ? (double)pg->rows / el : 0;
    if (final) {
        fputs("\r\033[K", stderr);
        return;
    }
    if (a->total_known && a->total_bytes) {
        double frac = (double)bytes / (double)a->total_bytes;
        double eta = frac > 0 ? el / frac - el : 0;
        fprintf(stderr, "\r\033[K  %llu rows  %.2f M rows/s  %3.0f%%  ETA %d:%02d",
                (unsigned long long)pg->rows, rate / 1e6, 100 * frac, (int)eta / 60, (int)eta % 60);
    } else {
        fprintf(stderr, "\r\033[K  %llu rows  %.2f M rows/s", (unsigned long long)pg->rows,
                rate / 1e6);
    }
}

/* Writes finished chunks in order until the input ends. Fills rows_out and the error samples. */
static int write_chunks(audit *a, int fd, progress *pg, uint64_t *rows_out, err_sample *samples,
                        int *nsamples) {
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
        if (a->direct_fd < 0 && write_all(fd, c->out, c->out_len) != 0) {
            fail(a, "caveat audit: write error: %s", strerror(errno));
            return -1;
        }
        for (int i = 0; i < c->nsamples && *nsamples < SAMPLES; i++) {
            samples[*nsamples] = c->samples[i];
            samples[(*nsamples)++].row += *rows_out + 1;
        }
        *rows_out += c->nrows;
        pg->rows = *rows_out;
        show_progress(a, pg, c->bytes_end, 0);
        pthread_mutex_lock(&a->mu);
        c->state = CH_FREE;
        next++;
        pthread_cond_broadcast(&a->cv_free);
        pthread_mutex_unlock(&a->mu);
    }
}

static int write_header(audit *a, int fd) {
    if (a->out_fmt != FMT_CSV)
        return 0;
    size_t cap = a->header_len + 128;
    for (int i = 0; a->in_fmt != FMT_CSV && i < a->ncols; i++)
        cap += strlen(a->cols[i]) + 1;
    char *h = malloc(cap);
    if (!h)
        return -1;
    size_t k = 0;
    if (a->in_fmt == FMT_CSV) {
        memcpy(h, a->header_line, a->header_len);
        k = a->header_len;
    } else {
        for (int i = 0; i < a->ncols; i++)
            k += (size_t)sprintf(h + k, "%s%s", i ? "," : "", a->cols[i]);
    }
    k += (size_t)sprintf(h + k, ",decision,parties,rule,explanation,error\n");
    int rc = write_all(fd, h, k);
    free(h);
    return rc;
}

static int write_summary(audit *a, const totals *t, const err_sample *samples, int nsamples) {
    json_t *s = cli_audit_summary_json(a, t, samples, nsamples);
    int fd = open_temp(a->o->summary, tmp_summary, sizeof tmp_summary);
    int rc = -1;
    if (fd >= 0) {
        char *text = json_dumps(s, JSON_INDENT(2));
        rc = text && write_all(fd, text, strlen(text)) == 0 && write_all(fd, "\n", 1) == 0 ? 0 : -1;
        free(text);
        if (close(fd) != 0)
            rc = -1;
        if (rc == 0 && tmp_summary[0])
            rc = rename(tmp_summary, a->o->summary);
        if (rc != 0 && tmp_summary[0])
            unlink(tmp_summary);
        tmp_summary[0] = '\0';
    }
    json_decref(s);
    if (rc != 0)
        fprintf(stderr, "caveat audit: cannot write %s: %s\n", a->o->summary, strerror(errno));
    return rc;
}

/* ---- the command ----------------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, audit_opts *o) {
    o->inputs = calloc((size_t)argc, sizeof *o->inputs);
    if (!o->inputs)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], **slot = NULL, *threads = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(audit_help, stdout);
            return 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = 1;
            continue;
        } else if (strcmp(a, "--policy") == 0) {
            if (o->npolicies == 64) {
                fputs("caveat audit: too many --policy\n", stderr);
                return -1;
            }
            slot = &o->policies[o->npolicies++];
        } else if (strcmp(a, "--format") == 0)
            slot = &o->format;
        else if (strcmp(a, "--input-format") == 0)
            slot = &o->input_format;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            slot = &o->output;
        else if (strcmp(a, "--summary") == 0)
            slot = &o->summary;
        else if (strcmp(a, "--threads") == 0)
            slot = &threads;
        else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "caveat audit: unknown option '%s' (see caveat audit --help)\n", a);
            return -1;
        } else {
            o->inputs[o->ninputs++] = a;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "caveat audit: %s needs a value\n", a);
            return -1;
        }
        *slot = argv[++i];
        if (threads) {
            char *end;
            long n = strtol(threads, &end, 10);
            if (*end || n < 1 || n > 256) {
                fprintf(stderr, "caveat audit: --threads must be 1 to 256, not '%s'\n", threads);
                return -1;
            }
            o->threads = (int)n;
        }
    }
    static const char *const fmts[] = {"csv", "ndjson"};
    const char *given[2] = {o->format, o->input_format};
    for (int k = 0; k < 2; k++)
        if (given[k] && strcmp(given[k], fmts[0]) != 0 && strcmp(given[k], fmts[1]) != 0) {
            fprintf(stderr, "caveat audit: %s must be csv or ndjson, not '%s'\n",
                    k ? "--input-format" : "--format", given[k]);
            return -1;
        }
    return 0;
}

static int has_ext(const char *path, const char *ext) {
    size_t n = strlen(path), e = strlen(ext);
    return n > e && cav__streqi(path + n - e, ext);
}

/* Sets up the input and output formats, the first input and its header. */
static int setup(audit *a, reader *r) {
    const audit_opts *o = a->o;
    const char *first = o->ninputs ? o->inputs[0] : "-";
    if (o->input_format)
        a->in_fmt = strcmp(o->input_format, "ndjson") == 0 ? FMT_NDJSON : FMT_CSV;
    else
        a->in_fmt = has_ext(first, ".ndjson") || has_ext(first, ".jsonl") ? FMT_NDJSON : FMT_CSV;
    if (o->format)
        a->out_fmt = strcmp(o->format, "ndjson") == 0 ? FMT_NDJSON : FMT_CSV;
    else if (o->output && (has_ext(o->output, ".ndjson") || has_ext(o->output, ".jsonl")))
        a->out_fmt = FMT_NDJSON;
    else if (o->output && has_ext(o->output, ".csv"))
        a->out_fmt = FMT_CSV;
    else
        a->out_fmt = a->in_fmt;
    for (int i = 0; i < o->ninputs; i++) {
        struct stat st;
        if (strcmp(o->inputs[i], "-") == 0 || stat(o->inputs[i], &st) != 0 ||
            !S_ISREG(st.st_mode)) {
            a->total_known = 0;
            break;
        }
        a->total_bytes += (uint64_t)st.st_size;
        a->total_known = 1;
    }
    if (open_input(r, 0) != 0) {
        fprintf(stderr, "caveat audit: %s: %s\n", first, strerror(errno));
        return -1;
    }
    if (a->in_fmt == FMT_CSV)
        return read_header(r);
    a->ncols = NQ;
    a->cols = calloc(NQ, sizeof *a->cols);
    if (!a->cols)
        return -1;
    for (int i = 0; i < NQ; i++)
        a->cols[i] = strdup(cli_audit_fields[i]);
    return 0;
}

static int init_worker(audit *a, worker *w) {
    w->a = a;
    w->nspans = (size_t)a->ncols + 1;
    w->spans = calloc(w->nspans, sizeof *w->spans);
    w->vals_cap = 2 * 65536;
    w->vals = malloc(w->vals_cap);
    w->decs = calloc(DEC_SLOTS, sizeof *w->decs);
    w->months = calloc(NMONTHS, sizeof *w->months);
    return w->spans && w->vals && w->decs && w->months ? 0 : -1;
}

static void free_worker(worker *w) {
    free(w->spans);
    free(w->vals);
    free(w->decs);
    free(w->frags);
    free(w->text);
    free(w->shape_counts);
    free(w->months);
}

/* Runs the pipeline: reader thread, workers, the caller writing. Returns 0 or -1. */
static int run(audit *a, reader *r, worker *ws, int nw, int fd, progress *pg, totals *t,
               err_sample *samples, int *nsamples) {
    a->nchunks = 4 * nw + 4; /* slack for a writer held up by the kernel */
    a->chunks = calloc((size_t)a->nchunks, sizeof *a->chunks);
    if (!a->chunks)
        return -1;
    int started = 0, reader_started = 0, rc = 0;
    for (; started < nw; started++)
        if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0)
            break;
    if (started < nw || pthread_create(&r->thread, NULL, reader_main, r) != 0)
        fail(a, "caveat audit: %s", "cannot start threads");
    else
        reader_started = 1;
    rc = write_chunks(a, fd, pg, &t->rows_out, samples, nsamples);
    if (reader_started)
        pthread_join(r->thread, NULL);
    for (int i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    for (int i = 0; i < a->nchunks; i++) {
        free(a->chunks[i].in);
        free(a->chunks[i].out);
    }
    free(a->chunks);
    return rc || a->failed ? -1 : 0;
}

int cmd_audit(int argc, char **argv) {
    audit_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        free(o.inputs);
        return rc > 0 ? CLI_OK : CLI_USAGE;
    }
    if (o.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
    }
    audit a = {.o = &o};
    reader r = {.a = &a, .fd = -1};
    worker *ws = NULL;
    int fd = 1, status = CLI_USAGE;
    totals t = {0};
    err_sample samples[SAMPLES];
    int nsamples = 0;
    pthread_mutex_init(&a.mu, NULL);
    pthread_mutex_init(&a.shape_mu, NULL);
    pthread_cond_init(&a.cv_ready, NULL);
    pthread_cond_init(&a.cv_done, NULL);
    pthread_cond_init(&a.cv_free, NULL);
    pthread_cond_init(&a.cv_offset, NULL);
    cav_pack *pack = cli_load_pack(o.policies, o.npolicies, 0);
    if (!pack)
        goto cleanup;
    a.pack = pack;
    if (setup(&a, &r) != 0)
        goto cleanup;
    if (cli_audit_probe_suppliers(&a) != 0) {
        fputs("caveat audit: out of memory\n", stderr);
        goto cleanup;
    }
    ws = calloc((size_t)o.threads, sizeof *ws);
    for (int i = 0; ws && i < o.threads; i++)
        if (init_worker(&a, &ws[i]) != 0) {
            fputs("caveat audit: out of memory\n", stderr);
            goto cleanup;
        }
    if (!ws)
        goto cleanup;
    if (o.output && strcmp(o.output, "-") != 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        fd = open_temp(o.output, tmp_path, sizeof tmp_path);
        if (fd < 0) {
            fprintf(stderr, "caveat audit: cannot write %s: %s\n", o.output, strerror(errno));
            tmp_path[0] = '\0';
            goto cleanup;
        }
    }
    progress pg = {.on = !o.quiet && isatty(2), .start = now_s()};
    double t0 = now_s();
    a.direct_fd = -1;
    int header = write_header(&a, fd);
    if (header == 0 && tmp_path[0]) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        a.direct_fd = at >= 0 ? fd : -1;
        a.next_offset = at >= 0 ? (uint64_t)at : 0;
    }
    if (header != 0 || run(&a, &r, ws, o.threads, fd, &pg, &t, samples, &nsamples) != 0) {
        if (a.fail_msg[0])
            fprintf(stderr, "%s\n", a.fail_msg);
        else if (!a.failed)
            fprintf(stderr, "caveat audit: write error: %s\n", strerror(errno));
        goto cleanup;
    }
    if (fd != 1) {
        int closed = close(fd);
        fd = 1;
        if (closed != 0 || (tmp_path[0] && rename(tmp_path, o.output) != 0)) {
            fprintf(stderr, "caveat audit: cannot write %s: %s\n", o.output, strerror(errno));
            goto cleanup;
        }
        tmp_path[0] = '\0';
    }
    t.seconds = now_s() - t0;
    show_progress(&a, &pg, 0, 1);
    if (cli_audit_totals(&a, ws, o.threads, &t) != 0) {
        fputs("caveat audit: out of memory\n", stderr);
        goto cleanup;
    }
    status = t.errors ? CLI_INPUT_ERRORS : CLI_OK;
    if (o.summary && write_summary(&a, &t, samples, nsamples) != 0)
        status = CLI_USAGE;
    if (!o.quiet)
        cli_audit_summary_text(&a, &t, samples, nsamples, stderr);
cleanup:
    if (fd > 1)
        close(fd);
    if (tmp_path[0]) {
        unlink(tmp_path);
        tmp_path[0] = '\0';
    }
    if (r.fd > 0)
        close(r.fd);
    free(r.carry);
    for (int i = 0; ws && i < o.threads; i++)
        free_worker(&ws[i]);
    free(ws);
    for (int i = 0; i < a.ncols; i++)
        free(a.cols[i]);
    free(a.cols);
    free(a.header_line);
    free(a.shapes);
    free(a.shape_index);
    free(a.supplier_ok);
    free(t.party);
    free(t.rule);
    free(t.months);
    for (int i = 0; i < t.nreasons; i++)
        free(t.reasons[i].text);
    free(t.reasons);
    free(o.inputs);
    if (pack)
        cav_pack_release(pack);
    return status;
}
