/* json.c — the strict JSON pull reader (see json.h for the contract and why it is hand-written).
 *
 * Every function first skips whitespace, then checks the one token it expects; the first error
 * records a message and its byte offset and makes every later call fail, so a caller can walk on
 * and check once. Strings are scanned a byte at a time on the ASCII fast path; only a string with
 * escapes is copied (into the reader's scratch), and multi-byte characters are validated as
 * UTF-8 where they stand.
 */
#include "core/json.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/num.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cav__json_init(cav_json *j, const char *text, size_t len) {
    j->text = j->p = text;
    j->end = text + len;
    j->depth = 0;
    j->failed = j->oom = 0;
    j->err_at = 0;
    j->err[0] = '\0';
    j->key.heap = j->val.heap = NULL;
    j->key.cap = j->val.cap = 0;
}

void cav__json_free(cav_json *j) {
    cav__free(j->key.heap);
    cav__free(j->val.heap);
    j->key.heap = j->val.heap = NULL;
}

static int fail(cav_json *j, const char *at, const char *msg) {
    if (!j->failed && strcmp(msg, "out of memory") == 0)
        j->oom = 1;
    if (!j->failed) {
        j->failed = 1;
        j->err_at = (size_t)(at - j->text);
        snprintf(j->err, sizeof j->err, "%s", msg);
    }
    return -1;
}

static void skip_ws(cav_json *j) {
    const char *p = j->p;
    while (p < j->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    j->p = p;
}

size_t cav__json_offset(cav_json *j) {
    skip_ws(j);
    return (size_t)(j->p - j->text);
}

cav_jkind cav__json_peek(cav_json *j) {
    if (j->failed)
        return CAV_J_ERROR;
    skip_ws(j);
    if (j->p == j->end)
        return CAV_J_END;
    switch (*j->p) {
    case '{': return CAV_J_OBJECT;
    case '[': return CAV_J_ARRAY;
    case '"': return CAV_J_STRING;
    case 't': return CAV_J_TRUE;
    case 'f': return CAV_J_FALSE;
    case 'n': return CAV_J_NULL;
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return CAV_J_NUMBER;
        fail(j, j->p, "expected a JSON value");
        return CAV_J_ERROR;
    }
}

/* Appends n bytes to the scratch string s (length *len). 0 or -1 out of memory. */
static int scratch_put(cav_jstr *s, size_t *len, const char *src, size_t n) {
    char *base = s->heap ? s->heap : s->inline_buf;
    size_t cap = s->heap ? s->cap : sizeof s->inline_buf;
    if (*len + n + 1 > cap) {
        size_t ncap = cap * 2;
        while (ncap < *len + n + 1)
            ncap *= 2;
        char *g = cav__malloc(ncap);
        if (!g)
            return -1;
        memcpy(g, base, *len);
        cav__free(s->heap);
        s->heap = g;
        s->cap = ncap;
        base = g;
    }
    memcpy(base + *len, src, n);
    *len += n;
    base[*len] = '\0';
    return 0;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

/* Reads the string at j->p (which is a quote) into (*s, *n), decoding into scratch when it has
 * escapes. */
static int read_string(cav_json *j, cav_jstr *scratch, const char **s, size_t *n) {
    const unsigned char *p = (const unsigned char *)j->p + 1;
    const unsigned char *end = (const unsigned char *)j->end;
    const unsigned char *run = p;
    size_t len = 0;
    int copied = 0;
    for (;;) {
        if (p == end)
            return fail(j, (const char *)p, "unterminated string");
        unsigned c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(j, (const char *)p, "control character in a string (escape it)");
        if (c >= 0x80) {
            size_t k = cav__utf8_char(p, (size_t)(end - p));
            if (!k)
                return fail(j, (const char *)p, "string is not valid UTF-8");
            p += k;
            continue;
        }
        if (c != '\\') {
            p++;
            continue;
        }
        /* an escape: copy what came before, then the decoded character */
        if (scratch_put(scratch, &len, (const char *)run, (size_t)(p - run)) < 0)
            return fail(j, (const char *)p, "out of memory");
        copied = 1;
        if (end - p < 2)
            return fail(j, (const char *)p, "unterminated string");
        char out[4];
        size_t outn = 1;
        switch (p[1]) {
        case '"': out[0] = '"'; break;
        case '\\': out[0] = '\\'; break;
        case '/': out[0] = '/'; break;
        case 'b': out[0] = '\b'; break;
        case 'f': out[0] = '\f'; break;
        case 'n': out[0] = '\n'; break;
        case 'r': out[0] = '\r'; break;
        case 't': out[0] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (end - p < 6 || hex4((const char *)p + 2, &cp) < 0)
                return fail(j, (const char *)p, "bad \\u escape (four hex digits needed)");
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail(j, (const char *)p, "lone low surrogate in a \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
                    hex4((const char *)p + 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                    return fail(j, (const char *)p, "high surrogate without its low half");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
            if (cp == 0)
                return fail(j, (const char *)p, "\\u0000 is not allowed in a string");
            if (cp < 0x80) {
                out[0] = (char)cp;
            } else if (cp < 0x800) {
                out[0] = (char)(0xc0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3f));
                outn = 2;
            } else if (cp < 0x10000) {
                out[0] = (char)(0xe0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char)(0x80 | (cp & 0x3f));
                outn = 3;
            } else {
                out[0] = (char)(0xf0 | (cp >> 18));
                out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[3] = (char)(0x80 | (cp & 0x3f));
                outn = 4;
            }
            p += 4;
            break;
        }
        default: return fail(j, (const char *)p, "unknown escape in a string");
        }
        if (scratch_put(scratch, &len, out, outn) < 0)
            return fail(j, (const char *)p, "out of memory");
        p += 2;
        run = p;
    }
    if (copied) {
        if (scratch_put(scratch, &len, (const char *)run, (size_t)(p - run)) < 0)
            return fail(j, (const char *)p, "out of memory");
        *s = scratch->heap ? scratch->heap : scratch->inline_buf;
        *n = len;
    } else {
        *s = j->p + 1;
        *n = (size_t)((const char *)p - (j->p + 1));
    }
    j->p = (const char *)p + 1;
    return 0;
}

int cav__json_string(cav_json *j, const char **s, size_t *n) {
    if (j->failed)
        return -1;
    skip_ws(j);
    if (j->p == j->end || *j->p != '"')
        return fail(j, j->p, "expected a string");
    return read_string(j, &j->val, s, n);
}

double cav__json_number_value(const char *s, size_t n) {
    double v = 0;
    if (cav__parse_double(s, n, &v) != 0) {
        /* the grammar was checked: only a magnitude beyond the doubles is refused here */
        v = (n && s[0] == '-') ? -HUGE_VAL : HUGE_VAL;
    }
    return v;
}

int cav__json_number(cav_json *j, double *v, const char **raw, size_t *rawn) {
    if (j->failed)
        return -1;
    skip_ws(j);
    const char *p = j->p, *e = j->end, *start = p;
    if (p < e && *p == '-')
        p++;
    if (p == e || *p < '0' || *p > '9')
        return fail(j, p, "expected a number");
    if (*p == '0') {
        p++;
        if (p < e && *p >= '0' && *p <= '9')
            return fail(j, p, "a number may not have a leading zero");
    } else {
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && *p == '.') {
        p++;
        if (p == e || *p < '0' || *p > '9')
            return fail(j, p, "a digit must follow the decimal point");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p == e || *p < '0' || *p > '9')
            return fail(j, p, "a digit must follow the exponent");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    j->p = p;
    *raw = start;
    *rawn = (size_t)(p - start);
    *v = cav__json_number_value(start, *rawn);
    return 0;
}

static int literal(cav_json *j, const char *word, size_t n) {
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return fail(j, j->p, "expected a JSON value");
    j->p += n;
    return 0;
}

int cav__json_literal(cav_json *j) {
    switch (cav__json_peek(j)) {
    case CAV_J_TRUE: return literal(j, "true", 4);
    case CAV_J_FALSE: return literal(j, "false", 5);
    case CAV_J_NULL: return literal(j, "null", 4);
    default: return fail(j, j->p, "expected true, false or null");
    }
}

/* Enters an object or array at j->p (the opening bracket). */
static int enter(cav_json *j, char open) {
    skip_ws(j);
    if (j->p == j->end || *j->p != open)
        return fail(j, j->p, open == '{' ? "expected an object" : "expected an array");
    if (j->depth >= CAV_JSON_MAX_DEPTH)
        return fail(j, j->p, "nested more than 64 levels deep");
    j->depth++;
    j->p++;
    return 0;
}

int cav__json_member(cav_json *j, int *state, const char **key, size_t *keyn) {
    if (j->failed)
        return -1;
    if (*state == 0) {
        if (enter(j, '{') < 0)
            return -1;
        skip_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            j->depth--;
            *state = 2;
            return 0;
        }
        *state = 1;
    } else if (*state == 1) {
        skip_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            j->depth--;
            *state = 2;
            return 0;
        }
        if (j->p == j->end || *j->p != ',')
            return fail(j, j->p, "expected ',' or '}' in an object");
        j->p++;
        skip_ws(j);
    } else {
        return 0;
    }
    if (j->p == j->end || *j->p != '"')
        return fail(j, j->p, "expected a member name in double quotes");
    if (read_string(j, &j->key, key, keyn) < 0)
        return -1;
    skip_ws(j);
    if (j->p == j->end || *j->p != ':')
        return fail(j, j->p, "expected ':' after a member name");
    j->p++;
    return 1;
}

