/* cmd_test.c — `caveat test`: runs a pack's own test cases.
 *
 * A case is one JSON line: {"case": NAME, "query": {...}, "expect": "permitted|prohibited|
 * unknown", "rules": [ids] (optional: exactly the deciding rules, all parties together),
 * "explain": "text" (optional: a substring the explanation must contain)}. Lines starting with
 * '#' and blank lines are ignored. With no PACKDIR the embedded default pack runs its embedded
 * cases; with PACKDIR, the pack in PACKDIR (its .cav files) runs the cases in PACKDIR/tests (its
 * .jsonl files).
 */
#include "cli/cli.h"
#include "pack/embedded.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char test_help[] =
    "usage: caveat test [-v] [PACKDIR]\n\n"
    "Runs the test cases a pack ships (PACKDIR/tests/*.jsonl) against it; with no PACKDIR, the\n"
    "embedded default pack and its embedded cases. Prints failures and 'N passed, N failed'.\n"
    "Exit status: 0 all passed, 1 some case failed, 2 usage or policy error.\n";

typedef struct tally {
    int passed, failed, verbose;
} tally;

static void fail_case(tally *t, const char *file, int line, const char *name, const char *why) {
    t->failed++;
    printf("FAIL %s:%d %s: %s\n", file, line, name, why);
}

static void run_case(const cav_pack *p, const char *file, int line, const char *text, tally *t) {
    json_error_t err;
    json_t *c = json_loads(text, 0, &err);
    char why[8192];
    const char *name = json_string_value(json_object_get(c, "case"));
    json_t *query = json_object_get(c, "query");
    const char *expect = json_string_value(json_object_get(c, "expect"));
    if (!c || !name || !json_is_object(query) || !expect) {
        snprintf(why, sizeof why, "a case needs \"case\", \"query\" and \"expect\"%s%s",
                 c ? "" : ": ", c ? "" : err.text);
        fail_case(t, file, line, name ? name : "?", why);
        json_decref(c);
        return;
    }
    char *qs = json_dumps(query, JSON_COMPACT);
    cav_query q;
    char id[64], field[64], msg[512];
    cav_decision d;
    if (cav_query_parse_json(p, qs, strlen(qs), &q, id, sizeof id, field, sizeof field, msg,
                             sizeof msg) != 0) {
        snprintf(why, sizeof why, "bad query: %s: %s", field, msg);
        fail_case(t, file, line, name, why);
    } else if (cav_eval(p, &q, &d) != 0) {
        fail_case(t, file, line, name, "evaluation failed");
    } else {
        char expl[4096];
        cav_explain(p, &q, &d, CAV_EXPLAIN_NEAREST, expl, sizeof expl);
        const char *got = cav_verdict_name(d.verdict);
        json_t *rules = json_object_get(c, "rules");
        const char *contains = json_string_value(json_object_get(c, "explain"));
        int ok = strcmp(got, expect) == 0;
        if (!ok)
            snprintf(why, sizeof why, "expected %s, got %s: %s", expect, got, expl);
        if (ok && rules) {
            size_t want = json_array_size(rules), have = 0;
            for (int i = 0; i < d.nparties; i++)
                have += (size_t)d.parties[i].nrules;
            int all = want == have;
            for (size_t k = 0; all && k < want; k++) {
                const char *r = json_string_value(json_array_get(rules, k));
                int found = 0;
                for (int i = 0; r && i < d.nparties; i++)
                    for (int j = 0; j < d.parties[i].nrules; j++)
                        found |= strcmp(cav_pack_rule_name(p, d.parties[i].rules[j]), r) == 0;
                all &= found;
            }
            if (!all) {
                ok = 0;
                snprintf(why, sizeof why, "deciding rules differ: %s", expl);
            }
        }
        if (ok && contains && !strstr(expl, contains)) {
            ok = 0;
            snprintf(why, sizeof why, "explanation lacks \"%s\": %s", contains, expl);
        }
        if (ok) {
            t->passed++;
            if (t->verbose)
                printf("ok   %s: %s\n", name, got);
        } else {
            fail_case(t, file, line, name, why);
        }
    }
    free(qs);
    json_decref(c);
}

static void run_text(const cav_pack *p, const char *file, const char *text, tally *t) {
    int line = 0;
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        line++;
        size_t lead = strspn(s, " \t\r");
        if (lead < n && s[lead] != '#') {
            char *one = strndup(s, n);
            if (one)
                run_case(p, file, line, one, t);
            free(one);
        }
        s += n + (e != NULL);
    }
}

static int run_dir(const char *dir, tally *t) {
    char tests[4096];
    const char *paths[1] = {dir};
    cav_pack *p = cli_load_pack(paths, 1, 0);
    if (!p)
        return CLI_USAGE;
    snprintf(tests, sizeof tests, "%s/tests", dir);
    DIR *d = opendir(tests);
    if (!d) {
        fprintf(stderr, "caveat test: %s: no tests directory\n", tests);
        cav_pack_release(p);
        return CLI_USAGE;
    }
    struct dirent *e;
    char *names[256];
    int n = 0;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".jsonl") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", tests, names[i]);
        FILE *f = fopen(path, "rb");
        char *text = NULL;
        size_t len = 0;
        if (f) {
            FILE *m = open_memstream(&text, &len);
            char buf[65536];
            size_t k;
            while (m && (k = fread(buf, 1, sizeof buf, f)) > 0)
                fwrite(buf, 1, k, m);
            if (m)
                fclose(m);
            fclose(f);
        }
        if (text)
            run_text(p, path, text, t);
        else
            fail_case(t, path, 0, "-", "cannot read the file");
        free(text);
        free(names[i]);
    }
    cav_pack_release(p);
    return CLI_OK;
}

int cmd_test(int argc, char **argv) {
    tally t = {0};
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(test_help, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "-v") == 0) {
            t.verbose = 1;
        } else if (argv[i][0] == '-' || dir) {
            fputs(test_help, stderr);
            return CLI_USAGE;
        } else {
            dir = argv[i];
        }
    }
    if (dir) {
        int rc = run_dir(dir, &t);
        if (rc)
            return rc;
    } else {
        cav_pack *p = cli_load_pack(NULL, 0, 0);
        if (!p)
            return CLI_USAGE;
        for (int i = 0; cav__default_pack_tests[i].name; i++) {
            char name[256];
            snprintf(name, sizeof name, "<default>/tests/%s", cav__default_pack_tests[i].name);
            run_text(p, name, cav__default_pack_tests[i].text, &t);
        }
        cav_pack_release(p);
    }
    printf("%d passed, %d failed\n", t.passed, t.failed);
    if (t.passed + t.failed == 0) {
        fputs("caveat test: no test case found\n", stderr);
        return CLI_INPUT_ERRORS;
    }
    return t.failed ? CLI_INPUT_ERRORS : CLI_OK;
}
