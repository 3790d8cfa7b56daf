/* declog.c — the decision log: append-only NDJSON, one record per decision, each chained to the
 * one before it by SHA-256, so that any edit, removal or reordering of records breaks the chain
 * where it happened (`caveat log verify`, logread.c).
 *
 * A record is one line:
 *
 *   {"seq":N,"time":T,"pack":P,"request":R,"explain":B,"query":Q,"decision":D,"prev":H0,"hash":H1}
 *
 * (or "params":S in place of "query" for a GET request), where H1 is the SHA-256, in hex, of the
 * line's bytes up to and including H0's closing quote, and H0 is the previous record's H1 (64
 * zeros before the first record of a log). The hash covers the previous hash, so the chain of
 * hashes commits to every byte before it; a record changed in place no longer matches its own
 * hash, a record removed or moved leaves a successor whose H0 matches nothing.
 *
 * Invariants:
 *  - Records are numbered and chained under one mutex, in the order they reach the file.
 *  - Nothing half-written stays: a write or sync that fails is cut back (ftruncate) to the last
 *    good end, the chain's state is restored, and the request is refused (503) rather than
 *    answered unlogged. If even the cut fails, the log is `dirty` and the next append cuts first.
 *  - `always`: a request is answered only once its records are fdatasync'd, by a group commit:
 *    the sync thread syncs for every request waiting (suspended, not holding an HTTP thread:
 *    srv_log_append_async), so concurrent requests share one fdatasync. `batch`: answered once
 *    written, synced in groups by the sync thread at most SRV_BATCH_WINDOW_MS later (a crash of
 *    the machine may lose that window, a crash of the process nothing). `none`: written, never
 *    synced by the server.
 *  - Rotation (max_bytes): the file is synced and renamed PATH.<first seq, 12 digits>, and a new
 *    PATH continues the chain from the last hash of the old one; names sort in chain order.
 *
 * Ownership: the srv_log owns its file descriptor and path copy; srv_log_close syncs, reports
 * the head on stderr, and frees.
 */
#include "serve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An append waiting for the group commit: a callback, or a result a blocked caller waits for. */
typedef struct waiter {
    srv_log_done cb;
    void *cls;
    int *result;
} waiter;

struct srv_log {
    pthread_mutex_t mu;
    pthread_cond_t synced;
    char *path;
    int fd;
    int sync;
    uint64_t max_bytes;
    srv_metrics *m;
    FILE *err;
    /* the chain as written */
    uint64_t size;      /* the good end of the file: everything before it is whole records */
    uint64_t seq;       /* the last record's number (0: none yet) */
    char hash[65];      /* the last record's hash */
    uint64_t first_seq; /* the current file's first record (0: the file is empty) */
    /* the chain as known durable (batch and always) */
    uint64_t durable_size, durable_seq, durable_first;
    char durable_hash[65];
    int syncing;         /* a group commit's fdatasync is running (mutex released) */
    pthread_cond_t work; /* appends are waiting for the syncer */
    waiter *waiting;     /* ... these, in order */
    size_t nwaiting, capwaiting;
    pthread_t syncer;
    int running;       /* the syncer thread runs (batch) */
    int unsynced;      /* batch: records written since the last sync */
    int sync_failed;   /* batch: the last sync failed */
    uint64_t failures; /* generation: bumped whenever unsynced records are cut back */
    int dirty;         /* the file may hold bytes past size: cut them before writing */
    int healthy;
    cav_buf line; /* scratch for the lines of one append */
    EVP_MD_CTX *md;
    EVP_MD *sha256;
};

static void *syncer(void *arg);

static const char zero_hash[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

double srv_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double srv_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int srv_rfc3339(double t, cav_buf *out) {
    time_t secs = (time_t)t;
    long us = (long)((t - (double)secs) * 1e6);
    if (us < 0)
        us = 0;
    if (us > 999999)
        us = 999999;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char s[48];
    int n = snprintf(s, sizeof s, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
    return cav_buf_append(out, s, (size_t)n);
}

/* ---- batches ---- */

int srv_logbatch_mark(srv_logbatch *b) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        size_t *e = realloc(b->ends, cap * sizeof *e);
        if (!e)
            return CAV_ENOMEM;
        b->ends = e;
        b->cap = cap;
    }
    b->ends[b->n++] = b->text.len;
    return b->text.failed ? CAV_ENOMEM : 0;
}

