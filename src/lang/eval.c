/* eval.c — deciding one query against a compiled pack.
 *
 * Semantics (docs/semantics.md). Conditions are three-valued (Kleene): a test of a field the
 * query does not give (purpose, target role, launch point, supplier) is undetermined, and so is a
 * zone test whose zone edge lies within the position's uncertainty (or within the precision of
 * the boundary data the zone is made from). For each party whose consent the use needs, on the
 * query's date:
 *
 *   1. a forbid whose condition is true                       -> prohibited
 *   2. else no rule of the party's own in force speaks of
 *      this weapon                                            -> unknown (the record is silent)
 *   3. else a forbid whose condition is undetermined          -> indeterminate
 *   4. else a permit whose condition is true                  -> permitted
 *   5. else a permit whose condition is undetermined          -> indeterminate
 *   6. else                                                   -> prohibited (default deny)
 *
 * A rule speaks of a weapon unless its condition is false for that weapon whatever the other
 * facts (compile.c precomputes the set). A forbid's `unless` exceptions in force take it back
 * where they hold: its value is `cond and not (e1 or e2 ...)`, three-valued too. The use is
 * prohibited if any party prohibits, permitted if every party permits, else indeterminate if any
 * party is, else unknown.
 *
 * Each decision carries its validity: the dates between which the same query gets the same
 * verdict from the same rules. A party's decision can change only where its set of rules in
 * force changes, that is at its epochs' starts, so the interval is found by re-deciding at the
 * neighbouring epochs until the answer differs (no loop over days).
 *
 * This is the hot path: no allocation, no string compare; zone membership comes from one
 * locator look-up per point into caller-provided scratch words.
 */
#include "lang/pack.h"

#include <stddef.h>
#include <string.h>

static int has_bit(const uint64_t *set, int i) {
    return (int)((set[i >> 6] >> (i & 63)) & 1u);
}

/* ---- the hot path: postfix conditions on two-bit truth values ---- */

/* Bit 0 "may be true", bit 1 "may be false": true 1, false 2, undetermined 3. Kleene's and, or
 * and not are then bit operations, so a condition is evaluated without branches per operator
 * and without recursion (compile.c emits the programs). A test of a field is a look-up of the
 * field's value in the facts (f->val, indexed by cav_field) and of its bit in the test's set;
 * `!=` and `not in` flip true and false (r ^ 3), which the test's operator says in its low bit.
 * Written out and forced inline: it runs several times a decision (bench/RESULTS.md). */
_Static_assert(CAV_T_EQ == 0 && CAV_T_NE == 1 && CAV_T_IN == 2 && CAV_T_NOT_IN == 3,
               "test2 reads negation from the low bit of the test operator");
_Static_assert(offsetof(cav_facts, val) == offsetof(cav_facts, weapon) &&
                   offsetof(cav_facts, supplier) ==
                       offsetof(cav_facts, val) + CAV_F_SUPPLIER * sizeof(int) &&
                   offsetof(cav_facts, kind) ==
                       offsetof(cav_facts, val) + CAV_F_KIND * sizeof(int) &&
                   offsetof(cav_facts, role) == offsetof(cav_facts, val) + CAV_F_ROLE * sizeof(int),
               "cav_facts' named values and val[] agree");
static inline __attribute__((always_inline)) unsigned test2(const cav_pack *p, const cav_node *node,
                                                            const cav_facts *f) {
    const uint64_t *set = p->words + node->set;
    unsigned r;
    if (node->field < CAV_F_TARGET) {
        int x = f->val[node->field];
        if (x < 0)
            return 3u; /* a field the query does not give */
        r = 2u - (unsigned)has_bit(set, x);
    } else {
        const uint64_t *in = f->target_in, *unsure = f->target_unsure;
        if (node->field != CAV_F_TARGET) {
            in = f->launch_in;
            unsure = f->launch_unsure;
            if (!in)
                return 3u;
        }
        uint64_t sure = 0, maybe = 0;
        for (int w = 0; w < p->zone_words; w++) {
            sure |= in[w] & ~unsure[w] & set[w];
            maybe |= unsure[w] & set[w];
        }
        if (!sure && maybe)
            return 3u;
        r = sure ? 1u : 2u;
    }
    return r ^ ((node->test & 1u) * 3u);
}

