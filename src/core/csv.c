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
 * when quotes are rare) and cav__csv_row() visits only the delimiters and quotes of each 8-byte
 * word; both follow that rule, so a buffer split by one is read identically by the other, even for
 * malformed quoting.
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

/* The row reader looks at eight bytes at a time: a mask marks the commas, newlines and double
 * quotes of the word (exact zero-byte test, no false positives), and only those bytes are visited,
 * in order. Fields of event logs are short, so this beats scanning field by field. */
static uint64_t zero_bytes(uint64_t v) {
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fu;
    return ~(((v & low7) + low7) | v | low7);
}

static uint64_t load_word(const char *p, size_t avail) {
    uint64_t x = 0;
    memcpy(&x, p, avail < 8 ? avail : 8);
    return x;
}

/* Byte i of a word (as loaded by memcpy) is at bit 8 * i on little-endian machines; the GCC
 * builtins give the byte order, and other byte orders use the portable loop. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CAV_CSV_WORDS 1
#else
#define CAV_CSV_WORDS 0
#endif

static void put_field(const char *s, size_t start, size_t end, cav_csv_span *fields, size_t cap,
                      size_t n) {
    if (n < cap) {
        fields[n].p = s + start;
        fields[n].len = (uint32_t)(end - start);
        fields[n].quoted = end > start && s[start] == '"';
    }
}

size_t cav__csv_row(const char *s, size_t len, cav_csv_span *fields, size_t cap, cav_csv_row *row) {
    size_t n = 0, start = 0;
    int in_quotes = 0;
    row->unterminated = 0;
    for (size_t pos = 0; pos < len; pos += 8) {
        uint64_t m;
        if (CAV_CSV_WORDS) {
            uint64_t x = load_word(s + pos, len - pos);
            m = zero_bytes(x ^ 0x2c2c2c2c2c2c2c2cu) | zero_bytes(x ^ 0x0a0a0a0a0a0a0a0au) |
                zero_bytes(x ^ 0x2222222222222222u);
        } else {
            m = 0;
            for (size_t i = 0; i < 8 && pos + i < len; i++) {
                char c = s[pos + i];
                if (c == ',' || c == '\n' || c == '"')
                    m |= (uint64_t)0x80 << (8 * i);
            }
        }
        while (m) {
            size_t i = pos + ((size_t)__builtin_ctzll(m) >> 3);
            m &= m - 1;
            char c = s[i];
            if (c == '"') {
                in_quotes = !in_quotes;
                continue;
            }
            if (in_quotes)
                continue;
            if (c == ',') {
                put_field(s, start, i, fields, cap, n++);
                start = i + 1;
                continue;
            }
            /* a newline outside quotes ends the row; a \r before it belongs to the line end */
            size_t text = i > start && s[i - 1] == '\r' ? i - 1 : i;
            put_field(s, start, text, fields, cap, n++);
            row->text_len = text;
            row->size = i + 1;
            row->nfields = n;
            return row->size;
        }
    }
    /* the data ends inside the row */
    size_t text = len;
    row->unterminated = in_quotes;
    if (!in_quotes && len > start && s[len - 1] == '\r')
        text = len - 1;
    put_field(s, start, text, fields, cap, n++);
    row->text_len = text;
    row->size = len;
    row->nfields = n;
    return len;
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
