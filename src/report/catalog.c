/* catalog.c — `caveat catalog`: the pack's vocabulary where a user can reach it (weapons with
 * their aliases, classes, consent parties and suppliers; the kinds as a tree; purposes; parties
 * with their other names; target states and roles; zones with their assumptions; rules; sources;
 * notes), as text or JSON. */
#include "report/report.h"

#include <string.h>

static void party_list(const cav_pack *p, const int *v, int n, cav_buf *o, int json) {
    for (int i = 0; i < n; i++) {
        if (i)
            cav__buf_puts(o, ", ");
        if (json)
            cav__buf_json_str(o, p->parties[v[i]].code);
        else
            cav__buf_puts(o, p->parties[v[i]].code);
    }
}

static void name_list(const char *const *v, int n, cav_buf *o, int json) {
    for (int i = 0; i < n; i++) {
        if (i)
            cav__buf_puts(o, ", ");
        if (json)
            cav__buf_json_str(o, v[i]);
        else
            cav__buf_puts(o, v[i]);
    }
}

static void kind_tree(const cav_pack *p, int parent, int depth, cav_buf *o) {
    for (int k = 0; k < p->nkinds; k++) {
        if (p->kinds[k].parent != parent)
            continue;
        cav__buf_printf(o, "%*s%-*s  ", 2 * depth + 2, "", 22 - 2 * depth, p->kinds[k].id);
        cav__report_line(o, p->kinds[k].title ? p->kinds[k].title : "");
        cav__buf_puts(o, "\n");
        kind_tree(p, k, depth + 1, o);
    }
}

/* The says, quote (verbatim, or a paraphrase) and sources members of a rule or note. */
static void texts_json(const cav_pack *p, const char *says, const char *quote, int paraphrase,
                       const int *sources, int nsources, cav_buf *o) {
    cav__buf_puts(o, ", \"says\": ");
    cav__buf_json_str(o, says);
    cav__buf_puts(o, paraphrase ? ", \"paraphrase\": " : ", \"quote\": ");
    cav__buf_json_str(o, quote);
    cav__buf_puts(o, ", \"sources\": [");
    for (int k = 0; k < nsources; k++) {
        cav__buf_puts(o, k ? ", " : "");
        cav__buf_json_str(o, p->sources[sources[k]].id);
    }
    cav__buf_puts(o, "]");
}

