/* caveat.h — the public API of libcaveat, a policy engine for the conditions that suppliers
 * attach to the use of the weapons they supply.
 *
 * A pack (catalogs, sources, zones and rules, written in the .cav language: docs/language.md) is
 * loaded and compiled once into an immutable cav_pack. Queries are bound field by field
 * (cav_query_set_*, or cav_query_parse_json for a JSON query) and evaluated against it: each gives
 * a decision (permitted, prohibited, indeterminate, unknown) for every party whose consent the use
 * needs, the rules that decided, the dates between which it holds, and an explanation. The
 * contract of decisions is docs/semantics.md; the whole API with an example per capability is
 * docs/library.md.
 *
 * Ownership and threads:
 *  - cav_pack_load*() return a new pack with one reference; cav_pack_retain() adds one and
 *    cav_pack_release() drops one, freeing the pack at zero. A loaded pack is never modified, so
 *    any number of threads may use it at once, with every function of this header.
 *  - cav_diags and cav_buf are owned by the caller (cav_diags_new/free, cav_buf_free).
 *  - cav_query, cav_qerrors and cav_decision are plain structs owned by the caller; evaluation
 *    writes into the caller's cav_decision and allocates nothing.
 *  - Strings returned by pack accessors live as long as the pack.
 *  - The library never prints, exits or aborts: functions return 0 or a negative CAV_E* code.
 *    Text is appended to a cav_buf that grows as needed; nothing is silently cut.
 */
#ifndef CAVEAT_H
#define CAVEAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CAV_API __attribute__((visibility("default")))
#else
#define CAV_API
#endif

/* ---- version, errors, memory ------------------------------------------------------------------
 */

/* The library's version, "MAJOR.MINOR.PATCH". */
CAV_API const char *cav_version(void);

enum {
    CAV_OK = 0,
    CAV_ENOMEM = -1,  /* out of memory */
    CAV_EIO = -2,     /* a file could not be read or written */
    CAV_EPOLICY = -3, /* the policy has errors: see the diagnostics */
    CAV_EQUERY = -4,  /* the query is malformed: see the errors */
    CAV_EGEO = -5,    /* a zone could not be built */
    CAV_EINVAL = -6,  /* an argument is out of range */
    CAV_ELIMIT = -7   /* a documented limit was exceeded */
};
/* A static English message for a CAV_E* code. */
CAV_API const char *cav_strerror(int code);

/* The embedder's allocator: every allocation of the library goes through it (GEOS and PROJ keep
 * their own). Set it before any other call, never while the library is in use; NULL restores
 * malloc/realloc/free. Returns 0 or CAV_EINVAL when a function pointer is NULL. */
typedef struct cav_allocator {
    void *(*malloc)(void *ud, size_t n);
    void *(*realloc)(void *ud, void *p, size_t n);
    void (*free)(void *ud, void *p);
    void *ud;
} cav_allocator;
CAV_API int cav_set_allocator(const cav_allocator *a);
/* Frees what the library keeps for the whole process: the locator of the embedded boundary data,
 * which cav_where and cav_pack_lint build on first use (tens of megabytes). After it, everything
 * the allocator gave has come back (packs, buffers and diagnostics released). Call it only when
 * no other thread is in the library, as cav_set_allocator; a later call builds what it needs
 * again. */
CAV_API void cav_cleanup(void);

/* A growable text buffer. Zero-initialise it (cav_buf b = {0}); functions of this header append
 * to it; cav_buf_free releases it. data is NUL-terminated once anything was appended. When an
 * append runs out of memory, `failed` is set and the function that appended returns CAV_ENOMEM. */
typedef struct cav_buf {
    char *data;
    size_t len, cap;
    int failed;
} cav_buf;
CAV_API void cav_buf_free(cav_buf *b);
/* Empties b, keeping its memory. */
CAV_API void cav_buf_clear(cav_buf *b);
/* Appends n bytes of s. Returns 0 or CAV_ENOMEM. */
CAV_API int cav_buf_append(cav_buf *b, const char *s, size_t n);
/* Appends s[0, n) as a JSON string literal, always valid UTF-8 JSON (bad bytes become U+FFFD). */
CAV_API int cav_buf_json_string(cav_buf *b, const char *s, size_t n);

/* Output files written completely or not at all (docs/robustness.md, "Output files"): the text
 * goes to an unnamed temporary file next to the target, renamed over it once complete and
 * flushed, so a reader never sees half a file and a killed writer leaves the old one. path NULL
 * or "-" is standard output. The target keeps its permissions; a symbolic link is followed (the
 * link stays); a device or FIFO (/dev/null), or the process's own standard output, is written in
 * place. Refused with CAV_EIO, the target left as it was: a directory, a read-only file, a file
 * with other hard links, a file among `inputs` (a NULL-terminated list of the run's input files,
 * may be NULL), or a policy file among `packs` (the files and directories a pack was loaded from,
 * NULL-terminated, may be NULL: a .cav file in one of those directories counts). On an error, err
 * (may be NULL) gets why, as "is read-only; it is left as it is" (the caller names the path).
 * cav_outfile_commit and cav_outfile_abort release the handle, whatever they return. */
typedef struct cav_outfile cav_outfile;
CAV_API int cav_outfile_open(cav_outfile **out, const char *path, const char *const *inputs,
                             const char *const *packs, cav_buf *err);
CAV_API int cav_outfile_write(cav_outfile *o, const char *data, size_t len, cav_buf *err);
CAV_API int cav_outfile_commit(cav_outfile *o, cav_buf *err);
CAV_API void cav_outfile_abort(cav_outfile *o);
/* The descriptor cav_outfile_write writes to, for writers that take one (cav_audit_opts.out_fd). */
CAV_API int cav_outfile_fd(const cav_outfile *o);
/* All of data to path, as cav_outfile_open, _write and _commit. */
CAV_API int cav_write_file(const char *path, const char *data, size_t len,
                           const char *const *inputs, const char *const *packs, cav_buf *err);
/* 1 when the paths a and b name the same existing file, else 0. */
CAV_API int cav_same_file(const char *a, const char *b);

/* Output formats of the library's writers. */
typedef enum cav_format {
    CAV_FMT_TEXT,
    CAV_FMT_JSON,
    CAV_FMT_MD,
    CAV_FMT_CSV,
    CAV_FMT_NDJSON,
    CAV_FMT_GEOJSON,
    CAV_FMT_SVG,
    CAV_FMT_PNG,
    CAV_FMT_PDF,
    CAV_FMT_SARIF,
    CAV_FMT_JUNIT,
    CAV_FMT_COUNT
} cav_format;
/* "text", "json", "md", ...; and the reverse (-1 when unknown). */
CAV_API const char *cav_format_name(cav_format f);
CAV_API int cav_format_find(const char *name);

/* Appends to out the (up to three) candidates nearest to name, as "a, b or c", for "did you
 * mean" messages; returns how many (0: nothing appended). Case-insensitive; a prefix counts as a
 * near miss. */
