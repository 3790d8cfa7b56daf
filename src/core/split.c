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
    if (j - start > CAV_MAX_DOC)
        return -1; /* one byte too many: its last bracket came at CAV_MAX_DOC + 1 */
    *end = j;
    *nl = lines;
    return 1;
}

/* Skips the over-long value that starts (or goes on) at buf[i, len), with its state kept in s
 * across calls: the same ends as value_end's (its closing bracket; a newline outside brackets,
 * inside a string, or before a line starting with '{' or '['; in an array a scalar's ',', blank
 * or ']'). Returns where it stopped; s->skipping is 0 once the value has ended, and an array the
 * value was an element of then expects ',' or ']'. */
static size_t skip_value(cav_split *s, const char *buf, size_t i, size_t len, int eof) {
    int ended = 0;
    for (; i < len && !ended; i++) {
        char c = buf[i];
        if (s->skip_instr) {
            if (s->skip_esc)
                s->skip_esc = 0;
            else if (c == '\\')
                s->skip_esc = 1;
            else if (c == '"')
                s->skip_instr = 0;
            else if (c == '\n')
                break; /* broken: the newline is the next document's to count */
            continue;
        }
        if (c == '"') {
            s->skip_instr = 1;
        } else if (c == '{' || c == '[') {
            s->skip_depth++;
        } else if (c == '}' || c == ']') {
            if (s->skip_depth == 0)
                break; /* a scalar ends before its array's ']' */
            ended = --s->skip_depth == 0;
        } else if (c == '\n') {
            if (s->skip_depth == 0)
                break;
            if (i + 1 >= len && !eof)
                return i; /* whether the next line starts a query: wait for it */
            if (i + 1 >= len || buf[i + 1] == '{' || buf[i + 1] == '[')
                break;
            s->line++;
        } else if (s->skip_depth == 0 && s->skip_in_array && (blank(c) || c == ',')) {
            break;
        }
    }
    if (i < len || ended || eof) {
        s->skipping = 0;
        s->skip_instr = s->skip_esc = s->skip_depth = 0;
        s->in_array = s->skip_in_array;
        s->after_element = s->skip_in_array;
    }
    return i;
}

size_t cav_split_next(cav_split *s, const char *buf, size_t len, int eof, cav_doc *doc) {
    size_t i = 0;
    doc->kind = CAV_DOC_END;
    doc->text = NULL;
    doc->len = 0;
    doc->message = NULL;
    while (i < len) {
        char c = buf[i];
        if (s->skipping == 1) {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (!nl)
                return len;
            i = (size_t)(nl - buf);
            s->skipping = 0;
            continue;
        }
        if (s->skipping == 2) {
            size_t at = skip_value(s, buf, i, len, eof);
            if (s->skipping)
                return at; /* the value goes on in the next chunk */
            i = at;
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
        if ((unsigned char)c == 0xef) {
            /* a byte-order mark between documents is blank: editors write one at the start of a
             * file, and files joined with cat carry theirs into the middle */
            if (len - i < 3 && !eof && memcmp(buf + i, "\xef\xbb\xbf", len - i) == 0)
                return i; /* maybe a mark: wait for its other bytes */
            if (len - i >= 3 && memcmp(buf + i, "\xef\xbb\xbf", 3) == 0) {
                i += 3;
                continue;
            }
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
            /* one error; the value is then skipped from its start by its structure (strings,
             * brackets), counting its lines, and an array it belongs to goes on after it */
            doc->kind = CAV_DOC_ERROR;
            doc->line = s->line;
            doc->message = "the query is longer than 1 MiB";
            s->skipping = 2;
            s->skip_depth = s->skip_instr = s->skip_esc = 0;
            s->skip_in_array = s->in_array;
            return i;
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
        s->line_has_text = 1; /* its blank last line belongs to the array: answered by this */
        return i;
    }
    return i;
}
