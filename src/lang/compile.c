/* compile.c — turns a checked pack into its evaluable form.
 *
 *  1. Zones: every `zone` statement and every country or region named directly in a rule or a
 *     zone expression becomes a zone; each is built once with GEOS/PROJ (geo/zone.c), in
 *     dependency order with cycle detection, and all of them are compiled into one point
 *     locator (geo/locate.c) so that one look-up answers membership of every zone.
 *  2. Conditions: each rule's `when` becomes an array of nodes; a test holds a bit set over its
 *     field's domain (weapon classes are rewritten into sets of weapons, kind subtrees into sets
 *     of kinds), so evaluating a test is one bit look-up.
 *  3. The date index: for every party, the dates where its set of rules in force changes cut
 *     time into epochs; a query finds its epoch by binary search and walks only the rules in
 *     force.
 */
#include "core/util.h"
#include "lang/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *alloc(cav_build *b, size_t n) {
    void *p = cav__arena_alloc(&b->pack->arena, n ? n : 1);
    if (!p)
        b->oom = 1;
    return p;
}

/* ---- zones ---- */

static int add_zone(cav_build *b, const char *id, int implicit, int file, int line, int col) {
    cav_pack *p = b->pack;
    cav_zone *z = &p->zones[p->nzones];
    memset(z, 0, sizeof *z);
    z->id = cav__arena_strdup(&p->arena, id);
    if (!z->id) {
        b->oom = 1;
        return -1;
    }
    z->implicit = implicit;
    z->file = file;
    z->line = line;
    z->col = col;
    return p->nzones++;
}

/* Finds a zone by name, adding an implicit country/region zone for an ISO code with boundary
 * data. Returns -1 when the name is neither. */
static int zone_or_border(cav_build *b, const char *name) {
    int z = cav__find_zone(b->pack, name);
    if (z >= 0 || cav__borders_find(name) < 0)
        return z;
    return add_zone(b, cav__borders_code(cav__borders_find(name)), 1, -1, 0, 0);
}

static int build_zone(cav_build *b, int z);

typedef struct resolver_ctx {
    cav_build *b;
    int from_zone;
} resolver_ctx;

static const GEOSGeometry *resolve_ref(void *ud, const char *name) {
    resolver_ctx *rc = ud;
    int z = zone_or_border(rc->b, name);
    if (z < 0)
        return NULL;
    cav_zone *zone = &rc->b->pack->zones[z];
    if (zone->state == 1) {
        cav_zone *from = &rc->b->pack->zones[rc->from_zone];
        cav__report(rc->b, CAV_SEV_ERROR, from->file, from->line, from->col, NULL,
                    "zone '%s' is defined in terms of itself (through '%s')", from->id, name);
        zone->state = 3;
        return NULL;
    }
    if (build_zone(rc->b, z) != 0)
        return NULL;
    return rc->b->pack->zones[z].geom;
}

static int build_zone(cav_build *b, int z) {
    cav_pack *p = b->pack;
    cav_zone *zone = &p->zones[z];
    if (zone->state == 2)
        return 0;
    if (zone->state == 3)
        return -1;
    zone->state = 1;
    int rc;
    char err[256] = "";
    const cav_zone_expr *bad = NULL;
    if (zone->implicit) {
        int idx = cav__borders_find(zone->id);
        zone->geom = idx >= 0 ? cav__borders_geom(p->geos, idx) : NULL;
        rc = zone->geom ? 0 : CAV_ENOMEM;
        if (rc)
            snprintf(err, sizeof err, "no boundary data for '%s'", zone->id);
    } else {
        resolver_ctx ctx = {b, z};
        rc = cav__zone_build(p->geos, zone->expr, resolve_ref, &ctx, &zone->geom, err, sizeof err,
                             &bad);
    }
    /* the resolver may have grown the zones array: re-fetch */
    zone = &p->zones[z];
    if (rc != 0) {
        if (zone->state != 3 && err[0]) {
            int line = bad ? bad->line : zone->line, col = bad ? bad->col : zone->col;
            cav__report(b, CAV_SEV_ERROR, zone->file, line, col, NULL, "zone '%s': %s", zone->id,
                        err);
        }
        zone->state = 3;
        return -1;
    }
    zone->state = 2;
    return 0;
}

