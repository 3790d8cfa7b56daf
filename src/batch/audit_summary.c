/* audit_summary.c — the summary of an audit (cav_audit_summary): how the input was read (format,
 * delimiter, which column gave which field and how, the columns kept out of the query), rows in
 * and out, decisions by verdict, party, rule and month, and errors by field with the first ten,
 * as JSON or as text. Everything is added up from the workers' counters once the run is over.
 */
#include "batch/audit.h"
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

static const char *const verdicts[AUDIT_NVERDICTS] = {"permitted", "prohibited", "indeterminate",
                                                      "unknown"};

/* Totals over the workers, into caller-provided arrays (party: np x 4, rule: nr + 2, months). */
typedef struct totals {
    uint64_t rows, errors, verdicts[AUDIT_NVERDICTS], err_fields[CAV_Q_COUNT + 1];
} totals;

static uint64_t sum(const cav_audit *a, size_t offset_of, size_t index) {
    uint64_t t = 0;
    for (int i = 0; a->workers && i < a->nthreads; i++) {
        const worker *w = &a->workers[i];
        const uint64_t *arr = offset_of == 0 ? w->party : offset_of == 1 ? w->rule : w->months;
        t += arr[index];
    }
    return t;
}

static void add_up(const cav_audit *a, totals *t) {
    memset(t, 0, sizeof *t);
    for (int i = 0; a->workers && i < a->nthreads; i++) {
        const worker *w = &a->workers[i];
        t->rows += w->rows;
        t->errors += w->errors;
        for (int v = 0; v < AUDIT_NVERDICTS; v++)
            t->verdicts[v] += w->verdicts[v];
        for (int f = 0; f <= CAV_Q_COUNT; f++)
            t->err_fields[f] += w->err_fields[f];
    }
}

static const char *col_field(const audit_col *c) {
    switch (c->kind) {
    case COL_FIELD: return cav_qfield_name((cav_qfield)c->field);
    case COL_ID: return "id";
    case COL_MGRS_TARGET: return "target.mgrs";
    case COL_MGRS_LAUNCH: return "launch.mgrs";
    default: return NULL;
    }
}

static void month_name(int m, char *buf) {
    int y = (m + AUDIT_MONTH0) / 12, mo = (m + AUDIT_MONTH0) % 12 + 1;
    snprintf(buf, 16, "%04d-%02d", y % 10000, mo % 100);
}

static const char *delim_name(char d) {
    return d == ';' ? ";" : d == '\t' ? "tab" : ",";
}

