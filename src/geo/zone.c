/* zone.c — builds the geometry of a zone expression (geo.h's cav_zone_expr) with GEOS and PROJ.
 *
 * Every zone is a GEOS geometry in longitude/latitude degrees (x = lon, y = lat, WGS84). Countries
 * come from the embedded borders; border(A, B) is the intersection of the two boundaries, exact
 * because neighbours share bit-identical vertices (borders.c); within(D, X), circle() are geodesic
 * buffers computed in local azimuthal-equidistant projections (see geodesic_buffer below); the
 * algebra is GEOS's overlay (OverlayNG, robust on valid input).
 *
 * Error handling: the first failure stops the build; its message (one line, no place) goes to the
 * caller's buffer and the failing node to *err_node, so the policy checker can point at it.
 *
 * Ownership: expression trees are borrowed; every intermediate geometry is freed on every path;
 * the result is new and owned by the caller. Nothing here keeps state between calls: a PROJ
 * context is created per geodesic buffer and destroyed with it, so builds are thread-safe as long
 * as each thread uses its own GEOS context handle.
 */
#include "core/alloc.h"
#include "geo/geo.h"

#include "caveat.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/num.h"

#include <errno.h>
#include <geodesic.h>
#include <jansson.h>
#include <math.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_MAX_DEPTH 64       /* nesting of zone expressions */
#define ZONE_MAX_DISTANCE 2.0e6 /* metres: within() and circle() */
#define ZONE_TILE_DEG 6.0       /* geodesic buffer tiles: keeps AEQD scale error < 0.1% */
#define ZONE_QUADSEGS 16        /* buffer arc segments per quarter circle: chord error 0.12% */
#define ZONE_DENSIFY_DEG 0.05   /* densify edges before projecting (about 5 km) */
#define ZONE_MAX_LAT 85.0       /* geodesic buffers must stay south of this (and north of -) */
#define ZONE_TILE_ORIGIN 0.0137 /* tiles start off whole degrees, away from typical edges */
#define ZONE_PI 3.14159265358979323846
#define ZONE_MAX_VERTICES 1000000 /* of one geojson() or polygon() zone */

/* The state of one cav__zone_build call. */
typedef struct zone_ctx {
    GEOSContextHandle_t h;
    cav_zone_resolver resolve;
    void *ud;
    char *err; /* caller's message buffer */
    size_t errlen;
    const cav_zone_expr **err_node; /* caller's failing-node slot, may be NULL */
    cav_zone_cache *cache;          /* may be NULL */
} zone_ctx;

static int build(zone_ctx *c, const cav_zone_expr *e, int depth, GEOSGeometry **out);

/* Records the failure of node e with a formatted message; returns code. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail(zone_ctx *c, const cav_zone_expr *e, int code, const char *fmt, ...) {
    if (c->err && c->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        cav__vsnprintf_c(c->err, c->errlen, fmt, ap); /* "%g" with '.' in any locale */
        va_end(ap);
        c->err[cav__utf8_complete(c->err, strlen(c->err))] = '\0'; /* a long path cut */
    }
    if (c->err_node)
        *c->err_node = e;
    return code;
}

static void destroy(GEOSContextHandle_t h, GEOSGeometry *g) {
    if (g)
        GEOSGeom_destroy_r(h, g);
}

static int valid_lat(double lat) {
    return isfinite(lat) && lat >= -90.0 && lat <= 90.0;
}
static int valid_lon(double lon) {
    return isfinite(lon) && lon >= -180.0 && lon <= 180.0;
}

/* Writes the codes of the embedded boundaries of one kind ("UA, RU, ...") into buf. */
static void list_codes(int countries, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < cav__borders_count(); i++) {
        if (cav__borders_is_country(i) != countries)
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", cav__borders_code(i));
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, size, "none");
}

/* ---- countries, regions, borders -------------------------------------------------------- */

/* Looks up boundary `code` of the kind e asks for; its index or a failure code. */
static int boundary_index(zone_ctx *c, const cav_zone_expr *e, const char *code, int country) {
    int idx = cav__borders_find(code);
    if (idx >= 0 && cav__borders_is_country(idx) == country)
        return idx;
    char known[256];
    list_codes(country, known, sizeof known);
    if (country)
        return fail(c, e, CAV_EGEO, "unknown country code '%s' (built-in borders: %s)", code,
                    known);
    return fail(c, e, CAV_EGEO, "unknown region code '%s' (built-in regions: %s)", code, known);
}

/* The zone of boundary `code`: a country's land and territorial sea, a region's land (border(A,
 * B), a land border, takes the land alone: border_lines). */
static int boundary_geom(zone_ctx *c, const cav_zone_expr *e, const char *code, int country,
                         GEOSGeometry **out) {
    int idx = boundary_index(c, e, code, country);
    if (idx < 0)
        return idx;
    *out = cav__borders_geom(c->h, idx);
    return *out ? 0 : fail(c, e, CAV_ENOMEM, "out of memory building the border of %s", code);
}

/* The LineStrings of g (any geometry), merged where they join end to end; NULL when g has no
 * line of positive length or on failure. */
static GEOSGeometry *lines_of(GEOSContextHandle_t h, const GEOSGeometry *g) {
    int n = GEOSGetNumGeometries_r(h, g);
    GEOSGeometry **lines = cav__calloc(n > 0 ? (size_t)n : 1, sizeof *lines);
    unsigned nl = 0;
    if (!lines)
        return NULL;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *sub = GEOSGetGeometryN_r(h, g, i);
        int t = GEOSGeomTypeId_r(h, sub);
        if (t == GEOS_MULTILINESTRING || t == GEOS_GEOMETRYCOLLECTION) {
            GEOSGeometry *inner = lines_of(h, sub);
            if (inner) /* a merged (multi)line: the merge below flattens it */
                lines[nl++] = inner;
        } else if (t == GEOS_LINESTRING) {
            double len = 0;
            GEOSGeometry *copy = NULL;
            if (GEOSLength_r(h, sub, &len) == 1 && len > 0 && (copy = GEOSGeom_clone_r(h, sub)))
                lines[nl++] = copy;
        }
    }
    GEOSGeometry *result = NULL;
    if (nl > 0) {
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, lines, nl);
        if (coll) {
            result = GEOSLineMerge_r(h, coll);
            GEOSGeom_destroy_r(h, coll);
        }
    }
    cav__free(lines);
    return result;
}

