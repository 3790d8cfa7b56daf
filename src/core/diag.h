/* diag.h — the internal side of cav_diags: adding diagnostics while parsing and checking.
 *
 * A cav_diags owns copies of every string it holds (messages, hints, file names, source lines),
 * so diagnostics outlive the parse that produced them. Adding never fails visibly: on allocation
 * failure the diagnostic is counted as an error but its text is lost ("out of memory").
 */
#ifndef CAV_DIAG_H
#define CAV_DIAG_H

#include "caveat.h"

/* Adds a diagnostic. line_text (may be NULL) points at the start of line `line` of `file`'s
 * text: that line is copied for the caret display (callers find it with an index of line
 * starts, so adding n diagnostics costs O(n), not O(n x file size)); hint may be NULL. */
void cav__diag_add(cav_diags *d, cav_severity sev, const char *file, const char *line_text,
                   int line, int col, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Sets the stable code ("unknown-name", "shadowed", ...) of the last diagnostic added. */
void cav__diag_code(cav_diags *d, const char *code);

/* Sorts the diagnostics from index `from` on by file (in order of first appearance), line and
 * column, keeping the order of equal places, so a user reads a file's problems top to bottom
 * whichever phase found them. */
void cav__diags_sort(cav_diags *d, size_t from);

#endif
