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
 * when quotes are rare) and cav__csv_row() visits only the delimiters and quotes of each block of
 * 16 (SSE2) or 8 bytes; both follow that rule, so a buffer split by one is read identically by the
 * other, even for malformed quoting.
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

/* The row reader looks at a block of bytes at a time: a mask marks the commas, newlines and double
 * quotes of the block, and only those bytes are visited, in order. Fields of event logs are short,
 * so this beats scanning field by field. Blocks are 16 bytes with SSE2 (one compare per
 * delimiter), else 8 bytes of a 64-bit word on little-endian GCC/Clang targets (an exact zero-byte
 * test per delimiter, no false positives), else 8 bytes tested one by one. In the mask, byte i of
 * the block is bit i << CSV_SHIFT. */
#if defined(__SSE2__)
#include <emmintrin.h>
enum { CSV_BLOCK = 16, CSV_SHIFT = 0 };
static uint64_t block_mask(const char *p, size_t avail) {
    char tail[16] = {0};
    if (avail < 16) {
        memcpy(tail, p, avail);
        p = tail;
    }
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
        _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    return (uint64_t)(uint32_t)_mm_movemask_epi8(hit);
}
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
enum { CSV_BLOCK = 8, CSV_SHIFT = 3 };
static uint64_t zero_bytes(uint64_t v) {
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fu;
    return ~(((v & low7) + low7) | v | low7);
}
static uint64_t block_mask(const char *p, size_t avail) {
    uint64_t x = 0;
    memcpy(&x, p, avail < 8 ? avail : 8);
    return zero_bytes(x ^ 0x2c2c2c2c2c2c2c2cu) | zero_bytes(x ^ 0x0a0a0a0a0a0a0a0au) |
           zero_bytes(x ^ 0x2222222222222222u);
}
#else
enum { CSV_BLOCK = 8, CSV_SHIFT = 0 };
static uint64_t block_mask(const char *p, size_t avail) {
    uint64_t m = 0;
    for (size_t i = 0; i < 8 && i < avail; i++)
        if (p[i] == ',' || p[i] == '\n' || p[i] == '"')
            m |= (uint64_t)1 << i;
    return m;
}
#endif

/* The index of the lowest set bit of m (m != 0). */
static unsigned lowest_bit(uint64_t m) {
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(m);
#else
    unsigned i = 0;
    while (!(m & 1)) {
        m >>= 1;
        i++;
    }
    return i;
#endif
}

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
    for (size_t pos = 0; pos < len; pos += CSV_BLOCK) {
        uint64_t m = block_mask(s + pos, len - pos);
        while (m) {
            size_t i = pos + (lowest_bit(m) >> CSV_SHIFT);
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
