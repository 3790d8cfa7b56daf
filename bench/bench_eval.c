/* bench_eval.c — ns per decision on the embedded default pack, in process, including geography.
 *
 * Generates N mixed queries (weapons, kinds, purposes, states, dates 2022-2025, points over the
 * box 44-56N 22-42E, a third with launch points) up front, then times cav_eval over all of them,
 * several runs, and prints the median. Allocations during the timed loop are counted by
 * interposing malloc/calloc/realloc (forwarding to glibc's __libc_* functions), so the
 * "zero allocations on the evaluation path" claim is measured, not assumed.
 * Usage: bench_eval [N=10000000] [RUNS=5]
 */
#include "caveat.h"

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

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000000;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (n <= 0 || runs <= 0 || runs > 99)
        return 2;
    cav_pack *p = NULL;
    if (cav_pack_load_default(NULL, &p) != 0)
        return 1;
    const char *weapons[] = {"gmlrs",   "atacms",   "m777",   "patriot", "storm-shadow", "scalp-eg",
                             "mars-ii", "pzh-2000", "iris-t", "samp-t",  "f-16",         "nasams"};
    const char *kinds[] = {"forces",       "artillery", "ammunition-depot", "logistics-hub",
                           "command-post", "airfield",  "aircraft",         "civilian-object"};
    const char *purposes[] = {"counterfire", "strike", "self-defense", "air-defense"};
    const char *suppliers[] = {"US", "GB", "FR", "DE"};
    cav_query *qs = malloc((size_t)n * sizeof *qs);
    if (!qs)
        return 1;
    int32_t d0, d1;
    cav_date_parse("2022-01-01", &d0);
    cav_date_parse("2025-12-31", &d1);
    for (long i = 0; i < n; i++) {
        cav_query *q = &qs[i];
        memset(q, 0, sizeof *q);
        q->date = d0 + (int32_t)(next_rand() % (uint64_t)(d1 - d0));
        q->weapon = cav_pack_weapon(p, weapons[next_rand() % 12]);
        q->kind = cav_pack_kind(p, kinds[next_rand() % 8]);
        q->state = next_rand() % 4 == 0 ? CAV_STATE_AIRBORNE : CAV_STATE_GROUND;
        q->purpose =
            next_rand() % 8 == 0 ? CAV_MISSING : cav_pack_purpose(p, purposes[next_rand() % 4]);
        q->supplier = next_rand() % 2 ? CAV_MISSING : cav_pack_party(p, suppliers[next_rand() % 4]);
        q->target_lat = uniform(44, 56);
        q->target_lon = uniform(22, 42);
        q->has_launch = next_rand() % 3 == 0;
        q->launch_lat = uniform(46, 52);
        q->launch_lon = uniform(30, 40);
    }
    double times[99];
    long counts[3] = {0};
    long allocs = 0;
    for (int r = 0; r < runs; r++) {
        cav_decision d;
        long before = allocations;
        double t0 = now();
        for (long i = 0; i < n; i++) {
            cav_eval(p, &qs[i], &d);
            counts[d.verdict]++;
        }
        times[r] = (now() - t0) * 1e9 / (double)n;
        allocs += allocations - before;
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_double);
    printf("queries: %ld x %d runs\n", n, runs);
    printf("ns per decision: median %.1f (min %.1f, max %.1f)\n", times[runs / 2], times[0],
           times[runs - 1]);
    printf("allocations during evaluation: %ld\n", allocs);
    printf("decisions: %ld permitted, %ld prohibited, %ld unknown\n", counts[0], counts[1],
           counts[2]);
    free(qs);
    cav_pack_release(p);
    return allocs == 0 ? 0 : 1;
}