/* The part of line `line` (a LineString) between linear positions d0 < d1, in degrees. */
static GEOSGeometry *substring(GEOSContextHandle_t h, const GEOSGeometry *line, double d0,
                               double d1) {
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, line);
    unsigned n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n < 2)
        return NULL;
    double *xy = cav__malloc(sizeof(double) * 2 * (n + 2));
    if (!xy)
        return NULL;
    unsigned m = 0;
    double pos = 0, px = 0, py = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
        if (i > 0) {
            double seg = hypot(x - px, y - py), next = pos + seg;
            if (seg > 0 && next > d0 && pos < d1) {
                if (m == 0) { /* entering: the point at d0 */
                    double t = (d0 - pos) / seg;
                    xy[2 * m] = px + t * (x - px);
                    xy[2 * m + 1] = py + t * (y - py);
                    m++;
                }
                if (next >= d1) { /* leaving: the point at d1 */
                    double t = (d1 - pos) / seg;
                    xy[2 * m] = px + t * (x - px);
                    xy[2 * m + 1] = py + t * (y - py);
                    m++;
                    break;
                }
                xy[2 * m] = x;
                xy[2 * m + 1] = y;
                m++;
            }
            pos = next;
        }
        px = x;
        py = y;
    }
    GEOSGeometry *out = NULL;
    if (m >= 2) {
        GEOSCoordSequence *s = GEOSCoordSeq_copyFromBuffer_r(h, xy, m, 0, 0);
        if (s)
            out = GEOSGeom_createLineString_r(h, s);
    }
    cav__free(xy);
    return out;
}