/* One test's value as cav_tri, for the recursive evaluator (explanations, areas). */
static cav_tri test_node(const cav_pack *p, const cav_node *node, const cav_facts *f) {
    unsigned v = test2(p, node, f);
    return v == 1u ? CAV_TRUE : v == 2u ? CAV_FALSE : CAV_UNDET;
}

/* Forced inline into its two callers (decide_in's loop, cond_value): a call a rule costs about
 * 30 instructions of a decision's 1,300 (callgrind). */
static inline __attribute__((always_inline)) cav_tri run(const cav_pack *p, const cav_rule *rule,
                                                         const cav_facts *f) {
    const uint32_t *ops = p->prog + rule->prog;
    if (rule->and_chain) {
        unsigned acc = 1u;
        for (uint32_t i = 0; i < rule->nprog; i++) {
            unsigned v = test2(p, &p->nodes[ops[i] >> 3], f);
            if (v == 2u)
                return CAV_FALSE;
            acc |= v;
        }
        return acc == 1u ? CAV_TRUE : CAV_UNDET;
    }
    /* The compiler emits well-formed postfix programs (compile.c: every operator finds its
     * operands, the depth never passes CAV_MAX_PROG_DEPTH, the first instruction pushes), which
     * the analyser cannot know; a check per instruction would cost the hot path. */
    // NOLINTBEGIN(clang-analyzer-core.UndefinedBinaryOperatorResult)
    unsigned st[CAV_MAX_PROG_DEPTH];
    int sp = 0;
    for (uint32_t i = 0; i < rule->nprog; i++) {
        uint32_t op = ops[i];
        switch (op & 7u) {
        case CAV_P_TEST: st[sp++] = test2(p, &p->nodes[op >> 3], f); break;
        case CAV_P_JF:
            if (st[sp - 1] == 2u)
                i += op >> 3; /* false: `and` is false; the right operand is not needed */
            break;
        case CAV_P_JT:
            if (st[sp - 1] == 1u)
                i += op >> 3; /* true: `or` is true */
            break;
        case CAV_P_AND:
            sp--;
            st[sp - 1] = ((st[sp - 1] & st[sp]) & 1u) | ((st[sp - 1] | st[sp]) & 2u);
            break;
        case CAV_P_OR:
            sp--;
            st[sp - 1] = ((st[sp - 1] | st[sp]) & 1u) | ((st[sp - 1] & st[sp]) & 2u);
            break;
        default: st[sp - 1] = ((st[sp - 1] & 1u) << 1) | ((st[sp - 1] & 2u) >> 1); break;
        }
    }
    // cppcheck-suppress uninitvar
    return st[0] == 1u ? CAV_TRUE : st[0] == 2u ? CAV_FALSE : CAV_UNDET;
    // NOLINTEND(clang-analyzer-core.UndefinedBinaryOperatorResult)
}

cav_tri cav__eval_node(const cav_pack *p, int n, const cav_facts *f) {
    const cav_node *node = &p->nodes[n];
    cav_tri a, b;
    switch (node->op) {
    case CAV_N_TEST: return test_node(p, node, f);
    case CAV_N_NOT:
        a = cav__eval_node(p, node->a, f);
        return a == CAV_UNDET ? CAV_UNDET : a == CAV_TRUE ? CAV_FALSE : CAV_TRUE;
    case CAV_N_AND:
        a = cav__eval_node(p, node->a, f);
        if (a == CAV_FALSE)
            return CAV_FALSE;
        b = cav__eval_node(p, node->b, f);
        if (b == CAV_FALSE)
            return CAV_FALSE;
        return a == CAV_TRUE && b == CAV_TRUE ? CAV_TRUE : CAV_UNDET;
    default:
        a = cav__eval_node(p, node->a, f);
        if (a == CAV_TRUE)
            return CAV_TRUE;
        b = cav__eval_node(p, node->b, f);
        if (b == CAV_TRUE)
            return CAV_TRUE;
        return a == CAV_FALSE && b == CAV_FALSE ? CAV_FALSE : CAV_UNDET;
    }
}

