/* area.h — the permitted area of a use: where on the map a target may be, all else fixed, for the
 * use to be permitted (lang/area.c). Used by `caveat zones --weapon ...` to draw and export it.
 *
 * Ownership: the geometry returned is new, in longitude/latitude degrees, and owned by the caller,
 * who frees it with GEOSGeom_destroy_r in the context it passed.
 */
#ifndef CAV_AREA_H
#define CAV_AREA_H

#include "lang/pack.h"

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

#endif
