/* check.c — from a parse to a pack's catalogs and rules: every name is resolved against the
 * catalogs, duplicates and dangling references are errors with their place and the nearest known
 * names as a hint, dates are checked (from < until), and every rule must cite a declared source.
 * Conditions, zones and the date index are compiled afterwards by compile.c.
 *
 * Catalog look-ups here are linear and case-insensitive: they run at load time and for query
 * parsing, never on the evaluation path.
 */
#include "lang/check.h"
#include "core/diag.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cav__report(cav_build *b, cav_severity sev, int file, int line, int col, const char *hint,
                 const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const cav_file_src *f = file >= 0 && file < b->ps->nfiles ? &b->ps->files[file] : NULL;
    cav__diag_add(b->diags, sev, f ? f->name : NULL, f ? f->text : NULL, line, col, hint, "%s",
                  msg);
    if (sev == CAV_SEV_ERROR)
        b->errors++;
}

void cav__report_name(cav_build *b, int file, const cav_name *n, const char *what,
                      const char *const *known, size_t nknown) {
    /* a name whose declaration had a syntax error is not unknown: that error was reported */
    for (int i = 0; i < b->ps->nbroken; i++) {
        const cav_stmt *s = b->ps->broken[i];
        const char *kw = cav__stmt_keyword(s->kind);
        int same_kind =
            strcmp(kw, what) == 0 ||
            (strcmp(what, "rule") == 0 && (s->kind == CAV_S_PERMIT || s->kind == CAV_S_FORBID));
        if (same_kind && s->name.s && cav__streqi(s->name.s, n->s)) {
            b->errors++;
            return;
        }
    }
    char hint[256] = "did you mean ";
    if (cav__nearest_names(n->s, known, nknown, hint + 13, sizeof hint - 14)) {
        strcat(hint, "?");
    } else {
        cav_out o;
        cav__out_init(&o, hint, sizeof hint);
        if (strcmp(what, "zone") == 0)
            cav__out_puts(&o, "a zone is declared with 'zone', or is a country code with boundary "
                              "data (UA, RU, BY, ...); ");
        cav__out_printf(&o, "known %s%s:", strcmp(what, "party") == 0 ? "parties" : what,
                        strcmp(what, "party") == 0 ? "" : "s");
        for (size_t i = 0; i < nknown && i < 12; i++)
            cav__out_printf(&o, " %s", known[i]);
        if (nknown > 12)
            cav__out_puts(&o, " ...");
        if (nknown == 0)
            cav__out_printf(&o, " none (declare one with '%s')", what);
    }
    cav__report(b, CAV_SEV_ERROR, file, n->line, n->col, hint, "unknown %s '%s'", what, n->s);
}

/* ---- look-ups ---- */

#define FIND(arr, count, member)                                                                   \
    for (int i = 0; i < (count); i++)                                                              \
        if (cav__streqi((arr)[i].member, name))                                                    \
            return i;                                                                              \
    return -1

int cav__find_party(const cav_pack *p, const char *name) {
    FIND(p->parties, p->nparties, code);
}
int cav__find_class(const cav_pack *p, const char *name) {
    FIND(p->classes, p->nclasses, id);
}
int cav__find_kind(const cav_pack *p, const char *name) {
    FIND(p->kinds, p->nkinds, id);
}
int cav__find_purpose(const cav_pack *p, const char *name) {
    FIND(p->purposes, p->npurposes, id);
}
int cav__find_source(const cav_pack *p, const char *name) {
    FIND(p->sources, p->nsources, id);
}
int cav__find_zone(const cav_pack *p, const char *name) {
    FIND(p->zones, p->nzones, id);
}
int cav__find_rule(const cav_pack *p, const char *name) {
    FIND(p->rules, p->nrules, id);
}

int cav__find_weapon(const cav_pack *p, const char *name) {
    for (int i = 0; i < p->nweapons; i++) {
        if (cav__streqi(p->weapons[i].id, name))
            return i;
        for (int k = 0; k < p->weapons[i].naliases; k++)
            if (cav__streqi(p->weapons[i].aliases[k], name))
                return i;
    }
    return -1;
}

int cav__find_state(const char *name) {
    if (cav__streqi(name, "ground"))
        return CAV_STATE_GROUND;
    if (cav__streqi(name, "airborne"))
        return CAV_STATE_AIRBORNE;
    return -1;
}

