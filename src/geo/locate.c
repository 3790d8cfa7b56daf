/* locate.c — the point locator: which of a pack's zones contain a point, in one lookup.
 *
 * This is the measured hot path of evaluation (bench/bench_locate.c; docs/geography.md gives the
 * figures), so it is hand-written rather than a call into GEOS per zone and point, which costs
 * microseconds where this costs tens of nanoseconds.
 *
 * Design. The zones' polygon rings are cut into edges. A regular lon/lat grid covers the bounding
 * box of all zones; a cell whose edges are too many (> LOC_SPLIT_EDGES) is itself divided into an
 * LOC_SUB x LOC_SUB grid, up to LOC_MAX_DEPTH levels. For every leaf cell and zone, the zone is
 * either uniform over the cell (fully inside or fully outside: one bit in the leaf's membership
 * set) or a "test": the edges of the zone that reach the cell plus a summary of everything east of
 * the cell. A point's membership is the parity of the crossings of the ray from it towards +x
 * (east) with the zone's edges (crossing-number rule, half-open in y: an edge with lower end ly
 * and upper end hy is crossed at py when ly <= py < hy). Edges lying wholly east of the cell are
 * crossed exactly when ly <= py < hy, which depends on py alone, so they are summarised at build
 * time as a base parity and a short sorted list of y values ("flips": the ends of chains of such
 * edges; shared vertices cancel): parity = base ^ #{flips <= py}. Only the edges that reach the
 * cell are tested with the x-intersection. Both parts use the same half-open rule, so the answer is
 * the exact crossing-number answer for the edges as stored, whatever cell the point falls in.
 *
 * Boundary rule. Zones are closed sets: a point on an edge is inside. A point that equals a
 * vertex, lies on a horizontal or vertical edge, or whose x equals the computed intersection
 * x of a crossed edge counts as on the boundary, hence inside. For other edges "on" is decided in
 * floating point, so points within about 1e-14 degrees of an edge may go either way; GEOS, which
 * uses exact predicates, agrees with this locator for every point farther than that from a
 * boundary (tests/unit/test_geo_locate.c checks 1,000,000 random points and points on and next to
 * vertices and edges).
 *
 * Cells are widened by LOC_MARGIN degrees on every side when edges are assigned, so a point that
 * rounding puts in a neighbouring cell is still answered exactly.
 *
 * Only areas count: lines and points in a zone geometry (a bare border line) contain no point.
 *
 * Ownership and threads: the locator copies what it needs from the geometries and keeps no
 * reference to them. After cav__locator_new returns it is never modified, so any number of
 * threads may call cav__locator_find at once; find allocates nothing.
 */
#include "geo/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOC_ROOT_CELLS 16384.0 /* target number of cells of the top grid */
#define LOC_SUB 8              /* a split cell becomes an LOC_SUB x LOC_SUB grid */
#define LOC_SPLIT_EDGES 16     /* split a cell with more edges than this ... */
#define LOC_MAX_DEPTH 4        /* ... unless it is this deep already */
#define LOC_MARGIN 1e-9        /* degrees added around each cell when assigning edges */
#define LOC_CHILD 0x80000000u  /* cell entry flag: the rest indexes nodes, else leaves */

/* One edge, stored with its lower end first (ly <= hy). */
typedef struct loc_edge {
    double lx, ly, hx, hy;
} loc_edge;

/* A zone that is neither fully inside nor fully outside a leaf. */
typedef struct loc_test {
    uint32_t zone;
    uint32_t base;  /* parity of the crossings east of the cell below the flips */
    uint32_t flips; /* first flip value in loc->flips */
    uint32_t nflips;
    uint32_t edges; /* first edge in loc->edges */
    uint32_t nedges;
} loc_test;

/* A leaf cell: the zones fully inside it, then the tests. */
typedef struct loc_leaf {
    uint32_t bits;  /* first of loc->words words in loc->bits */
    uint32_t tests; /* first test in loc->tests */
    uint32_t ntests;
} loc_leaf;

