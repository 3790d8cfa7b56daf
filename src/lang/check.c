/* check.c — from a parse to a pack's catalogs and rules: every name is resolved against the
 * catalogs, duplicates and dangling references are errors with their place and the nearest known
 * names as a hint, dates are checked (from < until), and every rule must cite a declared source.
 * Conditions, zones and the date index are compiled afterwards by compile.c.
 *
 * Look-ups go through the pack's name index (names.c), so checking is linear in the size of the
 * pack: a pack of a hundred thousand rules loads in proportion.
 */
#include "lang/check.h"
#include "core/diag.h"
#include "core/util.h"
#include "geo/geo.h"

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

/* The boundary whose English name is `name` (any case), or -1. */
static int borders_find_name(const char *name) {
    for (int i = 0; i < cav__borders_count(); i++)
        if (cav__streqi(cav__borders_name(i), name))
            return i;
    return -1;
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
    char near[200];
    cav_buf hint = {0};
    int country = strcmp(what, "zone") == 0 ? borders_find_name(n->s) : -1;
    if (country >= 0) {
        /* GIS habit: a country written by its name */
        cav__buf_printf(&hint, "did you mean %s? countries are named by ISO code (%s is %s)",
                        cav__borders_code(country), cav__borders_name(country),
                        cav__borders_code(country));
    } else if (cav__nearest_names(n->s, known, nknown, near, sizeof near)) {
        cav__buf_printf(&hint, "did you mean %s?", near);
    } else {
        if (strcmp(what, "zone") == 0)
            cav__buf_puts(&hint, "a zone is declared with 'zone', or is a country code with "
                                 "boundary data (UA, RU, BY, ...); ");
        cav__buf_printf(&hint, "known %s%s:", strcmp(what, "party") == 0 ? "parties" : what,
                        strcmp(what, "party") == 0 ? "" : "s");
        for (size_t i = 0; i < nknown && i < 12; i++)
            cav__buf_printf(&hint, " %s", known[i]);
        if (nknown > 12)
            cav__buf_puts(&hint, " ...");
        if (nknown == 0)
            cav__buf_printf(&hint, " none (declare one with '%s')", what);
    }
    cav__report(b, CAV_SEV_ERROR, file, n->line, n->col, hint.failed ? NULL : hint.data,
                "unknown %s '%s'", what, n->s);
    cav_buf_free(&hint);
}

/* ---- look-ups ---- */

int cav__find_party(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_PARTY, name, strlen(name));
}
int cav__find_class(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_CLASS, name, strlen(name));
}
int cav__find_kind(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_KIND, name, strlen(name));
}
int cav__find_purpose(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_PURPOSE, name, strlen(name));
}
int cav__find_source(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_SOURCE, name, strlen(name));
}
int cav__find_zone(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_ZONE, name, strlen(name));
}
int cav__find_rule(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_RULE, name, strlen(name));
}
int cav__find_weapon(const cav_pack *p, const char *name) {
    return cav__names_find(p, CAV_CAT_WEAPON, name, strlen(name));
}
int cav__find_state(const char *name) {
    return cav_catalog_find(NULL, CAV_CAT_STATE, name, strlen(name));
}
int cav__find_role(const char *name) {
    return cav_catalog_find(NULL, CAV_CAT_ROLE, name, strlen(name));
}

