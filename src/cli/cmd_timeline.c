/* cmd_timeline.c — `caveat timeline` and `caveat diff`: the history of a pack's conditions.
 *
 * timeline: one row per change, in date order: a rule taking effect (its `from`), a rule ending
 * (its `until`), a note (statements that are not rules). diff: the rules in force on one date and
 * not the other. Both filter by --party and --weapon (a rule concerns a weapon when it applies to
 * one of the weapon's parties and its condition can match that weapon) and print text, Markdown or
 * JSON. `diff --format geojson|svg` shows instead where the area permitted for one use grew or
 * shrank between the two dates (lang/area.c computes each area exactly).
 */
#include "cli/cli.h"
#include "core/util.h"
#include "geo/map.h"
#include "lang/area.h"
#include "lang/pack.h"

#include <stdlib.h>
#include <string.h>

typedef enum fmt { FMT_TEXT, FMT_MD, FMT_JSON } fmt;

typedef struct row {
    int32_t date;
    int kind;  /* 0 takes effect, 1 ends, 2 note; in diff: 0 added, 1 removed */
    int index; /* rule or note id */
} row;

typedef struct filter {
    int party;  /* -1: all */
    int weapon; /* -1: all */
} filter;

static const char timeline_help[] =
    "usage: caveat timeline [--policy P]... [--party P] [--weapon W] [--format text|md|json]\n\n"
    "The history of the pack's conditions, one change a row in date order: rules taking effect\n"
    "and ending, and notes (reported statements that are not rules), with party, what changed,\n"
    "disputed status and sources.\n";

static const char diff_help[] =
    "usage: caveat diff [--policy P]... [--party P] [--weapon W] [--format text|md|json]\n"
    "                   DATE1 DATE2\n"
    "       caveat diff [--policy P]... --weapon W --kind K [--purpose U] [--party P]\n"
    "                   [--state S] --format geojson|svg [-o FILE] DATE1 DATE2\n\n"
    "What changed between two dates, rule by rule: '+' a rule in force on DATE2 but not on DATE1,\n"
    "'-' the reverse. With --format geojson or svg: where the area in which that use is\n"
    "permitted grew (newly permitted on DATE2) or shrank (no longer permitted), and where it\n"
    "stayed, as GeoJSON features (property change: grew, shrank, unchanged) or an SVG map.\n";

static int party_matches(const cav_pack *p, int all, const int *parties, int n, const filter *f) {
    if (f->party < 0)
        return 1;
    (void)p;
    if (all)
        return 1;
    for (int i = 0; i < n; i++)
        if (parties[i] == f->party)
            return 1;
    return 0;
}

static int keep_rule(const cav_pack *p, int r, const filter *f) {
    const cav_rule *rule = &p->rules[r];
    if (!party_matches(p, rule->all_parties, rule->parties, rule->nparties, f))
        return 0;
    return f->weapon < 0 || cav__rule_concerns_weapon(p, r, f->weapon);
}

static int keep_note(const cav_pack *p, int n, const filter *f) {
    const cav_note *note = &p->notes[n];
    if (!party_matches(p, 0, note->parties, note->nparties, f))
        return 0;
    if (f->weapon < 0)
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

static void parties_text(const cav_pack *p, int all, const int *v, int n, char *buf, size_t size) {
    cav_out o;
    cav__out_init(&o, buf, size);
    if (all)
        cav__out_puts(&o, "*");
    for (int i = 0; i < n; i++)
        cav__out_printf(&o, "%s%s", i ? "," : "", p->parties[v[i]].code);
}

static void sources_text(const cav_pack *p, const int *v, int n, char *buf, size_t size) {
    cav_out o;
    cav__out_init(&o, buf, size);
    for (int i = 0; i < n; i++)
        cav__out_printf(&o, "%s%s", i ? ", " : "", p->sources[v[i]].id);
}

static void json_sources(const cav_pack *p, const int *v, int n) {
    fputs("[", stdout);
    for (int i = 0; i < n; i++) {
        char buf[256];
        cav_out o;
        cav__out_init(&o, buf, sizeof buf);
        cav__out_json_str(&o, p->sources[v[i]].id);
        printf("%s%s", i ? ", " : "", buf);
    }
    fputs("]", stdout);
}

static void json_str(const char *s) {
    if (!s) {
        fputs("null", stdout);
        return;
    }
    size_t need = strlen(s) * 6 + 3;
    char *buf = malloc(need);
    if (!buf)
        return;
    cav_out o;
    cav__out_init(&o, buf, need);
    cav__out_json_str(&o, s);
    fputs(buf, stdout);
    free(buf);
}

static void md_cell(const char *s) {
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", stdout);
        else if (*s == '\n')
            fputc(' ', stdout);
        else
            fputc(*s, stdout);
    }
}