/* A grid: the top one or the subdivision of a cell. */
typedef struct loc_node {
    double x0, y0;         /* south-west corner */
    double inv_cw, inv_ch; /* 1 / cell width, 1 / cell height */
    int32_t nx, ny;
    uint32_t cells; /* first of nx * ny entries in loc->cells */
} loc_node;

struct cav_locator {
    int nzones, words;
    int empty;             /* no zone has area: every point is in no zone */
    double x0, y0, x1, y1; /* bounding box of all edges */
    loc_node *nodes;
    uint32_t *cells;
    loc_leaf *leaves;
    loc_test *tests;
    loc_edge *edges;
    double *flips;
    uint64_t *bits;
    size_t nnodes, ncells, nleaves, ntests, nedges, nflips, nbits;
};

/* ---- the lookup --------------------------------------------------------------------------- */

/* The crossing-number answer of one test for (px, py): 1 inside or on the boundary, 0 outside. */
static inline int test_point(const cav_locator *loc, const loc_test *t, double px, double py) {
    unsigned parity = t->base;
    const double *f = loc->flips + t->flips;
    for (uint32_t i = 0; i < t->nflips; i++)
        parity ^= (unsigned)(f[i] <= py);
    const loc_edge *e = loc->edges + t->edges;
    for (uint32_t i = 0; i < t->nedges; i++, e++) {
        if (py >= e->ly && py < e->hy) {
            double x = e->lx + (py - e->ly) * (e->hx - e->lx) / (e->hy - e->ly);
            if (px < x)
                parity ^= 1u;
            else if (px == x)
                return 1;
        } else if (py == e->hy) {
            if (px == e->hx)
                return 1;
            if (e->ly == e->hy && px >= fmin(e->lx, e->hx) && px <= fmax(e->lx, e->hx))
                return 1;
        }
    }
    return (int)(parity & 1u);
}

/* Writes the zones containing (lat, lon) into bits (see geo.h). Allocation-free. */
void cav__locator_find(const cav_locator *loc, double lat, double lon, uint64_t *bits) {
    int words = loc->words;
    if (loc->empty || !(lon >= loc->x0 && lon <= loc->x1 && lat >= loc->y0 && lat <= loc->y1)) {
        for (int i = 0; i < words; i++)
            bits[i] = 0;
        return;
    }
    const loc_node *node = loc->nodes;
    uint32_t entry;
    for (;;) {
        int32_t col = (int32_t)((lon - node->x0) * node->inv_cw);
        int32_t row = (int32_t)((lat - node->y0) * node->inv_ch);
        col = col < 0 ? 0 : col >= node->nx ? node->nx - 1 : col;
        row = row < 0 ? 0 : row >= node->ny ? node->ny - 1 : row;
        entry = loc->cells[node->cells + (uint32_t)(row * node->nx + col)];
        if (!(entry & LOC_CHILD))
            break;
        node = loc->nodes + (entry & ~LOC_CHILD);
    }
    const loc_leaf *leaf = loc->leaves + entry;
    const uint64_t *b = loc->bits + leaf->bits;
    for (int i = 0; i < words; i++)
        bits[i] = b[i];
    const loc_test *t = loc->tests + leaf->tests;
    for (uint32_t i = 0; i < leaf->ntests; i++, t++) {
        if (test_point(loc, t, lon, lat))
            bits[t->zone >> 6] |= (uint64_t)1 << (t->zone & 63);
    }
}

/* Number of 64-bit words in a membership set. */
int cav__locator_words(const cav_locator *loc) {
    return loc->words;
}

