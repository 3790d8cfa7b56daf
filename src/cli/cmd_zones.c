/* cmd_zones.c — `caveat zones`: a pack's zones, or the area where one use is permitted, as
 * GeoJSON (for QGIS, geojson.io) or as an SVG map (for people).
 *
 * Without --weapon it exports zones: the pack's declared zones, or those named with --zone (a
 * zone of the pack, or any country with embedded boundary data by its ISO code). With --weapon
 * (and --kind, --date) it exports the permitted area of that use, computed exactly from the rules
 * in force by cav__permitted_area (lang/area.c); the SVG shows it with the zones for context.
 *
 * The output file is written under a temporary name in its directory and renamed into place, so
 * a failed run never leaves a half-written file. Exit status: 0 written, 2 usage, policy or write
 * error (the message names the option at fault).
 */
#include "cli/cli.h"
#include "core/util.h"
#include "geo/map.h"
#include "lang/area.h"
#include "lang/check.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char zones_help[] =
    "usage: caveat zones [--policy P]... [--zone NAME]... [--date D] --format geojson|svg\n"
    "                    [-o FILE]\n"
    "       caveat zones [--policy P]... --weapon W --kind K --date D [--purpose U]\n"
    "                    [--party P] [--state ground|airborne] [--zone NAME]...\n"
    "                    --format geojson|svg [-o FILE]\n\n"
    "Without --weapon, writes the pack's zones (every declared zone, or those named with --zone;\n"
    "a country by its ISO code, such as UA, also works) as a GeoJSON FeatureCollection (one\n"
    "Feature per zone: id, title, note) or as an SVG map.\n\n"
    "With --weapon, writes the area where that use is permitted on --date by every party whose\n"
    "consent it needs (the weapon's, and --party as its supplier), every other fact fixed: one\n"
    "GeoJSON Feature, or an SVG map of it with the zones (the declared ones, or --zone's).\n"
    "A missing --purpose is a missing fact: rules that test it do not match.\n\n"
    "  --policy P    load the pack from P (repeatable); default: the embedded pack\n"
    "  --format F    geojson or svg (default: from -o's extension, else geojson)\n"
    "  -o FILE       write to FILE (replaced only when the run succeeds); default stdout\n";

typedef struct zones_opts {
    const char *policies[64];
    int npolicies;
    const char *zones[64];
    int nzones;
    const char *date, *format, *out;
    const char *weapon, *party, *kind, *purpose, *state;
    int svg;
    int32_t day;
} zones_opts;

/* One thing to export: a zone (borrowed from the pack or made from the borders) or the area. */
typedef struct item {
    GEOSGeometry *geom;
    int owned;
    const char *id, *title, *note;
    char label[512];
} item;

static int fail(const char *fmt, const char *a, const char *b) {
    fputs("caveat zones: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return -1;
}

static int parse_args(int argc, char **argv, zones_opts *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(zones_help, stdout);
            return 1;
        } else if (strcmp(a, "--policy") == 0 || strcmp(a, "--zone") == 0) {
            int is_zone = a[2] == 'z';
            int *n = is_zone ? &o->nzones : &o->npolicies;
            if (*n == 64)
                return fail("too many %s options (at most 64)%s", a, "");
            slot = is_zone ? &o->zones[(*n)++] : &o->policies[(*n)++];
        } else if (strcmp(a, "--date") == 0)
            slot = &o->date;
        else if (strcmp(a, "--format") == 0)
            slot = &o->format;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            slot = &o->out;
        else if (strcmp(a, "--weapon") == 0)
            slot = &o->weapon;
        else if (strcmp(a, "--party") == 0 || strcmp(a, "--supplier") == 0)
            slot = &o->party;
        else if (strcmp(a, "--kind") == 0)
            slot = &o->kind;
        else if (strcmp(a, "--purpose") == 0)
            slot = &o->purpose;
        else if (strcmp(a, "--state") == 0)
            slot = &o->state;
        else
            return fail("unknown argument '%s'%s (see caveat zones --help)", a, "");
        if (i + 1 >= argc)
            return fail("%s needs a value%s", a, "");
        *slot = argv[++i];
    }
    if (!o->format && o->out) {
        size_t n = strlen(o->out);
        o->format = n > 4 && cav__streqi(o->out + n - 4, ".svg") ? "svg" : "geojson";
    }
    if (!o->format)
        o->format = "geojson";
    if (strcmp(o->format, "svg") == 0)
        o->svg = 1;
    else if (strcmp(o->format, "geojson") != 0 && strcmp(o->format, "json") != 0)
        return fail("--format must be geojson or svg, not '%s'%s", o->format, "");
    if (o->date && cav_date_parse(o->date, &o->day) != 0)
        return fail("--date '%s' is no date (YYYY-MM-DD)%s", o->date, "");
    if (!o->weapon) {
        const char *names[] = {"--party", "--kind", "--purpose", "--state"};
        const char *vals[] = {o->party, o->kind, o->purpose, o->state};
        for (int i = 0; i < 4; i++)
            if (vals[i])
                return fail("%s needs --weapon (it describes a use whose permitted area is "
                            "drawn)%s",
                            names[i], "");
    } else {
        if (!o->date)
            return fail("--date is required with --weapon: rules change over time%s%s", "", "");
        if (!o->kind)
            return fail("--kind is required with --weapon (the target's kind, e.g. forces)%s%s", "",
                        "");
    }
    return 0;
}

