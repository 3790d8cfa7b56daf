/* bench_eval.c — ns per decision on the embedded default pack, in process, geography included.
 *
 * Mixes of queries are generated up front through the library's query setters (so every measured
 * query is one the JSON reader would accept; the ones the reader refuses, such as an F-16 without
 * a supplier or a supplier the catalog does not record for the weapon, are counted and reported
 * apart, never timed):
 *   uniform:   12 weapons, 8 kinds, roles, purposes, states, dates 2022-2025, points over
 *              44-56N 22-42E, a third with launch points, no uncertainty;
 *   hard:      the same but every target within 3 km of a zone edge (the locator's slow cells,
 *              and most of them undetermined by the boundary data's precision);
 *   uncertain: uniform points with a position uncertainty of 100 m to 5 km.
 * cav_eval is then timed over each mix, several runs, and the median run printed: as this
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID, so time descheduled on a loaded machine does not
 * count) and as wall time. Allocations during the timed loops are counted by interposing
 * malloc/calloc/realloc (forwarding to glibc's __libc_* functions), so "allocation-free" is
 * measured, not assumed. cav_eval failing on a query the reader accepted is counted too.
 *
 * With --cedar-set, it writes instead the queries of the Cedar comparison (bench/cedar/): every
 * weapon, kind, purpose, role and state of the catalog, always a supplier (one the catalog
 * records for the weapon, or for a weapon without a list any party, one in eight) and a launch
 * point, no uncertainty, and only positions that the boundary data settle for every zone (no
 * zone edge within its precision of the target or the launch point): the queries on which every
 * test is two-valued, as Cedar's are. Half the points are uniform over 44-56N 22-42E, half over
 * the UA-RU border area (49-53N 33-41E) where the pack's zones are. cav_eval is timed over them
 * as above, then each query is written as one JSON line with its zone memberships (the
 * attributes Cedar is given) and caveat's decision: verdict, and per party its verdict, basis
 * and deciding rules. The first line is a header with the timing. PACK_PATHs load another pack
 * instead of the embedded one ("@default" stands for its files, as in cav_pack_load).
 *
 * Usage: bench_eval [N=2000000] [RUNS=5] [uniform|hard|uncertain|all]
 *        bench_eval --cedar-set N FILE [RUNS=5 [PACK_PATH...]]
 * (the hard and uncertain mixes use N/4 queries when all three are run). Exit status 1 when a
 * timed loop allocated or cav_eval refused an accepted query.
 */
#include "caveat.h"
#include "lang/pack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Sanitizers own malloc: in their builds (where ctest runs the Cedar agreement check through this
 * program) allocations are not counted, and reported as such. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef COUNT_ALLOCATIONS
#define COUNT_ALLOCATIONS 1
#endif

static long allocations;
#if COUNT_ALLOCATIONS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
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
#endif

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
static int pick(int n) {
    return (int)(next_rand() % (uint64_t)n);
}

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { MIX_UNIFORM, MIX_HARD, MIX_UNCERTAIN, MIX_CEDAR };

/* 1 when the point is within 3 km of some zone edge of the pack. */
static int near_edge(const cav_pack *p, double lat, double lon) {
    uint64_t in[CAV_MAX_ZONE_WORDS], unsure[CAV_MAX_ZONE_WORDS];
    cav__locator_find3(p->locator, lat, lon, 3000, in, unsure);
    for (int w = 0; w < p->zone_words; w++)
        if (unsure[w])
            return 1;
    return 0;
}

/* 1 when the boundary data settle every zone for q's target and launch point. */
static int settled(const cav_pack *p, const cav_query *q) {
    uint64_t scratch[CAV_FACT_WORDS];
    cav_facts f;
    cav__facts_of(p, q, scratch, &f);
    for (int w = 0; w < p->zone_words; w++)
        if (f.target_unsure[w] || (f.launch_unsure && f.launch_unsure[w]))
            return 0;
    return 1;
}

/* A catalog entry of c at random, by name (so it goes through the setters like any input). */
static const char *any_of(const cav_pack *p, cav_catalog c) {
    return cav_catalog_name(p, c, pick(cav_catalog_count(p, c)));
}

