/* date.c — calendar dates as days since 1970-01-01 (proleptic Gregorian), the only time unit of
 * caveat's rules: conditions are announced and take effect by day. Timestamps (RFC 3339) are
 * accepted in queries and turned into the date in the pack's time zone (tz.c), because that is
 * the calendar the rules' dates are written in.
 */
#include "caveat.h"
#include "core/buf.h"
#include "core/util.h"
#include "lang/pack.h"

#include <string.h>

static int is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d, after H. Hinnant's civil-from-days reasoning (era of 400
 * years). */
static int32_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

/* Reads n digits at s into *v; 0 or -1. */
static int digits(const char *s, int n, int *v) {
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* "YYYY-MM-DD" at s[0, 10): 0, -1 (not that form) or -2 (that form, but no date in range). */
static int read_date(const char *s, size_t n, int32_t *days) {
    int y, m, d;
    if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || y < CAV_DATE_MIN_YEAR ||
        y > CAV_DATE_MAX_YEAR)
        return -2;
    *days = days_from_civil(y, m, d);
    return 0;
}

int cav_date_parse(const char *s, int32_t *days) {
    size_t n = strlen(s);
    int32_t v;
    if (n != 10 || read_date(s, n, &v) != 0)
        return CAV_EINVAL;
    *days = v;
    return 0;
}

int cav__date_read(const char *s, size_t n, int32_t *days, cav_buf *msg) {
    int rc = read_date(s, n, days);
    if (rc == -1) {
        if (msg)
            cav__buf_puts(msg, "must be a date written YYYY-MM-DD or an RFC 3339 timestamp "
                               "(2024-06-10T14:30:00Z)");
        return CAV_EINVAL;
    }
    if (rc == -2) {
        int y = 0, m = 0, d = 0;
        digits(s, 4, &y);
        digits(s + 5, 2, &m);
        digits(s + 8, 2, &d);
        if (!msg)
            return CAV_EINVAL;
        if (m < 1 || m > 12 || d < 1 || (y > 0 && d > days_in_month(y, m)))
            cav__buf_printf(msg, "%.10s is no calendar date", s);
        else
            cav__buf_printf(msg, "%.10s is out of range (%d-01-01 to %d-12-31)", s,
                            CAV_DATE_MIN_YEAR, CAV_DATE_MAX_YEAR);
        return CAV_EINVAL;
    }
    return 0;
}

static int parse_in(const cav_pack *p, const char *s, size_t n, int32_t *days, cav_buf *msg) {
    int32_t day;
    if (cav__date_read(s, n, &day, msg) != 0)
        return CAV_EINVAL;
    if (n == 10) {
        *days = day;
        return 0;
    }
    /* an RFC 3339 timestamp: date-time = full-date "T" full-time */
    int hh, mm, ss;
    const char *t = s + 10, *end = s + n;
    if (end - t < 9 || (*t != 'T' && *t != 't' && *t != ' ') || digits(t + 1, 2, &hh) ||
        t[3] != ':' || digits(t + 4, 2, &mm) || t[6] != ':' || digits(t + 7, 2, &ss)) {
        cav__buf_puts(msg, "a timestamp is written 2024-06-10T14:30:00Z or "
                           "2024-06-10T14:30:00+03:00 (RFC 3339)");
        return CAV_EINVAL;
    }
    if (hh > 23 || mm > 59 || ss > 60) {
        cav__buf_printf(msg, "%.2s:%.2s:%.2s is no time of day", t + 1, t + 4, t + 7);
        return CAV_EINVAL;
    }
    t += 9;
    if (t < end && *t == '.') {
        const char *f = ++t;
        while (t < end && *t >= '0' && *t <= '9')
            t++;
        if (t == f) {
            cav__buf_puts(msg, "a digit must follow the decimal point of the seconds");
            return CAV_EINVAL;
        }
    }
    int32_t offset;
    if (t < end && (*t == 'Z' || *t == 'z') && t + 1 == end) {
        offset = 0;
    } else if (t < end && (*t == '+' || *t == '-')) {
        int oh, om;
        if (end - t != 6 || digits(t + 1, 2, &oh) || t[3] != ':' || digits(t + 4, 2, &om)) {
            cav__buf_puts(msg, "the offset is written Z, +HH:MM or -HH:MM");
            return CAV_EINVAL;
        }
        if (oh > 23 || om > 59) {
            cav__buf_printf(msg, "%.6s is no valid UTC offset", t);
            return CAV_EINVAL;
        }
        offset = (oh * 3600 + om * 60) * (*t == '-' ? -1 : 1);
    } else {
        cav__buf_puts(msg, "a timestamp needs its offset: Z, +HH:MM or -HH:MM");
        return CAV_EINVAL;
    }
    if (ss == 60)
        ss = 59; /* a leap second belongs to the minute it ends */
    int64_t utc = (int64_t)day * 86400 + hh * 3600 + mm * 60 + ss - offset;
    int64_t local = utc + (p ? cav__tz_offset(&p->tz, utc) : 0);
    int64_t d = local / 86400 - (local % 86400 < 0);
    if (d < days_from_civil(CAV_DATE_MIN_YEAR, 1, 1) ||
        d > days_from_civil(CAV_DATE_MAX_YEAR, 12, 31)) {
        cav__buf_printf(msg, "the timestamp falls outside %d-01-01 to %d-12-31 in %s",
                        CAV_DATE_MIN_YEAR, CAV_DATE_MAX_YEAR, p ? cav_pack_timezone(p) : "UTC");
        return CAV_EINVAL;
    }
    *days = (int32_t)d;
    return 0;
}

