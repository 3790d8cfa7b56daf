#define _GNU_SOURCE /* memmem */
/* test.c — running a pack's own test cases (`caveat test`, docs/testing.md).
 *
 * A pack ships its cases as JSON lines next to its rules; each case is a query, the verdict it
 * must get and optionally exactly the rules that must decide it and a phrase its explanation must
 * hold. A case file is checked as strictly as a query: an unknown key (with "did you mean"), an
 * expect that is no verdict, a rule id the pack does not have, a NUL byte or a line that is no
 * case is an error, reported with its line, never skipped, so "all passed" means every case ran.
 *
 * Coverage (as `opa test --coverage`): every rule should decide some case, and every test of a
 * condition should be seen both true and false in cases whose date it is in force on; what no
 * case exercises is listed.
 */
#include "core/alloc.h"
#include "core/json.h"
#include "core/util.h"
#include "lang/check.h"
#include "pack/embedded.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cov {
    int *decides;        /* per rule: cases it decided */
    unsigned char *seen; /* per node: bit 0 seen true, bit 1 seen false */
} cov;

typedef struct runner {
    const cav_pack *p;
    const cav_test_opts *o;
    cav_format fmt;
    cav_buf *out;
    cav_test_result *res;
    regex_t re;
    int has_re;
    int nitems; /* json/junit items written */
    cov c;
    cav_buf junit; /* junit test cases, written after the counts are known */
    int oom;       /* some working buffer failed: the whole run answers CAV_ENOMEM */
} runner;

/* One case as read. */
typedef struct tcase {
    cav_buf name, explain; /* copies: the reader's strings do not outlive it */
    const char *query;
    size_t query_len;
    int expect; /* verdict, -1 when invalid */
    int has_rules;
    int rules[256];
    int nrules;
    int has_explain;
} tcase;

/* ---- output ---- */

static void item_json(runner *r, const char *file, long line, const char *name, size_t nl,
                      const char *status, const char *message, const char *expected,
                      const char *actual, const cav_buf *exp_rules, const cav_buf *got_rules) {
    cav_buf *o = r->out;
    if (r->fmt == CAV_FMT_JSON) {
        cav__buf_puts(o, r->nitems++ ? ",\n  {\"case\": " : "\n  {\"case\": ");
        cav__buf_json(o, name ? name : "", name ? nl : 0);
        cav__buf_puts(o, ", \"file\": ");
        cav__buf_json_str(o, file);
        cav__buf_printf(o, ", \"line\": %ld, \"status\": \"%s\"", line, status);
        if (expected) {
            cav__buf_printf(o, ", \"expected\": \"%s\", \"actual\": \"%s\"", expected, actual);
            if (exp_rules) {
                cav__buf_puts(o, ", \"expected_rules\": [");
                cav__buf_put(o, exp_rules->data ? exp_rules->data : "", exp_rules->len);
                cav__buf_puts(o, "]");
            }
            cav__buf_puts(o, ", \"actual_rules\": [");
            cav__buf_put(o, got_rules->data ? got_rules->data : "", got_rules->len);
            cav__buf_puts(o, "]");
        }
        if (message) {
            cav__buf_puts(o, ", \"message\": ");
            cav__buf_json_str(o, message);
        }
        cav__buf_puts(o, "}");
    } else if (r->fmt == CAV_FMT_JUNIT) {
        cav_buf *j = &r->junit;
        cav__buf_puts(j, "    <testcase name=\"");
        cav__buf_xml(j, name ? name : "(no case name)", name ? nl : 14);
        cav__buf_puts(j, "\" classname=\"");
        cav__buf_xml(j, file, strlen(file));
        cav__buf_printf(j, ":%ld\"", line);
        if (strcmp(status, "pass") == 0) {
            cav__buf_puts(j, "/>\n");
            return;
        }
        cav__buf_printf(j, ">\n      <%s message=\"", strcmp(status, "fail") ? "error" : "failure");
        cav__buf_xml(j, message ? message : "", message ? strlen(message) : 0);
        cav__buf_printf(j, "\"/>\n    </testcase>\n");
    }
}

