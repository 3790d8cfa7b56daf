/* tz.c — reading TZif data and the POSIX TZ footer rule (see tz.h).
 *
 * Hand-written because the C library answers time zone questions only through the process-wide
 * TZ variable (tzset/localtime), which a library shared by threads must not touch; the format is
 * small and fixed (RFC 8536).
 */
#include "core/tz.h"

#include <stdio.h>
#include <string.h>

static int64_t be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    if (n == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

static int failf(char *err, size_t errlen, const char *msg) {
    snprintf(err, errlen, "%s", msg);
    return -1;
}

void cav__tz_utc(cav_tz *tz) {
    memset(tz, 0, sizeof *tz);
}

/* ---- the footer's POSIX TZ string ---- */

/* A zone name: <...> or letters. */
static const char *skip_name(const char *s) {
    if (*s == '<') {
        while (*s && *s != '>')
            s++;
        return *s ? s + 1 : NULL;
    }
    const char *b = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
        s++;
    return s - b >= 3 ? s : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds. */
static const char *read_hms(const char *s, int32_t *out) {
    int sign = 1;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    int32_t v = 0;
    for (int part = 0; part < 3; part++) {
        if (part > 0) {
            if (*s != ':')
                break;
            s++;
        }
        if (*s < '0' || *s > '9')
            return NULL;
        int n = 0;
        while (*s >= '0' && *s <= '9' && n < 1000)
            n = n * 10 + (*s++ - '0');
        v += (int32_t)n * (part == 0 ? 3600 : part == 1 ? 60 : 1);
    }
    *out = sign * v;
    return s;
}

static const char *read_int(const char *s, int *out) {
    if (*s < '0' || *s > '9')
        return NULL;
    int n = 0;
    while (*s >= '0' && *s <= '9' && n < 10000)
        n = n * 10 + (*s++ - '0');
    *out = n;
    return s;
}

static const char *read_rule(const char *s, cav_tz_rule *r) {
    if (*s == 'M') {
        r->kind = 1;
        if (!(s = read_int(s + 1, &r->month)) || *s != '.' || !(s = read_int(s + 1, &r->week)) ||
            *s != '.' || !(s = read_int(s + 1, &r->wday)))
            return NULL;
        if (r->month < 1 || r->month > 12 || r->week < 1 || r->week > 5 || r->wday > 6)
            return NULL;
    } else if (*s == 'J') {
        r->kind = 2;
        if (!(s = read_int(s + 1, &r->day)) || r->day < 1 || r->day > 365)
            return NULL;
    } else {
        r->kind = 3;
        if (!(s = read_int(s, &r->day)) || r->day > 365)
            return NULL;
    }
    r->time = 7200;
    if (*s == '/')
        s = read_hms(s + 1, &r->time);
    return s;
}

/* Parses a POSIX TZ string. 0 or -1. */
static int read_posix(const char *s, cav_tz *tz) {
    int32_t v;
    if (!(s = skip_name(s)) || !(s = read_hms(s, &v)))
        return -1;
    tz->std_off = -v; /* POSIX offsets are west of UTC */
    tz->has_rule = 1;
    if (!*s)
        return 0;
    if (!(s = skip_name(s)))
        return -1;
    tz->has_dst = 1;
    tz->dst_off = tz->std_off + 3600;
    if (*s && *s != ',') {
        if (!(s = read_hms(s, &v)))
            return -1;
        tz->dst_off = -v;
    }
    if (*s != ',' || !(s = read_rule(s + 1, &tz->start)) || *s != ',' ||
        !(s = read_rule(s + 1, &tz->end)) || *s)
        return -1;
    return 0;
}

/* ---- calendar helpers ---- */

static int is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t year_of(int64_t days) {
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    return yoe + era * 400 + (m <= 2);
}

/* The local time (seconds since the epoch, as if local were UTC) at which rule r falls in year y.
 */
static int64_t rule_time(const cav_tz_rule *r, int64_t y) {
    int64_t day;
    if (r->kind == 1) {
        int64_t first = days_from_civil(y, r->month, 1);
        int wd = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday (4) */
        int d = 1 + (r->wday - wd + 7) % 7 + (r->week - 1) * 7;
        static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int mdays = dm[r->month - 1] + (r->month == 2 && is_leap(y));
        while (d > mdays)
            d -= 7;
        day = days_from_civil(y, r->month, d);
    } else if (r->kind == 2) {
        day = days_from_civil(y, 1, 1) + r->day - 1 + (is_leap(y) && r->day >= 60);
    } else {
        day = days_from_civil(y, 1, 1) + r->day;
    }
    return day * 86400 + r->time;
}

static int32_t rule_offset(const cav_tz *tz, int64_t t) {
    if (!tz->has_dst)
        return tz->std_off;
    int64_t y = year_of((t + tz->std_off) / 86400 - ((t + tz->std_off) % 86400 < 0));
    int64_t start = rule_time(&tz->start, y) - tz->std_off; /* in UTC: start is in standard */
    int64_t end = rule_time(&tz->end, y) - tz->dst_off;     /* end is in daylight time */
    int in_dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return in_dst ? tz->dst_off : tz->std_off;
}

int32_t cav__tz_offset(const cav_tz *tz, int64_t t) {
    if (tz->ntrans == 0)
        return tz->has_rule ? rule_offset(tz, t) : tz->first;
    if (t < tz->at[0])
        return tz->first;
    if (t >= tz->at[tz->ntrans - 1] && tz->has_rule)
        return rule_offset(tz, t);
    int lo = 0, hi = tz->ntrans - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (tz->at[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return tz->off[lo];
}

int cav__tz_read(const unsigned char *d, size_t n, cav_arena *a, cav_tz *tz, char *err,
                 size_t errlen) {
    memset(tz, 0, sizeof *tz);
    if (n < 44 || memcmp(d, "TZif", 4) != 0)
        return failf(err, errlen, "not TZif data");
    if (d[4] < '2')
        return failf(err, errlen, "TZif version 1 has no 64-bit data");
    /* skip the version 1 block */
    int64_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = be(d + 20 + 4 * i, 4);
    size_t skip = 44 + (size_t)(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    if (skip + 44 > n || memcmp(d + skip, "TZif", 4) != 0)
        return failf(err, errlen, "truncated TZif data");
    const unsigned char *h = d + skip;
    for (int i = 0; i < 6; i++)
        c[i] = be(h + 20 + 4 * i, 4);
    int64_t isut = c[0], isstd = c[1], leap = c[2], timecnt = c[3], typecnt = c[4], charcnt = c[5];
    if (timecnt < 0 || typecnt < 1 || typecnt > 256 || timecnt > 100000 || charcnt < 0 ||
        leap < 0 || isut < 0 || isstd < 0)
        return failf(err, errlen, "inconsistent TZif counts");
    const unsigned char *p = h + 44;
    size_t need = (size_t)(timecnt * 9 + typecnt * 6 + charcnt + leap * 12 + isstd + isut);
    if ((size_t)(p - d) + need > n)
        return failf(err, errlen, "truncated TZif data");
    int64_t *at = cav__arena_alloc(a, (size_t)(timecnt ? timecnt : 1) * sizeof *at);
    int32_t *off = cav__arena_alloc(a, (size_t)(timecnt ? timecnt : 1) * sizeof *off);
    if (!at || !off)
        return -2;
    const unsigned char *idx = p + timecnt * 8, *types = idx + timecnt;
    for (int64_t i = 0; i < timecnt; i++) {
        at[i] = be(p + 8 * i, 8);
        if (idx[i] >= typecnt || (i > 0 && at[i] <= at[i - 1]))
            return failf(err, errlen, "inconsistent TZif transitions");
        off[i] = (int32_t)be(types + 6 * idx[i], 4);
    }
    tz->ntrans = (int)timecnt;
    tz->at = at;
    tz->off = off;
    /* before the first transition: the first standard-time type (RFC 8536 section 3.2) */
    tz->first = (int32_t)be(types, 4);
    const unsigned char *footer = p + need;
    if (footer < d + n && *footer == '\n') {
        const unsigned char *end = memchr(footer + 1, '\n', (size_t)(d + n - footer - 1));
        if (end && end > footer + 1 && end - footer < 128) {
            char rule[128];
            memcpy(rule, footer + 1, (size_t)(end - footer - 1));
            rule[end - footer - 1] = '\0';
            if (read_posix(rule, tz) != 0)
                tz->has_rule = 0; /* unreadable: the transitions alone answer */
        }
    }
    return 0;
}
