/* locate_impl.h — the point locator's tables, shared by its builder (locate_build.c) and its
 * queries (locate.c) and included by nothing else. locate.c's header comment explains the design;
 * this file only lays the tables out. Every table is written once by cav__locator_new and read-only
 * afterwards.
 */
#ifndef CAV_LOCATE_IMPL_H
#define CAV_LOCATE_IMPL_H

#include "geo/geo.h"
#include "geo/geodist.h"

#include <stddef.h>
#include <stdint.h>

#define LOC_CHILD 0x80000000u /* cell entry flag: the rest indexes nodes, else leaves */
#define LOC_WIDE                                                                                   \
    0x80000000u /* loc_leaf.nnear flag: the cell widened by the precisions leaves                  \
                   the lon/lat domain (antimeridian or pole) */
#define LOC_MAX_PRECISION 10000.0 /* metres; larger stated precisions are refused */

/* One edge, stored with its lower end first (ly <= hy); x = lon, y = lat, degrees. */
typedef struct loc_edge {
    double lx, ly, hx, hy;
} loc_edge;

/* A zone that is neither fully inside nor fully outside a leaf (a test), or, after a leaf's tests,
 * a zone that is uniform over it but has edges within its precision of it (a near entry: no
 * edges, base = the zone's uniform membership).
 *
 * A test's nedges edges reach the cell; the first ncut of them lie on the antimeridian or a pole
 * where the representation cut the zone (they count for membership, never for distance). For a
 * zone with a stated precision, nnear edges starting after the cuts are every edge of the zone
 * within its precision of the cell (the test's own, then the others): the leaf's answer for a
 * point of radius 0. */
typedef struct loc_test {
    uint32_t zone;
    uint32_t base;  /* parity of the crossings east of the cell below the flips */
    uint32_t flips; /* first flip value in loc->flips */
    uint32_t nflips;
    uint32_t edges; /* first edge in loc->edges */
    uint32_t nedges;
    uint32_t ncut;
    uint32_t nnear;
} loc_test;

/* A leaf cell: the zones fully inside it, then its tests and near entries. Its near mask, in
 * loc->masks at the leaf's index, cuts the cell 8 x 8: bit 8 row + col is set when some near edge
 * comes within its zone's precision of that sub-cell (0 without near entries). The masks live
 * apart because only a point in a leaf with near entries reads one, and small leaves keep the
 * membership look-up fast. */
typedef struct loc_leaf {
    uint32_t bits;  /* first of loc->words words in loc->bits */
    uint32_t tests; /* first test in loc->tests */
    uint32_t ntests;
    uint32_t nnear; /* 0 when no edge is within a precision of the cell, else the number of
                       entries (tests, then near entries) to scan; | LOC_WIDE */
} loc_leaf;

/* A grid: the top one or the subdivision of a cell. */
typedef struct loc_node {
    double x0, y0;         /* south-west corner */
    double cw, ch;         /* cell width and height */
    double inv_cw, inv_ch; /* 1 / cell width, 1 / cell height */
    int32_t nx, ny;
    uint32_t cells; /* first of nx * ny entries in loc->cells */
    uint32_t zones; /* first of loc->words words in loc->bits: zones with edges in the grid */
} loc_node;

struct cav_locator {
    int nzones, words;
    int empty;             /* no zone has area: every point is in no zone */
    double x0, y0, x1, y1; /* the grid's box: every edge, widened by the precisions */
    double max_prec;       /* largest precision, metres */
    double *prec;          /* nzones stated precisions, metres */
    uint64_t *edged;       /* words: zones with an edge that is not a cut */
    uint64_t *imprecise;   /* words: edged zones with a precision above 0 */
    int nedged, nimprecise;
    loc_edge *zedges; /* every edge, zone by zone, each zone's cuts last */
    uint32_t *zfirst; /* nzones + 1: zone z's edges are zedges[zfirst[z] .. zfirst[z + 1]) */
    uint32_t *zreal;  /* nzones: how many of them are not cuts */
    struct geod_geodesic geod;
    loc_node *nodes;
    uint32_t *cells;
    loc_leaf *leaves;
    uint64_t *masks; /* one near mask per leaf; NULL when every zone is exact */
    loc_test *tests;
    loc_edge *edges;
    double *flips;
    uint64_t *bits;
    size_t nnodes, ncells, nleaves, ntests, nedges, nflips, nbits, nzedges;
};

#endif
