/* names.c — the pack's name index and its public catalog API.
 *
 * Every name a query or a rule may use (catalog ids, weapon aliases, parties' other names, zones,
 * rules, notes) is entered once, normalised, into one open-addressing hash table built at load
 * time, so a look-up costs a hash of the name whatever the size of the pack, and a name that
 * would resolve two ways within a catalog (an alias equal to another weapon's name) is found
 * when it is entered and reported as an error instead of capturing the other entry.
 *
 * Normalisation (docs/semantics.md, Names): ASCII letters are compared without case, and spaces,
 * hyphens and underscores are one separator, runs of them count once and they are ignored at
 * either end, so "Storm Shadow", "storm_shadow" and "STORM-SHADOW" are one name. Bytes outside
 * ASCII are compared as they are.
 */
#include "core/util.h"
#include "lang/check.h"

#include <string.h>

static int is_sep(char c) {
    return c == ' ' || c == '-' || c == '_' || c == '\t';
}

int cav__name_norm(const char *s, size_t n, char *out, size_t size) {
    size_t k = 0;
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_sep(c)) {
            pending = k > 0;
            continue;
        }
        if (pending) {
            if (k + 1 >= size)
                return -1;
            out[k++] = '-';
            pending = 0;
        }
        if (k + 1 >= size)
            return -1;
        out[k++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out[k] = '\0';
    return (int)k;
}

static uint64_t name_hash(int catalog, const char *norm, size_t n) {
    uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)(catalog + 1) * 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)norm[i]) * 0x100000001b3u;
    return h ? h : 1;
}

int cav__names_init(cav_build *b, int expected) {
    int cap = 64;
    while (cap < 2 * expected + 16)
        cap *= 2;
    cav_pack *p = b->pack;
    p->names = cav__arena_alloc(&p->arena, (size_t)cap * sizeof *p->names);
    if (!p->names) {
        b->oom = 1;
        return -1;
    }
    p->names_cap = cap;
    return 0;
}

/* The slot holding (catalog, norm), or the empty slot where it would go. */
static cav_name_entry *slot_of(const cav_pack *p, int catalog, const char *norm, size_t n,
                               uint64_t h) {
    size_t mask = (size_t)p->names_cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        cav_name_entry *e = &p->names[i];
        if (!e->hash || (e->hash == h && e->catalog == catalog && strlen(e->norm) == n &&
                         memcmp(e->norm, norm, n) == 0))
            return e;
    }
}

int cav__names_add(cav_build *b, int catalog, const char *name, int id) {
    cav_pack *p = b->pack;
    char norm[CAV_MAX_NAME * 2 + 2];
    int n = cav__name_norm(name, strlen(name), norm, sizeof norm);
    if (n <= 0)
        return -2; /* empty after normalisation: nothing to enter (reported by the caller) */
    uint64_t h = name_hash(catalog, norm, (size_t)n);
    cav_name_entry *e = slot_of(p, catalog, norm, (size_t)n, h);
    if (e->hash)
        return e->id == id ? id : e->id; /* taken: the id it already names */
    /* keep the load factor at or below one half (the table was sized for every name) */
    e->norm = cav__arena_strndup(&p->arena, norm, (size_t)n);
    if (!e->norm) {
        b->oom = 1;
        return -1;
    }
    e->hash = h;
    e->catalog = catalog;
    e->id = id;
    return -1;
}

int cav__names_find(const cav_pack *p, int catalog, const char *name, size_t len) {
    if (!p->names)
        return -1;
    char norm[CAV_MAX_NAME * 2 + 2];
    int n = cav__name_norm(name, len, norm, sizeof norm);
    if (n <= 0)
        return -1;
    uint64_t h = name_hash(catalog, norm, (size_t)n);
    const cav_name_entry *e = slot_of(p, catalog, norm, (size_t)n, h);
    return e->hash ? e->id : -1;
}

/* ---- the public catalog API ---------------------------------------------------------------- */

static const char *const state_names[] = {"ground", "airborne"};
static const char *const role_names[] = {"attacking", "supporting", "none"};
static const char *const role_titles[] = {"firing on Ukraine or preparing to",
                                          "supplying, commanding or enabling such attacks",
                                          "neither attacking nor supporting an attack"};

