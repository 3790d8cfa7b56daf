/* where.c — `caveat where`: what contains a point. The countries and regions of the embedded
 * boundary data (their own locator, built once per process and then shared read-only), the pack's
 * declared zones, and every edge closer to the point than its position is known: the given
 * uncertainty, or the precision of the boundary data (docs/geography.md), where a decision may be
 * indeterminate.
 */
#include "core/alloc.h"
#include "geo/borders_data.h"
#include "report/report.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Built on first use under a lock, and retried on the next use if it could not be built, so a
 * transient out-of-memory never leaves the process without it. */
static cav_locator *_Atomic borders;
static pthread_mutex_t borders_lock = PTHREAD_MUTEX_INITIALIZER;

static void build_borders(void) {
    pthread_mutex_lock(&borders_lock);
    if (borders) {
        pthread_mutex_unlock(&borders_lock);
        return;
    }
    GEOSContextHandle_t h = GEOS_init_r();
    int nb = cav__borders_count();
    GEOSGeometry **geoms = cav__calloc((size_t)nb + 1, sizeof *geoms);
    double *precision = cav__calloc((size_t)nb + 1, sizeof *precision);
    int ok = h && geoms && precision;
    for (int i = 0; ok && i < nb; i++) {
        ok = (geoms[i] = cav__borders_geom(h, i)) != NULL;
        precision[i] = CAV_BORDERS_PRECISION_M;
    }
    if (ok)
        borders = cav__locator_new(h, (const GEOSGeometry *const *)geoms, precision, nb, NULL);
    for (int i = 0; geoms && i < nb; i++)
        if (geoms[i])
            GEOSGeom_destroy_r(h, geoms[i]);
    cav__free(geoms);
    cav__free(precision);
    if (h)
        GEOS_finish_r(h);
    pthread_mutex_unlock(&borders_lock);
}

const cav_locator *cav__borders_locator(void) {
    if (!borders)
        build_borders();
    return borders;
}

void cav_cleanup(void) {
    pthread_mutex_lock(&borders_lock);
    cav_locator *built = atomic_exchange(&borders, NULL);
    pthread_mutex_unlock(&borders_lock);
    if (built)
        cav__locator_free(built);
}

static int bit(const uint64_t *v, int i) {
    return (int)((v[i >> 6] >> (i & 63)) & 1u);
}

static void put_edge(cav_buf *o, double km, cav_format fmt) {
    int json = fmt == CAV_FMT_JSON;
    if (json) {
        cav__buf_puts(o, ", \"edge_km\": ");
        if (km < 0)
            cav__buf_puts(o, "null");
        else
            cav__buf_fixed(o, km, cav__km_decimals(km, json));
    } else if (km >= 0) {
        cav__buf_puts(o, " (edge ");
        cav__buf_fixed(o, km, cav__km_decimals(km, json));
        cav__buf_puts(o, " km away)");
    }
}

int cav_where(const cav_pack *p, double lat, double lon, double r, cav_format fmt, cav_buf *o) {
    if (!p || !isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 ||
        lon > 180 || !isfinite(r) || r < 0 || r > CAV_MAX_UNCERTAINTY_M ||
        (fmt != CAV_FMT_TEXT && fmt != CAV_FMT_JSON))
        return CAV_EINVAL;
    const cav_locator *loc = cav__borders_locator();
    if (!loc)
        return CAV_ENOMEM;
    uint64_t in[CAV_MAX_ZONE_WORDS * 4], unsure[CAV_MAX_ZONE_WORDS * 4];
    int nb = cav__borders_count(), found = 0;
    cav__locator_find3(loc, lat, lon, r, in, unsure);
    if (fmt == CAV_FMT_JSON) {
        cav__buf_puts(o, "{\"lat\": ");
        cav__buf_double(o, lat);
        cav__buf_puts(o, ", \"lon\": ");
        cav__buf_double(o, lon);
        cav__buf_puts(o, ", \"uncertainty_m\": ");
        cav__buf_double(o, r);
        cav__buf_puts(o, ", \"places\": [");
    }
    for (int i = 0; i < nb; i++) {
        if (!bit(in, i) && !bit(unsure, i))
            continue;
        double km =
            bit(unsure, i) ? cav__locator_edge_km(loc, i, lat, lon, fmt == CAV_FMT_JSON, NULL) : -1;
        if (fmt == CAV_FMT_JSON) {
            cav__buf_puts(o, found++ ? ", {\"type\": " : "{\"type\": ");
            cav__buf_printf(o,
                            "\"%s\", \"id\": ", cav__borders_is_country(i) ? "country" : "region");
            cav__buf_json_str(o, cav__borders_code(i));
            cav__buf_puts(o, ", \"title\": ");
            cav__buf_json_str(o, cav__borders_name(i));
            cav__buf_printf(o, ", \"inside\": %s, \"near_edge\": %s", bit(in, i) ? "true" : "false",
                            bit(unsure, i) ? "true" : "false");
            put_edge(o, km, fmt);
            cav__buf_puts(o, "}");
        } else {
            found++;
            cav__buf_printf(o, "%s%s %s %s", bit(in, i) ? "" : "near ",
                            cav__borders_is_country(i) ? "country" : "region", cav__borders_code(i),
                            cav__borders_name(i));
            if (bit(unsure, i)) {
                put_edge(o, km, fmt);
                cav__buf_puts(o, ": closer than the position is known");
            }
            cav__buf_puts(o, "\n");
        }
    }
    cav__locator_find3(p->locator, lat, lon, r, in, unsure);
    for (int z = 0; z < p->nzones; z++) {
        const cav_zone *zone = &p->zones[z];
        if (zone->implicit || (!bit(in, z) && !bit(unsure, z)))
            continue;
        double km = bit(unsure, z)
                        ? cav__locator_edge_km(p->locator, z, lat, lon, fmt == CAV_FMT_JSON, NULL)
                        : -1;
        if (fmt == CAV_FMT_JSON) {
            cav__buf_puts(o, found++ ? ", {\"type\": \"zone\", \"id\": "
                                     : "{\"type\": \"zone\", \"id\": ");
            cav__buf_json_str(o, zone->id);
            cav__buf_puts(o, ", \"title\": ");
            cav__buf_json_str(o, zone->title);
            cav__buf_puts(o, ", \"assumption\": ");
            cav__buf_json_str(o, zone->assumption);
            cav__buf_printf(o, ", \"inside\": %s, \"near_edge\": %s", bit(in, z) ? "true" : "false",
                            bit(unsure, z) ? "true" : "false");
            put_edge(o, km, fmt);
            cav__buf_puts(o, "}");
        } else {
            found++;
            cav__buf_printf(o, "%szone %s", bit(in, z) ? "" : "near ", zone->id);
            if (zone->title && *zone->title) {
                cav__buf_puts(o, " ");
                cav__report_line(o, zone->title);
            }
            if (zone->assumption) {
                cav__buf_puts(o, " [assumption: ");
                cav__report_line(o, zone->assumption);
                cav__buf_puts(o, "]");
            }
            if (bit(unsure, z)) {
                put_edge(o, km, fmt);
                cav__buf_puts(o, ": closer than the position is known");
            }
            cav__buf_puts(o, "\n");
        }
    }
    if (fmt == CAV_FMT_JSON)
        cav__buf_puts(o, "]}\n");
    else if (!found)
        cav__buf_puts(o, "(no country, region or zone of the pack)\n");
    return cav__buf_status(o);
}
