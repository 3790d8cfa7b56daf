/* maps.c — the pack's zones and a use's permitted area as GeoJSON, SVG, PNG and PDF (`caveat
 * zones`, `caveat diff --format svg|png|pdf|geojson`, the service's /v1/zones and /v1/diff).
 *
 * Every geometry is read from the pack's WKB into a GEOS context of this call (the pack holds no
 * GEOS object), so maps are drawn on any number of threads at once. The areas of a use come from
 * lang/area.c, exactly: where it is permitted, where indeterminate for a missing fact, where a
 * permission rests on a disputed rule, and where each rule in force is true. To them this file
 * adds what a reader needs and cav_eval also answers:
 *
 *  - the band along decisive edges: a point nearer than a zone's stated precision (the boundary
 *    data's, about a kilometre) to an edge of the permitted or indeterminate area that runs along
 *    that zone's boundary is indeterminate (docs/semantics.md), so the band is cut out of the
 *    permitted area and drawn and exported as indeterminate;
 *  - the split of the permitted area at Ukraine's border: inside Ukraine and across the border
 *    are drawn (and exported) apart, since the news is usually the band across the border;
 *  - provenance: for each feature the rules that decide there, their sources, whether one is
 *    disputed, the assumed zones they test, and the dates between which the same rules are in
 *    force (`valid`), as typed GeoJSON properties; on drawn maps a legend naming them, marks on
 *    the assumed zones, and a credit line (tool version, pack id, sources, boundary data).
 *
 * A map shows only the declared zones whose rules are in force on its date (for a use), unless
 * the caller names zones. Titles use catalog titles, never ids.
 */
#include "core/alloc.h"
#include "core/num.h"
#include "geo/geo.h"
#include "geo/map.h"
#include "lang/area.h"
#include "report/mapcache.h"
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FEATURES 72 /* areas, plus at most 64 zones (cav__map_draw's limit) */

typedef struct zone_set {
    uint64_t w[CAV_MAX_ZONE_WORDS];
} zone_set;

static int zs_has(const zone_set *s, int z) {
    return (int)((s->w[z >> 6] >> (z & 63)) & 1u);
}
static void zs_add(zone_set *s, int z) {
    s->w[z >> 6] |= 1ull << (z & 63);
}

/* The rules in force on date for the use (its consent parties, speaking of its weapon). */
static int rules_of_use(const cav_pack *p, const cav_query *use, int32_t date, int *out, int max) {
    int parties[CAV_MAX_PARTIES], n = 0;
    int np = cav__consent_parties(p, use, parties);
    for (int k = 0; k < np; k++) {
        const cav_epoch *ep = cav__epoch_of(p, parties[k], date);
        for (int i = 0; i < ep->nrules; i++) {
            int r = ep->rules[i], seen = 0;
            if (!cav__rule_speaks(p, r, use->weapon))
                continue;
            for (int j = 0; j < n; j++)
                seen |= out[j] == r;
            if (!seen && n < max)
                out[n++] = r;
        }
    }
    return n;
}

/* The zones the rules in force for the use test. */
static void zones_of_use(const cav_pack *p, const cav_query *use, int32_t date, zone_set *s) {
    int rules[256];
    int n = rules_of_use(p, use, date, rules, 256);
    for (int i = 0; i < n; i++) {
        int zones[CAV_MAX_ZONE_WORDS * 64];
        /* its own condition's zones: its exceptions that speak of the weapon are rules in force
         * of the same party, and count for themselves */
        int nz = cav__rule_zones_on(p, rules[i], CAV_DATE_OPEN, zones, CAV_MAX_ZONE_WORDS * 64);
        for (int z = 0; z < nz; z++)
            zs_add(s, zones[z]);
    }
}

/* The zones to show: o->zones and o->places (a place of the boundary data with index b as -1 - b),
 * or the declared zones (with a use: those its rules test on one of the dates). At most 64;
 * -1 for an unknown place. */
static int zones_to_show(const cav_pack *p, const cav_query *use, const int32_t *dates, int ndates,
                         const cav_map_opts *o, int *out) {
    int n = 0;
    if (o && (o->zones || o->places)) {
        for (int i = 0; o->zones && i < o->nzones && n < 64; i++)
            if (o->zones[i] >= 0 && o->zones[i] < p->nzones)
                out[n++] = o->zones[i];
        for (int i = 0; o->places && i < o->nplaces && n < 64; i++) {
            int b = cav__borders_find(o->places[i]);
            if (b < 0)
                return -1;
            out[n++] = -1 - b; /* a place of the boundary data, not a zone of the pack */
        }
        return n;
    }
    zone_set used = {{0}};
    for (int d = 0; use && d < ndates; d++)
        zones_of_use(p, use, dates[d], &used);
    for (int z = 0; z < p->nzones && n < 64; z++)
        if (!p->zones[z].implicit && (!use || zs_has(&used, z)))
            out[n++] = z;
    return n;
}

static const char *name_or(const char *s, const char *dflt) {
    return s && *s ? s : dflt;
}

int cav_place_known(const char *code) {
    return code && cav__borders_find(code) >= 0;
}

/* A zone's title; for a country or region a rule names directly, the boundary data's name. */
static const char *zone_title(const cav_pack *p, int z) {
    const cav_zone *zone = &p->zones[z];
    int b = zone->title && *zone->title ? -1 : cav__borders_find(zone->id);
    return b >= 0 ? cav__borders_name(b) : name_or(zone->title, zone->id);
}

/* A shown zone's geometry (a place of the boundary data for a negative id). */
static GEOSGeometry *shown_geom(const cav_pack *p, GEOSContextHandle_t h, int id) {
    return id >= 0 ? cav__zone_geom(p, id, h) : cav__borders_geom(h, -1 - id);
}

/* A catalog title inside a sentence: its first letter in lower case unless the title starts
 * with an abbreviation ("Armed forces" -> "armed forces", "ATACMS" stays). */
static void title_in_sentence(cav_buf *b, const char *title) {
    if (title[0] >= 'A' && title[0] <= 'Z' && title[1] >= 'a' && title[1] <= 'z') {
        cav__buf_putc(b, (char)(title[0] - 'A' + 'a'));
        cav__buf_puts(b, title + 1);
    } else
        cav__buf_puts(b, title);
}

/* "against armed forces (...) firing on Ukraine or preparing to, for counterfire, supplied by the
 * United States": the use less its weapon, in words, from catalog titles. */
static void use_words(const cav_pack *p, const cav_query *use, cav_buf *b) {
    cav__buf_puts(b, "against ");
    const cav_kind *k = &p->kinds[use->kind];
    title_in_sentence(b, name_or(k->title, k->id));
    if (use->state == CAV_STATE_AIRBORNE)
        cav__buf_puts(b, " in the air");
    if (use->role >= 0) {
        cav__buf_puts(b, " ");
        cav__buf_puts(b, name_or(cav_catalog_title(p, CAV_CAT_ROLE, use->role),
                                 cav_catalog_name(p, CAV_CAT_ROLE, use->role)));
    }
    if (use->purpose >= 0) {
        cav__buf_puts(b, ", for ");
        title_in_sentence(b,
                          name_or(p->purposes[use->purpose].title, p->purposes[use->purpose].id));
    }
    if (use->supplier >= 0) {
        cav__buf_puts(b, ", supplied by ");
        cav__buf_puts(b, name_or(p->parties[use->supplier].title, p->parties[use->supplier].code));
    }
    if (use->has_launch)
        cav__buf_puts(b, ", fired from the launch point given");
}

