/* common.c — pack loading and line reading shared by the subcommands. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

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
