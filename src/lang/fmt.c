/* fmt.c — prints a parsed policy file in canonical layout (`caveat fmt`).
 *
 * Canonical layout: one-line catalog statements (party, class, purpose, kind) grouped without
 * blank lines; every other statement has its header on one line and one clause per indented line
 * in a fixed order, with a blank line around it; a rule's condition breaks at its top-level
 * `and`/`or`. Comments above a statement stay above it (comments inside a statement move above
 * it). Parentheses the author wrote are kept; those that precedence needs are added. Formatting
 * is idempotent and the result parses to the same pack (tests/lang/fmt.test checks both).
 */
#include "lang/fmt.h"
#include "core/alloc.h"

#include "caveat.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/num.h"

#include <math.h>
#include <string.h>

static void put_str(cav_buf *o, const char *s) {
    cav__buf_putc(o, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            cav__buf_putc(o, '\\');
        if (*s == '\n') {
            cav__buf_puts(o, "\\n");
            continue;
        }
        cav__buf_putc(o, *s);
    }
    cav__buf_putc(o, '"');
}

static void put_names(cav_buf *o, const cav_names *n) {
    if (!n->bracketed && n->n == 1) {
        cav__buf_puts(o, n->v[0].s);
        return;
    }
    cav__buf_putc(o, '[');
    for (int i = 0; i < n->n; i++)
        cav__buf_printf(o, "%s%s", i ? ", " : "", n->v[i].s);
    cav__buf_putc(o, ']');
}

/* The shortest digits that read back as v, without exponent (the language has none) and with
 * '.' whatever the locale: formatting never changes a number of the pack. */
