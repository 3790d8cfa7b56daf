/* pack.h — the compiled form of a policy pack, shared by the checker (check.c), the compiler
 * (compile.c), the evaluator (eval.c), the explainer (explain.c) and the pack's front ends.
 *
 * Everything here lives in the pack's own arena and is immutable once cav_pack_load returns.
 * Names in the catalogs are ids into arrays; a condition is an array of nodes whose tests hold
 * bit sets over the tested field's domain, so evaluation is integer work only: no string
 * compares, no allocation. Weapon-class tests are compiled into weapon sets and kind-hierarchy
 * tests into kind sets, so a test is one bit look-up (or a few words ANDed for places).
 */
#ifndef CAV_PACK_H
#define CAV_PACK_H

#include "caveat.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/tz.h"
#include "geo/geo.h"
#include "lang/ast.h"

#include <stdint.h>

#define CAV_DATE_MAX CAV_DATE_OPEN /* "until" of a rule that has none */
#define CAV_MAX_ZONE_WORDS 16      /* zones of a pack: at most 64 * 16 = 1024 */

typedef struct cav_party {
    const char *code, *title;
    int nnames;
    const char **names; /* other names a query may use for the party ("UK") */
} cav_party;
typedef struct cav_class {
    const char *id, *title;
} cav_class;
typedef struct cav_kind {
    const char *id, *title;
    int parent; /* -1 at a root */
} cav_kind;
typedef struct cav_purpose {
    const char *id, *title;
} cav_purpose;
typedef struct cav_weapon {
    const char *id, *title, *range;
    int wclass;
    int nconsent;
    int *consent; /* party ids whose consent every use needs (may be empty with suppliers) */
    int nsuppliers;
    int *suppliers; /* party ids that supplied it; a query's supplier must be one of them */
    int naliases;
    const char **aliases;
} cav_weapon;
typedef struct cav_source {
    const char *id, *title, *outlet, *url;
    int32_t date;
    int has_date;
} cav_source;
typedef struct cav_zone {
    const char *id, *title, *note;
    const char *assumption; /* why the zone is an assumption of the pack, or NULL */
    int nsources;
    int *sources;
    double precision_m;       /* stated precision of its edges: 0 exact (user-drawn) */
    int implicit;             /* a country/region named directly in a rule */
    const unsigned char *wkb; /* the geometry (lon/lat) as WKB: each user of GEOS reads it into
                                 a context of its own (cav__zone_geom), so the pack holds no
                                 GEOS object and no mutable state */
    size_t wkb_len;
    int line, col, file;
} cav_zone;

/* A compiled condition node. Nodes of one rule are contiguous; children precede nothing in
 * particular: a and b are absolute node indices. */
typedef enum cav_node_op { CAV_N_TEST, CAV_N_AND, CAV_N_OR, CAV_N_NOT } cav_node_op;
enum { CAV_P_TEST = 0, CAV_P_AND = 1, CAV_P_OR = 2, CAV_P_NOT = 3, CAV_P_JF = 4, CAV_P_JT = 5 };
#define CAV_MAX_PROG_DEPTH 160 /* stack of a postfix condition (nesting is at most 64) */
typedef struct cav_node {
    uint8_t op;        /* cav_node_op */
    uint8_t field;     /* cav_field of a TEST, after class → weapon rewriting (see src_field) */
    uint8_t src_field; /* the field as written, for explanations */
    uint8_t test;      /* cav_test_op as written */
    int a, b;          /* children */
    uint32_t set;      /* TEST: offset of its bit set in cav_pack.words */
    int nvals;         /* TEST: the values as written, for explanations */
    const char **vals;
} cav_node;

typedef struct cav_rule {
    const char *id, *title;
    int forbid; /* 1: forbid, 0: permit */
    int all_parties;
    int nparties;
    int *parties;
    int32_t from, until; /* [from, until) in days; until = CAV_DATE_MAX when open */
    int has_until;
    int nsources;
    int *sources;
    const char *says, *quote, *disputed, *note;
    const char *assumption; /* why the rule rests on an assumption of the pack, or NULL */
    int paraphrase;         /* the quote is a paraphrase, not verbatim */
    int nunless;
    int *unless;          /* forbid: permit rule ids that are its exceptions (same party) */
    int root;             /* node index of the condition, -1 when the rule has no `when` */
    uint32_t prog, nprog; /* the condition in postfix (cav_pack.prog), for the hot path */
    int and_chain;        /* the condition is tests joined by `and` only: prog lists them */
    uint32_t needs;       /* CAV_QBIT of the optional query fields the condition tests */
    uint32_t speaks;      /* offset in words of the set of weapons the rule speaks of: those for
                             which its condition is not false whatever the other facts */
    uint64_t places;      /* the rule tests target zones (bit 0), launch zones (bit 1) */
    int file, line;
} cav_rule;

