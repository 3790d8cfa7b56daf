/* explain.c — decisions in words and as DESIGN.md JSON.
 *
 * Every decision names what decided it: the deciding rules with their dates and sources, the
 * default deny, or the absence of any rule in force. With CAV_EXPLAIN_NEAREST, a use prohibited
 * by default also gets, for the permit rules in force that came closest (fewest failed tests),
 * the tests that failed ("purpose is strike, rule needs counterfire"; "target is outside
 * kharkiv-border"). Explaining re-evaluates rules; it is not on the hot path but it allocates
 * nothing either: all text goes into the caller's buffer through cav_out.
 */
#include "core/util.h"
#include "lang/pack.h"

#include <string.h>

enum { MAX_LEAVES = 16 };

typedef struct leaf {
    int node;
    int flip; /* 1: the test held but the rule needs it not to */
} leaf;

typedef struct leaves {
    leaf v[MAX_LEAVES];
    int n;
} leaves;

static void add_leaf(leaves *l, int node, int flip) {
    if (l->n < MAX_LEAVES)
        l->v[l->n++] = (leaf){node, flip};
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
        const leaves *best = a.n <= b.n ? &a : &b;
        for (int i = 0; i < best->n; i++)
            add_leaf(out, best->v[i].node, best->v[i].flip);
        break;
    }
    default: why_true(p, node->a, f, out); break;
    }
}

/* Collects the tests that make node n true (under a `not`, these are what failed). */
static void why_true(const cav_pack *p, int n, const cav_facts *f, leaves *out) {
    const cav_node *node = &p->nodes[n];
    switch (node->op) {
    case CAV_N_TEST: add_leaf(out, n, 1); break;
    case CAV_N_AND:
        why_true(p, node->a, f, out);
        why_true(p, node->b, f, out);
        break;
    case CAV_N_OR:
        why_true(p, cav__eval_node(p, node->a, f) == CAV_TRUE ? node->a : node->b, f, out);
        break;
    default: why_false(p, node->a, f, out); break;
    }
}

static const char *field_label(cav_field f) {
    switch (f) {
    case CAV_F_WEAPON: return "weapon";
    case CAV_F_CLASS: return "weapon class";
    case CAV_F_KIND: return "target kind";
    case CAV_F_STATE: return "target state";
    case CAV_F_PURPOSE: return "purpose";
    case CAV_F_SUPPLIER: return "supplier";
    case CAV_F_TARGET: return "target";
    default: return "launch point";
    }
}

static void put_values(cav_out *o, const cav_node *node, const char *conj) {
    for (int i = 0; i < node->nvals; i++) {
        if (i > 0)
            cav__out_puts(o, i == node->nvals - 1 ? conj : ", ");
        cav__out_puts(o, node->vals[i]);
    }
}

/* "purpose is strike, rule needs counterfire" and the like. */
static void render_leaf(const cav_pack *p, const cav_facts *f, const leaf *l, cav_out *o) {
    const cav_node *node = &p->nodes[l->node];
    cav_field src = (cav_field)node->src_field;
    int negated = node->test == CAV_T_NE || node->test == CAV_T_NOT_IN;
    int excludes = negated != l->flip; /* the rule wants the value outside the set */
    const char *label = field_label(src);
    if (src == CAV_F_TARGET || src == CAV_F_LAUNCH) {
        const uint64_t *zones = src == CAV_F_TARGET ? f->target_zones : f->launch_zones;
        if (!zones) {
            cav__out_printf(o, "%s is not given, rule needs it %s ", label,
                            excludes ? "outside" : "inside");
            put_values(o, node, excludes ? " and " : " or ");
            return;
        }
        cav__out_printf(o, "%s is %s ", label, excludes ? "inside" : "outside");
        put_values(o, node, excludes ? " or " : " and ");
        return;
    }
    const char *actual = NULL;
    switch (src) {
    case CAV_F_WEAPON: actual = p->weapons[f->weapon].id; break;
    case CAV_F_CLASS: actual = f->wclass >= 0 ? p->classes[f->wclass].id : "?"; break;
    case CAV_F_KIND: actual = p->kinds[f->kind].id; break;
    case CAV_F_STATE: actual = f->state ? "airborne" : "ground"; break;
    case CAV_F_PURPOSE: actual = f->purpose >= 0 ? p->purposes[f->purpose].id : NULL; break;
    default: actual = f->supplier >= 0 ? p->parties[f->supplier].code : NULL; break;
    }
    if (actual)
        cav__out_printf(o, "%s is %s, rule %s ", label, actual, excludes ? "excludes" : "needs");
    else
        cav__out_printf(o, "%s is not given, rule %s ", label, excludes ? "excludes" : "needs");
    put_values(o, node, excludes ? " and " : " or ");
}

