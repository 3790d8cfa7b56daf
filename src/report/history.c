/* history.c — the history of a pack's conditions: `caveat timeline` (every change in date order)
 * and `caveat diff` (what is in force on one date and not the other), as text, Markdown or JSON.
 *
 * A row is a rule taking effect (its `from`), ending (its `until`), or a dated note. What a
 * reader must not miss rides on every row: a disputed rule or note says so (with why, in md and
 * json), a rule resting on an assumed zone names it, and a permit that is an exception to a
 * forbid says that the forbid stays in force, so a loosening never reads as "the ban was lifted".
 */
#include "core/alloc.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

int cav_rule_concerns(const cav_pack *p, int rule, int weapon) {
    if (!p || rule < 0 || rule >= p->nrules || weapon < 0 || weapon >= p->nweapons)
        return 0;
    const cav_rule *r = &p->rules[rule];
    const cav_weapon *w = &p->weapons[weapon];
    int party_ok = r->all_parties;
    for (int i = 0; i < r->nparties && !party_ok; i++) {
        for (int k = 0; k < w->nconsent; k++)
            party_ok |= r->parties[i] == w->consent[k];
        for (int k = 0; k < w->nsuppliers; k++)
            party_ok |= r->parties[i] == w->suppliers[k];
    }
    return party_ok && cav__rule_speaks(p, rule, weapon);
}

static int party_matches(int all, const int *parties, int n, const cav_filter *f) {
    if (!f || f->party < 0 || all)
        return 1;
    for (int i = 0; i < n; i++)
        if (parties[i] == f->party)
            return 1;
    return 0;
}

static int keep_rule(const cav_pack *p, int r, const cav_filter *f) {
    const cav_rule *rule = &p->rules[r];
    if (!party_matches(rule->all_parties, rule->parties, rule->nparties, f))
        return 0;
    return !f || f->weapon < 0 || cav_rule_concerns(p, r, f->weapon);
}

static int keep_note(const cav_pack *p, int n, const cav_filter *f) {
    const cav_note *note = &p->notes[n];
    if (!party_matches(0, note->parties, note->nparties, f))
        return 0;
    if (!f || f->weapon < 0)
        return 1;
    const cav_weapon *w = &p->weapons[f->weapon];
    for (int i = 0; i < note->nparties; i++) {
        for (int k = 0; k < w->nconsent; k++)
            if (note->parties[i] == w->consent[k])
                return 1;
        for (int k = 0; k < w->nsuppliers; k++)
            if (note->parties[i] == w->suppliers[k])
                return 1;
    }
    return 0;
}

typedef struct row {
    int32_t date;
    int kind;  /* 0 takes effect, 1 ends, 2 note; in diff: 0 added, 1 removed */
    int index; /* rule or note id */
} row;

static int cmp_row(const void *a, const void *b) {
    const row *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    if (x->kind != y->kind) /* ends before starts on the same day, notes last */
        return x->kind == 1 ? -1 : y->kind == 1 ? 1 : x->kind - y->kind;
    return x->index - y->index;
}

static const char *change_name(int kind, int is_diff, int forbid) {
    if (kind == 2)
        return "note";
    if (is_diff)
        return kind == 0 ? (forbid ? "+ forbid" : "+ permit") : (forbid ? "- forbid" : "- permit");
    return kind == 0 ? (forbid ? "forbid starts" : "permit starts")
                     : (forbid ? "forbid ends" : "permit ends");
}

/* The forbids that list rule r among their exceptions, as "a, b" (empty when none); returns
 * their number. */
static int exception_of(const cav_pack *p, int r, cav_buf *o) {
    int n = 0;
    for (int k = 0; k < p->nrules; k++)
        for (int e = 0; e < p->rules[k].nunless; e++)
            if (p->rules[k].unless[e] == r) {
                cav__buf_puts(o, n++ ? ", " : "");
                cav__buf_puts(o, p->rules[k].id);
            }
    return n;
}

static void parties_text(const cav_pack *p, int all, const int *v, int n, cav_buf *o) {
    if (all)
        cav__buf_puts(o, "*");
    for (int i = 0; i < n; i++)
        cav__buf_printf(o, "%s%s", i || all ? "," : "", p->parties[v[i]].code);
}

