/* explain.c — decisions in words and as JSON (docs/semantics.md, "Decision").
 *
 * Every decision names what decided it: the deciding rules with their dates and sources, the
 * default deny, the silence of a party's record, or the facts that would settle an indeterminate
 * answer (a missing field and the values that would decide either way; a zone edge and the
 * distance to it). Every decision also names the pack's assumed zones it rests on, the disputed
 * rules it uses, the dates between which it holds and the pack that made it. With CAV_EXPLAIN,
 * each deciding rule's `says` and `quote` follow, and for a use that is not permitted, why not:
 * the permits in force that came nearest (fewest failed tests; ties: the latest `from`), each
 * failed test with its measure (the distance to the zone it needs, the value a field would
 * need), and the first later date on which the same use is permitted.
 *
 * Explaining re-evaluates rules and may measure distances; it is not on the hot path. All text
 * goes into the caller's growable buffer: nothing is cut.
 */
#include "core/num.h"
#include "core/util.h"
#include "lang/pack.h"

#include <math.h>
#include <string.h>

enum { MAX_LEAVES = 16, MAX_NEAREST = 2, MAX_ZONES = 64 };

/* ---- leaves: the tests that keep a condition from being true --------------------------------- */

typedef struct leaf {
    int node;
    int flip; /* 1: the test held but the rule needs it not to */
} leaf;

typedef struct leaves {
    leaf v[MAX_LEAVES];
    int n;
    int total; /* leaves found, kept or not */
} leaves;

static void add_leaf(leaves *l, int node, int flip) {
    if (l->n < MAX_LEAVES)
        l->v[l->n++] = (leaf){node, flip};
    l->total++;
}

static void why_true(const cav_pack *p, int n, const cav_facts *f, leaves *out);

/* Collects the tests that keep node n from being true. */
static void why_false(const cav_pack *p, int n, const cav_facts *f, leaves *out) {
    const cav_node *node = &p->nodes[n];
    switch (node->op) {
    case CAV_N_TEST: add_leaf(out, n, 0); break;
    case CAV_N_AND:
        if (cav__eval_node(p, node->a, f) != CAV_TRUE)
            why_false(p, node->a, f, out);
        if (cav__eval_node(p, node->b, f) != CAV_TRUE)
            why_false(p, node->b, f, out);
        break;
    case CAV_N_OR: {
        leaves a = {0}, b = {0};
        why_false(p, node->a, f, &a);
        why_false(p, node->b, f, &b);
        const leaves *best = a.total <= b.total ? &a : &b;
        for (int i = 0; i < best->n; i++)
            add_leaf(out, best->v[i].node, best->v[i].flip);
        out->total += best->total - best->n;
        break;
    }
    default: why_true(p, node->a, f, out); break;
    }
}

/* Collects the tests that make node n true or undetermined (under a `not`, these failed). */
static void why_true(const cav_pack *p, int n, const cav_facts *f, leaves *out) {
    const cav_node *node = &p->nodes[n];
    switch (node->op) {
    case CAV_N_TEST: add_leaf(out, n, 1); break;
    case CAV_N_AND:
        why_true(p, node->a, f, out);
        why_true(p, node->b, f, out);
        break;
    case CAV_N_OR:
        if (cav__eval_node(p, node->a, f) != CAV_FALSE)
            why_true(p, node->a, f, out);
        if (cav__eval_node(p, node->b, f) != CAV_FALSE)
            why_true(p, node->b, f, out);
        break;
    default: why_false(p, node->a, f, out); break;
    }
}

/* ---- small helpers ------------------------------------------------------------------------- */

static const char *field_label(cav_field f) {
    switch (f) {
    case CAV_F_WEAPON: return "weapon";
    case CAV_F_CLASS: return "weapon class";
    case CAV_F_KIND: return "target kind";
    case CAV_F_STATE: return "target state";
    case CAV_F_ROLE: return "target role";
    case CAV_F_PURPOSE: return "purpose";
    case CAV_F_SUPPLIER: return "supplier";
    case CAV_F_TARGET: return "target";
    default: return "launch point";
    }
}

/* The query field name a condition field reads, as in the query format. */
static const char *field_json(cav_field f) {
    switch (f) {
    case CAV_F_WEAPON: return "weapon";
    case CAV_F_CLASS: return "weapon.class";
    case CAV_F_KIND: return "target.kind";
    case CAV_F_STATE: return "target.state";
    case CAV_F_ROLE: return "target.role";
    case CAV_F_PURPOSE: return "purpose";
    case CAV_F_SUPPLIER: return "supplier";
    case CAV_F_TARGET: return "target";
    default: return "launch";
    }
}

static void put_date(cav_buf *o, int32_t d) {
    char s[11];
    cav_date_format(d, s);
    cav__buf_puts(o, s);
}

static void put_date_json(cav_buf *o, int32_t d) {
    if (d == INT32_MIN || d == CAV_DATE_OPEN) {
        cav__buf_puts(o, "null");
        return;
    }
    cav__buf_putc(o, '"');
    put_date(o, d);
    cav__buf_putc(o, '"');
}

static void put_values(cav_buf *o, const cav_node *node, const char *conj) {
    for (int i = 0; i < node->nvals; i++) {
        if (i > 0)
            cav__buf_puts(o, i == node->nvals - 1 ? conj : ", ");
        cav__buf_puts(o, node->vals[i]);
    }
}

/* The value of a condition field in the query, or NULL when not given. */
static const char *actual_value(const cav_pack *p, const cav_facts *f, cav_field src) {
    switch (src) {
    case CAV_F_WEAPON: return p->weapons[f->weapon].id;
    case CAV_F_CLASS: return f->wclass >= 0 ? p->classes[f->wclass].id : NULL;
    case CAV_F_KIND: return p->kinds[f->kind].id;
    case CAV_F_STATE: return cav_catalog_name(p, CAV_CAT_STATE, f->state);
    case CAV_F_ROLE: return f->role >= 0 ? cav_catalog_name(p, CAV_CAT_ROLE, f->role) : NULL;
    case CAV_F_PURPOSE: return f->purpose >= 0 ? p->purposes[f->purpose].id : NULL;
    case CAV_F_SUPPLIER: return f->supplier >= 0 ? p->parties[f->supplier].code : NULL;
    default: return NULL;
    }
}

typedef struct zone_visit {
    const cav_pack *p;
    void (*fn)(void *, int, int);
    void *ud;
} zone_visit;

static void visit_zones(void *ud, const cav_node *node) {
    const zone_visit *v = ud;
    if (node->field != CAV_F_TARGET && node->field != CAV_F_LAUNCH)
        return;
    const uint64_t *set = v->p->words + node->set;
    for (int z = 0; z < v->p->nzones; z++)
        if ((set[z >> 6] >> (z & 63)) & 1u)
            v->fn(v->ud, z, node->field);
}

