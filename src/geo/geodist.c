/* geodist.c — the point locator's geodesy: tangent-plane frames at a point, the factors that turn
 * plane distances into proven bounds on geodesic ones, and exact point-to-edge geodesic distances
 * (the design and the proofs are in geodist.h). Pure functions; nothing here allocates.
 */
#include "geo/geodist.h"

#include <math.h>

/* Chord bounds (see geodist.h). The edge's point Q(t) departs from the straight segment between
 * its ends by at most max|Q''| / 8, and |Q''| <= M_MAX (|dlat| + |dlon|)^2 in radians: the second
 * derivatives of position by latitude and longitude are at most M (times 1.0001), M |sin lat| and
 * N cos lat. */
void cav__geo_chord_bounds(const double p[3], double ax, double ay, double bx, double by,
                           double *lo, double *hi) {
    double a[3], b[3], d[3], w[3];
    cav__geo_ecef(ay, ax, a);
    cav__geo_ecef(by, bx, b);
    double dd = 0, wd = 0;
    for (int i = 0; i < 3; i++) {
        d[i] = b[i] - a[i];
        w[i] = p[i] - a[i];
        dd += d[i] * d[i];
        wd += w[i] * d[i];
    }
    double t = dd > 0 ? wd / dd : 0, c2 = 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    for (int i = 0; i < 3; i++)
        c2 += (w[i] - t * d[i]) * (w[i] - t * d[i]);
    double span = (fabs(by - ay) + fabs(bx - ax)) * CAV_DEG;
    double sag = 1.0001 * CAV_WGS84_M_MAX * span * span / 8;
    double c = sqrt(c2);
    *lo = fmax(0, (c - sag) * (1 - 1e-12) - 1e-3); /* 1 mm: the series in cav__geo_ecef */
    double up = (c + sag) * (1 + 1e-12) + 1e-3;
    *hi = up <= CAV_WGS84_M_MIN
              ? 2 * CAV_WGS84_M_MIN * asin(up / (2 * CAV_WGS84_M_MIN)) * (1 + 1e-12)
              : INFINITY;
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
        double m, c;
        cav__geo_radii(qy, &m, &c);
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
