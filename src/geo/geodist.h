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
 * Both are proofs, not estimates. Their gap grows with r (about tan(lat) r / 6,400 km each way),
 * so an edge between them gets a second, tighter pair from chords, cav__geo_chord_bounds: the
 * straight line through the earth between two points is no longer than any path over it, and no
 * shorter than 2 rho sin(s / 2 rho) for the path along the ellipse cut by the plane through the
 * points and the centre (Schur's comparison: that ellipse bends with radius at least rho = b^2 / a,
 * the smallest meridional radius), so a chord c gives c <= s <= 2 rho asin(c / 2 rho), a gap of
 * 0.1 % at 1000 km. An edge's chord is taken to the straight segment between its ends' points in
 * space, less or plus how far the edge can sag from that segment (an eighth of its second
 * derivative, bounded by the largest radius of curvature). Only an edge that the chords cannot
 * place either is measured with cav__geo_segment. lo falls to 0 where the band of latitudes
 * within r reaches a pole; the chords still hold there.
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
#include <math.h>

#define CAV_WGS84_A 6378137.0             /* semi-major axis, metres */
#define CAV_WGS84_F (1 / 298.257223563)   /* flattening */
#define CAV_WGS84_M_MIN 6335439.327292820 /* smallest meridional radius a (1 - e2) */
#define CAV_WGS84_M_MAX 6399593.625758493 /* largest meridional radius a / sqrt(1 - e2) */
#define CAV_DEG 0.017453292519943295      /* radians per degree */
#define CAV_M_MIN_PER_DEG                                                                          \
    (CAV_WGS84_M_MIN * CAV_DEG) /* metres per degree of latitude, at least                         \
                                 */

/* The tangent plane at a point: metres per degree east (kx) and north (ky). */
typedef struct cav_geo_frame {
    double lat, lon; /* the point, degrees */
    double kx, ky;   /* metres per degree of longitude and of latitude at lat */
    double m, c;     /* meridional radius M0 and parallel radius c0 = N cos lat, metres */
    double inv_m;    /* 1 / m */
    double m_c;      /* m / c, infinite at a pole */
    double s;        /* |sin lat| */
} cav_geo_frame;

/* sin and cos of x in [0, pi/4]: Taylor series, error below 1e-11. Inline, like the frame and the
 * bounds below: the locator computes them once per uncertain query, where libm's sin and cos and
 * a call across files would cost more than the rest of the look-up. */
static inline void cav__geo_sincos_small(double x, double *s, double *c) {
    double x2 = x * x;
    *s = x * (1 + x2 * (-1.0 / 6 +
                        x2 * (1.0 / 120 +
                              x2 * (-1.0 / 5040 + x2 * (1.0 / 362880 + x2 * (-1.0 / 39916800))))));
    *c = 1 +
         x2 * (-0.5 + x2 * (1.0 / 24 + x2 * (-1.0 / 720 +
                                             x2 * (1.0 / 40320 + x2 * (-1.0 / 3628800 +
                                                                       x2 * (1.0 / 479001600))))));
}

/* Meridional radius M and parallel radius c = N cos(lat) in metres per radian at lat (degrees,
 * |lat| <= 90), and |sin lat|. Near the poles cos is taken as sin(90 - |lat|) so that c keeps its
 * relative precision; (1 - e2 sin^2)^(-1/2) comes from its binomial series (u <= 0.0067: seven
 * terms reach 1e-16). */
static inline void cav__geo_radii3(double lat, double *m, double *c, double *s) {
    double a = lat < 0 ? -lat : lat, sn, cs;
    if (a <= 45)
        cav__geo_sincos_small(a * CAV_DEG, &sn, &cs);
    else
        cav__geo_sincos_small((90 - a) * CAV_DEG, &cs, &sn);
    const double e2 = CAV_WGS84_F * (2 - CAV_WGS84_F);
    double u = e2 * sn * sn;
    double q =
        1 + u * (0.5 + u * (0.375 +
                            u * (0.3125 + u * (0.2734375 + u * (0.24609375 + u * 0.2255859375)))));
    *m = CAV_WGS84_A * (1 - e2) * q * q * q;
    *c = CAV_WGS84_A * q * cs;
    *s = sn;
}

/* Meridional radius M and parallel radius c = N cos lat, in metres per radian, at lat (degrees,
 * |lat| <= 90). */
static inline void cav__geo_radii(double lat, double *m, double *c) {
    double s;
    cav__geo_radii3(lat, m, c, &s);
}

/* Sets up the frame at (lat, lon), lat in [-90, 90]. */
static inline void cav__geo_frame(cav_geo_frame *f, double lat, double lon) {
    f->lat = lat;
    f->lon = lon;
    cav__geo_radii3(lat, &f->m, &f->c, &f->s);
    f->kx = f->c * CAV_DEG;
    f->ky = f->m * CAV_DEG;
    f->inv_m = 1 / f->m;
    f->m_c = f->c > 0 ? f->m / f->c : HUGE_VAL;
}

/* Factors bounding geodesic distance by plane distance for threshold r metres (see the header
 * comment): *lo in [0, 1], *hi >= 1 (infinite at a pole). d bounds the latitude change, in
 * radians, of any path shorter than r. M changes by at most 1.5 e2 / (1 - e2) = 1.011 % of itself
 * per radian (1.04 % and 1.02 % leave room for the exponential) and stays within [M_MIN, M_MAX];
 * c changes by at most M_MAX |sin lat| per radian, and its tangent bounds it from above because c
 * is concave in |lat|. A relative 1e-9 covers rounding and the series. */
