/* csv.c — the CSV reader and writer of the audit (the dialect is described in csv.h).
 *
 * Why hand-written: the audit reads and writes every row of logs that run to tens of millions of
 * rows at millions of rows per second on two cores, so the reader must not copy, allocate, or
 * look at a byte twice: fields come back as spans into the caller's buffer, only quoted fields
 * (rare in event logs) are unescaped, on demand, and the splitter that cuts input into chunks for
 * the worker threads jumps from quote to quote with memchr. A general CSV library cannot split a
 * buffer at row boundaries for worker threads without parsing it twice.
 *
 * Invariant: cav__csv_cut and cav__csv_row decide row ends by the same rules (csv.h): a quote
 * opens a quoted field only at a field's start; a quoted field ends at a quote not doubled; an
 * unbalanced one (not closed, or holding a line end and closed with other text than a delimiter
 * or a line end after it) ends its row at the first line end after the opening quote.
 */
#include "core/csv.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static int is_eol(char c) {
    return c == '\n' || c == '\r';
}

/* The index of the first delimiter or line end at or after pos in s[0, len), or len. Fields of
 * event logs are short, so one 16-byte block (SSE2) usually answers. */
static size_t next_special(const char *s, size_t pos, size_t len, char delim) {
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi8(delim), nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    while (pos + 16 <= len) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + pos));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, nl)),
                                   _mm_cmpeq_epi8(x, cr));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m)
            return pos + (size_t)__builtin_ctz(m);
        pos += 16;
    }
#endif
    for (; pos < len; pos++)
        if (s[pos] == delim || is_eol(s[pos]))
            return pos;
    return len;
}

/* The index of the first line end at or after pos, or len. */
static size_t line_end(const char *s, size_t pos, size_t len) {
    for (; pos < len; pos++)
        if (is_eol(s[pos]))
            return pos;
    return len;
}

/* The closing quote of the quoted field whose opening quote is at s[open]: its index, len when
 * the data ends first, or (size_t)-1 when the data ends on a quote that might be doubled. */
static size_t closing_quote(const char *s, size_t open, size_t len, int eof) {
    size_t p = open + 1;
    for (;;) {
        const char *q = p < len ? memchr(s + p, '"', len - p) : NULL;
        if (!q)
            return len;
        size_t i = (size_t)(q - s);
        if (i + 1 == len && !eof)
            return (size_t)-1;
        if (i + 1 < len && s[i + 1] == '"') {
            p = i + 2;
            continue;
        }
        return i;
    }
}

/* 0 when the quoted field [open, close] is balanced, 1 when it is unbalanced (see csv.h), -1 when
 * that depends on data not yet read. close == len: not closed. */
static int unbalanced(const char *s, size_t open, size_t close, size_t len, char delim, int eof) {
    if (close >= len)
        return eof ? 1 : -1;
    size_t nl = line_end(s, open + 1, close);
    if (nl == close)
        return 0; /* on one line: text after the quote is kept, as common readers do */
    if (close + 1 == len)
        return eof ? 0 : -1;
    char after = s[close + 1];
    return after == delim || is_eol(after) ? 0 : 1;
}

size_t cav__csv_cut(const char *s, size_t len, char delim, int eof) {
    size_t pos = 0, last = 0;
    while (pos < len) {
        const char *q = memchr(s + pos, '"', len - pos);
        size_t stop = q ? (size_t)(q - s) : len;
        /* the last line end of this unquoted stretch ends a row */
        for (size_t i = stop; i > pos; i--) {
            char c = s[i - 1];
            if (c == '\n' || (c == '\r' && (i < len || eof))) {
                if (i > last)
                    last = i;
                break;
            }
        }
        if (!q)
            break;
        if (stop > 0 && s[stop - 1] != delim && !is_eol(s[stop - 1])) {
            pos = stop + 1; /* a quote inside a field is an ordinary character */
            continue;
        }
        size_t close = closing_quote(s, stop, len, eof);
        if (close == (size_t)-1)
            return last;
        int bad = unbalanced(s, stop, close, len, delim, eof);
        if (bad < 0)
            return last;
        if (bad) {
            /* the row ends at the first line end after the opening quote */
            pos = line_end(s, stop + 1, len);
            if (pos == len)
                return eof ? len : last;
            continue;
        }
        pos = close + 1;
    }
    return eof ? len : last;
}

