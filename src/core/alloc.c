/* alloc.c — the library's allocation hook and its fault injection (see alloc.h). */
#include "core/alloc.h"
#include "caveat.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static void *std_malloc(void *ud, size_t n) {
    (void)ud;
    return malloc(n);
}
static void *std_realloc(void *ud, void *p, size_t n) {
    (void)ud;
    return realloc(p, n);
}
static void std_free(void *ud, void *p) {
    (void)ud;
    free(p);
}

static cav_allocator hook = {std_malloc, std_realloc, std_free, NULL};
static atomic_long count;   /* allocations since the last cav__alloc_fail_after */
static atomic_long fail_at; /* 0: never fail; n: the nth allocation and later ones fail */

int cav_set_allocator(const cav_allocator *a) {
    if (!a) {
        hook = (cav_allocator){std_malloc, std_realloc, std_free, NULL};
        return 0;
    }
    if (!a->malloc || !a->realloc || !a->free)
        return CAV_EINVAL;
    hook = *a;
    return 0;
}

long cav__alloc_fail_after(long nth) {
    long made = atomic_exchange(&count, 0);
    atomic_store(&fail_at, nth);
    return made;
}

void (*cav__alloc_on_fail)(void);

/* 1 when this allocation must fail (fault injection). */
static int injected(void) {
    long n = atomic_fetch_add(&count, 1) + 1;
    long at = atomic_load(&fail_at);
    if (at > 0 && n >= at) {
        if (cav__alloc_on_fail)
            cav__alloc_on_fail();
        return 1;
    }
    return 0;
}

void *cav__malloc(size_t n) {
    return injected() ? NULL : hook.malloc(hook.ud, n ? n : 1);
}

void *cav__calloc(size_t count_, size_t size) {
    if (size && count_ > (size_t)-1 / size)
        return NULL;
    void *p = cav__malloc(count_ * size);
    if (p)
        memset(p, 0, count_ * size);
    return p;
}

void *cav__realloc(void *p, size_t n) {
    return injected() ? NULL : hook.realloc(hook.ud, p, n ? n : 1);
}

void cav__free(void *p) {
    if (p)
        hook.free(hook.ud, p);
}

char *cav__strndup(const char *s, size_t n) {
    char *d = cav__malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *cav__strdup(const char *s) {
    return cav__strndup(s, strlen(s));
}