static void print_rows(const cav_pack *p, const row *rows, int n, cav_format fmt, int is_diff,
                       cav_buf *o) {
    if (fmt == CAV_FMT_MD)
        cav__buf_puts(o, "| date | party | change | rule | what | disputed | assumes | sources |\n"
                         "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    if (fmt == CAV_FMT_JSON)
        cav__buf_puts(o, "[");
    cav_buf parties = {0}, ex = {0};
    int zones[64];
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        const char *id, *title, *says, *disputed = NULL, *assumption = NULL;
        const int *sources;
        int nsources, forbid = 0, nex = 0;
        cav_buf_clear(&parties);
        cav_buf_clear(&ex);
        int nz = 0;
        if (r->kind == 2) {
            const cav_note *note = &p->notes[r->index];
            id = note->id;
            title = note->title;
            says = note->says;
            disputed = note->disputed;
            sources = note->sources;
            nsources = note->nsources;
            parties_text(p, 0, note->parties, note->nparties, &parties);
        } else {
            const cav_rule *rule = &p->rules[r->index];
            id = rule->id;
            title = rule->title;
            says = rule->says;
            disputed = rule->disputed;
            forbid = rule->forbid;
            sources = rule->sources;
            nsources = rule->nsources;
            parties_text(p, rule->all_parties, rule->parties, rule->nparties, &parties);
            assumption = rule->assumption;
            if (!forbid)
                nex = exception_of(p, r->index, &ex);
            nz = cav__rule_assumed_zones(p, r->index, zones, 64);
            nz = nz < 64 ? nz : 64;
        }
        const char *what = title && *title ? title : says ? says : "";
        const char *change = change_name(r->kind, is_diff, forbid);
        char date[11] = "";
        if (!is_diff)
            cav_date_format(r->date, date);
        if (fmt == CAV_FMT_TEXT) {
            cav__buf_printf(o, "%-10s  %-8s  %-13s  %-34s  ", date, parties.data, change, id);
            cav__report_line(o, what);
            if (disputed)
                cav__buf_puts(o, " (disputed)");
            if (ex.len)
                cav__buf_printf(o, " (an exception to %s, which %s in force)", ex.data,
                                nex > 1 ? "stay" : "stays");
            for (int k = 0; k < nz; k++)
                cav__buf_printf(o, "%s%s%s", k ? ", " : " (assumes ", p->zones[zones[k]].id,
                                k == nz - 1 ? ")" : "");
            if (assumption)
                cav__buf_puts(o, " (rests on an assumption)");
            cav__buf_puts(o, "  [");
            for (int k = 0; k < nsources; k++)
                cav__buf_printf(o, "%s%s", k ? ", " : "", p->sources[sources[k]].id);
            cav__buf_puts(o, "]\n");
        } else if (fmt == CAV_FMT_MD) {
            cav__buf_printf(o, "| %s | %s | %s | `", date, parties.data, change);
            cav__buf_md(o, id, strlen(id));
            cav__buf_puts(o, "` | ");
            cav__buf_md(o, what, strlen(what));
            if (ex.len) {
                cav__buf_puts(o, " (an exception to ");
                cav__buf_md(o, ex.data, ex.len);
                cav__buf_puts(o, nex > 1 ? ", which stay in force)" : ", which stays in force)");
            }
            cav__buf_puts(o, " | ");
            if (disputed) {
                cav__buf_puts(o, "disputed: ");
                cav__buf_md(o, disputed, strlen(disputed));
            }
            cav__buf_puts(o, " | ");
            for (int k = 0; k < nz; k++) {
                if (k)
                    cav__buf_puts(o, ", ");
                cav__buf_md(o, p->zones[zones[k]].id, strlen(p->zones[zones[k]].id));
            }
            if (assumption) {
                cav__buf_puts(o, nz ? "; the rule itself: " : "the rule itself: ");
                cav__buf_md(o, assumption, strlen(assumption));
            }
            cav__buf_puts(o, " | ");
            for (int k = 0; k < nsources; k++) {
                if (k)
                    cav__buf_puts(o, ", ");
                cav__buf_md(o, p->sources[sources[k]].id, strlen(p->sources[sources[k]].id));
            }
            cav__buf_puts(o, " |\n");
        } else {
            cav__buf_puts(o, i ? ",\n  {\"date\": " : "\n  {\"date\": ");
            if (is_diff)
                cav__buf_puts(o, "null");
            else
                cav__buf_printf(o, "\"%s\"", date);
            cav__buf_puts(o, ", \"party\": ");
            cav__buf_json_str(o, parties.data);
            cav__buf_printf(o, ", \"change\": \"%s\", \"%s\": ", change,
                            r->kind == 2 ? "note" : "rule");
            cav__buf_json_str(o, id);
            cav__buf_puts(o, ", \"title\": ");
            cav__buf_json_str(o, title);
            cav__buf_puts(o, ", \"says\": ");
            cav__buf_json_str(o, says);
            cav__buf_puts(o, ", \"disputed\": ");
            cav__buf_json_str(o, disputed);
            cav__buf_puts(o, ", \"exception_to\": [");
            for (int k = 0, m = 0; k < p->nrules && r->kind != 2; k++)
                for (int e = 0; e < p->rules[k].nunless; e++)
                    if (p->rules[k].unless[e] == r->index) {
                        cav__buf_puts(o, m++ ? ", " : "");
                        cav__buf_json_str(o, p->rules[k].id);
                    }
            cav__buf_puts(o, "], \"assumptions\": [");
            for (int k = 0; k < nz; k++) {
                if (k)
                    cav__buf_puts(o, ", ");
                cav__buf_json_str(o, p->zones[zones[k]].id);
            }
            cav__buf_puts(o, "], \"assumption\": ");
            cav__buf_json_str(o, assumption);
            cav__buf_puts(o, ", \"sources\": [");
            for (int k = 0; k < nsources; k++) {
                if (k)
                    cav__buf_puts(o, ", ");
                cav__buf_json_str(o, p->sources[sources[k]].id);
            }
            cav__buf_puts(o, "]}");
        }
    }
    if (fmt == CAV_FMT_JSON)
        cav__buf_puts(o, n ? "\n]\n" : "]\n");
    cav_buf_free(&parties);
    cav_buf_free(&ex);
}

