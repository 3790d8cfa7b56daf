/* bench_locate.c — measures the point locator: build time, bytes, nanoseconds per point.
 *
 * The zones are those of a typical pack: UA, RU (full 1:10m, 36,000 vertices), BY, within 30 km of
 * the UA-RU border, a box and a circle near Kharkiv, and RU minus the border strip. The points are
 * uniform in 40-60N 20-50E from a fixed seed. Prints the median of several runs.
 *
 * Usage: bench_locate [--points N] [--runs R] [--export DIR]
 *   --export DIR writes DIR/zones.wkt (one zone per line, in bit order), DIR/points.bin (N pairs of
 *   little-endian float64 lon, lat) and DIR/answers.bin (N bytes: the membership bits), which
 *   bench/locate_compare.py reads to time GEOS (shapely) and PostGIS on the same points.
 */
#include "../tests/geo/zone_set.h"
#include "geo/geo.h"

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
    long npoints = 10000000;
    int runs = 7;
    const char *export_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--points") == 0 && i + 1 < argc)
            npoints = atol(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--export") == 0 && i + 1 < argc)
            export_dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench_locate [--points N] [--runs R] [--export DIR]\n");
            return 2;
        }
    }
    if (npoints <= 0 || runs <= 0 || runs > 99)
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
        loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, NULL, NZONES);
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
