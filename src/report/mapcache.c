/* mapcache.c — a bounded cache of computed map areas (cav_map_cache, caveat.h), so that a service
 * drawing the same use again, on any date of the same epoch of rules, skips the GEOS overlays.
 *
 * An entry is a key (the pack's hash, the use less its date, and the epoch: the dates between
 * which the same rules are in force for it, report/maps.c) with a list of geometries stored as
 * WKB, which any GEOS context can read back, and a list of integers. Entries are kept in a ring:
 * when the cache is full the oldest entry is dropped. One mutex guards the ring; WKB is written
 * and read outside it. Memory goes through the library's allocator.
 */
#include "report/mapcache.h"

#include "core/alloc.h"

#include <pthread.h>
#include <string.h>

typedef struct entry {
    char *key;
    int ngeoms, nints;
    size_t *lens;        /* WKB length of each geometry, 0 for NULL */
    unsigned char **wkb; /* each geometry's WKB (library allocator), NULL for NULL */
    int *ints;
} entry;

struct cav_map_cache {
    pthread_mutex_t mu;
    size_t cap, next; /* ring of cap entries; next is the slot to fill */
    entry *e;
    unsigned long hits, misses;
};

static void entry_free(entry *e) {
    for (int i = 0; e->wkb && i < e->ngeoms; i++)
        cav__free(e->wkb[i]);
    cav__free(e->wkb);
    cav__free(e->lens);
    cav__free(e->ints);
    cav__free(e->key);
    memset(e, 0, sizeof *e);
}

cav_map_cache *cav_map_cache_new(size_t max_entries) {
    if (max_entries == 0 || max_entries > 1u << 20)
        return NULL;
    cav_map_cache *c = cav__calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->e = cav__calloc(max_entries, sizeof *c->e);
    if (!c->e || pthread_mutex_init(&c->mu, NULL) != 0) {
        cav__free(c->e);
        cav__free(c);
        return NULL;
    }
    c->cap = max_entries;
    return c;
}

void cav_map_cache_free(cav_map_cache *c) {
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        entry_free(&c->e[i]);
    cav__free(c->e);
    pthread_mutex_destroy(&c->mu);
    cav__free(c);
}

void cav_map_cache_stats(const cav_map_cache *c, unsigned long *hits, unsigned long *misses) {
    pthread_mutex_t *mu = (pthread_mutex_t *)&c->mu;
    pthread_mutex_lock(mu);
    *hits = c->hits, *misses = c->misses;
    pthread_mutex_unlock(mu);
}

int cav__map_cache_get(cav_map_cache *c, const char *key, GEOSContextHandle_t h,
                       GEOSGeometry **geoms, int ngeoms, int *ints, int max_ints, int *nints) {
    pthread_mutex_lock(&c->mu);
    entry *hit = NULL;
    for (size_t i = 0; i < c->cap && !hit; i++)
        if (c->e[i].key && strcmp(c->e[i].key, key) == 0)
            hit = &c->e[i];
    int ok = hit && hit->ngeoms == ngeoms && hit->nints <= max_ints;
    if (ok) { /* read under the lock: an entry may be dropped as soon as it is released */
        for (int i = 0; i < ngeoms && ok; i++) {
            geoms[i] = hit->wkb[i] ? GEOSGeomFromWKB_buf_r(h, hit->wkb[i], hit->lens[i]) : NULL;
            ok = !hit->wkb[i] || geoms[i];
        }
        memcpy(ints, hit->ints, (size_t)hit->nints * sizeof *ints);
        *nints = hit->nints;
    }
    if (ok)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    if (!ok)
        for (int i = 0; i < ngeoms; i++)
            if (geoms[i]) {
                GEOSGeom_destroy_r(h, geoms[i]);
                geoms[i] = NULL;
            }
    return ok;
}

void cav__map_cache_put(cav_map_cache *c, const char *key, GEOSContextHandle_t h,
                        GEOSGeometry *const *geoms, int ngeoms, const int *ints, int nints) {
    entry e = {0};
    e.key = cav__strdup(key);
    e.ngeoms = ngeoms, e.nints = nints;
    e.lens = cav__calloc((size_t)ngeoms + 1, sizeof *e.lens);
    e.wkb = cav__calloc((size_t)ngeoms + 1, sizeof *e.wkb);
    e.ints = cav__calloc((size_t)nints + 1, sizeof *e.ints);
    int ok = e.key && e.lens && e.wkb && e.ints;
    for (int i = 0; i < ngeoms && ok; i++) {
        if (!geoms[i])
            continue;
        size_t n = 0;
        unsigned char *w = GEOSGeomToWKB_buf_r(h, geoms[i], &n);
        e.wkb[i] = w ? cav__malloc(n) : NULL;
        if (e.wkb[i])
            memcpy(e.wkb[i], w, n), e.lens[i] = n;
        ok = e.wkb[i] != NULL;
        if (w)
            GEOSFree_r(h, w);
    }
    if (!ok) { /* out of memory: not cached, which only costs time */
        entry_free(&e);
        return;
    }
    memcpy(e.ints, ints, (size_t)nints * sizeof *ints);
    pthread_mutex_lock(&c->mu);
    entry old = c->e[c->next];
    c->e[c->next] = e;
    c->next = (c->next + 1) % c->cap;
    pthread_mutex_unlock(&c->mu);
    entry_free(&old);
}
