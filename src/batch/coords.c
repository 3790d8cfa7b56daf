/* coords.c — coordinates as people write them in logs, beside decimal degrees: degrees, minutes
 * and seconds (50°36'12.5"N, 50d36m12.5sN, N 50 36 12.5, 50:36:12.5N, 36°35′24″E).
 *
 * The text is rewritten into PROJ's DMS syntax (50d36'12.5"N) and read by proj_dmstor, PROJ's
 * own reader; this file only accepts the spellings PROJ does not (the degree sign, primes,
 * spaces, colons, a leading hemisphere letter) and checks what PROJ does not (minutes and seconds
 * below 60, the hemisphere letter that fits the axis). Decimal degrees never come here: they go
 * straight to cav_query_set. Nothing here allocates or keeps state.
 */
#include "batch/audit.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <string.h>

/* Reads the marks that may follow a number: returns 1 (degrees), 2 (minutes), 3 (seconds), 0
 * (a plain separator: space or colon) or -1; *len gets the bytes used. */
static int mark(const char *s, size_t n, size_t *len) {
    static const struct {
        const char *text;
        int what;
    } marks[] = {{"\xc2\xb0", 1},     {"\xc2\xba", 1}, {"d", 1},           {"D", 1},
                 {"\xe2\x80\xb2", 2}, {"'", 2},        {"\xe2\x80\x99", 2}, {"m", 2},
                 {"M", 2},            {"\xe2\x80\xb3", 3}, {"\"", 3},       {"''", 3},
                 {"\xe2\x80\x9d", 3}, {"s", 3},        {":", 0},           {" ", 0}};
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
        size_t k = strlen(marks[i].text);
        if (k <= n && k > best_len && memcmp(s, marks[i].text, k) == 0) {
            best = marks[i].what;
            best_len = k;
        }
    }
    *len = best_len;
    return best;
}

/* The integer part of a decimal number text (digits, at most one '.'), capped at 1000. */
static long whole_part(const char *s) {
    long v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v < 1000 ? v * 10 + (*s - '0') : v;
    return v;
}

static int hemisphere(char c, int lat) {
    c = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    if (lat)
        return c == 'N' ? 1 : c == 'S' ? -1 : 0;
    return c == 'E' ? 1 : c == 'W' ? -1 : 0;
}

int cav__dms_parse(const char *s, size_t n, int lat, double *deg) {
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n > 64)
        return -1;
    int hemi = 0, marked = 0;
    if (hemisphere(s[0], lat) || hemisphere(s[0], !lat)) {
        hemi = hemisphere(s[0], lat);
        if (!hemi)
            return -1; /* N/S on a longitude, E/W on a latitude */
        s++, n--;
    } else if (hemisphere(s[n - 1], lat) || hemisphere(s[n - 1], !lat)) {
        /* 's' (seconds) is no hemisphere letter: only the upper-case S is south at the end */
        if (!(s[n - 1] == 's' && n > 1 && s[n - 2] >= '0' && s[n - 2] <= '9')) {
            hemi = hemisphere(s[n - 1], lat);
            if (!hemi)
                return -1;
            n--;
            marked = 1;
        }
    }
    while (n && *s == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    /* up to three unsigned numbers, each followed by a mark or a separator */
    char num[3][24];
    int nnum = 0, neg = 0, colons_or_spaces = 0;
    size_t i = 0;
    if (i < n && s[i] == '-' && !hemi)
        neg = 1, i++;
    while (i < n) {
        if (nnum == 3)
            return -1;
        size_t k = 0;
        int dot = 0;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] == '.' && !dot))) {
            dot |= s[i] == '.';
            if (k + 1 >= sizeof num[0])
                return -1;
            num[nnum][k++] = s[i++];
        }
        if (k == 0 || num[nnum][0] == '.' || num[nnum][k - 1] == '.')
            return -1;
        num[nnum][k] = '\0';
        nnum++;
        while (i < n) {
            size_t len;
            int m = mark(s + i, n - i, &len);
            if (m < 0)
                break;
            if (m > 0) {
                if (m != nnum)
                    return -1; /* minutes where degrees belong, ... */
                marked = 1;
            } else {
                colons_or_spaces = 1;
            }
            i += len;
        }
    }
    /* a bare number is decimal degrees, which the caller reads itself */
    if (nnum == 0 || (nnum == 1 && !marked) || (!marked && !colons_or_spaces))
        return -1;
    /* whole units above the last: minutes and seconds are below 60, and only the last may have
       a fraction */
    for (int k = 0; k < nnum; k++) {
        if (k < nnum - 1 && strchr(num[k], '.'))
            return -1;
        if (k > 0 && whole_part(num[k]) >= 60)
            return -1;
    }
    char text[96];
    const char *h = !hemi ? "" : hemi > 0 ? (lat ? "N" : "E") : (lat ? "S" : "W");
    int len = snprintf(text, sizeof text, "%s%sd%s%s%s%s%s", neg ? "-" : "", num[0],
                       nnum > 1 ? num[1] : "", nnum > 1 ? "'" : "", nnum > 2 ? num[2] : "",
                       nnum > 2 ? "\"" : "", h);
    if (len < 0 || (size_t)len >= sizeof text)
        return -1;
    char *rest;
    double r = proj_dmstor(text, &rest);
    if (*rest != '\0' || !isfinite(r))
        return -1;
    *deg = r * 57.29577951308232; /* radians to degrees */
    return 0;
}
