/* svg.c — zones and permitted areas drawn as a standalone SVG map (map.h).
 *
 * The map is for people: an analyst glancing at where a use is permitted must recognise the
 * countries at once and read the legend without zooming. So it draws, bottom to top: the
 * embedded countries as pale land with grey outlines, a graticule, the permitted area (green),
 * the zones (translucent palette colours, so overlaps stay visible), the country outlines again
 * (thin, so fills never hide a border), country names at each country's pole of inaccessibility
 * (GEOS maximum inscribed circle; the ISO code when the name does not fit, nothing when neither
 * does), a few cities, and a scale bar. The title and the legend (one entry per layer, titles
 * wrapped) stand outside the map, the legend to its right.
 *
 * Projection: equirectangular with longitude scaled by the cosine of the view's middle latitude,
 * so shapes look right in the middle of the map. Every geometry is clipped to the view (plus a
 * few pixels) and simplified to a quarter pixel before it becomes a path, which keeps a map of
 * Russia's 1:10m border small; coordinates are written to 0.1 px, with '.' whatever the locale
 * (cav__buf_printf and cav__format_fixed format as in the "C" locale).
 *
 * Geometries are borrowed; every geometry made here is freed here.
 */
#include "geo/geo.h"
#include "geo/map.h"
#include "core/buf.h"

#include "caveat.h"
#include "core/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MAX_W 1000.0 /* px: the map's largest width ... */
#define MAP_MAX_H 800.0  /* ... and height; the view's shape decides which binds */
#define LEGEND_W 380.0   /* px: the legend column right of the map */
#define PAD 16.0         /* px between blocks */
#define CHAR_W 0.58      /* average glyph width per px of font size (DejaVu/Arial sans) */
#define FONT "DejaVu Sans, Arial, Helvetica, sans-serif"
#define DEG_RAD (3.14159265358979323846 / 180.0)

/* Boxes of the labels placed so far (px), so that no label is written over another. */
typedef struct label_boxes {
    double b[256][4]; /* x0, y0, x1, y1 */
    int n;
} label_boxes;

typedef struct view {
    double lon0, lat0, lon1, lat1; /* the region shown */
    double kx, ky;                 /* px per degree of longitude and latitude */
    double ox, oy;                 /* px: top left corner of the map */
    double w, h;                   /* px: size of the map */
    label_boxes *placed;           /* labels placed so far */
} view;

/* Places a label box if it lies inside the map and over no other label; returns 1 if placed. */
static int place(const view *v, double x0, double y0, double x1, double y1) {
    label_boxes *p = v->placed;
    if (x0 < v->ox + 2 || x1 > v->ox + v->w - 2 || y0 < v->oy + 2 || y1 > v->oy + v->h - 2)
        return 0;
    for (int i = 0; i < p->n; i++)
        if (x0 < p->b[i][2] && p->b[i][0] < x1 && y0 < p->b[i][3] && p->b[i][1] < y1)
            return 0;
    if (p->n < 256) {
        double *b = p->b[p->n++];
        b[0] = x0, b[1] = y0, b[2] = x1, b[3] = y1;
    }
    return 1;
}

static double px_x(const view *v, double lon) {
    return v->ox + (lon - v->lon0) * v->kx;
}
static double px_y(const view *v, double lat) {
    return v->oy + (v->lat1 - lat) * v->ky;
}

/* Zones' colours (ColorBrewer Dark2, colour-blind safe in pairs) and the permitted area's. */
static const char *const palette[] = {"#d95f02", "#7570b3", "#e7298a", "#1b9e77",
                                      "#e6ab02", "#a6761d", "#666666", "#66a61e"};
#define AREA_FILL "#39a845"
#define AREA_STROKE "#1d6b2a"

