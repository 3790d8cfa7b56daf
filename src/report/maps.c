/* maps.c — the pack's zones and a use's permitted area as GeoJSON, SVG, PNG and PDF.
 * (Being ported into the library: see the lead's branch.) */
#include "report/report.h"

int cav_map(const cav_pack *p, const cav_query *use, const cav_map_opts *o, cav_format fmt,
            cav_buf *out) {
    (void)p, (void)use, (void)o, (void)fmt, (void)out;
    return CAV_EINVAL;
}

int cav_map_diff(const cav_pack *p, const cav_query *use, int32_t from, int32_t to,
                 const cav_map_opts *o, cav_format fmt, cav_buf *out) {
    (void)p, (void)use, (void)from, (void)to, (void)o, (void)fmt, (void)out;
    return CAV_EINVAL;
}
