/* area.h — the permitted area of a use: where on the map a target may be, all else fixed, for the
 * use to be permitted (lang/area.c). Used by `caveat zones --weapon ...` to draw and export it.
 *
 * Ownership: the geometry returned is new, in longitude/latitude degrees, and owned by the caller,
 * who frees it with GEOSGeom_destroy_r in the context it passed.
 */
#ifndef CAV_AREA_H
#define CAV_AREA_H

#include "lang/pack.h"

typedef struct cav_use_areas cav_use_areas;

/* Computes, exactly with GEOS, the set of target places where cav_eval would answer `permitted`
 * for the query `tmpl` with its target moved there (tmpl's target_lat/target_lon are ignored;
 * every other field, the launch point included, is kept). The answer is a closed set in lon/lat:
 * for a point away from every zone boundary, the point is covered by the area exactly when
 * cav_eval says permitted. NOT in a condition is taken against the whole lon/lat plane
 * (-180..180 x -90..90), so the area may extend beyond the pack's countries; it is empty (a GEOS
 * empty geometry, never NULL) when the use is permitted nowhere.
 *
 * Works in the caller's GEOS context h (the pack holds none), so calls on several threads with a
 * context each run at once. Returns 0 and a new geometry in *out; CAV_EINVAL when tmpl names ids
 * the pack does not have; CAV_EGEO when a GEOS operation fails (then *out is NULL). */
int cav__permitted_area(const cav_pack *p, const cav_query *tmpl, GEOSContextHandle_t h,
                        GEOSGeometry **out);

/* The answers of a use over the map, for drawing and exporting it. Each geometry is new (lon/lat,
 * owned by the struct: cav__use_areas_free) or NULL for the empty set. */
#define CAV_AREA_MAX_RULES 64
typedef struct cav_use_areas {
    GEOSGeometry *permitted;     /* as cav__permitted_area */
    GEOSGeometry *indeterminate; /* where cav_eval answers indeterminate at an exact point: a
                                    field a rule tests is missing (not the bands along edges,
                                    which come from positions' uncertainty and data precision) */
    GEOSGeometry *disputed;      /* the part of permitted where a true permit is disputed */
} cav_use_areas;

/* Computes the areas of a use (tmpl as for cav__permitted_area) into *out. Returns 0, CAV_EINVAL,
 * CAV_ENOMEM or CAV_EGEO (then *out holds nothing). */
int cav__use_areas(const cav_pack *p, const cav_query *tmpl, GEOSContextHandle_t h,
                   cav_use_areas *out);
void cav__use_areas_free(GEOSContextHandle_t h, cav_use_areas *a);

#endif