/* Cities for orientation, drawn when inside the view. */
static const struct city {
    const char *name;
    double lat, lon;
} cities[] = {
    {"Kyiv", 50.45, 30.52},      {"Kharkiv", 49.99, 36.23},    {"Odesa", 46.48, 30.72},
    {"Lviv", 49.84, 24.03},      {"Dnipro", 48.46, 35.05},     {"Sevastopol", 44.62, 33.53},
    {"Moscow", 55.76, 37.62},    {"Belgorod", 50.60, 36.59},   {"Kursk", 51.73, 36.19},
    {"Voronezh", 51.67, 39.18},  {"Rostov", 47.24, 39.71},     {"St Petersburg", 59.94, 30.31},
    {"Minsk", 53.90, 27.57},     {"Warsaw", 52.23, 21.01},     {"Chisinau", 47.01, 28.86},
    {"Bucharest", 44.43, 26.10}, {"Vilnius", 54.69, 25.28},    {"Riga", 56.95, 24.11},
    {"Helsinki", 60.17, 24.94},  {"Murmansk", 68.97, 33.08},   {"Tbilisi", 41.72, 44.79},
    {"Volgograd", 48.71, 44.51}, {"Arkhangelsk", 64.54, 40.54}};

/* ---- geometry to path ---- */

static void ring_path(GEOSContextHandle_t h, const view *v, const GEOSGeometry *ring, int close,
                      cav_buf *t) {
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n))
        return;
    long lx = 0, ly = 0;
    int written = 0;
    for (unsigned i = 0; i < n; i++) {
        double lon, lat;
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &lon, &lat))
            return;
        long x = lround(px_x(v, lon) * 10), y = lround(px_y(v, lat) * 10); /* 0.1 px */
        if (written && x == lx && y == ly)
            continue;
        char xs[32], ys[32];
        cav__format_fixed((double)x / 10, 1, xs, sizeof xs);
        cav__format_fixed((double)y / 10, 1, ys, sizeof ys);
        cav__buf_printf(t, "%s%s %s", written ? "L" : "M", xs, ys);
        lx = x;
        ly = y;
        written++;
    }
    if (close && written)
        cav__buf_puts(t, "Z");
}

/* Appends the path data ("M..L..Z") of g's polygon rings (lines 0) or of its lines (lines 1):
 * the two are drawn apart, since a filled open path would fill the area a line encloses. */
static void geom_path(GEOSContextHandle_t h, const view *v, const GEOSGeometry *g, int lines,
                      cav_buf *t) {
    int type = GEOSGeomTypeId_r(h, g);
    switch (type) {
    case GEOS_POLYGON: {
        if (lines)
            break;
        ring_path(h, v, GEOSGetExteriorRing_r(h, g), 1, t);
        int nh = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < nh; i++)
            ring_path(h, v, GEOSGetInteriorRingN_r(h, g, i), 1, t);
        break;
    }
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        if (lines)
            ring_path(h, v, g, 0, t);
        break;
    case GEOS_MULTIPOLYGON:
    case GEOS_MULTILINESTRING:
    case GEOS_GEOMETRYCOLLECTION: {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++)
            geom_path(h, v, GEOSGetGeometryN_r(h, g, i), lines, t);
        break;
    }
    default: break; /* points have no path; zones are areas or lines */
    }
}

/* g clipped to the view (plus a margin of a few pixels) and simplified to a quarter pixel; a new
 * geometry, or NULL when nothing of g is in view (or GEOS failed). */
