/* csv.h — RFC 4180 CSV rows: splitting a buffer at row boundaries, cutting a row into fields,
 * unquoting and quoting values. Used by `caveat audit`, whose throughput this is measured for.
 *
 * One rule decides where rows end, for the splitter and the row reader alike: a newline ends a row
 * when an even number of double quotes precede it in that row (so newlines inside quoted fields
 * stay in the field), and a comma separates fields under the same condition. A "\r" just before
 * a row's newline belongs to the line ending. Fields are returned as spans into the caller's
 * buffer (raw: a quoted field keeps its quotes and doubled quotes); nothing here allocates, so
 * rows can be read and written without copies by several threads on their own buffers.
 */
#ifndef CAV_CSV_H
#define CAV_CSV_H

#include <stddef.h>
#include <stdint.h>

/* A raw field of a row: bytes [p, p + len) of the caller's buffer. */
typedef struct cav_csv_span {
    const char *p;
    uint32_t len;
    uint32_t quoted; /* 1 when the field starts with a double quote: unquote before use */
} cav_csv_span;

/* What cav__csv_row found. */
typedef struct cav_csv_row {
    size_t size;      /* bytes of the row, its line ending included */
    size_t text_len;  /* bytes of the row without its line ending */
    size_t nfields;   /* fields in the row; may exceed the capacity given */
    int unterminated; /* a quoted field was still open at the end of the data */
} cav_csv_row;

/* Returns the length of the longest prefix of s[0, len) made of complete rows (each ending with its
 * newline), given that s starts at the start of a row; 0 when no row is complete. */
size_t cav__csv_complete(const char *s, size_t len);

/* Reads the row that starts at s (len > 0 bytes available; the row ends at its newline or at len).
 * Stores its first cap fields in fields[] and what it found in *row; returns row->size. */
size_t cav__csv_row(const char *s, size_t len, cav_csv_span *fields, size_t cap, cav_csv_row *row);

/* Writes the value of field f into out (at most cap bytes: a value is never longer than its raw
 * field) and returns its length: a quoted field loses its enclosing quotes and doubled quotes are
 * halved; an unquoted field is copied as it is. */
size_t cav__csv_unquote(const cav_csv_span *f, char *out, size_t cap);

/* 1 when a value of n bytes must be quoted in CSV output (it holds a comma, a double quote, a
 * carriage return or a newline). */
int cav__csv_needs_quotes(const char *s, size_t n);

/* Writes s[0, n) into out as one CSV field, quoted only when needed; out must have room for
 * 2 * n + 2 bytes. Returns the bytes written (no NUL is added). */
size_t cav__csv_put(char *out, const char *s, size_t n);

#endif
