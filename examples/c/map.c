/* map.c — where one use is permitted, as a map: the permitted area (with the band along decisive
 * edges where the answer is indeterminate, assumed zones outlined, a credit line) as GeoJSON for
 * GIS tools or as a self-contained SVG, and where that area grew or shrank between two dates.
 *
 * Usage: map [OUT.svg]      (writes the SVG map there when given) */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "map: unexpected: %s\n", what);
        failed = 1;
    }
}

int main(int argc, char **argv) {
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;

    /* the use: US GMLRS counterfire against attacking forces on 2024-06-10, anywhere */
    cav_query use;
    cav_qerrors e;
    cav_query_init(&use, &e);
    cav_query_set_date(&use, pack, "2024-06-10", &e);
    cav_query_set_weapon(&use, pack, "gmlrs", &e);
    cav_query_set_kind(&use, pack, "forces", &e);
    cav_query_set_role(&use, pack, "attacking", &e);
    cav_query_set_purpose(&use, pack, "counterfire", &e);
    expect(cav_query_finish_use(&use, pack, CAV_USE_PLACE, &e) == 0, "a use with no place");

    cav_buf geojson = {0}, svg = {0}, diff = {0};
    int rc = cav_map(pack, &use, NULL, CAV_FMT_GEOJSON, &geojson);
    printf("GeoJSON: %s, %zu bytes\n", cav_strerror(rc), geojson.len);
    expect(rc == 0 && strncmp(geojson.data, "{\"type\": \"FeatureCollection\"", 28) == 0,
           "a FeatureCollection");
    /* the area across the border (the part inside Ukraine is "permitted-ukraine") */
    const char *area = strstr(geojson.data ? geojson.data : "", "\"id\": \"permitted-abroad\"");
    expect(area != NULL, "the permitted area across the border is a feature");
    if (area)
        printf("  %.118s...\n", area);

    /* options: a title, and a frame around the border near Kharkiv */
    cav_map_opts o = {.title = "US GMLRS counterfire, 2024-06-10",
                      .zoom_zone = -1,
                      .has_bbox = 1,
                      .south = 49.0,
                      .north = 51.5,
                      .west = 35.0,
                      .east = 39.5};
    rc = cav_map(pack, &use, &o, CAV_FMT_SVG, &svg);
    printf("SVG: %s, %zu bytes\n", cav_strerror(rc), svg.len);
    expect(rc == 0 && strstr(svg.data, "<svg") && strstr(svg.data, "</svg>") &&
               strstr(svg.data, o.title),
           "a whole SVG document with its title");
    expect(rc == 0 && strstr(svg.data, ">Kharkiv<") && !strstr(svg.data, ">Warsaw<"),
           "the frame shows Kharkiv, not Warsaw");
    if (rc == 0 && argc > 1) {
        FILE *f = fopen(argv[1], "w");
        expect(f && fwrite(svg.data, 1, svg.len, f) == svg.len && fclose(f) == 0, "written");
    }

    int32_t before, after;
    cav_date_parse("2024-05-29", &before);
    cav_date_parse("2024-06-10", &after);
    rc = cav_map_diff(pack, &use, before, after, NULL, CAV_FMT_GEOJSON, &diff);
    const char *grew = strstr(diff.data ? diff.data : "", "\"id\": \"grew\"");
    printf("what changed from 2024-05-29: %s\n  %.100s...\n", cav_strerror(rc), grew ? grew : "");
    expect(rc == 0 && grew &&
               strstr(diff.data, "{\"rule\": \"us-kharkiv-counterfire\", \"change\": \"starts\""),
           "the area grew with the counterfire permit");

    /* the same map as PNG, 800 pixels wide; a service keeps the areas it computed in a cache,
     * so the next date of the same epoch of rules is drawn without computing them again */
    cav_map_cache *cache = cav_map_cache_new(16);
    cav_map_opts po = {.zoom_zone = -1, .width = 800, .cache = cache};
    cav_buf png = {0};
    for (int i = 0; i < 2; i++) {
        cav_buf_clear(&png);
        use.date = after + i; /* 2024-06-10, then 2024-06-11 */
        rc = cav_map(pack, &use, &po, CAV_FMT_PNG, &png);
    }
    unsigned long hits = 0, misses = 0;
    if (cache)
        cav_map_cache_stats(cache, &hits, &misses);
    printf("PNG: %s, %zu bytes; cache: %lu hit, %lu miss\n", cav_strerror(rc), png.len, hits,
           misses);
    expect(rc == 0 && png.len > 8 && memcmp(png.data, "\x89PNG", 4) == 0 && hits == 1,
           "a PNG, the second from the cache");
    cav_buf_free(&png);
    cav_map_cache_free(cache);

    /* the pack's zones alone, no use */
    cav_buf zones = {0};
    expect(cav_map(pack, NULL, NULL, CAV_FMT_GEOJSON, &zones) == 0 &&
               strstr(zones.data, "\"id\": \"kharkiv-border\""),
           "the zones map");
    cav_buf_free(&zones);
    cav_buf_free(&geojson);
    cav_buf_free(&svg);
    cav_buf_free(&diff);
    cav_pack_release(pack);
    return failed;
}
