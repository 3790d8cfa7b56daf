/* mapdraw.c — zones and permitted areas drawn as a map for publication: SVG, PNG, PDF (map.h).
 *
 * The map is for people: a reader glancing at where a use is permitted must recognise the
 * countries at once, see the band across the border apart from Ukraine itself, tell a disputed
 * permission and an assumed line from a sourced one, and find who made the map from what. So it
 * draws, bottom to top: sea, the countries' land (Ukraine lighter than its neighbours), a
 * graticule, the areas (permitted inside Ukraine in green, across the border in blue,
 * indeterminate in amber, changes of a diff), the zones, disputed permissions hatched, assumed
 * zones as dashed outlines, the first-level regions as thin lines, the country borders (Ukraine's
 * stronger), marks for the assumed zones, country names at each country's pole of inaccessibility,
 * places, and a scale bar. The title stands above; the legend, the notes and the projection to
 * the right; the credit line at the foot.
 *
 * Projection: Lambert conformal conic through PROJ (ellipsoid WGS84), centred on the view, with
 * standard parallels at one sixth and five sixths of its latitudes, so shapes and angles are true
 * and the scale varies by well under 1% across a regional map. Geometries are clipped in lon/lat
 * to the view widened by a quarter (the projected frame's corners reach a little beyond the
 * lon/lat box), projected straight to page pixels, clipped to the frame and simplified to a
 * quarter pixel, which keeps a map of Russia's 1:10m border small.
 *
 * The map is composed into a canvas (geo/canvas.h), where text is measured with pango, and the
 * canvas is written as SVG or drawn with cairo: the three formats show the same map.
 * Geometries are borrowed; every geometry made here is freed here.
 */
#include "geo/canvas.h"
#include "geo/geo.h"
#include "geo/map.h"

#include "caveat.h"
#include "core/alloc.h"
#include "core/num.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MAX_W 1000.0 /* px: the map's largest width ... */
#define MAP_MAX_H 800.0  /* ... and height; the view's shape decides which binds */
#define LEGEND_W 380.0   /* px: the legend column right of the map */
#define PAD 16.0         /* px between blocks */
#define DEG_RAD (3.14159265358979323846 / 180.0)
#define MAX_LABELS 512

/* ---- colours ---- */

#define SEA 0xdfe9f0u
#define LAND_UA 0xfdfcf7u
#define LAND 0xece7dbu
#define BORDER 0x6a6a6au
#define BORDER_UA 0x3c3c3cu
#define REGION_LINE 0x8c8c8cu
#define GRATICULE 0xc3ced8u
#define TEXT 0x1a1a1au
#define TEXT_SOFT 0x555555u

/* Zones' colours (ColorBrewer Dark2, colour-blind safe in pairs). */
static const uint32_t palette[] = {0xd95f02, 0x7570b3, 0xe7298a, 0x1b9e77,
                                   0xe6ab02, 0xa6761d, 0x666666, 0x66a61e};

/* The paint of each layer style; zones take their palette colour. */
static const struct style_paint {
    cav_paint paint;
    const char *cls;
    int draw_order; /* lower first */
} styles[CAV_LAYER_STYLES] = {
    [CAV_LAYER_ZONE] = {{0, 0.35, 0, 1.8, 1, 0, 0, 0}, "zone", 4},
    [CAV_LAYER_AREA] = {{0x39a845, 0.55, 0x1d6b2a, 1.2, 1, 0, 0, 0}, "permitted-ukraine", 1},
    [CAV_LAYER_CONTEXT] = {{CAV_NONE, 0, 0, 2, 1, 7, 4, 0}, "zone-context", 6},
    [CAV_LAYER_ABROAD] = {{0x2166ac, 0.55, 0x0b3d6e, 1.4, 1, 0, 0, 0}, "permitted-abroad", 1},
    [CAV_LAYER_INDETERMINATE] = {{0xf0a30a, 0.6, 0xa86a00, 0.8, 1, 0, 0, 0}, "indeterminate", 3},
    [CAV_LAYER_DISPUTED] = {{0x7b1fa2, 1, 0x7b1fa2, 1.2, 1, 0, 0, 1}, "disputed", 5},
    [CAV_LAYER_ASSUMED] = {{CAV_NONE, 0, 0x333333, 1.8, 1, 6, 3, 0}, "assumed-zone", 6},
    [CAV_LAYER_SAME] = {{0x39a845, 0.35, 0x1d6b2a, 0.8, 1, 0, 0, 0}, "same-ukraine", 1},
    [CAV_LAYER_SAME_ABROAD] = {{0x2166ac, 0.3, 0x0b3d6e, 0.8, 1, 0, 0, 0}, "same-abroad", 1},
    [CAV_LAYER_GREW] = {{0x1b7837, 0.8, 0x0d3d1b, 1.8, 1, 0, 0, 0}, "grew-ukraine", 2},
    [CAV_LAYER_GREW_ABROAD] = {{0x08306b, 0.75, 0x041a3a, 1.8, 1, 0, 0, 0}, "grew-abroad", 2},
    [CAV_LAYER_SHRANK] = {{0xc62828, 1, 0xc62828, 1.6, 1, 0, 0, 1}, "shrank", 2},
};

/* Places for orientation, most important first: a place is left out where its label would cover
 * one placed before it. */
