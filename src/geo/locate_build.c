/* locate_build.c — compiles zone geometries into the point locator's tables (locate_impl.h); the
 * design, the boundary rule and the precision rule are explained at the top of locate.c.
 *
 * Construction runs once per pack, and so on every start of the command line tool: its measured hot
 * paths (sorting a leaf's lists, finding a row's edges, bucketing them into cells) are written for
 * speed and say so; the rest favours simplicity. Every table comes out the same, byte for byte, as
 * from the plain loops those paths replaced. First every zone's rings
 * are cut into edges; edges on the antimeridian are split where the zone's edges on the other side
 * end, and the cuts (locate.c) are marked and kept last in each zone's list. Then rows of a grid
 * are swept zone by zone from east to west, collecting for every cell the edges that reach it (for
 * the crossing test), the summary of the edges east of it (base parity and flips), and, for a zone
 * with a stated precision, its other edges within that precision of the cell (for the distance
 * test). A cell with too many edges becomes a finer grid, built the same way from the parent's
 * lists. A leaf stores each list sorted, shares a list equal to one stored before it in the same
 * leaf, and gets its near mask (locate_impl.h).
 *
 * Ownership: everything is allocated with malloc and either handed to the locator or freed before
 * cav__locator_new returns (the scratch of the grids, one set per depth, is reused from grid to
 * grid); the geometries are only read.
 */
#include "core/alloc.h"
#include "geo/locate_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOC_ROOT_CELLS 16384.0 /* target number of cells of the top grid */
#define LOC_SUB 8              /* a split cell becomes an LOC_SUB x LOC_SUB grid */
#define LOC_SPLIT_EDGES 16     /* split a cell with more crossing edges than this ... */
#define LOC_MAX_DEPTH 4        /* ... unless it is this deep already */
#define LOC_SPLIT_NEAR 24      /* split a cell whose near lists hold more edges than this ... */
#define LOC_NEAR_SPLIT 4.0     /* ... if it is at least this many precisions wide and high */
#define LOC_MARGIN 1e-9        /* degrees added around each cell when assigning edges */
/* The most the tables may take (geo.h). Edges packed closely along a long way (a comb of 20,000
 * teeth 7 degrees long: 5 GB) would otherwise take what the machine has. */
#define LOC_MAX_TABLE_BYTES ((size_t)CAV_LOCATOR_MAX_MIB << 20)

/* A growable array of elements of size `size`. */
typedef struct vec {
    void *data;
    size_t n, cap, size;
} vec;

/* vec_grow's reallocation: at least doubles v's capacity to hold n elements; 0 or -1. */
static int vec_reserve(vec *v, size_t n) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    while (cap < n)
        cap *= 2;
    void *d = cav__realloc(v->data, cap * v->size);
    if (!d)
        return -1;
    v->data = d;
    v->cap = cap;
    return 0;
}

/* Makes room for k more elements; returns a pointer to the first new one or NULL. Inline, the
 * reallocation apart: the build calls it about a million times (measured). */
static inline void *vec_grow(vec *v, size_t k) {
    if ((v->n + k > v->cap || !v->data) && vec_reserve(v, v->n + k) < 0)
        return NULL; /* never offset a NULL pointer, even by zero */
    void *p = (char *)v->data + v->n * v->size;
    v->n += k;
    return p;
}

/* One zone as a grid node's builder sees it: its edges that may reach the node, the summary of
 * its edges east of the node (base parity, flips), and its other edges within its precision of
 * the node (near). */
typedef struct zone_in {
    const uint32_t *edges; /* indices into builder.all */
    size_t nedges;
    unsigned base;
    const double *flips;
    size_t nflips;
    const uint32_t *near; /* indices into builder.all; never crossing edges of the node */
    size_t nnear;
} zone_in;

/* An edge (index into builder.all) and a column of a row it goes to. */
typedef struct col_edge {
    int32_t col;
    uint32_t idx;
} col_edge;

/* A grid's scratch, reused across its rows and by every later grid at its depth. */
typedef struct row_scratch {
    vec keyed_edges; /* keyed: the zone's edges in the row, by min x descending */
    vec set;         /* double: the current flip set */
    vec count;       /* size_t per column + 1 */
    vec bucket;      /* uint32_t: edge indices per column (counting sort) */
    vec near_count;  /* size_t per column + 1 */
    vec near_bucket; /* uint32_t: near edge indices per column */
    vec tests;       /* row_test */
    vec pool_edges;  /* uint32_t: edge indices of tests */
    vec pool_flips;  /* double: flips of tests */
    vec pool_extra;  /* uint32_t: near edge indices of tests */
    vec inside;      /* uint64_t: nx * words uniform-inside bits */
    vec wx;          /* double per zone: precision in degrees of longitude in this row */
    vec summary;     /* uint64_t: words, zones with edges in this node */
    vec row_count;   /* size_t per zone, list and row + 1 (row_lists) */
    vec row_pool;    /* uint32_t: edge indices per zone, list and row */
    vec row_span;    /* int32_t pairs: each listed edge's rows in row_lists */
    vec pairs;       /* col_edge: an edge and a column it goes to, before bucketing */
} row_scratch;

static void row_scratch_free(row_scratch *s) {
    cav__free(s->keyed_edges.data);
    cav__free(s->set.data);
    cav__free(s->count.data);
    cav__free(s->bucket.data);
    cav__free(s->near_count.data);
    cav__free(s->near_bucket.data);
    cav__free(s->tests.data);
    cav__free(s->pool_edges.data);
    cav__free(s->pool_flips.data);
    cav__free(s->pool_extra.data);
    cav__free(s->inside.data);
    cav__free(s->wx.data);
    cav__free(s->summary.data);
    cav__free(s->row_count.data);
    cav__free(s->row_pool.data);
    cav__free(s->row_span.data);
    cav__free(s->pairs.data);
}

/* Per build: all edges plus the locator's tables under construction. */
typedef struct builder {
    const loc_edge *all;  /* every edge of every zone */
    const uint8_t *cut;   /* per edge of all: a cut (antimeridian or pole), no border */
    const uint32_t *rank; /* per edge of all: its place in cmp_edge's order (edge_ranks) */
    const double *prec;   /* per zone: stated precision, metres */
    const double *wy;     /* per zone: precision in degrees of latitude (at least) */
    double wy_max;        /* largest of them */
    int nzones, words;
    vec nodes, cells, leaves, masks, tests, edges, flips, bits;
    vec keys; /* uint64_t: copy_edges's sort keys, reused */
    /* Per depth, reused by every grid built there (a child's while its parent's is in use):
     * allocating them for each of a thousand grids was most of the build's allocations. */
    row_scratch scratch[LOC_MAX_DEPTH + 1];
    zone_in *child_zin[LOC_MAX_DEPTH + 1]; /* nzones: a child grid's zones (child_node) */
    size_t *stored;                        /* per zone: edges stored in leaves, for the budget */
    int too_big;                           /* the tables passed LOC_MAX_TABLE_BYTES */
} builder;

