/* analyze.c — warnings about rules that cannot do what their author meant: a rule whose condition
 * can never be true, a permit that a forbid always overrides (shadowed), a rule another rule of
 * the same effect always covers (redundant), and, on request, every permit/forbid pair that can
 * match the same use.
 *
 * The analysis is exact over the finite catalogs and the three-valued semantics: it enumerates
 * every combination of the values of the fields the rules test (weapon, kind, state, role,
 * purpose, supplier), "not given" included for the optional ones, and every zone test as in, out
 * or unsure (the position's uncertainty crossing the zone's edge), so a warning holds for queries
 * that omit fields or give uncertain positions too. Geometric facts such as one zone lying inside
 * another are not used: the never-match, shadow and redundancy warnings are never wrong but may
 * miss a case, while --overlaps may list a pair that only geography keeps apart, such as UA and
 * RU. Spaces above 2^20 combinations are skipped.
 *
 * The analysis is bounded, so that linting a pack of any size ends (docs/robustness.md): only
 * pairs of rules that share a party and whose dates overlap are compared (found by a sweep over
 * the rules sorted by start date, not by trying every pair); each rule is reported at most once
 * as shadowed or redundant (naming the first rule that covers it); the whole analysis takes at
 * most CAV_LINT_BUDGET steps (a pair of rules considered, or a use examined) and adds at most
 * CAV_LINT_MAX_WARNINGS warnings, and when it stops early it says so in a last warning.
 *
 * A permit is shadowed when no use makes it true while a forbid of its parties is false: it can
 * never permit. A rule is redundant beside another of the same effect when removing it changes
 * no decision: wherever it is true the other is true, and wherever it is undetermined the other
 * is not false.
 */
#include "core/alloc.h"
#include "lang/check.h"
#include "report/report.h"

#include "core/buf.h"
#include "core/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ATOMS = 16, MAX_SPACE = 1 << 20 };

typedef struct space {
    int used[CAV_F_COUNT];
    int atom_field[MAX_ATOMS], atom_zone[MAX_ATOMS];
    int natoms;
    int too_big;
    int fixed_weapon; /* >= 0: the weapon is not enumerated but fixed (1 + id; 0: not fixed) */
} space;

static void space_add(const cav_pack *p, int n, space *s) {
    if (n < 0)
        return;
    const cav_node *node = &p->nodes[n];
    if (node->op != CAV_N_TEST) {
        space_add(p, node->a, s);
        if (node->op != CAV_N_NOT)
            space_add(p, node->b, s);
        return;
    }
    if (node->field != CAV_F_TARGET && node->field != CAV_F_LAUNCH) {
        s->used[node->field] = 1;
        return;
    }
    if (node->field == CAV_F_LAUNCH)
        s->used[CAV_F_LAUNCH] = 1;
    const uint64_t *set = p->words + node->set;
    for (int z = 0; z < p->nzones; z++) {
        if (!((set[z >> 6] >> (z & 63)) & 1u))
            continue;
        int seen = 0;
        for (int a = 0; a < s->natoms; a++)
            seen |= s->atom_field[a] == node->field && s->atom_zone[a] == z;
        if (seen)
            continue;
        if (s->natoms == MAX_ATOMS) {
            s->too_big = 1;
            return;
        }
        s->atom_field[s->natoms] = node->field;
        s->atom_zone[s->natoms++] = z;
    }
}

/* Values of a field in the enumeration: its catalog, plus "not given" for optional fields. */
static int domain(const cav_pack *p, int f) {
    switch (f) {
    case CAV_F_WEAPON: return p->nweapons;
    case CAV_F_KIND: return p->nkinds;
    case CAV_F_STATE: return 2;
    case CAV_F_ROLE: return 3 + 1;
    case CAV_F_PURPOSE: return p->npurposes + 1;
    case CAV_F_SUPPLIER: return p->nparties + 1;
    case CAV_F_LAUNCH: return 2; /* given or not */
    default: return 1;
    }
}

/* Visits every assignment of the space; visit returns 1 to stop. Returns 1 if stopped, 0 when
 * every assignment was visited, -1 when the space is too large to try, -2 when the budget
 * (*budget uses, may be NULL for none) ran out first. */
typedef int (*visit_fn)(const cav_pack *p, const cav_facts *f, void *ud);

