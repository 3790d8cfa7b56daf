/* refeval.c — the reference evaluator and random pack generator of refeval.h. Simplicity over
 * speed: everything is looked up by name in the parse tree, every time; zones are answered by
 * GEOS on the zone geometries and by geodesic distances sampled along their edges, not by the
 * locator.
 *
 * The semantics implemented here are read off docs/semantics.md, not off src/lang/eval.c: for
 * each consent party, (1) a forbid that is true → prohibited; (2) no rule of the party's own in
 * force that speaks of the weapon (its condition is not false for the weapon with every other
 * fact unknown) → unknown; (3) a forbid that is undetermined → indeterminate; (4) a permit that
 * is true → permitted; (5) a permit that is undetermined → indeterminate; (6) prohibited. A
 * forbid's value is `cond and not (e1 or ...)` over its exceptions in force. The use combines
 * the parties: prohibited if any, permitted if all, else indeterminate if any, else unknown.
 */
#include "refeval.h"

#include "lang/pack.h"

#include <geodesic.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

unsigned ref_take(ref_bytes *b, unsigned n) {
    unsigned v = 0;
    for (int i = 0; i < 2; i++)
        v = v << 8 | (b->pos < b->size ? b->data[b->pos++] : 0u);
    return n ? v % n : 0;
}

/* ---- the generator ---- */

enum { NFIELDS = 9 };
static const char *const fields[NFIELDS] = {"weapon",       "weapon.class", "target.kind",
                                            "target.state", "target.role",  "purpose",
                                            "supplier",     "target",       "launch"};
static const char *const values[NFIELDS][5] = {
    {"w1", "w2", "w3", "w4", "HIMARS"},
    {"c1", "c2", "c1", "c2", "c1"},
    {"k0", "k1", "k2", "k3", "k4"},
    {"ground", "airborne", "ground", "airborne", "ground"},
    {"attacking", "supporting", "none", "attacking", "none"},
    {"p1", "p2", "p1", "p2", "p1"},
    {"US", "GB", "FR", "US", "GB"},
    {"z1", "z2", "z1", "z2", "z1"},
    {"z1", "z2", "z1", "z2", "z1"}};

typedef struct gen {
    ref_bytes *b;
    char *buf;
    size_t size, len;
} gen;

static void put(gen *g, const char *s) {
    size_t n = strlen(s);
    if (g->len + n + 1 < g->size) {
        memcpy(g->buf + g->len, s, n + 1);
        g->len += n;
    }
}

static void gen_cond(gen *g, int depth) {
    unsigned op = ref_take(g->b, depth > 2 ? 1 : 5);
    if (op == 0 || op == 4) {
        unsigned f = ref_take(g->b, NFIELDS);
        int place = f >= 7;
        put(g, fields[f]);
        unsigned t = place ? 2 + ref_take(g->b, 2) : ref_take(g->b, 4);
        static const char *const ops[] = {" = ", " != ", " in ", " not in "};
        put(g, ops[t]);
        unsigned n = t < 2 ? 1 : 1 + ref_take(g->b, 3);
        if (t >= 2)
            put(g, "[");
        for (unsigned i = 0; i < n; i++) {
            if (i)
                put(g, ", ");
            put(g, values[f][ref_take(g->b, 5)]);
        }
        if (t >= 2)
            put(g, "]");
        return;
    }
    if (op == 3) {
        put(g, "not (");
        gen_cond(g, depth + 1);
        put(g, ")");
        return;
    }
    put(g, "(");
    gen_cond(g, depth + 1);
    put(g, op == 1 ? " and " : " or ");
    gen_cond(g, depth + 1);
    put(g, ")");
}