static const char *change_name(int kind, int is_diff, int forbid) {
    if (kind == 2)
        return "note";
    if (is_diff)
        return kind == 0 ? (forbid ? "+ forbid" : "+ permit") : (forbid ? "- forbid" : "- permit");
    return kind == 0 ? (forbid ? "forbid starts" : "permit starts")
                     : (forbid ? "forbid ends" : "permit ends");
}

static void print_rows(const cav_pack *p, const row *rows, int n, fmt format, int is_diff) {
    if (format == FMT_MD)
        puts("| date | party | change | rule | what | disputed | sources |\n"
             "| --- | --- | --- | --- | --- | --- | --- |");
    if (format == FMT_JSON)
        fputs("[", stdout);
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        char date[11], parties[128], sources[1024];
        const char *id, *title, *says, *disputed = NULL;
        int forbid = 0;
        cav_date_format(r->date, date);
        if (r->kind == 2) {
            const cav_note *note = &p->notes[r->index];
            id = note->id;
            title = note->title;
            says = note->says;
            parties_text(p, 0, note->parties, note->nparties, parties, sizeof parties);
            sources_text(p, note->sources, note->nsources, sources, sizeof sources);
        } else {
            const cav_rule *rule = &p->rules[r->index];
            id = rule->id;
            title = rule->title;
            says = rule->says;
            disputed = rule->disputed;
            forbid = rule->forbid;
            parties_text(p, rule->all_parties, rule->parties, rule->nparties, parties,
                         sizeof parties);
            sources_text(p, rule->sources, rule->nsources, sources, sizeof sources);
        }
        const char *what = title ? title : says ? says : "";
        const char *change = change_name(r->kind, is_diff, forbid);
        if (format == FMT_TEXT) {
            printf("%-10s  %-6s  %-13s  %-34s  %s%s  [%s]\n", is_diff ? "" : date, parties, change,
                   id, what, disputed ? " (disputed)" : "", sources);
        } else if (format == FMT_MD) {
            printf("| %s | %s | %s | `%s` | ", is_diff ? "" : date, parties, change, id);
            md_cell(what);
            fputs(" | ", stdout);
            md_cell(disputed ? disputed : "");
            printf(" | %s |\n", sources);
        } else {
            printf("%s\n  {\"date\": ", i ? "," : "");
            if (is_diff)
                fputs("null", stdout);
            else
                printf("\"%s\"", date);
            printf(", \"party\": \"%s\", \"change\": \"%s\", \"rule\": ", parties, change);
            json_str(id);
            fputs(", \"title\": ", stdout);
            json_str(title);
            fputs(", \"says\": ", stdout);
            json_str(says);
            fputs(", \"disputed\": ", stdout);
            json_str(disputed);
            fputs(", \"sources\": ", stdout);
            if (r->kind == 2)
                json_sources(p, p->notes[r->index].sources, p->notes[r->index].nsources);
            else
                json_sources(p, p->rules[r->index].sources, p->rules[r->index].nsources);
            fputs("}", stdout);
        }
    }
    if (format == FMT_JSON)
        puts(n ? "\n]" : "]");
}

static int cmp_row(const void *a, const void *b) {
    const row *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    if (x->kind != y->kind) /* ends before starts on the same day, notes last */
        return x->kind == 1 ? -1 : y->kind == 1 ? 1 : x->kind - y->kind;
    return x->index - y->index;
}

typedef struct opts {
    const char *policies[64];
    int npolicies;
    const char *party, *weapon, *format, *kind, *purpose, *state, *out;
    const char *args[2];
    int nargs;
} opts;