static int enumerate(const cav_pack *p, const space *s, visit_fn visit, void *ud, long *budget) {
    long total = 1;
    int dims[CAV_F_COUNT];
    for (int f = 0; f < CAV_F_COUNT; f++) {
        dims[f] = s->used[f] ? domain(p, f) : 1;
        if (dims[f] == 0)
            return 0; /* an empty catalog: nothing can match */
        total *= dims[f];
        if (total > MAX_SPACE)
            return -1;
    }
    for (int a = 0; a < s->natoms && total <= MAX_SPACE; a++)
        total *= 3; /* in, out, unsure */
    if (total > MAX_SPACE || s->too_big)
        return -1;
    uint64_t tz[CAV_MAX_ZONE_WORDS], tu[CAV_MAX_ZONE_WORDS], lz[CAV_MAX_ZONE_WORDS],
        lu[CAV_MAX_ZONE_WORDS];
    for (long i = 0; i < total; i++) {
        if (budget && (*budget)-- <= 0)
            return -2;
        long k = i;
        int v[CAV_F_COUNT];
        for (int f = 0; f < CAV_F_COUNT; f++) {
            v[f] = (int)(k % dims[f]);
            k /= dims[f];
        }
        memset(tz, 0, sizeof tz);
        memset(tu, 0, sizeof tu);
        memset(lz, 0, sizeof lz);
        memset(lu, 0, sizeof lu);
        for (int a = 0; a < s->natoms; a++, k /= 3) {
            int state = (int)(k % 3);
            int z = s->atom_zone[a];
            uint64_t bit = 1ull << (z & 63);
            uint64_t *in = s->atom_field[a] == CAV_F_TARGET ? tz : lz;
            uint64_t *un = s->atom_field[a] == CAV_F_TARGET ? tu : lu;
            if (state == 1)
                in[z >> 6] |= bit;
            else if (state == 2)
                un[z >> 6] |= bit;
        }
        /* the last value of an optional field's domain is "not given" */
        cav_facts f = {
            .weapon = v[CAV_F_WEAPON],
            .kind = v[CAV_F_KIND],
            .state = v[CAV_F_STATE],
            .role = s->used[CAV_F_ROLE] && v[CAV_F_ROLE] < 3 ? v[CAV_F_ROLE] : -1,
            .purpose =
                s->used[CAV_F_PURPOSE] && v[CAV_F_PURPOSE] < p->npurposes ? v[CAV_F_PURPOSE] : -1,
            .supplier =
                s->used[CAV_F_SUPPLIER] && v[CAV_F_SUPPLIER] < p->nparties ? v[CAV_F_SUPPLIER] : -1,
            .target_in = tz,
            .target_unsure = tu,
            .launch_in = s->used[CAV_F_LAUNCH] && v[CAV_F_LAUNCH] == 0 ? NULL : lz,
            .launch_unsure = s->used[CAV_F_LAUNCH] && v[CAV_F_LAUNCH] == 0 ? NULL : lu};
        if (s->fixed_weapon > 0)
            f.weapon = s->fixed_weapon - 1;
        f.wclass = p->nweapons ? p->weapons[f.weapon].wclass : -1;
        if (visit(p, &f, ud))
            return 1;
    }
    return 0;
}

typedef struct pair_ctx {
    const cav_rule *a, *b;
    int ia, ib;
    int32_t date; /* where exceptions are read (the start of the rules' overlap) */
} pair_ctx;

static cav_tri eval_rule(const cav_pack *p, int r, int32_t date, const cav_facts *f) {
    return cav__rule_value(p, r, date, f);
}

static int visit_true(const cav_pack *p, const cav_facts *f, void *ud) {
    pair_ctx *c = ud;
    return eval_rule(p, c->ia, c->date, f) == CAV_TRUE;
}
/* Stops at a use where removing a would change a decision while b stands: a true and b not
 * true, or a undetermined and b false. */
static int visit_not_implied(const cav_pack *p, const cav_facts *f, void *ud) {
    pair_ctx *c = ud;
    cav_tri a = eval_rule(p, c->ia, c->date, f), b = eval_rule(p, c->ib, c->date, f);
    return (a == CAV_TRUE && b != CAV_TRUE) || (a == CAV_UNDET && b == CAV_FALSE);
}
/* Stops at a use where permit a is true and forbid b is false: a can permit there. */
static int visit_can_permit(const cav_pack *p, const cav_facts *f, void *ud) {
    pair_ctx *c = ud;
    return eval_rule(p, c->ia, c->date, f) == CAV_TRUE &&
           eval_rule(p, c->ib, c->date, f) == CAV_FALSE;
}
static int visit_both(const cav_pack *p, const cav_facts *f, void *ud) {
    pair_ctx *c = ud;
    return eval_rule(p, c->ia, c->date, f) == CAV_TRUE &&
           eval_rule(p, c->ib, c->date, f) == CAV_TRUE;
}