/* Bytes held by the locator, structure and tables. */
size_t cav__locator_bytes(const cav_locator *loc) {
    return sizeof *loc + loc->nnodes * sizeof *loc->nodes + loc->ncells * sizeof *loc->cells +
           loc->nleaves * sizeof *loc->leaves + loc->ntests * sizeof *loc->tests +
           loc->nedges * sizeof *loc->edges + loc->nflips * sizeof *loc->flips +
           loc->nbits * sizeof *loc->bits;
}

/* Frees the locator and its tables; NULL is ignored. */
void cav__locator_free(cav_locator *loc) {
    if (!loc)
        return;
    free(loc->nodes);
    free(loc->cells);
    free(loc->leaves);
    free(loc->tests);
    free(loc->edges);
    free(loc->flips);
    free(loc->bits);
    free(loc);
}

/* ---- building ----------------------------------------------------------------------------- */

/* A growable array of elements of size `size`. */
typedef struct vec {
    void *data;
    size_t n, cap, size;
} vec;

/* Makes room for k more elements; returns a pointer to the first new one or NULL. */
static void *vec_grow(vec *v, size_t k) {
    if (v->n + k > v->cap || !v->data) { /* never offset a NULL pointer, even by zero */
        size_t cap = v->cap ? v->cap * 2 : 64;
        while (cap < v->n + k)
            cap *= 2;
        void *d = realloc(v->data, cap * v->size);
        if (!d)
            return NULL;
        v->data = d;
        v->cap = cap;
    }
    void *p = (char *)v->data + v->n * v->size;
    v->n += k;
    return p;
}

/* One zone as a grid node's builder sees it: its edges that may reach the node, and the summary
 * of its edges east of the node (base parity, flips). */
typedef struct zone_in {
    const uint32_t *edges; /* indices into builder.all */
    size_t nedges;
    unsigned base;
    const double *flips;
    size_t nflips;
} zone_in;

/* Per build: all edges plus the locator's tables under construction. */
typedef struct builder {
    const loc_edge *all; /* every edge of every zone */
    int nzones, words;
    vec nodes, cells, leaves, tests, edges, flips, bits;
} builder;

/* A boundary test found for one cell of a row, before the leaf is assembled. */
typedef struct row_test {
    int32_t col;
    uint32_t zone;
    unsigned base;
    size_t flips, nflips; /* in the row's flip pool */
    size_t edges, nedges; /* in the row's edge-index pool */
} row_test;

/* Toggles v in the small set s (values of odd multiplicity); 0 or -1. */
static int toggle(vec *s, double v) {
    double *d = s->data;
    for (size_t i = 0; i < s->n; i++) {
        if (d[i] == v) {
            d[i] = d[s->n - 1];
            s->n--;
            return 0;
        }
    }
    double *p = vec_grow(s, 1);
    if (!p)
        return -1;
    *p = v;
    return 0;
}

/* Folds flip value v into a row spanning [ya, yb] (margins included): below -> base, inside ->
 * the set, above -> dropped. */
