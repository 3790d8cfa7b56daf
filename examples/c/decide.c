/* decide.c — one query, bound two ways (setters, JSON), evaluated, and written as JSON, as text
 * and as an explanation; the party-by-party decision read from the struct; what would settle an
 * indeterminate answer; and a query with mistakes, every one reported with its field. */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "decide: unexpected: %s\n", what);
        failed = 1;
    }
}

/* Binds a use field by field. Each setter resolves names against the pack's catalogs and adds a
 * problem to e when its value is wrong; cav_query_finish checks what no single field can. */
static int bind(const cav_pack *pack, cav_query *q, cav_qerrors *e, const char *role) {
    cav_query_init(q, e);
    cav_query_set_date(q, pack, "2024-06-10T14:30:00+03:00", e);
    cav_query_set_weapon(q, pack, "HIMARS", e); /* an alias of gmlrs */
    cav_query_set_supplier(q, pack, "USA", e);  /* a declared name of US */
    cav_query_set_target(q, pack, 50.60, 36.59, e);
    cav_query_set_number(q, pack, CAV_Q_TARGET_UNCERTAINTY, 200, e);
    cav_query_set_kind(q, pack, "artillery", e);
    cav_query_set_state(q, pack, "ground", e);
    if (role)
        cav_query_set_role(q, pack, role, e);
    cav_query_set_purpose(q, pack, "counterfire", e);
    cav_query_set_launch(q, pack, 50.0, 36.2, e);
    return cav_query_finish(q, pack, e);
}

static void with_setters(const cav_pack *pack) {
    cav_query q;
    cav_qerrors e;
    cav_decision d;
    expect(bind(pack, &q, &e, "attacking") == 0 && e.n == 0, "a valid query");
    expect(cav_eval(pack, &q, &d) == 0, "evaluated");

    /* the decision as a struct: the verdict, and each consent party's with its deciding rules */
    printf("verdict %s on day %d\n", cav_verdict_name(d.verdict), (int)d.date);
    for (int i = 0; i < d.nparties; i++) {
        const cav_party_decision *pd = &d.parties[i];
        printf("  %s: %s (basis %s)", cav_catalog_name(pack, CAV_CAT_PARTY, pd->party),
               cav_verdict_name(pd->verdict), cav_basis_name(pd->basis));
        for (int r = 0; r < pd->nrules && r < CAV_MAX_DECIDING; r++)
            printf(" %s", cav_catalog_name(pack, CAV_CAT_RULE, pd->rules[r]));
        printf("\n");
    }
    expect(d.verdict == CAV_PERMITTED && d.parties[0].basis == CAV_BASIS_PERMIT, "step 4");

    /* validity costs more than the decision, so it is asked for */
    char from[11], until[11];
    expect(d.valid_from == CAV_VALIDITY_UNSET, "validity not computed by cav_eval");
    cav_decision_validity(pack, &q, &d);
    cav_date_format(d.valid_from, from);
    if (d.valid_until == CAV_DATE_OPEN)
        strcpy(until, "open");
    else
        cav_date_format(d.valid_until, until);
    printf("the same answer from %s until %s\n", from, until);
    expect(d.valid_from <= d.date && d.date < d.valid_until, "the date lies in its validity");

    int zones[8];
    int nz = cav_decision_assumptions(pack, &q, &d, zones, 8);
    for (int i = 0; i < nz && i < 8; i++)
        printf("rests on the assumed zone %s\n", cav_catalog_name(pack, CAV_CAT_ZONE, zones[i]));
    printf("disputed: %s\n", cav_decision_disputed(pack, &d) ? "yes" : "no");

    /* the three writers */
    cav_buf json = {0}, text = {0}, why = {0};
    cav_decision_json(pack, &q, &d, "\"q1\"", 0, &json);
    cav_decision_text(pack, &q, &d, CAV_TEXT_NO_VERDICT, &text);
    cav_explain(pack, &q, &d, CAV_EXPLAIN, &why);
    printf("json: %.120s...\ntext: %.120s...\n", json.data, text.data);
    expect(strncmp(json.data, "{\"id\": \"q1\", \"decision\": \"permitted\"", 36) == 0,
           "the JSON line starts with the id and the decision");
    expect(strstr(why.data, "quotes:") != NULL, "CAV_EXPLAIN adds the quotes");
    cav_buf_free(&json);
    cav_buf_free(&text);
    cav_buf_free(&why);
}

