/* check.h — the pack builder's shared state and the checker's look-ups, used by check.c (catalogs
 * and names), names.c (the name index), compile.c (zones, conditions, the date index) and the
 * loader (pack.c).
 *
 * Everything a build needs only while it runs (the parse, zone geometries and their build state)
 * lives here, never in the pack: a loaded pack holds only what evaluation and rendering read.
 */
#ifndef CAV_LANG_CHECK_H
#define CAV_LANG_CHECK_H

#include "lang/pack.h"

#include <stddef.h>

/* A zone while the pack is built. */
typedef struct cav_zone_build {
    int state;                 /* 0 not built, 1 building, 2 built, 3 failed */
    GEOSGeometry *geom;        /* lon/lat, owned by the build's GEOS context */
    const cav_zone_expr *expr; /* NULL for an implicit country or region */
} cav_zone_build;

typedef struct cav_build {
    const cav_parse *ps;
    cav_diags *diags;
    cav_pack *pack;
    const cav_stmt **rule_stmt; /* statement of each rule, by rule id */
    const cav_stmt **note_stmt; /* statement of each note, by note id */
    GEOSContextHandle_t geos;   /* the build's own context, finished with the build */
    cav_zone_build *zb;         /* per zone */
    cav_zone_cache zcache;      /* borders built for one zone, kept for the others */
    const cav_stmt *tz_stmt;    /* the `pack` statement that declared the time zone, or NULL */
    const cav_load_opts *opts;  /* may be NULL */
    char **data;                /* the files read for geojson() zones, freed with the build */
    int ndata, capdata;
    int errors;
    int oom;
} cav_build;

/* Adds a diagnostic at file/line/col of the parse (file -1: no place) and counts errors. */
void cav__report(cav_build *b, cav_severity sev, int file, int line, int col, const char *hint,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Reports "unknown WHAT 'name'" with the nearest known names as a hint. */
void cav__report_name(cav_build *b, int file, const cav_name *n, const char *what,
                      const char *const *known, size_t nknown);
/* The names of a field's domain (arena array), for hints. */
const char **cav__names_of(cav_build *b, cav_field f, size_t *n);

/* ---- the name index (names.c) ---- */
/* Normalises s[0, n) into out (see names.c): returns its length, or -1 when it does not fit. */
int cav__name_norm(const char *s, size_t n, char *out, size_t size);
/* Makes an empty index for about `expected` names. 0 or -1 (out of memory, b->oom set). */
int cav__names_init(cav_build *b, int expected);
/* Enters name for (catalog, id). Returns -1 when entered (or out of memory: b->oom), -2 when the
 * name is empty once normalised, or the id the name already has in the catalog. */
int cav__names_add(cav_build *b, int catalog, const char *name, int id);
/* The id of a name in a catalog, or -1. */
int cav__names_find(const cav_pack *p, int catalog, const char *name, size_t len);

/* Catalog look-ups by name (normalised); -1 when unknown. Weapons also match their aliases,
 * parties their other names. */
int cav__find_party(const cav_pack *p, const char *name);
int cav__find_class(const cav_pack *p, const char *name);
int cav__find_kind(const cav_pack *p, const char *name);
int cav__find_purpose(const cav_pack *p, const char *name);
int cav__find_source(const cav_pack *p, const char *name);
int cav__find_zone(const cav_pack *p, const char *name);
int cav__find_rule(const cav_pack *p, const char *name);
int cav__find_weapon(const cav_pack *p, const char *name);
int cav__find_state(const char *name);
int cav__find_role(const char *name);

/* Builds catalogs, rules and notes from b->ps into b->pack (check.c). */
int cav__check(cav_build *b);
/* Builds zones and the locator, compiles conditions and the per-party date index (compile.c). */
int cav__compile(cav_build *b);
/* The pack's identity: the SHA-256 of its canonical content into p->hash and p->id (hash.c). */
int cav__pack_identify(cav_build *b);

#endif
