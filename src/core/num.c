/* num.c — reading and writing numbers independently of the locale (num.h).
 *
 * Reading is done in two steps. A scanner checks the grammar (JSON numbers, or the policy
 * language's unsigned decimals) over exactly the n bytes given and notes where the integer and
 * fraction digits are and the exponent (saturated, so "1e99999999999999999999" cannot overflow).
 * The digits are then reduced to their significant part S (L digits, leading and trailing zeros
 * dropped) and a power of ten X, value = S * 10^X, which settles the extremes at once: a value
 * of 10^309 or more is too large, one below 10^-324 rounds to zero.
 *
 * Fast path (Clinger's): when S has at most 15 digits it is exact in a double, and so is 10^k for
 * k <= 22, so S * 10^X or S / 10^-X is one correctly rounded IEEE operation. This covers nearly
 * every coordinate and distance anyone writes ("50.45", "-36.123456"). It needs double arithmetic
 * without excess precision (FLT_EVAL_METHOD 0 or 1); elsewhere it is compiled out.
 *
 * Every other value goes to the C library's strtod_l() with a "C" locale object: a well-tested
 * correctly rounding conversion, rather than a big-number algorithm of our own. Its input is
 * rebuilt in a fixed buffer as "[-]S e X", with S cut to 780 digits plus a sticky '1' when it is
 * longer: a double's rounding boundaries (midpoints) have at most 767 significant digits, so no
 * boundary lies between the cut value and the true one and the rounding is the same, while the
 * buffer stays bounded for inputs of any length. errno is left as the caller had it.
 *
 * Writing uses printf's conversions (themselves correctly rounded in glibc) under uselocale() of
 * the same "C" locale object, which switches only the calling thread and is restored at once.
 * cav__locale_use_c() offers the same switch around other libraries' number I/O (jansson, PROJ).
 *
 * Thread-safety: the "C" locale object is created on first use under pthread_once() and never
 * changed or freed (glibc returns its static C locale, so nothing is allocated); every function
 * is reentrant after that.
 */
#define _GNU_SOURCE /* strtod_l in glibc's <stdlib.h> */
#include "core/num.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(FLT_EVAL_METHOD) && (FLT_EVAL_METHOD == 0 || FLT_EVAL_METHOD == 1)
#define NUM_FAST_PATH 1
#else
#define NUM_FAST_PATH 0
#endif

#define EXP_SATURATE 1000000000000LL /* larger written exponents all mean "too large / zero" */
#define SLOW_DIGITS 780              /* significant digits kept for strtod_l (see above) */

/* ---- the "C" locale object ---------------------------------------------------------------- */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale_obj; /* written once under c_locale_once, then only read */