/* The fields of a query of the Cedar set: every catalog value, every optional field given. */
static void cedar_fields(const cav_pack *p, cav_query *q, cav_qerrors *e) {
    int w = pick(cav_catalog_count(p, CAV_CAT_WEAPON));
    cav_weapon_info wi;
    cav_weapon_info_get(p, w, &wi);
    cav_query_set_weapon(q, p, wi.id, e);
    cav_query_set_kind(q, p, any_of(p, CAV_CAT_KIND), e);
    cav_query_set_state(q, p, any_of(p, CAV_CAT_STATE), e);
    cav_query_set_role(q, p, any_of(p, CAV_CAT_ROLE), e);
    cav_query_set_purpose(q, p, any_of(p, CAV_CAT_PURPOSE), e);
    int supplier = wi.nsuppliers  ? wi.suppliers[pick(wi.nsuppliers)]
                   : pick(8) == 0 ? pick(cav_catalog_count(p, CAV_CAT_PARTY))
                                  : wi.consent[pick(wi.nconsent)];
    cav_query_set_supplier(q, p, cav_catalog_name(p, CAV_CAT_PARTY, supplier), e);
    int border = pick(2);
    double lat = border ? uniform(49, 53) : uniform(44, 56);
    double lon = border ? uniform(33, 41) : uniform(22, 42);
    cav_query_set_target(q, p, lat, lon, e);
    cav_query_set_launch(q, p, lat + uniform(-1, 1), lon + uniform(-1.5, 1.5), e);
}

/* The fields of a query of the uniform, hard and uncertain mixes. Returns -1 when the hard mix
 * finds no point near an edge (the locator reports no distances). */
static int mix_fields(const cav_pack *p, int mix, cav_query *q, cav_qerrors *e) {
    static const char *const weapons[] = {"gmlrs",        "atacms",   "m777",    "patriot",
                                          "storm-shadow", "scalp-eg", "mars-ii", "pzh-2000",
                                          "iris-t",       "samp-t",   "f-16",    "nasams"};
    static const char *const kinds[] = {"forces",        "artillery",      "ammunition-depot",
                                        "logistics-hub", "command-post",   "airfield",
                                        "aircraft",      "civilian-object"};
    static const char *const purposes[] = {"counterfire", "strike", "self-defense", "air-defense"};
    static const char *const roles[] = {"attacking", "supporting", "none"};
    static const char *const suppliers[] = {"US", "GB", "FR", "DE", "NL", "DK"};
    cav_query_set_weapon(q, p, weapons[pick(12)], e);
    cav_query_set_kind(q, p, kinds[pick(8)], e);
    if (pick(4) == 0)
        cav_query_set_state(q, p, "airborne", e);
    if (pick(8))
        cav_query_set_purpose(q, p, purposes[pick(4)], e);
    if (pick(4))
        cav_query_set_role(q, p, roles[pick(3)], e);
    if (pick(2))
        cav_query_set_supplier(q, p, suppliers[pick(6)], e);
    double lat, lon;
    if (mix == MIX_HARD) {
        long tries = 0;
        do {
            lat = uniform(49, 53);
            lon = uniform(33, 41);
        } while (!near_edge(p, lat, lon) && ++tries < 1000000);
        if (tries == 1000000)
            return -1;
    } else {
        lat = uniform(44, 56);
        lon = uniform(22, 42);
    }
    cav_query_set_target(q, p, lat, lon, e);
    if (mix == MIX_UNCERTAIN)
        cav_query_set_number(q, p, CAV_Q_TARGET_UNCERTAINTY, uniform(100, 5000), e);
    if (pick(3) == 0)
        cav_query_set_launch(q, p, uniform(46, 52), uniform(30, 40), e);
    return 0;
}

/* Fills qs with n accepted queries of a mix; returns how many candidates the reader refused
 * (and, for the Cedar set, how many were left out as unsettled in *unsettled), or -1. */
static long generate(const cav_pack *p, int mix, cav_query *qs, long n, long *unsettled) {
    long refused = 0;
    for (long i = 0; i < n;) {
        cav_query q;
        cav_qerrors e;
        cav_query_init(&q, &e);
        char date[11];
        cav_date_format(18993 + (int32_t)pick(1461), date); /* 2022-01-01 + 4 years */
        cav_query_set_date(&q, p, date, &e);
        if (mix == MIX_CEDAR)
            cedar_fields(p, &q, &e);
        else if (mix_fields(p, mix, &q, &e) != 0)
            return -1;
        if (cav_query_finish(&q, p, &e) != 0) {
            refused++;
            continue;
        }
        if (mix == MIX_CEDAR && !settled(p, &q)) {
            ++*unsettled;
            continue;
        }
        qs[i++] = q;
    }
    return refused;
}

