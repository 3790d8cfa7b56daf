/* bench_load.c — how loading a pack scales with its number of rules: time and peak memory of
 * cav_pack_load_mem for 1,000, 10,000 and 100,000 rules, overlapping and disjoint, and of
 * cav_pack_lint (the analysis `caveat lint` runs, which loading never runs).
 *
 * Packs are generated in memory:
 *   overlapping: every rule in force from the same day for the same party, conditions rotating
 *                over weapons, purposes, target kinds, roles and zones, so every pair of rules
 *                can meet (the case that made loading quadratic: issue 15, finding 1);
 *   disjoint:    rules one day long, eight parties each with its own chain of consecutive days,
 *                so no two rules of a party are ever in force together;
 *   erroneous:   overlapping rules dated 2101 (out of range): one diagnostic per rule,
 *                each showing its source line (finding 1: finding the line scanned the file
 *                from its start every time, quadratic in the number of errors).
 * Each measurement runs in a child process of its own (fork): the child generates the text,
 * loads it (and lints it when asked) and reports the CPU time and wall time of the load; the
 * parent reads the child's peak resident memory from wait4(). Every figure is the best of
 * RUNS runs (the machine is shared: the minimum is the least disturbed run).
 *
 * Usage: bench_load [RUNS=3]        the table for 1k, 10k, 100k rules (bench/RESULTS-load.md)
 *        bench_load --test          the regression test run by ctest (bench/load-scaling): fails
 *                                   when 10,000 overlapping rules take more than 10x the time or
 *                                   peak memory of 1,000 to load (and 10,000 erroneous ones),
 *                                   10x the peak memory to lint, or when lint is not bounded
 *                                   (20,000 rules take over 3x the time of 10,000, or no
 *                                   "analysis-incomplete" warning).
 *        In --test, CAV_LOAD_RUNS sets the runs of each measure (default 3) and CAV_LOAD_FLOOR_MS
 *        the floor of CPU time (default 20 ms, see compare()): make test-tsan runs each measure
 *        once, and raises the floor to 100 ms, as ThreadSanitizer makes every load some ten
 *        times slower (a thousand erroneous rules then take about that floor); make
 *        test-sanitize (ASan, a Debug build) raises it too (30 ms there, 11.2x for 10,000).
 */
#define _DEFAULT_SOURCE /* wait4 */
#include "caveat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { OVERLAPPING, DISJOINT, ERRORS };
static const char *const shape_names[] = {"overlapping", "disjoint", "erroneous"};

typedef struct measure {
    double cpu_s, wall_s; /* of the load (or of the lint), in the child */
    long peak_kb;         /* the child's peak resident set (wait4) */
    long warnings;        /* lint only */
    int incomplete;       /* lint only: it said it stopped */
    int ok;
} measure;

static void append(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*cap + n + 1) * 2;
        *buf = realloc(*buf, *cap);
        if (!*buf) {
            perror("bench_load");
            exit(2);
        }
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* The text of a pack of n rules of the given shape. The caller frees it. */
static char *make_pack(int n, int shape) {
    static const char *const parties[] = {"US", "GB", "FR", "DE", "IT", "NL", "PL", "NO"};
    char *buf = NULL, line[512];
    size_t len = 0, cap = 0;
    append(&buf, &len, &cap,
           "party US\nparty GB\nparty FR\nparty DE\nparty IT\nparty NL\nparty PL\nparty NO\n"
           "class artillery\nclass missile\n"
           "kind military\nkind forces in military\nkind depot in military\nkind civilian\n"
           "purpose counterfire\npurpose strike\npurpose air-defense\n"
           "source s1 outlet \"bench\" date 2024-01-01\n"
           "zone east = box(50 36, 51 38)\nzone west = box(50 30, 51 32)\n");
    for (int w = 0; w < 8; w++) {
        snprintf(line, sizeof line, "weapon w%d class %s consent [%s, %s]\n", w,
                 w % 2 ? "missile" : "artillery", parties[w], parties[(w + 1) % 8]);
        append(&buf, &len, &cap, line);
    }
    static const char *const conds[] = {
        "weapon = w1",
        "purpose = strike",
        "target.kind in military and target in RU",
        "weapon.class = missile and target in east",
        "target.role = attacking or purpose = counterfire",
        "target in west and not target.kind = depot",
        "launch in UA and weapon in [w2, w3]",
        "target.kind = civilian",
    };
    for (int i = 0; i < n; i++) {
        const char *effect = i % 3 == 1 ? "forbid" : "permit";
        if (shape != DISJOINT) {
            snprintf(line, sizeof line, "%s r%d party US from %s source s1 when %s\n", effect, i,
                     shape == ERRORS ? "2101-01-01" : "2024-01-01", conds[i % 8]);
        } else {
            /* party i % 8, its (i / 8)-th day from 1900-01-01: [day, day + 1) */
            int day = i / 8;
            struct tm t = {.tm_year = 0, .tm_mon = 0, .tm_mday = 1 + day, .tm_hour = 12};
            time_t at = timegm(&t);
            struct tm from, until;
            gmtime_r(&at, &from);
            at += 86400;
            gmtime_r(&at, &until);
            snprintf(line, sizeof line,
                     "%s r%d party %s from %04d-%02d-%02d until %04d-%02d-%02d source s1 "
                     "when %s\n",
                     effect, i, parties[i % 8], from.tm_year + 1900, from.tm_mon + 1, from.tm_mday,
                     until.tm_year + 1900, until.tm_mon + 1, until.tm_mday, conds[i % 8]);
        }
        append(&buf, &len, &cap, line);
    }
    return buf;
}