/* Cuts the border lines `lines` to the stretch between the points nearest to e's two points. */
static int cut_between(zone_ctx *c, const cav_zone_expr *e, GEOSGeometry *lines,
                       GEOSGeometry **out) {
    GEOSContextHandle_t h = c->h;
    for (int k = 0; k < 4; k++) {
        if (!(k % 2 ? valid_lon(e->num[k]) : valid_lat(e->num[k])))
            return fail(c, e, CAV_EGEO, "border(%s, %s) between: %g is no valid %s", e->name,
                        e->name2, e->num[k], k % 2 ? "longitude" : "latitude");
    }
    GEOSGeometry *p0 = GEOSGeom_createPointFromXY_r(h, e->num[1], e->num[0]);
    GEOSGeometry *p1 = GEOSGeom_createPointFromXY_r(h, e->num[3], e->num[2]);
    const GEOSGeometry *best = NULL;
    double best_d = INFINITY;
    int rc = 0;
    if (!p0 || !p1) {
        rc = fail(c, e, CAV_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* the component of the border nearest to both points (the larger of the two distances) */
    for (int i = 0; i < GEOSGetNumGeometries_r(h, lines); i++) {
        const GEOSGeometry *l = GEOSGetGeometryN_r(h, lines, i);
        double d0 = INFINITY, d1 = INFINITY;
        GEOSDistance_r(h, l, p0, &d0);
        GEOSDistance_r(h, l, p1, &d1);
        double d = d0 > d1 ? d0 : d1;
        if (d < best_d) {
            best_d = d;
            best = l;
        }
    }
    if (!best) {
        rc = fail(c, e, CAV_EGEO, "border(%s, %s) is empty", e->name, e->name2);
        goto cleanup;
    }
    double a = GEOSProject_r(h, best, p0), b = GEOSProject_r(h, best, p1);
    if (a < 0 || b < 0) {
        rc = fail(c, e, CAV_EGEO, "border(%s, %s): cannot place the points on the border", e->name,
                  e->name2);
        goto cleanup;
    }
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    if (b - a < 1e-9) {
        rc = fail(c, e, CAV_EGEO,
                  "border(%s, %s) between: both points are nearest to the same place on the "
                  "border, so the stretch between them is empty",
                  e->name, e->name2);
        goto cleanup;
    }
    *out = substring(h, best, a, b);
    if (!*out)
        rc = fail(c, e, CAV_ENOMEM, "out of memory cutting border(%s, %s)", e->name, e->name2);
cleanup:
    destroy(h, p0);
    destroy(h, p1);
    return rc;
}

/* The lines of the land border of boundaries ia and ib (named a and b in e), merged; 0 or a
 * failure code. */
static int border_lines(zone_ctx *c, const cav_zone_expr *e, int ia, int ib, GEOSGeometry **out) {
    GEOSContextHandle_t h = c->h;
    GEOSGeometry *ga = cav__borders_land_geom(h, ia), *gb = cav__borders_land_geom(h, ib);
    GEOSGeometry *ba = NULL, *bb = NULL, *ca = NULL, *cb = NULL, *inter = NULL, *lines = NULL;
    int rc;
    if (!ga || !gb) {
        rc = fail(c, e, CAV_ENOMEM, "out of memory building the border of %s",
                  ga ? e->name2 : e->name);
        goto cleanup;
    }
    ba = GEOSBoundary_r(h, ga);
    bb = GEOSBoundary_r(h, gb);
    if (!ba || !bb) {
        rc = fail(c, e, CAV_EGEO, "border(%s, %s): GEOS could not take the boundaries", e->name,
                  e->name2);
        goto cleanup;
    }
    /* Clip each boundary to the other's bounding box first: Russia's is 37,000 vertices long. */
    double ax0, ay0, ax1, ay1, bx0, by0, bx1, by1;
    GEOSGeom_getExtent_r(h, ga, &ax0, &ay0, &ax1, &ay1);
    GEOSGeom_getExtent_r(h, gb, &bx0, &by0, &bx1, &by1);
    double x0 = fmax(ax0, bx0) - 1e-7, y0 = fmax(ay0, by0) - 1e-7;
    double x1 = fmin(ax1, bx1) + 1e-7, y1 = fmin(ay1, by1) + 1e-7;
    if (x0 < x1 && y0 < y1) {
        ca = GEOSClipByRect_r(h, ba, x0, y0, x1, y1);
        cb = GEOSClipByRect_r(h, bb, x0, y0, x1, y1);
        if (ca && cb)
            inter = GEOSIntersection_r(h, ca, cb);
        if (!inter) {
            rc = fail(c, e, CAV_EGEO, "border(%s, %s): GEOS could not intersect the boundaries",
                      e->name, e->name2);
            goto cleanup;
        }
        lines = lines_of(h, inter);
    }
    if (!lines || GEOSisEmpty_r(h, lines) == 1) {
        rc = fail(c, e, CAV_EGEO, "border(%s, %s) is empty: %s and %s share no land border",
                  e->name, e->name2, e->name, e->name2);
        goto cleanup;
    }
    *out = lines;
    lines = NULL;
    rc = 0;
cleanup:
    destroy(h, ga);
    destroy(h, gb);
    destroy(h, ba);
    destroy(h, bb);
    destroy(h, ca);
    destroy(h, cb);
    destroy(h, inter);
    destroy(h, lines);
    return rc;
}

/* Keeps a copy of the lines of border (ia, ib) in the cache, if there is one. Out of memory it
 * keeps nothing: the next zone builds the border again, to the same lines. */
static void keep_border(zone_ctx *c, int ia, int ib, const GEOSGeometry *lines) {
    cav_zone_cache *k = c->cache;
    if (!k)
        return;
    if (k->n == k->cap) {
        int cap = k->cap ? 2 * k->cap : 4;
        void *grown = cav__realloc(k->border, (size_t)cap * sizeof *k->border);
        if (!grown)
            return;
        k->border = grown;
        k->cap = cap;
    }
    GEOSGeometry *copy = GEOSGeom_clone_r(c->h, lines);
    if (copy)
        k->border[k->n++] = (struct cav_kept_border){ia, ib, copy};
}

static int build_border(zone_ctx *c, const cav_zone_expr *e, GEOSGeometry **out) {
    int country_a = strchr(e->name, '-') == NULL, country_b = strchr(e->name2, '-') == NULL;
    int ia = boundary_index(c, e, e->name, country_a), ib;
    if (ia < 0)
        return ia;
    if ((ib = boundary_index(c, e, e->name2, country_b)) < 0)
        return ib;
    if (ia == ib)
        return fail(c, e, CAV_EGEO, "border(%s, %s): a boundary has no border with itself", e->name,
                    e->name2);
    GEOSGeometry *lines = NULL;
    int rc = 0;
    for (int i = 0; c->cache && i < c->cache->n && !lines; i++) {
        const struct cav_kept_border *k = &c->cache->border[i];
        if (k->a == ia && k->b == ib) {
            if (!(lines = GEOSGeom_clone_r(c->h, k->lines)))
                return fail(c, e, CAV_ENOMEM, "out of memory copying border(%s, %s)", e->name,
                            e->name2);
            c->cache->hits++;
        }
    }
    if (!lines) {
        if ((rc = border_lines(c, e, ia, ib, &lines)) < 0)
            return rc;
        keep_border(c, ia, ib, lines);
    }
    if (e->has_between) {
        rc = cut_between(c, e, lines, out);
        destroy(c->h, lines);
    } else {
        *out = lines;
    }
    return rc;
}

/* ---- the antimeridian ------------------------------------------------------------------- */

static int shift_x(double *x, double *y, void *ud) {
    (void)y;
    *x += *(const double *)ud;
    return 1;
}

/* The part of g between longitudes lo and hi, moved by `shift` degrees of longitude; NULL when
 * empty or on failure (*failed set). */
static GEOSGeometry *shifted_part(GEOSContextHandle_t h, const GEOSGeometry *g, double lo,
                                  double hi, double shift, int *failed) {
    GEOSGeometry *part = GEOSClipByRect_r(h, g, lo, -90.0, hi, 90.0);
    if (!part) {
        *failed = 1;
        return NULL;
    }
    if (GEOSisEmpty_r(h, part) == 1 || shift == 0.0) {
        if (GEOSisEmpty_r(h, part) == 1) {
            GEOSGeom_destroy_r(h, part);
            return NULL;
        }
        return part;
    }
    GEOSGeometry *moved = GEOSGeom_transformXY_r(h, part, shift_x, &shift);
    GEOSGeom_destroy_r(h, part);
    *failed |= moved == NULL;
    return moved;
}

/* g, whose longitudes may run past 180 or -180 (a polygon or buffer drawn across the
 * antimeridian in continuous longitudes), brought back into [-180, 180]: the parts beyond are
 * cut at the antimeridian and moved by 360 degrees to the other side, so a zone that crosses
 * the date line covers both sides of it instead of being clipped or turned inside out. Returns
 * a new geometry, or NULL on failure. g is borrowed. */
static GEOSGeometry *wrap_antimeridian(GEOSContextHandle_t h, const GEOSGeometry *g) {
    double x0, y0, x1, y1;
    if (!GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1))
        return NULL;
    if (x0 >= -180.0 && x1 <= 180.0)
        return GEOSGeom_clone_r(h, g);
    if (x0 < -540.0 || x1 > 540.0)
        return NULL; /* more than once round: not a zone on the globe */
    int failed = 0;
    GEOSGeometry *parts[3] = {shifted_part(h, g, -180.0, 180.0, 0.0, &failed),
                              shifted_part(h, g, 180.0, 540.0, -360.0, &failed),
                              shifted_part(h, g, -540.0, -180.0, 360.0, &failed)};
    GEOSGeometry *some[3];
    unsigned n = 0;
    for (int i = 0; i < 3; i++)
        if (parts[i])
            some[n++] = parts[i];
    if (failed || n == 0) {
        for (unsigned i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, some[i]);
        return NULL;
    }
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, some, n);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    destroy(h, coll);
    return u;
}

/* ---- geodesic buffers ------------------------------------------------------------------ */

/* One local projection: PROJ's ellipsoidal azimuthal equidistant centred on (lat0, lon0). */
typedef struct aeqd {
    PJ *pj;
    double lon0; /* degrees: inverse longitudes are unwrapped around it */
} aeqd;

static int to_aeqd(double *x, double *y, void *ud) {
    const aeqd *a = ud;
    PJ_COORD in = proj_coord(proj_torad(*x), proj_torad(*y), 0, 0);
    PJ_COORD o = proj_trans(a->pj, PJ_FWD, in);
    if (!isfinite(o.xy.x) || !isfinite(o.xy.y) || o.xy.x == HUGE_VAL)
        return 0;
    *x = o.xy.x;
    *y = o.xy.y;
    return 1;
}