static void put_interval(cav_out *o, const cav_rule *r) {
    char from[11], until[11];
    cav_date_format(r->from, from);
    if (r->has_until) {
        cav_date_format(r->until, until);
        cav__out_printf(o, "%s, from %s until %s", r->id, from, until);
    } else {
        cav__out_printf(o, "%s, since %s", r->id, from);
    }
}

static void explain_rules(const cav_pack *p, const cav_party_decision *pd, cav_out *o) {
    const char *party = p->parties[pd->party].code;
    const char *verb = pd->verdict == CAV_PERMITTED ? "permits" : "forbids";
    cav__out_printf(o, "%s %s ", party, verb);
    for (int i = 0; i < pd->nrules; i++) {
        const cav_rule *r = &p->rules[pd->rules[i]];
        if (i > 0)
            cav__out_puts(o, i == pd->nrules - 1 ? " and " : ", ");
        cav__out_puts(o, r->says ? r->says : "this use");
        cav__out_puts(o, " (");
        put_interval(o, r);
        cav__out_puts(o, ")");
    }
    cav__out_puts(o, ".");
    for (int i = 0; i < pd->nrules; i++) {
        const cav_rule *r = &p->rules[pd->rules[i]];
        if (r->disputed)
            cav__out_printf(o, " Rule %s is disputed: %s", r->id, r->disputed);
    }
}

/* For a party prohibited by default: the nearest permit rules and what they lacked. */
static void explain_nearest(const cav_pack *p, const cav_query *q, const cav_facts *f,
                            const cav_party_decision *pd, cav_out *o) {
    const cav_epoch *ep = cav__epoch_of(p, pd->party, q->date);
    int best[2] = {-1, -1}, bestn[2] = {MAX_LEAVES + 1, MAX_LEAVES + 1};
    for (int i = 0; i < ep->nrules; i++) {
        const cav_rule *r = &p->rules[ep->rules[i]];
        if (r->forbid || r->root < 0)
            continue;
        leaves l = {0};
        why_false(p, r->root, f, &l);
        for (int k = 0; k < 2; k++)
            if (l.n < bestn[k]) {
                if (k == 0) {
                    best[1] = best[0];
                    bestn[1] = bestn[0];
                }
                best[k] = ep->rules[i];
                bestn[k] = l.n;
                break;
            }
    }
    for (int k = 0; k < 2 && best[k] >= 0; k++) {
        const cav_rule *r = &p->rules[best[k]];
        leaves l = {0};
        why_false(p, r->root, f, &l);
        cav__out_printf(o, " %s %s does not apply: ", k == 0 ? "Nearest permit" : "Next", r->id);
        for (int i = 0; i < l.n; i++) {
            if (i > 0)
                cav__out_puts(o, "; ");
            render_leaf(p, f, &l.v[i], o);
        }
        cav__out_puts(o, ".");
    }
}

static void explain_missing(const cav_pack *p, const cav_query *q, const cav_facts *f,
                            const cav_party_decision *pd, cav_out *o) {
    const cav_epoch *ep = cav__epoch_of(p, pd->party, q->date);
    for (int i = 0; i < ep->nrules; i++) {
        const cav_rule *r = &p->rules[ep->rules[i]];
        if (r->root < 0 || cav__eval_node(p, r->root, f) != CAV_UNDET)
            continue;
        cav__out_printf(o, " Rule %s could not apply: the query gives no ", r->id);
        unsigned m = r->needs & pd->missing;
        const char *sep = "";
        if (m & CAV_FIELD_PURPOSE) {
            cav__out_printf(o, "%spurpose", sep);
            sep = " or ";
        }
        if (m & CAV_FIELD_LAUNCH) {
            cav__out_printf(o, "%slaunch point", sep);
            sep = " or ";
        }
        if (m & CAV_FIELD_SUPPLIER)
            cav__out_printf(o, "%ssupplier", sep);
        cav__out_puts(o, ".");
    }
}

static void explain_into(const cav_pack *p, const cav_query *q, const cav_decision *d,
                         unsigned flags, cav_out *o) {
    uint64_t scratch[2 * CAV_MAX_ZONE_WORDS];
    memset(scratch, 0, sizeof(uint64_t) * 2 * (size_t)p->zone_words);
    cav_facts f;
    cav__facts_of(p, q, scratch, &f);
    char date[11];
    cav_date_format(q->date, date);
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        const char *party = p->parties[pd->party].code;
        if (i > 0)
            cav__out_puts(o, " ");
        switch (pd->basis) {
        case CAV_BASIS_RULE: explain_rules(p, pd, o); break;
        case CAV_BASIS_DEFAULT:
            cav__out_printf(o, "No rule of %s in force on %s permits this use (default deny).",
                            party, date);
            if (flags & CAV_EXPLAIN_NEAREST)
                explain_nearest(p, q, &f, pd, o);
            break;
        default:
            cav__out_printf(o,
                            "%s has no conditions on record in force on %s; its position is "
                            "unknown.",
                            party, date);
            break;
        }
        if (pd->missing)
            explain_missing(p, q, &f, pd, o);
    }
}

