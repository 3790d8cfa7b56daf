/* refeval.h — a deliberately simple reference evaluator and a random pack generator, for
 * differential testing of the compiled evaluator (tests/fuzz/fuzz_diff.c and
 * tests/unit/test_refeval.c).
 *
 * The reference evaluator walks the parse tree with string compares, resolves kinds by walking
 * `in` links, decides zone membership with GEOS "covers" on the pack's zone geometries and the
 * position's uncertainty with geodesic distances sampled along the zone edges (not the locator),
 * and aggregates per docs/semantics.md (the six steps, exceptions, unknown parties). It shares no
 * code with src/lang/eval.c.
 */
#ifndef CAV_REFEVAL_H
#define CAV_REFEVAL_H

#include "caveat.h"
#include "lang/ast.h"

#include <stddef.h>
#include <stdint.h>

/* A byte source: next values are taken from data, then zeros. */
typedef struct ref_bytes {
    const uint8_t *data;
    size_t size, pos;
} ref_bytes;

unsigned ref_take(ref_bytes *b, unsigned n); /* a value in [0, n) */

/* Writes a small random but valid pack (catalog, 2 box zones, up to 12 rules) into buf. */
void ref_make_pack(ref_bytes *b, char *buf, size_t size);

/* Fills q with a random query over that pack's catalog. */
void ref_make_query(ref_bytes *b, const cav_pack *p, cav_query *q);

/* The reference decision of q: verdict and, per consent party, the verdict and the sorted ids of
 * the deciding rules. Returns the number of parties. */
typedef struct ref_party {
    int party;
    cav_verdict verdict;
    int nrules;
    int rules[32];
} ref_party;
/* *ambiguous (may be NULL) is set when a distance was within 1 % of a radius (not decidable by a
 * sampled reference). */
int ref_eval(const cav_parse *ps, const cav_pack *p, const cav_query *q, cav_verdict *verdict,
             ref_party *parties, int *ambiguous);

/* Compares cav_eval with ref_eval for q; returns 0 when they agree, -1 when the query was too
 * close to call (not compared), else 1 and writes why into msg. */
int ref_compare(const cav_parse *ps, const cav_pack *p, const cav_query *q, char *msg, size_t size);

#endif
