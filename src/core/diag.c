/* diag.c — diagnostics: problems in user input with file, line, column, caret and hint. Parsing
 * and checking go on after an error so that a user sees every mistake at once (as SQLite does);
 * a pack with any error is then rejected whole. */
#include "core/diag.h"
#include "core/alloc.h"

#include "core/buf.h"
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
    return cav__calloc(1, sizeof(cav_diags));
}

void cav_diags_free(cav_diags *d) {
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        cav__free((char *)d->items[i].code);
        cav__free((char *)d->items[i].file);
        cav__free((char *)d->items[i].message);
        cav__free((char *)d->items[i].hint);
        cav__free((char *)d->items[i].source_line);
    }
    cav__free(d->items);
    cav__free(d);
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
    return s ? cav__strdup(s) : NULL;
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
    return cav__strndup(p, n);
}

void cav__diag_add(cav_diags *d, cav_severity sev, const char *file, const char *src, int line,
                   int col, const char *hint, const char *fmt, ...) {
    if (!d)
        return;
    if (sev == CAV_SEV_ERROR)
        d->errors++;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        cav_diag *items = cav__realloc(d->items, cap * sizeof *items);
        if (!items)
            return;
        d->items = items;
        d->cap = cap;
    }
    cav_buf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    cav__buf_vprintf(&msg, fmt, ap); /* numbers in messages: '.' in any locale */
    va_end(ap);
    cav_diag *g = &d->items[d->n++];
    g->severity = sev;
    g->file = dup_or_null(file);
    g->line = line;
    g->col = col;
    g->code = NULL;
    g->message = msg.failed || !msg.data ? NULL : cav__strdup(msg.data);
    cav_buf_free(&msg);
    g->hint = dup_or_null(hint);
    g->source_line = copy_line(src, line);
}

int cav_diag_format(const cav_diags *d, size_t i, cav_buf *o) {
    const cav_diag *g = cav_diags_get(d, i);
    if (!g)
        return CAV_EINVAL;
    const char *sev = g->severity == CAV_SEV_ERROR ? "error" : "warning";
    if (g->line > 0)
        cav__buf_printf(o, "%s:%d:%d: %s: ", g->file ? g->file : "<input>", g->line, g->col, sev);
    else
        cav__buf_printf(o, "%s: %s: ", g->file ? g->file : "<input>", sev);
    cav__buf_puts(o, g->message ? g->message : "out of memory");
    cav__buf_puts(o, "\n");
    if (g->source_line && g->col > 0) {
        cav__buf_printf(o, "  %s\n  ", g->source_line);
        size_t len = strlen(g->source_line);
        for (int c = 1; c < g->col; c++)
            cav__buf_puts(o, (size_t)c <= len && g->source_line[c - 1] == '\t' ? "\t" : " ");
        cav__buf_puts(o, "^\n");
    }
    if (g->hint)
        cav__buf_printf(o, "  hint: %s\n", g->hint);
    return cav__buf_status(o);
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
    sort_key *keys = cav__malloc(n * sizeof *keys);
    cav_diag *items = cav__malloc(n * sizeof *items);
    if (!keys || !items) {
        cav__free(keys);
        cav__free(items);
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
    cav__free(keys);
    cav__free(items);
}

void cav__diag_code(cav_diags *d, const char *code) {
    if (!d || !d->n)
        return;
    cav_diag *g = &d->items[d->n - 1];
    cav__free((char *)g->code);
    g->code = code ? cav__strdup(code) : NULL;
}

static const char *code_of(const cav_diag *g) {
    return g->code ? g->code : g->severity == CAV_SEV_ERROR ? "error" : "warning";
}

int cav_diags_write(const cav_diags *d, int warnings, cav_format fmt, cav_buf *o) {
    size_t n = cav_diags_count(d), k = 0;
    if (fmt == CAV_FMT_TEXT) {
        for (size_t i = 0; i < n; i++)
            if (warnings || d->items[i].severity == CAV_SEV_ERROR)
                cav_diag_format(d, i, o);
        return cav__buf_status(o);
    }
    if (fmt == CAV_FMT_JSON) {
        cav__buf_puts(o, "[");
        for (size_t i = 0; i < n; i++) {
            const cav_diag *g = &d->items[i];
            if (!warnings && g->severity != CAV_SEV_ERROR)
                continue;
            cav__buf_puts(o, k++ ? ",\n  {\"severity\": " : "\n  {\"severity\": ");
            cav__buf_json_str(o, g->severity == CAV_SEV_ERROR ? "error" : "warning");
            cav__buf_puts(o, ", \"code\": ");
            cav__buf_json_str(o, code_of(g));
            cav__buf_puts(o, ", \"file\": ");
            cav__buf_json_str(o, g->file);
            cav__buf_printf(o, ", \"line\": %d, \"column\": %d, \"message\": ", g->line, g->col);
            cav__buf_json_str(o, g->message);
            cav__buf_puts(o, ", \"hint\": ");
            cav__buf_json_str(o, g->hint);
            cav__buf_puts(o, "}");
        }
        cav__buf_puts(o, k ? "\n]\n" : "]\n");
        return cav__buf_status(o);
    }
    if (fmt != CAV_FMT_SARIF)
        return CAV_EINVAL;
    cav__buf_puts(o, "{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", "
                     "\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": "
                     "\"caveat\", \"version\": ");
    cav__buf_json_str(o, cav_version());
    cav__buf_puts(o, ", \"informationUri\": \"docs/language.md\", \"rules\": [");
    /* one reporting descriptor per distinct code */
    for (size_t i = 0; i < n; i++) {
        const char *code = code_of(&d->items[i]);
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(code_of(&d->items[j]), code) != 0;
        if (!first || (!warnings && d->items[i].severity != CAV_SEV_ERROR))
            continue;
        cav__buf_puts(o, k++ ? ", {\"id\": " : "{\"id\": ");
        cav__buf_json_str(o, code);
        cav__buf_puts(o, "}");
    }
    cav__buf_puts(o, "]}}, \"results\": [");
    k = 0;
    for (size_t i = 0; i < n; i++) {
        const cav_diag *g = &d->items[i];
        if (!warnings && g->severity != CAV_SEV_ERROR)
            continue;
        cav__buf_puts(o, k++ ? ",\n  {\"ruleId\": " : "\n  {\"ruleId\": ");
        cav__buf_json_str(o, code_of(g));
        cav__buf_printf(o, ", \"level\": \"%s\", \"message\": {\"text\": ",
                        g->severity == CAV_SEV_ERROR ? "error" : "warning");
        cav_buf text = {0};
        cav__buf_puts(&text, g->message ? g->message : "");
        if (g->hint) {
            cav__buf_puts(&text, " (hint: ");
            cav__buf_puts(&text, g->hint);
            cav__buf_puts(&text, ")");
        }
        cav__buf_json(o, text.data ? text.data : "", text.len);
        cav_buf_free(&text);
        cav__buf_puts(o, "}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
                         "{\"uri\": ");
        cav__buf_json_str(o, g->file ? g->file : "<input>");
        cav__buf_puts(o, "}");
        if (g->line > 0)
            cav__buf_printf(o, ", \"region\": {\"startLine\": %d, \"startColumn\": %d}", g->line,
                            g->col > 0 ? g->col : 1);
        cav__buf_puts(o, "}}]}");
    }
    cav__buf_puts(o, "]}]}\n");
    return cav__buf_status(o);
}
