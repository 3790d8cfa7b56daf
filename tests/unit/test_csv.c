/* test_csv.c — unit tests of src/core/csv.c: row splitting, fields, quoting, and that the splitter
 * and the row reader agree on every cut of a buffer, malformed quoting included. */
#include "check.h"
#include "core/csv.h"

#include <stdlib.h>

/* The fields of the row at s as "a|b|c" (values unquoted) into out. */
static size_t row_text(const char *s, size_t len, char *out, cav_csv_row *row) {
    cav_csv_span f[16];
    size_t used = cav__csv_row(s, len, f, 16, row);
    size_t k = 0;
    for (size_t i = 0; i < row->nfields && i < 16; i++) {
        if (i)
            out[k++] = '|';
        k += cav__csv_unquote(&f[i], out + k, 256);
    }
    out[k] = '\0';
    return used;
}

static void test_rows(void) {
    char out[1024];
    cav_csv_row row;
    const char *s = "a,b,c\n1,\"x,y\",3\r\n\"multi\nline\",\"q\"\"uote\",\n,\nlast";
    size_t len = strlen(s), pos = 0;
    pos += row_text(s + pos, len - pos, out, &row);
    CHECK_EQ_STR(out, "a|b|c");
    CHECK_EQ_INT(row.nfields, 3);
    CHECK_EQ_INT(row.text_len, 5);
    pos += row_text(s + pos, len - pos, out, &row);
    CHECK_EQ_STR(out, "1|x,y|3");
    CHECK_EQ_INT(row.text_len, 9); /* \r\n is the line ending */
    pos += row_text(s + pos, len - pos, out, &row);
    CHECK_EQ_STR(out, "multi\nline|q\"uote|");
    CHECK_EQ_INT(row.nfields, 3);
    pos += row_text(s + pos, len - pos, out, &row);
    CHECK_EQ_STR(out, "|");
    CHECK_EQ_INT(row.nfields, 2);
    pos += row_text(s + pos, len - pos, out, &row); /* no newline at the end of the data */
    CHECK_EQ_STR(out, "last");
    CHECK_EQ_INT(pos, len);
    CHECK_EQ_INT(row.unterminated, 0);

    /* an empty line is one empty field; an unterminated quote runs to the end */
    row_text("\n", 1, out, &row);
    CHECK_EQ_INT(row.nfields, 1);
    CHECK_EQ_INT(row.text_len, 0);
    CHECK_EQ_INT(row.size, 1);
    const char *open = "a,\"b\nc,d\n";
    row_text(open, strlen(open), out, &row);
    CHECK_EQ_INT(row.unterminated, 1);
    CHECK_EQ_INT(row.size, strlen(open));

    /* fields beyond the capacity are counted, not stored */
    cav_csv_span f[2];
    cav__csv_row("1,2,3,4\n", 8, f, 2, &row);
    CHECK_EQ_INT(row.nfields, 4);
    CHECK_EQ_INT(f[1].len, 1);
    CHECK(f[1].p[0] == '2');
}

static void test_complete(void) {
    CHECK_EQ_INT(cav__csv_complete("a,b\nc,d", 7), 4);
    CHECK_EQ_INT(cav__csv_complete("a,b", 3), 0);
    CHECK_EQ_INT(cav__csv_complete("a,\"b\nc\"\nd", 9), 8); /* the quoted newline is no end */
    CHECK_EQ_INT(cav__csv_complete("a,\"b\nc", 6), 0);
    CHECK_EQ_INT(cav__csv_complete("x\n\"\"\"\n\"\n", 8), 8); /* "" inside quotes */
    CHECK_EQ_INT(cav__csv_complete("", 0), 0);
}

/* Random buffers of , " \n \r and letters: for every prefix, the rows read one by one from the
 * start end exactly at the cut cav__csv_complete() reports. */
static void test_agreement(void) {
    static const char alphabet[] = ",\"\n\rab";
    unsigned seed = 12345;
    int bad = 0;
    for (int round = 0; round < 2000; round++) {
        char buf[64];
        size_t len = 1 + (size_t)(round % 60);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % 6];
        }
        size_t cut = cav__csv_complete(buf, len);
        size_t pos = 0, last_end = 0;
        cav_csv_span f[64];
        cav_csv_row row;
        while (pos < len) {
            pos += cav__csv_row(buf + pos, len - pos, f, 64, &row);
            if (pos <= len && buf[pos - 1] == '\n' && !row.unterminated)
                last_end = pos;
        }
        bad += last_end != cut;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_quote(void) {
    char out[64];
    size_t n = cav__csv_put(out, "plain", 5);
    out[n] = '\0';
    CHECK_EQ_STR(out, "plain");
    n = cav__csv_put(out, "a,\"b\"\n", 6);
    out[n] = '\0';
    CHECK_EQ_STR(out, "\"a,\"\"b\"\"\n\"");
    CHECK(!cav__csv_needs_quotes("a b", 3));
    CHECK(cav__csv_needs_quotes("a\rb", 3));
    /* round trip through the reader */
    cav_csv_span f[1];
    cav_csv_row row;
    cav__csv_row(out, n, f, 1, &row);
    char back[64];
    size_t k = cav__csv_unquote(&f[0], back, sizeof back);
    back[k] = '\0';
    CHECK_EQ_STR(back, "a,\"b\"\n");
}

int main(void) {
    test_rows();
    test_complete();
    test_agreement();
    test_quote();
    return check_done();
}