int cav__audit_summary_json(const cav_audit *a, cav_buf *o) {
    const cav_pack *p = a->pack;
    const audit_plan *pl = &a->plan;
    totals t;
    add_up(a, &t);
    cav__buf_puts(o, "{\n  \"pack\": ");
    cav__buf_json_str(o, cav_pack_id(p));
    cav__buf_puts(o, ",\n  \"inputs\": [");
    for (int i = 0; i < a->ninputs; i++) {
        cav__buf_puts(o, i ? ", " : "");
        cav__buf_json_str(o, a->inputs[i]);
    }
    cav__buf_printf(o, "],\n  \"input_format\": \"%s\"", pl->ndjson_in ? "ndjson" : "csv");
    if (!pl->ndjson_in) {
        cav__buf_printf(o, ",\n  \"delimiter\": {\"value\": \"%s\", \"how\": \"%s\"}",
                        pl->delim == '\t' ? "\\t" : delim_name(pl->delim),
                        pl->delim_detected ? "detected" : "given");
        cav__buf_puts(o, ",\n  \"columns\": [");
        for (int i = 0; i < pl->ncols; i++) {
            const audit_col *c = &pl->cols[i];
            cav__buf_puts(o, i ? ",\n    {\"column\": " : "\n    {\"column\": ");
            cav__buf_json(o, c->name, strlen(c->name));
            cav__buf_puts(o, ", \"field\": ");
            cav__buf_json_str(o, col_field(c));
            cav__buf_printf(o, ", \"how\": \"%s\"}",
                            c->kind == COL_PASS && c->how != HOW_MAPPED ? "kept out of the query"
                            : c->kind == COL_PASS ? "kept out of the query by --map"
                                                  : cav__audit_how_name(c->how));
        }
        cav__buf_puts(o, "]");
    }
    cav_audit_counts c;
    cav_audit_counts_get(a, &c);
    cav__buf_printf(o, ",\n  \"rows_in\": %llu,\n  \"rows_out\": %llu,\n  \"seconds\": ",
                    (unsigned long long)t.rows, (unsigned long long)a->rows_out);
    cav__buf_fixed(o, a->seconds, 3);
    cav__buf_puts(o, ",\n  \"rows_per_second\": ");
    cav__buf_fixed(o, a->seconds > 0 ? (double)a->rows_out / a->seconds : 0, 0);
    cav__buf_puts(o, ",\n  \"decisions\": {");
    for (int v = 0; v < AUDIT_NVERDICTS; v++)
        cav__buf_printf(o, "\"%s\": %llu, ", verdicts[v], (unsigned long long)t.verdicts[v]);
    cav__buf_printf(o, "\"error\": %llu}", (unsigned long long)t.errors);
    cav__buf_puts(o, ",\n  \"parties\": {");
    int np = cav_catalog_count(p, CAV_CAT_PARTY), first = 1;
    for (int i = 0; i < np; i++) {
        uint64_t n[AUDIT_NVERDICTS], any = 0;
        for (int v = 0; v < AUDIT_NVERDICTS; v++)
            any |= n[v] = sum(a, 0, (size_t)i * AUDIT_NVERDICTS + (size_t)v);
        if (!any)
            continue;
        cav__buf_puts(o, first ? "\n    " : ",\n    ");
        first = 0;
        cav__buf_json_str(o, cav_catalog_name(p, CAV_CAT_PARTY, i));
        cav__buf_puts(o, ": {");
        for (int v = 0; v < AUDIT_NVERDICTS; v++)
            cav__buf_printf(o, "%s\"%s\": %llu", v ? ", " : "", verdicts[v],
                            (unsigned long long)n[v]);
        cav__buf_puts(o, "}");
    }
    cav__buf_puts(o, "},\n  \"rules\": {");
    int nr = cav_catalog_count(p, CAV_CAT_RULE);
    first = 1;
    for (int r = 0; r < nr + 2; r++) {
        uint64_t n = sum(a, 1, (size_t)r);
        if (!n)
            continue;
        cav__buf_puts(o, first ? "\n    " : ",\n    ");
        first = 0;
        cav__buf_json_str(o, r < nr    ? cav_catalog_name(p, CAV_CAT_RULE, r)
                             : r == nr ? "default-deny"
                                       : "silent");
        cav__buf_printf(o, ": %llu", (unsigned long long)n);
    }
    cav__buf_puts(o, "},\n  \"months\": {");
    first = 1;
    for (int m = 0; m < AUDIT_NMONTHS; m++) {
        uint64_t n[AUDIT_NVERDICTS], any = 0;
        for (int v = 0; v < AUDIT_NVERDICTS; v++)
            any |= n[v] = sum(a, 2, (size_t)m * AUDIT_NVERDICTS + (size_t)v);
        if (!any)
            continue;
        char name[16];
        month_name(m, name);
        cav__buf_printf(o, "%s\"%s\": {", first ? "\n    " : ",\n    ", name);
        first = 0;
        for (int v = 0; v < AUDIT_NVERDICTS; v++)
            cav__buf_printf(o, "%s\"%s\": %llu", v ? ", " : "", verdicts[v],
                            (unsigned long long)n[v]);
        cav__buf_puts(o, "}");
    }
    cav__buf_printf(o, "},\n  \"errors\": {\"rows\": %llu, \"by_field\": {",
                    (unsigned long long)t.errors);
    first = 1;
    for (int f = 0; f <= CAV_Q_COUNT; f++)
        if (t.err_fields[f]) {
            cav__buf_printf(o, "%s\"%s\": %llu", first ? "" : ", ",
                            f < CAV_Q_COUNT ? cav_qfield_name((cav_qfield)f) : "(row)",
                            (unsigned long long)t.err_fields[f]);
            first = 0;
        }
    cav__buf_puts(o, "}, \"first\": [");
    for (int i = 0; i < a->nsamples; i++) {
        const audit_sample *s = &a->samples[i];
        cav__buf_puts(o, i ? ",\n    {\"input\": " : "\n    {\"input\": ");
        cav__buf_json_str(o, a->inputs[s->file]);
        cav__buf_printf(o, ", \"line\": %ld, \"field\": ", s->line);
        cav__buf_json_str(o, s->field[0] ? s->field : NULL);
        cav__buf_puts(o, ", \"message\": ");
        cav__buf_json_str(o, s->message);
        cav__buf_puts(o, "}");
    }
    cav__buf_puts(o, "]}\n}\n");
    return cav__buf_status(o);
}