int cav__json_element(cav_json *j, int *state) {
    if (j->failed)
        return -1;
    if (*state == 0) {
        if (enter(j, '[') < 0)
            return -1;
        skip_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            j->depth--;
            *state = 2;
            return 0;
        }
        *state = 1;
        return 1;
    }
    if (*state == 2)
        return 0;
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        j->depth--;
        *state = 2;
        return 0;
    }
    if (j->p == j->end || *j->p != ',')
        return fail(j, j->p, "expected ',' or ']' in an array");
    j->p++;
    return 1;
}

int cav__json_skip(cav_json *j) {
    const char *s;
    size_t n;
    double v;
    int st = 0;
    switch (cav__json_peek(j)) {
    case CAV_J_OBJECT: {
        int r;
        while ((r = cav__json_member(j, &st, &s, &n)) == 1)
            if (cav__json_skip(j) < 0)
                return -1;
        return r;
    }
    case CAV_J_ARRAY: {
        int r;
        while ((r = cav__json_element(j, &st)) == 1)
            if (cav__json_skip(j) < 0)
                return -1;
        return r;
    }
    case CAV_J_STRING: return cav__json_string(j, &s, &n);
    case CAV_J_NUMBER: return cav__json_number(j, &v, &s, &n);
    case CAV_J_TRUE:
    case CAV_J_FALSE:
    case CAV_J_NULL: return cav__json_literal(j);
    case CAV_J_END: return fail(j, j->p, "expected a JSON value, found the end of the text");
    default: return -1;
    }
}

int cav__json_finish(cav_json *j) {
    if (j->failed)
        return -1;
    skip_ws(j);
    if (j->p != j->end)
        return fail(j, j->p, "unexpected text after the JSON value");
    return 0;
}