static const struct place {
    const char *name;
    double lat, lon;
} places[] = {
    {"Kyiv", 50.45, 30.52},         {"Kharkiv", 49.99, 36.23},       {"Moscow", 55.76, 37.62},
    {"Belgorod", 50.60, 36.59},     {"Kursk", 51.73, 36.19},         {"Sumy", 50.91, 34.80},
    {"Bryansk", 53.24, 34.36},      {"Voronezh", 51.67, 39.18},      {"Donetsk", 48.00, 37.80},
    {"Luhansk", 48.57, 39.31},      {"Rostov-on-Don", 47.24, 39.71}, {"Taganrog", 47.21, 38.94},
    {"Yeysk", 46.71, 38.27},        {"Odesa", 46.48, 30.72},         {"Lviv", 49.84, 24.03},
    {"Dnipro", 48.46, 35.05},       {"Zaporizhzhia", 47.84, 35.14},  {"Mariupol", 47.10, 37.55},
    {"Kherson", 46.64, 32.61},      {"Simferopol", 44.95, 34.10},    {"Sevastopol", 44.62, 33.53},
    {"Chernihiv", 51.50, 31.29},    {"Poltava", 49.59, 34.55},       {"Kramatorsk", 48.74, 37.58},
    {"Kupiansk", 49.71, 37.62},     {"Vovchansk", 50.29, 36.94},     {"Sudzha", 51.19, 35.27},
    {"Oryol", 52.97, 36.07},        {"Lipetsk", 52.61, 39.57},       {"Krasnodar", 45.04, 38.98},
    {"Novorossiysk", 44.72, 37.77}, {"Minsk", 53.90, 27.57},         {"Warsaw", 52.23, 21.01},
    {"Chisinau", 47.01, 28.86},     {"Bucharest", 44.43, 26.10},     {"Vilnius", 54.69, 25.28},
    {"Riga", 56.95, 24.11},         {"St Petersburg", 59.94, 30.31}, {"Helsinki", 60.17, 24.94},
    {"Smolensk", 54.78, 32.04},     {"Tula", 54.19, 37.62},          {"Volgograd", 48.71, 44.51},
    {"Murmansk", 68.97, 33.08},     {"Tbilisi", 41.72, 44.79},       {"Arkhangelsk", 64.54, 40.54}};

/* ---- the view: projection, frame, placed labels ---- */

typedef struct view {
    double lon0, lat0, lon1, lat1; /* the lon/lat box asked for */
    double clip[4];                /* lon/lat box geometries are cut to before projecting */
    PJ_CONTEXT *pctx;
    PJ *pj;                    /* lon/lat (radians) to Lambert conformal conic metres */
    double X0, Y0, X1, Y1;     /* the frame in projected metres */
    double k;                  /* px per projected metre */
    double ox, oy, w, h;       /* the frame on the page, px */
    double box[MAX_LABELS][4]; /* labels placed so far: x0, y0, x1, y1 */
    int nbox;
    cav_canvas *cv;
    GEOSContextHandle_t geos;
} view;

static int to_metres(const view *v, double lon, double lat, double *x, double *y) {
    PJ_COORD o = proj_trans(v->pj, PJ_FWD, proj_coord(proj_torad(lon), proj_torad(lat), 0, 0));
    if (!isfinite(o.xy.x) || !isfinite(o.xy.y) || o.xy.x == HUGE_VAL)
        return 0;
    *x = o.xy.x, *y = o.xy.y;
    return 1;
}

/* lon/lat degrees to page px; 0 when PROJ fails (a point it cannot project). */
static int to_px(const view *v, double lon, double lat, double *x, double *y) {
    double mx, my;
    if (!to_metres(v, lon, lat, &mx, &my))
        return 0;
    *x = v->ox + (mx - v->X0) * v->k;
    *y = v->oy + (v->Y1 - my) * v->k;
    return 1;
}

static int px_cb(double *x, double *y, void *ud) {
    return to_px(ud, *x, *y, x, y);
}

/* Places a label box if it lies inside the frame and over no other label; 1 if placed. */
static int place(view *v, double x0, double y0, double x1, double y1) {
    if (x0 < v->ox + 2 || x1 > v->ox + v->w - 2 || y0 < v->oy + 2 || y1 > v->oy + v->h - 2)
        return 0;
    for (int i = 0; i < v->nbox; i++)
        if (x0 < v->box[i][2] && v->box[i][0] < x1 && y0 < v->box[i][3] && v->box[i][1] < y1)
            return 0;
    if (v->nbox < MAX_LABELS) {
        double *b = v->box[v->nbox++];
        b[0] = x0, b[1] = y0, b[2] = x1, b[3] = y1;
    }
    return 1;
}

static int envelope(GEOSContextHandle_t h, const GEOSGeometry *g, double e[4]) {
    return g && GEOSisEmpty_r(h, g) == 0 && GEOSGeom_getXMin_r(h, g, &e[0]) &&
           GEOSGeom_getYMin_r(h, g, &e[1]) && GEOSGeom_getXMax_r(h, g, &e[2]) &&
           GEOSGeom_getYMax_r(h, g, &e[3]);
}

/* The default region: Ukraine and Russia west of 45E, with half a degree around. */
static void default_region(GEOSContextHandle_t h, double r[4]) {
    int ua = cav__borders_find("UA"), ru = cav__borders_find("RU");
    GEOSGeometry *gua = ua >= 0 ? cav__borders_land_geom(h, ua) : NULL;
    GEOSGeometry *gru = ru >= 0 ? cav__borders_land_geom(h, ru) : NULL;
    GEOSGeometry *west = gru ? GEOSClipByRect_r(h, gru, 10, 35, 45, 72) : NULL;
    double a[4], b[4];
    if (envelope(h, gua, a) && envelope(h, west, b)) {
        r[0] = fmin(a[0], b[0]) - 0.5, r[1] = fmin(a[1], b[1]) - 0.5;
        r[2] = fmax(a[2], b[2]) + 0.5, r[3] = fmax(a[3], b[3]) + 0.5;
    } else { /* no boundary data: the same box, from the 2024 data */
        r[0] = 19.1, r[1] = 40.9, r[2] = 45.5, r[3] = 70.4;
    }
    GEOSGeometry *all[3] = {gua, gru, west};
    for (int i = 0; i < 3; i++)
        if (all[i])
            GEOSGeom_destroy_r(h, all[i]);
}