static void declare_zones(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_parse *ps = b->ps;
    int cap = cav__borders_count() + 1;
    for (int i = 0; i < ps->nstmts; i++)
        cap += ps->stmts[i]->kind == CAV_S_ZONE;
    p->zones = alloc(b, (size_t)cap * sizeof *p->zones);
    if (!p->zones)
        return;
    for (int i = 0; i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind != CAV_S_ZONE)
            continue;
        if (cav__find_zone(p, s->name.s) >= 0) {
            cav__report(b, CAV_SEV_ERROR, s->file, s->name.line, s->name.col, NULL,
                        "zone '%s' is declared twice", s->name.s);
            continue;
        }
        int z = add_zone(b, s->name.s, 0, s->file, s->line, s->col);
        if (z < 0)
            return;
        p->zones[z].title = cav__arena_strdup(&p->arena, s->title ? s->title : "");
        p->zones[z].note = s->note ? cav__arena_strdup(&p->arena, s->note) : NULL;
        p->zones[z].expr = s->zone;
        if (s->sources.n) {
            for (int k = 0; k < s->sources.n; k++)
                if (cav__find_source(p, s->sources.v[k].s) < 0) {
                    size_t n = 0;
                    const char **names = alloc(b, (size_t)(p->nsources + 1) * sizeof *names);
                    for (int j = 0; names && j < p->nsources; j++)
                        names[j] = p->sources[j].id;
                    n = (size_t)p->nsources;
                    cav__report_name(b, s->file, &s->sources.v[k], "source", names, n);
                }
        }
    }
}

/* Adds implicit zones for countries named in rules, reporting unknown places. */
static void declare_rule_places(cav_build *b, const cav_cond *c, int file) {
    if (!c)
        return;
    if (c->op != CAV_C_TEST) {
        declare_rule_places(b, c->a, file);
        declare_rule_places(b, c->b, file);
        return;
    }
    if (c->field != CAV_F_TARGET && c->field != CAV_F_LAUNCH)
        return;
    for (int i = 0; i < c->values.n; i++)
        if (zone_or_border(b, c->values.v[i].s) < 0 && !b->oom) {
            size_t n;
            const char **names = cav__names_of(b, CAV_F_TARGET, &n);
            cav__report_name(b, file, &c->values.v[i], "zone", names, n);
        }
}

static void build_zones(cav_build *b) {
    cav_pack *p = b->pack;
    p->geos = GEOS_init_r();
    if (!p->geos) {
        b->oom = 1;
        return;
    }
    for (int z = 0; z < p->nzones; z++)
        build_zone(b, z);
    if (b->errors || b->oom)
        return;
    const GEOSGeometry **geoms = alloc(b, (size_t)(p->nzones + 1) * sizeof *geoms);
    if (!geoms)
        return;
    for (int z = 0; z < p->nzones; z++)
        geoms[z] = p->zones[z].geom;
    p->locator = cav__locator_new(p->geos, geoms, NULL, p->nzones);
    if (!p->locator) {
        cav__report(b, CAV_SEV_ERROR, -1, 0, 0, NULL, "could not compile the zones' locator");
        return;
    }
    p->zone_words = cav__locator_words(p->locator);
    if (p->zone_words > CAV_MAX_ZONE_WORDS)
        cav__report(b, CAV_SEV_ERROR, -1, 0, 0, NULL, "the pack has %d zones; at most %d",
                    p->nzones, CAV_MAX_ZONE_WORDS * 64);
}

/* ---- conditions ---- */

static int domain_size(const cav_pack *p, cav_field f) {
    switch (f) {
    case CAV_F_WEAPON:
    case CAV_F_CLASS: return p->nweapons;
    case CAV_F_KIND: return p->nkinds;
    case CAV_F_STATE: return 2;
    case CAV_F_PURPOSE: return p->npurposes;
    case CAV_F_SUPPLIER: return p->nparties;
    default: return p->nzones;
    }
}

/* set may be NULL when only names are being checked */
static void set_bit(uint64_t *set, int i) {
    if (set)
        set[i >> 6] |= 1ull << (i & 63);
}

