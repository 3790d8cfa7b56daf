/* refeval.c — the reference evaluator and random pack generator of refeval.h. Simplicity over
 * speed: everything is looked up by name in the parse tree, every time. */
#include "refeval.h"

#include "lang/pack.h"

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

static const char *const fields[] = {"weapon",  "weapon.class", "target.kind", "target.state",
                                     "purpose", "supplier",     "target",      "launch"};
static const char *const values[8][5] = {
    {"w1", "w2", "w3", "w4", "HIMARS"}, {"c1", "c2", "c1", "c2", "c1"},
    {"k0", "k1", "k2", "k3", "k4"},     {"ground", "airborne", "ground", "airborne", "ground"},
    {"p1", "p2", "p1", "p2", "p1"},     {"AA", "BB", "CC", "AA", "BB"},
    {"z1", "z2", "z1", "z2", "z1"},     {"z1", "z2", "z1", "z2", "z1"}};

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
        unsigned f = ref_take(g->b, 8);
        int place = f >= 6;
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
    put(&g, "party AA\nparty BB\nparty CC\nclass c1\nclass c2\n"
            "kind k0\nkind k1 in k0\nkind k2 in k1\nkind k3 in k0\nkind k4\n"
            "purpose p1\npurpose p2\n"
            "weapon w1 class c1 consent AA alias [HIMARS]\n"
            "weapon w2 class c2 consent [AA, BB]\n"
            "weapon w3 class c1 suppliers [BB, CC]\n"
            "weapon w4 class c2 consent CC suppliers [AA, CC]\n"
            "source s outlet \"o\" date 2024-01-01\n"
            "zone z1 = box(10 10, 20 20)\nzone z2 = box(15 15, 25 25)\n");
    unsigned nrules = 1 + ref_take(b, 12);
    for (unsigned r = 0; r < nrules; r++) {
        char line[160];
        static const char *const parties[] = {"AA", "BB", "CC", "[AA, BB]", "*"};
        unsigned from = 1 + ref_take(b, 20);
        snprintf(line, sizeof line, "%s r%u party %s from 2024-01-%02u source s",
                 ref_take(b, 3) == 0 ? "forbid" : "permit", r, parties[ref_take(b, 5)], from);
        put(&g, line);
        if (ref_take(b, 3) == 0) {
            snprintf(line, sizeof line, " until 2024-01-%02u", from + 1 + ref_take(b, 9));
            put(&g, line);
        }
        if (ref_take(b, 5) != 0) {
            put(&g, "\n  when ");
            gen_cond(&g, 0);
        }
        put(&g, "\n");
    }
}

void ref_make_query(ref_bytes *b, const cav_pack *p, cav_query *q) {
    memset(q, 0, sizeof *q);
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
    q->kind = (int)ref_take(b, (unsigned)p->nkinds);
    q->state = (int)ref_take(b, 2);
    q->purpose = ref_take(b, 3) == 0 ? CAV_MISSING : (int)ref_take(b, (unsigned)p->npurposes);
    q->has_launch = (int)ref_take(b, 2);
    q->launch_lat = 5 + ref_take(b, 101) * 0.25;
    q->launch_lon = 5 + ref_take(b, 101) * 0.25;
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

typedef struct ref_ctx {
    const cav_parse *ps;
    const cav_pack *p;
    const cav_query *q;
    const cav_stmt *weapon;
} ref_ctx;

static int covers(const ref_ctx *c, const char *zone, double lat, double lon) {
    for (int z = 0; z < c->p->nzones; z++) {
        if (strcasecmp(c->p->zones[z].id, zone) != 0)
            continue;
        GEOSContextHandle_t h = c->p->geos;
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, lon, lat);
        int r = GEOSCovers_r(h, c->p->zones[z].geom, pt) == 1;
        GEOSGeom_destroy_r(h, pt);
        return r;
    }
    return 0;
}

/* 1 true, 0 false, 2 undetermined, for one value of a test */
static int value_hit(const ref_ctx *c, const cav_cond *t, const char *v) {
    const cav_query *q = c->q;
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
                return 1;
        return 0;
    }
    case CAV_F_STATE: return strcasecmp(q->state ? "airborne" : "ground", v) == 0;
    case CAV_F_PURPOSE:
        return q->purpose < 0 ? 2 : strcasecmp(c->p->purposes[q->purpose].id, v) == 0;
    case CAV_F_SUPPLIER:
        return q->supplier < 0 ? 2 : strcasecmp(c->p->parties[q->supplier].code, v) == 0;
    case CAV_F_TARGET: return covers(c, v, q->target_lat, q->target_lon);
    default: return q->has_launch ? covers(c, v, q->launch_lat, q->launch_lon) : 2;
    }
}