/* A cell's record for one zone, found while sweeping a row, before the leaf is assembled. */
typedef struct row_test {
    int32_t col;
    uint32_t zone;
    unsigned base;
    int near_only;        /* the zone is uniform over the cell; only its near edges matter */
    size_t flips, nflips; /* in the row's flip pool */
    size_t edges, nedges; /* in the row's edge-index pool: crossing edges */
    size_t extra, nextra; /* in the row's extra pool: near edges that are not crossing edges */
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

static int cmp_edge(const void *a, const void *b) {
    const loc_edge *x = a, *y = b;
    if (x->lx != y->lx)
        return (x->lx > y->lx) - (x->lx < y->lx);
    if (x->ly != y->ly)
        return (x->ly > y->ly) - (x->ly < y->ly);
    if (x->hx != y->hx)
        return (x->hx > y->hx) - (x->hx < y->hx);
    return (x->hy > y->hy) - (x->hy < y->hy);
}

/* Orders two elements for merge_sort: ascending integers when edges is NULL, else indices into
 * edges by cmp_edge. */
static int key_less(const loc_edge *edges, uint64_t x, uint64_t y) {
    return edges ? cmp_edge(&edges[x], &edges[y]) < 0 : x < y;
}

/* Sorts k[0..n) (key_less) with tmp[0..n) as scratch: runs of 16 by insertion, then merged
 * pairwise. Stable, and with no comparison function to call through a pointer: copy_edges and
 * edge_ranks are measured hot paths, and qsort's callbacks were most of their cost. */
static void merge_sort(uint64_t *k, uint64_t *tmp, size_t n, const loc_edge *edges) {
    for (size_t lo = 0; lo < n; lo += 16) {
        size_t hi = lo + 16 < n ? lo + 16 : n;
        for (size_t i = lo + 1; i < hi; i++) {
            uint64_t v = k[i];
            size_t j = i;
            for (; j > lo && key_less(edges, v, k[j - 1]); j--)
                k[j] = k[j - 1];
            k[j] = v;
        }
    }
    uint64_t *src = k, *dst = tmp;
    for (size_t w = 16; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, at = lo;
            while (i < mid && j < hi)
                dst[at++] = key_less(edges, src[j], src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[at++] = src[i++];
            while (j < hi)
                dst[at++] = src[j++];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != k)
        memcpy(k, src, n * sizeof *k);
}

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

/* Element k of the row pool v of uint32_t, or NULL for an empty range (never offset a NULL
 * pool, even by zero). */
static const uint32_t *pool_u32(const vec *v, size_t k, size_t n) {
    return n ? (const uint32_t *)v->data + k : NULL;
}

static double min2(double a, double b) {
    return a < b ? a : b;
}
static double max2(double a, double b) {
    return a > b ? a : b;
}

/* Metres per degree of longitude, at least, anywhere in latitudes [y0, y1]; 0 when that band
 * reaches a pole. */
static double lon_metres_min(double y0, double y1) {
    double far = fmax(fabs(y0), fabs(y1));
    if (far >= 90)
        return 0;
    double m, c;
    cav__geo_radii(far, &m, &c);
    return c * CAV_DEG * (1 - 1e-9);
}

/* The columns [*c0, *c1] of a row that [mnx - w, mxx + w] may overlap (a superset). */
static void column_span(double mnx, double mxx, double w, double X0, double cw, int32_t nx,
                        int32_t *c0, int32_t *c1) {
    double ca = floor((mnx - w - X0) / cw) - 1;
    double cb = floor((mxx + w - X0) / cw) + 1;
    *c0 = !(ca >= 0) ? 0 : (int32_t)min2(ca, (double)(nx - 1)); /* NaN from w = inf: 0 */
    *c1 = !(cb <= (double)(nx - 1)) ? nx - 1 : cb < 0 ? -1 : (int32_t)cb;
}

/* The longitudes [*mnx, *mxx] that edge e spans within the latitudes [ya, yb], which it reaches:
 * its part inside the row, not its whole box. A long diagonal edge's box covers every cell of
 * every row it crosses; listed by its box, a star of 50 spikes 20 degrees wide listed dozens of
 * spikes in every cell, split every cell to the deepest level and took 4.7 GB.
 * The cut points' rounding (a few units in the last place) is far inside LOC_MARGIN, which every
 * test on these longitudes adds. */
static inline __attribute__((always_inline)) void row_xrange(const loc_edge *e, double ya,
                                                             double yb, double *mnx, double *mxx) {
    double lo = min2(e->lx, e->hx), hi = max2(e->lx, e->hx);
    *mnx = lo;
    *mxx = hi;
    if ((e->ly >= ya && e->hy <= yb) || !(e->hy > e->ly))
        return; /* inside the row, as most edges of a coast are, or level */
    /* clip to the row; the edge's y rises from ly to hy */
    double k = (e->hx - e->lx) / (e->hy - e->ly), xa = e->lx, xb = e->hx;
    if (e->ly < ya)
        xa = e->lx + (ya - e->ly) * k;
    if (e->hy > yb)
        xb = e->lx + (yb - e->ly) * k;
    *mnx = fmax(lo, min2(xa, xb)); /* never past the edge's own ends */
    *mxx = fmin(hi, max2(xa, xb));
}

/* 1 when edge e meets the rectangle [x0, x1] x [y0, y1] (clipping its parameter range against
 * each side in turn); the caller has checked that their boxes overlap. A diagonal edge whose box
 * overlaps a widened cell may still pass it by: this keeps it off the cell's near list. */
static int edge_meets(const loc_edge *e, double x0, double y0, double x1, double y1) {
    double dx = e->hx - e->lx, dy = e->hy - e->ly, t0 = 0, t1 = 1;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {e->lx - x0, x1 - e->lx, e->ly - y0, y1 - e->ly};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return 0;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0)
            t0 = t > t0 ? t : t0;
        else
            t1 = t < t1 ? t : t1;
    }
    return t0 <= t1;
}

/* Appends the pair (c, k) to pairs and counts it in count[c + 1]; 0 or -1. */
static int add_pair(vec *pairs, size_t *count, int32_t c, uint32_t k) {
    col_edge *p = pairs->n < pairs->cap ? (col_edge *)pairs->data + pairs->n++ : vec_grow(pairs, 1);
    if (!p)
        return -1;
    *p = (col_edge){c, k};
    count[c + 1]++;
    return 0;
}

/* Puts the edges of pairs into bucket, column by column, each column's in the pairs' order;
 * count[c + 1] holds column c's number of pairs (add_pair). After it, count[c] ends column c's
 * bucket and count[c - 1] starts it. Each pair is found once and then only placed: finding them
 * (the exact tests on the widened cells) twice, once to count and once to place, cost a fifth of
 * the build (measured on the default pack). 0 or -1. */
static int scatter(const vec *pairs, size_t *count, int32_t nx, vec *bucket) {
    for (int32_t c = 0; c < nx; c++)
        count[c + 1] += count[c];
    bucket->n = 0;
    uint32_t *out = vec_grow(bucket, count[nx] ? count[nx] : 1);
    if (!out)
        return -1;
    const col_edge *p = pairs->data;
    for (size_t i = 0; i < pairs->n; i++)
        out[count[p[i].col]++] = p[i].idx;
    return 0;
}

/* Buckets into the row's columns the near edges of one zone: its candidates (crossing edges of
 * the node and near edges of the node) that come within (wx, wy) degrees of a cell without being
 * that cell's crossing edges. Cuts never count for distance. After it, near_count[c] ends column
 * c's bucket and near_count[c - 1] starts it. */
