/* compile.c — turns a checked pack into its evaluable form.
 *
 *  1. Zones: every `zone` statement and every country or region named directly in a rule or a
 *     zone expression becomes a zone; each is built once with GEOS/PROJ (geo/zone.c) in the
 *     build's own GEOS context, in dependency order with cycle detection, and all of them are
 *     compiled into one point locator (geo/locate.c) so that one look-up answers membership of
 *     every zone. A zone's precision is that of the boundary data it is made from (Natural
 *     Earth: CAV_BORDERS_PRECISION_M) or 0 for user-drawn shapes; an assumption is inherited by
 *     every zone made from an assumed one. The pack keeps each geometry as WKB, not a GEOS object,
 *     so it holds no mutable state: whoever draws or intersects zones reads them into a context
 *     of their own.
 *  2. Conditions: each rule's `when` becomes an array of nodes; a test holds a bit set over its
 *     field's domain (weapon classes are rewritten into sets of weapons, kind subtrees into sets
 *     of kinds), so evaluating a test is one bit look-up. Each rule also gets the set of weapons
 *     it speaks of (step 2 of docs/semantics.md).
 *  3. The date index: for every party, the dates where its set of rules in force changes cut
 *     time into epochs; a query finds its epoch by binary search and walks only the rules in
 *     force. The index is built by one sweep over the sorted cuts, so it is linear in the size
 *     of its output.
 */
#include "core/alloc.h"
#include "core/file.h"
#include "core/util.h"
#include "geo/borders_data.h"
#include "lang/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entries of all epochs of all parties together: a pack whose index would need more is
 * refused (docs/robustness.md). */
#define CAV_MAX_INDEX_ENTRIES (16 * 1024 * 1024)

static void *alloc(cav_build *b, size_t n) {
    void *p = cav__arena_alloc(&b->pack->arena, n ? n : 1);
    if (!p)
        b->oom = 1;
    return p;
}

/* ---- zones ---- */

static int add_zone(cav_build *b, const char *id, int implicit, int file, int line, int col) {
    cav_pack *p = b->pack;
    int z = p->nzones;
    cav_zone *zone = &p->zones[z];
    memset(zone, 0, sizeof *zone);
    memset(&b->zb[z], 0, sizeof b->zb[z]);
    zone->id = cav__arena_strdup(&p->arena, id);
    if (!zone->id) {
        b->oom = 1;
        return -1;
    }
    zone->implicit = implicit;
    zone->file = file;
    zone->line = line;
    zone->col = col;
    if (cav__names_add(b, CAV_CAT_ZONE, id, z) != -1)
        return -1; /* a clash: the caller checked the name first */
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
    int reported; /* a reference failed for a reason already reported (a cycle, or a zone that
                     failed to build): the builder's own "unknown zone" is not repeated */
} resolver_ctx;

static const GEOSGeometry *resolve_ref(void *ud, const char *name) {
    resolver_ctx *rc = ud;
    int z = zone_or_border(rc->b, name);
    if (z < 0)
        return NULL;
    cav_zone_build *zb = &rc->b->zb[z];
    if (zb->state == 1) {
        cav_zone *from = &rc->b->pack->zones[rc->from_zone];
        cav__report(rc->b, CAV_SEV_ERROR, from->file, from->line, from->col, NULL,
                    "zone '%s' is defined in terms of itself (through '%s')", from->id, name);
        zb->state = 3;
        rc->reported = 1;
        return NULL;
    }
    if (build_zone(rc->b, z) != 0) {
        rc->reported = 1;
        return NULL;
    }
    cav_zone *from = &rc->b->pack->zones[rc->from_zone], *to = &rc->b->pack->zones[z];
    if (to->precision_m > from->precision_m)
        from->precision_m = to->precision_m;
    if (to->assumption && !from->assumption)
        from->assumption = to->assumption;
    return rc->b->zb[z].geom;
}

/* The precision of the boundary data an expression reads directly (references are accounted
 * for when they are resolved). */
