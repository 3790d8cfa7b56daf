/* columns.c — a decision as short columns of text: the one formatter of the derived columns of
 * `caveat audit` (docs/audit.md, "Output") and of the Python binding's decide_frame, so a log
 * audited by the command and a frame decided in Python carry the same cells.
 *
 * The rule column names the rules that decided the use: the deciding rules of every party whose
 * verdict is the use's (a party that permits a use another prohibits did not decide it), each
 * once, with default-deny and silent for parties that decided so (cav_decision_rules). Nothing
 * here allocates but the caller's cav_buf; the pack is only read.
 */
#include "core/buf.h"
#include "lang/pack.h"

#include <string.h>

/* The deciding rules of party pd, all of them (found again when more than a decision stores). */
static int party_rules(const cav_pack *p, const cav_query *q, const cav_party_decision *pd,
                       int *out, int max) {
    if (pd->nrules <= CAV_MAX_DECIDING) {
        int n = pd->nrules < max ? pd->nrules : max;
        memcpy(out, pd->rules, (size_t)n * sizeof *out);
        return n;
    }
    uint64_t scratch[CAV_FACT_WORDS];
    cav_facts f;
    cav__facts_of(p, q, scratch, &f);
    int n = cav__deciding_rules(p, pd, q->date, &f, out, max);
    return n < max ? n : max;
}

int cav_decision_rules(const cav_pack *p, const cav_query *q, const cav_decision *d, int *out,
                       int max) {
    if (!p || !q || !d || (max > 0 && !out))
        return CAV_EINVAL;
    int all[1024], n = 0;
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        if (pd->verdict != d->verdict)
            continue;
        int rules[1024];
        int k = pd->basis == CAV_BASIS_DEFAULT  ? (rules[0] = CAV_RULE_DEFAULT_DENY, 1)
                : pd->basis == CAV_BASIS_SILENT ? (rules[0] = CAV_RULE_SILENT, 1)
                                                : party_rules(p, q, pd, rules, 1024);
        for (int r = 0; r < k; r++) {
            int dup = 0;
            for (int j = 0; j < n && !dup; j++)
                dup = all[j] == rules[r];
            if (!dup && n < 1024)
                all[n++] = rules[r];
        }
    }
    if (max > 0)
        memcpy(out, all, (size_t)(n < max ? n : max) * sizeof *out);
    return n;
}

static const char *rule_name(const cav_pack *p, int r) {
    return r == CAV_RULE_DEFAULT_DENY ? "default-deny"
           : r == CAV_RULE_SILENT     ? "silent"
                                      : cav_catalog_name(p, CAV_CAT_RULE, r);
}

static void put_date(cav_buf *b, int32_t days) {
    if (days == INT32_MIN || days == CAV_DATE_OPEN || days == CAV_VALIDITY_UNSET)
        return;
    char t[16];
    cav_date_format(days, t);
    cav__buf_puts(b, t);
}

/* The short explanation: for each party, its verdict and what decided it. */
static void why_text(const cav_pack *p, const cav_query *q, const cav_decision *d, cav_buf *b) {
    for (int i = 0; i < d->nparties; i++) {
        const cav_party_decision *pd = &d->parties[i];
        if (i)
            cav__buf_puts(b, "; ");
        cav__buf_printf(b, "%s %s", cav_catalog_name(p, CAV_CAT_PARTY, pd->party),
                        cav_verdict_name(pd->verdict));
        switch (pd->basis) {
        case CAV_BASIS_SILENT: cav__buf_puts(b, ": no condition speaks of the weapon"); break;
        case CAV_BASIS_DEFAULT: cav__buf_puts(b, ": no permit applies (default deny)"); break;
        default: {
            static const char *const how[] = {"by", "", "as it might forbid:", "by",
                                              "as it might permit:"};
            cav__buf_printf(b, " %s ", how[pd->basis]);
            int rules[1024];
            int n = party_rules(p, q, pd, rules, 1024);
            for (int r = 0; r < n; r++)
                cav__buf_printf(b, "%s%s", r ? ", " : "", rule_name(p, rules[r]));
            break;
        }
        }
        if (pd->verdict == CAV_INDETERMINATE && pd->missing) {
            cav__buf_puts(b, " (not given:");
            for (int f = 0; f < CAV_Q_COUNT; f++)
                if (pd->missing & CAV_QBIT(f))
                    cav__buf_printf(b, " %s",
                                    f == CAV_Q_LAUNCH_LAT ? "launch"
                                                          : cav_qfield_name((cav_qfield)f));
            cav__buf_puts(b, ")");
        }
        if (pd->verdict == CAV_INDETERMINATE && pd->unsure)
            cav__buf_puts(b, " (near a zone edge)");
    }
}

const char *cav_column_name(cav_column c) {
    static const char *const names[CAV_COL_COUNT] = {
        "date", "decision", "parties", "rule", "valid_from", "valid_until", "explanation", "why"};
    return (int)c >= 0 && c < CAV_COL_COUNT ? names[c] : NULL;
}

int cav_decision_column(const cav_pack *p, const cav_query *q, const cav_decision *d, cav_column c,
                        unsigned flags, cav_buf *out) {
    if (!p || !q || !d || !out || (int)c < 0 || c >= CAV_COL_COUNT)
        return CAV_EINVAL;
    switch (c) {
    case CAV_COL_DATE: put_date(out, q->date); break;
    case CAV_COL_DECISION: cav__buf_puts(out, cav_verdict_name(d->verdict)); break;
    case CAV_COL_PARTIES:
        for (int i = 0; i < d->nparties; i++)
            cav__buf_printf(out, "%s%s:%s", i ? ";" : "",
                            cav_catalog_name(p, CAV_CAT_PARTY, d->parties[i].party),
                            cav_verdict_name(d->parties[i].verdict));
        break;
    case CAV_COL_RULE: {
        int rules[4096];
        int n = cav_decision_rules(p, q, d, rules, 4096);
        for (int i = 0; i < n && i < 4096; i++)
            cav__buf_printf(out, "%s%s", i ? ";" : "", rule_name(p, rules[i]));
        break;
    }
    case CAV_COL_VALID_FROM:
    case CAV_COL_VALID_UNTIL: {
        cav_decision v;
        if (d->valid_from == CAV_VALIDITY_UNSET) {
            v = *d;
            if (cav_decision_validity(p, q, &v) != 0)
                return CAV_EINVAL;
            d = &v;
        }
        put_date(out, c == CAV_COL_VALID_FROM ? d->valid_from : d->valid_until);
        break;
    }
    case CAV_COL_EXPLANATION: return cav_explain(p, q, d, flags, out);
    case CAV_COL_WHY: why_text(p, q, d, out); break;
    default: break;
    }
    return cav__buf_status(out);
}
