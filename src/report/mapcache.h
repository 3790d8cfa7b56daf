/* mapcache.h — the cache of map areas behind cav_map_cache (report/mapcache.c), used by
 * report/maps.c. */
#ifndef CAV_MAPCACHE_H
#define CAV_MAPCACHE_H

#include "caveat.h"

#include <geos_c.h>

/* Reads the entry with this key into geoms (new geometries in h, NULL where NULL was stored;
 * ngeoms must match) and ints (*nints of them, at most max_ints). Returns 1 on a hit, 0 on a
 * miss (then geoms are all NULL). Thread-safe. */
int cav__map_cache_get(cav_map_cache *c, const char *key, GEOSContextHandle_t h,
                       GEOSGeometry **geoms, int ngeoms, int *ints, int max_ints, int *nints);
/* Stores copies of geoms (borrowed; NULL allowed) and ints under key, dropping the oldest entry
 * when the cache is full. Out of memory, nothing is stored. Thread-safe. */
void cav__map_cache_put(cav_map_cache *c, const char *key, GEOSContextHandle_t h,
                        GEOSGeometry *const *geoms, int ngeoms, const int *ints, int nints);

#endif
