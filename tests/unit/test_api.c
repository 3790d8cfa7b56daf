/* test_api.c — the public API of libcaveat: loading, identity, catalogs and rule metadata, the
 * query setters and their errors, evaluation (the six steps, validity, its argument checks),
 * writers, batches, and evaluation from several threads at once on one pack (the results must
 * equal the single-threaded ones). Only caveat.h is used. */
#include "caveat.h"
#include "check.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

static const char *policy =
    "pack tiny \"a test pack\" timezone \"Europe/Kyiv\"\n"
    "party US \"United States\"\nparty GB \"United Kingdom\" alias [UK]\nparty NL\n"
    "class rocket-artillery\nclass aircraft\nkind military\nkind forces in military\n"
    "purpose counterfire\npurpose strike\n"
    "weapon gmlrs class rocket-artillery consent US alias [HIMARS]\n"
    "weapon storm-shadow \"Storm Shadow\" class rocket-artillery consent GB\n"
    "weapon f-16 class aircraft suppliers [NL]\n"
    "source s outlet \"o\" date 2024-01-01 url \"https://example.org/s\"\n"
    "zone east = box(50 36, 51 38) assumption \"a box for the test\"\n"
    "permit p party US from 2024-05-30 until 2024-07-01 source s says \"counterfire in the east\"\n"
    "  quote \"the quoted sentence\"\n"
    "  when purpose = counterfire and target in east\n"
    "forbid ban party US from 2024-01-01 source s says \"the standing ban\" unless p\n"
    "  when target not in UA\n"
    "permit gb party GB from 2024-01-01 source s paraphrase \"a summary\" disputed \"reports "
    "differ\"\n"
    "permit nl party NL from 2024-01-01 source s when weapon = f-16\n";

static cav_pack *load(void) {
    const char *name = "t.cav";
    cav_pack *p = NULL;
    cav_diags *d = cav_diags_new();
    CHECK_EQ_INT(cav_pack_load_mem(&name, &policy, 1, d, &p), 0);
    for (size_t i = 0; i < cav_diags_count(d); i++) {
        cav_buf b = {0};
        cav_diag_format(d, i, &b);
        fputs(b.data, stderr);
        cav_buf_free(&b);
    }
    CHECK_EQ_INT(cav_diags_count(d), 0);
    cav_diags_free(d);
    return p;
}

/* A query bound through the setters. */
static int bind(const cav_pack *p, cav_query *q, const char *weapon, double lat, double lon,
                const char *purpose, const char *date) {
    cav_qerrors e;
    cav_query_init(q, &e);
    cav_query_set_weapon(q, p, weapon, &e);
    cav_query_set_kind(q, p, "forces", &e);
    if (purpose)
        cav_query_set_purpose(q, p, purpose, &e);
    cav_query_set_target(q, p, lat, lon, &e);
    cav_query_set_date(q, p, date, &e);
    return cav_query_finish(q, p, &e);
}

