/* test_batch.c — the batch engine (cav_eval_batch) against the query mechanism it stands for: a
 * row of columns must be refused exactly when the same values bound one by one through the
 * setters and cav_query_finish are, and otherwise get the same verdict, the same first rule and
 * the same number of deciding rules (cav_decision_rules); and the audit's columns of a decision
 * (cav_decision_column), validity included. Only caveat.h is used, on the default pack. */
#include "caveat.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 6000 };

static double lat[N], lon[N], unc[N], llat[N], llon[N], lunc[N];
static int32_t date[N], weapon[N], supplier[N], kind[N], state[N], role[N], purpose[N];
static uint8_t verdict[N], nrules[N];
static int32_t error[N], rule[N], from[N], until[N];

static uint64_t rng = 88172645463325252u;
static unsigned pick(unsigned n) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* An id of catalog c, or not given, or (rarely) no entry at all. */
static int32_t some_id(const cav_pack *p, cav_catalog c, int optional) {
    unsigned r = pick(100);
    if (optional && r < 30)
        return CAV_MISSING;
    if (r == 99)
        return -2;
    return (int32_t)pick((unsigned)cav_catalog_count(p, c));
}

/* Row i bound through the setters, as a front end binds text: returns cav_query_finish's code. */
static int bind_row(const cav_pack *p, int i, cav_query *q) {
    cav_qerrors e;
    cav_query_init(q, &e);
    int bad = 0;
    const int32_t ids[] = {weapon[i], supplier[i], kind[i], purpose[i]};
    const cav_qfield f[] = {CAV_Q_WEAPON, CAV_Q_SUPPLIER, CAV_Q_TARGET_KIND, CAV_Q_PURPOSE};
    const cav_catalog c[] = {CAV_CAT_WEAPON, CAV_CAT_PARTY, CAV_CAT_KIND, CAV_CAT_PURPOSE};
    for (int k = 0; k < 4; k++) {
        if (ids[k] == CAV_MISSING)
            continue;
        const char *name = ids[k] >= 0 ? cav_catalog_name(p, c[k], ids[k]) : "no-such-name";
        bad |= cav_query_set(q, p, f[k], name, strlen(name), &e) != 0;
    }
    if (state[i] != CAV_MISSING)
        bad |= cav_query_set_state(q, p, state[i] ? "airborne" : "ground", &e) != 0;
    if (role[i] != CAV_MISSING) {
        static const char *const roles[] = {"attacking", "supporting", "none"};
        bad |= cav_query_set_role(q, p, roles[role[i]], &e) != 0;
    }
    if (date[i] != CAV_NO_DATE) {
        char d[16];
        cav_date_format(date[i], d);
        bad |= cav_query_set_date(q, p, d, &e) != 0;
    }
    const double nums[] = {lat[i], lon[i], unc[i], llat[i], llon[i], lunc[i]};
    const cav_qfield nf[] = {CAV_Q_TARGET_LAT, CAV_Q_TARGET_LON, CAV_Q_TARGET_UNCERTAINTY,
                             CAV_Q_LAUNCH_LAT, CAV_Q_LAUNCH_LON, CAV_Q_LAUNCH_UNCERTAINTY};
    for (int k = 0; k < 6; k++)
        if (!isnan(nums[k]))
            bad |= cav_query_set_number(q, p, nf[k], nums[k], &e) != 0;
    bad |= cav_query_finish(q, p, &e) != 0;
    return bad ? CAV_EQUERY : 0;
}

