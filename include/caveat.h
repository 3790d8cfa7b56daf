/* caveat.h — the public API of libcaveat, a policy engine for the conditions that suppliers
 * attach to the use of the weapons they supply.
 *
 * A pack (catalogs, sources, zones and rules, written in the .cav language) is loaded and compiled
 * once into an immutable cav_pack. Queries are then evaluated against it: each gives a decision
 * (permitted, prohibited, unknown) for every party whose consent the use needs, the rules that
 * decided, and an explanation. See docs/language.md and ../shared/DESIGN.md for the semantics.
 *
 * Ownership and threads:
 *  - cav_pack_load*() return a new pack with one reference; cav_pack_retain() adds one and
 *    cav_pack_release() drops one, freeing the pack at zero. A loaded pack is never modified, so
 *    any number of threads may evaluate against it at once.
 *  - cav_diags is owned by the caller: cav_diags_new() / cav_diags_free().
 *  - cav_query and cav_decision are plain structs owned by the caller; evaluation writes into the
 *    caller's cav_decision and allocates nothing.
 *  - Strings returned by cav_pack_*_name() and similar live as long as the pack.
 *  - The library never prints, exits or aborts: functions return 0 or a negative CAV_E* code.
 */
#ifndef CAVEAT_H
#define CAVEAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---- */
enum {
    CAV_OK = 0,
    CAV_ENOMEM = -1,  /* out of memory */
    CAV_EIO = -2,     /* a file could not be read or written */
    CAV_EPOLICY = -3, /* the policy has errors: see the diagnostics */
    CAV_EQUERY = -4,  /* the query is malformed: see the error field */
    CAV_EGEO = -5,    /* a zone could not be built */
    CAV_EINVAL = -6,  /* an argument is out of range */
    CAV_ELIMIT = -7   /* a documented limit was exceeded */
};
/* A static English message for a CAV_E* code. */
const char *cav_strerror(int code);

/* ---- diagnostics: problems found in user input, with their place ---- */
typedef enum cav_severity { CAV_SEV_ERROR, CAV_SEV_WARNING } cav_severity;
typedef struct cav_diags cav_diags;
typedef struct cav_diag {
    cav_severity severity;
    const char *file;        /* as given to the loader, or "<default>/name.cav" */
    int line, col;           /* 1-based; 0 when not tied to a place */
    const char *message;     /* one sentence, no trailing newline */
    const char *hint;        /* NULL or a suggestion ("did you mean ...") */
    const char *source_line; /* the offending line of the file, or NULL */
} cav_diag;

cav_diags *cav_diags_new(void);
void cav_diags_free(cav_diags *d);
size_t cav_diags_count(const cav_diags *d);
size_t cav_diags_errors(const cav_diags *d);
const cav_diag *cav_diags_get(const cav_diags *d, size_t i);
/* Formats diagnostic i as "file:line:col: error: message\n  source\n  ^\n  hint: ...\n" into buf
 * (always NUL-terminated); returns the length it needed, like snprintf. */
size_t cav_diag_format(const cav_diags *d, size_t i, char *buf, size_t size);

/* ---- packs ---- */
typedef struct cav_pack cav_pack;

/* Loads a pack from npaths files or directories (every *.cav file inside, in name order).
 * Returns 0 and a new pack in *out, or CAV_EPOLICY with every error in diags (may be NULL) and
 * *out set to NULL: a policy with an error is rejected whole. Warnings go to diags too. */
int cav_pack_load(const char *const *paths, size_t npaths, cav_diags *diags, cav_pack **out);
/* Loads a pack from nfiles in-memory texts; names are used in diagnostics and to resolve
 * relative geojson() paths (relative to the current directory when a name has no directory). */
int cav_pack_load_mem(const char *const *names, const char *const *texts, size_t nfiles,
                      cav_diags *diags, cav_pack **out);
/* Loads the default pack embedded in the library. */
int cav_pack_load_default(cav_diags *diags, cav_pack **out);
cav_pack *cav_pack_retain(cav_pack *p);
void cav_pack_release(cav_pack *p);

/* Catalog look-ups: return the id (>= 0) of a name (case-insensitive; weapons also by alias),
 * or -1. */
int cav_pack_party(const cav_pack *p, const char *name);
int cav_pack_weapon(const cav_pack *p, const char *name);
int cav_pack_kind(const cav_pack *p, const char *name);
int cav_pack_purpose(const cav_pack *p, const char *name);
const char *cav_pack_party_name(const cav_pack *p, int id);
const char *cav_pack_weapon_name(const cav_pack *p, int id);
const char *cav_pack_rule_name(const cav_pack *p, int id);
int cav_pack_rule_count(const cav_pack *p);

