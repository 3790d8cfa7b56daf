/* geo.h — the geography of caveat: recognised borders, zone expressions, zone building and the
 * point locator.
 *
 * Pipeline: the policy parser builds cav_zone_expr trees (one per `zone NAME = ...` and one per
 * country named directly in a rule); cav__zone_build() turns a tree into a GEOS geometry in
 * longitude/latitude degrees (x = lon, y = lat, WGS84), using PROJ for geodesic distances; the
 * pack compiler then hands all geometries of the pack to cav__locator_new(), which compiles them
 * into one immutable point locator. Evaluation only touches the locator: it is read-only after
 * construction, allocation-free and safe to share between threads.
 *
 * Boundary rule (documented in docs/geography.md): a zone is a closed set. A point exactly on a
 * zone's boundary is inside it (GEOS "covers" semantics), for countries, regions and every derived
 * zone alike.
 *
 * Ownership: cav_zone_expr trees belong to the parser's arena and are never freed here. Every
 * GEOSGeometry returned by a function named _build/_geom is new and owned by the caller, who frees
 * it with GEOSGeom_destroy_r. A locator is freed with cav__locator_free().
 */
#ifndef CAV_GEO_H
#define CAV_GEO_H

#include <geos_c.h>
#include <stddef.h>
#include <stdint.h>

/* ---- borders: the embedded boundary data ---------------------------------------------------- */

/* Returns the index of the country ("UA") or region ("RU-BEL") with this ISO 3166 code
 * (case-insensitive), or -1 when the binary holds no boundary for it. */
int cav__borders_find(const char *code);
/* Number of boundaries embedded (countries first, then regions). */
int cav__borders_count(void);
/* ISO code and English name of boundary idx (0 <= idx < cav__borders_count()). Static strings. */
const char *cav__borders_code(int idx);
const char *cav__borders_name(int idx);
/* 1 for a country (ISO 3166-1), 0 for a first-level region (ISO 3166-2). */
int cav__borders_is_country(int idx);
/* A new (multi)polygon for boundary idx, or NULL on allocation failure or a bad idx: for a
 * country its land and territorial sea (what zones and rules use; docs/geography.md), for a
 * region its land. */
GEOSGeometry *cav__borders_geom(GEOSContextHandle_t h, int idx);
/* A new (multi)polygon of the land alone of boundary idx, or NULL on allocation failure or a bad
 * idx: for drawing coastlines and for border(A, B). For a region, the same as cav__borders_geom. */
GEOSGeometry *cav__borders_land_geom(GEOSContextHandle_t h, int idx);

/* ---- zone expressions ------------------------------------------------------------------------ */

typedef enum cav_zone_kind {
    CAV_ZONE_COUNTRY,   /* country(UA): name = ISO alpha-2 */
    CAV_ZONE_REGION,    /* region(RU-BEL): name = ISO 3166-2 */
    CAV_ZONE_BORDER,    /* border(UA, RU): the shared border line of name and name2;
                           when has_between, only the stretch between the points nearest to
                           (num[0] lat, num[1] lon) and (num[2] lat, num[3] lon) */
    CAV_ZONE_WITHIN,    /* within(D, a): every point within geodesic distance num[0] metres of a */
    CAV_ZONE_CIRCLE,    /* circle(lat, lon, r): num[0] lat, num[1] lon, num[2] radius in metres */
    CAV_ZONE_BOX,       /* box(lat0, lon0, lat1, lon1): num[0..3], a lat/lon rectangle */
    CAV_ZONE_POLYGON,   /* polygon(lat lon, ...): coords = ncoords lat,lon pairs, ring closed
                           implicitly */
    CAV_ZONE_GEOJSON,   /* geojson("file"): path, already resolved against the pack file */
    CAV_ZONE_UNION,     /* a | b */
    CAV_ZONE_INTERSECT, /* a & b */
    CAV_ZONE_DIFF,      /* a - b */
    CAV_ZONE_REF        /* another zone of the pack, by name; resolved through the callback */
} cav_zone_kind;