int cav_catalog_count(const cav_pack *p, cav_catalog c) {
    switch (c) {
    case CAV_CAT_PARTY: return p->nparties;
    case CAV_CAT_CLASS: return p->nclasses;
    case CAV_CAT_KIND: return p->nkinds;
    case CAV_CAT_PURPOSE: return p->npurposes;
    case CAV_CAT_WEAPON: return p->nweapons;
    case CAV_CAT_SOURCE: return p->nsources;
    case CAV_CAT_ZONE: return p->nzones;
    case CAV_CAT_RULE: return p->nrules;
    case CAV_CAT_NOTE: return p->nnotes;
    case CAV_CAT_STATE: return 2;
    case CAV_CAT_ROLE: return 3;
    default: return 0;
    }
}

int cav_catalog_find(const cav_pack *p, cav_catalog c, const char *name, size_t len) {
    if (!name)
        return -1;
    if (c == CAV_CAT_STATE || c == CAV_CAT_ROLE) {
        char norm[32];
        int n = cav__name_norm(name, len, norm, sizeof norm);
        int count = c == CAV_CAT_STATE ? 2 : 3;
        for (int i = 0; n > 0 && i < count; i++)
            if (strcmp(norm, c == CAV_CAT_STATE ? state_names[i] : role_names[i]) == 0)
                return i;
        return -1;
    }
    if (!p || (int)c < 0 || c >= CAV_CAT_COUNT)
        return -1;
    int id = cav__names_find(p, (int)c, name, len);
    /* rules and notes share one namespace: a note's id there is past every rule's */
    if (c == CAV_CAT_RULE && id >= p->nrules)
        return -1;
    return id;
}

const char *cav_catalog_name(const cav_pack *p, cav_catalog c, int i) {
    if (!p || i < 0 || i >= cav_catalog_count(p, c))
        return NULL;
    switch (c) {
    case CAV_CAT_PARTY: return p->parties[i].code;
    case CAV_CAT_CLASS: return p->classes[i].id;
    case CAV_CAT_KIND: return p->kinds[i].id;
    case CAV_CAT_PURPOSE: return p->purposes[i].id;
    case CAV_CAT_WEAPON: return p->weapons[i].id;
    case CAV_CAT_SOURCE: return p->sources[i].id;
    case CAV_CAT_ZONE: return p->zones[i].id;
    case CAV_CAT_RULE: return p->rules[i].id;
    case CAV_CAT_NOTE: return p->notes[i].id;
    case CAV_CAT_STATE: return state_names[i];
    case CAV_CAT_ROLE: return role_names[i];
    default: return NULL;
    }
}

static const char *or_empty(const char *s) {
    return s ? s : "";
}

const char *cav_catalog_title(const cav_pack *p, cav_catalog c, int i) {
    if (!p || i < 0 || i >= cav_catalog_count(p, c))
        return NULL;
    switch (c) {
    case CAV_CAT_PARTY: return or_empty(p->parties[i].title);
    case CAV_CAT_CLASS: return or_empty(p->classes[i].title);
    case CAV_CAT_KIND: return or_empty(p->kinds[i].title);
    case CAV_CAT_PURPOSE: return or_empty(p->purposes[i].title);
    case CAV_CAT_WEAPON: return or_empty(p->weapons[i].title);
    case CAV_CAT_SOURCE: return or_empty(p->sources[i].title);
    case CAV_CAT_ZONE: return or_empty(p->zones[i].title);
    case CAV_CAT_RULE: return or_empty(p->rules[i].title);
    case CAV_CAT_NOTE: return or_empty(p->notes[i].title);
    case CAV_CAT_STATE: return state_names[i];
    case CAV_CAT_ROLE: return role_titles[i];
    default: return NULL;
    }
}

static const char *const labels[][2] = {
    {"party", "parties"},  {"class", "classes"},  {"kind", "kinds"}, {"purpose", "purposes"},
    {"weapon", "weapons"}, {"source", "sources"}, {"zone", "zones"}, {"rule", "rules"},
    {"note", "notes"},     {"state", "states"},   {"role", "roles"}};