/* The region of the map: m's view; else the layers' box with a margin (at least 12 x 7 degrees,
 * so that the countries around are recognisable) when it fits a regional map (60 x 40 degrees);
 * else the default region. */
static void choose_region(GEOSContextHandle_t h, const cav_map_spec *m, double r[4]) {
    if (m->has_view) {
        r[0] = m->lon0, r[1] = m->lat0, r[2] = m->lon1, r[3] = m->lat1;
        return;
    }
    default_region(h, r);
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, g[4];
    int any = 0;
    for (int i = 0; i < m->nlayers; i++)
        if (envelope(h, m->layers[i].geom, g)) {
            any = 1;
            e[0] = fmin(e[0], g[0]), e[1] = fmin(e[1], g[1]);
            e[2] = fmax(e[2], g[2]), e[3] = fmax(e[3], g[3]);
        }
    if (!any || e[2] - e[0] > 60 || e[3] - e[1] > 40)
        return;
    double mx = fmax(0.12 * (e[2] - e[0]), 0.5), my = fmax(0.12 * (e[3] - e[1]), 0.5);
    r[0] = e[0] - mx, r[1] = e[1] - my, r[2] = e[2] + mx, r[3] = e[3] + my;
    static const double min_span[2] = {12, 7};
    for (int k = 0; k < 2; k++) {
        double span = r[k + 2] - r[k];
        if (span < min_span[k])
            r[k] -= (min_span[k] - span) / 2, r[k + 2] += (min_span[k] - span) / 2;
    }
    r[0] = fmax(r[0], -180), r[2] = fmin(r[2], 180);
    r[1] = fmax(r[1], -85), r[3] = fmin(r[3], 85);
}

/* Sets up the projection for the lon/lat box r and the frame at (ox, oy); 0 or CAV_E*. */
static int make_view(view *v, const double r[4], double ox, double oy) {
    v->lon0 = r[0], v->lat0 = r[1], v->lon1 = r[2], v->lat1 = r[3];
    double dlat = r[3] - r[1], dlon = r[2] - r[0];
    char def[256];
    cav__snprintf_c(def, sizeof def,
                    "+proj=lcc +lat_0=%.6f +lon_0=%.6f +lat_1=%.6f +lat_2=%.6f +ellps=WGS84",
                    (r[1] + r[3]) / 2, (r[0] + r[2]) / 2, r[1] + dlat / 6, r[3] - dlat / 6);
    v->pctx = proj_context_create();
    if (!v->pctx)
        return CAV_ENOMEM;
    proj_log_level(v->pctx, PJ_LOG_NONE);
    locale_t prev = cav__locale_use_c(); /* PROJ 9.1 reads numbers by the locale */
    v->pj = proj_create(v->pctx, def);
    cav__locale_restore(prev);
    if (!v->pj)
        return CAV_EINVAL;
    /* the frame: the projected box's extent (its edges sampled, since parallels are arcs) */
    v->X0 = v->Y0 = INFINITY, v->X1 = v->Y1 = -INFINITY;
    for (int i = 0; i <= 64; i++) {
        double t = i / 64.0, pts[4][2] = {{r[0] + t * dlon, r[1]},
                                          {r[0] + t * dlon, r[3]},
                                          {r[0], r[1] + t * dlat},
                                          {r[2], r[1] + t * dlat}};
        for (int k = 0; k < 4; k++) {
            double x, y;
            if (!to_metres(v, pts[k][0], pts[k][1], &x, &y))
                return CAV_EINVAL;
            v->X0 = fmin(v->X0, x), v->X1 = fmax(v->X1, x);
            v->Y0 = fmin(v->Y0, y), v->Y1 = fmax(v->Y1, y);
        }
    }
    if (!(v->X1 > v->X0) || !(v->Y1 > v->Y0))
        return CAV_EINVAL;
    v->k = fmin(MAP_MAX_W / (v->X1 - v->X0), MAP_MAX_H / (v->Y1 - v->Y0));
    v->w = (v->X1 - v->X0) * v->k, v->h = (v->Y1 - v->Y0) * v->k;
    v->ox = ox, v->oy = oy;
    v->clip[0] = fmax(r[0] - dlon / 4, -180), v->clip[2] = fmin(r[2] + dlon / 4, 180);
    v->clip[1] = fmax(r[1] - dlat / 4, -89), v->clip[3] = fmin(r[3] + dlat / 4, 89);
    return 0;
}

static void view_free(view *v) {
    if (v->pj)
        proj_destroy(v->pj);
    if (v->pctx)
        proj_context_destroy(v->pctx);
}

/* g (lon/lat) in page px, clipped to the frame (plus a few px) and simplified to a quarter px; a
 * new geometry, or NULL when nothing of g is in view (or GEOS or PROJ failed). */
static GEOSGeometry *fit(GEOSContextHandle_t h, view *v, const GEOSGeometry *g) {
    double e[4];
    if (!envelope(h, g, e) || e[2] < v->clip[0] || e[0] > v->clip[2] || e[3] < v->clip[1] ||
        e[1] > v->clip[3])
        return NULL;
    GEOSGeometry *c = GEOSClipByRect_r(h, g, v->clip[0], v->clip[1], v->clip[2], v->clip[3]);
    GEOSGeometry *p = c && !GEOSisEmpty_r(h, c) ? GEOSGeom_transformXY_r(h, c, px_cb, v) : NULL;
    GEOSGeometry *f =
        p ? GEOSClipByRect_r(h, p, v->ox - 4, v->oy - 4, v->ox + v->w + 4, v->oy + v->h + 4) : NULL;
    GEOSGeometry *s = f && !GEOSisEmpty_r(h, f) ? GEOSTopologyPreserveSimplify_r(h, f, 0.25) : NULL;
    GEOSGeometry *all[3] = {c, p, f};
    for (int i = 0; i < 3; i++)
        if (all[i])
            GEOSGeom_destroy_r(h, all[i]);
    if (s && GEOSisEmpty_r(h, s)) {
        GEOSGeom_destroy_r(h, s);
        return NULL;
    }
    return s;
}

