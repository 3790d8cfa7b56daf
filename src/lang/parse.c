/* parse.c — the recursive-descent parser of the .cav language.
 *
 * Grammar (docs/language.md has it with examples):
 *
 *   stmt    := pack NAME [STRING] clause*            (timezone)
 *            | party CODE [STRING] clause*           (alias)
 *            | class NAME [STRING] | purpose NAME [STRING]
 *            | kind NAME [STRING] [in NAME]
 *            | weapon NAME [STRING] clause*          (class, consent, suppliers, alias, range)
 *            | source NAME [STRING] clause*          (outlet, date, url)
 *            | zone NAME [STRING] = zexpr clause*    (note, source, assumption)
 *            | note NAME [STRING] clause*            (party, date, until, source, says,
 *                                                     quote | paraphrase, disputed, when)
 *            | permit NAME [STRING] clause*          (party, from, until, source, says,
 *                                                     quote | paraphrase, disputed, note,
 *                                                     assumption, when)
 *            | forbid NAME [STRING] clause*          (the same, and unless)
 *   cond    := and {or and};  and := not {and not};  not := 'not' not | '(' cond ')' | test
 *   test    := field ('=' | '!=') NAME | field ['not'] 'in' (NAME | '[' NAME {, NAME} ']')
 *   zexpr   := zterm {('|' | '-') zterm};  zterm := zatom {'&' zatom}
 *   zatom   := '(' zexpr ')' | NAME | NAME '(' args ')'
 *
 * A statement begins with its keyword in column 1; its clauses may follow in any order on the
 * same or indented lines. On a syntax error the parser reports it and resumes at the next token
 * in column 1, so one run reports every broken statement. Nesting is limited to CAV_MAX_NESTING.
 */
#include "caveat.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/util.h"
#include "lang/ast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    cav_parse *out;
    int file;
    const char *fname, *text;
    cav_token *t;
    int n, i;
    const char **comments;
    cav_diags *diags;
    int failed; /* the current statement had an error: skip to the next */
    int depth;
    int oom;
} parser;

static const char *const stmt_keywords[] = {"party",  "class",  "kind", "purpose",
                                            "weapon", "source", "zone", "note",
                                            "permit", "forbid", "pack"};
static const char *const field_names[] = {"weapon",       "weapon.class", "target.kind",
                                          "target.state", "target.role",  "purpose",
                                          "supplier",     "target",       "launch"};

const char *cav__field_name(cav_field f) {
    return field_names[f];
}
const char *cav__stmt_keyword(cav_stmt_kind k) {
    return stmt_keywords[k];
}

static cav_token *peek(parser *P) {
    return &P->t[P->i];
}
static cav_token *next(parser *P) {
    cav_token *t = &P->t[P->i];
    if (t->kind != CAV_TK_EOF)
        P->i++;
    return t;
}
/* The current statement ends at the next token in column 1 (or the end of the file). */
static int at_stmt_end(parser *P) {
    return peek(P)->starts_stmt;
}

static void *alloc(parser *P, size_t n) {
    void *p = cav__arena_alloc(&P->out->arena, n);
    if (!p)
        P->oom = 1;
    return p;
}

static void error_at(parser *P, const cav_token *t, const char *hint, const char *msg) {
    if (P->failed)
        return; /* one error per statement: the rest is usually a consequence */
    P->failed = 1;
    cav__diag_add(P->diags, CAV_SEV_ERROR, P->fname, P->text, t->line, t->col, hint, "%s", msg);
}

static const char *describe(const cav_token *t) {
    switch (t->kind) {
    case CAV_TK_EOF: return "the end of the file";
    case CAV_TK_NAME: return "a name";
    case CAV_TK_STRING: return "a string";
    case CAV_TK_NUMBER: return "a number";
    case CAV_TK_DATE: return "a date";
    case CAV_TK_AMP: return "'&'";
    case CAV_TK_PIPE: return "'|'";
    case CAV_TK_EQ: return "'='";
    case CAV_TK_NE: return "'!='";
    case CAV_TK_COMMA: return "','";
    case CAV_TK_LPAREN: return "'('";
    case CAV_TK_RPAREN: return "')'";
    case CAV_TK_LBRACK: return "'['";
    case CAV_TK_RBRACK: return "']'";
    case CAV_TK_MINUS: return "'-'";
    case CAV_TK_STAR: return "'*'";
    default: return "a symbol";
    }
}

