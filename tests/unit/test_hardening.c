/* test_hardening.c — issue 15, "Hardening, round two", through the public API: the findings an
 * embedder meets (the numbers are the issue's; docs/robustness.md maps each to its tests).
 *   1   loading never analyses the rules; cav_pack_lint does, within its bounds
 *   12  sixteen parties in one decision: fifteen consent parties and a supplier
 *   14  cav_eval refuses coordinates and uncertainties that are no number or out of range,
 *       and so do the setters, cav_eval_batch and cav_where
 *   25  geojson() reads only under the policy file's directory, or where cav_load_opts allows
 *   26  cav_date_format of a day out of range; a long id through cav_query_parse_json
 * Only caveat.h is used. Run from the source directory (ctest does).
 */
#include "caveat.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count_code(const cav_diags *d, const char *code) {
    size_t n = 0;
    for (size_t i = 0; i < cav_diags_count(d); i++) {
        const cav_diag *g = cav_diags_get(d, i);
        n += g->code && strcmp(g->code, code) == 0;
    }
    return n;
}

static void test_load_never_lints(void) {
    const char *name = "redundant.cav";
    const char *text = "party US\nclass c\nkind k\nsource s outlet \"o\" date 2024-01-01\n"
                       "weapon w class c consent US\n"
                       "permit a party US from 2024-01-01 source s\n"
                       "permit b party US from 2024-01-01 source s\n"
                       "permit never party US from 2024-01-01 source s when weapon = w and "
                       "target.kind != k\n";
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_mem(&name, &text, 1, d, &p), 0);
    CHECK_EQ_INT(cav_diags_count(d), 0); /* no analysis on load: check and audit never pay it */
    CHECK_EQ_INT(cav_pack_lint(p, 0, d), 0);
    CHECK_EQ_INT(count_code(d, "redundant"), 1);
    CHECK_EQ_INT(count_code(d, "never-matches"), 1);
    CHECK_EQ_INT(count_code(d, "analysis-incomplete"), 0);
    CHECK_EQ_INT(cav_pack_lint(NULL, 0, d), CAV_EINVAL);
    cav_pack_release(p);
    cav_diags_free(d);
}

/* A pack whose weapon w needs 15 parties' consent and was supplied by NO, which forbids. */
static cav_pack *sixteen_parties(void) {
    static const char *const codes[] = {"US", "GB", "FR", "DE", "IT", "NL", "DK", "BE",
                                        "SE", "FI", "PL", "CZ", "SK", "EE", "LV", "NO"};
    cav_buf t = {0};
    for (int i = 0; i < 16; i++) {
        cav_buf_append(&t, "party ", 6);
        cav_buf_append(&t, codes[i], 2);
        cav_buf_append(&t, "\n", 1);
    }
    const char *rest = "class c\nkind forces\nsource s outlet \"o\" date 2024-01-01\n"
                       "weapon w class c consent [US, GB, FR, DE, IT, NL, DK, BE, SE, FI, PL, CZ, "
                       "SK, EE, LV] suppliers [NO]\n"
                       "permit all party [US, GB, FR, DE, IT, NL, DK, BE, SE, FI, PL, CZ, SK, EE, "
                       "LV] from 2024-01-01 source s\n"
                       "forbid no party NO from 2024-01-01 source s\n";
    cav_buf_append(&t, rest, strlen(rest));
    const char *name = "sixteen.cav", *text = t.data;
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_mem(&name, &text, 1, NULL, &p), 0);
    cav_buf_free(&t);
    return p;
}

static void test_sixteen_parties(void) {
    cav_pack *p = sixteen_parties();
    if (!p)
        return;
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    cav_query_set_date(&q, p, "2024-06-10", &e);
    cav_query_set_weapon(&q, p, "w", &e);
    cav_query_set_supplier(&q, p, "NO", &e);
    cav_query_set_kind(&q, p, "forces", &e);
    cav_query_set_target(&q, p, 50, 30, &e);
    CHECK_EQ_INT(cav_query_finish(&q, p, &e), 0);
    cav_decision d;
    CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
    CHECK_EQ_INT(d.nparties, 16);
    CHECK_EQ_INT(d.verdict, CAV_PROHIBITED); /* the supplier's forbid is not dropped */
    CHECK_EQ_STR(cav_catalog_name(p, CAV_CAT_PARTY, d.parties[15].party), "NO");
    CHECK_EQ_INT(d.parties[15].verdict, CAV_PROHIBITED);
    cav_pack_release(p);
}