void ref_make_pack(ref_bytes *b, char *buf, size_t size) {
    gen g = {b, buf, size, 0};
    buf[0] = '\0';
    put(&g, "party US\nparty GB\nparty FR\nclass c1\nclass c2\n"
            "kind k0\nkind k1 in k0\nkind k2 in k1\nkind k3 in k0\nkind k4\n"
            "purpose p1\npurpose p2\n"
            "weapon w1 class c1 consent US alias [HIMARS]\n"
            "weapon w2 class c2 consent [US, GB]\n"
            "weapon w3 class c1 suppliers [GB, FR]\n"
            "weapon w4 class c2 consent FR suppliers [US, FR]\n"
            "source s outlet \"o\" date 2024-01-01\n"
            "zone z1 = box(10 10, 20 20)\nzone z2 = box(15 15, 25 25)\n");
    unsigned nrules = 1 + ref_take(b, 12);
    static const char *const parties[] = {"US", "GB", "FR", "[US, GB]", "*"};
    unsigned party_of[16] = {0}, forbid_of[16] = {0};
    for (unsigned r = 0; r < nrules; r++) {
        char line[200];
        unsigned party = ref_take(b, 5), forbid = ref_take(b, 3) == 0;
        party_of[r] = party;
        forbid_of[r] = forbid;
        unsigned from = 1 + ref_take(b, 20);
        snprintf(line, sizeof line, "%s r%u party %s from 2024-01-%02u source s",
                 forbid ? "forbid" : "permit", r, parties[party], from);
        put(&g, line);
        if (ref_take(b, 3) == 0) {
            snprintf(line, sizeof line, " until 2024-01-%02u", from + 1 + ref_take(b, 9));
            put(&g, line);
        }
        if (forbid && ref_take(b, 2)) {
            /* an exception: an earlier permit of the same parties (the checker's rule) */
            for (unsigned k = 0; k < r; k++)
                if (!forbid_of[k] && (party_of[k] == party || party_of[k] == 4)) {
                    snprintf(line, sizeof line, " unless r%u", k);
                    put(&g, line);
                    break;
                }
        }
        if (ref_take(b, 5) != 0) {
            put(&g, "\n  when ");
            gen_cond(&g, 0);
        }
        put(&g, "\n");
    }
}

void ref_make_query(ref_bytes *b, const cav_pack *p, cav_query *q) {
    cav_query_init(q, NULL);
    cav_date_parse("2023-12-30", &q->date);
    q->date += (int32_t)ref_take(b, 35);
    q->weapon = (int)ref_take(b, (unsigned)p->nweapons);
    const cav_weapon *w = &p->weapons[q->weapon];
    q->supplier = CAV_MISSING;
    if (w->nsuppliers > 0 && (w->nconsent == 0 || ref_take(b, 2)))
        q->supplier = w->suppliers[ref_take(b, (unsigned)w->nsuppliers)];
    else if (w->nsuppliers == 0 && ref_take(b, 2))
        q->supplier = (int)ref_take(b, (unsigned)p->nparties);
    /* a quarter-degree grid over 5..30 hits the box edges (10, 15, 20, 25) exactly */
    q->target_lat = 5 + ref_take(b, 101) * 0.25;
    q->target_lon = 5 + ref_take(b, 101) * 0.25;
    /* an uncertainty now and then: up to about 3 degrees of latitude */
    q->target_uncertainty_m = ref_take(b, 4) == 0 ? (double)ref_take(b, 330) * 1000.0 : 0;
    q->kind = (int)ref_take(b, (unsigned)p->nkinds);
    q->state = (int)ref_take(b, 2);
    q->role = ref_take(b, 3) == 0 ? CAV_MISSING : (int)ref_take(b, 3);
    q->purpose = ref_take(b, 3) == 0 ? CAV_MISSING : (int)ref_take(b, (unsigned)p->npurposes);
    q->has_launch = (int)ref_take(b, 2);
    q->launch_lat = 5 + ref_take(b, 101) * 0.25;
    q->launch_lon = 5 + ref_take(b, 101) * 0.25;
    q->launch_uncertainty_m = q->has_launch && ref_take(b, 4) == 0 ? 50000.0 : 0;
}

/* ---- the reference evaluator ---- */

static const cav_stmt *find_stmt(const cav_parse *ps, cav_stmt_kind k, const char *name) {
    for (int i = 0; i < ps->nstmts; i++)
        if (ps->stmts[i]->kind == k && strcasecmp(ps->stmts[i]->name.s, name) == 0)
            return ps->stmts[i];
    return NULL;
}