static void indeterminate(const cav_pack *pack) {
    cav_query q;
    cav_qerrors e;
    cav_decision d;
    bind(pack, &q, &e, NULL); /* the same use, without the target's role */
    cav_eval(pack, &q, &d);
    printf("without target.role: %s, missing:", cav_verdict_name(d.verdict));
    for (int f = 0; f < CAV_Q_COUNT; f++)
        if (d.parties[0].missing & CAV_QBIT(f))
            printf(" %s", cav_qfield_name((cav_qfield)f));
    printf("\n");
    expect(d.verdict == CAV_INDETERMINATE && (d.parties[0].missing & CAV_QBIT(CAV_Q_TARGET_ROLE)),
           "the missing role leaves it open");
    cav_buf why = {0}; /* the explanation says which values would settle it */
    cav_explain(pack, &q, &d, 0, &why);
    const char *settle = strstr(why.data, "The query gives no");
    const char *end = settle ? strstr(settle, ". ") : NULL;
    expect(end != NULL, "the explanation says what would settle it");
    if (end)
        printf("%.*s\n", (int)(end + 1 - settle), settle);
    cav_buf_free(&why);
}

static void with_json(const cav_pack *pack) {
    const char *doc = "{\"id\": 17, \"date\": \"2024-06-10\", \"weapon\": \"gmlrs\", "
                      "\"target\": {\"lat\": 50.60, \"lon\": 36.59, \"kind\": \"artillery\", "
                      "\"role\": \"attacking\"}, \"purpose\": \"counterfire\"}";
    cav_query q;
    cav_qerrors e;
    cav_buf id = {0}, line = {0};
    cav_decision d;
    int rc = cav_query_parse_json(pack, doc, strlen(doc), NULL, &q, &id, &e);
    expect(rc == 0 && strcmp(id.data, "17") == 0, "the JSON query binds, its id kept as JSON");
    if (rc == 0 && cav_eval(pack, &q, &d) == 0)
        cav_decision_json(pack, &q, &d, id.data, 0, &line);
    printf("%.60s...\n", line.data);
    expect(strncmp(line.data, "{\"id\": 17, \"decision\": \"permitted\"", 34) == 0, "permitted");
    cav_buf_free(&id);
    cav_buf_free(&line);
}

static void mistakes(const cav_pack *pack) {
    const char *doc = "{\"id\": \"bad\", \"date\": \"2024-06-31\", \"weapon\": \"atacm\", "
                      "\"target\": {\"lat\": 95, \"lon\": 36.59}, \"purpsoe\": \"strike\"}";
    cav_query q;
    cav_qerrors e;
    cav_buf id = {0}, out = {0};
    int rc = cav_query_parse_json(pack, doc, strlen(doc), NULL, &q, &id, &e);
    printf("%s: %d problems\n", cav_strerror(rc), e.n);
    for (int i = 0; i < e.n; i++)
        printf("  %s: %s\n", e.v[i].name[0] ? e.v[i].name : "(the document)", e.v[i].message);
    expect(rc == CAV_EQUERY && e.n == 5, "bad date, weapon, latitude, unknown member, no kind");
    cav_qerrors_json(&e, id.data, 12, &out); /* the error line of `caveat check`, line 12 */
    printf("%.100s...\n", out.data);
    cav_buf_clear(&out);
    cav_qerrors_text(&e, 12, &out);
    expect(strncmp(out.data, "line 12: ", 9) == 0, "the text form starts with the line");
    cav_buf_free(&id);
    cav_buf_free(&out);
}

int main(void) {
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;
    with_setters(pack);
    indeterminate(pack);
    with_json(pack);
    mistakes(pack);
    cav_pack_release(pack);
    return failed;
}