/* Resolves one value of a test into bits of set; reports unknown names. */
static void resolve_value(cav_build *b, int file, const cav_cond *c, const cav_name *v,
                          uint64_t *set) {
    cav_pack *p = b->pack;
    int id = -1;
    const char *what = "";
    switch (c->field) {
    case CAV_F_WEAPON:
        id = cav__find_weapon(p, v->s);
        what = "weapon";
        break;
    case CAV_F_CLASS:
        what = "class";
        id = cav__find_class(p, v->s);
        for (int w = 0; id >= 0 && w < p->nweapons; w++)
            if (p->weapons[w].wclass == id)
                set_bit(set, w);
        if (id >= 0)
            return;
        break;
    case CAV_F_KIND:
        what = "kind";
        id = cav__find_kind(p, v->s);
        if (id >= 0 && (c->test == CAV_T_IN || c->test == CAV_T_NOT_IN)) {
            for (int k = 0; k < p->nkinds; k++)
                for (int a = k; a >= 0; a = p->kinds[a].parent)
                    if (a == id) {
                        set_bit(set, k);
                        break;
                    }
            return;
        }
        break;
    case CAV_F_STATE:
        id = cav__find_state(v->s);
        what = "state";
        break;
    case CAV_F_PURPOSE:
        id = cav__find_purpose(p, v->s);
        what = "purpose";
        break;
    case CAV_F_SUPPLIER:
        id = cav__find_party(p, v->s);
        what = "party";
        break;
    default:
        id = cav__find_zone(p, v->s);
        what = "zone";
        break;
    }
    if (id >= 0) {
        set_bit(set, id);
        return;
    }
    if (c->field == CAV_F_TARGET || c->field == CAV_F_LAUNCH)
        return; /* already reported by declare_rule_places */
    size_t n;
    const char **names = cav__names_of(b, c->field, &n);
    cav__report_name(b, file, v, what, names, n);
}

typedef struct node_buf {
    cav_node *v;
    int n, cap;
    uint64_t *words;
    int nwords, capwords;
} node_buf;

static int push_node(cav_build *b, node_buf *nb) {
    if (nb->n == nb->cap) {
        int cap = nb->cap ? nb->cap * 2 : 64;
        cav_node *v = realloc(nb->v, (size_t)cap * sizeof *v);
        if (!v) {
            b->oom = 1;
            return -1;
        }
        nb->v = v;
        nb->cap = cap;
    }
    memset(&nb->v[nb->n], 0, sizeof nb->v[0]);
    return nb->n++;
}

static int push_words(cav_build *b, node_buf *nb, int k) {
    while (nb->nwords + k > nb->capwords) {
        int cap = nb->capwords ? nb->capwords * 2 : 256;
        uint64_t *w = realloc(nb->words, (size_t)cap * sizeof *w);
        if (!w) {
            b->oom = 1;
            return -1;
        }
        nb->words = w;
        nb->capwords = cap;
    }
    memset(nb->words + nb->nwords, 0, (size_t)k * sizeof *nb->words);
    nb->nwords += k;
    return nb->nwords - k;
}

static unsigned field_bit(cav_field f) {
    return f == CAV_F_PURPOSE    ? CAV_FIELD_PURPOSE
           : f == CAV_F_LAUNCH   ? CAV_FIELD_LAUNCH
           : f == CAV_F_SUPPLIER ? CAV_FIELD_SUPPLIER
                                 : 0;
}

static int compile_cond(cav_build *b, node_buf *nb, const cav_cond *c, int file, unsigned *needs) {
    int n = push_node(b, nb);
    if (n < 0)
        return -1;
    if (c->op != CAV_C_TEST) {
        int a = compile_cond(b, nb, c->a, file, needs);
        int bb = c->b ? compile_cond(b, nb, c->b, file, needs) : -1;
        nb->v[n].op = (uint8_t)(c->op == CAV_C_AND  ? CAV_N_AND
                                : c->op == CAV_C_OR ? CAV_N_OR
                                                    : CAV_N_NOT);
        nb->v[n].a = a;
        nb->v[n].b = bb;
        return n;
    }
    cav_pack *p = b->pack;
    cav_field f = c->field == CAV_F_CLASS ? CAV_F_WEAPON : c->field;
    int words = b->pack->domain_words[f];
    int off = push_words(b, nb, words);
    if (off < 0)
        return -1;
    for (int i = 0; i < c->values.n; i++)
        resolve_value(b, file, c, &c->values.v[i], nb->words + off);
    cav_node *node = &nb->v[n];
    node->op = CAV_N_TEST;
    node->field = (uint8_t)f;
    node->src_field = (uint8_t)c->field;
    node->test = (uint8_t)c->test;
    node->set = (uint32_t)off;
    node->nvals = c->values.n;
    node->vals = alloc(b, (size_t)c->values.n * sizeof *node->vals);
    for (int i = 0; node->vals && i < c->values.n; i++)
        node->vals[i] = cav__arena_strdup(&p->arena, c->values.v[i].s);
    *needs |= field_bit(f);
    return n;
}

