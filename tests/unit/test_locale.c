/* test_locale.c — decisions must not depend on the locale of the program that embeds libcaveat.
 *
 * After the reproducer of the issue "Hardening, round two", finding 12 (shared/repro/locale3.c):
 * under a decimal-comma locale the default pack's "50.45" was read as 50 and the decisions near
 * the Kharkiv border changed. Through the public API only, this loads the default pack and decides
 * grids of JSON queries near the Russian border under the "C" locale, then loads the pack again
 * and decides the same queries after setlocale(LC_ALL, "de_DE.UTF-8"): every query must read the
 * same coordinates and every decision (verdict, parties, bases, deciding rules, and its JSON line)
 * must be the same. The de_DE locale comes from the build directory (comma_locale.h); without it
 * the test fails.
 */
#include "caveat.h"
#include "check.h"
#include "comma_locale.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

/* A grid of queries: one template, latitudes and longitudes in hundredths of a degree. */
typedef struct grid {
    const char *date, *weapon, *purpose;
    int lat0, lat1, lon0, lon1, step; /* 1/100 degree */
} grid;

static const grid grids[] = {
    /* before us-border-counterfire: only kharkiv-border (border between 50.45 35.45 and 49.95
     * 38.05, plus 70 km) permits, so its edges are where a misread number shows */
    {"2024-06-10", "gmlrs", "counterfire", 4950, 5150, 3450, 3900, 1},
    /* after it: ru-border-region, the whole border plus 70 km */
    {"2024-06-17", "gmlrs", "counterfire", 4900, 5300, 3300, 4000, 2},
    /* strikes with ATACMS after 2024-11-17 */
    {"2024-11-18", "atacms", "strike", 5000, 5300, 3300, 3900, 3},
};

static int coarser = 1; /* multiplies every grid's step: 5 under valgrind, 90 times slower */

/* One decided query, reduced to a hash of everything the decision says. */
typedef struct result {
    uint64_t hash;
    int verdict;
} result;

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* "49.50": the query text is written with integers, the same bytes in every locale. */
static void hundredths(char *buf, size_t size, int v) {
    snprintf(buf, size, "%s%d.%02d", v < 0 ? "-" : "", abs(v) / 100, abs(v) % 100);
}

static int make_query(const grid *g, int lat, int lon, char *buf, size_t size) {
    char la[16], lo[16];
    hundredths(la, sizeof la, lat);
    hundredths(lo, sizeof lo, lon);
    return snprintf(buf, size,
                    "{\"id\": \"%d/%d\", \"date\": \"%s\", \"weapon\": \"%s\", \"target\": "
                    "{\"lat\": %s, \"lon\": %s, \"kind\": \"forces\"}, \"purpose\": \"%s\"}",
                    lat, lon, g->date, g->weapon, la, lo, g->purpose);
}

/* Decides every query of the grids with a pack loaded now; returns the results (malloc'd) and
 * their number in *n. Counts queries that fail or read other coordinates in *bad. */
