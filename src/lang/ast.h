/* ast.h — tokens and the syntax tree of the .cav policy language.
 *
 * A .cav file is a list of statements. A statement starts with a keyword in column 1 and goes on
 * over every following line that is indented, so a statement's extent is visible on the page and
 * a syntax error never swallows the next statement (the parser resumes at the next line that
 * starts in column 1). See docs/language.md for the grammar.
 *
 * Ownership: tokens and every AST node live in the parse arena (cav_parse.arena) and die with it;
 * the compiled pack copies what it keeps.
 */
#ifndef CAV_AST_H
#define CAV_AST_H

#include "core/arena.h"
#include "geo/geo.h"

#include <stdint.h>

/* Limits that keep hostile input bounded (documented in docs/language.md). */
#define CAV_MAX_POLICY_BYTES (16 * 1024 * 1024) /* one policy file */
#define CAV_MAX_NESTING 64                      /* parentheses/operators in one expression */
#define CAV_MAX_NAME 63                         /* characters in a name */

typedef enum cav_tok_kind {
    CAV_TK_EOF,
    CAV_TK_NAME,   /* letters, digits, '_', with inner '-' or '.' */
    CAV_TK_STRING, /* "...", decoded into tok.str */
    CAV_TK_NUMBER, /* 12 or 12.5 (no sign: '-' is its own token) */
    CAV_TK_DATE,   /* YYYY-MM-DD */
    CAV_TK_LBRACK,
    CAV_TK_RBRACK,
    CAV_TK_LPAREN,
    CAV_TK_RPAREN,
    CAV_TK_COMMA,
    CAV_TK_EQ,
    CAV_TK_NE,
    CAV_TK_PIPE,
    CAV_TK_AMP,
    CAV_TK_MINUS,
    CAV_TK_STAR,
    CAV_TK_ERROR /* a character the language has no use for; already reported */
} cav_tok_kind;

typedef struct cav_token {
    cav_tok_kind kind;
    const char *start; /* into the source text */
    int len;
    int line, col;
    int starts_stmt; /* first token of its line and in column 1 */
    double num;      /* NUMBER */
    char *str;       /* NAME, STRING (decoded), DATE: NUL-terminated copy */
} cav_token;

/* A name as written, with its place for diagnostics. */
typedef struct cav_name {
    const char *s;
    int line, col;
} cav_name;

typedef struct cav_names {
    cav_name *v;
    int n;
    int bracketed; /* written as [a, b] rather than a bare name */
} cav_names;

/* The fields a condition can test. */
typedef enum cav_field {
    CAV_F_WEAPON,   /* weapon */
    CAV_F_CLASS,    /* weapon.class */
    CAV_F_KIND,     /* target.kind */
    CAV_F_STATE,    /* target.state */
    CAV_F_ROLE,     /* target.role */
    CAV_F_PURPOSE,  /* purpose */
    CAV_F_SUPPLIER, /* supplier */
    CAV_F_TARGET,   /* target (place: zones) */
    CAV_F_LAUNCH,   /* launch (place: zones) */
    CAV_F_COUNT
} cav_field;

typedef enum cav_cond_op { CAV_C_TEST, CAV_C_AND, CAV_C_OR, CAV_C_NOT } cav_cond_op;

/* How a test compares: `=`/`!=` with one value, `in`/`not in` with a list (or, for target.kind
 * and places, a subtree or zone). */
typedef enum cav_test_op { CAV_T_EQ, CAV_T_NE, CAV_T_IN, CAV_T_NOT_IN } cav_test_op;

typedef struct cav_cond {
    cav_cond_op op;
    int line, col;
    struct cav_cond *a, *b; /* AND/OR: a, b; NOT: a */
    int parens;             /* written inside parentheses (kept by fmt) */
    /* TEST */
    cav_field field;
    cav_test_op test;
    cav_names values;
} cav_cond;

typedef enum cav_stmt_kind {
    CAV_S_PARTY,
    CAV_S_CLASS,
    CAV_S_KIND,
    CAV_S_PURPOSE,
    CAV_S_WEAPON,
    CAV_S_SOURCE,
    CAV_S_ZONE,
    CAV_S_NOTE,
    CAV_S_PERMIT,
    CAV_S_FORBID,
    CAV_S_PACK
} cav_stmt_kind;
#define CAV_NSTMT_KINDS 11

