/* lex.c — the lexer of the .cav language.
 *
 * It turns a whole file into an array of tokens at once (policy files are small; the parser then
 * has free look-ahead). Every token records its line and column (1-based, bytes) and whether it
 * opens a statement (first on its line, in column 1). Comments (# to end of line) are not tokens:
 * they are kept per statement so that `caveat fmt` can print them again. The text must be UTF-8;
 * an invalid byte sequence is an error at its place. Letters, digits and numbers are ASCII and
 * read the same under every locale (core/num.h). All memory comes from the parse arena.
 */
#include "core/alloc.h"
#include "core/diag.h"
#include "core/num.h"
#include "core/util.h"
#include "lang/ast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct lexer {
    cav_arena *arena;
    const char *file, *text, *p, *end;
    int line;
    const char *line_start;
    cav_diags *diags;
    cav_token *toks;
    int n, cap;
    /* comments: pending block and the statement line it would belong to */
    char *pending;
    size_t pending_len;
    int stmt_line;
    const char **comments;
    int nlines;
    int line_has_content; /* a token or comment seen on the current line */
    int oom;
} lexer;

static int col_of(const lexer *L, const char *at) {
    return (int)(at - L->line_start) + 1;
}

static void lex_error(lexer *L, const char *at, const char *msg, const char *hint) {
    cav__diag_add(L->diags, CAV_SEV_ERROR, L->file, L->text, L->line, col_of(L, at), hint, "%s",
                  msg);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not valid. */
static int utf8_len(const unsigned char *p, const unsigned char *end) {
    if (p[0] < 0x80)
        return 1;
    int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || p[0] > 0xF4 || end - p < n)
        return 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
        return 0; /* overlong or surrogate */
    if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
        return 0;
    return n;
}

/* Reports the first invalid UTF-8 sequence in [s, e), which lies on the current line. */
static void check_utf8(lexer *L, const char *s, const char *e) {
    while (s < e) {
        int u = utf8_len((const unsigned char *)s, (const unsigned char *)e);
        if (u == 0) {
            lex_error(L, s, "invalid UTF-8 byte", "policy files must be UTF-8");
            return;
        }
        s += u;
    }
}

static void attach_comment(lexer *L, int line) {
    if (!L->pending)
        return;
    const char *old = L->comments[line];
    size_t oldlen = old ? strlen(old) : 0;
    char *joined = cav__arena_alloc(L->arena, oldlen + L->pending_len + 2);
    if (!joined) {
        L->oom = 1;
        return;
    }
    if (old) {
        memcpy(joined, old, oldlen);
        joined[oldlen++] = '\n';
    }
    memcpy(joined + oldlen, L->pending, L->pending_len);
    L->comments[line] = joined;
    cav__free(L->pending);
    L->pending = NULL;
    L->pending_len = 0;
}

static void add_comment_line(lexer *L, const char *s, size_t n) {
    char *grown = cav__realloc(L->pending, L->pending_len + n + 2);
    if (!grown) {
        L->oom = 1;
        return;
    }
    L->pending = grown;
    if (L->pending_len)
        L->pending[L->pending_len++] = '\n';
    memcpy(L->pending + L->pending_len, s, n);
    L->pending_len += n;
    L->pending[L->pending_len] = '\0';
}

static cav_token *push(lexer *L, cav_tok_kind kind, const char *start, int len) {
    if (L->n == L->cap) {
        int cap = L->cap ? L->cap * 2 : 256;
        cav_token *t = cav__arena_alloc(L->arena, (size_t)cap * sizeof *t);
        if (!t) {
            L->oom = 1;
            return NULL;
        }
        if (L->n)
            memcpy(t, L->toks, (size_t)L->n * sizeof *t);
        L->toks = t;
        L->cap = cap;
    }
    cav_token *t = &L->toks[L->n++];
    memset(t, 0, sizeof *t);
    L->line_has_content = 1;
    t->kind = kind;
    t->start = start;
    t->len = len;
    t->line = L->line;
    t->col = col_of(L, start);
    /* a token opens a statement when it is in column 1 */
    t->starts_stmt = t->col == 1 || kind == CAV_TK_EOF;
    if (t->starts_stmt) {
        L->stmt_line = kind == CAV_TK_EOF ? L->nlines + 1 : L->line;
        attach_comment(L, L->stmt_line);
    } else if (L->pending) {
        attach_comment(L, L->stmt_line);
    }
    return t;
}