/* Walks the place tests of the condition at node n, calling fn(ud, zone, field) for every zone
 * named. */
static void rule_zones(const cav_pack *p, int n, void (*fn)(void *, int, int), void *ud) {
    zone_visit v = {p, fn, ud};
    cav__node_tests(p, n, visit_zones, &v);
}

typedef struct zone_list {
    int v[MAX_ZONES];
    int n, total;
} zone_list;

static void add_assumed(void *ud, int z, int field) {
    (void)field;
    zone_list *l = ud;
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == z)
            return;
    if (l->n < MAX_ZONES)
        l->v[l->n++] = z;
    l->total++;
}

static int is_assumed(const cav_pack *p, int z) {
    return (int)((p->assumed[z >> 6] >> (z & 63)) & 1u);
}

/* The rules whose tests a party's decision rests on: its deciding rules, or for a default deny
 * the permits in force that speak of the weapon. */
static int considered_rules(const cav_pack *p, const cav_party_decision *pd, int32_t date,
                            const cav_facts *f, int *out, int max) {
    if (pd->basis != CAV_BASIS_DEFAULT)
        return cav__deciding_rules(p, pd, date, f, out, max);
    const cav_epoch *ep = cav__epoch_of(p, pd->party, date);
    int n = 0;
    for (int i = 0; i < ep->nrules; i++) {
        int r = ep->rules[i];
        if (p->rules[r].forbid || !cav__rule_speaks(p, r, f->weapon))
            continue;
        if (n < max)
            out[n] = r;
        n++;
    }
    return n;
}

/* Exact distances to zone edges measured for one decision (zone_edge_km): its text and its JSON
 * each name them, and a geodesic costs 100,000 instructions. */
typedef struct edge_memo {
    int n;
    int zone[8], field[8];
    double m[8];
} edge_memo;

typedef struct ctx {
    const cav_pack *p;
    const cav_query *q;
    const cav_decision *d;
    cav_facts f;
    uint64_t scratch[CAV_FACT_WORDS];
    unsigned flags;
    edge_memo *edges; /* -> edge_store: filled while the decision is written */
    edge_memo edge_store;
} ctx;

static void ctx_init(ctx *c, const cav_pack *p, const cav_query *q, const cav_decision *d,
                     unsigned flags) {
    c->p = p;
    c->q = q;
    c->d = d;
    c->flags = flags;
    c->edge_store.n = 0;
    c->edges = &c->edge_store;
    cav__facts_of(p, q, c->scratch, &c->f);
}

/* 1 when exception e of a deciding forbid failed for a reason its place tests cannot change: it
 * is out of force on the date, or its condition is false with every zone answered "unsure".
 * Such an exception's zones did not decide the answer. */
static int fails_off_place(const ctx *c, int e) {
    const cav_pack *p = c->p;
    const cav_rule *r = &p->rules[e];
    if (c->q->date < r->from || c->q->date >= r->until)
        return 1;
    if (r->root < 0)
        return 0;
    static const uint64_t all[CAV_MAX_ZONE_WORDS] = {0};
    uint64_t every[CAV_MAX_ZONE_WORDS];
    memset(every, 0xff, sizeof every);
    cav_facts f = c->f;
    f.target_in = all;
    f.target_unsure = every;
    if (f.launch_in) {
        f.launch_in = all;
        f.launch_unsure = every;
    }
    return cav__eval_node(p, r->root, &f) == CAV_FALSE;
}

/* The assumed zones the decision rests on, in zone order: those the considered rules test, and
 * those of a deciding forbid's exceptions that failed on their place. */
static void assumptions_of(const ctx *c, zone_list *zl) {
    memset(zl, 0, sizeof *zl);
    const cav_pack *p = c->p;
    for (int i = 0; i < c->d->nparties; i++) {
        const cav_party_decision *pd = &c->d->parties[i];
        if (pd->basis == CAV_BASIS_SILENT)
            continue;
        int rules[256];
        int n = considered_rules(p, pd, c->q->date, &c->f, rules, 256);
        for (int k = 0; k < n && k < 256; k++) {
            const cav_rule *r = &p->rules[rules[k]];
            rule_zones(p, r->root, add_assumed, zl);
            for (int e = 0; e < r->nunless; e++)
                if (!fails_off_place(c, r->unless[e]))
                    rule_zones(p, p->rules[r->unless[e]].root, add_assumed, zl);
        }
    }
    int k = 0;
    for (int i = 0; i < zl->n; i++)
        if (is_assumed(p, zl->v[i]))
            zl->v[k++] = zl->v[i];
    zl->n = k;
    /* zone order, so the list reads the same whatever the rule order */
    for (int i = 1; i < zl->n; i++)
        for (int j = i; j > 0 && zl->v[j - 1] > zl->v[j]; j--) {
            int t = zl->v[j];
            zl->v[j] = zl->v[j - 1];
            zl->v[j - 1] = t;
        }
}

int cav_decision_assumptions(const cav_pack *p, const cav_query *q, const cav_decision *d, int *out,
                             int max) {
    ctx c;
    ctx_init(&c, p, q, d, 0);
    zone_list zl;
    assumptions_of(&c, &zl);
    for (int i = 0; i < zl.n && i < max; i++)
        out[i] = zl.v[i];
    return zl.n;
}

static int party_disputed(const ctx *c, const cav_party_decision *pd) {
    int rules[CAV_MAX_DECIDING];
    int n = pd->nrules < CAV_MAX_DECIDING ? pd->nrules : CAV_MAX_DECIDING;
    memcpy(rules, pd->rules, (size_t)n * sizeof *rules);
    for (int i = 0; i < n; i++)
        if (c->p->rules[rules[i]].disputed)
            return 1;
    return 0;
}

int cav_decision_disputed(const cav_pack *p, const cav_decision *d) {
    for (int i = 0; i < d->nparties; i++)
        for (int k = 0; k < d->parties[i].nrules && k < CAV_MAX_DECIDING; k++)
            if (p->rules[d->parties[i].rules[k]].disputed)
                return 1;
    return 0;
}

/* The notes a decision carries: a note with a condition, of a party whose consent the use needs,
 * in force on the date, whose condition is not false for the query. */
static int carried_notes(const ctx *c, int *out, int max) {
    const cav_pack *p = c->p;
    int n = 0;
    for (int k = 0; k < p->nnotes; k++) {
        const cav_note *note = &p->notes[k];
        if (note->root < 0 || (note->has_date && (c->q->date < note->date)) ||
            c->q->date >= note->until)
            continue;
        int concerns = 0;
        for (int i = 0; i < c->d->nparties && !concerns; i++)
            for (int j = 0; j < note->nparties; j++)
                concerns |= note->parties[j] == c->d->parties[i].party;
        if (!concerns || cav__eval_node(p, note->root, &c->f) == CAV_FALSE)
            continue;
        if (n < max)
            out[n] = k;
        n++;
    }
    return n < max ? n : max;
}

