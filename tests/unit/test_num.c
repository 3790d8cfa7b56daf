/* test_num.c — unit tests of src/core/num.c: character classes, the number parsers and writers.
 *
 * The parsers are checked against glibc's strtod in the "C" locale (the reference for correct
 * rounding) on a million random strings of the JSON grammar (CAV_NUM_CASES changes the count,
 * CAV_NUM_SEED the seed): short mantissas for the fast path, long ones, extreme exponents, and
 * exact midpoints between neighbouring doubles with and without a far nonzero digit, which decide
 * the rounding through the slow path's digit cut. Writers are checked by round trips of random
 * doubles, and the GeoJSON and SVG map writers by the text they write. Everything then runs again
 * after setlocale(LC_ALL, "de_DE.UTF-8") (decimal comma) and with a thread-local de_DE locale,
 * and the fixed cases and the map writers under ps_AF.UTF-8 (a two-byte decimal point): the
 * results must be the same. The locales come from the build directory (locale_fixture.h);
 * without them the test fails.
 */
#define _GNU_SOURCE /* strtod_l for the reference */
#include "check.h"
#include "core/num.h"
#include "geo/map.h"
#include "locale_fixture.h"

#include <ctype.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

static locale_t ref_locale; /* "C", for the reference strtod_l */
static long ncases = 1000000;
static uint64_t seed = 0x9e3779b97f4a7c15ULL;

/* ---- helpers -------------------------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static int rnd_below(int n) {
    return (int)(rnd() % (uint64_t)n);
}

static uint64_t bits(double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

/* strtod in the "C" locale over a NUL-terminated string: 0 and the value, or -1 on overflow. */
static int ref_parse(const char *s, double *out) {
    char *end;
    *out = strtod_l(s, &end, ref_locale);
    return isinf(*out) ? -1 : 0;
}

/* A growable string for generated numbers. */
typedef struct gen {
    char *s;
    size_t len, cap;
} gen;

static void put(gen *g, char c) {
    if (g->len + 2 > g->cap) {
        g->cap = g->cap ? g->cap * 2 : 256;
        g->s = realloc(g->s, g->cap);
    }
    g->s[g->len++] = c;
    g->s[g->len] = '\0';
}
static void puts_gen(gen *g, const char *s) {
    for (; *s; s++)
        put(g, *s);
}
static void put_digits(gen *g, int n, int first_nonzero) {
    for (int i = 0; i < n; i++)
        put(g, (char)((i == 0 && first_nonzero ? '1' + rnd_below(9) : '0' + rnd_below(10))));
}

/* A random string of the JSON number grammar, of one of several shapes. */
static void random_json_number(gen *g) {
    g->len = 0;
    put(g, '\0');
    g->len = 0;
    int shape = rnd_below(100);
    if (rnd_below(2))
        put(g, '-');
    int ni, nf, ne;
    if (shape < 55) { /* coordinates and distances: short, the fast path */
        ni = rnd_below(4), nf = rnd_below(12), ne = rnd_below(4) ? -1 : rnd_below(3);
    } else if (shape < 75) { /* 15 to 20 significant digits, near the fast path's edge */
        ni = rnd_below(21), nf = 15 + rnd_below(6) - ni, ne = rnd_below(2) ? -1 : rnd_below(3);
    } else if (shape < 90) { /* any length, exponents up to the extremes */
        ni = rnd_below(30), nf = rnd_below(30), ne = 1 + rnd_below(3);
    } else if (shape < 97) { /* long mantissas */
        ni = rnd_below(400), nf = rnd_below(900), ne = rnd_below(2) ? -1 : 1 + rnd_below(3);
    } else { /* zeros in many spellings, and leading fraction zeros */
        ni = 0, nf = rnd_below(40), ne = rnd_below(2) ? -1 : 1 + rnd_below(3);
    }
    if (nf < 0)
        nf = 0;
    if (ni == 0) {
        put(g, '0');
    } else {
        put_digits(g, ni, 1);
    }
    if (nf > 0) {
        put(g, '.');
        if (shape >= 97)
            for (int i = rnd_below(nf + 1); i > 0; i--)
                put(g, '0');
        put_digits(g, nf, 0);
    }
    if (ne >= 0) {
        put(g, rnd_below(2) ? 'e' : 'E');
        int r = rnd_below(3);
        if (r == 1)
            put(g, '+');
        else if (r == 2)
            put(g, '-');
        static const int maxexp[4] = {25, 25, 340, 30000};
        char num[32];
        int x = rnd_below(maxexp[ne]);
        if (ne == 3 && rnd_below(4) == 0)
            snprintf(num, sizeof num, "%s%d", rnd_below(2) ? "000" : "", x); /* leading zeros ok */
        else
            snprintf(num, sizeof num, "%d", x);
        puts_gen(g, num);
        if (ne == 3 && rnd_below(8) == 0)
            puts_gen(g, "99999999999999999999"); /* saturates */
    }
}

