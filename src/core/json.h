/* json.h — a strict, allocation-light JSON pull reader (RFC 8259), the one JSON reader of every
 * query path: `caveat check`, the audit's NDJSON input, the service and the Python binding.
 *
 * Hand-written because it is a measured hot path (bench/: parsing a query was 6.8 µs with a DOM
 * library against 0.16 µs to decide it): the caller walks the document in order and binds each
 * value where it belongs, so nothing is built and, for strings without escapes, nothing is
 * copied. It accepts exactly RFC 8259's grammar: no comments, trailing commas, NaN, leading
 * zeros, unescaped control characters, invalid UTF-8 or lone surrogates; objects and arrays
 * nest at most CAV_JSON_MAX_DEPTH deep. A string holding U+0000 is refused, since no value of
 * caveat may contain it. The first error stops the reader; its message and byte offset stay in
 * the reader.
 *
 * Ownership: the reader borrows the text; a string it returns points into the text or into the
 * reader's scratch space and is valid until the next call. cav__json_free releases the scratch
 * (heap only for strings longer than the inline space).
 */
#ifndef CAV_JSON_H
#define CAV_JSON_H

#include <stddef.h>

#define CAV_JSON_MAX_DEPTH 64

typedef enum cav_jkind {
    CAV_J_ERROR = -1, /* the text is not JSON here (see err) */
    CAV_J_END = 0,    /* no more values: end of text, or of the current object/array */
    CAV_J_OBJECT,
    CAV_J_ARRAY,
    CAV_J_STRING,
    CAV_J_NUMBER,
    CAV_J_TRUE,
    CAV_J_FALSE,
    CAV_J_NULL
} cav_jkind;

/* Decoded string scratch: inline first, heap beyond. */
typedef struct cav_jstr {
    char inline_buf[256];
    char *heap;
    size_t cap;
} cav_jstr;

typedef struct cav_json {
    const char *text, *p, *end;
    int depth;
    int failed;
    int oom;       /* the failure was an allocation, not the text */
    size_t err_at; /* byte offset of the error */
    char err[120]; /* what was wrong, one phrase */
    cav_jstr key, val;
} cav_json;

void cav__json_init(cav_json *j, const char *text, size_t len);
void cav__json_free(cav_json *j);

/* The kind of the next value (whitespace skipped), without consuming it. */
cav_jkind cav__json_peek(cav_json *j);
/* Reads a string value into (*s, *n) (valid UTF-8, no NUL inside, not NUL-terminated). 0 or -1. */
int cav__json_string(cav_json *j, const char **s, size_t *n);
/* Reads a number value: *v its double, (*raw, *rawn) its text as written. 0 or -1. */
int cav__json_number(cav_json *j, double *v, const char **raw, size_t *rawn);
/* Reads true, false or null. 0 or -1. */
int cav__json_literal(cav_json *j);
/* Iterates over an object: call with *state = 0 to enter it (the next value must be an object).
 * Returns 1 with the next key in (*key, *keyn) (the reader then stands before its value, which the
 * caller must read or skip), 0 after the closing '}', -1 on error. */
int cav__json_member(cav_json *j, int *state, const char **key, size_t *keyn);
/* Iterates over an array the same way: 1 when an element follows (read or skip it), 0 after
 * the closing ']', -1 on error. */
int cav__json_element(cav_json *j, int *state);
/* Skips the next value, checking it. 0 or -1. */
int cav__json_skip(cav_json *j);
/* 0 when only whitespace remains, else -1 ("unexpected text after the value"). */
int cav__json_finish(cav_json *j);
/* The byte offset where the next token starts (after whitespace), for error positions. */
size_t cav__json_offset(cav_json *j);

/* Converts the JSON number text s[0, n) (already checked against the grammar) to the nearest
 * double, whatever the locale. */
double cav__json_number_value(const char *s, size_t n);

#endif
