/* split.c — cutting a stream of JSON queries into documents (see caveat.h, cav_split_next).
 *
 * The input may be NDJSON, pretty-printed objects one after another, or one array of queries; a
 * caller reads it in chunks of any size and gets whole documents with the line each starts on.
 * Only the structure is scanned here (strings, brackets, newlines), not the grammar: each
 * document goes to the JSON query reader, which reports what is wrong with it, so a broken line
 * costs that line alone.
 *
 * Where a value ends: at the bracket that closes it; a bare scalar (never a query, but it must
 * be answered) ends at the newline, or inside an array at the first blank, ',' or ']'. A newline
 * inside a string ends the value (JSON strings hold no raw newline: the line is broken). A newline
 * inside an open object or array continues it (pretty-printed JSON) unless the next line starts
 * with '{' or '[' in column 1, which is how NDJSON's next query starts: then the open value ends at
 * the newline, broken, and the next line is read on its own.
 */
#include "caveat.h"

#include <stdint.h>
#include <string.h>

void cav_split_init(cav_split *s) {
    memset(s, 0, sizeof *s);
    s->line = 1;
}

static int blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/* Byte classes of the scan outside strings. */
enum { K_PLAIN = 0, K_QUOTE, K_OPEN, K_CLOSE, K_NEWLINE, K_SEPARATOR };
static const unsigned char byte_class[256] = {
    ['"'] = K_QUOTE,      ['{'] = K_OPEN,      ['['] = K_OPEN,      ['}'] = K_CLOSE,
    [']'] = K_CLOSE,      ['\n'] = K_NEWLINE,  [' '] = K_SEPARATOR, ['\t'] = K_SEPARATOR,
    ['\r'] = K_SEPARATOR, [','] = K_SEPARATOR,
};

/* The first byte at or after j (below lim) that is a quote, a backslash or a newline: the bytes
 * that matter inside a string, skipped eight at a time (strings are most of a query's bytes; a
 * measured hot path: bench/serve_parse.c). */
static size_t string_stop(const char *buf, size_t j, size_t lim) {
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    while (j + 8 <= lim) {
        uint64_t w;
        memcpy(&w, buf + j, 8);
        uint64_t q = w ^ (0x22 * ones), b = w ^ (0x5c * ones), n = w ^ (0x0a * ones);
        if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((n - ones) & ~n)) & high)
            break;
        j += 8;
    }
    while (j < lim && buf[j] != '"' && buf[j] != '\\' && buf[j] != '\n')
        j++;
    return j;
}

/* Scans the value at buf[start, len): *end is set past it. Returns 1 found, 0 need more input,
 * -1 longer than CAV_MAX_DOC. *nl counts the newlines inside it. */
static int value_end(const char *buf, size_t start, size_t len, int eof, int in_array, size_t *end,
                     long *nl) {
    int depth = 0, found = 0, broken_string = 0;
    long lines = 0;
    /* a document of exactly CAV_MAX_DOC bytes is read with its end */
    size_t lim = len - start > CAV_MAX_DOC + 1 ? start + CAV_MAX_DOC + 1 : len;
    size_t j = start;
    for (; j < lim; j++) {
        unsigned k = byte_class[(unsigned char)buf[j]];
        if (k == K_PLAIN || (k == K_SEPARATOR && !(depth == 0 && in_array)))
            continue;
        if (k == K_QUOTE) {
            /* to the closing quote; an escape skips the byte after the backslash */
            for (j++;; j += 2) {
                j = string_stop(buf, j, lim);
                if (j >= lim || buf[j] != '\\')
                    break;
            }
            if (j >= lim)
                break;
            if (buf[j] == '\n') {
                broken_string = 1; /* a string cannot hold a newline: the line is broken */
                break;
            }
            continue; /* the closing quote */
        }
        if (k == K_OPEN) {
            depth++;
        } else if (k == K_CLOSE) {
            if (depth == 0 && j > start) {
                found = 1; /* a scalar ends before the bracket that closes its array */
                break;
            }
            if (--depth <= 0) {
                j++;
                found = 1;
                break;
            }
        } else if (k == K_NEWLINE) {
            if (depth == 0) {
                found = 1;
                break;
            }
            if (j + 1 >= len) {
                if (!eof)
                    return 0;
                break;
            }
            if (buf[j + 1] == '{' || buf[j + 1] == '[') {
                found = 1;
                break; /* the next line starts a query: this one is broken */
            }
            lines++;
        } else { /* a blank or ',' ends a scalar in an array */
            found = 1;
            break;
        }
    }
    if (!found && !broken_string && j >= lim && lim < len)
        return -1;
    if (j > len)
        j = len;
    if (broken_string)
        found = 1; /* ended by a newline inside a string */
    if (!found && !eof)
        return 0; /* the value may go on in the next chunk */
    *end = j;
    *nl = lines;
    return 1;
}

