/* test_oom.c — out of memory everywhere: fault injection over the library's public calls.
 *
 * As SQLite's faultsim and Lua's memcontrol: each scenario (a sequence of public calls that must
 * succeed) is first run once to count its allocations; then it is run again with the kth
 * allocation failing, for every k up to a budget (all of them for small scenarios, the first ones
 * and an even spread of the rest for large ones). Every run must return 0 or CAV_ENOMEM (a
 * scenario may name other codes it accepts), never crash, and leave exactly as many blocks alive
 * as before: the allocator hook (cav_set_allocator) counts them, so a leak on any out-of-memory
 * path fails here, and the sanitizer and valgrind passes of `make test` check the rest.
 * GEOS, PROJ and OpenSSL allocate with their own allocators and are not failed here.
 * CAV_OOM_BUDGET sets the failure points tried per scenario (default 400).
 */
#include "caveat.h"
#include "check.h"
#include "core/alloc.h"

#include <execinfo.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_long live;

static void *count_malloc(void *ud, size_t n) {
    (void)ud;
    void *p = malloc(n);
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}
static void *count_realloc(void *ud, void *p, size_t n) {
    (void)ud;
    void *q = realloc(p, n);
    if (q && !p)
        atomic_fetch_add(&live, 1);
    return q;
}
static void count_free(void *ud, void *p) {
    (void)ud;
    if (p)
        atomic_fetch_sub(&live, 1);
    free(p);
}

/* CAV_OOM_TRACE=1: the stack of the first failed allocation of each run that still succeeded */
static int trace, traced;
static void *fail_stack[32];
static int fail_depth;
static void on_fail(void) {
    if (trace && !traced++)
        fail_depth = backtrace(fail_stack, 32);
}

static cav_pack *dflt; /* the default pack, loaded once before the scenarios that use it */

typedef int (*scenario)(void);

/* ---- scenarios: each returns 0 when every call succeeded, else the first error code ---- */

static const char small_pack[] =
    "party US \"United States\"\nclass rocket-artillery\nkind military\nkind forces in military\n"
    "purpose counterfire\nweapon gmlrs class rocket-artillery consent US alias [HIMARS]\n"
    "source s1 outlet \"Test\" date 2024-01-01\n"
    "zone east \"East\" = box(50, 36, 51, 38)\n  assumption \"a box\"\n"
    "zone near \"Near\" = within(20 km, east)\n"
    "forbid f party US from 2024-01-01 source s1 says \"not in the east\"\n"
    "  unless [p]\n  when target in east\n"
    "permit p party US from 2024-01-01 source s1 says \"counterfire near\"\n"
    "  quote \"counterfire is fine\"\n  when purpose = counterfire and target in near\n"
    "  and target.role = attacking\n"
    "permit all party US from 2024-01-01 source s1 says \"everything\"\n"
    "note n party US date 2024-02-01 source s1 says \"a remark\" disputed \"denied\"\n";

static int sc_load_small(void) {
    const char *name = "oom.cav", *text = small_pack;
    cav_diags *d = cav_diags_new();
    if (!d)
        return CAV_ENOMEM;
    cav_pack *p = NULL;
    int rc = cav_pack_load_mem(&name, &text, 1, d, &p);
    cav_buf out = {0};
    if (rc == 0)
        rc = cav_pack_lint(p, CAV_LINT_OVERLAPS, d);
    if (rc == 0)
        rc = cav_diags_write(d, 1, CAV_FMT_JSON, &out);
    if (rc == 0)
        rc = cav_fmt(name, text, NULL, &out);
    cav_buf_free(&out);
    cav_pack_release(p);
    cav_diags_free(d);
    return rc;
}

static int sc_load_default(void) {
    cav_pack *p = NULL;
    int rc = cav_pack_load_default(NULL, &p);
    cav_pack_release(p);
    return rc;
}

static const char *const queries[] = {
    "{\"id\": \"a\", \"date\": \"2024-06-10\", \"weapon\": \"HIMARS\", \"target\": {\"lat\": 50.6, "
    "\"lon\": 36.59, \"kind\": \"forces\", \"role\": \"attacking\"}, \"purpose\": \"counterfire\"}",
    "{\"id\": 2, \"date\": \"2024-06-10T23:30:00+03:00\", \"weapon\": \"atacms\", \"target\": "
    "{\"lat\": 51.7, \"lon\": 36.19, \"kind\": \"forces\", \"uncertainty_m\": 5000}}",
    "{\"date\": \"2024-06-10\", \"weapon\": \"gmlrs\", \"target\": {\"lat\": 50.6, \"lon\": 36.59, "
    "\"kind\": \"forces\"}}",
    "{\"date\": \"2024-02-30\", \"weapon\": \"gmlrss\", \"target\": {\"lat\": 95, \"lon\": 36.59}}",
};

