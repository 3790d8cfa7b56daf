/* cmd_where.c — `caveat where LAT LON`: the countries, regions and pack zones that contain a
 * point, by the same locator the evaluator uses (a zone is a closed set: a point on a boundary
 * is inside). */
#include "cli/cli.h"
#include "lang/pack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char where_help[] =
    "usage: caveat where [--policy P]... LAT LON\n\n"
    "Prints which countries and regions (embedded boundary data) and which zones of the pack\n"
    "contain the point, one per line: 'country UA Ukraine', 'zone kharkiv-border'.\n";

static int parse_coord(const char *s, double lim, double *out) {
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out) && fabs(*out) <= lim;
}

int cmd_where(int argc, char **argv) {
    const char *policies[64], *args[2];
    int np = 0, na = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(where_help, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc && np < 64) {
            policies[np++] = argv[++i];
        } else if (na < 2 && (argv[i][0] != '-' || (argv[i][1] >= '0' && argv[i][1] <= '9'))) {
            args[na++] = argv[i];
        } else {
            fputs(where_help, stderr);
            return CLI_USAGE;
        }
    }
    double lat, lon;
    if (na != 2 || !parse_coord(args[0], 90, &lat) || !parse_coord(args[1], 180, &lon)) {
        fputs("caveat where: give LAT (-90..90) and LON (-180..180) in degrees\n", stderr);
        return CLI_USAGE;
    }
    cav_pack *p = cli_load_pack(policies, np, 0);
    if (!p)
        return CLI_USAGE;
    int nb = cav__borders_count();
    GEOSGeometry **geoms = calloc((size_t)nb + 1, sizeof *geoms);
    cav_locator *loc = NULL;
    int rc = CLI_USAGE;
    for (int i = 0; geoms && i < nb; i++)
        if (!(geoms[i] = cav__borders_geom(p->geos, i)))
            goto cleanup;
    loc = geoms ? cav__locator_new(p->geos, (const GEOSGeometry *const *)geoms, NULL, nb) : NULL;
    if (!loc)
        goto cleanup;
    uint64_t bits[CAV_MAX_ZONE_WORDS * 4] = {0};
    cav__locator_find(loc, lat, lon, bits);
    int found = 0;
    for (int i = 0; i < nb; i++)
        if ((bits[i >> 6] >> (i & 63)) & 1u) {
            printf("%s %s %s\n", cav__borders_is_country(i) ? "country" : "region",
                   cav__borders_code(i), cav__borders_name(i));
            found++;
        }
    memset(bits, 0, sizeof bits);
    cav__locator_find(p->locator, lat, lon, bits);
    for (int z = 0; z < p->nzones; z++)
        if (!p->zones[z].implicit && ((bits[z >> 6] >> (z & 63)) & 1u)) {
            printf("zone %s%s%s\n", p->zones[z].id, p->zones[z].title[0] ? " " : "",
                   p->zones[z].title);
            found++;
        }
    if (!found)
        puts("(no country, region or zone of the pack)");
    rc = CLI_OK;
cleanup:
    for (int i = 0; geoms && i < nb; i++)
        if (geoms[i])
            GEOSGeom_destroy_r(p->geos, geoms[i]);
    free(geoms);
    if (loc)
        cav__locator_free(loc);
    cav_pack_release(p);
    return rc;
}