/* Finds --zone name: a zone of the pack, else a country or region by ISO code. */
static int find_item(const cav_pack *p, const char *name, item *it) {
    int z = cav__find_zone(p, name);
    memset(it, 0, sizeof *it);
    if (z >= 0 && p->zones[z].geom) {
        const cav_zone *zone = &p->zones[z];
        int b = zone->implicit ? cav__borders_find(zone->id) : -1;
        it->geom = zone->geom;
        it->id = zone->id;
        it->title = zone->title && zone->title[0] ? zone->title
                    : b >= 0                      ? cav__borders_name(b)
                                                  : NULL;
        it->note = zone->note;
        return 0;
    }
    int b = cav__borders_find(name);
    if (b >= 0) {
        it->geom = cav__borders_geom(p->geos, b);
        if (!it->geom)
            return fail("out of memory building '%s'%s", name, "");
        it->owned = 1;
        it->id = cav__borders_code(b);
        it->title = cav__borders_name(b);
        return 0;
    }
    /* unknown: suggest the nearest zone names and codes */
    int nb = cav__borders_count();
    const char **names = malloc(sizeof *names * (size_t)(p->nzones + nb + 1));
    char hint[256] = "";
    if (names) {
        int n = 0;
        for (int i = 0; i < p->nzones; i++)
            names[n++] = p->zones[i].id;
        for (int i = 0; i < nb; i++)
            names[n++] = cav__borders_code(i);
        char near[200];
        if (cav__nearest_names(name, names, (size_t)n, near, sizeof near))
            snprintf(hint, sizeof hint, " (did you mean %s?)", near);
        free(names);
    }
    return fail("--zone '%s': no zone of the pack and no country with that ISO code%s", name, hint);
}

/* The items to draw or export as zones: --zone's, or the pack's declared zones. */
static int collect_zones(const cav_pack *p, const zones_opts *o, item *items, int *n) {
    *n = 0;
    if (o->nzones > 0) {
        for (int i = 0; i < o->nzones; i++) {
            if (find_item(p, o->zones[i], &items[*n]) != 0)
                return -1;
            (*n)++;
        }
        return 0;
    }
    for (int z = 0; z < p->nzones; z++)
        if (!p->zones[z].implicit && p->zones[z].geom)
            if (find_item(p, p->zones[z].id, &items[(*n)++]) != 0)
                return -1;
    return 0;
}

static const char *or_missing(const char *s) {
    return s ? s : "(not given)";
}

