/* bench_eval.c — ns per decision on the embedded default pack, in process, geography included.
 *
 * Three mixes of queries are generated up front through the library's query setters (so every
 * measured query is one the JSON reader would accept; the ones the reader refuses, such as an
 * F-16 without a supplier or a supplier the catalog does not record for the weapon, are counted
 * and reported apart, never timed):
 *   uniform: weapons, kinds, roles, purposes, states, dates 2022-2025, points over 44-56N 22-42E,
 *            a third with launch points;
 *   hard:    the same but every target within 3 km of a zone edge (the locator's slow cells);
 *   uncertain: uniform points with a position uncertainty of 100 m to 5 km.
 * cav_eval is then timed over each mix, several runs, and the median printed. Allocations during
 * the timed loops are counted by interposing malloc/calloc/realloc (forwarding to glibc's
 * __libc_* functions), so "allocation-free" is measured, not assumed.
 * Usage: bench_eval [N=2000000] [RUNS=5]
 */
#include "caveat.h"
#include "lang/pack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static long allocations;
void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void *malloc(size_t n) {
    allocations++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
    allocations++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
    allocations++;
    return __libc_realloc(p, n);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static double uniform(double lo, double hi) {
    return lo + (hi - lo) * (double)(next_rand() >> 11) / 9007199254740992.0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { MIX_UNIFORM, MIX_HARD, MIX_UNCERTAIN };

/* 1 when the point is within 3 km of some zone edge of the pack. */
static int near_edge(const cav_pack *p, double lat, double lon) {
    uint64_t in[CAV_MAX_ZONE_WORDS], unsure[CAV_MAX_ZONE_WORDS];
    cav__locator_find3(p->locator, lat, lon, 3000, in, unsure);
    for (int w = 0; w < p->zone_words; w++)
        if (unsure[w])
            return 1;
    return 0;
}

/* Fills qs with n accepted queries of a mix; returns how many candidates the reader refused. */
static long generate(const cav_pack *p, int mix, cav_query *qs, long n) {
    static const char *const weapons[] = {"gmlrs", "atacms", "m777",   "patriot",
                                          "storm-shadow", "scalp-eg", "mars-ii", "pzh-2000",
                                          "iris-t", "samp-t", "f-16", "nasams"};
    static const char *const kinds[] = {"forces",       "artillery", "ammunition-depot",
                                        "logistics-hub", "command-post", "airfield",
                                        "aircraft",     "civilian-object"};
    static const char *const purposes[] = {"counterfire", "strike", "self-defense",
                                           "air-defense"};
    static const char *const roles[] = {"attacking", "supporting", "none"};
    static const char *const suppliers[] = {"US", "GB", "FR", "DE", "NL", "DK"};
    long refused = 0;
    for (long i = 0; i < n;) {
        cav_query q;
        cav_qerrors e;
        cav_query_init(&q, &e);
        char date[11];
        cav_date_format(18993 + (int32_t)(next_rand() % 1460), date); /* 2022-01-01 + 4 years */
        cav_query_set_date(&q, p, date, &e);
        cav_query_set_weapon(&q, p, weapons[next_rand() % 12], &e);
        cav_query_set_kind(&q, p, kinds[next_rand() % 8], &e);
        if (next_rand() % 4 == 0)
            cav_query_set_state(&q, p, "airborne", &e);
        if (next_rand() % 8)
            cav_query_set_purpose(&q, p, purposes[next_rand() % 4], &e);
        if (next_rand() % 4)
            cav_query_set_role(&q, p, roles[next_rand() % 3], &e);
        if (next_rand() % 2)
            cav_query_set_supplier(&q, p, suppliers[next_rand() % 6], &e);
        double lat, lon;
        if (mix == MIX_HARD) {
            long tries = 0;
            do {
                lat = uniform(49, 53);
                lon = uniform(33, 41);
            } while (!near_edge(p, lat, lon) && ++tries < 1000000);
            if (tries == 1000000)
                return -1; /* no edge found: the locator reports no distances */
        } else {
            lat = uniform(44, 56);
            lon = uniform(22, 42);
        }
        cav_query_set_target(&q, p, lat, lon, &e);
        if (mix == MIX_UNCERTAIN)
            cav_query_set_number(&q, p, CAV_Q_TARGET_UNCERTAINTY, uniform(100, 5000), &e);
        if (next_rand() % 3 == 0)
            cav_query_set_launch(&q, p, uniform(46, 52), uniform(30, 40), &e);
        if (cav_query_finish(&q, p, &e) != 0) {
            refused++;
            continue;
        }
        qs[i++] = q;
    }
    return refused;
}

static int run_mix(const cav_pack *p, const char *name, int mix, long n, int runs) {
    cav_query *qs = malloc((size_t)n * sizeof *qs);
    if (!qs)
        return 1;
    long refused = generate(p, mix, qs, n);
    if (refused < 0) {
        printf("%-10s skipped: no point near an edge was found\n", name);
        free(qs);
        return 1;
    }
    double times[99];
    long counts[4] = {0}, rejected = 0, allocs = 0;
    for (int r = 0; r < runs; r++) {
        cav_decision d;
        long before = allocations;
        double t0 = now();
        for (long i = 0; i < n; i++) {
            if (cav_eval(p, &qs[i], &d) != 0) {
                rejected++;
                continue;
            }
            counts[d.verdict]++;
        }
        times[r] = (now() - t0) * 1e9 / (double)n;
        allocs += allocations - before;
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_double);
    printf("%-10s %ld queries x %d runs: ns per decision median %.1f (min %.1f, max %.1f); "
           "allocations %ld\n",
           name, n, runs, times[runs / 2], times[0], times[runs - 1], allocs);
    printf("%-10s decisions per run: %ld permitted, %ld prohibited, %ld indeterminate, %ld "
           "unknown; refused by the query reader (not timed): %ld; refused by cav_eval: %ld\n",
           "", counts[0] / runs, counts[1] / runs, counts[2] / runs, counts[3] / runs, refused,
           rejected / runs);
    free(qs);
    return allocs != 0 || rejected != 0;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (n <= 0 || runs <= 0 || runs > 99)
        return 2;
    cav_pack *p = NULL;
    if (cav_pack_load_default(NULL, &p) != 0)
        return 1;
    printf("pack %s\n", cav_pack_id(p));
    int bad = run_mix(p, "uniform", MIX_UNIFORM, n, runs);
    bad |= run_mix(p, "hard", MIX_HARD, n / 4, runs);
    bad |= run_mix(p, "uncertain", MIX_UNCERTAIN, n / 4, runs);
    cav_pack_release(p);
    return bad;
}
