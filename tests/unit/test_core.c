/* test_core.c — unit tests of src/core: dates, names, hints, bounded output, diagnostics. */
#include "caveat.h"
#include "check.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/util.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_dates(void) {
    int32_t d;
    CHECK_EQ_INT(cav_date_parse("1970-01-01", &d), 0);
    CHECK_EQ_INT(d, 0);
    CHECK_EQ_INT(cav_date_parse("2024-05-30", &d), 0);
    CHECK_EQ_INT(d, 19873);
    CHECK_EQ_INT(cav_date_parse("2024-02-29", &d), 0); /* leap year */
    CHECK_EQ_INT(cav_date_parse("2023-02-29", &d), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse("1900-02-29", &d), CAV_EINVAL); /* century, not leap */
    CHECK_EQ_INT(cav_date_parse("2000-02-29", &d), 0);          /* 400 years, leap */
    CHECK_EQ_INT(cav_date_parse("2024-13-01", &d), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse("2024-00-10", &d), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse("2024-1-10", &d), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse("2024-01-10x", &d), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse("", &d), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse("1899-12-31", &d), CAV_EINVAL);
    /* every day of 1900..2100 survives a round trip */
    char buf[11];
    int32_t lo = 0, hi = -1;
    CHECK_EQ_INT(cav_date_parse("1900-01-01", &lo), 0);
    CHECK_EQ_INT(cav_date_parse("2100-12-31", &hi), 0);
    CHECK_EQ_INT(cav_date_parse("2101-01-01", &d), CAV_EINVAL);
    int bad = 0;
    for (int32_t day = lo; day <= hi; day++) {
        cav_date_format(day, buf);
        int32_t back;
        if (cav_date_parse(buf, &back) != 0 || back != day)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    cav_date_format(19873, buf);
    CHECK_EQ_STR(buf, "2024-05-30");
}

static void test_names(void) {
    CHECK(cav__streqi("HIMARS", "himars"));
    CHECK(!cav__streqi("HIMARS", "himar"));
    CHECK_EQ_INT(cav__edit_distance("counterfre", "counterfire"), 1);
    CHECK_EQ_INT(cav__edit_distance("", "abc"), 3);
    const char *names[] = {"counterfire", "strike", "self-defense", "air-defense"};
    char buf[128];
    CHECK(cav__nearest_names("counterfre", names, 4, buf, sizeof buf));
    CHECK_EQ_STR(buf, "counterfire");
    CHECK(cav__nearest_names("defense", names, 4, buf, sizeof buf) == 0 || buf[0] != '\0');
    CHECK(!cav__nearest_names("zzzzzzzz", names, 4, buf, sizeof buf));
    CHECK_EQ_STR(buf, "");
    const char *parties[] = {"US", "GB", "FR"};
    CHECK(!cav__nearest_names("DE", parties, 3, buf, sizeof buf)); /* too far for a 2-letter code */
    CHECK(cav__nearest_names("UK", parties, 3, buf, sizeof buf) == 1);
}

static void test_out(void) {
    char small[8];
    cav_out o;
    cav__out_init(&o, small, sizeof small);
    cav__out_puts(&o, "hello, world");
    CHECK_EQ_INT(o.len, 12); /* the needed length keeps counting */
    CHECK_EQ_STR(small, "hello, ");
    char buf[64];
    cav__out_init(&o, buf, sizeof buf);
    cav__out_json_str(&o, "a\"b\\c\nd\x01");
    CHECK_EQ_STR(buf, "\"a\\\"b\\\\c\\nd\\u0001\"");
}