void srv_logbatch_clear(srv_logbatch *b) {
    cav_buf_clear(&b->text);
    b->n = 0;
}

void srv_logbatch_free(srv_logbatch *b) {
    cav_buf_free(&b->text);
    free(b->ends);
    memset(b, 0, sizeof *b);
}

/* ---- records ---- */

static void to_hex(const unsigned char *d, size_t n, char *hex) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * n] = '\0';
}

void srv_sha256_hex(const void *data, size_t n, char hex[65]) {
    unsigned char d[32];
    unsigned int len = 0;
    EVP_Digest(data, n, d, &len, EVP_sha256(), NULL);
    to_hex(d, 32, hex);
}

static int is_hex64(const char *s) {
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int srv_record_parse(const char *line, size_t len, srv_record *r) {
    static const char head[] = "{\"seq\":", prev[] = ",\"prev\":\"", hash[] = ",\"hash\":\"";
    const size_t tail = sizeof hash - 1 + 64 + 2;  /* ,"hash":"<64>"} */
    const size_t ptail = sizeof prev - 1 + 64 + 1; /* ,"prev":"<64>" */
    if (len < sizeof head - 1 + 1 + ptail + tail || memcmp(line, head, sizeof head - 1) != 0)
        return -1;
    const char *p = line + sizeof head - 1;
    uint64_t seq = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 19; p++, digits++)
        seq = seq * 10 + (uint64_t)(*p - '0');
    if (digits == 0 || *p != ',' || (digits > 1 && line[sizeof head - 1] == '0'))
        return -1;
    const char *t = line + len - tail;
    const char *pv = t - ptail;
    if (memcmp(t, hash, sizeof hash - 1) != 0 || memcmp(line + len - 2, "\"}", 2) != 0 ||
        memcmp(pv, prev, sizeof prev - 1) != 0 || pv[ptail - 1] != '"')
        return -1;
    r->seq = seq;
    r->prev = pv + sizeof prev - 1;
    r->hash = t + sizeof hash - 1;
    r->hashed = (size_t)(t - line);
    if (!is_hex64(r->prev) || !is_hex64(r->hash))
        return -1;
    return 0;
}

/* Appends one record for members [text, text+n) with the next number and the chain's hash. */
static int put_record(srv_log *l, const char *text, size_t n, uint64_t seq, const char *prev,
                      char *hash_out) {
    cav_buf *b = &l->line;
    size_t start = b->len;
    char num[32];
    int k = snprintf(num, sizeof num, "{\"seq\":%llu,", (unsigned long long)seq);
    cav_buf_append(b, num, (size_t)k);
    cav_buf_append(b, text, n);
    cav_buf_append(b, ",\"prev\":\"", 9);
    cav_buf_append(b, prev, 64);
    cav_buf_append(b, "\"", 1);
    if (b->failed)
        return CAV_ENOMEM;
    unsigned char d[32];
    unsigned int len = 0;
    if (!EVP_DigestInit_ex(l->md, l->sha256, NULL) ||
        !EVP_DigestUpdate(l->md, b->data + start, b->len - start) ||
        !EVP_DigestFinal_ex(l->md, d, &len))
        return CAV_ENOMEM;
    to_hex(d, 32, hash_out);
    cav_buf_append(b, ",\"hash\":\"", 9);
    cav_buf_append(b, hash_out, 64);
    cav_buf_append(b, "\"}\n", 3);
    return b->failed ? CAV_ENOMEM : 0;
}

/* ---- files ---- */

static int write_all(int fd, const char *p, size_t n, uint64_t off) {
    while (n) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

static void sync_dir(const char *path) {
    char *dir = strdup(path);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Reads [off, off+n) of fd into a new buffer (NUL-terminated). */
static char *read_at(int fd, uint64_t off, size_t n) {
    char *b = malloc(n + 1);
    if (!b)
        return NULL;
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, b + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(b);
            return NULL;
        }
        got += (size_t)k;
    }
    b[n] = '\0';
    return b;
}