static int check_args(const cav_pack *p, const cav_filter *f, cav_format fmt) {
    if (!p || (fmt != CAV_FMT_TEXT && fmt != CAV_FMT_MD && fmt != CAV_FMT_JSON))
        return CAV_EINVAL;
    if (f && (f->party >= p->nparties || f->weapon >= p->nweapons))
        return CAV_EINVAL;
    return 0;
}

int cav_timeline(const cav_pack *p, const cav_filter *f, cav_format fmt, cav_buf *out) {
    int rc = check_args(p, f, fmt);
    if (rc)
        return rc;
    row *rows = cav__calloc(2 * (size_t)p->nrules + (size_t)p->nnotes + 1, sizeof *rows);
    if (!rows)
        return CAV_ENOMEM;
    int n = 0;
    for (int r = 0; r < p->nrules; r++) {
        if (!keep_rule(p, r, f))
            continue;
        rows[n++] = (row){p->rules[r].from, 0, r};
        if (p->rules[r].has_until)
            rows[n++] = (row){p->rules[r].until, 1, r};
    }
    for (int k = 0; k < p->nnotes; k++)
        if (p->notes[k].has_date && keep_note(p, k, f))
            rows[n++] = (row){p->notes[k].date, 2, k};
    qsort(rows, (size_t)n, sizeof *rows, cmp_row);
    print_rows(p, rows, n, fmt, 0, out);
    cav__free(rows);
    return cav__buf_status(out);
}

int cav_diff(const cav_pack *p, int32_t d1, int32_t d2, const cav_filter *f, cav_format fmt,
             cav_buf *out) {
    int rc = check_args(p, f, fmt);
    if (rc)
        return rc;
    row *rows = cav__calloc((size_t)p->nrules + 1, sizeof *rows);
    if (!rows)
        return CAV_ENOMEM;
    int n = 0;
    for (int r = 0; r < p->nrules; r++) {
        const cav_rule *rule = &p->rules[r];
        int at1 = rule->from <= d1 && d1 < rule->until, at2 = rule->from <= d2 && d2 < rule->until;
        if (at1 != at2 && keep_rule(p, r, f))
            rows[n++] = (row){0, at2 ? 0 : 1, r};
    }
    if (fmt == CAV_FMT_TEXT) {
        char a[11], b[11];
        cav_date_format(d1, a);
        cav_date_format(d2, b);
        cav__buf_printf(out, "Changes from %s to %s: %d\n", a, b, n);
    }
    print_rows(p, rows, n, fmt, 1, out);
    cav__free(rows);
    return cav__buf_status(out);
}
