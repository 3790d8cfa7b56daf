/* audit_summary.c — the summary of `caveat audit`: rows in and out, decisions by verdict, party,
 * rule and month, errors by field with the first few, and the commonest reasons for prohibited
 * rows, as JSON (--summary) or as text (stderr). Workers count rows by distinct decision (shape);
 * everything here is derived from those counts once the run is over. */
#include "cli/audit.h"

#include <stdlib.h>
#include <string.h>

static int cmp_reason(const void *x, const void *y) {
    const reason *a = x, *b = y;
    if (a->rows != b->rows)
        return a->rows < b->rows ? 1 : -1;
    return strcmp(a->text, b->text);
}

static int party_count(const cav_pack *p) {
    int n = 0;
    while (cav_pack_party_name(p, n))
        n++;
    return n;
}

static void add_reason(totals *t, const char *text, uint64_t rows) {
    for (int i = 0; i < t->nreasons; i++)
        if (strcmp(t->reasons[i].text, text) == 0) {
            t->reasons[i].rows += rows;
            return;
        }
    reason *g = realloc(t->reasons, (size_t)(t->nreasons + 1) * sizeof *g);
    if (!g)
        return;
    t->reasons = g;
    t->reasons[t->nreasons].text = strdup(text);
    t->reasons[t->nreasons++].rows = rows;
}

int cli_audit_totals(audit *a, const worker *ws, int nw, totals *t) {
    const cav_pack *p = a->pack;
    int np = party_count(p), nr = cav_pack_rule_count(p);
    t->party = calloc((size_t)np * 3, sizeof *t->party);
    t->rule = calloc((size_t)nr + 2, sizeof *t->rule);
    t->months = calloc(NMONTHS, sizeof *t->months);
    if (!t->party || !t->rule || !t->months)
        return -1;
    for (int i = 0; i < nw; i++) {
        const worker *w = &ws[i];
        t->rows_in += w->rows;
        t->errors += w->errors;
        for (int v = 0; v < 3; v++)
            t->verdicts[v] += w->verdicts[v];
        for (int f = 0; f < NQ + 2; f++)
            t->err_fields[f] += w->err_fields[f];
        for (int m = 0; m < NMONTHS; m++)
            for (int v = 0; v < 3; v++)
                t->months[m][v] += w->months[m][v];
    }
    for (int s = 0; s < a->nshapes; s++) {
        uint64_t rows = 0;
        for (int i = 0; i < nw; i++)
            if (s < ws[i].shape_cap)
                rows += ws[i].shape_counts[s];
        if (!rows)
            continue;
        const uint16_t *k = a->shapes[s].key;
        int verdict = k[0] & 3, nparties = k[0] >> 2, at = 1;
        char text[1024] = "";
        size_t tl = 0;
        uint16_t counted[CAV_MAX_PARTIES * CAV_MAX_DECIDING];
        int ncounted = 0;
        for (int i = 0; i < nparties; i++) {
            int party = k[at], pv = k[at + 1] & 3, basis = (k[at + 1] >> 2) & 3;
            int nrules = k[at + 1] >> 4;
            const uint16_t *rules = k + at + 3;
            at += 3 + nrules;
            if (party < np)
                t->party[party * 3 + pv] += rows;
            if (pv == verdict) {
                if (basis == CAV_BASIS_DEFAULT)
                    t->rule[nr] += rows;
                else if (basis == CAV_BASIS_NONE)
                    t->rule[nr + 1] += rows;
                for (int r = 0; r < nrules; r++) {
                    int dup = 0; /* a rule of several parties counts once per row */
                    for (int c = 0; c < ncounted; c++)
                        dup |= counted[c] == rules[r];
                    if (!dup) {
                        counted[ncounted++] = rules[r];
                        t->rule[rules[r]] += rows;
                    }
                }
            }
            if (verdict == CAV_PROHIBITED && pv == CAV_PROHIBITED && tl < sizeof text - 200) {
                tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s%s: ", tl ? "; " : "",
                                       cav_pack_party_name(p, party));
                if (basis == CAV_BASIS_DEFAULT)
                    tl += (size_t)snprintf(text + tl, sizeof text - tl, "no permit (default deny)");
                for (int r = 0; r < nrules && tl < sizeof text - 100; r++)
                    tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s%s", r ? ", " : "",
                                           cav_pack_rule_name(p, rules[r]));
            }
        }
        if (verdict == CAV_PROHIBITED)
            add_reason(t, text, rows);
    }
    if (t->nreasons)
        qsort(t->reasons, (size_t)t->nreasons, sizeof *t->reasons, cmp_reason);
    return 0;
}

