/* report.h — helpers shared by the library's report writers (history.c, sources.c, where.c,
 * catalog.c, can.c, test.c): what a rule rests on, and text that stays on one line. */
#ifndef CAV_REPORT_H
#define CAV_REPORT_H

#include "core/buf.h"
#include "lang/check.h"

/* The assumed zones (cav_zone.assumption) that rule r tests, its exceptions' included, into out
 * (at most max, in zone order); returns their number. */
int cav__rule_assumed_zones(const cav_pack *p, int r, int *out, int max);
/* Every zone rule r tests, its exceptions' included, into out (at most max, in zone order);
 * returns their number. */
int cav__rule_zones(const cav_pack *p, int r, int *out, int max);
/* The same with only the exceptions in force on date (every exception for CAV_NO_DATE, none
 * for CAV_DATE_OPEN: the zones of the rule's own condition). */
int cav__rule_zones_on(const cav_pack *p, int r, int32_t date, int *out, int max);
/* The locator of every embedded country and region (index = boundary index), built once per
 * process and shared read-only; NULL when it could not be built. */
const cav_locator *cav__borders_locator(void);
/* Appends s with newlines and tabs as spaces (one row per line in text reports). */
void cav__report_line(cav_buf *o, const char *s);

#endif