/* ---- character classes ------------------------------------------------------------------- */

static void test_classes(void) {
    int bad = 0;
    for (int c = -200; c < 300; c++) {
        int ascii = c >= 0 && c < 128;
        if (cav__isdigit(c) != (ascii && isdigit(c) != 0))
            bad++;
        if (cav__isalpha(c) != (ascii && isalpha(c) != 0))
            bad++;
        if (cav__isalnum(c) != (ascii && isalnum(c) != 0))
            bad++;
        if (cav__isspace(c) != (ascii && isspace(c) != 0))
            bad++;
        if (cav__isxdigit(c) != (ascii && isxdigit(c) != 0))
            bad++;
        if (cav__isupper(c) != (ascii && isupper(c) != 0))
            bad++;
        if (cav__islower(c) != (ascii && islower(c) != 0))
            bad++;
        if (cav__tolower(c) != (ascii ? tolower(c) : c))
            bad++;
        if (cav__toupper(c) != (ascii ? toupper(c) : c))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* UTF-8 bytes held in a plain char are no letters, whatever the locale says of 0xE4 */
    const char *umlaut = "\xc3\xa4";
    CHECK(!cav__isalpha(umlaut[0]) && !cav__isalnum(umlaut[1]));
    CHECK_EQ_INT(cav__toupper((unsigned char)umlaut[1]), 0xa4);
    CHECK_EQ_INT(cav__toupper('i'), 'I'); /* not the dotted capital of tr_TR */
    CHECK_EQ_INT(cav__tolower('I'), 'i');
}

/* ---- parsing ------------------------------------------------------------------------------- */

static int parse(const char *s, double *v) {
    return cav__parse_double(s, strlen(s), v);
}

static void test_parse_cases(void) {
    double v = 0;
    CHECK(parse("0", &v) == 0 && v == 0 && !signbit(v));
    CHECK(parse("-0", &v) == 0 && v == 0 && signbit(v));
    CHECK(parse("-0.0e-5", &v) == 0 && v == 0 && signbit(v));
    CHECK(parse("50.45", &v) == 0 && v == 50.45);
    CHECK(parse("-36.123456", &v) == 0 && v == -36.123456);
    CHECK(parse("1e5", &v) == 0 && v == 1e5);
    CHECK(parse("1E+5", &v) == 0 && v == 1e5);
    CHECK(parse("25e-1", &v) == 0 && v == 2.5);
    CHECK(parse("1e00000000000000000000000000022", &v) == 0 && v == 1e22);
    CHECK(parse("0.1", &v) == 0 && v == 0.1);
    CHECK(parse("123456789012345678901234567890", &v) == 0 &&
          v == 123456789012345678901234567890.0);
    CHECK(parse("9007199254740993", &v) == 0 && v == 9007199254740992.0); /* tie: to even */
    CHECK(parse("9007199254740995", &v) == 0 && v == 9007199254740996.0);
    CHECK(parse("1e23", &v) == 0 && v == 1e23);
    CHECK(parse("2.2250738585072011e-308", &v) == 0 && v == 2.2250738585072011e-308);
    CHECK(parse("4.9406564584124654e-324", &v) == 0 && v == 4.9406564584124654e-324);
    CHECK(parse("2.4703282292062327e-324", &v) == 0 && v == 0); /* below half the least */
    CHECK(parse("2.4703282292062328e-324", &v) == 0 && v == 4.9406564584124654e-324);
    CHECK(parse("1.7976931348623157e308", &v) == 0 && v == 1.7976931348623157e308);
    CHECK(parse("1e-400", &v) == 0 && v == 0 && !signbit(v));
    CHECK(parse("-1e-99999999999999999999999", &v) == 0 && v == 0 && signbit(v));
    v = 7;
    CHECK_EQ_INT(parse("1.7976931348623159e308", &v), -1); /* rounds to infinity */
    CHECK_EQ_INT(parse("1e309", &v), -1);
    CHECK_EQ_INT(parse("-1e99999999999999999999", &v), -1);
    CHECK(v == 7); /* untouched on failure */
    /* exactly n bytes, no NUL needed */
    CHECK(cav__parse_double("12345", 3, &v) == 0 && v == 123);
    CHECK_EQ_INT(cav__parse_double("1\0", 2, &v), -1);
    CHECK_EQ_INT(cav__parse_double(NULL, 0, &v), -1);
    static const char *const bad[] = {
        "",      "-",     "+1",       "01",       "-01",          "00",    "1.",    ".5",
        "-.5",   "1e",    "1e+",      "1e-",      "e5",           "1.e5",  "0x1p3", "0x10",
        "inf",   "-inf",  "INF",      "infinity", "Infinity",     "nan",   "NaN",   "-nan",
        " 1",    "1 ",    "\t1",      "1\n",      "1,5",          "1.5.2", "1e5.5", "--1",
        "1_000", "1'000", "\xd9\xa1", "1e5e5",    "1ee5",         "1e+-5", "+0",    "0.",
        "1.0f",  "1d",    "0b101",    "1/2",      "\xef\xbc\x91", "- 1",   "1 e5",  "1e 5"};
    int accepted = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(bad[i], &v) == 0) {
            fprintf(stderr, "accepted non-JSON number \"%s\"\n", bad[i]);
            accepted++;
        }
    CHECK_EQ_INT(accepted, 0);

    /* the policy language's grammar */
    CHECK(cav__parse_decimal("50.45", 5, &v) == 0 && v == 50.45);
    CHECK(cav__parse_decimal("007", 3, &v) == 0 && v == 7);
    CHECK(cav__parse_decimal("10km", 2, &v) == 0 && v == 10);
    static const char *const bad_dec[] = {"",    "-1",  "+1",  "1.", ".5", "1e5",  "1,5",
                                          "0x1", "inf", "nan", " 1", "1 ", "1.2.3"};
    accepted = 0;
    for (size_t i = 0; i < sizeof bad_dec / sizeof bad_dec[0]; i++)
        if (cav__parse_decimal(bad_dec[i], strlen(bad_dec[i]), &v) == 0) {
            fprintf(stderr, "accepted non-decimal \"%s\"\n", bad_dec[i]);
            accepted++;
        }
    CHECK_EQ_INT(accepted, 0);
    char huge[400];
    memset(huge, '9', sizeof huge);
    CHECK_EQ_INT(cav__parse_decimal(huge, sizeof huge, &v), -1);
    CHECK(cav__parse_decimal(huge, 300, &v) == 0 && v == 1e300);
}