int cav_date_parse_in(const cav_pack *p, const char *s, size_t n, int32_t *days, cav_buf *msg) {
    if (msg)
        return parse_in(p, s, n, days, msg);
    cav_buf unused = {0}; /* the caller wants no message */
    int rc = parse_in(p, s, n, days, &unused);
    cav_buf_free(&unused);
    return rc;
}

void cav_date_format(int32_t days, char *buf) {
    if (days < days_from_civil(0, 1, 1) || days > days_from_civil(9999, 12, 31)) {
        memcpy(buf, "invalid", 8);
        return;
    }
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    /* written digit by digit: y, m, d are in range, and this keeps the compiler's truncation
     * analysis quiet without a larger buffer */
    char out[11] = {(char)('0' + y / 1000),
                    (char)('0' + y / 100 % 10),
                    (char)('0' + y / 10 % 10),
                    (char)('0' + y % 10),
                    '-',
                    (char)('0' + m / 10),
                    (char)('0' + m % 10),
                    '-',
                    (char)('0' + d / 10),
                    (char)('0' + d % 10),
                    '\0'};
    memcpy(buf, out, sizeof out);
}

const char *cav_strerror(int code) {
    switch (code) {
    case CAV_OK: return "success";
    case CAV_ENOMEM: return "out of memory";
    case CAV_EIO: return "input/output error";
    case CAV_EPOLICY: return "the policy has errors";
    case CAV_EQUERY: return "the query is malformed";
    case CAV_EGEO: return "a zone could not be built";
    case CAV_EINVAL: return "invalid argument";
    case CAV_ELIMIT: return "a limit was exceeded";
    default: return "unknown error";
    }
}

const char *cav_verdict_name(cav_verdict v) {
    switch (v) {
    case CAV_PERMITTED: return "permitted";
    case CAV_PROHIBITED: return "prohibited";
    case CAV_INDETERMINATE: return "indeterminate";
    default: return "unknown";
    }
}

const char *cav_basis_name(cav_basis b) {
    switch (b) {
    case CAV_BASIS_FORBID: return "forbid";
    case CAV_BASIS_SILENT: return "silent";
    case CAV_BASIS_FORBID_UNDET: return "forbid-undetermined";
    case CAV_BASIS_PERMIT: return "permit";
    case CAV_BASIS_PERMIT_UNDET: return "permit-undetermined";
    default: return "default-deny";
    }
}

const char *cav_version(void) {
    return CAV_VERSION;
}
