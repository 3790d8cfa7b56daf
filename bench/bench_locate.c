/* bench_locate.c — measures the point locator: build time, bytes, nanoseconds per point.
 *
 * The zones are those of a typical pack: UA, RU (full 1:10m, 36,000 vertices), BY, within 30 km of
 * the UA-RU border, a box and a circle near Kharkiv, and RU minus the border strip. The points are
 * uniform in 40-60N 20-50E from a fixed seed. Prints the median of several runs.
 *
 * Then the three-valued look-up (cav__locator_find3) on a second locator of the same zones with
 * Natural Earth's stated precision (1000 m) on the five zones made from boundary data (the box and
 * the circle are exact), radius 0, as ns/point over a batch, next to cav__locator_find on the
 * exact locator and on this one, for: the uniform points; those of them farther than 2 km from
 * every edge; the "hard mix", points 0-3 km (uniform in distance, random direction) from random
 * points of the UA-RU border, where UA and RU are decided by their edges, all along the border (a
 * working set beyond the caches) and the subset within 1 km (all of them unsure), and the same
 * near Kharkiv only (in cache: the cost of the arithmetic). Then radii 100 m, 1 km, 10 km, 100 km
 * and 1000 km on the uniform points and on the hard mix: the median of per-call times (the
 * timer's own cost, calibrated, subtracted) and the batch mean.
 *
 * Usage: bench_locate [--points N] [--runs R] [--disk-points M] [--export DIR]
 *   --disk-points M: points for the disk cases (default 100,000; 0 skips the find3 part).
 *   --export DIR writes DIR/zones.wkt (one zone per line, in bit order), DIR/points.bin (N pairs of
 *   little-endian float64 lon, lat) and DIR/answers.bin (N bytes: the membership bits), which
 *   bench/locate_compare.py reads to time GEOS (shapely) and PostGIS on the same points.
 */
#include "../tests/geo/zone_set.h"
#include "geo/geo.h"

#include <geodesic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NZONES = ZONE_SET_N };

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t rng = 0x2545f4914f6cdd1du;
static double uniform(double lo, double hi) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return lo + (hi - lo) * ((double)((rng * 2685821657736338717u) >> 11) / 9007199254740992.0);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* This thread's CPU time in ns: batch timings of the find3 part use it, so that time the thread
 * spends descheduled on a busy machine does not count (the clock costs a system call, too much
 * to time single calls with). */
static double cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Points 0-3 km (uniform in distance, random direction) from random points of the border line
 * (lon, lat pairs into pts) and their distances (into dist); when local, only from the line's
 * edges whose first end lies in 49.9-50.6N 35.5-37.5E, about 150 km near Kharkiv. */
static int hard_mix(GEOSContextHandle_t h, const cav_zone_expr *border, int local, double *pts,
                    double *dist, long n) {
    GEOSGeometry *line = NULL;
    char err[256];
    if (cav__zone_build(h, border, NULL, NULL, &line, err, sizeof err, NULL) != 0)
        return -1;
    int nl = GEOSGetNumGeometries_r(h, line);
    struct geod_geodesic g;
    geod_init(&g, 6378137, 1 / 298.257223563);
    for (long i = 0; i < n;) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, line, (int)uniform(0, nl));
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, part);
        unsigned np = 0;
        GEOSCoordSeq_getSize_r(h, seq, &np);
        if (np < 2)
            continue;
        unsigned k = (unsigned)uniform(0, np - 1);
        double x0, y0, x1, y1, t = uniform(0, 1);
        GEOSCoordSeq_getXY_r(h, seq, k, &x0, &y0);
        GEOSCoordSeq_getXY_r(h, seq, k + 1, &x1, &y1);
        if (local && !(y0 > 49.9 && y0 < 50.6 && x0 > 35.5 && x0 < 37.5))
            continue;
        dist[i] = uniform(0, 3000);
        geod_direct(&g, y0 + t * (y1 - y0), x0 + t * (x1 - x0), uniform(-180, 180), dist[i],
                    &pts[2 * i + 1], &pts[2 * i], 0);
        i++;
    }
    GEOSGeom_destroy_r(h, line);
    return 0;
}

