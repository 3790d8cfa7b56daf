/* num.h — numbers and character classes that ignore the locale: the one way caveat reads and
 * writes a number and classifies a byte.
 *
 * The C library's <ctype.h> classes, strtod() and printf("%g") follow the process locale
 * (LC_CTYPE, LC_NUMERIC). A program that embeds libcaveat may set any locale it likes, and under
 * de_DE strtod("50.45") stops at the '.' and printf writes "50,45": decisions change and the
 * GeoJSON and SVG written become invalid. Policy files, queries and the formats written are
 * defined over ASCII with '.' as decimal point, so everything here behaves as in the "C" locale
 * whatever the locale of the process or of the calling thread.
 *
 * Character classes are inline functions over ASCII; bytes >= 0x80 and negative values (a plain
 * char holding a UTF-8 byte) belong to no class, so they are safe on any char, unlike <ctype.h>.
 *
 * Parsing accepts an exact grammar over exactly n bytes (no NUL needed, nothing skipped) and
 * rounds correctly (as strtod in the "C" locale, round to nearest even). Formatting writes '.'
 * and never ','. All functions are thread-safe: the "C" locale object they use is created once
 * (pthread_once) and only read afterwards; formatting switches the calling thread's locale with
 * uselocale() and restores it before returning. Nothing here allocates after that first use.
 */
#ifndef CAV_NUM_H
#define CAV_NUM_H

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" { /* for mgrs.cpp */
#endif

/* ---- character classes (ASCII only, as the "C" locale) ----------------------------------- */

static inline int cav__isdigit(int c) {
    return c >= '0' && c <= '9';
}
static inline int cav__isupper(int c) {
    return c >= 'A' && c <= 'Z';
}
static inline int cav__islower(int c) {
    return c >= 'a' && c <= 'z';
}
static inline int cav__isalpha(int c) {
    return cav__isupper(c) || cav__islower(c);
}
static inline int cav__isalnum(int c) {
    return cav__isalpha(c) || cav__isdigit(c);
}
static inline int cav__isxdigit(int c) {
    return cav__isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
/* space, \t, \n, \v, \f, \r */
static inline int cav__isspace(int c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}
static inline int cav__tolower(int c) {
    return cav__isupper(c) ? c - 'A' + 'a' : c;
}
static inline int cav__toupper(int c) {
    return cav__islower(c) ? c - 'a' + 'A' : c;
}

/* ---- reading numbers ---------------------------------------------------------------------- */

/* Parses the n bytes at s as one JSON number (RFC 8259: an optional '-', "0" or digits without a
 * leading zero, an optional '.' and digits, an optional 'e' or 'E', sign and digits) and stores
 * the correctly rounded double in *out. Returns 0, or -1 when the bytes are anything else (empty,
 * a leading '+' or '.', spaces, hex, "inf", "nan", trailing bytes) or when the value is too large
 * for a double; *out is then unchanged. A value too small for a double gives the correctly
 * rounded subnormal or a zero of the number's sign. Any length is accepted; no allocation. */
int cav__parse_double(const char *s, size_t n, double *out);

/* cav__parse_double for the common case alone, read in one pass: a JSON number without an
 * exponent and with at most 15 digits in all (coordinates, distances). Returns 0 with the same
 * value cav__parse_double gives, or -1 for anything else (which may still be a number), and
 * always -1 where the platform computes with excess precision. */
int cav__parse_plain(const char *s, size_t n, double *out);

/* Parses the n bytes at s as a number of the policy language: digits, optionally followed by '.'
 * and digits (no sign, no exponent; leading zeros allowed). Returns 0 with the correctly rounded
 * value in *out, or -1 (*out unchanged) for anything else or a value too large for a double. */
int cav__parse_decimal(const char *s, size_t n, double *out);

/* ---- writing numbers ---------------------------------------------------------------------- */

/* Writes the shortest of v's "%.15g", "%.16g", "%.17g" forms that reads back as exactly v (so
 * "0.1", "50.45", "1e+300"), with '.' whatever the locale; the text is a valid JSON number. Like
 * snprintf, it writes at most size bytes including the NUL and returns the length of the whole
 * text. A NaN or an infinity has no such text: returns -1 and writes "" (when size > 0). */
int cav__format_double(double v, char *buf, size_t size);

/* As cav__format_double, but in positional notation without an exponent ("1e+20" is written as
 * "100000000000000000000", 1e-7 as "0.0000001"), for texts whose readers know no exponent, such
 * as policy files (cav__parse_decimal after an optional '-'). Up to 330 characters. */
int cav__format_decimal(double v, char *buf, size_t size);

/* Writes v with exactly `decimals` digits after the '.' (0 to 20; none and no '.' for 0), as
 * printf("%.*f") in the "C" locale: rounded to nearest, "-0.0" for a small negative v. Returns
 * the length like snprintf, or -1 and "" for a NaN or an infinity. */
int cav__format_fixed(double v, int decimals, char *buf, size_t size);

/* snprintf / vsnprintf as in the "C" locale, for messages and documents that mix text and
 * numbers ("%.1f", "%g" give '.'); same arguments and result as the standard functions. */
int cav__snprintf_c(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cav__vsnprintf_c(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* ---- other libraries' numbers ------------------------------------------------------------- */

/* Makes the calling thread use the "C" locale until cav__locale_restore(), around calls into
 * libraries that read or write numbers through the locale: jansson swaps '.' for the locale's
 * decimal point around strtod() and snprintf(), and PROJ 9.1 does so when it reads
 * "+lat_0=50.45"; both go wrong when that point is longer than one byte (ps_AF's U+066B), jansson
 * by failing an assertion. Returns the thread's previous locale, or (locale_t)0 if it did not
 * change it. Other threads are not affected. */
locale_t cav__locale_use_c(void);
/* Gives the calling thread back the locale that cav__locale_use_c() returned (nothing for 0). */
void cav__locale_restore(locale_t prev);

#ifdef __cplusplus
}
#endif

#endif