/* ---- geometry to canvas paths (page px) ---- */

static void ring_path(GEOSContextHandle_t h, cav_canvas *cv, const GEOSGeometry *ring, int close) {
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n < 2)
        return;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y))
            return;
        if (i == 0)
            cav__canvas_move(cv, x, y);
        else
            cav__canvas_line(cv, x, y);
    }
    if (close)
        cav__canvas_close(cv);
}

/* Adds g's polygon rings (lines 0) or its lines (lines 1) to the open path: the two are drawn
 * apart, since a filled open path would fill the area a line encloses. Returns how many. */
static int geom_path(GEOSContextHandle_t h, cav_canvas *cv, const GEOSGeometry *g, int lines) {
    int n = 0;
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POLYGON:
        if (lines)
            break;
        ring_path(h, cv, GEOSGetExteriorRing_r(h, g), 1);
        for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); i++)
            ring_path(h, cv, GEOSGetInteriorRingN_r(h, g, i), 1);
        n = 1;
        break;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        if (lines)
            ring_path(h, cv, g, 0), n = 1;
        break;
    case GEOS_MULTIPOLYGON:
    case GEOS_MULTILINESTRING:
    case GEOS_GEOMETRYCOLLECTION:
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            n += geom_path(h, cv, GEOSGetGeometryN_r(h, g, i), lines);
        break;
    default: break; /* points have no path */
    }
    return n;
}

/* Draws a fitted geometry: its polygons with the paint, its lines stroked 3 px. */
static void draw_geom(GEOSContextHandle_t h, cav_canvas *cv, const GEOSGeometry *f,
                      const cav_paint *paint, const char *cls) {
    cav__canvas_path_begin(cv, paint, cls);
    geom_path(h, cv, f, 0);
    cav__canvas_path_end(cv);
    cav_paint line = *paint;
    line.fill = CAV_NONE;
    line.hatch = 0;
    if (line.stroke == CAV_NONE)
        line.stroke = paint->fill;
    line.stroke_width = 3;
    cav__canvas_path_begin(cv, &line, cls);
    geom_path(h, cv, f, 1);
    cav__canvas_path_end(cv);
}

/* ---- text helpers ---- */

static cav_text_style tstyle(double size, int bold, uint32_t colour) {
    cav_text_style st = {size, bold, 0, CAV_ANCHOR_START, colour, 0};
    return st;
}

/* The centre (px) and radius of the largest circle inside the largest polygon of f (px). */
static int pole(GEOSContextHandle_t h, const GEOSGeometry *f, double *cx, double *cy, double *r) {
    const GEOSGeometry *best = NULL;
    double best_area = 0;
    int n = GEOSGetNumGeometries_r(h, f);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, f, i);
        double a = 0;
        if (GEOSGeomTypeId_r(h, part) == GEOS_POLYGON && GEOSArea_r(h, part, &a) && a > best_area)
            best = part, best_area = a;
    }
    if (!best)
        return 0;
    GEOSGeometry *mic = GEOSMaximumInscribedCircle_r(h, best, 2.0);
    GEOSGeometry *p0 = mic ? GEOSGeomGetStartPoint_r(h, mic) : NULL;
    GEOSGeometry *p1 = mic ? GEOSGeomGetEndPoint_r(h, mic) : NULL;
    double x1, y1;
    int ok = p0 && p1 && GEOSGeomGetX_r(h, p0, cx) && GEOSGeomGetY_r(h, p0, cy) &&
             GEOSGeomGetX_r(h, p1, &x1) && GEOSGeomGetY_r(h, p1, &y1);
    if (ok)
        *r = hypot(x1 - *cx, y1 - *cy);
    GEOSGeometry *all[3] = {mic, p0, p1};
    for (int i = 0; i < 3; i++)
        if (all[i])
            GEOSGeom_destroy_r(h, all[i]);
    return ok;
}

/* Writes label centred near (cx, cy) (tried at, below and above the point) when it fits within
 * max_w px and covers no other label; 1 if written. */
static int centred_label(view *v, const char *label, double cx, double cy, double max_w,
                         const cav_text_style *st0, const char *cls) {
    cav_text_style st = *st0;
    st.anchor = CAV_ANCHOR_MIDDLE;
    double w = cav__canvas_measure(v->cv, label, strlen(label), &st), size = st.size;
    if (w > max_w)
        return 0;
    static const double shift[3] = {0, 1.4, -1.4};
    for (int k = 0; k < 3; k++) {
        double y = cy + shift[k] * size;
        double x = fmin(fmax(cx, v->ox + w / 2 + 3), v->ox + v->w - w / 2 - 3);
        if (place(v, x - w / 2, y - size * 0.6, x + w / 2, y + size * 0.45)) {
            cav__canvas_text(v->cv, x, y + size * 0.35, label, strlen(label), &st, cls);
            return 1;
        }
    }
    return 0;
}

/* ---- the base map ---- */

/* The outline of border i fitted to the view (px) in *f, NULL when out of view; for a country, its
 * land: countries' zones take in their sea (docs/geography.md), maps draw land. */
static int fitted_border(GEOSContextHandle_t h, view *v, int i, GEOSGeometry **f) {
    GEOSGeometry *g =
        cav__borders_is_country(i) ? cav__borders_land_geom(h, i) : cav__borders_geom(h, i);
    if (!g)
        return CAV_ENOMEM;
    *f = fit(h, v, g);
    GEOSGeom_destroy_r(h, g);
    return 0;
}