static void expected(parser *P, const char *what) {
    cav_token *t = peek(P);
    char msg[256];
    if (t->starts_stmt && t->kind != CAV_TK_EOF)
        snprintf(msg, sizeof msg,
                 "expected %s, but the statement ended (the next line starts in "
                 "column 1)",
                 what);
    else if (t->kind == CAV_TK_NAME || t->kind == CAV_TK_DATE || t->kind == CAV_TK_NUMBER)
        snprintf(msg, sizeof msg, "expected %s, found '%.*s'", what, t->len > 40 ? 40 : t->len,
                 t->start);
    else if (t->kind != CAV_TK_EOF && t->kind != CAV_TK_STRING)
        snprintf(msg, sizeof msg, "expected %s, found '%.*s'", what, t->len, t->start);
    else
        snprintf(msg, sizeof msg, "expected %s, found %s", what, describe(t));
    error_at(P, t,
             t->starts_stmt && t->kind != CAV_TK_EOF ? "continuation lines are indented" : NULL,
             msg);
}

static int is_kw(const cav_token *t, const char *kw) {
    return t->kind == CAV_TK_NAME && strcmp(t->str, kw) == 0;
}

static int accept_kw(parser *P, const char *kw) {
    if (!at_stmt_end(P) && is_kw(peek(P), kw)) {
        next(P);
        return 1;
    }
    return 0;
}

static int accept(parser *P, cav_tok_kind k) {
    if (!at_stmt_end(P) && peek(P)->kind == k) {
        next(P);
        return 1;
    }
    return 0;
}

static int expect(parser *P, cav_tok_kind k, const char *what) {
    if (accept(P, k))
        return 1;
    expected(P, what);
    return 0;
}

static int parse_name(parser *P, cav_name *out, const char *what) {
    cav_token *t = peek(P);
    if (at_stmt_end(P) || t->kind != CAV_TK_NAME) {
        expected(P, what);
        return 0;
    }
    next(P);
    out->s = t->str;
    out->line = t->line;
    out->col = t->col;
    return 1;
}

/* One or more adjacent strings, concatenated (long quotes may continue on indented lines). */
static const char *parse_string(parser *P, const char *what) {
    if (at_stmt_end(P) || peek(P)->kind != CAV_TK_STRING) {
        expected(P, what);
        return NULL;
    }
    const char *s = next(P)->str;
    while (!at_stmt_end(P) && peek(P)->kind == CAV_TK_STRING) {
        const char *more = next(P)->str;
        size_t a = strlen(s), b = strlen(more);
        char *joined = alloc(P, a + b + 1);
        if (!joined)
            return NULL;
        memcpy(joined, s, a);
        memcpy(joined + a, more, b + 1);
        s = joined;
    }
    return s;
}

static int parse_date(parser *P, int32_t *days, cav_name *at) {
    cav_token *t = peek(P);
    if (at_stmt_end(P) || t->kind != CAV_TK_DATE) {
        expected(P, "a date (YYYY-MM-DD)");
        return 0;
    }
    next(P);
    if (cav_date_parse(t->str, days) != 0) {
        error_at(P, t, "dates are written YYYY-MM-DD, years 1900 to 2100", "this is no date");
        return 0;
    }
    if (at) {
        at->s = t->str;
        at->line = t->line;
        at->col = t->col;
    }
    return 1;
}

/* NAME or [NAME, NAME, ...] */
static int parse_names(parser *P, cav_names *out, const char *what) {
    memset(out, 0, sizeof *out);
    if (!accept(P, CAV_TK_LBRACK)) {
        out->v = alloc(P, sizeof *out->v);
        if (!out->v)
            return 0;
        out->n = 1;
        return parse_name(P, &out->v[0], what);
    }
    out->bracketed = 1;
    int cap = 0;
    if (accept(P, CAV_TK_RBRACK)) {
        error_at(P, &P->t[P->i - 1], NULL, "a list needs at least one name");
        return 0;
    }
    do {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            cav_name *v = alloc(P, (size_t)cap * sizeof *v);
            if (!v)
                return 0;
            if (out->n)
                memcpy(v, out->v, (size_t)out->n * sizeof *v);
            out->v = v;
        }
        if (!parse_name(P, &out->v[out->n], what))
            return 0;
        out->n++;
    } while (accept(P, CAV_TK_COMMA));
    return expect(P, CAV_TK_RBRACK, "',' or ']'");
}

/* ---- conditions ---- */

static cav_cond *parse_or(parser *P);

static cav_cond *new_cond(parser *P, cav_cond_op op, const cav_token *at) {
    cav_cond *c = alloc(P, sizeof *c);
    if (c) {
        c->op = op;
        c->line = at->line;
        c->col = at->col;
    }
    return c;
}

static int field_of(const char *s, cav_field *f) {
    for (int i = 0; i < CAV_F_COUNT; i++)
        if (strcmp(s, field_names[i]) == 0) {
            *f = (cav_field)i;
            return 1;
        }
    return 0;
}