static int fold(vec *set, unsigned *base, double v, double ya, double yb) {
    if (v <= ya) {
        *base ^= 1u;
        return 0;
    }
    if (v > yb)
        return 0;
    return toggle(set, v);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorting row edge indices by min x, descending; the builder's edges are reached through a
 * context-free comparator by packing (minx, index) pairs. */
typedef struct keyed {
    double key;
    uint32_t idx;
} keyed;

static int cmp_keyed_desc(const void *a, const void *b) {
    double x = ((const keyed *)a)->key, y = ((const keyed *)b)->key;
    return (x < y) - (x > y);
}

static int cmp_row_test(const void *a, const void *b) {
    const row_test *x = a, *y = b;
    if (x->col != y->col)
        return (x->col > y->col) - (x->col < y->col);
    return (x->zone > y->zone) - (x->zone < y->zone);
}

static int build_node(builder *b, double X0, double Y0, double cw, double ch, int32_t nx,
                      int32_t ny, const zone_in *zin, int depth, uint32_t *node_out);

/* Row-local scratch, reused across the rows of one node. */
typedef struct row_scratch {
    vec keyed_edges; /* keyed: the zone's edges in the row, by min x descending */
    vec set;         /* double: the current flip set */
    vec count;       /* size_t per column + 1 */
    vec bucket;      /* uint32_t: edge indices per column (counting sort) */
    vec tests;       /* row_test */
    vec pool_edges;  /* uint32_t: edge indices of tests */
    vec pool_flips;  /* double: flips of tests */
    vec inside;      /* uint64_t: nx * words uniform-inside bits */
} row_scratch;

static void row_scratch_free(row_scratch *s) {
    free(s->keyed_edges.data);
    free(s->set.data);
    free(s->count.data);
    free(s->bucket.data);
    free(s->tests.data);
    free(s->pool_edges.data);
    free(s->pool_flips.data);
    free(s->inside.data);
}

static double min2(double a, double b) {
    return a < b ? a : b;
}
static double max2(double a, double b) {
    return a > b ? a : b;
}

/* Sweeps one zone across one row of a node, from east to west, adding a row_test for every cell
 * the zone's boundary reaches and setting the inside bit of the cells it covers. */
static int sweep_zone(builder *b, row_scratch *s, const zone_in *z, uint32_t zone, double X0,
                      double cw, int32_t nx, double y0, double y1) {
    const double ya = y0 - LOC_MARGIN, yb = y1 + LOC_MARGIN;
    unsigned base = z->base;
    s->keyed_edges.n = 0;
    s->set.n = 0;
    for (size_t i = 0; i < z->nflips; i++) {
        if (fold(&s->set, &base, z->flips[i], ya, yb) < 0)
            return -1;
    }
    for (size_t i = 0; i < z->nedges; i++) {
        const loc_edge *e = &b->all[z->edges[i]];
        if (e->ly <= yb && e->hy >= ya) {
            keyed *k = vec_grow(&s->keyed_edges, 1);
            if (!k)
                return -1;
            k->key = min2(e->lx, e->hx);
            k->idx = z->edges[i];
        }
    }
    keyed *ke = s->keyed_edges.data;
    size_t n = s->keyed_edges.n;
    if (n > 1)
        qsort(ke, n, sizeof *ke, cmp_keyed_desc);
    /* bucket the edges into the columns they reach (exact test on the widened cells) */
    s->count.n = 0;
    size_t *count = vec_grow(&s->count, (size_t)nx + 1);
    if (!count)
        return -1;
    memset(count, 0, ((size_t)nx + 1) * sizeof *count);
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *bucket = s->bucket.data;
        for (size_t i = 0; i < n; i++) {
            const loc_edge *e = &b->all[ke[i].idx];
            double mnx = ke[i].key, mxx = max2(e->lx, e->hx);
            double ca = floor((mnx - LOC_MARGIN - X0) / cw) - 1;
            double cb = floor((mxx + LOC_MARGIN - X0) / cw) + 1;
            int32_t c0 = ca < 0 ? 0 : (int32_t)min2(ca, (double)(nx - 1));
            int32_t c1 = cb < 0 ? -1 : (int32_t)min2(cb, (double)(nx - 1));
            for (int32_t c = c0; c <= c1; c++) {
                double x0 = X0 + c * cw, x1 = X0 + (c + 1) * cw;
                if (mnx <= x1 + LOC_MARGIN && mxx >= x0 - LOC_MARGIN) {
                    if (pass == 0)
                        count[c + 1]++;
                    else
                        bucket[count[c]++] = ke[i].idx;
                }
            }
        }
        if (pass == 0) {
            for (int32_t c = 0; c < nx; c++)
                count[c + 1] += count[c];
            s->bucket.n = 0;
            if (!vec_grow(&s->bucket, count[nx] ? count[nx] : 1))
                return -1;
        }
    }
    /* after pass 1, count[c] is the end of column c's bucket and count[c - 1] its start */
    size_t k = 0;
    for (int32_t c = nx - 1; c >= 0; c--) {
        double x1 = X0 + (c + 1) * cw;
        while (k < n && ke[k].key > x1 + LOC_MARGIN) {
            const loc_edge *e = &b->all[ke[k].idx];
            if (fold(&s->set, &base, e->ly, ya, yb) < 0 || fold(&s->set, &base, e->hy, ya, yb) < 0)
                return -1;
            k++;
        }
        size_t start = c ? count[c - 1] : 0, end = count[c];
        if (start == end && s->set.n == 0) {
            if (base & 1u) {
                uint64_t *in = (uint64_t *)s->inside.data + (size_t)c * (size_t)b->words;
                in[zone >> 6] |= (uint64_t)1 << (zone & 63);
            }
            continue;
        }
        row_test *t = vec_grow(&s->tests, 1);
        if (!t)
            return -1;
        t->col = c;
        t->zone = zone;
        t->base = base & 1u;
        t->nflips = s->set.n;
        t->flips = s->pool_flips.n;
        t->nedges = end - start;
        t->edges = s->pool_edges.n;
        double *fp = vec_grow(&s->pool_flips, s->set.n);
        uint32_t *ep = vec_grow(&s->pool_edges, end - start);
        if ((!fp && s->set.n) || (!ep && end > start))
            return -1;
        if (s->set.n) {
            memcpy(fp, s->set.data, s->set.n * sizeof *fp);
            qsort(fp, s->set.n, sizeof *fp, cmp_double);
        }
        if (end > start)
            memcpy(ep, (uint32_t *)s->bucket.data + start, (end - start) * sizeof *ep);
    }
    return 0;
}