static int names_has(const cav_names *n, const char *s) {
    for (int i = 0; i < n->n; i++)
        if (strcasecmp(n->v[i].s, s) == 0)
            return 1;
    return 0;
}

/* Three values: 0 false, 1 true, 2 undetermined. */
enum { F = 0, T = 1, U = 2 };

typedef struct ref_ctx {
    const cav_parse *ps;
    const cav_pack *p;
    const cav_query *q;
    const cav_stmt *weapon;
    int weapon_only; /* every fact but the weapon is unknown (the "speaks" test) */
    GEOSContextHandle_t h;
    int ambiguous; /* a distance too close to a radius to call */
} ref_ctx;

/* Geodesic distance in metres from (lat, lon) to the boundary of g, sampling every edge finely
 * (ring vertices at most 0.01 degree apart); exact enough away from the 0.5 % band. */
static double boundary_distance(GEOSContextHandle_t h, const GEOSGeometry *g, double lat,
                                double lon) {
    struct geod_geodesic geod;
    geod_init(&geod, 6378137.0, 1 / 298.257223563);
    double best = INFINITY;
    int ng = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < ng; i++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, g, i);
        if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON)
            continue;
        int nholes = GEOSGetNumInteriorRings_r(h, poly);
        for (int r = -1; r < nholes; r++) {
            const GEOSGeometry *ring =
                r < 0 ? GEOSGetExteriorRing_r(h, poly) : GEOSGetInteriorRingN_r(h, poly, r);
            const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
            unsigned n = 0;
            GEOSCoordSeq_getSize_r(h, seq, &n);
            double px = 0, py = 0;
            for (unsigned k = 0; k < n; k++) {
                double x, y;
                GEOSCoordSeq_getXY_r(h, seq, k, &x, &y);
                if (k > 0) {
                    int steps = (int)(fmax(fabs(x - px), fabs(y - py)) / 0.01) + 1;
                    for (int s = 0; s <= steps; s++) {
                        double t = (double)s / steps, d;
                        geod_inverse(&geod, lat, lon, py + t * (y - py), px + t * (x - px), &d,
                                     NULL, NULL);
                        if (d < best)
                            best = d;
                    }
                }
                px = x;
                py = y;
            }
        }
    }
    return best;
}

/* In, out or unsure for one zone, with the position's uncertainty radius r. */
static int zone_value(ref_ctx *c, const char *zone, double lat, double lon, double r) {
    for (int z = 0; z < c->p->nzones; z++) {
        if (strcasecmp(c->p->zones[z].id, zone) != 0)
            continue;
        GEOSGeometry *g = cav__zone_geom(c->p, z, c->h);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->h, lon, lat);
        int in = GEOSCovers_r(c->h, g, pt) == 1;
        double radius = fmax(r, c->p->zones[z].precision_m);
        int v = in ? T : F;
        if (radius > 0) {
            double d = boundary_distance(c->h, g, lat, lon);
            if (fabs(d - radius) <= 0.01 * radius + 100)
                c->ambiguous = 1;
            if (d < radius)
                v = U;
        }
        GEOSGeom_destroy_r(c->h, pt);
        GEOSGeom_destroy_r(c->h, g);
        return v;
    }
    return F;
}