/* One statement. Which members are used depends on kind (see docs/language.md). */
typedef struct cav_stmt {
    cav_stmt_kind kind;
    int line, col;
    int file;            /* index into cav_parse.files */
    const char *comment; /* comment lines just above the statement, "# ..." joined by '\n' */
    cav_name name;       /* the statement's id */
    const char *title;   /* optional string after the id */
    /* catalogs */
    cav_name parent;     /* kind ... in PARENT */
    cav_name wclass;     /* weapon ... class C */
    cav_names aliases;   /* weapon ... alias [..]; party ... alias [..] (other names) */
    cav_names consent;   /* weapon ... consent [..] */
    cav_names suppliers; /* weapon ... suppliers [..]: who supplied it (the supplier consents) */
    const char *range;   /* weapon ... range "..." */
    /* sources */
    const char *outlet, *url;
    /* zones */
    cav_zone_expr *zone;
    const char *assumption; /* zone ... assumption "why": the zone is the pack's assumption */
    /* pack */
    const char *timezone; /* pack ... timezone "Europe/Kyiv" */
    /* rules and notes */
    cav_names parties; /* party X | [X, Y] | *  (all_parties) */
    int all_parties;
    int32_t from, until; /* days; until is exclusive; has_* say whether given */
    int has_from, has_until;
    cav_name from_at, until_at; /* places of the dates, for diagnostics */
    cav_names sources;
    const char *says;     /* short description used in explanations */
    const char *quote;    /* the quoted sentence the rule rests on (or its paraphrase) */
    int paraphrase;       /* written `paraphrase "..."` instead of `quote "..."`: not verbatim */
    cav_names unless;     /* forbid ... unless [permit, ...]: the forbid's exceptions */
    const char *disputed; /* note why the rule is disputed; NULL if not */
    const char *note;     /* free note */
    cav_cond *when;       /* NULL: the rule applies to every use */
} cav_stmt;

typedef struct cav_file_src {
    const char *name;          /* as given (path or "<default>/x.cav") */
    const char *text;          /* whole text, NUL-terminated */
    const size_t *line_starts; /* offset in text of each line's first byte, line 1 first */
    int nlines;
} cav_file_src;

/* The first byte of line `line` (1-based) of f's text, or NULL past its end: found in O(1), so
 * diagnostics can show their line without scanning the file each time (core/diag.h). */
const char *cav__file_line(const cav_file_src *f, int line);

/* The result of parsing one or more files. */
typedef struct cav_parse {
    cav_arena arena;
    cav_file_src *files;
    int nfiles;
    cav_stmt **stmts;
    int nstmts, capstmts;
    const char *trailing_comment; /* comments after the last statement of the last file */
    cav_stmt **broken;            /* statements with a syntax error whose name was read: names */
    int nbroken, capbroken;       /* that refer to them are not reported again as unknown */
} cav_parse;

/* ---- lexer (lex.c) ---- */

typedef struct cav_diags cav_diags;
/* Tokenizes text (len bytes, NUL-terminated) into an arena array ending with an EOF token.
 * Comments are gathered per statement start line into *comments (arena array of nlines+2
 * pointers, indexed by line; NULL where a line has no comment block ending just above it).
 * Lexical errors go to diags. Returns the token count (>= 1) or -1 on out of memory. */
int cav__lex(cav_arena *a, const char *file, const char *text, size_t len, cav_diags *diags,
             cav_token **out, const char ***comments);

/* ---- parser (parse.c) ---- */

/* Parses file `name` with contents `text` and appends its statements to p. Syntax errors go to
 * diags; parsing resumes at the next statement. Returns 0, or CAV_ENOMEM / CAV_ELIMIT. */
int cav__parse_file(cav_parse *p, const char *name, const char *text, cav_diags *diags);
void cav__parse_free(cav_parse *p);

/* Names of fields, statement kinds and operators as written in the language. */
const char *cav__field_name(cav_field f);
const char *cav__stmt_keyword(cav_stmt_kind k);

#endif
