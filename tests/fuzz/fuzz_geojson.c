/* fuzz_geojson.c — libFuzzer target: any bytes as the file of a geojson() zone, through the zone
 * builder (jansson, GEOS validity, unions) and, when a zone results, the point locator. */
#include "caveat.h"
#include "geo/geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char path[64];
    static GEOSContextHandle_t h;
    if (!h) {
        h = GEOS_init_r();
        snprintf(path, sizeof path, "/tmp/cav-fuzz-%ld.geojson", (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    cav_zone_expr e = {.kind = CAV_ZONE_GEOJSON, .line = 1, .col = 1, .path = path};
    GEOSGeometry *g = NULL;
    char err[256];
    if (cav__zone_build(h, &e, NULL, NULL, &g, err, sizeof err, NULL) == 0 && g) {
        const GEOSGeometry *zones[1] = {g};
        cav_locator *loc = cav__locator_new(h, zones, NULL, 1);
        if (loc) {
            uint64_t bits[1];
            for (int i = 0; i < 64; i++)
                cav__locator_find(loc, -90 + i * 2.8, -180 + i * 5.6, bits);
            cav__locator_free(loc);
        }
        GEOSGeom_destroy_r(h, g);
    }
    return 0;
}