static double expr_precision(const cav_zone_expr *e) {
    if (!e)
        return 0;
    switch (e->kind) {
    case CAV_ZONE_COUNTRY:
    case CAV_ZONE_REGION:
    case CAV_ZONE_BORDER: return CAV_BORDERS_PRECISION_M;
    case CAV_ZONE_WITHIN: return expr_precision(e->a);
    case CAV_ZONE_UNION:
    case CAV_ZONE_INTERSECT:
    case CAV_ZONE_DIFF: {
        double a = expr_precision(e->a), c = expr_precision(e->b);
        return a > c ? a : c;
    }
    default: return 0;
    }
}

/* "RU-UA" is one name, since '-' joins names: when an unknown zone name splits at a '-' into
 * two known zones, the author meant their difference. Returns the hint, or NULL. */
static const char *difference_hint(cav_build *b, const cav_zone_expr *bad, char *hint,
                                   size_t size) {
    if (!bad || bad->kind != CAV_ZONE_REF)
        return NULL;
    const char *name = bad->name;
    for (const char *dash = strchr(name, '-'); dash; dash = strchr(dash + 1, '-')) {
        char left[sizeof bad->name];
        snprintf(left, sizeof left, "%.*s", (int)(dash - name), name);
        const char *right = dash + 1;
        int known_left = cav__find_zone(b->pack, left) >= 0 || cav__borders_find(left) >= 0;
        int known_right = cav__find_zone(b->pack, right) >= 0 || cav__borders_find(right) >= 0;
        if (known_left && known_right && size >= 4 * sizeof bad->name + 80) {
            snprintf(hint, size,
                     "'-' inside a name joins it: for the difference of %s and %s, write "
                     "%s - %s with spaces",
                     left, right, left, right);
            return hint;
        }
    }
    return NULL;
}

static int build_zone(cav_build *b, int z) {
    cav_pack *p = b->pack;
    cav_zone_build *zb = &b->zb[z];
    if (zb->state == 2)
        return 0;
    if (zb->state == 3)
        return -1;
    zb->state = 1;
    int rc;
    char err[256] = "";
    const cav_zone_expr *bad = NULL;
    GEOSGeometry *geom = NULL;
    resolver_ctx ctx = {b, z, 0};
    if (p->zones[z].implicit) {
        int idx = cav__borders_find(p->zones[z].id);
        geom = idx >= 0 ? cav__borders_geom(b->geos, idx) : NULL;
        rc = geom ? 0 : idx < 0 ? CAV_EGEO : CAV_ENOMEM;
        if (rc)
            snprintf(err, sizeof err, "no boundary data for '%s'", p->zones[z].id);
        p->zones[z].precision_m = CAV_BORDERS_PRECISION_M;
    } else {
        p->zones[z].precision_m = expr_precision(zb->expr);
        rc = cav__zone_build_cached(b->geos, zb->expr, resolve_ref, &ctx, &b->zcache, &geom, err,
                                    sizeof err, &bad);
    }
    /* the resolver may have grown the zone arrays: re-fetch */
    zb = &b->zb[z];
    cav_zone *zone = &p->zones[z];
    if (rc == CAV_ENOMEM) {
        b->oom = 1; /* not the policy's fault: the load answers CAV_ENOMEM */
        zb->state = 3;
        return -1;
    }
    if (rc != 0) {
        if (zb->state != 3 && err[0] && !ctx.reported) {
            int line = bad ? bad->line : zone->line, col = bad ? bad->col : zone->col;
            char hint[512];
            cav__report(b, CAV_SEV_ERROR, zone->file, line, col,
                        difference_hint(b, bad, hint, sizeof hint), "zone '%s': %s", zone->id, err);
        }
        zb->state = 3;
        return -1;
    }
    zb->geom = geom;
    zb->state = 2;
    return 0;
}

/* Reads the files of the geojson() zones of e (core/file.h): regular files only, at most
 * CAV_MAX_GEOJSON_BYTES, and only inside the directory of the policy file that names them or a
 * directory the loader allows (cav_load_opts). Their bytes go into the expression, so the zone
 * builder and the pack's hash read the same bytes and open nothing themselves. Returns 0, or -1
 * after reporting the problem at the expression. */