static void month_name(int m, char *buf) {
    int y = (m + MONTH_BASE) / 12, mo = (m + MONTH_BASE) % 12 + 1;
    snprintf(buf, 16, "%04d-%02d", y % 10000, mo % 100);
}

static const char *const verdicts3[3] = {"permitted", "prohibited", "unknown"};

json_t *cli_audit_summary_json(const audit *a, const totals *t, const err_sample *samples,
                               int nsamples) {
    const cav_pack *p = a->pack;
    json_t *s = json_object(), *o;
    json_object_set_new(s, "rows_in", json_integer((json_int_t)t->rows_in));
    json_object_set_new(s, "rows_out", json_integer((json_int_t)t->rows_out));
    json_object_set_new(s, "seconds", json_real(t->seconds));
    json_object_set_new(s, "rows_per_second",
                        json_real(t->seconds > 0 ? (double)t->rows_out / t->seconds : 0));
    o = json_object();
    for (int v = 0; v < 3; v++)
        json_object_set_new(o, verdicts3[v], json_integer((json_int_t)t->verdicts[v]));
    json_object_set_new(o, "error", json_integer((json_int_t)t->errors));
    json_object_set_new(s, "decisions", o);
    o = json_object();
    for (int i = 0, np = party_count(p); i < np; i++) {
        const uint64_t *c = t->party + i * 3;
        if (!c[0] && !c[1] && !c[2])
            continue;
        json_t *po = json_object();
        for (int v = 0; v < 3; v++)
            json_object_set_new(po, verdicts3[v], json_integer((json_int_t)c[v]));
        json_object_set_new(o, cav_pack_party_name(p, i), po);
    }
    json_object_set_new(s, "parties", o);
    o = json_object();
    int nr = cav_pack_rule_count(p);
    for (int r = 0; r < nr + 2; r++)
        if (t->rule[r])
            json_object_set_new(o,
                                r < nr    ? cav_pack_rule_name(p, r)
                                : r == nr ? "default-deny"
                                          : "no-rules-in-force",
                                json_integer((json_int_t)t->rule[r]));
    json_object_set_new(s, "rules", o);
    o = json_object();
    for (int m = 0; m < NMONTHS; m++) {
        if (!t->months[m][0] && !t->months[m][1] && !t->months[m][2])
            continue;
        char name[16];
        month_name(m, name);
        json_t *mo = json_object();
        for (int v = 0; v < 3; v++)
            json_object_set_new(mo, verdicts3[v], json_integer((json_int_t)t->months[m][v]));
        json_object_set_new(o, name, mo);
    }
    json_object_set_new(s, "months", o);
    json_t *e = json_object(), *bf = json_object(), *first = json_array();
    json_object_set_new(e, "rows", json_integer((json_int_t)t->errors));
    for (int f = 0; f < NQ + 2; f++)
        if (t->err_fields[f])
            json_object_set_new(bf,
                                f < NQ    ? cli_audit_fields[f]
                                : f == NQ ? "(row)"
                                          : "(other)",
                                json_integer((json_int_t)t->err_fields[f]));
    json_object_set_new(e, "by_field", bf);
    for (int i = 0; i < nsamples; i++) {
        const err_sample *x = &samples[i];
        json_t *so = json_object();
        const char *file = a->o->ninputs ? a->o->inputs[x->file] : "-";
        json_object_set_new(so, "input", json_string(file));
        json_object_set_new(so, "row", json_integer((json_int_t)x->row));
        json_object_set_new(so, "field", x->field[0] ? json_string(x->field) : json_null());
        json_object_set_new(so, "message", json_string(x->message));
        json_array_append_new(first, so);
    }
    json_object_set_new(e, "first", first);
    json_object_set_new(s, "errors", e);
    json_t *top = json_array();
    for (int i = 0; i < t->nreasons && i < 10; i++) {
        json_t *ro = json_object();
        json_object_set_new(ro, "reason", json_string(t->reasons[i].text));
        json_object_set_new(ro, "rows", json_integer((json_int_t)t->reasons[i].rows));
        json_array_append_new(top, ro);
    }
    json_object_set_new(s, "top_prohibited_reasons", top);
    return s;
}