CAV_API int cav_suggest(const char *name, const char *const *candidates, size_t n, cav_buf *out);

/* ---- diagnostics: problems found in a policy, with their place --------------------------------
 */
typedef enum cav_severity { CAV_SEV_ERROR, CAV_SEV_WARNING } cav_severity;
typedef struct cav_diags cav_diags;
typedef struct cav_diag {
    cav_severity severity;
    const char *file;        /* as given to the loader, or "<default>/name.cav" */
    int line, col;           /* 1-based; 0 when not tied to a place */
    const char *message;     /* one sentence, no trailing newline */
    const char *hint;        /* NULL or a suggestion ("did you mean ...") */
    const char *source_line; /* the offending line of the file, or NULL */
    const char *code;        /* a stable identifier of the kind of problem ("unknown-name"), or
                                NULL (the JSON and SARIF writers then say "error"/"warning") */
} cav_diag;

CAV_API cav_diags *cav_diags_new(void);
CAV_API void cav_diags_free(cav_diags *d);
CAV_API size_t cav_diags_count(const cav_diags *d);
CAV_API size_t cav_diags_errors(const cav_diags *d);
CAV_API const cav_diag *cav_diags_get(const cav_diags *d, size_t i);
/* Appends diagnostic i as "file:line:col: error: message\n  source\n  ^\n  hint: ...\n". */
CAV_API int cav_diag_format(const cav_diags *d, size_t i, cav_buf *out);
/* Appends every diagnostic (warnings too when warnings is 1) as text (cav_diag_format), JSON (an
 * array of objects) or SARIF 2.1.0 (for code scanning in CI). */
CAV_API int cav_diags_write(const cav_diags *d, int warnings, cav_format fmt, cav_buf *out);

/* ---- packs ------------------------------------------------------------------------------------
 */
typedef struct cav_pack cav_pack;

/* Loads a pack from npaths files or directories (every *.cav file inside, in name order: regular
 * files only, so a FIFO named x.cav never blocks the load). The
 * path "@default" stands for the files of the embedded default pack, so a user's files can add
 * rules and catalog entries on top of it. Returns 0 and a new pack in *out, or CAV_EPOLICY with
 * every error in diags (may be NULL) and *out set to NULL: a policy with an error is rejected
 * whole. Loading does not analyse the rules (see cav_pack_lint). */
CAV_API int cav_pack_load(const char *const *paths, size_t npaths, cav_diags *diags,
                          cav_pack **out);
/* Loads a pack from nfiles in-memory texts; names are used in diagnostics and to resolve
 * relative geojson() paths (see cav_load_opts for where those may lie). */
CAV_API int cav_pack_load_mem(const char *const *names, const char *const *texts, size_t nfiles,
                              cav_diags *diags, cav_pack **out);
/* Options of loading a pack (cav_pack_load_opts, cav_pack_load_mem_opts). Zero-initialise.
 *
 * Files a pack names (geojson() zones) are read only from inside the directory of the policy
 * file that names them, and its subdirectories, symbolic links resolved (for an in-memory policy,
 * the directory its name gives, "." for a bare name): a pack from elsewhere cannot make the
 * loader read "../../etc/shadow" or "/home/x/secret.geojson". allow_paths names further directory
 * trees it may read from (the command line's --allow-path DIR). Whatever their place, such files
 * must be regular files (never a FIFO or a device), and a file that is no valid GeoJSON is
 * reported by line and column without quoting its content (docs/robustness.md). */
typedef struct cav_load_opts {
    const char *const *allow_paths; /* directories geojson() may also read from; may be NULL */
    size_t nallow_paths;
} cav_load_opts;
/* cav_pack_load and cav_pack_load_mem with options (o may be NULL: the defaults above). */
CAV_API int cav_pack_load_opts(const char *const *paths, size_t npaths, const cav_load_opts *o,
                               cav_diags *diags, cav_pack **out);
CAV_API int cav_pack_load_mem_opts(const char *const *names, const char *const *texts,
                                   size_t nfiles, const cav_load_opts *o, cav_diags *diags,
                                   cav_pack **out);
/* Loads the default pack embedded in the library. */
CAV_API int cav_pack_load_default(cav_diags *diags, cav_pack **out);
/* The files of the embedded default pack, for `caveat pack export`: file i's path relative to the
 * pack's directory ("us.cav", "tests/law.jsonl") and text. Returns 0, or CAV_EINVAL past the
 * last file. */
CAV_API int cav_default_file(size_t i, const char **path, const char **text, size_t *len);
CAV_API cav_pack *cav_pack_retain(cav_pack *p);
CAV_API void cav_pack_release(cav_pack *p);

/* Lays out one policy file (name for messages, NUL-terminated text) canonically
 * (docs/language.md, "Layout"): appends the new text to out. Idempotent; the result parses to the
 * same pack; comments are kept. Returns 0, or CAV_EPOLICY with the syntax errors in diags (may be
 * NULL) and nothing appended. */
CAV_API int cav_fmt(const char *name, const char *text, cav_diags *diags, cav_buf *out);
/* Appends a unified diff (3 lines of context) from the text a (a file named `name`) to the text b
 * (its layout from cav_fmt), as `caveat fmt --diff` prints it; nothing when they are equal.
 * Returns 0 or CAV_ENOMEM. */
CAV_API int cav_fmt_diff(const char *name, const char *a, size_t alen, const char *b, size_t blen,
                         cav_buf *out);

/* Analyses a loaded pack (docs/language.md, "Warnings"): rules that can never match, permits
 * that can never permit because a forbid overrides them, redundant rules (each rule reported once
 * as shadowed or redundant); with CAV_LINT_OVERLAPS, every permit/forbid pair that can match the
 * same use instead. Warnings are added to diags. Only rules that share a party and whose dates
 * overlap are compared. The analysis enumerates the catalogs, so it is bounded: a pair whose
 * space is too large is skipped, and the whole analysis stops after CAV_LINT_BUDGET steps (a
 * pair of rules considered, or a use examined) or CAV_LINT_MAX_WARNINGS warnings, with a last
 * warning (code "analysis-incomplete") that says so. Loading never runs it. Returns 0, or
 * CAV_ENOMEM / CAV_EINVAL. */
enum { CAV_LINT_OVERLAPS = 1u << 0 };
#define CAV_LINT_BUDGET 20000000L
#define CAV_LINT_MAX_WARNINGS 10000
CAV_API int cav_pack_lint(const cav_pack *p, unsigned flags, cav_diags *diags);

/* The pack's identity: "NAME@" and the first 12 hex digits of the SHA-256 of its compiled
 * content (catalogs, zones, rules and notes in canonical form, zone data files included; not
 * comments or layout). The same files give the same id on any machine. */
