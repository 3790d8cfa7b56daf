/* stream.c — a sequential writer for large outputs: whole aligned blocks with O_DIRECT to a
 * regular file, ordinary writes otherwise (stream.h). Hand-written: the audit's output is the
 * largest cost of a run to a file (bench/RESULTS-audit.md), and no library in Debian does this.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include "core/stream.h"
#include "core/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    ALIGN = 4096,   /* offsets, lengths and the buffer's address for O_DIRECT: a page, which
                     * covers every logical block size Linux file systems ask for */
    BLOCK = 8 << 20 /* bytes a direct write: large enough that a write is mostly the device's */
};

struct cav_stream {
    int fd;        /* the caller's descriptor */
    int dfd;       /* the same file opened with O_DIRECT, or -1: write through fd */
    int regular;   /* fd is a regular file: pwrite at base */
    int direct;    /* a direct write has been made */
    int err;       /* errno of the first failed write: the stream writes nothing more */
    char *mem;     /* the buffer's allocation; buf is mem aligned */
    char *buf;     /* BLOCK bytes when dfd >= 0 */
    size_t fill;   /* bytes in buf */
    uint64_t base; /* the file offset of buf[0] */
};

/* Writes all n bytes of s: at offset with pwrite, or at the file position with write when offset
 * is negative; goes on after EINTR and short writes. Returns 0, or -1 with errno (ENOSPC for a
 * write that takes nothing). (serve/declog.c has its own: a front end includes only caveat.h.
 * The library's other large output, cav_sample's, goes through this stream.) */
static int write_all(int fd, const char *s, size_t n, int64_t offset) {
    while (n) {
        ssize_t k = offset >= 0 ? pwrite(fd, s, n, (off_t)offset) : write(fd, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0) {
            errno = ENOSPC; /* a write that takes nothing: the device is full */
            return -1;
        }
        s += k;
        n -= (size_t)k;
        if (offset >= 0)
            offset += k;
    }
    return 0;
}

/* Drops O_DIRECT: what is left goes through the caller's descriptor. */
static void undirect(cav_stream *st) {
    if (st->dfd >= 0)
        close(st->dfd);
    st->dfd = -1;
}

/* Writes buf[0, n) at base, n a multiple of ALIGN and base aligned, with O_DIRECT while it is
 * taken; falls back to the caller's descriptor for the rest when a direct write is refused
 * (EINVAL: this file or buffer cannot be written directly) or cut short at an odd length. */
static int put_block(cav_stream *st, size_t n) {
    size_t done = 0;
    while (done < n && st->dfd >= 0) {
        ssize_t k = pwrite(st->dfd, st->buf + done, n - done, (off_t)(st->base + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && errno != EINVAL)
            return -1;
        if (k <= 0 || (size_t)k % ALIGN) {
            if (k > 0)
                done += (size_t)k;
            undirect(st);
            break;
        }
        st->direct = 1;
        done += (size_t)k;
    }
    return write_all(st->fd, st->buf + done, n - done, (int64_t)(st->base + done));
}

/* Writes what the buffer holds up to its last ALIGN boundary in the file (all of it when last),
 * keeping the rest at the buffer's start. The bytes before the file's first boundary go through
 * the caller's descriptor, so that every direct write starts on one. */
static int flush(cav_stream *st, int last) {
    size_t lead = (size_t)((ALIGN - st->base % ALIGN) % ALIGN);
    size_t n = lead < st->fill ? lead : st->fill;
    if (n) {
        if (write_all(st->fd, st->buf, n, (int64_t)st->base) != 0)
            return -1;
        memmove(st->buf, st->buf + n, st->fill - n);
        st->fill -= n;
        st->base += n;
    }
    if (st->base % ALIGN)
        return 0;
    size_t whole = st->fill - st->fill % ALIGN;
    if (whole && put_block(st, whole) != 0)
        return -1;
    memmove(st->buf, st->buf + whole, st->fill - whole);
    st->fill -= whole;
    st->base += whole;
    if (last && st->fill) {
        if (write_all(st->fd, st->buf, st->fill, (int64_t)st->base) != 0)
            return -1;
        st->base += st->fill;
        st->fill = 0;
    }
    return 0;
}

int cav__stream_open(cav_stream **out, int fd) {
    cav_stream *st = cav__calloc(1, sizeof *st);
    *out = st;
    if (!st) {
        errno = ENOMEM;
        return -1;
    }
    st->fd = fd;
    st->dfd = -1;
    struct stat sb;
    off_t at = lseek(fd, 0, SEEK_CUR);
    int flags = fcntl(fd, F_GETFL);
    /* with O_APPEND (a shell's >>) every write goes to the end, whatever its offset says: such a
     * descriptor is written in order, as a pipe is; and a descriptor opened for reading only gets
     * no writable twin: its writes fail (EBADF) before a byte reaches the file, as they would
     * without this stream (review finding) */
    st->regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && at >= 0 && flags >= 0 &&
                  !(flags & O_APPEND) && (flags & O_ACCMODE) != O_RDONLY;
    if (!st->regular)
        return 0;
    st->base = (uint64_t)at;
    /* a second open file description: the caller's keeps its flags */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    st->dfd = open(proc, O_WRONLY | O_DIRECT | O_CLOEXEC);
    struct stat ds;
    if (st->dfd >= 0 &&
        (fstat(st->dfd, &ds) != 0 || ds.st_dev != sb.st_dev || ds.st_ino != sb.st_ino))
        undirect(st); /* not the same file after all */
    if (st->dfd < 0)
        return 0;
    st->mem = cav__malloc(BLOCK + ALIGN);
    if (!st->mem) {
        *out = NULL;
        undirect(st);
        cav__free(st);
        errno = ENOMEM;
        return -1;
    }
    st->buf = st->mem + (ALIGN - (uintptr_t)st->mem % ALIGN) % ALIGN;
    return 0;
}

/* Keeps the first failure: a stream that failed writes nothing more and says so. */
static int failed(cav_stream *st) {
    if (!st->err)
        st->err = errno ? errno : EIO;
    errno = st->err;
    return -1;
}

int cav__stream_write(cav_stream *st, const char *s, size_t n) {
    if (st->err) {
        errno = st->err;
        return -1;
    }
    if (!st->regular)
        return write_all(st->fd, s, n, -1) == 0 ? 0 : failed(st);
    if (!st->fill && st->dfd < 0) {
        if (write_all(st->fd, s, n, (int64_t)st->base) != 0)
            return failed(st);
        st->base += n;
        return 0;
    }
    while (n) {
        size_t k = BLOCK - st->fill < n ? BLOCK - st->fill : n;
        memcpy(st->buf + st->fill, s, k);
        st->fill += k;
        s += k;
        n -= k;
        if (st->fill == BLOCK && flush(st, 0) != 0)
            return failed(st);
    }
    return 0;
}

int cav__stream_close(cav_stream *st) {
    if (!st)
        return 0;
    int rc = st->err ? -1 : 0, e = st->err;
    if (st->regular && !rc) {
        rc = flush(st, 1);
        e = errno;
        if (rc == 0 && lseek(st->fd, (off_t)st->base, SEEK_SET) < 0) {
            rc = -1;
            e = errno;
        }
    }
    undirect(st);
    cav__free(st->mem);
    cav__free(st);
    errno = e;
    return rc;
}

int cav__stream_went_direct(const cav_stream *st) {
    return st && st->direct;
}
