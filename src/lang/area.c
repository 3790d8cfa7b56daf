/* area.c — the permitted area of a use, computed exactly with GEOS.
 *
 * With every field of a query fixed except the target's place, each rule's condition becomes a
 * formula over `target in ZONE` tests, and so a region of the plane. Evaluation is three-valued
 * (eval.c's Kleene logic), so every condition node yields two regions, where it is true and where
 * it is false, and the rest of the plane is where it is undetermined:
 *
 *   target in Z            true: Z                 false: plane - Z
 *   any other test         true: plane or nothing  false: the opposite (by cav__eval_node on the
 *                                                  fixed fields); a missing field: neither
 *   not a                  true: false(a)          false: true(a)
 *   a and b                true: t(a) & t(b)       false: f(a) | f(b)
 *   a or b                 true: t(a) | t(b)       false: f(a) & f(b)
 *
 * A rule matches where its condition is true. For each consent party (the weapon's, then the
 * supplier, as in eval.c) the permitted area is the union of its matching permits minus the union
 * of its matching forbids, or nothing when the party has none of its own rules in force (it is
 * `unknown` everywhere); the use's area is the intersection over the parties.
 *
 * Regions are kept as a geometry or as the plane minus a geometry (`comp`), so `not` and the
 * plane itself cost nothing and the plane (-180..180 x -90..90) is only built at the end, when the
 * answer is a complement. A NULL geometry is the empty set; operations that produce an empty
 * geometry return NULL, so empty operands short-cut later operations. Zone geometries are borrowed
 * from the pack (`owned` 0) and never freed here; every other geometry is owned by its region.
 */
#include "lang/area.h"
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct region {
    GEOSGeometry *g; /* NULL: the empty set */
    int owned;       /* g was made here and must be freed; 0: borrowed from the pack */
    int comp;        /* the region is the plane minus g */
} region;

typedef struct area_ctx {
    const cav_pack *p;
    GEOSContextHandle_t h;
    const cav_facts *facts;
    int32_t date;
    GEOSGeometry **zones; /* zone geometries read from the pack's WKB on first use */
    int failed;           /* a GEOS operation failed: results are no longer meaningful */
} area_ctx;

static const region empty_region = {NULL, 0, 0};
static const region plane_region = {NULL, 0, 1};

static void drop(area_ctx *c, GEOSGeometry *g, int owned) {
    if (g && owned)
        GEOSGeom_destroy_r(c->h, g);
}

static void region_free(area_ctx *c, region *r) {
    drop(c, r->g, r->owned);
    *r = empty_region;
}

/* Takes a new GEOS result: NULL marks failure, an empty geometry becomes NULL. */
static GEOSGeometry *result(area_ctx *c, GEOSGeometry *g) {
    if (!g) {
        c->failed = 1;
        return NULL;
    }
    if (GEOSisEmpty_r(c->h, g) != 0) {
        GEOSGeom_destroy_r(c->h, g);
        return NULL;
    }
    return g;
}

/* Plain-geometry operations. Each consumes both operands (frees the owned ones it does not
 * return) and returns a geometry with its ownership in *owned, or NULL for the empty set. */
static GEOSGeometry *g_and(area_ctx *c, region a, region b, int *owned) {
    *owned = 1;
    GEOSGeometry *g = NULL;
    if (a.g && b.g && !c->failed)
        g = result(c, GEOSIntersection_r(c->h, a.g, b.g));
    drop(c, a.g, a.owned);
    drop(c, b.g, b.owned);
    return g;
}

static GEOSGeometry *g_or(area_ctx *c, region a, region b, int *owned) {
    if (!a.g || !b.g) {
        region keep = a.g ? a : b;
        *owned = keep.owned;
        return keep.g;
    }
    *owned = 1;
    GEOSGeometry *g = c->failed ? NULL : result(c, GEOSUnion_r(c->h, a.g, b.g));
    drop(c, a.g, a.owned);
    drop(c, b.g, b.owned);
    return g;
}