/* The consent parties' titles, "the United States and Germany". */
static void consent_words(const cav_pack *p, const cav_query *use, cav_buf *b) {
    int parties[CAV_MAX_PARTIES];
    int np = cav__consent_parties(p, use, parties);
    for (int i = 0; i < np; i++) {
        const cav_party *pa = &p->parties[parties[i]];
        cav__buf_puts(b, i == 0 ? "" : i == np - 1 ? " and " : ", ");
        cav__buf_puts(b, name_or(pa->title, pa->code));
    }
}

/* The dates between which the same rules are in force for the use: the nearest start or end of
 * a rule of its parties that speaks of its weapon, on each side of date. */
static void validity(const cav_pack *p, const cav_query *use, int32_t date, int32_t *from,
                     int32_t *until) {
    int parties[CAV_MAX_PARTIES];
    int np = cav__consent_parties(p, use, parties);
    *from = INT32_MIN, *until = CAV_DATE_OPEN;
    for (int r = 0; r < p->nrules; r++) {
        const cav_rule *rule = &p->rules[r];
        int applies = 0;
        for (int k = 0; k < np; k++)
            applies |= cav__rule_applies(rule, parties[k]);
        if (!applies || !cav__rule_speaks(p, r, use->weapon))
            continue;
        int32_t ends[2] = {rule->from, rule->until};
        for (int i = 0; i < 2; i++) {
            if (ends[i] == CAV_DATE_OPEN || ends[i] == INT32_MIN)
                continue;
            if (ends[i] <= date && ends[i] > *from)
                *from = ends[i];
            if (ends[i] > date && ends[i] < *until)
                *until = ends[i];
        }
    }
}

static void json_date_or_null(cav_buf *b, int32_t d) {
    if (d == INT32_MIN || d == CAV_DATE_OPEN) {
        cav__buf_puts(b, "null");
        return;
    }
    char s[11];
    cav_date_format(d, s);
    cav__buf_printf(b, "\"%s\"", s);
}

static void geom_free(GEOSContextHandle_t h, GEOSGeometry **g) {
    if (*g)
        GEOSGeom_destroy_r(h, *g);
    *g = NULL;
}

/* ---- provenance of a feature ---- */

/* The rules deciding in a part of the map, as JSON properties: "rules", "sources", "disputed",
 * "assumptions" (each into its own buffer). */
typedef struct provenance {
    cav_buf rules, sources, disputed, assumptions, valid;
} provenance;

static void provenance_free(provenance *pv) {
    cav_buf_free(&pv->rules);
    cav_buf_free(&pv->sources);
    cav_buf_free(&pv->disputed);
    cav_buf_free(&pv->assumptions);
    cav_buf_free(&pv->valid);
}

/* Fills pv from the rules ids[0, n): their ids, the sources they cite, whether one is disputed,
 * the assumed zones they test (plus extra_zone when >= 0: a zone feature's own assumption) and,
 * after them, those of the rules that rest on an assumption of their own, as a decision's
 * "assumptions" lists them (explain.c). */
static void provenance_of(const cav_pack *p, const int *ids, int n, int extra_zone, int32_t from,
                          int32_t until, provenance *pv) {
    memset(pv, 0, sizeof *pv);
    uint64_t cited[64] = {0};
    zone_set assumed = {{0}};
    int disputed = 0;
    cav__buf_puts(&pv->rules, "[");
    for (int i = 0; i < n; i++) {
        const cav_rule *r = &p->rules[ids[i]];
        cav__buf_puts(&pv->rules, i ? ", " : "");
        cav__buf_json_str(&pv->rules, r->id);
        disputed |= r->disputed != NULL;
        for (int k = 0; k < r->nsources; k++)
            if (r->sources[k] < 64 * 64)
                cited[r->sources[k] >> 6] |= 1ull << (r->sources[k] & 63);
        int zones[64];
        int nz = cav__rule_zones_on(p, ids[i], CAV_DATE_OPEN, zones, 64);
        for (int z = 0; z < nz && z < 64; z++)
            if (p->zones[zones[z]].assumption)
                zs_add(&assumed, zones[z]);
    }
    if (extra_zone >= 0) {
        const cav_zone *z = &p->zones[extra_zone];
        if (z->assumption)
            zs_add(&assumed, extra_zone);
        for (int k = 0; k < z->nsources; k++)
            if (z->sources[k] < 64 * 64)
                cited[z->sources[k] >> 6] |= 1ull << (z->sources[k] & 63);
    }
    cav__buf_puts(&pv->rules, "]");
    cav__buf_puts(&pv->sources, "[");
    for (int s = 0, k = 0; s < p->nsources && s < 64 * 64; s++)
        if ((cited[s >> 6] >> (s & 63)) & 1u) {
            cav__buf_puts(&pv->sources, k++ ? ", " : "");
            cav__buf_json_str(&pv->sources, p->sources[s].id);
        }
    cav__buf_puts(&pv->sources, "]");
    cav__buf_puts(&pv->assumptions, "[");
    for (int z = 0, k = 0; z < p->nzones; z++)
        if (zs_has(&assumed, z)) {
            cav__buf_puts(&pv->assumptions, k++ ? ", " : "");
            cav__buf_json_str(&pv->assumptions, p->zones[z].id);
        }
    for (int i = 0, k = pv->assumptions.len > 1; i < n; i++)
        if (p->rules[ids[i]].assumption) {
            cav__buf_puts(&pv->assumptions, k++ ? ", " : "");
            cav__buf_json_str(&pv->assumptions, p->rules[ids[i]].id);
        }
    cav__buf_puts(&pv->assumptions, "]");
    cav__buf_puts(&pv->disputed, disputed ? "true" : "false");
    cav__buf_puts(&pv->valid, "{\"from\": ");
    json_date_or_null(&pv->valid, from);
    cav__buf_puts(&pv->valid, ", \"until\": ");
    json_date_or_null(&pv->valid, until);
    cav__buf_puts(&pv->valid, "}");
}

/* The rules deciding in g (permits only when permits_only): the deciding rules of every party
 * at a point inside each of g's polygons (at most 256 of them), as cav_eval gives them. */
static int rules_in(GEOSContextHandle_t h, const cav_pack *p, const cav_query *use,
                    const GEOSGeometry *g, int permits_only, int *out) {
    int n = 0;
    if (!g || GEOSisEmpty_r(h, g))
        return 0;
    int np = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < np && i < 256; i++) {
        GEOSGeometry *pt = GEOSPointOnSurface_r(h, GEOSGetGeometryN_r(h, g, i));
        double x, y;
        cav_query q = *use;
        cav_decision d;
        if (pt && GEOSGeomGetX_r(h, pt, &x) && GEOSGeomGetY_r(h, pt, &y)) {
            q.target_lat = y, q.target_lon = x;
            if (cav_eval(p, &q, &d) == 0)
                for (int k = 0; k < d.nparties; k++) {
                    const cav_party_decision *pd = &d.parties[k];
                    for (int j = 0; j < pd->nrules && j < CAV_MAX_DECIDING; j++) {
                        int r = pd->rules[j], dup = 0;
                        if (permits_only && p->rules[r].forbid)
                            continue;
                        for (int m = 0; m < n && !dup; m++)
                            dup = out[m] == r;
                        if (!dup && n < CAV_AREA_MAX_RULES)
                            out[n++] = r;
                    }
                }
        }
        if (pt)
            GEOSGeom_destroy_r(h, pt);
    }
    return n;
}

/* ---- geometry helpers (each consumes nothing; NULL in, NULL out) ---- */

static GEOSGeometry *g_inter(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b) {
    return a && b ? GEOSIntersection_r(h, a, b) : NULL;
}
static GEOSGeometry *g_minus(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b) {
    return !a ? NULL : b ? GEOSDifference_r(h, a, b) : GEOSGeom_clone_r(h, a);
}
static GEOSGeometry *g_union(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b) {
    return a && b ? GEOSUnion_r(h, a, b)
           : a    ? GEOSGeom_clone_r(h, a)
           : b    ? GEOSGeom_clone_r(h, b)
                  : NULL;
}

