/* fuzz_query.c — libFuzzer target: any bytes as a stream of JSON queries (NDJSON, pretty-printed,
 * an array), split as `caveat check` splits them, each bound, evaluated and written as JSON, text
 * and explanation against the default pack. Every document is answered: a decision or errors.
 * Must never crash, leak or hang. */
#include "caveat.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cav_pack *pack;
    if (!pack && cav_pack_load_default(NULL, &pack) != 0)
        abort();
    const char *s = (const char *)data;
    cav_split sp;
    cav_split_init(&sp);
    cav_buf out = {0}, id = {0};
    size_t pos = 0;
    for (int guard = 0; guard <= (int)size + 1; guard++) {
        cav_doc doc;
        size_t used = cav_split_next(&sp, s + pos, size - pos, 1, &doc);
        if (used > size - pos)
            abort();
        pos += used;
        if (doc.kind == CAV_DOC_END)
            break;
        if (used == 0 && doc.kind != CAV_DOC_ERROR)
            abort(); /* a document that consumed nothing would loop */
        if (doc.kind != CAV_DOC_QUERY)
            continue;
        cav_query q;
        cav_qerrors e;
        cav_buf_clear(&id);
        if (cav_query_parse_json(pack, doc.text, doc.len, NULL, &q, &id, &e) != 0) {
            if (e.n == 0)
                abort(); /* a refused query names its problem */
            cav_qerrors_json(&e, id.data, doc.line, &out);
            continue;
        }
        cav_decision d;
        if (cav_eval(pack, &q, &d) != 0)
            abort(); /* a bound query always evaluates */
        cav_buf_clear(&out);
        if (cav_decision_json(pack, &q, &d, id.data, CAV_EXPLAIN, &out) != 0 ||
            cav_decision_text(pack, &q, &d, CAV_EXPLAIN, &out) != 0)
            abort();
    }
    cav_buf_free(&out);
    cav_buf_free(&id);
    return 0;
}