typedef struct cav_zone_expr {
    cav_zone_kind kind;
    int line, col;            /* where the expression starts, for diagnostics */
    char name[64];            /* COUNTRY, REGION, BORDER (first country), REF */
    char name2[64];           /* BORDER: second country */
    int has_between;          /* BORDER: cut to a stretch */
    double num[4];            /* see the kinds above; distances in metres */
    double *coords;           /* POLYGON: lat,lon pairs */
    int ncoords;              /* POLYGON: number of pairs */
    const char *path;         /* GEOJSON: resolved against the pack file's directory */
    const char *written_path; /* GEOJSON: as written in the policy (for fmt) */
    const char *data;         /* GEOJSON: the file's bytes when the caller read them (the
                                 compiler does, within the pack's directories); NULL: the
                                 builder reads path itself */
    size_t data_len;
    struct cav_zone_expr *a, *b; /* operands of WITHIN (a), UNION, INTERSECT, DIFF */
    int parens;                  /* written inside parentheses (kept by fmt) */
} cav_zone_expr;

/* The largest geojson() file read, in bytes (bounds memory; checked before reading). */
#define CAV_MAX_GEOJSON_BYTES (64L * 1024 * 1024)

/* Resolves a REF: returns the (borrowed) geometry of zone `name`, or NULL if unknown. */
typedef const GEOSGeometry *(*cav_zone_resolver)(void *ud, const char *name);

/* Builds the geometry of e. On success returns 0 and stores a new geometry in *out. On failure
 * returns a negative CAV_E* code and writes a one-line message (no file/line: the caller adds
 * e->line/col of the node that failed, which is stored in *err_node when err_node is not NULL). */
int cav__zone_build(GEOSContextHandle_t h, const cav_zone_expr *e, cav_zone_resolver resolve,
                    void *ud, GEOSGeometry **out, char *err, size_t errlen,
                    const cav_zone_expr **err_node);

/* The lines of border(A, B) a compile has built, kept for its other zones that name the same
 * border: each costs the land of both boundaries, built, checked and repaired (for the default
 * pack, whose two zones name border(UA, RU), a ninth of its load). Zero it, pass it to every
 * cav__zone_build_cached of one compile (one GEOS context), then free it. */
typedef struct cav_zone_cache {
    struct cav_kept_border {
        int a, b; /* the boundaries' indices, in the order written */
        GEOSGeometry *lines;
    } * border;
    int n, cap;
    int hits; /* borders taken from it (for the tests) */
} cav_zone_cache;

/* cav__zone_build with a cache (NULL: none); the geometry built is the same either way. */
int cav__zone_build_cached(GEOSContextHandle_t h, const cav_zone_expr *e, cav_zone_resolver resolve,
                           void *ud, cav_zone_cache *cache, GEOSGeometry **out, char *err,
                           size_t errlen, const cav_zone_expr **err_node);
/* Frees what cache keeps and empties it. */
void cav__zone_cache_free(GEOSContextHandle_t h, cav_zone_cache *cache);

/* ---- the point locator ----------------------------------------------------------------------- */

/* An immutable index over a pack's zones (geo/locate.c explains the design): one look-up answers
 * membership of every zone, and which zones a position's uncertainty leaves undecided. Thread-safe
 * and allocation-free once built. */
typedef struct cav_locator cav_locator;

/* Compiles nzones geometries (lon/lat, borrowed; the locator keeps no reference to them) into a
 * point locator. Zone i answers as bit i of the sets cav__locator_find and cav__locator_find3
 * write. precision_m[i] is the stated precision of zone i's edges in metres: 0 for an exact zone
 * (user-drawn), about 1000 for one made from Natural Earth 1:10m boundaries; a point closer than
 * that to the zone's edge is undecided for it, as if its position were that uncertain. NULL means
 * every zone is exact. Returns NULL on allocation failure, on invalid input (a precision that is
 * negative, NaN or above 10,000 m), or when the tables would pass CAV_LOCATOR_MAX_MIB: edges packed
 * closely along a long way (a comb, a star of many spikes) are stored in every cell they cross. In
 * that last case, when too_big is not NULL, *too_big is the zone that stored the most edges (else
 * it is -1). Free with cav__locator_free. */
cav_locator *cav__locator_new(GEOSContextHandle_t h, const GEOSGeometry *const *zones,
                              const double *precision_m, int nzones, int *too_big);