/* What timing one mix gave. */
typedef struct timing {
    double cpu_ns, cpu_min, cpu_max, wall_ns; /* per decision: median run (CPU), its range, and
                                                 the median run by wall time */
    long counts[4];                           /* decisions of one run, by verdict */
    long rejected;                            /* cav_eval refusals, all runs */
    long allocs; /* allocations in the timed loops, all runs; -1 when not counted */
} timing;

/* noinline: bench/run.sh has callgrind dump its counts after each call (--dump-after). */
__attribute__((noinline)) static void time_eval(const cav_pack *p, const cav_query *qs, long n,
                                                int runs, timing *t) {
    double cpu[99], wall[99];
    memset(t, 0, sizeof *t);
    for (int r = 0; r < runs; r++) {
        cav_decision d;
        long counts[4] = {0};
        long before = allocations;
        double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
        for (long i = 0; i < n; i++) {
            if (cav_eval(p, &qs[i], &d) != 0) {
                t->rejected++;
                continue;
            }
            counts[d.verdict]++;
        }
        cpu[r] = (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e9 / (double)n;
        wall[r] = (clock_s(CLOCK_MONOTONIC) - w0) * 1e9 / (double)n;
        t->allocs += allocations - before;
        memcpy(t->counts, counts, sizeof counts);
    }
    if (!COUNT_ALLOCATIONS)
        t->allocs = -1;
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
    qsort(wall, (size_t)runs, sizeof *wall, cmp_double);
    t->cpu_ns = cpu[runs / 2];
    t->cpu_min = cpu[0];
    t->cpu_max = cpu[runs - 1];
    t->wall_ns = wall[runs / 2];
}

/* "allocations N", or that they were not counted. */
static const char *allocs_text(long allocs, char *buf, size_t size) {
    if (allocs < 0)
        return "allocations not counted (sanitizer build)";
    snprintf(buf, size, "allocations %ld", allocs);
    return buf;
}

static int run_mix(const cav_pack *p, const char *name, int mix, long n, int runs) {
    cav_query *qs = malloc((size_t)n * sizeof *qs);
    if (!qs)
        return 1;
    long unsettled = 0, refused = generate(p, mix, qs, n, &unsettled);
    if (refused < 0) {
        printf("%-10s skipped: no point near an edge was found\n", name);
        free(qs);
        return 1;
    }
    timing t;
    char abuf[32];
    time_eval(p, qs, n, runs, &t);
    printf("%-10s %ld queries x %d runs: ns per decision median %.1f (min %.1f, max %.1f) CPU, "
           "%.1f wall; %s\n",
           name, n, runs, t.cpu_ns, t.cpu_min, t.cpu_max, t.wall_ns,
           allocs_text(t.allocs, abuf, sizeof abuf));
    printf("%-10s decisions per run: %ld permitted, %ld prohibited, %ld indeterminate, %ld "
           "unknown; refused by the query reader (not timed): %ld; refused by cav_eval: %ld\n",
           "", t.counts[0], t.counts[1], t.counts[2], t.counts[3], refused, t.rejected / runs);
    free(qs);
    return t.allocs > 0 || t.rejected != 0;
}

/* Appends a JSON array of the names of the zones of set in (none of which is unsure). */
static void write_zones(FILE *out, const cav_pack *p, const uint64_t *in) {
    fputc('[', out);
    for (int z = 0, first = 1; z < p->nzones; z++)
        if ((in[z >> 6] >> (z & 63)) & 1u) {
            fprintf(out, "%s\"%s\"", first ? "" : ",", cav_catalog_name(p, CAV_CAT_ZONE, z));
            first = 0;
        }
    fputc(']', out);
}

/* One query of the Cedar set and caveat's decision, as one JSON line. */
static void write_case(FILE *out, const cav_pack *p, const cav_query *q, const cav_decision *d) {
    uint64_t scratch[CAV_FACT_WORDS];
    cav_facts f;
    cav__facts_of(p, q, scratch, &f);
    fprintf(
        out,
        "{\"day\":%d,\"weapon\":\"%s\",\"supplier\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\","
        "\"role\":\"%s\",\"purpose\":\"%s\",\"target\":",
        q->date, cav_catalog_name(p, CAV_CAT_WEAPON, q->weapon),
        cav_catalog_name(p, CAV_CAT_PARTY, q->supplier), cav_catalog_name(p, CAV_CAT_KIND, q->kind),
        cav_catalog_name(p, CAV_CAT_STATE, q->state), cav_catalog_name(p, CAV_CAT_ROLE, q->role),
        cav_catalog_name(p, CAV_CAT_PURPOSE, q->purpose));
    write_zones(out, p, f.target_in);
    fputs(",\"launch\":", out);
    write_zones(out, p, f.launch_in);
    fprintf(out, ",\"decision\":\"%s\",\"parties\":[", cav_verdict_name(d->verdict));
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        fprintf(out,
                "%s{\"party\":\"%s\",\"decision\":\"%s\",\"basis\":\"%s\",\"nrules\":%d,"
                "\"rules\":[",
                i ? "," : "", cav_catalog_name(p, CAV_CAT_PARTY, pd->party),
                cav_verdict_name(pd->verdict), cav_basis_name(pd->basis), pd->nrules);
        for (int k = 0; k < pd->nrules && k < CAV_MAX_DECIDING; k++)
            fprintf(out, "%s\"%s\"", k ? "," : "", cav_catalog_name(p, CAV_CAT_RULE, pd->rules[k]));
        fputs("]}", out);
    }
    fputs("]}\n", out);
}

