/* basics.c — the small things every program of the API meets: the version, error codes, the text
 * buffer (cav_buf) and its JSON escaper, output formats, dates and the pack's time zone, "did you
 * mean" suggestions, the names of verdicts, bases and query fields, and output files written
 * completely or not at all. */
#define _GNU_SOURCE /* mkdtemp */
#include <caveat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failed;

/* Records a failed expectation; the program exits non-zero at the end. */
static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "basics: unexpected: %s\n", what);
        failed = 1;
    }
}

static void version_and_errors(void) {
    int major, minor, patch;
    expect(sscanf(cav_version(), "%d.%d.%d", &major, &minor, &patch) == 3, "a version M.m.p");
    printf("version %s\n", cav_version());
    for (int code = CAV_OK; code >= CAV_ELIMIT; code--)
        printf("%3d %s\n", code, cav_strerror(code));
    expect(strcmp(cav_strerror(-99), "unknown error") == 0, "a message for unknown codes");
}

static void buffers(void) {
    cav_buf b = {0}; /* empty: data is NULL until something is appended */
    expect(b.data == NULL, "an empty buffer holds no memory");
    cav_buf_append(&b, "title: ", 7);
    const char title[] = "Storm \"Shadow\"\n\xff"; /* a quote, a newline, a byte that is no UTF-8 */
    int rc = cav_buf_json_string(&b, title, sizeof title - 1);
    printf("%s\n", b.data);
    expect(rc == 0 && strcmp(b.data, "title: \"Storm \\\"Shadow\\\"\\n\xef\xbf\xbd\"") == 0,
           "JSON escaping, with U+FFFD for the bad byte");
    cav_buf_clear(&b); /* empty again, memory kept */
    expect(b.len == 0 && b.cap > 0 && b.data[0] == '\0', "a cleared buffer");
    cav_buf_free(&b);
}

static void formats(void) {
    printf("formats:");
    for (int f = 0; f < CAV_FMT_COUNT; f++) {
        printf(" %s", cav_format_name((cav_format)f));
        expect(cav_format_find(cav_format_name((cav_format)f)) == f, "format names round-trip");
    }
    printf("\n");
    expect(cav_format_find("yaml") == -1, "no format yaml");
}

static void dates(const cav_pack *pack) {
    int32_t from = 0, to = 0;
    char text[11];
    expect(cav_date_parse("2024-05-30", &from) == 0 && cav_date_parse("2024-06-10", &to) == 0,
           "two dates");
    cav_date_format(to, text);
    printf("%s is day %d since 1970-01-01, %d days after 2024-05-30\n", text, (int)to,
           (int)(to - from));
    expect(to - from == 11 && strcmp(text, "2024-06-10") == 0, "date arithmetic");
    expect(cav_date_parse("2024-02-30", &to) == CAV_EINVAL, "no 30 February");

    /* a timestamp is the calendar date in the pack's time zone */
    int32_t day;
    const char *stamp = "2024-06-09T23:30:00Z";
    expect(cav_date_parse_in(pack, stamp, strlen(stamp), &day, NULL) == 0, "a timestamp");
    cav_date_format(day, text);
    printf("%s is %s in %s\n", stamp, text, cav_pack_timezone(pack));
    expect(day == from + 11, "23:30 UTC is the next day in Kyiv");

    cav_buf why = {0};
    const char *bad = "2024-13-01";
    expect(cav_date_parse_in(pack, bad, strlen(bad), &day, &why) == CAV_EINVAL, "month 13");
    printf("%s: %s\n", bad, why.data);
    cav_buf_free(&why);
}

static void suggestions(void) {
    const char *const weapons[] = {"gmlrs", "atacms", "patriot", "storm-shadow", "scalp-eg"};
    cav_buf near = {0};
    int n = cav_suggest("atcms", weapons, sizeof weapons / sizeof *weapons, &near);
    printf("atcms: did you mean %s?\n", n > 0 ? near.data : "(nothing)");
    expect(n >= 1 && strncmp(near.data, "atacms", 6) == 0, "atacms is the nearest");
    cav_buf_free(&near);
}

static void names(void) {
    for (int v = CAV_PERMITTED; v <= CAV_UNKNOWN; v++)
        printf("%s%s", v ? ", " : "verdicts: ", cav_verdict_name((cav_verdict)v));
    printf("\n");
    for (int b = CAV_BASIS_FORBID; b <= CAV_BASIS_DEFAULT; b++)
        printf("%s%d %s", b ? ", " : "the six steps: ", b + 1, cav_basis_name((cav_basis)b));
    printf("\nquery fields (* required):");
    for (int f = 0; f < CAV_Q_COUNT; f++) {
        const char *name = cav_qfield_name((cav_qfield)f);
        printf(" %s%s", name, cav_qfield_required((cav_qfield)f) ? "*" : "");
        expect(cav_qfield_find(name, strlen(name)) == f, "field names round-trip");
    }
    printf("\n");
    expect(cav_qfield_find("target_lat", 10) == CAV_Q_TARGET_LAT, "the CSV spelling");
    expect(cav_qfield_find("launch-lon", 10) == CAV_Q_LAUNCH_LON, "the flag spelling");
}

/* An output file is written completely or not at all, and never replaces an input. */
static void output_files(void) {
    char dir[] = "/tmp/caveat-basics-XXXXXX", path[64];
    expect(mkdtemp(dir) != NULL, "a scratch directory");
    snprintf(path, sizeof path, "%s/report.txt", dir);
    cav_buf why = {0};
    expect(cav_write_file(path, "first\n", 6, NULL, NULL, &why) == 0, "a new file");
    cav_outfile *o;
    expect(cav_outfile_open(&o, path, NULL, NULL, &why) == 0, "open it again");
    cav_outfile_write(o, "second, ", 8, &why);
    cav_outfile_abort(o); /* say the run failed here: the file keeps its first text */
    const char *inputs[] = {path, NULL};
    int rc = cav_write_file(path, "x", 1, inputs, NULL, &why);
    printf("writing over an input: %s: %s\n", cav_strerror(rc), why.data);
    expect(rc == CAV_EIO, "an input is never replaced");
    FILE *f = fopen(path, "r");
    char text[16] = "";
    expect(f && fgets(text, sizeof text, f) && strcmp(text, "first\n") == 0, "still first");
    if (f)
        fclose(f);
    printf("after an abort and a refusal the file holds: %s", text);
    cav_buf_free(&why);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;
    version_and_errors();
    buffers();
    formats();
    dates(pack);
    suggestions();
    names();
    output_files();
    cav_pack_release(pack);
    return failed;
}
