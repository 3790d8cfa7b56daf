/* buf.h — appending to the public growable text buffer (cav_buf, declared in caveat.h), and the one
 * JSON string escaper of the code base.
 *
 * Every writer of text in the library (decisions, explanations, maps, timelines, diagnostics)
 * appends to a cav_buf, which grows as needed: nothing is ever cut to fit a fixed array. When an
 * append cannot get memory the buffer keeps what it had, sets `failed` and ignores every later
 * append, so a writer can make all its appends and check once at the end (cav__buf_status).
 * Text is always NUL-terminated once anything was appended.
 */
#ifndef CAV_BUF_H
#define CAV_BUF_H

#include "caveat.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Makes room for `more` bytes after len (plus the NUL); returns 0 or -1 (failed is set). */
int cav__buf_reserve(cav_buf *b, size_t more);
/* Appends n bytes of s. */
void cav__buf_put(cav_buf *b, const char *s, size_t n);
/* Appends the NUL-terminated s (nothing for NULL). */
void cav__buf_puts(cav_buf *b, const char *s);
/* Appends one byte. */
void cav__buf_putc(cav_buf *b, char c);
/* Appends formatted text. Numbers of type double must not be formatted here (the C library's
 * printf follows the locale): use cav__buf_double. */
void cav__buf_printf(cav_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cav__buf_vprintf(cav_buf *b, const char *fmt, va_list ap);
/* Appends v in the shortest form that reads back to the same double, with '.' whatever the
 * locale ("50.45", "1e-07", "3"). Non-finite values are written as null. */
void cav__buf_double(cav_buf *b, double v);
/* Appends v with exactly `decimals` digits after a '.', whatever the locale. */
void cav__buf_fixed(cav_buf *b, double v, int decimals);
/* Appends s[0, n) as a JSON string literal: quotes, escapes for '"', '\\' and control characters,
 * and U+FFFD for every byte that is not part of valid UTF-8, so the output is always valid JSON
 * in valid UTF-8 whatever the input. */
void cav__buf_json(cav_buf *b, const char *s, size_t n);
/* cav__buf_json of a NUL-terminated string; NULL is written as null. */
void cav__buf_json_str(cav_buf *b, const char *s);
/* Appends s[0, n) with XML's five special characters escaped, control characters other than
 * tab/newline dropped, and invalid UTF-8 replaced by U+FFFD: safe in SVG text and attributes. */
void cav__buf_xml(cav_buf *b, const char *s, size_t n);
/* Appends s[0, n) as a Markdown table cell: '|' and '\\' escaped, HTML's '<', '>' and '&' as
 * entities, newlines as spaces. */
void cav__buf_md(cav_buf *b, const char *s, size_t n);
/* 0 when every append succeeded, CAV_ENOMEM otherwise. */
int cav__buf_status(const cav_buf *b);

/* Length of the longest prefix of s[0, n) that is at most max bytes and does not end inside a
 * UTF-8 character: the place to cut a name that must be shortened for a message. */
size_t cav__utf8_cut(const char *s, size_t n, size_t max);
/* The length of s[0, n) without an incomplete UTF-8 character at its end (what is left when a
 * fixed-size buffer cut a character in two). */
size_t cav__utf8_complete(const char *s, size_t n);
/* A value quoted from the input for a message, into out (size bytes): at most 60 bytes of s[0, n),
 * cut on a character boundary and marked with "..." when cut; control characters shown as '?'. */
void cav__quote_value(const char *s, size_t n, char *out, size_t size);
/* Adds a problem to e (field -1: the document; name as the input wrote it): the message is
 * formatted with '.' as decimal point whatever the locale and never ends inside a character. When
 * e is full, counts it in e->more. */
void cav__qerrors_vadd(cav_qerrors *e, int field, const char *name, const char *fmt, va_list ap);
/* 1 when s[0, n) is valid UTF-8 (no overlong forms, surrogates or code points over U+10FFFF). */
int cav__utf8_valid(const char *s, size_t n);
/* The number of ASCII bytes s[0, n) begins with, eight bytes a step: a measured hot path (the
 * audit checks every text it writes, explanations of a kilobyte among them, and a call per cell
 * cost it 44 instructions a row), hence inline. */
static inline size_t cav__ascii_prefix(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, u + i, 8);
        if (w & 0x8080808080808080u)
            break;
    }
    while (i < n && u[i] < 0x80)
        i++;
    return i;
}
/* Length of the valid UTF-8 character at s[0, n) (n > 0), or 0 when the bytes there are not one
 * (overlong forms, surrogates and code points past U+10FFFF are not). The one UTF-8 check of
 * the library: the JSON reader, the escaper and the cutters use it. */
size_t cav__utf8_char(const unsigned char *s, size_t n);

#endif