static int cedar_set(const cav_pack *p, long n, const char *path, int runs) {
    cav_query *qs = malloc((size_t)n * sizeof *qs);
    FILE *out = fopen(path, "w");
    int bad = 1;
    if (!qs || !out)
        goto cleanup;
    long unsettled = 0, refused = generate(p, MIX_CEDAR, qs, n, &unsettled);
    timing t;
    char abuf[32];
    time_eval(p, qs, n, runs, &t);
    fprintf(out,
            "{\"pack\":\"%s\",\"queries\":%ld,\"runs\":%d,\"caveat_cpu_ns\":%.2f,"
            "\"caveat_cpu_min_ns\":%.2f,\"caveat_cpu_max_ns\":%.2f,\"caveat_wall_ns\":%.2f,"
            "\"allocations\":%ld,\"refused\":%ld,\"unsettled\":%ld}\n",
            cav_pack_id(p), n, runs, t.cpu_ns, t.cpu_min, t.cpu_max, t.wall_ns, t.allocs, refused,
            unsettled);
    long indeterminate = 0;
    for (long i = 0; i < n; i++) {
        cav_decision d;
        if (cav_eval(p, &qs[i], &d) != 0)
            goto cleanup;
        indeterminate += d.verdict == CAV_INDETERMINATE;
        write_case(out, p, &qs[i], &d);
    }
    printf("cedar-set  %ld queries x %d runs: ns per decision median %.1f (min %.1f, max %.1f) "
           "CPU, %.1f wall; %s; left out as unsettled by the boundary data: %ld; "
           "indeterminate: %ld\n",
           n, runs, t.cpu_ns, t.cpu_min, t.cpu_max, t.wall_ns,
           allocs_text(t.allocs, abuf, sizeof abuf), unsettled, indeterminate);
    bad = t.allocs > 0 || t.rejected != 0 || indeterminate != 0;
cleanup:
    if (out && fclose(out) != 0)
        bad = 1;
    free(qs);
    return bad;
}

int main(int argc, char **argv) {
    cav_pack *p = NULL;
    int cedar = argc >= 4 && strcmp(argv[1], "--cedar-set") == 0;
    int npaths = cedar && argc > 5 ? argc - 5 : 0;
    if ((npaths ? cav_pack_load((const char *const *)argv + 5, (size_t)npaths, NULL, &p)
                : cav_pack_load_default(NULL, &p)) != 0) {
        fprintf(stderr, "bench_eval: the pack does not load\n");
        return 1;
    }
    int bad;
    if (cedar) {
        long n = atol(argv[2]);
        int runs = argc > 4 ? atoi(argv[4]) : 5;
        bad = n > 0 && runs > 0 && runs <= 99 ? cedar_set(p, n, argv[3], runs) : 2;
    } else {
        long n = argc > 1 ? atol(argv[1]) : 2000000;
        int runs = argc > 2 ? atoi(argv[2]) : 5;
        const char *which = argc > 3 ? argv[3] : "all";
        int all = strcmp(which, "all") == 0;
        if (n <= 0 || runs <= 0 || runs > 99)
            return 2;
        printf("pack %s\n", cav_pack_id(p));
        bad = 0;
        if (all || strcmp(which, "uniform") == 0)
            bad |= run_mix(p, "uniform", MIX_UNIFORM, n, runs);
        if (all || strcmp(which, "hard") == 0)
            bad |= run_mix(p, "hard", MIX_HARD, all ? n / 4 : n, runs);
        if (all || strcmp(which, "uncertain") == 0)
            bad |= run_mix(p, "uncertain", MIX_UNCERTAIN, all ? n / 4 : n, runs);
    }
    cav_pack_release(p);
    return bad;
}
