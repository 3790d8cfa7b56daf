/* metrics.c — the service's counters and latency histograms, written in the Prometheus text
 * exposition format (version 0.0.4) at GET /metrics.
 *
 * Every counter is a relaxed atomic in one srv_metrics owned by the server: requests are counted
 * from any HTTP thread without a lock, and a scrape reads them without stopping anyone (a scrape
 * may see one request's count before its latency: Prometheus tolerates that). Histograms are kept
 * non-cumulative and summed when written, so recording a request touches two counters.
 */
#include "serve.h"

#include <stdarg.h>
#include <string.h>

static const char *const endpoint_names[EP_COUNT] = {
    "decisions_get", "decisions_post", "zones",   "diff",    "timeline", "sources",
    "pack",          "openapi",        "healthz", "metrics", "static",   "other"};

/* The status codes counted apart; anything else counts as the last ("other"). */
static const unsigned codes[SRV_NCODES] = {200, 304, 400, 401, 404, 405,
                                           413, 414, 431, 500, 503, 0};

/* Upper bounds of the latency buckets, in seconds. */
static const double bounds[SRV_NBUCKETS] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                            0.01,    0.025,  0.05,    0.1,    0.25,  1,      5};

const char *srv_endpoint_name(srv_endpoint e) {
    return (unsigned)e < EP_COUNT ? endpoint_names[e] : "other";
}

void srv_metrics_request(srv_metrics *m, srv_endpoint e, unsigned code, double seconds) {
    int c = SRV_NCODES - 1;
    for (int i = 0; i < SRV_NCODES - 1; i++)
        if (codes[i] == code)
            c = i;
    int b = SRV_NBUCKETS;
    for (int i = 0; i < SRV_NBUCKETS; i++)
        if (seconds <= bounds[i]) {
            b = i;
            break;
        }
    atomic_fetch_add_explicit(&m->requests[e][c], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency[e][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_us[e], (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

static void put(cav_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(cav_buf *o, const char *fmt, ...) {
    char s[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    if (n > 0)
        cav_buf_append(o, s, (size_t)(n < (int)sizeof s ? n : (int)sizeof s - 1));
}

static unsigned long long get(atomic_ullong *a) {
    return atomic_load_explicit(a, memory_order_relaxed);
}

static void counter(cav_buf *o, const char *name, const char *help, atomic_ullong *a) {
    put(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, get(a));
}

int srv_metrics_write(srv_metrics *m, const char *pack_id, double pack_loaded, cav_buf *o) {
    put(o, "# HELP caveat_http_requests_total HTTP requests answered, by endpoint and status.\n"
           "# TYPE caveat_http_requests_total counter\n");
    for (int e = 0; e < EP_COUNT; e++)
        for (int c = 0; c < SRV_NCODES; c++) {
            unsigned long long v = get(&m->requests[e][c]);
            if (!v)
                continue;
            if (codes[c])
                put(o, "caveat_http_requests_total{endpoint=\"%s\",code=\"%u\"} %llu\n",
                    endpoint_names[e], codes[c], v);
            else
                put(o, "caveat_http_requests_total{endpoint=\"%s\",code=\"other\"} %llu\n",
                    endpoint_names[e], v);
        }
    put(o, "# HELP caveat_http_request_duration_seconds Time from a request's headers to its last "
           "byte handed to the connection.\n"
           "# TYPE caveat_http_request_duration_seconds histogram\n");
    for (int e = 0; e < EP_COUNT; e++) {
        unsigned long long cum = 0;
        for (int b = 0; b <= SRV_NBUCKETS; b++) {
            cum += get(&m->latency[e][b]);
            if (b < SRV_NBUCKETS)
                put(o,
                    "caveat_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} "
                    "%llu\n",
                    endpoint_names[e], bounds[b], cum);
            else
                put(o,
                    "caveat_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} "
                    "%llu\n",
                    endpoint_names[e], cum);
        }
        put(o, "caveat_http_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n",
            endpoint_names[e], (double)get(&m->latency_us[e]) / 1e6);
        put(o, "caveat_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
            endpoint_names[e], cum);
    }
    put(o, "# HELP caveat_decisions_total Decisions answered, by verdict (error: a query that "
           "could not be evaluated).\n# TYPE caveat_decisions_total counter\n");
    for (int v = 0; v < 4; v++)
        put(o, "caveat_decisions_total{verdict=\"%s\"} %llu\n", cav_verdict_name((cav_verdict)v),
            get(&m->verdicts[v]));
    put(o, "caveat_decisions_total{verdict=\"error\"} %llu\n", get(&m->query_errors));
    put(o,
        "# HELP caveat_pack_reloads_total Pack reloads, by result (a failed one keeps the "
        "current pack).\n# TYPE caveat_pack_reloads_total counter\n"
        "caveat_pack_reloads_total{result=\"ok\"} %llu\n"
        "caveat_pack_reloads_total{result=\"failed\"} %llu\n",
        get(&m->reloads_ok), get(&m->reloads_failed));
    counter(o, "caveat_log_records_total", "Decision log records written.", &m->log_records);
    counter(o, "caveat_log_bytes_total", "Decision log bytes written.", &m->log_bytes);
    counter(o, "caveat_log_fsyncs_total", "fdatasync calls on the decision log.", &m->log_fsyncs);
    counter(o, "caveat_log_failures_total",
            "Decision log writes or syncs that failed (their decisions were refused).",
            &m->log_failures);
    counter(o, "caveat_log_rotations_total", "Decision log files rotated.", &m->log_rotations);
    counter(o, "caveat_refused_unlogged_total",
            "Requests refused with 503 because their decisions could not be logged.",
            &m->refused_unlogged);
    put(o,
        "# HELP caveat_http_connections Open HTTP connections.\n"
        "# TYPE caveat_http_connections gauge\ncaveat_http_connections %lld\n",
        (long long)atomic_load(&m->connections));
    put(o,
        "# HELP caveat_http_inflight_requests Requests being answered.\n"
        "# TYPE caveat_http_inflight_requests gauge\ncaveat_http_inflight_requests %lld\n",
        (long long)atomic_load(&m->inflight));
    put(o, "# HELP caveat_pack_info The pack in use (its id as a label).\n"
           "# TYPE caveat_pack_info gauge\ncaveat_pack_info{id=\"");
    /* a pack id is NAME@HEX; escape what the label syntax needs all the same */
    for (const char *c = pack_id; *c; c++) {
        if (*c == '"' || *c == '\\')
            cav_buf_append(o, "\\", 1);
        if (*c == '\n')
            cav_buf_append(o, "\\n", 2);
        else
            cav_buf_append(o, c, 1);
    }
    put(o,
        "\"} 1\n# HELP caveat_pack_loaded_timestamp_seconds When the pack in use was loaded.\n"
        "# TYPE caveat_pack_loaded_timestamp_seconds gauge\n"
        "caveat_pack_loaded_timestamp_seconds %.3f\n",
        pack_loaded);
    return o->failed ? CAV_ENOMEM : 0;
}