static void test_diags(void) {
    cav_diags *d = cav_diags_new();
    const char *text = "line one\nparty XX1\n";
    cav__diag_add(d, CAV_SEV_ERROR, "f.cav", text + 9, 2, 7, "a hint", "bad %s", "code");
    cav__diag_add(d, CAV_SEV_WARNING, "f.cav", NULL, 0, 0, NULL, "just a warning");
    CHECK_EQ_INT(cav_diags_count(d), 2);
    CHECK_EQ_INT(cav_diags_errors(d), 1);
    cav_buf buf = {0};
    CHECK_EQ_INT(cav_diag_format(d, 0, &buf), 0);
    CHECK_EQ_STR(buf.data, "f.cav:2:7: error: bad code\n  party XX1\n        ^\n  hint: a hint\n");
    CHECK_EQ_INT(buf.len, strlen(buf.data));
    cav_buf_clear(&buf);
    cav_diag_format(d, 1, &buf);
    CHECK_EQ_STR(buf.data, "f.cav: warning: just a warning\n");
    cav_buf_free(&buf);
    CHECK(cav_diags_get(d, 2) == NULL);
    cav_diags_free(d);
    CHECK_EQ_STR(cav_strerror(CAV_EPOLICY), "the policy has errors");
    CHECK_EQ_STR(cav_verdict_name(CAV_UNKNOWN), "unknown");
}

/* cav__buf_json against a byte-at-a-time writer of the same rules, on random strings that put
 * quotes, backslashes, controls and UTF-8 (valid and not) at every offset of its 8-byte steps. */
static void naive_json(cav_buf *b, const unsigned char *u, size_t n) {
    cav__buf_put(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            cav__buf_put(b, e, 2);
            i++;
        } else if (c == '\n') {
            cav__buf_put(b, "\\n", 2), i++;
        } else if (c == '\t') {
            cav__buf_put(b, "\\t", 2), i++;
        } else if (c == '\r') {
            cav__buf_put(b, "\\r", 2), i++;
        } else if (c < 0x20) {
            char e[7];
            snprintf(e, sizeof e, "\\u%04x", c);
            cav__buf_put(b, e, 6), i++;
        } else if (c < 0x80) {
            cav__buf_put(b, (const char *)u + i, 1), i++;
        } else {
            /* one valid UTF-8 character as it is, else U+FFFD for the byte */
            size_t k = 0;
            for (size_t len = 2; len <= 4 && !k; len++)
                if (i + len <= n && cav__utf8_valid((const char *)u + i, len))
                    k = len;
            if (k)
                cav__buf_put(b, (const char *)u + i, k), i += k;
            else
                cav__buf_put(b, "\xef\xbf\xbd", 3), i++;
        }
    }
    cav__buf_put(b, "\"", 1);
}

static void test_json_escape(void) {
    static const char *const pieces[] = {"a",        "\"",           "\\",   "\n",   "\x01",
                                         "\xc3\xa9", "\xe2\x80\xa6", "\xff", "\xc3", "abcdefgh",
                                         " ",        "\x1f",         "\x7f"};
    unsigned seed = 1;
    int bad = 0;
    for (int t = 0; t < 20000; t++) {
        char in[96];
        size_t n = 0;
        while (n < 64) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            size_t k = strlen(pc);
            memcpy(in + n, pc, k);
            n += k;
        }
        cav_buf a = {0}, b = {0};
        cav__buf_json(&a, in, n);
        naive_json(&b, (const unsigned char *)in, n);
        bad += a.len != b.len || memcmp(a.data, b.data, a.len) != 0;
        cav_buf_free(&a);
        cav_buf_free(&b);
    }
    CHECK_EQ_INT(bad, 0);
}

/* cav__buf_printf's direct path (%s %d %ld %u %zu %c %%) writes what snprintf writes. */
static void test_printf(void) {
    cav_buf b = {0};
    char want[256];
    long big = -9223372036854775807L - 1;
    cav__buf_printf(&b, "a%sb%dc%ldd%ue%zuf%cg%%h%s", "xy", -42, big, 4000000000u, (size_t)7, 'Q',
                    "");
    snprintf(want, sizeof want, "a%sb%dc%ldd%ue%zuf%cg%%h%s", "xy", -42, big, 4000000000u,
             (size_t)7, 'Q', "");
    CHECK_EQ_STR(b.data, want);
    cav_buf_clear(&b);
    cav__buf_printf(&b, "%d|%d|%s", 0, 2147483647, "end");
    CHECK_EQ_STR(b.data, "0|2147483647|end");
    cav_buf_clear(&b);
    cav__buf_printf(&b, "%.2f and %5s", 1.5, "w"); /* the full path */
    CHECK_EQ_STR(b.data, "1.50 and     w");
    cav_buf_free(&b);
}