const cav_epoch *cav__epoch_of(const cav_pack *p, int party, int32_t date) {
    return cav__epoch_in(&p->index[party], date);
}

const cav_epoch *cav__epoch_in(const cav_party_index *ix, int32_t date) {
    int lo = 0, hi = ix->nepochs - 1;
    while (lo < hi) { /* last epoch whose start <= date */
        int mid = (lo + hi + 1) / 2;
        if (ix->epochs[mid].start <= date)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &ix->epochs[lo];
}

void cav__facts_of(const cav_pack *p, const cav_query *q, uint64_t *scratch, cav_facts *f) {
    int zw = p->zone_words;
    f->weapon = q->weapon;
    f->wclass = p->weapons[q->weapon].wclass;
    f->kind = q->kind;
    f->state = q->state;
    f->role = q->role;
    f->purpose = q->purpose;
    f->supplier = q->supplier;
    cav__locator_find3(p->locator, q->target_lat, q->target_lon, q->target_uncertainty_m, scratch,
                       scratch + zw);
    f->target_in = scratch;
    f->target_unsure = scratch + zw;
    f->launch_in = f->launch_unsure = NULL;
    if (q->has_launch) {
        cav__locator_find3(p->locator, q->launch_lat, q->launch_lon, q->launch_uncertainty_m,
                           scratch + 2 * zw, scratch + 3 * zw);
        f->launch_in = scratch + 2 * zw;
        f->launch_unsure = scratch + 3 * zw;
    }
}

int cav__rule_speaks(const cav_pack *p, int r, int w) {
    return has_bit(p->words + p->rules[r].speaks, w);
}

void cav__node_tests(const cav_pack *p, int n, void (*fn)(void *ud, const cav_node *test),
                     void *ud) {
    while (n >= 0) {
        const cav_node *node = &p->nodes[n];
        if (node->op == CAV_N_TEST) {
            fn(ud, node);
            return;
        }
        cav__node_tests(p, node->a, fn, ud);
        if (node->op == CAV_N_NOT)
            return;
        n = node->b; /* the right operand of and/or, without a call */
    }
}

/* Values of rules' own conditions for one query, remembered while a decision and its validity
 * are computed: a rule's condition does not depend on the date, so re-deciding a party at the
 * neighbouring epochs costs no condition evaluation. A small open-addressing table on the
 * caller's stack: bounded, allocation-free; when it is full, values are computed again. */
enum { MEMO_SLOTS = 64 };
typedef struct memo {
    int rule[MEMO_SLOTS]; /* rule id + 1 held in the slot (direct-mapped by id); 0 empty */
    uint8_t value[MEMO_SLOTS];
} memo;

static inline __attribute__((always_inline)) cav_tri cond_value(const cav_pack *p, int r,
                                                                const cav_facts *f, memo *m) {
    const cav_rule *rule = &p->rules[r];
    if (rule->root < 0)
        return CAV_TRUE;
    if (!m)
        return run(p, rule, f);
    unsigned i = (unsigned)r & (MEMO_SLOTS - 1);
    if (m->rule[i] == r + 1)
        return (cav_tri)m->value[i];
    cav_tri t = run(p, rule, f);
    m->rule[i] = r + 1;
    m->value[i] = (uint8_t)t;
    return t;
}

static cav_tri rule_value(const cav_pack *p, int r, int32_t date, const cav_facts *f, memo *m);

cav_tri cav__rule_value(const cav_pack *p, int r, int32_t date, const cav_facts *f) {
    return rule_value(p, r, date, f, NULL);
}

/* What kept rule r undetermined on f: missing fields into *missing, unsure places into
 * *unsure. */
static void why_undetermined(const cav_pack *p, int r, const cav_facts *f, uint32_t *missing,
                             uint32_t *unsure) {
    const cav_rule *rule = &p->rules[r];
    uint32_t absent = (f->purpose < 0 ? CAV_QBIT(CAV_Q_PURPOSE) : 0u) |
                      (f->role < 0 ? CAV_QBIT(CAV_Q_TARGET_ROLE) : 0u) |
                      (f->launch_in ? 0u : CAV_QBIT(CAV_Q_LAUNCH_LAT)) |
                      (f->supplier < 0 ? CAV_QBIT(CAV_Q_SUPPLIER) : 0u);
    uint32_t needs = rule->needs;
    uint64_t places = rule->places;
    for (int i = 0; i < rule->nunless; i++) {
        needs |= p->rules[rule->unless[i]].needs;
        places |= p->rules[rule->unless[i]].places;
    }
    *missing |= needs & absent;
    int tu = 0, lu = 0;
    for (int w = 0; w < p->zone_words; w++) {
        tu |= f->target_unsure[w] != 0;
        lu |= f->launch_unsure && f->launch_unsure[w] != 0;
    }
    if ((places & 1u) && tu)
        *unsure |= CAV_UNSURE_TARGET;
    if ((places & 2u) && lu)
        *unsure |= CAV_UNSURE_LAUNCH;
}

/* cav__rule_value with remembered conditions. */
/* Forced inline, as decide_in: both run on every decision (callgrind: about 40 instructions a
 * decision in calls). */
static inline __attribute__((always_inline)) cav_tri
rule_value(const cav_pack *p, int r, int32_t date, const cav_facts *f, memo *m) {
    const cav_rule *rule = &p->rules[r];
    cav_tri t = cond_value(p, r, f, m);
    if (t == CAV_FALSE || rule->nunless == 0)
        return t;
    cav_tri any = CAV_FALSE;
    for (int i = 0; i < rule->nunless && any != CAV_TRUE; i++) {
        const cav_rule *ex = &p->rules[rule->unless[i]];
        if (date < ex->from || date >= ex->until)
            continue;
        cav_tri v = cond_value(p, rule->unless[i], f, m);
        if (v == CAV_TRUE)
            any = CAV_TRUE;
        else if (v == CAV_UNDET)
            any = CAV_UNDET;
    }
    if (any == CAV_TRUE)
        return CAV_FALSE;
    return any == CAV_UNDET || t == CAV_UNDET ? CAV_UNDET : CAV_TRUE;
}

static void decide_in(const cav_pack *p, int party, const cav_epoch *ep, int32_t date,
                      const cav_facts *f, cav_party_decision *pd, memo *m);

void cav__decide_party(const cav_pack *p, int party, int32_t date, const cav_facts *f,
                       cav_party_decision *pd) {
    decide_in(p, party, cav__epoch_in(cav__index_for(p, party, f->weapon), date), date, f, pd,
              NULL);
}

static inline __attribute__((always_inline)) void decide_in(const cav_pack *p, int party,
                                                            const cav_epoch *ep, int32_t date,
                                                            const cav_facts *f,
                                                            cav_party_decision *pd, memo *m) {
    const uint64_t *words = p->words;
    int w = f->weapon, filtered = p->windex != NULL;
    /* the deciding rules of each step, the first CAV_MAX_DECIDING of them, and their counts */
    int fb[CAV_MAX_DECIDING], fu[CAV_MAX_DECIDING], pb[CAV_MAX_DECIDING], pu[CAV_MAX_DECIDING];
    int nfb = 0, nfu = 0, npb = 0, npu = 0, speaks = 0;
    for (int i = 0; i < ep->nrules; i++) {
        int r = ep->rules[i];
        const cav_rule *rule = &p->rules[r];
        if (!filtered && !((words[rule->speaks + (uint32_t)(w >> 6)] >> (w & 63)) & 1u))
            continue; /* false whatever the other facts */
        speaks |= !rule->all_parties;
        cav_tri t = m || rule->nunless ? rule_value(p, r, date, f, m)
                    : rule->root < 0   ? CAV_TRUE
                                       : run(p, rule, f);
        if (t == CAV_FALSE)
            continue;
        /* v is written below before anything reads it */
        // cppcheck-suppress legacyUninitvar
        int *v = rule->forbid ? (t == CAV_TRUE ? fb : fu) : (t == CAV_TRUE ? pb : pu);
        int *n = rule->forbid ? (t == CAV_TRUE ? &nfb : &nfu) : (t == CAV_TRUE ? &npb : &npu);
        if (*n < CAV_MAX_DECIDING)
            v[*n] = r;
        ++*n;
    }
    pd->party = party;
    pd->missing = pd->unsure = 0;
    const int *rules = NULL;
    int nrules = 0;
    if (nfb) {
        pd->verdict = CAV_PROHIBITED;
        pd->basis = CAV_BASIS_FORBID;
        rules = fb;
        nrules = nfb;
    } else if (!speaks) {
        pd->verdict = CAV_UNKNOWN;
        pd->basis = CAV_BASIS_SILENT;
    } else if (nfu) {
        pd->verdict = CAV_INDETERMINATE;
        pd->basis = CAV_BASIS_FORBID_UNDET;
        rules = fu;
        nrules = nfu;
    } else if (npb) {
        pd->verdict = CAV_PERMITTED;
        pd->basis = CAV_BASIS_PERMIT;
        rules = pb;
        nrules = npb;
    } else if (npu) {
        pd->verdict = CAV_INDETERMINATE;
        pd->basis = CAV_BASIS_PERMIT_UNDET;
        rules = pu;
        nrules = npu;
    } else {
        pd->verdict = CAV_PROHIBITED;
        pd->basis = CAV_BASIS_DEFAULT;
    }
    pd->nrules = nrules;
    int kept = nrules < CAV_MAX_DECIDING ? nrules : CAV_MAX_DECIDING;
    if (kept)
        memcpy(pd->rules, rules, (size_t)kept * sizeof *rules);
    if (pd->verdict == CAV_INDETERMINATE)
        for (int i = 0; i < kept; i++)
            why_undetermined(p, rules[i], f, &pd->missing, &pd->unsure);
}

int cav__deciding_rules(const cav_pack *p, const cav_party_decision *pd, int32_t date,
                        const cav_facts *f, int *out, int max) {
    if (pd->nrules <= CAV_MAX_DECIDING) {
        int n = pd->nrules < max ? pd->nrules : max;
        memcpy(out, pd->rules, (size_t)n * sizeof *out);
        return pd->nrules;
    }
    /* more than were stored: find them all again */
    const cav_epoch *ep = cav__epoch_of(p, pd->party, date);
    int want_forbid = pd->basis == CAV_BASIS_FORBID || pd->basis == CAV_BASIS_FORBID_UNDET;
    cav_tri want =
        pd->basis == CAV_BASIS_FORBID || pd->basis == CAV_BASIS_PERMIT ? CAV_TRUE : CAV_UNDET;
    int n = 0;
    for (int i = 0; i < ep->nrules; i++) {
        int r = ep->rules[i];
        if (p->rules[r].forbid != want_forbid || !cav__rule_speaks(p, r, f->weapon) ||
            cav__rule_value(p, r, date, f) != want)
            continue;
        if (n < max)
            out[n] = r;
        n++;
    }
    return n;
}

/* 1 when two decisions of one party are the same answer from the same rules. */
static int same_decision(const cav_party_decision *a, const cav_party_decision *b) {
    if (a->verdict != b->verdict || a->basis != b->basis || a->nrules != b->nrules)
        return 0;
    int kept = a->nrules < CAV_MAX_DECIDING ? a->nrules : CAV_MAX_DECIDING;
    return memcmp(a->rules, b->rules, (size_t)kept * sizeof *a->rules) == 0 &&
           a->missing == b->missing && a->unsure == b->unsure;
}

/* 1 when the step from epoch a to its neighbour b cannot change the decision: every rule in
 * force in one and not the other is false (for the weapon, whatever the other facts, or for this
 * query), and whether a rule of the party's own speaks of the weapon does not change. Rules in
 * force in both keep their values: conditions do not depend on the date, and a forbid's
 * exception entering or leaving is itself a rule of the step. */
static int quiet_step(const cav_pack *p, const cav_epoch *a, const cav_epoch *b, int filtered,
                      const cav_facts *f, memo *m) {
    if (!filtered || a->has_own != b->has_own)
        return 0;
    int i = 0, j = 0;
    while (i < a->nrules || j < b->nrules) {
        int ra = i < a->nrules ? a->rules[i] : INT32_MAX,
            rb = j < b->nrules ? b->rules[j] : INT32_MAX;
        int r;
        int32_t at;
        if (ra == rb) {
            i++;
            j++;
            continue;
        }
        if (ra < rb) {
            r = ra;
            at = a->start;
            i++;
        } else {
            r = rb;
            at = b->start;
            j++;
        }
        if (rule_value(p, r, at, f, m) != CAV_FALSE)
            return 0;
    }
    return 1;
}

/* The dates [from, until) around date over which party's decision pd stays the same. */
static void party_validity(const cav_pack *p, int32_t date, const cav_facts *f,
                           cav_party_decision *pd, memo *m) {
    const cav_party_index *ix = cav__index_for(p, pd->party, f->weapon);
    const cav_epoch *ep = cav__epoch_in(ix, date);
    int e = (int)(ep - ix->epochs), filtered = p->windex != NULL;
    cav_party_decision other;
    int lo = e;
    while (lo > 0) {
        const cav_epoch *prev = &ix->epochs[lo - 1];
        if (!quiet_step(p, &ix->epochs[lo], prev, filtered, f, m)) {
            decide_in(p, pd->party, prev, prev->start, f, &other, m);
            if (!same_decision(pd, &other))
                break;
        }
        lo--;
    }
    int hi = e;
    while (hi + 1 < ix->nepochs) {
        const cav_epoch *next = &ix->epochs[hi + 1];
        if (!quiet_step(p, &ix->epochs[hi], next, filtered, f, m)) {
            decide_in(p, pd->party, next, next->start, f, &other, m);
            if (!same_decision(pd, &other))
                break;
        }
        hi++;
    }
    pd->valid_from = lo == 0 ? INT32_MIN : ix->epochs[lo].start;
    pd->valid_until = hi + 1 < ix->nepochs ? ix->epochs[hi + 1].start : CAV_DATE_OPEN;
}

int cav__consent_parties(const cav_pack *p, const cav_query *q, int *out) {
    const cav_weapon *w = &p->weapons[q->weapon];
    int n = 0;
    for (int i = 0; i < w->nconsent && n < CAV_MAX_PARTIES; i++)
        out[n++] = w->consent[i];
    if (q->supplier >= 0) {
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= out[i] == q->supplier;
        if (!seen && n < CAV_MAX_PARTIES) /* a weapon has at most CAV_MAX_PARTIES - 1 */
            out[n++] = q->supplier;
    }
    return n;
}

/* A comparison with NaN is false and infinities are out of range, so the ranges alone refuse
 * every value that is not a finite number in them. */
static int valid_point(double lat, double lon, double r) {
    return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && r >= 0 &&
           r <= CAV_MAX_UNCERTAINTY_M;
}

/* The decision of q into d, with its facts into *facts (found in scratch). One body for cav_eval
 * and cav__eval_facts, inlined into each: a call between them cost the hot path 5 instructions a
 * decision (bench/RESULTS.md). */
static inline __attribute__((always_inline)) int eval_facts(const cav_pack *p, const cav_query *q,
                                                            uint64_t *scratch, cav_facts *facts,
                                                            cav_decision *d) {
    if (!p || !q || !d || q->weapon < 0 || q->weapon >= p->nweapons || q->kind < 0 ||
        q->kind >= p->nkinds || (q->state != CAV_STATE_GROUND && q->state != CAV_STATE_AIRBORNE) ||
        q->purpose >= p->npurposes || q->purpose < CAV_MISSING || q->supplier >= p->nparties ||
        q->supplier < CAV_MISSING || q->role < CAV_MISSING || q->role > CAV_ROLE_NONE ||
        q->date == CAV_NO_DATE ||
        !valid_point(q->target_lat, q->target_lon, q->target_uncertainty_m) ||
        (q->has_launch && !valid_point(q->launch_lat, q->launch_lon, q->launch_uncertainty_m)))
        return CAV_EINVAL;
    cav__facts_of(p, q, scratch, facts);
    const cav_facts *f = facts;
    int parties[CAV_MAX_PARTIES];
    d->nparties = cav__consent_parties(p, q, parties);
    if (d->nparties == 0)
        return CAV_EINVAL; /* a weapon with suppliers but no fixed consent needs a supplier */
    d->date = q->date;
    d->valid_from = d->valid_until = CAV_VALIDITY_UNSET;
    int any_prohibited = 0, all_permitted = 1, any_indeterminate = 0;
    for (int i = 0; i < d->nparties; i++) {
        cav_party_decision *pd = &d->parties[i];
        decide_in(p, parties[i], cav__epoch_in(cav__index_for(p, parties[i], f->weapon), q->date),
                  q->date, f, pd, NULL);
        pd->valid_from = pd->valid_until = CAV_VALIDITY_UNSET;
        any_prohibited |= pd->verdict == CAV_PROHIBITED;
        all_permitted &= pd->verdict == CAV_PERMITTED;
        any_indeterminate |= pd->verdict == CAV_INDETERMINATE;
    }
    d->verdict = any_prohibited      ? CAV_PROHIBITED
                 : all_permitted     ? CAV_PERMITTED
                 : any_indeterminate ? CAV_INDETERMINATE
                                     : CAV_UNKNOWN;
    return 0;
}

int cav_eval(const cav_pack *p, const cav_query *q, cav_decision *d) {
    /* Scratch for two three-valued membership sets. Packs with more zones than fit here are
     * rejected at load time (CAV_MAX_ZONE_WORDS), so this never overflows. */
    uint64_t scratch[CAV_FACT_WORDS];
    cav_facts f;
    return eval_facts(p, q, scratch, &f, d);
}

int cav__eval_facts(const cav_pack *p, const cav_query *q, uint64_t *scratch, cav_facts *facts,
                    cav_decision *d) {
    return eval_facts(p, q, scratch, facts, d);
}

int cav_decision_validity(const cav_pack *p, const cav_query *q, cav_decision *d) {
    if (!p || !q || !d || q->weapon < 0 || q->weapon >= p->nweapons || d->nparties < 0 ||
        d->nparties > CAV_MAX_PARTIES)
        return CAV_EINVAL;
    uint64_t scratch[CAV_FACT_WORDS];
    cav_facts f;
    cav__facts_of(p, q, scratch, &f);
    cav__validity_of(p, q, &f, d);
    return 0;
}

void cav__validity_of(const cav_pack *p, const cav_query *q, const cav_facts *f, cav_decision *d) {
    memo m;
    memset(m.rule, 0, sizeof m.rule);
    d->valid_from = INT32_MIN;
    d->valid_until = CAV_DATE_OPEN;
    for (int i = 0; i < d->nparties; i++) {
        cav_party_decision *pd = &d->parties[i];
        party_validity(p, q->date, f, pd, &m);
        if (pd->valid_from > d->valid_from)
            d->valid_from = pd->valid_from;
        if (pd->valid_until < d->valid_until)
            d->valid_until = pd->valid_until;
    }
}