const char **cav__names_of(cav_build *b, cav_field f, size_t *n) {
    const cav_pack *p = b->pack;
    static const cav_catalog of_field[CAV_F_COUNT] = {
        CAV_CAT_WEAPON,  CAV_CAT_CLASS, CAV_CAT_KIND, CAV_CAT_STATE, CAV_CAT_ROLE,
        CAV_CAT_PURPOSE, CAV_CAT_PARTY, CAV_CAT_ZONE, CAV_CAT_ZONE};
    cav_catalog c = of_field[f];
    int count = cav_catalog_count(p, c);
    const char **v = cav__arena_alloc(&b->pack->arena, (size_t)(count + 1) * sizeof *v);
    if (!v) {
        *n = 0;
        return NULL;
    }
    for (int i = 0; i < count; i++)
        v[i] = cav_catalog_name(p, c, i);
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

/* The catalog of the index a statement's name goes into (rules and notes share one). */
static int catalog_of(cav_stmt_kind k) {
    switch (k) {
    case CAV_S_PARTY: return CAV_CAT_PARTY;
    case CAV_S_CLASS: return CAV_CAT_CLASS;
    case CAV_S_KIND: return CAV_CAT_KIND;
    case CAV_S_PURPOSE: return CAV_CAT_PURPOSE;
    case CAV_S_WEAPON: return CAV_CAT_WEAPON;
    case CAV_S_SOURCE: return CAV_CAT_SOURCE;
    case CAV_S_ZONE: return CAV_CAT_ZONE;
    default: return CAV_CAT_RULE;
    }
}

/* 1 when two names are the same once normalised (names.c). */
static int same_name(const char *a, const char *b) {
    char na[CAV_MAX_NAME * 2 + 2], nb[CAV_MAX_NAME * 2 + 2];
    int la = cav__name_norm(a, strlen(a), na, sizeof na);
    int lb = cav__name_norm(b, strlen(b), nb, sizeof nb);
    return la >= 0 && la == lb && memcmp(na, nb, (size_t)la) == 0;
}

/* The statement that already holds `name` in catalog, as its id or as another name (*as): s
 * itself when n repeats one of s's own names, else the first other statement, before s or (for
 * an alias meeting an id, which are entered first) after it. NULL when none is found. */
static const cav_stmt *holder_of(const cav_build *b, const cav_stmt *s, const cav_name *n,
                                 int catalog, int same_entry, const char **as) {
    if (same_entry) {
        if (n != &s->name && same_name(s->name.s, n->s)) {
            *as = s->name.s;
            return s;
        }
        for (int k = 0; k < s->aliases.n && &s->aliases.v[k] != n; k++)
            if (same_name(s->aliases.v[k].s, n->s)) {
                *as = s->aliases.v[k].s;
                return s;
            }
        return NULL;
    }
    /* ids are entered before the aliases that follow them: an id of any statement, else an
     * alias of one read before s */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < b->ps->nstmts; i++) {
            const cav_stmt *o = b->ps->stmts[i];
            if (pass && o == s)
                break;
            if (o == s || (catalog_of(o->kind) != catalog &&
                           !(catalog == CAV_CAT_NOTE && o->kind == CAV_S_NOTE)))
                continue;
            if (!pass && same_name(o->name.s, n->s)) {
                *as = o->name.s;
                return o;
            }
            for (int k = 0; pass && k < o->aliases.n; k++)
                if (same_name(o->aliases.v[k].s, n->s)) {
                    *as = o->aliases.v[k].s;
                    return o;
                }
        }
    return NULL;
}

/* Enters a name of statement s for (catalog, id); reports a clash (a duplicate id, or an alias
 * or other name that already names an entry, once compared as names are). Returns 1 when
 * entered. */
