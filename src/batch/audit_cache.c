/* audit_cache.c — the audit's per-thread caches: values in front of the query setters, and the
 * output columns of distinct decisions.
 *
 * Values. A log repeats a few dozen weapon, kind and party names and a few thousand dates over
 * millions of rows, so each worker keeps what cav_query_set gave for the exact bytes of a name or
 * a date (keyed by the field and all its bytes, never a prefix or a hash alone). A hit sets the
 * same member and the same `given` bit the setter sets; a miss, and every value the setter
 * refuses, goes through cav_query_set itself, so a row gets the library's answer and errors.
 * Numbers in plain decimal (at most 15 digits, no exponent) are read by the library's number
 * reader in one pass (cav__parse_plain) and go through cav_query_set_number; anything else (an
 * exponent, a '+', degrees-minutes-seconds, garbage) takes the setter's path.
 *
 * Decisions. The derived columns (parties, rule, validity, the short explanation and the
 * explanation) are functions of the decision and the query's weapon, and the explanation also of
 * the date, which it may quote. A worker formats them once per distinct decision, keyed by every
 * member of the decision that matters (all parties, all their stored rules as full int32 ids, the
 * validity of each), so a key is never cut and two decisions never share an entry. The
 * explanation is kept as a template with the places where it quotes the row's date; the template
 * is checked against a real explanation on the first row with another date, and a decision whose
 * explanation changes with the date otherwise is keyed by its date instead. A decision that a
 * missing field leaves open names the values that would settle it, which are decisions on every
 * fact of the row: its entry is keyed by all the facts (every field and every zone). Decisions
 * whose texts depend on more than that (a position near a zone edge, whose explanation names the
 * distance to it; more deciding rules than a decision stores) are not cached: their rows are
 * formatted one by one. A full cache is emptied, never an error.
 */
#include "batch/audit.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/num.h"
#include "lang/pack.h"

#include <stdlib.h>
#include <string.h>

enum {
    VALUE_SLOTS = 8192, /* per-thread value cache (power of two) */
    VALUE_MAX = 64,     /* longest value cached */
    FACT_KEY_WORDS = 7 + 2 * CAV_MAX_PARTIES + 8 * CAV_MAX_ZONE_WORDS, /* epochs and facts */
    KEY_WORDS = 8 + CAV_MAX_PARTIES * (8 + CAV_MAX_DECIDING) + FACT_KEY_WORDS,
    TEXT_LIMIT = 64 << 20 /* bytes of entries (headers, keys, counted rules, texts) past which
                             the cache is emptied */
};

enum { SLOT_UNVERIFIED = 0, SLOT_VERIFIED = 1, SLOT_BY_DATE = 2, SLOT_DATED = 3 };

/* Hashes for the caches, whose entries compare their whole keys, so the hash only spreads them.
 * Written by hand for the hot path: a value's bytes (a name or a date, mostly 3 to 12 bytes) and a
 * decision's key (about 100 bytes) are hashed on every row, and a word at a time with a call to
 * memcpy for the tail cost 55 instructions a value (callgrind). Short keys are read as two
 * overlapping loads; longer ones 16 bytes a step; each step folds a 64 x 64 -> 128-bit product.
 * Two of the constants (0xa0761d..., 0xe7037e...) are wyhash's published ones (public domain),
 * the third the golden ratio's; the code is this project's own. */