static int from_aeqd(double *x, double *y, void *ud) {
    const aeqd *a = ud;
    PJ_COORD in = proj_coord(*x, *y, 0, 0);
    PJ_COORD o = proj_trans(a->pj, PJ_INV, in);
    if (!isfinite(o.lp.lam) || !isfinite(o.lp.phi) || o.lp.lam == HUGE_VAL)
        return 0;
    double lon = proj_todeg(o.lp.lam);
    *x = a->lon0 + remainder(lon - a->lon0, 360.0);
    *y = proj_todeg(o.lp.phi);
    return 1;
}

/* Buffers `piece` (lon/lat) by metres in the AEQD centred on (lat0, lon0); NULL on failure. */
static GEOSGeometry *buffer_piece(GEOSContextHandle_t h, PJ_CONTEXT *pctx,
                                  const GEOSGeometry *piece, double lat0, double lon0,
                                  double metres) {
    char def[160];
    /* def is written and read in the "C" locale: under de_DE "%.10f" writes "50,4500000000", and
     * PROJ 9.1 reads numbers by swapping '.' for the locale's decimal point (only its first byte:
     * wrong for ps_AF); either way the projection would be centred elsewhere */
    cav__snprintf_c(def, sizeof def, "+proj=aeqd +lat_0=%.10f +lon_0=%.10f +ellps=WGS84", lat0,
                    lon0);
    locale_t prev = cav__locale_use_c();
    aeqd a = {proj_create(pctx, def), lon0};
    cav__locale_restore(prev);
    GEOSGeometry *dense = NULL, *proj = NULL, *buf = NULL, *back = NULL;
    if (!a.pj)
        return NULL;
    dense = GEOSDensify_r(h, piece, ZONE_DENSIFY_DEG);
    if (dense)
        proj = GEOSGeom_transformXY_r(h, dense, to_aeqd, &a);
    if (proj) {
        GEOSBufferParams *bp = GEOSBufferParams_create_r(h);
        if (bp && GEOSBufferParams_setQuadrantSegments_r(h, bp, ZONE_QUADSEGS))
            buf = GEOSBufferWithParams_r(h, proj, bp, metres);
        if (bp)
            GEOSBufferParams_destroy_r(h, bp);
    }
    if (buf) {
        /* densify the buffer so its edges follow the curve in lon/lat too */
        GEOSGeometry *dbuf = GEOSDensify_r(h, buf, metres * ZONE_PI / (2 * ZONE_QUADSEGS));
        if (dbuf)
            back = GEOSGeom_transformXY_r(h, dbuf, from_aeqd, &a);
        destroy(h, dbuf);
    }
    destroy(h, dense);
    destroy(h, proj);
    destroy(h, buf);
    proj_destroy(a.pj);
    return back;
}

/* The set of points within geodesic distance `metres` of g, as a lon/lat polygon.
 *
 * An azimuthal-equidistant projection keeps distances from its centre exact, but distances near
 * a point at angle c from the centre are stretched by up to c / sin c across the radial
 * direction (0.5% at 10 degrees). So g is cut into 6-degree tiles and each piece is buffered in
 * a projection centred on its own tile: every buffered point lies within about 4.3 degrees plus
 * the distance of its centre. Buffer distributes over union, so the union of the pieces' buffers
 * is the buffer of g. Limits: metres <= 2,000 km; results must stay between 85S and 85N; a
 * buffer that reaches across the antimeridian is continued on the other side of it. */
static int geodesic_buffer(zone_ctx *c, const cav_zone_expr *e, const GEOSGeometry *g,
                           double metres, GEOSGeometry **out) {
    GEOSContextHandle_t h = c->h;
    double x0, y0, x1, y1;
    if (GEOSisEmpty_r(h, g) == 1 || !GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1))
        return fail(c, e, CAV_EGEO, "within(): the zone to buffer is empty");
    double reach = metres / 111000.0 + 0.5;
    if (y1 + reach > ZONE_MAX_LAT || y0 - reach < -ZONE_MAX_LAT)
        return fail(c, e, CAV_ELIMIT,
                    "within(%g m): the buffer would reach beyond %g degrees of latitude, which "
                    "is not supported",
                    metres, ZONE_MAX_LAT);
    PJ_CONTEXT *pctx = proj_context_create();
    if (!pctx)
        return fail(c, e, CAV_ENOMEM, "out of memory creating a PROJ context");
    proj_log_level(pctx, PJ_LOG_NONE);
    int rc = 0;
    size_t cap = 16, n = 0;
    GEOSGeometry **parts = cav__calloc(cap, sizeof *parts);
    GEOSGeometry *coll = NULL, *merged = NULL;
    if (!parts) {
        rc = fail(c, e, CAV_ENOMEM, "out of memory");
        goto cleanup;
    }
    int single = x1 - x0 <= ZONE_TILE_DEG && y1 - y0 <= ZONE_TILE_DEG;
    double tx0 = floor((x0 - ZONE_TILE_ORIGIN) / ZONE_TILE_DEG) * ZONE_TILE_DEG + ZONE_TILE_ORIGIN;
    double ty0 = floor((y0 - ZONE_TILE_ORIGIN) / ZONE_TILE_DEG) * ZONE_TILE_DEG + ZONE_TILE_ORIGIN;
    for (double ty = ty0; single ? ty == ty0 : ty < y1; ty += ZONE_TILE_DEG) {
        for (double tx = tx0; single ? tx == tx0 : tx < x1; tx += ZONE_TILE_DEG) {
            GEOSGeometry *piece =
                single ? GEOSGeom_clone_r(h, g)
                       : GEOSClipByRect_r(h, g, tx, ty, tx + ZONE_TILE_DEG, ty + ZONE_TILE_DEG);
            if (!piece) {
                rc = fail(c, e, CAV_EGEO, "within(): GEOS could not cut the zone into tiles");
                goto cleanup;
            }
            if (GEOSisEmpty_r(h, piece) == 1) {
                GEOSGeom_destroy_r(h, piece);
                continue;
            }
            double px0, py0, px1, py1;
            GEOSGeom_getExtent_r(h, piece, &px0, &py0, &px1, &py1);
            GEOSGeometry *b =
                buffer_piece(h, pctx, piece, (py0 + py1) / 2, (px0 + px1) / 2, metres);
            GEOSGeom_destroy_r(h, piece);
            if (!b) {
                rc = fail(c, e, CAV_EGEO, "within(): the geodesic buffer failed");
                goto cleanup;
            }
            if (n == cap) {
                GEOSGeometry **np = cav__realloc(parts, 2 * cap * sizeof *np);
                if (!np) {
                    GEOSGeom_destroy_r(h, b);
                    rc = fail(c, e, CAV_ENOMEM, "out of memory");
                    goto cleanup;
                }
                parts = np;
                cap *= 2;
            }
            parts[n++] = b;
        }
    }
    coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    n = 0; /* the collection owns the parts now (or freed them on failure) */
    if (coll)
        merged = GEOSUnaryUnion_r(h, coll);
    if (!merged) {
        rc = fail(c, e, CAV_EGEO, "within(): GEOS could not union the buffered tiles");
        goto cleanup;
    }
    /* a buffer that reaches across the antimeridian continues on the other side */
    *out = wrap_antimeridian(h, merged);
    if (!*out)
        rc = fail(c, e, CAV_EGEO, "within(): GEOS could not cut the zone at the antimeridian");
