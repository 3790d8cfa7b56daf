/* test_core.c — unit tests of src/core: dates, names, hints, bounded output, diagnostics. */
#include "caveat.h"
#include "check.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/util.h"

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
    /* every day of 1900..2999 survives a round trip */
    char buf[11];
    int32_t lo, hi;
    cav_date_parse("1900-01-01", &lo);
    cav_date_parse("2999-12-31", &hi);
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
    cav__diag_add(d, CAV_SEV_ERROR, "f.cav", "line one\nparty XX1\n", 2, 7, "a hint", "bad %s",
                  "code");
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

int main(void) {
    test_printf();
    test_json_escape();
    test_dates();
    test_names();
    test_out();
    test_diags();
    return check_done();
}
