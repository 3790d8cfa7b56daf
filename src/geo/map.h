/* map.h — writing zones and areas out: GeoJSON (geo/geojson.c) and SVG maps (geo/svg.c).
 *
 * Both writers take lon/lat GEOS geometries (borrowed: never freed or kept) and append text to the
 * caller's cav_buf (caveat.h, core/buf.h), so the library itself never touches a file or a
 * stream. Once an allocation fails the buffer stops growing and remembers it (`failed`), so
 * writers need not check every append.
 */
#ifndef CAV_MAP_H
#define CAV_MAP_H

#include "caveat.h"

#include <geos_c.h>
#include <stddef.h>

/* ---- GeoJSON ------------------------------------------------------------------------------ */

#define CAV_MAP_MAX_PROPS 16

/* One Feature: a geometry and string properties (a NULL value is written as JSON null). */
typedef struct cav_map_feature {
    const GEOSGeometry *geom; /* lon/lat degrees; borrowed */
    int nprops;
    const char *keys[CAV_MAP_MAX_PROPS];
    const char *values[CAV_MAP_MAX_PROPS];
} cav_map_feature;

/* Appends an RFC 7946 FeatureCollection of the n features to out: coordinates rounded to 6
 * decimals (about 0.1 m), consecutive points that round to the same one dropped, polygon rings
 * oriented counter-clockwise outside and clockwise for holes. A geometry with polygons is written
 * as a MultiPolygon of them alone (lines and points left by overlays have no area); otherwise as
 * a MultiLineString, else a MultiPoint. An empty geometry is an empty MultiPolygon. Returns 0,
 * CAV_ENOMEM when the buffer could not grow, or CAV_EGEO when GEOS fails on a geometry. */
int cav__geojson_write(GEOSContextHandle_t h, const cav_map_feature *features, int n, cav_buf *out);

/* ---- SVG maps ----------------------------------------------------------------------------- */

typedef enum cav_layer_style {
    CAV_LAYER_ZONE,   /* a zone: translucent fill, a colour of its own from a palette */
    CAV_LAYER_AREA,   /* the permitted area: green, drawn beneath the zones */
    CAV_LAYER_CONTEXT /* a zone shown for context over an area: a dashed outline, no fill */
} cav_layer_style;

typedef struct cav_map_layer {
    const GEOSGeometry *geom; /* lon/lat degrees; borrowed; may be empty */
    const char *label;        /* the legend's text for it */
    int style;                /* cav_layer_style */
} cav_map_layer;

typedef struct cav_svg_map {
    const char *title;    /* first line above the map (wrapped when long) */
    const char *subtitle; /* second line, or NULL */
    const cav_map_layer *layers;
    int nlayers;
    int has_view; /* 1: show exactly [lon0, lon1] x [lat0, lat1] */
    double lon0, lat0, lon1, lat1;
} cav_svg_map;

/* Appends a standalone SVG document to out: an equirectangular map with longitude scaled by the
 * cosine of the middle latitude, of m's view or else of the default region (a box around Ukraine
 * and Russia west of 45E, widened to the layers when they reach beyond it and fit a regional
 * map). It shows the embedded countries' outlines with names, a graticule, a scale bar, a few
 * cities for orientation, the layers (areas beneath zones) and a legend naming each layer.
 * Returns 0, CAV_EINVAL for an empty or inverted view, CAV_ENOMEM, or CAV_EGEO. */
int cav__svg_write(GEOSContextHandle_t h, const cav_svg_map *m, cav_buf *out);

#endif
