/* test_api.c — the public API of libcaveat: loading from memory, catalog look-ups, evaluation
 * with its argument checks, explanations, reference counting, and evaluation from several threads
 * at once on one pack (the results must equal the single-threaded ones). */
#include "caveat.h"
#include "check.h"

#include <pthread.h>
#include <stdlib.h>

static const char *policy =
    "party US\nclass rocket-artillery\nkind military\nkind forces in military\n"
    "purpose counterfire\nweapon gmlrs class rocket-artillery consent US alias [HIMARS]\n"
    "source s outlet \"o\" date 2024-01-01\n"
    "zone east = box(50 36, 51 38)\n"
    "permit p party US from 2024-05-30 source s says \"counterfire in the east\"\n"
    "  when purpose = counterfire and target in east\n";

static cav_pack *load(void) {
    const char *name = "t.cav";
    cav_pack *p = NULL;
    cav_diags *d = cav_diags_new();
    CHECK_EQ_INT(cav_pack_load_mem(&name, &policy, 1, d, &p), 0);
    CHECK_EQ_INT(cav_diags_count(d), 0);
    cav_diags_free(d);
    return p;
}

static cav_query query(const cav_pack *p, double lat, double lon, const char *date) {
    cav_query q = {0};
    cav_date_parse(date, &q.date);
    q.weapon = cav_pack_weapon(p, "himars");
    q.supplier = CAV_MISSING;
    q.kind = cav_pack_kind(p, "forces");
    q.purpose = cav_pack_purpose(p, "counterfire");
    q.target_lat = lat;
    q.target_lon = lon;
    return q;
}

static void test_basic(void) {
    cav_pack *p = load();
    if (!p)
        return;
    CHECK_EQ_INT(cav_pack_weapon(p, "GMLRS"), 0);
    CHECK_EQ_INT(cav_pack_weapon(p, "nope"), -1);
    CHECK_EQ_STR(cav_pack_party_name(p, cav_pack_party(p, "us")), "US");
    CHECK_EQ_INT(cav_pack_rule_count(p), 1);
    cav_decision d;
    cav_query q = query(p, 50.5, 37, "2024-06-10");
    CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
    CHECK_EQ_INT(d.verdict, CAV_PERMITTED);
    CHECK_EQ_INT(d.nparties, 1);
    CHECK_EQ_STR(cav_pack_rule_name(p, d.parties[0].rules[0]), "p");
    char buf[256];
    size_t n = cav_explain(p, &q, &d, 0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "US permits counterfire in the east (p, since 2024-05-30).");
    CHECK_EQ_INT(n, strlen(buf));
    char tiny[10];
    CHECK(cav_explain(p, &q, &d, 0, tiny, sizeof tiny) == n); /* truncated, length still told */
    q = query(p, 50.5, 39, "2024-06-10");
    cav_eval(p, &q, &d);
    CHECK_EQ_INT(d.verdict, CAV_PROHIBITED);
    CHECK_EQ_INT(d.parties[0].basis, CAV_BASIS_DEFAULT);
    q = query(p, 50.5, 37, "2024-05-29");
    cav_eval(p, &q, &d);
    CHECK_EQ_INT(d.verdict, CAV_UNKNOWN);
    /* ids the pack does not have are refused, not evaluated */
    q = query(p, 50.5, 37, "2024-06-10");
    q.weapon = 7;
    CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
    q = query(p, 50.5, 37, "2024-06-10");
    q.state = 5;
    CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
    /* NaN coordinates are in no zone: default deny, never a crash */
    q = query(p, 0.0 / 0.0, 37, "2024-06-10");
    CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
    CHECK_EQ_INT(d.verdict, CAV_PROHIBITED);
    /* reference counting: retain then two releases free it */
    CHECK(cav_pack_retain(p) == p);
    cav_pack_release(p);
    cav_pack_release(p);
    cav_pack_release(NULL);
}

static void test_bad_policy(void) {
    const char *names[2] = {"a.cav", "b.cav"};
    const char *texts[2] = {"party US\n", "permit r party XX from 2024-01-01 source s\n"};
    cav_pack *p = (cav_pack *)1;
    cav_diags *d = cav_diags_new();
    CHECK_EQ_INT(cav_pack_load_mem(names, texts, 2, d, &p), CAV_EPOLICY);
    CHECK(p == NULL);
    CHECK_EQ_INT(cav_diags_errors(d), 2); /* unknown party and unknown source, both reported */
    cav_diags_free(d);
    const char *missing = "/nonexistent/dir/x.cav";
    d = cav_diags_new();
    CHECK_EQ_INT(cav_pack_load(&missing, 1, d, &p), CAV_EPOLICY);
    CHECK_EQ_INT(cav_diags_errors(d), 1);
    cav_diags_free(d);
}

typedef struct job {
    const cav_pack *p;
    int n;
    int permitted;
} job;

static void *worker(void *arg) {
    job *j = arg;
    unsigned seed = 42;
    for (int i = 0; i < j->n; i++) {
        seed = seed * 1103515245u + 12345u;
        double lat = 49.5 + (seed >> 16) % 2000 / 1000.0;
        seed = seed * 1103515245u + 12345u;
        double lon = 35 + (seed >> 16) % 4000 / 1000.0;
        cav_query q = query(j->p, lat, lon, "2024-06-10");
        cav_decision d;
        if (cav_eval(j->p, &q, &d) == 0 && d.verdict == CAV_PERMITTED)
            j->permitted++;
    }
    return NULL;
}

static void test_threads(void) {
    cav_pack *p = load();
    if (!p)
        return;
    job one = {p, 100000, 0};
    worker(&one);
    job jobs[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){p, 100000, 0};
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(jobs[i].permitted, one.permitted);
    }
    CHECK(one.permitted > 0 && one.permitted < 100000);
    cav_pack_release(p);
}

static void test_default_pack(void) {
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_default(NULL, &p), 0);
    if (!p)
        return;
    char id[64], field[64], msg[256];
    cav_query q;
    const char *json = "{\"id\": \"q1\", \"date\": \"2024-06-10\", \"weapon\": \"gmlrs\", "
                       "\"supplier\": \"US\", \"target\": {\"lat\": 50.60, \"lon\": 36.59, "
                       "\"kind\": \"forces\", \"state\": \"ground\"}, \"launch\": {\"lat\": 50.0, "
                       "\"lon\": 36.2}, \"purpose\": \"counterfire\"}";
    CHECK_EQ_INT(cav_query_parse_json(p, json, strlen(json), &q, id, sizeof id, field, sizeof field,
                                      msg, sizeof msg),
                 0);
    cav_decision d;
    cav_eval(p, &q, &d);
    char out[1024];
    cav_decision_json(p, &q, &d, id, 0, out, sizeof out);
    /* the DESIGN.md example, verbatim */
    CHECK_EQ_STR(out, "{\"id\": \"q1\", \"decision\": \"permitted\", \"parties\": [{\"party\": "
                      "\"US\", \"decision\": \"permitted\", \"rule\": \"us-kharkiv-counterfire\", "
                      "\"since\": \"2024-05-30\", \"sources\": [\"cnn-2024-05-30\"]}], "
                      "\"explanation\": \"US permits counterfire across the border near Kharkiv "
                      "(us-kharkiv-counterfire, since 2024-05-30).\"}");
    cav_pack_release(p);
}

int main(void) {
    test_basic();
    test_bad_policy();
    test_threads();
    test_default_pack();
    return check_done();
}
