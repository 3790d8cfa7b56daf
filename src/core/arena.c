/* arena.c — the bump allocator behind parses and compiled packs (see arena.h). */
#include "core/arena.h"
#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cav_arena_block {
    cav_arena_block *next; /* older block */
    size_t size, used;     /* capacity of data[] and bytes handed out */
    _Alignas(16) unsigned char data[];
};

enum { CAV_ARENA_CHUNK = 64 * 1024 };

void *cav__arena_alloc(cav_arena *a, size_t n) {
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    cav_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > CAV_ARENA_CHUNK ? n : CAV_ARENA_CHUNK;
        b = cav__malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        /* A large allocation gets its own block behind the current one, so the current block's
         * free space is not wasted. */
        if (a->head && size > CAV_ARENA_CHUNK) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
        a->bytes += sizeof *b + size;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *cav__arena_strndup(cav_arena *a, const char *s, size_t n) {
    char *p = cav__arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *cav__arena_strdup(cav_arena *a, const char *s) {
    return cav__arena_strndup(a, s, strlen(s));
}

void cav__arena_free(cav_arena *a) {
    cav_arena_block *b = a->head;
    while (b) {
        cav_arena_block *next = b->next;
        cav__free(b);
        b = next;
    }
    a->head = NULL;
    a->bytes = 0;
}
