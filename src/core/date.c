/* date.c — calendar dates as days since 1970-01-01 (proleptic Gregorian), the only time unit of
 * caveat: conditions are announced and take effect by day. */
#include "caveat.h"

#include <string.h>

static int is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d, after H. Hinnant's civil-from-days reasoning (era of 400
 * years); valid for every year we accept (1900..2999). */
static int32_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

int cav_date_parse(const char *s, int32_t *days) {
    int v[8];
    for (int i = 0; i < 10; i++) {
        char c = s[i];
        if (i == 4 || i == 7) {
            if (c != '-')
                return CAV_EINVAL;
        } else if (c < '0' || c > '9') {
            return CAV_EINVAL;
        }
    }
    if (s[10] != '\0')
        return CAV_EINVAL;
    for (int i = 0, k = 0; i < 10; i++)
        if (i != 4 && i != 7)
            v[k++] = s[i] - '0';
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int m = v[4] * 10 + v[5];
    int d = v[6] * 10 + v[7];
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return CAV_EINVAL;
    *days = days_from_civil(y, m, d);
    return 0;
}

void cav_date_format(int32_t days, char *buf) {
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
    if (y < 0 || y > 9999)
        y = 0;
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
    default: return "unknown";
    }
}