static inline uint64_t fold(uint64_t a, uint64_t b) {
    __uint128_t m = (__uint128_t)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

static inline uint64_t load64(const unsigned char *s) {
    uint64_t v;
    memcpy(&v, s, 8);
    return v;
}

static inline uint64_t load32(const unsigned char *s) {
    uint32_t v;
    memcpy(&v, s, 4);
    return v;
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t seed) {
    const unsigned char *s = p;
    uint64_t h = seed ^ 0x9e3779b97f4a7c15u, a, b;
    if (n <= 16) {
        if (n >= 8) {
            a = load64(s);
            b = load64(s + n - 8);
        } else if (n >= 4) {
            a = load32(s);
            b = load32(s + n - 4);
        } else {
            a = n ? (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 | s[n - 1] : 0;
            b = 0;
        }
    } else {
        size_t i = 0;
        for (; n - i > 16; i += 16)
            h = fold(load64(s + i) ^ 0xa0761d6478bd642fu, load64(s + i + 8) ^ h);
        a = load64(s + n - 16);
        b = load64(s + n - 8);
    }
    return fold(a ^ 0xe7037ed1a0b428dbu ^ n, b ^ h);
}

/* ---- values ------------------------------------------------------------------------------ */

static int is_name_field(int f) {
    return f == CAV_Q_WEAPON || f == CAV_Q_SUPPLIER || f == CAV_Q_TARGET_KIND ||
           f == CAV_Q_TARGET_STATE || f == CAV_Q_TARGET_ROLE || f == CAV_Q_PURPOSE;
}

static int32_t member(const cav_query *q, int f) {
    switch (f) {
    case CAV_Q_DATE: return q->date;
    case CAV_Q_WEAPON: return q->weapon;
    case CAV_Q_SUPPLIER: return q->supplier;
    case CAV_Q_TARGET_KIND: return q->kind;
    case CAV_Q_TARGET_STATE: return q->state;
    case CAV_Q_TARGET_ROLE: return q->role;
    default: return q->purpose;
    }
}

static void set_member(cav_query *q, int f, int32_t v) {
    switch (f) {
    case CAV_Q_DATE: q->date = v; break;
    case CAV_Q_WEAPON: q->weapon = v; break;
    case CAV_Q_SUPPLIER: q->supplier = v; break;
    case CAV_Q_TARGET_KIND: q->kind = v; break;
    case CAV_Q_TARGET_STATE: q->state = v; break;
    case CAV_Q_TARGET_ROLE: q->role = v; break;
    default: q->purpose = v; break;
    }
}

/* 1 when s[0, n) may be a number the setter reads itself (digits, sign, dot, exponent only). */
static int numberish(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' ||
              c == ' ' || c == '\t'))
            return 0;
    }
    return 1;
}

int cav__audit_bind_number(worker *w, cav_query *q, int f, const char *s, size_t n,
                           cav_qerrors *e) {
    const cav_pack *p = w->a->pack;
    double deg;
    if (cav__parse_plain(s, n, &deg) == 0) /* a plain decimal: read exactly, in one pass */
        return cav_query_set_number(q, p, (cav_qfield)f, deg, e);
    if (f != CAV_Q_TARGET_UNCERTAINTY && f != CAV_Q_LAUNCH_UNCERTAINTY && !numberish(s, n) &&
        cav__dms_parse(s, n, f == CAV_Q_TARGET_LAT || f == CAV_Q_LAUNCH_LAT, &deg) == 0)
        return cav_query_set_number(q, p, (cav_qfield)f, deg, e);
    return cav_query_set(q, p, (cav_qfield)f, s, n, e);
}

/* 1 when the n bytes at a and b are the same, n at most VALUE_MAX: two overlapping loads for up
 * to 16 bytes (the names and dates of a log), as a call to memcmp cost a hit 20 instructions. */