static int read_zone_files(cav_build *b, cav_zone_expr *e, const cav_stmt *s) {
    if (!e)
        return 0;
    if (e->kind != CAV_ZONE_GEOJSON) {
        int ra = read_zone_files(b, e->a, s), rb = read_zone_files(b, e->b, s);
        return ra || rb ? -1 : 0;
    }
    if (!e->path || e->data)
        return 0;
    /* the policy file's own directory, then the allowed ones */
    const char *name = b->ps->files[s->file].name;
    const char *slash = strrchr(name, '/');
    size_t nallow = b->opts ? b->opts->nallow_paths : 0;
    const char **roots = cav__calloc(nallow + 1, sizeof *roots);
    char *dir = NULL;
    if (!roots) {
        b->oom = 1;
        return -1;
    }
    size_t nroots = 0;
    if (strncmp(name, "<default>", 9) != 0) {
        dir = slash ? cav__strndup(name, slash == name ? 1 : (size_t)(slash - name))
                    : cav__strdup(".");
        if (!dir) {
            cav__free(roots);
            b->oom = 1;
            return -1;
        }
        roots[nroots++] = dir;
    }
    for (size_t i = 0; i < nallow; i++)
        roots[nroots++] = b->opts->allow_paths[i];
    cav_file_rules rules = {.max = CAV_MAX_GEOJSON_BYTES,
                            .regular_only = 1,
                            .roots = roots,
                            .nroots = nroots ? nroots : 1,
                            .what = "geojson file"};
    if (!nroots)
        roots[0] = NULL; /* no directory at all: nothing may be read */
    cav_buf why = {0};
    char *data = NULL;
    size_t len = 0;
    int rc = cav__file_read(e->path, &rules, &data, &len, &why);
    cav__free(dir);
    cav__free(roots);
    if (rc == 0 && b->ndata == b->capdata) {
        int cap = b->capdata ? 2 * b->capdata : 8;
        char **g = cav__realloc(b->data, (size_t)cap * sizeof *g);
        if (!g) {
            cav__free(data);
            b->oom = 1;
            cav_buf_free(&why);
            return -1;
        }
        b->data = g;
        b->capdata = cap;
    }
    if (rc == 0) {
        b->data[b->ndata++] = data;
        e->data = data;
        e->data_len = len;
        return 0;
    }
    if (rc == CAV_ENOMEM)
        b->oom = 1;
    else
        cav__report(b, CAV_SEV_ERROR, s->file, e->line, e->col,
                    rc == CAV_EINVAL
                        ? "geojson() reads files under the policy file's directory; allow "
                          "another directory with --allow-path DIR (cav_load_opts.allow_paths)"
                        : NULL,
                    "zone '%s': %s", s->name.s, why.data ? why.data : "cannot read the file");
    cav_buf_free(&why);
    return -1;
}