static result *decide_all(size_t *n, long *bad) {
    cav_pack *p = NULL;
    cav_diags *d = cav_diags_new();
    int rc = cav_pack_load_default(d, &p);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(cav_diags_errors(d), 0);
    cav_diags_free(d);
    size_t cap = 0;
    for (size_t k = 0; k < sizeof grids / sizeof grids[0]; k++) {
        const grid *g = &grids[k];
        int step = g->step * coarser;
        cap += (size_t)((g->lat1 - g->lat0) / step + 1) * (size_t)((g->lon1 - g->lon0) / step + 1);
    }
    result *r = calloc(cap, sizeof *r);
    *n = 0;
    *bad = 0;
    if (!p || !r) {
        cav_pack_release(p);
        return r;
    }
    for (size_t k = 0; k < sizeof grids / sizeof grids[0]; k++) {
        const grid *g = &grids[k];
        for (int lat = g->lat0; lat <= g->lat1; lat += g->step * coarser)
            for (int lon = g->lon0; lon <= g->lon1; lon += g->step * coarser) {
                char json[512], id[64], field[64], msg[256], line[4096];
                int len = make_query(g, lat, lon, json, sizeof json);
                cav_query q;
                cav_decision dec;
                result *out = &r[(*n)++];
                if (cav_query_parse_json(p, json, (size_t)len, &q, id, sizeof id, field,
                                         sizeof field, msg, sizeof msg) != 0) {
                    if ((*bad)++ < 5)
                        fprintf(stderr, "%s: %s: %s\n", json, field, msg);
                    out->verdict = -1;
                    continue;
                }
                /* k/100.0 is the correctly rounded value of the decimal text */
                if (q.target_lat != lat / 100.0 || q.target_lon != lon / 100.0) {
                    if ((*bad)++ < 5)
                        fprintf(stderr, "%s: read as %.17g %.17g\n", json, q.target_lat,
                                q.target_lon);
                }
                if (cav_eval(p, &q, &dec) != 0) {
                    out->verdict = -2;
                    continue;
                }
                uint64_t h = 0xcbf29ce484222325ULL;
                h = fnv(h, &dec.verdict, sizeof dec.verdict);
                h = fnv(h, &dec.nparties, sizeof dec.nparties);
                for (int i = 0; i < dec.nparties && i < CAV_MAX_PARTIES; i++) {
                    const cav_party_decision *pd = &dec.parties[i];
                    h = fnv(h, &pd->party, sizeof pd->party);
                    h = fnv(h, &pd->verdict, sizeof pd->verdict);
                    h = fnv(h, &pd->basis, sizeof pd->basis);
                    h = fnv(h, &pd->missing, sizeof pd->missing);
                    for (int j = 0; j < pd->nrules && j < CAV_MAX_DECIDING; j++)
                        h = fnv(h, &pd->rules[j], sizeof pd->rules[j]);
                }
                size_t jl = cav_decision_json(p, &q, &dec, id, 0, line, sizeof line);
                h = fnv(h, line, jl < sizeof line ? jl : sizeof line - 1);
                out->hash = h;
                out->verdict = (int)dec.verdict;
            }
    }
    cav_pack_release(p);
    return r;
}

int main(void) {
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
    if (RUNNING_ON_VALGRIND)
        coarser = 5;
#endif
#endif
    size_t n_c = 0, n_de = 0;
    long bad_c = 0, bad_de = 0;
    result *c = decide_all(&n_c, &bad_c);
    CHECK_EQ_INT(bad_c, 0);

    if (comma_locale_set() != 0) {
        free(c);
        return 1;
    }
    result *de = decide_all(&n_de, &bad_de);
    CHECK_EQ_INT(bad_de, 0);
    CHECK_EQ_INT(n_de, n_c);

    long differ = 0, permitted = 0;
    size_t k = 0;
    for (size_t gi = 0; gi < sizeof grids / sizeof grids[0]; gi++) {
        const grid *g = &grids[gi];
        for (int lat = g->lat0; lat <= g->lat1; lat += g->step * coarser)
            for (int lon = g->lon0; lon <= g->lon1; lon += g->step * coarser, k++) {
                if (k >= n_c || k >= n_de)
                    continue;
                permitted += c[k].verdict == CAV_PERMITTED;
                if (c[k].hash == de[k].hash && c[k].verdict == de[k].verdict)
                    continue;
                if (differ++ < 5) {
                    char json[512];
                    make_query(g, lat, lon, json, sizeof json);
                    fprintf(stderr, "%s: C locale %d, de_DE %d%s\n", json, c[k].verdict,
                            de[k].verdict,
                            c[k].verdict == de[k].verdict ? " (same verdict, other decision)" : "");
                }
            }
    }
    printf("%zu queries, %ld permitted, %ld decided differently under de_DE.UTF-8\n", n_c,
           permitted, differ);
    CHECK_EQ_INT(differ, 0);
    CHECK(permitted > 0 && permitted < (long)n_c); /* the grids do cross the zones' edges */
    free(c);
    free(de);
    return check_done();
}
