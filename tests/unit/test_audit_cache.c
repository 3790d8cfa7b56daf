/* test_audit_cache.c — the audit's decision cache, its keys and its emptying. An audit whose
 * workers format every row's texts for that row alone (no cache) must write the same bytes as one
 * with the usual 65,536 slots, which never empties on this log: a key that joined two rows whose
 * texts differ (a fact or a date the texts read left out of it) would write one row's texts for
 * the other. An audit whose caches have 16 slots (emptied when 8 are filled, thousands of times
 * over the log) must write them too. Each output is checked in the three shapes that use the cache
 * (the default columns, with templates of the row's date; the short form; GeoJSON), on a sample
 * with errors, DMS positions and launch points, dates over every epoch of the pack, with two
 * workers; and on small packs where a date changes an explanation but not the decision (a forbid
 * of another weapon naming a deciding exception until it ends, a note ending, the other party a
 * missing supplier would bring). CAV_AUDIT_CACHE_ROWS sets the sample's rows (20,000; valgrind
 * runs fewer). */
#include "batch/audit.h"
#include "caveat.h"
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { USUAL = -1 };

/* Writes the audit of log (with dec_slots slots a worker, 0: no cache, USUAL: the usual) into a
 * new buffer; *clears receives the times a worker's cache was emptied. */
static char *audit(const cav_pack *p, const char *log, cav_format f, const char *columns,
                   int64_t dec_slots, size_t *len, uint64_t *clears) {
    char out[] = "/tmp/cav-test-audit-cache-XXXXXX";
    int fd = mkstemp(out);
    CHECK(fd >= 0);
    if (fd < 0)
        return NULL;
    const char *inputs[] = {log};
    cav_audit_opts o = {.inputs = inputs,
                        .ninputs = 1,
                        .output_format = f,
                        .columns = columns,
                        .threads = 2,
                        .out_fd = fd};
    cav_audit *a = NULL;
    cav_buf err = {0};
    int rc = cav_audit_new(p, &o, &a, &err);
    CHECK(rc == 0);
    if (rc != 0) {
        close(fd);
        unlink(out);
        return NULL;
    }
    if (dec_slots != USUAL) {
        CHECK(cav__audit_set_dec_slots(a, 3) == CAV_EINVAL); /* no power of two */
        CHECK(cav__audit_set_dec_slots(a, 2) == CAV_EINVAL); /* too few */
        CHECK(cav__audit_set_dec_slots(a, (uint32_t)dec_slots) == 0);
    }
    rc = cav_audit_run(a, &err);
    CHECK(rc == 0);
    if (dec_slots != USUAL)
        CHECK(cav__audit_set_dec_slots(a, 64) == CAV_EINVAL); /* after the run */
    *clears = 0;
    for (int i = 0; rc == 0 && a->workers && i < a->nthreads; i++)
        *clears += a->workers[i].cache_clears;
    cav_audit_free(a);
    cav_buf_free(&err);
    off_t n = lseek(fd, 0, SEEK_END);
    CHECK(n > 0);
    char *b = n > 0 ? malloc((size_t)n) : NULL;
    CHECK(b && pread(fd, b, (size_t)n, 0) == n);
    close(fd);
    unlink(out);
    if (!b)
        return NULL;
    *len = (size_t)n;
    return b;
}

static void same_as_the_usual_cache(const cav_pack *p, const char *log, cav_format f,
                                    const char *columns) {
    size_t n1, n2, n3;
    uint64_t c1, c2, c3;
    char *usual = audit(p, log, f, columns, USUAL, &n1, &c1);
    char *small = audit(p, log, f, columns, 16, &n2, &c2);
    char *none = audit(p, log, f, columns, 0, &n3, &c3);
    CHECK(usual && small && none);
    if (usual && small && none) {
        CHECK_EQ_INT(c1, 0); /* 65,536 slots hold this log's decisions */
        CHECK(c2 > 10);      /* 16 slots: emptied every 8 new decisions */
        CHECK_EQ_INT(c3, 0); /* no cache: nothing to empty */
        printf("%s%s: the small cache emptied %llu times; no cache and both caches wrote the "
               "same %zu bytes\n",
               f == CAV_FMT_GEOJSON ? "geojson" : "csv", columns ? " (short form)" : "",
               (unsigned long long)c2, n2);
        CHECK_EQ_INT(n1, n2);
        CHECK(n1 == n2 && memcmp(usual, small, n1) == 0);
        CHECK_EQ_INT(n1, n3);
        CHECK(n1 == n3 && memcmp(usual, none, n1) == 0);
    }
    free(usual);
    free(small);
    free(none);
}

/* Small packs, each with a date that changes what an explanation says though the decision and
 * the rules that speak of the weapon stay the same, and three rows: the second, on another date
 * before it, verifies the first's template; the third, after it, must not take that template.
 * Each names a sentence the first two rows' explanation has and the third's has not (or the
 * reverse, with `later`). */
typedef struct small_case {
    const char *what, *policy, *rows, *early, *later;
} small_case;

#define TINY_HEAD                                                                                  \
    "pack tiny \"a test pack\" timezone \"Europe/Kyiv\"\nparty US \"United States\"\n"             \
    "class rocket-artillery\nkind military\nkind forces in military\npurpose counterfire\n"        \
    "source s outlet \"o\" date 2024-01-01 url \"https://example.org/s\"\n"