typedef struct cav_note {
    const char *id, *title, *says, *quote, *disputed;
    int paraphrase;
    int nparties;
    int *parties;
    int32_t date, until; /* [date, until): until CAV_DATE_MAX when open */
    int has_date;
    int root; /* node index of its `when`, or -1: a note with a condition is carried by the
                 decisions it concerns (explain.c) */
    int nsources;
    int *sources;
} cav_note;

/* The rules of one party in force over one date interval [start, next epoch's start). */
typedef struct cav_epoch {
    int32_t start;
    int nrules;
    const int *rules; /* rule ids in pack order */
    int has_own;      /* (weapon index) some rule naming the party itself is among them */
} cav_epoch;

typedef struct cav_party_index {
    int nepochs; /* epochs[0].start is INT32_MIN */
    cav_epoch *epochs;
} cav_party_index;

/* One entry of the name index: a normalised name of a catalog entry. */
typedef struct cav_name_entry {
    uint64_t hash; /* 0: empty slot */
    const char *norm;
    int catalog; /* cav_catalog */
    int id;
} cav_name_entry;

struct cav_pack {
    _Atomic int refs; /* atomically updated */
    cav_arena arena;
    const char **file_names;
    int nfiles;
    const char *name, *title, *timezone; /* title: of the `pack` statement, or NULL */
    cav_tz tz;
    char hash[65];         /* SHA-256 of the canonical content, hex */
    char id[96];           /* name@ + 12 hex digits */
    cav_name_entry *names; /* open addressing, nnames_cap slots (a power of two) */
    int names_cap;
    int nparties, nclasses, nkinds, npurposes, nweapons, nsources, nzones, nrules, nnotes;
    cav_party *parties;
    cav_class *classes;
    cav_kind *kinds;
    cav_purpose *purposes;
    cav_weapon *weapons;
    cav_source *sources;
    cav_zone *zones;
    cav_rule *rules;
    cav_note *notes;
    /* compiled */
    cav_node *nodes;
    int nnodes;
    uint64_t *words; /* all tests' bit sets */
    int nwords;
    uint32_t *prog; /* every rule's condition in postfix with short-circuit jumps: (arg << 3) |
                       CAV_P_*, arg a node for TEST, a forward distance for JF / JT (eval.c) */
    int domain_words[CAV_F_COUNT]; /* words per set, by field */
    cav_party_index *index;        /* per party */
    cav_party_index *windex;       /* per party and weapon ([party * nweapons + weapon]): the epochs
                                      where the rules in force that speak of the weapon change, with
                                      only those rules; NULL when it would be too large (eval then
                                      filters the party's epochs) */
    cav_locator *locator;          /* every zone; bit i = zones[i] */
    int zone_words;
    uint64_t *assumed; /* zone set: the zones that are assumptions (zone_words words) */
};

/* Facts of one query as the evaluator sees them (ids; missing optional fields flagged). Zone
 * membership is three-valued: a zone of `unsure` is neither certainly in nor out (the position's
 * uncertainty disk, or the boundary data's precision, crosses its edge); otherwise `in` says. */
typedef struct cav_facts {
    union {
        struct {
            int weapon, wclass, kind, state, role, purpose, supplier; /* role, purpose, supplier
                                                                          may be CAV_MISSING */
        };
        int val[CAV_F_TARGET]; /* the same, indexed by cav_field (eval.c's hot path) */
    };
    const uint64_t *target_in, *target_unsure; /* locator words */
    const uint64_t *launch_in, *launch_unsure; /* NULL when no launch point */
} cav_facts;

/* Scratch words for the facts of one query: in and unsure for target and launch. */
#define CAV_FACT_WORDS (4 * CAV_MAX_ZONE_WORDS)

typedef enum cav_tri { CAV_FALSE = 0, CAV_TRUE = 1, CAV_UNDET = 2 } cav_tri;

/* Evaluates node n of p on f with Kleene logic: a test of a missing field is undetermined. */
cav_tri cav__eval_node(const cav_pack *p, int n, const cav_facts *f);
/* Fills f from q, using zone scratch space of CAV_FACT_WORDS words. */
void cav__facts_of(const cav_pack *p, const cav_query *q, uint64_t *scratch, cav_facts *f);
/* cav_eval, leaving q's facts in f (in scratch, CAV_FACT_WORDS words) for the caller to reuse:
 * the audit and the batches key, validate and explain on them without locating q again. */