/* Stores a uniform leaf with these inside bits (shared with the previous leaf when equal);
 * returns its index or -1. */
static int64_t uniform_leaf(builder *b, const uint64_t *in) {
    if (b->leaves.n > 0) {
        const loc_leaf *last = (const loc_leaf *)b->leaves.data + b->leaves.n - 1;
        if (last->ntests == 0 &&
            memcmp((uint64_t *)b->bits.data + last->bits, in, (size_t)b->words * 8) == 0)
            return (int64_t)b->leaves.n - 1;
    }
    uint32_t boff = (uint32_t)b->bits.n;
    uint64_t *bits = vec_grow(&b->bits, (size_t)b->words);
    loc_leaf *leaf = vec_grow(&b->leaves, 1);
    if (!bits || !leaf)
        return -1;
    memcpy(bits, in, (size_t)b->words * 8);
    leaf->bits = boff;
    leaf->tests = (uint32_t)b->tests.n;
    leaf->ntests = 0;
    return (int64_t)b->leaves.n - 1;
}

/* Stores a new leaf with inside bits `in` and the tests rt[0..nt) from the row scratch s (edges
 * and flips copied into the locator's pools); returns its index or -1. */
static int64_t test_leaf(builder *b, const row_scratch *s, const row_test *rt, size_t nt,
                         const uint64_t *in) {
    uint32_t boff = (uint32_t)b->bits.n, toff = (uint32_t)b->tests.n;
    uint64_t *bits = vec_grow(&b->bits, (size_t)b->words);
    if (!bits)
        return -1;
    memcpy(bits, in, (size_t)b->words * 8);
    for (size_t i = 0; i < nt; i++) {
        loc_test *t = vec_grow(&b->tests, 1);
        loc_edge *e = vec_grow(&b->edges, rt[i].nedges);
        double *f = vec_grow(&b->flips, rt[i].nflips);
        if (!t || (!e && rt[i].nedges) || (!f && rt[i].nflips))
            return -1;
        t->zone = rt[i].zone;
        t->base = rt[i].base;
        t->nflips = (uint32_t)rt[i].nflips;
        t->flips = (uint32_t)(b->flips.n - rt[i].nflips);
        t->nedges = (uint32_t)rt[i].nedges;
        t->edges = (uint32_t)(b->edges.n - rt[i].nedges);
        const uint32_t *ei = (const uint32_t *)s->pool_edges.data + rt[i].edges;
        for (size_t j = 0; j < rt[i].nedges; j++)
            e[j] = b->all[ei[j]];
        if (rt[i].nflips)
            memcpy(f, (const double *)s->pool_flips.data + rt[i].flips, rt[i].nflips * 8);
    }
    loc_leaf *leaf = vec_grow(&b->leaves, 1);
    if (!leaf)
        return -1;
    leaf->bits = boff;
    leaf->tests = toff;
    leaf->ntests = (uint32_t)nt;
    return (int64_t)b->leaves.n - 1;
}