static int enter_name(cav_build *b, const cav_stmt *s, int catalog, const cav_name *n, int id,
                      const char *what) {
    int other = cav__names_add(b, catalog, n->s, id);
    if (other == -1)
        return !b->oom;
    if (other == -2) {
        cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, NULL, "%s '%s' is empty", what,
                    n->s);
        return 0;
    }
    const char *as = n->s;
    const cav_stmt *h = holder_of(b, s, n, catalog, other == id, &as);
    int spelled = strcmp(as, n->s) != 0; /* the two are spelled differently */
    cav_buf hint = {0};
    if (h && h != s)
        cav__buf_printf(&hint, "%s at %s:%d",
                        h->file < s->file || (h->file == s->file && h->line < s->line)
                            ? "first declared"
                            : "declared",
                        b->ps->files[h->file].name, h->line);
    if (spelled)
        cav__buf_printf(&hint,
                        "%snames are compared without case, and spaces, hyphens and "
                        "underscores are the same",
                        hint.len ? "; " : "");
    const char *hs = hint.len && !hint.failed ? hint.data : NULL;
    if (!h) {
        cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, hs, "%s '%s' is already a name",
                    what, n->s);
    } else if (h == s) {
        cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, hs,
                    "%s '%s' repeats '%s', already a name of %s '%s'", what, n->s, as,
                    cav__stmt_keyword(s->kind), s->name.s);
    } else if (n == &s->name && h->kind == s->kind && strcmp(as, h->name.s) == 0) {
        if (spelled)
            cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, hs,
                        "%s '%s' is declared twice, first as '%s'", cav__stmt_keyword(s->kind),
                        n->s, as);
        else
            cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, hs, "%s '%s' is declared twice",
                        cav__stmt_keyword(s->kind), n->s);
    } else if (strcmp(as, h->name.s) == 0) {
        cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, hs, "%s '%s' clashes with %s '%s'",
                    what, n->s, cav__stmt_keyword(h->kind), h->name.s);
    } else if (!spelled) {
        cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, hs,
                    "%s '%s' is already an alias of %s '%s'", what, n->s,
                    cav__stmt_keyword(h->kind), h->name.s);
    } else {
        cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col, hs,
                    "%s '%s' clashes with '%s', an alias of %s '%s'", what, n->s, as,
                    cav__stmt_keyword(h->kind), h->name.s);
    }
    cav_buf_free(&hint);
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

/* ISO 3166-1 alpha-2, every officially assigned code (Debian iso-codes 4.15). */
static const char iso_codes[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCI"
    "CKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGR"
    "GSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLU"
    "LVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPL"
    "PMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTO"
    "TRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

static int is_iso_code(const char *c) {
    if (strlen(c) != 2)
        return 0;
    for (size_t i = 0; i + 1 < sizeof iso_codes; i += 2)
        if (iso_codes[i] == c[0] && iso_codes[i + 1] == c[1])
            return 1;
    return 0;
}

static void check_iso_code(cav_build *b, const cav_stmt *s) {
    const char *c = s->name.s;
    if (!is_iso_code(c))
        cav__report(b, CAV_SEV_ERROR, s->file, s->name.line, s->name.col,
                    "parties are ISO 3166-1 alpha-2 codes in capitals (US, FR, DE, GB); other "
                    "names go in 'alias [UK]'",
                    "party code '%s' is not an ISO 3166-1 alpha-2 code", c);
}

static void build_pack_statement(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_stmt *first_tz = NULL;
    for (int i = 0; i < b->ps->nstmts; i++) {
        const cav_stmt *s = b->ps->stmts[i];
        if (s->kind != CAV_S_PACK)
            continue;
        p->name = dup(b, s->name.s);
        if (s->title)
            p->title = dup(b, s->title);
        if (!s->timezone)
            continue;
        if (first_tz && strcmp(first_tz->timezone, s->timezone) != 0) {
            char hint[256];
            snprintf(hint, sizeof hint, "first declared as \"%s\" at %s:%d", first_tz->timezone,
                     b->ps->files[first_tz->file].name, first_tz->line);
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col, hint,
                        "the pack's time zone is declared twice, differently");
            continue;
        }
        first_tz = s;
        b->tz_stmt = s;
        p->timezone = dup(b, s->timezone);
    }
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
    for (int i = 0; i < ps->nstmts && !b->oom; i++) {
        const cav_stmt *s = ps->stmts[i];
        int cat = catalog_of(s->kind);
        if (s->kind > CAV_S_PURPOSE && s->kind != CAV_S_SOURCE)
            continue;
        int id = cav_catalog_count(p, (cav_catalog)cat);
        if (!enter_name(b, s, cat, &s->name, id, cav__stmt_keyword(s->kind)))
            continue;
        switch (s->kind) {
        case CAV_S_PARTY: {
            check_iso_code(b, s);
            cav_party *x = &p->parties[p->nparties++];
            x->code = dup(b, s->name.s);
            x->title = dup(b, s->title);
            x->nnames = s->aliases.n;
            x->names = alloc(b, (size_t)s->aliases.n * sizeof *x->names);
            for (int k = 0; x->names && k < s->aliases.n; k++) {
                x->names[k] = dup(b, s->aliases.v[k].s);
                enter_name(b, s, CAV_CAT_PARTY, &s->aliases.v[k], id, "alias");
            }
            break;
        }
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
    /* ids first, then aliases, so that an alias equal to a later weapon's id is a clash */
    for (int i = 0; p->weapons && i < ps->nstmts && !b->oom; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind != CAV_S_WEAPON)
            continue;
        if (!enter_name(b, s, CAV_CAT_WEAPON, &s->name, p->nweapons, "weapon"))
            continue;
        cav_weapon *w = &p->weapons[p->nweapons++];
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
        /* one place is kept for a supplier that is not a consent party */
        w->nconsent = s->consent.n > CAV_MAX_PARTIES - 1 ? CAV_MAX_PARTIES - 1 : s->consent.n;
        if (s->consent.n > CAV_MAX_PARTIES - 1)
            cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col, NULL,
                        "weapon '%s' names %d consent parties; at most %d", s->name.s, s->consent.n,
                        CAV_MAX_PARTIES - 1);
        w->consent = resolve_parties(b, s->file, &s->consent);
    }
    for (int i = 0, w = 0; p->weapons && i < ps->nstmts && !b->oom; i++) {
        const cav_stmt *s = ps->stmts[i];
        if (s->kind != CAV_S_WEAPON || cav__find_weapon(p, s->name.s) != w)
            continue;
        cav_weapon *wp = &p->weapons[w++];
        wp->naliases = s->aliases.n;
        wp->aliases = alloc(b, (size_t)s->aliases.n * sizeof *wp->aliases);
        for (int k = 0; wp->aliases && k < s->aliases.n; k++) {
            wp->aliases[k] = dup(b, s->aliases.v[k].s);
            enter_name(b, s, CAV_CAT_WEAPON, &s->aliases.v[k], w - 1, "alias");
        }
    }
}