static GEOSGeometry *g_minus(area_ctx *c, region a, region b, int *owned) {
    if (!a.g || !b.g) {
        *owned = a.owned;
        drop(c, b.g, b.owned);
        return a.g;
    }
    *owned = 1;
    GEOSGeometry *g = c->failed ? NULL : result(c, GEOSDifference_r(c->h, a.g, b.g));
    drop(c, a.g, a.owned);
    drop(c, b.g, b.owned);
    return g;
}

/* Region algebra over (geometry, complemented) pairs; both operands are consumed. */
static region r_and(area_ctx *c, region a, region b) {
    region r = {NULL, 0, 0};
    if (!a.comp && !b.comp)
        r.g = g_and(c, a, b, &r.owned);
    else if (!a.comp)
        r.g = g_minus(c, a, b, &r.owned);
    else if (!b.comp)
        r.g = g_minus(c, b, a, &r.owned);
    else {
        r.g = g_or(c, a, b, &r.owned);
        r.comp = 1;
    }
    return r;
}

static region r_or(area_ctx *c, region a, region b) {
    region r = {NULL, 0, 1};
    if (!a.comp && !b.comp) {
        r.g = g_or(c, a, b, &r.owned);
        r.comp = 0;
    } else if (!a.comp)
        r.g = g_minus(c, b, a, &r.owned);
    else if (!b.comp)
        r.g = g_minus(c, a, b, &r.owned);
    else
        r.g = g_and(c, a, b, &r.owned);
    return r;
}

static region r_not(region a) {
    a.comp = !a.comp;
    return a;
}

/* The union of the zones in a place test's bit set (borrowed when it is a single zone). */
static region zones_of(area_ctx *c, const cav_node *node) {
    const uint64_t *set = c->p->words + node->set;
    region r = empty_region;
    for (int z = 0; z < c->p->nzones; z++)
        if ((set[z >> 6] >> (z & 63)) & 1u) {
            if (!c->zones[z] && !(c->zones[z] = cav__zone_geom(c->p, z, c->h))) {
                c->failed = 1;
                continue;
            }
            region zone = {c->zones[z], 0, 0};
            r = r_or(c, r, zone);
        }
    return r;
}

static region copy_region(area_ctx *c, region r) {
    if (r.g && r.owned && !c->failed) {
        r.g = GEOSGeom_clone_r(c->h, r.g);
        if (!r.g)
            c->failed = 1;
    }
    return r;
}

/* Where node n is true (*t, when want_t) and false (*f, when want_f); unwanted outputs are
 * set to the empty region. */
static void eval_region(area_ctx *c, int n, int want_t, int want_f, region *t, region *f) {
    const cav_node *node = &c->p->nodes[n];
    region ta = empty_region, fa = empty_region, tb = empty_region, fb = empty_region;
    *t = empty_region;
    *f = empty_region;
    switch (node->op) {
    case CAV_N_TEST:
        if (node->field == CAV_F_TARGET) {
            region z = zones_of(c, node);
            int negated = node->test == CAV_T_NE || node->test == CAV_T_NOT_IN;
            region in = negated ? r_not(z) : z;
            if (want_t && want_f) {
                *t = in;
                *f = r_not(copy_region(c, in));
            } else if (want_t) {
                *t = in;
            } else if (want_f) {
                *f = r_not(in);
            } else {
                region_free(c, &z);
            }
        } else {
            cav_tri v = cav__eval_node(c->p, n, c->facts);
            if (want_t && v == CAV_TRUE)
                *t = plane_region;
            if (want_f && v == CAV_FALSE)
                *f = plane_region;
        }
        return;
    case CAV_N_NOT:
        eval_region(c, node->a, want_f, want_t, &ta, &fa);
        *t = fa;
        *f = ta;
        return;
    case CAV_N_AND:
        eval_region(c, node->a, want_t, want_f, &ta, &fa);
        eval_region(c, node->b, want_t, want_f, &tb, &fb);
        *t = r_and(c, ta, tb);
        *f = r_or(c, fa, fb);
        return;
    default:
        eval_region(c, node->a, want_t, want_f, &ta, &fa);
        eval_region(c, node->b, want_t, want_f, &tb, &fb);
        *t = r_or(c, ta, tb);
        *f = r_and(c, fa, fb);
        return;
    }
}