/* Scales longitudes by the cosine of a latitude (and back), so that a buffer in degrees of
 * latitude is a buffer of the same length in both directions near that latitude. */
static int squash(double *x, double *y, void *ud) {
    (void)y;
    *x *= *(const double *)ud;
    return 1;
}
static int unsquash(double *x, double *y, void *ud) {
    (void)y;
    *x /= *(const double *)ud;
    return 1;
}

/* The band within metres of the lines of g, in lon/lat (locally equidistant: the band is a few
 * kilometres wide, where the error of this approximation is a few metres). */
static GEOSGeometry *band_along(GEOSContextHandle_t h, const GEOSGeometry *lines, double metres) {
    double e[4];
    if (!lines || GEOSisEmpty_r(h, lines) ||
        !GEOSGeom_getExtent_r(h, lines, &e[0], &e[1], &e[2], &e[3]))
        return NULL;
    double c = cos((e[1] + e[3]) / 2 * 3.14159265358979323846 / 180.0);
    if (c < 0.05)
        c = 0.05;
    GEOSGeometry *sq = GEOSGeom_transformXY_r(h, lines, squash, &c);
    GEOSGeometry *buf = sq ? GEOSBuffer_r(h, sq, metres / 111320.0, 4) : NULL;
    GEOSGeometry *out = buf ? GEOSGeom_transformXY_r(h, buf, unsquash, &c) : NULL;
    geom_free(h, &sq);
    geom_free(h, &buf);
    return out;
}

static int envelope_ok(GEOSContextHandle_t h, const GEOSGeometry *g, double e[4]) {
    return g && !GEOSisEmpty_r(h, g) && GEOSGeom_getExtent_r(h, g, &e[0], &e[1], &e[2], &e[3]);
}

/* The decisive-edge band of a use's areas: points nearer than a zone's precision to an edge of
 * the permitted or indeterminate area that runs along an imprecise zone's boundary. */
static GEOSGeometry *edge_band(GEOSContextHandle_t h, const cav_pack *p, const zone_set *tested,
                               const GEOSGeometry *permitted, const GEOSGeometry *indet) {
    GEOSGeometry *areas = g_union(h, permitted, indet);
    GEOSGeometry *edges = NULL, *band = NULL;
    double e[4];
    if (!areas || !envelope_ok(h, areas, e))
        goto done;
    GEOSGeometry *b1 = permitted ? GEOSBoundary_r(h, permitted) : NULL;
    GEOSGeometry *b2 = indet ? GEOSBoundary_r(h, indet) : NULL;
    edges = g_union(h, b1, b2);
    geom_free(h, &b1);
    geom_free(h, &b2);
    if (!edges)
        goto done;
    for (int z = 0; z < p->nzones; z++) {
        double prec = p->zones[z].precision_m;
        if (!zs_has(tested, z) || !(prec > 0))
            continue;
        GEOSGeometry *zg = cav__zone_geom(p, z, h);
        GEOSGeometry *zb = zg ? GEOSBoundary_r(h, zg) : NULL;
        GEOSGeometry *clip =
            zb ? GEOSClipByRect_r(h, zb, e[0] - 1, e[1] - 1, e[2] + 1, e[3] + 1) : NULL;
        /* the stretches of the areas' edges that run along this zone's boundary */
        GEOSGeometry *near = clip && !GEOSisEmpty_r(h, clip) ? band_along(h, clip, 1.0) : NULL;
        GEOSGeometry *along = g_inter(h, edges, near);
        GEOSGeometry *zband = along && !GEOSisEmpty_r(h, along) ? band_along(h, along, prec) : NULL;
        GEOSGeometry *u = zband ? g_union(h, band, zband) : NULL;
        if (u) {
            geom_free(h, &band);
            band = u;
        }
        GEOSGeometry *all[5] = {zg, zb, clip, near, along};
        for (int i = 0; i < 5; i++)
            geom_free(h, &all[i]);
        geom_free(h, &zband);
    }
done:
    geom_free(h, &areas);
    geom_free(h, &edges);
    return band;
}

/* ---- one use on one date: its areas, ready to draw or export ---- */

/* The parts of a use's map whose deciding rules are listed: permits true inside Ukraine, across
 * the border, in the whole permitted area, in the disputed part (disputed ones), and the rules
 * undetermined in the indeterminate area or whose edge its band follows. */
enum { FR_INSIDE, FR_ABROAD, FR_PERMITTED, FR_DISPUTED, FR_INDET, FR_COUNT };

typedef struct use_map {
    cav_query use;
    cav_use_areas a;
    GEOSGeometry *ua;              /* Ukraine's zone (what "inside Ukraine" means), or NULL */
    GEOSGeometry *band;            /* the decisive-edge band */
    GEOSGeometry *permitted;       /* a.permitted less the band */
    GEOSGeometry *inside, *abroad; /* permitted, split at Ukraine's border */
    GEOSGeometry *indet;           /* a.indeterminate and the band */
    GEOSGeometry *disputed;        /* a.disputed less the band */
    int32_t from, until;           /* validity of the rules in force */
    double max_precision;          /* of the zones whose edges the band follows, metres */
    int nfr[FR_COUNT];             /* the rules deciding in each part (rules_in), computed once */
    int fr[FR_COUNT][CAV_AREA_MAX_RULES];
} use_map;

static void use_map_free(GEOSContextHandle_t h, use_map *m) {
    cav__use_areas_free(h, &m->a);
    GEOSGeometry **all[] = {&m->ua,     &m->band,  &m->permitted, &m->inside,
                            &m->abroad, &m->indet, &m->disputed};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        geom_free(h, all[i]);
}

/* Ukraine's geometry as the pack's geography has it (a zone named UA, else the embedded
 * country). */
static GEOSGeometry *ukraine(const cav_pack *p, GEOSContextHandle_t h) {
    int z = cav_catalog_find(p, CAV_CAT_ZONE, "UA", 2);
    if (z >= 0)
        return cav__zone_geom(p, z, h);
    int b = cav__borders_find("UA");
    return b >= 0 ? cav__borders_geom(h, b) : NULL;
}

/* Fills m->fr: the rules deciding in each part of the map. */
static void part_rules(GEOSContextHandle_t h, const cav_pack *p, use_map *m) {
    const GEOSGeometry *parts[FR_COUNT] = {m->inside, m->abroad, NULL, m->disputed, m->indet};
    for (int i = 0; i < FR_COUNT; i++)
        m->nfr[i] = rules_in(h, p, &m->use, parts[i], i != FR_INDET, m->fr[i]);
    /* the whole permitted area: both sides of the border, each evaluated apart (one polygon can
       span the border, where one point would find one side's rules only) */
    m->nfr[FR_PERMITTED] = 0;
    for (int side = FR_INSIDE; side <= FR_ABROAD; side++)
        for (int i = 0; i < m->nfr[side]; i++) {
            int r = m->fr[side][i], dup = 0;
            for (int j = 0; j < m->nfr[FR_PERMITTED] && !dup; j++)
                dup = m->fr[FR_PERMITTED][j] == r;
            if (!dup)
                m->fr[FR_PERMITTED][m->nfr[FR_PERMITTED]++] = r;
        }
    int k = 0; /* only the disputed rules of the disputed part */
    for (int i = 0; i < m->nfr[FR_DISPUTED]; i++)
        if (p->rules[m->fr[FR_DISPUTED][i]].disputed)
            m->fr[FR_DISPUTED][k++] = m->fr[FR_DISPUTED][i];
    m->nfr[FR_DISPUTED] = k;
}

