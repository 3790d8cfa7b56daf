/* alloc.h — every heap allocation of the library goes through these, so an embedder can supply
 * its own allocator (cav_set_allocator) and the tests can fail the Nth allocation to exercise
 * every out-of-memory path (cav__alloc_fail_after).
 *
 * The hook is process-wide and read without locking: it is set before the library is used,
 * never while other threads call it. Memory from cav__malloc/cav__realloc is freed with
 * cav__free, never with free(). GEOS and PROJ allocate with their own allocators.
 */
#ifndef CAV_ALLOC_H
#define CAV_ALLOC_H

#include <stddef.h>

void *cav__malloc(size_t n);
void *cav__calloc(size_t count, size_t size); /* zeroed; NULL when count * size overflows */
void *cav__realloc(void *p, size_t n);
void cav__free(void *p);
char *cav__strdup(const char *s);
char *cav__strndup(const char *s, size_t n);

/* Fault injection for tests: the nth allocation from now on (1 = the next one) and every later
 * one fail until reset with 0. Returns the number of allocations made since the last call. The
 * counter is atomic, so a threaded test counts every thread's allocations. */
long cav__alloc_fail_after(long nth);
/* Tests only: called (when set) each time an allocation is failed on purpose. */
extern void (*cav__alloc_on_fail)(void);

#endif
