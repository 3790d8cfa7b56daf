/* can.c — `caveat can`: the reverse question. For one use (a target, its kind, state, role and
 * purpose, a launch point, a date), every weapon of the catalog, and each of its recorded
 * suppliers where it has several, with the verdict and the rules that decide it. */
#include "report/report.h"

#include <string.h>

int cav_can(const cav_pack *p, const cav_query *tmpl, unsigned flags, cav_format fmt, cav_buf *o) {
    (void)flags;
    if (!p || !tmpl || (fmt != CAV_FMT_TEXT && fmt != CAV_FMT_JSON))
        return CAV_EINVAL;
    int json = fmt == CAV_FMT_JSON, rows = 0;
    if (json)
        cav__buf_puts(o, "[");
    else
        cav__buf_printf(o, "%-14s %-8s %-13s %s\n", "weapon", "supplier", "decision", "by party");
    for (int w = 0; w < p->nweapons; w++) {
        const cav_weapon *wp = &p->weapons[w];
        /* the uses to ask: no supplier (the consent parties decide), or each supplier */
        int nuses = wp->nsuppliers > 1 || wp->nconsent == 0 ? wp->nsuppliers : 1;
        for (int u = 0; u < nuses; u++) {
            cav_query q = *tmpl;
            q.weapon = w;
            q.supplier = wp->nsuppliers > 1 || wp->nconsent == 0 ? wp->suppliers[u] : CAV_MISSING;
            cav_decision d;
            if (cav_eval(p, &q, &d) != 0 || cav_decision_validity(p, &q, &d) != 0)
                return CAV_EINVAL;
            uint64_t scratch[CAV_FACT_WORDS];
            cav_facts f;
            cav__facts_of(p, &q, scratch, &f);
            const char *supplier = q.supplier >= 0 ? p->parties[q.supplier].code : NULL;
            if (json) {
                cav__buf_puts(o, rows++ ? ",\n  {\"weapon\": " : "\n  {\"weapon\": ");
                cav__buf_json_str(o, wp->id);
                cav__buf_puts(o, ", \"supplier\": ");
                cav__buf_json_str(o, supplier);
                cav__buf_printf(o, ", \"decision\": \"%s\", \"parties\": [",
                                cav_verdict_name(d.verdict));
            } else {
                cav__buf_printf(o, "%-14s %-8s %-13s ", wp->id, supplier ? supplier : "-",
                                cav_verdict_name(d.verdict));
            }
            for (int i = 0; i < d.nparties; i++) {
                const cav_party_decision *pd = &d.parties[i];
                int rules[256];
                int n = cav__deciding_rules(p, pd, q.date, &f, rules, 256);
                n = n < 256 ? n : 256;
                if (json) {
                    cav__buf_puts(o, i ? ", {\"party\": " : "{\"party\": ");
                    cav__buf_json_str(o, p->parties[pd->party].code);
                    cav__buf_printf(o, ", \"decision\": \"%s\", \"basis\": \"%s\", \"rules\": [",
                                    cav_verdict_name(pd->verdict), cav_basis_name(pd->basis));
                    for (int k = 0; k < n; k++) {
                        if (k)
                            cav__buf_puts(o, ", ");
                        cav__buf_json_str(o, p->rules[rules[k]].id);
                    }
                    cav__buf_puts(o, "]}");
                    continue;
                }
                cav__buf_printf(o, "%s%s %s", i ? "; " : "", p->parties[pd->party].code,
                                cav_verdict_name(pd->verdict));
                if (n == 0)
                    cav__buf_printf(o, " (%s)", cav_basis_name(pd->basis));
                for (int k = 0; k < n; k++)
                    cav__buf_printf(o, "%s%s", k ? ", " : " by ", p->rules[rules[k]].id);
            }
            if (json) {
                cav__buf_puts(o, "], \"valid\": {\"from\": ");
                char date[11];
                if (d.valid_from == INT32_MIN) {
                    cav__buf_puts(o, "null");
                } else {
                    cav_date_format(d.valid_from, date);
                    cav__buf_printf(o, "\"%s\"", date);
                }
                cav__buf_puts(o, ", \"until\": ");
                if (d.valid_until == CAV_DATE_OPEN) {
                    cav__buf_puts(o, "null");
                } else {
                    cav_date_format(d.valid_until, date);
                    cav__buf_printf(o, "\"%s\"", date);
                }
                cav__buf_printf(o, "}, \"disputed\": %s}",
                                cav_decision_disputed(p, &d) ? "true" : "false");
            } else {
                if (cav_decision_disputed(p, &d))
                    cav__buf_puts(o, " (disputed)");
                cav__buf_puts(o, "\n");
            }
        }
    }
    if (json)
        cav__buf_puts(o, rows ? "\n]\n" : "]\n");
    return cav__buf_status(o);
}
