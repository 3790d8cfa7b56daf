/* fuzz_diff.c — libFuzzer differential target: the bytes choose a small random pack and queries;
 * the compiled evaluator must agree with the reference evaluator (tests/fuzz/refeval.c) on every
 * query, or the target aborts with both answers. */
#include "lang/pack.h"
#include "refeval.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ref_bytes b = {data, size, 0};
    char text[16384];
    ref_make_pack(&b, text, sizeof text);
    const char *name = "random.cav", *texts[1] = {text};
    cav_pack *p = NULL;
    cav_diags *d = cav_diags_new();
    if (cav_pack_load_mem(&name, texts, 1, d, &p) != 0) {
        fprintf(stderr, "generated pack rejected:\n%s\n", text);
        abort();
    }
    cav_diags_free(d);
    cav_parse ps = {0};
    cav_diags *d2 = cav_diags_new();
    cav__parse_file(&ps, name, text, d2);
    for (int i = 0; i < 16; i++) {
        cav_query q;
        ref_make_query(&b, p, &q);
        char msg[256];
        if (ref_compare(&ps, p, &q, msg, sizeof msg) > 0) {
            fprintf(stderr, "difference: %s\npack:\n%s\n", msg, text);
            abort();
        }
    }
    cav__parse_free(&ps);
    cav_diags_free(d2);
    cav_pack_release(p);
    return 0;
}