static GEOSGeometry *fit(GEOSContextHandle_t h, const view *v, const GEOSGeometry *g) {
    double m = 4.0 / v->ky;
    double xmin, ymin, xmax, ymax;
    if (!g || GEOSisEmpty_r(h, g) || !GEOSGeom_getXMin_r(h, g, &xmin) ||
        !GEOSGeom_getYMin_r(h, g, &ymin) || !GEOSGeom_getXMax_r(h, g, &xmax) ||
        !GEOSGeom_getYMax_r(h, g, &ymax))
        return NULL;
    if (xmax < v->lon0 - m || xmin > v->lon1 + m || ymax < v->lat0 - m || ymin > v->lat1 + m)
        return NULL;
    GEOSGeometry *c = GEOSClipByRect_r(h, g, v->lon0 - m, v->lat0 - m, v->lon1 + m, v->lat1 + m);
    if (!c)
        return NULL;
    GEOSGeometry *s = GEOSTopologyPreserveSimplify_r(h, c, 0.25 / v->ky);
    GEOSGeom_destroy_r(h, c);
    if (s && GEOSisEmpty_r(h, s)) {
        GEOSGeom_destroy_r(h, s);
        return NULL;
    }
    return s;
}

/* ---- text ---- */

static double text_w(const char *s, double size) {
    return (double)strlen(s) * size * CHAR_W;
}

/* Splits s into lines of at most max_chars characters at spaces; returns the number of lines
 * and stores each line's start and length (at most nmax lines; the last one takes the rest). */
static int wrap(const char *s, int max_chars, const char **start, int *len, int nmax) {
    int n = 0;
    while (*s && n < nmax) {
        while (*s == ' ')
            s++;
        int l = (int)strlen(s);
        if (l <= max_chars || n == nmax - 1) {
            start[n] = s;
            len[n++] = l;
            break;
        }
        int cut = max_chars;
        while (cut > 0 && s[cut] != ' ')
            cut--;
        if (cut == 0) { /* one long word: break it, not inside a UTF-8 sequence */
            cut = max_chars;
            while (cut > 1 && ((unsigned char)s[cut] & 0xC0) == 0x80)
                cut--;
        }
        start[n] = s;
        len[n++] = cut;
        s += cut;
    }
    return n;
}

static void text_part(cav_buf *t, const char *s, int len) {
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s", len < 511 ? len : 511, s);
    cav__buf_xml(t, buf, strlen(buf));
}

/* Writes s wrapped to width px at (x, y) as successive lines; returns the y below it. */
static double text_block(cav_buf *t, const char *s, double x, double y, double width, double size,
                         const char *style) {
    const char *start[12];
    int len[12];
    int n = wrap(s, (int)(width / (size * CHAR_W)), start, len, 12);
    for (int i = 0; i < n; i++) {
        y += size * 1.3;
        cav__buf_printf(t, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\"%s>", x, y - size * 0.3,
                         size, style);
        text_part(t, start[i], len[i]);
        cav__buf_puts(t, "</text>\n");
    }
    return y;
}

/* ---- the view ---- */

static int envelope(GEOSContextHandle_t h, const GEOSGeometry *g, double e[4]) {
    return GEOSisEmpty_r(h, g) == 0 && GEOSGeom_getXMin_r(h, g, &e[0]) &&
           GEOSGeom_getYMin_r(h, g, &e[1]) && GEOSGeom_getXMax_r(h, g, &e[2]) &&
           GEOSGeom_getYMax_r(h, g, &e[3]);
}

/* The default region: Ukraine and Russia west of 45E, with half a degree around. */
static int default_region(GEOSContextHandle_t h, double r[4]) {
    int ua = cav__borders_find("UA"), ru = cav__borders_find("RU");
    GEOSGeometry *gua = ua >= 0 ? cav__borders_land_geom(h, ua) : NULL;
    GEOSGeometry *gru = ru >= 0 ? cav__borders_land_geom(h, ru) : NULL;
    GEOSGeometry *west = gru ? GEOSClipByRect_r(h, gru, 10, 35, 45, 72) : NULL;
    double a[4], b[4];
    int ok = gua && west && envelope(h, gua, a) && envelope(h, west, b);
    if (ok) {
        r[0] = fmin(a[0], b[0]) - 0.5;
        r[1] = fmin(a[1], b[1]) - 0.5;
        r[2] = fmax(a[2], b[2]) + 0.5;
        r[3] = fmax(a[3], b[3]) + 0.5;
    } else { /* no boundary data: the same box, from the 2024 data */
        r[0] = 19.1, r[1] = 40.9, r[2] = 45.5, r[3] = 70.4;
    }
    GEOSGeometry *all[3] = {gua, gru, west};
    for (int i = 0; i < 3; i++)
        if (all[i])
            GEOSGeom_destroy_r(h, all[i]);
    return 0;
}