/* The value of one test value v (before `not`/`!=`). */
static int value_hit(ref_ctx *c, const cav_cond *t, const char *v) {
    const cav_query *q = c->q;
    if (c->weapon_only && t->field != CAV_F_WEAPON && t->field != CAV_F_CLASS)
        return U;
    switch (t->field) {
    case CAV_F_WEAPON: {
        const cav_stmt *named = find_stmt(c->ps, CAV_S_WEAPON, v);
        if (!named)
            for (int i = 0; i < c->ps->nstmts && !named; i++)
                if (c->ps->stmts[i]->kind == CAV_S_WEAPON &&
                    names_has(&c->ps->stmts[i]->aliases, v))
                    named = c->ps->stmts[i];
        return named == c->weapon;
    }
    case CAV_F_CLASS: return strcasecmp(c->weapon->wclass.s, v) == 0;
    case CAV_F_KIND: {
        const char *k = c->p->kinds[q->kind].id; /* the query's kind name */
        if (t->test == CAV_T_EQ || t->test == CAV_T_NE)
            return strcasecmp(k, v) == 0;
        for (const cav_stmt *s = find_stmt(c->ps, CAV_S_KIND, k); s;
             s = s->parent.s ? find_stmt(c->ps, CAV_S_KIND, s->parent.s) : NULL)
            if (strcasecmp(s->name.s, v) == 0)
                return T;
        return F;
    }
    case CAV_F_STATE: return strcasecmp(q->state ? "airborne" : "ground", v) == 0;
    case CAV_F_ROLE: {
        static const char *const roles[] = {"attacking", "supporting", "none"};
        return q->role < 0 ? U : strcasecmp(roles[q->role], v) == 0;
    }
    case CAV_F_PURPOSE:
        return q->purpose < 0 ? U : strcasecmp(c->p->purposes[q->purpose].id, v) == 0;
    case CAV_F_SUPPLIER:
        return q->supplier < 0 ? U : strcasecmp(c->p->parties[q->supplier].code, v) == 0;
    case CAV_F_TARGET:
        return zone_value(c, v, q->target_lat, q->target_lon, q->target_uncertainty_m);
    default:
        return q->has_launch
                   ? zone_value(c, v, q->launch_lat, q->launch_lon, q->launch_uncertainty_m)
                   : U;
    }
}

static int ref_cond(ref_ctx *c, const cav_cond *t) {
    int a, b;
    switch (t->op) {
    case CAV_C_TEST: {
        /* `in [a, b]` is `in a or in b`, three-valued */
        int any = F;
        for (int i = 0; i < t->values.n; i++) {
            int h = value_hit(c, t, t->values.v[i].s);
            if (h == T)
                any = T;
            else if (h == U && any == F)
                any = U;
        }
        if (any == U)
            return U;
        return (t->test == CAV_T_NE || t->test == CAV_T_NOT_IN) ? any == F : any == T;
    }
    case CAV_C_NOT: a = ref_cond(c, t->a); return a == U ? U : !a;
    case CAV_C_AND:
        a = ref_cond(c, t->a);
        b = ref_cond(c, t->b);
        return a == F || b == F ? F : a == T && b == T ? T : U;
    default:
        a = ref_cond(c, t->a);
        b = ref_cond(c, t->b);
        return a == T || b == T ? T : a == F && b == F ? F : U;
    }
}

static int in_force(const cav_stmt *s, int32_t date) {
    return date >= s->from && !(s->has_until && date >= s->until);
}

/* The value of rule s for the query, exceptions in force included. */
static int ref_rule(ref_ctx *c, const cav_stmt *s) {
    int v = s->when ? ref_cond(c, s->when) : T;
    if (v == F || s->kind != CAV_S_FORBID)
        return v;
    int any = F;
    for (int i = 0; i < s->unless.n; i++) {
        const cav_stmt *ex = find_stmt(c->ps, CAV_S_PERMIT, s->unless.v[i].s);
        if (!ex || !in_force(ex, c->q->date))
            continue;
        int e = ex->when ? ref_cond(c, ex->when) : T;
        if (e == T)
            any = T;
        else if (e == U && any == F)
            any = U;
    }
    if (any == T)
        return F;
    return any == U || v == U ? U : T;
}