const char *cav_catalog_label(cav_catalog c) {
    return (int)c >= 0 && c < CAV_CAT_COUNT ? labels[c][0] : NULL;
}

int cav_catalog_by_label(const char *label) {
    for (int c = 0; label && c < CAV_CAT_COUNT; c++)
        if (cav__streqi(label, labels[c][0]) || cav__streqi(label, labels[c][1]))
            return c;
    return -1;
}

int cav_weapon_info_get(const cav_pack *p, int i, cav_weapon_info *out) {
    if (!p || !out || i < 0 || i >= p->nweapons)
        return CAV_EINVAL;
    const cav_weapon *w = &p->weapons[i];
    *out = (cav_weapon_info){w->id,      w->title,      w->range,     w->wclass,   w->nconsent,
                             w->consent, w->nsuppliers, w->suppliers, w->naliases, w->aliases};
    return 0;
}

int cav_party_info_get(const cav_pack *p, int i, cav_party_info *out) {
    if (!p || !out || i < 0 || i >= p->nparties)
        return CAV_EINVAL;
    const cav_party *x = &p->parties[i];
    *out = (cav_party_info){x->code, or_empty(x->title), x->nnames, x->names};
    return 0;
}

int cav_kind_info_get(const cav_pack *p, int i, cav_kind_info *out) {
    if (!p || !out || i < 0 || i >= p->nkinds)
        return CAV_EINVAL;
    *out = (cav_kind_info){p->kinds[i].id, or_empty(p->kinds[i].title), p->kinds[i].parent};
    return 0;
}

int cav_rule_info_get(const cav_pack *p, int i, cav_rule_info *out) {
    if (!p || !out || i < 0 || i >= p->nrules)
        return CAV_EINVAL;
    const cav_rule *r = &p->rules[i];
    memset(out, 0, sizeof *out);
    out->id = r->id;
    out->title = or_empty(r->title);
    out->forbid = r->forbid;
    out->all_parties = r->all_parties;
    out->nparties = r->nparties;
    out->parties = r->parties;
    out->from = r->from;
    out->until = r->until;
    out->nsources = r->nsources;
    out->sources = r->sources;
    out->says = r->says;
    out->quote = r->quote;
    out->note = r->note;
    out->paraphrase = r->paraphrase;
    out->disputed = r->disputed;
    out->assumption = r->assumption;
    out->nunless = r->nunless;
    out->unless = r->unless;
    out->file = r->file >= 0 && r->file < p->nfiles ? p->file_names[r->file] : "";
    out->line = r->line;
    return 0;
}

int cav_source_info_get(const cav_pack *p, int i, cav_source_info *out) {
    if (!p || !out || i < 0 || i >= p->nsources)
        return CAV_EINVAL;
    const cav_source *s = &p->sources[i];
    *out = (cav_source_info){s->id, or_empty(s->title), or_empty(s->outlet), s->url,
                             s->has_date ? s->date : CAV_DATE_OPEN};
    return 0;
}

int cav_zone_info_get(const cav_pack *p, int i, cav_zone_info *out) {
    if (!p || !out || i < 0 || i >= p->nzones)
        return CAV_EINVAL;
    const cav_zone *z = &p->zones[i];
    *out = (cav_zone_info){z->id,       or_empty(z->title), z->note,     z->assumption,
                           z->implicit, z->precision_m,     z->nsources, z->sources};
    return 0;
}

int cav_note_info_get(const cav_pack *p, int i, cav_note_info *out) {
    if (!p || !out || i < 0 || i >= p->nnotes)
        return CAV_EINVAL;
    const cav_note *n = &p->notes[i];
    *out = (cav_note_info){n->id,       or_empty(n->title), n->says,
                           n->quote,    n->disputed,        n->paraphrase,
                           n->nparties, n->parties,         n->has_date ? n->date : CAV_DATE_OPEN,
                           n->until,    n->root >= 0,       n->nsources,
                           n->sources};
    return 0;
}