static void test_batch_as_setters(void) {
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_default(NULL, &p), 0);
    if (!p)
        return;
    for (int i = 0; i < N; i++) {
        weapon[i] = some_id(p, CAV_CAT_WEAPON, i % 500 == 0);
        supplier[i] = pick(4) ? CAV_MISSING : some_id(p, CAV_CAT_PARTY, 0);
        kind[i] = some_id(p, CAV_CAT_KIND, i % 700 == 0);
        purpose[i] = some_id(p, CAV_CAT_PURPOSE, 1);
        state[i] = pick(3) == 0 ? CAV_MISSING : (int32_t)pick(2);
        role[i] = pick(2) ? CAV_MISSING : (int32_t)pick(3);
        date[i] = i % 900 == 0 ? CAV_NO_DATE : 19000 + (int32_t)pick(1400);
        lat[i] = 44 + pick(12000) / 1000.0;
        lon[i] = 22 + pick(20000) / 1000.0;
        unc[i] = pick(5) ? NAN : (double)pick(3000);
        /* a launch point, sometimes with one coordinate only or an uncertainty alone */
        unsigned l = pick(10);
        llat[i] = l < 3 || l == 7 ? 49 + pick(4000) / 1000.0 : NAN;
        llon[i] = l < 3 || l == 8 ? 35 + pick(4000) / 1000.0 : NAN;
        lunc[i] = l == 9 || l == 0 ? 500 : NAN;
        if (i % 1000 == 1)
            lat[i] = 95; /* out of range */
    }
    cav_columns in = {N,       date, weapon, supplier, kind, state, role,
                      purpose, lat,  lon,    unc,      llat, llon,  lunc};
    cav_results out = {verdict, error, rule, from, until, NULL, nrules};
    CHECK_EQ_INT(cav_eval_batch(p, &in, &out, 3), 0);
    int refused = 0, mismatches = 0, multi = 0;
    for (int i = 0; i < N; i++) {
        cav_query q;
        cav_decision d;
        int rc = bind_row(p, i, &q);
        if (rc == 0)
            rc = cav_eval(p, &q, &d);
        if (rc != 0) {
            refused++;
            if (!error[i] || verdict[i] != CAV_BATCH_ERROR || rule[i] != -1 || nrules[i] != 0)
                mismatches++;
            continue;
        }
        cav_decision_validity(p, &q, &d);
        int rules[64];
        int n = cav_decision_rules(p, &q, &d, rules, 64);
        multi += n > 1;
        if (error[i] || verdict[i] != d.verdict || rule[i] != rules[0] || nrules[i] != n ||
            from[i] != d.valid_from || until[i] != d.valid_until) {
            if (mismatches++ < 5)
                fprintf(stderr, "row %d: batch %d/%d/%d/%d, setters %d/%d/%d\n", i, error[i],
                        verdict[i], rule[i], nrules[i], d.verdict, rules[0], n);
        }
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(refused > N / 20 && refused < N / 2);
    CHECK(multi > 0);
    cav_pack_release(p);
}

static void test_columns(void) {
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_default(NULL, &p), 0);
    if (!p)
        return;
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    cav_query_set_weapon(&q, p, "HIMARS", &e);
    cav_query_set_kind(&q, p, "forces", &e);
    cav_query_set_purpose(&q, p, "counterfire", &e);
    cav_query_set_role(&q, p, "attacking", &e);
    cav_query_set_target(&q, p, 50.6, 36.59, &e);
    cav_query_set_date(&q, p, "2024-06-10", &e);
    CHECK_EQ_INT(cav_query_finish(&q, p, &e), 0);
    cav_decision d;
    CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
    static const char *const want[CAV_COL_COUNT] = {
        "2024-06-10", "permitted",  "US:permitted", "us-kharkiv-counterfire",
        "2024-05-30", "2024-06-17", NULL,           "US permitted by us-kharkiv-counterfire"};
    for (int c = 0; c < CAV_COL_COUNT; c++) {
        cav_buf b = {0};
        /* validity is computed for the validity columns when cav_eval left it unset */
        CHECK_EQ_INT(cav_decision_column(p, &q, &d, (cav_column)c, 0, &b), 0);
        if (want[c])
            CHECK_EQ_STR(b.data ? b.data : "", want[c]);
        else
            CHECK(b.len > 20);
        cav_buf_free(&b);
    }
    CHECK_EQ_STR(cav_column_name(CAV_COL_VALID_UNTIL), "valid_until");
    CHECK(cav_column_name(CAV_COL_COUNT) == NULL);
    cav_buf b = {0};
    CHECK_EQ_INT(cav_decision_column(p, &q, &d, CAV_COL_COUNT, 0, &b), CAV_EINVAL);
    cav_buf_free(&b);
    /* a use two parties decide, one each way: only the prohibiting party's rules decided it */
    int rules[8];
    int n = cav_decision_rules(p, &q, &d, rules, 8);
    CHECK_EQ_INT(n, 1);
    cav_pack_release(p);
}

int main(void) {
    test_batch_as_setters();
    test_columns();
    return check_done();
}
