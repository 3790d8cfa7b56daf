/* audit_rows.c — deciding the rows of one chunk into output rows: the audit's hot path.
 *
 * A CSV row's query cells are bound through the worker's caches in front of the library's setters
 * (audit_cache.c) — the same cav_query_set and cav_query_finish as `caveat check` — then decided
 * with cav_eval; an NDJSON document's query members go to cav_query_parse_json, the reader of
 * `caveat check` itself. Every problem of a row is reported in its error, and the row keeps its
 * place: one output row per input row, always.
 *
 * Output rows: CSV (the input columns as they came, re-quoted only when the input's delimiter or
 * quoting requires, then the decision's columns), NDJSON ({"line", "query", "input", "decision"}:
 * the query in its nested form with typed values, the other input fields under "input", so no
 * input key can shadow an output key, and under "decision" exactly the line `caveat check` writes
 * for the query), or GeoJSON features (a point per row, the columns as properties). Output is
 * always valid UTF-8: bytes of the input that are not are written as U+FFFD.
 */
#include "batch/audit.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"
#include "lang/pack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text helpers ------------------------------------------------------------------------- */

/* Appends s[0, n) with every byte that is not part of valid UTF-8 written as U+FFFD. */
static void put_utf8(cav_buf *b, const char *s, size_t n) {
    if (cav__ascii_prefix(s, n) == n || cav__utf8_valid(s, n)) {
        cav__buf_put(b, s, n);
        return;
    }
    size_t i = 0;
    while (i < n) {
        /* the longest valid prefix, then one replacement for one bad byte */
        size_t k = 1;
        while (i + k <= n && k <= 4 && !cav__utf8_valid(s + i, k))
            k++;
        if (i + k <= n && k <= 4) {
            cav__buf_put(b, s + i, k);
            i += k;
        } else {
            cav__buf_put(b, "\xef\xbf\xbd", 3);
            i++;
        }
    }
}

void cav__audit_csv_text(cav_buf *b, const char *s, size_t n);
/* Appends s[0, n) as one CSV field (delimiter ','), invalid UTF-8 written as U+FFFD. */
void cav__audit_csv_text(cav_buf *b, const char *s, size_t n) {
    if (!cav__csv_needs_quotes(s, n, ',')) {
        put_utf8(b, s, n);
        return;
    }
    cav__buf_putc(b, '"');
    const char *from = s, *end = s + n, *q;
    while ((q = memchr(from, '"', (size_t)(end - from))) != NULL) {
        put_utf8(b, from, (size_t)(q + 1 - from)); /* the quote, and then another */
        cav__buf_putc(b, '"');
        from = q + 1;
    }
    put_utf8(b, from, (size_t)(end - from));
    cav__buf_putc(b, '"');
}