static void declare_zones(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_parse *ps = b->ps;
    int cap = cav__borders_count() + 1;
    for (int i = 0; i < ps->nstmts; i++)
        cap += ps->stmts[i]->kind == CAV_S_ZONE;
    p->zones = alloc(b, (size_t)cap * sizeof *p->zones);
    b->zb = cav__calloc((size_t)cap, sizeof *b->zb);
    if (!p->zones || !b->zb) {
        b->oom = 1;
        return;
    }
    for (int i = 0; i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind != CAV_S_ZONE)
            continue;
        int other = cav__find_zone(p, s->name.s);
        if (other >= 0) {
            const cav_zone *o = &p->zones[other];
            char hint[512];
            int spelled = strcmp(o->id, s->name.s) != 0;
            snprintf(hint, sizeof hint, "first declared at %s:%d%s",
                     o->file >= 0 ? b->ps->files[o->file].name : "?", o->line,
                     spelled ? "; names are compared without case, and spaces, hyphens and "
                               "underscores are the same"
                             : "");
            if (spelled)
                cav__report(b, CAV_SEV_ERROR, s->file, s->name.line, s->name.col, hint,
                            "zone '%s' is declared twice, first as '%s'", s->name.s, o->id);
            else
                cav__report(b, CAV_SEV_ERROR, s->file, s->name.line, s->name.col, hint,
                            "zone '%s' is declared twice", s->name.s);
            continue;
        }
        int border = cav__borders_find(s->name.s);
        if (border >= 0) {
            char hint[160];
            snprintf(hint, sizeof hint,
                     "choose another name; a rule names %s itself directly (target in %s)",
                     cav__borders_code(border), cav__borders_code(border));
            cav__report(b, CAV_SEV_ERROR, s->file, s->name.line, s->name.col, hint,
                        "zone '%s' has the name of %s %s (%s), which has boundary data", s->name.s,
                        cav__borders_is_country(border) ? "country" : "region",
                        cav__borders_code(border), cav__borders_name(border));
            continue;
        }
        int z = add_zone(b, s->name.s, 0, s->file, s->line, s->col);
        if (z < 0)
            return;
        cav_zone *zone = &p->zones[z];
        zone->title = cav__arena_strdup(&p->arena, s->title ? s->title : "");
        zone->note = s->note ? cav__arena_strdup(&p->arena, s->note) : NULL;
        zone->assumption = s->assumption ? cav__arena_strdup(&p->arena, s->assumption) : NULL;
        b->zb[z].expr = s->zone;
        if (read_zone_files(b, s->zone, s) != 0)
            b->zb[z].state = 3; /* reported: never built, never read by another way */
        zone->nsources = s->sources.n;
        zone->sources = alloc(b, (size_t)s->sources.n * sizeof *zone->sources);
        for (int k = 0; zone->sources && k < s->sources.n; k++) {
            zone->sources[k] = cav__find_source(p, s->sources.v[k].s);
            if (zone->sources[k] < 0) {
                const char **names = alloc(b, (size_t)(p->nsources + 1) * sizeof *names);
                for (int j = 0; names && j < p->nsources; j++)
                    names[j] = p->sources[j].id;
                cav__report_name(b, s->file, &s->sources.v[k], "source", names,
                                 (size_t)p->nsources);
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

/* Writes every zone's geometry into the pack as WKB. */
static void keep_geometries(cav_build *b) {
    cav_pack *p = b->pack;
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(b->geos);
    if (!w) {
        b->oom = 1;
        return;
    }
    for (int z = 0; z < p->nzones && !b->oom; z++) {
        size_t n = 0;
        unsigned char *wkb = GEOSWKBWriter_write_r(b->geos, w, b->zb[z].geom, &n);
        unsigned char *copy = wkb ? alloc(b, n) : NULL;
        if (copy) {
            memcpy(copy, wkb, n);
            p->zones[z].wkb = copy;
            p->zones[z].wkb_len = n;
        } else {
            b->oom = 1;
        }
        if (wkb)
            GEOSFree_r(b->geos, wkb);
    }
    GEOSWKBWriter_destroy_r(b->geos, w);
}

static void build_zones(cav_build *b) {
    cav_pack *p = b->pack;
    b->geos = GEOS_init_r();
    if (!b->geos) {
        b->oom = 1;
        return;
    }
    for (int z = 0; z < p->nzones; z++)
        build_zone(b, z);
    cav__zone_cache_free(b->geos, &b->zcache); /* every zone is built */
    if (b->errors || b->oom)
        return;
    const GEOSGeometry **geoms = cav__calloc((size_t)p->nzones + 1, sizeof *geoms);
    double *precision = cav__calloc((size_t)p->nzones + 1, sizeof *precision);
    if (!geoms || !precision) {
        b->oom = 1;
        goto cleanup;
    }
    for (int z = 0; z < p->nzones; z++) {
        geoms[z] = b->zb[z].geom;
        precision[z] = p->zones[z].precision_m;
    }
    int heavy;
    p->locator = cav__locator_new(b->geos, geoms, precision, p->nzones, &heavy);
    if (!p->locator && heavy >= 0) {
        const cav_zone *zone = &p->zones[heavy];
        cav__report(
            b, CAV_SEV_ERROR, zone->file, zone->line, zone->col, NULL,
            "zone '%s' is too intricate to index: the point locator's tables would pass "
            "%d MiB, mostly with its edges (long edges lying close together, as in a comb "
            "or a star of many spikes, are stored in every cell they cross); simplify it or "
            "split it into smaller zones",
            zone->id, CAV_LOCATOR_MAX_MIB);
        goto cleanup;
    }
    if (!p->locator) {
        b->oom = 1; /* the zones are valid and the precisions in range: out of memory */
        goto cleanup;
    }
    p->zone_words = cav__locator_words(p->locator);
    if (p->zone_words > CAV_MAX_ZONE_WORDS) {
        cav__report(b, CAV_SEV_ERROR, -1, 0, 0, NULL, "the pack has %d zones; at most %d",
                    p->nzones, CAV_MAX_ZONE_WORDS * 64);
        goto cleanup;
    }
    p->assumed = alloc(b, (size_t)(p->zone_words ? p->zone_words : 1) * sizeof *p->assumed);
    for (int z = 0; p->assumed && z < p->nzones; z++)
        if (p->zones[z].assumption)
            p->assumed[z >> 6] |= 1ull << (z & 63);
    keep_geometries(b);
cleanup:
    cav__free(geoms);
    cav__free(precision);
}

GEOSGeometry *cav__zone_geom(const cav_pack *p, int z, GEOSContextHandle_t h) {
    if (z < 0 || z >= p->nzones || !p->zones[z].wkb)
        return NULL;
    GEOSWKBReader *r = GEOSWKBReader_create_r(h);
    if (!r)
        return NULL;
    GEOSGeometry *g = GEOSWKBReader_read_r(h, r, p->zones[z].wkb, p->zones[z].wkb_len);
    GEOSWKBReader_destroy_r(h, r);
    return g;
}

/* ---- conditions ---- */

static int domain_size(const cav_pack *p, cav_field f) {
    switch (f) {
    case CAV_F_WEAPON:
    case CAV_F_CLASS: return p->nweapons;
    case CAV_F_KIND: return p->nkinds;
    case CAV_F_STATE: return 2;
    case CAV_F_ROLE: return 3;
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
    case CAV_F_ROLE:
        id = cav__find_role(v->s);
        what = "role";
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
        cav_node *v = cav__realloc(nb->v, (size_t)cap * sizeof *v);
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
        uint64_t *w = cav__realloc(nb->words, (size_t)cap * sizeof *w);
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

/* The optional query field a condition field reads (CAV_QBIT), or 0 for required ones. */
static uint32_t field_bit(cav_field f) {
    switch (f) {
    case CAV_F_PURPOSE: return CAV_QBIT(CAV_Q_PURPOSE);
    case CAV_F_ROLE: return CAV_QBIT(CAV_Q_TARGET_ROLE);
    case CAV_F_LAUNCH: return CAV_QBIT(CAV_Q_LAUNCH_LAT);
    case CAV_F_SUPPLIER: return CAV_QBIT(CAV_Q_SUPPLIER);
    default: return 0;
    }
}

static int compile_cond(cav_build *b, node_buf *nb, const cav_cond *c, int file, cav_rule *r) {
    int n = push_node(b, nb);
    if (n < 0)
        return -1;
    if (c->op != CAV_C_TEST) {
        int a = compile_cond(b, nb, c->a, file, r);
        int bb = c->b ? compile_cond(b, nb, c->b, file, r) : -1;
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
    r->needs |= field_bit(f);
    if (f == CAV_F_TARGET)
        r->places |= 1u;
    if (f == CAV_F_LAUNCH)
        r->places |= 2u;
    return n;
}

/* 1 when node n is tests joined by `and` only; appends their nodes to prog. */
static int and_chain(const node_buf *nb, int n, uint32_t *prog, size_t *np) {
    const cav_node *node = &nb->v[n];
    if (node->op == CAV_N_TEST) {
        prog[(*np)++] = ((uint32_t)n << 3) | CAV_P_TEST;
        return 1;
    }
    return node->op == CAV_N_AND && and_chain(nb, node->a, prog, np) &&
           and_chain(nb, node->b, prog, np);
}

/* Appends node n of nb in postfix to prog; *depth / *max track the evaluation stack. */
static void emit_postfix(const node_buf *nb, int n, uint32_t *prog, size_t *np, int *depth,
                         int *max) {
    const cav_node *node = &nb->v[n];
    switch (node->op) {
    case CAV_N_TEST:
        prog[(*np)++] = ((uint32_t)n << 3) | CAV_P_TEST;
        if (++*depth > *max)
            *max = *depth;
        return;
    case CAV_N_NOT:
        emit_postfix(nb, node->a, prog, np, depth, max);
        prog[(*np)++] = CAV_P_NOT;
        return;
    default: {
        /* left; jump over the right operand and the operator when the left decides (false for
         * and, true for or); right; operator */
        emit_postfix(nb, node->a, prog, np, depth, max);
        size_t jump = (*np)++;
        emit_postfix(nb, node->b, prog, np, depth, max);
        prog[(*np)++] = node->op == CAV_N_AND ? CAV_P_AND : CAV_P_OR;
        prog[jump] =
            ((uint32_t)(*np - jump - 1) << 3) | (node->op == CAV_N_AND ? CAV_P_JF : CAV_P_JT);
        --*depth;
        return;
    }
    }
}

/* Kleene value of node n with the weapon fixed and every other fact unknown: false exactly when
 * the condition excludes weapon w whatever the other facts. */
static cav_tri weapon_only(const node_buf *nb, int n, int w) {
    const cav_node *node = &nb->v[n];
    cav_tri a, c;
    switch (node->op) {
    case CAV_N_TEST: {
        if (node->field != CAV_F_WEAPON)
            return CAV_UNDET;
        int hit = (int)((nb->words[node->set + (uint32_t)(w >> 6)] >> (w & 63)) & 1u);
        if (node->test == CAV_T_NE || node->test == CAV_T_NOT_IN)
            hit = !hit;
        return hit ? CAV_TRUE : CAV_FALSE;
    }
    case CAV_N_NOT:
        a = weapon_only(nb, node->a, w);
        return a == CAV_UNDET ? CAV_UNDET : a == CAV_TRUE ? CAV_FALSE : CAV_TRUE;
    case CAV_N_AND:
        a = weapon_only(nb, node->a, w);
        c = weapon_only(nb, node->b, w);
        return a == CAV_FALSE || c == CAV_FALSE ? CAV_FALSE
               : a == CAV_TRUE && c == CAV_TRUE ? CAV_TRUE
                                                : CAV_UNDET;
    default:
        a = weapon_only(nb, node->a, w);
        c = weapon_only(nb, node->b, w);
        return a == CAV_TRUE || c == CAV_TRUE     ? CAV_TRUE
               : a == CAV_FALSE && c == CAV_FALSE ? CAV_FALSE
                                                  : CAV_UNDET;
    }
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
            p->rules[r].root = compile_cond(b, &nb, when, b->rule_stmt[r]->file, &p->rules[r]);
    }
    for (int k = 0; k < p->nnotes && !b->oom; k++) {
        const cav_cond *when = b->note_stmt[k]->when;
        cav_rule scratch = {0}; /* needs and places of a note are not kept */
        if (when)
            p->notes[k].root = compile_cond(b, &nb, when, b->note_stmt[k]->file, &scratch);
    }
    /* the weapons each rule speaks of */
    int ww = p->domain_words[CAV_F_WEAPON];
    for (int r = 0; r < p->nrules && !b->oom; r++) {
        int off = push_words(b, &nb, ww);
        if (off < 0)
            break;
        p->rules[r].speaks = (uint32_t)off;
        for (int w = 0; w < p->nweapons; w++)
            if (p->rules[r].root < 0 || weapon_only(&nb, p->rules[r].root, w) != CAV_FALSE)
                nb.words[off + (w >> 6)] |= 1ull << (w & 63);
    }
    /* the postfix programs: a node's operands, then the node */
    size_t nprog = 0;
    uint32_t *prog = nb.n ? cav__malloc(2 * (size_t)nb.n * sizeof *prog) : NULL;
    if (nb.n && !prog)
        b->oom = 1;
    for (int r = 0; r < p->nrules && !b->oom; r++) {
        cav_rule *rule = &p->rules[r];
        rule->prog = (uint32_t)nprog;
        int depth = 0, max = 0;
        size_t mark = nprog;
        if (rule->root >= 0 && and_chain(&nb, rule->root, prog, &nprog)) {
            rule->and_chain = 1; /* the common shape: a loop over tests, no stack */
        } else if (rule->root >= 0) {
            nprog = mark;
            emit_postfix(&nb, rule->root, prog, &nprog, &depth, &max);
        }
        rule->nprog = (uint32_t)nprog - rule->prog;
        if (max > CAV_MAX_PROG_DEPTH)
            cav__report(b, CAV_SEV_ERROR, b->rule_stmt[r]->file, b->rule_stmt[r]->line, 1, NULL,
                        "rule '%s': its condition is nested too deeply", rule->id);
    }
    p->prog = alloc(b, (nprog ? nprog : 1) * sizeof *p->prog);
    if (p->prog && nprog)
        memcpy(p->prog, prog, nprog * sizeof *prog);
    cav__free(prog);
    p->nodes = alloc(b, (size_t)nb.n * sizeof *p->nodes);
    p->words = alloc(b, (size_t)nb.nwords * sizeof *p->words);
    if (p->nodes && nb.n)
        memcpy(p->nodes, nb.v, (size_t)nb.n * sizeof *p->nodes);
    if (p->words && nb.nwords)
        memcpy(p->words, nb.words, (size_t)nb.nwords * sizeof *p->words);
    p->nnodes = nb.n;
    p->nwords = nb.nwords;
    cav__free(nb.v);
    cav__free(nb.words);
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

/* A cut of a party's timeline: at `date`, rule `rule` starts (start 1) or ends (0). */
typedef struct cut {
    int32_t date;
    int start;
    int rule;
} cut;

static int cmp_cut(const void *a, const void *b) {
    const cut *x = a, *y = b;
    if (x->date != y->date)
        return (x->date > y->date) - (x->date < y->date);
    return (x->rule > y->rule) - (x->rule < y->rule);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Builds party's epochs by one sweep over its sorted cuts, keeping the set of rules in force
 * (in pack order) as it goes. */
static void index_party(cav_build *b, int party, size_t *entries) {
    cav_pack *p = b->pack;
    cut *cuts = cav__malloc((size_t)(2 * p->nrules + 1) * sizeof *cuts);
    int *active = cav__malloc((size_t)(p->nrules + 1) * sizeof *active);
    int32_t *starts = cav__malloc((size_t)(2 * p->nrules + 2) * sizeof *starts);
    if (!cuts || !active || !starts) {
        b->oom = 1;
        goto cleanup;
    }
    int nc = 0;
    for (int r = 0; r < p->nrules; r++) {
        if (!cav__rule_applies(&p->rules[r], party))
            continue;
        cuts[nc++] = (cut){p->rules[r].from, 1, r};
        if (p->rules[r].until != CAV_DATE_MAX)
            cuts[nc++] = (cut){p->rules[r].until, 0, r};
    }
    qsort(cuts, (size_t)nc, sizeof *cuts, cmp_cut);
    int ne = 1;
    starts[0] = INT32_MIN;
    for (int i = 0; i < nc; i++)
        if (cuts[i].date != starts[ne - 1])
            starts[ne++] = cuts[i].date;
    cav_party_index *ix = &p->index[party];
    ix->epochs = alloc(b, (size_t)ne * sizeof *ix->epochs);
    if (!ix->epochs)
        goto cleanup;
    ix->nepochs = ne;
    int na = 0, k = 0;
    for (int e = 0; e < ne; e++) {
        int changed = 0;
        while (k < nc && cuts[k].date == starts[e]) {
            if (cuts[k].start) {
                active[na++] = cuts[k].rule;
            } else {
                for (int i = 0; i < na; i++)
                    if (active[i] == cuts[k].rule) {
                        active[i] = active[--na];
                        break;
                    }
            }
            changed = 1;
            k++;
        }
        if (changed)
            qsort(active, (size_t)na, sizeof *active, cmp_int);
        *entries += (size_t)na;
        if (*entries > CAV_MAX_INDEX_ENTRIES) {
            cav__report(b, CAV_SEV_ERROR, -1, 0, 0,
                        "split the pack, or give rules end dates (docs/robustness.md)",
                        "the date index would hold more than %d rule entries",
                        CAV_MAX_INDEX_ENTRIES);
            goto cleanup;
        }
        int *rules = changed || e == 0 ? alloc(b, (size_t)na * sizeof *rules)
                                       : (int *)ix->epochs[e - 1].rules;
        if (!rules)
            goto cleanup;
        if (changed || e == 0)
            memcpy(rules, active, (size_t)na * sizeof *rules);
        int own = 0;
        for (int i = 0; i < na; i++)
            own |= !p->rules[active[i]].all_parties;
        ix->epochs[e] = (cav_epoch){starts[e], na, rules, own};
    }
cleanup:
    cav__free(cuts);
    cav__free(active);
    cav__free(starts);
}

/* The per-weapon index: for each party and weapon, the party's epochs with only the rules that
 * speak of the weapon, neighbours with the same rules merged. Decisions then skip rules that
 * cannot apply and the validity of a decision walks only the changes that concern its weapon.
 * Skipped (p->windex stays NULL) when it would hold more than CAV_MAX_INDEX_ENTRIES entries. */
static void index_weapons(cav_build *b) {
    cav_pack *p = b->pack;
    size_t total = 0, count = (size_t)p->nparties * (size_t)p->nweapons;
    for (int party = 0; party < p->nparties; party++)
        for (int e = 0; e < p->index[party].nepochs; e++)
            total += (size_t)p->index[party].epochs[e].nrules * (size_t)p->nweapons;
    if (total > CAV_MAX_INDEX_ENTRIES || count == 0)
        return;
    cav_party_index *wx = alloc(b, count * sizeof *wx);
    int *tmp = cav__malloc(((size_t)p->nrules + 1) * sizeof *tmp);
    if (!wx || !tmp) {
        cav__free(tmp);
        b->oom = 1;
        return;
    }
    for (int party = 0; party < p->nparties && !b->oom; party++) {
        const cav_party_index *ix = &p->index[party];
        for (int w = 0; w < p->nweapons && !b->oom; w++) {
            cav_party_index *out = &wx[(size_t)party * (size_t)p->nweapons + (size_t)w];
            out->epochs = alloc(b, (size_t)ix->nepochs * sizeof *out->epochs);
            if (!out->epochs)
                break;
            for (int e = 0; e < ix->nepochs; e++) {
                int n = 0, own = 0;
                for (int i = 0; i < ix->epochs[e].nrules; i++) {
                    int r = ix->epochs[e].rules[i];
                    if ((p->words[p->rules[r].speaks + (uint32_t)(w >> 6)] >> (w & 63)) & 1u) {
                        tmp[n++] = r;
                        own |= !p->rules[r].all_parties;
                    }
                }
                cav_epoch *prev = out->nepochs ? &out->epochs[out->nepochs - 1] : NULL;
                if (prev && prev->nrules == n &&
                    memcmp(prev->rules, tmp, (size_t)n * sizeof *tmp) == 0)
                    continue;
                int *rules = alloc(b, (size_t)n * sizeof *rules);
                if (!rules)
                    break;
                memcpy(rules, tmp, (size_t)n * sizeof *tmp);
                out->epochs[out->nepochs++] = (cav_epoch){ix->epochs[e].start, n, rules, own};
            }
        }
    }
    cav__free(tmp);
    if (!b->oom)
        p->windex = wx;
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
    for (int k = 0; k < p->nnotes && !b->oom; k++) {
        declare_rule_places(b, b->note_stmt[k]->when, b->note_stmt[k]->file);
        check_cond_names(b, b->note_stmt[k]->when, b->note_stmt[k]->file);
    }
    if (b->oom || b->errors)
        return b->oom ? CAV_ENOMEM : CAV_EPOLICY;
    build_zones(b);
    if (b->oom || b->errors)
        return b->oom ? CAV_ENOMEM : CAV_EPOLICY;
    compile_conditions(b);
    p->index = alloc(b, (size_t)p->nparties * sizeof *p->index);
    size_t entries = 0;
    for (int party = 0; party < p->nparties && !b->oom && !b->errors; party++)
        index_party(b, party, &entries);
    if (!b->oom && !b->errors)
        index_weapons(b);
    return b->oom ? CAV_ENOMEM : b->errors ? CAV_EPOLICY : 0;
}