/* The region of the map: m's view; else the layers' box with a margin (at least 12 x 7 degrees,
 * so that the countries around are recognisable) when it fits a regional map (60 x 40 degrees);
 * else (no layers, or one as large as Russia or as a complement) the default region. */
static void choose_region(GEOSContextHandle_t h, const cav_svg_map *m, double r[4]) {
    if (m->has_view) {
        r[0] = m->lon0, r[1] = m->lat0, r[2] = m->lon1, r[3] = m->lat1;
        return;
    }
    default_region(h, r);
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, g[4];
    int any = 0;
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].geom && envelope(h, m->layers[i].geom, g)) {
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

static void make_view(const double r[4], double ox, double oy, view *v) {
    v->lon0 = r[0], v->lat0 = r[1], v->lon1 = r[2], v->lat1 = r[3];
    double c = cos((r[1] + r[3]) / 2 * DEG_RAD);
    double wdeg = (r[2] - r[0]) * c, hdeg = r[3] - r[1];
    double k = fmin(MAP_MAX_W / wdeg, MAP_MAX_H / hdeg);
    v->ky = k;
    v->kx = k * c;
    v->w = wdeg * k;
    v->h = hdeg * k;
    v->ox = ox;
    v->oy = oy;
}

/* ---- map pieces ---- */

static double nice_step(double span, double target) {
    static const double steps[] = {0.5, 1, 2, 5, 10, 15, 30};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= target)
            return steps[i];
    return 30;
}

static void graticule(cav_buf *t, const view *v) {
    double step = nice_step(fmax(v->lon1 - v->lon0, v->lat1 - v->lat0), 8);
    cav__buf_puts(t, "<g stroke=\"#c9d3dc\" stroke-width=\"0.6\" fill=\"none\">\n");
    for (double lon = ceil(v->lon0 / step) * step; lon <= v->lon1; lon += step)
        cav__buf_printf(t, "<path d=\"M%.1f %.1fV%.1f\"/>\n", px_x(v, lon), v->oy, v->oy + v->h);
    for (double lat = ceil(v->lat0 / step) * step; lat <= v->lat1; lat += step)
        cav__buf_printf(t, "<path d=\"M%.1f %.1fH%.1f\"/>\n", v->ox, px_y(v, lat), v->ox + v->w);
    cav__buf_puts(t, "</g>\n<g font-size=\"10\" fill=\"#6b7b8a\">\n");
    for (double lon = ceil(v->lon0 / step) * step; lon <= v->lon1; lon += step)
        if (px_x(v, lon) > v->ox + 40 && px_x(v, lon) < v->ox + v->w - 30)
            cav__buf_printf(t, "<text x=\"%.1f\" y=\"%.1f\">%g°%s</text>\n", px_x(v, lon) + 2,
                             v->oy + 11, fabs(lon), lon < 0 ? "W" : "E");
    for (double lat = ceil(v->lat0 / step) * step; lat <= v->lat1; lat += step)
        if (px_y(v, lat) > v->oy + 24 && px_y(v, lat) < v->oy + v->h - 40)
            cav__buf_printf(t, "<text x=\"%.1f\" y=\"%.1f\">%g°%s</text>\n", v->ox + 3,
                             px_y(v, lat) - 3, fabs(lat), lat < 0 ? "S" : "N");
    cav__buf_puts(t, "</g>\n");
}