/* Reports a line that is no valid case. */
static void case_error(runner *r, const char *file, long line, const char *name, size_t nl,
                       const char *message) {
    if (!name)
        nl = 0;
    r->res->errors++;
    if (r->fmt == CAV_FMT_TEXT)
        cav__buf_printf(r->out, "ERROR %s:%ld %.*s%s%s\n", file, line, (int)(name ? nl : 0),
                        name ? name : "", name ? ": " : "", message);
    else
        item_json(r, file, line, name, nl, "error", message, NULL, NULL, NULL, NULL);
}

/* ---- reading a case ---- */

static const char *const case_keys[] = {"case", "query", "expect", "rules", "explain"};

static int read_case(runner *r, const char *text, size_t len, tcase *c, cav_buf *err) {
    memset(c, 0, sizeof *c);
    c->expect = -1;
    cav_json j;
    cav__json_init(&j, text, len);
    int st = 0, seen = 0;
    const char *key;
    size_t kn;
    int rc = 0;
    if (cav__json_peek(&j) != CAV_J_OBJECT) {
        cav__buf_puts(err, "a case is a JSON object: {\"case\": ..., \"query\": {...}, "
                           "\"expect\": ...}");
        rc = 1;
        goto done;
    }
    while (rc == 0 && cav__json_member(&j, &st, &key, &kn) == 1) {
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strlen(case_keys[i]) == kn && memcmp(key, case_keys[i], kn) == 0)
                k = i;
        if (k < 0) {
            char shown[64];
            snprintf(shown, sizeof shown, "%.*s", (int)(kn < 40 ? kn : 40), key);
            cav__buf_printf(err, "unknown key '%s'", shown);
            cav_buf near = {0};
            if (cav_suggest(shown, case_keys, 5, &near) > 0)
                cav__buf_printf(err, " (did you mean %s?)", near.data);
            cav_buf_free(&near);
            rc = 1;
            break;
        }
        if (seen & (1 << k)) {
            cav__buf_printf(err, "key '%s' is given twice", case_keys[k]);
            rc = 1;
            break;
        }
        seen |= 1 << k;
        const char *s;
        size_t n;
        if (k == 1) {
            size_t start = cav__json_offset(&j);
            if (cav__json_peek(&j) != CAV_J_OBJECT) {
                cav__buf_puts(err, "\"query\" must be an object");
                rc = 1;
            } else if (cav__json_skip(&j) == 0) {
                c->query = text + start;
                c->query_len = (size_t)(j.p - (text + start));
            }
        } else if (k == 3) {
            c->has_rules = 1;
            int ast = 0;
            while (rc == 0 && cav__json_element(&j, &ast) == 1) {
                if (cav__json_string(&j, &s, &n) != 0) {
                    if (!j.failed)
                        cav__buf_puts(err, "\"rules\" is a list of rule ids");
                    rc = 1;
                    break;
                }
                int id = cav_catalog_find(r->p, CAV_CAT_RULE, s, n);
                if (id < 0) {
                    cav__buf_printf(err, "\"rules\" names '%.*s', which is no rule of the pack",
                                    (int)(n < 60 ? n : 60), s);
                    rc = 1;
                } else if (c->nrules < 256) {
                    c->rules[c->nrules++] = id;
                }
            }
        } else {
            if (cav__json_peek(&j) != CAV_J_STRING) {
                cav__buf_printf(err, "\"%s\" must be a string", case_keys[k]);
                rc = 1;
                break;
            }
            if (cav__json_string(&j, &s, &n) != 0)
                break;
            if (k == 0) {
                cav__buf_put(&c->name, s, n);
            } else if (k == 2) {
                for (int v = CAV_PERMITTED; v <= CAV_UNKNOWN; v++)
                    if (strlen(cav_verdict_name((cav_verdict)v)) == n &&
                        memcmp(s, cav_verdict_name((cav_verdict)v), n) == 0)
                        c->expect = v;
                if (c->expect < 0) {
                    cav__buf_printf(err,
                                    "\"expect\" is '%.*s'; it must be permitted, prohibited, "
                                    "indeterminate or unknown",
                                    (int)(n < 40 ? n : 40), s);
                    rc = 1;
                }
            } else {
                cav__buf_put(&c->explain, s, n);
                c->has_explain = 1;
            }
        }
    }
    if (rc == 0 && cav__json_finish(&j) != 0) {
        cav__buf_printf(err, "not valid JSON: %s (column %zu)", j.err, j.err_at + 1);
        rc = 1;
    }
    if (rc == 0 && (!(seen & 1) || !(seen & 2) || !(seen & 4))) {
        cav__buf_puts(err, "a case needs \"case\", \"query\" and \"expect\"");
        rc = 1;
    }