/* The deciding rules of d that rest on an assumption (cav_rule.assumption). */
static int assumed_rules(const ctx *c, int *out, int max) {
    int n = 0;
    for (int i = 0; i < c->d->nparties; i++) {
        int rules[256];
        int m = cav__deciding_rules(c->p, &c->d->parties[i], c->q->date, &c->f, rules, 256);
        for (int k = 0; k < m && k < 256; k++) {
            int seen = 0;
            for (int j = 0; j < n && j < max; j++)
                seen |= out[j] == rules[k];
            if (!seen && c->p->rules[rules[k]].assumption && n < max)
                out[n++] = rules[k];
        }
    }
    return n;
}

/* ---- measures ------------------------------------------------------------------------------ */

/* Distance in km from the query's point for field src to the nearest edge of the zones of node;
 * -1 when unknown. */
static double edge_km(const ctx *c, const cav_node *node, int *zone_out) {
    const cav_pack *p = c->p;
    int launch = node->src_field == CAV_F_LAUNCH;
    if (launch && !c->q->has_launch)
        return -1;
    double lat = launch ? c->q->launch_lat : c->q->target_lat;
    double lon = launch ? c->q->launch_lon : c->q->target_lon;
    const uint64_t *set = p->words + node->set;
    double best = -1;
    for (int z = 0; z < p->nzones; z++) {
        if (!((set[z >> 6] >> (z & 63)) & 1u))
            continue;
        double m = cav__locator_distance(p->locator, z, lat, lon);
        if (m >= 0 && (best < 0 || m < best)) {
            best = m;
            *zone_out = z;
        }
    }
    return best < 0 ? -1 : best / 1000.0;
}

static void put_km(cav_buf *o, double km) {
    cav__buf_fixed(o, km, cav__km_decimals(km, 0));
    cav__buf_puts(o, " km");
}

/* "purpose is strike, rule needs counterfire", "target is 23 km outside kharkiv-border". */
static void render_leaf(const ctx *c, const leaf *l, cav_buf *o) {
    const cav_pack *p = c->p;
    const cav_node *node = &p->nodes[l->node];
    cav_field src = (cav_field)node->src_field;
    int negated = node->test == CAV_T_NE || node->test == CAV_T_NOT_IN;
    int excludes = negated != l->flip; /* the rule wants the value outside the set */
    const char *label = field_label(src);
    if (src == CAV_F_TARGET || src == CAV_F_LAUNCH) {
        const uint64_t *in = src == CAV_F_TARGET ? c->f.target_in : c->f.launch_in;
        if (!in) {
            cav__buf_printf(o, "%s is not given, rule needs it %s ", label,
                            excludes ? "outside" : "inside");
            put_values(o, node, excludes ? " and " : " or ");
            return;
        }
        int z = -1;
        double km = edge_km(c, node, &z);
        cav_tri t = cav__eval_node(p, l->node, &c->f);
        if (t == CAV_UNDET && km >= 0) {
            cav__buf_printf(o, "%s is ", label);
            put_km(o, km);
            cav__buf_printf(o, " from the edge of %s, within the position's uncertainty",
                            p->zones[z].id);
            return;
        }
        cav__buf_printf(o, "%s is ", label);
        if (km >= 0 && !excludes) {
            put_km(o, km);
            cav__buf_puts(o, " outside ");
        } else if (km >= 0) {
            put_km(o, km);
            cav__buf_puts(o, " inside ");
        } else {
            cav__buf_puts(o, excludes ? "inside " : "outside ");
        }
        put_values(o, node, excludes ? " or " : " and ");
        return;
    }
    const char *actual = actual_value(p, &c->f, src);
    if (actual)
        cav__buf_printf(o, "%s is %s, rule %s ", label, actual, excludes ? "excludes" : "needs");
    else
        cav__buf_printf(o, "%s is not given, rule %s ", label, excludes ? "excludes" : "needs");
    put_values(o, node, excludes ? " and " : " or ");
}

static void leaf_json(const ctx *c, const leaf *l, cav_buf *o) {
    const cav_pack *p = c->p;
    const cav_node *node = &p->nodes[l->node];
    cav_field src = (cav_field)node->src_field;
    int negated = node->test == CAV_T_NE || node->test == CAV_T_NOT_IN;
    int excludes = negated != l->flip;
    cav__buf_puts(o, "{\"field\": ");
    cav__buf_json_str(o, field_json(src));
    cav__buf_puts(o, excludes ? ", \"excludes\": [" : ", \"needs\": [");
    for (int i = 0; i < node->nvals; i++) {
        if (i)
            cav__buf_puts(o, ", ");
        cav__buf_json_str(o, node->vals[i]);
    }
    cav__buf_puts(o, "]");
    if (src == CAV_F_TARGET || src == CAV_F_LAUNCH) {
        int z = -1;
        double km = edge_km(c, node, &z);
        const uint64_t *in = src == CAV_F_TARGET ? c->f.target_in : c->f.launch_in;
        if (!in) {
            cav__buf_puts(o, ", \"value\": null");
        } else if (km >= 0) {
            cav__buf_puts(o, ", \"zone\": ");
            cav__buf_json_str(o, p->zones[z].id);
            cav_tri t = cav__eval_node(p, l->node, &c->f);
            cav__buf_puts(o, t == CAV_UNDET ? ", \"edge_km\": "
                             : excludes     ? ", \"inside_km\": "
                                            : ", \"outside_km\": ");
            cav__buf_fixed(o, km, 1);
        }
    } else {
        const char *actual = actual_value(p, &c->f, src);
        cav__buf_puts(o, ", \"value\": ");
        cav__buf_json_str(o, actual);
    }
    cav__buf_puts(o, "}");
}

/* ---- why not: the nearest permits ---------------------------------------------------------- */

typedef struct nearest {
    int rule[MAX_NEAREST];
    leaves why[MAX_NEAREST];
    int n;
} nearest;

/* The permits of pd's party in force that came nearest: fewest failed tests, then the latest
 * `from` (the rule in force most recently), then pack order. */
