/* audit.c — deciding every row of an event log, in order, on every core: a CSV log read the way
 * logs are written (its delimiter detected, its columns bound by name or by the usual names,
 * timestamps and degrees-minutes-seconds understood), one output row per input row, a summary
 * that says how the log was read; then a synthetic log (cav_sample) audited as NDJSON.
 *
 * Usage: audit [LOG.csv]      (default: examples/strikes-2024.csv, from the repository root) */
#include <caveat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "audit: unexpected: %s\n", what);
        failed = 1;
    }
}

/* Reads a whole file back from the start. */
static char *slurp(FILE *f) {
    long n = (fseek(f, 0, SEEK_END) == 0) ? ftell(f) : -1;
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text) {
        rewind(f);
        text[fread(text, 1, (size_t)n, f)] = '\0';
    }
    return text;
}

static long count_lines(const char *s) {
    long n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* Audits one log into out, and its summary into summary (when not NULL); returns the audit's
 * counts (rows_in is 0 when it failed). */
static cav_audit_counts run(const cav_pack *pack, const char *log, cav_format fmt,
                            const char *columns, FILE *out, cav_buf *summary) {
    cav_audit_counts c = {0};
    cav_audit_opts o = {.inputs = &log,
                        .ninputs = 1,
                        .output_format = fmt,
                        .columns = columns,
                        .threads = 0,
                        .out_fd = fileno(out)};
    cav_audit *a = NULL;
    cav_buf err = {0};
    if (cav_audit_new(pack, &o, &a, &err) != 0 || cav_audit_run(a, &err) != 0) {
        fprintf(stderr, "audit: %s\n", err.data ? err.data : "failed");
        expect(0, "the audit ran");
    } else {
        cav_audit_counts_get(a, &c);
        if (summary)
            expect(cav_audit_summary(a, CAV_FMT_TEXT, summary) == 0, "a summary");
    }
    cav_audit_free(a);
    cav_buf_free(&err);
    return c;
}

int main(int argc, char **argv) {
    const char *log = argc > 1 ? argv[1] : "examples/strikes-2024.csv";
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;

    FILE *out = tmpfile();
    cav_buf summary = {0};
    cav_audit_counts c = run(pack, log, CAV_FMT_CSV, "event_id,decision,rule,error", out, &summary);
    char *text = slurp(out);
    fputs(text ? text : "", stdout);
    /* how the log was read and what was decided (the first line, with timings, left out) */
    const char *rest = summary.data ? strchr(summary.data, '\n') : NULL;
    fputs(rest ? rest + 1 : "", stdout);
    expect(c.rows_in > 0 && c.rows_in == c.rows_out, "rows in = rows out");
    expect(count_lines(text) == (long)c.rows_out + 1, "a header and one line a row");
    uint64_t decided = c.verdicts[0] + c.verdicts[1] + c.verdicts[2] + c.verdicts[3];
    expect(decided + c.errors == c.rows_in, "every row decided or an error");
    free(text);
    cav_buf_free(&summary);
    fclose(out);

    /* a synthetic log: 20000 rows, 2% of them with a mistake, audited to NDJSON */
    char sample[] = "/tmp/caveat-sample-XXXXXX";
    int fd = mkstemp(sample);
    cav_sample_opts so = {.rows = 20000, .seed = 7, .bad_rate = 0.02, .coords = CAV_COORDS_DMS};
    expect(fd >= 0 && cav_sample(pack, &so, fd) == 0, "a sample log");
    if (fd >= 0)
        close(fd);
    out = tmpfile();
    c = run(pack, sample, CAV_FMT_NDJSON, NULL, out, NULL);
    text = slurp(out);
    printf(
        "sample of %llu rows: permitted %llu, prohibited %llu, indeterminate %llu, unknown %llu, "
        "errors %llu\n",
        (unsigned long long)c.rows_in, (unsigned long long)c.verdicts[CAV_PERMITTED],
        (unsigned long long)c.verdicts[CAV_PROHIBITED],
        (unsigned long long)c.verdicts[CAV_INDETERMINATE],
        (unsigned long long)c.verdicts[CAV_UNKNOWN], (unsigned long long)c.errors);
    expect(c.rows_in == so.rows && count_lines(text) == (long)so.rows, "one NDJSON line a row");
    expect(c.errors > 0 && c.errors < so.rows / 10, "about 2% errors");
    free(text);
    fclose(out);
    unlink(sample);
    cav_pack_release(pack);
    return failed;
}
