/* file.c — reading the files a pack names, defensively (see file.h).
 *
 * The checks are made on the file actually opened, not on its name, so that no rename or
 * symbolic link swapped between a check and the read can get round them: the descriptor is
 * fstat'ed, and its real path is read back from /proc/self/fd (or, without /proc, resolved with
 * realpath) before it is compared with the roots.
 */
#define _GNU_SOURCE /* O_CLOEXEC, O_NOCTTY on older C libraries */
#include "core/file.h"
#include "core/alloc.h"
#include "core/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 when the real path `real` is inside the real directory `base`. */
static int under(const char *real, const char *base) {
    size_t n = strlen(base);
    if (n == 1 && base[0] == '/')
        return 1;
    return strncmp(real, base, n) == 0 && real[n] == '/';
}

/* The real path of the file open on fd (path as a fallback), into out (PATH_MAX bytes). */
static int real_path_of(int fd, const char *path, char *out) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(proc, out, PATH_MAX - 1);
    if (n > 0 && out[0] == '/') {
        out[n] = '\0';
        return 0;
    }
    return realpath(path, out) ? 0 : -1;
}

/* 1 when the real path `real` lies in the tree of one of the roots. */
static int within_roots(const char *real, const cav_file_rules *r) {
    for (size_t i = 0; i < r->nroots; i++) {
        char base[PATH_MAX];
        if (!r->roots[i] || !realpath(r->roots[i], base))
            continue;
        if (under(real, base))
            return 1;
    }
    return 0;
}

#define OUTSIDE                                                                                    \
    "%s lies outside the directories a pack may read from (the policy file's own directory, and "  \
    "those allowed when the pack is loaded)"

/* For a path that cannot be opened: 1 when it would lie within the roots, judged by the real
 * path of its longest existing leading directory and the rest of it (which must not climb with
 * a ".." component). */
static int would_be_within(const char *path, const cav_file_rules *r) {
    char dir[PATH_MAX], real[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return 0;
    const char *rest = NULL;
    for (;;) {
        char *slash = strrchr(dir, '/');
        if (!slash) {
            rest = path;
            snprintf(dir, sizeof dir, ".");
        } else {
            rest = path + (slash - dir) + 1;
            if (slash == dir)
                slash[1] = '\0';
            else
                *slash = '\0';
        }
        if (realpath(dir, real) || !slash)
            break;
    }
    if (!realpath(dir, real))
        return 0;
    for (const char *c = rest; *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : c + strlen(c))
        if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
            return 0;
    size_t n = strlen(real);
    snprintf(real + n, sizeof real - n, "/%s", rest);
    return within_roots(real, r);
}

int cav__file_read(const char *path, const cav_file_rules *r, char **data, size_t *len,
                   cav_buf *why) {
    /* the subject of messages: 'geojson file "x"', or 'the file' when the caller names it */
    char subject[PATH_MAX + 64];
    if (r->unnamed)
        snprintf(subject, sizeof subject, "the file");
    else
        snprintf(subject, sizeof subject, "%s \"%s\"", r->what ? r->what : "file", path);
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (r->regular_only ? O_NONBLOCK : 0));
    if (fd < 0) {
        int e = errno;
        /* outside the roots, whether a file exists or can be read is not told */
        if (r->nroots && !would_be_within(path, r)) {
            if (why)
                cav__buf_printf(why, OUTSIDE, subject);
            return CAV_EINVAL;
        }
        if (why)
            cav__buf_printf(why, "cannot read %s: %s", subject, strerror(e));
        return CAV_EIO;
    }
    struct stat st;
    int rc = 0;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        if (why)
            cav__buf_printf(why, "cannot read %s: %s", subject, strerror(errno));
        rc = CAV_EIO;
        goto done;
    }
    if (S_ISDIR(st.st_mode) || (r->regular_only && !S_ISREG(st.st_mode))) {
        if (why)
            cav__buf_printf(why,
                            S_ISDIR(st.st_mode)
                                ? "cannot read %s: it is a directory"
                                : "cannot read %s: it is not a regular file (a FIFO, a device or "
                                  "a socket), which could block or never end",
                            subject);
        rc = CAV_EIO;
        goto done;
    }
    if (r->nroots) {
        char real[PATH_MAX];
        if (real_path_of(fd, path, real) != 0 || !within_roots(real, r)) {
            if (why)
                cav__buf_printf(why, OUTSIDE, subject);
            rc = CAV_EINVAL;
            goto done;
        }
    }
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > r->max) {
        if (why)
            cav__buf_printf(why, "%s is larger than the limit of %zu MiB", subject,
                            r->max / (1024 * 1024));
        rc = CAV_ELIMIT;
        goto done;
    }
    if (r->regular_only) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    /* read up to max + 1 bytes: a file that grew past the limit since fstat is caught too */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    buf = cav__malloc(cap + 1);
    if (!buf) {
        rc = CAV_ENOMEM;
        goto done;
    }
    for (;;) {
        if (n == cap) {
            if (cap > r->max)
                break;
            size_t more = cap * 2 > r->max + 1 ? r->max + 1 : cap * 2;
            char *g = cav__realloc(buf, more + 1);
            if (!g) {
                rc = CAV_ENOMEM;
                goto done;
            }
            buf = g;
            cap = more;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            if (why)
                cav__buf_printf(why, "cannot read %s: %s", subject, strerror(errno));
            rc = CAV_EIO;
            goto done;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    if (n > r->max) {
        if (why)
            cav__buf_printf(why, "%s is larger than the limit of %zu MiB", subject,
                            r->max / (1024 * 1024));
        rc = CAV_ELIMIT;
        goto done;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
done:
    cav__free(buf);
    close(fd);
    return rc;
}