CAV_API const char *cav_pack_id(const cav_pack *p);
/* The full SHA-256 in hex (64 digits). */
CAV_API const char *cav_pack_hash(const cav_pack *p);
/* The pack's name (its `pack` statement, else "default" for the embedded pack, else "pack"). */
CAV_API const char *cav_pack_name(const cav_pack *p);
/* The title its `pack` statement gives, or "" when none does. */
CAV_API const char *cav_pack_title(const cav_pack *p);
/* The IANA time zone in which timestamps are turned into dates ("Europe/Kyiv"), or "UTC". */
CAV_API const char *cav_pack_timezone(const cav_pack *p);

/* ---- catalogs ---------------------------------------------------------------------------------
 */
typedef enum cav_catalog {
    CAV_CAT_PARTY,
    CAV_CAT_CLASS,
    CAV_CAT_KIND,
    CAV_CAT_PURPOSE,
    CAV_CAT_WEAPON,
    CAV_CAT_SOURCE,
    CAV_CAT_ZONE,
    CAV_CAT_RULE,
    CAV_CAT_NOTE,
    CAV_CAT_STATE, /* the fixed values ground, airborne */
    CAV_CAT_ROLE,  /* the fixed values attacking, supporting, none */
    CAV_CAT_COUNT
} cav_catalog;

/* Number of entries of a catalog. */
CAV_API int cav_catalog_count(const cav_pack *p, cav_catalog c);
/* The id of the entry with this name, or -1. Names are case-insensitive and spaces, hyphens and
 * underscores are the same ("Storm Shadow" is storm-shadow); weapons also answer to their
 * aliases, parties to their declared names ("UK" for GB). */
CAV_API int cav_catalog_find(const cav_pack *p, cav_catalog c, const char *name, size_t len);
/* The identifier and the title of entry i (title may be ""), or NULL when out of range. */
CAV_API const char *cav_catalog_name(const cav_pack *p, cav_catalog c, int i);
CAV_API const char *cav_catalog_title(const cav_pack *p, cav_catalog c, int i);
/* The catalog's name in the singular ("party", "weapon", ...) and by its plural. */
CAV_API const char *cav_catalog_label(cav_catalog c);
CAV_API int cav_catalog_by_label(const char *label); /* "weapons" or "weapon" → CAV_CAT_WEAPON */

typedef struct cav_weapon_info {
    const char *id, *title, *range; /* range may be NULL */
    int wclass;                     /* CAV_CAT_CLASS id */
    int nconsent;
    const int *consent; /* parties whose consent every use needs */
    int nsuppliers;
    const int *suppliers; /* parties recorded as suppliers (the supplier consents) */
    int naliases;
    const char *const *aliases;
} cav_weapon_info;
CAV_API int cav_weapon_info_get(const cav_pack *p, int weapon, cav_weapon_info *out);

typedef struct cav_party_info {
    const char *code, *title;
    int nnames;
    const char *const *names; /* other names a query may use ("UK") */
} cav_party_info;
CAV_API int cav_party_info_get(const cav_pack *p, int party, cav_party_info *out);

typedef struct cav_kind_info {
    const char *id, *title;
    int parent; /* -1 at a root */
} cav_kind_info;
CAV_API int cav_kind_info_get(const cav_pack *p, int kind, cav_kind_info *out);

#define CAV_DATE_OPEN INT32_MAX /* an open end of an interval of dates */

typedef struct cav_rule_info {
    const char *id, *title;
    int forbid;      /* 1 forbid, 0 permit */
    int all_parties; /* `party *` */
    int nparties;
    const int *parties;
    int32_t from, until; /* [from, until) in days; until = CAV_DATE_OPEN when open */
    int nsources;
    const int *sources;
    const char *says, *quote, *note; /* may be NULL */
    int paraphrase;                  /* the quote is marked as a paraphrase, not verbatim */
    const char *disputed;            /* why the rule is disputed, or NULL */
    const char *assumption;          /* the assumption of the pack it rests on, or NULL */
    int nunless;
    const int *unless; /* permits that are exceptions to this forbid */
    const char *file;  /* where it is written */
    int line;
} cav_rule_info;
CAV_API int cav_rule_info_get(const cav_pack *p, int rule, cav_rule_info *out);

typedef struct cav_source_info {
    const char *id, *title, *outlet, *url; /* url may be NULL */
    int32_t date;                          /* CAV_DATE_OPEN when not given */
} cav_source_info;
CAV_API int cav_source_info_get(const cav_pack *p, int source, cav_source_info *out);

typedef struct cav_zone_info {
    const char *id, *title, *note;
    const char *assumption; /* why the zone is an assumption of the pack, or NULL */
    int implicit;           /* a country or region named directly in a rule */
    double precision_m;     /* stated precision of its edges (0: exact) */
    int nsources;
    const int *sources;
} cav_zone_info;
CAV_API int cav_zone_info_get(const cav_pack *p, int zone, cav_zone_info *out);

typedef struct cav_note_info {
    const char *id, *title, *says, *quote;
    const char *disputed; /* or NULL */
    int paraphrase;
    int nparties;
    const int *parties;
    int32_t date;  /* CAV_DATE_OPEN when not given */
    int32_t until; /* CAV_DATE_OPEN when open */
    int carried;   /* it has a condition: decisions it concerns carry it */
    int nsources;
    const int *sources;
} cav_note_info;
CAV_API int cav_note_info_get(const cav_pack *p, int note, cav_note_info *out);

/* ---- dates: days since 1970-01-01 (proleptic Gregorian) ---------------------------------------
 */
#define CAV_DATE_MIN_YEAR 1900
#define CAV_DATE_MAX_YEAR 2100
/* Parses "YYYY-MM-DD" (years 1900 to 2100); returns 0, or CAV_EINVAL for anything else. */
CAV_API int cav_date_parse(const char *s, int32_t *days);
/* Parses a date or an RFC 3339 timestamp ("2024-06-10T23:30:00+03:00", "...Z") into the
 * calendar date in the pack's time zone (UTC when p is NULL). On error returns CAV_EINVAL and
 * appends why to msg (which may be NULL). */
CAV_API int cav_date_parse_in(const cav_pack *p, const char *s, size_t len, int32_t *days,
                              cav_buf *msg);
/* Writes "YYYY-MM-DD" into buf (size >= 11); a day outside the years 0000 to 9999 is written as
 * "invalid". */
CAV_API void cav_date_format(int32_t days, char *buf);

/* ---- queries ----------------------------------------------------------------------------------
 */
#define CAV_MISSING (-1)      /* an optional field that was not given */
#define CAV_NO_DATE INT32_MIN /* no date given */
#define CAV_MAX_UNCERTAINTY_M 1000000.0

typedef enum cav_state { CAV_STATE_GROUND = 0, CAV_STATE_AIRBORNE = 1 } cav_state;
typedef enum cav_role {
    CAV_ROLE_ATTACKING = 0,
    CAV_ROLE_SUPPORTING = 1,
    CAV_ROLE_NONE = 2
} cav_role;

