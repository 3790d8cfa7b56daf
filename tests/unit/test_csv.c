/* test_csv.c — unit tests of src/core/csv.c: rows and fields, every line ending, delimiters,
 * quotes as common readers take them (a quote inside a field is a character; an unbalanced quote
 * ends its row at its line end), line counts, quoting for output, delimiter detection, and that
 * the splitter and the row reader agree on every cut of random buffers, malformed quoting
 * included. */
#include "check.h"
#include "core/csv.h"

#include <stdlib.h>

/* The fields of the row at s as "a|b|c" (values unquoted) into out. */
static size_t row_text(const char *s, size_t len, char delim, char *out, cav_csv_row *row) {
    cav_csv_span f[16];
    size_t used = cav__csv_row(s, len, delim, f, 16, row);
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
    const char *s = "a,b,c\n1,\"x,y\",3\r\n\"multi\nline\",\"q\"\"uote\",\n,\rlast";
    size_t len = strlen(s), pos = 0;
    pos += row_text(s + pos, len - pos, ',', out, &row);
    CHECK_EQ_STR(out, "a|b|c");
    CHECK_EQ_INT(row.nfields, 3);
    CHECK_EQ_INT(row.text_len, 5);
    CHECK_EQ_INT(row.lines, 1);
    pos += row_text(s + pos, len - pos, ',', out, &row);
    CHECK_EQ_STR(out, "1|x,y|3");
    CHECK_EQ_INT(row.text_len, 9); /* \r\n is the line ending */
    CHECK_EQ_INT(row.size, 11);
    pos += row_text(s + pos, len - pos, ',', out, &row);
    CHECK_EQ_STR(out, "multi\nline|q\"uote|");
    CHECK_EQ_INT(row.lines, 2); /* a quoted line break is a line of the file */
    CHECK(row.has_quote);
    pos += row_text(s + pos, len - pos, ',', out, &row); /* a lone \r ends a row */
    CHECK_EQ_STR(out, "|");
    CHECK_EQ_INT(row.size, 2);
    pos += row_text(s + pos, len - pos, ',', out, &row); /* no line end at the end of the data */
    CHECK_EQ_STR(out, "last");
    CHECK_EQ_INT(pos, len);
    CHECK_EQ_INT(row.unterminated, 0);
    CHECK_EQ_INT(row.lines, 0);

    /* other delimiters; the comma is then data */
    row_text("a;b,c;\"d;e\"\n", 12, ';', out, &row);
    CHECK_EQ_STR(out, "a|b,c|d;e");
    row_text("a\tb c\n", 6, '\t', out, &row);
    CHECK_EQ_STR(out, "a|b c");

    /* a quote inside an unquoted field is a character (finding 3) */
    row_text("r3,He said \"hi,x\nr4\n", 20, ',', out, &row);
    CHECK_EQ_STR(out, "r3|He said \"hi|x");
    CHECK_EQ_INT(row.size, 17);
    /* text after a closing quote is kept, as common readers keep it */
    row_text("\"ab\"cd,e\n", 9, ',', out, &row);
    CHECK_EQ_STR(out, "abcd|e");

    /* an unbalanced quote ends its row at its first line end, and only that row */
    const char *open = "a,\"b\nc,d\n";
    row_text(open, strlen(open), ',', out, &row);
    CHECK_EQ_INT(row.unterminated, 1);
    CHECK_EQ_INT(row.size, 5);
    CHECK_EQ_STR(out, "a|b");
    /* closed across lines but followed by text: unbalanced too */
    const char *late = "a,\"b\nc,\"d\"\n";
    row_text(late, strlen(late), ',', out, &row);
    CHECK_EQ_INT(row.unterminated, 1);
    CHECK_EQ_INT(row.size, 5);

    /* an empty line is one empty field */
    row_text("\n", 1, ',', out, &row);
    CHECK_EQ_INT(row.nfields, 1);
    CHECK_EQ_INT(row.text_len, 0);
    CHECK_EQ_INT(row.size, 1);

    /* fields beyond the capacity are counted, not stored */
    cav_csv_span f[2];
    cav__csv_row("1,2,3,4\n", 8, ',', f, 2, &row);
    CHECK_EQ_INT(row.nfields, 4);
    CHECK_EQ_INT(f[1].len, 1);
    CHECK(f[1].p[0] == '2');
}