/* Issue 15, finding 1: diagnostics are sorted by file (in order of first appearance), line and
 * column in O(n log n) whatever the number of files, and a long source line is cut at 300 bytes
 * on a character boundary (finding 22). */
static void test_diags_sort(void) {
    cav_diags *d = cav_diags_new();
    enum { N = 20000 };
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "f%05d.cav", i % 2 ? N - i : i);
        cav__diag_add(d, CAV_SEV_ERROR, name, NULL, 10 - i % 10, 1, NULL, "e%d", i);
    }
    cav__diag_add(d, CAV_SEV_ERROR, "f00000.cav", NULL, 1, 1, NULL, "first file, line 1");
    cav__diags_sort(d, 0);
    CHECK_EQ_INT(cav_diags_count(d), N + 1);
    /* f00000.cav appeared first: its two diagnostics lead, line 1 before line 10 */
    CHECK_EQ_STR(cav_diags_get(d, 0)->message, "first file, line 1");
    CHECK_EQ_STR(cav_diags_get(d, 1)->message, "e0");
    /* then f20000.cav (second to appear) */
    CHECK_EQ_STR(cav_diags_get(d, 2)->file, "f19999.cav");
    int sorted = 1;
    for (size_t i = 2; i + 1 < cav_diags_count(d); i++) {
        const cav_diag *a = cav_diags_get(d, i), *b = cav_diags_get(d, i + 1);
        if (strcmp(a->file, b->file) == 0 && a->line > b->line)
            sorted = 0;
    }
    CHECK(sorted);
    cav_diags_free(d);

    d = cav_diags_new();
    char line[400];
    memset(line, 'x', sizeof line);
    memcpy(line + 299, "\xc3\xa9", 2); /* é across the 300-byte cut */
    line[sizeof line - 1] = '\0';
    cav__diag_add(d, CAV_SEV_ERROR, "g.cav", line, 1, 1, NULL, "long line");
    const char *shown = cav_diags_get(d, 0)->source_line;
    CHECK_EQ_INT(strlen(shown), 299);
    CHECK(cav__utf8_valid(shown, strlen(shown)));
    cav_diags_free(d);
}

static void add(cav_qerrors *e, const char *name, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cav__qerrors_vadd(e, 0, name, fmt, ap);
    va_end(ap);
}

