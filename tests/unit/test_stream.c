/* test_stream.c — the audit's output stream (core/stream.h): the same bytes at the same place
 * whatever the output is, and its errors.
 *
 *  - A regular file, starting at offset 0 and at odd offsets after bytes already there: 17 MiB
 *    and a few bytes written in pieces of random sizes (1 byte to 3 MiB) hold exactly what was
 *    written, the bytes before the start are untouched, and the descriptor's offset is past the
 *    last byte. Whether it went with O_DIRECT is checked against a probe made here (an O_DIRECT
 *    open and an aligned write in the same directory): where the file system takes one, the
 *    stream must have used it.
 *  - The descriptor's own flags stay as they were (no O_DIRECT leaks to the caller's
 *    description, which a shell may share).
 *  - A file opened with O_APPEND (a shell's >>): appended after what is there, never written
 *    directly (its writes go to the end whatever their offset).
 *  - A pipe: the same bytes, in order.
 *  - A file-size limit (RLIMIT_FSIZE) reached midway: a write or the close fails with EFBIG,
 *    never silently, and a stream that failed fails its close too.
 *  - Small outputs (a header alone) and an empty one.
 * CAV_STREAM_MIB sets the size of the large writes (default 17).
 */
#define _GNU_SOURCE /* O_DIRECT */
#include "core/stream.h"

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/cav-stream-XXXXXX";
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* n bytes of a pattern that shows where each byte came from (a shifted or lost block shows) */
static char *pattern(size_t n) {
    char *p = malloc(n);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (char)('a' + (i * 7 + i / 4096) % 26);
    return p;
}

/* Writes data[0, n) to st in pieces of random sizes (some tiny, some crossing blocks). */
static int write_pieces(cav_stream *st, const char *data, size_t n) {
    size_t at = 0;
    while (at < n) {
        uint64_t r = next();
        size_t k = r % 4 == 0   ? 1 + r % 17
                   : r % 4 == 1 ? 1 + (r >> 8) % 4096
                                : 1 + (r >> 8) % (3 << 20);
        if (k > n - at)
            k = n - at;
        if (cav__stream_write(st, data + at, k) != 0)
            return -1;
        at += k;
    }
    return 0;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    *len = s ? fread(s, 1, (size_t)n, f) : 0;
    fclose(f);
    return s;
}