static void test_cut(void) {
    CHECK_EQ_INT(cav__csv_cut("a,b\nc,d", 7, ',', 0), 4);
    CHECK_EQ_INT(cav__csv_cut("a,b\nc,d", 7, ',', 1), 7);
    CHECK_EQ_INT(cav__csv_cut("a,b", 3, ',', 0), 0);
    CHECK_EQ_INT(cav__csv_cut("a,\"b\nc\"\nd", 9, ',', 0), 8); /* the quoted newline is no end */
    CHECK_EQ_INT(cav__csv_cut("a,\"b\nc", 6, ',', 0), 0);      /* might still close */
    CHECK_EQ_INT(cav__csv_cut("a,\"b\nc\nd\n", 9, ',', 1), 9); /* never closes: rows go on */
    CHECK_EQ_INT(cav__csv_cut("a\rb\r", 4, ',', 0), 2);        /* a \n may follow the last \r */
    CHECK_EQ_INT(cav__csv_cut("a\rb\r", 4, ',', 1), 4);
    CHECK_EQ_INT(cav__csv_cut("x,y\"z\nq", 7, ',', 0), 6); /* a quote inside a field */
    CHECK_EQ_INT(cav__csv_cut("", 0, ',', 0), 0);
}

static void test_lines(void) {
    CHECK_EQ_INT(cav__csv_lines("a\nb\r\nc\rd", 8), 3);
    CHECK_EQ_INT(cav__csv_lines("\r", 1), 1);
    /* long enough for the 16-byte blocks, with a \r\n across a block edge */
    char buf[100];
    memset(buf, 'x', sizeof buf);
    buf[15] = '\r';
    buf[16] = '\n';
    buf[40] = '\r';
    buf[70] = '\n';
    CHECK_EQ_INT(cav__csv_lines(buf, sizeof buf), 3);
}

/* Random buffers of , ; " \n \r and letters: the rows read one by one from the start end exactly
 * at the cut cav__csv_cut() reports, for every length, with and without eof. */
static void test_agreement(void) {
    static const char alphabet[] = ",\"\n\rab;";
    unsigned seed = 12345;
    int bad = 0;
    for (int round = 0; round < 20000; round++) {
        char buf[64];
        size_t len = 1 + (size_t)(round % 60);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % 7];
        }
        char delim = round % 3 == 0 ? ';' : ',';
        size_t cut = cav__csv_cut(buf, len, delim, 1);
        bad += cut != len;
        /* with eof: every row boundary the reader finds, the splitter finds */
        size_t cut0 = cav__csv_cut(buf, len, delim, 0), pos = 0, seen = 0;
        cav_csv_span f[64];
        cav_csv_row row;
        while (pos < cut0) {
            pos += cav__csv_row(buf + pos, cut0 - pos, delim, f, 64, &row);
            seen = pos;
        }
        bad += seen != cut0;
        /* the rows of the whole buffer, read at once, include that cut */
        pos = 0;
        int met = cut0 == 0;
        while (pos < len) {
            pos += cav__csv_row(buf + pos, len - pos, delim, f, 64, &row);
            met |= pos == cut0;
        }
        bad += !met;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_quote(void) {
    char out[64];
    size_t n = cav__csv_put(out, "plain", 5, ',');
    out[n] = '\0';
    CHECK_EQ_STR(out, "plain");
    n = cav__csv_put(out, "a,\"b\"\n", 6, ',');
    out[n] = '\0';
    CHECK_EQ_STR(out, "\"a,\"\"b\"\"\n\"");
    CHECK(!cav__csv_needs_quotes("a b", 3, ','));
    CHECK(cav__csv_needs_quotes("a\rb", 3, ','));
    CHECK(cav__csv_needs_quotes("a;b", 3, ';'));
    CHECK(!cav__csv_needs_quotes("a;b", 3, ','));
    /* round trip through the reader */
    cav_csv_span f[1];
    cav_csv_row row;
    cav__csv_row(out, n, ',', f, 1, &row);
    char back[64];
    size_t k = cav__csv_unquote(&f[0], back, sizeof back);
    back[k] = '\0';
    CHECK_EQ_STR(back, "a,\"b\"\n");
}

static void test_detect(void) {
    CHECK(cav__csv_detect("a,b,c\n", 6) == ',');
    CHECK(cav__csv_detect("a;b;c\n", 6) == ';');
    CHECK(cav__csv_detect("a\tb\tc", 5) == '\t');
    CHECK(cav__csv_detect("\"a;b\",c\n", 8) == ','); /* inside quotes it does not count */
    CHECK(cav__csv_detect("abc", 3) == ',');
    CHECK(cav__csv_detect("a;b\nc,d,e,f", 11) == ';'); /* the first line only */
}

int main(void) {
    test_rows();
    test_cut();
    test_lines();
    test_agreement();
    test_quote();
    test_detect();
    return check_done();
}