static void build_rules_and_notes(cav_build *b) {
    cav_pack *p = b->pack;
    const cav_parse *ps = b->ps;
    int nr = count_kind(ps, CAV_S_PERMIT) + count_kind(ps, CAV_S_FORBID);
    p->rules = alloc(b, (size_t)nr * sizeof *p->rules);
    p->notes = alloc(b, (size_t)count_kind(ps, CAV_S_NOTE) * sizeof *p->notes);
    b->rule_stmt = alloc(b, (size_t)nr * sizeof *b->rule_stmt);
    b->note_stmt = alloc(b, (size_t)count_kind(ps, CAV_S_NOTE) * sizeof *b->note_stmt);
    if (b->oom)
        return;
    /* rules first, so that rule ids are 0 .. nrules-1 in the shared rule/note catalog; notes
     * enter their ids after every rule (nrules + note index) */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < ps->nstmts && !b->oom; i++) {
            const cav_stmt *s = ps->stmts[i];
            int is_note = s->kind == CAV_S_NOTE;
            if ((s->kind != CAV_S_PERMIT && s->kind != CAV_S_FORBID && !is_note) || is_note != pass)
                continue;
            int id = is_note ? nr + p->nnotes : p->nrules;
            if (!enter_name(b, s, CAV_CAT_RULE, &s->name, id, cav__stmt_keyword(s->kind)))
                continue;
            if (is_note && s->all_parties)
                cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                            "a note records what parties said: write party US (or [US, GB]); "
                            "'party *' is for rules of international law",
                            "note '%s' names every party", s->name.s);
            else if (!s->all_parties && s->parties.n == 0)
                cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                            is_note ? "write: party US (or [US, GB])"
                                    : "write: party US (or [US, GB], or * for every party)",
                            "%s '%s' names no party", cav__stmt_keyword(s->kind), s->name.s);
            if (s->sources.n == 0)
                cav__report(b, CAV_SEV_ERROR, s->file, s->line, s->col,
                            "every rule cites its source: source ID", "%s '%s' cites no source",
                            cav__stmt_keyword(s->kind), s->name.s);
            if (is_note) {
                enter_name(b, s, CAV_CAT_NOTE, &s->name, p->nnotes, "note");
                b->note_stmt[p->nnotes] = s;
                cav_note *n = &p->notes[p->nnotes++];
                n->id = dup(b, s->name.s);
                n->title = dup(b, s->title);
                n->says = dup(b, s->says);
                n->quote = dup(b, s->quote);
                n->paraphrase = s->paraphrase;
                n->disputed = dup(b, s->disputed);
                n->nparties = s->parties.n;
                n->parties = resolve_parties(b, s->file, &s->parties);
                n->date = s->from;
                n->has_date = s->has_from;
                n->until = s->has_until ? s->until : CAV_DATE_MAX;
                n->root = -1;
                if (s->has_from && s->has_until && s->until <= s->from)
                    cav__report(b, CAV_SEV_ERROR, s->file, s->until_at.line, s->until_at.col,
                                "'until' is the first day the note no longer applies",
                                "note '%s' ends before it starts", s->name.s);
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
            r->paraphrase = s->paraphrase;
            r->assumption = dup(b, s->assumption);
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
}

