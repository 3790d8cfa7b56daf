/* util.h — small string and date helpers shared by the language, the query reader and the CLI. */
#ifndef CAV_UTIL_H
#define CAV_UTIL_H

#include "caveat.h"

#include <stdarg.h>
#include <stddef.h>

/* Reads the date "YYYY-MM-DD" at s[0, 10) (s may go on: a timestamp's time follows) into *days.
 * Returns 0, or CAV_EINVAL with why in msg (may be NULL): not that form, no calendar date
 * ("2024-02-30"), or out of the range of years CAV_DATE_MIN_YEAR to CAV_DATE_MAX_YEAR. The one
 * reader of dates for queries and policies (core/date.c). */
int cav__date_read(const char *s, size_t n, int32_t *days, cav_buf *msg);

/* ASCII case-insensitive equality of two NUL-terminated strings. */
int cav__streqi(const char *a, const char *b);
/* Levenshtein distance of a and b (ASCII case-insensitive), capped at 99. */
int cav__edit_distance(const char *a, const char *b);
/* Of the n names, writes into buf the up to 3 nearest to `name` (distance <= max(2, len/3)), as
 * "a, b or c"; returns 1 if any was found, 0 (buf = "") otherwise. */
int cav__nearest_names(const char *name, const char *const *names, size_t n, char *buf,
                       size_t size);

/* An append-only text buffer over a caller's memory: writes are truncated at the end but the
 * needed length keeps counting, so callers can report it like snprintf does. */
typedef struct cav_out {
    char *buf;
    size_t size; /* capacity including the NUL */
    size_t len;  /* length needed so far */
} cav_out;
void cav__out_init(cav_out *o, char *buf, size_t size);
void cav__out_puts(cav_out *o, const char *s);
void cav__out_printf(cav_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (with quotes and escapes). */
void cav__out_json_str(cav_out *o, const char *s);

#endif