size_t cav_explain(const cav_pack *p, const cav_query *q, const cav_decision *d, unsigned flags,
                   char *buf, size_t size) {
    cav_out o;
    cav__out_init(&o, buf, size);
    explain_into(p, q, d, flags, &o);
    return o.len;
}

static void put_party_json(const cav_pack *p, const cav_party_decision *pd, cav_out *o) {
    cav__out_puts(o, "{\"party\": ");
    cav__out_json_str(o, p->parties[pd->party].code);
    cav__out_printf(o, ", \"decision\": \"%s\"", cav_verdict_name(pd->verdict));
    if (pd->basis != CAV_BASIS_RULE) {
        cav__out_printf(o, ", \"rule\": null, \"basis\": \"%s\"",
                        pd->basis == CAV_BASIS_DEFAULT ? "default-deny" : "no-rules-in-force");
    } else {
        const cav_rule *first = &p->rules[pd->rules[0]];
        cav__out_puts(o, ", \"rule\": ");
        cav__out_json_str(o, first->id);
        if (pd->nrules > 1) {
            cav__out_puts(o, ", \"rules\": [");
            for (int i = 0; i < pd->nrules; i++) {
                if (i)
                    cav__out_puts(o, ", ");
                cav__out_json_str(o, p->rules[pd->rules[i]].id);
            }
            cav__out_puts(o, "]");
        }
        char date[11];
        cav_date_format(first->from, date);
        cav__out_printf(o, ", \"since\": \"%s\"", date);
        if (first->has_until) {
            cav_date_format(first->until, date);
            cav__out_printf(o, ", \"until\": \"%s\"", date);
        }
        /* sources of all deciding rules, each once, in pack order */
        cav__out_puts(o, ", \"sources\": [");
        int printed = 0;
        for (int s = 0; s < p->nsources; s++) {
            int cited = 0;
            for (int i = 0; i < pd->nrules && !cited; i++) {
                const cav_rule *r = &p->rules[pd->rules[i]];
                for (int k = 0; k < r->nsources; k++)
                    cited |= r->sources[k] == s;
            }
            if (cited) {
                cav__out_puts(o, printed++ ? ", " : "");
                cav__out_json_str(o, p->sources[s].id);
            }
        }
        cav__out_puts(o, "]");
        for (int i = 0; i < pd->nrules; i++)
            if (p->rules[pd->rules[i]].disputed) {
                cav__out_puts(o, ", \"disputed\": true");
                break;
            }
    }
    if (pd->missing) {
        cav__out_puts(o, ", \"missing\": [");
        const char *sep = "";
        if (pd->missing & CAV_FIELD_PURPOSE) {
            cav__out_printf(o, "%s\"purpose\"", sep);
            sep = ", ";
        }
        if (pd->missing & CAV_FIELD_LAUNCH) {
            cav__out_printf(o, "%s\"launch\"", sep);
            sep = ", ";
        }
        if (pd->missing & CAV_FIELD_SUPPLIER)
            cav__out_printf(o, "%s\"supplier\"", sep);
        cav__out_puts(o, "]");
    }
    cav__out_puts(o, "}");
}

size_t cav_decision_json(const cav_pack *p, const cav_query *q, const cav_decision *d,
                         const char *id_json, unsigned flags, char *buf, size_t size) {
    cav_out o;
    cav__out_init(&o, buf, size);
    cav__out_puts(&o, "{\"id\": ");
    cav__out_puts(&o, id_json && *id_json ? id_json : "null");
    cav__out_printf(&o, ", \"decision\": \"%s\", \"parties\": [", cav_verdict_name(d->verdict));
    for (int i = 0; i < d->nparties; i++) {
        if (i)
            cav__out_puts(&o, ", ");
        put_party_json(p, &d->parties[i], &o);
    }
    cav__out_puts(&o, "], \"explanation\": ");
    char text[4096];
    cav_out t;
    cav__out_init(&t, text, sizeof text);
    explain_into(p, q, d, flags, &t);
    cav__out_json_str(&o, text);
    cav__out_puts(&o, "}");
    return o.len;
}