static void scale_bar(cav_buf *t, const view *v) {
    double px_per_km = v->ky / 111.32; /* along the middle latitude, as drawn */
    static const double lengths[] = {10, 20, 50, 100, 200, 500, 1000};
    double km = lengths[0];
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
        if (lengths[i] * px_per_km <= v->w / 4)
            km = lengths[i];
    double x = v->ox + 14, y = v->oy + v->h - 16, w = km * px_per_km;
    place(v, x - 6, y - 16, x + w + 54, y + 8);
    cav__buf_printf(t,
                     "<g font-size=\"11\" fill=\"#333\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                     "height=\"24\" fill=\"#fff\" fill-opacity=\"0.75\"/>"
                     "<path d=\"M%.1f %.1fv5H%.1fv-5\" fill=\"none\" stroke=\"#333\" "
                     "stroke-width=\"1.5\"/><text x=\"%.1f\" y=\"%.1f\">%g km</text></g>\n",
                     x - 6, y - 16, w + 60, x, y - 2, x + w, x + w + 6, y + 2, km);
}

/* The label of one country: its name (or code) at the centre of the largest circle inside its
 * largest visible polygon, when it fits. */
static void country_label(GEOSContextHandle_t h, const view *v, const GEOSGeometry *g, int idx,
                          cav_buf *t) {
    const GEOSGeometry *best = NULL;
    double best_area = 0;
    int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        double a = 0;
        if (GEOSGeomTypeId_r(h, part) == GEOS_POLYGON && GEOSArea_r(h, part, &a) && a > best_area)
            best = part, best_area = a;
    }
    if (!best)
        return;
    /* the inscribed circle of the part inside the view proper, not its margin */
    GEOSGeometry *in = GEOSClipByRect_r(h, best, v->lon0, v->lat0, v->lon1, v->lat1);
    GEOSGeometry *mic =
        in && !GEOSisEmpty_r(h, in) ? GEOSMaximumInscribedCircle_r(h, in, 2.0 / v->ky) : NULL;
    double x0, y0, x1, y1;
    if (mic) {
        GEOSGeometry *p0 = GEOSGeomGetStartPoint_r(h, mic), *p1 = GEOSGeomGetEndPoint_r(h, mic);
        if (p0 && p1 && GEOSGeomGetX_r(h, p0, &x0) && GEOSGeomGetY_r(h, p0, &y0) &&
            GEOSGeomGetX_r(h, p1, &x1) && GEOSGeomGetY_r(h, p1, &y1)) {
            double r = hypot((x1 - x0) * v->kx, (y1 - y0) * v->ky); /* px */
            const char *name = cav__borders_name(idx), *code = cav__borders_code(idx);
            double size = r > 60 ? 15 : 12, cx = px_x(v, x0), cy = px_y(v, y0);
            const char *tries[2] = {name, code};
            double x = cx, w = 0;
            int k = 0, placed = 0;
            static const double shift[3] = {0, 1.4, -1.4}; /* centre, lower, higher */
            for (; k < 6 && !placed; k++) {                /* the name anywhere, before the code */
                const char *label = tries[k / 3];
                double dy = shift[k % 3] * size;
                w = text_w(label, size) + (double)strlen(label); /* + letter spacing */
                if (w > 2.0 * r)
                    continue;
                /* keep it inside the map: the circle may touch the map's edge */
                x = fmin(fmax(cx, v->ox + w / 2 + 3), v->ox + v->w - w / 2 - 3);
                placed =
                    place(v, x - w / 2, cy + dy - size * 0.6, x + w / 2, cy + dy + size * 0.45);
                if (placed)
                    cy += dy;
            }
            if (placed) {
                const char *label = tries[(k - 1) / 3];
                cav__buf_printf(t, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\">", x,
                                 cy + size * 0.35, size);
                cav__buf_xml(t, label, strlen(label));
                cav__buf_puts(t, "</text>\n");
            }
        }
        if (p0)
            GEOSGeom_destroy_r(h, p0);
        if (p1)
            GEOSGeom_destroy_r(h, p1);
    }
    if (mic)
        GEOSGeom_destroy_r(h, mic);
    if (in)
        GEOSGeom_destroy_r(h, in);
}