/* Where forbid r is false: where its condition is false or one of its exceptions in force holds
 * (its value is `cond and not (e1 or e2 ...)`). */
static region forbid_false(area_ctx *c, const cav_rule *r) {
    region t, f = empty_region;
    if (r->root >= 0)
        eval_region(c, r->root, 0, 1, &t, &f);
    for (int i = 0; i < r->nunless; i++) {
        const cav_rule *ex = &c->p->rules[r->unless[i]];
        if (c->date < ex->from || c->date >= ex->until)
            continue;
        region et = plane_region, unused;
        if (ex->root >= 0)
            eval_region(c, ex->root, 1, 0, &et, &unused);
        f = r_or(c, f, et);
    }
    return f;
}

/* Where forbid r is true: its condition true and every exception in force false. */
static region forbid_true(area_ctx *c, const cav_rule *r) {
    region t = plane_region, unused;
    if (r->root >= 0)
        eval_region(c, r->root, 1, 0, &t, &unused);
    for (int i = 0; i < r->nunless; i++) {
        const cav_rule *ex = &c->p->rules[r->unless[i]];
        if (c->date < ex->from || c->date >= ex->until)
            continue;
        region ef = empty_region, unused2;
        if (ex->root >= 0)
            eval_region(c, ex->root, 0, 1, &unused2, &ef);
        t = r_and(c, t, ef);
    }
    return t;
}

/* A region as a plain geometry (the plane built when it is a complement); NULL for the empty set
 * or on failure (then c->failed). The region is consumed. */
static GEOSGeometry *region_geom(area_ctx *c, region r);

/* What a party answers over the plane, for a use (steps 1 to 6 of docs/semantics.md for exact
 * points): where it permits, where it is indeterminate (when asked), where one of its disputed
 * permits is true, and whether it is silent. */
typedef struct party_regions {
    region permitted, indeterminate, disputed;
    int silent; /* no rule of its own in force speaks of the weapon: unknown everywhere */
} party_regions;

static party_regions party_regions_of(area_ctx *c, int party, int want_indet) {
    const cav_epoch *ep = cav__epoch_of(c->p, party, c->date);
    region t_permit = empty_region, nf_permit = empty_region, disputed = empty_region;
    region t_forbid = empty_region, nf_forbid = empty_region;
    int speaks = 0;
    for (int i = 0; i < ep->nrules; i++) {
        int id = ep->rules[i];
        const cav_rule *r = &c->p->rules[id];
        if (!cav__rule_speaks(c->p, id, c->facts->weapon))
            continue;
        speaks |= !r->all_parties;
        region t = empty_region, nf = empty_region;
        if (r->forbid) {
            nf = r_not(forbid_false(c, r));
            if (want_indet)
                t = forbid_true(c, r);
        } else if (r->root >= 0) {
            region f;
            eval_region(c, r->root, 1, want_indet, &t, &f);
            nf = want_indet ? r_not(f) : empty_region;
        } else {
            t = plane_region;
            nf = plane_region;
        }
        if (r->forbid) {
            t_forbid = r_or(c, t_forbid, t);
            nf_forbid = r_or(c, nf_forbid, nf);
        } else {
            if (r->disputed)
                disputed = r_or(c, disputed, copy_region(c, t));
            t_permit = r_or(c, t_permit, t);
            nf_permit = r_or(c, nf_permit, nf);
        }
    }
    party_regions pr = {empty_region, empty_region, disputed, !speaks};
    if (!speaks) {
        region_free(c, &t_permit), region_free(c, &nf_permit);
        region_free(c, &t_forbid), region_free(c, &nf_forbid);
        return pr;
    }
    if (want_indet) {
        /* step 3: a forbid might apply; step 5: a permit might, and no forbid can */
        region forbid_undet = r_and(c, copy_region(c, nf_forbid), r_not(t_forbid));
        region permit_undet = r_and(c, nf_permit, r_not(copy_region(c, t_permit)));
        permit_undet = r_and(c, permit_undet, r_not(copy_region(c, nf_forbid)));
        pr.indeterminate = r_or(c, forbid_undet, permit_undet);
    } else {
        region_free(c, &t_forbid);
        region_free(c, &nf_permit);
    }
    pr.permitted = r_and(c, t_permit, r_not(nf_forbid));
    return pr;
}