static void pct(FILE *f, const char *name, uint64_t n, uint64_t total) {
    fprintf(f, " %s %llu (%.1f%%)", name, (unsigned long long)n,
            total ? 100.0 * (double)n / (double)total : 0.0);
}

void cli_audit_summary_text(const audit *a, const totals *t, const err_sample *samples,
                            int nsamples, FILE *f) {
    const cav_pack *p = a->pack;
    fprintf(f, "caveat audit: %llu rows in, %llu rows out in %.2f s (%.2f M rows/s)\n",
            (unsigned long long)t->rows_in, (unsigned long long)t->rows_out, t->seconds,
            t->seconds > 0 ? (double)t->rows_out / t->seconds / 1e6 : 0.0);
    fputs("  decisions:", f);
    for (int v = 0; v < 3; v++)
        pct(f, verdicts3[v], t->verdicts[v], t->rows_in);
    pct(f, "error", t->errors, t->rows_in);
    fputs("\n  by party:\n", f);
    for (int i = 0, np = party_count(p); i < np; i++) {
        const uint64_t *c = t->party + i * 3;
        if (c[0] || c[1] || c[2])
            fprintf(f, "    %-4s permitted %llu, prohibited %llu, unknown %llu\n",
                    cav_pack_party_name(p, i), (unsigned long long)c[0], (unsigned long long)c[1],
                    (unsigned long long)c[2]);
    }
    fputs("  by rule:\n", f);
    int nr = cav_pack_rule_count(p);
    for (int r = 0; r < nr + 2; r++)
        if (t->rule[r])
            fprintf(f, "    %10llu  %s\n", (unsigned long long)t->rule[r],
                    r < nr    ? cav_pack_rule_name(p, r)
                    : r == nr ? "default-deny"
                              : "no-rules-in-force");
    fputs("  by month (permitted/prohibited/unknown):\n", f);
    int col = 0;
    for (int m = 0; m < NMONTHS; m++) {
        if (!t->months[m][0] && !t->months[m][1] && !t->months[m][2])
            continue;
        char name[16];
        month_name(m, name);
        fprintf(f, "%s%s %llu/%llu/%llu", col % 3 ? "   " : "    ", name,
                (unsigned long long)t->months[m][0], (unsigned long long)t->months[m][1],
                (unsigned long long)t->months[m][2]);
        if (++col % 3 == 0)
            fputc('\n', f);
    }
    if (col % 3)
        fputc('\n', f);
    if (t->errors) {
        fprintf(f, "  errors: %llu rows;", (unsigned long long)t->errors);
        for (int i = 0; i < NQ + 2; i++)
            if (t->err_fields[i])
                fprintf(f, " %s %llu",
                        i < NQ    ? cli_audit_fields[i]
                        : i == NQ ? "(row)"
                                  : "(other)",
                        (unsigned long long)t->err_fields[i]);
        fputc('\n', f);
        for (int i = 0; i < nsamples; i++)
            fprintf(f, "    %s row %zu: %s%s%s\n",
                    a->o->ninputs ? a->o->inputs[samples[i].file] : "<stdin>", samples[i].row,
                    samples[i].field, samples[i].field[0] ? ": " : "", samples[i].message);
    }
    if (t->nreasons) {
        fputs("  top reasons for prohibited rows:\n", f);
        for (int i = 0; i < t->nreasons && i < 10; i++)
            fprintf(f, "    %10llu  %s\n", (unsigned long long)t->reasons[i].rows,
                    t->reasons[i].text);
    }
}