/* Countries in view: fills into land, outlines into lines, names into labels. */
static int countries(GEOSContextHandle_t h, const view *v, cav_buf *land, cav_buf *labels) {
    int nb = cav__borders_count();
    for (int i = 0; i < nb; i++) {
        if (!cav__borders_is_country(i))
            continue;
        GEOSGeometry *g = cav__borders_land_geom(h, i); /* the land: maps draw coastlines */
        if (!g)
            return CAV_ENOMEM;
        GEOSGeometry *f = fit(h, v, g);
        GEOSGeom_destroy_r(h, g);
        if (!f)
            continue;
        cav__buf_printf(land, "<path data-country=\"%s\" d=\"", cav__borders_code(i));
        geom_path(h, v, f, 0, land);
        cav__buf_puts(land, "\"/>\n");
        country_label(h, v, f, i, labels);
        GEOSGeom_destroy_r(h, f);
    }
    return 0;
}

/* Draws the layers of one style, largest first, so that a small zone is never hidden under a
 * larger one; a zone keeps the colour of its place in the legend. */
static void layer_paths(GEOSContextHandle_t h, const view *v, const cav_svg_map *m, int style,
                        cav_buf *t) {
    int order[64], colour[64], n = 0, zone_no = 0;
    double area[64];
    for (int i = 0; i < m->nlayers && n < 64; i++) {
        int k = zone_no;
        zone_no += m->layers[i].style != CAV_LAYER_AREA;
        if (m->layers[i].style != style || !m->layers[i].geom)
            continue;
        double a = 0;
        GEOSArea_r(h, m->layers[i].geom, &a);
        int j = n++;
        for (; j > 0 && area[j - 1] < a; j--) /* insertion sort, largest first */
            order[j] = order[j - 1], colour[j] = colour[j - 1], area[j] = area[j - 1];
        order[j] = i, colour[j] = k, area[j] = a;
    }
    for (int j = 0; j < n; j++) {
        GEOSGeometry *f = fit(h, v, m->layers[order[j]].geom);
        if (!f)
            continue;
        const char *c = palette[colour[j] % 8];
        if (style == CAV_LAYER_AREA)
            cav__buf_puts(t,
                           "<path fill=\"" AREA_FILL "\" fill-opacity=\"0.5\" stroke=\"" AREA_STROKE
                           "\" stroke-width=\"1.2\" d=\"");
        else if (style == CAV_LAYER_CONTEXT)
            cav__buf_printf(t,
                             "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                             "stroke-dasharray=\"7 4\" d=\"",
                             c);
        else
            cav__buf_printf(t,
                             "<path fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\" "
                             "stroke-width=\"1.8\" d=\"",
                             c, c);
        geom_path(h, v, f, 0, t);
        cav__buf_puts(t, "\"/>\n");
        cav_buf lines = {0}; /* a zone may be a line, such as a border */
        geom_path(h, v, f, 1, &lines);
        if (lines.len)
            cav__buf_printf(
                t, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"3\"%s d=\"%s\"/>\n",
                style == CAV_LAYER_AREA ? AREA_STROKE : c,
                style == CAV_LAYER_CONTEXT ? " stroke-dasharray=\"7 4\"" : "", lines.data);
        t->failed |= lines.failed;
        cav_buf_free(&lines);
        GEOSGeom_destroy_r(h, f);
    }
}

