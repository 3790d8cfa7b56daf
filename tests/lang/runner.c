/* runner.c — runs the data-driven language tests (the .test files of tests/lang), jq-style.
 *
 * A .test file is a sequence of blocks, each opened by a line starting with %%:
 *   %%PRELUDE          policy text loaded before every following %%POLICY (file prelude.cav)
 *   %%POLICY           the policy under test (file policy.cav); it is loaded with the prelude
 *   %%ERRORS           every diagnostic of the last %%POLICY, formatted exactly as `caveat lint`
 *                      prints them; without this block the policy must load with none at all
 *   %%FMT              the canonical layout of the last %%POLICY (also checked: fmt is
 *                      idempotent and its output loads)
 *   %%QUERY [explain]  one JSON query line, evaluated against the last policy
 *   %%EXPECT           the exact decision line (or error object) it must give
 * Lines before the first block and lines starting with "# " directly after a %% line are
 * comments. Prints each failure with the test file's line, then "N passed, N failed".
 *
 * Usage: cav_langtest [--locale NAME] FILE.test...  With --locale the whole run happens after
 * setlocale(LC_ALL, NAME), as in a program that embeds libcaveat and sets its user's locale
 * (ctest runs every file again under de_DE.UTF-8, whose decimal point is a comma); a locale that
 * cannot be set fails the run.
 */
#include "caveat.h"
#include "core/buf.h"
#include "core/diag.h"
#include "lang/ast.h"
#include "lang/fmt.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static const char *test_file;

/* --update: expected blocks that differ are rewritten with what the code gives (for reviewing a
 * deliberate change of output with `git diff`, never to make a failure pass unseen). */
static int update;
typedef struct replacement {
    int line; /* the block's %% line */
    char *text;
} replacement;
static replacement *repl;
static int nrepl;

static void record(int line, const char *text) {
    repl = realloc(repl, (size_t)(nrepl + 1) * sizeof *repl);
    repl[nrepl].line = line;
    repl[nrepl++].text = strdup(text);
}

/* Rewrites the test file with the recorded blocks. */
static void rewrite(const char *path, const char *orig) {
    FILE *o = fopen(path, "wb");
    if (!o)
        return;
    const char *p = orig;
    int line = 0, skipping = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        line++;
        int header = len >= 2 && p[0] == '%' && p[1] == '%';
        if (header)
            skipping = 0;
        if (skipping && !(len == 1 && *p == '\n')) {
            p += len;
            continue;
        }
        if (skipping && len == 1) {
            skipping = 0; /* a blank line ends the replaced block */
        }
        fwrite(p, 1, len, o);
        for (int i = 0; header && i < nrepl; i++)
            if (repl[i].line == line) {
                fputs(repl[i].text, o);
                size_t tl = strlen(repl[i].text);
                if (tl && repl[i].text[tl - 1] != '\n')
                    fputc('\n', o);
                skipping = 1;
            }
        p += len;
    }
    fclose(o);
    for (int i = 0; i < nrepl; i++)
        free(repl[i].text);
    free(repl);
    repl = NULL;
    nrepl = 0;
}

typedef struct block {
    char kind[16];
    char arg[32];
    int line;
    char *text; /* contents, each line ending in '\n' */
} block;

static void fail(int line, const char *what, const char *got, const char *want) {
    failed++;
    fprintf(stderr, "%s:%d: %s\n", test_file, line, what);
    if (got)
        fprintf(stderr, "--- got:\n%s\n--- expected:\n%s\n", got, want ? want : "");
}

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        fwrite(tmp, 1, k, m);
    fclose(m);
    fclose(f);
    return buf;
}

/* Splits the file into blocks. */
static int split(char *text, block **out) {
    int n = 0, cap = 16, line = 0;
    block *v = calloc((size_t)cap, sizeof *v);
    char *p = text;
    block *cur = NULL;
    size_t curlen = 0;
    while (*p) {
        char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        line++;
        if (len >= 2 && p[0] == '%' && p[1] == '%') {
            if (n == cap) {
                cap *= 2;
                v = realloc(v, (size_t)cap * sizeof *v);
            }
            cur = &v[n++];
            memset(cur, 0, sizeof *cur);
            cur->line = line;
            sscanf(p + 2, "%15s %31s", cur->kind, cur->arg);
            cur->text = calloc(1, strlen(p) + 1);
            curlen = 0;
        } else if (cur) {
            memcpy(cur->text + curlen, p, len);
            curlen += len;
            cur->text[curlen++] = '\n';
            cur->text[curlen] = '\0';
        }
        p += len + (e != NULL);
    }
    /* a block's trailing blank lines separate it from the next; they are not its content */
    for (int i = 0; i < n; i++) {
        size_t l = strlen(v[i].text);
        while (l >= 2 && v[i].text[l - 1] == '\n' && v[i].text[l - 2] == '\n')
            v[i].text[--l] = '\0';
    }
    *out = v;
    return n;
}

static char *diags_text(const cav_diags *d) {
    cav_buf b = {0};
    for (size_t i = 0; i < cav_diags_count(d); i++)
        cav_diag_format(d, i, &b);
    char *s = strdup(b.data ? b.data : "");
    cav_buf_free(&b);
    return s;
}

/* Replaces the pack's id in a decision line by "{pack}" after checking that the line names the
 * pack that made it, so expected lines do not change with every edit of a test policy. */
static void mask_pack_id(const cav_pack *p, char *line) {
    char want[160];
    snprintf(want, sizeof want, "\"pack\": \"%s\"", cav_pack_id(p));
    char *at = strstr(line, want);
    if (!at)
        return;
    const char *mask = "\"pack\": \"{pack}\"";
    size_t wl = strlen(want), ml = strlen(mask);
    memmove(at + ml, at + wl, strlen(at + wl) + 1);
    memcpy(at, mask, ml);
}