int cmd_zones(int argc, char **argv) {
    zones_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    cav_pack *p = cli_load_pack(o.policies, o.npolicies, 0);
    if (!p)
        return CLI_USAGE;
    /* every declared zone or every --zone, and the area */
    int cap = p->nzones + o.nzones + 1;
    item *items = calloc((size_t)cap, sizeof *items);
    cav_map_feature *feats = calloc((size_t)cap, sizeof *feats);
    cav_map_layer *layers = calloc((size_t)cap, sizeof *layers);
    int nitems = 0;
    GEOSGeometry *area = NULL;
    cav_text text = {0};
    cav_query q;
    rc = CLI_USAGE;
    if (!items || !feats || !layers) {
        fail("out of memory%s%s", "", "");
        goto cleanup;
    }
    cli_use use = {o.date, o.weapon, o.party, o.purpose, o.kind, o.state};
    if (o.weapon && cli_use_query(p, &use, &q, "caveat zones") != 0)
        goto cleanup;
    if (collect_zones(p, &o, items, &nitems) != 0)
        goto cleanup;
    char consent[128] = "";
    const char *weapon = NULL, *kind = NULL, *purpose = NULL, *supplier = NULL;
    if (o.weapon) {
        int err = cav__permitted_area(p, &q, &area);
        if (err != 0) {
            fail("cannot compute the permitted area: %s%s", cav_strerror(err), "");
            goto cleanup;
        }
        const cav_weapon *w = &p->weapons[q.weapon];
        for (int i = 0; i < w->nconsent; i++)
            snprintf(consent + strlen(consent), sizeof consent - strlen(consent), "%s%s",
                     i ? ", " : "", p->parties[w->consent[i]].code);
        if (q.supplier >= 0 && !strstr(consent, p->parties[q.supplier].code))
            snprintf(consent + strlen(consent), sizeof consent - strlen(consent), "%s%s",
                     consent[0] ? ", " : "", p->parties[q.supplier].code);
        weapon = w->id;
        kind = p->kinds[q.kind].id;
        purpose = q.purpose >= 0 ? p->purposes[q.purpose].id : NULL;
        supplier = q.supplier >= 0 ? p->parties[q.supplier].code : NULL;
    }
    const char *pack_name = o.npolicies ? "the pack" : "the default pack";
    char title[1024], subtitle[1024];
    if (!o.svg) {
        int nf = 0;
        if (area) {
            cav_map_feature *f = &feats[nf++];
            const char *k[] = {"weapon", "party",   "consent", "kind",
                               "state",  "purpose", "date",    "decision"};
            const char *v[] = {weapon,  supplier, consent,    kind, q.state ? "airborne" : "ground",
                               purpose, o.date,   "permitted"};
            f->geom = area;
            f->nprops = 8;
            for (int i = 0; i < 8; i++)
                f->keys[i] = k[i], f->values[i] = v[i];
        } else {
            for (int i = 0; i < nitems; i++) {
                cav_map_feature *f = &feats[nf++];
                f->geom = items[i].geom;
                f->nprops = 3;
                f->keys[0] = "id", f->values[0] = items[i].id;
                f->keys[1] = "title", f->values[1] = items[i].title;
                f->keys[2] = "note", f->values[2] = items[i].note;
            }
        }
        int err = cav__geojson_write(p->geos, feats, nf, &text);
        if (err != 0) {
            fail("cannot write GeoJSON: %s%s", cav_strerror(err), "");
            goto cleanup;
        }
    } else {
        int nl = 0;
        if (area) {
            int empty = GEOSisEmpty_r(p->geos, area) != 0;
            snprintf(items[nitems].label, sizeof items[nitems].label,
                     "Permitted%s: %s against %s%s, purpose %s%s%s, on %s (consent of %s)",
                     empty ? " nowhere" : " area", weapon, kind, q.state ? " (airborne)" : "",
                     or_missing(purpose), supplier ? ", supplier " : "", supplier ? supplier : "",
                     o.date, consent);
            layers[nl++] = (cav_map_layer){area, items[nitems].label, CAV_LAYER_AREA};
        }
        for (int i = 0; i < nitems; i++) {
            snprintf(items[i].label, sizeof items[i].label, "%s%s%s", items[i].id,
                     items[i].title ? " \xe2\x80\x94 " : "", items[i].title ? items[i].title : "");
            layers[nl++] = (cav_map_layer){items[i].geom, items[i].label,
                                           area ? CAV_LAYER_CONTEXT : CAV_LAYER_ZONE};
        }
        if (area) {
            snprintf(title, sizeof title,
                     "Where may %s%s%s be used against %s (%s), purpose %s, on %s?",
                     p->weapons[q.weapon].title, supplier ? " supplied by " : "",
                     supplier ? supplier : "", kind, q.state ? "airborne" : "on the ground",
                     or_missing(purpose), o.date);
            snprintf(subtitle, sizeof subtitle,
                     "Green: permitted by every party whose consent the use needs (%s) under the "
                     "rules of %s in force on %s; elsewhere prohibited or unknown.%s",
                     consent, pack_name, o.date,
                     GEOSisEmpty_r(p->geos, area) ? " The use is permitted nowhere." : "");
        } else {
            snprintf(title, sizeof title, "Zones of %s%s%s", pack_name,
                     o.date ? " \xe2\x80\x94 " : "", o.date ? o.date : "");
            snprintf(subtitle, sizeof subtitle, "%d zone%s: %s", nitems, nitems == 1 ? "" : "s",
                     o.nzones ? "as named with --zone" : "every zone the pack declares");
        }
        cav_svg_map m = {title, subtitle, layers, nl, 0, 0, 0, 0, 0};
        int err = cav__svg_write(p->geos, &m, &text);
        if (err != 0) {
            fail("cannot draw the SVG map: %s%s", cav_strerror(err), "");
            goto cleanup;
        }
    }
    if (cli_write_output(o.out, text.data, text.len, "caveat zones", "-o") == 0)
        rc = CLI_OK;
cleanup:
    for (int i = 0; i < nitems; i++)
        if (items[i].owned)
            GEOSGeom_destroy_r(p->geos, items[i].geom);
    if (area)
        GEOSGeom_destroy_r(p->geos, area);
    cav__text_free(&text);
    free(items);
    free(feats);
    free(layers);
    cav_pack_release(p);
    return rc;
}