static inline int same_bytes(const char *a, const char *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    if (n > 16)
        return memcmp(x, y, n) == 0;
    if (n >= 8)
        return load64(x) == load64(y) && load64(x + n - 8) == load64(y + n - 8);
    if (n >= 4)
        return load32(x) == load32(y) && load32(x + n - 4) == load32(y + n - 4);
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

int cav__audit_bind(worker *w, cav_query *q, int f, const char *s, size_t n, cav_qerrors *e) {
    const cav_pack *p = w->a->pack;
    if (cav__audit_number_field(f))
        return cav__audit_bind_number(w, q, f, s, n, e);
    if ((f != CAV_Q_DATE && !is_name_field(f)) || n > VALUE_MAX || (q->given & CAV_QBIT(f)))
        return cav_query_set(q, p, (cav_qfield)f, s, n, e);
    uint64_t h = hash_bytes(s, n, (uint64_t)f);
    uint32_t i = (uint32_t)h & (VALUE_SLOTS - 1);
    for (;; i = (i + 1) & (VALUE_SLOTS - 1)) {
        value_slot *v = &w->values[i];
        if (!v->used)
            break;
        if (v->hash == h && v->field == f && v->len == n &&
            same_bytes(w->keys.data + v->off, s, n)) {
            q->given |= CAV_QBIT(f);
            set_member(q, f, v->value);
            w->cache_hits++;
            return 0;
        }
    }
    w->cache_misses++;
    int rc = cav_query_set(q, p, (cav_qfield)f, s, n, e);
    if (rc != 0 || w->nvalues >= VALUE_SLOTS / 2)
        return rc; /* errors are never cached: each row gets its own from the setter */
    size_t off = w->keys.len;
    if (cav_buf_append(&w->keys, s, n) != 0) {
        w->keys.failed = 0;
        return rc;
    }
    w->values[i] = (value_slot){h, (uint32_t)off, (uint32_t)n, member(q, f), (int16_t)f, 1};
    w->nvalues++;
    return rc;
}

/* ---- decision texts ----------------------------------------------------------------------- */

/* The rules of the rule column (cav_decision_rules) as indices of the summary's rule counts:
 * nrules for a default deny, nrules + 1 for a silent party. */
static int column_rules(const worker *w, const cav_query *q, const cav_decision *d, int *out,
                        int max) {
    int nr = cav_catalog_count(w->a->pack, CAV_CAT_RULE);
    int n = cav_decision_rules(w->a->pack, q, d, out, max);
    n = n < max ? n : max;
    for (int i = 0; i < n; i++)
        out[i] = out[i] == CAV_RULE_DEFAULT_DENY ? nr : out[i] == CAV_RULE_SILENT ? nr + 1 : out[i];
    return n;
}

int cav__audit_column(worker *w, const cav_query *q, const cav_decision *d, out_kind k,
                      cav_buf *out) {
    static const int col[OUT_NKINDS] = {
        [OUT_DATE] = CAV_COL_DATE,
        [OUT_DECISION] = CAV_COL_DECISION,
        [OUT_PARTIES] = CAV_COL_PARTIES,
        [OUT_RULE] = CAV_COL_RULE,
        [OUT_VALID_FROM] = CAV_COL_VALID_FROM,
        [OUT_VALID_UNTIL] = CAV_COL_VALID_UNTIL,
        [OUT_EXPLANATION] = CAV_COL_EXPLANATION,
        [OUT_WHY] = CAV_COL_WHY,
    };
    if (k < OUT_DATE || k == OUT_ERROR || k >= OUT_NKINDS)
        return cav__buf_status(out);
    return cav_decision_column(w->a->pack, q, d, (cav_column)col[k], w->a->flags & CAV_EXPLAIN,
                               out);
}

/* Appends raw text encoded for the output format: a CSV field, or a JSON string (GeoJSON). */
void cav__audit_csv_text(cav_buf *b, const char *s, size_t n);
static void encode(const worker *w, cav_buf *b, const char *s, size_t n) {
    if (w->a->plan.out == CAV_FMT_CSV)
        cav__audit_csv_text(b, s, n);
    else
        cav__buf_json(b, s, n);
}

/* ---- the decision cache ------------------------------------------------------------------- */

static int cmp_date(const void *x, const void *y) {
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

_Static_assert(sizeof((cav_audit *)0)->note_zones == CAV_MAX_ZONE_WORDS * sizeof(uint64_t),
               "a->note_zones holds a zone set");

/* What tests of a condition read: the zones their places name (mask) and their fields (bit
 * cav_field). */
typedef struct tested_set {
    const cav_pack *p;
    uint64_t *mask;
    unsigned *fields;
} tested_set;

static void add_tested(void *ud, const cav_node *node) {
    tested_set *t = ud;
    *t->fields |= 1u << node->field;
    if (node->field == CAV_F_TARGET || node->field == CAV_F_LAUNCH)
        for (int i = 0; i < t->p->zone_words && i < CAV_MAX_ZONE_WORDS; i++)
            t->mask[i] |= t->p->words[node->set + (uint32_t)i];
}

/* Adds to mask the zones that node n's tests of a place name, and to *fields the fields it
 * tests (bit cav_field). */
static void tested(const cav_pack *p, int n, uint64_t *mask, unsigned *fields) {
    tested_set t = {p, mask, fields};
    cav__node_tests(p, n, add_tested, &t);
}

/* Writes to out (unless NULL) the dates, whatever the weapon, where what an explanation says of
 * party can change beyond its rules that speak of the weapon (whose dates are the epochs of its
 * date index for the weapon), and returns their number: where its forbids with exceptions and
 * those exceptions start or end (an explanation names them whatever the weapon: explain.c), and
 * where its notes do. */
static size_t party_dates(const cav_pack *p, int party, int32_t *out) {
    size_t n = 0;
#define PUT(d) (out ? (void)(out[n] = (d)) : (void)0, n++)
    for (int r = 0; r < p->nrules; r++) {
        const cav_rule *rule = &p->rules[r];
        if (!rule->nunless || !cav__rule_applies(rule, party))
            continue;
        PUT(rule->from);
        PUT(rule->until);
        for (int e = 0; e < rule->nunless; e++) {
            PUT(p->rules[rule->unless[e]].from);
            PUT(p->rules[rule->unless[e]].until);
        }
    }
    for (int i = 0; i < p->nnotes; i++)
        for (int j = 0; j < p->notes[i].nparties; j++)
            if (p->notes[i].parties[j] == party) {
                PUT(p->notes[i].has_date ? p->notes[i].date : INT32_MIN);
                PUT(p->notes[i].until);
            }
#undef PUT
    return n;
}

/* Sorts the dates e[0, n) and drops repeats; returns how many are left. */
static size_t sort_dates(int32_t *e, size_t n) {
    qsort(e, n, sizeof *e, cmp_date);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || e[k - 1] != e[i])
            e[k++] = e[i];
    return k;
}

int cav__audit_epochs(cav_audit *a) {
    const cav_pack *p = a->pack;
    memset(a->note_zones, 0, sizeof a->note_zones);
    a->note_fields = 0;
    for (int i = 0; i < p->nnotes; i++)
        tested(p, p->notes[i].root, a->note_zones, &a->note_fields);
    a->exception_fields = cav__malloc(((size_t)p->nrules + 1) * sizeof *a->exception_fields);
    if (!a->exception_fields)
        return CAV_ENOMEM;
    for (int r = 0; r < p->nrules; r++) {
        uint64_t zones[CAV_MAX_ZONE_WORDS] = {0};
        a->exception_fields[r] = 0;
        for (int e = 0; e < p->rules[r].nunless; e++)
            tested(p, p->rules[p->rules[r].unless[e]].root, zones, &a->exception_fields[r]);
    }
    /* every rule's and note's dates (a decision a missing field leaves open), and each party's
     * (party_dates) */
    int np = p->nparties;
    size_t cap = 2 * ((size_t)p->nrules + (size_t)p->nnotes);
    for (int party = 0; party < np; party++)
        cap += party_dates(p, party, NULL);
    a->epoch_dates = cav__malloc((cap + 1) * sizeof *a->epoch_dates);
    a->epoch_off = cav__malloc(((size_t)np + 2) * sizeof *a->epoch_off);
    if (!a->epoch_dates || !a->epoch_off)
        return CAV_ENOMEM;
    int32_t *e = a->epoch_dates;
    size_t k = 0;
    for (int party = 0; party < np; party++) {
        a->epoch_off[party] = k;
        k += sort_dates(e + k, party_dates(p, party, e + k));
    }
    a->epoch_off[np] = k;
    size_t all = k;
    for (int r = 0; r < p->nrules; r++) {
        e[k++] = p->rules[r].from;
        e[k++] = p->rules[r].until;
    }
    for (int i = 0; i < p->nnotes; i++) {
        e[k++] = p->notes[i].has_date ? p->notes[i].date : INT32_MIN;
        e[k++] = p->notes[i].until;
    }
    a->epoch_off[np + 1] = all + sort_dates(e + all, k - all);
    return 0;
}

/* The epoch of a date among the dates of segment seg of a->epoch_dates: their number on or
 * before it. */
static int32_t epoch_in(const cav_audit *a, size_t seg, int32_t date) {
    const int32_t *e = a->epoch_dates + a->epoch_off[seg];
    size_t lo = 0, hi = a->epoch_off[seg + 1] - a->epoch_off[seg];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e[mid] <= date)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int32_t)lo;
}

