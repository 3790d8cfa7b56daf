/* fuzz_policy.c — libFuzzer target: any bytes as a policy file through the lexer, parser, checker
 * and compiler, then `caveat fmt`'s printer. Must never crash, leak or hang. */
#include "caveat.h"
#include "core/diag.h"
#include "lang/ast.h"
#include "lang/fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *name = "fuzz.cav";
    const char *texts[1] = {text};
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    if (cav_pack_load_mem(&name, texts, 1, d, &p) == 0)
        cav_pack_release(p);
    cav_buf buf = {0};
    for (size_t i = 0; i < cav_diags_count(d); i++)
        cav_diag_format(d, i, &buf);
    cav_diags_write(d, 1, CAV_FMT_SARIF, &buf);
    cav_diags_free(d);
    /* the printer on whatever parsed, and its output parses again */
    cav_buf_clear(&buf);
    if (cav_fmt(name, text, NULL, &buf) == 0) {
        cav_buf again = {0};
        if (cav_fmt(name, buf.data ? buf.data : "", NULL, &again) != 0 ||
            strcmp(again.data ? again.data : "", buf.data ? buf.data : "") != 0) {
            fprintf(stderr, "fmt is not idempotent on:\n%s\n", text);
            abort();
        }
        cav_buf_free(&again);
    }
    cav_buf_free(&buf);
    free(text);
    return 0;
}