const char **cav__names_of(cav_build *b, cav_field f, size_t *n) {
    const cav_pack *p = b->pack;
    int count = 0;
    switch (f) {
    case CAV_F_WEAPON: count = p->nweapons; break;
    case CAV_F_CLASS: count = p->nclasses; break;
    case CAV_F_KIND: count = p->nkinds; break;
    case CAV_F_STATE: count = 2; break;
    case CAV_F_PURPOSE: count = p->npurposes; break;
    case CAV_F_SUPPLIER: count = p->nparties; break;
    default: count = p->nzones; break;
    }
    const char **v = cav__arena_alloc(&b->pack->arena, (size_t)(count + 1) * sizeof *v);
    if (!v) {
        *n = 0;
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        switch (f) {
        case CAV_F_WEAPON: v[i] = p->weapons[i].id; break;
        case CAV_F_CLASS: v[i] = p->classes[i].id; break;
        case CAV_F_KIND: v[i] = p->kinds[i].id; break;
        case CAV_F_STATE: v[i] = i ? "airborne" : "ground"; break;
        case CAV_F_PURPOSE: v[i] = p->purposes[i].id; break;
        case CAV_F_SUPPLIER: v[i] = p->parties[i].code; break;
        default: v[i] = p->zones[i].id; break;
        }
    }
    *n = (size_t)count;
    return v;
}

/* ---- building the catalogs ---- */

static const char *dup(cav_build *b, const char *s) {
    if (!s)
        return NULL;
    const char *d = cav__arena_strdup(&b->pack->arena, s);
    if (!d)
        b->oom = 1;
    return d;
}

static void *alloc(cav_build *b, size_t n) {
    void *p = cav__arena_alloc(&b->pack->arena, n ? n : 1);
    if (!p)
        b->oom = 1;
    return p;
}

static int count_kind(const cav_parse *ps, cav_stmt_kind k) {
    int n = 0;
    for (int i = 0; i < ps->nstmts; i++)
        n += ps->stmts[i]->kind == k;
    return n;
}

/* Reports a duplicate id among the first `upto` statements of the same kind. */
static int is_duplicate(cav_build *b, const cav_stmt *s, int idx) {
    const cav_parse *ps = b->ps;
    for (int i = 0; i < idx; i++) {
        const cav_stmt *o = ps->stmts[i];
        int same_ns =
            o->kind == s->kind ||
            ((o->kind == CAV_S_PERMIT || o->kind == CAV_S_FORBID || o->kind == CAV_S_NOTE) &&
             (s->kind == CAV_S_PERMIT || s->kind == CAV_S_FORBID || s->kind == CAV_S_NOTE));
        if (same_ns && cav__streqi(o->name.s, s->name.s)) {
            char hint[256];
            snprintf(hint, sizeof hint, "first declared at %s:%d", ps->files[o->file].name,
                     o->line);
            cav__report(b, CAV_SEV_ERROR, s->file, s->name.line, s->name.col, hint,
                        "%s '%s' is declared twice", cav__stmt_keyword(s->kind), s->name.s);
            return 1;
        }
    }
    return 0;
}

static int resolve_party(cav_build *b, int file, const cav_name *n) {
    int id = cav__find_party(b->pack, n->s);
    if (id < 0) {
        size_t cnt;
        const char **names = cav__names_of(b, CAV_F_SUPPLIER, &cnt);
        cav__report_name(b, file, n, "party", names, cnt);
    }
    return id;
}

static int *resolve_parties(cav_build *b, int file, const cav_names *ns) {
    int *v = alloc(b, (size_t)ns->n * sizeof *v);
    for (int i = 0; v && i < ns->n; i++)
        v[i] = resolve_party(b, file, &ns->v[i]);
    return v;
}

static int *resolve_sources(cav_build *b, int file, const cav_names *ns) {
    int *v = alloc(b, (size_t)ns->n * sizeof *v);
    for (int i = 0; v && i < ns->n; i++) {
        v[i] = cav__find_source(b->pack, ns->v[i].s);
        if (v[i] < 0) {
            const char **names = alloc(b, (size_t)(b->pack->nsources + 1) * sizeof *names);
            for (int k = 0; names && k < b->pack->nsources; k++)
                names[k] = b->pack->sources[k].id;
            cav__report_name(b, file, &ns->v[i], "source", names, (size_t)b->pack->nsources);
        }
    }
    return v;
}

static void check_iso_code(cav_build *b, const cav_stmt *s) {
    const char *c = s->name.s;
    if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
        cav__report(b, CAV_SEV_ERROR, s->file, s->name.line, s->name.col,
                    "parties are ISO 3166-1 alpha-2 codes in capitals: US, FR, DE, GB",
                    "party code '%s' is not an ISO 3166-1 alpha-2 code", c);
}

