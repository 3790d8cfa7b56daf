/* cmd_sample.c — `caveat sample`: synthetic CSV event logs for trying and benchmarking the audit.
 *
 * Rows look like what an analyst's log of reported strikes holds: dates 2022-2025, targets over
 * Ukraine, the Russian border regions near Kharkiv, western Russia and Belarus, weapons, target
 * kinds, purposes and suppliers from the pack's catalog (names in varying case, a few blanks where
 * logs leave fields out), launch points for a share of rows, and passthrough columns (unit,
 * source, a free-text note that is sometimes quoted, with commas, quotes or a line break). With
 * --bad-rate R a share R of rows carries one mistake (latitude 95, a misspelt weapon, 30
 * February, ...). The output depends only on the seed, the row count and the pack.
 */
#include "cli/cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char sample_help[] =
    "usage: caveat sample [--rows N] [--seed S] [--bad-rate R] [--policy ...] [-o FILE]\n\n"
    "Writes a synthetic CSV event log for `caveat audit`: N rows (default 1000) with the query\n"
    "columns and passthrough columns (unit, source, note), names from the pack's catalog,\n"
    "deterministic for a seed (default 1). --bad-rate R (0 to 1) makes that share of rows\n"
    "erroneous in one field each.\n";

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r) { /* splitmix64 */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static double unit(rng *r) {
    return (double)(next(r) >> 11) / 9007199254740992.0;
}
static double uniform(rng *r, double lo, double hi) {
    return lo + (hi - lo) * unit(r);
}
static int below(rng *r, int n) {
    return (int)(unit(r) * n);
}

/* Picks an index by weight (weights sum to 100). */
static int weighted(rng *r, const int *w, int n) {
    int x = below(r, 100);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

typedef struct catalog {
    const char *weapons[256];
    unsigned char supplier_ok[256][65]; /* [weapon][party + 1]: the query reader accepts it */
    int need_supplier[256];
    int consent[256]; /* first consent party of each weapon */
    int air_defense[256];
    int nweapons;
    const char *parties[64];
    int nparties;
} catalog;

static const char *const kinds[] = {"forces",          "artillery",     "ammunition-depot",
                                    "logistics-hub",   "command-post",  "air-defense-site",
                                    "airfield",        "aircraft",      "launch-site",
                                    "civilian-object", "infrastructure"};
static const int kind_weights[] = {28, 15, 10, 8, 7, 6, 6, 8, 4, 4, 4};
static const char *const purposes[] = {"counterfire", "strike", "self-defense", "air-defense"};
static const char *const notes[] = {
    "reported by local officials",           "\"struck at night, secondary explosions\"",
    "\"claimed by both sides, unverified\"", "\"per \"\"OSINT\"\" geolocation, +/- 2 km\"",
    "\"footage shows\nlauncher destroyed\"", "satellite imagery"};

static void load_catalog(const cav_pack *p, catalog *c) {
    for (int i = 0; i < 256 && cav_pack_weapon_name(p, i); i++) {
        c->weapons[i] = cav_pack_weapon_name(p, i);
        /* the weapon's consent parties come back as the parties of any decision */
        cav_query q = {.weapon = i,
                       .supplier = CAV_MISSING,
                       .purpose = CAV_MISSING,
                       .target_lat = 50,
                       .target_lon = 30,
                       .kind = 0};
        cav_decision d;
        c->consent[i] = cav_eval(p, &q, &d) == 0 && d.nparties ? d.parties[0].party : -1;
        c->air_defense[i] = strstr(c->weapons[i], "patriot") || strstr(c->weapons[i], "nasams") ||
                            strstr(c->weapons[i], "iris") || strstr(c->weapons[i], "samp");
        c->nweapons = i + 1;
    }
    for (int i = 0; i < 64 && cav_pack_party_name(p, i); i++)
        c->parties[c->nparties++] = cav_pack_party_name(p, i);
    /* which suppliers the query reader accepts for each weapon (it checks them before the
     * target, so a query without one fails on "supplier" exactly when the pair is refused) */
    for (int w = 0; w < c->nweapons; w++)
        for (int s = -1; s < c->nparties; s++) {
            char text[512], id[8], field[64], msg[256];
            snprintf(text, sizeof text, "{\"date\": \"2024-06-01\", \"weapon\": \"%s\"%s%s%s}",
                     c->weapons[w], s >= 0 ? ", \"supplier\": \"" : "", s >= 0 ? c->parties[s] : "",
                     s >= 0 ? "\"" : "");
            cav_query q;
            int rc = cav_query_parse_json(p, text, strlen(text), &q, id, sizeof id, field,
                                          sizeof field, msg, sizeof msg);
            c->supplier_ok[w][s + 1] = rc == 0 || strcmp(field, "supplier") != 0;
        }
    for (int w = 0; w < c->nweapons; w++)
        c->need_supplier[w] = !c->supplier_ok[w][0];
}

/* A supplier the reader accepts for weapon w, chosen at random. */
static const char *any_supplier(rng *r, const catalog *c, int w) {
    int ok[64], n = 0;
    for (int s = 0; s < c->nparties; s++)
        if (c->supplier_ok[w][s + 1])
            ok[n++] = s;
    return n ? c->parties[ok[below(r, n)]] : "";
}

/* Writes name into buf in the case logs use: as in the catalog, upper case, or capitalised. */
static const char *cased(rng *r, const char *name, char *buf, size_t size) {
    int how = below(r, 10);
    size_t n = strlen(name);
    if (how < 8 || n >= size)
        return name;
    for (size_t i = 0; i <= n; i++)
        buf[i] = how == 8 || i == 0
                     ? (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i])
                     : name[i];
    return buf;
}

static void one_row(FILE *f, rng *r, const catalog *c, long row, double bad_rate) {
    /* dates 2022-01-01 (18993) to 2025-12-31 (20453) */
    char date[11], wbuf[64], sbuf[16], kbuf[64];
    cav_date_format(18993 + below(r, 1461), date);
    int w = below(r, c->nweapons);
    const char *weapon = cased(r, c->weapons[w], wbuf, sizeof wbuf);
    const char *supplier = "";
    int s = below(r, 10);
    if (c->need_supplier[w] || (s == 4))
        supplier = any_supplier(r, c, w);
    else if (s < 4 && c->consent[w] >= 0)
        supplier = c->parties[c->consent[w]];
    if (supplier[0])
        supplier = cased(r, supplier, sbuf, sizeof sbuf);
    /* where: Ukraine, the border near Kharkiv, western Russia, Belarus */
    static const int area_weights[] = {45, 22, 28, 5};
    static const double areas[4][4] = {{46.0, 52.0, 23.0, 40.0},
                                       {49.8, 51.5, 35.0, 38.5},
                                       {47.0, 56.0, 33.0, 45.0},
                                       {51.5, 55.5, 24.0, 31.0}};
    const double *a = areas[weighted(r, area_weights, 4)];
    double lat = uniform(r, a[0], a[1]), lon = uniform(r, a[2], a[3]);
    int k = c->air_defense[w] && below(r, 10) < 8 ? 7 : weighted(r, kind_weights, 11);
    const char *kind = cased(r, kinds[k], kbuf, sizeof kbuf);
    const char *state = "";
    if (k == 7)
        state = below(r, 10) < (c->air_defense[w] ? 9 : 3) ? "airborne" : "ground";
    else if (below(r, 10) < 3)
        state = "ground";
    const char *purpose = "";
    int pu = below(r, 100);
    if (c->air_defense[w])
        purpose = pu < 85 ? "air-defense" : "";
    else if (pu >= 15)
        purpose = purposes[pu < 55 ? 0 : pu < 85 ? 1 : 2];
    char latbuf[32], lonbuf[32], llat[32] = "", llon[32] = "";
    snprintf(latbuf, sizeof latbuf, "%.5f", lat);
    snprintf(lonbuf, sizeof lonbuf, "%.5f", lon);
    if (below(r, 10) < 4) {
        snprintf(llat, sizeof llat, "%.5f", lat + uniform(r, -0.4, 0.4));
        snprintf(llon, sizeof llon, "%.5f", lon - uniform(r, 0.3, 1.2));
    }
    if (bad_rate > 0 && unit(r) < bad_rate) {
        switch (below(r, 6)) {
        case 0: snprintf(latbuf, sizeof latbuf, "95.0"); break;
        case 1: weapon = "gmlrss"; break;
        case 2: snprintf(date, sizeof date, "2024-02-30"); break;
        case 3: kind = ""; break;
        case 4: snprintf(lonbuf, sizeof lonbuf, "36,6"); break; /* a decimal comma, quoted below */
        default:
            llon[0] = '\0';
            snprintf(llat, sizeof llat, "50.1");
            break;
        }
    }
    int quote_lon = strchr(lonbuf, ',') != NULL;
    int n = below(r, 100);
    const char *note = n < 80 ? ""
                              : notes[n < 90    ? 0
                                      : n < 94  ? 1
                                      : n < 97  ? 2
                                      : n < 99  ? 3
                                      : n == 99 ? 4
                                                : 5];
    if (n >= 90 && n < 93)
        note = notes[5];
    fprintf(f, "ev-%07ld,%s,%s,%s,%s,%s%s%s,%s,%s,%s,%s,%s,%d-brigade,%s,%s\n", row, date, weapon,
            supplier, latbuf, quote_lon ? "\"" : "", lonbuf, quote_lon ? "\"" : "", kind, state,
            purpose, llat, llon, 1 + below(r, 150), below(r, 3) ? "osint" : "official", note);
}

int cmd_sample(int argc, char **argv) {
    long rows = 1000;
    unsigned long long seed = 1;
    double bad_rate = 0;
    const char *out = NULL, *policies[64];
    int npolicies = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(sample_help, stdout);
            return CLI_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "caveat sample: %s\n",
                    a[0] == '-' ? "an option needs a value (see caveat sample --help)"
                                : "unexpected argument (see caveat sample --help)");
            return CLI_USAGE;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (strcmp(a, "--rows") == 0) {
            rows = strtol(v, &end, 10);
            if (*end || rows < 0)
                end = NULL;
        } else if (strcmp(a, "--seed") == 0) {
            seed = strtoull(v, &end, 10);
        } else if (strcmp(a, "--bad-rate") == 0) {
            bad_rate = strtod(v, &end);
            if (*end || !(bad_rate >= 0 && bad_rate <= 1))
                end = NULL;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            out = v;
            end = (char *)"";
        } else if (strcmp(a, "--policy") == 0 && npolicies < 64) {
            policies[npolicies++] = v;
            end = (char *)"";
        } else {
            fprintf(stderr, "caveat sample: unknown option '%s' (see caveat sample --help)\n", a);
            return CLI_USAGE;
        }
        if (!end || *end) {
            fprintf(stderr, "caveat sample: bad value '%s' for %s\n", v, a);
            return CLI_USAGE;
        }
    }
    cav_pack *p = cli_load_pack(policies, npolicies, 0);
    if (!p)
        return CLI_USAGE;
    catalog c = {0};
    load_catalog(p, &c);
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        perror(out);
        cav_pack_release(p);
        return CLI_USAGE;
    }
    static char buf[1 << 16];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    rng r = {seed * 0x2545f4914f6cdd1du + 1};
    fputs("id,date,weapon,supplier,target.lat,target.lon,target.kind,target.state,purpose,"
          "launch.lat,launch.lon,unit,source,note\n",
          f);
    for (long i = 1; i <= rows && c.nweapons; i++)
        one_row(f, &r, &c, i, bad_rate);
    int rc = CLI_OK;
    int failed = ferror(f);
    if (f != stdout)
        failed |= fclose(f) != 0; /* closed even after an error */
    else
        failed |= fflush(f) != 0;
    if (failed) {
        perror(out ? out : "caveat sample: write");
        rc = CLI_USAGE;
    }
    cav_pack_release(p);
    return rc;
}