static void test_pack(void) {
    cav_pack *p = load();
    if (!p)
        return;
    CHECK_EQ_STR(cav_pack_name(p), "tiny");
    CHECK_EQ_STR(cav_pack_timezone(p), "Europe/Kyiv");
    CHECK(strlen(cav_pack_hash(p)) == 64);
    CHECK(strncmp(cav_pack_id(p), "tiny@", 5) == 0 && strlen(cav_pack_id(p)) == 17);
    CHECK(strncmp(cav_pack_id(p) + 5, cav_pack_hash(p), 12) == 0);
    /* the same text gives the same id; a changed rule another */
    cav_pack *again = load();
    CHECK_EQ_STR(cav_pack_id(again), cav_pack_id(p));
    cav_pack_release(again);
    char *changed = strdup(policy);
    char *at = strstr(changed, "until 2024-07-01");
    at[15] = '2'; /* 2024-07-02 */
    const char *name = "t.cav", *text = changed;
    cav_pack *other = NULL;
    CHECK_EQ_INT(cav_pack_load_mem(&name, &text, 1, NULL, &other), 0);
    CHECK(other && strcmp(cav_pack_id(other), cav_pack_id(p)) != 0);
    cav_pack_release(other);
    free(changed);
    /* catalogs: names are case-, space-, hyphen- and underscore-insensitive; other names */
    CHECK_EQ_INT(cav_catalog_find(p, CAV_CAT_WEAPON, "Storm Shadow", 12), 1);
    CHECK_EQ_INT(cav_catalog_find(p, CAV_CAT_WEAPON, "STORM_SHADOW", 12), 1);
    CHECK_EQ_INT(cav_catalog_find(p, CAV_CAT_WEAPON, "himars", 6), 0);
    CHECK_EQ_INT(cav_catalog_find(p, CAV_CAT_PARTY, "uk", 2), 1);
    CHECK_EQ_INT(cav_catalog_find(p, CAV_CAT_WEAPON, "nope", 4), -1);
    CHECK_EQ_INT(cav_catalog_find(p, CAV_CAT_ROLE, "Attacking", 9), CAV_ROLE_ATTACKING);
    CHECK_EQ_STR(cav_catalog_name(p, CAV_CAT_PARTY, 1), "GB");
    CHECK_EQ_STR(cav_catalog_title(p, CAV_CAT_PARTY, 1), "United Kingdom");
    CHECK_EQ_INT(cav_catalog_by_label("weapons"), CAV_CAT_WEAPON);
    /* rule metadata without JSON */
    cav_rule_info ri;
    int r = cav_catalog_find(p, CAV_CAT_RULE, "p", 1);
    CHECK_EQ_INT(cav_rule_info_get(p, r, &ri), 0);
    CHECK_EQ_STR(ri.quote, "the quoted sentence");
    CHECK_EQ_INT(ri.paraphrase, 0);
    CHECK_EQ_INT(ri.until, 19905); /* 2024-07-01 */
    CHECK_EQ_INT(cav_rule_info_get(p, cav_catalog_find(p, CAV_CAT_RULE, "gb", 2), &ri), 0);
    CHECK_EQ_INT(ri.paraphrase, 1);
    CHECK_EQ_STR(ri.disputed, "reports differ");
    CHECK_EQ_INT(cav_rule_info_get(p, cav_catalog_find(p, CAV_CAT_RULE, "ban", 3), &ri), 0);
    CHECK_EQ_INT(ri.nunless, 1);
    cav_zone_info zi;
    CHECK_EQ_INT(cav_zone_info_get(p, cav_catalog_find(p, CAV_CAT_ZONE, "east", 4), &zi), 0);
    CHECK_EQ_STR(zi.assumption, "a box for the test");
    CHECK(zi.precision_m == 0);
    cav_source_info si;
    CHECK_EQ_INT(cav_source_info_get(p, 0, &si), 0);
    CHECK_EQ_STR(si.url, "https://example.org/s");
    CHECK_EQ_INT(cav_rule_info_get(p, 99, &ri), CAV_EINVAL);
    cav_pack_release(p);
}