size_t cav_split_next(cav_split *s, const char *buf, size_t len, int eof, cav_doc *doc) {
    size_t i = 0;
    doc->kind = CAV_DOC_END;
    doc->text = NULL;
    doc->len = 0;
    doc->message = NULL;
    while (i < len) {
        char c = buf[i];
        if (s->skipping) {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (!nl)
                return len;
            i = (size_t)(nl - buf);
            s->skipping = 0;
            continue;
        }
        if (c == '\n') {
            if (!s->in_array && s->line_has_text != 1) {
                doc->kind = CAV_DOC_EMPTY;
                doc->line = s->line++;
                doc->message = "empty line: expected a JSON query"; /* one wording everywhere */
                s->line_has_text = 0;
                return i + 1;
            }
            s->line++;
            s->line_has_text = 0;
            i++;
            continue;
        }
        if (blank(c)) {
            if (!s->line_has_text)
                s->line_has_text = 2; /* blanks only, so far */
            i++;
            continue;
        }
        if (s->in_array && s->after_element) {
            s->line_has_text = 1;
            if (c == ',') {
                s->after_element = 0;
                i++;
                continue;
            }
            if (c == ']') {
                s->in_array = 0;
                i++;
                continue;
            }
            doc->kind = CAV_DOC_ERROR;
            doc->line = s->line;
            doc->message = "expected ',' or ']' between the queries of an array";
            s->in_array = 0;
            s->skipping = 1;
            return i;
        }
        if (s->in_array && c == ']') {
            s->in_array = 0;
            s->line_has_text = 1;
            i++;
            continue;
        }
        if (!s->in_array && c == '[') {
            s->in_array = 1;
            s->after_element = 0;
            s->line_has_text = 1;
            i++;
            continue;
        }
        size_t end;
        long lines;
        int r = value_end(buf, i, len, eof, s->in_array, &end, &lines);
        if (r == 0)
            return i; /* need more input */
        s->line_has_text = 1;
        if (r < 0) {
            doc->kind = CAV_DOC_ERROR;
            doc->line = s->line;
            doc->message = "the query is longer than 1 MiB";
            s->skipping = 1;
            s->in_array = 0;
            for (size_t k = i; k <= i + CAV_MAX_DOC; k++)
                s->line += buf[k] == '\n';
            return i + CAV_MAX_DOC + 1;
        }
        doc->kind = CAV_DOC_QUERY;
        doc->text = buf + i;
        doc->len = end - i;
        doc->line = s->line;
        s->line += lines;
        if (s->in_array)
            s->after_element = 1;
        return end;
    }
    if (eof && !s->in_array && s->line_has_text == 2) {
        /* a last line of blanks without its newline is answered as an empty line, as with one */
        doc->kind = CAV_DOC_EMPTY;
        doc->line = s->line;
        s->line_has_text = 1;
        return i;
    }
    if (eof && s->in_array) {
        doc->kind = CAV_DOC_ERROR;
        doc->line = s->line;
        doc->message = "the array of queries is not closed with ']'";
        s->in_array = 0;
        return i;
    }
    return i;
}