static void city_marks(cav_buf *t, const view *v) {
    cav__buf_puts(t, "<g font-size=\"11\" fill=\"#222\">\n");
    for (size_t i = 0; i < sizeof cities / sizeof cities[0]; i++) {
        const struct city *c = &cities[i];
        if (c->lon < v->lon0 || c->lon > v->lon1 || c->lat < v->lat0 || c->lat > v->lat1)
            continue;
        double x = px_x(v, c->lon), y = px_y(v, c->lat), w = text_w(c->name, 11);
        cav__buf_printf(t,
                         "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" stroke=\"#fff\" "
                         "stroke-width=\"1\"/>\n",
                         x, y);
        if (place(v, x + 3, y - 12, x + 5 + w, y))
            cav__buf_printf(t, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 4, y - 3, c->name);
        else if (place(v, x - 5 - w, y - 12, x - 3, y))
            cav__buf_printf(t, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                             x - 4, y - 3, c->name);
        else if (place(v, x - w / 2, y + 3, x + w / 2, y + 15))
            cav__buf_printf(t, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                             y + 13, c->name);
    }
    cav__buf_puts(t, "</g>\n");
}

/* The legend column; returns its bottom y. */
static double legend(cav_buf *t, const cav_svg_map *m, double x, double y) {
    double w = LEGEND_W - 34;
    cav__buf_printf(t,
                     "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">"
                     "Legend</text>\n",
                     x, y + 14);
    y += 26;
    int zone_no = 0;
    for (int pass = 0; pass < 2; pass++) /* the area first, as it is drawn first */
        for (int i = 0; i < m->nlayers; i++) {
            const cav_map_layer *l = &m->layers[i];
            int k = zone_no;
            if (pass == 1)
                zone_no += l->style != CAV_LAYER_AREA;
            if ((pass == 0) != (l->style == CAV_LAYER_AREA))
                continue;
            if (l->style == CAV_LAYER_AREA)
                cav__buf_printf(
                    t,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"14\" fill=\"" AREA_FILL
                    "\" fill-opacity=\"0.5\" stroke=\"" AREA_STROKE "\"/>\n",
                    x, y + 4);
            else if (l->style == CAV_LAYER_CONTEXT)
                cav__buf_printf(t,
                                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"14\" "
                                 "fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                                 "stroke-dasharray=\"7 4\"/>\n",
                                 x, y + 4, palette[k % 8]);
            else
                cav__buf_printf(t,
                                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"14\" "
                                 "fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\" "
                                 "stroke-width=\"1.8\"/>\n",
                                 x, y + 4, palette[k % 8], palette[k % 8]);
            y = text_block(t, l->label ? l->label : "", x + 34, y, w, 13, "") + 8;
        }
    cav__buf_printf(t,
                     "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"14\" fill=\"#fbf7ea\" "
                     "stroke=\"#7d7d7d\"/>\n",
                     x, y + 4);
    y = text_block(t,
                   "Countries: internationally recognised borders (Natural Earth 1:10m, "
                   "as embedded in caveat)",
                   x + 34, y, w, 13, "") +
        8;
    cav__buf_printf(t, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"/>\n", x + 12, y + 11);
    y = text_block(t, "City, for orientation", x + 34, y, w, 13, "") + 8;
    y = text_block(t,
                   "Equirectangular projection, longitude scaled by cos(middle latitude). "
                   "Zones are closed sets: a point on a boundary is inside.",
                   x, y + 4, LEGEND_W, 11, " fill=\"#555\"");
    return y;
}