static char *fmt_text(const char *policy, int *ok) {
    cav_buf out = {0};
    *ok = cav_fmt("policy.cav", policy, NULL, &out) == 0;
    char *s = strdup(out.data ? out.data : "");
    cav_buf_free(&out);
    return s;
}

static cav_pack *load(const char *prelude, const char *policy, cav_diags *d) {
    const char *names[2] = {"prelude.cav", "policy.cav"};
    const char *texts[2] = {prelude ? prelude : "", policy};
    cav_pack *p = NULL;
    cav_pack_load_mem(prelude ? names : names + 1, prelude ? texts : texts + 1, prelude ? 2 : 1, d,
                      &p);
    return p;
}

static void run_query(cav_pack *p, const block *q, const block *expect) {
    cav_query query;
    cav_qerrors errs;
    cav_buf id = {0}, out = {0};
    char *line = strdup(q->text);
    line[strcspn(line, "\n")] = '\0';
    char *want = strdup(expect->text);
    want[strcspn(want, "\n")] = '\0';
    if (cav_query_parse_json(p, line, strlen(line), NULL, &query, &id, &errs) != 0) {
        cav_qerrors_json(&errs, id.data, 0, &out);
    } else {
        cav_decision d;
        if (cav_eval(p, &query, &d) != 0)
            cav__buf_puts(&out, "eval failed");
        else
            cav_decision_json(p, &query, &d, id.data,
                              strcmp(q->arg, "explain") == 0 ? CAV_EXPLAIN : 0, &out);
    }
    char *got = strdup(out.data ? out.data : "");
    mask_pack_id(p, got);
    if (strcmp(got, want) == 0)
        passed++;
    else if (update)
        record(expect->line, got);
    else
        fail(q->line, "query gave another decision", got, want);
    free(got);
    free(want);
    free(line);
    cav_buf_free(&id);
    cav_buf_free(&out);
}

static void run_file(const char *path) {
    test_file = path;
    char *text = read_all(path);
    if (!text) {
        fail(0, "cannot read the test file", NULL, NULL);
        return;
    }
    block *b;
    int n = split(text, &b);
    const char *prelude = NULL;
    cav_pack *pack = NULL;
    const char *policy = NULL;
    for (int i = 0; i < n; i++) {
        const block *blk = &b[i];
        if (strcmp(blk->kind, "PRELUDE") == 0) {
            prelude = blk->text;
        } else if (strcmp(blk->kind, "POLICY") == 0) {
            cav_pack_release(pack);
            policy = blk->text;
            cav_diags *d = cav_diags_new();
            pack = load(prelude, policy, d);
            if (pack)
                cav_pack_lint(pack, 0, d); /* as `caveat lint` does */
            char *got = diags_text(d);
            const block *next = i + 1 < n ? &b[i + 1] : NULL;
            if (next && strcmp(next->kind, "ERRORS") == 0) {
                if (strcmp(got, next->text) == 0)
                    passed++;
                else if (update)
                    record(next->line, got);
                else
                    fail(next->line, "diagnostics differ", got, next->text);
                if (cav_diags_errors(d) && pack)
                    fail(blk->line, "a policy with errors was loaded", NULL, NULL);
                i++;
            } else if (!pack || cav_diags_count(d)) {
                fail(blk->line, "policy did not load cleanly", got, "(no diagnostics)");
            } else {
                passed++;
            }
            free(got);
            cav_diags_free(d);
        } else if (strcmp(blk->kind, "FMT") == 0) {
            int ok1, ok2;
            char *once = fmt_text(policy ? policy : "", &ok1);
            char *twice = ok1 ? fmt_text(once, &ok2) : NULL;
            if (!ok1)
                fail(blk->line, "policy does not parse for fmt", NULL, NULL);
            else if (strcmp(once, blk->text) != 0)
                fail(blk->line, "fmt output differs", once, blk->text);
            else if (!ok2 || strcmp(once, twice) != 0)
                fail(blk->line, "fmt is not idempotent", twice, once);
            else
                passed++;
            free(once);
            free(twice);
        } else if (strcmp(blk->kind, "QUERY") == 0) {
            if (i + 1 >= n || strcmp(b[i + 1].kind, "EXPECT") != 0) {
                fail(blk->line, "%%QUERY without %%EXPECT", NULL, NULL);
            } else if (!pack) {
                fail(blk->line, "no policy loaded for this query", NULL, NULL);
                i++;
            } else {
                run_query(pack, blk, &b[i + 1]);
                i++;
            }
        } else {
            fail(blk->line, "unknown block", NULL, NULL);
        }
    }
    cav_pack_release(pack);
    for (int i = 0; i < n; i++)
        free(b[i].text);
    free(b);
    if (update && nrepl) {
        fprintf(stderr, "%s: %d blocks rewritten\n", path, nrepl);
        rewrite(path, text);
    }
    free(text);
}

int main(int argc, char **argv) {
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--locale") == 0) {
        if (!setlocale(LC_ALL, argv[2])) {
            const char *lp = getenv("LOCPATH");
            fprintf(stderr, "cav_langtest: cannot set the locale %s (LOCPATH=%s)\n", argv[2],
                    lp ? lp : "(unset)");
            return 1;
        }
        const struct lconv *lc = localeconv();
        printf("locale %s, decimal point '%s'\n", argv[2], lc->decimal_point);
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--update") == 0) {
            update = 1;
            continue;
        }
        run_file(argv[i]);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed || passed == 0;
}