static int parse(int argc, char **argv, opts *o, const char *help, int nargs) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(help, stdout);
            return 1;
        } else if (strcmp(a, "--policy") == 0 && o->npolicies < 64) {
            slot = &o->policies[o->npolicies++];
        } else if (strcmp(a, "--party") == 0) {
            slot = &o->party;
        } else if (strcmp(a, "--weapon") == 0) {
            slot = &o->weapon;
        } else if (strcmp(a, "--format") == 0) {
            slot = &o->format;
        } else if (nargs == 2 && strcmp(a, "--kind") == 0) {
            slot = &o->kind;
        } else if (nargs == 2 && strcmp(a, "--purpose") == 0) {
            slot = &o->purpose;
        } else if (nargs == 2 && strcmp(a, "--state") == 0) {
            slot = &o->state;
        } else if (nargs == 2 && strcmp(a, "-o") == 0) {
            slot = &o->out;
        } else if (a[0] != '-' && o->nargs < nargs) {
            o->args[o->nargs++] = a;
            continue;
        } else {
            fprintf(stderr, "caveat: unexpected argument '%s'\n%s", a, help);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "caveat: %s needs a value\n", a);
            return -1;
        }
        *slot = argv[++i];
    }
    if (o->nargs != nargs) {
        fputs(help, stderr);
        return -1;
    }
    int map = nargs == 2 && o->format &&
              (strcmp(o->format, "geojson") == 0 || strcmp(o->format, "svg") == 0);
    if (o->format && !map && strcmp(o->format, "text") != 0 && strcmp(o->format, "md") != 0 &&
        strcmp(o->format, "json") != 0) {
        fprintf(stderr, "caveat: --format must be text, md or json%s, not '%s'\n",
                nargs == 2 ? " (or geojson, svg)" : "", o->format);
        return -1;
    }
    if (map && (!o->weapon || !o->kind)) {
        fputs("caveat diff: --format geojson/svg describes one use: give --weapon and --kind\n",
              stderr);
        return -1;
    }
    if (!map && (o->kind || o->purpose || o->state || o->out)) {
        fputs("caveat diff: --kind, --purpose, --state and -o go with --format geojson or svg\n",
              stderr);
        return -1;
    }
    return 0;
}

static int setup(const opts *o, cav_pack **pp, filter *f, fmt *format) {
    *pp = cli_load_pack(o->policies, o->npolicies, 0);
    if (!*pp)
        return CLI_USAGE;
    f->party = f->weapon = -1;
    *format = !o->format || strcmp(o->format, "text") == 0 ? FMT_TEXT
              : strcmp(o->format, "md") == 0               ? FMT_MD
                                                           : FMT_JSON;
    if (o->party && (f->party = cav_pack_party(*pp, o->party)) < 0) {
        fprintf(stderr, "caveat: --party: unknown party '%s'\n", o->party);
        return CLI_USAGE;
    }
    if (o->weapon && (f->weapon = cav_pack_weapon(*pp, o->weapon)) < 0) {
        fprintf(stderr, "caveat: --weapon: unknown weapon '%s'\n", o->weapon);
        return CLI_USAGE;
    }
    return 0;
}

int cmd_timeline(int argc, char **argv) {
    opts o = {0};
    int rc = parse(argc, argv, &o, timeline_help, 0);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    cav_pack *p;
    filter f;
    fmt format;
    if ((rc = setup(&o, &p, &f, &format)) != 0) {
        cav_pack_release(p);
        return rc;
    }
    row *rows = calloc(2 * (size_t)p->nrules + (size_t)p->nnotes + 1, sizeof *rows);
    int n = 0;
    for (int r = 0; rows && r < p->nrules; r++) {
        if (!keep_rule(p, r, &f))
            continue;
        rows[n++] = (row){p->rules[r].from, 0, r};
        if (p->rules[r].has_until)
            rows[n++] = (row){p->rules[r].until, 1, r};
    }
    for (int k = 0; rows && k < p->nnotes; k++)
        if (p->notes[k].has_date && keep_note(p, k, &f))
            rows[n++] = (row){p->notes[k].date, 2, k};
    if (rows) {
        qsort(rows, (size_t)n, sizeof *rows, cmp_row);
        print_rows(p, rows, n, format, 0);
    }
    free(rows);
    cav_pack_release(p);
    return rows ? CLI_OK : CLI_USAGE;
}