/* The fields of a query, one table for every front end (JSON, CSV, flags, HTTP, Python). */
typedef enum cav_qfield {
    CAV_Q_DATE,
    CAV_Q_WEAPON,
    CAV_Q_SUPPLIER,
    CAV_Q_TARGET_LAT,
    CAV_Q_TARGET_LON,
    CAV_Q_TARGET_UNCERTAINTY,
    CAV_Q_TARGET_KIND,
    CAV_Q_TARGET_STATE,
    CAV_Q_TARGET_ROLE,
    CAV_Q_PURPOSE,
    CAV_Q_LAUNCH_LAT,
    CAV_Q_LAUNCH_LON,
    CAV_Q_LAUNCH_UNCERTAINTY,
    CAV_Q_COUNT
} cav_qfield;
#define CAV_QBIT(f) (1u << (f))

/* The field's name as written in queries and CSV headers ("target.lat"), or NULL. */
CAV_API const char *cav_qfield_name(cav_qfield f);
/* The field with this name (case-insensitive; also the CSV spellings "target_lat" and the
 * flag spellings "target-lat"), or -1. */
CAV_API int cav_qfield_find(const char *name, size_t len);
/* 1 for the fields every query must give (date, weapon, target.lat, target.lon, target.kind). */
CAV_API int cav_qfield_required(cav_qfield f);

typedef struct cav_query {
    int32_t date; /* days since 1970-01-01, or CAV_NO_DATE */
    int weapon;   /* CAV_CAT_WEAPON id */
    int supplier; /* party id or CAV_MISSING: then the weapon's consent parties decide */
    double target_lat, target_lon; /* degrees WGS84 */
    double target_uncertainty_m;   /* radius of the position's uncertainty; 0 exact */
    int kind;                      /* CAV_CAT_KIND id */
    int state;                     /* cav_state */
    int role;                      /* cav_role or CAV_MISSING */
    int purpose;                   /* CAV_CAT_PURPOSE id or CAV_MISSING */
    int has_launch;                /* 1 when launch_lat/lon are given */
    double launch_lat, launch_lon, launch_uncertainty_m;
    uint32_t given; /* CAV_QBIT of each field that was set */
} cav_query;

/* One problem of a query: the field (a cav_qfield, or -1 for the document itself), its name as
 * the input wrote it, and a message. */
#define CAV_QERR_MAX 12
typedef struct cav_qerror {
    int field;
    char name[64];     /* "target.lat", or "" for the document */
    char message[400]; /* one sentence; a value quoted from the input is cut at 60 bytes, shown
                          with "..." */
} cav_qerror;
/* The problems of one query, in the order found. When there are more than CAV_QERR_MAX, n stays
 * CAV_QERR_MAX and `more` counts the rest, which error lines report ("and 3 more problems"). */
typedef struct cav_qerrors {
    int n, more;
    cav_qerror v[CAV_QERR_MAX];
} cav_qerrors;

/* Resets q to no fields given (target.state ground) and e to no errors (e may be NULL). */
CAV_API void cav_query_init(cav_query *q, cav_qerrors *e);
/* Sets field f from its text form (a CSV cell, a URL parameter, a flag, a JSON string): names
 * are resolved against the pack's catalogs, numbers read whatever the locale, dates and
 * timestamps through cav_date_parse_in. Returns 0, or CAV_EQUERY with a problem added to e
 * (which may be NULL). Setting a field twice is an error. */
CAV_API int cav_query_set(cav_query *q, const cav_pack *p, cav_qfield f, const char *text,
                          size_t len, cav_qerrors *e);
/* Sets a numeric field (coordinates in degrees, uncertainties in metres) from a double. */
CAV_API int cav_query_set_number(cav_query *q, const cav_pack *p, cav_qfield f, double v,
                                 cav_qerrors *e);
/* Typed shorthands for cav_query_set with a NUL-terminated string. */
CAV_API int cav_query_set_date(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e);
CAV_API int cav_query_set_weapon(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e);
CAV_API int cav_query_set_supplier(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e);
CAV_API int cav_query_set_kind(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e);
CAV_API int cav_query_set_state(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e);
CAV_API int cav_query_set_role(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e);
CAV_API int cav_query_set_purpose(cav_query *q, const cav_pack *p, const char *s, cav_qerrors *e);
CAV_API int cav_query_set_target(cav_query *q, const cav_pack *p, double lat, double lon,
                                 cav_qerrors *e);
CAV_API int cav_query_set_launch(cav_query *q, const cav_pack *p, double lat, double lon,
                                 cav_qerrors *e);
/* Checks what no single field can: the required fields, a launch point with both coordinates,
 * an uncertainty with its point, and the supplier against the weapon's catalog entry. Returns 0,
 * or CAV_EQUERY with every problem added to e. cav_eval refuses a query that was not finished
 * without errors only when its ids are out of range; front ends always finish. */
CAV_API int cav_query_finish(cav_query *q, const cav_pack *p, cav_qerrors *e);
/* The same for a use: a query some of whose fields are not asked but varied by the function it
 * is given to. `open` is CAV_QBIT of those fields: CAV_USE_WEAPON for cav_can (every weapon and
 * supplier is asked in turn; the query's own are cleared), CAV_USE_PLACE for cav_map and
 * cav_map_diff (the map varies the target point); they are then not required. Returns 0,
 * CAV_EQUERY with every problem added to e, or CAV_EINVAL when open names other fields. */
#define CAV_USE_WEAPON (CAV_QBIT(CAV_Q_WEAPON) | CAV_QBIT(CAV_Q_SUPPLIER))
#define CAV_USE_PLACE                                                                              \
    (CAV_QBIT(CAV_Q_TARGET_LAT) | CAV_QBIT(CAV_Q_TARGET_LON) | CAV_QBIT(CAV_Q_TARGET_UNCERTAINTY))
CAV_API int cav_query_finish_use(cav_query *q, const cav_pack *p, uint32_t open, cav_qerrors *e);

/* Binds one JSON query (docs/semantics.md) into q: cav_query_init, every member through
 * cav_query_set*, then cav_query_finish, so JSON, CSV and flags give the same answers and
 * errors. Unknown members, duplicate members and values of the wrong type are errors; every
 * problem of the document is reported. `defaults` (may be NULL) supplies fields the document
 * does not give. id receives the query's "id" member as JSON text ("null" when absent), so a
 * caller can echo it even for a bad query. Returns 0, CAV_EQUERY, or CAV_ENOMEM. */
CAV_API int cav_query_parse_json(const cav_pack *p, const char *json, size_t len,
                                 const cav_query *defaults, cav_query *q, cav_buf *id,
                                 cav_qerrors *e);

/* Splitting a stream of JSON queries into documents, the one input mechanism of `caveat check`,
 * the audit's NDJSON and the service: NDJSON (one query a line), pretty-printed queries one after
 * another, or a JSON array of queries (each element a document). An empty line outside an array
 * is a document of its own (kind CAV_DOC_EMPTY), so a line-based caller can answer every input
 * line. A multi-line value ends where its braces close; a line that leaves a value open and is
 * followed by a line starting with '{' or '[' in column 1 is cut there (a broken NDJSON line does
 * not swallow the next). A document longer than CAV_MAX_DOC is one error, and the rest of it is
 * skipped by its structure (strings and brackets), so an over-long element of a pretty-printed
 * array costs one error and the array goes on. */
