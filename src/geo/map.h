/* map.h — writing zones and areas out: GeoJSON (geo/geojson.c) and drawn maps (geo/mapdraw.c).
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

#define CAV_MAP_MAX_PROPS 20

/* One Feature: an id, a geometry and properties. A value is a string (written as a JSON string;
 * NULL is null), or raw JSON text when bit k of `raw` is set (arrays, objects, true/false). */
typedef struct cav_map_feature {
    const GEOSGeometry *geom; /* lon/lat degrees; borrowed; NULL or empty: a null geometry */
    const char *id;           /* the Feature's "id" member, or NULL for none */
    const char *keys[CAV_MAP_MAX_PROPS];
    const char *values[CAV_MAP_MAX_PROPS];
    int nprops;
    unsigned raw; /* bit k: values[k] is JSON text */
    int gridded;  /* 1: geom is already snapped to the 1e-6 degree grid (skip snapping) */
} cav_map_feature;

/* Appends an RFC 7946 FeatureCollection of the n features to out: coordinates rounded to 6
 * decimals (about 0.1 m), consecutive points that round to the same one dropped, polygon rings
 * oriented counter-clockwise outside and clockwise for holes. A geometry with polygons is written
 * as a MultiPolygon of them alone (lines and points left by overlays have no area); otherwise as
 * a MultiLineString, else a MultiPoint. An empty (or NULL) geometry is a null geometry, as RFC 7946
 * allows for a feature with no location. Returns 0,
 * CAV_ENOMEM when the buffer could not grow, or CAV_EGEO when GEOS fails on a geometry. */
int cav__geojson_write(GEOSContextHandle_t h, const cav_map_feature *features, int n, cav_buf *out);

/* ---- drawn maps: SVG, PNG, PDF (geo/mapdraw.c) ----------------------------------------------- */

typedef enum cav_layer_style {
    CAV_LAYER_ZONE,          /* a zone: translucent fill, a colour of its own from a palette */
    CAV_LAYER_AREA,          /* permitted inside Ukraine: green */
    CAV_LAYER_CONTEXT,       /* a zone shown for context over an area: a dashed outline */
    CAV_LAYER_ABROAD,        /* permitted across Ukraine's border: blue, so the band stands out */
    CAV_LAYER_INDETERMINATE, /* where the answer is indeterminate: amber */
    CAV_LAYER_DISPUTED,      /* permitted on a disputed rule: purple hatching over the area */
    CAV_LAYER_ASSUMED,       /* an assumed zone: a dark dashed outline, its mark on the map */
    CAV_LAYER_SAME,          /* diff: permitted on both dates, inside Ukraine */
    CAV_LAYER_SAME_ABROAD,   /* diff: permitted on both dates, across the border */
    CAV_LAYER_GREW,          /* diff: newly permitted, inside Ukraine */
    CAV_LAYER_GREW_ABROAD,   /* diff: newly permitted, across the border */
    CAV_LAYER_SHRANK,        /* diff: no longer permitted: red hatching */
    CAV_LAYER_STYLES
} cav_layer_style;

typedef struct cav_map_layer {
    const GEOSGeometry *geom; /* lon/lat degrees; borrowed; may be empty or NULL */
    const char *label;        /* the legend's text for it */
    int style;                /* cav_layer_style */
    const char *mark;         /* a short label written on the map at the layer, or NULL */
} cav_map_layer;

typedef struct cav_map_spec {
    const char *title;    /* above the map (wrapped when long) */
    const char *subtitle; /* under the title, or NULL */
    const cav_map_layer *layers;
    int nlayers;
    int has_view; /* 1: show [lon0, lon1] x [lat0, lat1] */
    double lon0, lat0, lon1, lat1;
    const char *notes;  /* paragraphs under the legend, separated by newlines, or NULL */
    const char *credit; /* the credit line at the foot of the map, or NULL */
} cav_map_spec;

/* Draws the map and appends it to out as SVG, PNG or PDF. The map is a Lambert conformal conic
 * projection (PROJ) of m's view, or else of the layers' extent with a margin, or of a default
 * region (Ukraine and Russia west of 45E) when there are no layers or they are as large as
 * Russia. It shows the embedded countries (Ukraine apart), the first-level regions embedded as
 * thin lines, a graticule, a scale bar, places for orientation, the layers (areas beneath
 * zones), assumed zones' marks, the legend (one entry per layer with a label), the notes, and
 * the credit line. PNG and PDF are scaled to fit width x height (pixels / points; 0 for no
 * limit; both 0: 1600 wide). Returns 0, CAV_EINVAL for an empty, inverted or out-of-range view or
 * another format, CAV_ENOMEM, CAV_EGEO or CAV_EIO. */
int cav__map_draw(GEOSContextHandle_t h, const cav_map_spec *m, cav_format fmt, int width,
                  int height, cav_buf *out);

#endif