/* Adds a problem of the row to e (field -1: the row itself). */
static void add_problem(cav_qerrors *e, int field, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_problem(cav_qerrors *e, int field, const char *name, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cav__qerrors_vadd(e, field, name, fmt, ap);
    va_end(ap);
}

static void count_error(worker *w, chunk *c, long line, const cav_qerrors *e) {
    w->errors++;
    c->nerrors++;
    int f = e->n ? e->v[0].field : -1;
    w->err_fields[f >= 0 && f < CAV_Q_COUNT ? f : CAV_Q_COUNT]++;
    if (c->nsamples < AUDIT_SAMPLES) {
        audit_sample *s = &c->samples[c->nsamples++];
        s->file = c->file;
        s->line = line;
        snprintf(s->field, sizeof s->field, "%s", e->n ? e->v[0].name : "");
        snprintf(s->message, sizeof s->message, "%s", e->n ? e->v[0].message : "");
    }
}

/* The error column's text: every problem as "field: message", then the extra fields. */
static void error_text(const cav_qerrors *e, cav_buf *b) {
    for (int i = 0; i < e->n; i++) {
        if (i)
            cav__buf_puts(b, "; ");
        if (e->v[i].name[0]) {
            cav__buf_puts(b, e->v[i].name);
            cav__buf_puts(b, ": ");
        }
        cav__buf_puts(b, e->v[i].message);
    }
    if (e->more)
        cav__buf_printf(b, "; and %d more problem%s", e->more, e->more == 1 ? "" : "s");
}

/* ---- one row ------------------------------------------------------------------------------ */

/* What a row came to, for its output. */
typedef struct row_result {
    long line;
    int ok; /* decided: q and d hold the decision */
    cav_query q;
    cav_decision d;
    cav_facts f; /* q's facts, once decided (cav__eval_facts), in scratch */
    uint64_t scratch[CAV_FACT_WORDS];
    cav_qerrors e;
    const dec_slot *slot; /* cached texts, or NULL */
    /* CSV input */
    const char *text;
    cav_csv_row row;
    int bad_shape; /* field count differs from the header's, or unterminated */
    /* NDJSON input */
    const char *doc;
    size_t doc_len;
    int object; /* the document is a JSON object */
} row_result;

/* The value of field i of the current CSV row: unquoted when quoted, trimmed of spaces and tabs.
 * Points into the row or into w->vals. Inlined, its results in registers: as a call it was 40
 * instructions a cell, a third of them moving its results through memory (callgrind). */
static inline __attribute__((always_inline)) void cell(worker *w, size_t i, const char **sp,
                                                       size_t *np, char **vals) {
    const cav_csv_span *f = &w->spans[i];
    const char *s;
    size_t n;
    if (f->quoted) {
        n = cav__csv_unquote(f, *vals, f->len);
        s = *vals;
        *vals += f->len;
    } else {
        s = f->p;
        n = f->len;
    }
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *sp = s;
    *np = n;
}

/* Binds an MGRS cell to the target or launch position (and its square as the uncertainty when
 * the row gives none). */
static void bind_mgrs(worker *w, cav_query *q, int launch, const char *s, size_t n,
                      cav_qerrors *e) {
    const cav_pack *p = w->a->pack;
    double lat, lon;
    char msg[200];
    int prec = cav__mgrs_parse(s, n, &lat, &lon, NULL, msg, sizeof msg);
    cav_qfield flat = launch ? CAV_Q_LAUNCH_LAT : CAV_Q_TARGET_LAT;
    cav_qfield flon = launch ? CAV_Q_LAUNCH_LON : CAV_Q_TARGET_LON;
    cav_qfield func = launch ? CAV_Q_LAUNCH_UNCERTAINTY : CAV_Q_TARGET_UNCERTAINTY;
    if (prec < 0) {
        char shown[96];
        cav__quote_value(s, n, shown, sizeof shown);
        add_problem(e, -1, launch ? "launch.mgrs" : "target.mgrs",
                    "'%s' is not an MGRS reference: %s", shown, msg);
        q->given |= CAV_QBIT(flat) | CAV_QBIT(flon); /* given, wrongly: not "missing" too */
        return;
    }
    cav_query_set_number(q, p, flat, lat, e);
    cav_query_set_number(q, p, flon, lon, e);
    if (!(q->given & CAV_QBIT(func))) {
        /* the reference names a square: its centre, known to within half its diagonal */
        double side = pow(10.0, 5 - prec);
        cav_query_set_number(q, p, func, side * 0.7071067811865476, e);
    }
}

/* Marks r decided, with its validity when an output needs it (the validity columns, and the
 * decision objects of NDJSON output): cav_eval leaves it unset, and re-deciding at the
 * neighbouring epochs is a tenth of a row's work. The cache's key holds it either way. */
static void decided(worker *w, row_result *r) {
    const audit_plan *pl = &w->a->plan;
    if (pl->out == CAV_FMT_NDJSON || pl->has_validity_items)
        cav__validity_of(w->a->pack, &r->q, &r->f, &r->d);
    r->ok = 1;
}

/* Binds and decides one CSV row. */
static void decide_csv(worker *w, row_result *r) {
    const audit_plan *pl = &w->a->plan;
    const cav_pack *p = w->a->pack;
    cav_query_init(&r->q, &r->e);
    if (r->row.text_len == 0)
        add_problem(&r->e, -1, "", "empty row");
    else if (r->row.unterminated)
        add_problem(&r->e, -1, "",
                    "a quoted field is not closed: the row ends at the end of its line");
    else if (r->row.nfields != (size_t)pl->ncols)
        add_problem(&r->e, -1, "", "the row has %zu field%s, the header %d", r->row.nfields,
                    r->row.nfields == 1 ? "" : "s", pl->ncols);
    r->bad_shape = r->e.n > 0;
    if (r->row.text_len == 0) {
        r->ok = 0;
        return;
    }
    char *vals = w->vals;
    size_t nf = r->row.nfields < (size_t)pl->ncols ? r->row.nfields : (size_t)pl->ncols;
    int mgrs[2] = {-1, -1};
    for (size_t i = 0; i < nf; i++) {
        const audit_col *c = &pl->cols[i];
        if (c->kind == COL_PASS || c->kind == COL_ID)
            continue;
        if (c->kind != COL_FIELD) {
            mgrs[c->kind == COL_MGRS_LAUNCH] = (int)i;
            continue;
        }
        const char *s;
        size_t n;
        cell(w, i, &s, &n, &vals);
        if (n)
            (cav__audit_number_field(c->field) ? cav__audit_bind_number
                                               : cav__audit_bind)(w, &r->q, c->field, s, n, &r->e);
    }
    for (int k = 0; k < 2; k++)
        if (mgrs[k] >= 0) {
            const char *s;
            size_t n;
            cell(w, (size_t)mgrs[k], &s, &n, &vals);
            if (n)
                bind_mgrs(w, &r->q, k, s, n, &r->e);
        }
    cav_query_finish(&r->q, p, &r->e);
    if (r->e.n || r->e.more) {
        r->ok = 0;
        return;
    }
    if (cav__eval_facts(p, &r->q, r->scratch, &r->f, &r->d) != 0) {
        add_problem(&r->e, -1, "", "the query could not be evaluated against this pack");
        r->ok = 0;
        return;
    }
    decided(w, r);
}

/* Binds and decides one NDJSON document: its query members through cav_query_parse_json (the
 * reader of `caveat check`); other members are the input's own, kept apart. */
static void decide_json(worker *w, row_result *r, cav_buf *query, cav_buf *input) {
    const cav_pack *p = w->a->pack;
    cav_json j;
    cav__json_init(&j, r->doc, r->doc_len);
    int st = 0, others = 0;
    const char *key;
    size_t kn;
    cav_buf_clear(query);
    cav_buf_clear(input);
    r->object = cav__json_peek(&j) == CAV_J_OBJECT;
    if (r->object) {
        cav__buf_putc(query, '{');
        cav__buf_putc(input, '{');
        size_t qn = 0;
        for (;;) {
            /* a member's span: from its key's opening quote to the end of its value */
            size_t kstart = cav__json_offset(&j) + 1;
            if (cav__json_member(&j, &st, &key, &kn) != 1)
                break;
            while (kstart < r->doc_len && r->doc[kstart] != '"')
                kstart++;
            if (cav__json_skip(&j) != 0)
                break;
            size_t end = (size_t)(j.p - r->doc);
            static const char *const qkeys[] = {"id",     "date",   "weapon", "supplier",
                                                "target", "launch", "purpose"};
            int is_query = 0;
            for (size_t k = 0; k < sizeof qkeys / sizeof *qkeys; k++)
                is_query |= strlen(qkeys[k]) == kn && memcmp(key, qkeys[k], kn) == 0;
            cav_buf *to = is_query ? query : input;
            if (is_query ? qn++ > 0 : others++ > 0)
                cav__buf_puts(to, ", ");
            /* one output line per row: a pretty-printed member's line breaks become spaces
             * (outside strings, as in valid JSON a string holds no raw line break) */
            size_t run = kstart;
            for (size_t k = kstart; k < end; k++) {
                char ch = r->doc[k];
                if (ch == '\n' || ch == '\r' || ch == '\t') {
                    cav__buf_put(to, r->doc + run, k - run);
                    cav__buf_putc(to, ' ');
                    run = k + 1;
                }
            }
            cav__buf_put(to, r->doc + run, end - run);
        }
        cav__buf_putc(query, '}');
        cav__buf_putc(input, '}');
    }
    cav__json_finish(&j);
    int broken = j.failed || !r->object;
    cav__json_free(&j);
    /* a document that is not a JSON object, or not JSON: the reader says why, as for check */
    const char *text = broken || !others ? r->doc : query->data;
    size_t len = broken || !others ? r->doc_len : query->len;
    int rc = cav_query_parse_json(p, text, len, NULL, &r->q, &w->idbuf, &r->e);
    if (broken) {
        r->object = 0;
        cav_buf_clear(query);
    }
    if (!broken && others) {
        /* a member given twice among the input's own: the reader refuses that in a query */
        cav_json k2;
        cav__json_init(&k2, input->data, input->len);
        int s2 = 0;
        const char *names[256];
        size_t lens[256], nn = 0;
        while (cav__json_member(&k2, &s2, &key, &kn) == 1 && nn < 256) {
            for (size_t i = 0; i < nn; i++)
                if (lens[i] == kn && memcmp(names[i], key, kn) == 0) {
                    char shown[96];
                    cav__quote_value(key, kn, shown, sizeof shown);
                    add_problem(&r->e, -1, shown, "given twice");
                    rc = CAV_EQUERY;
                }
            names[nn] = key;
            lens[nn++] = kn;
            cav__json_skip(&k2);
        }
        cav__json_free(&k2);
    }
    if (rc != 0 || r->e.n) {
        r->ok = 0;
        return;
    }
    if (cav__eval_facts(p, &r->q, r->scratch, &r->f, &r->d) != 0) {
        add_problem(&r->e, -1, "", "the query could not be evaluated against this pack");
        r->ok = 0;
        return;
    }
    decided(w, r);
}

/* ---- output ------------------------------------------------------------------------------- */

/* Appends the input part of a CSV row: its fields as they came (the raw text when nothing needs
 * re-quoting), padded with empty fields to the header's width. */
static void put_input_csv(worker *w, const row_result *r, cav_buf *o) {
    const audit_plan *pl = &w->a->plan;
    if (pl->ndjson_in) {
        cav__audit_csv_text(o, r->doc, r->doc_len);
        return;
    }
    if (pl->delim == ',' && !r->row.has_quote && !r->bad_shape &&
        !memchr(r->text, '\r', r->row.text_len)) {
        put_utf8(o, r->text, r->row.text_len);
        return;
    }
    char *vals = w->vals;
    for (int i = 0; i < pl->ncols; i++) {
        if (i)
            cav__buf_putc(o, ',');
        if ((size_t)i < r->row.nfields) {
            size_t n = cav__csv_unquote(&w->spans[i], vals, w->spans[i].len);
            cav__audit_csv_text(o, vals, n);
        }
    }
}

/* The raw text of the fields past the header's width, or NULL. */
static const char *extra_fields(const worker *w, const row_result *r, size_t *n) {
    const audit_plan *pl = &w->a->plan;
    if (pl->ndjson_in || r->row.nfields <= (size_t)pl->ncols || (size_t)pl->ncols >= w->nspans)
        return NULL;
    const char *from = w->spans[pl->ncols].p;
    *n = r->row.text_len - (size_t)(from - r->text);
    return from;
}

/* Appends the explanation of a cached entry with the row's date written into its places. */
static void put_cached(worker *w, const row_result *r, out_kind k, cav_buf *o) {
    const dec_slot *s = r->slot;
    const char *t = w->texts.data + s->text_off + s->at[k];
    size_t at = o->len;
    cav__buf_put(o, t, s->len[k]);
    if (k == OUT_EXPLANATION && s->nslots && s->date != r->q.date && !o->failed) {
        char date[16];
        cav_date_format(r->q.date, date);
        for (int i = 0; i < s->nslots; i++)
            memcpy(o->data + at + s->slots[i], date, 10);
    }
}

static void put_derived(worker *w, const row_result *r, out_kind k, cav_buf *o, int json) {
    if (!r->ok) {
        if (json)
            cav__buf_puts(o, "null");
        return;
    }
    if (k == OUT_DATE) {
        char date[16];
        cav_date_format(r->q.date, date);
        cav__buf_puts(o, json ? "\"" : "");
        cav__buf_puts(o, date);
        cav__buf_puts(o, json ? "\"" : "");
        return;
    }
    if (r->slot) { /* an entry holds every column of the plan, empty ones too */
        put_cached(w, r, k, o);
        return;
    }
    cav_buf_clear(&w->scratch);
    cav__audit_column(w, &r->q, &r->d, k, &w->scratch);
    if (json)
        cav__buf_json(o, w->scratch.data ? w->scratch.data : "", w->scratch.len);
    else
        cav__audit_csv_text(o, w->scratch.data ? w->scratch.data : "", w->scratch.len);
}

static void put_error_column(worker *w, const row_result *r, cav_buf *o, int json) {
    if (r->ok) {
        if (json)
            cav__buf_puts(o, "null");
        return;
    }
    cav_buf_clear(&w->scratch);
    error_text(&r->e, &w->scratch);
    size_t n;
    const char *extra = extra_fields(w, r, &n);
    if (extra && !json) {
        cav__buf_puts(&w->scratch, "; the fields past the header: ");
        cav__buf_put(&w->scratch, extra, n);
    }
    if (json)
        cav__buf_json(o, w->scratch.data ? w->scratch.data : "", w->scratch.len);
    else
        cav__audit_csv_text(o, w->scratch.data ? w->scratch.data : "", w->scratch.len);
}

/* Appends the items [from, to) of a CSV row. */
static void put_csv_items(worker *w, const row_result *r, cav_buf *o, int from, int to) {
    const audit_plan *pl = &w->a->plan;
    char *vals = w->vals;
    for (int k = from; k < to; k++) {
        const out_item *it = &pl->items[k];
        if (k)
            cav__buf_putc(o, ',');
        switch (it->kind) {
        case OUT_INPUT_ALL: put_input_csv(w, r, o); break;
        case OUT_INPUT_COL:
            if ((size_t)it->col < r->row.nfields && !pl->ndjson_in) {
                size_t n = cav__csv_unquote(&w->spans[it->col], vals, w->spans[it->col].len);
                cav__audit_csv_text(o, vals, n);
            }
            break;
        case OUT_LINE: cav__buf_printf(o, "%ld", r->line); break;
        case OUT_ERROR: put_error_column(w, r, o, 0); break;
        default: put_derived(w, r, it->kind, o, 0); break;
        }
    }
}

/* A number cell as JSON: as it came when it is a JSON number, else as a string. */
static void put_typed(cav_buf *o, const char *s, size_t n, int numeric) {
    if (numeric) {
        cav_json j;
        cav__json_init(&j, s, n);
        double v;
        const char *raw;
        size_t rn;
        int ok = cav__json_number(&j, &v, &raw, &rn) == 0 && cav__json_finish(&j) == 0;
        cav__json_free(&j);
        if (ok) {
            cav__buf_put(o, s, n);
            return;
        }
    }
    cav__buf_json(o, s, n);
}

/* The query columns of a CSV row in the nested query form, typed; the other columns under
 * "input". */
static void put_csv_as_json(worker *w, const row_result *r, cav_buf *o) {
    const audit_plan *pl = &w->a->plan;
    char *vals = w->vals;
    static const char *const groups[3] = {"", "target", "launch"};
    cav__buf_puts(o, "\"query\": {");
    int first = 1;
    for (int g = 0; g < 3; g++) {
        int opened = 0;
        for (int i = 0; i < pl->ncols && (size_t)i < r->row.nfields; i++) {
            const audit_col *c = &pl->cols[i];
            const char *name = NULL;
            int numeric = 0;
            if (c->kind == COL_ID && g == 0)
                name = "id";
            else if (c->kind == COL_FIELD) {
                const char *full = cav_qfield_name((cav_qfield)c->field);
                const char *dot = strchr(full, '.');
                size_t glen = dot ? (size_t)(dot - full) : 0;
                if (strlen(groups[g]) != glen || strncmp(full, groups[g], glen) != 0)
                    continue;
                name = dot ? dot + 1 : full;
                numeric = c->field == CAV_Q_TARGET_LAT || c->field == CAV_Q_TARGET_LON ||
                          c->field == CAV_Q_TARGET_UNCERTAINTY || c->field == CAV_Q_LAUNCH_LAT ||
                          c->field == CAV_Q_LAUNCH_LON || c->field == CAV_Q_LAUNCH_UNCERTAINTY;
            } else if ((c->kind == COL_MGRS_TARGET && g == 1) ||
                       (c->kind == COL_MGRS_LAUNCH && g == 2))
                name = "mgrs";
            if (!name)
                continue;
            const char *s;
            size_t n;
            cell(w, (size_t)i, &s, &n, &vals);
            if (!n)
                continue;
            if (g && !opened) {
                cav__buf_printf(o, "%s\"%s\": {", first ? "" : ", ", groups[g]);
                first = 1;
                opened = 1;
            }
            cav__buf_printf(o, "%s\"%s\": ", first ? "" : ", ", name);
            put_typed(o, s, n, numeric);
            first = 0;
        }
        if (opened) {
            cav__buf_putc(o, '}');
            first = 0;
        }
    }
    cav__buf_puts(o, "}, \"input\": {");
    first = 1;
    for (int i = 0; i < pl->ncols && (size_t)i < r->row.nfields; i++) {
        if (pl->cols[i].kind != COL_PASS)
            continue;
        size_t n = cav__csv_unquote(&w->spans[i], vals, w->spans[i].len);
        cav__buf_puts(o, first ? "" : ", ");
        cav__buf_json(o, pl->cols[i].name, strlen(pl->cols[i].name));
        cav__buf_puts(o, ": ");
        cav__buf_json(o, vals, n);
        first = 0;
    }
    size_t n;
    const char *extra = extra_fields(w, r, &n);
    if (extra) {
        cav__buf_puts(o, first ? "\"extra\": [" : ", \"extra\": [");
        for (size_t i = (size_t)pl->ncols; i < r->row.nfields && i < w->nspans; i++) {
            size_t k = cav__csv_unquote(&w->spans[i], vals, w->spans[i].len);
            cav__buf_puts(o, i > (size_t)pl->ncols ? ", " : "");
            cav__buf_json(o, vals, k);
        }
        cav__buf_putc(o, ']');
    }
    cav__buf_putc(o, '}');
}

/* "decision": the line `caveat check` writes for this query. */
static void put_check_line(worker *w, const row_result *r, cav_buf *o) {
    const char *id = "null";
    if (!w->a->plan.ndjson_in) {
        cav_buf_clear(&w->idbuf);
        if (w->a->plan.id_col >= 0 && (size_t)w->a->plan.id_col < r->row.nfields) {
            char *vals = w->vals;
            const char *s;
            size_t n;
            cell(w, (size_t)w->a->plan.id_col, &s, &n, &vals);
            cav__buf_json(&w->idbuf, s, n);
            id = w->idbuf.data;
        }
    } else if (w->idbuf.data) {
        id = w->idbuf.data;
    }
    if (r->ok)
        cav_decision_json(w->a->pack, &r->q, &r->d, id, w->a->flags & CAV_EXPLAIN, o);
    else
        cav_qerrors_json(&r->e, id, r->line, o);
}

static void put_ndjson_row(worker *w, const row_result *r, cav_buf *o, const cav_buf *query,
                           const cav_buf *input) {
    cav__buf_printf(o, "{\"line\": %ld, ", r->line);
    if (!w->a->plan.ndjson_in) {
        put_csv_as_json(w, r, o);
    } else if (r->object && query && input) {
        cav__buf_puts(o, "\"query\": ");
        cav__buf_put(o, query->data, query->len);
        cav__buf_puts(o, ", \"input\": ");
        cav__buf_put(o, input->data, input->len);
    } else {
        cav__buf_puts(o, "\"query\": null, \"input\": ");
        cav__buf_json(o, r->doc, r->doc_len);
    }
    cav__buf_puts(o, ", \"decision\": ");
    put_check_line(w, r, o);
    cav__buf_puts(o, "}\n");
}

static void put_geojson_row(worker *w, chunk *c, size_t index, const row_result *r, cav_buf *o) {
    const audit_plan *pl = &w->a->plan;
    if (!(c->seq == 0 && index == 0))
        cav__buf_puts(o, ",\n");
    cav__buf_puts(o, "{\"type\": \"Feature\", \"geometry\": ");
    if ((r->q.given & CAV_QBIT(CAV_Q_TARGET_LAT)) && (r->q.given & CAV_QBIT(CAV_Q_TARGET_LON)) &&
        isfinite(r->q.target_lat) && isfinite(r->q.target_lon)) {
        cav__buf_puts(o, "{\"type\": \"Point\", \"coordinates\": [");
        cav__buf_double(o, r->q.target_lon);
        cav__buf_puts(o, ", ");
        cav__buf_double(o, r->q.target_lat);
        cav__buf_puts(o, "]}");
    } else {
        cav__buf_puts(o, "null");
    }
    cav__buf_printf(o, ", \"properties\": {\"line\": %ld", r->line);
    char *vals = w->vals;
    for (int k = 0; k < pl->nitems; k++) {
        const out_item *it = &pl->items[k];
        if (it->kind == OUT_LINE)
            continue;
        if (it->kind == OUT_INPUT_ALL || it->kind == OUT_INPUT_COL) {
            if (pl->ndjson_in) {
                cav__buf_puts(o, ", \"input\": ");
                cav__buf_json(o, r->doc, r->doc_len);
                continue;
            }
            int from = it->kind == OUT_INPUT_ALL ? 0 : it->col;
            int to = it->kind == OUT_INPUT_ALL ? pl->ncols : it->col + 1;
            for (int i = from; i < to; i++) {
                cav__buf_puts(o, ", ");
                cav__buf_json(o, pl->cols[i].out_name, strlen(pl->cols[i].out_name));
                cav__buf_puts(o, ": ");
                size_t n = (size_t)i < r->row.nfields
                               ? cav__csv_unquote(&w->spans[i], vals, w->spans[i].len)
                               : 0;
                cav__buf_json(o, vals, n);
            }
            continue;
        }
        cav__buf_printf(o, ", \"%s\": ", cav__audit_out_name(it->kind));
        if (it->kind == OUT_ERROR)
            put_error_column(w, r, o, 1);
        else
            put_derived(w, r, it->kind, o, 1);
    }
    cav__buf_puts(o, "}}");
}

/* The next CSV row of a chunk, read ahead into the worker's second field spans (csv_chunk). */
typedef struct ahead {
    const char *p, *end;
    cav_csv_row row;
} ahead;

/* Reads the row at a->p into w->spans2, unless the chunk has ended. */
static void read_ahead(worker *w, ahead *a) {
    if (a && a->p < a->end)
        cav__csv_row(a->p, (size_t)(a->end - a->p), w->a->plan.delim, w->spans2, w->nspans,
                     &a->row);
}

/* Decides row r (bound already), counts it and appends its output row. Its leading items are
 * written while its slot of the decision cache's table comes from memory, and a CSV chunk's
 * next row (next) is read while the entry does: each is a miss of every processor cache on most
 * rows (bench/RESULTS-audit.md). */
static void finish_row(worker *w, chunk *c, size_t index, row_result *r, cav_buf *query,
                       cav_buf *input, ahead *next) {
    const audit_plan *pl = &w->a->plan;
    r->slot = NULL;
    int cached = r->ok && pl->out != CAV_FMT_NDJSON && pl->has_decision_items, lead = 0;
    if (cached) {
        cav__audit_decision_begin(w, &r->q, &r->f, &r->d);
        if (pl->out == CAV_FMT_CSV)
            put_csv_items(w, r, &c->out, 0, lead = w->lead);
        cav__audit_decision_fetch(w);
        read_ahead(w, next);
        next = NULL;
        r->slot = cav__audit_decision(w, &r->q, &r->d);
    }
    if (r->ok)
        cav__audit_count(w, &r->q, &r->d, r->slot);
    else
        count_error(w, c, r->line, &r->e);
    if (pl->out == CAV_FMT_CSV) {
        put_csv_items(w, r, &c->out, lead, pl->nitems);
        cav__buf_putc(&c->out, '\n');
    } else if (pl->out == CAV_FMT_NDJSON)
        put_ndjson_row(w, r, &c->out, query, input);
    else
        put_geojson_row(w, c, index, r, &c->out);
    read_ahead(w, next);
    c->nrows++;
}

/* ---- chunks ------------------------------------------------------------------------------- */

static int csv_chunk(worker *w, chunk *c) {
    const audit_plan *pl = &w->a->plan;
    const char *p = c->in, *end = c->in + c->in_len;
    long line = c->first_line;
    size_t index = 0;
    row_result *r = &(row_result){0};
    ahead next = {p, end, {0}};
    read_ahead(w, &next);
    while (p < end) {
        /* the row read ahead: its spans become the current ones */
        cav_csv_span *t = w->spans;
        w->spans = w->spans2;
        w->spans2 = t;
        r->row = next.row;
        r->text = p;
        r->line = line;
        if (r->row.text_len + AUDIT_SLACK > w->vals_cap) {
            size_t cap = r->row.text_len + AUDIT_SLACK;
            char *g = cav__realloc(w->vals, cap);
            if (!g)
                return CAV_ENOMEM;
            w->vals = g;
            w->vals_cap = cap;
        }
        if (r->row.nfields > w->nspans) {
            /* a row wider than the header: read again with room for every field */
            size_t n = r->row.nfields;
            cav_csv_span *g = cav__realloc(w->spans, n * sizeof *g);
            cav_csv_span *g2 = g ? cav__realloc(w->spans2, n * sizeof *g2) : NULL;
            if (g)
                w->spans = g;
            if (!g2)
                return CAV_ENOMEM;
            w->spans2 = g2;
            w->nspans = n;
            cav__csv_row(p, (size_t)(end - p), pl->delim, w->spans, w->nspans, &r->row);
        }
        decide_csv(w, r);
        next.p = p + r->row.size;
        finish_row(w, c, index++, r, NULL, NULL, &next);
        line += (long)(r->row.lines ? r->row.lines : 1);
        p += r->row.size;
        if (c->out.failed)
            return CAV_ENOMEM;
    }
    return 0;
}

static int ndjson_chunk(worker *w, chunk *c) {
    cav_split s = c->split;
    const char *p = c->in;
    size_t len = c->in_len, pos = 0, index = 0;
    row_result *r = &(row_result){0};
    cav_buf query = {0}, input = {0};
    int rc = 0;
    while (pos < len) {
        cav_doc doc;
        size_t used = cav_split_next(&s, p + pos, len - pos, 1, &doc);
        pos += used;
        if (doc.kind == CAV_DOC_END && used == 0)
            break;
        if (doc.kind == CAV_DOC_END)
            continue;
        memset(&r->row, 0, sizeof r->row);
        r->line = doc.line;
        r->object = 0;
        cav_buf_clear(&w->idbuf);
        cav__buf_puts(&w->idbuf, "null");
        cav_query_init(&r->q, &r->e);
        if (doc.kind == CAV_DOC_QUERY) {
            r->doc = doc.text;
            r->doc_len = doc.len;
            decide_json(w, r, &query, &input);
        } else {
            r->doc = "";
            r->doc_len = 0;
            r->ok = 0;
            add_problem(&r->e, -1, "", "%s",
                        doc.kind == CAV_DOC_EMPTY ? "empty line: expected a JSON query"
                                                  : doc.message);
        }
        finish_row(w, c, index++, r, &query, &input, NULL);
        if (c->out.failed || query.failed || input.failed) {
            rc = CAV_ENOMEM;
            break;
        }
    }
    cav_buf_free(&query);
    cav_buf_free(&input);
    return rc;
}

int cav__audit_chunk(worker *w, chunk *c) {
    cav_buf_clear(&c->out);
    c->nrows = c->nerrors = 0;
    c->nsamples = 0;
    int rc;
    if (c->too_long) {
        row_result *r = &(row_result){0};
        r->line = c->first_line;
        r->text = "";
        cav_query_init(&r->q, &r->e);
        add_problem(&r->e, -1, "", "the row is longer than %d bytes; it was not read",
                    AUDIT_MAX_ROW);
        r->bad_shape = 1;
        r->doc = "";
        cav_buf query = {0}, input = {0};
        finish_row(w, c, 0, r, &query, &input, NULL);
        rc = c->out.failed ? CAV_ENOMEM : 0;
    } else {
        rc = w->a->plan.ndjson_in ? ndjson_chunk(w, c) : csv_chunk(w, c);
    }
    w->rows += c->nrows;
    if (w->scratch.failed || w->scratch2.failed)
        rc = CAV_ENOMEM;
    return rc;
}

int cav__audit_worker_init(cav_audit *a, worker *w) {
    memset(w, 0, sizeof *w);
    w->a = a;
    w->nspans = (size_t)(a->plan.ncols > 0 ? a->plan.ncols : 1) + 1;
    w->spans = cav__calloc(w->nspans, sizeof *w->spans);
    w->spans2 = cav__calloc(w->nspans, sizeof *w->spans2);
    w->vals_cap = 65536;
    w->vals = cav__malloc(w->vals_cap);
    w->values = cav__calloc(8192, sizeof *w->values);
    w->decs = cav__calloc(a->dec_slots ? a->dec_slots : 1, sizeof *w->decs);
    w->dklen = -1; /* no key pending */
    /* the plan's leading items that read no cached text (the input columns, as a rule): written
     * while a row's cache entry is fetched */
    while (w->lead < a->plan.nitems &&
           (a->plan.items[w->lead].kind < OUT_DECISION || a->plan.items[w->lead].kind > OUT_WHY))
        w->lead++;
    int np = cav_catalog_count(a->pack, CAV_CAT_PARTY);
    int nr = cav_catalog_count(a->pack, CAV_CAT_RULE);
    w->party = cav__calloc((size_t)np * AUDIT_NVERDICTS + 1, sizeof *w->party);
    w->rule = cav__calloc((size_t)nr + 2, sizeof *w->rule);
    w->months = cav__calloc((size_t)AUDIT_NMONTHS * AUDIT_NVERDICTS, sizeof *w->months);
    return w->spans && w->spans2 && w->vals && w->values && w->decs && w->party && w->rule &&
                   w->months
               ? 0
               : CAV_ENOMEM;
}

void cav__audit_worker_free(worker *w) {
    cav__free(w->spans);
    cav__free(w->spans2);
    cav__free(w->vals);
    cav__free(w->values);
    cav__free(w->decs);
    cav__free(w->party);
    cav__free(w->rule);
    cav__free(w->months);
    cav_buf_free(&w->keys);
    cav_buf_free(&w->texts);
    cav_buf_free(&w->scratch);
    cav_buf_free(&w->scratch2);
    cav_buf_free(&w->idbuf);
}