static inline void cav__geo_bounds(const cav_geo_frame *f, double r, double *lo, double *hi) {
    double d = r * (1 / CAV_WGS84_M_MIN);
    double mhi = 1 + 0.0104 * d, mlo = 1 - 0.0102 * d;
    double mcap = CAV_WGS84_M_MAX * f->inv_m, mfloor = CAV_WGS84_M_MIN * f->inv_m;
    mhi = mhi < mcap ? mhi : mcap;
    mlo = mlo > mfloor ? mlo : mfloor;
    double chi = 1 + f->m_c * f->s * d;
    double sd = f->s + d < 1 ? f->s + d : 1;
    double clo = 1 - CAV_WGS84_M_MAX * f->inv_m * f->m_c * sd * d;
    *hi = (mhi > chi ? mhi : chi) * (1 + 1e-9);
    double l = mlo < clo ? mlo : clo;
    *lo = l > 0 ? l * (1 - 1e-9) : 0;
}

/* Squared plane distance in square metres from the frame's point to the edge (ax, ay)-(bx, by)
 * (lon, lat degrees). Inline and free of branches (the clamps are written with fabs, which
 * compilers do not turn into jumps): the locator's measured inner loop, where a mispredicted
 * branch per edge, waiting on the division, costs more than the arithmetic. */
static inline double cav__geo_plane_dist2(const cav_geo_frame *f, double ax, double ay, double bx,
                                          double by) {
    double px = (ax - f->lon) * f->kx, py = (ay - f->lat) * f->ky;
    double dx = (bx - ax) * f->kx, dy = (by - ay) * f->ky;
    double dd = dx * dx + dy * dy;
    double t = -(px * dx + py * dy) / (dd + 1e-300); /* an edge is longer than 1e-150 m */
    t = 0.5 * (t + fabs(t));                         /* max(t, 0) */
    double u = 1 - t;
    t = 1 - 0.5 * (u + fabs(u)); /* min(t, 1) */
    px += t * dx;
    py += t * dy;
    return px * px + py * py;
}

/* Earth-centred, earth-fixed coordinates in metres of (lat, lon) on the ellipsoid (|lat| <= 90,
 * any longitude), to about 1e-4 m: the series above, no libm call. */
static inline void cav__geo_ecef(double lat, double lon, double xyz[3]) {
    double a = lat < 0 ? -lat : lat, sa, ca, sr, cr;
    if (a <= 45)
        cav__geo_sincos_small(a * CAV_DEG, &sa, &ca);
    else
        cav__geo_sincos_small((90 - a) * CAV_DEG, &ca, &sa);
    const double e2 = CAV_WGS84_F * (2 - CAV_WGS84_F);
    double u = e2 * sa * sa;
    double n =
        CAV_WGS84_A *
        (1 + u * (0.5 + u * (0.375 + u * (0.3125 +
                                          u * (0.2734375 + u * (0.24609375 + u * 0.2255859375))))));
    double q = floor(lon / 90 + 0.5), r = lon - 90 * q; /* r in [-45, 45], quadrant q */
    cav__geo_sincos_small((r < 0 ? -r : r) * CAV_DEG, &sr, &cr);
    sr = r < 0 ? -sr : sr;
    int k = (int)(q - 4 * floor(q / 4));
    double sl = k == 0 ? sr : k == 1 ? cr : k == 2 ? -sr : -cr;
    double cl = k == 0 ? cr : k == 1 ? -sr : k == 2 ? -cr : sr;
    xyz[0] = n * ca * cl;
    xyz[1] = n * ca * sl;
    xyz[2] = n * (1 - e2) * (lat < 0 ? -sa : sa);
}

/* Bounds *lo <= s <= *hi on the geodesic distance s from the point whose earth-centred coordinates
 * are p to the edge (ax, ay)-(bx, by), from chords (see the header comment); *hi is infinite
 * beyond about 6,000 km. Costs two sin/cos pairs. */
void cav__geo_chord_bounds(const double p[3], double ax, double ay, double bx, double by,
                           double *lo, double *hi);

/* The squared plane distance to the edge (ax, ay)-(bx, by) scaled by the squared length of the
 * edge, *dd (both in the frame's metres), without a division: with p the vector from the point to
 * the edge's start, d the edge and c = -p.d clamped to [0, d.d], the nearest point is p + (c / d.d)
 * d, and d.d times its squared length is p.p d.d - 2 c (-p.d) + c^2. A comparison d^2 < r^2 becomes
 * *num < r^2 *dd. The locator's hot loop (radius 0 near an edge). */
static inline double cav__geo_plane_num(const cav_geo_frame *f, double ax, double ay, double bx,
                                        double by, double *dd) {
    double px = (ax - f->lon) * f->kx, py = (ay - f->lat) * f->ky;
    double dx = (bx - ax) * f->kx, dy = (by - ay) * f->ky;
    double d2 = dx * dx + dy * dy, pd = -(px * dx + py * dy);
    double c = 0.5 * (pd + fabs(pd)); /* max(pd, 0) */
    double u = d2 - c;
    c = d2 - 0.5 * (u + fabs(u)); /* min(c, d2) */
    *dd = d2;
    return (px * px + py * py) * d2 - 2 * c * pd + c * c;
}

/* Geodesic distance in metres on WGS84 from the frame's point to the nearest point of the edge
 * (ax, ay)-(bx, by), straight in lon/lat: the exact geodesic length to a point of the edge found
 * by Newton steps on the edge parameter (the geodesic meets the edge at a right angle there), so
 * the result is never below the true distance and, where the distance along the edge has a
 * single minimum (as it has for the short edges of boundary data and for long edges along
 * parallels and meridians), exceeds it by far less than 0.01 %; the ends are always measured too.
 * Costs a few geod_inverse calls. */
double cav__geo_segment(const struct geod_geodesic *g, const cav_geo_frame *f, double ax, double ay,
                        double bx, double by);

#endif