static void test_setters(void) {
    cav_pack *p = load();
    if (!p)
        return;
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_WEAPON, "gmlr", 4, &e), CAV_EQUERY);
    CHECK_EQ_INT(e.n, 1);
    CHECK_EQ_STR(e.v[0].name, "weapon");
    CHECK(strstr(e.v[0].message, "did you mean gmlrs") != NULL);
    /* numbers are read whatever the locale; out of range, NaN and text are errors */
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_TARGET_LAT, "95", 2, &e), CAV_EQUERY);
    CHECK(strstr(e.v[1].message, "out of range") != NULL);
    CHECK_EQ_INT(cav_query_set_number(&q, p, CAV_Q_TARGET_LON, NAN, &e), CAV_EQUERY);
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_TARGET_UNCERTAINTY, "-5", 2, &e), CAV_EQUERY);
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_TARGET_ROLE, "attacker", 8, &e), CAV_EQUERY);
    /* a timestamp is the date in the pack's zone: 23:30 UTC on 06-09 is 06-10 in Kyiv */
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_DATE, "2024-06-09T23:30:00Z", 20, &e), 0);
    CHECK_EQ_INT(q.date, 19884); /* 2024-06-10 */
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_DATE, "2024-06-10", 10, &e), CAV_EQUERY); /* twice */
    /* every problem is collected; finish adds the missing required fields */
    cav_query_finish(&q, p, &e);
    int missing = 0;
    for (int i = 0; i < e.n; i++)
        missing +=
            strstr(e.v[i].message, "missing") != NULL && strcmp(e.v[i].name, "target.kind") == 0;
    CHECK_EQ_INT(missing, 1); /* the fields given wrongly are not reported missing too */
    /* the JSON form binds through the same setters */
    cav_buf id = {0};
    const char *json = "{\"id\": 7, \"date\": \"2024-06-10\", \"weapon\": \"HIMARS\", \"target\": "
                       "{\"lat\": 50.5, \"lon\": 37, \"kind\": \"forces\", \"role\": "
                       "\"attacking\", \"uncertainty_m\": 100}, \"purpose\": \"counterfire\"}";
    CHECK_EQ_INT(cav_query_parse_json(p, json, strlen(json), NULL, &q, &id, &e), 0);
    CHECK_EQ_STR(id.data, "7");
    CHECK_EQ_INT(q.role, CAV_ROLE_ATTACKING);
    CHECK(q.target_uncertainty_m == 100);
    const char *dup = "{\"date\": \"2024-06-10\", \"date\": \"2024-06-11\", \"weapon\": \"gmlrs\", "
                      "\"target\": {\"lat\": 50.5, \"lon\": 37, \"kind\": \"forces\"}}";
    CHECK_EQ_INT(cav_query_parse_json(p, dup, strlen(dup), NULL, &q, &id, &e), CAV_EQUERY);
    CHECK(strstr(e.v[0].message, "twice") != NULL);
    const char *nul = "{\"date\": \"2024-06-10\", \"weapon\": \"gmlrs\\u0000atacms\", \"target\": "
                      "{\"lat\": 50.5, \"lon\": 37, \"kind\": \"forces\"}}";
    CHECK_EQ_INT(cav_query_parse_json(p, nul, strlen(nul), NULL, &q, &id, &e), CAV_EQUERY);
    cav_buf line = {0};
    cav_qerrors_json(&e, id.data, 3, &line);
    CHECK(strstr(line.data, "\"line\": 3") != NULL);
    cav_buf_free(&line);
    cav_buf_free(&id);
    cav_pack_release(p);
}

