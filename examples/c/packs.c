/* packs.c — loading packs: the embedded default pack, a user's rules layered on top of it, a
 * policy with errors (every error reported with its place, nothing loaded), and sharing one pack
 * between owners by reference counting. */
#include <caveat.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "packs: unexpected: %s\n", what);
        failed = 1;
    }
}

/* A rule of our own, on top of the default pack. It is hypothetical: it says what this program
 * needs, not what Norway said. */
static const char *const own_rules =
    "source desk-notes \"Our desk's working assumption\"\n"
    "  outlet \"our desk\"\n"
    "  date 2024-06-01\n"
    "\n"
    "permit no-f16-ukraine \"Norwegian F-16s on Ukraine's territory (hypothetical)\"\n"
    "  party NO\n"
    "  from 2024-06-01\n"
    "  source desk-notes\n"
    "  says \"a hypothetical rule for this example\"\n"
    "  when weapon = f-16 and target in UA\n";

/* Loads the default pack's policy files from the library (cav_default_file) plus own_rules. */
static int load_layered(cav_diags *diags, cav_pack **out) {
    const char *names[64], *texts[64];
    size_t n = 0;
    const char *path, *text;
    size_t len;
    for (size_t i = 0; cav_default_file(i, &path, &text, &len) == 0 && n < 63; i++) {
        size_t k = strlen(path);
        if (k > 4 && strcmp(path + k - 4, ".cav") == 0) { /* not the test cases */
            names[n] = path;
            texts[n++] = text;
        }
    }
    names[n] = "desk.cav";
    texts[n++] = own_rules;
    return cav_pack_load_mem(names, texts, n, diags, out);
}

/* A Norwegian F-16 against forces near Kharkiv city, on Ukraine's territory. */
static cav_verdict decide(const cav_pack *pack) {
    cav_query q;
    cav_qerrors e;
    cav_decision d;
    cav_query_init(&q, &e);
    cav_query_set_date(&q, pack, "2024-06-10", &e);
    cav_query_set_weapon(&q, pack, "F-16", &e);
    cav_query_set_supplier(&q, pack, "NO", &e);
    cav_query_set_target(&q, pack, 49.99, 36.23, &e);
    cav_query_set_kind(&q, pack, "forces", &e);
    if (cav_query_finish(&q, pack, &e) != 0 || cav_eval(pack, &q, &d) != 0)
        return (cav_verdict)-1;
    return d.verdict;
}

static void layered(const cav_pack *def) {
    cav_diags *diags = cav_diags_new();
    cav_pack *mine = NULL;
    int rc = load_layered(diags, &mine);
    expect(rc == 0 && cav_diags_errors(diags) == 0, "the layered pack loads");
    if (rc == 0) {
        cav_verdict before = decide(def), after = decide(mine);
        printf("default  %s: %s\n", cav_pack_id(def), cav_verdict_name(before));
        printf("layered  %s: %s\n", cav_pack_id(mine), cav_verdict_name(after));
        expect(before == CAV_UNKNOWN && after == CAV_PERMITTED, "our rule decides");
        expect(strcmp(cav_pack_hash(def), cav_pack_hash(mine)) != 0, "another content, another id");
        expect(strcmp(cav_pack_name(mine), "default") == 0, "the name of its pack statement");
    }
    cav_pack_release(mine);
    cav_diags_free(diags);
}

/* Two mistakes in two files: both are reported, and no pack is made. */
static void with_errors(void) {
    const char *names[] = {"catalog.cav", "rules.cav"};
    const char *texts[] = {"party US \"United States\"\n"
                           "source s \"A source\" outlet \"o\" date 2024-01-01\n",
                           "permit r party UK from 2024-01-01 source s\n"
                           "  when target in UA\n"
                           "forbid f party US from 2024-13-01 source s\n"};
    cav_diags *diags = cav_diags_new();
    cav_pack *p = NULL;
    int rc = cav_pack_load_mem(names, texts, 2, diags, &p);
    printf("%s: %zu errors\n", cav_strerror(rc), cav_diags_errors(diags));
    expect(rc == CAV_EPOLICY && p == NULL && cav_diags_errors(diags) == 2, "two errors, no pack");
    cav_buf text = {0};
    for (size_t i = 0; i < cav_diags_count(diags); i++) {
        const cav_diag *g = cav_diags_get(diags, i);
        expect(g->line > 0 && strcmp(g->file, "rules.cav") == 0, "each error has its place");
        cav_diag_format(diags, i, &text); /* file:line:col: error: ..., the line, a caret */
    }
    fputs(text.data, stdout);
    cav_buf json = {0};
    expect(cav_diags_write(diags, 1, CAV_FMT_JSON, &json) == 0 && json.data[0] == '[',
           "the same as JSON");
    cav_buf_free(&json);
    cav_buf_free(&text);
    cav_diags_free(diags);
}

int main(void) {
    cav_pack *def = NULL;
    cav_diags *diags = cav_diags_new();
    if (cav_pack_load_default(diags, &def) != 0)
        return 1;
    expect(cav_diags_count(diags) == 0, "the default pack loads cleanly");
    cav_diags_free(diags);
    printf("%s: %s, time zone %s, hash %.16s...\n  \"%s\"\n", cav_pack_name(def), cav_pack_id(def),
           cav_pack_timezone(def), cav_pack_hash(def), cav_pack_title(def));
    expect(strlen(cav_pack_hash(def)) == 64 &&
               strncmp(cav_pack_id(def) + strlen("default@"), cav_pack_hash(def), 12) == 0,
           "the id is the name and the first 12 digits of the hash");

    layered(def);
    with_errors();

    /* a second owner (another thread, a cache) keeps the pack alive after the first lets go */
    cav_pack *shared = cav_pack_retain(def);
    cav_pack_release(def);
    expect(decide(shared) == CAV_UNKNOWN, "still usable through the other reference");
    cav_pack_release(shared);
    return failed;
}
