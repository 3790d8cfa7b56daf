/* borders.c — the embedded boundaries of countries (and, when present, first-level regions).
 *
 * The data are static tables generated from Natural Earth 1:10m by tools/derive-borders and
 * tools/derive-sea (see borders_data.c's header and docs/geography.md): quantized integer
 * coordinates that decode to exactly the doubles topojson-client produces, so two countries' shared
 * border has bit-identical vertices on both sides and GEOS can intersect their boundaries exactly.
 *
 * Each country has two geometries. Its zone (cav__borders_geom) is its land and its territorial
 * sea, 12 nautical miles split between neighbours by equidistance, as docs/semantics.md defines a
 * country for every rule; its land (cav__borders_land_geom) is what maps draw and what border(A, B)
 * is made of. The zone tables are on a grid 16 times finer, so the zone's land borders decode to
 * the same doubles as the land's. Regions are land only: both calls give the same geometry.
 *
 * Quantization leaves a few land rings that touch or cross themselves (a pinch on the
 * Ukraine-Russia border in Luhansk oblast, three in Russia's Arctic islands). Building a polygon
 * repairs an invalid one with GEOS's "structure" MakeValid, which keeps every vertex and only
 * splits rings where they touch, so the repaired polygons still share their vertices with the
 * neighbour. (The derivation checks that the zones are valid as stored.)
 *
 * Regions (src/geo/regions_data.c, LGPL-3+ data from gmt-dcw, conflated to these countries by
 * tools/derive-regions) are a second set of tables of the same layout with a finer scale, listed
 * after the countries; they are compiled in only when the build defines CAV_REGIONS=1 (CMake option
 * CAV_REGIONS, default ON). Without them every look-up of a region fails as for an unknown code.
 *
 * Invariants: the tables are immutable; nothing here holds state. Every geometry returned is new
 * and owned by the caller.
 */
#include "core/alloc.h"
#include "core/num.h"
#include "geo/borders_data.h"
#include "geo/geo.h"

#include <stdlib.h>

/* One set of polygon tables: the countries' land, their zones, or the regions. */
typedef struct border_tables {
    const double *scale; /* lon = x * scale[0] + cav__borders_translate[0], likewise lat */
    const int32_t *poly_ring, *ring_start, *xy;
} border_tables;

static const border_tables land_tables = {cav__borders_scale, cav__borders_poly_ring,
                                          cav__borders_ring_start, cav__borders_xy};
static const border_tables zone_tables = {cav__borders_zone_scale, cav__borders_zone_poly_ring,
                                          cav__borders_zone_ring_start, cav__borders_zone_xy};
#if CAV_REGIONS
static const border_tables region_tables = {cav__regions_scale, cav__regions_poly_ring,
                                            cav__regions_ring_start, cav__regions_xy};
#endif

/* Number of regions embedded (0 without CAV_REGIONS). */
static int region_count(void) {
#if CAV_REGIONS
    return cav__regions_nrecs;
#else
    return 0;
#endif
}

/* Number of boundaries in all tables. */
static int total_recs(void) {
    return cav__borders_nrecs + region_count();
}

/* The record of boundary idx, or NULL when idx is out of range. */
static const cav_border_rec *rec_of(int idx) {
    if (idx < 0)
        return NULL;
    if (idx < cav__borders_nrecs)
        return &cav__borders_recs[idx];
#if CAV_REGIONS
    if (idx - cav__borders_nrecs < cav__regions_nrecs)
        return &cav__regions_recs[idx - cav__borders_nrecs];
#endif
    return NULL;
}

/* Case-insensitive equality of two NUL-terminated ASCII strings. */
static int code_equal(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        if (cav__toupper((unsigned char)*a) != cav__toupper((unsigned char)*b))
            return 0;
    }
    return *a == *b;
}

/* Looks a boundary up by its ISO code, case-insensitive; -1 when absent or code is NULL. */
int cav__borders_find(const char *code) {
    if (!code)
        return -1;
    int n = total_recs();
    for (int i = 0; i < n; i++) {
        if (code_equal(code, rec_of(i)->code))
            return i;
    }
    return -1;
}

/* Number of embedded boundaries. */
int cav__borders_count(void) {
    return total_recs();
}

/* ISO code of boundary idx, or NULL when idx is out of range. */
const char *cav__borders_code(int idx) {
    const cav_border_rec *rec = rec_of(idx);
    return rec ? rec->code : NULL;
}

/* English name of boundary idx, or NULL when idx is out of range. */
const char *cav__borders_name(int idx) {
    const cav_border_rec *rec = rec_of(idx);
    return rec ? rec->name : NULL;
}

/* 1 for a country, 0 for a region or an out-of-range idx. */
int cav__borders_is_country(int idx) {
    const cav_border_rec *rec = rec_of(idx);
    return rec ? rec->is_country : 0;
}

/* A new linear ring for ring r of tables t, or NULL on failure. */
static GEOSGeometry *ring_geom(GEOSContextHandle_t h, const border_tables *t, int r) {
    int32_t first = t->ring_start[r], end = t->ring_start[r + 1];
    unsigned n = (unsigned)(end - first);
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, n, 2);
    if (!seq)
        return NULL;
    for (unsigned i = 0; i < n; i++) {
        const int32_t *q = &t->xy[2 * (first + (int32_t)i)];
        double lon = (double)q[0] * t->scale[0] + cav__borders_translate[0];
        double lat = (double)q[1] * t->scale[1] + cav__borders_translate[1];
        if (!GEOSCoordSeq_setXY_r(h, seq, i, lon, lat)) {
            GEOSCoordSeq_destroy_r(h, seq);
            return NULL;
        }
    }
    return GEOSGeom_createLinearRing_r(h, seq); /* takes seq, even on failure */
}