static int near_bucket(builder *b, row_scratch *s, const zone_in *z, double X0, double cw,
                       int32_t nx, double y0, double y1, double wx, double wy) {
    const double ya = y0 - LOC_MARGIN, yb = y1 + LOC_MARGIN;
    size_t *count = s->near_count.data;
    s->pairs.n = 0;
    for (int list = 0; list < 2; list++) {
        const uint32_t *idx = list ? z->near : z->edges;
        size_t n = list ? z->nnear : z->nedges;
        for (size_t i = 0; i < n; i++) {
            uint32_t k = idx[i];
            const loc_edge *e = &b->all[k];
            if (b->cut[k] || e->ly > y1 + wy || e->hy < y0 - wy)
                continue;
            int cross_y = !list && e->ly <= yb && e->hy >= ya;
            double mnx = min2(e->lx, e->hx), mxx = max2(e->lx, e->hx), cx0 = 0, cx1 = -1;
            if (cross_y) /* the longitudes where sweep_zone lists it as a crossing edge */
                row_xrange(e, ya, yb, &cx0, &cx1);
            int32_t c0, c1;
            column_span(mnx, mxx, wx, X0, cw, nx, &c0, &c1);
            for (int32_t c = c0; c <= c1; c++) {
                double x0 = X0 + c * cw, x1 = X0 + (c + 1) * cw;
                if (!(mnx <= x1 + wx && mxx >= x0 - wx))
                    continue;
                if (cross_y && cx0 <= x1 + LOC_MARGIN && cx1 >= x0 - LOC_MARGIN)
                    continue; /* a crossing edge of this cell: listed there already */
                if (isfinite(wx) && !edge_meets(e, x0 - wx - LOC_MARGIN, y0 - wy - LOC_MARGIN,
                                                x1 + wx + LOC_MARGIN, y1 + wy + LOC_MARGIN))
                    continue;
                if (add_pair(&s->pairs, count, c, k) < 0)
                    return -1;
            }
        }
    }
    return scatter(&s->pairs, count, nx, &s->near_bucket);
}

/* Buckets by row the two lists of every zone of a node (ny rows of height ch from Y0), its
 * edges and its near edges: list l = 2 zone + (near) holds in row r every edge of it whose
 * latitudes come within the zone's precision (at least LOC_MARGIN) of the row, in their order in
 * zin, and perhaps a few more (a row of slack against rounding). sweep_zone and near_bucket test
 * every edge they are given exactly, so from these lists they find the same edges in the same
 * order as from the zone's whole lists. Measured: without them every row of the top grid scanned
 * every edge of its zones three times (once for the crossing edges, twice for the near ones), a
 * tenth of the build for the default pack. After it, row_count[l * ny + r] ends list l's bucket
 * of row r, and the entry before it starts it. */
static int row_lists(const builder *b, row_scratch *s, const zone_in *zin, double Y0, double ch,
                     int32_t ny) {
    size_t nb = 2 * (size_t)b->nzones * (size_t)ny;
    s->row_count.n = 0;
    size_t *count = vec_grow(&s->row_count, nb + 1);
    if (!count)
        return -1;
    memset(count, 0, (nb + 1) * sizeof *count);
    size_t total = 0;
    for (int z = 0; z < b->nzones; z++)
        total += zin[z].nedges + zin[z].nnear;
    s->row_span.n = 0;
    if (!vec_grow(&s->row_span, total ? total : 1))
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *pool = s->row_pool.data;
        int32_t *span = s->row_span.data; /* each listed edge's rows, found on the first pass */
        for (size_t l = 0; l < 2 * (size_t)b->nzones; l++) {
            const zone_in *z = &zin[l / 2];
            const uint32_t *idx = l & 1 ? z->near : z->edges;
            size_t n = l & 1 ? z->nnear : z->nedges, g0 = l * (size_t)ny;
            double w = fmax(b->wy[l / 2], LOC_MARGIN);
            for (size_t i = 0; i < n; i++, span += 2) {
                if (pass == 0) {
                    const loc_edge *e = &b->all[idx[i]];
                    double ra = floor((e->ly - w - Y0) / ch) - 1;
                    double rb = floor((e->hy + w - Y0) / ch) + 1;
                    span[0] = !(ra >= 0) ? 0 : ra > (double)ny ? ny : (int32_t)ra;
                    span[1] = !(rb <= (double)(ny - 1)) ? ny - 1 : rb < 0 ? -1 : (int32_t)rb;
                }
                for (int32_t r = span[0]; r <= span[1]; r++) {
                    if (pass == 0)
                        count[g0 + (size_t)r + 1]++;
                    else
                        pool[count[g0 + (size_t)r]++] = idx[i];
                }
            }
        }
        if (pass == 0) {
            for (size_t g = 0; g < nb; g++)
                count[g + 1] += count[g];
            s->row_pool.n = 0;
            if (!vec_grow(&s->row_pool, count[nb] ? count[nb] : 1))
                return -1;
        }
    }
    return 0;
}

/* Zone z of zin as row r of a node of ny rows sees it: its lists cut to that row (row_lists). */
static zone_in row_zone(const row_scratch *s, const zone_in *zin, int z, int32_t r, int32_t ny) {
    const size_t *count = s->row_count.data;
    zone_in zr = zin[z];
    size_t g = 2 * (size_t)z * (size_t)ny + (size_t)r, h = g + (size_t)ny;
    size_t e0 = g ? count[g - 1] : 0, n0 = count[g] - e0, e1 = count[h - 1], n1 = count[h] - e1;
    zr.edges = pool_u32(&s->row_pool, e0, n0);
    zr.nedges = n0;
    zr.near = pool_u32(&s->row_pool, e1, n1);
    zr.nnear = n1;
    return zr;
}

/* Sweeps one zone across one row of a node, from east to west, adding a row_test for every cell
 * the zone's boundary reaches or comes within its precision (wx, wy degrees; 0 for an exact zone)
 * of, and setting the inside bit of the cells it covers. */
static int sweep_zone(builder *b, row_scratch *s, const zone_in *z, uint32_t zone, double X0,
                      double cw, int32_t nx, double y0, double y1, double wx, double wy) {
    const double ya = y0 - LOC_MARGIN, yb = y1 + LOC_MARGIN;
    unsigned base = z->base;
    /* Uniform over the whole row, as most zones are in most rows of a child grid (measured: the
     * sweep below cost them 6 % of the build for nothing). */
    if (!z->nedges && !z->nnear && !z->nflips) {
        for (int32_t c = 0; base & 1u && c < nx; c++)
            ((uint64_t *)s->inside.data)[(size_t)c * (size_t)b->words + (zone >> 6)] |=
                (uint64_t)1 << (zone & 63);
        return 0;
    }
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
            double mxx;
            row_xrange(e, ya, yb, &k->key, &mxx);
            k->idx = z->edges[i];
        }
    }
    keyed *ke = s->keyed_edges.data;
    size_t n = s->keyed_edges.n;
    if (n > 1)
        qsort(ke, n, sizeof *ke, cmp_keyed_desc);
    /* bucket the edges into the columns they reach (exact test on the widened cells) */
    s->count.n = 0;
    s->near_count.n = 0;
    size_t *count = vec_grow(&s->count, (size_t)nx + 1);
    size_t *ncount = vec_grow(&s->near_count, (size_t)nx + 1);
    if (!count || !ncount)
        return -1;
    memset(count, 0, ((size_t)nx + 1) * sizeof *count);
    memset(ncount, 0, ((size_t)nx + 1) * sizeof *ncount);
    s->pairs.n = 0;
    for (size_t i = 0; i < n; i++) {
        double mnx, mxx;
        row_xrange(&b->all[ke[i].idx], ya, yb, &mnx, &mxx);
        int32_t c0, c1;
        column_span(mnx, mxx, LOC_MARGIN, X0, cw, nx, &c0, &c1);
        for (int32_t c = c0; c <= c1; c++) {
            double x0 = X0 + c * cw, x1 = X0 + (c + 1) * cw;
            if (mnx <= x1 + LOC_MARGIN && mxx >= x0 - LOC_MARGIN &&
                add_pair(&s->pairs, count, c, ke[i].idx) < 0)
                return -1;
        }
    }
    if (scatter(&s->pairs, count, nx, &s->bucket) < 0)
        return -1;
    if (wy > 0 && near_bucket(b, s, z, X0, cw, nx, y0, y1, wx, wy) < 0)
        return -1;
    ncount = s->near_count.data;
    /* after the passes, count[c] is the end of column c's bucket and count[c - 1] its start */
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
        size_t xs = c ? ncount[c - 1] : 0, xe = ncount[c];
        int uniform = start == end && s->set.n == 0;
        if (uniform && (base & 1u)) {
            uint64_t *in = (uint64_t *)s->inside.data + (size_t)c * (size_t)b->words;
            in[zone >> 6] |= (uint64_t)1 << (zone & 63);
        }
        if (uniform && xs == xe)
            continue;
        row_test *t = vec_grow(&s->tests, 1);
        if (!t)
            return -1;
        t->col = c;
        t->zone = zone;
        t->base = base & 1u;
        t->near_only = uniform;
        t->nflips = uniform ? 0 : s->set.n;
        t->flips = s->pool_flips.n;
        t->nedges = end - start;
        t->edges = s->pool_edges.n;
        t->nextra = xe - xs;
        t->extra = s->pool_extra.n;
        double *fp = vec_grow(&s->pool_flips, t->nflips);
        uint32_t *ep = vec_grow(&s->pool_edges, t->nedges);
        uint32_t *xp = vec_grow(&s->pool_extra, t->nextra);
        if ((!fp && t->nflips) || (!ep && t->nedges) || (!xp && t->nextra))
            return -1;
        if (t->nflips) {
            memcpy(fp, s->set.data, t->nflips * sizeof *fp);
            qsort(fp, t->nflips, sizeof *fp, cmp_double);
        }
        if (t->nedges)
            memcpy(ep, (uint32_t *)s->bucket.data + start, t->nedges * sizeof *ep);
        if (t->nextra)
            memcpy(xp, (uint32_t *)s->near_bucket.data + xs, t->nextra * sizeof *xp);
    }
    return 0;
}