static cav_cond *parse_test(parser *P) {
    cav_token *t = peek(P);
    cav_field f;
    if (at_stmt_end(P) || t->kind != CAV_TK_NAME || !field_of(t->str, &f)) {
        if (t->kind == CAV_TK_NAME && !t->starts_stmt) {
            char hint[200] = "did you mean ", msg[200];
            if (cav__nearest_names(t->str, field_names, CAV_F_COUNT, hint + 13, sizeof hint - 14))
                strcat(hint, "?");
            else
                snprintf(hint, sizeof hint,
                         "fields are weapon, weapon.class, target.kind, target.state, "
                         "target.role, purpose, supplier, target, launch");
            snprintf(msg, sizeof msg, "unknown field '%s'", t->str);
            error_at(P, t, hint, msg);
        } else {
            expected(P, "a condition (a field such as weapon, purpose, target)");
        }
        return NULL;
    }
    next(P);
    cav_cond *c = new_cond(P, CAV_C_TEST, t);
    if (!c)
        return NULL;
    c->field = f;
    if (accept(P, CAV_TK_EQ)) {
        c->test = CAV_T_EQ;
        if (!at_stmt_end(P) && peek(P)->kind == CAV_TK_EQ) {
            error_at(P, peek(P), "a test is written field = value, with one '='",
                     "unexpected '=' after '='");
            return NULL;
        }
    } else if (accept(P, CAV_TK_NE)) {
        c->test = CAV_T_NE;
    } else if (accept_kw(P, "in")) {
        c->test = CAV_T_IN;
    } else if (accept_kw(P, "not")) {
        if (!accept_kw(P, "in")) {
            expected(P, "'in' after 'not'");
            return NULL;
        }
        c->test = CAV_T_NOT_IN;
    } else {
        expected(P, "'=', '!=', 'in' or 'not in'");
        return NULL;
    }
    if ((f == CAV_F_TARGET || f == CAV_F_LAUNCH) && (c->test == CAV_T_EQ || c->test == CAV_T_NE)) {
        error_at(P, &P->t[P->i - 1], "write 'target in ZONE' or 'target not in ZONE'",
                 "places are tested with 'in', not '=' or '!='");
        return NULL;
    }
    if (!parse_names(P, &c->values, "a name or a [list]"))
        return NULL;
    if ((c->test == CAV_T_EQ || c->test == CAV_T_NE) && c->values.bracketed) {
        error_at(P, t, "use 'in [a, b]' for a list", "'=' and '!=' take one name");
        return NULL;
    }
    return c;
}

static cav_cond *parse_not(parser *P) {
    if (++P->depth > CAV_MAX_NESTING) {
        error_at(P, peek(P), NULL, "condition nested too deeply (at most 64 levels)");
        return NULL;
    }
    cav_cond *c;
    cav_token *t = peek(P);
    if (accept_kw(P, "not")) {
        cav_cond *inner = parse_not(P);
        c = inner ? new_cond(P, CAV_C_NOT, t) : NULL;
        if (c)
            c->a = inner;
    } else if (accept(P, CAV_TK_LPAREN)) {
        c = parse_or(P);
        if (c && !expect(P, CAV_TK_RPAREN, "')'"))
            c = NULL;
        if (c)
            c->parens = 1;
    } else {
        c = parse_test(P);
    }
    P->depth--;
    return c;
}

static cav_cond *parse_binary(parser *P, const char *kw, cav_cond_op op,
                              cav_cond *(*operand)(parser *)) {
    cav_cond *left = operand(P);
    while (left && !at_stmt_end(P) && is_kw(peek(P), kw)) {
        cav_token *t = next(P);
        cav_cond *right = operand(P);
        if (!right)
            return NULL;
        cav_cond *c = new_cond(P, op, t);
        if (!c)
            return NULL;
        c->a = left;
        c->b = right;
        left = c;
    }
    return left;
}

static cav_cond *parse_and(parser *P) {
    return parse_binary(P, "and", CAV_C_AND, parse_not);
}
static cav_cond *parse_or(parser *P) {
    return parse_binary(P, "or", CAV_C_OR, parse_and);
}

/* ---- zone expressions ---- */

static cav_zone_expr *parse_zexpr(parser *P);

static cav_zone_expr *new_zone(parser *P, cav_zone_kind k, const cav_token *at) {
    cav_zone_expr *z = alloc(P, sizeof *z);
    if (z) {
        z->kind = k;
        z->line = at->line;
        z->col = at->col;
    }
    return z;
}

static int parse_number(parser *P, double *v, const char *what) {
    int neg = accept(P, CAV_TK_MINUS);
    cav_token *t = peek(P);
    if (at_stmt_end(P) || t->kind != CAV_TK_NUMBER) {
        expected(P, what);
        return 0;
    }
    next(P);
    *v = neg ? -t->num : t->num;
    return 1;
}