#define CAV_MAX_DOC (1024 * 1024) /* the longest document, in bytes (exactly this many is read) */
typedef enum cav_doc_kind {
    CAV_DOC_END = 0,   /* no more documents (eof) */
    CAV_DOC_QUERY = 1, /* text/len hold one JSON value */
    CAV_DOC_EMPTY = 2, /* an empty line outside an array */
    CAV_DOC_ERROR = 3  /* not a document: message says why (too long, array syntax) */
} cav_doc_kind;
typedef struct cav_doc {
    cav_doc_kind kind;
    const char *text; /* into the caller's buffer */
    size_t len;
    long line;           /* 1-based line where it starts */
    const char *message; /* of CAV_DOC_EMPTY and CAV_DOC_ERROR: what an error line says */
} cav_doc;
typedef struct cav_split {
    long line;         /* the line of the next byte; starts at 1 (cav_split_init) */
    int in_array;      /* inside a top-level array */
    int after_element; /* in an array, after an element: ',' or ']' comes next */
    int line_has_text; /* the current line has had a document or text (1), blanks only (2) */
    int skipping;      /* discarding: 1 the rest of a line, 2 the rest of an over-long value */
    int skip_depth;    /* while skipping a value: its open brackets, whether inside a string */
    int skip_instr, skip_esc;
    int skip_in_array; /* the skipped value is an element of an array: the array goes on */
} cav_split;
CAV_API void cav_split_init(cav_split *s);
/* Finds the next document in buf[0, len) (the unconsumed input, beginning where the last call
 * stopped). Returns the number of bytes consumed and fills *doc (text pointing into buf); returns
 * 0 with doc->kind CAV_DOC_END when more input is needed (eof 0) or the input is exhausted
 * (eof 1). Documents longer than CAV_MAX_DOC come out as CAV_DOC_ERROR and are skipped. */
CAV_API size_t cav_split_next(cav_split *s, const char *buf, size_t len, int eof, cav_doc *doc);

/* ---- decisions --------------------------------------------------------------------------------
 */
typedef enum cav_verdict {
    CAV_PERMITTED = 0,
    CAV_PROHIBITED = 1,
    CAV_INDETERMINATE = 2, /* the facts given do not settle it */
    CAV_UNKNOWN = 3        /* the record is silent */
} cav_verdict;
CAV_API const char *cav_verdict_name(cav_verdict v); /* "permitted", ... */

#define CAV_MAX_PARTIES 16 /* consent parties of one use (checked when a pack is loaded) */
#define CAV_MAX_DECIDING 8 /* deciding rules stored per party; nrules counts them all */

/* How one party's decision came about (docs/semantics.md, the six steps). */
typedef enum cav_basis {
    CAV_BASIS_FORBID = 0,       /* step 1: rules[] are forbids whose condition is true */
    CAV_BASIS_SILENT = 1,       /* step 2: no rule of the party in force speaks of the weapon */
    CAV_BASIS_FORBID_UNDET = 2, /* step 3: rules[] are forbids that might apply */
    CAV_BASIS_PERMIT = 3,       /* step 4: rules[] are permits whose condition is true */
    CAV_BASIS_PERMIT_UNDET = 4, /* step 5: rules[] are permits that might apply */
    CAV_BASIS_DEFAULT = 5       /* step 6: no permit applies: default deny */
} cav_basis;
CAV_API const char *cav_basis_name(cav_basis b); /* "forbid", "silent", ... "default-deny" */

/* What kept rules undetermined: missing fields (CAV_QBIT of the field) and positions whose
 * uncertainty disk (or the boundary data's precision) crosses a zone edge. */
enum { CAV_UNSURE_TARGET = 1u << 0, CAV_UNSURE_LAUNCH = 1u << 1 };

typedef struct cav_party_decision {
    int party;
    cav_verdict verdict;
    cav_basis basis;
    int nrules;                      /* deciding rules (may exceed CAV_MAX_DECIDING) */
    int rules[CAV_MAX_DECIDING];     /* the first of them, in pack order */
    uint32_t missing;                /* CAV_QBIT of fields whose absence left a rule undetermined */
    uint32_t unsure;                 /* CAV_UNSURE_* */
    int32_t valid_from, valid_until; /* the party's decision holds on [from, until) */
} cav_party_decision;

typedef struct cav_decision {
    cav_verdict verdict;
    int32_t date;                    /* the date the query was decided for */
    int32_t valid_from, valid_until; /* INT32_MIN / CAV_DATE_OPEN for open ends; both
                                        CAV_VALIDITY_UNSET until cav_decision_validity */
    int nparties;
    cav_party_decision parties[CAV_MAX_PARTIES];
} cav_decision;
#define CAV_VALIDITY_UNSET (INT32_MIN + 1)

/* Evaluates q against p into *d: the verdict, every party's decision and deciding rules. Returns
 * 0, or CAV_EINVAL when q names ids the pack does not have, has no date, has a coordinate that
 * is not a finite number in range, or names no supplier for a weapon whose consent is its
 * supplier's. Allocates nothing; thread-safe. The validity is left CAV_VALIDITY_UNSET (it costs
 * more than the decision): cav_decision_validity computes it, and every writer of this header
 * does so itself. */
CAV_API int cav_eval(const cav_pack *p, const cav_query *q, cav_decision *d);
/* Fills d's validity (and each party's) for the query q it was made for: the largest interval
 * of dates around q's date over which the same query gets the same verdict from the same
 * deciding rules, found from the date index (no loop over days). Allocation-free. Returns 0 or
 * CAV_EINVAL. */
CAV_API int cav_decision_validity(const cav_pack *p, const cav_query *q, cav_decision *d);

/* Rendering flags. */
enum {
    CAV_EXPLAIN = 1u << 0, /* deciding rules' says and quote; for a use not permitted, why_not:
                              the nearest permits, how they fail, with measures */
    CAV_TEXT_NO_VERDICT = 1u << 1 /* text: omit the leading "permitted: " */
};

/* Appends the decision as one JSON line (no newline; docs/semantics.md) with the given id JSON
 * text (NULL: null). Returns 0 or CAV_ENOMEM. */
CAV_API int cav_decision_json(const cav_pack *p, const cav_query *q, const cav_decision *d,
                              const char *id_json, unsigned flags, cav_buf *out);
/* Appends the decision in plain English: "verdict: explanation", one line. */
CAV_API int cav_decision_text(const cav_pack *p, const cav_query *q, const cav_decision *d,
                              unsigned flags, cav_buf *out);
/* Appends the explanation alone (the "explanation" member of the JSON). */
CAV_API int cav_explain(const cav_pack *p, const cav_query *q, const cav_decision *d,
                        unsigned flags, cav_buf *out);
/* Appends the error line of a query that could not be evaluated:
 * {"id": ID, "error": {"field": ..., "line": N, "message": ..., "problems": [...]}}; line 0 is
 * left out. */