static void find_nearest(const ctx *c, const cav_party_decision *pd, nearest *out) {
    const cav_pack *p = c->p;
    const cav_epoch *ep = cav__epoch_of(p, pd->party, c->q->date);
    out->n = 0;
    for (int i = 0; i < ep->nrules; i++) {
        int r = ep->rules[i];
        const cav_rule *rule = &p->rules[r];
        if (rule->forbid || rule->root < 0 || cav__rule_value(p, r, c->q->date, &c->f) == CAV_TRUE)
            continue;
        leaves l = {0};
        why_false(p, rule->root, &c->f, &l);
        int pos = out->n;
        while (pos > 0) {
            const leaves *prev = &out->why[pos - 1];
            const cav_rule *pr = &p->rules[out->rule[pos - 1]];
            int better = l.total < prev->total || (l.total == prev->total && rule->from > pr->from);
            if (!better)
                break;
            pos--;
        }
        if (pos >= MAX_NEAREST)
            continue;
        int last = out->n < MAX_NEAREST ? out->n : MAX_NEAREST - 1;
        for (int k = last; k > pos; k--) {
            out->rule[k] = out->rule[k - 1];
            out->why[k] = out->why[k - 1];
        }
        out->rule[pos] = r;
        out->why[pos] = l;
        if (out->n < MAX_NEAREST)
            out->n++;
    }
}

/* The first date after the query's on which the same use is permitted, or CAV_DATE_OPEN. */
static int32_t permitted_from(const ctx *c) {
    const cav_pack *p = c->p;
    int32_t date = c->q->date;
    for (;;) {
        int32_t next = CAV_DATE_OPEN;
        for (int i = 0; i < c->d->nparties; i++) {
            const cav_party_index *ix = &p->index[c->d->parties[i].party];
            for (int e = 0; e < ix->nepochs; e++)
                if (ix->epochs[e].start > date && ix->epochs[e].start < next) {
                    next = ix->epochs[e].start;
                    break;
                }
        }
        if (next == CAV_DATE_OPEN)
            return CAV_DATE_OPEN;
        date = next;
        int all = 1;
        for (int i = 0; i < c->d->nparties && all; i++) {
            cav_party_decision pd;
            cav__decide_party(p, c->d->parties[i].party, date, &c->f, &pd);
            all = pd.verdict == CAV_PERMITTED;
        }
        if (all)
            return date;
    }
}

/* ---- what would settle an indeterminate decision ------------------------------------------- */

/* For a missing catalog field, the verdict the whole query would get with each of its values. */
static void settle_values(const ctx *c, int qfield, cav_verdict *out, int *n) {
    const cav_pack *p = c->p;
    cav_catalog cat = qfield == CAV_Q_PURPOSE       ? CAV_CAT_PURPOSE
                      : qfield == CAV_Q_TARGET_ROLE ? CAV_CAT_ROLE
                                                    : CAV_CAT_PARTY;
    int count = cav_catalog_count(p, cat);
    *n = count < 64 ? count : 64;
    for (int v = 0; v < *n; v++) {
        cav_query q = *c->q;
        if (qfield == CAV_Q_PURPOSE)
            q.purpose = v;
        else if (qfield == CAV_Q_TARGET_ROLE)
            q.role = v;
        else
            q.supplier = v;
        cav_decision d;
        int ok = cav_eval(p, &q, &d) == 0;
        if (ok && qfield == CAV_Q_SUPPLIER) {
            /* a supplier the catalog does not record cannot be given */
            const cav_weapon *w = &p->weapons[q.weapon];
            int listed = w->nsuppliers == 0;
            for (int i = 0; i < w->nsuppliers; i++)
                listed |= w->suppliers[i] == v;
            ok = listed;
        }
        out[v] = ok ? d.verdict : (cav_verdict)-1;
    }
}

static uint32_t missing_of(const cav_decision *d) {
    uint32_t m = 0;
    for (int i = 0; i < d->nparties; i++)
        if (d->parties[i].verdict == CAV_INDETERMINATE)
            m |= d->parties[i].missing;
    return m;
}

static uint32_t unsure_of(const cav_decision *d) {
    uint32_t m = 0;
    for (int i = 0; i < d->nparties; i++)
        if (d->parties[i].verdict == CAV_INDETERMINATE)
            m |= d->parties[i].unsure;
    return m;
}

static const int settle_fields[] = {CAV_Q_PURPOSE, CAV_Q_TARGET_ROLE, CAV_Q_SUPPLIER};

static cav_catalog settle_catalog(int qfield) {
    return qfield == CAV_Q_PURPOSE       ? CAV_CAT_PURPOSE
           : qfield == CAV_Q_TARGET_ROLE ? CAV_CAT_ROLE
                                         : CAV_CAT_PARTY;
}

/* Unsure zones of the indeterminate parties' deciding rules: calls fn(zone, field). */
typedef struct unsure_zones {
    int zone[MAX_ZONES], field[MAX_ZONES];
    int n;
    const ctx *c;
} unsure_zones;

static void add_unsure(void *ud, int z, int field) {
    unsure_zones *u = ud;
    const ctx *c = u->c;
    const uint64_t *un = field == CAV_F_TARGET ? c->f.target_unsure : c->f.launch_unsure;
    if (!un || !((un[z >> 6] >> (z & 63)) & 1u))
        return;
    for (int i = 0; i < u->n; i++)
        if (u->zone[i] == z && u->field[i] == field)
            return;
    if (u->n < MAX_ZONES) {
        u->zone[u->n] = z;
        u->field[u->n++] = field;
    }
}

static void unsure_zones_of(const ctx *c, unsure_zones *u) {
    u->n = 0;
    u->c = c;
    for (int i = 0; i < c->d->nparties; i++) {
        const cav_party_decision *pd = &c->d->parties[i];
        if (pd->verdict != CAV_INDETERMINATE)
            continue;
        int rules[256];
        int n = cav__deciding_rules(c->p, pd, c->q->date, &c->f, rules, 256);
        for (int k = 0; k < n && k < 256; k++) {
            const cav_rule *r = &c->p->rules[rules[k]];
            rule_zones(c->p, r->root, add_unsure, u);
            for (int e = 0; e < r->nunless; e++) {
                const cav_rule *ex = &c->p->rules[r->unless[e]];
                if (c->q->date >= ex->from && c->q->date < ex->until)
                    rule_zones(c->p, ex->root, add_unsure, u);
            }
        }
    }
}

/* Km from the point of field to zone z's edge, as written in text (json 0) or JSON, or -1
 * (cav__locator_edge_km: the geodesic only where the chords' bounds would be written apart). A
 * geodesic measured for one of the decision's texts (its JSON's settle list, its explanation) is
 * kept for the other (c->edges). */
static double zone_edge_km(const ctx *c, int z, int field, int json) {
    int launch = field == CAV_F_LAUNCH;
    double lat = launch ? c->q->launch_lat : c->q->target_lat;
    double lon = launch ? c->q->launch_lon : c->q->target_lon;
    edge_memo *e = c->edges;
    int i = 0;
    while (i < e->n && (e->zone[i] != z || e->field[i] != field))
        i++;
    if (i == e->n && e->n < (int)(sizeof e->m / sizeof *e->m)) {
        e->zone[i] = z;
        e->field[i] = field;
        e->m[i] = NAN;
        e->n++;
    }
    return cav__locator_edge_km(c->p->locator, z, lat, lon, json, i < e->n ? &e->m[i] : NULL);
}