/* ns per point over the batch (median of runs) of find (radius < 0) or find3 with radius. */
static double batch(const cav_locator *loc, const double *pts, long n, double radius, int runs,
                    uint64_t *acc) {
    double times[100];
    for (int r = 0; r < runs; r++) {
        double t0 = cpu_ns();
        for (long i = 0; i < n; i++) {
            uint64_t in[1], unsure[1] = {0};
            if (radius < 0)
                cav__locator_find(loc, pts[2 * i + 1], pts[2 * i], in);
            else
                cav__locator_find3(loc, pts[2 * i + 1], pts[2 * i], radius, in, unsure);
            *acc += in[0] + 3 * unsure[0];
        }
        times[r] = (cpu_ns() - t0) / (double)(n ? n : 1);
    }
    return median(times, runs);
}

/* Median of per-call times of find3 in ns, less the timer's cost. */
static double median3(const cav_locator *loc, const double *pts, long n, double radius,
                      double *scratch, uint64_t *acc) {
    double cost[1001];
    for (int i = 0; i < 1001; i++) {
        double t0 = now_ns();
        cost[i] = now_ns() - t0;
    }
    double timer = median(cost, 1001);
    for (long i = 0; i < n; i++) {
        uint64_t in[1], unsure[1];
        double t0 = now_ns();
        cav__locator_find3(loc, pts[2 * i + 1], pts[2 * i], radius, in, unsure);
        scratch[i] = now_ns() - t0 - timer;
        *acc += in[0] + 3 * unsure[0];
    }
    return median(scratch, (int)n);
}

/* One row of the radius-0 table: find on the exact locator, find and find3 on the one with
 * precisions. */
static void row0(const char *name, const cav_locator *exact, const cav_locator *loc,
                 const double *pts, long n, int runs, uint64_t *acc) {
    double fe = batch(exact, pts, n, -1, runs, acc), fp = batch(loc, pts, n, -1, runs, acc);
    printf("radius 0, %s (%ld points): find %.2f ns/point, find with precisions %.2f, "
           "find3 %.2f\n",
           name, n, fe, fp, batch(loc, pts, n, 0, runs, acc));
}