cleanup:
    for (size_t i = 0; i < n; i++)
        GEOSGeom_destroy_r(h, parts[i]);
    cav__free(parts);
    destroy(h, coll);
    destroy(h, merged);
    proj_context_destroy(pctx);
    return rc;
}

static int check_distance(zone_ctx *c, const cav_zone_expr *e, const char *what, double m) {
    if (!isfinite(m) || m <= 0)
        return fail(c, e, CAV_EGEO, "%s: the distance must be a positive number of metres, not %g",
                    what, m);
    if (m > ZONE_MAX_DISTANCE)
        return fail(c, e, CAV_ELIMIT, "%s: %g m is more than the limit of %g km", what, m,
                    ZONE_MAX_DISTANCE / 1000);
    return 0;
}

static int build_within(zone_ctx *c, const cav_zone_expr *e, int depth, GEOSGeometry **out) {
    int rc = check_distance(c, e, "within()", e->num[0]);
    GEOSGeometry *g = NULL;
    if (rc < 0)
        return rc;
    if (!e->a)
        return fail(c, e, CAV_EINVAL, "within() has no zone to measure from");
    if ((rc = build(c, e->a, depth + 1, &g)) < 0)
        return rc;
    rc = geodesic_buffer(c, e, g, e->num[0], out);
    GEOSGeom_destroy_r(c->h, g);
    return rc;
}

static int build_circle(zone_ctx *c, const cav_zone_expr *e, GEOSGeometry **out) {
    if (!valid_lat(e->num[0]) || !valid_lon(e->num[1]))
        return fail(c, e, CAV_EGEO, "circle(): (%g, %g) is no valid latitude, longitude", e->num[0],
                    e->num[1]);
    int rc = check_distance(c, e, "circle()", e->num[2]);
    if (rc < 0)
        return rc;
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(c->h, e->num[1], e->num[0]);
    if (!p)
        return fail(c, e, CAV_ENOMEM, "out of memory");
    rc = geodesic_buffer(c, e, p, e->num[2], out);
    GEOSGeom_destroy_r(c->h, p);
    return rc;
}

/* ---- literals: box, polygon, GeoJSON ------------------------------------------------------ */

/* A polygon from n lon/lat pairs in xy (the ring is closed here when it is open). */
static GEOSGeometry *polygon_from_xy(GEOSContextHandle_t h, double *xy, unsigned n) {
    GEOSCoordSequence *s = GEOSCoordSeq_copyFromBuffer_r(h, xy, n, 0, 0);
    GEOSGeometry *ring = s ? GEOSGeom_createLinearRing_r(h, s) : NULL;
    return ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
}

/* Checks that g (a polygon or multipolygon) is valid and has area; 0 or a failure. */
static int check_polygonal(zone_ctx *c, const cav_zone_expr *e, const char *what,
                           const GEOSGeometry *g) {
    if (GEOSisValid_r(c->h, g) != 1) {
        char *why = GEOSisValidReason_r(c->h, g);
        int rc = fail(c, e, CAV_EGEO, "%s is not a valid polygon: %s", what,
                      why ? why : "unknown reason");
        if (why)
            GEOSFree_r(c->h, why);
        return rc;
    }
    double area = 0;
    if (GEOSArea_r(c->h, g, &area) != 1 || !(area > 0))
        return fail(c, e, CAV_EGEO, "%s has no area", what);
    return 0;
}

static int build_box(zone_ctx *c, const cav_zone_expr *e, GEOSGeometry **out) {
    double lat0 = e->num[0], lon0 = e->num[1], lat1 = e->num[2], lon1 = e->num[3];
    if (!valid_lat(lat0) || !valid_lat(lat1) || !valid_lon(lon0) || !valid_lon(lon1))
        return fail(c, e, CAV_EGEO, "box(%g, %g, %g, %g): a corner is no valid latitude, longitude",
                    lat0, lon0, lat1, lon1);
    if (!(lat0 < lat1) || !(lon0 < lon1))
        return fail(c, e, CAV_EGEO,
                    "box(%g, %g, %g, %g): give the south-west corner first, then the north-east "
                    "one (boxes across the antimeridian are not supported)",
                    lat0, lon0, lat1, lon1);
    double xy[10] = {lon0, lat0, lon1, lat0, lon1, lat1, lon0, lat1, lon0, lat0};
    *out = polygon_from_xy(c->h, xy, 5);
    return *out ? 0 : fail(c, e, CAV_ENOMEM, "out of memory");
}