/* The epoch of a date in party's date index for weapon w: the party's rules that speak of w are
 * the same within it. */
static int32_t weapon_epoch(const cav_pack *p, int party, int w, int32_t date) {
    const cav_party_index *ix = cav__index_for(p, party, w);
    return (int32_t)(cav__epoch_in(ix, date) - ix->epochs);
}

/* The facts of q the explanation of d depends on beyond the decision: the rules it considers (the
 * permits of a default deny that speak of the weapon), the assumed zones they test (with the
 * exceptions of a deciding forbid, whose failure off their place is judged on every field but
 * the places) and the notes it carries are found from the facts and the rules and notes in
 * force, so two rows share an explanation only when the fields these read are the same (those
 * the notes test and those the exceptions of a deciding forbid test), their dates lie
 * in the same epochs of each party (its rules that speak of the weapon, and party_dates; within
 * them only the quoted date differs, which the template handles) and their positions are in (or
 * unsure of) the same zones among those the notes' conditions test (a->note_zones): the other zones
 * a row's positions are in change nothing an explanation without CAV_EXPLAIN says (the texts that
 * name distances are never cached: decision_key). Keying by every zone made nearly every row of a
 * real log a miss. With `all` (a decision a missing field leaves open, whose text names the values
 * that would settle it, each a decision on every fact) every field and zone is keyed. Writes them
 * at key; returns their words. */