static int is_name_char(int c) {
    return cav__isalnum(c) || c == '_';
}

static void lex_name(lexer *L) {
    const char *s = L->p;
    while (L->p < L->end) {
        if (is_name_char((unsigned char)*L->p)) {
            L->p++;
        } else if ((*L->p == '-' || *L->p == '.') && L->p + 1 < L->end &&
                   is_name_char((unsigned char)L->p[1])) {
            L->p += 2;
        } else {
            break;
        }
    }
    int len = (int)(L->p - s);
    cav_token *t = push(L, CAV_TK_NAME, s, len);
    if (!t)
        return;
    if (len > CAV_MAX_NAME)
        lex_error(L, s, "name is too long (at most 63 characters)", NULL);
    t->str = cav__arena_strndup(L->arena, s, (size_t)len);
    if (!t->str)
        L->oom = 1;
}

static int is_digit_at(const lexer *L, const char *q) {
    return q < L->end && cav__isdigit((unsigned char)*q);
}

static void lex_number_or_date(lexer *L) {
    const char *s = L->p;
    int digits = 0;
    while (is_digit_at(L, L->p)) {
        L->p++;
        digits++;
    }
    /* YYYY-MM-DD */
    if (digits == 4 && L->p + 6 <= L->end && L->p[0] == '-' && is_digit_at(L, L->p + 1) &&
        is_digit_at(L, L->p + 2) && L->p[3] == '-' && is_digit_at(L, L->p + 4) &&
        is_digit_at(L, L->p + 5)) {
        L->p += 6;
        cav_token *t = push(L, CAV_TK_DATE, s, (int)(L->p - s));
        if (t && !(t->str = cav__arena_strndup(L->arena, s, 10)))
            L->oom = 1;
        if (L->p < L->end && is_name_char((unsigned char)*L->p))
            lex_error(L, L->p, "unexpected character after a date", NULL);
        return;
    }
    if (L->p < L->end && *L->p == '.' && is_digit_at(L, L->p + 1)) {
        L->p++;
        while (is_digit_at(L, L->p))
            L->p++;
    }
    cav_token *t = push(L, CAV_TK_NUMBER, s, (int)(L->p - s));
    if (!t)
        return;
    /* the whole token, whatever its length, read as in the "C" locale; a value beyond a double
     * (309 digits) becomes infinity, which every use of a number rejects as out of range */
    if (cav__parse_decimal(s, (size_t)(L->p - s), &t->num) != 0)
        t->num = HUGE_VAL;
    /* a unit may follow without a space ("10km", "500m"); anything else is the parser's to
     * reject, with the context it has */
}

static void lex_string(lexer *L) {
    const char *s = L->p++;
    char *buf = cav__arena_alloc(L->arena, (size_t)(L->end - s) + 1);
    if (!buf) {
        L->oom = 1;
        return;
    }
    size_t n = 0;
    while (L->p < L->end && *L->p != '"' && *L->p != '\n') {
        if (*L->p == '\\') {
            char c = L->p + 1 < L->end ? L->p[1] : '\0';
            if (c == '"' || c == '\\')
                buf[n++] = c;
            else if (c == 'n')
                buf[n++] = '\n';
            else
                lex_error(L, L->p, "unknown escape in string", "use \\\" \\\\ or \\n");
            L->p += 2;
            continue;
        }
        buf[n++] = *L->p++;
    }
    check_utf8(L, s, L->p);
    cav_token *t = push(L, CAV_TK_STRING, s, (int)(L->p - s));
    if (!t)
        return;
    t->str = buf;
    buf[n] = '\0';
    if (L->p >= L->end || *L->p != '"') {
        lex_error(L, s, "unterminated string", "a string ends with \" on the same line");
        return;
    }
    L->p++;
    t->len = (int)(L->p - s);
}