static void compile_conditions(cav_build *b) {
    cav_pack *p = b->pack;
    for (int f = 0; f < CAV_F_COUNT; f++) {
        int size = f == CAV_F_TARGET || f == CAV_F_LAUNCH ? p->zone_words * 64
                                                          : domain_size(p, (cav_field)f);
        p->domain_words[f] = size > 0 ? (size + 63) / 64 : 1;
    }
    node_buf nb = {0};
    for (int r = 0; r < p->nrules && !b->oom; r++) {
        const cav_cond *when = b->rule_stmt[r]->when;
        if (when)
            p->rules[r].root =
                compile_cond(b, &nb, when, b->rule_stmt[r]->file, &p->rules[r].needs);
    }
    p->nodes = alloc(b, (size_t)nb.n * sizeof *p->nodes);
    p->words = alloc(b, (size_t)nb.nwords * sizeof *p->words);
    if (p->nodes && nb.n)
        memcpy(p->nodes, nb.v, (size_t)nb.n * sizeof *p->nodes);
    if (p->words && nb.nwords)
        memcpy(p->words, nb.words, (size_t)nb.nwords * sizeof *p->words);
    p->nnodes = nb.n;
    p->nwords = nb.nwords;
    free(nb.v);
    free(nb.words);
}

/* ---- the per-party date index ---- */

int cav__rule_applies(const cav_rule *r, int party) {
    if (r->all_parties)
        return 1;
    for (int i = 0; i < r->nparties; i++)
        if (r->parties[i] == party)
            return 1;
    return 0;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void index_party(cav_build *b, int party) {
    cav_pack *p = b->pack;
    int32_t *cuts = malloc((size_t)(2 * p->nrules + 1) * sizeof *cuts);
    int *tmp = malloc((size_t)(p->nrules + 1) * sizeof *tmp);
    if (!cuts || !tmp) {
        b->oom = 1;
        goto cleanup;
    }
    int nc = 0;
    cuts[nc++] = INT32_MIN;
    for (int r = 0; r < p->nrules; r++) {
        if (!cav__rule_applies(&p->rules[r], party))
            continue;
        cuts[nc++] = p->rules[r].from;
        if (p->rules[r].until != CAV_DATE_MAX)
            cuts[nc++] = p->rules[r].until;
    }
    qsort(cuts, (size_t)nc, sizeof *cuts, cmp_i32);
    int nu = 0;
    for (int i = 0; i < nc; i++)
        if (nu == 0 || cuts[nu - 1] != cuts[i])
            cuts[nu++] = cuts[i];
    cav_party_index *ix = &p->index[party];
    ix->epochs = alloc(b, (size_t)nu * sizeof *ix->epochs);
    if (!ix->epochs)
        goto cleanup;
    ix->nepochs = nu;
    for (int e = 0; e < nu; e++) {
        int32_t d = cuts[e];
        int n = 0, own = 0;
        for (int r = 0; r < p->nrules; r++) {
            const cav_rule *rule = &p->rules[r];
            if (cav__rule_applies(rule, party) && rule->from <= d && d < rule->until) {
                tmp[n++] = r;
                own |= !rule->all_parties;
            }
        }
        int *rules = alloc(b, (size_t)n * sizeof *rules);
        if (!rules)
            goto cleanup;
        memcpy(rules, tmp, (size_t)n * sizeof *rules);
        ix->epochs[e] = (cav_epoch){d, n, rules, own};
    }
cleanup:
    free(cuts);
    free(tmp);
}

/* Resolves every name of a condition (reporting unknown ones) without compiling it. */
static void check_cond_names(cav_build *b, const cav_cond *c, int file) {
    if (!c)
        return;
    if (c->op != CAV_C_TEST) {
        check_cond_names(b, c->a, file);
        check_cond_names(b, c->b, file);
        return;
    }
    for (int i = 0; i < c->values.n; i++)
        resolve_value(b, file, c, &c->values.v[i], NULL);
}

int cav__compile(cav_build *b) {
    cav_pack *p = b->pack;
    /* names first, so that every unknown name is reported before anything is built */
    declare_zones(b);
    for (int r = 0; r < p->nrules && !b->oom; r++) {
        declare_rule_places(b, b->rule_stmt[r]->when, b->rule_stmt[r]->file);
        check_cond_names(b, b->rule_stmt[r]->when, b->rule_stmt[r]->file);
    }
    if (b->oom || b->errors)
        return b->oom ? CAV_ENOMEM : CAV_EPOLICY;
    build_zones(b);
    if (b->oom || b->errors)
        return b->oom ? CAV_ENOMEM : CAV_EPOLICY;
    compile_conditions(b);
    b->pack->index = alloc(b, (size_t)b->pack->nparties * sizeof *b->pack->index);
    for (int party = 0; party < b->pack->nparties && !b->oom; party++)
        index_party(b, party);
    return b->oom ? CAV_ENOMEM : b->errors ? CAV_EPOLICY : 0;
}
