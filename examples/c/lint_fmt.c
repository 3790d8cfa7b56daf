/* lint_fmt.c — tools for policy authors: cav_fmt lays a file out canonically (idempotent, comments
 * kept, the same pack), and cav_pack_lint finds rules that can never match, permits a forbid
 * always overrides, redundant rules and, on request, every permit/forbid overlap; warnings come
 * as diagnostics, writable as text, JSON or SARIF for code scanning. */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "lint_fmt: unexpected: %s\n", what);
        failed = 1;
    }
}

static const char *const messy =
    "# catalog\n"
    "party   US   \"United States\"\n"
    "class rocket-artillery\nclass ballistic-missile\nkind military\nkind forces in military\n"
    "purpose counterfire\npurpose strike\n"
    "weapon gmlrs consent US class rocket-artillery alias HIMARS\n"
    "weapon atacms consent US class ballistic-missile\n"
    "source s1 outlet \"CNN\" date 2024-05-30\n"
    "permit atacms-in-russia party US from 2024-05-30 source s1 when weapon=atacms and target in "
    "RU\n"
    "forbid no-atacms party US from 2024-01-01 source s1 when weapon = atacms   # trailing\n"
    "permit counterfire party US from 2024-05-30 source s1 when purpose=counterfire and target in "
    "UA\n"
    "permit counterfire-forces party US from 2024-06-01 source s1\n"
    "  when purpose = counterfire and target in UA and target.kind in forces\n";

static const char *pack_id(const char *name, const char *text, char id[64]) {
    cav_pack *p = NULL;
    id[0] = '\0';
    if (cav_pack_load_mem(&name, &text, 1, NULL, &p) == 0)
        snprintf(id, 64, "%s", cav_pack_id(p));
    cav_pack_release(p);
    return id;
}

static void format(void) {
    cav_buf once = {0}, twice = {0};
    expect(cav_fmt("messy.cav", messy, NULL, &once) == 0, "formatted");
    expect(cav_fmt("messy.cav", once.data, NULL, &twice) == 0 && strcmp(once.data, twice.data) == 0,
           "formatting a formatted file changes nothing");
    char a[64], b[64];
    expect(strcmp(pack_id("messy.cav", messy, a), pack_id("messy.cav", once.data, b)) == 0 &&
               a[0] != '\0',
           "the same pack, laid out");
    printf("%.*s", (int)(strstr(once.data, "\nsource") - once.data + 1), once.data);

    cav_diags *d = cav_diags_new();
    cav_buf out = {0}, text = {0};
    int rc = cav_fmt("broken.cav", "party US\npermit r party US from\n", d, &out);
    cav_diags_write(d, 0, CAV_FMT_TEXT, &text);
    printf("broken.cav: %s\n%s", cav_strerror(rc), text.data);
    expect(rc == CAV_EPOLICY && out.len == 0, "a syntax error, nothing written");
    cav_buf_free(&out);
    cav_buf_free(&text);
    cav_diags_free(d);
    cav_buf_free(&once);
    cav_buf_free(&twice);
}

static void lint(void) {
    const char *name = "messy.cav";
    cav_pack *p = NULL;
    cav_diags *d = cav_diags_new();
    if (cav_pack_load_mem(&name, &messy, 1, d, &p) != 0) {
        expect(0, "the policy loads");
        cav_diags_free(d);
        return;
    }
    expect(cav_pack_lint(p, 0, d) == 0, "linted");
    printf("lint: %zu warnings\n", cav_diags_count(d));
    for (size_t i = 0; i < cav_diags_count(d); i++) {
        const cav_diag *g = cav_diags_get(d, i);
        printf("  %s:%d: [%s] %s\n", g->file, g->line, g->code ? g->code : "-", g->message);
        expect(g->severity == CAV_SEV_WARNING, "warnings only: the pack loaded");
    }
    expect(cav_diags_count(d) == 2, "one shadowed permit, one redundant rule");

    cav_diags *all = cav_diags_new();
    cav_pack_lint(p, CAV_LINT_OVERLAPS, all);
    printf("with CAV_LINT_OVERLAPS: %zu warnings\n", cav_diags_count(all));
    expect(cav_diags_count(all) > cav_diags_count(d), "overlaps too");

    cav_buf sarif = {0};
    cav_diags_write(all, 1, CAV_FMT_SARIF, &sarif);
    const char *version = strstr(sarif.data, "\"version\": \"2.1.0\"");
    printf("SARIF: %zu bytes, %.19s\n", sarif.len, version ? version : "no version");
    expect(version != NULL, "SARIF 2.1.0");
    cav_buf_free(&sarif);
    cav_diags_free(all);
    cav_diags_free(d);
    cav_pack_release(p);
}

int main(void) {
    format();
    lint();
    return failed;
}