/* Compares cav__parse_double with the reference on s; returns 1 when they differ. */
static int differs(const char *s, size_t n) {
    double a = 0, b = 0;
    int ra = cav__parse_double(s, n, &a), rb = ref_parse(s, &b);
    if (ra != rb || (ra == 0 && bits(a) != bits(b))) {
        fprintf(stderr, "parse differs from strtod on \"%.200s\"%s: %d %.17g, strtod %d %.17g\n", s,
                n > 200 ? "..." : "", ra, a, rb, b);
        return 1;
    }
    return 0;
}

static void test_parse_random(void) {
    gen g = {0};
    long bad = 0, plain = 0;
    rng_state = seed;
    for (long i = 0; i < ncases && bad < 10; i++) {
        random_json_number(&g);
        bad += differs(g.s, g.len);
        /* the one-pass reader of plain decimals gives cav__parse_double's value, or declines */
        double a = 0, b = 0;
        if (cav__parse_plain(g.s, g.len, &a) == 0) {
            plain++;
            if (cav__parse_double(g.s, g.len, &b) != 0 || bits(a) != bits(b) ||
                memchr(g.s, 'e', g.len) || memchr(g.s, 'E', g.len)) {
                fprintf(stderr, "cav__parse_plain on \"%.200s\": %.17g\n", g.s, a);
                bad++;
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
#if defined(__x86_64__)
    CHECK(plain > ncases / 10); /* short decimals are a third of the cases */
#endif
    free(g.s);
}

/* Exact midpoints between neighbouring doubles (long double holds them exactly on x86), which
 * round to even, and the same plus or minus a nonzero digit far beyond the 780 digits the slow
 * path keeps: the sticky digit must make these round away from and towards zero. */
static void test_parse_midpoints(void) {
#if LDBL_MANT_DIG >= 64
    long bad = 0;
    rng_state = seed ^ 1;
    char *s = malloc(4096);
    long n = ncases / 100 > 200 ? ncases / 100 : 200;
    for (long i = 0; i < n && bad < 10; i++) {
        uint64_t u = rnd() & 0x7fefffffffffffffULL; /* finite, nonnegative, below DBL_MAX */
        if (i % 4 == 0)
            u &= 0x000fffffffffffffULL; /* subnormals */
        double d;
        memcpy(&d, &u, sizeof d);
        if (!isfinite(nextafter(d, INFINITY)))
            continue;
        long double mid = ((long double)d + (long double)nextafter(d, INFINITY)) / 2;
        locale_t prev = uselocale(ref_locale); /* the generator's own '.' */
        snprintf(s, 4096, "%.1100Le", mid);
        uselocale(prev);
        /* cut the trailing zeros of the mantissa */
        char *e = strchr(s, 'e');
        char exp[16];
        snprintf(exp, sizeof exp, "%s", e);
        char *z = e;
        while (z[-1] == '0')
            z--;
        if (z[-1] == '.')
            z--;
        strcpy(z, exp);
        bad += differs(s, strlen(s));
        /* + 10^-1000 relative: rounds up */
        char *tail = strchr(s, 'e');
        size_t pos = (size_t)(tail - s);
        char more[4096];
        snprintf(more, sizeof more, "%.*s%s%.*s1%s", (int)pos, s, strchr(s, '.') ? "" : ".", 1000,
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000000000000000000",
                 tail);
        bad += differs(more, strlen(more));
        /* - 10^-1000 relative: the last digit (a 5) becomes 4 followed by nines; rounds down */
        size_t k = (size_t)(strchr(more, 'e') - more);
        size_t last5 = pos - 1;
        if (s[last5] == '5' && k > pos + 1) {
            memcpy(more, s, pos);
            more[last5] = '4';
            size_t m = pos;
            if (!strchr(s, '.') || strchr(s, '.') > s + pos)
                more[m++] = '.';
            for (int j = 0; j < 1000; j++)
                more[m++] = '9';
            strcpy(more + m, tail);
            bad += differs(more, strlen(more));
        }
    }
    CHECK_EQ_INT(bad, 0);
    free(s);
#endif
}

/* ---- writing ------------------------------------------------------------------------------- */

static void test_format_cases(void) {
    char buf[400];
    CHECK(cav__format_double(0.1, buf, sizeof buf) == 3 && strcmp(buf, "0.1") == 0);
    cav__format_double(50.45, buf, sizeof buf);
    CHECK_EQ_STR(buf, "50.45");
    cav__format_double(1e300, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1e+300");
    cav__format_double(-0.0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "-0");
    cav__format_double(1.0 / 3, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0.3333333333333333");
    cav__format_double(5e-324, buf, sizeof buf);
    CHECK_EQ_STR(buf, "4.94065645841247e-324"); /* all that reads back as the least subnormal */
    cav__format_double(2e6, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2000000");
    CHECK_EQ_INT(cav__format_double(NAN, buf, sizeof buf), -1);
    CHECK_EQ_STR(buf, "");
    CHECK_EQ_INT(cav__format_double(-INFINITY, buf, sizeof buf), -1);
    /* truncation as snprintf: the whole length is returned */
    char tiny[4];
    CHECK_EQ_INT(cav__format_double(123.25, tiny, sizeof tiny), 6);
    CHECK_EQ_STR(tiny, "123");
    CHECK_EQ_INT(cav__format_double(123.25, NULL, 0), 6);

    cav__format_decimal(1e20, buf, sizeof buf);
    CHECK_EQ_STR(buf, "100000000000000000000");
    cav__format_decimal(1e-7, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0.0000001");
    cav__format_decimal(-50.45, buf, sizeof buf);
    CHECK_EQ_STR(buf, "-50.45");
    cav__format_decimal(1234.5, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1234.5");
    cav__format_decimal(0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0");
    cav__format_decimal(36.12345678901, buf, sizeof buf);
    CHECK_EQ_STR(buf, "36.12345678901"); /* %.10g lost the last digits */
    CHECK_EQ_INT(cav__format_decimal(DBL_MAX, buf, sizeof buf), 309);
    CHECK_EQ_INT(cav__format_decimal(-5e-324, buf, sizeof buf), 3 + 323 + 15); /* -0.000..494.. */
    CHECK_EQ_INT(cav__format_decimal(1e20, tiny, sizeof tiny), 21);
    CHECK_EQ_STR(tiny, "100");
    CHECK_EQ_INT(cav__format_decimal(NAN, buf, sizeof buf), -1);

    cav__format_fixed(50.45, 1, buf, sizeof buf);
    CHECK_EQ_STR(buf, "50.5"); /* 50.45 is 50.4500000000000028... */
    cav__format_fixed(-0.04, 1, buf, sizeof buf);
    CHECK_EQ_STR(buf, "-0.0");
    cav__format_fixed(2.5, 0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2");
    cav__format_fixed(36.5, 6, buf, sizeof buf);
    CHECK_EQ_STR(buf, "36.500000");
    CHECK_EQ_INT(cav__format_fixed(1.0, 99, buf, sizeof buf), 22); /* at most 20 decimals */
    CHECK_EQ_INT(cav__format_fixed(INFINITY, 1, buf, sizeof buf), -1);
    CHECK_EQ_STR(buf, "");

    cav__snprintf_c(buf, sizeof buf, "%.1f %g %.3e", 0.5, 1.25, 1234.5);
    CHECK_EQ_STR(buf, "0.5 1.25 1.234e+03");
}

static void test_format_random(void) {
    long bad = 0;
    rng_state = seed ^ 2;
    char buf[400];
    for (long i = 0; i < ncases && bad < 10; i++) {
        double v;
        if (i % 2) {
            uint64_t u = rnd();
            memcpy(&v, &u, sizeof v);
            if (!isfinite(v))
                continue;
        } else { /* coordinates with a few decimals */
            v = (double)(int64_t)(rnd() % 36000000001ULL - 18000000000ULL) / 1e8;
        }
        double back = 0;
        int n = cav__format_double(v, buf, sizeof buf);
        if (n <= 0 || cav__parse_double(buf, (size_t)n, &back) != 0 || bits(back) != bits(v) ||
            strchr(buf, ',')) {
            fprintf(stderr, "format_double(%a) gave \"%s\", read back as %a\n", v, buf, back);
            bad++;
        }
        n = cav__format_decimal(v, buf, sizeof buf);
        if (n <= 0 || (size_t)n >= sizeof buf || cav__parse_double(buf, (size_t)n, &back) != 0 ||
            bits(back) != bits(v) || strpbrk(buf, ",eE")) {
            fprintf(stderr, "format_decimal(%a) gave \"%s\", read back as %a\n", v, buf, back);
            bad++;
        }
        /* the unsigned form is the policy language's */
        const char *mag = buf[0] == '-' ? buf + 1 : buf;
        if (cav__parse_decimal(mag, strlen(mag), &back) != 0 || back != fabs(v)) {
            fprintf(stderr, "parse_decimal(\"%s\") failed\n", mag);
            bad++;
        }
        if (i % 16 == 0) {
            char ref[64];
            locale_t prev = uselocale(ref_locale);
            snprintf(ref, sizeof ref, "%.1f", v);
            uselocale(prev);
            cav__format_fixed(v, 1, buf, sizeof buf);
            if (fabs(v) < 1e30 && strcmp(buf, ref) != 0) {
                fprintf(stderr, "format_fixed(%a, 1) gave \"%s\", not \"%s\"\n", v, buf, ref);
                bad++;
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* ---- the map writers ------------------------------------------------------------------------ */

static char *geojson_ref, *svg_ref; /* the texts written under the "C" locale */

/* A zone written as GeoJSON and drawn as SVG: '.' decimals, and the same bytes in every locale. */
static void test_map_writers(void) {
    GEOSContextHandle_t h = GEOS_init_r();
    double xy[10] = {36.123456789, 50.45,        37.5,  50.45,        37.5,
                     51.25,        36.123456789, 51.25, 36.123456789, 50.45};
    GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, xy, 5, 0, 0);
    GEOSGeometry *ring = seq ? GEOSGeom_createLinearRing_r(h, seq) : NULL;
    GEOSGeometry *poly = ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
    CHECK(poly != NULL);
    if (!poly) {
        GEOS_finish_r(h);
        return;
    }
    cav_map_feature f = {.geom = poly, .nprops = 1, .keys = {"zone"}, .values = {"box"}};
    cav_buf gj = {0}, svg = {0};
    CHECK_EQ_INT(cav__geojson_write(h, &f, 1, &gj), 0);
    CHECK(gj.data && strstr(gj.data, "[36.123457,50.45]") != NULL);
    cav_map_layer layer = {.geom = poly, .label = "box 50.45", .style = CAV_LAYER_ZONE};
    cav_map_spec m = {.title = "A box", .layers = &layer, .nlayers = 1};
    CHECK_EQ_INT(cav__map_draw(h, &m, CAV_FMT_SVG, 0, 0, &svg), 0);
    int comma_decimals = 0;
    for (size_t i = 1; svg.data && i + 1 < svg.len; i++)
        comma_decimals += svg.data[i] == ',' && cav__isdigit((unsigned char)svg.data[i - 1]) &&
                          cav__isdigit((unsigned char)svg.data[i + 1]);
    CHECK_EQ_INT(comma_decimals, 0);
    if (!geojson_ref) {
        geojson_ref = strdup(gj.data ? gj.data : "");
        svg_ref = strdup(svg.data ? svg.data : "");
    } else {
        CHECK(gj.data && strcmp(gj.data, geojson_ref) == 0);
        CHECK(svg.data && strcmp(svg.data, svg_ref) == 0);
    }
    cav_buf_free(&gj);
    cav_buf_free(&svg);
    GEOSGeom_destroy_r(h, poly);
    GEOS_finish_r(h);
}

static void run_all(const char *when) {
    int before = check_failed;
    test_classes();
    test_parse_cases();
    test_parse_random();
    test_parse_midpoints();
    test_format_cases();
    test_format_random();
    test_map_writers();
    printf("%s: %s\n", when, check_failed == before ? "ok" : "FAILED");
}

/* ---- locales -------------------------------------------------------------------------------- */

/* Thread-local locales: formatting under a thread's de_DE locale writes '.' and leaves the
 * thread's locale as it was. */
static void *thread_body(void *arg) {
    locale_t de = arg;
    locale_t prev = uselocale(de);
    char buf[64];
    int ok = 1;
    for (int i = 0; i < 20000; i++) {
        double v = i / 8.0 + 0.125, back;
        int n = cav__format_double(v, buf, sizeof buf);
        ok &= n > 0 && cav__parse_double(buf, (size_t)n, &back) == 0 && back == v;
        cav__format_fixed(v, 3, buf, sizeof buf);
        ok &= strchr(buf, ',') == NULL;
    }
    snprintf(buf, sizeof buf, "%.1f", 0.5);
    ok &= strcmp(buf, "0,5") == 0; /* restored */
    uselocale(prev);
    return ok ? arg : NULL;
}

static void test_threads(locale_t de) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(pthread_create(&t[i], NULL, thread_body, de), 0);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        CHECK(r == de);
    }
}

int main(void) {
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
    if (RUNNING_ON_VALGRIND)
        ncases = 20000; /* memcheck runs this 40 times slower; the rounding was checked natively */
#endif
#endif
    const char *env = getenv("CAV_NUM_CASES");
    if (env && atol(env) > 0)
        ncases = atol(env);
    env = getenv("CAV_NUM_SEED");
    if (env)
        seed = strtoull(env, NULL, 0);
    printf("%ld cases, seed %#llx\n", ncases, (unsigned long long)seed);
    ref_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    run_all("C locale");
    if (locale_fixture_set("de_DE.UTF-8") != 0)
        return 1;
    run_all("de_DE.UTF-8 locale");
    locale_t de = duplocale(LC_GLOBAL_LOCALE); /* newlocale() would leak LOCPATH's copy */
    /* a decimal point of two bytes (U+066B), which libraries that swap '.' for the locale's
     * point mishandle: the fixed cases and the map writers */
    if (locale_fixture_set("ps_AF.UTF-8") != 0)
        return 1;
    int before = check_failed;
    test_parse_cases();
    test_format_cases();
    test_map_writers();
    printf("ps_AF.UTF-8 locale: %s\n", check_failed == before ? "ok" : "FAILED");
    setlocale(LC_ALL, "C");
    CHECK(de != (locale_t)0);
    if (de) {
        test_threads(de);
        freelocale(de);
    }
    freelocale(ref_locale);
    free(geojson_ref);
    free(svg_ref);
    return check_done();
}
