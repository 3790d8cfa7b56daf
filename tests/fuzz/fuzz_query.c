/* fuzz_query.c — libFuzzer target: any bytes as one JSON query against the default pack, then
 * evaluation, the explanation and the JSON decision. Must never crash, leak or hang. */
#include "caveat.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cav_pack *pack;
    if (!pack && cav_pack_load_default(NULL, &pack) != 0)
        abort();
    cav_query q;
    char id[128], field[64], msg[512], out[8192];
    if (cav_query_parse_json(pack, (const char *)data, size, &q, id, sizeof id, field, sizeof field,
                             msg, sizeof msg) != 0)
        return 0;
    cav_decision d;
    if (cav_eval(pack, &q, &d) != 0)
        abort(); /* a parsed query must always evaluate */
    cav_decision_json(pack, &q, &d, id, CAV_EXPLAIN_NEAREST, out, sizeof out);
    return 0;
}