static double cpu_now(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static double wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* In the child: generate, load (and lint), report through fd. A child that runs over 120 s of CPU
 * is killed (a quadratic load of 10,000 rules took minutes): the measure then fails. */
static void child(int n, int shape, int lint, int fd) {
    struct rlimit cpu = {120, 120};
    setrlimit(RLIMIT_CPU, &cpu);
    char *text = make_pack(n, shape);
    const char *names[1] = {"bench.cav"}, *texts[1] = {text};
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    measure m = {0};
    double c0 = cpu_now(), w0 = wall_now();
    int rc = cav_pack_load_mem(names, texts, 1, d, &p);
    if (rc == 0 && lint) {
        c0 = cpu_now();
        w0 = wall_now();
        size_t before = cav_diags_count(d);
        rc = cav_pack_lint(p, 0, d);
        m.warnings = (long)(cav_diags_count(d) - before);
        for (size_t i = 0; i < cav_diags_count(d); i++) {
            const cav_diag *g = cav_diags_get(d, i);
            m.incomplete |= g->code && strcmp(g->code, "analysis-incomplete") == 0;
        }
    }
    m.cpu_s = cpu_now() - c0;
    m.wall_s = wall_now() - w0;
    m.ok = shape == ERRORS ? rc == CAV_EPOLICY && cav_diags_errors(d) == (size_t)n : rc == 0;
    if (!m.ok) {
        cav_buf b = {0};
        for (size_t i = 0; i < cav_diags_count(d) && i < 5; i++)
            cav_diag_format(d, i, &b);
        fprintf(stderr, "bench_load: %d %s rules: %s\n%s", n, shape_names[shape], cav_strerror(rc),
                b.data ? b.data : "");
        cav_buf_free(&b);
    }
    if (write(fd, &m, sizeof m) != (ssize_t)sizeof m)
        _exit(3);
    _exit(0);
}

/* One measurement in a fresh child process. */
static measure measure_once(int n, int shape, int lint) {
    measure m = {0};
    int fds[2];
    if (pipe(fds) != 0) {
        perror("bench_load: pipe");
        return m;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child(n, shape, lint, fds[1]);
    }
    close(fds[1]);
    if (pid < 0) {
        perror("bench_load: fork");
        close(fds[0]);
        return m;
    }
    if (read(fds[0], &m, sizeof m) != (ssize_t)sizeof m)
        m.ok = 0;
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        m.ok = 0;
    m.peak_kb = ru.ru_maxrss;
    return m;
}

/* The best (smallest time, smallest peak) of runs measurements. */
static measure measure_best(int n, int shape, int lint, int runs) {
    measure best = {0};
    for (int r = 0; r < runs; r++) {
        measure m = measure_once(n, shape, lint);
        if (!m.ok)
            return m;
        if (r == 0 || m.cpu_s < best.cpu_s) {
            best.cpu_s = m.cpu_s;
            best.wall_s = m.wall_s;
        }
        if (r == 0 || m.peak_kb < best.peak_kb)
            best.peak_kb = m.peak_kb;
        best.warnings = m.warnings;
        best.incomplete = m.incomplete;
        best.ok = 1;
    }
    return best;
}

static int failures;
static int test_runs = 3;           /* runs of each measure in --test (CAV_LOAD_RUNS) */
static double test_floor_s = 0.020; /* the floor of CPU time in --test (CAV_LOAD_FLOOR_MS) */

static void expect_ratio(const char *what, double small, double big, double limit) {
    double ratio = big / (small > 0 ? small : 1e-9);
    int ok = ratio <= limit;
    if (limit >= 1e9)
        printf("%s: %.3g -> %.3g, %.1fx (not checked)\n", what, small, big, ratio);
    else
        printf("%s: %.3g -> %.3g, %.1fx (limit %.0fx) %s\n", what, small, big, ratio, limit,
               ok ? "ok" : "FAIL");
    failures += !ok;
}

/* Measures `small` and `big` rules of a shape (loading, or linting) and checks that time grew at
 * most time_limit times and peak memory at most mem_limit times. CPU time has a floor (20 ms
 * unless CAV_LOAD_FLOOR_MS says otherwise), so that a load too fast to time (a few ms) cannot
 * fail the test on noise alone. Returns the big measure. */
static measure compare(int shape, int lint, int small_n, int big_n, double time_limit,
                       double mem_limit) {
    measure small = measure_best(small_n, shape, lint, test_runs);
    measure big = measure_best(big_n, shape, lint, test_runs);
    char what[160];
    if (!small.ok || !big.ok) {
        printf("FAIL: %s %s rules: failed, or over the CPU limit of the child\n",
               lint ? "linting" : "loading", shape_names[shape]);
        failures++;
        return big;
    }
    double floor_s = test_floor_s;
    snprintf(what, sizeof what, "%s time, %dk -> %dk %s rules (s, CPU)", lint ? "lint" : "load",
             small_n / 1000, big_n / 1000, shape_names[shape]);
    expect_ratio(what, small.cpu_s > floor_s ? small.cpu_s : floor_s, big.cpu_s, time_limit);
    snprintf(what, sizeof what, "%s peak memory, %dk -> %dk %s rules (KB)", lint ? "lint" : "load",
             small_n / 1000, big_n / 1000, shape_names[shape]);
    expect_ratio(what, (double)small.peak_kb, (double)big.peak_kb, mem_limit);
    return big;
}

/* ctest: 10,000 rules against 1,000, loaded (overlapping, and with an error each): at most 10x
 * the time and the peak memory. Lint is bounded by its budget, so its time stops growing: from
 * 10,000 to 20,000 overlapping rules (both past the budget) it may grow 3x at most (a quadratic
 * analysis grows 4x, and 1,000 rules take a fraction of the budget, so 1k -> 10k says little). */
static int run_test(void) {
    const char *env = getenv("CAV_LOAD_RUNS");
    if (env && atoi(env) > 0)
        test_runs = atoi(env);
    env = getenv("CAV_LOAD_FLOOR_MS");
    if (env && atoi(env) > 0)
        test_floor_s = atoi(env) / 1000.0;
    compare(OVERLAPPING, 0, 1000, 10000, 10, 10);
    compare(ERRORS, 0, 1000, 10000, 10, 10);
    compare(OVERLAPPING, 1, 1000, 10000, 1e9, 10);
    measure lbig = compare(OVERLAPPING, 1, 10000, 20000, 3, 10);
    if (lbig.ok) {
        int bounded = lbig.incomplete && lbig.warnings <= CAV_LINT_MAX_WARNINGS + 1;
        printf("lint of 20k overlapping rules: %ld warnings, %s\n", lbig.warnings,
               lbig.incomplete ? "stopped at its budget and said so" : "did not say it stopped");
        failures += !bounded;
    }
    printf("%s\n", failures ? "FAIL" : "ok");
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--test") == 0)
        return run_test();
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    if (runs < 1)
        runs = 1;
    static const int sizes[] = {1000, 10000, 100000};
    printf("best of %d runs, each in a fresh child process\n\n", runs);
    printf("| rules | shape | load CPU s | load wall s | peak RSS MB | lint CPU s | lint peak RSS "
           "MB | lint warnings |\n");
    printf("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int shape = OVERLAPPING; shape <= DISJOINT; shape++)
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            measure m = measure_best(sizes[k], shape, 0, runs);
            measure l = measure_best(sizes[k], shape, 1, runs);
            if (!m.ok || !l.ok) {
                printf("| %d | %s | failed |\n", sizes[k], shape_names[shape]);
                continue;
            }
            printf("| %d | %s | %.3f | %.3f | %.1f | %.3f | %.1f | %ld%s |\n", sizes[k],
                   shape_names[shape], m.cpu_s, m.wall_s, (double)m.peak_kb / 1024, l.cpu_s,
                   (double)l.peak_kb / 1024, l.warnings, l.incomplete ? " (stopped)" : "");
        }
    return 0;
}