static void test_decisions(void) {
    cav_pack *p = load();
    if (!p)
        return;
    cav_query q;
    cav_decision d;
    /* step 4: the permit decides; the forbid's exception holds */
    CHECK_EQ_INT(bind(p, &q, "gmlrs", 50.5, 37, "counterfire", "2024-06-10"), 0);
    CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
    CHECK_EQ_INT(d.verdict, CAV_PERMITTED);
    CHECK_EQ_INT(d.valid_from, CAV_VALIDITY_UNSET);
    CHECK_EQ_INT(cav_decision_validity(p, &q, &d), 0);
    CHECK_EQ_INT(d.valid_from, 19873);  /* 2024-05-30 */
    CHECK_EQ_INT(d.valid_until, 19905); /* 2024-07-01 */
    int zones[4];
    CHECK_EQ_INT(cav_decision_assumptions(p, &q, &d, zones, 4), 1);
    cav_buf out = {0};
    cav_decision_json(p, &q, &d, "\"x\"", CAV_EXPLAIN, &out);
    CHECK(strstr(out.data, "\"assumptions\": [\"east\"]") != NULL);
    CHECK(strstr(out.data, "\"quote\": \"the quoted sentence\"") != NULL);
    CHECK(strstr(out.data, "\"valid\": {\"from\": \"2024-05-30\", \"until\": \"2024-07-01\"}") !=
          NULL);
    CHECK(strstr(out.data, cav_pack_id(p)) != NULL);
    cav_buf_clear(&out);
    /* step 1: without the exception (purpose strike), the standing ban decides */
    bind(p, &q, "gmlrs", 50.5, 37, "strike", "2024-06-10");
    cav_eval(p, &q, &d);
    CHECK_EQ_INT(d.verdict, CAV_PROHIBITED);
    CHECK_EQ_INT(d.parties[0].basis, CAV_BASIS_FORBID);
    /* step 3: no purpose: the exception might hold, so the ban might apply: indeterminate */
    bind(p, &q, "gmlrs", 50.5, 37, NULL, "2024-06-10");
    cav_eval(p, &q, &d);
    CHECK_EQ_INT(d.verdict, CAV_INDETERMINATE);
    CHECK_EQ_INT(d.parties[0].basis, CAV_BASIS_FORBID_UNDET);
    CHECK(d.parties[0].missing & CAV_QBIT(CAV_Q_PURPOSE));
    cav_decision_json(p, &q, &d, NULL, 0, &out);
    CHECK(strstr(out.data, "\"settle\": [{\"field\": \"purpose\", \"permitted\": "
                           "[\"counterfire\"], \"prohibited\": [\"strike\"]") != NULL);
    cav_buf_clear(&out);
    /* step 2: NL's only rule speaks of F-16s; a supplier that is silent on a weapon... */
    cav_qerrors e;
    cav_query_init(&q, &e);
    cav_query_set_weapon(&q, p, "f-16", &e);
    cav_query_set_supplier(&q, p, "NL", &e);
    cav_query_set_kind(&q, p, "forces", &e);
    cav_query_set_target(&q, p, 50.5, 37, &e);
    cav_query_set_date(&q, p, "2024-06-10", &e);
    CHECK_EQ_INT(cav_query_finish(&q, p, &e), 0);
    cav_eval(p, &q, &d);
    CHECK_EQ_INT(d.verdict, CAV_PERMITTED);
    /* ... the F-16 without a supplier is refused by the reader: no party would decide */
    cav_query_init(&q, &e);
    cav_query_set_weapon(&q, p, "f-16", &e);
    cav_query_set_kind(&q, p, "forces", &e);
    cav_query_set_target(&q, p, 50.5, 37, &e);
    cav_query_set_date(&q, p, "2024-06-10", &e);
    CHECK_EQ_INT(cav_query_finish(&q, p, &e), CAV_EQUERY);
    /* before any rule: unknown */
    bind(p, &q, "gmlrs", 50.5, 37, "counterfire", "2023-06-10");
    cav_eval(p, &q, &d);
    CHECK_EQ_INT(d.verdict, CAV_UNKNOWN);
    /* ids the pack does not have, and coordinates that are no place, are refused */
    bind(p, &q, "gmlrs", 50.5, 37, "counterfire", "2024-06-10");
    q.weapon = 7;
    CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
    bind(p, &q, "gmlrs", 50.5, 37, "counterfire", "2024-06-10");
    q.target_lat = NAN;
    CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
    q.target_lat = 95;
    CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
    q.target_lat = 50.5;
    q.role = 9;
    CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
    cav_buf_free(&out);
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
    cav_buf sarif = {0};
    CHECK_EQ_INT(cav_diags_write(d, 1, CAV_FMT_SARIF, &sarif), 0);
    CHECK(strstr(sarif.data, "\"version\": \"2.1.0\"") != NULL);
    cav_buf_free(&sarif);
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
        cav_query q;
        bind(j->p, &q, "gmlrs", lat, lon, "counterfire", "2024-06-10");
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
    job one = {p, 50000, 0};
    worker(&one);
    job jobs[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){p, 50000, 0};
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(jobs[i].permitted, one.permitted);
    }
    CHECK(one.permitted > 0 && one.permitted < 50000);
    /* the batch engine gives the same answers on every thread count */
    enum { N = 20000 };
    static double lat[N], lon[N];
    static int32_t date[N], weapon[N], kind[N], purpose[N], rule[N], from[N], until[N];
    static uint8_t v1[N], v2[N];
    for (int i = 0; i < N; i++) {
        lat[i] = 49.5 + (i % 200) * 0.01;
        lon[i] = 35 + (i / 200) * 0.04;
        date[i] = 19884;
        weapon[i] = 0;
        kind[i] = cav_catalog_find(p, CAV_CAT_KIND, "forces", 6);
        purpose[i] = i % 3 == 0 ? CAV_MISSING : 0;
    }
    lat[5] = NAN; /* a bad row is an error, not a stop */
    cav_columns in = {N,       date, weapon, NULL, kind, NULL, NULL,
                      purpose, lat,  lon,    NULL, NULL, NULL, NULL};
    cav_results r1 = {v1, NULL, rule, from, until, NULL, NULL},
                r2 = {v2, NULL, NULL, NULL, NULL, NULL, NULL};
    CHECK_EQ_INT(cav_eval_batch(p, &in, &r1, 1), 0);
    CHECK_EQ_INT(cav_eval_batch(p, &in, &r2, 4), 0);
    CHECK(memcmp(v1, v2, sizeof v1) == 0);
    CHECK_EQ_INT(v1[5], CAV_BATCH_ERROR);
    int counts[4] = {0};
    for (int i = 0; i < N; i++)
        if (v1[i] < 4)
            counts[v1[i]]++;
    CHECK(counts[CAV_PERMITTED] > 0 && counts[CAV_PROHIBITED] > 0 && counts[CAV_INDETERMINATE] > 0);
    cav_pack_release(p);
}

