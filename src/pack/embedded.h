/* embedded.h — the default pack's .cav files, compiled into the library by tools/embed.cmake. */
#ifndef CAV_EMBEDDED_H
#define CAV_EMBEDDED_H

#include <stddef.h>

struct cav_embedded_file {
    const char *name; /* base name, e.g. "us.cav"; NULL ends the table */
    const char *text; /* NUL-terminated */
    size_t len;
    const char *path; /* relative to the pack's directory: "us.cav", "tests/law.jsonl" */
};

/* The files of packs/default, in name order, ending with an entry whose name is NULL. */
extern const struct cav_embedded_file cav__default_pack_files[];
/* The tz database files the embedded packs name (name "Europe/Kyiv", TZif bytes), same layout. */
extern const struct cav_embedded_file cav__embedded_zones[];
/* The default pack's test cases (every .jsonl file of packs/default/tests), same layout. */
extern const struct cav_embedded_file cav__default_pack_tests[];

#endif