static int zone_has_centre(const ctx *c, int z, int field) {
    const uint64_t *in = field == CAV_F_TARGET ? c->f.target_in : c->f.launch_in;
    return in && ((in[z >> 6] >> (z & 63)) & 1u);
}

static void settle_text(const ctx *c, cav_buf *o) {
    const cav_pack *p = c->p;
    uint32_t missing = missing_of(c->d);
    for (size_t i = 0; i < sizeof settle_fields / sizeof *settle_fields; i++) {
        int qf = settle_fields[i];
        if (!(missing & CAV_QBIT(qf)))
            continue;
        cav_verdict v[64];
        int n;
        settle_values(c, qf, v, &n);
        cav__buf_printf(o, " The query gives no %s:", cav_qfield_name((cav_qfield)qf));
        const char *sep = " ";
        for (int want = CAV_PERMITTED; want <= CAV_UNKNOWN; want++) {
            int any = 0;
            for (int k = 0; k < n; k++)
                if ((int)v[k] == want) {
                    cav__buf_puts(o, any ? ", " : sep);
                    if (!any)
                        cav__buf_printf(o, "%s with ", cav_verdict_name((cav_verdict)want));
                    cav__buf_puts(o, cav_catalog_name(p, settle_catalog(qf), k));
                    any = 1;
                }
            if (any)
                sep = "; ";
        }
        cav__buf_puts(o, ".");
    }
    if (missing & CAV_QBIT(CAV_Q_LAUNCH_LAT))
        cav__buf_puts(o, " The query gives no launch point, which a rule tests.");
    if (unsure_of(c->d)) {
        /* one sentence per position: "The target is 0.5 km outside the edge of RU and 0.5 km
           inside the edge of UA, closer than its position is known (...)." */
        unsure_zones u;
        unsure_zones_of(c, &u);
        for (int field = CAV_F_TARGET; field <= CAV_F_LAUNCH; field++) {
            int k = 0;
            double precision = 0;
            for (int i = 0; i < u.n; i++) {
                if (u.field[i] != field)
                    continue;
                int last = 1;
                for (int j = i + 1; j < u.n; j++)
                    last &= u.field[j] != field;
                if (k++ == 0)
                    cav__buf_printf(o, " The %s is ",
                                    field == CAV_F_TARGET ? "target" : "launch point");
                else
                    cav__buf_puts(o, last ? " and " : ", ");
                double km = zone_edge_km(c, u.zone[i], u.field[i], 0);
                const char *side = zone_has_centre(c, u.zone[i], u.field[i]) ? "inside" : "outside";
                if (km >= 0) {
                    put_km(o, km);
                    cav__buf_printf(o, " %s the edge of %s", side, p->zones[u.zone[i]].id);
                } else {
                    cav__buf_printf(o, "%s %s, near its edge", side, p->zones[u.zone[i]].id);
                }
                if (p->zones[u.zone[i]].precision_m > precision)
                    precision = p->zones[u.zone[i]].precision_m;
            }
            if (!k)
                continue;
            cav__buf_puts(o, ", closer than its position is known");
            if (precision > 0) {
                cav__buf_puts(o, " (the boundary data are precise to about ");
                if (precision >= 1000 && fmod(precision, 1000) == 0)
                    cav__buf_printf(o, "%.0f km", precision / 1000);
                else
                    put_km(o, precision / 1000.0);
                cav__buf_puts(o, ")");
            }
            cav__buf_puts(o, ".");
        }
    }
}

static void settle_json(const ctx *c, cav_buf *o) {
    const cav_pack *p = c->p;
    uint32_t missing = missing_of(c->d);
    cav__buf_puts(o, ", \"settle\": [");
    int items = 0;
    for (size_t i = 0; i < sizeof settle_fields / sizeof *settle_fields; i++) {
        int qf = settle_fields[i];
        if (!(missing & CAV_QBIT(qf)))
            continue;
        cav_verdict v[64];
        int n;
        settle_values(c, qf, v, &n);
        cav__buf_puts(o, items++ ? ", {\"field\": " : "{\"field\": ");
        cav__buf_json_str(o, cav_qfield_name((cav_qfield)qf));
        for (int want = CAV_PERMITTED; want <= CAV_UNKNOWN; want++) {
            cav__buf_printf(o, ", \"%s\": [", cav_verdict_name((cav_verdict)want));
            int any = 0;
            for (int k = 0; k < n; k++)
                if ((int)v[k] == want) {
                    cav__buf_puts(o, any++ ? ", " : "");
                    cav__buf_json_str(o, cav_catalog_name(p, settle_catalog(qf), k));
                }
            cav__buf_puts(o, "]");
        }
        cav__buf_puts(o, "}");
    }
    if (missing & CAV_QBIT(CAV_Q_LAUNCH_LAT)) {
        cav__buf_puts(o, items++ ? ", " : "");
        cav__buf_puts(o, "{\"field\": \"launch\", \"needed\": true}");
    }
    if (unsure_of(c->d)) {
        unsure_zones u;
        unsure_zones_of(c, &u);
        for (int i = 0; i < u.n; i++) {
            cav__buf_puts(o, items++ ? ", {\"field\": " : "{\"field\": ");
            cav__buf_json_str(o, u.field[i] == CAV_F_TARGET ? "target" : "launch");
            cav__buf_puts(o, ", \"zone\": ");
            cav__buf_json_str(o, p->zones[u.zone[i]].id);
            double km = zone_edge_km(c, u.zone[i], u.field[i], 1);
            cav__buf_puts(o, ", \"edge_km\": ");
            if (km >= 0)
                cav__buf_fixed(o, km, cav__km_decimals(km, 1));
            else
                cav__buf_puts(o, "null");
            cav__buf_printf(o, ", \"centre_inside\": %s",
                            zone_has_centre(c, u.zone[i], u.field[i]) ? "true" : "false");
            cav__buf_puts(o, ", \"precision_m\": ");
            cav__buf_double(o, p->zones[u.zone[i]].precision_m);
            cav__buf_puts(o, "}");
        }
    }
    cav__buf_puts(o, "]");
}

/* ---- text ---------------------------------------------------------------------------------- */

static void put_interval(cav_buf *o, const cav_rule *r) {
    if (r->has_until) {
        cav__buf_printf(o, "%s, from ", r->id);
        put_date(o, r->from);
        cav__buf_puts(o, " until ");
        put_date(o, r->until);
    } else {
        cav__buf_printf(o, "%s, since ", r->id);
        put_date(o, r->from);
    }
}

/* Ends the text written so far with a full stop unless it ends with one already ('.', '!' or
 * '?', also before a closing quote or parenthesis). */
