/* static.c — files served as they are: the web map's files (src/serve/www, served at "/") and the
 * OpenAPI description (src/serve/openapi.json, at /v1/openapi.json).
 *
 * They are embedded in the binary at build time (src/serve/embed.cmake writes the table
 * srv__static_files), so the service needs no files at run time and what it serves is what was
 * built and tested. The table is immutable; lookups are a linear scan over a handful of entries.
 * This is the hook for the web map: its files go into src/serve/www and appear here.
 */
#include "serve.h"

#include <string.h>

extern const srv_static_file srv__static_files[];

const srv_static_file *srv_static_find(const char *path) {
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (const srv_static_file *f = srv__static_files; f->path; f++)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}