int ref_eval(const cav_parse *ps, const cav_pack *p, const cav_query *q, cav_verdict *verdict,
             ref_party *parties, int *ambiguous) {
    ref_ctx c = {ps, p, q, find_stmt(ps, CAV_S_WEAPON, p->weapons[q->weapon].id), 0, GEOS_init_r(),
                 0};
    const char *names[16];
    int n = 0;
    for (int i = 0; i < c.weapon->consent.n; i++)
        names[n++] = c.weapon->consent.v[i].s;
    if (q->supplier >= 0) {
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= strcasecmp(names[i], p->parties[q->supplier].code) == 0;
        if (!seen)
            names[n++] = p->parties[q->supplier].code;
    }
    int any_prohibited = 0, all_permitted = n > 0, any_indeterminate = 0;
    for (int k = 0; k < n; k++) {
        ref_party *rp = &parties[k];
        int cat[4][32], ncat[4] = {0}, own = 0, rule = -1; /* forbid T, forbid U, permit T, U */
        for (int i = 0; i < ps->nstmts; i++) {
            const cav_stmt *s = ps->stmts[i];
            if (s->kind != CAV_S_PERMIT && s->kind != CAV_S_FORBID)
                continue;
            rule++;
            if (!s->all_parties && !names_has(&s->parties, names[k]))
                continue;
            if (!in_force(s, q->date))
                continue;
            c.weapon_only = 1;
            int speaks = (s->when ? ref_cond(&c, s->when) : T) != F;
            c.weapon_only = 0;
            if (!speaks)
                continue;
            own |= !s->all_parties;
            int v = ref_rule(&c, s);
            if (v == F)
                continue;
            int which = (s->kind == CAV_S_FORBID ? 0 : 2) + (v == U);
            if (ncat[which] < 32)
                cat[which][ncat[which]++] = rule;
        }
        rp->party = -1;
        for (int i = 0; i < p->nparties; i++)
            if (strcasecmp(p->parties[i].code, names[k]) == 0)
                rp->party = i;
        int chosen = -1;
        if (ncat[0]) {
            rp->verdict = CAV_PROHIBITED;
            chosen = 0;
        } else if (!own) {
            rp->verdict = CAV_UNKNOWN;
        } else if (ncat[1]) {
            rp->verdict = CAV_INDETERMINATE;
            chosen = 1;
        } else if (ncat[2]) {
            rp->verdict = CAV_PERMITTED;
            chosen = 2;
        } else if (ncat[3]) {
            rp->verdict = CAV_INDETERMINATE;
            chosen = 3;
        } else {
            rp->verdict = CAV_PROHIBITED;
        }
        rp->nrules = chosen >= 0 ? ncat[chosen] : 0;
        if (chosen >= 0)
            memcpy(rp->rules, cat[chosen], (size_t)rp->nrules * sizeof(int));
        any_prohibited |= rp->verdict == CAV_PROHIBITED;
        all_permitted &= rp->verdict == CAV_PERMITTED;
        any_indeterminate |= rp->verdict == CAV_INDETERMINATE;
    }
    *verdict = any_prohibited      ? CAV_PROHIBITED
               : all_permitted     ? CAV_PERMITTED
               : any_indeterminate ? CAV_INDETERMINATE
                                   : CAV_UNKNOWN;
    if (ambiguous)
        *ambiguous = c.ambiguous;
    GEOS_finish_r(c.h);
    return n;
}

int ref_compare(const cav_parse *ps, const cav_pack *p, const cav_query *q, char *msg,
                size_t size) {
    cav_decision d;
    ref_party rp[16];
    cav_verdict rv;
    int ambiguous = 0;
    int n = ref_eval(ps, p, q, &rv, rp, &ambiguous);
    if (cav_eval(p, q, &d) != 0) {
        snprintf(msg, size, "cav_eval refused a valid query");
        return 1;
    }
    if (ambiguous)
        return -1; /* a distance within 1 % of a radius: not compared */
    if (d.verdict != rv || d.nparties != n) {
        snprintf(msg, size, "verdict %s vs reference %s (%d vs %d parties)",
                 cav_verdict_name(d.verdict), cav_verdict_name(rv), d.nparties, n);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        const cav_party_decision *pd = &d.parties[i];
        if (pd->party != rp[i].party || pd->verdict != rp[i].verdict ||
            pd->nrules != rp[i].nrules) {
            snprintf(msg, size, "party %d: %s with %d rules vs reference %s with %d", rp[i].party,
                     cav_verdict_name(pd->verdict), pd->nrules, cav_verdict_name(rp[i].verdict),
                     rp[i].nrules);
            return 1;
        }
        int shown = rp[i].nrules < CAV_MAX_DECIDING ? rp[i].nrules : CAV_MAX_DECIDING;
        for (int k = 0; k < shown; k++)
            if (pd->rules[k] != rp[i].rules[k]) {
                snprintf(msg, size, "party %d: deciding rule %d differs", rp[i].party, k);
                return 1;
            }
    }
    return 0;
}