static int covers_parties(const cav_rule *big, const cav_rule *small) {
    if (big->all_parties)
        return 1;
    if (small->all_parties)
        return 0;
    for (int i = 0; i < small->nparties; i++) {
        int found = 0;
        for (int k = 0; k < big->nparties; k++)
            found |= big->parties[k] == small->parties[i];
        if (!found)
            return 0;
    }
    return 1;
}

static int share_party(const cav_rule *a, const cav_rule *b) {
    if (a->all_parties || b->all_parties)
        return 1;
    for (int i = 0; i < a->nparties; i++)
        for (int k = 0; k < b->nparties; k++)
            if (a->parties[i] == b->parties[k])
                return 1;
    return 0;
}

/* One run of the analysis: where warnings go and what is left of its bounds. */
typedef struct lint_run {
    const cav_pack *p;
    cav_diags *diags;
    long budget;             /* steps left: a pair of rules considered, or a use examined */
    size_t warnings;         /* added so far */
    int stopped;             /* the budget or the warning limit ran out: the rest is not analysed */
    int stopped_at;          /* the rule being analysed then */
    unsigned char *never;    /* rules that can never match: not reported again */
    unsigned char *reported; /* rules already reported as shadowed or redundant */
} lint_run;

static void warn(lint_run *run, const cav_rule *r, const char *code, const char *hint,
                 const char *fmt, const char *x, const char *y) {
    const cav_pack *p = run->p;
    cav_buf msg = {0};
    cav__buf_printf(&msg, fmt, x, y);
    cav__diag_add(run->diags, CAV_SEV_WARNING, p->file_names ? p->file_names[r->file] : NULL, NULL,
                  r->line, 1, hint, "%s", msg.data ? msg.data : "");
    cav__diag_code(run->diags, code);
    cav_buf_free(&msg);
    if (++run->warnings >= CAV_LINT_MAX_WARNINGS && !run->stopped) {
        run->stopped = 1;
        run->stopped_at = (int)(r - p->rules);
    }
}

/* Spends one step of the budget; 0 when it has run out (the run is then stopped). */
static int step(lint_run *run, int rule) {
    if (run->stopped || run->budget-- <= 0) {
        if (!run->stopped)
            run->stopped_at = rule;
        run->stopped = 1;
        return 0;
    }
    return 1;
}

/* enumerate() within the run's budget: -2 stops the run. */
static int try_all(lint_run *run, int rule, const space *s, visit_fn visit, void *ud) {
    int rc = enumerate(run->p, s, visit, ud, &run->budget);
    if (rc == -2 && !run->stopped) {
        run->stopped = 1;
        run->stopped_at = rule;
    }
    return rc;
}

static void check_never(lint_run *run, int i) {
    const cav_pack *p = run->p;
    const cav_rule *r = &p->rules[i];
    space s = {0};
    space_add(p, r->root, &s);
    for (int e = 0; e < r->nunless; e++)
        space_add(p, p->rules[r->unless[e]].root, &s);
    pair_ctx c = {r, NULL, i, -1, r->from};
    if (step(run, i) && try_all(run, i, &s, visit_true, &c) == 0) {
        run->never[i] = 1;
        warn(run, r, "never-matches", "check the weapons, classes and kinds it combines",
             "rule '%s' can never match: no use satisfies its condition%s", r->id, "");
    }
}