static void pct(cav_buf *o, const char *name, uint64_t n, uint64_t total) {
    cav__buf_printf(o, " %s %llu (", name, (unsigned long long)n);
    cav__buf_fixed(o, total ? 100.0 * (double)n / (double)total : 0.0, 1);
    cav__buf_puts(o, "%)");
}

int cav__audit_summary_text(const cav_audit *a, cav_buf *o) {
    const cav_pack *p = a->pack;
    const audit_plan *pl = &a->plan;
    totals t;
    add_up(a, &t);
    cav__buf_printf(o, "caveat audit: %llu rows in, %llu rows out in ", (unsigned long long)t.rows,
                    (unsigned long long)a->rows_out);
    cav__buf_fixed(o, a->seconds, 2);
    cav__buf_puts(o, " s (");
    cav__buf_fixed(o, a->seconds > 0 ? (double)a->rows_out / a->seconds / 1e6 : 0.0, 2);
    cav__buf_printf(o, " M rows/s), pack %s\n", cav_pack_id(p));
    if (!pl->ndjson_in) {
        cav__buf_printf(o, "  read as CSV, delimiter '%s' (%s); columns:\n", delim_name(pl->delim),
                        pl->delim_detected ? "detected" : "given");
        for (int i = 0; i < pl->ncols; i++) {
            const audit_col *c = &pl->cols[i];
            const char *f = col_field(c);
            cav__buf_puts(o, "    ");
            cav__buf_json(o, c->name, strlen(c->name));
            if (f)
                cav__buf_printf(o, " -> %s (%s)\n", f, cav__audit_how_name(c->how));
            else
                cav__buf_printf(o, " kept out of the query%s\n",
                                c->how == HOW_MAPPED ? " (--map)" : "");
        }
    } else {
        cav__buf_puts(o, "  read as NDJSON queries\n");
    }
    cav__buf_puts(o, "  decisions:");
    for (int v = 0; v < AUDIT_NVERDICTS; v++)
        pct(o, verdicts[v], t.verdicts[v], t.rows);
    pct(o, "error", t.errors, t.rows);
    cav__buf_puts(o, "\n  by party (permitted/prohibited/indeterminate/unknown):\n");
    int np = cav_catalog_count(p, CAV_CAT_PARTY);
    for (int i = 0; i < np; i++) {
        uint64_t n[AUDIT_NVERDICTS], any = 0;
        for (int v = 0; v < AUDIT_NVERDICTS; v++)
            any |= n[v] = sum(a, 0, (size_t)i * AUDIT_NVERDICTS + (size_t)v);
        if (any)
            cav__buf_printf(o, "    %-4s %llu/%llu/%llu/%llu\n",
                            cav_catalog_name(p, CAV_CAT_PARTY, i), (unsigned long long)n[0],
                            (unsigned long long)n[1], (unsigned long long)n[2],
                            (unsigned long long)n[3]);
    }
    cav__buf_puts(o, "  by rule:\n");
    int nr = cav_catalog_count(p, CAV_CAT_RULE);
    for (int r = 0; r < nr + 2; r++) {
        uint64_t n = sum(a, 1, (size_t)r);
        if (n)
            cav__buf_printf(o, "    %10llu  %s\n", (unsigned long long)n,
                            r < nr    ? cav_catalog_name(p, CAV_CAT_RULE, r)
                            : r == nr ? "default-deny"
                                      : "silent");
    }
    if (t.errors) {
        cav__buf_printf(o, "  errors: %llu row%s;", (unsigned long long)t.errors,
                        t.errors == 1 ? "" : "s");
        for (int f = 0; f <= CAV_Q_COUNT; f++)
            if (t.err_fields[f])
                cav__buf_printf(o, " %s %llu",
                                f < CAV_Q_COUNT ? cav_qfield_name((cav_qfield)f) : "(row)",
                                (unsigned long long)t.err_fields[f]);
        cav__buf_putc(o, '\n');
        for (int i = 0; i < a->nsamples; i++) {
            const audit_sample *s = &a->samples[i];
            cav__buf_printf(o, "    %s line %ld: %s%s%s\n", a->inputs[s->file], s->line, s->field,
                            s->field[0] ? ": " : "", s->message);
        }
    }
    return cav__buf_status(o);
}