static void build_simple_catalogs(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_parse *ps = b->ps;
    p->parties = alloc(b, (size_t)count_kind(ps, CAV_S_PARTY) * sizeof *p->parties);
    p->classes = alloc(b, (size_t)count_kind(ps, CAV_S_CLASS) * sizeof *p->classes);
    p->kinds = alloc(b, (size_t)count_kind(ps, CAV_S_KIND) * sizeof *p->kinds);
    p->purposes = alloc(b, (size_t)count_kind(ps, CAV_S_PURPOSE) * sizeof *p->purposes);
    p->sources = alloc(b, (size_t)count_kind(ps, CAV_S_SOURCE) * sizeof *p->sources);
    if (b->oom)
        return;
    for (int i = 0; i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind > CAV_S_PURPOSE && s->kind != CAV_S_SOURCE)
            continue;
        if (is_duplicate(b, s, i))
            continue;
        switch (s->kind) {
        case CAV_S_PARTY:
            check_iso_code(b, s);
            p->parties[p->nparties++] = (cav_party){dup(b, s->name.s), dup(b, s->title)};
            break;
        case CAV_S_CLASS:
            p->classes[p->nclasses++] = (cav_class){dup(b, s->name.s), dup(b, s->title)};
            break;
        case CAV_S_KIND:
            p->kinds[p->nkinds++] = (cav_kind){dup(b, s->name.s), dup(b, s->title), -1};
            break;
        case CAV_S_PURPOSE:
            p->purposes[p->npurposes++] = (cav_purpose){dup(b, s->name.s), dup(b, s->title)};
            break;
        case CAV_S_SOURCE: {
            cav_source *src = &p->sources[p->nsources++];
            src->id = dup(b, s->name.s);
            src->title = dup(b, s->title);
            src->outlet = dup(b, s->outlet);
            src->url = dup(b, s->url);
            src->date = s->from;
            src->has_date = s->has_from;
            if (!s->outlet)
                cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                            "write: source ID outlet \"...\" date YYYY-MM-DD url \"...\"",
                            "source '%s' has no outlet", s->name.s);
            if (!s->has_from)
                cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col, "write: date YYYY-MM-DD",
                            "source '%s' has no date", s->name.s);
            break;
        }
        default: break;
        }
    }
}

/* Kind parents, with cycle detection (a kind cannot be inside itself). */
static void link_kinds(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_parse *ps = b->ps;
    for (int i = 0; i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind != CAV_S_KIND || !s->parent.s)
            continue;
        int k = cav__find_kind(p, s->name.s);
        int parent = cav__find_kind(p, s->parent.s);
        if (parent < 0) {
            size_t n;
            const char **names = cav__names_of(b, CAV_F_KIND, &n);
            cav__report_name(b, s->file, &s->parent, "kind", names, n);
            continue;
        }
        if (k >= 0)
            p->kinds[k].parent = parent;
    }
    for (int k = 0; k < p->nkinds; k++) {
        int steps = 0;
        for (int a = p->kinds[k].parent; a >= 0; a = p->kinds[a].parent) {
            if (a == k || ++steps > p->nkinds) {
                cav__report(b, CAV_SEV_ERROR, -1, 0, 0, NULL,
                            "kind '%s' is inside itself (a cycle of 'in')", p->kinds[k].id);
                p->kinds[k].parent = -1;
                break;
            }
        }
    }
}

static void build_weapons(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_parse *ps = b->ps;
    p->weapons = alloc(b, (size_t)count_kind(ps, CAV_S_WEAPON) * sizeof *p->weapons);
    for (int i = 0; p->weapons && i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind != CAV_S_WEAPON || is_duplicate(b, s, i))
            continue;
        cav_weapon *w = &p->weapons[p->nweapons];
        w->id = dup(b, s->name.s);
        w->title = dup(b, s->title);
        w->range = dup(b, s->range);
        w->wclass = -1;
        if (!s->wclass.s) {
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col, "write: class NAME",
                        "weapon '%s' has no class", s->name.s);
        } else if ((w->wclass = cav__find_class(p, s->wclass.s)) < 0) {
            size_t n;
            const char **names = cav__names_of(b, CAV_F_CLASS, &n);
            cav__report_name(b, s->file, &s->wclass, "class", names, n);
        }
        if (s->consent.n == 0 && s->suppliers.n == 0)
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                        "write: consent [US] (the parties whose consent every use needs), or "
                        "suppliers [DK, NL] (the supplier of each use consents)",
                        "weapon '%s' names no consent party and no supplier", s->name.s);
        w->nsuppliers = s->suppliers.n;
        w->suppliers = resolve_parties(b, s->file, &s->suppliers);
        w->nconsent = s->consent.n > CAV_MAX_PARTIES ? CAV_MAX_PARTIES : s->consent.n;
        if (s->consent.n > CAV_MAX_PARTIES)
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col, NULL,
                        "weapon '%s' names more than %d consent parties", s->name.s,
                        CAV_MAX_PARTIES);
        w->consent = resolve_parties(b, s->file, &s->consent);
        w->naliases = s->aliases.n;
        w->aliases = alloc(b, (size_t)s->aliases.n * sizeof *w->aliases);
        for (int k = 0; w->aliases && k < s->aliases.n; k++) {
            w->aliases[k] = dup(b, s->aliases.v[k].s);
            /* an alias may not be another weapon's id or alias */
            int other = cav__find_weapon(p, s->aliases.v[k].s);
            if (other >= 0 || cav__streqi(s->aliases.v[k].s, s->name.s))
                cav__report(b, CAV_SEV_ERROR, s->file, s->aliases.v[k].line, s->aliases.v[k].col,
                            NULL, "alias '%s' already names weapon '%s'", s->aliases.v[k].s,
                            other >= 0 ? p->weapons[other].id : s->name.s);
        }
        p->nweapons++;
    }
}

