/* first.c — the smallest program: load the default pack, print its identity, decide one use.
 *
 * Build against an installed libcaveat (docs/library.md, "Building a program"):
 *   cc first.c $(pkg-config --cflags --libs caveat) -o first
 */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    cav_pack *pack = NULL;
    int rc = cav_pack_load_default(NULL, &pack);
    if (rc != 0) {
        fprintf(stderr, "cannot load the default pack: %s\n", cav_strerror(rc));
        return 1;
    }
    printf("libcaveat %s, pack %s, time zone %s\n", cav_version(), cav_pack_id(pack),
           cav_pack_timezone(pack));

    /* US rockets fired back at a Russian battery across the border from Kharkiv */
    cav_query q;
    cav_qerrors errors;
    cav_query_init(&q, &errors);
    cav_query_set_date(&q, pack, "2024-06-10", &errors);
    cav_query_set_weapon(&q, pack, "HIMARS", &errors);
    cav_query_set_target(&q, pack, 50.60, 36.59, &errors);
    cav_query_set_kind(&q, pack, "artillery", &errors);
    cav_query_set_role(&q, pack, "attacking", &errors);
    cav_query_set_purpose(&q, pack, "counterfire", &errors);
    int ok = cav_query_finish(&q, pack, &errors) == 0;

    cav_decision d;
    ok = ok && cav_eval(pack, &q, &d) == 0;
    cav_buf text = {0};
    ok = ok && cav_decision_text(pack, &q, &d, 0, &text) == 0;
    if (ok)
        printf("%s\n", text.data);

    /* what this program relies on: the default pack's name, and the decision */
    ok = ok && strncmp(cav_pack_id(pack), "default@", 8) == 0 && d.verdict == CAV_PERMITTED;
    cav_buf_free(&text);
    cav_pack_release(pack);
    return ok ? 0 : 1;
}