/* Where party permits the use on date: where some permit is true, minus where any forbid is not
 * false (true or undetermined); nowhere when the party is silent. */
static region party_area(area_ctx *c, int party) {
    party_regions pr = party_regions_of(c, party, 0);
    region_free(c, &pr.disputed);
    return pr.permitted;
}

/* The plane: the whole lon/lat range. */
static GEOSGeometry *plane_geom(GEOSContextHandle_t h) {
    return GEOSGeom_createRectangle_r(h, -180.0, -90.0, 180.0, 90.0);
}

int cav__permitted_area(const cav_pack *p, const cav_query *tmpl, GEOSContextHandle_t h,
                        GEOSGeometry **out) {
    cav_decision d;
    *out = NULL;
    if (!p || !tmpl || cav_eval(p, tmpl, &d) != 0) /* validates the template's ids */
        return CAV_EINVAL;
    uint64_t scratch[CAV_FACT_WORDS];
    memset(scratch, 0, sizeof scratch);
    cav_facts facts;
    cav__facts_of(p, tmpl, scratch, &facts); /* target zones are never read here */
    GEOSGeometry **zones = cav__calloc((size_t)p->nzones + 1, sizeof *zones);
    if (!zones)
        return CAV_ENOMEM;
    area_ctx c = {p, h, &facts, tmpl->date, zones, 0};
    int parties[CAV_MAX_PARTIES];
    int nparties = cav__consent_parties(p, tmpl, parties);
    region area = nparties > 0 ? plane_region : empty_region;
    for (int i = 0; i < nparties && !c.failed; i++)
        area = r_and(&c, area, party_area(&c, parties[i]));
    GEOSGeometry *g = NULL;
    if (!c.failed) {
        if (area.comp) {
            region plane = {plane_geom(c.h), 1, 0};
            if (!plane.g)
                c.failed = 1;
            int owned;
            area.comp = 0;
            area.g = g_minus(&c, plane, area, &owned);
            area.owned = owned;
        }
        if (!c.failed)
            g = !area.g      ? GEOSGeom_createEmptyPolygon_r(c.h)
                : area.owned ? area.g
                             : GEOSGeom_clone_r(c.h, area.g);
        if (g == area.g)
            area = empty_region;
    }
    region_free(&c, &area);
    for (int z = 0; z < p->nzones; z++)
        if (zones[z])
            GEOSGeom_destroy_r(h, zones[z]);
    cav__free(zones);
    if (!g)
        return CAV_EGEO;
    *out = g;
    return 0;
}

static GEOSGeometry *region_geom(area_ctx *c, region r) {
    if (c->failed) {
        region_free(c, &r);
        return NULL;
    }
    if (r.comp) {
        region plane = {plane_geom(c->h), 1, 0};
        if (!plane.g)
            c->failed = 1;
        r.comp = 0;
        int owned;
        r.g = g_minus(c, plane, r, &owned);
        r.owned = owned;
    }
    if (!r.g || c->failed) {
        region_free(c, &r);
        return NULL;
    }
    GEOSGeometry *g = r.owned ? r.g : GEOSGeom_clone_r(c->h, r.g);
    if (!g)
        c->failed = 1;
    return g;
}

/* 1 when a rule in force for the use's parties, or an exception in force of one, tests an
 * optional field the template does not give: only then can a point be indeterminate for lack of
 * a fact (an exact point is inside or outside every zone). */