done:
    if (j.oom || c->name.failed || c->explain.failed)
        rc = CAV_ENOMEM;
    cav__json_free(&j);
    return rc;
}

/* ---- running ---- */

static void rules_json(const cav_pack *p, const int *v, int n, cav_buf *o) {
    for (int i = 0; i < n; i++) {
        if (i)
            cav__buf_puts(o, ", ");
        cav__buf_json_str(o, p->rules[v[i]].id);
    }
}

/* Records which tests of the rules in force for this case were seen true and false. With
 * weapon_only (a rule that does not speak of the case's weapon), only the tests of weapon and
 * weapon.class are recorded: they are what keeps the rule off this weapon, while its other tests
 * say nothing about a use the rule cannot reach. */
static void cover_node(runner *r, int n, const cav_facts *f, int weapon_only) {
    const cav_node *node = &r->p->nodes[n];
    if (!weapon_only ||
        (node->op == CAV_N_TEST && (node->field == CAV_F_WEAPON || node->field == CAV_F_CLASS))) {
        cav_tri t = cav__eval_node(r->p, n, f);
        if (t == CAV_TRUE)
            r->c.seen[n] |= 1;
        else if (t == CAV_FALSE)
            r->c.seen[n] |= 2;
    }
    if (node->op != CAV_N_TEST) {
        cover_node(r, node->a, f, weapon_only);
        if (node->op != CAV_N_NOT)
            cover_node(r, node->b, f, weapon_only);
    }
}

static void cover(runner *r, const cav_query *q, const cav_decision *d) {
    const cav_pack *p = r->p;
    uint64_t scratch[CAV_FACT_WORDS];
    cav_facts f;
    cav__facts_of(p, q, scratch, &f);
    for (int i = 0; i < d->nparties; i++) {
        int rules[1024];
        int n = cav__deciding_rules(p, &d->parties[i], q->date, &f, rules, 1024);
        for (int k = 0; k < n && k < 1024; k++)
            r->c.decides[rules[k]]++;
        const cav_epoch *ep = cav__epoch_of(p, d->parties[i].party, q->date);
        for (int k = 0; k < ep->nrules; k++)
            if (p->rules[ep->rules[k]].root >= 0)
                cover_node(r, p->rules[ep->rules[k]].root, &f,
                           !cav__rule_speaks(p, ep->rules[k], f.weapon));
    }
    /* the parties this use does not involve: their rules' weapon tests are false for it */
    for (int party = 0; party < p->nparties; party++) {
        int involved = 0;
        for (int i = 0; i < d->nparties; i++)
            involved |= d->parties[i].party == party;
        if (involved)
            continue;
        const cav_epoch *ep = cav__epoch_of(p, party, q->date);
        for (int k = 0; k < ep->nrules; k++)
            if (p->rules[ep->rules[k]].root >= 0)
                cover_node(r, p->rules[ep->rules[k]].root, &f, 1);
    }
}