static void end_sentence(cav_buf *o) {
    size_t n = o->len;
    while (n && (o->data[n - 1] == '"' || o->data[n - 1] == ')' || o->data[n - 1] == '\''))
        n--;
    if (!n || (o->data[n - 1] != '.' && o->data[n - 1] != '!' && o->data[n - 1] != '?'))
        cav__buf_puts(o, ".");
}

/* A says text on one line (newlines in a policy string would break line-based outputs). */
static void put_says(cav_buf *o, const char *s) {
    while (s && *s) {
        size_t n = strcspn(s, "\n\r");
        cav__buf_put(o, s, n);
        if (!s[n])
            break;
        cav__buf_putc(o, ' ');
        s += n + 1;
    }
}

static void explain_rules(const ctx *c, const cav_party_decision *pd, const char *verb,
                          cav_buf *o) {
    const cav_pack *p = c->p;
    int rules[256];
    int n = cav__deciding_rules(p, pd, c->q->date, &c->f, rules, 256);
    cav__buf_printf(o, "%s %s ", p->parties[pd->party].code, verb);
    for (int i = 0; i < n && i < 256; i++) {
        const cav_rule *r = &p->rules[rules[i]];
        if (i > 0)
            cav__buf_puts(o, i == n - 1 ? " and " : ", ");
        if (r->says)
            put_says(o, r->says);
        else
            cav__buf_puts(o, "this use");
        cav__buf_puts(o, " (");
        put_interval(o, r);
        cav__buf_puts(o, ")");
    }
    if (n > 256)
        cav__buf_printf(o, " and %d more rules", n - 256);
    cav__buf_puts(o, ".");
    for (int i = 0; i < n && i < 256; i++) {
        const cav_rule *r = &p->rules[rules[i]];
        if (r->nunless && !r->forbid)
            continue;
        if (pd->basis == CAV_BASIS_PERMIT) {
            int nex = 0;
            for (int k = 0; k < p->nrules; k++)
                for (int e = 0; e < p->rules[k].nunless; e++)
                    if (p->rules[k].unless[e] == rules[i] &&
                        cav__rule_applies(&p->rules[k], pd->party) &&
                        p->rules[k].from <= c->q->date && c->q->date < p->rules[k].until)
                        cav__buf_printf(o, "%s%s", nex++ ? ", " : " It is an exception to ",
                                        p->rules[k].id);
            if (nex)
                cav__buf_puts(o, nex > 1 ? ", which stay in force." : ", which stays in force.");
        }
    }
    for (int i = 0; i < n && i < 256; i++) {
        const cav_rule *r = &p->rules[rules[i]];
        if (r->disputed) {
            cav__buf_printf(o, " Rule %s is disputed: ", r->id);
            put_says(o, r->disputed);
            end_sentence(o);
        }
        if ((c->flags & CAV_EXPLAIN) && r->quote) {
            cav__buf_printf(o, " %s %s: \"", r->id,
                            r->paraphrase ? "paraphrases its source" : "quotes");
            put_says(o, r->quote);
            cav__buf_puts(o, "\"");
            if (r->nsources)
                cav__buf_printf(o, " (%s)", p->sources[r->sources[0]].id);
            cav__buf_puts(o, ".");
        }
    }
}

static void explain_nearest(const ctx *c, const cav_party_decision *pd, cav_buf *o) {
    nearest nr;
    find_nearest(c, pd, &nr);
    for (int k = 0; k < nr.n; k++) {
        const cav_rule *r = &c->p->rules[nr.rule[k]];
        cav__buf_printf(o, " %s %s does not apply: ", k == 0 ? "Nearest permit" : "Next", r->id);
        for (int i = 0; i < nr.why[k].n; i++) {
            if (i > 0)
                cav__buf_puts(o, "; ");
            render_leaf(c, &nr.why[k].v[i], o);
        }
        if (nr.why[k].total > nr.why[k].n)
            cav__buf_printf(o, "; and %d more tests", nr.why[k].total - nr.why[k].n);
        cav__buf_puts(o, ".");
    }
}

/* The exceptions of pd's deciding forbids that are in force, speak of the weapon and whose own
 * condition has the value `want` on the query, each once, in the order the forbids list them.
 * Returns how many were written to out (at most max). */
static int exceptions_with(const ctx *c, const cav_party_decision *pd, cav_tri want, int *out,
                           int max) {
    const cav_pack *p = c->p;
    int rules[256], nout = 0;
    int n = cav__deciding_rules(p, pd, c->q->date, &c->f, rules, 256);
    for (int i = 0; i < n && i < 256; i++) {
        const cav_rule *fb = &p->rules[rules[i]];
        for (int e = 0; e < fb->nunless && nout < max; e++) {
            int x = fb->unless[e];
            const cav_rule *ex = &p->rules[x];
            int dup = 0;
            for (int k = 0; k < nout; k++)
                dup |= out[k] == x;
            if (!dup && ex->root >= 0 && c->q->date >= ex->from && c->q->date < ex->until &&
                cav__rule_speaks(p, x, c->f.weapon) && cav__eval_node(p, ex->root, &c->f) == want)
                out[nout++] = x;
        }
    }
    return nout;
}

/* For a party that forbids: why each exception of its deciding forbids that is in force and
 * speaks of the weapon does not apply ("Its exception X does not apply: ..."). */
static void explain_exceptions(const ctx *c, const cav_party_decision *pd, cav_buf *o) {
    int ex[64];
    int n = exceptions_with(c, pd, CAV_FALSE, ex, 64);
    for (int i = 0; i < n; i++) {
        const cav_rule *r = &c->p->rules[ex[i]];
        leaves l = {0};
        why_false(c->p, r->root, &c->f, &l);
        cav__buf_printf(o, " Its exception %s does not apply: ", r->id);
        for (int k = 0; k < l.n; k++) {
            if (k > 0)
                cav__buf_puts(o, "; ");
            render_leaf(c, &l.v[k], o);
        }
        if (l.total > l.n)
            cav__buf_printf(o, "; and %d more tests", l.total - l.n);
        cav__buf_puts(o, ".");
    }
}

/* For a party that might forbid: the exceptions of its deciding forbids that might apply, which
 * the facts given do not settle ("Its exception X might apply."). */
static void explain_open_exceptions(const ctx *c, const cav_party_decision *pd, cav_buf *o) {
    int ex[64];
    int n = exceptions_with(c, pd, CAV_UNDET, ex, 64);
    for (int i = 0; i < n; i++)
        cav__buf_printf(o, " Its exception %s might apply.", c->p->rules[ex[i]].id);
}