/* The find3 part (see the header comment). */
static int bench_find3(GEOSContextHandle_t h, GEOSGeometry **zones, const cav_zone_expr *border,
                       const double *upts, long n, int runs) {
    double prec[NZONES] = {1000, 1000, 1000, 1000, 0, 0, 1000};
    double times[100];
    cav_locator *loc = NULL;
    for (int r = 0; r < runs; r++) {
        cav__locator_free(loc);
        double t0 = now_ms();
        loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, prec, NZONES, NULL);
        times[r] = now_ms() - t0;
        if (!loc)
            return 1;
    }
    double build_ms = median(times, runs);
    cav_locator *exact =
        cav__locator_new(h, (const GEOSGeometry *const *)zones, NULL, NZONES, NULL);
    double *hpts = malloc(sizeof(double) * 2 * (size_t)n);
    double *lpts = malloc(sizeof(double) * 2 * (size_t)n);
    double *fpts = malloc(sizeof(double) * 2 * (size_t)n);
    double *npts = malloc(sizeof(double) * 2 * (size_t)n);
    double *hdist = malloc(sizeof(double) * (size_t)n);
    double *scratch = malloc(sizeof(double) * (size_t)n);
    if (!exact || !hpts || !lpts || !fpts || !npts || !hdist || !scratch ||
        hard_mix(h, border, 1, lpts, scratch, n) < 0 ||
        hard_mix(h, border, 0, hpts, hdist, n) < 0) {
        fprintf(stderr, "bench_locate: find3 set-up failed\n");
        return 1;
    }
    /* the uniform points farther than 2 km from every edge (nothing unsure at radius 2 km), and
     * the hard-mix points within 1 km of the border */
    long nf = 0, nn = 0;
    for (long i = 0; i < n; i++) {
        uint64_t in[1], unsure[1];
        cav__locator_find3(loc, upts[2 * i + 1], upts[2 * i], 2000, in, unsure);
        if (!unsure[0]) {
            fpts[2 * nf] = upts[2 * i];
            fpts[2 * nf++ + 1] = upts[2 * i + 1];
        }
        if (hdist[i] < 1000) {
            npts[2 * nn] = hpts[2 * i];
            npts[2 * nn++ + 1] = hpts[2 * i + 1];
        }
    }
    uint64_t acc = 0;
    printf("find3: precision 1000 m on UA RU BY within30km RU-minus-strip; box and circle exact\n");
    printf("find3 locator build: %.2f ms (median of %d), bytes: %zu (%.2f MB)\n", build_ms, runs,
           cav__locator_bytes(loc), (double)cav__locator_bytes(loc) / 1048576.0);
    row0("uniform points", exact, loc, upts, n, runs, &acc);
    row0("uniform points farther than 2 km from every edge", exact, loc, fpts, nf, runs, &acc);
    row0("hard mix, 0-3 km from the UA-RU border, all along it", exact, loc, hpts, n, runs, &acc);
    row0("hard mix, within 1 km of the border", exact, loc, npts, nn, runs, &acc);
    row0("hard mix, 0-3 km from the border near Kharkiv (in cache)", exact, loc, lpts, n, runs,
         &acc);
    static const double radii[] = {100, 1000, 10000, 100000, 1000000};
    printf("find3 by radius: median ns (mean ns) on uniform points | hard mix, all along\n");
    for (int k = 0; k < 5; k++) {
        long m = radii[k] >= 1e5 ? n / 10 : n; /* the wide disks take longer */
        double mu = median3(loc, upts, m, radii[k], scratch, &acc);
        double au = batch(loc, upts, m, radii[k], 1, &acc);
        double mh = median3(loc, hpts, m, radii[k], scratch, &acc);
        double ah = batch(loc, hpts, m, radii[k], 1, &acc);
        printf("find3 radius %g m (%ld points): %.0f (%.0f) | %.0f (%.0f)\n", radii[k], m, mu, au,
               mh, ah);
    }
    printf("find3 checksum %llu\n", (unsigned long long)acc);
    cav__locator_free(loc);
    cav__locator_free(exact);
    free(hpts);
    free(lpts);
    free(fpts);
    free(npts);
    free(hdist);
    free(scratch);
    return 0;
}

