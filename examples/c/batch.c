/* batch.c — many queries at once: columns in (one array per field, catalog names resolved once
 * to ids), verdicts, deciding rules and validity out, on every core. The answers are those of
 * cav_eval one query at a time, whatever the number of threads; a bad row is an error in its
 * place, never a stop; a row's whole decision can be rendered like any other. */
#include <caveat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 40000 };

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "batch: unexpected: %s\n", what);
        failed = 1;
    }
}

static int32_t id_of(const cav_pack *pack, cav_catalog c, const char *name) {
    return cav_catalog_find(pack, c, name, strlen(name));
}

int main(void) {
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;

    /* GMLRS counterfire on 2024-06-10 over a 200 x 200 grid along the border near Kharkiv,
     * the target's role given on every other row */
    static int32_t date[ROWS], weapon[ROWS], kind[ROWS], role[ROWS], purpose[ROWS];
    static double lat[ROWS], lon[ROWS];
    int32_t day;
    cav_date_parse("2024-06-10", &day);
    for (int i = 0; i < ROWS; i++) {
        date[i] = day;
        weapon[i] = id_of(pack, CAV_CAT_WEAPON, "gmlrs");
        kind[i] = id_of(pack, CAV_CAT_KIND, "forces");
        role[i] = i % 2 ? CAV_ROLE_ATTACKING : CAV_MISSING;
        purpose[i] = id_of(pack, CAV_CAT_PURPOSE, "counterfire");
        lat[i] = 49.5 + (i / 200) * 0.01; /* 49.5 to 51.5 N */
        lon[i] = 35.0 + (i % 200) * 0.02; /* 35 to 39 E */
    }
    lat[7] = 95; /* a bad row */
    cav_columns in = {.n = ROWS,
                      .date = date,
                      .weapon = weapon,
                      .kind = kind,
                      .role = role,
                      .purpose = purpose,
                      .target_lat = lat,
                      .target_lon = lon};

    static uint8_t verdict[ROWS], verdict1[ROWS];
    static int32_t error[ROWS], rule[ROWS], until[ROWS];
    cav_results out = {.verdict = verdict, .error = error, .rule = rule, .valid_until = until};
    int rc = cav_eval_batch(pack, &in, &out, 0); /* 0: one thread per core */
    cav_results one = {.verdict = verdict1};
    rc = rc ? rc : cav_eval_batch(pack, &in, &one, 1);
    expect(rc == 0, "the batches ran");
    expect(memcmp(verdict, verdict1, sizeof verdict) == 0, "the same on one thread");

    long count[4] = {0}, errors = 0, mismatches = 0;
    for (int i = 0; i < ROWS; i++) {
        if (verdict[i] == CAV_BATCH_ERROR) {
            errors++;
            continue;
        }
        count[verdict[i]]++;
        cav_query q; /* row i as a query of its own */
        cav_decision d;
        if (cav_columns_query(&in, (size_t)i, &q) != 0 || cav_eval(pack, &q, &d) != 0 ||
            d.verdict != (cav_verdict)verdict[i])
            mismatches++;
    }
    printf("%d rows: permitted %ld, prohibited %ld, indeterminate %ld, unknown %ld, errors %ld\n",
           ROWS, count[CAV_PERMITTED], count[CAV_PROHIBITED], count[CAV_INDETERMINATE],
           count[CAV_UNKNOWN], errors);
    printf("row 7: %s\n", cav_strerror(error[7]));
    expect(mismatches == 0, "every row as cav_eval decides it");
    expect(errors == 1 && error[7] == CAV_EINVAL, "the bad row is an error in its place");
    expect(count[CAV_PERMITTED] > 0 && count[CAV_PROHIBITED] > 0 && count[CAV_INDETERMINATE] > 0,
           "the grid crosses the permitted area's edges");

    /* the first row permitted by the counterfire exception, rendered from its whole decision:
     * columns are pointers, so a slice of rows is the same pointers moved on */
    int32_t counterfire = id_of(pack, CAV_CAT_RULE, "us-kharkiv-counterfire");
    size_t i = 0;
    while (i < ROWS && rule[i] != counterfire)
        i++;
    expect(i < ROWS, "some row is permitted by the counterfire exception");
    if (i < ROWS) {
        cav_columns row = {.n = 1,
                           .date = date + i,
                           .weapon = weapon + i,
                           .kind = kind + i,
                           .role = role + i,
                           .purpose = purpose + i,
                           .target_lat = lat + i,
                           .target_lon = lon + i};
        cav_decision whole;
        cav_results res = {.decisions = &whole};
        cav_query q;
        cav_buf text = {0};
        if (cav_eval_batch(pack, &row, &res, 1) == 0 && cav_columns_query(&row, 0, &q) == 0)
            cav_decision_text(pack, &q, &whole, 0, &text);
        printf("row %zu (%.2f N %.2f E): %.100s...\n", i, lat[i], lon[i], text.data);
        expect(text.data && strncmp(text.data, "permitted: ", 11) == 0, "a permitted row");
        cav_buf_free(&text);
    }
    cav_pack_release(pack);
    return failed;
}