/* The most a locator's tables may take, in MiB (the default pack's take 15 MB). */
#define CAV_LOCATOR_MAX_MIB 256

/* Number of 64-bit words in a membership set of this locator: (nzones + 63) / 64. */
int cav__locator_words(const cav_locator *loc);

/* Writes into bits[0 .. cav__locator_words(loc)-1] the set of zones that contain (lat, lon),
 * exactly (closed sets: a point on an edge is inside), whatever the precisions. Never allocates;
 * thread-safe. A point outside the valid range (or NaN) is in no zone. */
void cav__locator_find(const cav_locator *loc, double lat, double lon, uint64_t *bits);

/* The three-valued membership of the disk of radius_m metres around (lat, lon). Writes words of
 * cav__locator_words(loc) each: in = the zones containing the centre (as cav__locator_find);
 * unsure = the zones whose boundary comes within r_z = max(radius_m, precision_m[z]) of the centre
 * in geodesic distance on WGS84 (the disk of radius r_z is neither wholly inside nor wholly
 * outside). Per zone: in and not unsure -> wholly inside (true); neither -> wholly outside
 * (false); unsure -> undetermined. The decision "distance < r_z" is right whenever the true
 * distance differs from r_z by more than 0.5 %. radius_m from 0 to 1,000,000 is the designed
 * range (larger works, slower); NaN or negative counts as 0. A point outside the valid range (or
 * NaN) is in no zone and sure of all. Lines that the lon/lat representation forces on a zone are
 * not boundary: edges along a pole, and the parts of a zone's edges on one side of the
 * antimeridian that its edges on the other side match (the data cut the zone there). Never
 * allocates; thread-safe. With radius_m 0 and the point farther than the precisions from every
 * edge it costs a few nanoseconds more than cav__locator_find; near an imprecise edge, or with a
 * radius, more (bench/RESULTS-geo.md). */
void cav__locator_find3(const cav_locator *loc, double lat, double lon, double radius_m,
                        uint64_t *in, uint64_t *unsure);

/* Geodesic metres on WGS84 from (lat, lon) to the nearest point of zone's boundary (within
 * 0.5 %; 0 on the boundary), whether the point is inside the zone or not; for explanations ("23
 * km outside kharkiv-border"). Cuts (see cav__locator_find3) are not boundary. -1 when the zone
 * has no area, the zone index is out of range or the point is invalid. Scans the zone's edges
 * (not the hot path: microseconds for a small zone, about half a millisecond for all of Russia's
 * 36,000 edges), allocation-free and thread-safe. */
double cav__locator_distance(const cav_locator *loc, int zone, double lat, double lon);
/* Bounds lo <= cav__locator_distance(loc, zone, lat, lon) <= hi from chords: for the boundary
 * data's short edges a few centimetres apart, at about a twentieth of the cost (a geodesic is
 * not computed). For a caller that prints the distance to a resolution: where both bounds print
 * alike, so does the distance. Returns 0, or -1 where cav__locator_distance gives -1. */
int cav__locator_distance_bounds(const cav_locator *loc, int zone, double lat, double lon,
                                 double *lo, double *hi);
/* The decimals a distance of km kilometres is written with: in text 0.1 km below 10 km, else
 * whole km; in JSON (json 1) 10 m. */
int cav__km_decimals(double km, int json);
/* Km from (lat, lon) to zone's edge, as exact as writing it with cav__km_decimals needs: the
 * chords' bounds where both are written alike (then so is the distance between them), else the
 * geodesic distance, so the text is the one cav__locator_distance gives at a fraction of the cost.
 * *exact_m (exact_m may be NULL) carries a geodesic distance in metres between calls for one point
 * and zone: NaN for none yet; one measured is stored there, and one stored is used. -1 where
 * cav__locator_distance gives -1. */
double cav__locator_edge_km(const cav_locator *loc, int zone, double lat, double lon, int json,
                            double *exact_m);

/* Bytes held by the locator (for the memory budget in bench/). */
size_t cav__locator_bytes(const cav_locator *loc);

/* Frees the locator; NULL is ignored. */
void cav__locator_free(cav_locator *loc);

#endif