static int build_polygon(zone_ctx *c, const cav_zone_expr *e, GEOSGeometry **out) {
    if (e->ncoords > ZONE_MAX_VERTICES)
        return fail(c, e, CAV_ELIMIT, "polygon has %d points; the limit is %d", e->ncoords,
                    ZONE_MAX_VERTICES);
    int n = e->ncoords;
    if (!e->coords || n < 3)
        return fail(c, e, CAV_EGEO, "polygon() needs at least 3 points, got %d", n < 0 ? 0 : n);
    for (int i = 0; i < n; i++) {
        if (!valid_lat(e->coords[2 * i]) || !valid_lon(e->coords[2 * i + 1]))
            return fail(c, e, CAV_EGEO,
                        "polygon(): point %d (%g %g) is no valid latitude longitude", i + 1,
                        e->coords[2 * i], e->coords[2 * i + 1]);
    }
    int closed = e->coords[0] == e->coords[2 * (n - 1)] && e->coords[1] == e->coords[2 * n - 1];
    int npts = closed ? n : n + 1;
    if (npts < 4)
        return fail(c, e, CAV_EGEO, "polygon() needs at least 3 distinct points");
    double *xy = cav__malloc(sizeof(double) * 2 * (size_t)npts);
    if (!xy)
        return fail(c, e, CAV_ENOMEM, "out of memory");
    /* Each edge goes the shorter way round, less than 180 degrees of longitude (as in every
     * GIS): longitudes are unwrapped along the ring, so an edge from 170 to -170 crosses the
     * antimeridian (170 to 190) instead of running 340 degrees the other way. */
    for (int i = 0; i < n; i++) {
        double lon = e->coords[2 * i + 1];
        if (i > 0) {
            double step = lon - e->coords[2 * i - 1];
            if (fabs(step) == 180.0) {
                cav__free(xy);
                return fail(c, e, CAV_EGEO,
                            "polygon(): points %d and %d are 180 degrees of longitude apart, so "
                            "the edge between them could go either way round; add a point "
                            "between them",
                            i, i + 1);
            }
            lon = xy[2 * (i - 1)] + remainder(step, 360.0);
        }
        xy[2 * i] = lon;
        xy[2 * i + 1] = e->coords[2 * i];
    }
    if (!closed) {
        xy[2 * n] = xy[0];
        xy[2 * n + 1] = xy[1];
    }
    /* back where it started, or once round the globe: a ring round a pole, which has no inside
     * in these coordinates */
    double closing = xy[2 * (npts - 2)] + remainder(xy[0] - xy[2 * (npts - 2)], 360.0) - xy[0];
    if (fabs(closing) > 1.0) {
        cav__free(xy);
        return fail(c, e, CAV_EGEO,
                    "polygon(): the points go once round the globe (round a pole); a zone "
                    "around a pole is not supported");
    }
    GEOSGeometry *g = polygon_from_xy(c->h, xy, (unsigned)npts);
    cav__free(xy);
    if (!g)
        return fail(c, e, CAV_EGEO, "polygon(): GEOS could not make a ring of the points");
    int rc = check_polygonal(c, e, "polygon()", g);
    GEOSGeometry *wrapped = rc < 0 ? NULL : wrap_antimeridian(c->h, g);
    GEOSGeom_destroy_r(c->h, g);
    if (rc < 0)
        return rc;
    if (!wrapped)
        return fail(c, e, CAV_EGEO, "polygon(): GEOS could not cut the zone at the antimeridian");
    *out = wrapped;
    return 0;
}

/* A GeoJSON linear ring (array of [lon, lat, ...]) as a GEOS ring; writes a reason on failure. */
static GEOSGeometry *json_ring(GEOSContextHandle_t h, json_t *arr, char *why, size_t whylen) {
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    if (!json_is_array(arr) || n < 4) {
        snprintf(why, whylen, "a ring needs an array of at least 4 positions");
        return NULL;
    }
    double *xy = cav__malloc(sizeof(double) * 2 * n);
    if (!xy) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(arr, i);
        json_t *jx = json_array_get(p, 0), *jy = json_array_get(p, 1);
        if (!json_is_number(jx) || !json_is_number(jy) || !valid_lon(json_number_value(jx)) ||
            !valid_lat(json_number_value(jy))) {
            snprintf(why, whylen, "position %zu is not [longitude, latitude] in range", i);
            cav__free(xy);
            return NULL;
        }
        xy[2 * i] = json_number_value(jx);
        xy[2 * i + 1] = json_number_value(jy);
    }
    if (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1]) {
        snprintf(why, whylen, "the ring is not closed (its last position must repeat the first)");
        cav__free(xy);
        return NULL;
    }
    GEOSCoordSequence *s = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)n, 0, 0);
    cav__free(xy);
    GEOSGeometry *ring = s ? GEOSGeom_createLinearRing_r(h, s) : NULL;
    if (!ring)
        snprintf(why, whylen, "GEOS could not make a ring of it");
    return ring;
}

/* A GeoJSON Polygon's "coordinates" as a GEOS polygon; writes a reason on failure. */
static GEOSGeometry *json_polygon(GEOSContextHandle_t h, json_t *rings, char *why, size_t wl) {
    size_t n = json_is_array(rings) ? json_array_size(rings) : 0;
    if (n == 0) {
        snprintf(why, wl, "a Polygon needs an array of rings");
        return NULL;
    }
    GEOSGeometry *shell = json_ring(h, json_array_get(rings, 0), why, wl);
    GEOSGeometry **holes = cav__calloc(n, sizeof *holes);
    if (!shell || !holes) {
        destroy(h, shell);
        cav__free(holes);
        return NULL;
    }
    for (size_t i = 1; i < n; i++) {
        holes[i - 1] = json_ring(h, json_array_get(rings, i), why, wl);
        if (!holes[i - 1]) {
            for (size_t j = 0; j + 1 < i; j++)
                GEOSGeom_destroy_r(h, holes[j]);
            GEOSGeom_destroy_r(h, shell);
            cav__free(holes);
            return NULL;
        }
    }
    GEOSGeometry *p = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)(n - 1));
    cav__free(holes);
    return p;
}

/* A GeoJSON type for a message, with its article: one of the types RFC 7946 defines, else "an
 * object of another type" (a file's own strings are not quoted back). */
static const char *geojson_type_name(const char *type) {
    static const char *const known[][2] = {{"Point", "a Point"},
                                           {"MultiPoint", "a MultiPoint"},
                                           {"LineString", "a LineString"},
                                           {"MultiLineString", "a MultiLineString"},
                                           {"GeometryCollection", "a GeometryCollection"}};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(type, known[i][0]) == 0)
            return known[i][1];
    return "an object of another type";
}

/* Appends the polygons of a GeoJSON geometry, Feature or FeatureCollection to parts (a growing
 * array of capacity *cap); `where` names the object in messages. */