static int ref_cond(const ref_ctx *c, const cav_cond *t) {
    int a, b;
    switch (t->op) {
    case CAV_C_TEST: {
        int hit = 0;
        for (int i = 0; i < t->values.n; i++) {
            int h = value_hit(c, t, t->values.v[i].s);
            if (h == 2)
                return 2;
            hit |= h;
        }
        return (t->test == CAV_T_NE || t->test == CAV_T_NOT_IN) ? !hit : hit;
    }
    case CAV_C_NOT: a = ref_cond(c, t->a); return a == 2 ? 2 : !a;
    case CAV_C_AND:
        a = ref_cond(c, t->a);
        b = ref_cond(c, t->b);
        return a == 0 || b == 0 ? 0 : a == 1 && b == 1 ? 1 : 2;
    default:
        a = ref_cond(c, t->a);
        b = ref_cond(c, t->b);
        return a == 1 || b == 1 ? 1 : a == 0 && b == 0 ? 0 : 2;
    }
}

int ref_eval(const cav_parse *ps, const cav_pack *p, const cav_query *q, cav_verdict *verdict,
             ref_party *parties) {
    ref_ctx c = {ps, p, q, find_stmt(ps, CAV_S_WEAPON, p->weapons[q->weapon].id)};
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
    int any_prohibited = 0, all_permitted = n > 0;
    for (int k = 0; k < n; k++) {
        ref_party *rp = &parties[k];
        int forbids[32], permits[32], nf = 0, np = 0, own = 0, rule = -1;
        for (int i = 0; i < ps->nstmts; i++) {
            const cav_stmt *s = ps->stmts[i];
            if (s->kind != CAV_S_PERMIT && s->kind != CAV_S_FORBID)
                continue;
            rule++;
            if (!s->all_parties && !names_has(&s->parties, names[k]))
                continue;
            if (q->date < s->from || (s->has_until && q->date >= s->until))
                continue;
            own |= !s->all_parties;
            if ((s->when ? ref_cond(&c, s->when) : 1) != 1)
                continue;
            if (s->kind == CAV_S_FORBID && nf < 32)
                forbids[nf++] = rule;
            else if (s->kind == CAV_S_PERMIT && np < 32)
                permits[np++] = rule;
        }
        rp->party = -1;
        for (int i = 0; i < p->nparties; i++)
            if (strcasecmp(p->parties[i].code, names[k]) == 0)
                rp->party = i;
        rp->nrules = 0;
        if (nf) {
            rp->verdict = CAV_PROHIBITED;
            memcpy(rp->rules, forbids, (size_t)nf * sizeof *forbids);
            rp->nrules = nf;
        } else if (!own) {
            rp->verdict = CAV_UNKNOWN;
        } else if (np) {
            rp->verdict = CAV_PERMITTED;
            memcpy(rp->rules, permits, (size_t)np * sizeof *permits);
            rp->nrules = np;
        } else {
            rp->verdict = CAV_PROHIBITED;
        }
        any_prohibited |= rp->verdict == CAV_PROHIBITED;
        all_permitted &= rp->verdict == CAV_PERMITTED;
    }
    *verdict = any_prohibited ? CAV_PROHIBITED : all_permitted ? CAV_PERMITTED : CAV_UNKNOWN;
    return n;
}

int ref_compare(const cav_parse *ps, const cav_pack *p, const cav_query *q, char *msg,
                size_t size) {
    cav_decision d;
    ref_party rp[16];
    cav_verdict rv;
    int n = ref_eval(ps, p, q, &rv, rp);
    if (cav_eval(p, q, &d) != 0) {
        snprintf(msg, size, "cav_eval refused a valid query");
        return 1;
    }
    if (d.verdict != rv || d.nparties != n) {
        snprintf(msg, size, "verdict %s vs reference %s (%d vs %d parties)",
                 cav_verdict_name(d.verdict), cav_verdict_name(rv), d.nparties, n);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        const cav_party_decision *pd = &d.parties[i];
        int shown = rp[i].nrules < CAV_MAX_DECIDING ? rp[i].nrules : CAV_MAX_DECIDING;
        if (pd->party != rp[i].party || pd->verdict != rp[i].verdict || pd->nrules != shown) {
            snprintf(msg, size, "party %d: %s with %d rules vs reference %s with %d", rp[i].party,
                     cav_verdict_name(pd->verdict), pd->nrules, cav_verdict_name(rp[i].verdict),
                     rp[i].nrules);
            return 1;
        }
        for (int k = 0; k < shown; k++)
            if (pd->rules[k] != rp[i].rules[k]) {
                snprintf(msg, size, "party %d: deciding rule %d differs", rp[i].party, k);
                return 1;
            }
    }
    return 0;
}
