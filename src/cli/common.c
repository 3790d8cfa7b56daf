/* common.c — pack loading and line reading shared by the subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_print_diags(const cav_diags *d, FILE *f, int show_warnings) {
    char buf[4096];
    for (size_t i = 0; i < cav_diags_count(d); i++) {
        const cav_diag *g = cav_diags_get(d, i);
        if (g->severity == CAV_SEV_WARNING && !show_warnings)
            continue;
        cav_diag_format(d, i, buf, sizeof buf);
        fputs(buf, f);
    }
}

cav_pack *cli_load_pack(const char *const *paths, int npaths, int show_warnings) {
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    int rc = d ? (npaths > 0 ? cav_pack_load(paths, (size_t)npaths, d, &p)
                             : cav_pack_load_default(d, &p))
               : CAV_ENOMEM;
    if (d)
        cli_print_diags(d, stderr, show_warnings);
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

long cli_read_line(FILE *in, char **buf, size_t *cap) {
    size_t n = 0;
    int c, too_long = 0;
    while ((c = getc_unlocked(in)) != EOF && c != '\n') {
        if (too_long)
            continue;
        if (n + 2 > *cap) {
            if (*cap >= CAV_MAX_LINE) {
                too_long = 1;
                continue;
            }
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *g = realloc(*buf, ncap);
            if (!g) {
                too_long = 1;
                continue;
            }
            *buf = g;
            *cap = ncap;
        }
        (*buf)[n++] = (char)c;
    }
    if (c == EOF && n == 0 && !too_long)
        return -1;
    if (too_long)
        return -2;
    if (n && (*buf)[n - 1] == '\r')
        n--;
    (*buf)[n] = '\0';
    return (long)n;
}

/* The command-line option that sets a query field, for messages. */
static const char *option_of(const char *field) {
    static const char *const map[][2] = {{"weapon", "--weapon"},      {"supplier", "--party"},
                                         {"target.kind", "--kind"},   {"purpose", "--purpose"},
                                         {"target.state", "--state"}, {"date", "--date"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(field, map[i][0]) == 0)
            return map[i][1];
    return field[0] ? field : "the question";
}

int cli_use_query(const cav_pack *p, const cli_use *u, cav_query *q, const char *who) {
    json_t *root = json_object(), *target = json_object();
    json_object_set_new(root, "date", json_string(u->date ? u->date : ""));
    json_object_set_new(root, "weapon", json_string(u->weapon ? u->weapon : ""));
    if (u->party)
        json_object_set_new(root, "supplier", json_string(u->party));
    if (u->purpose)
        json_object_set_new(root, "purpose", json_string(u->purpose));
    json_object_set_new(target, "lat", json_real(0));
    json_object_set_new(target, "lon", json_real(0));
    json_object_set_new(target, "kind", json_string(u->kind ? u->kind : ""));
    if (u->state)
        json_object_set_new(target, "state", json_string(u->state));
    json_object_set_new(root, "target", target);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!s) {
        fprintf(stderr, "%s: out of memory\n", who);
        return -1;
    }
    char id[64], field[64], msg[512];
    int rc = cav_query_parse_json(p, s, strlen(s), q, id, sizeof id, field, sizeof field, msg,
                                  sizeof msg);
    free(s);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", who, option_of(field), msg);
        return -1;
    }
    return 0;
}

int cli_write_output(const char *path, const char *data, size_t len, const char *who,
                     const char *opt) {
    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            fprintf(stderr, "%s: cannot write to stdout: %s\n", who, strerror(errno));
            return -1;
        }
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: %s%s%s: is a directory\n", who, opt ? opt : "", opt ? " " : "", path);
        return -1;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or a FIFO (-o /dev/null): write in place, never rename over it */
        FILE *f = fopen(path, "w");
        int ok = f && fwrite(data, 1, len, f) == len;
        ok = f && fclose(f) == 0 && ok;
        if (!ok)
            fprintf(stderr, "%s: %s%s%s: cannot write: %s\n", who, opt ? opt : "", opt ? " " : "",
                    path, strerror(errno));
        return ok ? 0 : -1;
    }
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) {
        fprintf(stderr, "%s: out of memory\n", who);
        return -1;
    }
    snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "%s: %s%s%s: cannot create a file there: %s\n", who, opt ? opt : "",
                opt ? " " : "", path, strerror(errno));
        free(tmp);
        return -1;
    }
    mode_t mask = umask(0); /* mkstemp makes 0600; give the file the usual mode */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "w");
    int ok = f && fwrite(data, 1, len, f) == len;
    ok = (f ? fclose(f) == 0 : (close(fd), 0)) && ok;
    int e = errno;
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(tmp);
        fprintf(stderr, "%s: %s%s%s: cannot write: %s\n", who, opt ? opt : "", opt ? " " : "", path,
                strerror(e));
    }
    free(tmp);
    return ok ? 0 : -1;
}