static void make_c_locale(void) {
    c_locale_obj = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* The "C" locale, or (locale_t)0 if it could not be made (out of memory on a C library that
 * allocates it; glibc does not). */
static locale_t c_locale(void) {
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale_obj;
}

/* ---- scanning ----------------------------------------------------------------------------- */

/* Where the parts of a scanned number are. */
typedef struct num_text {
    const char *ip; /* integer digits */
    size_t ni;
    const char *fp; /* fraction digits (after the '.') */
    size_t nf;
    long long exp; /* the written exponent, saturated at +-EXP_SATURATE */
    int neg;       /* a leading '-' */
} num_text;

static size_t skip_digits(const char *s, size_t i, size_t n) {
    while (i < n && cav__isdigit((unsigned char)s[i]))
        i++;
    return i;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and nothing else. */
static int scan_json(const char *s, size_t n, num_text *t) {
    size_t i = 0, start;
    memset(t, 0, sizeof *t);
    if (i < n && s[i] == '-') {
        t->neg = 1;
        i++;
    }
    start = i;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        i = skip_digits(s, i, n);
    else
        return -1;
    t->ip = s + start;
    t->ni = i - start;
    if (i < n && s[i] == '.') {
        start = ++i;
        i = skip_digits(s, i, n);
        if (i == start)
            return -1;
        t->fp = s + start;
        t->nf = i - start;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        start = i;
        long long e = 0;
        for (; i < n && cav__isdigit((unsigned char)s[i]); i++)
            if (e < EXP_SATURATE)
                e = e * 10 + (s[i] - '0');
        if (i == start)
            return -1;
        t->exp = eneg ? -e : e;
    }
    return i == n ? 0 : -1;
}

/* The policy language: [0-9]+(\.[0-9]+)? and nothing else. */
static int scan_decimal(const char *s, size_t n, num_text *t) {
    memset(t, 0, sizeof *t);
    size_t i = skip_digits(s, 0, n);
    if (i == 0)
        return -1;
    t->ip = s;
    t->ni = i;
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        i = skip_digits(s, i, n);
        if (i == start)
            return -1;
        t->fp = s + start;
        t->nf = i - start;
    }
    return i == n ? 0 : -1;
}

/* ---- converting --------------------------------------------------------------------------- */

/* Digit k of the integer digits followed by the fraction digits. */
static char digit_at(const num_text *t, size_t k) {
    return k < t->ni ? t->ip[k] : t->fp[k - t->ni];
}

#if NUM_FAST_PATH
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* S * 10^X in one correctly rounded operation, when S (L <= 15 digits, value m) and X allow it;
 * returns 0 and the value, or -1. */
static int fast_value(unsigned long long m, long long L, long long X, double *out) {
    if (L > 15)
        return -1;
    if (X >= 0 && X <= 22) {
        *out = (double)m * pow10_exact[X];
    } else if (X < 0 && X >= -22) {
        *out = (double)m / pow10_exact[-X];
    } else if (X > 22 && L + (X - 22) <= 15) {
        /* m * 10^(X-22) is still an integer below 10^15, exact in a double */
        for (long long k = 22; k < X; k++)
            m *= 10;
        *out = (double)m * 1e22;
    } else {
        return -1;
    }
    return 0;
}
#endif

/* Appends the decimal digits of x (which may be negative) at buf + k; returns the new length. */
static size_t put_int(char *buf, size_t k, long long x) {
    char rev[24];
    int n = 0;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    if (x < 0)
        buf[k++] = '-';
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        buf[k++] = rev[--n];
    return k;
}

/* The correctly rounded value of S * 10^X for the L significant digits from position f of t,
 * through strtod_l in the "C" locale. */
static int slow_value(const num_text *t, size_t f, size_t L, long long X, double *out) {
    char buf[SLOW_DIGITS + 48];
    size_t k = 0, keep = L <= SLOW_DIGITS ? L : SLOW_DIGITS;
    if (t->neg)
        buf[k++] = '-';
    for (size_t i = 0; i < keep; i++)
        buf[k++] = digit_at(t, f + i);
    if (keep < L) {
        buf[k++] = '1'; /* sticky: something nonzero follows (trailing zeros were dropped) */
        keep++;
    }
    buf[k++] = 'e';
    k = put_int(buf, k, X + (long long)L - (long long)keep);
    buf[k] = '\0';
    locale_t c = c_locale();
    if (!c)
        return -1;
    int saved = errno;
    char *end = NULL;
#if defined(__GLIBC__)
    double v = strtod_l(buf, &end, c);
#else
    locale_t prev = cav__locale_use_c();
    double v = strtod(buf, &end);
    cav__locale_restore(prev);
#endif
    errno = saved;
    if (end != buf + k || isinf(v))
        return -1;
    *out = v;
    return 0;
}

static int convert(const num_text *t, double *out) {
    size_t total = t->ni + t->nf, f = 0, l = total;
    while (f < total && digit_at(t, f) == '0')
        f++;
    if (f == total) {
        *out = t->neg ? -0.0 : 0.0;
        return 0;
    }
    while (digit_at(t, l - 1) == '0')
        l--;
    /* value = S * 10^X, S the L digits [f, l) */
    size_t L = l - f;
    long long X = t->exp - (long long)t->nf + (long long)(total - l);
    if ((long long)L - 1 + X > DBL_MAX_10_EXP)
        return -1; /* at least 10^309 */
    if ((long long)L + X <= -324) {
        *out = t->neg ? -0.0 : 0.0; /* below 10^-324, less than half the smallest subnormal */
        return 0;
    }
#if NUM_FAST_PATH
    if (L <= 15) {
        unsigned long long m = 0;
        for (size_t i = f; i < l; i++)
            m = m * 10 + (unsigned long long)(digit_at(t, i) - '0');
        double v;
        if (fast_value(m, (long long)L, X, &v) == 0) {
            *out = t->neg ? -v : v;
            return 0;
        }
    }
#endif
    return slow_value(t, f, L, X, out);
}

#if NUM_FAST_PATH
/* The common case in one pass (a measured hot path: an audit reads three numbers a row, and the
 * general path cost about 290 instructions each): -?(0|[1-9][0-9]*)(\.[0-9]+)? with at most 15
 * digits in all. Its value m / 10^nf is one correctly rounded division (m < 10^15 < 2^53 and
 * 10^nf are exact), the double convert() gives. Returns 0, or -1 for the general path, which
 * also refuses what is not a number. */
static int plain_value(const char *s, size_t n, double *out) {
    /* a digit is a byte whose value less '0' is at most 9 (unsigned): one test a byte, half the
     * instructions of a character class and a bound each */
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    int neg = *p == '-';
    p += neg;
    const unsigned char *int0 = p;
    unsigned long long m = 0; /* wraps past 20 digits, which are refused below */
    unsigned d;
    while (p < end && (d = (unsigned)*p - '0') <= 9) {
        m = m * 10 + d;
        p++;
    }
    size_t digits = (size_t)(p - int0), nf = 0;
    if (digits == 0 || (digits > 1 && *int0 == '0'))
        return -1;
    if (p < end && *p == '.') {
        const unsigned char *frac0 = ++p;
        while (p < end && (d = (unsigned)*p - '0') <= 9) {
            m = m * 10 + d;
            p++;
        }
        nf = (size_t)(p - frac0);
        if (nf == 0)
            return -1;
    }
    if (p != end || digits + nf > 15)
        return -1;
    double v = (double)m / pow10_exact[nf];
    *out = neg ? -v : v;
    return 0;
}
#endif

int cav__parse_plain(const char *s, size_t n, double *out) {
#if NUM_FAST_PATH
    return s && n ? plain_value(s, n, out) : -1;
#else
    (void)s, (void)n, (void)out;
    return -1;
#endif
}

int cav__parse_double(const char *s, size_t n, double *out) {
    num_text t;
    if (!s || n == 0)
        return -1;
    if (cav__parse_plain(s, n, out) == 0)
        return 0;
    if (scan_json(s, n, &t) != 0)
        return -1;
    return convert(&t, out);
}

int cav__parse_decimal(const char *s, size_t n, double *out) {
    num_text t;
    if (!s || scan_decimal(s, n, &t) != 0)
        return -1;
    return convert(&t, out);
}

/* ---- writing ------------------------------------------------------------------------------ */

locale_t cav__locale_use_c(void) {
    locale_t c = c_locale();
    return c ? uselocale(c) : (locale_t)0;
}

void cav__locale_restore(locale_t prev) {
    if (prev)
        uselocale(prev);
}

int cav__vsnprintf_c(char *buf, size_t size, const char *fmt, va_list ap) {
    locale_t prev = cav__locale_use_c();
    int n = vsnprintf(buf, size, fmt, ap);
    cav__locale_restore(prev);
    return n;
}

int cav__snprintf_c(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = cav__vsnprintf_c(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Copies the len bytes of src into buf like snprintf would; returns len. */
static int copy_out(const char *src, int len, char *buf, size_t size) {
    if (size > 0) {
        size_t k = (size_t)len < size ? (size_t)len : size - 1;
        memcpy(buf, src, k);
        buf[k] = '\0';
    }
    return len;
}

static int no_text(char *buf, size_t size) {
    if (size > 0)
        buf[0] = '\0';
    return -1;
}

/* Formats v as "%.*g" (exp_form 0) or "%.*e" (1) with 15, 16 and 17 significant digits into tmp
 * and keeps the first text that reads back as v; returns its length. */
static int shortest(double v, int exp_form, char *tmp, size_t size) {
    int len = -1;
    for (int digits = 15; digits <= 17; digits++) {
        len = exp_form ? cav__snprintf_c(tmp, size, "%.*e", digits - 1, v)
                       : cav__snprintf_c(tmp, size, "%.*g", digits, v);
        double back;
        if (len > 0 && (size_t)len < size && cav__parse_double(tmp, (size_t)len, &back) == 0 &&
            back == v)
            break;
    }
    return len;
}

int cav__format_double(double v, char *buf, size_t size) {
    char tmp[48];
    if (!isfinite(v))
        return no_text(buf, size);
    int len = shortest(v, 0, tmp, sizeof tmp);
    if (len < 0 || (size_t)len >= sizeof tmp)
        return no_text(buf, size);
    return copy_out(tmp, len, buf, size);
}

/* A bounded writer that counts what it could not write, as snprintf does. */
typedef struct sink {
    char *buf;
    size_t size, len;
} sink;

static void sink_put(sink *k, char c) {
    if (k->len + 1 < k->size)
        k->buf[k->len] = c;
    k->len++;
}

int cav__format_decimal(double v, char *buf, size_t size) {
    char e[48];
    if (!isfinite(v))
        return no_text(buf, size);
    /* "%.*e" at 15, 16, 17 significant digits: [-]d.ddde[+-]xx */
    int len = shortest(v, 1, e, sizeof e);
    if (len < 0 || (size_t)len >= sizeof e)
        return no_text(buf, size);
    const char *p = e;
    int neg = *p == '-';
    p += neg;
    char dig[24];
    int nd = 0;
    for (; *p && *p != 'e' && nd < (int)sizeof dig; p++)
        if (*p != '.')
            dig[nd++] = *p;
    long long x = 0;
    if (*p == 'e') {
        int xneg = p[1] == '-';
        for (p += 2; cav__isdigit((unsigned char)*p); p++)
            x = x * 10 + (*p - '0');
        x = xneg ? -x : x;
    }
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    sink k = {buf, size, 0};
    if (neg)
        sink_put(&k, '-');
    if (x >= 0) {
        for (long long i = 0; i <= x || i < nd; i++) {
            if (i == x + 1)
                sink_put(&k, '.');
            sink_put(&k, i < nd ? dig[i] : '0');
        }
    } else {
        sink_put(&k, '0');
        sink_put(&k, '.');
        for (long long i = 1; i < -x; i++)
            sink_put(&k, '0');
        for (int i = 0; i < nd; i++)
            sink_put(&k, dig[i]);
    }
    if (size > 0)
        buf[k.len < size ? k.len : size - 1] = '\0';
    return (int)k.len;
}

int cav__format_fixed(double v, int decimals, char *buf, size_t size) {
    if (!isfinite(v))
        return no_text(buf, size);
    if (decimals < 0)
        decimals = 0;
    if (decimals > 20)
        decimals = 20;
    return cav__snprintf_c(buf, size, "%.*f", decimals, v);
}