static int parse_latlon(parser *P, double *lat, double *lon) {
    cav_token *t = peek(P);
    if (!parse_number(P, lat, "a latitude"))
        return 0;
    accept(P, CAV_TK_COMMA); /* "50 36" and "50, 36" both read as one point */
    if (!parse_number(P, lon, "a longitude"))
        return 0;
    if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
        error_at(P, t, "write latitude first, then longitude, in degrees",
                 "coordinates out of range");
        return 0;
    }
    return 1;
}

/* A distance with its unit: "100 km" or "500 m"; returns metres. */
static int parse_distance(parser *P, double *metres) {
    cav_token *t = peek(P);
    double v;
    if (!parse_number(P, &v, "a distance such as 100 km"))
        return 0;
    if (accept_kw(P, "km")) {
        v *= 1000.0;
    } else if (!accept_kw(P, "m")) {
        expected(P, "a unit: km or m");
        return 0;
    }
    if (!(v > 0) || v > 2.0e6) { /* the zone builder's limit (geo/zone.c) */
        error_at(P, t, NULL, "distance must be above 0 and at most 2000 km");
        return 0;
    }
    *metres = v;
    return 1;
}

/* A relative geojson() path is relative to the directory of the policy file that names it. */
static const char *resolve_path(parser *P, const char *path) {
    const char *slash = strrchr(P->fname, '/');
    if (path[0] == '/' || !slash || strncmp(P->fname, "<default>", 9) == 0)
        return path;
    size_t dir = (size_t)(slash - P->fname) + 1, n = strlen(path);
    char *full = alloc(P, dir + n + 1);
    if (!full)
        return path;
    memcpy(full, P->fname, dir);
    memcpy(full + dir, path, n + 1);
    return full;
}

static cav_zone_expr *parse_zcall(parser *P, cav_token *fn) {
    const char *f = fn->str;
    cav_zone_expr *z = NULL;
    if (strcmp(f, "country") == 0 || strcmp(f, "region") == 0) {
        z = new_zone(P, f[0] == 'c' ? CAV_ZONE_COUNTRY : CAV_ZONE_REGION, fn);
        cav_name n;
        if (!z || !parse_name(P, &n, "an ISO 3166 code"))
            return NULL;
        snprintf(z->name, sizeof z->name, "%s", n.s);
    } else if (strcmp(f, "border") == 0) {
        cav_name a, b;
        z = new_zone(P, CAV_ZONE_BORDER, fn);
        if (!z || !parse_name(P, &a, "a country code") || !expect(P, CAV_TK_COMMA, "','") ||
            !parse_name(P, &b, "a country code"))
            return NULL;
        snprintf(z->name, sizeof z->name, "%s", a.s);
        snprintf(z->name2, sizeof z->name2, "%s", b.s);
        if (accept(P, CAV_TK_COMMA)) {
            if (!accept_kw(P, "between")) {
                expected(P, "'between LAT LON and LAT LON'");
                return NULL;
            }
            z->has_between = 1;
            if (!parse_latlon(P, &z->num[0], &z->num[1]))
                return NULL;
            if (!accept_kw(P, "and")) {
                expected(P, "'and'");
                return NULL;
            }
            if (!parse_latlon(P, &z->num[2], &z->num[3]))
                return NULL;
        }
    } else if (strcmp(f, "within") == 0) {
        z = new_zone(P, CAV_ZONE_WITHIN, fn);
        if (!z || !parse_distance(P, &z->num[0]) || !expect(P, CAV_TK_COMMA, "','"))
            return NULL;
        if (!(z->a = parse_zexpr(P)))
            return NULL;
    } else if (strcmp(f, "circle") == 0) {
        z = new_zone(P, CAV_ZONE_CIRCLE, fn);
        if (!z || !parse_latlon(P, &z->num[0], &z->num[1]) || !expect(P, CAV_TK_COMMA, "','") ||
            !parse_distance(P, &z->num[2]))
            return NULL;
    } else if (strcmp(f, "box") == 0) {
        z = new_zone(P, CAV_ZONE_BOX, fn);
        if (!z || !parse_latlon(P, &z->num[0], &z->num[1]) || !expect(P, CAV_TK_COMMA, "','") ||
            !parse_latlon(P, &z->num[2], &z->num[3]))
            return NULL;
        if (z->num[0] >= z->num[2] || z->num[1] >= z->num[3]) {
            error_at(P, fn, "box(south, west, north, east)", "box corners are in the wrong order");
            return NULL;
        }
    } else if (strcmp(f, "polygon") == 0) {
        z = new_zone(P, CAV_ZONE_POLYGON, fn);
        int cap = 0;
        if (!z)
            return NULL;
        do {
            if (z->ncoords == cap) {
                cap = cap ? cap * 2 : 8;
                double *c = alloc(P, (size_t)cap * 2 * sizeof *c);
                if (!c)
                    return NULL;
                if (z->ncoords)
                    memcpy(c, z->coords, (size_t)z->ncoords * 2 * sizeof *c);
                z->coords = c;
            }
            if (!parse_latlon(P, &z->coords[2 * z->ncoords], &z->coords[2 * z->ncoords + 1]))
                return NULL;
            z->ncoords++;
        } while (accept(P, CAV_TK_COMMA));
        if (z->ncoords < 3) {
            error_at(P, fn, NULL, "a polygon needs at least 3 points");
            return NULL;
        }
    } else if (strcmp(f, "geojson") == 0) {
        z = new_zone(P, CAV_ZONE_GEOJSON, fn);
        if (!z || !(z->written_path = parse_string(P, "a file name in quotes")))
            return NULL;
        z->path = resolve_path(P, z->written_path);
    } else {
        static const char *const fns[] = {"country", "region", "border",  "within",
                                          "circle",  "box",    "polygon", "geojson"};
        char hint[128] = "did you mean ";
        if (!cav__nearest_names(f, fns, 8, hint + 13, sizeof hint - 13))
            snprintf(hint, sizeof hint,
                     "zone functions: country region border within circle box "
                     "polygon geojson");
        error_at(P, fn, hint, "unknown zone function");
        return NULL;
    }
    if (!expect(P, CAV_TK_RPAREN, "')'"))
        return NULL;
    return z;
}