static int sc_decide(void) {
    cav_buf out = {0}, id = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof queries / sizeof queries[0]; i++) {
        cav_query q;
        cav_qerrors e;
        cav_decision d;
        cav_buf_clear(&id);
        int prc = cav_query_parse_json(dflt, queries[i], strlen(queries[i]), NULL, &q, &id, &e);
        if (prc == CAV_ENOMEM) {
            rc = prc;
        } else if (prc != 0) {
            rc = cav_qerrors_json(&e, id.data, 1, &out);
            if (rc == 0)
                rc = cav_qerrors_text(&e, 1, &out);
        } else if ((rc = cav_eval(dflt, &q, &d)) == 0) {
            rc = cav_decision_json(dflt, &q, &d, id.data, CAV_EXPLAIN, &out);
            if (rc == 0)
                rc = cav_decision_text(dflt, &q, &d, CAV_EXPLAIN, &out);
            if (rc == 0)
                rc = cav_can(dflt, &q, 0, CAV_FMT_JSON, &out);
        }
    }
    cav_buf_free(&out);
    cav_buf_free(&id);
    return rc;
}

static int sc_reports(void) {
    cav_buf out = {0};
    cav_filter f = {0};
    f.party = f.weapon = -1;
    int32_t d1, d2;
    cav_date_parse("2024-05-29", &d1);
    cav_date_parse("2024-11-20", &d2);
    int rc = cav_timeline(dflt, &f, CAV_FMT_MD, &out);
    if (rc == 0)
        rc = cav_diff(dflt, d1, d2, &f, CAV_FMT_JSON, &out);
    if (rc == 0)
        rc = cav_sources(dflt, CAV_FMT_TEXT, &out);
    if (rc == 0)
        rc = cav_where(dflt, 50.6, 36.59, 1000, CAV_FMT_JSON, &out);
    if (rc == 0)
        rc = cav_catalog_write(dflt, -1, CAV_FMT_JSON, &out);
    cav_buf_free(&out);
    return rc;
}

static int sc_map(void) {
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    cav_query_set_date(&q, dflt, "2024-06-10", &e);
    cav_query_set_weapon(&q, dflt, "gmlrs", &e);
    cav_query_set_kind(&q, dflt, "forces", &e);
    cav_query_set_role(&q, dflt, "attacking", &e);
    cav_query_set_target(&q, dflt, 50, 36, &e);
    cav_buf out = {0};
    int rc = cav_map(dflt, &q, NULL, CAV_FMT_GEOJSON, &out);
    cav_buf_free(&out);
    return rc;
}

static int sc_batch(void) {
    enum { N = 64 };
    int32_t date[N], weapon[N], kind[N];
    double lat[N], lon[N];
    uint8_t verdict[N];
    int32_t error[N];
    int w = cav_catalog_find(dflt, CAV_CAT_WEAPON, "gmlrs", 5);
    int k = cav_catalog_find(dflt, CAV_CAT_KIND, "forces", 6);
    for (int i = 0; i < N; i++) {
        cav_date_parse("2024-06-10", &date[i]);
        weapon[i] = w;
        kind[i] = k;
        lat[i] = 49 + i * 0.05;
        lon[i] = 36.5;
    }
    cav_columns in = {
        .n = N, .date = date, .weapon = weapon, .kind = kind, .target_lat = lat, .target_lon = lon};
    cav_results out = {.verdict = verdict, .error = error};
    return cav_eval_batch(dflt, &in, &out, 2);
}

static int sc_test_cases(void) {
    cav_buf out = {0};
    cav_test_result res;
    cav_test_opts o = {0};
    int rc = cav_pack_test_default(dflt, &o, CAV_FMT_JSON, &out, &res);
    cav_buf_free(&out);
    return rc;
}

static char log_path[64], out_path[64];

static int sc_audit(void) {
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return CAV_EIO;
    const char *inputs[1] = {log_path};
    cav_audit_opts o = {.inputs = inputs,
                        .ninputs = 1,
                        .output_format = CAV_FMT_NDJSON,
                        .flags = CAV_EXPLAIN,
                        .threads = 2,
                        .out_fd = fd};
    cav_audit *a = NULL;
    cav_buf err = {0}, sum = {0};
    int rc = cav_audit_new(dflt, &o, &a, &err);
    if (rc == 0)
        rc = cav_audit_run(a, &err);
    if (rc == 0)
        rc = cav_audit_summary(a, CAV_FMT_JSON, &sum);
    cav_audit_free(a);
    cav_buf_free(&err);
    cav_buf_free(&sum);
    close(fd);
    return rc;
}