static void explain_party(const ctx *c, const cav_party_decision *pd, cav_buf *o) {
    const cav_pack *p = c->p;
    const char *party = p->parties[pd->party].code;
    switch (pd->basis) {
    case CAV_BASIS_FORBID:
        explain_rules(c, pd, "forbids", o);
        if (c->flags & CAV_EXPLAIN)
            explain_exceptions(c, pd, o);
        break;
    case CAV_BASIS_PERMIT: explain_rules(c, pd, "permits", o); break;
    case CAV_BASIS_FORBID_UNDET:
        explain_rules(c, pd, "might forbid", o);
        explain_open_exceptions(c, pd, o);
        break;
    case CAV_BASIS_PERMIT_UNDET: explain_rules(c, pd, "might permit", o); break;
    case CAV_BASIS_SILENT:
        cav__buf_printf(o, "No condition of %s in force on ", party);
        put_date(o, c->q->date);
        cav__buf_printf(o, " speaks of %s; its position is unknown.", p->weapons[c->f.weapon].id);
        break;
    default:
        cav__buf_printf(o, "No rule of %s in force on ", party);
        put_date(o, c->q->date);
        cav__buf_puts(o, " permits this use (default deny).");
        if (c->flags & CAV_EXPLAIN)
            explain_nearest(c, pd, o);
        break;
    }
}

static void explain_into(const ctx *c, cav_buf *o) {
    const cav_pack *p = c->p;
    for (int i = 0; i < c->d->nparties; i++) {
        if (i > 0)
            cav__buf_puts(o, " ");
        explain_party(c, &c->d->parties[i], o);
    }
    if (c->d->verdict == CAV_INDETERMINATE)
        settle_text(c, o);
    zone_list zl;
    assumptions_of(c, &zl);
    for (int i = 0; i < zl.n; i++) {
        cav__buf_printf(o, " %s is an assumption of the pack", p->zones[zl.v[i]].id);
        if (p->zones[zl.v[i]].assumption) {
            cav__buf_puts(o, ": ");
            put_says(o, p->zones[zl.v[i]].assumption);
        }
        end_sentence(o);
    }
    int ar[64];
    int nar = assumed_rules(c, ar, 64);
    for (int i = 0; i < nar; i++) {
        cav__buf_printf(o, " Rule %s rests on an assumption of the pack: ", p->rules[ar[i]].id);
        put_says(o, p->rules[ar[i]].assumption);
        end_sentence(o);
    }
    int notes[64];
    int nn = carried_notes(c, notes, 64);
    for (int i = 0; i < nn; i++) {
        const cav_note *note = &p->notes[notes[i]];
        cav__buf_printf(o, " Note %s%s: ", note->id, note->disputed ? " (disputed)" : "");
        put_says(o, note->says ? note->says : note->title);
        if (note->disputed) {
            end_sentence(o);
            cav__buf_puts(o, " Disputed: ");
            put_says(o, note->disputed);
        }
        end_sentence(o);
    }
    if ((c->flags & CAV_EXPLAIN) && c->d->verdict != CAV_PERMITTED) {
        int32_t from = permitted_from(c);
        if (from != CAV_DATE_OPEN) {
            cav__buf_puts(o, " The same use is permitted from ");
            put_date(o, from);
            cav__buf_puts(o, ".");
        } else if (c->d->verdict != CAV_INDETERMINATE) {
            /* (an indeterminate use may well be permitted once the facts are given: what would
             * settle it is said above) */
            cav__buf_puts(o, " No later rule of the pack permits the same use.");
        }
    }
}

int cav_explain(const cav_pack *p, const cav_query *q, const cav_decision *d, unsigned flags,
                cav_buf *out) {
    ctx c;
    ctx_init(&c, p, q, d, flags);
    explain_into(&c, out);
    return cav__buf_status(out);
}

/* d with its validity computed when cav_eval left it unset. */
static const cav_decision *with_validity(const cav_pack *p, const cav_query *q,
                                         const cav_decision *d, cav_decision *copy) {
    if (d->valid_from != CAV_VALIDITY_UNSET)
        return d;
    *copy = *d;
    cav_decision_validity(p, q, copy);
    return copy;
}