static int json_collect(zone_ctx *c, const cav_zone_expr *e, json_t *obj, const char *where,
                        GEOSGeometry ***parts, size_t *n, size_t *cap) {
    const char *type = json_string_value(json_object_get(obj, "type"));
    char why[160], sub[96];
    if (!type)
        return fail(c, e, CAV_EGEO, "geojson \"%s\": %s has no \"type\"", e->path, where);
    if (strcmp(type, "FeatureCollection") == 0) {
        json_t *fs = json_object_get(obj, "features");
        if (!json_is_array(fs))
            return fail(c, e, CAV_EGEO, "geojson \"%s\": %s has no \"features\" array", e->path,
                        where);
        for (size_t i = 0; i < json_array_size(fs); i++) {
            snprintf(sub, sizeof sub, "features[%zu]", i);
            int rc = json_collect(c, e, json_array_get(fs, i), sub, parts, n, cap);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (strcmp(type, "Feature") == 0) {
        json_t *g = json_object_get(obj, "geometry");
        if (!json_is_object(g))
            return fail(c, e, CAV_EGEO, "geojson \"%s\": %s has no geometry", e->path, where);
        snprintf(sub, sizeof sub, "%s.geometry", where);
        return json_collect(c, e, g, sub, parts, n, cap);
    }
    json_t *coords = json_object_get(obj, "coordinates");
    size_t npolys = 1;
    int multi = strcmp(type, "MultiPolygon") == 0;
    if (multi)
        npolys = json_is_array(coords) ? json_array_size(coords) : 0;
    else if (strcmp(type, "Polygon") != 0)
        return fail(c, e, CAV_EGEO,
                    "geojson \"%s\": %s is %s; a zone needs Polygon or MultiPolygon geometries",
                    e->path, where, geojson_type_name(type));
    for (size_t i = 0; i < npolys; i++) {
        GEOSGeometry *p =
            json_polygon(c->h, multi ? json_array_get(coords, i) : coords, why, sizeof why);
        if (!p)
            return fail(c, e, CAV_EGEO, "geojson \"%s\": %s%s: %s", e->path, where,
                        multi ? " (a polygon of it)" : "", why);
        if (*n == *cap) {
            GEOSGeometry **np = cav__realloc(*parts, 2 * *cap * sizeof *np);
            if (!np) {
                GEOSGeom_destroy_r(c->h, p);
                return fail(c, e, CAV_ENOMEM, "out of memory");
            }
            *parts = np;
            *cap *= 2;
        }
        (*parts)[(*n)++] = p;
        snprintf(why, sizeof why, "geojson \"%s\": %s", e->path, where);
        int rc = check_polygonal(c, e, why, p);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* What went wrong in a GeoJSON text that jansson could not read, in words of our own: jansson's
 * message quotes the text near the error ("near 'root'"), and a geojson() path may name a file
 * that is not GeoJSON at all, whose content must never be echoed. */
static const char *json_problem(const json_error_t *jerr) {
    switch (json_error_code(jerr)) {
    case json_error_out_of_memory: return "out of memory";
    case json_error_stack_overflow: return "nested too deeply";
    case json_error_invalid_utf8: return "not valid UTF-8";
    case json_error_premature_end_of_input: return "the text ends before the JSON value does";
    case json_error_end_of_input_expected: return "more text follows the JSON value";
    case json_error_null_character: return "a NUL character (\\u0000)";
    case json_error_duplicate_key: return "a member given twice in one object";
    case json_error_numeric_overflow: return "a number too large";
    default: return "not valid JSON";
    }
}

static int build_geojson(zone_ctx *c, const cav_zone_expr *e, GEOSGeometry **out) {
    if (!e->path || !*e->path)
        return fail(c, e, CAV_EINVAL, "geojson() has no file name");
    char *own = NULL;
    const char *text = e->data;
    size_t len = e->data_len;
    if (!text) {
        cav_buf why = {0};
        cav_file_rules rules = {
            .max = CAV_MAX_GEOJSON_BYTES, .regular_only = 1, .what = "geojson file"};
        int rc = cav__file_read(e->path, &rules, &own, &len, &why);
        if (rc != 0) {
            rc = fail(c, e, rc, "%s", why.data ? why.data : "out of memory");
            cav_buf_free(&why);
            return rc;
        }
        text = own;
    }
    json_error_t jerr;
    locale_t prev = cav__locale_use_c(); /* jansson reads reals by the locale (core/num.h) */
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    cav__locale_restore(prev);
    cav__free(own);
    if (!root)
        return fail(c, e, CAV_EGEO, "geojson \"%s\" line %d column %d: %s", e->path, jerr.line,
                    jerr.column, json_problem(&jerr));
    size_t n = 0, cap = 8;
    GEOSGeometry **parts = cav__calloc(cap, sizeof *parts);
    GEOSGeometry *coll = NULL;
    int rc = 0;
    if (!parts) {
        rc = fail(c, e, CAV_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = json_collect(c, e, root, "the document", &parts, &n, &cap)) < 0)
        goto cleanup;
    if (n == 0) {
        rc = fail(c, e, CAV_EGEO, "geojson \"%s\" holds no polygon", e->path);
        goto cleanup;
    }
    long vertices = 0;
    for (size_t i = 0; i < n; i++)
        vertices += GEOSGetNumCoordinates_r(c->h, parts[i]);
    if (vertices > ZONE_MAX_VERTICES) {
        rc = fail(c, e, CAV_ELIMIT, "geojson \"%s\" has %ld vertices; the limit is %d", e->path,
                  vertices, ZONE_MAX_VERTICES);
        goto cleanup;
    }
    coll = GEOSGeom_createCollection_r(c->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    n = 0;
    *out = coll ? GEOSUnaryUnion_r(c->h, coll) : NULL;
    if (!*out)
        rc = fail(c, e, CAV_EGEO, "geojson \"%s\": GEOS could not union its polygons", e->path);
cleanup:
    for (size_t i = 0; i < n; i++)
        GEOSGeom_destroy_r(c->h, parts[i]);
    cav__free(parts);
    destroy(c->h, coll);
    json_decref(root);
    return rc;
}

/* ---- algebra and references --------------------------------------------------------------- */

/* The polygons of g only (an overlay of areas may leave lines and points where they touch). */
static GEOSGeometry *polygonal_part(GEOSContextHandle_t h, GEOSGeometry *g) {
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON || t != GEOS_GEOMETRYCOLLECTION)
        return g;
    int n = GEOSGetNumGeometries_r(h, g);
    GEOSGeometry **polys = cav__calloc(n > 0 ? (size_t)n : 1, sizeof *polys);
    unsigned np = 0;
    if (!polys) {
        GEOSGeom_destroy_r(h, g);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *sub = GEOSGetGeometryN_r(h, g, i);
        int st = GEOSGeomTypeId_r(h, sub);
        if (st == GEOS_POLYGON || st == GEOS_MULTIPOLYGON)
            polys[np++] = GEOSGeom_clone_r(h, sub);
    }
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, polys, np);
    cav__free(polys);
    GEOSGeom_destroy_r(h, g);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    destroy(h, coll);
    return u;
}

static int build_overlay(zone_ctx *c, const cav_zone_expr *e, int depth, GEOSGeometry **out) {
    GEOSGeometry *ga = NULL, *gb = NULL, *r = NULL;
    const char *op = e->kind == CAV_ZONE_UNION ? "|" : e->kind == CAV_ZONE_INTERSECT ? "&" : "-";
    int rc;
    if (!e->a || !e->b)
        return fail(c, e, CAV_EINVAL, "'%s' needs two zones", op);
    if ((rc = build(c, e->a, depth + 1, &ga)) < 0 || (rc = build(c, e->b, depth + 1, &gb)) < 0)
        goto cleanup;
    if (e->kind == CAV_ZONE_UNION)
        r = GEOSUnion_r(c->h, ga, gb);
    else if (e->kind == CAV_ZONE_INTERSECT)
        r = GEOSIntersection_r(c->h, ga, gb);
    else
        r = GEOSDifference_r(c->h, ga, gb);
    if (!r) {
        rc = fail(c, e, CAV_EGEO, "GEOS could not compute the zone operation '%s'", op);
        goto cleanup;
    }
    if (GEOSGeom_getDimensions_r(c->h, ga) == 2 && GEOSGeom_getDimensions_r(c->h, gb) == 2) {
        r = polygonal_part(c->h, r);
        if (!r) {
            rc = fail(c, e, CAV_ENOMEM, "out of memory");
            goto cleanup;
        }
    }
    if (GEOSisEmpty_r(c->h, r) == 1 && e->kind != CAV_ZONE_UNION) {
        rc = fail(c, e, CAV_EGEO,
                  e->kind == CAV_ZONE_INTERSECT
                      ? "the zones on either side of '&' do not overlap: the intersection is empty"
                      : "the zone left of '-' lies wholly inside the one right of it: the "
                        "difference is empty");
        goto cleanup;
    }
    *out = r;
    r = NULL;
cleanup:
    destroy(c->h, ga);
    destroy(c->h, gb);
    destroy(c->h, r);
    return rc;
}

static int build_ref(zone_ctx *c, const cav_zone_expr *e, GEOSGeometry **out) {
    const GEOSGeometry *g = c->resolve ? c->resolve(c->ud, e->name) : NULL;
    if (!g)
        return fail(c, e, CAV_EGEO, "unknown zone '%s'", e->name);
    *out = GEOSGeom_clone_r(c->h, g);
    return *out ? 0 : fail(c, e, CAV_ENOMEM, "out of memory");
}

static int build(zone_ctx *c, const cav_zone_expr *e, int depth, GEOSGeometry **out) {
    *out = NULL;
    if (!e)
        return fail(c, e, CAV_EINVAL, "missing zone expression");
    if (depth > ZONE_MAX_DEPTH)
        return fail(c, e, CAV_ELIMIT, "zone expression nested more than %d deep", ZONE_MAX_DEPTH);
    switch (e->kind) {
    case CAV_ZONE_COUNTRY: return boundary_geom(c, e, e->name, 1, out);
    case CAV_ZONE_REGION: return boundary_geom(c, e, e->name, 0, out);
    case CAV_ZONE_BORDER: return build_border(c, e, out);
    case CAV_ZONE_WITHIN: return build_within(c, e, depth, out);
    case CAV_ZONE_CIRCLE: return build_circle(c, e, out);
    case CAV_ZONE_BOX: return build_box(c, e, out);
    case CAV_ZONE_POLYGON: return build_polygon(c, e, out);
    case CAV_ZONE_GEOJSON: return build_geojson(c, e, out);
    case CAV_ZONE_UNION:
    case CAV_ZONE_INTERSECT:
    case CAV_ZONE_DIFF: return build_overlay(c, e, depth, out);
    case CAV_ZONE_REF: return build_ref(c, e, out);
    }
    return fail(c, e, CAV_EINVAL, "unknown zone kind %d", (int)e->kind);
}

/* Builds the geometry of e (see geo.h): 0 and a new geometry in *out, or a negative CAV_E* code
 * with a one-line message in err and the failing node in *err_node. */
int cav__zone_build_cached(GEOSContextHandle_t h, const cav_zone_expr *e, cav_zone_resolver resolve,
                           void *ud, cav_zone_cache *cache, GEOSGeometry **out, char *err,
                           size_t errlen, const cav_zone_expr **err_node) {
    zone_ctx c = {h, resolve, ud, err, errlen, err_node, cache};
    if (err && errlen)
        err[0] = '\0';
    if (err_node)
        *err_node = NULL;
    if (!out)
        return CAV_EINVAL;
    *out = NULL;
    if (!h)
        return fail(&c, e, CAV_EINVAL, "no GEOS context");
    return build(&c, e, 0, out);
}

int cav__zone_build(GEOSContextHandle_t h, const cav_zone_expr *e, cav_zone_resolver resolve,
                    void *ud, GEOSGeometry **out, char *err, size_t errlen,
                    const cav_zone_expr **err_node) {
    return cav__zone_build_cached(h, e, resolve, ud, NULL, out, err, errlen, err_node);
}

void cav__zone_cache_free(GEOSContextHandle_t h, cav_zone_cache *cache) {
    for (int i = 0; i < cache->n; i++)
        GEOSGeom_destroy_r(h, cache->border[i].lines);
    cav__free(cache->border);
    *cache = (cav_zone_cache){0};
}