static int may_be_undetermined(const cav_pack *p, const cav_query *q, const int *parties, int np) {
    for (int k = 0; k < np; k++) {
        const cav_epoch *ep = cav__epoch_of(p, parties[k], q->date);
        for (int i = 0; i < ep->nrules; i++) {
            const cav_rule *r = &p->rules[ep->rules[i]];
            if (!cav__rule_speaks(p, ep->rules[i], q->weapon))
                continue;
            if (r->needs & ~q->given)
                return 1;
            for (int e = 0; e < r->nunless; e++) {
                const cav_rule *ex = &p->rules[r->unless[e]];
                if (ex->from <= q->date && q->date < ex->until && (ex->needs & ~q->given))
                    return 1;
            }
        }
    }
    return 0;
}

int cav__use_areas(const cav_pack *p, const cav_query *tmpl, GEOSContextHandle_t h,
                   cav_use_areas *out) {
    cav_decision d;
    memset(out, 0, sizeof *out);
    if (!p || !tmpl || cav_eval(p, tmpl, &d) != 0)
        return CAV_EINVAL;
    uint64_t scratch[CAV_FACT_WORDS];
    memset(scratch, 0, sizeof scratch);
    cav_facts facts;
    cav__facts_of(p, tmpl, scratch, &facts);
    GEOSGeometry **zones = cav__calloc((size_t)p->nzones + 1, sizeof *zones);
    if (!zones)
        return CAV_ENOMEM;
    area_ctx c = {p, h, &facts, tmpl->date, zones, 0};
    int parties[CAV_MAX_PARTIES];
    int np = cav__consent_parties(p, tmpl, parties);
    int want_indet = may_be_undetermined(p, tmpl, parties, np);
    /* permitted: every party permits; indeterminate: none prohibits (each permits, is
     * indeterminate or is silent) and one is indeterminate */
    region permitted = np > 0 ? plane_region : empty_region, disputed = empty_region;
    region none_prohibits = np > 0 ? plane_region : empty_region, some_indet = empty_region;
    for (int i = 0; i < np && !c.failed; i++) {
        party_regions pr = party_regions_of(&c, parties[i], want_indet);
        disputed = r_or(&c, disputed, pr.disputed);
        if (pr.silent) {
            region_free(&c, &permitted);
            continue; /* unknown: prohibits nowhere, permits nowhere */
        }
        if (want_indet) {
            region ok = r_or(&c, copy_region(&c, pr.permitted), copy_region(&c, pr.indeterminate));
            none_prohibits = r_and(&c, none_prohibits, ok);
            some_indet = r_or(&c, some_indet, pr.indeterminate);
        }
        permitted = r_and(&c, permitted, pr.permitted);
    }
    region indet = r_and(&c, none_prohibits, some_indet);
    out->permitted = region_geom(&c, permitted);
    out->indeterminate = region_geom(&c, indet);
    /* disputed: permitted where a disputed permit is true */
    GEOSGeometry *dt = region_geom(&c, disputed);
    if (dt && out->permitted && !c.failed) {
        out->disputed = GEOSIntersection_r(h, dt, out->permitted);
        if (!out->disputed)
            c.failed = 1;
        else if (GEOSisEmpty_r(h, out->disputed)) {
            GEOSGeom_destroy_r(h, out->disputed);
            out->disputed = NULL;
        }
    }
    if (dt)
        GEOSGeom_destroy_r(h, dt);
    for (int z = 0; z < p->nzones; z++)
        if (zones[z])
            GEOSGeom_destroy_r(h, zones[z]);
    cav__free(zones);
    if (c.failed) {
        cav__use_areas_free(h, out);
        return CAV_EGEO;
    }
    return 0;
}

void cav__use_areas_free(GEOSContextHandle_t h, cav_use_areas *a) {
    GEOSGeometry *all[3] = {a->permitted, a->indeterminate, a->disputed};
    for (int i = 0; i < 3; i++)
        if (all[i])
            GEOSGeom_destroy_r(h, all[i]);
    memset(a, 0, sizeof *a);
}
