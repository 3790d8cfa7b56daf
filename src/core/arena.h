/* arena.h — bump allocation for data that lives and dies together (a parse, a compiled pack).
 *
 * Blocks are malloc'd in chunks and freed all at once by cav__arena_free. Allocations are 16-byte
 * aligned and zeroed. There is no per-object free. An arena is not thread-safe while allocating;
 * a finished pack's arena is only read.
 */
#ifndef CAV_ARENA_H
#define CAV_ARENA_H

#include <stddef.h>

typedef struct cav_arena_block cav_arena_block;
typedef struct cav_arena {
    cav_arena_block *head; /* newest block first */
    size_t bytes;          /* total bytes obtained from malloc, for memory reports */
} cav_arena;

/* Returns n zeroed bytes from a, or NULL when out of memory (or n overflows). */
void *cav__arena_alloc(cav_arena *a, size_t n);
/* Returns a NUL-terminated copy of the first n bytes of s, or NULL when out of memory. */
char *cav__arena_strndup(cav_arena *a, const char *s, size_t n);
char *cav__arena_strdup(cav_arena *a, const char *s);
/* Frees every block of a and leaves it empty and reusable. */
void cav__arena_free(cav_arena *a);

#endif