/* 1 when this directory's file system takes an O_DIRECT write of one aligned page. */
static int direct_works(void) {
    char path[64];
    snprintf(path, sizeof path, "%s/probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
    if (fd < 0)
        return 0;
    void *page = NULL;
    int ok = posix_memalign(&page, 4096, 4096) == 0;
    if (ok) {
        memset(page, 'x', 4096);
        ok = pwrite(fd, page, 4096, 0) == 4096;
    }
    free(page);
    close(fd);
    unlink(path);
    return ok;
}

/* A regular file with `lead` bytes already in it, written from there. */
static void test_file(const char *data, size_t n, size_t lead, int append, int expect_direct) {
    char path[64];
    snprintf(path, sizeof path, "%s/out", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    char hashes[8192];
    memset(hashes, '#', sizeof hashes);
    CHECK(lead <= sizeof hashes && write(fd, hashes, lead) == (ssize_t)lead);
    if (append) {
        close(fd);
        fd = open(path, O_WRONLY | O_APPEND);
    }
    int flags = fcntl(fd, F_GETFL);
    cav_stream *st = NULL;
    CHECK_EQ_INT(cav__stream_open(&st, fd), 0);
    CHECK_EQ_INT(write_pieces(st, data, n), 0);
    int direct = cav__stream_went_direct(st);
    CHECK_EQ_INT(cav__stream_close(st), 0);
    CHECK_EQ_INT(fcntl(fd, F_GETFL), flags);
    CHECK_EQ_INT(lseek(fd, 0, SEEK_CUR), (off_t)(lead + n));
    close(fd);
    size_t len = 0;
    char *got = read_all(path, &len);
    CHECK_EQ_INT(len, lead + n);
    int same = got && len == lead + n && memcmp(got + lead, data, n) == 0;
    for (size_t i = 0; same && i < lead; i++)
        same = got[i] == '#';
    CHECK(same);
    CHECK_EQ_INT(direct, expect_direct && n + lead >= (8u << 20) + 4096);
    printf("file: %zu bytes after %zu%s: %s, %s\n", n, lead, append ? " (appending)" : "",
           same ? "same" : "DIFFERENT", direct ? "direct" : "through the page cache");
    free(got);
    unlink(path);
}

typedef struct {
    int fd;
    char *buf;
    size_t len, cap;
} drain;

static void *drain_main(void *arg) {
    drain *d = arg;
    for (;;) {
        if (d->len == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 1 << 20;
            d->buf = realloc(d->buf, d->cap);
        }
        ssize_t k = read(d->fd, d->buf + d->len, d->cap - d->len);
        if (k <= 0)
            return NULL;
        d->len += (size_t)k;
    }
}

static void test_pipe(const char *data, size_t n) {
    int p[2];
    CHECK(pipe(p) == 0);
    drain d = {p[0], NULL, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, drain_main, &d);
    cav_stream *st = NULL;
    CHECK_EQ_INT(cav__stream_open(&st, p[1]), 0);
    CHECK_EQ_INT(write_pieces(st, data, n), 0);
    CHECK_EQ_INT(cav__stream_went_direct(st), 0);
    CHECK_EQ_INT(cav__stream_close(st), 0);
    close(p[1]);
    pthread_join(t, NULL);
    close(p[0]);
    CHECK_EQ_INT(d.len, n);
    CHECK(d.len == n && memcmp(d.buf, data, n) == 0);
    free(d.buf);
}

/* A file-size limit midway: the stream reports EFBIG (a write's or the close's), never success. */
static void test_limit(const char *data, size_t n, size_t limit) {
    struct rlimit old;
    getrlimit(RLIMIT_FSIZE, &old);
    struct rlimit lim = {limit, old.rlim_max};
    signal(SIGXFSZ, SIG_IGN);
    char path[64];
    snprintf(path, sizeof path, "%s/limited", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && setrlimit(RLIMIT_FSIZE, &lim) == 0);
    cav_stream *st = NULL;
    CHECK_EQ_INT(cav__stream_open(&st, fd), 0);
    int rc = write_pieces(st, data, n);
    int e = errno;
    int rc2 = cav__stream_close(st);
    if (rc == 0)
        e = errno;
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(rc != 0 || rc2 != 0);
    CHECK(rc == 0 || rc2 != 0); /* after a failed write the close fails too */
    CHECK_EQ_INT(e, EFBIG);
    struct stat sb;
    CHECK(fstat(fd, &sb) == 0 && (size_t)sb.st_size <= limit);
    printf("limit of %zu bytes: %s failed with %s\n", limit, rc ? "a write" : "the close",
           strerror(e));
    close(fd);
    unlink(path);
}

int main(void) {
    size_t mib = 17;
    const char *env = getenv("CAV_STREAM_MIB");
    long v = env ? strtol(env, NULL, 10) : 0;
    if (v > 0 && v < 4096)
        mib = (size_t)v;
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    size_t n = (mib << 20) + 1234;
    char *data = pattern(n);
    CHECK(data != NULL);
    if (!data)
        return check_done();
    int direct = direct_works();
    printf("O_DIRECT in %s: %s\n", dir, direct ? "taken" : "refused");
    test_file(data, n, 0, 0, direct);
    test_file(data, n, 1, 0, direct);
    test_file(data, n, 4095, 0, direct);
    test_file(data, n, 4096 + 100, 0, direct);
    test_file(data, n, 777, 1, 0);
    test_file(data, 60, 0, 0, direct); /* a header alone */
    test_file(data, 0, 10, 0, direct); /* nothing */
    test_pipe(data, n);
    test_limit(data, n, (5u << 20) + 99);  /* in the middle of a direct block */
    test_limit(data, n, (8u << 20) + 100); /* in the second */
    free(data);
    rmdir(dir);
    return check_done();
}