/* Land of each country in view, Ukraine apart; returns the fitted outlines (px) for the border
 * lines drawn over the layers, one per country, in *outlines (NULL where out of view). */
static int countries(GEOSContextHandle_t h, view *v, GEOSGeometry **outlines, int *ua_index) {
    int nb = cav__borders_count();
    *ua_index = -1;
    for (int i = 0; i < nb; i++) {
        outlines[i] = NULL;
        GEOSGeometry *f = NULL;
        if (!cav__borders_is_country(i))
            continue;
        if (fitted_border(h, v, i, &f) != 0)
            return CAV_ENOMEM;
        if (!f)
            continue;
        int ua = strcmp(cav__borders_code(i), "UA") == 0;
        if (ua)
            *ua_index = i;
        cav_paint land = {ua ? LAND_UA : LAND, 1, CAV_NONE, 0, 0, 0, 0, 0};
        char cls[32];
        snprintf(cls, sizeof cls, "land land-%s", cav__borders_code(i));
        draw_geom(h, v->cv, f, &land, cls);
        outlines[i] = f;
    }
    return 0;
}

static double nice_step(double span, double target) {
    static const double steps[] = {0.5, 1, 2, 5, 10, 15, 30};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= target)
            return steps[i];
    return 30;
}

/* A meridian (lon fixed) or a parallel as a projected polyline; its crossing of the frame's
 * bottom (meridians) or left edge (parallels) is returned for the label, when there is one. */
static void grid_line(view *v, int meridian, double value, double *lx, double *ly) {
    const double *c = v->clip;
    double a0 = meridian ? c[1] : c[0], a1 = meridian ? c[3] : c[2];
    int n = 120;
    double px = 0, py = 0;
    int started = 0;
    *lx = *ly = NAN;
    for (int i = 0; i <= n; i++) {
        double t = a0 + (a1 - a0) * i / n, x, y;
        if (!to_px(v, meridian ? value : t, meridian ? t : value, &x, &y))
            continue;
        if (started) {
            cav__canvas_line(v->cv, x, y);
            double edge = meridian ? v->oy + v->h : v->ox;
            double p0 = meridian ? py : px, p1 = meridian ? y : x;
            if ((p0 - edge) * (p1 - edge) <= 0 && p0 != p1) {
                double s = (edge - p0) / (p1 - p0);
                *lx = px + s * (x - px), *ly = py + s * (y - py);
            }
        } else
            cav__canvas_move(v->cv, x, y);
        started = 1;
        px = x, py = y;
    }
}

static void graticule(view *v) {
    double step = nice_step(fmax(v->lon1 - v->lon0, v->lat1 - v->lat0), 8);
    cav_paint p = {CAV_NONE, 0, GRATICULE, 0.6, 1, 0, 0, 0};
    double labels[2][64][3];
    int nl[2] = {0, 0};
    cav__canvas_path_begin(v->cv, &p, "graticule");
    for (int m = 0; m < 2; m++) {
        double lo = m ? v->clip[0] : v->clip[1], hi = m ? v->clip[2] : v->clip[3];
        for (double a = ceil(lo / step) * step; a <= hi && nl[m] < 64; a += step) {
            double lx, ly;
            grid_line(v, m, a, &lx, &ly);
            labels[m][nl[m]][0] = a, labels[m][nl[m]][1] = lx, labels[m][nl[m]][2] = ly;
            nl[m]++;
        }
    }
    cav__canvas_path_end(v->cv);
    cav_text_style st = tstyle(10, 0, 0x6b7b8a);
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < nl[m]; i++) {
            double a = labels[m][i][0], x = labels[m][i][1], y = labels[m][i][2];
            if (!isfinite(x))
                continue;
            char t[32];
            cav__snprintf_c(t, sizeof t, "%g°%s", fabs(a),
                            m ? (a < 0 ? "W" : "E") : (a < 0 ? "S" : "N"));
            double w = cav__canvas_measure(v->cv, t, strlen(t), &st);
            if (m && x > v->ox + 40 && x < v->ox + v->w - 40 - w)
                cav__canvas_text(v->cv, x + 2, y - 4, t, strlen(t), &st, "graticule-label");
            else if (!m && y > v->oy + 24 && y < v->oy + v->h - 40)
                cav__canvas_text(v->cv, x + 3, y - 3, t, strlen(t), &st, "graticule-label");
        }
}

/* First-level regions (Russia's border oblasts in the embedded data) as thin dashed lines, with
 * their names in small italics where there is room. Their fitted outlines go to *fitted. */
static int regions(GEOSContextHandle_t h, view *v, GEOSGeometry **fitted) {
    int nb = cav__borders_count();
    cav_paint line = {CAV_NONE, 0, REGION_LINE, 0.9, 1, 4, 2, 0};
    for (int i = 0; i < nb; i++) {
        fitted[i] = NULL;
        GEOSGeometry *f = NULL;
        if (cav__borders_is_country(i))
            continue;
        if (fitted_border(h, v, i, &f) != 0)
            return CAV_ENOMEM;
        if (!f)
            continue;
        char cls[40];
        snprintf(cls, sizeof cls, "region region-%s", cav__borders_code(i));
        cav__canvas_path_begin(v->cv, &line, cls);
        geom_path(h, v->cv, f, 0);
        cav__canvas_path_end(v->cv);
        fitted[i] = f;
    }
    return 0;
}