CAV_API int cav_qerrors_json(const cav_qerrors *e, const char *id_json, long line, cav_buf *out);
/* The same in plain English: "line N: field: message; field: message". */
CAV_API int cav_qerrors_text(const cav_qerrors *e, long line, cav_buf *out);
/* Adds a problem found outside the library (a line that is no document, a query the caller
 * refuses) to e, so that it is written like every other: field is a cav_qfield, or -1 for the
 * document itself; message is one sentence (cut at the size of cav_qerror.message). Past
 * CAV_QERR_MAX problems it is counted in `more`. Returns 0, or CAV_EINVAL for a bad argument. */
CAV_API int cav_qerrors_add(cav_qerrors *e, int field, const char *message);

/* One answer line for one document of a query stream (cav_split_next), exactly as `caveat check`
 * writes it and the service returns it: the decision (cav_decision_json, or in text "ID " and
 * cav_decision_text), or the error line naming every problem (cav_qerrors_json/_text) for a
 * query that is refused or cannot be evaluated, an empty line, or a stretch the splitter
 * refused. No newline is added. defaults (may be NULL) fills fields the document does not give
 * (cav_query_parse_json); flags are the writers' (CAV_EXPLAIN); fmt is CAV_FMT_JSON or
 * CAV_FMT_TEXT; id (may be NULL) receives the document's id as JSON text. Returns the verdict
 * (>= 0) of a decision, CAV_EQUERY for an error line, CAV_EINVAL or CAV_ENOMEM (then out holds
 * no usable line). */
CAV_API int cav_answer(const cav_pack *p, const cav_doc *doc, const cav_query *defaults,
                       unsigned flags, cav_format fmt, cav_buf *out, cav_buf *id);
/* cav_answer for n documents on nthreads threads (0: two; fewer for small batches), appending
 * their lines to out in input order, each ending with a newline; results (may be NULL) receives
 * each document's return value. Returns 0, CAV_EINVAL or CAV_ENOMEM (then out is unchanged). */
CAV_API int cav_answer_batch(const cav_pack *p, const cav_doc *docs, size_t n,
                             const cav_query *defaults, unsigned flags, cav_format fmt,
                             int nthreads, int *results, cav_buf *out);

/* The rules that decided the use d (the `rule` column of `caveat audit`): the deciding rules of
 * every party whose verdict is the use's, in party order, each once; a party that decided by
 * default deny contributes CAV_RULE_DEFAULT_DENY, a silent party CAV_RULE_SILENT. Rules past the
 * CAV_MAX_DECIDING a decision stores are found again (q is the query d was made for). Writes at
 * most max ids into out and returns how many there are in all (which may exceed max). */
#define CAV_RULE_DEFAULT_DENY (-2)
#define CAV_RULE_SILENT (-3)
CAV_API int cav_decision_rules(const cav_pack *p, const cav_query *q, const cav_decision *d,
                               int *out, int max);

/* The short texts of a decision, one per derived column of `caveat audit` (docs/audit.md,
 * "Output"), so every front end that writes a decision as columns writes the same cells. */
typedef enum cav_column {
    CAV_COL_DATE,        /* the date decided for, YYYY-MM-DD */
    CAV_COL_DECISION,    /* permitted, prohibited, indeterminate or unknown */
    CAV_COL_PARTIES,     /* US:permitted;GB:prohibited */
    CAV_COL_RULE,        /* cav_decision_rules by id, ';'-separated (default-deny, silent) */
    CAV_COL_VALID_FROM,  /* YYYY-MM-DD, empty for an open start */
    CAV_COL_VALID_UNTIL, /* YYYY-MM-DD, empty for an open end */
    CAV_COL_EXPLANATION, /* cav_explain with the flags given */
    CAV_COL_WHY,         /* each party's verdict and the rules that decided it, short */
    CAV_COL_COUNT
} cav_column;
/* The column's name as the audit's --columns writes it ("valid_from"), or NULL. */
CAV_API const char *cav_column_name(cav_column c);
/* Appends column c of decision d (made for q) to out. The validity columns compute d's validity
 * when it is CAV_VALIDITY_UNSET (d itself is not changed). Returns 0, CAV_EINVAL or CAV_ENOMEM. */
CAV_API int cav_decision_column(const cav_pack *p, const cav_query *q, const cav_decision *d,
                                cav_column c, unsigned flags, cav_buf *out);

/* The assumed zones (cav_zone_info.assumption) whose tests decided d, as zone ids into out (at
 * most max); returns their number (which may exceed max). */
CAV_API int cav_decision_assumptions(const cav_pack *p, const cav_query *q, const cav_decision *d,
                                     int *out, int max);
/* 1 when a rule deciding d is disputed. */
CAV_API int cav_decision_disputed(const cav_pack *p, const cav_decision *d);

/* ---- reports: history, sources, catalogs, places ----------------------------------------------
 */
/* Narrows a report to the rules and notes of one party and/or one weapon; -1 for all. A rule
 * concerns a weapon when it applies to one of the weapon's consent parties or suppliers (or to
 * every party) and speaks of the weapon (its condition is not false for it whatever the other
 * facts). */
typedef struct cav_filter {
    int party;
    int weapon;
} cav_filter;
CAV_API int cav_rule_concerns(const cav_pack *p, int rule, int weapon);

/* The history of the conditions, one change a row in date order: rules taking effect and ending,
 * and dated notes; each row says whether it is disputed, which assumed zones it rests on, and for
 * a permit that is an exception to a forbid, that the forbid stays in force. Text, md or json. */
CAV_API int cav_timeline(const cav_pack *p, const cav_filter *f, cav_format fmt, cav_buf *out);
/* The rules in force on `to` and not on `from` (+) and the reverse (-). Text, md or json. */
CAV_API int cav_diff(const cav_pack *p, int32_t from, int32_t to, const cav_filter *f,
                     cav_format fmt, cav_buf *out);
/* Every source with its outlet, date, address and the rules, notes and zones that cite it. Text,
 * md or json. */
CAV_API int cav_sources(const cav_pack *p, cav_format fmt, cav_buf *out);
/* The countries and regions (embedded boundary data) and the pack's zones that contain a point,
 * and the zone edges closer to it than the position is known (uncertainty_m, or the boundary
 * data's precision). Text or json. Returns CAV_EINVAL for a point out of range. */
CAV_API int cav_where(const cav_pack *p, double lat, double lon, double uncertainty_m,
                      cav_format fmt, cav_buf *out);
/* One catalog (c >= 0) or every catalog (c = -1) with titles, aliases and relations. Text or
 * json. */
CAV_API int cav_catalog_write(const cav_pack *p, int c, cav_format fmt, cav_buf *out);
/* The reverse question: for the use described by q (its weapon and supplier are ignored), every
 * weapon of the catalog, and each of its recorded suppliers where it has several, with its
 * verdict and deciding rules. Text (a table) or json. */
