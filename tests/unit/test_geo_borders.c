/* test_geo_borders.c — the embedded borders: look-up, validity, recognised borders, territorial
 * sea, named places.
 *
 * Named places (tests/geo/places.tsv; CTest runs from the repository root) and the points at sea
 * below are checked twice, with GEOS (covers) on the country geometries (land and territorial sea)
 * and with the point locator compiled from them, so the data and the locator are each held to the
 * same truth. Crimea (Simferopol, Sevastopol, Kerch) and the occupied parts of Donetsk, Luhansk,
 * Zaporizhzhia and Kherson oblasts must be Ukraine and not Russia (docs/semantics.md:
 * internationally recognised borders); world-atlas puts Crimea in Russia, so these checks fail if
 * the derivation's fix is lost. The sea points' distances were measured independently of the
 * derivation's own code path, with pyproj's Geod (WGS84) from the point to the nearest point of
 * the Natural Earth coast (found in an azimuthal equidistant projection centred on the point).
 */
#include "geo/geo.h"

#include "check.h"

#include <math.h>
#include <string.h>

/* A point and the embedded country whose zone (land and territorial sea) must contain it. */
typedef struct place {
    char name[64];
    double lat, lon;
    char country[8]; /* expected country code, or "-": in none of the embedded ones */
} place;

/* Reads tests/geo/places.tsv (name, lat, lon, country; '#' comments); returns the count. */
static int read_places(place *out, int max) {
    FILE *f = fopen("tests/geo/places.tsv", "r");
    char line[256];
    int n = 0;
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        place *p = &out[n];
        if (sscanf(line, "%63[^\t]\t%lf\t%lf\t%7s", p->name, &p->lat, &p->lon, p->country) == 4)
            n++;
        else
            fprintf(stderr, "places.tsv: bad line: %s", line);
    }
    fclose(f);
    return n;
}

/* Points at sea (docs/geography.md, "Territorial sea"): 12 nautical miles are 22,224 m. */
static const place sea_points[] = {
    /* the Sevastopol waterfront: 249 m from the 1:10m coast, so in the sea there */
    {"Sevastopol waterfront", 44.6167, 33.5254, "UA"},
    /* off Odesa: 5,062 m from the coast (nearest other land: Moldova, 55 km) */
    {"5 km off Odesa", 46.42, 30.85, "UA"},
    /* 29,416 m from the nearest coast (Ukraine's): high seas */
    {"30 km off Odesa", 46.15, 31.00, "-"},
    /* Kerch Strait, either side of the median line: 5,509 m from Crimea's coast at 45.2916N
     * 36.4918E, 6,875 m from the Taman peninsula's; and 7,684 m from Crimea's, 5,360 m from
     * Taman's at 45.2055N 36.5962E */
    {"Kerch Strait, Crimean side", 45.25, 36.53, "UA"},
    {"Kerch Strait, Taman side", 45.25, 36.57, "RU"},
    /* the middle of the Sea of Azov, beyond 12 nm of every coast but split whole by equidistance:
     * 48,316 m from Ukraine's coast (46.6070N 36.2794E), 87,988 m from Russia's (45.4435N
     * 36.8338E) */
    {"Sea of Azov, middle", 46.20, 36.50, "UA"},
    /* a straight coast: Georgia's between Poti and Anaklia (one 26 km edge of the 1:10m coast,
     * nearest point 42.5232N 41.5247E inside it; Russia 84 km away). Geod().inv from the points:
     * 21,930 m (inside 12 nm) and 22,529 m (outside) */
    {"Georgia, 21.9 km offshore", 42.4919, 41.2612, "GE"},
    {"Georgia, 22.5 km offshore", 42.4911, 41.2540, "-"},
    /* a pocket enclosed by Russia's sea is Russia's: the Gulf of Ob, 25,357 m from the coast; a
     * corridor between two countries' seas is no one's: the Gulf of Finland off Helsinki, 29,436 m
     * from Finland's coast and 31,225 m from Estonia's */
    {"Gulf of Ob, middle", 67.50, 73.44, "RU"},
    {"Gulf of Finland, corridor", 59.95, 25.50, "-"},
    /* 500 m either side of the UA-RU land border between Kharkiv and Belgorod (edge 50.2746N
     * 36.5206E - 50.2678N 36.5350E) */
    {"UA, 500 m from the border", 50.26756, 36.52362, "UA"},
    {"RU, 500 m from the border", 50.27482, 36.53191, "RU"},
};

