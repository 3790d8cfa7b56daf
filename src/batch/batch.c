/* batch.c — deciding columns of queries on several threads (cav_eval_batch): the one batch engine
 * under the audit, the service's batch requests and the Python binding's decide_frame.
 *
 * Rows are cut into one contiguous range per thread; each thread fills its rows' results with
 * cav_eval, so the work is allocation-free per row and the results do not depend on the number of
 * threads. The pack is shared read-only (caveat.h: a loaded pack is immutable).
 */
#include "caveat.h"

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

static int32_t col_i(const int32_t *c, size_t i, int32_t absent) {
    return c ? c[i] : absent;
}
static double col_d(const double *c, size_t i, double absent) {
    return c ? c[i] : absent;
}

int cav_columns_query(const cav_columns *in, size_t i, cav_query *q) {
    if (!in || !q || i >= in->n)
        return CAV_EINVAL;
    memset(q, 0, sizeof *q);
    q->date = col_i(in->date, i, CAV_NO_DATE);
    q->weapon = col_i(in->weapon, i, -1);
    q->supplier = col_i(in->supplier, i, CAV_MISSING);
    q->kind = col_i(in->kind, i, -1);
    q->state = col_i(in->state, i, CAV_STATE_GROUND);
    q->role = col_i(in->role, i, CAV_MISSING);
    q->purpose = col_i(in->purpose, i, CAV_MISSING);
    q->target_lat = col_d(in->target_lat, i, NAN);
    q->target_lon = col_d(in->target_lon, i, NAN);
    q->target_uncertainty_m = col_d(in->target_uncertainty_m, i, 0);
    q->launch_lat = col_d(in->launch_lat, i, NAN);
    q->launch_lon = col_d(in->launch_lon, i, NAN);
    q->launch_uncertainty_m = col_d(in->launch_uncertainty_m, i, 0);
    q->has_launch = !isnan(q->launch_lat) && !isnan(q->launch_lon);
    if (isnan(q->target_uncertainty_m))
        q->target_uncertainty_m = 0;
    if (isnan(q->launch_uncertainty_m))
        q->launch_uncertainty_m = 0;
    return 0;
}

static void decide_range(const range *r) {
    const cav_columns *in = r->in;
    cav_results *out = r->out;
    for (size_t i = r->from; i < r->to; i++) {
        cav_query q;
        cav_columns_query(in, i, &q);
        cav_decision local;
        cav_decision *d = out->decisions ? &out->decisions[i] : &local;
        int rc = cav_eval(r->p, &q, d);
        if (rc == 0 && (out->valid_from || out->valid_until || out->decisions))
            cav_decision_validity(r->p, &q, d);
        if (out->error)
            out->error[i] = rc;
        if (out->verdict)
            out->verdict[i] = rc ? CAV_BATCH_ERROR : (uint8_t)d->verdict;
        if (out->rule) {
            int32_t first = -1;
            for (int k = 0; !rc && k < d->nparties && first < 0; k++)
                if (d->parties[k].nrules)
                    first = d->parties[k].rules[0];
            out->rule[i] = first;
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
