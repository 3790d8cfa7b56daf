/* check.h — the pack builder's shared state and the checker's look-ups, used by check.c (catalogs
 * and names), compile.c (zones, conditions, the date index) and analyze.c (warnings). */
#ifndef CAV_CHECK_H
#define CAV_CHECK_H

#include "lang/pack.h"

#include <stddef.h>

typedef struct cav_build {
    const cav_parse *ps;
    cav_diags *diags;
    cav_pack *pack;
    const cav_stmt **rule_stmt; /* statement of each rule, by rule id */
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

/* Case-insensitive catalog look-ups; -1 when unknown. Weapons also match their aliases. */
int cav__find_party(const cav_pack *p, const char *name);
int cav__find_class(const cav_pack *p, const char *name);
int cav__find_kind(const cav_pack *p, const char *name);
int cav__find_purpose(const cav_pack *p, const char *name);
int cav__find_source(const cav_pack *p, const char *name);
int cav__find_zone(const cav_pack *p, const char *name);
int cav__find_rule(const cav_pack *p, const char *name);
int cav__find_weapon(const cav_pack *p, const char *name);
int cav__find_state(const char *name);

/* Builds catalogs, rules and notes from b->ps into b->pack (check.c). */
int cav__check(cav_build *b);
/* Builds zones and the locator, compiles conditions and the per-party date index (compile.c). */
int cav__compile(cav_build *b);

#endif