/* Stores a uniform leaf with these inside bits (shared with the previous leaf when equal);
 * returns its index or -1. */
static int64_t uniform_leaf(builder *b, const uint64_t *in, uint32_t wide) {
    if (b->leaves.n > 0) {
        const loc_leaf *last = (const loc_leaf *)b->leaves.data + b->leaves.n - 1;
        if (last->ntests == 0 && last->nnear == wide &&
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
    leaf->nnear = wide;
    if (b->wy_max > 0) { /* no masks without precisions: nothing reads them */
        uint64_t *mask = vec_grow(&b->masks, 1);
        if (!mask)
            return -1;
        *mask = 0;
    }
    return (int64_t)b->leaves.n - 1;
}

/* Appends the edges idx[0..n) to the locator's edge pool, only cuts (want_cut) or only the rest,
 * sorted by cmp_edge, edges it calls equal in their order in idx (so that two zones with the same
 * edges store the same list); returns how many, or -1.
 *
 * A measured hot path: three lists for each of the 36,000 entries of the default pack's leaves,
 * where qsort and insertion on the edges themselves took over a quarter of the build. Each edge is
 * sorted as one integer instead, its rank in cmp_edge's order (edge_ranks) above its place in idx,
 * which orders exactly as a stable sort with cmp_edge does. */
static int64_t copy_edges(builder *b, const uint32_t *idx, size_t n, int want_cut) {
    if (!n)
        return 0;
    size_t first = b->edges.n, k = 0;
    b->keys.n = 0;
    uint64_t *key = vec_grow(&b->keys, 2 * n);
    loc_edge *e = vec_grow(&b->edges, n);
    if (!e || !key)
        return -1;
    for (size_t i = n; i-- > 0;) /* idx comes by x descending: keys nearly ascending */
        if (!b->cut[idx[i]] == !want_cut)
            key[k++] = (uint64_t)b->rank[idx[i]] << 32 | i;
    merge_sort(key, key + n, k, NULL);
    for (size_t j = 0; j < k; j++)
        e[j] = b->all[idx[key[j] & 0xffffffffu]];
    b->edges.n = first + k;
    return (int64_t)k;
}

/* The rank of every edge of all[0..n) in cmp_edge's order, edges it calls equal sharing one (see
 * copy_edges); NULL when out of memory. */
static uint32_t *edge_ranks(const loc_edge *all, size_t n) {
    uint64_t *ix = cav__malloc(2 * n * sizeof *ix);
    uint32_t *rank = cav__malloc(n * sizeof *rank);
    if (!ix || !rank) {
        cav__free(ix);
        cav__free(rank);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    merge_sort(ix, ix + n, n, all);
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += i > 0 && cmp_edge(&all[ix[i - 1]], &all[ix[i]]) != 0;
        rank[ix[i]] = k;
    }
    cav__free(ix);
    return rank;
}

/* The number of edges entry t uses from t->edges: its crossing edges, and its near edges. */
static size_t entry_span(const loc_test *t) {
    size_t near = t->nnear ? t->ncut + t->nnear : 0;
    return t->nedges > near ? t->nedges : near;
}

/* Points entry t (its edges just appended to the pool) at the edges of an earlier entry of the
 * same leaf (from toff) that begin with the same list, and drops its own copy: Russia and a zone
 * made from Russia share their coast in every cell away from where they differ. */
static void share_edges(builder *b, uint32_t toff, loc_test *t) {
    const loc_test *tests = b->tests.data;
    const loc_edge *pool = b->edges.data;
    size_t need = entry_span(t);
    for (const loc_test *e = tests + toff; e < t && need; e++) {
        if (e->ncut == t->ncut && entry_span(e) >= need &&
            memcmp(pool + e->edges, pool + t->edges, need * sizeof *pool) == 0) {
            b->edges.n = t->edges;
            t->edges = e->edges;
            return;
        }
    }
}

/* Stores one record of a leaf whose entries begin at toff: a test (with its edges [cuts, other
 * crossing edges, other near edges] and flips), or, on the second pass, a near entry for a uniform
 * zone with near edges. Returns 0 or -1. */
static int leaf_entry(builder *b, const row_scratch *s, const row_test *rt, uint32_t toff) {
    const uint32_t *ei = pool_u32(&s->pool_edges, rt->edges, rt->nedges);
    const uint32_t *xi = pool_u32(&s->pool_extra, rt->extra, rt->nextra);
    uint32_t first = (uint32_t)b->edges.n;
    loc_test *t = vec_grow(&b->tests, 1);
    double *f = vec_grow(&b->flips, rt->nflips);
    int64_t ncut = copy_edges(b, ei, rt->nedges, 1);
    int64_t nrest = copy_edges(b, ei, rt->nedges, 0);
    int64_t nextra = copy_edges(b, xi, rt->nextra, 0);
    if (!t || (!f && rt->nflips) || ncut < 0 || nrest < 0 || nextra < 0)
        return -1;
    b->stored[rt->zone] += (size_t)(ncut + nrest + nextra);
    t->zone = rt->zone;
    t->base = rt->base;
    t->nflips = (uint32_t)rt->nflips;
    t->flips = (uint32_t)(b->flips.n - rt->nflips);
    t->nedges = (uint32_t)rt->nedges;
    t->edges = first;
    t->ncut = (uint32_t)ncut;
    t->nnear = b->prec[rt->zone] > 0 ? (uint32_t)(nrest + nextra) : 0;
    if (rt->nflips)
        memcpy(f, (const double *)s->pool_flips.data + rt->flips, rt->nflips * 8);
    share_edges(b, toff, t);
    return 0;
}

/* The sub-cell range [*a, *b] (of 8) of a cell from lo of sub-cell size 1 / inv_w that [v0 - pad,
 * v1 + pad] overlaps. No cell of slack is needed for rounding: pad carries LOC_MARGIN beyond the
 * precision, far more than the rounding of the product. */
static void sub_span(double v0, double v1, double pad, double lo, double inv_w, int *a, int *b) {
    double fa = floor((v0 - pad - lo) * inv_w), fb = floor((v1 + pad - lo) * inv_w);
    *a = !(fa >= 0) ? 0 : fa > 7 ? 8 : (int)fa; /* -inf from pad = inf: all */
    *b = !(fb <= 7) ? 7 : fb < 0 ? -1 : (int)fb;
}

/* Sets in *mask the sub-cells (of the cell at (x0, y0), sub-cells sw x sh) that edge e comes within
 * (px, py) degrees of: row by row, the part of the edge inside the row widened by py, then the
 * columns its longitudes reach widened by px. */
static void mask_edge(const loc_edge *e, double px, double py, double x0, double y0, double sw,
                      double sh, uint64_t *mask) {
    int r0, r1;
    double inv_sw = 1 / sw, inv_sh = 1 / sh;
    sub_span(e->ly, e->hy, py, y0, inv_sh, &r0, &r1);
    for (int r = r0; r <= r1; r++) {
        double mnx, mxx;
        row_xrange(e, y0 + r * sh - py, y0 + (r + 1) * sh + py, &mnx, &mxx);
        int c0, c1;
        sub_span(mnx, mxx, px, x0, inv_sw, &c0, &c1);
        if (c0 <= c1)
            *mask |= ((((uint64_t)2 << (c1 - c0)) - 1) << c0) << (8 * r);
    }
}

/* 1 when an entry before tests[i] of its leaf has tests[i]'s near edges among its own (one stored
 * list, share_edges) with the same precisions: those edges have set their bits in the mask
 * already. Measured: zones made from the same boundary share their lists in many leaves, and
 * drawing their masks again cost 2 % of the build. */
static int near_seen(const builder *b, const loc_test *tests, uint32_t i, const double *wx) {
    const loc_test *t = &tests[i];
    size_t first = (size_t)t->edges + t->ncut, end = first + t->nnear;
    for (uint32_t j = 0; j < i; j++) {
        const loc_test *u = &tests[j];
        size_t ufirst = (size_t)u->edges + u->ncut, uend = ufirst + u->nnear;
        if (u->nnear && ufirst <= first && end <= uend && wx[u->zone] == wx[t->zone] &&
            b->wy[u->zone] == b->wy[t->zone])
            return 1;
    }
    return 0;
}

/* The near mask of a leaf at (x0, y0) of size cw x ch whose entries are tests[toff .. toff + n)
 * (see loc_leaf), with each zone's precision wx (this row) and b->wy in degrees. */
static uint64_t near_mask(const builder *b, uint32_t toff, uint32_t n, const double *wx, double x0,
                          double y0, double cw, double ch) {
    uint64_t mask = 0;
    const loc_test *tests = (const loc_test *)b->tests.data + toff;
    for (uint32_t i = 0; i < n && mask != ~(uint64_t)0; i++) {
        const loc_test *t = &tests[i];
        double px = wx[t->zone] + LOC_MARGIN, py = b->wy[t->zone] + LOC_MARGIN;
        if (near_seen(b, tests, i, wx))
            continue;
        const loc_edge *e = (const loc_edge *)b->edges.data + t->edges + t->ncut;
        for (uint32_t k = 0; k < t->nnear && mask != ~(uint64_t)0; k++, e++)
            mask_edge(e, px, py, x0, y0, cw / 8, ch / 8, &mask);
    }
    return mask;
}

/* Stores a new leaf with inside bits `in` and the records rt[0..nt) from the row scratch s: a test
 * for every zone whose boundary reaches the cell, then a near entry for every zone with a
 * precision that is uniform over the cell but has edges within it. Edges and flips are copied
 * into the locator's pools. Returns the leaf's index or -1. */
static int64_t test_leaf(builder *b, const row_scratch *s, const row_test *rt, size_t nt,
                         const uint64_t *in, uint32_t wide, double x0, double y0, double cw,
                         double ch) {
    uint32_t boff = (uint32_t)b->bits.n, toff = (uint32_t)b->tests.n;
    uint64_t *bits = vec_grow(&b->bits, (size_t)b->words);
    if (!bits)
        return -1;
    memcpy(bits, in, (size_t)b->words * 8);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nt; i++)
            if (rt[i].near_only == pass && leaf_entry(b, s, &rt[i], toff) < 0)
                return -1;
    uint32_t ntests = 0, nnear = 0, ntotal = (uint32_t)(b->tests.n - toff);
    for (size_t i = 0; i < nt; i++)
        ntests += !rt[i].near_only;
    for (uint32_t i = 0; i < ntotal; i++)
        nnear += ((const loc_test *)b->tests.data)[toff + i].nnear > 0;
    loc_leaf *leaf = vec_grow(&b->leaves, 1);
    if (!leaf)
        return -1;
    leaf->bits = boff;
    leaf->tests = toff;
    leaf->ntests = ntests;
    leaf->nnear = (nnear ? ntotal : 0) | wide;
    if (b->wy_max > 0) {
        uint64_t *mask = vec_grow(&b->masks, 1);
        if (!mask)
            return -1;
        *mask = nnear ? near_mask(b, toff, ntotal, s->wx.data, x0, y0, cw, ch) : 0;
    }
    return (int64_t)b->leaves.n - 1;
}

/* Divides the cell at (x0, y0) of size cw x ch into a child grid for the records rt[0..nt) (the
 * other zones are uniform over the cell: `in` holds those inside); returns the node index or -1. */
static int64_t child_node(builder *b, const row_scratch *s, const row_test *rt, size_t nt,
                          const uint64_t *in, double x0, double y0, double cw, double ch,
                          int depth) {
    zone_in *zin = b->child_zin[depth + 1];
    if (!zin && !(zin = b->child_zin[depth + 1] = cav__malloc((size_t)b->nzones * sizeof *zin)))
        return -1;
    memset(zin, 0, (size_t)b->nzones * sizeof *zin);
    for (int z = 0; z < b->nzones; z++)
        zin[z].base = (unsigned)((in[z >> 6] >> (z & 63)) & 1u);
    for (size_t i = 0; i < nt; i++) {
        zone_in *zi = &zin[rt[i].zone];
        zi->near = pool_u32(&s->pool_extra, rt[i].extra, rt[i].nextra);
        zi->nnear = rt[i].nextra;
        if (rt[i].near_only)
            continue;
        zi->base = rt[i].base;
        zi->edges = pool_u32(&s->pool_edges, rt[i].edges, rt[i].nedges);
        zi->nedges = rt[i].nedges;
        zi->flips = rt[i].nflips ? (const double *)s->pool_flips.data + rt[i].flips : NULL;
        zi->nflips = rt[i].nflips;
    }
    uint32_t node;
    int rc =
        build_node(b, x0, y0, cw / LOC_SUB, ch / LOC_SUB, LOC_SUB, LOC_SUB, zin, depth + 1, &node);
    return rc < 0 ? -1 : (int64_t)node;
}

/* Adds to the node's summary the zones of records rt[0..nt) that have an edge other than a cut. */
static void summarise(const builder *b, const row_scratch *s, const row_test *rt, size_t nt,
                      uint64_t *summary) {
    for (size_t i = 0; i < nt; i++) {
        const uint32_t *ei = pool_u32(&s->pool_edges, rt[i].edges, rt[i].nedges);
        for (size_t j = 0; !rt[i].near_only && j < rt[i].nedges; j++) {
            if (!b->cut[ei[j]]) {
                summary[rt[i].zone >> 6] |= (uint64_t)1 << (rt[i].zone & 63);
                break;
            }
        }
    }
}

/* The bytes of the tables built so far. Measured after each test leaf only: a uniform leaf
 * adds a few bytes to a cell that exists already, and a grid's cells follow from test leaves
 * that would have split. */
static size_t table_bytes(const builder *b) {
    const vec *v[] = {&b->nodes, &b->cells, &b->leaves, &b->masks,
                      &b->tests, &b->edges, &b->flips,  &b->bits};
    size_t n = 0;
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        n += v[i]->n * v[i]->size;
    return n;
}

/* Builds one row's cells from the sorted records rt[0..nt) (see build_node). */
static int build_row(builder *b, row_scratch *s, double X0, double cw, double ch, int32_t nx,
                     double y0, int depth, uint32_t cells_row) {
    const double *wx = s->wx.data;
    double wx_all = 0; /* the widest precision in this row, for the antimeridian and poles */
    for (int z = 0; z < b->nzones; z++)
        wx_all = b->prec[z] > 0 ? fmax(wx_all, wx[z]) : wx_all;
    int wide_row =
        b->wy_max > 0 && (y0 - b->wy_max <= -90 || y0 + ch + b->wy_max >= 90 || !(wx_all < 180));
    row_test *rt = s->tests.data;
    size_t nt = s->tests.n, i = 0;
    uint64_t *summary = s->summary.data;
    for (int32_t c = 0; c < nx; c++) {
        const uint64_t *in = (const uint64_t *)s->inside.data + (size_t)c * (size_t)b->words;
        double x0 = X0 + c * cw;
        uint32_t wide =
            wide_row || (b->wy_max > 0 && (x0 - wx_all <= -180 || x0 + cw + wx_all >= 180))
                ? LOC_WIDE
                : 0;
        size_t j = i, nedges = 0, nnear = 0;
        double wxm = 0, wym = 0; /* widest precision among the zones with near edges here */
        while (j < nt && rt[j].col == c) {
            const row_test *t = &rt[j++];
            if (!t->near_only)
                nedges += t->nedges;
            if (b->prec[t->zone] > 0) {
                nnear += t->nedges + t->nextra;
                wxm = fmax(wxm, wx[t->zone]);
                wym = fmax(wym, b->wy[t->zone]);
            }
        }
        int split =
            depth < LOC_MAX_DEPTH &&
            (nedges > LOC_SPLIT_EDGES ||
             (nnear > LOC_SPLIT_NEAR && cw >= LOC_NEAR_SPLIT * wxm && ch >= LOC_NEAR_SPLIT * wym));
        int64_t entry;
        if (j > i)
            summarise(b, s, rt + i, j - i, summary);
        if (j == i) {
            entry = uniform_leaf(b, in, wide);
        } else if (split) {
            entry = child_node(b, s, rt + i, j - i, in, x0, y0, cw, ch, depth);
            if (entry >= 0) {
                const loc_node *child = (const loc_node *)b->nodes.data + entry;
                const uint64_t *cz = (const uint64_t *)b->bits.data + child->zones;
                for (int w = 0; w < b->words; w++)
                    summary[w] |= cz[w];
                entry |= (int64_t)LOC_CHILD;
            }
        } else {
            entry = test_leaf(b, s, rt + i, j - i, in, wide, x0, y0, cw, ch);
            if (entry >= 0 && table_bytes(b) > LOC_MAX_TABLE_BYTES) {
                b->too_big = 1; /* a test leaf is what makes the tables grow: see table_bytes */
                return -1;
            }
        }
        if (entry < 0)
            return -1;
        ((uint32_t *)b->cells.data)[cells_row + (size_t)c] = (uint32_t)entry;
        i = j;
    }
    return 0;
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
    nd->cw = cw;
    nd->ch = ch;
    nd->inv_cw = 1.0 / cw;
    nd->inv_ch = 1.0 / ch;
    nd->nx = nx;
    nd->ny = ny;
    nd->cells = (uint32_t)cells;
    *node_out = (uint32_t)node_idx;

    row_scratch *s = &b->scratch[depth]; /* every other vec is emptied where it is used */
    s->inside.n = s->wx.n = s->summary.n = 0;
    size_t inwords = (size_t)nx * (size_t)b->words;
    if (!vec_grow(&s->inside, inwords) || !vec_grow(&s->wx, (size_t)b->nzones) ||
        !vec_grow(&s->summary, (size_t)b->words))
        return -1;
    memset(s->summary.data, 0, (size_t)b->words * sizeof(uint64_t));
    if (row_lists(b, s, zin, Y0, ch, ny) < 0)
        return -1;
    for (int32_t r = 0; r < ny; r++) {
        double y0 = Y0 + r * ch, y1 = Y0 + (r + 1) * ch;
        s->tests.n = s->pool_edges.n = s->pool_flips.n = s->pool_extra.n = 0;
        memset(s->inside.data, 0, inwords * sizeof(uint64_t));
        double *wx = s->wx.data;
        for (int z = 0; z < b->nzones; z++) {
            wx[z] = 0;
            if (b->prec[z] > 0) {
                double k = lon_metres_min(y0 - b->wy[z], y1 + b->wy[z]);
                wx[z] = k > 0 ? b->prec[z] / k + LOC_MARGIN : INFINITY;
            }
            zone_in zr = row_zone(s, zin, z, r, ny);
            if (sweep_zone(b, s, &zr, (uint32_t)z, X0, cw, nx, y0, y1, wx[z], b->wy[z]) < 0)
                return -1;
        }
        if (s->tests.n > 1)
            qsort(s->tests.data, s->tests.n, sizeof(row_test), cmp_row_test);
        if (build_row(b, s, X0, cw, ch, nx, y0, depth, (uint32_t)(cells + (size_t)r * nx)) < 0)
            return -1;
    }
    uint32_t zoff = (uint32_t)b->bits.n;
    uint64_t *zb = vec_grow(&b->bits, (size_t)b->words);
    if (!zb)
        return -1;
    memcpy(zb, s->summary.data, (size_t)b->words * sizeof *zb);
    ((loc_node *)b->nodes.data)[node_idx].zones = zoff;
    return 0;
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

/* An interval of latitudes covered by an edge on one side of the antimeridian. */
typedef struct span {
    double lo, hi;
} span;

static int cmp_span(const void *a, const void *b) {
    double x = ((const span *)a)->lo, y = ((const span *)b)->lo;
    return (x > y) - (x < y);
}

/* The edge lies on the antimeridian x = side (+180 or -180). */
static int on_meridian(const loc_edge *e, double side) {
    return e->lx == side && e->hx == side;
}

/* Sorted latitude spans of the edges e[0..n) on the antimeridian x = side, each span's hi raised
 * to the running maximum, so that one binary search answers "is y covered". NULL with *ns = 0 when
 * there is none; NULL with *ns > 0 when out of memory. */
static span *meridian_spans(const loc_edge *e, size_t n, double side, size_t *ns) {
    *ns = 0;
    for (size_t i = 0; i < n; i++)
        *ns += (size_t)on_meridian(&e[i], side);
    if (!*ns)
        return NULL;
    span *sp = cav__malloc(*ns * sizeof *sp);
    if (!sp)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (on_meridian(&e[i], side))
            sp[k++] = (span){e[i].ly, e[i].hy};
    qsort(sp, k, sizeof *sp, cmp_span);
    for (size_t i = 1; i < k; i++)
        sp[i].hi = fmax(sp[i].hi, sp[i - 1].hi);
    return sp;
}

/* The number of spans of sp[0..ns) that start at or below y. */
static size_t spans_below(const span *sp, size_t ns, double y) {
    size_t a = 0, b = ns;
    while (a < b) {
        size_t mid = (a + b) / 2;
        if (sp[mid].lo <= y)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

/* 1 when latitude y is covered by a span of sp[0..ns). */
static int spans_cover(const span *sp, size_t ns, double y) {
    size_t k = spans_below(sp, ns, y);
    return k > 0 && sp[k - 1].hi >= y;
}

/* Splits the edges of one zone that lie on the antimeridian, v's edges from `from` on, at the ends
 * of the zone's edges on the other side, so that each piece is either wholly matched by the other
 * side or not at all (collinear pieces answer membership exactly as the whole edge). 0 or -1. */
static int split_meridian(vec *v, size_t from) {
    if (!v->data || from >= v->n)
        return 0; /* no edge of this zone */
    for (int side = 0; side < 2; side++) {
        double x = side ? 180.0 : -180.0;
        size_t n = v->n - from, k = 0;
        for (size_t i = 0; i < n; i++)
            k += 2 * (size_t)on_meridian((const loc_edge *)v->data + from + i, -x);
        if (!k)
            continue;
        double *ends =
            cav__malloc(k * sizeof *ends); /* every end of the other side's edges, sorted */
        if (!ends)
            return -1;
        k = 0;
        for (size_t i = 0; i < n; i++) {
            const loc_edge *e = (const loc_edge *)v->data + from + i;
            if (on_meridian(e, -x)) {
                ends[k++] = e->ly;
                ends[k++] = e->hy;
            }
        }
        qsort(ends, k, sizeof *ends, cmp_double);
        for (size_t i = 0; i < n; i++) {
            loc_edge e = ((const loc_edge *)v->data)[from + i];
            if (!on_meridian(&e, x))
                continue;
            size_t a = 0, b = k; /* the first end above the edge's lower end */
            while (a < b) {
                size_t mid = (a + b) / 2;
                if (ends[mid] <= e.ly)
                    a = mid + 1;
                else
                    b = mid;
            }
            double y = e.ly;
            for (; a < k && ends[a] < e.hy; a++) {
                if (ends[a] == y)
                    continue;
                loc_edge *piece = vec_grow(v, 1);
                if (!piece) {
                    cav__free(ends);
                    return -1;
                }
                *piece = (loc_edge){x, y, x, ends[a]};
                y = ends[a];
            }
            ((loc_edge *)v->data)[from + i].ly = y; /* the top piece stays in place */
        }
        cav__free(ends);
    }
    return 0;
}

/* Marks the cuts among edges e[0..n) of one zone, the lines the lon/lat representation forces on
 * a zone and that are no border: an edge along a pole (one point of the earth), and a piece of
 * an edge on one side of the antimeridian that edges of the same zone on the other side cover
 * too, where the data cut a zone that spans it (Natural Earth's Russia; the two sides need not
 * match to the vertex, and what only one side has is a border). Then moves the cuts to the end,
 * keeping the order of the rest; returns how many are not cuts, or -1. */
static int64_t mark_cuts(loc_edge *e, size_t n, uint8_t *cut) {
    size_t nw, ne;
    span *west = meridian_spans(e, n, -180, &nw), *east = meridian_spans(e, n, 180, &ne);
    if ((nw && !west) || (ne && !east)) {
        cav__free(west);
        cav__free(east);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        double mid = (e[i].ly + e[i].hy) / 2; /* split_meridian made pieces all or nothing */
        cut[i] = e[i].ly == e[i].hy && fabs(e[i].ly) == 90;
        if (on_meridian(&e[i], 180))
            cut[i] = nw && spans_cover(west, nw, mid);
        else if (on_meridian(&e[i], -180))
            cut[i] = ne && spans_cover(east, ne, mid);
    }
    cav__free(west);
    cav__free(east);
    loc_edge *tmp = cav__malloc(n * sizeof *tmp);
    if (!tmp)
        return -1;
    size_t k = 0; /* stable partition: the rest first, then the cuts */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if (cut[i] == pass)
                tmp[k++] = e[i];
    memcpy(e, tmp, n * sizeof *e);
    cav__free(tmp);
    size_t real = 0;
    for (size_t i = 0; i < n; i++)
        real += !cut[i];
    for (size_t i = 0; i < n; i++)
        cut[i] = i >= real;
    return (int64_t)real;
}

/* Frees everything a locator may hold; NULL is ignored. */
void cav__locator_free(cav_locator *loc) {
    if (!loc)
        return;
    cav__free(loc->prec);
    cav__free(loc->edged);
    cav__free(loc->zedges);
    cav__free(loc->zfirst);
    cav__free(loc->zreal);
    cav__free(loc->nodes);
    cav__free(loc->cells);
    cav__free(loc->leaves);
    cav__free(loc->masks);
    cav__free(loc->tests);
    cav__free(loc->edges);
    cav__free(loc->flips);
    cav__free(loc->bits);
    cav__free(loc);
}

/* Collects every zone's edges into loc->zedges (zone by zone, cuts last) with their cut flags,
 * and fills zfirst, zreal and the zone sets. 0 or -1. */
static int gather(cav_locator *loc, GEOSContextHandle_t h, const GEOSGeometry *const *zones,
                  uint8_t **cut_out) {
    vec all = {NULL, 0, 0, sizeof(loc_edge)};
    size_t *first = cav__calloc((size_t)loc->nzones + 1, sizeof *first);
    uint8_t *cut = NULL;
    if (!first)
        goto fail;
    for (int z = 0; z < loc->nzones; z++) {
        if (!zones[z] || collect_edges(h, zones[z], &all) < 0 || split_meridian(&all, first[z]) < 0)
            goto fail;
        first[z + 1] = all.n;
    }
    if (all.n >= 0x7fffffffu || !(cut = cav__malloc(all.n ? all.n : 1)))
        goto fail;
    for (int z = 0; z < loc->nzones; z++) {
        size_t n = first[z + 1] - first[z];
        int64_t real =
            n && all.data ? mark_cuts((loc_edge *)all.data + first[z], n, cut + first[z]) : 0;
        if (real < 0)
            goto fail;
        loc->zfirst[z] = (uint32_t)first[z];
        loc->zreal[z] = (uint32_t)real;
        if (real > 0) {
            loc->edged[z >> 6] |= (uint64_t)1 << (z & 63);
            loc->nedged++;
            if (loc->prec[z] > 0) {
                loc->imprecise[z >> 6] |= (uint64_t)1 << (z & 63);
                loc->nimprecise++;
            }
        }
    }
    loc->zfirst[loc->nzones] = (uint32_t)all.n;
    loc->zedges = all.data;
    loc->nzedges = all.n;
    cav__free(first);
    *cut_out = cut;
    return 0;
fail:
    cav__free(all.data);
    cav__free(first);
    cav__free(cut);
    return -1;
}

/* Empties a grid's scratch, with its element sizes. */
static void row_scratch_init(row_scratch *s) {
    *s = (row_scratch){{NULL, 0, 0, sizeof(keyed)},    {NULL, 0, 0, sizeof(double)},
                       {NULL, 0, 0, sizeof(size_t)},   {NULL, 0, 0, sizeof(uint32_t)},
                       {NULL, 0, 0, sizeof(size_t)},   {NULL, 0, 0, sizeof(uint32_t)},
                       {NULL, 0, 0, sizeof(row_test)}, {NULL, 0, 0, sizeof(uint32_t)},
                       {NULL, 0, 0, sizeof(double)},   {NULL, 0, 0, sizeof(uint32_t)},
                       {NULL, 0, 0, sizeof(uint64_t)}, {NULL, 0, 0, sizeof(double)},
                       {NULL, 0, 0, sizeof(uint64_t)}, {NULL, 0, 0, sizeof(size_t)},
                       {NULL, 0, 0, sizeof(uint32_t)}, {NULL, 0, 0, 2 * sizeof(int32_t)},
                       {NULL, 0, 0, sizeof(col_edge)}};
}

/* Frees the builder's scratch (not its tables). */
static void builder_free_scratch(builder *b) {
    cav__free(b->keys.data);
    cav__free(b->stored);
    for (int d = 0; d <= LOC_MAX_DEPTH; d++) {
        row_scratch_free(&b->scratch[d]);
        cav__free(b->child_zin[d]);
    }
}

/* Compiles the zones into a locator (see geo.h); NULL on allocation failure, invalid input or
 * tables past LOC_MAX_TABLE_BYTES (*too_big then names the zone that stored the most edges). */
cav_locator *cav__locator_new(GEOSContextHandle_t h, const GEOSGeometry *const *zones,
                              const double *precision_m, int nzones, int *too_big) {
    if (too_big)
        *too_big = -1;
    if (!h || nzones < 0 || (nzones > 0 && !zones))
        return NULL;
    for (int z = 0; precision_m && z < nzones; z++)
        if (!(precision_m[z] >= 0 && precision_m[z] <= LOC_MAX_PRECISION))
            return NULL;
    cav_locator *loc = cav__calloc(1, sizeof *loc);
    uint8_t *cut = NULL;
    uint32_t *idx = NULL, *rank = NULL;
    zone_in *zin = NULL;
    double *wy = NULL;
    builder b = {0};
    if (!loc)
        return NULL;
    loc->nzones = nzones;
    loc->words = (nzones + 63) / 64;
    size_t words = (size_t)loc->words;
    loc->prec = cav__calloc((size_t)nzones + 1, sizeof *loc->prec);
    loc->edged = cav__calloc(2 * words + 1, sizeof *loc->edged);
    loc->zfirst = cav__calloc((size_t)nzones + 1, sizeof *loc->zfirst);
    loc->zreal = cav__calloc((size_t)nzones + 1, sizeof *loc->zreal);
    wy = cav__calloc((size_t)nzones + 1, sizeof *wy);
    if (!loc->prec || !loc->edged || !loc->zfirst || !loc->zreal || !wy)
        goto fail;
    loc->imprecise = loc->edged + words;
    for (int z = 0; z < nzones; z++) {
        loc->prec[z] = precision_m ? precision_m[z] : 0;
        loc->max_prec = fmax(loc->max_prec, loc->prec[z]);
        wy[z] = loc->prec[z] > 0 ? loc->prec[z] / CAV_M_MIN_PER_DEG + LOC_MARGIN : 0;
    }
    geod_init(&loc->geod, CAV_WGS84_A, CAV_WGS84_F);
    if (gather(loc, h, zones, &cut) < 0)
        goto fail;
    if (loc->nzedges == 0) {
        loc->empty = 1;
        cav__free(cut);
        cav__free(wy);
        return loc;
    }
    const loc_edge *ae = loc->zedges;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < loc->nzedges; i++) {
        x0 = fmin(x0, fmin(ae[i].lx, ae[i].hx));
        x1 = fmax(x1, fmax(ae[i].lx, ae[i].hx));
        y0 = fmin(y0, ae[i].ly);
        y1 = fmax(y1, ae[i].hy);
    }
    if (loc->max_prec > 0) { /* points within a precision of an edge must land in the grid */
        double wlat = loc->max_prec / CAV_M_MIN_PER_DEG + LOC_MARGIN;
        double k = lon_metres_min(y0 - wlat, y1 + wlat);
        double wlon = k > 0 ? loc->max_prec / k + LOC_MARGIN : 360;
        x0 = fmax(-180, x0 - wlon);
        x1 = fmin(180, x1 + wlon);
        y0 = fmax(-90, y0 - wlat);
        y1 = fmin(90, y1 + wlat);
    }
    loc->x0 = x0;
    loc->y0 = y0;
    loc->x1 = x1;
    loc->y1 = y1;
    double w = fmax(x1 - x0, 1e-6), hgt = fmax(y1 - y0, 1e-6);
    double side = sqrt(w * hgt / LOC_ROOT_CELLS);
    int32_t nx = (int32_t)fmin(4096, fmax(1, ceil(w / side)));
    int32_t ny = (int32_t)fmin(4096, fmax(1, ceil(hgt / side)));

    idx = cav__malloc(loc->nzedges * sizeof *idx);
    zin = cav__calloc((size_t)nzones, sizeof *zin);
    rank = edge_ranks(ae, loc->nzedges);
    b.stored = cav__calloc((size_t)nzones, sizeof *b.stored);
    if (!idx || !zin || !rank || !b.stored)
        goto fail;
    for (size_t i = 0; i < loc->nzedges; i++)
        idx[i] = (uint32_t)i;
    for (int z = 0; z < nzones; z++) {
        zin[z].edges = idx + loc->zfirst[z];
        zin[z].nedges = loc->zfirst[z + 1] - loc->zfirst[z];
    }
    b.all = ae;
    b.cut = cut;
    b.rank = rank;
    b.prec = loc->prec;
    b.wy = wy;
    for (int z = 0; z < nzones; z++)
        b.wy_max = fmax(b.wy_max, wy[z]);
    b.nzones = nzones;
    b.words = loc->words;
    b.nodes.size = sizeof(loc_node);
    b.cells.size = sizeof(uint32_t);
    b.leaves.size = sizeof(loc_leaf);
    b.masks.size = sizeof(uint64_t);
    b.tests.size = sizeof(loc_test);
    b.edges.size = sizeof(loc_edge);
    b.flips.size = sizeof(double);
    b.bits.size = sizeof(uint64_t);
    b.keys.size = sizeof(uint64_t);
    for (int d = 0; d <= LOC_MAX_DEPTH; d++)
        row_scratch_init(&b.scratch[d]);
    uint32_t root;
    if (build_node(&b, x0, y0, w / nx, hgt / ny, nx, ny, zin, 0, &root) < 0) {
        for (int z = 0; b.too_big && too_big && z < nzones; z++)
            if (*too_big < 0 || b.stored[z] > b.stored[*too_big])
                *too_big = z;
        goto fail;
    }
    if (b.leaves.n >= LOC_CHILD || b.nodes.n >= LOC_CHILD || b.tests.n > 0xffffffffu ||
        b.edges.n > 0xffffffffu || b.flips.n > 0xffffffffu || b.bits.n > 0xffffffffu)
        goto fail;
    loc->nodes = b.nodes.data;
    loc->nnodes = b.nodes.n;
    loc->cells = b.cells.data;
    loc->ncells = b.cells.n;
    loc->leaves = b.leaves.data;
    loc->masks = b.masks.data;
    loc->nleaves = b.leaves.n;
    loc->tests = b.tests.data;
    loc->ntests = b.tests.n;
    loc->edges = b.edges.data;
    loc->nedges = b.edges.n;
    loc->flips = b.flips.data;
    loc->nflips = b.flips.n;
    loc->bits = b.bits.data;
    loc->nbits = b.bits.n;
    builder_free_scratch(&b);
    cav__free(rank);
    cav__free(cut);
    cav__free(idx);
    cav__free(zin);
    cav__free(wy);
    return loc;
fail:
    cav__free(b.nodes.data);
    cav__free(b.cells.data);
    cav__free(b.leaves.data);
    cav__free(b.masks.data);
    cav__free(b.tests.data);
    cav__free(b.edges.data);
    cav__free(b.flips.data);
    cav__free(b.bits.data);
    builder_free_scratch(&b);
    cav__free(rank);
    cav__free(cut);
    cav__free(idx);
    cav__free(zin);
    cav__free(wy);
    cav__locator_free(loc);
    return NULL;
}
