/* outfile.c — output files written completely or not at all (cav_outfile_*, cav_write_file).
 *
 * The text goes to an unnamed temporary file in the target's directory (O_TMPFILE, so a killed
 * run leaves nothing behind; a hidden named one where the file system has no O_TMPFILE), which
 * is given a name and renamed over the target only once it is complete and flushed
 * (docs/robustness.md, "Output files"). The target keeps its permissions (and, for root, its
 * owner); a symbolic link is followed to the file it names (the link stays); a file with other
 * hard links, a read-only file, a directory, one of the run's inputs or a policy file of the
 * run's packs is refused; a device, a FIFO or the process's own standard output (/dev/stdout) is
 * written in place.
 */
#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include "core/alloc.h"
#include "core/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cav_outfile {
    int fd, temp, named;
    mode_t mode;
    char target[PATH_MAX], dir[PATH_MAX], tmp[2 * PATH_MAX + 64];
};

int cav_same_file(const char *a, const char *b) {
    struct stat x, y;
    return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

/* Sets err to what (when err is given) and returns CAV_EIO. */
static int fail(cav_buf *err, const char *what) {
    if (err) {
        cav_buf_clear(err);
        cav__buf_puts(err, what);
    }
    return CAV_EIO;
}

/* Opens an unnamed temporary file next to o->target with the mode the target has (st) or a new
 * file would get (st NULL). */
static int open_temp(cav_outfile *o, const struct stat *st, cav_buf *err) {
    const char *target = o->target, *slash = strrchr(target, '/');
    if (slash)
        snprintf(o->dir, sizeof o->dir, "%.*s", (int)(slash - target == 0 ? 1 : slash - target),
                 target);
    else
        snprintf(o->dir, sizeof o->dir, ".");
    o->fd = open(o->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    o->named = 0;
    if (o->fd < 0) {
        snprintf(o->tmp, sizeof o->tmp, "%s/.%s.caveat-XXXXXX", o->dir, slash ? slash + 1 : target);
        o->fd = mkstemp(o->tmp);
        o->named = 1;
    }
    if (o->fd < 0)
        return fail(err, strerror(errno));
    o->temp = 1;
    if (st) {
        o->mode = st->st_mode & 07777;
        if (geteuid() == 0 && fchown(o->fd, st->st_uid, st->st_gid) != 0) {
            /* best effort: the owner stays the writer's */
        }
    } else {
        mode_t mask = umask(0);
        umask(mask);
        o->mode = 0666 & ~mask;
    }
    return 0;
}

/* 1 when path is one of packs, or a .cav file directly in a directory among them. */
static int is_policy_file(const char *path, const char *const *packs) {
    for (int i = 0; packs && packs[i]; i++) {
        struct stat st;
        if (cav_same_file(path, packs[i]))
            return 1;
        size_t n = strlen(path);
        if (stat(packs[i], &st) != 0 || !S_ISDIR(st.st_mode) || n < 4 ||
            strcmp(path + n - 4, ".cav") != 0)
            continue;
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path + 1) : 1, slash ? path : ".");
        if (cav_same_file(dir, packs[i]))
            return 1;
    }
    return 0;
}

/* Checks path and opens what to write: stdout, a device in place, or a temporary file. */
static int open_target(cav_outfile *o, const char *path, const char *const *inputs,
                       const char *const *packs, cav_buf *err) {
    struct stat st, out;
    o->fd = STDOUT_FILENO;
    if (!path || strcmp(path, "-") == 0)
        return 0;
    for (int i = 0; inputs && inputs[i]; i++)
        if (cav_same_file(path, inputs[i]))
            return fail(err, "is also an input of this run; write elsewhere");
    if (is_policy_file(path, packs))
        return fail(err, "is a policy file of the pack this run loaded; write elsewhere");
    struct stat lst;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        if (!realpath(path, o->target))
            return fail(err, "is a symbolic link to a file that does not exist");
    } else {
        snprintf(o->target, sizeof o->target, "%s", path);
    }
    if (stat(o->target, &st) != 0)
        return errno == ENOENT ? open_temp(o, NULL, err) : fail(err, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(err, "is a directory");
    if (fstat(STDOUT_FILENO, &out) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
        return 0; /* our own standard output (-o /dev/stdout > file): write to it as it is */
    if (!S_ISREG(st.st_mode)) {
        /* a device or FIFO (-o /dev/null): written in place, never renamed over */
        o->fd = open(o->target, O_WRONLY | O_CLOEXEC);
        return o->fd < 0 ? fail(err, strerror(errno)) : 0;
    }
    /* read-only: no write permission for us, or none at all (root may write anything, but a
     * file someone made read-only is meant to stay as it is) */
    if (access(o->target, W_OK) != 0 || !(st.st_mode & 0222))
        return fail(err, "is read-only; it is left as it is");
    if (st.st_nlink > 1)
        return fail(err, "has other hard links, which replacing it would break; write elsewhere");
    return open_temp(o, &st, err);
}

int cav_outfile_open(cav_outfile **out, const char *path, const char *const *inputs,
                     const char *const *packs, cav_buf *err) {
    *out = NULL;
    cav_outfile *o = cav__calloc(1, sizeof *o);
    if (!o) {
        fail(err, "out of memory");
        return CAV_ENOMEM;
    }
    int rc = open_target(o, path, inputs, packs, err);
    if (rc != 0) {
        cav__free(o);
        return rc;
    }
    *out = o;
    return 0;
}

int cav_outfile_write(cav_outfile *o, const char *data, size_t len, cav_buf *err) {
    while (len) {
        ssize_t k = write(o->fd, data, len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return fail(err, strerror(errno));
        }
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

int cav_outfile_fd(const cav_outfile *o) {
    return o->fd;
}

/* Gives the unnamed temporary file a name next to the target, to rename it over. */
static int name_temp(cav_outfile *o) {
    char proc[64];
    const char *slash = strrchr(o->target, '/');
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(o->tmp, sizeof o->tmp, "%s/.%s.caveat-%ld-%d", o->dir,
                 slash ? slash + 1 : o->target, (long)getpid(), attempt);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0) {
            o->named = 1;
            return 0;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

int cav_outfile_commit(cav_outfile *o, cav_buf *err) {
    int fd = o->fd, ok = 1, e = 0;
    if (fd == STDOUT_FILENO || !o->temp) {
        ok = fd == STDOUT_FILENO || close(fd) == 0;
        e = errno;
        cav__free(o);
        return ok ? 0 : fail(err, strerror(e));
    }
    ok = fchmod(fd, o->mode) == 0 && fsync(fd) == 0 && (o->named || name_temp(o) == 0);
    e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(o->tmp, o->target) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok && o->named)
        unlink(o->tmp);
    cav__free(o);
    return ok ? 0 : fail(err, strerror(e));
}

void cav_outfile_abort(cav_outfile *o) {
    if (!o)
        return;
    if (o->fd > STDOUT_FILENO) {
        close(o->fd); /* an unnamed temporary file vanishes with its descriptor */
        if (o->temp && o->named)
            unlink(o->tmp);
    }
    cav__free(o);
}

int cav_write_file(const char *path, const char *data, size_t len, const char *const *inputs,
                   const char *const *packs, cav_buf *err) {
    cav_outfile *o;
    int rc = cav_outfile_open(&o, path, inputs, packs, err);
    if (rc == 0 && (rc = cav_outfile_write(o, data, len, err)) != 0)
        cav_outfile_abort(o);
    else if (rc == 0)
        rc = cav_outfile_commit(o, err);
    return rc;
}