static void region_names(GEOSContextHandle_t h, view *v, GEOSGeometry **fitted) {
    cav_text_style st = tstyle(11, 0, 0x6f6f6f);
    st.italic = 1;
    st.halo = 1;
    for (int i = 0; i < cav__borders_count(); i++) {
        double cx, cy, r;
        if (!fitted[i] || !pole(h, fitted[i], &cx, &cy, &r))
            continue;
        const char *name = cav__borders_name(i);
        centred_label(v, name, cx, cy + r * 0.45, 2 * r, &st, "region-label");
    }
}

static void country_names(GEOSContextHandle_t h, view *v, GEOSGeometry **outlines) {
    for (int i = 0; i < cav__borders_count(); i++) {
        double cx, cy, r;
        if (!outlines[i] || !pole(h, outlines[i], &cx, &cy, &r))
            continue;
        cav_text_style st = tstyle(r > 60 ? 15 : 12, 1, TEXT);
        st.halo = 1;
        if (!centred_label(v, cav__borders_name(i), cx, cy, 2 * r, &st, "country-label"))
            centred_label(v, cav__borders_code(i), cx, cy, 2 * r, &st, "country-label");
    }
}

static void place_marks(view *v) {
    cav_paint dot = {0x222222, 1, 0xffffff, 1, 1, 0, 0, 0};
    cav_text_style st = tstyle(11.5, 0, 0x222222);
    st.halo = 1;
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        const struct place *c = &places[i];
        double x, y;
        if (c->lon < v->clip[0] || c->lon > v->clip[2] || !to_px(v, c->lon, c->lat, &x, &y) ||
            x < v->ox + 3 || x > v->ox + v->w - 3 || y < v->oy + 3 || y > v->oy + v->h - 3)
            continue;
        double w = cav__canvas_measure(v->cv, c->name, strlen(c->name), &st);
        int ok = 1;
        if (place(v, x + 3, y - 12, x + 5 + w, y))
            cav__canvas_text(v->cv, x + 4, y - 3, c->name, strlen(c->name), &st, "place");
        else if (place(v, x - 5 - w, y - 12, x - 3, y)) {
            st.anchor = CAV_ANCHOR_END;
            cav__canvas_text(v->cv, x - 4, y - 3, c->name, strlen(c->name), &st, "place");
        } else if (place(v, x - w / 2, y + 3, x + w / 2, y + 15)) {
            st.anchor = CAV_ANCHOR_MIDDLE;
            cav__canvas_text(v->cv, x, y + 13, c->name, strlen(c->name), &st, "place");
        } else
            ok = 0;
        st.anchor = CAV_ANCHOR_START;
        if (ok)
            cav__canvas_circle(v->cv, x, y, 2.6, &dot, "place-dot");
    }
}

/* The scale bar at the frame's lower left: its box is reserved (draw 0) or drawn (draw 1). */
static void scale_bar(view *v, int draw) {
    double cx = (v->lon0 + v->lon1) / 2, cy = (v->lat0 + v->lat1) / 2, x0, y0, x1, y1;
    if (!to_px(v, cx, cy - 0.5, &x0, &y0) || !to_px(v, cx, cy + 0.5, &x1, &y1))
        return;
    PJ_COORD a = proj_coord(proj_torad(cx), proj_torad(cy - 0.5), 0, 0);
    PJ_COORD b = proj_coord(proj_torad(cx), proj_torad(cy + 0.5), 0, 0);
    double metres = proj_lp_dist(v->pj, a, b);
    if (!(metres > 0))
        return;
    double px_per_km = hypot(x1 - x0, y1 - y0) / (metres / 1000);
    static const double lengths[] = {10, 20, 50, 100, 200, 500, 1000};
    double km = lengths[0];
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
        if (lengths[i] * px_per_km <= v->w / 4)
            km = lengths[i];
    double x = v->ox + 14, y = v->oy + v->h - 16, w = km * px_per_km;
    if (!draw) {
        place(v, x - 6, y - 16, x + w + 54, y + 8);
        return;
    }
    cav_paint back = {0xffffff, 0.8, CAV_NONE, 0, 0, 0, 0, 0};
    cav__canvas_rect(v->cv, x - 6, y - 16, w + 60, 24, &back, "scale-bar");
    cav_paint bar = {CAV_NONE, 0, 0x333333, 1.5, 1, 0, 0, 0};
    cav__canvas_path_begin(v->cv, &bar, "scale-bar");
    cav__canvas_move(v->cv, x, y - 5);
    cav__canvas_line(v->cv, x, y);
    cav__canvas_line(v->cv, x + w, y);
    cav__canvas_line(v->cv, x + w, y - 5);
    cav__canvas_path_end(v->cv);
    char t[32];
    cav__snprintf_c(t, sizeof t, "%g km", km);
    cav_text_style st = tstyle(11, 0, 0x333333);
    cav__canvas_text(v->cv, x + w + 6, y + 2, t, strlen(t), &st, "scale-bar");
}

/* ---- layers ---- */

static cav_paint layer_paint(const cav_map_spec *m, int i) {
    const cav_map_layer *l = &m->layers[i];
    cav_paint p = styles[l->style].paint;
    if (l->style == CAV_LAYER_ZONE || l->style == CAV_LAYER_CONTEXT) {
        int k = 0; /* a zone's colour: its place among the zones */
        for (int j = 0; j < i; j++)
            k += m->layers[j].style == CAV_LAYER_ZONE || m->layers[j].style == CAV_LAYER_CONTEXT;
        uint32_t c = palette[k % 8];
        if (l->style == CAV_LAYER_ZONE)
            p.fill = c;
        p.stroke = c;
    }
    return p;
}

/* Draws the layers in style order, and in a style the largest first, so that a small zone is
 * never hidden under a larger one. The fitted geometries are kept in fitted[] for the marks. */