CAV_API int cav_can(const cav_pack *p, const cav_query *q, unsigned flags, cav_format fmt,
                    cav_buf *out);

/* ---- maps (docs/library.md, "Maps") -----------------------------------------------------------
 */
typedef struct cav_map_opts {
    const char *title; /* NULL: made from the use (catalog titles, never ids) */
    const int *zones;  /* zones to show; NULL: the pack's declared zones, and with a use
                          only those whose rules are in force on its date */
    int nzones;
    int has_bbox; /* frame [south, north] x [west, east] */
    double south, west, north, east;
    int zoom_zone;             /* frame this zone (-1: no) */
    int width, height;         /* PNG pixels / PDF points to fit in (0: no limit; both 0: 1600
                                  wide) */
    const char *const *places; /* countries and regions of the embedded boundary data to show
                                  too, by ISO 3166 code ("BY", "RU-BEL"), whether or not the
                                  pack names them */
    int nplaces;
    const char *zoom_place;      /* frame this country or region by ISO code (NULL: no) */
    struct cav_map_cache *cache; /* computed areas kept for the same use on any date of the same
                                    epoch of rules (cav_map_cache_new), or NULL */
} cav_map_opts;
/* A bounded, thread-safe cache of computed map areas: a service that draws the same use again,
 * on any date between the same two rule changes, skips the geometry computation (the output is
 * the same as without the cache). Holds at most max_entries uses (the oldest is dropped);
 * cav_map_cache_free releases it. NULL when max_entries is 0 or out of memory. */
typedef struct cav_map_cache cav_map_cache;
CAV_API cav_map_cache *cav_map_cache_new(size_t max_entries);
CAV_API void cav_map_cache_free(cav_map_cache *c);
/* Lookups that found their entry, and those that did not. */
CAV_API void cav_map_cache_stats(const cav_map_cache *c, unsigned long *hits,
                                 unsigned long *misses);
/* 1 when the embedded boundary data has a country or region with this ISO 3166 code
 * (case-insensitive: "BY", "ru-bel"), else 0. */
CAV_API int cav_place_known(const char *code);
/* Without a use: the pack's zones. With a use (a query whose target point is ignored): the area
 * where it is permitted on its date, inside Ukraine and across its border apart; where it is
 * indeterminate (a field the rules test is missing, or nearer to a decisive edge than the
 * boundary data's precision); disputed permissions hatched and named; assumed zones outlined and
 * labelled; a legend, the rules that permit (each with the assumption it rests on, if any), and a
 * credit line (tool version, pack id, sources, boundary data). Drawn in a Lambert conformal conic
 * projection (docs/maps.md). GeoJSON (features with an id; properties rules, sources, disputed,
 * assumptions (the assumed zones the deciding rules test, then those rules resting on an
 * assumption of their own), valid; a null geometry
 * for an empty part; with a frame, features are cut to it), SVG, PNG or PDF. Returns 0, CAV_EINVAL
 * (a bad use, format, frame or place), CAV_ELIMIT (more than 64 zones), CAV_EGEO or CAV_ENOMEM. */
CAV_API int cav_map(const cav_pack *p, const cav_query *use, const cav_map_opts *o, cav_format fmt,
                    cav_buf *out);
/* Where the area permitted for a use grew, shrank or stayed between two dates (inside Ukraine
 * and across its border apart), with the rules that started or ended between them and their
 * dates. The same formats. */
CAV_API int cav_map_diff(const cav_pack *p, const cav_query *use, int32_t from, int32_t to,
                         const cav_map_opts *o, cav_format fmt, cav_buf *out);

/* ---- batches: many queries at once, on several threads ----------------------------------------
 */
/* Queries as columns: row i is element i of every column given. A NULL column is a field absent
 * from every row. Catalog fields are ids (cav_catalog_find; CAV_MISSING for a value not given, any
 * other negative id for a name that is no entry), dates days since 1970-01-01 (CAV_NO_DATE: not
 * given), coordinates degrees, uncertainties metres (NaN: not given). A row is bound as
 * cav_query_set_* would bind its values and checked by cav_query_finish and cav_eval, so it is
 * refused exactly when the same values bound one by one would be (a launch point with one
 * coordinate, an uncertainty without its point, a supplier the weapon's entry does not record,
 * a missing required field). */
typedef struct cav_columns {
    size_t n;
    const int32_t *date, *weapon, *supplier, *kind, *state, *role, *purpose;
    const double *target_lat, *target_lon, *target_uncertainty_m;
    const double *launch_lat, *launch_lon, *launch_uncertainty_m;
} cav_columns;
/* Results, each an array of n or NULL when not wanted. */
typedef struct cav_results {
    uint8_t *verdict;        /* cav_verdict; CAV_BATCH_ERROR for a row not evaluated */
    int32_t *error;          /* 0, or the CAV_E* code of a row not evaluated */
    int32_t *rule;           /* the first of the use's deciding rules (cav_decision_rules:
                                a rule id, CAV_RULE_DEFAULT_DENY or CAV_RULE_SILENT), or -1
                                for a row not evaluated */
    int32_t *valid_from;     /* INT32_MIN for an open start */
    int32_t *valid_until;    /* CAV_DATE_OPEN for an open end */
    cav_decision *decisions; /* whole decisions (for rendering), or NULL */
    uint8_t *nrules;         /* how many rules cav_decision_rules gives (255 for 255 or
                                more), 0 for a row not evaluated: a row with one needs no
                                more than `rule` to write its rule column */
} cav_results;
#define CAV_BATCH_ERROR 255
/* Decides every row of in into out on nthreads threads (0: one per core). Allocation-free per
 * row; a bad row never stops the batch (its error is set). Returns 0, CAV_EINVAL for bad
 * arguments, or CAV_ENOMEM when threads could not be started. */
CAV_API int cav_eval_batch(const cav_pack *p, const cav_columns *in, cav_results *out,
                           int nthreads);
/* The query of row i exactly as cav_eval_batch decides it (absent columns and NaNs read as
 * above; its `given` bits as the setters would set them), for rendering a row's decision
 * (cav_results.decisions) with the writers of decisions (cav_decision_json,
 * cav_decision_column). Returns 0, or CAV_EINVAL when i is past the last row. */
CAV_API int cav_columns_query(const cav_columns *in, size_t i, cav_query *q);