static void run_case(runner *r, const char *file, long line, const char *text, size_t len) {
    tcase c;
    cav_buf err = {0};
    int rc = read_case(r, text, len, &c, &err);
    cav_buf name = c.name;
    cav__buf_put(&name, "", 0); /* data is a string even for an empty name */
    if (rc == CAV_ENOMEM)
        r->oom = 1;
    if (rc != 0) {
        case_error(r, file, line, name.len ? name.data : NULL, name.len,
                   err.data ? err.data : "not a case");
        cav_buf_free(&err);
        cav_buf_free(&name);
        cav_buf_free(&c.explain);
        return;
    }
    if (r->has_re && regexec(&r->re, name.data, 0, NULL, 0) != 0) {
        cav_buf_free(&name);
        cav_buf_free(&c.explain);
        return;
    }
    cav_query q;
    cav_qerrors qe;
    cav_decision d;
    if (cav_query_parse_json(r->p, c.query, c.query_len, NULL, &q, NULL, &qe) != 0) {
        cav_qerrors_text(&qe, 0, &err);
        case_error(r, file, line, name.data, name.len, err.data);
    } else if (cav_eval(r->p, &q, &d) != 0) {
        case_error(r, file, line, name.data, name.len, "the query could not be evaluated");
    } else {
        if (r->o && r->o->coverage)
            cover(r, &q, &d);
        cav_buf expl = {0}, got = {0}, want = {0};
        cav_explain(r->p, &q, &d, CAV_EXPLAIN, &expl);
        int actual[1024], na = 0;
        uint64_t scratch[CAV_FACT_WORDS];
        cav_facts f;
        cav__facts_of(r->p, &q, scratch, &f);
        for (int i = 0; i < d.nparties; i++)
            na += cav__deciding_rules(r->p, &d.parties[i], q.date, &f, actual + na, 1024 - na);
        rules_json(r->p, actual, na < 1024 ? na : 1024, &got);
        rules_json(r->p, c.rules, c.nrules, &want);
        int ok = (int)d.verdict == c.expect;
        int rules_ok = 1;
        if (c.has_rules) {
            rules_ok = na == c.nrules;
            for (int k = 0; rules_ok && k < c.nrules; k++) {
                int found = 0;
                for (int i = 0; i < na; i++)
                    found |= actual[i] == c.rules[k];
                rules_ok = found;
            }
        }
        int explain_ok = !c.has_explain || c.explain.len == 0 ||
                         (expl.data && c.explain.len <= expl.len &&
                          memmem(expl.data, expl.len, c.explain.data, c.explain.len) != NULL);
        cav_buf why = {0};
        if (!ok)
            cav__buf_printf(&why, "expected %s, got %s", cav_verdict_name((cav_verdict)c.expect),
                            cav_verdict_name(d.verdict));
        if (!rules_ok)
            cav__buf_printf(&why, "%sexpected rules [%s], got [%s]", why.len ? "; " : "",
                            want.data ? want.data : "", got.data ? got.data : "");
        if (!explain_ok)
            cav__buf_printf(&why, "%sthe explanation lacks \"%s\"", why.len ? "; " : "",
                            c.explain.data);
        int pass = ok && rules_ok && explain_ok;
        if (pass)
            r->res->passed++;
        else
            r->res->failed++;
        if (r->fmt == CAV_FMT_TEXT) {
            if (!pass)
                cav__buf_printf(r->out, "FAIL %s:%ld %s: %s\n  explanation: %s\n", file, line,
                                name.data, why.data, expl.data ? expl.data : "");
            else if (r->o && r->o->verbose)
                cav__buf_printf(r->out, "ok   %s:%ld %s: %s\n", file, line, name.data,
                                cav_verdict_name(d.verdict));
        } else if (!pass || (r->o && r->o->verbose) || r->fmt == CAV_FMT_JUNIT) {
            item_json(r, file, line, name.data, name.len, pass ? "pass" : "fail",
                      pass ? NULL : why.data, cav_verdict_name((cav_verdict)c.expect),
                      cav_verdict_name(d.verdict), c.has_rules ? &want : NULL, &got);
        }
        /* a verdict computed from a cut explanation or rule list would be false */
        r->oom |= why.failed || expl.failed || got.failed || want.failed;
        cav_buf_free(&why);
        cav_buf_free(&expl);
        cav_buf_free(&got);
        cav_buf_free(&want);
    }
    r->oom |= err.failed || name.failed || c.explain.failed;
    cav_buf_free(&err);
    cav_buf_free(&name);
    cav_buf_free(&c.explain);
}

static void run_text(runner *r, const char *file, const char *text, size_t len) {
    long line = 0;
    size_t i = 0;
    while (i < len) {
        const char *s = text + i;
        const char *e = memchr(s, '\n', len - i);
        size_t n = e ? (size_t)(e - s) : len - i;
        line++;
        i += n + (e != NULL);
        const char *nul = memchr(s, '\0', n);
        if (nul) {
            case_error(r, file, line, NULL, 0,
                       "the line contains a NUL byte (is the file text?); it was not run");
            continue;
        }
        size_t lead = 0;
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t' || s[lead] == '\r'))
            lead++;
        if (lead == n || s[lead] == '#')
            continue;
        run_case(r, file, line, s, n);
    }
}