static cav_pack *simple_pack(void) {
    const char *name = "nan.cav";
    const char *text = "party US\nclass c\nkind forces\nsource s outlet \"o\" date 2024-01-01\n"
                       "weapon w class c consent US\n"
                       "permit anywhere-but-russia party US from 2024-01-01 source s when target "
                       "not in RU and launch not in RU\n";
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_mem(&name, &text, 1, NULL, &p), 0);
    return p;
}

static void good_query(const cav_pack *p, cav_query *q) {
    cav_qerrors e;
    cav_query_init(q, &e);
    cav_query_set_date(q, p, "2024-06-10", &e);
    cav_query_set_weapon(q, p, "w", &e);
    cav_query_set_kind(q, p, "forces", &e);
    cav_query_set_target(q, p, 55.75, 37.62, &e);
    cav_query_set_launch(q, p, 50.0, 30.0, &e);
    CHECK_EQ_INT(cav_query_finish(q, p, &e), 0);
}

static void test_bad_numbers(void) {
    cav_pack *p = simple_pack();
    if (!p)
        return;
    cav_query q;
    cav_decision d;
    good_query(p, &q);
    CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
    CHECK_EQ_INT(d.verdict, CAV_PROHIBITED); /* Moscow is in RU */
    /* every coordinate and uncertainty that is no number, infinite or out of range */
    const double bad[] = {NAN, INFINITY, -INFINITY, 1e9, -1000, 90.0000001};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double *slots[] = {&q.target_lat, &q.target_lon, &q.launch_lat, &q.launch_lon};
        for (size_t s = 0; s < 4; s++) {
            good_query(p, &q);
            if (bad[i] == 90.0000001 && (s == 1 || s == 3))
                continue; /* a longitude of 90.0000001 is fine */
            *slots[s] = bad[i];
            CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
        }
        good_query(p, &q);
        q.target_uncertainty_m = bad[i] == 90.0000001 ? -1 : bad[i];
        q.given |= CAV_QBIT(CAV_Q_TARGET_UNCERTAINTY);
        CHECK_EQ_INT(cav_eval(p, &q, &d), CAV_EINVAL);
    }
    /* the setters refuse them with a problem naming the field */
    cav_qerrors e;
    cav_query_init(&q, &e);
    CHECK_EQ_INT(cav_query_set_number(&q, p, CAV_Q_LAUNCH_LON, INFINITY, &e), CAV_EQUERY);
    CHECK_EQ_INT(cav_query_set_target(&q, p, NAN, 30, &e), CAV_EQUERY);
    CHECK(e.n >= 2 && strcmp(e.v[0].name, "launch.lon") == 0);
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_TARGET_LON, "nan", 3, &e), CAV_EQUERY);
    CHECK_EQ_INT(cav_query_set(&q, p, CAV_Q_TARGET_LON, "0x1e", 4, &e), CAV_EQUERY);
    /* a batch row with a NaN target is an error row; the others are decided */
    int32_t date = 19884, weapon = cav_catalog_find(p, CAV_CAT_WEAPON, "w", 1);
    int32_t kind = cav_catalog_find(p, CAV_CAT_KIND, "forces", 6);
    int32_t dates[3] = {date, date, date}, weapons[3] = {weapon, weapon, weapon};
    int32_t kinds[3] = {kind, kind, kind};
    double lat[3] = {55.75, NAN, 50}, lon[3] = {37.62, 30, INFINITY};
    cav_columns in = {.n = 3,
                      .date = dates,
                      .weapon = weapons,
                      .kind = kinds,
                      .target_lat = lat,
                      .target_lon = lon};
    uint8_t verdict[3];
    int32_t error[3];
    cav_results out = {.verdict = verdict, .error = error};
    CHECK_EQ_INT(cav_eval_batch(p, &in, &out, 1), 0);
    CHECK_EQ_INT(verdict[0], CAV_PROHIBITED);
    CHECK_EQ_INT(verdict[1], CAV_BATCH_ERROR);
    CHECK_EQ_INT(verdict[2], CAV_BATCH_ERROR);
    CHECK(error[1] != 0 && error[2] != 0);
    cav_buf b = {0};
    CHECK_EQ_INT(cav_where(p, NAN, 30, 0, CAV_FMT_TEXT, &b), CAV_EINVAL);
    CHECK_EQ_INT(cav_where(p, 50, INFINITY, 0, CAV_FMT_TEXT, &b), CAV_EINVAL);
    cav_buf_free(&b);
    cav_pack_release(p);
}

