/* sample.c — synthetic CSV event logs for trying and benchmarking the audit (cav_sample).
 *
 * Rows look like what an analyst's log of reported strikes holds: dates 2022-2025, targets over
 * Ukraine, the Russian border regions near Kharkiv, western Russia and Belarus, weapons, target
 * kinds, roles, purposes and suppliers from the pack's catalog (names in varying case, a few blanks
 * where logs leave fields out), launch points for a share of rows, and passthrough columns (unit,
 * source, a free-text note that is sometimes quoted, with commas, quotes or a line break).
 * Suppliers are chosen from each weapon's catalog entry (cav_weapon_info_get), so every row the
 * generator means to be valid is valid. With a bad rate a share of rows carries one mistake. The
 * output depends only on the options and the pack: a splitmix64 generator, and numbers written
 * whatever the locale. Positions are written as decimal degrees, degrees-minutes-seconds, or MGRS.
 */
#include "batch/audit.h"
#include "core/buf.h"
#include "core/stream.h"

#include <errno.h>
#include <math.h>
#include <string.h>

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

/* Writes name in the case logs use: as in the catalog, upper case, or capitalised. */
static void put_cased(cav_buf *b, rng *r, const char *name) {
    int how = below(r, 10);
    for (size_t i = 0; name[i]; i++) {
        char c = name[i];
        if ((how == 8 || (how == 9 && i == 0)) && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        cav__buf_putc(b, c);
    }
}

/* A position as the options want it written (one or two CSV fields). */
static void put_position(cav_buf *b, int coords, double lat, double lon) {
    if (coords == CAV_COORDS_MGRS) {
        char m[64];
        if (cav__mgrs_format(lat, lon, -1, 5, m, sizeof m) == 0)
            cav__buf_puts(b, m);
        return;
    }
    if (coords == CAV_COORDS_DMS) {
        for (int axis = 0; axis < 2; axis++) {
            double v = axis ? lon : lat;
            char h = axis ? (v < 0 ? 'W' : 'E') : (v < 0 ? 'S' : 'N');
            double a = fabs(v) * 3600.0;
            long tenths = lround(a * 10);
            /* 50°36'12.3"N, quoted for CSV (the seconds mark is a double quote) */
            cav__buf_printf(b, "%s\"%ld\xc2\xb0%02ld'%02ld.%ld\"\"%c\"", axis ? "," : "",
                            tenths / 36000, tenths / 600 % 60, tenths / 10 % 60, tenths % 10, h);
        }
        return;
    }
    cav__buf_fixed(b, lat, 5);
    cav__buf_putc(b, ',');
    cav__buf_fixed(b, lon, 5);
}

static void one_row(cav_buf *b, rng *r, const cav_pack *p, uint64_t row, const cav_sample_opts *o) {
    int nweapons = cav_catalog_count(p, CAV_CAT_WEAPON);
    char date[16];
    cav_date_format(18993 + below(r, 1461), date); /* 2022-01-01 to 2025-12-31 */
    int w = below(r, nweapons);
    cav_weapon_info wi;
    cav_weapon_info_get(p, w, &wi);
    int air_defense = wi.wclass >= 0 && cav_catalog_name(p, CAV_CAT_CLASS, wi.wclass) &&
                      strcmp(cav_catalog_name(p, CAV_CAT_CLASS, wi.wclass), "air-defense") == 0;
    /* the supplier: required when the weapon has no fixed consent party, then one of its
       recorded suppliers; otherwise sometimes given */
    int supplier = -1, s = below(r, 10);
    if (wi.nconsent == 0 || s == 4) {
        if (wi.nsuppliers > 0)
            supplier = wi.suppliers[below(r, wi.nsuppliers)];
        else if (wi.nconsent > 0)
            supplier = wi.consent[0];
    } else if (s < 4 && wi.nconsent > 0 && wi.nsuppliers == 0) {
        supplier = wi.consent[0];
    } else if (s < 4 && wi.nsuppliers > 0) {
        supplier = wi.suppliers[0];
    }
    static const int area_weights[] = {45, 22, 28, 5};
    static const double areas[4][4] = {{46.0, 52.0, 23.0, 40.0},
                                       {49.8, 51.5, 35.0, 38.5},
                                       {47.0, 56.0, 33.0, 45.0},
                                       {51.5, 55.5, 24.0, 31.0}};
    const double *a = areas[weighted(r, area_weights, 4)];
    double lat = uniform(r, a[0], a[1]), lon = uniform(r, a[2], a[3]);
    int k = air_defense && below(r, 10) < 8 ? 7 : weighted(r, kind_weights, 11);
    const char *state = "";
    if (k == 7)
        state = below(r, 10) < (air_defense ? 9 : 3) ? "airborne" : "ground";
    else if (below(r, 10) < 3)
        state = "ground";
    static const char *const roles[] = {"attacking", "supporting", "none", ""};
    static const int role_weights[] = {50, 20, 10, 20};
    const char *role = roles[weighted(r, role_weights, 4)];
    const char *purpose = "";
    int pu = below(r, 100);
    if (air_defense)
        purpose = pu < 85 ? "air-defense" : "";
    else if (pu >= 15)
        purpose = purposes[pu < 55 ? 0 : pu < 85 ? 1 : 2];
    int launch = below(r, 10) < 4;
    double llat = lat + uniform(r, -0.4, 0.4), llon = lon - uniform(r, 0.3, 1.2);
    int mistake = o->bad_rate > 0 && unit(r) < o->bad_rate ? below(r, 6) : -1;
    int n = below(r, 100);
    const char *note = n < 80   ? ""
                       : n < 90 ? notes[0]
                       : n < 93 ? notes[5]
                       : n < 94 ? notes[1]
                       : n < 97 ? notes[2]
                       : n < 99 ? notes[3]
                                : notes[4];
    /* the row */
    cav__buf_printf(b, "ev-%07llu,%s,", (unsigned long long)row,
                    mistake == 2 ? "2024-02-30" : date);
    if (mistake == 1)
        cav__buf_puts(b, "gmlrss");
    else
        put_cased(b, r, cav_catalog_name(p, CAV_CAT_WEAPON, w));
    cav__buf_putc(b, ',');
    if (supplier >= 0)
        put_cased(b, r, cav_catalog_name(p, CAV_CAT_PARTY, supplier));
    cav__buf_putc(b, ',');
    if (mistake == 0)
        lat = 95.0;
    if (mistake == 4 && o->coords == CAV_COORDS_DECIMAL) {
        cav__buf_fixed(b, lat, 5);
        cav__buf_puts(b, ",\"36,6\""); /* a decimal comma */
    } else if (mistake == 0 && o->coords != CAV_COORDS_DECIMAL) {
        cav__buf_puts(b, o->coords == CAV_COORDS_MGRS ? "95N" : "95.0,36.6");
    } else {
        put_position(b, o->coords, lat, lon);
    }
    cav__buf_putc(b, ',');
    if (mistake != 3)
        put_cased(b, r, kinds[k]);
    cav__buf_printf(b, ",%s,%s,%s,", state, role, purpose);
    if (mistake == 5 && o->coords != CAV_COORDS_MGRS)
        cav__buf_puts(b, "50.1,"); /* a launch latitude without its longitude */
    else if (launch)
        put_position(b, o->coords, llat, llon);
    else if (o->coords != CAV_COORDS_MGRS)
        cav__buf_putc(b, ',');
    cav__buf_printf(b, ",%d-brigade,%s,%s\n", 1 + below(r, 150), below(r, 3) ? "osint" : "official",
                    note);
}

int cav_sample(const cav_pack *p, const cav_sample_opts *o, int fd) {
    if (!p || !o || o->coords < CAV_COORDS_DECIMAL || o->coords > CAV_COORDS_MGRS ||
        !(o->bad_rate >= 0 && o->bad_rate <= 1))
        return CAV_EINVAL;
    rng r = {o->seed * 0x2545f4914f6cdd1du + 1};
    cav_stream *st; /* the audit's writer: a file gets the same bytes through O_DIRECT */
    if (cav__stream_open(&st, fd) != 0)
        return CAV_ENOMEM;
    cav_buf b = {0};
    cav__buf_puts(&b, o->coords == CAV_COORDS_MGRS
                          ? "id,date,weapon,supplier,target.mgrs,target.kind,target.state,"
                            "target.role,purpose,launch.mgrs,unit,source,note\n"
                          : "id,date,weapon,supplier,target.lat,target.lon,target.kind,"
                            "target.state,target.role,purpose,launch.lat,launch.lon,unit,source,"
                            "note\n");
    int rc = 0;
    for (uint64_t i = 1; i <= o->rows && cav_catalog_count(p, CAV_CAT_WEAPON) > 0; i++) {
        one_row(&b, &r, p, i, o);
        if (b.len >= (1 << 20)) {
            if (b.failed || cav__stream_write(st, b.data, b.len) != 0) {
                rc = b.failed ? CAV_ENOMEM : CAV_EIO;
                break;
            }
            cav_buf_clear(&b);
        }
    }
    if (rc == 0 && (b.failed || cav__stream_write(st, b.data ? b.data : "", b.len) != 0))
        rc = b.failed ? CAV_ENOMEM : CAV_EIO;
    if (cav__stream_close(st) != 0 && rc == 0)
        rc = CAV_EIO;
    int saved = errno; /* the write's, for the caller: the allocator's free may change it */
    cav_buf_free(&b);
    errno = saved;
    return rc;
}