static void test_default_pack(void) {
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_default(NULL, &p), 0);
    if (!p)
        return;
    cav_buf id = {0}, out = {0};
    cav_qerrors e;
    cav_query q;
    const char *json = "{\"id\": \"q1\", \"date\": \"2024-06-10\", \"weapon\": \"gmlrs\", "
                       "\"supplier\": \"US\", \"target\": {\"lat\": 50.60, \"lon\": 36.59, "
                       "\"kind\": \"forces\", \"state\": \"ground\", \"role\": \"attacking\"}, "
                       "\"launch\": {\"lat\": 50.0, \"lon\": 36.2}, \"purpose\": \"counterfire\"}";
    CHECK_EQ_INT(cav_query_parse_json(p, json, strlen(json), NULL, &q, &id, &e), 0);
    cav_decision d;
    CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
    CHECK_EQ_INT(d.verdict, CAV_PERMITTED);
    cav_decision_json(p, &q, &d, id.data, 0, &out);
    const char *start = "{\"id\": \"q1\", \"decision\": \"permitted\", \"date\": \"2024-06-10\"";
    CHECK(strncmp(out.data, start, strlen(start)) == 0);
    CHECK(strstr(out.data, "\"pack\": \"") != NULL);
    /* a default file is there for `caveat pack export` */
    const char *path, *text;
    size_t len;
    CHECK_EQ_INT(cav_default_file(0, &path, &text, &len), 0);
    CHECK(len == strlen(text) && len > 0);
    cav_buf_free(&id);
    cav_buf_free(&out);
    cav_pack_release(p);
}

/* The helpers that spare front ends the struct's internals: a use without weapon or place, a
 * batch row as a query, a problem of the caller's own, a date without a message buffer, the
 * splitter's wording for an empty line. */
