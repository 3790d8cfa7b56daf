/* geojson.c — zones and areas as RFC 7946 GeoJSON (map.h).
 *
 * The output is meant for QGIS, geojson.io and the like: one FeatureCollection, lon/lat in WGS84
 * rounded to 6 decimals (about 0.1 m, finer than the embedded borders), rings oriented by the
 * right-hand rule (exterior counter-clockwise). The rounding is GEOS snap-rounding to a 1e-6
 * grid, which keeps polygons valid (rounding each vertex alone can make rings that touch cross);
 * it can make neighbouring vertices equal, and such repeats are dropped, and a ring or line left
 * too short is dropped whole, so every written geometry is well-formed. A polygonal geometry is
 * written as polygons only: a GEOS overlay may leave zero-area lines or points in a collection, and
 * GIS tools load a mixed collection badly.
 *
 * Nothing here keeps state; geometries are borrowed.
 */
#include "core/alloc.h"
#include "core/buf.h"
#include "geo/map.h"

#include "caveat.h"
#include "core/num.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_str(cav_buf *t, const char *s) {
    cav__buf_json_str(t, s ? s : "");
}

/* A coordinate rounded to 6 decimals, without trailing zeros ("36.5", "-0" as "0"), with '.'
 * whatever the locale; "null" for a NaN or an infinity, which no zone has. */
static void coord_text(double v, char *buf, size_t size) {
    double r = round(v * 1e6) / 1e6;
    if (r == 0.0)
        r = 0.0; /* no "-0" */
    if (cav__format_fixed(r, 6, buf, size) < 0) {
        snprintf(buf, size, "null");
        return;
    }
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
}

/* A point sequence after rounding, with consecutive repeats dropped. */
typedef struct pts {
    double *xy; /* 2n doubles */
    int n;
} pts;

static int pts_of(GEOSContextHandle_t h, const GEOSCoordSequence *seq, pts *out) {
    unsigned n;
    out->xy = NULL;
    out->n = 0;
    if (!GEOSCoordSeq_getSize_r(h, seq, &n))
        return CAV_EGEO;
    out->xy = cav__malloc(2 * sizeof(double) * (n ? n : 1));
    if (!out->xy)
        return CAV_ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y))
            return CAV_EGEO;
        x = round(x * 1e6) / 1e6;
        y = round(y * 1e6) / 1e6;
        if (out->n > 0 && out->xy[2 * out->n - 2] == x && out->xy[2 * out->n - 1] == y)
            continue;
        out->xy[2 * out->n] = x;
        out->xy[2 * out->n + 1] = y;
        out->n++;
    }
    return 0;
}

/* Twice the signed area of a closed ring (positive: counter-clockwise). */
static double ring_area2(const pts *r) {
    double a = 0;
    for (int i = 0; i + 1 < r->n; i++)
        a += r->xy[2 * i] * r->xy[2 * i + 3] - r->xy[2 * i + 2] * r->xy[2 * i + 1];
    return a;
}

static void write_pts(cav_buf *t, const pts *p, int reverse) {
    char x[32], y[32];
    cav__buf_puts(t, "[");
    for (int k = 0; k < p->n; k++) {
        int i = reverse ? p->n - 1 - k : k;
        coord_text(p->xy[2 * i], x, sizeof x);
        coord_text(p->xy[2 * i + 1], y, sizeof y);
        cav__buf_printf(t, "%s[%s,%s]", k ? "," : "", x, y);
    }
    cav__buf_puts(t, "]");
}

/* ---- geometries ---- */

/* The parts of a geometry of one dimension (0 points, 1 lines, 2 polygons), flattened. */
typedef struct parts {
    const GEOSGeometry **g;
    int n, cap;
} parts;

static int collect(GEOSContextHandle_t h, const GEOSGeometry *g, int dim, parts *out) {
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_MULTIPOINT || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOLYGON ||
        type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) {
            int rc = collect(h, GEOSGetGeometryN_r(h, g, i), dim, out);
            if (rc)
                return rc;
        }
        return 0;
    }
    int d = type == GEOS_POLYGON ? 2 : type == GEOS_POINT ? 0 : 1;
    if (d != dim || GEOSisEmpty_r(h, g))
        return 0;
    if (out->n == out->cap) {
        int cap = out->cap ? 2 * out->cap : 16;
        const GEOSGeometry **ng = cav__realloc(out->g, (size_t)cap * sizeof *ng);
        if (!ng)
            return CAV_ENOMEM;
        out->g = ng;
        out->cap = cap;
    }
    out->g[out->n++] = g;
    return 0;
}

/* Writes one ring oriented as asked (ccw 1: counter-clockwise); returns 1 if written, 0 if it
 * collapsed under rounding, or a negative error. */
static int write_ring(GEOSContextHandle_t h, const GEOSGeometry *ring, int ccw, int comma,
                      cav_buf *t) {
    pts p;
    int rc = pts_of(h, GEOSGeom_getCoordSeq_r(h, ring), &p);
    if (rc == 0 && p.n >= 4) {
        double a = ring_area2(&p);
        if (a != 0.0) {
            if (comma)
                cav__buf_puts(t, ",");
            write_pts(t, &p, (a > 0) != ccw);
            rc = 1;
        }
    }
    cav__free(p.xy);
    return rc;
}