static int sc_svg_maps(void) {
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    cav_query_set_date(&q, dflt, "2024-06-10", &e);
    cav_query_set_weapon(&q, dflt, "atacms", &e);
    cav_query_set_kind(&q, dflt, "forces", &e);
    cav_query_set_role(&q, dflt, "attacking", &e);
    cav_query_set_target(&q, dflt, 50, 36, &e);
    int32_t d1, d2;
    cav_date_parse("2024-11-16", &d1);
    cav_date_parse("2024-11-17", &d2);
    cav_buf out = {0};
    int rc = cav_map(dflt, &q, NULL, CAV_FMT_SVG, &out);
    if (rc == 0)
        rc = cav_map_diff(dflt, &q, d1, d2, NULL, CAV_FMT_GEOJSON, &out);
    cav_buf_free(&out);
    return rc;
}

/* ---- the driver ---- */

static long budget = 400;

static void run(const char *name, scenario s) {
    /* a first run builds what the library keeps for the process (the boundary locator, the
       boundary data's digest); it is not a leak, so counting starts after it */
    s();
    long before = atomic_load(&live);
    cav__alloc_fail_after(0);
    int rc = s();
    long n = cav__alloc_fail_after(0);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(atomic_load(&live), before);
    if (rc != 0)
        return;
    long tried = 0, enomem = 0, ok = 0, bad = 0, leaks = 0;
    long step = n <= budget ? 1 : (n - budget / 2) / (budget / 2) + 1;
    for (long k = 1; k <= n; k += (k <= budget / 2 ? 1 : step)) {
        traced = 0;
        cav__alloc_fail_after(k);
        int r = s();
        cav__alloc_fail_after(0);
        tried++;
        if (r != CAV_ENOMEM && trace && traced) {
            fprintf(stderr, "%s: allocation %ld failed and the scenario returned %d:\n", name, k,
                    r);
            backtrace_symbols_fd(fail_stack, fail_depth, 2);
        }
        if (r == 0)
            ok++;
        else if (r == CAV_ENOMEM)
            enomem++;
        else if (bad++ < 3)
            fprintf(stderr, "%s: allocation %ld failed: returned %d (%s), not CAV_ENOMEM\n", name,
                    k, r, cav_strerror(r));
        long now = atomic_load(&live);
        if (now != before) {
            if (leaks++ < 3)
                fprintf(stderr, "%s: allocation %ld failed: %ld blocks leaked\n", name, k,
                        now - before);
            atomic_store(&live, before); /* count the next run from the same level */
        }
    }
    printf("  %-14s %7ld allocations, %4ld failure points: %4ld CAV_ENOMEM, %3ld still succeeded\n",
           name, n, tried, enomem, ok);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(leaks, 0);
    CHECK(n == 0 || enomem > 0); /* the scenario's out-of-memory paths were reached */
}

int main(void) {
    const char *b = getenv("CAV_OOM_BUDGET");
    if (b && atol(b) >= 2)
        budget = atol(b);
    trace = getenv("CAV_OOM_TRACE") != NULL;
    cav__alloc_on_fail = on_fail;
    cav_allocator a = {count_malloc, count_realloc, count_free, NULL};
    CHECK_EQ_INT(cav_set_allocator(&a), 0);
    run("load-small", sc_load_small);
    run("load-default", sc_load_default);
    CHECK_EQ_INT(cav_pack_load_default(NULL, &dflt), 0);
    if (dflt) {
        run("decide", sc_decide);
        run("reports", sc_reports);
        run("map", sc_map);
        run("batch", sc_batch);
        run("test-cases", sc_test_cases);
        run("svg-maps", sc_svg_maps);
        /* a small log, written once with the sample generator */
        snprintf(log_path, sizeof log_path, "/tmp/cav-oom-%ld.csv", (long)getpid());
        snprintf(out_path, sizeof out_path, "/tmp/cav-oom-%ld.out", (long)getpid());
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        cav_sample_opts so = {.rows = 40, .seed = 3, .bad_rate = 0.1};
        CHECK(fd >= 0 && cav_sample(dflt, &so, fd) == 0);
        if (fd >= 0)
            close(fd);
        run("audit", sc_audit);
        unlink(log_path);
        unlink(out_path);
        cav_pack_release(dflt);
    }
    /* what is still alive now is the process-wide boundary locator (cav_where builds it once and
       keeps it); each scenario's own blocks were counted back above */
    cav_set_allocator(NULL);
    return check_done();
}