static void layers(GEOSContextHandle_t h, view *v, const cav_map_spec *m, GEOSGeometry **fitted) {
    int order[64], n = 0;
    double area[64];
    for (int i = 0; i < m->nlayers && i < 64; i++) {
        fitted[i] = m->layers[i].geom ? fit(h, v, m->layers[i].geom) : NULL;
        if (!fitted[i])
            continue;
        double a = 0;
        GEOSArea_r(h, fitted[i], &a);
        int rank = styles[m->layers[i].style].draw_order, j = n++;
        for (; j > 0; j--) { /* insertion sort: by drawing order, then largest first */
            int rj = styles[m->layers[order[j - 1]].style].draw_order;
            if (rj < rank || (rj == rank && area[j - 1] >= a))
                break;
            order[j] = order[j - 1], area[j] = area[j - 1];
        }
        order[j] = i, area[j] = a;
    }
    for (int j = 0; j < n; j++) {
        int i = order[j];
        cav_paint p = layer_paint(m, i);
        draw_geom(h, v->cv, fitted[i], &p, styles[m->layers[i].style].cls);
    }
}

/* The marks of layers that have one (assumed zones): at the layer's pole, else at the first
 * free spot along a ring around it. */
static void layer_marks(GEOSContextHandle_t h, view *v, const cav_map_spec *m,
                        GEOSGeometry **fitted) {
    cav_text_style st = tstyle(12, 1, 0x333333);
    st.italic = 1;
    st.halo = 1;
    for (int i = 0; i < m->nlayers && i < 64; i++) {
        double cx, cy, r;
        const char *mark = m->layers[i].mark;
        if (!mark || !fitted[i] || !pole(h, fitted[i], &cx, &cy, &r))
            continue;
        if (centred_label(v, mark, cx, cy, 1e9, &st, "assumed-label"))
            continue;
        for (int k = 0; k < 8; k++) { /* around the zone */
            double a = k * 3.14159265358979 / 4, d = r + 16;
            if (centred_label(v, mark, cx + d * cos(a), cy + d * sin(a), 1e9, &st, "assumed-label"))
                break;
        }
    }
}

/* ---- legend, notes, credit ---- */

static double swatch(cav_canvas *cv, const cav_paint *p, double x, double y, const char *cls) {
    cav_paint back = {0xffffff, 1, CAV_NONE, 0, 0, 0, 0, 0};
    cav__canvas_rect(cv, x, y + 4, 26, 15, &back, NULL);
    cav__canvas_rect(cv, x, y + 4, 26, 15, p, cls);
    return 0;
}

static double legend(view *v, const cav_map_spec *m, double x, double y) {
    cav_canvas *cv = v->cv;
    double w = LEGEND_W - 36;
    cav_text_style head = tstyle(15, 1, TEXT), body = tstyle(13, 0, TEXT);
    cav__canvas_text(cv, x, y + 14, "Legend", 6, &head, "legend-title");
    y += 24;
    /* the layers in drawing order: areas first */
    for (int rank = 0; rank <= 6; rank++)
        for (int i = 0; i < m->nlayers; i++) {
            const cav_map_layer *l = &m->layers[i];
            if (styles[l->style].draw_order != rank || !l->label || !l->geom ||
                GEOSisEmpty_r(v->geos, l->geom))
                continue; /* nothing of it on the map: no entry */
            cav_paint p = layer_paint(m, i);
            swatch(cv, &p, x, y, styles[l->style].cls);
            y = cav__canvas_text_block(cv, l->label, x + 36, y, w, &body, "legend-item") + 7;
        }
    cav_paint ua = {LAND_UA, 1, BORDER_UA, 1.6, 1, 0, 0, 0};
    swatch(cv, &ua, x, y, NULL);
    y = cav__canvas_text_block(cv,
                               "Ukraine within its internationally recognised borders: Crimea "
                               "and the occupied areas count as Ukraine",
                               x + 36, y, w, &body, "legend-item") +
        7;
    cav_paint land = {LAND, 1, BORDER, 0.9, 1, 0, 0, 0};
    swatch(cv, &land, x, y, NULL);
    y = cav__canvas_text_block(cv, "Other countries", x + 36, y, w, &body, "legend-item") + 7;
    cav_paint reg = {CAV_NONE, 0, REGION_LINE, 1.2, 1, 4, 2, 0};
    cav__canvas_path_begin(cv, &reg, NULL);
    cav__canvas_move(cv, x, y + 11.5);
    cav__canvas_line(cv, x + 26, y + 11.5);
    cav__canvas_path_end(cv);
    y = cav__canvas_text_block(cv, "Oblast (first-level region) boundary", x + 36, y, w, &body,
                               "legend-item") +
        7;
    cav_paint dot = {0x222222, 1, 0xffffff, 1, 1, 0, 0, 0};
    cav__canvas_circle(cv, x + 13, y + 11.5, 2.6, &dot, NULL);
    y = cav__canvas_text_block(cv, "Place, for orientation", x + 36, y, w, &body, "legend-item") +
        7;
    cav_text_style small = tstyle(11.5, 0, TEXT_SOFT);
    if (m->notes) {
        const char *s = m->notes;
        while (*s) {
            const char *e = strchr(s, '\n');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            char *para = cav__malloc(n + 1);
            if (para) {
                memcpy(para, s, n);
                para[n] = '\0';
                y = cav__canvas_text_block(cv, para, x, y + 4, LEGEND_W - 8, &small, "note");
                cav__free(para);
            }
            s += n + (e != NULL);
        }
    }
    char proj[200];
    cav__snprintf_c(proj, sizeof proj,
                    "Lambert conformal conic projection (PROJ), standard parallels %.1f°N and "
                    "%.1f°N. Zones are closed sets: a point on a boundary is inside.",
                    v->lat0 + (v->lat1 - v->lat0) / 6, v->lat1 - (v->lat1 - v->lat0) / 6);
    y = cav__canvas_text_block(cv, proj, x, y + 4, LEGEND_W - 8, &small, "note");
    return y;
}