static void write_one(const cav_pack *p, cav_catalog c, int json, cav_buf *o) {
    int n = cav_catalog_count(p, c);
    if (json)
        cav__buf_puts(o, "[");
    if (!json && c == CAV_CAT_KIND) {
        kind_tree(p, -1, 0, o);
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *id = cav_catalog_name(p, c, i), *title = cav_catalog_title(p, c, i);
        if (json) {
            cav__buf_puts(o, i ? ",\n  {\"id\": " : "\n  {\"id\": ");
            cav__buf_json_str(o, id);
            cav__buf_puts(o, ", \"title\": ");
            cav__buf_json_str(o, title);
        } else {
            cav__buf_printf(o, "  %-24s  ", id);
            cav__report_line(o, title);
        }
        switch (c) {
        case CAV_CAT_WEAPON: {
            const cav_weapon *w = &p->weapons[i];
            if (json) {
                cav__buf_puts(o, ", \"class\": ");
                cav__buf_json_str(o, w->wclass >= 0 ? p->classes[w->wclass].id : NULL);
                cav__buf_puts(o, ", \"consent\": [");
                party_list(p, w->consent, w->nconsent, o, 1);
                cav__buf_puts(o, "], \"suppliers\": [");
                party_list(p, w->suppliers, w->nsuppliers, o, 1);
                cav__buf_puts(o, "], \"aliases\": [");
                name_list(w->aliases, w->naliases, o, 1);
                cav__buf_puts(o, "], \"range\": ");
                cav__buf_json_str(o, w->range);
            } else {
                cav__buf_printf(o, "\n  %24s  class %s", "",
                                w->wclass >= 0 ? p->classes[w->wclass].id : "?");
                if (w->nconsent) {
                    cav__buf_puts(o, "; consent ");
                    party_list(p, w->consent, w->nconsent, o, 0);
                }
                if (w->nsuppliers) {
                    cav__buf_puts(o, "; suppliers ");
                    party_list(p, w->suppliers, w->nsuppliers, o, 0);
                }
                if (w->naliases) {
                    cav__buf_puts(o, "; also ");
                    name_list(w->aliases, w->naliases, o, 0);
                }
            }
            break;
        }
        case CAV_CAT_PARTY:
            if (json) {
                cav__buf_puts(o, ", \"names\": [");
                name_list(p->parties[i].names, p->parties[i].nnames, o, 1);
                cav__buf_puts(o, "]");
            } else if (p->parties[i].nnames) {
                cav__buf_puts(o, " (also ");
                name_list(p->parties[i].names, p->parties[i].nnames, o, 0);
                cav__buf_puts(o, ")");
            }
            break;
        case CAV_CAT_KIND:
            cav__buf_puts(o, ", \"parent\": ");
            cav__buf_json_str(o, p->kinds[i].parent >= 0 ? p->kinds[p->kinds[i].parent].id : NULL);
            break;
        case CAV_CAT_ZONE: {
            const cav_zone *z = &p->zones[i];
            if (json) {
                cav__buf_printf(
                    o, ", \"implicit\": %s, \"assumption\": ", z->implicit ? "true" : "false");
                cav__buf_json_str(o, z->assumption);
                cav__buf_puts(o, ", \"precision_m\": ");
                cav__buf_double(o, z->precision_m);
            } else {
                if (z->implicit) {
                    int b = cav__borders_find(z->id);
                    cav__buf_printf(o, "%s (boundary data)", b >= 0 ? cav__borders_name(b) : "");
                }
                if (z->assumption) {
                    cav__buf_puts(o, " [assumption: ");
                    cav__report_line(o, z->assumption);
                    cav__buf_puts(o, "]");
                }
            }
            break;
        }
        case CAV_CAT_RULE: {
            const cav_rule *r = &p->rules[i];
            char from[11], until[11] = "";
            cav_date_format(r->from, from);
            if (r->has_until)
                cav_date_format(r->until, until);
            if (json) {
                cav__buf_printf(o, ", \"effect\": \"%s\", \"parties\": [",
                                r->forbid ? "forbid" : "permit");
                if (r->all_parties)
                    cav__buf_puts(o, "\"*\"");
                party_list(p, r->parties, r->nparties, o, 1);
                cav__buf_printf(o, "], \"from\": \"%s\", \"until\": ", from);
                if (r->has_until)
                    cav__buf_printf(o, "\"%s\"", until);
                else
                    cav__buf_puts(o, "null");
                cav__buf_puts(o, ", \"disputed\": ");
                cav__buf_json_str(o, r->disputed);
                texts_json(p, r->says, r->quote, r->paraphrase, r->sources, r->nsources, o);
                cav__buf_puts(o, ", \"assumption\": ");
                cav__buf_json_str(o, r->assumption);
                cav__buf_puts(o, ", \"unless\": [");
                for (int e = 0; e < r->nunless; e++) {
                    cav__buf_puts(o, e ? ", " : "");
                    cav__buf_json_str(o, p->rules[r->unless[e]].id);
                }
                cav__buf_puts(o, "]");
            } else {
                cav__buf_printf(o, "\n  %24s  %s ", "", r->forbid ? "forbid" : "permit");
                if (r->all_parties)
                    cav__buf_puts(o, "*");
                party_list(p, r->parties, r->nparties, o, 0);
                cav__buf_printf(o, " from %s%s%s%s", from, r->has_until ? " until " : "", until,
                                r->disputed ? " (disputed)" : "");
            }
            break;
        }
        case CAV_CAT_SOURCE:
            if (json) {
                cav__buf_puts(o, ", \"outlet\": ");
                cav__buf_json_str(o, p->sources[i].outlet);
                cav__buf_puts(o, ", \"url\": ");
                cav__buf_json_str(o, p->sources[i].url);
            }
            break;
        case CAV_CAT_NOTE:
            if (json) {
                const cav_note *nt = &p->notes[i];
                cav__buf_puts(o, ", \"disputed\": ");
                cav__buf_json_str(o, nt->disputed);
                texts_json(p, nt->says, nt->quote, nt->paraphrase, nt->sources, nt->nsources, o);
            } else if (p->notes[i].disputed) {
                cav__buf_puts(o, " (disputed)");
            }
            break;
        default: break;
        }
        cav__buf_puts(o, json ? "}" : "\n");
    }
    if (json)
        cav__buf_puts(o, n ? "\n]" : "]");
}

int cav_catalog_write(const cav_pack *p, int c, cav_format fmt, cav_buf *o) {
    if (!p || c < -1 || c >= CAV_CAT_COUNT || (fmt != CAV_FMT_TEXT && fmt != CAV_FMT_JSON))
        return CAV_EINVAL;
    int json = fmt == CAV_FMT_JSON;
    static const cav_catalog order[] = {
        CAV_CAT_WEAPON, CAV_CAT_CLASS, CAV_CAT_KIND, CAV_CAT_PURPOSE, CAV_CAT_STATE, CAV_CAT_ROLE,
        CAV_CAT_PARTY,  CAV_CAT_ZONE,  CAV_CAT_RULE, CAV_CAT_SOURCE,  CAV_CAT_NOTE};
    static const char *const plural[CAV_CAT_COUNT] = {"parties", "classes", "kinds", "purposes",
                                                      "weapons", "sources", "zones", "rules",
                                                      "notes",   "states",  "roles"};
    if (c >= 0) {
        if (!json)
            cav__buf_printf(o, "%s:\n", plural[c]);
        write_one(p, (cav_catalog)c, json, o);
        cav__buf_puts(o, json ? "\n" : "");
        return cav__buf_status(o);
    }
    if (json)
        cav__buf_puts(o, "{");
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        if (json)
            cav__buf_printf(o, "%s\"%s\": ", i ? ",\n" : "", plural[order[i]]);
        else
            cav__buf_printf(o, "%s%s:\n", i ? "\n" : "", plural[order[i]]);
        write_one(p, order[i], json, o);
    }
    if (json)
        cav__buf_puts(o, "}\n");
    return cav__buf_status(o);
}