static void put_num(cav_buf *o, double v) {
    char buf[400];
    if (cav__format_decimal(v, buf, sizeof buf) > 0)
        cav__buf_puts(o, buf);
    else /* a pack never holds one; show it rather than drop it */
        cav__buf_puts(o, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
}

/* Significant digits of a number's text. */
static int sig_digits(const char *s) {
    int n = 0, lead = 1;
    for (; *s; s++) {
        if (*s == '0' && lead)
            continue;
        if (cav__isdigit((unsigned char)*s))
            lead = 0, n++;
    }
    return n;
}

/* Whole kilometres as km, else metres; but a distance written with decimals of km ("16.1 km") is
 * a metre value such as 16100.000000000002 after the parser's * 1000: it is written as km again
 * when that reads back exactly and its metres need more digits than they look like they have. */
static void put_dist(cav_buf *o, double m) {
    char buf[400];
    int in_km = fmod(m, 1000.0) == 0.0;
    if (!in_km && cav__format_decimal(m, buf, sizeof buf) > 0 && sig_digits(buf) > 10 &&
        m / 1000.0 * 1000.0 == m)
        in_km = 1;
    if (in_km) {
        put_num(o, m / 1000.0);
        cav__buf_puts(o, " km");
    } else {
        put_num(o, m);
        cav__buf_puts(o, " m");
    }
}

static void put_latlon(cav_buf *o, double lat, double lon) {
    put_num(o, lat);
    cav__buf_putc(o, ' ');
    put_num(o, lon);
}

static int zprec(const cav_zone_expr *z) {
    switch (z->kind) {
    case CAV_ZONE_UNION:
    case CAV_ZONE_DIFF: return 1;
    case CAV_ZONE_INTERSECT: return 2;
    default: return 3;
    }
}

static void put_zone(cav_buf *o, const cav_zone_expr *z);

static void put_zone_bare(cav_buf *o, const cav_zone_expr *z);

/* An operand of a zone operator: in parentheses when the user wrote them or precedence needs
 * them. */
static void put_zone_operand(cav_buf *o, const cav_zone_expr *z, int min_prec) {
    int paren = z->parens || zprec(z) < min_prec;
    if (paren)
        cav__buf_putc(o, '(');
    put_zone_bare(o, z);
    if (paren)
        cav__buf_putc(o, ')');
}

static void put_zone(cav_buf *o, const cav_zone_expr *z) {
    put_zone_operand(o, z, 0);
}

static void put_zone_bare(cav_buf *o, const cav_zone_expr *z) {
    switch (z->kind) {
    case CAV_ZONE_COUNTRY: cav__buf_printf(o, "country(%s)", z->name); break;
    case CAV_ZONE_REGION: cav__buf_printf(o, "region(%s)", z->name); break;
    case CAV_ZONE_REF: cav__buf_puts(o, z->name); break;
    case CAV_ZONE_BORDER:
        cav__buf_printf(o, "border(%s, %s", z->name, z->name2);
        if (z->has_between) {
            cav__buf_puts(o, ", between ");
            put_latlon(o, z->num[0], z->num[1]);
            cav__buf_puts(o, " and ");
            put_latlon(o, z->num[2], z->num[3]);
        }
        cav__buf_putc(o, ')');
        break;
    case CAV_ZONE_WITHIN:
        cav__buf_puts(o, "within(");
        put_dist(o, z->num[0]);
        cav__buf_puts(o, ", ");
        put_zone(o, z->a);
        cav__buf_putc(o, ')');
        break;
    case CAV_ZONE_CIRCLE:
        cav__buf_puts(o, "circle(");
        put_latlon(o, z->num[0], z->num[1]);
        cav__buf_puts(o, ", ");
        put_dist(o, z->num[2]);
        cav__buf_putc(o, ')');
        break;
    case CAV_ZONE_BOX:
        cav__buf_puts(o, "box(");
        put_latlon(o, z->num[0], z->num[1]);
        cav__buf_puts(o, ", ");
        put_latlon(o, z->num[2], z->num[3]);
        cav__buf_putc(o, ')');
        break;
    case CAV_ZONE_POLYGON:
        cav__buf_puts(o, "polygon(");
        for (int i = 0; i < z->ncoords; i++) {
            if (i)
                cav__buf_puts(o, ", ");
            put_latlon(o, z->coords[2 * i], z->coords[2 * i + 1]);
        }
        cav__buf_putc(o, ')');
        break;
    case CAV_ZONE_GEOJSON:
        cav__buf_puts(o, "geojson(");
        put_str(o, z->written_path ? z->written_path : z->path);
        cav__buf_putc(o, ')');
        break;
    default: {
        const char *op = z->kind == CAV_ZONE_UNION  ? " | "
                         : z->kind == CAV_ZONE_DIFF ? " - "
                                                    : " & ";
        int p = zprec(z);
        put_zone_operand(o, z->a, p);
        cav__buf_puts(o, op);
        put_zone_operand(o, z->b, p + 1); /* left-associative */
        break;
    }
    }
}

static int cprec(const cav_cond *c) {
    switch (c->op) {
    case CAV_C_OR: return 1;
    case CAV_C_AND: return 2;
    case CAV_C_NOT: return 3;
    default: return 4;
    }
}

static void put_cond(cav_buf *o, const cav_cond *c);

static void put_cond_operand(cav_buf *o, const cav_cond *c, int min_prec) {
    int paren = c->parens || cprec(c) < min_prec;
    if (paren)
        cav__buf_putc(o, '(');
    put_cond(o, c);
    if (paren)
        cav__buf_putc(o, ')');
}

static void put_cond(cav_buf *o, const cav_cond *c) {
    static const char *const ops[] = {" = ", " != ", " in ", " not in "};
    switch (c->op) {
    case CAV_C_TEST:
        cav__buf_puts(o, cav__field_name(c->field));
        cav__buf_puts(o, ops[c->test]);
        put_names(o, &c->values);
        break;
    case CAV_C_NOT:
        cav__buf_puts(o, "not ");
        put_cond_operand(o, c->a, 3);
        break;
    default:
        put_cond_operand(o, c->a, cprec(c));
        cav__buf_puts(o, c->op == CAV_C_AND ? " and " : " or ");
        put_cond_operand(o, c->b, cprec(c) + 1);
        break;
    }
}

/* The top-level chain of one operator, one operand per line. */
static void put_when(cav_buf *o, const cav_cond *c, cav_cond_op chain, int first) {
    if (c->op == chain && !c->parens) {
        put_when(o, c->a, chain, first);
        put_when(o, c->b, chain, 0);
        return;
    }
    if (!first)
        cav__buf_printf(o, "\n    %s ", chain == CAV_C_AND ? "and" : "or");
    put_cond_operand(o, c, chain == CAV_C_AND ? 3 : 2);
}

static void put_date(cav_buf *o, int32_t d) {
    char buf[11];
    cav_date_format(d, buf);
    cav__buf_puts(o, buf);
}

static int one_line(const cav_stmt *s) {
    return s->kind == CAV_S_PARTY || s->kind == CAV_S_CLASS || s->kind == CAV_S_KIND ||
           s->kind == CAV_S_PURPOSE;
}

static void put_comment(cav_buf *o, const char *c) {
    if (c)
        cav__buf_printf(o, "%s\n", c);
}

static void put_stmt(cav_buf *o, const cav_stmt *s) {
    put_comment(o, s->comment);
    cav__buf_printf(o, "%s %s", cav__stmt_keyword(s->kind), s->name.s);
    if (s->title) {
        cav__buf_putc(o, ' ');
        put_str(o, s->title);
    }
    if (s->kind == CAV_S_KIND && s->parent.s)
        cav__buf_printf(o, " in %s", s->parent.s);
    if (s->kind == CAV_S_ZONE) {
        cav__buf_puts(o, " = ");
        put_zone(o, s->zone);
    }
    if (s->timezone) {
        cav__buf_puts(o, "\n  timezone ");
        put_str(o, s->timezone);
    }
    if (s->wclass.s)
        cav__buf_printf(o, "\n  class %s", s->wclass.s);
    if (s->consent.n) {
        cav__buf_puts(o, "\n  consent ");
        put_names(o, &s->consent);
    }
    if (s->suppliers.n) {
        cav__buf_puts(o, "\n  suppliers ");
        put_names(o, &s->suppliers);
    }
    if (s->aliases.n) {
        cav__buf_puts(o, "\n  alias ");
        put_names(o, &s->aliases);
    }
    if (s->range) {
        cav__buf_puts(o, "\n  range ");
        put_str(o, s->range);
    }
    if (s->outlet) {
        cav__buf_puts(o, "\n  outlet ");
        put_str(o, s->outlet);
    }
    if (s->all_parties)
        cav__buf_puts(o, "\n  party *");
    else if (s->parties.n) {
        cav__buf_puts(o, "\n  party ");
        put_names(o, &s->parties);
    }
    if (s->has_from) {
        int is_rule = s->kind == CAV_S_PERMIT || s->kind == CAV_S_FORBID;
        cav__buf_printf(o, "\n  %s ", is_rule ? "from" : "date");
        put_date(o, s->from);
    }
    if (s->has_until) {
        cav__buf_puts(o, "\n  until ");
        put_date(o, s->until);
    }
    if (s->url) {
        cav__buf_puts(o, "\n  url ");
        put_str(o, s->url);
    }
    if (s->sources.n) {
        cav__buf_puts(o, "\n  source ");
        put_names(o, &s->sources);
    }
    const char *texts[] = {s->says, s->quote, s->disputed, s->assumption, s->note};
    const char *names[] = {"says", s->paraphrase ? "paraphrase" : "quote", "disputed", "assumption",
                           "note"};
    for (int i = 0; i < 5; i++)
        if (texts[i]) {
            cav__buf_printf(o, "\n  %s ", names[i]);
            put_str(o, texts[i]);
        }
    if (s->unless.n) {
        cav__buf_puts(o, "\n  unless ");
        put_names(o, &s->unless);
    }
    if (s->when) {
        cav__buf_puts(o, "\n  when ");
        put_when(o, s->when, s->when->op == CAV_C_OR && !s->when->parens ? CAV_C_OR : CAV_C_AND, 1);
    }
    cav__buf_putc(o, '\n');
}

void cav__fmt_file(const cav_parse *ps, int file, cav_buf *o) {
    const cav_stmt *prev = NULL;
    for (int i = 0; i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->file != file)
            continue;
        if (prev && !(one_line(prev) && one_line(s) && prev->kind == s->kind && !s->comment))
            cav__buf_putc(o, '\n');
        put_stmt(o, s);
        prev = s;
    }
    if (ps->trailing_comment) {
        if (prev)
            cav__buf_putc(o, '\n');
        cav__buf_printf(o, "%s\n", ps->trailing_comment);
    }
}