int cav_decision_text(const cav_pack *p, const cav_query *q, const cav_decision *d, unsigned flags,
                      cav_buf *out) {
    cav_decision full;
    d = with_validity(p, q, d, &full);
    ctx c;
    ctx_init(&c, p, q, d, flags);
    if (!(flags & CAV_TEXT_NO_VERDICT)) {
        cav__buf_puts(out, cav_verdict_name(d->verdict));
        cav__buf_puts(out, ": ");
    }
    explain_into(&c, out);
    if (d->valid_from != INT32_MIN || d->valid_until != CAV_DATE_OPEN) {
        cav__buf_puts(out, " This holds");
        if (d->valid_from != INT32_MIN) {
            cav__buf_puts(out, " from ");
            put_date(out, d->valid_from);
        }
        if (d->valid_until != CAV_DATE_OPEN) {
            cav__buf_puts(out, " until ");
            put_date(out, d->valid_until);
            cav__buf_puts(out, " (exclusive)");
        }
        cav__buf_puts(out, ".");
    }
    return cav__buf_status(out);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void put_sources_json(const cav_pack *p, const int *rules, int n, cav_buf *o) {
    /* sources of all deciding rules, each once, in pack order */
    cav__buf_puts(o, ", \"sources\": [");
    int printed = 0;
    for (int s = 0; s < p->nsources; s++) {
        int cited = 0;
        for (int i = 0; i < n && !cited; i++) {
            const cav_rule *r = &p->rules[rules[i]];
            for (int k = 0; k < r->nsources; k++)
                cited |= r->sources[k] == s;
        }
        if (cited) {
            cav__buf_puts(o, printed++ ? ", " : "");
            cav__buf_json_str(o, p->sources[s].id);
        }
    }
    cav__buf_puts(o, "]");
}

static void put_party_json(const ctx *c, const cav_party_decision *pd, cav_buf *o) {
    const cav_pack *p = c->p;
    cav__buf_puts(o, "{\"party\": ");
    cav__buf_json_str(o, p->parties[pd->party].code);
    cav__buf_printf(o, ", \"decision\": \"%s\"", cav_verdict_name(pd->verdict));
    int rules[256];
    int n = pd->nrules ? cav__deciding_rules(p, pd, c->q->date, &c->f, rules, 256) : 0;
    int kept = n < 256 ? n : 256;
    if (n == 0) {
        cav__buf_printf(o, ", \"rule\": null, \"basis\": \"%s\"", cav_basis_name(pd->basis));
    } else {
        const cav_rule *first = &p->rules[rules[0]];
        cav__buf_puts(o, ", \"rule\": ");
        cav__buf_json_str(o, first->id);
        if (n > 1) {
            cav__buf_puts(o, ", \"rules\": [");
            for (int i = 0; i < kept; i++) {
                if (i)
                    cav__buf_puts(o, ", ");
                cav__buf_json_str(o, p->rules[rules[i]].id);
            }
            cav__buf_puts(o, "]");
        }
        if (pd->basis != CAV_BASIS_FORBID && pd->basis != CAV_BASIS_PERMIT)
            cav__buf_printf(o, ", \"basis\": \"%s\"", cav_basis_name(pd->basis));
        cav__buf_puts(o, ", \"since\": ");
        put_date_json(o, first->from);
        if (first->has_until) {
            cav__buf_puts(o, ", \"until\": ");
            put_date_json(o, first->until);
        }
        put_sources_json(p, rules, kept, o);
        if (party_disputed(c, pd))
            cav__buf_puts(o, ", \"disputed\": true");
    }
    if (pd->verdict == CAV_INDETERMINATE && pd->missing) {
        cav__buf_puts(o, ", \"missing\": [");
        const char *sep = "";
        for (int f = 0; f < CAV_Q_COUNT; f++)
            if (pd->missing & CAV_QBIT(f)) {
                cav__buf_printf(o, "%s\"%s\"", sep,
                                f == CAV_Q_LAUNCH_LAT ? "launch" : cav_qfield_name((cav_qfield)f));
                sep = ", ";
            }
        cav__buf_puts(o, "]");
    }
    if (pd->verdict == CAV_INDETERMINATE && pd->unsure) {
        cav__buf_puts(o, ", \"unsure\": [");
        if (pd->unsure & CAV_UNSURE_TARGET)
            cav__buf_puts(o, "\"target\"");
        if (pd->unsure & CAV_UNSURE_LAUNCH)
            cav__buf_puts(o, pd->unsure & CAV_UNSURE_TARGET ? ", \"launch\"" : "\"launch\"");
        cav__buf_puts(o, "]");
    }
    if ((c->flags & CAV_EXPLAIN) && n > 0) {
        cav__buf_puts(o, ", \"deciding\": [");
        for (int i = 0; i < kept; i++) {
            const cav_rule *r = &p->rules[rules[i]];
            cav__buf_puts(o, i ? ", {\"rule\": " : "{\"rule\": ");
            cav__buf_json_str(o, r->id);
            cav__buf_puts(o, ", \"says\": ");
            cav__buf_json_str(o, r->says);
            cav__buf_puts(o, r->paraphrase ? ", \"paraphrase\": " : ", \"quote\": ");
            cav__buf_json_str(o, r->quote);
            if (r->disputed) {
                cav__buf_puts(o, ", \"disputed\": ");
                cav__buf_json_str(o, r->disputed);
            }
            cav__buf_puts(o, "}");
        }
        cav__buf_puts(o, "]");
    }
    cav__buf_puts(o, "}");
}

static void why_not_json(const ctx *c, cav_buf *o) {
    const cav_pack *p = c->p;
    cav__buf_puts(o, ", \"why_not\": {\"nearest\": [");
    int items = 0;
    for (int i = 0; i < c->d->nparties; i++) {
        const cav_party_decision *pd = &c->d->parties[i];
        if (pd->verdict == CAV_PERMITTED || pd->verdict == CAV_UNKNOWN)
            continue;
        nearest nr;
        find_nearest(c, pd, &nr);
        for (int k = 0; k < nr.n; k++) {
            const cav_rule *r = &p->rules[nr.rule[k]];
            cav__buf_puts(o, items++ ? ", {\"party\": " : "{\"party\": ");
            cav__buf_json_str(o, p->parties[pd->party].code);
            cav__buf_puts(o, ", \"rule\": ");
            cav__buf_json_str(o, r->id);
            cav__buf_printf(o, ", \"failed_tests\": %d, \"failed\": [", nr.why[k].total);
            for (int l = 0; l < nr.why[k].n; l++) {
                if (l)
                    cav__buf_puts(o, ", ");
                leaf_json(c, &nr.why[k].v[l], o);
            }
            cav__buf_puts(o, "]}");
        }
    }
    cav__buf_puts(o, "], \"permitted_from\": ");
    put_date_json(o, permitted_from(c));
    cav__buf_puts(o, "}");
}

int cav_decision_json(const cav_pack *p, const cav_query *q, const cav_decision *d,
                      const char *id_json, unsigned flags, cav_buf *o) {
    cav_decision full;
    d = with_validity(p, q, d, &full);
    ctx c;
    ctx_init(&c, p, q, d, flags);
    cav__buf_puts(o, "{\"id\": ");
    cav__buf_puts(o, id_json && *id_json ? id_json : "null");
    cav__buf_printf(o, ", \"decision\": \"%s\", \"date\": ", cav_verdict_name(d->verdict));
    put_date_json(o, d->date);
    cav__buf_puts(o, ", \"parties\": [");
    for (int i = 0; i < d->nparties; i++) {
        if (i)
            cav__buf_puts(o, ", ");
        put_party_json(&c, &d->parties[i], o);
    }
    cav__buf_puts(o, "], \"assumptions\": [");
    zone_list zl;
    assumptions_of(&c, &zl);
    for (int i = 0; i < zl.n; i++) {
        if (i)
            cav__buf_puts(o, ", ");
        cav__buf_json_str(o, p->zones[zl.v[i]].id);
    }
    int ar[64];
    int nar = assumed_rules(&c, ar, 64);
    for (int i = 0; i < nar; i++) {
        if (i || zl.n)
            cav__buf_puts(o, ", ");
        cav__buf_json_str(o, p->rules[ar[i]].id);
    }
    cav__buf_printf(o, "], \"disputed\": %s", cav_decision_disputed(p, d) ? "true" : "false");
    int notes[64];
    int nn = carried_notes(&c, notes, 64);
    if (nn) {
        cav__buf_puts(o, ", \"notes\": [");
        for (int i = 0; i < nn; i++) {
            cav__buf_puts(o, i ? ", {\"note\": " : "{\"note\": ");
            cav__buf_json_str(o, p->notes[notes[i]].id);
            cav__buf_printf(o, ", \"disputed\": %s}",
                            p->notes[notes[i]].disputed ? "true" : "false");
        }
        cav__buf_puts(o, "]");
    }
    if (d->verdict == CAV_INDETERMINATE)
        settle_json(&c, o);
    cav__buf_puts(o, ", \"valid\": {\"from\": ");
    put_date_json(o, d->valid_from);
    cav__buf_puts(o, ", \"until\": ");
    put_date_json(o, d->valid_until);
    cav__buf_puts(o, "}, \"pack\": ");
    cav__buf_json_str(o, cav_pack_id(p));
    if ((flags & CAV_EXPLAIN) && d->verdict != CAV_PERMITTED)
        why_not_json(&c, o);
    cav__buf_puts(o, ", \"explanation\": ");
    cav_buf text = {0};
    explain_into(&c, &text);
    if (text.failed)
        o->failed = 1;
    cav__buf_json(o, text.data ? text.data : "", text.len);
    cav_buf_free(&text);
    cav__buf_puts(o, "}");
    return cav__buf_status(o);
}
