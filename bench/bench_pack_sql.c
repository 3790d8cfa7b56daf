/* bench_pack_sql.c — writes a pack's zones and rules as PostGIS SQL, for bench/audit_compare.sh.
 *
 * The SQL classifies a table `events` (the CSV columns of `caveat sample`, as text, plus row_no)
 * into a table `decisions(row_no, decision)` the way caveat decides: zones as geometries (WKT with
 * 17 significant digits of the pack's own GEOS geometries) tested with ST_Covers (closed zones,
 * as caveat's locator), every rule's condition translated from the compiled pack (SQL's NULL logic
 * is the evaluator's three-valued logic: a missing purpose or launch point leaves a test unknown,
 * and a rule matches only when its condition IS TRUE), and the decision logic of docs/semantics.md
 * written out per party (forbid overrides permit, default deny, unknown without own rules in force,
 * `party *` rules for every party, consent parties of the weapon plus the supplier). Rows the
 * query reader would refuse (unknown names, a supplier that is needed or not recorded) are
 * 'error'. Generated from the compiled pack, so it follows the pack as the binary embeds it.
 * Membership is computed once per row and zone (a MATERIALIZED CTE: otherwise PostgreSQL inlines
 * it and calls ST_Covers again for every rule that tests the zone).
 *
 * Usage: bench_pack_sql OUT.sql
 */
#include "lang/pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int has(const uint64_t *set, int i) {
    return (int)((set[i >> 6] >> (i & 63)) & 1u);
}