/* The areas permitted for the use on both dates: grew, shrank, unchanged. */
static int diff_map(const cav_pack *p, const opts *o) {
    cli_use use = {o->args[0], o->weapon, o->party, o->purpose, o->kind, o->state};
    cav_query q1, q2;
    if (cli_use_query(p, &use, &q1, "caveat diff") != 0)
        return CLI_USAGE;
    use.date = o->args[1];
    if (cli_use_query(p, &use, &q2, "caveat diff") != 0)
        return CLI_USAGE;
    GEOSContextHandle_t h = p->geos;
    GEOSGeometry *a1 = NULL, *a2 = NULL, *parts[3] = {NULL, NULL, NULL};
    cav_text text = {0};
    int rc = CLI_USAGE, err = cav__permitted_area(p, &q1, &a1);
    if (err == 0)
        err = cav__permitted_area(p, &q2, &a2);
    if (err != 0) {
        fprintf(stderr, "caveat diff: cannot compute the permitted area: %s\n", cav_strerror(err));
        goto cleanup;
    }
    parts[0] = GEOSDifference_r(h, a2, a1);   /* grew */
    parts[1] = GEOSDifference_r(h, a1, a2);   /* shrank */
    parts[2] = GEOSIntersection_r(h, a1, a2); /* unchanged */
    if (!parts[0] || !parts[1] || !parts[2]) {
        fputs("caveat diff: GEOS could not compare the areas\n", stderr);
        goto cleanup;
    }
    const char *changes[3] = {"grew", "shrank", "unchanged"};
    char labels[3][256];
    snprintf(labels[0], sizeof labels[0], "newly permitted on %s", o->args[1]);
    snprintf(labels[1], sizeof labels[1], "no longer permitted on %s", o->args[1]);
    snprintf(labels[2], sizeof labels[2], "permitted on both dates");
    if (strcmp(o->format, "geojson") == 0) {
        cav_map_feature f[3];
        for (int i = 0; i < 3; i++)
            f[i] = (cav_map_feature){
                parts[i],
                7,
                {"change", "from", "to", "weapon", "kind", "purpose", "party"},
                {changes[i], o->args[0], o->args[1], o->weapon, o->kind, o->purpose, o->party}};
        err = cav__geojson_write(h, f, 3, &text);
    } else {
        cav_map_layer layers[3] = {{parts[2], labels[2], CAV_LAYER_AREA},
                                   {parts[0], labels[0], CAV_LAYER_ZONE},
                                   {parts[1], labels[1], CAV_LAYER_ZONE}};
        char title[512];
        snprintf(title, sizeof title, "Where %s against %s%s%s was permitted: %s and %s", o->weapon,
                 o->kind, o->purpose ? " for " : "", o->purpose ? o->purpose : "", o->args[0],
                 o->args[1]);
        cav_svg_map m = {
            title, "caveat diff: green both dates; coloured: changed", layers, 3, 0, 0, 0, 0, 0};
        err = cav__svg_write(h, &m, &text);
    }
    if (err != 0 || text.oom) {
        fprintf(stderr, "caveat diff: cannot write the map: %s\n",
                cav_strerror(err ? err : CAV_ENOMEM));
        goto cleanup;
    }
    rc = cli_write_output(o->out, text.data, text.len, "caveat diff", "-o") == 0 ? CLI_OK
                                                                                 : CLI_USAGE;
cleanup:
    for (int i = 0; i < 3; i++)
        if (parts[i])
            GEOSGeom_destroy_r(h, parts[i]);
    if (a1)
        GEOSGeom_destroy_r(h, a1);
    if (a2)
        GEOSGeom_destroy_r(h, a2);
    cav__text_free(&text);
    return rc;
}

int cmd_diff(int argc, char **argv) {
    opts o = {0};
    int rc = parse(argc, argv, &o, diff_help, 2);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    int32_t d1, d2;
    for (int i = 0; i < 2; i++)
        if (cav_date_parse(o.args[i], i ? &d2 : &d1) != 0) {
            fprintf(stderr, "caveat diff: '%s' is no date (YYYY-MM-DD)\n", o.args[i]);
            return CLI_USAGE;
        }
    cav_pack *p;
    filter f;
    fmt format;
    if (o.format && (strcmp(o.format, "geojson") == 0 || strcmp(o.format, "svg") == 0)) {
        p = cli_load_pack(o.policies, o.npolicies, 0);
        rc = p ? diff_map(p, &o) : CLI_USAGE;
        cav_pack_release(p);
        return rc;
    }
    if ((rc = setup(&o, &p, &f, &format)) != 0) {
        cav_pack_release(p);
        return rc;
    }
    row *rows = calloc((size_t)p->nrules + 1, sizeof *rows);
    int n = 0;
    for (int r = 0; rows && r < p->nrules; r++) {
        const cav_rule *rule = &p->rules[r];
        int at1 = rule->from <= d1 && d1 < rule->until, at2 = rule->from <= d2 && d2 < rule->until;
        if (at1 != at2 && keep_rule(p, r, &f))
            rows[n++] = (row){0, at2 ? 0 : 1, r};
    }
    if (rows) {
        if (format == FMT_TEXT)
            printf("Changes from %s to %s: %d\n", o.args[0], o.args[1], n);
        print_rows(p, rows, n, format, 1);
    }
    free(rows);
    cav_pack_release(p);
    return rows ? CLI_OK : CLI_USAGE;
}