/* The start of the last line of the first `size` bytes of fd (which end with a newline): reads
 * backwards in growing windows. Returns the offset, or -1. */
static int64_t last_line_start(int fd, uint64_t size) {
    size_t window = 64 * 1024;
    for (;;) {
        uint64_t from = size > window ? size - window : 0;
        char *b = read_at(fd, from, (size_t)(size - from));
        if (!b)
            return -1;
        /* skip the final newline, then find the one before it */
        for (int64_t i = (int64_t)(size - from) - 2; i >= 0; i--)
            if (b[i] == '\n') {
                free(b);
                return (int64_t)from + i + 1;
            }
        free(b);
        if (from == 0)
            return 0;
        window *= 4;
    }
}

/* Reads the record on [off, end) of fd (end excludes the newline) and checks it: 0 with its
 * number and hash, or -1 after printing why. */
static int read_record(srv_log *l, int fd, const char *name, uint64_t off, uint64_t end,
                       uint64_t *seq, char hash[65]) {
    char *b = read_at(fd, off, (size_t)(end - off));
    srv_record r;
    if (!b || srv_record_parse(b, (size_t)(end - off), &r) != 0) {
        fprintf(l->err,
                "caveat serve: %s: the record at byte %llu is not a decision log record "
                "(check it with `caveat log verify`)\n",
                name, (unsigned long long)off);
        free(b);
        return -1;
    }
    char h[65];
    srv_sha256_hex(b, r.hashed, h);
    if (memcmp(h, r.hash, 64) != 0) {
        fprintf(l->err,
                "caveat serve: %s: record %llu does not match its hash (check the log "
                "with `caveat log verify`)\n",
                name, (unsigned long long)r.seq);
        free(b);
        return -1;
    }
    *seq = r.seq;
    memcpy(hash, r.hash, 64);
    hash[64] = '\0';
    free(b);
    return 0;
}

/* The first record's number of the first `size` bytes of fd. */
static int first_record(srv_log *l, int fd, const char *name, uint64_t size, uint64_t *seq) {
    size_t window = 64 * 1024;
    for (;;) {
        size_t n = (size_t)(size < window ? size : window);
        char *b = read_at(fd, 0, n);
        if (!b)
            return -1;
        char *nl = memchr(b, '\n', n);
        if (nl) {
            srv_record r;
            int ok = srv_record_parse(b, (size_t)(nl - b), &r) == 0;
            free(b);
            if (!ok) {
                fprintf(l->err, "caveat serve: %s: its first line is not a decision log record\n",
                        name);
                return -1;
            }
            *seq = r.seq;
            return 0;
        }
        free(b);
        if (n == size)
            return -1;
        window *= 4;
    }
}

/* The rotated file of path with the highest number (path.NNNNNNNNNNNN), or NULL. */
static char *newest_rotated(const char *path) {
    char *dir = strdup(path);
    if (!dir)
        return NULL;
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash)
        *slash = '\0';
    DIR *d = opendir(slash ? (*dir ? dir : "/") : ".");
    char best[64] = "";
    size_t bl = strlen(base);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            const char *n = e->d_name;
            if (strncmp(n, base, bl) != 0 || n[bl] != '.' || strlen(n + bl + 1) != 12 ||
                strspn(n + bl + 1, "0123456789") != 12)
                continue;
            if (strcmp(n + bl + 1, best) > 0)
                snprintf(best, sizeof best, "%s", n + bl + 1);
        }
        closedir(d);
    }
    free(dir);
    if (!*best)
        return NULL;
    size_t len = strlen(path) + 14;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%s.%s", path, best);
    return out;
}