int cav__svg_write(GEOSContextHandle_t h, const cav_svg_map *m, cav_buf *out) {
    double r[4];
    choose_region(h, m, r);
    if (!(r[2] > r[0]) || !(r[3] > r[1]) || r[0] < -180 || r[2] > 180 || r[1] < -90 || r[3] > 90)
        return CAV_EINVAL;
    /* the title's lines decide where the map starts; its width, where they wrap */
    view v;
    make_view(r, PAD, 0, &v);
    double total_w = PAD + v.w + PAD + LEGEND_W + PAD;
    cav_buf head = {0}, land = {0}, names = {0}, layers = {0}, side = {0};
    double y = text_block(&head, m->title ? m->title : "", PAD, 8, total_w - 2 * PAD, 18,
                          " font-weight=\"bold\"");
    if (m->subtitle)
        y = text_block(&head, m->subtitle, PAD, y, total_w - 2 * PAD, 14, " fill=\"#333\"");
    make_view(r, PAD, y + 12, &v);
    label_boxes placed = {.n = 0};
    v.placed = &placed;
    cav_buf bar = {0};
    scale_bar(&bar, &v); /* first, so that no label covers it or a city */
    for (size_t i = 0; i < sizeof cities / sizeof cities[0]; i++)
        place(&v, px_x(&v, cities[i].lon) - 3, px_y(&v, cities[i].lat) - 3,
              px_x(&v, cities[i].lon) + 3, px_y(&v, cities[i].lat) + 3);
    int rc = countries(h, &v, &land, &names);
    if (rc == 0) {
        layer_paths(h, &v, m, CAV_LAYER_AREA, &layers);
        layer_paths(h, &v, m, CAV_LAYER_ZONE, &layers);
        layer_paths(h, &v, m, CAV_LAYER_CONTEXT, &layers);
    }
    double total_h = fmax(v.oy + v.h, legend(&side, m, v.ox + v.w + PAD, v.oy)) + PAD;
    if (rc == 0) {
        cav__buf_printf(out,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                         "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"" FONT "\">\n"
                         "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
                         ceil(total_w), ceil(total_h), ceil(total_w), ceil(total_h));
        cav__buf_puts(out, "<title>");
        cav__buf_xml(out, m->title ? m->title : "", strlen(m->title ? m->title : ""));
        cav__buf_puts(out, "</title>\n");
        cav__buf_puts(out, head.data ? head.data : "");
        cav__buf_printf(out,
                         "<clipPath id=\"map-clip\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                         "height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#map-clip)\">\n"
                         "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"#e6edf2\"/>\n",
                         v.ox, v.oy, v.w, v.h, v.ox, v.oy, v.w, v.h);
        cav__buf_printf(out, "<g fill=\"#fbf7ea\" stroke=\"none\">\n%s</g>\n",
                         land.data ? land.data : "");
        graticule(out, &v);
        cav__buf_printf(out, "<g stroke-linejoin=\"round\">\n%s</g>\n",
                         layers.data ? layers.data : "");
        cav__buf_printf(out,
                         "<g fill=\"none\" stroke=\"#6a6a6a\" stroke-width=\"0.9\" "
                         "stroke-linejoin=\"round\">\n%s</g>\n",
                         land.data ? land.data : "");
        cav__buf_printf(out,
                         "<g fill=\"#1a1a1a\" text-anchor=\"middle\" font-weight=\"bold\" "
                         "letter-spacing=\"1\" stroke=\"#fff\" stroke-width=\"3\" "
                         "stroke-linejoin=\"round\" paint-order=\"stroke\">\n%s</g>\n",
                         names.data ? names.data : "");
        cav__buf_puts(out, "<g stroke=\"#fff\" stroke-width=\"2.5\" stroke-linejoin=\"round\" "
                            "paint-order=\"stroke\">\n");
        city_marks(out, &v);
        cav__buf_puts(out, "</g>\n");
        cav__buf_puts(out, bar.data ? bar.data : "");
        cav__buf_printf(out,
                         "</g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"none\" stroke=\"#555\"/>\n",
                         v.ox, v.oy, v.w, v.h);
        cav__buf_puts(out, side.data ? side.data : "");
        cav__buf_puts(out, "</svg>\n");
    }
    if (rc == 0 &&
        (out->failed || head.failed || land.failed || names.failed || layers.failed || side.failed || bar.failed))
        rc = CAV_ENOMEM;
    cav_buf_free(&bar);
    cav_buf_free(&head);
    cav_buf_free(&land);
    cav_buf_free(&names);
    cav_buf_free(&layers);
    cav_buf_free(&side);
    return rc;
}
