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

#include "caveat.h"
#include "core/num.h"

#include <math.h>
#include <string.h>

static void put_str(FILE *o, const char *s) {
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', o);
        if (*s == '\n') {
            fputs("\\n", o);
            continue;
        }
        fputc(*s, o);
    }
    fputc('"', o);
}

static void put_names(FILE *o, const cav_names *n) {
    if (!n->bracketed && n->n == 1) {
        fputs(n->v[0].s, o);
        return;
    }
    fputc('[', o);
    for (int i = 0; i < n->n; i++)
        fprintf(o, "%s%s", i ? ", " : "", n->v[i].s);
    fputc(']', o);
}

/* The shortest digits that read back as v, without exponent (the language has none) and with
 * '.' whatever the locale: formatting never changes a number of the pack. */
static void put_num(FILE *o, double v) {
    char buf[400];
    if (cav__format_decimal(v, buf, sizeof buf) > 0)
        fputs(buf, o);
    else /* a pack never holds one; show it rather than drop it */
        fputs(isnan(v) ? "nan" : v < 0 ? "-inf" : "inf", o);
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
static void put_dist(FILE *o, double m) {
    char buf[400];
    int in_km = fmod(m, 1000.0) == 0.0;
    if (!in_km && cav__format_decimal(m, buf, sizeof buf) > 0 && sig_digits(buf) > 10 &&
        m / 1000.0 * 1000.0 == m)
        in_km = 1;
    if (in_km) {
        put_num(o, m / 1000.0);
        fputs(" km", o);
    } else {
        put_num(o, m);
        fputs(" m", o);
    }
}

static void put_latlon(FILE *o, double lat, double lon) {
    put_num(o, lat);
    fputc(' ', o);
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

static void put_zone(FILE *o, const cav_zone_expr *z);

static void put_zone_operand(FILE *o, const cav_zone_expr *z, int min_prec) {
    int paren = zprec(z) < min_prec;
    if (paren)
        fputc('(', o);
    put_zone(o, z);
    if (paren)
        fputc(')', o);
}

static void put_zone(FILE *o, const cav_zone_expr *z) {
    switch (z->kind) {
    case CAV_ZONE_COUNTRY: fprintf(o, "country(%s)", z->name); break;
    case CAV_ZONE_REGION: fprintf(o, "region(%s)", z->name); break;
    case CAV_ZONE_REF: fputs(z->name, o); break;
    case CAV_ZONE_BORDER:
        fprintf(o, "border(%s, %s", z->name, z->name2);
        if (z->has_between) {
            fputs(", between ", o);
            put_latlon(o, z->num[0], z->num[1]);
            fputs(" and ", o);
            put_latlon(o, z->num[2], z->num[3]);
        }
        fputc(')', o);
        break;
    case CAV_ZONE_WITHIN:
        fputs("within(", o);
        put_dist(o, z->num[0]);
        fputs(", ", o);
        put_zone(o, z->a);
        fputc(')', o);
        break;
    case CAV_ZONE_CIRCLE:
        fputs("circle(", o);
        put_latlon(o, z->num[0], z->num[1]);
        fputs(", ", o);
        put_dist(o, z->num[2]);
        fputc(')', o);
        break;
    case CAV_ZONE_BOX:
        fputs("box(", o);
        put_latlon(o, z->num[0], z->num[1]);
        fputs(", ", o);
        put_latlon(o, z->num[2], z->num[3]);
        fputc(')', o);
        break;
    case CAV_ZONE_POLYGON:
        fputs("polygon(", o);
        for (int i = 0; i < z->ncoords; i++) {
            if (i)
                fputs(", ", o);
            put_latlon(o, z->coords[2 * i], z->coords[2 * i + 1]);
        }
        fputc(')', o);
        break;
    case CAV_ZONE_GEOJSON:
        fputs("geojson(", o);
        put_str(o, z->written_path ? z->written_path : z->path);
        fputc(')', o);
        break;
    default: {
        const char *op = z->kind == CAV_ZONE_UNION  ? " | "
                         : z->kind == CAV_ZONE_DIFF ? " - "
                                                    : " & ";
        int p = zprec(z);
        put_zone_operand(o, z->a, p);
        fputs(op, o);
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

static void put_cond(FILE *o, const cav_cond *c);

static void put_cond_operand(FILE *o, const cav_cond *c, int min_prec) {
    int paren = c->parens || cprec(c) < min_prec;
    if (paren)
        fputc('(', o);
    put_cond(o, c);
    if (paren)
        fputc(')', o);
}

static void put_cond(FILE *o, const cav_cond *c) {
    static const char *const ops[] = {" = ", " != ", " in ", " not in "};
    switch (c->op) {
    case CAV_C_TEST:
        fputs(cav__field_name(c->field), o);
        fputs(ops[c->test], o);
        put_names(o, &c->values);
        break;
    case CAV_C_NOT:
        fputs("not ", o);
        put_cond_operand(o, c->a, 3);
        break;
    default:
        put_cond_operand(o, c->a, cprec(c));
        fputs(c->op == CAV_C_AND ? " and " : " or ", o);
        put_cond_operand(o, c->b, cprec(c) + 1);
        break;
    }
}

/* The top-level chain of one operator, one operand per line. */
static void put_when(FILE *o, const cav_cond *c, cav_cond_op chain, int first) {
    if (c->op == chain && !c->parens) {
        put_when(o, c->a, chain, first);
        put_when(o, c->b, chain, 0);
        return;
    }
    if (!first)
        fprintf(o, "\n    %s ", chain == CAV_C_AND ? "and" : "or");
    put_cond_operand(o, c, chain == CAV_C_AND ? 3 : 2);
}

static void put_date(FILE *o, int32_t d) {
    char buf[11];
    cav_date_format(d, buf);
    fputs(buf, o);
}

static int one_line(const cav_stmt *s) {
    return s->kind == CAV_S_PARTY || s->kind == CAV_S_CLASS || s->kind == CAV_S_KIND ||
           s->kind == CAV_S_PURPOSE;
}

static void put_comment(FILE *o, const char *c) {
    if (c)
        fprintf(o, "%s\n", c);
}

static void put_stmt(FILE *o, const cav_stmt *s) {
    put_comment(o, s->comment);
    fprintf(o, "%s %s", cav__stmt_keyword(s->kind), s->name.s);
    if (s->title) {
        fputc(' ', o);
        put_str(o, s->title);
    }
    if (s->kind == CAV_S_KIND && s->parent.s)
        fprintf(o, " in %s", s->parent.s);
    if (s->kind == CAV_S_ZONE) {
        fputs(" = ", o);
        put_zone(o, s->zone);
    }
    if (s->wclass.s)
        fprintf(o, "\n  class %s", s->wclass.s);
    if (s->consent.n) {
        fputs("\n  consent ", o);
        put_names(o, &s->consent);
    }
    if (s->suppliers.n) {
        fputs("\n  suppliers ", o);
        put_names(o, &s->suppliers);
    }
    if (s->aliases.n) {
        fputs("\n  alias ", o);
        put_names(o, &s->aliases);
    }
    if (s->range) {
        fputs("\n  range ", o);
        put_str(o, s->range);
    }
    if (s->outlet) {
        fputs("\n  outlet ", o);
        put_str(o, s->outlet);
    }
    if (s->all_parties)
        fputs("\n  party *", o);
    else if (s->parties.n) {
        fputs("\n  party ", o);
        put_names(o, &s->parties);
    }
    if (s->has_from) {
        int is_rule = s->kind == CAV_S_PERMIT || s->kind == CAV_S_FORBID;
        fprintf(o, "\n  %s ", is_rule ? "from" : "date");
        put_date(o, s->from);
    }
    if (s->has_until) {
        fputs("\n  until ", o);
        put_date(o, s->until);
    }
    if (s->url) {
        fputs("\n  url ", o);
        put_str(o, s->url);
    }
    if (s->sources.n) {
        fputs("\n  source ", o);
        put_names(o, &s->sources);
    }
    const char *texts[] = {s->says, s->quote, s->disputed, s->note};
    const char *names[] = {"says", "quote", "disputed", "note"};
    for (int i = 0; i < 4; i++)
        if (texts[i]) {
            fprintf(o, "\n  %s ", names[i]);
            put_str(o, texts[i]);
        }
    if (s->when) {
        fputs("\n  when ", o);
        put_when(o, s->when, s->when->op == CAV_C_OR && !s->when->parens ? CAV_C_OR : CAV_C_AND, 1);
    }
    fputc('\n', o);
}

void cav__fmt_file(const cav_parse *ps, int file, FILE *o) {
    const cav_stmt *prev = NULL;
    for (int i = 0; i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->file != file)
            continue;
        if (prev && !(one_line(prev) && one_line(s) && prev->kind == s->kind && !s->comment))
            fputc('\n', o);
        put_stmt(o, s);
        prev = s;
    }
    if (ps->trailing_comment) {
        if (prev)
            fputc('\n', o);
        fprintf(o, "%s\n", ps->trailing_comment);
    }
}