static cav_zone_expr *parse_zatom(parser *P) {
    cav_token *t = peek(P);
    if (accept(P, CAV_TK_LPAREN)) {
        cav_zone_expr *z = parse_zexpr(P);
        if (z && !expect(P, CAV_TK_RPAREN, "')'"))
            return NULL;
        return z;
    }
    if (at_stmt_end(P) || t->kind != CAV_TK_NAME) {
        expected(P, "a zone (a name, country(..), within(..), ...)");
        return NULL;
    }
    next(P);
    if (accept(P, CAV_TK_LPAREN))
        return parse_zcall(P, t);
    cav_zone_expr *z = new_zone(P, CAV_ZONE_REF, t);
    if (z)
        snprintf(z->name, sizeof z->name, "%s", t->str);
    return z;
}

static cav_zone_expr *parse_zbin(parser *P, int level) {
    /* one level per parenthesis or operator level, as in conditions (the & level is inside) */
    if (level == 0 && ++P->depth > CAV_MAX_NESTING) {
        error_at(P, peek(P), NULL, "zone expression nested too deeply (at most 64 levels)");
        return NULL;
    }
    cav_zone_expr *left = level == 0 ? parse_zbin(P, 1) : parse_zatom(P);
    while (left && !at_stmt_end(P)) {
        cav_tok_kind k = peek(P)->kind;
        cav_zone_kind op;
        if (level == 0 && k == CAV_TK_PIPE)
            op = CAV_ZONE_UNION;
        else if (level == 0 && k == CAV_TK_MINUS)
            op = CAV_ZONE_DIFF;
        else if (level == 1 && k == CAV_TK_AMP)
            op = CAV_ZONE_INTERSECT;
        else
            break;
        cav_token *t = next(P);
        cav_zone_expr *right = level == 0 ? parse_zbin(P, 1) : parse_zatom(P);
        cav_zone_expr *z = right ? new_zone(P, op, t) : NULL;
        if (!z) {
            left = NULL;
            break;
        }
        z->a = left;
        z->b = right;
        left = z;
    }
    if (level == 0)
        P->depth--;
    return left;
}

static cav_zone_expr *parse_zexpr(parser *P) {
    return parse_zbin(P, 0);
}

/* ---- statements ---- */

/* Clause bits: which clauses a statement kind accepts. */
enum {
    CL_CLASS = 1 << 0,
    CL_CONSENT = 1 << 1,
    CL_ALIAS = 1 << 2,
    CL_RANGE = 1 << 3,
    CL_OUTLET = 1 << 4,
    CL_DATE = 1 << 5,
    CL_URL = 1 << 6,
    CL_NOTE = 1 << 7,
    CL_SOURCE = 1 << 8,
    CL_PARTY = 1 << 9,
    CL_FROM = 1 << 10,
    CL_UNTIL = 1 << 11,
    CL_SAYS = 1 << 12,
    CL_QUOTE = 1 << 13,
    CL_DISPUTED = 1 << 14,
    CL_WHEN = 1 << 15,
    CL_IN = 1 << 16,
    CL_SUPPLIERS = 1 << 17,
    CL_ASSUMPTION = 1 << 18,
    CL_PARAPHRASE = 1 << 19,
    CL_UNLESS = 1 << 20,
    CL_TIMEZONE = 1 << 21
};
static const char *const clause_names[] = {
    "class",  "consent",   "alias",      "range",      "outlet", "date",    "url",      "note",
    "source", "party",     "from",       "until",      "says",   "quote",   "disputed", "when",
    "in",     "suppliers", "assumption", "paraphrase", "unless", "timezone"};