#define TINY_ROWS(head, row) head "\n2024-03-01," row "\n2024-03-02," row "\n2024-07-01," row "\n"

static const small_case small_cases[] = {
    {"a forbid of another weapon names a deciding exception until it ends",
     TINY_HEAD "weapon gmlrs class rocket-artillery consent US\n"
               "weapon atacms class rocket-artillery consent US\n"
               "zone east = box(50 36, 51 38) assumption \"a box for the test\"\n"
               "permit p party US from 2024-01-01 source s says \"counterfire in the east\"\n"
               "  when purpose = counterfire and target in east\n"
               "forbid ban party US from 2024-01-01 until 2024-06-01 source s says \"no ATACMS "
               "beyond Ukraine\" unless p\n"
               "  when weapon = atacms and target not in UA\n",
     TINY_ROWS("date,weapon,target.lat,target.lon,target.kind,purpose",
               "gmlrs,50.5,37.5,forces,counterfire"),
     "It is an exception to ban, which stays in force.", NULL},
    {"a note ends (found by review)",
     TINY_HEAD "weapon w1 class rocket-artillery consent US\n"
               "permit p party US from 2024-01-01 source s says \"p\"\n"
               "  when weapon = w1\n"
               "note n party US date 2024-01-01 until 2024-06-01 source s says \"a note\"\n"
               "  when weapon = w1\n",
     TINY_ROWS("date,weapon,target.lat,target.lon,target.kind", "w1,50.5,37.5,military"),
     "Note n: a note.", NULL},
    {"a missing supplier's other party stops permitting (found by review)",
     TINY_HEAD "party GB \"United Kingdom\"\n"
               "weapon w1 class rocket-artillery consent [US] suppliers [US, GB]\n"
               "permit pu party US from 2024-01-01 source s says \"pu\"\n"
               "  when supplier = GB\n"
               "permit pg party GB from 2024-01-01 until 2024-06-01 source s says \"pg\"\n"
               "  when weapon = w1\n",
     TINY_ROWS("date,weapon,target.lat,target.lon,target.kind", "w1,50.5,37.5,military"),
     "permitted with GB", "unknown with GB"},
};

static void small_pack(const small_case *t) {
    const char *name = "tiny.cav";
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_mem(&name, &t->policy, 1, NULL, &p), 0);
    char log[] = "/tmp/cav-test-audit-tiny-XXXXXX";
    int fd = mkstemp(log);
    CHECK(p && fd >= 0);
    if (!p || fd < 0) {
        if (fd >= 0) {
            close(fd);
            unlink(log);
        }
        cav_pack_release(p);
        return;
    }
    size_t len = strlen(t->rows);
    CHECK(write(fd, t->rows, len) == (ssize_t)len);
    close(fd);
    static const char *const shapes[] = {NULL, "input,decision,explanation"};
    for (int i = 0; i < 2; i++) {
        size_t n1, n2;
        uint64_t c1, c2;
        char *usual = audit(p, log, CAV_FMT_CSV, shapes[i], USUAL, &n1, &c1);
        char *none = audit(p, log, CAV_FMT_CSV, shapes[i], 0, &n2, &c2);
        CHECK(usual && none);
        if (usual && none) {
            CHECK(n1 == n2 && memcmp(usual, none, n1) == 0);
            char *text = strndup(usual, n1), *line[4] = {text};
            for (int k = 1; k < 4 && line[k - 1]; k++)
                if ((line[k] = strchr(line[k - 1], '\n')) != NULL)
                    *line[k]++ = '\0';
            CHECK(line[3] != NULL);
            if (line[3]) {
                int ok = strstr(line[1], "2024-03-01,") && strstr(line[2], "2024-03-02,") &&
                         strstr(line[3], "2024-07-01,");
                for (int k = 1; k <= 3; k++) {
                    ok &= !strstr(line[k], t->early) == (k == 3);
                    ok &= !t->later || !strstr(line[k], t->later) == (k != 3);
                }
                if (!ok)
                    fprintf(stderr, "%s:\n%s\n%s\n%s\n", t->what, line[1], line[2], line[3]);
                CHECK(ok);
            }
            free(text);
        }
        free(usual);
        free(none);
    }
    unlink(log);
    cav_pack_release(p);
}

int main(void) {
    cav_pack *p = NULL;
    CHECK(cav_pack_load_default(NULL, &p) == 0);
    char log[] = "/tmp/cav-test-audit-log-XXXXXX";
    int fd = mkstemp(log);
    CHECK(p && fd >= 0);
    if (!p || fd < 0)
        return check_done();
    const char *rows = getenv("CAV_AUDIT_CACHE_ROWS");
    cav_sample_opts so = {.rows = rows ? strtoull(rows, NULL, 10) : 20000,
                          .seed = 7,
                          .bad_rate = 0.02,
                          .coords = CAV_COORDS_DMS};
    CHECK(cav_sample(p, &so, fd) == 0);
    close(fd);
    same_as_the_usual_cache(p, log, CAV_FMT_CSV, NULL);
    same_as_the_usual_cache(p, log, CAV_FMT_CSV, "input,decision,parties,rule,why,error");
    same_as_the_usual_cache(p, log, CAV_FMT_GEOJSON, NULL);
    for (size_t i = 0; i < sizeof small_cases / sizeof *small_cases; i++)
        small_pack(&small_cases[i]);
    unlink(log);
    cav_pack_release(p);
    return check_done();
}