/* 1 when the prepared geometry g covers (lat, lon). */
static int pcovers(GEOSContextHandle_t h, const GEOSPreparedGeometry *g, double lat, double lon) {
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, lon, lat);
    char r = GEOSPreparedCovers_r(h, g, p);
    GEOSGeom_destroy_r(h, p);
    return r == 1;
}

/* 1 when g covers (lat, lon). */
static int covers(GEOSContextHandle_t h, const GEOSGeometry *g, double lat, double lon) {
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, lon, lat);
    char r = GEOSCovers_r(h, g, p);
    GEOSGeom_destroy_r(h, p);
    return r == 1;
}

/* Checks that the zone of every country covers its land, and that on land the zone and the land
 * agree: points 300 m either side of each vertex of the UA-RU and UA-BY land borders are in the
 * same country by both. */
static void check_land(GEOSContextHandle_t h, GEOSGeometry *const *zones, GEOSGeometry *const *land,
                       int nc) {
    for (int i = 0; i < nc; i++) {
        CHECK_EQ_INT(GEOSisValid_r(h, land[i]), 1);
        CHECK_EQ_INT(GEOSCovers_r(h, zones[i], land[i]), 1);
        double za = 0, la = 0;
        GEOSArea_r(h, zones[i], &za);
        GEOSArea_r(h, land[i], &la);
        CHECK(za >= la - 1e-9); /* equal for a landlocked country, up to rounding */
    }
    const char *pairs[][2] = {{"UA", "RU"}, {"UA", "BY"}};
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        int a = cav__borders_find(pairs[k][0]), b = cav__borders_find(pairs[k][1]);
        GEOSGeometry *ba = GEOSBoundary_r(h, land[a]), *bb = GEOSBoundary_r(h, land[b]);
        GEOSGeometry *line = GEOSIntersection_r(h, ba, bb);
        /* the land border lies on both zones' boundaries, vertex for vertex */
        GEOSGeometry *za = GEOSBoundary_r(h, zones[a]), *zb = GEOSBoundary_r(h, zones[b]);
        GEOSGeometry *ra = GEOSDifference_r(h, line, za), *rb = GEOSDifference_r(h, line, zb);
        double lla = 1, llb = 1, len = 0;
        GEOSLength_r(h, ra, &lla);
        GEOSLength_r(h, rb, &llb);
        GEOSLength_r(h, line, &len);
        CHECK(len > 3.0);
        CHECK(lla < 1e-9 && llb < 1e-9);
        GEOSGeometry *pts = GEOSGeom_extractUniquePoints_r(h, line);
        const GEOSPreparedGeometry *prep[4] = {
            GEOSPrepare_r(h, land[a]), GEOSPrepare_r(h, zones[a]), GEOSPrepare_r(h, land[b]),
            GEOSPrepare_r(h, zones[b])};
        int np = GEOSGetNumGeometries_r(h, pts), bad = 0, tested = 0;
        for (int p = 0; p + 1 < np; p += 3) {
            double x0, y0, x1, y1;
            GEOSGeomGetX_r(h, GEOSGetGeometryN_r(h, pts, p), &x0);
            GEOSGeomGetY_r(h, GEOSGetGeometryN_r(h, pts, p), &y0);
            GEOSGeomGetX_r(h, GEOSGetGeometryN_r(h, pts, p + 1), &x1);
            GEOSGeomGetY_r(h, GEOSGetGeometryN_r(h, pts, p + 1), &y1);
            /* 300 m to either side of the point a third of the way along, perpendicular */
            double mx = x0 + (x1 - x0) / 3, my = y0 + (y1 - y0) / 3;
            double kx = 111320.0 * cos(my * 3.14159265358979 / 180), ky = 110574.0;
            double dx = (x1 - x0) * kx, dy = (y1 - y0) * ky, n = sqrt(dx * dx + dy * dy);
            if (n < 1.0)
                continue;
            for (int side = -1; side <= 1; side += 2) {
                double px = mx - side * dy / n * 300 / kx, py = my + side * dx / n * 300 / ky;
                for (int c = 0; c < 2; c++) {
                    int in_land = pcovers(h, prep[2 * c], py, px),
                        in_zone = pcovers(h, prep[2 * c + 1], py, px);
                    bad += in_land != in_zone;
                    tested++;
                }
            }
        }
        printf("%s-%s land border: %d points 300 m off it, %d where zone and land differ\n",
               pairs[k][0], pairs[k][1], tested, bad);
        CHECK(tested > 200);
        CHECK_EQ_INT(bad, 0);
        for (int g = 0; g < 4; g++)
            GEOSPreparedGeom_destroy_r(h, prep[g]);
        GEOSGeometry *all[] = {ba, bb, line, za, zb, ra, rb, pts};
        for (size_t g = 0; g < sizeof all / sizeof *all; g++)
            GEOSGeom_destroy_r(h, all[g]);
    }
}