/* Divides the cell at (x0, y0) of size cw x ch into a child grid for tests rt[0..nt) (the other
 * zones are uniform over the cell: `in` holds those inside); returns the node index or -1. */
static int64_t child_node(builder *b, const row_scratch *s, const row_test *rt, size_t nt,
                          const uint64_t *in, double x0, double y0, double cw, double ch,
                          int depth) {
    zone_in *zin = calloc((size_t)b->nzones, sizeof *zin);
    if (!zin)
        return -1;
    for (int z = 0; z < b->nzones; z++)
        zin[z].base = (unsigned)((in[z >> 6] >> (z & 63)) & 1u);
    for (size_t i = 0; i < nt; i++) {
        zone_in *zi = &zin[rt[i].zone];
        zi->base = rt[i].base;
        zi->edges = (const uint32_t *)s->pool_edges.data + rt[i].edges;
        zi->nedges = rt[i].nedges;
        zi->flips = (const double *)s->pool_flips.data + rt[i].flips;
        zi->nflips = rt[i].nflips;
    }
    uint32_t node;
    int rc =
        build_node(b, x0, y0, cw / LOC_SUB, ch / LOC_SUB, LOC_SUB, LOC_SUB, zin, depth + 1, &node);
    free(zin);
    return rc < 0 ? -1 : (int64_t)node;
}

/* Builds the grid of nx x ny cells of size cw x ch from (X0, Y0) for the zones zin (one per
 * zone); stores its node index in *node_out. 0 or -1 (out of memory). */
static int build_node(builder *b, double X0, double Y0, double cw, double ch, int32_t nx,
                      int32_t ny, const zone_in *zin, int depth, uint32_t *node_out) {
    size_t node_idx = b->nodes.n;
    loc_node *nd = vec_grow(&b->nodes, 1);
    size_t cells = b->cells.n;
    if (!nd || !vec_grow(&b->cells, (size_t)nx * (size_t)ny))
        return -1;
    nd->x0 = X0;
    nd->y0 = Y0;
    nd->inv_cw = 1.0 / cw;
    nd->inv_ch = 1.0 / ch;
    nd->nx = nx;
    nd->ny = ny;
    nd->cells = (uint32_t)cells;
    *node_out = (uint32_t)node_idx;

    row_scratch s = {{NULL, 0, 0, sizeof(keyed)},    {NULL, 0, 0, sizeof(double)},
                     {NULL, 0, 0, sizeof(size_t)},   {NULL, 0, 0, sizeof(uint32_t)},
                     {NULL, 0, 0, sizeof(row_test)}, {NULL, 0, 0, sizeof(uint32_t)},
                     {NULL, 0, 0, sizeof(double)},   {NULL, 0, 0, sizeof(uint64_t)}};
    int rc = -1;
    size_t inwords = (size_t)nx * (size_t)b->words;
    if (!vec_grow(&s.inside, inwords))
        goto cleanup;
    for (int32_t r = 0; r < ny; r++) {
        double y0 = Y0 + r * ch, y1 = Y0 + (r + 1) * ch;
        s.tests.n = s.pool_edges.n = s.pool_flips.n = 0;
        memset(s.inside.data, 0, inwords * sizeof(uint64_t));
        for (int z = 0; z < b->nzones; z++) {
            if (sweep_zone(b, &s, &zin[z], (uint32_t)z, X0, cw, nx, y0, y1) < 0)
                goto cleanup;
        }
        row_test *rt = s.tests.data;
        size_t nt = s.tests.n;
        if (nt > 1)
            qsort(rt, nt, sizeof *rt, cmp_row_test);
        size_t i = 0;
        for (int32_t c = 0; c < nx; c++) {
            const uint64_t *in = (const uint64_t *)s.inside.data + (size_t)c * (size_t)b->words;
            size_t j = i, nedges = 0;
            while (j < nt && rt[j].col == c)
                nedges += rt[j++].nedges;
            int64_t entry;
            if (j == i) {
                entry = uniform_leaf(b, in);
            } else if (nedges > LOC_SPLIT_EDGES && depth < LOC_MAX_DEPTH) {
                entry = child_node(b, &s, rt + i, j - i, in, X0 + c * cw, y0, cw, ch, depth);
                if (entry >= 0)
                    entry |= (int64_t)LOC_CHILD;
            } else {
                entry = test_leaf(b, &s, rt + i, j - i, in);
            }
            if (entry < 0)
                goto cleanup;
            ((uint32_t *)b->cells.data)[cells + (size_t)r * (size_t)nx + (size_t)c] =
                (uint32_t)entry;
            i = j;
        }
    }
    rc = 0;
cleanup:
    row_scratch_free(&s);
    return rc;
}

