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
    char buf[4096];
    for (size_t i = 0; i < cav_diags_count(d); i++)
        cav_diag_format(d, i, buf, sizeof buf);
    cav_diags_free(d);
    /* the printer on whatever parsed */
    cav_parse ps = {0};
    cav_diags *d2 = cav_diags_new();
    if (cav__parse_file(&ps, name, text, d2) == 0) {
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            cav__fmt_file(&ps, 0, null);
            fclose(null);
        }
    }
    cav__parse_free(&ps);
    cav_diags_free(d2);
    free(text);
    return 0;
}
