/* csv.h — CSV rows as event logs write them: splitting a buffer at row boundaries, cutting a row
 * into fields, counting lines, unquoting and quoting values. Used by the audit (src/batch), whose
 * throughput this is measured for.
 *
 * The dialect is RFC 4180 read the way common CSV readers read real files:
 *  - the delimiter is one byte (',', ';' or tab; the caller detects or is told which);
 *  - a row ends at "\n", "\r\n" or a lone "\r" (old Mac files, and files mixing all three);
 *  - a field is quoted only when its first byte is '"'; inside it "" is one quote and delimiters
 *    and line ends are data; text after its closing quote, up to the next delimiter, is kept as
 *    it is. A '"' anywhere else in a field is an ordinary character (He said "hi stays one field);
 *  - a quoted field that is not closed by the end of the input, or that holds a line end and
 *    closes with text other than a delimiter or a line end after its quote, is unbalanced: its
 *    row ends at the first line end after the opening quote (an error row, `unterminated`) and
 *    reading goes on at the next line. So one stray quote never swallows the rows after it.
 * The splitter (cav__csv_cut) and the row reader (cav__csv_row) apply these rules identically,
 * so a buffer cut by one is read the same by the other. Fields are spans into the caller's buffer;
 * nothing here allocates, so threads read their own buffers without copies.
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
    size_t lines;     /* line ends the row spans (its own included; 0 at the end of the data) */
    int unterminated; /* an unbalanced quoted field: the row was cut at its first line end */
    int has_quote;    /* some field is quoted (the raw text is not the values as they are) */
} cav_csv_row;

/* The length of the longest prefix of s[0, len) made of complete rows, given that s starts at a
 * row start. With eof, the data ends there: every row is complete. A "\r" as the last byte is not
 * taken as a row end before eof (a "\n" may follow). */
size_t cav__csv_cut(const char *s, size_t len, char delim, int eof);

/* Reads the row that starts at s (len > 0 bytes available, ending at a row boundary: the row ends
 * at its line end or at len). Stores its first cap fields in fields[] and what it found in *row;
 * returns row->size. */
size_t cav__csv_row(const char *s, size_t len, char delim, cav_csv_span *fields, size_t cap,
                    cav_csv_row *row);

/* The number of line ends ("\n", "\r\n" and lone "\r", each once) in s[0, n); a "\r" at s[n - 1]
 * counts as one. */
size_t cav__csv_lines(const char *s, size_t n);

/* Writes the value of field f into out (at most cap bytes: a value is never longer than its raw
 * field) and returns its length: a quoted field loses its enclosing quotes, doubled quotes are
 * halved, and text after the closing quote is kept; an unquoted field is copied as it is. */
size_t cav__csv_unquote(const cav_csv_span *f, char *out, size_t cap);

/* 1 when a value of n bytes must be quoted in CSV output with delimiter delim (it holds delim, a
 * double quote, a carriage return or a newline). */
int cav__csv_needs_quotes(const char *s, size_t n, char delim);

/* Writes s[0, n) into out as one CSV field for delimiter delim, quoted only when needed; out must
 * have room for 2 * n + 2 bytes. Returns the bytes written (no NUL is added). */
size_t cav__csv_put(char *out, const char *s, size_t n, char delim);

/* The delimiter of a header line s[0, n): of ',', ';' and tab the one that occurs most often
 * outside quotes; ',' when none occurs. */
char cav__csv_detect(const char *s, size_t n);

#endif