static int fact_key(const worker *w, const cav_query *q, const cav_facts *fp, const cav_decision *d,
                    int all, int32_t *key) {
    const cav_pack *p = w->a->pack;
    const cav_facts f = *fp;
    /* the fields the notes test, and those the exceptions of a deciding forbid test
     * (fails_off_place in explain.c judges them on every field but the places) */
    unsigned fields = all ? ~0u : w->a->note_fields;
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        for (int r = 0; pd->basis == CAV_BASIS_FORBID && r < pd->nrules; r++)
            fields |= w->a->exception_fields[pd->rules[r]];
    }
    int k = 0;
    key[k++] = all;
    /* the epochs of each party: of its rules that speak of the weapon, and of its other dates
     * (party_dates). A missing field's text names the decisions that would settle it, which may
     * need another party (a supplier given): its epoch is of every rule and note. */
    if (all)
        key[k++] = epoch_in(w->a, (size_t)p->nparties, q->date);
    else
        for (int i = 0; i < d->nparties; i++) {
            key[k++] = weapon_epoch(p, d->parties[i].party, q->weapon, q->date);
            key[k++] = epoch_in(w->a, (size_t)d->parties[i].party, q->date);
        }
    static const int keyed[] = {CAV_F_KIND, CAV_F_STATE, CAV_F_ROLE, CAV_F_PURPOSE, CAV_F_SUPPLIER};
    _Static_assert(1 + 2 * CAV_MAX_PARTIES + sizeof keyed / sizeof *keyed + 1 +
                           4 * 2 * CAV_MAX_ZONE_WORDS ==
                       FACT_KEY_WORDS,
                   "FACT_KEY_WORDS holds every word fact_key writes");
    for (size_t i = 0; i < sizeof keyed / sizeof *keyed; i++)
        key[k++] = fields & (1u << keyed[i]) ? f.val[keyed[i]] : INT32_MIN;
    key[k++] = f.launch_in != NULL;
    const uint64_t *sets[] = {f.target_in, f.target_unsure, f.launch_in, f.launch_unsure};
    for (int s = 0; s < 4; s++)
        for (int i = 0; sets[s] && i < p->zone_words && i < CAV_MAX_ZONE_WORDS; i++) {
            uint64_t v = all ? sets[s][i] : sets[s][i] & w->a->note_zones[i];
            key[k++] = (int32_t)(uint32_t)v;
            key[k++] = (int32_t)(uint32_t)(v >> 32);
        }
    return k;
}