/* The text of a test node as written: "purpose = counterfire". */
static void node_text(const cav_pack *p, const cav_node *node, cav_buf *o) {
    static const char *const ops[] = {"=", "!=", "in", "not in"};
    cav__buf_printf(o, "%s %s ", cav__field_name((cav_field)node->src_field), ops[node->test]);
    if (node->nvals > 1)
        cav__buf_putc(o, '[');
    for (int i = 0; i < node->nvals; i++) {
        if (i)
            cav__buf_puts(o, ", ");
        cav__buf_puts(o, node->vals[i]);
    }
    if (node->nvals > 1)
        cav__buf_putc(o, ']');
    (void)p;
}

static void collect_nodes(const cav_pack *p, int n, int *out, int *count) {
    const cav_node *node = &p->nodes[n];
    if (node->op == CAV_N_TEST) {
        out[(*count)++] = n;
        return;
    }
    collect_nodes(p, node->a, out, count);
    if (node->op != CAV_N_NOT)
        collect_nodes(p, node->b, out, count);
}

/* 1 when some use can reach rule r: it is a `party *` rule, or one of its parties is a consent
 * party or a supplier of some weapon of the catalog. */
static int reachable(const cav_pack *p, const cav_rule *r) {
    if (r->all_parties)
        return 1;
    for (int w = 0; w < p->nweapons; w++) {
        const cav_weapon *wp = &p->weapons[w];
        for (int k = 0; k < r->nparties; k++) {
            for (int c = 0; c < wp->nconsent; c++)
                if (wp->consent[c] == r->parties[k])
                    return 1;
            for (int c = 0; c < wp->nsuppliers; c++)
                if (wp->suppliers[c] == r->parties[k])
                    return 1;
        }
    }
    return 0;
}