static void put_field(const char *s, size_t start, size_t end, int quoted, cav_csv_span *fields,
                      size_t cap, size_t n) {
    if (n < cap) {
        fields[n].p = s + start;
        fields[n].len = (uint32_t)(end - start);
        fields[n].quoted = (uint32_t)quoted;
    }
}

/* Ends the row at line end index i (or at len). */
static size_t end_row(const char *s, size_t i, size_t len, cav_csv_row *row, size_t n) {
    row->nfields = n;
    row->text_len = i;
    if (i >= len) {
        row->size = len;
        return len;
    }
    row->lines++;
    row->size = s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? i + 2 : i + 1;
    return row->size;
}

size_t cav__csv_row(const char *s, size_t len, char delim, cav_csv_span *fields, size_t cap,
                    cav_csv_row *row) {
    size_t n = 0, start = 0;
    row->unterminated = 0;
    row->has_quote = 0;
    row->lines = 0;
    for (;;) {
        size_t from = start;
        int quoted = start < len && s[start] == '"';
        if (quoted) {
            row->has_quote = 1;
            size_t close = closing_quote(s, start, len, 1);
            if (unbalanced(s, start, close, len, delim, 1)) {
                size_t e = line_end(s, start + 1, len);
                put_field(s, start, e, 1, fields, cap, n++);
                row->unterminated = 1;
                return end_row(s, e, len, row, n);
            }
            /* line ends inside the quotes are lines of the file */
            for (size_t i = start + 1; i < close; i++)
                if (s[i] == '\n' || (s[i] == '\r' && s[i + 1] != '\n'))
                    row->lines++;
            from = close + 1;
        }
        size_t i = next_special(s, from, len, delim);
        put_field(s, start, i, quoted, fields, cap, n++);
        if (i < len && s[i] == delim) {
            start = i + 1;
            continue;
        }
        return end_row(s, i, len, row, n);
    }
}

size_t cav__csv_lines(const char *s, size_t n) {
    size_t count = 0, i = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    /* x holds bytes i..i+15, y bytes i+1..i+16: a "\r" counts when the byte after it is no "\n" */
    while (i + 17 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
        unsigned lf = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl));
        unsigned lone = (unsigned)_mm_movemask_epi8(
            _mm_andnot_si128(_mm_cmpeq_epi8(y, nl), _mm_cmpeq_epi8(x, cr)));
        /* line ends are sparse (a row is ~100 bytes): clearing the lowest bit until none is left
         * beats __builtin_popcount, a call into libgcc on baseline x86-64 (a measured hot path:
         * the audit's reader spent 300 instructions a row there) */
        for (unsigned m = lf | lone << 16; m; m &= m - 1)
            count++;
        i += 16;
    }
#endif
    for (; i < n; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n')))
            count++;
    return count;
}

size_t cav__csv_unquote(const cav_csv_span *f, char *out, size_t cap) {
    const char *p = f->p;
    size_t n = f->len;
    if (!f->quoted) {
        n = n < cap ? n : cap;
        memcpy(out, p, n);
        return n;
    }
    size_t k = 0, i = 1;
    while (i < n && k < cap) {
        if (p[i] != '"') {
            out[k++] = p[i++];
            continue;
        }
        if (i + 1 < n && p[i + 1] == '"') {
            out[k++] = '"';
            i += 2;
            continue;
        }
        /* the closing quote: what follows it up to the delimiter is kept as it is */
        for (i++; i < n && k < cap; i++)
            out[k++] = p[i];
        break;
    }
    return k;
}

int cav__csv_needs_quotes(const char *s, size_t n, char delim) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == delim || c == '"' || c == '\n' || c == '\r')
            return 1;
    }
    return 0;
}

size_t cav__csv_put(char *out, const char *s, size_t n, char delim) {
    if (!cav__csv_needs_quotes(s, n, delim)) {
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

char cav__csv_detect(const char *s, size_t n) {
    size_t comma = 0, semi = 0, tab = 0;
    int in_quotes = 0;
    for (size_t i = 0; i < n && !(is_eol(s[i]) && !in_quotes); i++) {
        char c = s[i];
        if (c == '"')
            in_quotes = !in_quotes;
        else if (!in_quotes)
            comma += c == ',', semi += c == ';', tab += c == '\t';
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}