enum { NCLAUSES = 22 };

static unsigned clauses_of(cav_stmt_kind k) {
    switch (k) {
    case CAV_S_PARTY: return CL_ALIAS;
    case CAV_S_KIND: return CL_IN;
    case CAV_S_WEAPON: return CL_CLASS | CL_CONSENT | CL_SUPPLIERS | CL_ALIAS | CL_RANGE;
    case CAV_S_SOURCE: return CL_OUTLET | CL_DATE | CL_URL;
    case CAV_S_ZONE: return CL_NOTE | CL_SOURCE | CL_ASSUMPTION;
    case CAV_S_NOTE:
        return CL_PARTY | CL_DATE | CL_UNTIL | CL_SOURCE | CL_QUOTE | CL_PARAPHRASE | CL_SAYS |
               CL_DISPUTED | CL_WHEN;
    case CAV_S_PERMIT:
        return CL_PARTY | CL_FROM | CL_UNTIL | CL_SOURCE | CL_SAYS | CL_QUOTE | CL_PARAPHRASE |
               CL_DISPUTED | CL_NOTE | CL_WHEN | CL_ASSUMPTION;
    case CAV_S_FORBID:
        return CL_PARTY | CL_FROM | CL_UNTIL | CL_SOURCE | CL_SAYS | CL_QUOTE | CL_PARAPHRASE |
               CL_DISPUTED | CL_NOTE | CL_WHEN | CL_UNLESS | CL_ASSUMPTION;
    case CAV_S_PACK: return CL_TIMEZONE;
    default: return 0;
    }
}

static void parse_clause(parser *P, cav_stmt *s, unsigned bit) {
    switch (bit) {
    case CL_CLASS: parse_name(P, &s->wclass, "a weapon class"); break;
    case CL_CONSENT: parse_names(P, &s->consent, "a party code"); break;
    case CL_SUPPLIERS: parse_names(P, &s->suppliers, "a party code"); break;
    case CL_ALIAS: parse_names(P, &s->aliases, "an alias"); break;
    case CL_RANGE: s->range = parse_string(P, "the range as reported, in quotes"); break;
    case CL_OUTLET: s->outlet = parse_string(P, "the outlet's name in quotes"); break;
    case CL_URL: s->url = parse_string(P, "the address in quotes"); break;
    case CL_NOTE: s->note = parse_string(P, "a note in quotes"); break;
    case CL_SAYS: s->says = parse_string(P, "a short description in quotes"); break;
    case CL_QUOTE: s->quote = parse_string(P, "the quoted sentence in quotes"); break;
    case CL_PARAPHRASE:
        s->quote = parse_string(P, "the source's words as reported, in quotes");
        s->paraphrase = 1;
        break;
    case CL_ASSUMPTION:
        s->assumption = parse_string(P, "why it is an assumption, in quotes");
        break;
    case CL_TIMEZONE:
        s->timezone = parse_string(P, "an IANA time zone such as \"Europe/Kyiv\"");
        break;
    case CL_UNLESS: parse_names(P, &s->unless, "a permit's id or a [list]"); break;
    case CL_DISPUTED: s->disputed = parse_string(P, "why it is disputed, in quotes"); break;
    case CL_SOURCE: parse_names(P, &s->sources, "a source id"); break;
    case CL_IN: parse_name(P, &s->parent, "the parent kind"); break;
    case CL_DATE:
    case CL_FROM: s->has_from = parse_date(P, &s->from, &s->from_at); break;
    case CL_UNTIL: s->has_until = parse_date(P, &s->until, &s->until_at); break;
    case CL_PARTY:
        if (accept(P, CAV_TK_STAR)) {
            s->all_parties = 1;
            s->parties.n = 0;
        } else {
            parse_names(P, &s->parties, "a party code, a [list] or *");
        }
        break;
    case CL_WHEN: s->when = parse_or(P); break;
    default: break;
    }
}

