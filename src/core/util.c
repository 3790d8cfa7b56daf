/* util.c — string helpers (case-insensitive compare, nearest names for hints, bounded output). */
#include "core/util.h"
#include "core/buf.h"
#include "core/num.h"

#include <stdio.h>
#include <string.h>

int cav__streqi(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (cav__tolower((unsigned char)*a) != cav__tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

int cav__edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost =
                cav__tolower((unsigned char)a[i - 1]) != cav__tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 99 ? 99 : row[lb];
}

/* 1 when the first n characters of a and b are equal without case (ASCII only). */
static int prefix_equal(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!a[i] || !b[i])
            return a[i] == b[i];
        if (cav__tolower((unsigned char)a[i]) != cav__tolower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

int cav__nearest_names(const char *name, const char *const *names, size_t n, char *buf,
                       size_t size) {
    /* short names (party codes) are all close to each other: only a one-letter slip counts */
    int limit = (int)strlen(name) <= 3 ? 1 : (int)strlen(name) / 3;
    if (limit < 2 && strlen(name) > 3)
        limit = 2;
    const char *best[3] = {0};
    int bestd[3] = {100, 100, 100};
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        int d = cav__edit_distance(name, names[i]);
        /* A prefix match ("gml" for "gmlrs") is as good as a near miss. */
        size_t ln = strlen(name);
        if (ln >= 2 && prefix_equal(names[i], name, ln) && d > 1)
            d = 1;
        if (d > limit)
            continue;
        for (int k = 0; k < 3; k++) {
            if (d < bestd[k]) {
                for (int m = 2; m > k; m--) {
                    best[m] = best[m - 1];
                    bestd[m] = bestd[m - 1];
                }
                best[k] = names[i];
                bestd[k] = d;
                break;
            }
        }
    }
    cav_out o;
    cav__out_init(&o, buf, size);
    int count = 0;
    for (int k = 0; k < 3 && best[k]; k++)
        count++;
    for (int k = 0; k < count; k++) {
        if (k > 0)
            cav__out_puts(&o, k == count - 1 ? " or " : ", ");
        cav__out_puts(&o, best[k]);
    }
    return count > 0;
}

void cav__out_init(cav_out *o, char *buf, size_t size) {
    o->buf = buf;
    o->size = size;
    o->len = 0;
    if (buf && size)
        buf[0] = '\0';
}

static void out_write(cav_out *o, const char *s, size_t n) {
    if (o->buf && o->len + 1 < o->size) {
        size_t room = o->size - 1 - o->len;
        size_t k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->buf[o->len + k] = '\0';
    }
    o->len += n;
}

void cav__out_puts(cav_out *o, const char *s) {
    out_write(o, s, strlen(s));
}

void cav__out_printf(cav_out *o, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    out_write(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void cav__out_json_str(cav_out *o, const char *s) {
    out_write(o, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c < 0x20) {
            out_write(o, run, (size_t)(s - run));
            char esc[8];
            if (c == '"' || c == '\\')
                snprintf(esc, sizeof esc, "\\%c", c);
            else if (c == '\n')
                snprintf(esc, sizeof esc, "\\n");
            else if (c == '\t')
                snprintf(esc, sizeof esc, "\\t");
            else
                snprintf(esc, sizeof esc, "\\u%04x", c);
            out_write(o, esc, strlen(esc));
            run = s + 1;
        }
    }
    out_write(o, run, (size_t)(s - run));
    out_write(o, "\"", 1);
}

int cav_suggest(const char *name, const char *const *candidates, size_t n, cav_buf *out) {
    char near[512];
    if (!name || !cav__nearest_names(name, candidates, n, near, sizeof near))
        return 0;
    cav__buf_puts(out, near);
    int count = 1;
    for (const char *p = near; *p; p++)
        count += *p == ',' || (p[0] == ' ' && p[1] == 'o' && p[2] == 'r' && p[3] == ' ');
    return count;
}

static const char *const format_names[CAV_FMT_COUNT] = {
    "text", "json", "md", "csv", "ndjson", "geojson", "svg", "png", "pdf", "sarif", "junit"};

const char *cav_format_name(cav_format f) {
    return (int)f >= 0 && f < CAV_FMT_COUNT ? format_names[f] : NULL;
}

int cav_format_find(const char *name) {
    for (int f = 0; name && f < CAV_FMT_COUNT; f++)
        if (strcmp(name, format_names[f]) == 0)
            return f;
    return -1;
}
