/* io.c — loading packs with their diagnostics, reading input files, and the one atomic writer of
 * output files.
 *
 * An output file is written completely or not at all (docs/cli.md, "Output files"): the text goes
 * to an unnamed temporary file in the target's directory (O_TMPFILE, so a killed run leaves
 * nothing behind), which is given a name and renamed over the target only once it is complete and
 * flushed. The target keeps its permissions; a symbolic link is followed to the file it names
 * (the link stays); a file with other hard links, a read-only file, a directory, or a file that
 * is one of the run's inputs is refused; a device, a FIFO or the run's own standard output
 * (/dev/stdout) is written in place.
 */
#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_print_diags(const cav_diags *d, FILE *f, int show_warnings) {
    cav_buf b = {0};
    for (size_t i = 0; i < cav_diags_count(d); i++) {
        const cav_diag *g = cav_diags_get(d, i);
        if (g->severity == CAV_SEV_WARNING && !show_warnings)
            continue;
        cav_buf_clear(&b);
        if (cav_diag_format(d, i, &b) == 0)
            fputs(b.data, f);
    }
    cav_buf_free(&b);
}

cav_pack *cli_load_pack(const cli_list *policies) {
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    int rc = !d                             ? CAV_ENOMEM
             : policies && policies->n > 0 ? cav_pack_load(policies->v, (size_t)policies->n, d, &p)
                                            : cav_pack_load_default(d, &p);
    if (d)
        cli_print_diags(d, stderr, 0);
    if (rc != 0) {
        size_t n = cav_diags_errors(d);
        if (n)
            fprintf(stderr, "caveat: policy rejected: %zu error%s\n", n, n == 1 ? "" : "s");
        else
            fprintf(stderr, "caveat: cannot load the policy: %s\n", cav_strerror(rc));
    }
    cav_diags_free(d);
    return p;
}