static int export_all(GEOSContextHandle_t h, const char *dir, GEOSGeometry **zones,
                      const double *pts, const uint8_t *ans, long n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/zones.wkt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    GEOSWKTWriter *w = GEOSWKTWriter_create_r(h);
    GEOSWKTWriter_setRoundingPrecision_r(h, w, 17);
    GEOSWKTWriter_setTrim_r(h, w, 1);
    for (int z = 0; z < NZONES; z++) {
        char *wkt = GEOSWKTWriter_write_r(h, w, zones[z]);
        fprintf(f, "%s\n", wkt);
        GEOSFree_r(h, wkt);
    }
    GEOSWKTWriter_destroy_r(h, w);
    fclose(f);
    snprintf(path, sizeof path, "%s/points.bin", dir);
    f = fopen(path, "wb");
    if (!f || fwrite(pts, sizeof(double) * 2, (size_t)n, f) != (size_t)n)
        return -1;
    fclose(f);
    snprintf(path, sizeof path, "%s/answers.bin", dir);
    f = fopen(path, "wb");
    if (!f || fwrite(ans, 1, (size_t)n, f) != (size_t)n)
        return -1;
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    long npoints = 10000000, disk_points = 100000;
    int runs = 7;
    const char *export_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--points") == 0 && i + 1 < argc)
            npoints = atol(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--disk-points") == 0 && i + 1 < argc)
            disk_points = atol(argv[++i]);
        else if (strcmp(argv[i], "--export") == 0 && i + 1 < argc)
            export_dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench_locate [--points N] [--runs R] [--disk-points M] "
                            "[--export DIR]\n");
            return 2;
        }
    }
    if (npoints <= 0 || runs <= 0 || runs > 99 || disk_points < 0)
        return 2;
    GEOSContextHandle_t h = GEOS_init_r();
    static zone_set set; /* static: its expressions point into it */
    zone_set_init(&set);
    const cav_zone_expr *const *exprs = set.exprs;
    GEOSGeometry *zones[NZONES];
    double t0 = now_ms();
    for (int z = 0; z < NZONES; z++) {
        char err[256];
        if (cav__zone_build(h, exprs[z], NULL, NULL, &zones[z], err, sizeof err, NULL) != 0) {
            fprintf(stderr, "bench_locate: zone %d: %s\n", z, err);
            return 1;
        }
    }
    double zone_ms = now_ms() - t0;

    double times[100];
    cav_locator *loc = NULL;
    for (int r = 0; r < runs; r++) {
        cav__locator_free(loc);
        t0 = now_ms();
        loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, NULL, NZONES, NULL);
        times[r] = now_ms() - t0;
        if (!loc) {
            fprintf(stderr, "bench_locate: locator build failed\n");
            return 1;
        }
    }
    double build_ms = median(times, runs);

    double *pts = malloc(sizeof(double) * 2 * (size_t)npoints);
    uint8_t *ans = malloc((size_t)npoints);
    if (!pts || !ans)
        return 1;
    for (long i = 0; i < npoints; i++) {
        pts[2 * i] = uniform(20, 50);
        pts[2 * i + 1] = uniform(40, 60);
    }
    uint64_t acc = 0;
    for (int r = 0; r < runs; r++) {
        t0 = now_ms();
        for (long i = 0; i < npoints; i++) {
            uint64_t bits[1];
            cav__locator_find(loc, pts[2 * i + 1], pts[2 * i], bits);
            ans[i] = (uint8_t)bits[0];
            acc += bits[0];
        }
        times[r] = (now_ms() - t0) * 1e6 / (double)npoints;
    }
    double ns = median(times, runs);
    long inside[NZONES] = {0};
    for (long i = 0; i < npoints; i++) {
        for (int z = 0; z < NZONES; z++)
            inside[z] += (ans[i] >> z) & 1;
    }
    printf(
        "zones: UA RU BY within30km(border UA-RU) box circle RU-minus-strip (built in %.1f ms)\n",
        zone_ms);
    printf("points: %ld uniform in 40-60N 20-50E; runs: %d (median)\n", npoints, runs);
    printf("inside counts:");
    for (int z = 0; z < NZONES; z++)
        printf(" %ld", inside[z]);
    printf(" (checksum %llu)\n", (unsigned long long)acc);
    printf("locator build: %.2f ms\n", build_ms);
    printf("locator bytes: %zu (%.2f MB)\n", cav__locator_bytes(loc),
           (double)cav__locator_bytes(loc) / 1048576.0);
    printf("find: %.2f ns/point\n", ns);
    int rc = 0;
    if (disk_points > 0)
        rc = bench_find3(h, zones, &set.border, pts, disk_points < npoints ? disk_points : npoints,
                         runs);
    if (export_dir && export_all(h, export_dir, zones, pts, ans, npoints) < 0) {
        fprintf(stderr, "bench_locate: cannot export to %s\n", export_dir);
        rc = 1;
    }
    cav__locator_free(loc);
    for (int z = 0; z < NZONES; z++)
        GEOSGeom_destroy_r(h, zones[z]);
    GEOS_finish_r(h);
    free(pts);
    free(ans);
    return rc;
}