/* Moves an incomplete last line aside and cuts it from the file. */
static int set_torn_aside(srv_log *l, uint64_t good, uint64_t size) {
    char *torn = read_at(l->fd, good, (size_t)(size - good));
    size_t n = strlen(l->path) + 64;
    char *name = malloc(n);
    if (!torn || !name) {
        free(torn);
        free(name);
        return -1;
    }
    snprintf(name, n, "%s.torn-%llu-%lld", l->path, (unsigned long long)(l->seq + 1),
             (long long)time(NULL));
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    int rc = fd < 0 || write_all(fd, torn, (size_t)(size - good), 0) != 0 || fsync(fd) != 0;
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        rc = ftruncate(l->fd, (off_t)good) != 0 || fsync(l->fd) != 0;
    if (rc == 0)
        fprintf(l->err,
                "caveat serve: %s: a torn record (%llu bytes after record %llu, never "
                "acknowledged) was moved to %s; the chain continues from record %llu\n",
                l->path, (unsigned long long)(size - good), (unsigned long long)l->seq, name,
                (unsigned long long)l->seq);
    else
        fprintf(l->err, "caveat serve: %s: could not move its torn last record aside: %s\n",
                l->path, strerror(errno));
    free(torn);
    free(name);
    return rc ? -1 : 0;
}

/* Finds where the chain stands: the last whole record of the file, or of the newest rotated file
 * when the file is empty. */
static int recover(srv_log *l) {
    struct stat st;
    if (fstat(l->fd, &st) != 0)
        return -1;
    uint64_t size = (uint64_t)st.st_size;
    memcpy(l->hash, zero_hash, 65);
    if (size == 0) {
        char *old = newest_rotated(l->path);
        if (!old)
            return 0;
        int fd = open(old, O_RDONLY | O_CLOEXEC);
        int rc = -1;
        if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
            uint64_t osz = (uint64_t)st.st_size;
            int64_t start = last_line_start(fd, osz);
            if (start >= 0)
                rc = read_record(l, fd, old, (uint64_t)start, osz - 1, &l->seq, l->hash);
        }
        if (fd >= 0)
            close(fd);
        free(old);
        return rc;
    }
    /* the good end: after the last newline */
    uint64_t good;
    {
        size_t window = 64 * 1024;
        for (;;) {
            uint64_t from = size > window ? size - window : 0;
            char *b = read_at(l->fd, from, (size_t)(size - from));
            if (!b)
                return -1;
            char *nl = NULL;
            for (int64_t i = (int64_t)(size - from) - 1; i >= 0 && !nl; i--)
                if (b[i] == '\n')
                    nl = b + i;
            uint64_t at = nl ? from + (uint64_t)(nl - b) + 1 : 0;
            free(b);
            if (nl || from == 0) {
                good = at;
                break;
            }
            window *= 4;
        }
    }
    if (good > 0) {
        int64_t start = last_line_start(l->fd, good);
        if (start < 0 ||
            read_record(l, l->fd, l->path, (uint64_t)start, good - 1, &l->seq, l->hash) != 0 ||
            first_record(l, l->fd, l->path, good, &l->first_seq) != 0)
            return -1;
    }
    if (good < size) {
        if (good == 0) {
            /* the whole file is one torn record: the chain goes on from a rotated file */
            uint64_t keep_seq = 0;
            char *old = newest_rotated(l->path);
            if (old) {
                int fd = open(old, O_RDONLY | O_CLOEXEC);
                if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
                    int64_t start = last_line_start(fd, (uint64_t)st.st_size);
                    if (start < 0 ||
                        read_record(l, fd, old, (uint64_t)start, (uint64_t)st.st_size - 1,
                                    &keep_seq, l->hash) != 0) {
                        close(fd);
                        free(old);
                        return -1;
                    }
                    l->seq = keep_seq;
                }
                if (fd >= 0)
                    close(fd);
                free(old);
            }
        }
        if (set_torn_aside(l, good, size) != 0)
            return -1;
    }
    l->size = good;
    return 0;
}