static void parse_clauses(parser *P, cav_stmt *s) {
    unsigned allowed = clauses_of(s->kind), seen = 0;
    while (!P->failed && !P->oom && !at_stmt_end(P)) {
        cav_token *t = peek(P);
        unsigned bit = 0;
        for (int c = 0; c < NCLAUSES && t->kind == CAV_TK_NAME; c++)
            if ((allowed & (1u << c)) && strcmp(t->str, clause_names[c]) == 0)
                bit = 1u << c;
        if (!bit) {
            cav_buf hintb = {0};
            int keyword = 0;
            for (int k = 0; k < CAV_NSTMT_KINDS && t->kind == CAV_TK_NAME; k++)
                keyword |= strcmp(t->str, stmt_keywords[k]) == 0;
            if (keyword) {
                cav__buf_printf(&hintb,
                                "a statement starts in column 1; this '%s' is indented, so it "
                                "is read as part of the statement above",
                                t->str);
            } else if (t->kind == CAV_TK_NAME && strcmp(t->str, "unless") == 0 &&
                       s->kind == CAV_S_PERMIT) {
                cav__buf_puts(&hintb, "exceptions are listed on the forbid they take back: "
                                      "forbid F ... unless [this permit]");
            } else if (t->kind == CAV_TK_AMP || t->kind == CAV_TK_PIPE) {
                cav__buf_printf(&hintb, "conditions join tests with '%s', not %s",
                                t->kind == CAV_TK_AMP ? "and" : "or",
                                t->kind == CAV_TK_AMP ? "'&&' or '&'" : "'||' or '|'");
            } else if (allowed) {
                cav__buf_printf(&hintb, "%s takes:", stmt_keywords[s->kind]);
                for (int c = 0; c < NCLAUSES; c++)
                    if (allowed & (1u << c))
                        cav__buf_printf(&hintb, " %s", clause_names[c]);
            } else {
                cav__buf_printf(&hintb, "a %s statement has no clauses", stmt_keywords[s->kind]);
            }
            /* a clause of other statements here: often the line that opened this statement
             * was meant as a continuation of the one above */
            int owners = 0, rule_like = s->kind == CAV_S_PERMIT || s->kind == CAV_S_FORBID ||
                                        s->kind == CAV_S_NOTE;
            for (int k = 0; k < CAV_NSTMT_KINDS && !keyword && !rule_like && t->kind == CAV_TK_NAME;
                 k++)
                for (int c = 0; c < NCLAUSES; c++)
                    if ((clauses_of((cav_stmt_kind)k) & (1u << c)) &&
                        strcmp(t->str, clause_names[c]) == 0)
                        cav__buf_printf(&hintb, "%s%s", owners++ ? ", " : "; it is a clause of ",
                                        stmt_keywords[k]);
            if (owners)
                cav__buf_printf(&hintb, ": if line %d belongs to the statement above it, indent it",
                                s->line);
            char hint[512];
            snprintf(hint, sizeof hint, "%s", hintb.data ? hintb.data : "");
            cav_buf_free(&hintb);
            char what[128];
            if (t->kind == CAV_TK_NAME)
                snprintf(what, sizeof what, "unexpected '%s' in a %s statement", t->str,
                         stmt_keywords[s->kind]);
            else
                snprintf(what, sizeof what, "unexpected %s in a %s statement", describe(t),
                         stmt_keywords[s->kind]);
            error_at(P, t, hint, what);
            return;
        }
        if (seen & bit) {
            char msg[96];
            snprintf(msg, sizeof msg, "'%s' is given twice", t->str);
            error_at(P, t, NULL, msg);
            return;
        }
        if ((bit & (CL_QUOTE | CL_PARAPHRASE)) && (seen & (CL_QUOTE | CL_PARAPHRASE))) {
            char msg[96];
            snprintf(msg, sizeof msg, "'%s' after '%s': a statement has one or the other", t->str,
                     bit == CL_QUOTE ? "paraphrase" : "quote");
            error_at(P, t,
                     "quote is the source's own words, paraphrase the words a report gives; "
                     "keep the one you have",
                     msg);
            return;
        }
        seen |= bit;
        next(P);
        parse_clause(P, s, bit);
    }
}

/* Keeps a statement that failed after its name was read, so that its name is still known. */
static void remember_broken(parser *P, cav_stmt *s) {
    cav_parse *out = P->out;
    if (out->nbroken == out->capbroken) {
        int cap = out->capbroken ? out->capbroken * 2 : 16;
        cav_stmt **v = alloc(P, (size_t)cap * sizeof *v);
        if (!v)
            return;
        if (out->nbroken)
            memcpy(v, out->broken, (size_t)out->nbroken * sizeof *v);
        out->broken = v;
        out->capbroken = cap;
    }
    out->broken[out->nbroken++] = s;
}