/* Appends the edges of every ring of every polygon in g to v (loc_edge), with lower end first;
 * lines and points are skipped. 0 or -1. */
static int collect_edges(GEOSContextHandle_t h, const GEOSGeometry *g, vec *v) {
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) {
            if (collect_edges(h, GEOSGetGeometryN_r(h, g, i), v) < 0)
                return -1;
        }
        return 0;
    }
    if (t != GEOS_POLYGON || GEOSisEmpty_r(h, g) == 1)
        return 0;
    int nholes = GEOSGetNumInteriorRings_r(h, g);
    for (int r = -1; r < nholes; r++) {
        const GEOSGeometry *ring =
            r < 0 ? GEOSGetExteriorRing_r(h, g) : GEOSGetInteriorRingN_r(h, g, r);
        const GEOSCoordSequence *seq = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
        unsigned n = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n))
            return -1;
        double px = 0, py = 0;
        for (unsigned i = 0; i < n; i++) {
            double x, y;
            if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y) || !isfinite(x) || !isfinite(y))
                return -1;
            if (i > 0 && (x != px || y != py)) {
                loc_edge *e = vec_grow(v, 1);
                if (!e)
                    return -1;
                if (py <= y)
                    *e = (loc_edge){px, py, x, y};
                else
                    *e = (loc_edge){x, y, px, py};
            }
            px = x;
            py = y;
        }
    }
    return 0;
}