srv_log *srv_log_open(const char *path, int sync, uint64_t max_bytes, srv_metrics *m, FILE *err) {
    srv_log *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->path = strdup(path);
    l->sync = sync;
    l->max_bytes = max_bytes;
    l->m = m;
    l->err = err;
    l->healthy = 1;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->synced, NULL);
    pthread_cond_init(&l->work, NULL);
    l->md = EVP_MD_CTX_new();
    l->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    l->fd = l->path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640) : -1;
    if (l->fd < 0 || !l->md || !l->sha256) {
        fprintf(err, "caveat serve: --log %s: %s\n", path, strerror(errno));
        srv_log_close(l);
        return NULL;
    }
    if (recover(l) != 0) {
        fprintf(err, "caveat serve: --log %s: cannot continue this log's chain\n", path);
        srv_log_close(l);
        return NULL;
    }
    l->durable_size = l->size;
    l->durable_seq = l->seq;
    l->durable_first = l->first_seq;
    memcpy(l->durable_hash, l->hash, 65);
    if (sync != SRV_SYNC_NONE) {
        l->running = 1;
        if (pthread_create(&l->syncer, NULL, syncer, l) != 0) {
            l->running = 0;
            fprintf(err, "caveat serve: --log %s: cannot start the sync thread\n", path);
            srv_log_close(l);
            return NULL;
        }
    }
    return l;
}

/* Cuts the file back to size and restores the chain to the record there. With refuse_waiters
 * (a failed sync: nothing unsynced can be trusted) every append still waiting for its sync is
 * refused too; a failed write cuts only its own records. Called with the mutex held. */
static void cut_back(srv_log *l, uint64_t size, uint64_t seq, uint64_t first, const char *hash,
                     int refuse_waiters) {
    l->size = size;
    l->seq = seq;
    l->first_seq = first;
    memcpy(l->hash, hash, 65);
    l->dirty = ftruncate(l->fd, (off_t)size) != 0;
    if (refuse_waiters)
        l->failures++;
    l->healthy = 0;
    atomic_fetch_add_explicit(&l->m->log_failures, 1, memory_order_relaxed);
    pthread_cond_broadcast(&l->synced);
}

static int do_sync(srv_log *l, int fd) {
    atomic_fetch_add_explicit(&l->m->log_fsyncs, 1, memory_order_relaxed);
    return fdatasync(fd);
}

/* Renames the full file to PATH.<first seq> and starts a new one. Mutex held; nothing is being
 * synced. Returns 0 or -1 (the old file stays in use). */
static int rotate(srv_log *l) {
    if (do_sync(l, l->fd) != 0)
        return -1;
    size_t n = strlen(l->path) + 16;
    char *name = malloc(n);
    if (!name)
        return -1;
    snprintf(name, n, "%s.%012llu", l->path, (unsigned long long)l->first_seq);
    int fd = -1;
    if (rename(l->path, name) == 0) {
        fd = open(l->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0)
            rename(name, l->path); /* keep logging into the old file */
    }
    if (fd < 0) {
        fprintf(l->err, "caveat serve: rotating %s: %s\n", l->path, strerror(errno));
        free(name);
        return -1;
    }
    sync_dir(l->path);
    close(l->fd);
    l->fd = fd;
    l->size = l->durable_size = 0;
    l->first_seq = l->durable_first = 0;
    l->durable_seq = l->seq;
    memcpy(l->durable_hash, l->hash, 65);
    pthread_cond_broadcast(&l->synced);
    atomic_fetch_add_explicit(&l->m->log_rotations, 1, memory_order_relaxed);
    free(name);
    return 0;
}

/* Writes b's records, numbered and chained. Then: none, durable as far as the server goes (0);
 * always, synced here (0 or -1); batch, queued for the syncer thread (1), which calls cb(cls, ok)
 * or sets *result (1 ok, -1 failed) once a sync covers them. -1: refused, nothing kept. Mutex
 * held. */
