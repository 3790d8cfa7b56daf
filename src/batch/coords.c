/* coords.c — coordinates as people write them in logs, beside decimal degrees: degrees, minutes
 * and seconds (50°36'12.5"N, 50d36m12.5sN, N 50 36 12.5, 50:36:12.5N, 36°35′24″E).
 *
 * Why not PROJ's proj_dmstor: it was the first choice, and it reads PROJ's own syntax
 * (50d36'12.5"N) well, but it costs about 330 ns a value (measured on this project's 2-core
 * machine), which alone would put a DMS log far over the audit's budget of 20 % over decimal
 * degrees, and it accepts what a log must not (70 minutes). So the text is read here into its
 * parts, each part by the library's number reader (exact, whatever the locale), checked (minutes
 * and seconds below 60, only the last part with a fraction, the hemisphere letter that fits the
 * axis, the degree range), and summed; tests/unit/test_coords.c checks the result against
 * proj_dmstor on random values. Decimal degrees never come here: they go straight to
 * cav_query_set. Nothing here allocates or keeps state.
 */
#include "batch/audit.h"
#include "core/json.h"
#include "core/num.h"

#include <math.h>
#include <string.h>

/* Reads the marks that may follow a number: returns 1 (degrees), 2 (minutes), 3 (seconds), 0
 * (a plain separator: space or colon) or -1; *len gets the bytes used. */
static int mark(const char *s, size_t n, size_t *len) {
    unsigned char c = (unsigned char)s[0];
    *len = 1;
    switch (c) {
    case 'd':
    case 'D': return 1;
    case 'm':
    case 'M': return 2;
    case 's': return 3;
    case '"': return 3;
    case ':':
    case ' ': return 0;
    case '\'':
        if (n > 1 && s[1] == '\'') {
            *len = 2; /* two primes are seconds */
            return 3;
        }
        return 2;
    case 0xc2: /* the degree sign U+00B0 and the masculine ordinal U+00BA, often typed for it */
        *len = 2;
        return n > 1 && ((unsigned char)s[1] == 0xb0 || (unsigned char)s[1] == 0xba) ? 1 : -1;
    case 0xe2: /* prime U+2032, double prime U+2033, and the curly quotes U+2019, U+201D */
        *len = 3;
        if (n < 3 || (unsigned char)s[1] != 0x80)
            return -1;
        switch ((unsigned char)s[2]) {
        case 0xb2:
        case 0x99: return 2;
        case 0xb3:
        case 0x9d: return 3;
        default: return -1;
        }
    default: return -1;
    }
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
    /* degrees + minutes / 60 + seconds / 3600, each part read by the library's number reader
       (exact, whatever the locale) */
    double v = 0, scale = 1;
    for (int k = 0; k < nnum; k++, scale *= 60) {
        double part;
        if (cav__parse_decimal(num[k], strlen(num[k]), &part) != 0) /* "07": leading zeros */
            return -1;
        v += part / scale;
    }
    if (!isfinite(v) || v > (lat ? 90.0 : 180.0))
        return -1;
    *deg = (neg || hemi < 0) ? -v : v;
    return 0;
}