static void test_uses_and_rows(void) {
    cav_pack *p = load();
    if (!p)
        return;
    cav_query q;
    cav_qerrors e;
    /* a use for cav_can: no weapon, and the weapon and supplier are cleared */
    cav_query_init(&q, &e);
    cav_query_set_date(&q, p, "2024-06-10", &e);
    cav_query_set_target(&q, p, 50.5, 37, &e);
    cav_query_set_kind(&q, p, "forces", &e);
    CHECK_EQ_INT(cav_query_finish(&q, p, &e), CAV_EQUERY); /* as a query: the weapon is missing */
    cav_query_init(&q, &e);
    cav_query_set_date(&q, p, "2024-06-10", &e);
    cav_query_set_weapon(&q, p, "f-16", &e); /* needs a supplier as a query, not as a use */
    cav_query_set_target(&q, p, 50.5, 37, &e);
    cav_query_set_kind(&q, p, "forces", &e);
    CHECK_EQ_INT(cav_query_finish_use(&q, p, CAV_USE_WEAPON, &e), 0);
    CHECK_EQ_INT(q.weapon, -1);
    cav_buf out = {0};
    CHECK_EQ_INT(cav_can(p, &q, 0, CAV_FMT_JSON, &out), 0);
    CHECK(out.data && strstr(out.data, "\"weapon\": \"f-16\"") != NULL);
    cav_buf_free(&out);
    /* a use for a map: no place, but still every other check */
    cav_query_init(&q, &e);
    cav_query_set_weapon(&q, p, "gmlrs", &e);
    cav_query_set_kind(&q, p, "forces", &e);
    cav_query_set_number(&q, p, CAV_Q_LAUNCH_LAT, 50, &e);
    CHECK_EQ_INT(cav_query_finish_use(&q, p, CAV_USE_PLACE, &e), CAV_EQUERY);
    CHECK_EQ_INT(e.n, 2); /* the date, and the launch point's longitude */
    CHECK_EQ_INT(cav_query_finish_use(&q, p, CAV_QBIT(CAV_Q_DATE), &e), CAV_EINVAL);
    /* problems of the caller's own, counted past CAV_QERR_MAX */
    cav_qerrors mine = {0};
    for (int i = 0; i < CAV_QERR_MAX + 2; i++)
        CHECK_EQ_INT(cav_qerrors_add(&mine, -1, "no document"), 0);
    CHECK_EQ_INT(mine.n, CAV_QERR_MAX);
    CHECK_EQ_INT(mine.more, 2);
    CHECK_EQ_STR(mine.v[0].name, "");
    CHECK_EQ_INT(cav_qerrors_add(&mine, CAV_Q_COUNT, "x"), CAV_EINVAL);
    cav_qerrors one = {0};
    cav_qerrors_add(&one, CAV_Q_PURPOSE, "refused by this program");
    cav_qerrors_json(&one, "\"a\"", 4, &out);
    CHECK_EQ_STR(out.data, "{\"id\": \"a\", \"error\": {\"field\": \"purpose\", \"line\": 4, "
                           "\"message\": \"refused by this program\"}}");
    cav_buf_free(&out);
    /* a batch row is the query the batch decides */
    int32_t date[2] = {19884, 19884}, weapon[2] = {0, 0}, kind[2] = {1, 1};
    double lat[2] = {50.5, 50.5}, lon[2] = {37, 37}, llat[2] = {NAN, 50.1}, llon[2] = {NAN, 36.5};
    cav_columns in = {.n = 2,
                      .date = date,
                      .weapon = weapon,
                      .kind = kind,
                      .target_lat = lat,
                      .target_lon = lon,
                      .launch_lat = llat,
                      .launch_lon = llon};
    CHECK_EQ_INT(cav_columns_query(&in, 0, &q), 0);
    CHECK(q.has_launch == 0 && q.role == CAV_MISSING && q.state == CAV_STATE_GROUND);
    CHECK_EQ_INT(cav_columns_query(&in, 1, &q), 0);
    CHECK(q.has_launch == 1 && q.launch_lat == 50.1);
    CHECK_EQ_INT(cav_columns_query(&in, 2, &q), CAV_EINVAL);
    /* a date's message is optional */
    int32_t day;
    CHECK_EQ_INT(cav_date_parse_in(p, "2024-13-01", 10, &day, NULL), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse_in(NULL, "2024-06-09T23:30:00Z", 20, &day, NULL), 0);
    CHECK_EQ_INT(day, 19883); /* no pack: UTC */
    /* an empty line carries the message every front end writes */
    cav_split s;
    cav_doc doc;
    cav_split_init(&s);
    CHECK_EQ_INT(cav_split_next(&s, "\n", 1, 1, &doc), 1);
    CHECK_EQ_INT(doc.kind, CAV_DOC_EMPTY);
    CHECK_EQ_STR(doc.message, "empty line: expected a JSON query");
    /* the process-wide boundary locator is freed by cav_cleanup and built again on use */
    cav_buf where = {0}, again = {0};
    CHECK_EQ_INT(cav_where(p, 44.95, 34.10, 0, CAV_FMT_TEXT, &where), 0);
    cav_cleanup();
    cav_cleanup(); /* twice is nothing */
    CHECK_EQ_INT(cav_where(p, 44.95, 34.10, 0, CAV_FMT_TEXT, &again), 0);
    CHECK(where.data && again.data && strcmp(where.data, again.data) == 0);
    cav_buf_free(&where);
    cav_buf_free(&again);
    cav_pack_release(p);
}

int main(void) {
    test_pack();
    test_uses_and_rows();
    test_setters();
    test_decisions();
    test_bad_policy();
    test_threads();
    test_default_pack();
    return check_done();
}