static void build_rules_and_notes(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_parse *ps = b->ps;
    int nr = count_kind(ps, CAV_S_PERMIT) + count_kind(ps, CAV_S_FORBID);
    p->rules = alloc(b, (size_t)nr * sizeof *p->rules);
    p->notes = alloc(b, (size_t)count_kind(ps, CAV_S_NOTE) * sizeof *p->notes);
    b->rule_stmt = alloc(b, (size_t)nr * sizeof *b->rule_stmt);
    if (b->oom)
        return;
    for (int i = 0; i < ps->nstmts; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind != CAV_S_PERMIT && s->kind != CAV_S_FORBID && s->kind != CAV_S_NOTE)
            continue;
        if (is_duplicate(b, s, i))
            continue;
        if (!s->all_parties && s->parties.n == 0)
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                        "write: party US (or [US, GB], or * for every party)",
                        "%s '%s' names no party", cav__stmt_keyword(s->kind), s->name.s);
        if (s->sources.n == 0)
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                        "every rule cites its source: source ID", "%s '%s' cites no source",
                        cav__stmt_keyword(s->kind), s->name.s);
        if (s->kind == CAV_S_NOTE) {
            cav_note *n = &p->notes[p->nnotes++];
            n->id = dup(b, s->name.s);
            n->title = dup(b, s->title);
            n->says = dup(b, s->says);
            n->quote = dup(b, s->quote);
            n->nparties = s->parties.n;
            n->parties = resolve_parties(b, s->file, &s->parties);
            n->date = s->from;
            n->has_date = s->has_from;
            n->nsources = s->sources.n;
            n->sources = resolve_sources(b, s->file, &s->sources);
            continue;
        }
        cav_rule *r = &p->rules[p->nrules];
        b->rule_stmt[p->nrules++] = s;
        r->id = dup(b, s->name.s);
        r->title = dup(b, s->title);
        r->forbid = s->kind == CAV_S_FORBID;
        r->all_parties = s->all_parties;
        r->nparties = s->parties.n;
        r->parties = resolve_parties(b, s->file, &s->parties);
        r->nsources = s->sources.n;
        r->sources = resolve_sources(b, s->file, &s->sources);
        r->says = dup(b, s->says);
        r->quote = dup(b, s->quote);
        r->disputed = dup(b, s->disputed);
        r->note = dup(b, s->note);
        r->file = s->file;
        r->line = s->line;
        r->root = -1;
        if (!s->has_from)
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                        "write: from YYYY-MM-DD (the day the rule took effect)",
                        "rule '%s' has no 'from' date", s->name.s);
        r->from = s->from;
        r->until = s->has_until ? s->until : CAV_DATE_MAX;
        r->has_until = s->has_until;
        if (s->has_from && s->has_until && s->until <= s->from)
            cav__report(b, CAV_SEV_ERROR, s->file, s->until_at.line, s->until_at.col,
                        "'until' is the first day the rule no longer applies",
                        "rule '%s' ends (%s) before it starts (%s)", s->name.s, s->until_at.s,
                        s->from_at.s);
    }
}

int cav__check(cav_build *b) {
    build_simple_catalogs(b);
    if (!b->oom)
        link_kinds(b);
    if (!b->oom)
        build_weapons(b);
    if (!b->oom)
        build_rules_and_notes(b);
    return b->oom ? CAV_ENOMEM : 0;
}
