/* io.c — loading packs with their diagnostics, reading input files, and the one atomic writer of
 * output files.
 *
 * An output file is written completely or not at all (docs/robustness.md, "Output files"): the text
 * goes to an unnamed temporary file in the target's directory (O_TMPFILE, so a killed run leaves
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

cli_list cli_allow_paths;

cav_load_opts cli_load_opts(void) {
    cav_load_opts o = {cli_allow_paths.v, (size_t)cli_allow_paths.n};
    return o;
}

/* The policy paths of the pack this run loaded: no output may replace one of them (or a .cav
 * file of a directory among them), whichever command writes. */
static const cli_list *loaded_policies;

cav_pack *cli_load_pack(const cli_list *policies) {
    loaded_policies = policies;
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    cav_load_opts o = cli_load_opts();
    int rc = !d ? CAV_ENOMEM
             : policies && policies->n > 0
                 ? cav_pack_load_opts(policies->v, (size_t)policies->n, &o, d, &p)
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

/* Opens an unnamed temporary file next to `target` (or, without O_TMPFILE, a hidden named one)
 * with the mode the target has or a new file would get. */
static int open_temp(cli_out *o, const struct stat *st) {
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
        return out_error(o->who, o->opt, target, strerror(errno));
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

/* 1 when path is one of the loaded policy files, or a .cav file in a loaded policy directory. */
static int is_policy_file(const char *path) {
    for (int i = 0; loaded_policies && i < loaded_policies->n; i++) {
        const char *p = loaded_policies->v[i];
        struct stat st;
        if (cli_same_file(path, p))
            return 1;
        size_t n = strlen(path);
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode) || n < 4 || strcmp(path + n - 4, ".cav"))
            continue;
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path + 1) : 1, slash ? path : ".");
        if (cli_same_file(dir, p))
            return 1;
    }
    return 0;
}

int cli_out_open(cli_out *o, const char *path, const char *who, const char *opt,
                 const char *const *inputs) {
    struct stat st, out;
    memset(o, 0, sizeof *o);
    o->fd = STDOUT_FILENO;
    o->who = who;
    o->opt = opt;
    o->path = path ? path : "stdout";
    if (!path || strcmp(path, "-") == 0)
        return 0;
    for (int i = 0; inputs && inputs[i]; i++)
        if (cli_same_file(path, inputs[i]))
            return out_error(who, opt, path, "is also an input of this run; write elsewhere");
    if (is_policy_file(path))
        return out_error(who, opt, path,
                         "is a policy file of the pack this run loaded; write "
                         "elsewhere");
    struct stat lst;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        if (!realpath(path, o->target))
            return out_error(who, opt, path, "is a symbolic link to a file that does not exist");
    } else {
        snprintf(o->target, sizeof o->target, "%s", path);
    }
    if (stat(o->target, &st) != 0) {
        if (errno != ENOENT)
            return out_error(who, opt, path, strerror(errno));
        return open_temp(o, NULL);
    }
    if (S_ISDIR(st.st_mode))
        return out_error(who, opt, path, "is a directory");
    if (fstat(STDOUT_FILENO, &out) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
        return 0; /* our own standard output (-o /dev/stdout > file): write to it as it is */
    if (!S_ISREG(st.st_mode)) {
        /* a device or FIFO (-o /dev/null): written in place, never renamed over */
        o->fd = open(o->target, O_WRONLY | O_CLOEXEC);
        return o->fd < 0 ? out_error(who, opt, path, strerror(errno)) : 0;
    }
    /* read-only: no write permission for us, or none at all (root may write anything, but a
     * file someone made read-only is meant to stay as it is) */
    if (access(o->target, W_OK) != 0 || !(st.st_mode & 0222))
        return out_error(who, opt, path, "is read-only; it is left as it is");
    if (st.st_nlink > 1)
        return out_error(who, opt, path,
                         "has other hard links, which replacing it would break; write elsewhere");
    return open_temp(o, &st);
}

int cli_out_write(cli_out *o, const char *data, size_t len) {
    return write_all(o->fd, data, len) == 0 ? 0
                                            : out_error(o->who, o->opt, o->path, strerror(errno));
}

int cli_out_commit(cli_out *o) {
    int fd = o->fd, ok = 1, e = 0;
    o->fd = -1;
    if (fd == STDOUT_FILENO)
        return 0;
    if (!o->temp) {
        if (close(fd) != 0)
            return out_error(o->who, o->opt, o->path, strerror(errno));
        return 0;
    }
    ok = fchmod(fd, o->mode) == 0 && fsync(fd) == 0;
    e = errno;
    if (ok && !o->named) {
        /* give the unnamed file a temporary name next to the target, then rename it over */
        char proc[64];
        const char *slash = strrchr(o->target, '/');
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        for (int attempt = 0; attempt < 100; attempt++) {
            snprintf(o->tmp, sizeof o->tmp, "%s/.%s.caveat-%ld-%d", o->dir,
                     slash ? slash + 1 : o->target, (long)getpid(), attempt);
            if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0) {
                o->named = 1;
                break;
            }
            if (errno != EEXIST)
                break;
        }
        if (!o->named) {
            ok = 0;
            e = errno;
        }
    }
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(o->tmp, o->target) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        if (o->named)
            unlink(o->tmp);
        return out_error(o->who, o->opt, o->path, strerror(e));
    }
    return 0;
}

void cli_out_abort(cli_out *o) {
    if (o->fd > STDOUT_FILENO) {
        close(o->fd); /* an unnamed temporary file vanishes with its descriptor */
        if (o->temp && o->named)
            unlink(o->tmp);
    }
    o->fd = -1;
}

int cli_write_output(const char *path, const char *data, size_t len, const char *who,
                     const char *opt, const char *const *inputs) {
    cli_out o;
    if (cli_out_open(&o, path, who, opt, inputs) != 0)
        return -1;
    if (cli_out_write(&o, data, len) != 0) {
        cli_out_abort(&o);
        return -1;
    }
    return cli_out_commit(&o);
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

int cli_name(const cav_pack *p, cav_catalog c, const char *name, const char *who, const char *opt) {
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