static void sql_str(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static void lower_str(FILE *f, const char *s) {
    char buf[256];
    size_t n = 0;
    for (; *s && n < sizeof buf - 1; s++)
        buf[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
    buf[n] = '\0';
    sql_str(f, buf);
}

/* The ids of a non-empty set as a SQL list "(1, 2)". */
static void id_set(FILE *f, const uint64_t *set, int domain) {
    int n = 0;
    for (int i = 0; i < domain; i++)
        if (has(set, i))
            fprintf(f, "%s%d", n++ ? ", " : "(", i);
    fputc(')', f);
}

static void condition(FILE *f, const cav_pack *p, int n) {
    const cav_node *node = &p->nodes[n];
    switch (node->op) {
    case CAV_N_AND:
    case CAV_N_OR:
        fputc('(', f);
        condition(f, p, node->a);
        fputs(node->op == CAV_N_AND ? " AND " : " OR ", f);
        condition(f, p, node->b);
        fputc(')', f);
        return;
    case CAV_N_NOT:
        fputs("(NOT ", f);
        condition(f, p, node->a);
        fputc(')', f);
        return;
    default: break;
    }
    const uint64_t *set = p->words + node->set;
    int neg = node->test == CAV_T_NE || node->test == CAV_T_NOT_IN;
    fputs(neg ? "(NOT " : "(", f);
    if (node->field == CAV_F_TARGET || node->field == CAV_F_LAUNCH) {
        int k = 0;
        fputc('(', f);
        for (int z = 0; z < p->nzones; z++)
            if (has(set, z))
                fprintf(f, "%s%s%d", k++ ? " OR " : "", node->field == CAV_F_TARGET ? "tz" : "lz",
                        z);
        fputs(k ? ")" : "FALSE)", f);
    } else {
        static const char *const cols[CAV_F_COUNT] = {[CAV_F_WEAPON] = "weapon",
                                                      [CAV_F_KIND] = "kind",
                                                      [CAV_F_STATE] = "state",
                                                      [CAV_F_PURPOSE] = "purpose",
                                                      [CAV_F_SUPPLIER] = "supplier"};
        int domain = node->field == CAV_F_WEAPON    ? p->nweapons
                     : node->field == CAV_F_KIND    ? p->nkinds
                     : node->field == CAV_F_STATE   ? 2
                     : node->field == CAV_F_PURPOSE ? p->npurposes
                                                    : p->nparties;
        int any = 0;
        for (int i = 0; i < domain; i++)
            any |= has(set, i);
        if (any) {
            fprintf(f, "%s IN ", cols[node->field]);
            id_set(f, set, domain);
        } else {
            /* an empty set: false, but unknown when the field is missing */
            fprintf(f, "(CASE WHEN %s IS NULL THEN NULL ELSE FALSE END)", cols[node->field]);
        }
    }
    fputc(')', f);
}

static void zones(FILE *f, const cav_pack *p, int *used_t, int *used_l) {
    for (int n = 0; n < p->nnodes; n++) {
        const cav_node *node = &p->nodes[n];
        if (node->op != CAV_N_TEST || (node->field != CAV_F_TARGET && node->field != CAV_F_LAUNCH))
            continue;
        for (int z = 0; z < p->nzones; z++)
            if (has(p->words + node->set, z))
                (node->field == CAV_F_TARGET ? used_t : used_l)[z] = 1;
    }
    /* the pack keeps each zone as WKB; PostGIS reads it as it is */
    fputs("CREATE TABLE cav_zone (id int PRIMARY KEY, name text, geom geometry);\n", f);
    for (int z = 0; z < p->nzones; z++) {
        if (!used_t[z] && !used_l[z])
            continue;
        fprintf(f, "INSERT INTO cav_zone VALUES (%d, ", z);
        sql_str(f, p->zones[z].id);
        fputs(", ST_SetSRID(ST_GeomFromWKB('\\x", f);
        for (size_t i = 0; i < p->zones[z].wkb_len; i++)
            fprintf(f, "%02x", p->zones[z].wkb[i]);
        fputs("'::bytea), 4326));\n", f);
    }
}

static void names(FILE *f, const cav_pack *p) {
    fputs("CREATE TABLE cav_name (kind text, name text, id int, PRIMARY KEY (kind, name));\n", f);
    for (int i = 0; i < p->nweapons; i++) {
        fprintf(f, "INSERT INTO cav_name VALUES ('weapon', ");
        lower_str(f, p->weapons[i].id);
        fprintf(f, ", %d);\n", i);
        for (int a = 0; a < p->weapons[i].naliases; a++) {
            fprintf(f, "INSERT INTO cav_name VALUES ('weapon', ");
            lower_str(f, p->weapons[i].aliases[a]);
            fprintf(f, ", %d) ON CONFLICT DO NOTHING;\n", i);
        }
    }
    for (int i = 0; i < p->nkinds; i++) {
        fprintf(f, "INSERT INTO cav_name VALUES ('kind', ");
        lower_str(f, p->kinds[i].id);
        fprintf(f, ", %d);\n", i);
    }
    for (int i = 0; i < p->npurposes; i++) {
        fprintf(f, "INSERT INTO cav_name VALUES ('purpose', ");
        lower_str(f, p->purposes[i].id);
        fprintf(f, ", %d);\n", i);
    }
    for (int i = 0; i < p->nparties; i++) {
        fprintf(f, "INSERT INTO cav_name VALUES ('party', ");
        lower_str(f, p->parties[i].code);
        fprintf(f, ", %d);\n", i);
    }
}

static void in_force(FILE *f, const cav_rule *r) {
    char from[11], until[11];
    cav_date_format(r->from, from);
    if (r->until == CAV_DATE_MAX) {
        fprintf(f, "d >= DATE '%s'", from);
    } else {
        cav_date_format(r->until, until);
        fprintf(f, "d >= DATE '%s' AND d < DATE '%s'", from, until);
    }
}

/* The consent test of party P: the weapon needs it, or it is the supplier. */
static void needs(FILE *f, const cav_pack *p, int party) {
    fputs("(weapon IN (-1", f);
    for (int w = 0; w < p->nweapons; w++)
        for (int c = 0; c < p->weapons[w].nconsent; c++)
            if (p->weapons[w].consent[c] == party)
                fprintf(f, ", %d", w);
    fprintf(f, ") OR supplier IS NOT DISTINCT FROM %d)", party);
}

static void classify(FILE *f, const cav_pack *p, const int *used_t, const int *used_l) {
    fputs("CREATE TABLE decisions AS\n"
          "WITH f AS (\n"
          "  SELECT e.row_no, e.date::date AS d, w.id AS weapon, k.id AS kind, pu.id AS purpose,\n"
          "         s.id AS supplier,\n"
          "         CASE lower(trim(coalesce(e.state, ''))) WHEN 'airborne' THEN 1\n"
          "           WHEN 'ground' THEN 0\n"
          "           WHEN '' THEN 0 END AS state,\n"
          "         coalesce(trim(e.purpose), '') <> '' AS has_purpose,\n"
          "         coalesce(trim(e.supplier), '') <> '' AS has_supplier,\n"
          "         ST_SetSRID(ST_MakePoint(e.tlon::float8, e.tlat::float8), 4326) AS tp,\n"
          "         CASE WHEN coalesce(e.llat, '') = '' THEN NULL ELSE\n"
          "           ST_SetSRID(ST_MakePoint(e.llon::float8, e.llat::float8), 4326) END AS lp\n"
          "  FROM events e\n"
          "  LEFT JOIN cav_name w ON w.kind = 'weapon' AND w.name = lower(trim(e.weapon))\n"
          "  LEFT JOIN cav_name k ON k.kind = 'kind' AND k.name = lower(trim(e.kind))\n"
          "  LEFT JOIN cav_name pu ON pu.kind = 'purpose' AND pu.name = lower(trim(e.purpose))\n"
          "  LEFT JOIN cav_name s ON s.kind = 'party' AND s.name = lower(trim(e.supplier))\n"
          "), z AS MATERIALIZED (\n"
          "  SELECT row_no, d, weapon, kind, purpose, supplier, state, has_purpose, has_supplier",
          f);
    for (int z = 0; z < p->nzones; z++) {
        if (used_t[z])
            fprintf(f, ",\n    ST_Covers((SELECT geom FROM cav_zone WHERE id = %d), tp) AS tz%d", z,
                    z);
        if (used_l[z])
            fprintf(f,
                    ",\n    CASE WHEN lp IS NULL THEN NULL ELSE "
                    "ST_Covers((SELECT geom FROM cav_zone WHERE id = %d), lp) END AS lz%d",
                    z, z);
    }
    fputs("\n  FROM f\n), r AS (\n  SELECT row_no, d, weapon, supplier,\n", f);
    /* rows the query reader refuses */
    fputs(
        "    (weapon IS NULL OR kind IS NULL OR state IS NULL OR (has_purpose AND purpose IS NULL)"
        "\n     OR (has_supplier AND supplier IS NULL)",
        f);
    for (int w = 0; w < p->nweapons; w++) {
        const cav_weapon *wp = &p->weapons[w];
        if (wp->nconsent == 0)
            fprintf(f, "\n     OR (weapon = %d AND supplier IS NULL)", w);
        if (wp->nsuppliers > 0) {
            fprintf(f, "\n     OR (weapon = %d AND supplier IS NOT NULL AND supplier NOT IN (", w);
            for (int s = 0; s < wp->nsuppliers; s++)
                fprintf(f, "%s%d", s ? ", " : "", wp->suppliers[s]);
            fputs("))", f);
        }
    }
    fputs(") AS err", f);
    for (int r = 0; r < p->nrules; r++) {
        fprintf(f, ",\n    coalesce(");
        if (p->rules[r].root < 0)
            fputs("TRUE", f);
        else
            condition(f, p, p->rules[r].root);
        fprintf(f, ", FALSE) AS r%d", r);
    }
    fputs("\n  FROM z\n), v AS (\n  SELECT row_no, err", f);
    for (int party = 0; party < p->nparties; party++) {
        fputs(",\n    ", f);
        needs(f, p, party);
        fprintf(f, " AS n%d,\n    CASE WHEN FALSE", party);
        for (int r = 0; r < p->nrules; r++)
            if (p->rules[r].forbid && cav__rule_applies(&p->rules[r], party)) {
                fprintf(f, " OR (r%d AND ", r);
                in_force(f, &p->rules[r]);
                fputc(')', f);
            }
        fputs(" THEN 1 WHEN NOT (FALSE", f);
        for (int r = 0; r < p->nrules; r++)
            if (!p->rules[r].all_parties && cav__rule_applies(&p->rules[r], party)) {
                fputs(" OR (", f);
                in_force(f, &p->rules[r]);
                fputc(')', f);
            }
        fputs(") THEN 2 WHEN FALSE", f);
        for (int r = 0; r < p->nrules; r++)
            if (!p->rules[r].forbid && cav__rule_applies(&p->rules[r], party)) {
                fprintf(f, " OR (r%d AND ", r);
                in_force(f, &p->rules[r]);
                fputc(')', f);
            }
        fprintf(f, " THEN 0 ELSE 1 END AS v%d", party);
    }
    fputs("\n  FROM r\n)\nSELECT row_no, CASE WHEN err THEN 'error' WHEN FALSE", f);
    for (int party = 0; party < p->nparties; party++)
        fprintf(f, " OR (n%d AND v%d = 1)", party, party);
    fputs(" THEN 'prohibited' WHEN TRUE", f);
    for (int party = 0; party < p->nparties; party++)
        fprintf(f, " AND (NOT n%d OR v%d = 0)", party, party);
    fputs(" THEN 'permitted' ELSE 'unknown' END AS decision\nFROM v;\n", f);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fputs("usage: bench_pack_sql OUT.sql\n", stderr);
        return 2;
    }
    cav_pack *p = NULL;
    if (cav_pack_load_default(NULL, &p) != 0) {
        fputs("bench_pack_sql: cannot load the default pack\n", stderr);
        return 1;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    int *used_t = calloc((size_t)p->nzones + 1, sizeof *used_t);
    int *used_l = calloc((size_t)p->nzones + 1, sizeof *used_l);
    fputs("-- generated by bench/bench_pack_sql from the default pack; do not edit\n"
          "DROP TABLE IF EXISTS cav_zone, cav_name, decisions;\n",
          f);
    zones(f, p, used_t, used_l);
    names(f, p);
    fputs("ANALYZE cav_zone; ANALYZE cav_name;\n", f);
    fputs("-- CLASSIFY\n", f);
    classify(f, p, used_t, used_l);
    int rc = ferror(f) | fclose(f);
    free(used_t);
    free(used_l);
    cav_pack_release(p);
    return rc ? 1 : 0;
}