/* The cache key of a use on a date: the pack, the use less its date, the epoch of its rules. */
static void cache_key(const cav_pack *p, const use_map *m, char *key, size_t size) {
    const cav_query *q = &m->use;
    char la[40] = "-", lo[40] = "-", lu[40] = "-";
    if (q->has_launch) {
        cav__format_fixed(q->launch_lat, 7, la, sizeof la);
        cav__format_fixed(q->launch_lon, 7, lo, sizeof lo);
        cav__format_fixed(q->launch_uncertainty_m, 1, lu, sizeof lu);
    }
    snprintf(key, size, "%s|%d|%d|%d|%d|%d|%d|%s|%s|%s|%ld|%ld", cav_pack_hash(p), q->weapon,
             q->supplier, q->kind, q->state, q->role, q->purpose, la, lo, lu, (long)m->from,
             (long)m->until);
}

/* The geometries of a use_map in one list, for the cache: fixed ones, then per rule. */
enum { CACHED_GEOMS = 9, CACHED_INTS = 1 + FR_COUNT * (CAV_AREA_MAX_RULES + 1) };
static GEOSGeometry **cached_slot(use_map *m, int i) {
    GEOSGeometry **all[CACHED_GEOMS] = {&m->a.permitted, &m->a.indeterminate, &m->a.disputed,
                                        &m->band,        &m->permitted,       &m->inside,
                                        &m->abroad,      &m->indet,           &m->disputed};
    return all[i];
}

static int cache_read(cav_map_cache *c, const char *key, GEOSContextHandle_t h, use_map *m) {
    enum { N = CACHED_GEOMS };
    GEOSGeometry *g[N] = {NULL};
    int ints[CACHED_INTS], n = 0;
    if (!cav__map_cache_get(c, key, h, g, N, ints, CACHED_INTS, &n) || n < 1 + FR_COUNT)
        return 0;
    for (int i = 0; i < N; i++)
        *cached_slot(m, i) = g[i];
    m->max_precision = ints[0];
    int at = 1;
    for (int f = 0; f < FR_COUNT; f++) {
        m->nfr[f] = ints[at++];
        memcpy(m->fr[f], ints + at, (size_t)m->nfr[f] * sizeof *ints);
        at += m->nfr[f];
    }
    return 1;
}

static void cache_write(cav_map_cache *c, const char *key, GEOSContextHandle_t h, use_map *m) {
    enum { N = CACHED_GEOMS };
    GEOSGeometry *g[N];
    int ints[CACHED_INTS];
    for (int i = 0; i < N; i++)
        g[i] = *cached_slot(m, i);
    ints[0] = (int)m->max_precision;
    int at = 1;
    for (int f = 0; f < FR_COUNT; f++) {
        ints[at++] = m->nfr[f];
        memcpy(ints + at, m->fr[f], (size_t)m->nfr[f] * sizeof *ints);
        at += m->nfr[f];
    }
    cav__map_cache_put(c, key, h, g, N, ints, at);
}

static int use_map_make(GEOSContextHandle_t h, const cav_pack *p, const cav_query *use,
                        int32_t date, cav_map_cache *cache, use_map *m) {
    memset(m, 0, sizeof *m);
    m->use = *use;
    m->use.date = date;
    m->use.target_lat = m->use.target_lon = 0; /* the target point is what the map varies */
    m->use.target_uncertainty_m = 0;
    validity(p, &m->use, date, &m->from, &m->until);
    m->ua = ukraine(p, h);
    char key[512];
    if (cache) {
        cache_key(p, m, key, sizeof key);
        if (cache_read(cache, key, h, m))
            return 0;
    }
    int rc = cav__use_areas(p, &m->use, h, &m->a);
    if (rc)
        return rc;
    zone_set tested = {{0}};
    zones_of_use(p, &m->use, date, &tested);
    for (int z = 0; z < p->nzones; z++)
        if (zs_has(&tested, z) && p->zones[z].precision_m > m->max_precision)
            m->max_precision = p->zones[z].precision_m;
    m->band = edge_band(h, p, &tested, m->a.permitted, m->a.indeterminate);
    m->permitted = g_minus(h, m->a.permitted, m->band);
    m->indet = g_union(h, m->a.indeterminate, m->band);
    m->disputed = g_minus(h, m->a.disputed, m->band);
    m->inside = m->ua ? g_inter(h, m->permitted, m->ua) : NULL;
    m->abroad = m->ua ? g_minus(h, m->permitted, m->ua) : NULL;
    if (!m->ua && m->permitted)
        m->inside = GEOSGeom_clone_r(h, m->permitted);
    /* the parts as GeoJSON writes them: snapped to its grid once, here, so that a cached map is
     * written without snapping again (geo/geojson.c) */
    GEOSGeometry **parts[4] = {&m->inside, &m->abroad, &m->indet, &m->disputed};
    for (int i = 0; i < 4; i++)
        if (*parts[i]) {
            GEOSGeometry *g = GEOSGeom_setPrecision_r(h, *parts[i], 1e-6, 0);
            if (g) {
                GEOSGeom_destroy_r(h, *parts[i]);
                *parts[i] = GEOSisEmpty_r(h, g) ? (GEOSGeom_destroy_r(h, g), NULL) : g;
            }
        }
    part_rules(h, p, m);
    if (cache)
        cache_write(cache, key, h, m);
    return 0;
}

/* The fields whose absence makes the use indeterminate somewhere ("role, purpose"), from a
 * decision at a point of the indeterminate area. */
static void missing_fields(GEOSContextHandle_t h, const cav_pack *p, const use_map *m, cav_buf *b) {
    if (!m->a.indeterminate)
        return;
    GEOSGeometry *pt = GEOSPointOnSurface_r(h, m->a.indeterminate);
    double x, y;
    if (pt && GEOSGeomGetX_r(h, pt, &x) && GEOSGeomGetY_r(h, pt, &y)) {
        cav_query q = m->use;
        q.target_lat = y, q.target_lon = x;
        cav_decision d;
        uint32_t missing = 0;
        if (cav_eval(p, &q, &d) == 0)
            for (int i = 0; i < d.nparties; i++)
                missing |= d.parties[i].missing;
        for (int f = 0, k = 0; f < CAV_Q_COUNT; f++)
            if (missing & CAV_QBIT(f))
                cav__buf_printf(b, "%s%s", k++ ? ", " : "", cav_qfield_name((cav_qfield)f));
    }
    geom_free(h, &pt);
}

/* The credit line: tool, pack, sources of the rules shown, boundary data. */
static void credit(const cav_pack *p, const int *rules, int nrules, const int *zones, int nzones,
                   cav_buf *b) {
    cav__buf_printf(b, "Made with caveat %s from the pack %s. Sources: ", cav_version(),
                    cav_pack_id(p));
    uint64_t cited[64] = {0};
    for (int i = 0; i < nrules; i++)
        for (int k = 0; k < p->rules[rules[i]].nsources; k++) {
            int s = p->rules[rules[i]].sources[k];
            if (s < 64 * 64)
                cited[s >> 6] |= 1ull << (s & 63);
        }
    for (int i = 0; i < nzones; i++)
        for (int k = 0; zones[i] >= 0 && k < p->zones[zones[i]].nsources; k++) {
            int s = p->zones[zones[i]].sources[k];
            if (s < 64 * 64)
                cited[s >> 6] |= 1ull << (s & 63);
        }
    int n = 0;
    for (int s = 0; s < p->nsources && s < 64 * 64; s++) {
        if (!((cited[s >> 6] >> (s & 63)) & 1u))
            continue;
        const char *outlet = name_or(p->sources[s].outlet, p->sources[s].id);
        int dup = 0; /* one outlet once */
        for (int t = 0; t < s && !dup; t++)
            dup = ((cited[t >> 6] >> (t & 63)) & 1u) &&
                  strcmp(name_or(p->sources[t].outlet, p->sources[t].id), outlet) == 0;
        if (!dup)
            cav__buf_printf(b, "%s%s", n++ ? "; " : "", outlet);
    }
    if (n == 0)
        cav__buf_puts(b, "none cited");
    cav__buf_puts(b, ". Borders: Natural Earth 1:10m (public domain); oblasts: Digital Chart of "
                     "the World via gmt-dcw.");
}