/* A new polygon for polygon p of tables t, or NULL on failure. */
static GEOSGeometry *polygon_geom(GEOSContextHandle_t h, const border_tables *t, int p) {
    int first = t->poly_ring[p], end = t->poly_ring[p + 1];
    unsigned nholes = (unsigned)(end - first - 1);
    GEOSGeometry *shell = ring_geom(h, t, first);
    GEOSGeometry **holes = NULL;
    if (!shell)
        return NULL;
    if (nholes > 0) {
        holes = cav__calloc(nholes, sizeof *holes);
        if (!holes)
            goto fail;
        for (unsigned i = 0; i < nholes; i++) {
            holes[i] = ring_geom(h, t, first + 1 + (int)i);
            if (!holes[i]) {
                for (unsigned j = 0; j < i; j++)
                    GEOSGeom_destroy_r(h, holes[j]);
                goto fail;
            }
        }
    }
    GEOSGeometry *poly = GEOSGeom_createPolygon_r(h, shell, holes, nholes);
    cav__free(holes);
    return poly;
fail:
    cav__free(holes);
    GEOSGeom_destroy_r(h, shell);
    return NULL;
}

/* Appends the polygons of g (a Polygon or MultiPolygon, consumed) to parts; 0 or -1. */
static int append_parts(GEOSContextHandle_t h, GEOSGeometry *g, GEOSGeometry ***parts, unsigned *n,
                        unsigned *cap) {
    int ng = GEOSGetNumGeometries_r(h, g);
    if (ng < 0)
        goto fail;
    if (*n + (unsigned)ng > *cap) {
        unsigned ncap = (*cap + (unsigned)ng) * 2;
        GEOSGeometry **np = cav__realloc(*parts, ncap * sizeof *np);
        if (!np)
            goto fail;
        *parts = np;
        *cap = ncap;
    }
    if (GEOSGeomTypeId_r(h, g) == GEOS_POLYGON) {
        (*parts)[(*n)++] = g;
        return 0;
    }
    for (int i = 0; i < ng; i++) {
        const GEOSGeometry *sub = GEOSGetGeometryN_r(h, g, i);
        if (GEOSGeomTypeId_r(h, sub) != GEOS_POLYGON)
            continue; /* MakeValid may leave collapsed lines: not area, dropped */
        GEOSGeometry *c = GEOSGeom_clone_r(h, sub);
        if (!c)
            goto fail;
        (*parts)[(*n)++] = c;
    }
    GEOSGeom_destroy_r(h, g);
    return 0;
fail:
    GEOSGeom_destroy_r(h, g);
    return -1;
}

/* Polygon p repaired with the structure method when it is invalid; NULL on failure. */
static GEOSGeometry *valid_polygon(GEOSContextHandle_t h, const border_tables *t, int p) {
    GEOSGeometry *poly = polygon_geom(h, t, p);
    if (!poly || GEOSisValid_r(h, poly) == 1)
        return poly;
    GEOSMakeValidParams *params = GEOSMakeValidParams_create_r(h);
    GEOSGeometry *fixed = NULL;
    if (params && GEOSMakeValidParams_setMethod_r(h, params, GEOS_MAKE_VALID_STRUCTURE) &&
        GEOSMakeValidParams_setKeepCollapsed_r(h, params, 0))
        fixed = GEOSMakeValidWithParams_r(h, poly, params);
    if (params)
        GEOSMakeValidParams_destroy_r(h, params);
    GEOSGeom_destroy_r(h, poly);
    return fixed;
}

/* Builds npolys polygons of tables t from first_poly on as a new MultiPolygon, each polygon
 * repaired when quantization made it invalid (the polygons of one boundary never overlap one
 * another in the source, checked by tests/unit/test_geo_borders.c); NULL on allocation failure. */
static GEOSGeometry *multipolygon(GEOSContextHandle_t h, const border_tables *t, int first_poly,
                                  int npolys) {
    unsigned n = 0, cap = (unsigned)npolys + 4;
    GEOSGeometry **parts = cav__calloc(cap, sizeof *parts);
    if (!parts)
        return NULL;
    for (int i = 0; i < npolys; i++) {
        GEOSGeometry *poly = valid_polygon(h, t, first_poly + i);
        if (!poly || append_parts(h, poly, &parts, &n, &cap) < 0)
            goto fail;
    }
    GEOSGeometry *multi = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, n);
    cav__free(parts);
    return multi;
fail:
    for (unsigned j = 0; j < n; j++)
        GEOSGeom_destroy_r(h, parts[j]);
    cav__free(parts);
    return NULL;
}

/* Builds the land of boundary idx (a region's only geometry); NULL on failure or a bad idx. */
GEOSGeometry *cav__borders_land_geom(GEOSContextHandle_t h, int idx) {
    const cav_border_rec *rec = rec_of(idx);
    if (!rec)
        return NULL;
    if (idx < cav__borders_nrecs)
        return multipolygon(h, &land_tables, rec->first_poly, rec->npolys);
#if CAV_REGIONS
    return multipolygon(h, &region_tables, rec->first_poly, rec->npolys);
#else
    return NULL;
#endif
}

/* Builds the zone of boundary idx: a country's land and territorial sea, a region's land; NULL
 * on failure or a bad idx. */
GEOSGeometry *cav__borders_geom(GEOSContextHandle_t h, int idx) {
    if (idx < 0 || idx >= cav__borders_nrecs)
        return cav__borders_land_geom(h, idx);
    const cav_border_span *span = &cav__borders_zone_spans[idx];
    return multipolygon(h, &zone_tables, span->first_poly, span->npolys);
}
