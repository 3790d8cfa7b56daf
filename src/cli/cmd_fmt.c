/* cmd_fmt.c — `caveat fmt`: policy files in canonical layout (the library's cav_fmt), printed,
 * checked, shown as a unified diff, or rewritten in place atomically (a file with syntax errors
 * is never rewritten; a read-only file is refused, as cli_write_output does). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int write_back, check, diff;

static const cli_opt opts[] = {
    {"write", 'w', OPT_FLAG, &write_back, NULL, "rewrite the files in place", NULL},
    {"check", 'c', OPT_FLAG, &check, NULL,
     "print nothing; exit with status 1 when a file is not in canonical layout", NULL},
    {"diff", 'd', OPT_FLAG, &diff, NULL, "print what would change, as a unified diff", NULL},
    CLI_END_OPTS};

/* Splits text into lines (pointers into it, lengths without the newline). */
static int split_lines(const char *text, size_t len, const char ***lines, size_t **lens) {
    int n = 0, cap = 64;
    *lines = malloc((size_t)cap * sizeof **lines);
    *lens = malloc((size_t)cap * sizeof **lens);
    for (size_t i = 0; *lines && *lens && i < len;) {
        const char *e = memchr(text + i, '\n', len - i);
        size_t l = e ? (size_t)(e - (text + i)) : len - i;
        if (n == cap) {
            cap *= 2;
            *lines = realloc(*lines, (size_t)cap * sizeof **lines);
            *lens = realloc(*lens, (size_t)cap * sizeof **lens);
            if (!*lines || !*lens)
                return -1;
        }
        (*lines)[n] = text + i;
        (*lens)[n++] = l;
        i += l + (e != NULL);
    }
    return *lines && *lens ? n : -1;
}

static int same(const char *a, size_t la, const char *b, size_t lb) {
    return la == lb && memcmp(a, b, la) == 0;
}

/* A unified diff of a (the file) and b (the layout), with 3 lines of context, from the longest
 * common subsequence of lines (policy files are small: quadratic is fine). */
static void print_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen) {
    const char **la = NULL, **lb = NULL;
    size_t *na = NULL, *nb = NULL;
    int n = split_lines(a, alen, &la, &na), m = split_lines(b, blen, &lb, &nb);
    int *lcs = n >= 0 && m >= 0 ? calloc((size_t)(n + 1) * (size_t)(m + 1), sizeof *lcs) : NULL;
    if (!lcs) {
        fprintf(stderr, "caveat fmt: %s: out of memory for the diff\n", path);
        goto done;
    }
#define L(i, j) lcs[(size_t)(i) * (size_t)(m + 1) + (size_t)(j)]
    for (int i = n - 1; i >= 0; i--)
        for (int j = m - 1; j >= 0; j--)
            L(i, j) = same(la[i], na[i], lb[j], nb[j]) ? L(i + 1, j + 1) + 1
                      : L(i + 1, j) > L(i, j + 1)      ? L(i + 1, j)
                                                       : L(i, j + 1);
    /* the edit script: ' ' kept, '-' from a, '+' from b */
    char *op = malloc((size_t)(n + m + 1));
    int *ia = malloc((size_t)(n + m + 1) * sizeof *ia),
        *ib = malloc((size_t)(n + m + 1) * sizeof *ib);
    int k = 0;
    for (int i = 0, j = 0; op && ia && ib && (i < n || j < m);) {
        if (i < n && j < m && same(la[i], na[i], lb[j], nb[j])) {
            op[k] = ' ', ia[k] = i++, ib[k++] = j++;
        } else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
            op[k] = '-', ia[k] = i++, ib[k++] = j; /* deletions before insertions */
        } else {
            op[k] = '+', ia[k] = i, ib[k++] = j++;
        }
    }
#undef L
    printf("--- %s\n+++ %s (canonical layout)\n", path, path);
    for (int s = 0; op && s < k;) {
        while (s < k && op[s] == ' ')
            s++;
        if (s == k)
            break;
        int start = s > 3 ? s - 3 : 0, end = s;
        /* extend the hunk while changes come within 6 lines of each other */
        for (int t = s; t < k; t++)
            if (op[t] != ' ')
                end = t;
            else if (t - end > 6)
                break;
        end = end + 4 < k ? end + 4 : k;
        int a0 = ia[start], b0 = ib[start], ac = 0, bc = 0;
        for (int t = start; t < end; t++) {
            ac += op[t] != '+';
            bc += op[t] != '-';
        }
        printf("@@ -%d,%d +%d,%d @@\n", a0 + 1, ac, b0 + 1, bc);
        for (int t = start; t < end; t++) {
            if (op[t] == '+')
                printf("+%.*s\n", (int)nb[ib[t]], lb[ib[t]]);
            else
                printf("%c%.*s\n", op[t], (int)na[ia[t]], la[ia[t]]);
        }
        s = end;
    }
    free(op);
    free(ia);
    free(ib);
done:
    free(lcs);
    free(la);
    free(lb);
    free(na);
    free(nb);
}

static int fmt_one(const char *path) {
    char *text = NULL;
    size_t len = 0;
    if (cli_read_file(path, &text, &len, "caveat fmt") != 0)
        return CLI_USAGE;
    if (memchr(text, '\0', len)) {
        fprintf(stderr, "caveat fmt: %s: contains a NUL byte (is it a text file?)\n", path);
        free(text);
        return CLI_USAGE;
    }
    cav_diags *d = cav_diags_new();
    cav_buf out = {0};
    int rc = CLI_OK, err = cav_fmt(path, text, d, &out);
    if (err != 0) {
        cli_print_diags(d, stderr, 0);
        if (err != CAV_EPOLICY)
            fprintf(stderr, "caveat fmt: %s: %s\n", path, cav_strerror(err));
        rc = CLI_USAGE;
    } else {
        int changed = out.len != len || memcmp(out.data ? out.data : "", text, len) != 0;
        if (check || diff) {
            if (changed && check && !diff)
                printf("%s: not in canonical layout\n", path);
            if (changed && diff)
                print_diff(path, text, len, out.data ? out.data : "", out.len);
            rc = changed ? CLI_INPUT_ERRORS : CLI_OK;
        } else if (write_back) {
            if (changed && cli_write_output(path, out.data, out.len, "caveat fmt", NULL, NULL) != 0)
                rc = CLI_USAGE;
        } else {
            fwrite(out.data ? out.data : "", 1, out.len, stdout);
        }
    }
    cav_buf_free(&out);
    cav_diags_free(d);
    free(text);
    return rc;
}

static int run_fmt(const cli_cmd *cmd, int argc, char **argv) {
    const char **args;
    int nargs, rc = cli_parse(cmd, argc, argv, &args, &nargs);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (write_back + check + diff > 1) {
        fputs("caveat fmt: give one of --write, --check and --diff\n", stderr);
        return CLI_USAGE;
    }
    for (int i = 0; i < nargs; i++) {
        int r = fmt_one(args[i]);
        if (r > rc)
            rc = r;
    }
    return rc;
}

const cli_cmd cmd_fmt = {
    "fmt",
    "caveat fmt [--write | --check | --diff] FILE...",
    "print policy files in canonical layout",
    "Prints each policy file in canonical layout (docs/language.md, \"Layout\"); comments are\n"
    "kept and the result parses to the same pack. --write rewrites the files in place (a file\n"
    "is replaced only whole, keeping its permissions; a file with syntax errors is never\n"
    "rewritten); --check exits with status 1 when a file is not in canonical layout; --diff shows\n"
    "the changes as a unified diff.",
    1,
    -1,
    opts,
    run_fmt};