int cav__eval_facts(const cav_pack *p, const cav_query *q, uint64_t *scratch, cav_facts *f,
                    cav_decision *d);
/* cav_decision_validity of a decision of q, on q's facts f (cav__eval_facts). */
void cav__validity_of(const cav_pack *p, const cav_query *q, const cav_facts *f, cav_decision *d);
/* The three-valued value of rule r on f, its `unless` exceptions in force on date included. */
cav_tri cav__rule_value(const cav_pack *p, int r, int32_t date, const cav_facts *f);
/* 1 when rule r speaks of weapon w (see cav_rule.speaks). */
int cav__rule_speaks(const cav_pack *p, int r, int w);
/* Calls fn(ud, test) for every test node of the condition rooted at node n (n < 0: none), left
 * to right: what the audit's cache keys (the fields and zones notes and exceptions test) and
 * the explanation's assumed and near-edge zones are found with. */
void cav__node_tests(const cav_pack *p, int n, void (*fn)(void *ud, const cav_node *test),
                     void *ud);
/* Decides one party on date for f (the six steps of docs/semantics.md) into pd, without its
 * validity. */
void cav__decide_party(const cav_pack *p, int party, int32_t date, const cav_facts *f,
                       cav_party_decision *pd);
/* Every deciding rule of pd (pd->nrules of them, which may exceed CAV_MAX_DECIDING) into out. */
int cav__deciding_rules(const cav_pack *p, const cav_party_decision *pd, int32_t date,
                        const cav_facts *f, int *out, int max);
/* The parties whose consent q needs, into out (at most CAV_MAX_PARTIES): the weapon's consent
 * parties, then the supplier if it is not among them. Returns their number. */
int cav__consent_parties(const cav_pack *p, const cav_query *q, int *out);
/* 1 when rule r applies to party: it names the party or is a `party *` rule. */
int cav__rule_applies(const cav_rule *r, int party);
/* Epoch of party for date: the rules in force. */
const cav_epoch *cav__epoch_of(const cav_pack *p, int party, int32_t date);
/* The same in an index of epochs (binary search). */
const cav_epoch *cav__epoch_in(const cav_party_index *ix, int32_t date);
/* The epochs in which to decide party for weapon w: the weapon's own index when the pack has one
 * (only the rules that speak of w), else the party's. */
static inline const cav_party_index *cav__index_for(const cav_pack *p, int party, int w) {
    return p->windex ? &p->windex[(size_t)party * (size_t)p->nweapons + (size_t)w]
                     : &p->index[party];
}

/* Builds the pack from a parse: resolves names, checks, compiles zones, conditions and indexes.
 * opts (may be NULL) says where geojson() may read. Errors and warnings go to diags. With
 * check_only, stops after the name checks (used after syntax errors) and returns CAV_EPOLICY.
 * Returns 0 and a pack, or CAV_EPOLICY / CAV_ENOMEM. */
int cav__pack_build(const cav_parse *ps, const cav_load_opts *opts, cav_diags *diags,
                    int check_only, cav_pack **out);

/* Static analysis for `caveat lint`: never-matching, shadowed and redundant rules, reported as
 * warnings. With `overlaps`, reports instead every permit/forbid pair that can both match.
 * Bounded as cav_pack_lint says. Returns 0 or CAV_ENOMEM. */
int cav__pack_analyze(const cav_pack *p, cav_diags *diags, int overlaps);

/* 1 when rule can match some use of weapon: it applies to one of the weapon's consent parties
 * or suppliers (or to every party) and its condition is satisfiable with that weapon. */
int cav__rule_concerns_weapon(const cav_pack *p, int rule, int weapon);

/* A new geometry of zone z (lon/lat) in context h, owned by the caller; NULL on failure. */
GEOSGeometry *cav__zone_geom(const cav_pack *p, int z, GEOSContextHandle_t h);

/* Reads a whole policy file into a NUL-terminated heap buffer (the caller frees it), refusing
 * directories, files over 16 MiB and files with NUL bytes, and, for a file found by listing a
 * pack directory (listed), anything but a regular file: a FIFO named x.cav must not block the
 * load. A path the user named may be a pipe (--policy <(...)). Problems go to d. NULL on
 * failure. */
char *cav__read_policy_file(const char *path, int listed, cav_diags *d);

#endif