/* The key of d (and q's weapon): every member of the decision its texts depend on, and with an
 * explanation the facts (fact_key). Returns its number of words, or -1 when d's texts cannot be
 * cached: with CAV_EXPLAIN, or a position near a zone edge, the explanation measures distances
 * from the row's own position. */
static int decision_key(const worker *w, const cav_query *q, const cav_facts *f,
                        const cav_decision *d, int32_t *key) {
    int k = 0, explained = w->a->plan.has_explanation_item, missing = 0;
    if (explained && (w->a->flags & CAV_EXPLAIN))
        return -1;
    key[k++] = (int32_t)d->verdict;
    key[k++] = d->valid_from;
    key[k++] = d->valid_until;
    key[k++] = q->weapon;
    key[k++] = d->nparties;
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        if (pd->nrules > CAV_MAX_DECIDING || (explained && pd->unsure))
            return -1;
        missing |= pd->missing != 0;
        key[k++] = pd->party;
        key[k++] = (int32_t)pd->verdict | (int32_t)pd->basis << 4;
        key[k++] = pd->nrules;
        key[k++] = (int32_t)pd->missing;
        key[k++] = (int32_t)pd->unsure;
        key[k++] = pd->valid_from;
        key[k++] = pd->valid_until;
        for (int r = 0; r < pd->nrules; r++)
            key[k++] = pd->rules[r];
    }
    if (explained)
        k += fact_key(w, q, f, d, missing, key + k);
    return k;
}

int cav__audit_set_dec_slots(cav_audit *a, uint32_t n) {
    if (a->ran || a->workers || (n != 0 && n < 4) || (n & (n - 1)) != 0)
        return CAV_EINVAL; /* the workers' caches are sized once, before the run */
    a->dec_slots = n;
    return 0;
}

void cav__audit_cache_clear(worker *w) {
    memset(w->decs, 0, w->a->dec_slots * sizeof *w->decs);
    w->ndecs = 0;
    w->cache_clears++;
    cav_buf_clear(&w->texts);
}

/* Finds the places of the date text in t[0, n) (at most 8); -1 when there are more. */
static int date_slots(const char *t, size_t n, int32_t date, uint32_t *slots) {
    char d[16];
    cav_date_format(date, d);
    int k = 0;
    /* memchr to each candidate first byte: a byte loop over a kilobyte of explanation was a
     * twentieth of the audit's work on a log's first 300,000 rows */
    for (const char *at = t, *end = t + n, *c; end - at >= 10; at = c + 1) {
        c = memchr(at, d[0], (size_t)(end - at) - 9);
        if (!c)
            break;
        if (memcmp(c, d, 10) == 0) {
            if (k == 8)
                return -1;
            slots[k++] = (uint32_t)(c - t);
            c += 9; /* the next search starts after the date */
        }
    }
    return k;
}

/* Formats the texts of (q, d) into a new entry at slot i. Not inlined: its 16 KB of stack would
 * be probed on every lookup. */