static void parse_stmt(parser *P) {
    cav_token *t = peek(P);
    int kind = -1;
    for (int k = 0; k < CAV_NSTMT_KINDS && t->kind == CAV_TK_NAME; k++)
        if (strcmp(t->str, stmt_keywords[k]) == 0)
            kind = k;
    if (kind < 0) {
        char hint[160] = "did you mean ";
        int clause = 0;
        for (int c = 0; c < NCLAUSES && t->kind == CAV_TK_NAME; c++)
            clause |= strcmp(t->str, clause_names[c]) == 0;
        if (clause) {
            /* a clause in column 1 ends the statement above it: it only needs indenting */
            snprintf(hint, sizeof hint,
                     "'%s' is a clause of the statement above: indent it (continuation lines "
                     "start with a space)",
                     t->str);
            error_at(P, t, hint, "expected a statement");
            return;
        }
        if (t->kind != CAV_TK_NAME || !cav__nearest_names(t->str, stmt_keywords, CAV_NSTMT_KINDS,
                                                          hint + 13, sizeof hint - 14))
            snprintf(hint, sizeof hint,
                     "statements: pack party class kind purpose weapon source zone "
                     "note permit forbid; continuation lines are indented");
        if (strncmp(hint, "did you", 7) == 0)
            strcat(hint, "?");
        error_at(P, t, hint, "expected a statement");
        return;
    }
    next(P);
    cav_stmt *s = alloc(P, sizeof *s);
    if (!s)
        return;
    s->kind = (cav_stmt_kind)kind;
    s->line = t->line;
    s->col = t->col;
    s->file = P->file;
    s->comment = P->comments[t->line];
    if (!parse_name(P, &s->name, "a name after the keyword"))
        return;
    /* from here on, a failed statement is remembered by name */
    if (!at_stmt_end(P) && peek(P)->kind == CAV_TK_STRING)
        s->title = parse_string(P, "a title");
    if (s->kind == CAV_S_ZONE) {
        if (!expect(P, CAV_TK_EQ, "'=' and the zone's definition"))
            return;
        s->zone = parse_zexpr(P);
    }
    if (!P->failed)
        parse_clauses(P, s);
    cav_parse *out = P->out;
    if (P->failed && !P->oom) {
        remember_broken(P, s);
        return;
    }
    if (P->oom)
        return;
    if (out->nstmts == out->capstmts) {
        int cap = out->capstmts ? out->capstmts * 2 : 64;
        cav_stmt **v = alloc(P, (size_t)cap * sizeof *v);
        if (!v)
            return;
        if (out->nstmts)
            memcpy(v, out->stmts, (size_t)out->nstmts * sizeof *v);
        out->stmts = v;
        out->capstmts = cap;
    }
    out->stmts[out->nstmts++] = s;
}

static int last_line(const char *text, size_t len) {
    int n = 1;
    for (size_t k = 0; k < len; k++)
        n += text[k] == '\n';
    return n;
}

int cav__parse_file(cav_parse *p, const char *name, const char *text, cav_diags *diags) {
    size_t len = strlen(text);
    if (len > CAV_MAX_POLICY_BYTES) {
        cav__diag_add(diags, CAV_SEV_ERROR, name, NULL, 0, 0, NULL,
                      "policy file is larger than 16 MiB");
        return CAV_ELIMIT;
    }
    cav_file_src *files = cav__arena_alloc(&p->arena, (size_t)(p->nfiles + 1) * sizeof *files);
    if (!files)
        return CAV_ENOMEM;
    if (p->nfiles)
        memcpy(files, p->files, (size_t)p->nfiles * sizeof *files);
    files[p->nfiles].name = cav__arena_strdup(&p->arena, name);
    files[p->nfiles].text = cav__arena_strdup(&p->arena, text);
    if (!files[p->nfiles].name || !files[p->nfiles].text)
        return CAV_ENOMEM;
    p->files = files;
    parser P = {.out = p, .file = p->nfiles++, .diags = diags};
    P.fname = files[P.file].name;
    P.text = files[P.file].text;
    P.n = cav__lex(&p->arena, P.fname, P.text, len, diags, &P.t, &P.comments);
    if (P.n < 0)
        return CAV_ENOMEM;
    while (peek(&P)->kind != CAV_TK_EOF && !P.oom) {
        int start = P.i;
        P.failed = 0;
        P.depth = 0;
        if (!peek(&P)->starts_stmt)
            expected(&P, "a statement in column 1");
        else
            parse_stmt(&P);
        /* resume at the next statement, always making progress */
        if (P.i == start)
            next(&P);
        while (peek(&P)->kind != CAV_TK_EOF && !peek(&P)->starts_stmt)
            next(&P);
    }
    /* comments after the last statement belong to the end-of-file token's line */
    p->trailing_comment = P.comments[last_line(text, len) + 1];
    return P.oom ? CAV_ENOMEM : 0;
}

void cav__parse_free(cav_parse *p) {
    cav__arena_free(&p->arena);
}
