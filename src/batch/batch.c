/* batch.c — deciding columns of queries on several threads (cav_eval_batch): the one batch engine
 * under the audit, the service's batch requests and the Python binding's decide_frame.
 *
 * Rows are cut into one contiguous range per thread; each thread fills its rows' results with
 * cav_eval, so the work is allocation-free per row and the results do not depend on the number of
 * threads. The pack is shared read-only (caveat.h: a loaded pack is immutable).
 */
#include "caveat.h"
#include "lang/pack.h" /* cav__eval_facts: the validity on the facts the decision found */

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct range {
    const cav_pack *p;
    const cav_columns *in;
    cav_results *out;
    size_t from, to;
} range;

/* A value that is not given (CAV_MISSING, CAV_NO_DATE, NaN) leaves its field unset, anything else
 * sets it, valid or not (cav_eval refuses an id or a number out of range, as cav_query_set would
 * have). */
/* One id column's value of row i into *member, setting its field's bit when given. */
static inline void take_id(const int32_t *col, size_t i, int *member, cav_qfield f, cav_query *q) {
    if (col && col[i] != CAV_MISSING) {
        *member = col[i];
        q->given |= CAV_QBIT(f);
    }
}

/* The same for a number column (NaN: not given). */
static inline void take_number(const double *col, size_t i, double *member, cav_qfield f,
                               cav_query *q) {
    if (col && !isnan(col[i])) {
        *member = col[i];
        q->given |= CAV_QBIT(f);
    }
}

/* Row i of in as a query, as the setters would have left it (its given bits included). */
static void row_query(const cav_columns *in, size_t i, cav_query *q) {
    /* as cav_query_init leaves a query, written out: this runs once a row */
    q->date = CAV_NO_DATE;
    q->weapon = q->kind = -1;
    q->supplier = q->purpose = q->role = CAV_MISSING;
    q->state = CAV_STATE_GROUND;
    q->target_lat = q->target_lon = q->launch_lat = q->launch_lon = NAN;
    q->target_uncertainty_m = q->launch_uncertainty_m = 0;
    q->given = 0;
    take_id(in->weapon, i, &q->weapon, CAV_Q_WEAPON, q);
    take_id(in->supplier, i, &q->supplier, CAV_Q_SUPPLIER, q);
    take_id(in->kind, i, &q->kind, CAV_Q_TARGET_KIND, q);
    take_id(in->state, i, &q->state, CAV_Q_TARGET_STATE, q);
    take_id(in->role, i, &q->role, CAV_Q_TARGET_ROLE, q);
    take_id(in->purpose, i, &q->purpose, CAV_Q_PURPOSE, q);
    if (in->date && in->date[i] != CAV_NO_DATE) {
        q->date = in->date[i];
        q->given |= CAV_QBIT(CAV_Q_DATE);
    }
    take_number(in->target_lat, i, &q->target_lat, CAV_Q_TARGET_LAT, q);
    take_number(in->target_lon, i, &q->target_lon, CAV_Q_TARGET_LON, q);
    take_number(in->target_uncertainty_m, i, &q->target_uncertainty_m, CAV_Q_TARGET_UNCERTAINTY, q);
    take_number(in->launch_lat, i, &q->launch_lat, CAV_Q_LAUNCH_LAT, q);
    take_number(in->launch_lon, i, &q->launch_lon, CAV_Q_LAUNCH_LON, q);
    take_number(in->launch_uncertainty_m, i, &q->launch_uncertainty_m, CAV_Q_LAUNCH_UNCERTAINTY, q);
    q->has_launch =
        (q->given & CAV_QBIT(CAV_Q_LAUNCH_LAT)) && (q->given & CAV_QBIT(CAV_Q_LAUNCH_LON));
}

int cav_columns_query(const cav_columns *in, size_t i, cav_query *q) {
    if (!in || !q || i >= in->n)
        return CAV_EINVAL;
    row_query(in, i, q);
    return 0;
}

static void decide_range(const range *r) {
    // cppcheck-suppress uninitvar
    const cav_columns *in = r->in;
    cav_results *out = r->out;
    for (size_t i = r->from; i < r->to; i++) {
        cav_query q;
        row_query(in, i, &q);
        cav_decision local; /* written by cav_eval before any read */
        // cppcheck-suppress uninitvar
        cav_decision *d = out->decisions ? &out->decisions[i] : &local;
        /* the checks no single field can make, as for a query bound field by field */
        int rc = cav_query_finish(&q, r->p, NULL);
        uint64_t scratch[CAV_FACT_WORDS];
        cav_facts f;
        if (rc == 0)
            rc = cav__eval_facts(r->p, &q, scratch, &f, d);
        if (rc == 0 && (out->valid_from || out->valid_until || out->decisions))
            cav__validity_of(r->p, &q, &f, d); /* on the facts cav_eval found */
        if (out->error)
            out->error[i] = rc;
        if (out->verdict)
            out->verdict[i] = rc ? CAV_BATCH_ERROR : (uint8_t)d->verdict;
        if (out->rule || out->nrules) {
            int first = -1, n = 0;
            if (!rc)
                n = cav_decision_rules(r->p, &q, d, &first, 1);
            if (out->rule)
                out->rule[i] = first;
            if (out->nrules)
                out->nrules[i] = (uint8_t)(n > 255 ? 255 : n);
        }
        if (out->valid_from)
            out->valid_from[i] = rc ? INT32_MIN : d->valid_from;
        if (out->valid_until)
            out->valid_until[i] = rc ? CAV_DATE_OPEN : d->valid_until;
    }
}

static void *worker(void *arg) {
    decide_range(arg);
    return NULL;
}

int cav_eval_batch(const cav_pack *p, const cav_columns *in, cav_results *out, int nthreads) {
    if (!p || !in || !out)
        return CAV_EINVAL;
    if (nthreads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = cores > 0 ? (int)cores : 1;
    }
    if (nthreads > 256)
        nthreads = 256;
    if ((size_t)nthreads > in->n / 4096 + 1)
        nthreads = (int)(in->n / 4096 + 1); /* small batches: threads cost more than they save */
    if (nthreads < 1)
        nthreads = 1;
    range r[256];
    pthread_t t[256];
    size_t per = (in->n + (size_t)nthreads - 1) / (size_t)nthreads;
    int started = 0;
    for (int k = 0; k < nthreads; k++) {
        size_t from = (size_t)k * per, to = from + per > in->n ? in->n : from + per;
        r[k] = (range){p, in, out, from < in->n ? from : in->n, to};
    }
    for (int k = 1; k < nthreads; k++) {
        if (pthread_create(&t[k], NULL, worker, &r[k]) != 0)
            break;
        started = k;
    }
    decide_range(&r[0]);
    for (int k = 1; k <= started; k++)
        pthread_join(t[k], NULL);
    /* ranges whose thread could not start are decided here: the batch is always complete */
    for (int k = started + 1; k < nthreads; k++)
        decide_range(&r[k]);
    return 0;
}