/* `unless [permit, ...]` of forbids: each must be a permit of the forbid's parties. */
static void link_exceptions(cav_build *b) {
    cav_pack *p = b->pack;
    for (int r = 0; r < p->nrules && !b->oom; r++) {
        const cav_stmt *s = b->rule_stmt[r];
        cav_rule *rule = &p->rules[r];
        if (s->unless.n == 0)
            continue;
        rule->unless = alloc(b, (size_t)s->unless.n * sizeof *rule->unless);
        for (int k = 0; rule->unless && k < s->unless.n; k++) {
            const cav_name *n = &s->unless.v[k];
            int e = cav__find_rule(p, n->s);
            if (e < 0 || e >= p->nrules) {
                size_t cnt = (size_t)p->nrules;
                const char **names = alloc(b, (cnt + 1) * sizeof *names);
                for (size_t i = 0; names && i < cnt; i++)
                    names[i] = p->rules[i].id;
                cav__report_name(b, s->file, n, "rule", names, cnt);
                continue;
            }
            const cav_rule *ex = &p->rules[e];
            int covers = !ex->forbid;
            for (int i = 0; covers && !rule->all_parties && i < rule->nparties; i++)
                covers = cav__rule_applies(ex, rule->parties[i]);
            if (covers && rule->all_parties)
                covers = ex->all_parties;
            if (!covers) {
                cav__report(b, CAV_SEV_ERROR, s->file, n->line, n->col,
                            "an exception is a permit of the same parties as the forbid",
                            "'%s' cannot be an exception of forbid '%s': %s", n->s, rule->id,
                            ex->forbid ? "it is a forbid" : "it does not apply to its parties");
                continue;
            }
            rule->unless[rule->nunless++] = e;
        }
    }
}

/* Zone statements and the implicit country/region zones get their ids in compile.c; here only
 * the number of names the index will hold is counted. */
static int expected_names(const cav_parse *ps) {
    int n = cav__borders_count();
    for (int i = 0; i < ps->nstmts; i++)
        n += 1 + ps->stmts[i]->aliases.n;
    return n;
}

int cav__check(cav_build *b) {
    if (cav__names_init(b, expected_names(b->ps)) < 0)
        return CAV_ENOMEM;
    build_pack_statement(b);
    build_simple_catalogs(b);
    if (!b->oom)
        link_kinds(b);
    if (!b->oom)
        build_weapons(b);
    if (!b->oom)
        build_rules_and_notes(b);
    if (!b->oom)
        link_exceptions(b);
    return b->oom ? CAV_ENOMEM : 0;
}
