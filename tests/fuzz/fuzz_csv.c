/* fuzz_csv.c — libFuzzer target for the CSV reader of `caveat audit`: any bytes are split into
 * rows and fields, every field is unquoted, and every value must survive a round trip through
 * the writer (quote, read back: one field, the same bytes), or the target aborts. */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    /* the first byte picks the delimiter */
    static const char delims[] = {',', ';', '\t'};
    char delim = size ? delims[data[0] % 3] : ',';
    size_t complete = cav__csv_cut(s, size, delim, 0);
    if (complete > size || cav__csv_cut(s, size, delim, 1) != size)
        abort();
    char *value = malloc(size + 1), *quoted = malloc(2 * size + 3);
    if (!value || !quoted)
        goto cleanup;
    size_t pos = 0;
    while (pos < size) {
        cav_csv_span fields[64];
        cav_csv_row row;
        size_t used = cav__csv_row(s + pos, size - pos, delim, fields, 64, &row);
        if (used == 0 || used > size - pos || row.text_len > row.size)
            abort();
        size_t n = row.nfields < 64 ? row.nfields : 64;
        for (size_t i = 0; i < n; i++) {
            if (fields[i].p < s + pos || fields[i].p + fields[i].len > s + pos + used)
                abort();
            size_t len = cav__csv_unquote(&fields[i], value, size + 1);
            if (len > fields[i].len)
                abort();
            size_t qlen = cav__csv_put(quoted, value, len, delim);
            quoted[qlen] = '\n';
            cav_csv_span back[2];
            cav_csv_row brow;
            cav__csv_row(quoted, qlen + 1, delim, back, 2, &brow);
            char *again = malloc(len + 1);
            if (!again)
                break;
            size_t alen = cav__csv_unquote(&back[0], again, len + 1);
            if (brow.nfields != 1 || alen != len || memcmp(again, value, len) != 0)
                abort();
            free(again);
        }
        pos += used;
    }
cleanup:
    free(value);
    free(quoted);
    return 0;
}