int cav_fmt(const char *name, const char *text, cav_diags *diags, cav_buf *out) {
    if (!name || !text || !out)
        return CAV_EINVAL;
    cav_diags *own = diags ? NULL : cav_diags_new();
    cav_diags *d = diags ? diags : own;
    if (!d)
        return CAV_ENOMEM;
    size_t before = cav_diags_errors(d);
    cav_parse ps = {0};
    int rc = cav__parse_file(&ps, name, text, d);
    if (rc == 0 && cav_diags_errors(d) > before)
        rc = CAV_EPOLICY;
    if (rc == 0) {
        cav__fmt_file(&ps, 0, out);
        rc = cav__buf_status(out);
    }
    cav__parse_free(&ps);
    cav_diags_free(own);
    return rc == CAV_ELIMIT ? CAV_EPOLICY : rc;
}

/* ---- the unified diff of `caveat fmt --diff` ---- */

/* Splits text into lines (pointers into it, lengths without the newline). */
static int diff_lines(const char *text, size_t len, const char ***lines, size_t **lens) {
    int n = 0, cap = 64;
    *lines = cav__malloc((size_t)cap * sizeof **lines);
    *lens = cav__malloc((size_t)cap * sizeof **lens);
    if (!*lines || !*lens)
        return -1; /* the caller frees both */
    for (size_t i = 0; i < len;) {
        const char *e = memchr(text + i, '\n', len - i);
        size_t l = e ? (size_t)(e - (text + i)) : len - i;
        if (n == cap) {
            cap *= 2;
            const char **gl = cav__realloc(*lines, (size_t)cap * sizeof **lines);
            if (gl)
                *lines = gl;
            size_t *gn = gl ? cav__realloc(*lens, (size_t)cap * sizeof **lens) : NULL;
            if (gn)
                *lens = gn;
            if (!gl || !gn)
                return -1; /* the caller frees both */
        }
        (*lines)[n] = text + i;
        (*lens)[n++] = l;
        i += l + (e != NULL);
    }
    return n;
}