int cli_read_file(const char *path, char **data, size_t *len, const char *who) {
    FILE *f = !path || strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: %s: is a directory\n", who, path);
        fclose(f);
        return -1;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (n < cap) {
            if (ferror(f) || feof(f))
                break;
            continue;
        }
        char *g = realloc(buf, cap * 2 + 1);
        if (!g) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = g;
        cap *= 2;
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || err) {
        fprintf(stderr, "%s: %s: %s\n", who, path ? path : "stdin",
                buf ? "read error" : "out of memory");
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int cli_same_file(const char *a, const char *b) {
    struct stat x, y;
    return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

static int write_all(int fd, const char *data, size_t len) {
    while (len) {
        ssize_t k = write(fd, data, len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Prints "WHO: OPT PATH: what" and returns -1. */
static int out_error(const char *who, const char *opt, const char *path, const char *what) {
    fprintf(stderr, "%s: %s%s%s: %s\n", who, opt ? opt : "", opt ? " " : "", path, what);
    return -1;
}

/* Writes data into a new file named `target` atomically; st is the existing target's status or
 * NULL for a new file. */
static int replace_file(const char *target, const struct stat *st, const char *data, size_t len,
                        const char *who, const char *opt) {
    char dir[PATH_MAX];
    const char *slash = strrchr(target, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - target == 0 ? 1 : slash - target), target);
    else
        snprintf(dir, sizeof dir, ".");
    const char *base = slash ? slash + 1 : target;
    char tmp[2 * PATH_MAX + 64];
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    int named = 0;
    if (fd < 0) {
        /* no O_TMPFILE here: a hidden named file, removed on every failure path */
        snprintf(tmp, sizeof tmp, "%s/.%s.caveat-XXXXXX", dir, base);
        fd = mkstemp(tmp);
        named = 1;
    }
    if (fd < 0)
        return out_error(who, opt, target, strerror(errno));
    mode_t mode;
    if (st) {
        mode = st->st_mode & 07777;
        if (geteuid() == 0 && fchown(fd, st->st_uid, st->st_gid) != 0) {
            /* best effort: the owner stays the writer's */
        }
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    int ok = write_all(fd, data, len) == 0 && fchmod(fd, mode) == 0 && fsync(fd) == 0;
    int e = errno;
    if (ok && !named) {
        /* give the unnamed file a temporary name next to the target, then rename it over */
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        for (int attempt = 0; attempt < 100; attempt++) {
            snprintf(tmp, sizeof tmp, "%s/.%s.caveat-%ld-%d", dir, base, (long)getpid(), attempt);
            if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
                named = 1;
                break;
            }
            if (errno != EEXIST)
                break;
        }
        if (!named) {
            ok = 0;
            e = errno;
        }
    }
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(tmp, target) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        if (named)
            unlink(tmp);
        return out_error(who, opt, target, strerror(e));
    }
    return 0;
}

int cli_write_output(const char *path, const char *data, size_t len, const char *who,
                     const char *opt, const char *const *inputs) {
    struct stat st, out;
    if (!path || strcmp(path, "-") == 0 ||
        (stat(path, &st) == 0 && fstat(STDOUT_FILENO, &out) == 0 && st.st_dev == out.st_dev &&
         st.st_ino == out.st_ino && !S_ISREG(st.st_mode))) {
        if (write_all(STDOUT_FILENO, data, len) != 0)
            return out_error(who, opt, path ? path : "stdout", strerror(errno));
        return 0;
    }
    for (int i = 0; inputs && inputs[i]; i++)
        if (cli_same_file(path, inputs[i]))
            return out_error(who, opt, path, "is also an input of this run; write elsewhere");
    char target[PATH_MAX];
    struct stat lst;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        if (!realpath(path, target))
            return out_error(who, opt, path, "is a symbolic link to a file that does not exist");
    } else {
        snprintf(target, sizeof target, "%s", path);
    }
    if (stat(target, &st) != 0) {
        if (errno != ENOENT)
            return out_error(who, opt, path, strerror(errno));
        return replace_file(target, NULL, data, len, who, opt);
    }
    if (S_ISDIR(st.st_mode))
        return out_error(who, opt, path, "is a directory");
    if (fstat(STDOUT_FILENO, &out) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino) {
        /* our own standard output (-o /dev/stdout > file): write to it as it is */
        if (write_all(STDOUT_FILENO, data, len) != 0)
            return out_error(who, opt, path, strerror(errno));
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        /* a device or FIFO (-o /dev/null): write in place, never rename over it */
        int fd = open(target, O_WRONLY | O_CLOEXEC);
        int ok = fd >= 0 && write_all(fd, data, len) == 0;
        int e = errno;
        if (fd >= 0 && close(fd) != 0 && ok) {
            ok = 0;
            e = errno;
        }
        return ok ? 0 : out_error(who, opt, path, strerror(e));
    }
    if (access(target, W_OK) != 0)
        return out_error(who, opt, path, "is read-only; it is left as it is");
    if (st.st_nlink > 1)
        return out_error(who, opt, path,
                         "has other hard links, which replacing it would break; write elsewhere");
    return replace_file(target, &st, data, len, who, opt);
}

int cli_emit(cav_buf *out, int err, const char *who) {
    int rc = CLI_OK;
    if (err != 0) {
        fprintf(stderr, "%s: %s\n", who, cav_strerror(err));
        rc = CLI_USAGE;
    } else if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
        rc = CLI_USAGE;
    }
    cav_buf_free(out);
    return rc;
}

int cli_name(const cav_pack *p, cav_catalog c, const char *name, const char *who,
             const char *opt) {
    int id = cav_catalog_find(p, c, name, strlen(name));
    if (id >= 0)
        return id;
    int n = cav_catalog_count(p, c);
    const char **names = malloc(((size_t)n + 1) * sizeof *names);
    for (int i = 0; names && i < n; i++)
        names[i] = cav_catalog_name(p, c, i);
    cav_buf near = {0};
    fprintf(stderr, "%s: %s: unknown %s '%s'", who, opt, cav_catalog_label(c), name);
    if (names && cav_suggest(name, names, (size_t)n, &near) > 0)
        fprintf(stderr, " (did you mean %s?)", near.data);
    fprintf(stderr, "; `caveat catalog %s` lists them\n", cav_catalog_label(c));
    cav_buf_free(&near);
    free(names);
    return -1;
}

int cli_date(const cav_pack *p, const char *text, int32_t *day, const char *who, const char *opt) {
    cav_buf msg = {0};
    int rc = cav_date_parse_in(p, text, strlen(text), day, &msg);
    if (rc != 0)
        fprintf(stderr, "%s: %s '%s': %s\n", who, opt, text, msg.data ? msg.data : "no date");
    cav_buf_free(&msg);
    return rc ? -1 : 0;
}