/* Checks p against the country zones with GEOS and with the locator. */
static void check_place(GEOSContextHandle_t h, GEOSGeometry *const *geoms, const cav_locator *loc,
                        int nc, const place *pl) {
    int want = strcmp(pl->country, "-") == 0 ? -1 : cav__borders_find(pl->country);
    CHECK(want >= 0 || strcmp(pl->country, "-") == 0);
    uint64_t bits[1] = {0};
    cav__locator_find(loc, pl->lat, pl->lon, bits);
    for (int i = 0; i < nc; i++) {
        int g = covers(h, geoms[i], pl->lat, pl->lon);
        int l = (int)((bits[0] >> i) & 1u);
        if (g != (i == want) || l != (i == want))
            fprintf(stderr, "%s: %s GEOS %d locator %d, expected %d\n", pl->name,
                    cav__borders_code(i), g, l, i == want);
        CHECK_EQ_INT(g, i == want);
        CHECK_EQ_INT(l, i == want);
    }
}

int main(void) {
    GEOSContextHandle_t h = GEOS_init_r();
    int n = cav__borders_count();
    CHECK(n >= 12);
    int nc = 0; /* countries come first; regions (test_geo_regions.c) after them */
    while (nc < n && cav__borders_is_country(nc))
        nc++;
    for (int i = nc; i < n; i++)
        CHECK_EQ_INT(cav__borders_is_country(i), 0);

    /* look-up */
    CHECK(cav__borders_find("UA") >= 0);
    CHECK_EQ_INT(cav__borders_find("ua"), cav__borders_find("UA"));
    CHECK_EQ_INT(cav__borders_find("Ua"), cav__borders_find("UA"));
    CHECK_EQ_INT(cav__borders_find("XX"), -1);
    CHECK_EQ_INT(cav__borders_find(""), -1);
    CHECK_EQ_INT(cav__borders_find("UAX"), -1);
    CHECK_EQ_INT(cav__borders_find(NULL), -1);
    CHECK_EQ_STR(cav__borders_code(cav__borders_find("ru")), "RU");
    CHECK_EQ_STR(cav__borders_name(cav__borders_find("RU")), "Russia");
    CHECK_EQ_STR(cav__borders_name(cav__borders_find("UA")), "Ukraine");
    CHECK_EQ_INT(cav__borders_is_country(cav__borders_find("BY")), 1);
    CHECK(cav__borders_code(-1) == NULL);
    CHECK(cav__borders_code(n) == NULL);
    CHECK(cav__borders_geom(h, n) == NULL);
    CHECK(cav__borders_land_geom(h, n) == NULL);
    CHECK(cav__borders_land_geom(h, -1) == NULL);
    const char *required[] = {"UA", "RU", "BY", "MD", "PL", "RO",
                              "SK", "HU", "GE", "LT", "LV", "EE"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        CHECK(cav__borders_find(required[i]) >= 0);

    /* every boundary is a valid, non-empty multipolygon; countries do not overlap */
    GEOSGeometry *geoms[64] = {0};
    CHECK(n <= 64);
    for (int i = 0; i < n && i < 64; i++) {
        geoms[i] = cav__borders_geom(h, i);
        CHECK(geoms[i] != NULL);
        if (!geoms[i])
            return check_done();
        CHECK_EQ_INT(GEOSGeomTypeId_r(h, geoms[i]), GEOS_MULTIPOLYGON);
        CHECK_EQ_INT(GEOSisValid_r(h, geoms[i]), 1);
        double area = 0;
        GEOSArea_r(h, geoms[i], &area);
        CHECK(area > 0.01);
    }
    for (int i = 0; i < nc && i < 64; i++) {
        for (int j = i + 1; j < nc && j < 64; j++) {
            GEOSGeometry *x = GEOSIntersection_r(h, geoms[i], geoms[j]);
            double area = 1;
            if (x)
                GEOSArea_r(h, x, &area);
            if (area > 1e-12)
                fprintf(stderr, "%s and %s overlap by %g\n", cav__borders_code(i),
                        cav__borders_code(j), area);
            CHECK(area <= 1e-12);
            GEOSGeom_destroy_r(h, x);
        }
    }

    /* the land: valid, covered by the zone, the same as the zone on land; a region's land is its
     * zone */
    GEOSGeometry *land[64] = {0};
    for (int i = 0; i < n && i < 64; i++) {
        land[i] = cav__borders_land_geom(h, i);
        CHECK(land[i] != NULL);
        if (!land[i])
            return check_done();
        CHECK_EQ_INT(GEOSGeomTypeId_r(h, land[i]), GEOS_MULTIPOLYGON);
        if (i >= nc)
            CHECK_EQ_INT(GEOSEquals_r(h, land[i], geoms[i]), 1);
    }
    check_land(h, geoms, land, nc);

    /* Crimea: in UA, not in RU; Ukraine's land includes it (about 3.3 square degrees), its zone
     * adds about 5.5 square degrees of sea (48,000 km2, the Sea of Azov's half included) */
    int ua = cav__borders_find("UA"), ru = cav__borders_find("RU");
    CHECK(covers(h, geoms[ua], 44.95, 34.10));
    CHECK(!covers(h, geoms[ru], 44.95, 34.10));
    CHECK(covers(h, geoms[ua], 44.60, 33.52));
    CHECK(!covers(h, geoms[ru], 44.60, 33.52));
    CHECK(covers(h, land[ua], 44.95, 34.10));
    CHECK(!covers(h, land[ru], 44.95, 34.10));
    double ua_area = 0, ua_zone_area = 0;
    GEOSArea_r(h, land[ua], &ua_area);
    GEOSArea_r(h, geoms[ua], &ua_zone_area);
    printf("UA: land %.2f, land and sea %.2f square degrees\n", ua_area, ua_zone_area);
    CHECK(ua_area > 72.0 && ua_area < 76.0);
    CHECK(ua_zone_area > ua_area + 4.5 && ua_zone_area < ua_area + 6.5);
    /* the sea points are at sea: in no country's land */
    for (size_t p = 0; p < sizeof sea_points / sizeof *sea_points; p++) {
        if (strstr(sea_points[p].name, "border"))
            continue;
        for (int i = 0; i < nc; i++)
            CHECK(!covers(h, land[i], sea_points[p].lat, sea_points[p].lon));
    }

    /* named places (tests/geo/places.tsv), through GEOS and through the locator */
    static place places[256];
    int nplaces = read_places(places, 256);
    CHECK(nplaces >= 40);
    static const char *required_places[] = {"Kharkiv", "Belgorod",   "Kursk",      "Moscow",
                                            "Minsk",   "Simferopol", "Sevastopol", "Donetsk",
                                            "Luhansk", "Mariupol",   "Kyiv"};
    for (size_t r = 0; r < sizeof required_places / sizeof *required_places; r++) {
        int found = 0;
        for (int p = 0; p < nplaces; p++)
            found |= strcmp(places[p].name, required_places[r]) == 0;
        if (!found)
            fprintf(stderr, "places.tsv lacks %s\n", required_places[r]);
        CHECK(found);
    }
    cav_locator *loc = cav__locator_new(h, (const GEOSGeometry *const *)geoms, NULL, n, NULL);
    CHECK(loc != NULL);
    if (!loc)
        return check_done();
    CHECK_EQ_INT(cav__locator_words(loc), 1);
    for (int p = 0; p < nplaces; p++)
        check_place(h, geoms, loc, nc, &places[p]);
    for (size_t p = 0; p < sizeof sea_points / sizeof *sea_points; p++)
        check_place(h, geoms, loc, nc, &sea_points[p]);
    cav__locator_free(loc);
    for (int i = 0; i < n && i < 64; i++) {
        GEOSGeom_destroy_r(h, geoms[i]);
        GEOSGeom_destroy_r(h, land[i]);
    }
    GEOS_finish_r(h);
    return check_done();
}