static void test_geojson_paths(void) {
    const char *pack = "party US\nclass c\nkind k\nweapon w class c consent US\n"
                       "zone z = geojson(\"../geo/polygon.geojson\")\n";
    const char *inside = "party US\nclass c\nkind k\nweapon w class c consent US\n"
                         "zone z = geojson(\"polygon.geojson\")\n";
    const char *name = "tests/unit/p.cav", *geo_name = "tests/geo/p.cav";
    cav_diags *d = cav_diags_new();
    cav_pack *p = NULL;
    /* outside the policy's directory: refused, at the expression, saying why */
    CHECK_EQ_INT(cav_pack_load_mem(&name, &pack, 1, d, &p), CAV_EPOLICY);
    CHECK(p == NULL);
    CHECK(cav_diags_count(d) == 1 &&
          strstr(cav_diags_get(d, 0)->message, "lies outside the directories") != NULL);
    CHECK_EQ_INT(cav_diags_get(d, 0)->line, 5);
    /* allowed explicitly */
    const char *allow[] = {"tests/geo"};
    cav_load_opts o = {allow, 1};
    cav_diags_free(d);
    d = cav_diags_new();
    CHECK_EQ_INT(cav_pack_load_mem_opts(&name, &pack, 1, &o, d, &p), 0);
    cav_pack_release(p);
    /* inside the policy's own directory: read */
    CHECK_EQ_INT(cav_pack_load_mem(&geo_name, &inside, 1, d, &p), 0);
    cav_pack_release(p);
    /* an absolute path outside: refused whether or not the file exists */
    const char *abs =
        "party US\nzone z = geojson(\"/etc/passwd\")\nzone y = geojson(\"/no/such\")\n";
    cav_diags_free(d);
    d = cav_diags_new();
    CHECK_EQ_INT(cav_pack_load_mem(&name, &abs, 1, d, &p), CAV_EPOLICY);
    CHECK_EQ_INT(cav_diags_errors(d), 2);
    for (size_t i = 0; i < cav_diags_count(d); i++)
        CHECK(strstr(cav_diags_get(d, i)->message, "lies outside") != NULL);
    cav_diags_free(d);
}

static void test_dates_and_ids(void) {
    char buf[16];
    cav_date_format(INT32_MAX - 5, buf);
    CHECK_EQ_STR(buf, "invalid");
    cav_date_format(INT32_MIN, buf);
    CHECK_EQ_STR(buf, "invalid");
    cav_date_format(-719528, buf); /* 0000-01-01 */
    CHECK_EQ_STR(buf, "0000-01-01");
    cav_date_format(2932896, buf); /* 9999-12-31 */
    CHECK_EQ_STR(buf, "9999-12-31");
    cav_date_format(2932897, buf);
    CHECK_EQ_STR(buf, "invalid");
    int32_t day;
    CHECK_EQ_INT(cav_date_parse("0000-01-01", &day), CAV_EINVAL);
    CHECK_EQ_INT(cav_date_parse("2100-12-31", &day), 0);
    /* the id comes back whole in a growable buffer (it was cut to a caller's fixed size) */
    cav_pack *p = simple_pack();
    if (!p)
        return;
    char json[600];
    char id[254];
    memset(id, 'i', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    snprintf(json, sizeof json,
             "{\"id\": \"%s\", \"date\": \"2024-06-10\", \"weapon\": \"w\", \"target\": {\"lat\": "
             "50, \"lon\": 30, \"kind\": \"forces\"}}",
             id);
    cav_query q;
    cav_qerrors e;
    cav_buf idb = {0};
    CHECK_EQ_INT(cav_query_parse_json(p, json, strlen(json), NULL, &q, &idb, &e), 0);
    CHECK_EQ_INT(idb.len, 253 + 2);
    cav_buf_free(&idb);
    cav_pack_release(p);
}

int main(void) {
    test_load_never_lints();
    test_sixteen_parties();
    test_bad_numbers();
    test_geojson_paths();
    test_dates_and_ids();
    return check_done();
}