/* Joins rule titles for a legend entry: "title (id)" each, "; " between. */
static void rule_titles(const cav_pack *p, const int *ids, int n, int disputed_only, cav_buf *b) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        const cav_rule *r = &p->rules[ids[i]];
        if (disputed_only && !r->disputed)
            continue;
        cav__buf_printf(b, "%s%s", k++ ? "; " : "", name_or(r->title, r->id));
        if (disputed_only)
            cav__buf_printf(b, " (disputed: %s)", r->disputed);
    }
}

static int check_fmt(cav_format fmt) {
    return fmt == CAV_FMT_GEOJSON || fmt == CAV_FMT_SVG || fmt == CAV_FMT_PNG || fmt == CAV_FMT_PDF;
}

static int check_use(const cav_pack *p, const cav_query *use) {
    if (!use)
        return 0;
    cav_query q = *use;
    q.target_lat = q.target_lon = 0;
    q.target_uncertainty_m = 0;
    cav_decision d;
    return cav_eval(p, &q, &d) == 0 ? 0 : CAV_EINVAL;
}

/* The view of the options: --bbox, or the zone to zoom to (its extent with a margin). */
static int view_of(GEOSContextHandle_t h, const cav_pack *p, const cav_map_opts *o,
                   cav_map_spec *s) {
    if (!o)
        return 0;
    if (o->has_bbox) {
        if (!(o->south < o->north) || !(o->west < o->east) || o->south < -85 || o->north > 85 ||
            o->west < -180 || o->east > 180)
            return CAV_EINVAL;
        s->has_view = 1;
        s->lon0 = o->west, s->lat0 = o->south, s->lon1 = o->east, s->lat1 = o->north;
    } else if (o->zoom_zone >= 0 || o->zoom_place) {
        int b = o->zoom_place ? cav__borders_find(o->zoom_place) : 0;
        if (o->zoom_zone >= p->nzones || b < 0)
            return CAV_EINVAL;
        GEOSGeometry *g =
            o->zoom_place ? cav__borders_geom(h, b) : cav__zone_geom(p, o->zoom_zone, h);
        double e[4];
        int ok = envelope_ok(h, g, e);
        geom_free(h, &g);
        if (!ok)
            return CAV_EGEO;
        double mx = fmax(0.25 * (e[2] - e[0]), 0.4), my = fmax(0.25 * (e[3] - e[1]), 0.3);
        s->has_view = 1;
        s->lon0 = fmax(e[0] - mx, -180), s->lat0 = fmax(e[1] - my, -85);
        s->lon1 = fmin(e[2] + mx, 180), s->lat1 = fmin(e[3] + my, 85);
    }
    return 0;
}

/* A zone as a map layer: assumed zones outlined and marked; zones shown with an area, outlined. */
static void zone_layer(const cav_pack *p, int z, const GEOSGeometry *g, int with_area, int in_force,
                       const char *date, cav_map_layer *l, cav_buf *label) {
    if (z < 0) {
        cav__buf_puts(label, cav__borders_name(-1 - z));
        *l = (cav_map_layer){g, NULL, with_area ? CAV_LAYER_CONTEXT : CAV_LAYER_ZONE, NULL};
        return;
    }
    const cav_zone *zone = &p->zones[z];
    cav__buf_puts(label, zone_title(p, z));
    if (zone->assumption)
        cav__buf_printf(label, ". Assumed zone (%s): %s", zone->id, zone->assumption);
    if (with_area && !in_force)
        cav__buf_printf(label, " (no rule in force on %s tests it)", date);
    l->geom = g;
    l->label = NULL; /* set by the caller once the buffers stop moving */
    l->style = zone->assumption ? CAV_LAYER_ASSUMED
               : with_area      ? CAV_LAYER_CONTEXT
                                : CAV_LAYER_ZONE;
    l->mark = zone->assumption ? zone->id : NULL;
}

/* ---- GeoJSON ---- */

/* The properties every area feature carries: the use, as JSON texts. */
typedef struct use_props {
    cav_buf consent;
    char date[11];
} use_props;

static void use_props_of(const cav_pack *p, const cav_query *use, use_props *u) {
    memset(u, 0, sizeof *u);
    int parties[CAV_MAX_PARTIES];
    int np = cav__consent_parties(p, use, parties);
    cav__buf_puts(&u->consent, "[");
    for (int i = 0; i < np; i++) {
        cav__buf_puts(&u->consent, i ? ", " : "");
        cav__buf_json_str(&u->consent, p->parties[parties[i]].code);
    }
    cav__buf_puts(&u->consent, "]");
    cav_date_format(use->date, u->date);
}

static void add_prop(cav_map_feature *f, const char *k, const char *v, int raw) {
    if (f->nprops >= CAV_MAP_MAX_PROPS)
        return;
    f->keys[f->nprops] = k;
    f->values[f->nprops] = v;
    if (raw)
        f->raw |= 1u << f->nprops;
    f->nprops++;
}

static void area_feature(const cav_pack *p, const cav_query *use, const use_props *u,
                         cav_map_feature *f, const char *id, const GEOSGeometry *g,
                         const char *decision, const char *where, const provenance *pv) {
    memset(f, 0, sizeof *f);
    f->id = id;
    f->geom = g;
    f->gridded = 1; /* the parts of a use_map are snapped when made */
    add_prop(f, "id", id, 0);
    add_prop(f, "weapon", p->weapons[use->weapon].id, 0);
    add_prop(f, "supplier", use->supplier >= 0 ? p->parties[use->supplier].code : NULL, 0);
    add_prop(f, "consent", u->consent.data, 1);
    add_prop(f, "kind", p->kinds[use->kind].id, 0);
    add_prop(f, "state", use->state ? "airborne" : "ground", 0);
    add_prop(f, "role", use->role >= 0 ? cav_catalog_name(p, CAV_CAT_ROLE, use->role) : NULL, 0);
    add_prop(f, "purpose", use->purpose >= 0 ? p->purposes[use->purpose].id : NULL, 0);
    add_prop(f, "date", u->date, 0);
    add_prop(f, "decision", decision, 0);
    add_prop(f, "where", where, 0);
    add_prop(f, "rules", pv->rules.data, 1);
    add_prop(f, "sources", pv->sources.data, 1);
    add_prop(f, "disputed", pv->disputed.data, 1);
    add_prop(f, "assumptions", pv->assumptions.data, 1);
    add_prop(f, "valid", pv->valid.data, 1);
}

/* A zone's feature: its catalog entry and the rules (in force for the use, when there is one)
 * that test it. */