static __attribute__((noinline)) dec_slot *make_entry(worker *w, uint32_t i, uint64_t h,
                                                      const int32_t *key, int klen,
                                                      const cav_query *q, const cav_decision *d,
                                                      int state) {
    static const char zeros[8]; /* entries start at multiples of 8 (dec_index.off) */
    cav_buf_append(&w->texts, zeros, (8 - w->texts.len % 8) % 8);
    size_t off = w->texts.len;
    dec_slot e; /* written into its place at the end: the store may move as it grows */
    memset(&e, 0, sizeof e);
    cav_buf_append(&w->texts, (const char *)&e, sizeof e);
    e.key_len = (uint32_t)klen;
    cav_buf_append(&w->texts, (const char *)key, (size_t)klen * sizeof *key);
    int rules[4096];
    int nrules = column_rules(w, q, d, rules, 4096);
    e.count_off = (uint32_t)w->texts.len;
    e.ncount = nrules;
    cav_buf_append(&w->texts, (const char *)rules, (size_t)nrules * sizeof *rules);
    e.text_off = (uint32_t)w->texts.len;
    e.date = q->date;
    e.state = (uint16_t)state;
    if (!w->a->plan.has_explanation_item && state == SLOT_UNVERIFIED)
        e.state = SLOT_VERIFIED; /* only the explanation may depend on the date */
    for (int k = OUT_DECISION; k <= OUT_WHY; k++) {
        int wanted = 0;
        for (int j = 0; j < w->a->plan.nitems; j++)
            wanted |= w->a->plan.items[j].kind == (out_kind)k;
        if (!wanted)
            continue;
        cav_buf_clear(&w->scratch);
        cav__audit_column(w, q, d, (out_kind)k, &w->scratch);
        size_t at = w->texts.len;
        encode(w, &w->texts, w->scratch.data ? w->scratch.data : "", w->scratch.len);
        e.at[k] = (uint32_t)(at - e.text_off);
        e.len[k] = (uint32_t)(w->texts.len - at);
        if (k == OUT_EXPLANATION && state != SLOT_DATED && !w->texts.failed) {
            int n = date_slots(w->texts.data + at, e.len[k], q->date, e.slots);
            if (n < 0)
                e.state = SLOT_BY_DATE;
            else
                e.nslots = (uint16_t)n;
        }
    }
    if (w->texts.failed || w->scratch.failed) {
        w->scratch.failed = 1;
        return NULL;
    }
    memcpy(w->texts.data + off, &e, sizeof e);
    w->decs[i].tag = (uint32_t)h;
    w->decs[i].off = (uint32_t)(off / 8);
    w->ndecs++;
    return (dec_slot *)(void *)(w->texts.data + off);
}

/* 1 when the entry's explanation, with date written in, is the real explanation of (q, d). */
static int template_holds(worker *w, const dec_slot *e, const cav_query *q, const cav_decision *d) {
    cav_buf_clear(&w->scratch);
    cav__audit_column(w, q, d, OUT_EXPLANATION, &w->scratch);
    cav_buf_clear(&w->scratch2);
    encode(w, &w->scratch2, w->scratch.data ? w->scratch.data : "", w->scratch.len);
    if (w->scratch2.len != e->len[OUT_EXPLANATION])
        return 0;
    char date[16];
    cav_date_format(q->date, date);
    char *t = w->scratch2.data;
    for (int s = 0; s < e->nslots; s++)
        if (memcmp(t + e->slots[s], date, 10) != 0)
            return 0;
    /* compare with the template, whose slots hold the entry's own date */
    const char *tmpl = w->texts.data + e->text_off + e->at[OUT_EXPLANATION];
    for (size_t i = 0, s = 0; i < e->len[OUT_EXPLANATION]; i++) {
        if (s < e->nslots && i == e->slots[s]) {
            i += 9;
            s++;
            continue;
        }
        if (t[i] != tmpl[i])
            return 0;
    }
    return 1;
}

/* The slot of the table where the probe for hash h starts: the high half of a hash places, the
 * low half tags. */
static inline uint32_t home(const worker *w, uint64_t h) {
    return (uint32_t)(h >> 32) & (w->a->dec_slots - 1);
}

/* The first slot from i on whose tag is h's or which is empty (hashes of entries are odd, and so
 * their tags: 0 is an empty slot). */
static inline uint32_t probe(const worker *w, uint32_t i, uint64_t h) {
    uint32_t mask = w->a->dec_slots - 1;
    while (w->decs[i].tag && w->decs[i].tag != (uint32_t)h)
        i = (i + 1) & mask;
    return i;
}

static inline dec_slot *entry_at(const worker *w, uint32_t i) {
    return (dec_slot *)(void *)(w->texts.data + (size_t)w->decs[i].off * 8);
}

static dec_slot *lookup(worker *w, const int32_t *key, int klen, uint64_t h, uint32_t *slot) {
    uint32_t i = probe(w, home(w, h), h);
    for (; w->decs[i].tag; i = probe(w, (i + 1) & (w->a->dec_slots - 1), h)) {
        dec_slot *e = entry_at(w, i);
        if (e->key_len == (uint32_t)klen && memcmp(e + 1, key, (size_t)klen * sizeof *key) == 0)
            return e;
    }
    *slot = i;
    return NULL;
}