static int append_locked(srv_log *l, const srv_logbatch *b, srv_log_done cb, void *cls,
                         int *result) {
    if (l->sync_failed)
        return -1; /* batch: what was answered is not yet on disk; answer nothing more */
    if (l->dirty) {
        if (ftruncate(l->fd, (off_t)l->size) != 0)
            return -1;
        l->dirty = 0;
    }
    if (l->max_bytes && l->size > 0 && l->size + b->text.len > l->max_bytes) {
        while (l->syncing)
            pthread_cond_wait(&l->synced, &l->mu);
        if (rotate(l) != 0) {
            /* a log that cannot rotate keeps growing rather than refusing decisions */
            fprintf(l->err, "caveat serve: %s: rotation failed; the file grows on\n", l->path);
        }
    }
    /* number and chain the records */
    cav_buf_clear(&l->line);
    uint64_t seq = l->seq;
    char hash[65];
    memcpy(hash, l->hash, 65);
    size_t from = 0;
    for (size_t i = 0; i < b->n; i++) {
        char next[65];
        if (put_record(l, b->text.data + from, b->ends[i] - from, ++seq, hash, next) != 0)
            return -1;
        memcpy(hash, next, 65);
        from = b->ends[i];
    }
    uint64_t before = l->size, seq0 = l->seq, first0 = l->first_seq;
    char hash0[65];
    memcpy(hash0, l->hash, 65);
    if (write_all(l->fd, l->line.data, l->line.len, l->size) != 0) {
        int e = errno;
        cut_back(l, before, seq0, first0, hash0, 0);
        fprintf(l->err, "caveat serve: %s: writing %zu decision records: %s (refused with 503)\n",
                l->path, b->n, strerror(e));
        return -1;
    }
    if (l->first_seq == 0)
        l->first_seq = l->seq + 1;
    l->size += l->line.len;
    l->seq = seq;
    memcpy(l->hash, hash, 65);
    atomic_fetch_add_explicit(&l->m->log_records, b->n, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->m->log_bytes, l->line.len, memory_order_relaxed);
    if (l->sync == SRV_SYNC_BATCH) {
        /* answered now; the syncer makes it durable within SRV_BATCH_WINDOW */
        l->unsynced = 1;
        pthread_cond_signal(&l->work);
        return 0;
    }
    if (l->sync == SRV_SYNC_ALWAYS) {
        if (l->nwaiting == l->capwaiting) {
            size_t cap = l->capwaiting ? l->capwaiting * 2 : 64;
            waiter *w = realloc(l->waiting, cap * sizeof *w);
            if (!w) {
                cut_back(l, before, seq0, first0, hash0, 0);
                return -1;
            }
            l->waiting = w;
            l->capwaiting = cap;
        }
        l->waiting[l->nwaiting++] = (waiter){cb, cls, result};
        pthread_cond_signal(&l->work);
        return 1;
    }
    l->durable_size = l->size;
    l->durable_seq = l->seq;
    l->durable_first = l->first_seq;
    memcpy(l->durable_hash, l->hash, 65);
    l->healthy = 1;
    return 0;
}

/* The log's sync thread. With --log-sync always it is a group commit: it fdatasyncs for every
 * append waiting (their requests suspended), and appends written during one sync wait for the
 * next, so one fdatasync serves every request in flight. With batch it syncs what was written
 * (and already answered) at most SRV_BATCH_WINDOW after it was written; while such a sync fails,
 * appends are refused, since what was answered may not be on disk. */
