/* io.c — loading packs with their diagnostics, reading input files, and output files through
 * the library's atomic writer (cav_outfile_*: complete or not at all), with the errors printed
 * as the command line says them.
 */
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

/* Prints "WHO: OPT PATH: why" and returns -1. */
static int out_error(const cli_out *o, const cav_buf *why) {
    fprintf(stderr, "%s: %s%s%s: %s\n", o->who, o->opt ? o->opt : "", o->opt ? " " : "", o->path,
            why->data ? why->data : "cannot be written");
    return -1;
}

int cli_out_open(cli_out *o, const char *path, const char *who, const char *opt,
                 const char *const *inputs) {
    cav_buf why = {0};
    *o = (cli_out){NULL, who, opt, path ? path : "stdout"};
    int rc =
        cav_outfile_open(&o->f, path, inputs, loaded_policies ? loaded_policies->v : NULL, &why);
    rc = rc ? out_error(o, &why) : 0;
    cav_buf_free(&why);
    return rc;
}

int cli_out_write(cli_out *o, const char *data, size_t len) {
    cav_buf why = {0};
    int rc = cav_outfile_write(o->f, data, len, &why) ? out_error(o, &why) : 0;
    cav_buf_free(&why);
    return rc;
}

int cli_out_commit(cli_out *o) {
    cav_buf why = {0};
    int rc = cav_outfile_commit(o->f, &why) ? out_error(o, &why) : 0;
    o->f = NULL;
    cav_buf_free(&why);
    return rc;
}

void cli_out_abort(cli_out *o) {
    cav_outfile_abort(o->f);
    o->f = NULL;
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
