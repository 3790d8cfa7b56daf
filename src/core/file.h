/* file.h — the one reader of the files a pack names: policy files found in a pack directory and
 * the data files of geojson() zones (docs/robustness.md, "Files a pack reads").
 *
 * Such a file is named by the pack's text or found by listing a directory, not typed by the
 * user, so it is read defensively: it is opened without blocking and refused unless it is a
 * regular file (a FIFO would block forever, a device never end), it is refused when larger than
 * the caller's limit before anything is read, and it may be confined to directory trees (roots):
 * the file actually opened, symbolic links resolved, must lie inside one of them. Messages name
 * the path and never quote the file's content.
 */
#ifndef CAV_FILE_H
#define CAV_FILE_H

#include "caveat.h"

#include <stddef.h>

typedef struct cav_file_rules {
    size_t max;               /* the largest size accepted, in bytes */
    int regular_only;         /* refuse FIFOs, devices and sockets (opened without blocking) */
    const char *const *roots; /* directories the file must lie in (resolved here), or NULL */
    size_t nroots;
    const char *what; /* "geojson file", "policy file": for messages */
    int unnamed;      /* messages say "the file" (the caller names it already) */
} cav_file_rules;

/* Reads the whole file at path into *data (NUL-terminated, malloc'd, the caller frees it) and its
 * length into *len. Returns 0; CAV_EIO when it cannot be opened or read, is a directory or is no
 * regular file (with regular_only); CAV_EINVAL when it lies outside every root (nroots > 0; a
 * NULL root admits nothing); CAV_ELIMIT when it is larger than max; CAV_ENOMEM. On error, why
 * (may be NULL) receives one sentence. */
int cav__file_read(const char *path, const cav_file_rules *r, char **data, size_t *len,
                   cav_buf *why);

#endif
