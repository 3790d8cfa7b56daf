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

/* A copy of s, or NULL. A text cut to fit a fixed buffer upstream (snprintf cuts at the end) may
 * end inside a character: the copy leaves that incomplete character out. */
static char *dup_or_null(const char *s) {
    return s ? cav__strndup(s, cav__utf8_complete(s, strlen(s))) : NULL;
}

/* A copy of the line that starts at line_text (up to its end, at most 300 bytes, cut on a
 * character boundary, control characters as '?'), or NULL. */
static char *copy_line(const char *line_text) {
    if (!line_text)
        return NULL;
    size_t n = strcspn(line_text, "\r\n");
    char *s = cav__strndup(line_text, cav__utf8_cut(line_text, n, 300));
    /* shown on a terminal: a control character of the file (an escape sequence) becomes '?', one
     * byte for one so that the caret still points at its column */
    for (char *c = s; c && *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
            *c = '?';
    return s;
}

void cav__diag_add(cav_diags *d, cav_severity sev, const char *file, const char *line_text,
                   int line, int col, const char *hint, const char *fmt, ...) {
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
    g->message = msg.failed || !msg.data ? NULL : dup_or_null(msg.data);
    cav_buf_free(&msg);
    g->hint = dup_or_null(hint);
    g->source_line = line > 0 ? copy_line(line_text) : NULL;
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

/* Diagnostics by file name, then by index: to give each file the rank of its first
 * appearance in O(n log n), whatever the number of files. */
typedef struct file_key {
    const char *file;
    size_t index;
} file_key;

static int cmp_names(const char *a, const char *b) {
    return a && b ? strcmp(a, b) : (a != NULL) - (b != NULL);
}

static int cmp_file(const void *a, const void *b) {
    const file_key *x = a, *y = b;
    int c = cmp_names(x->file, y->file);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

void cav__diags_sort(cav_diags *d, size_t from) {
    if (!d || from >= d->n)
        return;
    size_t n = d->n - from;
    sort_key *keys = cav__malloc(n * sizeof *keys);
    file_key *files = cav__malloc(n * sizeof *files);
    cav_diag *items = cav__malloc(n * sizeof *items);
    if (!keys || !files || !items) {
        cav__free(keys);
        cav__free(files);
        cav__free(items);
        return; /* unsorted is still correct */
    }
    for (size_t i = 0; i < n; i++)
        files[i] = (file_key){d->items[from + i].file, i};
    qsort(files, n, sizeof *files, cmp_file);
    size_t rank = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || cmp_names(files[i - 1].file, files[i].file) != 0)
            rank = files[i].index; /* the first of its file */
        const cav_diag *g = &d->items[from + files[i].index];
        keys[files[i].index] = (sort_key){rank, files[i].index, g->line, g->col};
    }
    cav__free(files);
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
    /* one reporting descriptor per distinct code (codes are few: a list of those seen) */
    const char **seen = cav__malloc((n ? n : 1) * sizeof *seen);
    size_t nseen = 0;
    if (!seen)
        return CAV_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *code = code_of(&d->items[i]);
        int first = !warnings && d->items[i].severity != CAV_SEV_ERROR ? 0 : 1;
        for (size_t j = 0; j < nseen && first; j++)
            first = strcmp(seen[j], code) != 0;
        if (!first)
            continue;
        seen[nseen++] = code;
        cav__buf_puts(o, k++ ? ", {\"id\": " : "{\"id\": ");
        cav__buf_json_str(o, code);
        cav__buf_puts(o, "}");
    }
    cav__free(seen);
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
