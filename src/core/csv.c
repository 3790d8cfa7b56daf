/* csv.c — the CSV reader and writer of `caveat audit`.
 *
 * Why hand-written: the audit reads and writes every row of logs that run to tens of millions of
 * rows, and its target is millions of rows per second on two cores. Profiles of the audit put the
 * CSV layer in the same league as evaluating the decision itself, so the reader must not copy,
 * allocate, or look at a byte twice: fields come back as spans into the caller's buffer and only
 * quoted fields (rare in event logs) are unescaped, on demand. libcsv-style callbacks per field
 * and per row cost more than the work they wrap, and a general library cannot split a buffer at
 * row boundaries for the audit's worker threads without parsing it twice.
 *
 * The one rule (see csv.h): a newline or a comma is a delimiter when an even number of double
 * quotes precede it in its row. cav__csv_complete() finds row ends with memchr over quotes (fast
 * when quotes are rare) and cav__csv_row() cuts fields with a byte table; both follow that rule,
 * so a buffer split by one is read identically by the other, even for malformed quoting.
 */
#include "core/csv.h"

#include <string.h>

size_t cav__csv_complete(const char *s, size_t len) {
    size_t pos = 0, last = 0;
    int in_quotes = 0;
    while (pos < len) {
        const char *q = memchr(s + pos, '"', len - pos);
        size_t stop = q ? (size_t)(q - s) : len;
        if (!in_quotes) {
            /* the last newline of this stretch outside quotes ends a row */
            for (size_t i = stop; i > pos; i--)
                if (s[i - 1] == '\n') {
                    last = i;
                    break;
                }
        }
        if (!q)
            break;
        in_quotes = !in_quotes;
        pos = stop + 1;
    }
    return last;
}

/* Bytes that end an unquoted stretch of a field. */
static const unsigned char stops[256] = {['\n'] = 1, [','] = 1, ['"'] = 1};

size_t cav__csv_row(const char *s, size_t len, cav_csv_span *fields, size_t cap,
                    cav_csv_row *row) {
    const char *p = s, *end = s + len, *start = s;
    size_t n = 0;
    int in_quotes = 0;
    row->unterminated = 0;
    for (;;) {
        if (in_quotes) {
            const char *q = memchr(p, '"', (size_t)(end - p));
            if (!q) {
                row->unterminated = 1;
                p = end;
            } else {
                p = q + 1;
                in_quotes = 0;
                continue;
            }
        } else {
            while (p < end && !stops[(unsigned char)*p])
                p++;
            if (p < end && *p == '"') {
                in_quotes = 1;
                p++;
                continue;
            }
        }
        /* p is at a comma, a newline or the end: the field [start, p) is complete */
        const char *fend = p;
        int at_eol = p == end || *p == '\n';
        if (at_eol && fend > start && fend[-1] == '\r' && !row->unterminated)
            fend--;
        if (n < cap) {
            fields[n].p = start;
            fields[n].len = (uint32_t)(fend - start);
            fields[n].quoted = fend > start && *start == '"';
        }
        n++;
        if (at_eol) {
            row->text_len = (size_t)(fend - s);
            row->size = p == end ? len : (size_t)(p - s) + 1;
            row->nfields = n;
            return row->size;
        }
        start = ++p;
    }
}

size_t cav__csv_unquote(const cav_csv_span *f, char *out, size_t cap) {
    const char *p = f->p;
    size_t n = f->len;
    if (!f->quoted) {
        n = n < cap ? n : cap;
        memcpy(out, p, n);
        return n;
    }
    /* drop the opening quote and, when present, the closing one; halve doubled quotes */
    p++;
    n--;
    if (n > 0 && p[n - 1] == '"')
        n--;
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        out[k++] = p[i];
        if (p[i] == '"' && i + 1 < n && p[i + 1] == '"')
            i++;
    }
    return k;
}

int cav__csv_needs_quotes(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r')
            return 1;
    }
    return 0;
}

size_t cav__csv_put(char *out, const char *s, size_t n) {
    if (!cav__csv_needs_quotes(s, n)) {
        memcpy(out, s, n);
        return n;
    }
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            out[k++] = '"';
        out[k++] = s[i];
    }
    out[k++] = '"';
    return k;
}
