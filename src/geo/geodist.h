/* geodist.h — geodesic distance from a point to lon/lat edges on WGS84, for the point locator.
 *
 * The locator's zones are polygons whose edges are straight in longitude/latitude (as GEOS sees
 * them). Distances from a point to those edges are measured on the WGS84 ellipsoid. Exact
 * geodesics (PROJ's geod_inverse) cost about 0.6 µs each, so the locator measures in a plane
 * tangent at the point instead and keeps exact geodesics for the few edges the plane cannot decide.
 *
 * The plane ("frame") maps (lon, lat) to metres east and north of the point, scaled by the radii
 * of curvature at the point's latitude: x = c0 (lon - lon0), y = M0 (lat - lat0) with c0 = N cos
 * lat0 (N the prime-vertical radius) and M0 the meridional radius. An edge straight in lon/lat
 * stays straight under this affine map, so the plane distance d to an edge is the distance to a
 * segment. cav__geo_bounds gives factors lo <= 1 <= hi such that, for a threshold r:
 *
 *   - if d * hi < r, the geodesic distance to the edge is below r (the lon/lat-straight path to the
 *     plane's nearest point is no longer than d * hi, because M and c over the latitudes it crosses
 *     are at most M0 hi and c0 hi: c = N cos lat is concave in |lat|, so its tangent bounds it);
 *   - if d * lo > r, the geodesic distance is above r (any path shorter than r stays within r / M
 *     of lat0 in latitude, where M >= M0 lo and c >= c0 lo, so its length is at least d * lo).
 *
 * Both are proofs, not estimates; between them the locator asks cav__geo_segment for the exact
 * answer. lo falls to 0 where the band of latitudes within r reaches a pole; then only the
 * latitude gap bounds a distance from below, and every other edge is measured exactly.
 *
 * Longitudes are taken as given: the caller shifts the point by 360 degrees where a disk crosses
 * the antimeridian, so that the longitude difference to the edges it measures is the short one.
 *
 * Everything here is pure and allocation-free; the geod_geodesic is read-only, so any number of
 * threads may measure at once.
 */
#ifndef CAV_GEODIST_H
#define CAV_GEODIST_H

#include <geodesic.h>

#define CAV_WGS84_A 6378137.0             /* semi-major axis, metres */
#define CAV_WGS84_F (1 / 298.257223563)   /* flattening */
#define CAV_WGS84_M_MIN 6335439.327292820 /* smallest meridional radius a (1 - e2) */
#define CAV_WGS84_M_MAX 6399593.625758493 /* largest meridional radius a / sqrt(1 - e2) */
#define CAV_DEG 0.017453292519943295      /* radians per degree */
#define CAV_M_MIN_PER_DEG (CAV_WGS84_M_MIN * CAV_DEG) /* metres per degree of latitude, at least   \
                                                       */

/* The tangent plane at a point: metres per degree east (kx) and north (ky). */
typedef struct cav_geo_frame {
    double lat, lon; /* the point, degrees */
    double kx, ky;   /* metres per degree of longitude and of latitude at lat */
    double m, c;     /* meridional radius M0 and parallel radius c0 = N cos lat, metres */
    double s;        /* |sin lat| */
} cav_geo_frame;

/* Sets up the frame at (lat, lon), lat in [-90, 90]. Pure arithmetic (no libm call): it is on
 * the locator's hot path. */
void cav__geo_frame(cav_geo_frame *f, double lat, double lon);

/* Meridional radius M and parallel radius c = N cos lat, in metres per radian, at lat (degrees,
 * |lat| <= 90). Pure arithmetic. */
void cav__geo_radii(double lat, double *m, double *c);

/* Factors bounding geodesic distance by plane distance for threshold r metres (see the header
 * comment): *lo in [0, 1], *hi >= 1 (infinite at a pole). */
void cav__geo_bounds(const cav_geo_frame *f, double r, double *lo, double *hi);

/* Squared plane distance in square metres from the frame's point to the edge (ax, ay)-(bx, by)
 * (lon, lat degrees). Inline: the locator's measured inner loop. */
static inline double cav__geo_plane_dist2(const cav_geo_frame *f, double ax, double ay, double bx,
                                          double by) {
    double px = (ax - f->lon) * f->kx, py = (ay - f->lat) * f->ky;
    double dx = (bx - ax) * f->kx, dy = (by - ay) * f->ky;
    double dd = dx * dx + dy * dy, t = -(px * dx + py * dy);
    if (t > 0 && dd > 0) {
        if (t >= dd) {
            px += dx;
            py += dy;
        } else {
            t /= dd;
            px += t * dx;
            py += t * dy;
        }
    }
    return px * px + py * py;
}

/* Geodesic distance in metres on WGS84 from the frame's point to the nearest point of the edge
 * (ax, ay)-(bx, by), straight in lon/lat: the exact geodesic length to a point of the edge found
 * by Newton steps on the edge parameter (the geodesic meets the edge at a right angle there), so
 * the result is never below the true distance and exceeds it by far less than 0.01 % (the
 * distance along an edge has one minimum for every edge a zone can have, short or along a
 * parallel). Costs a few geod_inverse calls. */
double cav__geo_segment(const struct geod_geodesic *g, const cav_geo_frame *f, double ax, double ay,
                        double bx, double by);

#endif