static void coverage_report(runner *r) {
    const cav_pack *p = r->p;
    cav_buf *o = r->out;
    int *nodes = cav__malloc(((size_t)p->nnodes + 1) * sizeof *nodes);
    if (!nodes) {
        o->failed = 1;
        return;
    }
    if (r->fmt == CAV_FMT_JSON)
        cav__buf_puts(o, ",\n \"uncovered\": [");
    int items = 0;
    for (int i = 0; i < p->nrules; i++) {
        const cav_rule *rule = &p->rules[i];
        int count = 0;
        if (!reachable(p, rule)) {
            /* no case can reach it: said so, apart from the gaps cases could fill */
            r->res->unreachable++;
            if (r->fmt == CAV_FMT_TEXT) {
                cav__buf_printf(
                    o, "unreachable: %s: no weapon of the catalog needs the consent of ", rule->id);
                for (int k = 0; k < rule->nparties; k++)
                    cav__buf_printf(o, "%s%s", k ? " or " : "", p->parties[rule->parties[k]].code);
                cav__buf_puts(o, " or lists it as a supplier; the rule records a position no "
                                 "question can reach until the catalog has such a weapon\n");
            } else if (r->fmt == CAV_FMT_JSON) {
                cav__buf_puts(o, items++ ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
                cav__buf_json_str(o, rule->id);
                cav__buf_puts(o, ", \"unreachable\": true, \"decides\": 0, \"tests\": []}");
            }
            continue;
        }
        if (rule->root >= 0)
            collect_nodes(p, rule->root, nodes, &count);
        int gaps = !r->c.decides[i];
        for (int k = 0; k < count; k++)
            gaps += (r->c.seen[nodes[k]] & 3) != 3;
        if (!gaps)
            continue;
        r->res->uncovered++;
        if (r->fmt == CAV_FMT_TEXT) {
            cav__buf_printf(o, "uncovered: %s", rule->id);
            if (!r->c.decides[i])
                cav__buf_puts(o, " decides no case");
            for (int k = 0; k < count; k++) {
                int seen = r->c.seen[nodes[k]] & 3;
                if (seen == 3)
                    continue;
                cav__buf_puts(o, "; '");
                node_text(p, &p->nodes[nodes[k]], o);
                cav__buf_printf(o, "' is never %s",
                                seen == 1   ? "false"
                                : seen == 2 ? "true"
                                            : "true or false");
            }
            cav__buf_puts(o, "\n");
        } else if (r->fmt == CAV_FMT_JSON) {
            cav__buf_puts(o, items++ ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
            cav__buf_json_str(o, rule->id);
            cav__buf_printf(o, ", \"decides\": %d, \"tests\": [", r->c.decides[i]);
            int t = 0;
            for (int k = 0; k < count; k++) {
                int seen = r->c.seen[nodes[k]] & 3;
                if (seen == 3)
                    continue;
                cav__buf_puts(o, t++ ? ", {\"test\": " : "{\"test\": ");
                cav_buf nt = {0};
                node_text(p, &p->nodes[nodes[k]], &nt);
                cav__buf_json(o, nt.data ? nt.data : "", nt.len);
                cav_buf_free(&nt);
                cav__buf_printf(o, ", \"seen_true\": %s, \"seen_false\": %s}",
                                seen & 1 ? "true" : "false", seen & 2 ? "true" : "false");
            }
            cav__buf_puts(o, "]}");
        }
    }
    if (r->fmt == CAV_FMT_JSON)
        cav__buf_puts(o, "]");
    cav__free(nodes);
}

int cav_pack_test(const cav_pack *p, const char *const *names, const char *const *texts,
                  const size_t *lens, size_t nfiles, const cav_test_opts *o, cav_format fmt,
                  cav_buf *out, cav_test_result *res) {
    memset(res, 0, sizeof *res);
    runner r = {p, o, fmt, out, res, {0}, 0, 0, {NULL, NULL}, {0}, 0};
    if (o && o->run) {
        if (regcomp(&r.re, o->run, REG_EXTENDED | REG_NOSUB) != 0)
            return CAV_EINVAL;
        r.has_re = 1;
    }
    if (o && o->coverage) {
        r.c.decides = cav__calloc((size_t)p->nrules + 1, sizeof *r.c.decides);
        r.c.seen = cav__calloc((size_t)p->nnodes + 1, 1);
        if (!r.c.decides || !r.c.seen) {
            cav__free(r.c.decides);
            cav__free(r.c.seen);
            if (r.has_re)
                regfree(&r.re);
            return CAV_ENOMEM;
        }
    }
    if (fmt == CAV_FMT_JSON)
        cav__buf_puts(out, "{\"cases\": [");
    for (size_t i = 0; i < nfiles; i++)
        run_text(&r, names[i], texts[i], lens[i]);
    if (fmt == CAV_FMT_JSON)
        cav__buf_puts(out, r.nitems ? "\n ]" : "]");
    if (o && o->coverage)
        coverage_report(&r);
    if (fmt == CAV_FMT_TEXT) {
        cav__buf_printf(out, "%d passed, %d failed, %d errors", res->passed, res->failed,
                        res->errors);
        if (o && o->coverage) {
            cav__buf_printf(out, "; %d rules not fully covered", res->uncovered);
            if (res->unreachable)
                cav__buf_printf(out, "; %d unreachable", res->unreachable);
        }
        cav__buf_puts(out, "\n");
    } else if (fmt == CAV_FMT_JSON) {
        cav__buf_printf(out, ",\n \"passed\": %d, \"failed\": %d, \"errors\": %d", res->passed,
                        res->failed, res->errors);
        if (o && o->coverage)
            cav__buf_printf(out, ", \"not_fully_covered\": %d, \"unreachable\": %d", res->uncovered,
                            res->unreachable);
        cav__buf_puts(out, "}\n");
    } else if (fmt == CAV_FMT_JUNIT) {
        cav__buf_printf(out,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite "
                        "name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\">\n",
                        cav_pack_id(p), res->passed + res->failed + res->errors, res->failed,
                        res->errors);
        cav__buf_put(out, r.junit.data ? r.junit.data : "", r.junit.len);
        cav__buf_puts(out, "  </testsuite>\n</testsuites>\n");
    }
    r.oom |= r.junit.failed;
    cav_buf_free(&r.junit);
    cav__free(r.c.decides);
    cav__free(r.c.seen);
    if (r.has_re)
        regfree(&r.re);
    return r.oom ? CAV_ENOMEM : cav__buf_status(out);
}

int cav_pack_test_default(const cav_pack *p, const cav_test_opts *o, cav_format fmt, cav_buf *out,
                          cav_test_result *res) {
    const char *names[64], *texts[64];
    size_t lens[64];
    char buf[64][96];
    size_t n = 0;
    for (; n < 64 && cav__default_pack_tests[n].name; n++) {
        snprintf(buf[n], sizeof buf[n], "<default>/tests/%s", cav__default_pack_tests[n].name);
        names[n] = buf[n];
        texts[n] = cav__default_pack_tests[n].text;
        lens[n] = cav__default_pack_tests[n].len;
    }
    return cav_pack_test(p, names, texts, lens, n, o, fmt, out, res);
}
