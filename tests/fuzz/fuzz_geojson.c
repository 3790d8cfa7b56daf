/* fuzz_geojson.c — libFuzzer target: any bytes as the file of a geojson() zone, through the zone
 * builder (jansson, GEOS validity, unions) and, when a zone results, the point locator. The bytes
 * are handed over in memory, as the compiler does after reading the file (core/file.c). */
#include "caveat.h"
#include "geo/geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static GEOSContextHandle_t h;
    if (!h)
        h = GEOS_init_r();
    /* the bytes as the compiler hands them over (it reads the file, compile.c); a copy with a
     * NUL after it, as the reader's buffer has */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    cav_zone_expr e = {.kind = CAV_ZONE_GEOJSON,
                       .line = 1,
                       .col = 1,
                       .path = "fuzz.geojson",
                       .data = text,
                       .data_len = size};
    GEOSGeometry *g = NULL;
    char err[256];
    if (cav__zone_build(h, &e, NULL, NULL, &g, err, sizeof err, NULL) == 0 && g) {
        const GEOSGeometry *zones[1] = {g};
        cav_locator *loc = cav__locator_new(h, zones, NULL, 1, NULL);
        if (loc) {
            uint64_t bits[1];
            for (int i = 0; i < 64; i++)
                cav__locator_find(loc, -90 + i * 2.8, -180 + i * 5.6, bits);
            cav__locator_free(loc);
        }
        GEOSGeom_destroy_r(h, g);
    }
    free(text);
    return 0;
}