static int write_polygon(GEOSContextHandle_t h, const GEOSGeometry *poly, int comma, cav_buf *t) {
    /* the exterior decides whether the polygon survives rounding: write into a side buffer */
    cav_buf body = {0};
    int rc = write_ring(h, GEOSGetExteriorRing_r(h, poly), 1, 0, &body);
    if (rc == 1) {
        int nholes = GEOSGetNumInteriorRings_r(h, poly);
        for (int i = 0; i < nholes && rc >= 0; i++) {
            int r = write_ring(h, GEOSGetInteriorRingN_r(h, poly, i), 0, 1, &body);
            rc = r < 0 ? r : rc;
        }
        if (rc >= 0 && !body.failed)
            cav__buf_printf(t, "%s[%s]", comma ? "," : "", body.data);
    }
    if (body.failed)
        rc = CAV_ENOMEM;
    cav_buf_free(&body);
    return rc;
}

static int write_geometry(GEOSContextHandle_t h, const GEOSGeometry *g, cav_buf *t) {
    parts ps = {0};
    int rc = 0, dim;
    for (dim = 2; dim >= 0; dim--) {
        if ((rc = collect(h, g, dim, &ps)) != 0 || ps.n > 0)
            break;
    }
    if (rc == 0 && dim == 2) {
        cav__buf_puts(t, "{\"type\": \"MultiPolygon\", \"coordinates\": [");
        int written = 0;
        for (int i = 0; i < ps.n && rc >= 0; i++) {
            int r = write_polygon(h, ps.g[i], written > 0, t);
            rc = r < 0 ? r : 0;
            written += r > 0;
        }
        cav__buf_puts(t, "]}");
    } else if (rc == 0 && dim == 1) {
        cav__buf_puts(t, "{\"type\": \"MultiLineString\", \"coordinates\": [");
        int written = 0;
        for (int i = 0; i < ps.n && rc == 0; i++) {
            pts p;
            rc = pts_of(h, GEOSGeom_getCoordSeq_r(h, ps.g[i]), &p);
            if (rc == 0 && p.n >= 2) {
                if (written++)
                    cav__buf_puts(t, ",");
                write_pts(t, &p, 0);
            }
            cav__free(p.xy);
        }
        cav__buf_puts(t, "]}");
    } else if (rc == 0 && dim == 0) {
        cav__buf_puts(t, "{\"type\": \"MultiPoint\", \"coordinates\": [");
        for (int i = 0; i < ps.n && rc == 0; i++) {
            double x, y;
            char xs[32], ys[32];
            if (!GEOSGeomGetX_r(h, ps.g[i], &x) || !GEOSGeomGetY_r(h, ps.g[i], &y)) {
                rc = CAV_EGEO;
                break;
            }
            coord_text(x, xs, sizeof xs);
            coord_text(y, ys, sizeof ys);
            cav__buf_printf(t, "%s[%s,%s]", i ? "," : "", xs, ys);
        }
        cav__buf_puts(t, "]}");
    } else if (rc == 0) {
        cav__buf_puts(t, "null"); /* nothing left: no location (RFC 7946, 3.2) */
    }
    cav__free(ps.g);
    return rc;
}

int cav__geojson_write(GEOSContextHandle_t h, const cav_map_feature *features, int n,
                       cav_buf *out) {
    cav__buf_puts(out, "{\"type\": \"FeatureCollection\", \"features\": [");
    for (int i = 0; i < n; i++) {
        const cav_map_feature *f = &features[i];
        cav__buf_puts(out, i ? ",\n" : "\n");
        cav__buf_puts(out, "{\"type\": \"Feature\", ");
        if (f->id) {
            cav__buf_puts(out, "\"id\": ");
            json_str(out, f->id);
            cav__buf_puts(out, ", ");
        }
        cav__buf_puts(out, "\"properties\": {");
        for (int k = 0; k < f->nprops && k < CAV_MAP_MAX_PROPS; k++) {
            if (k)
                cav__buf_puts(out, ", ");
            json_str(out, f->keys[k]);
            cav__buf_puts(out, ": ");
            if (f->values[k] && ((f->raw >> k) & 1u))
                cav__buf_puts(out, f->values[k]);
            else if (f->values[k])
                json_str(out, f->values[k]);
            else
                cav__buf_puts(out, "null");
        }
        cav__buf_puts(out, "}, \"geometry\": ");
        /* snap-round to the 6-decimal grid first: rounding vertices one by one could make two
         * rings that touch cross each other; GEOS's snap-rounding keeps the polygons valid */
        if (!f->geom || GEOSisEmpty_r(h, f->geom) != 0) {
            cav__buf_puts(out, "null}");
            continue;
        }
        GEOSGeometry *snapped = f->gridded ? NULL : GEOSGeom_setPrecision_r(h, f->geom, 1e-6, 0);
        int rc = write_geometry(h, snapped ? snapped : f->geom, out);
        if (snapped)
            GEOSGeom_destroy_r(h, snapped);
        if (rc)
            return rc;
        cav__buf_puts(out, "}");
    }
    cav__buf_puts(out, "\n]}\n");
    return out->failed ? CAV_ENOMEM : 0;
}
