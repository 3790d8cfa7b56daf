/* buf.c — the growable text buffer and the escapers for JSON, XML and Markdown (see buf.h).
 *
 * Escaping is written once here and used by every writer, so that no output of the tool can be
 * broken by a name, a title or a quote: JSON strings are always valid UTF-8 (bad bytes become
 * U+FFFD), SVG text never carries markup or control characters, a Markdown cell never splits a
 * table.
 */
#include "core/buf.h"
#include "core/alloc.h"
#include "core/num.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cav_buf_free(cav_buf *b) {
    if (!b)
        return;
    cav__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void cav_buf_clear(cav_buf *b) {
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

int cav__buf_reserve(cav_buf *b, size_t more) {
    if (b->failed)
        return -1;
    if (more > (size_t)-1 / 2 - b->len) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = cav__realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void cav__buf_put(cav_buf *b, const char *s, size_t n) {
    /* room already there (the common case: writers append short pieces to a grown buffer) skips
     * the call; a measured hot path, 460 instructions an audit row before */
    if ((b->failed || n >= b->cap - b->len) && cav__buf_reserve(b, n) != 0)
        return;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cav__buf_puts(cav_buf *b, const char *s) {
    if (s)
        cav__buf_put(b, s, strlen(s));
}

void cav__buf_putc(cav_buf *b, char c) {
    if (b->failed || b->len + 1 >= b->cap) {
        cav__buf_put(b, &c, 1);
        return;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

/* 1 when fmt uses only the directives simple_format writes: %s %d %ld %u %zu %c %%, without flags,
 * widths or precisions. */
static int simple_format(const char *fmt) {
    for (const char *f = strchr(fmt, '%'); f; f = strchr(f + 1, '%')) {
        const char *d = f + 1;
        if (*d == 'l' || *d == 'z')
            d++;
        if (!strchr("sduc%", *d) || !*d || ((f[1] == 'l' || f[1] == 'z') && !strchr("du", *d)))
            return 0;
        if (*d == '%')
            f = d;
    }
    return 1;
}

static void put_unsigned(cav_buf *b, unsigned long long v, int negative) {
    char digits[24];
    int n = 0;
    do
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (negative)
        digits[sizeof digits - 1 - n++] = '-';
    cav__buf_put(b, digits + sizeof digits - n, (size_t)n);
}

void cav__buf_vprintf(cav_buf *b, const char *fmt, va_list ap) {
    if (simple_format(fmt)) {
        /* Names, ids and counts only: written directly, without the C library's printf (which
           costs about a microsecond a call here, most of it switching to the "C" locale);
           writing decisions is a measured hot path (bench/serve_parse.c). */
        for (const char *f = fmt;;) {
            const char *pc = strchr(f, '%');
            cav__buf_put(b, f, pc ? (size_t)(pc - f) : strlen(f));
            if (!pc)
                return;
            const char *d = pc + 1;
            int wide = *d == 'l', size = *d == 'z';
            d += wide || size;
            switch (*d) {
            case 's': {
                const char *str = va_arg(ap, const char *);
                cav__buf_puts(b, str ? str : "(null)");
                break;
            }
            case 'c': cav__buf_putc(b, (char)va_arg(ap, int)); break;
            case '%': cav__buf_putc(b, '%'); break;
            case 'u':
                put_unsigned(b,
                             size   ? (unsigned long long)va_arg(ap, size_t)
                             : wide ? (unsigned long long)va_arg(ap, unsigned long)
                                    : (unsigned long long)va_arg(ap, unsigned),
                             0);
                break;
            default: { /* 'd' */
                long long v = size   ? (long long)va_arg(ap, size_t)
                              : wide ? (long long)va_arg(ap, long)
                                     : (long long)va_arg(ap, int);
                put_unsigned(b, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v,
                             v < 0);
                break;
            }
            }
            f = d + 1;
        }
    }
    va_list again;
    va_copy(again, ap);
    char small[256];
    int n = cav__vsnprintf_c(small, sizeof small, fmt, ap); /* '.' in numbers, any locale */
    if (n < 0) {
        b->failed = 1;
    } else if ((size_t)n < sizeof small) {
        cav__buf_put(b, small, (size_t)n);
    } else if (cav__buf_reserve(b, (size_t)n) == 0) {
        cav__vsnprintf_c(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void cav__buf_printf(cav_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cav__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void cav__buf_double(cav_buf *b, double v) {
    char out[40];
    int n = cav__format_double(v, out, sizeof out);
    if (n < 0)
        cav__buf_puts(b, "null"); /* not finite */
    else
        cav__buf_put(b, out, (size_t)n);
}

void cav__buf_fixed(cav_buf *b, double v, int decimals) {
    char out[400];
    int n = cav__format_fixed(v, decimals, out, sizeof out);
    if (n < 0)
        cav__buf_puts(b, "null");
    else if ((size_t)n < sizeof out)
        cav__buf_put(b, out, (size_t)n);
    else
        b->failed = 1;
}

size_t cav__utf8_char(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    unsigned cp = c & (0x3fu >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int cav__utf8_valid(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            i += cav__ascii_prefix(s + i, n - i);
            continue;
        }
        size_t k = cav__utf8_char(u + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

size_t cav__utf8_cut(const char *s, size_t n, size_t max) {
    if (n <= max)
        return n;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    return k;
}

size_t cav__utf8_complete(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    /* the start of the last character: at most 3 continuation bytes back */
    size_t k = n, back = 0;
    while (k > 0 && back < 4 && (u[k - 1] & 0xc0) == 0x80) {
        k--;
        back++;
    }
    if (k == 0 || u[k - 1] < 0x80)
        return n; /* ends with ASCII (or only stray continuation bytes: not ours to judge) */
    unsigned c = u[k - 1];
    size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return back + 1 < want ? k - 1 : n;
}

void cav__quote_value(const char *s, size_t n, char *out, size_t size) {
    size_t k = cav__utf8_cut(s, n, 60), j = 0;
    for (size_t i = 0; i < k && j + 1 < size; i++)
        out[j++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
    j = cav__utf8_complete(out, j);
    if (k < n && j + 4 < size) {
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
}

void cav__qerrors_vadd(cav_qerrors *e, int field, const char *name, const char *fmt, va_list ap) {
    if (e->n == CAV_QERR_MAX) {
        e->more++;
        return;
    }
    cav_qerror *x = &e->v[e->n++];
    x->field = field;
    size_t nl = strlen(name ? name : "");
    nl = cav__utf8_cut(name ? name : "", nl, sizeof x->name - 1);
    memcpy(x->name, name ? name : "", nl);
    x->name[nl] = '\0';
    cav__vsnprintf_c(x->message, sizeof x->message, fmt, ap); /* '.' in numbers, any locale */
    x->message[cav__utf8_complete(x->message, strlen(x->message))] = '\0';
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

void cav__buf_json(cav_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (cav__buf_reserve(b, n + 2) != 0)
        return;
    cav__buf_putc(b, '"');
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        /* eight plain ASCII bytes at a time (no control, quote, backslash or high bit): the
           common case of explanations and names; a measured hot path of writing decisions */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
            uint64_t ctl = (w - 0x20 * ones) & ~w;                              /* a byte < 0x20 */
            uint64_t quo = ((w ^ (0x22 * ones)) - ones) & ~(w ^ (0x22 * ones)); /* '"' */
            uint64_t bsl = ((w ^ (0x5c * ones)) - ones) & ~(w ^ (0x5c * ones)); /* '\\' */
            if ((ctl | quo | bsl | w) & high)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t k = c >= 0x80 ? cav__utf8_char(u + i, n - i) : 0;
        if (k) {
            i += k;
            continue;
        }
        cav__buf_put(b, s + run, i - run);
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            cav__buf_put(b, esc, 2);
        } else if (c == '\n') {
            cav__buf_put(b, "\\n", 2);
        } else if (c == '\t') {
            cav__buf_put(b, "\\t", 2);
        } else if (c == '\r') {
            cav__buf_put(b, "\\r", 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            cav__buf_put(b, esc, 6);
        } else {
            cav__buf_put(b, replacement, 3);
        }
        run = ++i;
    }
    cav__buf_put(b, s + run, n - run);
    cav__buf_putc(b, '"');
}

void cav__buf_json_str(cav_buf *b, const char *s) {
    if (!s)
        cav__buf_puts(b, "null");
    else
        cav__buf_json(b, s, strlen(s));
}

void cav__buf_xml(cav_buf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char c = u[i];
        const char *esc = NULL;
        if (c >= 0x80) {
            size_t k = cav__utf8_char(u + i, n - i);
            /* U+FFFE and U+FFFF are no characters in XML 1.0 either */
            int nonchar = k == 3 && c == 0xef && u[i + 1] == 0xbf && u[i + 2] >= 0xbe;
            if (k && !nonchar) {
                i += k;
                continue;
            }
            cav__buf_put(b, s + run, i - run);
            cav__buf_puts(b, replacement);
            i += k ? k : 1;
            run = i;
            continue;
        } else if (c == '<') {
            esc = "&lt;";
        } else if (c == '>') {
            esc = "&gt;";
        } else if (c == '&') {
            esc = "&amp;";
        } else if (c == '"') {
            esc = "&quot;";
        } else if (c == '\'') {
            esc = "&apos;";
        } else if (c < 0x20 && c != '\t' && c != '\n') {
            esc = "";
        } else {
            i++;
            continue;
        }
        cav__buf_put(b, s + run, i - run);
        cav__buf_puts(b, esc);
        run = ++i;
    }
    cav__buf_put(b, s + run, n - run);
}

void cav__buf_md(cav_buf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char c = u[i];
        const char *esc = NULL;
        if (c >= 0x80) {
            size_t k = cav__utf8_char(u + i, n - i);
            if (k) {
                i += k;
                continue;
            }
            esc = replacement;
        } else if (c == '|') {
            esc = "\\|";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c == '<') {
            esc = "&lt;";
        } else if (c == '>') {
            esc = "&gt;";
        } else if (c == '&') {
            esc = "&amp;";
        } else if (c == '\n' || c == '\r' || c == '\t') {
            esc = " ";
        } else if (c < 0x20) {
            esc = "";
        } else {
            i++;
            continue;
        }
        cav__buf_put(b, s + run, i - run);
        cav__buf_puts(b, esc);
        run = ++i;
    }
    cav__buf_put(b, s + run, n - run);
}

int cav__buf_status(const cav_buf *b) {
    return b->failed ? CAV_ENOMEM : 0;
}

int cav_buf_append(cav_buf *b, const char *s, size_t n) {
    cav__buf_put(b, s, n);
    return cav__buf_status(b);
}

int cav_buf_json_string(cav_buf *b, const char *s, size_t n) {
    cav__buf_json(b, s, n);
    return cav__buf_status(b);
}
