/* geodist.c — the point locator's geodesy: tangent-plane frames at a point, the factors that turn
 * plane distances into proven bounds on geodesic ones, and exact point-to-edge geodesic distances
 * (the design and the proofs are in geodist.h). Pure functions; nothing here allocates.
 */
#include "geo/geodist.h"

#include <math.h>

#define E2 (CAV_WGS84_F * (2 - CAV_WGS84_F)) /* first eccentricity squared */
/* |dM/dlat| / M <= 1.5 e2 / (1 - e2) = 0.010109; the upper factor has room for the exponential. */
#define M_SLOPE_HI 0.0104
#define M_SLOPE_LO 0.0102
/* Relative room for rounding and for the series below (each good to about 1e-12). */
#define SLACK 1e-9

/* sin and cos of x in [0, pi/4]: Taylor series, error below 1e-11 (the hot path computes them
 * once per query; libm's sin and cos cost more than the rest of a lookup). */
static void sincos_small(double x, double *s, double *c) {
    double x2 = x * x;
    *s = x * (1 + x2 * (-1.0 / 6 +
                        x2 * (1.0 / 120 +
                              x2 * (-1.0 / 5040 + x2 * (1.0 / 362880 + x2 * (-1.0 / 39916800))))));
    *c = 1 +
         x2 * (-0.5 + x2 * (1.0 / 24 + x2 * (-1.0 / 720 +
                                             x2 * (1.0 / 40320 + x2 * (-1.0 / 3628800 +
                                                                       x2 * (1.0 / 479001600))))));
}

/* Meridional radius M and parallel radius c = N cos(lat) at lat (degrees, |lat| <= 90), and
 * |sin lat|. Near the poles cos is taken as sin(90 - |lat|) so that c keeps its relative
 * precision. */
static void radii(double lat, double *m, double *c, double *s) {
    double a = fabs(lat), sn, cs;
    if (a <= 45)
        sincos_small(a * CAV_DEG, &sn, &cs);
    else
        sincos_small((90 - a) * CAV_DEG, &cs, &sn);
    /* q = (1 - e2 sin^2)^(-1/2) by its binomial series: u <= 0.0067, seven terms reach 1e-16 */
    double u = E2 * sn * sn;
    double q =
        1 + u * (0.5 + u * (0.375 +
                            u * (0.3125 + u * (0.2734375 + u * (0.24609375 + u * 0.2255859375)))));
    *m = CAV_WGS84_A * (1 - E2) * q * q * q;
    *c = CAV_WGS84_A * q * cs;
    *s = sn;
}

/* Radii at lat (see geodist.h). */
void cav__geo_radii(double lat, double *m, double *c) {
    double s;
    radii(lat, m, c, &s);
}

/* Sets up the tangent plane at (lat, lon) (see geodist.h). */
void cav__geo_frame(cav_geo_frame *f, double lat, double lon) {
    f->lat = lat;
    f->lon = lon;
    radii(lat, &f->m, &f->c, &f->s);
    f->kx = f->c * CAV_DEG;
    f->ky = f->m * CAV_DEG;
}

/* The factors lo and hi for threshold r (proofs in geodist.h). d bounds the latitude change, in
 * radians, of any path shorter than r. */
void cav__geo_bounds(const cav_geo_frame *f, double r, double *lo, double *hi) {
    double d = r / CAV_WGS84_M_MIN;
    double mhi = fmin(1 + M_SLOPE_HI * d, CAV_WGS84_M_MAX / f->m);
    double mlo = fmax(1 - M_SLOPE_LO * d, CAV_WGS84_M_MIN / f->m);
    double chi = INFINITY, clo = 0;
    if (f->c > 0) {
        /* tangent of the concave c(|lat|) above; |dc/dlat| = M |sin lat| <= M_MAX (s + d) below */
        chi = 1 + f->m * f->s * d / f->c;
        clo = (f->c - CAV_WGS84_M_MAX * fmin(1, f->s + d) * d) / f->c;
    }
    *hi = fmax(mhi, chi) * (1 + SLACK);
    *lo = fmax(0, fmin(mlo, clo)) * (1 - SLACK);
}

/* Exact geodesic distance to the edge, minimised over the edge by Newton steps (see geodist.h).
 * Where the geodesic from the point arrives at Q(t) with azimuth az and the edge runs at azimuth
 * al with speed L (metres per unit t), the distance s(t) has s' = L cos(al - az) and, to first
 * order, s'' = L^2 sin^2(al - az) / s. */
double cav__geo_segment(const struct geod_geodesic *g, const cav_geo_frame *f, double ax, double ay,
                        double bx, double by) {
    double sa, sb, azi1, azi2;
    geod_inverse(g, f->lat, f->lon, ay, ax, &sa, &azi1, &azi2);
    geod_inverse(g, f->lat, f->lon, by, bx, &sb, &azi1, &azi2);
    double best = fmin(sa, sb);
    if (ax == bx && ay == by)
        return best;
    /* start from the plane's nearest point */
    double px = (ax - f->lon) * f->kx, py = (ay - f->lat) * f->ky;
    double dx = (bx - ax) * f->kx, dy = (by - ay) * f->ky;
    double dd = dx * dx + dy * dy;
    double t = dd > 0 ? -(px * dx + py * dy) / dd : 0.5;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double t_prev = t, s_prev = INFINITY;
    for (int it = 0; it < 16; it++) {
        double qy = ay + t * (by - ay), qx = ax + t * (bx - ax), s;
        geod_inverse(g, f->lat, f->lon, qy, qx, &s, &azi1, &azi2);
        if (!(s < s_prev)) { /* overshot: back off halfway towards the last good point */
            if (fabs(t - t_prev) < 1e-12)
                break;
            t = (t + t_prev) / 2;
            continue;
        }
        best = fmin(best, s);
        if (s < 1e-3) /* a millimetre: on the edge */
            break;
        t_prev = t;
        s_prev = s;
        double m, c, sn;
        radii(qy, &m, &c, &sn);
        double east = c * (bx - ax) * CAV_DEG, north = m * (by - ay) * CAV_DEG;
        double len = sqrt(east * east + north * north);
        if (!(len > 0))
            break;
        double cos_psi = (east * sin(azi2 * CAV_DEG) + north * cos(azi2 * CAV_DEG)) / len;
        double sin2 = 1 - cos_psi * cos_psi;
        /* perpendicular to within 1e-3 rad: s exceeds the minimum by less than 1e-6 of s */
        if (cos_psi * cos_psi < 1e-6 * sin2)
            break;
        double tn = t - s * cos_psi / (len * fmax(sin2, 1e-9));
        tn = tn < 0 ? 0 : tn > 1 ? 1 : tn;
        if (tn == t) /* at an end and the distance falls beyond it: that end is nearest */
            break;
        t = tn;
    }
    return best;
}
