/* diag.c — diagnostics: problems in user input with file, line, column, caret and hint. Parsing
 * and checking go on after an error so that a user sees every mistake at once (as SQLite does);
 * a pack with any error is then rejected whole. */
#include "core/diag.h"

#include "core/num.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cav_diags {
    cav_diag *items;
    size_t n, cap, errors;
};

cav_diags *cav_diags_new(void) {
    return calloc(1, sizeof(cav_diags));
}

void cav_diags_free(cav_diags *d) {
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free((char *)d->items[i].file);
        free((char *)d->items[i].message);
        free((char *)d->items[i].hint);
        free((char *)d->items[i].source_line);
    }
    free(d->items);
    free(d);
}

size_t cav_diags_count(const cav_diags *d) {
    return d ? d->n : 0;
}
size_t cav_diags_errors(const cav_diags *d) {
    return d ? d->errors : 0;
}
const cav_diag *cav_diags_get(const cav_diags *d, size_t i) {
    return d && i < d->n ? &d->items[i] : NULL;
}

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

static char *copy_line(const char *src, int line) {
    if (!src || line < 1)
        return NULL;
    const char *p = src;
    for (int l = 1; l < line && p; l++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return NULL;
    size_t n = strcspn(p, "\r\n");
    if (n > 300)
        n = 300;
    return strndup(p, n);
}

void cav__diag_add(cav_diags *d, cav_severity sev, const char *file, const char *src, int line,
                   int col, const char *hint, const char *fmt, ...) {
    if (!d)
        return;
    if (sev == CAV_SEV_ERROR)
        d->errors++;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        cav_diag *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return;
        d->items = items;
        d->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    cav__vsnprintf_c(msg, sizeof msg, fmt, ap); /* numbers in messages: '.' in any locale */
    va_end(ap);
    cav_diag *g = &d->items[d->n++];
    g->severity = sev;
    g->file = dup_or_null(file);
    g->line = line;
    g->col = col;
    g->message = strdup(msg);
    g->hint = dup_or_null(hint);
    g->source_line = copy_line(src, line);
}

size_t cav_diag_format(const cav_diags *d, size_t i, char *buf, size_t size) {
    cav_out o;
    cav__out_init(&o, buf, size);
    const cav_diag *g = cav_diags_get(d, i);
    if (!g)
        return 0;
    const char *sev = g->severity == CAV_SEV_ERROR ? "error" : "warning";
    if (g->line > 0)
        cav__out_printf(&o, "%s:%d:%d: %s: ", g->file ? g->file : "<input>", g->line, g->col, sev);
    else
        cav__out_printf(&o, "%s: %s: ", g->file ? g->file : "<input>", sev);
    cav__out_puts(&o, g->message ? g->message : "out of memory");
    cav__out_puts(&o, "\n");
    if (g->source_line && g->col > 0) {
        cav__out_printf(&o, "  %s\n  ", g->source_line);
        size_t len = strlen(g->source_line);
        for (int c = 1; c < g->col; c++)
            cav__out_puts(&o, (size_t)c <= len && g->source_line[c - 1] == '\t' ? "\t" : " ");
        cav__out_puts(&o, "^\n");
    }
    if (g->hint)
        cav__out_printf(&o, "  hint: %s\n", g->hint);
    return o.len;
}

typedef struct sort_key {
    size_t file_rank, index;
    int line, col;
} sort_key;

static int cmp_key(const void *a, const void *b) {
    const sort_key *x = a, *y = b;
    if (x->file_rank != y->file_rank)
        return x->file_rank < y->file_rank ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void cav__diags_sort(cav_diags *d, size_t from) {
    if (!d || from >= d->n)
        return;
    size_t n = d->n - from;
    sort_key *keys = malloc(n * sizeof *keys);
    cav_diag *items = malloc(n * sizeof *items);
    if (!keys || !items) {
        free(keys);
        free(items);
        return; /* unsorted is still correct */
    }
    for (size_t i = 0; i < n; i++) {
        const cav_diag *g = &d->items[from + i];
        size_t rank = i;
        for (size_t k = 0; k < i; k++) {
            const char *f = d->items[from + k].file;
            if ((f == NULL && g->file == NULL) || (f && g->file && strcmp(f, g->file) == 0)) {
                rank = keys[k].file_rank;
                break;
            }
        }
        keys[i] = (sort_key){rank, i, g->line, g->col};
    }
    qsort(keys, n, sizeof *keys, cmp_key);
    for (size_t i = 0; i < n; i++)
        items[i] = d->items[from + keys[i].index];
    memcpy(d->items + from, items, n * sizeof *items);
    free(keys);
    free(items);
}