/* Issue 15, finding 22: what is cut for a message ends on a character boundary. */
static void test_utf8_cuts(void) {
    CHECK_EQ_INT(cav__utf8_complete("ab\xc3", 3), 2);
    CHECK_EQ_INT(cav__utf8_complete("ab\xc3\xa9", 4), 4);
    CHECK_EQ_INT(cav__utf8_complete("a\xe2\x82", 3), 1);
    CHECK_EQ_INT(cav__utf8_complete("a\xe2\x82\xac", 4), 4);
    CHECK_EQ_INT(cav__utf8_complete("a\xf0\x9f\x98", 4), 1);
    CHECK_EQ_INT(cav__utf8_complete("", 0), 0);
    char out[128];
    char eacute[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(eacute, "\xc3\xa9");
    cav__quote_value(eacute + 1, strlen(eacute) - 1, out, sizeof out); /* starts mid-character */
    cav__quote_value(eacute, strlen(eacute), out, sizeof out);
    CHECK(cav__utf8_valid(out, strlen(out)));
    CHECK(strlen(out) == 60 + 3 && strcmp(out + 60, "...") == 0);
    /* a problem named by a long field name, with a long message: both cut on boundaries */
    cav_qerrors e = {0};
    char name[200] = "target.";
    strcat(name, eacute);
    add(&e, name, "unknown field '%s' %s %s %s %s %s", eacute, eacute, eacute, eacute, eacute,
        eacute);
    CHECK_EQ_INT(e.n, 1);
    CHECK(cav__utf8_valid(e.v[0].name, strlen(e.v[0].name)));
    CHECK(strlen(e.v[0].message) > 300);
    CHECK(cav__utf8_valid(e.v[0].message, strlen(e.v[0].message)));
}

/* Reads a small file whole into buf (NUL-terminated); its length, or -1. */
static long slurp(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return (long)n;
}

/* cav_outfile: complete or not at all, the target's mode kept, inputs and policy files refused,
 * an abort leaves the old contents and no temporary file behind. */
static void test_outfile(void) {
    char dir[] = "/tmp/caveat-outfile-XXXXXX", path[256], pol[256], cav[256], buf[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    snprintf(pol, sizeof pol, "%s/pack", dir);
    snprintf(cav, sizeof cav, "%s/pack/new.cav", dir);
    CHECK(mkdir(pol, 0700) == 0);
    cav_buf why = {0};
    CHECK_EQ_INT(cav_write_file(path, "one\n", 4, NULL, NULL, &why), 0);
    CHECK(slurp(path, buf, sizeof buf) == 4 && strcmp(buf, "one\n") == 0);
    CHECK(chmod(path, 0640) == 0);
    cav_outfile *o = NULL;
    CHECK_EQ_INT(cav_outfile_open(&o, path, NULL, NULL, &why), 0);
    CHECK(o != NULL && cav_outfile_fd(o) > 2);
    CHECK_EQ_INT(cav_outfile_write(o, "two, ", 5, &why), 0);
    /* mid-write, the target still holds the old text */
    CHECK(slurp(path, buf, sizeof buf) == 4 && strcmp(buf, "one\n") == 0);
    CHECK_EQ_INT(cav_outfile_write(o, "whole\n", 6, &why), 0);
    CHECK_EQ_INT(cav_outfile_commit(o, &why), 0);
    struct stat st;
    CHECK(slurp(path, buf, sizeof buf) == 11 && strcmp(buf, "two, whole\n") == 0);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    /* an abort: the old text stays, nothing else in the directory */
    CHECK_EQ_INT(cav_outfile_open(&o, path, NULL, NULL, &why), 0);
    CHECK_EQ_INT(cav_outfile_write(o, "lost", 4, &why), 0);
    cav_outfile_abort(o);
    CHECK(slurp(path, buf, sizeof buf) == 11);
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += e->d_name[0] != '.';
    if (d)
        closedir(d);
    CHECK_EQ_INT(entries, 2); /* out.txt and pack */
    /* refused, the target left as it was, with the reason */
    const char *inputs[] = {path, NULL}, *packs[] = {pol, NULL};
    CHECK_EQ_INT(cav_write_file(path, "x", 1, inputs, NULL, &why), CAV_EIO);
    CHECK(why.data && strstr(why.data, "input of this run"));
    CHECK_EQ_INT(cav_write_file(cav, "x", 1, NULL, packs, &why), CAV_EIO);
    CHECK(why.data && strstr(why.data, "policy file"));
    CHECK(slurp(cav, buf, sizeof buf) < 0);
    CHECK_EQ_INT(cav_write_file(pol, "x", 1, NULL, NULL, &why), CAV_EIO);
    CHECK(why.data && strstr(why.data, "directory"));
    CHECK(chmod(path, 0444) == 0);
    CHECK_EQ_INT(cav_write_file(path, "x", 1, NULL, NULL, &why), CAV_EIO);
    CHECK(why.data && strstr(why.data, "read-only"));
    CHECK(slurp(path, buf, sizeof buf) == 11);
    /* a device is written in place */
    CHECK_EQ_INT(cav_write_file("/dev/null", "x", 1, NULL, NULL, &why), 0);
    CHECK(cav_same_file(path, path) && !cav_same_file(path, pol) && !cav_same_file(NULL, path));
    cav_buf_free(&why);
    unlink(path);
    rmdir(pol);
    rmdir(dir);
}

int main(void) {
    test_printf();
    test_json_escape();
    test_dates();
    test_names();
    test_out();
    test_diags();
    test_diags_sort();
    test_utf8_cuts();
    test_outfile();
    return check_done();
}
