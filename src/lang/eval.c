/* eval.c — deciding one query against a compiled pack.
 *
 * Semantics (DESIGN.md): for each party whose consent the use needs, forbid overrides permit and
 * no matching permit means prohibited (default deny); a party with none of its own rules in force
 * on the date is `unknown`. Rules for every party (`party *`, such as international law) apply to
 * all parties but do not by themselves make a party's position known: they can forbid, and they
 * can permit only alongside the party's own rules. The use is permitted only if every party
 * permits, prohibited if any prohibits, unknown otherwise.
 *
 * Conditions use three-valued (Kleene) logic: a test of a field the query does not give (purpose,
 * launch point, supplier) is undetermined, `not` keeps it undetermined, and a rule matches only
 * when its condition is true. A rule left undetermined records the missing fields, which the
 * explanation names.
 *
 * This is the hot path: no allocation, no string compare; zone membership comes from one locator
 * look-up per point into caller-provided scratch words.
 */
#include "lang/pack.h"

#include <string.h>

static int has_bit(const uint64_t *set, int i) {
    return (int)((set[i >> 6] >> (i & 63)) & 1u);
}

static cav_tri test_node(const cav_pack *p, const cav_node *node, const cav_facts *f) {
    const uint64_t *set = p->words + node->set;
    int hit;
    switch (node->field) {
    case CAV_F_WEAPON: hit = has_bit(set, f->weapon); break;
    case CAV_F_KIND: hit = has_bit(set, f->kind); break;
    case CAV_F_STATE: hit = has_bit(set, f->state); break;
    case CAV_F_PURPOSE:
        if (f->purpose < 0)
            return CAV_UNDET;
        hit = has_bit(set, f->purpose);
        break;
    case CAV_F_SUPPLIER:
        if (f->supplier < 0)
            return CAV_UNDET;
        hit = has_bit(set, f->supplier);
        break;
    default: {
        const uint64_t *zones = node->field == CAV_F_TARGET ? f->target_zones : f->launch_zones;
        if (!zones)
            return CAV_UNDET;
        uint64_t any = 0;
        for (int w = 0; w < p->zone_words; w++)
            any |= zones[w] & set[w];
        hit = any != 0;
        break;
    }
    }
    if (node->test == CAV_T_NE || node->test == CAV_T_NOT_IN)
        hit = !hit;
    return hit ? CAV_TRUE : CAV_FALSE;
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
    const cav_party_index *ix = &p->index[party];
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
    f->weapon = q->weapon;
    f->wclass = p->weapons[q->weapon].wclass;
    f->kind = q->kind;
    f->state = q->state;
    f->purpose = q->purpose;
    f->supplier = q->supplier;
    cav__locator_find(p->locator, q->target_lat, q->target_lon, scratch);
    f->target_zones = scratch;
    f->launch_zones = NULL;
    if (q->has_launch) {
        cav__locator_find(p->locator, q->launch_lat, q->launch_lon, scratch + p->zone_words);
        f->launch_zones = scratch + p->zone_words;
    }
}

static void decide_party(const cav_pack *p, int party, int32_t date, const cav_facts *f,
                         cav_party_decision *pd) {
    const cav_epoch *ep = cav__epoch_of(p, party, date);
    int forbids[CAV_MAX_DECIDING], permits[CAV_MAX_DECIDING];
    int nf = 0, np = 0;
    unsigned missing = 0;
    for (int i = 0; i < ep->nrules; i++) {
        const cav_rule *r = &p->rules[ep->rules[i]];
        cav_tri t = r->root < 0 ? CAV_TRUE : cav__eval_node(p, r->root, f);
        if (t == CAV_TRUE) {
            if (r->forbid && nf < CAV_MAX_DECIDING)
                forbids[nf++] = ep->rules[i];
            else if (!r->forbid && np < CAV_MAX_DECIDING)
                permits[np++] = ep->rules[i];
        } else if (t == CAV_UNDET) {
            missing |= r->needs & ((f->purpose < 0 ? CAV_FIELD_PURPOSE : 0u) |
                                   (f->launch_zones ? 0u : CAV_FIELD_LAUNCH) |
                                   (f->supplier < 0 ? CAV_FIELD_SUPPLIER : 0u));
        }
    }
    pd->party = party;
    pd->missing = missing;
    if (nf > 0) {
        pd->verdict = CAV_PROHIBITED;
        pd->basis = CAV_BASIS_RULE;
        pd->nrules = nf;
        memcpy(pd->rules, forbids, (size_t)nf * sizeof *forbids);
    } else if (!ep->has_own) {
        pd->verdict = CAV_UNKNOWN;
        pd->basis = CAV_BASIS_NONE;
        pd->nrules = 0;
    } else if (np > 0) {
        pd->verdict = CAV_PERMITTED;
        pd->basis = CAV_BASIS_RULE;
        pd->nrules = np;
        memcpy(pd->rules, permits, (size_t)np * sizeof *permits);
    } else {
        pd->verdict = CAV_PROHIBITED;
        pd->basis = CAV_BASIS_DEFAULT;
        pd->nrules = 0;
    }
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
        if (!seen && n < CAV_MAX_PARTIES)
            out[n++] = q->supplier;
    }
    return n;
}

int cav_eval(const cav_pack *p, const cav_query *q, cav_decision *d) {
    if (!p || !q || !d || q->weapon < 0 || q->weapon >= p->nweapons || q->kind < 0 ||
        q->kind >= p->nkinds || (q->state != CAV_STATE_GROUND && q->state != CAV_STATE_AIRBORNE) ||
        q->purpose >= p->npurposes || q->purpose < CAV_MISSING || q->supplier >= p->nparties ||
        q->supplier < CAV_MISSING)
        return CAV_EINVAL;
    /* Scratch for two membership sets. Packs with more zones than fit here are rejected at
     * load time (CAV_MAX_ZONES), so this never overflows. */
    uint64_t scratch[2 * CAV_MAX_ZONE_WORDS];
    memset(scratch, 0, sizeof(uint64_t) * 2 * (size_t)p->zone_words);
    cav_facts f;
    cav__facts_of(p, q, scratch, &f);
    int parties[CAV_MAX_PARTIES];
    d->nparties = cav__consent_parties(p, q, parties);
    if (d->nparties == 0)
        return CAV_EINVAL; /* a weapon with suppliers but no fixed consent needs a supplier */
    int any_prohibited = 0, all_permitted = 1;
    for (int i = 0; i < d->nparties; i++) {
        decide_party(p, parties[i], q->date, &f, &d->parties[i]);
        any_prohibited |= d->parties[i].verdict == CAV_PROHIBITED;
        all_permitted &= d->parties[i].verdict == CAV_PERMITTED;
    }
    d->verdict = any_prohibited ? CAV_PROHIBITED : all_permitted ? CAV_PERMITTED : CAV_UNKNOWN;
    return 0;
}
