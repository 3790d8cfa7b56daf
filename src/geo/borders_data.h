/* borders_data.h — the layout of the generated boundary tables (src/geo/borders_data.c).
 *
 * The tables are produced by tools/derive-borders/derive.js and read only by borders.c; they are
 * immutable static data, so no binary needs a file at run time. See borders_data.c's header for
 * how quantized coordinates decode to degrees.
 */
#ifndef CAV_GEO_BORDERS_DATA_H
#define CAV_GEO_BORDERS_DATA_H

#include <stdint.h>

/* One embedded boundary: a country or a first-level region. */
typedef struct cav_border_rec {
    const char *code; /* ISO 3166-1 alpha-2 or ISO 3166-2 */
    const char *name; /* English name */
    int is_country;   /* 1 for a country, 0 for a region */
    int first_poly;   /* index of its first polygon in cav__borders_poly_ring */
    int npolys;       /* number of polygons */
} cav_border_rec;

extern const double cav__borders_scale[2];
extern const double cav__borders_translate[2];
extern const cav_border_rec cav__borders_recs[];
extern const int cav__borders_nrecs;
extern const int32_t cav__borders_poly_ring[];
extern const int32_t cav__borders_ring_start[];
extern const int32_t cav__borders_xy[];

#endif
