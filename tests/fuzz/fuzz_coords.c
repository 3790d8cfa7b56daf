/* fuzz_coords.c — libFuzzer target for the readers of positions and times in logs: any bytes as
 * a degrees-minutes-seconds latitude and longitude, an MGRS reference, a date or RFC 3339
 * timestamp (in the default pack's time zone) and, through the query setters, every numeric and
 * date field. A value that is read must be in range; an MGRS square read must write back, in the
 * grid zone it was read in, to a reference that reads to the same square. Must never crash, leak
 * or hang. */
#include "batch/audit.h"
#include "caveat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cav_pack *pack;
    if (!pack && cav_pack_load_default(NULL, &pack) != 0)
        abort();
    const char *s = (const char *)data;
    double v;
    for (int lat = 0; lat < 2; lat++)
        if (cav__dms_parse(s, size, lat, &v) == 0 && !(fabs(v) <= (lat ? 90.0 : 180.0)))
            abort();
    double la, lo;
    char msg[200], back[64];
    int zone;
    int prec = cav__mgrs_parse(s, size, &la, &lo, &zone, msg, sizeof msg);
    if (prec >= 0) {
        if (!(fabs(la) <= 90 && fabs(lo) <= 180) || prec > 5 || zone < 0 || zone > 60)
            abort();
        if (prec >= 1 && cav__mgrs_format(la, lo, zone, prec, back, sizeof back) == 0) {
            double la2, lo2;
            int zone2;
            if (cav__mgrs_parse(back, strlen(back), &la2, &lo2, &zone2, msg, sizeof msg) != prec ||
                zone2 != zone || fabs(la2 - la) > 1e-6 || fabs(lo2 - lo) > 1e-6)
                abort(); /* the centre of a square writes back to the same square */
        }
    }
    int32_t day;
    cav_buf m = {0};
    if (cav_date_parse_in(pack, s, size, &day, &m) == 0) {
        char text[16];
        cav_date_format(day, text);
        int32_t again;
        if (cav_date_parse(text, &again) != 0 || again != day)
            abort(); /* every date read is in the range cav_date_parse accepts */
    }
    cav_buf_free(&m);
    for (int f = 0; f < CAV_Q_COUNT; f++) {
        cav_query q;
        cav_qerrors e;
        cav_query_init(&q, &e);
        if (cav_query_set(&q, pack, (cav_qfield)f, s, size, &e) != 0 && e.n == 0)
            abort(); /* a refused value names its problem */
    }
    return 0;
}