/* Compares rule i with rule j (in this order: warnings are about i). */
static void check_pair(lint_run *run, int i, int j, int overlaps) {
    const cav_pack *p = run->p;
    const cav_rule *a = &p->rules[i], *b = &p->rules[j];
    if (run->never[i] || run->never[j])
        return;
    int b_covers = covers_parties(b, a) && b->from <= a->from && b->until >= a->until;
    /* a party's own rule is never redundant beside a `party *` one: it makes the party's
     * position known (see eval.c) */
    if (a->forbid == b->forbid && b->all_parties && !a->all_parties)
        b_covers = 0;
    int ordered = a->forbid == b->forbid ? j < i : !a->forbid && b->forbid;
    int wanted = overlaps ? !a->forbid && b->forbid : b_covers && ordered && !run->reported[i];
    if (!wanted)
        return;
    space s = {0};
    space_add(p, a->root, &s);
    space_add(p, b->root, &s);
    for (int e = 0; e < a->nunless; e++)
        space_add(p, p->rules[a->unless[e]].root, &s);
    for (int e = 0; e < b->nunless; e++)
        space_add(p, p->rules[b->unless[e]].root, &s);
    pair_ctx c = {a, b, i, j, a->from > b->from ? a->from : b->from};
    if (overlaps) {
        if (try_all(run, i, &s, visit_both, &c) == 1)
            warn(run, a, "overlap", NULL,
                 "permit '%s' and forbid '%s' both match some uses; the forbid wins there", a->id,
                 b->id);
        return;
    }
    visit_fn test = a->forbid == b->forbid ? visit_not_implied : visit_can_permit;
    if (try_all(run, i, &s, test, &c) != 0)
        return;
    run->reported[i] = 1; /* once: the first rule found that covers it is named */
    if (a->forbid == b->forbid)
        warn(run, a, "redundant", "remove one, or narrow one of them",
             "rule '%s' is redundant: '%s' has the same effect wherever it applies", a->id, b->id);
    else
        warn(run, a, "shadowed",
             "a forbid that is true or undetermined keeps a permit from permitting; narrow the "
             "forbid or drop the permit",
             "permit '%s' is shadowed: it can never permit, because forbid '%s' forbids or might "
             "forbid wherever it applies",
             a->id, b->id);
}

typedef struct start_key {
    int32_t from;
    int rule;
} start_key;

