/* test_locale.c — decisions must not depend on the locale of the program that embeds libcaveat.
 *
 * After the reproducer of issue 15, "Hardening, round two", finding 13:
 * under a decimal-comma locale the default pack's "50.45" was read as 50 and the decisions near
 * the Kharkiv border changed. Through the public API only, this loads the default pack (and a
 * small pack with a geojson() zone) and decides grids of JSON queries near the zones' edges under
 * the "C" locale, then loads the packs again and decides the same queries after
 * setlocale(LC_ALL, NAME): every query must read the same coordinates and every decision
 * (verdict, parties, bases, deciding rules, and its JSON line) must be the same.
 *
 * Usage: test_locale [NAME]; NAME is de_DE.UTF-8 (decimal comma) unless given. The locale comes
 * from the build directory (locale_fixture.h); without it the test fails.
 */
#include "caveat.h"
#include "check.h"
#include "locale_fixture.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

/* A pack with a zone read from GeoJSON (30.5 in it) and buffered by 25.5 km. */
static const char *geojson_pack =
    "party US\nclass rocket-artillery\nkind military\nkind forces in military\n"
    "purpose counterfire\nweapon gmlrs class rocket-artillery consent US\n"
    "source s outlet \"o\" date 2024-01-01\n"
    "zone tri = geojson(\"tests/geo/polygon.geojson\")\n"
    "zone near = within(25.5 km, tri)\n"
    "permit p party US from 2024-01-01 source s when target in near\n";

/* A grid of queries: one template, latitudes and longitudes in hundredths of a degree. */
typedef struct grid {
    int pack; /* 0: the default pack, 1: geojson_pack */
    const char *date, *weapon, *purpose;
    int lat0, lat1, lon0, lon1, step; /* 1/100 degree */
} grid;

static const grid grids[] = {
    /* before us-border-counterfire: only kharkiv-border (border between 50.45 35.45 and 49.95
     * 38.05, plus 70 km) permits, so its edges are where a misread number shows */
    {0, "2024-06-10", "gmlrs", "counterfire", 4950, 5150, 3450, 3900, 1},
    /* after it: ru-border-region, the whole border plus 70 km */
    {0, "2024-06-17", "gmlrs", "counterfire", 4900, 5300, 3300, 4000, 2},
    /* strikes with ATACMS after 2024-11-17 */
    {0, "2024-11-18", "atacms", "strike", 5000, 5300, 3300, 3900, 3},
    /* a zone read from GeoJSON, buffered */
    {1, "2024-06-10", "gmlrs", "counterfire", 4420, 4680, 2950, 3150, 2},
};

/* multiplies every grid's step: 5 under valgrind, 90 times slower; CAV_LOCALE_COARSER sets it
 * (make test-tsan: 2, a quarter of the queries; every grid still crosses its zone's edge) */
static int coarser = 1;

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
    cav_pack *packs[2] = {NULL, NULL};
    cav_diags *d = cav_diags_new();
    const char *name = "geojson.cav";
    CHECK_EQ_INT(cav_pack_load_default(d, &packs[0]), 0);
    CHECK_EQ_INT(cav_pack_load_mem(&name, &geojson_pack, 1, d, &packs[1]), 0);
    CHECK_EQ_INT(cav_diags_errors(d), 0);
    for (size_t i = 0; i < cav_diags_count(d); i++) {
        cav_buf msg = {0};
        cav_diag_format(d, i, &msg);
        fputs(msg.data ? msg.data : "", stderr);
        cav_buf_free(&msg);
    }
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
    for (size_t k = 0; r && k < sizeof grids / sizeof grids[0]; k++) {
        const grid *g = &grids[k];
        cav_pack *p = packs[g->pack];
        if (!p)
            continue;
        for (int lat = g->lat0; lat <= g->lat1; lat += g->step * coarser)
            for (int lon = g->lon0; lon <= g->lon1; lon += g->step * coarser) {
                char json[512];
                int len = make_query(g, lat, lon, json, sizeof json);
                cav_query q;
                cav_qerrors qe;
                cav_decision dec;
                cav_buf id = {0}, line = {0};
                result *out = &r[(*n)++];
                if (cav_query_parse_json(p, json, (size_t)len, NULL, &q, &id, &qe) != 0) {
                    if ((*bad)++ < 5)
                        fprintf(stderr, "%s: %s: %s\n", json, qe.n ? qe.v[0].name : "",
                                qe.n ? qe.v[0].message : "");
                    out->verdict = -1;
                    cav_buf_free(&id);
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
                    cav_buf_free(&id);
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
                cav_decision_json(p, &q, &dec, id.data, 0, &line);
                h = fnv(h, line.data, line.len);
                cav_buf_free(&line);
                cav_buf_free(&id);
                out->hash = h;
                out->verdict = (int)dec.verdict;
            }
    }
    cav_pack_release(packs[0]);
    cav_pack_release(packs[1]);
    return r;
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "de_DE.UTF-8";
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
    if (RUNNING_ON_VALGRIND)
        coarser = 5;
#endif
#endif
    const char *env = getenv("CAV_LOCALE_COARSER");
    if (env && atoi(env) > 0)
        coarser = atoi(env);
    size_t n_c = 0, n_other = 0;
    long bad_c = 0, bad_other = 0;
    result *c = decide_all(&n_c, &bad_c);
    CHECK_EQ_INT(bad_c, 0);

    if (locale_fixture_set(name) != 0) {
        free(c);
        return 1;
    }
    result *other = decide_all(&n_other, &bad_other);
    CHECK_EQ_INT(bad_other, 0);
    CHECK_EQ_INT(n_other, n_c);

    long differ = 0, permitted = 0;
    size_t k = 0;
    for (size_t gi = 0; gi < sizeof grids / sizeof grids[0]; gi++) {
        const grid *g = &grids[gi];
        long permitted_here = 0, points = 0;
        for (int lat = g->lat0; lat <= g->lat1; lat += g->step * coarser)
            for (int lon = g->lon0; lon <= g->lon1; lon += g->step * coarser, k++) {
                if (k >= n_c || k >= n_other)
                    continue;
                points++;
                permitted_here += c[k].verdict == CAV_PERMITTED;
                if (c[k].hash == other[k].hash && c[k].verdict == other[k].verdict)
                    continue;
                if (differ++ < 5) {
                    char json[512];
                    make_query(g, lat, lon, json, sizeof json);
                    fprintf(stderr, "%s: C locale %d, %s %d%s\n", json, c[k].verdict, name,
                            other[k].verdict,
                            c[k].verdict == other[k].verdict ? " (same verdict, other decision)"
                                                             : "");
                }
            }
        /* every grid crosses its zone's edge, or it would prove nothing */
        CHECK(permitted_here > 0 && permitted_here < points);
        permitted += permitted_here;
    }
    printf("%zu queries, %ld permitted, %ld decided differently under %s\n", n_c, permitted, differ,
           name);
    CHECK_EQ_INT(differ, 0);
    free(c);
    free(other);
    return check_done();
}