_Static_assert(sizeof((worker *)0)->dkey / sizeof(int32_t) >= KEY_WORDS + 1,
               "a worker's pending key holds a decision key and a date");

void cav__audit_decision_begin(worker *w, const cav_query *q, const cav_facts *f,
                               const cav_decision *d) {
    w->dklen = w->a->dec_slots ? decision_key(w, q, f, d, w->dkey) : -1;
    if (w->dklen < 0)
        return;
    w->dhash = hash_bytes(w->dkey, (size_t)w->dklen * sizeof *w->dkey, 0x5bd1e995u) | 1;
    __builtin_prefetch(&w->decs[home(w, w->dhash)]);
}

void cav__audit_decision_fetch(worker *w) {
    if (w->dklen < 0)
        return;
    uint32_t i = probe(w, home(w, w->dhash), w->dhash);
    if (!w->decs[i].tag)
        return;
    const char *e = (const char *)entry_at(w, i);
    for (int line = 0; line < 8; line++) /* its header, key and first texts */
        __builtin_prefetch(e + 64 * line);
}

const dec_slot *cav__audit_decision(worker *w, const cav_query *q, const cav_decision *d) {
    int32_t *key = w->dkey;
    int klen = w->dklen;
    if (klen < 0)
        return NULL;
    w->dklen = -1; /* used */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t h = w->dhash;
        if (pass == 1) {
            key[klen++] = q->date; /* the explanation depends on the date: one entry a date */
            h = hash_bytes(key, (size_t)klen * sizeof *key, 0x5bd1e995u) | 1;
        }
        uint32_t slot = 0;
        dec_slot *e = lookup(w, key, klen, h, &slot);
        if (e) {
            if (e->state == SLOT_BY_DATE)
                continue;
            if (e->state == SLOT_UNVERIFIED && e->date != q->date) {
                if (template_holds(w, e, q, d)) {
                    e->state = SLOT_VERIFIED;
                } else {
                    e->state = SLOT_BY_DATE;
                    continue;
                }
            }
            w->cache_hits++;
            return e;
        }
        w->cache_misses++;
        if (w->ndecs >= w->a->dec_slots / 2 || w->texts.len > TEXT_LIMIT) {
            cav__audit_cache_clear(w);
            lookup(w, key, klen, h, &slot);
        }
        return make_entry(w, slot, h, key, klen, q, d, pass ? SLOT_DATED : SLOT_UNVERIFIED);
    }
    return NULL;
}

/* Counts the rules of an uncached decision. Apart, so that a cached one's count does not pay
 * for probing this frame's 16 KB of stack (about 30 instructions a row). */
static __attribute__((noinline)) void count_rules(worker *w, const cav_query *q,
                                                  const cav_decision *d) {
    int rules[4096];
    int n = column_rules(w, q, d, rules, 4096);
    for (int i = 0; i < n; i++)
        w->rule[rules[i]]++;
}

void cav__audit_count(worker *w, const cav_query *q, const cav_decision *d, const dec_slot *s) {
    w->verdicts[d->verdict]++;
    for (int i = 0; i < d->nparties; i++)
        w->party[(size_t)d->parties[i].party * AUDIT_NVERDICTS + d->parties[i].verdict]++;
    if (s) {
        const int32_t *r = (const int32_t *)(const void *)(w->texts.data + s->count_off);
        for (int i = 0; i < s->ncount; i++)
            w->rule[r[i]]++;
    } else {
        count_rules(w, q, d);
    }
    if (q->date != CAV_NO_DATE) {
        /* the month of a date: days to civil year and month (Howard Hinnant's algorithm) */
        int32_t z = q->date + 719468;
        int32_t era = (z >= 0 ? z : z - 146096) / 146097;
        int32_t doe = z - era * 146097;
        int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int32_t mp = (5 * doy + 2) / 153;
        int32_t m = mp < 10 ? mp + 3 : mp - 9;
        int32_t y = yoe + era * 400 + (m <= 2);
        int32_t idx = y * 12 + m - 1 - AUDIT_MONTH0;
        if (idx >= 0 && idx < AUDIT_NMONTHS)
            w->months[(size_t)idx * AUDIT_NVERDICTS + d->verdict]++;
    }
}