static void zone_feature(const cav_pack *p, int z, const GEOSGeometry *g, const int *rules,
                         int nrules, const use_map *um, cav_map_feature *f, provenance *pv) {
    if (z < 0) { /* a place of the boundary data: no rule of the pack names it */
        provenance_of(p, NULL, 0, -1, INT32_MIN, CAV_DATE_OPEN, pv);
        memset(f, 0, sizeof *f);
        f->id = cav__borders_code(-1 - z);
        f->geom = g;
        add_prop(f, "id", f->id, 0);
        add_prop(f, "title", cav__borders_name(-1 - z), 0);
        add_prop(f, "rules", pv->rules.data, 1);
        add_prop(f, "sources", pv->sources.data, 1);
        add_prop(f, "disputed", pv->disputed.data, 1);
        add_prop(f, "assumptions", pv->assumptions.data, 1);
        return;
    }
    int testing[256], n = 0;
    for (int i = 0; i < nrules && n < 256; i++) {
        int zones[CAV_MAX_ZONE_WORDS * 64];
        int nz = cav__rule_zones_on(p, rules[i], um ? um->use.date : CAV_NO_DATE, zones,
                                    CAV_MAX_ZONE_WORDS * 64);
        for (int k = 0; k < nz; k++)
            if (zones[k] == z) {
                testing[n++] = rules[i];
                break;
            }
    }
    provenance_of(p, testing, n, z, um ? um->from : INT32_MIN, um ? um->until : CAV_DATE_OPEN, pv);
    const cav_zone *zone = &p->zones[z];
    memset(f, 0, sizeof *f);
    f->id = zone->id;
    f->geom = g;
    add_prop(f, "id", zone->id, 0);
    add_prop(f, "title", zone_title(p, z), 0);
    add_prop(f, "note", zone->note, 0);
    add_prop(f, "assumption", zone->assumption, 0);
    add_prop(f, "rules", pv->rules.data, 1);
    add_prop(f, "sources", pv->sources.data, 1);
    add_prop(f, "disputed", pv->disputed.data, 1);
    add_prop(f, "assumptions", pv->assumptions.data, 1);
    add_prop(f, "valid", pv->valid.data, 1);
}

/* Every rule of the pack (no use) or in force for the use. */
static int rules_shown(const cav_pack *p, const use_map *um, int *out, int max) {
    if (um)
        return rules_of_use(p, &um->use, um->use.date, out, max);
    int n = 0;
    for (int r = 0; r < p->nrules && n < max; r++)
        out[n++] = r;
    return n;
}

static int map_geojson(GEOSContextHandle_t h, const cav_pack *p, const use_map *um,
                       const int *zones, GEOSGeometry *const *zg, int nz, const cav_map_spec *view,
                       cav_buf *out) {
    cav_map_feature f[MAX_FEATURES];
    provenance pv[MAX_FEATURES];
    memset(f, 0, sizeof f);
    memset(pv, 0, sizeof pv);
    int nf = 0;
    use_props u;
    memset(&u, 0, sizeof u);
    cav_buf why = {0};
    if (um) {
        use_props_of(p, &um->use, &u);
        const GEOSGeometry *parts[2] = {um->inside, um->abroad};
        const char *names[2] = {"permitted-ukraine", "permitted-abroad"};
        const char *where[2] = {"ukraine", "abroad"};
        for (int i = 0; i < 2; i++) {
            provenance_of(p, um->fr[i], um->nfr[i], -1, um->from, um->until, &pv[nf]);
            area_feature(p, &um->use, &u, &f[nf], names[i], parts[i], "permitted", where[i],
                         &pv[nf]);
            nf++;
        }
        /* indeterminate: rules undetermined there, and the permits whose edge the band follows */
        provenance_of(p, um->fr[FR_INDET], um->nfr[FR_INDET], -1, um->from, um->until, &pv[nf]);
        area_feature(p, &um->use, &u, &f[nf], "indeterminate", um->indet, "indeterminate", NULL,
                     &pv[nf]);
        cav_buf missing = {0};
        missing_fields(h, p, um, &missing);
        if (um->band)
            cav__buf_printf(&why,
                            "within %g km of a decisive border drawn from boundary data "
                            "that precise",
                            um->max_precision / 1000);
        if (missing.len)
            cav__buf_printf(&why, "%sthe query does not give %s", why.len ? "; " : "",
                            missing.data);
        cav_buf_free(&missing);
        add_prop(&f[nf], "why", why.len ? why.data : NULL, 0);
        nf++;
        provenance_of(p, um->fr[FR_DISPUTED], um->nfr[FR_DISPUTED], -1, um->from, um->until,
                      &pv[nf]);
        area_feature(p, &um->use, &u, &f[nf], "disputed", um->disputed, "permitted", NULL, &pv[nf]);
        nf++;
    }
    int rules[512];
    int nrules = rules_shown(p, um, rules, 512);
    for (int i = 0; i < nz && nf < MAX_FEATURES; i++, nf++)
        zone_feature(p, zones[i], zg[i], rules, nrules, um, &f[nf], &pv[nf]);
    /* a frame cuts every feature to it (a base map of the region, not of all Russia) */
    GEOSGeometry *cut[MAX_FEATURES] = {NULL};
    for (int i = 0; view->has_view && i < nf; i++)
        if (f[i].geom) {
            cut[i] = GEOSClipByRect_r(h, f[i].geom, view->lon0, view->lat0, view->lon1, view->lat1);
            f[i].geom = cut[i];
            f[i].gridded = 0;
        }
    int rc = cav__geojson_write(h, f, nf, out);
    for (int i = 0; i < nf; i++) {
        provenance_free(&pv[i]);
        geom_free(h, &cut[i]);
    }
    cav_buf_free(&u.consent);
    cav_buf_free(&why);
    return rc;
}

/* ---- drawn maps ---- */

typedef struct drawn {
    cav_map_layer layers[64];
    cav_buf labels[64];
    int n;
    cav_buf title, subtitle, notes, credit;
} drawn;

static cav_buf *add_layer(drawn *d, const GEOSGeometry *g, int style, const char *mark) {
    if (d->n >= 64)
        return NULL;
    d->layers[d->n] = (cav_map_layer){g, NULL, style, mark};
    return &d->labels[d->n++];
}

static void drawn_free(drawn *d) {
    for (int i = 0; i < 64; i++)
        cav_buf_free(&d->labels[i]);
    cav_buf_free(&d->title);
    cav_buf_free(&d->subtitle);
    cav_buf_free(&d->notes);
    cav_buf_free(&d->credit);
}

static int draw(GEOSContextHandle_t h, drawn *d, const cav_map_opts *o, cav_map_spec *spec,
                cav_format fmt, cav_buf *out) {
    for (int i = 0; i < d->n; i++)
        d->layers[i].label = d->labels[i].len ? d->labels[i].data : NULL;
    spec->title = o && o->title ? o->title : d->title.data;
    spec->subtitle = d->subtitle.data;
    spec->layers = d->layers;
    spec->nlayers = d->n;
    spec->notes = d->notes.data;
    spec->credit = d->credit.data;
    if (d->title.failed || d->subtitle.failed || d->notes.failed || d->credit.failed)
        return CAV_ENOMEM;
    return cav__map_draw(h, spec, fmt, o ? o->width : 0, o ? o->height : 0, out);
}

/* The legend entries of one use's areas. */
static void use_layers(GEOSContextHandle_t h, const cav_pack *p, const use_map *um, drawn *d) {
    cav_buf *l = add_layer(d, um->inside, CAV_LAYER_AREA, NULL);
    if (l)
        cav__buf_puts(l, "Permitted inside Ukraine");
    if ((l = add_layer(d, um->abroad, CAV_LAYER_ABROAD, NULL)))
        cav__buf_puts(l, "Permitted across Ukraine's border");
    if ((l = add_layer(d, um->indet, CAV_LAYER_INDETERMINATE, NULL))) {
        cav__buf_puts(l, "Indeterminate: ");
        cav_buf missing = {0};
        missing_fields(h, p, um, &missing);
        if (um->band)
            cav__buf_printf(l,
                            "within %g km of a border that decides, as precise as the "
                            "boundary data",
                            um->max_precision / 1000);
        if (missing.len)
            cav__buf_printf(l, "%sthe map's question does not give %s", um->band ? "; " : "",
                            missing.data);
        if (!um->band && !missing.len)
            cav__buf_puts(l, "nowhere");
        cav_buf_free(&missing);
    }
    if (um->disputed && !GEOSisEmpty_r(h, um->disputed) &&
        (l = add_layer(d, um->disputed, CAV_LAYER_DISPUTED, NULL))) {
        cav__buf_puts(l, "Hatched: permitted on a disputed rule: ");
        rule_titles(p, um->fr[FR_DISPUTED], um->nfr[FR_DISPUTED], 1, l);
    }
}

