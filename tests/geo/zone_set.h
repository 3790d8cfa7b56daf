/* zone_set.h — the seven zones the locator is verified on (tests/unit/test_geo_locate.c) and
 * measured on (bench/bench_locate.c), defined once so that the benchmark measures exactly what
 * the test checks against GEOS: UA, RU (full 1:10m), BY, the land within 30 km of the UA-RU
 * border, a box and a circle near Kharkiv, and RU minus that strip.
 */
#ifndef CAV_ZONE_SET_H
#define CAV_ZONE_SET_H

#include "geo/geo.h"

#include <string.h>

enum { ZONE_SET_N = 7 };

typedef struct zone_set {
    cav_zone_expr ua, ru, by, border, near, box, circle, diff;
    const cav_zone_expr *exprs[ZONE_SET_N];
} zone_set;

/* Fills s (its expressions point into s itself: do not copy it afterwards). */
static inline void zone_set_init(zone_set *s) {
    memset(s, 0, sizeof *s);
    s->ua.kind = s->ru.kind = s->by.kind = CAV_ZONE_COUNTRY;
    strcpy(s->ua.name, "UA");
    strcpy(s->ru.name, "RU");
    strcpy(s->by.name, "BY");
    s->border.kind = CAV_ZONE_BORDER;
    strcpy(s->border.name, "UA");
    strcpy(s->border.name2, "RU");
    s->near = (cav_zone_expr){.kind = CAV_ZONE_WITHIN, .num = {30000}, .a = &s->border};
    s->box = (cav_zone_expr){.kind = CAV_ZONE_BOX, .num = {49.0, 35.0, 51.0, 38.0}};
    s->circle = (cav_zone_expr){.kind = CAV_ZONE_CIRCLE, .num = {50.0, 36.25, 25000}};
    s->diff = (cav_zone_expr){.kind = CAV_ZONE_DIFF, .a = &s->ru, .b = &s->near};
    const cav_zone_expr *e[ZONE_SET_N] = {&s->ua,  &s->ru,     &s->by,  &s->near,
                                          &s->box, &s->circle, &s->diff};
    memcpy(s->exprs, e, sizeof e);
}

#endif
