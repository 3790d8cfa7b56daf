/* catalog.c — what a pack knows, without parsing any output: its catalogs (names, titles,
 * aliases, the kind hierarchy), and the metadata of weapons, parties, rules, sources, zones and
 * notes, for a user interface, a form or a report of one's own. */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "catalog: unexpected: %s\n", what);
        failed = 1;
    }
}

static int find(const cav_pack *pack, cav_catalog c, const char *name) {
    return cav_catalog_find(pack, c, name, strlen(name));
}

static const char *day(int32_t days, char buf[11]) {
    if (days == CAV_DATE_OPEN)
        return "open";
    cav_date_format(days, buf);
    return buf;
}

static void catalogs(const cav_pack *pack) {
    for (int c = 0; c < CAV_CAT_COUNT; c++) {
        int n = cav_catalog_count(pack, (cav_catalog)c);
        printf("%-8s %3d:", cav_catalog_label((cav_catalog)c), n);
        for (int i = 0; i < n && i < 4; i++)
            printf(" %s", cav_catalog_name(pack, (cav_catalog)c, i));
        printf("%s\n", n > 4 ? " ..." : "");
        expect(cav_catalog_by_label(cav_catalog_label((cav_catalog)c)) == c, "labels round-trip");
        for (int i = 0; i < n; i++) /* every name finds its entry */
            expect(find(pack, (cav_catalog)c, cav_catalog_name(pack, (cav_catalog)c, i)) == i,
                   "names round-trip");
    }
    expect(cav_catalog_by_label("weapons") == CAV_CAT_WEAPON, "the plural too");
    expect(find(pack, CAV_CAT_WEAPON, "Storm Shadow") == find(pack, CAV_CAT_WEAPON, "storm_shadow"),
           "spaces, hyphens and underscores are the same");
}

static void weapon(const cav_pack *pack, const char *name) {
    cav_weapon_info w;
    int id = find(pack, CAV_CAT_WEAPON, name);
    if (cav_weapon_info_get(pack, id, &w) != 0) {
        expect(0, "a weapon of the catalog");
        return;
    }
    printf("%s (asked as %s): %s, class %s, range %s\n  consent:", w.id, name, w.title,
           cav_catalog_name(pack, CAV_CAT_CLASS, w.wclass), w.range ? w.range : "not given");
    for (int i = 0; i < w.nconsent; i++)
        printf(" %s", cav_catalog_name(pack, CAV_CAT_PARTY, w.consent[i]));
    printf("; suppliers:%s", w.nsuppliers ? "" : " not recorded");
    for (int i = 0; i < w.nsuppliers; i++)
        printf(" %s", cav_catalog_name(pack, CAV_CAT_PARTY, w.suppliers[i]));
    printf("; aliases:%s", w.naliases ? "" : " none");
    int alias_found = 0;
    for (int i = 0; i < w.naliases; i++) {
        printf(" %s", w.aliases[i]);
        alias_found |= find(pack, CAV_CAT_WEAPON, w.aliases[i]) == id;
    }
    printf("\n");
    expect(w.nconsent + w.nsuppliers > 0, "someone's consent is needed");
    expect(w.naliases == 0 || alias_found, "an alias finds its weapon");
}

static void kinds_and_parties(const cav_pack *pack) {
    cav_kind_info k;
    printf("kind:");
    int steps = 0;
    for (int i = find(pack, CAV_CAT_KIND, "artillery"); i >= 0 && steps < 10; i = k.parent) {
        cav_kind_info_get(pack, i, &k);
        printf("%s %s", steps++ ? " in" : "", k.id);
    }
    printf("\n");
    expect(steps == 3, "artillery in forces in military");

    cav_party_info party;
    expect(cav_party_info_get(pack, find(pack, CAV_CAT_PARTY, "UK"), &party) == 0, "UK is GB");
    printf("party %s (%s) also answers to:", party.code, party.title);
    for (int i = 0; i < party.nnames; i++)
        printf(" %s", party.names[i]);
    printf("\n");
}

static void rule(const cav_pack *pack, const char *name) {
    cav_rule_info r;
    char from[11], until[11];
    if (cav_rule_info_get(pack, find(pack, CAV_CAT_RULE, name), &r) != 0) {
        expect(0, "a rule of the pack");
        return;
    }
    printf("%s %s (%s:%d): %s\n  party", r.forbid ? "forbid" : "permit", r.id, r.file, r.line,
           r.title);
    for (int i = 0; i < r.nparties; i++)
        printf(" %s", cav_catalog_name(pack, CAV_CAT_PARTY, r.parties[i]));
    printf(", in force [%s, %s)\n", day(r.from, from), day(r.until, until));
    printf("  says: %s\n", r.says ? r.says : "");
    for (int i = 0; i < r.nsources; i++) {
        cav_source_info s;
        cav_source_info_get(pack, r.sources[i], &s);
        printf("  source %s: %s, %s%s\n", s.id, s.outlet, day(s.date, from),
               s.url ? ", with its address" : "");
    }
    for (int i = 0; i < r.nunless; i++)
        printf("  unless %s\n", cav_catalog_name(pack, CAV_CAT_RULE, r.unless[i]));
    if (r.assumption)
        printf("  rests on an assumption: %.70s...\n", r.assumption);
    expect(r.from < r.until && r.nsources > 0, "a rule has a start and a source");
}

static void zones_and_notes(const cav_pack *pack) {
    cav_zone_info z;
    cav_zone_info_get(pack, find(pack, CAV_CAT_ZONE, "kharkiv-border"), &z);
    printf("zone %s: %s; %s; edges to %.0f m\n", z.id, z.title,
           z.assumption ? "an assumption of the pack" : "sourced", z.precision_m);
    expect(z.assumption != NULL, "kharkiv-border is an assumption");

    int disputed = 0;
    for (int i = 0; i < cav_catalog_count(pack, CAV_CAT_NOTE); i++) {
        cav_note_info n;
        cav_note_info_get(pack, i, &n);
        if (n.disputed && disputed++ == 0)
            printf("note %s (disputed): %s\n", n.id, n.title);
    }
    printf("%d disputed notes\n", disputed);

    int sw = find(pack, CAV_CAT_WEAPON, "storm-shadow"), concerning = 0;
    for (int i = 0; i < cav_catalog_count(pack, CAV_CAT_RULE); i++)
        concerning += cav_rule_concerns(pack, i, sw);
    printf("%d of %d rules concern storm-shadow\n", concerning,
           cav_catalog_count(pack, CAV_CAT_RULE));
    expect(concerning > 0 && concerning < cav_catalog_count(pack, CAV_CAT_RULE), "some rules");
}

int main(void) {
    cav_pack *pack = NULL;
    if (cav_pack_load_default(NULL, &pack) != 0)
        return 1;
    catalogs(pack);
    weapon(pack, "HIMARS");
    weapon(pack, "Storm Shadow");
    kinds_and_parties(pack);
    rule(pack, "us-no-strikes-into-russia");
    zones_and_notes(pack);
    cav_pack_release(pack);
    return failed;
}