static void zone_layers(const cav_pack *p, const int *zones, GEOSGeometry *const *zg, int nz,
                        const use_map *um, const zone_set *in_force, drawn *d) {
    char date[11] = "";
    if (um)
        cav_date_format(um->use.date, date);
    for (int i = 0; i < nz; i++) {
        cav_buf *l = add_layer(d, zg[i], CAV_LAYER_ZONE, NULL);
        if (l)
            zone_layer(p, zones[i], zg[i], um != NULL,
                       !in_force || zones[i] < 0 || zs_has(in_force, zones[i]), date,
                       &d->layers[d->n - 1], l);
    }
}

static void rules_note(const cav_pack *p, const char *head, const int *ids, int n, cav_buf *b) {
    if (n == 0)
        return;
    cav__buf_printf(b, "%s%s ", b->len ? "\n" : "", head);
    for (int i = 0; i < n; i++) {
        const cav_rule *r = &p->rules[ids[i]];
        char from[11], until[11];
        cav_date_format(r->from, from);
        cav_date_format(r->until, until);
        cav__buf_printf(b, "%s%s (%s, from %s%s%s%s", i ? "; " : "", name_or(r->title, r->id),
                        r->id, from, r->until == CAV_DATE_OPEN ? "" : " until ",
                        r->until == CAV_DATE_OPEN ? "" : until, r->disputed ? ", disputed" : "");
        if (r->assumption) /* labelled wherever it shows, as a decision's explanation does */
            cav__buf_printf(b, "; an assumption of the pack: \"%s\"", r->assumption);
        cav__buf_puts(b, ")");
    }
    cav__buf_puts(b, ".");
}

int cav_map(const cav_pack *p, const cav_query *use, const cav_map_opts *o, cav_format fmt,
            cav_buf *out) {
    if (!p || !out || !check_fmt(fmt) || check_use(p, use))
        return CAV_EINVAL;
    GEOSContextHandle_t h = GEOS_init_r();
    if (!h)
        return CAV_ENOMEM;
    int zones[64], rc = 0;
    GEOSGeometry *zg[64] = {NULL};
    use_map um;
    memset(&um, 0, sizeof um);
    drawn *d = cav__calloc(1, sizeof *d);
    int32_t date = use ? use->date : 0;
    int nz = zones_to_show(p, use, &date, 1, o, zones);
    cav_map_spec spec;
    memset(&spec, 0, sizeof spec);
    if (!d)
        rc = CAV_ENOMEM;
    if (nz < 0)
        rc = CAV_EINVAL, nz = 0;
    for (int i = 0; i < nz && rc == 0; i++)
        if (!(zg[i] = shown_geom(p, h, zones[i])))
            rc = CAV_EGEO;
    if (rc == 0)
        rc = view_of(h, p, o, &spec);
    if (rc == 0 && use)
        rc = use_map_make(h, p, use, use->date, o ? o->cache : NULL, &um);
    if (rc == 0 && fmt == CAV_FMT_GEOJSON)
        rc = map_geojson(h, p, use ? &um : NULL, zones, zg, nz, &spec, out);
    else if (rc == 0) {
        int rules[256], nrules = 0;
        zone_set in_force = {{0}};
        if (use) {
            zones_of_use(p, &um.use, date, &in_force);
            use_layers(h, p, &um, d);
            char day[11];
            cav_date_format(date, day);
            cav__buf_puts(&d->title, "Where ");
            cav__buf_puts(&d->title,
                          name_or(p->weapons[use->weapon].title, p->weapons[use->weapon].id));
            cav__buf_puts(&d->title, " may be used ");
            use_words(p, &um.use, &d->title);
            cav__buf_printf(&d->title, ", on %s", day);
            cav__buf_puts(&d->subtitle, "Where every party whose consent the use needs (");
            consent_words(p, &um.use, &d->subtitle);
            cav__buf_printf(&d->subtitle, ") permits it under the rules in force on %s", day);
            char f[11], u[11];
            cav_date_format(um.from, f);
            cav_date_format(um.until, u);
            if (um.from != INT32_MIN && um.until != CAV_DATE_OPEN)
                cav__buf_printf(&d->subtitle, ", the same from %s until %s", f, u);
            else if (um.from != INT32_MIN)
                cav__buf_printf(&d->subtitle, ", the same since %s", f);
            cav__buf_puts(&d->subtitle, ".");
            if (!um.permitted)
                cav__buf_puts(&d->subtitle, " The use is permitted nowhere.");
            rules_note(p, "Permitted by:", um.fr[FR_PERMITTED], um.nfr[FR_PERMITTED], &d->notes);
            nrules = rules_of_use(p, &um.use, date, rules, 256);
        } else {
            cav__buf_printf(&d->title, "Zones of the pack %s", cav_pack_id(p));
            cav__buf_printf(&d->subtitle, "%d zone%s", nz, nz == 1 ? "" : "s");
            /* a zone map cites the zones' sources, not the rules' */
        }
        zone_layers(p, zones, zg, nz, use ? &um : NULL, use ? &in_force : NULL, d);
        credit(p, rules, nrules, zones, nz, &d->credit);
        rc = draw(h, d, o, &spec, fmt, out);
    }
    use_map_free(h, &um);
    for (int i = 0; i < nz; i++)
        geom_free(h, &zg[i]);
    if (d)
        drawn_free(d);
    cav__free(d);
    GEOS_finish_r(h);
    return rc ? rc : cav__buf_status(out);
}

/* The rules whose being in force differs between the dates, for the use: (+) in force on `to`
 * only, (-) on `from` only. */
static int rules_changed(const cav_pack *p, const use_map *m1, const use_map *m2, int *ids,
                         int *sign, int max) {
    int r1[256], r2[256], n = 0;
    int n1 = rules_of_use(p, &m1->use, m1->use.date, r1, 256);
    int n2 = rules_of_use(p, &m2->use, m2->use.date, r2, 256);
    for (int pass = 0; pass < 2; pass++) {
        const int *a = pass ? r1 : r2, *b = pass ? r2 : r1;
        int na = pass ? n1 : n2, nb = pass ? n2 : n1;
        for (int i = 0; i < na && n < max; i++) {
            int in_b = 0;
            for (int j = 0; j < nb && !in_b; j++)
                in_b = a[i] == b[j];
            if (!in_b)
                ids[n] = a[i], sign[n++] = pass ? -1 : 1;
        }
    }
    return n;
}