static int same(const char *a, size_t la, const char *b, size_t lb) {
    return la == lb && memcmp(a, b, la) == 0;
}

/* See caveat.h. From the longest common subsequence of lines (policy files are small:
 * quadratic is fine). */
int cav_fmt_diff(const char *name, const char *a, size_t alen, const char *b, size_t blen,
                 cav_buf *o) {
    int rc = 0;
    const char **la = NULL, **lb = NULL;
    size_t *na = NULL, *nb = NULL;
    int n = diff_lines(a, alen, &la, &na), m = diff_lines(b, blen, &lb, &nb);
    int *lcs =
        n >= 0 && m >= 0 ? cav__calloc((size_t)(n + 1) * (size_t)(m + 1), sizeof *lcs) : NULL;
    if (!lcs) {
        rc = CAV_ENOMEM;
        goto done;
    }
#define L(i, j) lcs[(size_t)(i) * (size_t)(m + 1) + (size_t)(j)]
    for (int i = n - 1; i >= 0; i--)
        for (int j = m - 1; j >= 0; j--)
            L(i, j) = same(la[i], na[i], lb[j], nb[j]) ? L(i + 1, j + 1) + 1
                      : L(i + 1, j) > L(i, j + 1)      ? L(i + 1, j)
                                                       : L(i, j + 1);
    /* the edit script: ' ' kept, '-' from a, '+' from b */
    size_t steps = (size_t)n + (size_t)m + 1;
    char *op = cav__malloc(steps);
    int *ia = cav__malloc(steps * sizeof *ia), *ib = cav__malloc(steps * sizeof *ib);
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
    if (!op || !ia || !ib)
        rc = CAV_ENOMEM;
    else
        cav__buf_printf(o, "--- %s\n+++ %s (canonical layout)\n", name, name);
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
        cav__buf_printf(o, "@@ -%d,%d +%d,%d @@\n", a0 + 1, ac, b0 + 1, bc);
        for (int t = start; t < end; t++) {
            cav__buf_putc(o, op[t]);
            if (op[t] == '+')
                cav__buf_put(o, lb[ib[t]], nb[ib[t]]);
            else
                cav__buf_put(o, la[ia[t]], na[ia[t]]);
            cav__buf_putc(o, '\n');
        }
        s = end;
    }
    cav__free(op);
    cav__free(ia);
    cav__free(ib);
done:
    cav__free(lcs);
    cav__free(la);
    cav__free(lb);
    cav__free(na);
    cav__free(nb);
    return rc ? rc : o->failed ? CAV_ENOMEM : 0;
}