/* ---- the whole map ---- */

static int compose(GEOSContextHandle_t h, const cav_map_spec *m, view *v) {
    double r[4];
    choose_region(h, m, r);
    if (!(r[2] > r[0]) || !(r[3] > r[1]) || r[0] < -180 || r[2] > 180 || r[1] < -85 || r[3] > 85)
        return CAV_EINVAL;
    int rc = make_view(v, r, PAD, 0);
    if (rc)
        return rc;
    cav_canvas *cv = v->cv;
    double total_w = PAD + v->w + PAD + LEGEND_W + PAD;
    /* the title's lines decide where the map starts; the page's width, where they wrap */
    cav_text_style ts = tstyle(20, 1, TEXT), ss = tstyle(14, 0, 0x333333);
    double y = cav__canvas_text_block(cv, m->title ? m->title : "", PAD, 8, total_w - 2 * PAD, &ts,
                                      "title");
    if (m->subtitle)
        y = cav__canvas_text_block(cv, m->subtitle, PAD, y + 2, total_w - 2 * PAD, &ss, "subtitle");
    v->oy = y + 12;
    int nb = cav__borders_count();
    GEOSGeometry **outlines = cav__calloc((size_t)nb + 1, sizeof *outlines);
    GEOSGeometry **rfit = cav__calloc((size_t)nb + 1, sizeof *rfit);
    GEOSGeometry *lfit[64] = {NULL};
    if (!outlines || !rfit) {
        cav__free(outlines);
        cav__free(rfit);
        return CAV_ENOMEM;
    }
    /* labels reserve their space in order of importance: scale bar, places' dots */
    scale_bar(v, 0);
    cav__canvas_clip_begin(cv, v->ox, v->oy, v->w, v->h);
    cav_paint sea = {SEA, 1, CAV_NONE, 0, 0, 0, 0, 0};
    cav__canvas_rect(cv, v->ox, v->oy, v->w, v->h, &sea, "sea");
    int ua = -1;
    rc = countries(h, v, outlines, &ua);
    if (rc == 0) {
        graticule(v);
        layers(h, v, m, lfit);
        rc = regions(h, v, rfit);
    }
    if (rc == 0) {
        cav_paint border = {CAV_NONE, 0, BORDER, 0.9, 1, 0, 0, 0};
        for (int i = 0; i < nb; i++)
            if (outlines[i] && i != ua) {
                cav__canvas_path_begin(cv, &border, "border");
                geom_path(h, cv, outlines[i], 0);
                cav__canvas_path_end(cv);
            }
        if (ua >= 0) {
            cav_paint b = {CAV_NONE, 0, BORDER_UA, 1.6, 1, 0, 0, 0};
            cav__canvas_path_begin(cv, &b, "border border-UA");
            geom_path(h, cv, outlines[ua], 0);
            cav__canvas_path_end(cv);
        }
        layer_marks(h, v, m, lfit);
        country_names(h, v, outlines);
        place_marks(v);
        region_names(h, v, rfit);
    }
    cav__canvas_clip_end(cv);
    if (rc == 0)
        scale_bar(v, 1); /* reserved first, drawn over everything */
    cav_paint frame = {CAV_NONE, 0, 0x555555, 1, 1, 0, 0, 0};
    cav__canvas_rect(cv, v->ox, v->oy, v->w, v->h, &frame, "frame");
    double bottom = fmax(v->oy + v->h, legend(v, m, v->ox + v->w + PAD, v->oy));
    if (m->credit) {
        cav_text_style cs = tstyle(11.5, 0, 0x444444);
        bottom = cav__canvas_text_block(cv, m->credit, PAD, bottom + 6, total_w - 2 * PAD, &cs,
                                        "credit");
    }
    cav__canvas_resize(cv, ceil(total_w), ceil(bottom + PAD));
    for (int i = 0; i < nb; i++) {
        if (outlines[i])
            GEOSGeom_destroy_r(h, outlines[i]);
        if (rfit[i])
            GEOSGeom_destroy_r(h, rfit[i]);
    }
    for (int i = 0; i < 64; i++)
        if (lfit[i])
            GEOSGeom_destroy_r(h, lfit[i]);
    cav__free(outlines);
    cav__free(rfit);
    return rc ? rc : cav__canvas_failed(cv) ? CAV_ENOMEM : 0;
}

int cav__map_draw(GEOSContextHandle_t h, const cav_map_spec *m, cav_format fmt, int width,
                  int height, cav_buf *out) {
    if (fmt != CAV_FMT_SVG && fmt != CAV_FMT_PNG && fmt != CAV_FMT_PDF)
        return CAV_EINVAL;
    if (m->nlayers > 64 || width < 0 || height < 0)
        return CAV_ELIMIT;
    view *v = cav__calloc(1, sizeof *v);
    cav_canvas *cv = cav__canvas_new(100, 100);
    int rc = CAV_ENOMEM;
    if (v && cv) {
        v->cv = cv;
        v->geos = h;
        rc = compose(h, m, v);
    }
    if (rc == 0 && fmt == CAV_FMT_SVG)
        rc = cav__canvas_svg(cv, m->title, out);
    else if (rc == 0) {
        double pw = cav__canvas_width(cv), ph = cav__canvas_height(cv);
        double scale = width == 0 && height == 0 ? 1600.0 / pw
                       : width == 0              ? height / ph
                       : height == 0             ? width / pw
                                                 : fmin(width / pw, height / ph);
        rc = cav__canvas_cairo(cv, fmt, scale, m->title, out);
    }
    if (v)
        view_free(v);
    cav__free(v);
    cav__canvas_free(cv);
    return rc;
}