static int by_start(const void *x, const void *y) {
    const start_key *a = x, *b = y;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* Every pair of rules whose dates overlap, each once: a sweep over the rules by start date
 * keeps the rules still in force; each new rule meets exactly those. Pairs that share a party
 * are compared both ways. O(n log n + pairs), and pairs are bounded by the budget. */
static void compare_pairs(lint_run *run, int overlaps, start_key *order, int *active) {
    const cav_pack *p = run->p;
    for (int r = 0; r < p->nrules; r++)
        order[r] = (start_key){p->rules[r].from, r};
    qsort(order, (size_t)p->nrules, sizeof *order, by_start);
    int nactive = 0;
    for (int k = 0; k < p->nrules && !run->stopped; k++) {
        int x = order[k].rule;
        const cav_rule *rx = &p->rules[x];
        int kept = 0;
        for (int m = 0; m < nactive && !run->stopped; m++) {
            int y = active[m];
            const cav_rule *ry = &p->rules[y];
            if (ry->until <= rx->from)
                continue; /* ended before x starts: it meets no later rule either */
            active[kept++] = y;
            if (!step(run, x) || !share_party(rx, ry))
                continue;
            /* the lower rule first, as a reader meets them */
            int lo = x < y ? x : y, hi = x < y ? y : x;
            check_pair(run, lo, hi, overlaps);
            check_pair(run, hi, lo, overlaps);
        }
        if (run->stopped)
            break;
        nactive = kept;
        active[nactive++] = x;
    }
}

int cav__pack_analyze(const cav_pack *p, cav_diags *diags, int overlaps) {
    lint_run run = {.p = p, .diags = diags, .budget = CAV_LINT_BUDGET, .stopped_at = -1};
    run.never = cav__calloc((size_t)p->nrules + 1, 1);
    run.reported = cav__calloc((size_t)p->nrules + 1, 1);
    start_key *order = cav__malloc(((size_t)p->nrules + 1) * sizeof *order);
    int *active = cav__malloc(((size_t)p->nrules + 1) * sizeof *active);
    int rc = 0;
    if (!run.never || !run.reported || !order || !active) {
        rc = CAV_ENOMEM;
        goto cleanup;
    }
    /* rules that can never match are reported once, not again as shadowed or redundant */
    for (int i = 0; i < p->nrules && !overlaps && !run.stopped; i++)
        check_never(&run, i);
    if (!run.stopped)
        compare_pairs(&run, overlaps, order, active);
    if (run.stopped) {
        const cav_rule *r = run.stopped_at >= 0 ? &p->rules[run.stopped_at] : NULL;
        cav_buf msg = {0};
        if (run.warnings >= CAV_LINT_MAX_WARNINGS)
            cav__buf_printf(&msg,
                            "the analysis stopped after %d warnings; the rest of the pack "
                            "was not analysed",
                            CAV_LINT_MAX_WARNINGS);
        else
            cav__buf_printf(&msg,
                            "the analysis stopped after %ld steps%s%s; the rest of the "
                            "pack was not analysed",
                            (long)CAV_LINT_BUDGET, r ? " at rule " : "", r ? r->id : "");
        cav__diag_add(diags, CAV_SEV_WARNING, r && p->file_names ? p->file_names[r->file] : NULL,
                      NULL, r ? r->line : 0, r ? 1 : 0,
                      "lint the files of the pack separately, or narrow the rules", "%s",
                      msg.data ? msg.data : "");
        cav__diag_code(diags, "analysis-incomplete");
        cav_buf_free(&msg);
    }
cleanup:
    cav__free(run.never);
    cav__free(run.reported);
    cav__free(order);
    cav__free(active);
    return rc;
}

int cav__rule_concerns_weapon(const cav_pack *p, int rule, int weapon) {
    const cav_rule *r = &p->rules[rule];
    const cav_weapon *w = &p->weapons[weapon];
    int party_ok = r->all_parties;
    for (int i = 0; i < r->nparties && !party_ok; i++) {
        for (int k = 0; k < w->nconsent; k++)
            party_ok |= r->parties[i] == w->consent[k];
        for (int k = 0; k < w->nsuppliers; k++)
            party_ok |= r->parties[i] == w->suppliers[k];
    }
    if (!party_ok)
        return 0;
    space s = {0};
    space_add(p, r->root, &s);
    s.used[CAV_F_WEAPON] = 0;
    s.fixed_weapon = weapon + 1;
    pair_ctx c = {r, NULL, rule, -1, r->from};
    /* undecidable in the budget: keep the rule rather than hide it */
    return enumerate(p, &s, visit_true, &c, NULL) != 0;
}

/* The first embedded boundary containing (lat, lon), or -1. */
static int country_at(const cav_locator *loc, double lat, double lon) {
    uint64_t in[CAV_MAX_ZONE_WORDS * 4];
    if (!loc || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
        return -1;
    cav__locator_find(loc, lat, lon, in);
    for (int i = 0; i < cav__borders_count(); i++)
        if ((in[i >> 6] >> (i & 63)) & 1u)
            return i;
    return -1;
}

/* A GIS habit: a zone drawn with latitude and longitude swapped lies outside every country. Each
 * user-drawn zone (exact edges) whose inner point is in no country with boundary data is
 * reported, with the country it would fall in if the coordinates were swapped. */
static void lint_zone_places(const cav_pack *p, cav_diags *diags) {
    const cav_locator *loc = cav__borders_locator();
    GEOSContextHandle_t h = GEOS_init_r();
    for (int z = 0; h && loc && z < p->nzones; z++) {
        const cav_zone *zone = &p->zones[z];
        if (zone->implicit || zone->precision_m > 0)
            continue;
        GEOSGeometry *g = cav__zone_geom(p, z, h);
        GEOSGeometry *pt = g ? GEOSPointOnSurface_r(h, g) : NULL;
        double lon = 0, lat = 0;
        int ok = pt && GEOSGeomGetX_r(h, pt, &lon) == 1 && GEOSGeomGetY_r(h, pt, &lat) == 1;
        if (ok && country_at(loc, lat, lon) < 0) {
            int swapped = country_at(loc, lon, lat);
            cav_buf msg = {0};
            cav__buf_printf(&msg, "zone '%s' lies outside every country with boundary data",
                            zone->id);
            const char *file =
                zone->file >= 0 && zone->file < p->nfiles ? p->file_names[zone->file] : NULL;
            cav_buf hint = {0};
            if (swapped >= 0)
                cav__buf_printf(&hint,
                                "with latitude and longitude swapped it would lie in %s (%s): "
                                "zones are written latitude first",
                                cav__borders_code(swapped), cav__borders_name(swapped));
            cav__diag_add(diags, CAV_SEV_WARNING, file, NULL, zone->line, 1,
                          hint.len ? hint.data : "check its coordinates", "%s",
                          msg.data ? msg.data : "");
            cav__diag_code(diags, "zone-outside-countries");
            cav_buf_free(&msg);
            cav_buf_free(&hint);
        }
        if (pt)
            GEOSGeom_destroy_r(h, pt);
        if (g)
            GEOSGeom_destroy_r(h, g);
    }
    if (h)
        GEOS_finish_r(h);
}

int cav_pack_lint(const cav_pack *p, unsigned flags, cav_diags *diags) {
    if (!p)
        return CAV_EINVAL;
    if (!(flags & CAV_LINT_OVERLAPS))
        lint_zone_places(p, diags);
    int rc = cav__pack_analyze(p, diags, (flags & CAV_LINT_OVERLAPS) != 0);
    cav__diags_sort(diags, 0);
    return rc;
}