/* Compiles the zones into a locator (see geo.h); NULL on allocation failure or invalid input. */
cav_locator *cav__locator_new(GEOSContextHandle_t h, const GEOSGeometry *const *zones,
                              const double *precision_m, int nzones) {
    (void)precision_m; /* TEMPORARY shim until the locator-disk branch lands */
    if (!h || nzones < 0 || (nzones > 0 && !zones))
        return NULL;
    cav_locator *loc = calloc(1, sizeof *loc);
    vec all = {NULL, 0, 0, sizeof(loc_edge)};
    size_t *first = calloc((size_t)nzones + 1, sizeof *first);
    uint32_t *idx = NULL;
    zone_in *zin = NULL;
    builder b = {0};
    if (!loc || !first)
        goto fail;
    loc->nzones = nzones;
    loc->words = (nzones + 63) / 64;
    for (int z = 0; z < nzones; z++) {
        if (!zones[z] || collect_edges(h, zones[z], &all) < 0)
            goto fail;
        first[z + 1] = all.n;
    }
    if (all.n == 0 || all.n >= 0x7fffffffu) {
        if (all.n)
            goto fail;
        loc->empty = 1;
        free(first);
        return loc;
    }
    const loc_edge *ae = all.data;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < all.n; i++) {
        x0 = fmin(x0, fmin(ae[i].lx, ae[i].hx));
        x1 = fmax(x1, fmax(ae[i].lx, ae[i].hx));
        y0 = fmin(y0, ae[i].ly);
        y1 = fmax(y1, ae[i].hy);
    }
    loc->x0 = x0;
    loc->y0 = y0;
    loc->x1 = x1;
    loc->y1 = y1;
    double w = fmax(x1 - x0, 1e-6), hgt = fmax(y1 - y0, 1e-6);
    double side = sqrt(w * hgt / LOC_ROOT_CELLS);
    int32_t nx = (int32_t)fmin(4096, fmax(1, ceil(w / side)));
    int32_t ny = (int32_t)fmin(4096, fmax(1, ceil(hgt / side)));

    idx = malloc(all.n * sizeof *idx);
    zin = calloc((size_t)nzones, sizeof *zin);
    if (!idx || !zin)
        goto fail;
    for (size_t i = 0; i < all.n; i++)
        idx[i] = (uint32_t)i;
    for (int z = 0; z < nzones; z++) {
        zin[z].edges = idx + first[z];
        zin[z].nedges = first[z + 1] - first[z];
    }
    b.all = ae;
    b.nzones = nzones;
    b.words = loc->words;
    b.nodes.size = sizeof(loc_node);
    b.cells.size = sizeof(uint32_t);
    b.leaves.size = sizeof(loc_leaf);
    b.tests.size = sizeof(loc_test);
    b.edges.size = sizeof(loc_edge);
    b.flips.size = sizeof(double);
    b.bits.size = sizeof(uint64_t);
    uint32_t root;
    if (build_node(&b, x0, y0, w / nx, hgt / ny, nx, ny, zin, 0, &root) < 0)
        goto fail;
    if (b.leaves.n >= LOC_CHILD || b.nodes.n >= LOC_CHILD || b.tests.n > 0xffffffffu ||
        b.edges.n > 0xffffffffu || b.flips.n > 0xffffffffu || b.bits.n > 0xffffffffu)
        goto fail;
    loc->nodes = b.nodes.data;
    loc->nnodes = b.nodes.n;
    loc->cells = b.cells.data;
    loc->ncells = b.cells.n;
    loc->leaves = b.leaves.data;
    loc->nleaves = b.leaves.n;
    loc->tests = b.tests.data;
    loc->ntests = b.tests.n;
    loc->edges = b.edges.data;
    loc->nedges = b.edges.n;
    loc->flips = b.flips.data;
    loc->nflips = b.flips.n;
    loc->bits = b.bits.data;
    loc->nbits = b.bits.n;
    free(all.data);
    free(first);
    free(idx);
    free(zin);
    return loc;
fail:
    free(b.nodes.data);
    free(b.cells.data);
    free(b.leaves.data);
    free(b.tests.data);
    free(b.edges.data);
    free(b.flips.data);
    free(b.bits.data);
    free(all.data);
    free(first);
    free(idx);
    free(zin);
    free(loc);
    return NULL;
}

/* TEMPORARY shim until the locator-disk branch lands: no uncertainty. */
void cav__locator_find3(const cav_locator *loc, double lat, double lon, double radius_m,
                        uint64_t *in, uint64_t *unsure) {
    (void)radius_m;
    cav__locator_find(loc, lat, lon, in);
    for (int i = 0; i < loc->words; i++)
        unsure[i] = 0;
}

double cav__locator_distance(const cav_locator *loc, int zone, double lat, double lon) {
    (void)loc;
    (void)zone;
    (void)lat;
    (void)lon;
    return -1;
}