/* ---- audits: every row of event logs, decided in order on all cores (docs/audit.md) ---------- */
/* An audit reads event logs (CSV with a header row, or NDJSON queries), decides every row through
 * the same binding as `caveat check` (cav_query_set with the cav_qfield table; NDJSON rows through
 * cav_query_parse_json), and writes one output row per input row, in input order: rows in = rows
 * out. A row that cannot be evaluated keeps its place with every problem of the row.
 *
 * CSV input: the delimiter (',', ';' or tab) is detected from the header unless given; rows end
 * at "\n", "\r\n" or "\r"; a quote inside an unquoted field is an ordinary character and an
 * unbalanced quoted field ends its row at its first line end (src/core/csv.h). Columns are bound
 * to query fields by --map (COLUMN=FIELD), else by their name (cav_qfield_find), else by the
 * common names logs use (lat/latitude, lon/lng/longitude, timestamp/time/datetime, system, type,
 * ...): cav_audit_summary reports which column went where and how. Coordinates may be decimal
 * degrees, degrees-minutes-seconds (50°36'12"N) or MGRS (a column mgrs, or --map COL=target.mgrs).
 * A header naming a column twice, two columns for one field, or a required field with no column
 * is refused by cav_audit_new, with every problem at once. Rows are numbered by file line.
 *
 * Ownership: cav_audit_new copies what it needs of the options and keeps a reference to the pack
 * until cav_audit_free; it opens the inputs (closed by cav_audit_free), never the output, which is
 * the caller's descriptor. Nothing is printed. One audit runs once. */
typedef struct cav_audit cav_audit;

enum { CAV_AUDIT_IN_AUTO = 0, CAV_AUDIT_IN_CSV = 1, CAV_AUDIT_IN_NDJSON = 2 };

typedef struct cav_audit_opts {
    const char *const *inputs; /* paths; "-" is standard input; none: standard input */
    size_t ninputs;            /* several CSV inputs must share one header */
    int input_format;          /* CAV_AUDIT_IN_*: AUTO is NDJSON when the first byte that is no
                                  space is '{' or '[', else CSV */
    cav_format output_format;  /* CAV_FMT_CSV, CAV_FMT_NDJSON or CAV_FMT_GEOJSON */
    char delimiter;            /* of CSV input: ',', ';' or '\t'; 0 to detect */
    const char *map;           /* "COLUMN=FIELD,..." (FIELD a query field, target.mgrs,
                                  launch.mgrs, or - to keep a column out of the query); or NULL */
    const char *columns;       /* CSV/GeoJSON output columns, comma-separated (docs/audit.md):
                                  input, line, decision, parties, rule, valid_from, valid_until,
                                  explanation, why (the short form), error, date, or an input
                                  column's name; NULL for input,decision,parties,rule,valid_from,
                                  valid_until,explanation,error */
    unsigned flags;            /* CAV_EXPLAIN: explanations with quotes and why-not */
    int threads;               /* worker threads; 0: one per core */
    int out_fd;                /* the output; a regular file is written with pwrite from its
                                  current offset by the workers, anything else in order */
} cav_audit_opts;

/* Prepares an audit of o->inputs against p: opens the inputs, reads the CSV header and binds its
 * columns. Returns 0 and *out, or CAV_EINVAL (bad options), CAV_EIO (an input cannot be read) or
 * CAV_EQUERY (the header cannot be bound: every problem in err, one a line), CAV_ENOMEM; err (may
 * be NULL) receives the message. */
CAV_API int cav_audit_new(const cav_pack *p, const cav_audit_opts *o, cav_audit **out,
                          cav_buf *err);
/* Decides every row and writes the output. Returns 0 when every row was written (rows that are
 * errors included), or CAV_EIO / CAV_ENOMEM with the message in err: the output is then
 * incomplete and the caller discards it. */
CAV_API int cav_audit_run(cav_audit *a, cav_buf *err);

typedef struct cav_audit_counts {
    uint64_t rows_in, rows_out, errors;
    uint64_t verdicts[4]; /* by cav_verdict */
    double seconds;       /* of cav_audit_run */
} cav_audit_counts;
CAV_API void cav_audit_counts_get(const cav_audit *a, cav_audit_counts *c);
/* Appends the summary (CAV_FMT_JSON or CAV_FMT_TEXT): rows in and out, decisions by verdict,
 * party, rule and month, errors by field with the first ten (input, line, field, message), and
 * the input's reading: format, delimiter, which column gave which field and how (named, usual
 * name, --map), and the columns kept out of the query. Returns 0, CAV_EINVAL or CAV_ENOMEM. */
CAV_API int cav_audit_summary(const cav_audit *a, cav_format f, cav_buf *out);
CAV_API void cav_audit_free(cav_audit *a);

/* A synthetic CSV event log over the pack's catalog, for tests and benchmarks: rows with dates
 * 2022-2025, targets over Ukraine, the border near Kharkiv, western Russia and Belarus, weapons,
 * kinds, purposes and suppliers the pack accepts, launch points for some rows, and passthrough
 * columns (unit, source, note; notes sometimes quoted, with commas, quotes or a line break). The
 * output depends only on the options and the pack. */
enum { CAV_COORDS_DECIMAL = 0, CAV_COORDS_DMS = 1, CAV_COORDS_MGRS = 2 };
typedef struct cav_sample_opts {
    uint64_t rows, seed;
    double bad_rate; /* share of rows with one mistake (latitude 95, a misspelt weapon, ...) */
    int coords;      /* CAV_COORDS_*: how target and launch positions are written */
} cav_sample_opts;
/* Writes the log to fd (a regular file through O_DIRECT where it can, as the audit does: the
 * bytes are the same). Returns 0, CAV_EINVAL, CAV_ENOMEM, or CAV_EIO with errno the write's. */
CAV_API int cav_sample(const cav_pack *p, const cav_sample_opts *o, int fd);

/* ---- a pack's own test cases (docs/testing.md) ------------------------------------------------
 */
/* A case file is JSON lines: {"case": NAME, "query": {...}, "expect": VERDICT, "rules": [ids],
 * "explain": "substring"}; "rules" (exactly the deciding rules of all parties together) and
 * "explain" are optional; '#' lines and blank lines are ignored. An unknown key, an invalid
 * expect, a rule id the pack lacks, a NUL byte or a line that is no case is an error, never
 * skipped. */
typedef struct cav_test_opts {
    const char *run; /* POSIX extended regular expression on case names, or NULL for all */
    int verbose;     /* report passing cases too */
    int coverage;    /* report rules and tests no case exercises */
} cav_test_opts;
typedef struct cav_test_result {
    int passed, failed, errors; /* errors: lines that are no valid case */
    int uncovered;              /* with coverage: rules no case decides or tests never both ways */
    int unreachable; /* with coverage: rules no question can reach (their parties consent to and
                        supply no weapon of the catalog); reported, not counted as uncovered */
} cav_test_result;
/* Runs the cases of nfiles texts (names for messages) against p, appending the report to out in
 * fmt (text: FAIL lines with expected and actual verdicts and rules, then a summary; json; junit).
 * Returns 0 (see res for the outcome), CAV_EINVAL for a bad regular expression, CAV_ENOMEM. */
CAV_API int cav_pack_test(const cav_pack *p, const char *const *names, const char *const *texts,
                          const size_t *lens, size_t nfiles, const cav_test_opts *o, cav_format fmt,
                          cav_buf *out, cav_test_result *res);
/* The same for the default pack's embedded cases (p must be the default pack). */
CAV_API int cav_pack_test_default(const cav_pack *p, const cav_test_opts *o, cav_format fmt,
                                  cav_buf *out, cav_test_result *res);

#ifdef __cplusplus
}
#endif
#endif