int cav_map_diff(const cav_pack *p, const cav_query *use, int32_t from, int32_t to,
                 const cav_map_opts *o, cav_format fmt, cav_buf *out) {
    if (!p || !use || !out || !check_fmt(fmt) || check_use(p, use))
        return CAV_EINVAL;
    GEOSContextHandle_t h = GEOS_init_r();
    if (!h)
        return CAV_ENOMEM;
    use_map m1, m2;
    memset(&m1, 0, sizeof m1);
    memset(&m2, 0, sizeof m2);
    drawn *d = cav__calloc(1, sizeof *d);
    int zones[64], nz = 0, rc = d ? 0 : CAV_ENOMEM;
    int32_t dates[2] = {from, to};
    GEOSGeometry *zg[64] = {NULL}, *grew = NULL, *shrank = NULL, *same = NULL;
    GEOSGeometry *split[4] = {NULL};
    cav_map_spec spec;
    memset(&spec, 0, sizeof spec);
    if (rc == 0)
        rc = use_map_make(h, p, use, from, o ? o->cache : NULL, &m1);
    if (rc == 0)
        rc = use_map_make(h, p, use, to, o ? o->cache : NULL, &m2);
    if (rc == 0)
        rc = view_of(h, p, o, &spec);
    if (rc == 0) {
        grew = g_minus(h, m2.permitted, m1.permitted);
        shrank = g_minus(h, m1.permitted, m2.permitted);
        same = g_inter(h, m1.permitted, m2.permitted);
        nz = zones_to_show(p, use, dates, 2, o, zones);
        if (nz < 0)
            rc = CAV_EINVAL, nz = 0;
        for (int i = 0; i < nz && rc == 0; i++)
            if (!(zg[i] = shown_geom(p, h, zones[i])))
                rc = CAV_EGEO;
    }
    int changed[128], sign[128];
    int nch = rc == 0 ? rules_changed(p, &m1, &m2, changed, sign, 128) : 0;
    char d1[11], d2[11];
    cav_date_format(from, d1);
    cav_date_format(to, d2);
    if (rc == 0 && fmt == CAV_FMT_GEOJSON) {
        cav_buf ch = {0};
        cav__buf_puts(&ch, "[");
        for (int i = 0; i < nch; i++) {
            const cav_rule *r = &p->rules[changed[i]];
            char day[11];
            cav_date_format(sign[i] > 0 ? r->from : r->until, day);
            cav__buf_printf(&ch, "%s{\"rule\": ", i ? ", " : "");
            cav__buf_json_str(&ch, r->id);
            cav__buf_printf(&ch, ", \"change\": \"%s\", \"date\": \"%s\", \"title\": ",
                            sign[i] > 0 ? "starts" : "ends", day);
            cav__buf_json_str(&ch, r->title);
            cav__buf_puts(&ch, "}");
        }
        cav__buf_puts(&ch, "]");
        const GEOSGeometry *parts[3] = {grew, shrank, same};
        const char *names[3] = {"grew", "shrank", "unchanged"};
        const use_map *at[3] = {&m2, &m1, &m2};
        cav_map_feature f[MAX_FEATURES];
        provenance pv[MAX_FEATURES];
        memset(f, 0, sizeof f);
        memset(pv, 0, sizeof pv);
        use_props u;
        use_props_of(p, &m2.use, &u);
        int nf = 0, ids[CAV_AREA_MAX_RULES];
        for (int i = 0; i < 3; i++, nf++) {
            int n = rules_in(h, p, &at[i]->use, parts[i], 1, ids);
            provenance_of(p, ids, n, -1, at[i]->from, at[i]->until, &pv[nf]);
            area_feature(p, &m2.use, &u, &f[nf], names[i], parts[i],
                         i == 1 ? "prohibited" : "permitted", NULL, &pv[nf]);
            f[nf].gridded = 0; /* made here by overlays: snapped as it is written */
            add_prop(&f[nf], "change", names[i], 0);
            add_prop(&f[nf], "from", d1, 0);
            add_prop(&f[nf], "to", d2, 0);
            add_prop(&f[nf], "rules_changed", ch.data, 1);
        }
        int rules[512];
        int nrules = rules_of_use(p, &m2.use, to, rules, 512);
        for (int i = 0; i < nz && nf < MAX_FEATURES; i++, nf++)
            zone_feature(p, zones[i], zg[i], rules, nrules, &m2, &f[nf], &pv[nf]);
        rc = cav__geojson_write(h, f, nf, out);
        for (int i = 0; i < nf; i++)
            provenance_free(&pv[i]);
        cav_buf_free(&u.consent);
        cav_buf_free(&ch);
    } else if (rc == 0) {
        GEOSGeometry *ua = m2.ua;
        split[0] = ua ? g_inter(h, same, ua) : NULL;
        split[1] = ua ? g_minus(h, same, ua) : NULL;
        split[2] = ua ? g_inter(h, grew, ua) : NULL;
        split[3] = ua ? g_minus(h, grew, ua) : NULL;
        cav_buf *l;
        if ((l = add_layer(d, split[0], CAV_LAYER_SAME, NULL)))
            cav__buf_printf(l, "Permitted on both dates, inside Ukraine");
        if ((l = add_layer(d, split[1], CAV_LAYER_SAME_ABROAD, NULL)))
            cav__buf_printf(l, "Permitted on both dates, across Ukraine's border");
        if ((l = add_layer(d, split[2], CAV_LAYER_GREW, NULL)))
            cav__buf_printf(l, "Newly permitted on %s, inside Ukraine", d2);
        if ((l = add_layer(d, split[3], CAV_LAYER_GREW_ABROAD, NULL)))
            cav__buf_printf(l, "Newly permitted on %s, across Ukraine's border", d2);
        if ((l = add_layer(d, shrank, CAV_LAYER_SHRANK, NULL)))
            cav__buf_printf(l, "No longer permitted on %s (red hatching)", d2);
        if (m2.disputed && (l = add_layer(d, m2.disputed, CAV_LAYER_DISPUTED, NULL))) {
            cav__buf_printf(l, "Purple hatching: permitted on %s on a disputed rule: ", d2);
            rule_titles(p, m2.fr[FR_DISPUTED], m2.nfr[FR_DISPUTED], 1, l);
        }
        zone_set in_force = {{0}};
        zones_of_use(p, &m1.use, from, &in_force);
        zones_of_use(p, &m2.use, to, &in_force);
        zone_layers(p, zones, zg, nz, &m2, &in_force, d);
        cav__buf_puts(&d->title, "Where ");
        cav__buf_puts(&d->title,
                      name_or(p->weapons[use->weapon].title, p->weapons[use->weapon].id));
        cav__buf_puts(&d->title, " may be used ");
        use_words(p, &m2.use, &d->title);
        cav__buf_printf(&d->title, ": %s and %s compared", d1, d2);
        cav__buf_puts(&d->subtitle, "Permitted by every party whose consent the use needs (");
        consent_words(p, &m2.use, &d->subtitle);
        cav__buf_printf(&d->subtitle, ") on %s and on %s.", d1, d2);
        int plus[128], minus[128], np = 0, nm = 0;
        for (int i = 0; i < nch; i++) {
            if (sign[i] > 0)
                plus[np++] = changed[i];
            else
                minus[nm++] = changed[i];
        }
        char head[80];
        snprintf(head, sizeof head, "In force on %s, not on %s:", d2, d1);
        rules_note(p, head, plus, np, &d->notes);
        snprintf(head, sizeof head, "In force on %s, not on %s:", d1, d2);
        rules_note(p, head, minus, nm, &d->notes);
        if (nch == 0)
            cav__buf_printf(&d->notes, "The same rules are in force on %s and %s.", d1, d2);
        int rules[512], nrules = rules_of_use(p, &m1.use, from, rules, 256);
        nrules += rules_of_use(p, &m2.use, to, rules + nrules, 256);
        credit(p, rules, nrules, zones, nz, &d->credit);
        rc = draw(h, d, o, &spec, fmt, out);
    }
    use_map_free(h, &m1);
    use_map_free(h, &m2);
    GEOSGeometry **all[] = {&grew, &shrank, &same, &split[0], &split[1], &split[2], &split[3]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        geom_free(h, all[i]);
    for (int i = 0; i < nz; i++)
        geom_free(h, &zg[i]);
    if (d)
        drawn_free(d);
    cav__free(d);
    GEOS_finish_r(h);
    return rc ? rc : cav__buf_status(out);
}