int cav__lex(cav_arena *a, const char *file, const char *text, size_t len, cav_diags *diags,
             cav_token **out, const char ***comments) {
    lexer L = {.arena = a,
               .file = file,
               .text = text,
               .p = text,
               .end = text + len,
               .line = 1,
               .line_start = text,
               .diags = diags,
               .stmt_line = 1};
    int nlines = 1;
    for (size_t i = 0; i < len; i++)
        nlines += text[i] == '\n';
    L.nlines = nlines;
    L.comments = cav__arena_alloc(a, (size_t)(nlines + 2) * sizeof *L.comments);
    if (!L.comments)
        return -1;
    while (L.p < L.end && !L.oom) {
        unsigned char c = (unsigned char)*L.p;
        if (c == '\n') {
            /* a blank line after comments keeps them apart from the next statement (fmt prints
             * the blank line again) */
            if (!L.line_has_content && L.pending && L.pending[L.pending_len - 1] != '\n')
                add_comment_line(&L, "", 0);
            L.line_has_content = 0;
            L.p++;
            L.line++;
            L.line_start = L.p;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            L.p++;
        } else if (c == '#') {
            const char *s = L.p;
            while (L.p < L.end && *L.p != '\n')
                L.p++;
            size_t n = (size_t)(L.p - s);
            while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
                n--;
            check_utf8(&L, s, s + n);
            add_comment_line(&L, s, n);
            L.line_has_content = 1;
            /* A comment after a token on its line, or on an indented line, belongs to the
             * statement being read; one in column 1 belongs to the statement that follows. */
            int trailing = L.n > 0 && L.toks[L.n - 1].line == L.line;
            if ((trailing || s > L.line_start) && L.n > 0)
                attach_comment(&L, L.stmt_line);
        } else if (cav__isalpha(c) || c == '_') {
            lex_name(&L);
        } else if (cav__isdigit(c)) {
            lex_number_or_date(&L);
        } else if (c == '"') {
            lex_string(&L);
        } else {
            cav_tok_kind k;
            int n = 1;
            switch (c) {
            case '[': k = CAV_TK_LBRACK; break;
            case ']': k = CAV_TK_RBRACK; break;
            case '(': k = CAV_TK_LPAREN; break;
            case ')': k = CAV_TK_RPAREN; break;
            case ',': k = CAV_TK_COMMA; break;
            case '=': k = CAV_TK_EQ; break;
            case '|': k = CAV_TK_PIPE; break;
            case '&': k = CAV_TK_AMP; break;
            case '-': k = CAV_TK_MINUS; break;
            case '*': k = CAV_TK_STAR; break;
            case '!':
                if (L.p + 1 < L.end && L.p[1] == '=') {
                    k = CAV_TK_NE;
                    n = 2;
                    break;
                }
                /* fall through */
            default: {
                int u = utf8_len((const unsigned char *)L.p, (const unsigned char *)L.end);
                if (u == 0)
                    lex_error(&L, L.p, "invalid UTF-8 byte", "policy files must be UTF-8");
                else
                    lex_error(&L, L.p, "unexpected character", NULL);
                push(&L, CAV_TK_ERROR, L.p, u ? u : 1);
                L.p += u ? u : 1;
                continue;
            }
            }
            push(&L, k, L.p, n);
            L.p += n;
        }
    }
    if (!L.oom)
        push(&L, CAV_TK_EOF, L.p, 0);
    cav__free(L.pending);
    if (L.oom)
        return -1;
    *out = L.toks;
    *comments = L.comments;
    return L.n;
}
