/* tz.h — UTC offsets of a time zone from the tz database, to turn an RFC 3339 timestamp into the
 * calendar date a pack's rules are written in (a pack declares its zone: docs/language.md).
 *
 * A zone is read from TZif data (RFC 8536, version 2 or later: the 64-bit section and the footer
 * rule): the transitions it lists, and after the last one the POSIX TZ rule of its footer
 * ("EET-2EEST,M3.5.0/3,M10.5.0/4"), so dates up to 2100 are right. The tables live in the
 * caller's arena and are read only.
 */
#ifndef CAV_TZ_H
#define CAV_TZ_H

#include "core/arena.h"

#include <stddef.h>
#include <stdint.h>

/* A rule date of a POSIX TZ string: Mm.w.d (month, week 1-5, weekday 0-6) or Jn / n. */
typedef struct cav_tz_rule {
    int kind; /* 0 none, 1 Mm.w.d, 2 Jn (1-365, no Feb 29), 3 n (0-365) */
    int month, week, wday, day;
    int32_t time; /* seconds after local midnight (may be negative or > 24 h) */
} cav_tz_rule;

typedef struct cav_tz {
    int ntrans;
    const int64_t *at;  /* transition times (seconds since the epoch, UTC), ascending */
    const int32_t *off; /* offset in force from at[i] */
    int32_t first;      /* offset before the first transition */
    /* after the last transition: the footer rule */
    int has_rule;
    int32_t std_off, dst_off; /* seconds east of UTC */
    int has_dst;
    cav_tz_rule start, end;
} cav_tz;

/* Reads TZif data into tz (tables in a). Returns 0, or -1 when the data are not TZif v2+ or are
 * inconsistent (why in err), or -2 out of memory. */
int cav__tz_read(const unsigned char *data, size_t n, cav_arena *a, cav_tz *tz, char *err,
                 size_t errlen);
/* UTC, a zone with offset 0 and no rule. */
void cav__tz_utc(cav_tz *tz);
/* The offset (seconds east of UTC) in force at time t (seconds since the epoch, UTC). */
int32_t cav__tz_offset(const cav_tz *tz, int64_t t);

#endif
