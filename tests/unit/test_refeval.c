/* test_refeval.c — differential test: the compiled evaluator against the reference evaluator of
 * tests/fuzz/refeval.c on random small packs and random queries (deterministic seeds; the fuzz
 * target fuzz_diff explores further). Any difference fails with the pack and the query. */
#include "check.h"
#include "lang/pack.h"
#include "refeval.h"

#include <stdlib.h>

int main(void) {
    int packs = getenv("CAV_DIFF_PACKS") ? atoi(getenv("CAV_DIFF_PACKS")) : 400;
    uint8_t bytes[4096];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int compared = 0, differences = 0, skipped = 0;
    for (int k = 0; k < packs && differences < 5; k++) {
        for (size_t i = 0; i < sizeof bytes; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes[i] = (uint8_t)x;
        }
        ref_bytes b = {bytes, sizeof bytes, 0};
        char text[16384];
        ref_make_pack(&b, text, sizeof text);
        const char *name = "random.cav", *texts[1] = {text};
        cav_pack *p = NULL;
        cav_diags *d = cav_diags_new();
        int rc = cav_pack_load_mem(&name, texts, 1, d, &p);
        CHECK_EQ_INT(cav_diags_errors(d), 0); /* the generator writes valid packs */
        cav_diags_free(d);
        if (rc != 0)
            continue;
        cav_parse ps = {0};
        cav_diags *d2 = cav_diags_new();
        cav__parse_file(&ps, name, text, d2);
        for (int i = 0; i < 200; i++) {
            cav_query q;
            ref_make_query(&b, p, &q);
            char msg[256];
            int cmp = ref_compare(&ps, p, &q, msg, sizeof msg);
            if (cmp < 0) {
                skipped++;
                continue;
            }
            compared++;
            if (cmp != 0) {
                differences++;
                fprintf(stderr,
                        "difference: %s\npack:\n%s\nquery: date %d weapon %d supplier %d "
                        "target %g %g r %g kind %d state %d role %d purpose %d launch %d %g %g "
                        "r %g\n",
                        msg, text, q.date, q.weapon, q.supplier, q.target_lat, q.target_lon,
                        q.target_uncertainty_m, q.kind, q.state, q.role, q.purpose, q.has_launch,
                        q.launch_lat, q.launch_lon, q.launch_uncertainty_m);
                break;
            }
        }
        cav__parse_free(&ps);
        cav_diags_free(d2);
        cav_pack_release(p);
    }
    CHECK_EQ_INT(differences, 0);
    CHECK(compared >= packs * 100);
    CHECK(skipped * 20 < compared); /* too close to call: rare, or the test proves little */
    printf("compared %d queries on %d random packs (%d too close to call)\n", compared, packs,
           skipped);
    return check_done();
}