static void *syncer(void *arg) {
    srv_log *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (l->nwaiting == 0 && !l->unsynced && l->running)
            pthread_cond_wait(&l->work, &l->mu);
        if (l->nwaiting == 0 && !l->unsynced)
            break;
        if (l->sync == SRV_SYNC_BATCH && l->running) {
            /* let the window fill: one sync for everything written in it */
            pthread_mutex_unlock(&l->mu);
            struct timespec ts = {0, SRV_BATCH_WINDOW_MS * 1000000L};
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&l->mu);
        }
        waiter *batch = l->waiting;
        size_t n = l->nwaiting;
        l->waiting = NULL;
        l->nwaiting = l->capwaiting = 0;
        l->unsynced = 0;
        uint64_t tsize = l->size, tseq = l->seq, tfirst = l->first_seq;
        char thash[65];
        memcpy(thash, l->hash, 65);
        int fd = l->fd;
        l->syncing = 1;
        pthread_mutex_unlock(&l->mu);
        int rc = do_sync(l, fd);
        int e = errno;
        pthread_mutex_lock(&l->mu);
        l->syncing = 0;
        if (rc == 0) {
            l->durable_size = tsize;
            l->durable_seq = tseq;
            l->durable_first = tfirst;
            memcpy(l->durable_hash, thash, 65);
            l->healthy = 1;
            l->sync_failed = 0;
        } else if (l->sync == SRV_SYNC_ALWAYS) {
            /* nothing unsynced can be trusted: cut it all, refuse every waiter */
            cut_back(l, l->durable_size, l->durable_seq, l->durable_first, l->durable_hash, 1);
            fprintf(l->err, "caveat serve: %s: syncing: %s (refused with 503)\n", l->path,
                    strerror(e));
        } else {
            /* batch: the records were answered; keep them, retry, refuse new ones meanwhile */
            l->sync_failed = 1;
            l->healthy = 0;
            l->unsynced = 1;
            atomic_fetch_add_explicit(&l->m->log_failures, 1, memory_order_relaxed);
            fprintf(l->err,
                    "caveat serve: %s: syncing: %s (new decisions refused with 503 until "
                    "a sync succeeds)\n",
                    l->path, strerror(e));
        }
        for (size_t i = 0; i < n; i++)
            if (batch[i].result)
                *batch[i].result = rc == 0 ? 1 : -1;
        pthread_cond_broadcast(&l->synced);
        pthread_mutex_unlock(&l->mu);
        for (size_t i = 0; i < n; i++)
            if (batch[i].cb)
                batch[i].cb(batch[i].cls, rc == 0);
        free(batch);
        pthread_mutex_lock(&l->mu);
        if (rc != 0 && !l->running)
            break; /* closing: do not retry forever */
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int srv_log_append(srv_log *l, const srv_logbatch *b) {
    if (b->n == 0)
        return 0;
    int result = 0;
    pthread_mutex_lock(&l->mu);
    int rc = append_locked(l, b, NULL, NULL, &result);
    if (rc == 1) {
        while (result == 0)
            pthread_cond_wait(&l->synced, &l->mu);
        rc = result > 0 ? 0 : -1;
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int srv_log_append_async(srv_log *l, const srv_logbatch *b, srv_log_done cb, void *cls) {
    if (b->n == 0)
        return 0;
    pthread_mutex_lock(&l->mu);
    int rc = append_locked(l, b, cb, cls, NULL);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int srv_log_waits(const srv_log *l) {
    return l->sync == SRV_SYNC_ALWAYS;
}

int srv_log_healthy(srv_log *l) {
    pthread_mutex_lock(&l->mu);
    int h = l->healthy;
    pthread_mutex_unlock(&l->mu);
    return h;
}

void srv_log_head(srv_log *l, uint64_t *seq, char hash[65]) {
    pthread_mutex_lock(&l->mu);
    *seq = l->durable_seq;
    memcpy(hash, l->durable_hash, 65);
    pthread_mutex_unlock(&l->mu);
}

void srv_log_close(srv_log *l) {
    if (!l)
        return;
    if (l->running) {
        /* the syncer syncs what is still waiting, then ends */
        pthread_mutex_lock(&l->mu);
        l->running = 0;
        pthread_cond_signal(&l->work);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->syncer, NULL);
    }
    free(l->waiting);
    if (l->fd >= 0) {
        if (l->dirty && ftruncate(l->fd, (off_t)l->size) != 0)
            fprintf(l->err, "caveat serve: %s: could not cut an unwritten tail\n", l->path);
        if (fdatasync(l->fd) != 0)
            fprintf(l->err, "caveat serve: %s: final sync: %s\n", l->path, strerror(errno));
        else if (l->path && l->healthy)
            fprintf(l->err, "caveat serve: decision log closed at record %llu, head %s\n",
                    (unsigned long long)l->seq, l->hash);
        close(l->fd);
    }
    EVP_MD_CTX_free(l->md);
    EVP_MD_free(l->sha256);
    cav_buf_free(&l->line);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->synced);
    pthread_cond_destroy(&l->work);
    free(l->path);
    free(l);
}
