/* pack_test.c — a pack's own test cases: the default pack's embedded cases with rule coverage,
 * and cases of one's own (JSON lines: a query, the expected verdict, optionally the deciding
 * rules and a phrase of the explanation) run against a pack, reported as text or JUnit XML. */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "pack_test: unexpected: %s\n", what);
        failed = 1;
    }
}

/* Three cases: one right, one wrong (the use is permitted), and a line that is no case. */
static const char cases[] =
    "# the counterfire exception, and what it does not cover\n"
    "{\"case\": \"counterfire near Kharkiv\", \"query\": {\"date\": \"2024-06-10\", "
    "\"weapon\": \"HIMARS\", \"target\": {\"lat\": 50.60, \"lon\": 36.59, \"kind\": \"artillery\", "
    "\"role\": \"attacking\"}, \"purpose\": \"counterfire\"}, \"expect\": \"permitted\", "
    "\"rules\": [\"us-kharkiv-counterfire\"]}\n"
    "{\"case\": \"a wrong expectation\", \"query\": {\"date\": \"2024-06-10\", "
    "\"weapon\": \"HIMARS\", \"target\": {\"lat\": 50.60, \"lon\": 36.59, \"kind\": \"artillery\", "
    "\"role\": \"attacking\"}, \"purpose\": \"counterfire\"}, \"expect\": \"prohibited\"}\n"
    "{\"case\": \"a typo\", \"expcet\": \"permitted\"}\n";

int main(void) {
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;

    /* the embedded cases, with coverage */
    cav_test_opts all = {.coverage = 1};
    cav_test_result res;
    cav_buf report = {0};
    expect(cav_pack_test_default(pack, &all, CAV_FMT_TEXT, &report, &res) == 0, "ran");
    printf("embedded cases: %d passed, %d failed, %d errors, %d rules not covered, "
           "%d unreachable\n",
           res.passed, res.failed, res.errors, res.uncovered, res.unreachable);
    int fails = 0; /* the report has a FAIL line for every failed case */
    for (const char *at = report.data; at && (at = strstr(at, "FAIL ")) != NULL; at++)
        fails += at == report.data || at[-1] == '\n';
    expect(res.passed > 100 && res.errors == 0 && fails == res.failed, "the report and the counts");

    /* our own cases */
    const char *names[] = {"mine.jsonl"}, *texts[] = {cases};
    size_t lens[] = {sizeof cases - 1};
    cav_test_opts opts = {0};
    cav_buf_clear(&report);
    expect(cav_pack_test(pack, names, texts, lens, 1, &opts, CAV_FMT_TEXT, &report, &res) == 0,
           "ran");
    fputs(report.data, stdout);
    expect(res.passed == 1 && res.failed == 1 && res.errors == 1, "one of each");

    /* only the cases whose name matches, as JUnit XML for CI */
    cav_test_opts one = {.run = "^counterfire"};
    cav_buf_clear(&report);
    cav_pack_test(pack, names, texts, lens, 1, &one, CAV_FMT_JUNIT, &report, &res);
    expect(res.passed == 1 && res.failed == 0 && strstr(report.data, "<testsuite") != NULL,
           "one case, as JUnit");
    printf("--run '^counterfire': %d passed, %d failed (JUnit XML, %zu bytes)\n", res.passed,
           res.failed, report.len);
    one.run = "([";
    expect(cav_pack_test(pack, names, texts, lens, 1, &one, CAV_FMT_TEXT, &report, &res) ==
               CAV_EINVAL,
           "a bad regular expression");
    cav_buf_free(&report);
    cav_pack_release(pack);
    return failed;
}