/* ---- dates: days since 1970-01-01 (proleptic Gregorian) ---- */
/* Parses "YYYY-MM-DD"; returns 0 or CAV_EINVAL for anything that is no real date. */
int cav_date_parse(const char *s, int32_t *days);
/* Writes "YYYY-MM-DD" into buf (size >= 11). */
void cav_date_format(int32_t days, char *buf);

/* ---- queries and decisions ---- */
#define CAV_MISSING (-1) /* an optional catalog field that was not given */
typedef enum cav_state { CAV_STATE_GROUND = 0, CAV_STATE_AIRBORNE = 1 } cav_state;

typedef struct cav_query {
    int32_t date; /* days since 1970-01-01 */
    int weapon;   /* cav_pack_weapon() id */
    int supplier; /* party id or CAV_MISSING: then the weapon's consent parties decide */
    double target_lat, target_lon; /* degrees WGS84 */
    int kind;                      /* cav_pack_kind() id */
    int state;                     /* cav_state */
    int purpose;                   /* cav_pack_purpose() id or CAV_MISSING */
    int has_launch;                /* 1 when launch_lat/lon are given */
    double launch_lat, launch_lon;
} cav_query;

typedef enum cav_verdict { CAV_PERMITTED = 0, CAV_PROHIBITED = 1, CAV_UNKNOWN = 2 } cav_verdict;
const char *cav_verdict_name(cav_verdict v); /* "permitted", "prohibited", "unknown" */

#define CAV_MAX_PARTIES 8  /* consent parties of one use */
#define CAV_MAX_DECIDING 8 /* deciding rules reported per party */

/* How one party's decision came about. */
typedef enum cav_basis {
    CAV_BASIS_RULE = 0,    /* rules[] permitted or forbade */
    CAV_BASIS_DEFAULT = 1, /* no permit rule matched: default deny */
    CAV_BASIS_NONE = 2     /* no rule of the party in force on the date: unknown */
} cav_basis;

typedef struct cav_party_decision {
    int party;
    cav_verdict verdict;
    cav_basis basis;
    int nrules; /* deciding rules, in pack order */
    int rules[CAV_MAX_DECIDING];
    uint32_t missing; /* CAV_FIELD_* bits a rule of this party needed but lacked */
} cav_party_decision;

/* Field bits, used in cav_party_decision.missing. */
enum { CAV_FIELD_PURPOSE = 1u << 0, CAV_FIELD_LAUNCH = 1u << 1, CAV_FIELD_SUPPLIER = 1u << 2 };

typedef struct cav_decision {
    cav_verdict verdict;
    int nparties;
    cav_party_decision parties[CAV_MAX_PARTIES];
} cav_decision;

/* Evaluates q against p into *d. Returns 0, or CAV_EINVAL when q names ids the pack does not
 * have or names no supplier for a weapon whose consent is its supplier's (no party would
 * decide). Allocates nothing; thread-safe. */
int cav_eval(const cav_pack *p, const cav_query *q, cav_decision *d);

/* Parses one JSON query (DESIGN.md format) into *q. On error returns CAV_EQUERY and writes the
 * offending field name ("target.lat", or "" for the document itself) and a message into
 * field/msg (each NUL-terminated, truncated to their sizes). id/idsize receive the query's "id"
 * as a JSON text ("null" when absent) so the caller can echo it even for a bad query. */
int cav_query_parse_json(const cav_pack *p, const char *json, size_t len, cav_query *q, char *id,
                         size_t idsize, char *field, size_t fieldsize, char *msg, size_t msgsize);

/* Explanation flags. */
enum {
    CAV_EXPLAIN_NEAREST = 1u << 0 /* for prohibited uses: which conditions of the nearest permit
                                     rules failed */
};

/* Writes the English explanation of d (made by cav_eval for q) into buf, NUL-terminated;
 * returns the length needed, like snprintf. */
size_t cav_explain(const cav_pack *p, const cav_query *q, const cav_decision *d, unsigned flags,
                   char *buf, size_t size);

/* Writes the DESIGN.md JSON decision line (no newline) for q/d with the given id JSON text into
 * buf; returns the length needed, like snprintf. */
size_t cav_decision_json(const cav_pack *p, const cav_query *q, const cav_decision *d,
                         const char *id_json, unsigned flags, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
